/* Kaplan-Meier estimator (R survfit, conf.type "log"), internal to the model stage.
 *
 * Input arrays are sorted by time ascending (ties in any order); status is 1 for an event and
 * 0 for censored; weight may be NULL (all weights 1), else finite and >= 0. When some weight is not
 * a whole number the variance is R's robust infinitesimal-jackknife one (each row its own cluster),
 * as survfit uses for non-integer weights; otherwise (no weights, or whole-number weights, as in R)
 * it is Greenwood's on the weighted counts. n = 0 gives an empty curve (n_times = 0). */
#ifndef EMBOLO_KM_H
#define EMBOLO_KM_H

#include <stddef.h>
#include "common/error.h"

typedef struct km_curve {
    size_t n_times;      /* distinct observed times (events or censorings) */
    double *time;        /* [n_times] ascending */
    double *n_risk;      /* [n_times] weighted number at risk just before time */
    double *n_event;     /* [n_times] weighted events at time */
    double *n_censor;    /* [n_times] weighted censorings at time */
    size_t *n_risk_unweighted;  /* [n_times] unweighted number at risk (risk tables) */
    size_t *n_event_unweighted; /* [n_times] unweighted events at time */
    double *surv;        /* [n_times] S(t) just after time */
    double *std_err;     /* [n_times] standard error of log S (NAN where S = 0) */
    double *lower;       /* [n_times] 95% lower limit (NAN where S = 0) */
    double *upper;       /* [n_times] 95% upper limit, capped at 1 (NAN where S = 0) */
    size_t n;            /* unweighted number of rows */
    size_t events;       /* unweighted number of events */
} km_curve;

/* Fits a curve; *out is NULL on failure (EMBOLO_ERROR_INVALID_ARGUMENT for unsorted times, a
 * status other than 0/1, a negative or non-finite weight or time; EMBOLO_ERROR_NOMEM). */
embolo_error km_fit(const double *time, const int *status, const double *weight, size_t n,
                    km_curve **out);

void km_curve_free(km_curve *curve);

/* Median survival and its 95% CI by R's print.survfit rule; NAN where not reached. */
void km_median(const km_curve *curve, double *median, double *lower, double *upper);

/* S and its 95% CI at time t, as R's summary(fit, times = t, extend = FALSE): the values at the
 * last time <= t (1, 1, 1 before the first event); all three NAN when t is beyond the last
 * observed time of the curve. */
void km_surv_at(const km_curve *curve, double t, double *surv, double *lower, double *upper);

#endif
