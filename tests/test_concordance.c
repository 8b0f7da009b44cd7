/* concordance_compute: hand cases, an O(n^2) count of the pairs and their influence on random data
 * with ties and weights, and R's coxph concordance for veteran and lung (survival 3.5-3; the
 * fixtures come from tests/fixtures/make_concordance_zph_fixtures.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "model/concordance.h"

#define MAX_ROWS 400
#define MAX_COLS 12

typedef struct model_case {
    const char *fixture;
    size_t n_coef;
    size_t column[MAX_COLS];   /* covariate columns of the fixture */
    double coef[MAX_COLS];     /* R's coefficients */
    size_t n;                  /* complete cases */
    double concordance;        /* R's fit$concordance */
    double std_err;
} model_case;

static void model_case_check(const model_case *m)
{
    static survival_fixture t;
    double time[MAX_ROWS], lp[MAX_ROWS];
    int status[MAX_ROWS];
    size_t n = 0;
    double c = 0.0, se = 0.0;
    survival_fixture_read(m->fixture, 0, &t);
    for (size_t i = 0; i < t.n; i++) {
        double eta = 0.0;
        for (size_t j = 0; j < m->n_coef; j++)
            eta += t.x[i][m->column[j]] * m->coef[j];
        if (isnan(eta))
            continue;
        time[n] = t.time[i];
        status[n] = t.status[i];
        lp[n++] = eta;
    }
    assert_int_equal(n, m->n);
    assert_int_equal(concordance_compute(time, status, NULL, lp, n, &c, &se), EMBOLO_OK);
    assert_close(c, m->concordance, 1e-6);
    assert_close(se, m->std_err, 1e-6);
}

#define VETERAN "tests/fixtures/concordance_zph_veteran.csv"
#define LUNG "tests/fixtures/concordance_zph_lung.csv"

/* veteran columns: trt_test 0, smallcell 1, adeno 2, large 3, karno 4, diagtime 5, age 6, prior 7;
 * lung: age 0, sex_female 1, ph_ecog_1..3 2-4, ph_karno 5, wt_loss 6. */
static const model_case model_cases[] = {
    {VETERAN, 1, {0}, {0.0177425695187}, 137, 0.525386188096, 0.0260112495433},
    {VETERAN, 3, {1, 2, 3}, {1.00125318279, 1.14771303662, 0.230145516733}, 137,
     0.608075874602, 0.0283459394117},
    {VETERAN, 1, {4}, {-0.0334237459101}, 137, 0.709279872785, 0.0225587171917},
    {VETERAN, 1, {5}, {0.00910007371143}, 137, 0.50902998637, 0.0303228983327},
    {VETERAN, 1, {6}, {0.0074998662827}, 137, 0.51510676965, 0.0293545669369},
    {VETERAN, 1, {7}, {-0.142933564517}, 137, 0.494434348024, 0.0252082848912},
    {VETERAN, 8, {0, 1, 2, 3, 4, 5, 6, 7},
     {0.294602821508, 0.861560462755, 1.19606637418, 0.401291654331, -0.0328153261943,
      8.13205130462e-05, -0.00870647494579, 0.0715936018951},
     137, 0.736029077692, 0.0211701176841},
    {VETERAN, 8, {0, 1, 2, 3, 4, 5, 6, 7},
     {0.289935878795, 0.856486653615, 1.18829931326, 0.399627778811, -0.0326217185194,
      -9.20017173175e-05, -0.00854942360712, 0.0723265367473},
     137, 0.73625624716, 0.021163156966},
    {LUNG, 1, {0}, {0.0187201792046}, 228, 0.550239832118, 0.0251421115943},
    {LUNG, 1, {1}, {-0.53102353762}, 228, 0.578644948536, 0.0206647217051},
    {LUNG, 3, {2, 3, 4}, {0.368840089769, 0.916387038184, 2.2079802559}, 227, 0.604462525901,
     0.0239015269153},
    {LUNG, 1, {5}, {-0.0164482116233}, 227, 0.597786537295, 0.0259511923676},
    {LUNG, 1, {6}, {0.00131919255359}, 214, 0.525097310173, 0.0265762847459},
    {LUNG, 6, {0, 1, 2, 3, 4, 6},
     {0.0131043709953, -0.582551308902, 0.459666139786, 1.00466777529, 2.16174762075,
      -0.00909307742368},
     213, 0.647058823529, 0.0263308492405},
    {LUNG, 6, {0, 1, 2, 3, 4, 6},
     {0.013076697954, -0.581834697214, 0.459078553829, 1.00242786571, 2.16217482371,
      -0.00905911493582},
     213, 0.647, 0.0263309557873},
};

