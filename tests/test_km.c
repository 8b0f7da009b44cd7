/* Kaplan-Meier: R's reference values for lung and veteran (unweighted, propensity-weighted, reverse
 * KM follow-up) and small hand-computed cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "km_fixture.h"
#include "model/km.h"

#define Z975 1.959963984540054
#define RTOL 1e-6

static km_curve *fit_or_fail(const double *time, const int *status, const double *weight, size_t n)
{
    km_curve *curve = NULL;
    assert_int_equal(km_fit(time, status, weight, n, &curve), EMBOLO_OK);
    assert_non_null(curve);
    return curve;
}

/* The number a results.csv km or followup line reports, from a fitted curve. */
static double curve_stat(const km_curve *curve, const char *stat)
{
    double median, lower, upper, s, s_lower, s_upper;
    const char *at = strchr(stat, '@');
    if (strcmp(stat, "n") == 0)
        return (double)curve->n;
    if (strcmp(stat, "events") == 0)
        return (double)curve->events;
    km_median(curve, &median, &lower, &upper);
    if (strcmp(stat, "median") == 0)
        return median;
    if (strcmp(stat, "median_lower") == 0)
        return lower;
    if (strcmp(stat, "median_upper") == 0)
        return upper;
    assert_non_null(at);
    km_surv_at(curve, strtod(at + 1, NULL), &s, &s_lower, &s_upper);
    if (strncmp(stat, "surv@", 5) == 0)
        return s;
    if (strncmp(stat, "surv_lower@", 11) == 0)
        return s_lower;
    assert_true(strncmp(stat, "surv_upper@", 11) == 0);
    return s_upper;
}

/* The value of one reference line, from a fit on the rows it describes. */
static double expected_line_value(const km_dataset *dataset, const km_rows *rows,
                                  const km_expected *e)
{
    static double time[KM_FIXTURE_MAX_ROWS], weight[KM_FIXTURE_MAX_ROWS];
    static int status[KM_FIXTURE_MAX_ROWS];
    int v = km_dataset_variable(dataset, e->variable);
    int level = v >= 0 ? km_dataset_level(dataset, v, e->level) : 0;
    size_t n = km_rows_subset(rows, v, level, time, status, weight);
    int weighted = strcmp(e->model, "weighted") == 0;
    if (strcmp(e->section, "followup") == 0) {
        for (size_t i = 0; i < n; i++)
            status[i] = 1 - status[i];
    }
    km_curve *curve = fit_or_fail(time, status, weighted ? weight : NULL, n);
    double value = curve_stat(curve, e->stat);
    km_curve_free(curve);
    return value;
}

/* Every km and followup line of the reference must match to RTOL; prints the worst error. */
static void check_reference(const km_dataset *dataset, size_t want_lines, size_t want_weighted)
{
    static km_rows rows;
    static km_expected_set set;
    size_t checked = 0, weighted = 0;
    double worst = 0.0;
    km_rows_read(dataset, &rows);
    km_expected_read(dataset, &set);
    for (size_t i = 0; i < set.n; i++) {
        const km_expected *e = &set.line[i];
        if (strcmp(e->section, "km") != 0 && strcmp(e->section, "followup") != 0)
            continue;
        double got = expected_line_value(dataset, &rows, e);
        double err = km_relative_error(got, e->value);
        if (err > RTOL)
            print_error("%s %s %s %s %s\n", e->section, e->model, e->variable, e->level, e->stat);
        assert_close(got, e->value, RTOL);
        worst = err > worst ? err : worst;
        checked++;
        weighted += strcmp(e->model, "weighted") == 0;
    }
    assert_int_equal(checked, want_lines);
    assert_int_equal(weighted, want_weighted);
    print_message("%s: %zu reference values, worst relative error %.3g\n", dataset->data_path,
                  checked, worst);
}

static void test_lung_reference(void **state)
{
    (void)state;
    check_reference(&km_dataset_lung, 92, 0);
}

static void test_veteran_reference(void **state)
{
    (void)state;
    check_reference(&km_dataset_veteran, 184, 65);
}

