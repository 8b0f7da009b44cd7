/* Drawing the figure model (figure.h) in a box of a page, on any backend: the figure's layout
 * (title, legend, panels in a grid, note), each panel's (axes or rows, plot, risk table), and one
 * routine per element: series of each kind, reference lines, annotations placed where they cover no
 * series, the risk table under the x ticks, row labels and text columns, the flow diagram's boxes.
 * Text is measured on the page's backend; nothing here decides what a figure shows. */
#include "figure.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_TICKS 64
#define MAX_PLACED 24
#define MAX_COLUMNS 8
#define TITLE_MAX 1200
#define TITLE_LINES 4  /* a title with the notes moved into it */

/* Where a panel's parts go. */
typedef struct panel_layout {
    draw_box cell;
    draw_plot plot;
    double font;              /* rows and columns: may be smaller than the figure's */
    int risk;                 /* the risk table is drawn */
    double ticks[MAX_TICKS];
    size_t n_ticks;
    double column_x[MAX_COLUMNS];
    size_t n_columns;         /* the columns shown: the last left out where the width cannot hold them */
    draw_box placed[MAX_PLACED];  /* page boxes taken by annotations and the inside legend */
    size_t n_placed;
    double note_x[MAX_PLACED], note_y[MAX_PLACED];
    int note_placed[MAX_PLACED];
} panel_layout;

/* Where the figure's parts go. */
typedef struct figure_layout {
    double font, title_h, legend_h, note_h;
    char title[TITLE_MAX];
    panel_layout *panels;
    size_t n_panels;
    draw_box legend_box;      /* an inside legend's box */
    int legend_inside;
} figure_layout;

/* ---- text helpers ---- */

/* Lines of text wrapped to width, drawn from baseline y down (line height 1.25 size); returns the
 * height they take. measure_only: nothing drawn. */
static double text_block(draw_doc *d, const char *text, double x, double y, double width, draw_font font, double size,
                         size_t max_lines, int measure_only)
{
    const char *starts[16];
    size_t lengths[16];
    size_t n = draw_wrap(d, text, font, size, width, starts, lengths, max_lines < 16 ? max_lines : 16);
    for (size_t i = 0; i < n && !measure_only; i++)
        draw_text_n(d, x, y - (double)i * 1.25 * size, starts[i], lengths[i], font, size, DRAW_LEFT);
    return (double)n * 1.25 * size;
}

static double max_of(double a, double b)
{
    return a > b ? a : b;
}

/* ---- data coordinates back from the page ---- */

static double data_x(const draw_plot *p, double px)
{
    double t = (px - p->area.x) / p->area.w;
    return p->x.log ? exp(log(p->x.min) + t * (log(p->x.max) - log(p->x.min))) : p->x.min + t * (p->x.max - p->x.min);
}

static double data_y(const draw_plot *p, double py)
{
    double t = (py - p->area.y) / p->area.h;
    return p->y.log ? exp(log(p->y.min) + t * (log(p->y.max) - log(p->y.min))) : p->y.min + t * (p->y.max - p->y.min);
}

static draw_axis axis_of(const figure_axis *a)
{
    draw_axis axis = {.min = a->min, .max = a->max, .ticks = a->ticks, .n_ticks = a->n_ticks, .step = a->step,
                      .log = a->log, .decimals = a->decimals, .percent = a->percent, .labels = a->tick_labels,
                      .title = a->title};
    return axis;
}

/* ---- whether a box covers a series (annotations and an inside legend avoid them) ---- */

/* Smallest and largest of a step function over [x0, x1]. */
static int step_range(const double *x, const double *y, size_t n, double x0, double x1, double *lo, double *hi)
{
    if (n == 0 || x0 > x[n - 1] || !y)
        return 0;
    size_t a = 0, b = n;
    while (b - a > 1) {
        size_t m = (a + b) / 2;
        if (x[m] <= x0)
            a = m;
        else
            b = m;
    }
    *lo = *hi = y[a];
    for (size_t k = a + 1; k < n && x[k] <= x1; k++) {
        if (!isfinite(y[k]))
            continue;
        *lo = y[k] < *lo || !isfinite(*lo) ? y[k] : *lo;
        *hi = y[k] > *hi || !isfinite(*hi) ? y[k] : *hi;
    }
    return isfinite(*lo) && isfinite(*hi);
}

static int ranges_meet(double a0, double a1, double b0, double b1)
{
    return a0 <= b1 && b0 <= a1;
}

/* Whether the segment (x0, y0)-(x1, y1) passes through the box [bx0, bx1] x [by0, by1] (data). */
static int segment_meets(double x0, double y0, double x1, double y1, double bx0, double bx1, double by0, double by1)
{
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1) || !ranges_meet(fmin(x0, x1), fmax(x0, x1), bx0, bx1))
        return 0;
    double ya = y0, yb = y1;
    if (x1 != x0) {
        double a = fmax(fmin(x0, x1), bx0), b = fmin(fmax(x0, x1), bx1);
        ya = y0 + (y1 - y0) * (a - x0) / (x1 - x0);
        yb = y0 + (y1 - y0) * (b - x0) / (x1 - x0);
    }
    return ranges_meet(fmin(ya, yb), fmax(ya, yb), by0, by1);
}

