/* The figure model's memory (every part allocated in its figure and freed with it), the list the
 * builders fill, the default sizes per kind, and the counts, numbers and p-values as the tables show
 * them. */
#include "figure.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define MM_PER_POINT (25.4 / 72.0)

/* A block of the figure's memory; the figure frees the chain. */
typedef struct figure_memory {
    struct figure_memory *next;
    max_align_t align[];
} figure_memory;

figure *figure_new(const report_template *t, figure_kind kind)
{
    figure *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->kind = kind;
    f->font_pt = t->font_pt > 0 ? t->font_pt : 9.0;
    f->legend_place = t->legend;
    f->columns = 1;
    f->title = f->endpoint = f->variable = f->what = "";
    figure_default_size(t, kind, 0, &f->width_mm, &f->height_mm);
    return f;
}

void figure_free(figure *f)
{
    if (!f)
        return;
    for (figure_memory *m = f->memory, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    free(f);
}

void *figure_alloc(figure *f, size_t count, size_t size)
{
    if (f->error != EMBOLO_OK)
        return NULL;
    size_t n = count ? count : 1;
    figure_memory *m = size && n > (SIZE_MAX - sizeof *m) / size ? NULL : calloc(1, sizeof *m + n * size);
    if (!m) {
        f->error = EMBOLO_ERROR_NOMEM;
        return NULL;
    }
    m->next = f->memory;
    f->memory = m;
    return m->align;
}

const char *figure_text(figure *f, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    char *text = n >= 0 ? figure_alloc(f, (size_t)n + 1, 1) : NULL;
    if (!text)
        return NULL;
    va_start(args, format);
    vsnprintf(text, (size_t)n + 1, format, args);
    va_end(args);
    return text;
}

const double *figure_values(figure *f, const double *values, size_t n)
{
    double *copy = figure_alloc(f, n, sizeof *copy);
    if (copy && n)
        memcpy(copy, values, n * sizeof *copy);
    return copy;
}

/* ---- sizes ---- */

/* The height (mm) a curve figure of width needs for its text and a plot of 0.42 of its width: the
 * title, the legend (about two of its entries per 40 font sizes of width), the x axis and the risk table. */
static double curves_height(double width, double font_mm, size_t curves, int risk_table)
{
    double per_line = floor(0.85 * width / (20.0 * font_mm)), n = (double)(curves ? curves : 1);
    double legend_lines = ceil(n / (per_line >= 1 ? per_line : 1));
    double text = 2.8 + 1.6 * legend_lines + 3.5 + (risk_table ? 1.5 * (n + 1) + 0.6 : 0.0) + 1.0;
    return 0.42 * width + text * font_mm;
}

void figure_default_size(const report_template *t, figure_kind kind, size_t rows, double *width_mm,
                         double *height_mm)
{
    double font_mm = (t->font_pt > 0 ? t->font_pt : 9.0) * MM_PER_POINT, width = 174.0, height = 130.0;
    double aspect = 1;  /* heights that scale with a width the template gives */
    switch (kind) {
    case FIGURE_KIND_KM:
    case FIGURE_KIND_CIF:
        height = t->risk_table ? 130.0 : 110.0;
        aspect = 2;  /* in proportion to a width the template gives, but room for rows curves' text */
        break;
    case FIGURE_KIND_FOREST:
    case FIGURE_KIND_SUBGROUP_FOREST:
        height = ((double)rows * 1.6 + 10.0) * font_mm;
        aspect = 0;
        break;
    case FIGURE_KIND_LOVE:
        height = ((double)rows * 1.4 + 10.0) * font_mm;
        aspect = 0;
        break;
    case FIGURE_KIND_PROPENSITY:
        height = rows <= 1 ? 95.0 : 20.0 + 72.0 * (double)((rows + 1) / 2);
        break;
    case FIGURE_KIND_CUSUM:
        height = 16.0 + 52.0 * (double)(rows ? rows : 1);
        break;
    case FIGURE_KIND_FUNNEL:
    case FIGURE_KIND_VOLUME:
        height = 100.0;
        break;
    case FIGURE_KIND_FLOW:
    case FIGURE_KIND_COUNT:
        height = 0.0;  /* as the boxes need (figure_height) */
        aspect = 0;
        break;
    }
    height = height > 234.0 ? 234.0 : height;
    if (kind < FIGURE_KIND_COUNT && t->width_mm[kind] > 0 && t->width_mm[kind] != width) {
        height *= aspect ? t->width_mm[kind] / width : 1.0;
        width = t->width_mm[kind];
        if (aspect == 2)
            height = fmax(height, curves_height(width, font_mm, rows, t->risk_table));
    }
    if (kind < FIGURE_KIND_COUNT && t->height_mm[kind] > 0)
        height = t->height_mm[kind];
    *width_mm = width;
    *height_mm = height;
}

/* ---- the list ---- */

void figure_list_add(figure_list *list, figure *f)
{
    if (!f || f->error != EMBOLO_OK || list->error != EMBOLO_OK) {
        list->error = list->error != EMBOLO_OK ? list->error : f ? f->error : EMBOLO_ERROR_NOMEM;
        figure_free(f);
        return;
    }
    if (list->n == list->capacity) {
        size_t grown = list->capacity ? 2 * list->capacity : 16;
        figure **items = realloc(list->items, grown * sizeof *items);
        if (!items) {
            list->error = EMBOLO_ERROR_NOMEM;
            figure_free(f);
            return;
        }
        list->items = items;
        list->capacity = grown;
    }
    list->items[list->n++] = f;
}

void figure_list_free(figure_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        figure_free(list->items[i]);
    free(list->items);
    *list = (figure_list){0};
}

/* ---- texts as the tables show them ---- */

const char *figure_count(figure *f, const build_context *b, double count)
{
    char text[32];
    format_count(text, sizeof text, b->t, count);
    return figure_text(f, "%s", text);
}

const char *figure_number(figure *f, const build_context *b, double value)
{
    char text[64];
    format_number(text, sizeof text, value, b->t->decimals);
    return figure_text(f, "%s", text);
}

const char *figure_p(figure *f, const build_context *b, const char *test, double p)
{
    char text[32];
    format_p(text, sizeof text, p, b->t->p_decimals);
    return figure_text(f, "%s p %s %s", test, text[0] == '<' ? "<" : "=", text[0] == '<' ? text + 1 : text);
}

void figure_caption(const figure *f, char *out, size_t size)
{
    if (f->number)
        snprintf(out, size, "Figure %zu. %s", f->number, f->title);
    else
        snprintf(out, size, "%s", f->title);
}
