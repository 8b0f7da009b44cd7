/* The builders of the propensity figures: the love plot (max |SMD| of each covariate before and after
 * weighting) and the distributions of the propensity scores by treatment received, with common bins:
 * mirrored histograms for two groups (the second drawn downwards), semi-transparent filled ones laid
 * over each other for more, so that overlap can be judged. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/keys.h"
#include "figure.h"

#define PS_BINS 20
#define PS_MAX_GROUPS 16
#define LOVE_MAX_ROWS 256

/* ---- the love plot ---- */

/* A row of the love plot: a variable (level NULL: a factor's title row, "": a numeric variable). */
typedef struct love_item {
    const study_variable *var;
    const char *level;
} love_item;

static size_t love_items(const build_context *b, love_item *items, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < b->s->n_ps_covariates && n < max; k++) {
        const study_variable *v = &b->s->variables[b->s->ps_covariates[k]];
        int factor = study_variable_is_factor(v);
        items[n++] = (love_item){v, factor ? NULL : ""};
        for (size_t l = 0; factor && l < v->n_levels && n < max; l++)
            items[n++] = (love_item){v, v->levels[l]};
    }
    return n;
}

static double love_smd(const build_context *b, const love_item *item, int weighted)
{
    if (!item->level)
        return NAN;
    return build_value(b, KEY_BALANCE, "", weighted ? KEY_WEIGHTED : KEY_UNWEIGHTED, item->var->name, item->level,
                       KEY_STAT_MAX_ABS_SMD);
}

static const char *love_label(figure *f, const love_item *item)
{
    char label[160];
    if (item->level && item->level[0])
        build_level(label, sizeof label, item->level);
    else
        build_copy(label, sizeof label, build_variable_label(item->var));
    return figure_text(f, "%s", label);
}

/* The points of one series (before or after weighting) and the grey joins between them. */
static void love_series(figure *f, const build_context *b, const love_item *items, size_t n, figure_series *out)
{
    double *y = figure_alloc(f, n, sizeof *y), *before = figure_alloc(f, n, sizeof *before);
    double *after = figure_alloc(f, n, sizeof *after), *lo = figure_alloc(f, n, sizeof *lo);
    double *hi = figure_alloc(f, n, sizeof *hi);
    if (!y || !before || !after || !lo || !hi)
        return;
    for (size_t k = 0; k < n; k++) {
        y[k] = (double)(n - k) - 0.5;
        before[k] = love_smd(b, &items[k], 0);
        after[k] = love_smd(b, &items[k], 1);
        lo[k] = isfinite(before[k]) && isfinite(after[k]) ? fmin(before[k], after[k]) : NAN;
        hi[k] = isfinite(before[k]) && isfinite(after[k]) ? fmax(before[k], after[k]) : NAN;
    }
    draw_pen unweighted = draw_series_pen(1, 0.9), weighted = draw_series_pen(0, 0.9);
    unweighted.dash = weighted.dash = DRAW_DASH_SOLID;
    out[0] = (figure_series){.kind = SERIES_INTERVALS, .pen = draw_grey_pen(0.7, 0.6, DRAW_DASH_SOLID), .n = n,
                             .x = lo, .y = y, .lower = lo, .upper = hi, .marker = 0};
    out[1] = (figure_series){.kind = SERIES_POINTS, .label = "Unweighted", .pen = unweighted, .n = n, .x = before,
                             .y = y, .shape = DRAW_CIRCLE_OPEN, .marker = 0.6};
    out[2] = (figure_series){.kind = SERIES_POINTS, .label = "Weighted (ATE)", .pen = weighted, .n = n, .x = after,
                             .y = y, .shape = DRAW_CIRCLE, .marker = 0.6};
}

static double love_largest(const figure_series *s)
{
    double largest = 0.3;
    for (size_t k = 0; k < s[1].n; k++) {
        largest = isfinite(s[1].x[k]) ? fmax(largest, s[1].x[k]) : largest;
        largest = isfinite(s[2].x[k]) ? fmax(largest, s[2].x[k]) : largest;
    }
    return largest;
}

