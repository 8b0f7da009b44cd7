/* The methods and results paragraphs: the run's numbers in the abstract's style. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "render/narrative.h"

static const char *study_text =
    "[study]\ntime_unit = months\n"
    "[endpoint.hpfs]\nlabel = Hepatic progression-free survival\ntime = t1\nstatus = s1\nevent_values = 1\n"
    "censor_values = 0\n"
    "[endpoint.os]\nlabel = Overall survival\ntime = t2\nstatus = s2\nevent_values = 1\ncensor_values = 0\n"
    "[variable.grade]\ntype = categorical\nlevels = G1, G2, G3\n"
    "[variable.modality]\ntype = categorical\nlevels = TACE, TARE\n"
    "[treatment]\nvariable = modality\nps_covariates = grade\n"
    "[analysis]\nsubgroups = grade\nunivariate = grade, modality\nmultivariable = grade, modality\n";

typedef struct fixture {
    study *s;
    dataset *d;
    results *r;
    report_template *t;
    render_input in;
} fixture;

static void add_km(results *r, const char *endpoint, const char *level, double n, double median)
{
    assert_int_equal(results_add(r, "km", endpoint, "unweighted", "grade", level, "n", n), EMBOLO_OK);
    assert_int_equal(results_add(r, "km", endpoint, "unweighted", "grade", level, "median", median), EMBOLO_OK);
}

static int setup(void **state)
{
    static fixture f;
    char message[256];
    memset(&f, 0, sizeof f);
    assert_int_equal(study_parse(study_text, strlen(study_text), "s.ini", &f.s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(f.s, 1, &f.d), EMBOLO_OK);
    f.d->rows_read = 158;
    f.d->n = 0;
    f.r = results_new();
    assert_int_equal(template_default(&f.t), EMBOLO_OK);
    add_km(f.r, "hpfs", "G1", 75, 18.5);
    add_km(f.r, "os", "G1", 75, 125.1);
    add_km(f.r, "hpfs", "G2", 3, 12.2);
    add_km(f.r, "os", "G2", 3, NAN);
    add_km(f.r, "hpfs", "G3", 20, NAN);
    add_km(f.r, "os", "G3", 20, NAN);
    for (size_t e = 0; e < 2; e++) {
        const char *endpoint = e ? "os" : "hpfs";
        const double median[] = {51.0, 50.5}, lower[] = {41.3, 44.6}, upper[] = {NAN, 59.5};
        assert_int_equal(results_add(f.r, "followup", endpoint, "reverse_km", "all", "", "median", median[e]), EMBOLO_OK);
        assert_int_equal(results_add(f.r, "followup", endpoint, "reverse_km", "all", "", "median_lower", lower[e]),
                         EMBOLO_OK);
        assert_int_equal(results_add(f.r, "followup", endpoint, "reverse_km", "all", "", "median_upper", upper[e]),
                         EMBOLO_OK);
        f.d->tally[e] = (endpoint_tally){.analysed = 98, .events = 60, .event_values = 60, .censor_values = 38};
    }
    /* HPFS: no difference unadjusted (p = 0.200), a lower hazard after weighting (p = 0.010). */
    assert_int_equal(results_add(f.r, "cox", "hpfs", "univariate:modality", "modality", "TARE", "hr", 0.8), EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "hpfs", "univariate:modality", "modality", "TARE", "p", 0.2), EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "hpfs", "weighted_univariate", "modality", "TARE", "hr", 0.7), EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "hpfs", "weighted_univariate", "modality", "TARE", "p", 0.01),
                     EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "os", "univariate:modality", "modality", "TARE", "hr", 2.1), EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "os", "univariate:modality", "modality", "TARE", "p", 0.02), EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "os", "weighted_univariate", "modality", "TARE", "hr", 1.8), EMBOLO_OK);
    assert_int_equal(results_add(f.r, "cox", "os", "weighted_univariate", "modality", "TARE", "p", 0.0004),
                     EMBOLO_OK);
    f.in = (render_input){.version = "9.9", .study = f.s, .data = f.d, .results = f.r, .template = f.t};
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    dataset_free(f->d);
    study_free(f->s);
    results_free(f->r);
    template_free(f->t);
    return 0;
}

static void expect_text(const char *text, const char *fragment)
{
    if (!strstr(text, fragment))
        print_error("'%s'\nlacks '%s'\n", text, fragment);
    assert_non_null(strstr(text, fragment));
}

static void test_results_paragraph_in_the_abstract_style(void **state)
{
    fixture *f = *state;
    char text[4096];
    narrative_results(&f->in, text, sizeof text);
    expect_text(text, "Of 158 patients, 0 were analysed and 158 excluded.");
    expect_text(text, "Median follow-up (reverse Kaplan-Meier, overall survival) was 50.5 months (95% CI "
                      "44.6\xe2\x80\x93" "59.5).");
    expect_text(text, "Median HPFS and OS were 18.5 and 125.1 months for G1 (n = 75), 12.2 months and not reached for "
                      "G2 (n = 3) and not reached for G3 (n = 20).");
    expect_text(text, "For overall survival, TARE had a higher hazard than TACE (unadjusted HR 2.10, p = 0.020; "
                      "propensity-weighted HR 1.80, p < 0.001).");
    assert_null(strstr(text, "months months"));
    assert_null(strstr(text, "not reached months"));
}

