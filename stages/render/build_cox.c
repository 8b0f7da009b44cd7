/* Tables of hazard ratios, one per endpoint: the Cox models (univariate and multivariable, unadjusted
 * and propensity-weighted side by side: HR (95% CI), p, and the E-values of the multivariable ones),
 * the multivariable model unstratified, stratified by centre and with cluster-robust standard errors,
 * and the Fine-Gray models beside the cause-specific Cox models; and the patients, events and
 * concordance (or competing events) of each model fitted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

#define HR_MAX_MODELS 4

/* Which variables a model has. */
typedef enum hr_scope { HR_UNIVARIATE, HR_MULTIVARIABLE, HR_TREATMENT } hr_scope;

/* A model shown as a group of columns: HR (95% CI), p and, for some, the E-values. */
typedef struct hr_model {
    const char *model;    /* results model; NULL: one model per variable, PREFIX:VAR */
    const char *prefix;   /* of those: NULL for "univariate:VAR" */
    const char *title;
    hr_scope scope;
    int evalue;           /* an E-value column when the model has E-value lines */
    const char *estimate; /* the estimate's heading; NULL: "HR (95% CI)" */
} hr_model;

/* A table of hazard ratios: its models (those fitted) and their first columns. */
typedef struct hr_table {
    const build_context *b;
    const char *endpoint;
    hr_model items[HR_MAX_MODELS];
    size_t first[HR_MAX_MODELS];         /* each model's HR column; p follows, then its E-value */
    int evalue[HR_MAX_MODELS];
    size_t n, n_columns;
} hr_table;

static int list_has(const size_t *list, size_t n, size_t v)
{
    for (size_t k = 0; k < n; k++)
        if (list[k] == v)
            return 1;
    return 0;
}

/* The results model of m for variable v ("univariate:VAR" for the univariate ones). */
static const char *hr_model_name(const hr_model *m, const study_variable *v, char *buffer)
{
    if (m->model)
        return m->model;
    return m->prefix ? key_model_of(buffer, m->prefix, v->name) : key_univariate(buffer, v->name);
}

/* Whether model m of endpoint has variable v (and was fitted). */
static int hr_model_has(const build_context *b, const char *endpoint, const hr_model *m, size_t v)
{
    char name[KEY_SIZE];
    const study *s = b->s;
    if (isnan(build_value(b, KEY_COX, endpoint, hr_model_name(m, &s->variables[v], name), "", "", KEY_STAT_N)))
        return 0;
    if (m->scope == HR_UNIVARIATE)
        return list_has(s->univariate, s->n_univariate, v);
    if (m->scope == HR_TREATMENT)
        return (int)v == s->treatment;
    return list_has(s->multivariable, s->n_multivariable, v);
}

static int hr_model_fitted(const build_context *b, const char *endpoint, const hr_model *m)
{
    for (size_t v = 0; v < b->s->n_variables; v++)
        if (hr_model_has(b, endpoint, m, v))
            return 1;
    return 0;
}

/* Whether a multivariable model has an E-value line for any of its coefficients. */
static int hr_model_has_evalues(const build_context *b, const char *endpoint, const hr_model *m)
{
    const study *s = b->s;
    for (size_t k = 0; k < s->n_multivariable && m->evalue; k++) {
        const study_variable *v = &s->variables[s->multivariable[k]];
        if (isfinite(build_value(b, KEY_COX, endpoint, m->model, v->name, "", KEY_STAT_EVALUE)))
            return 1;
        for (size_t l = 0; l < v->n_levels; l++)
            if (isfinite(build_value(b, KEY_COX, endpoint, m->model, v->name, v->levels[l], KEY_STAT_EVALUE)))
                return 1;
    }
    return 0;
}

/* A model of build_cox_models (build.h) as a group of columns: E-values for the multivariable ones. */
static hr_model hr_standard_model(size_t k)
{
    const build_cox_model *m = &build_cox_models[k];
    hr_scope scope = !m->model                                  ? HR_UNIVARIATE
                     : !strcmp(m->model, KEY_WEIGHTED_UNIVARIATE) ? HR_TREATMENT
                                                                  : HR_MULTIVARIABLE;
    return (hr_model){m->model, NULL, m->title, scope, scope == HR_MULTIVARIABLE, NULL};
}

