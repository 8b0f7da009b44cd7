/* Procedures of the patients analysed in both sets, matched by the patient's id and the date (several
 * on one day in record order): new, removed, or with another grade. Those of a patient analysed in
 * one set only are that patient's change, counted apart. */
#include "compare_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

typedef struct procedure_entry {
    const char *key;      /* the patient's id key (owned by the context or the entry's id) */
    char *owned_key;
    char *id;             /* as written */
    long day;
    char grade[16];       /* "0" ... "5", "NA" */
    size_t order;
} procedure_entry;

typedef struct procedure_list {
    procedure_entry *items;
    size_t n;
} procedure_list;

static void procedure_list_free(procedure_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].owned_key);
        free(list->items[i].id);
    }
    free(list->items);
}

static int key_compare(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int entry_compare(const void *a, const void *b)
{
    const procedure_entry *x = a, *y = b;
    int by_key = strcmp(x->key, y->key);
    if (by_key)
        return by_key;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* DIR's procedures of matched patients (matched_keys sorted); the others counted. */
static embolo_error list_previous(compare_context *ctx, const char **matched_keys, procedure_list *list)
{
    const ingest_table *t = ctx->prev->procedures;
    char id[COMPARE_MAX_TEXT], key[COMPARE_MAX_TEXT], date[COMPARE_MAX_TEXT];
    ctx->procedures_previous = ingest_record_count(t);
    if (!(list->items = calloc(ctx->procedures_previous ? ctx->procedures_previous : 1, sizeof *list->items)))
        return EMBOLO_ERROR_NOMEM;
    for (size_t r = 0; r < ctx->procedures_previous; r++) {
        const char *probe = key;
        compare_cell(t, r, PROCEDURE_ID, id, sizeof id);
        compare_id_key(id, key, sizeof key);
        compare_cell(t, r, PROCEDURE_DATE, date, sizeof date);
        procedure_entry *e = &list->items[list->n];
        if (!ctx->n_matched || !bsearch(&probe, matched_keys, ctx->n_matched, sizeof *matched_keys, key_compare) ||
            !compare_parse_day(date, &e->day)) {
            ctx->procedures_previous_unmatched++;
            continue;
        }
        compare_cell(t, r, PROCEDURE_GRADE, e->grade, sizeof e->grade);
        e->order = r;
        e->key = e->owned_key = text_copy(key);
        e->id = text_copy(id);
        list->n++;
        if (!e->owned_key || !e->id)
            return EMBOLO_ERROR_NOMEM;
    }
    return EMBOLO_OK;
}

/* This run's procedures of matched patients; the others counted. */
static embolo_error list_current(compare_context *ctx, procedure_list *list)
{
    const procedure_set *set = ctx->cur->procedures;
    char key[COMPARE_MAX_TEXT];
    ctx->procedures_current = set->n;
    if (!(list->items = calloc(set->n ? set->n : 1, sizeof *list->items)))
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < set->n; i++) {
        const procedure *item = &set->items[i];
        if (!ctx->cur_matched[item->patient]) {
            ctx->procedures_current_unmatched++;
            continue;
        }
        procedure_entry *e = &list->items[list->n];
        compare_id_key(ctx->cur->data->id[item->patient], key, sizeof key);
        e->day = item->day;
        e->order = i;
        if (item->grade == PROCEDURE_UNKNOWN)
            snprintf(e->grade, sizeof e->grade, "NA");
        else
            snprintf(e->grade, sizeof e->grade, "%d", item->grade);
        e->key = e->owned_key = text_copy(key);
        e->id = text_copy(ctx->cur->data->id[item->patient]);
        list->n++;
        if (!e->owned_key || !e->id)
            return EMBOLO_ERROR_NOMEM;
    }
    return EMBOLO_OK;
}

/* The order of two slots (a patient's procedures of one day): by key, then day. */
static int slot_compare(const procedure_entry *a, const procedure_entry *b)
{
    int by_key = strcmp(a->key, b->key);
    return by_key ? by_key : (a->day > b->day) - (a->day < b->day);
}

/* Where the slot that begins at start ends. */
static size_t slot_end(const procedure_list *list, size_t start)
{
    size_t end = start + 1;
    while (end < list->n && slot_compare(&list->items[start], &list->items[end]) == 0)
        end++;
    return end;
}

#define GRADE_KINDS (PROCEDURE_MAX_GRADE + 2)

/* A grade as an index: 0-5, else (NA) the last. */
static size_t grade_kind(const char *grade)
{
    return grade[0] >= '0' && grade[0] <= '0' + PROCEDURE_MAX_GRADE && !grade[1] ? (size_t)(grade[0] - '0')
                                                                                 : GRADE_KINDS - 1;
}

/* One slot: procedures of equal grade paired first (each with the next of its grade, in record order),
 * then the others in record order (another grade); those left are removed (DIR's) or new (this run's). */
static embolo_error merge_slot(compare_context *ctx, const procedure_entry *p, size_t np, const procedure_entry *c,
                               size_t nc)
{
    unsigned char *p_used = calloc(np + nc + 1, 1), *c_used = p_used ? p_used + np : NULL;
    size_t next[GRADE_KINDS] = {0}, j = 0;
    embolo_error err = p_used ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < np && err == EMBOLO_OK; i++) {
        size_t g = grade_kind(p[i].grade);
        while (next[g] < nc && grade_kind(c[next[g]].grade) != g)
            next[g]++;
        if (next[g] < nc)
            p_used[i] = c_used[next[g]++] = 1;
    }
    for (size_t i = 0; i < np && err == EMBOLO_OK; i++) {
        while (j < nc && c_used[j])
            j++;
        if (p_used[i] || j == nc)
            continue;
        p_used[i] = c_used[j] = 1;
        err = change_set_add(ctx->changes, CHANGE_PROCEDURE_GRADE, c[j].id, "", p[i].grade, c[j].grade, c[j].day);
    }
    for (size_t i = 0; i < np && err == EMBOLO_OK; i++)
        if (!p_used[i])
            err = change_set_add(ctx->changes, CHANGE_PROCEDURE_REMOVED, p[i].id, "", p[i].grade, "", p[i].day);
    for (j = 0; j < nc && err == EMBOLO_OK; j++)
        if (!c_used[j])
            err = change_set_add(ctx->changes, CHANGE_PROCEDURE_NEW, c[j].id, "", "", c[j].grade, c[j].day);
    free(p_used);
    return err;
}

