#include "design.h"

#include "common/heapsort.h"

#include <math.h>
#include <stdlib.h>

/* R's tolerance for times that are one time: sqrt(.Machine$double.eps). */
#define TIMEFIX_TOLERANCE 1.4901161193847656e-08

/* R's timefix (survival's aeqSurv, the default of survfit, survdiff and coxph): two successive distinct
 * times closer than the tolerance, absolutely or relative to the mean of the distinct times, are one
 * time, the earlier; a chain of such times takes its first. time is sorted ascending. */
static void times_merge_near_ties(double *time, size_t n)
{
    double sum = 0.0, mean;
    size_t distinct = 0;
    for (size_t k = 0; k < n; k++)
        if (k == 0 || time[k] != time[k - 1]) {
            sum += fabs(time[k]);
            distinct++;
        }
    if (distinct < 2)
        return;
    mean = sum / (double)distinct;
    double previous = time[0], cut = time[0];
    for (size_t k = 1; k < n; k++) {
        double original = time[k];
        if (original != previous) {
            double gap = original - previous;
            if (!(gap <= TIMEFIX_TOLERANCE || (mean > 0 && gap / mean <= TIMEFIX_TOLERANCE)))
                cut = original;
            previous = original;
        }
        time[k] = cut;
    }
}

/* A factor whose level indices fit endpoint_rows.code. */

/* Allocates the arrays of rows for n rows (at least one element each) and the gathered values of
 * s's variables (and the weight when weighted); r->n stays 0. */
static embolo_error endpoint_rows_alloc(endpoint_rows *r, size_t n, const study *s, int weighted)
{
    size_t cap = n ? n : 1, n_values = s->n_variables;
    r->row = malloc(cap * sizeof *r->row);
    r->time = malloc(cap * sizeof *r->time);
    r->status = malloc(cap * sizeof *r->status);
    r->cause = malloc(cap * sizeof *r->cause);
    r->value = calloc(n_values ? n_values : 1, sizeof *r->value);
    r->code = calloc(n_values ? n_values : 1, sizeof *r->code);
    r->weight = weighted ? malloc(cap * sizeof *r->weight) : NULL;
    if (!r->row || !r->time || !r->status || !r->cause || !r->value || !r->code || (weighted && !r->weight))
        return EMBOLO_ERROR_NOMEM;
    r->n_values = n_values;
    for (size_t v = 0; v < n_values; v++) {
        int coded = dataset_variable_is_coded(s, v);
        if (coded ? !(r->code[v] = malloc(cap * sizeof *r->code[v])) : !(r->value[v] = malloc(cap * sizeof *r->value[v])))
            return EMBOLO_ERROR_NOMEM;
    }
    return EMBOLO_OK;
}

/* Gathers every variable's value and the weight of the rows r->row[0..r->n) from data. */
static void endpoint_rows_gather(endpoint_rows *r, const dataset *data)
{
    for (size_t v = 0; v < r->n_values; v++) {
        if (r->code[v]) {
            const uint16_t *code = data->code[v];
            for (size_t k = 0; k < r->n; k++)
                r->code[v][k] = code[r->row[k]];
            continue;
        }
        const double *value = data->value[v];
        for (size_t k = 0; k < r->n; k++)
            r->value[v][k] = value[r->row[k]];
    }
    if (r->weight)
        for (size_t k = 0; k < r->n; k++)
            r->weight[k] = data->weight[r->row[k]];
}

embolo_error endpoint_rows_new(const dataset *data, size_t endpoint, endpoint_rows **out)
{
    embolo_error err = EMBOLO_ERROR_NOMEM;
    endpoint_rows *r = calloc(1, sizeof *r);
    size_t n = 0;
    heapsort_pair *by_time = malloc((data->n ? data->n : 1) * sizeof *by_time);
    *out = NULL;
    if (!r || !by_time)
        goto cleanup;
    for (size_t i = 0; i < data->n; i++)
        if (data->event[endpoint][i] >= 0)
            by_time[n++] = (heapsort_pair){data->time[endpoint][i], i};
    err = endpoint_rows_alloc(r, n, data->study, data->weight != NULL);
    if (err != EMBOLO_OK)
        goto cleanup;
    /* One sort per endpoint; every estimator takes its rows in this order. GSL's heapsort (the order
     * of tied times, which the sums follow), on pairs of time and row. */
    heapsort_pairs(by_time, n);
    for (size_t k = 0; k < n; k++) {
        size_t i = by_time[k].index;
        r->row[k] = i;
        r->time[k] = by_time[k].key;
        r->cause[k] = data->event[endpoint][i];
        r->status[k] = r->cause[k] == 1;
    }
    times_merge_near_ties(r->time, n);
    r->n = n;
    endpoint_rows_gather(r, data);
    *out = r;
    r = NULL;
    err = EMBOLO_OK;
cleanup:
    endpoint_rows_free(r);
    free(by_time);
    return err;
}

