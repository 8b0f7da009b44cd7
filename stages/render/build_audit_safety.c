/* The procedures' monthly audit (procedures.md, section 5): the procedures of the month, of the 12
 * months and to date; the month and the 12 months against the template's thresholds, with what
 * prompts a review at a glance; the major adverse events of the month (never under share). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "common/text.h"
#include "format.h"

#define DASH "\xe2\x80\x94"

/* The audit's windows as results.csv gives them (audit_safety, all, start and end). */
typedef struct audit_windows {
    int present;
    long month_start, year_start, end;
    char month[32];   /* "December 2012" */
    char year[80];    /* "the 12 months to December 2012" */
} audit_windows;

static audit_windows windows_of(const build_context *b)
{
    audit_windows w = {0};
    w.month_start = build_day_of_number(build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_MONTH, -1, KEY_STAT_START, NULL));
    w.year_start = build_day_of_number(build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_ROLLING_12M, -1, KEY_STAT_START,
                                                             NULL));
    w.end = build_day_of_number(build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_MONTH, -1, KEY_STAT_END, NULL));
    w.present = w.month_start >= 0 && w.year_start >= 0 && w.end >= 0;
    if (w.present) {
        build_month_name(w.end, w.month, sizeof w.month);
        snprintf(w.year, sizeof w.year, "the 12 months to %s", w.month);
    }
    return w;
}

/* The windows' days: "2012-12-01 to 2012-12-31 ... (reference date: ...)". Under share only with a data
 * cut-off, since the reference date is otherwise the latest procedure's. */
static void windows_note(const build_context *b, table *t, const audit_windows *w)
{
    char month_start[11], year_start[11], end[11];
    if (b->t->share && !b->in->has_as_of)
        return;
    text_format_date(w->month_start, month_start);
    text_format_date(w->year_start, year_start);
    text_format_date(w->end, end);
    table_add_footnote(t, "The month: %s to %s; the 12 months: %s to %s (reference date: %s).", month_start, end,
                       year_start, end, b->in->has_as_of ? "the data cut-off" : "the latest included procedure");
}

static table *note_table(table *t, const char *note)
{
    if (t)
        table_add_row(t, TABLE_ROW_NOTE, note);
    return t;
}

/* ---- procedures and patients per window ---- */

static void volume_row(const build_context *b, table *t, int modality)
{
    static const struct {
        const char *section, *model, *stat;
    } cells[] = {
        {KEY_AUDIT_SAFETY, KEY_MONTH, KEY_STAT_PROCEDURES},   {KEY_AUDIT_SAFETY, KEY_ROLLING_12M, KEY_STAT_PROCEDURES},
        {KEY_SAFETY, "", KEY_STAT_PROCEDURES},                {KEY_AUDIT_SAFETY, KEY_MONTH, KEY_STAT_PATIENTS},
        {KEY_AUDIT_SAFETY, KEY_ROLLING_12M, KEY_STAT_PATIENTS}, {KEY_SAFETY, "", KEY_STAT_PATIENTS},
    };
    table_row *row = table_add_row(t, modality < 0 ? TABLE_ROW_TOTAL : TABLE_ROW_PLAIN,
                                   build_modality_label(b, modality));
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++)
        build_count(b, row, 1 + c, build_procedure_value(b, cells[c].section, cells[c].model, modality, cells[c].stat,
                                                         NULL));
}

table *build_audit_procedures(const build_context *b)
{
    static const char *const headers[] = {"Modality",          "Procedures\nin the month", "Procedures\nin 12 months",
                                          "Procedures\nto date", "Patients\nin the month",  "Patients\nin 12 months",
                                          "Patients\nto date"};
    if (!build_has_procedures(b))
        return build_no_procedures("Procedures of the audit");
    audit_windows w = windows_of(b);
    table *t = table_new(w.present ? "" : "Procedures of the audit", headers, 7);
    if (!t || !w.present)
        return note_table(t, "No audit window: no procedure is included and there is no data cut-off.");
    t->title = table_format(t, "Procedures in %s, in %s and to date", w.month, w.year);
    for (int m = 0; m < (int)build_modalities(b); m++)
        volume_row(b, t, m);
    volume_row(b, t, -1);
    table_add_footnote(t, "Included procedures by their date (procedures.csv). Patients: those with a procedure in the "
                          "window (a patient treated with two modalities counts under each).");
    windows_note(b, t, &w);
    return t;
}

