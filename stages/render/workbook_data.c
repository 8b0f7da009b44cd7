/* The data sheets: Exclusions (the exclusion log; under the share template only counts per code),
 * Patients (the analysed rows, as patients.csv) and the Data dictionary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workbook_internal.h"

/* ---- Exclusions ---- */

enum { EXC_ROW, EXC_ID, EXC_SCOPE, EXC_CODE, EXC_COLUMN, EXC_VALUE, EXC_MESSAGE, EXC_COLS };

static void exclusions_list(wb_sheet *s, const exclusion_log *log)
{
    static const char *const names[EXC_COLS] = {"Row", "ID", "Scope", "Code", "Column", "Value", "Message"};
    wb_header_row(s, names, EXC_COLS);
    for (size_t i = 0; i < log->n && wb_ok(s->book); i++) {
        const exclusion *e = &log->items[i];
        wb_number(s, EXC_ROW, (double)e->row, WB_COUNT);
        wb_text(s, EXC_ID, e->id);
        wb_text(s, EXC_SCOPE, e->scope);
        wb_text(s, EXC_CODE, e->code);
        wb_text(s, EXC_COLUMN, e->column);
        wb_text(s, EXC_VALUE, e->value);
        wb_text(s, EXC_MESSAGE, e->message);
        wb_next_row(s);
    }
}

typedef struct exclusion_count {
    const char *scope, *code;
    size_t n;
} exclusion_count;

/* The number of lines per scope and code, in order of first appearance; NULL when out of memory. */
static exclusion_count *exclusions_tally(const exclusion_log *log, size_t *n_counts)
{
    exclusion_count *counts = NULL;
    size_t capacity = 0;
    *n_counts = 0;
    for (size_t i = 0; i < log->n; i++) {
        const exclusion *e = &log->items[i];
        size_t k = 0;
        while (k < *n_counts && (strcmp(counts[k].scope, e->scope) || strcmp(counts[k].code, e->code)))
            k++;
        if (k == capacity) {
            exclusion_count *grown = realloc(counts, (capacity = capacity ? 2 * capacity : 16) * sizeof *grown);
            if (!grown) {
                free(counts);
                return NULL;
            }
            counts = grown;
        }
        if (k == *n_counts)
            counts[(*n_counts)++] = (exclusion_count){.scope = e->scope, .code = e->code};
        counts[k].n++;
    }
    return counts ? counts : calloc(1, sizeof *counts);
}

/* Share template: no ids, values or messages, only the number of lines per scope and code. */
static void exclusions_counts(wb_sheet *s, const exclusion_log *log)
{
    static const char *const names[] = {"Scope", "Code", "n"};
    size_t n_counts;
    exclusion_count *counts = exclusions_tally(log, &n_counts);
    if (!counts) {
        wb_fail(s->book, EMBOLO_ERROR_NOMEM, "the Exclusions sheet");
        return;
    }
    wb_header_row(s, names, 3);
    for (size_t k = 0; k < n_counts && wb_ok(s->book); k++) {
        wb_text(s, 0, counts[k].scope);
        wb_text(s, 1, counts[k].code);
        wb_count(s, 2, (double)counts[k].n);
        wb_next_row(s);
    }
    free(counts);
}

/* Instead of a table longer than a sheet: a note (and the sheet is ended). */
static void wb_sheet_note_too_long(wb_sheet *s, size_t n, const char *what, const char *csv)
{
    char note[256];
    snprintf(note, sizeof note, "%zu %s: more than an Excel sheet holds (%d rows with the header); see %s.", n, what,
             LXW_ROW_MAX, csv);
    wb_note(s, note);
    wb_sheet_end(s, 0, 0, 0);
}

void wb_write_exclusions(wb_book *b)
{
    lxw_col_t cols = b->t->share ? 3 : EXC_COLS;
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Exclusions", cols))
        return;
    if (!b->t->share && b->in->log->n > LXW_ROW_MAX - 1) {
        wb_sheet_note_too_long(&s, b->in->log->n, "exclusion lines", "exclusions.csv");
        return;
    }
    if (b->t->share)
        exclusions_counts(&s, b->in->log);
    else
        exclusions_list(&s, b->in->log);
    if (s.row == 1)
        wb_note(&s, "No record, endpoint or value was excluded.");
    wb_sheet_end(&s, 1, 0, cols);
}

/* ---- Patients ---- */

static int patients_weighted(const render_input *in)
{
    return in->data->weight && in->data->ps && in->study->treatment >= 0;
}

