#include "cusum.h"

#include <math.h>
#include <stdlib.h>

embolo_error cusum_run(const unsigned char *x, size_t n, double p0, double p1, double h, cusum_chart *out)
{
    *out = (cusum_chart){.p0 = p0, .p1 = p1, .h = h, .n = n, .w_event = log(p1 / p0),
                         .w_no_event = log((1 - p1) / (1 - p0))};
    if (!(p0 > 0 && p0 < p1 && p1 < 1 && h > 0))
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    out->path = malloc((n ? n : 1) * sizeof *out->path);
    out->signals = malloc((n ? n : 1) * sizeof *out->signals);
    if (!out->path || !out->signals) {
        cusum_chart_free(out);
        return EMBOLO_ERROR_NOMEM;
    }
    double carried = 0.0;
    for (size_t t = 0; t < n; t++) {
        double c = fmax(0.0, carried + (x[t] ? out->w_event : out->w_no_event));
        out->events += x[t] != 0;
        out->path[t] = c;
        out->s_max = fmax(out->s_max, c);
        carried = c;
        if (c >= h) {
            out->signals[out->n_signals++] = t + 1;
            carried = 0.0;
        }
    }
    out->s_final = n ? out->path[n - 1] : 0.0;
    return EMBOLO_OK;
}

void cusum_chart_free(cusum_chart *chart)
{
    free(chart->path);
    free(chart->signals);
    chart->path = NULL;
    chart->signals = NULL;
}
