/* The backend-neutral part of the drawing layer (draw.h): failures, text made safe and measured,
 * pages and the flow of blocks, wrapping, paragraphs and headings, pens and shapes, legends and plots,
 * all composed from the primitives of a backend (draw_internal.h: libharu in draw_hpdf.c, cairo in
 * draw_cairo.c). Tables are in draw_table.c. */
#include "draw_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define A4_WIDTH 595.276
#define A4_HEIGHT 841.89
#define FOOTER_Y 28.0
/* Points closer than this on the page are merged in step paths. */
#define PATH_RESOLUTION 0.3

/* ---- the document ---- */

draw_doc *draw_doc_new(const draw_backend *backend, void *impl, const char *footer)
{
    draw_doc *d = calloc(1, sizeof *d);
    if (d)
        d->footer = strdup(footer ? footer : "");
    for (size_t f = 0; d && d->footer && f < DRAW_FONT_COUNT; f++)
        d->advance[f] = calloc(65536, sizeof *d->advance[f]);
    if (!d || !d->footer || !d->advance[DRAW_REGULAR] || !d->advance[DRAW_BOLD]) {
        if (d) {
            for (size_t f = 0; f < DRAW_FONT_COUNT; f++)
                free(d->advance[f]);
            free(d->footer);
        }
        free(d);
        backend->release(&(draw_doc){.backend = backend, .impl = impl});
        return NULL;
    }
    d->backend = backend;
    d->impl = impl;
    snprintf(d->doing, sizeof d->doing, "starting the document");
    return d;
}

void draw_free(draw_doc *d)
{
    if (!d)
        return;
    d->backend->release(d);
    for (size_t f = 0; f < DRAW_FONT_COUNT; f++)
        free(d->advance[f]);
    free(d->footer);
    free(d);
}

/* ---- failures ---- */

void draw_fail(draw_doc *d, embolo_error err)
{
    if (d->failure != EMBOLO_OK)
        return;
    d->failure = err;
    memcpy(d->failed_doing, d->doing, sizeof d->doing);
}

int draw_failed(const draw_doc *d)
{
    return d->failure != EMBOLO_OK;
}

size_t draw_page_count(const draw_doc *d)
{
    return d->n_pages;
}

int draw_ready(const draw_doc *d)
{
    return d->failure == EMBOLO_OK && d->has_page;
}

/* ---- text made safe: valid UTF-8 of the Basic Multilingual Plane, no control characters ---- */

size_t draw_utf8_length(const unsigned char *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] < 0xE0 || s[0] > 0xEF || left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))
        return 0;
    return 3;
}

/* Each invalid byte (and each byte of a character the fonts cannot take, beyond the Basic Multilingual
 * Plane) becomes U+FFFD, a control character a space, as the workbook and the Word document show them. */
const char *draw_text_clean(char *out, const char *text, size_t length)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, o = 0;
    while (i < length && o + 4 < DRAW_TEXT_MAX) {
        size_t n = draw_utf8_length(s + i, length - i);
        if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            if (s[i] < 0x80)
                out[o++] = ' ';
            else
                for (const char *r = "\xef\xbf\xbd"; *r; r++)
                    out[o++] = *r;
            i++;
            continue;
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}

/* The advance width (1/1000 em) of the character of n bytes at s, as the backend gives it, cached
 * (libharu finds each glyph by a linear search of the font's character map). */
static double advance_of(draw_doc *d, draw_font font, const unsigned char *s, size_t n)
{
    unsigned code = n == 1 ? s[0] : n == 2 ? ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu)
                                           : ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    float *cache = d->advance[font];
    if (cache[code] == 0.0f)
        cache[code] = (float)d->backend->advance(d, font, code, (const char *)s, n) + 1.0f;
    return (double)cache[code] - 1.0;
}

double draw_width_n(draw_doc *d, const char *text, size_t length, draw_font font, double size)
{
    if (d->failure != EMBOLO_OK || !d->has_fonts)
        return 0.0;
    const unsigned char *clean = (const unsigned char *)draw_text_clean(d->measure, text, length);
    double total = 0.0;
    for (size_t i = 0; clean[i];) {
        size_t n = draw_utf8_length(clean + i, 3);
        n = n ? n : 1;
        total += advance_of(d, font, clean + i, n);
        i += n;
    }
    return total * size / 1000.0;
}

