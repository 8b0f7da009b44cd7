/* The Summary sheet (provenance and the key results), and the audit template's Audit and
 * Benchmarks sheets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "narrative.h"
#include "workbook_internal.h"

enum { SUMMARY_SECTION, SUMMARY_ITEM, SUMMARY_VALUE, SUMMARY_LOWER, SUMMARY_UPPER, SUMMARY_P, SUMMARY_COLS };

static void summary_header(wb_sheet *s)
{
    static const char *const names[SUMMARY_COLS] = {"Section", "Item", "Value", "Lower 95% CI", "Upper 95% CI", "p"};
    wb_header_row(s, names, SUMMARY_COLS);
}

/* Starts a row: its section and item. */
static void summary_row(wb_sheet *s, const char *section, const char *item)
{
    wb_text(s, SUMMARY_SECTION, section);
    wb_text(s, SUMMARY_ITEM, item);
}

static void summary_text(wb_sheet *s, const char *item, const char *value)
{
    summary_row(s, "Provenance", item);
    wb_text(s, SUMMARY_VALUE, value);
    wb_next_row(s);
}

static void summary_count(wb_sheet *s, const char *item, double count)
{
    summary_row(s, "Provenance", item);
    wb_count(s, SUMMARY_VALUE, count);
    wb_next_row(s);
}

static size_t rows_excluded(const exclusion_log *log)
{
    size_t n = 0;
    for (size_t i = 0; i < log->n; i++)
        n += strcmp(log->items[i].scope, "row") == 0;
    return n;
}

/* The as-of date, and the newest date in the data (a patient's date: not under the share template). */
static void summary_dates(wb_sheet *s)
{
    const render_input *in = s->book->in;
    summary_row(s, "Provenance", "As-of date");
    if (in->has_as_of)
        wb_number(s, SUMMARY_VALUE, (double)in->as_of, WB_DATE);
    else
        wb_text(s, SUMMARY_VALUE, "none");
    wb_next_row(s);
    if (!in->data->has_newest_date || s->book->t->share)
        return;
    summary_row(s, "Provenance", "Newest date in the data");
    wb_number(s, SUMMARY_VALUE, (double)in->data->newest_date, WB_DATE);
    wb_next_row(s);
}

static void summary_provenance(wb_sheet *s)
{
    const render_input *in = s->book->in;
    const report_template *t = s->book->t;
    summary_text(s, "Title", t->title ? t->title : in->study->title);
    summary_text(s, "embolo version", in->version);
    summary_text(s, "Input file", in->input_path);
    summary_text(s, "Input SHA-256", in->input_sha256);
    summary_text(s, "Study file", in->study->path);
    summary_text(s, "Study SHA-256", in->study_sha256);
    summary_text(s, "Template", in->template_path ? in->template_path : "built-in default");
    if (in->template_path)
        summary_text(s, "Template SHA-256", in->template_sha256);
    summary_dates(s);
    summary_text(s, "Time unit", in->study->time_unit);
    summary_count(s, "Rows read", (double)in->data->rows_read);
    summary_count(s, "Rows analysed", (double)in->data->n);
    summary_count(s, "Rows excluded", (double)rows_excluded(in->log));
    summary_count(s, "Lines in the exclusion log", (double)in->log->n);
    summary_count(s, "Warnings", in->results ? (double)in->results->n_warnings : 0.0);
}

/* A row with an estimate, its CI and optionally a p-value. */
static void summary_estimate(wb_sheet *s, const char *section, const char *item, const double value[4], wb_kind kind,
                             int suppressed)
{
    summary_row(s, section, item);
    wb_estimate(s, SUMMARY_VALUE, value[0], kind, suppressed);
    wb_estimate(s, SUMMARY_LOWER, value[1], kind, suppressed);
    wb_estimate(s, SUMMARY_UPPER, value[2], kind, suppressed);
    if (!isnan(value[3]))
        wb_estimate(s, SUMMARY_P, value[3], WB_P, suppressed);
    wb_next_row(s);
}

/* n and events of an endpoint; returns whether its estimates are suppressed. */
static int summary_counts(wb_sheet *s, const study_endpoint *e)
{
    int hidden;
    summary_row(s, wb_endpoint_label(e), "Patients");
    hidden = wb_count(s, SUMMARY_VALUE, wb_value(s->book, "km", e->name, "unweighted", "all", "", "n"));
    wb_next_row(s);
    summary_row(s, wb_endpoint_label(e), "Events");
    hidden |= wb_count(s, SUMMARY_VALUE, wb_value(s->book, "km", e->name, "unweighted", "all", "", "events"));
    wb_next_row(s);
    return hidden;
}

