/* R's cox.zph(fit, transform = "km") in the survival 3.x score-test form.
 *
 * At the fitted coefficients, the model is extended by the covariates g(t) x, with g the centred
 * "km" time transform 1 - S(t-) (S the unweighted Kaplan-Meier estimate of the data). One pass
 * backwards in time accumulates the score of the added covariates and the full 2p x 2p information
 * matrix [[I, G], [G, H]] with G = sum g V and H = sum g^2 V (V the weighted covariance of x in the
 * risk set at an event time, Breslow or Efron). A term's statistic is the score test for its added
 * columns, the score of the fitted ones being taken as 0: u' M^-1 u over the rows and columns of
 * all fitted covariates and of the term's added ones; GLOBAL uses all of them. */
#include "zph.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

typedef struct zph_workspace {
    size_t n;
    size_t p;           /* fitted coefficients kept (those not dropped as singular) */
    size_t *column;     /* [p] index of each kept coefficient in the fit */
    const double *x;    /* [n*p_fit] the fit's design */
    size_t p_fit;
    double *mean;       /* [p] each kept covariate's mean */
    double *row;        /* [p] one row's kept covariates centred on their means (zph_row) */
    double *risk;       /* [n] weight * exp(linear predictor) */
    double *g;          /* [n] centred time transform */
    double *u;          /* [p] score of the added covariates g(t) x */
    double *info;       /* [2p*2p] information matrix, row-major */
    double *sum_x;      /* [p] risk-weighted sum of x over the risk set */
    double *sum_xx;     /* [p*p] risk-weighted sum of x x' over the risk set */
    double *dead_x;     /* [p] the same over the deaths of the current time */
    double *dead_xx;    /* [p*p] */
    double *solve_m;    /* [2p*2p] scratch for a test */
    double *solve_u;    /* [2p] */
    double *solve_b;    /* [2p] */
    size_t *index;      /* [2p] rows and columns of a test */
} zph_workspace;

/* Sums of the current event time, walking backwards. */
typedef struct event_block {
    double denom;       /* risk-weighted size of the risk set */
    double dead_denom;  /* risk-weighted deaths at this time */
    double dead_weight; /* case-weighted deaths */
    size_t n_dead;
    double g;
} event_block;

static double weight_of(const double *weight, size_t i)
{
    return weight ? weight[i] : 1.0;
}

static int coef_kept(const cox_result *fit, size_t j)
{
    return isfinite(fit->coef[j]) && !cox_coef_singular(fit, j);
}

static int row_valid(const double *time, const int *status, const double *weight, const double *x,
                     size_t p, size_t i)
{
    int valid = !isnan(time[i]) && (status[i] == 0 || status[i] == 1);
    if (weight)
        valid = valid && weight[i] >= 0.0 && isfinite(weight[i]);
    if (i > 0)
        valid = valid && time[i] >= time[i - 1];
    for (size_t j = 0; j < p && valid; j++)
        valid = isfinite(x[i * p + j]);
    return valid;
}

static embolo_error inputs_check(const double *time, const int *status, const double *weight,
                                 const double *x, size_t n, size_t p, const cox_result *fit,
                                 const size_t *term_of_coef, size_t n_terms)
{
    embolo_error err = EMBOLO_OK;
    if (!time || !status || !x || !fit || !fit->coef || !term_of_coef || n_terms == 0 || p == 0
        || fit->p != p || n == 0 || p > SIZE_MAX / 32 || n > SIZE_MAX / (8 * p))
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
    for (size_t j = 0; j < p && err == EMBOLO_OK; j++)
        if (term_of_coef[j] >= n_terms)
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n && err == EMBOLO_OK; i++)
        if (!row_valid(time, status, weight, x, p, i))
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
    return err;
}

static void workspace_destroy(zph_workspace *ws)
{
    free(ws->column);
    free(ws->mean);
    free(ws->row);
    free(ws->risk);
    free(ws->g);
    free(ws->u);
    free(ws->info);
    free(ws->sum_x);
    free(ws->sum_xx);
    free(ws->dead_x);
    free(ws->dead_xx);
    free(ws->solve_m);
    free(ws->solve_u);
    free(ws->solve_b);
    free(ws->index);
}

