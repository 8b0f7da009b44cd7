/* The forest plot of an endpoint's multivariable hazard ratios: unadjusted and propensity-weighted
 * intervals on a log axis, each row's label on the left and, on the right, a column of HR (95% CI)
 * per series under its heading (the same text as the Cox table's). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/keys.h"
#include "figure.h"

#define FOREST_ROW 12.0
#define FOREST_FONT 7.5
#define FOREST_MAX_ROWS 256
#define FOREST_INDENT 9.0
#define FOREST_GAP 12.0

typedef struct forest_row {
    char label[128];
    size_t variable;
    const char *level;     /* NULL: a factor's title row */
    int bold;
} forest_row;

typedef struct forest {
    const char *endpoint;
    forest_row rows[FOREST_MAX_ROWS];
    size_t n;
    const build_cox_model *series[2];
    size_t n_series;
    double lo, hi;
    double text_w[2];      /* width of each series' number column */
} forest;

static void forest_rows(const pdf_context *ctx, forest *f)
{
    f->n = 0;
    for (size_t k = 0; k < ctx->s->n_multivariable && f->n + 1 < FOREST_MAX_ROWS; k++) {
        size_t v = ctx->s->multivariable[k];
        const study_variable *var = &ctx->s->variables[v];
        forest_row *row = &f->rows[f->n++];
        *row = (forest_row){.variable = v, .level = study_variable_is_factor(var) ? NULL : "", .bold = 1};
        build_copy(row->label, sizeof row->label, build_variable_label(var));
        for (size_t level = 0; study_variable_is_factor(var) && level < var->n_levels && f->n < FOREST_MAX_ROWS;
             level++) {
            row = &f->rows[f->n++];
            *row = (forest_row){.variable = v, .level = var->levels[level]};
            build_level(row->label, sizeof row->label, var->levels[level]);
        }
    }
}

static double forest_value(const pdf_context *ctx, const forest *f, size_t series, const forest_row *row,
                           const char *stat)
{
    return build_value(&ctx->build, KEY_COX, f->endpoint, f->series[series]->model,
                       ctx->s->variables[row->variable].name, row->level, stat);
}

/* Whether a row is the reference level of a series' model (the Cox table's rule). */
static int forest_reference(const pdf_context *ctx, const forest *f, size_t series, const forest_row *row)
{
    const study_variable *var = &ctx->s->variables[row->variable];
    return row->level && row->level[0] &&
           row->level == var->levels[build_cox_reference(&ctx->build, f->endpoint, f->series[series]->model, var)];
}

/* The axis range: nice logarithmic limits around the intervals and 1. */
static void forest_range(const pdf_context *ctx, forest *f)
{
    static const double nice[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};
    double lo = 1.0, hi = 1.0;
    for (size_t s = 0; s < f->n_series; s++)
        for (size_t r = 0; r < f->n; r++) {
            const forest_row *row = &f->rows[r];
            if (!row->level || forest_reference(ctx, f, s, row))
                continue;
            double l = forest_value(ctx, f, s, row, KEY_STAT_HR_LOWER), u = forest_value(ctx, f, s, row, KEY_STAT_HR_UPPER);
            lo = isfinite(l) && l > 0 && l < lo ? l : lo;
            hi = isfinite(u) && u > hi ? u : hi;
        }
    f->lo = nice[0];
    f->hi = nice[12];
    for (size_t k = 0; k < 13; k++) {
        f->lo = nice[k] <= lo ? nice[k] : f->lo;
        if (nice[12 - k] >= hi)
            f->hi = nice[12 - k];
    }
}

/* A row's HR (95% CI) in one series, as the Cox table shows it; "reference" for the reference level. */
static void forest_text(const pdf_context *ctx, const forest *f, size_t series, const forest_row *row, char *out,
                        size_t size)
{
    const study_variable *var = &ctx->s->variables[row->variable];
    table_cell cell = {.format = CELL_ESTIMATE_CI, .decimals = (unsigned char)ctx->t->hr_decimals,
                       .suppressed = row->level && build_share_suppressed(ctx->build.r, ctx->t, KEY_COX, f->endpoint,
                                                                          f->series[series]->model, var->name,
                                                                          row->level, KEY_STAT_HR),
                       .value = {forest_value(ctx, f, series, row, KEY_STAT_HR),
                                 forest_value(ctx, f, series, row, KEY_STAT_HR_LOWER),
                                 forest_value(ctx, f, series, row, KEY_STAT_HR_UPPER)}};
    out[0] = '\0';
    if (forest_reference(ctx, f, series, row))
        snprintf(out, size, "reference");
    else if (row->level)
        table_cell_text(&cell, out, size);
}

