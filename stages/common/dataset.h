/* The analysed data that cleaning produces and later stages read, and the exclusion log. */
#ifndef EMBOLO_DATASET_H
#define EMBOLO_DATASET_H

#include <limits.h>
#include <stddef.h>
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

typedef struct exclusion_log {
    exclusion *items;
    size_t n, capacity;
} exclusion_log;

exclusion_log *exclusion_log_new(void);
void exclusion_log_free(exclusion_log *log);
embolo_error exclusion_log_add(exclusion_log *log, size_t row, const char *id, const char *scope,
                               const char *code, const char *column, const char *value, size_t value_length,
                               const char *message);

#define DATASET_NO_DAY LONG_MIN

typedef struct dataset {
    const study *study;
    size_t rows_read;
    size_t n;              /* rows not excluded at row scope */
    size_t *record;        /* [n] record number, from 1 */
    char **id;             /* [n] */
    double **time;         /* [n_endpoints][n] in the study's time unit; NAN if the endpoint excluded it */
    int **event;           /* [n_endpoints][n] 1 event, 0 censored, -1 excluded */
    long **start_day;      /* [n_endpoints][n] day number of the start date; DATASET_NO_DAY for a */
    long **end_day;        /* time/status endpoint or an excluded row; end = event or censoring day */
    double **value;        /* [n_variables][n] number, or level index of a factor; NAN if missing */
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
} dataset;

embolo_error dataset_new(const study *s, size_t capacity, dataset **out);
void dataset_free(dataset *data);

#endif
