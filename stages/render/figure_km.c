/* The Kaplan-Meier figures: one per endpoint and subgroup variable (and the whole cohort, and
 * the propensity-weighted curves by treatment), several per page as the template says. Step curves in
 * Okabe-Ito colours that also differ by dash pattern, censor ticks, optional CI bands, median lines,
 * the log-rank p where it covers no curve, and a number-at-risk table whose columns sit under the x
 * axis ticks (exact counts at the ticks; unweighted for weighted curves). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/keys.h"
#include "figure.h"
#include "format.h"

#define KM_MAX_CURVES 12
#define KM_MAX_TICKS 64

typedef struct km_figure {
    const study_endpoint *ep;
    const char *model;             /* unweighted / weighted */
    const study_variable *var;     /* NULL: the whole cohort */
    const plot_curve *curves[KM_MAX_CURVES];
    const char *levels[KM_MAX_CURVES];
    char names[KM_MAX_CURVES][64];      /* risk table labels */
    char labels[KM_MAX_CURVES][160];    /* legend labels */
    draw_pen pens[KM_MAX_CURVES];
    size_t shown[KM_MAX_CURVES];        /* points drawn: all, or (share) while at least min_count are at risk */
    double end[KM_MAX_CURVES];          /* where each curve ends */
    size_t n, hidden, omitted;   /* curves drawn, hidden (share), beyond KM_MAX_CURVES */
    double p;                      /* log-rank p; NAN: none */
    char title[400];
} km_figure;

/* Sizes of the parts of a figure in its slot. */
typedef struct km_layout {
    double size, title_h, legend_h, risk_h, axis_h, left;
    draw_plot plot;
    double ticks[KM_MAX_TICKS];
    size_t n_ticks;
    int p_in_title;
    int risk_table;
    double p_x, p_y;
} km_layout;

/* ---- collecting a figure's curves ---- */

static const char *km_variable_name(const km_figure *f)
{
    return f->var ? f->var->name : KEY_ALL;
}

/* The points of a curve to draw: with the share template the curve ends at the last step taken while
 * at least min_count patients were at risk, so no step shows one to four patients. */
static void km_shown_points(const pdf_context *ctx, const plot_curve *c, size_t *shown, double *end)
{
    *shown = c->n_points;
    *end = c->time[c->n_points - 1];
    for (size_t k = 1; ctx->t->share && k < c->n_points; k++)
        if (c->n_risk[k] < (size_t)ctx->t->min_count) {
            *shown = k;
            *end = c->time[k - 1];
            return;
        }
}

static void km_add_curve(const pdf_context *ctx, km_figure *f, const char *level)
{
    const plot_curve *c = curve_set_find(ctx->r->curves, f->ep->name, f->model, km_variable_name(f), level);
    if (!c)
        return;
    if (f->n == KM_MAX_CURVES) {
        f->omitted++;
        return;
    }
    if (build_hidden(&ctx->build, (double)c->n) || build_hidden(&ctx->build, (double)c->events)) {
        f->hidden++;
        return;
    }
    char n[32], median[32], name[64];
    size_t k = f->n++;
    f->curves[k] = c;
    f->levels[k] = level;
    km_shown_points(ctx, c, &f->shown[k], &f->end[k]);
    f->pens[k] = draw_series_pen(k, 1.3);
    if (f->var)
        build_level(name, sizeof name, level);
    else
        build_copy(name, sizeof name, "All patients");
    build_copy(f->names[k], sizeof f->names[k], name);
    figure_count(ctx, n, sizeof n, (double)c->n);
    double m = build_value(&ctx->build, KEY_KM, f->ep->name, f->model, km_variable_name(f), level, KEY_STAT_MEDIAN);
    figure_number(ctx, median, sizeof median, m);
    snprintf(f->labels[k], sizeof f->labels[k], "%.60s (n = %.20s; median %.30s)", name, n,
             isfinite(m) ? median : "not reached");
}