static lxw_col_t patients_cols(const render_input *in)
{
    return (lxw_col_t)(2 + 2 * in->study->n_endpoints + in->study->n_variables +
                       (patients_weighted(in) ? in->data->n_groups + 2 : 0));
}

/* The column names of patients.csv. */
static void patients_header(wb_sheet *s)
{
    const study *st = s->book->in->study;
    lxw_col_t c = 0;
    char name[256];
    wb_header(s, c++, "row");
    wb_header(s, c++, "id");
    for (size_t e = 0; e < st->n_endpoints; e++) {
        snprintf(name, sizeof name, "%s_time", st->endpoints[e].name);
        wb_header(s, c++, name);
        snprintf(name, sizeof name, "%s_event", st->endpoints[e].name);
        wb_header(s, c++, name);
    }
    for (size_t v = 0; v < st->n_variables; v++)
        wb_header(s, c++, st->variables[v].name);
    for (size_t g = 0; patients_weighted(s->book->in) && g < s->book->in->data->n_groups; g++) {
        snprintf(name, sizeof name, "ps_%s", st->variables[st->treatment].levels[g]);
        wb_header(s, c++, name);
    }
    if (patients_weighted(s->book->in)) {
        wb_header(s, c++, "w");
        wb_header(s, c++, "w_stabilized");
    }
    wb_next_row(s);
}

/* A value left empty when missing (as in patients.csv). */
static void patients_number(wb_sheet *s, lxw_col_t col, double value, wb_kind kind)
{
    if (isfinite(value))
        wb_number(s, col, value, kind);
}

static lxw_col_t patients_variables(wb_sheet *s, size_t i, lxw_col_t c)
{
    const study *st = s->book->in->study;
    for (size_t v = 0; v < st->n_variables; v++, c++) {
        double value = s->book->in->data->value[v][i];
        if (isnan(value))
            continue;
        if (study_variable_is_factor(&st->variables[v]))
            wb_text(s, c, st->variables[v].levels[(size_t)value]);
        else
            wb_number(s, c, value, WB_GENERAL);
    }
    return c;
}

static void patients_row(wb_sheet *s, size_t i)
{
    const dataset *d = s->book->in->data;
    lxw_col_t c = 2;
    wb_number(s, 0, (double)d->record[i], WB_COUNT);
    wb_text(s, 1, d->id[i]);
    for (size_t e = 0; e < s->book->in->study->n_endpoints; e++, c += 2) {
        patients_number(s, c, d->time[e][i], WB_TIME);
        if (d->event[e][i] >= 0)
            wb_number(s, c + 1, d->event[e][i], WB_COUNT);
    }
    c = patients_variables(s, i, c);
    if (patients_weighted(s->book->in)) {
        for (size_t g = 0; g < d->n_groups; g++)
            patients_number(s, c++, d->ps[i * d->n_groups + g], WB_PS);
        patients_number(s, c++, d->weight[i], WB_WEIGHT);
        patients_number(s, c, d->weight_stabilized[i], WB_WEIGHT);
    }
    wb_next_row(s);
}

void wb_write_patients(wb_book *b)
{
    const dataset *d = b->in->data;
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Patients", patients_cols(b->in)))
        return;
    if (d->n > LXW_ROW_MAX - 1) {
        wb_sheet_note_too_long(&s, d->n, "analysed rows", "patients.csv");
        return;
    }
    if (d->n > b->t->patients_max_rows) {
        char note[320];
        snprintf(note, sizeof note, "%zu analysed rows: more than this template lists here ([workbook] "
                 "patients_max_rows = %zu, at most %d); see patients.csv.", d->n, b->t->patients_max_rows,
                 LXW_ROW_MAX - 1);
        wb_note(&s, note);
        wb_sheet_end(&s, 0, 0, 0);
        return;
    }
    patients_header(&s);
    for (size_t i = 0; i < d->n && wb_ok(b); i++)
        patients_row(&s, i);
    wb_sheet_end(&s, 1, 2, s.n_cols);
}

/* ---- Data dictionary ---- */

enum { DICT_NAME, DICT_COLUMN, DICT_LABEL, DICT_TYPE, DICT_LEVELS, DICT_REFERENCE, DICT_MIN, DICT_MAX, DICT_MISSING,
       DICT_ROLE, DICT_COLS };

static void dictionary_header(wb_sheet *s)
{
    static const char *const names[DICT_COLS] = {"Name", "CSV column", "Label", "Type", "Levels", "Reference level",
                                                 "Minimum allowed", "Maximum allowed", "Missing or invalid",
                                                 "Role"};
    wb_header_row(s, names, DICT_COLS);
}