size_t build_cox_models_of(const build_context *b, const char *endpoint, const build_cox_model **out)
{
    size_t n = 0;
    for (size_t k = 0; k < BUILD_COX_MODELS; k++) {
        hr_model m = hr_standard_model(k);
        if (hr_model_fitted(b, endpoint, &m))
            out[n++] = &build_cox_models[k];
    }
    return n;
}

/* The fitted models among models, with their columns. */
static void hr_models_find(hr_table *h, const hr_model *models, size_t n)
{
    h->n = 0;
    h->n_columns = 1;
    for (size_t k = 0; k < n && h->n < HR_MAX_MODELS; k++) {
        if (!hr_model_fitted(h->b, h->endpoint, &models[k]))
            continue;
        h->items[h->n] = models[k];
        h->first[h->n] = h->n_columns;
        h->evalue[h->n] = hr_model_has_evalues(h->b, h->endpoint, &models[k]);
        h->n_columns += 2 + (size_t)h->evalue[h->n];
        h->n++;
    }
}

static int hr_any_has(const hr_table *h, size_t v)
{
    for (size_t m = 0; m < h->n; m++)
        if (hr_model_has(h->b, h->endpoint, &h->items[m], v))
            return 1;
    return 0;
}

/* The variables of any model, univariate ones first, in the study's lists' order; returns the count. */
static size_t hr_variables(const build_context *b, size_t *out)
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

static const char *hr_estimate(const hr_model *m)
{
    return m->estimate ? m->estimate : "HR (95% CI)";
}

static void hr_cells(const hr_table *h, const char *model, size_t m, const char *variable, const char *level,
                     table_row *row)
{
    const build_context *b = h->b;
    build_hr_ci(b, row, h->first[m], h->endpoint, model, variable, level);
    build_p(b, row, h->first[m] + 1, build_value(b, KEY_COX, h->endpoint, model, variable, level, KEY_STAT_P));
    if (h->evalue[m])
        table_set_values(row, h->first[m] + 2, CELL_ESTIMATE_SE, b->t->hr_decimals,
                         build_value(b, KEY_COX, h->endpoint, model, variable, level, KEY_STAT_EVALUE),
                         build_value(b, KEY_COX, h->endpoint, model, variable, level, KEY_STAT_EVALUE_CI), NAN);
}

/* HR (95% CI) and p of one coefficient (level "" for a numeric variable) in each model that has it;
 * "1 (reference)" where level is the model's reference. */
static void hr_coefficient_cells(const hr_table *h, const study_variable *v, size_t index, const char *level,
                                 table_row *row)
{
    for (size_t m = 0; m < h->n; m++) {
        char name[KEY_SIZE];
        const char *model = hr_model_name(&h->items[m], v, name);
        if (!hr_model_has(h->b, h->endpoint, &h->items[m], index))
            continue;
        if (level[0] && !strcmp(v->levels[build_cox_reference(h->b, h->endpoint, model, v)], level))
            table_set_values(row, h->first[m], CELL_REFERENCE, 0, 1.0, NAN, NAN);
        else
            hr_cells(h, model, m, v->name, level, row);
    }
}

/* A factor: its heading with the joint Wald p of each model, then its levels; each model's reference
 * level shows "1 (reference)". */
static void hr_factor_rows(const hr_table *h, size_t index, table *t)
{
    const study_variable *v = &h->b->s->variables[index];
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    for (size_t m = 0; m < h->n; m++) {
        char name[KEY_SIZE];
        double p = build_value(h->b, KEY_COX, h->endpoint, hr_model_name(&h->items[m], v, name), v->name, "",
                               KEY_STAT_WALD_GLOBAL_P);
        if (isfinite(p) && hr_model_has(h->b, h->endpoint, &h->items[m], index))
            build_p(h->b, row, h->first[m] + 1, p);
    }
    for (size_t level = 0; level < v->n_levels; level++) {
        char shown[256];
        build_level(shown, sizeof shown, v->levels[level]);
        row = table_add_row(t, TABLE_ROW_LEVEL, shown);
        hr_coefficient_cells(h, v, index, v->levels[level], row);
    }
}