static embolo_error workspace_init(zph_workspace *ws, size_t n, size_t p_fit, const cox_result *fit)
{
    embolo_error err = EMBOLO_OK;
    size_t p = 0;
    ws->n = n;
    ws->column = malloc(p_fit * sizeof *ws->column);
    if (!ws->column) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t j = 0; j < p_fit; j++)
        if (coef_kept(fit, j))
            ws->column[p++] = j;
    ws->p = p;
    if (p == 0) {
        err = EMBOLO_ERROR_DATA;
        goto cleanup;
    }
    ws->mean = malloc(p * sizeof *ws->mean);
    ws->row = malloc(p * sizeof *ws->row);
    ws->risk = malloc(n * sizeof *ws->risk);
    ws->g = malloc(n * sizeof *ws->g);
    ws->u = calloc(p, sizeof *ws->u);
    ws->info = calloc(4 * p * p, sizeof *ws->info);
    ws->sum_x = calloc(p, sizeof *ws->sum_x);
    ws->sum_xx = calloc(p * p, sizeof *ws->sum_xx);
    ws->dead_x = calloc(p, sizeof *ws->dead_x);
    ws->dead_xx = calloc(p * p, sizeof *ws->dead_xx);
    ws->solve_m = malloc(4 * p * p * sizeof *ws->solve_m);
    ws->solve_u = malloc(2 * p * sizeof *ws->solve_u);
    ws->solve_b = malloc(2 * p * sizeof *ws->solve_b);
    ws->index = malloc(2 * p * sizeof *ws->index);
    if (!ws->mean || !ws->row || !ws->risk || !ws->g || !ws->u || !ws->info || !ws->sum_x || !ws->sum_xx
        || !ws->dead_x || !ws->dead_xx || !ws->solve_m || !ws->solve_u || !ws->solve_b || !ws->index)
        err = EMBOLO_ERROR_NOMEM;
cleanup:
    return err;
}

/* Row i's kept covariates centred on their means, computed when read (the same values a centred
 * copy of the design would hold, without its n x p). */
static const double *zph_row(zph_workspace *ws, size_t i)
{
    const double *xi = ws->x + i * ws->p_fit;
    for (size_t j = 0; j < ws->p; j++)
        ws->row[j] = xi[ws->column[j]] - ws->mean[j];
    return ws->row;
}

/* The kept covariates' (unweighted) means, and the risk weight * exp(x beta) of the centred
 * covariates. The means are summed row by row (each column's sum in row order, as a walk down the
 * column would). */
static void risk_compute(zph_workspace *ws, const double *x, size_t p_fit, const double *weight,
                         const double *coef)
{
    size_t n = ws->n, p = ws->p;
    double *mean = ws->mean;
    ws->x = x;
    ws->p_fit = p_fit;
    for (size_t j = 0; j < p; j++)
        mean[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            mean[j] += x[i * p_fit + ws->column[j]];
    for (size_t j = 0; j < p; j++)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double eta = 0.0;
        const double *xi = zph_row(ws, i);
        for (size_t j = 0; j < p; j++)
            eta += xi[j] * coef[ws->column[j]];
        ws->risk[i] = weight_of(weight, i) * exp(eta);
    }
}

/* g(t) = 1 - S(t-), S the unweighted Kaplan-Meier estimate, centred on its mean over the events. */
static embolo_error transform_compute(zph_workspace *ws, const double *time, const int *status)
{
    size_t n = ws->n, events = 0;
    double surv = 1.0, sum = 0.0;
    for (size_t first = 0, last; first < n; first = last) {
        size_t dead = 0;
        for (last = first; last < n && time[last] == time[first]; last++) {
            ws->g[last] = 1.0 - surv;
            dead += (size_t)status[last];
        }
        sum += (double)dead * (1.0 - surv);
        events += dead;
        surv *= 1.0 - (double)dead / (double)(n - first);
    }
    double mean = events ? sum / (double)events : 0.0;
    for (size_t i = 0; i < n; i++)
        ws->g[i] -= mean;
    return events ? EMBOLO_OK : EMBOLO_ERROR_DATA;
}

static void row_add(double *sx, double *sxx, const double *xi, double r, size_t p)
{
    for (size_t j = 0; j < p; j++) {
        sx[j] += r * xi[j];
        for (size_t k = 0; k <= j; k++)
            sxx[j * p + k] += r * xi[j] * xi[k];
    }
}

