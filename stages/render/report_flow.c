/* Section 1, cohort flow: records read, excluded by reason, analysed per endpoint (a diagram and
 * tables), and missing values per variable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define FLOW_FONT 8.0
#define FLOW_MAX_LINES 12
#define FLOW_LINE 11.0

/* Exclusions grouped by scope and code (and column for invalid values). */
typedef struct flow_reason {
    const char *scope, *code, *column, *message;
    size_t count;
} flow_reason;

typedef struct flow_reasons {
    flow_reason *items;
    size_t n;
} flow_reasons;

static int scope_is_value(const char *scope)
{
    return strcmp(scope, "value") == 0;
}

/* The text with its first letter in upper case. */
static void sentence_case(char *out, size_t size, const char *text)
{
    report_copy(out, size, text);
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

/* Order of the scopes in the table: whole records, endpoints, values. */
static int scope_rank(const char *scope)
{
    return strcmp(scope, "row") == 0 ? 0 : scope_is_value(scope) ? 2 : 1;
}

static int reason_matches(const flow_reason *r, const exclusion *e)
{
    return strcmp(r->scope, e->scope) == 0 && strcmp(r->code, e->code) == 0 &&
           (!scope_is_value(e->scope) || strcmp(r->column, e->column) == 0);
}

static embolo_error reasons_collect(const exclusion_log *log, flow_reasons *out)
{
    out->n = 0;
    out->items = calloc(log->n ? log->n : 1, sizeof *out->items);
    if (!out->items)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < log->n; i++) {
        const exclusion *e = &log->items[i];
        size_t k = 0;
        while (k < out->n && !reason_matches(&out->items[k], e))
            k++;
        if (k == out->n)
            out->items[out->n++] = (flow_reason){e->scope, e->code, e->column, e->message, 0};
        out->items[k].count++;
    }
    return EMBOLO_OK;
}

/* ---- the diagram ---- */

typedef struct flow_box {
    char lines[FLOW_MAX_LINES][200];
    size_t n;
} flow_box;

static void box_add(flow_box *b, const char *text)
{
    if (b->n < FLOW_MAX_LINES)
        report_copy(b->lines[b->n++], sizeof b->lines[0], text);
}

/* Wrapped lines of a box's text in width. */
static size_t box_lines(draw_doc *doc, const flow_box *b, double width)
{
    const char *starts[8];
    size_t lengths[8], n = 0;
    for (size_t i = 0; i < b->n; i++) {
        size_t wrapped = draw_wrap(doc, b->lines[i], i ? DRAW_REGULAR : DRAW_BOLD, FLOW_FONT, width, starts, lengths, 8);
        n += wrapped ? wrapped : 1;
    }
    return n;
}

static double box_height(draw_doc *doc, const flow_box *b, double width)
{
    return (double)box_lines(doc, b, width - 12.0) * FLOW_LINE + 10.0;
}

/* Draws a box with its top at top; returns its bottom. */
static double box_draw(draw_doc *doc, const flow_box *b, double x, double top, double width)
{
    const char *starts[8];
    size_t lengths[8];
    char line[200];
    double height = box_height(doc, b, width), y = top - 5.0 - FLOW_LINE + 2.5;
    draw_rect(doc, (draw_box){x, top - height, width, height}, draw_grey_pen(0.3, 0.7, DRAW_DASH_SOLID), 0.97);
    for (size_t i = 0; i < b->n; i++) {
        draw_font font = i ? DRAW_REGULAR : DRAW_BOLD;
        size_t n = draw_wrap(doc, b->lines[i], font, FLOW_FONT, width - 12.0, starts, lengths, 8);
        for (size_t k = 0; k < n; k++, y -= FLOW_LINE) {
            snprintf(line, sizeof line, "%.*s", (int)lengths[k], starts[k]);
            draw_text(doc, x + 6.0, y, line, font, FLOW_FONT, DRAW_LEFT);
        }
    }
    return top - height;
}