/* A few of the reference numbers spelled out (lung, all patients; veteran squamous, weighted). */
static void test_reference_spot_checks(void **state)
{
    static km_rows rows;
    static double time[KM_FIXTURE_MAX_ROWS], weight[KM_FIXTURE_MAX_ROWS];
    static int status[KM_FIXTURE_MAX_ROWS];
    double m, lo, hi;
    (void)state;

    km_rows_read(&km_dataset_lung, &rows);
    size_t n = km_rows_subset(&rows, -1, 0, time, status, weight);
    km_curve *curve = fit_or_fail(time, status, NULL, n);
    assert_int_equal(curve->n, 228);
    assert_int_equal(curve->events, 165);
    km_median(curve, &m, &lo, &hi);
    assert_close(m, 310, RTOL);
    assert_close(lo, 285, RTOL);
    assert_close(hi, 363, RTOL);
    km_surv_at(curve, 365, &m, &lo, &hi);
    assert_close(m, 0.40924162446, RTOL);
    assert_close(lo, 0.344721581796, RTOL);
    assert_close(hi, 0.485837603547, RTOL);
    km_curve_free(curve);

    for (size_t i = 0; i < n; i++)
        status[i] = 1 - status[i];
    curve = fit_or_fail(time, status, NULL, n);
    km_median(curve, &m, &lo, &hi);
    assert_close(m, 588, RTOL);
    assert_close(lo, 511, RTOL);
    assert_close(hi, 1010, RTOL);
    km_curve_free(curve);

    km_rows_read(&km_dataset_veteran, &rows);
    n = km_rows_subset(&rows, 1, 0, time, status, weight);
    curve = fit_or_fail(time, status, weight, n);
    assert_int_equal(curve->n, 35);
    assert_int_equal(curve->events, 31);
    km_median(curve, &m, &lo, &hi);
    assert_close(m, 118, RTOL);
    assert_close(lo, 72, RTOL);
    assert_close(hi, 283, RTOL);
    km_surv_at(curve, 365, &m, &lo, &hi);
    assert_close(m, 0.193861265422, RTOL);
    assert_close(lo, 0.0934606264496, RTOL);
    assert_close(hi, 0.402117893478, RTOL);
    km_curve_free(curve);
}

static void test_all_censored(void **state)
{
    const double time[] = {1, 2, 2, 3};
    const int status[] = {0, 0, 0, 0};
    double s, lo, hi;
    (void)state;
    km_curve *curve = fit_or_fail(time, status, NULL, 4);
    assert_int_equal(curve->n_times, 3);
    assert_int_equal(curve->events, 0);
    assert_int_equal(curve->n_risk_unweighted[1], 3);
    assert_close(curve->n_censor[1], 2, RTOL);
    assert_close(curve->surv[2], 1, RTOL);
    assert_close(curve->std_err[2], 0, RTOL);
    km_median(curve, &s, &lo, &hi);
    assert_true(isnan(s) && isnan(lo) && isnan(hi));
    km_surv_at(curve, 2.5, &s, &lo, &hi);
    assert_close(s, 1, RTOL);
    assert_close(lo, 1, RTOL);
    assert_close(hi, 1, RTOL);
    km_surv_at(curve, 3.5, &s, &lo, &hi);
    assert_true(isnan(s) && isnan(lo) && isnan(hi));
    km_curve_free(curve);
}

/* One death: S drops to 0, where R has no standard error and no limits; the median is reached
 * but neither limit is. */
static void test_single_row(void **state)
{
    const double time[] = {5};
    const int status[] = {1};
    double s, lo, hi;
    (void)state;
    km_curve *curve = fit_or_fail(time, status, NULL, 1);
    assert_int_equal(curve->n, 1);
    assert_int_equal(curve->events, 1);
    assert_close(curve->surv[0], 0, RTOL);
    assert_true(isnan(curve->std_err[0]) && isnan(curve->lower[0]) && isnan(curve->upper[0]));
    km_median(curve, &s, &lo, &hi);
    assert_close(s, 5, RTOL);
    assert_true(isnan(lo) && isnan(hi));
    km_surv_at(curve, 4, &s, &lo, &hi);
    assert_close(s, 1, RTOL);
    assert_close(lo, 1, RTOL);
    assert_close(hi, 1, RTOL);
    km_surv_at(curve, 5, &s, &lo, &hi);
    assert_close(s, 0, RTOL);
    assert_true(isnan(lo) && isnan(hi));
    km_curve_free(curve);
}