embolo_error endpoint_rows_gather_weight(endpoint_rows *rows, const dataset *data)
{
    if (rows->weight || !data->weight)
        return EMBOLO_OK;
    rows->weight = malloc((rows->n ? rows->n : 1) * sizeof *rows->weight);
    if (!rows->weight)
        return EMBOLO_ERROR_NOMEM;
    for (size_t k = 0; k < rows->n; k++)
        rows->weight[k] = data->weight[rows->row[k]];
    return EMBOLO_OK;
}

void endpoint_rows_free(endpoint_rows *rows)
{
    if (!rows)
        return;
    free(rows->row);
    free(rows->time);
    free(rows->status);
    free(rows->cause);
    for (size_t v = 0; rows->value && v < rows->n_values; v++)
        free(rows->value[v]);
    for (size_t v = 0; rows->code && v < rows->n_values; v++)
        free(rows->code[v]);
    free(rows->value);
    free(rows->code);
    free(rows->weight);
    free(rows);
}

/* Copies row k of from to the end of to. */
static void endpoint_rows_push(endpoint_rows *to, const endpoint_rows *from, size_t k)
{
    size_t m = to->n++;
    to->row[m] = from->row[k];
    to->time[m] = from->time[k];
    to->status[m] = from->status[k];
    to->cause[m] = from->cause[k];
    for (size_t v = 0; v < to->n_values; v++) {
        if (to->code[v])
            to->code[v][m] = from->code[v][k];
        else
            to->value[v][m] = from->value[v][k];
    }
    if (to->weight)
        to->weight[m] = from->weight[k];
}

embolo_error endpoint_rows_subset(const endpoint_rows *rows, const dataset *data, size_t variable, int level,
                                  endpoint_rows **out)
{
    endpoint_rows *r = calloc(1, sizeof *r);
    embolo_error err = r ? endpoint_rows_alloc(r, rows->n, data->study, rows->weight != NULL) : EMBOLO_ERROR_NOMEM;
    *out = NULL;
    if (err != EMBOLO_OK) {
        endpoint_rows_free(r);
        return err;
    }
    for (size_t k = 0; k < rows->n; k++) {
        double value = endpoint_rows_value(rows, variable, k);
        if (isnan(value) || (level >= 0 && value != (double)level))
            continue;
        endpoint_rows_push(r, rows, k);
    }
    *out = r;
    return EMBOLO_OK;
}

static int row_complete(const endpoint_rows *rows, size_t k, const size_t *variables, size_t n_variables,
                        int weighted)
{
    if (weighted && (!rows->weight || isnan(rows->weight[k])))
        return 0;
    for (size_t v = 0; v < n_variables; v++)
        if (isnan(endpoint_rows_value(rows, variables[v], k)))
            return 0;
    return 1;
}

/* Chooses the columns: numeric variables one each, factors one per present non-reference level
 * (the declared reference, or the first present level when the reference has no row). position[i]:
 * the design row i's index in rows (NULL: i). */
static embolo_error design_choose_columns(design *d, const dataset *data, const endpoint_rows *rows,
                                          const size_t *position, const size_t *variables, size_t n_variables)
{
    const study *s = data->study;
    size_t capacity = 0;
    for (size_t v = 0; v < n_variables; v++)
        capacity += study_variable_is_factor(&s->variables[variables[v]]) ? s->variables[variables[v]].n_levels : 1;
    d->columns = malloc((capacity ? capacity : 1) * sizeof *d->columns);
    d->reference = malloc((n_variables ? n_variables : 1) * sizeof *d->reference);
    if (!d->columns || !d->reference)
        return EMBOLO_ERROR_NOMEM;
    for (size_t v = 0; v < n_variables; v++) {
        const study_variable *var = &s->variables[variables[v]];
        d->reference[v] = -1;
        if (!study_variable_is_factor(var)) {
            d->columns[d->p++] = (design_column){variables[v], -1, v};
            continue;
        }
        size_t *counts = calloc(var->n_levels, sizeof *counts);
        if (!counts)
            return EMBOLO_ERROR_NOMEM;
        for (size_t i = 0; i < d->n; i++)
            counts[(size_t)endpoint_rows_value(rows, variables[v], position ? position[i] : i)]++;
        size_t reference = var->reference;
        if (counts[reference] == 0)
            for (size_t l = var->n_levels; l-- > 0;)
                if (counts[l] > 0)
                    reference = l;
        for (size_t l = 0; l < var->n_levels; l++)
            if (l != reference && counts[l] > 0)
                d->columns[d->p++] = (design_column){variables[v], (int)l, v};
        d->reference[v] = counts[reference] > 0 ? (int)reference : -1;
        free(counts);
    }
    d->n_terms = n_variables;
    return EMBOLO_OK;
}

