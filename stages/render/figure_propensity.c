/* The propensity figures: the love plot (max |SMD| before and after weighting) and the distribution of
 * the propensity scores per treatment group. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/keys.h"
#include "figure.h"
#include "format.h"

#define PS_BINS 20
#define PS_MAX_GROUPS 16
#define PS_PANEL_HEIGHT 165.0
#define LOVE_ROW 10.5
#define LOVE_FONT 7.5

/* ---- the love plot ---- */

/* A row of the balance table and love plot: a variable (level NULL: a factor's title row). */
typedef struct ps_item {
    const study_variable *var;
    const char *level;
} ps_item;

static size_t ps_items(const pdf_context *ctx, ps_item *items, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < ctx->s->n_ps_covariates && n < max; k++) {
        const study_variable *v = &ctx->s->variables[ctx->s->ps_covariates[k]];
        int factor = study_variable_is_factor(v);
        items[n++] = (ps_item){v, factor ? NULL : ""};
        for (size_t l = 0; factor && l < v->n_levels && n < max; l++)
            items[n++] = (ps_item){v, v->levels[l]};
    }
    return n;
}

static double ps_smd(const pdf_context *ctx, const ps_item *item, int weighted)
{
    if (!item->level)
        return NAN;
    return build_value(&ctx->build, KEY_BALANCE, "", weighted ? KEY_WEIGHTED : KEY_UNWEIGHTED, item->var->name, item->level,
                        KEY_STAT_MAX_ABS_SMD);
}

static void ps_item_label(const ps_item *item, char *out, size_t size)
{
    if (item->level && item->level[0])
        build_level(out, size, item->level);
    else
        build_copy(out, size, build_variable_label(item->var));
}

static double love_label_width(pdf_context *ctx, const ps_item *items, size_t n)
{
    double widest = 0.0;
    for (size_t k = 0; k < n; k++) {
        char label[160];
        ps_item_label(&items[k], label, sizeof label);
        double w = draw_text_width(ctx->doc, label, items[k].level ? DRAW_REGULAR : DRAW_BOLD, LOVE_FONT);
        w += items[k].level && items[k].level[0] ? 9.0 : 0.0;
        widest = w > widest ? w : widest;
    }
    return widest;
}

static void love_row(pdf_context *ctx, const draw_plot *p, const ps_item *item, double y, double label_x)
{
    char label[160];
    draw_pen before = draw_series_pen(1, 0.9), after = draw_series_pen(0, 0.9);
    ps_item_label(item, label, sizeof label);
    draw_text(ctx->doc, label_x + (item->level && item->level[0] ? 9.0 : 0.0), y - 0.35 * LOVE_FONT, label,
              item->level ? DRAW_REGULAR : DRAW_BOLD, LOVE_FONT, DRAW_LEFT);
    double b = ps_smd(ctx, item, 0), a = ps_smd(ctx, item, 1);
    if (isfinite(b) && isfinite(a))
        draw_segment(ctx->doc, draw_plot_x(p, b), y, draw_plot_x(p, a), y, draw_grey_pen(0.7, 0.6, DRAW_DASH_SOLID));
    if (isfinite(b))
        draw_marker(ctx->doc, draw_plot_x(p, b), y, DRAW_CIRCLE_OPEN, 4.5, before);
    if (isfinite(a))
        draw_marker(ctx->doc, draw_plot_x(p, a), y, DRAW_CIRCLE, 4.5, after);
}

static void love_plot(pdf_context *ctx, const ps_item *items, size_t n)
{
    const char *labels[2] = {"Unweighted", "Weighted (ATE)"};
    draw_pen pens[2] = {draw_series_pen(1, 1.0), draw_series_pen(0, 1.0)};
    double largest = 0.3;
    for (size_t k = 0; k < n; k++) {
        double b = ps_smd(ctx, &items[k], 0), a = ps_smd(ctx, &items[k], 1);
        largest = isfinite(b) && b > largest ? b : largest;
        largest = isfinite(a) && a > largest ? a : largest;
    }
    double axis = 3.0 * LOVE_FONT + 12.0;
    draw_box box = draw_block(ctx->doc, 34.0 + (double)n * LOVE_ROW + axis);
    double label_w = love_label_width(ctx, items, n);
    draw_text(ctx->doc, box.x, box.y + box.h - 10.0, "Love plot: max |SMD| before and after weighting", DRAW_BOLD, 9.0,
              DRAW_LEFT);
    draw_plot p = {.font_size = LOVE_FONT};
    p.area = (draw_box){box.x + label_w + 12.0, box.y + axis, box.w - label_w - 24.0, (double)n * LOVE_ROW};
    p.x = (draw_axis){.min = 0.0, .max = ceil(largest * 10.0 - 1e-9) / 10.0, .step = 0.1, .decimals = 1,
                      .title = "Largest absolute standardized mean difference over pairs of groups"};
    p.y = (draw_axis){.min = 0.0, .max = (double)n};
    const draw_shape shapes[2] = {DRAW_CIRCLE_OPEN, DRAW_CIRCLE};
    pens[0].dash = DRAW_DASH_SOLID;
    draw_legend(ctx->doc, p.area.x, box.y + box.h - 15.0, p.area.w, labels, pens, shapes, 2, LOVE_FONT, 0);
    draw_line(ctx->doc, &p, 0.1, 0.0, 0.1, (double)n, draw_grey_pen(0.5, 0.6, DRAW_DASH_SHORT));
    for (size_t k = 0; k < n; k++)
        love_row(ctx, &p, &items[k], draw_plot_y(&p, (double)(n - k) - 0.5), box.x);
    draw_x_axis(ctx->doc, &p);
    draw_gap(ctx->doc, 8.0);
}