static int series_meets(const figure_series *s, double x0, double x1, double y0, double y1)
{
    double lo, hi, blo, bhi;
    switch (s->kind) {
    case SERIES_STEPS:
        return step_range(s->x, s->y, s->n, x0, x1, &lo, &hi) && ranges_meet(lo, hi, y0, y1);
    case SERIES_BAND:
        return step_range(s->x, s->lower, s->n, x0, x1, &lo, &blo) && step_range(s->x, s->upper, s->n, x0, x1, &bhi, &hi) &&
               ranges_meet(lo, hi, y0, y1);
    case SERIES_LINE:
        for (size_t k = 0; k + 1 < s->n; k++)
            if (segment_meets(s->x[k], s->y[k], s->x[k + 1], s->y[k + 1], x0, x1, y0, y1))
                return 1;
        return s->n == 1 && ranges_meet(s->x[0], s->x[0], x0, x1) && ranges_meet(s->y[0], s->y[0], y0, y1);
    case SERIES_POINTS:
    case SERIES_INTERVALS:
        for (size_t k = 0; k < s->n; k++) {
            double a = s->kind == SERIES_INTERVALS ? s->lower[k] : s->x[k];
            double b = s->kind == SERIES_INTERVALS ? s->upper[k] : s->x[k];
            if (ranges_meet(fmin(a, b), fmax(a, b), x0, x1) && ranges_meet(s->y[k], s->y[k], y0, y1))
                return 1;
        }
        return 0;
    case SERIES_BARS:
        for (size_t k = 0; k < s->n; k++)
            if (ranges_meet(s->x[k], s->upper[k], x0, x1) && ranges_meet(fmin(s->lower[k], s->y[k]),
                                                                          fmax(s->lower[k], s->y[k]), y0, y1))
                return 1;
        return 0;
    }
    return 0;
}

/* The extent of a reference line along the other axis: from..to, the whole axis where they are NAN. */
static void line_extent(const figure_line *l, const draw_plot *plot, double *from, double *to)
{
    const draw_axis *other = l->vertical ? &plot->y : &plot->x;
    *from = isfinite(l->from) ? l->from : other->min;
    *to = isfinite(l->to) ? l->to : other->max;
}

static int line_meets(const figure_line *l, const draw_plot *plot, double x0, double x1, double y0, double y1)
{
    double from, to;
    line_extent(l, plot, &from, &to);
    if (l->vertical)
        return ranges_meet(l->at, l->at, x0, x1) && ranges_meet(from, to, y0, y1);
    return ranges_meet(l->at, l->at, y0, y1) && ranges_meet(from, to, x0, x1);
}

static int boxes_meet(draw_box a, draw_box b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Whether a page box of the plot covers a series, a reference line or a placed box. */
static int box_is_taken(const figure_panel *p, const panel_layout *l, draw_box b)
{
    const draw_plot *plot = &l->plot;
    double x0 = data_x(plot, b.x - 2), x1 = data_x(plot, b.x + b.w + 2);
    double y0 = data_y(plot, b.y - 3), y1 = data_y(plot, b.y + b.h + 3);
    for (size_t i = 0; i < l->n_placed; i++)
        if (boxes_meet(b, l->placed[i]))
            return 1;
    for (size_t s = 0; s < p->n_series; s++)
        if (series_meets(&p->series[s], x0, x1, y0, y1))
            return 1;
    for (size_t k = 0; k < p->n_lines; k++)
        if (line_meets(&p->lines[k], plot, x0, x1, y0, y1))
            return 1;
    return 0;
}

/* A free box of w x h in the plot, tried top right, bottom left, bottom right, right middle, top
 * middle, bottom middle, top left; 0 when none is free. */
static int free_spot(const figure_panel *p, const panel_layout *l, double w, double h, draw_box *out)
{
    const draw_box a = l->plot.area;
    double right = a.x + a.w - w - 4.0, top = a.y + a.h - h - 2.0, middle = a.x + (a.w - w) / 2;
    const double spots[][2] = {{right, top},          {a.x + 6.0, a.y + 4.0}, {right, a.y + 4.0},
                               {right, a.y + (a.h - h) / 2}, {middle, top},   {middle, a.y + 4.0},
                               {a.x + 6.0, top}};
    if (w > a.w - 8.0 || h > a.h - 4.0 || l->n_placed >= MAX_PLACED)
        return 0;
    for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
        draw_box b = {spots[s][0], spots[s][1], w, h};
        if (!box_is_taken(p, l, b)) {
            *out = b;
            return 1;
        }
    }
    return 0;
}

/* ---- a panel's layout ---- */

static int panel_has_rows(const figure_panel *p)
{
    return p->n_rows > 0;
}

static double row_label_width(draw_doc *d, const figure_panel *p, double font)
{
    double widest = 0.0;
    for (size_t r = 0; r < p->n_rows; r++) {
        const figure_row *row = &p->rows[r];
        double w = draw_text_width(d, row->label, row->bold ? DRAW_BOLD : DRAW_REGULAR, font) + row->indent * font;
        widest = max_of(widest, w);
    }
    return widest;
}

