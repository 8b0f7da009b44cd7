/* Cleaning with a procedures file (stages/clean/procedures.c) on small files held in memory: each
 * procedure code and which one wins, the fill of a missing start or treatment from the index
 * procedure (a missing value or a missing column), sessions and crossover, the 30-day status, the
 * values (grades on both scales, technical success, activity, operators) and the W_INDEX_* lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clean/clean.h"
#include "common/study.h"
#include "ingest/ingest.h"
#include "testutil.h"

static const char study_text[] =
    "[study]\n"
    "id = pid\n"
    "[endpoint.os]\n"
    "start = start\n"
    "event_dates = death\n"
    "censor_date = last\n"
    "[variable.age]\n"
    "type = numeric\n"
    "[variable.modality]\n"
    "type = categorical\n"
    "levels = TACE, TARE, TAE\n"
    "aliases = TARE: y90\n"
    "[treatment]\n"
    "variable = modality\n"
    "ps_covariates = age\n"
    "[procedures]\n"
    "id = pid\n"
    "date = date\n"
    "modality = modality\n"
    "ae_grade = grade\n"
    "ae_term = term\n"
    "technical_success = ok\n"
    "activity_gbq = gbq\n"
    "operator = op\n";

static const char patients_csv[] =
    "pid,start,death,last,age,modality\n"
    "P1,2010-01-10,,2012-01-01,60,TACE\n"      /* 1 */
    "P2,,,2012-01-01,61,\n"                     /* 2: start and treatment from the index procedure */
    "P3,2010-01-01,2010-01-20,2010-01-20,62,TARE\n" /* 3: dies 15 days after a session */
    "P4,2010-01-01,,2010-01-15,63,TACE\n"      /* 4: follow-up ends inside the 30 days */
    "P5,bad,,2012-01-01,64,TACE\n"             /* 5: E_BAD_DATE */
    "p1 ,2010-01-01,,2012-01-01,65,TACE\n"     /* 6: E_DUPLICATE_ID (P1 keeps the id) */
    "P6,2010-06-01,,2012-01-01,66,TAE\n"       /* 7: index on another day and modality */
    "P7,,2010-01-01,2010-01-01,67,TACE\n"      /* 8: its only procedure is after its death */
    "P9,,,2012-01-01,68,\n";                    /* 9: two procedures on the index day */

static const char procedures_csv[] =
    "pid,date,modality,grade,term,ok,gbq,op\n"
    "P1,2010-01-10,TACE,3,Bleed,yes,,Dr A\n"          /* 1 included, major */
    "P1,2010-03-01,y90,G 2,,no,2.5,dr  a\n"           /* 2 included: crossover, operator Dr A */
    "P1,2010-03-01,TACE,1,,yes,,Dr A\n"               /* 3 E_PROC_DUPLICATE */
    "P1,2009-12-01,TACE,0,,yes,,Dr A\n"               /* 4 E_PROC_BEFORE_START */
    "P2,2010-05-01,TACE,,,yes,,Dr B\n"                /* 5 included, session 2, empty grade = none */
    "P2,2010-02-01,TAE,grade 1,,yes,,\n"              /* 6 included, index: fills P2 */
    "P3,2010-01-05,TARE,5,Death,yes,1.8,Dr B\n"       /* 7 included, died within 30 days */
    "P3,2010-02-01,TARE,0,,yes,,Dr B\n"               /* 8 E_PROC_AFTER_DEATH */
    "P4,2010-01-01,TACE,severe,,maybe,-1,Dr B\n"      /* 9 included: three invalid values */
    "P4,2010-02-01,TACE,NA,,yes,,Dr B\n"              /* 10 included, after follow-up, grade unknown */
    "P5,2010-01-01,TACE,0,,yes,,\n"                   /* 11 E_PROC_PATIENT_EXCLUDED */
    "X9,2010-01-01,TACE,0,,yes,,\n"                   /* 12 E_PROC_UNKNOWN_PATIENT */
    ",2010-01-01,TACE,0,,yes,,\n"                     /* 13 E_PROC_MISSING_ID */
    "P1,,TACE,0,,yes,,\n"                             /* 14 E_PROC_MISSING_DATE */
    "P1,2010-02-30,TACE,0,,yes,,\n"                   /* 15 E_PROC_BAD_DATE */
    "P1,2010-04-01,,0,,yes,,\n"                       /* 16 E_PROC_MISSING_MODALITY */
    "P1,2010-04-01,RFA,0,,yes,,\n"                    /* 17 E_PROC_UNKNOWN_MODALITY */
    "P1,2010-04-01,TACE\n"                            /* 18 E_PROC_MALFORMED_ROW */
    "P6,2010-06-10,TACE,0,,yes,,\n"                   /* 19 included: W_INDEX_* for P6 */
    "P1,2015-01-01,TACE,0,,yes,,Dr A\n"               /* 20 E_PROC_AFTER_AS_OF */
    "P7,2010-03-01,TACE,0,,yes,,\n"                   /* 21 E_PROC_PATIENT_EXCLUDED (P7: no start) */
    "P9,2010-07-01,TARE,0,,yes,,\n"                   /* 22 included, fills P9 (the lower record) */
    "p9,2010-07-01,TACE,0,,yes,,\n";                  /* 23 E_PROC_DUPLICATE */