double draw_text_width(draw_doc *d, const char *text, draw_font font, double size)
{
    return draw_width_n(d, text, strlen(text), font, size);
}

void draw_ascii(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c && n + 1 < size; c++)
        if (*c < 0x80 || (*c & 0xC0) == 0xC0)
            out[n++] = *c >= 0x20 && *c < 0x7f ? (char)*c : '?';
    if (size)
        out[n] = '\0';
}

/* ---- pages ---- */

void draw_new_page(draw_doc *d, int landscape)
{
    if (d->failure != EMBOLO_OK)
        return;
    snprintf(d->doing, sizeof d->doing, "drawing page %zu", d->n_pages + 1);
    double w = landscape ? A4_HEIGHT : A4_WIDTH, h = landscape ? A4_WIDTH : A4_HEIGHT;
    if (!d->backend->page_new(d, w, h))
        return;
    d->n_pages++;
    d->has_page = 1;
    d->landscape = landscape;
    d->width = w;
    d->height = h;
    d->cursor = d->height - DRAW_MARGIN_TOP;
    d->slot_per_page = 0;
}

draw_box draw_frame(const draw_doc *d)
{
    draw_box frame = {DRAW_MARGIN_SIDE, DRAW_MARGIN_BOTTOM, d->width - 2 * DRAW_MARGIN_SIDE,
                      d->height - DRAW_MARGIN_TOP - DRAW_MARGIN_BOTTOM};
    return frame;
}

double draw_frame_width(int landscape)
{
    return (landscape ? A4_HEIGHT : A4_WIDTH) - 2 * DRAW_MARGIN_SIDE;
}

void draw_return_to_page(draw_doc *d, size_t index, double cursor)
{
    if (d->failure != EMBOLO_OK || index >= d->n_pages)
        return;
    d->backend->page_select(d, index);
    d->landscape = d->width > d->height;
    d->cursor = cursor;
    d->slot_per_page = 0;
}

double draw_cursor(const draw_doc *d)
{
    return d->cursor;
}

double draw_room(const draw_doc *d)
{
    return d->has_page ? d->cursor - DRAW_MARGIN_BOTTOM : 0.0;
}

draw_box draw_block(draw_doc *d, double height)
{
    if (!d->has_page || (draw_room(d) < height && d->cursor < d->height - DRAW_MARGIN_TOP - 0.5))
        draw_new_page(d, d->has_page ? d->landscape : 0);
    draw_box box = {DRAW_MARGIN_SIDE, d->cursor - height, d->width - 2 * DRAW_MARGIN_SIDE, height};
    d->cursor -= height;
    return box;
}

void draw_gap(draw_doc *d, double height)
{
    if (d->has_page && draw_room(d) > height)
        d->cursor -= height;
}

draw_box draw_slot(draw_doc *d, size_t per_page)
{
    per_page = per_page >= 4 ? 4 : per_page == 0 ? 1 : per_page;
    size_t rows = per_page == 4 ? 2 : per_page, columns = per_page == 4 ? 2 : 1;
    draw_box frame = draw_frame(d);
    if (!d->has_page || d->slot_per_page != per_page || d->slot_page != d->n_pages || d->slot_next >= per_page) {
        if (!d->has_page || draw_room(d) < 0.55 * frame.h)
            draw_new_page(d, d->has_page ? d->landscape : 0);
        frame = draw_frame(d);
        d->slot_per_page = per_page;
        d->slot_page = d->n_pages;
        d->slot_next = 0;
        d->slot_top = d->cursor;
    }
    size_t k = d->slot_next++;
    double gap = 14.0;
    double h = (d->slot_top - frame.y - gap * (double)(rows - 1)) / (double)rows;
    double w = (frame.w - gap * (double)(columns - 1)) / (double)columns;
    draw_box box = {frame.x + (double)(k % columns) * (w + gap), d->slot_top - (double)(k / columns + 1) * h -
                    (double)(k / columns) * gap, w, h};
    if (box.y - gap < d->cursor)
        d->cursor = box.y - gap > frame.y ? box.y - gap : frame.y;
    return box;
}

/* ---- text ---- */

void draw_text_n(draw_doc *d, double x, double y, const char *text, size_t length, draw_font font, double size,
                 draw_align align)
{
    if (!draw_ready(d))
        return;
    const char *clean = draw_text_clean(d->text, text, length);
    if (!clean[0])
        return;
    if (align != DRAW_LEFT) {
        double w = draw_width_n(d, clean, strlen(clean), font, size);
        x -= align == DRAW_CENTER ? w / 2 : w;
    }
    d->backend->text(d, x, y, clean, font, size, 0);
}

