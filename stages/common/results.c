#include "results.h"

#include "text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

results *results_new(void)
{
    return calloc(1, sizeof(results));
}

static void row_free(result_row *row)
{
    free(row->section);
    free(row->endpoint);
    free(row->model);
    free(row->variable);
    free(row->level);
    free(row->stat);
}

void results_free(results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        row_free(&r->rows[i]);
    free(r->rows);
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    curve_set_free(r->curves);
    free(r);
}

embolo_error results_add(results *r, const char *section, const char *endpoint, const char *model,
                         const char *variable, const char *level, const char *stat, double value)
{
    if (r->n == r->capacity) {
        size_t capacity = r->capacity ? r->capacity * 2 : 256;
        result_row *grown = realloc(r->rows, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        r->rows = grown;
        r->capacity = capacity;
    }
    result_row *row = &r->rows[r->n];
    row->section = text_copy(section);
    row->endpoint = text_copy(endpoint);
    row->model = text_copy(model);
    row->variable = text_copy(variable);
    row->level = text_copy(level);
    row->stat = text_copy(stat);
    row->value = value;
    r->n++;
    if (!row->section || !row->endpoint || !row->model || !row->variable || !row->level || !row->stat)
        return EMBOLO_ERROR_NOMEM;
    return EMBOLO_OK;
}

static embolo_error reserve(void **items, size_t *capacity, size_t needed, size_t item_size)
{
    if (needed <= *capacity)
        return EMBOLO_OK;
    size_t grown_capacity = *capacity ? *capacity : 16;
    while (grown_capacity < needed)
        grown_capacity *= 2;
    void *grown = realloc(*items, grown_capacity * item_size);
    if (!grown)
        return EMBOLO_ERROR_NOMEM;
    *items = grown;
    *capacity = grown_capacity;
    return EMBOLO_OK;
}

embolo_error results_append(results *dst, results *src)
{
    void *rows = dst->rows, *warnings = dst->warnings;
    embolo_error err = reserve(&rows, &dst->capacity, dst->n + src->n, sizeof *dst->rows);
    dst->rows = rows;
    if (err == EMBOLO_OK)
        err = reserve(&warnings, &dst->warnings_capacity, dst->n_warnings + src->n_warnings, sizeof *dst->warnings);
    dst->warnings = warnings;
    if (err == EMBOLO_OK && src->curves && !dst->curves && !(dst->curves = curve_set_new()))
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK && src->curves)
        err = curve_set_append(dst->curves, src->curves);
    if (err != EMBOLO_OK)
        return err;
    if (src->n > 0)
        memcpy(dst->rows + dst->n, src->rows, src->n * sizeof *src->rows);
    dst->n += src->n;
    src->n = 0;
    if (src->n_warnings > 0)
        memcpy(dst->warnings + dst->n_warnings, src->warnings, src->n_warnings * sizeof *src->warnings);
    dst->n_warnings += src->n_warnings;
    src->n_warnings = 0;
    return EMBOLO_OK;
}

static int key_equal(const char *stored, const char *wanted)
{
    return !strcmp(stored, wanted ? wanted : "");
}

double results_value(const results *r, const char *section, const char *endpoint, const char *model,
                     const char *variable, const char *level, const char *stat)
{
    for (size_t i = 0; r && i < r->n; i++) {
        const result_row *row = &r->rows[i];
        if (key_equal(row->stat, stat) && key_equal(row->variable, variable) && key_equal(row->level, level) &&
            key_equal(row->model, model) && key_equal(row->endpoint, endpoint) && key_equal(row->section, section))
            return row->value;
    }
    return NAN;
}

embolo_error results_warn(results *r, const char *format, ...)
{
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (r->n_warnings == r->warnings_capacity) {
        size_t capacity = r->warnings_capacity ? r->warnings_capacity * 2 : 16;
        char **grown = realloc(r->warnings, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        r->warnings = grown;
        r->warnings_capacity = capacity;
    }
    if (!(r->warnings[r->n_warnings] = text_copy(text)))
        return EMBOLO_ERROR_NOMEM;
    r->n_warnings++;
    return EMBOLO_OK;
}