typedef struct run {
    study *study;
    clean_columns *columns, *procedure_columns;
    ingest_table *table, *procedures_table;
    dataset *data;
    exclusion_log *log;
    procedure_set *procedures;
} run;

static void run_free(run *r)
{
    dataset_free(r->data);
    exclusion_log_free(r->log);
    procedure_set_free(r->procedures);
    ingest_table_free(r->table);
    ingest_table_free(r->procedures_table);
    clean_columns_free(r->columns);
    clean_columns_free(r->procedure_columns);
    study_free(r->study);
}

/* Cleans both files (as of 2013-12-31) and checks the accounting: every procedure record included or
 * excluded once, one `procedure` line per excluded record. */
static void clean_both(run *r, const char *study, const char *patients, const char *procedures)
{
    char message[512];
    clean_options options = {.has_as_of = 1};
    memset(r, 0, sizeof *r);
    assert_true(text_parse_date("2013-12-31", 10, DATE_FORMAT_ISO, &options.as_of));
    r->study = test_study_parse(study);
    assert_int_equal(clean_columns_new(r->study, &r->columns), EMBOLO_OK);
    clean_columns_allow_index_fill(r->columns, r->study);
    assert_int_equal(clean_procedure_columns_new(r->study, &r->procedure_columns), EMBOLO_OK);
    ingest_options read = {.optional = r->columns->optional};
    assert_int_equal(ingest_parse_with(patients, strlen(patients), "p.csv", &read, r->columns->names, r->columns->n,
                                       &r->table, message, sizeof message), EMBOLO_OK);
    r->procedures_table = test_ingest_parse(procedures, strlen(procedures), r->procedure_columns->names,
                                            r->procedure_columns->n);
    embolo_error err = clean_run_with_procedures(r->study, r->columns, r->table, r->procedure_columns,
                                                 r->procedures_table, &options, &r->data, &r->log, &r->procedures,
                                                 message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("clean_run_with_procedures: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    size_t lines = 0;
    for (size_t i = 0; i < r->log->n; i++)
        lines += !strcmp(r->log->items[i].scope, "procedure");
    assert_int_equal(r->procedures->records, ingest_record_count(r->procedures_table));
    assert_int_equal(r->procedures->records, r->procedures->n + r->procedures->excluded);
    assert_int_equal(lines, r->procedures->excluded);
}

/* The code of the `scope` line of record `row` (from 1), NULL if none. */
static const char *code_of(const run *r, const char *scope, size_t row, const char *column)
{
    for (size_t i = 0; i < r->log->n; i++) {
        const exclusion *e = &r->log->items[i];
        if (e->row == row && !strcmp(e->scope, scope) && (!column || !strcmp(e->column, column)))
            return e->code;
    }
    return NULL;
}

static const procedure *procedure_at(const run *r, size_t record)
{
    for (size_t i = 0; i < r->procedures->n; i++)
        if (r->procedures->items[i].record == record)
            return &r->procedures->items[i];
    print_error("record %zu is not included\n", record);
    fail();
    return NULL;
}

/* The dataset row of patient record `record` (from 1). */
static size_t row_of(const run *r, size_t record)
{
    for (size_t i = 0; i < r->data->n; i++)
        if (r->data->record[i] == record)
            return i;
    print_error("patient record %zu is not analysed\n", record);
    fail();
    return 0;
}

static void test_each_code(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text, patients_csv, procedures_csv);
    const struct {
        size_t row;
        const char *code;
    } want[] = {
        {3, "E_PROC_DUPLICATE"},         {4, "E_PROC_BEFORE_START"},     {8, "E_PROC_AFTER_DEATH"},
        {11, "E_PROC_PATIENT_EXCLUDED"}, {12, "E_PROC_UNKNOWN_PATIENT"}, {13, "E_PROC_MISSING_ID"},
        {14, "E_PROC_MISSING_DATE"},     {15, "E_PROC_BAD_DATE"},        {16, "E_PROC_MISSING_MODALITY"},
        {17, "E_PROC_UNKNOWN_MODALITY"}, {18, "E_PROC_MALFORMED_ROW"},   {20, "E_PROC_AFTER_AS_OF"},
        {21, "E_PROC_PATIENT_EXCLUDED"}, {23, "E_PROC_DUPLICATE"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *got = code_of(&r, "procedure", want[i].row, NULL);
        if (!got || strcmp(got, want[i].code))
            print_error("record %zu: got %s, want %s\n", want[i].row, got ? got : "none", want[i].code);
        assert_non_null(got);
        assert_string_equal(got, want[i].code);
        assert_non_null(clean_code_message(got));
    }
    assert_int_equal(r.procedures->excluded, sizeof want / sizeof want[0]);
    assert_int_equal(r.procedures->n, 9);
    /* The patient records: P5's bad date, P1's duplicate, P7 without a usable procedure. */
    assert_string_equal(code_of(&r, "row", 5, NULL), "E_BAD_DATE");
    assert_string_equal(code_of(&r, "row", 6, NULL), "E_DUPLICATE_ID");
    assert_string_equal(code_of(&r, "row", 8, NULL), "E_MISSING_START");
    assert_int_equal(r.data->n, 6);
    run_free(&r);
}

static void test_fill_from_the_index_procedure(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text, patients_csv, procedures_csv);
    size_t p2 = row_of(&r, 2), p9 = row_of(&r, 9);
    long day;
    assert_true(text_parse_date("2010-02-01", 10, DATE_FORMAT_ISO, &day));
    assert_int_equal(r.data->start_day[0][p2], day);
    assert_true(dataset_value(r.data, 1, p2) == 2.0); /* TAE */
    assert_true(dataset_value(r.data, 1, p9) == 1.0); /* TARE: the lower record of the index day */
    assert_int_equal(r.procedures->start_from_index, 2);
    assert_int_equal(r.procedures->treatment_from_index, 2);
    assert_int_equal(procedure_at(&r, 6)->session, 1);
    assert_int_equal(procedure_at(&r, 5)->session, 2);
    /* No W_INDEX_* line for a filled value. */
    assert_null(code_of(&r, "index", 2, NULL));
    assert_null(code_of(&r, "index", 9, NULL));
    run_free(&r);
}

static void test_sessions_crossover_and_30_days(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text, patients_csv, procedures_csv);
    size_t p1 = row_of(&r, 1), p2 = row_of(&r, 2), p3 = row_of(&r, 3), p4 = row_of(&r, 4);
    assert_int_equal(r.data->sessions[p1], 2);
    assert_int_equal(r.data->crossover[p1], 1);
    assert_int_equal(r.data->crossover[p2], 1);
    assert_int_equal(r.data->sessions[p3], 1);
    assert_int_equal(r.data->sessions[p4], 2);
    assert_int_equal(r.data->crossover[p4], 0);
    assert_int_equal(procedure_at(&r, 7)->death30, 1);
    assert_int_equal(procedure_at(&r, 1)->death30, 0);
    assert_int_equal(procedure_at(&r, 9)->death30, PROCEDURE_UNKNOWN);
    assert_int_equal(procedure_at(&r, 10)->death30, PROCEDURE_UNKNOWN);
    assert_int_equal(r.procedures->after_followup, 1);
    run_free(&r);
}