/* "treatment, propensity covariate, subgroup, univariate, multivariable" as far as they apply. */
static void dictionary_role(const study *st, size_t v, char *out, size_t size)
{
    const char *roles[5];
    size_t n = 0, used = 0;
    if (st->treatment == (int)v)
        roles[n++] = "treatment";
    if (wb_listed(st->ps_covariates, st->n_ps_covariates, v))
        roles[n++] = "propensity covariate";
    if (wb_listed(st->subgroups, st->n_subgroups, v))
        roles[n++] = "subgroup";
    if (wb_listed(st->univariate, st->n_univariate, v))
        roles[n++] = "univariate";
    if (wb_listed(st->multivariable, st->n_multivariable, v))
        roles[n++] = "multivariable";
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", roles[i]);
}

/* The levels joined with ", "; NULL when out of memory. */
static char *dictionary_levels(const study_variable *v)
{
    size_t size = 1;
    for (size_t l = 0; l < v->n_levels; l++)
        size += strlen(v->levels[l]) + 2;
    char *text = malloc(size), *out = text;
    for (size_t l = 0; text && l < v->n_levels; l++)
        out += sprintf(out, "%s%s", l ? ", " : "", v->levels[l]);
    if (text)
        *out = '\0';
    return text;
}

static void dictionary_type(const study_variable *v, char *out, size_t size)
{
    if (v->has_cut)
        snprintf(out, size, "numeric, analysed cut at %g", v->cut);
    else
        snprintf(out, size, "%s", v->type == VARIABLE_CATEGORICAL ? "categorical" : "numeric");
}

static void dictionary_variable(wb_sheet *s, size_t i)
{
    const study *st = s->book->in->study;
    const study_variable *v = &st->variables[i];
    char type[96], role[160], *levels = dictionary_levels(v);
    if (!levels) {
        wb_fail(s->book, EMBOLO_ERROR_NOMEM, "the data dictionary");
        return;
    }
    dictionary_type(v, type, sizeof type);
    dictionary_role(st, i, role, sizeof role);
    wb_text(s, DICT_NAME, v->name);
    wb_text(s, DICT_COLUMN, v->column ? v->column : v->name);
    wb_text(s, DICT_LABEL, wb_variable_label(v));
    wb_text(s, DICT_TYPE, type);
    wb_text(s, DICT_LEVELS, levels);
    if (study_variable_is_factor(v))
        wb_text(s, DICT_REFERENCE, v->levels[v->reference]);
    if (v->has_min)
        wb_number(s, DICT_MIN, v->min, WB_GENERAL);
    if (v->has_max)
        wb_number(s, DICT_MAX, v->max, WB_GENERAL);
    wb_count(s, DICT_MISSING, (double)s->book->in->data->missing[v - st->variables]);
    wb_text(s, DICT_ROLE, role);
    wb_next_row(s);
    free(levels);
}

/* An endpoint's derived columns of the Patients sheet. */
static void dictionary_endpoint(wb_sheet *s, const study_endpoint *e, size_t index)
{
    const dataset *d = s->book->in->data;
    char name[256], label[512], column[512];
    size_t excluded = 0;
    for (size_t i = 0; i < d->n; i++)
        excluded += d->event[index][i] < 0;
    if (e->form == ENDPOINT_DATES)
        snprintf(column, sizeof column, "from %s to the first event date or %s", e->start ? e->start : "", e->censor_date ? e->censor_date : "");
    else
        snprintf(column, sizeof column, "%s, %s", e->time, e->status);
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof name, "%s_%s", e->name, k ? "event" : "time");
        snprintf(label, sizeof label, "%s: %s", wb_endpoint_label(e),
                 k ? "1 event, 0 censored" : s->book->in->study->time_unit);
        wb_text(s, DICT_NAME, name);
        wb_text(s, DICT_COLUMN, column);
        wb_text(s, DICT_LABEL, label);
        wb_text(s, DICT_TYPE, k ? "derived event indicator" : "derived time");
        wb_count(s, DICT_MISSING, (double)excluded);
        wb_text(s, DICT_ROLE, "endpoint");
        wb_next_row(s);
    }
}

void wb_write_dictionary(wb_book *b)
{
    const study *st = b->in->study;
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Data dictionary", DICT_COLS))
        return;
    dictionary_header(&s);
    for (size_t e = 0; e < st->n_endpoints && wb_ok(b); e++)
        dictionary_endpoint(&s, &st->endpoints[e], e);
    for (size_t v = 0; v < st->n_variables && wb_ok(b); v++)
        dictionary_variable(&s, v);
    wb_sheet_end(&s, 1, 1, DICT_COLS);
}
