/* The procedures' workbook tables (procedures.md, sections 6-8): the CUSUM of major AEs with its
 * parameters and signals, the operators against the funnel's limits (numbered, not named, under
 * share), and the included procedures as procedures.csv has them (rows filled on demand; never under
 * share). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "common/text.h"
#include "format.h"

#define DASH "\xe2\x80\x94"
/* The signals a CUSUM row lists by position (and date); the count says how many there are in all. */
#define CUSUM_SIGNALS_LISTED 12

/* ---- CUSUM ---- */

static double cusum_value(const build_context *b, int modality, const char *stat)
{
    return build_procedure_value(b, KEY_CUSUM, "", modality, stat, NULL);
}

/* "#23 (2009-05-02), #57 (2010-01-13)": the signals' positions, and their dates unless under share. */
static void cusum_signals(const build_context *b, int modality, double signals, char *out, size_t size)
{
    size_t used = 0, n = isfinite(signals) && signals > 0 ? (size_t)signals : 0;
    out[0] = '\0';
    for (size_t k = 1; k <= n && k <= CUSUM_SIGNALS_LISTED && used < size; k++) {
        char stat[KEY_SIZE], date[11] = "";
        double position = cusum_value(b, modality, key_stat_at_index(stat, KEY_STAT_SIGNAL_T, k));
        long day = build_day_of_number(cusum_value(b, modality, key_stat_at_index(stat, KEY_STAT_SIGNAL_DATE, k)));
        if (day >= 0 && !b->t->share)
            text_format_date(day, date);
        used += (size_t)snprintf(out + used, size - used, "%s#%.0f%s%s%s", k > 1 ? ", " : "", position,
                                 date[0] ? " (" : "", date, date[0] ? ")" : "");
    }
    if (n > CUSUM_SIGNALS_LISTED && used < size)
        snprintf(out + used, size - used, ", \xe2\x80\xa6");
}

static void cusum_row(const build_context *b, table *t, int modality)
{
    char signals[1024];
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, build_modality_label(b, modality));
    table_set_values(row, 1, CELL_PERCENT, b->t->decimals, cusum_value(b, modality, KEY_STAT_P0), NAN, NAN);
    table_set_values(row, 2, CELL_PERCENT, b->t->decimals, cusum_value(b, modality, KEY_STAT_P1), NAN, NAN);
    build_number(row, 3, cusum_value(b, modality, KEY_STAT_H), 2);
    int hidden = build_count(b, row, 4, cusum_value(b, modality, KEY_STAT_N));
    hidden |= build_count(b, row, 5, cusum_value(b, modality, KEY_STAT_EVENTS));
    build_number(row, 6, cusum_value(b, modality, KEY_STAT_S_FINAL), 2);
    build_number(row, 7, cusum_value(b, modality, KEY_STAT_S_MAX), 2);
    double n_signals = cusum_value(b, modality, KEY_STAT_SIGNALS);
    build_number(row, 8, n_signals, 0);
    cusum_signals(b, modality, n_signals, signals, sizeof signals);
    table_set_text(t, row, 9, signals);
    if (hidden) {
        build_suppress_estimates(row, 6, 8);
        table_set_text(t, row, 9, DASH);
    }
}

table *build_cusum(const build_context *b)
{
    static const char *const headers[] = {"Group",           "p0\n(acceptable)", "p1\n(to detect)",  "Limit h",
                                          "Procedures",      "Major AEs",        "C at\nthe end",    "Highest C",
                                          "Signals",         "Signals at (procedure number)"};
    if (!build_has_procedures(b))
        return build_no_procedures("CUSUM of major adverse events");
    table *t = table_new("CUSUM of major adverse events (Bernoulli, restarting after a signal)", headers, 10);
    if (!t)
        return NULL;
    if (!isfinite(cusum_value(b, -1, KEY_STAT_N))) {
        table_add_row(t, TABLE_ROW_NOTE, "No CUSUM in this run (the procedures file has no AE grade).");
        return t;
    }
    if (!b->t->share)
        t->columns[9].header = table_string(t, "Signals at (procedure number, date)");
    table_set_align(t, 9, TABLE_LEFT);
    table_set_wrap(t, 9, 40);
    for (int m = -1; m < (int)build_modalities(b); m++)
        cusum_row(b, t, m);
    table_add_footnote(t, "Over the procedures with a known grade, by date: C = max(0, C + w) with w = log(p1/p0) "
                          "for a major AE and log((1 - p1)/(1 - p0)) otherwise; a signal when C reaches h, after "
                          "which the chart restarts at 0. p0, p1 and h: the template's [thresholds].");
    return t;
}

