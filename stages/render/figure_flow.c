/* The cohort flow diagram: records read, excluded (by reason), analysed, and per endpoint analysed,
 * events and exclusions, in boxes joined by arrows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figure.h"

#define FLOW_FONT 8.0
#define FLOW_MAX_LINES 12
#define FLOW_LINE 11.0

/* ---- the diagram ---- */

typedef struct flow_box {
    char lines[FLOW_MAX_LINES][200];
    size_t n;
} flow_box;

static void box_add(flow_box *b, const char *text)
{
    if (b->n < FLOW_MAX_LINES)
        build_copy(b->lines[b->n++], sizeof b->lines[0], text);
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

static void flow_read_box(pdf_context *ctx, flow_box *read, flow_box *analysed, flow_box *excluded,
                          const build_reasons *reasons)
{
    char count[32], text[240];
    figure_count(ctx, count, sizeof count, (double)ctx->data->rows_read);
    snprintf(text, sizeof text, "Records read: %s", count);
    box_add(read, text);
    figure_count(ctx, count, sizeof count, (double)ctx->data->n);
    snprintf(text, sizeof text, "Analysed: %s records", count);
    box_add(analysed, text);
    figure_count(ctx, count, sizeof count, (double)build_rows_excluded(&ctx->build));
    snprintf(text, sizeof text, "Excluded: %s records", count);
    box_add(excluded, text);
    for (size_t k = 0; k < reasons->n; k++) {
        if (strcmp(reasons->items[k].scope, "row") != 0)
            continue;
        figure_count(ctx, count, sizeof count, (double)reasons->items[k].count);
        snprintf(text, sizeof text, "%s: %.200s", count, reasons->items[k].message);
        box_add(excluded, text);
    }
}

static void flow_endpoint_box(pdf_context *ctx, size_t e, const build_reasons *reasons, flow_box *box)
{
    char analysed[32], events[32], count[32], text[240];
    size_t n_analysed, n_events;
    const study_endpoint *ep = &ctx->s->endpoints[e];
    build_endpoint_counts(&ctx->build, e, &n_analysed, &n_events);
    box_add(box, build_endpoint_label(ep));
    figure_count(ctx, analysed, sizeof analysed, (double)n_analysed);
    figure_count(ctx, events, sizeof events, (double)n_events);
    snprintf(text, sizeof text, "%s analysed, %s events", analysed, events);
    box_add(box, text);
    for (size_t k = 0; k < reasons->n; k++) {
        if (strcmp(reasons->items[k].scope, ep->name) != 0)
            continue;
        figure_count(ctx, count, sizeof count, (double)reasons->items[k].count);
        snprintf(text, sizeof text, "%s excluded: %s", count, reasons->items[k].message);
        box_add(box, text);
    }
}

/* The endpoint boxes in a row under the analysed box, joined by elbow arrows. */
static void flow_endpoints_draw(pdf_context *ctx, const flow_box *boxes, size_t n, draw_box area, double from_x,
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

static void flow_diagram(pdf_context *ctx, const build_reasons *reasons)
{
    size_t n = ctx->s->n_endpoints;
    flow_box *boxes = calloc(n + 3, sizeof *boxes);
    if (!boxes) {
        draw_fail(ctx->doc, EMBOLO_ERROR_NOMEM);
        return;
    }
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
}

void figure_flow(pdf_context *ctx)
{
    build_reasons reasons = {0};
    if (build_reasons_collect(ctx->in->log, &reasons) != EMBOLO_OK) {
        draw_fail(ctx->doc, EMBOLO_ERROR_NOMEM);
        return;
    }
    flow_diagram(ctx, &reasons);
    draw_gap(ctx->doc, 10.0);
    build_reasons_free(&reasons);
}
