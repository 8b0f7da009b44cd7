/* The round-2 tables (issue 18) built from a small hand-made run, each model compared with its expected
 * lines: the pairwise and trend log-rank tests, the RMST with differences, the cumulative incidence
 * with Gray's p, the Fine-Gray models beside the cause-specific ones and their fits, the log-rank
 * tests and multivariable model by centre and their fits, the treatment effect within subgroups, the
 * E-value column of the Cox table; share suppression of their counts; the notes when the study does
 * not ask; and the document's sections, present only when the study asks for their analyses. */
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
#include "round2_fixture.h"
#include "render/build.h"
#include "render/document.h"
#include "testutil.h"

#define EN "\xe2\x80\x93"   /* the dash of an interval */
#define EM "\xe2\x80\x94"   /* a suppressed estimate */
#define LE "\xe2\x89\xa4"

typedef build_fixture fixture;

static int setup(void **state)
{
    static fixture f;
    round2_fixture_make(&f, round2_study_text);
    round2_results_add(f.r);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    build_fixture_free(*state);
    return 0;
}

/* The table of a kind built under share (min_count 5) or not. */
static table *built(fixture *f, build_table_kind kind, int share)
{
    f->t->share = share;
    table *t = build_table(&f->b, kind, 0);
    f->t->share = 0;
    return t;
}

/* ---- tests ---- */

static void test_pairwise(void **state)
{
    static const char *const lines[] = {
        "H Grade |  |  | ",
        "L G1 vs G2 | 1.50 | 0.220 | 0.220",
        "L G1 vs G3 | 9.00 | 0.003 | 0.008",
        "L G2 vs G3 | NA | NA | NA",
        "L Test for trend | 7.20 | 0.007 | ",
    };
    static const char *const shared[] = {
        "H Grade |  |  | ",
        "L G1 vs G2 | 1.50 | 0.220 | 0.220",
        "L G1 vs G3 | " EM " | " EM " | " EM,  /* G3: 4 patients, 3 events */
        "L G2 vs G3 | " EM " | " EM " | " EM,
        "L Test for trend | 7.20 | 0.007 | ",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_PAIRWISE, 0);
    expect_model(t, "Progression by subgroup: pairwise and trend log-rank tests", lines, 5);
    assert_int_equal(t->n_footnotes, 1);
    assert_non_null(strstr(t->footnotes[0], "Holm"));
    table_free(t);
    t = built(f, BUILD_PAIRWISE, 1);
    expect_model(t, "Progression by subgroup: pairwise and trend log-rank tests", shared, 5);
    table_free(t);
}

/* RMST per group, differences from the reference; under share a group of fewer than 5 patients
 * loses its estimates, and the differences from a hidden reference go with it. */
static void test_rmst(void **state)
{
    static const char *const lines[] = {
        "T All patients | 40 | 30 | 15.0 (13.0" EN "17.0) |  | ",
        "H Grade |  |  |  |  | ",
        "L G1 | 20 | 15 | 18.0 (16.0" EN "20.0) | reference | ",
        "L G2 | 16 | 12 | 14.0 (12.0" EN "16.0) | -4.0 (-6.8 to -1.2) | 0.005",
        "L G3 | 4 | 3 | 8.0 (4.0" EN "12.0) | -10.0 (-14.5 to -5.5) | <0.001",
        "H Tumour burden |  |  |  |  | ",
        "L " LE "50 | 37 | 28 | 16.0 (14.0" EN "18.0) | reference | ",
        "L >50 | 3 | 2 | 9.0 (5.0" EN "13.0) | -7.0 (-12.0 to -2.0) | 0.006",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_RMST, 0);
    expect_model(t, "Restricted mean survival time to 24 months, Progression", lines, 8);
    assert_string_equal(t->columns[3].header, "RMST, months\n(95% CI)");
    assert_string_equal(t->key, "Progression");
    table_free(t);
    t = built(f, BUILD_RMST, 1);
    char text[64];
    table_cell_text(&t->rows[4].cells[1], text, sizeof text);
    assert_string_equal(text, "<5");
    for (size_t c = 3; c < 6; c++) {
        table_cell_text(&t->rows[4].cells[c], text, sizeof text);
        assert_string_equal(text, EM);  /* G3: 4 patients */
        table_cell_text(&t->rows[7].cells[c], text, sizeof text);
        assert_string_equal(text, EM);  /* >50: 3 patients */
    }
    table_cell_text(&t->rows[3].cells[4], text, sizeof text);
    assert_string_equal(text, "-4.0 (-6.8 to -1.2)");
    table_free(t);
}

