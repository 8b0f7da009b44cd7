#include "model.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "concordance.h"
#include "evalue.h"
#include "km.h"
#include "logrank.h"
#include "model_internal.h"
#include "zph.h"

#define MIN_EVENTS_PER_VARIABLE 10.0

embolo_error model_add(model_context *ctx, const char *section, const char *model, const char *variable,
                       const char *level, const char *stat, double value)
{
    return results_add(ctx->out, section, ctx->endpoint->name, model, variable, level, stat, value);
}

#define add model_add

/* ---- Kaplan-Meier ---- */

static embolo_error report_km(model_context *ctx, const char *model, const char *variable, const char *level,
                              const km_curve *curve)
{
    embolo_error err;
    double median, lower, upper;
    km_median(curve, &median, &lower, &upper);
    err = add(ctx, KEY_KM, model, variable, level, KEY_STAT_N, (double)curve->n);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_KM, model, variable, level, KEY_STAT_EVENTS, (double)curve->events);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_KM, model, variable, level, KEY_STAT_MEDIAN, median);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_KM, model, variable, level, KEY_STAT_MEDIAN_LOWER, lower);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_KM, model, variable, level, KEY_STAT_MEDIAN_UPPER, upper);
    for (size_t l = 0; l < ctx->s->n_landmarks && err == EMBOLO_OK; l++) {
        char stat[3][KEY_SIZE];
        double surv, surv_lower, surv_upper;
        km_surv_at(curve, ctx->s->landmarks[l], &surv, &surv_lower, &surv_upper);
        key_stat_at(stat[0], KEY_STAT_SURV, ctx->s->landmark_texts[l]);
        key_stat_at(stat[1], KEY_STAT_SURV_LOWER, ctx->s->landmark_texts[l]);
        key_stat_at(stat[2], KEY_STAT_SURV_UPPER, ctx->s->landmark_texts[l]);
        err = add(ctx, KEY_KM, model, variable, level, stat[0], surv);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_KM, model, variable, level, stat[1], surv_lower);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_KM, model, variable, level, stat[2], surv_upper);
    }
    return err;
}

/* Keeps the curve for the figures and the workbook's KM curves sheet. */
static embolo_error keep_curve(model_context *ctx, const char *model, const char *variable, const char *level,
                               const km_curve *curve)
{
    const endpoint_rows *r = ctx->rows;
    double max_time = r->n ? r->time[r->n - 1] : 0.0;
    curve_steps steps = {.n_times = curve->n_times, .time = curve->time, .surv = curve->surv,
                         .lower = curve->lower, .upper = curve->upper, .n_risk = curve->n_risk_unweighted,
                         .n_event = curve->n_event_unweighted};
    if (!ctx->out->curves && !(ctx->out->curves = curve_set_new()))
        return EMBOLO_ERROR_NOMEM;
    double step = ctx->out->curve_tick_step > 0 ? ctx->out->curve_tick_step : axis_tick_step(max_time, ctx->s->time_unit);
    return curve_set_add(ctx->out->curves, ctx->endpoint->name, model, variable, level, curve->n, curve->events,
                         &steps, max_time, step);
}

static embolo_error fit_and_report_km(model_context *ctx, const char *model, const char *variable, const char *level,
                                      const double *time, const int *status, const double *weight, size_t n)
{
    km_curve *curve = NULL;
    embolo_error err = km_fit(time, status, weight, n, &curve);
    if (err == EMBOLO_OK)
        err = report_km(ctx, model, variable, level, curve);
    if (err == EMBOLO_OK)
        err = keep_curve(ctx, model, variable, level, curve);
    km_curve_free(curve);
    return err;
}

/* Median follow-up by the reverse Kaplan-Meier: censoring is the event (a competing event ends
 * follow-up as the event does). */
