/* Table 1: every row goes to a bucket, its treatment level or (last bucket) no treatment. A numeric
 * variable's values are gathered by bucket (a counting pass), each bucket's run is sorted (gsl_sort)
 * for the group quantiles, and the runs are merged through a heap of their heads into the pooled
 * sorted values, each tagged with its bucket: the overall quantiles and the Kruskal-Wallis ranks.
 * O(n log n) per numeric variable. A factor is counted per bucket, O(n). */
#include "model/table1.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>

#include "common/keys.h"

#define T1_N_SUMMARY 9

/* Summary of one column of a numeric variable; variance feeds the ANOVA. */
typedef struct t1_summary {
    double mean, sd, median, q1, q3, min, max, n, missing;
    double variance;
} t1_summary;

/* State of one run. Columns are indexed by bucket: 0..k-1 the treatment levels, k the rows without a
 * treatment, k + 1 (= overall) all rows. */
typedef struct t1_work {
    const study *s;
    const dataset *data;
    results *out;
    size_t k;              /* treatment levels; 0 without a treatment */
    size_t overall;        /* k + 1 */
    int tests;             /* at least two non-empty treatment groups */
    size_t *bucket;        /* [n] */
    size_t *columns;       /* one block holding the five [k + 2] arrays below */
    size_t *rows;          /* [k + 2] rows per column */
    size_t *start;         /* [k + 2] bucket b's run in by_bucket is [start[b], start[b + 1]) */
    size_t *next;          /* [k + 2] head of each run while merging */
    size_t *heap;          /* [k + 1] runs by their heads' values */
    double *by_bucket;     /* [n] non-missing values by bucket, each run sorted */
    double *values;        /* [n] the runs merged: all non-missing values, sorted */
    size_t *tag;           /* [n] the bucket of each of values */
    double *rank_sum;      /* [k + 1] */
    t1_summary *summary;   /* [k + 2] */
    size_t *count;         /* [(k + 2) * max_levels] factor counts, row per column */
    size_t *missing;       /* [k + 2] missing values per column */
    size_t max_levels;
    char *message;
    size_t message_size;
} t1_work;

static void t1_say(t1_work *w, const char *variable, size_t row, double value, size_t n_levels)
{
    if (w->message && w->message_size)
        snprintf(w->message, w->message_size,
                 "table 1: variable '%s' row %zu holds level index %g outside its %zu levels",
                 variable, row + 1, value, n_levels);
}

/* 1 and *level when x is a level index below n_levels. */
static int t1_level(double x, size_t n_levels, size_t *level)
{
    if (!(x >= 0.0 && x < (double)n_levels) || x != floor(x))
        return 0;
    *level = (size_t)x;
    return 1;
}

static const char *t1_column_name(const t1_work *w, size_t column)
{
    return column == w->overall ? KEY_OVERALL : w->s->variables[w->s->treatment].levels[column];
}

static embolo_error t1_add(t1_work *w, const char *model, const char *variable, const char *level,
                           const char *stat, double value)
{
    return results_add(w->out, KEY_TABLE1, "", model, variable, level, stat, value);
}

/* Assigns each row its bucket; counts rows per column and decides whether there are tests. */
static embolo_error t1_buckets(t1_work *w)
{
    const dataset *d = w->data;
    memset(w->rows, 0, (w->k + 2) * sizeof *w->rows);
    for (size_t i = 0; i < d->n; i++) {
        size_t b = w->k;
        double received = w->k > 0 ? dataset_value(d, w->s->treatment, i) : NAN;
        if (w->k > 0 && !isnan(received) && !t1_level(received, w->k, &b)) {
            t1_say(w, w->s->variables[w->s->treatment].name, i, received, w->k);
            return EMBOLO_ERROR_INVALID_ARGUMENT;
        }
        w->bucket[i] = b;
        w->rows[b]++;
    }
    w->rows[w->overall] = d->n;
    size_t non_empty = 0;
    for (size_t b = 0; b < w->k; b++)
        non_empty += w->rows[b] > 0;
    w->tests = non_empty >= 2;
    return EMBOLO_OK;
}