static void test_values(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text, patients_csv, procedures_csv);
    assert_int_equal(procedure_at(&r, 1)->grade, 3);
    assert_int_equal(procedure_at(&r, 2)->grade, 2);
    assert_int_equal(procedure_at(&r, 5)->grade, 0);
    assert_int_equal(procedure_at(&r, 6)->grade, 1);
    assert_int_equal(procedure_at(&r, 9)->grade, PROCEDURE_UNKNOWN);
    assert_int_equal(procedure_at(&r, 10)->grade, PROCEDURE_UNKNOWN);
    assert_string_equal(code_of(&r, "procedure_value", 9, "grade"), "W_PROC_BAD_GRADE");
    assert_string_equal(code_of(&r, "procedure_value", 9, "ok"), "W_PROC_INVALID_VALUE");
    assert_string_equal(code_of(&r, "procedure_value", 9, "gbq"), "W_PROC_INVALID_VALUE");
    assert_null(code_of(&r, "procedure_value", 10, NULL));
    assert_int_equal(procedure_at(&r, 2)->success, 0);
    assert_int_equal(procedure_at(&r, 9)->success, PROCEDURE_UNKNOWN);
    assert_close(procedure_at(&r, 2)->activity, 2.5, 1e-15);
    assert_true(isnan(procedure_at(&r, 9)->activity));
    assert_string_equal(procedure_at(&r, 1)->term, "Bleed");
    assert_null(procedure_at(&r, 2)->term);
    /* Operators grouped case-insensitively, inner spaces as one, shown as first spelt. */
    assert_int_equal(r.procedures->n_operators, 2);
    assert_string_equal(r.procedures->operators[procedure_at(&r, 2)->operator_index], "Dr A");
    assert_int_equal(procedure_at(&r, 1)->operator_index, procedure_at(&r, 2)->operator_index);
    assert_int_equal(procedure_at(&r, 6)->operator_index, PROCEDURE_UNKNOWN);
    run_free(&r);
}