/* ---- the funnel of operators ---- */

static double funnel_value(const build_context *b, const char *window, const char *variable, const char *level,
                           const char *stat)
{
    return build_value(b, KEY_FUNNEL, "", window, variable, level, stat);
}

static const char *funnel_position(double flag95, double flag998)
{
    if (flag998 == 1.0)
        return "above the 99.8% limit";
    if (flag998 == -1.0)
        return "below the 99.8% limit";
    if (flag95 == 1.0)
        return "above the 95% limit";
    if (flag95 == -1.0)
        return "below the 95% limit";
    return isfinite(flag95) ? "inside" : "";
}

/* An operator's row; number: its place in the operators' order, its name under share. */
static void funnel_operator(const build_context *b, table *t, const char *window, const char *label, size_t number)
{
    static const char *const limits[] = {KEY_STAT_LOWER95, KEY_STAT_UPPER95, KEY_STAT_LOWER998, KEY_STAT_UPPER998};
    double n = funnel_value(b, window, KEY_OPERATOR, label, KEY_STAT_N);
    if (!isfinite(n))
        return;
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, b->t->share ? table_format(t, "Operator %zu", number) : label);
    int hidden = build_count(b, row, 1, n);
    hidden |= build_count(b, row, 2, funnel_value(b, window, KEY_OPERATOR, label, KEY_STAT_EVENTS));
    table_set_values(row, 3, CELL_PERCENT, b->t->decimals, funnel_value(b, window, KEY_OPERATOR, label, KEY_STAT_RATE),
                     NAN, NAN);
    for (size_t k = 0; k < 4; k++)
        table_set_values(row, 4 + k, CELL_PERCENT, b->t->decimals,
                         funnel_value(b, window, KEY_OPERATOR, label, limits[k]), NAN, NAN);
    table_set_text(t, row, 8, funnel_position(funnel_value(b, window, KEY_OPERATOR, label, KEY_STAT_FLAG95),
                                              funnel_value(b, window, KEY_OPERATOR, label, KEY_STAT_FLAG998)));
    if (hidden) {
        build_suppress_estimates(row, 3, 4);
        table_set_text(t, row, 8, DASH);
    }
}

static int by_label(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A window: its target rate on a heading, then its operators by name. */
static void funnel_window(const build_context *b, table *t, const char *window, const char *label,
                          const char **operators)
{
    double n = funnel_value(b, window, KEY_ALL, "", KEY_STAT_N);
    if (!isfinite(n))
        return;
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, label);
    build_count(b, row, 1, n);
    build_count(b, row, 2, funnel_value(b, window, KEY_ALL, "", KEY_STAT_EVENTS));
    table_set_values(row, 3, CELL_PERCENT, b->t->decimals, funnel_value(b, window, KEY_ALL, "", KEY_STAT_RATE), NAN,
                     NAN);
    for (size_t op = 0; op < b->in->procedures->n_operators; op++)
        funnel_operator(b, t, window, operators[op], op + 1);
}