/* Fills x from the gathered values of the chosen columns, row by row (x is row-major): each column's
 * values and level looked up once, a factor's contrast without a branch. position NULL: design row i
 * is rows' row i. */
static embolo_error design_fill(design *d, const endpoint_rows *rows, const size_t *position)
{
    size_t p = d->p;
    const double **value = malloc((p ? p : 1) * sizeof *value);
    const uint16_t **code = malloc((p ? p : 1) * sizeof *code);
    double *level = malloc((p ? p : 1) * sizeof *level);
    double *x = d->x;
    embolo_error err = EMBOLO_ERROR_NOMEM;
    d->column_rows = calloc(p ? p : 1, sizeof *d->column_rows);
    d->column_events = calloc(p ? p : 1, sizeof *d->column_events);
    if (!value || !code || !level || !d->column_rows || !d->column_events)
        goto cleanup;
    for (size_t j = 0; j < p; j++) {
        value[j] = rows->value[d->columns[j].variable];
        code[j] = rows->code[d->columns[j].variable];
        level[j] = (double)d->columns[j].level;
    }
    /* A contrast is (double)(value == level), the same bits from a code as from its value. Each
     * column's rows and events (design_level_counts) are counted on the way, not in another pass. */
    for (size_t i = 0; i < d->n; i++, x += p) {
        size_t k = position ? position[i] : i, event = d->status[i] == 1;
        for (size_t j = 0; j < p; j++) {
            if (code[j])
                x[j] = (double)((double)code[j][k] == level[j]);
            else
                x[j] = d->columns[j].level < 0 ? value[j][k] : (double)(value[j][k] == level[j]);
            size_t present = x[j] != 0.0;
            d->column_rows[j] += present;
            d->column_events[j] += present & event;
        }
    }
    err = EMBOLO_OK;
cleanup:
    free((void *)value);
    free((void *)code);
    free(level);
    return err;
}

void design_values(const design *d, size_t variable, double *out)
{
    const endpoint_rows *rows = d->rows;
    if (d->borrowed) {
        for (size_t i = 0; i < d->n; i++)
            out[i] = endpoint_rows_value(rows, variable, i);
        return;
    }
    /* The design's rows are some of rows' in the same order, each dataset row once. */
    for (size_t k = 0, i = 0; i < d->n; k++)
        if (rows->row[k] == d->row[i])
            out[i++] = endpoint_rows_value(rows, variable, k);
}

void design_level_counts(const design *d, size_t *rows, size_t *events)
{
    for (size_t j = 0; j < d->p; j++) {
        rows[j] = d->column_rows[j];
        events[j] = d->column_events[j];
    }
}

static size_t rows_complete(const endpoint_rows *rows, const size_t *variables, size_t n_variables, int weighted)
{
    size_t complete = 0;
    for (size_t k = 0; k < rows->n; k++)
        complete += (size_t)row_complete(rows, k, variables, n_variables, weighted);
    return complete;
}

/* The design's rows when every endpoint row is complete: the rows' own arrays, read only (the design
 * is freed before its rows), rather than copies of them. */
static void design_borrow_rows(design *d, const endpoint_rows *rows, int weighted)
{
    d->borrowed = 1;
    d->n = rows->n;
    d->time = rows->time;
    d->status = rows->status;
    d->cause = rows->cause;
    d->row = rows->row;
    d->weight = weighted ? rows->weight : NULL;
    for (size_t k = 0; k < rows->n; k++)
        d->events += rows->status[k] == 1;
}

/* Copies the complete rows; position[i] is the design row i's index in rows. */
static embolo_error design_copy_rows(design *d, const endpoint_rows *rows, const size_t *variables,
                                     size_t n_variables, int weighted, size_t *position)
{
    size_t cap = rows->n ? rows->n : 1;
    d->time = malloc(cap * sizeof *d->time);
    d->status = malloc(cap * sizeof *d->status);
    d->cause = malloc(cap * sizeof *d->cause);
    d->row = malloc(cap * sizeof *d->row);
    d->weight = weighted ? malloc(cap * sizeof *d->weight) : NULL;
    if (!d->time || !d->status || !d->cause || !d->row || (weighted && !d->weight))
        return EMBOLO_ERROR_NOMEM;
    for (size_t k = 0; k < rows->n; k++) {
        if (!row_complete(rows, k, variables, n_variables, weighted))
            continue;
        position[d->n] = k;
        d->time[d->n] = rows->time[k];
        d->status[d->n] = rows->status[k];
        d->cause[d->n] = rows->cause[k];
        d->row[d->n] = rows->row[k];
        if (weighted)
            d->weight[d->n] = rows->weight[k];
        d->events += rows->status[k] == 1;
        d->n++;
    }
    return EMBOLO_OK;
}

