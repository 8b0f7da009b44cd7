/* cox_fit: R's coxph results (survival 3.5-3) for veteran (univariate, multivariable Efron and
 * Breslow, propensity-weighted with robust variance) and lung (complete cases, ties), hand-computed
 * small cases, the warnings (monotone, singular, not converged, no events), and the score residuals
 * behind the robust variance against a direct transcription of R's quadratic coxscore2 loop, and the
 * sparse row walks bit for bit against the full-row walk (cox_bits_fixture.h). The fixtures come from
 * tests/fixtures/make_cox_fixtures.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "cox_bits_fixture.h"
#include "model/cox.h"

#define MAX_ROWS 400
#define MAX_COLS 12
#define MAX_COEF 8
#define RTOL 1e-6
#define RTOL_WEIGHTED 1e-5

/* One R model: which fixture columns, ties, weights, and R's numbers (NAN where R has none). */
typedef struct model_case {
    const char *name;
    const char *fixture;
    size_t n_coef;
    size_t column[MAX_COEF];
    cox_ties ties;
    int weighted;
    size_t n;
    size_t events;
    double coef[MAX_COEF];
    double se[MAX_COEF];       /* robust when weighted */
    double naive_se[MAX_COEF]; /* weighted only */
    double loglik_null;
    double loglik;
    double score_chisq;        /* unweighted: score test; weighted: robust score test */
    double wald_chisq;
    size_t block_first;        /* factor block for wald_global, count 0 if none */
    size_t block_count;
    double wald_global;
} model_case;

static double worst_error;

static void check_close(double got, double want, double rtol)
{
    double err = fabs(got - want) / fabs(want);
    if (err > worst_error)
        worst_error = err;
    assert_close(got, want, rtol);
}

static void model_case_check(const model_case *m)
{
    static survival_fixture t;
    static double time[MAX_ROWS], weight[MAX_ROWS], x[MAX_ROWS * MAX_COEF];
    static int status[MAX_ROWS];
    size_t n = 0, p = m->n_coef;
    double rtol = m->weighted ? RTOL_WEIGHTED : RTOL;
    survival_fixture_read(m->fixture, 1, &t);
    for (size_t i = 0; i < t.n; i++) {
        int complete = 1;
        for (size_t j = 0; j < p; j++) {
            x[n * p + j] = t.x[i][m->column[j]];
            complete &= !isnan(x[n * p + j]);
        }
        if (!complete)
            continue;
        time[n] = t.time[i];
        status[n] = t.status[i];
        weight[n++] = t.weight[i];
    }
    assert_int_equal(n, m->n);
    cox_options o = cox_options_default();
    o.ties = m->ties;
    o.robust = m->weighted;
    cox_result *fit = NULL;
    const double *w = m->weighted ? weight : NULL;
    assert_int_equal(cox_fit(time, status, w, x, n, p, &o, &fit), EMBOLO_OK);
    assert_non_null(fit);
    print_message("%s: %d iterations\n", m->name, fit->iterations);
    assert_int_equal(fit->n, m->n);
    assert_int_equal(fit->events, m->events);
    assert_int_equal(fit->warnings, COX_WARN_NONE);
    for (size_t j = 0; j < p; j++) {
        check_close(fit->coef[j], m->coef[j], rtol);
        const double *v = m->weighted ? fit->robust_var : fit->var;
        check_close(sqrt(v[j * p + j]), m->se[j], rtol);
        if (m->weighted)
            check_close(sqrt(fit->var[j * p + j]), m->naive_se[j], rtol);
    }
    check_close(fit->loglik_null, m->loglik_null, rtol);
    check_close(fit->loglik, m->loglik, rtol);
    check_close(m->weighted ? fit->robust_score_chisq : fit->score_chisq, m->score_chisq, rtol);
    check_close(fit->wald_chisq, m->wald_chisq, rtol);
    if (m->block_count > 0)
        check_close(cox_wald_block(fit, m->block_first, m->block_count), m->wald_global, rtol);
    cox_result_free(fit);
}

#define VETERAN "tests/fixtures/cox_veteran.csv"
#define LUNG "tests/fixtures/cox_lung.csv"