table *build_funnel(const build_context *b)
{
    static const char *const headers[] = {"Operator",        "Procedures",          "Major AEs",
                                          "Rate",            "Lower 95%\nlimit",    "Upper 95%\nlimit",
                                          "Lower 99.8%\nlimit", "Upper 99.8%\nlimit", "Position"};
    if (!build_has_procedures(b))
        return build_no_procedures("Major adverse events per operator");
    table *t = table_new("Major adverse events per operator against the funnel's limits", headers, 9);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Window", "Operator");
    if (!isfinite(funnel_value(b, KEY_CUMULATIVE, KEY_ALL, "", KEY_STAT_N))) {
        table_add_row(t, TABLE_ROW_NOTE, "No funnel in this run (the procedures file has no AE grade or no operator).");
        return t;
    }
    const procedure_set *p = b->in->procedures;
    const char **operators = malloc((p->n_operators ? p->n_operators : 1) * sizeof *operators);
    if (!operators) {
        table_free(t);
        return NULL;
    }
    memcpy(operators, p->operators, p->n_operators * sizeof *operators);
    qsort(operators, p->n_operators, sizeof *operators, by_label);
    char month[32] = "", label[96];
    long end = build_day_of_number(build_procedure_value(b, KEY_AUDIT_SAFETY, KEY_MONTH, -1, KEY_STAT_END, NULL));
    if (end >= 0)
        build_month_name(end, month, sizeof month);
    snprintf(label, sizeof label, "The 12 months to %s (target: the rate of all)", month);
    funnel_window(b, t, KEY_CUMULATIVE, "All procedures to date (target: the rate of all)", operators);
    funnel_window(b, t, KEY_ROLLING_12M, label, operators);
    free(operators);
    char missing[32];
    double without = funnel_value(b, KEY_CUMULATIVE, KEY_ALL, "", KEY_STAT_OPERATOR_MISSING);
    format_count(missing, sizeof missing, b->t, without);
    table_add_footnote(t, "Procedures with a known grade and an operator; target: their major-AE rate. Limits: exact "
                          "binomial at the target with Spiegelhalter's interpolation; a rate on a limit is inside. %s "
                          "%s with a known grade %s no operator (left out).%s", missing,
                       build_plural(without, "procedure", "procedures"), build_plural(without, "names", "name"),
                       b->t->share ? " Operators are numbered, not named." : "");
    return t;
}

/* ---- the included procedures (procedures.csv) ---- */

static void procedure_number(table_row *row, size_t column, int value)
{
    if (value != PROCEDURE_UNKNOWN)
        table_set_values(row, column, CELL_GENERAL, 0, value, NAN, NAN);
}

static void procedures_fill(const void *source, size_t i, table *t, table_row *row)
{
    const build_context *b = source;
    const procedure *item = &b->in->procedures->items[i];
    (void)t;
    snprintf(row->buffer, sizeof row->buffer, "%zu", item->record);
    row->label = row->buffer;
    table_set_text_borrowed(row, 1, b->data->id[item->patient]);
    table_set_values(row, 2, CELL_DATE, 0, (double)item->day, NAN, NAN);
    table_set_text_borrowed(row, 3, build_modality_label(b, item->modality));
    procedure_number(row, 4, item->session);
    procedure_number(row, 5, item->grade);
    procedure_number(row, 6, item->grade == PROCEDURE_UNKNOWN ? PROCEDURE_UNKNOWN : item->grade >= PROCEDURE_MAJOR_GRADE);
    procedure_number(row, 7, item->death30);
    procedure_number(row, 8, item->success);
    if (isfinite(item->activity))
        table_set_values(row, 9, CELL_GENERAL, 0, item->activity, NAN, NAN);
    if (item->operator_index != PROCEDURE_UNKNOWN)
        table_set_text_borrowed(row, 10, b->in->procedures->operators[item->operator_index]);
}

table *build_procedures(const build_context *b)
{
    static const char *const headers[] = {"row",     "id",          "date",    "modality",
                                          "session", "ae_grade",    "major_ae", "death30",
                                          "technical_success", "activity_gbq", "operator"};
    if (!build_has_procedures(b))
        return build_no_procedures("Procedures");
    const procedure_set *p = b->in->procedures;
    table *t = table_new("Procedures (the included ones, as procedures.csv)", headers, 11);
    if (!t)
        return NULL;
    if (b->t->share)
        table_add_row(t, TABLE_ROW_NOTE, "Not listed in a document to share (patient ids and procedure dates).");
    else if (p->n > BUILD_SHEET_MAX_ROWS - 1 || p->n > b->t->patients_max_rows)
        table_add_row(t, TABLE_ROW_NOTE, table_format(t, "%zu procedures: more than this sheet lists ([workbook] "
                                                         "patients_max_rows = %zu, at most %d); see procedures.csv.",
                                                      p->n, b->t->patients_max_rows, BUILD_SHEET_MAX_ROWS - 1));
    else if (p->n == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No procedure is included.");
    else {
        build_context *source = malloc(sizeof *source);
        if (!source) {
            table_free(t);
            return NULL;
        }
        *source = *b;
        table_set_source(t, p->n, procedures_fill, source);
    }
    return t;
}
