/* The shipped NET sample read and cleaned, for the tests of the stages after cleaning (include after
 * cmocka.h). */
#ifndef EMBOLO_SAMPLE_COHORT_H
#define EMBOLO_SAMPLE_COHORT_H

#include "clean/clean.h"
#include "common/dataset.h"
#include "common/study.h"
#include "ingest/ingest.h"

#define SAMPLE_STUDY "tests/fixtures/data/net_sample_155.study.ini"
#define SAMPLE_INPUT "tests/fixtures/data/net_sample_155.csv"

typedef struct sample_cohort {
    study *s;
    clean_columns *columns;
    ingest_table *table;
    dataset *data;
    exclusion_log *log;
} sample_cohort;

static inline void sample_cohort_read(sample_cohort *c)
{
    char message[512];
    *c = (sample_cohort){0};
    assert_int_equal(study_read(SAMPLE_STUDY, &c->s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(clean_columns_new(c->s, &c->columns), EMBOLO_OK);
    assert_int_equal(ingest_read(SAMPLE_INPUT, c->columns->names, c->columns->n, &c->table, message, sizeof message),
                     EMBOLO_OK);
    assert_int_equal(clean_run(c->s, c->columns, c->table, NULL, &c->data, &c->log, message, sizeof message),
                     EMBOLO_OK);
}

static inline void sample_cohort_free(sample_cohort *c)
{
    exclusion_log_free(c->log);
    dataset_free(c->data);
    ingest_table_free(c->table);
    clean_columns_free(c->columns);
    study_free(c->s);
}

#endif
