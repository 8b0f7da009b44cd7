/* The builders of the procedure figures (with a procedures file; procedures.md): the Bernoulli CUSUM
 * of major AEs (a panel per sequence: all procedures and each modality; C_t against procedure number,
 * the limit h, signals marked, procedure dates along the top), the operators' funnel plot (cumulative
 * and rolling 12 months: the exact limits, theta, operators as points, outliers labelled) and the
 * monthly volume of the last 24 months (bars stacked by modality). Under the share template: no
 * procedure dates, no operator names (points unlabelled, operators with fewer than min_count
 * procedures left out), and the volume as monthly totals with the small ones shown "<5". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "common/text.h"
#include "figure.h"
#include "format.h"

#define MAX_SEQUENCES 17
#define MAX_OPERATORS 512
#define MAX_MONTHS 240
#define DATE_TICKS 8

/* 1, 2 or 5 times a power of ten, giving at most ticks intervals over span. */
static double nice_step(double span, double ticks)
{
    if (!(span > 0))
        return 1.0;
    double power = pow(10.0, floor(log10(span / ticks)));
    for (double m = 1.0;; m = m == 1.0 ? 2.0 : m == 2.0 ? 5.0 : 10.0)
        if (span / (m * power) <= ticks)
            return m * power;
}

/* A step for an axis of counts: a nice step of at least 1, so no two labels read the same. */
static double count_step(double span, double ticks)
{
    return fmax(1.0, nice_step(span, ticks));
}

static double nice_ceil(double value, double step)
{
    return ceil(value / step - 1e-9) * step;
}

static const study_variable *treatment_of(const build_context *b)
{
    return b->s->treatment >= 0 ? &b->s->variables[b->s->treatment] : NULL;
}

/* The keys of sequence k: 0 all procedures, then each modality. */
static void sequence_keys(const build_context *b, size_t k, const char **variable, const char **level)
{
    const study_variable *t = treatment_of(b);
    *variable = k == 0 ? KEY_ALL : t->name;
    *level = k == 0 ? "" : t->levels[k - 1];
}

static size_t sequence_count(const build_context *b)
{
    const study_variable *t = treatment_of(b);
    size_t n = 1 + (t ? t->n_levels : 0);
    return n < MAX_SEQUENCES ? n : MAX_SEQUENCES;
}

static const char *level_text(figure *f, const char *level)
{
    char name[160];
    build_level(name, sizeof name, level);
    return figure_text(f, "%s", name);
}

static const char *sequence_name(figure *f, const build_context *b, size_t k)
{
    const char *variable, *level;
    if (k == 0)
        return "All procedures";
    sequence_keys(b, k, &variable, &level);
    return level_text(f, level);
}

/* ---- the CUSUM chart ---- */

/* The dates of the procedures at the x ticks, along the top: YYYY-MM of the path's point at or
 * before each tick. */
static void cusum_dates(figure *f, const series *path, figure_panel *p)
{
    double *ticks = figure_alloc(f, DATE_TICKS + 1, sizeof *ticks);
    const char **labels = figure_alloc(f, DATE_TICKS + 1, sizeof *labels);
    size_t n = 0, at = 0;
    if (!ticks || !labels || !path->day)
        return;
    double last = path->x[path->n - 1];
    for (double t = p->x.step; t <= last + 1e-9 && n <= DATE_TICKS; t += p->x.step) {
        while (at + 1 < path->n && path->x[at + 1] <= t)
            at++;
        if (path->x[at] > t)
            continue;
        char date[11];
        text_format_date(path->day[at], date);
        ticks[n] = t;
        labels[n++] = figure_text(f, "%.7s", date);
    }
    p->x2 = (figure_axis){.min = p->x.min, .max = p->x.max, .ticks = ticks, .n_ticks = n, .tick_labels = labels};
}