void draw_text(draw_doc *d, double x, double y, const char *text, draw_font font, double size, draw_align align)
{
    draw_text_n(d, x, y, text, strlen(text), font, size, align);
}

void draw_text_up(draw_doc *d, double x, double y, const char *text, draw_font font, double size)
{
    if (!draw_ready(d))
        return;
    const char *clean = draw_text_clean(d->text, text, strlen(text));
    double w = draw_width_n(d, clean, strlen(clean), font, size);
    if (clean[0])
        d->backend->text(d, x, y - w / 2, clean, font, size, 1);
}

/* The longest prefix of text (at least one character) that fits in width. */
static size_t fitting_prefix(draw_doc *d, const char *text, size_t length, draw_font font, double size,
                             double width)
{
    size_t best = 0;
    for (size_t n = 1; n <= length; n++) {
        if (n < length && ((unsigned char)text[n] & 0xC0) == 0x80)
            continue;
        if (best > 0 && draw_width_n(d, text, n, font, size) > width)
            break;
        best = n;
    }
    return best ? best : length;
}

/* The end of the words of text[start..] that fit on one line of width. */
static size_t line_end(draw_doc *d, const char *text, size_t start, draw_font font, double size, double width)
{
    size_t end = start, next = start;
    for (;;) {
        size_t word_end = next;
        while (text[word_end] && text[word_end] != ' ' && text[word_end] != '\n')
            word_end++;
        if (end > start && draw_width_n(d, text + start, word_end - start, font, size) > width)
            return end;
        if (end == start && draw_width_n(d, text + start, word_end - start, font, size) > width)
            return start + fitting_prefix(d, text + start, word_end - start, font, size, width);
        end = word_end;
        next = word_end;
        while (text[next] == ' ')
            next++;
        if (!text[next] || text[next] == '\n' || text[end] == '\n')
            return end;
    }
}

size_t draw_wrap(draw_doc *d, const char *text, draw_font font, double size, double width, const char **starts,
                 size_t *lengths, size_t max_lines)
{
    size_t n = 0, at = 0;
    while (text[at] && n < max_lines) {
        while (text[at] == ' ')
            at++;
        if (!text[at])
            break;
        if (text[at] == '\n') {
            at++;
            continue;
        }
        size_t end = line_end(d, text, at, font, size, width);
        starts[n] = text + at;
        lengths[n++] = end - at;
        at = end;
    }
    return n;
}

void draw_paragraph(draw_doc *d, const char *text, draw_font font, double size, double indent)
{
    const char *starts[DRAW_WRAP_MAX_LINES];
    size_t lengths[DRAW_WRAP_MAX_LINES];
    if (d->failure != EMBOLO_OK)
        return;
    if (!d->has_page)
        draw_new_page(d, 0);
    double width = draw_frame(d).w - indent;
    size_t n = draw_wrap(d, text, font, size, width, starts, lengths, DRAW_WRAP_MAX_LINES);
    for (size_t i = 0; i < n; i++) {
        draw_box line = draw_block(d, size * 1.4);
        draw_text_n(d, line.x + indent, line.y + size * 0.4, starts[i], lengths[i], font, size, DRAW_LEFT);
    }
}

void draw_heading(draw_doc *d, const char *text)
{
    if (d->failure != EMBOLO_OK)
        return;
    if (!d->has_page || draw_room(d) < 160.0)
        draw_new_page(d, d->has_page ? d->landscape : 0);
    draw_box box = draw_block(d, 24.0);
    if (draw_ready(d) && d->backend->bookmark)
        d->backend->bookmark(d, text);
    draw_text_n(d, box.x, box.y + 6.0, text, strlen(text), DRAW_BOLD, 15.0, DRAW_LEFT);
    draw_gap(d, 6.0);
}

void draw_subheading(draw_doc *d, const char *text)
{
    if (d->failure != EMBOLO_OK)
        return;
    if (!d->has_page || draw_room(d) < 90.0)
        draw_new_page(d, d->has_page ? d->landscape : 0);
    draw_gap(d, 6.0);
    draw_box box = draw_block(d, 18.0);
    draw_text_n(d, box.x, box.y + 5.0, text, strlen(text), DRAW_BOLD, 11.0, DRAW_LEFT);
}


