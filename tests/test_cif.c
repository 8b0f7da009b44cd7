/* Cumulative incidence (Aalen-Johansen) and its infinitesimal-jackknife standard error: R's
 * survfit(Surv(time, factor(cause, levels = 0:2)) ~ 1), state "1", on a case with one competing
 * event, unweighted and weighted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/cif.h"

static const double toy_time[] = {1, 2, 3, 4, 5};
static const int toy_cause[] = {1, 2, 1, 0, 1};

/* By hand: 1/5; the competing event at 2 leaves it; + S(3-) 1/3 = 0.6/3; at 5 + 0.4. */
static void test_one_competing_event(void **state)
{
    cif_curve *c = NULL;
    const double cif[] = {0.2, 0.2, 0.4, 0.4, 0.8};
    const double se[] = {0.178885438199983, 0.178885438199983, 0.219089023002067, 0.219089023002067,
                         0.178885438199983};
    (void)state;
    assert_int_equal(cif_fit(toy_time, toy_cause, NULL, 5, &c), EMBOLO_OK);
    assert_int_equal(c->n_times, 5);
    assert_int_equal(c->events, 3);
    assert_int_equal(c->competing, 1);
    for (size_t k = 0; k < 5; k++) {
        assert_close(c->cif[k], cif[k], 1e-14);
        assert_close(c->std_err[k], se[k], 1e-12);
    }
    assert_close(c->lower[0], 0.0346491185068608, 1e-10);
    assert_close(c->upper[0], 1.0, 0);
    assert_close(c->lower[4], 0.5161257603421721, 1e-10);
    cif_curve_free(c);
}

static void test_weighted(void **state)
{
    cif_curve *c = NULL;
    const double weight[] = {1.5, 0.5, 2, 1, 3};
    const double cif[] = {0.1875, 0.1875, 0.4375, 0.4375, 0.9375};
    const double se[] = {0.176171441934058, 0.176171441934058, 0.248100695440632, 0.248100695440632,
                         0.066521040491900};
    (void)state;
    assert_int_equal(cif_fit(toy_time, toy_cause, weight, 5, &c), EMBOLO_OK);
    for (size_t k = 0; k < 5; k++) {
        assert_close(c->cif[k], cif[k], 1e-14);
        assert_close(c->std_err[k], se[k], 1e-10);
    }
    cif_curve_free(c);
}

/* Landmarks: the last time <= t; 0 with no limits before the first; none beyond the last time. */
static void test_landmarks(void **state)
{
    cif_curve *c = NULL;
    double f, lower, upper;
    (void)state;
    assert_int_equal(cif_fit(toy_time, toy_cause, NULL, 5, &c), EMBOLO_OK);
    cif_at(c, 0.5, &f, &lower, &upper);
    assert_true(f == 0.0 && isnan(lower) && isnan(upper));
    cif_at(c, 3.5, &f, &lower, &upper);
    assert_close(f, 0.4, 1e-14);
    assert_close(lower, 0.1367217803890508, 1e-10);
    cif_at(c, 5.0, &f, &lower, &upper);
    assert_close(f, 0.8, 1e-14);
    cif_at(c, 5.5, &f, &lower, &upper);
    assert_true(isnan(f) && isnan(lower) && isnan(upper));
    cif_curve_free(c);
}

static void test_invalid(void **state)
{
    cif_curve *c = NULL;
    const int bad_cause[] = {1, 3};
    const double unsorted[] = {2, 1}, bad_weight[] = {1, -1};
    (void)state;
    assert_int_equal(cif_fit(toy_time, bad_cause, NULL, 2, &c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(cif_fit(unsorted, toy_cause, NULL, 2, &c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(cif_fit(toy_time, toy_cause, bad_weight, 2, &c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(c);
    assert_int_equal(cif_fit(toy_time, toy_cause, NULL, 0, &c), EMBOLO_OK);
    assert_int_equal(c->n_times, 0);
    cif_curve_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_competing_event),
        cmocka_unit_test(test_weighted),
        cmocka_unit_test(test_landmarks),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
