/* The Bernoulli CUSUM with restart on sequences whose path can be followed by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/cusum.h"

#define RTOL 1e-12

static void test_weights(void **state)
{
    (void)state;
    cusum_chart c;
    const unsigned char none[1] = {0};
    assert_int_equal(cusum_run(none, 0, 0.05, 0.10, 2.5, &c), EMBOLO_OK);
    assert_close(c.w_event, log(2.0), RTOL);
    assert_close(c.w_no_event, log(0.90 / 0.95), RTOL);
    assert_int_equal(c.n, 0);
    assert_true(c.s_final == 0.0 && c.s_max == 0.0);
    assert_int_equal(c.n_signals, 0);
    cusum_chart_free(&c);
}

/* Four events climb by log 2 each: 0.69, 1.39, 2.08, 2.77 >= 2.5 signals at t = 4; the chart
 * restarts, so the fifth event gives log 2 again; no-events take it down by log(0.9 / 0.95). */
static void test_signal_and_restart(void **state)
{
    (void)state;
    const unsigned char x[] = {1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1};
    cusum_chart c;
    assert_int_equal(cusum_run(x, 12, 0.05, 0.10, 2.5, &c), EMBOLO_OK);
    double w = log(2.0), v = log(0.90 / 0.95);
    assert_close(c.path[3], 4 * w, RTOL);
    assert_close(c.path[4], w, RTOL);
    assert_close(c.path[5], w + v, RTOL);
    assert_close(c.path[7], w + 3 * v, RTOL);
    assert_int_equal(c.events, 9);
    assert_int_equal(c.n_signals, 2);
    assert_int_equal(c.signals[0], 4);
    /* From w + 3v = 0.53 three events reach 2.61 >= 2.5 at t = 11; t = 12 starts afresh. */
    assert_true(w + 3 * v + 3 * w >= 2.5 && w + 3 * v + 2 * w < 2.5);
    assert_int_equal(c.signals[1], 11);
    assert_close(c.path[10], 4 * w + 3 * v, RTOL);
    assert_close(c.path[11], w, RTOL);
    assert_close(c.s_final, w, RTOL);
    assert_close(c.s_max, 4 * w, RTOL);
    cusum_chart_free(&c);
}

static void test_floor_at_zero(void **state)
{
    (void)state;
    const unsigned char x[] = {0, 0, 0, 1, 0};
    cusum_chart c;
    assert_int_equal(cusum_run(x, 5, 0.05, 0.10, 2.5, &c), EMBOLO_OK);
    assert_true(c.path[0] == 0.0 && c.path[2] == 0.0);
    assert_close(c.path[3], log(2.0), RTOL);
    assert_close(c.path[4], log(2.0) + log(0.90 / 0.95), RTOL);
    cusum_chart_free(&c);
}

static void test_invalid_parameters(void **state)
{
    (void)state;
    const unsigned char x[] = {1};
    cusum_chart c;
    assert_int_equal(cusum_run(x, 1, 0.10, 0.05, 2.5, &c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(cusum_run(x, 1, 0.05, 0.10, 0.0, &c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(cusum_run(x, 1, 0.05, 1.0, 2.5, &c), EMBOLO_ERROR_INVALID_ARGUMENT);
    cusum_chart_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_signal_and_restart),
        cmocka_unit_test(test_floor_at_zero),
        cmocka_unit_test(test_invalid_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