static double column_width(draw_doc *d, const figure_panel *p, size_t c, double font)
{
    const figure_column *col = &p->columns[c];
    double widest = 0.0;
    for (size_t line = 0; line < 2; line++)
        if (col->heading[line])
            widest = max_of(widest, draw_text_width(d, col->heading[line], DRAW_BOLD, font));
    for (size_t r = 0; r < p->n_rows; r++)
        if (col->cells[r])
            widest = max_of(widest, draw_text_width(d, col->cells[r], DRAW_REGULAR, font));
    return widest;
}

/* The row panel's horizontal layout at font: labels, plot, columns; returns the plot's width. */
static double rows_horizontal(draw_doc *d, const figure_panel *p, panel_layout *l, double font)
{
    double gap = 1.2 * font, x = l->cell.x + row_label_width(d, p, font) + gap, columns = 0.0;
    double widths[MAX_COLUMNS];
    for (size_t c = 0; c < l->n_columns; c++) {
        widths[c] = column_width(d, p, c, font);
        columns += widths[c] + gap;
    }
    l->plot.area.x = x;
    l->plot.area.w = l->cell.x + l->cell.w - x - columns - 0.5 * font;
    double at = l->plot.area.x + l->plot.area.w + gap;
    for (size_t c = 0; c < l->n_columns; c++) {
        l->column_x[c] = at;
        at += widths[c] + gap;
    }
    return l->plot.area.w;
}

static void rows_layout(draw_doc *d, const figure_panel *p, panel_layout *l, double font)
{
    double top = l->cell.y + l->cell.h, headings = 0.0;
    for (size_t c = 0; c < p->n_columns; c++)
        headings = max_of(headings, p->columns[c].heading[1] ? 2.6 * font : p->columns[c].heading[0] ? 1.4 * font : 0);
    /* A smaller font where the labels and columns leave the plot too little width; where even the
     * smallest leaves it less than a quarter, the last columns are left out (the tables hold them). */
    for (l->n_columns = p->n_columns < MAX_COLUMNS ? p->n_columns : MAX_COLUMNS;; l->n_columns--) {
        l->font = font;
        while (rows_horizontal(d, p, l, l->font) < 0.3 * l->cell.w && l->font > 0.65 * font)
            l->font *= 0.92;
        if (l->plot.area.w >= 0.25 * l->cell.w || l->n_columns == 0)
            break;
    }
    double axis = 2.2 * l->font + 12.0;
    double room = top - (p->title ? 1.6 * font : 0.0) - headings - 2.0 - (l->cell.y + axis);
    /* Rows as far apart as the figure's font would have them, even when the labels' font is smaller. */
    double row = fmin(room / (double)p->n_rows, 1.9 * font);
    if (row < 1.2 * l->font) {
        l->font = fmax(row / 1.2, 3.5);
        rows_horizontal(d, p, l, l->font);
    }
    l->plot.area.h = row * (double)p->n_rows;
    l->plot.area.y = top - (p->title ? 1.6 * font : 0.0) - headings - 2.0 - l->plot.area.h;
    l->plot.font_size = l->font;
    l->plot.x = axis_of(&p->x);
    l->plot.y = (draw_axis){.min = 0.0, .max = (double)p->n_rows};
}

static double risk_height(const figure_panel *p, double font)
{
    return p->risk.n_rows ? (double)(p->risk.n_rows + 1) * 1.5 * font + 0.6 * font : 0.0;
}

/* The widths a plot with axes needs on its left and right. */
static void axes_margins(draw_doc *d, const figure_panel *p, double font, double *left, double *right)
{
    draw_axis y = axis_of(&p->y), x = axis_of(&p->x), x2 = axis_of(&p->x2);
    y.absolute = p->mirrored;
    double axis = 8.0 + draw_axis_label_width(d, &y, font) + (p->y.title ? 1.5 * font : 0.0);
    double labels = 0.0, first = 0.0;
    for (size_t r = 0; r < p->risk.n_rows; r++) {
        const figure_risk_row *row = &p->risk.rows[r];
        labels = max_of(labels, draw_text_width(d, row->label, DRAW_REGULAR, font));
        if (p->risk.n_at && row->counts && row->counts[0])
            first = max_of(first, draw_text_width(d, row->counts[0], DRAW_REGULAR, font));
    }
    if (p->risk.n_rows)
        labels += 2.0 * font + 0.8 * font + first / 2;
    *left = max_of(axis, labels);
    double last = max_of(draw_axis_last_label_width(d, &x, font), p->x2.n_ticks ? draw_axis_last_label_width(d, &x2, font) : 0);
    *right = last / 2 + 0.5 * font;
}