/* veteran columns: trt_test 0, smallcell 1, adeno 2, large 3, karno 4, diagtime 5, age 6, prior 7;
 * lung: age 0, sex_female 1, ph_ecog_1..3 2-4, ph_karno 5, wt_loss 6. Values from
 * veteran.expected.csv and lung.expected.csv of the reference data. */
static const model_case model_cases[] = {
    {"veteran univariate:karno", VETERAN, 1, {4}, COX_TIES_EFRON, 0, 137, 128,
     {-0.0334237459101}, {0.00507483899944}, {0}, -505.449054918, -484.433452703,
     45.3190672154, 43.3776184939, 0, 0, 0},
    {"veteran univariate:celltype", VETERAN, 3, {1, 2, 3}, COX_TIES_EFRON, 0, 137, 128,
     {1.00125318279, 1.14771303662, 0.230145516733},
     {0.253507435622, 0.292880510039, 0.277293036984}, {0}, -505.449054918, -493.024732241,
     25.509734539, 24.0941365964, 0, 3, 24.0941365964},
    {"veteran univariate:trt", VETERAN, 1, {0}, COX_TIES_EFRON, 0, 137, 128, {0.0177425695187},
     {0.180661012288}, {0}, -505.449054918, -505.444233229, 0.00964528282458,
     0.00964504264921, 0, 0, 0},
    {"veteran multivariable", VETERAN, 8, {0, 1, 2, 3, 4, 5, 6, 7}, COX_TIES_EFRON, 0, 137, 128,
     {0.294602821508, 0.861560462755, 1.19606637418, 0.401291654331, -0.0328153261943,
      8.13205130462e-05, -0.00870647494579, 0.0715936018951},
     {0.207549603604, 0.275284474023, 0.300916994493, 0.282688638281, 0.00550775688646,
      0.00913606224777, 0.00930029912031, 0.232305384067},
     {0}, -505.449054918, -474.397111715, 66.7374711421, 62.3672685819, 1, 3, 18.1444009335},
    {"veteran multivariable_breslow", VETERAN, 8, {0, 1, 2, 3, 4, 5, 6, 7}, COX_TIES_BRESLOW, 0,
     137, 128,
     {0.289935878795, 0.856486653615, 1.18829931326, 0.399627778811, -0.0326217185194,
      -9.20017173175e-05, -0.00854942360712, 0.0723265367473},
     {0.207210136945, 0.275190351042, 0.300762555804, 0.282662550075, 0.00550524023198,
      0.00912510518847, 0.0093041577746, 0.232132508715},
     {0}, -505.883956283, -475.179398848, 65.9172986024, 61.6472932135, 1, 3, 17.9163866557},
    {"veteran weighted_univariate", VETERAN, 3, {1, 2, 3}, COX_TIES_EFRON, 1, 137, 128,
     {0.920320397359, 1.14069114157, 0.285447987204},
     {0.293589000421, 0.290528543929, 0.272731192659},
     {0.135838879091, 0.140587852591, 0.13192155516}, -2693.68431001, -2650.17459033,
     23.4301419745, 19.632741034, 0, 3, 19.632741034},
    {"veteran weighted_multivariable", VETERAN, 8, {0, 1, 2, 3, 4, 5, 6, 7}, COX_TIES_EFRON, 1,
     137, 128,
     {0.244545279089, 0.95150429147, 1.26914082336, 0.472489025735, -0.0359740189318,
      -0.00540826601929, -0.0077051334913, 0.126980118721},
     {0.201123719288, 0.341586219866, 0.306642707689, 0.274428011592, 0.00526877712401,
      0.00946238978349, 0.00965097548025, 0.225666435255},
     {0.103499813892, 0.14281916165, 0.14318664303, 0.134669545277, 0.00271520118988,
      0.0059926484027, 0.00455618975785, 0.117122761668},
     -2693.68431001, -2560.44752297, 50.9343666818, 66.1697376426, 1, 3, 19.4572794836},
    {"lung multivariable", LUNG, 6, {0, 1, 2, 3, 4, 6}, COX_TIES_EFRON, 0, 213, 151,
     {0.0131043709953, -0.582551308902, 0.459666139786, 1.00466777529, 2.16174762075,
      -0.00909307742368},
     {0.00967375803904, 0.175940059329, 0.20827046204, 0.252838375294, 1.03818985487,
      0.0067032444486},
     {0}, -675.024373318, -659.307413334, 33.9655540825, 31.5604417706, 2, 3, 18.0258586688},
    {"lung multivariable_breslow", LUNG, 6, {0, 1, 2, 3, 4, 6}, COX_TIES_BRESLOW, 0, 213, 151,
     {0.013076697954, -0.581834697214, 0.459078553829, 1.00242786571, 2.16217482371,
      -0.00905911493582},
     {0.00967347427082, 0.175947536097, 0.208274372531, 0.25283850161, 1.03819185764,
      0.00670230585683},
     {0}, -675.212679468, -659.54670133, 33.8616635262, 31.4631283152, 2, 3, 17.9586188911},
};