/* ---- pens and shapes ---- */

draw_pen draw_series_pen(size_t series, double width)
{
    /* Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black. */
    static const double rgb[DRAW_SERIES_COUNT][3] = {
        {0.000, 0.447, 0.698}, {0.835, 0.369, 0.000}, {0.000, 0.620, 0.451}, {0.800, 0.475, 0.655},
        {0.902, 0.624, 0.000}, {0.337, 0.706, 0.914}, {0.000, 0.000, 0.000},
    };
    const double *c = rgb[series % DRAW_SERIES_COUNT];
    draw_pen pen = {c[0], c[1], c[2], width, (int)(series % DRAW_DASH_COUNT)};
    return pen;
}

draw_pen draw_grey_pen(double grey, double width, int dash)
{
    draw_pen pen = {grey, grey, grey, width, dash};
    return pen;
}

void draw_pen_begin(draw_doc *d, draw_pen pen)
{
    d->backend->save(d);
    d->backend->stroke_style(d, pen);
    d->backend->fill_style(d, pen.r, pen.g, pen.b, 1.0);
}

void draw_pen_end(draw_doc *d)
{
    d->backend->restore(d);
}

static void move_to(draw_doc *d, double x, double y)
{
    d->backend->move_to(d, x, y);
}

static void line_to(draw_doc *d, double x, double y)
{
    d->backend->line_to(d, x, y);
}

static void paint(draw_doc *d, draw_paint how)
{
    d->backend->paint(d, how);
}

void draw_segment(draw_doc *d, double x0, double y0, double x1, double y1, draw_pen pen)
{
    if (!draw_ready(d))
        return;
    draw_pen_begin(d, pen);
    move_to(d, x0, y0);
    line_to(d, x1, y1);
    paint(d, DRAW_PAINT_STROKE);
    draw_pen_end(d);
}

void draw_arrow(draw_doc *d, double x0, double y0, double x1, double y1, draw_pen pen)
{
    double dx = x1 - x0, dy = y1 - y0, length = sqrt(dx * dx + dy * dy);
    if (!draw_ready(d) || length <= 0)
        return;
    double ux = dx / length, uy = dy / length, head = 4.0 + pen.width;
    draw_segment(d, x0, y0, x1 - ux * head * 0.8, y1 - uy * head * 0.8, pen);
    pen.dash = DRAW_DASH_SOLID;
    draw_pen_begin(d, pen);
    move_to(d, x1, y1);
    line_to(d, x1 - ux * head - uy * head * 0.45, y1 - uy * head + ux * head * 0.45);
    line_to(d, x1 - ux * head + uy * head * 0.45, y1 - uy * head - ux * head * 0.45);
    d->backend->close_path(d);
    paint(d, DRAW_PAINT_FILL);
    draw_pen_end(d);
}

void draw_rect(draw_doc *d, draw_box box, draw_pen pen, double fill_grey)
{
    if (!draw_ready(d))
        return;
    draw_pen_begin(d, pen);
    if (fill_grey >= 0)
        d->backend->fill_style(d, fill_grey, fill_grey, fill_grey, 1.0);
    d->backend->rect(d, box.x, box.y, box.w, box.h);
    paint(d, fill_grey >= 0 ? DRAW_PAINT_FILL_STROKE : DRAW_PAINT_STROKE);
    draw_pen_end(d);
}

void draw_bar(draw_doc *d, draw_box box, draw_pen pen, double alpha, int outline)
{
    if (!draw_ready(d) || !(box.w > 0) || !(box.h > 0))
        return;
    pen.dash = DRAW_DASH_SOLID;
    draw_pen_begin(d, pen);
    d->backend->fill_style(d, pen.r, pen.g, pen.b, alpha);
    d->backend->rect(d, box.x, box.y, box.w, box.h);
    paint(d, DRAW_PAINT_FILL);
    if (outline) {
        d->backend->rect(d, box.x, box.y, box.w, box.h);
        paint(d, DRAW_PAINT_STROKE);
    }
    draw_pen_end(d);
}

void draw_swatch(draw_doc *d, double x, double y, double w, draw_pen pen)
{
    draw_segment(d, x, y, x + w, y, pen);
}

