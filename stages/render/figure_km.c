/* The builders of the curve figures: Kaplan-Meier (one per endpoint and subgroup variable, the whole
 * cohort, and the propensity-weighted curves by treatment) and cumulative incidence (the same for an
 * endpoint with a competing event). Step curves in Okabe-Ito pens that also differ by dash pattern,
 * censor marks, optional CI bands, median lines, the test's p as an annotation (log-rank; Gray's test;
 * for the weighted curves the IPTW test: the robust score test of the weighted Cox model with the
 * treatment alone), and a number-at-risk table with the exact counts at the x ticks (unweighted for
 * weighted curves). */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/keys.h"
#include "figure.h"

#define MAX_CURVES 12
#define MAX_TICKS 40

/* What differs between the Kaplan-Meier and the cumulative-incidence figures. */
typedef struct curve_spec {
    figure_kind kind;
    const char *section;       /* KEY_KM, KEY_CIF */
    const curve_set *curves;
    int incidence;
} curve_spec;

/* The curves of one figure. */
typedef struct curve_group {
    const curve_spec *spec;
    const study_endpoint *ep;
    const char *model;
    const study_variable *var;   /* NULL: the whole cohort */
    const plot_curve *curves[MAX_CURVES];
    const char *levels[MAX_CURVES];
    size_t shown[MAX_CURVES];    /* points drawn: all, or (share) while at least min_count are at risk */
    double end[MAX_CURVES];
    size_t n, hidden, omitted;
} curve_group;

static const char *group_variable(const curve_group *g)
{
    return g->var ? g->var->name : KEY_ALL;
}

static int is_weighted(const curve_group *g)
{
    return strcmp(g->model, KEY_WEIGHTED) == 0;
}

/* With the share template a curve ends at the last step taken while at least min_count patients were
 * at risk, so no step shows one to four patients. */
static void shown_points(const build_context *b, const plot_curve *c, size_t *shown, double *end)
{
    *shown = c->n_points;
    *end = c->time[c->n_points - 1];
    for (size_t k = 1; b->t->share && k < c->n_points; k++)
        if (c->n_risk[k] < (size_t)b->t->min_count) {
            *shown = k;
            *end = c->time[k - 1];
            return;
        }
}

static void group_add(const build_context *b, curve_group *g, const char *level)
{
    const plot_curve *c = curve_set_find(g->spec->curves, g->ep->name, g->model, group_variable(g), level);
    if (!c || c->n_points == 0)
        return;
    if (g->n == MAX_CURVES) {
        g->omitted++;
        return;
    }
    if (build_hidden(b, (double)c->n) || build_hidden(b, (double)c->events)) {
        g->hidden++;
        return;
    }
    g->curves[g->n] = c;
    g->levels[g->n] = level;
    shown_points(b, c, &g->shown[g->n], &g->end[g->n]);
    g->n++;
}

static void group_collect(const build_context *b, curve_group *g)
{
    if (!g->var)
        group_add(b, g, "");
    for (size_t level = 0; g->var && level < g->var->n_levels; level++)
        group_add(b, g, g->var->levels[level]);
}

/* ---- texts ---- */

static const char *curve_name(figure *f, const curve_group *g, size_t k)
{
    char name[160];
    if (!g->var)
        return figure_text(f, "All patients");
    build_level(name, sizeof name, g->levels[k]);
    return figure_text(f, "%s", name);
}

static const char *curve_label(figure *f, const build_context *b, const curve_group *g, size_t k)
{
    const plot_curve *c = g->curves[k];
    const char *name = curve_name(f, g, k), *n = figure_count(f, b, (double)c->n);
    if (g->spec->incidence) {
        double competing = build_value(b, KEY_CIF, g->ep->name, g->model, group_variable(g), g->levels[k],
                                       KEY_STAT_COMPETING);
        return figure_text(f, "%s (n = %s; %s events, %s competing)", name, n, figure_count(f, b, (double)c->events),
                           figure_count(f, b, competing));
    }
    double m = build_value(b, KEY_KM, g->ep->name, g->model, group_variable(g), g->levels[k], KEY_STAT_MEDIAN);
    return figure_text(f, "%s (n = %s; median %s)", name, n, isfinite(m) ? figure_number(f, b, m) : "not reached");
}

