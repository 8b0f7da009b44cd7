/* mlogit_fit: hand cases with closed-form MLEs (saturated models), separated data, bad arguments,
 * and R's propensity models of net_sample_155 (modality on age, sex, primary_site, grade, burden,
 * extrahepatic_disease) and veteran (celltype on karno, diagtime, age, prior); the fixtures come from
 * tests/fixtures/make_ps_fixtures.py, the log-likelihoods from the "ps" lines of the reference
 * files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "weight/mlogit.h"

#define MAX_ROWS FIXTURE_MAX_ROWS
#define MAX_COLS FIXTURE_MAX_COLS

typedef struct reference_case {
    const char *fixture;
    size_t k;          /* groups */
    size_t p;          /* design columns, after the group column */
    double loglik;     /* R's */
    double worst;      /* largest relative error of a fitted probability seen */
} reference_case;

/* Fits the fixture's design and compares loglik, every fitted probability and the ATE weight. */
static void reference_case_check(reference_case *rc)
{
    static fixture_table t;
    static int y[MAX_ROWS];
    static double x[MAX_ROWS * MAX_COLS];
    mlogit_result *fit = NULL;
    fixture_read(rc->fixture, &t);
    assert_int_equal(t.n_cols, 1 + rc->p + rc->k + 1);
    for (size_t i = 0; i < t.n; i++) {
        y[i] = (int)t.v[i][0];
        for (size_t j = 0; j < rc->p; j++)
            x[i * rc->p + j] = t.v[i][1 + j];
    }
    assert_int_equal(mlogit_fit(y, rc->k, x, t.n, rc->p, &fit), EMBOLO_OK);
    assert_non_null(fit);
    assert_true(fit->converged);
    assert_false(fit->separated);
    assert_close(fit->loglik, rc->loglik, 1e-10);
    rc->worst = 0.0;
    for (size_t i = 0; i < t.n; i++) {
        for (size_t g = 0; g < rc->k; g++) {
            double want = t.v[i][1 + rc->p + g], got = fit->fitted[i * rc->k + g];
            double rel = fabs(got - want) / want;
            if (rel > rc->worst)
                rc->worst = rel;
            assert_close(got, want, 1e-6);
        }
        assert_close(1.0 / fit->fitted[i * rc->k + (size_t)y[i]], t.v[i][1 + rc->p + rc->k], 1e-6);
    }
    print_message("%s: loglik %.12g, %d iterations, worst fitted rel. error %.3g\n", rc->fixture,
                  fit->loglik, fit->iterations, rc->worst);
    mlogit_result_free(fit);
}

static void test_net_sample_155(void **state)
{
    (void)state;
    reference_case rc = {"tests/fixtures/net_sample_ps_design.csv", 3, 10, -159.708229491, 0.0};
    reference_case_check(&rc);
}

static void test_veteran(void **state)
{
    (void)state;
    reference_case rc = {"tests/fixtures/veteran_ps_design.csv", 4, 5, -176.619671722, 0.0};
    reference_case_check(&rc);
}

/* Two groups, intercept and a binary covariate: the saturated logistic fit reproduces the cell
 * proportions. x = 0: 2 of 5 in group 1; x = 1: 3 of 4 in group 1. Intercept log(2/3), slope
 * log(3) - log(2/3) = log(4.5). */
static void test_two_groups_binary(void **state)
{
    (void)state;
    const int y[] = {0, 0, 0, 1, 1, 0, 1, 1, 1};
    const double x[] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    mlogit_result *fit = NULL;
    assert_int_equal(mlogit_fit(y, 2, x, 9, 2, &fit), EMBOLO_OK);
    assert_true(fit->converged);
    assert_false(fit->separated);
    assert_close(fit->coef[0], log(2.0 / 3.0), 1e-10);
    assert_close(fit->coef[1], log(4.5), 1e-10);
    assert_close(fit->loglik, 2 * log(0.4) + 3 * log(0.6) + 3 * log(0.75) + log(0.25), 1e-12);
    assert_close(fit->fitted[0 * 2 + 1], 0.4, 1e-10);
    assert_close(fit->fitted[8 * 2 + 0], 0.25, 1e-10);
    assert_close(fit->fitted[8 * 2 + 0] + fit->fitted[8 * 2 + 1], 1.0, 1e-14);
    mlogit_result_free(fit);
}

/* Two groups, intercept and a continuous covariate: at the optimum the score equations hold,
 * sum (y - p) = 0 and sum (y - p) x = 0, and the fit is the logistic one (the hand-computed solution
 * of those equations by Newton iterations in long double). */
