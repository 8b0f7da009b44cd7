/* The analysed data that cleaning produces and later stages read, and the exclusion log. */
#ifndef EMBOLO_DATASET_H
#define EMBOLO_DATASET_H

#include <math.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "study.h"

/* One line of exclusions.csv. */
typedef struct exclusion {
    size_t row;
    char *id;
    char *scope;       /* "row", an endpoint NAME, "value"; "procedure", "procedure_value", "index" */
    const char *code;  /* E_... or W_INVALID_VALUE */
    char *column;
    char *value;
    char *message;
} exclusion;

/* A categorical value that matches no level or alias: one per variable and distinct value (compared
 * as cleaning normalizes them), counted over the records that logged it (W_INVALID_VALUE, or
 * E_UNKNOWN_TREATMENT for the treatment). */
typedef struct unmatched_value {
    size_t variable;   /* study variable index */
    char *value;       /* as first written, trimmed, at most 200 bytes; unprintable bytes as '?' */
    size_t count;      /* records */
} unmatched_value;

typedef struct exclusion_log {
    exclusion *items;
    size_t n, capacity;
    unmatched_value *unmatched;   /* in order of first appearance */
    size_t n_unmatched, unmatched_capacity;
} exclusion_log;

exclusion_log *exclusion_log_new(void);
void exclusion_log_free(exclusion_log *log);
embolo_error exclusion_log_add(exclusion_log *log, size_t row, const char *id, const char *scope,
                               const char *code, const char *column, const char *value, size_t value_length,
                               const char *message);

/* Moves src's lines to the end of dst's, in their order (src keeps none; its unmatched values stay:
 * the caller merges them, by what makes two values the same). */
embolo_error exclusion_log_append(exclusion_log *dst, exclusion_log *src);

/* Appends an unmatched value with count 0 (value: length bytes, copied); its index in *index. */
embolo_error exclusion_log_add_unmatched(exclusion_log *log, size_t variable, const char *value, size_t length,
                                         size_t *index);

/* A day number (text_days_from_civil) that is not there; every valid one fits 32 bits (years of four digits). */
#define DATASET_NO_DAY ((long)INT32_MIN)

/* What cleaning saw of one endpoint, for the warnings and the report. */
typedef struct endpoint_tally {
    size_t analysed;        /* rows analysed for the endpoint */
    size_t events;          /* of them, with the event */
    size_t event_values;    /* time/status form: records whose status is one of event_values (any time) */
    size_t censor_values;   /* time/status form: records whose status is one of censor_values */
} endpoint_tally;

/* Blocks of text the dataset owns (its ids), one allocation per block rather than per string. */
typedef struct dataset_text_block dataset_text_block;

typedef struct dataset {
    const study *study;
    size_t rows_read;
    size_t n;              /* rows not excluded at row scope */
    size_t *record;        /* [n] record number, from 1 */
    char **id;             /* [n]: into id_text (dataset_set_id) */
    dataset_text_block *id_text;
    double **time;         /* [n_endpoints][n] in the study's time unit; NAN if the endpoint excluded it */
    int **event;           /* [n_endpoints][n] 1 event, 0 censored, -1 excluded */
    int32_t **start_day;   /* [n_endpoints][n] day number of the start date; DATASET_NO_DAY for a */
    int32_t **end_day;     /* time/status endpoint or an excluded row; end = event or censoring day */
    /* A variable's values: read them with dataset_value, write them with dataset_set_value. */
    double **value;        /* [n_variables]: [n] a number (NAN if missing); NULL for a coded factor */
    uint16_t **code;       /* [n_variables]: [n] a coded factor's level index (DATASET_NO_CODE if missing),
                              2 bytes a row rather than a double's 8; NULL for the other variables */
    double **cut_number;   /* [n_variables]: for a cut variable [n] the number before the cut (NAN if missing
                              or invalid), NULL for the others */
    size_t *missing;       /* [n_variables] missing or invalid values among the n rows */
    /* Propensity weighting, filled by the weight stage: NULL without it. */
    size_t n_groups;
    double *ps;            /* [n * n_groups] fitted P(level | X); NAN without a weight */
    double *weight;        /* [n] ATE weight; NAN without one */
    double *weight_stabilized;
    int has_newest_date;
    long newest_date;      /* newest date in the data (day number), for file dates */
    /* With a procedures file (procedures.md), filled by cleaning: NULL without one. */
    size_t *sessions;          /* [n] the patient's included procedures */
    unsigned char *crossover;  /* [n] 1 when a session has another modality than the index's */
    endpoint_tally *tally; /* [n_endpoints], filled by cleaning */
    /* The date columns of the date-form endpoints (start, event, competing, censor; each once, in the
     * order of the study file) and each row's date as recorded, for patients.csv's date.COLUMN columns,
     * which a later run compares (--previous): a date after the as-of date too, which the analysis
     * ignores. */
    size_t n_dates;
    const char **date_column;  /* [n_dates]: the study's strings */
    int32_t **date_day;        /* [n_dates][n]: day number; DATASET_NO_DAY when missing or not a valid date */
    struct dataset *window_of; /* a window (dataset_window_new): the dataset whose rows it holds; else NULL */
    size_t window_offset;      /* and where they start in it */
} dataset;

