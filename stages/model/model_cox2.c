/* Round-2 Cox analyses (statistics-2.md, 1 and 6): the multivariable model stratified by centre
 * and with centre clusters, the treatment effect within the levels of each forest variable
 * (unweighted and weighted) and the treatment x variable interaction test, and for an endpoint
 * with a competing event the Fine-Gray models (5; the estimator is finegray.c). */
#include "model_internal.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "finegray.h"

static embolo_error run_centre_models(model_context *ctx)
{
    const study *s = ctx->s;
    cox_request stratified = cox_request_default(KEY_MULTIVARIABLE_STRATIFIED, s->multivariable, s->n_multivariable);
    cox_request clustered = cox_request_default(KEY_MULTIVARIABLE_CLUSTER, s->multivariable, s->n_multivariable);
    stratified.strata = s->centre;
    stratified.estimated_only = 1;
    clustered.cluster = s->centre;
    clustered.estimated_only = 1;
    embolo_error err = model_cox_run(ctx, &stratified);
    if (err == EMBOLO_OK)
        err = model_cox_run(ctx, &clustered);
    return err;
}

/* The treatment's model within each level of a forest variable. */
static embolo_error run_forest_variable(model_context *ctx, size_t variable, int weighted)
{
    const study_variable *v = &ctx->s->variables[variable];
    size_t treatment = (size_t)ctx->s->treatment;
    embolo_error err = EMBOLO_OK;
    endpoint_rows *all = ctx->rows;
    for (size_t l = 0; l < v->n_levels && err == EMBOLO_OK; l++) {
        char model[KEY_SIZE];
        endpoint_rows *subset = NULL;
        err = endpoint_rows_subset(all, ctx->data, variable, (int)l, &subset);
        if (err == EMBOLO_OK && subset->n > 0) {
            cox_request request = cox_request_default(
                key_model_within(model, weighted ? KEY_WEIGHTED_SUBGROUP : KEY_SUBGROUP, v->name, v->levels[l]),
                &treatment, 1);
            request.weighted = weighted;
            request.forest = 1;
            ctx->rows = subset;
            err = model_cox_run(ctx, &request);
            ctx->rows = all;
        }
        endpoint_rows_free(subset);
    }
    return err;
}

static size_t estimated_count(const cox_result *fit)
{
    size_t count = 0;
    for (size_t j = 0; j < fit->p; j++)
        count += isfinite(fit->var[j * fit->p + j]) && (int)j != fit->singular_coef;
    return count;
}

/* x of d with the products of the first term's columns and the second's appended. */
static double *interaction_columns(const design *d, size_t *p_out)
{
    size_t first = 0, second = 0;
    for (size_t j = 0; j < d->p; j++) {
        first += d->columns[j].term == 0;
        second += d->columns[j].term == 1;
    }
    size_t p = d->p + first * second;
    double *x = malloc((d->n ? d->n : 1) * (p ? p : 1) * sizeof *x);
    if (!x)
        return NULL;
    for (size_t i = 0; i < d->n; i++) {
        const double *row = d->x + i * d->p;
        double *to = x + i * p;
        size_t k = d->p;
        memcpy(to, row, d->p * sizeof *row);
        for (size_t a = 0; a < d->p; a++)
            for (size_t b = 0; b < d->p; b++)
                if (d->columns[a].term == 0 && d->columns[b].term == 1)
                    to[k++] = row[a] * row[b];
    }
    *p_out = p;
    return x;
}

