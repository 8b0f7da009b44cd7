/* The workbook's cell helpers: sticky error recording, text cleaning, number styles and the column
 * widths fitted to what was written. */
#include "workbook_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define WB_MAX_CHARS 32767      /* Excel's limit of characters in a cell */
#define WB_MEASURE_ROWS 2000    /* rows whose text sets the column widths */
#define WB_MIN_WIDTH 4
#define WB_MAX_WIDTH 60

int wb_ok(const wb_book *b)
{
    return b->status == LXW_NO_ERROR && b->error == EMBOLO_OK;
}

int wb_check(wb_book *b, lxw_error status, const char *what)
{
    if (status == LXW_NO_ERROR)
        return 1;
    if (wb_ok(b)) {
        b->status = status;
        snprintf(b->failed, sizeof b->failed, "%s", what);
    }
    return 0;
}

void wb_fail(wb_book *b, embolo_error error, const char *what)
{
    if (wb_ok(b)) {
        b->error = error;
        snprintf(b->failed, sizeof b->failed, "%s", what);
    }
}

/* Records a cell's status, naming the sheet and cell only when it failed. */
static void cell_check(wb_sheet *s, lxw_col_t col, lxw_error status)
{
    char cell[16], what[sizeof s->book->failed];
    if (status == LXW_NO_ERROR)
        return;
    lxw_rowcol_to_cell(cell, s->row, col);
    snprintf(what, sizeof what, "sheet '%s', cell %s", s->name, cell);
    wb_check(s->book, status, what);
}

int wb_sheet_begin(wb_book *b, wb_sheet *s, const char *name, lxw_col_t n_cols)
{
    char what[sizeof b->failed];
    memset(s, 0, sizeof *s);
    s->book = b;
    snprintf(s->name, sizeof s->name, "%s", name);
    if (!wb_ok(b))
        return 0;
    s->width = calloc(n_cols ? n_cols : 1, sizeof *s->width);
    if (!s->width) {
        wb_fail(b, EMBOLO_ERROR_NOMEM, "column widths");
        return 0;
    }
    s->n_cols = n_cols;
    snprintf(what, sizeof what, "sheet '%s'", name);
    s->ws = workbook_add_worksheet(b->workbook, name);
    if (!s->ws) {
        wb_check(b, LXW_ERROR_PARAMETER_VALIDATION, what);
        return 0;
    }
    /* Level names and ids such as "0" or "1001" are text on purpose: no green triangles. */
    return wb_check(b, worksheet_ignore_errors(s->ws, LXW_IGNORE_NUMBER_STORED_AS_TEXT, "A1:XFD1048576"), what);
}

static void sheet_fit_columns(wb_sheet *s)
{
    for (lxw_col_t c = 0; c < s->n_cols && wb_ok(s->book); c++) {
        if (!s->width[c])
            continue;
        unsigned width = s->width[c] < WB_MIN_WIDTH ? WB_MIN_WIDTH : s->width[c];
        width = width > WB_MAX_WIDTH ? WB_MAX_WIDTH : width;
        cell_check(s, c, worksheet_set_column(s->ws, c, c, width + 2.0, NULL));
    }
}

void wb_sheet_filter(wb_sheet *s, lxw_row_t header_row, lxw_col_t n_cols)
{
    lxw_row_t last = s->row > header_row + 1 ? s->row - 1 : header_row;
    if (s->ws && n_cols && wb_ok(s->book))
        wb_check(s->book, worksheet_autofilter(s->ws, header_row, 0, last, n_cols - 1), s->name);
}

void wb_sheet_end(wb_sheet *s, lxw_row_t header_rows, lxw_col_t freeze_cols, lxw_col_t filter_cols)
{
    if (s->ws && wb_ok(s->book)) {
        worksheet_freeze_panes(s->ws, header_rows, freeze_cols);
        if (header_rows)
            wb_sheet_filter(s, header_rows - 1, filter_cols);
        sheet_fit_columns(s);
    }
    free(s->width);
    s->width = NULL;
}

void wb_next_row(wb_sheet *s)
{
    s->row++;
    s->measured++;
}

static void cell_measure(wb_sheet *s, lxw_col_t col, size_t chars)
{
    if (s->measured >= WB_MEASURE_ROWS || col >= s->n_cols)
        return;
    if (chars > WB_MAX_WIDTH)
        chars = WB_MAX_WIDTH;
    if (chars > s->width[col])
        s->width[col] = (unsigned short)chars;
}

/* Length of the UTF-8 character at p, 0 when it is invalid or not allowed in XML. */
static size_t utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n';
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[0] == 0xE0 && p[1] < 0xA0) ||
            (p[0] == 0xED && p[1] >= 0xA0) || (p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE))
            return 0;
        return 3;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80 ||
            (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* Counts the characters of text; returns whether it can be written as it is. */
static int text_is_clean(const char *text, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)text;
    int clean = 1;
    *chars = 0;
    while (*p) {
        size_t length = utf8_sequence(p);
        clean = clean && length > 0;
        p += length ? length : 1;
        ++*chars;
    }
    return clean && *chars <= WB_MAX_CHARS;
}