static void test_cif(void **state)
{
    static const char *const lines[] = {
        "T All patients | 40 | 20 | 10 | 30.0 (20.0" EN "45.0) | ",
        "H Grade |  |  |  |  | 0.040",
        "L G1 | 20 | 8 | 6 | 25.0 (12.5" EN "50.0) | ",
        "L G2 | 16 | 9 | 3 | 37.5 (20.0" EN "70.0) | ",
        "L G3 | 4 | 3 | 1 | 75.0 (45.0" EN "100.0) | ",
        "H Arm, propensity-weighted (ATE) |  |  |  |  | ",
        "L A | 22 | 11 | 6 | 28.0 (15.0" EN "50.0) | ",
        "L B | 18 | 9 | 4 | 33.0 (18.0" EN "60.0) | ",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_CIF, 0);
    expect_model(t, "Cumulative incidence by subgroup, Progression", lines, 8);
    assert_string_equal(t->columns[3].header, "Competing\nevents");
    assert_string_equal(t->columns[5].header, "Gray's\np");
    assert_string_equal(t->columns[4].parts[0], "Cumulative incidence at 12 months");
    table_free(t);
    t = built(f, BUILD_CIF, 1);
    static const char *const g3[] = {"L G3 | <5 | <5 | <5 | " EM " | "};
    char line[512];
    test_model_line(t, &t->rows[4], line, sizeof line);
    assert_string_equal(line, g3[0]);
    table_free(t);
}

static void test_finegray(void **state)
{
    static const char *const lines[] = {
        "H Grade |  |  |  |  |  | 0.004 |  | 0.004",
        "L G1 | 1 (reference) |  | 1 (reference) |  | 1 (reference) |  | 1 (reference) | ",
        "L G2 | 1.40 (0.70" EN "2.80) | 0.250 | 1.20 (0.60" EN "2.40) | 0.600 | 1.50 (0.75" EN "3.00) | 0.200 | "
        "2.25 (1.12" EN "4.50) | 0.200",
        "L G3 | 3.00 (1.50" EN "6.00) | 0.010 | 2.00 (1.00" EN "4.00) | 0.050 | 4.00 (2.00" EN "8.00) | 0.002 | "
        "4.00 (2.00" EN "8.00) | 0.002",
        "P Age (years), per unit |  |  |  |  | 1.02 (0.51" EN "2.04) | 0.300 | 1.02 (0.51" EN "2.04) | 0.300",
    };
    static const char *const fits[] = {
        "H Univariate |  |  | ",
        "L Grade | 40 | 20 | 10",
        "H Multivariable | 40 | 20 | 10",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_FINEGRAY, 0);
    expect_model(t, "Competing-risks regression, Progression", lines, 5);
    assert_int_equal(t->n_spans, 4);
    assert_string_equal(t->spans[1].text, "Univariate, Fine-Gray");
    assert_string_equal(t->columns[3].header, "SHR (95% CI)");
    assert_string_equal(t->columns[3].parts[0], "SHR");
    table_free(t);
    t = built(f, BUILD_FINEGRAY_FIT, 0);
    expect_model(t, "Fine-Gray models, Progression: patients and events per model", fits, 3);
    assert_string_equal(t->columns[3].header, "Competing events");
    table_free(t);
}

static void test_centre(void **state)
{
    static const char *const tests[] = {
        "P Grade | 9.10 | 2 | 0.011 | 8.00 | 2 | 0.018",
        "P Tumour burden | 4.00 | 1 | 0.045 |  |  | ",
    };
    static const char *const models[] = {
        "H Grade |  | 0.004 |  | 0.004 |  | 0.004",
        "L G1 | 1 (reference) |  | 1 (reference) |  | 1 (reference) | ",
        "L G2 | 1.50 (0.75" EN "3.00) | 0.200 | 1.75 (0.88" EN "3.50) | 0.200 | 2.00 (1.00" EN "4.00) | 0.200",
        "L G3 | 4.00 (2.00" EN "8.00) | 0.002 | NA | NA | 4.00 (2.00" EN "8.00) | 0.002",
        "P Age (years), per unit | 1.02 (0.51" EN "2.04) | 0.300 | 1.02 (0.51" EN "2.04) | 0.300 | 1.02 (0.51" EN
        "2.04) | 0.300",
    };
    static const char *const fits[] = {
        "P Unstratified | 40 | 30 | 0.700 (0.035)",
        "P Stratified by Centre | 38 | 28 | 0.720 (0.036)",
        "P Cluster-robust (Centre) | 38 | 28 | ",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_CENTRE_LOGRANK, 0);
    expect_model(t, "Multicentre analyses, Progression: log-rank tests", tests, 2);
    assert_string_equal(t->spans[1].text, "Stratified by Centre");
    table_free(t);
    t = built(f, BUILD_CENTRE_COX, 0);
    expect_model(t, "Multicentre analyses, Progression: multivariable Cox model", models, 5);
    assert_string_equal(t->spans[2].text, "Cluster-robust (Centre)");
    assert_string_equal(t->join_title, "Multicentre analyses: multivariable Cox model");
    table_free(t);
    t = built(f, BUILD_CENTRE_FIT, 0);
    expect_model(t, "Multicentre analyses, Progression: patients and events per model", fits, 3);
    table_free(t);
}

