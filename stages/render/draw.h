/* A small drawing layer with two backends: the report's A4 pages on libharu (draw_open, draw_save:
 * page numbers, bookmarks) and single-page pictures on cairo for the figure files (draw_picture: PDF,
 * SVG, EPS, PNG and TIFF). UTF-8 text in the DejaVu fonts (embedded in PDF and EPS, outlined in SVG),
 * tables that break across pages with repeated headers, figure slots, and plots (axes, step curves, CI
 * bands, marks, markers, bars, legends) in data coordinates. Everything but the primitives is shared
 * (draw.c, draw_table.c), and each backend measures text by the metrics it draws with.
 *
 * Errors: every library failure is recorded, the first one kept, in the document; an allocation
 * failure of the caller is recorded with draw_fail. Drawing after a failure does nothing harmful, and
 * draw_save / draw_picture report the failure (EMBOLO_ERROR_OUTPUT or NOMEM, naming the file). The
 * output is deterministic: no /ID, no clock time, the creation date is the one given. */
#ifndef EMBOLO_DRAW_H
#define EMBOLO_DRAW_H

#include <stddef.h>
#include "common/error.h"
#include "table.h"

typedef struct draw_doc draw_doc;

typedef enum draw_font { DRAW_REGULAR, DRAW_BOLD, DRAW_FONT_COUNT } draw_font;
typedef enum draw_align { DRAW_LEFT, DRAW_CENTER, DRAW_RIGHT } draw_align;

/* A rectangle in page coordinates (points; y grows upwards, y is the bottom edge). */
typedef struct draw_box {
    double x, y, w, h;
} draw_box;

typedef struct draw_info {
    const char *title;     /* document info and page footers (UTF-8) */
    const char *creator;   /* document info: "embolo 0.1.0" */
    const char *footer;    /* left part of every page footer; NULL: none */
    long day;              /* creation date, a day number (days since 1970-01-01) */
    const char *font_dir;  /* NULL: the fonts-dejavu-core directory */
} draw_info;

/* ---- document ---- */

embolo_error draw_open(const draw_info *info, draw_doc **out);
void draw_free(draw_doc *d);

/* Adds the page footers ("Page i of N") and writes the file. On failure message names the file. */
embolo_error draw_save(draw_doc *d, const char *path, char *message, size_t message_size);

/* Records a failure of the caller (the first failure wins); later drawing does nothing. */
void draw_fail(draw_doc *d, embolo_error err);
int draw_failed(const draw_doc *d);
size_t draw_page_count(const draw_doc *d);

/* ---- pages and the flow of blocks ---- */

/* Starts a page (portrait A4, or landscape); the cursor is at the top of its frame. */
void draw_new_page(draw_doc *d, int landscape);
/* The text frame of the current page (inside the margins). */
draw_box draw_frame(const draw_doc *d);
/* The width of the text frame of a portrait or landscape page. */
double draw_frame_width(int landscape);
/* Goes back to an earlier page (index from 0) with the cursor at y (the title page's contents). */
void draw_return_to_page(draw_doc *d, size_t index, double cursor);
/* The cursor: y of the top of the next block. */
double draw_cursor(const draw_doc *d);
/* Space left between the cursor and the bottom of the frame. */
double draw_room(const draw_doc *d);
/* Takes a block of the frame's width below the cursor, starting a page (same orientation) when it
 * does not fit. */
draw_box draw_block(draw_doc *d, double height);
void draw_gap(draw_doc *d, double height);
/* The next of per_page figure slots (1 to 3 per page stacked, 4 in a 2 x 2 grid) below the cursor; a
 * new page when the page's slots are used up. */
draw_box draw_slot(draw_doc *d, size_t per_page);

/* ---- text ---- */

/* Section title (starts a bookmark) and subtitle, in the flow. */
void draw_heading(draw_doc *d, const char *text);
void draw_subheading(draw_doc *d, const char *text);
/* A paragraph wrapped to the frame's width (indent: left indent in points), in the flow. */
void draw_paragraph(draw_doc *d, const char *text, draw_font font, double size, double indent);
/* One line of text at a point: x is the left, centre or right of the text as align says. */
void draw_text(draw_doc *d, double x, double y, const char *text, draw_font font, double size, draw_align align);
/* The same for length bytes of text (a line of draw_wrap). */
void draw_text_n(draw_doc *d, double x, double y, const char *text, size_t length, draw_font font, double size,
                 draw_align align);