static void summary_medians(wb_sheet *s, const study_endpoint *e, int hidden)
{
    const wb_book *b = s->book;
    const char *unit = b->in->study->time_unit;
    char item[160];
    double follow[4] = {wb_value(b, "followup", e->name, "reverse_km", "all", "", "median"),
                        wb_value(b, "followup", e->name, "reverse_km", "all", "", "median_lower"),
                        wb_value(b, "followup", e->name, "reverse_km", "all", "", "median_upper"), NAN};
    double median[4] = {wb_value(b, "km", e->name, "unweighted", "all", "", "median"),
                        wb_value(b, "km", e->name, "unweighted", "all", "", "median_lower"),
                        wb_value(b, "km", e->name, "unweighted", "all", "", "median_upper"), NAN};
    snprintf(item, sizeof item, "Median follow-up (reverse Kaplan-Meier), %s", unit);
    summary_estimate(s, wb_endpoint_label(e), item, follow, WB_TIME, hidden);
    snprintf(item, sizeof item, "Median, %s", unit);
    summary_estimate(s, wb_endpoint_label(e), item, median, WB_TIME, hidden);
}

static void summary_landmarks(wb_sheet *s, const study_endpoint *e, int hidden)
{
    const study *st = s->book->in->study;
    for (size_t l = 0; l < st->n_landmarks && wb_ok(s->book); l++) {
        char item[160], stat[3][96];
        snprintf(stat[0], sizeof stat[0], "surv@%s", st->landmark_texts[l]);
        snprintf(stat[1], sizeof stat[1], "surv_lower@%s", st->landmark_texts[l]);
        snprintf(stat[2], sizeof stat[2], "surv_upper@%s", st->landmark_texts[l]);
        double value[4] = {wb_value(s->book, "km", e->name, "unweighted", "all", "", stat[0]),
                           wb_value(s->book, "km", e->name, "unweighted", "all", "", stat[1]),
                           wb_value(s->book, "km", e->name, "unweighted", "all", "", stat[2]), NAN};
        snprintf(item, sizeof item, "Survival at %s %s", st->landmark_texts[l], st->time_unit);
        summary_estimate(s, wb_endpoint_label(e), item, value, WB_SURV, hidden);
    }
}

/* The treatment's hazard ratio for one level in one Cox model, when the model has it. */
static void summary_hazard_ratio(wb_sheet *s, const study_endpoint *e, const char *model, const char *title,
                                 size_t level)
{
    const study *st = s->book->in->study;
    const study_variable *t = &st->variables[st->treatment];
    const char *name = t->name, *l = t->levels[level];
    double value[4] = {wb_value(s->book, "cox", e->name, model, name, l, "hr"),
                       wb_value(s->book, "cox", e->name, model, name, l, "hr_lower"),
                       wb_value(s->book, "cox", e->name, model, name, l, "hr_upper"),
                       wb_value(s->book, "cox", e->name, model, name, l, "p")};
    char item[256];
    if (isnan(value[0]))
        return;
    snprintf(item, sizeof item, "Hazard ratio %s vs %s, %s", l, t->levels[t->reference], title);
    summary_estimate(s, wb_endpoint_label(e), item, value, WB_HR, 0);
}

static void summary_treatment(wb_sheet *s, const study_endpoint *e)
{
    const study *st = s->book->in->study;
    const study_variable *t = &st->variables[st->treatment];
    char model[256], item[256];
    double p = wb_value(s->book, "logrank", e->name, "", t->name, "", "p");
    snprintf(item, sizeof item, "Log-rank test by %s", wb_variable_label(t));
    if (!isnan(p)) {
        summary_row(s, wb_endpoint_label(e), item);
        wb_number(s, SUMMARY_P, p, WB_P);
        wb_next_row(s);
    }
    snprintf(model, sizeof model, "univariate:%s", t->name);
    for (size_t l = 0; l < t->n_levels && wb_ok(s->book); l++) {
        if (l == t->reference)
            continue;
        summary_hazard_ratio(s, e, model, "unadjusted", l);
        summary_hazard_ratio(s, e, "multivariable", "multivariable", l);
        summary_hazard_ratio(s, e, "weighted_univariate", "propensity-weighted", l);
        summary_hazard_ratio(s, e, "weighted_multivariable", "propensity-weighted multivariable", l);
    }
}

static void summary_endpoint(wb_sheet *s, const study_endpoint *e)
{
    int hidden = summary_counts(s, e);
    summary_medians(s, e, hidden);
    summary_landmarks(s, e, hidden);
    if (s->book->in->study->treatment >= 0)
        summary_treatment(s, e);
}

static void summary_warnings(wb_sheet *s)
{
    const results *r = s->book->in->results;
    for (size_t i = 0; r && i < r->n_warnings && wb_ok(s->book); i++) {
        summary_row(s, "Warnings", r->warnings[i]);
        wb_next_row(s);
    }
}

void wb_write_summary(wb_book *b)
{
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Summary", SUMMARY_COLS))
        return;
    summary_header(&s);
    summary_provenance(&s);
    for (size_t e = 0; e < b->in->study->n_endpoints && wb_ok(b); e++)
        summary_endpoint(&s, &b->in->study->endpoints[e]);
    summary_warnings(&s);
    wb_sheet_end(&s, 1, 0, SUMMARY_COLS);
}

