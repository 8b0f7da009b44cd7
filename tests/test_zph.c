/* zph_test: R's cox.zph(fit, transform = "km") for the multivariable models of veteran and lung
 * (survival 3.5-3, fits filled by hand with R's coefficients; fixtures from
 * tests/fixtures/make_concordance_zph_fixtures.py), and a tiny data set with tied times and
 * weights, Efron and Breslow, checked against a direct computation over explicit risk sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "testutil.h"
#include "model/zph.h"

#define MAX_ROWS 400
#define MAX_COLS 12

typedef struct zph_case {
    const char *fixture;
    size_t p;
    size_t column[MAX_COLS];       /* covariate columns of the fixture */
    double coef[MAX_COLS];         /* R's coefficients (Efron) */
    size_t term_of_coef[MAX_COLS];
    size_t n_terms;
    size_t n;                      /* complete cases */
    double chisq[MAX_COLS];        /* R's table, GLOBAL last */
    int df[MAX_COLS];
    double p_value[MAX_COLS];
} zph_case;

static void zph_case_check(const zph_case *c)
{
    static survival_fixture t;
    static double time[MAX_ROWS], x[MAX_ROWS * MAX_COLS];
    static int status[MAX_ROWS];
    size_t n = 0;
    cox_result fit = {0};
    zph_result *r = NULL;
    survival_fixture_read(c->fixture, 0, &t);
    for (size_t i = 0; i < t.n; i++) {
        int complete = 1;
        for (size_t j = 0; j < c->p; j++) {
            x[n * c->p + j] = t.x[i][c->column[j]];
            complete = complete && !isnan(x[n * c->p + j]);
        }
        if (!complete)
            continue;
        time[n] = t.time[i];
        status[n++] = t.status[i];
    }
    assert_int_equal(n, c->n);
    fit.p = c->p;
    fit.n = n;
    fit.coef = (double *)c->coef;
    fit.infinite_coef = -1;
    fit.singular_coef = -1;
    assert_int_equal(zph_test(time, status, NULL, x, n, c->p, &fit, COX_TIES_EFRON,
                              c->term_of_coef, c->n_terms, &r),
                     EMBOLO_OK);
    assert_non_null(r);
    assert_int_equal(r->n_terms, c->n_terms);
    for (size_t k = 0; k <= c->n_terms; k++) {
        assert_close(r->chisq[k], c->chisq[k], 1e-6);
        assert_int_equal(r->df[k], c->df[k]);
        assert_close(r->p[k], c->p_value[k], 1e-6);
    }
    zph_result_free(r);
}

/* veteran: trt, celltype (3), karno, diagtime, age, prior; lung: age, sex, ph.ecog (3), wt.loss. */
static const zph_case zph_cases[] = {
    {"tests/fixtures/concordance_zph_veteran.csv", 8, {0, 1, 2, 3, 4, 5, 6, 7},
     {0.294602821508, 0.861560462755, 1.19606637418, 0.401291654331, -0.0328153261943,
      8.13205130462e-05, -0.00870647494579, 0.0715936018951},
     {0, 1, 1, 1, 2, 3, 4, 5}, 6, 137,
     {0.264388835754, 15.2273639239, 12.9351978287, 0.0128893707072, 1.82882660942,
      2.16556633037, 34.5524911057},
     {1, 3, 1, 1, 1, 1, 8},
     {0.607120871882, 0.00163230696797, 0.0003224611574, 0.909609298612, 0.176266203415,
      0.1411326189, 3.22519348811e-05}},
    {"tests/fixtures/concordance_zph_lung.csv", 6, {0, 1, 2, 3, 4, 6},
     {0.0131043709953, -0.582551308902, 0.459666139786, 1.00466777529, 2.16174762075,
      -0.00909307742368},
     {0, 1, 2, 2, 2, 3}, 4, 213,
     {0.392228427886, 2.78407144025, 5.10283148046, 0.0339151680767, 7.9751200147},
     {1, 1, 3, 1, 6},
     {0.531130365284, 0.095205861742, 0.164420331861, 0.85388737907, 0.239931751532}},
};

static void test_r_reference(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof zph_cases / sizeof zph_cases[0]; k++)
        zph_case_check(&zph_cases[k]);
}

/* Ten rows, two covariates as two terms, ties in time (two deaths at 2, at 4; a death and a
 * censoring at 6). Expected: a direct computation over explicit risk sets (Efron with the deaths'
 * risk reduced by k/m, the textbook order), in double precision. */
static const double tiny_time[] = {1, 2, 2, 3, 4, 4, 5, 6, 6, 7};
static const int tiny_status[] = {1, 1, 1, 0, 1, 1, 0, 1, 0, 1};
static const double tiny_x[] = {0.5, 1, 1, 0, 0, 1, 2, 0, 1.5, 1, 0.2, 0, 1, 1, 0.3, 0, 0.7, 1,
                                1.1, 0};
