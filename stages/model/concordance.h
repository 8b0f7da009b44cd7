/* Harrell's concordance and its standard error, as R's concordance() reports for a coxph fit
 * (reverse = TRUE: a higher risk score should go with a shorter time; ties in the score count 1/2;
 * pairs tied in time not comparable unless one is an event and the other censored at the same time,
 * as R does; weights as case weights; infinitesimal-jackknife variance). O(n log n).
 * Input sorted by time ascending; weight may be NULL. Internal to the model stage. */
#ifndef EMBOLO_CONCORDANCE_H
#define EMBOLO_CONCORDANCE_H

#include <stddef.h>
#include "common/error.h"

embolo_error concordance_compute(const double *time, const int *status, const double *weight,
                                 const double *risk_score, size_t n, double *concordance,
                                 double *std_err);

/* The same within strata (R's concordance for a coxph fit with strata(): only pairs within one
 * stratum are compared; the counts and the influence of each row are pooled). strata codes >= 0;
 * NULL: one stratum. */
embolo_error concordance_compute_stratified(const double *time, const int *status, const double *weight,
                                            const double *risk_score, const int *strata, size_t n,
                                            double *concordance, double *std_err);

#endif
