/* The builders of the forest plots: an endpoint's multivariable hazard ratios (unadjusted and
 * propensity-weighted), and the subgroup forest — the treatment's hazard ratio within each level of
 * each [analysis] forest variable (subgroup:VAR=LEVEL and weighted_subgroup:VAR=LEVEL), with the
 * whole cohort's above and the interaction p per variable. Intervals on a log axis, each row's label
 * on the left and, on the right, columns of text (HR (95% CI) as the Cox table shows it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "figure.h"
#include "format.h"

#define FOREST_MAX_ROWS 256
#define FOREST_MAX_COLUMNS 5

/* The rows of a forest plot as they are collected. */
typedef struct forest_table {
    figure_row rows[FOREST_MAX_ROWS];
    size_t n_rows;
    double hr[2][FOREST_MAX_ROWS], lower[2][FOREST_MAX_ROWS], upper[2][FOREST_MAX_ROWS];  /* NAN: none */
    const char *cells[FOREST_MAX_COLUMNS][FOREST_MAX_ROWS];
    const char *headings[FOREST_MAX_COLUMNS][2];
    size_t n_columns;
    const char *series[2];      /* the series' legend labels */
    size_t n_series;
} forest_table;

static size_t forest_row(forest_table *t, const char *label, int bold, int indent)
{
    if (t->n_rows == FOREST_MAX_ROWS)
        return FOREST_MAX_ROWS;
    size_t r = t->n_rows++;
    t->rows[r] = (figure_row){.label = label, .bold = bold, .indent = indent};
    for (size_t s = 0; s < 2; s++)
        t->hr[s][r] = t->lower[s][r] = t->upper[s][r] = NAN;
    return r;
}

static void forest_cell(forest_table *t, size_t column, size_t r, const char *text)
{
    if (r < FOREST_MAX_ROWS && column < FOREST_MAX_COLUMNS)
        t->cells[column][r] = text;
}

/* "1.41 (0.91–2.18)" as the Cox table shows it; NULL when the HR is missing. */
static const char *hr_text(figure *f, const build_context *b, double hr, double lower, double upper)
{
    char text[96];
    table_cell cell = {.format = CELL_ESTIMATE_CI, .decimals = (unsigned char)b->t->hr_decimals,
                       .value = {hr, lower, upper}};
    if (!isfinite(hr))
        return NULL;
    table_cell_text(&cell, text, sizeof text);
    return figure_text(f, "%s", text);
}

/* One series' HR and interval on row r from the cox lines of model, and its text in column. */
static void forest_estimate(figure *f, const build_context *b, forest_table *t, size_t series, size_t r,
                            const char *endpoint, const char *model, const char *variable, const char *level,
                            size_t column)
{
    if (r >= FOREST_MAX_ROWS)
        return;
    double hr = build_value(b, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR);
    double lo = build_value(b, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR_LOWER);
    double hi = build_value(b, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR_UPPER);
    t->hr[series][r] = hr;
    t->lower[series][r] = lo;
    t->upper[series][r] = hi;
    const char *text = hr_text(f, b, hr, lo, hi);
    if (build_share_suppressed(b->r, b->t, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR))
        text = "\xe2\x80\x94";  /* a level with fewer than min_count patients or events, as the tables */
    forest_cell(t, column, r, text ? text : "NA");
}

/* The log axis: nice limits around the intervals and 1. */
static void forest_axis(const forest_table *t, figure_axis *x)
{
    static const double nice[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};
    enum { N_NICE = sizeof nice / sizeof nice[0] };
    double lo = 1.0, hi = 1.0;
    for (size_t s = 0; s < t->n_series; s++)
        for (size_t r = 0; r < t->n_rows; r++) {
            if (isfinite(t->lower[s][r]) && t->lower[s][r] > 0)
                lo = fmin(lo, t->lower[s][r]);
            if (isfinite(t->upper[s][r]))
                hi = fmax(hi, t->upper[s][r]);
        }
    x->min = nice[0];
    x->max = nice[N_NICE - 1];
    for (size_t k = 0; k < N_NICE; k++) {
        x->min = nice[k] <= lo ? nice[k] : x->min;
        if (nice[N_NICE - 1 - k] >= hi)
            x->max = nice[N_NICE - 1 - k];
    }
    x->ticks = nice;
    x->n_ticks = N_NICE;
    x->log = 1;
    x->decimals = -1;
    x->title = "Hazard ratio (log scale)";
}