/* Two deaths and two censorings at one time: S = 1/2 with nothing after it, so the median is that
 * time; var(log S) = 2 / (4 * 2). */
static void test_tied_at_one_time(void **state)
{
    const double time[] = {3, 3, 3, 3};
    const int status[] = {1, 0, 1, 0};
    double m, lo, hi;
    (void)state;
    km_curve *curve = fit_or_fail(time, status, NULL, 4);
    assert_int_equal(curve->n_times, 1);
    assert_close(curve->n_risk[0], 4, RTOL);
    assert_close(curve->n_event[0], 2, RTOL);
    assert_int_equal(curve->n_event_unweighted[0], 2);
    assert_close(curve->surv[0], 0.5, RTOL);
    assert_close(curve->std_err[0], 0.5, RTOL);
    assert_close(curve->lower[0], 0.5 * exp(-Z975 * 0.5), RTOL);
    assert_close(curve->upper[0], 1, RTOL);
    km_median(curve, &m, &lo, &hi);
    assert_close(m, 3, RTOL);
    assert_close(lo, 3, RTOL);
    assert_true(isnan(hi));
    km_curve_free(curve);

    const int all_die[] = {1, 1, 1, 1};
    curve = fit_or_fail(time, all_die, NULL, 4);
    assert_close(curve->surv[0], 0, RTOL);
    assert_true(isnan(curve->std_err[0]));
    km_median(curve, &m, &lo, &hi);
    assert_close(m, 3, RTOL);
    assert_true(isnan(lo) && isnan(hi));
    km_curve_free(curve);
}

/* S = 1/2 from time 2 over a censoring at 3 until the death at 4: median (2 + 4) / 2. Greenwood:
 * 1/(4*3) + 1/(3*2) = 1/4 at time 2, then S = 0 at time 4. */
static void test_midpoint_median(void **state)
{
    const double time[] = {1, 2, 3, 4};
    const int status[] = {1, 1, 0, 1};
    double m, lo, hi;
    (void)state;
    km_curve *curve = fit_or_fail(time, status, NULL, 4);
    assert_close(curve->surv[1], 0.5, RTOL);
    assert_close(curve->surv[2], 0.5, RTOL);
    assert_close(curve->std_err[2], 0.5, RTOL);
    assert_close(curve->surv[3], 0, RTOL);
    assert_true(isnan(curve->lower[3]) && isnan(curve->upper[3]));
    km_median(curve, &m, &lo, &hi);
    assert_close(m, 3, RTOL);
    /* lower at time 1: 0.75 exp(-z sqrt(1/12)) = 0.426 */
    assert_close(lo, 1, RTOL);
    assert_true(isnan(hi));
    km_surv_at(curve, 3.5, &m, &lo, &hi);
    assert_close(m, 0.5, RTOL);
    assert_close(lo, 0.5 * exp(-Z975 * 0.5), RTOL);
    assert_close(hi, 1, RTOL);
    km_surv_at(curve, 4, &m, &lo, &hi);
    assert_close(m, 0, RTOL);
    assert_true(isnan(lo) && isnan(hi));
    km_surv_at(curve, 4.5, &m, &lo, &hi);
    assert_true(isnan(m) && isnan(lo) && isnan(hi));
    km_curve_free(curve);
}

/* Fractional weights with ties: the values of R's O(n * times) influence loop of survfitkm.c
 * (type 1, each row its own cluster), transcribed independently in Python. */