static const double tiny_weight[] = {1, 2, 0.5, 1, 1.5, 1, 0.7, 1.2, 1, 0.9};

static void tiny_check(const double *weight, cox_ties ties, const double *want)
{
    double coef[] = {0.4, -0.3};
    size_t term_of_coef[] = {0, 1};
    cox_result fit = {0};
    zph_result *r = NULL;
    fit.p = 2;
    fit.n = 10;
    fit.coef = coef;
    fit.infinite_coef = -1;
    fit.singular_coef = -1;
    assert_int_equal(zph_test(tiny_time, tiny_status, weight, tiny_x, 10, 2, &fit, ties,
                              term_of_coef, 2, &r),
                     EMBOLO_OK);
    for (size_t k = 0; k < 3; k++) {
        assert_close(r->chisq[k], want[k], 1e-10);
        assert_int_equal(r->df[k], k < 2 ? 1 : 2);
    }
    zph_result_free(r);
}

static void test_tiny(void **state)
{
    (void)state;
    static const double efron[] = {1.66857755742713, 2.10236902569386, 3.65642148345533};
    static const double breslow[] = {1.54460610755976, 2.12490003973402, 3.58481020274986};
    static const double efron_w[] = {0.717481503864142, 0.860862061605582, 1.68574112549088};
    static const double breslow_w[] = {0.656785086943264, 0.935095847665892, 1.71134607778802};
    tiny_check(NULL, COX_TIES_EFRON, efron);
    tiny_check(NULL, COX_TIES_BRESLOW, breslow);
    tiny_check(tiny_weight, COX_TIES_EFRON, efron_w);
    tiny_check(tiny_weight, COX_TIES_BRESLOW, breslow_w);
}

/* A coefficient dropped for collinearity (NAN, as R's NA) leaves its term out: df 0, NA. */
static void test_dropped_coefficient(void **state)
{
    (void)state;
    double coef[] = {0.4, NAN};
    size_t term_of_coef[] = {0, 1};
    static const double one_covariate[] = {0.5, 1, 0, 2, 1.5, 0.2, 1, 0.3, 0.7, 1.1};
    cox_result fit = {0}, fit1 = {0};
    zph_result *r = NULL, *r1 = NULL;
    fit.p = 2;
    fit.coef = coef;
    fit.infinite_coef = fit.singular_coef = -1;
    fit1.p = 1;
    fit1.coef = coef;
    fit1.infinite_coef = fit1.singular_coef = -1;
    assert_int_equal(zph_test(tiny_time, tiny_status, NULL, tiny_x, 10, 2, &fit, COX_TIES_EFRON,
                              term_of_coef, 2, &r),
                     EMBOLO_OK);
    assert_int_equal(zph_test(tiny_time, tiny_status, NULL, one_covariate, 10, 1, &fit1,
                              COX_TIES_EFRON, term_of_coef, 1, &r1),
                     EMBOLO_OK);
    assert_int_equal(r->df[1], 0);
    assert_true(isnan(r->chisq[1]) && isnan(r->p[1]));
    assert_int_equal(r->df[2], 1);
    assert_close(r->chisq[0], r1->chisq[0], 1e-12);
    assert_close(r->chisq[2], r1->chisq[1], 1e-12);
    zph_result_free(r);
    zph_result_free(r1);
}

/* A covariate constant in the data makes the information matrix singular: every statistic is NA. */
static void test_singular(void **state)
{
    (void)state;
    double coef[] = {0.4, 0.1};
    size_t term_of_coef[] = {0, 1};
    double x[20];
    cox_result fit = {0};
    zph_result *r = NULL;
    for (size_t i = 0; i < 10; i++) {
        x[2 * i] = tiny_x[2 * i];
        x[2 * i + 1] = 3.0;
    }
    fit.p = 2;
    fit.coef = coef;
    fit.infinite_coef = fit.singular_coef = -1;
    assert_int_equal(zph_test(tiny_time, tiny_status, NULL, x, 10, 2, &fit, COX_TIES_EFRON,
                              term_of_coef, 2, &r),
                     EMBOLO_OK);
    for (size_t k = 0; k < 3; k++)
        assert_true(isnan(r->chisq[k]) && isnan(r->p[k]));
    zph_result_free(r);
}

static void test_invalid(void **state)
{
    (void)state;
    double coef[] = {0.4, -0.3};
    size_t bad_terms[] = {0, 2};
    cox_result fit = {0};
    zph_result *r = NULL;
    fit.p = 2;
    fit.coef = coef;
    fit.infinite_coef = fit.singular_coef = -1;
    assert_int_equal(zph_test(tiny_time, tiny_status, NULL, tiny_x, 10, 2, &fit, COX_TIES_EFRON,
                              bad_terms, 2, &r),
                     EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(r);
    zph_result_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r_reference),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_dropped_coefficient),
        cmocka_unit_test(test_singular),
        cmocka_unit_test(test_invalid),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
