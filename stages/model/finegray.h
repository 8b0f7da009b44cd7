/* Fine-Gray proportional subdistribution hazards model (Fine & Gray 1999, JASA 94:496) as R's
 * cmprsk::crr(time, status, cov1, failcode = 1, cencode = 0) estimates it: the pseudo log-likelihood
 * with Breslow ties, the censoring distribution G estimated by Kaplan-Meier, Newton-Raphson from 0
 * to the maximum, and crr's sandwich variance Omega^-1 Sigma Omega^-1 with the term for the
 * estimated G. Internal to the model stage.
 *
 * Input sorted by time ascending; cause 0 censored, 1 the event, 2 the competing event; x row-major
 * n x p. O(n p^2) per Newton step and for the variance. */
#ifndef EMBOLO_FINEGRAY_H
#define EMBOLO_FINEGRAY_H

#include <stddef.h>
#include "common/error.h"

typedef struct finegray_result {
    size_t p;
    double *coef;        /* [p] */
    double *var;         /* [p*p] crr's var */
    double loglik;       /* pseudo log-likelihood at the estimate */
    int converged;       /* 0: no maximum found (coef and var NAN) */
    int iterations;
} finegray_result;

/* *out is NULL on failure (EMBOLO_ERROR_INVALID_ARGUMENT for unsorted or non-finite input or a
 * cause other than 0/1/2; EMBOLO_ERROR_NOMEM). No event of cause 1, a singular information or no
 * convergence give converged = 0, not a failure. */
embolo_error finegray_fit(const double *time, const int *cause, const double *x, size_t n, size_t p,
                          finegray_result **out);

void finegray_result_free(finegray_result *result);

#endif
