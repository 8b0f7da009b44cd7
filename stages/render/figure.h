/* The figure model: what a figure shows, as plain data, built once per figure by the builder of its
 * kind (figure_km.c: Kaplan-Meier and cumulative-incidence curves; figure_forest.c: the multivariable
 * and the subgroup forest plots; figure_propensity.c: the love plot and the propensity-score
 * distributions; figure_flow.c: the cohort flow; figure_safety.c: CUSUM, funnel and monthly volume),
 * and drawn by one routine per element (figure_draw.c) on any drawing backend: the report's page and
 * a figure file differ only in the page.
 *
 * A figure is a title, a legend, a note and one or more panels (in a grid of columns). A panel has
 * axes (a secondary labelling of x along the top where it helps), series (steps, bands, lines, points,
 * intervals, bars), reference lines, annotations placed where they cover no series, rows of labels
 * with columns of text beside the plot (forest and love plots), and a number-at-risk table whose
 * columns sit under the x ticks. The flow diagram is a figure of boxes instead of panels. Every text,
 * count and number of a figure is in its model as shown (the template's formats, share suppression);
 * the drawing measures and places, and decides nothing of the content. Internal to the render stage. */
#ifndef EMBOLO_FIGURE_H
#define EMBOLO_FIGURE_H

#include <stddef.h>
#include "build.h"
#include "draw.h"
#include "template.h"

typedef enum figure_series_kind {
    SERIES_STEPS,      /* a right-continuous step curve through (x, y), flat to x_end; a mark where marks[k] > 0 */
    SERIES_BAND,       /* the band between step curves lower and upper at x, flat to x_end, filled at alpha */
    SERIES_LINE,       /* a polyline through (x, y) */
    SERIES_POINTS,     /* a marker at each (x, y), with labels[k] beside it where labels and labels[k] */
    SERIES_INTERVALS,  /* per point: a marker at (x, y) and an interval lower..upper at height y (forest) */
    SERIES_BARS        /* per point: a bar from x to upper (its left and right edges) and from lower to y */
} figure_series_kind;

typedef struct figure_series {
    figure_series_kind kind;
    const char *label;        /* its legend entry; NULL: none */
    draw_pen pen;
    double alpha;             /* fill opacity of bands and bars */
    size_t n;
    const double *x, *y, *lower, *upper;
    const size_t *marks;      /* steps: censorings at each point (NULL: no marks) */
    double x_end;
    draw_shape shape;         /* points and intervals */
    double marker;            /* marker size, in font sizes */
    const char *const *labels;
    int unframed;             /* bars: filled only, without an outline */
} figure_series;

/* A reference line: x = at (vertical) or y = at, over from..to of the other axis (NAN: all of it). */
typedef struct figure_line {
    int vertical;
    double at, from, to;
    draw_pen pen;
    const char *label;        /* written at its end (NULL: none) */
} figure_line;

/* An annotation (a test's p-value): in a free spot of the plot, tried in order, covering no series
 * and no other annotation; where none is free, it joins the figure's title. */
typedef struct figure_note {
    const char *text;
} figure_note;

typedef struct figure_axis {
    double min, max;
    double step;              /* ticks at min + k step, unless ticks */
    const double *ticks;
    size_t n_ticks;
    const char *const *tick_labels;  /* [n_ticks]; NULL: the values (decimals, percent) */
    int log, decimals, percent;
    const char *title;
} figure_axis;

/* The rows of a categorical y axis (forest, love), top to bottom: row r is centred on
 * y = n_rows - r - 0.5. */
typedef struct figure_row {
    const char *label;
    int bold, indent;
} figure_row;

/* A column of text beside the plot, one cell per row, under a heading of up to two lines. */
typedef struct figure_column {
    const char *heading[2];
    const char *const *cells;
} figure_column;

typedef struct figure_risk_row {
    const char *label;
    draw_pen pen;
    const char *const *counts;  /* [n_at] as shown ("<5" under share); NULL or "": none at that tick */
} figure_risk_row;

/* The number-at-risk table: a column per x tick (at), a row per curve. */
typedef struct figure_risk {
    const char *title;
    const double *at;
    size_t n_at;
    const figure_risk_row *rows;
    size_t n_rows;
} figure_risk;

typedef struct figure_panel {
    const char *title;          /* NULL: none (a figure of one panel) */
    figure_axis x, y;
    figure_axis x2;             /* a second labelling of the x ticks along the top (n_ticks 0: none) */
    const figure_series *series;
    size_t n_series;
    const figure_line *lines;
    size_t n_lines;
    const figure_note *notes;
    size_t n_notes;
    const figure_row *rows;     /* n_rows > 0: the y axis is these rows */
    size_t n_rows;
    const figure_column *columns;
    size_t n_columns;
    figure_risk risk;           /* n_rows 0: none */
    int clip;                   /* series are clipped to the plot area */
    int mirrored;               /* the y axis shows absolute values (mirrored histograms) */
} figure_panel;

