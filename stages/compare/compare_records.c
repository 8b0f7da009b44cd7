/* Patients matched by id: new, no longer present, verdicts changed; and for the patients analysed in
 * both, each endpoint's verdict and events, the cleaned values, the dates known at DIR's cut-off and the
 * times of time/status endpoints. */
#include "compare_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

#define NOT_YET_CODE "E_START_AFTER_AS_OF"

typedef enum record_state { RECORD_INCLUDED, RECORD_EXCLUDED, RECORD_NOT_YET } record_state;

/* One record of a set as the comparison sees it: analysed, excluded with a code, or not yet started. */
typedef struct record_entry {
    char *key;
    char *id;             /* as written */
    record_state state;
    char code[64];        /* an excluded record's code */
    size_t row;           /* an analysed record's row (patients.csv or the dataset) */
    size_t order;
} record_entry;

typedef struct record_list {
    record_entry *items;
    size_t n, capacity;
} record_list;

/* An endpoint-scope line of an exclusion log: which endpoint excluded an analysed patient, and why. */
typedef struct scope_line {
    char *key;
    char *scope;
    char code[64];
} scope_line;

typedef struct scope_list {
    scope_line *items;
    size_t n, capacity;
} scope_list;

static void record_list_free(record_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].key);
        free(list->items[i].id);
    }
    free(list->items);
}

static void scope_list_free(scope_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].key);
        free(list->items[i].scope);
    }
    free(list->items);
}

static embolo_error grow(void **items, size_t n, size_t *capacity, size_t size)
{
    if (n < *capacity)
        return EMBOLO_OK;
    size_t larger = *capacity ? 2 * *capacity : 256;
    void *grown = realloc(*items, larger * size);
    if (!grown)
        return EMBOLO_ERROR_NOMEM;
    *items = grown;
    *capacity = larger;
    return EMBOLO_OK;
}