static void test_r_reference(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof model_cases / sizeof model_cases[0]; k++)
        model_case_check(&model_cases[k]);
}

static void test_perfect_reversed_tied(void **state)
{
    (void)state;
    double time[] = {1, 2, 3, 4, 5, 6};
    int status[] = {1, 0, 1, 1, 0, 1};
    double falling[] = {6, 5, 4, 3, 2, 1};
    double rising[] = {1, 2, 3, 4, 5, 6};
    double flat[] = {2, 2, 2, 2, 2, 2};
    double c = 0.0, se = 0.0;
    assert_int_equal(concordance_compute(time, status, NULL, falling, 6, &c, &se), EMBOLO_OK);
    assert_close(c, 1.0, 1e-15);
    assert_int_equal(concordance_compute(time, status, NULL, rising, 6, &c, &se), EMBOLO_OK);
    assert_close(c, 0.0, 1e-15);
    assert_int_equal(concordance_compute(time, status, NULL, flat, 6, &c, &se), EMBOLO_OK);
    assert_close(c, 0.5, 1e-15);
}

/* Ties in time: two deaths at the same time are no pair, a death and a censoring at the same time
 * are. Rows a..e: deaths a at 1 (score 3), b and c at 2 (score 1), d censored at 2 (score 2), death
 * e at 3 (score 0). Pairs: a with b, c, d, e; b with d, e; c with d, e: 8, of which b-d and c-d
 * are discordant (the death has the lower score): 6/8. */
static void test_time_ties(void **state)
{
    (void)state;
    double time[] = {1, 2, 2, 2, 3};
    int status[] = {1, 1, 1, 0, 1};
    double score[] = {3, 1, 1, 2, 0};
    double c = 0.0, se = 0.0;
    assert_int_equal(concordance_compute(time, status, NULL, score, 5, &c, &se), EMBOLO_OK);
    assert_close(c, 6.0 / 8.0, 1e-15);
}

/* Direct O(n^2) count of the pairs and of each row's influence, as R's concordancefit defines
 * them (reverse = TRUE). */
static void brute_force(const double *time, const int *status, const double *w, const double *x,
                        size_t n, double *concordance, double *std_err)
{
    static double diff[MAX_ROWS], total[MAX_ROWS];
    double conc = 0.0, disc = 0.0, tied = 0.0;
    memset(diff, 0, sizeof diff);
    memset(total, 0, sizeof total);
    for (size_t i = 0; i < n; i++) {
        if (!status[i])
            continue;
        for (size_t j = 0; j < n; j++) {
            if (!(time[j] > time[i] || (time[j] == time[i] && !status[j])))
                continue;
            double s = x[i] > x[j] ? 1.0 : (x[i] < x[j] ? -1.0 : 0.0);
            double pw = w[i] * w[j];
            conc += s > 0 ? pw : 0.0;
            disc += s < 0 ? pw : 0.0;
            tied += s == 0 ? pw : 0.0;
            diff[i] += s * w[j];
            diff[j] += s * w[i];
            total[i] += w[j];
            total[j] += w[i];
        }
    }
    double pairs = conc + disc + tied;
    double d = (conc - disc) / pairs;
    double var = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dfbeta = w[i] * (diff[i] - d * total[i]) / pairs;
        var += dfbeta * dfbeta;
    }
    *concordance = (conc + tied / 2.0) / pairs;
    *std_err = sqrt(var / 4.0);
}