double draw_width_n(draw_doc *d, const char *text, size_t length, draw_font font, double size);
/* The same, turned 90 degrees anticlockwise and centred on (x, y) (vertical axis titles). */
void draw_text_up(draw_doc *d, double x, double y, const char *text, draw_font font, double size);
double draw_text_width(draw_doc *d, const char *text, draw_font font, double size);
/* Lines of text wrapped to width: writes up to max_lines line starts and lengths, returns the count. */
size_t draw_wrap(draw_doc *d, const char *text, draw_font font, double size, double width, const char **starts,
                 size_t *lengths, size_t max_lines);

/* ---- tables ---- */

#define DRAW_TABLE_FONT 8.0

/* A table of the model (table.h, rows held, at most 64 columns) at its natural width: the columns
 * take the widths of their texts (a wrapped column at most its characters), the font shrinks when the
 * table is wider than the frame, a page break repeats the title and header, a group's heading stays
 * with its first row and the footnotes with the last row. */
void draw_table(draw_doc *d, const table *t);
/* The table's natural width at DRAW_TABLE_FONT. */
double draw_table_width(draw_doc *d, const table *t);

/* ---- plots ---- */

typedef struct draw_pen {
    double r, g, b;
    double width;
    int dash;    /* DRAW_DASH_* */
} draw_pen;

enum { DRAW_DASH_SOLID, DRAW_DASH_LONG, DRAW_DASH_DOT, DRAW_DASH_DOTDASH, DRAW_DASH_SHORT, DRAW_DASH_COUNT };

#define DRAW_SERIES_COUNT 7

/* The pen of the i-th series: an Okabe-Ito colour and a dash pattern, both different for the first
 * five series, so curves differ without colour too. */
draw_pen draw_series_pen(size_t series, double width);
draw_pen draw_grey_pen(double grey, double width, int dash);

typedef struct draw_axis {
    double min, max;
    const double *ticks;   /* tick positions; NULL: min, min + step, ... up to max */
    size_t n_ticks;
    double step;
    int log;               /* logarithmic scale (min > 0) */
    int decimals;          /* tick labels; -1: shortest (%g) */
    int percent;           /* tick labels as percentages of 1 */
    int absolute;          /* tick labels of |value| (a mirrored axis) */
    const char *const *labels;  /* with ticks: the label of each; NULL: from the values */
    const char *title;
} draw_axis;

typedef struct draw_plot {
    draw_box area;         /* the data area, axes on its left and bottom edges */
    draw_axis x, y;
    double font_size;
} draw_plot;

double draw_plot_x(const draw_plot *p, double x);
double draw_plot_y(const draw_plot *p, double y);
/* The ticks of an axis (explicit, or from step): writes up to max and returns the count. */
size_t draw_axis_ticks(const draw_axis *axis, double *ticks, size_t max);

/* The widest tick label of an axis, and the last one's width, at a font size (margins). */
double draw_axis_label_width(draw_doc *d, const draw_axis *axis, double size);
double draw_axis_last_label_width(draw_doc *d, const draw_axis *axis, double size);

/* Axes on the left and bottom of the area, with ticks, tick labels and titles. */
void draw_axes(draw_doc *d, const draw_plot *p);
/* A vertical axis without a bottom axis (forest and love plots: labels of rows on the left). */
void draw_x_axis(draw_doc *d, const draw_plot *p);

/* Clips drawing to the plot's area until draw_unclip. */
void draw_clip(draw_doc *d, const draw_plot *p);
void draw_unclip(draw_doc *d);

/* A right-continuous step curve through (x[k], y[k]), continued flat to x_end; points closer than
 * a fraction of a point on the page are merged, so the path has at most a few points per point of
 * width. Non-finite y ends the curve. */
void draw_steps(draw_doc *d, const draw_plot *p, const double *x, const double *y, size_t n, double x_end,
                draw_pen pen);
/* The band between two step curves, filled with the pen's colour at alpha; runs where a limit is
 * not finite are left open. */
void draw_step_band(draw_doc *d, const draw_plot *p, const double *x, const double *lower, const double *upper,
                    size_t n, double x_end, draw_pen pen, double alpha);
/* Short vertical ticks at (x[k], y[k]) where count[k] > 0 (censor marks), at most one per point of
 * page width. */
void draw_marks(draw_doc *d, const draw_plot *p, const double *x, const double *y, const size_t *count, size_t n,
                double height, draw_pen pen);
/* A straight line in data coordinates. */
void draw_line(draw_doc *d, const draw_plot *p, double x0, double y0, double x1, double y1, draw_pen pen);
/* An open polyline in data coordinates. */
void draw_polyline(draw_doc *d, const draw_plot *p, const double *x, const double *y, size_t n, draw_pen pen);

