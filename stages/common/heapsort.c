#include "heapsort.h"

/* The 16 pairs three levels below node k start at 16 k (node k's children are 2k and 2k + 1): asked
 * for early, they are in cache when the sift reaches them (a large heap's lower levels miss it at
 * every step otherwise). Only a hint: the comparisons and moves are the same. */
static inline void heapsort_prefetch(const heapsort_pair *pairs, size_t last, size_t first)
{
    if (first + 15 <= last) {
        for (size_t i = 0; i < 16; i += 4)
            __builtin_prefetch(pairs + first + i);
    } else if (first <= last) {
        __builtin_prefetch(pairs + first);
    }
}

/* Sifts the pair at k down the heap pairs[0..last]: GSL's index downheap, comparing the pairs' keys
 * where it compares data[p[j]] (`!(a < b)` stops on NaN as there). */
static void heapsort_sift_down(heapsort_pair *pairs, size_t last, size_t k)
{
    const heapsort_pair moving = pairs[k];
    while (k <= last / 2) {
        size_t j = 2 * k;
        heapsort_prefetch(pairs, last, 16 * k);
        if (j < last && pairs[j].key < pairs[j + 1].key)
            j++;
        if (!(moving.key < pairs[j].key))
            break;
        pairs[k] = pairs[j];
        k = j;
    }
    pairs[k] = moving;
}

void heapsort_pairs(heapsort_pair *pairs, size_t n)
{
    if (n == 0)
        return;
    size_t last = n - 1;
    for (size_t k = last / 2 + 1; k-- > 0;)
        heapsort_sift_down(pairs, last, k);
    while (last > 0) {
        heapsort_pair top = pairs[0];
        pairs[0] = pairs[last];
        pairs[last] = top;
        last--;
        heapsort_sift_down(pairs, last, 0);
    }
}
