/* Funnel-plot limits for a proportion (procedures.md, section 7; Spiegelhalter, Stat Med 2005,
 * Appendix A), internal to the model stage. */
#ifndef EMBOLO_FUNNEL_H
#define EMBOLO_FUNNEL_H

#include <stddef.h>

/* R's qbinom(q, n, theta): the smallest r with pbinom(r, n, theta) >= q (1 - 64 DBL_EPSILON). */
size_t funnel_qbinom(double q, size_t n, double theta);

/* The exact binomial limit at probability q for n > 0 units at target theta, with Spiegelhalter's
 * interpolation: r = qbinom(q, n, theta), alpha = (F(r) - q) / dbinom(r, n, theta),
 * limit = (r - alpha) / n clamped to [0, 1]; theta itself when theta is 0 or 1. */
double funnel_limit(double q, size_t n, double theta);

/* 1 when rate > upper, -1 when rate < lower, else 0 (a point on a limit is inside). */
int funnel_flag(double rate, double lower, double upper);

#endif