typedef enum draw_shape { DRAW_SQUARE, DRAW_CIRCLE, DRAW_CIRCLE_OPEN, DRAW_DIAMOND } draw_shape;
/* A marker of this size (points) at a point of the page. */
void draw_marker(draw_doc *d, double x, double y, draw_shape shape, double size, draw_pen pen);

/* ---- page-coordinate shapes ---- */

void draw_segment(draw_doc *d, double x0, double y0, double x1, double y1, draw_pen pen);
void draw_arrow(draw_doc *d, double x0, double y0, double x1, double y1, draw_pen pen);
/* A rectangle: stroked with pen, filled with fill_grey (1 white; negative: not filled). */
void draw_rect(draw_doc *d, draw_box box, draw_pen pen, double fill_grey);
/* A rectangle filled with the pen's colour at alpha (bars, histograms), outlined with the pen (solid)
 * when outline. */
void draw_bar(draw_doc *d, draw_box box, draw_pen pen, double alpha, int outline);
/* A short line sample of a pen (legends and risk tables) from (x, y) to (x + w, y). */
void draw_swatch(draw_doc *d, double x, double y, double w, draw_pen pen);

/* A legend flowing left to right in width, wrapping to new lines; returns its height. Each item is a
 * line sample of its pen, with a marker of shapes[i] on it unless shapes is NULL. With measure_only
 * nothing is drawn. */
double draw_legend(draw_doc *d, double x, double top, double width, const char *const *labels, const draw_pen *pens,
                   const draw_shape *shapes, size_t n, double size, int measure_only);

/* The same with an item per entry: a line sample (and marker), or a filled box (bars, bands). */
typedef struct draw_legend_item {
    const char *label;
    draw_pen pen;
    int has_shape;
    draw_shape shape;
    int filled;       /* a box filled at alpha and outlined, instead of a line */
    double alpha;
    int marker_only;  /* the marker without a line (points) */
} draw_legend_item;
double draw_legend_items(draw_doc *d, double x, double top, double width, const draw_legend_item *items, size_t n,
                         double size, int measure_only);

/* ---- pictures: one page of any size on cairo (draw_cairo.c) ---- */

typedef enum draw_format { DRAW_FORMAT_PDF, DRAW_FORMAT_PNG, DRAW_FORMAT_TIFF, DRAW_FORMAT_SVG, DRAW_FORMAT_EPS,
                           DRAW_FORMAT_COUNT } draw_format;

/* "pdf", "png", "tiff", "svg", "eps". */
const char *draw_format_name(draw_format format);
/* Whether the format is a raster image (PNG, TIFF). */
int draw_format_is_raster(draw_format format);

typedef struct draw_picture_info {
    draw_format format;
    double width, height;  /* points */
    int dpi;               /* PNG and TIFF: pixels = round(points / 72 * dpi), the dpi recorded in the file */
    const char *title;     /* PDF information, EPS and SVG title (UTF-8) */
    const char *creator;   /* "embolo 0.1.0" */
    long day;              /* the creation date, a day number; never the clock */
    const char *font_dir;  /* NULL: the fonts-dejavu-core directory */
    struct draw_raster_memory *raster_memory;  /* PNG and TIFF: the bands' pixels (NULL: the picture's own) */
} draw_picture_info;

/* Memory for the bands of raster pictures that a caller drawing many (one per thread) lends each:
 * grown as a picture needs, reused by the next, so a band is not mapped and cleared anew each time.
 * Start it zeroed; draw_raster_memory_free when done. */
typedef struct draw_raster_memory {
    unsigned char *data;
    size_t size;
} draw_raster_memory;
void draw_raster_memory_free(draw_raster_memory *m);

/* Draws the picture on its page (white, the whole page being its box, from (0, 0)). */
typedef void (*draw_painter)(draw_doc *d, void *arg);

/* A picture drawn by paint (once; for PNG and TIFF once per band of rows, drawing the same each time,
 * so that a 1200 dpi image never lies in memory whole) and encoded: PDF 1.5 with the fonts embedded
 * as subsets, SVG 1.1 with the glyphs as paths, EPS level 3, PNG (RGB, pHYs), TIFF (RGB, LZW,
 * XResolution/YResolution per inch). *bytes (malloc'd, the caller frees) holds the file; the same
 * drawing gives the same bytes. On failure message says what failed, naming name. */
embolo_error draw_picture(const draw_picture_info *info, draw_painter paint, void *arg, const char *name,
                          unsigned char **bytes, size_t *size, char *message, size_t message_size);

/* A document to measure text with as draw_picture's pictures do (no page: drawing does nothing). */
embolo_error draw_open_measure(const char *font_dir, draw_doc **out);

#endif
