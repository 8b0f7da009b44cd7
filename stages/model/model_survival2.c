/* Round-2 survival analyses (statistics-2.md, 1-5): log-rank stratified by centre, pairwise with
 * Holm's adjustment and for trend, restricted mean survival time, and for an endpoint with a
 * competing event the cumulative incidence (Aalen-Johansen) and Gray's test. */
#include "model_internal.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cif.h"
#include "common/keys.h"
#include "gray.h"
#include "holm.h"
#include "km.h"
#include "logrank.h"
#include "rmst.h"

/* The rows of one factor's complete cases, by group: time, cause-specific status, cause and weight
 * of the rows of one level copied out. */
typedef struct factor_rows {
    design *d;
    int *group;        /* [d->n] level of each row */
    double *time;      /* [d->n] scratch for one level */
    int *status, *cause;
    double *weight;
    size_t m;          /* rows of the level last taken */
} factor_rows;

static void factor_rows_free(factor_rows *f)
{
    design_free(f->d);
    free(f->group);
    free(f->time);
    free(f->status);
    free(f->cause);
    free(f->weight);
}

static embolo_error factor_rows_make(const model_context *ctx, const endpoint_rows *rows, size_t variable,
                                     int weighted, factor_rows *f)
{
    embolo_error err = design_new(ctx->data, rows, &variable, 1, weighted, &f->d);
    if (err != EMBOLO_OK)
        return err;
    size_t cap = f->d->n ? f->d->n : 1;
    f->group = malloc(cap * sizeof *f->group);
    f->time = malloc(cap * sizeof *f->time);
    f->status = malloc(cap * sizeof *f->status);
    f->cause = malloc(cap * sizeof *f->cause);
    f->weight = malloc(cap * sizeof *f->weight);
    if (!f->group || !f->time || !f->status || !f->cause || !f->weight)
        return EMBOLO_ERROR_NOMEM;
    design_values(f->d, variable, f->time);  /* f->time as scratch: factor_rows_take fills it */
    for (size_t i = 0; i < f->d->n; i++)
        f->group[i] = (int)f->time[i];
    return EMBOLO_OK;
}

/* Copies the rows of level into the scratch arrays (f->m of them). */
static void factor_rows_take(factor_rows *f, int level)
{
    f->m = 0;
    for (size_t i = 0; i < f->d->n; i++) {
        if (f->group[i] != level)
            continue;
        f->time[f->m] = f->d->time[i];
        f->status[f->m] = f->d->status[i];
        f->cause[f->m] = f->d->cause[i];
        f->weight[f->m] = f->d->weight ? f->d->weight[i] : 1.0;
        f->m++;
    }
}

static size_t levels_present(const factor_rows *f, size_t n_levels, size_t *counts)
{
    size_t present = 0;
    memset(counts, 0, n_levels * sizeof *counts);
    for (size_t i = 0; i < f->d->n; i++)
        counts[f->group[i]]++;
    for (size_t l = 0; l < n_levels; l++)
        present += counts[l] > 0;
    return present;
}

static embolo_error add_test(model_context *ctx, const char *section, const char *model, const char *variable,
                             double chisq, double df, double p)
{
    embolo_error err = model_add(ctx, section, model, variable, "", KEY_STAT_CHISQ, chisq);
    if (err == EMBOLO_OK)
        err = model_add(ctx, section, model, variable, "", KEY_STAT_DF, df);
    if (err == EMBOLO_OK)
        err = model_add(ctx, section, model, variable, "", KEY_STAT_P, p);
    return err;
}

/* ---- log-rank stratified by centre (1) ---- */