/* One step of the accumulation: the deaths enter the risk sums with a fraction of their weight
 * (all of it for Breslow, 1/n_dead per step for Efron), then the mean and covariance of the risk
 * set add to the score and the information with the weight of the deaths of the step. */
static void event_step(zph_workspace *ws, event_block *b, double fraction, double dead_weight)
{
    size_t p = ws->p, q = 2 * p;
    b->denom += fraction * b->dead_denom;
    for (size_t j = 0; j < p; j++) {
        ws->sum_x[j] += fraction * ws->dead_x[j];
        for (size_t k = 0; k <= j; k++)
            ws->sum_xx[j * p + k] += fraction * ws->dead_xx[j * p + k];
    }
    for (size_t j = 0; j < p; j++) {
        double mean_j = ws->sum_x[j] / b->denom;
        ws->u[j] -= b->g * dead_weight * mean_j;
        for (size_t k = 0; k <= j; k++) {
            double v = dead_weight * (ws->sum_xx[j * p + k] - mean_j * ws->sum_x[k]) / b->denom;
            ws->info[j * q + k] += v;
            ws->info[j * q + p + k] += b->g * v;
            ws->info[(p + j) * q + p + k] += b->g * b->g * v;
        }
    }
}

static void event_finish(zph_workspace *ws, event_block *b, cox_ties ties)
{
    size_t p = ws->p;
    if (ties == COX_TIES_BRESLOW || b->n_dead == 1) {
        event_step(ws, b, 1.0, b->dead_weight);
    } else {
        double m = (double)b->n_dead;
        for (size_t k = 0; k < b->n_dead; k++)
            event_step(ws, b, 1.0 / m, b->dead_weight / m);
    }
    memset(ws->dead_x, 0, p * sizeof *ws->dead_x);
    memset(ws->dead_xx, 0, p * p * sizeof *ws->dead_xx);
}

/* Rows [first, last) share a time: censored rows join the risk sums, deaths their own sums and
 * the score of the added covariates. */
static void block_collect(zph_workspace *ws, event_block *b, const int *status,
                          const double *weight, size_t first, size_t last)
{
    size_t p = ws->p;
    b->dead_denom = b->dead_weight = 0.0;
    b->n_dead = 0;
    b->g = ws->g[first];
    for (size_t i = first; i < last; i++) {
        const double *xi = zph_row(ws, i);
        if (!status[i]) {
            b->denom += ws->risk[i];
            row_add(ws->sum_x, ws->sum_xx, xi, ws->risk[i], p);
            continue;
        }
        double w = weight_of(weight, i);
        b->n_dead++;
        b->dead_weight += w;
        b->dead_denom += ws->risk[i];
        row_add(ws->dead_x, ws->dead_xx, xi, ws->risk[i], p);
        for (size_t j = 0; j < p; j++)
            ws->u[j] += b->g * w * xi[j];
    }
}

/* Fills the symmetric information matrix from its accumulated lower triangles of I, G and H. */
static void info_symmetrize(zph_workspace *ws)
{
    size_t p = ws->p, q = 2 * p;
    for (size_t j = 0; j < p; j++) {
        for (size_t k = 0; k < j; k++) {
            ws->info[k * q + j] = ws->info[j * q + k];
            ws->info[k * q + p + j] = ws->info[j * q + p + k];
            ws->info[(p + k) * q + p + j] = ws->info[(p + j) * q + p + k];
        }
    }
    for (size_t j = 0; j < p; j++)
        for (size_t k = 0; k < p; k++)
            ws->info[(p + j) * q + k] = ws->info[k * q + p + j];
}

static void scores_accumulate(zph_workspace *ws, const double *time, const int *status,
                              const double *weight, cox_ties ties)
{
    event_block b = {0};
    size_t last = ws->n;
    while (last > 0) {
        size_t first = last - 1;
        while (first > 0 && time[first - 1] == time[last - 1])
            first--;
        block_collect(ws, &b, status, weight, first, last);
        if (b.n_dead > 0)
            event_finish(ws, &b, ties);
        last = first;
    }
    info_symmetrize(ws);
}

/* Score statistic u' M^-1 u over the rows and columns index[0..k); NAN if M is not positive
 * definite there. */
