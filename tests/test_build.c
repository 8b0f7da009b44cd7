/* The table builders (stages/render/build.h) on a small hand-made run: each table's model compared
 * with its expected model, line by line ("role label | cell | cell ..." with each cell's text): survival
 * by subgroup, Cox models and their fits, Table 1 with a yes/no variable in one row or both, share
 * suppression (a count "<5", its estimates "—"), the weights, and the warnings named by labels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_testutil.h"
#include "render/build.h"
#include "render_testutil.h"

static const char *study_text =
    "[study]\ntitle = Small\ntime_unit = months\nlandmarks = 12\n"
    "[endpoint.os]\nlabel = Overall survival\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
    "[variable.age]\nlabel = Age (years)\ntype = numeric\n"
    "[variable.burden]\nlabel = Tumour burden\ntype = categorical\nlevels = <=50, >50\n"
    "[variable.ehd]\nlabel = Extrahepatic disease\ntype = categorical\nlevels = no, yes\n"
    "[variable.arm]\nlabel = Arm\ntype = categorical\nlevels = A, B\n"
    "[treatment]\nvariable = arm\nps_covariates = age\n"
    "[analysis]\nsubgroups = burden\nunivariate = burden, age\nmultivariable = burden, age\n";

typedef build_fixture fixture;

static void add(results *r, const char *section, const char *endpoint, const char *model, const char *variable,
                const char *level, const char *stat, double value)
{
    assert_int_equal(results_add(r, section, endpoint, model, variable, level, stat, value), EMBOLO_OK);
}

/* One Kaplan-Meier line: n, events, median and its CI, survival at 12 and its CI. */
static void add_km(results *r, const char *model, const char *variable, const char *level, double n, double events,
                   double median)
{
    add(r, "km", "os", model, variable, level, "n", n);
    add(r, "km", "os", model, variable, level, "events", events);
    add(r, "km", "os", model, variable, level, "median", median);
    add(r, "km", "os", model, variable, level, "median_lower", median / 2);
    add(r, "km", "os", model, variable, level, "median_upper", NAN);
    add(r, "km", "os", model, variable, level, "surv@12", 0.5);
    add(r, "km", "os", model, variable, level, "surv_lower@12", 0.25);
    add(r, "km", "os", model, variable, level, "surv_upper@12", 0.75);
}

static void add_hr(results *r, const char *model, const char *variable, const char *level, double hr, double p)
{
    add(r, "cox", "os", model, variable, level, "hr", hr);
    add(r, "cox", "os", model, variable, level, "hr_lower", hr / 2);
    add(r, "cox", "os", model, variable, level, "hr_upper", hr * 2);
    add(r, "cox", "os", model, variable, level, "p", p);
}

static void add_model(results *r, const char *model, double n, double events, double concordance)
{
    add(r, "cox", "os", model, "", "", "n", n);
    add(r, "cox", "os", model, "", "", "events", events);
    add(r, "cox", "os", model, "", "", "concordance", concordance);
    add(r, "cox", "os", model, "", "", "concordance_se", concordance / 20);
}

