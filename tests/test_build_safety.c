/* The procedures' table builders (build_safety.c, build_audit_safety.c, build_procedures.c) on four
 * procedures of three patients run through the procedure statistics: each table's model against its
 * expected lines ("role label | cell | cell ..."), the share template's suppression (counts "<5",
 * their estimates "—", operators numbered, no date, no AE term), the SIR scale's words, and a run
 * without a procedures file, whose document has none of these sections or sheets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "common/text.h"
#include "model/safety.h"
#include "render/build.h"
#include "render/document.h"
#include "render_testutil.h"

#define DASH "\xe2\x80\x94"
#define EN "\xe2\x80\x93"

static const char study_text[] =
    "[study]\nid = pid\ntitle = Small\n"
    "[endpoint.os]\nstart = start\nevent_dates = death\ncensor_date = last\n"
    "[variable.age]\ntype = numeric\n"
    "[variable.modality]\ntype = categorical\nlevels = A, B\n"
    "[treatment]\nvariable = modality\nps_covariates = age\n"
    "[procedures]\nid = pid\ndate = date\nmodality = m\nae_grade = g\nae_term = term\ntechnical_success = ok\n"
    "activity_gbq = gbq\noperator = op\n";

typedef struct fixture {
    study *study;
    dataset *data;
    procedure_set *procedures;
    procedure_thresholds *thresholds;
    exclusion_log *log;
    results *results;
    report_template *t;
    render_input in;
    build_context b;
} fixture;

static long day_of(const char *iso)
{
    long day;
    assert_true(text_parse_date(iso, strlen(iso), DATE_FORMAT_ISO, &day));
    return day;
}

static void add_procedure(fixture *f, size_t record, size_t patient, const char *date, int modality, int session,
                          int grade, int death30, int success, double activity, int op, const char *term)
{
    procedure p = {.record = record, .patient = patient, .day = day_of(date), .modality = modality,
                   .session = session, .grade = grade, .death30 = death30, .success = success,
                   .activity = activity, .operator_index = op};
    assert_int_equal(procedure_set_add(f->procedures, &p, term, NULL), EMBOLO_OK);
}

static void fixture_data(fixture *f)
{
    static const char *const ids[] = {"P-1", "P-2", "P-3"};
    assert_int_equal(dataset_new(f->study, 3, &f->data), EMBOLO_OK);
    f->data->n = 3;
    f->data->rows_read = 3;
    f->data->sessions = calloc(3, sizeof *f->data->sessions);
    f->data->crossover = calloc(3, 1);
    assert_non_null(f->data->sessions);
    assert_non_null(f->data->crossover);
    for (size_t i = 0; i < 3; i++) {
        f->data->record[i] = i + 1;
        assert_int_equal(dataset_set_id(f->data, i, ids[i], strlen(ids[i])), EMBOLO_OK);
    }
    f->data->sessions[0] = 2;
    f->data->sessions[1] = f->data->sessions[2] = 1;
    f->data->crossover[0] = 1;
}

/* Patient 0: A (major AE "Bleed", operator Xu) then B (operator Yi): a crossover A>B. Patient 1: A in
 * the month, died within 30 days, failed, 2 GBq, a major AE "Liver failure" (grade 5). Patient 2: B,
 * grade and status unknown, 4 GBq, no operator. The audit's reference date is 2012-06-15. */
static void fixture_procedures(fixture *f)
{
    size_t index;
    assert_non_null(f->procedures = procedure_set_new());
    f->procedures->has_grade = f->procedures->has_success = f->procedures->has_activity = 1;
    f->procedures->has_operator = f->procedures->has_term = 1;
    f->procedures->records = 5;
    f->procedures->excluded = 1;
    assert_int_equal(procedure_set_add_operator(f->procedures, "Yi", &index), EMBOLO_OK);
    assert_int_equal(procedure_set_add_operator(f->procedures, "Xu", &index), EMBOLO_OK);
    add_procedure(f, 1, 0, "2011-01-10", 0, 1, 3, 0, 1, NAN, 1, "Bleed");
    add_procedure(f, 2, 0, "2012-06-01", 1, 2, 0, 0, 1, NAN, 0, NULL);
    add_procedure(f, 3, 1, "2012-06-10", 0, 1, 5, 1, 0, 2.0, 1, "Liver failure");
    add_procedure(f, 4, 2, "2011-08-01", 1, 1, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN, 4.0,
                  PROCEDURE_UNKNOWN, NULL);
}

