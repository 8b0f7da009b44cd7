/* The builder of the cohort flow diagram: records read, excluded (by reason), analysed, and per
 * endpoint analysed, events and exclusions, as boxes (figure_draw.c joins them by arrows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figure.h"

#define FLOW_MAX_LINES 12

/* A box being filled: up to FLOW_MAX_LINES lines, its first one bold. */
typedef struct flow_lines {
    const char *lines[FLOW_MAX_LINES];
    size_t n;
} flow_lines;

static void lines_add(flow_lines *b, const char *text)
{
    if (b->n < FLOW_MAX_LINES && text)
        b->lines[b->n++] = text;
}

static figure_box box_of(figure *f, const flow_lines *b)
{
    const char **lines = figure_alloc(f, b->n, sizeof *lines);
    if (lines && b->n)
        memcpy(lines, b->lines, b->n * sizeof *lines);
    return (figure_box){.lines = lines, .n_lines = lines ? b->n : 0};
}

static void flow_main_boxes(figure *f, const build_context *b, const build_reasons *reasons, figure_flow *flow)
{
    flow_lines read = {0}, analysed = {0}, excluded = {0};
    lines_add(&read, figure_text(f, "Records read: %s", figure_count(f, b, (double)b->data->rows_read)));
    lines_add(&analysed, figure_text(f, "Analysed: %s records", figure_count(f, b, (double)b->data->n)));
    lines_add(&excluded, figure_text(f, "Excluded: %s records", figure_count(f, b, (double)build_rows_excluded(b))));
    for (size_t k = 0; k < reasons->n; k++)
        if (!strcmp(reasons->items[k].scope, "row"))
            lines_add(&excluded, figure_text(f, "%s: %.200s", figure_count(f, b, (double)reasons->items[k].count),
                                             reasons->items[k].message));
    flow->read = box_of(f, &read);
    flow->analysed = box_of(f, &analysed);
    flow->excluded = box_of(f, &excluded);
}

static figure_box flow_endpoint_box(figure *f, const build_context *b, size_t e, const build_reasons *reasons)
{
    flow_lines box = {0};
    size_t analysed, events;
    const study_endpoint *ep = &b->s->endpoints[e];
    build_endpoint_counts(b, e, &analysed, &events);
    lines_add(&box, build_endpoint_label(ep));
    lines_add(&box, figure_text(f, "%s analysed, %s events", figure_count(f, b, (double)analysed),
                                figure_count(f, b, (double)events)));
    for (size_t k = 0; k < reasons->n; k++)
        if (!strcmp(reasons->items[k].scope, ep->name))
            lines_add(&box, figure_text(f, "%s excluded: %s", figure_count(f, b, (double)reasons->items[k].count),
                                        reasons->items[k].message));
    return box_of(f, &box);
}

void figure_build_flow(const build_context *b, figure_list *out)
{
    build_reasons reasons = {0};
    figure *f = figure_new(b->t, FIGURE_KIND_FLOW);
    figure_flow *flow = f ? figure_alloc(f, 1, sizeof *flow) : NULL;
    figure_box *endpoints = flow ? figure_alloc(f, b->s->n_endpoints, sizeof *endpoints) : NULL;
    if (endpoints && build_reasons_collect(b->in->log, &reasons) != EMBOLO_OK)
        f->error = EMBOLO_ERROR_NOMEM;
    if (endpoints && f->error == EMBOLO_OK) {
        flow_main_boxes(f, b, &reasons, flow);
        for (size_t e = 0; e < b->s->n_endpoints; e++)
            endpoints[e] = flow_endpoint_box(f, b, e, &reasons);
        flow->endpoints = endpoints;
        flow->n_endpoints = b->s->n_endpoints;
        f->flow = flow;
        f->title = "Cohort flow";
        f->what = "flow";
    }
    build_reasons_free(&reasons);
    figure_list_add(out, f);
}
