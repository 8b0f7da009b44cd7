/* Holm's adjustment: R's p.adjust(p, "holm") on a hand-computable sequence. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "model/holm.h"

/* p.adjust(c(0.01, 0.04, 0.03, NA, 0.5), "holm") = 0.04 0.09 0.09 NA 0.5: with m = 4 the sorted
 * 0.01, 0.03, 0.04, 0.5 give 0.04, 0.09, 0.08 -> 0.09 (running maximum), 0.5. */
static void test_holm_sequence(void **state)
{
    const double p[] = {0.01, 0.04, 0.03, NAN, 0.5};
    double adjusted[5];
    (void)state;
    assert_int_equal(holm_adjust(p, 5, adjusted), EMBOLO_OK);
    assert_close(adjusted[0], 0.04, 1e-14);
    assert_close(adjusted[1], 0.09, 1e-14);
    assert_close(adjusted[2], 0.09, 1e-14);
    assert_true(isnan(adjusted[3]));
    assert_close(adjusted[4], 0.5, 1e-14);
}

/* Capped at 1; in place; no value at all. */
static void test_holm_cap_and_empty(void **state)
{
    double p[] = {0.6, 0.2, 0.7};
    (void)state;
    assert_int_equal(holm_adjust(p, 3, p), EMBOLO_OK);
    assert_close(p[0], 1.0, 1e-14);
    assert_close(p[1], 0.6, 1e-14);
    assert_close(p[2], 1.0, 1e-14);
    assert_int_equal(holm_adjust(p, 0, p), EMBOLO_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holm_sequence),
        cmocka_unit_test(test_holm_cap_and_empty),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
