#include "holm.h"

#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>

embolo_error holm_adjust(const double *p, size_t n, double *adjusted)
{
    size_t m = 0, *order = malloc((n ? n : 1) * sizeof *order);
    double *values = calloc(n ? n : 1, sizeof *values);
    size_t *where = malloc((n ? n : 1) * sizeof *where);
    embolo_error err = EMBOLO_ERROR_NOMEM;
    if (!order || !values || !where)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i])) {
            values[m] = p[i];
            where[m++] = i;
        }
    for (size_t i = 0; i < n; i++)
        adjusted[i] = p[i];
    gsl_sort_index(order, values, 1, m);
    double running = 0.0;
    for (size_t k = 0; k < m; k++) {
        double scaled = (double)(m - k) * values[order[k]];
        if (scaled > 1.0)
            scaled = 1.0;
        if (scaled > running)
            running = scaled;
        adjusted[where[order[k]]] = running;
    }
    err = EMBOLO_OK;
cleanup:
    free(order);
    free(values);
    free(where);
    return err;
}
