/* Cox proportional hazards model (R coxph), internal to the model stage.
 *
 * Input arrays are sorted by time ascending (ties in any order). x is row-major n x p. weight may be
 * NULL (all 1). With options.robust the robust sandwich variance (R: robust = TRUE, each row its own
 * cluster, crossprod of weighted dfbeta residuals, no n/(n-1) factor) is computed as well. */
#ifndef EMBOLO_COX_H
#define EMBOLO_COX_H

#include <stddef.h>
#include "common/error.h"

typedef enum cox_ties { COX_TIES_EFRON, COX_TIES_BRESLOW } cox_ties;

typedef struct cox_options {
    cox_ties ties;
    int robust;          /* compute robust_var and robust_score_chisq */
    int max_iter;        /* R's iter.max: 20 */
    double eps;          /* R's eps: 1e-9 */
    double toler_chol;   /* R's toler.chol: .Machine$double.eps^0.75 */
} cox_options;

/* R's defaults: Efron, not robust, 20 iterations, 1e-9, eps^0.75. */
cox_options cox_options_default(void);

typedef enum cox_warning {
    COX_WARN_NONE = 0,
    COX_WARN_NOT_CONVERGED = 1,   /* hit max_iter */
    COX_WARN_MONOTONE = 2,        /* a coefficient runs off to infinity (see infinite_coef) */
    COX_WARN_SINGULAR = 4         /* information matrix singular (see singular_coef) */
} cox_warning;

typedef struct cox_result {
    size_t p;
    size_t n;              /* rows used */
    size_t events;         /* unweighted events */
    double *coef;          /* [p] */
    double *var;           /* [p*p] model-based variance, inverse information (naive) */
    double *robust_var;    /* [p*p] robust sandwich variance, NULL unless options.robust */
    double loglik_null;    /* log partial likelihood at beta = 0 */
    double loglik;         /* at the estimate */
    double score_chisq;    /* score (log-rank) test at beta = 0, model-based */
    double robust_score_chisq; /* robust score test at beta = 0 (NAN unless robust) */
    double wald_chisq;     /* coef' V^-1 coef with V = robust_var if robust, else var */
    int iterations;
    int warnings;          /* bit set of cox_warning */
    int infinite_coef;     /* index of a coefficient running to infinity, -1 if none (the first of infinite) */
    int singular_coef;     /* index of a coefficient dropped for collinearity, -1 if none (the first of singular) */
    unsigned char *infinite;  /* [p] 1 for every coefficient R flags as possibly infinite */
    unsigned char *singular;  /* [p] 1 for every coefficient dropped for collinearity */
} cox_result;

/* Whether coefficient j was dropped for collinearity (NULL-safe on a result without the flags). */
int cox_coef_singular(const cox_result *fit, size_t j);

/* Fits the model; *out is NULL on failure. Problems of the data (monotone likelihood, collinearity,
 * non-convergence) are not failures: they are flagged in warnings. */
embolo_error cox_fit(const double *time, const int *status, const double *weight, const double *x,
                     size_t n, size_t p, const cox_options *options, cox_result **out);

/* The same with strata and clusters (either may be NULL; codes >= 0, rows still in time order).
 * strata: R's strata(): risk sets and Efron ties within each stratum, the partial likelihood summed
 * over them. cluster: R's cluster = : the robust variance D'D with D the dfbeta residuals summed
 * within cluster, and the robust score test from the score residuals at beta = 0 so summed (implies
 * robust). */
embolo_error cox_fit_grouped(const double *time, const int *status, const double *weight, const double *x,
                             const int *strata, const int *cluster, size_t n, size_t p,
                             const cox_options *options, cox_result **out);

void cox_result_free(cox_result *result);

/* Wald chi-square for coefficients first..first+count-1, with the robust variance when the fit has
 * one; NAN if that block of the variance is singular. */
double cox_wald_block(const cox_result *fit, size_t first, size_t count);

/* The same for the coefficients index[0..count). */
double cox_wald_subset(const cox_result *fit, const size_t *index, size_t count);

#endif
