/* k-group log-rank test: observed and expected deaths per group and their hypergeometric
 * covariance accumulated over the distinct death times, then the quadratic form on the groups
 * with positive expected count, the first of them left out (R survdiff). */
#include "model/logrank.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>

/* Relative to the number of deaths, a variance block this small is zero. */
#define LOGRANK_ZERO_VARIANCE 1e-10

typedef struct logrank_sums {
    size_t k;
    double *risk;     /* [k] number at risk per group */
    double *observed; /* [k] */
    double *expected; /* [k] */
    double *var;      /* [k*k] row-major */
} logrank_sums;

static int logrank_input_is_valid(const double *time, const int *status, const int *group,
                                  size_t n, int n_groups)
{
    int valid = 1;
    for (size_t i = 0; i < n && valid; i++) {
        if (!isfinite(time[i]) || (status[i] != 0 && status[i] != 1))
            valid = 0;
        else if (group[i] < 0 || group[i] >= n_groups)
            valid = 0;
        else if (i > 0 && time[i] < time[i - 1])
            valid = 0;
    }
    return valid;
}

static void logrank_sums_free(logrank_sums *sums)
{
    free(sums->risk);
    free(sums->observed);
    free(sums->expected);
    free(sums->var);
}

static embolo_error logrank_sums_alloc(logrank_sums *sums, size_t k)
{
    embolo_error err = EMBOLO_OK;
    sums->k = k;
    sums->risk = calloc(k, sizeof *sums->risk);
    sums->observed = calloc(k, sizeof *sums->observed);
    sums->expected = calloc(k, sizeof *sums->expected);
    sums->var = calloc(k * k, sizeof *sums->var);
    if (sums->risk == NULL || sums->observed == NULL || sums->expected == NULL
        || sums->var == NULL)
        err = EMBOLO_ERROR_NOMEM;
    return err;
}

/* Adds one death time with d deaths among r at risk. A time with one at risk adds no variance. */
static void logrank_sums_add_time(logrank_sums *sums, double d, double r)
{
    for (size_t j = 0; j < sums->k; j++)
        sums->expected[j] += d * sums->risk[j] / r;
    for (size_t j = 0; j < sums->k && r > 1.0; j++) {
        double scaled = d * sums->risk[j] * (r - d) / (r * (r - 1.0));
        sums->var[j * sums->k + j] += scaled;
        for (size_t l = 0; l < sums->k; l++)
            sums->var[j * sums->k + l] -= scaled * sums->risk[l] / r;
    }
}

/* One pass over the rows in time order; the risk sets shrink as each tie block is passed. */
static void logrank_sums_accumulate(logrank_sums *sums, const double *time, const int *status,
                                    const int *group, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sums->risk[group[i]] += 1.0;
    double at_risk = (double)n;
    size_t start = 0;
    while (start < n) {
        size_t end = start;
        double deaths = 0.0;
        for (; end < n && time[end] == time[start]; end++) {
            deaths += status[end];
            sums->observed[group[end]] += status[end];
        }
        if (deaths > 0.0)
            logrank_sums_add_time(sums, deaths, at_risk);
        for (size_t i = start; i < end; i++)
            sums->risk[group[i]] -= 1.0;
        at_risk -= (double)(end - start);
        start = end;
    }
}

static double matrix_norm1(const gsl_matrix *m)
{
    double largest = 0.0;
    for (size_t j = 0; j < m->size2; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < m->size1; i++)
            sum += fabs(gsl_matrix_get(m, i, j));
        largest = sum > largest ? sum : largest;
    }
    return largest;
}

/* 1 / (|V|_1 |V^-1|_1) from V's LU factor (norm: |V|_1); 0 when a pivot is 0. */
static double lu_rcond(const gsl_matrix *lu, const gsl_permutation *perm, double norm, gsl_matrix *inverse)
{
    for (size_t i = 0; i < lu->size1; i++)
        if (gsl_matrix_get(lu, i, i) == 0.0)
            return 0.0;
    if (gsl_linalg_LU_invert(lu, perm, inverse) != GSL_SUCCESS)
        return 0.0;
    double inverse_norm = matrix_norm1(inverse);
    return norm > 0 && inverse_norm > 0 ? 1.0 / (norm * inverse_norm) : 0.0;
}

/* (O - E)' V^-1 (O - E) over the groups listed in keep[0..m-1], keep[0] left out. NAN when that
 * block of V is singular (R's solve stops there). */
