/* Multinomial logistic regression by Newton-Raphson with step-halving (mlogit.h).
 *
 * With eta_ig = x_i . beta_g (eta_i0 = 0) and p_ig = exp(eta_ig) / sum_h exp(eta_ih), the
 * log-likelihood is sum_i log p_{i,y_i}; its gradient block g is sum_i (1[y_i = g] - p_ig) x_i and
 * the information block (g, h) is sum_i p_ig (1[g = h] - p_ih) x_i x_i^T. The Newton step solves
 * information * step = gradient by a scaled Cholesky factorization.
 *
 * Once a full Newton step changes the log-likelihood by less than 1e-12 relative, the fit has
 * converged if the next Newton step hardly moves any linear predictor. If that step still moves
 * them (the log-likelihood is flat along a direction the iteration keeps following) while some
 * fitted probability has run to 0, or the iteration fails with such a probability, the MLE does not
 * exist (separation). */
#include "weight/mlogit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#define MLOGIT_MAX_ITERATIONS 100
#define MLOGIT_MAX_HALVINGS 60
#define MLOGIT_REL_TOL 1e-12        /* relative log-likelihood change that ends the iteration */
#define MLOGIT_ROUND_TOL 1e-14      /* relative decrease of the log-likelihood taken as rounding */
#define MLOGIT_STEP_TOL 1e-4        /* largest linear-predictor change of a converged Newton step */
#define MLOGIT_TINY_PROB 1e-8       /* a fitted probability this small signals divergence */

typedef struct mlogit_workspace {
    const int *y;
    const double *x;
    size_t n, p, k;
    size_t m;             /* number of coefficients, (k-1)*p */
    size_t n_pairs;       /* group pairs 1 <= g <= h <= k-1 */
    size_t n_tri;         /* entries of an upper triangle of a p x p matrix */
    double *fitted;       /* [n * k] each row's probabilities at the last coefficients evaluated */
    int fitted_at_beta;   /* fitted holds them at ws->beta (not at a rejected trial step) */
    double *pair_weight;  /* [n_pairs] information weights of one row */
    double *outer;        /* [n_tri] upper triangle of x_i x_i^T */
    double *info_sum;     /* [n_pairs * n_tri] accumulated information blocks */
    size_t *nonzero;      /* [p] the non-zero columns of one row */
    size_t *every;        /* [p] 0 .. p-1: every column */
    size_t *tri_at;       /* [n_tri] where each non-zero product of one row goes in a triangle */
    gsl_vector *beta, *trial, *grad, *step, *scale;
    gsl_matrix *info;     /* information matrix, overwritten by its Cholesky factor */
    double loglik;
    double min_prob;      /* smallest fitted probability at ws->beta */
} mlogit_workspace;

/* How the Newton iteration ended. */
typedef enum mlogit_stop {
    MLOGIT_STOP_RUNNING,
    MLOGIT_STOP_CONVERGED,   /* flat log-likelihood and a vanishing Newton step */
    MLOGIT_STOP_DIVERGED,    /* flat log-likelihood, a lasting step and a probability near 0 */
    MLOGIT_STOP_ITERATIONS,  /* the iteration cap was reached */
    MLOGIT_STOP_SINGULAR,    /* the information matrix is not positive definite */
    MLOGIT_STOP_STUCK        /* no step length increased the log-likelihood */
} mlogit_stop;

static void workspace_free(mlogit_workspace *ws)
{
    if (!ws)
        return;
    free(ws->pair_weight);
    free(ws->outer);
    free(ws->info_sum);
    free(ws->nonzero);
    free(ws->every);
    free(ws->tri_at);
    gsl_vector_free(ws->beta);
    gsl_vector_free(ws->trial);
    gsl_vector_free(ws->grad);
    gsl_vector_free(ws->step);
    gsl_vector_free(ws->scale);
    gsl_matrix_free(ws->info);
    free(ws);
}