static embolo_error report_followup(model_context *ctx)
{
    endpoint_rows *r = ctx->rows;
    embolo_error err = EMBOLO_ERROR_NOMEM;
    km_curve *curve = NULL;
    double median, lower, upper;
    int *flipped = malloc((r->n ? r->n : 1) * sizeof *flipped);
    if (!flipped)
        return err;
    for (size_t i = 0; i < r->n; i++)
        flipped[i] = r->cause[i] == 0;
    err = km_fit(r->time, flipped, NULL, r->n, &curve);
    if (err == EMBOLO_OK) {
        km_median(curve, &median, &lower, &upper);
        err = add(ctx, KEY_FOLLOWUP, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN, median);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_FOLLOWUP, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN_LOWER, lower);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_FOLLOWUP, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN_UPPER, upper);
    }
    km_curve_free(curve);
    free(flipped);
    return err;
}

/* KM per level of a factor and the log-rank test across them, over the design's rows. */
static embolo_error report_subgroup(model_context *ctx, size_t variable, int weighted)
{
    const study_variable *var = &ctx->s->variables[variable];
    const char *model = weighted ? KEY_WEIGHTED : KEY_UNWEIGHTED;
    design *d = NULL;
    embolo_error err = design_new(ctx->data, ctx->rows, &variable, 1, weighted, &d);
    int *group = NULL;
    double *time = NULL, *weight = NULL;
    int *status = NULL;
    if (err != EMBOLO_OK)
        return err;
    err = EMBOLO_ERROR_NOMEM;
    size_t cap = d->n ? d->n : 1;
    group = malloc(cap * sizeof *group);
    time = malloc(cap * sizeof *time);
    status = malloc(cap * sizeof *status);
    weight = malloc(cap * sizeof *weight);
    if (!group || !time || !status || !weight)
        goto cleanup;
    err = EMBOLO_OK;
    design_values(d, variable, time);  /* time as scratch: filled per level below */
    for (size_t i = 0; i < d->n; i++)
        group[i] = (int)time[i];
    for (size_t l = 0; l < var->n_levels && err == EMBOLO_OK; l++) {
        size_t m = 0;
        for (size_t i = 0; i < d->n; i++) {
            if (group[i] != (int)l)
                continue;
            time[m] = d->time[i];
            status[m] = d->status[i];
            weight[m] = weighted ? d->weight[i] : 1.0;
            m++;
        }
        if (m > 0)
            err = fit_and_report_km(ctx, model, var->name, var->levels[l], time, status, weighted ? weight : NULL, m);
    }
    if (err == EMBOLO_OK && !weighted) {
        logrank_result test;
        err = logrank_test(d->time, d->status, group, d->n, (int)var->n_levels, &test);
        if (err == EMBOLO_OK && isnan(test.chisq))
            err = results_warn_about(ctx->out, (result_subject){.endpoint = ctx->endpoint->name, .variable = var->name},
                                     "no log-rank test (fewer than two groups with rows, or no variance: e.g. every "
                                     "event at one time)");
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_LOGRANK, "", var->name, "", KEY_STAT_CHISQ, test.chisq);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_LOGRANK, "", var->name, "", KEY_STAT_DF, test.df);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_LOGRANK, "", var->name, "", KEY_STAT_P, test.p);
    }
cleanup:
    free(group);
    free(time);
    free(status);
    free(weight);
    design_free(d);
    return err;
}

/* ---- Cox ---- */

double model_chisq_p(double chisq, double df)
{
    if (isnan(chisq) || df <= 0)
        return NAN;
    return gsl_cdf_chisq_Q(chisq, df);
}

#define chisq_p model_chisq_p

static const char *column_level(const model_context *ctx, const design_column *c)
{
    return c->level < 0 ? "" : ctx->s->variables[c->variable].levels[c->level];
}

/* evalue and evalue_ci of one coefficient (statistics-2.md, 7), from the unrounded limits. */
static embolo_error report_evalues(model_context *ctx, const char *model, const char *name, const char *level,
                                   double hr, double lower, double upper)
{
    embolo_error err = add(ctx, KEY_COX, model, name, level, KEY_STAT_EVALUE, evalue_hr(hr));
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_COX, model, name, level, KEY_STAT_EVALUE_CI, evalue_hr_ci(hr, lower, upper));
    return err;
}

