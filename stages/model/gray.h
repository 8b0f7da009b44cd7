/* Gray's test (1988, Ann Stat 16:1141) comparing the cumulative incidence of the event across
 * groups in the presence of a competing event: R's cmprsk::cuminc(time, status, group)$Tests["1", ]
 * with rho = 0 and one stratum. Internal to the model stage.
 *
 * Input sorted by time ascending; cause 0 censored, 1 the event, 2 the competing event; group in
 * 0..n_groups-1. Groups without rows are left out (cuminc drops them). O(n * groups^2). */
#ifndef EMBOLO_GRAY_H
#define EMBOLO_GRAY_H

#include <stddef.h>
#include "common/error.h"

typedef struct gray_result {
    double chisq;  /* s' V^-1 s over the first present groups but the last; NAN without a test */
    int df;        /* groups present - 1 */
    double p;      /* upper chi-square tail; NAN without a test */
} gray_result;

/* No test (chisq, p NAN) with fewer than 2 groups present, no event of cause 1, or a singular V. */
embolo_error gray_test(const double *time, const int *cause, const int *group, size_t n, int n_groups,
                       gray_result *out);

#endif
