/* Internal to the compare stage: the earlier set as loaded, and the pieces of the comparison. */
#ifndef EMBOLO_COMPARE_INTERNAL_H
#define EMBOLO_COMPARE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "compare.h"
#include "ingest/ingest.h"

#define COMPARE_NONE SIZE_MAX
#define COMPARE_MAX_TEXT 1024

/* DIR's patients.csv: the wanted index of each column this study's run writes, COMPARE_NONE where
 * DIR's file lacks it (another study file: a variable it did not have). */
typedef struct previous_patients {
    ingest_table *table;
    size_t row, id;
    size_t *time, *event;     /* [n_endpoints] */
    size_t *value, *number;   /* [n_variables]: NAME, and NAME_value of a cut variable */
    size_t *date;             /* [data n_dates]: date.COLUMN */
} previous_patients;

struct compare_previous {
    char *dir;
    int has_as_of;            /* DIR's manifest as_of */
    long as_of;
    int has_cutoff;           /* as_of, else the newest date of its patients.csv and procedures.csv */
    long cutoff;
    int study_file_changed;
    const char **date_columns; /* this study's date columns, as patients.csv names them (date.COLUMN) */
    size_t n_dates;
    previous_patients patients;
    ingest_table *exclusions; /* row, id, scope, code */
    results *results;         /* DIR's results.csv; NULL when the set has none (`check`) */
    ingest_table *procedures; /* id, date, ae_grade; NULL unless both runs have procedures */
};

#define EXCLUSION_ROW 0
#define EXCLUSION_ID 1
#define EXCLUSION_SCOPE 2
#define EXCLUSION_CODE 3
#define PROCEDURE_ID 0
#define PROCEDURE_DATE 1
#define PROCEDURE_GRADE 2

/* A cell of a table as a C string (cut to size, NUL-terminated), with embolo's formula guard (a
 * leading ' before = + - @ tab CR) taken off: the text as the run had it. */
void compare_cell(const ingest_table *table, size_t record, size_t column, char *out, size_t size);

/* The key a patient id is matched by: trimmed, inner spaces folded, ASCII case folded (as cleaning
 * finds duplicate ids); an id that is not valid text is its own key. */
void compare_id_key(const char *id, char *out, size_t size);

/* A number as patients.csv and results.csv write it (%.12g, -0 as 0; NA). */
void compare_number_text(double value, char *out, size_t size);

/* An ISO date cell: its day number, or 0 when it is NA or not a date. */
int compare_parse_day(const char *text, long *day);

/* Whether a date column is only ever a censor date (last follow-up), which moves later as follow-up
 * goes on: a later one is follow-up extended, not a correction. */
int compare_censor_only(const study *s, const char *column);

/* What the comparison keeps while it runs. */
typedef struct compare_context {
    const compare_previous *prev;
    const compare_current *cur;
    change_set *changes;
    results *warnings;        /* the run's: warnings are added to it */
    size_t n_previous;        /* patients analysed in DIR / now */
    size_t n_current;
    size_t *matched_prev;     /* [n_matched]: rows of the patients analysed in both */
    size_t *matched_cur;
    size_t n_matched;
    unsigned char *prev_matched;  /* [n_previous] 1 when matched */
    unsigned char *cur_matched;   /* [n_current] */
    char **prev_keys;         /* [n_previous] id keys of DIR's patients */
    size_t now_excluded, now_included;
    /* Records matched by no id (E_MISSING_ID, E_DUPLICATE_ID, a second record of an id): per code. */
    struct unmatched_code {
        char code[64];
        size_t previous, current;
    } unmatched[32];
    size_t n_unmatched;
    size_t *events_previous;  /* [n_endpoints] events among the analysed */
    size_t *events_current;
    size_t procedures_previous, procedures_current, procedures_previous_unmatched,
        procedures_current_unmatched;
    size_t estimates_compared;
} compare_context;

/* Patients, verdicts, values, dates, times and events (compare_records.c). */
embolo_error compare_records(compare_context *ctx);

/* Procedures of the patients analysed in both, by id and date (compare_procedures.c). */
embolo_error compare_procedures(compare_context *ctx);

/* The headline estimates of results (compare_estimates.c): km unweighted medians, the multivariable
 * and weighted hazard ratios. */
embolo_error compare_estimates(compare_context *ctx, const results *current);

#endif
