/* libFuzzer harness: the bytes are the procedures CSV of the sample cohort. They go through ingest
 * (from memory) and cleaning with procedures (inputs/net_sample_155.procedures.study.ini and
 * inputs/net_sample_155.csv), without and with an as-of date, and the invariants of procedures.md are
 * checked: every procedure record is included or excluded once (one `procedure` line each), every
 * line names a record that exists, included procedures point at analysed patients in session order,
 * the patients stay accounted for, and a failure comes with a one-line message. Build and run:
 * fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/clean.h"
#include "common/dataset.h"
#include "common/procedures.h"
#include "common/study.h"
#include "common/text.h"
#include "ingest/ingest.h"

#define FUZZ_STUDY "inputs/net_sample_155.procedures.study.ini"
#define FUZZ_PATIENTS "inputs/net_sample_155.csv"

static study *fuzz_study;
static clean_columns *fuzz_columns, *fuzz_procedure_columns;
static char *fuzz_patients;
static size_t fuzz_patients_size;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char message[1024] = "";
    (void)argc;
    (void)argv;
    if (study_read(FUZZ_STUDY, &fuzz_study, message, sizeof message) != EMBOLO_OK ||
        clean_columns_new(fuzz_study, &fuzz_columns) != EMBOLO_OK ||
        clean_procedure_columns_new(fuzz_study, &fuzz_procedure_columns) != EMBOLO_OK ||
        text_read_file(FUZZ_PATIENTS, "input file", (size_t)1 << 24, &fuzz_patients, &fuzz_patients_size, message,
                       sizeof message) != EMBOLO_OK) {
        fprintf(stderr, "fuzz_procedures: cannot load the study or the patients: %s\n", message);
        abort();
    }
    clean_columns_allow_index_fill(fuzz_columns, fuzz_study);
    return 0;
}

static void check_message(embolo_error err, const char *message)
{
    if (err != EMBOLO_OK && (!message[0] || strchr(message, '\n')))
        abort();
}

static void check_log(const exclusion_log *log, size_t patients, size_t records, const procedure_set *p)
{
    size_t procedure_lines = 0, row_lines = 0;
    for (size_t i = 0; i < log->n; i++) {
        const exclusion *e = &log->items[i];
        int procedure_scope = !strcmp(e->scope, "procedure") || !strcmp(e->scope, "procedure_value");
        if (e->row < 1 || e->row > (procedure_scope ? records : patients) || !e->message)
            abort();
        procedure_lines += !strcmp(e->scope, "procedure");
        row_lines += !strcmp(e->scope, "row");
    }
    if (procedure_lines != p->excluded || p->n + p->excluded != records || p->records != records)
        abort();
    (void)row_lines;
}

static void check_procedures(const dataset *data, const procedure_set *p)
{
    size_t sessions = 0;
    for (size_t i = 0; i < p->n; i++) {
        const procedure *item = &p->items[i];
        if (item->patient >= data->n || item->session < 1 || (size_t)item->session > data->sessions[item->patient] ||
            item->grade < PROCEDURE_UNKNOWN || item->grade > PROCEDURE_MAX_GRADE ||
            (item->operator_index != PROCEDURE_UNKNOWN && (size_t)item->operator_index >= p->n_operators))
            abort();
    }
    for (size_t r = 0; r < data->n; r++)
        sessions += data->sessions[r];
    if (sessions != p->n)
        abort();
}

static void check_clean(const uint8_t *bytes, size_t size, const clean_options *options)
{
    char message[1024] = "";
    ingest_table *patients = NULL, *procedures = NULL;
    dataset *data = NULL;
    exclusion_log *log = NULL;
    procedure_set *set = NULL;
    ingest_options read = {.optional = fuzz_columns->optional};
    embolo_error err = ingest_parse_with(fuzz_patients, fuzz_patients_size, FUZZ_PATIENTS, &read, fuzz_columns->names,
                                         fuzz_columns->n, &patients, message, sizeof message);
    if (err != EMBOLO_OK)
        abort();
    err = ingest_parse((const char *)bytes, size, "fuzz.csv", fuzz_procedure_columns->names,
                       fuzz_procedure_columns->n, &procedures, message, sizeof message);
    check_message(err, message);
    if (err == EMBOLO_OK) {
        err = clean_run_with_procedures(fuzz_study, fuzz_columns, patients, fuzz_procedure_columns, procedures,
                                        options, &data, &log, &set, message, sizeof message);
        check_message(err, message);
        if (err != EMBOLO_OK && (data || log || set))
            abort();
    }
    if (err == EMBOLO_OK) {
        if (data->rows_read != ingest_record_count(patients))
            abort();
        check_log(log, data->rows_read, ingest_record_count(procedures), set);
        check_procedures(data, set);
    }
    dataset_free(data);
    exclusion_log_free(log);
    procedure_set_free(set);
    ingest_table_free(patients);
    ingest_table_free(procedures);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clean_options without = {0};
    clean_options with = {.has_as_of = 1, .as_of = text_days_from_civil(2012, 12, 31)};
    check_clean(data, size, &without);
    check_clean(data, size, &with);
    return 0;
}