void draw_marker(draw_doc *d, double x, double y, draw_shape shape, double size, draw_pen pen)
{
    if (!draw_ready(d))
        return;
    double r = size / 2;
    pen.dash = DRAW_DASH_SOLID;
    draw_pen_begin(d, pen);
    if (shape == DRAW_SQUARE) {
        d->backend->rect(d, x - r, y - r, size, size);
        paint(d, DRAW_PAINT_FILL);
    } else if (shape == DRAW_DIAMOND) {
        move_to(d, x, y + r * 1.2);
        line_to(d, x + r * 1.2, y);
        line_to(d, x, y - r * 1.2);
        line_to(d, x - r * 1.2, y);
        d->backend->close_path(d);
        paint(d, DRAW_PAINT_FILL);
    } else {
        if (shape == DRAW_CIRCLE_OPEN)
            d->backend->fill_style(d, 1.0, 1.0, 1.0, 1.0);
        d->backend->circle(d, x, y, r);
        paint(d, shape == DRAW_CIRCLE_OPEN ? DRAW_PAINT_FILL_STROKE : DRAW_PAINT_FILL);
    }
    draw_pen_end(d);
}

/* One legend item's sample at (x, y): a filled box, or a line with a marker on it. */
static void legend_sample(draw_doc *d, double x, double y, double w, const draw_legend_item *item, double size)
{
    draw_pen pen = item->pen;
    pen.width = pen.width > 1.6 ? 1.6 : pen.width;
    if (item->filled) {
        draw_box box = {x + 0.2 * w, y - 0.4 * size, 0.6 * w, 0.8 * size};
        draw_bar(d, box, pen, item->alpha, 0);
        draw_rect(d, box, pen, -1.0);
        return;
    }
    if (!item->marker_only)
        draw_swatch(d, x, y, w, pen);
    if (item->has_shape)
        draw_marker(d, x + w / 2, y, item->shape, 0.7 * size, pen);
}

double draw_legend_items(draw_doc *d, double x, double top, double width, const draw_legend_item *items, size_t n,
                         double size, int measure_only)
{
    double line_height = size * 1.6, swatch = 2.4 * size, at = 0.0, lines = n ? 1.0 : 0.0;
    for (size_t i = 0; i < n; i++) {
        double item = swatch + 0.4 * size + draw_text_width(d, items[i].label, DRAW_REGULAR, size);
        if (at > 0 && at + item > width) {
            at = 0.0;
            lines += 1.0;
        }
        double y = top - lines * line_height + 0.45 * size;
        if (!measure_only) {
            legend_sample(d, x + at, y + 0.35 * size, swatch, &items[i], size);
            draw_text(d, x + at + swatch + 0.4 * size, y, items[i].label, DRAW_REGULAR, size, DRAW_LEFT);
        }
        at += item + 1.4 * size;
    }
    return lines * line_height;
}

double draw_legend(draw_doc *d, double x, double top, double width, const char *const *labels, const draw_pen *pens,
                   const draw_shape *shapes, size_t n, double size, int measure_only)
{
    enum { MAX_ITEMS = 64 };
    draw_legend_item items[MAX_ITEMS];
    n = n < MAX_ITEMS ? n : MAX_ITEMS;
    for (size_t i = 0; i < n; i++)
        items[i] = (draw_legend_item){.label = labels[i], .pen = pens[i], .has_shape = shapes != NULL,
                                      .shape = shapes ? shapes[i] : DRAW_SQUARE};
    return draw_legend_items(d, x, top, width, items, n, size, measure_only);
}

/* ---- plots ---- */

static double axis_position(const draw_axis *a, double v, double start, double length)
{
    double lo = a->log ? log(a->min) : a->min, hi = a->log ? log(a->max) : a->max;
    double at = a->log ? log(v) : v;
    return hi > lo ? start + (at - lo) / (hi - lo) * length : start;
}

double draw_plot_x(const draw_plot *p, double x)
{
    return axis_position(&p->x, x, p->area.x, p->area.w);
}

double draw_plot_y(const draw_plot *p, double y)
{
    return axis_position(&p->y, y, p->area.y, p->area.h);
}