static embolo_error report_coefficient(model_context *ctx, const cox_request *request, const design *d,
                                       const cox_result *fit, size_t j)
{
    const char *model = request->model;
    const design_column *c = &d->columns[j];
    const char *name = ctx->s->variables[c->variable].name, *level = column_level(ctx, c);
    int singular = !isfinite(fit->var[j * fit->p + j]) || cox_coef_singular(fit, j);
    double naive_se = singular ? NAN : sqrt(fit->var[j * fit->p + j]);
    double se = fit->robust_var ? (singular ? NAN : sqrt(fit->robust_var[j * fit->p + j])) : naive_se;
    double coef = singular ? NAN : fit->coef[j];
    double z = coef / se;
    const char *stats[] = {KEY_STAT_COEF,     KEY_STAT_SE,       KEY_STAT_NAIVE_SE, KEY_STAT_HR,
                           KEY_STAT_HR_LOWER, KEY_STAT_HR_UPPER, KEY_STAT_Z,        KEY_STAT_P};
    double values[] = {coef, se, naive_se, exp(coef), exp(coef - Z_975 * se), exp(coef + Z_975 * se), z,
                       2.0 * gsl_cdf_ugaussian_P(-fabs(z))};
    embolo_error err = EMBOLO_OK;
    for (size_t k = 0; k < sizeof stats / sizeof stats[0] && err == EMBOLO_OK; k++) {
        if (k == 2 && !fit->robust_var)
            continue;
        err = add(ctx, KEY_COX, model, name, level, stats[k], values[k]);
    }
    if (err == EMBOLO_OK && request->with_evalues)
        err = report_evalues(ctx, model, name, level, values[3], values[4], values[5]);
    return err;
}

embolo_error model_report_level_counts(model_context *ctx, const char *model, const design *d)
{
    embolo_error err = EMBOLO_OK;
    size_t *rows = malloc((d->p ? 2 * d->p : 1) * sizeof *rows), *events = rows + d->p;
    if (!rows)
        return EMBOLO_ERROR_NOMEM;
    design_level_counts(d, rows, events);
    for (size_t j = 0; j < d->p && err == EMBOLO_OK; j++) {
        const design_column *c = &d->columns[j];
        if (c->level < 0)
            continue;
        err = add(ctx, KEY_COX, model, ctx->s->variables[c->variable].name, column_level(ctx, c), KEY_STAT_N,
                  (double)rows[j]);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_COX, model, ctx->s->variables[c->variable].name, column_level(ctx, c), KEY_STAT_EVENTS,
                      (double)events[j]);
    }
    free(rows);
    return err;
}

static size_t estimable_count(const cox_result *fit)
{
    size_t count = 0;
    for (size_t j = 0; j < fit->p; j++)
        count += isfinite(fit->var[j * fit->p + j]) && !cox_coef_singular(fit, j);
    return count;
}