/* ---- the month and the 12 months against the thresholds ---- */

/* The columns of a window: events, n, rate (95% CI), review. */
#define AUDIT_WINDOW_COLUMNS 4

static const char *review_text(double above, double flag)
{
    if (!isfinite(above))
        return "no data";
    if (above != 1.0)
        return "no";
    return flag == 1.0 ? "REVIEW, beyond chance" : "REVIEW";
}

static void audit_window_cells(const build_context *b, table *t, table_row *row, size_t first, const char *window,
                               int modality, const char *prefix, const char *beyond)
{
    double events = build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, KEY_STAT_EVENTS);
    double n = build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, KEY_STAT_N);
    int hidden = build_count(b, row, first, events);
    hidden |= build_count(b, row, first + 1, n);
    table_set_values(row, first + 2, CELL_PERCENT_CI, b->t->decimals,
                     build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, KEY_STAT_RATE),
                     build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, KEY_STAT_LOWER),
                     build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, KEY_STAT_UPPER));
    table_set_text(t, row, first + 3,
                   review_text(build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, beyond),
                               build_procedure_value(b, KEY_AUDIT_SAFETY, window, modality, prefix, KEY_STAT_FLAG)));
    if (hidden) {
        build_suppress_estimates(row, first + 2, first + 3);
        table_set_text(t, row, first + 3, DASH);
    }
}

/* One measure: a heading, then all procedures and each modality in both windows. */
static void audit_measure(const build_context *b, table *t, const char *label, const char *prefix, const char *beyond)
{
    table_add_row(t, TABLE_ROW_HEADING, label);
    for (int m = -1; m < (int)build_modalities(b); m++) {
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, build_modality_label(b, m));
        double threshold = build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_MONTH, m, prefix, KEY_STAT_THRESHOLD);
        table_set_values(row, 1, CELL_PERCENT, b->t->decimals, threshold, NAN, NAN);
        audit_window_cells(b, t, row, 2, KEY_MONTH, m, prefix, beyond);
        audit_window_cells(b, t, row, 2 + AUDIT_WINDOW_COLUMNS, KEY_ROLLING_12M, m, prefix, beyond);
    }
}

static void audit_safety_notes(const build_context *b, table *t, const audit_windows *w)
{
    char month[32], year[32];
    table_add_footnote(t, "REVIEW: the rate is above its threshold (technical success: below it), which prompts a "
                          "review; beyond chance: its whole exact 95%% CI is beyond the threshold. Threshold: the highest "
                          "acceptable rate (technical success: the lowest), from the template's [thresholds] (embolo's "
                          "defaults are in the range of the SIR quality-improvement guidance; an institution sets its "
                          "own). n: the procedures with a known grade, 30-day status or result.");
    double in_month = build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_MONTH, -1, KEY_RATE_MORT30, KEY_STAT_UNKNOWN);
    format_count(month, sizeof month, b->t, in_month);
    format_count(year, sizeof year, b->t,
                 build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_ROLLING_12M, -1, KEY_RATE_MORT30, KEY_STAT_UNKNOWN));
    table_add_footnote(t, "30-day status unknown (follow-up or the data cut-off ends inside the 30 days; left out of "
                          "n): %s %s in %s, %s in the 12 months.", month,
                       build_plural(in_month, "procedure", "procedures"), w->month, year);
    windows_note(b, t, w);
}

