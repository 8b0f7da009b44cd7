/* Numeric series for the figures that results.csv does not carry point by point: the CUSUM paths
 * and the funnel limits of the safety audit (procedures.md). Each is named by the keys of the
 * results.csv lines it belongs with, plus a name; the model stage adds them, renderers only read
 * them. */
#ifndef EMBOLO_SERIES_H
#define EMBOLO_SERIES_H

#include <stddef.h>
#include "error.h"

typedef struct series {
    char *section, *model, *variable, *level, *name;
    size_t n;
    double *x, *y;   /* [n] */
    long *day;       /* [n] a date per point (day number), NULL when the series has none */
} series;

typedef struct series_set {
    series *items;
    size_t n, capacity;
} series_set;

series_set *series_set_new(void);
void series_set_free(series_set *set);

/* Adds a copy of x, y (and day when not NULL), n points. */
embolo_error series_set_add(series_set *set, const char *section, const char *model, const char *variable,
                            const char *level, const char *name, const double *x, const double *y,
                            const long *day, size_t n);

/* Moves every series of src to the end of dst (src is left empty). */
embolo_error series_set_append(series_set *dst, series_set *src);

/* The series with these keys, NULL if none (NULL keys match ""). */
const series *series_set_find(const series_set *set, const char *section, const char *model,
                              const char *variable, const char *level, const char *name);

#endif
