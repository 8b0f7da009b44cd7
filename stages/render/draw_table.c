/* Tables of the model (table.h) laid out and drawn with the drawing layer's primitives, on any
 * backend: natural column widths, a smaller font for a wide table, page breaks repeating the title and
 * header, a group's heading kept with its first row and the footnotes with the last. */
#include <stdio.h>
#include <string.h>

#include "draw_internal.h"

#define TABLE_MAX_COLUMNS 64
#define TABLE_MIN_FONT 5.5
#define CELL_MAX_LINES 6
#define CELL_TEXT_SIZE 256
#define WRAP_EM 0.55           /* the width of a character of a wrapped column, in font sizes */

typedef struct table_layout {
    double size, pad, row_height, header_height, span_height, indent;
    double widths[TABLE_MAX_COLUMNS];
    size_t header_lines;
} table_layout;

/* The text of cell c of row r: the label in the stub, else the cell's text (table_cell_text). */
static const char *cell_text(const table *t, size_t r, size_t c, char *buffer)
{
    if (c == 0)
        return t->rows[r].label;
    table_cell_text(&t->rows[r].cells[c], buffer, CELL_TEXT_SIZE);
    return buffer;
}

static int row_is_bold(const table_row *row)
{
    return row->role == TABLE_ROW_HEADING || row->role == TABLE_ROW_TOTAL;
}

static draw_align column_align(const table *t, size_t c)
{
    return t->columns[c].align == TABLE_LEFT ? DRAW_LEFT : DRAW_CENTER;
}

/* The widest line of a wrapped column at a font size; 0: not wrapped. */
static double column_wrap(const table *t, size_t c, double size)
{
    return (double)t->columns[c].wrap * WRAP_EM * size;
}

/* Widest line of a header, and its number of lines. */
static double header_width(draw_doc *d, const char *header, double size, size_t *lines)
{
    double widest = 0.0;
    *lines = 0;
    for (const char *line = header;; line++) {
        size_t length = strcspn(line, "\n");
        double w = draw_width_n(d, line, length, DRAW_BOLD, size);
        widest = w > widest ? w : widest;
        (*lines)++;
        line += length;
        if (!*line)
            break;
    }
    return widest;
}

/* Widens the columns under a span whose heading is wider than they are; returns the width added. */
static double spans_widen(draw_doc *d, const table *t, table_layout *layout, double size)
{
    double added = 0.0;
    for (size_t k = 0; k < t->n_spans; k++) {
        const table_span *span = &t->spans[k];
        double under = 0.0, need = draw_width_n(d, span->text, strlen(span->text), DRAW_BOLD, size) + 2 * layout->pad;
        for (size_t c = span->first; c < span->first + span->count; c++)
            under += layout->widths[c];
        if (need <= under)
            continue;
        for (size_t c = span->first; c < span->first + span->count; c++)
            layout->widths[c] += (need - under) / (double)span->count;
        added += need - under;
    }
    return added;
}

/* Natural widths of the columns at a font size; returns their sum. */
static double table_measure(draw_doc *d, const table *t, table_layout *layout, double size)
{
    char buffer[CELL_TEXT_SIZE];
    double total = 0.0;
    layout->size = size;
    layout->pad = 0.5 * size;
    layout->indent = 1.2 * size;
    layout->row_height = 1.5 * size;
    layout->header_lines = 1;
    for (size_t c = 0; c < t->n_columns; c++) {
        size_t lines;
        double widest = header_width(d, t->columns[c].header, size, &lines);
        layout->header_lines = lines > layout->header_lines ? lines : layout->header_lines;
        for (size_t r = 0; r < t->n_rows; r++) {
            const table_row *row = &t->rows[r];
            const char *cell = cell_text(t, r, c, buffer);
            double w = draw_width_n(d, cell, strlen(cell), c == 0 && row_is_bold(row) ? DRAW_BOLD : DRAW_REGULAR, size);
            w += c == 0 && table_row_is_member(row) ? layout->indent : 0.0;
            widest = w > widest ? w : widest;
        }
        double wrap = column_wrap(t, c, size);
        layout->widths[c] = (wrap > 0 && widest > wrap ? wrap : widest) + 2 * layout->pad;
        total += layout->widths[c];
    }
    total += spans_widen(d, t, layout, size);
    layout->span_height = t->n_spans ? 1.6 * size : 0.0;
    layout->header_height = (double)layout->header_lines * 1.25 * size + 0.5 * size + layout->span_height;
    return total;
}

static int table_drawable(const table *t)
{
    return !t->fill && t->n_columns > 0 && t->n_columns <= TABLE_MAX_COLUMNS;
}

double draw_table_width(draw_doc *d, const table *t)
{
    table_layout layout;
    return table_drawable(t) ? table_measure(d, t, &layout, DRAW_TABLE_FONT) : 0.0;
}

