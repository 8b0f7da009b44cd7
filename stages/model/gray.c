/* Gray's score and its variance, accumulated over the distinct times as in the paper's section 2
 * (cmprsk's crstm): per group k the risk set R_k, the left-continuous all-cause Kaplan-Meier S_k and
 * cumulative incidence F_k; the score s_k = sum over times of d1_k - d1 R_k (1 - F_k) / S_k / Q with
 * Q = sum R_j (1 - F_j) / S_j; the variance from the terms a (weights), c (their running integrals),
 * and the event and competing-event increments. */
#include "gray.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct gray_work {
    size_t g;             /* groups present */
    double *risk;         /* [g] at risk */
    double *f_left, *f;   /* [g] cumulative incidence before / after the time */
    double *s_left, *s;   /* [g] all-cause Kaplan-Meier before / after */
    double *d0, *d1, *d2; /* [g] censored, events, competing events at the time */
    double *a, *c;        /* [g*g] */
    double *v3;           /* [g] */
    double *v2;           /* [g*g] (first g-1 rows used) */
    double *score;        /* [g] (first g-1 used) */
    double *v;            /* [g*g] (first g-1 rows and columns) */
    double f_all_left, f_all;
} gray_work;

static void gray_work_free(gray_work *w)
{
    free(w->risk);
}

static embolo_error gray_work_alloc(gray_work *w, size_t g)
{
    size_t vectors = 10, matrices = 4;
    w->g = g;
    w->risk = calloc(vectors * g + matrices * g * g, sizeof *w->risk);
    if (w->risk == NULL)
        return EMBOLO_ERROR_NOMEM;
    double *next = w->risk + g;
    double **v[] = {&w->f_left, &w->f, &w->s_left, &w->s, &w->d0, &w->d1, &w->d2, &w->v3, &w->score};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++, next += g)
        *v[k] = next;
    double **m[] = {&w->a, &w->c, &w->v2, &w->v};
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++, next += g * g)
        *m[k] = next;
    for (size_t k = 0; k < g; k++)
        w->s_left[k] = w->s[k] = 1.0;
    return EMBOLO_OK;
}

/* The weights a and their integrals c at a time with nd1 events; tr = sum R_k / S_k. */
static void weights_update(gray_work *w, double nd1, double tr)
{
    size_t g = w->g;
    for (size_t i = 0; i < g; i++) {
        for (size_t j = 0; j < g; j++)
            w->a[i * g + j] = 0.0;
    }
    for (size_t i = 0; i < g; i++) {
        if (w->risk[i] <= 0)
            continue;
        double t1 = w->risk[i] / w->s_left[i], scale = nd1 / (tr * (1.0 - w->f_all_left));
        w->a[i * g + i] = t1 * (1.0 - t1 / tr);
        if (w->a[i * g + i] != 0.0)
            w->c[i * g + i] += w->a[i * g + i] * scale;
        for (size_t j = i + 1; j < g; j++) {
            if (w->risk[j] <= 0)
                continue;
            double aij = -t1 * w->risk[j] / (w->s_left[j] * tr);
            w->a[i * g + j] = w->a[j * g + i] = aij;
            if (aij != 0.0) {
                w->c[i * g + j] += aij * scale;
                w->c[j * g + i] = w->c[i * g + j];
            }
        }
    }
}

/* Adds t3 times the outer product of (a - t4 c) (events) or of -t4 c (competing) for group k. */
static void variance_add(gray_work *w, size_t k, double t4, double t3, int competing)
{
    size_t g = w->g;
    w->v3[k] += t4 * t4 * t3;
    for (size_t i = 0; i + 1 < g; i++) {
        double t1 = competing ? t4 * w->c[i * g + k] : w->a[i * g + k] - t4 * w->c[i * g + k];
        w->v2[i * g + k] += competing ? -t1 * t4 * t3 : t1 * t4 * t3;
        for (size_t j = 0; j <= i; j++) {
            double t2 = competing ? t4 * w->c[j * g + k] : w->a[j * g + k] - t4 * w->c[j * g + k];
            w->v[i * g + j] += t1 * t2 * t3;
        }
    }
}

/* One distinct time with events or competing events. */
static void time_process(gray_work *w)
{
    size_t g = w->g;
    double nd1 = 0.0, nd2 = 0.0, tr = 0.0, tq = 0.0;
    for (size_t k = 0; k < g; k++) {
        nd1 += w->d1[k];
        nd2 += w->d2[k];
    }
    for (size_t k = 0; k < g; k++) {
        if (w->risk[k] <= 0)
            continue;
        w->s[k] = w->s_left[k] * (w->risk[k] - w->d1[k] - w->d2[k]) / w->risk[k];
        w->f[k] = w->f_left[k] + w->s_left[k] * w->d1[k] / w->risk[k];
        tr += w->risk[k] / w->s_left[k];
        tq += w->risk[k] * (1.0 - w->f_left[k]) / w->s_left[k];
    }
    w->f_all = w->f_all_left + nd1 / tr;
    weights_update(w, nd1, tr);
    for (size_t k = 0; k + 1 < g; k++)
        if (w->risk[k] > 0)
            w->score[k] += w->d1[k] - nd1 * w->risk[k] * (1.0 - w->f_left[k]) / (w->s_left[k] * tq);
    for (size_t k = 0; nd1 > 0 && k < g; k++) {
        if (w->risk[k] <= 0)
            continue;
        double t4 = w->s[k] > 0 ? 1.0 - (1.0 - w->f_all) / w->s[k] : 1.0;
        double t5 = nd1 > 1 ? 1.0 - (nd1 - 1.0) / (tr * w->s_left[k] - 1.0) : 1.0;
        variance_add(w, k, t4, t5 * w->s_left[k] * nd1 / (tr * w->risk[k]), 0);
    }
    for (size_t k = 0; nd2 > 0 && k < g; k++) {
        if (!(w->s[k] > 0) || w->d2[k] <= 0)
            continue;
        double t4 = (1.0 - w->f_all) / w->s[k];
        double t5 = w->d2[k] > 1 ? 1.0 - (w->d2[k] - 1.0) / (w->risk[k] - 1.0) : 1.0;
        variance_add(w, k, t4, t5 * w->s_left[k] * w->s_left[k] * w->d2[k] / (w->risk[k] * w->risk[k]), 1);
    }
}

