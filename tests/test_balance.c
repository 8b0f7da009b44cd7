/* balance_max_abs_smd: hand cases and R's "balance" lines of net_sample_155 and veteran (unweighted
 * and with the ATE weights w of the .ps.csv files; the fixtures come from
 * tests/fixtures/make_ps_fixtures.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"
#include "weight/balance.h"

#define MAX_ROWS FIXTURE_MAX_ROWS
#define MAX_COLS FIXTURE_MAX_COLS

/* A balance covariate: the sum of some fixture columns (dummies of a factor level), or one minus it
 * (the reference level's indicator). */
typedef struct covariate {
    const char *name;
    int complement;
    size_t columns[4];     /* fixture columns, 0-terminated (column 0 is the group) */
    double unweighted;     /* R's max_abs_smd */
    double weighted;
} covariate;

static void covariates_check(const char *fixture, size_t k, size_t weight_column,
                             const covariate *cov, size_t n_cov)
{
    static fixture_table t;
    static int group[MAX_ROWS];
    static double x[MAX_ROWS], w[MAX_ROWS];
    fixture_read(fixture, &t);
    for (size_t i = 0; i < t.n; i++) {
        group[i] = (int)t.v[i][0];
        w[i] = t.v[i][weight_column];
    }
    for (size_t c = 0; c < n_cov; c++) {
        for (size_t i = 0; i < t.n; i++) {
            double sum = 0.0;
            for (const size_t *col = cov[c].columns; *col; col++)
                sum += t.v[i][*col];
            x[i] = cov[c].complement ? 1.0 - sum : sum;
        }
        print_message("%s: %s\n", fixture, cov[c].name);
        assert_close(balance_max_abs_smd(x, group, NULL, t.n, k), cov[c].unweighted, 1e-9);
        assert_close(balance_max_abs_smd(x, group, w, t.n, k), cov[c].weighted, 1e-9);
    }
}

static void test_net_sample_155(void **state)
{
    (void)state;
    /* columns: 2 age, 3 sex_M, 4-6 primary_site gut/lung/other, 7-8 grade G2/G3, 9 burden >50,
     * 10 extrahepatic_disease yes, 14 w */
    const covariate cov[] = {
        {"age", 0, {2, 0}, 0.166886656987, 0.0694143914576},
        {"sex F", 1, {3, 0}, 0.183535310655, 0.0575764154432},
        {"sex M", 0, {3, 0}, 0.183535310655, 0.0575764154432},
        {"primary_site pancreas", 1, {4, 5, 6, 0}, 0.259877236873, 0.00550242212175},
        {"primary_site gut", 0, {4, 0}, 0.356763561641, 0.0511003931386},
        {"primary_site lung", 0, {5, 0}, 0.243301998845, 0.0511955538893},
        {"primary_site other", 0, {6, 0}, 0.211900440565, 0.0614445098226},
        {"grade G1", 1, {7, 8, 0}, 0.267899717845, 0.0722779587306},
        {"grade G2", 0, {7, 0}, 0.285380986915, 0.0953524068752},
        {"grade G3", 0, {8, 0}, 0.365980570697, 0.101327173661},
        {"burden <=50", 1, {9, 0}, 0.277910133952, 0.166874937917},
        {"burden >50", 0, {9, 0}, 0.277910133952, 0.166874937917},
        {"extrahepatic_disease no", 1, {10, 0}, 0.0362791646228, 0.0812777581487},
        {"extrahepatic_disease yes", 0, {10, 0}, 0.0362791646228, 0.0812777581487},
    };
    covariates_check("tests/fixtures/net_sample_ps_design.csv", 3, 14, cov,
                     sizeof cov / sizeof cov[0]);
}

