/* The PDF report: the title page with provenance and contents, then the template's sections in its
 * order (report_*.c), drawn with the drawing layer (draw.h). */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "common/text.h"
#include "report_internal.h"

#define TITLE_LABEL_WIDTH 118.0

/* The date written into the file: the as-of date, else the newest date in the data, else 1970-01-01.
 * A report to share shows no patient date, so it never takes the newest date of the data. */
static long report_day(const render_input *in)
{
    if (in->has_as_of)
        return in->as_of;
    if (in->data && in->data->has_newest_date && !in->template->share)
        return in->data->newest_date;
    return 0;
}

static const char *report_title(const render_input *in)
{
    if (in->template->title && in->template->title[0])
        return in->template->title;
    if (in->study->title && in->study->title[0])
        return in->study->title;
    return "Survival analysis report";
}

/* The section writer of a template section; NULL for the sections drawn elsewhere or not yet. */
static report_section_writer section_writer(report_section section)
{
    switch (section) {
    case SECTION_FLOW:
        return report_flow;
    case SECTION_TABLE1:
        return report_table1;
    case SECTION_SUBGROUPS:
        return report_subgroups;
    case SECTION_KM_FIGURES:
        return report_km_figures;
    case SECTION_COX:
        return report_cox;
    case SECTION_PROPENSITY:
        return report_propensity;
    case SECTION_MODEL_CHECKS:
        return report_model_checks;
    case SECTION_METHODS:
        return report_methods;
    case SECTION_RESULTS_TEXT:
        return report_results_text;
    case SECTION_AUDIT:
        return report_audit;
    case SECTION_BENCHMARKS:
        return report_benchmarks;
    case SECTION_COUNT:
        break;
    }
    return NULL;
}

/* ---- title page ---- */

/* One provenance line: a bold label and its value, wrapped beside it. */
static void title_line(report_context *ctx, const char *label, const char *value)
{
    const char *starts[8];
    size_t lengths[8];
    char line[512];
    double width = draw_frame(ctx->doc).w - TITLE_LABEL_WIDTH;
    size_t n = draw_wrap(ctx->doc, value, DRAW_REGULAR, 9.0, width, starts, lengths, 8);
    for (size_t i = 0; i < (n ? n : 1); i++) {
        draw_box box = draw_block(ctx->doc, 13.0);
        if (i == 0)
            draw_text(ctx->doc, box.x, box.y + 3.5, label, DRAW_BOLD, 9.0, DRAW_LEFT);
        snprintf(line, sizeof line, "%.*s", n ? (int)lengths[i] : 0, n ? starts[i] : "");
        draw_text(ctx->doc, box.x + TITLE_LABEL_WIDTH, box.y + 3.5, line, DRAW_REGULAR, 9.0, DRAW_LEFT);
    }
}

static void title_counts(report_context *ctx)
{
    char read[32], analysed[32], excluded[32], text[160];
    const dataset *d = ctx->data;
    report_count(ctx, read, sizeof read, (double)d->rows_read);
    report_count(ctx, analysed, sizeof analysed, (double)d->n);
    report_count(ctx, excluded, sizeof excluded, (double)(d->rows_read - d->n));
    snprintf(text, sizeof text, "%s read, %s analysed, %s excluded", read, analysed, excluded);
    title_line(ctx, "Records", text);
}