static void test_two_groups_continuous(void **state)
{
    (void)state;
    enum { N = 12 };
    const int y[N] = {0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1};
    const double age[N] = {-2.0, -1.5, -1.2, -0.7, -0.1, 0.0, 0.4, 0.8, 1.1, 1.6, 2.0, 2.5};
    double x[2 * N];
    long double b0 = 0.0L, b1 = 0.0L;
    mlogit_result *fit = NULL;
    for (size_t i = 0; i < N; i++) {
        x[2 * i] = 1.0;
        x[2 * i + 1] = age[i];
    }
    for (int it = 0; it < 50; it++) {
        long double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
        for (size_t i = 0; i < N; i++) {
            long double pr = 1.0L / (1.0L + expl(-(b0 + b1 * age[i])));
            long double w = pr * (1.0L - pr);
            g0 += y[i] - pr;
            g1 += (y[i] - pr) * age[i];
            h00 += w;
            h01 += w * age[i];
            h11 += w * age[i] * age[i];
        }
        long double det = h00 * h11 - h01 * h01;
        b0 += (h11 * g0 - h01 * g1) / det;
        b1 += (h00 * g1 - h01 * g0) / det;
    }
    assert_int_equal(mlogit_fit(y, 2, x, N, 2, &fit), EMBOLO_OK);
    assert_true(fit->converged);
    assert_false(fit->separated);
    assert_close(fit->coef[0], (double)b0, 1e-10);
    assert_close(fit->coef[1], (double)b1, 1e-10);
    double s0 = 0.0, s1 = 0.0;
    for (size_t i = 0; i < N; i++) {
        s0 += (y[i] == 1) - fit->fitted[2 * i + 1];
        s1 += ((y[i] == 1) - fit->fitted[2 * i + 1]) * age[i];
    }
    assert_true(fabs(s0) < 1e-12 && fabs(s1) < 1e-12);
    mlogit_result_free(fit);
}

/* Four groups, intercept and a binary covariate with every cell filled: fitted probabilities are
 * the cell proportions, coefficients the log odds against group 0. */
static void test_four_groups_saturated(void **state)
{
    (void)state;
    /* counts[level][group] */
    const int counts[2][4] = {{3, 1, 2, 4}, {2, 5, 1, 1}};
    int y[19];
    double x[2 * 19];
    size_t n = 0;
    double loglik = 0.0;
    mlogit_result *fit = NULL;
    for (int level = 0; level < 2; level++)
        for (int g = 0; g < 4; g++)
            for (int c = 0; c < counts[level][g]; c++, n++) {
                y[n] = g;
                x[2 * n] = 1.0;
                x[2 * n + 1] = level;
            }
    assert_int_equal(n, 19);
    assert_int_equal(mlogit_fit(y, 4, x, n, 2, &fit), EMBOLO_OK);
    assert_true(fit->converged);
    assert_false(fit->separated);
    for (size_t i = 0; i < n; i++) {
        int level = (int)x[2 * i + 1];
        int total = counts[level][0] + counts[level][1] + counts[level][2] + counts[level][3];
        for (size_t g = 0; g < 4; g++)
            assert_close(fit->fitted[4 * i + g], (double)counts[level][g] / total, 1e-10);
        loglik += log((double)counts[level][y[i]] / total);
    }
    for (size_t g = 1; g < 4; g++) {
        double base = log((double)counts[0][g] / counts[0][0]);
        double one = log((double)counts[1][g] / counts[1][0]);
        assert_close(fit->coef[(g - 1) * 2], base, 1e-10);
        assert_close(fit->coef[(g - 1) * 2 + 1], one - base, 1e-10);
    }
    assert_close(fit->loglik, loglik, 1e-12);
    mlogit_result_free(fit);
}

/* net_sample_155 cut off at 2012-12-31 (115 patients): no TAE patient has a lung primary, so the
 * TAE coefficient of primary_site lung (design column 5) runs off to minus infinity. */
static void test_net_sample_asof_separated(void **state)
{
    (void)state;
    static fixture_table t;
    static int y[MAX_ROWS];
    static double x[MAX_ROWS * MAX_COLS];
    const size_t p = 10;
    mlogit_result *fit = NULL;
    fixture_read("tests/fixtures/net_sample_ps_design_asof_2012-12-31.csv", &t);
    assert_int_equal(t.n, 115);
    assert_int_equal(t.n_cols, 1 + p);
    for (size_t i = 0; i < t.n; i++) {
        y[i] = (int)t.v[i][0];
        for (size_t j = 0; j < p; j++)
            x[i * p + j] = t.v[i][1 + j];
    }
    assert_int_equal(mlogit_fit(y, 3, x, t.n, p, &fit), EMBOLO_OK);
    assert_true(fit->separated);
    assert_false(fit->converged);
    assert_true(fit->coef[p + 4] < -10.0);
    for (size_t i = 0; i < t.n; i++)
        if (x[i * p + 4] == 1.0)
            assert_true(fit->fitted[i * 3 + 2] < 1e-6);
    mlogit_result_free(fit);
}