static void add_results(results *r)
{
    add_km(r, "unweighted", "all", "", 40, 30, 20);
    add_km(r, "unweighted", "burden", "<=50", 37, 28, 24);
    add_km(r, "unweighted", "burden", ">50", 3, 2, 6);
    add(r, "logrank", "os", "", "burden", "", "p", 0.0004);
    add_model(r, "univariate:burden", 40, 30, 0.55);
    add_hr(r, "univariate:burden", "burden", ">50", 2.5, 0.03);
    add_model(r, "univariate:age", 39, 29, 0.6);
    add_hr(r, "univariate:age", "age", "", 1.02, 0.2);
    add_model(r, "multivariable", 39, 29, 0.65);
    add_hr(r, "multivariable", "burden", ">50", 2.25, 0.05);
    add_hr(r, "multivariable", "age", "", 1.01, 0.4);
    const char *columns[] = {"overall", "A", "B"};
    const double n[] = {40, 22, 18}, yes[] = {12, 8, 4};
    for (size_t c = 0; c < 3; c++) {
        add(r, "table1", "", columns[c], "all", "", "n", n[c]);
        add(r, "table1", "", columns[c], "ehd", "no", "n", n[c] - yes[c]);
        add(r, "table1", "", columns[c], "ehd", "no", "pct", 100 * (n[c] - yes[c]) / n[c]);
        add(r, "table1", "", columns[c], "ehd", "yes", "n", yes[c]);
        add(r, "table1", "", columns[c], "ehd", "yes", "pct", 100 * yes[c] / n[c]);
        add(r, "table1", "", columns[c], "ehd", "", "missing", 0);
    }
    add(r, "table1", "", "", "ehd", "", "p_chisq", 0.31);
    add(r, "ps", "", "", "arm", "", "n", 40);
    add(r, "ps", "", "", "arm", "A", "n", 22);
    add(r, "ps", "", "", "arm", "A", "sum_w", 41.2);
    add(r, "ps", "", "", "arm", "A", "ess", 20.1);
    add(r, "ps", "", "", "arm", "A", "max_w", 3.2);
    add(r, "ps", "", "", "arm", "B", "n", 4);
    add(r, "ps", "", "", "arm", "B", "sum_w", 38.8);
    add(r, "ps", "", "", "arm", "B", "ess", 3.5);
    add(r, "ps", "", "", "arm", "B", "max_w", 11.4);
    assert_int_equal(results_warn_about(r, (result_subject){"os", "univariate:age", "age", NULL}, "monotone"), EMBOLO_OK);
    assert_int_equal(results_warn_about(r, (result_subject){.variable = "burden", .level = "<=50"}, "unbalanced"),
                     EMBOLO_OK);
    assert_int_equal(results_warn_about(r, (result_subject){"os", "multivariable_breslow", NULL, NULL}, "few events"),
                     EMBOLO_OK);
    assert_int_equal(results_warn(r, "plain text about %s", "grade"), EMBOLO_OK);
    assert_int_equal(results_warn_about(r, (result_subject){"os", "subgroup:burden=<=50", "arm", NULL}, "no event"),
                     EMBOLO_OK);
    assert_int_equal(results_warn_about(r, (result_subject){"os", "finegray_univariate:age", "age", NULL}, "flat"),
                     EMBOLO_OK);
}

static int setup(void **state)
{
    static fixture f;
    char message[256];
    memset(&f, 0, sizeof f);
    assert_int_equal(study_parse(study_text, strlen(study_text), "small.ini", &f.s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(f.s, 40, &f.d), EMBOLO_OK);
    f.d->rows_read = 41;
    f.d->n = 40;
    f.d->tally[0] = (endpoint_tally){.analysed = 40, .events = 30, .event_values = 30, .censor_values = 10};
    for (size_t i = 0; i < 40; i++) {
        f.d->record[i] = i + 1;
        f.d->time[0][i] = (double)i;
        f.d->event[0][i] = i < 30;
        for (size_t v = 0; v < f.s->n_variables; v++)
            dataset_set_value(f.d, v, i, v == 0 ? 60.0 : (double)(i % 2));
    }
    assert_non_null(f.log = exclusion_log_new());
    assert_non_null(f.r = results_new());
    assert_int_equal(template_default(&f.t), EMBOLO_OK);
    add_results(f.r);
    f.in = (render_input){.version = "9.9", .study = f.s, .data = f.d, .log = f.log, .results = f.r, .template = f.t};
    build_context_init(&f.b, &f.in);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    build_fixture_free(*state);
    return 0;
}

/* ---- tests ---- */

static void test_survival(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "T All patients | 40 | 30 | 20.0 (10.0\xe2\x80\x93NA) | 50.0 (25.0\xe2\x80\x93" "75.0) | ",
        "H Tumour burden |  |  |  |  | <0.001",
        "L \xe2\x89\xa4" "50 | 37 | 28 | 24.0 (12.0\xe2\x80\x93NA) | 50.0 (25.0\xe2\x80\x93" "75.0) | ",
        "L >50 | 3 | 2 | 6.0 (3.0\xe2\x80\x93NA) | 50.0 (25.0\xe2\x80\x93" "75.0) | ",
    };
    table *t = build_table(&f->b, BUILD_SURVIVAL, 0);
    expect_model(t, "Overall survival by subgroup", lines, 4);
    assert_string_equal(t->columns[3].header, "Median, months\n(95% CI)");
    assert_string_equal(t->columns[4].header, "12 months\n% (95% CI)");
    assert_string_equal(t->columns[4].parts[0], "Survival at 12 months");
    assert_string_equal(t->key, "Overall survival");
    assert_int_equal(t->n_footnotes, 1);
    table_free(t);
}

