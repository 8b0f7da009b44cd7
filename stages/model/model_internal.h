/* Shared between the model stage's files (model.c: the round-1 analyses and the Cox reporting;
 * model_survival2.c and model_cox2.c: the round-2 analyses of statistics-2.md). Not an interface
 * of the stage: model.h is. */
#ifndef EMBOLO_MODEL_INTERNAL_H
#define EMBOLO_MODEL_INTERNAL_H

#include <stddef.h>
#include "common/dataset.h"
#include "common/error.h"
#include "common/results.h"
#include "common/study.h"
#include "cox.h"
#include "design.h"

/* qnorm(0.975) */
#define Z_975 1.959963984540054

typedef struct model_context {
    const study *s;
    const dataset *data;
    results *out;
    const study_endpoint *endpoint;
    size_t endpoint_index;
    endpoint_rows *rows;
    design_share *multivariable;  /* the endpoint's multivariable design, shared by its unweighted and
                                     weighted models; NULL: each makes its own */
} model_context;

/* Adds one line of this endpoint. */
embolo_error model_add(model_context *ctx, const char *section, const char *model, const char *variable,
                       const char *level, const char *stat, double value);

/* Upper chi-square tail; NAN for a NAN statistic or df <= 0. */
double model_chisq_p(double chisq, double df);

/* One Cox model to fit and report. */
typedef struct cox_request {
    const char *model;           /* results key */
    const size_t *variables;
    size_t n_variables;
    int weighted;                /* ATE weights, robust variance */
    cox_ties ties;
    int with_zph;
    int with_evalues;            /* evalue, evalue_ci per coefficient */
    int strata;                  /* variable of strata(), -1 none (its missing rows left out) */
    int cluster;                 /* variable of cluster =, -1 none (likewise) */
    int estimated_only;          /* wald_global over a factor's estimated coefficients only */
    int forest;                  /* the forest's no-model rules: only n and events, no warnings */
    int multivariable;           /* the study's multivariable list: may use ctx->multivariable's design */
} cox_request;

/* Efron, unweighted, no strata or clusters. */
cox_request cox_request_default(const char *model, const size_t *variables, size_t n_variables);

/* Fits the model on ctx->rows (complete cases) and adds its lines (or a warning). */
embolo_error model_cox_run(model_context *ctx, const cox_request *request);

/* The patients and events of each factor level that has a coefficient in design d: lines n and events
 * on the coefficient's level (the share template hides a coefficient whose level has too few). */
embolo_error model_report_level_counts(model_context *ctx, const char *model, const design *d);

/* One endpoint's analyses, as steps in the order of results.csv: the curves (follow-up, Kaplan-Meier
 * overall and by subgroup), each univariate Cox model (index: of s->univariate), the multivariable
 * Efron and Breslow models, which read no weight; then the weighted curves and models and the round-2
 * analyses, which read the weights (ctx->data's, ctx->rows'). Each reads ctx->rows and ctx->data only,
 * so steps of one endpoint can run at once, each into its own results. */
typedef enum model_step {
    MODEL_STEP_CURVES,
    MODEL_STEP_UNIVARIATE,
    MODEL_STEP_MULTIVARIABLE,  /* Efron's and Breslow's, on one design */
    MODEL_STEP_WEIGHTED,
    MODEL_STEP_SURVIVAL2,
    MODEL_STEP_COX2
} model_step;

embolo_error model_step_run(model_context *ctx, model_step step, size_t index);

/* Round 2 (statistics-2.md): stratified log-rank, pairwise and trend log-rank, RMST, cumulative
 * incidence and Gray's test. */
embolo_error model_survival2_run(model_context *ctx);

/* Round 2: stratified and clustered Cox, the forest and its interaction tests, Fine-Gray. */
embolo_error model_cox2_run(model_context *ctx);

#endif