/* One centre: no cluster-robust model, which the table's note says, and no row for it in the fits. */
static void test_centre_without_clusters(void **state)
{
    static const char *const models[] = {
        "H Grade |  |  |  | ",
        "L G1 | 1 (reference) |  | 1 (reference) | ",
        "L G2 | 2.00 (1.00" EN "4.00) | 0.050 | 2.00 (1.00" EN "4.00) | 0.050",
        "L G3 | 2.00 (1.00" EN "4.00) | 0.050 | 2.00 (1.00" EN "4.00) | 0.050",
        "P Age (years), per unit | 1.02 (0.51" EN "2.04) | 0.300 | 1.10 (0.55" EN "2.20) | 0.400",
    };
    static const char *const fits[] = {
        "P Unstratified | 40 | 30 | ",
        "P Stratified by Centre | 40 | 30 | ",
    };
    (void)state;
    build_fixture f;
    round2_fixture_make(&f, round2_study_text);
    for (size_t m = 0; m < 2; m++) {
        round2_add_hr(f.r, m ? "multivariable_stratified" : "multivariable", "grade", "G2", 2.0, 0.05);
        round2_add_hr(f.r, m ? "multivariable_stratified" : "multivariable", "grade", "G3", 2.0, 0.05);
    }
    round2_add_hr(f.r, "multivariable", "age", "", 1.02, 0.3);
    round2_add_hr(f.r, "multivariable_stratified", "age", "", 1.1, 0.4);
    round2_add_fit(f.r, "multivariable", 40, 30, NAN, NULL);
    round2_add_fit(f.r, "multivariable_stratified", 40, 30, NAN, NULL);
    table *t = build_table(&f.b, BUILD_CENTRE_COX, 0);
    expect_model(t, "Multicentre analyses, Progression: multivariable Cox model", models, 5);
    assert_int_equal(t->n_spans, 2);
    assert_non_null(strstr(t->footnotes[0], "no cluster-robust model (fewer than two centres)"));
    table_free(t);
    t = build_table(&f.b, BUILD_CENTRE_FIT, 0);
    expect_model(t, "Multicentre analyses, Progression: patients and events per model", fits, 2);
    table_free(t);
    build_fixture_free(&f);
}

/* The treatment within each forest level: a level without a model shows its counts alone. */
static void test_subgroup_effects(void **state)
{
    static const char *const lines[] = {
        "T All patients | 40 | 30 | 1.50 (0.75" EN "3.00) | 0.200 | 1.40 (0.70" EN "2.80) | 0.300 | ",
        "H Tumour burden |  |  |  |  |  |  | 0.500",
        "L " LE "50 | 37 | 28 | 1.60 (0.80" EN "3.20) | 0.150 | 1.50 (0.75" EN "3.00) | <0.001 | ",
        "L >50 | 3 | 2 |  |  |  |  | ",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_SUBGROUP_EFFECTS, 0);
    expect_model(t, "Treatment effect within subgroups, Progression", lines, 4);
    assert_string_equal(t->spans[1].text, "Propensity-weighted (ATE)");
    assert_non_null(strstr(t->footnotes[0], "against A"));
    table_free(t);
    t = built(f, BUILD_SUBGROUP_EFFECTS, 1);
    char line[512];
    test_model_line(t, &t->rows[3], line, sizeof line);
    assert_string_equal(line, "L >50 | <5 | <5 |  |  |  |  | ");
    table_free(t);
}