static embolo_error logrank_quadratic_form(const logrank_sums *sums, const size_t *keep, size_t m,
                                           double *chisq)
{
    embolo_error err = EMBOLO_OK;
    size_t dim = m - 1;
    gsl_matrix *v = gsl_matrix_alloc(dim, dim);
    gsl_vector *diff = gsl_vector_alloc(dim);
    gsl_vector *solution = gsl_vector_alloc(dim);
    gsl_permutation *perm = gsl_permutation_alloc(dim);
    gsl_matrix *inverse = gsl_matrix_alloc(dim, dim);
    int signum = 0;
    double sum = 0.0, norm = 0.0, deaths = 0.0;

    *chisq = NAN;
    if (v == NULL || diff == NULL || solution == NULL || perm == NULL || inverse == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t a = 0; a < dim; a++) {
        size_t ga = keep[a + 1];
        gsl_vector_set(diff, a, sums->observed[ga] - sums->expected[ga]);
        for (size_t b = 0; b < dim; b++)
            gsl_matrix_set(v, a, b, sums->var[ga * sums->k + keep[b + 1]]);
    }
    norm = matrix_norm1(v);
    for (size_t j = 0; j < sums->k; j++)
        deaths += sums->observed[j];
    /* A variance of rounding noise only (groups nested in strata: V = 0 but for the last bits). */
    if (!(norm > LOGRANK_ZERO_VARIANCE * deaths))
        goto cleanup;
    if (gsl_linalg_LU_decomp(v, perm, &signum) != GSL_SUCCESS)
        goto cleanup;
    /* R's solve() refuses a reciprocal condition number below the machine epsilon. */
    if (!(lu_rcond(v, perm, norm, inverse) >= DBL_EPSILON))
        goto cleanup;
    if (gsl_linalg_LU_solve(v, perm, diff, solution) != GSL_SUCCESS)
        goto cleanup;
    for (size_t a = 0; a < dim; a++)
        sum += gsl_vector_get(solution, a) * gsl_vector_get(diff, a);
    *chisq = sum;

cleanup:
    gsl_matrix_free(inverse);
    gsl_permutation_free(perm);
    gsl_vector_free(solution);
    gsl_vector_free(diff);
    gsl_matrix_free(v);
    return err;
}

/* Groups with positive expected count go into keep; returns their number. */
static size_t logrank_groups_kept(const logrank_sums *sums, size_t *keep)
{
    size_t m = 0;
    for (size_t j = 0; j < sums->k; j++) {
        if (sums->expected[j] > 0.0)
            keep[m++] = j;
    }
    return m;
}