size_t draw_axis_ticks(const draw_axis *a, double *ticks, size_t max)
{
    size_t n = 0;
    if (a->ticks) {
        for (size_t k = 0; k < a->n_ticks && n < max; k++)
            if (a->ticks[k] >= a->min - 1e-9 && a->ticks[k] <= a->max * (1 + 1e-9) + 1e-9)
                ticks[n++] = a->ticks[k];
        return n;
    }
    if (!(a->step > 0) || !isfinite(a->min) || !isfinite(a->max))
        return 0;
    double tolerance = 1e-9 * (fabs(a->max) + fabs(a->min) + a->step);
    for (size_t k = 0; n < max; k++) {
        double t = a->min + (double)k * a->step;
        if (t > a->max + tolerance)
            break;
        ticks[n++] = t;
    }
    return n;
}

#define TICK_LABEL 40

static void tick_label(char *out, size_t size, const draw_axis *a, double v)
{
    v = a->absolute ? fabs(v) : v;
    if (a->percent)
        snprintf(out, size, "%.0f%%", v * 100.0);
    else if (a->decimals >= 0 && !format_is_huge(v))
        snprintf(out, size, "%.*f", a->decimals, v);
    else
        snprintf(out, size, "%g", fabs(v) < 1e-12 ? 0.0 : v);
}

/* The ticks of an axis within its range and their labels: the axis's own, else from the values. */
static size_t labelled_ticks(const draw_axis *a, double *ticks, char (*labels)[TICK_LABEL], size_t max)
{
    size_t n = 0;
    if (a->ticks && a->labels) {
        for (size_t k = 0; k < a->n_ticks && n < max; k++)
            if (a->ticks[k] >= a->min - 1e-9 && a->ticks[k] <= a->max * (1 + 1e-9) + 1e-9) {
                ticks[n] = a->ticks[k];
                snprintf(labels[n++], TICK_LABEL, "%s", a->labels[k] ? a->labels[k] : "");
            }
        return n;
    }
    n = draw_axis_ticks(a, ticks, max);
    for (size_t k = 0; k < n; k++)
        tick_label(labels[k], TICK_LABEL, a, ticks[k]);
    return n;
}

static void draw_bottom_axis(draw_doc *d, const draw_plot *p)
{
    double ticks[64], size = p->font_size;
    char labels[64][TICK_LABEL];
    size_t n = labelled_ticks(&p->x, ticks, labels, 64);
    draw_pen pen = draw_grey_pen(0.0, 0.6, DRAW_DASH_SOLID);
    draw_segment(d, p->area.x, p->area.y, p->area.x + p->area.w, p->area.y, pen);
    for (size_t k = 0; k < n; k++) {
        double x = draw_plot_x(p, ticks[k]);
        draw_segment(d, x, p->area.y, x, p->area.y - 3.0, pen);
        draw_text(d, x, p->area.y - 4.0 - size, labels[k], DRAW_REGULAR, size, DRAW_CENTER);
    }
    if (p->x.title)
        draw_text(d, p->area.x + p->area.w / 2, p->area.y - 7.0 - 2.1 * size, p->x.title, DRAW_REGULAR, size,
                  DRAW_CENTER);
}

void draw_x_axis(draw_doc *d, const draw_plot *p)
{
    if (draw_ready(d))
        draw_bottom_axis(d, p);
}

void draw_axes(draw_doc *d, const draw_plot *p)
{
    double ticks[64], size = p->font_size, widest = 0.0;
    char labels[64][TICK_LABEL];
    if (!draw_ready(d))
        return;
    draw_bottom_axis(d, p);
    size_t n = labelled_ticks(&p->y, ticks, labels, 64);
    draw_pen pen = draw_grey_pen(0.0, 0.6, DRAW_DASH_SOLID);
    draw_segment(d, p->area.x, p->area.y, p->area.x, p->area.y + p->area.h, pen);
    for (size_t k = 0; k < n; k++) {
        double y = draw_plot_y(p, ticks[k]);
        draw_segment(d, p->area.x, y, p->area.x - 3.0, y, pen);
        double w = draw_text_width(d, labels[k], DRAW_REGULAR, size);
        widest = w > widest ? w : widest;
        draw_text(d, p->area.x - 5.0, y - 0.35 * size, labels[k], DRAW_REGULAR, size, DRAW_RIGHT);
    }
    if (p->y.title) {
        /* A title longer than the axis gets a smaller font. */
        double length = draw_text_width(d, p->y.title, DRAW_REGULAR, size), fit = size;
        if (length > p->area.h && length > 0)
            fit = size * p->area.h / length > 4.5 ? size * p->area.h / length : 4.5;
        draw_text_up(d, p->area.x - 8.0 - widest - 0.25 * size, p->area.y + p->area.h / 2, p->y.title, DRAW_REGULAR,
                     fit);
    }
}