/* The rows of every variable of the table's models. */
static void hr_rows(const hr_table *h, table *t)
{
    size_t *variables = malloc((h->b->s->n_variables + 1) * sizeof *variables);
    size_t n = variables ? hr_variables(h->b, variables) : 0;
    if (!variables && t->error == EMBOLO_OK)
        t->error = EMBOLO_ERROR_NOMEM;
    for (size_t k = 0; k < n; k++) {
        const study_variable *v = &h->b->s->variables[variables[k]];
        if (!hr_any_has(h, variables[k]))
            continue;
        if (study_variable_is_factor(v))
            hr_factor_rows(h, variables[k], t);
        else
            hr_coefficient_cells(h, v, variables[k], "",
                                 table_add_row(t, TABLE_ROW_PLAIN, table_format(t, "%s, per unit", build_variable_label(v))));
    }
    free(variables);
}

/* The table of the models' columns, its title and key from join (build_endpoint_table), and its rows. */
static table *hr_table_new(const hr_table *h, const study_endpoint *ep, const char *join)
{
    const char **headers = calloc(h->n_columns, sizeof *headers);
    if (!headers)
        return NULL;
    headers[0] = "Variable";
    for (size_t m = 0; m < h->n; m++) {
        headers[h->first[m]] = hr_estimate(&h->items[m]);
        headers[h->first[m] + 1] = "p";
        if (h->evalue[m])
            headers[h->first[m] + 2] = "E-value\n(CI)";
    }
    table *t = build_endpoint_table(ep, join, headers, h->n_columns);
    free(headers);
    for (size_t m = 0; t && m < h->n; m++) {
        table_add_span(t, h->first[m], 2 + (size_t)h->evalue[m], h->items[m].title);
        table_set_parts(t, h->first[m], table_format(t, "%.*s", (int)strcspn(hr_estimate(&h->items[m]), " "),
                                                     hr_estimate(&h->items[m])),
                        "Lower 95% CI", "Upper 95% CI");
        if (h->evalue[m])
            table_set_parts(t, h->first[m] + 2, "E-value", "E-value of the CI", NULL);
    }
    if (t) {
        table_set_flat_headers(t, "Variable", "Level");
        hr_rows(h, t);
    }
    return t;
}

static int hr_any_evalue(const hr_table *h)
{
    for (size_t m = 0; m < h->n; m++)
        if (h->evalue[m])
            return 1;
    return 0;
}

static void cox_notes(const hr_table *h, table *t)
{
    int weighted = h->n > 0 && h->items[h->n - 1].model && strstr(h->items[h->n - 1].model, KEY_WEIGHTED) != NULL;
    table_add_footnote(t, "Hazard ratios with 95%% confidence intervals and Wald p-values (Efron ties); numeric "
                          "variables per unit; the p on a variable's own row is the joint Wald test of its levels. "
                          "Each model uses the complete cases of its variables.%s%s",
                       weighted ? " Propensity-weighted: ATE weights, robust (sandwich) standard errors." : "",
                       hr_any_evalue(h) ? " E-value (CI): the strength of association, on the risk-ratio scale, that "
                                          "an unmeasured confounder would need with both the exposure and the outcome "
                                          "to explain away the hazard ratio (and its confidence limit nearer 1; 1: the "
                                          "interval includes 1), with the common-outcome conversion of a hazard ratio."
                                        : "");
}

