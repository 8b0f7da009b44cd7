#include "curves.h"

#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CURVE_MAX_TICKS 200

curve_set *curve_set_new(void)
{
    return calloc(1, sizeof(curve_set));
}

static void plot_curve_clear(plot_curve *c)
{
    free(c->endpoint);
    free(c->model);
    free(c->variable);
    free(c->level);
    free(c->time);
    free(c->surv);
    free(c->lower);
    free(c->upper);
    free(c->n_risk);
    free(c->n_event);
    free(c->n_censor);
    free(c->at_risk);
}

void curve_set_free(curve_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        plot_curve_clear(&set->items[i]);
    free(set->items);
    free(set);
}

static int plot_curve_allocate(plot_curve *c, size_t points, size_t ticks)
{
    size_t p = points ? points : 1, t = ticks ? ticks : 1;
    c->time = malloc(p * sizeof *c->time);
    c->surv = malloc(p * sizeof *c->surv);
    c->lower = malloc(p * sizeof *c->lower);
    c->upper = malloc(p * sizeof *c->upper);
    c->n_risk = malloc(p * sizeof *c->n_risk);
    c->n_event = malloc(p * sizeof *c->n_event);
    c->n_censor = malloc(p * sizeof *c->n_censor);
    c->at_risk = malloc(t * sizeof *c->at_risk);
    return c->time && c->surv && c->lower && c->upper && c->n_risk && c->n_event && c->n_censor && c->at_risk;
}

static size_t censored_at(const curve_steps *s, size_t i)
{
    size_t after = i + 1 < s->n_times ? s->n_risk[i + 1] : 0;
    size_t gone = s->n_event[i] + after;
    return s->n_risk[i] > gone ? s->n_risk[i] - gone : 0;
}

/* Copies the steps after the (0, 1) point, merging steps closer than resolution (0: none merged). */
static void curve_copy_steps(plot_curve *c, const curve_steps *s, size_t n, double resolution)
{
    c->time[0] = 0.0;
    c->surv[0] = c->lower[0] = c->upper[0] = 1.0;
    if (s->incidence) {
        c->surv[0] = 0.0;
        c->lower[0] = c->upper[0] = NAN;
    }
    c->incidence = s->incidence;
    c->n_risk[0] = n;
    c->n_event[0] = c->n_censor[0] = 0;
    size_t k = 0;
    double bucket_start = -INFINITY;
    for (size_t i = 0; i < s->n_times; i++) {
        if (k == 0 || s->time[i] - bucket_start >= resolution) {
            k++;
            bucket_start = s->time[i];
            c->time[k] = s->time[i];
            c->n_risk[k] = s->n_risk[i];
            c->n_event[k] = c->n_censor[k] = 0;
        }
        c->surv[k] = s->surv[i];
        c->lower[k] = s->lower[i];
        c->upper[k] = s->upper[i];
        c->n_event[k] += s->n_event[i];
        c->n_censor[k] += censored_at(s, i);
    }
    c->n_points = k + 1;
}

static size_t at_risk_at(const curve_steps *s, double t)
{
    size_t low = 0, high = s->n_times;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (s->time[mid] < t)
            low = mid + 1;
        else
            high = mid;
    }
    return low < s->n_times ? s->n_risk[low] : 0;
}

embolo_error curve_set_add(curve_set *set, const char *endpoint, const char *model, const char *variable,
                           const char *level, size_t n, size_t events, const curve_steps *steps,
                           double max_time, double tick_step)
{
    if (set->n == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 32;
        plot_curve *grown = realloc(set->items, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        set->items = grown;
        set->capacity = capacity;
    }
    plot_curve *c = &set->items[set->n];
    memset(c, 0, sizeof *c);
    set->n++;
    double span = max_time > 0 && isfinite(max_time) ? max_time : 1.0;
    double step = tick_step > 0 && isfinite(tick_step) ? tick_step : span;
    double ticks = ceil(span / step - 1e-9) + 1.0;
    c->n_ticks = ticks > CURVE_MAX_TICKS ? CURVE_MAX_TICKS : (size_t)ticks;
    c->tick_step = step;
    c->n = n;
    c->events = events;
    c->endpoint = text_copy(endpoint);
    c->model = text_copy(model);
    c->variable = text_copy(variable);
    c->level = text_copy(level);
    int thin = steps->n_times > CURVE_MAX_POINTS;
    size_t points = thin ? CURVE_MAX_POINTS + 2 : steps->n_times + 1;
    if (!c->endpoint || !c->model || !c->variable || !c->level || !plot_curve_allocate(c, points, c->n_ticks))
        return EMBOLO_ERROR_NOMEM;
    curve_copy_steps(c, steps, n, thin ? span / CURVE_MAX_POINTS : 0.0);
    for (size_t k = 0; k < c->n_ticks; k++)
        c->at_risk[k] = k == 0 ? n : at_risk_at(steps, (double)k * step);
    return EMBOLO_OK;
}

embolo_error curve_set_append(curve_set *dst, curve_set *src)
{
    if (dst->n + src->n > dst->capacity) {
        size_t capacity = dst->capacity ? dst->capacity : 32;
        while (capacity < dst->n + src->n)
            capacity *= 2;
        plot_curve *grown = realloc(dst->items, capacity * sizeof *grown);
        if (!grown)
            return EMBOLO_ERROR_NOMEM;
        dst->items = grown;
        dst->capacity = capacity;
    }
    if (src->n > 0)
        memcpy(dst->items + dst->n, src->items, src->n * sizeof *src->items);
    dst->n += src->n;
    src->n = 0;
    return EMBOLO_OK;
}

const plot_curve *curve_set_find(const curve_set *set, const char *endpoint, const char *model,
                                 const char *variable, const char *level)
{
    for (size_t i = 0; set && i < set->n; i++) {
        const plot_curve *c = &set->items[i];
        if (!strcmp(c->endpoint, endpoint) && !strcmp(c->model, model) && !strcmp(c->variable, variable) &&
            !strcmp(c->level, level ? level : ""))
            return c;
    }
    return NULL;
}

double axis_tick_step(double max_time, const char *time_unit)
{
    static const double months[] = {1, 2, 3, 6, 12, 24, 36, 60, 120, 240, 600};
    static const double years[] = {0.25, 0.5, 1, 2, 5, 10, 20, 50, 100};
    static const double weeks[] = {1, 2, 4, 8, 13, 26, 52, 104, 260, 520};
    static const double days[] = {1, 2, 5, 7, 14, 30, 60, 90, 180, 365, 730, 1826, 3652, 7305};
    const double *steps = days;
    size_t n_steps = sizeof days / sizeof days[0];
    if (!(max_time > 0) || !isfinite(max_time))
        return 1.0;
    if (time_unit && !strcmp(time_unit, "months")) {
        steps = months;
        n_steps = sizeof months / sizeof months[0];
    } else if (time_unit && !strcmp(time_unit, "years")) {
        steps = years;
        n_steps = sizeof years / sizeof years[0];
    } else if (time_unit && !strcmp(time_unit, "weeks")) {
        steps = weeks;
        n_steps = sizeof weeks / sizeof weeks[0];
    }
    for (size_t i = 0; i < n_steps; i++)
        if (max_time / steps[i] <= 8.0)
            return steps[i];
    /* Beyond the table: 1, 2 or 5 times a power of ten. */
    double power = pow(10.0, floor(log10(max_time / 8.0)));
    for (double m = 1.0;; m = m == 1.0 ? 2.0 : m == 2.0 ? 5.0 : 10.0)
        if (max_time / (m * power) <= 8.0)
            return m * power;
}