static embolo_error record_add(record_list *list, const char *id, record_state state, const char *code, size_t row)
{
    char key[COMPARE_MAX_TEXT];
    void *items = list->items;
    embolo_error err = grow(&items, list->n, &list->capacity, sizeof *list->items);
    list->items = items;
    if (err != EMBOLO_OK)
        return err;
    record_entry *e = &list->items[list->n];
    compare_id_key(id, key, sizeof key);
    *e = (record_entry){.state = state, .row = row, .order = list->n};
    snprintf(e->code, sizeof e->code, "%s", code ? code : "");
    e->key = text_copy(key);
    e->id = text_copy(id);
    list->n++;
    return e->key && e->id ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

static embolo_error scope_add(scope_list *list, const char *id, const char *scope, const char *code)
{
    char key[COMPARE_MAX_TEXT];
    void *items = list->items;
    embolo_error err = grow(&items, list->n, &list->capacity, sizeof *list->items);
    list->items = items;
    if (err != EMBOLO_OK)
        return err;
    scope_line *line = &list->items[list->n++];
    compare_id_key(id, key, sizeof key);
    snprintf(line->code, sizeof line->code, "%s", code);
    line->key = text_copy(key);
    line->scope = text_copy(scope);
    return line->key && line->scope ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

/* Records no id matches: counted per code. */
static void count_unmatched(compare_context *ctx, const char *code, int current)
{
    size_t k = 0;
    while (k < ctx->n_unmatched && strcmp(ctx->unmatched[k].code, code) != 0)
        k++;
    if (k == ctx->n_unmatched) {
        if (k == sizeof ctx->unmatched / sizeof ctx->unmatched[0])
            return;
        snprintf(ctx->unmatched[k].code, sizeof ctx->unmatched[k].code, "%s", code);
        ctx->unmatched[k].previous = ctx->unmatched[k].current = 0;
        ctx->n_unmatched++;
    }
    if (current)
        ctx->unmatched[k].current++;
    else
        ctx->unmatched[k].previous++;
}

static int is_endpoint(const study *s, const char *scope)
{
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (strcmp(s->endpoints[e].name, scope) == 0)
            return 1;
    return 0;
}

/* One line of an exclusion log: a row-scope one is a record, an endpoint's goes to scopes. */
static embolo_error take_exclusion(compare_context *ctx, record_list *records, scope_list *scopes, const char *id,
                                   const char *scope, const char *code, int current)
{
    char key[COMPARE_MAX_TEXT];
    if (strcmp(scope, "row") != 0)
        return is_endpoint(ctx->cur->study, scope) ? scope_add(scopes, id, scope, code) : EMBOLO_OK;
    compare_id_key(id, key, sizeof key);
    if (!key[0] || !strcmp(code, "E_MISSING_ID") || !strcmp(code, "E_DUPLICATE_ID")) {
        count_unmatched(ctx, code, current);
        return EMBOLO_OK;
    }
    int not_yet = strcmp(code, NOT_YET_CODE) == 0;
    return record_add(records, id, not_yet ? RECORD_NOT_YET : RECORD_EXCLUDED, code, 0);
}

static embolo_error build_previous(compare_context *ctx, record_list *records, scope_list *scopes)
{
    const compare_previous *p = ctx->prev;
    char id[COMPARE_MAX_TEXT], scope[COMPARE_MAX_TEXT], code[COMPARE_MAX_TEXT];
    embolo_error err = EMBOLO_OK;
    for (size_t r = 0; r < ctx->n_previous && err == EMBOLO_OK; r++) {
        compare_cell(p->patients.table, r, p->patients.id, id, sizeof id);
        err = record_add(records, id, RECORD_INCLUDED, NULL, r);
        if (err == EMBOLO_OK && !(ctx->prev_keys[r] = text_copy(records->items[records->n - 1].key)))
            err = EMBOLO_ERROR_NOMEM;
    }
    for (size_t r = 0; r < ingest_record_count(p->exclusions) && err == EMBOLO_OK; r++) {
        compare_cell(p->exclusions, r, EXCLUSION_ID, id, sizeof id);
        compare_cell(p->exclusions, r, EXCLUSION_SCOPE, scope, sizeof scope);
        compare_cell(p->exclusions, r, EXCLUSION_CODE, code, sizeof code);
        err = take_exclusion(ctx, records, scopes, id, scope, code, 0);
    }
    return err;
}

static embolo_error build_current(compare_context *ctx, record_list *records, scope_list *scopes)
{
    const dataset *d = ctx->cur->data;
    const exclusion_log *log = ctx->cur->log;
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < d->n && err == EMBOLO_OK; i++)
        err = record_add(records, d->id[i], RECORD_INCLUDED, NULL, i);
    for (size_t i = 0; i < log->n && err == EMBOLO_OK; i++)
        err = take_exclusion(ctx, records, scopes, log->items[i].id, log->items[i].scope, log->items[i].code, 1);
    return err;
}

/* By key; of one key the analysed record first, then in order. */
static int record_compare(const void *a, const void *b)
{
    const record_entry *x = a, *y = b;
    int by_key = strcmp(x->key, y->key);
    if (by_key)
        return by_key;
    if ((x->state == RECORD_INCLUDED) != (y->state == RECORD_INCLUDED))
        return x->state == RECORD_INCLUDED ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorted, one record per key: a further record of a key is counted as matched by no id. */
static void record_list_settle(compare_context *ctx, record_list *list, int current)
{
    size_t kept = 0;
    if (list->n > 1)
        qsort(list->items, list->n, sizeof *list->items, record_compare);
    for (size_t i = 0; i < list->n; i++) {
        if (kept > 0 && strcmp(list->items[kept - 1].key, list->items[i].key) == 0) {
            count_unmatched(ctx, list->items[i].state == RECORD_INCLUDED ? "E_DUPLICATE_ID" : list->items[i].code,
                            current);
            free(list->items[i].key);
            free(list->items[i].id);
            continue;
        }
        list->items[kept++] = list->items[i];
    }
    list->n = kept;
}

static int scope_compare(const void *a, const void *b)
{
    const scope_line *x = a, *y = b;
    int by_key = strcmp(x->key, y->key);
    return by_key ? by_key : strcmp(x->scope, y->scope);
}

/* The code with which an endpoint excluded a patient analysed otherwise; "included" if none. */
static const char *scope_code(const scope_list *list, const char *key, const char *scope)
{
    scope_line probe = {.key = (char *)key, .scope = (char *)scope};
    const scope_line *found = list->n ? bsearch(&probe, list->items, list->n, sizeof *list->items, scope_compare) : NULL;
    return found ? found->code : CHANGES_INCLUDED;
}

static const char *verdict_of(const record_entry *e)
{
    return e->state == RECORD_INCLUDED ? CHANGES_INCLUDED : e->code;
}

/* A record only one set holds (previous: DIR's). */
static embolo_error one_sided(compare_context *ctx, const record_entry *e, int previous)
{
    if (e->state == RECORD_NOT_YET)
        return EMBOLO_OK;
    if (e->state == RECORD_INCLUDED)
        return change_set_add(ctx->changes, previous ? CHANGE_PATIENT_GONE : CHANGE_PATIENT_NEW, e->id, "", "", "",
                              CHANGE_NO_DAY);
    return change_set_add(ctx->changes, CHANGE_VERDICT, e->id, "row", previous ? e->code : CHANGES_ABSENT,
                          previous ? CHANGES_ABSENT : e->code, CHANGE_NO_DAY);
}

static embolo_error match(compare_context *ctx, const record_entry *p, const record_entry *c)
{
    if (p->state == RECORD_INCLUDED && c->state == RECORD_INCLUDED) {
        ctx->matched_prev[ctx->n_matched] = p->row;
        ctx->matched_cur[ctx->n_matched++] = c->row;
        ctx->prev_matched[p->row] = 1;
        ctx->cur_matched[c->row] = 1;
        return EMBOLO_OK;
    }
    if (p->state == RECORD_NOT_YET && c->state == RECORD_INCLUDED)
        return change_set_add(ctx->changes, CHANGE_PATIENT_NEW, c->id, "", "", "", CHANGE_NO_DAY);
    if (strcmp(verdict_of(p), verdict_of(c)) == 0)
        return EMBOLO_OK;
    ctx->now_excluded += p->state == RECORD_INCLUDED;
    ctx->now_included += c->state == RECORD_INCLUDED;
    return change_set_add(ctx->changes, CHANGE_VERDICT, c->id, "row", verdict_of(p), verdict_of(c), CHANGE_NO_DAY);
}

/* Walks both sorted lists: records of one side only, and those both hold. */
static embolo_error merge(compare_context *ctx, const record_list *prev, const record_list *cur)
{
    size_t i = 0, j = 0;
    embolo_error err = EMBOLO_OK;
    while ((i < prev->n || j < cur->n) && err == EMBOLO_OK) {
        int order = i == prev->n ? 1 : j == cur->n ? -1 : strcmp(prev->items[i].key, cur->items[j].key);
        if (order < 0)
            err = one_sided(ctx, &prev->items[i++], 1);
        else if (order > 0)
            err = one_sided(ctx, &cur->items[j++], 0);
        else
            err = match(ctx, &prev->items[i++], &cur->items[j++]);
    }
    return err;
}

/* ---- the patients analysed in both ---- */

/* The current cell of variable v as patients.csv writes it (a cut variable's number when number). */
static void current_value_text(const compare_current *cur, size_t v, size_t row, int number, char *out, size_t size)
{
    const study_variable *variable = &cur->study->variables[v];
    double value = number ? cur->data->cut_number[v][row] : dataset_value(cur->data, v, row);
    if (!number && !isnan(value) && study_variable_is_factor(variable))
        snprintf(out, size, "%s", variable->levels[(size_t)value]);
    else
        compare_number_text(value, out, size);
}

static embolo_error compare_values(compare_context *ctx, size_t p, size_t c, const char *id)
{
    const previous_patients *pp = &ctx->prev->patients;
    char old_text[COMPARE_MAX_TEXT], new_text[COMPARE_MAX_TEXT];
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < ctx->cur->study->n_variables && err == EMBOLO_OK; v++) {
        int number = pp->number[v] != COMPARE_NONE && ctx->cur->data->cut_number[v];
        size_t column = number ? pp->number[v] : pp->value[v];
        if (column == COMPARE_NONE)
            continue;
        compare_cell(pp->table, p, column, old_text, sizeof old_text);
        current_value_text(ctx->cur, v, c, number, new_text, sizeof new_text);
        if (strcmp(old_text, new_text) != 0)
            err = change_set_add(ctx->changes, CHANGE_VALUE, id, ctx->cur->study->variables[v].name, old_text, new_text,
                                 CHANGE_NO_DAY);
    }
    return err;
}

int compare_censor_only(const study *s, const char *column)
{
    int censor = 0;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        const study_endpoint *ep = &s->endpoints[e];
        if (ep->form != ENDPOINT_DATES)
            continue;
        if (text_equal_folded(ep->start, column))
            return 0;
        for (size_t k = 0; k < ep->n_event_dates; k++)
            if (text_equal_folded(ep->event_dates[k], column))
                return 0;
        for (size_t k = 0; k < ep->n_competing_dates; k++)
            if (text_equal_folded(ep->competing_dates[k], column))
                return 0;
        censor |= text_equal_folded(ep->censor_date, column);
    }
    return censor;
}