static void test_index_mismatch_lines(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text, patients_csv, procedures_csv);
    assert_string_equal(code_of(&r, "index", 7, "start"), "W_INDEX_DATE_MISMATCH");
    assert_string_equal(code_of(&r, "index", 7, "modality"), "W_INDEX_MODALITY_MISMATCH");
    assert_string_equal(code_of(&r, "index", 3, "start"), "W_INDEX_DATE_MISMATCH");
    assert_null(code_of(&r, "index", 1, NULL));
    assert_null(code_of(&r, "index", 4, NULL));
    /* The patient file wins: P6's start and treatment stay its own. */
    long day;
    assert_true(text_parse_date("2010-06-01", 10, DATE_FORMAT_ISO, &day));
    assert_int_equal(r.data->start_day[0][row_of(&r, 7)], day);
    assert_true(dataset_value(r.data, 1, row_of(&r, 7)) == 2.0);
    run_free(&r);
}

/* Without the start and treatment columns, every analysed patient takes them from its index. */
static void test_patient_file_without_the_columns(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text,
               "pid,death,last,age\nP1,,2012-01-01,60\nP2,,2012-01-01,61\nP3,,2012-01-01,62\n",
               "pid,date,modality,grade,term,ok,gbq,op\n"
               "P1,2010-02-01,TAE,0,,yes,,\n"
               "P1,2010-01-01,TACE,0,,yes,,\n"
               "P2,2011-01-01,Y90,1,,yes,2,\n");
    assert_int_equal(r.data->n, 2);
    assert_string_equal(code_of(&r, "row", 3, NULL), "E_MISSING_TREATMENT");
    assert_true(dataset_value(r.data, 1, row_of(&r, 1)) == 0.0);
    assert_true(dataset_value(r.data, 1, row_of(&r, 2)) == 1.0);
    long day;
    assert_true(text_parse_date("2010-01-01", 10, DATE_FORMAT_ISO, &day));
    assert_int_equal(r.data->start_day[0][row_of(&r, 1)], day);
    assert_int_equal(r.procedures->start_from_index, 2);
    assert_int_equal(r.procedures->treatment_from_index, 2);
    assert_int_equal(r.data->crossover[row_of(&r, 1)], 1);
    run_free(&r);
}