static fixture *fixture_new(const char *extra_study)
{
    fixture *f = calloc(1, sizeof *f);
    char text[2048];
    assert_non_null(f);
    snprintf(text, sizeof text, "%s%s", study_text, extra_study);
    f->study = test_study_parse(text);
    fixture_data(f);
    fixture_procedures(f);
    assert_int_equal(procedure_thresholds_new(2, &f->thresholds), EMBOLO_OK);
    f->thresholds->level[1][THRESHOLD_MAJOR_AE] = 0.5;
    assert_non_null(f->log = exclusion_log_new());
    assert_non_null(f->results = results_new());
    assert_int_equal(safety_run(f->study, f->data, f->procedures, f->log, f->thresholds, 1, day_of("2012-06-15"),
                                f->results),
                     EMBOLO_OK);
    assert_int_equal(template_default(&f->t), EMBOLO_OK);
    f->in = (render_input){.version = "9.9", .study = f->study, .data = f->data, .log = f->log,
                           .results = f->results, .template = f->t, .procedures = f->procedures, .has_as_of = 1,
                           .as_of = day_of("2012-06-15")};
    build_context_init(&f->b, &f->in);
    return f;
}

static int setup(void **state)
{
    *state = fixture_new("");
    return 0;
}

static int setup_sir(void **state)
{
    *state = fixture_new("ae_scale = sir\n");
    return 0;
}

static int setup_share(void **state)
{
    fixture *f = fixture_new("");
    f->t->share = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    template_free(f->t);
    results_free(f->results);
    exclusion_log_free(f->log);
    procedure_thresholds_free(f->thresholds);
    procedure_set_free(f->procedures);
    dataset_free(f->data);
    study_free(f->study);
    free(f);
    return 0;
}

/* ---- a model as lines ---- */

static table *expect_model(void **state, build_table_kind kind, const char *title, const char *const *lines,
                           size_t n)
{
    fixture *f = *state;
    table *t = build_table(&f->b, kind, 0);
    assert_non_null(t);
    if (strcmp(t->title, title))
        print_error("title '%s'\n want '%s'\n", t->title, title);
    assert_string_equal(t->title, title);
    test_expect_rows(t, lines, n);
    return t;
}

/* Whether any footnote of t holds text. */
static int footnotes_hold(const table *t, const char *text)
{
    for (size_t i = 0; i < t->n_footnotes; i++)
        if (strstr(t->footnotes[i], text))
            return 1;
    return 0;
}

#define LINES(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

/* ---- the tables ---- */

static void test_sessions(void **state)
{
    table *t = expect_model(state, BUILD_SESSIONS, "Treatment sessions per patient, by the modality of the first "
                                                   "procedure",
                            LINES("P Patients with a procedure | 3 | 2 | 1",
                                  "P Sessions per patient, mean | 1.33 | 1.50 | 1.00",
                                  "P Sessions per patient, most | 2 |  | ",
                                  "P Repeat treatment (2 or more sessions), n (%) | 1 (33.3%) | 1 (50.0%) | 0 (0.0%)",
                                  "P Crossover to another modality, n (%) | 1 (33.3%) | 1 (50.0%) | 0 (0.0%)",
                                  "H Patients by number of sessions, n (%) |  |  | ",
                                  "L 1 session | 2 (66.7%) |  | ", "L 2 sessions | 1 (33.3%) |  | ",
                                  "H Crossovers (first modality > a later one), patients |  |  | ",
                                  "L A > B | 1 |  | ", "P Analysed patients without a procedure | 0 |  | "));
    assert_string_equal(t->columns[1].header, "All patients");
    assert_string_equal(t->columns[3].header, "B");
    assert_true(footnotes_hold(t, "Procedure records: 5 read, 4 included, 1 excluded"));
    table_free(t);
}