static embolo_error t1_add_counts(t1_work *w)
{
    embolo_error err = EMBOLO_OK;
    for (size_t c = 0; c <= w->k && err == EMBOLO_OK; c++) {
        size_t column = c == 0 ? w->overall : c - 1;
        err = t1_add(w, t1_column_name(w, column), KEY_ALL, "", KEY_STAT_N, (double)w->rows[column]);
        if (err == EMBOLO_OK && column == w->overall && w->k > 0)
            err = t1_add(w, KEY_OVERALL, KEY_ALL, "", KEY_STAT_MISSING_TREATMENT, (double)w->rows[w->k]);
    }
    return err;
}

/* ---- numeric variables ---- */

static void t1_summarise(const double *sorted, size_t n, size_t missing, t1_summary *out)
{
    double na = NAN;
    out->n = (double)n;
    out->missing = (double)missing;
    out->mean = n ? gsl_stats_mean(sorted, 1, n) : na;
    out->variance = n > 1 ? gsl_stats_variance_m(sorted, 1, n, out->mean) : n ? 0.0 : na;
    out->sd = n > 1 ? sqrt(out->variance) : na;
    out->median = n ? gsl_stats_median_from_sorted_data(sorted, 1, n) : na;
    out->q1 = n ? gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.25) : na;
    out->q3 = n ? gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.75) : na;
    out->min = n ? sorted[0] : na;
    out->max = n ? sorted[n - 1] : na;
}

static embolo_error t1_add_summary(t1_work *w, const char *model, const char *variable, const t1_summary *sm)
{
    static const char *const stats[T1_N_SUMMARY] = {KEY_STAT_MEAN, KEY_STAT_SD,  KEY_STAT_MEDIAN,
                                                    KEY_STAT_Q1,   KEY_STAT_Q3,  KEY_STAT_MIN,
                                                    KEY_STAT_MAX,  KEY_STAT_N,   KEY_STAT_MISSING};
    const double values[T1_N_SUMMARY] = {sm->mean, sm->sd, sm->median, sm->q1, sm->q3,
                                         sm->min, sm->max, sm->n, sm->missing};
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < T1_N_SUMMARY && err == EMBOLO_OK; i++)
        err = t1_add(w, model, variable, "", stats[i], values[i]);
    return err;
}

/* One-way ANOVA F over the treatment groups with values (R anova(lm)); NAN without a test. */
static void t1_anova(const t1_work *w, double *f, double *p)
{
    double total = 0.0, weighted = 0.0, between = 0.0, within = 0.0;
    size_t groups = 0;
    for (size_t b = 0; b < w->k; b++)
        if (w->summary[b].n > 0) {
            groups++;
            total += w->summary[b].n;
            weighted += w->summary[b].n * w->summary[b].mean;
        }
    *f = *p = NAN;
    if (groups < 2 || total <= (double)groups)
        return;
    double grand = weighted / total;
    for (size_t b = 0; b < w->k; b++)
        if (w->summary[b].n > 0) {
            double delta = w->summary[b].mean - grand;
            between += w->summary[b].n * delta * delta;
            within += (w->summary[b].n - 1.0) * w->summary[b].variance;
        }
    double df1 = (double)(groups - 1), df2 = total - (double)groups;
    if (within > 0.0) {
        *f = (between / df1) / (within / df2);
        *p = gsl_cdf_fdist_Q(*f, df1, df2);
    } else if (between > 0.0) {
        *f = INFINITY;
        *p = 0.0;
    }
}

/* Kruskal-Wallis H with the ties correction over the treated rows of the sorted values (R
 * kruskal.test); NAN with fewer than two groups or all values tied. */