static embolo_error report_stratified_logrank(model_context *ctx, size_t variable)
{
    endpoint_rows *with_centre = NULL;
    factor_rows f = {0};
    logrank_table table = {0};
    logrank_result test;
    int *strata = NULL;
    const study_variable *v = &ctx->s->variables[variable];
    embolo_error err = endpoint_rows_subset(ctx->rows, ctx->data, (size_t)ctx->s->centre, -1, &with_centre);
    if (err == EMBOLO_OK)
        err = factor_rows_make(ctx, with_centre, variable, 0, &f);
    if (err == EMBOLO_OK && !(strata = malloc((f.d->n ? f.d->n : 1) * sizeof *strata)))
        err = EMBOLO_ERROR_NOMEM;
    if (err != EMBOLO_OK)
        goto cleanup;
    design_values(f.d, (size_t)ctx->s->centre, f.time);  /* f.time as scratch, as in factor_rows_make */
    for (size_t i = 0; i < f.d->n; i++)
        strata[i] = (int)f.time[i];
    err = logrank_table_compute(f.d->time, f.d->status, f.group, strata, f.d->n, (int)v->n_levels, &table);
    if (err == EMBOLO_OK)
        err = logrank_table_test(&table, &test);
    if (err == EMBOLO_OK && test.df >= 1 && !isnan(test.chisq))
        err = add_test(ctx, KEY_LOGRANK, KEY_STRATIFIED, v->name, test.chisq, test.df, test.p);
    else if (err == EMBOLO_OK)
        err = results_warn_about(ctx->out, (result_subject){.endpoint = ctx->endpoint->name, .variable = v->name},
                                 "no log-rank test stratified by %s (%s)", ctx->s->variables[ctx->s->centre].name,
                                 test.df < 1 ? "fewer than two groups with expected events"
                                             : "singular variance: the groups are nested in the centres");
cleanup:
    logrank_table_free(&table);
    free(strata);
    factor_rows_free(&f);
    endpoint_rows_free(with_centre);
    return err;
}

/* ---- pairwise log-rank with Holm's adjustment (3) ---- */

/* The log-rank test of levels a and b alone: chisq and p, NAN unless its df is 1. */
static embolo_error pair_test(factor_rows *f, int a, int b, double *chisq, double *p)
{
    size_t m = 0;
    int *pair_group = malloc((f->d->n ? f->d->n : 1) * sizeof *pair_group);
    logrank_result test;
    embolo_error err = EMBOLO_ERROR_NOMEM;
    *chisq = *p = NAN;
    if (!pair_group)
        return err;
    for (size_t i = 0; i < f->d->n; i++) {
        if (f->group[i] != a && f->group[i] != b)
            continue;
        f->time[m] = f->d->time[i];
        f->status[m] = f->d->status[i];
        pair_group[m++] = f->group[i] == b;
    }
    err = logrank_test(f->time, f->status, pair_group, m, 2, &test);
    if (err == EMBOLO_OK && test.df == 1 && !isnan(test.chisq)) {
        *chisq = test.chisq;
        *p = test.p;
    }
    free(pair_group);
    return err;
}

static embolo_error report_pairwise(model_context *ctx, size_t variable, factor_rows *f, const size_t *counts)
{
    const study_variable *v = &ctx->s->variables[variable];
    size_t n_pairs = 0, k = 0, cap = v->n_levels * v->n_levels;
    double *chisq = malloc(cap * sizeof *chisq), *p = malloc(cap * sizeof *p), *holm = malloc(cap * sizeof *holm);
    embolo_error err = chisq && p && holm ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t a = 0; a < v->n_levels && err == EMBOLO_OK; a++)
        for (size_t b = a + 1; b < v->n_levels && err == EMBOLO_OK; b++)
            if (counts[a] > 0 && counts[b] > 0) {
                err = pair_test(f, (int)a, (int)b, &chisq[n_pairs], &p[n_pairs]);
                n_pairs++;
            }
    if (err == EMBOLO_OK)
        err = holm_adjust(p, n_pairs, holm);
    for (size_t a = 0; a < v->n_levels && err == EMBOLO_OK; a++)
        for (size_t b = a + 1; b < v->n_levels && err == EMBOLO_OK; b++) {
            char level[KEY_SIZE];
            if (counts[a] == 0 || counts[b] == 0)
                continue;
            snprintf(level, sizeof level, "%s vs %s", v->levels[a], v->levels[b]);
            err = model_add(ctx, KEY_LOGRANK_PAIRWISE, "", v->name, level, KEY_STAT_CHISQ, chisq[k]);
            if (err == EMBOLO_OK)
                err = model_add(ctx, KEY_LOGRANK_PAIRWISE, "", v->name, level, KEY_STAT_P, p[k]);
            if (err == EMBOLO_OK)
                err = model_add(ctx, KEY_LOGRANK_PAIRWISE, "", v->name, level, KEY_STAT_P_HOLM, holm[k]);
            k++;
        }
    free(chisq);
    free(p);
    free(holm);
    return err;
}