static void title_provenance(report_context *ctx)
{
    const render_input *in = ctx->in;
    char text[600], date[11];
    if (in->has_as_of)
        text_format_date(in->as_of, date);
    title_line(ctx, "Study", in->study->title && in->study->title[0] ? in->study->title : "(untitled)");
    title_line(ctx, "As-of date", in->has_as_of ? date : "not set");
    title_line(ctx, "Input file", in->input_path ? in->input_path : "");
    title_line(ctx, "Input SHA-256", in->input_sha256 ? in->input_sha256 : "");
    title_line(ctx, "Study file", in->study->path ? in->study->path : "");
    title_line(ctx, "Study file SHA-256", in->study_sha256 ? in->study_sha256 : "");
    snprintf(text, sizeof text, "%s%s%s%s", in->template->name ? in->template->name : "default",
             in->template_path ? " (" : " (built in)", in->template_path ? in->template_path : "",
             in->template_path ? ")" : "");
    title_line(ctx, "Template", text);
    if (in->template_sha256 && in->template_sha256[0])
        title_line(ctx, "Template SHA-256", in->template_sha256);
    title_counts(ctx);
    title_line(ctx, "Time unit", in->study->time_unit ? in->study->time_unit : "");
    snprintf(text, sizeof text, "embolo %s", in->version ? in->version : "");
    title_line(ctx, "Program", text);
}

/* Draws the title page; returns the cursor where the contents go. */
static double title_page(report_context *ctx)
{
    draw_new_page(ctx->doc, 0);
    draw_gap(ctx->doc, 60.0);
    draw_paragraph(ctx->doc, report_title(ctx->in), DRAW_BOLD, 20.0, 0.0);
    if (ctx->t->subtitle && ctx->t->subtitle[0])
        draw_paragraph(ctx->doc, ctx->t->subtitle, DRAW_REGULAR, 13.0, 0.0);
    draw_gap(ctx->doc, 24.0);
    title_provenance(ctx);
    draw_gap(ctx->doc, 24.0);
    draw_subheading(ctx->doc, "Contents");
    return draw_cursor(ctx->doc);
}

/* The contents, once the sections' pages are known. */
static void title_contents(report_context *ctx, double cursor)
{
    draw_return_to_page(ctx->doc, 0, cursor);
    for (size_t k = 0; k < ctx->section_number && k < SECTION_COUNT; k++) {
        char page[16];
        draw_box box = draw_block(ctx->doc, 14.0);
        snprintf(page, sizeof page, "%zu", ctx->section_pages[k]);
        draw_text(ctx->doc, box.x, box.y + 3.5, ctx->section_titles[k], DRAW_REGULAR, 10.0, DRAW_LEFT);
        draw_text(ctx->doc, box.x + 320.0, box.y + 3.5, page, DRAW_REGULAR, 10.0, DRAW_RIGHT);
    }
}

/* ---- the report ---- */

static embolo_error report_sections(report_context *ctx)
{
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < ctx->t->n_sections && err == EMBOLO_OK && !draw_failed(ctx->doc); i++) {
        report_section_writer writer = section_writer(ctx->t->sections[i]);
        if (writer)
            err = writer(ctx);
    }
    return err;
}

static void report_footer(const render_input *in, char *out, size_t size)
{
    char date[11];
    if (!in->has_as_of) {
        snprintf(out, size, "%s", report_title(in));
        return;
    }
    text_format_date(in->as_of, date);
    snprintf(out, size, "%s \xe2\x80\x94 as of %s", report_title(in), date);
}

embolo_error report_write(const render_input *in, const char *path, char *message, size_t message_size)
{
    char creator[64], footer[300];
    report_context ctx = {.in = in, .s = in->study, .data = in->data, .r = in->results, .t = in->template};
    if (!in->results) {
        snprintf(message, message_size, "%s: the report needs the run's results", path);
        return EMBOLO_ERROR_INTERNAL;
    }
    snprintf(creator, sizeof creator, "embolo %s", in->version ? in->version : "");
    report_footer(in, footer, sizeof footer);
    draw_info info = {.title = report_title(in), .creator = creator, .footer = footer, .day = report_day(in)};
    embolo_error err = draw_open(&info, &ctx.doc);
    if (err == EMBOLO_OK) {
        double contents = title_page(&ctx);
        err = report_sections(&ctx);
        title_contents(&ctx, contents);
    }
    if (err == EMBOLO_OK)
        err = draw_save(ctx.doc, path, message, message_size);
    else
        snprintf(message, message_size, "%s: cannot draw the report: %s", path, embolo_error_message(err));
    draw_free(ctx.doc);
    return err;
}
