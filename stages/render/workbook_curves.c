/* The KM curves sheet: the step data of every curve (one row per point: time, numbers at risk,
 * events, censored, survival and CI) and one native Excel scatter chart per endpoint and subgroup
 * variable, drawn as steps. Excel has no step line, so each curve's vertices (t0, S0), (t1, S0),
 * (t1, S1), (t2, S1) ... are written to two columns of their own right of the charts, and the
 * chart's series read those. The sheet is written row by row (constant memory): row r holds the
 * r-th point of the table and the r-th vertex of every curve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "workbook_internal.h"

enum { KM_ENDPOINT, KM_MODEL, KM_VARIABLE, KM_LEVEL, KM_TIME, KM_RISK, KM_EVENTS, KM_CENSORED, KM_SURV, KM_LOWER,
       KM_UPPER, KM_COLS };

#define KM_CHART_COL (KM_COLS + 1)                  /* charts float over the columns from here */
#define KM_CHART_SPAN 9                             /* columns a chart covers */
#define KM_DATA_COL (KM_CHART_COL + KM_CHART_SPAN)  /* the vertices: two columns per curve */
#define KM_CHART_ROWS 20                            /* rows from one chart's top to the next */
#define KM_CHART_WIDTH 576
#define KM_CHART_HEIGHT 360
#define KM_MAX_SERIES 255                           /* Excel's limit per chart */

typedef struct km_sheet {
    wb_sheet s;
    const curve_set *curves;
    size_t *n_vertices;  /* [curves->n] vertices drawn per curve */
} km_sheet;

/* Points drawn: all, or under the share template those before the first hidden number at risk. */
static size_t km_points_shown(const wb_book *b, const plot_curve *c)
{
    size_t k = 0;
    while (k < c->n_points && !format_count_hidden(b->t, (double)c->n_risk[k]))
        k++;
    return k;
}

static int km_prepare(km_sheet *k)
{
    size_t n = k->curves->n;
    k->n_vertices = calloc(n ? n : 1, sizeof *k->n_vertices);
    if (!k->n_vertices) {
        wb_fail(k->s.book, EMBOLO_ERROR_NOMEM, "KM curves");
        return 0;
    }
    for (size_t c = 0; c < n; c++) {
        size_t shown = km_points_shown(k->s.book, &k->curves->items[c]);
        k->n_vertices[c] = shown ? 2 * shown - 1 : 0;
    }
    return 1;
}

/* "hpfs grade G1", "hpfs all", "os modality TARE weighted". */
static void km_curve_name(const plot_curve *c, char *out, size_t size)
{
    snprintf(out, size, "%s %s%s%s%s", c->endpoint, c->variable, c->level[0] ? " " : "", c->level,
             strcmp(c->model, "weighted") ? "" : " weighted");
}

static void km_header(km_sheet *k)
{
    static const char *const names[KM_COLS] = {"Endpoint", "Model", "Variable", "Level", NULL, "n at risk",
                                               "Events", "Censored", "Survival", "Lower 95% CI", "Upper 95% CI"};
    char text[320], curve[256];
    for (lxw_col_t c = 0; c < KM_COLS; c++) {
        snprintf(text, sizeof text, "Time (%s)", k->s.book->in->study->time_unit);
        wb_header(&k->s, c, names[c] ? names[c] : text);
    }
    for (size_t c = 0; c < k->curves->n && wb_ok(k->s.book); c++) {
        km_curve_name(&k->curves->items[c], curve, sizeof curve);
        snprintf(text, sizeof text, "%s: step time", curve);
        wb_header(&k->s, KM_DATA_COL + (lxw_col_t)(2 * c), text);
        snprintf(text, sizeof text, "%s: step survival", curve);
        wb_header(&k->s, KM_DATA_COL + (lxw_col_t)(2 * c) + 1, text);
    }
    wb_next_row(&k->s);
}