embolo_error design_new(const dataset *data, const endpoint_rows *rows, const size_t *variables,
                        size_t n_variables, int weighted, design **out)
{
    embolo_error err = EMBOLO_ERROR_NOMEM;
    design *d = calloc(1, sizeof *d);
    size_t *position = NULL;
    *out = NULL;
    if (!d)
        goto cleanup;
    d->rows = rows;
    if (rows_complete(rows, variables, n_variables, weighted) == rows->n) {
        design_borrow_rows(d, rows, weighted);
    } else {
        if (!(position = malloc((rows->n ? rows->n : 1) * sizeof *position)))
            goto cleanup;
        err = design_copy_rows(d, rows, variables, n_variables, weighted, position);
        if (err != EMBOLO_OK)
            goto cleanup;
    }
    d->dropped = rows->n - d->n;
    err = design_choose_columns(d, data, rows, position, variables, n_variables);
    if (err != EMBOLO_OK)
        goto cleanup;
    err = EMBOLO_ERROR_NOMEM;
    d->x = malloc((d->n ? d->n : 1) * (d->p ? d->p : 1) * sizeof *d->x);
    if (!d->x)
        goto cleanup;
    err = design_fill(d, rows, position);
    if (err != EMBOLO_OK)
        goto cleanup;
    *out = d;
    d = NULL;
    err = EMBOLO_OK;
cleanup:
    free(position);
    design_free(d);
    return err;
}

void design_free(design *d)
{
    if (!d)
        return;
    if (d->view) {
        if (!d->borrowed)
            free(d->weight);
        free(d);
        return;
    }
    if (!d->borrowed) {
        free(d->time);
        free(d->status);
        free(d->cause);
        free(d->weight);
        free(d->row);
    }
    free(d->x);
    free(d->column_rows);
    free(d->column_events);
    free(d->columns);
    free(d->reference);
    free(d);
}

/* ---- the shared multivariable design ---- */

embolo_error design_share_init(design_share *share)
{
    share->d = NULL;
    share->users = 0;
    return pthread_mutex_init(&share->mutex, NULL) == 0 ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

void design_share_destroy(design_share *share)
{
    design_free(share->d);
    share->d = NULL;
    pthread_mutex_destroy(&share->mutex);
}

embolo_error design_share_take(design_share *share, const dataset *data, const endpoint_rows *rows,
                               const size_t *variables, size_t n_variables, design **out)
{
    embolo_error err = EMBOLO_OK;
    pthread_mutex_lock(&share->mutex);
    if (!share->d)
        err = design_new(data, rows, variables, n_variables, 0, &share->d);
    if (err == EMBOLO_OK)
        share->users++;
    *out = share->d;
    pthread_mutex_unlock(&share->mutex);
    return err;
}

/* The view's weights: the rows' own array when the design borrows the rows (the same order), else the
 * design rows' weights copied from data (the values weighted_rows gathered); NULL weights when a row has
 * none. */
static embolo_error view_weights(design *view, const dataset *data, const endpoint_rows *weighted_rows)
{
    if (view->borrowed) {
        view->weight = weighted_rows->weight;
        for (size_t i = 0; i < view->n && view->weight; i++)
            if (isnan(view->weight[i]))
                view->weight = NULL;
        return EMBOLO_OK;
    }
    double *weight = malloc((view->n ? view->n : 1) * sizeof *weight);
    if (!weight)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < view->n; i++) {
        weight[i] = data->weight[view->row[i]];
        if (isnan(weight[i])) {
            free(weight);
            return EMBOLO_OK;
        }
    }
    view->weight = weight;
    return EMBOLO_OK;
}

embolo_error design_share_view(design_share *share, const dataset *data, const endpoint_rows *weighted_rows,
                               design **out)
{
    embolo_error err = EMBOLO_OK;
    *out = NULL;
    if (!data->weight || !weighted_rows->weight)
        return EMBOLO_OK;
    pthread_mutex_lock(&share->mutex);
    if (share->d) {
        design *view = malloc(sizeof *view);
        if (view) {
            *view = *share->d;
            view->view = 1;
            view->weight = NULL;
            view->rows = weighted_rows;
            err = view_weights(view, data, weighted_rows);
        } else {
            err = EMBOLO_ERROR_NOMEM;
        }
        if (view && view->weight) {
            share->users++;
            *out = view;
        } else {
            free(view);
        }
    }
    pthread_mutex_unlock(&share->mutex);
    return err;
}

void design_share_give(design_share *share, design *d)
{
    if (!d)
        return;
    if (d->view)
        design_free(d);
    pthread_mutex_lock(&share->mutex);
    if (share->users > 0 && --share->users == 0) {
        design_free(share->d);
        share->d = NULL;
    }
    pthread_mutex_unlock(&share->mutex);
}