static embolo_error report_model_stats(model_context *ctx, const char *model, const design *d, const cox_result *fit,
                                       const int *strata)
{
    embolo_error err = add(ctx, KEY_COX, model, "", "", KEY_STAT_N, (double)d->n);
    double df = (double)estimable_count(fit);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_COX, model, "", "", KEY_STAT_EVENTS, (double)d->events);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_COX, model, "", "", KEY_STAT_LOGLIK_NULL, fit->loglik_null);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_COX, model, "", "", KEY_STAT_LOGLIK, fit->loglik);
    if (fit->robust_var) {
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_COX, model, "", "", KEY_STAT_ROBUST_SCORE_CHISQ, fit->robust_score_chisq);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_COX, model, "", "", KEY_STAT_WALD_CHISQ, fit->wald_chisq);
        return err;
    }
    double lr = 2.0 * (fit->loglik - fit->loglik_null), concordance = NAN, concordance_se = NAN;
    double *lp = malloc((d->n ? d->n : 1) * sizeof *lp);
    size_t *estimated = malloc((d->p ? d->p : 1) * sizeof *estimated), m = 0;
    if (!lp || !estimated) {
        free(lp);
        free(estimated);
        return EMBOLO_ERROR_NOMEM;
    }
    /* The coefficients that enter, found once; each row's sum over them in column order. */
    for (size_t j = 0; j < d->p; j++)
        if (isfinite(fit->coef[j]) && !cox_coef_singular(fit, j))
            estimated[m++] = j;
    for (size_t i = 0; i < d->n; i++) {
        const double *x = d->x + i * d->p;
        double sum = 0;
        for (size_t u = 0; u < m; u++)
            sum += fit->coef[estimated[u]] * x[estimated[u]];
        lp[i] = sum;
    }
    free(estimated);
    if (err == EMBOLO_OK && d->n > 0)
        err = concordance_compute_stratified(d->time, d->status, NULL, lp, strata, d->n, &concordance,
                                             &concordance_se);
    free(lp);
    const char *stats[] = {KEY_STAT_LR_CHISQ,    KEY_STAT_LR_DF,          KEY_STAT_LR_P,      KEY_STAT_SCORE_CHISQ,
                           KEY_STAT_CONCORDANCE, KEY_STAT_CONCORDANCE_SE, KEY_STAT_WALD_CHISQ};
    double values[] = {lr, df, chisq_p(lr, df), fit->score_chisq, concordance, concordance_se, fit->wald_chisq};
    for (size_t k = 0; k < sizeof stats / sizeof stats[0] && err == EMBOLO_OK; k++)
        err = add(ctx, KEY_COX, model, "", "", stats[k], values[k]);
    return err;
}

/* The Wald chi-square of a factor's estimated coefficients only (aliased ones, NA, left out), in
 * *count; NAN when fewer than 2 remain (no line then). */
static double wald_estimated_block(const cox_result *fit, size_t first, size_t *count)
{
    size_t kept = 0, *index = malloc(*count * sizeof *index);
    double chisq = NAN;
    if (!index)
        return NAN;
    for (size_t j = first; j < first + *count; j++)
        if (isfinite(fit->var[j * fit->p + j]) && (int)j != fit->singular_coef)
            index[kept++] = j;
    if (kept >= 2)
        chisq = cox_wald_subset(fit, index, kept);
    *count = kept;
    free(index);
    return chisq;
}

/* Joint Wald tests of factors with more than one coefficient. */
static embolo_error report_factor_tests(model_context *ctx, const cox_request *request, const design *d,
                                        const cox_result *fit)
{
    embolo_error err = EMBOLO_OK;
    const char *model = request->model;
    for (size_t first = 0; first < d->p && err == EMBOLO_OK;) {
        size_t count = 1;
        while (first + count < d->p && d->columns[first + count].term == d->columns[first].term)
            count++;
        size_t tested = count;
        if (count > 1 && d->columns[first].level >= 0) {
            const char *name = ctx->s->variables[d->columns[first].variable].name;
            double chisq = request->estimated_only ? wald_estimated_block(fit, first, &tested)
                                                   : cox_wald_block(fit, first, count);
            if (tested < 2) {
                first += count;
                continue;
            }
            err = add(ctx, KEY_COX, model, name, "", KEY_STAT_WALD_GLOBAL_CHISQ, chisq);
            if (err == EMBOLO_OK)
                err = add(ctx, KEY_COX, model, name, "", KEY_STAT_WALD_GLOBAL_DF, (double)tested);
            if (err == EMBOLO_OK)
                err = add(ctx, KEY_COX, model, name, "", KEY_STAT_WALD_GLOBAL_P, chisq_p(chisq, (double)tested));
        }
        first += count;
    }
    return err;
}

/* A coefficient's warning subject: the endpoint, the model, the variable and (of a factor) the level. */
static result_subject coefficient_subject(const model_context *ctx, const char *model, const design_column *c)
{
    return (result_subject){ctx->endpoint->name, model, ctx->s->variables[c->variable].name, column_level(ctx, c)};
}

