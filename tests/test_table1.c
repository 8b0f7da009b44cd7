/* table1_run: hand cohorts built in memory and the NET sample (155 rows) after ingest and cleaning.
 * Reference values come from the formulas R's code uses (oneway.test / anova(lm), kruskal.test with
 * the ties correction, chisq.test(correct = FALSE), quantile type 7), evaluated in python3 with exact
 * tail formulas: F(2, d2) upper tail (1 + 2F/d2)^(-d2/2), chi-square upper tail on even df
 * exp(-x/2) sum_{i<df/2} (x/2)^i/i!, on 1 df erfc(sqrt(x/2)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "clean/clean.h"
#include "common/dataset.h"
#include "common/results.h"
#include "common/study.h"
#include "ingest/ingest.h"
#include "model/table1.h"
#include "testutil.h"

#define STUDY_HEAD "[study]\ntime_unit = days\n[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
#define TREATMENT "[variable.arm]\ntype = categorical\nlevels = A, B, C\n"

/* A study parsed from text and a dataset of n rows whose variables hold the given columns, in the
 * study's variable order (NAN = missing). */
typedef struct cohort {
    study *s;
    dataset *d;
    results *r;
    char message[256];
} cohort;

static void cohort_build(cohort *c, const char *study_text, size_t n, const double *const *columns)
{
    c->s = test_study_parse(study_text);
    assert_int_equal(dataset_new(c->s, n, &c->d), EMBOLO_OK);
    for (size_t v = 0; v < c->s->n_variables; v++)
        for (size_t i = 0; i < n; i++)
            dataset_set_value(c->d, v, i, columns[v][i]);
    c->d->n = n;
    c->r = results_new();
    assert_non_null(c->r);
}

static embolo_error cohort_run(cohort *c)
{
    return table1_run(c->s, c->d, c->r, c->message, sizeof c->message);
}

static void cohort_free(cohort *c)
{
    results_free(c->r);
    dataset_free(c->d);
    study_free(c->s);
}

static double line(const cohort *c, const char *model, const char *variable, const char *level, const char *stat)
{
    return results_value(c->r, "table1", "", model, variable, level, stat);
}

/* An expected table1 line: NAN expects NA. */
typedef struct expect {
    const char *model, *variable, *level, *stat;
    double value, rtol;
} expect;

static void expect_lines(const results *r, const expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double got = results_value(r, "table1", "", e[i].model, e[i].variable, e[i].level, e[i].stat);
        if (isnan(got) != isnan(e[i].value) || fabs(got - e[i].value) > e[i].rtol * fabs(e[i].value))
            print_error("line %s,%s,%s,%s\n", e[i].model, e[i].variable, e[i].level, e[i].stat);
        assert_close(got, e[i].value, e[i].rtol);
    }
}

/* 1 if some table1 line has these model, variable and stat. */
static int has_line(const cohort *c, const char *model, const char *variable, const char *stat)
{
    for (size_t i = 0; i < c->r->n; i++) {
        const result_row *row = &c->r->rows[i];
        if (!strcmp(row->section, "table1") && !strcmp(row->model, model) && !strcmp(row->variable, variable)
            && !strcmp(row->stat, stat))
            return 1;
    }
    return 0;
}

/* Groups A {1,2,3}, B {2,4,6}, C {5,7,9}; a row with a missing treatment (x = 100, counted only in
 * overall) and a row of B with x missing. */