static void test_sir_scale_and_empty_grades(void **state)
{
    (void)state;
    char study[sizeof study_text + 64];
    snprintf(study, sizeof study, "%sae_scale = SIR\nae_empty = unknown\n", study_text);
    run r;
    clean_both(&r, study, "pid,start,death,last,age,modality\nP1,2010-01-01,,2012-01-01,60,TACE\n",
               "pid,date,modality,grade,term,ok,gbq,op\n"
               "P1,2010-01-01,TACE,none,,,,\n"
               "P1,2010-02-01,TACE,Mild,,,,\n"
               "P1,2010-03-01,TACE,moderate,,,,\n"
               "P1,2010-04-01,TACE,SEVERE,,,,\n"
               "P1,2010-05-01,TACE,life  threatening,,,,\n"
               "P1,2010-06-01,TACE,life-threatening,,,,\n"
               "P1,2010-07-01,TACE,death,,,,\n"
               "P1,2010-08-01,TACE,,,,,\n"
               "P1,2010-09-01,TACE,3,,,,\n"
               "P1,2010-10-01,TACE,D,,,,\n");
    const int want[] = {0, 1, 2, 3, 4, 4, 5, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN};
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(procedure_at(&r, i + 1)->grade, want[i]);
    assert_null(code_of(&r, "procedure_value", 8, NULL));
    assert_string_equal(code_of(&r, "procedure_value", 9, NULL), "W_PROC_BAD_GRADE");
    assert_string_equal(code_of(&r, "procedure_value", 10, NULL), "W_PROC_BAD_GRADE");
    run_free(&r);
}

static void test_ctcae_spellings(void **state)
{
    (void)state;
    run r;
    clean_both(&r, study_text, "pid,start,death,last,age,modality\nP1,2010-01-01,,2012-01-01,60,TACE\n",
               "pid,date,modality,grade,term,ok,gbq,op\n"
               "P1,2010-01-01,TACE,G4,,,,\n"
               "P1,2010-02-01,TACE,g 0,,,,\n"
               "P1,2010-03-01,TACE,Grade 5,,,,\n"
               "P1,2010-04-01,TACE,None,,,,\n"
               "P1,2010-05-01,TACE,6,,,,\n"
               "P1,2010-06-01,TACE,grade3,,,,\n"
               "P1,2010-07-01,TACE,unknown,,,,\n");
    const int want[] = {4, 0, 5, 0, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN, PROCEDURE_UNKNOWN};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(procedure_at(&r, i + 1)->grade, want[i]);
    assert_string_equal(code_of(&r, "procedure_value", 5, NULL), "W_PROC_BAD_GRADE");
    assert_string_equal(code_of(&r, "procedure_value", 6, NULL), "W_PROC_BAD_GRADE");
    assert_null(code_of(&r, "procedure_value", 7, NULL));
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_code),
        cmocka_unit_test(test_fill_from_the_index_procedure),
        cmocka_unit_test(test_sessions_crossover_and_30_days),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_index_mismatch_lines),
        cmocka_unit_test(test_patient_file_without_the_columns),
        cmocka_unit_test(test_sir_scale_and_empty_grades),
        cmocka_unit_test(test_ctcae_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