/* A copy with each invalid byte replaced by U+FFFD and at most WB_MAX_CHARS characters. */
static char *text_cleaned(const char *text)
{
    static const char replacement[] = "\xef\xbf\xbd";
    const unsigned char *p = (const unsigned char *)text;
    char *copy = malloc(strlen(text) * 3 + 1), *out = copy;
    for (size_t chars = 0; copy && *p && chars < WB_MAX_CHARS; chars++) {
        size_t length = utf8_sequence(p);
        memcpy(out, length ? (const char *)p : replacement, length ? length : 3);
        out += length ? length : 3;
        p += length ? length : 1;
    }
    if (copy)
        *out = '\0';
    return copy;
}

void wb_text_format(wb_sheet *s, lxw_col_t col, const char *text, lxw_format *format)
{
    size_t chars;
    if (!wb_ok(s->book) || !text)
        return;
    if (text_is_clean(text, &chars)) {
        cell_check(s, col, worksheet_write_string(s->ws, s->row, col, text, format));
    } else {
        char *copy = text_cleaned(text);
        if (!copy) {
            wb_fail(s->book, EMBOLO_ERROR_NOMEM, s->name);
            return;
        }
        cell_check(s, col, worksheet_write_string(s->ws, s->row, col, copy, format));
        free(copy);
    }
    cell_measure(s, col, chars);
}

void wb_text(wb_sheet *s, lxw_col_t col, const char *text)
{
    wb_text_format(s, col, text, NULL);
}

/* Headers wrap: they widen a column to their longest word, or to a third of their length. */
static size_t header_width(const char *text)
{
    size_t longest = 0, word = 0, length = strlen(text);
    for (const char *c = text;; c++) {
        if (*c && *c != ' ') {
            word++;
            continue;
        }
        longest = word > longest ? word : longest;
        word = 0;
        if (!*c)
            break;
    }
    return 1 + (longest > (length + 2) / 3 ? longest : (length + 2) / 3);  /* + 1: bold */
}

void wb_header(wb_sheet *s, lxw_col_t col, const char *text)
{
    lxw_row_t measured = s->measured;
    s->measured = WB_MEASURE_ROWS;  /* measured here, not as plain text */
    wb_text_format(s, col, text, s->book->header);
    s->measured = measured;
    cell_measure(s, col, header_width(text));
}

void wb_header_row(wb_sheet *s, const char *const *names, lxw_col_t n)
{
    for (lxw_col_t c = 0; c < n; c++)
        wb_header(s, c, names[c]);
    wb_next_row(s);
}

void wb_header_across(wb_sheet *s, lxw_col_t col, lxw_col_t n, const char *text)
{
    if (!wb_ok(s->book))
        return;
    cell_check(s, col, worksheet_write_string(s->ws, s->row, col, text, s->book->header_across));
    for (lxw_col_t c = col + 1; c < col + n; c++)
        cell_check(s, c, worksheet_write_blank(s->ws, s->row, c, s->book->header_across));
}

/* Characters the number shows in its style. */
static size_t number_width(const wb_book *b, double value, wb_kind kind)
{
    char text[64];
    const wb_style *style = &b->kinds[kind];
    if (kind == WB_P)
        format_p(text, sizeof text, value, style->decimals);
    else if (kind == WB_SURV || kind == WB_PCT)
        format_percent(text, sizeof text, value * 100.0, style->decimals);
    else if (kind == WB_GENERAL)
        snprintf(text, sizeof text, "%.10g", value);
    else if (kind == WB_DATE)
        return 10;
    else
        format_number(text, sizeof text, value, style->decimals);
    return strlen(text) + (size_t)style->extra;
}

void wb_number(wb_sheet *s, lxw_col_t col, double value, wb_kind kind)
{
    wb_book *b = s->book;
    if (!wb_ok(b))
        return;
    if (!isfinite(value)) {
        wb_text_format(s, col, "NA", b->na);
        return;
    }
    if (kind == WB_DATE)
        value += 25569.0;  /* Excel's serial number of 1970-01-01 */
    cell_check(s, col, worksheet_write_number(s->ws, s->row, col, value == 0 ? 0.0 : value, b->kinds[kind].format));
    if (s->measured < WB_MEASURE_ROWS)
        cell_measure(s, col, number_width(b, value, kind));
}

void wb_estimate(wb_sheet *s, lxw_col_t col, double value, wb_kind kind, int suppressed)
{
    if (!suppressed)
        wb_number(s, col, value, kind);
}

int wb_count(wb_sheet *s, lxw_col_t col, double count)
{
    char text[24];
    if (!format_count_hidden(s->book->t, count)) {
        wb_number(s, col, count, WB_COUNT);
        return 0;
    }
    snprintf(text, sizeof text, "<%d", s->book->t->min_count);
    wb_text_format(s, col, text, s->book->na);
    return 1;
}

void wb_note(wb_sheet *s, const char *text)
{
    wb_text_format(s, 0, text, s->book->note);
    wb_next_row(s);
}

const char *wb_variable_label(const study_variable *v)
{
    return v->label && v->label[0] ? v->label : v->name;
}

const char *wb_endpoint_label(const study_endpoint *e)
{
    return e->label && e->label[0] ? e->label : e->name;
}

int wb_listed(const size_t *list, size_t n, size_t index)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == index)
            return 1;
    return 0;
}

double wb_value(const wb_book *b, const char *section, const char *endpoint, const char *model,
                const char *variable, const char *level, const char *stat)
{
    return results_value(b->in->results, section, endpoint, model, variable, level, stat);
}