static void test_brute_force(void **state)
{
    (void)state;
    enum { N = 300 };
    static double time[N], w[N], x[N];
    static int status[N];
    unsigned long seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        time[i] = (double)(i / 3);  /* every time three times */
        status[i] = (int)((seed >> 33) % 3 != 0);
        x[i] = (double)((seed >> 40) % 17);
        w[i] = 0.25 + (double)((seed >> 50) % 8) / 4.0;
    }
    for (int weighted = 0; weighted < 2; weighted++) {
        static double unit[N];
        for (size_t i = 0; i < N; i++)
            unit[i] = 1.0;
        const double *wt = weighted ? w : unit;
        double c = 0.0, se = 0.0, c_ref = 0.0, se_ref = 0.0;
        brute_force(time, status, wt, x, N, &c_ref, &se_ref);
        assert_int_equal(concordance_compute(time, status, weighted ? w : NULL, x, N, &c, &se),
                         EMBOLO_OK);
        assert_close(c, c_ref, 1e-12);
        assert_close(se, se_ref, 1e-10);
    }
}

/* Many distinct scores (the table of distinct scores grows several times), 0.0 and -0.0 among them
 * (one score): the same pairs as the direct count. */
static void test_many_scores(void **state)
{
    (void)state;
    enum { N = 300 };
    static double time[N], x[N], unit[N];
    static int status[N];
    unsigned long seed = 777;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        time[i] = (double)(i / 2);
        status[i] = (int)((seed >> 33) % 2);
        x[i] = i % 10 == 0 ? (i % 20 == 0 ? 0.0 : -0.0) : (double)((seed >> 35) % 100000) / 7.0 - 5000.0;
        unit[i] = 1.0;
    }
    double c = 0.0, se = 0.0, c_ref = 0.0, se_ref = 0.0;
    brute_force(time, status, unit, x, N, &c_ref, &se_ref);
    assert_int_equal(concordance_compute(time, status, NULL, x, N, &c, &se), EMBOLO_OK);
    assert_close(c, c_ref, 1e-12);
    assert_close(se, se_ref, 1e-10);
}

static void test_invalid(void **state)
{
    (void)state;
    double time[] = {2, 1};
    int status[] = {1, 1};
    double score[] = {1, 2};
    double c = 0.0, se = 0.0;
    assert_int_equal(concordance_compute(time, status, NULL, score, 2, &c, &se),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_int_equal(concordance_compute(NULL, status, NULL, score, 2, &c, &se),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    time[0] = 1;
    time[1] = 1;
    assert_int_equal(concordance_compute(time, status, NULL, score, 2, &c, &se), EMBOLO_OK);
    assert_true(isnan(c) && isnan(se));
}

/* Within strata only (R: coxph(Surv(tt, ss) ~ xx + strata(ce))$concordance; the score is xx, as the
 * fit's coefficient is positive). */
static void test_stratified(void **state)
{
    const double time[] = {1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12};
    const int status[] = {1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1};
    const double x[] = {0.2, 1.1, -0.5, 0.7, 1.9, -1.2, 0.4, 0.0, 1.3, -0.8, 0.6, 0.3, -0.2, 1.0};
    const int centre[] = {0, 1, 0, 1, 0, 1, 0, 1, 2, 2, 0, 1, 2, 2};
    double c, se;
    (void)state;
    assert_int_equal(concordance_compute_stratified(time, status, NULL, x, centre, 14, &c, &se), EMBOLO_OK);
    assert_close(c, 0.588235294117647, 1e-12);
    assert_close(se, 0.199615295527418, 1e-10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stratified),
        cmocka_unit_test(test_r_reference),
        cmocka_unit_test(test_perfect_reversed_tied),
        cmocka_unit_test(test_time_ties),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_many_scores),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
