/* The workbook's cell helpers: sticky error recording, text cleaning, number formats and the column
 * widths fitted to what was written. */
#include "xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "xml.h"

#define XLSX_MAX_CHARS 32767      /* Excel's limit of characters in a cell */
#define XLSX_MEASURE_ROWS 2000    /* rows whose text sets the column widths */
#define XLSX_MIN_WIDTH 4
#define XLSX_MAX_WIDTH 60

int xlsx_ok(const xlsx_book *b)
{
    return b->status == LXW_NO_ERROR && b->error == EMBOLO_OK;
}

int xlsx_check(xlsx_book *b, lxw_error status, const char *what)
{
    if (status == LXW_NO_ERROR)
        return 1;
    if (xlsx_ok(b)) {
        b->status = status;
        snprintf(b->failed, sizeof b->failed, "%s", what);
    }
    return 0;
}

void xlsx_fail(xlsx_book *b, embolo_error error, const char *what)
{
    if (xlsx_ok(b)) {
        b->error = error;
        snprintf(b->failed, sizeof b->failed, "%s", what);
    }
}

/* Records a cell's status, naming the sheet and cell only when it failed. */
static void cell_check(xlsx_sheet *s, lxw_col_t col, lxw_error status)
{
    char cell[16], what[sizeof s->book->failed];
    if (status == LXW_NO_ERROR)
        return;
    lxw_rowcol_to_cell(cell, s->row, col);
    snprintf(what, sizeof what, "sheet '%s', cell %s", s->name, cell);
    xlsx_check(s->book, status, what);
}

int xlsx_sheet_begin(xlsx_book *b, xlsx_sheet *s, const char *name, lxw_col_t n_cols)
{
    char what[sizeof b->failed];
    memset(s, 0, sizeof *s);
    s->book = b;
    snprintf(s->name, sizeof s->name, "%s", name);
    if (!xlsx_ok(b))
        return 0;
    s->width = calloc(n_cols ? n_cols : 1, sizeof *s->width);
    s->wrapped = calloc(n_cols ? n_cols : 1, sizeof *s->wrapped);
    if (!s->width || !s->wrapped) {
        free(s->width);
        free(s->wrapped);
        s->width = NULL;
        s->wrapped = NULL;
        xlsx_fail(b, EMBOLO_ERROR_NOMEM, "column widths");
        return 0;
    }
    s->n_cols = n_cols;
    snprintf(what, sizeof what, "sheet '%s'", name);
    s->ws = workbook_add_worksheet(b->workbook, name);
    if (!s->ws) {
        xlsx_check(b, LXW_ERROR_PARAMETER_VALIDATION, what);
        return 0;
    }
    /* Level names and ids such as "0" or "1001" are text on purpose: no green triangles. */
    return xlsx_check(b, worksheet_ignore_errors(s->ws, LXW_IGNORE_NUMBER_STORED_AS_TEXT, "A1:XFD1048576"), what);
}

static void sheet_fit_columns(xlsx_sheet *s)
{
    for (lxw_col_t c = 0; c < s->n_cols && xlsx_ok(s->book); c++) {
        if (!s->width[c])
            continue;
        unsigned width = s->width[c] < XLSX_MIN_WIDTH ? XLSX_MIN_WIDTH : s->width[c];
        width = width > XLSX_MAX_WIDTH && !s->wrapped[c] ? XLSX_MAX_WIDTH : width;
        cell_check(s, c, worksheet_set_column(s->ws, c, c, width + 2.0, NULL));
    }
}

void xlsx_sheet_end(xlsx_sheet *s)
{
    if (s->ws && xlsx_ok(s->book))
        sheet_fit_columns(s);
    free(s->width);
    free(s->wrapped);
    s->width = NULL;
    s->wrapped = NULL;
}

void xlsx_next_row(xlsx_sheet *s)
{
    s->row++;
    s->measured++;
}

void xlsx_wrap_column(xlsx_sheet *s, lxw_col_t col, unsigned characters)
{
    if (col >= s->n_cols)
        return;
    s->wrapped[col] = 1;
    s->width[col] = (unsigned short)characters;
}

static void cell_measure(xlsx_sheet *s, lxw_col_t col, size_t chars)
{
    if (s->measured >= XLSX_MEASURE_ROWS || col >= s->n_cols || s->wrapped[col])
        return;
    if (chars > XLSX_MAX_WIDTH)
        chars = XLSX_MAX_WIDTH;
    if (chars > s->width[col])
        s->width[col] = (unsigned short)chars;
}

/* Counts the characters of text; returns whether it can be written as it is. */
static int text_is_clean(const char *text, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)text;
    int clean = 1;
    *chars = 0;
    while (*p) {
        size_t length = xml_char_length(p);
        clean = clean && length > 0;
        p += length ? length : 1;
        ++*chars;
    }
    return clean && *chars <= XLSX_MAX_CHARS;
}

/* A copy with each invalid byte replaced by U+FFFD, a control character by a space (as the report and
 * the Word document show them), and at most XLSX_MAX_CHARS characters. */
static char *text_cleaned(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    char *copy = malloc(strlen(text) * 3 + 1), *out = copy;
    for (size_t chars = 0; copy && *p && chars < XLSX_MAX_CHARS; chars++) {
        size_t length = xml_char_length(p);
        const char *replacement = *p < 0x80 ? " " : "\xef\xbf\xbd";
        size_t n = length ? length : strlen(replacement);
        memcpy(out, length ? (const char *)p : replacement, n);
        out += n;
        p += length ? length : 1;
    }
    if (copy)
        *out = '\0';
    return copy;
}