static void test_r_reference(void **state)
{
    (void)state;
    worst_error = 0.0;
    for (size_t k = 0; k < sizeof model_cases / sizeof model_cases[0]; k++)
        model_case_check(&model_cases[k]);
    print_message("worst relative error against R: %.3g\n", worst_error);
}

/* The likelihood-ratio statistic R reports is 2 (loglik - loglik_null). */
static void test_r_reference_lr(void **state)
{
    (void)state;
    static survival_fixture t;
    static double x[MAX_ROWS];
    survival_fixture_read(VETERAN, 1, &t);
    for (size_t i = 0; i < t.n; i++)
        x[i] = t.x[i][4];
    cox_result *fit = NULL;
    assert_int_equal(cox_fit(t.time, t.status, NULL, x, t.n, 1, NULL, &fit), EMBOLO_OK);
    assert_close(2.0 * (fit->loglik - fit->loglik_null), 42.0312044292, RTOL);
    cox_result_free(fit);
}

static cox_result *fit_small(const double *time, const int *status, const double *weight,
                             const double *x, size_t n, size_t p, cox_ties ties, int robust)
{
    cox_options o = cox_options_default();
    o.ties = ties;
    o.robust = robust;
    cox_result *fit = NULL;
    assert_int_equal(cox_fit(time, status, weight, x, n, p, &o, &fit), EMBOLO_OK);
    assert_non_null(fit);
    return fit;
}

/* Deaths at 1 (x = 1) and 2 (x = 0), censored at 3 (x = 1); with t = exp(b):
 * L = t / (2t + 1) * 1 / (1 + t), maximal at t = 1/sqrt(2); information
 * 2t / (2t + 1)^2 + t / (1 + t)^2; at b = 0 score -1/6, information 17/36. */
static void test_hand_three_rows(void **state)
{
    (void)state;
    double time[] = {1, 2, 3}, x[] = {1, 0, 1};
    int status[] = {1, 1, 0};
    cox_result *fit = fit_small(time, status, NULL, x, 3, 1, COX_TIES_EFRON, 0);
    double t = 1.0 / sqrt(2.0);
    double info = 2.0 * t / ((2.0 * t + 1.0) * (2.0 * t + 1.0)) + t / ((1.0 + t) * (1.0 + t));
    assert_int_equal(fit->events, 2);
    assert_int_equal(fit->warnings, COX_WARN_NONE);
    assert_close(fit->coef[0], log(t), 1e-9);
    assert_close(fit->var[0], 1.0 / info, 1e-8);
    assert_close(fit->loglik_null, -log(6.0), 1e-14);
    assert_close(fit->loglik, log(t) - log(2.0 * t + 1.0) - log(1.0 + t), 1e-12);
    assert_close(fit->score_chisq, 1.0 / 17.0, 1e-14);
    assert_close(fit->wald_chisq, log(t) * log(t) * info, 1e-8);
    cox_result_free(fit);
}

/* Two deaths tied at 1 (x = 1 and 0) and one at 2 (x = 0). Breslow: b - 2 log(t + 2), maximal at
 * t = 2; Efron: b - log(t + 2) - log((t + 3) / 2), maximal at t = sqrt(6). */