/* ---- Methods: the methods and results paragraphs the report prints ---- */

#define METHODS_TEXT_SIZE 16384
#define METHODS_TEXT_WIDTH 110

void wb_write_methods(wb_book *b)
{
    typedef void (*paragraph_writer)(const render_input *in, char *out, size_t size);
    static const struct {
        const char *title;
        paragraph_writer write;
    } paragraphs[] = {{"Statistical methods", narrative_methods}, {"Results", narrative_results}};
    char *text = malloc(METHODS_TEXT_SIZE);
    wb_sheet s;
    if (!text) {
        wb_fail(b, EMBOLO_ERROR_NOMEM, "the Methods sheet");
        return;
    }
    if (wb_sheet_begin(b, &s, "Methods", 1)) {
        wb_header(&s, 0, "Paragraph");
        wb_header(&s, 1, "Text");
        wb_next_row(&s);
        for (size_t i = 0; i < sizeof paragraphs / sizeof paragraphs[0]; i++) {
            paragraphs[i].write(b->in, text, METHODS_TEXT_SIZE);
            wb_text(&s, 0, paragraphs[i].title);
            wb_text_format(&s, 1, text, b->wrap);
            wb_next_row(&s);
        }
        wb_check(b, worksheet_set_column(s.ws, 1, 1, METHODS_TEXT_WIDTH, NULL), "sheet 'Methods'");
        wb_sheet_end(&s, 1, 0, 0);
    }
    free(text);
}

/* ---- Audit: procedures and events in the reporting period and to date ---- */

enum { AUDIT_ENDPOINT, AUDIT_LABEL, AUDIT_COLS = 6 };

void wb_write_audit(wb_book *b)
{
    static const char *const stats[] = {"procedures_period", "procedures_total", "events_period", "events_total"};
    static const char *const names[AUDIT_COLS] = {"Endpoint", "Label", "Procedures in the period",
                                                  "Procedures to date", "Events in the period", "Events to date"};
    const study *st = b->in->study;
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Audit", AUDIT_COLS))
        return;
    wb_header_row(&s, names, AUDIT_COLS);
    for (size_t e = 0; e < st->n_endpoints && wb_ok(b); e++) {
        if (isnan(wb_value(b, "audit", st->endpoints[e].name, "", "all", "", stats[1])))
            continue;
        wb_text(&s, AUDIT_ENDPOINT, st->endpoints[e].name);
        wb_text(&s, AUDIT_LABEL, wb_endpoint_label(&st->endpoints[e]));
        for (lxw_col_t k = 0; k < 4; k++)
            wb_count(&s, AUDIT_LABEL + 1 + k, wb_value(b, "audit", st->endpoints[e].name, "", "all", "", stats[k]));
        wb_next_row(&s);
    }
    if (s.row == 1)
        wb_note(&s, "No audit period: the audit needs an as-of date and dated endpoints.");
    wb_sheet_end(&s, 1, 0, AUDIT_COLS);
}

/* ---- Benchmarks: medians beside published ones ---- */

enum { BENCH_ENDPOINT, BENCH_VARIABLE, BENCH_LEVEL, BENCH_MEDIAN, BENCH_LOWER, BENCH_UPPER, BENCH_PUBLISHED,
       BENCH_FLAG, BENCH_SOURCE, BENCH_COLS };

static void benchmark_row(wb_sheet *s, const template_benchmark *m)
{
    static const char *const stats[] = {"median", "median_lower", "median_upper", "benchmark"};
    double flag = wb_value(s->book, "benchmark", m->endpoint, "", m->variable, m->level, "flag");
    wb_text(s, BENCH_ENDPOINT, m->endpoint);
    wb_text(s, BENCH_VARIABLE, m->variable);
    wb_text(s, BENCH_LEVEL, m->level);
    for (lxw_col_t k = 0; k < 4; k++)
        wb_number(s, BENCH_MEDIAN + k, wb_value(s->book, "benchmark", m->endpoint, "", m->variable, m->level, stats[k]),
                  WB_TIME);
    wb_text(s, BENCH_FLAG, isnan(flag) ? "NA" : flag != 0 ? "yes" : "no");
    wb_text(s, BENCH_SOURCE, s->book->t->benchmark_source);
    wb_next_row(s);
}

void wb_write_benchmarks(wb_book *b)
{
    static const char *const names[BENCH_COLS] = {"Endpoint", "Variable", "Level", "Median", "Lower 95% CI",
                                                  "Upper 95% CI", "Published median", "95% CI excludes it",
                                                  "Source"};
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Benchmarks", BENCH_COLS))
        return;
    wb_header_row(&s, names, BENCH_COLS);
    for (size_t i = 0; i < b->t->n_benchmarks && wb_ok(b); i++)
        benchmark_row(&s, &b->t->benchmarks[i]);
    if (s.row == 1)
        wb_note(&s, "The template names no benchmark.");
    wb_sheet_end(&s, 1, 0, BENCH_COLS);
}