static void test_veteran(void **state)
{
    (void)state;
    /* columns: 2 karno, 3 diagtime, 4 age, 5 prior yes, 10 w */
    const covariate cov[] = {
        {"karno", 0, {2, 0}, 0.625746858592, 0.180160106563},
        {"diagtime", 0, {3, 0}, 0.612066251923, 0.20229863954},
        {"age", 0, {4, 0}, 0.345888841605, 0.0904408586089},
        {"prior no", 1, {5, 0}, 0.478102284537, 0.0293035033282},
        {"prior yes", 0, {5, 0}, 0.478102284537, 0.0293035033282},
    };
    covariates_check("tests/fixtures/veteran_ps_design.csv", 4, 10, cov,
                     sizeof cov / sizeof cov[0]);
}

/* Group 0: 1, 2, 3 (mean 2, variance 1); group 1: 2, 4, 6 (mean 4, variance 4); pooled SD
 * sqrt(2.5). Weights 1, 1, 2 and 1, 2, 1 give weighted means 9/4 and 4. */
static void test_two_groups(void **state)
{
    (void)state;
    const double x[] = {1, 2, 2, 4, 3, 6};
    const int group[] = {0, 0, 1, 1, 0, 1};
    const double w[] = {1, 1, 1, 2, 2, 1};
    assert_close(balance_max_abs_smd(x, group, NULL, 6, 2), 2.0 / sqrt(2.5), 1e-14);
    assert_close(balance_max_abs_smd(x, group, w, 6, 2), 1.75 / sqrt(2.5), 1e-14);
}

/* Three groups and an empty fourth: the largest pair wins, the empty group is skipped. Group 2 is
 * constant 10 (variance 0): against group 0 (mean 2, variance 1) the SMD is 8 / sqrt(0.5). */
static void test_groups_largest_pair(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 2, 4, 6, 10, 10};
    const int group[] = {0, 0, 0, 1, 1, 1, 2, 2};
    assert_close(balance_max_abs_smd(x, group, NULL, 8, 4), 8.0 / sqrt(0.5), 1e-14);
}

/* A pair whose pooled SD is 0 contributes 0, whatever its means. */
static void test_zero_sd(void **state)
{
    (void)state;
    const double x[] = {1, 1, 1, 5, 5};
    const int group[] = {0, 0, 0, 1, 1};
    const double w[] = {1, 3, 2, 1, 1};
    assert_true(balance_max_abs_smd(x, group, NULL, 5, 2) == 0.0);
    assert_true(balance_max_abs_smd(x, group, w, 5, 2) == 0.0);
    assert_true(balance_max_abs_smd(x, group, NULL, 3, 2) == 0.0);
    assert_true(balance_max_abs_smd(x, group, NULL, 0, 2) == 0.0);
}

/* balance_max_abs_smd_both gives the two separate calls' values, bit for bit; NAN without data. */
static void test_both_in_one_pass(void **state)
{
    (void)state;
    const double x[] = {1.25, 2, 0.1, 4, 3, 6.5, -2, 0.3};
    const int group[] = {0, 0, 1, 1, 0, 1, 2, 2};
    const double w[] = {1.5, 1, 0.7, 2, 2, 1, 3.25, 0.9};
    double unweighted, weighted, separate;
    balance_max_abs_smd_both(x, group, w, 8, 3, &unweighted, &weighted);
    separate = balance_max_abs_smd(x, group, NULL, 8, 3);
    assert_memory_equal(&unweighted, &separate, sizeof separate);
    separate = balance_max_abs_smd(x, group, w, 8, 3);
    assert_memory_equal(&weighted, &separate, sizeof separate);
    assert_true(weighted != unweighted);
    balance_max_abs_smd_both(NULL, group, w, 8, 3, &unweighted, &weighted);
    assert_true(isnan(unweighted) && isnan(weighted));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_sample_155),
        cmocka_unit_test(test_veteran),
        cmocka_unit_test(test_two_groups),
        cmocka_unit_test(test_groups_largest_pair),
        cmocka_unit_test(test_zero_sd),
        cmocka_unit_test(test_both_in_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