static void test_hand_tie_breslow_efron(void **state)
{
    (void)state;
    double time[] = {1, 1, 2}, x[] = {1, 0, 0};
    int status[] = {1, 1, 1};
    cox_result *breslow = fit_small(time, status, NULL, x, 3, 1, COX_TIES_BRESLOW, 0);
    cox_result *efron = fit_small(time, status, NULL, x, 3, 1, COX_TIES_EFRON, 0);
    double s6 = sqrt(6.0);
    assert_close(breslow->loglik_null, -2.0 * log(3.0), 1e-14);
    assert_close(breslow->coef[0], log(2.0), 1e-9);
    assert_close(breslow->loglik, -3.0 * log(2.0), 1e-12);
    assert_close(breslow->var[0], 1.0 / (2.0 * 2.0 * 2.0 / 16.0), 1e-8);
    assert_close(efron->loglik_null, -log(3.0) - log(2.0), 1e-14);
    assert_close(efron->coef[0], 0.5 * log(6.0), 1e-9);
    assert_close(efron->loglik, 0.5 * log(6.0) - log(s6 + 2.0) - log((s6 + 3.0) / 2.0), 1e-12);
    double info = 2.0 * s6 / ((s6 + 2.0) * (s6 + 2.0)) + 3.0 * s6 / ((s6 + 3.0) * (s6 + 3.0));
    assert_close(efron->var[0], 1.0 / info, 1e-8);
    cox_result_free(breslow);
    cox_result_free(efron);
}

/* Deaths at 1 (x = 0) and 2 (x = 1): L = 1 / (1 + exp(b)) rises as b falls without bound. At b = 0
 * the score is -1/2 and the information 1/4: score test 1. */
static void test_monotone(void **state)
{
    (void)state;
    double time[] = {1, 2}, x[] = {0, 1};
    int status[] = {1, 1};
    cox_result *fit = fit_small(time, status, NULL, x, 2, 1, COX_TIES_EFRON, 1);
    assert_true(fit->warnings & COX_WARN_MONOTONE);
    assert_int_equal(fit->infinite_coef, 0);
    assert_true(fit->coef[0] < -5.0);
    assert_close(fit->loglik_null, -log(2.0), 1e-14);
    assert_close(fit->score_chisq, 1.0, 1e-14);
    assert_true(fit->loglik > -1e-3 && fit->loglik <= 0.0);
    cox_result_free(fit);
}

/* A larger monotone case next to an ordinary covariate: x1 = 1 exactly for the deaths before time
 * 20, so that each death before it has the largest x1 of its risk set and none after it differs. */
static void test_monotone_with_other(void **state)
{
    (void)state;
    double time[40], x[80];
    int status[40];
    for (size_t i = 0; i < 40; i++) {
        time[i] = (double)(i + 1);
        status[i] = i % 3 != 2;
        x[2 * i] = (double)((i * 7) % 5);
        x[2 * i + 1] = i < 20 && status[i] ? 1.0 : 0.0;
    }
    cox_result *fit = fit_small(time, status, NULL, x, 40, 2, COX_TIES_EFRON, 0);
    assert_true(fit->warnings & COX_WARN_MONOTONE);
    assert_int_equal(fit->infinite_coef, 1);
    assert_true(fit->coef[1] > 5.0);
    assert_true(isfinite(fit->coef[0]));
    cox_result_free(fit);
}

/* Two coefficients run off at once; R says "Loglik converged before variable 2,3": both are flagged,
 * the other is not. Then two columns that copy others: both are dropped (R's NA), not only the first. */
static void test_every_flagged_coefficient(void **state)
{
    (void)state;
    double time[40], x[160];
    int status[40];
    for (size_t i = 0; i < 40; i++) {
        time[i] = (double)(i + 1);
        status[i] = i % 3 != 2;
        x[3 * i] = (double)((i * 7) % 5);
        x[3 * i + 1] = i < 20 && status[i] ? 1.0 : 0.0;
        x[3 * i + 2] = i >= 20 && i < 30 && status[i] ? 1.0 : 0.0;
    }
    cox_result *fit = fit_small(time, status, NULL, x, 40, 3, COX_TIES_EFRON, 0);
    assert_true(fit->warnings & COX_WARN_MONOTONE);
    assert_int_equal(fit->infinite[0], 0);
    assert_int_equal(fit->infinite[1], 1);
    assert_int_equal(fit->infinite[2], 1);
    cox_result_free(fit);
    for (size_t i = 0; i < 40; i++) {
        double x0 = (double)((i * 7) % 5), x1 = i < 20 && status[i] ? 1.0 : 0.0;
        double row[4] = {x0, 2.0 * x0, x1, x1};
        memcpy(x + 4 * i, row, sizeof row);
    }
    fit = fit_small(time, status, NULL, x, 40, 4, COX_TIES_EFRON, 0);
    assert_true(fit->warnings & COX_WARN_SINGULAR);
    static const unsigned char dropped[] = {0, 1, 0, 1};
    for (size_t j = 0; j < 4; j++) {
        assert_int_equal(fit->singular[j], dropped[j]);
        assert_int_equal(cox_coef_singular(fit, j), dropped[j]);
    }
    assert_int_equal(fit->singular_coef, 1);
    assert_true(isnan(fit->var[3 * 4 + 3]));
    cox_result_free(fit);
}

