/* The procedure statistics (stages/model/safety.c) on four procedures of three patients whose every
 * count, rate, window, flag, CUSUM step and funnel cell can be worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include <math.h>
#include <string.h>

#include "common/dataset.h"
#include "common/procedures.h"
#include "common/results.h"
#include "common/study.h"
#include "common/text.h"
#include "model/safety.h"
#include "testutil.h"

static const char study_text[] =
    "[study]\nid = pid\n"
    "[endpoint.os]\nstart = start\nevent_dates = death\ncensor_date = last\n"
    "[variable.age]\ntype = numeric\n"
    "[variable.modality]\ntype = categorical\nlevels = A, B\n"
    "[treatment]\nvariable = modality\nps_covariates = age\n"
    "[procedures]\nid = pid\ndate = date\nmodality = m\nae_grade = g\ntechnical_success = ok\n"
    "activity_gbq = gbq\noperator = op\n";

typedef struct fixture {
    study *study;
    dataset *data;
    procedure_set *procedures;
    procedure_thresholds *thresholds;
    exclusion_log *log;
    results *results;
} fixture;

static long day_of(const char *iso)
{
    long day;
    assert_true(text_parse_date(iso, strlen(iso), DATE_FORMAT_ISO, &day));
    return day;
}

static void add_procedure(fixture *f, size_t record, size_t patient, const char *date, int modality, int session,
                          int grade, int death30, int success, double activity, int op)
{
    procedure p = {.record = record, .patient = patient, .day = day_of(date), .modality = modality,
                   .session = session, .grade = grade, .death30 = death30, .success = success,
                   .activity = activity, .operator_index = op};
    assert_int_equal(procedure_set_add(f->procedures, &p, NULL, NULL), EMBOLO_OK);
}

/* Patient 0: A (major AE, operator X) then B (operator Y): a crossover A>B. Patient 1: A, died
 * within 30 days, failed, 2 GBq, operator X. Patient 2: B, grade and status unknown, 4 GBq. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    size_t index;
    assert_non_null(f);
    f->study = test_study_parse(study_text);
    assert_int_equal(dataset_new(f->study, 3, &f->data), EMBOLO_OK);
    f->data->n = 3;
    f->data->sessions = calloc(3, sizeof *f->data->sessions);
    f->data->crossover = calloc(3, 1);
    assert_non_null(f->data->sessions);
    assert_non_null(f->data->crossover);
    for (size_t i = 0; i < 3; i++) {
        f->data->record[i] = i + 1;
        assert_int_equal(dataset_set_id(f->data, i, "P", 1), EMBOLO_OK);
        assert_non_null(f->data->id[i]);
    }
    f->data->sessions[0] = 2;
    f->data->sessions[1] = f->data->sessions[2] = 1;
    f->data->crossover[0] = 1;
    f->procedures = procedure_set_new();
    assert_non_null(f->procedures);
    f->procedures->has_grade = f->procedures->has_success = f->procedures->has_activity = 1;
    f->procedures->has_operator = 1;
    f->procedures->records = 4;
    assert_int_equal(procedure_set_add_operator(f->procedures, "X", &index), EMBOLO_OK);
    assert_int_equal(procedure_set_add_operator(f->procedures, "Y", &index), EMBOLO_OK);
    add_procedure(f, 1, 0, "2011-01-10", 0, 1, 3, 0, 1, NAN, 0);
    add_procedure(f, 2, 0, "2012-06-01", 1, 2, 0, 0, 1, NAN, 1);
    add_procedure(f, 3, 1, "2012-06-10", 0, 1, 1, 1, 0, 2.0, 0);
    add_procedure(f, 4, 2, "2011-08-01", 1, 1, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN, 4.0,
                  PROCEDURE_UNKNOWN);
    assert_int_equal(procedure_thresholds_new(2, &f->thresholds), EMBOLO_OK);
    f->thresholds->level[1][THRESHOLD_MAJOR_AE] = 0.5;
    f->log = exclusion_log_new();
    f->results = results_new();
    assert_non_null(f->log);
    assert_non_null(f->results);
    assert_int_equal(exclusion_log_add(f->log, 7, "P", "index", "W_INDEX_DATE_MISMATCH", "start", "x", 1, "m"),
                     EMBOLO_OK);
    assert_int_equal(safety_run(f->study, f->data, f->procedures, f->log, f->thresholds, 1, day_of("2012-06-15"),
                                f->results),
                     EMBOLO_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    results_free(f->results);
    exclusion_log_free(f->log);
    procedure_thresholds_free(f->thresholds);
    procedure_set_free(f->procedures);
    dataset_free(f->data);
    study_free(f->study);
    free(f);
    return 0;
}

static double value(void **state, const char *section, const char *model, const char *variable, const char *level,
                    const char *stat)
{
    const fixture *f = *state;
    double v = results_value(f->results, section, "", model, variable, level, stat);
    if (isnan(v))
        print_message("no value for %s,%s,%s,%s,%s\n", section, model, variable, level, stat);
    return v;
}

static void test_patients_and_sessions(void **state)
{
    assert_true(value(state, "procedures", "", "all", "", "patients") == 3);
    assert_close(value(state, "procedures", "", "all", "", "sessions_mean"), 4.0 / 3, 1e-12);
    assert_true(value(state, "procedures", "", "all", "", "sessions_max") == 2);
    assert_close(value(state, "procedures", "", "all", "", "repeat_prop"), 1.0 / 3, 1e-12);
    assert_true(value(state, "procedures", "", "all", "", "crossover") == 1);
    assert_true(value(state, "procedures", "", "all", "", "index_date_mismatch") == 1);
    assert_true(value(state, "procedures", "", "modality", "A", "patients") == 2);
    assert_close(value(state, "procedures", "", "modality", "A", "sessions_mean"), 1.5, 1e-12);
    assert_true(value(state, "procedures", "", "modality", "B", "repeat") == 0);
    assert_true(value(state, "procedures", "", "sessions", "1", "patients") == 2);
    assert_true(value(state, "procedures", "", "sessions", "2", "patients") == 1);
    assert_true(value(state, "procedures", "", "crossover", "A>B", "patients") == 1);
    assert_true(value(state, "procedures", "", "code", "W_INDEX_DATE_MISMATCH", "n") == 1);
}

static void test_safety_table(void **state)
{
    assert_true(value(state, "safety", "", "all", "", "procedures") == 4);
    assert_true(value(state, "safety", "", "all", "", "grade@3") == 1);
    assert_true(value(state, "safety", "", "all", "", "grade@2") == 0);
    assert_true(value(state, "safety", "", "all", "", "grade_unknown") == 1);
    assert_true(value(state, "safety", "", "all", "", "major_ae_n") == 3);
    assert_close(value(state, "safety", "", "all", "", "major_ae_rate"), 1.0 / 3, 1e-12);
    /* binom.test(1, 3)'s lower limit solves 1 - (1 - p)^3 = 0.025. */
    assert_close(value(state, "safety", "", "all", "", "major_ae_lower"), 1 - cbrt(0.975), 1e-9);
    assert_true(value(state, "safety", "", "all", "", "mort30_unknown") == 1);
    /* Per patient: 0 survived both, 1 died, 2 unknown. */
    assert_true(value(state, "safety", "", "all", "", "mort30_patient_n") == 2);
    assert_true(value(state, "safety", "", "all", "", "mort30_patient_events") == 1);
    assert_true(value(state, "safety", "", "all", "", "tech_success_events") == 2);
    assert_close(value(state, "safety", "", "all", "", "activity_mean"), 3.0, 1e-12);
    assert_close(value(state, "safety", "", "all", "", "activity_q1"), 2.5, 1e-12);
    assert_true(value(state, "safety", "", "modality", "A", "activity_n") == 1);
    assert_true(value(state, "safety", "", "modality", "B", "patients") == 2);
    /* Fisher on A 1/2 against B 0/1: every table has P 1/3 or 2/3; the observed 2/3 gives 1. */
    assert_true(value(state, "safety", "fisher", "modality", "", "major_ae_rows") == 2);
    assert_close(value(state, "safety", "fisher", "modality", "", "major_ae_p"), 1.0, 1e-12);
}