/* Share: counts from 1 to 4 are "<5" and the estimates of their line "—". */
static void test_survival_shared(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "T All patients | 40 | 30 | 20.0 (10.0\xe2\x80\x93NA) | 50.0 (25.0\xe2\x80\x93" "75.0) | ",
        "H Tumour burden |  |  |  |  | <0.001",
        "L \xe2\x89\xa4" "50 | 37 | 28 | 24.0 (12.0\xe2\x80\x93NA) | 50.0 (25.0\xe2\x80\x93" "75.0) | ",
        "L >50 | <5 | <5 | \xe2\x80\x94 | \xe2\x80\x94 | ",
    };
    f->t->share = 1;
    table *t = build_table(&f->b, BUILD_SURVIVAL, 0);
    f->t->share = 0;
    expect_model(t, "Overall survival by subgroup", lines, 4);
    assert_true(t->rows[3].cells[1].value[0] == 5);  /* the bound, not the count */
    table_free(t);
}

static void test_cox(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "H Tumour burden |  |  |  | ",
        "L \xe2\x89\xa4" "50 | 1 (reference) |  | 1 (reference) | ",
        "L >50 | 2.50 (1.25\xe2\x80\x93" "5.00) | 0.030 | 2.25 (1.12\xe2\x80\x93" "4.50) | 0.050",
        "P Age (years), per unit | 1.02 (0.51\xe2\x80\x93" "2.04) | 0.200 | 1.01 (0.51\xe2\x80\x93" "2.02) | 0.400",
    };
    static const char *const fits[] = {
        "H Univariate |  |  | ",
        "L Tumour burden | 40 | 30 | 0.550 (0.028)",
        "L Age (years) | 39 | 29 | 0.600 (0.030)",
        "H Multivariable | 39 | 29 | 0.650 (0.033)",
    };
    table *t = build_table(&f->b, BUILD_COX, 0);
    expect_model(t, "Cox models, Overall survival", lines, 4);
    assert_int_equal(t->n_spans, 2);
    assert_string_equal(t->spans[0].text, "Univariate");
    assert_string_equal(t->spans[1].text, "Multivariable");
    assert_true(t->spans[1].first == 3 && t->spans[1].count == 2);
    table_free(t);
    t = build_table(&f->b, BUILD_COX_FIT, 0);
    expect_model(t, "Cox models, Overall survival: patients and events per model", fits, 4);
    table_free(t);
}

/* "1 (reference)" stands on the level of each model's reference_level line: here no row of the
 * multivariable model has the declared reference, so its hazard ratios are against >50 (issue 13). */
static void test_cox_effective_reference(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "H Tumour burden |  |  |  | ",
        "L \xe2\x89\xa4" "50 | 1 (reference) |  | 0.44 (0.22\xe2\x80\x93" "0.88) | 0.050",
        "L >50 | 2.50 (1.25\xe2\x80\x93" "5.00) | 0.030 | 1 (reference) | ",
        "P Age (years), per unit | 1.02 (0.51\xe2\x80\x93" "2.04) | 0.200 | 1.01 (0.51\xe2\x80\x93" "2.02) | 0.400",
    };
    add(f->r, "cox", "os", "univariate:burden", "burden", "<=50", "reference_level", 1);
    add(f->r, "cox", "os", "multivariable", "burden", ">50", "reference_level", 2);
    add_hr(f->r, "multivariable", "burden", "<=50", 0.44, 0.05);
    table *t = build_table(&f->b, BUILD_COX, 0);
    expect_model(t, "Cox models, Overall survival", lines, 4);
    table_free(t);
}