static const char *curve_title(figure *f, const build_context *b, const curve_group *g)
{
    char what[200] = ", all patients", label[160], endpoint[240];
    if (g->var) {
        build_lower_first(label, sizeof label, build_variable_label(g->var));
        snprintf(what, sizeof what, " by %.150s", label);
    }
    if (g->spec->incidence)
        build_lower_first(endpoint, sizeof endpoint, build_endpoint_label(g->ep));
    const char *title = figure_text(f, "%s%s%s%s", g->spec->incidence ? "Cumulative incidence of " : "",
                                    g->spec->incidence ? endpoint : build_endpoint_label(g->ep), what,
                                    is_weighted(g) ? ", propensity-weighted (ATE)" : "");
    if (g->hidden)
        return figure_text(f, "%s \xe2\x80\x94 %zu group%s with fewer than %d patients or events not shown", title,
                           g->hidden, g->hidden == 1 ? "" : "s", b->t->min_count);
    if (g->omitted)
        return figure_text(f, "%s \xe2\x80\x94 the first %d groups of %zu", title, MAX_CURVES, MAX_CURVES + g->omitted);
    return title;
}

/* The file name's part after the endpoint: "all", "by-grade", "weighted-by-modality", "cif-by-grade". */
static const char *curve_what(figure *f, const curve_group *g)
{
    return figure_text(f, "%s%s%s%s", g->spec->incidence ? "cif-" : "", is_weighted(g) ? "weighted-" : "",
                       g->var ? "by-" : "all", g->var ? g->var->name : "");
}

/* The IPTW test: the robust score test of the weighted Cox model with the treatment alone, its df the
 * treatment's coefficients in that model. */
static const char *iptw_test(figure *f, const build_context *b, const curve_group *g)
{
    double chisq = build_value(b, KEY_COX, g->ep->name, KEY_WEIGHTED_UNIVARIATE, "", "", KEY_STAT_ROBUST_SCORE_CHISQ);
    size_t df = 0;
    for (size_t l = 0; g->var && l < g->var->n_levels; l++)
        df += isfinite(build_value(b, KEY_COX, g->ep->name, KEY_WEIGHTED_UNIVARIATE, g->var->name, g->var->levels[l],
                                   KEY_STAT_COEF));
    if (!isfinite(chisq) || df == 0)
        return NULL;
    const char *p = figure_p(f, b, "", gsl_cdf_chisq_Q(chisq, (double)df));
    return figure_text(f, "IPTW robust score test: \xcf\x87\xc2\xb2(%zu) = %.2f,%s", df, chisq, p ? p : "");
}

static const char *curve_test(figure *f, const build_context *b, const curve_group *g)
{
    if (!g->var)
        return NULL;
    if (is_weighted(g))
        return g->spec->incidence ? NULL : iptw_test(f, b, g);
    const char *section = g->spec->incidence ? KEY_GRAY : KEY_LOGRANK;
    double p = build_value(b, section, g->ep->name, "", g->var->name, "", KEY_STAT_P);
    return isfinite(p) ? figure_p(f, b, g->spec->incidence ? "Gray's test" : "Log-rank", p) : NULL;
}

/* ---- axes ---- */

static double x_end_of(const build_context *b, const curve_group *g)
{
    const plot_curve *c = g->curves[0];
    if (b->t->x_max > 0)
        return b->t->x_max;
    double last = c->n_ticks > 1 ? (double)(c->n_ticks - 1) * c->tick_step : 0.0;
    for (size_t k = 0; k < g->n; k++)
        last = fmax(last, g->curves[k]->time[g->curves[k]->n_points - 1]);
    return last > 0 ? last : 1.0;
}

/* How many x ticks fit the figure's width: the wider of the tick labels and the numbers at risk under
 * them, at about 0.64 of the font size a digit, with a gap of a font size between neighbours. */
static size_t ticks_that_fit(const figure *f, const curve_group *g, double x_max)
{
    char label[32];
    size_t largest = 0;
    for (size_t k = 0; k < g->n; k++)
        largest = g->curves[k]->n > largest ? g->curves[k]->n : largest;
    int chars = snprintf(label, sizeof label, "%g", x_max), count = snprintf(label, sizeof label, "%zu", largest);
    double width_pt = f->width_mm * 72.0 / 25.4, per_tick = ((chars > count ? chars : count) * 0.64 + 1.2) * f->font_pt;
    double fit = floor(0.8 * width_pt / per_tick);
    return fit < 2 ? 2 : fit > MAX_TICKS ? MAX_TICKS : (size_t)fit;
}