static void km_point_row(km_sheet *k, const plot_curve *c, size_t i)
{
    wb_sheet *s = &k->s;
    int hidden;
    wb_text(s, KM_ENDPOINT, c->endpoint);
    wb_text(s, KM_MODEL, c->model);
    wb_text(s, KM_VARIABLE, c->variable);
    wb_text(s, KM_LEVEL, c->level);
    wb_number(s, KM_TIME, c->time[i], WB_TIME);
    hidden = wb_count(s, KM_RISK, (double)c->n_risk[i]);
    wb_count(s, KM_EVENTS, (double)c->n_event[i]);
    wb_count(s, KM_CENSORED, (double)c->n_censor[i]);
    wb_estimate(s, KM_SURV, c->surv[i], WB_SURV, hidden);
    wb_estimate(s, KM_LOWER, c->lower[i], WB_SURV, hidden);
    wb_estimate(s, KM_UPPER, c->upper[i], WB_SURV, hidden);
}

/* Vertex r of a step curve: (t0, S0), then (tk, S(k-1)) and (tk, Sk) for each later point k. */
static void km_vertex_cells(km_sheet *k, size_t r)
{
    for (size_t c = 0; c < k->curves->n && wb_ok(k->s.book); c++) {
        const plot_curve *curve = &k->curves->items[c];
        size_t point = (r + 1) / 2;
        lxw_col_t col = KM_DATA_COL + (lxw_col_t)(2 * c);
        if (r >= k->n_vertices[c])
            continue;
        wb_number(&k->s, col, curve->time[point], WB_TIME);
        wb_number(&k->s, col + 1, curve->surv[r % 2 ? point - 1 : point], WB_SURV);
    }
}

static void km_rows(km_sheet *k)
{
    size_t rows = 0, curve = 0, point = 0;
    for (size_t c = 0; c < k->curves->n; c++) {
        rows += k->curves->items[c].n_points;
        rows = rows > k->n_vertices[c] ? rows : k->n_vertices[c];
    }
    rows = rows < LXW_ROW_MAX - 1 ? rows : LXW_ROW_MAX - 1;
    for (size_t r = 0; r < rows && wb_ok(k->s.book); r++) {
        while (curve < k->curves->n && point >= k->curves->items[curve].n_points) {
            curve++;
            point = 0;
        }
        if (curve < k->curves->n)
            km_point_row(k, &k->curves->items[curve], point++);
        km_vertex_cells(k, r);
        wb_next_row(&k->s);
    }
}

/* ---- charts ---- */

/* Chart text: libxlsxwriter reads a leading '=' as a cell reference, so such text gets a space. */
static void km_chart_text(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s%s", text[0] == '=' ? " " : "", text);
}

static int km_same_chart(const plot_curve *a, const plot_curve *b)
{
    return !strcmp(a->endpoint, b->endpoint) && !strcmp(a->model, b->model) && !strcmp(a->variable, b->variable);
}

static void km_series(km_sheet *k, lxw_chart *chart, size_t c)
{
    const plot_curve *curve = &k->curves->items[c];
    lxw_col_t x = KM_DATA_COL + (lxw_col_t)(2 * c);
    lxw_row_t last = (lxw_row_t)k->n_vertices[c];
    lxw_chart_line line = {.width = 1.5};
    char name[256];
    lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
    if (!series) {
        wb_fail(k->s.book, EMBOLO_ERROR_NOMEM, "a chart series");
        return;
    }
    chart_series_set_categories(series, k->s.name, 1, x, last, x);
    chart_series_set_values(series, k->s.name, 1, x + 1, last, x + 1);
    km_chart_text(name, sizeof name, strcmp(curve->variable, "all") ? curve->level : "All patients");
    chart_series_set_name(series, name);
    chart_series_set_line(series, &line);
}

static const char *km_endpoint_label(const study *st, const char *endpoint)
{
    for (size_t e = 0; e < st->n_endpoints; e++)
        if (!strcmp(st->endpoints[e].name, endpoint))
            return wb_endpoint_label(&st->endpoints[e]);
    return endpoint;
}