/* The signals: a marker on the path at each signal_t@k, labelled by its date (not under share). */
static void cusum_signals(figure *f, const build_context *b, const char *variable, const char *level,
                          const series *path, figure_series *out)
{
    size_t n = (size_t)fmax(0, build_value(b, KEY_CUSUM, "", "", variable, level, "signals"));
    double *x = figure_alloc(f, n, sizeof *x), *y = figure_alloc(f, n, sizeof *y);
    const char **labels = figure_alloc(f, n, sizeof *labels);
    size_t kept = 0;
    if (!x || !y || !labels)
        return;
    for (size_t k = 1; k <= n; k++) {
        char stat[KEY_SIZE];
        double t = build_value(b, KEY_CUSUM, "", "", variable, level, key_stat_at_index(stat, "signal_t", k));
        double day = build_value(b, KEY_CUSUM, "", "", variable, level, key_stat_at_index(stat, "signal_date", k));
        if (!isfinite(t))
            continue;
        size_t at = 0;
        while (at + 1 < path->n && path->x[at] < t)
            at++;
        x[kept] = t;
        y[kept] = path->y[at];
        labels[kept++] = b->t->share || !isfinite(day) ? NULL
                         : figure_text(f, "%04d-%02d-%02d", (int)(day / 10000), (int)fmod(day / 100, 100), (int)fmod(day, 100));
    }
    draw_pen pen = {0.835, 0.369, 0.0, 1.0, DRAW_DASH_SOLID};
    *out = (figure_series){.kind = SERIES_POINTS, .label = kept ? "Signal" : NULL, .pen = pen, .n = kept, .x = x,
                           .y = y, .shape = DRAW_DIAMOND, .marker = 0.8, .labels = labels};
}

static int cusum_panel(figure *f, const build_context *b, size_t k, figure_panel *p)
{
    const char *variable, *level;
    sequence_keys(b, k, &variable, &level);
    const series *path = series_set_find(b->r->series, KEY_CUSUM, "", variable, level, "path");
    double h = build_value(b, KEY_CUSUM, "", "", variable, level, "h");
    double n = build_value(b, KEY_CUSUM, "", "", variable, level, KEY_STAT_N);
    if (!path || path->n == 0 || !isfinite(h) || !(n > 0))
        return 0;
    figure_series *series = figure_alloc(f, 2, sizeof *series);
    figure_line *limit = figure_alloc(f, 1, sizeof *limit);
    if (!series || !limit)
        return 0;
    double top = fmax(h, build_value(b, KEY_CUSUM, "", "", variable, level, "s_max"));
    double y_step = nice_step(top * 1.1, 5), x_step = count_step(n, 8);
    series[0] = (figure_series){.kind = SERIES_LINE, .label = "C\xe2\x82\x9c", .pen = draw_series_pen(0, 1.0),
                                .n = path->n, .x = path->x, .y = path->y};
    series[0].pen.dash = DRAW_DASH_SOLID;
    cusum_signals(f, b, variable, level, path, &series[1]);
    *limit = (figure_line){.at = h, .from = NAN, .to = NAN, .pen = {0.835, 0.369, 0.0, 0.8, DRAW_DASH_LONG},
                           .label = figure_text(f, "h = %.2f", h)};
    double events = build_value(b, KEY_CUSUM, "", "", variable, level, KEY_STAT_EVENTS);
    *p = (figure_panel){.title = figure_text(f, "%s (n = %s, %s major AE%s; p0 = %g, p1 = %g)", sequence_name(f, b, k),
                                             figure_count(f, b, n), figure_count(f, b, events), events == 1 ? "" : "s",
                                             build_value(b, KEY_CUSUM, "", "", variable, level, "p0"),
                                             build_value(b, KEY_CUSUM, "", "", variable, level, "p1")),
                        .x = {.min = 0.0, .max = nice_ceil(n, x_step), .step = x_step, .decimals = 0,
                              .title = "Procedure number (by date)"},
                        .y = {.min = 0.0, .max = nice_ceil(top * 1.1, y_step), .step = y_step, .decimals = -1,
                              .title = "CUSUM C\xe2\x82\x9c"},
                        .series = series, .n_series = 2, .lines = limit, .n_lines = 1, .clip = 1};
    if (!b->t->share)
        cusum_dates(f, path, p);
    return 1;
}

