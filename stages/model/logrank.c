/* k-group log-rank test: observed and expected deaths per group and their hypergeometric
 * covariance accumulated over the distinct death times, then the quadratic form on the groups
 * with positive expected count, the first of them left out (R survdiff). */
#include "model/logrank.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>

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
    int signum = 0;
    double sum = 0.0;

    *chisq = NAN;
    if (v == NULL || diff == NULL || solution == NULL || perm == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t a = 0; a < dim; a++) {
        size_t ga = keep[a + 1];
        gsl_vector_set(diff, a, sums->observed[ga] - sums->expected[ga]);
        for (size_t b = 0; b < dim; b++)
            gsl_matrix_set(v, a, b, sums->var[ga * sums->k + keep[b + 1]]);
    }
    if (gsl_linalg_LU_decomp(v, perm, &signum) != GSL_SUCCESS)
        goto cleanup;
    if (gsl_linalg_LU_solve(v, perm, diff, solution) != GSL_SUCCESS)
        goto cleanup;
    for (size_t a = 0; a < dim; a++)
        sum += gsl_vector_get(solution, a) * gsl_vector_get(diff, a);
    *chisq = sum;

cleanup:
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
