/* Exact methods for counts: the Clopper-Pearson interval (binom.test), Fisher's exact test on k x 2
 * tables (fisher.test) and quantile type 7, on hand-computable cases and R's values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "model/exact.h"

#define RTOL 1e-9

static void test_interval_closed_forms(void **state)
{
    (void)state;
    double lower, upper;
    /* x = 0: [0, 1 - 0.025^(1/n)]; x = n: [0.025^(1/n), 1]. */
    exact_binomial_ci(0, 5, &lower, &upper);
    assert_true(lower == 0.0);
    assert_close(upper, 1 - pow(0.025, 1.0 / 5), RTOL);
    exact_binomial_ci(5, 5, &lower, &upper);
    assert_close(lower, pow(0.025, 1.0 / 5), RTOL);
    assert_true(upper == 1.0);
    exact_binomial_ci(1, 1, &lower, &upper);
    assert_close(lower, 0.025, RTOL);
    /* x = 1 of 2: lower solves 1 - (1 - p)^2 = 0.025, upper is its mirror. */
    exact_binomial_ci(1, 2, &lower, &upper);
    assert_close(lower, 1 - sqrt(0.975), RTOL);
    assert_close(upper, sqrt(0.975), RTOL);
}

static void test_interval_matches_r(void **state)
{
    (void)state;
    double lower, upper;
    /* binom.test(14, 236)$conf.int (the sample's major AEs) */
    exact_binomial_ci(14, 236, &lower, &upper);
    assert_close(lower, 0.0328079816525, 1e-9);
    assert_close(upper, 0.0975300226904, 1e-9);
    /* Large counts, where GSL's inverse does not converge and the bisection takes over. */
    exact_binomial_ci(50000, 1500000, &lower, &upper);
    assert_close(lower, 0.0330466378881003, 1e-9);
    assert_close(upper, 0.0336218324500998, 1e-9);
    exact_binomial_ci(3, 1500000, &lower, &upper);
    assert_close(lower, 4.12448271839232e-07, 1e-9);
    assert_close(upper, 5.84483747689146e-06, 1e-9);
}

static void test_fisher_hand_cases(void **state)
{
    (void)state;
    /* 3/3 against 0/3: the observed table and its mirror, each 1 / choose(6, 3). */
    size_t events[] = {3, 0}, totals[] = {3, 3};
    assert_close(exact_fisher_kx2(events, totals, 2), 2.0 / 20.0, RTOL);
    /* The same proportions in every row: the most likely table, p = 1. */
    size_t even_events[] = {2, 2, 2}, even_totals[] = {10, 10, 10};
    assert_close(exact_fisher_kx2(even_events, even_totals, 3), 1.0, RTOL);
    /* No event, or no non-event: 1. Fewer than two rows: NAN. Empty rows do not count. */
    size_t none[] = {0, 0}, all[] = {3, 3};
    assert_true(exact_fisher_kx2(none, totals, 2) == 1.0);
    assert_true(exact_fisher_kx2(all, totals, 2) == 1.0);
    size_t one_events[] = {1, 0}, one_totals[] = {4, 0};
    assert_true(isnan(exact_fisher_kx2(one_events, one_totals, 2)));
}

static void test_fisher_matches_r(void **state)
{
    (void)state;
    /* fisher.test on the sample's major AEs by modality (TACE 8/85, TARE 4/84, TAE 2/67). */
    size_t major[] = {8, 4, 2}, procedures[] = {85, 84, 67};
    assert_close(exact_fisher_kx2(major, procedures, 3), 0.267036925304, 1e-9);
    size_t e2[] = {30, 45}, t2[] = {1000, 1100};
    assert_close(exact_fisher_kx2(e2, t2, 2), 0.19611001711832, 1e-9);
    size_t e3[] = {1, 0, 2}, t3[] = {500, 600, 700};
    assert_close(exact_fisher_kx2(e3, t3, 3), 0.502689975457661, 1e-9);
    size_t e4[] = {0, 5, 1, 3}, t4[] = {10, 10, 10, 10};
    assert_close(exact_fisher_kx2(e4, t4, 4), 0.0421201257114562, 1e-9);
}

static void test_quantile_type7(void **state)
{
    (void)state;
    const double four[] = {1, 2, 3, 4};
    assert_close(exact_quantile7(four, 4, 0.25), 1.75, RTOL);
    assert_close(exact_quantile7(four, 4, 0.5), 2.5, RTOL);
    assert_close(exact_quantile7(four, 4, 1.0), 4.0, RTOL);
    const double one[] = {7};
    assert_close(exact_quantile7(one, 1, 0.75), 7.0, RTOL);
    /* quantile(c(2.16, 0.67, 4.72, 1.2, 1.67, 3.1), c(.25, .5, .75), type = 7) */
    const double six[] = {0.67, 1.2, 1.67, 2.16, 3.1, 4.72};
    assert_close(exact_quantile7(six, 6, 0.25), 1.3175, RTOL);
    assert_close(exact_quantile7(six, 6, 0.5), 1.915, RTOL);
    assert_close(exact_quantile7(six, 6, 0.75), 2.865, RTOL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval_closed_forms),
        cmocka_unit_test(test_interval_matches_r),
        cmocka_unit_test(test_fisher_hand_cases),
        cmocka_unit_test(test_fisher_matches_r),
        cmocka_unit_test(test_quantile_type7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