void figure_build_cusum(const build_context *b, figure_list *out)
{
    size_t count = sequence_count(b), n = 0;
    if (!b->r->series)
        return;
    figure *f = figure_new(b->t, FIGURE_KIND_CUSUM);
    figure_panel *panels = f ? figure_alloc(f, count, sizeof *panels) : NULL;
    draw_legend_item *legend = panels ? figure_alloc(f, 3, sizeof *legend) : NULL;
    for (size_t k = 0; legend && k < count; k++)
        n += cusum_panel(f, b, k, &panels[n]);
    if (legend && n == 0 && f->error == EMBOLO_OK) {
        figure_free(f);  /* no sequence has a path */
        return;
    }
    if (!legend || n == 0) {
        figure_list_add(out, f);
        return;
    }
    legend[0] = (draw_legend_item){.label = "CUSUM C\xe2\x82\x9c of major AEs", .pen = panels[0].series[0].pen};
    legend[1] = (draw_legend_item){.label = "Decision limit h", .pen = panels[0].lines[0].pen};
    legend[2] = (draw_legend_item){.label = "Signal (the chart restarts)", .pen = panels[0].series[1].pen,
                                   .has_shape = 1, .shape = DRAW_DIAMOND, .marker_only = 1};
    f->title = "Bernoulli CUSUM of major adverse events, procedure by procedure";
    f->what = "cusum";
    f->panels = panels;
    f->n_panels = n;
    f->legend = legend;
    f->n_legend = 3;
    f->note = "C\xe2\x82\x9c = max(0, C\xe2\x82\x9c\xe2\x82\x8b\xe2\x82\x81 + w\xe2\x82\x9c): w = log(p1/p0) after a major "
              "AE, log((1 \xe2\x88\x92 p1)/(1 \xe2\x88\x92 p0)) otherwise; a signal where C\xe2\x82\x9c reaches h, after "
              "which the chart starts again from 0.";
    figure_default_size(b->t, FIGURE_KIND_CUSUM, n, &f->width_mm, &f->height_mm);
    figure_list_add(out, f);
}

/* ---- the funnel plot ---- */

typedef struct funnel_operator {
    const char *label;
    double n, rate, flag95, flag998;
} funnel_operator;

static size_t funnel_operators(const build_context *b, const char *window, funnel_operator *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < b->r->n && n < max; i++) {
        const result_row *row = &b->r->rows[i];
        if (strcmp(row->section, KEY_FUNNEL) || strcmp(row->model, window) || strcmp(row->variable, KEY_OPERATOR) ||
            strcmp(row->stat, KEY_STAT_N))
            continue;
        const char *op = row->level;
        out[n++] = (funnel_operator){op, row->value,
                                     build_value(b, KEY_FUNNEL, "", window, KEY_OPERATOR, op, "rate"),
                                     build_value(b, KEY_FUNNEL, "", window, KEY_OPERATOR, op, "flag95"),
                                     build_value(b, KEY_FUNNEL, "", window, KEY_OPERATOR, op, "flag998")};
    }
    return n;
}

static void funnel_points(figure *f, const build_context *b, const funnel_operator *ops, size_t n,
                          figure_series *out, double *largest, double *highest)
{
    double *x = figure_alloc(f, n, sizeof *x), *y = figure_alloc(f, n, sizeof *y);
    const char **labels = figure_alloc(f, n, sizeof *labels);
    size_t kept = 0;
    if (!x || !y || !labels)
        return;
    for (size_t k = 0; k < n; k++) {
        if (build_hidden(b, ops[k].n) || !isfinite(ops[k].rate))
            continue;
        x[kept] = ops[k].n;
        y[kept] = ops[k].rate;
        labels[kept++] = !b->t->share && (ops[k].flag95 != 0 || ops[k].flag998 != 0) ? ops[k].label : NULL;
        *largest = fmax(*largest, ops[k].n);
        *highest = fmax(*highest, ops[k].rate);
    }
    draw_pen pen = draw_series_pen(6, 0.6);
    *out = (figure_series){.kind = SERIES_POINTS, .label = "Operator", .pen = pen, .n = kept, .x = x, .y = y,
                           .shape = DRAW_CIRCLE, .marker = 0.55, .labels = labels};
}

