#include "dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

exclusion_log *exclusion_log_new(void)
{
    return calloc(1, sizeof(exclusion_log));
}

void exclusion_log_free(exclusion_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n; i++) {
        free(log->items[i].id);
        free(log->items[i].scope);
        free(log->items[i].column);
        free(log->items[i].value);
        free(log->items[i].message);
    }
    free(log->items);
    for (size_t i = 0; i < log->n_unmatched; i++)
        free(log->unmatched[i].value);
    free(log->unmatched);
    free(log);
}

static char *copy_bytes(const char *s, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, s, length);
        copy[length] = '\0';
    }
    return copy;
}

embolo_error exclusion_log_add(exclusion_log *log, size_t row, const char *id, const char *scope,
                               const char *code, const char *column, const char *value, size_t value_length,
                               const char *message)
{
    if (log->n == log->capacity) {
        size_t capacity = log->capacity ? log->capacity * 2 : 64;
        exclusion *grown = realloc(log->items, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        log->items = grown;
        log->capacity = capacity;
    }
    exclusion *e = &log->items[log->n];
    e->row = row;
    e->code = code;
    e->id = copy_bytes(id, strlen(id));
    e->scope = copy_bytes(scope, strlen(scope));
    e->column = copy_bytes(column ? column : "", column ? strlen(column) : 0);
    e->value = copy_bytes(value ? value : "", value ? value_length : 0);
    e->message = copy_bytes(message, strlen(message));
    log->n++;
    if (!e->id || !e->scope || !e->column || !e->value || !e->message)
        return EMBOLO_ERROR_NOMEM;
    return EMBOLO_OK;
}

embolo_error exclusion_log_append(exclusion_log *dst, exclusion_log *src)
{
    if (src->n == 0)
        return EMBOLO_OK;
    if (dst->capacity - dst->n < src->n) {
        size_t capacity = dst->n + src->n;
        exclusion *grown = realloc(dst->items, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        dst->items = grown;
        dst->capacity = capacity;
    }
    memcpy(dst->items + dst->n, src->items, src->n * sizeof *src->items);
    dst->n += src->n;
    src->n = 0;
    return EMBOLO_OK;
}

embolo_error exclusion_log_add_unmatched(exclusion_log *log, size_t variable, const char *value, size_t length,
                                         size_t *index)
{
    if (log->n_unmatched == log->unmatched_capacity) {
        size_t capacity = log->unmatched_capacity ? log->unmatched_capacity * 2 : 16;
        unmatched_value *grown = realloc(log->unmatched, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        log->unmatched = grown;
        log->unmatched_capacity = capacity;
    }
    char *copy = copy_bytes(value, length);
    if (!copy)
        return EMBOLO_ERROR_NOMEM;
    log->unmatched[log->n_unmatched] = (unmatched_value){.variable = variable, .value = copy, .count = 0};
    *index = log->n_unmatched++;
    return EMBOLO_OK;
}

size_t dataset_date_column_bound(const study *s)
{
    size_t n = 0;
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (s->endpoints[e].form == ENDPOINT_DATES)
            n += 2 + s->endpoints[e].n_event_dates + s->endpoints[e].n_competing_dates;
    return n;
}

static size_t add_date_column(const char **columns, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (text_equal_folded(columns[k], name))
            return n;
    columns[n] = name;
    return n + 1;
}

size_t dataset_date_columns(const study *s, const char **columns)
{
    size_t n = 0;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        const study_endpoint *ep = &s->endpoints[e];
        if (ep->form != ENDPOINT_DATES)
            continue;
        n = add_date_column(columns, n, ep->start);
        for (size_t k = 0; k < ep->n_event_dates; k++)
            n = add_date_column(columns, n, ep->event_dates[k]);
        for (size_t k = 0; k < ep->n_competing_dates; k++)
            n = add_date_column(columns, n, ep->competing_dates[k]);
        n = add_date_column(columns, n, ep->censor_date);
    }
    return n;
}

/* The date columns and a day per row of each. */
static int dataset_new_dates(dataset *d, const study *s, size_t cap)
{
    size_t bound = dataset_date_column_bound(s);
    if (bound == 0)
        return 1;
    if (!(d->date_column = calloc(bound, sizeof *d->date_column)))
        return 0;
    d->n_dates = dataset_date_columns(s, d->date_column);
    if (!(d->date_day = calloc(d->n_dates, sizeof *d->date_day)))
        return 0;
    for (size_t k = 0; k < d->n_dates; k++)
        if (!(d->date_day[k] = malloc(cap * sizeof **d->date_day)))
            return 0;
    return 1;
}

/* Text blocks of this size; a longer string gets a block of its own. */
#define DATASET_TEXT_BLOCK ((size_t)1 << 20)

struct dataset_text_block {
    dataset_text_block *next;
    size_t used, size;
    char text[];
};

/* Room for size bytes: the first block when it has it, else a new block (the first one, or after it
 * for a string longer than a block, so that the first keeps filling). */
static dataset_text_block *text_block_with_room(dataset *d, size_t size)
{
    dataset_text_block *first = d->id_text;
    if (first && first->size - first->used >= size)
        return first;
    int own = size > DATASET_TEXT_BLOCK;
    dataset_text_block *b = malloc(sizeof *b + (own ? size : DATASET_TEXT_BLOCK));
    if (!b)
        return NULL;
    b->used = 0;
    b->size = own ? size : DATASET_TEXT_BLOCK;
    if (own && first) {
        b->next = first->next;
        first->next = b;
    } else {
        b->next = first;
        d->id_text = b;
    }
    return b;
}

embolo_error dataset_set_id(dataset *d, size_t row, const char *id, size_t length)
{
    dataset_text_block *b = text_block_with_room(d, length + 1);
    if (!b)
        return EMBOLO_ERROR_NOMEM;
    char *copy = b->text + b->used;
    memcpy(copy, id, length);
    copy[length] = '\0';
    b->used += length + 1;
    d->id[row] = copy;
    return EMBOLO_OK;
}

int dataset_variable_is_coded(const study *s, size_t v)
{
    return study_variable_is_factor(&s->variables[v]) && s->variables[v].n_levels < DATASET_NO_CODE;
}

embolo_error dataset_new(const study *s, size_t capacity, dataset **out)
{
    dataset *d = calloc(1, sizeof *d);
    size_t cap = capacity ? capacity : 1;
    *out = NULL;
    if (!d)
        return EMBOLO_ERROR_NOMEM;
    d->study = s;
    d->record = calloc(cap, sizeof *d->record);
    d->id = calloc(cap, sizeof *d->id);
    d->time = calloc(s->n_endpoints ? s->n_endpoints : 1, sizeof *d->time);
    d->event = calloc(s->n_endpoints ? s->n_endpoints : 1, sizeof *d->event);
    d->start_day = calloc(s->n_endpoints ? s->n_endpoints : 1, sizeof *d->start_day);
    d->end_day = calloc(s->n_endpoints ? s->n_endpoints : 1, sizeof *d->end_day);
    d->value = calloc(s->n_variables ? s->n_variables : 1, sizeof *d->value);
    d->code = calloc(s->n_variables ? s->n_variables : 1, sizeof *d->code);
    d->missing = calloc(s->n_variables ? s->n_variables : 1, sizeof *d->missing);
    d->tally = calloc(s->n_endpoints ? s->n_endpoints : 1, sizeof *d->tally);
    d->cut_number = calloc(s->n_variables ? s->n_variables : 1, sizeof *d->cut_number);
    if (!d->record || !d->id || !d->time || !d->event || !d->start_day || !d->end_day || !d->value || !d->code || !d->missing ||
        !d->tally || !d->cut_number)
        goto fail;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        d->time[e] = malloc(cap * sizeof **d->time);
        d->event[e] = malloc(cap * sizeof **d->event);
        d->start_day[e] = malloc(cap * sizeof **d->start_day);
        d->end_day[e] = malloc(cap * sizeof **d->end_day);
        if (!d->time[e] || !d->event[e] || !d->start_day[e] || !d->end_day[e])
            goto fail;
    }
    if (!dataset_new_dates(d, s, cap))
        goto fail;
    for (size_t v = 0; v < s->n_variables; v++) {
        if (dataset_variable_is_coded(s, v) ? !(d->code[v] = malloc(cap * sizeof **d->code))
                                             : !(d->value[v] = malloc(cap * sizeof **d->value)))
            goto fail;
        if (s->variables[v].has_cut && !(d->cut_number[v] = malloc(cap * sizeof **d->cut_number)))
            goto fail;
        for (size_t i = 0; d->cut_number[v] && i < cap; i++)
            d->cut_number[v][i] = NAN;
    }
    *out = d;
    return EMBOLO_OK;
fail:
    dataset_free(d);
    return EMBOLO_ERROR_NOMEM;
}

void dataset_free(dataset *d)
{
    if (!d)
        return;
    const study *s = d->study;
    for (dataset_text_block *b = d->id_text, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(d->id);
    free(d->record);
    for (size_t e = 0; d->time && e < s->n_endpoints; e++)
        free(d->time[e]);
    for (size_t e = 0; d->event && e < s->n_endpoints; e++)
        free(d->event[e]);
    for (size_t e = 0; d->start_day && e < s->n_endpoints; e++)
        free(d->start_day[e]);
    for (size_t e = 0; d->end_day && e < s->n_endpoints; e++)
        free(d->end_day[e]);
    free(d->start_day);
    free(d->end_day);
    for (size_t v = 0; d->value && v < s->n_variables; v++)
        free(d->value[v]);
    for (size_t v = 0; d->code && v < s->n_variables; v++)
        free(d->code[v]);
    for (size_t v = 0; d->cut_number && v < s->n_variables; v++)
        free(d->cut_number[v]);
    free(d->cut_number);
    free(d->time);
    free(d->event);
    free(d->value);
    free(d->code);
    free(d->missing);
    free(d->tally);
    free(d->ps);
    free(d->weight);
    free(d->weight_stabilized);
    free(d->sessions);
    free(d->crossover);
    for (size_t k = 0; d->date_day && k < d->n_dates; k++)
        free(d->date_day[k]);
    free(d->date_day);
    free(d->date_column);
    free(d);
}

size_t dataset_rows_excluded(const dataset *data)
{
    return data->rows_read - data->n;
}

/* *array ([old] elements of size bytes) grown to n elements, src's m appended at old; NULL stays NULL. */
static int rows_append(void *array, size_t size, size_t old, const void *src, size_t m)
{
    void **p = array;
    if (!*p || m == 0)
        return 1;
    void *grown = realloc(*p, (old + m) * size);
    if (!grown)
        return 0;
    memcpy((char *)grown + old * size, src, m * size);
    *p = grown;
    return 1;
}

/* 1 when dst and src have the same optional per-row arrays. */
static int dataset_same_shape(const dataset *dst, const dataset *src)
{
    if (dst->study != src->study || dst->n_dates != src->n_dates || dst->n_groups != src->n_groups ||
        !dst->ps != !src->ps || !dst->weight != !src->weight || !dst->weight_stabilized != !src->weight_stabilized ||
        !dst->sessions != !src->sessions || !dst->crossover != !src->crossover)
        return 0;
    for (size_t v = 0; v < dst->study->n_variables; v++)
        if (!dst->value[v] != !src->value[v] || !dst->code[v] != !src->code[v] ||
            !dst->cut_number[v] != !src->cut_number[v])
            return 0;
    return 1;
}

static int dataset_append_columns(dataset *d, const dataset *src)
{
    const study *s = d->study;
    size_t n = d->n, m = src->n;
    int ok = rows_append(&d->record, sizeof *d->record, n, src->record, m) &&
             rows_append(&d->ps, d->n_groups * sizeof *d->ps, n, src->ps, m) &&
             rows_append(&d->weight, sizeof *d->weight, n, src->weight, m) &&
             rows_append(&d->weight_stabilized, sizeof *d->weight_stabilized, n, src->weight_stabilized, m) &&
             rows_append(&d->sessions, sizeof *d->sessions, n, src->sessions, m) &&
             rows_append(&d->crossover, sizeof *d->crossover, n, src->crossover, m);
    for (size_t e = 0; ok && e < s->n_endpoints; e++)
        ok = rows_append(&d->time[e], sizeof **d->time, n, src->time[e], m) &&
             rows_append(&d->event[e], sizeof **d->event, n, src->event[e], m) &&
             rows_append(&d->start_day[e], sizeof **d->start_day, n, src->start_day[e], m) &&
             rows_append(&d->end_day[e], sizeof **d->end_day, n, src->end_day[e], m);
    for (size_t v = 0; ok && v < s->n_variables; v++)
        ok = rows_append(&d->value[v], sizeof **d->value, n, src->value[v], m) &&
             rows_append(&d->code[v], sizeof **d->code, n, src->code[v], m) &&
             rows_append(&d->cut_number[v], sizeof **d->cut_number, n, src->cut_number[v], m);
    for (size_t k = 0; ok && k < d->n_dates; k++)
        ok = rows_append(&d->date_day[k], sizeof **d->date_day, n, src->date_day[k], m);
    return ok;
}

static void dataset_append_counts(dataset *d, const dataset *src)
{
    const study *s = d->study;
    d->rows_read += src->rows_read;
    for (size_t v = 0; v < s->n_variables; v++)
        d->missing[v] += src->missing[v];
    for (size_t e = 0; e < s->n_endpoints; e++) {
        d->tally[e].analysed += src->tally[e].analysed;
        d->tally[e].events += src->tally[e].events;
        d->tally[e].event_values += src->tally[e].event_values;
        d->tally[e].censor_values += src->tally[e].censor_values;
    }
    if (src->has_newest_date && (!d->has_newest_date || src->newest_date > d->newest_date)) {
        d->newest_date = src->newest_date;
        d->has_newest_date = 1;
    }
}

embolo_error dataset_append(dataset *d, const dataset *src)
{
    size_t n = d->n, m = src->n;
    if (!dataset_same_shape(d, src))
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    char **ids = m ? realloc(d->id, (n + m) * sizeof *ids) : d->id;
    if (!ids)
        return EMBOLO_ERROR_NOMEM;
    d->id = ids;
    if (!dataset_append_columns(d, src))
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < m; i++)
        if (dataset_set_id(d, n + i, src->id[i], strlen(src->id[i])) != EMBOLO_OK)
            return EMBOLO_ERROR_NOMEM;
    d->n = n + m;
    dataset_append_counts(d, src);
    return EMBOLO_OK;
}