/* The x ticks: multiples of the curves' step (where their numbers at risk are exact), as many as fit. */
static size_t x_ticks(const build_context *b, const curve_group *g, double x_max, size_t fit, double *ticks,
                      double *step)
{
    double base = g->curves[0]->tick_step > 0 ? g->curves[0]->tick_step : axis_tick_step(x_max, b->s->time_unit);
    double every = ceil(x_max / base / (double)(fit - 1) - 1e-9);
    *step = base * (every > 1 ? every : 1);
    size_t n = 0;
    for (double t = 0; n < fit && t <= x_max * (1 + 1e-9); t = (double)++n * *step)
        ticks[n] = t;
    return n;
}

static double incidence_top(const curve_group *g, int bands)
{
    double top = 0.0;
    for (size_t k = 0; k < g->n; k++)
        for (size_t i = 0; i < g->shown[k]; i++) {
            const plot_curve *c = g->curves[k];
            double v = bands && isfinite(c->upper[i]) ? c->upper[i] : c->surv[i];
            top = isfinite(v) ? fmax(top, v) : top;
        }
    top = ceil(top * 10.0 - 1e-9) / 10.0;
    return top < 0.1 ? 0.1 : top > 1.0 ? 1.0 : top;
}

static void curve_axes(figure *f, const build_context *b, const curve_group *g, figure_panel *p, double *ticks,
                       size_t *n_ticks)
{
    double x_max = x_end_of(b, g), step;
    *n_ticks = x_ticks(b, g, x_max, ticks_that_fit(f, g, x_max), ticks, &step);
    p->x = (figure_axis){.min = 0.0, .max = x_max, .step = step, .decimals = -1,
                         .title = figure_text(f, "Time (%s)", b->s->time_unit ? b->s->time_unit : "")};
    if (g->spec->incidence) {
        double top = incidence_top(g, b->t->ci_bands);
        p->y = (figure_axis){.min = 0.0, .max = top, .step = top <= 0.6 ? 0.1 : 0.2, .decimals = 1,
                             .title = "Cumulative incidence"};
    } else {
        p->y = (figure_axis){.min = 0.0, .max = 1.0, .step = 0.2, .decimals = 1,
                             .title = figure_text(f, "%s", build_endpoint_label(g->ep))};
    }
}

/* ---- series, lines, risk table ---- */

static void curve_series(figure *f, const build_context *b, const curve_group *g, figure_panel *p)
{
    size_t bands = b->t->ci_bands ? g->n : 0, k = 0;
    figure_series *series = figure_alloc(f, bands + g->n, sizeof *series);
    if (!series)
        return;
    for (size_t i = 0; i < bands; i++) {
        const plot_curve *c = g->curves[i];
        series[k++] = (figure_series){.kind = SERIES_BAND, .pen = draw_series_pen(i, 1.3), .alpha = 0.15,
                                      .n = g->shown[i], .x = c->time, .lower = c->lower, .upper = c->upper,
                                      .x_end = g->end[i]};
    }
    for (size_t i = 0; i < g->n; i++) {
        const plot_curve *c = g->curves[i];
        series[k++] = (figure_series){.kind = SERIES_STEPS, .pen = draw_series_pen(i, 1.3), .n = g->shown[i],
                                      .x = c->time, .y = c->surv, .x_end = g->end[i],
                                      .marks = b->t->censor_marks && !g->spec->incidence ? c->n_censor : NULL};
    }
    p->series = series;
    p->n_series = k;
}

/* Dashed lines from each median on the x axis up to S = 0.5, and along 0.5 to the longest. */
static void median_lines(figure *f, const build_context *b, const curve_group *g, figure_panel *p)
{
    figure_line *lines = figure_alloc(f, g->n + 1, sizeof *lines);
    double longest = -1.0;
    size_t n = 0;
    if (!lines)
        return;
    draw_pen pen = draw_grey_pen(0.55, 0.5, DRAW_DASH_SHORT);
    for (size_t k = 0; k < g->n; k++) {
        double m = build_value(b, KEY_KM, g->ep->name, g->model, group_variable(g), g->levels[k], KEY_STAT_MEDIAN);
        if (!isfinite(m) || m > p->x.max)
            continue;
        lines[n++] = (figure_line){.vertical = 1, .at = m, .from = 0.0, .to = 0.5, .pen = pen};
        longest = fmax(longest, m);
    }
    if (longest > 0)
        lines[n++] = (figure_line){.vertical = 0, .at = 0.5, .from = 0.0, .to = longest, .pen = pen};
    p->lines = lines;
    p->n_lines = n;
}