static int funnel_panel(figure *f, const build_context *b, const char *window, const char *title, figure_panel *p)
{
    static const char *const limits[4] = {"lower95", "upper95", "lower998", "upper998"};
    funnel_operator *ops = malloc(MAX_OPERATORS * sizeof *ops);
    double theta = build_value(b, KEY_FUNNEL, "", window, KEY_ALL, "", "rate"), largest = 1.0, highest = 0.0;
    figure_series *shown = figure_alloc(f, 5, sizeof *shown);
    figure_line *line = figure_alloc(f, 1, sizeof *line);
    size_t n = ops ? funnel_operators(b, window, ops, MAX_OPERATORS) : 0, k = 0;
    if (!ops || !shown || !line || !isfinite(theta) || n == 0) {
        free(ops);
        return 0;
    }
    funnel_points(f, b, ops, n, &shown[k++], &largest, &highest);
    free(ops);
    for (size_t i = 0; i < 4; i++) {
        const series *s = series_set_find(b->r->series, KEY_FUNNEL, window, KEY_ALL, "", limits[i]);
        if (!s)
            continue;
        draw_pen pen = i < 2 ? draw_grey_pen(0.35, 0.7, DRAW_DASH_LONG) : draw_grey_pen(0.15, 0.8, DRAW_DASH_SOLID);
        shown[k++] = (figure_series){.kind = SERIES_LINE, .pen = pen, .n = s->n, .x = s->x, .y = s->y};
        largest = s->n ? fmax(largest, s->x[s->n - 1]) : largest;
    }
    *line = (figure_line){.at = theta, .from = NAN, .to = NAN, .pen = draw_series_pen(0, 0.8),
                          .label = figure_text(f, "\xce\xb8 = %.1f%%", 100.0 * theta)};
    line->pen.dash = DRAW_DASH_SOLID;
    /* At least 0-10%: a window without a major AE (theta 0) still has an axis to read. */
    double top = fmin(1.0, fmax(0.1, fmax(highest * 1.15, theta * 3.0))), y_step = nice_step(top, 5);
    double x_step = count_step(largest, 6);
    *p = (figure_panel){.title = title,
                        .x = {.min = 0.0, .max = nice_ceil(1.04 * largest, x_step), .step = x_step, .decimals = 0,
                              .title = "Procedures with a known grade"},
                        .y = {.min = 0.0, .max = fmin(1.0, nice_ceil(top, y_step)), .step = y_step, .percent = 1,
                              .title = "Major AE rate"},
                        .series = shown, .n_series = k, .lines = line, .n_lines = 1, .clip = 1};
    return 1;
}