static embolo_error merge(compare_context *ctx, const procedure_list *prev, const procedure_list *cur)
{
    size_t i = 0, j = 0;
    embolo_error err = EMBOLO_OK;
    while ((i < prev->n || j < cur->n) && err == EMBOLO_OK) {
        int order = i == prev->n ? 1 : j == cur->n ? -1 : slot_compare(&prev->items[i], &cur->items[j]);
        size_t i_end = order <= 0 ? slot_end(prev, i) : i, j_end = order >= 0 ? slot_end(cur, j) : j;
        err = merge_slot(ctx, prev->items + i, i_end - i, cur->items + j, j_end - j);
        i = i_end;
        j = j_end;
    }
    return err;
}

embolo_error compare_procedures(compare_context *ctx)
{
    procedure_list prev = {0}, cur = {0};
    const char **matched_keys = malloc((ctx->n_matched ? ctx->n_matched : 1) * sizeof *matched_keys);
    embolo_error err = matched_keys ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    if (!ctx->prev->procedures || !ctx->cur->procedures)
        goto cleanup;
    for (size_t m = 0; m < ctx->n_matched && err == EMBOLO_OK; m++)
        matched_keys[m] = ctx->prev_keys[ctx->matched_prev[m]];
    if (err == EMBOLO_OK && ctx->n_matched > 1)
        qsort(matched_keys, ctx->n_matched, sizeof *matched_keys, key_compare);
    if (err == EMBOLO_OK)
        err = list_previous(ctx, matched_keys, &prev);
    if (err == EMBOLO_OK)
        err = list_current(ctx, &cur);
    if (err != EMBOLO_OK)
        goto cleanup;
    if (prev.n > 1)
        qsort(prev.items, prev.n, sizeof *prev.items, entry_compare);
    if (cur.n > 1)
        qsort(cur.items, cur.n, sizeof *cur.items, entry_compare);
    err = merge(ctx, &prev, &cur);
cleanup:
    free(matched_keys);
    procedure_list_free(&prev);
    procedure_list_free(&cur);
    return err;
}