static void test_safety(void **state)
{
    table *t = expect_model(
        state, BUILD_SAFETY, "Adverse events and outcomes per procedure, by modality",
        LINES("P Procedures | 4 | 2 | 2 | ", "P Patients | 3 | 2 | 2 | ",
              "H Worst adverse event (CTCAE v5.0), n (%) |  |  |  | ",
              "L Grade 0 (none) | 1 (25.0%) | 0 (0.0%) | 1 (50.0%) | ",
              "L Grade 1 (mild) | 0 (0.0%) | 0 (0.0%) | 0 (0.0%) | ",
              "L Grade 2 (moderate) | 0 (0.0%) | 0 (0.0%) | 0 (0.0%) | ",
              "L Grade 3 (severe) | 1 (25.0%) | 1 (50.0%) | 0 (0.0%) | ",
              "L Grade 4 (life-threatening) | 0 (0.0%) | 0 (0.0%) | 0 (0.0%) | ",
              "L Grade 5 (death) | 1 (25.0%) | 1 (50.0%) | 0 (0.0%) | ",
              "L Unknown | 1 (25.0%) | 0 (0.0%) | 1 (50.0%) | ",
              "H Major adverse event, % (95% CI) | 66.7 (9.4" EN "99.2) | 100.0 (15.8" EN "100.0) | 0.0 (0.0" EN
              "97.5) | 0.333",
              "L Procedures with a major AE | 2 | 2 | 0 | ", "L Procedures with a known grade | 3 | 2 | 1 | ",
              "H 30-day mortality per procedure, % (95% CI) | 33.3 (0.8" EN "90.6) | 50.0 (1.3" EN "98.7) | 0.0 (0.0" EN
              "97.5) | 1.000",
              "L Deaths within 30 days | 1 | 1 | 0 | ", "L Procedures with a known 30-day status | 3 | 2 | 1 | ",
              "L 30-day status unknown | 1 | 0 | 1 | ",
              "H 30-day mortality per patient, % (95% CI) | 50.0 (1.3" EN "98.7) | 50.0 (1.3" EN "98.7) | 0.0 (0.0" EN
              "97.5) | ",
              "L Patients who died within 30 days | 1 | 1 | 0 | ", "L Patients with a known 30-day status | 2 | 2 | 1 | ",
              "H Technical success, % (95% CI) | 66.7 (9.4" EN "99.2) | 50.0 (1.3" EN "98.7) | 100.0 (2.5" EN
              "100.0) | 1.000",
              "L Successful procedures | 2 | 1 | 1 | ", "L Procedures with a known result | 3 | 2 | 1 | ",
              "H Administered activity (GBq): procedures with a value | 2 | 1 | 1 | ",
              "L Median [IQR] | 3.00 [2.50" EN "3.50] | 2.00 [2.00" EN "2.00] | 4.00 [4.00" EN "4.00] | ",
              "L Mean | 3.00 | 2.00 | 4.00 | ", "L Minimum | 2.00 | 2.00 | 4.00 | ", "L Maximum | 4.00 | 2.00 | 4.00 | "));
    assert_string_equal(t->columns[4].header, "p (Fisher)");
    assert_true(footnotes_hold(t, "Major AE: CTCAE grade 3 or worse"));
    table_free(t);
}

static void test_audit_procedures(void **state)
{
    table *t = expect_model(state, BUILD_AUDIT_PROCEDURES,
                            "Procedures in June 2012, in the 12 months to June 2012 and to date",
                            LINES("P A | 1 | 1 | 2 | 1 | 1 | 2", "P B | 1 | 2 | 2 | 1 | 2 | 2",
                                  "T All | 2 | 3 | 4 | 2 | 3 | 3"));
    assert_true(footnotes_hold(t, "The month: 2012-06-01 to 2012-06-15; the 12 months: 2011-07-01 to 2012-06-15"));
    table_free(t);
}

/* Major AEs 1/1 in A (above 10%, CI 2.5-100: not beyond chance), B 0/1 against its own 50%; 30-day
 * mortality 1/2 above 2%; technical success 1/2 below 95%. */