static void test_numeric_three_groups(void **state)
{
    (void)state;
    static const double arm[] = {0, 0, 0, 1, 1, 1, 2, 2, 2, NAN, 1};
    static const double x[] = {1, 2, 3, 2, 4, 6, 5, 7, 9, 100, NAN};
    const double *columns[] = {arm, x};
    cohort c;
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.x]\ntype = numeric\n"
                 "[treatment]\nvariable = arm\nps_covariates = x\n", 11, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);

    static const expect lines[] = {
        {"overall", "all", "", "n", 11, 0}, {"overall", "all", "", "missing_treatment", 1, 0},
        {"A", "all", "", "n", 3, 0}, {"B", "all", "", "n", 4, 0}, {"C", "all", "", "n", 3, 0},
        {"overall", "x", "", "n", 10, 0}, {"overall", "x", "", "missing", 1, 0},
        {"overall", "x", "", "mean", 13.9, 1e-12}, {"overall", "x", "", "sd", 30.355120380807804, 1e-12},
        {"overall", "x", "", "q1", 2.25, 1e-12}, {"overall", "x", "", "median", 4.5, 1e-12},
        {"overall", "x", "", "q3", 6.75, 1e-12}, {"overall", "x", "", "min", 1, 0},
        {"overall", "x", "", "max", 100, 0},
        {"B", "x", "", "n", 3, 0}, {"B", "x", "", "missing", 1, 0}, {"B", "x", "", "mean", 4, 1e-12},
        {"B", "x", "", "sd", 2, 1e-12}, {"B", "x", "", "q1", 3, 1e-12}, {"B", "x", "", "q3", 5, 1e-12},
        {"C", "x", "", "median", 7, 0}, {"C", "x", "", "max", 9, 0}, {"A", "x", "", "sd", 1, 1e-12},
        {"A", "x", "", "missing", 0, 0},
        /* SSB 38, SSW 18: F = 19/3 on (2, 6) */
        {"", "x", "", "anova_f", 6.333333333333333, 1e-12}, {"", "x", "", "p_anova", 0.033208819241982504, 1e-9},
        /* ranks 1, 2.5, 2.5, 4 .. 9; one pair of ties: correction 1 - 6/720 */
        {"", "x", "", "kruskal_chisq", 5.400560224089634, 1e-12},
        {"", "x", "", "p_kruskal", 0.06718669030247201, 1e-9},
    };
    expect_lines(c.r, lines, sizeof lines / sizeof *lines);
    cohort_free(&c);
}

/* R: chisq.test(matrix(c(10, 20, 30, 40), 2), correct = FALSE): X-squared 0.79365, p 0.373; the
 * empty treatment C and the empty level "maybe" are dropped (df 1). */
static void test_factor_two_by_two(void **state)
{
    (void)state;
    enum { N = 103 };
    static double arm[N], y[N];
    for (size_t i = 0; i < N; i++) {
        arm[i] = i < 30 ? 0 : i < 100 ? 1 : NAN;   /* A 30, B 70, 3 without treatment */
        y[i] = i < 10 ? 0 : i < 30 ? 1 : i < 60 ? 0 : i < 100 ? 1 : 2;
    }
    y[101] = NAN;
    const double *columns[] = {arm, y};
    cohort c;
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.y]\ntype = categorical\nlevels = no, yes, maybe\n"
                 "[treatment]\nvariable = arm\nps_covariates = y\n", N, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);
    static const expect lines[] = {
        {"", "y", "", "chisq", 0.7936507936507936, 1e-12}, {"", "y", "", "p_chisq", 0.37299848361348714, 1e-9},
        {"A", "y", "no", "n", 10, 0}, {"A", "y", "no", "pct", 100.0 / 3.0, 1e-12},
        {"B", "y", "yes", "pct", 100.0 * 40.0 / 70.0, 1e-12}, {"C", "y", "yes", "n", 0, 0},
        {"C", "y", "yes", "pct", NAN, 0}, {"C", "y", "", "missing", 0, 0}, {"overall", "y", "maybe", "n", 2, 0},
        {"overall", "y", "", "missing", 1, 0}, {"overall", "y", "no", "pct", 100.0 * 40.0 / 102.0, 1e-12},
        {"overall", "all", "", "missing_treatment", 3, 0},
    };
    expect_lines(c.r, lines, sizeof lines / sizeof *lines);
    cohort_free(&c);
}