static void axes_layout(draw_doc *d, const figure_panel *p, panel_layout *l, double font, const figure_style *style)
{
    double left, right;
    axes_margins(d, p, font, &left, &right);
    left = max_of(left, style->plot_left);
    right = max_of(right, style->plot_right);
    left = fmin(left, 0.4 * l->cell.w);
    double top = l->cell.y + l->cell.h - (p->title ? 1.6 * font : 0.0) - (p->x2.n_ticks ? 1.5 * font + 2.0 : 0.5 * font);
    double axis = (p->x.title ? 2.2 * font + 12.0 : font + 10.0);
    l->risk = p->risk.n_rows > 0;
    double bottom = l->cell.y + axis + (l->risk ? risk_height(p, font) : 0.0);
    if (l->risk && top - bottom < 0.3 * l->cell.h) {
        l->risk = 0;  /* too many groups for a risk table in this box: the plot keeps its height */
        bottom = l->cell.y + axis;
    }
    l->font = font;
    l->plot.font_size = font;
    l->plot.area = (draw_box){l->cell.x + left, bottom, l->cell.w - left - right, top - bottom};
    l->plot.x = axis_of(&p->x);
    l->plot.y = axis_of(&p->y);
    l->plot.y.absolute = p->mirrored;
    l->n_ticks = draw_axis_ticks(&l->plot.x, l->ticks, MAX_TICKS);
}

/* The annotations of a panel placed in free spots; those without one are added to the title. */
static void panel_place_notes(draw_doc *d, const figure_panel *p, panel_layout *l, char *title, size_t size)
{
    for (size_t k = 0; k < p->n_notes && k < MAX_PLACED; k++) {
        double w = draw_text_width(d, p->notes[k].text, DRAW_REGULAR, l->font) + 4.0, h = 1.6 * l->font;
        draw_box b;
        l->note_placed[k] = !panel_has_rows(p) && free_spot(p, l, w, h, &b);
        if (l->note_placed[k]) {
            l->placed[l->n_placed++] = b;
            l->note_x[k] = b.x + 2.0;
            l->note_y[k] = b.y + 0.45 * l->font;
        } else {
            size_t used = strlen(title);
            snprintf(title + used, size - used, "; %s", p->notes[k].text);
        }
    }
}

/* ---- the figure's layout ---- */

static double legend_height(draw_doc *d, const figure *f, double width, double font)
{
    return f->n_legend ? draw_legend_items(d, 0, 0, width, f->legend, f->n_legend, font, 1) + 0.4 * font : 0.0;
}

static void panels_layout(draw_doc *d, const figure *f, figure_layout *fl, draw_box area, const figure_style *style)
{
    size_t columns = f->columns ? f->columns : 1, rows = (f->n_panels + columns - 1) / columns;
    double gap = 1.5 * fl->font;
    double w = (area.w - gap * (double)(columns - 1)) / (double)columns;
    double h = (area.h - gap * (double)(rows - 1)) / (double)(rows ? rows : 1);
    for (size_t i = 0; i < f->n_panels; i++) {
        panel_layout *l = &fl->panels[i];
        memset(l, 0, sizeof *l);
        l->cell = (draw_box){area.x + (double)(i % columns) * (w + gap),
                             area.y + area.h - (double)(i / columns + 1) * h - (double)(i / columns) * gap, w, h};
        if (panel_has_rows(&f->panels[i]))
            rows_layout(d, &f->panels[i], l, fl->font);
        else
            axes_layout(d, &f->panels[i], l, fl->font, style);
    }
}

/* The legend inside the first panel's plot, in a free spot; 0 when there is none. */
static int legend_inside(draw_doc *d, const figure *f, figure_layout *fl)
{
    panel_layout *l = &fl->panels[0];
    double w = 0.0, h = 1.6 * fl->font * (double)f->n_legend + 0.4 * fl->font;
    draw_box b;
    for (size_t i = 0; i < f->n_legend; i++)
        w = max_of(w, 2.8 * fl->font + draw_text_width(d, f->legend[i].label, DRAW_REGULAR, fl->font));
    if (panel_has_rows(&f->panels[0]) || !free_spot(&f->panels[0], l, w + fl->font, h, &b))
        return 0;
    fl->legend_box = b;
    l->placed[l->n_placed++] = b;
    return 1;
}

/* Lays the figure out in box with the title text given; the panels' notes are placed (those that find
 * no room are appended to title, as is a word on the columns a narrow figure leaves out). A legend
 * asked inside goes on top when the plot has no free spot. */