static void test_audit_safety(void **state)
{
    table *t = expect_model(
        state, BUILD_AUDIT_SAFETY, "Safety audit: June 2012 and the 12 months to June 2012 against the thresholds",
        LINES("H Major adverse events per procedure |  |  |  |  |  |  |  |  | ",
              "L All | 10.0% | 1 | 2 | 50.0 (1.3" EN "98.7) | REVIEW | 1 | 2 | 50.0 (1.3" EN "98.7) | REVIEW",
              "L A | 10.0% | 1 | 1 | 100.0 (2.5" EN "100.0) | REVIEW | 1 | 1 | 100.0 (2.5" EN "100.0) | REVIEW",
              "L B | 50.0% | 0 | 1 | 0.0 (0.0" EN "97.5) | no | 0 | 1 | 0.0 (0.0" EN "97.5) | no",
              "H 30-day mortality per procedure |  |  |  |  |  |  |  |  | ",
              "L All | 2.0% | 1 | 2 | 50.0 (1.3" EN "98.7) | REVIEW | 1 | 2 | 50.0 (1.3" EN "98.7) | REVIEW",
              "L A | 2.0% | 1 | 1 | 100.0 (2.5" EN "100.0) | REVIEW, beyond chance | 1 | 1 | 100.0 (2.5" EN
              "100.0) | REVIEW, beyond chance",
              "L B | 2.0% | 0 | 1 | 0.0 (0.0" EN "97.5) | no | 0 | 1 | 0.0 (0.0" EN "97.5) | no",
              "H Technical success per procedure |  |  |  |  |  |  |  |  | ",
              "L All | 95.0% | 1 | 2 | 50.0 (1.3" EN "98.7) | REVIEW | 1 | 2 | 50.0 (1.3" EN "98.7) | REVIEW",
              "L A | 95.0% | 0 | 1 | 0.0 (0.0" EN "97.5) | REVIEW | 0 | 1 | 0.0 (0.0" EN "97.5) | REVIEW",
              "L B | 95.0% | 1 | 1 | 100.0 (2.5" EN "100.0) | no | 1 | 1 | 100.0 (2.5" EN "100.0) | no"));
    assert_true(footnotes_hold(t, "0 procedures in June 2012, 1 in the 12 months"));
    table_free(t);
}

static void test_major_aes(void **state)
{
    table *t = expect_model(state, BUILD_MAJOR_AES, "Major adverse events in June 2012",
                            LINES("P 2012-06-10 | A | Grade 5 (death) | Liver failure | 3"));
    table_free(t);
}

static void test_cusum(void **state)
{
    table *t = expect_model(state, BUILD_CUSUM, "CUSUM of major adverse events (Bernoulli, restarting after a signal)",
                            LINES("P All | 5.0% | 10.0% | 2.50 | 3 | 2 | 1.33 | 1.33 | 0 | ",
                                  "P A | 5.0% | 10.0% | 2.50 | 2 | 2 | 1.39 | 1.39 | 0 | ",
                                  "P B | 5.0% | 10.0% | 2.50 | 1 | 0 | 0.00 | 0.00 | 0 | "));
    assert_string_equal(t->columns[9].header, "Signals at (procedure number, date)");
    table_free(t);
}

/* Limits by Spiegelhalter's interpolation: at n = 1 and theta = 1/2 the upper 95% limit is
 * (1 - 0.025/0.5)/1 = 0.95, the upper 99.8% one 0.998, so 1 of 1 is above it. */
static void test_funnel(void **state)
{
    table *t = expect_model(
        state, BUILD_FUNNEL, "Major adverse events per operator against the funnel's limits",
        LINES("H All procedures to date (target: the rate of all) | 3 | 2 | 66.7% |  |  |  |  | ",
              "L Xu | 2 | 2 | 100.0% | 0.0% | 97.2% | 0.0% | 99.9% | above the 99.8% limit",
              "L Yi | 1 | 0 | 0.0% | 0.0% | 96.2% | 0.0% | 99.8% | inside",
              "H The 12 months to June 2012 (target: the rate of all) | 2 | 1 | 50.0% |  |  |  |  | ",
              "L Xu | 1 | 1 | 100.0% | 0.0% | 95.0% | 0.0% | 99.8% | above the 99.8% limit",
              "L Yi | 1 | 0 | 0.0% | 0.0% | 95.0% | 0.0% | 99.8% | inside"));
    table_free(t);
}