/* Fits the table to width: a smaller font when it is too wide, some air when it is narrow. */
static void table_fit(draw_doc *d, const table *t, table_layout *layout, double width)
{
    double size = DRAW_TABLE_FONT, total = table_measure(d, t, layout, size);
    while (total > width && size > TABLE_MIN_FONT) {
        size = size * width / total * 0.995;
        size = size < TABLE_MIN_FONT ? TABLE_MIN_FONT : size;
        total = table_measure(d, t, layout, size);
    }
    double n = (double)t->n_columns;
    double extra = (width - total) / n;
    if (extra > 2.5 * size)
        extra = 2.5 * size;
    for (size_t c = 0; c < t->n_columns; c++)
        layout->widths[c] += extra;
}

static double cell_x(const table_layout *layout, size_t column, double left, draw_align align)
{
    double x = left;
    for (size_t c = 0; c < column; c++)
        x += layout->widths[c];
    if (align == DRAW_RIGHT)
        return x + layout->widths[column] - layout->pad;
    if (align == DRAW_CENTER)
        return x + layout->widths[column] / 2;
    return x + layout->pad;
}

static double table_total_width(const table *t, const table_layout *layout)
{
    double w = 0.0;
    for (size_t c = 0; c < t->n_columns; c++)
        w += layout->widths[c];
    return w;
}

static void table_rule(draw_doc *d, double left, double width, double y, double thickness)
{
    draw_segment(d, left, y, left + width, y, draw_grey_pen(0.0, thickness, DRAW_DASH_SOLID));
}

/* The span headings above the column headers, each over a thin rule as wide as its columns. */
static void table_spans(draw_doc *d, const table *t, const table_layout *layout, draw_box box)
{
    for (size_t k = 0; k < t->n_spans; k++) {
        const table_span *span = &t->spans[k];
        double left = box.x, width = 0.0;
        for (size_t c = 0; c < span->first; c++)
            left += layout->widths[c];
        for (size_t c = span->first; c < span->first + span->count; c++)
            width += layout->widths[c];
        double y = box.y + box.h - layout->size * 1.2;
        draw_text_n(d, left + width / 2, y, span->text, strlen(span->text), DRAW_BOLD, layout->size,
                  DRAW_CENTER);
        table_rule(d, left + layout->pad, width - 2 * layout->pad, y - 0.45 * layout->size, 0.4);
    }
}

static void table_header(draw_doc *d, const table *t, const table_layout *layout, int continued)
{
    double width = table_total_width(t, layout);
    if (t->title && t->title[0]) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", t->title, continued ? " (continued)" : "");
        draw_box box = draw_block(d, layout->size * 2.0);
        draw_text(d, box.x, box.y + layout->size * 0.6, text, DRAW_BOLD, layout->size + 1.0, DRAW_LEFT);
    }
    draw_box box = draw_block(d, layout->header_height);
    table_rule(d, box.x, width, box.y + box.h, 0.8);
    table_spans(d, t, layout, box);
    for (size_t c = 0; c < t->n_columns; c++) {
        double y = box.y + box.h - layout->span_height - layout->size * 1.2;
        for (const char *line = t->columns[c].header;; y -= layout->size * 1.25) {
            size_t length = strcspn(line, "\n");
            draw_align align = column_align(t, c);
            draw_text_n(d, cell_x(layout, c, box.x, align), y, line, length, DRAW_BOLD, layout->size, align);
            line += length;
            if (!*line++)
                break;
        }
    }
    table_rule(d, box.x, width, box.y, 0.5);
}

static draw_font cell_font(const table_row *row, size_t column)
{
    return column == 0 && row_is_bold(row) ? DRAW_BOLD : DRAW_REGULAR;
}

/* The lines of a cell: wrapped in a wrapping column, else the whole text (buffer holds it). */
static size_t cell_lines(draw_doc *d, const table *t, const table_layout *layout, size_t r, size_t c,
                         char *buffer, const char **starts, size_t *lengths)
{
    const table_row *row = &t->rows[r];
    const char *cell = cell_text(t, r, c, buffer);
    double width = layout->widths[c] - 2 * layout->pad - (c == 0 && table_row_is_member(row) ? layout->indent : 0);
    if (t->columns[c].wrap && cell[0]) {
        size_t n = draw_wrap(d, cell, cell_font(row, c), layout->size, width, starts, lengths, CELL_MAX_LINES);
        if (n > 0)
            return n;
    }
    starts[0] = cell;
    lengths[0] = strlen(cell);
    return 1;
}

static double row_height(draw_doc *d, const table *t, const table_layout *layout, size_t r)
{
    char buffer[CELL_TEXT_SIZE];
    const char *starts[CELL_MAX_LINES];
    size_t lengths[CELL_MAX_LINES], lines = 1;
    for (size_t c = 0; c < t->n_columns; c++) {
        size_t n = t->columns[c].wrap ? cell_lines(d, t, layout, r, c, buffer, starts, lengths) : 1;
        lines = n > lines ? n : lines;
    }
    return layout->row_height + (double)(lines - 1) * 1.2 * layout->size;
}

