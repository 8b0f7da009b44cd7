/* The compare stage (`embolo run --previous DIR`; docs/results-changes.md): what changed since an
 * earlier output set of the same study. compare_load checks DIR (its manifest.json: the same study
 * title, id column and endpoints; another study file only a warning; its cut-off not after this run's;
 * not a share set) and reads its patients.csv, exclusions.csv, results.csv and procedures.csv;
 * compare_run compares them with this run's analysed data and results: patients matched by id
 * (compared as cleaning compares ids: trimmed, case-insensitively), procedures by id and date. It adds
 * results.csv's section `changes` (after every other line) and gives the lists in a change_set
 * (common/changes.h) for the render stage. */
#ifndef EMBOLO_COMPARE_H
#define EMBOLO_COMPARE_H

#include <stddef.h>
#include "common/changes.h"
#include "common/dataset.h"
#include "common/error.h"
#include "common/procedures.h"
#include "common/results.h"
#include "common/study.h"

typedef struct compare_previous compare_previous;

/* What compare_load checks DIR against. */
typedef struct compare_this_run {
    const study *study;
    const char *study_sha256;
    int has_as_of;        /* this run's cut-off */
    long as_of;
    int has_procedures;   /* this run reads a procedures file */
} compare_this_run;

/* Loads DIR. Failures, one line naming DIR: missing or unreadable (EMBOLO_ERROR_FILE_NOT_FOUND, 66);
 * not an embolo output set, a share set (no patients.csv), another study, other endpoints, a cut-off
 * after this run's, a file of the set that does not read (EMBOLO_ERROR_DATA, 65). Warnings (another
 * study file, files DIR lacks) go to warnings. */
embolo_error compare_load(const char *dir, const compare_this_run *run, results *warnings, compare_previous **out,
                          char *message, size_t message_size);

void compare_previous_free(compare_previous *previous);

/* The patients DIR analysed (the lines of its patients.csv). */
size_t compare_previous_rows(const compare_previous *previous);

/* This run, as the model stage left it. */
typedef struct compare_current {
    const study *study;
    const dataset *data;
    const exclusion_log *log;
    const procedure_set *procedures;  /* NULL without a procedures file */
    int has_as_of;                    /* this run's cut-off */
    long as_of;
    int share;                        /* a share template: counts only, 1 to min_count - 1 hidden */
    int min_count;
} compare_current;

/* Compares; the lines of section `changes` are appended to results (whose estimates are this run's),
 * warnings too; *changes gets the lists (the caller frees it). */
embolo_error compare_run(const compare_previous *previous, const compare_current *current, results *results,
                         change_set **changes, char *message, size_t message_size);

#endif
