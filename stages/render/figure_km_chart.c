/* The KM curves sheet's native Excel charts: one scatter chart per endpoint, model and subgroup
 * variable, drawn as steps in the report's colour-blind-safe pens (Okabe-Ito colours and dashes, as
 * draw_series_pen gives them). Excel has no step line, so each curve's vertices (t0, S0), (t1, S0),
 * (t1, S1), (t2, S1) ... go to two columns of a hidden sheet of their own, which the series read.
 * The charts sit in a grid right of the table, two across and two down per printed page; the sheet's
 * print area is the charts, with a page break under every second row of charts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "draw.h"
#include "format.h"
#include "xlsx.h"

#define DATA_SHEET "KM chart data"
/* A landscape A4 page prints 988 pixels across and 650 down at 100% (96 an inch, the default margins
 * of 0.7 and 0.75 in): two charts across and two down fit without scaling, which some programs
 * (LibreOffice) ignore. The grid's columns have a width of their own, not the default, which
 * programs read differently. */
#define COL_WIDTH 8.0           /* characters: 61 pixels */
#define CHART_COLS 7            /* columns a chart covers: 427 pixels */
#define CHART_ROWS 15           /* rows a chart covers (20 pixels each): 300 pixels */
#define CHART_GAP 1             /* rows and columns between charts */
#define CHART_WIDTH 420
#define CHART_HEIGHT 292
#define CHARTS_ACROSS 2
#define CHART_ROWS_PER_PAGE 2
#define GRID_COLS (CHARTS_ACROSS * (CHART_COLS + CHART_GAP) - CHART_GAP)
#define MAX_SERIES 255          /* Excel's limit per chart */
#define MAX_BREAKS 1023         /* libxlsxwriter's limit of page breaks */

typedef struct km_charts {
    xlsx_book *book;
    xlsx_sheet *table;          /* the KM curves sheet */
    xlsx_sheet data;            /* the hidden sheet of vertices */
    const curve_set *curves;
    size_t *n_vertices;         /* [curves->n] vertices drawn per curve */
    lxw_col_t first_col;
    size_t n_charts;
} km_charts;

/* Points drawn: all, or under the share template those before the first hidden number at risk. */
static size_t points_shown(const xlsx_book *b, const plot_curve *c)
{
    size_t k = 0;
    while (k < c->n_points && !format_count_hidden(b->t, (double)c->n_risk[k]))
        k++;
    return k;
}

/* "hpfs grade G1", "hpfs all", "os modality TARE weighted". */
static void curve_name(const plot_curve *c, char *out, size_t size)
{
    snprintf(out, size, "%s %s%s%s%s", c->endpoint, c->variable, c->level[0] ? " " : "", c->level,
             strcmp(c->model, KEY_WEIGHTED) ? "" : " weighted");
}

/* The vertices of every curve, one column pair per curve, row r holding vertex r of each. */
static void write_vertices(km_charts *k)
{
    char text[320], name[256];
    size_t rows = 0;
    for (size_t c = 0; c < k->curves->n && xlsx_ok(k->book); c++) {
        curve_name(&k->curves->items[c], name, sizeof name);
        snprintf(text, sizeof text, "%s: step time", name);
        xlsx_header(&k->data, (lxw_col_t)(2 * c), text);
        snprintf(text, sizeof text, "%s: step survival", name);
        xlsx_header(&k->data, (lxw_col_t)(2 * c + 1), text);
        rows = k->n_vertices[c] > rows ? k->n_vertices[c] : rows;
    }
    xlsx_next_row(&k->data);
    lxw_format *time = xlsx_style_format(k->book, XLSX_NUMBER, k->book->t->decimals);
    lxw_format *surv = xlsx_style_format(k->book, XLSX_PERCENT, k->book->t->decimals);
    for (size_t r = 0; r < rows && xlsx_ok(k->book); r++) {
        for (size_t c = 0; c < k->curves->n; c++) {
            const plot_curve *curve = &k->curves->items[c];
            size_t point = (r + 1) / 2;
            if (r >= k->n_vertices[c])
                continue;
            xlsx_number(&k->data, (lxw_col_t)(2 * c), curve->time[point], time, 6);
            xlsx_number(&k->data, (lxw_col_t)(2 * c + 1), curve->surv[r % 2 ? point - 1 : point], surv, 6);
        }
        xlsx_next_row(&k->data);
    }
}