static void t1_kruskal(t1_work *w, size_t m, double *h, double *p)
{
    double ranked = 0.0, ties = 0.0;
    size_t groups = 0;
    memset(w->rank_sum, 0, w->k * sizeof *w->rank_sum);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        double t = 0.0;
        for (; j < m && w->values[j] == w->values[i]; j++)
            t += w->tag[j] < w->k;
        double midrank = ranked + (t + 1.0) / 2.0;
        for (size_t r = i; r < j; r++)
            if (w->tag[r] < w->k)
                w->rank_sum[w->tag[r]] += midrank;
        ranked += t;
        ties += t * t * t - t;
        i = j;
    }
    double centre = (ranked + 1.0) / 2.0, sum = 0.0;
    for (size_t b = 0; b < w->k; b++)
        if (w->summary[b].n > 0) {
            double delta = w->rank_sum[b] / w->summary[b].n - centre;
            sum += w->summary[b].n * delta * delta;
            groups++;
        }
    *h = *p = NAN;
    if (groups < 2 || ties >= ranked * ranked * ranked - ranked)   /* all tied: R gives NA */
        return;
    double correction = 1.0 - ties / (ranked * ranked * ranked - ranked);
    *h = 12.0 * sum / (ranked * (ranked + 1.0)) / correction;
    *p = gsl_cdf_chisq_Q(*h, (double)(groups - 1));
}

static embolo_error t1_numeric_tests(t1_work *w, const char *variable, size_t m)
{
    double f, p_f, h, p_h;
    t1_anova(w, &f, &p_f);
    t1_kruskal(w, m, &h, &p_h);
    embolo_error err = t1_add(w, "", variable, "", KEY_STAT_ANOVA_F, f);
    if (err == EMBOLO_OK)
        err = t1_add(w, "", variable, "", KEY_STAT_P_ANOVA, p_f);
    if (err == EMBOLO_OK)
        err = t1_add(w, "", variable, "", KEY_STAT_KRUSKAL_CHISQ, h);
    if (err == EMBOLO_OK)
        err = t1_add(w, "", variable, "", KEY_STAT_P_KRUSKAL, p_h);
    return err;
}

static int t1_head_less(const t1_work *w, size_t a, size_t b)
{
    return w->by_bucket[w->next[a]] < w->by_bucket[w->next[b]];
}

static void t1_sift_down(t1_work *w, size_t size, size_t i)
{
    for (;;) {
        size_t least = i, left = 2 * i + 1, right = left + 1;
        if (left < size && t1_head_less(w, w->heap[left], w->heap[least]))
            least = left;
        if (right < size && t1_head_less(w, w->heap[right], w->heap[least]))
            least = right;
        if (least == i)
            return;
        size_t swap = w->heap[i];
        w->heap[i] = w->heap[least];
        w->heap[least] = swap;
        i = least;
    }
}

/* Merges the sorted runs of by_bucket into values and tag, O(m log k). */
static void t1_merge(t1_work *w)
{
    size_t size = 0;
    for (size_t b = 0; b <= w->k; b++) {
        w->next[b] = w->start[b];
        if (w->start[b] < w->start[b + 1])
            w->heap[size++] = b;
    }
    for (size_t i = size / 2; i-- > 0;)
        t1_sift_down(w, size, i);
    for (size_t out = 0; size > 0; out++) {
        size_t b = w->heap[0];
        w->values[out] = w->by_bucket[w->next[b]];
        w->tag[out] = b;
        if (++w->next[b] == w->start[b + 1])
            w->heap[0] = w->heap[--size];
        t1_sift_down(w, size, 0);
    }
}

/* Gathers the non-missing values of x by bucket, sorts each run and merges them; returns their count. */
static size_t t1_sort_values(t1_work *w, const double *x)
{
    size_t columns = w->k + 2;
    memset(w->missing, 0, columns * sizeof *w->missing);
    memset(w->start, 0, columns * sizeof *w->start);
    for (size_t i = 0; i < w->data->n; i++) {
        if (isnan(x[i]))
            w->missing[w->bucket[i]]++;
        else
            w->start[w->bucket[i] + 1]++;   /* counts, shifted: the prefix sums give the starts */
    }
    for (size_t b = 1; b < columns; b++)
        w->start[b] += w->start[b - 1];
    memcpy(w->next, w->start, columns * sizeof *w->next);
    for (size_t i = 0; i < w->data->n; i++)
        if (!isnan(x[i]))
            w->by_bucket[w->next[w->bucket[i]]++] = x[i];
    for (size_t b = 0; b <= w->k; b++)
        gsl_sort(w->by_bucket + w->start[b], 1, w->start[b + 1] - w->start[b]);
    t1_merge(w);
    size_t m = w->start[w->k + 1];
    w->missing[w->overall] = w->data->n - m;
    return m;
}

