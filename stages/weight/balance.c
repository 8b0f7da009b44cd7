/* Standardized mean differences between treatment groups (balance.h). */
#include "weight/balance.h"

#include <math.h>
#include <stdlib.h>

typedef struct group_stats {
    size_t n;
    double mean;        /* unweighted */
    double sum_sq;      /* sum of squared deviations from the unweighted mean */
    double weight_sum;
    double weighted_sum;
} group_stats;

/* One pass of Welford's update per row; rows whose group is outside 0..k-1 are ignored. */
static void stats_accumulate(group_stats *stats, const double *x, const int *group,
                             const double *weight, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        if (group[i] < 0 || (size_t)group[i] >= k)
            continue;
        group_stats *s = &stats[group[i]];
        double w = weight ? weight[i] : 1.0;
        double delta = x[i] - s->mean;
        s->n++;
        s->mean += delta / (double)s->n;
        s->sum_sq += delta * (x[i] - s->mean);
        s->weight_sum += w;
        s->weighted_sum += w * x[i];
    }
}

/* Sample variance (n-1 denominator); 0 for a single row. */
static double stats_variance(const group_stats *s)
{
    return s->n > 1 ? s->sum_sq / (double)(s->n - 1) : 0.0;
}

static double pair_abs_smd(const group_stats *a, const group_stats *b)
{
    double smd = 0.0;
    double sd = sqrt((stats_variance(a) + stats_variance(b)) / 2.0);
    if (sd > 0.0)
        smd = fabs(a->weighted_sum / a->weight_sum - b->weighted_sum / b->weight_sum) / sd;
    return smd;
}

double balance_max_abs_smd(const double *x, const int *group, const double *weight, size_t n,
                           size_t k)
{
    double max = 0.0;
    group_stats *stats = NULL;
    if (!x || !group || k == 0) {
        max = NAN;
        goto cleanup;
    }
    stats = calloc(k, sizeof *stats);
    if (!stats) {
        max = NAN;
        goto cleanup;
    }
    stats_accumulate(stats, x, group, weight, n, k);
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i + 1; j < k; j++) {
            if (stats[i].n == 0 || stats[j].n == 0)
                continue;
            double smd = pair_abs_smd(&stats[i], &stats[j]);
            if (isnan(smd) || smd > max)
                max = smd;
        }
    }
cleanup:
    free(stats);
    return max;
}