table *build_cox(const build_context *b, size_t endpoint)
{
    hr_model models[BUILD_COX_MODELS];
    for (size_t k = 0; k < BUILD_COX_MODELS; k++)
        models[k] = hr_standard_model(k);
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    hr_table h = {.b = b, .endpoint = ep->name};
    hr_models_find(&h, models, BUILD_COX_MODELS);
    table *t = hr_table_new(&h, ep, "Cox models");
    if (!t)
        return NULL;
    if (h.n == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No Cox model was fitted for this endpoint.");
    else
        cox_notes(&h, t);
    return t;
}

table *build_centre_cox(const build_context *b, size_t endpoint)
{
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    const char *centre = s->centre >= 0 ? build_variable_label(&s->variables[s->centre]) : "centre";
    char stratified[300], clustered[300];
    snprintf(stratified, sizeof stratified, "Stratified by %.200s", centre);
    snprintf(clustered, sizeof clustered, "Cluster-robust (%.200s)", centre);
    const hr_model models[] = {
        {KEY_MULTIVARIABLE, NULL, "Unstratified", HR_MULTIVARIABLE, 0, NULL},
        {KEY_MULTIVARIABLE_STRATIFIED, NULL, stratified, HR_MULTIVARIABLE, 0, NULL},
        {KEY_MULTIVARIABLE_CLUSTER, NULL, clustered, HR_MULTIVARIABLE, 0, NULL},
    };
    hr_table h = {.b = b, .endpoint = ep->name};
    hr_models_find(&h, models, s->centre >= 0 ? 3 : 0);
    table *t = hr_table_new(&h, ep, "Multicentre analyses: multivariable Cox model");
    if (!t)
        return NULL;
    int clustered_fitted = h.n > 0 && !strcmp(h.items[h.n - 1].model, KEY_MULTIVARIABLE_CLUSTER);
    if (h.n < 2)
        table_add_row(t, TABLE_ROW_NOTE, s->centre < 0 ? "The study names no centre."
                                                       : "No multivariable model by centre was fitted for this endpoint.");
    else
        table_add_footnote(t, "The multivariable Cox model (Efron ties) unstratified (the Cox table's model, on its "
                              "complete cases) and stratified by %s (a baseline hazard of its own per centre: risk sets "
                              "and ties within centres; the patients with a centre)%s. NA: a covariate constant within "
                              "every centre (aliased in the stratified model).",
                           centre, clustered_fitted ? "; and with cluster-robust standard errors for patients clustered "
                                                      "within centres (the unstratified estimates on the patients with a "
                                                      "centre, robust variance from the dfbeta residuals summed per "
                                                      "centre)"
                                                    : "; no cluster-robust model (fewer than two centres)");
    return t;
}

table *build_finegray(const build_context *b, size_t endpoint)
{
    const hr_model models[] = {
        {NULL, NULL, "Univariate, cause-specific Cox", HR_UNIVARIATE, 0, NULL},
        {NULL, KEY_FINEGRAY_UNIVARIATE, "Univariate, Fine-Gray", HR_UNIVARIATE, 0, "SHR (95% CI)"},
        {KEY_MULTIVARIABLE, NULL, "Multivariable, cause-specific Cox", HR_MULTIVARIABLE, 0, NULL},
        {KEY_FINEGRAY_MULTIVARIABLE, NULL, "Multivariable, Fine-Gray", HR_MULTIVARIABLE, 0, "SHR (95% CI)"},
    };
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    hr_table h = {.b = b, .endpoint = ep->name};
    hr_models_find(&h, models, 4);
    table *t = hr_table_new(&h, ep, "Competing-risks regression");
    if (!t)
        return NULL;
    int finegray = 0;
    for (size_t m = 0; m < h.n; m++)
        finegray |= h.items[m].estimate != NULL;
    if (!finegray)
        table_add_row(t, TABLE_ROW_NOTE, study_endpoint_has_competing(ep) ? "No Fine-Gray model was fitted for this endpoint."
                                                                          : "This endpoint has no competing event.");
    else
        table_add_footnote(t, "Cause-specific Cox models (the competing event censors; Efron ties) beside Fine-Gray "
                              "models of the subdistribution hazard (the patients with the competing event stay in the "
                              "risk set, weighted by the censoring distribution; Breslow ties; Fine and Gray's sandwich "
                              "variance). Hazard ratios (HR; SHR: subdistribution hazard ratio) with 95%% confidence intervals "
                              "and Wald p-values; the p on a variable's own row is the joint Wald test of its levels. "
                              "NA: no estimate (no event of interest at a level).");
    return t;
}

/* ---- patients, events and concordance (or competing events) per model ---- */

/* A model's patients and events, then its concordance or (competing) its competing events. */
static void fit_row(const build_context *b, table *t, table_role role, const char *label, const char *endpoint,
                    const char *model, int competing)
{
    double n = build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_N);
    double c = build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_CONCORDANCE);
    if (isnan(n))
        return;
    table_row *row = table_add_row(t, role, label);
    int hidden = build_count(b, row, 1, n);
    hidden |= build_count(b, row, 2, build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_EVENTS));
    if (competing)
        hidden |= build_count(b, row, 3, build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_COMPETING));
    else if (isfinite(c))
        table_set_values(row, 3, CELL_ESTIMATE_SE, 3, c,
                         build_value(b, KEY_COX, endpoint, model, "", "", KEY_STAT_CONCORDANCE_SE), NAN);
    if (hidden)
        build_suppress_estimates(row, 3, 4);
}

