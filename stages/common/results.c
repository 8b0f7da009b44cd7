#include "results.h"

#include "keys.h"
#include "text.h"

#include <math.h>
#include <stdint.h>
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

static void warning_parts_free(result_warning *w)
{
    free(w->endpoint);
    free(w->model);
    free(w->variable);
    free(w->level);
    free(w->message);
}

void results_free(results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        row_free(&r->rows[i]);
    free(r->rows);
    for (size_t i = 0; i < r->n_warnings; i++) {
        free(r->warnings[i]);
        warning_parts_free(&r->warning_parts[i]);
    }
    free(r->warnings);
    free(r->warning_parts);
    curve_set_free(r->curves);
    series_set_free(r->series);
    curve_set_free(r->cif_curves);
    free(r->slots);
    free(r);
}

/* ---- the lookup index ---- */

#define KEY_PARTS 6

static uint64_t key_hash(const char *const *keys)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t k = 0; k < KEY_PARTS; k++) {
        for (const unsigned char *c = (const unsigned char *)(keys[k] ? keys[k] : ""); *c; c++)
            h = (h ^ *c) * 1099511628211ULL;
        h = (h ^ 0x1f) * 1099511628211ULL;
    }
    return h;
}

static void row_keys(const result_row *row, const char **keys)
{
    keys[0] = row->section;
    keys[1] = row->endpoint;
    keys[2] = row->model;
    keys[3] = row->variable;
    keys[4] = row->level;
    keys[5] = row->stat;
}

static int row_has_keys(const result_row *row, const char *const *keys)
{
    const char *parts[KEY_PARTS];
    row_keys(row, parts);
    for (size_t k = 0; k < KEY_PARTS; k++)
        if (strcmp(parts[k] ? parts[k] : "", keys[k] ? keys[k] : "") != 0)
            return 0;
    return 1;
}

/* The slot holding keys, or the empty slot where they would go. */
static size_t index_slot(const results *r, const char *const *keys)
{
    size_t slot = (size_t)key_hash(keys) & r->slot_mask;
    while (r->slots[slot] && !row_has_keys(&r->rows[r->slots[slot] - 1], keys))
        slot = (slot + 1) & r->slot_mask;
    return slot;
}

/* Indexes line i; the first line with given keys keeps them. */
static void index_insert(results *r, size_t i)
{
    const char *keys[KEY_PARTS];
    row_keys(&r->rows[i], keys);
    size_t slot = index_slot(r, keys);
    if (!r->slots[slot])
        r->slots[slot] = i + 1;
}

/* Keeps the index at most half full for n lines, rebuilding it larger when needed. */
static embolo_error index_reserve(results *r, size_t n)
{
    size_t size = r->slots ? r->slot_mask + 1 : 0;
    if (2 * n < size)
        return EMBOLO_OK;
    size = size ? size : 256;
    while (2 * n >= size)
        size *= 2;
    size_t *slots = calloc(size, sizeof *slots);
    if (!slots)
        return EMBOLO_ERROR_NOMEM;
    free(r->slots);
    r->slots = slots;
    r->slot_mask = size - 1;
    for (size_t i = 0; i < r->n; i++)
        index_insert(r, i);
    return EMBOLO_OK;
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
    row->below = 0;
    r->n++;
    if (!row->section || !row->endpoint || !row->model || !row->variable || !row->level || !row->stat ||
        index_reserve(r, r->n) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    index_insert(r, r->n - 1);
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

/* Room for n warnings in both arrays (one capacity for the two). */
static embolo_error warnings_reserve(results *r, size_t n)
{
    size_t capacity = r->warnings_capacity, parts_capacity = r->warnings_capacity;
    void *warnings = r->warnings, *parts = r->warning_parts;
    embolo_error err = reserve(&warnings, &capacity, n, sizeof *r->warnings);
    r->warnings = warnings;
    if (err == EMBOLO_OK)
        err = reserve(&parts, &parts_capacity, n, sizeof *r->warning_parts);
    r->warning_parts = parts;
    if (err == EMBOLO_OK)
        r->warnings_capacity = capacity;
    return err;
}

embolo_error results_append(results *dst, results *src)
{
    void *rows = dst->rows;
    embolo_error err = reserve(&rows, &dst->capacity, dst->n + src->n, sizeof *dst->rows);
    dst->rows = rows;
    if (err == EMBOLO_OK)
        err = warnings_reserve(dst, dst->n_warnings + src->n_warnings);
    if (err == EMBOLO_OK)
        err = index_reserve(dst, dst->n + src->n);
    if (err == EMBOLO_OK && src->curves && !dst->curves && !(dst->curves = curve_set_new()))
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK && src->curves)
        err = curve_set_append(dst->curves, src->curves);
    if (err == EMBOLO_OK && src->series && !dst->series && !(dst->series = series_set_new()))
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK && src->series)
        err = series_set_append(dst->series, src->series);
    if (err == EMBOLO_OK && src->cif_curves && !dst->cif_curves && !(dst->cif_curves = curve_set_new()))
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK && src->cif_curves)
        err = curve_set_append(dst->cif_curves, src->cif_curves);
    if (err != EMBOLO_OK)
        return err;
    if (src->n > 0)
        memcpy(dst->rows + dst->n, src->rows, src->n * sizeof *src->rows);
    dst->n += src->n;
    for (size_t i = dst->n - src->n; i < dst->n; i++)
        index_insert(dst, i);
    src->n = 0;
    if (src->n_warnings > 0) {
        memcpy(dst->warnings + dst->n_warnings, src->warnings, src->n_warnings * sizeof *src->warnings);
        memcpy(dst->warning_parts + dst->n_warnings, src->warning_parts, src->n_warnings * sizeof *src->warning_parts);
    }
    dst->n_warnings += src->n_warnings;
    src->n_warnings = 0;
    return EMBOLO_OK;
}

