/* The Cox models of an endpoint: the univariate and multivariable models, unadjusted and
 * propensity-weighted side by side (HR (95% CI), p), and the patients, events and concordance of each
 * model fitted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

/* The models of build_cox_models with results for an endpoint. */
typedef struct cox_shown {
    const build_cox_model *items[BUILD_COX_MODELS];
    size_t n;
} cox_shown;

static int list_has(const size_t *list, size_t n, size_t v)
{
    for (size_t k = 0; k < n; k++)
        if (list[k] == v)
            return 1;
    return 0;
}

/* The results model of m for variable v ("univariate:VAR" for the univariate ones). */
static const char *cox_model_name(const build_cox_model *m, const study_variable *v, char *buffer)
{
    return m->model ? m->model : key_univariate(buffer, v->name);
}

/* Whether model m of endpoint has variable v (and was fitted). */
static int cox_model_has(const build_context *b, const char *endpoint, const build_cox_model *m, size_t v)
{
    char name[KEY_SIZE];
    const study *s = b->s;
    if (isnan(build_value(b, KEY_COX, endpoint, cox_model_name(m, &s->variables[v], name), "", "", KEY_STAT_N)))
        return 0;
    if (!m->model)
        return list_has(s->univariate, s->n_univariate, v);
    if (strcmp(m->model, KEY_WEIGHTED_UNIVARIATE) == 0)
        return (int)v == s->treatment;
    return list_has(s->multivariable, s->n_multivariable, v);
}

static int cox_any_has(const build_context *b, const char *endpoint, const cox_shown *models, size_t v)
{
    for (size_t m = 0; m < models->n; m++)
        if (cox_model_has(b, endpoint, models->items[m], v))
            return 1;
    return 0;
}

size_t build_cox_models_of(const build_context *b, const char *endpoint, const build_cox_model **out)
{
    size_t n = 0;
    for (size_t k = 0; k < BUILD_COX_MODELS; k++) {
        int present = 0;
        for (size_t v = 0; v < b->s->n_variables && !present; v++)
            present = cox_model_has(b, endpoint, &build_cox_models[k], v);
        if (present)
            out[n++] = &build_cox_models[k];
    }
    return n;
}

static void cox_models_find(const build_context *b, const char *endpoint, cox_shown *out)
{
    out->n = build_cox_models_of(b, endpoint, out->items);
}

/* The variables of any model, univariate ones first, in the study's lists' order; returns the count. */
static size_t cox_variables(const build_context *b, size_t *out)
{
    const study *s = b->s;
    size_t n = 0;
    for (size_t k = 0; k < s->n_univariate; k++)
        if (!list_has(out, n, s->univariate[k]))
            out[n++] = s->univariate[k];
    for (size_t k = 0; k < s->n_multivariable; k++)
        if (!list_has(out, n, s->multivariable[k]))
            out[n++] = s->multivariable[k];
    if (s->treatment >= 0 && !list_has(out, n, (size_t)s->treatment))
        out[n++] = (size_t)s->treatment;
    return n;
}

/* ---- hazard ratios ---- */

static table *cox_table_new(const study_endpoint *ep, const cox_shown *models)
{
    const char *headers[1 + 2 * BUILD_COX_MODELS] = {"Variable"};
    char title[300];
    for (size_t m = 0; m < models->n; m++) {
        headers[1 + 2 * m] = "HR (95% CI)";
        headers[2 + 2 * m] = "p";
    }
    snprintf(title, sizeof title, "Cox models, %.200s", build_endpoint_label(ep));
    table *t = table_new(title, headers, 1 + 2 * models->n);
    for (size_t m = 0; t && m < models->n; m++) {
        table_add_span(t, 1 + 2 * m, 2, models->items[m]->title);
        table_set_parts(t, 1 + 2 * m, "HR", "Lower 95% CI", "Upper 95% CI");
    }
    if (t) {
        table_set_key(t, "Endpoint", build_endpoint_label(ep), "Cox models");
        table_set_flat_headers(t, "Variable", "Level");
    }
    return t;
}

/* HR (95% CI) and p of one coefficient (level "" for a numeric variable) in each model that has it;
 * "1 (reference)" where level is the model's reference. */
static void cox_coefficient_cells(const build_context *b, const char *endpoint, const cox_shown *models,
                                  const study_variable *v, size_t index, const char *level, table_row *row)
{
    for (size_t m = 0; m < models->n; m++) {
        char name[KEY_SIZE];
        const char *model = cox_model_name(models->items[m], v, name);
        if (!cox_model_has(b, endpoint, models->items[m], index))
            continue;
        if (level[0] && !strcmp(v->levels[build_cox_reference(b, endpoint, model, v)], level)) {
            table_set_values(row, 1 + 2 * m, CELL_REFERENCE, 0, 1.0, NAN, NAN);
            continue;
        }
        build_hr_ci(b, row, 1 + 2 * m, endpoint, model, v->name, level);
        build_p(b, row, 2 + 2 * m, build_value(b, KEY_COX, endpoint, model, v->name, level, KEY_STAT_P));
        /* Share: a level with fewer than min_count patients or events (its n and events lines). */
        if (build_share_suppressed(b->r, b->t, KEY_COX, endpoint, model, v->name, level, KEY_STAT_HR))
            build_suppress_estimates(row, 1 + 2 * m, 3 + 2 * m);
    }
}

