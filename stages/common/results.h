/* The table of estimates behind results.csv (results-csv.md): one row per estimate. */
#ifndef EMBOLO_RESULTS_H
#define EMBOLO_RESULTS_H

#include <stddef.h>
#include "curves.h"
#include "error.h"
#include "series.h"

typedef struct result_row {
    char *section, *endpoint, *model, *variable, *level, *stat;
    double value;    /* NAN prints as NA */
    int below;       /* > 0: a count hidden under a share template, written "<below" (value NAN) */
} result_row;

/* What a warning is about: the keys of its results lines (NULL or "" where they do not apply). */
typedef struct result_subject {
    const char *endpoint, *model, *variable, *level;
} result_subject;

/* A warning's parts, so that a renderer can name its subject by labels (results_warn_about). */
typedef struct result_warning {
    char *endpoint, *model, *variable, *level;  /* "" where they do not apply */
    char *message;  /* what is said of the subject; NULL for a warning of results_warn (only its text) */
    char *quoted;   /* an input value the text quotes as 'VALUE' (results_warn_quoting), else NULL: a
                       renderer that must show no input text (the share template) masks it */
} result_warning;

typedef struct results {
    result_row *rows;
    size_t n, capacity;
    char **warnings;  /* run warnings, in order: the text of manifest.json and the progress output */
    result_warning *warning_parts;  /* [n_warnings]: the same warnings in parts */
    size_t n_warnings, warnings_capacity;
    curve_set *curves;  /* Kaplan-Meier curves for drawing; NULL until the model stage adds one */
    series_set *series; /* other figures' data (CUSUM paths, funnel limits); NULL until one is added */
    curve_set *cif_curves; /* cumulative-incidence curves (keys of the cif lines); NULL until one is added */
    double curve_tick_step; /* the curves' x-axis tick step, where their numbers at risk are counted (a
                               template's x_step, set before the model stage); 0: the data's natural step */
    size_t *slots;      /* lookup index kept by results_add: open addressing, line + 1 (0: empty) */
    size_t slot_mask;
} results;

results *results_new(void);
void results_free(results *r);

embolo_error results_add(results *r, const char *section, const char *endpoint, const char *model,
                         const char *variable, const char *level, const char *stat, double value);

/* A count hidden under a share template (1 to min_count - 1): written "<bound", its value NAN. */
embolo_error results_add_hidden(results *r, const char *section, const char *endpoint, const char *model,
                                const char *variable, const char *level, const char *stat, int bound);

/* Moves every line, warning and curve (KM and CIF) of src to the end of dst (src is left empty). */
embolo_error results_append(results *dst, results *src);

/* The value of the first line with these keys (NULL keys match ""), NAN if there is none; a hash
 * lookup, so renderers may ask thousands of times. */
double results_value(const results *r, const char *section, const char *endpoint, const char *model,
                     const char *variable, const char *level, const char *stat);

/* The first line with these keys (NULL keys match ""), NULL if there is none. */
const result_row *results_find(const results *r, const char *section, const char *endpoint, const char *model,
                               const char *variable, const char *level, const char *stat);

/* Adds a warning (printf-style). */
embolo_error results_warn(results *r, const char *format, ...);

/* Adds a warning (printf-style) whose text quotes an input value as 'VALUE' (e.g. one that matches no
 * level), kept in its parts so that a renderer can mask it. */
embolo_error results_warn_quoting(results *r, const char *value, const char *format, ...);

/* Adds a warning about a subject (printf-style: what is wrong, without the subject's names). Its text
 * is "ENDPOINT MODEL VARIABLE LEVEL: message" with the keys that apply, as results.csv spells them;
 * renderers show the subject by its labels instead. */
embolo_error results_warn_about(results *r, result_subject about, const char *format, ...);

#endif