/* ---- log-rank test for trend (4) ---- */

static embolo_error report_trend(model_context *ctx, size_t variable, const factor_rows *f, size_t present)
{
    const study_variable *v = &ctx->s->variables[variable];
    logrank_table table = {0};
    double *score = malloc(v->n_levels * sizeof *score);
    embolo_error err = score ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t l = 0; score && l < v->n_levels; l++)
        score[l] = (double)(l + 1);
    if (err == EMBOLO_OK)
        err = logrank_table_compute(f->d->time, f->d->status, f->group, NULL, f->d->n, (int)v->n_levels, &table);
    if (err == EMBOLO_OK && present >= 2) {
        double chisq = logrank_trend_chisq(&table, score);
        if (!isnan(chisq))
            err = add_test(ctx, KEY_LOGRANK_TREND, "", v->name, chisq, 1.0, model_chisq_p(chisq, 1.0));
    }
    logrank_table_free(&table);
    free(score);
    return err;
}

/* ---- restricted mean survival time (2) ---- */

/* An RMST with the patients and events it is of (lines n and events: the share template hides the
 * RMST of a group with too few). */
typedef struct rmst_value {
    double rmst, se;
    size_t n, events;
} rmst_value;

static embolo_error rmst_of(const double *time, const int *status, size_t n, double tau, rmst_value *out)
{
    km_curve *curve = NULL;
    embolo_error err = km_fit(time, status, NULL, n, &curve);
    out->n = n;
    out->events = 0;
    for (size_t i = 0; i < n; i++)
        out->events += status[i] == 1;
    if (err == EMBOLO_OK)
        rmst_compute(curve, tau, &out->rmst, &out->se);
    km_curve_free(curve);
    return err;
}

static embolo_error add_rmst(model_context *ctx, const char *variable, const char *level, const rmst_value *r,
                             const rmst_value *reference)
{
    const char *stats[] = {KEY_STAT_RMST,    KEY_STAT_SE,         KEY_STAT_LOWER,      KEY_STAT_UPPER, KEY_STAT_DIFF,
                           KEY_STAT_DIFF_SE, KEY_STAT_DIFF_LOWER, KEY_STAT_DIFF_UPPER, KEY_STAT_DIFF_P};
    double values[9] = {r->rmst, r->se, r->rmst - Z_975 * r->se, r->rmst + Z_975 * r->se};
    size_t count = 4;
    if (reference) {
        double diff = r->rmst - reference->rmst, se = sqrt(r->se * r->se + reference->se * reference->se);
        values[4] = diff;
        values[5] = se;
        values[6] = diff - Z_975 * se;
        values[7] = diff + Z_975 * se;
        values[8] = se > 0 ? 2.0 * gsl_cdf_ugaussian_P(-fabs(diff / se)) : (diff != 0 ? 0.0 : NAN);
        count = 9;
    }
    embolo_error err = model_add(ctx, KEY_RMST, KEY_UNWEIGHTED, variable, level, KEY_STAT_N, (double)r->n);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_RMST, KEY_UNWEIGHTED, variable, level, KEY_STAT_EVENTS, (double)r->events);
    for (size_t k = 0; k < count && err == EMBOLO_OK; k++)
        err = model_add(ctx, KEY_RMST, KEY_UNWEIGHTED, variable, level, stats[k], values[k]);
    return err;
}