static void test_no_events(void **state)
{
    (void)state;
    double time[] = {1, 2, 3}, x[] = {1, 0, 2};
    int status[] = {0, 0, 0};
    cox_result *fit = fit_small(time, status, NULL, x, 3, 1, COX_TIES_EFRON, 1);
    assert_int_equal(fit->events, 0);
    assert_true(fit->warnings & COX_WARN_SINGULAR);
    assert_int_equal(fit->singular_coef, 0);
    assert_true(fit->coef[0] == 0.0);
    assert_true(isnan(fit->var[0]));
    assert_true(isnan(fit->robust_var[0]));
    assert_true(fit->loglik == 0.0 && fit->loglik_null == 0.0);
    assert_true(fit->score_chisq == 0.0);
    assert_true(isnan(cox_wald_block(fit, 0, 1)));
    cox_result_free(fit);
}

static void test_one_row(void **state)
{
    (void)state;
    double time[] = {5}, x[] = {3, 1};
    int status[] = {1};
    cox_result *fit = fit_small(time, status, NULL, x, 1, 2, COX_TIES_BRESLOW, 1);
    assert_int_equal(fit->n, 1);
    assert_int_equal(fit->events, 1);
    assert_true(fit->warnings & COX_WARN_SINGULAR);
    assert_true(fit->loglik == 0.0);
    cox_result_free(fit);
}

/* Collinear covariates: the constant column and the copy are dropped as R drops them (NA), the
 * remaining one gets its univariate fit. */
static void test_collinear(void **state)
{
    (void)state;
    double time[] = {1, 2, 3, 4, 5, 6}, x1[] = {1, 0, 1, 3, 0, 2}, x3[18];
    int status[] = {1, 1, 0, 1, 1, 0};
    for (size_t i = 0; i < 6; i++) {
        x3[3 * i] = 7.5;
        x3[3 * i + 1] = x1[i];
        x3[3 * i + 2] = x1[i];
    }
    cox_result *one = fit_small(time, status, NULL, x1, 6, 1, COX_TIES_EFRON, 1);
    cox_result *three = fit_small(time, status, NULL, x3, 6, 3, COX_TIES_EFRON, 1);
    assert_int_equal(one->warnings, COX_WARN_NONE);
    assert_true(three->warnings & COX_WARN_SINGULAR);
    assert_int_equal(three->singular_coef, 0);
    assert_true(three->coef[0] == 0.0 && three->coef[2] == 0.0);
    assert_close(three->coef[1], one->coef[0], 1e-10);
    assert_close(three->var[4], one->var[0], 1e-8);
    assert_close(three->robust_var[4], one->robust_var[0], 1e-8);
    assert_true(isnan(three->var[2 * 3 + 2]) && isnan(three->var[1 * 3 + 2]));
    assert_true(isnan(three->robust_var[0]));
    assert_close(three->loglik, one->loglik, 1e-12);
    assert_close(three->score_chisq, one->score_chisq, 1e-8);
    assert_close(three->wald_chisq, one->wald_chisq, 1e-8);
    assert_close(three->robust_score_chisq, one->robust_score_chisq, 1e-8);
    assert_close(cox_wald_block(three, 1, 1), one->wald_chisq, 1e-8);
    assert_true(isnan(cox_wald_block(three, 1, 2)));
    cox_result_free(one);
    cox_result_free(three);
}