/* ---- propensity score distributions ---- */

/* Share of each received group's patients in each bin of P(treatment = level | X). */
static void ps_histograms(const pdf_context *ctx, size_t level, size_t groups, double share[][PS_BINS])
{
    const dataset *d = ctx->data;
    const double *received = d->value[ctx->s->treatment];
    double total[PS_MAX_GROUPS] = {0};
    memset(share, 0, groups * sizeof share[0]);
    for (size_t i = 0; i < d->n; i++) {
        double p = d->ps[i * d->n_groups + level], g = received[i];
        if (!isfinite(p) || !(g >= 0) || g >= (double)groups)
            continue;
        size_t bin = p >= 1.0 ? PS_BINS - 1 : (size_t)(p * PS_BINS);
        share[(size_t)g][bin] += 1.0;
        total[(size_t)g] += 1.0;
    }
    for (size_t g = 0; g < groups; g++)
        for (size_t b = 0; b < PS_BINS && total[g] > 0; b++)
            share[g][b] /= total[g];
}

static void ps_panel(pdf_context *ctx, const study_variable *t, size_t level, size_t groups, draw_box box)
{
    double share[PS_MAX_GROUPS][PS_BINS], x[PS_BINS + 2], y[PS_BINS + 2], top = 0.0;
    char title[200];
    ps_histograms(ctx, level, groups, share);
    for (size_t g = 0; g < groups; g++)
        for (size_t b = 0; b < PS_BINS; b++)
            top = share[g][b] > top ? share[g][b] : top;
    top = top > 0 ? ceil(top * 20.0 - 1e-9) / 20.0 : 0.1;
    snprintf(title, sizeof title, "P(%.80s = %.80s | covariates)", build_variable_label(t), t->levels[level]);
    draw_text(ctx->doc, box.x, box.y + box.h - 9.0, title, DRAW_BOLD, 8.0, DRAW_LEFT);
    draw_plot p = {.font_size = 7.0};
    p.area = (draw_box){box.x + 38.0, box.y + 30.0, box.w - 48.0, box.h - 48.0};
    p.x = (draw_axis){.min = 0.0, .max = 1.0, .step = 0.2, .decimals = 1, .title = "Propensity score"};
    p.y = (draw_axis){.min = 0.0, .max = top, .step = top <= 0.2 ? 0.05 : 0.1, .decimals = 2,
                      .title = "Share of group"};
    for (size_t g = 0; g < groups; g++) {
        x[0] = x[1] = 0.0;
        y[0] = 0.0;
        for (size_t b = 0; b < PS_BINS; b++) {
            x[b + 1] = (double)b / PS_BINS;
            y[b + 1] = share[g][b];
        }
        x[PS_BINS + 1] = 1.0;
        y[PS_BINS + 1] = 0.0;
        draw_steps(ctx->doc, &p, x, y, PS_BINS + 2, 1.0, draw_series_pen(g, 1.2));
    }
    draw_axes(ctx->doc, &p);
}

static void ps_distributions(pdf_context *ctx, const study_variable *t)
{
    size_t groups = t->n_levels < PS_MAX_GROUPS ? t->n_levels : PS_MAX_GROUPS;
    if (!ctx->data->ps || ctx->data->n_groups < groups)
        return;
    const char *labels[PS_MAX_GROUPS];
    draw_pen pens[PS_MAX_GROUPS];
    for (size_t g = 0; g < groups; g++) {
        labels[g] = t->levels[g];
        pens[g] = draw_series_pen(g, 1.2);
    }
    /* The panels stay together with their title and legend when they fit on one page. */
    size_t rows = (groups + 1) / 2;
    int together = 34.0 + (double)rows * PS_PANEL_HEIGHT <= draw_frame(ctx->doc).h;
    draw_box head = draw_block(ctx->doc, 34.0 + (double)(together ? rows : 1) * PS_PANEL_HEIGHT);
    draw_text(ctx->doc, head.x, head.y + head.h - 10.0, "Propensity score distributions by treatment received",
              DRAW_BOLD, 9.0, DRAW_LEFT);
    draw_legend(ctx->doc, head.x, head.y + head.h - 15.0, head.w, labels, pens, NULL, groups, 7.5, 0);
    double w = (head.w - 14.0) / 2.0;
    draw_box row = {head.x, head.y + head.h - 34.0 - PS_PANEL_HEIGHT, head.w, PS_PANEL_HEIGHT};
    for (size_t level = 0; level < groups; level++) {
        if (level > 0 && level % 2 == 0)
            row = together ? (draw_box){row.x, row.y - PS_PANEL_HEIGHT, row.w, row.h}
                           : draw_block(ctx->doc, PS_PANEL_HEIGHT);
        ps_panel(ctx, t, level, groups, (draw_box){row.x + (double)(level % 2) * (w + 14.0), row.y, w, row.h});
    }
    figure_note(ctx, "Each panel shows one fitted probability among the patients of each treatment received "
                     "(share of the group per bin of 0.05); overlapping distributions support the weighting.");
}

void figure_love(pdf_context *ctx)
{
    ps_item items[256];
    size_t n = ps_items(ctx, items, 256);
    if (n > 0)
        love_plot(ctx, items, n);
}

void figure_propensity(pdf_context *ctx)
{
    if (ctx->s->treatment >= 0)
        ps_distributions(ctx, &ctx->s->variables[ctx->s->treatment]);
}
