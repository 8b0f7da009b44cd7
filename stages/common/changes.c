#include "changes.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char *const kind_names[CHANGE_KIND_COUNT] = {
    [CHANGE_PATIENT_NEW] = "patient_new",
    [CHANGE_PATIENT_GONE] = "patient_no_longer_present",
    [CHANGE_VERDICT] = "verdict",
    [CHANGE_EVENT_NEW] = "event_new",
    [CHANGE_EVENT_REMOVED] = "event_removed",
    [CHANGE_COMPETING_NEW] = "competing_new",
    [CHANGE_COMPETING_REMOVED] = "competing_removed",
    [CHANGE_VALUE] = "value",
    [CHANGE_DATE] = "date",
    [CHANGE_TIME] = "time",
    [CHANGE_FOLLOWUP_EXTENDED] = "followup_extended",
    [CHANGE_PROCEDURE_NEW] = "procedure_new",
    [CHANGE_PROCEDURE_REMOVED] = "procedure_removed",
    [CHANGE_PROCEDURE_GRADE] = "procedure_grade",
};

const char *change_kind_name(change_kind kind)
{
    return kind >= 0 && kind < CHANGE_KIND_COUNT ? kind_names[kind] : "";
}

change_set *change_set_new(void)
{
    return calloc(1, sizeof(change_set));
}

static void item_free(change_item *item)
{
    free(item->id);
    free(item->subject);
    free(item->old_value);
    free(item->new_value);
}

static void estimate_free(change_estimate *estimate)
{
    free(estimate->endpoint);
    free(estimate->model);
    free(estimate->variable);
    free(estimate->level);
}

void change_set_clear_lists(change_set *set)
{
    for (size_t i = 0; i < set->n_items; i++)
        item_free(&set->items[i]);
    for (size_t i = 0; i < set->n_estimates; i++)
        estimate_free(&set->estimates[i]);
    set->n_items = 0;
    set->n_estimates = 0;
}

void change_set_free(change_set *set)
{
    if (!set)
        return;
    change_set_clear_lists(set);
    free(set->items);
    free(set->estimates);
    free(set->previous_path);
    free(set);
}

/* Room for one more of items (each item_size bytes). */
static embolo_error grow(void **items, size_t n, size_t *capacity, size_t item_size)
{
    if (n < *capacity)
        return EMBOLO_OK;
    size_t larger = *capacity ? *capacity * 2 : 64;
    void *grown = realloc(*items, larger * item_size);
    if (!grown)
        return EMBOLO_ERROR_NOMEM;
    *items = grown;
    *capacity = larger;
    return EMBOLO_OK;
}

embolo_error change_set_add(change_set *set, change_kind kind, const char *id, const char *subject,
                            const char *old_value, const char *new_value, long day)
{
    void *items = set->items;
    embolo_error err = grow(&items, set->n_items, &set->items_capacity, sizeof *set->items);
    set->items = items;
    if (err != EMBOLO_OK)
        return err;
    change_item *item = &set->items[set->n_items];
    *item = (change_item){.kind = kind, .day = day, .after_previous = -1};
    item->id = text_copy(id);
    item->subject = text_copy(subject);
    item->old_value = text_copy(old_value);
    item->new_value = text_copy(new_value);
    if (!item->id || !item->subject || !item->old_value || !item->new_value) {
        item_free(item);
        return EMBOLO_ERROR_NOMEM;
    }
    if (day != CHANGE_NO_DAY && set->has_cutoff) {
        item->days_from_previous = day - set->cutoff;
        item->after_previous = day > set->cutoff;
    }
    set->n_items++;
    return EMBOLO_OK;
}

embolo_error change_set_add_estimate(change_set *set, const change_estimate *estimate)
{
    void *estimates = set->estimates;
    embolo_error err = grow(&estimates, set->n_estimates, &set->estimates_capacity, sizeof *set->estimates);
    set->estimates = estimates;
    if (err != EMBOLO_OK)
        return err;
    change_estimate *copy = &set->estimates[set->n_estimates];
    *copy = *estimate;
    copy->endpoint = text_copy(estimate->endpoint);
    copy->model = text_copy(estimate->model);
    copy->variable = text_copy(estimate->variable);
    copy->level = text_copy(estimate->level);
    if (!copy->endpoint || !copy->model || !copy->variable || !copy->level) {
        estimate_free(copy);
        return EMBOLO_ERROR_NOMEM;
    }
    set->n_estimates++;
    return EMBOLO_OK;
}

size_t change_set_count(const change_set *set, change_kind kind, const char *subject)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_items; i++)
        n += set->items[i].kind == kind && (!subject || strcmp(set->items[i].subject, subject) == 0);
    return n;
}
