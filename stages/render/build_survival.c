/* Survival by subgroup, one table per endpoint: n, events, median (95% CI), survival at the landmarks
 * and the log-rank p of each subgroup variable, as a manuscript table; the propensity-weighted curves
 * by treatment last. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

/* One Kaplan-Meier line's keys. */
typedef struct sv_line {
    const char *endpoint, *model, *variable, *level;
} sv_line;

static double sv_value(const build_context *b, const sv_line *k, const char *stat)
{
    return build_value(b, KEY_KM, k->endpoint, k->model, k->variable, k->level, stat);
}

static size_t sv_p_column(const build_context *b)
{
    return 4 + b->s->n_landmarks;
}

/* The landmark columns: "12 months\n% (95% CI)", and in the workbook survival and its limits. */
static void sv_landmark_columns(const build_context *b, table *t)
{
    const study *s = b->s;
    for (size_t l = 0; l < s->n_landmarks; l++) {
        const char *at = s->landmark_texts[l];
        t->columns[4 + l].header = table_format(t, "%s %s\n%% (95%% CI)", at, s->time_unit);
        table_set_parts(t, 4 + l, table_format(t, "Survival at %s %s", at, s->time_unit),
                        table_format(t, "Lower 95%% CI at %s %s", at, s->time_unit),
                        table_format(t, "Upper 95%% CI at %s %s", at, s->time_unit));
    }
}

static table *sv_table_new(const build_context *b, const study_endpoint *ep)
{
    const study *s = b->s;
    size_t n = 5 + s->n_landmarks;
    const char **headers = calloc(n, sizeof *headers);
    char median[160], title[300];
    if (!headers)
        return NULL;
    snprintf(median, sizeof median, "Median, %.80s\n(95%% CI)", s->time_unit);
    snprintf(title, sizeof title, "%.200s by subgroup", build_endpoint_label(ep));
    for (size_t c = 0; c < n; c++)
        headers[c] = "";
    headers[0] = "Subgroup";
    headers[1] = "n";
    headers[2] = "Events";
    headers[3] = median;
    headers[n - 1] = "Log-rank\np";
    table *t = table_new(title, headers, n);
    free(headers);
    if (!t)
        return NULL;
    sv_landmark_columns(b, t);
    snprintf(median, sizeof median, "Median (%s)", s->time_unit);
    table_set_parts(t, 3, median, "Lower 95% CI", "Upper 95% CI");
    table_set_parts(t, n - 1, "Log-rank p", NULL, NULL);
    table_set_flat_headers(t, "Variable", "Level");
    return t;
}

/* n, events, median and landmark cells of one Kaplan-Meier line; estimates suppressed for hidden counts. */
static void sv_estimates(const build_context *b, const sv_line *k, table_row *row)
{
    char stat[3][KEY_SIZE];
    int hidden = build_count(b, row, 1, sv_value(b, k, KEY_STAT_N));
    hidden |= build_count(b, row, 2, sv_value(b, k, KEY_STAT_EVENTS));
    build_time_ci(b, row, 3, KEY_KM, k->endpoint, k->model, k->variable, k->level);
    for (size_t l = 0; l < b->s->n_landmarks; l++) {
        const char *at = b->s->landmark_texts[l];
        table_set_values(row, 4 + l, CELL_PERCENT_CI, b->t->decimals,
                         sv_value(b, k, key_stat_at(stat[0], KEY_STAT_SURV, at)),
                         sv_value(b, k, key_stat_at(stat[1], KEY_STAT_SURV_LOWER, at)),
                         sv_value(b, k, key_stat_at(stat[2], KEY_STAT_SURV_UPPER, at)));
    }
    if (hidden)
        build_suppress_estimates(row, 3, 4 + b->s->n_landmarks);
}

/* A subgroup variable: its heading with the log-rank p, then a row per level with a curve. */
static void sv_variable(const build_context *b, table *t, sv_line k, const study_variable *v, const char *title)
{
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, title);
    if (strcmp(k.model, KEY_UNWEIGHTED) == 0)
        build_p(b, row, sv_p_column(b), build_value(b, KEY_LOGRANK, k.endpoint, "", v->name, "", KEY_STAT_P));
    for (size_t level = 0; level < v->n_levels; level++) {
        char shown[256];
        k.level = v->levels[level];
        if (isnan(sv_value(b, &k, KEY_STAT_N)))
            continue;
        build_level(shown, sizeof shown, v->levels[level]);
        sv_estimates(b, &k, table_add_row(t, TABLE_ROW_LEVEL, shown));
    }
}

static void sv_notes(const build_context *b, table *t)
{
    table_add_footnote(t, "Kaplan-Meier estimates with 95%% confidence intervals (log scale, Greenwood variance; "
                          "infinitesimal-jackknife variance for the weighted rows, whose n and events are unweighted "
                          "counts). Median in %s; NA: not reached or not estimable. Survival at a landmark in percent; "
                          "NA beyond the group's last follow-up.%s",
                       b->s->time_unit, b->t->share ? " \xe2\x80\x94: suppressed (fewer than the minimum count of "
                                                      "patients or events)." : "");
}

table *build_survival(const build_context *b, size_t endpoint)
{
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    table *t = sv_table_new(b, ep);
    if (!t)
        return NULL;
    table_set_key(t, "Endpoint", build_endpoint_label(ep), "Survival by subgroup");
    sv_line all = {ep->name, KEY_UNWEIGHTED, KEY_ALL, ""};
    sv_estimates(b, &all, table_add_row(t, TABLE_ROW_TOTAL, "All patients"));
    for (size_t k = 0; k < s->n_subgroups; k++) {
        const study_variable *v = &s->variables[s->subgroups[k]];
        sv_variable(b, t, (sv_line){ep->name, KEY_UNWEIGHTED, v->name, NULL}, v, build_variable_label(v));
    }
    if (s->treatment >= 0) {
        const study_variable *v = &s->variables[s->treatment];
        if (isfinite(build_value(b, KEY_KM, ep->name, KEY_WEIGHTED, v->name, v->levels[0], KEY_STAT_N)))
            sv_variable(b, t, (sv_line){ep->name, KEY_WEIGHTED, v->name, NULL}, v,
                        table_format(t, "%s, propensity-weighted (ATE)", build_variable_label(v)));
    }
    sv_notes(b, t);
    char problem[512];
    if (build_endpoint_problem(b, endpoint, problem, sizeof problem))
        table_add_footnote(t, "Warning: %s.", problem);
    return t;
}
