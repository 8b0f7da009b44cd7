/* Cumulative incidence of the event in the presence of a competing event: the Aalen-Johansen
 * estimate (R: survfit(Surv(time, factor(status, 0:2)) ~ 1), state "1") with R's infinitesimal-
 * jackknife standard error and log-scale 95% limits. Internal to the model stage.
 *
 * Input sorted by time ascending; cause 0 censored, 1 the event, 2 the competing event; weight NULL
 * (all 1) or finite and >= 0 (ATE weights enter n, d and the jackknife). O(n). */
#ifndef EMBOLO_CIF_H
#define EMBOLO_CIF_H

#include <stddef.h>
#include "common/error.h"

typedef struct cif_curve {
    size_t n_times;            /* distinct observed times */
    double *time;              /* [n_times] ascending */
    double *cif;               /* [n_times] CIF just after time */
    double *std_err;           /* [n_times] infinitesimal-jackknife standard error */
    double *lower, *upper;     /* [n_times] log-scale 95% limits (upper capped at 1); NAN where CIF = 0 */
    size_t *n_risk;            /* [n_times] unweighted number at risk just before time */
    size_t *n_event;           /* [n_times] unweighted events (cause 1) at time */
    size_t n;                  /* unweighted rows */
    size_t events;             /* unweighted cause-1 events */
    size_t competing;          /* unweighted cause-2 events */
} cif_curve;

/* *out is NULL on failure (EMBOLO_ERROR_INVALID_ARGUMENT for unsorted or non-finite times, a cause
 * other than 0/1/2 or a bad weight; EMBOLO_ERROR_NOMEM). */
embolo_error cif_fit(const double *time, const int *cause, const double *weight, size_t n, cif_curve **out);

void cif_curve_free(cif_curve *curve);

/* CIF and its limits at t as summary(fit, times = t, extend = FALSE): the values at the last time
 * <= t (0 and NAN limits before the first time); all three NAN beyond the curve's last time. */
void cif_at(const cif_curve *curve, double t, double *cif, double *lower, double *upper);

#endif