/* A date known at DIR's cut-off (on or before it) that is now another, or missing. */
static embolo_error compare_dates(compare_context *ctx, size_t p, size_t c, const char *id)
{
    const compare_previous *prev = ctx->prev;
    const dataset *d = ctx->cur->data;
    char old_text[COMPARE_MAX_TEXT], new_text[11];
    embolo_error err = EMBOLO_OK;
    for (size_t k = 0; k < prev->n_dates && k < d->n_dates && err == EMBOLO_OK; k++) {
        long old_day, new_day = d->date_day[k][c];
        if (prev->patients.date[k] == COMPARE_NONE)
            continue;
        compare_cell(prev->patients.table, p, prev->patients.date[k], old_text, sizeof old_text);
        if (!compare_parse_day(old_text, &old_day) || (prev->has_cutoff && old_day > prev->cutoff) ||
            old_day == new_day)
            continue;
        if (new_day == DATASET_NO_DAY)
            snprintf(new_text, sizeof new_text, "NA");
        else
            text_format_date(new_day, new_text);
        int extended = new_day != DATASET_NO_DAY && new_day > old_day && compare_censor_only(ctx->cur->study, d->date_column[k]);
        err = change_set_add(ctx->changes, extended ? CHANGE_FOLLOWUP_EXTENDED : CHANGE_DATE, id, d->date_column[k],
                             old_text, new_text, CHANGE_NO_DAY);
    }
    return err;
}

