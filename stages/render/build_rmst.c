/* Restricted mean survival time to the study's rmst_tau, one table per endpoint: per group the RMST
 * with its 95% CI, and per non-reference level its difference from the reference level with CI and
 * p; the group sizes are those of the Kaplan-Meier curves the RMST integrates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

enum { RMST_N = 1, RMST_EVENTS, RMST_VALUE, RMST_DIFF, RMST_P, RMST_COLUMNS };

static double rmst_value(const build_context *b, const char *endpoint, const char *variable, const char *level,
                         const char *stat)
{
    return build_value(b, KEY_RMST, endpoint, KEY_UNWEIGHTED, variable, level, stat);
}

/* The patients or events of a group's Kaplan-Meier curve (stat KEY_STAT_N or KEY_STAT_EVENTS). */
static double rmst_count(const build_context *b, const char *endpoint, const char *variable, const char *level,
                         const char *stat)
{
    return build_value(b, KEY_KM, endpoint, KEY_UNWEIGHTED, variable, level, stat);
}

static int rmst_hidden(const build_context *b, const char *endpoint, const char *variable, const char *level)
{
    return build_hidden(b, rmst_count(b, endpoint, variable, level, KEY_STAT_N)) ||
           build_hidden(b, rmst_count(b, endpoint, variable, level, KEY_STAT_EVENTS));
}

/* One group's row: n, events, RMST (95% CI); hidden_reference: the reference's counts are suppressed,
 * so are the differences from it. */
static void rmst_row(const build_context *b, table_row *row, const char *endpoint, const char *variable,
                     const char *level, int hidden_reference)
{
    int hidden = build_count(b, row, RMST_N, rmst_count(b, endpoint, variable, level, KEY_STAT_N));
    hidden |= build_count(b, row, RMST_EVENTS, rmst_count(b, endpoint, variable, level, KEY_STAT_EVENTS));
    table_set_values(row, RMST_VALUE, CELL_ESTIMATE_CI, b->t->decimals, rmst_value(b, endpoint, variable, level, KEY_STAT_RMST),
                     rmst_value(b, endpoint, variable, level, KEY_STAT_LOWER),
                     rmst_value(b, endpoint, variable, level, KEY_STAT_UPPER));
    double diff = rmst_value(b, endpoint, variable, level, KEY_STAT_DIFF);
    if (!isnan(diff) || !isnan(rmst_value(b, endpoint, variable, level, KEY_STAT_DIFF_SE))) {
        table_set_values(row, RMST_DIFF, CELL_ESTIMATE_CI, b->t->decimals, diff,
                         rmst_value(b, endpoint, variable, level, KEY_STAT_DIFF_LOWER),
                         rmst_value(b, endpoint, variable, level, KEY_STAT_DIFF_UPPER));
        build_p(b, row, RMST_P, rmst_value(b, endpoint, variable, level, KEY_STAT_DIFF_P));
    }
    if (hidden)
        build_suppress_estimates(row, RMST_VALUE, RMST_COLUMNS);
    else if (hidden_reference)
        build_suppress_estimates(row, RMST_DIFF, RMST_COLUMNS);
}

/* Whether any level of v has a difference from the reference. */
static int rmst_has_differences(const build_context *b, const char *endpoint, const study_variable *v)
{
    for (size_t l = 0; l < v->n_levels; l++)
        if (!isnan(rmst_value(b, endpoint, v->name, v->levels[l], KEY_STAT_DIFF_SE)))
            return 1;
    return 0;
}

static void rmst_variable(const build_context *b, table *t, const char *endpoint, const study_variable *v)
{
    int differences = rmst_has_differences(b, endpoint, v);
    int hidden_reference = differences && rmst_hidden(b, endpoint, v->name, v->levels[v->reference]);
    int any = 0;
    for (size_t l = 0; l < v->n_levels && !any; l++)
        any = !isnan(rmst_value(b, endpoint, v->name, v->levels[l], KEY_STAT_RMST));
    if (!any)
        return;
    table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    for (size_t l = 0; l < v->n_levels; l++) {
        char shown[256];
        if (isnan(rmst_value(b, endpoint, v->name, v->levels[l], KEY_STAT_RMST)))
            continue;
        build_level(shown, sizeof shown, v->levels[l]);
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, shown);
        rmst_row(b, row, endpoint, v->name, v->levels[l], hidden_reference);
        if (differences && l == v->reference)
            table_set_text(t, row, RMST_DIFF, "reference");
    }
}

static table *rmst_table_new(const build_context *b, const study_endpoint *ep)
{
    const study *s = b->s;
    char join[200], value[200], diff[200];
    snprintf(join, sizeof join, "Restricted mean survival time to %g %.80s", s->rmst_tau, s->time_unit);
    snprintf(value, sizeof value, "RMST, %.80s\n(95%% CI)", s->time_unit);
    snprintf(diff, sizeof diff, "Difference, %.80s\n(95%% CI)", s->time_unit);
    const char *headers[RMST_COLUMNS] = {"Subgroup", "n", "Events", value, diff, "p"};
    table *t = build_endpoint_table(ep, join, headers, RMST_COLUMNS);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Variable", "Level");
    snprintf(value, sizeof value, "RMST (%.80s)", s->time_unit);
    snprintf(diff, sizeof diff, "Difference (%.80s)", s->time_unit);
    table_set_parts(t, RMST_VALUE, value, "Lower 95% CI", "Upper 95% CI");
    table_set_parts(t, RMST_DIFF, diff, "Lower 95% CI of the difference", "Upper 95% CI of the difference");
    table_set_parts(t, RMST_P, "p of the difference", NULL, NULL);
    return t;
}

table *build_rmst(const build_context *b, size_t endpoint)
{
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    table *t = rmst_table_new(b, ep);
    if (!t)
        return NULL;
    if (isnan(rmst_value(b, ep->name, KEY_ALL, "", KEY_STAT_RMST))) {
        table_add_row(t, TABLE_ROW_NOTE, s->has_rmst_tau ? "No restricted mean survival time for this endpoint."
                                                         : "The study sets no rmst_tau.");
        return t;
    }
    rmst_row(b, table_add_row(t, TABLE_ROW_TOTAL, "All patients"), ep->name, KEY_ALL, "", 0);
    for (size_t k = 0; k < s->n_subgroups; k++)
        rmst_variable(b, t, ep->name, &s->variables[s->subgroups[k]]);
    table_add_footnote(t, "Restricted mean survival time: the area under the Kaplan-Meier curve from 0 to %g %s (the "
                          "curve carried flat beyond a group's last time), with 95%% confidence intervals (Greenwood-type "
                          "variance). Difference: from the variable's reference level, with its 95%% CI and Wald p "
                          "(independent groups).%s",
                       s->rmst_tau, s->time_unit,
                       b->t->share ? " \xe2\x80\x94: suppressed (fewer than the minimum count of patients or events)."
                                   : "");
    return t;
}
