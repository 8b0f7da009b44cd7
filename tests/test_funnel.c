/* Funnel limits: qbinom with R's fuzz, Spiegelhalter's interpolation on hand-computable cases, R's
 * values and the sample's operators. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "model/funnel.h"

static void test_qbinom(void **state)
{
    (void)state;
    /* qbinom(c(0.001, 0.025, 0.975, 0.999), 54, 14/236) */
    assert_int_equal(funnel_qbinom(0.001, 54, 14.0 / 236), 0);
    assert_int_equal(funnel_qbinom(0.025, 54, 14.0 / 236), 0);
    assert_int_equal(funnel_qbinom(0.975, 54, 14.0 / 236), 7);
    assert_int_equal(funnel_qbinom(0.999, 54, 14.0 / 236), 10);
    /* F(r) = q exactly: the fuzz keeps r (pbinom(1, 2, 0.5) = 0.75). */
    assert_int_equal(funnel_qbinom(0.75, 2, 0.5), 1);
    /* Large n: the bracket around the normal approximation. */
    assert_int_equal(funnel_qbinom(0.5, 1000000, 0.5), 500000);
}

/* n = 1, theta = 0.5: F(0) = 0.5, F(1) = 1, dbinom = 0.5 at 0 and 1. Upper at 0.975: r = 1,
 * alpha = (1 - 0.975) / 0.5 = 0.05, limit 0.95. Lower at 0.025: r = 0, alpha = 0.95, clamped to 0. */
static void test_interpolation_by_hand(void **state)
{
    (void)state;
    assert_close(funnel_limit(0.975, 1, 0.5), 0.95, 1e-12);
    assert_true(funnel_limit(0.025, 1, 0.5) == 0.0);
    /* n = 2, theta = 0.5: F = 0.25, 0.75, 1; at 0.975 r = 2, alpha = 0.025 / 0.25 = 0.1: (2 - 0.1) / 2. */
    assert_close(funnel_limit(0.975, 2, 0.5), 0.95, 1e-12);
    /* at 0.5, r = 1, alpha = (0.75 - 0.5) / 0.5 = 0.5: 0.25. */
    assert_close(funnel_limit(0.5, 2, 0.5), 0.25, 1e-12);
    /* theta 0 or 1: every limit is theta. */
    assert_true(funnel_limit(0.999, 10, 0.0) == 0.0);
    assert_true(funnel_limit(0.001, 10, 1.0) == 1.0);
}

static void test_matches_r(void **state)
{
    (void)state;
    /* (r - alpha) / n with R's qbinom, pbinom, dbinom at theta = 0.2, q = 0.975. */
    assert_close(funnel_limit(0.975, 10, 0.2), 0.429493882921007, 1e-9);
    assert_close(funnel_limit(0.975, 100, 0.2), 0.276476085033592, 1e-9);
    assert_close(funnel_limit(0.975, 1000, 0.2), 0.224584332539858, 1e-9);
    /* The sample's operators (net_sample_155.procedures.expected.csv): theta = 14/236. */
    assert_close(funnel_limit(0.975, 54, 14.0 / 236), 0.121622975151, 1e-9);
    assert_close(funnel_limit(0.999, 54, 14.0 / 236), 0.170035648505, 1e-9);
    assert_close(funnel_limit(0.975, 38, 14.0 / 236), 0.130721737387, 1e-9);
    assert_close(funnel_limit(0.999, 23, 14.0 / 236), 0.240514664714, 1e-9);
}

static void test_flags(void **state)
{
    (void)state;
    assert_int_equal(funnel_flag(0.2, 0.05, 0.15), 1);
    assert_int_equal(funnel_flag(0.01, 0.05, 0.15), -1);
    assert_int_equal(funnel_flag(0.15, 0.05, 0.15), 0);
    assert_int_equal(funnel_flag(0.05, 0.05, 0.15), 0);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qbinom),
        cmocka_unit_test(test_interpolation_by_hand),
        cmocka_unit_test(test_matches_r),
        cmocka_unit_test(test_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