/* A table of model fits: "Cox models, ENDPOINT: patients and events per model". */
static table *fit_table_new(const study_endpoint *ep, const char *what, const char *last)
{
    const char *headers[] = {"Model", "Patients", "Events", last};
    char join[300];
    snprintf(join, sizeof join, "%s: patients and events per model", what);
    table *t = build_endpoint_table(ep, join, headers, 4);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Model", "Variable");
    if (!strcmp(last, "Concordance (SE)"))
        table_set_parts(t, 3, "Concordance", "SE", NULL);
    return t;
}

/* The univariate models of prefix (NULL: "univariate:VAR") under a heading, one row per variable. */
static void fit_univariate_rows(const build_context *b, table *t, const char *endpoint, const char *prefix,
                                const char *heading, int competing)
{
    const study *s = b->s;
    char name[KEY_SIZE];
    const hr_model m = {NULL, prefix, heading, HR_UNIVARIATE, 0, NULL};
    int any = 0;
    for (size_t k = 0; k < s->n_univariate && !any; k++)
        any = isfinite(build_value(b, KEY_COX, endpoint, hr_model_name(&m, &s->variables[s->univariate[k]], name), "",
                                   "", KEY_STAT_N));
    if (any)
        table_add_row(t, TABLE_ROW_HEADING, heading);
    for (size_t k = 0; k < s->n_univariate; k++) {
        const study_variable *v = &s->variables[s->univariate[k]];
        fit_row(b, t, TABLE_ROW_LEVEL, build_variable_label(v), endpoint, hr_model_name(&m, v, name), competing);
    }
}

table *build_cox_fit(const build_context *b, size_t endpoint)
{
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    table *t = fit_table_new(ep, "Cox models", "Concordance (SE)");
    if (!t)
        return NULL;
    fit_univariate_rows(b, t, ep->name, NULL, build_cox_models[0].title, 0);
    for (size_t m = 1; m < BUILD_COX_MODELS; m++)
        fit_row(b, t, TABLE_ROW_HEADING, build_cox_models[m].title, ep->name, build_cox_models[m].model, 0);
    table_add_footnote(t, "Patients and events: the complete cases each model used. Concordance: Harrell's C with "
                          "its standard error (not computed for the weighted models).");
    return t;
}

table *build_centre_fit(const build_context *b, size_t endpoint)
{
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    table *t = fit_table_new(ep, "Multicentre analyses", "Concordance (SE)");
    if (!t)
        return NULL;
    if (s->centre >= 0 && isfinite(build_value(b, KEY_COX, ep->name, KEY_MULTIVARIABLE_STRATIFIED, "", "", KEY_STAT_N))) {
        const char *centre = build_variable_label(&s->variables[s->centre]);
        fit_row(b, t, TABLE_ROW_PLAIN, "Unstratified", ep->name, KEY_MULTIVARIABLE, 0);
        fit_row(b, t, TABLE_ROW_PLAIN, table_format(t, "Stratified by %s", centre), ep->name, KEY_MULTIVARIABLE_STRATIFIED,
                0);
        fit_row(b, t, TABLE_ROW_PLAIN, table_format(t, "Cluster-robust (%s)", centre), ep->name,
                KEY_MULTIVARIABLE_CLUSTER, 0);
    }
    if (t->n_rows == 0)
        table_add_row(t, TABLE_ROW_NOTE, s->centre < 0 ? "The study names no centre."
                                                       : "No multivariable model by centre was fitted for this endpoint.");
    else
        table_add_footnote(t, "Patients and events: the complete cases of each model (the centre included for those by "
                              "centre). Concordance: Harrell's C with its standard error; stratified, only pairs within "
                              "one centre are compared.");
    return t;
}

table *build_finegray_fit(const build_context *b, size_t endpoint)
{
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    table *t = fit_table_new(ep, "Fine-Gray models", "Competing events");
    if (!t)
        return NULL;
    fit_univariate_rows(b, t, ep->name, KEY_FINEGRAY_UNIVARIATE, "Univariate", 1);
    fit_row(b, t, TABLE_ROW_HEADING, "Multivariable", ep->name, KEY_FINEGRAY_MULTIVARIABLE, 1);
    if (t->n_rows == 0)
        table_add_row(t, TABLE_ROW_NOTE, study_endpoint_has_competing(ep) ? "No Fine-Gray model was fitted for this endpoint."
                                                                          : "This endpoint has no competing event.");
    else
        table_add_footnote(t, "Patients, events of interest and competing events: the complete cases each Fine-Gray "
                              "model used.");
    return t;
}
