/* heapsort_pairs against GSL's gsl_sort_index: the same permutation, ties included, on random keys
 * drawn from few distinct values (heavy ties), from many, with signed zeros, infinities and NaN. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_sort.h>

#include "common/heapsort.h"

/* xorshift64: the same keys on every run and platform. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* A key among `distinct` values (0 for as many as n); kind 1 adds -0.0 beside 0.0 and infinities,
 * kind 2 NaN as well. */
static double random_key(uint64_t *state, size_t distinct, int kind)
{
    uint64_t r = next_random(state);
    if (kind >= 1 && r % 17 == 0)
        return (r >> 8) % 2 ? -0.0 : 0.0;
    if (kind >= 1 && r % 19 == 0)
        return (r >> 8) % 2 ? -INFINITY : INFINITY;
    if (kind >= 2 && r % 23 == 0)
        return NAN;
    if (distinct == 0)
        return (double)(int64_t)(r >> 11) * 0x1p-40;
    return (double)((r >> 11) % distinct) * 0.5 - 1.0;
}

/* Sorts n random keys both ways and asserts the same permutation. */
static void expect_same_permutation(size_t n, size_t distinct, int kind, uint64_t seed)
{
    double *data = malloc((n ? n : 1) * sizeof *data);
    size_t *p = malloc((n ? n : 1) * sizeof *p);
    heapsort_pair *pairs = malloc((n ? n : 1) * sizeof *pairs);
    uint64_t state = seed * 0x9E3779B97F4A7C15u + 1;
    assert_non_null(data);
    assert_non_null(p);
    assert_non_null(pairs);
    for (size_t i = 0; i < n; i++) {
        data[i] = random_key(&state, distinct, kind);
        pairs[i] = (heapsort_pair){data[i], i};
    }
    gsl_sort_index(p, data, 1, n);
    heapsort_pairs(pairs, n);
    for (size_t k = 0; k < n; k++) {
        if (pairs[k].index != p[k])
            fail_msg("n %zu, %zu distinct, kind %d: position %zu holds %zu, gsl_sort_index %zu", n, distinct, kind, k,
                     pairs[k].index, p[k]);
        assert_memory_equal(&pairs[k].key, &data[p[k]], sizeof(double));
    }
    free(data);
    free(p);
    free(pairs);
}

/* Every size to 300, then sizes to 10,000 in steps, each with 1, 2, 3, 10 distinct values, n / 4
 * of them and (almost) all distinct. */
static void test_heapsort_small_and_medium(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 10000; n += n < 300 ? 1 : 97) {
        const size_t distinct[] = {1, 2, 3, 10, n / 4 + 1, 0};
        for (size_t d = 0; d < sizeof distinct / sizeof distinct[0]; d++)
            expect_same_permutation(n, distinct[d], 0, n * 7 + d);
    }
}

/* Signed zeros and infinities (ties to the comparison), and NaN, which stops a sift as in GSL. */
static void test_heapsort_special_values(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 3000; n += n < 100 ? 1 : 131) {
        expect_same_permutation(n, 5, 1, n + 11);
        expect_same_permutation(n, 5, 2, n + 13);
        expect_same_permutation(n, 0, 2, n + 17);
    }
}

/* A few large arrays: an endpoint's times at registry sizes. */
static void test_heapsort_large(void **state)
{
    (void)state;
    expect_same_permutation(65537, 400, 0, 1);
    expect_same_permutation(200000, 3000, 0, 2);
    expect_same_permutation(300001, 0, 0, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heapsort_small_and_medium),
        cmocka_unit_test(test_heapsort_special_values),
        cmocka_unit_test(test_heapsort_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