void figure_build_funnel(const build_context *b, figure_list *out)
{
    if (!b->r->series)
        return;
    figure *f = figure_new(b->t, FIGURE_KIND_FUNNEL);
    figure_panel *panels = f ? figure_alloc(f, 2, sizeof *panels) : NULL;
    draw_legend_item *legend = panels ? figure_alloc(f, 4, sizeof *legend) : NULL;
    size_t n = 0;
    if (legend) {
        n += funnel_panel(f, b, KEY_CUMULATIVE, "Cumulative", &panels[n]);
        n += funnel_panel(f, b, KEY_ROLLING_12M, "Rolling 12 months", &panels[n]);
    }
    if (legend && n == 0 && f->error == EMBOLO_OK) {
        figure_free(f);  /* no window has operators */
        return;
    }
    if (legend && n > 0) {
        legend[0] = (draw_legend_item){.label = "Operator", .pen = panels[0].series[0].pen, .has_shape = 1,
                                       .shape = DRAW_CIRCLE, .marker_only = 1};
        legend[1] = (draw_legend_item){.label = "Target \xce\xb8 (all operators)", .pen = panels[0].lines[0].pen};
        legend[2] = (draw_legend_item){.label = "95% limits", .pen = draw_grey_pen(0.35, 0.7, DRAW_DASH_LONG)};
        legend[3] = (draw_legend_item){.label = "99.8% limits", .pen = draw_grey_pen(0.15, 0.8, DRAW_DASH_SOLID)};
        f->title = "Funnel plot of the major AE rate by operator";
        f->what = "funnel";
        f->panels = panels;
        f->n_panels = n;
        f->columns = n;
        f->legend = legend;
        f->n_legend = 4;
        f->note = b->t->share ? figure_text(f, "Exact binomial limits (Spiegelhalter). Operators are not named; those "
                                            "with fewer than %d procedures are not shown.", b->t->min_count)
                              : "Exact binomial limits (Spiegelhalter); operators outside the 95% limits are named.";
    }
    figure_list_add(out, f);
}

/* ---- the monthly volume ---- */

/* The months of the volume lines (YYYYMM, in order). */
static size_t volume_months(const build_context *b, const char **stats, size_t max)
{
    static const char prefix[] = "procedures@";
    size_t n = 0;
    for (size_t i = 0; i < b->r->n && n < max; i++) {
        const result_row *row = &b->r->rows[i];
        if (!strcmp(row->section, KEY_VOLUME) && !strcmp(row->model, KEY_MONTHLY) && !strcmp(row->variable, KEY_ALL) &&
            !strncmp(row->stat, prefix, sizeof prefix - 1))
            stats[n++] = row->stat;
    }
    return n;
}

static const char *month_label(figure *f, const char *stat)
{
    static const char *const names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const char *at = strchr(stat, '@');
    long yyyymm = at ? strtol(at + 1, NULL, 10) : 0;
    int month = (int)(yyyymm % 100);
    return month >= 1 && month <= 12 ? figure_text(f, "%s %ld", names[month - 1], yyyymm / 100) : figure_text(f, "%s", stat);
}

/* Bars stacked per month: one series per modality (all procedures as one under share), from the
 * modalities below it to its own count; a hidden count (share) as "<5" instead of a bar. */
static void volume_series(figure *f, const build_context *b, const char *const *stats, size_t months,
                          figure_series *series, size_t *n_series, double *highest)
{
    const study_variable *t = treatment_of(b);
    size_t groups = b->t->share || !t ? 1 : t->n_levels;
    double *base = figure_alloc(f, months, sizeof *base);
    if (!base)
        return;
    for (size_t g = 0; g < groups; g++) {
        double *left = figure_alloc(f, months, sizeof *left), *right = figure_alloc(f, months, sizeof *right);
        double *top = figure_alloc(f, months, sizeof *top), *bottom = figure_alloc(f, months, sizeof *bottom);
        if (!left || !right || !top || !bottom)
            return;
        for (size_t m = 0; m < months; m++) {
            double count = groups == 1 ? build_value(b, KEY_VOLUME, "", KEY_MONTHLY, KEY_ALL, "", stats[m])
                                       : build_value(b, KEY_VOLUME, "", KEY_MONTHLY, t->name, t->levels[g], stats[m]);
            count = isfinite(count) && !build_hidden(b, count) ? count : 0.0;
            left[m] = (double)m + 0.12;
            right[m] = (double)m + 0.88;
            bottom[m] = base[m];
            top[m] = base[m] + count;
            base[m] = top[m];
            *highest = fmax(*highest, top[m]);
        }
        draw_pen pen = draw_series_pen(g, 0.5);
        pen.dash = DRAW_DASH_SOLID;
        series[(*n_series)++] = (figure_series){.kind = SERIES_BARS, .label = groups == 1 ? "All procedures"
                                                : level_text(f, t->levels[g]),
                                                .pen = pen, .alpha = 0.8, .n = months, .x = left, .y = top,
                                                .lower = bottom, .upper = right};
    }
}

