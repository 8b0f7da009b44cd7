/* The round-2 sentences (narrative_round2.c) on a small hand-made run: the Methods name each method
 * the run used and none it did not; the Results state a direction only when p < 0.05 and otherwise
 * that the groups did not differ significantly, with the numbers either way; share leaves out the
 * estimates of a suppressed group. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build_testutil.h"
#include "render/narrative.h"
#include "render/narrative_round2.h"
#include "round2_fixture.h"

#define TEXT_SIZE 16384

/* The treatment's coefficient in the models by centre, Fine-Gray and the multivariable ones. */
static void add_treatment(results *r)
{
    round2_add_hr(r, "multivariable_stratified", "arm", "B", 2.0, 0.03);
    round2_add_hr(r, "multivariable_cluster", "arm", "B", 2.0, 0.2);
    round2_add_hr(r, "finegray_multivariable", "arm", "B", 0.5, 0.01);
    round2_add_hr(r, "multivariable", "arm", "B", 2.0, 0.04);
    round2_add(r, "cox", "multivariable", "arm", "B", "evalue", 3.41);
    round2_add(r, "cox", "multivariable", "arm", "B", "evalue_ci", 1.2);
    round2_add_hr(r, "weighted_multivariable", "arm", "B", 1.5, 0.3);
    round2_add(r, "cox", "weighted_multivariable", "arm", "B", "evalue", 2.37);
    round2_add(r, "cox", "weighted_multivariable", "arm", "B", "evalue_ci", 1);
}

static int setup(void **state)
{
    static build_fixture f;
    round2_fixture_make(&f, round2_study_text);
    round2_results_add(f.r);
    add_treatment(f.r);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    build_fixture_free(*state);
    return 0;
}

static void expect_text(const char *text, const char *want)
{
    if (!strstr(text, want))
        print_error("missing: '%s'\nin: %s\n", want, text);
    assert_non_null(strstr(text, want));
}

static void expect_no_text(const char *text, const char *unwanted)
{
    if (strstr(text, unwanted))
        print_error("unwanted: '%s'\nin: %s\n", unwanted, text);
    assert_null(strstr(text, unwanted));
}

static void test_methods_name_each_method_used(void **state)
{
    build_fixture *f = *state;
    static char text[TEXT_SIZE];
    narrative_methods_round2(&f->in, text, sizeof text);
    expect_text(text, " Subgroup variables with three or more levels were compared pairwise with the log-rank test, "
                      "with Holm's adjustment");
    expect_text(text, "The log-rank test for trend (scores 1, 2, ... in the order of the levels) was used for Grade.");
    expect_text(text, "Restricted mean survival time (RMST) to 24 months");
    expect_text(text, "To account for the centres (Centre), the analyses included log-rank tests stratified by "
                      "centre, the multivariable Cox model stratified by centre");
    expect_text(text, "cluster-robust standard errors");
    expect_text(text, "For progression, the competing event was treated as a competing risk: cumulative incidence "
                      "was estimated with the Aalen-Johansen estimator");
    expect_text(text, "Gray's test, and subdistribution hazard ratios were estimated with Fine-Gray models");
    expect_text(text, "The effect of Arm was estimated within the levels of Tumour burden with Cox models of each "
                      "level's patients, unweighted and propensity-weighted, and heterogeneity was tested");
    expect_text(text, "E-values (VanderWeele and Ding)");
    /* The paragraph of narrative.c carries them before its last sentences. */
    static char paragraph[TEXT_SIZE];
    narrative_methods(&f->in, paragraph, sizeof paragraph);
    expect_text(paragraph, text);
    assert_true(strstr(paragraph, text) < strstr(paragraph, " Times are in months"));
}

/* A run without the round-2 keys and lines names none of their methods. */
static void test_methods_name_nothing_unused(void **state)
{
    (void)state;
    build_fixture f;
    static char text[TEXT_SIZE];
    round2_fixture_make(&f, round2_plain_text);
    narrative_methods_round2(&f.in, text, sizeof text);
    assert_string_equal(text, "");
    narrative_results_round2(&f.in, text, sizeof text);
    assert_string_equal(text, "");
    build_fixture_free(&f);
}

/* p < 0.05: a direction; otherwise "did not differ significantly"; the numbers either way. */
static void test_results_direction_only_when_significant(void **state)
{
    build_fixture *f = *state;
    static char text[TEXT_SIZE];
    narrative_results_round2(&f->in, text, sizeof text);
    expect_text(text, "Within 24 months, the restricted mean survival time (RMST) of progression was 18.0 months "
                      "with G1; it was shorter with G2 (difference -4.0, 95% CI -6.8 to -1.2, p = 0.005); it was "
                      "shorter with G3 (difference -10.0, 95% CI -14.5 to -5.5, p < 0.001).");
    expect_text(text, "The cumulative incidence of progression at 12 months was 30.0% (95% CI 20.0\xe2\x80\x93"
                      "45.0%). It differed by Grade (Gray's test p = 0.040).");
    expect_text(text, "in the multivariable Fine-Gray model, B had a lower subdistribution hazard than A (SHR 0.50, "
                      "95% CI 0.25\xe2\x80\x93" "1.00, p = 0.010).");
    expect_text(text, "in the multivariable model stratified by Centre, B had a higher hazard than A (HR 2.00, 95% CI "
                      "1.00\xe2\x80\x93" "4.00, p = 0.030).");
    expect_text(text, "with cluster-robust standard errors by Centre, B and A did not differ significantly (HR 2.00, "
                      "95% CI 1.00\xe2\x80\x93" "4.00, p = 0.200).");
    expect_text(text, "the effect of Arm did not differ significantly across Tumour burden (interaction p = 0.500).");
    expect_text(text, "E-values for unmeasured confounding of the significant hazard ratios of Arm for progression: "
                      "multivariable, B vs A 3.41 (confidence limit 1.20).");
    expect_no_text(text, "propensity-weighted multivariable, B");  /* p = 0.3: no E-value sentence */
    static char paragraph[TEXT_SIZE];
    narrative_results(&f->in, paragraph, sizeof paragraph);
    expect_text(paragraph, text);
}

/* Under share a group with fewer than min_count patients is not described (G3: 4 patients). */
static void test_results_share(void **state)
{
    build_fixture *f = *state;
    static char text[TEXT_SIZE];
    f->t->share = 1;
    narrative_results_round2(&f->in, text, sizeof text);
    f->t->share = 0;
    expect_text(text, "it was shorter with G2 (difference -4.0");
    expect_no_text(text, "with G3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_methods_name_each_method_used),
        cmocka_unit_test(test_methods_name_nothing_unused),
        cmocka_unit_test(test_results_direction_only_when_significant),
        cmocka_unit_test(test_results_share),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