static void test_audit_windows(void **state)
{
    assert_true(value(state, "audit_safety", "month", "all", "", "start") == 20120601);
    assert_true(value(state, "audit_safety", "month", "all", "", "end") == 20120615);
    assert_true(value(state, "audit_safety", "month", "all", "", "procedures") == 2);
    assert_true(value(state, "audit_safety", "rolling_12m", "all", "", "start") == 20110701);
    assert_true(value(state, "audit_safety", "rolling_12m", "all", "", "procedures") == 3);
    /* 30-day mortality 1/2 > 0.02 prompts a review; its CI reaches 1 - sqrt(0.975) < 0.02: no flag. */
    assert_true(value(state, "audit_safety", "month", "all", "", "mort30_above") == 1);
    assert_close(value(state, "audit_safety", "month", "all", "", "mort30_lower"), 1 - sqrt(0.975), 1e-9);
    assert_true(value(state, "audit_safety", "month", "all", "", "mort30_flag") == 0);
    assert_true(value(state, "audit_safety", "month", "all", "", "tech_success_below") == 1);
    assert_true(value(state, "audit_safety", "month", "all", "", "tech_success_flag") == 0);
    assert_true(value(state, "audit_safety", "month", "all", "", "major_ae_above") == 0);
    /* The modality's own threshold. */
    assert_close(value(state, "audit_safety", "month", "modality", "B", "major_ae_threshold"), 0.5, 1e-15);
    assert_close(value(state, "audit_safety", "month", "modality", "A", "major_ae_threshold"), 0.1, 1e-15);
}

