/* Section 7, model checks: the proportional-hazards test (cox.zph) of the multivariable models,
 * events per coefficient, and every warning of the run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

#define EPV_LIMIT 10.0

static embolo_error zph_row(const report_context *ctx, draw_table *table, const char *endpoint, const char *term,
                            const char *label, draw_row_style style)
{
    char chisq[32], df[32], p[32];
    format_number(chisq, sizeof chisq, report_value(ctx, "zph", endpoint, "multivariable", term, "", "chisq"), 2);
    format_number(df, sizeof df, report_value(ctx, "zph", endpoint, "multivariable", term, "", "df"), 0);
    report_p(ctx, p, sizeof p, report_value(ctx, "zph", endpoint, "multivariable", term, "", "p"));
    const char *cells[] = {label, chisq, df, p};
    return draw_table_add(table, cells, style);
}

static embolo_error zph_endpoint(const report_context *ctx, draw_table *table, const study_endpoint *ep)
{
    const char *title[] = {report_endpoint_label(ep), "", "", ""};
    if (isnan(report_value(ctx, "zph", ep->name, "multivariable", "GLOBAL", "", "p")))
        return EMBOLO_OK;
    embolo_error err = draw_table_add(table, title, DRAW_ROW_GROUP);
    for (size_t k = 0; k < ctx->s->n_multivariable && err == EMBOLO_OK; k++) {
        const study_variable *v = &ctx->s->variables[ctx->s->multivariable[k]];
        if (isfinite(report_value(ctx, "zph", ep->name, "multivariable", v->name, "", "df")))
            err = zph_row(ctx, table, ep->name, v->name, report_variable_label(v), DRAW_ROW_INDENTED);
    }
    return err == EMBOLO_OK ? zph_row(ctx, table, ep->name, "GLOBAL", "Global test", DRAW_ROW_TOTAL) : err;
}

static embolo_error zph_table(report_context *ctx)
{
    static const char *const headers[] = {"Term", "\xcf\x87\xc2\xb2", "df", "p"};
    draw_table *table = report_table_new(headers, 4);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t e = 0; e < ctx->s->n_endpoints && err == EMBOLO_OK; e++)
        err = zph_endpoint(ctx, table, &ctx->s->endpoints[e]);
    if (table && err == EMBOLO_OK && draw_table_rows(table) == 0) {
        draw_table_free(table);
        report_note(ctx, "No proportional-hazards test in this run (no multivariable model).");
        return EMBOLO_OK;
    }
    err = report_table_finish(ctx, table, "Proportional-hazards test of the multivariable models (cox.zph)", err);
    report_note(ctx, "Score test of a time-varying coefficient (Kaplan-Meier transform of time), per term and "
                     "global; a small p suggests the hazard ratio changes over time.");
    return err;
}

static embolo_error epv_row(const report_context *ctx, draw_table *table, const study_endpoint *ep, const char *model,
                            const char *title)
{
    char events[32], coefficients[32], ratio[32];
    double n_events = report_value(ctx, "cox", ep->name, model, "", "", "events");
    size_t n_coefficients = report_coefficients(ctx, ep->name, model);
    if (isnan(n_events) || n_coefficients == 0)
        return EMBOLO_OK;
    double epv = n_events / (double)n_coefficients;
    report_count(ctx, events, sizeof events, n_events);
    snprintf(coefficients, sizeof coefficients, "%zu", n_coefficients);
    format_number(ratio, sizeof ratio, report_hidden(ctx, n_events) ? NAN : epv, 1);
    const char *cells[] = {report_endpoint_label(ep), title, events, coefficients, ratio,
                           epv >= EPV_LIMIT ? "yes" : "no"};
    return draw_table_add(table, cells, DRAW_ROW_PLAIN);
}

static embolo_error epv_table(report_context *ctx)
{
    static const char *const headers[] = {"Endpoint", "Model", "Events", "Coefficients", "Events per\ncoefficient",
                                          "At least 10"};
    draw_table *table = report_table_new(headers, 6);
    embolo_error err = table ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t e = 0; e < ctx->s->n_endpoints && err == EMBOLO_OK; e++) {
        err = epv_row(ctx, table, &ctx->s->endpoints[e], "multivariable", "Multivariable");
        if (err == EMBOLO_OK)
            err = epv_row(ctx, table, &ctx->s->endpoints[e], "weighted_multivariable", "Weighted multivariable");
    }
    if (table && err == EMBOLO_OK && draw_table_rows(table) == 0) {
        draw_table_free(table);
        return EMBOLO_OK;
    }
    return report_table_finish(ctx, table, "Events per coefficient", err);
}

static void warnings_list(report_context *ctx)
{
    draw_subheading(ctx->doc, "Warnings of the run");
    if (ctx->r->n_warnings == 0) {
        report_note(ctx, "The run gave no warning.");
        return;
    }
    for (size_t i = 0; i < ctx->r->n_warnings; i++) {
        char text[1100];
        snprintf(text, sizeof text, "\xe2\x80\xa2 %.1000s", ctx->r->warnings[i]);
        draw_paragraph(ctx->doc, text, DRAW_REGULAR, 8.5, 6.0);
    }
}

embolo_error report_model_checks(report_context *ctx)
{
    report_section_start(ctx, "Model checks", 0);
    embolo_error err = zph_table(ctx);
    if (err == EMBOLO_OK)
        err = epv_table(ctx);
    if (err == EMBOLO_OK)
        warnings_list(ctx);
    return err;
}
