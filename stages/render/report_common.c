/* What the report's sections share: results lookups by key, section starts, notes, tables, labels
 * and number formats. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define REPORT_TABLE_FONT 8.0

double report_value(const report_context *ctx, const char *section, const char *endpoint, const char *model,
                    const char *variable, const char *level, const char *stat)
{
    return results_value(ctx->r, section, endpoint, model, variable, level, stat);
}

/* ---- layout ---- */

void report_section_start(report_context *ctx, const char *title, int landscape)
{
    char heading[128];
    draw_new_page(ctx->doc, landscape);
    size_t k = ctx->section_number++;
    snprintf(heading, sizeof heading, "%zu  %s", k + 1, title);
    if (k < SECTION_COUNT) {
        report_copy(ctx->section_titles[k], sizeof ctx->section_titles[k], heading);
        ctx->section_pages[k] = draw_page_count(ctx->doc);
    }
    draw_heading(ctx->doc, heading);
}

void report_note(report_context *ctx, const char *text)
{
    draw_paragraph(ctx->doc, text, DRAW_REGULAR, 7.5, 0.0);
    draw_gap(ctx->doc, 4.0);
}

draw_table *report_table_new(const char *const *headers, size_t n_columns)
{
    draw_column columns[32];
    if (n_columns > 32)
        return NULL;
    for (size_t c = 0; c < n_columns; c++) {
        columns[c].header = headers[c];
        columns[c].align = c == 0 ? DRAW_LEFT : DRAW_CENTER;
    }
    return draw_table_new(columns, n_columns, REPORT_TABLE_FONT);
}

embolo_error report_table_finish(report_context *ctx, draw_table *table, const char *caption, embolo_error err)
{
    if (!table)
        return err == EMBOLO_OK ? EMBOLO_ERROR_NOMEM : err;
    if (err == EMBOLO_OK)
        draw_table_draw(ctx->doc, table, caption);
    draw_table_free(table);
    return err;
}

/* ---- labels ---- */

void report_copy(char *out, size_t size, const char *text)
{
    size_t n = strlen(text);
    if (size == 0)
        return;
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, text, n);
    out[n] = '\0';
}

const char *report_endpoint_label(const study_endpoint *e)
{
    return e->label && e->label[0] ? e->label : e->name;
}

const char *report_variable_label(const study_variable *v)
{
    return v->label && v->label[0] ? v->label : v->name;
}

void report_level(char *out, size_t size, const char *level)
{
    char text[256];
    size_t n = 0;
    for (const char *c = level; *c && n + 4 < sizeof text; c++) {
        if ((c[0] == '<' || c[0] == '>') && c[1] == '=') {
            memcpy(text + n, c[0] == '<' ? "\xe2\x89\xa4" : "\xe2\x89\xa5", 3);
            n += 3;
            c++;
        } else {
            text[n++] = *c;
        }
    }
    text[n] = '\0';
    report_copy(out, size, text);
}

void report_lower_first(char *out, size_t size, const char *text)
{
    report_copy(out, size, text);
    if (out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z')
        out[0] = (char)(out[0] - 'A' + 'a');
}

/* ---- numbers ---- */

void report_count(const report_context *ctx, char *out, size_t size, double count)
{
    format_count(out, size, ctx->t, count);
}

int report_hidden(const report_context *ctx, double count)
{
    return format_count_hidden(ctx->t, count);
}

void report_p(const report_context *ctx, char *out, size_t size, double p)
{
    format_p(out, size, p, ctx->t->p_decimals);
}

void report_number(const report_context *ctx, char *out, size_t size, double value)
{
    format_number(out, size, value, ctx->t->decimals);
}

/* As format_estimate_ci, but plain "NA" when the estimate and both limits are missing. */
static void estimate_ci(char *out, size_t size, double value, double lower, double upper, int decimals)
{
    if (!isfinite(value) && !isfinite(lower) && !isfinite(upper))
        format_number(out, size, value, decimals);
    else
        format_estimate_ci(out, size, value, lower, upper, decimals);
}

void report_hr_ci(const report_context *ctx, char *out, size_t size, double hr, double lower, double upper)
{
    estimate_ci(out, size, hr, lower, upper, ctx->t->hr_decimals);
}

void report_estimate_ci(const report_context *ctx, char *out, size_t size, double value, double lower,
                        double upper)
{
    estimate_ci(out, size, value, lower, upper, ctx->t->decimals);
}

void report_percent_ci(const report_context *ctx, char *out, size_t size, double value, double lower,
                       double upper)
{
    estimate_ci(out, size, 100.0 * value, 100.0 * lower, 100.0 * upper, ctx->t->decimals);
}

/* ---- counts from the data and results ---- */

void report_endpoint_counts(const report_context *ctx, size_t endpoint, size_t *analysed, size_t *events)
{
    const int *event = ctx->data->event ? ctx->data->event[endpoint] : NULL;
    *analysed = *events = 0;
    for (size_t i = 0; event && i < ctx->data->n; i++) {
        *analysed += event[i] >= 0;
        *events += event[i] == 1;
    }
}

size_t report_coefficients(const report_context *ctx, const char *endpoint, const char *model)
{
    size_t n = 0;
    for (size_t i = 0; i < ctx->r->n; i++) {
        const result_row *row = &ctx->r->rows[i];
        n += strcmp(row->stat, "coef") == 0 && strcmp(row->section, "cox") == 0 &&
             strcmp(row->endpoint, endpoint) == 0 && strcmp(row->model, model) == 0;
    }
    return n;
}
