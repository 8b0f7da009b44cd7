/* The Excel workbook (tables.xlsx): the document's sheets in order, each a title, a note on blank
 * cells, and its tables as flat, filterable lists: a group column for the heading of each group of
 * rows, the rows' labels, and the numbers of every cell in numeric cells of their own (an estimate
 * and its limits in three), with number formats that show them as the report does. Tables of one
 * sheet with the same columns and a key (the endpoint) become one list with the key in a first
 * column. Every sheet prints landscape on A4, one page wide, with its header rows repeated and the
 * title and page number in the footer. */
#include "writers.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "xlsx.h"

/* Patients-sheet XML larger than this needs ZIP64 (which some readers warn about: only then). */
#define XLSX_ZIP32_LIMIT 3.5e9
#define XLSX_BYTES_PER_CELL 64.0

/* Consecutive tables of a sheet written as one list. */
typedef struct xlsx_block {
    table **tables;
    size_t n;
    int keyed;            /* a first column of the tables' keys */
    int grouped;          /* a column of the groups' headings */
    lxw_col_t label_col;  /* the rows' labels */
    lxw_col_t *first;     /* [n_columns] the first sheet column of each table column */
    lxw_col_t *parts;     /* [n_columns] how many sheet columns it spreads over */
    lxw_col_t n_cols;
} xlsx_block;

/* ---- planning a sheet's blocks ---- */

static int same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether two tables have the same columns, spans and key, so that one list holds both. */
static int tables_join(const table *a, const table *b)
{
    if (!a->key || !b->key || !same_text(a->join_title, b->join_title) || a->n_columns != b->n_columns ||
        a->n_spans != b->n_spans || a->fill || b->fill)
        return 0;
    for (size_t c = 0; c < a->n_columns; c++)
        if (!same_text(a->columns[c].header, b->columns[c].header))
            return 0;
    for (size_t k = 0; k < a->n_spans; k++)
        if (!same_text(a->spans[k].text, b->spans[k].text) || a->spans[k].first != b->spans[k].first)
            return 0;
    return 1;
}

/* The sheet columns a table column needs: the most numbers any of its cells holds. */
static lxw_col_t column_parts(const xlsx_block *block, size_t c)
{
    size_t parts = 1;
    for (size_t k = 0; k < block->n; k++) {
        const table *t = block->tables[k];
        for (size_t r = 0; !t->fill && r < t->n_rows; r++) {
            size_t n = table_cell_parts(&t->rows[r].cells[c]);
            parts = n > parts ? n : parts;
        }
        for (size_t p = 0; p < 3; p++)
            parts = t->columns[c].parts[p] && p + 1 > parts ? p + 1 : parts;
    }
    return (lxw_col_t)parts;
}

static int block_has_members(const xlsx_block *block)
{
    for (size_t k = 0; k < block->n; k++)
        for (size_t r = 0; !block->tables[k]->fill && r < block->tables[k]->n_rows; r++)
            if (table_row_is_member(&block->tables[k]->rows[r]))
                return 1;
    return 0;
}

static int block_plan(xlsx_block *block, table **tables, size_t n, int keyed)
{
    const table *t = tables[0];
    memset(block, 0, sizeof *block);
    block->tables = tables;
    block->n = n;
    block->keyed = t->key && (n > 1 || keyed);
    block->grouped = block_has_members(block);
    block->first = calloc(t->n_columns, sizeof *block->first);
    block->parts = calloc(t->n_columns, sizeof *block->parts);
    if (!block->first || !block->parts)
        return 0;
    lxw_col_t col = (lxw_col_t)(block->keyed + block->grouped);
    block->label_col = col++;
    for (size_t c = 1; c < t->n_columns; c++) {
        block->first[c] = col;
        block->parts[c] = column_parts(block, c);
        col += block->parts[c];
    }
    block->n_cols = col;
    return 1;
}

static void blocks_free(xlsx_block *blocks, size_t n)
{
    for (size_t k = 0; blocks && k < n; k++) {
        free(blocks[k].first);
        free(blocks[k].parts);
    }
    free(blocks);
}