double draw_axis_label_width(draw_doc *d, const draw_axis *axis, double size)
{
    double ticks[64], widest = 0.0;
    char labels[64][TICK_LABEL];
    size_t n = labelled_ticks(axis, ticks, labels, 64);
    for (size_t k = 0; k < n; k++) {
        double w = draw_text_width(d, labels[k], DRAW_REGULAR, size);
        widest = w > widest ? w : widest;
    }
    return widest;
}

double draw_axis_last_label_width(draw_doc *d, const draw_axis *axis, double size)
{
    double ticks[64];
    char labels[64][TICK_LABEL];
    size_t n = labelled_ticks(axis, ticks, labels, 64);
    return n ? draw_text_width(d, labels[n - 1], DRAW_REGULAR, size) : 0.0;
}

void draw_clip(draw_doc *d, const draw_plot *p)
{
    if (!draw_ready(d))
        return;
    d->backend->save(d);
    d->backend->rect(d, p->area.x, p->area.y - 2.0, p->area.w + 1.0, p->area.h + 4.0);
    paint(d, DRAW_PAINT_CLIP);
}

void draw_unclip(draw_doc *d)
{
    if (draw_ready(d))
        d->backend->restore(d);
}

/* The page-coordinate vertices of a step path over points from..to-1 continued flat to x_end: points
 * closer than PATH_RESOLUTION horizontally share one vertical drop, and drawing stops at the axis's
 * end. vx, vy hold 2 (to - from) + 2 vertices. Returns the count. */
static size_t step_vertices(const draw_plot *p, const double *x, const double *y, size_t from, size_t to,
                            double x_end, double *vx, double *vy)
{
    double right = p->area.x + p->area.w;
    double px = draw_plot_x(p, x[from]), py = draw_plot_y(p, y[from]);
    size_t n = 0;
    vx[n] = px, vy[n++] = py;
    for (size_t k = from + 1; k < to; k++) {
        double nx = draw_plot_x(p, x[k]), ny = draw_plot_y(p, y[k]);
        if (nx > right)
            break;
        if (ny == py)
            continue;
        if (nx - px >= PATH_RESOLUTION) {
            vx[n] = nx, vy[n++] = py;
            px = nx;
        }
        if (n > 1 && vx[n - 1] == px && vx[n - 2] == px)
            vy[n - 1] = ny;
        else
            vx[n] = px, vy[n++] = ny;
        py = ny;
    }
    double end = draw_plot_x(p, x_end);
    end = end > right ? right : end;
    if (end > px)
        vx[n] = end, vy[n++] = py;
    return n;
}

static void path_through(draw_doc *d, const double *vx, const double *vy, size_t n, int reverse, int continue_path)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = reverse ? n - 1 - i : i;
        if (i == 0 && !continue_path)
            move_to(d, vx[k], vy[k]);
        else
            line_to(d, vx[k], vy[k]);
    }
}

/* Index of the first point at or after from where y is not finite (n if none). */
static size_t finite_run_end(const double *a, const double *b, size_t from, size_t n)
{
    while (from < n && isfinite(a[from]) && (!b || isfinite(b[from])))
        from++;
    return from;
}

void draw_steps(draw_doc *d, const draw_plot *p, const double *x, const double *y, size_t n, double x_end,
                draw_pen pen)
{
    if (!draw_ready(d) || n == 0)
        return;
    size_t end = finite_run_end(y, NULL, 0, n);
    double *vx = malloc((2 * end + 2) * sizeof *vx), *vy = malloc((2 * end + 2) * sizeof *vy);
    if (!vx || !vy) {
        draw_fail(d, EMBOLO_ERROR_NOMEM);
    } else if (end > 0) {
        size_t count = step_vertices(p, x, y, 0, end, end < n ? x[end] : x_end, vx, vy);
        draw_pen_begin(d, pen);
        path_through(d, vx, vy, count, 0, 0);
        paint(d, DRAW_PAINT_STROKE);
        draw_pen_end(d);
    }
    free(vx);
    free(vy);
}