static void figure_layout_make(draw_doc *d, const figure *f, figure_layout *fl, draw_box box,
                               const figure_style *style, const char *title)
{
    fl->font = style->font;
    snprintf(fl->title, sizeof fl->title, "%s", title);
    fl->title_h = text_block(d, fl->title, 0, 0, box.w, DRAW_BOLD, fl->font + 1.0, TITLE_LINES, 1) + 0.4 * fl->font;
    fl->note_h = f->note ? text_block(d, f->note, 0, 0, box.w, DRAW_REGULAR, 0.85 * fl->font, 6, 1) + 0.5 * fl->font : 0.0;
    draw_box area = {box.x, box.y + fl->note_h, box.w, box.h - fl->title_h - fl->note_h};
    panels_layout(d, f, fl, area, style);
    fl->legend_inside = f->legend_place == FIGURE_LEGEND_INSIDE && f->n_panels && f->n_legend &&
                        legend_inside(d, f, fl);
    fl->legend_h = 0.0;
    if (f->n_legend && !fl->legend_inside && f->legend_place != FIGURE_LEGEND_NONE) {
        /* The legend spans from the first plot's left edge to the figure's right. */
        double width = f->n_panels ? box.x + box.w - fl->panels[0].plot.area.x : box.w;
        fl->legend_h = legend_height(d, f, width, fl->font);
        area.h -= fl->legend_h;
        panels_layout(d, f, fl, area, style);
    }
    for (size_t i = 0; i < f->n_panels; i++) {
        panel_place_notes(d, &f->panels[i], &fl->panels[i], fl->title, sizeof fl->title);
        if (panel_has_rows(&f->panels[i]) && fl->panels[i].n_columns < f->panels[i].n_columns) {
            size_t used = strlen(fl->title);
            snprintf(fl->title + used, sizeof fl->title - used, " (too narrow for %s: see the tables)",
                     fl->panels[i].n_columns ? "some of its columns" : "its columns");
        }
    }
}

/* ---- the elements ---- */

static void draw_series(draw_doc *d, const figure_panel *p, const panel_layout *l, const figure_series *s)
{
    const draw_plot *plot = &l->plot;
    switch (s->kind) {
    case SERIES_STEPS:
        draw_steps(d, plot, s->x, s->y, s->n, s->x_end, s->pen);
        if (s->marks)
            draw_marks(d, plot, s->x, s->y, s->marks, s->n, 0.8 * l->font,
                       (draw_pen){s->pen.r, s->pen.g, s->pen.b, 0.7, DRAW_DASH_SOLID});
        break;
    case SERIES_BAND:
        draw_step_band(d, plot, s->x, s->lower, s->upper, s->n, s->x_end, s->pen, s->alpha);
        break;
    case SERIES_LINE:
        draw_polyline(d, plot, s->x, s->y, s->n, s->pen);
        break;
    case SERIES_POINTS:
        for (size_t k = 0; k < s->n; k++)
            if (isfinite(s->x[k]) && isfinite(s->y[k]) && s->marker > 0)
                draw_marker(d, draw_plot_x(plot, s->x[k]), draw_plot_y(plot, s->y[k]), s->shape, s->marker * l->font,
                            s->pen);
        break;
    case SERIES_INTERVALS:
        for (size_t k = 0; k < s->n; k++) {
            double y = draw_plot_y(plot, s->y[k]), lo = s->lower[k], hi = s->upper[k];
            if (!isfinite(lo) || !isfinite(hi))
                continue;
            double a = fmax(lo, plot->x.min), b = fmin(hi, plot->x.max);
            double xa = draw_plot_x(plot, a), xb = draw_plot_x(plot, b);
            draw_pen pen = s->pen;
            pen.dash = DRAW_DASH_SOLID;
            draw_segment(d, xa, y, xb, y, pen);
            if (lo < plot->x.min)
                draw_arrow(d, xa + 4.0, y, xa, y, pen);
            if (hi > plot->x.max)
                draw_arrow(d, xb - 4.0, y, xb, y, pen);
            if (s->marker > 0 && isfinite(s->x[k]) && s->x[k] >= plot->x.min && s->x[k] <= plot->x.max)
                draw_marker(d, draw_plot_x(plot, s->x[k]), y, s->shape, s->marker * l->font, pen);
        }
        break;
    case SERIES_BARS:
        for (size_t k = 0; k < s->n; k++) {
            double x0 = draw_plot_x(plot, s->x[k]), x1 = draw_plot_x(plot, s->upper[k]);
            double y0 = draw_plot_y(plot, fmin(s->lower[k], s->y[k])), y1 = draw_plot_y(plot, fmax(s->lower[k], s->y[k]));
            if (isfinite(x0) && isfinite(x1) && isfinite(y0) && isfinite(y1))
                draw_bar(d, (draw_box){x0, y0, x1 - x0, y1 - y0}, s->pen, s->alpha, !s->unframed);
        }
        break;
    }
    (void)p;
}

static void draw_reference_line(draw_doc *d, const figure_panel *p, const panel_layout *l, const figure_line *line)
{
    double from, to;
    line_extent(line, &l->plot, &from, &to);
    (void)p;
    if (line->vertical)
        draw_line(d, &l->plot, line->at, from, line->at, to, line->pen);
    else
        draw_line(d, &l->plot, from, line->at, to, line->at, line->pen);
    if (!line->label)
        return;
    if (line->vertical)
        draw_text(d, draw_plot_x(&l->plot, line->at) + 2.0, draw_plot_y(&l->plot, to) - 1.0 * l->font, line->label,
                  DRAW_REGULAR, 0.85 * l->font, DRAW_LEFT);
    else
        draw_text(d, draw_plot_x(&l->plot, to) - 2.0, draw_plot_y(&l->plot, line->at) + 0.3 * l->font, line->label,
                  DRAW_REGULAR, 0.85 * l->font, DRAW_RIGHT);
}

/* The labels of a series of points, beside each point (on its left near the plot's right edge), not
 * clipped. */