embolo_error logrank_test(const double *time, const int *status, const int *group, size_t n,
                          int n_groups, logrank_result *out)
{
    embolo_error err = EMBOLO_OK;
    logrank_sums sums = {0};
    size_t *keep = NULL;
    size_t m = 0;

    if (out == NULL) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    out->chisq = 0.0;
    out->df = 0;
    out->p = NAN;
    if (n_groups < 1 || (n > 0 && (time == NULL || status == NULL || group == NULL))
        || !logrank_input_is_valid(time, status, group, n, n_groups)) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    err = logrank_sums_alloc(&sums, (size_t)n_groups);
    if (err != EMBOLO_OK)
        goto cleanup;
    keep = calloc((size_t)n_groups, sizeof *keep);
    if (keep == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    logrank_sums_accumulate(&sums, time, status, group, n);
    m = logrank_groups_kept(&sums, keep);
    if (m < 2)
        goto cleanup;
    out->df = (int)(m - 1);
    err = logrank_quadratic_form(&sums, keep, m, &out->chisq);
    if (err == EMBOLO_OK && !isnan(out->chisq))
        out->p = gsl_cdf_chisq_Q(out->chisq, (double)out->df);

cleanup:
    free(keep);
    logrank_sums_free(&sums);
    return err;
}

/* ---- the table behind the test: stratified, and for other tests (pairs, trend) ---- */

void logrank_table_free(logrank_table *table)
{
    if (table == NULL)
        return;
    free(table->observed);
    free(table->expected);
    free(table->var);
    table->observed = table->expected = table->var = NULL;
}

/* Stable order of the rows by stratum: order[start[s]..start[s+1]) are stratum s's, in time order. */
static embolo_error strata_order(const int *strata, size_t n, size_t **order, size_t **start, size_t *n_strata)
{
    int largest = 0;
    for (size_t i = 0; i < n; i++)
        largest = strata[i] > largest ? strata[i] : largest;
    *n_strata = (size_t)largest + 1;
    *order = malloc((n ? n : 1) * sizeof **order);
    *start = calloc(*n_strata + 1, sizeof **start);
    size_t *next = malloc((*n_strata + 1) * sizeof *next);
    if (*order == NULL || *start == NULL || next == NULL) {
        free(next);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        (*start)[strata[i] + 1]++;
    for (size_t k = 1; k <= *n_strata; k++)
        (*start)[k] += (*start)[k - 1];
    memcpy(next, *start, (*n_strata + 1) * sizeof *next);
    for (size_t i = 0; i < n; i++)
        (*order)[next[strata[i]]++] = i;
    free(next);
    return EMBOLO_OK;
}

/* Accumulates the rows order[lo..hi) (one stratum, in time order) into sums. */
static embolo_error logrank_sums_add_stratum(logrank_sums *sums, const double *time, const int *status,
                                             const int *group, const size_t *order, size_t lo, size_t hi)
{
    size_t m = hi - lo;
    double *t = malloc((m ? m : 1) * sizeof *t);
    int *st = malloc((m ? m : 1) * sizeof *st), *g = malloc((m ? m : 1) * sizeof *g);
    embolo_error err = EMBOLO_ERROR_NOMEM;
    if (t != NULL && st != NULL && g != NULL) {
        for (size_t k = 0; k < m; k++) {
            t[k] = time[order[lo + k]];
            st[k] = status[order[lo + k]];
            g[k] = group[order[lo + k]];
        }
        logrank_sums_accumulate(sums, t, st, g, m);
        err = EMBOLO_OK;
    }
    free(t);
    free(st);
    free(g);
    return err;
}

embolo_error logrank_table_compute(const double *time, const int *status, const int *group, const int *strata,
                                   size_t n, int n_groups, logrank_table *out)
{
    embolo_error err = EMBOLO_OK;
    logrank_sums sums = {0};
    size_t *order = NULL, *start = NULL, n_strata = 0;
    if (out == NULL || n_groups < 1 || (n > 0 && (time == NULL || status == NULL || group == NULL))
        || !logrank_input_is_valid(time, status, group, n, n_groups)) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    for (size_t i = 0; strata != NULL && i < n; i++)
        if (strata[i] < 0) {
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
            goto cleanup;
        }
    err = logrank_sums_alloc(&sums, (size_t)n_groups);
    if (err != EMBOLO_OK)
        goto cleanup;
    if (strata == NULL) {
        logrank_sums_accumulate(&sums, time, status, group, n);
    } else {
        err = strata_order(strata, n, &order, &start, &n_strata);
        for (size_t k = 0; k < n_strata && err == EMBOLO_OK; k++)
            err = logrank_sums_add_stratum(&sums, time, status, group, order, start[k], start[k + 1]);
        if (err != EMBOLO_OK)
            goto cleanup;
    }
    out->k = sums.k;
    out->observed = sums.observed;
    out->expected = sums.expected;
    out->var = sums.var;
    sums.observed = sums.expected = sums.var = NULL;

cleanup:
    free(order);
    free(start);
    logrank_sums_free(&sums);
    return err;
}

embolo_error logrank_table_test(const logrank_table *table, logrank_result *out)
{
    embolo_error err = EMBOLO_OK;
    logrank_sums sums = {.k = table->k, .observed = table->observed, .expected = table->expected,
                         .var = table->var};
    size_t *keep = calloc(table->k ? table->k : 1, sizeof *keep), m;
    out->chisq = 0.0;
    out->df = 0;
    out->p = NAN;
    if (keep == NULL)
        return EMBOLO_ERROR_NOMEM;
    m = logrank_groups_kept(&sums, keep);
    if (m >= 2) {
        out->df = (int)(m - 1);
        err = logrank_quadratic_form(&sums, keep, m, &out->chisq);
        if (err == EMBOLO_OK && !isnan(out->chisq))
            out->p = gsl_cdf_chisq_Q(out->chisq, (double)out->df);
    }
    free(keep);
    return err;
}

double logrank_trend_chisq(const logrank_table *table, const double *score)
{
    double u = 0.0, w = 0.0;
    size_t k = table->k;
    for (size_t j = 0; j < k; j++) {
        u += score[j] * (table->observed[j] - table->expected[j]);
        for (size_t l = 0; l < k; l++)
            w += score[j] * table->var[j * k + l] * score[l];
    }
    return w > 0.0 ? u * u / w : NAN;
}