static void km_title(pdf_context *ctx, km_figure *f)
{
    char what[200] = "", label[160];
    if (f->var) {
        build_lower_first(label, sizeof label, build_variable_label(f->var));
        snprintf(what, sizeof what, " by %.150s", label);
    }
    else
        build_copy(what, sizeof what, ", all patients");
    snprintf(f->title, sizeof f->title, "Figure %zu. %.150s%s%s", ++ctx->figure_number, build_endpoint_label(f->ep),
             what, strcmp(f->model, KEY_WEIGHTED) == 0 ? ", propensity-weighted (ATE)" : "");
    size_t length = strlen(f->title);
    if (f->hidden)
        snprintf(f->title + length, sizeof f->title - length, " \xe2\x80\x94 %zu group%s with fewer than %d patients "
                 "or events not shown", f->hidden, f->hidden == 1 ? "" : "s", ctx->t->min_count);
    else if (f->omitted)
        snprintf(f->title + length, sizeof f->title - length, " \xe2\x80\x94 the first %d groups of %zu", KM_MAX_CURVES,
                 KM_MAX_CURVES + f->omitted);
}

static void km_collect(const pdf_context *ctx, km_figure *f, const study_endpoint *ep, const char *model,
                       const study_variable *var)
{
    memset(f, 0, sizeof *f);
    f->ep = ep;
    f->model = model;
    f->var = var;
    f->p = var && strcmp(model, KEY_UNWEIGHTED) == 0 ? build_value(&ctx->build, KEY_LOGRANK, ep->name, "", var->name, "", KEY_STAT_P)
                                                   : NAN;
    if (!var)
        km_add_curve(ctx, f, "");
    for (size_t level = 0; var && level < var->n_levels; level++)
        km_add_curve(ctx, f, var->levels[level]);
}

/* ---- layout ---- */

static double km_x_max(const pdf_context *ctx, const km_figure *f)
{
    const plot_curve *c = f->curves[0];
    if (ctx->t->x_max > 0)
        return ctx->t->x_max;
    double last = c->n_ticks > 1 ? (double)(c->n_ticks - 1) * c->tick_step : 0.0;
    for (size_t k = 0; k < f->n; k++) {
        double end = f->curves[k]->time[f->curves[k]->n_points - 1];
        last = end > last ? end : last;
    }
    return last > 0 ? last : 1.0;
}

static double km_left_margin(pdf_context *ctx, const km_figure *f, const km_layout *l, draw_box slot)
{
    double axis = 8.0 + draw_text_width(ctx->doc, "0.0", DRAW_REGULAR, l->size) + 1.4 * l->size;
    double labels = 0.0, first_count = 0.0;
    for (size_t k = 0; ctx->t->risk_table && k < f->n; k++) {
        char count[32];
        double w = draw_text_width(ctx->doc, f->names[k], DRAW_REGULAR, l->size);
        labels = w > labels ? w : labels;
        figure_count(ctx, count, sizeof count, f->curves[k]->n_ticks ? (double)f->curves[k]->at_risk[0] : 0.0);
        w = draw_text_width(ctx->doc, count, DRAW_REGULAR, l->size);
        first_count = w > first_count ? w : first_count;
    }
    labels += labels > 0 ? 24.0 + first_count / 2 : 0.0;
    double margin = axis > labels ? axis : labels;
    return margin < 0.35 * slot.w ? margin : 0.35 * slot.w;
}