static embolo_error t1_numeric(t1_work *w, size_t v)
{
    size_t m = t1_sort_values(w, w->data->value[v]);
    for (size_t b = 0; b <= w->k; b++)
        t1_summarise(w->by_bucket + w->start[b], w->start[b + 1] - w->start[b], w->missing[b], &w->summary[b]);
    t1_summarise(w->values, m, w->missing[w->overall], &w->summary[w->overall]);
    const char *name = w->s->variables[v].name;
    embolo_error err = EMBOLO_OK;
    for (size_t c = 0; c <= w->k && err == EMBOLO_OK; c++) {
        size_t column = c == 0 ? w->overall : c - 1;
        err = t1_add_summary(w, t1_column_name(w, column), name, &w->summary[column]);
    }
    if (err == EMBOLO_OK && w->tests)
        err = t1_numeric_tests(w, name, m);
    return err;
}

/* ---- factor variables ---- */

/* Pearson chi-square of the level x treatment table without its empty rows and columns. */
static void t1_chisq(const t1_work *w, size_t n_levels, double *chisq, double *p)
{
    const size_t *count = w->count;
    double total = 0.0, x2 = 0.0;
    size_t rows = 0, cols = 0;
    for (size_t b = 0; b < w->k; b++)
        cols += w->summary[b].n > 0;
    for (size_t l = 0; l < n_levels; l++) {
        double row = 0.0;
        for (size_t b = 0; b < w->k; b++)
            row += (double)count[b * w->max_levels + l];
        rows += row > 0.0;
        total += row;
    }
    *chisq = *p = NAN;
    if (rows < 2 || cols < 2)
        return;
    for (size_t l = 0; l < n_levels; l++) {
        double row = 0.0;
        for (size_t b = 0; b < w->k; b++)
            row += (double)count[b * w->max_levels + l];
        for (size_t b = 0; b < w->k && row > 0.0; b++)
            if (w->summary[b].n > 0) {
                double expected = row * w->summary[b].n / total;
                double delta = (double)count[b * w->max_levels + l] - expected;
                x2 += delta * delta / expected;
            }
    }
    *chisq = x2;
    *p = gsl_cdf_chisq_Q(x2, (double)((rows - 1) * (cols - 1)));
}

static embolo_error t1_add_levels(t1_work *w, size_t column, const study_variable *var)
{
    const size_t *count = w->count + column * w->max_levels;
    const char *model = t1_column_name(w, column);
    double present = (double)(w->rows[column] - w->missing[column]);
    embolo_error err = EMBOLO_OK;
    for (size_t l = 0; l < var->n_levels && err == EMBOLO_OK; l++) {
        err = t1_add(w, model, var->name, var->levels[l], KEY_STAT_N, (double)count[l]);
        if (err == EMBOLO_OK)
            err = t1_add(w, model, var->name, var->levels[l], KEY_STAT_PCT,
                         present > 0.0 ? 100.0 * (double)count[l] / present : NAN);
    }
    if (err == EMBOLO_OK)
        err = t1_add(w, model, var->name, "", KEY_STAT_MISSING, (double)w->missing[column]);
    return err;
}

