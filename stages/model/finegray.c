/* The Fine-Gray estimator without crr's quadratic loops.
 *
 * At a distinct event time t_k (d_k events) the weighted risk set holds everyone with T >= t_k
 * (weight 1) and everyone with a competing event before t_k (weight G(t_k-) / G(T_i-)), so its sums
 * of r = exp(x'b), r x and r x x' are a backward running sum over T >= t_k plus G(t_k-) times a
 * forward running sum of r / G(T-) over the competing events. The same split gives the sandwich's
 * terms in closed form: with dL_k = d_k / S0_k, E_k = S1_k / S0_k and the running sums
 * A0 = sum dL, A1 = sum dL E, B0 = sum G dL, B1 = sum G dL E over the event times,
 *   eta_i = [event] (x_i - E(T_i)) - r_i (x_i A0(T_i) - A1(T_i))
 *           - [competing] r_i / G(T_i-) (x_i (B0(end) - B0(T_i)) - (B1(end) - B1(T_i)))
 *   q(u)  = Q1(u) (B0(end) - B0(u-)) - Q0(u) (B1(end) - B1(u-)),
 * Q0, Q1 the sums of r / G(T-) and r x / G(T-) over the competing events before u, and
 *   psi_i = [censored] q(T_i) / Y(T_i) - sum over censoring times u <= T_i of c(u) q(u) / Y(u)^2,
 * Y(u) the number with T >= u and c(u) the censored at u. Sigma = sum (eta + psi)(eta + psi)'. */
#include "finegray.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FINEGRAY_MAX_ITER 100
#define FINEGRAY_MAX_HALVING 30
#define FINEGRAY_STEP_DONE 1e-10
#define FINEGRAY_STEP_NEWTON 1e-6
#define FINEGRAY_POLISH 4

typedef struct fg_work {
    size_t n, p;
    const double *time;
    const int *cause;
    double *x;        /* [n*p] centred */
    double *g;        /* [n] G(T_i-) */
    double *z;        /* [n] x'b */
    double *r;        /* [n] exp(x'b) */
    double *beta, *step, *trial;  /* [p] */
    double *u;        /* [p] score */
    double *info;     /* [p*p] */
    long double *r1, *c1;  /* [p] running sums: at risk, competing (long double: they run over every row) */
    long double *r2, *c2;  /* [p*p] */
    double *e;        /* [p] scratch */
    long double *sums;  /* owns r1, c1, r2, c2 */
    gsl_matrix *m;
    gsl_vector *v, *sol;
} fg_work;

static int input_valid(const double *time, const int *cause, const double *x, size_t n, size_t p)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(time[i]) || (i > 0 && time[i] < time[i - 1]) || cause[i] < 0 || cause[i] > 2)
            return 0;
        for (size_t j = 0; j < p; j++)
            if (!isfinite(x[i * p + j]))
                return 0;
    }
    return 1;
}

static void fg_work_free(fg_work *w)
{
    free(w->x);
    free(w->g);
    free(w->r);
    free(w->z);
    free(w->beta);
    free(w->sums);
    gsl_matrix_free(w->m);
    gsl_vector_free(w->v);
    gsl_vector_free(w->sol);
}

static embolo_error fg_work_alloc(fg_work *w)
{
    size_t n = w->n, p = w->p, pp = p * p;
    w->x = calloc(n * p > 0 ? n * p : 1, sizeof *w->x);
    w->g = calloc(n ? n : 1, sizeof *w->g);
    w->r = calloc(n ? n : 1, sizeof *w->r);
    w->z = calloc(n ? n : 1, sizeof *w->z);
    w->beta = calloc(7 * p + 3 * pp, sizeof *w->beta);
    w->m = gsl_matrix_alloc(p, p);
    w->v = gsl_vector_alloc(p);
    w->sol = gsl_vector_alloc(p);
    if (!w->x || !w->g || !w->r || !w->z || !w->beta || !w->m || !w->v || !w->sol)
        return EMBOLO_ERROR_NOMEM;
    double *next = w->beta + p;
    double **vectors[] = {&w->step, &w->trial, &w->u, &w->e};
    for (size_t k = 0; k < sizeof vectors / sizeof vectors[0]; k++, next += p)
        *vectors[k] = next;
    w->info = next;
    w->sums = calloc(2 * p + 2 * pp, sizeof *w->sums);
    if (!w->sums)
        return EMBOLO_ERROR_NOMEM;
    w->r1 = w->sums;
    w->c1 = w->sums + p;
    w->r2 = w->sums + 2 * p;
    w->c2 = w->sums + 2 * p + pp;
    return EMBOLO_OK;
}

