/* k-group log-rank test (R survdiff, rho = 0), internal to the model stage.
 * Input sorted by time ascending; group[i] in 0..n_groups-1. With fewer than two groups expecting
 * a death, chisq = 0 and df = 0 (R: no test). When the variance block is singular (e.g. every
 * death at a time when all at risk die; R's solve stops there) chisq and p are NAN. */
#ifndef EMBOLO_LOGRANK_H
#define EMBOLO_LOGRANK_H

#include <stddef.h>
#include "common/error.h"

typedef struct logrank_result {
    double chisq;
    int df;        /* number of groups with positive expected count, minus 1 */
    double p;      /* upper chi-square tail; NAN when df = 0 */
} logrank_result;

embolo_error logrank_test(const double *time, const int *status, const int *group, size_t n,
                          int n_groups, logrank_result *out);

#endif