/* One warning for each coefficient whose flag is set, naming it as its subject. */
static embolo_error warn_flagged(model_context *ctx, const char *model, const design *d, const unsigned char *flags,
                                 const char *message)
{
    embolo_error err = EMBOLO_OK;
    for (size_t j = 0; j < d->p && err == EMBOLO_OK; j++)
        if (flags[j])
            err = results_warn_about(ctx->out, coefficient_subject(ctx, model, &d->columns[j]), "%s", message);
    return err;
}

static embolo_error warn_about_fit(model_context *ctx, const char *model, const design *d, const cox_result *fit)
{
    embolo_error err = EMBOLO_OK;
    result_subject about = {.endpoint = ctx->endpoint->name, .model = model};
    if (fit->warnings & COX_WARN_MONOTONE)
        err = warn_flagged(ctx, model, d, fit->infinite, "the coefficient may be infinite (monotone likelihood)");
    if (err == EMBOLO_OK && fit->warnings & COX_WARN_SINGULAR)
        err = warn_flagged(ctx, model, d, fit->singular,
                           "collinear with other covariates (singular information); its coefficient is not estimated");
    if (err == EMBOLO_OK && fit->warnings & COX_WARN_NOT_CONVERGED)
        err = results_warn_about(ctx->out, about, "the Cox model did not converge in %d iterations", fit->iterations);
    if (err == EMBOLO_OK && d->p > 1 && (double)d->events / (double)d->p < MIN_EVENTS_PER_VARIABLE)
        err = results_warn_about(ctx->out, about, "%.1f events per coefficient (below %g)",
                                 (double)d->events / (double)d->p, MIN_EVENTS_PER_VARIABLE);
    if (err == EMBOLO_OK && d->dropped > 0 && !d->weight)
        err = results_warn_about(ctx->out, about, "%zu %s left out for missing covariates", d->dropped,
                                 d->dropped == 1 ? "row" : "rows");
    return err;
}

static embolo_error report_zph(model_context *ctx, const design *d, const cox_result *fit, cox_ties ties)
{
    embolo_error err = EMBOLO_ERROR_NOMEM;
    zph_result *zph = NULL;
    size_t *term_of_coef = malloc((d->p ? d->p : 1) * sizeof *term_of_coef);
    if (!term_of_coef)
        return err;
    for (size_t j = 0; j < d->p; j++)
        term_of_coef[j] = d->columns[j].term;
    err = zph_test(d->time, d->status, NULL, d->x, d->n, d->p, fit, ties, term_of_coef, d->n_terms, &zph);
    free(term_of_coef);
    if (err == EMBOLO_ERROR_DATA)
        return results_warn_about(ctx->out,
                                  (result_subject){.endpoint = ctx->endpoint->name, .model = KEY_MULTIVARIABLE},
                                  "no proportional-hazards test (no events or coefficients)");
    for (size_t t = 0; t <= d->n_terms && err == EMBOLO_OK; t++) {
        const char *name = KEY_GLOBAL;
        if (t < d->n_terms) {
            size_t j = 0;
            while (j < d->p && d->columns[j].term != t)
                j++;
            if (j == d->p)
                continue;
            name = ctx->s->variables[d->columns[j].variable].name;
        }
        err = add(ctx, KEY_ZPH, KEY_MULTIVARIABLE, name, "", KEY_STAT_CHISQ, zph->chisq[t]);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_ZPH, KEY_MULTIVARIABLE, name, "", KEY_STAT_DF, zph->df[t]);
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_ZPH, KEY_MULTIVARIABLE, name, "", KEY_STAT_P, zph->p[t]);
    }
    zph_result_free(zph);
    return err;
}

/* The reference level of each factor in the model, as a results line (stat reference_level, the level
 * in the level column, its position in `levels` from 1 as the value), and a warning when no row of the
 * model has the declared reference: its coefficients are then against the first level with rows. */
