#include "procedures.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

procedure_set *procedure_set_new(void)
{
    return calloc(1, sizeof(procedure_set));
}

void procedure_set_free(procedure_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        free(set->items[i].term);
    free(set->items);
    for (size_t i = 0; i < set->n_operators; i++)
        free(set->operators[i]);
    free(set->operators);
    free(set);
}

/* Makes room for one more of *count items of size bytes (capacity doubling). */
static embolo_error reserve(void **items, size_t count, size_t *capacity, size_t size)
{
    if (count < *capacity)
        return EMBOLO_OK;
    size_t grown_capacity = *capacity ? *capacity * 2 : 64;
    void *grown = realloc(*items, grown_capacity * size);
    if (!grown)
        return EMBOLO_ERROR_NOMEM;
    *items = grown;
    *capacity = grown_capacity;
    return EMBOLO_OK;
}

embolo_error procedure_set_add(procedure_set *set, const procedure *item, const char *term, procedure **out)
{
    char *copy = NULL;
    if ((term && !(copy = text_copy(term))) ||
        reserve((void **)&set->items, set->n, &set->capacity, sizeof *set->items) != EMBOLO_OK) {
        free(copy);
        return EMBOLO_ERROR_NOMEM;
    }
    procedure *p = &set->items[set->n++];
    *p = *item;
    p->term = copy;
    if (out)
        *out = p;
    return EMBOLO_OK;
}

embolo_error procedure_set_add_operator(procedure_set *set, const char *label, size_t *index)
{
    char *copy = text_copy(label);
    if (!copy || reserve((void **)&set->operators, set->n_operators, &set->operators_capacity,
                         sizeof *set->operators) != EMBOLO_OK) {
        free(copy);
        return EMBOLO_ERROR_NOMEM;
    }
    *index = set->n_operators;
    set->operators[set->n_operators++] = copy;
    return EMBOLO_OK;
}

/* ---- thresholds ---- */

static const struct {
    const char *name;
    double value;
} threshold_table[THRESHOLD_COUNT] = {
    [THRESHOLD_MAJOR_AE] = {"major_ae", 0.10},
    [THRESHOLD_MORTALITY_30D] = {"mortality_30d", 0.02},
    [THRESHOLD_TECHNICAL_SUCCESS] = {"technical_success", 0.95},
    [THRESHOLD_CUSUM_P0] = {"cusum_p0", 0.05},
    [THRESHOLD_CUSUM_P1] = {"cusum_p1", 0.10},
    [THRESHOLD_CUSUM_H] = {"cusum_h", 2.5},
};

const char *procedure_threshold_name(procedure_threshold key)
{
    return key < THRESHOLD_COUNT ? threshold_table[key].name : "";
}

double procedure_threshold_default(procedure_threshold key)
{
    return key < THRESHOLD_COUNT ? threshold_table[key].value : 0.0;
}

embolo_error procedure_thresholds_new(size_t n_levels, procedure_thresholds **out)
{
    procedure_thresholds *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t || !(t->level = calloc(n_levels ? n_levels : 1, sizeof *t->level))) {
        free(t);
        return EMBOLO_ERROR_NOMEM;
    }
    t->n_levels = n_levels;
    for (size_t k = 0; k < THRESHOLD_COUNT; k++) {
        t->all[k] = threshold_table[k].value;
        for (size_t l = 0; l < n_levels; l++)
            t->level[l][k] = threshold_table[k].value;
    }
    *out = t;
    return EMBOLO_OK;
}

void procedure_thresholds_free(procedure_thresholds *t)
{
    if (!t)
        return;
    free(t->level);
    free(t);
}