/* ---- charts ---- */

/* Chart text: libxlsxwriter reads a leading '=' as a cell reference, so such text gets a space. */
static void chart_text(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s%s", text[0] == '=' ? " " : "", text);
}

static int same_chart(const plot_curve *a, const plot_curve *b)
{
    return !strcmp(a->endpoint, b->endpoint) && !strcmp(a->model, b->model) && !strcmp(a->variable, b->variable);
}

/* The report's pen of the index-th curve of a figure, as an Excel line. */
static lxw_chart_line series_line(size_t index)
{
    static const uint8_t dashes[DRAW_DASH_COUNT] = {
        [DRAW_DASH_SOLID] = LXW_CHART_LINE_DASH_SOLID, [DRAW_DASH_LONG] = LXW_CHART_LINE_DASH_LONG_DASH,
        [DRAW_DASH_DOT] = LXW_CHART_LINE_DASH_ROUND_DOT, [DRAW_DASH_DOTDASH] = LXW_CHART_LINE_DASH_DASH_DOT,
        [DRAW_DASH_SHORT] = LXW_CHART_LINE_DASH_DASH};
    draw_pen pen = draw_series_pen(index, 1.5);
    lxw_color_t color = (lxw_color_t)((unsigned)(pen.r * 255 + 0.5) << 16 | (unsigned)(pen.g * 255 + 0.5) << 8 |
                                      (unsigned)(pen.b * 255 + 0.5));
    return (lxw_chart_line){.color = color, .width = 1.5f,
                            .dash_type = dashes[pen.dash >= 0 && pen.dash < DRAW_DASH_COUNT ? pen.dash : 0]};
}

static void chart_series(km_charts *k, lxw_chart *chart, size_t c, size_t index)
{
    const plot_curve *curve = &k->curves->items[c];
    lxw_col_t x = (lxw_col_t)(2 * c);
    lxw_row_t last = (lxw_row_t)k->n_vertices[c];
    lxw_chart_line line = series_line(index);
    char name[256], level[240];
    lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
    if (!series) {
        xlsx_fail(k->book, EMBOLO_ERROR_NOMEM, "a chart series");
        return;
    }
    chart_series_set_categories(series, DATA_SHEET, 1, x, last, x);
    chart_series_set_values(series, DATA_SHEET, 1, x + 1, last, x + 1);
    build_level(level, sizeof level, curve->level);  /* as the report's legend: "≤50" */
    chart_text(name, sizeof name, strcmp(curve->variable, KEY_ALL) ? level : "All patients");
    chart_series_set_name(series, name);
    chart_series_set_line(series, &line);
}

static void chart_title(km_charts *k, lxw_chart *chart, const plot_curve *first)
{
    const study *st = k->book->in->study;
    int v = study_find_variable(st, first->variable), e = build_endpoint_index(st, first->endpoint);
    char title[512], text[520];
    snprintf(title, sizeof title, "%s: %s%s", e >= 0 ? build_endpoint_label(&st->endpoints[e]) : first->endpoint,
             v >= 0 ? build_variable_label(&st->variables[v]) : "all patients",
             strcmp(first->model, KEY_WEIGHTED) ? "" : " (propensity-weighted)");
    chart_text(text, sizeof text, title);
    chart_title_set_name(chart, text);
}