static void km_layout_make(pdf_context *ctx, const km_figure *f, draw_box slot, km_layout *l)
{
    memset(l, 0, sizeof *l);
    l->size = slot.w < 320.0 ? 6.5 : 7.5;
    l->title_h = 2.0 * l->size + 4.0;
    l->left = km_left_margin(ctx, f, l, slot);
    double plot_w = slot.w - l->left - 12.0;
    const char *labels[KM_MAX_CURVES];
    for (size_t k = 0; k < f->n; k++)
        labels[k] = f->labels[k];
    l->legend_h = draw_legend(ctx->doc, 0, 0, plot_w, labels, f->pens, NULL, f->n, l->size, 1) + 4.0;
    l->risk_table = ctx->t->risk_table;
    l->risk_h = l->risk_table ? (double)(f->n + 1) * 1.5 * l->size + 8.0 : 0.0;
    if (slot.h - l->title_h - l->legend_h - l->risk_h - 2.2 * l->size - 16.0 < 0.28 * slot.h) {
        l->risk_table = 0;  /* too many groups for a risk table in this slot: the plot keeps its height */
        l->risk_h = 0.0;
    }
    l->axis_h = 2.2 * l->size + 12.0;
    draw_plot *p = &l->plot;
    p->font_size = l->size;
    p->area = (draw_box){slot.x + l->left, slot.y + l->risk_h + l->axis_h, plot_w, 0};
    p->area.h = slot.y + slot.h - l->title_h - l->legend_h - 4.0 - p->area.y;
    p->x = (draw_axis){.min = 0.0, .max = km_x_max(ctx, f), .step = f->curves[0]->tick_step, .decimals = -1};
    p->y = (draw_axis){.min = 0.0, .max = 1.0, .step = 0.2, .decimals = 1};
    if (!(p->x.step > 0))
        p->x.step = axis_tick_step(p->x.max, ctx->s->time_unit);
    l->n_ticks = draw_axis_ticks(&p->x, l->ticks, KM_MAX_TICKS);
}

/* ---- where the p-value goes ---- */

/* Smallest and largest of a step function over [x0, x1] (points up to its last time). */
static int step_range(const double *time, const double *y, size_t n, double x0, double x1, double *lo, double *hi)
{
    if (n == 0 || x0 > time[n - 1])
        return 0;
    size_t a = 0, b = n;
    while (b - a > 1) {
        size_t m = (a + b) / 2;
        if (time[m] <= x0)
            a = m;
        else
            b = m;
    }
    *lo = *hi = y[a];
    for (size_t k = a + 1; k < n && time[k] <= x1; k++) {
        if (!isfinite(y[k]))
            continue;
        *lo = y[k] < *lo || !isfinite(*lo) ? y[k] : *lo;
        *hi = y[k] > *hi || !isfinite(*hi) ? y[k] : *hi;
    }
    return isfinite(*lo) && isfinite(*hi);
}

static double data_x(const draw_plot *p, double px)
{
    return p->x.min + (px - p->area.x) / p->area.w * (p->x.max - p->x.min);
}

static double data_y(const draw_plot *p, double py)
{
    return p->y.min + (py - p->area.y) / p->area.h * (p->y.max - p->y.min);
}

/* Whether a page box covers a curve (or its band, or a median line). */
static int box_covers_curve(const pdf_context *ctx, const km_figure *f, const draw_plot *p, draw_box b)
{
    double x0 = data_x(p, b.x - 2), x1 = data_x(p, b.x + b.w + 2);
    double y0 = data_y(p, b.y - 3), y1 = data_y(p, b.y + b.h + 3);
    for (size_t k = 0; k < f->n; k++) {
        const plot_curve *c = f->curves[k];
        double lo, hi, blo, bhi;
        if (step_range(c->time, c->surv, f->shown[k], x0, x1, &lo, &hi) && hi >= y0 && lo <= y1)
            return 1;
        if (ctx->t->ci_bands && step_range(c->time, c->lower, f->shown[k], x0, x1, &lo, &blo) &&
            step_range(c->time, c->upper, f->shown[k], x0, x1, &bhi, &hi) && hi >= y0 && lo <= y1)
            return 1;
        double m = build_value(&ctx->build, KEY_KM, f->ep->name, f->model, km_variable_name(f), f->levels[k], KEY_STAT_MEDIAN);
        if (isfinite(m) && ((y0 <= 0.5 && y1 >= 0.5 && x0 <= m) || (m >= x0 && m <= x1 && y0 <= 0.5)))
            return 1;
    }
    return 0;
}