/* The intervals of series s: a marker and its interval on each row that has them, the two series a
 * little above and below the row's middle. */
static void forest_series(figure *f, const forest_table *t, size_t s, figure_series *out)
{
    double *x = figure_alloc(f, t->n_rows, sizeof *x), *y = figure_alloc(f, t->n_rows, sizeof *y);
    double *lo = figure_alloc(f, t->n_rows, sizeof *lo), *hi = figure_alloc(f, t->n_rows, sizeof *hi);
    size_t n = 0;
    if (!x || !y || !lo || !hi)
        return;
    double offset = t->n_series > 1 ? (s ? -0.18 : 0.18) : 0.0;
    for (size_t r = 0; r < t->n_rows; r++) {
        if (!isfinite(t->hr[s][r]))
            continue;
        x[n] = t->hr[s][r];
        lo[n] = t->lower[s][r];
        hi[n] = t->upper[s][r];
        y[n++] = (double)(t->n_rows - r) - 0.5 + offset;
    }
    draw_pen pen = draw_series_pen(s, 1.0);
    pen.dash = DRAW_DASH_SOLID;
    *out = (figure_series){.kind = SERIES_INTERVALS, .label = t->series[s], .pen = pen, .n = n, .x = x, .y = y,
                           .lower = lo, .upper = hi, .shape = s ? DRAW_DIAMOND : DRAW_SQUARE, .marker = 0.6};
}

/* The figure of a collected forest: rows, intervals, text columns, the line at HR = 1, the legend. */
static void forest_finish(figure *f, const forest_table *t)
{
    figure_panel *p = figure_alloc(f, 1, sizeof *p);
    figure_row *rows = figure_alloc(f, t->n_rows, sizeof *rows);
    figure_series *series = figure_alloc(f, t->n_series, sizeof *series);
    figure_column *columns = figure_alloc(f, t->n_columns, sizeof *columns);
    figure_line *one = figure_alloc(f, 1, sizeof *one);
    draw_legend_item *legend = figure_alloc(f, t->n_series, sizeof *legend);
    if (!p || !rows || !series || !columns || !one || !legend)
        return;
    memcpy(rows, t->rows, t->n_rows * sizeof *rows);
    for (size_t s = 0; s < t->n_series; s++) {
        forest_series(f, t, s, &series[s]);
        legend[s] = (draw_legend_item){.label = t->series[s], .pen = series[s].pen, .has_shape = 1,
                                       .shape = series[s].shape};
    }
    for (size_t c = 0; c < t->n_columns; c++) {
        const char **cells = figure_alloc(f, t->n_rows, sizeof *cells);
        if (!cells)
            return;
        memcpy(cells, t->cells[c], t->n_rows * sizeof *cells);
        columns[c] = (figure_column){.heading = {t->headings[c][0], t->headings[c][1]}, .cells = cells};
    }
    figure_axis x = {0};
    forest_axis(t, &x);
    *one = (figure_line){.vertical = 1, .at = 1.0, .from = NAN, .to = NAN, .pen = draw_grey_pen(0.5, 0.6, DRAW_DASH_SHORT)};
    *p = (figure_panel){.x = x, .series = series, .n_series = t->n_series, .lines = one, .n_lines = 1,
                        .rows = rows, .n_rows = t->n_rows, .columns = columns, .n_columns = t->n_columns};
    f->panels = p;
    f->n_panels = 1;
    f->legend = legend;
    f->n_legend = t->n_series;
}

