/* The headline estimates, previous -> current: the unweighted Kaplan-Meier medians (all and every
 * subgroup level) and the hazard ratios of the multivariable and weighted Cox models, each flagged
 * when the previous value lies outside the current 95% CI. */
#include "compare_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"

typedef struct headline {
    const char *section, *model, *stat, *lower, *upper;
    int open_upper; /* an NA upper limit means the CI is unbounded above (a median's limit not reached) */
} headline;

static const headline headlines[] = {
    {KEY_KM, KEY_UNWEIGHTED, "median", "median_lower", "median_upper", 1},
    {KEY_COX, KEY_MULTIVARIABLE, "hr", "hr_lower", "hr_upper", 0},
    {KEY_COX, KEY_WEIGHTED_UNIVARIATE, "hr", "hr_lower", "hr_upper", 0},
    {KEY_COX, KEY_WEIGHTED_MULTIVARIABLE, "hr", "hr_lower", "hr_upper", 0},
};

static const headline *headline_of(const result_row *row)
{
    for (size_t h = 0; h < sizeof headlines / sizeof headlines[0]; h++)
        if (!strcmp(row->section, headlines[h].section) && !strcmp(row->model, headlines[h].model) &&
            !strcmp(row->stat, headlines[h].stat))
            return &headlines[h];
    return NULL;
}

/* A value as results.csv prints it (%.12g), so that an estimate that did not change shows a change of 0
 * against DIR's printed one. */
static double printed(double value)
{
    char text[64];
    if (isnan(value) || isinf(value))
        return NAN;
    snprintf(text, sizeof text, "%.12g", value);
    return strtod(text, NULL);
}

static embolo_error add_estimate(compare_context *ctx, const headline *h, const result_row *row, const results *current)
{
    char model[COMPARE_MAX_TEXT];
    const results *prev = ctx->prev->results;
    change_estimate e = {
        .endpoint = row->endpoint,
        .model = model,
        .variable = row->variable,
        .level = row->level,
        .previous = results_value(prev, h->section, row->endpoint, h->model, row->variable, row->level, h->stat),
        .current = printed(results_value(current, h->section, row->endpoint, h->model, row->variable, row->level,
                                         h->stat)),
        .current_lower = printed(results_value(current, h->section, row->endpoint, h->model, row->variable,
                                               row->level, h->lower)),
        .current_upper = printed(results_value(current, h->section, row->endpoint, h->model, row->variable,
                                               row->level, h->upper)),
    };
    snprintf(model, sizeof model, "%s:%s", h->section, h->model);
    e.change = e.current - e.previous;
    double upper = h->open_upper && isnan(e.current_upper) ? INFINITY : e.current_upper;
    if (isnan(e.previous) || isnan(e.current_lower) || isnan(upper))
        e.outside = -1;
    else
        e.outside = e.previous < e.current_lower || e.previous > upper;
    ctx->estimates_compared += !isnan(e.previous) && !isnan(e.current);
    return change_set_add_estimate(ctx->changes, &e);
}

embolo_error compare_estimates(compare_context *ctx, const results *current)
{
    const results *prev = ctx->prev->results;
    embolo_error err = EMBOLO_OK;
    if (!prev)
        return EMBOLO_OK;
    for (size_t i = 0; i < current->n && err == EMBOLO_OK; i++) {
        const headline *h = headline_of(&current->rows[i]);
        if (h)
            err = add_estimate(ctx, h, &current->rows[i], current);
    }
    for (size_t i = 0; i < prev->n && err == EMBOLO_OK; i++) {
        const result_row *row = &prev->rows[i];
        const headline *h = headline_of(row);
        if (h && !results_find(current, row->section, row->endpoint, row->model, row->variable, row->level, row->stat))
            err = add_estimate(ctx, h, row, current);
    }
    return err;
}
