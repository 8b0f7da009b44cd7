/* Section 5, Cox models: per endpoint a table with the univariate and multivariable models,
 * unadjusted and propensity-weighted side by side (HR (95% CI), p), and a forest plot of the
 * multivariable hazard ratios. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define COX_MODELS 4
#define COX_COLUMNS (1 + 2 * COX_MODELS)
#define COX_CELL 96
#define FOREST_ROW 12.0
#define FOREST_FONT 7.5

typedef struct cox_model {
    const char *title;
    const char *model;    /* results model; NULL: "univariate:VAR" */
} cox_model;

/* The models shown for an endpoint: those with results. */
typedef struct cox_models {
    cox_model items[COX_MODELS];
    size_t n;
} cox_models;

typedef char cox_row[COX_COLUMNS][COX_CELL];

static void cox_model_name(const cox_model *m, const study_variable *v, char *out, size_t size)
{
    if (m->model)
        report_copy(out, size, m->model);
    else
        snprintf(out, size, "univariate:%.200s", v->name);
}

static int list_has(const size_t *list, size_t n, size_t v)
{
    for (size_t k = 0; k < n; k++)
        if (list[k] == v)
            return 1;
    return 0;
}

/* Whether model m of endpoint has variable v (and was fitted). */
static int cox_model_has(const report_context *ctx, const char *endpoint, const cox_model *m, size_t v)
{
    char name[256];
    const study *s = ctx->s;
    cox_model_name(m, &s->variables[v], name, sizeof name);
    if (isnan(report_value(ctx, "cox", endpoint, name, "", "", "n")))
        return 0;
    if (!m->model)
        return list_has(s->univariate, s->n_univariate, v);
    if (strcmp(m->model, "weighted_univariate") == 0)
        return (int)v == s->treatment;
    return list_has(s->multivariable, s->n_multivariable, v);
}

static void cox_models_find(const report_context *ctx, const char *endpoint, cox_models *out)
{
    static const cox_model all[COX_MODELS] = {
        {"Univariate", NULL},
        {"Multivariable", "multivariable"},
        {"Weighted (ATE)", "weighted_univariate"},
        {"Weighted multivariable", "weighted_multivariable"},
    };
    out->n = 0;
    for (size_t k = 0; k < COX_MODELS; k++) {
        int present = 0;
        for (size_t v = 0; v < ctx->s->n_variables && !present; v++)
            present = cox_model_has(ctx, endpoint, &all[k], v);
        if (present)
            out->items[out->n++] = all[k];
    }
}

/* The variables of any model, univariate ones first, in the study's lists' order. */
static size_t cox_variables(const report_context *ctx, size_t *out)
{
    const study *s = ctx->s;
    size_t n = 0;
    for (size_t k = 0; k < s->n_univariate; k++)
        if (!list_has(out, n, s->univariate[k]))
            out[n++] = s->univariate[k];
    for (size_t k = 0; k < s->n_multivariable; k++)
        if (!list_has(out, n, s->multivariable[k]))
            out[n++] = s->multivariable[k];
    if (s->treatment >= 0 && !list_has(out, n, (size_t)s->treatment))
        out[n++] = (size_t)s->treatment;
    return n;
}

/* ---- the table ---- */

static draw_table *cox_table_new(const cox_models *models)
{
    char headers[COX_COLUMNS][COX_CELL];
    const char *pointers[COX_COLUMNS];
    size_t c = 0;
    report_copy(headers[c++], COX_CELL, "Variable");
    for (size_t m = 0; m < models->n; m++) {
        snprintf(headers[c++], COX_CELL, "%s\nHR (95%% CI)", models->items[m].title);
        report_copy(headers[c++], COX_CELL, "p");
    }
    for (size_t k = 0; k < c; k++)
        pointers[k] = headers[k];
    return report_table_new(pointers, c);
}

static embolo_error cox_add(draw_table *table, cox_row row, size_t n, draw_row_style style)
{
    const char *cells[COX_COLUMNS];
    for (size_t c = 0; c < n; c++)
        cells[c] = row[c];
    return draw_table_add(table, cells, style);
}

