/* Section 3, survival by subgroup: per endpoint, n, events, median (95% CI), survival at the
 * landmarks and the log-rank p of each subgroup variable, as a manuscript table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define SV_MAX_LANDMARKS 12
#define SV_COLUMNS (SV_MAX_LANDMARKS + 5)
#define SV_CELL 96

typedef char sv_row[SV_COLUMNS][SV_CELL];

typedef struct sv_group {
    const char *endpoint, *model, *variable;
} sv_group;

static size_t sv_landmarks(const report_context *ctx)
{
    return ctx->s->n_landmarks < SV_MAX_LANDMARKS ? ctx->s->n_landmarks : SV_MAX_LANDMARKS;
}

static size_t sv_columns(const report_context *ctx)
{
    return 5 + sv_landmarks(ctx);
}

static draw_table *sv_table_new(const report_context *ctx)
{
    char headers[SV_COLUMNS][SV_CELL];
    const char *pointers[SV_COLUMNS];
    size_t c = 0, n = sv_columns(ctx);
    report_copy(headers[c++], SV_CELL, "Subgroup");
    report_copy(headers[c++], SV_CELL, "n");
    report_copy(headers[c++], SV_CELL, "Events");
    snprintf(headers[c++], SV_CELL, "Median, %.40s\n(95%% CI)", ctx->s->time_unit);
    for (size_t l = 0; l < sv_landmarks(ctx); l++)
        snprintf(headers[c++], SV_CELL, "%.20s %.30s\n%% (95%% CI)", ctx->s->landmark_texts[l], ctx->s->time_unit);
    report_copy(headers[c++], SV_CELL, "Log-rank\np");
    for (size_t k = 0; k < n; k++)
        pointers[k] = headers[k];
    return report_table_new(pointers, n);
}

/* n, events, median and landmark cells of one Kaplan-Meier line; estimates suppressed for hidden counts. */
static void sv_estimates(const report_context *ctx, const sv_group *g, const char *level, sv_row row)
{
    char stat[3][96];
    double n = report_value(ctx, "km", g->endpoint, g->model, g->variable, level, "n");
    double events = report_value(ctx, "km", g->endpoint, g->model, g->variable, level, "events");
    report_count(ctx, row[1], SV_CELL, n);
    report_count(ctx, row[2], SV_CELL, events);
    if (report_hidden(ctx, n) || report_hidden(ctx, events)) {
        for (size_t c = 3; c < 4 + sv_landmarks(ctx); c++)
            report_copy(row[c], SV_CELL, "\xe2\x80\x94");
        return;
    }
    report_estimate_ci(ctx, row[3], SV_CELL, report_value(ctx, "km", g->endpoint, g->model, g->variable, level, "median"),
                       report_value(ctx, "km", g->endpoint, g->model, g->variable, level, "median_lower"),
                       report_value(ctx, "km", g->endpoint, g->model, g->variable, level, "median_upper"));
    for (size_t l = 0; l < sv_landmarks(ctx); l++) {
        const char *text = ctx->s->landmark_texts[l];
        snprintf(stat[0], sizeof stat[0], "surv@%.80s", text);
        snprintf(stat[1], sizeof stat[1], "surv_lower@%.80s", text);
        snprintf(stat[2], sizeof stat[2], "surv_upper@%.80s", text);
        report_percent_ci(ctx, row[4 + l], SV_CELL,
                          report_value(ctx, "km", g->endpoint, g->model, g->variable, level, stat[0]),
                          report_value(ctx, "km", g->endpoint, g->model, g->variable, level, stat[1]),
                          report_value(ctx, "km", g->endpoint, g->model, g->variable, level, stat[2]));
    }
}

static embolo_error sv_add(const report_context *ctx, draw_table *table, sv_row row, draw_row_style style)
{
    const char *cells[SV_COLUMNS];
    for (size_t c = 0; c < sv_columns(ctx); c++)
        cells[c] = row[c];
    return draw_table_add(table, cells, style);
}

