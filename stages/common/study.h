/* The study file (study-file.md): what the CSV's columns mean and what to analyse. Parsed with
 * libinih; every rule breach is reported with the file, line and reason. */
#ifndef EMBOLO_STUDY_H
#define EMBOLO_STUDY_H

#include <stddef.h>
#include "error.h"
#include "text.h"

typedef enum variable_type { VARIABLE_NUMERIC, VARIABLE_CATEGORICAL } variable_type;

typedef struct study_alias {
    char *text;  /* normalized spelling */
    size_t level;
} study_alias;

typedef struct study_variable {
    char *name;
    char *column;
    char *label;
    variable_type type;      /* as declared: a cut variable is declared numeric */
    int has_min, has_max, has_cut;
    double min, max, cut;
    /* Levels of a categorical variable, or "<=C" and ">C" of a cut variable. */
    char **levels;
    size_t n_levels;
    size_t reference;
    study_alias *aliases;
    size_t n_aliases;
    int ordered;             /* `ordered = yes`: scores 1, 2, ... in levels order (trend test) */
    int line;
} study_variable;

/* True for variables analysed as factors: categorical ones and cut ones. */
int study_variable_is_factor(const study_variable *variable);

typedef enum endpoint_form { ENDPOINT_DATES, ENDPOINT_TIME_STATUS } endpoint_form;

typedef struct study_endpoint {
    char *name;
    char *label;
    endpoint_form form;
    char *start;
    char **event_dates;
    size_t n_event_dates;
    char *censor_date;
    char *time;
    char *status;
    char **event_values;     /* normalized */
    size_t n_event_values;
    char **censor_values;    /* normalized */
    size_t n_censor_values;
    double time_scale;       /* days per unit of the time column; 0 = the study's time unit */
    char **competing_dates;  /* date form: the earliest present one is the competing event */
    size_t n_competing_dates;
    char **competing_values; /* time/status form, normalized */
    size_t n_competing_values;
    int line;
} study_endpoint;

typedef enum ae_scale { AE_SCALE_CTCAE, AE_SCALE_SIR } ae_scale;

/* [procedures] (procedures.md): the columns of the procedures CSV, one row per session. */
typedef struct study_procedures {
    int present;              /* the study file has the section */
    int line;                 /* the line of its first key */
    char *file;               /* the CSV, resolved against the study file's folder; NULL: none given */
    char *id;                 /* required columns */
    char *date;
    char *modality;           /* read with the levels and aliases of the treatment variable */
    char *ae_grade;           /* optional columns: NULL when not mapped */
    char *ae_term;
    char *technical_success;
    char *activity_gbq;
    char *operator;
    ae_scale scale;
    int ae_empty_unknown;     /* ae_empty = unknown; by default an empty grade means no AE */
    size_t death_endpoint;    /* index of the date-form endpoint whose event is death */
    const char *start;        /* the start column every date-form endpoint shares */
} study_procedures;
/* True when the endpoint has a competing event (competing_dates or competing_values). */
int study_endpoint_has_competing(const study_endpoint *endpoint);

typedef struct study {
    char *path;
    char *title;
    char *id_column;
    char *time_unit;
    double days_per_unit;
    double *landmarks;
    char **landmark_texts;   /* as %g of the number */
    size_t n_landmarks;
    date_format date_format;
    int has_as_of;
    long as_of;              /* day number */
    char **na_values;        /* normalized */
    size_t n_na_values;
    study_endpoint *endpoints;
    size_t n_endpoints;
    study_variable *variables;
    size_t n_variables;
    int treatment;           /* variable index, -1 without [treatment] */
    size_t *ps_covariates;
    size_t n_ps_covariates;
    int has_trim;
    double trim_low, trim_high;
    size_t *subgroups;
    size_t n_subgroups;
    size_t *univariate;
    size_t n_univariate;
    size_t *multivariable;
    size_t n_multivariable;
    study_procedures procedures;
    int centre;              /* [analysis] centre: variable index, -1 without */
    int has_rmst_tau;
    double rmst_tau;         /* [analysis] rmst_tau, in time_unit */
    size_t *forest;          /* [analysis] forest: treatment effect within the levels of each */
    size_t n_forest;
    char delimiter;          /* field separator of the CSV: ',' (default), ';' or '\t' */
} study;

/* Reads and checks a study file. On failure *out is NULL and message (capacity message_size) says
 * which file and line are at fault and why. */
embolo_error study_read(const char *path, study **out, char *message, size_t message_size);

/* The same from memory (path is used in messages only). */
embolo_error study_parse(const char *text, size_t length, const char *path, study **out,
                         char *message, size_t message_size);

void study_free(study *s);

/* Index of the variable with this name, -1 if none. */
int study_find_variable(const study *s, const char *name);

/* The level of categorical variable v that a normalized value names (a level or an alias), -1 if
 * none. */
int study_match_level(const study_variable *v, const char *normalized);

/* Whether a normalized value is one of the study's missing-value tokens (na_values). */
int study_is_missing(const study *s, const char *normalized);

#endif
