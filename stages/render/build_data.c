/* The large tables only the workbook lists: the exclusion log (under the share template only the
 * number of lines per code), the analysed rows as patients.csv has them, and the points of every
 * Kaplan-Meier curve. Their rows are filled on demand (table_set_source): nothing is held per row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

/* A table whose rows would pass a sheet's limit, or the template's: one note instead. */
static table *note_instead(table *t, const char *note)
{
    table_add_row(t, TABLE_ROW_NOTE, note);
    return t;
}

/* ---- Exclusions ---- */

static void exclusion_fill(const void *source, size_t index, table *t, table_row *row)
{
    const exclusion *e = &((const build_context *)source)->in->log->items[index];
    (void)t;
    snprintf(row->buffer, sizeof row->buffer, "%zu", e->row);
    row->label = row->buffer;
    table_set_text_borrowed(row, 1, e->id);
    table_set_text_borrowed(row, 2, e->scope);
    table_set_text_borrowed(row, 3, e->code);
    table_set_text_borrowed(row, 4, e->column);
    table_set_text_borrowed(row, 5, e->value);
    table_set_text_borrowed(row, 6, e->message);
}

/* Share template: no ids, values or messages, only the number of lines per scope and code. */
static table *exclusion_counts(const build_context *b)
{
    static const char *const headers[] = {"Scope", "Code", "n"};
    const exclusion_log *log = b->in->log;
    table *t = table_new("Exclusions (lines per code)", headers, 3);
    for (size_t i = 0; t && i < log->n; i++) {
        const exclusion *e = &log->items[i];
        size_t first = 0, n = 0;
        while (first < i && (strcmp(log->items[first].scope, e->scope) || strcmp(log->items[first].code, e->code)))
            first++;
        if (first < i)
            continue;
        for (size_t k = i; k < log->n; k++)
            n += !strcmp(log->items[k].scope, e->scope) && !strcmp(log->items[k].code, e->code);
        table_row *row = table_add_row(t, TABLE_ROW_PLAIN, e->scope);
        table_set_text(t, row, 1, e->code);
        build_count(b, row, 2, (double)n);
    }
    if (t && log->n == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No record, endpoint or value was excluded.");
    return t;
}

table *build_exclusions(const build_context *b)
{
    static const char *const headers[] = {"Row", "ID", "Scope", "Code", "Column", "Value", "Message"};
    const exclusion_log *log = b->in->log;
    if (b->t->share)
        return exclusion_counts(b);
    table *t = table_new("Exclusions", headers, 7);
    build_context *source = t ? malloc(sizeof *source) : NULL;
    if (!source) {
        table_free(t);
        return NULL;
    }
    *source = *b;
    if (log->n > BUILD_SHEET_MAX_ROWS - 1) {
        free(source);
        return note_instead(t, table_format(t, "%zu exclusion lines: more than an Excel sheet holds (%d rows with the "
                                               "header); see exclusions.csv.", log->n, BUILD_SHEET_MAX_ROWS));
    }
    if (log->n == 0) {
        free(source);
        return note_instead(t, "No record, endpoint or value was excluded.");
    }
    table_set_source(t, log->n, exclusion_fill, source);
    return t;
}

/* ---- Patients ---- */

static int patients_weighted(const build_context *b)
{
    return b->data->weight && b->data->ps && b->s->treatment >= 0;
}

static size_t patients_columns(const build_context *b)
{
    return 2 + 2 * b->s->n_endpoints + b->s->n_variables + (patients_weighted(b) ? b->data->n_groups + 2 : 0);
}

/* A number left empty when missing (as in patients.csv). */
static void patients_number(table_row *row, size_t column, cell_format format, int decimals, double value)
{
    if (isfinite(value))
        table_set_values(row, column, format, decimals, value, NAN, NAN);
}

static void patients_fill(const void *source, size_t i, table *t, table_row *row)
{
    const build_context *b = source;
    const dataset *d = b->data;
    size_t c = 2;
    (void)t;
    snprintf(row->buffer, sizeof row->buffer, "%zu", d->record[i]);
    row->label = row->buffer;
    table_set_text_borrowed(row, 1, d->id[i]);
    for (size_t e = 0; e < b->s->n_endpoints; e++, c += 2) {
        patients_number(row, c, CELL_NUMBER, b->t->decimals, d->time[e][i]);
        if (d->event[e][i] >= 0)
            patients_number(row, c + 1, CELL_GENERAL, 0, d->event[e][i]);
    }
    for (size_t v = 0; v < b->s->n_variables; v++, c++) {
        double value = dataset_value(d, v, i);
        if (isnan(value))
            continue;
        if (study_variable_is_factor(&b->s->variables[v]))
            table_set_text_borrowed(row, c, b->s->variables[v].levels[(size_t)value]);
        else
            patients_number(row, c, CELL_GENERAL, 0, value);
    }
    if (!patients_weighted(b))
        return;
    for (size_t g = 0; g < d->n_groups; g++)
        patients_number(row, c++, CELL_NUMBER, 4, d->ps[i * d->n_groups + g]);
    patients_number(row, c++, CELL_NUMBER, 3, d->weight[i]);
    patients_number(row, c, CELL_NUMBER, 3, d->weight_stabilized[i]);
}

/* The column names of patients.csv. */
static void patients_headers(const build_context *b, table *t)
{
    const study *s = b->s;
    size_t c = 2;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        t->columns[c++].header = table_format(t, "%s_time", s->endpoints[e].name);
        t->columns[c++].header = table_format(t, "%s_event", s->endpoints[e].name);
    }
    for (size_t v = 0; v < s->n_variables; v++)
        t->columns[c++].header = table_string(t, s->variables[v].name);
    for (size_t g = 0; patients_weighted(b) && g < b->data->n_groups; g++)
        t->columns[c++].header = table_format(t, "ps_%s", s->variables[s->treatment].levels[g]);
    if (patients_weighted(b)) {
        t->columns[c++].header = table_string(t, "w");
        t->columns[c].header = table_string(t, "w_stabilized");
    }
}