/* A direction only where p < 0.05: HPFS's unadjusted HR 0.80 (p = 0.200) did not differ, its weighted
 * one (p = 0.010) is lower. */
static void test_direction_only_when_significant(void **state)
{
    fixture *f = *state;
    char text[4096];
    narrative_results(&f->in, text, sizeof text);
    expect_text(text, "For hepatic progression-free survival, the hazard of TARE did not differ significantly from "
                      "that of TACE unadjusted (HR 0.80, p = 0.200), but was lower after propensity weighting "
                      "(HR 0.70, p = 0.010).");
    assert_null(strstr(text, "TARE had a lower hazard than TACE"));
}

/* An endpoint without events says so, and its medians are not "not reached". */
static void test_endpoint_without_events(void **state)
{
    fixture *f = *state;
    char text[4096];
    f->d->tally[1] = (endpoint_tally){.analysed = 98, .events = 0, .event_values = 0, .censor_values = 98};
    narrative_results(&f->in, text, sizeof text);
    f->d->tally[1] = (endpoint_tally){.analysed = 98, .events = 60, .event_values = 60, .censor_values = 38};
    expect_text(text, "Median HPFS was 18.5 months for G1 (n = 75), 12.2 months for G2 (n = 3) and not reached for "
                      "G3 (n = 20).");
    expect_text(text, "For overall survival, no record has an event value (1) in the column s2: the endpoint has no "
                      "events, so no median, survival difference or hazard ratio can be estimated.");
}

/* Without an endpoint of deaths, the follow-up of each endpoint, named. */
static void test_followup_of_each_endpoint(void **state)
{
    fixture *f = *state;
    char text[4096], message[256];
    const char *other = "[study]\ntime_unit = months\n"
                        "[endpoint.hpfs]\nlabel = Hepatic progression-free survival\ntime = t1\nstatus = s1\n"
                        "event_values = 1\ncensor_values = 0\n"
                        "[endpoint.dfs]\nlabel = Disease-free survival\ntime = t2\nstatus = s2\nevent_values = 1\n"
                        "censor_values = 0\n"
                        "[variable.grade]\ntype = categorical\nlevels = G1, G2\n"
                        "[analysis]\nsubgroups = grade\n";
    study *s = NULL;
    assert_int_equal(study_parse(other, strlen(other), "o.ini", &s, message, sizeof message), EMBOLO_OK);
    results *r = results_new();
    assert_non_null(r);
    assert_int_equal(results_add(r, "followup", "hpfs", "reverse_km", "all", "", "median", 51.0), EMBOLO_OK);
    assert_int_equal(results_add(r, "followup", "hpfs", "reverse_km", "all", "", "median_lower", 41.3), EMBOLO_OK);
    assert_int_equal(results_add(r, "followup", "dfs", "reverse_km", "all", "", "median", 49.0), EMBOLO_OK);
    assert_int_equal(results_add(r, "followup", "dfs", "reverse_km", "all", "", "median_lower", 40.0), EMBOLO_OK);
    assert_int_equal(results_add(r, "followup", "dfs", "reverse_km", "all", "", "median_upper", 55.0), EMBOLO_OK);
    render_input in = f->in;
    in.study = s;
    in.results = r;
    narrative_results(&in, text, sizeof text);
    expect_text(text, "Median follow-up (reverse Kaplan-Meier) was 51.0 months (95% CI 41.3 to not reached) for HPFS "
                      "and 49.0 months (95% CI 40.0\xe2\x80\x93" "55.0) for DFS.");
    results_free(r);
    study_free(s);
}

static void test_share_template_suppresses_small_cells(void **state)
{
    fixture *f = *state;
    char text[4096];
    f->t->share = 1;
    narrative_results(&f->in, text, sizeof text);
    f->t->share = 0;
    expect_text(text, "suppressed for G2 (n = <5)");
}

static void test_methods_name_what_was_computed(void **state)
{
    fixture *f = *state;
    char text[4096];
    narrative_methods(&f->in, text, sizeof text);
    expect_text(text, "Kaplan-Meier method");
    expect_text(text, "log-rank test");
    expect_text(text, "Efron method for ties");
    expect_text(text, "multivariable with grade and modality");
    expect_text(text, "embolo 9.9");
    assert_null(strstr(text, "propensity model")); /* no weights in this run */
}

static void test_truncation_is_safe(void **state)
{
    fixture *f = *state;
    char text[16];
    narrative_results(&f->in, text, sizeof text);
    assert_int_equal(strlen(text), sizeof text - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results_paragraph_in_the_abstract_style),
        cmocka_unit_test(test_direction_only_when_significant),
        cmocka_unit_test(test_endpoint_without_events),
        cmocka_unit_test(test_followup_of_each_endpoint),
        cmocka_unit_test(test_share_template_suppresses_small_cells),
        cmocka_unit_test(test_methods_name_what_was_computed),
        cmocka_unit_test(test_truncation_is_safe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
