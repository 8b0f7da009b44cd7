/* Curves by subgroup, one table per endpoint, as manuscript tables: n, events, median (95% CI),
 * survival at the landmarks and the log-rank p of each subgroup variable (Kaplan-Meier), or for an
 * endpoint with a competing event n, events, competing events, the cumulative incidence at the
 * landmarks and Gray's p (Aalen-Johansen); the propensity-weighted curves by treatment last. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

/* What a table of curves shows. */
typedef struct sv_kind {
    const char *section;                /* KEY_KM or KEY_CIF */
    const char *stat, *lower, *upper;   /* the estimate at a landmark and its limits */
    const char *measure;                /* "Survival" (the workbook's column headings) */
    const char *test;                   /* the test's section: KEY_LOGRANK, KEY_GRAY */
    const char *test_header;
    int median;                         /* a median column */
    int competing;                      /* a competing-events column */
} sv_kind;

static const sv_kind sv_km = {KEY_KM, KEY_STAT_SURV, KEY_STAT_SURV_LOWER, KEY_STAT_SURV_UPPER, "Survival",
                              KEY_LOGRANK, "Log-rank p", 1, 0};
static const sv_kind sv_cif = {KEY_CIF, KEY_STAT_CIF, KEY_STAT_CIF_LOWER, KEY_STAT_CIF_UPPER, "Cumulative incidence",
                               KEY_GRAY, "Gray's p", 0, 1};

/* A table of curves being built: its kind and where its columns are. */
typedef struct sv_table {
    const build_context *b;
    const sv_kind *kind;
    table *t;
    size_t competing, median, landmarks, p;   /* column indices (0: none) */
} sv_table;

/* One curve's keys. */
typedef struct sv_line {
    const char *endpoint, *model, *variable, *level;
} sv_line;

static double sv_value(const sv_table *st, const sv_line *k, const char *stat)
{
    return build_value(st->b, st->kind->section, k->endpoint, k->model, k->variable, k->level, stat);
}

/* The landmark columns: "12 months\n% (95% CI)", and in the workbook the estimate and its limits. */
static void sv_landmark_columns(const sv_table *st)
{
    const study *s = st->b->s;
    for (size_t l = 0; l < s->n_landmarks; l++) {
        const char *at = s->landmark_texts[l];
        st->t->columns[st->landmarks + l].header = table_format(st->t, "%s %s\n%% (95%% CI)", at, s->time_unit);
        table_set_parts(st->t, st->landmarks + l, table_format(st->t, "%s at %s %s", st->kind->measure, at, s->time_unit),
                        table_format(st->t, "Lower 95%% CI at %s %s", at, s->time_unit),
                        table_format(st->t, "Upper 95%% CI at %s %s", at, s->time_unit));
    }
}

static void sv_columns(sv_table *st)
{
    size_t c = 3;
    st->competing = st->kind->competing ? c++ : 0;
    st->median = st->kind->median ? c++ : 0;
    st->landmarks = c;
    st->p = c + st->b->s->n_landmarks;
}

/* The table, titled title (NULL: from join, build_endpoint_table) and keyed by the endpoint. */
static table *sv_table_new(sv_table *st, const study_endpoint *ep, const char *title, const char *join)
{
    const study *s = st->b->s;
    sv_columns(st);
    size_t n = st->p + 1;
    const char **headers = calloc(n, sizeof *headers);
    char median[160], test[64];
    if (!headers)
        return NULL;
    snprintf(median, sizeof median, "Median, %.80s\n(95%% CI)", s->time_unit);
    snprintf(test, sizeof test, "%s", st->kind->test_header);
    *strrchr(test, ' ') = '\n';
    for (size_t c = 0; c < n; c++)
        headers[c] = "";
    headers[0] = "Subgroup";
    headers[1] = "n";
    headers[2] = "Events";
    if (st->competing)
        headers[st->competing] = "Competing\nevents";
    if (st->median)
        headers[st->median] = median;
    headers[st->p] = test;
    table *t = st->t = title ? table_new(title, headers, n) : build_endpoint_table(ep, join, headers, n);
    free(headers);
    if (!t)
        return NULL;
    if (title)
        table_set_key(t, "Endpoint", build_endpoint_label(ep), join);
    sv_landmark_columns(st);
    snprintf(median, sizeof median, "Median (%s)", s->time_unit);
    if (st->median)
        table_set_parts(t, st->median, median, "Lower 95% CI", "Upper 95% CI");
    table_set_parts(t, st->p, st->kind->test_header, NULL, NULL);
    table_set_flat_headers(t, "Variable", "Level");
    return t;
}

/* The counts, median and landmark cells of one curve; estimates suppressed for hidden counts. */
static void sv_estimates(const sv_table *st, const sv_line *k, table_row *row)
{
    const build_context *b = st->b;
    char stat[3][KEY_SIZE];
    int hidden = build_count(b, row, 1, sv_value(st, k, KEY_STAT_N));
    hidden |= build_count(b, row, 2, sv_value(st, k, KEY_STAT_EVENTS));
    if (st->competing)
        hidden |= build_count(b, row, st->competing, sv_value(st, k, KEY_STAT_COMPETING));
    if (st->median)
        build_time_ci(b, row, st->median, st->kind->section, k->endpoint, k->model, k->variable, k->level);
    for (size_t l = 0; l < b->s->n_landmarks; l++) {
        const char *at = b->s->landmark_texts[l];
        table_set_values(row, st->landmarks + l, CELL_PERCENT_CI, b->t->decimals,
                         sv_value(st, k, key_stat_at(stat[0], st->kind->stat, at)),
                         sv_value(st, k, key_stat_at(stat[1], st->kind->lower, at)),
                         sv_value(st, k, key_stat_at(stat[2], st->kind->upper, at)));
    }
    if (hidden)
        build_suppress_estimates(row, 3, st->p);
}

