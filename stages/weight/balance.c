/* Standardized mean differences between treatment groups (balance.h). */
#include "weight/balance.h"

#include <math.h>
#include <stdlib.h>

typedef struct group_stats {
    size_t n;
    double mean;        /* unweighted */
    double sum_sq;      /* sum of squared deviations from the unweighted mean */
    double unit_sum;    /* sum of weights 1.0 (the unweighted means') */
    double unit_x_sum;  /* and of 1.0 * x */
    double weight_sum;
    double weighted_sum;
} group_stats;

/* One pass of Welford's update per row, with the unweighted and the weighted sums (weight NULL: every
 * weight 1.0); rows whose group is outside 0..k-1 are ignored. */
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
        s->unit_sum += 1.0;
        s->unit_x_sum += 1.0 * x[i];
        s->weight_sum += w;
        s->weighted_sum += w * x[i];
    }
}

/* Sample variance (n-1 denominator); 0 for a single row. */
static double stats_variance(const group_stats *s)
{
    return s->n > 1 ? s->sum_sq / (double)(s->n - 1) : 0.0;
}

static double pair_abs_smd(const group_stats *a, const group_stats *b, int weighted)
{
    double smd = 0.0;
    double sd = sqrt((stats_variance(a) + stats_variance(b)) / 2.0);
    double mean_a = weighted ? a->weighted_sum / a->weight_sum : a->unit_x_sum / a->unit_sum;
    double mean_b = weighted ? b->weighted_sum / b->weight_sum : b->unit_x_sum / b->unit_sum;
    if (sd > 0.0)
        smd = fabs(mean_a - mean_b) / sd;
    return smd;
}

static double stats_max_abs_smd(const group_stats *stats, size_t k, int weighted)
{
    double max = 0.0;
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i + 1; j < k; j++) {
            if (stats[i].n == 0 || stats[j].n == 0)
                continue;
            double smd = pair_abs_smd(&stats[i], &stats[j], weighted);
            if (isnan(smd) || smd > max)
                max = smd;
        }
    }
    return max;
}

void balance_max_abs_smd_both(const double *x, const int *group, const double *weight, size_t n, size_t k,
                              double *unweighted, double *weighted)
{
    group_stats *stats = x && group && k > 0 ? calloc(k, sizeof *stats) : NULL;
    *unweighted = *weighted = NAN;
    if (!stats)
        return;
    stats_accumulate(stats, x, group, weight, n, k);
    *unweighted = stats_max_abs_smd(stats, k, 0);
    *weighted = stats_max_abs_smd(stats, k, 1);
    free(stats);
}

double balance_max_abs_smd(const double *x, const int *group, const double *weight, size_t n,
                           size_t k)
{
    double unweighted, weighted;
    balance_max_abs_smd_both(x, group, weight, n, k, &unweighted, &weighted);
    return weighted;
}