/* HR (95% CI) and p of one coefficient (level "" for a numeric variable) in each model. */
static void cox_coefficient_cells(const report_context *ctx, const char *endpoint, const cox_models *models,
                                  size_t v, const char *level, cox_row row)
{
    for (size_t m = 0; m < models->n; m++) {
        char name[256];
        const study_variable *var = &ctx->s->variables[v];
        if (!cox_model_has(ctx, endpoint, &models->items[m], v))
            continue;
        cox_model_name(&models->items[m], var, name, sizeof name);
        report_hr_ci(ctx, row[1 + 2 * m], COX_CELL, report_value(ctx, "cox", endpoint, name, var->name, level, "hr"),
                     report_value(ctx, "cox", endpoint, name, var->name, level, "hr_lower"),
                     report_value(ctx, "cox", endpoint, name, var->name, level, "hr_upper"));
        report_p(ctx, row[2 + 2 * m], COX_CELL, report_value(ctx, "cox", endpoint, name, var->name, level, "p"));
    }
}

/* A factor's row: its label and the joint Wald p of each model that has one. */
static void cox_factor_cells(const report_context *ctx, const char *endpoint, const cox_models *models, size_t v,
                             cox_row row)
{
    const study_variable *var = &ctx->s->variables[v];
    report_copy(row[0], COX_CELL, report_variable_label(var));
    for (size_t m = 0; m < models->n; m++) {
        char name[256];
        cox_model_name(&models->items[m], var, name, sizeof name);
        double p = report_value(ctx, "cox", endpoint, name, var->name, "", "wald_global_p");
        if (isfinite(p) && cox_model_has(ctx, endpoint, &models->items[m], v))
            report_p(ctx, row[2 + 2 * m], COX_CELL, p);
    }
}

static embolo_error cox_factor_rows(const report_context *ctx, const char *endpoint, const cox_models *models,
                                    size_t v, draw_table *table, size_t columns)
{
    const study_variable *var = &ctx->s->variables[v];
    cox_row row;
    memset(row, 0, sizeof row);
    cox_factor_cells(ctx, endpoint, models, v, row);
    embolo_error err = cox_add(table, row, columns, DRAW_ROW_GROUP);
    for (size_t level = 0; level < var->n_levels && err == EMBOLO_OK; level++) {
        memset(row, 0, sizeof row);
        report_level(row[0], COX_CELL, var->levels[level]);
        if (level == var->reference) {
            for (size_t m = 0; m < models->n; m++)
                if (cox_model_has(ctx, endpoint, &models->items[m], v))
                    report_copy(row[1 + 2 * m], COX_CELL, "1 (reference)");
        } else {
            cox_coefficient_cells(ctx, endpoint, models, v, var->levels[level], row);
        }
        err = cox_add(table, row, columns, DRAW_ROW_INDENTED);
    }
    return err;
}

