/* Gray's test: R's cmprsk::cuminc(time, status, group)$Tests["1", ] on small cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "model/gray.h"

static void test_two_groups(void **state)
{
    const double time[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const int cause[] = {1, 2, 1, 0, 1, 1, 2, 0, 1, 2, 1, 0}, group[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    gray_result r;
    (void)state;
    assert_int_equal(gray_test(time, cause, group, 12, 2, &r), EMBOLO_OK);
    assert_int_equal(r.df, 1);
    assert_close(r.chisq, 6.76924819460811, 1e-10);
    assert_close(r.p, 0.00927418945015512, 1e-9);
}

/* Three groups, tied times across groups and causes; an empty group (index 1) is left out. */
static void test_three_groups_with_ties(void **state)
{
    const double time[] = {1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 10, 10, 11};
    const int cause[] = {1, 2, 1, 0, 1, 1, 2, 0, 1, 2, 1, 0, 1, 1, 2};
    const int group[] = {0, 2, 3, 0, 2, 3, 0, 2, 3, 0, 2, 3, 0, 2, 3};
    gray_result r;
    (void)state;
    assert_int_equal(gray_test(time, cause, group, 15, 4, &r), EMBOLO_OK);
    assert_int_equal(r.df, 2);
    assert_close(r.chisq, 0.478355867096171, 1e-10);
    assert_close(r.p, 0.787274787313027, 1e-9);
}

static void test_no_test(void **state)
{
    const double time[] = {1, 2, 3, 4};
    const int no_event[] = {2, 0, 2, 0}, cause[] = {1, 0, 1, 0}, one_group[] = {0, 0, 0, 0}, group[] = {0, 1, 0, 1};
    gray_result r;
    (void)state;
    assert_int_equal(gray_test(time, cause, one_group, 4, 2, &r), EMBOLO_OK);
    assert_true(isnan(r.chisq) && r.df == 0);
    assert_int_equal(gray_test(time, no_event, group, 4, 2, &r), EMBOLO_OK);
    assert_true(isnan(r.chisq) && isnan(r.p));
    assert_int_equal(gray_test(time, cause, group, 4, 1, &r), EMBOLO_ERROR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_groups),
        cmocka_unit_test(test_three_groups_with_ties),
        cmocka_unit_test(test_no_test),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