static void flow_read_box(report_context *ctx, flow_box *read, flow_box *analysed, flow_box *excluded,
                          const flow_reasons *reasons)
{
    char count[32], text[240];
    report_count(ctx, count, sizeof count, (double)ctx->data->rows_read);
    snprintf(text, sizeof text, "Records read: %s", count);
    box_add(read, text);
    report_count(ctx, count, sizeof count, (double)ctx->data->n);
    snprintf(text, sizeof text, "Analysed: %s records", count);
    box_add(analysed, text);
    report_count(ctx, count, sizeof count, (double)(ctx->data->rows_read - ctx->data->n));
    snprintf(text, sizeof text, "Excluded: %s records", count);
    box_add(excluded, text);
    for (size_t k = 0; k < reasons->n; k++) {
        if (strcmp(reasons->items[k].scope, "row") != 0)
            continue;
        report_count(ctx, count, sizeof count, (double)reasons->items[k].count);
        snprintf(text, sizeof text, "%s: %.200s", count, reasons->items[k].message);
        box_add(excluded, text);
    }
}

static void flow_endpoint_box(report_context *ctx, size_t e, const flow_reasons *reasons, flow_box *box)
{
    char analysed[32], events[32], count[32], text[240];
    size_t n_analysed, n_events;
    const study_endpoint *ep = &ctx->s->endpoints[e];
    report_endpoint_counts(ctx, e, &n_analysed, &n_events);
    box_add(box, report_endpoint_label(ep));
    report_count(ctx, analysed, sizeof analysed, (double)n_analysed);
    report_count(ctx, events, sizeof events, (double)n_events);
    snprintf(text, sizeof text, "%s analysed, %s events", analysed, events);
    box_add(box, text);
    for (size_t k = 0; k < reasons->n; k++) {
        if (strcmp(reasons->items[k].scope, ep->name) != 0)
            continue;
        report_count(ctx, count, sizeof count, (double)reasons->items[k].count);
        snprintf(text, sizeof text, "%s excluded: %s", count, reasons->items[k].message);
        box_add(box, text);
    }
}

/* The endpoint boxes in a row under the analysed box, joined by elbow arrows. */
static void flow_endpoints_draw(report_context *ctx, const flow_box *boxes, size_t n, draw_box area, double from_x,
                                double from_y)
{
    draw_pen pen = draw_grey_pen(0.3, 0.7, DRAW_DASH_SOLID);
    double gap = 12.0, width = (area.w - gap * (double)(n - 1)) / (double)n, top = area.y + area.h;
    double join = from_y - (from_y - top) / 2;
    draw_segment(ctx->doc, from_x, from_y, from_x, join, pen);
    for (size_t e = 0; e < n; e++) {
        double x = area.x + (double)e * (width + gap), centre = x + width / 2;
        draw_segment(ctx->doc, from_x, join, centre, join, pen);
        draw_arrow(ctx->doc, centre, join, centre, top, pen);
        box_draw(ctx->doc, &boxes[e], x, top, width);
    }
}