/* A 3 x 3 table (df 4) and a factor with one level in use (df 0: NA). */
static void test_factor_three_by_three(void **state)
{
    (void)state;
    static const int table[3][3] = {{5, 3, 2}, {2, 6, 4}, {1, 2, 7}};   /* [level][arm] */
    enum { N = 32 };
    static double arm[N], g[N], one[N];
    size_t i = 0;
    for (int l = 0; l < 3; l++)
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < table[l][a]; k++, i++) {
                arm[i] = a;
                g[i] = l;
                one[i] = 1;
            }
    assert_int_equal(i, N);
    const double *columns[] = {arm, g, one};
    cohort c;
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.g]\ntype = categorical\nlevels = g1, g2, g3\n"
                 "[variable.one]\ntype = categorical\nlevels = x, y\n"
                 "[treatment]\nvariable = arm\nps_covariates = g\n", N, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);
    assert_close(line(&c, "", "g", "", "chisq"), 8.570629370629371, 1e-12);
    assert_close(line(&c, "", "g", "", "p_chisq"), 0.07277501926290798, 1e-9);
    assert_true(has_line(&c, "", "one", "p_chisq"));
    assert_true(isnan(line(&c, "", "one", "", "chisq")));
    assert_true(isnan(line(&c, "", "one", "", "p_chisq")));
    assert_close(line(&c, "B", "one", "y", "pct"), 100, 1e-12);
    assert_close(line(&c, "B", "one", "x", "pct"), 0, 0);
    assert_false(has_line(&c, "arm", "arm", "n"));
    assert_false(has_line(&c, "overall", "arm", "n"));
    cohort_free(&c);
}

/* Degenerate numeric columns: constant within groups (F infinite, p 0), constant overall (no test),
 * one value in a group (sd NA), an empty group (all NA but n and missing). */
static void test_numeric_degenerate(void **state)
{
    (void)state;
    static const double arm[] = {0, 0, 1, 1, 2};
    static const double split[] = {1, 1, 2, 2, NAN};
    static const double flat[] = {5, 5, 5, 5, 5};
    const double *columns[] = {arm, split, flat};
    cohort c;
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.split]\ntype = numeric\n[variable.flat]\ntype = numeric\n"
                 "[treatment]\nvariable = arm\nps_covariates = split\n", 5, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);
    assert_true(isinf(line(&c, "", "split", "", "anova_f")));
    assert_true(has_line(&c, "C", "split", "sd"));
    static const expect lines[] = {
        {"", "split", "", "p_anova", 0, 0},
        /* ranks 1.5, 1.5, 3.5, 3.5: H = 2.4 / (1 - 12/60) = 3 on 1 df */
        {"", "split", "", "kruskal_chisq", 3, 1e-12}, {"", "split", "", "p_kruskal", 0.08326451666355043, 1e-9},
        {"C", "split", "", "n", 0, 0}, {"C", "split", "", "missing", 1, 0}, {"C", "split", "", "mean", NAN, 0},
        {"C", "split", "", "median", NAN, 0}, {"C", "split", "", "min", NAN, 0}, {"C", "flat", "", "sd", NAN, 0},
        {"C", "flat", "", "q3", 5, 0}, {"", "flat", "", "anova_f", NAN, 0}, {"", "flat", "", "p_anova", NAN, 0},
        {"", "flat", "", "kruskal_chisq", NAN, 0}, {"", "flat", "", "p_kruskal", NAN, 0},
        {"overall", "flat", "", "sd", 0, 0},
    };
    expect_lines(c.r, lines, sizeof lines / sizeof *lines);
    cohort_free(&c);
}

/* Without [treatment]: the overall column only, no missing_treatment, no tests. With a treatment
 * of one non-empty group: the columns but no tests. */
static void test_without_tests(void **state)
{
    (void)state;
    static const double arm[] = {1, 1, 1, 1};
    static const double x[] = {4, 1, 3, 2};
    const double *columns[] = {arm, x};
    cohort c;
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.x]\ntype = numeric\n", 4, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);
    assert_close(line(&c, "overall", "all", "", "n"), 4, 0);
    assert_close(line(&c, "overall", "x", "", "median"), 2.5, 0);
    assert_close(line(&c, "overall", "arm", "B", "n"), 4, 0);   /* arm is an ordinary variable here */
    assert_false(has_line(&c, "overall", "all", "missing_treatment"));
    assert_false(has_line(&c, "A", "all", "n"));
    assert_false(has_line(&c, "", "x", "p_anova"));
    cohort_free(&c);

    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.x]\ntype = numeric\n"
                 "[treatment]\nvariable = arm\nps_covariates = x\n", 4, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);
    assert_close(line(&c, "A", "all", "", "n"), 0, 0);
    assert_close(line(&c, "B", "x", "", "mean"), 2.5, 0);
    assert_false(has_line(&c, "", "x", "p_anova"));
    assert_false(has_line(&c, "", "x", "p_kruskal"));
    cohort_free(&c);
}