table *build_patients(const build_context *b)
{
    size_t n = patients_columns(b);
    const char **headers = calloc(n, sizeof *headers);
    table *t = NULL;
    for (size_t c = 0; headers && c < n; c++)
        headers[c] = c == 0 ? "row" : c == 1 ? "id" : "";
    t = headers ? table_new("Patients (the analysed rows)", headers, n) : NULL;
    free(headers);
    if (!t)
        return NULL;
    if (b->data->n > BUILD_SHEET_MAX_ROWS - 1)
        return note_instead(t, table_format(t, "%zu analysed rows: more than an Excel sheet holds (%d rows with the "
                                               "header); see patients.csv.", b->data->n, BUILD_SHEET_MAX_ROWS));
    if (b->data->n > b->t->patients_max_rows)
        return note_instead(t, table_format(t, "%zu analysed rows: more than this template lists here ([workbook] "
                                               "patients_max_rows = %zu, at most %d); see patients.csv.", b->data->n,
                                            b->t->patients_max_rows, BUILD_SHEET_MAX_ROWS - 1));
    build_context *source = malloc(sizeof *source);
    if (!source) {
        table_free(t);
        return NULL;
    }
    *source = *b;
    patients_headers(b, t);
    table_set_source(t, b->data->n, patients_fill, source);
    return t;
}

/* ---- Kaplan-Meier curve points ---- */

typedef struct km_source {
    build_context b;
    const curve_set *curves;
    size_t starts[];  /* [curves->n + 1]: the first row of each curve */
} km_source;

static void km_fill(const void *source, size_t index, table *t, table_row *row)
{
    const km_source *k = source;
    size_t lo = 0, hi = k->curves->n;
    (void)t;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (k->starts[mid] <= index)
            lo = mid;
        else
            hi = mid;
    }
    const plot_curve *c = &k->curves->items[lo];
    size_t i = index - k->starts[lo];
    row->label = c->endpoint;
    table_set_text_borrowed(row, 1, c->model);
    table_set_text_borrowed(row, 2, c->variable);
    table_set_text_borrowed(row, 3, c->level);
    build_time(&k->b, row, 4, c->time[i]);
    int hidden = build_count(&k->b, row, 5, (double)c->n_risk[i]);
    build_count(&k->b, row, 6, (double)c->n_event[i]);
    build_count(&k->b, row, 7, (double)c->n_censor[i]);
    table_set_values(row, 8, CELL_PERCENT, k->b.t->decimals, c->surv[i], NAN, NAN);
    table_set_values(row, 9, CELL_PERCENT, k->b.t->decimals, c->lower[i], NAN, NAN);
    table_set_values(row, 10, CELL_PERCENT, k->b.t->decimals, c->upper[i], NAN, NAN);
    if (hidden)
        build_suppress_estimates(row, 8, 11);
}

table *build_km_data(const build_context *b)
{
    static const char *const headers[] = {"Endpoint", "Model", "Variable", "Level", "", "n at risk", "Events",
                                          "Censored", "Survival", "Lower 95% CI", "Upper 95% CI"};
    static const curve_set none = {0};
    const curve_set *curves = b->r->curves ? b->r->curves : &none;
    table *t = table_new("Kaplan-Meier curves: every step", headers, 11);
    km_source *source = t ? malloc(sizeof *source + (curves->n + 1) * sizeof source->starts[0]) : NULL;
    if (!source) {
        table_free(t);
        return NULL;
    }
    t->columns[4].header = table_format(t, "Time (%s)", b->s->time_unit);
    source->b = *b;
    source->curves = curves;
    source->starts[0] = 0;
    for (size_t c = 0; c < curves->n; c++)
        source->starts[c + 1] = source->starts[c] + curves->items[c].n_points;
    size_t rows = source->starts[curves->n];
    for (size_t c = 1; c < 4; c++)
        table_set_align(t, c, TABLE_LEFT);
    if (rows == 0 || rows > BUILD_SHEET_MAX_ROWS - 1) {
        free(source);
        return note_instead(t, rows ? table_format(t, "%zu curve points: more than an Excel sheet holds.", rows)
                                    : "No Kaplan-Meier curve in this run.");
    }
    table_set_source(t, rows, km_fill, source);
    return t;
}