void figure_build_love(const build_context *b, figure_list *out)
{
    love_item items[LOVE_MAX_ROWS];
    size_t n = love_items(b, items, LOVE_MAX_ROWS);
    if (n == 0)
        return;
    figure *f = figure_new(b->t, FIGURE_KIND_LOVE);
    figure_panel *p = f ? figure_alloc(f, 1, sizeof *p) : NULL;
    figure_row *rows = p ? figure_alloc(f, n, sizeof *rows) : NULL;
    figure_series *series = rows ? figure_alloc(f, 3, sizeof *series) : NULL;
    figure_line *line = series ? figure_alloc(f, 1, sizeof *line) : NULL;
    draw_legend_item *legend = line ? figure_alloc(f, 2, sizeof *legend) : NULL;
    if (legend) {
        for (size_t k = 0; k < n; k++)
            rows[k] = (figure_row){.label = love_label(f, &items[k]), .bold = !items[k].level,
                                   .indent = items[k].level && items[k].level[0]};
        love_series(f, b, items, n, series);
    }
    if (legend && series[2].x) {
        double top = ceil(love_largest(series) * 10.0 - 1e-9) / 10.0;
        *line = (figure_line){.vertical = 1, .at = 0.1, .from = NAN, .to = NAN,
                              .pen = draw_grey_pen(0.5, 0.6, DRAW_DASH_SHORT)};
        *p = (figure_panel){.x = {.min = 0.0, .max = top, .step = 0.1, .decimals = 1,
                                  .title = "Largest absolute standardized mean difference over pairs of groups"},
                            .series = series, .n_series = 3, .lines = line, .n_lines = 1, .rows = rows, .n_rows = n};
        for (size_t s = 0; s < 2; s++)
            legend[s] = (draw_legend_item){.label = series[s + 1].label, .pen = series[s + 1].pen, .has_shape = 1,
                                           .shape = series[s + 1].shape};
        f->title = "Love plot: max |SMD| before and after weighting";
        f->what = "love";
        f->panels = p;
        f->n_panels = 1;
        f->legend = legend;
        f->n_legend = 2;
        f->legend_place = f->legend_place == FIGURE_LEGEND_INSIDE ? FIGURE_LEGEND_TOP : f->legend_place;
        figure_default_size(b->t, FIGURE_KIND_LOVE, n, &f->width_mm, &f->height_mm);
    }
    figure_list_add(out, f);
}

/* ---- propensity score distributions ---- */

/* Share of each received group's patients in each of the common bins of P(treatment = level | X). */
static void ps_histograms(const build_context *b, size_t level, size_t groups, double share[][PS_BINS])
{
    const dataset *d = b->data;
    double total[PS_MAX_GROUPS] = {0};
    memset(share, 0, groups * sizeof share[0]);
    for (size_t i = 0; i < d->n; i++) {
        double p = d->ps[i * d->n_groups + level], g = dataset_value(d, b->s->treatment, i);
        if (!isfinite(p) || !(g >= 0) || g >= (double)groups)
            continue;
        size_t bin = p >= 1.0 ? PS_BINS - 1 : p <= 0.0 ? 0 : (size_t)(p * PS_BINS);
        share[(size_t)g][bin] += 1.0;
        total[(size_t)g] += 1.0;
    }
    for (size_t g = 0; g < groups; g++)
        for (size_t k = 0; k < PS_BINS && total[g] > 0; k++)
            share[g][k] /= total[g];
}

/* One group's histogram: the bins' shares as filled bars and their outline as a step curve in the
 * group's pen (its dash pattern tells the groups apart where the fills overlap), downwards for the
 * second of two (mirrored). */
static void ps_bars(figure *f, const double *share, size_t g, int mirrored, figure_series *bars,
                    figure_series *outline)
{
    double *left = figure_alloc(f, PS_BINS, sizeof *left), *right = figure_alloc(f, PS_BINS, sizeof *right);
    double *top = figure_alloc(f, PS_BINS, sizeof *top), *base = figure_alloc(f, PS_BINS, sizeof *base);
    double *x = figure_alloc(f, PS_BINS + 2, sizeof *x), *y = figure_alloc(f, PS_BINS + 2, sizeof *y);
    if (!left || !right || !top || !base || !x || !y)
        return;
    double sign = mirrored && g == 1 ? -1.0 : 1.0;
    for (size_t k = 0; k < PS_BINS; k++) {
        left[k] = x[k + 1] = (double)k / PS_BINS;
        right[k] = (double)(k + 1) / PS_BINS;
        top[k] = y[k + 1] = sign * share[k];
    }
    x[PS_BINS + 1] = 1.0;
    draw_pen pen = draw_series_pen(g, 1.1);
    *outline = (figure_series){.kind = SERIES_STEPS, .pen = pen, .n = PS_BINS + 2, .x = x, .y = y, .x_end = 1.0};
    pen.dash = DRAW_DASH_SOLID;
    *bars = (figure_series){.kind = SERIES_BARS, .pen = pen, .alpha = mirrored ? 0.45 : 0.22, .n = PS_BINS,
                            .x = left, .y = top, .lower = base, .upper = right, .unframed = 1};
}