/* DIR's date of an event it had: its start date plus the time, where both are known. */
static long previous_event_day(const compare_context *ctx, size_t e, size_t p)
{
    const study *s = ctx->cur->study;
    const compare_previous *prev = ctx->prev;
    char text[COMPARE_MAX_TEXT];
    double time;
    long start;
    if (s->endpoints[e].form != ENDPOINT_DATES)
        return CHANGE_NO_DAY;
    for (size_t k = 0; k < prev->n_dates; k++) {
        if (prev->patients.date[k] == COMPARE_NONE || !text_equal_folded(prev->date_columns[k], s->endpoints[e].start))
            continue;
        compare_cell(prev->patients.table, p, prev->patients.date[k], text, sizeof text);
        if (!compare_parse_day(text, &start))
            return CHANGE_NO_DAY;
        compare_cell(prev->patients.table, p, prev->patients.time[e], text, sizeof text);
        if (!text_parse_number(text, strlen(text), &time))
            return CHANGE_NO_DAY;
        return start + lround(time * s->days_per_unit);
    }
    return CHANGE_NO_DAY;
}

/* An event (status 1) or competing event (status 2) gained or lost. */
static embolo_error compare_status(compare_context *ctx, size_t e, size_t p, size_t c, const char *id, int was,
                                   int is, int status)
{
    const study_endpoint *ep = &ctx->cur->study->endpoints[e];
    change_kind gained = status == 1 ? CHANGE_EVENT_NEW : CHANGE_COMPETING_NEW;
    change_kind lost = status == 1 ? CHANGE_EVENT_REMOVED : CHANGE_COMPETING_REMOVED;
    if (was != status && is == status) {
        long day = ep->form == ENDPOINT_DATES ? ctx->cur->data->end_day[e][c] : CHANGE_NO_DAY;
        return change_set_add(ctx->changes, gained, id, ep->name, "", "", day == DATASET_NO_DAY ? CHANGE_NO_DAY : day);
    }
    if (was == status && is != status)
        return change_set_add(ctx->changes, lost, id, ep->name, "", "", previous_event_day(ctx, e, p));
    return EMBOLO_OK;
}