static embolo_error report_rmst(model_context *ctx, size_t variable, factor_rows *f, const size_t *counts)
{
    const study_variable *v = &ctx->s->variables[variable];
    rmst_value *values = calloc(v->n_levels, sizeof *values);
    embolo_error err = values ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t l = 0; l < v->n_levels && err == EMBOLO_OK; l++) {
        if (counts[l] == 0)
            continue;
        factor_rows_take(f, (int)l);
        err = rmst_of(f->time, f->status, f->m, ctx->s->rmst_tau, &values[l]);
    }
    for (size_t l = 0; l < v->n_levels && err == EMBOLO_OK; l++)
        if (counts[l] > 0) {
            int compared = l != v->reference && counts[v->reference] > 0;
            err = add_rmst(ctx, v->name, v->levels[l], &values[l], compared ? &values[v->reference] : NULL);
        }
    free(values);
    return err;
}

/* ---- cumulative incidence (5) ---- */

static embolo_error keep_cif_curve(model_context *ctx, const char *model, const char *variable, const char *level,
                                   const cif_curve *curve)
{
    const endpoint_rows *r = ctx->rows;
    double max_time = r->n ? r->time[r->n - 1] : 0.0;
    curve_steps steps = {.n_times = curve->n_times, .time = curve->time, .surv = curve->cif, .lower = curve->lower,
                         .upper = curve->upper, .n_risk = curve->n_risk, .n_event = curve->n_event, .incidence = 1};
    if (!ctx->out->cif_curves && !(ctx->out->cif_curves = curve_set_new()))
        return EMBOLO_ERROR_NOMEM;
    double step = ctx->out->curve_tick_step > 0 ? ctx->out->curve_tick_step : axis_tick_step(max_time, ctx->s->time_unit);
    return curve_set_add(ctx->out->cif_curves, ctx->endpoint->name, model, variable, level, curve->n, curve->events,
                         &steps, max_time, step);
}

static embolo_error report_cif(model_context *ctx, const char *model, const char *variable, const char *level,
                               const double *time, const int *cause, const double *weight, size_t n)
{
    cif_curve *curve = NULL;
    embolo_error err = cif_fit(time, cause, weight, n, &curve);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_CIF, model, variable, level, KEY_STAT_N, (double)curve->n);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_CIF, model, variable, level, KEY_STAT_EVENTS, (double)curve->events);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_CIF, model, variable, level, KEY_STAT_COMPETING, (double)curve->competing);
    for (size_t l = 0; l < ctx->s->n_landmarks && err == EMBOLO_OK; l++) {
        char stat[3][KEY_SIZE];
        double value[3];
        const char *at = ctx->s->landmark_texts[l];
        cif_at(curve, ctx->s->landmarks[l], &value[0], &value[1], &value[2]);
        if (isnan(value[0]))
            continue;
        key_stat_at(stat[0], KEY_STAT_CIF, at);
        key_stat_at(stat[1], KEY_STAT_CIF_LOWER, at);
        key_stat_at(stat[2], KEY_STAT_CIF_UPPER, at);
        for (size_t k = 0; k < 3 && err == EMBOLO_OK; k++)
            err = model_add(ctx, KEY_CIF, model, variable, level, stat[k], value[k]);
    }
    if (err == EMBOLO_OK)
        err = keep_cif_curve(ctx, model, variable, level, curve);
    cif_curve_free(curve);
    return err;
}