static embolo_error t1_factor(t1_work *w, size_t v)
{
    const study_variable *var = &w->s->variables[v];
    size_t columns = w->k + 2, L = w->max_levels;
    memset(w->missing, 0, columns * sizeof *w->missing);
    memset(w->count, 0, columns * L * sizeof *w->count);
    for (size_t i = 0; i < w->data->n; i++) {
        size_t level;
        double x = dataset_value(w->data, v, i);
        if (isnan(x)) {
            w->missing[w->bucket[i]]++;
        } else if (t1_level(x, var->n_levels, &level)) {
            w->count[w->bucket[i] * L + level]++;
        } else {
            t1_say(w, var->name, i, x, var->n_levels);
            return EMBOLO_ERROR_INVALID_ARGUMENT;
        }
    }
    for (size_t b = 0; b <= w->k; b++) {
        w->missing[w->overall] += w->missing[b];
        for (size_t l = 0; l < var->n_levels; l++)
            w->count[w->overall * L + l] += w->count[b * L + l];
        w->summary[b].n = (double)(w->rows[b] - w->missing[b]);   /* column totals for the test */
    }
    embolo_error err = EMBOLO_OK;
    for (size_t c = 0; c <= w->k && err == EMBOLO_OK; c++)
        err = t1_add_levels(w, c == 0 ? w->overall : c - 1, var);
    if (err == EMBOLO_OK && w->tests) {
        double chisq, p;
        t1_chisq(w, var->n_levels, &chisq, &p);
        err = t1_add(w, "", var->name, "", KEY_STAT_CHISQ, chisq);
        if (err == EMBOLO_OK)
            err = t1_add(w, "", var->name, "", KEY_STAT_P_CHISQ, p);
    }
    return err;
}

/* ---- the run ---- */

static embolo_error t1_alloc(t1_work *w)
{
    size_t n = w->data->n ? w->data->n : 1, columns = w->k + 2;
    w->max_levels = 1;
    for (size_t v = 0; v < w->s->n_variables; v++)
        if (study_variable_is_factor(&w->s->variables[v]) && w->s->variables[v].n_levels > w->max_levels)
            w->max_levels = w->s->variables[v].n_levels;
    w->bucket = malloc(n * sizeof *w->bucket);
    w->values = malloc(n * sizeof *w->values);
    w->tag = malloc(n * sizeof *w->tag);
    w->by_bucket = malloc(n * sizeof *w->by_bucket);
    w->columns = calloc(5 * columns, sizeof *w->columns);
    w->rank_sum = calloc(columns, sizeof *w->rank_sum);
    w->summary = calloc(columns, sizeof *w->summary);
    w->count = calloc(columns * w->max_levels, sizeof *w->count);
    if (!w->bucket || !w->values || !w->tag || !w->by_bucket || !w->columns || !w->rank_sum || !w->summary
        || !w->count)
        return EMBOLO_ERROR_NOMEM;
    w->rows = w->columns;
    w->start = w->columns + columns;
    w->next = w->columns + 2 * columns;
    w->heap = w->columns + 3 * columns;
    w->missing = w->columns + 4 * columns;
    return EMBOLO_OK;
}

static void t1_free(t1_work *w)
{
    free(w->bucket);
    free(w->values);
    free(w->tag);
    free(w->by_bucket);
    free(w->columns);
    free(w->rank_sum);
    free(w->summary);
    free(w->count);
}

embolo_error table1_run(const study *s, const dataset *data, results *out, char *message, size_t message_size)
{
    t1_work w = {.s = s, .data = data, .out = out, .message = message, .message_size = message_size};
    embolo_error err = EMBOLO_OK;
    if (message && message_size)
        message[0] = '\0';
    if (!s || !data || !out || (s->treatment >= 0 && (size_t)s->treatment >= s->n_variables)) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    w.k = s->treatment >= 0 ? s->variables[s->treatment].n_levels : 0;
    w.overall = w.k + 1;
    if ((err = t1_alloc(&w)) != EMBOLO_OK || (err = t1_buckets(&w)) != EMBOLO_OK
        || (err = t1_add_counts(&w)) != EMBOLO_OK)
        goto cleanup;
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++)
        if ((int)v != s->treatment)
            err = study_variable_is_factor(&s->variables[v]) ? t1_factor(&w, v) : t1_numeric(&w, v);
cleanup:
    if (err != EMBOLO_OK && message && message_size && !message[0])
        snprintf(message, message_size, "table 1: %s", embolo_error_message(err));
    t1_free(&w);
    return err;
}
