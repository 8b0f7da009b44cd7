/* Kaplan-Meier curves kept for drawing (report figures, the workbook's KM curves sheet): the step
 * points, thinned to the plot's resolution for large cohorts, and exact numbers at risk at the axis
 * ticks. The model stage adds them; the renderers only read them. */
#ifndef EMBOLO_CURVES_H
#define EMBOLO_CURVES_H

#include <stddef.h>
#include "error.h"

/* Curves with more distinct times than this are thinned to about this many points. */
#define CURVE_MAX_POINTS 1000

typedef struct plot_curve {
    char *endpoint, *model, *variable, *level;  /* as in the km lines of results.csv */
    size_t n, events;       /* unweighted rows and events */
    size_t n_points;        /* point 0 is time 0, S = 1 */
    double *time;           /* [n_points] ascending; S drops to surv[k] at time[k] */
    double *surv, *lower, *upper;  /* [n_points] S and its 95% CI (NAN where undefined) */
    size_t *n_risk;         /* [n_points] unweighted number at risk just before time[k] */
    size_t *n_event;        /* [n_points] unweighted events merged into point k */
    size_t *n_censor;       /* [n_points] unweighted censorings merged into point k */
    double tick_step;       /* x-axis tick step in the study's time unit */
    size_t n_ticks;         /* ticks 0, step, 2 step, ... covering the endpoint's longest time */
    size_t *at_risk;        /* [n_ticks] unweighted number at risk at each tick (exact) */
    int incidence;          /* surv holds a cumulative incidence (rising from 0), not S */
} plot_curve;

typedef struct curve_set {
    plot_curve *items;
    size_t n, capacity;
} curve_set;

/* One curve's full step data, as the estimator gives it (times ascending, distinct). */
typedef struct curve_steps {
    size_t n_times;
    const double *time, *surv, *lower, *upper;
    const size_t *n_risk;    /* unweighted, just before time */
    const size_t *n_event;   /* unweighted, at time */
    int incidence;           /* a cumulative incidence: point 0 is (0, 0), not (0, 1) */
} curve_steps;

curve_set *curve_set_new(void);
void curve_set_free(curve_set *set);

/* Adds a curve: copies and thins the steps, computes numbers at risk at ticks of tick_step up to
 * max_time (the endpoint's longest time). n_censor at a time is derived from the at-risk counts. */
embolo_error curve_set_add(curve_set *set, const char *endpoint, const char *model, const char *variable,
                           const char *level, size_t n, size_t events, const curve_steps *steps,
                           double max_time, double tick_step);

/* Moves every curve of src to the end of dst (src is left empty). */
embolo_error curve_set_append(curve_set *dst, curve_set *src);

/* The curve with these keys, NULL if none. */
const plot_curve *curve_set_find(const curve_set *set, const char *endpoint, const char *model,
                                 const char *variable, const char *level);

/* A natural tick step for an axis from 0 to max_time in this unit ("days", "weeks", "months",
 * "years"): 12 months, 1 year, 30 or 90 days ... giving 3 to 10 intervals. */
double axis_tick_step(double max_time, const char *time_unit);

#endif