/* anova(coxph(Surv ~ treatment + VAR), coxph(Surv ~ treatment * VAR)) on the complete cases. */
static embolo_error run_interaction(model_context *ctx, size_t variable)
{
    size_t variables[2] = {(size_t)ctx->s->treatment, variable}, p1 = 0;
    design *d = NULL;
    cox_result *f0 = NULL, *f1 = NULL;
    double *x1 = NULL;
    const char *name = ctx->s->variables[variable].name;
    embolo_error err = design_new(ctx->data, ctx->rows, variables, 2, 0, &d);
    if (err != EMBOLO_OK || d->n == 0 || d->p == 0 || d->events == 0)
        goto cleanup;
    err = EMBOLO_ERROR_NOMEM;
    if (!(x1 = interaction_columns(d, &p1)))
        goto cleanup;
    err = cox_fit(d->time, d->status, NULL, d->x, d->n, d->p, NULL, &f0);
    if (err == EMBOLO_OK)
        err = cox_fit(d->time, d->status, NULL, x1, d->n, p1, NULL, &f1);
    if (err != EMBOLO_OK)
        goto cleanup;
    double df = (double)estimated_count(f1) - (double)estimated_count(f0);
    double chisq = 2.0 * (f1->loglik - f0->loglik);
    if (df < 1)
        goto cleanup;
    err = model_add(ctx, KEY_INTERACTION, "", name, "", KEY_STAT_LR_CHISQ, chisq);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_INTERACTION, "", name, "", KEY_STAT_LR_DF, df);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_INTERACTION, "", name, "", KEY_STAT_LR_P, model_chisq_p(chisq, df));
cleanup:
    free(x1);
    cox_result_free(f0);
    cox_result_free(f1);
    design_free(d);
    return err;
}

static embolo_error run_forest(model_context *ctx)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    for (size_t f = 0; f < s->n_forest && err == EMBOLO_OK; f++) {
        err = run_forest_variable(ctx, s->forest[f], 0);
        if (err == EMBOLO_OK && ctx->data->weight)
            err = run_forest_variable(ctx, s->forest[f], 1);
        if (err == EMBOLO_OK)
            err = run_interaction(ctx, s->forest[f]);
    }
    return err;
}

/* crr has no maximum when a factor level present in the complete cases has no event. */
static embolo_error finegray_levels_have_events(const design *d, int *have)
{
    size_t *rows = malloc((d->p ? 2 * d->p : 1) * sizeof *rows), *events = rows + d->p;
    if (!rows)
        return EMBOLO_ERROR_NOMEM;
    design_level_counts(d, rows, events);
    *have = 1;
    for (size_t j = 0; j < d->p; j++)
        if (d->columns[j].level >= 0 && events[j] == 0)
            *have = 0;
    free(rows);
    return EMBOLO_OK;
}

static embolo_error finegray_coefficients(model_context *ctx, const char *model, const design *d,
                                          const finegray_result *fit)
{
    embolo_error err = EMBOLO_OK;
    for (size_t j = 0; j < d->p && err == EMBOLO_OK; j++) {
        const design_column *c = &d->columns[j];
        const study_variable *v = &ctx->s->variables[c->variable];
        double coef = fit ? fit->coef[j] : NAN, se = fit ? sqrt(fit->var[j * d->p + j]) : NAN, z = coef / se;
        const char *stats[] = {KEY_STAT_COEF,     KEY_STAT_SE, KEY_STAT_HR, KEY_STAT_HR_LOWER,
                               KEY_STAT_HR_UPPER, KEY_STAT_Z,  KEY_STAT_P};
        double values[] = {coef, se, exp(coef), exp(coef - Z_975 * se), exp(coef + Z_975 * se), z,
                           2.0 * gsl_cdf_ugaussian_P(-fabs(z))};
        for (size_t k = 0; k < sizeof stats / sizeof stats[0] && err == EMBOLO_OK; k++)
            err = model_add(ctx, KEY_COX, model, v->name, c->level < 0 ? "" : v->levels[c->level], stats[k],
                            values[k]);
    }
    return err;
}

/* b' V^-1 b of a factor's coefficients first..first+count-1 on crr's var. */
static double finegray_wald(const finegray_result *fit, size_t first, size_t count)
{
    double chisq = NAN;
    gsl_matrix *v = gsl_matrix_alloc(count, count);
    gsl_vector *b = gsl_vector_alloc(count), *x = gsl_vector_alloc(count);
    if (v && b && x) {
        for (size_t i = 0; i < count; i++) {
            gsl_vector_set(b, i, fit->coef[first + i]);
            for (size_t j = 0; j < count; j++)
                gsl_matrix_set(v, i, j, fit->var[(first + i) * fit->p + first + j]);
        }
        if (gsl_linalg_cholesky_decomp1(v) == GSL_SUCCESS && gsl_linalg_cholesky_solve(v, b, x) == GSL_SUCCESS)
            gsl_blas_ddot(b, x, &chisq);
    }
    gsl_matrix_free(v);
    gsl_vector_free(b);
    gsl_vector_free(x);
    return chisq;
}