static void test_procedures_sheet(void **state)
{
    table *t = expect_model(state, BUILD_PROCEDURES, "Procedures (the included ones, as procedures.csv)",
                            LINES("P 1 | P-1 | 2011-01-10 | A | 1 | 3 | 1 | 0 | 1 |  | Xu",
                                  "P 2 | P-1 | 2012-06-01 | B | 2 | 0 | 0 | 0 | 1 |  | Yi",
                                  "P 3 | P-2 | 2012-06-10 | A | 1 | 5 | 1 | 1 | 0 | 2 | Xu",
                                  "P 4 | P-3 | 2011-08-01 | B | 1 |  |  |  |  | 4 | "));
    assert_non_null(t->fill);
    table_free(t);
}

/* ---- the SIR scale, share, no procedures ---- */

static void test_sir_words(void **state)
{
    table *t = expect_model(state, BUILD_MAJOR_AES, "Major adverse events in June 2012",
                            LINES("P 2012-06-10 | A | Death | Liver failure | 3"));
    table_free(t);
    fixture *f = *state;
    t = build_table(&f->b, BUILD_SAFETY, 0);
    assert_non_null(t);
    assert_string_equal(t->rows[2].label, "Worst adverse event (SIR 2017), n (%)");
    assert_string_equal(t->rows[3].label, "None");
    assert_string_equal(t->rows[7].label, "Life-threatening");
    assert_true(footnotes_hold(t, "SIR severe, life-threatening or death"));
    table_free(t);
}

/* Every count of 1-4 is "<5" and its estimates "—"; no operator name, date or AE term anywhere. */
static void test_share(void **state)
{
    fixture *f = *state;
    table *t = expect_model(state, BUILD_AUDIT_PROCEDURES,
                            "Procedures in June 2012, in the 12 months to June 2012 and to date",
                            LINES("P A | <5 | <5 | <5 | <5 | <5 | <5", "P B | <5 | <5 | <5 | <5 | <5 | <5",
                                  "T All | <5 | <5 | <5 | <5 | <5 | <5"));
    assert_int_equal(t->n_footnotes, 2);
    table_free(t);
    t = build_table(&f->b, BUILD_AUDIT_SAFETY, 0);
    test_expect_rows(t, LINES("H Major adverse events per procedure |  |  |  |  |  |  |  |  | ",
                         "L All | 10.0% | <5 | <5 | " DASH " | " DASH " | <5 | <5 | " DASH " | " DASH,
                         "L A | 10.0% | <5 | <5 | " DASH " | " DASH " | <5 | <5 | " DASH " | " DASH,
                         "L B | 50.0% | 0 | <5 | " DASH " | " DASH " | 0 | <5 | " DASH " | " DASH,
                         "H 30-day mortality per procedure |  |  |  |  |  |  |  |  | ",
                         "L All | 2.0% | <5 | <5 | " DASH " | " DASH " | <5 | <5 | " DASH " | " DASH,
                         "L A | 2.0% | <5 | <5 | " DASH " | " DASH " | <5 | <5 | " DASH " | " DASH,
                         "L B | 2.0% | 0 | <5 | " DASH " | " DASH " | 0 | <5 | " DASH " | " DASH,
                         "H Technical success per procedure |  |  |  |  |  |  |  |  | ",
                         "L All | 95.0% | <5 | <5 | " DASH " | " DASH " | <5 | <5 | " DASH " | " DASH,
                         "L A | 95.0% | 0 | <5 | " DASH " | " DASH " | 0 | <5 | " DASH " | " DASH,
                         "L B | 95.0% | <5 | <5 | " DASH " | " DASH " | <5 | <5 | " DASH " | " DASH));
    table_free(t);
    t = expect_model(state, BUILD_MAJOR_AES, "Major adverse events of the month",
                     LINES("N Not listed in a document to share (procedure dates and free text). |  |  |  | "));
    table_free(t);
    t = build_table(&f->b, BUILD_FUNNEL, 0);
    assert_string_equal(t->rows[1].label, "Operator 1");
    assert_string_equal(t->rows[2].label, "Operator 2");
    assert_string_equal(t->rows[1].cells[1].suppressed ? "<5" : "", "<5");
    assert_true(footnotes_hold(t, "Operators are numbered, not named."));
    table_free(t);
    t = build_table(&f->b, BUILD_CUSUM, 0);
    assert_string_equal(t->columns[9].header, "Signals at (procedure number)");
    /* The signals of a hidden cell are suppressed with its C values (results.csv: NA), even 0 signals. */
    test_expect_rows(t, LINES("P All | 5.0% | 10.0% | 2.50 | <5 | <5 | " DASH " | " DASH " | " DASH " | " DASH,
                         "P A | 5.0% | 10.0% | 2.50 | <5 | <5 | " DASH " | " DASH " | " DASH " | " DASH,
                         "P B | 5.0% | 10.0% | 2.50 | <5 | 0 | " DASH " | " DASH " | " DASH " | " DASH));
    table_free(t);
    t = build_table(&f->b, BUILD_SAFETY, 0);
    assert_true(t->rows[0].cells[1].suppressed);
    assert_true(t->rows[10].cells[1].suppressed); /* the major-AE rate over 2 of 3 */
    table_free(t);
}

