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

/* A window's own parts: not the rows, which are its whole's. */
static void window_free(dataset *w)
{
    for (dataset_text_block *b = w->id_text, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(w->time);
    free(w->event);
    free(w->start_day);
    free(w->end_day);
    free(w->tally);
    free(w->value);
    free(w->code);
    free(w->cut_number);
    free(w->missing);
    free(w->date_day);
    free(w);
}

void dataset_free(dataset *d)
{
    if (!d)
        return;
    if (d->window_of) {
        window_free(d);
        return;
    }
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

/* ---- windows ---- */

embolo_error dataset_window_new(dataset *whole, size_t offset, dataset **out)
{
    const study *s = whole->study;
    size_t n_e = s->n_endpoints ? s->n_endpoints : 1, n_v = s->n_variables ? s->n_variables : 1;
    dataset *w = calloc(1, sizeof *w);
    *out = NULL;
    if (whole->ps || whole->weight || whole->weight_stabilized || whole->sessions || whole->crossover) {
        free(w);
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    }
    if (!w)
        return EMBOLO_ERROR_NOMEM;
    w->study = s;
    w->window_of = whole;
    w->window_offset = offset;
    w->record = whole->record + offset;
    w->id = whole->id + offset;
    w->n_dates = whole->n_dates;
    w->date_column = whole->date_column;
    w->time = calloc(n_e, sizeof *w->time);
    w->event = calloc(n_e, sizeof *w->event);
    w->start_day = calloc(n_e, sizeof *w->start_day);
    w->end_day = calloc(n_e, sizeof *w->end_day);
    w->tally = calloc(n_e, sizeof *w->tally);
    w->value = calloc(n_v, sizeof *w->value);
    w->code = calloc(n_v, sizeof *w->code);
    w->cut_number = calloc(n_v, sizeof *w->cut_number);
    w->missing = calloc(n_v, sizeof *w->missing);
    w->date_day = calloc(w->n_dates ? w->n_dates : 1, sizeof *w->date_day);
    if (!w->time || !w->event || !w->start_day || !w->end_day || !w->tally || !w->value || !w->code ||
        !w->cut_number || !w->missing || !w->date_day) {
        dataset_free(w);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t e = 0; e < s->n_endpoints; e++) {
        w->time[e] = whole->time[e] + offset;
        w->event[e] = whole->event[e] + offset;
        w->start_day[e] = whole->start_day[e] + offset;
        w->end_day[e] = whole->end_day[e] + offset;
    }
    for (size_t v = 0; v < s->n_variables; v++) {
        w->value[v] = whole->value[v] ? whole->value[v] + offset : NULL;
        w->code[v] = whole->code[v] ? whole->code[v] + offset : NULL;
        w->cut_number[v] = whole->cut_number[v] ? whole->cut_number[v] + offset : NULL;
    }
    for (size_t k = 0; k < w->n_dates; k++)
        w->date_day[k] = whole->date_day[k] + offset;
    *out = w;
    return EMBOLO_OK;
}

/* m elements of size bytes at from moved to to in array. */
static void rows_move(void *array, size_t size, size_t to, size_t from, size_t m)
{
    if (array && m > 0 && to != from)
        memmove((char *)array + to * size, (char *)array + from * size, m * size);
}

static void window_move_rows(dataset *d, const dataset *w)
{
    const study *s = d->study;
    size_t to = d->n, from = w->window_offset, m = w->n;
    rows_move(d->record, sizeof *d->record, to, from, m);
    rows_move(d->id, sizeof *d->id, to, from, m);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        rows_move(d->time[e], sizeof **d->time, to, from, m);
        rows_move(d->event[e], sizeof **d->event, to, from, m);
        rows_move(d->start_day[e], sizeof **d->start_day, to, from, m);
        rows_move(d->end_day[e], sizeof **d->end_day, to, from, m);
    }
    for (size_t v = 0; v < s->n_variables; v++) {
        rows_move(d->value[v], sizeof **d->value, to, from, m);
        rows_move(d->code[v], sizeof **d->code, to, from, m);
        rows_move(d->cut_number[v], sizeof **d->cut_number, to, from, m);
    }
    for (size_t k = 0; k < d->n_dates; k++)
        rows_move(d->date_day[k], sizeof **d->date_day, to, from, m);
}

static void counts_add(dataset *d, const dataset *src)
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

embolo_error dataset_window_join(dataset *whole, dataset *window)
{
    if (window->window_of != whole || whole->n > window->window_offset)
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    window_move_rows(whole, window);
    /* The window's blocks of text after whole's first, which keeps filling. */
    dataset_text_block *last = window->id_text;
    while (last && last->next)
        last = last->next;
    if (last && whole->id_text) {
        last->next = whole->id_text->next;
        whole->id_text->next = window->id_text;
    } else if (last) {
        whole->id_text = window->id_text;
    }
    window->id_text = NULL;
    whole->n += window->n;
    window->n = 0;
    counts_add(whole, window);
    return EMBOLO_OK;
}