static embolo_error finegray_factor_tests(model_context *ctx, const char *model, const design *d,
                                          const finegray_result *fit)
{
    embolo_error err = EMBOLO_OK;
    for (size_t first = 0, count; first < d->p && err == EMBOLO_OK; first += count) {
        for (count = 1; first + count < d->p && d->columns[first + count].term == d->columns[first].term;)
            count++;
        if (count < 2 || d->columns[first].level < 0)
            continue;
        const char *name = ctx->s->variables[d->columns[first].variable].name;
        double chisq = fit ? finegray_wald(fit, first, count) : NAN;
        err = model_add(ctx, KEY_COX, model, name, "", KEY_STAT_WALD_GLOBAL_CHISQ, chisq);
        if (err == EMBOLO_OK)
            err = model_add(ctx, KEY_COX, model, name, "", KEY_STAT_WALD_GLOBAL_DF, (double)count);
        if (err == EMBOLO_OK)
            err = model_add(ctx, KEY_COX, model, name, "", KEY_STAT_WALD_GLOBAL_P, model_chisq_p(chisq, (double)count));
    }
    return err;
}

/* crr(time, status, model.matrix(~ variables)[, -1]) on the complete cases. */
static embolo_error run_finegray(model_context *ctx, const char *model, const size_t *variables, size_t n_variables)
{
    design *d = NULL;
    finegray_result *fit = NULL;
    size_t competing = 0;
    embolo_error err = design_new(ctx->data, ctx->rows, variables, n_variables, 0, &d);
    if (err != EMBOLO_OK)
        return err;
    for (size_t i = 0; i < d->n; i++)
        competing += d->cause[i] == 2;
    int levels_have_events = 0;
    if (d->n > 0 && d->p > 0 && d->events > 0)
        err = finegray_levels_have_events(d, &levels_have_events);
    if (err == EMBOLO_OK && levels_have_events)
        err = finegray_fit(d->time, d->cause, d->x, d->n, d->p, &fit);
    if (err == EMBOLO_OK && (!fit || !fit->converged))
        err = results_warn_about(ctx->out, (result_subject){.endpoint = ctx->endpoint->name, .model = model},
                                 "no Fine-Gray estimate (%s)", d->events == 0 ? "no event" : "no maximum: a factor "
                                 "level without an event, or a singular information");
    if (fit && !fit->converged) {
        finegray_result_free(fit);
        fit = NULL;
    }
    if (err == EMBOLO_OK)
        err = finegray_coefficients(ctx, model, d, fit);
    if (err == EMBOLO_OK)
        err = model_report_level_counts(ctx, model, d);
    if (err == EMBOLO_OK)
        err = finegray_factor_tests(ctx, model, d, fit);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_COX, model, "", "", KEY_STAT_N, (double)d->n);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_COX, model, "", "", KEY_STAT_EVENTS, (double)d->events);
    if (err == EMBOLO_OK)
        err = model_add(ctx, KEY_COX, model, "", "", KEY_STAT_COMPETING, (double)competing);
    finegray_result_free(fit);
    design_free(d);
    return err;
}

static embolo_error finegray_report(model_context *ctx)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    for (size_t u = 0; u < s->n_univariate && err == EMBOLO_OK; u++) {
        char model[KEY_SIZE];
        key_model_of(model, KEY_FINEGRAY_UNIVARIATE, s->variables[s->univariate[u]].name);
        err = run_finegray(ctx, model, &s->univariate[u], 1);
    }
    if (err == EMBOLO_OK && s->n_multivariable > 0)
        err = run_finegray(ctx, KEY_FINEGRAY_MULTIVARIABLE, s->multivariable, s->n_multivariable);
    return err;
}

embolo_error model_cox2_run(model_context *ctx)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    if (s->centre >= 0 && s->n_multivariable > 0)
        err = run_centre_models(ctx);
    if (err == EMBOLO_OK && s->treatment >= 0 && s->n_forest > 0)
        err = run_forest(ctx);
    if (err == EMBOLO_OK && study_endpoint_has_competing(ctx->endpoint))
        err = finegray_report(ctx);
    return err;
}