/* The sheet's tables as blocks; NULL (failure recorded) when out of memory. */
static xlsx_block *sheet_blocks(xlsx_book *b, const doc_sheet *sheet, size_t *n_blocks)
{
    xlsx_block *blocks = calloc(sheet->n_tables ? sheet->n_tables : 1, sizeof *blocks);
    *n_blocks = 0;
    for (size_t i = 0; blocks && i < sheet->n_tables;) {
        size_t end = i + 1;
        while (end < sheet->n_tables && tables_join(sheet->tables[i], sheet->tables[end]))
            end++;
        if (!block_plan(&blocks[(*n_blocks)++], sheet->tables + i, end - i, sheet->keyed)) {
            blocks_free(blocks, *n_blocks);
            blocks = NULL;
        }
        i = end;
    }
    if (!blocks)
        xlsx_fail(b, EMBOLO_ERROR_NOMEM, sheet->name);
    return blocks;
}

/* ---- cells ---- */

/* Characters a number shows at these decimals, with what its style adds. */
static size_t number_width(double value, int decimals, size_t extra)
{
    char text[64];
    format_number(text, sizeof text, value, decimals);
    return strlen(text) + extra;
}

static void cell_number(xlsx_sheet *s, lxw_col_t col, double value, xlsx_style style, int decimals, size_t extra)
{
    if (!isfinite(value))
        return;
    lxw_format *format = xlsx_style_format(s->book, style, decimals);
    if (style == XLSX_DATE)
        xlsx_number(s, col, value + 25569.0, format, 10);  /* Excel's serial number of 1970-01-01 */
    else
        xlsx_number(s, col, value, format, number_width(style == XLSX_PERCENT || style == XLSX_PCT ? 100 * value : value,
                                                        decimals, extra));
}

/* The numbers of a cell in sheet columns col, col + 1 ...: missing numbers stay empty; text in the
 * column's format (wrapped long text, or none). */
static void cell_write(xlsx_sheet *s, lxw_col_t col, const table_cell *c, lxw_format *text_format)
{
    char text[32];
    int d = c->decimals;
    if (c->suppressed && (c->format == CELL_COUNT || c->format == CELL_COUNT_PERCENT)) {
        snprintf(text, sizeof text, "<%.0f", c->value[0]);
        xlsx_text(s, col, text, s->book->na);
        return;
    }
    if (c->suppressed)
        return;
    switch (c->format) {
    case CELL_EMPTY:
        break;
    case CELL_TEXT:
        xlsx_text(s, col, c->text, text_format);
        break;
    case CELL_COUNT:
        cell_number(s, col, c->value[0], XLSX_NUMBER, 0, 0);
        break;
    case CELL_GENERAL:
        if (isfinite(c->value[0]))
            xlsx_number(s, col, c->value[0], NULL, number_width(c->value[0], 4, 0));
        break;
    case CELL_PERCENT:
        cell_number(s, col, c->value[0], XLSX_PERCENT, d, 1);
        break;
    case CELL_P:
        cell_number(s, col, c->value[0], XLSX_P, d, 1);
        break;
    case CELL_REFERENCE:
        cell_number(s, col, c->value[0], XLSX_REFERENCE, 0, 13);
        break;
    case CELL_DATE:
        cell_number(s, col, c->value[0], XLSX_DATE, 0, 0);
        break;
    case CELL_COUNT_PERCENT:
        cell_number(s, col, c->value[0], XLSX_NUMBER, 0, 0);
        cell_number(s, col + 1, c->value[1], XLSX_PCT, d, 3);
        break;
    case CELL_MEAN_SD:
        cell_number(s, col, c->value[0], XLSX_NUMBER, d, 0);
        cell_number(s, col + 1, c->value[1], XLSX_SD, d, 2);
        break;
    case CELL_MEDIAN_IQR:
        cell_number(s, col, c->value[0], XLSX_NUMBER, d, 0);
        cell_number(s, col + 1, c->value[1], XLSX_Q1, d, 1);
        cell_number(s, col + 2, c->value[2], XLSX_Q3, d, 1);
        break;
    default: /* an estimate with its limits or standard error, as numbers or percentages */
        for (size_t k = 0; k < table_cell_parts(c); k++)
            cell_number(s, col + (lxw_col_t)k, c->value[k], c->format == CELL_PERCENT_CI ? XLSX_PERCENT : XLSX_NUMBER,
                        d, c->format == CELL_PERCENT_CI);
        break;
    }
}

