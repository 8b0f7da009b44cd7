/* Model rows and design matrices, internal to the model stage: the rows of one endpoint sorted by
 * time once, subsets of them (complete cases, rows with a weight) that keep that order, and the
 * treatment-contrast columns of a list of variables. */
#ifndef EMBOLO_DESIGN_H
#define EMBOLO_DESIGN_H

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "common/dataset.h"
#include "common/error.h"
#include "common/study.h"

/* Rows of one endpoint in time order, with R's timefix applied once: times within a relative
 * sqrt(DBL_EPSILON) of each other are one time (survival's aeqSurv), for every analysis. status is
 * cause-specific (1 the event, 0 censored or the competing event: every standard estimator reads
 * it); cause keeps 0/1/2 (2 the competing event) for the competing-risks ones. */
typedef struct endpoint_rows {
    size_t n;
    size_t *row;     /* dataset row of each */
    double *time;
    int *status;
    int *cause;
    /* Each study variable's value (data->value) and the weight (data->weight, NULL without weights)
     * gathered in this order once, so that every design over these rows reads them in sequence. A
     * factor's level index takes 2 bytes rather than a double's 8 (endpoint_rows_value reads either). */
    size_t n_values;
    double **value;  /* [n_values][n]: a numeric variable's values (NAN: missing); NULL for a coded one */
    uint16_t **code; /* [n_values][n]: a factor's level index (ROWS_NO_CODE: missing); NULL for the others */
    double *weight;
} endpoint_rows;

/* A missing factor value in endpoint_rows.code; a factor with more levels keeps its values in value. */
#define ROWS_NO_CODE DATASET_NO_CODE

/* Variable v's value in row k: the number, a factor's level index, NAN when missing. */
static inline double endpoint_rows_value(const endpoint_rows *r, size_t v, size_t k)
{
    if (!r->code[v])
        return r->value[v][k];
    return r->code[v][k] == ROWS_NO_CODE ? NAN : (double)r->code[v][k];
}

embolo_error endpoint_rows_new(const dataset *data, size_t endpoint, endpoint_rows **out);
void endpoint_rows_free(endpoint_rows *rows);

/* Gathers data's weights into rows made before data had them (rows->weight NULL); nothing to do when
 * rows have their weights or data has none. */
embolo_error endpoint_rows_gather_weight(endpoint_rows *rows, const dataset *data);

/* The rows (order kept) whose value of variable is level, or any non-missing value with level -1. */
embolo_error endpoint_rows_subset(const endpoint_rows *rows, const dataset *data, size_t variable, int level,
                                  endpoint_rows **out);

/* One coefficient column of a design. */
typedef struct design_column {
    size_t variable;    /* study variable index */
    int level;          /* level index of a factor's contrast, -1 for a numeric variable */
    size_t term;        /* index of the variable within the design's variable list */
} design_column;

/* A subset of endpoint rows with the columns of some variables (complete cases). */
typedef struct design {
    size_t n, p;
    double *time;
    int *status;        /* cause-specific, as endpoint_rows */
    int *cause;         /* 0/1/2, as endpoint_rows */
    double *weight;     /* NULL when unweighted */
    double *x;          /* n x p row-major */
    size_t *column_rows;    /* [p] rows whose value in the column is not 0, counted as x is filled */
    size_t *column_events;  /* [p] those of them with status 1 */
    size_t *row;        /* dataset row of each */
    design_column *columns;
    size_t n_terms;
    int *reference;     /* [n_terms] level index of each factor's reference in this design (the declared one,
                           or the first level in `levels` order with a row when it has none); -1 otherwise */
    size_t events;
    size_t dropped;     /* endpoint rows left out as incomplete */
    int borrowed;       /* time, status, cause, weight and row are the endpoint rows' own (every row
                           complete), not copies: the design must be freed before its rows */
    int view;           /* a weighted view of a shared design (design_share): all but its weights are
                           the shared design's */
    const endpoint_rows *rows;  /* the rows it was built from (design_values reads them) */
} design;

/* Builds the design of variables[0..n_variables) over rows; with weighted, only rows with a weight
 * are kept and their weights attached. A factor level with no row in the subset gets no column.
 * When every row is complete the design shares the rows' arrays: free it before rows. */
embolo_error design_new(const dataset *data, const endpoint_rows *rows, const size_t *variables,
                        size_t n_variables, int weighted, design **out);
void design_free(design *d);

/* One endpoint's unweighted multivariable design, shared with its weighted multivariable model while
 * both are fitted (one n x p matrix instead of two): when every row of the design has a weight, the
 * weighted model's design (design_new with weighted) has the same rows, columns and values, so a view
 * with the weights attached is that design bit for bit. Users take it with design_share_take or
 * design_share_view and give it back with design_share_give; the last one frees it. */
typedef struct design_share {
    pthread_mutex_t mutex;
    design *d;          /* NULL before the first take and after the last give */
    size_t users;
} design_share;

embolo_error design_share_init(design_share *share);
void design_share_destroy(design_share *share);

/* The design of variables over rows (unweighted), made by the first taker. */
embolo_error design_share_take(design_share *share, const dataset *data, const endpoint_rows *rows,
                               const size_t *variables, size_t n_variables, design **out);

/* A view of the shared design with the weights of data (which weighted_rows, the same rows with their
 * weights, gathered), when the design is there and every one of its rows has a weight; else *out is
 * NULL and the caller makes its own design. */
embolo_error design_share_view(design_share *share, const dataset *data, const endpoint_rows *weighted_rows,
                               design **out);

/* Gives back what design_share_take or design_share_view gave (NULL: nothing). */
void design_share_give(design_share *share, design *d);

/* The value of variable (any study variable) in each design row into out[0..d->n), read in sequence
 * from the gathered values of the rows the design was built from (still there), not from the dataset. */
void design_values(const design *d, size_t variable, double *out);

/* The rows with a non-zero x in each column (a factor level's rows) into rows[0..p) and the events
 * among them (status 1) into events[0..p), as counted when x was filled. */
void design_level_counts(const design *d, size_t *rows, size_t *events);

#endif