/* The time of a time/status endpoint whose status stayed: a censored one later is follow-up. */
static embolo_error compare_time(compare_context *ctx, size_t e, size_t p, size_t c, const char *id, int status)
{
    const study_endpoint *ep = &ctx->cur->study->endpoints[e];
    char old_text[COMPARE_MAX_TEXT], new_text[64];
    double old_time, new_time = ctx->cur->data->time[e][c];
    compare_cell(ctx->prev->patients.table, p, ctx->prev->patients.time[e], old_text, sizeof old_text);
    compare_number_text(new_time, new_text, sizeof new_text);
    if (strcmp(old_text, new_text) == 0)
        return EMBOLO_OK;
    int extended = status == 0 && text_parse_number(old_text, strlen(old_text), &old_time) && new_time > old_time;
    return change_set_add(ctx->changes, extended ? CHANGE_FOLLOWUP_EXTENDED : CHANGE_TIME, id, ep->time, old_text,
                          new_text, CHANGE_NO_DAY);
}

/* One endpoint of a patient analysed in both: its verdict, then its events and time. */
static embolo_error compare_endpoint(compare_context *ctx, const scope_list *prev_scopes, const scope_list *cur_scopes,
                                     size_t e, size_t p, size_t c, const char *id)
{
    const study_endpoint *ep = &ctx->cur->study->endpoints[e];
    const previous_patients *pp = &ctx->prev->patients;
    char text[COMPARE_MAX_TEXT];
    embolo_error err;
    if (pp->event[e] == COMPARE_NONE || pp->time[e] == COMPARE_NONE)
        return EMBOLO_OK;
    compare_cell(pp->table, p, pp->event[e], text, sizeof text);
    int was = strcmp(text, "NA") == 0 ? -1 : atoi(text), is = ctx->cur->data->event[e][c];
    if (was < 0 || is < 0) {
        const char *old_code = was < 0 ? scope_code(prev_scopes, ctx->prev_keys[p], ep->name) : CHANGES_INCLUDED;
        char key[COMPARE_MAX_TEXT];
        compare_id_key(id, key, sizeof key);
        const char *new_code = is < 0 ? scope_code(cur_scopes, key, ep->name) : CHANGES_INCLUDED;
        if (strcmp(old_code, new_code) == 0)
            return EMBOLO_OK;
        return change_set_add(ctx->changes, CHANGE_VERDICT, id, ep->name, old_code, new_code, CHANGE_NO_DAY);
    }
    err = compare_status(ctx, e, p, c, id, was, is, 1);
    if (err == EMBOLO_OK && study_endpoint_has_competing(ep))
        err = compare_status(ctx, e, p, c, id, was, is, 2);
    if (err == EMBOLO_OK && ep->form == ENDPOINT_TIME_STATUS && was == is)
        err = compare_time(ctx, e, p, c, id, is);
    return err;
}