static figure *forest_figure_new(const build_context *b, figure_kind kind, forest_table *t)
{
    figure *f = figure_new(b->t, kind);
    if (f)
        figure_default_size(b->t, kind, t->n_rows, &f->width_mm, &f->height_mm);
    if (f && f->legend_place == FIGURE_LEGEND_INSIDE)
        f->legend_place = FIGURE_LEGEND_TOP;  /* rows of labels leave no room inside */
    return f;
}

/* ---- the multivariable forest plot of an endpoint ---- */

/* A variable's rows: its title, and a row per level of a factor. */
static void multivariable_rows(figure *f, const build_context *b, forest_table *t, const char *endpoint,
                               const build_cox_model *const *models, const study_variable *v)
{
    int factor = study_variable_is_factor(v);
    size_t title = forest_row(t, build_variable_label(v), 1, 0);
    for (size_t s = 0; !factor && s < t->n_series; s++)
        forest_estimate(f, b, t, s, title, endpoint, models[s]->model, v->name, "", s);
    for (size_t l = 0; factor && l < v->n_levels; l++) {
        char label[160];
        build_level(label, sizeof label, v->levels[l]);
        size_t r = forest_row(t, figure_text(f, "%s", label), 0, 1);
        for (size_t s = 0; s < t->n_series && r < FOREST_MAX_ROWS; s++) {
            if (l == build_cox_reference(b, endpoint, models[s]->model, v))
                forest_cell(t, s, r, "reference");
            else
                forest_estimate(f, b, t, s, r, endpoint, models[s]->model, v->name, v->levels[l], s);
        }
    }
}

void figure_build_forest(const build_context *b, size_t endpoint, figure_list *out)
{
    const build_cox_model *all[BUILD_COX_MODELS], *models[2];
    const study_endpoint *ep = &b->s->endpoints[endpoint];
    size_t n = build_cox_models_of(b, ep->name, all), n_series = 0;
    for (size_t m = 0; m < n && n_series < 2; m++)
        if (all[m]->model && strstr(all[m]->model, KEY_MULTIVARIABLE))
            models[n_series++] = all[m];
    if (n_series == 0 || b->s->n_multivariable == 0)
        return;
    forest_table *t = calloc(1, sizeof *t);
    figure *f = t ? forest_figure_new(b, FIGURE_KIND_FOREST, t) : NULL;
    if (f) {
        t->n_series = t->n_columns = n_series;
        for (size_t s = 0; s < n_series; s++) {
            t->series[s] = models[s]->title;
            t->headings[s][0] = models[s]->title;
            t->headings[s][1] = "HR (95% CI)";
        }
        for (size_t k = 0; k < b->s->n_multivariable; k++)
            multivariable_rows(f, b, t, ep->name, models, &b->s->variables[b->s->multivariable[k]]);
        f->title = figure_text(f, "Hazard ratios, %s (%s)", build_endpoint_label(ep),
                               n_series > 1 ? "multivariable, unadjusted and propensity-weighted" : "multivariable");
        f->endpoint = ep->name;
        f->what = "forest";
        figure_default_size(b->t, FIGURE_KIND_FOREST, t->n_rows, &f->width_mm, &f->height_mm);
        forest_finish(f, t);
    }
    figure_list_add(out, f);
    free(t);
}

/* ---- the subgroup forest ---- */

enum { SUB_COUNTS, SUB_UNWEIGHTED, SUB_WEIGHTED, SUB_COLUMNS };

typedef struct subgroup_context {
    const build_context *b;
    figure *f;
    forest_table *t;
    const char *endpoint;
    const study_variable *treatment;
    size_t reference;           /* the treatment's reference level */
    int weighted;               /* weighted_subgroup lines exist */
    size_t not_estimated;       /* comparisons of a level without hazard ratios */
} subgroup_context;

#define SUBGROUP_NOT_ESTIMATED "not estimated"