/* ---- headers ---- */

/* A header's text on one line. */
static void one_line(const char *text, char *out, size_t size)
{
    snprintf(out, size, "%s", text ? text : "");
    for (char *c = out; *c; c++)
        if (*c == '\n')
            *c = ' ';
}

static void header_spans(xlsx_sheet *s, const xlsx_block *block)
{
    const table *t = block->tables[0];
    char text[512];
    for (size_t k = 0; k < t->n_spans; k++) {
        const table_span *span = &t->spans[k];
        lxw_col_t first = block->first[span->first], last = block->first[span->first + span->count - 1] +
                                                            block->parts[span->first + span->count - 1];
        one_line(span->text, text, sizeof text);
        xlsx_header_across(s, first, last - first, text);
    }
    xlsx_next_row(s);
}

static void header_columns(xlsx_sheet *s, const xlsx_block *block)
{
    const table *t = block->tables[0];
    char text[512];
    if (block->keyed)
        xlsx_header(s, 0, t->key_header ? t->key_header : "Key");
    if (block->grouped)
        xlsx_header(s, (lxw_col_t)block->keyed, t->group_header ? t->group_header : "Group");
    one_line(t->level_header ? t->level_header : t->columns[0].header, text, sizeof text);
    xlsx_header(s, block->label_col, text);
    for (size_t c = 1; c < t->n_columns; c++) {
        const table_column *column = &t->columns[c];
        one_line(column->header, text, sizeof text);
        if (!column->parts[0] && block->parts[c] > 1) {
            xlsx_header_across(s, block->first[c], block->parts[c], text);
            continue;
        }
        for (lxw_col_t p = 0; p < block->parts[c]; p++)
            xlsx_header(s, block->first[c] + p, column->parts[0] ? (p < 3 && column->parts[p] ? column->parts[p] : "")
                                                                 : text);
    }
    xlsx_next_row(s);
}

/* ---- rows ---- */

static void row_write(xlsx_sheet *s, const xlsx_block *block, const table *t, const table_row *row,
                      const char **parent)
{
    if (row->role == TABLE_ROW_NOTE) {
        xlsx_text(s, 0, row->label, s->book->note);
        xlsx_next_row(s);
        return;
    }
    int heading = row->role == TABLE_ROW_HEADING, member = table_row_is_member(row);
    if (!member)
        *parent = row->label;
    if (heading && !table_row_has_values(row, t->n_columns))
        return;
    if (block->keyed)
        xlsx_text(s, 0, t->key, NULL);
    if (block->grouped && (heading || member))
        xlsx_text(s, (lxw_col_t)block->keyed, *parent, NULL);
    if (!heading)
        xlsx_text(s, block->label_col, row->label, NULL);
    for (size_t c = 1; c < t->n_columns; c++)
        cell_write(s, block->first[c], &row->cells[c], t->columns[c].wrap ? s->book->wrap : NULL);
    xlsx_next_row(s);
}

static void table_rows(xlsx_sheet *s, const xlsx_block *block, table *t)
{
    table_row scratch = {0};
    const char *parent = "";
    if (t->fill && table_scratch_new(t, &scratch) != EMBOLO_OK) {
        xlsx_fail(s->book, EMBOLO_ERROR_NOMEM, s->name);
        return;
    }
    for (size_t r = 0; r < t->n_rows && xlsx_ok(s->book); r++)
        row_write(s, block, t, table_row_at(t, r, &scratch), &parent);
    table_scratch_free(&scratch);
}

/* The footnotes of a block's tables, each once. */
static void block_notes(xlsx_sheet *s, const xlsx_block *block)
{
    for (size_t k = 0; k < block->n; k++)
        for (size_t i = 0; i < block->tables[k]->n_footnotes; i++) {
            const char *note = block->tables[k]->footnotes[i];
            int seen = 0;
            for (size_t j = 0; j < k && !seen; j++)
                for (size_t m = 0; m < block->tables[j]->n_footnotes && !seen; m++)
                    seen = strcmp(block->tables[j]->footnotes[m], note) == 0;
            if (!seen) {
                xlsx_text(s, 0, note, s->book->note);
                xlsx_next_row(s);
            }
        }
}

