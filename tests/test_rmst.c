/* Restricted mean survival time: R's summary(survfit(...), rmean = tau)$table on small cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/rmst.h"

static void rmst_of(const double *time, const int *status, size_t n, double tau, double *rmst, double *se)
{
    km_curve *curve = NULL;
    assert_int_equal(km_fit(time, status, NULL, n, &curve), EMBOLO_OK);
    rmst_compute(curve, tau, rmst, se);
    km_curve_free(curve);
}

/* Deaths at 1, 2, 3, tau 2.5: 1 + 2/3 + 0.5/3 by hand. */
static void test_three_deaths(void **state)
{
    const double time[] = {1, 2, 3};
    const int status[] = {1, 1, 1};
    double rmst, se;
    (void)state;
    rmst_of(time, status, 3, 2.5, &rmst, &se);
    assert_close(rmst, 1.833333333333333, 1e-14);
    assert_close(se, 0.360041149911548, 1e-12);
}

/* Ties and censoring; tau beyond the last time: the curve is carried flat (R's rule). */
static void test_carried_flat(void **state)
{
    const double time[] = {1, 2, 2, 4, 5};
    const int status[] = {1, 0, 1, 1, 0};
    double rmst, se;
    (void)state;
    rmst_of(time, status, 5, 7.0, &rmst, &se);
    assert_close(rmst, 3.9, 1e-13);
    assert_close(se, 1.09224539367305, 1e-12);
}

/* One patient: se 0 (a time with n = d adds nothing). */
static void test_one_patient(void **state)
{
    const double time[] = {3};
    const int status[] = {1};
    double rmst, se;
    (void)state;
    rmst_of(time, status, 1, 5.0, &rmst, &se);
    assert_close(rmst, 3.0, 1e-14);
    assert_close(se, 0.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_deaths),
        cmocka_unit_test(test_carried_flat),
        cmocka_unit_test(test_one_patient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
