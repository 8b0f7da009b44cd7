/* The Bernoulli CUSUM of major AEs with restart (procedures.md, section 6; Steiner et al.,
 * Biostatistics 2000), internal to the model stage. */
#ifndef EMBOLO_CUSUM_H
#define EMBOLO_CUSUM_H

#include <stddef.h>
#include "common/error.h"

typedef struct cusum_chart {
    double p0, p1, h;
    double w_event;       /* log(p1 / p0) */
    double w_no_event;    /* log((1 - p1) / (1 - p0)) */
    size_t n, events;
    double s_final;       /* C_n; 0 when n = 0 */
    double s_max;         /* max C_t; 0 when n = 0 */
    size_t n_signals;
    size_t *signals;      /* [n_signals] the positions t (from 1) where C_t >= h */
    double *path;         /* [n] C_t */
} cusum_chart;

/* The chart of the sequence x[0..n-1] (1 = major AE): C_0 = 0, C_t = max(0, C'_{t-1} + w_t), a
 * signal when C_t >= h, after which C'_t = 0 (the chart restarts); otherwise C'_t = C_t. Needs
 * 0 < p0 < p1 < 1 and h > 0. */
embolo_error cusum_run(const unsigned char *x, size_t n, double p0, double p1, double h, cusum_chart *out);

void cusum_chart_free(cusum_chart *chart);

#endif