/* A missing value of a coded factor in dataset.code. */
#define DATASET_NO_CODE UINT16_MAX

/* 1 when variable v's values are kept as level indices in dataset.code: a factor with fewer levels
 * than DATASET_NO_CODE (every study's factor in practice). */
int dataset_variable_is_coded(const study *s, size_t v);

/* Variable v's value in row i: the number, a factor's level index, NAN when missing. */
static inline double dataset_value(const dataset *d, size_t v, size_t i)
{
    if (!d->code[v])
        return d->value[v][i];
    return d->code[v][i] == DATASET_NO_CODE ? NAN : (double)d->code[v][i];
}

/* Sets it. A coded factor keeps a level index (cleaning gives no other); anything else it is given,
 * NAN included, reads back as missing. */
static inline void dataset_set_value(dataset *d, size_t v, size_t i, double value)
{
    if (!d->code[v])
        d->value[v][i] = value;
    else
        d->code[v][i] = value >= 0.0 && value < (double)DATASET_NO_CODE && value == floor(value) ? (uint16_t)value
                                                                                              : DATASET_NO_CODE;
}

embolo_error dataset_new(const study *s, size_t capacity, dataset **out);
void dataset_free(dataset *data);

/* Sets row's id to a copy of length bytes of id and a NUL, kept in the dataset's blocks of text. */
embolo_error dataset_set_id(dataset *data, size_t row, const char *id, size_t length);

/* A window on whole's rows from offset (whole made with room for them): row i of the window is whole's
 * row offset + i, its per-row arrays whole's; its counts (n, rows_read, missing, tally, newest date) and
 * its ids' text are its own, so that one thread can fill it while another fills whole's first rows.
 * whole must have no weights or sessions (EMBOLO_ERROR_INVALID_ARGUMENT). dataset_free frees only the
 * window's own parts. */
embolo_error dataset_window_new(dataset *whole, size_t offset, dataset **out);

/* Moves the window's rows to follow whole's n rows (whole->n must not pass the window's offset:
 * EMBOLO_ERROR_INVALID_ARGUMENT), its ids' text to whole; rows_read, missing and the tallies summed,
 * the newest date the later of the two. The window is left without rows, for dataset_free. */
embolo_error dataset_window_join(dataset *whole, dataset *window);

/* Records excluded as a whole: rows read = analysed (n) + excluded. */
size_t dataset_rows_excluded(const dataset *data);

/* The date columns of a study's date-form endpoints, each once (compared case-insensitively, as the
 * CSV's header is), in the order of the study file: into columns (room for dataset_date_column_bound),
 * their count returned. */
size_t dataset_date_columns(const study *s, const char **columns);

/* The number of columns dataset_date_columns may give for s. */
size_t dataset_date_column_bound(const study *s);

#endif