static void km_place_p(const pdf_context *ctx, const km_figure *f, km_layout *l, double text_w)
{
    const draw_box a = l->plot.area;
    double h = 1.6 * l->size, w = text_w + 4.0, right = a.x + a.w - w - 4.0, top = a.y + a.h - h - 2.0;
    const double spots[][2] = {{right, top}, {a.x + 6.0, a.y + 4.0}, {right, a.y + 4.0},
                               {right, a.y + a.h * 0.45}, {a.x + a.w * 0.45, top}, {a.x + a.w * 0.45, a.y + 4.0}};
    for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
        draw_box b = {spots[s][0], spots[s][1], w, h};
        if (!box_covers_curve(ctx, f, &l->plot, b)) {
            l->p_x = b.x + 2.0;
            l->p_y = b.y + 0.45 * l->size;
            return;
        }
    }
    l->p_in_title = 1;
}

static void km_p_text(const pdf_context *ctx, double p, char *out, size_t size)
{
    char text[32];
    format_p(text, sizeof text, p, ctx->t->p_decimals);
    snprintf(out, size, "Log-rank p %s %s", text[0] == '<' ? "<" : "=", text[0] == '<' ? text + 1 : text);
}

/* ---- drawing ---- */

static void km_draw_medians(pdf_context *ctx, const km_figure *f, const km_layout *l)
{
    draw_pen pen = draw_grey_pen(0.55, 0.5, DRAW_DASH_SHORT);
    double longest = -1.0;
    for (size_t k = 0; k < f->n; k++) {
        double m = build_value(&ctx->build, KEY_KM, f->ep->name, f->model, km_variable_name(f), f->levels[k], KEY_STAT_MEDIAN);
        if (!isfinite(m) || m > l->plot.x.max)
            continue;
        draw_line(ctx->doc, &l->plot, m, 0.0, m, 0.5, pen);
        longest = m > longest ? m : longest;
    }
    if (longest > 0)
        draw_line(ctx->doc, &l->plot, 0.0, 0.5, longest, 0.5, pen);
}

static void km_draw_curves(pdf_context *ctx, const km_figure *f, const km_layout *l)
{
    draw_clip(ctx->doc, &l->plot);
    for (size_t k = 0; ctx->t->ci_bands && k < f->n; k++) {
        const plot_curve *c = f->curves[k];
        draw_step_band(ctx->doc, &l->plot, c->time, c->lower, c->upper, f->shown[k], f->end[k], f->pens[k], 0.15);
    }
    km_draw_medians(ctx, f, l);
    for (size_t k = 0; k < f->n; k++) {
        const plot_curve *c = f->curves[k];
        draw_steps(ctx->doc, &l->plot, c->time, c->surv, f->shown[k], f->end[k], f->pens[k]);
        draw_marks(ctx->doc, &l->plot, c->time, c->surv, c->n_censor, f->shown[k], 0.8 * l->size,
                   (draw_pen){f->pens[k].r, f->pens[k].g, f->pens[k].b, 0.7, DRAW_DASH_SOLID});
    }
    draw_unclip(ctx->doc);
}

static void km_draw_risk_table(pdf_context *ctx, const km_figure *f, const km_layout *l, draw_box slot)
{
    double row = 1.5 * l->size, y = l->plot.area.y - l->axis_h - 0.6 * l->size;
    int weighted = strcmp(f->model, KEY_WEIGHTED) == 0;
    draw_text(ctx->doc, slot.x, y, weighted ? "Number at risk (unweighted)" : "Number at risk", DRAW_BOLD, l->size,
              DRAW_LEFT);
    for (size_t k = 0; k < f->n; k++) {
        const plot_curve *c = f->curves[k];
        y -= row;
        draw_swatch(ctx->doc, slot.x, y + 0.35 * l->size, 14.0, f->pens[k]);
        draw_text(ctx->doc, slot.x + 17.0, y, f->names[k], DRAW_REGULAR, l->size, DRAW_LEFT);
        for (size_t t = 0; t < l->n_ticks; t++) {
            char count[32];
            size_t index = (size_t)llround(l->ticks[t] / c->tick_step);
            if (!(c->tick_step > 0) || index >= c->n_ticks || fabs(index * c->tick_step - l->ticks[t]) > 1e-9 * c->tick_step)
                continue;
            figure_count(ctx, count, sizeof count, (double)c->at_risk[index]);
            draw_text(ctx->doc, draw_plot_x(&l->plot, l->ticks[t]), y, count, DRAW_REGULAR, l->size, DRAW_CENTER);
        }
    }
}