/* A subgroup variable: its heading with the test's p, then a row per level with a curve (nothing
 * when no level has one). */
static void sv_variable(const sv_table *st, sv_line k, const study_variable *v, const char *title)
{
    size_t curves = 0;
    for (size_t level = 0; level < v->n_levels; level++) {
        k.level = v->levels[level];
        curves += !isnan(sv_value(st, &k, KEY_STAT_N));
    }
    if (curves == 0)
        return;
    table_row *row = table_add_row(st->t, TABLE_ROW_HEADING, title);
    if (strcmp(k.model, KEY_UNWEIGHTED) == 0)
        build_p(st->b, row, st->p, build_value(st->b, st->kind->test, k.endpoint, "", v->name, "", KEY_STAT_P));
    for (size_t level = 0; level < v->n_levels; level++) {
        char shown[256];
        k.level = v->levels[level];
        if (isnan(sv_value(st, &k, KEY_STAT_N)))
            continue;
        build_level(shown, sizeof shown, v->levels[level]);
        sv_estimates(st, &k, table_add_row(st->t, TABLE_ROW_LEVEL, shown));
    }
}

static const char *sv_suppressed_note(const build_context *b)
{
    return b->t->share ? " \xe2\x80\x94: suppressed (fewer than the minimum count of patients or events)." : "";
}

static void sv_notes(const build_context *b, table *t)
{
    table_add_footnote(t, "Kaplan-Meier estimates with 95%% confidence intervals (log scale, Greenwood variance; "
                          "infinitesimal-jackknife variance for the weighted rows, whose n and events are unweighted "
                          "counts). Median in %s; NA: not reached or not estimable. Survival at a landmark in percent; "
                          "NA beyond the group's last follow-up.%s",
                       b->s->time_unit, sv_suppressed_note(b));
}

static void cif_notes(const build_context *b, table *t)
{
    table_add_footnote(t, "Aalen-Johansen estimates of the cumulative incidence of the event, with the competing event "
                          "as a competing risk (not censoring), and 95%% confidence intervals (log scale, "
                          "infinitesimal-jackknife variance; NA where the incidence is 0). In percent at each landmark; "
                          "NA beyond the group's last follow-up. Gray's test compares the groups' cumulative incidence. "
                          "Weighted rows: ATE weights; their n, events and competing events are unweighted counts.%s",
                       sv_suppressed_note(b));
}

/* The rows of every curve of an endpoint: all patients, each subgroup variable, then weighted by treatment. */
static void sv_rows(const sv_table *st, const study_endpoint *ep)
{
    const study *s = st->b->s;
    sv_line all = {ep->name, KEY_UNWEIGHTED, KEY_ALL, ""};
    sv_estimates(st, &all, table_add_row(st->t, TABLE_ROW_TOTAL, "All patients"));
    for (size_t k = 0; k < s->n_subgroups; k++) {
        const study_variable *v = &s->variables[s->subgroups[k]];
        sv_variable(st, (sv_line){ep->name, KEY_UNWEIGHTED, v->name, NULL}, v, build_variable_label(v));
    }
    if (s->treatment >= 0) {
        const study_variable *v = &s->variables[s->treatment];
        for (size_t level = 0; level < v->n_levels; level++)
            if (isfinite(build_value(st->b, st->kind->section, ep->name, KEY_WEIGHTED, v->name, v->levels[level],
                                     KEY_STAT_N))) {
                sv_variable(st, (sv_line){ep->name, KEY_WEIGHTED, v->name, NULL}, v,
                            table_format(st->t, "%s, propensity-weighted (ATE)", build_variable_label(v)));
                break;
            }
    }
}

table *build_survival(const build_context *b, size_t endpoint)
{
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    sv_table st = {.b = b, .kind = &sv_km};
    char title[300];
    snprintf(title, sizeof title, "%.200s by subgroup", build_endpoint_label(ep));
    table *t = sv_table_new(&st, ep, title, "Survival by subgroup");
    if (!t)
        return NULL;
    sv_rows(&st, ep);
    sv_notes(b, t);
    return t;
}

table *build_cif(const build_context *b, size_t endpoint)
{
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    sv_table st = {.b = b, .kind = &sv_cif};
    table *t = sv_table_new(&st, ep, NULL, "Cumulative incidence by subgroup");
    if (!t)
        return NULL;
    if (isnan(build_value(b, KEY_CIF, ep->name, KEY_UNWEIGHTED, KEY_ALL, "", KEY_STAT_N))) {
        table_add_row(t, TABLE_ROW_NOTE, study_endpoint_has_competing(ep)
                                             ? "No cumulative incidence was estimated for this endpoint."
                                             : "This endpoint has no competing event.");
        return t;
    }
    sv_rows(&st, ep);
    cif_notes(b, t);
    return t;
}
