/* k-group log-rank test (R survdiff, rho = 0), internal to the model stage.
 * Input sorted by time ascending; group[i] in 0..n_groups-1. */
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