table *build_audit_safety(const build_context *b)
{
    static const char *const headers[] = {
        "Group",           "Threshold",           "Events in\nthe month",   "n in\nthe month",
        "Rate in the month,\n% (95% CI)", "Review\n(month)", "Events in\n12 months", "n in\n12 months",
        "Rate in 12 months,\n% (95% CI)", "Review\n(12 months)"};
    if (!build_has_procedures(b))
        return build_no_procedures("Safety audit");
    audit_windows w = windows_of(b);
    table *t = table_new("Safety audit", headers, 10);
    if (!t || !w.present)
        return note_table(t, "No audit window: no procedure is included and there is no data cut-off.");
    t->title = table_format(t, "Safety audit: %s and %s against the thresholds", w.month, w.year);
    table_set_flat_headers(t, "Measure", "Modality");
    table_set_parts(t, 4, "Rate in the month", "Lower 95% CI (month)", "Upper 95% CI (month)");
    table_set_parts(t, 8, "Rate in 12 months", "Lower 95% CI (12 months)", "Upper 95% CI (12 months)");
    if (b->in->procedures->has_grade)
        audit_measure(b, t, "Major adverse events per procedure",
                      KEY_RATE_MAJOR_AE, KEY_STAT_ABOVE);
    audit_measure(b, t, "30-day mortality per procedure", KEY_RATE_MORT30,
                  KEY_STAT_ABOVE);
    if (b->in->procedures->has_success)
        audit_measure(b, t, "Technical success per procedure", KEY_RATE_TECH_SUCCESS,
                      KEY_STAT_BELOW);
    audit_safety_notes(b, t, &w);
    return t;
}

/* ---- the major adverse events of the month ---- */

typedef struct ae_order {
    long day;
    size_t record, index;
} ae_order;

static int by_day_and_record(const void *a, const void *b)
{
    const ae_order *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->record < y->record ? -1 : x->record > y->record;
}

static void major_ae_row(const build_context *b, table *t, const procedure *item)
{
    char date[11];
    text_format_date(item->day, date);
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, date);
    table_set_text(t, row, 1, build_modality_label(b, item->modality));
    table_set_text(t, row, 2, build_grade_label(b, item->grade));
    table_set_text(t, row, 3, item->term ? item->term : "not recorded");
    table_set_values(row, 4, CELL_GENERAL, 0, (double)item->record, NAN, NAN);
}

/* The month's procedures with a major AE, by date and record. */
static void major_ae_rows(const build_context *b, table *t, const audit_windows *w)
{
    const procedure_set *p = b->in->procedures;
    ae_order *order = malloc((p->n ? p->n : 1) * sizeof *order);
    size_t n = 0;
    if (!order) {
        t->error = EMBOLO_ERROR_NOMEM;
        return;
    }
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].grade >= PROCEDURE_MAJOR_GRADE && p->items[i].day >= w->month_start && p->items[i].day <= w->end)
            order[n++] = (ae_order){p->items[i].day, p->items[i].record, i};
    qsort(order, n, sizeof *order, by_day_and_record);
    for (size_t k = 0; k < n; k++)
        major_ae_row(b, t, &p->items[order[k].index]);
    free(order);
}

table *build_major_aes(const build_context *b)
{
    static const char *const headers[] = {"Date", "Modality", "Grade", "Adverse event", "Record"};
    if (!build_has_procedures(b))
        return build_no_procedures("Major adverse events of the month");
    audit_windows w = windows_of(b);
    table *t = table_new("Major adverse events of the month", headers, 5);
    if (!t)
        return NULL;
    if (b->t->share)
        return note_table(t, "Not listed in a document to share (procedure dates and free text).");
    if (!b->in->procedures->has_grade)
        return note_table(t, "The procedures file has no AE grade ([procedures] ae_grade): no major AE to list.");
    if (!w.present)
        return note_table(t, "No audit month: no procedure is included and there is no data cut-off.");
    t->title = table_format(t, "Major adverse events in %s", w.month);
    for (size_t c = 1; c < 4; c++)
        table_set_align(t, c, TABLE_LEFT);
    table_set_wrap(t, 3, 40);
    major_ae_rows(b, t, &w);
    if (t->n_rows == 0) {
        char known[32];
        double n = build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_MONTH, -1, KEY_RATE_MAJOR_AE, KEY_STAT_N);
        format_count(known, sizeof known, b->t, n);
        table_add_row(t, TABLE_ROW_NOTE, table_format(t, "No major adverse event in %s (%s %s with a known grade).",
                                                      w.month, known, build_plural(n, "procedure", "procedures")));
    }
    table_add_footnote(t, "Major: %s; grades on the study's scale. Record: the procedure's record number in the "
                          "procedures file.", b->s->procedures.scale == AE_SCALE_SIR
                                                  ? "SIR severe, life-threatening or death"
                                                  : "CTCAE grade 3 or worse");
    return t;
}