static embolo_error score_test(zph_workspace *ws, size_t k, double *chisq)
{
    embolo_error err = EMBOLO_OK;
    size_t p = ws->p, q = 2 * p;
    *chisq = NAN;
    for (size_t a = 0; a < k; a++) {
        ws->solve_u[a] = ws->index[a] >= p ? ws->u[ws->index[a] - p] : 0.0;
        for (size_t c = 0; c < k; c++)
            ws->solve_m[a * k + c] = ws->info[ws->index[a] * q + ws->index[c]];
    }
    gsl_matrix_view m = gsl_matrix_view_array(ws->solve_m, k, k);
    gsl_vector_view u = gsl_vector_view_array(ws->solve_u, k);
    gsl_vector_view b = gsl_vector_view_array(ws->solve_b, k);
    int status = gsl_linalg_cholesky_decomp1(&m.matrix);
    if (status == GSL_EDOM)
        goto cleanup;
    if (status != GSL_SUCCESS || gsl_linalg_cholesky_solve(&m.matrix, &u.vector, &b.vector)) {
        err = EMBOLO_ERROR_NUMERIC;
        goto cleanup;
    }
    double sum = 0.0;
    for (size_t a = 0; a < k; a++)
        sum += ws->solve_u[a] * ws->solve_b[a];
    *chisq = sum;
cleanup:
    return err;
}

static zph_result *result_create(size_t n_terms)
{
    zph_result *r = calloc(1, sizeof *r);
    if (!r)
        goto cleanup;
    r->n_terms = n_terms;
    r->chisq = malloc((n_terms + 1) * sizeof *r->chisq);
    r->df = calloc(n_terms + 1, sizeof *r->df);
    r->p = malloc((n_terms + 1) * sizeof *r->p);
    if (!r->chisq || !r->df || !r->p) {
        zph_result_free(r);
        r = NULL;
    }
cleanup:
    return r;
}

/* The test of term t (t == n_terms: GLOBAL): the fitted covariates and the added ones of the term. */
static embolo_error term_test(zph_workspace *ws, const size_t *term_of_coef, size_t t,
                              zph_result *r)
{
    size_t p = ws->p, k = p;
    embolo_error err = EMBOLO_OK;
    for (size_t j = 0; j < p; j++)
        ws->index[j] = j;
    for (size_t j = 0; j < p; j++)
        if (t == r->n_terms || term_of_coef[ws->column[j]] == t)
            ws->index[k++] = p + j;
    r->df[t] = (int)(k - p);
    r->chisq[t] = NAN;
    r->p[t] = NAN;
    if (k == p)
        goto cleanup;
    err = score_test(ws, k, &r->chisq[t]);
    if (err == EMBOLO_OK && !isnan(r->chisq[t]))
        r->p[t] = gsl_cdf_chisq_Q(r->chisq[t], (double)r->df[t]);
cleanup:
    return err;
}

embolo_error zph_test(const double *time, const int *status, const double *weight, const double *x,
                      size_t n, size_t p, const cox_result *fit, cox_ties ties,
                      const size_t *term_of_coef, size_t n_terms, zph_result **out)
{
    zph_workspace ws = {0};
    zph_result *r = NULL;
    embolo_error err = EMBOLO_OK;
    if (!out) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    *out = NULL;
    err = inputs_check(time, status, weight, x, n, p, fit, term_of_coef, n_terms);
    if (err != EMBOLO_OK)
        goto cleanup;
    err = workspace_init(&ws, n, p, fit);
    if (err != EMBOLO_OK)
        goto cleanup;
    risk_compute(&ws, x, p, weight, fit->coef);
    err = transform_compute(&ws, time, status);
    if (err != EMBOLO_OK)
        goto cleanup;
    scores_accumulate(&ws, time, status, weight, ties);
    r = result_create(n_terms);
    if (!r) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t t = 0; t <= n_terms && err == EMBOLO_OK; t++)
        err = term_test(&ws, term_of_coef, t, r);
    if (err == EMBOLO_OK) {
        *out = r;
        r = NULL;
    }
cleanup:
    zph_result_free(r);
    workspace_destroy(&ws);
    return err;
}

void zph_result_free(zph_result *result)
{
    if (result) {
        free(result->chisq);
        free(result->df);
        free(result->p);
        free(result);
    }
}