/* G(T_i-): the Kaplan-Meier of the censoring (cause 0 its event) just before each row's time
 * (at a time of 0, crr's lookup includes that time). */
static void censoring_km(fg_work *w)
{
    size_t n = w->n;
    double g = 1.0;
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        size_t censored = 0;
        for (hi = lo; hi < n && w->time[hi] == w->time[lo]; hi++)
            censored += w->cause[hi] == 0;
        double after = g * (1.0 - (double)censored / (double)(n - lo));
        for (size_t i = lo; i < hi; i++)
            w->g[i] = w->time[lo] == 0.0 ? after : g;
        g = after;
    }
}

static void centre_columns(fg_work *w, const double *x)
{
    size_t n = w->n, p = w->p;
    for (size_t j = 0; j < p; j++) {
        double mean = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += x[i * p + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            w->x[i * p + j] = x[i * p + j] - mean;
    }
}

/* Adds weight * (1, x, x x') of row i to (s0, s1, s2). */
static void sums_add(const fg_work *w, size_t i, double weight, long double *s0, long double *s1, long double *s2)
{
    size_t p = w->p;
    const double *xi = w->x + i * w->p;
    *s0 += weight;
    for (size_t a = 0; a < p; a++) {
        s1[a] += weight * xi[a];
        for (size_t b = 0; b <= a; b++)
            s2[a * p + b] += weight * xi[a] * xi[b];
    }
}

/* The risk-set sums at the event time of rows lo.. (first row of the time): at risk plus G times
 * the competing events before it, into s0 and e (E = S1 / S0); with info, adds d (S2/S0 - E E'). */
typedef struct risk_sums {
    long double r0, c0;  /* at risk, competing (over G(T-)) */
} risk_sums;

static double risk_set_mean(fg_work *w, const risk_sums *sums, double g, double d, int with_info)
{
    size_t p = w->p;
    long double s0 = sums->r0 + g * sums->c0;
    for (size_t a = 0; a < p; a++)
        w->e[a] = (double)((w->r1[a] + g * w->c1[a]) / s0);
    for (size_t a = 0; with_info && a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            long double s2 = w->r2[a * p + b] + g * w->c2[a * p + b];
            w->info[a * p + b] += d * (double)(s2 / s0 - (long double)w->e[a] * w->e[b]);
        }
    return (double)s0;
}

static void risk_update(fg_work *w, const double *beta)
{
    for (size_t i = 0; i < w->n; i++) {
        double z = 0.0;
        for (size_t j = 0; j < w->p; j++)
            z += beta[j] * w->x[i * w->p + j];
        w->z[i] = z;
        w->r[i] = exp(z);
    }
}

static void sums_clear(fg_work *w)
{
    size_t p = w->p;
    memset(w->r1, 0, p * sizeof *w->r1);
    memset(w->c1, 0, p * sizeof *w->c1);
    memset(w->r2, 0, p * p * sizeof *w->r2);
    memset(w->c2, 0, p * p * sizeof *w->c2);
}

/* The competing events' sums, all of them: the walk backwards takes out those at or after t. */
static void competing_totals(fg_work *w, risk_sums *sums)
{
    sums->c0 = 0.0;
    for (size_t i = 0; i < w->n; i++)
        if (w->cause[i] == 2)
            sums_add(w, i, w->r[i] / w->g[i], &sums->c0, w->c1, w->c2);
}

/* Pseudo log-likelihood at beta; leaves the score in u and the information in info. */
static double loglik_eval(fg_work *w, const double *beta)
{
    size_t n = w->n, p = w->p;
    risk_sums sums = {0.0, 0.0};
    long double loglik = 0.0;
    risk_update(w, beta);
    sums_clear(w);
    memset(w->u, 0, p * sizeof *w->u);
    memset(w->info, 0, p * p * sizeof *w->info);
    competing_totals(w, &sums);
    for (size_t hi = n, lo; hi > 0; hi = lo) {
        double d = 0.0;
        for (lo = hi; lo > 0 && w->time[lo - 1] == w->time[hi - 1]; lo--) {
            size_t i = lo - 1;
            sums_add(w, i, w->r[i], &sums.r0, w->r1, w->r2);
            if (w->cause[i] == 2)
                sums_add(w, i, -w->r[i] / w->g[i], &sums.c0, w->c1, w->c2);
            if (w->cause[i] == 1) {
                d += 1.0;
                loglik += w->z[i];
                for (size_t a = 0; a < p; a++)
                    w->u[a] += w->x[i * p + a];
            }
        }
        if (d == 0.0)
            continue;
        double s0 = risk_set_mean(w, &sums, w->g[lo], d, 1);
        loglik -= d * logl(s0);
        for (size_t a = 0; a < p; a++)
            w->u[a] -= d * w->e[a];
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < a; b++)
            w->info[b * p + a] = w->info[a * p + b];
    return (double)loglik;
}

/* step = info^-1 u by Cholesky; 0 when info is not positive definite. */
static int newton_step(fg_work *w)
{
    size_t p = w->p;
    for (size_t a = 0; a < p; a++) {
        gsl_vector_set(w->v, a, w->u[a]);
        for (size_t b = 0; b < p; b++)
            gsl_matrix_set(w->m, a, b, w->info[a * p + b]);
    }
    if (gsl_linalg_cholesky_decomp1(w->m) != GSL_SUCCESS || gsl_linalg_cholesky_solve(w->m, w->v, w->sol) != GSL_SUCCESS)
        return 0;
    for (size_t a = 0; a < p; a++)
        w->step[a] = gsl_vector_get(w->sol, a);
    return 1;
}

static double step_size(const fg_work *w)
{
    double largest = 0.0;
    for (size_t a = 0; a < w->p; a++)
        largest = fmax(largest, fabs(w->step[a]) / fmax(1.0, fabs(w->beta[a])));
    return largest;
}

/* Newton-Raphson from 0 with step-halving while far from the maximum; within FINEGRAY_STEP_NEWTON of
 * it, plain Newton steps (the likelihood's rounding noise, not the score, would stop a line search
 * there) until the step is below FINEGRAY_STEP_DONE of the coefficients or FINEGRAY_POLISH steps. */
static int newton_run(fg_work *w, finegray_result *r)
{
    size_t p = w->p;
    int polish = 0;
    double best = loglik_eval(w, w->beta);
    for (int iter = 1; iter <= FINEGRAY_MAX_ITER; iter++) {
        r->iterations = iter;
        if (!isfinite(best) || !newton_step(w))
            return 0;
        double size = step_size(w), trial_loglik = -INFINITY;
        if (size < FINEGRAY_STEP_DONE)
            return 1;
        int halving = 0;
        for (; size >= FINEGRAY_STEP_NEWTON && halving < FINEGRAY_MAX_HALVING; halving++) {
            for (size_t a = 0; a < p; a++)
                w->trial[a] = w->beta[a] + w->step[a];
            trial_loglik = loglik_eval(w, w->trial);
            if (isfinite(trial_loglik) && trial_loglik >= best)
                break;
            for (size_t a = 0; a < p; a++)
                w->step[a] /= 2.0;
        }
        if (halving == FINEGRAY_MAX_HALVING)
            return 0;
        if (size < FINEGRAY_STEP_NEWTON && ++polish > FINEGRAY_POLISH)
            return 1;
        for (size_t a = 0; a < p; a++)
            w->beta[a] += w->step[a];
        best = loglik_eval(w, w->beta);
    }
    return 0;
}

/* Per distinct event time k (ascending): its time, and the running sums A0, A1, B0, B1 over the
 * event times before it (index k) and up to it (index k + 1); E_k. */
typedef struct event_table {
    size_t k;
    double *time;        /* [k] */
    double *e;           /* [k*p] */
    double *a0, *b0;     /* [k+1] */
    double *a1, *b1;     /* [(k+1)*p] */
} event_table;

static void event_table_free(event_table *t)
{
    free(t->time);
    free(t->e);
    free(t->a0);
    free(t->b0);
    free(t->a1);
    free(t->b1);
}

static size_t event_time_count(const fg_work *w)
{
    size_t count = 0;
    for (size_t lo = 0, hi; lo < w->n; lo = hi) {
        int any = 0;
        for (hi = lo; hi < w->n && w->time[hi] == w->time[lo]; hi++)
            any |= w->cause[hi] == 1;
        count += (size_t)any;
    }
    return count;
}

/* Fills the table at the risk scores in w->r (a backward walk as loglik_eval's). */
static embolo_error event_table_make(fg_work *w, event_table *t)
{
    size_t n = w->n, p = w->p, k;
    risk_sums sums = {0.0, 0.0};
    double *dl = NULL, *g = NULL;
    t->k = k = event_time_count(w);
    t->time = calloc(k ? k : 1, sizeof *t->time);
    t->e = calloc(k * p > 0 ? k * p : 1, sizeof *t->e);
    t->a0 = calloc(k + 1, sizeof *t->a0);
    t->b0 = calloc(k + 1, sizeof *t->b0);
    t->a1 = calloc((k + 1) * p, sizeof *t->a1);
    t->b1 = calloc((k + 1) * p, sizeof *t->b1);
    dl = calloc(k ? k : 1, sizeof *dl);
    g = calloc(k ? k : 1, sizeof *g);
    if (!t->time || !t->e || !t->a0 || !t->b0 || !t->a1 || !t->b1 || !dl || !g) {
        free(dl);
        free(g);
        return EMBOLO_ERROR_NOMEM;
    }
    sums_clear(w);
    competing_totals(w, &sums);
    for (size_t hi = n, lo; hi > 0; hi = lo) {
        double d = 0.0;
        for (lo = hi; lo > 0 && w->time[lo - 1] == w->time[hi - 1]; lo--) {
            size_t i = lo - 1;
            sums_add(w, i, w->r[i], &sums.r0, w->r1, w->r2);
            if (w->cause[i] == 2)
                sums_add(w, i, -w->r[i] / w->g[i], &sums.c0, w->c1, w->c2);
            d += w->cause[i] == 1;
        }
        if (d == 0.0)
            continue;
        k--;
        t->time[k] = w->time[lo];
        g[k] = w->g[lo];
        dl[k] = d / risk_set_mean(w, &sums, w->g[lo], d, 0);
        memcpy(t->e + k * p, w->e, p * sizeof *w->e);
    }
    for (k = 0; k < t->k; k++) {
        t->a0[k + 1] = t->a0[k] + dl[k];
        t->b0[k + 1] = t->b0[k] + g[k] * dl[k];
        for (size_t a = 0; a < p; a++) {
            t->a1[(k + 1) * p + a] = t->a1[k * p + a] + dl[k] * t->e[k * p + a];
            t->b1[(k + 1) * p + a] = t->b1[k * p + a] + g[k] * dl[k] * t->e[k * p + a];
        }
    }
    free(dl);
    free(g);
    return EMBOLO_OK;
}

/* eta_i into out (see the top of the file); k: the event times <= T_i. */
static void eta_row(const fg_work *w, const event_table *t, size_t i, size_t k, double *out)
{
    size_t p = w->p, last = t->k;
    const double *xi = w->x + i * p;
    for (size_t a = 0; a < p; a++) {
        out[a] = -w->r[i] * (xi[a] * t->a0[k] - t->a1[k * p + a]);
        if (w->cause[i] == 1)
            out[a] += xi[a] - t->e[(k - 1) * p + a];
        if (w->cause[i] == 2)
            out[a] -= w->r[i] / w->g[i] *
                      (xi[a] * (t->b0[last] - t->b0[k]) - (t->b1[last * p + a] - t->b1[k * p + a]));
    }
}

/* The sandwich: Sigma = sum (eta + psi)(eta + psi)' walking forwards, then var = info^-1 Sigma
 * info^-1 with the information at the estimate in w->info. */
static embolo_error sandwich_compute(fg_work *w, finegray_result *r)
{
    size_t n = w->n, p = w->p, k_upto = 0, k_before = 0;
    event_table t = {0};
    double q0 = 0.0, *q1 = calloc(p, sizeof *q1), *q = calloc(p, sizeof *q), *psi_sum = calloc(p, sizeof *psi_sum);
    double *row = calloc(p, sizeof *row), *sigma = calloc(p * p, sizeof *sigma);
    embolo_error err = q1 && q && psi_sum && row && sigma ? event_table_make(w, &t) : EMBOLO_ERROR_NOMEM;
    gsl_matrix *inv = err == EMBOLO_OK ? gsl_matrix_alloc(p, p) : NULL;
    if (err == EMBOLO_OK && !inv)
        err = EMBOLO_ERROR_NOMEM;
    if (err != EMBOLO_OK)
        goto cleanup;
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        size_t censored = 0;
        for (hi = lo; hi < n && w->time[hi] == w->time[lo]; hi++)
            censored += w->cause[hi] == 0;
        while (k_before < t.k && t.time[k_before] < w->time[lo])
            k_before++;
        k_upto = k_before < t.k && t.time[k_before] == w->time[lo] ? k_before + 1 : k_before;
        double y = (double)(n - lo);
        for (size_t a = 0; a < p; a++) {
            q[a] = q1[a] * (t.b0[t.k] - t.b0[k_before]) - q0 * (t.b1[t.k * p + a] - t.b1[k_before * p + a]);
            psi_sum[a] -= (double)censored * q[a] / (y * y);
        }
        for (size_t i = lo; i < hi; i++) {
            eta_row(w, &t, i, k_upto, row);
            for (size_t a = 0; a < p; a++)
                row[a] += psi_sum[a] + (w->cause[i] == 0 ? q[a] / y : 0.0);
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++)
                    sigma[a * p + b] += row[a] * row[b];
        }
        for (size_t i = lo; i < hi; i++)
            if (w->cause[i] == 2) {
                q0 += w->r[i] / w->g[i];
                for (size_t a = 0; a < p; a++)
                    q1[a] += w->r[i] / w->g[i] * w->x[i * p + a];
            }
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++)
            gsl_matrix_set(inv, a, b, w->info[a * p + b]);
    if (gsl_linalg_cholesky_decomp1(inv) != GSL_SUCCESS || gsl_linalg_cholesky_invert(inv) != GSL_SUCCESS) {
        r->converged = 0;
        goto cleanup;
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double sum = 0.0;
            for (size_t c = 0; c < p; c++)
                for (size_t d = 0; d < p; d++)
                    sum += gsl_matrix_get(inv, a, c) * sigma[c * p + d] * gsl_matrix_get(inv, d, b);
            r->var[a * p + b] = sum;
        }