/* A yes/no variable takes one row (its non-reference level) unless the template asks for both. */
static void test_table1_yes_no(void **state)
{
    fixture *f = *state;
    static const char *const one[] = {"P Extrahepatic disease (yes) | 12 (30.0%) | 8 (36.4%) | 4 (22.2%) | 0.310"};
    static const char *const both[] = {
        "H Extrahepatic disease |  |  |  | 0.310",
        "L no | 28 (70.0%) | 14 (63.6%) | 14 (77.8%) | ",
        "L yes | 12 (30.0%) | 8 (36.4%) | 4 (22.2%) | ",
    };
    table *t = build_table(&f->b, BUILD_TABLE1, 0);
    expect_model(t, "Table 1. Baseline characteristics by treatment group", one, 1);
    assert_string_equal(t->columns[1].header, "Overall\n(n = 40)");
    assert_string_equal(t->columns[3].header, "B\n(n = 18)");
    table_free(t);
    f->t->yes_no_both = 1;
    t = build_table(&f->b, BUILD_TABLE1, 0);
    f->t->yes_no_both = 0;
    expect_model(t, "Table 1. Baseline characteristics by treatment group", both, 3);
    table_free(t);
    f->t->share = 1;
    t = build_table(&f->b, BUILD_TABLE1, 0);
    f->t->share = 0;
    assert_string_equal(t->columns[1].header, "Overall\n(n = 40)");
    char text[64];
    table_cell_text(&t->rows[0].cells[3], text, sizeof text);
    assert_string_equal(text, "<5"); /* 4 of arm B, its percentage suppressed */
    table_free(t);
}

static void test_weights(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "P A | 22 | 41.2 | 20.1 | 91% | 3.20",
        "P B | 4 | 38.8 | 3.5 | 88% | 11.40",
        "T All with a weight | 40 |  |  |  | ",
    };
    static const char *const shared[] = {
        "P A | 22 | 41.2 | 20.1 | 91% | 3.20",
        "P B | <5 | \xe2\x80\x94 | \xe2\x80\x94 | \xe2\x80\x94 | \xe2\x80\x94",
        "T All with a weight | 40 |  |  |  | ",
    };
    table *t = build_table(&f->b, BUILD_WEIGHTS, 0);
    expect_model(t, "Propensity weights (ATE) per treatment group", lines, 3);
    table_free(t);
    f->t->share = 1;
    t = build_table(&f->b, BUILD_WEIGHTS, 0);
    f->t->share = 0;
    expect_model(t, "Propensity weights (ATE) per treatment group", shared, 3);
    table_free(t);
}

/* Warnings name their subject by labels; plain ones stay as written. */
static void test_warnings_by_labels(void **state)
{
    fixture *f = *state;
    char text[512];
    build_warning_text(&f->b, 0, text, sizeof text);
    assert_string_equal(text, "Overall survival, univariate Cox model of Age (years): monotone");
    build_warning_text(&f->b, 1, text, sizeof text);
    assert_string_equal(text, "Tumour burden \xe2\x89\xa4" "50: unbalanced");
    build_warning_text(&f->b, 2, text, sizeof text);
    assert_string_equal(text, "Overall survival, multivariable Cox model (Breslow ties): few events");
    build_warning_text(&f->b, 3, text, sizeof text);
    assert_string_equal(text, "plain text about grade");
    assert_string_equal(f->r->warnings[1], "burden <=50: unbalanced"); /* the manifest keeps the keys */
    assert_string_equal(f->r->warnings[0], "os univariate:age: monotone");
    build_warning_text(&f->b, 4, text, sizeof text);
    assert_string_equal(text, "Overall survival, Cox model within Tumour burden \xe2\x89\xa4" "50, Arm: no event");
    build_warning_text(&f->b, 5, text, sizeof text);
    assert_string_equal(text, "Overall survival, univariate Fine-Gray model of Age (years): flat");
}

