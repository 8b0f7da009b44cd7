/* The monthly audit: procedures (with a procedures file: patients starting treatment) and events in
 * the reporting month and to date per dated endpoint, and the institution's medians beside published
 * benchmarks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "common/text.h"

static void audit_row(const build_context *b, table *t, const study_endpoint *ep)
{
    static const char *const stats[] = {KEY_STAT_PROCEDURES_PERIOD, KEY_STAT_PROCEDURES_TOTAL, KEY_STAT_EVENTS_PERIOD,
                                        KEY_STAT_EVENTS_TOTAL};
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, build_endpoint_label(ep));
    for (size_t k = 0; k < 4; k++)
        build_count(b, row, 1 + k, build_value(b, KEY_AUDIT, ep->name, "", KEY_ALL, "", stats[k]));
    build_time_ci(b, row, 5, KEY_KM, ep->name, KEY_UNWEIGHTED, KEY_ALL, "");
    if (build_hidden(b, build_value(b, KEY_KM, ep->name, KEY_UNWEIGHTED, KEY_ALL, "", KEY_STAT_N)))
        build_suppress_estimates(row, 5, 6);
}

/* Without a procedures file each patient's start is its procedure; with one, the procedures are counted
 * in their own table (build_audit_procedures) and this one counts the patients starting treatment. */
table *build_audit(const build_context *b)
{
    static const char *const by_start[] = {"Endpoint", "Procedures\nin the month", "Procedures\nto date",
                                           "Events\nin the month", "Events\nto date", "Median to date\n(95% CI)"};
    static const char *const by_patient[] = {"Endpoint", "Patients starting\nin the month", "Patients\nto date",
                                             "Events\nin the month", "Events\nto date", "Median to date\n(95% CI)"};
    char month[32] = "the month", title[96], cut_off[11];
    const render_input *in = b->in;
    int procedures = build_has_procedures(b);
    if (in->has_as_of)
        build_month_name(in->as_of, month, sizeof month);
    snprintf(title, sizeof title, "%s and events in %s and to date", procedures ? "Patients" : "Procedures", month);
    table *t = table_new(title, procedures ? by_patient : by_start, 6);
    if (!t)
        return NULL;
    table_set_parts(t, 5, "Median to date", "Lower 95% CI", "Upper 95% CI");
    if (!in->has_as_of) {
        table_add_row(t, TABLE_ROW_NOTE, procedures ? "No data cut-off was given (--as-of, or period in the template): "
                                                      "no audit period for the patients and events (the procedures' "
                                                      "month ends with the latest procedure)."
                                                    : "No data cut-off was given (--as-of, or period in the template): "
                                                      "no audit period.");
        return t;
    }
    for (size_t e = 0; e < b->s->n_endpoints; e++)
        if (b->s->endpoints[e].form == ENDPOINT_DATES &&
            isfinite(build_value(b, KEY_AUDIT, b->s->endpoints[e].name, "", KEY_ALL, "", KEY_STAT_PROCEDURES_TOTAL)))
            audit_row(b, t, &b->s->endpoints[e]);
    if (t->n_rows == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No audit period: the audit needs dated endpoints.");
    text_format_date(in->as_of, cut_off);
    if (procedures)
        table_add_footnote(t, "Reporting period: %s; data cut-off %s. Patients are counted by the start of their "
                              "follow-up (the patient file's, else their first procedure's date), events "
                              "(progressions, deaths) by the date they were recorded; the procedures of the period "
                              "are counted in the table of procedures.", month, cut_off);
    else
        table_add_footnote(t, "Reporting period: %s; data cut-off %s. Procedures are counted by their start date, "
                              "events (progressions, deaths) by the date they were recorded.", month, cut_off);
    return t;
}

static void benchmark_row(const build_context *b, table *t, const template_benchmark *m)
{
    char level[256];
    int e = build_endpoint_index(b->s, m->endpoint), v = study_find_variable(b->s, m->variable);
    double n = build_value(b, KEY_KM, m->endpoint, KEY_UNWEIGHTED, m->variable, m->level, KEY_STAT_N);
    double flag = build_value(b, KEY_BENCHMARK, m->endpoint, "", m->variable, m->level, KEY_STAT_FLAG);
    build_level(level, sizeof level, m->level);
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, e >= 0 ? build_endpoint_label(&b->s->endpoints[e]) : m->endpoint);
    table_set_text(t, row, 1, table_format(t, "%s %s", v >= 0 ? build_variable_label(&b->s->variables[v]) : m->variable,
                                           level));
    int hidden = build_count(b, row, 2, n);
    build_time_ci(b, row, 3, KEY_BENCHMARK, m->endpoint, "", m->variable, m->level);
    build_time(b, row, 4, m->median);
    table_set_text(t, row, 5, hidden ? "" : flag == 1.0 ? "FLAG: CI excludes it" : flag == 0.0 ? "consistent" : "no CI");
    if (hidden)
        build_suppress_estimates(row, 3, 4);
}

table *build_benchmarks(const build_context *b)
{
    static const char *const headers[] = {"Endpoint", "Group", "n", "Median (95% CI)", "Published\nmedian",
                                          "Comparison"};
    const report_template *tp = b->t;
    table *t = table_new("Institutional medians and published benchmarks", headers, 6);
    if (!t)
        return NULL;
    table_set_parts(t, 3, "Median", "Lower 95% CI", "Upper 95% CI");
    for (size_t i = 0; i < tp->n_benchmarks; i++)
        benchmark_row(b, t, &tp->benchmarks[i]);
    if (tp->n_benchmarks == 0)
        table_add_row(t, TABLE_ROW_NOTE, "The template names no benchmark.");
    table_add_footnote(t, "A benchmark is flagged when the institution's 95%% confidence interval of the median "
                          "excludes it (an upper limit not reached counts as unbounded). Times in %s. Source: %s.",
                       b->s->time_unit, tp->benchmark_source ? tp->benchmark_source : "not given");
    return t;
}