static void km_chart_title(km_sheet *k, lxw_chart *chart, const plot_curve *first)
{
    const study *st = k->s.book->in->study;
    int v = study_find_variable(st, first->variable);
    char title[512], text[520];
    snprintf(title, sizeof title, "%s: %s%s", km_endpoint_label(st, first->endpoint),
             v >= 0 ? wb_variable_label(&st->variables[v]) : "all patients",
             strcmp(first->model, "weighted") ? "" : " (propensity-weighted)");
    km_chart_text(text, sizeof text, title);
    chart_title_set_name(chart, text);
}

static void km_chart_axes(km_sheet *k, lxw_chart *chart, size_t first, size_t end)
{
    const wb_book *b = k->s.book;
    double x_max = 0.0;
    char name[160];
    for (size_t c = first; c < end; c++) {
        const plot_curve *curve = &k->curves->items[c];
        if (k->n_vertices[c] && curve->time[curve->n_points - 1] > x_max)
            x_max = curve->time[curve->n_points - 1];
    }
    snprintf(name, sizeof name, "Time (%s)", b->in->study->time_unit);
    chart_axis_set_name(chart->x_axis, name);
    chart_axis_set_num_format(chart->x_axis, "0");
    chart_axis_set_min(chart->x_axis, 0.0);
    chart_axis_set_max(chart->x_axis, b->t->x_max > 0 ? b->t->x_max : x_max);
    if (k->curves->items[first].tick_step > 0)
        chart_axis_set_major_unit(chart->x_axis, k->curves->items[first].tick_step);
    chart_axis_set_name(chart->y_axis, "Survival");
    chart_axis_set_min(chart->y_axis, 0.0);
    chart_axis_set_max(chart->y_axis, 1.0);
    chart_axis_set_num_format(chart->y_axis, "0%");
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    chart_show_hidden_data(chart);  /* the table's autofilter hides rows */
}

/* One chart for the curves first .. end-1 (one endpoint, model and variable); returns whether one was
 * drawn (none when no curve has a point to show). */
static int km_chart(km_sheet *k, size_t first, size_t end, size_t index)
{
    wb_book *b = k->s.book;
    lxw_chart_options place = {.x_offset = 8, .y_scale = (double)KM_CHART_HEIGHT / 288.0,
                               .x_scale = (double)KM_CHART_WIDTH / 480.0};
    size_t drawn = 0;
    for (size_t c = first; c < end; c++)
        drawn += k->n_vertices[c] > 0;
    if (!drawn)
        return 0;
    lxw_chart *chart = workbook_add_chart(b->workbook, LXW_CHART_SCATTER_STRAIGHT);
    if (!chart) {
        wb_fail(b, EMBOLO_ERROR_NOMEM, "a chart");
        return 0;
    }
    for (size_t c = first; c < end && c - first < KM_MAX_SERIES && wb_ok(b); c++)
        if (k->n_vertices[c])
            km_series(k, chart, c);
    km_chart_title(k, chart, &k->curves->items[first]);
    km_chart_axes(k, chart, first, end);
    wb_check(b, worksheet_insert_chart_opt(k->s.ws, 1 + (lxw_row_t)(index * KM_CHART_ROWS), KM_CHART_COL, chart, &place),
             "a KM chart");
    return 1;
}

static void km_charts(km_sheet *k)
{
    size_t first = 0, index = 0;
    while (first < k->curves->n && wb_ok(k->s.book)) {
        size_t end = first + 1;
        while (end < k->curves->n && km_same_chart(&k->curves->items[first], &k->curves->items[end]))
            end++;
        index += (size_t)km_chart(k, first, end, index);
        first = end;
    }
}

void wb_write_km_curves(wb_book *b)
{
    static const curve_set none = {0};
    km_sheet k = {.curves = b->in->results->curves ? b->in->results->curves : &none};
    if (!wb_sheet_begin(b, &k.s, "KM curves", KM_DATA_COL + (lxw_col_t)(2 * k.curves->n)))
        return;
    if (km_prepare(&k)) {
        km_header(&k);
        if (!k.curves->n)
            wb_note(&k.s, "No Kaplan-Meier curve in this run.");
        km_rows(&k);
        km_charts(&k);
    }
    wb_sheet_end(&k.s, 1, 0, KM_COLS);
    free(k.n_vertices);
}