/* The document of the fixture's run under a template showing every procedures section and sheet
 * (with or without the procedures file); *sections: its numbered sections. */
static document *document_of(fixture *f, int with_procedures, report_template **t, size_t *sections)
{
    static const char text[] = "[template]\nsections = audit, audit_safety, major_aes, safety\n"
                               "sheets = audit, safety, procedures\n";
    char message[256];
    embolo_error err;
    assert_int_equal(template_parse(text, strlen(text), "t.ini", t, message, sizeof message), EMBOLO_OK);
    f->in.template = *t;
    f->in.procedures = with_procedures ? f->procedures : NULL;
    build_context_init(&f->b, &f->in);
    document *d = document_build(&f->in, &err);
    assert_non_null(d);
    *sections = 0;
    for (size_t i = 0; i < d->n_blocks; i++)
        *sections += d->blocks[i].kind == DOC_SECTION;
    return d;
}

/* With the file: the sections and sheets in the template's order, the audit sheet with both tables. */
static void test_document_places_them(void **state)
{
    report_template *t;
    size_t sections;
    document *d = document_of(*state, 1, &t, &sections);
    assert_int_equal(sections, 4);
    assert_int_equal(d->n_sheets, 3);
    assert_string_equal(d->sheets[0].name, "Audit");
    assert_int_equal(d->sheets[0].n_tables, 2);
    assert_string_equal(d->sheets[0].tables[1]->columns[1].header, "Patients starting\nin the month");
    assert_string_equal(d->sheets[1].name, "Safety");
    assert_int_equal(d->sheets[1].n_tables, 5);
    assert_string_equal(d->sheets[2].name, "Procedures");
    document_free(d);
    template_free(t);
}

/* Without a procedures file: no section, no sheet, no failure; the audit table counts procedures by
 * the patients' starts as before. */
static void test_without_procedures(void **state)
{
    fixture *f = *state;
    report_template *t;
    size_t sections;
    document *d = document_of(f, 0, &t, &sections);
    assert_int_equal(sections, 1);
    assert_int_equal(d->n_sheets, 1);
    assert_int_equal(d->sheets[0].n_tables, 1);
    assert_string_equal(d->sheets[0].tables[0]->columns[1].header, "Procedures\nin the month");
    document_free(d);
    table *none = build_table(&f->b, BUILD_SAFETY, 0);
    test_expect_rows(none, LINES("N No procedures file in this run."));
    table_free(none);
    template_free(t);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safety, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_procedures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_safety, setup, teardown),
        cmocka_unit_test_setup_teardown(test_major_aes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cusum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_funnel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_procedures_sheet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sir_words, setup_sir, teardown),
        cmocka_unit_test_setup_teardown(test_share, setup_share, teardown),
        cmocka_unit_test_setup_teardown(test_document_places_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_procedures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