/* The flow diagram: records read, excluded (beside), analysed, and a box per endpoint below. Each
 * box is lines of text, its first line bold. */
typedef struct figure_box {
    const char *const *lines;
    size_t n_lines;
} figure_box;

typedef struct figure_flow {
    figure_box read, excluded, analysed;
    const figure_box *endpoints;
    size_t n_endpoints;
} figure_flow;

typedef struct figure {
    figure_kind kind;
    size_t number;              /* in the report, from 1 (set by the document) */
    const char *title;          /* without "Figure N. " */
    const char *endpoint;       /* index.csv: the endpoint NAME ("" for none) */
    const char *variable;       /* index.csv: the variable NAME ("" for none) */
    const char *what;           /* the file name's last part: "by-grade", "forest" */
    double width_mm, height_mm; /* the figure file's size */
    double font_pt;
    int slot;                   /* the report places it in its figure slots (per_page) */
    int align;                  /* its plot shares the x origin and width of the others that align (KM, CIF) */
    figure_legend legend_place;
    const draw_legend_item *legend;
    size_t n_legend;
    const figure_panel *panels;
    size_t n_panels;
    size_t columns;             /* panels per row */
    const figure_flow *flow;    /* the flow diagram instead of panels */
    const char *note;           /* small print under the figure (NULL: none) */
    struct figure_memory *memory;
    embolo_error error;         /* an allocation failed while it was built */
} figure;

/* ---- building (figure.c): every part is allocated in the figure and freed with it ---- */

/* A figure of a kind with the template's font and size for it (per-kind defaults: figure_default_size);
 * NULL when out of memory. */
figure *figure_new(const report_template *t, figure_kind kind);
void figure_free(figure *f);

/* Memory of the figure (zeroed); NULL when out of memory (recorded in f->error). */
void *figure_alloc(figure *f, size_t count, size_t size);
/* A copy of text (printf-style), NULL when out of memory (recorded). */
const char *figure_text(figure *f, const char *format, ...);
/* A copy of n values. */
const double *figure_values(figure *f, const double *values, size_t n);

/* The default width and height (mm) of a kind of figure: 174 x 130 for curves with a risk table
 * (height 110 without one), and per kind otherwise; rows (forest, love: their row count; propensity,
 * CUSUM: their panels; curves: their count) make the height of the kinds that grow with them. A width
 * the template gives scales the height, keeping room for a curve figure's text; a height it gives
 * wins. */
void figure_default_size(const report_template *t, figure_kind kind, size_t rows, double *width_mm,
                         double *height_mm);

/* ---- the builders: each appends the figures of its kind to a list ---- */

typedef struct figure_list {
    figure **items;
    size_t n, capacity;
    embolo_error error;
} figure_list;

/* Adds f (the list owns it); a NULL or failed figure records the failure. */
void figure_list_add(figure_list *list, figure *f);
void figure_list_free(figure_list *list);

void figure_build_flow(const build_context *b, figure_list *out);
void figure_build_km(const build_context *b, figure_list *out);
void figure_build_cif(const build_context *b, figure_list *out);
void figure_build_forest(const build_context *b, size_t endpoint, figure_list *out);
void figure_build_subgroup_forest(const build_context *b, figure_list *out);
void figure_build_love(const build_context *b, figure_list *out);
void figure_build_propensity(const build_context *b, figure_list *out);
void figure_build_cusum(const build_context *b, figure_list *out);
void figure_build_funnel(const build_context *b, figure_list *out);
void figure_build_volume(const build_context *b, figure_list *out);

/* Counts and numbers as the tables show them (the template's formats and share suppression). */
const char *figure_count(figure *f, const build_context *b, double count);
const char *figure_number(figure *f, const build_context *b, double value);
/* "p = 0.023" / "p < 0.001" with the template's decimals. */
const char *figure_p(figure *f, const build_context *b, const char *test, double p);

/* ---- drawing (figure_draw.c) ---- */

/* How a figure is drawn on a page: its font size, and for the figures that align, the left and right
 * margins of the plot (0: its own). */
typedef struct figure_style {
    double font;
    double plot_left, plot_right;
} figure_style;

/* The margins a figure's plot needs beside it at a font size (its y tick labels and title, the
 * risk table's labels; the last x tick label): the largest over the figures that align is the margin
 * of each of them. */
void figure_measure(draw_doc *d, const figure *f, double font, double *left, double *right);

/* Draws the figure in box (page points): title, legend, panels or flow, note. */
void figure_draw(draw_doc *d, const figure *f, draw_box box, const figure_style *style);

/* The height (points) of the figure drawn at width: its model's, smaller in proportion in a narrower
 * box; the flow diagram's (height_mm 0: as its boxes need) measured at font. */
double figure_height(draw_doc *d, const figure *f, double width, double font);

/* "Figure 3. " + the title. */
void figure_caption(const figure *f, char *out, size_t size);

#endif
