/* Log-rank tests beside the survival tables: the pairwise tests of each subgroup variable with three
 * or more levels (with Holm's adjustment) and the test for trend of an ordered one, and the log-rank
 * tests unstratified and stratified by centre. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

#define CHISQ_HEADER "\xcf\x87\xc2\xb2"

/* Whether level l of v has a Kaplan-Meier curve for the endpoint (the levels its tests compare). */
static int level_present(const build_context *b, const char *endpoint, const study_variable *v, size_t l)
{
    return isfinite(build_value(b, KEY_KM, endpoint, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_N));
}

/* Whether share suppression hides level l's patients or events (then its comparisons go too). */
static int level_hidden(const build_context *b, const char *endpoint, const study_variable *v, size_t l)
{
    return build_hidden(b, build_value(b, KEY_KM, endpoint, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_N)) ||
           build_hidden(b, build_value(b, KEY_KM, endpoint, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_EVENTS));
}

static size_t levels_present(const build_context *b, const char *endpoint, const study_variable *v)
{
    size_t n = 0;
    for (size_t l = 0; l < v->n_levels; l++)
        n += (size_t)level_present(b, endpoint, v, l);
    return n;
}

/* ---- pairwise and trend ---- */

static int has_trend(const build_context *b, const char *endpoint, const study_variable *v)
{
    return v->ordered && isfinite(build_value(b, KEY_LOGRANK_TREND, endpoint, "", v->name, "", KEY_STAT_CHISQ));
}

/* A row per pair of present levels, in study order: (1, 2), (1, 3), ..., (2, 3), ... */
static void pairwise_rows(const build_context *b, table *t, const char *endpoint, const study_variable *v)
{
    for (size_t i = 0; i < v->n_levels; i++)
        for (size_t j = i + 1; j < v->n_levels && level_present(b, endpoint, v, i); j++) {
            char pair[KEY_SIZE], shown[KEY_SIZE];
            if (!level_present(b, endpoint, v, j))
                continue;
            snprintf(pair, sizeof pair, "%s vs %s", v->levels[i], v->levels[j]);
            build_level(shown, sizeof shown, pair);
            table_row *row = table_add_row(t, TABLE_ROW_LEVEL, shown);
            build_number(row, 1, build_value(b, KEY_LOGRANK_PAIRWISE, endpoint, "", v->name, pair, KEY_STAT_CHISQ), 2);
            build_p(b, row, 2, build_value(b, KEY_LOGRANK_PAIRWISE, endpoint, "", v->name, pair, KEY_STAT_P));
            build_p(b, row, 3, build_value(b, KEY_LOGRANK_PAIRWISE, endpoint, "", v->name, pair, KEY_STAT_P_HOLM));
            if (level_hidden(b, endpoint, v, i) || level_hidden(b, endpoint, v, j))
                build_suppress_estimates(row, 1, 4);
        }
}

static void pairwise_variable(const build_context *b, table *t, const char *endpoint, const study_variable *v)
{
    size_t n = levels_present(b, endpoint, v);
    int trend = has_trend(b, endpoint, v);
    if (n < 3 && !trend)
        return;
    table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    if (n >= 3)
        pairwise_rows(b, t, endpoint, v);
    if (trend) {
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, "Test for trend");
        build_number(row, 1, build_value(b, KEY_LOGRANK_TREND, endpoint, "", v->name, "", KEY_STAT_CHISQ), 2);
        build_p(b, row, 2, build_value(b, KEY_LOGRANK_TREND, endpoint, "", v->name, "", KEY_STAT_P));
    }
}