static void km_draw_title(pdf_context *ctx, const km_figure *f, const km_layout *l, draw_box slot)
{
    const char *starts[2];
    size_t lengths[2];
    char line[400], p[64] = "";
    if (l->p_in_title && isfinite(f->p))
        km_p_text(ctx, f->p, p, sizeof p);
    snprintf(line, sizeof line, "%.300s%s%s", f->title, p[0] ? "; " : "", p);
    size_t n = draw_wrap(ctx->doc, line, DRAW_BOLD, l->size + 1.0, slot.w, starts, lengths, 2);
    for (size_t i = 0; i < n; i++) {
        char text[400];
        snprintf(text, sizeof text, "%.*s", (int)lengths[i], starts[i]);
        draw_text(ctx->doc, slot.x, slot.y + slot.h - (double)(i + 1) * (l->size + 2.5), text, DRAW_BOLD,
                  l->size + 1.0, DRAW_LEFT);
    }
}

static void km_draw(pdf_context *ctx, const km_figure *f, draw_box slot)
{
    km_layout l;
    char p[64];
    km_layout_make(ctx, f, slot, &l);
    km_p_text(ctx, f->p, p, sizeof p);
    if (isfinite(f->p))
        km_place_p(ctx, f, &l, draw_text_width(ctx->doc, p, DRAW_REGULAR, l.size));
    km_draw_title(ctx, f, &l, slot);
    const char *labels[KM_MAX_CURVES];
    for (size_t k = 0; k < f->n; k++)
        labels[k] = f->labels[k];
    draw_legend(ctx->doc, l.plot.area.x, slot.y + slot.h - l.title_h, l.plot.area.w, labels, f->pens, NULL, f->n, l.size, 0);
    km_draw_curves(ctx, f, &l);
    char y_title[200];
    snprintf(y_title, sizeof y_title, "%.190s", build_endpoint_label(f->ep));
    char x_title[100];
    snprintf(x_title, sizeof x_title, "Time (%.80s)", ctx->s->time_unit);
    l.plot.x.title = x_title;
    l.plot.y.title = y_title;
    draw_axes(ctx->doc, &l.plot);
    if (isfinite(f->p) && !l.p_in_title)
        draw_text(ctx->doc, l.p_x, l.p_y, p, DRAW_REGULAR, l.size, DRAW_LEFT);
    if (l.risk_table)
        km_draw_risk_table(ctx, f, &l, slot);
}

static void km_figure_draw(pdf_context *ctx, const study_endpoint *ep, const char *model,
                           const study_variable *var, km_figure *f)
{
    km_collect(ctx, f, ep, model, var);
    if (f->n == 0)
        return;
    km_title(ctx, f);
    km_draw(ctx, f, draw_slot(ctx->doc, (size_t)ctx->t->figures_per_page));
}

void figure_km(pdf_context *ctx)
{
    km_figure figure;
    if (!ctx->r->curves || ctx->r->curves->n == 0) {
        figure_note(ctx, "No Kaplan-Meier curve was estimated in this run.");
        return;
    }
    if (ctx->t->share) {
        char note[200];
        snprintf(note, sizeof note, "Groups with fewer than %d patients or events are not shown, and each curve ends "
                 "where fewer than %d patients remain at risk.", ctx->t->min_count, ctx->t->min_count);
        figure_note(ctx, note);
    }
    for (size_t e = 0; e < ctx->s->n_endpoints; e++) {
        const study_endpoint *ep = &ctx->s->endpoints[e];
        km_figure_draw(ctx, ep, KEY_UNWEIGHTED, NULL, &figure);
        for (size_t g = 0; g < ctx->s->n_subgroups; g++)
            km_figure_draw(ctx, ep, KEY_UNWEIGHTED, &ctx->s->variables[ctx->s->subgroups[g]], &figure);
        if (ctx->s->treatment >= 0)
            km_figure_draw(ctx, ep, KEY_WEIGHTED, &ctx->s->variables[ctx->s->treatment], &figure);
    }
}