/* A subgroup variable: its row with the log-rank p, then a row per level. */
static embolo_error sv_variable(const report_context *ctx, draw_table *table, const sv_group *g,
                                const study_variable *v, const char *title)
{
    sv_row row;
    memset(row, 0, sizeof row);
    report_copy(row[0], SV_CELL, title);
    if (strcmp(g->model, "unweighted") == 0)
        report_p(ctx, row[sv_columns(ctx) - 1], SV_CELL, report_value(ctx, "logrank", g->endpoint, "", v->name, "", "p"));
    embolo_error err = sv_add(ctx, table, row, DRAW_ROW_GROUP);
    for (size_t level = 0; level < v->n_levels && err == EMBOLO_OK; level++) {
        if (isnan(report_value(ctx, "km", g->endpoint, g->model, v->name, v->levels[level], "n")))
            continue;
        memset(row, 0, sizeof row);
        report_level(row[0], SV_CELL, v->levels[level]);
        sv_estimates(ctx, g, v->levels[level], row);
        err = sv_add(ctx, table, row, DRAW_ROW_INDENTED);
    }
    return err;
}

static embolo_error sv_fill(const report_context *ctx, draw_table *table, const study_endpoint *ep)
{
    sv_row row;
    sv_group all = {ep->name, "unweighted", "all"};
    memset(row, 0, sizeof row);
    report_copy(row[0], SV_CELL, "All patients");
    sv_estimates(ctx, &all, "", row);
    embolo_error err = sv_add(ctx, table, row, DRAW_ROW_TOTAL);
    for (size_t k = 0; k < ctx->s->n_subgroups && err == EMBOLO_OK; k++) {
        const study_variable *v = &ctx->s->variables[ctx->s->subgroups[k]];
        sv_group g = {ep->name, "unweighted", v->name};
        err = sv_variable(ctx, table, &g, v, report_variable_label(v));
    }
    if (err == EMBOLO_OK && ctx->s->treatment >= 0) {
        const study_variable *t = &ctx->s->variables[ctx->s->treatment];
        sv_group g = {ep->name, "weighted", t->name};
        char title[200];
        snprintf(title, sizeof title, "%.120s, propensity-weighted (ATE)", report_variable_label(t));
        if (isfinite(report_value(ctx, "km", ep->name, "weighted", t->name, t->levels[0], "n")))
            err = sv_variable(ctx, table, &g, t, title);
    }
    return err;
}

static void sv_notes(report_context *ctx)
{
    char text[700];
    snprintf(text, sizeof text, "Kaplan-Meier estimates with 95%% confidence intervals (log scale, Greenwood "
             "variance; infinitesimal-jackknife variance for the weighted rows, whose n and events are "
             "unweighted counts). Median in %s; NA: not reached or not estimable. Survival at a landmark in "
             "percent; NA beyond the group's last follow-up.%s",
             ctx->s->time_unit, ctx->t->share ? " \xe2\x80\x94: suppressed (fewer than the minimum count of "
                                                "patients or events)." : "");
    report_note(ctx, text);
}

embolo_error report_subgroups(report_context *ctx)
{
    size_t n = ctx->s->n_endpoints;
    draw_table **tables = calloc(n ? n : 1, sizeof *tables);
    embolo_error err = tables ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    double widest = 0.0;
    for (size_t e = 0; e < n && err == EMBOLO_OK; e++) {
        tables[e] = sv_table_new(ctx);
        err = tables[e] ? sv_fill(ctx, tables[e], &ctx->s->endpoints[e]) : EMBOLO_ERROR_NOMEM;
        double w = err == EMBOLO_OK ? draw_table_width(ctx->doc, tables[e]) : 0.0;
        widest = w > widest ? w : widest;
    }
    report_section_start(ctx, "Survival by subgroup", widest > 1.1 * draw_frame_width(0));
    for (size_t e = 0; e < n && tables; e++) {
        char caption[300];
        snprintf(caption, sizeof caption, "%.200s by subgroup", report_endpoint_label(&ctx->s->endpoints[e]));
        if (tables[e])
            err = report_table_finish(ctx, tables[e], caption, err);
        else
            err = err == EMBOLO_OK ? EMBOLO_ERROR_NOMEM : err;
    }
    if (err == EMBOLO_OK)
        sv_notes(ctx);
    free(tables);
    return err;
}