static embolo_error report_references(model_context *ctx, const char *model, const design *d,
                                      const size_t *variables, size_t n_variables)
{
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < n_variables && err == EMBOLO_OK; v++) {
        const study_variable *var = &ctx->s->variables[variables[v]];
        int used = 0;
        for (size_t j = 0; j < d->p; j++)
            used |= d->columns[j].term == v;
        if (d->reference[v] < 0 || !used)
            continue;
        const char *level = var->levels[d->reference[v]];
        err = add(ctx, KEY_COX, model, var->name, level, KEY_STAT_REFERENCE_LEVEL, (double)d->reference[v] + 1.0);
        if (err == EMBOLO_OK && (size_t)d->reference[v] != var->reference)
            err = results_warn_about(ctx->out, (result_subject){ctx->endpoint->name, model, var->name, NULL},
                                     "no row of the model has the reference level %s; its hazard ratios are against "
                                     "%s, the first level with rows", var->levels[var->reference], level);
    }
    return err;
}

/* Codes of a factor per design row (strata, clusters), and their number of distinct values. */
static embolo_error group_codes(const model_context *ctx, const design *d, int variable, int **out, size_t *n_distinct)
{
    const study_variable *v = &ctx->s->variables[variable];
    int *codes = malloc((d->n ? d->n : 1) * sizeof *codes);
    size_t *seen = calloc(v->n_levels ? v->n_levels : 1, sizeof *seen);
    double *value = malloc((d->n ? d->n : 1) * sizeof *value);
    *out = NULL;
    *n_distinct = 0;
    if (!codes || !seen || !value) {
        free(codes);
        free(seen);
        free(value);
        return EMBOLO_ERROR_NOMEM;
    }
    design_values(d, (size_t)variable, value);
    for (size_t i = 0; i < d->n; i++) {
        codes[i] = (int)value[i];
        *n_distinct += seen[codes[i]]++ == 0;
    }
    free(seen);
    free(value);
    *out = codes;
    return EMBOLO_OK;
}

/* The forest's no-model rules (statistics-2.md, 6): no event, the treatment's reference level
 * absent, fewer than 2 treatment levels, or a treatment level without an event. */
static embolo_error forest_model_possible(const model_context *ctx, const design *d, int *possible)
{
    const study_variable *t = &ctx->s->variables[ctx->s->treatment];
    size_t present = 0;
    double *treatment = malloc((d->n ? d->n : 1) * sizeof *treatment);
    if (!treatment)
        return EMBOLO_ERROR_NOMEM;
    design_values(d, (size_t)ctx->s->treatment, treatment);
    *possible = d->events > 0;
    for (size_t l = 0; l < t->n_levels && *possible; l++) {
        size_t rows = 0, events = 0;
        for (size_t i = 0; i < d->n; i++)
            if (treatment[i] == (double)l) {
                rows++;
                events += d->status[i] == 1;
            }
        present += rows > 0;
        if ((l == t->reference && rows == 0) || (rows > 0 && events == 0))
            *possible = 0;
    }
    *possible = *possible && present >= 2;
    free(treatment);
    return EMBOLO_OK;
}

static embolo_error report_counts_only(model_context *ctx, const char *model, const design *d)
{
    embolo_error err = add(ctx, KEY_COX, model, "", "", KEY_STAT_N, (double)d->n);
    if (err == EMBOLO_OK)
        err = add(ctx, KEY_COX, model, "", "", KEY_STAT_EVENTS, (double)d->events);
    return err;
}

static embolo_error run_cox_design(model_context *ctx, const cox_request *request, design *d);

embolo_error model_cox_run(model_context *ctx, const cox_request *request)
{
    design *d = NULL;
    endpoint_rows *all = ctx->rows, *subset = NULL;
    embolo_error err = EMBOLO_OK;
    int group = request->strata >= 0 ? request->strata : request->cluster;
    if (group >= 0) {
        err = endpoint_rows_subset(all, ctx->data, (size_t)group, -1, &subset);
        ctx->rows = subset;
    }
    if (err == EMBOLO_OK && group < 0 && request->weighted && request->multivariable && ctx->multivariable)
        err = design_share_view(ctx->multivariable, ctx->data, ctx->rows, &d);
    if (err == EMBOLO_OK && !d)
        err = design_new(ctx->data, ctx->rows, request->variables, request->n_variables, request->weighted, &d);
    ctx->rows = all;
    if (err == EMBOLO_OK)
        err = run_cox_design(ctx, request, d);
    if (d && d->view)
        design_share_give(ctx->multivariable, d);
    else
        design_free(d);
    endpoint_rows_free(subset);
    return err;
}

