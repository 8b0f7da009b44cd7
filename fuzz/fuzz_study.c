/* libFuzzer harness: the bytes are a study file for study_parse. A file that parses must be
 * consistent (every index in range, every categorical variable with its levels); it is then used to
 * ingest and clean a small cohort (the first rows of the sample), so that what the parser lets
 * through cannot crash the stages after it. A failure comes with a one-line message naming the file.
 * Build and run: fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/clean.h"
#include "common/dataset.h"
#include "common/study.h"
#include "ingest/ingest.h"

#ifndef FUZZ_CSV
#define FUZZ_CSV "inputs/net_sample_155.csv"
#endif
#define FUZZ_CSV_LINES 25

static char cohort[16384];
static size_t cohort_length;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the header and the first rows of the sample cohort. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *path = getenv("EMBOLO_FUZZ_CSV");
    char line[4096];
    FILE *file;
    (void)argc;
    (void)argv;
    if (!path)
        path = FUZZ_CSV;
    if (!(file = fopen(path, "rb"))) {
        fprintf(stderr, "fuzz_study: cannot open %s\n", path);
        abort();
    }
    for (int i = 0; i < FUZZ_CSV_LINES && fgets(line, sizeof line, file); i++) {
        size_t length = strlen(line);
        if (cohort_length + length >= sizeof cohort)
            break;
        memcpy(cohort + cohort_length, line, length);
        cohort_length += length;
    }
    fclose(file);
    return 0;
}

static void check_study(const study *s)
{
    if (s->n_endpoints == 0 || s->days_per_unit <= 0)
        abort();
    for (size_t v = 0; v < s->n_variables; v++) {
        const study_variable *var = &s->variables[v];
        if (!var->name || !var->column)
            abort();
        if (study_variable_is_factor(var) && (var->n_levels == 0 || var->reference >= var->n_levels))
            abort();
        for (size_t a = 0; a < var->n_aliases; a++)
            if (var->aliases[a].level >= var->n_levels)
                abort();
    }
    if (s->treatment >= 0 && ((size_t)s->treatment >= s->n_variables ||
                              s->variables[s->treatment].type != VARIABLE_CATEGORICAL))
        abort();
    const size_t *lists[] = {s->ps_covariates, s->subgroups, s->univariate, s->multivariable};
    const size_t counts[] = {s->n_ps_covariates, s->n_subgroups, s->n_univariate, s->n_multivariable};
    for (size_t l = 0; l < 4; l++)
        for (size_t i = 0; i < counts[l]; i++)
            if (lists[l][i] >= s->n_variables)
                abort();
    for (size_t i = 0; i < s->n_landmarks; i++)
        if (!(s->landmarks[i] >= 0) || !s->landmark_texts[i])
            abort();
}

static void check_message(const char *message)
{
    if (strncmp(message, "fuzz.ini", 8) != 0 || strchr(message, '\n'))
        abort();
}

/* Ingests and cleans the sample rows with the parsed study. */
static void clean_cohort(const study *s)
{
    char message[1024] = "";
    clean_columns *columns = NULL;
    ingest_table *table = NULL;
    dataset *data = NULL;
    exclusion_log *log = NULL;
    if (clean_columns_new(s, &columns) != EMBOLO_OK)
        return;
    if (ingest_parse(cohort, cohort_length, "fuzz.csv", columns->names, columns->n, &table, message,
                     sizeof message) == EMBOLO_OK &&
        clean_run(s, columns, table, NULL, &data, &log, message, sizeof message) == EMBOLO_OK) {
        size_t row_scope = 0;
        for (size_t i = 0; i < log->n; i++)
            row_scope += strcmp(log->items[i].scope, "row") == 0;
        if (data->n + row_scope != ingest_record_count(table))
            abort();
    } else if (!message[0] || strchr(message, '\n')) {
        abort();
    }
    dataset_free(data);
    exclusion_log_free(log);
    ingest_table_free(table);
    clean_columns_free(columns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char message[1024] = "";
    study *s = NULL;
    embolo_error err = study_parse((const char *)data, size, "fuzz.ini", &s, message, sizeof message);
    if (err != EMBOLO_OK) {
        if (s)
            abort();
        check_message(message);
        return 0;
    }
    check_study(s);
    clean_cohort(s);
    study_free(s);
    return 0;
}
