/* Log-rank test: R's survdiff results for lung and veteran and small hand-computed cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "km_fixture.h"
#include "model/logrank.h"

#define RTOL 1e-6

/* The test on grouping variable v, rows with a missing level left out (as R's model frame). */
static logrank_result test_on_variable(const km_dataset *dataset, const km_rows *rows, int v)
{
    static double time[KM_FIXTURE_MAX_ROWS];
    static int status[KM_FIXTURE_MAX_ROWS], group[KM_FIXTURE_MAX_ROWS];
    logrank_result result;
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++) {
        if (rows->group[v][i] < 0)
            continue;
        time[n] = rows->time[i];
        status[n] = rows->status[i];
        group[n] = rows->group[v][i];
        n++;
    }
    assert_int_equal(logrank_test(time, status, group, n, dataset->n_levels[v], &result),
                     EMBOLO_OK);
    return result;
}

/* Every logrank line of the reference must match to RTOL (df exactly); prints the worst error. */
static void check_reference(const km_dataset *dataset, size_t want_lines)
{
    static km_rows rows;
    static km_expected_set set;
    size_t checked = 0;
    double worst = 0.0;
    km_rows_read(dataset, &rows);
    km_expected_read(dataset, &set);
    for (size_t i = 0; i < set.n; i++) {
        const km_expected *e = &set.line[i];
        if (strcmp(e->section, "logrank") != 0)
            continue;
        logrank_result r = test_on_variable(dataset, &rows, km_dataset_variable(dataset, e->variable));
        double got = strcmp(e->stat, "chisq") == 0 ? r.chisq
                     : strcmp(e->stat, "df") == 0  ? (double)r.df
                                                   : r.p;
        if (strcmp(e->stat, "df") == 0)
            assert_int_equal(r.df, (int)e->value);
        assert_close(got, e->value, RTOL);
        double err = km_relative_error(got, e->value);
        worst = err > worst ? err : worst;
        checked++;
    }
    assert_int_equal(checked, want_lines);
    print_message("%s: %zu reference values, worst relative error %.3g\n", dataset->data_path,
                  checked, worst);
}

static void test_lung_reference(void **state)
{
    (void)state;
    check_reference(&km_dataset_lung, 6);
}

static void test_veteran_reference(void **state)
{
    (void)state;
    check_reference(&km_dataset_veteran, 6);
}

static void test_reference_spot_checks(void **state)
{
    static km_rows rows;
    (void)state;
    km_rows_read(&km_dataset_lung, &rows);
    logrank_result r = test_on_variable(&km_dataset_lung, &rows, 1);
    assert_close(r.chisq, 21.9621316825, RTOL);
    assert_int_equal(r.df, 3);
    assert_close(r.p, 6.6425353558e-05, RTOL);
    km_rows_read(&km_dataset_veteran, &rows);
    r = test_on_variable(&km_dataset_veteran, &rows, 0);
    assert_close(r.chisq, 0.00822734320235, RTOL);
    assert_int_equal(r.df, 1);
    assert_close(r.p, 0.92772723334, RTOL);
}

/* Group 0 dies at 1 and 3, group 1 at 2 and 4. Expected for group 0: 2/4 + 1/3 + 1/2 = 4/3,
 * variance 1/4 + 2/9 + 1/4 = 13/18 (the time with one at risk adds none), so
 * chisq = (2/3)^2 / (13/18) = 8/13. */
static void test_two_groups_by_hand(void **state)
{
    const double time[] = {1, 2, 3, 4};
    const int status[] = {1, 1, 1, 1};
    const int group[] = {0, 1, 0, 1};
    logrank_result r;
    (void)state;
    assert_int_equal(logrank_test(time, status, group, 4, 2, &r), EMBOLO_OK);
    assert_close(r.chisq, 8.0 / 13.0, 1e-12);
    assert_int_equal(r.df, 1);
    assert_close(r.p, gsl_cdf_chisq_Q(8.0 / 13.0, 1.0), 1e-12);
}

/* A third group censored before the first death has no expected deaths: it is dropped. Ties in
 * any order give the same answer. */
static void test_group_without_expected(void **state)
{
    const double time[] = {0.5, 1, 2, 3, 4};
    const int status[] = {0, 1, 1, 1, 1};
    const int group[] = {2, 0, 1, 0, 1};
    const double tied_time[] = {1, 1, 2, 2};
    const int tied_status[] = {1, 0, 1, 1};
    const int tied_a[] = {0, 1, 0, 1};
    const int tied_b[] = {1, 0, 1, 0};
    const int tied_status_b[] = {0, 1, 1, 1};
    logrank_result r, a, b;
    (void)state;
    assert_int_equal(logrank_test(time, status, group, 5, 3, &r), EMBOLO_OK);
    assert_close(r.chisq, 8.0 / 13.0, 1e-12);
    assert_int_equal(r.df, 1);
    assert_int_equal(logrank_test(tied_time, tied_status, tied_a, 4, 2, &a), EMBOLO_OK);
    assert_int_equal(logrank_test(tied_time, tied_status_b, tied_b, 4, 2, &b), EMBOLO_OK);
    assert_close(a.chisq, b.chisq, 1e-12);
    assert_close(a.p, b.p, 1e-12);
}