/* Whether a cell of the table was suppressed by the share template. */
static int table_has_suppressed(const table *t)
{
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 1; c < t->n_columns; c++)
            if (t->rows[r].cells[c].suppressed)
                return 1;
    return 0;
}

/* A factor: its heading with the joint Wald p of each model, then its levels; each model's reference
 * level shows "1 (reference)". */
static void cox_factor_rows(const build_context *b, const char *endpoint, const cox_shown *models, size_t index,
                            table *t)
{
    const study_variable *v = &b->s->variables[index];
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    for (size_t m = 0; m < models->n; m++) {
        char name[KEY_SIZE];
        double p = build_value(b, KEY_COX, endpoint, cox_model_name(models->items[m], v, name), v->name, "",
                               KEY_STAT_WALD_GLOBAL_P);
        if (isfinite(p) && cox_model_has(b, endpoint, models->items[m], index))
            build_p(b, row, 2 + 2 * m, p);
    }
    for (size_t level = 0; level < v->n_levels; level++) {
        char shown[256];
        build_level(shown, sizeof shown, v->levels[level]);
        row = table_add_row(t, TABLE_ROW_LEVEL, shown);
        cox_coefficient_cells(b, endpoint, models, v, index, v->levels[level], row);
    }
}

static void cox_notes(const cox_shown *models, table *t)
{
    int weighted = models->n > 0 && models->items[models->n - 1]->model &&
                   strstr(models->items[models->n - 1]->model, KEY_WEIGHTED) != NULL;
    table_add_footnote(t, "Hazard ratios with 95%% confidence intervals and Wald p-values (Efron ties); numeric "
                          "variables per unit; the p on a variable's own row is the joint Wald test of its levels. "
                          "Each model uses the complete cases of its variables.%s",
                       weighted ? " Propensity-weighted: ATE weights, robust (sandwich) standard errors." : "");
}

table *build_cox(const build_context *b, size_t endpoint)
{
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    cox_shown models;
    cox_models_find(b, ep->name, &models);
    size_t *variables = malloc((b->s->n_variables + 1) * sizeof *variables);
    table *t = variables ? cox_table_new(ep, &models) : NULL;
    size_t n = t ? cox_variables(b, variables) : 0;
    for (size_t k = 0; k < n; k++) {
        const study_variable *v = &b->s->variables[variables[k]];
        if (!cox_any_has(b, ep->name, &models, variables[k]))
            continue;
        if (study_variable_is_factor(v))
            cox_factor_rows(b, ep->name, &models, variables[k], t);
        else
            cox_coefficient_cells(b, ep->name, &models, v, variables[k], "",
                                  table_add_row(t, TABLE_ROW_PLAIN,
                                                table_format(t, "%s, per unit", build_variable_label(v))));
    }
    if (t && models.n == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No Cox model was fitted for this endpoint.");
    if (t && models.n > 0)
        cox_notes(&models, t);
    if (t && table_has_suppressed(t))
        table_add_footnote(t, "\xe2\x80\x94: suppressed (a level with fewer than %d patients or events).",
                           b->t->min_count);
    free(variables);
    return t;
}

/* ---- patients, events and concordance per model ---- */

static void fit_row(const build_context *b, table *t, table_role role, const char *label, const char *endpoint,
                    const char *model)
{
    double n = build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_N);
    double c = build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_CONCORDANCE);
    if (isnan(n))
        return;
    table_row *row = table_add_row(t, role, label);
    int hidden = build_count(b, row, 1, n);
    hidden |= build_count(b, row, 2, build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_EVENTS));
    if (isfinite(c))
        table_set_values(row, 3, CELL_ESTIMATE_SE, 3, c,
                         build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_CONCORDANCE_SE), NAN);
    if (hidden)
        build_suppress_estimates(row, 3, 4);
}

table *build_cox_fit(const build_context *b, size_t endpoint)
{
    static const char *const headers[] = {"Model", "Patients", "Events", "Concordance (SE)"};
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    char title[300], name[KEY_SIZE];
    snprintf(title, sizeof title, "Cox models, %.200s: patients and events per model", build_endpoint_label(ep));
    table *t = table_new(title, headers, 4);
    if (!t)
        return NULL;
    table_set_key(t, "Endpoint", build_endpoint_label(ep), "Cox models: patients and events per model");
    table_set_flat_headers(t, "Model", "Variable");
    table_set_parts(t, 3, "Concordance", "SE", NULL);
    int univariate = 0;
    for (size_t k = 0; k < s->n_univariate && !univariate; k++)
        univariate = isfinite(build_value(b, KEY_COX, ep->name, key_univariate(name, s->variables[s->univariate[k]].name),
                                          "", "", KEY_STAT_N));
    if (univariate)
        table_add_row(t, TABLE_ROW_HEADING, build_cox_models[0].title);
    for (size_t k = 0; k < s->n_univariate; k++) {
        const study_variable *v = &s->variables[s->univariate[k]];
        fit_row(b, t, TABLE_ROW_LEVEL, build_variable_label(v), ep->name, key_univariate(name, v->name));
    }
    for (size_t m = 1; m < BUILD_COX_MODELS; m++)
        fit_row(b, t, TABLE_ROW_HEADING, build_cox_models[m].title, ep->name, build_cox_models[m].model);
    table_add_footnote(t, "Patients and events: the complete cases each model used. Concordance: Harrell's C with "
                          "its standard error (not computed for the weighted models).");
    return t;
}