/* One closed band over the finite run from..to-1. */
static void band_run(draw_doc *d, const draw_plot *p, const double *x, const double *lower, const double *upper,
                     size_t from, size_t to, double x_end, double *buffer)
{
    size_t cap = 2 * (to - from) + 2;
    double *ux = buffer, *uy = buffer + cap, *lx = buffer + 2 * cap, *ly = buffer + 3 * cap;
    size_t nu = step_vertices(p, x, upper, from, to, x_end, ux, uy);
    size_t nl = step_vertices(p, x, lower, from, to, x_end, lx, ly);
    if (nu == 0 || nl == 0)
        return;
    /* Both paths end at the same x only when neither stopped early at the axis's end. */
    path_through(d, ux, uy, nu, 0, 0);
    line_to(d, lx[nl - 1] > ux[nu - 1] ? lx[nl - 1] : ux[nu - 1], ly[nl - 1]);
    path_through(d, lx, ly, nl, 1, 1);
    d->backend->close_path(d);
    paint(d, DRAW_PAINT_FILL);
}

void draw_step_band(draw_doc *d, const draw_plot *p, const double *x, const double *lower, const double *upper,
                    size_t n, double x_end, draw_pen pen, double alpha)
{
    if (!draw_ready(d) || n == 0)
        return;
    double *buffer = malloc(4 * (2 * n + 2) * sizeof *buffer);
    if (!buffer) {
        draw_fail(d, EMBOLO_ERROR_NOMEM);
        return;
    }
    draw_pen_begin(d, pen);
    d->backend->fill_style(d, pen.r, pen.g, pen.b, alpha);
    for (size_t from = 0; from < n;) {
        size_t to = finite_run_end(lower, upper, from, n);
        if (to > from)
            band_run(d, p, x, lower, upper, from, to, to < n ? x[to] : x_end, buffer);
        from = to + 1;
    }
    draw_pen_end(d);
    free(buffer);
}

void draw_marks(draw_doc *d, const draw_plot *p, const double *x, const double *y, const size_t *count, size_t n,
                double height, draw_pen pen)
{
    if (!draw_ready(d))
        return;
    double last_x = -INFINITY, last_y = -INFINITY, right = p->area.x + p->area.w;
    int any = 0;
    pen.dash = DRAW_DASH_SOLID;
    draw_pen_begin(d, pen);
    for (size_t k = 0; k < n; k++) {
        if (count[k] == 0 || !isfinite(y[k]))
            continue;
        double px = draw_plot_x(p, x[k]), py = draw_plot_y(p, y[k]);
        if (px > right + 0.01)
            break;
        if (fabs(px - last_x) < 1.5 && fabs(py - last_y) < 0.8)
            continue;
        move_to(d, px, py - height / 2);
        line_to(d, px, py + height / 2);
        last_x = px, last_y = py, any = 1;
    }
    if (any)
        paint(d, DRAW_PAINT_STROKE);
    draw_pen_end(d);
}

void draw_line(draw_doc *d, const draw_plot *p, double x0, double y0, double x1, double y1, draw_pen pen)
{
    draw_segment(d, draw_plot_x(p, x0), draw_plot_y(p, y0), draw_plot_x(p, x1), draw_plot_y(p, y1), pen);
}

void draw_polyline(draw_doc *d, const draw_plot *p, const double *x, const double *y, size_t n, draw_pen pen)
{
    if (!draw_ready(d) || n < 2)
        return;
    draw_pen_begin(d, pen);
    for (size_t k = 0; k < n; k++) {
        if (k == 0)
            move_to(d, draw_plot_x(p, x[k]), draw_plot_y(p, y[k]));
        else
            line_to(d, draw_plot_x(p, x[k]), draw_plot_y(p, y[k]));
    }
    paint(d, DRAW_PAINT_STROKE);
    draw_pen_end(d);
}

/* ---- page footers ---- */

void draw_footers(draw_doc *d)
{
    for (size_t i = 0; i < d->n_pages && d->failure == EMBOLO_OK; i++) {
        char text[64];
        snprintf(d->doing, sizeof d->doing, "numbering page %zu", i + 1);
        d->backend->page_select(d, i);
        snprintf(text, sizeof text, "Page %zu of %zu", i + 1, d->n_pages);
        draw_text(d, d->width - DRAW_MARGIN_SIDE, FOOTER_Y, text, DRAW_REGULAR, 8.0, DRAW_RIGHT);
        if (i > 0)
            draw_text(d, DRAW_MARGIN_SIDE, FOOTER_Y, d->footer, DRAW_REGULAR, 8.0, DRAW_LEFT);
    }
}
