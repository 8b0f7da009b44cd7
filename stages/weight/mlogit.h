/* Multinomial logistic regression by Newton-Raphson (the propensity model; nnet::multinom's MLE).
 * Internal to the weight stage.
 *
 * y[i] in 0..k-1 is the group, 0 the reference category. x is row-major n x p and must already hold
 * an intercept column if one is wanted. The fit has (k-1)*p coefficients, block g-1 for group g. */
#ifndef EMBOLO_MLOGIT_H
#define EMBOLO_MLOGIT_H

#include <stddef.h>
#include "common/error.h"

typedef struct mlogit_result {
    size_t n, p, k;
    double *coef;       /* [(k-1)*p] */
    double *fitted;     /* [n*k] row-major fitted probabilities P(y = g | x_i) */
    double loglik;
    int iterations;
    int converged;      /* relative change of the log-likelihood below 1e-12 with a finite optimum */
    int separated;      /* the MLE does not exist: coefficients diverge / fitted probabilities reach 0 or 1 */
} mlogit_result;

/* Fits the model; *out is NULL on failure (allocation, bad arguments). Separation is not a failure. */
embolo_error mlogit_fit(const int *y, size_t k, const double *x, size_t n, size_t p,
                        mlogit_result **out);

void mlogit_result_free(mlogit_result *result);

#endif