/* The headings of the number columns: the series' title, then "HR (95% CI)". */
static const char *forest_heading(const forest *f, size_t series, size_t line)
{
    return line == 0 ? f->series[series]->title : "HR (95% CI)";
}

static void forest_text_widths(pdf_context *ctx, forest *f)
{
    for (size_t s = 0; s < f->n_series; s++) {
        f->text_w[s] = 0.0;
        for (size_t line = 0; line < 2; line++) {
            double w = draw_text_width(ctx->doc, forest_heading(f, s, line), DRAW_BOLD, FOREST_FONT);
            f->text_w[s] = w > f->text_w[s] ? w : f->text_w[s];
        }
        for (size_t r = 0; r < f->n; r++) {
            char text[96];
            forest_text(ctx, f, s, &f->rows[r], text, sizeof text);
            double w = draw_text_width(ctx->doc, text, DRAW_REGULAR, FOREST_FONT);
            f->text_w[s] = w > f->text_w[s] ? w : f->text_w[s];
        }
    }
}

/* One series' interval and marker on a row (clipped to the axis with an arrow). */
static void forest_interval(pdf_context *ctx, const draw_plot *p, double y, double hr, double l, double u,
                            size_t series)
{
    draw_pen pen = draw_series_pen(series, 1.0);
    pen.dash = DRAW_DASH_SOLID;
    if (!isfinite(hr) || !isfinite(l) || !isfinite(u))
        return;
    double a = l < p->x.min ? p->x.min : l, b = u > p->x.max ? p->x.max : u;
    double xa = draw_plot_x(p, a), xb = draw_plot_x(p, b);
    draw_segment(ctx->doc, xa, y, xb, y, pen);
    if (l < p->x.min)
        draw_arrow(ctx->doc, xa + 4.0, y, xa, y, pen);
    if (u > p->x.max)
        draw_arrow(ctx->doc, xb - 4.0, y, xb, y, pen);
    if (hr >= p->x.min && hr <= p->x.max)
        draw_marker(ctx->doc, draw_plot_x(p, hr), y, series ? DRAW_DIAMOND : DRAW_SQUARE, 5.0, pen);
}

/* Where a forest plot's parts go. */
typedef struct forest_geometry {
    draw_plot plot;
    double label_x, text_x[2];
} forest_geometry;

static void forest_row_draw(pdf_context *ctx, const forest *f, const forest_geometry *g, size_t r)
{
    const forest_row *row = &f->rows[r];
    double y = draw_plot_y(&g->plot, (double)(f->n - r) - 0.5), baseline = y - 0.35 * FOREST_FONT;
    draw_text(ctx->doc, g->label_x + (row->bold ? 0.0 : FOREST_INDENT), baseline, row->label,
              row->bold ? DRAW_BOLD : DRAW_REGULAR, FOREST_FONT, DRAW_LEFT);
    for (size_t s = 0; s < f->n_series && row->level; s++) {
        char text[96];
        double offset = f->n_series > 1 ? (s ? -2.2 : 2.2) : 0.0;
        if (!forest_reference(ctx, f, s, row))
            forest_interval(ctx, &g->plot, y + offset, forest_value(ctx, f, s, row, KEY_STAT_HR),
                            forest_value(ctx, f, s, row, KEY_STAT_HR_LOWER),
                            forest_value(ctx, f, s, row, KEY_STAT_HR_UPPER), s);
        forest_text(ctx, f, s, row, text, sizeof text);
        draw_text(ctx->doc, g->text_x[s], baseline, text, DRAW_REGULAR, FOREST_FONT, DRAW_LEFT);
    }
}

static double forest_label_width(pdf_context *ctx, const forest *f)
{
    double widest = 0.0;
    for (size_t r = 0; r < f->n; r++) {
        double w = draw_text_width(ctx->doc, f->rows[r].label, f->rows[r].bold ? DRAW_BOLD : DRAW_REGULAR, FOREST_FONT);
        w += f->rows[r].bold ? 0.0 : FOREST_INDENT;
        widest = w > widest ? w : widest;
    }
    return widest;
}