static embolo_error workspace_alloc(const int *y, size_t k, const double *x, size_t n, size_t p,
                                    double *fitted, mlogit_workspace **out)
{
    embolo_error err = EMBOLO_OK;
    mlogit_workspace *ws = calloc(1, sizeof *ws);
    *out = NULL;
    if (!ws) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    ws->y = y;
    ws->x = x;
    ws->n = n;
    ws->p = p;
    ws->k = k;
    ws->m = (k - 1) * p;
    ws->n_pairs = (k - 1) * k / 2;
    ws->n_tri = p * (p + 1) / 2;
    if (ws->n_tri > SIZE_MAX / sizeof(double) / ws->n_pairs) {
        err = EMBOLO_ERROR_TOO_LARGE;
        goto cleanup;
    }
    ws->fitted = fitted;
    ws->pair_weight = malloc(ws->n_pairs * sizeof *ws->pair_weight);
    ws->outer = malloc(ws->n_tri * sizeof *ws->outer);
    ws->info_sum = malloc(ws->n_pairs * ws->n_tri * sizeof *ws->info_sum);
    ws->nonzero = malloc(p * sizeof *ws->nonzero);
    ws->every = malloc(p * sizeof *ws->every);
    ws->tri_at = malloc(ws->n_tri * sizeof *ws->tri_at);
    ws->beta = gsl_vector_calloc(ws->m);
    ws->trial = gsl_vector_alloc(ws->m);
    ws->grad = gsl_vector_alloc(ws->m);
    ws->step = gsl_vector_alloc(ws->m);
    ws->scale = gsl_vector_alloc(ws->m);
    ws->info = gsl_matrix_alloc(ws->m, ws->m);
    if (!ws->pair_weight || !ws->outer || !ws->info_sum || !ws->nonzero || !ws->every || !ws->tri_at
        || !ws->beta || !ws->trial
        || !ws->grad || !ws->step || !ws->scale || !ws->info) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t j = 0; j < p; j++)
        ws->every[j] = j;
    *out = ws;
    ws = NULL;
cleanup:
    workspace_free(ws);
    return err;
}

/* The non-zero columns of row xi into nonzero; returns their count. */
static size_t row_nonzero(const double *xi, size_t p, size_t *nonzero)
{
    size_t m = 0;
    for (size_t j = 0; j < p; j++) {
        nonzero[m] = j;
        m += xi[j] != 0.0;
    }
    return m;
}

/* Fills prob[0..k) for row xi under coefficients beta, its linear predictors summed over the columns
 * cols[0..m) (the non-zero ones, or every one); returns log P(y = observed | x_i). A linear
 * predictor's sum starts at +0.0, and with finite x and beta a zero column's term is a signed zero
 * that leaves it as it is: the sums are bit for bit those over every column. */
static double row_probabilities(const mlogit_workspace *ws, const double *beta, const double *xi,
                                const size_t *cols, size_t m, int observed, double *prob)
{
    double max = 0.0, sum = 0.0, log_sum;
    prob[0] = 0.0;
    for (size_t g = 1; g < ws->k; g++) {
        const double *b = beta + (g - 1) * ws->p;
        double eta = 0.0;
        for (size_t u = 0; u < m; u++)
            eta += xi[cols[u]] * b[cols[u]];
        prob[g] = eta;
        if (eta > max)
            max = eta;
    }
    /* exp(+-0) is 1 exactly: the group at the maximum needs no call. */
    for (size_t g = 0; g < ws->k; g++) {
        double shifted = prob[g] - max;
        sum += shifted == 0.0 ? 1.0 : exp(shifted);
    }
    log_sum = max + log(sum);
    double log_observed = prob[observed] - log_sum;
    for (size_t g = 0; g < ws->k; g++)
        prob[g] = exp(prob[g] - log_sum);
    return log_observed;
}

/* Neumaier's compensated addition of term to *sum with compensation *carry. */
static void sum_add(double *sum, double *carry, double term)
{
    double t = *sum + term;
    if (fabs(*sum) >= fabs(term))
        *carry += (*sum - t) + term;
    else
        *carry += (term - t) + *sum;
    *sum = t;
}