void xlsx_text(xlsx_sheet *s, lxw_col_t col, const char *text, lxw_format *format)
{
    size_t chars;
    if (!xlsx_ok(s->book) || !text)
        return;
    if (text_is_clean(text, &chars)) {
        cell_check(s, col, worksheet_write_string(s->ws, s->row, col, text, format));
    } else {
        char *copy = text_cleaned(text);
        if (!copy) {
            xlsx_fail(s->book, EMBOLO_ERROR_NOMEM, s->name);
            return;
        }
        cell_check(s, col, worksheet_write_string(s->ws, s->row, col, copy, format));
        free(copy);
    }
    cell_measure(s, col, chars);
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

void xlsx_header(xlsx_sheet *s, lxw_col_t col, const char *text)
{
    lxw_row_t measured = s->measured;
    s->measured = XLSX_MEASURE_ROWS;  /* measured here, not as plain text */
    xlsx_text(s, col, text, s->book->header);
    s->measured = measured;
    cell_measure(s, col, header_width(text));
}

void xlsx_header_across(xlsx_sheet *s, lxw_col_t col, lxw_col_t n, const char *text)
{
    if (!xlsx_ok(s->book))
        return;
    cell_check(s, col, worksheet_write_string(s->ws, s->row, col, text, s->book->header_across));
    for (lxw_col_t c = col + 1; c < col + n; c++)
        cell_check(s, c, worksheet_write_blank(s->ws, s->row, c, s->book->header_across));
}


void xlsx_number(xlsx_sheet *s, lxw_col_t col, double value, lxw_format *format, size_t width)
{
    if (!xlsx_ok(s->book))
        return;
    /* A fixed number format would show hundreds of digits: Excel's General shows 1E+300. */
    if (format_is_huge(value))
        format = NULL;
    cell_check(s, col, worksheet_write_number(s->ws, s->row, col, value == 0 ? 0.0 : value, format));
    cell_measure(s, col, width);
}

/* ---- number formats ---- */

/* "0.000", with a prefix and suffix (number-format literals) around it. */
static void decimal_format(char *out, size_t size, const char *prefix, int decimals, const char *suffix)
{
    char zeros[XLSX_MAX_DECIMALS + 2] = "";
    if (decimals > 0) {
        zeros[0] = '.';
        memset(zeros + 1, '0', (size_t)decimals);
        zeros[1 + decimals] = '\0';
    }
    snprintf(out, size, "%s0%s%s", prefix, zeros, suffix);
}

static void style_number_format(xlsx_style style, int decimals, char *out, size_t size)
{
    char threshold[32], digits[32];
    switch (style) {
    case XLSX_P:
        snprintf(threshold, sizeof threshold, "%.*f", decimals, pow(10.0, -decimals));
        decimal_format(digits, sizeof digits, "", decimals, "");
        snprintf(out, size, "[<%s]\"<%s\";%s", threshold, threshold, digits);
        break;
    case XLSX_PERCENT:
        decimal_format(out, size, "", decimals, "%");
        break;
    case XLSX_SD:
        decimal_format(out, size, "\"\xc2\xb1 \"", decimals, "");
        break;
    case XLSX_Q1:
        decimal_format(out, size, "\"[\"", decimals, "");
        break;
    case XLSX_Q3:
        decimal_format(out, size, "", decimals, "\"]\"");
        break;
    case XLSX_PCT:
        decimal_format(out, size, "\"(\"", decimals, "%\")\"");
        break;
    case XLSX_DATE:
        snprintf(out, size, "yyyy\\-mm\\-dd");
        break;
    case XLSX_REFERENCE:
        snprintf(out, size, "0\" (reference)\"");
        break;
    default:
        decimal_format(out, size, "", decimals, "");
        break;
    }
}

lxw_format *xlsx_style_format(xlsx_book *b, xlsx_style style, int decimals)
{
    char number_format[160];
    decimals = decimals < 0 ? 0 : decimals > XLSX_MAX_DECIMALS ? XLSX_MAX_DECIMALS : decimals;
    lxw_format **slot = &b->styles[style][decimals];
    if (*slot || !xlsx_ok(b))
        return *slot;
    if (!(*slot = workbook_add_format(b->workbook))) {
        xlsx_fail(b, EMBOLO_ERROR_NOMEM, "cell formats");
        return NULL;
    }
    style_number_format(style, decimals, number_format, sizeof number_format);
    format_set_num_format(*slot, number_format);
    return *slot;
}

/* ---- printing ---- */

#define XLSX_A4 9
#define FOOTER_TITLE_MAX 180

/* "&LTitle&RPage &P of &N": the title with its ampersands doubled, cut to fit Excel's 255 characters. */
static void sheet_footer(const xlsx_book *b, char *out, size_t size)
{
    char title[2 * FOOTER_TITLE_MAX + 1];
    const char *text = b->d->title;
    size_t n = 0, i = 0;
    for (; text[i] && n + 2 < FOOTER_TITLE_MAX; i++) {
        if (text[i] == '&')
            title[n++] = '&';
        title[n++] = text[i];
    }
    /* Cut short: not inside a character. */
    for (; text[i] && i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80; i--)
        n--;
    title[n] = '\0';
    snprintf(out, size, "&L%s&RPage &P of &N", title);
}

void xlsx_print_setup(xlsx_sheet *s, int fit_width)
{
    char footer[2 * FOOTER_TITLE_MAX + 64];
    if (!xlsx_ok(s->book))
        return;
    worksheet_set_landscape(s->ws);
    worksheet_set_paper(s->ws, XLSX_A4);
    if (fit_width)
        worksheet_fit_to_pages(s->ws, 1, 0);
    sheet_footer(s->book, footer, sizeof footer);
    xlsx_check(s->book, worksheet_set_footer(s->ws, footer), s->name);
}