static void test_weighted_jackknife(void **state)
{
    const double time[] = {1, 2, 2, 3, 3, 4, 5, 6};
    const int status[] = {1, 1, 0, 1, 1, 0, 1, 0};
    const double weight[] = {0.5, 1.5, 2.0, 1.25, 0.75, 1.0, 0.5, 0.25};
    const double surv[] = {0.93548387096774199, 0.74193548387096786, 0.34623655913978502,
                           0.34623655913978502, 0.11541218637992835, 0.11541218637992835};
    const double se[] = {0.070210161682133482, 0.23791711370143087, 0.56094577652685018,
                         0.56094577652685018, 1.0425936359389101, 1.0425936359389101};
    const double lower[] = {0.81521714736553264, 0.46542609356742731, 0.11531744526783083,
                            0.11531744526783083, 0.014955273390042758, 0.014955273390042758};
    const double upper[] = {1, 1, 1, 1, 0.8906539130112977, 0.8906539130112977};
    (void)state;
    km_curve *curve = fit_or_fail(time, status, weight, 8);
    assert_int_equal(curve->n_times, 6);
    assert_int_equal(curve->n, 8);
    assert_int_equal(curve->events, 5);
    assert_close(curve->n_risk[1], 7.25, RTOL);
    assert_int_equal(curve->n_risk_unweighted[1], 7);
    for (size_t j = 0; j < 6; j++) {
        assert_close(curve->surv[j], surv[j], 1e-12);
        assert_close(curve->std_err[j], se[j], 1e-12);
        assert_close(curve->lower[j], lower[j], 1e-12);
        assert_close(curve->upper[j], upper[j], 1e-12);
    }
    km_curve_free(curve);
}

/* Whole-number weights keep Greenwood on the weighted counts, as R does: weights of 2 halve the
 * variance of the unweighted fit. */
static void test_integer_weights_greenwood(void **state)
{
    const double time[] = {1, 2, 3, 4};
    const int status[] = {1, 1, 0, 1};
    const double weight[] = {2, 2, 2, 2};
    (void)state;
    km_curve *plain = fit_or_fail(time, status, NULL, 4);
    km_curve *doubled = fit_or_fail(time, status, weight, 4);
    assert_close(doubled->n_risk[0], 8, RTOL);
    assert_int_equal(doubled->n_risk_unweighted[0], 4);
    for (size_t j = 0; j < 3; j++) {
        assert_close(doubled->surv[j], plain->surv[j], 1e-12);
        assert_close(doubled->std_err[j], plain->std_err[j] / sqrt(2.0), 1e-12);
    }
    km_curve_free(doubled);
    km_curve_free(plain);
}

static void test_empty_and_invalid(void **state)
{
    const double unsorted[] = {2, 1};
    const double sorted[] = {1, 2};
    const int status[] = {1, 0};
    const int bad_status[] = {1, 2};
    const double negative[] = {1, -1};
    km_curve *curve = NULL;
    double s, lo, hi;
    (void)state;
    assert_int_equal(km_fit(NULL, NULL, NULL, 0, &curve), EMBOLO_OK);
    assert_int_equal(curve->n_times, 0);
    km_median(curve, &s, &lo, &hi);
    assert_true(isnan(s) && isnan(lo) && isnan(hi));
    km_surv_at(curve, 1, &s, &lo, &hi);
    assert_true(isnan(s));
    km_curve_free(curve);

    assert_int_equal(km_fit(unsorted, status, NULL, 2, &curve), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(curve);
    assert_int_equal(km_fit(sorted, bad_status, NULL, 2, &curve), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(curve);
    assert_int_equal(km_fit(sorted, status, negative, 2, &curve), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(curve);
    assert_int_equal(km_fit(sorted, status, NULL, 2, NULL), EMBOLO_ERROR_INVALID_ARGUMENT);
    km_curve_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lung_reference),
        cmocka_unit_test(test_veteran_reference),
        cmocka_unit_test(test_reference_spot_checks),
        cmocka_unit_test(test_all_censored),
        cmocka_unit_test(test_single_row),
        cmocka_unit_test(test_tied_at_one_time),
        cmocka_unit_test(test_midpoint_median),
        cmocka_unit_test(test_weighted_jackknife),
        cmocka_unit_test(test_integer_weights_greenwood),
        cmocka_unit_test(test_empty_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