static void draw_point_labels(draw_doc *d, const panel_layout *l, const figure_series *s)
{
    const draw_plot *plot = &l->plot;
    double size = 0.85 * l->font, gap = 0.5 * s->marker * l->font + 2.0;
    for (size_t k = 0; s->labels && k < s->n; k++) {
        if (!s->labels[k] || !isfinite(s->x[k]) || !isfinite(s->y[k]))
            continue;
        double px = draw_plot_x(plot, s->x[k]), py = draw_plot_y(plot, s->y[k]) - 0.3 * l->font;
        int left = px + gap + draw_text_width(d, s->labels[k], DRAW_REGULAR, size) > plot->area.x + plot->area.w;
        draw_text(d, left ? px - gap : px + gap, py, s->labels[k], DRAW_REGULAR, size, left ? DRAW_RIGHT : DRAW_LEFT);
    }
}

/* The series in order of depth: bands and bars, reference lines, curves and lines, points. */
static void draw_plot_content(draw_doc *d, const figure_panel *p, const panel_layout *l)
{
    static const figure_series_kind layers[][2] = {{SERIES_BAND, SERIES_BARS}, {SERIES_STEPS, SERIES_LINE},
                                                   {SERIES_POINTS, SERIES_INTERVALS}};
    if (p->clip)
        draw_clip(d, &l->plot);
    for (size_t layer = 0; layer < 3; layer++) {
        for (size_t s = 0; s < p->n_series; s++)
            if (p->series[s].kind == layers[layer][0] || p->series[s].kind == layers[layer][1])
                draw_series(d, p, l, &p->series[s]);
        for (size_t k = 0; layer == 0 && k < p->n_lines; k++)
            draw_reference_line(d, p, l, &p->lines[k]);
    }
    if (p->clip)
        draw_unclip(d);
    for (size_t s = 0; s < p->n_series; s++)
        if (p->series[s].kind == SERIES_POINTS)
            draw_point_labels(d, l, &p->series[s]);
}

/* The x labels along the top (a second labelling of x: dates of procedures). */
static void draw_top_labels(draw_doc *d, const figure_panel *p, const panel_layout *l)
{
    draw_pen pen = draw_grey_pen(0.0, 0.6, DRAW_DASH_SOLID);
    double top = l->plot.area.y + l->plot.area.h;
    draw_segment(d, l->plot.area.x, top, l->plot.area.x + l->plot.area.w, top, draw_grey_pen(0.6, 0.4, DRAW_DASH_SOLID));
    for (size_t k = 0; k < p->x2.n_ticks; k++) {
        double v = p->x2.ticks[k];
        if (v < p->x.min || v > p->x.max || !p->x2.tick_labels || !p->x2.tick_labels[k])
            continue;
        double x = draw_plot_x(&l->plot, v);
        draw_segment(d, x, top, x, top + 2.5, pen);
        draw_text(d, x, top + 4.0, p->x2.tick_labels[k], DRAW_REGULAR, 0.85 * l->font, DRAW_CENTER);
    }
}

/* The number-at-risk table: its columns under the x ticks, a row per curve with its pen. */
static void draw_risk_table(draw_doc *d, const figure_panel *p, const panel_layout *l)
{
    double font = l->font, row = 1.5 * font, axis = p->x.title ? 2.2 * font + 12.0 : font + 10.0;
    double y = l->plot.area.y - axis - 0.6 * font, x = l->cell.x;
    draw_text(d, x, y, p->risk.title ? p->risk.title : "", DRAW_BOLD, font, DRAW_LEFT);
    for (size_t r = 0; r < p->risk.n_rows; r++) {
        const figure_risk_row *rr = &p->risk.rows[r];
        y -= row;
        draw_swatch(d, x, y + 0.35 * font, 1.6 * font, rr->pen);
        draw_text(d, x + 2.0 * font, y, rr->label, DRAW_REGULAR, font, DRAW_LEFT);
        for (size_t t = 0; t < p->risk.n_at; t++) {
            double at = p->risk.at[t];
            if (!rr->counts || !rr->counts[t] || !rr->counts[t][0] || at < p->x.min - 1e-9 || at > p->x.max * (1 + 1e-9))
                continue;
            draw_text(d, draw_plot_x(&l->plot, at), y, rr->counts[t], DRAW_REGULAR, font, DRAW_CENTER);
        }
    }
}

/* Row labels on the left, the text columns on the right with their headings above the first row. */
static void draw_rows(draw_doc *d, const figure_panel *p, const panel_layout *l)
{
    double font = l->font, top = l->plot.area.y + l->plot.area.h;
    for (size_t r = 0; r < p->n_rows; r++) {
        const figure_row *row = &p->rows[r];
        double y = draw_plot_y(&l->plot, (double)(p->n_rows - r) - 0.5) - 0.35 * font;
        draw_text(d, l->cell.x + row->indent * font, y, row->label, row->bold ? DRAW_BOLD : DRAW_REGULAR, font,
                  DRAW_LEFT);
        for (size_t c = 0; c < l->n_columns; c++)
            if (p->columns[c].cells[r])
                draw_text(d, l->column_x[c], y, p->columns[c].cells[r], DRAW_REGULAR, font, DRAW_LEFT);
    }
    for (size_t c = 0; c < l->n_columns; c++)
        for (size_t line = 0; line < 2; line++) {
            const figure_column *col = &p->columns[c];
            size_t lines = col->heading[1] ? 2 : 1;
            if (col->heading[line])
                draw_text(d, l->column_x[c], top + 3.0 + (double)(lines - 1 - line) * 1.25 * font, col->heading[line],
                          DRAW_BOLD, font, DRAW_LEFT);
        }
}