/* Every kind builds on this run; the kinds per endpoint refuse an endpoint that is not there. */
static void test_every_kind_builds(void **state)
{
    fixture *f = *state;
    for (int kind = 0; kind < BUILD_KIND_COUNT; kind++) {
        table *t = build_table(&f->b, (build_table_kind)kind, 0);
        if (!t)
            print_error("kind %d\n", kind);
        assert_non_null(t);
        assert_int_equal(table_error(t), EMBOLO_OK);
        assert_true(t->title && t->title[0]);
        table_free(t);
    }
    assert_null(build_table(&f->b, BUILD_SURVIVAL, 1));
    assert_null(build_table(&f->b, BUILD_KIND_COUNT, 0));
}

/* The share rule, one for results.csv and every table: a hidden count suppresses the estimates of its
 * cell (n, events, patients, procedures) or of its family (major_ae_n ...); a count beside the cell's
 * (missing, mort30_unknown) suppresses none; parameters stay, procedure dates never show. */
static void test_share_rule(void **state)
{
    fixture *f = *state;
    results *r = results_new();
    assert_non_null(r);
    add(r, "km", "os", "unweighted", "g", "a", "n", 3);
    add(r, "km", "os", "unweighted", "g", "a", "median", 12);
    add(r, "km", "os", "unweighted", "g", "b", "n", 30);
    add(r, "km", "os", "unweighted", "g", "b", "median", 10);
    add(r, "table1", "", "A", "age", "", "n", 40);
    add(r, "table1", "", "A", "age", "", "missing", 2);
    add(r, "table1", "", "A", "age", "", "mean", 60);
    const char *const stats[] = {"procedures", "major_ae_n", "major_ae_events", "major_ae_rate", "mort30_n",
                                 "mort30_events", "mort30_rate", "mort30_unknown", "mort30_patient_n",
                                 "mort30_patient_rate", "major_ae_threshold", "grade@4"};
    const double values[] = {40, 40, 2, 0.05, 40, 6, 0.15, 1, 3, 0.33, 0.1, 2};
    for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++)
        add(r, "safety", "", "", "modality", "TACE", stats[k], values[k]);
    add(r, "audit_safety", "", "month", "all", "", "procedures", 3);
    add(r, "audit_safety", "", "month", "all", "", "start", 20121201);
    add(r, "audit_safety", "", "month", "all", "", "major_ae_threshold", 0.1);
    add(r, "audit_safety", "", "month", "all", "", "major_ae_rate", 0.5);
    add(r, "cusum", "", "", "all", "", "signal_date@1", 20120304);
    assert_int_equal(build_share_kind_of("n"), BUILD_SHARE_COUNT);
    assert_int_equal(build_share_kind_of("grade@4"), BUILD_SHARE_COUNT);
    assert_int_equal(build_share_kind_of("procedures@201212"), BUILD_SHARE_COUNT);
    assert_int_equal(build_share_kind_of("major_ae_threshold"), BUILD_SHARE_KEPT);
    assert_int_equal(build_share_kind_of("reference_level"), BUILD_SHARE_KEPT);
    assert_int_equal(build_share_kind_of("signal_date@2"), BUILD_SHARE_WITHHELD);
    assert_int_equal(build_share_kind_of("hr"), BUILD_SHARE_ESTIMATE);
    f->t->share = 1;
    assert_true(isnan(build_share_value(r, f->t, "km", "os", "unweighted", "g", "a", "median")));
    assert_true(build_share_value(r, f->t, "km", "os", "unweighted", "g", "a", "n") == 3); /* a count: as it is */
    assert_true(build_share_value(r, f->t, "km", "os", "unweighted", "g", "b", "median") == 10);
    assert_true(build_share_value(r, f->t, "table1", "", "A", "age", "", "mean") == 60);
    assert_true(isnan(build_share_value(r, f->t, "safety", "", "", "modality", "TACE", "major_ae_rate")));
    assert_true(build_share_value(r, f->t, "safety", "", "", "modality", "TACE", "mort30_rate") == 0.15);
    assert_true(isnan(build_share_value(r, f->t, "safety", "", "", "modality", "TACE", "mort30_patient_rate")));
    assert_true(build_share_value(r, f->t, "safety", "", "", "modality", "TACE", "major_ae_threshold") == 0.1);
    assert_true(isnan(build_share_value(r, f->t, "audit_safety", "", "month", "all", "", "major_ae_rate")));
    assert_true(build_share_value(r, f->t, "audit_safety", "", "month", "all", "", "start") == 20121201);
    assert_true(build_share_value(r, f->t, "audit_safety", "", "month", "all", "", "major_ae_threshold") == 0.1);
    assert_true(isnan(build_share_value(r, f->t, "cusum", "", "", "all", "", "signal_date@1")));
    f->t->share = 0;
    assert_true(build_share_value(r, f->t, "km", "os", "unweighted", "g", "a", "median") == 12);
    assert_true(build_share_value(r, f->t, "cusum", "", "", "all", "", "signal_date@1") == 20120304);
    assert_false(build_share_suppressed(r, f->t, "km", "os", "unweighted", "g", "a", "median"));
    results_free(r);
}