table *build_pairwise(const build_context *b, size_t endpoint)
{
    static const char *const headers[] = {"Comparison", CHISQ_HEADER, "p", "p (Holm)"};
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    int trend = 0;
    for (size_t k = 0; k < s->n_subgroups; k++)
        trend |= has_trend(b, ep->name, &s->variables[s->subgroups[k]]);
    char title[300];
    snprintf(title, sizeof title, "%.200s by subgroup: pairwise%s log-rank tests", build_endpoint_label(ep),
             trend ? " and trend" : "");
    table *t = table_new(title, headers, 4);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Variable", "Comparison");
    table_set_parts(t, 3, "p (Holm-adjusted)", NULL, NULL);
    for (size_t k = 0; k < s->n_subgroups; k++)
        pairwise_variable(b, t, ep->name, &s->variables[s->subgroups[k]]);
    if (t->n_rows == 0) {
        table_add_row(t, TABLE_ROW_NOTE, "No subgroup variable has three or more levels or an order.");
        return t;
    }
    table_add_footnote(t, "Pairwise: the log-rank test of two levels on their patients alone (1 degree of freedom; NA "
                          "without an event in the pair), p adjusted over the pairs of each variable by Holm's "
                          "method.%s%s",
                       trend ? " Test for trend: the log-rank test with scores 1, 2, ... in the order of the levels "
                               "(1 degree of freedom)." : "",
                       b->t->share ? " \xe2\x80\x94: suppressed (a level with fewer than the minimum count of patients "
                                     "or events)." : "");
    return t;
}

/* ---- stratified by centre ---- */

static void centre_test_cells(const build_context *b, table_row *row, size_t first, const char *endpoint,
                              const char *model, const study_variable *v)
{
    double p = build_value(b, KEY_LOGRANK, endpoint, model, v->name, "", KEY_STAT_P);
    if (isnan(p))
        return;
    build_number(row, first, build_value(b, KEY_LOGRANK, endpoint, model, v->name, "", KEY_STAT_CHISQ), 2);
    build_number(row, first + 1, build_value(b, KEY_LOGRANK, endpoint, model, v->name, "", KEY_STAT_DF), 0);
    build_p(b, row, first + 2, p);
}

table *build_centre_logrank(const build_context *b, size_t endpoint)
{
    static const char *const headers[] = {"Variable", CHISQ_HEADER, "df", "p", CHISQ_HEADER, "df", "p"};
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    table *t = build_endpoint_table(ep, "Multicentre analyses: log-rank tests", headers, 7);
    if (!t)
        return NULL;
    if (s->centre < 0) {
        table_add_row(t, TABLE_ROW_NOTE, "The study names no centre.");
        return t;
    }
    const study_variable *centre = &s->variables[s->centre];
    table_add_span(t, 1, 3, "Unstratified");
    table_add_span(t, 4, 3, table_format(t, "Stratified by %s", build_variable_label(centre)));
    table_set_parts(t, 4, table_format(t, CHISQ_HEADER " stratified by %s", build_variable_label(centre)), NULL, NULL);
    table_set_parts(t, 5, "df stratified", NULL, NULL);
    table_set_parts(t, 6, "p stratified", NULL, NULL);
    for (size_t k = 0; k < s->n_subgroups; k++) {
        const study_variable *v = &s->variables[s->subgroups[k]];
        if ((int)s->subgroups[k] == s->centre || isnan(build_value(b, KEY_LOGRANK, ep->name, "", v->name, "", KEY_STAT_P)))
            continue;
        table_row *row = table_add_row(t, TABLE_ROW_PLAIN, build_variable_label(v));
        centre_test_cells(b, row, 1, ep->name, "", v);
        centre_test_cells(b, row, 4, ep->name, KEY_STRATIFIED, v);
    }
    if (t->n_rows == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No log-rank test of a subgroup variable for this endpoint.");
    else
        table_add_footnote(t, "Log-rank tests of each subgroup variable, unstratified and stratified by %s (observed and "
                              "expected events within each centre, summed). A blank stratified test: the variable is "
                              "nested within the centres (its variance is singular) or fewer than two of its groups "
                              "have events.",
                           build_variable_label(centre));
    return t;
}