static void draw_panel(draw_doc *d, const figure_panel *p, const panel_layout *l)
{
    if (p->title)
        draw_text(d, l->cell.x, l->cell.y + l->cell.h - 1.1 * l->font, p->title, DRAW_BOLD, l->font, DRAW_LEFT);
    draw_plot_content(d, p, l);
    if (panel_has_rows(p)) {
        draw_x_axis(d, &l->plot);
        draw_rows(d, p, l);
    } else {
        draw_axes(d, &l->plot);
    }
    if (p->x2.n_ticks)
        draw_top_labels(d, p, l);
    for (size_t k = 0; k < p->n_notes && k < MAX_PLACED; k++)
        if (l->note_placed[k])
            draw_text(d, l->note_x[k], l->note_y[k], p->notes[k].text, DRAW_REGULAR, l->font, DRAW_LEFT);
    if (l->risk)
        draw_risk_table(d, p, l);
}

static void draw_inside_legend(draw_doc *d, const figure *f, const figure_layout *fl)
{
    draw_box b = fl->legend_box;
    draw_rect(d, b, draw_grey_pen(0.8, 0.4, DRAW_DASH_SOLID), 1.0);
    for (size_t i = 0; i < f->n_legend; i++)
        draw_legend_items(d, b.x + 0.5 * fl->font, b.y + b.h - 0.2 * fl->font - (double)i * 1.6 * fl->font, 1e9,
                          &f->legend[i], 1, fl->font, 0);
}

/* ---- the flow diagram ---- */

#define FLOW_LINE 1.35

static size_t flow_lines(draw_doc *d, const figure_box *b, double width, double font)
{
    const char *starts[8];
    size_t lengths[8], n = 0;
    for (size_t i = 0; i < b->n_lines; i++) {
        size_t wrapped = draw_wrap(d, b->lines[i], i ? DRAW_REGULAR : DRAW_BOLD, font, width, starts, lengths, 8);
        n += wrapped ? wrapped : 1;
    }
    return n;
}

static double flow_box_height(draw_doc *d, const figure_box *b, double width, double font)
{
    return (double)flow_lines(d, b, width - 1.5 * font, font) * FLOW_LINE * font + 1.25 * font;
}

/* Draws a box with its top at top; returns its bottom. */
static double flow_box_draw(draw_doc *d, const figure_box *b, double x, double top, double width, double font)
{
    const char *starts[8];
    size_t lengths[8];
    double height = flow_box_height(d, b, width, font), y = top - 0.65 * font - FLOW_LINE * font + 0.3 * font;
    draw_rect(d, (draw_box){x, top - height, width, height}, draw_grey_pen(0.3, 0.7, DRAW_DASH_SOLID), 0.97);
    for (size_t i = 0; i < b->n_lines; i++) {
        draw_font face = i ? DRAW_REGULAR : DRAW_BOLD;
        size_t n = draw_wrap(d, b->lines[i], face, font, width - 1.5 * font, starts, lengths, 8);
        for (size_t k = 0; k < n; k++, y -= FLOW_LINE * font)
            draw_text_n(d, x + 0.75 * font, y, starts[k], lengths[k], face, font, DRAW_LEFT);
    }
    return top - height;
}

/* The widths of the flow's boxes in a width: the main column, the side box, each endpoint's. */
static void flow_widths(const figure_flow *flow, double width, double font, double *main_w, double *side_w,
                        double *endpoint_w)
{
    size_t n = flow->n_endpoints;
    *main_w = fmin(22.5 * font, 0.4 * width);
    *side_w = width - *main_w - 7.5 * font;
    *endpoint_w = n ? (width - 1.5 * font * (double)(n - 1)) / (double)n : width;
}

static double flow_height(draw_doc *d, const figure_flow *flow, double width, double font)
{
    double main_w, side_w, endpoint_w, endpoints = 0.0;
    flow_widths(flow, width, font, &main_w, &side_w, &endpoint_w);
    for (size_t e = 0; e < flow->n_endpoints; e++)
        endpoints = max_of(endpoints, flow_box_height(d, &flow->endpoints[e], endpoint_w, font));
    double middle = max_of(flow_box_height(d, &flow->excluded, side_w, font) + 3.5 * font, 6.0 * font);
    return flow_box_height(d, &flow->read, main_w, font) + middle + flow_box_height(d, &flow->analysed, main_w, font) +
           (flow->n_endpoints ? 4.5 * font + endpoints : 0.0) + font;
}