static void test_cusum_lines(void **state)
{
    /* By date: the major AE of 2011-01-10, then two without: w, w + v, w + 2v. */
    double w = log(2.0), v = log(0.90 / 0.95);
    assert_true(value(state, "cusum", "", "all", "", "n") == 3);
    assert_close(value(state, "cusum", "", "all", "", "s_max"), w, 1e-12);
    assert_close(value(state, "cusum", "", "all", "", "s_final"), w + 2 * v, 1e-12);
    assert_true(value(state, "cusum", "", "all", "", "signals") == 0);
    const fixture *f = *state;
    const series *path = series_set_find(f->results->series, "cusum", "", "all", "", "path");
    assert_non_null(path);
    assert_int_equal(path->n, 3);
    assert_int_equal(path->day[0], day_of("2011-01-10"));
    assert_close(path->y[1], w + v, 1e-12);
}

static void test_funnel_and_volume(void **state)
{
    assert_close(value(state, "funnel", "cumulative", "all", "", "rate"), 1.0 / 3, 1e-12);
    assert_true(value(state, "funnel", "cumulative", "all", "", "operators") == 2);
    assert_true(value(state, "funnel", "cumulative", "operator", "X", "n") == 2);
    assert_true(value(state, "funnel", "cumulative", "operator", "Y", "events") == 0);
    assert_true(value(state, "volume", "monthly", "all", "", "procedures@201206") == 2);
    assert_true(value(state, "volume", "monthly", "modality", "B", "procedures@201108") == 1);
    assert_true(value(state, "volume", "monthly", "modality", "A", "procedures@201101") == 1);
    assert_true(value(state, "volume", "monthly", "all", "", "procedures@201012") == 0);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_patients_and_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safety_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cusum_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_funnel_and_volume, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
