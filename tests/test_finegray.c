/* Fine-Gray: R's cmprsk::crr (polished to the maximum with Newton steps on crr's own score and
 * information, as the references are) on small cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "model/finegray.h"

static void test_one_covariate(void **state)
{
    const double time[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const int cause[] = {1, 2, 1, 0, 1, 1, 2, 0, 1, 2, 1, 0};
    const double x[] = {0.5, 1.2, -0.3, 0.8, 1.5, -1.0, 0.2, 0.0, 1.1, -0.6, 0.9, 0.4};
    finegray_result *fit = NULL;
    (void)state;
    assert_int_equal(finegray_fit(time, cause, x, 12, 1, &fit), EMBOLO_OK);
    assert_true(fit->converged);
    assert_close(fit->coef[0], 0.123393967993644, 1e-8);
    assert_close(fit->var[0], 0.286435493000297, 1e-8);
    assert_close(fit->loglik, -12.3235016107219, 1e-10);
    finegray_result_free(fit);
}

/* Two covariates, ties between events, competing events and censorings. */
static void test_two_covariates_with_ties(void **state)
{
    const double time[] = {1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 10, 10, 11, 12};
    const int cause[] = {1, 2, 1, 0, 1, 1, 2, 0, 1, 2, 1, 0, 1, 1, 2, 0};
    const double sex[] = {0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1};
    const double age[] = {60, 55, 70, 48, 66, 59, 72, 51, 63, 58, 69, 45, 62, 57, 64, 50};
    double x[32];
    finegray_result *fit = NULL;
    (void)state;
    for (size_t i = 0; i < 16; i++) {
        x[2 * i] = sex[i];
        x[2 * i + 1] = age[i];
    }
    assert_int_equal(finegray_fit(time, cause, x, 16, 2, &fit), EMBOLO_OK);
    assert_true(fit->converged);
    assert_close(fit->coef[0], 0.4771117897636971, 1e-8);
    assert_close(fit->coef[1], 0.0894202111382521, 1e-8);
    assert_close(fit->var[0], 0.47370904833465366, 1e-7);
    assert_close(fit->var[1], 0.00748283399626219, 1e-7);
    assert_close(fit->var[3], 0.00201656169378365, 1e-7);
    finegray_result_free(fit);
}

/* No event of the cause: no maximum, NAN estimates, not a failure. */
static void test_no_event(void **state)
{
    const double time[] = {1, 2, 3, 4}, x[] = {0, 1, 0, 1};
    const int cause[] = {2, 0, 2, 0}, bad[] = {1, 5, 0, 0};
    finegray_result *fit = NULL;
    (void)state;
    assert_int_equal(finegray_fit(time, cause, x, 4, 1, &fit), EMBOLO_OK);
    assert_false(fit->converged);
    assert_true(isnan(fit->coef[0]) && isnan(fit->var[0]));
    finegray_result_free(fit);
    assert_int_equal(finegray_fit(time, bad, x, 4, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(fit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_covariate),
        cmocka_unit_test(test_two_covariates_with_ties),
        cmocka_unit_test(test_no_event),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
