/* Model checks: the proportional-hazards test (cox.zph) of the multivariable models and the events
 * per coefficient of each multivariable model. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

#define EPV_LIMIT 10.0

static void zph_row(const build_context *b, table *t, table_role role, const char *label, const char *endpoint,
                    const char *term)
{
    table_row *row = table_add_row(t, role, label);
    build_number(row, 1, build_value(b, KEY_ZPH, endpoint, KEY_MULTIVARIABLE, term, "", KEY_STAT_CHISQ), 2);
    build_number(row, 2, build_value(b, KEY_ZPH, endpoint, KEY_MULTIVARIABLE, term, "", KEY_STAT_DF), 0);
    build_p(b, row, 3, build_value(b, KEY_ZPH, endpoint, KEY_MULTIVARIABLE, term, "", KEY_STAT_P));
}

static void zph_endpoint(const build_context *b, table *t, const study_endpoint *ep)
{
    if (isnan(build_value(b, KEY_ZPH, ep->name, KEY_MULTIVARIABLE, KEY_GLOBAL, "", KEY_STAT_P)))
        return;
    table_add_row(t, TABLE_ROW_HEADING, build_endpoint_label(ep));
    for (size_t k = 0; k < b->s->n_multivariable; k++) {
        const study_variable *v = &b->s->variables[b->s->multivariable[k]];
        if (isfinite(build_value(b, KEY_ZPH, ep->name, KEY_MULTIVARIABLE, v->name, "", KEY_STAT_DF)))
            zph_row(b, t, TABLE_ROW_LEVEL, build_variable_label(v), ep->name, v->name);
    }
    zph_row(b, t, TABLE_ROW_TOTAL, "Global test", ep->name, KEY_GLOBAL);
}

table *build_zph(const build_context *b)
{
    static const char *const headers[] = {"Term", "\xcf\x87\xc2\xb2", "df", "p"};
    table *t = table_new("Proportional-hazards test of the multivariable models (cox.zph)", headers, 4);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Endpoint", "Term");
    for (size_t e = 0; e < b->s->n_endpoints; e++)
        zph_endpoint(b, t, &b->s->endpoints[e]);
    table_add_footnote(t, "Score test of a time-varying coefficient (Kaplan-Meier transform of time), per term and "
                          "global; a small p suggests the hazard ratio changes over time.");
    return t;
}

/* The number of Cox coefficients ("coef" lines) of an endpoint's model. */
static size_t coefficients(const build_context *b, const char *endpoint, const char *model)
{
    size_t n = 0;
    for (size_t i = 0; i < b->r->n; i++) {
        const result_row *row = &b->r->rows[i];
        n += strcmp(row->stat, KEY_STAT_COEF) == 0 && strcmp(row->section, KEY_COX) == 0 &&
             strcmp(row->endpoint, endpoint) == 0 && strcmp(row->model, model) == 0;
    }
    return n;
}

static void epv_row(const build_context *b, table *t, const study_endpoint *ep, const build_cox_model *m)
{
    double events = build_value(b, KEY_COX, ep->name, m->model, "", "", KEY_STAT_EVENTS);
    size_t n = coefficients(b, ep->name, m->model);
    if (isnan(events) || n == 0)
        return;
    double ratio = events / (double)n;
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, build_endpoint_label(ep));
    table_set_text(t, row, 1, m->title);
    int hidden = build_count(b, row, 2, events);
    table_set_values(row, 3, CELL_GENERAL, 0, (double)n, NAN, NAN);
    build_number(row, 4, ratio, 1);
    table_set_text(t, row, 5, ratio >= EPV_LIMIT ? "yes" : "no");
    if (hidden) {
        build_suppress_estimates(row, 4, 5);
        table_set_text(t, row, 5, "");
    }
}

table *build_events_per_coefficient(const build_context *b)
{
    static const char *const headers[] = {"Endpoint", "Model", "Events", "Coefficients", "Events per\ncoefficient",
                                          "At least 10"};
    table *t = table_new("Events per coefficient", headers, 6);
    for (size_t e = 0; t && e < b->s->n_endpoints; e++)
        for (size_t m = 1; m < BUILD_COX_MODELS; m += 2)
            epv_row(b, t, &b->s->endpoints[e], &build_cox_models[m]);
    return t;
}