static void ps_panel(figure *f, const build_context *b, const study_variable *t, size_t level, size_t groups,
                     figure_panel *p)
{
    double share[PS_MAX_GROUPS][PS_BINS], top = 0.0;
    int mirrored = groups == 2;
    figure_series *series = figure_alloc(f, 2 * groups, sizeof *series);
    figure_line *zero = figure_alloc(f, 1, sizeof *zero);
    if (!series || !zero)
        return;
    ps_histograms(b, level, groups, share);
    for (size_t g = 0; g < groups; g++) {
        for (size_t k = 0; k < PS_BINS; k++)
            top = fmax(top, share[g][k]);
        ps_bars(f, share[g], g, mirrored, &series[g], &series[groups + g]);
    }
    top = top > 0 ? ceil(top * 20.0 - 1e-9) / 20.0 : 0.1;
    *zero = (figure_line){.at = 0.0, .from = NAN, .to = NAN, .pen = draw_grey_pen(0.3, 0.5, DRAW_DASH_SOLID)};
    *p = (figure_panel){.title = figure_text(f, "P(%s = %s | covariates)", build_variable_label(t), t->levels[level]),
                        .x = {.min = 0.0, .max = 1.0, .step = 0.2, .decimals = 1, .title = "Propensity score"},
                        .y = {.min = mirrored ? -top : 0.0, .max = top, .step = top <= 0.2 ? 0.05 : 0.1,
                              .decimals = 2, .title = "Share of group"},
                        .series = series, .n_series = 2 * groups, .lines = zero, .n_lines = mirrored, .mirrored = mirrored};
}

void figure_build_propensity(const build_context *b, figure_list *out)
{
    if (b->s->treatment < 0)
        return;
    const study_variable *t = &b->s->variables[b->s->treatment];
    size_t groups = t->n_levels < PS_MAX_GROUPS ? t->n_levels : PS_MAX_GROUPS;
    if (!b->data->ps || b->data->n_groups < groups || groups < 2)
        return;
    /* Two groups: P(second level) says all; more: one panel per level. */
    size_t first = groups == 2 ? 1 : 0, n_panels = groups == 2 ? 1 : groups;
    figure *f = figure_new(b->t, FIGURE_KIND_PROPENSITY);
    figure_panel *panels = f ? figure_alloc(f, n_panels, sizeof *panels) : NULL;
    draw_legend_item *legend = panels ? figure_alloc(f, groups, sizeof *legend) : NULL;
    if (legend) {
        for (size_t k = 0; k < n_panels; k++)
            ps_panel(f, b, t, first + k, groups, &panels[k]);
        for (size_t g = 0; g < groups; g++) {
            char name[160];
            build_level(name, sizeof name, t->levels[g]);
            legend[g] = (draw_legend_item){.label = figure_text(f, "%s", name), .pen = draw_series_pen(g, 1.1),
                                           .filled = 1, .alpha = groups == 2 ? 0.45 : 0.22};
        }
        f->title = "Propensity score distributions by treatment received";
        f->what = "propensity";
        f->panels = panels;
        f->n_panels = n_panels;
        f->columns = n_panels > 1 ? 2 : 1;
        f->legend = legend;
        f->n_legend = groups;
        f->legend_place = f->legend_place == FIGURE_LEGEND_INSIDE ? FIGURE_LEGEND_TOP : f->legend_place;
        f->note = groups == 2 ? "The fitted probability among the patients of each treatment received (share of the "
                                "group per bin of 0.05; the second group downwards); overlapping distributions support "
                                "the weighting."
                              : "Each panel shows one fitted probability among the patients of each treatment received "
                                "(share of the group per bin of 0.05, the groups' bars laid over each other); "
                                "overlapping distributions support the weighting.";
        figure_default_size(b->t, FIGURE_KIND_PROPENSITY, n_panels, &f->width_mm, &f->height_mm);
    }
    figure_list_add(out, f);
}