/* Share: a hazard ratio whose level has fewer than 5 patients or events (its n and events lines) is
 * suppressed, with a note; the same model's other rows and the other models' are shown. */
static void test_cox_level_suppressed(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        "H Tumour burden |  |  |  | ",
        "L \xe2\x89\xa4" "50 | 1 (reference) |  | 1 (reference) | ",
        "L >50 | 2.50 (1.25\xe2\x80\x93" "5.00) | 0.030 | \xe2\x80\x94 | \xe2\x80\x94",
        "P Age (years), per unit | 1.02 (0.51\xe2\x80\x93" "2.04) | 0.200 | 1.01 (0.51\xe2\x80\x93" "2.02) | 0.400",
    };
    add(f->r, "cox", "os", "multivariable", "burden", ">50", "n", 3);
    add(f->r, "cox", "os", "multivariable", "burden", ">50", "events", 2);
    add(f->r, "cox", "os", "univariate:burden", "burden", ">50", "n", 12);
    add(f->r, "cox", "os", "univariate:burden", "burden", ">50", "events", 6);
    f->t->share = 1;
    table *t = build_table(&f->b, BUILD_COX, 0);
    f->t->share = 0;
    expect_model(t, "Cox models, Overall survival", lines, 4);
    assert_non_null(strstr(t->footnotes[t->n_footnotes - 1], "suppressed (a level with fewer than 5 patients"));
    table_free(t);
}

/* The values that match no level, once per variable and value with their records; under share the
 * values are not shown and a small count is "<5". */
static void test_unmatched_values(void **state)
{
    fixture *f = *state;
    static const char *const lines[] = {
        ("H Tumour burden (levels: \xe2\x89\xa4" "50, >50) |  | "),
        "L 60% | 3 | treated as missing (W_INVALID_VALUE)",
        "H Arm (levels: A, B) |  | ",
        "L C | 7 | records excluded (E_UNKNOWN_TREATMENT)",
        "L c- | 1 | records excluded (E_UNKNOWN_TREATMENT)",
    };
    static const char *const shared[] = {
        ("H Tumour burden (levels: \xe2\x89\xa4" "50, >50) |  | "),
        "L (a value not shown) | <5 | treated as missing (W_INVALID_VALUE)",
        "H Arm (levels: A, B) |  | ",
        "L (a value not shown) | 7 | records excluded (E_UNKNOWN_TREATMENT)",
        "L (a value not shown) | <5 | records excluded (E_UNKNOWN_TREATMENT)",
    };
    table *t = build_table(&f->b, BUILD_UNMATCHED, 0);
    assert_non_null(t);
    assert_int_equal(t->n_rows, 1);
    assert_int_equal(t->rows[0].role, TABLE_ROW_NOTE);
    table_free(t);
    size_t index;
    const struct {
        size_t variable;
        const char *value;
        size_t count;
    } values[] = {{3, "c-", 1}, {1, "60%", 3}, {3, "C", 7}};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(exclusion_log_add_unmatched(f->log, values[k].variable, values[k].value,
                                                     strlen(values[k].value), &index),
                         EMBOLO_OK);
        f->log->unmatched[index].count = values[k].count;
    }
    t = build_table(&f->b, BUILD_UNMATCHED, 0);
    expect_model(t, "Values that match no level or alias", lines, 5);
    table_free(t);
    f->t->share = 1;
    t = build_table(&f->b, BUILD_UNMATCHED, 0);
    f->t->share = 0;
    expect_model(t, "Values that match no level or alias", shared, 5);
    table_free(t);
    f->log->n_unmatched = 0;
    for (size_t k = 0; k < 3; k++)
        free(f->log->unmatched[k].value);
}

