/* libFuzzer harness: the bytes are the patient CSV. They go through ingest (from memory) and cleaning
 * with the sample study file, once without and once with an as-of date, and the invariants of
 * study-file.md are checked: every record is analysed or excluded at row scope, every exclusion names
 * a record that exists, and a failure comes with a one-line message. They are also written to a file
 * read on one thread and on two (split at any size), which must agree byte for byte. Build and run:
 * fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clean/clean.h"
#include "common/dataset.h"
#include "common/study.h"
#include "common/text.h"
#include "ingest/ingest.h"

#ifndef FUZZ_STUDY
#define FUZZ_STUDY "inputs/net_sample_155.study.ini"
#endif

static study *fuzz_study;
static clean_columns *fuzz_columns;
static char fuzz_path[] = "/tmp/fuzz-ingest-XXXXXX";
static int fuzz_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_fuzz_file(void)
{
    unlink(fuzz_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char message[1024];
    const char *path = getenv("EMBOLO_FUZZ_STUDY");
    (void)argc;
    (void)argv;
    if (!path)
        path = FUZZ_STUDY;
    if (study_read(path, &fuzz_study, message, sizeof message) != EMBOLO_OK ||
        clean_columns_new(fuzz_study, &fuzz_columns) != EMBOLO_OK) {
        fprintf(stderr, "fuzz_ingest_clean: cannot load the study file: %s\n", message);
        abort();
    }
    fuzz_fd = mkstemp(fuzz_path);
    if (fuzz_fd < 0 || atexit(remove_fuzz_file) != 0) {
        fprintf(stderr, "fuzz_ingest_clean: cannot make a file in /tmp\n");
        abort();
    }
    return 0;
}

/* A failure message is one line (the driver turns other control characters into ?). */
static void check_message(embolo_error err, const char *message)
{
    if (err == EMBOLO_OK)
        return;
    if (!message[0] || strchr(message, '\n'))
        abort();
}

static void check_clean(const ingest_table *table, const clean_options *options)
{
    char message[1024] = "";
    dataset *data = NULL;
    exclusion_log *log = NULL;
    embolo_error err = clean_run(fuzz_study, fuzz_columns, table, options, &data, &log, message, sizeof message);
    check_message(err, message);
    if (err != EMBOLO_OK) {
        if (data || log)
            abort();
        return;
    }
    size_t records = ingest_record_count(table), row_scope = 0;
    if (data->rows_read != records || data->n > records)
        abort();
    for (size_t i = 0; i < log->n; i++) {
        const exclusion *e = &log->items[i];
        if (e->row < 1 || e->row > records || !e->code || !e->message)
            abort();
        row_scope += strcmp(e->scope, "row") == 0;
    }
    if (data->n + row_scope != records)
        abort();
    for (size_t r = 0; r < data->n; r++) {
        if (data->record[r] < 1 || data->record[r] > records || !data->id[r])
            abort();
        for (size_t e = 0; e < fuzz_study->n_endpoints; e++) {
            double t = data->time[e][r];
            int event = data->event[e][r];
            if (event < -1 || event > 1 || (event >= 0 && !(t >= 0 && t < 1e300)))
                abort();
        }
    }
    dataset_free(data);
    exclusion_log_free(log);
}

typedef struct file_read {
    embolo_error err;
    ingest_table *table;
    char message[1024];
    char hex[65];
} file_read;

static void read_file(size_t threads, file_read *r)
{
    ingest_options options = {.optional = fuzz_columns->optional, .threads = threads, .split_min = 1};
    r->message[0] = r->hex[0] = '\0';
    r->err = ingest_read_with(fuzz_path, &options, fuzz_columns->names, fuzz_columns->n, &r->table, r->hex,
                              r->message, sizeof r->message);
}

static int same_tables(const ingest_table *a, const ingest_table *b)
{
    size_t n = ingest_record_count(a);
    if (n != ingest_record_count(b) || ingest_unused_column_count(a) != ingest_unused_column_count(b))
        return 0;
    for (size_t u = 0; u < ingest_unused_column_count(a); u++)
        if (strcmp(ingest_unused_column(a, u), ingest_unused_column(b, u)) != 0)
            return 0;
    for (size_t c = 0; c < fuzz_columns->n; c++)
        if (ingest_column_present(a, c) != ingest_column_present(b, c))
            return 0;
    for (size_t r = 0; r < n; r++) {
        if (ingest_record_malformed(a, r) != ingest_record_malformed(b, r))
            return 0;
        for (size_t c = 0; c < fuzz_columns->n; c++) {
            size_t length_a, length_b;
            const char *value_a = ingest_value(a, r, c, &length_a), *value_b = ingest_value(b, r, c, &length_b);
            if (length_a != length_b || memcmp(value_a, value_b, length_a) != 0)
                return 0;
        }
    }
    return 1;
}

/* The bytes as a file, read on one thread and on two: the same error and message, or the same table
 * and hash. */
static void check_split_read(const uint8_t *data, size_t size)
{
    file_read one, two;
    if (ftruncate(fuzz_fd, 0) != 0 || (size > 0 && pwrite(fuzz_fd, data, size, 0) != (ssize_t)size))
        abort();
    read_file(1, &one);
    read_file(2, &two);
    if (one.err != two.err || strcmp(one.message, two.message) != 0 || strcmp(one.hex, two.hex) != 0 ||
        (one.err == EMBOLO_OK && !same_tables(one.table, two.table)))
        abort();
    ingest_table_free(one.table);
    ingest_table_free(two.table);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char message[1024] = "";
    ingest_table *table = NULL;
    check_split_read(data, size);
    embolo_error err = ingest_parse((const char *)data, size, "fuzz.csv", fuzz_columns->names, fuzz_columns->n,
                                    &table, message, sizeof message);
    check_message(err, message);
    if (err != EMBOLO_OK) {
        if (table)
            abort();
        return 0;
    }
    for (size_t r = 0; r < ingest_record_count(table); r++)
        for (size_t c = 0; c < fuzz_columns->n; c++) {
            size_t length;
            const char *value = ingest_value(table, r, c, &length);
            if (!value || (length > 0 && value[length] != '\0'))
                abort();
        }
    clean_options without = {0};
    clean_options with = {.has_as_of = 1, .as_of = text_days_from_civil(2012, 12, 31)};
    check_clean(table, &without);
    check_clean(table, &with);
    ingest_table_free(table);
    return 0;
}