static embolo_error report_cif_levels(model_context *ctx, size_t variable, factor_rows *f, const size_t *counts,
                                      int weighted)
{
    const study_variable *v = &ctx->s->variables[variable];
    embolo_error err = EMBOLO_OK;
    for (size_t l = 0; l < v->n_levels && err == EMBOLO_OK; l++) {
        if (counts[l] == 0)
            continue;
        factor_rows_take(f, (int)l);
        err = report_cif(ctx, weighted ? KEY_WEIGHTED : KEY_UNWEIGHTED, v->name, v->levels[l], f->time, f->cause,
                         weighted ? f->weight : NULL, f->m);
    }
    return err;
}

static embolo_error report_gray(model_context *ctx, size_t variable, const factor_rows *f)
{
    const study_variable *v = &ctx->s->variables[variable];
    gray_result test;
    embolo_error err = gray_test(f->d->time, f->d->cause, f->group, f->d->n, (int)v->n_levels, &test);
    if (err == EMBOLO_OK && test.df >= 1 && !isnan(test.chisq))
        err = add_test(ctx, KEY_GRAY, "", v->name, test.chisq, test.df, test.p);
    return err;
}

/* ---- per subgroup variable ---- */

static embolo_error subgroup_analyses(model_context *ctx, size_t variable)
{
    const study *s = ctx->s;
    const study_variable *v = &s->variables[variable];
    int competing = study_endpoint_has_competing(ctx->endpoint);
    factor_rows f = {0};
    size_t *counts = malloc(v->n_levels * sizeof *counts), present;
    embolo_error err = counts ? factor_rows_make(ctx, ctx->rows, variable, 0, &f) : EMBOLO_ERROR_NOMEM;
    if (err != EMBOLO_OK)
        goto cleanup;
    present = levels_present(&f, v->n_levels, counts);
    if (s->centre >= 0 && (int)variable != s->centre)
        err = report_stratified_logrank(ctx, variable);
    if (err == EMBOLO_OK && present >= 3)
        err = report_pairwise(ctx, variable, &f, counts);
    if (err == EMBOLO_OK && v->ordered)
        err = report_trend(ctx, variable, &f, present);
    if (err == EMBOLO_OK && s->has_rmst_tau)
        err = report_rmst(ctx, variable, &f, counts);
    if (err == EMBOLO_OK && competing)
        err = report_cif_levels(ctx, variable, &f, counts, 0);
    if (err == EMBOLO_OK && competing && present >= 2)
        err = report_gray(ctx, variable, &f);
cleanup:
    factor_rows_free(&f);
    free(counts);
    return err;
}

static embolo_error weighted_cif(model_context *ctx)
{
    size_t treatment = (size_t)ctx->s->treatment;
    const study_variable *v = &ctx->s->variables[treatment];
    factor_rows f = {0};
    size_t *counts = malloc(v->n_levels * sizeof *counts);
    embolo_error err = counts ? factor_rows_make(ctx, ctx->rows, treatment, 1, &f) : EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK) {
        levels_present(&f, v->n_levels, counts);
        err = report_cif_levels(ctx, treatment, &f, counts, 1);
    }
    factor_rows_free(&f);
    free(counts);
    return err;
}

embolo_error model_survival2_run(model_context *ctx)
{
    const study *s = ctx->s;
    const endpoint_rows *r = ctx->rows;
    int competing = study_endpoint_has_competing(ctx->endpoint);
    embolo_error err = EMBOLO_OK;
    if (s->has_rmst_tau) {
        rmst_value all;
        err = rmst_of(r->time, r->status, r->n, s->rmst_tau, &all);
        if (err == EMBOLO_OK)
            err = add_rmst(ctx, KEY_ALL, "", &all, NULL);
    }
    if (err == EMBOLO_OK && competing)
        err = report_cif(ctx, KEY_UNWEIGHTED, KEY_ALL, "", r->time, r->cause, NULL, r->n);
    for (size_t g = 0; g < s->n_subgroups && err == EMBOLO_OK; g++)
        err = subgroup_analyses(ctx, s->subgroups[g]);
    if (err == EMBOLO_OK && competing && ctx->data->weight && s->treatment >= 0)
        err = weighted_cif(ctx);
    return err;
}