/* Where a sheet's first list is: its header rows and data rows. */
typedef struct xlsx_frame {
    lxw_row_t header_first, header_last, data_last;
    lxw_col_t stub_cols, n_cols;
    int has_data;
} xlsx_frame;

/* Frozen header rows and label columns, and an autofilter from the last header row down to the last
 * row of data (not the notes below it). */
static void sheet_frame(xlsx_sheet *s, const xlsx_frame *frame)
{
    if (!xlsx_ok(s->book) || !frame->has_data)
        return;
    worksheet_freeze_panes(s->ws, frame->header_last + 1, frame->stub_cols);
    xlsx_check(s->book, worksheet_autofilter(s->ws, frame->header_last, 0, frame->data_last, frame->n_cols - 1),
               s->name);
}

static void block_write(xlsx_sheet *s, const xlsx_block *block, int first, xlsx_frame *frame)
{
    const table *t = block->tables[0];
    xlsx_text(s, 0, block->n > 1 && t->join_title ? t->join_title : t->title, s->book->title);
    xlsx_next_row(s);
    if (first) {
        xlsx_text(s, 0, "A blank numeric cell: not available (NA: not estimable, not reached or not computed). "
                        "Numbers keep full precision; their formats show the report's decimals.", s->book->note);
        xlsx_next_row(s);
    }
    lxw_row_t header_first = s->row;
    if (t->n_spans)
        header_spans(s, block);
    header_columns(s, block);
    lxw_row_t data_first = s->row;
    for (size_t k = 0; k < block->n && xlsx_ok(s->book); k++)
        table_rows(s, block, block->tables[k]);
    if (first) {
        *frame = (xlsx_frame){header_first, data_first - 1, s->row - 1, block->label_col + 1, block->n_cols,
                              s->row > data_first};
        sheet_frame(s, frame);  /* in constant-memory mode, before any row below the data */
    }
    block_notes(s, block);
    for (lxw_col_t c = 1; c < t->n_columns; c++)
        if (t->columns[c].wrap)
            xlsx_wrap_column(s, block->first[c], t->columns[c].wrap);
}

/* ---- page setup ---- */

/* The print setup of every sheet, and the first list's header rows on every page (a sheet that
 * sets its own print area and page breaks, the charts', is not fitted to the page's width). */
static void page_setup(xlsx_sheet *s, const xlsx_frame *frame, int fit_width)
{
    xlsx_print_setup(s, fit_width);
    if (frame->has_data && fit_width && xlsx_ok(s->book))
        xlsx_check(s->book, worksheet_repeat_rows(s->ws, frame->header_first, frame->header_last), s->name);
}

static void sheet_write(xlsx_book *b, const doc_sheet *sheet)
{
    size_t n_blocks;
    xlsx_frame frame = {0};
    xlsx_sheet s;
    xlsx_block *blocks = sheet_blocks(b, sheet, &n_blocks);
    lxw_col_t n_cols = 1;
    for (size_t k = 0; k < n_blocks; k++)
        n_cols = blocks[k].n_cols > n_cols ? blocks[k].n_cols : n_cols;
    if (blocks && xlsx_sheet_begin(b, &s, sheet->name, n_cols)) {
        for (size_t k = 0; k < n_blocks && xlsx_ok(b); k++) {
            if (k > 0)
                xlsx_next_row(&s);
            block_write(&s, &blocks[k], k == 0, &frame);
        }
        int charts = sheet->kind == SHEET_KM_CURVES && xlsx_km_charts(b, &s, n_cols + 1);
        page_setup(&s, &frame, !charts);
        xlsx_sheet_end(&s);
    }
    blocks_free(blocks, n_blocks);
}

/* ---- the book ---- */

static lxw_format *book_format(xlsx_book *b)
{
    lxw_format *format = xlsx_ok(b) ? workbook_add_format(b->workbook) : NULL;
    if (!format)
        xlsx_fail(b, EMBOLO_ERROR_NOMEM, "cell formats");
    return format;
}

