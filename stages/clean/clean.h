/* Cleaning stage: types, synonyms, validation, endpoint times from dates, the exclusion log
 * (study-file.md, "Cleaning verdicts"). Every record is analysed or listed as excluded. */
#ifndef EMBOLO_CLEAN_H
#define EMBOLO_CLEAN_H

#include <stddef.h>
#include "common/dataset.h"
#include "common/error.h"
#include "common/procedures.h"
#include "common/results.h"
#include "common/study.h"
#include "ingest/ingest.h"

/* The CSV columns a study needs, in the order ingest is asked for them. */
typedef struct clean_columns {
    const char **names;
    size_t n;
    unsigned char *optional;  /* [n] 1 for a column the file may lack (ingest_options) */
} clean_columns;

embolo_error clean_columns_new(const study *s, clean_columns **out);
void clean_columns_free(clean_columns *columns);

/* With a procedures file the patient file may lack the start and treatment columns altogether
 * (procedures.md): marks them optional. */
void clean_columns_allow_index_fill(clean_columns *columns, const study *s);

/* The columns of the procedures file that the study's [procedures] maps. */
embolo_error clean_procedure_columns_new(const study *s, clean_columns **out);

typedef struct clean_options {
    int has_as_of;   /* overrides the study's as_of */
    long as_of;      /* day number */
    size_t threads;  /* threads clean_run may use; 0: as many as cpus_online() (options NULL: likewise) */
} clean_options;

/* With two threads or more, a table of at least this many records is cleaned in two contiguous
 * halves at once and the halves' rows, log lines and counts joined in record order: the result is the
 * same, byte for byte, as cleaning on one thread. */
#define CLEAN_SPLIT_MIN_RECORDS ((size_t)65536)

/* Cleans every record of table (read with the names of columns). On success *data holds the rows
 * not excluded at row scope and *log one line per exclusion or invalid value; the stage checks that
 * rows read = analysed + excluded. Warnings (as-of on time/status endpoints) go to warnings. */
embolo_error clean_run(const study *s, const clean_columns *columns, const ingest_table *table,
                       const clean_options *options, dataset **data, exclusion_log **log,
                       char *message, size_t message_size);

/* Cleaning with a procedures file (procedures.md, "Order of work"): (1) the patient records' id
 * checks, (2) the procedure codes up to E_PROC_UNKNOWN_MODALITY, (3) a patient's missing start or
 * treatment filled in `table` from its earliest procedure left that is not after its death, (4)
 * clean_run on the patient records, (5) the remaining procedure codes, the values of the included
 * procedures and the W_INDEX_* lines. *procedures holds the included procedures; the log has one
 * `procedure` line per excluded record; data gains sessions and crossover. */
embolo_error clean_run_with_procedures(const study *s, const clean_columns *columns, ingest_table *table,
                                       const clean_columns *procedure_columns, const ingest_table *procedure_table,
                                       const clean_options *options, dataset **data, exclusion_log **log,
                                       procedure_set **procedures, char *message, size_t message_size);

/* The plain-words message of a procedure code (E_PROC_*, W_PROC_*, W_INDEX_*), NULL for another. */
const char *clean_procedure_code_message(const char *code);

/* The i-th procedure code in the order of procedures.md, NULL past the last. */
const char *clean_procedure_code_at(size_t i);

/* The plain-words message of a cleaning code, NULL for an unknown code. */
const char *clean_code_message(const char *code);

/* The i-th cleaning code in the order of study-file.md (the first wins), then the procedure codes,
 * NULL past the last. */
const char *clean_code_at(size_t i);

/* At most this many values that match no level are named per variable; the rest are counted. */
#define CLEAN_MAX_LISTED_VALUES 5

/* The run warnings about what cleaning saw (after clean_run): each categorical value that matches no
 * level or alias, once per variable and value with its count ("treatment: 304 rows have 'Lev+5-FU',
 * which is not a level (levels: Obs, Lev, Lev+5FU); ..."), the most frequent first, the values past
 * CLEAN_MAX_LISTED_VALUES in one more warning; an endpoint with no event among its analysed rows; an
 * endpoint whose event values, or censor values, match no record's status. */
embolo_error clean_warn(const study *s, const dataset *data, const exclusion_log *log, results *out);

#endif