/* The products x_r x_c (r <= c) of row xi's columns cols[0..m) into ws->outer, and their places in
 * an upper triangle into ws->tri_at; returns their count. */
static size_t row_products(mlogit_workspace *ws, const double *xi, const size_t *cols, size_t m)
{
    size_t p = ws->p, count = 0;
    for (size_t s = 0; s < m; s++) {
        size_t r = cols[s], first = r * p - r * (r - 1) / 2 - r;
        for (size_t u = s; u < m; u++) {
            size_t c = cols[u];
            ws->tri_at[count] = first + c;
            ws->outer[count++] = xi[r] * xi[c];
        }
    }
    return count;
}

static int values_finite(const double *v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Adds the gradient and information terms of row xi (observed group y, probabilities prob, non-zero
 * columns nonzero[0..m)) and updates the smallest probability. Both visit the row's non-zero columns
 * only: with finite weights and x the terms of a zero column are signed zeros, and a sum that starts
 * at +0.0 stays as it is when one is added, so the sums are bit for bit those over every column
 * (which are taken when a weight is not finite; x is). */
static void row_accumulate(mlogit_workspace *ws, const double *xi, int y, const double *prob, const size_t *nonzero,
                           size_t m)
{
    size_t p = ws->p, q = 0;
    for (size_t g = 1; g < ws->k; g++)
        for (size_t h = g; h < ws->k; h++)
            ws->pair_weight[q++] = prob[g] * ((g == h ? 1.0 : 0.0) - prob[h]);
    for (size_t g = 0; g < ws->k; g++)
        if (prob[g] < ws->min_prob)
            ws->min_prob = prob[g];
    const size_t *cols = nonzero;
    if (!values_finite(ws->pair_weight, ws->n_pairs)) {
        cols = ws->every;
        m = p;
    }
    for (size_t g = 1; g < ws->k; g++) {
        double resid = (y == (int)g ? 1.0 : 0.0) - prob[g];
        double *grad = ws->grad->data + (g - 1) * p;
        for (size_t u = 0; u < m; u++)
            grad[cols[u]] += resid * xi[cols[u]];
    }
    size_t count = row_products(ws, xi, cols, m);
    for (q = 0; q < ws->n_pairs; q++) {
        double w = ws->pair_weight[q];
        double *block = ws->info_sum + q * ws->n_tri;
        for (size_t t = 0; t < count; t++)
            block[ws->tri_at[t]] += w * ws->outer[t];
    }
}

/* Copies the accumulated upper triangles into the full symmetric information matrix. */
static void info_assemble(mlogit_workspace *ws)
{
    size_t p = ws->p, q = 0;
    for (size_t a = 0; a + 1 < ws->k; a++) {
        for (size_t b = a; b + 1 < ws->k; b++, q++) {
            const double *block = ws->info_sum + q * ws->n_tri;
            size_t t = 0;
            for (size_t r = 0; r < p; r++) {
                for (size_t c = r; c < p; c++, t++) {
                    gsl_matrix_set(ws->info, a * p + r, b * p + c, block[t]);
                    gsl_matrix_set(ws->info, a * p + c, b * p + r, block[t]);
                    gsl_matrix_set(ws->info, b * p + r, a * p + c, block[t]);
                    gsl_matrix_set(ws->info, b * p + c, a * p + r, block[t]);
                }
            }
        }
    }
}

/* Log-likelihood, gradient, information and smallest probability at beta, each row's probabilities
 * into ws->fitted: one pass over the rows, their non-zero columns found once for all of it. */
static void derivatives_compute(mlogit_workspace *ws, const gsl_vector *beta)
{
    double sum = 0.0, carry = 0.0;
    int beta_finite = values_finite(beta->data, ws->m);
    gsl_vector_set_zero(ws->grad);
    memset(ws->info_sum, 0, ws->n_pairs * ws->n_tri * sizeof *ws->info_sum);
    ws->min_prob = 1.0;
    for (size_t i = 0; i < ws->n; i++) {
        const double *xi = ws->x + i * ws->p;
        double *prob = ws->fitted + i * ws->k;
        size_t m = row_nonzero(xi, ws->p, ws->nonzero);
        sum_add(&sum, &carry,
                row_probabilities(ws, beta->data, xi, beta_finite ? ws->nonzero : ws->every, beta_finite ? m : ws->p,
                                  ws->y[i], prob));
        row_accumulate(ws, xi, ws->y[i], prob, ws->nonzero, m);
    }
    ws->loglik = sum + carry;
    info_assemble(ws);
}

/* Newton step into ws->step; nonzero when the information matrix is not positive definite. */
static int step_solve(mlogit_workspace *ws)
{
    int status = gsl_linalg_cholesky_decomp2(ws->info, ws->scale);
    if (status == GSL_SUCCESS)
        status = gsl_linalg_cholesky_solve2(ws->info, ws->scale, ws->grad, ws->step);
    for (size_t j = 0; status == GSL_SUCCESS && j < ws->m; j++)
        if (!isfinite(gsl_vector_get(ws->step, j)))
            status = GSL_EDOM;
    return status;
}

/* Largest change |x_i . step_g| of a linear predictor under the Newton step. */
static double step_eta_change(const mlogit_workspace *ws)
{
    double max = 0.0;
    for (size_t i = 0; i < ws->n; i++) {
        const double *xi = ws->x + i * ws->p;
        for (size_t g = 1; g < ws->k; g++) {
            const double *s = ws->step->data + (g - 1) * ws->p;
            double change = 0.0;
            for (size_t j = 0; j < ws->p; j++)
                change += xi[j] * s[j];
            if (fabs(change) > max)
                max = fabs(change);
        }
    }
    return max;
}

/* Moves ws->beta along ws->step, halving the step until the log-likelihood does not fall (up to
 * rounding); the derivatives of each trial are computed with its log-likelihood, so that those of the
 * step taken are at hand. Returns 0 and sets *full when the whole step was taken; nonzero if no
 * length worked (ws->loglik and ws->min_prob then are beta's again, ws->fitted not). */
static int step_take(mlogit_workspace *ws, int *full)
{
    int status = 1;
    double t = 1.0, loglik = ws->loglik, min_prob = ws->min_prob;
    double lowest = ws->loglik - MLOGIT_ROUND_TOL * (fabs(ws->loglik) + 1.0);
    for (int h = 0; h <= MLOGIT_MAX_HALVINGS && status; h++, t *= 0.5) {
        gsl_vector_memcpy(ws->trial, ws->beta);
        gsl_blas_daxpy(t, ws->step, ws->trial);
        derivatives_compute(ws, ws->trial);
        if (isfinite(ws->loglik) && ws->loglik >= lowest) {
            gsl_vector_memcpy(ws->beta, ws->trial);
            *full = h == 0;
            status = 0;
        }
    }
    if (status) {
        ws->loglik = loglik;
        ws->min_prob = min_prob;
        ws->fitted_at_beta = 0;
    }
    return status;
}

/* What to do at a flat log-likelihood, with the next Newton step in ws->step. */
static mlogit_stop flat_classify(const mlogit_workspace *ws)
{
    mlogit_stop stop = MLOGIT_STOP_RUNNING;
    if (step_eta_change(ws) < MLOGIT_STEP_TOL)
        stop = MLOGIT_STOP_CONVERGED;
    else if (ws->min_prob < MLOGIT_TINY_PROB)
        stop = MLOGIT_STOP_DIVERGED;
    return stop;
}

/* Runs Newton-Raphson from beta = 0; leaves beta, log-likelihood and smallest probability of the
 * final fit in ws. */
static mlogit_stop newton_run(mlogit_workspace *ws, int *iterations)
{
    mlogit_stop stop = MLOGIT_STOP_RUNNING;
    int it = 0, flat = 0;
    derivatives_compute(ws, ws->beta);
    ws->fitted_at_beta = 1;
    while (stop == MLOGIT_STOP_RUNNING) {
        int full = 0;
        double previous = ws->loglik;
        if (step_solve(ws) != GSL_SUCCESS)
            stop = MLOGIT_STOP_SINGULAR;
        else if (flat)
            stop = flat_classify(ws);
        if (stop == MLOGIT_STOP_RUNNING && it == MLOGIT_MAX_ITERATIONS) {
            stop = MLOGIT_STOP_ITERATIONS;
        } else if (stop == MLOGIT_STOP_RUNNING && step_take(ws, &full) != 0) {
            stop = MLOGIT_STOP_STUCK;
        } else if (stop == MLOGIT_STOP_RUNNING) {
            it++;
            flat = full && fabs(ws->loglik - previous) < MLOGIT_REL_TOL * (fabs(ws->loglik) + 0.1);
        }
    }
    *iterations = it;
    return stop;
}

/* Fills ws->fitted with the probabilities at ws->beta. */
static void fitted_fill(mlogit_workspace *ws)
{
    for (size_t i = 0; i < ws->n; i++)
        row_probabilities(ws, ws->beta->data, ws->x + i * ws->p, ws->every, ws->p, ws->y[i], ws->fitted + i * ws->k);
    ws->fitted_at_beta = 1;
}

static embolo_error arguments_check(const int *y, size_t k, const double *x, size_t n, size_t p)
{
    embolo_error err = EMBOLO_OK;
    if (!y || !x || k < 2 || n == 0 || p == 0) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
    } else if (p > SIZE_MAX / (k - 1) || (k - 1) * p > SIZE_MAX / sizeof(double) / ((k - 1) * p)
               || n > SIZE_MAX / sizeof(double) / k || n > SIZE_MAX / sizeof(double) / p) {
        err = EMBOLO_ERROR_TOO_LARGE;
    }
    for (size_t i = 0; err == EMBOLO_OK && i < n; i++)
        if (y[i] < 0 || (size_t)y[i] >= k)
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
    for (size_t i = 0; err == EMBOLO_OK && i < n * p; i++)
        if (!isfinite(x[i]))
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
    return err;
}