/* The multivariable model's E-values (point and CI limit) in a column of their own. */
static void test_cox_evalues(void **state)
{
    static const char *const lines[] = {
        "H Grade |  |  |  | 0.004 |  |  | ",
        "L G1 | 1 (reference) |  | 1 (reference) |  |  |  | ",
        "L G2 | 1.40 (0.70" EN "2.80) | 0.250 | 1.50 (0.75" EN "3.00) | 0.200 | 2.37 (1.00) |  | ",
        "L G3 | 3.00 (1.50" EN "6.00) | 0.010 | 4.00 (2.00" EN "8.00) | 0.002 | 7.46 (2.86) |  | ",
        "P Age (years), per unit |  |  | 1.02 (0.51" EN "2.04) | 0.300 | 1.10 (1.00) |  | ",
        "H Arm |  |  |  |  |  |  | ",
        "L A |  |  |  |  |  | 1 (reference) | ",
        "L B |  |  |  |  |  | 1.40 (0.70" EN "2.80) | 0.300",
    };
    fixture *f = *state;
    table *t = built(f, BUILD_COX, 0);
    expect_model(t, "Cox models, Progression", lines, 8);
    assert_string_equal(t->columns[5].header, "E-value\n(CI)");
    assert_string_equal(t->columns[5].parts[1], "E-value of the CI");
    assert_true(t->spans[1].first == 3 && t->spans[1].count == 3);
    assert_non_null(strstr(t->footnotes[0], "E-value (CI)"));
    table_free(t);
}

/* A study that asks for none of it: each table is a note, and the document has none of their sections. */
static void test_not_asked(void **state)
{
    static const build_table_kind kinds[] = {BUILD_RMST, BUILD_CIF, BUILD_FINEGRAY, BUILD_FINEGRAY_FIT,
                                             BUILD_CENTRE_LOGRANK, BUILD_CENTRE_COX, BUILD_CENTRE_FIT,
                                             BUILD_SUBGROUP_EFFECTS, BUILD_PAIRWISE};
    (void)state;
    fixture f;
    embolo_error err;
    round2_fixture_make(&f, round2_plain_text);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        table *t = build_table(&f.b, kinds[k], 0);
        assert_non_null(t);
        assert_true(document_table_is_note(t));
        table_free(t);
    }
    document *d = document_build(&f.in, &err);
    assert_non_null(d);
    for (size_t i = 0; i < d->n_blocks; i++)
        if (d->blocks[i].kind == DOC_SECTION)
            assert_null(strstr("Restricted mean survival time|Cumulative incidence (competing risks)|Multicentre "
                               "analyses|Competing-risks regression (Fine-Gray)|Treatment effect within subgroups",
                               d->blocks[i].text));
    for (size_t i = 0; i < d->n_sheets; i++)
        assert_true(d->sheets[i].kind < SHEET_RMST);
    document_free(d);
    build_fixture_free(&f);
}

/* The study that asks: each section in the template's order, its tables in it, and a sheet each. */
static void test_sections_when_asked(void **state)
{
    static const char *const sections[] = {"Restricted mean survival time", "Cumulative incidence (competing risks)",
                                           "Multicentre analyses", "Competing-risks regression (Fine-Gray)",
                                           "Treatment effect within subgroups"};
    static const char *const sheets[] = {"RMST", "Cumulative incidence", "Multicentre", "Fine-Gray", "Subgroup effects"};
    fixture *f = *state;
    embolo_error err;
    size_t found = 0, tables_after = 0, pairwise = 0;
    document *d = document_build(&f->in, &err);
    assert_non_null(d);
    for (size_t i = 0; i < d->n_blocks; i++) {
        const doc_block *b = &d->blocks[i];
        if (b->kind == DOC_SECTION && found < 5 && !strcmp(b->text, sections[found]))
            found++, tables_after += i + 1 < d->n_blocks && d->blocks[i + 1].kind == DOC_TABLE;
        pairwise += b->kind == DOC_TABLE && strstr(b->table->title, "pairwise") != NULL;
    }
    assert_int_equal(found, 5);
    assert_int_equal(tables_after, 5);
    assert_int_equal(pairwise, 1);
    for (size_t k = 0, i = 0; k < 5; k++) {
        while (i < d->n_sheets && strcmp(d->sheets[i].name, sheets[k]))
            i++;
        assert_true(i < d->n_sheets);
        assert_true(d->sheets[i].n_tables > 0);
    }
    document_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairwise),         cmocka_unit_test(test_rmst),
        cmocka_unit_test(test_cif),              cmocka_unit_test(test_finegray),
        cmocka_unit_test(test_centre),           cmocka_unit_test(test_centre_without_clusters),
        cmocka_unit_test(test_subgroup_effects),
        cmocka_unit_test(test_cox_evalues),      cmocka_unit_test(test_not_asked),
        cmocka_unit_test(test_sections_when_asked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