/* The headings of the number columns, just above the first row. */
static void forest_headings(pdf_context *ctx, const forest *f, const forest_geometry *g)
{
    double top = g->plot.area.y + g->plot.area.h;
    for (size_t s = 0; s < f->n_series; s++)
        for (size_t line = 0; line < 2; line++)
            draw_text(ctx->doc, g->text_x[s], top + 3.0 + (double)(1 - line) * 1.25 * FOREST_FONT,
                      forest_heading(f, s, line), DRAW_BOLD, FOREST_FONT, DRAW_LEFT);
}

static void forest_draw(pdf_context *ctx, const study_endpoint *ep, forest *f)
{
    static const double ticks[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};
    const char *labels[2] = {f->series[0]->title, f->n_series > 1 ? f->series[1]->title : ""};
    draw_pen pens[2] = {draw_series_pen(0, 1.0), draw_series_pen(1, 1.0)};
    char caption[300];
    forest_range(ctx, f);
    forest_text_widths(ctx, f);
    double legend = 4.0 * FOREST_FONT, axis = 3.0 * FOREST_FONT + 12.0, text_w = 0.0;
    for (size_t s = 0; s < f->n_series; s++)
        text_w += f->text_w[s] + FOREST_GAP;
    draw_box box = draw_block(ctx->doc, 20.0 + legend + (double)f->n * FOREST_ROW + axis);
    double label_w = forest_label_width(ctx, f);
    snprintf(caption, sizeof caption, "Hazard ratios, %.200s (%s)", build_endpoint_label(ep),
             f->n_series > 1 ? "multivariable, unadjusted and propensity-weighted" : "multivariable");
    draw_text(ctx->doc, box.x, box.y + box.h - 10.0, caption, DRAW_BOLD, 9.0, DRAW_LEFT);
    forest_geometry g = {.plot = {.font_size = FOREST_FONT}, .label_x = box.x};
    draw_plot *p = &g.plot;
    p->area = (draw_box){box.x + label_w + 10.0, box.y + axis, box.w - label_w - text_w - 22.0,
                         (double)f->n * FOREST_ROW};
    g.text_x[0] = p->area.x + p->area.w + FOREST_GAP;
    g.text_x[1] = g.text_x[0] + f->text_w[0] + FOREST_GAP;
    p->x = (draw_axis){.min = f->lo, .max = f->hi, .ticks = ticks, .n_ticks = 13, .log = 1, .decimals = -1,
                       .title = "Hazard ratio (log scale)"};
    p->y = (draw_axis){.min = 0.0, .max = (double)f->n};
    const draw_shape shapes[2] = {DRAW_SQUARE, DRAW_DIAMOND};
    pens[1].dash = DRAW_DASH_SOLID;
    draw_legend(ctx->doc, p->area.x, box.y + box.h - 14.0, p->area.w, labels, pens, shapes, f->n_series, FOREST_FONT,
                0);
    forest_headings(ctx, f, &g);
    draw_line(ctx->doc, p, 1.0, 0.0, 1.0, (double)f->n, draw_grey_pen(0.5, 0.6, DRAW_DASH_SHORT));
    for (size_t r = 0; r < f->n; r++)
        forest_row_draw(ctx, f, &g, r);
    draw_x_axis(ctx->doc, p);
    draw_gap(ctx->doc, 8.0);
}

void figure_forest(pdf_context *ctx, size_t endpoint)
{
    const build_cox_model *models[BUILD_COX_MODELS];
    const study_endpoint *ep = &ctx->s->endpoints[endpoint];
    forest f = {.endpoint = ep->name};
    size_t n = build_cox_models_of(&ctx->build, ep->name, models);
    for (size_t m = 0; m < n && f.n_series < 2; m++)
        if (models[m]->model && strstr(models[m]->model, KEY_MULTIVARIABLE))
            f.series[f.n_series++] = models[m];
    if (f.n_series == 0)
        return;
    forest_rows(ctx, &f);
    if (f.n > 0)
        forest_draw(ctx, ep, &f);
}