static embolo_error result_alloc(size_t n, size_t p, size_t k, mlogit_result **out)
{
    embolo_error err = EMBOLO_OK;
    mlogit_result *result = calloc(1, sizeof *result);
    *out = NULL;
    if (!result) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    result->n = n;
    result->p = p;
    result->k = k;
    result->coef = malloc((k - 1) * p * sizeof *result->coef);
    result->fitted = malloc(n * k * sizeof *result->fitted);
    if (!result->coef || !result->fitted) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    *out = result;
    result = NULL;
cleanup:
    mlogit_result_free(result);
    return err;
}

embolo_error mlogit_fit(const int *y, size_t k, const double *x, size_t n, size_t p,
                        mlogit_result **out)
{
    embolo_error err = EMBOLO_OK;
    mlogit_workspace *ws = NULL;
    mlogit_result *result = NULL;
    mlogit_stop stop;
    if (!out) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    *out = NULL;
    err = arguments_check(y, k, x, n, p);
    if (err != EMBOLO_OK)
        goto cleanup;
    err = result_alloc(n, p, k, &result);
    if (err != EMBOLO_OK)
        goto cleanup;
    err = workspace_alloc(y, k, x, n, p, result->fitted, &ws);
    if (err != EMBOLO_OK)
        goto cleanup;
    stop = newton_run(ws, &result->iterations);
    memcpy(result->coef, ws->beta->data, ws->m * sizeof *result->coef);
    if (!ws->fitted_at_beta)
        fitted_fill(ws);
    result->loglik = ws->loglik;
    result->converged = stop == MLOGIT_STOP_CONVERGED;
    result->separated = stop == MLOGIT_STOP_DIVERGED
                        || (stop != MLOGIT_STOP_CONVERGED && ws->min_prob < MLOGIT_TINY_PROB);
    *out = result;
    result = NULL;
cleanup:
    mlogit_result_free(result);
    workspace_free(ws);
    return err;
}

void mlogit_result_free(mlogit_result *result)
{
    if (!result)
        return;
    free(result->coef);
    free(result->fitted);
    free(result);
}