static embolo_error run_cox(model_context *ctx, const char *model, const size_t *variables, size_t n_variables,
                            int weighted, cox_ties ties, int with_zph)
{
    cox_request request = cox_request_default(model, variables, n_variables);
    request.weighted = weighted;
    request.ties = ties;
    request.with_zph = with_zph;
    request.with_evalues = with_zph || strcmp(model, KEY_WEIGHTED_MULTIVARIABLE) == 0;
    request.multivariable = strcmp(model, KEY_WEIGHTED_MULTIVARIABLE) == 0;
    return model_cox_run(ctx, &request);
}

/* The multivariable model with Efron's ties (and cox.zph), then with Breslow's, on one design. */
static embolo_error run_multivariable(model_context *ctx)
{
    const study *s = ctx->s;
    design *d = NULL;
    cox_request efron = cox_request_default(KEY_MULTIVARIABLE, s->multivariable, s->n_multivariable);
    cox_request breslow = efron;
    efron.with_zph = 1;
    efron.with_evalues = 1;
    breslow.model = KEY_MULTIVARIABLE_BRESLOW;
    breslow.ties = COX_TIES_BRESLOW;
    embolo_error err = ctx->multivariable
                           ? design_share_take(ctx->multivariable, ctx->data, ctx->rows, s->multivariable,
                                               s->n_multivariable, &d)
                           : design_new(ctx->data, ctx->rows, s->multivariable, s->n_multivariable, 0, &d);
    if (err == EMBOLO_OK)
        err = run_cox_design(ctx, &efron, d);
    if (err == EMBOLO_OK)
        err = run_cox_design(ctx, &breslow, d);
    if (ctx->multivariable)
        design_share_give(ctx->multivariable, d);
    else
        design_free(d);
    return err;
}

cox_request cox_request_default(const char *model, const size_t *variables, size_t n_variables)
{
    cox_request request = {.model = model, .variables = variables, .n_variables = n_variables,
                           .ties = COX_TIES_EFRON, .strata = -1, .cluster = -1};
    return request;
}