/* A comparison's cell without a hazard ratio (a level with counts but no model) says so in words. */
static void subgroup_mark_missing(subgroup_context *c, size_t column, size_t r)
{
    const char *text = c->t->cells[column][r];
    if (text && !strcmp(text, "NA")) {
        c->t->cells[column][r] = SUBGROUP_NOT_ESTIMATED;
        c->not_estimated++;
    }
}

/* The comparisons of a level (the treatment's non-reference levels): on the level's row itself for a
 * treatment of two levels, else a row each below it. Hidden counts (share) suppress the estimates. */
static void subgroup_comparisons(subgroup_context *c, size_t row, const char *unweighted, const char *weighted,
                                 int hidden, int indent)
{
    const study_variable *tr = c->treatment;
    int own_rows = tr->n_levels > 2;
    for (size_t l = 0; l < tr->n_levels; l++) {
        if (l == c->reference)
            continue;
        size_t r = row;
        if (own_rows) {
            char a[160], ref[160];
            build_level(a, sizeof a, tr->levels[l]);
            build_level(ref, sizeof ref, tr->levels[c->reference]);
            r = forest_row(c->t, figure_text(c->f, "%s vs %s", a, ref), 0, indent + 1);
        }
        if (r >= FOREST_MAX_ROWS)
            return;
        if (hidden) {
            forest_cell(c->t, SUB_UNWEIGHTED, r, "\xe2\x80\x94");  /* suppressed with its count, as the tables do */
            forest_cell(c->t, SUB_WEIGHTED, r, c->weighted ? "\xe2\x80\x94" : NULL);
            continue;
        }
        forest_estimate(c->f, c->b, c->t, 0, r, c->endpoint, unweighted, tr->name, tr->levels[l], SUB_UNWEIGHTED);
        subgroup_mark_missing(c, SUB_UNWEIGHTED, r);
        if (c->weighted) {
            forest_estimate(c->f, c->b, c->t, 1, r, c->endpoint, weighted, tr->name, tr->levels[l], SUB_WEIGHTED);
            subgroup_mark_missing(c, SUB_WEIGHTED, r);
        }
    }
}

/* "n / events" of a model; whether either count is hidden (share). */
static int subgroup_counts(subgroup_context *c, size_t r, const char *model)
{
    double n = build_value(c->b, KEY_COX, c->endpoint, model, "", "", KEY_STAT_N);
    double events = build_value(c->b, KEY_COX, c->endpoint, model, "", "", KEY_STAT_EVENTS);
    if (isfinite(n))
        forest_cell(c->t, SUB_COUNTS, r, figure_text(c->f, "%s / %s", figure_count(c->f, c->b, n),
                                                     figure_count(c->f, c->b, events)));
    return build_hidden(c->b, n) || build_hidden(c->b, events);
}

static void subgroup_variable(subgroup_context *c, const study_variable *v)
{
    char model[KEY_SIZE], weighted[KEY_SIZE];
    double p = build_value(c->b, KEY_INTERACTION, c->endpoint, "", v->name, "", KEY_STAT_LR_P);
    const char *interaction = isfinite(p) ? figure_p(c->f, c->b, "interaction", p) : NULL;
    forest_row(c->t, interaction ? figure_text(c->f, "%s (%s)", build_variable_label(v), interaction)
                                 : build_variable_label(v), 1, 0);
    for (size_t l = 0; l < v->n_levels; l++) {
        key_model_within(model, KEY_SUBGROUP, v->name, v->levels[l]);
        key_model_within(weighted, KEY_WEIGHTED_SUBGROUP, v->name, v->levels[l]);
        if (!isfinite(build_value(c->b, KEY_COX, c->endpoint, model, "", "", KEY_STAT_N)))
            continue;
        char label[160];
        build_level(label, sizeof label, v->levels[l]);
        size_t r = forest_row(c->t, figure_text(c->f, "%s", label), 0, 1);
        if (r >= FOREST_MAX_ROWS)
            return;
        int hidden = subgroup_counts(c, r, model);
        subgroup_comparisons(c, r, model, weighted, hidden, 1);
    }
}

