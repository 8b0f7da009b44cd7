/* E-values: the worked values of statistics-2.md (VanderWeele & Ding 2017; the common-outcome
 * conversion of a hazard ratio, EValue::evalues.HR(rare = FALSE)). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/evalue.h"

static void test_worked_values(void **state)
{
    (void)state;
    assert_close(evalue_rr(3.9), 3.9 + sqrt(3.9 * 2.9), 1e-14);
    assert_true(fabs(evalue_rr(3.9) - 7.26) < 0.005);
    assert_close(evalue_hr_to_rr(2.0), 1.612547, 1e-6);
    assert_close(evalue_hr(2.0), 2.606409, 1e-6);
    assert_close(evalue_hr(0.5), 2.606409, 1e-6);
    assert_close(evalue_hr(1.0), 1.0, 1e-14);
}

static void test_confidence_limit(void **state)
{
    (void)state;
    assert_close(evalue_hr_ci(2.0, 0.9, 4.0), 1.0, 0);
    assert_close(evalue_hr_ci(2.0, 1.5, 3.0), evalue_hr(1.5), 1e-14);
    assert_close(evalue_hr_ci(0.5, 0.25, 0.8), evalue_hr(0.8), 1e-14);
    assert_close(evalue_hr_ci(0.5, 0.2, NAN), 1.0, 0);        /* infinite upper limit: includes 1 */
    assert_close(evalue_hr_ci(0.5, 0.2, INFINITY), 1.0, 0);
    assert_true(isnan(evalue_hr(NAN)) && isnan(evalue_hr(0.0)) && isnan(evalue_hr(INFINITY)));
    assert_true(isnan(evalue_hr_ci(NAN, NAN, NAN)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_values),
        cmocka_unit_test(test_confidence_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
