/* The template sections of the report that are text and small tables: the methods and results
 * paragraphs (narrative.h), the monthly audit's counts, and the medians beside published benchmarks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/text.h"
#include "narrative.h"
#include "report_internal.h"

#define PARAGRAPH_SIZE 8192

embolo_error report_methods(report_context *ctx)
{
    char text[PARAGRAPH_SIZE];
    report_section_start(ctx, "Statistical methods", 0);
    narrative_methods(ctx->in, text, sizeof text);
    draw_paragraph(ctx->doc, text, DRAW_REGULAR, 10.0, 0.0);
    return EMBOLO_OK;
}

embolo_error report_results_text(report_context *ctx)
{
    char text[PARAGRAPH_SIZE];
    report_section_start(ctx, "Results", 0);
    narrative_results(ctx->in, text, sizeof text);
    draw_paragraph(ctx->doc, text, DRAW_REGULAR, 10.0, 0.0);
    draw_gap(ctx->doc, 6.0);
    report_note(ctx, "Generated from this run's numbers; the tables and figures below give every estimate.");
    return EMBOLO_OK;
}

/* "December 2012" of a day number. */
static void month_name(long day, char *out, size_t size)
{
    static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    char date[11];
    int year = 0, month = 1;
    text_format_date(day, date);
    if (sscanf(date, "%4d-%2d", &year, &month) != 2 || month < 1 || month > 12)
        month = 1;
    snprintf(out, size, "%s %d", months[month - 1], year);
}

static embolo_error audit_row(report_context *ctx, draw_table *table, const study_endpoint *ep)
{
    char cells[5][48];
    const char *stats[] = {"procedures_period", "procedures_total", "events_period", "events_total"};
    for (size_t k = 0; k < 4; k++)
        report_count(ctx, cells[k], sizeof cells[k], report_value(ctx, "audit", ep->name, "", "all", "", stats[k]));
    double median = report_value(ctx, "km", ep->name, "unweighted", "all", "", "median");
    report_estimate_ci(ctx, cells[4], sizeof cells[4], median,
                       report_value(ctx, "km", ep->name, "unweighted", "all", "", "median_lower"),
                       report_value(ctx, "km", ep->name, "unweighted", "all", "", "median_upper"));
    const char *row[] = {report_endpoint_label(ep), cells[0], cells[1], cells[2], cells[3], cells[4]};
    return draw_table_add(table, row, DRAW_ROW_PLAIN);
}

embolo_error report_audit(report_context *ctx)
{
    static const char *const headers[] = {"Endpoint", "Procedures\nin the month", "Procedures\nto date",
                                          "Events\nin the month", "Events\nto date", "Median to date\n(95% CI)"};
    char month[32], title[96], note[256], cut_off[11];
    report_section_start(ctx, "Audit of the month", 0);
    if (!ctx->in->has_as_of) {
        report_note(ctx, "No data cut-off was given (--as-of, or period in the template): no audit period.");
        return EMBOLO_OK;
    }
    month_name(ctx->in->as_of, month, sizeof month);
    text_format_date(ctx->in->as_of, cut_off);
    snprintf(note, sizeof note, "Reporting period: %s; data cut-off %s. Procedures are counted by their start "
             "date, events (progressions, deaths) by the date they were recorded.", month, cut_off);
    report_note(ctx, note);
    draw_table *table = report_table_new(headers, 6);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t e = 0; e < ctx->s->n_endpoints && err == EMBOLO_OK; e++)
        if (ctx->s->endpoints[e].form == ENDPOINT_DATES)
            err = audit_row(ctx, table, &ctx->s->endpoints[e]);
    snprintf(title, sizeof title, "Procedures and events in %s and to date", month);
    return report_table_finish(ctx, table, title, err);
}

static embolo_error benchmark_row(report_context *ctx, draw_table *table, const template_benchmark *b)
{
    char level[64], n_text[32], ours[64], published[32];
    const char *verdict = "no CI";
    double n = report_value(ctx, "km", b->endpoint, "unweighted", b->variable, b->level, "n");
    double flag = report_value(ctx, "benchmark", b->endpoint, "", b->variable, b->level, "flag");
    int ep = -1;
    for (size_t e = 0; e < ctx->s->n_endpoints; e++)
        if (!strcmp(ctx->s->endpoints[e].name, b->endpoint))
            ep = (int)e;
    report_level(level, sizeof level, b->level);
    report_count(ctx, n_text, sizeof n_text, n);
    if (report_hidden(ctx, n))
        snprintf(ours, sizeof ours, "suppressed");
    else
        report_estimate_ci(ctx, ours, sizeof ours,
                           report_value(ctx, "benchmark", b->endpoint, "", b->variable, b->level, "median"),
                           report_value(ctx, "benchmark", b->endpoint, "", b->variable, b->level, "median_lower"),
                           report_value(ctx, "benchmark", b->endpoint, "", b->variable, b->level, "median_upper"));
    report_number(ctx, published, sizeof published, b->median);
    if (flag == 1.0)
        verdict = "FLAG: CI excludes it";
    else if (flag == 0.0)
        verdict = "consistent";
    if (report_hidden(ctx, n))
        verdict = "";
    const char *row[] = {ep >= 0 ? report_endpoint_label(&ctx->s->endpoints[ep]) : b->endpoint, level, n_text, ours,
                         published, verdict};
    return draw_table_add(table, row, flag == 1.0 ? DRAW_ROW_TOTAL : DRAW_ROW_PLAIN);
}

embolo_error report_benchmarks(report_context *ctx)
{
    static const char *const headers[] = {"Endpoint", "Group", "n", "Median (95% CI)", "Published\nmedian",
                                          "Comparison"};
    const report_template *t = ctx->t;
    char note[512];
    report_section_start(ctx, "Medians beside published benchmarks", 0);
    if (t->n_benchmarks == 0) {
        report_note(ctx, "The template names no benchmark.");
        return EMBOLO_OK;
    }
    draw_table *table = report_table_new(headers, 6);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < t->n_benchmarks && err == EMBOLO_OK; i++)
        err = benchmark_row(ctx, table, &t->benchmarks[i]);
    err = report_table_finish(ctx, table, "Institutional medians and published benchmarks", err);
    snprintf(note, sizeof note, "A benchmark is flagged when the institution's 95%% confidence interval of the "
             "median excludes it (an upper limit not reached counts as unbounded). Times in %s. Source: %s.",
             ctx->s->time_unit, t->benchmark_source ? t->benchmark_source : "not given");
    report_note(ctx, note);
    return err;
}