static void test_not_converged(void **state)
{
    (void)state;
    double time[] = {1, 2, 3, 4, 5, 6}, x[] = {1, 0, 1, 3, 0, 2};
    int status[] = {1, 1, 0, 1, 1, 0};
    cox_options o = cox_options_default();
    o.max_iter = 1;
    cox_result *fit = NULL;
    assert_int_equal(cox_fit(time, status, NULL, x, 6, 1, &o, &fit), EMBOLO_OK);
    assert_true(fit->warnings & COX_WARN_NOT_CONVERGED);
    assert_int_equal(fit->infinite_coef, -1);
    cox_result_free(fit);
}

static void test_null_model(void **state)
{
    (void)state;
    double time[] = {1, 1, 2};
    int status[] = {1, 1, 1};
    cox_result *fit = fit_small(time, status, NULL, NULL, 3, 0, COX_TIES_EFRON, 1);
    assert_close(fit->loglik_null, -log(3.0) - log(2.0), 1e-14);
    assert_close(fit->loglik, fit->loglik_null, 1e-14);
    assert_int_equal(fit->warnings, COX_WARN_NONE);
    cox_result_free(fit);
}

static void test_invalid_input(void **state)
{
    (void)state;
    double time[] = {2, 1}, x[] = {0, 1}, bad_weight[] = {1, 0};
    double sorted[] = {1, 2};
    int status[] = {1, 1}, bad_status[] = {1, 2};
    cox_result *fit = NULL;
    assert_int_equal(cox_fit(time, status, NULL, x, 2, 1, NULL, &fit),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(fit);
    assert_int_equal(cox_fit(sorted, bad_status, NULL, x, 2, 1, NULL, &fit),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(cox_fit(sorted, status, bad_weight, x, 2, 1, NULL, &fit),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(cox_fit(sorted, status, NULL, x, 0, 1, NULL, &fit), EMBOLO_ERROR_DATA);
    assert_int_equal(cox_fit(sorted, status, NULL, x, 2, 1, NULL, NULL),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    cox_result_free(NULL);
    assert_true(isnan(cox_wald_block(NULL, 0, 1)));
}

/* A value that is not finite is refused wherever it sits: in a pair of columns or the odd last one,
 * in the first row or the last (the design is checked two values at a time). */
static void test_not_finite_anywhere(void **state)
{
    (void)state;
    enum { N = 5, P = 3 };
    double time[N] = {1, 2, 3, 4, 5};
    int status[N] = {1, 0, 1, 1, 0};
    double x[N * P] = {0, 1, 2.5, 1, 0, 3.5, 0, 0, 1.5, 1, 1, 4.5, 0, 1, 0.5};
    const double bad[] = {NAN, INFINITY, -INFINITY};
    cox_result *fit = NULL;
    assert_int_equal(cox_fit(time, status, NULL, x, N, P, NULL, &fit), EMBOLO_OK);
    cox_result_free(fit);
    for (size_t at = 0; at < N * P; at++) {
        double kept = x[at];
        x[at] = bad[at % 3];
        fit = NULL;
        assert_int_equal(cox_fit(time, status, NULL, x, N, P, NULL, &fit), EMBOLO_ERROR_INVALID_ARGUMENT);
        assert_null(fit);
        x[at] = kept;
    }
}

/* R's coxscore2 as written (quadratic): unweighted score residuals at the risk scores exp(lp). */
static void score_residuals_direct(const double *time, const int *status, const double *w,
                                   const double *x, const double *lp, size_t n, size_t p,
                                   int efron, double *resid)
{
    memset(resid, 0, n * p * sizeof *resid);
    for (size_t i = 0; i < n; i++) {
        int first = status[i];
        for (size_t k = i; k > 0 && time[k - 1] == time[i] && first; k--)
            first = !status[k - 1];
        if (!first)
            continue;
        double denom = 0.0, e_denom = 0.0, wsum = 0.0, d = 0.0;
        double a[MAX_COEF] = {0}, a2[MAX_COEF] = {0};
        for (size_t k = 0; k < n; k++) {
            if (time[k] < time[i])
                continue;
            double r = exp(lp[k]) * w[k];
            denom += r;
            for (size_t j = 0; j < p; j++)
                a[j] += r * x[k * p + j];
            if (time[k] == time[i] && status[k]) {
                d += 1.0;
                e_denom += r;
                wsum += w[k];
                for (size_t j = 0; j < p; j++)
                    a2[j] += r * x[k * p + j];
            }
        }
        size_t terms = efron ? (size_t)d : 1;
        for (size_t dd = 0; dd < terms; dd++) {
            double down = (double)dd / (double)terms;
            double part = denom - down * e_denom, haz = wsum / (double)terms / part;
            for (size_t j = 0; j < p; j++) {
                double mean = (a[j] - down * a2[j]) / part;
                for (size_t k = 0; k < n; k++) {
                    if (time[k] < time[i])
                        continue;
                    double diff = x[k * p + j] - mean, r = exp(lp[k]);
                    if (time[k] == time[i] && status[k])
                        resid[k * p + j] += diff / (double)terms - diff * r * haz * (1.0 - down);
                    else
                        resid[k * p + j] -= diff * r * haz;
                }
            }
        }
    }
}

/* The robust variance and robust score test against R's definitions computed the slow way: V
 * (sum_k (w_k s_k)(w_k s_k)') V with the score residuals of coxscore2 at the estimate, and
 * U' B^-1 U from the residuals at beta = 0; random data with many tied times and weights. */
static void robust_check(cox_ties ties)
{
    enum { N = 120, P = 3 };
    static double time[N], w[N], x[N * P], lp[N], zero[N], resid[N * P];
    int status[N];
    srand(7);
    for (size_t i = 0; i < N; i++) {
        time[i] = (double)(1 + i / 6);
        status[i] = rand() % 4 != 0;
        w[i] = 0.2 + 3.0 * rand() / (double)RAND_MAX;
        x[i * P] = rand() / (double)RAND_MAX * 2.0 - 1.0;
        x[i * P + 1] = rand() % 2;
        x[i * P + 2] = 40.0 + 30.0 * rand() / (double)RAND_MAX;
        zero[i] = 0.0;
    }
    cox_result *fit = fit_small(time, status, w, x, N, P, ties, 1);
    assert_int_equal(fit->warnings, COX_WARN_NONE);
    for (size_t i = 0; i < N; i++) {
        lp[i] = 0.0;
        for (size_t j = 0; j < P; j++)
            lp[i] += fit->coef[j] * x[i * P + j];
    }
    score_residuals_direct(time, status, w, x, lp, N, P, ties == COX_TIES_EFRON, resid);
    double dfbeta[N][P], robust[P][P] = {{0}};
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < P; j++) {
            dfbeta[i][j] = 0.0;
            for (size_t k = 0; k < P; k++)
                dfbeta[i][j] += w[i] * resid[i * P + k] * fit->var[k * P + j];
        }
        for (size_t j = 0; j < P; j++) {
            for (size_t k = 0; k < P; k++)
                robust[j][k] += dfbeta[i][j] * dfbeta[i][k];
        }
    }
    for (size_t j = 0; j < P; j++) {
        for (size_t k = 0; k < P; k++)
            assert_close(fit->robust_var[j * P + k], robust[j][k], 1e-10);
    }
    score_residuals_direct(time, status, w, x, zero, N, P, ties == COX_TIES_EFRON, resid);
    double u[P] = {0}, b[P][P] = {{0}};
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < P; j++) {
            u[j] += w[i] * resid[i * P + j];
            for (size_t k = 0; k < P; k++)
                b[j][k] += w[i] * w[i] * resid[i * P + j] * resid[i * P + k];
        }
    }
    /* 3 x 3 inverse by cofactors */
    double det = b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1])
                 - b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0])
                 + b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
    double inv[P][P];
    for (size_t j = 0; j < P; j++) {
        for (size_t k = 0; k < P; k++) {
            size_t r0 = (k + 1) % P, r1 = (k + 2) % P, c0 = (j + 1) % P, c1 = (j + 2) % P;
            inv[j][k] = (b[r0][c0] * b[r1][c1] - b[r0][c1] * b[r1][c0]) / det;
        }
    }
    double rscore = 0.0;
    for (size_t j = 0; j < P; j++) {
        for (size_t k = 0; k < P; k++)
            rscore += u[j] * inv[j][k] * u[k];
    }
    assert_close(fit->robust_score_chisq, rscore, 1e-10);
    cox_result_free(fit);
}