static void risk_table(figure *f, const build_context *b, const curve_group *g, figure_panel *p, const double *ticks,
                       size_t n_ticks)
{
    figure_risk_row *rows = figure_alloc(f, g->n, sizeof *rows);
    if (!rows)
        return;
    for (size_t k = 0; k < g->n; k++) {
        const plot_curve *c = g->curves[k];
        const char **counts = figure_alloc(f, n_ticks, sizeof *counts);
        if (!counts)
            return;
        for (size_t t = 0; t < n_ticks; t++) {
            double index = c->tick_step > 0 ? round(ticks[t] / c->tick_step) : -1;
            if (index < 0 || fabs(index * c->tick_step - ticks[t]) > 1e-9 * c->tick_step)
                continue;
            counts[t] = figure_count(f, b, index < (double)c->n_ticks ? (double)c->at_risk[(size_t)index] : 0.0);
        }
        rows[k] = (figure_risk_row){.label = curve_name(f, g, k), .pen = draw_series_pen(k, 1.3), .counts = counts};
    }
    p->risk = (figure_risk){.title = is_weighted(g) ? "Number at risk (unweighted)" : "Number at risk",
                            .at = figure_values(f, ticks, n_ticks), .n_at = n_ticks, .rows = rows, .n_rows = g->n};
}

static void curve_legend(figure *f, const build_context *b, const curve_group *g)
{
    draw_legend_item *items = figure_alloc(f, g->n, sizeof *items);
    if (!items)
        return;
    for (size_t k = 0; k < g->n; k++)
        items[k] = (draw_legend_item){.label = curve_label(f, b, g, k), .pen = draw_series_pen(k, 1.3)};
    f->legend = items;
    f->n_legend = g->n;
}

/* ---- the figure ---- */

static figure *curve_figure(const build_context *b, const curve_group *g)
{
    figure *f = figure_new(b->t, g->spec->kind);
    figure_panel *p = f ? figure_alloc(f, 1, sizeof *p) : NULL;
    figure_note *note = p ? figure_alloc(f, 1, sizeof *note) : NULL;
    double ticks[MAX_TICKS];
    size_t n_ticks = 0;
    if (!note)
        return f;
    f->title = curve_title(f, b, g);
    f->endpoint = g->ep->name;
    f->variable = g->var ? g->var->name : "";
    f->what = curve_what(f, g);
    f->slot = f->align = 1;
    figure_default_size(b->t, g->spec->kind, g->n, &f->width_mm, &f->height_mm);
    curve_axes(f, b, g, p, ticks, &n_ticks);
    curve_series(f, b, g, p);
    if (!g->spec->incidence)
        median_lines(f, b, g, p);
    if (b->t->risk_table)
        risk_table(f, b, g, p, ticks, n_ticks);
    curve_legend(f, b, g);
    note->text = curve_test(f, b, g);
    p->notes = note;
    p->n_notes = note->text ? 1 : 0;
    p->clip = 1;
    f->panels = p;
    f->n_panels = 1;
    if (b->t->share)
        f->note = figure_text(f, "Groups with fewer than %d patients or events are not shown, and each curve ends where "
                              "fewer than %d patients remain at risk.", b->t->min_count, b->t->min_count);
    return f;
}

static void curve_figure_add(const build_context *b, const curve_spec *spec, const study_endpoint *ep,
                             const char *model, const study_variable *var, figure_list *out)
{
    curve_group g = {.spec = spec, .ep = ep, .model = model, .var = var};
    group_collect(b, &g);
    if (g.n > 0)
        figure_list_add(out, curve_figure(b, &g));
}

static void curve_figures(const build_context *b, const curve_spec *spec, figure_list *out)
{
    const study *s = b->s;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        const study_endpoint *ep = &s->endpoints[e];
        curve_figure_add(b, spec, ep, KEY_UNWEIGHTED, NULL, out);
        for (size_t v = 0; v < s->n_subgroups; v++)
            curve_figure_add(b, spec, ep, KEY_UNWEIGHTED, &s->variables[s->subgroups[v]], out);
        if (s->treatment >= 0)
            curve_figure_add(b, spec, ep, KEY_WEIGHTED, &s->variables[s->treatment], out);
    }
}

void figure_build_km(const build_context *b, figure_list *out)
{
    curve_spec spec = {FIGURE_KIND_KM, KEY_KM, b->r->curves, 0};
    curve_figures(b, &spec, out);
}

void figure_build_cif(const build_context *b, figure_list *out)
{
    curve_spec spec = {FIGURE_KIND_CIF, KEY_CIF, b->r->cif_curves, 1};
    curve_figures(b, &spec, out);
}