static embolo_error compare_matched(compare_context *ctx, const scope_list *prev_scopes, const scope_list *cur_scopes)
{
    embolo_error err = EMBOLO_OK;
    for (size_t m = 0; m < ctx->n_matched && err == EMBOLO_OK; m++) {
        size_t p = ctx->matched_prev[m], c = ctx->matched_cur[m];
        const char *id = ctx->cur->data->id[c];
        for (size_t e = 0; e < ctx->cur->study->n_endpoints && err == EMBOLO_OK; e++)
            err = compare_endpoint(ctx, prev_scopes, cur_scopes, e, p, c, id);
        if (err == EMBOLO_OK)
            err = compare_values(ctx, p, c, id);
        if (err == EMBOLO_OK)
            err = compare_dates(ctx, p, c, id);
    }
    return err;
}

/* Events among the analysed of each set. */
static void count_events(compare_context *ctx)
{
    const previous_patients *pp = &ctx->prev->patients;
    char text[COMPARE_MAX_TEXT];
    for (size_t e = 0; e < ctx->cur->study->n_endpoints; e++) {
        for (size_t r = 0; pp->event[e] != COMPARE_NONE && r < ctx->n_previous; r++) {
            compare_cell(pp->table, r, pp->event[e], text, sizeof text);
            ctx->events_previous[e] += strcmp(text, "1") == 0;
        }
        for (size_t i = 0; i < ctx->n_current; i++)
            ctx->events_current[e] += ctx->cur->data->event[e][i] == 1;
    }
}

/* What this study has and DIR's patients.csv lacks is not compared: said once each. */
static embolo_error warn_missing_columns(compare_context *ctx)
{
    const study *s = ctx->cur->study;
    const previous_patients *pp = &ctx->prev->patients;
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++)
        if (pp->value[v] == COMPARE_NONE)
            err = results_warn(ctx->warnings, "--previous %s: its patients.csv has no "
                               "variable %s: its values are not compared", ctx->prev->dir, s->variables[v].name);
    for (size_t k = 0; k < ctx->prev->n_dates && err == EMBOLO_OK; k++)
        if (pp->date[k] == COMPARE_NONE)
            err = results_warn(ctx->warnings, "--previous %s: its patients.csv has no date.%s: those dates are not "
                               "compared", ctx->prev->dir, ctx->prev->date_columns[k]);
    for (size_t e = 0; e < s->n_endpoints && err == EMBOLO_OK; e++)
        if (pp->event[e] == COMPARE_NONE || pp->time[e] == COMPARE_NONE)
            err = results_warn(ctx->warnings, "--previous %s: its patients.csv lacks %s_time or %s_event: those events "
                               "are not compared", ctx->prev->dir, s->endpoints[e].name, s->endpoints[e].name);
    return err;
}

embolo_error compare_records(compare_context *ctx)
{
    record_list prev = {0}, cur = {0};
    scope_list prev_scopes = {0}, cur_scopes = {0};
    embolo_error err = warn_missing_columns(ctx);
    if (err == EMBOLO_OK)
        err = build_previous(ctx, &prev, &prev_scopes);
    if (err == EMBOLO_OK)
        err = build_current(ctx, &cur, &cur_scopes);
    if (err != EMBOLO_OK)
        goto cleanup;
    record_list_settle(ctx, &prev, 0);
    record_list_settle(ctx, &cur, 1);
    if (prev_scopes.n > 1)
        qsort(prev_scopes.items, prev_scopes.n, sizeof *prev_scopes.items, scope_compare);
    if (cur_scopes.n > 1)
        qsort(cur_scopes.items, cur_scopes.n, sizeof *cur_scopes.items, scope_compare);
    err = merge(ctx, &prev, &cur);
    if (err == EMBOLO_OK)
        err = compare_matched(ctx, &prev_scopes, &cur_scopes);
    if (err == EMBOLO_OK)
        count_events(ctx);
cleanup:
    record_list_free(&prev);
    record_list_free(&cur);
    scope_list_free(&prev_scopes);
    scope_list_free(&cur_scopes);
    return err;
}
