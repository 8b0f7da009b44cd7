/* The table model (table.h): building a table, and the text of a cell as the report shows it. */
#include "table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define DASH "\xe2\x80\x94"  /* an estimate suppressed with its count */

/* Room for one more item in an array of count items (the array grows by doubling, from 16). */
static int array_grow(void **items, size_t count, size_t *capacity, size_t item_size)
{
    if (count < *capacity)
        return 1;
    size_t grown = *capacity ? 2 * *capacity : 16;
    void *bigger = realloc(*items, grown * item_size);
    if (!bigger)
        return 0;
    *items = bigger;
    *capacity = grown;
    return 1;
}

static void table_fail(table *t)
{
    if (t->error == EMBOLO_OK)
        t->error = EMBOLO_ERROR_NOMEM;
}

const char *table_string(table *t, const char *text)
{
    void *strings = t->strings;
    char *copy = t->error == EMBOLO_OK ? strdup(text ? text : "") : NULL;
    if (copy && array_grow(&strings, t->n_strings, &t->strings_capacity, sizeof *t->strings)) {
        t->strings = strings;
        t->strings[t->n_strings++] = copy;
        return copy;
    }
    t->strings = strings;
    free(copy);
    table_fail(t);
    return NULL;
}

const char *table_format(table *t, const char *format, ...)
{
    char text[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return table_string(t, text);
}

table *table_new(const char *title, const char *const *headers, size_t n_columns)
{
    table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->columns = calloc(n_columns ? n_columns : 1, sizeof *t->columns);
    t->n_columns = n_columns;
    if (!t->columns)
        table_fail(t);
    t->title = table_string(t, title);
    for (size_t c = 0; c < n_columns && t->error == EMBOLO_OK; c++) {
        t->columns[c].header = table_string(t, headers[c]);
        t->columns[c].align = c == 0 ? TABLE_LEFT : TABLE_CENTER;
    }
    if (t->error != EMBOLO_OK) {
        table_free(t);
        return NULL;
    }
    return t;
}

void table_free(table *t)
{
    if (!t)
        return;
    for (size_t r = 0; !t->fill && r < t->n_rows; r++)
        free(t->rows[r].cells);
    free(t->source);
    for (size_t i = 0; i < t->n_strings; i++)
        free(t->strings[i]);
    free(t->strings);
    free(t->rows);
    free(t->columns);
    free(t->spans);
    free(t->footnotes);
    free(t);
}

embolo_error table_error(const table *t)
{
    return t ? t->error : EMBOLO_ERROR_NOMEM;
}

void table_set_key(table *t, const char *key_header, const char *key, const char *join_title)
{
    t->key_header = table_string(t, key_header);
    t->key = table_string(t, key);
    t->join_title = table_string(t, join_title);
}

void table_set_flat_headers(table *t, const char *group_header, const char *level_header)
{
    t->group_header = group_header ? table_string(t, group_header) : NULL;
    t->level_header = level_header ? table_string(t, level_header) : NULL;
}

void table_set_parts(table *t, size_t column, const char *first, const char *second, const char *third)
{
    const char *parts[3] = {first, second, third};
    for (size_t k = 0; column < t->n_columns && k < 3; k++)
        t->columns[column].parts[k] = parts[k] ? table_string(t, parts[k]) : NULL;
}

void table_set_align(table *t, size_t column, table_align align)
{
    if (column < t->n_columns)
        t->columns[column].align = align;
}

void table_set_wrap(table *t, size_t column, unsigned characters)
{
    if (column < t->n_columns)
        t->columns[column].wrap = characters;
}

void table_add_span(table *t, size_t first, size_t count, const char *text)
{
    size_t capacity = t->n_spans;  /* spans are few: grown one at a time */
    table_span *spans = t->error == EMBOLO_OK ? realloc(t->spans, (capacity + 1) * sizeof *spans) : NULL;
    if (!spans) {
        table_fail(t);
        return;
    }
    t->spans = spans;
    t->spans[t->n_spans++] = (table_span){.text = table_string(t, text), .first = first, .count = count};
}

void table_add_footnote(table *t, const char *format, ...)
{
    char text[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    const char **footnotes = t->error == EMBOLO_OK ? realloc(t->footnotes, (t->n_footnotes + 1) * sizeof *footnotes)
                                                   : NULL;
    if (!footnotes) {
        table_fail(t);
        return;
    }
    t->footnotes = footnotes;
    t->footnotes[t->n_footnotes++] = table_string(t, text);
}

table_row *table_add_row(table *t, table_role role, const char *label)
{
    void *rows = t->rows;
    table_cell *cells = t->error == EMBOLO_OK ? calloc(t->n_columns, sizeof *cells) : NULL;
    const char *copy = cells ? table_string(t, label) : NULL;
    if (!copy || !array_grow(&rows, t->n_rows, &t->rows_capacity, sizeof *t->rows)) {
        free(cells);
        table_fail(t);
        return NULL;
    }
    t->rows = rows;
    table_row *row = &t->rows[t->n_rows++];
    memset(row, 0, sizeof *row);
    row->role = role;
    row->label = copy;
    row->cells = cells;
    return row;
}

void table_set_text(table *t, table_row *row, size_t column, const char *text)
{
    if (row && column < t->n_columns && text)
        table_set_text_borrowed(row, column, table_string(t, text));
}

void table_set_text_borrowed(table_row *row, size_t column, const char *text)
{
    if (row && text)
        row->cells[column] = (table_cell){.format = CELL_TEXT, .text = text};
}

void table_set_values(table_row *row, size_t column, cell_format format, int decimals, double a, double b,
                      double c)
{
    if (row)
        row->cells[column] = (table_cell){.format = format, .decimals = (unsigned char)(decimals > 0 ? decimals : 0),
                                          .value = {a, b, c}};
}

void table_suppress(table_row *row, size_t column, double bound)
{
    if (!row)
        return;
    table_cell *cell = &row->cells[column];
    cell->suppressed = 1;
    cell->text = NULL;
    cell->value[0] = cell->format == CELL_COUNT || cell->format == CELL_COUNT_PERCENT ? bound : NAN;
    cell->value[1] = cell->value[2] = NAN;
}

void table_set_source(table *t, size_t n_rows, table_row_fill fill, void *source)
{
    t->n_rows = n_rows;
    t->fill = fill;
    t->source = source;
}

embolo_error table_scratch_new(const table *t, table_row *scratch)
{
    memset(scratch, 0, sizeof *scratch);
    scratch->label = "";
    scratch->cells = calloc(t->n_columns ? t->n_columns : 1, sizeof *scratch->cells);
    return scratch->cells ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

void table_scratch_free(table_row *scratch)
{
    free(scratch->cells);
    scratch->cells = NULL;
}

const table_row *table_row_at(table *t, size_t i, table_row *scratch)
{
    if (!t->fill)
        return &t->rows[i];
    scratch->role = TABLE_ROW_PLAIN;
    scratch->label = "";
    scratch->buffer[0] = '\0';
    memset(scratch->cells, 0, t->n_columns * sizeof *scratch->cells);
    t->fill(t->source, i, t, scratch);
    return scratch;
}

int table_row_has_values(const table_row *row, size_t n_columns)
{
    for (size_t c = 1; c < n_columns; c++)
        if (row->cells[c].format != CELL_EMPTY)
            return 1;
    return 0;
}

int table_row_is_member(const table_row *row)
{
    return row->role == TABLE_ROW_LEVEL;
}

size_t table_cell_parts(const table_cell *cell)
{
    switch (cell->format) {
    case CELL_ESTIMATE_CI:
    case CELL_PERCENT_CI:
    case CELL_MEDIAN_IQR:
        return 3;
    case CELL_ESTIMATE_SE:
    case CELL_COUNT_PERCENT:
    case CELL_MEAN_SD:
        return 2;
    default:
        return 1;
    }
}

/* ---- the text of a cell ---- */

/* "12.3 (4.5–67.8)"; plain "NA" when the value and both limits are missing. */
static void estimate_ci_text(char *out, size_t size, double value, double lower, double upper, int decimals)
{
    if (!isfinite(value) && !isfinite(lower) && !isfinite(upper))
        format_number(out, size, value, decimals);
    else
        format_estimate_ci(out, size, value, lower, upper, decimals);
}

static void pair_text(char *out, size_t size, const table_cell *c, const char *open, const char *between,
                      const char *close)
{
    char a[64], b[64], d[64] = "";
    format_number(a, sizeof a, c->value[0], c->decimals);
    format_number(b, sizeof b, c->value[1], c->decimals);
    if (c->format == CELL_MEDIAN_IQR)
        format_number(d, sizeof d, c->value[2], c->decimals);
    snprintf(out, size, "%s%s%s%s%s%s", a, open, b, between, d, close);
}

static void count_percent_text(char *out, size_t size, const table_cell *c)
{
    char n[64], percent[64];
    format_number(n, sizeof n, c->value[0], 0);
    if (!isfinite(c->value[1])) {
        snprintf(out, size, "%s", n);
        return;
    }
    format_percent(percent, sizeof percent, 100.0 * c->value[1], c->decimals);
    snprintf(out, size, "%s (%s)", n, percent);
}

/* Text of a suppressed cell: "<5" for a count, "—" for an estimate. */
static void suppressed_text(const table_cell *c, char *out, size_t size)
{
    if (c->format == CELL_COUNT || c->format == CELL_COUNT_PERCENT)
        snprintf(out, size, "<%.0f", c->value[0]);
    else
        snprintf(out, size, DASH);
}

void table_cell_text(const table_cell *c, char *out, size_t size)
{
    char text[64];
    if (c->suppressed && c->format != CELL_EMPTY && c->format != CELL_TEXT) {
        suppressed_text(c, out, size);
        return;
    }
    switch (c->format) {
    case CELL_EMPTY:
        snprintf(out, size, "%s", "");
        break;
    case CELL_TEXT:
        snprintf(out, size, "%s", c->text ? c->text : "");
        break;
    case CELL_COUNT:
        format_number(out, size, c->value[0], 0);
        break;
    case CELL_NUMBER:
        format_number(out, size, c->value[0], c->decimals);
        break;
    case CELL_GENERAL:
        if (isfinite(c->value[0]))
            snprintf(out, size, "%.10g", c->value[0]);
        else
            format_number(out, size, c->value[0], 0);
        break;
    case CELL_PERCENT:
        format_percent(out, size, isfinite(c->value[0]) ? 100.0 * c->value[0] : NAN, c->decimals);
        break;
    case CELL_P:
        format_p(out, size, c->value[0], c->decimals);
        break;
    case CELL_ESTIMATE_CI:
        estimate_ci_text(out, size, c->value[0], c->value[1], c->value[2], c->decimals);
        break;
    case CELL_PERCENT_CI:
        estimate_ci_text(out, size, 100.0 * c->value[0], 100.0 * c->value[1], 100.0 * c->value[2], c->decimals);
        break;
    case CELL_ESTIMATE_SE:
        pair_text(out, size, c, " (", "", ")");
        break;
    case CELL_COUNT_PERCENT:
        count_percent_text(out, size, c);
        break;
    case CELL_MEAN_SD:
        pair_text(out, size, c, " \xc2\xb1 ", "", "");
        break;
    case CELL_MEDIAN_IQR:
        pair_text(out, size, c, " [", "\xe2\x80\x93", "]");
        break;
    case CELL_REFERENCE:
        snprintf(out, size, "1 (reference)");
        break;
    case CELL_DATE:
        format_date(text, sizeof text, c->value[0]);
        snprintf(out, size, "%s", text);
        break;
    }
}