/* The stats of each column come in the documented order and nothing else is written. */
static void test_line_layout(void **state)
{
    (void)state;
    static const double arm[] = {0, 1, 0, 1};
    static const double x[] = {0, 0, 1, 1};   /* level indexes of the cut at 2 */
    static const double y[] = {0, 1, NAN, 1};
    const double *columns[] = {arm, x, y};
    cohort c;
    cohort_build(&c, STUDY_HEAD "[variable.arm]\ntype = categorical\nlevels = A, B\n"
                 "[variable.x]\ntype = numeric\ncut = 2\n[variable.y]\ntype = numeric\n"
                 "[treatment]\nvariable = arm\nps_covariates = x\n", 4, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_OK);
    /* 4 count lines; x (a cut factor): 3 columns x (2 levels x 2 + missing) + 2 tests;
     * y (numeric): 3 columns x 9 + 4 tests */
    assert_int_equal(c.r->n, 4 + 3 * 5 + 2 + 3 * 9 + 4);
    assert_string_equal(c.r->rows[0].model, "overall");
    assert_string_equal(c.r->rows[1].stat, "missing_treatment");
    assert_string_equal(c.r->rows[2].model, "A");
    assert_string_equal(c.r->rows[3].model, "B");
    assert_string_equal(c.r->rows[4].variable, "x");
    assert_string_equal(c.r->rows[4].level, "<=2");
    assert_close(line(&c, "A", "x", ">2", "n"), 1, 0);
    static const char *const numeric_stats[] = {"mean", "sd", "median", "q1", "q3", "min", "max", "n", "missing"};
    size_t y_first = 4 + 3 * 5 + 2;
    for (size_t i = 0; i < 9; i++) {
        assert_string_equal(c.r->rows[y_first + i].stat, numeric_stats[i]);
        assert_string_equal(c.r->rows[y_first + i].section, "table1");
        assert_string_equal(c.r->rows[y_first + i].endpoint, "");
    }
    assert_string_equal(c.r->rows[c.r->n - 1].stat, "p_kruskal");
    cohort_free(&c);
}