static void subgroup_columns(subgroup_context *c)
{
    forest_table *t = c->t;
    t->n_series = c->weighted ? 2 : 1;
    t->series[0] = "Unadjusted";
    t->series[1] = "Propensity-weighted";
    t->n_columns = SUB_COLUMNS;
    t->headings[SUB_COUNTS][0] = "n / events";
    t->headings[SUB_UNWEIGHTED][0] = "Unadjusted";
    t->headings[SUB_UNWEIGHTED][1] = "HR (95% CI)";
    t->headings[SUB_WEIGHTED][0] = c->weighted ? "Weighted" : NULL;
    t->headings[SUB_WEIGHTED][1] = c->weighted ? "HR (95% CI)" : NULL;
}

/* Whether the endpoint has a subgroup model of any forest variable. */
static int has_subgroups(const build_context *b, const char *endpoint, const char *prefix)
{
    char model[KEY_SIZE];
    for (size_t k = 0; k < b->s->n_forest; k++) {
        const study_variable *v = &b->s->variables[b->s->forest[k]];
        for (size_t l = 0; l < v->n_levels; l++)
            if (isfinite(build_value(b, KEY_COX, endpoint, key_model_within(model, prefix, v->name, v->levels[l]), "",
                                     "", KEY_STAT_N)))
                return 1;
    }
    return 0;
}

static void subgroup_figure(const build_context *b, const study_endpoint *ep, figure_list *out)
{
    char univariate[KEY_SIZE];
    const study_variable *tr = &b->s->variables[b->s->treatment];
    forest_table *t = calloc(1, sizeof *t);
    figure *f = t ? forest_figure_new(b, FIGURE_KIND_SUBGROUP_FOREST, t) : NULL;
    subgroup_context c = {.b = b, .f = f, .t = t, .endpoint = ep->name, .treatment = tr,
                          .weighted = has_subgroups(b, ep->name, KEY_WEIGHTED_SUBGROUP)};
    if (f) {
        key_univariate(univariate, tr->name);
        c.reference = build_cox_reference(b, ep->name, univariate, tr);
        subgroup_columns(&c);
        size_t all = forest_row(t, "All patients", 1, 0);
        int hidden = subgroup_counts(&c, all, univariate);
        subgroup_comparisons(&c, all, univariate, KEY_WEIGHTED_UNIVARIATE, hidden, 0);
        for (size_t k = 0; k < b->s->n_forest; k++)
            subgroup_variable(&c, &b->s->variables[b->s->forest[k]]);
        char label[160], ref[160];
        build_lower_first(label, sizeof label, build_variable_label(tr));
        build_level(ref, sizeof ref, tr->levels[c.reference]);
        f->title = figure_text(f, "%s: hazard ratio of %s by subgroup (reference %s)", build_endpoint_label(ep), label,
                               ref);
        f->note = figure_text(f, "Cox models of the treatment alone within each level; interaction p: likelihood-ratio "
                                 "test of treatment \xc3\x97 variable against treatment + variable.%s%s%s",
                              c.not_estimated ? " Not estimated: the level has no event, lacks " : "",
                              c.not_estimated ? ref : "",
                              c.not_estimated ? ", holds one treatment group or a treatment group without an event."
                                              : "");
        f->endpoint = ep->name;
        f->what = "subgroup-forest";
        figure_default_size(b->t, FIGURE_KIND_SUBGROUP_FOREST, t->n_rows + 2, &f->width_mm, &f->height_mm);
        forest_finish(f, t);
    }
    figure_list_add(out, f);
    free(t);
}

void figure_build_subgroup_forest(const build_context *b, figure_list *out)
{
    if (b->s->treatment < 0 || b->s->n_forest == 0)
        return;
    for (size_t e = 0; e < b->s->n_endpoints; e++)
        if (has_subgroups(b, b->s->endpoints[e].name, KEY_SUBGROUP))
            subgroup_figure(b, &b->s->endpoints[e], out);
}