embolo_error results_add_hidden(results *r, const char *section, const char *endpoint, const char *model,
                                const char *variable, const char *level, const char *stat, int bound)
{
    embolo_error err = results_add(r, section, endpoint, model, variable, level, stat, NAN);
    if (err == EMBOLO_OK)
        r->rows[r->n - 1].below = bound;
    return err;
}

const result_row *results_find(const results *r, const char *section, const char *endpoint, const char *model,
                               const char *variable, const char *level, const char *stat)
{
    const char *keys[KEY_PARTS] = {section, endpoint, model, variable, level, stat};
    if (!r || !r->slots)
        return NULL;
    size_t slot = index_slot(r, keys);
    return r->slots[slot] ? &r->rows[r->slots[slot] - 1] : NULL;
}

double results_value(const results *r, const char *section, const char *endpoint, const char *model,
                     const char *variable, const char *level, const char *stat)
{
    const result_row *row = results_find(r, section, endpoint, model, variable, level, stat);
    return row ? row->value : NAN;
}

/* Adds a warning's text and parts (the parts are taken, freed on failure). */
static embolo_error warning_add(results *r, const char *text, result_warning parts)
{
    char *copy = text_copy(text);
    embolo_error err = copy ? warnings_reserve(r, r->n_warnings + 1) : EMBOLO_ERROR_NOMEM;
    if (err != EMBOLO_OK) {
        free(copy);
        warning_parts_free(&parts);
        return err;
    }
    r->warnings[r->n_warnings] = copy;
    r->warning_parts[r->n_warnings++] = parts;
    return EMBOLO_OK;
}

embolo_error results_warn(results *r, const char *format, ...)
{
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return warning_add(r, text, (result_warning){0});
}

/* "os multivariable sex: ": the keys that apply, then a colon (the variable of "univariate:VAR" once). */
static void subject_prefix(const result_subject *about, char *out, size_t size)
{
    const char *univariate = about->model ? key_univariate_variable(about->model) : NULL;
    const char *variable = univariate && about->variable && !strcmp(univariate, about->variable) ? NULL
                                                                                                 : about->variable;
    const char *keys[] = {about->endpoint, about->model, variable, about->level};
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < 4 && used < size; k++)
        if (keys[k] && keys[k][0])
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "", keys[k]);
    if (used < size)
        snprintf(out + used, size - used, "%s", used ? ": " : "");
}

embolo_error results_warn_about(results *r, result_subject about, const char *format, ...)
{
    char message[1024], text[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    subject_prefix(&about, text, sizeof text);
    size_t used = strlen(text);
    snprintf(text + used, sizeof text - used, "%s", message);
    result_warning parts = {.endpoint = text_copy(about.endpoint ? about.endpoint : ""),
                            .model = text_copy(about.model ? about.model : ""),
                            .variable = text_copy(about.variable ? about.variable : ""),
                            .level = text_copy(about.level ? about.level : ""), .message = text_copy(message)};
    if (!parts.endpoint || !parts.model || !parts.variable || !parts.level || !parts.message) {
        warning_parts_free(&parts);
        return EMBOLO_ERROR_NOMEM;
    }
    return warning_add(r, text, parts);
}
