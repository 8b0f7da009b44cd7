/* Designs for the bit-for-bit checks of cox_fit's sparse row walks (test_cox.c): rows in time order with
 * many tied times, a 0/1 factor column with -0.0 among its zeros, a -1/0/1 column, a scaled column with
 * rows exactly at its mean (a scaled value of 0.0), a constant column, a second scaled column and a
 * second factor; a design of factors only; a few huge weights, whose weighted sums overflow so that
 * r x is not finite (the full-row fallback: every number NaN, as the straightforward walk has them);
 * a factor that separates the events (a coefficient running off). cox_bits_digest folds every number of a
 * result into 64 bits (NaNs as one value), so that two computations can be compared bit for bit. */
#ifndef EMBOLO_TESTS_COX_BITS_FIXTURE_H
#define EMBOLO_TESTS_COX_BITS_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "model/cox.h"

#define COX_BITS_ROWS 300
#define COX_BITS_COLS 6
#define COX_BITS_CASES 5

typedef struct cox_bits_case {
    size_t n;
    size_t p;
    double time[COX_BITS_ROWS];
    int status[COX_BITS_ROWS];
    double weight[COX_BITS_ROWS];
    double x[COX_BITS_ROWS * COX_BITS_COLS];
    int strata[COX_BITS_ROWS];
    int cluster[COX_BITS_ROWS];
    int weighted;
    int grouped;
    cox_options options;
} cox_bits_case;

static unsigned long cox_bits_next(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    return *seed >> 33;
}

/* Fills case variant (0 .. COX_BITS_CASES - 1). */
static void cox_bits_make(int variant, cox_bits_case *c)
{
    unsigned long seed = 20261201UL + (unsigned long)variant;
    memset(c, 0, sizeof *c);
    c->n = COX_BITS_ROWS;
    c->p = variant == 2 ? 4 : COX_BITS_COLS;
    c->options = cox_options_default();
    c->options.robust = 1;
    c->options.ties = variant == 1 ? COX_TIES_BRESLOW : COX_TIES_EFRON;
    c->weighted = variant == 1 || variant == 2 || variant == 3;
    c->grouped = variant == 1;
    for (size_t i = 0; i < c->n; i++) {
        double *xr = c->x + i * c->p;
        unsigned long u = cox_bits_next(&seed);
        c->time[i] = 1.0 + (double)(i / 7);
        c->strata[i] = (int)(i % 2);
        c->cluster[i] = (int)(i % 37);
        c->weight[i] = 0.5 + (double)(u % 5) / 4.0;
        double f1 = (u >> 3) % 2 ? 1.0 : ((u >> 4) % 2 ? -0.0 : 0.0);
        double f2 = (double)((int)((u >> 5) % 3) - 1);
        double f3 = (u >> 7) % 3 == 0 ? 1.0 : 0.0;
        c->status[i] = (int)((u >> 9) % 5 < 3);
        if (variant == 4)
            c->status[i] = f1 == 1.0 && (u >> 9) % 5 < 4;
        if (variant == 2) {
            xr[0] = f1;
            xr[1] = f2;
            xr[2] = f3;
            xr[3] = (u >> 11) % 2 ? -1.0 : 0.0;
            continue;
        }
        xr[0] = f1;
        xr[1] = f2;
        xr[2] = 40.0 + 10.0 * (double)(i % 3);   /* mean exactly 50 unweighted */
        xr[3] = 2.0;
        xr[4] = 0.5 * (double)((u >> 13) % 9) - 1.5;
        xr[5] = f3;
        if (variant == 3 && i % 50 == 7)
            c->weight[i] = 1e306;
    }
}

static uint64_t cox_bits_fold(uint64_t h, double v)
{
    uint64_t bits;
    if (isnan(v))
        v = NAN;
    memcpy(&bits, &v, sizeof bits);
    for (int b = 0; b < 8; b++) {
        h ^= (bits >> (8 * b)) & 0xff;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t cox_bits_digest(const cox_result *r)
{
    uint64_t h = UINT64_C(1469598103934665603);
    size_t p = r->p;
    for (size_t i = 0; i < p; i++)
        h = cox_bits_fold(h, r->coef[i]);
    for (size_t i = 0; i < p * p; i++) {
        h = cox_bits_fold(h, r->var[i]);
        h = cox_bits_fold(h, r->robust_var != NULL ? r->robust_var[i] : 0.0);
    }
    double scalars[] = {r->loglik_null, r->loglik, r->score_chisq, r->robust_score_chisq, r->wald_chisq,
                        (double)r->iterations, (double)r->warnings, (double)r->infinite_coef,
                        (double)r->singular_coef, (double)r->n, (double)r->events};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        h = cox_bits_fold(h, scalars[i]);
    return h;
}

/* Fits case variant; 0 on failure. */
static uint64_t cox_bits_fit(int variant)
{
    static cox_bits_case c;
    cox_result *fit = NULL;
    uint64_t digest = 0;
    cox_bits_make(variant, &c);
    if (cox_fit_grouped(c.time, c.status, c.weighted ? c.weight : NULL, c.x, c.grouped ? c.strata : NULL,
                        c.grouped ? c.cluster : NULL, c.n, c.p, &c.options, &fit) == EMBOLO_OK)
        digest = cox_bits_digest(fit);
    cox_result_free(fit);
    return digest;
}

#endif