/* "155 (129)" of a model, or the range of the univariate models' n. */
static void cox_model_size(const report_context *ctx, const char *endpoint, const cox_model *m, char *out)
{
    double lo = INFINITY, hi = -INFINITY, events = NAN;
    char a[32], b[32];
    for (size_t v = 0; v < ctx->s->n_variables; v++) {
        char name[256];
        if (!cox_model_has(ctx, endpoint, m, v))
            continue;
        cox_model_name(m, &ctx->s->variables[v], name, sizeof name);
        double n = report_value(ctx, "cox", endpoint, name, "", "", "n");
        events = report_value(ctx, "cox", endpoint, name, "", "", "events");
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    report_count(ctx, a, sizeof a, lo);
    report_count(ctx, b, sizeof b, lo == hi ? events : hi);
    snprintf(out, COX_CELL, lo == hi ? "%s (%s events)" : "%s\xe2\x80\x93%s", a, b);
}

static embolo_error cox_footer_rows(const report_context *ctx, const char *endpoint, const cox_models *models,
                                    draw_table *table, size_t columns)
{
    cox_row row;
    memset(row, 0, sizeof row);
    report_copy(row[0], COX_CELL, "Patients (events)");
    for (size_t m = 0; m < models->n; m++)
        cox_model_size(ctx, endpoint, &models->items[m], row[1 + 2 * m]);
    embolo_error err = cox_add(table, row, columns, DRAW_ROW_TOTAL);
    memset(row, 0, sizeof row);
    report_copy(row[0], COX_CELL, "Concordance (SE)");
    for (size_t m = 0; m < models->n; m++) {
        const char *model = models->items[m].model;
        double c = model ? report_value(ctx, "cox", endpoint, model, "", "", "concordance") : NAN;
        double se = model ? report_value(ctx, "cox", endpoint, model, "", "", "concordance_se") : NAN;
        if (isfinite(c)) {
            char a[32], b[32];
            format_number(a, sizeof a, c, 3);
            format_number(b, sizeof b, se, 3);
            snprintf(row[1 + 2 * m], COX_CELL, "%s (%s)", a, b);
        }
    }
    return err == EMBOLO_OK ? cox_add(table, row, columns, DRAW_ROW_PLAIN) : err;
}

static embolo_error cox_fill(const report_context *ctx, const char *endpoint, const cox_models *models,
                             draw_table *table)
{
    size_t *variables = malloc((ctx->s->n_variables + 1) * sizeof *variables);
    if (!variables)
        return EMBOLO_ERROR_NOMEM;
    size_t n = cox_variables(ctx, variables), columns = 1 + 2 * models->n;
    embolo_error err = EMBOLO_OK;
    for (size_t k = 0; k < n && err == EMBOLO_OK; k++) {
        const study_variable *var = &ctx->s->variables[variables[k]];
        cox_row row;
        if (study_variable_is_factor(var)) {
            err = cox_factor_rows(ctx, endpoint, models, variables[k], table, columns);
            continue;
        }
        memset(row, 0, sizeof row);
        snprintf(row[0], COX_CELL, "%.80s, per unit", report_variable_label(var));
        cox_coefficient_cells(ctx, endpoint, models, variables[k], "", row);
        err = cox_add(table, row, columns, DRAW_ROW_PLAIN);
    }
    free(variables);
    return err == EMBOLO_OK ? cox_footer_rows(ctx, endpoint, models, table, columns) : err;
}

/* ---- the forest plot ---- */

typedef struct forest_row {
    char label[128];
    size_t variable;
    const char *level;     /* NULL: a factor's title row */
    int reference, bold;
} forest_row;

typedef struct forest {
    forest_row rows[256];
    size_t n;
    const cox_model *series[2];
    size_t n_series;
    double lo, hi;
} forest;

static void forest_rows(const report_context *ctx, forest *f)
{
    f->n = 0;
    for (size_t k = 0; k < ctx->s->n_multivariable && f->n + 1 < 256; k++) {
        size_t v = ctx->s->multivariable[k];
        const study_variable *var = &ctx->s->variables[v];
        forest_row *row = &f->rows[f->n++];
        *row = (forest_row){.variable = v, .level = study_variable_is_factor(var) ? NULL : "", .bold = 1};
        report_copy(row->label, sizeof row->label, report_variable_label(var));
        for (size_t level = 0; study_variable_is_factor(var) && level < var->n_levels && f->n < 256; level++) {
            row = &f->rows[f->n++];
            *row = (forest_row){.variable = v, .level = var->levels[level], .reference = level == var->reference};
            report_level(row->label, sizeof row->label, var->levels[level]);
        }
    }
}

/* The axis range: nice logarithmic limits around the intervals and 1. */
static void forest_range(const report_context *ctx, const char *endpoint, forest *f)
{
    static const double nice[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};
    double lo = 1.0, hi = 1.0;
    for (size_t s = 0; s < f->n_series; s++)
        for (size_t r = 0; r < f->n; r++) {
            const forest_row *row = &f->rows[r];
            if (!row->level || row->reference)
                continue;
            const char *name = ctx->s->variables[row->variable].name;
            double l = report_value(ctx, "cox", endpoint, f->series[s]->model, name, row->level, "hr_lower");
            double u = report_value(ctx, "cox", endpoint, f->series[s]->model, name, row->level, "hr_upper");
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

/* One series' interval and marker on a row (clipped to the axis with an arrow). */
static void forest_interval(report_context *ctx, const draw_plot *p, double y, double hr, double l, double u,
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
    double label_x, text_x;
} forest_geometry;

static void forest_row_draw(report_context *ctx, const char *endpoint, const forest *f, const forest_geometry *g,
                            size_t r)
{
    const forest_row *row = &f->rows[r];
    const char *name = ctx->s->variables[row->variable].name;
    double y = draw_plot_y(&g->plot, (double)(f->n - r) - 0.5), baseline = y - 0.35 * FOREST_FONT;
    draw_text(ctx->doc, g->label_x + (row->bold ? 0.0 : 9.0), baseline, row->label,
              row->bold ? DRAW_BOLD : DRAW_REGULAR, FOREST_FONT, DRAW_LEFT);
    if (!row->level)
        return;
    if (row->reference) {
        draw_text(ctx->doc, g->text_x, baseline, "reference", DRAW_REGULAR, FOREST_FONT, DRAW_LEFT);
        return;
    }
    for (size_t s = 0; s < f->n_series; s++) {
        const char *model = f->series[s]->model;
        double offset = f->n_series > 1 ? (s ? -2.2 : 2.2) : 0.0;
        forest_interval(ctx, &g->plot, y + offset, report_value(ctx, "cox", endpoint, model, name, row->level, "hr"),
                        report_value(ctx, "cox", endpoint, model, name, row->level, "hr_lower"),
                        report_value(ctx, "cox", endpoint, model, name, row->level, "hr_upper"), s);
    }
    char text[COX_CELL];
    const char *model = f->series[0]->model;
    report_hr_ci(ctx, text, sizeof text, report_value(ctx, "cox", endpoint, model, name, row->level, "hr"),
                 report_value(ctx, "cox", endpoint, model, name, row->level, "hr_lower"),
                 report_value(ctx, "cox", endpoint, model, name, row->level, "hr_upper"));
    draw_text(ctx->doc, g->text_x, baseline, text, DRAW_REGULAR, FOREST_FONT, DRAW_LEFT);
}

static double forest_label_width(report_context *ctx, const forest *f)
{
    double widest = 0.0;
    for (size_t r = 0; r < f->n; r++) {
        double w = draw_text_width(ctx->doc, f->rows[r].label, f->rows[r].bold ? DRAW_BOLD : DRAW_REGULAR, FOREST_FONT);
        w += f->rows[r].bold ? 0.0 : 9.0;
        widest = w > widest ? w : widest;
    }
    return widest;
}

static void forest_draw(report_context *ctx, const study_endpoint *ep, forest *f)
{
    static const double ticks[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};
    const char *labels[2] = {f->series[0]->title, f->n_series > 1 ? f->series[1]->title : ""};
    draw_pen pens[2] = {draw_series_pen(0, 1.0), draw_series_pen(1, 1.0)};
    char caption[300], hr_title[128];
    forest_range(ctx, ep->name, f);
    double legend = 2.0 * FOREST_FONT, axis = 3.0 * FOREST_FONT + 12.0;
    draw_box box = draw_block(ctx->doc, 20.0 + legend + (double)f->n * FOREST_ROW + axis);
    double label_w = forest_label_width(ctx, f), text_w = 110.0;
    snprintf(caption, sizeof caption, "Hazard ratios, %.200s (%s)", report_endpoint_label(ep),
             f->n_series > 1 ? "multivariable, unadjusted and weighted" : "multivariable");
    draw_text(ctx->doc, box.x, box.y + box.h - 10.0, caption, DRAW_BOLD, 9.0, DRAW_LEFT);
    forest_geometry g = {.plot = {.font_size = FOREST_FONT}, .label_x = box.x};
    draw_plot *p = &g.plot;
    p->area = (draw_box){box.x + label_w + 10.0, box.y + axis, box.w - label_w - text_w - 24.0,
                         (double)f->n * FOREST_ROW};
    g.text_x = p->area.x + p->area.w + 12.0;
    snprintf(hr_title, sizeof hr_title, "Hazard ratio (log scale)");
    p->x = (draw_axis){.min = f->lo, .max = f->hi, .ticks = ticks, .n_ticks = 13, .log = 1, .decimals = -1,
                       .title = hr_title};
    p->y = (draw_axis){.min = 0.0, .max = (double)f->n};
    const draw_shape shapes[2] = {DRAW_SQUARE, DRAW_DIAMOND};
    pens[1].dash = DRAW_DASH_SOLID;
    draw_legend(ctx->doc, p->area.x, box.y + box.h - 14.0, p->area.w, labels, pens, shapes, f->n_series, FOREST_FONT,
                0);
    draw_line(ctx->doc, p, 1.0, 0.0, 1.0, (double)f->n, draw_grey_pen(0.5, 0.6, DRAW_DASH_SHORT));
    for (size_t r = 0; r < f->n; r++)
        forest_row_draw(ctx, ep->name, f, &g, r);
    draw_x_axis(ctx->doc, p);
    draw_gap(ctx->doc, 8.0);
}

static void cox_forest(report_context *ctx, const study_endpoint *ep, const cox_models *models)
{
    forest f = {.n_series = 0};
    for (size_t m = 0; m < models->n && f.n_series < 2; m++)
        if (models->items[m].model && strstr(models->items[m].model, "multivariable"))
            f.series[f.n_series++] = &models->items[m];
    if (f.n_series == 0)
        return;
    forest_rows(ctx, &f);
    if (f.n > 0)
        forest_draw(ctx, ep, &f);
}

/* ---- the section ---- */

static void cox_notes(report_context *ctx, int weighted)
{
    char text[600];
    snprintf(text, sizeof text, "Hazard ratios with 95%% confidence intervals and Wald p-values (Efron ties); numeric "
             "variables per unit; the p on a variable's own row is the joint Wald test of its levels. Each model "
             "uses the complete cases of its variables (univariate: the range of n). Concordance: Harrell's C.%s",
             weighted ? " Weighted: propensity-score ATE weights, robust (sandwich) standard errors." : "");
    report_note(ctx, text);
}

embolo_error report_cox(report_context *ctx)
{
    embolo_error err = EMBOLO_OK;
    int started = 0, weighted = 0;
    for (size_t e = 0; e < ctx->s->n_endpoints && err == EMBOLO_OK; e++) {
        const study_endpoint *ep = &ctx->s->endpoints[e];
        cox_models models;
        char caption[300];
        cox_models_find(ctx, ep->name, &models);
        if (models.n == 0)
            continue;
        weighted |= models.items[models.n - 1].model && strstr(models.items[models.n - 1].model, "weighted") != NULL;
        draw_table *table = cox_table_new(&models);
        err = table ? cox_fill(ctx, ep->name, &models, table) : EMBOLO_ERROR_NOMEM;
        if (!started++)
            report_section_start(ctx, "Cox proportional-hazards models",
                                 table && draw_table_width(ctx->doc, table) > 1.1 * draw_frame_width(0));
        snprintf(caption, sizeof caption, "Cox models, %.200s", report_endpoint_label(ep));
        err = report_table_finish(ctx, table, caption, err);
        if (err == EMBOLO_OK)
            cox_forest(ctx, ep, &models);
    }
    if (!started) {
        report_section_start(ctx, "Cox proportional-hazards models", 0);
        report_note(ctx, "No Cox model was fitted in this run.");
    } else if (err == EMBOLO_OK) {
        cox_notes(ctx, weighted);
    }
    return err;
}