static embolo_error flow_diagram(report_context *ctx, const flow_reasons *reasons)
{
    size_t n = ctx->s->n_endpoints;
    flow_box *boxes = calloc(n + 3, sizeof *boxes);
    if (!boxes)
        return EMBOLO_ERROR_NOMEM;
    flow_box *read = &boxes[n], *analysed = &boxes[n + 1], *excluded = &boxes[n + 2];
    flow_read_box(ctx, read, analysed, excluded, reasons);
    for (size_t e = 0; e < n; e++)
        flow_endpoint_box(ctx, e, reasons, &boxes[e]);
    double frame_w = draw_frame(ctx->doc).w, main_w = 180.0, side_w = frame_w - main_w - 60.0;
    double h_read = box_height(ctx->doc, read, main_w), h_excluded = box_height(ctx->doc, excluded, side_w);
    double h_analysed = box_height(ctx->doc, analysed, main_w), h_endpoints = 0.0;
    double endpoint_w = n ? (frame_w - 12.0 * (double)(n - 1)) / (double)n : frame_w;
    for (size_t e = 0; e < n; e++) {
        double h = box_height(ctx->doc, &boxes[e], endpoint_w);
        h_endpoints = h > h_endpoints ? h : h_endpoints;
    }
    double middle = h_excluded + 28.0 > 50.0 ? h_excluded + 28.0 : 50.0;
    draw_box area = draw_block(ctx->doc, h_read + middle + h_analysed + (n ? 36.0 + h_endpoints : 0.0) + 8.0);
    double top = area.y + area.h, centre = area.x + main_w / 2;
    draw_pen pen = draw_grey_pen(0.3, 0.7, DRAW_DASH_SOLID);
    double bottom = box_draw(ctx->doc, read, area.x, top, main_w);
    double side_top = bottom - 14.0, analysed_top = bottom - middle;
    box_draw(ctx->doc, excluded, area.x + main_w + 60.0, side_top, side_w);
    draw_arrow(ctx->doc, centre, bottom, centre, analysed_top, pen);
    draw_arrow(ctx->doc, centre, side_top - h_excluded / 2, area.x + main_w + 60.0, side_top - h_excluded / 2, pen);
    bottom = box_draw(ctx->doc, analysed, area.x, analysed_top, main_w);
    if (n)
        flow_endpoints_draw(ctx, boxes, n, (draw_box){area.x, area.y, frame_w, bottom - 36.0 - area.y}, centre,
                            bottom);
    free(boxes);
    return EMBOLO_OK;
}

/* ---- tables ---- */

static const char *reason_applies_to(const report_context *ctx, const flow_reason *r, char *out, size_t size)
{
    if (strcmp(r->scope, "row") == 0)
        return "whole record";
    if (scope_is_value(r->scope)) {
        snprintf(out, size, "value of %s (kept as missing)", r->column);
        return out;
    }
    for (size_t e = 0; e < ctx->s->n_endpoints; e++)
        if (strcmp(ctx->s->endpoints[e].name, r->scope) == 0)
            return report_endpoint_label(&ctx->s->endpoints[e]);
    return r->scope;
}

static embolo_error flow_reasons_table(report_context *ctx, const flow_reasons *reasons)
{
    static const char *const headers[] = {"Reason", "Code", "Applies to", "Records"};
    if (reasons->n == 0) {
        report_note(ctx, "No record was excluded and no value was invalid.");
        return EMBOLO_OK;
    }
    draw_table *table = report_table_new(headers, 4);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    if (table) {
        draw_table_wrap(table, 0, 200.0);
        draw_table_wrap(table, 2, 130.0);
    }
    /* Whole records first, then endpoints, then invalid values. */
    for (int rank = 0; rank < 3; rank++)
        for (size_t k = 0; k < reasons->n && err == EMBOLO_OK; k++) {
            char count[32], applies[160];
            const flow_reason *r = &reasons->items[k];
            if (scope_rank(r->scope) != rank)
                continue;
            report_count(ctx, count, sizeof count, (double)r->count);
            char message[200];
            sentence_case(message, sizeof message, r->message);
            const char *cells[] = {message, r->code, reason_applies_to(ctx, r, applies, sizeof applies), count};
            err = draw_table_add(table, cells, DRAW_ROW_PLAIN);
        }
    return report_table_finish(ctx, table, "Exclusions and invalid values by reason", err);
}

