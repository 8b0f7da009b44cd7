/* numtext_g12 (stages/common/numtext.h) against snprintf's "%.12g", byte for byte: edge values, and
 * millions of values drawn from a fixed-seed generator (bit patterns, every decade, survival times in
 * months and years, short decimals, near-ties). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/numtext.h"

/* splitmix64: the same sequence on every run. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state)
{
    return (double)(next_random(state) >> 11) * 0x1.0p-53;
}

/* Counts a value whose text differs from snprintf's (printing the first few). */
static void check_value(double value, size_t *failures)
{
    char want[64], got[NUMTEXT_SIZE];
    snprintf(want, sizeof want, "%.12g", value);
    char *returned = numtext_g12(value, got);
    if (returned != got || strcmp(want, got) != 0) {
        if (*failures < 10)
            print_error("%a: snprintf \"%s\", numtext \"%s\"\n", value, want, got);
        (*failures)++;
    }
}

static void test_edge_values(void **state)
{
    (void)state;
    const double values[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 10.0, 100.0,
        1e11, 1e12, 1e12 - 1, 1e12 + 1, 999999999999.5, 999999999999.4, 99999999999.95, 123456789012.5,
        100000000000.5, 1e11 + 0.5, 9.999999999995, 9.9999999999949996, 0.0001, 0.00001, 1e-5, 1e-4,
        9.99999999999e-5, 9.999999999995e-5, 9.9999999999995e-5, 0.000123456789012345, 1e15, 1e16, 1e17,
        1e21, 1e22, 1e23, 1e27, 1e28, 1e38, 1e39, 1e40, 1e-15, 1e-16, 1e-17, 1e-300, 1e300, DBL_MIN,
        DBL_MIN / 3, DBL_MAX, -DBL_MAX, DBL_EPSILON, 4.9406564584124654e-324, 0.1 + 0.2, 1234.5678,
        65.0, 62.5, 12.345, 0.05, 0.15, 0.25, 0.35, 1.005, 2.675, 1e-6, 5e-5, 123456789012.0,
        12345678901.25, -123.456, 3.14159265358979, 2.718281828459045, 4503599627370496.0,
        9007199254740993.0, 0.30103, 1.0 / 30.4375, 365.25 / 12.0, INFINITY, -INFINITY, NAN, -NAN};
    size_t failures = 0;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        check_value(values[i], &failures);
        check_value(nextafter(values[i], INFINITY), &failures);
        check_value(nextafter(values[i], -INFINITY), &failures);
    }
    assert_int_equal(failures, 0);
}

static void test_random_bit_patterns(void **state)
{
    (void)state;
    uint64_t seed = 1;
    size_t failures = 0;
    for (size_t i = 0; i < 600000; i++) {
        uint64_t bits = next_random(&seed);
        double value;
        memcpy(&value, &bits, sizeof value);
        check_value(value, &failures);
    }
    assert_int_equal(failures, 0);
}

static void test_every_decade(void **state)
{
    (void)state;
    uint64_t seed = 2;
    size_t failures = 0;
    for (size_t i = 0; i < 800000; i++) {
        int decade = (int)(next_random(&seed) % 70) - 25;
        double value = (1.0 + 9.0 * uniform(&seed)) * pow(10.0, decade);
        check_value(i % 2 ? value : -value, &failures);
    }
    assert_int_equal(failures, 0);
}

/* What the output files print: times in months and years, probabilities, weights, short decimals. */
static void test_values_of_the_outputs(void **state)
{
    (void)state;
    uint64_t seed = 3;
    size_t failures = 0;
    for (long day = 0; day < 150000; day++) {
        check_value((double)day / 30.4375, &failures);
        check_value((double)day / 365.25, &failures);
        check_value((double)day / 7.0, &failures);
    }
    for (size_t i = 0; i < 300000; i++) {
        check_value(uniform(&seed), &failures);
        check_value(1.0 / (uniform(&seed) + 1e-9), &failures);
        double scale = pow(10.0, (double)(next_random(&seed) % 9));
        check_value((double)(next_random(&seed) % 10000000) / scale, &failures);
    }
    assert_int_equal(failures, 0);
}

/* Values whose 13th significant digit is a 5: the halfway cases and their neighbours. */
static void test_near_ties(void **state)
{
    (void)state;
    uint64_t seed = 4;
    size_t failures = 0;
    for (size_t i = 0; i < 200000; i++) {
        int decade = (int)(next_random(&seed) % 40) - 20;
        double mantissa = (double)(100000000000ULL + next_random(&seed) % 900000000000ULL) + 0.5;
        double value = mantissa * pow(10.0, decade - 11);
        check_value(value, &failures);
        check_value(nextafter(value, INFINITY), &failures);
        check_value(nextafter(value, 0.0), &failures);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_values),
        cmocka_unit_test(test_random_bit_patterns),
        cmocka_unit_test(test_every_decade),
        cmocka_unit_test(test_values_of_the_outputs),
        cmocka_unit_test(test_near_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