static void test_robust_efron(void **state)
{
    (void)state;
    robust_check(COX_TIES_EFRON);
}

static void test_robust_breslow(void **state)
{
    (void)state;
    robust_check(COX_TIES_BRESLOW);
}

/* A toy with three centres (R: coxph(Surv(tt, ss) ~ xx + strata(ce)) and coxph(..., cluster = ce)). */
static const double toy_time[] = {1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12};
static const int toy_status[] = {1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1};
static const double toy_x[] = {0.2, 1.1, -0.5, 0.7, 1.9, -1.2, 0.4, 0.0, 1.3, -0.8, 0.6, 0.3, -0.2, 1.0};
static const int toy_centre[] = {0, 1, 0, 1, 0, 1, 0, 1, 2, 2, 0, 1, 2, 2};

static void test_strata(void **state)
{
    cox_result *fit = NULL;
    (void)state;
    assert_int_equal(cox_fit_grouped(toy_time, toy_status, NULL, toy_x, toy_centre, NULL, 14, 1, NULL, &fit),
                     EMBOLO_OK);
    assert_close(fit->coef[0], 0.452317333823353, 1e-8);
    assert_close(fit->var[0], 0.379024613685334, 1e-8);
    assert_close(fit->loglik_null, -8.18868912444420, 1e-12);
    assert_close(fit->loglik, -7.91190626754556, 1e-12);
    cox_result_free(fit);
}