static void test_bad_level_index(void **state)
{
    (void)state;
    static const double arm[] = {0, 1, 3};
    static const double x[] = {1, 2, 3};
    const double *columns[] = {arm, x};
    cohort c;
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.x]\ntype = numeric\n"
                 "[treatment]\nvariable = arm\nps_covariates = x\n", 3, columns);
    assert_int_equal(cohort_run(&c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_non_null(strstr(c.message, "'arm' row 3"));
    cohort_free(&c);

    static const double arm2[] = {0, 1, 1};
    static const double g[] = {0, 2, 1};
    const double *columns2[] = {arm2, g};
    cohort_build(&c, STUDY_HEAD TREATMENT "[variable.g]\ntype = categorical\nlevels = p, q\n"
                 "[treatment]\nvariable = arm\nps_covariates = g\n", 3, columns2);
    assert_int_equal(cohort_run(&c), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_non_null(strstr(c.message, "'g' row 2"));
    cohort_free(&c);
}

/* The NET sample after ingest and cleaning (155 rows, treatment modality TACE/TARE/TAE); the
 * references are computed from the CSV in python3 (see the top of this file). */
static void test_net_sample_155(void **state)
{
    (void)state;
    char message[512];
    study *s = NULL;
    clean_columns *columns = NULL;
    ingest_table *table = NULL;
    dataset *d = NULL;
    exclusion_log *log = NULL;
    results *r = results_new();
    assert_non_null(r);
    assert_int_equal(study_read("tests/fixtures/data/net_sample_155.study.ini", &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(clean_columns_new(s, &columns), EMBOLO_OK);
    assert_int_equal(ingest_read("tests/fixtures/data/net_sample_155.csv", columns->names, columns->n, &table,
                                 message, sizeof message), EMBOLO_OK);
    assert_int_equal(clean_run(s, columns, table, NULL, &d, &log, message, sizeof message), EMBOLO_OK);
    assert_int_equal(d->n, 155);
    assert_int_equal(table1_run(s, d, r, message, sizeof message), EMBOLO_OK);

    double total = 0.0;
    static const char *const arms[] = {"TACE", "TARE", "TAE"};
    static const double arm_n[] = {50, 64, 41};
    for (size_t a = 0; a < 3; a++) {
        assert_close(results_value(r, "table1", "", arms[a], "all", "", "n"), arm_n[a], 0);
        total += results_value(r, "table1", "", arms[a], "all", "", "n");
    }
    assert_close(results_value(r, "table1", "", "overall", "all", "", "n"), total, 0);
    assert_close(results_value(r, "table1", "", "overall", "all", "", "missing_treatment"), 0, 0);

    static const expect lines[] = {
        {"overall", "age", "", "mean", 58.567741935483873, 1e-12}, {"overall", "age", "", "sd", 11.766681639956404, 1e-12},
        {"overall", "age", "", "q1", 50.5, 0}, {"overall", "age", "", "q3", 66.5, 0},
        {"TACE", "age", "", "sd", 11.268902487168221, 1e-12}, {"TACE", "age", "", "median", 59.5, 0},
        {"TACE", "age", "", "q3", 63.75, 0}, {"TARE", "age", "", "mean", 58.78125, 1e-12},
        {"TARE", "age", "", "q3", 67.25, 0}, {"TAE", "age", "", "median", 62, 0}, {"TAE", "age", "", "max", 87, 0},
        {"", "age", "", "anova_f", 0.32372665725197863, 1e-10}, {"", "age", "", "p_anova", 0.72394551704004118, 1e-9},
        {"", "age", "", "kruskal_chisq", 0.58062744819026113, 1e-10},
        {"", "age", "", "p_kruskal", 0.74802885608715763, 1e-9},
        {"", "sex", "", "chisq", 1.0145786193864226, 1e-10}, {"", "sex", "", "p_chisq", 0.60212554452509015, 1e-9},
        {"", "grade", "", "chisq", 5.6235701219512197, 1e-10}, {"", "grade", "", "p_chisq", 0.22907920505698612, 1e-9},
        {"", "primary_site", "", "chisq", 5.3274895190277238, 1e-10},
        {"", "primary_site", "", "p_chisq", 0.50254705272318345, 1e-9},
        {"", "burden", "", "chisq", 2.1310975609756095, 1e-10}, {"", "burden", "", "p_chisq", 0.34453872674655134, 1e-9},
        {"TARE", "burden", ">50", "n", 16, 0}, {"TARE", "grade", "G3", "n", 10, 0},
        {"TAE", "grade", "G3", "pct", 200.0 / 41.0, 1e-12},
    };
    expect_lines(r, lines, sizeof lines / sizeof *lines);

    /* Per factor and column: level counts plus missing add up to the column's n, and pct to 100. */
    static const char *const columns_of_table[] = {"overall", "TACE", "TARE", "TAE"};
    for (size_t v = 0; v < s->n_variables; v++) {
        const study_variable *var = &s->variables[v];
        if ((int)v == s->treatment || !study_variable_is_factor(var))
            continue;
        for (size_t k = 0; k < 4; k++) {
            const char *model = columns_of_table[k];
            double n = results_value(r, "table1", "", model, var->name, "", "missing"), pct = 0.0;
            for (size_t l = 0; l < var->n_levels; l++) {
                n += results_value(r, "table1", "", model, var->name, var->levels[l], "n");
                pct += results_value(r, "table1", "", model, var->name, var->levels[l], "pct");
            }
            assert_close(n, results_value(r, "table1", "", model, "all", "", "n"), 0);
            assert_close(pct, 100, 1e-12);
        }
    }
    results_free(r);
    exclusion_log_free(log);
    dataset_free(d);
    ingest_table_free(table);
    clean_columns_free(columns);
    study_free(s);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_three_groups),
        cmocka_unit_test(test_factor_two_by_two),
        cmocka_unit_test(test_factor_three_by_three),
        cmocka_unit_test(test_numeric_degenerate),
        cmocka_unit_test(test_without_tests),
        cmocka_unit_test(test_line_layout),
        cmocka_unit_test(test_bad_level_index),
        cmocka_unit_test(test_net_sample_155),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