static void table_row_draw(draw_doc *d, const table *t, const table_layout *layout, size_t r)
{
    char buffer[CELL_TEXT_SIZE];
    const char *starts[CELL_MAX_LINES];
    size_t lengths[CELL_MAX_LINES];
    const table_row *row = &t->rows[r];
    draw_box box = draw_block(d, row_height(d, t, layout, r));
    if (row->role == TABLE_ROW_TOTAL)
        table_rule(d, box.x, table_total_width(t, layout), box.y + box.h, 0.3);
    double top = box.y + box.h - layout->row_height * 0.68;
    for (size_t c = 0; c < t->n_columns; c++) {
        draw_align align = column_align(t, c);
        double x = cell_x(layout, c, box.x, align);
        if (c == 0 && table_row_is_member(row) && align == DRAW_LEFT)
            x += layout->indent;
        size_t n = cell_lines(d, t, layout, r, c, buffer, starts, lengths);
        for (size_t i = 0; i < n; i++)
            draw_text_n(d, x, top - (double)i * 1.2 * layout->size, starts[i], lengths[i], cell_font(row, c),
                      layout->size, align);
    }
}

/* The height of the footnotes, wrapped to the frame. */
static double notes_height(draw_doc *d, const table *t)
{
    const char *starts[DRAW_WRAP_MAX_LINES];
    size_t lengths[DRAW_WRAP_MAX_LINES], lines = 0;
    for (size_t k = 0; k < t->n_footnotes; k++)
        lines += draw_wrap(d, t->footnotes[k], DRAW_REGULAR, DRAW_NOTE_SIZE, draw_frame(d).w, starts, lengths,
                           DRAW_WRAP_MAX_LINES);
    return t->n_footnotes ? (double)lines * DRAW_NOTE_SIZE * 1.4 + 4.0 * (double)t->n_footnotes + 3.0 : 0.0;
}

static void table_notes(draw_doc *d, const table *t)
{
    if (t->n_footnotes)
        draw_gap(d, 3.0);
    for (size_t k = 0; k < t->n_footnotes; k++) {
        draw_paragraph(d, t->footnotes[k], DRAW_REGULAR, DRAW_NOTE_SIZE, 0.0);
        draw_gap(d, 4.0);
    }
}

/* The room row r needs: its own, the next row's when it is a group's heading, the footnotes' after the
 * last row (a footnote stays on the page of its table's end). */
static double row_need(draw_doc *d, const table *t, const table_layout *layout, size_t r, double notes)
{
    int keep = t->rows[r].role == TABLE_ROW_HEADING && r + 1 < t->n_rows;
    double need = row_height(d, t, layout, r) + (keep ? row_height(d, t, layout, r + 1) : 0.0);
    return need + (r + 1 == t->n_rows || (keep && r + 2 == t->n_rows) ? notes : 0.0);
}

void draw_table(draw_doc *d, const table *t)
{
    table_layout layout;
    if (d->failure != EMBOLO_OK)
        return;
    if (!table_drawable(t)) {
        draw_fail(d, EMBOLO_ERROR_INVALID_ARGUMENT);
        return;
    }
    if (!d->has_page)
        draw_new_page(d, 0);
    table_fit(d, t, &layout, draw_frame(d).w);
    double notes = notes_height(d, t);
    double first = (t->title[0] ? 2.0 * layout.size : 0.0) + layout.header_height + 2.0 * layout.row_height;
    double whole = first + notes;
    for (size_t r = 0; r < t->n_rows; r++)
        whole += row_height(d, t, &layout, r);
    /* A table that would break but fits a page of its own starts one, unless most of this page is free. */
    int fits_a_page = whole < draw_frame(d).h && draw_room(d) < 0.6 * draw_frame(d).h;
    if (draw_room(d) < first || (draw_room(d) < whole && fits_a_page))
        draw_new_page(d, d->landscape);
    table_header(d, t, &layout, 0);
    for (size_t r = 0; r < t->n_rows && d->failure == EMBOLO_OK; r++) {
        if (draw_room(d) < row_need(d, t, &layout, r, notes) + 1.0) {
            table_rule(d, DRAW_MARGIN_SIDE, table_total_width(t, &layout), d->cursor, 0.8);
            draw_new_page(d, d->landscape);
            table_header(d, t, &layout, 1);
        }
        table_row_draw(d, t, &layout, r);
    }
    table_rule(d, DRAW_MARGIN_SIDE, table_total_width(t, &layout), d->cursor, 0.8);
    table_notes(d, t);
    draw_gap(d, layout.size);
}

