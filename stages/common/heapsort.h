/* GSL's heapsort of doubles (gsl_sort_index) on (key, index) pairs: the same comparisons and moves,
 * so the same order of tied keys, with each key beside its index instead of looked up through it. */
#ifndef EMBOLO_HEAPSORT_H
#define EMBOLO_HEAPSORT_H

#include <stddef.h>

typedef struct heapsort_pair {
    double key;
    size_t index;   /* the caller's: carried along, never compared */
} heapsort_pair;

/* Sorts pairs[0..n) by key ascending. With pairs[i] = {data[i], i}, pairs[k].index ends as
 * gsl_sort_index(p, data, 1, n) leaves p[k], for every input (ties and NaN included): GSL's
 * heapsort (Sedgewick's, as in its sort/sortind_source.c) run on the pairs. */
void heapsort_pairs(heapsort_pair *pairs, size_t n);

#endif