static void test_no_test_possible(void **state)
{
    const double time[] = {1, 2, 3};
    const int events[] = {1, 0, 1};
    const int censored[] = {0, 0, 0};
    const int one_group[] = {0, 0, 0};
    const int two_groups[] = {0, 1, 0};
    logrank_result r;
    (void)state;
    assert_int_equal(logrank_test(time, events, one_group, 3, 1, &r), EMBOLO_OK);
    assert_close(r.chisq, 0, RTOL);
    assert_int_equal(r.df, 0);
    assert_true(isnan(r.p));
    assert_int_equal(logrank_test(time, censored, two_groups, 3, 2, &r), EMBOLO_OK);
    assert_close(r.chisq, 0, RTOL);
    assert_int_equal(r.df, 0);
    assert_true(isnan(r.p));
    assert_int_equal(logrank_test(NULL, NULL, NULL, 0, 2, &r), EMBOLO_OK);
    assert_int_equal(r.df, 0);
}

/* Everyone dies at one time: both groups expect a death but the variance is 0 (R's solve stops
 * with "exactly singular"); the statistic is NAN. */
static void test_singular_variance(void **state)
{
    const double time[] = {1, 1};
    const int status[] = {1, 1};
    const int group[] = {0, 1};
    logrank_result r;
    (void)state;
    assert_int_equal(logrank_test(time, status, group, 2, 2, &r), EMBOLO_OK);
    assert_int_equal(r.df, 1);
    assert_true(isnan(r.chisq));
    assert_true(isnan(r.p));
}

static void test_invalid(void **state)
{
    const double time[] = {1, 2};
    const double unsorted[] = {2, 1};
    const int status[] = {1, 1};
    const int group[] = {0, 1};
    const int bad_group[] = {0, 2};
    logrank_result r;
    (void)state;
    assert_int_equal(logrank_test(time, status, bad_group, 2, 2, &r),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(logrank_test(unsorted, status, group, 2, 2, &r),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(logrank_test(time, status, group, 2, 0, &r), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(logrank_test(time, status, group, 2, 2, NULL), EMBOLO_ERROR_INVALID_ARGUMENT);
}

/* A two-centre toy: O, E, V summed over the centres (R: survdiff(Surv(t, s) ~ g + strata(st))). */
static void test_two_centre_stratified(void **state)
{
    const double time[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int status[] = {1, 1, 0, 1, 1, 0, 1, 1}, group[] = {0, 1, 0, 1, 0, 1, 1, 0};
    const int strata[] = {0, 0, 0, 0, 1, 1, 1, 1};
    logrank_table table = {0};
    logrank_result r;
    (void)state;
    assert_int_equal(logrank_table_compute(time, status, group, strata, 8, 2, &table), EMBOLO_OK);
    assert_close(table.observed[0], 3.0, 1e-12);
    assert_close(table.expected[0], 0.833333333333333 + 2.0, 1e-12);
    assert_close(table.expected[1], 2.166666666666667 + 1.0, 1e-12);
    assert_close(table.var[0], 0.972222222222222, 1e-12);
    assert_close(table.var[1], -0.972222222222222, 1e-12);
    assert_int_equal(logrank_table_test(&table, &r), EMBOLO_OK);
    assert_int_equal(r.df, 1);
    assert_close(r.chisq, 0.0285714285714285, 1e-10);
    logrank_table_free(&table);
}

/* Every centre holds one group: V is zero (up to rounding), no test (R's solve is singular). */
static void test_groups_nested_in_strata(void **state)
{
    const double time[] = {1, 2, 3, 4, 5, 6};
    const int status[] = {1, 1, 0, 1, 1, 1}, group[] = {0, 0, 0, 1, 1, 1}, strata[] = {0, 0, 0, 1, 1, 1};
    logrank_table table = {0};
    logrank_result r;
    (void)state;
    assert_int_equal(logrank_table_compute(time, status, group, strata, 6, 2, &table), EMBOLO_OK);
    assert_int_equal(logrank_table_test(&table, &r), EMBOLO_OK);
    assert_int_equal(r.df, 1);
    assert_true(isnan(r.chisq) && isnan(r.p));
    logrank_table_free(&table);
}

/* Trend with scores 1, 2, 3 (R: U^2 / s'Vs from survdiff's obs, exp and var). */
static void test_trend(void **state)
{
    const double time[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, score[] = {1, 2, 3};
    const int status[] = {1, 1, 1, 0, 1, 1, 0, 1, 1, 0}, group[] = {2, 2, 1, 0, 2, 1, 1, 0, 0, 0};
    logrank_table table = {0};
    (void)state;
    assert_int_equal(logrank_table_compute(time, status, group, NULL, 10, 3, &table), EMBOLO_OK);
    assert_close(logrank_trend_chisq(&table, score), 8.28769501018481, 1e-10);
    logrank_table_free(&table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_centre_stratified),
        cmocka_unit_test(test_groups_nested_in_strata),
        cmocka_unit_test(test_trend),
        cmocka_unit_test(test_lung_reference),
        cmocka_unit_test(test_veteran_reference),
        cmocka_unit_test(test_reference_spot_checks),
        cmocka_unit_test(test_two_groups_by_hand),
        cmocka_unit_test(test_group_without_expected),
        cmocka_unit_test(test_no_test_possible),
        cmocka_unit_test(test_singular_variance),
        cmocka_unit_test(test_invalid),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