/* The last terms of the variance, then V full (symmetric) in the first g-1 rows and columns. */
static void variance_finish(gray_work *w)
{
    size_t g = w->g;
    for (size_t i = 0; i + 1 < g; i++)
        for (size_t j = 0; j <= i; j++) {
            for (size_t k = 0; k < g; k++)
                w->v[i * g + j] += w->c[i * g + k] * w->c[j * g + k] * w->v3[k] + w->c[i * g + k] * w->v2[j * g + k]
                                   + w->c[j * g + k] * w->v2[i * g + k];
            w->v[j * g + i] = w->v[i * g + j];
        }
}

/* s' V^-1 s on the first g-1 groups; NAN when V is singular (cuminc's qr rank check). */
static double quadratic_form(const gray_work *w)
{
    size_t m = w->g - 1;
    double chisq = NAN;
    gsl_matrix *v = gsl_matrix_alloc(m, m);
    gsl_vector *s = gsl_vector_alloc(m), *x = gsl_vector_alloc(m), *tau = gsl_vector_alloc(m);
    if (v == NULL || s == NULL || x == NULL || tau == NULL)
        goto cleanup;
    for (size_t i = 0; i < m; i++) {
        gsl_vector_set(s, i, w->score[i]);
        for (size_t j = 0; j < m; j++)
            gsl_matrix_set(v, i, j, w->v[i * w->g + j]);
    }
    if (gsl_linalg_QR_decomp(v, tau) != GSL_SUCCESS)
        goto cleanup;
    double largest = 0.0;
    for (size_t i = 0; i < m; i++)
        largest = fmax(largest, fabs(gsl_matrix_get(v, i, i)));
    for (size_t i = 0; i < m; i++)
        if (!(fabs(gsl_matrix_get(v, i, i)) > 1e-7 * largest))
            goto cleanup;
    if (gsl_linalg_QR_solve(v, tau, s, x) != GSL_SUCCESS)
        goto cleanup;
    chisq = 0.0;
    for (size_t i = 0; i < m; i++)
        chisq += gsl_vector_get(x, i) * w->score[i];
cleanup:
    gsl_matrix_free(v);
    gsl_vector_free(s);
    gsl_vector_free(x);
    gsl_vector_free(tau);
    return chisq;
}

/* Present groups renumbered 0.. in order; *g their number. */
static embolo_error groups_present(const int *group, size_t n, int n_groups, int **code, size_t *g)
{
    size_t *count = calloc((size_t)n_groups, sizeof *count);
    *code = malloc((size_t)n_groups * sizeof **code);
    *g = 0;
    if (count == NULL || *code == NULL) {
        free(count);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        count[group[i]]++;
    for (int k = 0; k < n_groups; k++)
        (*code)[k] = count[k] > 0 ? (int)(*g)++ : -1;
    free(count);
    return EMBOLO_OK;
}

static int input_valid(const double *time, const int *cause, const int *group, size_t n, int n_groups)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(time[i]) || (i > 0 && time[i] < time[i - 1]) || cause[i] < 0 || cause[i] > 2 || group[i] < 0
            || group[i] >= n_groups)
            return 0;
    return 1;
}

embolo_error gray_test(const double *time, const int *cause, const int *group, size_t n, int n_groups,
                       gray_result *out)
{
    embolo_error err = EMBOLO_OK;
    gray_work w = {0};
    int *code = NULL;
    size_t g = 0, events = 0;
    if (out == NULL)
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    *out = (gray_result){NAN, 0, NAN};
    if (n_groups < 1 || (n > 0 && (!time || !cause || !group)) || !input_valid(time, cause, group, n, n_groups))
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    err = groups_present(group, n, n_groups, &code, &g);
    if (err == EMBOLO_OK && g >= 2)
        err = gray_work_alloc(&w, g);
    if (err != EMBOLO_OK || g < 2)
        goto cleanup;
    out->df = (int)g - 1;
    for (size_t i = 0; i < n; i++) {
        w.risk[code[group[i]]] += 1.0;
        events += cause[i] == 1;
    }
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        memset(w.d0, 0, 3 * g * sizeof *w.d0);
        for (hi = lo; hi < n && time[hi] == time[lo]; hi++)
            (cause[hi] == 0 ? w.d0 : cause[hi] == 1 ? w.d1 : w.d2)[code[group[hi]]] += 1.0;
        int failures = 0;
        for (size_t k = 0; k < g; k++)
            failures |= w.d1[k] > 0 || w.d2[k] > 0;
        if (failures)
            time_process(&w);
        for (size_t i = lo; i < hi; i++)
            w.risk[code[group[i]]] -= 1.0;
        w.f_all_left = w.f_all;
        memcpy(w.f_left, w.f, g * sizeof *w.f);
        memcpy(w.s_left, w.s, g * sizeof *w.s);
    }
    if (events == 0)
        goto cleanup;
    variance_finish(&w);
    out->chisq = quadratic_form(&w);
    if (!isnan(out->chisq))
        out->p = gsl_cdf_chisq_Q(out->chisq, (double)out->df);
cleanup:
    free(code);
    gray_work_free(&w);
    return err;
}
