/* The procedures of a run (procedures.md): what cleaning keeps of the procedures file, one entry
 * per included procedure, for the model stage (the safety statistics) and the render stage
 * (procedures.csv, the report's lists); and the audit's thresholds. */
#ifndef EMBOLO_PROCEDURES_H
#define EMBOLO_PROCEDURES_H

#include <stddef.h>
#include "error.h"

#define PROCEDURE_UNKNOWN (-1)
/* CTCAE grade >= 3 = SIR severe or worse. */
#define PROCEDURE_MAJOR_GRADE 3
#define PROCEDURE_MAX_GRADE 5

typedef struct procedure {
    size_t record;       /* record number in the procedures file, from 1 */
    size_t patient;      /* row of the patient in the dataset */
    long day;            /* the procedure date, a day number */
    int modality;        /* level of the treatment variable */
    int session;         /* the patient's sessions in date order, from 1 (the index procedure) */
    int grade;           /* worst AE, ordinal 0-5; PROCEDURE_UNKNOWN */
    int death30;         /* 1 died within 30 days, 0 survived them; PROCEDURE_UNKNOWN */
    int success;         /* technical success 1 / 0; PROCEDURE_UNKNOWN */
    double activity;     /* administered activity (GBq); NAN when missing or invalid */
    int operator_index;  /* into procedure_set.operators; PROCEDURE_UNKNOWN when missing */
    char *term;          /* ae_term trimmed; NULL when missing */
} procedure;

typedef struct procedure_set {
    procedure *items;          /* the included procedures, in record order */
    size_t n, capacity;
    char **operators;          /* each operator's label: the spelling of its first included record */
    size_t n_operators, operators_capacity;
    size_t records;            /* records read = n + excluded */
    size_t excluded;
    size_t start_from_index;   /* analysed patients whose start came from the index procedure */
    size_t treatment_from_index;
    size_t after_followup;     /* included procedures of living patients after the end of follow-up */
    /* Which optional columns the study maps ([procedures] ae_grade, ...). */
    int has_grade, has_term, has_success, has_activity, has_operator;
} procedure_set;

procedure_set *procedure_set_new(void);
void procedure_set_free(procedure_set *set);

/* Appends a procedure (its term is copied); *out points at it until the next append. */
embolo_error procedure_set_add(procedure_set *set, const procedure *item, const char *term, procedure **out);

/* Appends an operator label (copied); returns its index through *index. */
embolo_error procedure_set_add_operator(procedure_set *set, const char *label, size_t *index);

/* ---- the audit's thresholds (procedures.md, section 5; a template's [thresholds]) ---- */

typedef enum procedure_threshold {
    THRESHOLD_MAJOR_AE,           /* highest acceptable major-AE rate per procedure */
    THRESHOLD_MORTALITY_30D,      /* highest acceptable 30-day mortality per procedure */
    THRESHOLD_TECHNICAL_SUCCESS,  /* lowest acceptable technical-success rate */
    THRESHOLD_CUSUM_P0,           /* the CUSUM's acceptable major-AE rate */
    THRESHOLD_CUSUM_P1,           /* the rate it is to detect (p0 < p1 < 1) */
    THRESHOLD_CUSUM_H,            /* its decision limit (h > 0) */
    THRESHOLD_COUNT
} procedure_threshold;

/* The key of a threshold as templates write it ("major_ae"), and embolo's default. */
const char *procedure_threshold_name(procedure_threshold key);
double procedure_threshold_default(procedure_threshold key);

/* The thresholds in force: overall, and per level of the treatment variable. */
typedef struct procedure_thresholds {
    double all[THRESHOLD_COUNT];
    double (*level)[THRESHOLD_COUNT];  /* [n_levels] */
    size_t n_levels;
} procedure_thresholds;

/* Every value the default; n_levels rows. */
embolo_error procedure_thresholds_new(size_t n_levels, procedure_thresholds **out);
void procedure_thresholds_free(procedure_thresholds *t);

#endif
