/* Audit counts per period and the comparison of medians with published benchmarks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "common/text.h"
#include "model/audit.h"

static const char *study_text = "[study]\ntime_unit = days\n"
                                "[endpoint.os]\nstart = s\nevent_dates = d\ncensor_date = c\n";

static void test_counts_in_period_and_to_date(void **state)
{
    (void)state;
    study *s = NULL;
    dataset *d = NULL;
    results *r = results_new();
    char message[256];
    assert_int_equal(study_parse(study_text, strlen(study_text), "s.ini", &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(s, 4, &d), EMBOLO_OK);
    long dec1 = text_days_from_civil(2012, 12, 1), dec31 = text_days_from_civil(2012, 12, 31);
    /* start, end, event: before the period with an event in it; in the period censored; before,
     * event before; after the cut-off (not counted). */
    long starts[] = {dec1 - 100, dec1 + 5, dec1 - 300, dec31 + 3};
    long ends[] = {dec1 + 10, dec1 + 20, dec1 - 50, dec31 + 9};
    int events[] = {1, 0, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        d->start_day[0][i] = starts[i];
        d->end_day[0][i] = ends[i];
        d->event[0][i] = events[i];
        d->time[0][i] = (double)(ends[i] - starts[i]);
    }
    d->n = 4;
    assert_int_equal(audit_run(s, d, dec1, dec31, r), EMBOLO_OK);
    assert_true(results_value(r, "audit", "os", "", "all", "", "procedures_period") == 1.0);
    assert_true(results_value(r, "audit", "os", "", "all", "", "procedures_total") == 3.0);
    assert_true(results_value(r, "audit", "os", "", "all", "", "events_period") == 1.0);
    assert_true(results_value(r, "audit", "os", "", "all", "", "events_total") == 2.0);
    d->n = 0; /* ids were never set */
    dataset_free(d);
    study_free(s);
    results_free(r);
}

static void add_median(results *r, const char *level, double median, double lower, double upper)
{
    assert_int_equal(results_add(r, "km", "os", "unweighted", "grade", level, "median", median), EMBOLO_OK);
    assert_int_equal(results_add(r, "km", "os", "unweighted", "grade", level, "median_lower", lower), EMBOLO_OK);
    assert_int_equal(results_add(r, "km", "os", "unweighted", "grade", level, "median_upper", upper), EMBOLO_OK);
}

static void test_benchmark_flag_when_ci_excludes(void **state)
{
    (void)state;
    results *r = results_new();
    add_median(r, "G1", 78.1, 56.6, NAN);   /* upper not reached: the benchmark 125.1 is inside */
    add_median(r, "G2", 20.0, 15.0, 30.0);  /* 33.9 above the upper limit */
    add_median(r, "G3", 9.0, NAN, NAN);     /* no CI: unknown */
    assert_int_equal(audit_compare_benchmark(r, "os", "grade", "G1", 125.1), EMBOLO_OK);
    assert_int_equal(audit_compare_benchmark(r, "os", "grade", "G2", 33.9), EMBOLO_OK);
    assert_int_equal(audit_compare_benchmark(r, "os", "grade", "G3", 9.3), EMBOLO_OK);
    assert_true(results_value(r, "benchmark", "os", "", "grade", "G1", "flag") == 0.0);
    assert_true(results_value(r, "benchmark", "os", "", "grade", "G2", "flag") == 1.0);
    assert_true(isnan(results_value(r, "benchmark", "os", "", "grade", "G3", "flag")));
    assert_true(results_value(r, "benchmark", "os", "", "grade", "G2", "benchmark") == 33.9);
    results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_in_period_and_to_date),
        cmocka_unit_test(test_benchmark_flag_when_ci_excludes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