static embolo_error flow_endpoint_row(report_context *ctx, draw_table *table, size_t e)
{
    char analysed[32], events[32], censored[32], excluded[32], followup[96];
    size_t n_analysed, n_events;
    const study_endpoint *ep = &ctx->s->endpoints[e];
    report_endpoint_counts(ctx, e, &n_analysed, &n_events);
    report_count(ctx, analysed, sizeof analysed, (double)n_analysed);
    report_count(ctx, events, sizeof events, (double)n_events);
    report_count(ctx, censored, sizeof censored, (double)(n_analysed - n_events));
    report_count(ctx, excluded, sizeof excluded, (double)(ctx->data->n - n_analysed));
    report_estimate_ci(ctx, followup, sizeof followup,
                       report_value(ctx, "followup", ep->name, "reverse_km", "all", "", "median"),
                       report_value(ctx, "followup", ep->name, "reverse_km", "all", "", "median_lower"),
                       report_value(ctx, "followup", ep->name, "reverse_km", "all", "", "median_upper"));
    const char *cells[] = {report_endpoint_label(ep), analysed, events, censored, excluded, followup};
    return draw_table_add(table, cells, DRAW_ROW_PLAIN);
}

static embolo_error flow_endpoints_table(report_context *ctx)
{
    char followup[96], caption[160];
    snprintf(followup, sizeof followup, "Median follow-up\n(95%% CI, %s)", ctx->s->time_unit);
    const char *headers[] = {"Endpoint", "Analysed", "Events", "Censored", "Excluded", followup};
    draw_table *table = report_table_new(headers, 6);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t e = 0; e < ctx->s->n_endpoints && err == EMBOLO_OK; e++)
        err = flow_endpoint_row(ctx, table, e);
    snprintf(caption, sizeof caption, "Analysed records per endpoint");
    err = report_table_finish(ctx, table, caption, err);
    report_note(ctx, "Excluded: analysed records that this endpoint could not use. Median follow-up by the "
                     "reverse Kaplan-Meier method (censoring as the event).");
    return err;
}

static size_t invalid_values(const flow_reasons *reasons, const study_variable *v)
{
    size_t n = 0;
    for (size_t k = 0; k < reasons->n; k++)
        if (scope_is_value(reasons->items[k].scope) && v->column && strcmp(reasons->items[k].column, v->column) == 0)
            n += reasons->items[k].count;
    return n;
}

static embolo_error flow_missing_table(report_context *ctx, const flow_reasons *reasons)
{
    static const char *const headers[] = {"Variable", "Missing", "% of analysed", "Of which invalid"};
    draw_table *table = report_table_new(headers, 4);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t v = 0; v < ctx->s->n_variables && err == EMBOLO_OK; v++) {
        char missing[32], percent[32], invalid[32];
        double n = (double)ctx->data->missing[v];
        report_count(ctx, missing, sizeof missing, n);
        format_percent(percent, sizeof percent, ctx->data->n ? 100.0 * n / (double)ctx->data->n : NAN,
                       ctx->t->decimals);
        if (report_hidden(ctx, n))
            snprintf(percent, sizeof percent, "\xe2\x80\x94");
        report_count(ctx, invalid, sizeof invalid, (double)invalid_values(reasons, &ctx->s->variables[v]));
        const char *cells[] = {report_variable_label(&ctx->s->variables[v]), missing, percent, invalid};
        err = draw_table_add(table, cells, DRAW_ROW_PLAIN);
    }
    return report_table_finish(ctx, table, "Missing values per variable (analysed records)", err);
}

embolo_error report_flow(report_context *ctx)
{
    flow_reasons reasons = {0};
    report_section_start(ctx, "Cohort flow", 0);
    embolo_error err = reasons_collect(ctx->in->log, &reasons);
    if (err == EMBOLO_OK)
        err = flow_diagram(ctx, &reasons);
    draw_gap(ctx->doc, 10.0);
    if (err == EMBOLO_OK)
        err = flow_reasons_table(ctx, &reasons);
    if (err == EMBOLO_OK)
        err = flow_endpoints_table(ctx);
    if (err == EMBOLO_OK)
        err = flow_missing_table(ctx, &reasons);
    free(reasons.items);
    return err;
}