static void flow_draw(draw_doc *d, const figure_flow *flow, draw_box box, double font)
{
    double main_w, side_w, endpoint_w;
    flow_widths(flow, box.w, font, &main_w, &side_w, &endpoint_w);
    draw_pen pen = draw_grey_pen(0.3, 0.7, DRAW_DASH_SOLID);
    double top = box.y + box.h, centre = box.x + main_w / 2, side_x = box.x + main_w + 7.5 * font;
    double h_excluded = flow_box_height(d, &flow->excluded, side_w, font);
    double middle = max_of(h_excluded + 3.5 * font, 6.0 * font);
    double bottom = flow_box_draw(d, &flow->read, box.x, top, main_w, font);
    double side_top = bottom - 1.75 * font, analysed_top = bottom - middle;
    flow_box_draw(d, &flow->excluded, side_x, side_top, side_w, font);
    draw_arrow(d, centre, bottom, centre, analysed_top, pen);
    draw_arrow(d, centre, side_top - h_excluded / 2, side_x, side_top - h_excluded / 2, pen);
    bottom = flow_box_draw(d, &flow->analysed, box.x, analysed_top, main_w, font);
    if (!flow->n_endpoints)
        return;
    double row_top = bottom - 4.5 * font, join = bottom - 2.25 * font;
    draw_segment(d, centre, bottom, centre, join, pen);
    for (size_t e = 0; e < flow->n_endpoints; e++) {
        double x = box.x + (double)e * (endpoint_w + 1.5 * font), middle_x = x + endpoint_w / 2;
        draw_segment(d, centre, join, middle_x, join, pen);
        draw_arrow(d, middle_x, join, middle_x, row_top, pen);
        flow_box_draw(d, &flow->endpoints[e], x, row_top, endpoint_w, font);
    }
}

/* ---- the figure ---- */

double figure_height(draw_doc *d, const figure *f, double width, double font)
{
    double model_width = f->width_mm * 72.0 / 25.4;
    if (f->height_mm > 0 && f->width_mm > 0)
        return f->height_mm * 72.0 / 25.4 * (width < model_width ? width / model_width : 1.0);
    double title = text_block(d, f->title, 0, 0, width, DRAW_BOLD, font + 1.0, 3, 1) + 0.4 * font;
    return f->flow ? title + flow_height(d, f->flow, width, font) : width * 0.75;
}

void figure_measure(draw_doc *d, const figure *f, double font, double *left, double *right)
{
    *left = *right = 0.0;
    for (size_t i = 0; i < f->n_panels; i++) {
        double l, r;
        if (panel_has_rows(&f->panels[i]))
            continue;
        axes_margins(d, &f->panels[i], font, &l, &r);
        *left = max_of(*left, l);
        *right = max_of(*right, r);
    }
}

static void draw_title(draw_doc *d, const figure_layout *fl, draw_box box)
{
    text_block(d, fl->title, box.x, box.y + box.h - (fl->font + 1.0), box.w, DRAW_BOLD, fl->font + 1.0, TITLE_LINES, 0);
}

void figure_draw(draw_doc *d, const figure *f, draw_box box, const figure_style *style)
{
    char caption[TITLE_MAX];
    panel_layout panels[16];
    figure_layout fl = {.panels = panels, .n_panels = f->n_panels < 16 ? f->n_panels : 16};
    figure view = *f;
    view.n_panels = fl.n_panels;
    figure_caption(f, caption, sizeof caption);
    if (f->flow) {
        fl.font = style->font;
        snprintf(fl.title, sizeof fl.title, "%s", caption);
        draw_title(d, &fl, box);
        double title = text_block(d, caption, 0, 0, box.w, DRAW_BOLD, fl.font + 1.0, 3, 1) + 0.4 * fl.font;
        flow_draw(d, f->flow, (draw_box){box.x, box.y, box.w, box.h - title}, fl.font);
        return;
    }
    figure_layout_make(d, &view, &fl, box, style, caption);
    double lines = text_block(d, fl.title, 0, 0, box.w, DRAW_BOLD, fl.font + 1.0, TITLE_LINES, 1) + 0.4 * fl.font;
    if (lines > fl.title_h + 0.5) {
        /* A note moved to the title made it longer: lay out again below the longer title. */
        figure_layout_make(d, &view, &fl, (draw_box){box.x, box.y, box.w, box.h - (lines - fl.title_h)}, style, caption);
        fl.title_h = lines;
    }
    draw_title(d, &fl, box);
    if (fl.legend_h > 0 && fl.n_panels)
        draw_legend_items(d, fl.panels[0].plot.area.x, box.y + box.h - fl.title_h,
                          box.x + box.w - fl.panels[0].plot.area.x, f->legend, f->n_legend, fl.font, 0);
    for (size_t i = 0; i < fl.n_panels; i++)
        draw_panel(d, &f->panels[i], &fl.panels[i]);
    if (fl.legend_inside)
        draw_inside_legend(d, f, &fl);
    if (f->note)
        text_block(d, f->note, box.x, box.y + fl.note_h - 0.85 * fl.font - 0.2 * fl.font, box.w, DRAW_REGULAR,
                   0.85 * fl.font, 6, 0);
}