/* An endpoint without events (here: no record has an event value) says so under its tables and in
 * the Summary, instead of leaving NA to be read as "not reached". */
static void test_endpoint_without_events(void **state)
{
    fixture *f = *state;
    const char *want = "no record has an event value (1) in the column s: the endpoint has no events, so no median, "
                       "survival difference or hazard ratio can be estimated";
    char text[512];
    endpoint_tally kept = f->d->tally[0];
    f->d->tally[0] = (endpoint_tally){.analysed = 10, .events = 0, .event_values = 0, .censor_values = 10};
    table *t = build_table(&f->b, BUILD_SURVIVAL, 0);
    snprintf(text, sizeof text, "Warning: %s.", want);
    assert_string_equal(t->footnotes[t->n_footnotes - 1], text);
    table_free(t);
    t = build_table(&f->b, BUILD_FLOW_ENDPOINTS, 0);
    snprintf(text, sizeof text, "Warning: Overall survival: %s.", want);
    assert_string_equal(t->footnotes[t->n_footnotes - 1], text);
    table_free(t);
    t = build_table(&f->b, BUILD_SUMMARY, 0);
    int found = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        found |= !strcmp(t->rows[r].label, "Warning") && t->rows[r].cells[1].text &&
                 !strcmp(t->rows[r].cells[1].text, want);
    assert_true(found);
    table_free(t);
    f->d->tally[0] = (endpoint_tally){.analysed = 10, .events = 0, .event_values = 1, .censor_values = 10};
    assert_int_equal(build_endpoint_problem(&f->b, 0, text, sizeof text), 1);
    assert_string_equal(text, "no events among its 10 analysed records: no median, survival difference or hazard "
                              "ratio can be estimated");
    f->d->tally[0] = kept;
    assert_int_equal(build_endpoint_problem(&f->b, 0, text, sizeof text), 0);
    t = build_table(&f->b, BUILD_SURVIVAL, 0);
    assert_int_equal(t->n_footnotes, 1);
    table_free(t);
}

/* The audit template on any study: a time/status endpoint says its period counts need dates, and the
 * benchmarks the study lacks are counted. */
static void test_audit_notes(void **state)
{
    fixture *f = *state;
    f->in.has_as_of = 1;
    f->in.as_of = 15705; /* 2012-12-31 */
    table *t = build_table(&f->b, BUILD_AUDIT, 0);
    assert_int_equal(t->n_rows, 1);
    assert_int_equal(t->rows[0].role, TABLE_ROW_NOTE);
    assert_string_equal(t->rows[0].label, "Overall survival: times and status, not dates: its procedures and events "
                                          "in the month and to date cannot be counted (the audit needs the date form).");
    table_free(t);
    f->in.has_as_of = 0;
    f->t->n_skipped_benchmarks = 6;
    t = build_table(&f->b, BUILD_BENCHMARKS, 0);
    f->t->n_skipped_benchmarks = 0;
    assert_int_equal(t->n_rows, 1);
    assert_string_equal(t->rows[0].label, "6 benchmarks of the template were skipped: the study lacks their endpoint, "
                                          "variable or level (the warnings name them).");
    table_free(t);
    t = build_table(&f->b, BUILD_BENCHMARKS, 0);
    assert_string_equal(t->rows[0].label, "The template names no benchmark.");
    table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survival),      cmocka_unit_test(test_survival_shared),
        cmocka_unit_test(test_cox),           cmocka_unit_test(test_table1_yes_no),
        cmocka_unit_test(test_weights),       cmocka_unit_test(test_warnings_by_labels),
        cmocka_unit_test(test_every_kind_builds),     cmocka_unit_test(test_share_rule),
        cmocka_unit_test(test_cox_level_suppressed),  cmocka_unit_test(test_unmatched_values),
        cmocka_unit_test(test_endpoint_without_events), cmocka_unit_test(test_audit_notes),
        cmocka_unit_test(test_cox_effective_reference),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