static void chart_axes(km_charts *k, lxw_chart *chart, size_t first, size_t end)
{
    const xlsx_book *b = k->book;
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

/* The top row and left column of the index-th chart of the grid. */
static void chart_place(const km_charts *k, size_t index, lxw_row_t *row, lxw_col_t *col)
{
    *row = (lxw_row_t)(index / CHARTS_ACROSS) * (CHART_ROWS + CHART_GAP);
    *col = k->first_col + (lxw_col_t)(index % CHARTS_ACROSS) * (CHART_COLS + CHART_GAP);
}

/* One chart for the curves first .. end-1 (one endpoint, model and variable); none when no curve has
 * a point to show. */
static void chart_add(km_charts *k, size_t first, size_t end)
{
    xlsx_book *b = k->book;
    lxw_chart_options place = {.x_offset = 4, .y_offset = 4, .y_scale = (double)CHART_HEIGHT / 288.0,
                               .x_scale = (double)CHART_WIDTH / 480.0};
    size_t drawn = 0;
    for (size_t c = first; c < end; c++)
        drawn += k->n_vertices[c] > 0;
    if (!drawn)
        return;
    lxw_chart *chart = workbook_add_chart(b->workbook, LXW_CHART_SCATTER_STRAIGHT);
    if (!chart) {
        xlsx_fail(b, EMBOLO_ERROR_NOMEM, "a chart");
        return;
    }
    for (size_t c = first, index = 0; c < end && index < MAX_SERIES && xlsx_ok(b); c++)
        if (k->n_vertices[c])
            chart_series(k, chart, c, index++);
    chart_title(k, chart, &k->curves->items[first]);
    chart_axes(k, chart, first, end);
    lxw_row_t row;
    lxw_col_t col;
    chart_place(k, k->n_charts++, &row, &col);
    xlsx_check(b, worksheet_insert_chart_opt(k->table->ws, row, col, chart, &place), "a KM chart");
}

/* The charts print: their area only (its columns of a set width), two charts across and two down a
 * page, at 100%. */
static void charts_print(km_charts *k)
{
    lxw_row_t breaks[MAX_BREAKS + 1] = {0}, last_row;
    lxw_col_t last_col;
    size_t rows = (k->n_charts + CHARTS_ACROSS - 1) / CHARTS_ACROSS, n = 0;
    chart_place(k, (rows - 1) * CHARTS_ACROSS + CHARTS_ACROSS - 1, &last_row, &last_col);
    for (size_t r = CHART_ROWS_PER_PAGE; r < rows && n < MAX_BREAKS; r += CHART_ROWS_PER_PAGE)
        breaks[n++] = (lxw_row_t)r * (CHART_ROWS + CHART_GAP);
    xlsx_check(k->book, worksheet_set_column(k->table->ws, k->first_col, k->first_col + GRID_COLS - 1, COL_WIDTH,
                                             NULL), "the KM charts' columns");
    xlsx_check(k->book, worksheet_print_area(k->table->ws, 0, k->first_col, last_row + CHART_ROWS,
                                             k->first_col + GRID_COLS - 1), "the KM charts' print area");
    if (n)
        xlsx_check(k->book, worksheet_set_h_pagebreaks(k->table->ws, breaks), "the KM charts' page breaks");
}

static int charts_prepare(km_charts *k)
{
    size_t n = k->curves->n;
    k->n_vertices = calloc(n ? n : 1, sizeof *k->n_vertices);
    if (!k->n_vertices) {
        xlsx_fail(k->book, EMBOLO_ERROR_NOMEM, "KM charts");
        return 0;
    }
    for (size_t c = 0; c < n; c++) {
        size_t shown = points_shown(k->book, &k->curves->items[c]);
        k->n_vertices[c] = shown ? 2 * shown - 1 : 0;
        k->n_vertices[c] = k->n_vertices[c] < LXW_ROW_MAX - 1 ? k->n_vertices[c] : LXW_ROW_MAX - 1;
    }
    return 1;
}

int xlsx_km_charts(xlsx_book *b, xlsx_sheet *s, lxw_col_t first_col)
{
    km_charts k = {.book = b, .table = s, .curves = b->in->results->curves, .first_col = first_col};
    if (!k.curves || k.curves->n == 0 || !xlsx_ok(b) || !charts_prepare(&k))
        return 0;
    if (xlsx_sheet_begin(b, &k.data, DATA_SHEET, (lxw_col_t)(2 * k.curves->n))) {
        worksheet_hide(k.data.ws);
        xlsx_print_setup(&k.data, 1);
        write_vertices(&k);
        xlsx_sheet_end(&k.data);
    }
    for (size_t first = 0; first < k.curves->n && xlsx_ok(b);) {
        size_t end = first + 1;
        while (end < k.curves->n && same_chart(&k.curves->items[first], &k.curves->items[end]))
            end++;
        chart_add(&k, first, end);
        first = end;
    }
    if (k.n_charts)
        charts_print(&k);
    free(k.n_vertices);
    return k.n_charts > 0;
}