static void book_add_formats(xlsx_book *b)
{
    b->title = book_format(b);
    b->header = book_format(b);
    b->header_across = book_format(b);
    b->na = book_format(b);
    b->note = book_format(b);
    b->wrap = book_format(b);
    if (!xlsx_ok(b))
        return;
    format_set_bold(b->title);
    format_set_font_size(b->title, 12);
    format_set_bold(b->header);
    format_set_text_wrap(b->header);
    format_set_align(b->header, LXW_ALIGN_VERTICAL_TOP);
    format_set_bottom(b->header, LXW_BORDER_THIN);
    format_set_bold(b->header_across);
    format_set_bottom(b->header_across, LXW_BORDER_THIN);
    format_set_align(b->header_across, LXW_ALIGN_CENTER_ACROSS);
    format_set_align(b->na, LXW_ALIGN_RIGHT);
    format_set_italic(b->note);
    format_set_text_wrap(b->wrap);
    format_set_align(b->wrap, LXW_ALIGN_VERTICAL_TOP);
}

/* libxlsxwriter takes 0 for "now", so 1970-01-01 is written as its first second: never the clock. */
static void book_set_properties(xlsx_book *b)
{
    const render_input *in = b->in;
    char comments[256];
    snprintf(comments, sizeof comments, "embolo %s; input SHA-256 %s", in->version ? in->version : "",
             in->input_sha256 ? in->input_sha256 : "");
    char title[512];
    snprintf(title, sizeof title, "%s", b->d->title);
    time_t created = (time_t)b->d->day * 86400;
    lxw_doc_properties properties = {
        .title = title,
        .subject = b->t->subtitle,
        .author = "embolo",
        .comments = comments,
        .created = created ? created : 1,
    };
    xlsx_check(b, workbook_set_properties(b->workbook, &properties), "document properties");
}

/* ZIP64 only when the Patients sheet may pass 4 GB uncompressed. */
static uint8_t book_needs_zip64(const render_input *in)
{
    double cols = 2.0 + 2.0 * (double)in->study->n_endpoints + (double)in->study->n_variables +
                  (double)in->data->n_groups + 2.0;
    return (double)in->data->n * cols * XLSX_BYTES_PER_CELL > XLSX_ZIP32_LIMIT ? LXW_TRUE : LXW_FALSE;
}

static embolo_error book_result(const xlsx_book *b, lxw_error closed, int close_errno, const char *path,
                                char *message, size_t message_size)
{
    if (b->error != EMBOLO_OK) {
        snprintf(message, message_size, "%s: writing the workbook failed (%s): %s", path, b->failed,
                 embolo_error_message(b->error));
        return b->error;
    }
    if (b->status != LXW_NO_ERROR) {
        snprintf(message, message_size, "%s: writing the workbook failed (%s): %s", path, b->failed,
                 lxw_strerror(b->status));
        return EMBOLO_ERROR_OUTPUT;
    }
    if (closed != LXW_NO_ERROR) {
        /* The system's reason, as libxlsxwriter's own message (not shown) would give it. */
        snprintf(message, message_size, "%s: cannot write: %s (%s)", path,
                 close_errno ? strerror(close_errno) : "write error", lxw_strerror(closed));
        return EMBOLO_ERROR_OUTPUT;
    }
    return EMBOLO_OK;
}

embolo_error xlsx_write(const document *d, const char *path, char *message, size_t message_size)
{
    const render_input *in = d->build.in;
    xlsx_book b = {.d = d, .in = in, .t = in->template};
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .use_zip64 = book_needs_zip64(in)};
    lxw_error closed = LXW_NO_ERROR;
    int close_errno = 0;
    b.workbook = workbook_new_opt(path, &options);
    if (!b.workbook) {
        snprintf(message, message_size, "%s: cannot create the workbook", path);
        return EMBOLO_ERROR_OUTPUT;
    }
    book_set_properties(&b);
    book_add_formats(&b);
    for (size_t i = 0; i < d->n_sheets && xlsx_ok(&b); i++)
        sheet_write(&b, &d->sheets[i]);
    if (xlsx_ok(&b)) {
        errno = 0;
        closed = workbook_close(b.workbook);
        close_errno = errno;
    } else
        lxw_workbook_free(b.workbook);
    return book_result(&b, closed, close_errno, path, message, message_size);
}
