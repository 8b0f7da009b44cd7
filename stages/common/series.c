#include "series.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

series_set *series_set_new(void)
{
    return calloc(1, sizeof(series_set));
}

static void series_free(series *s)
{
    free(s->section);
    free(s->model);
    free(s->variable);
    free(s->level);
    free(s->name);
    free(s->x);
    free(s->y);
    free(s->day);
}

void series_set_free(series_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        series_free(&set->items[i]);
    free(set->items);
    free(set);
}

static void *copy_of(const void *data, size_t size)
{
    void *copy = malloc(size ? size : 1);
    if (copy && size)
        memcpy(copy, data, size);
    return copy;
}

/* Room for `more` series. */
static embolo_error series_reserve(series_set *set, size_t more)
{
    if (set->n + more <= set->capacity)
        return EMBOLO_OK;
    size_t capacity = set->capacity ? set->capacity : 16;
    while (capacity < set->n + more)
        capacity *= 2;
    series *grown = realloc(set->items, capacity * sizeof *grown);
    if (!grown)
        return EMBOLO_ERROR_NOMEM;
    set->items = grown;
    set->capacity = capacity;
    return EMBOLO_OK;
}

embolo_error series_set_append(series_set *dst, series_set *src)
{
    if (series_reserve(dst, src->n) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    if (src->n)
        memcpy(dst->items + dst->n, src->items, src->n * sizeof *src->items);
    dst->n += src->n;
    src->n = 0;
    return EMBOLO_OK;
}

embolo_error series_set_add(series_set *set, const char *section, const char *model, const char *variable,
                            const char *level, const char *name, const double *x, const double *y,
                            const long *day, size_t n)
{
    if (series_reserve(set, 1) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    series *s = &set->items[set->n++];
    *s = (series){.section = text_copy(section), .model = text_copy(model), .variable = text_copy(variable),
                  .level = text_copy(level), .name = text_copy(name), .n = n,
                  .x = copy_of(x, n * sizeof *x), .y = copy_of(y, n * sizeof *y),
                  .day = day ? copy_of(day, n * sizeof *day) : NULL};
    if (!s->section || !s->model || !s->variable || !s->level || !s->name || !s->x || !s->y || (day && !s->day))
        return EMBOLO_ERROR_NOMEM;
    return EMBOLO_OK;
}

static int same(const char *a, const char *b)
{
    return strcmp(a, b ? b : "") == 0;
}

const series *series_set_find(const series_set *set, const char *section, const char *model,
                              const char *variable, const char *level, const char *name)
{
    for (size_t i = 0; set && i < set->n; i++) {
        const series *s = &set->items[i];
        if (same(s->section, section) && same(s->model, model) && same(s->variable, variable) &&
            same(s->level, level) && same(s->name, name))
            return s;
    }
    return NULL;
}