static void test_cluster(void **state)
{
    cox_result *fit = NULL;
    (void)state;
    assert_int_equal(cox_fit_grouped(toy_time, toy_status, NULL, toy_x, NULL, toy_centre, 14, 1, NULL, &fit),
                     EMBOLO_OK);
    assert_non_null(fit->robust_var);
    assert_close(fit->coef[0], 0.336556806630475, 1e-8);
    assert_close(fit->robust_var[0], 0.115346226117356, 1e-8);
    assert_close(fit->var[0], 0.221490444665225, 1e-8);
    assert_close(fit->robust_score_chisq, 0.608661575956307, 1e-8);
    cox_result_free(fit);
}

/* A covariate constant within every stratum is aliased: not estimated (R's NA). */
static void test_strata_aliased(void **state)
{
    const double x[] = {1, 2, 1, 2, 1, 2, 1, 2, 3, 3, 1, 2, 3, 3};
    cox_result *fit = NULL;
    (void)state;
    assert_int_equal(cox_fit_grouped(toy_time, toy_status, NULL, x, toy_centre, NULL, 14, 1, NULL, &fit), EMBOLO_OK);
    assert_true(fit->warnings & COX_WARN_SINGULAR);
    assert_true(isnan(fit->var[0]));
    cox_result_free(fit);
}

/* The sparse walks (row patterns, the exp cache, the paired information update) give every number
 * bit for bit as the straightforward walk over full rows did: digests of main's cox.c at 2416e93 (one
 * row at a time, every column, exp and the information one element at a time) on cox_bits_fixture.h's
 * designs. */
static void test_bits_as_full_rows(void **state)
{
    (void)state;
    static const uint64_t expected[COX_BITS_CASES] = {
        UINT64_C(0x5c0e3fb7f91aac15), UINT64_C(0xcbee2144fbdc959a), UINT64_C(0xb2a417765ea753da),
        UINT64_C(0x81713e3331382cc5), UINT64_C(0x7c0444dd84a0be3b),
    };
    for (int v = 0; v < COX_BITS_CASES; v++) {
        uint64_t got = cox_bits_fit(v);
        if (got != expected[v])
            fail_msg("variant %d: digest %016llx, want %016llx", v, (unsigned long long)got,
                     (unsigned long long)expected[v]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strata),
        cmocka_unit_test(test_not_finite_anywhere),
        cmocka_unit_test(test_cluster),
        cmocka_unit_test(test_strata_aliased),
        cmocka_unit_test(test_r_reference),
        cmocka_unit_test(test_r_reference_lr),
        cmocka_unit_test(test_hand_three_rows),
        cmocka_unit_test(test_hand_tie_breslow_efron),
        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_monotone_with_other),
        cmocka_unit_test(test_every_flagged_coefficient),
        cmocka_unit_test(test_no_events),
        cmocka_unit_test(test_one_row),
        cmocka_unit_test(test_collinear),
        cmocka_unit_test(test_not_converged),
        cmocka_unit_test(test_null_model),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_robust_efron),
        cmocka_unit_test(test_robust_breslow),
        cmocka_unit_test(test_bits_as_full_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