/* "<5" over the months whose total is hidden (share). */
static void volume_hidden(figure *f, const build_context *b, const char *const *stats, size_t months,
                          figure_series *out)
{
    double *x = figure_alloc(f, months, sizeof *x), *y = figure_alloc(f, months, sizeof *y);
    const char **labels = figure_alloc(f, months, sizeof *labels);
    size_t n = 0;
    if (!x || !y || !labels)
        return;
    for (size_t m = 0; m < months; m++)
        if (build_hidden(b, build_value(b, KEY_VOLUME, "", KEY_MONTHLY, KEY_ALL, "", stats[m]))) {
            x[n] = (double)m + 0.2;
            y[n] = 0.0;
            labels[n++] = figure_count(f, b, 1.0);
        }
    *out = (figure_series){.kind = SERIES_POINTS, .pen = draw_grey_pen(1.0, 0.1, DRAW_DASH_SOLID), .n = n, .x = x,
                           .y = y, .shape = DRAW_SQUARE, .marker = 0.0, .labels = labels};
}

static void volume_axis(figure *f, const char *const *stats, size_t months, figure_axis *x)
{
    double *ticks = figure_alloc(f, months, sizeof *ticks);
    const char **labels = figure_alloc(f, months, sizeof *labels);
    size_t every = months > 12 ? 3 : 1;
    if (!ticks || !labels)
        return;
    for (size_t m = 0; m < months; m++) {
        ticks[m] = (double)m + 0.5;
        labels[m] = (months - 1 - m) % every == 0 ? month_label(f, stats[m]) : "";
    }
    *x = (figure_axis){.min = 0.0, .max = (double)months, .ticks = ticks, .n_ticks = months, .tick_labels = labels,
                       .title = "Month"};
}

void figure_build_volume(const build_context *b, figure_list *out)
{
    const char *stats[MAX_MONTHS];
    size_t months = volume_months(b, stats, MAX_MONTHS), n_series = 0;
    if (months == 0)
        return;
    const study_variable *t = treatment_of(b);
    size_t groups = b->t->share || !t ? 1 : t->n_levels;
    double highest = 0.0;
    figure *f = figure_new(b->t, FIGURE_KIND_VOLUME);
    figure_panel *p = f ? figure_alloc(f, 1, sizeof *p) : NULL;
    figure_series *series = p ? figure_alloc(f, groups + 1, sizeof *series) : NULL;
    draw_legend_item *legend = series ? figure_alloc(f, groups, sizeof *legend) : NULL;
    if (legend) {
        volume_series(f, b, stats, months, series, &n_series, &highest);
        if (b->t->share)
            volume_hidden(f, b, stats, months, &series[n_series++]);
        for (size_t g = 0; g < groups && g < n_series; g++)
            legend[g] = (draw_legend_item){.label = series[g].label, .pen = series[g].pen, .filled = 1, .alpha = 0.8};
        double step = count_step(fmax(highest, 1.0) * 1.05, 5);
        *p = (figure_panel){.y = {.min = 0.0, .max = nice_ceil(fmax(highest, 1.0) * 1.05, step), .step = step,
                                  .decimals = 0, .title = "Procedures"},
                            .series = series, .n_series = n_series};
        volume_axis(f, stats, months, &p->x);
        f->title = figure_text(f, "Procedures per month, the last %zu months%s", months,
                               groups > 1 ? ", by modality" : "");
        f->what = "volume";
        f->panels = p;
        f->n_panels = 1;
        f->legend = legend;
        f->n_legend = groups;
    }
    figure_list_add(out, f);
}