static embolo_error run_cox_design(model_context *ctx, const cox_request *request, design *d)
{
    const char *model = request->model;
    const size_t *variables = request->variables;
    size_t n_variables = request->n_variables;
    int weighted = request->weighted;
    cox_result *fit = NULL;
    cox_options options = cox_options_default();
    result_subject about = {.endpoint = ctx->endpoint->name, .model = model};
    int *strata = NULL, *cluster = NULL;
    size_t n_strata = 0, n_clusters = 0;
    embolo_error err = EMBOLO_OK;
    if (request->forest) {
        int possible;
        err = forest_model_possible(ctx, d, &possible);
        if (err != EMBOLO_OK || !possible)
            return err != EMBOLO_OK ? err : report_counts_only(ctx, model, d);
    }
    if (d->n == 0 || d->p == 0) {
        err = request->forest ? report_counts_only(ctx, model, d)
                              : results_warn_about(ctx->out, about, "no Cox model (%s)",
                                                   d->n == 0 ? "no complete row" : "no covariate with two or more values");
        goto cleanup;
    }
    for (size_t v = 0; v < n_variables && err == EMBOLO_OK; v++) {
        int used = 0;
        for (size_t j = 0; j < d->p; j++)
            used |= d->columns[j].variable == variables[v];
        if (!used)
            err = request->forest ? EMBOLO_OK
                                  : results_warn_about(ctx->out,
                                                       (result_subject){ctx->endpoint->name, model,
                                                                        ctx->s->variables[variables[v]].name, NULL},
                                                       "left out of the model (one value only among its %zu rows)",
                                                       d->n);
    }
    if (err != EMBOLO_OK)
        goto cleanup;
    if (d->events == 0) {
        err = results_warn_about(ctx->out, about, "no Cox model (no events among its %zu rows)", d->n);
        goto cleanup;
    }
    /* Not estimable, and slow to find out (2,000 covariates on 155 rows took minutes). */
    if (d->p > d->events) {
        err = results_warn_about(ctx->out, about, "no Cox model (%zu coefficients but only %zu events among its %zu rows)",
                                 d->p, d->events, d->n);
        goto cleanup;
    }
    err = report_references(ctx, model, d, variables, n_variables);
    if (err == EMBOLO_OK && request->strata >= 0)
        err = group_codes(ctx, d, request->strata, &strata, &n_strata);
    if (err == EMBOLO_OK && request->cluster >= 0)
        err = group_codes(ctx, d, request->cluster, &cluster, &n_clusters);
    if (err != EMBOLO_OK)
        goto cleanup;
    if (request->cluster >= 0 && n_clusters < 2) {
        err = results_warn_about(ctx->out, about, "no clustered Cox model (fewer than 2 centres among its %zu rows)",
                                 d->n);
        goto cleanup;
    }
    options.ties = request->ties;
    options.robust = weighted;
    err = cox_fit_grouped(d->time, d->status, d->weight, d->x, strata, cluster, d->n, d->p, &options, &fit);
    if (err != EMBOLO_OK)
        goto cleanup;
    for (size_t j = 0; j < d->p && err == EMBOLO_OK; j++)
        err = report_coefficient(ctx, request, d, fit, j);
    if (err == EMBOLO_OK)
        err = model_report_level_counts(ctx, model, d);
    if (err == EMBOLO_OK)
        err = report_model_stats(ctx, model, d, fit, strata);
    if (err == EMBOLO_OK)
        err = report_factor_tests(ctx, request, d, fit);
    if (err == EMBOLO_OK && !request->forest)
        err = warn_about_fit(ctx, model, d, fit);
    if (err == EMBOLO_OK && request->with_zph && d->events > 0)
        err = report_zph(ctx, d, fit, request->ties);
cleanup:
    free(strata);
    free(cluster);
    cox_result_free(fit);
    return err;
}

/* ---- one endpoint's steps (model_internal.h) ---- */

embolo_error model_step_run(model_context *ctx, model_step step, size_t index)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    char model[KEY_SIZE];
    switch (step) {
    case MODEL_STEP_CURVES:
        err = report_followup(ctx);
        if (err == EMBOLO_OK)
            err = fit_and_report_km(ctx, KEY_UNWEIGHTED, KEY_ALL, "", ctx->rows->time, ctx->rows->status, NULL,
                                    ctx->rows->n);
        for (size_t g = 0; g < s->n_subgroups && err == EMBOLO_OK; g++)
            err = report_subgroup(ctx, s->subgroups[g], 0);
        break;
    case MODEL_STEP_UNIVARIATE:
        err = run_cox(ctx, key_univariate(model, s->variables[s->univariate[index]].name), &s->univariate[index], 1,
                      0, COX_TIES_EFRON, 0);
        break;
    case MODEL_STEP_MULTIVARIABLE:
        if (s->n_multivariable > 0)
            err = run_multivariable(ctx);
        break;
    case MODEL_STEP_WEIGHTED:
        if (ctx->data->weight && s->treatment >= 0) {
            size_t treatment = (size_t)s->treatment;
            err = report_subgroup(ctx, treatment, 1);
            if (err == EMBOLO_OK)
                err = run_cox(ctx, KEY_WEIGHTED_UNIVARIATE, &treatment, 1, 1, COX_TIES_EFRON, 0);
            if (s->n_multivariable > 0 && err == EMBOLO_OK)
                err = run_cox(ctx, KEY_WEIGHTED_MULTIVARIABLE, s->multivariable, s->n_multivariable, 1,
                              COX_TIES_EFRON, 0);
        }
        break;
    case MODEL_STEP_SURVIVAL2:
        err = model_survival2_run(ctx);
        break;
    case MODEL_STEP_COX2:
        err = model_cox2_run(ctx);
        break;
    }
    return err;
}