/* Three groups; group 2 has nobody at level 1 of the covariate: the MLE does not exist. */
static void test_separated_empty_cell(void **state)
{
    (void)state;
    const int y[] = {0, 0, 1, 1, 2, 2, 2, 0, 0, 1, 1, 1};
    const double x[] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0,
                        1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    mlogit_result *fit = NULL;
    assert_int_equal(mlogit_fit(y, 3, x, 12, 2, &fit), EMBOLO_OK);
    assert_non_null(fit);
    assert_true(fit->separated);
    assert_false(fit->converged);
    assert_true(fit->iterations <= 100);
    assert_true(fit->coef[3] < -10.0);
    assert_true(fit->fitted[11 * 3 + 2] < 1e-6);
    assert_close(fit->loglik, 4 * log(2.0 / 7.0) + 3 * log(3.0 / 7.0) + 2 * log(0.4) + 3 * log(0.6),
                 1e-6);
    mlogit_result_free(fit);
}

/* Two groups split perfectly by a continuous covariate (complete separation). */
static void test_separated_complete(void **state)
{
    (void)state;
    const int y[] = {0, 0, 0, 0, 1, 1, 1, 1};
    const double x[] = {1, 1.0, 1, 2.0, 1, 2.5, 1, 3.0, 1, 4.0, 1, 4.5, 1, 6.0, 1, 7.0};
    mlogit_result *fit = NULL;
    assert_int_equal(mlogit_fit(y, 2, x, 8, 2, &fit), EMBOLO_OK);
    assert_true(fit->separated);
    assert_false(fit->converged);
    assert_true(fit->loglik > -1e-6);
    mlogit_result_free(fit);
}

/* Quasi-complete separation: the groups overlap at one covariate value only. */
static void test_separated_quasi(void **state)
{
    (void)state;
    const int y[] = {0, 0, 0, 1, 0, 1, 1, 1};
    const double x[] = {1, 1.0, 1, 2.0, 1, 3.0, 1, 3.0, 1, 3.0, 1, 3.0, 1, 6.0, 1, 7.0};
    mlogit_result *fit = NULL;
    assert_int_equal(mlogit_fit(y, 2, x, 8, 2, &fit), EMBOLO_OK);
    assert_true(fit->separated);
    assert_false(fit->converged);
    assert_close(fit->loglik, 4 * log(0.5), 1e-6);
    mlogit_result_free(fit);
}

/* A group with no rows at all: its probabilities run to 0. */
static void test_separated_empty_group(void **state)
{
    (void)state;
    const int y[] = {0, 1, 0, 1, 1, 0};
    const double x[] = {1, 1, 1, 1, 1, 1};
    mlogit_result *fit = NULL;
    assert_int_equal(mlogit_fit(y, 3, x, 6, 1, &fit), EMBOLO_OK);
    assert_true(fit->separated);
    assert_false(fit->converged);
    assert_close(fit->fitted[1], 0.5, 1e-6);
    mlogit_result_free(fit);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    const int y[] = {0, 1, 2};
    const double x[] = {1, 1, 1};
    const double nan_x[] = {1, NAN, 1};
    static mlogit_result dummy;
    mlogit_result *fit = &dummy;
    assert_int_equal(mlogit_fit(NULL, 3, x, 3, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(fit);
    assert_int_equal(mlogit_fit(y, 3, NULL, 3, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(mlogit_fit(y, 1, x, 3, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(mlogit_fit(y, 2, x, 3, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(mlogit_fit(y, 3, x, 0, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(mlogit_fit(y, 3, x, 3, 0, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(mlogit_fit(y, 3, nan_x, 3, 1, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(mlogit_fit(y, 3, x, 3, 1, NULL), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(fit);
    mlogit_result_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_sample_155),
        cmocka_unit_test(test_veteran),
        cmocka_unit_test(test_two_groups_binary),
        cmocka_unit_test(test_two_groups_continuous),
        cmocka_unit_test(test_four_groups_saturated),
        cmocka_unit_test(test_net_sample_asof_separated),
        cmocka_unit_test(test_separated_empty_cell),
        cmocka_unit_test(test_separated_complete),
        cmocka_unit_test(test_separated_quasi),
        cmocka_unit_test(test_separated_empty_group),
        cmocka_unit_test(test_bad_arguments),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