cleanup:
    gsl_matrix_free(inv);
    event_table_free(&t);
    free(q1);
    free(q);
    free(psi_sum);
    free(row);
    free(sigma);
    return err;
}

embolo_error finegray_fit(const double *time, const int *cause, const double *x, size_t n, size_t p,
                          finegray_result **out)
{
    embolo_error err = EMBOLO_OK;
    fg_work w = {.n = n, .p = p, .time = time, .cause = cause};
    finegray_result *r = NULL;
    size_t events = 0;
    if (out == NULL)
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    if (p == 0 || n == 0 || !time || !cause || !x || !input_valid(time, cause, x, n, p))
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    r = calloc(1, sizeof *r);
    if (!r || !(r->coef = calloc(p, sizeof *r->coef)) || !(r->var = calloc(p * p, sizeof *r->var))) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    r->p = p;
    err = fg_work_alloc(&w);
    if (err != EMBOLO_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        events += cause[i] == 1;
    censoring_km(&w);
    centre_columns(&w, x);
    r->converged = events > 0 && newton_run(&w, r);
    if (r->converged) {
        r->loglik = loglik_eval(&w, w.beta);
        memcpy(r->coef, w.beta, p * sizeof *r->coef);
        err = sandwich_compute(&w, r);
    }
    if (err == EMBOLO_OK && !r->converged)
        for (size_t k = 0; k < p * p; k++) {
            r->var[k] = NAN;
            r->coef[k % p] = NAN;
        }
    if (err == EMBOLO_OK) {
        *out = r;
        r = NULL;
    }
cleanup:
    finegray_result_free(r);
    fg_work_free(&w);
    return err;
}

void finegray_result_free(finegray_result *result)
{
    if (!result)
        return;
    free(result->coef);
    free(result->var);
    free(result);
}
