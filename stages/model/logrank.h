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

/* Observed and expected events per group and the hypergeometric covariance (R's survdiff $obs,
 * $exp, $var), summed over strata when strata is not NULL (codes >= 0; each stratum its own risk
 * sets: survdiff(... + strata(S))). Same input rules as logrank_test. */
typedef struct logrank_table {
    size_t k;
    double *observed;  /* [k] */
    double *expected;  /* [k] */
    double *var;       /* [k*k] row-major */
} logrank_table;

embolo_error logrank_table_compute(const double *time, const int *status, const int *group, const int *strata,
                                   size_t n, int n_groups, logrank_table *out);
void logrank_table_free(logrank_table *table);

/* The test of a table as logrank_test does it (df from the groups with E > 0; chisq NAN when their
 * variance block is singular). */
embolo_error logrank_table_test(const logrank_table *table, logrank_result *out);

/* The test for trend: (sum s_j (O_j - E_j))^2 / s' V s; NAN when s' V s is not > 0. */
double logrank_trend_chisq(const logrank_table *table, const double *score);

#endif
