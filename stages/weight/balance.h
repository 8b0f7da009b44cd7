/* Standardized mean differences between treatment groups (statistics.md, Balance). Internal to the
 * weight stage. */
#ifndef EMBOLO_BALANCE_H
#define EMBOLO_BALANCE_H

#include <stddef.h>

/* Largest |SMD| over all pairs of groups (0..k-1) for one covariate x: (weighted) mean of group i
 * minus (weighted) mean of group j, divided by sqrt((s_i^2 + s_j^2)/2) with the unweighted sample
 * variances (n-1 denominator); a pair whose pooled SD is 0 contributes 0. weight NULL = unweighted
 * means. Groups with no rows are skipped. */
double balance_max_abs_smd(const double *x, const int *group, const double *weight, size_t n,
                           size_t k);

/* balance_max_abs_smd without and with weight from one pass over the rows (the same values). */
void balance_max_abs_smd_both(const double *x, const int *group, const double *weight, size_t n, size_t k,
                              double *unweighted, double *weighted);

#endif
