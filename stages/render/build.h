/* The table builders (build_*.c): one per kind of table, each reading the run's results through the
 * keys of common/keys.h and making a table model (table.h) with the template's formats, labels and
 * share suppression. Internal to the render stage; document.c places the tables. */
#ifndef EMBOLO_BUILD_H
#define EMBOLO_BUILD_H

#include <stddef.h>
#include "render.h"
#include "table.h"

typedef enum build_table_kind {
    BUILD_FLOW_REASONS,    /* exclusions and invalid values by reason */
    BUILD_FLOW_ENDPOINTS,  /* analysed records, events and follow-up per endpoint */
    BUILD_MISSING,         /* missing values per variable */
    BUILD_TABLE1,          /* baseline characteristics by treatment group */
    BUILD_SURVIVAL,        /* survival by subgroup of one endpoint (index) */
    BUILD_COX,             /* hazard ratios of the Cox models of one endpoint (index) */
    BUILD_COX_FIT,         /* patients, events and concordance of those models */
    BUILD_WEIGHTS,         /* propensity weights per treatment group */
    BUILD_BALANCE,         /* covariate balance before and after weighting */
    BUILD_ZPH,             /* the proportional-hazards test of the multivariable models */
    BUILD_EPV,             /* events per coefficient */
    BUILD_AUDIT,           /* procedures and events of the audit month */
    BUILD_BENCHMARKS,      /* medians beside published benchmarks */
    BUILD_SUMMARY,         /* workbook: provenance and key results */
    BUILD_METHODS,         /* workbook: the methods and results paragraphs */
    BUILD_DICTIONARY,      /* workbook: the variables and derived columns */
    BUILD_EXCLUSIONS,      /* workbook: the exclusion log (share: counts per code) */
    BUILD_PATIENTS,        /* workbook: the analysed rows (rows filled on demand) */
    BUILD_KM_DATA,         /* workbook: the points of every Kaplan-Meier curve (on demand) */
    BUILD_SESSIONS,        /* procedures: sessions per patient, repeats and crossovers */
    BUILD_SAFETY,          /* procedures: AEs and outcomes by modality */
    BUILD_AUDIT_PROCEDURES,/* procedures and patients of the audit's windows and to date */
    BUILD_AUDIT_SAFETY,    /* the month and the 12 months against the thresholds */
    BUILD_MAJOR_AES,       /* the major AEs of the audit month (never under share) */
    BUILD_CUSUM,           /* workbook: the CUSUM of major AEs, its parameters and signals */
    BUILD_FUNNEL,          /* workbook: the operators' major-AE rates against the funnel's limits */
    BUILD_PROCEDURES,      /* workbook: the included procedures as procedures.csv has them (on demand) */
    BUILD_CHANGES_COUNTS,     /* since the last report (--previous): the counts of results.csv's changes */
    BUILD_CHANGES_PATIENTS,   /* patients new and no longer present (at most BUILD_CHANGES_LIST_MAX per kind) */
    BUILD_CHANGES_VERDICTS,   /* verdicts changed, both codes */
    BUILD_CHANGES_EVENTS,     /* events new and removed, dated against the previous cut-off */
    BUILD_CHANGES_VALUES,     /* past values, dates and times changed, old -> new */
    BUILD_CHANGES_PROCEDURES, /* procedures new, removed, re-graded */
    BUILD_CHANGES_ESTIMATES,  /* the headline estimates of one endpoint (index) previous -> now, flagged when
                                 the previous value lies outside the new CI */
    BUILD_CHANGES_ITEMS,      /* workbook: every change, one row each (on demand) */
    /* Round 2 (statistics-2.md), one table per endpoint (index) each: */
    BUILD_PAIRWISE,        /* pairwise (Holm) and trend log-rank tests, under the survival table */
    BUILD_RMST,            /* restricted mean survival time to rmst_tau, differences from the reference */
    BUILD_CIF,             /* cumulative incidence at the landmarks with Gray's p (competing event) */
    BUILD_FINEGRAY,        /* Fine-Gray models beside the cause-specific Cox models */
    BUILD_FINEGRAY_FIT,    /* patients, events and competing events of those Fine-Gray models */
    BUILD_CENTRE_LOGRANK,  /* log-rank tests unstratified and stratified by centre */
    BUILD_CENTRE_COX,      /* the multivariable model unstratified, stratified, cluster-robust */
    BUILD_CENTRE_FIT,      /* patients, events and concordance of those three */
    BUILD_SUBGROUP_EFFECTS, /* the treatment's HR within each forest level, with the interaction p */
    BUILD_KIND_COUNT
} build_table_kind;

/* The rows of a worksheet (with its header): a longer list gets a note pointing to its CSV file. */
#define BUILD_SHEET_MAX_ROWS 1048576

/* What every builder reads. */
typedef struct build_context {
    const render_input *in;
    const study *s;
    const dataset *data;
    const results *r;          /* never NULL */
    const report_template *t;
} build_context;

void build_context_init(build_context *b, const render_input *in);

/* The table of a kind (index: the endpoint, for the kinds per endpoint); NULL when out of memory. */
table *build_table(const build_context *b, build_table_kind kind, size_t index);

/* ---- the builders, one per kind (build_flow.c, build_table1.c, build_survival.c, build_cox.c,
 * build_propensity.c, build_checks.c, build_audit.c, build_workbook.c, build_data.c; round 2:
 * build_logrank.c, build_rmst.c, build_effects.c, and build_survival.c and build_cox.c) ---- */

table *build_flow_reasons(const build_context *b);
table *build_flow_endpoints(const build_context *b);
table *build_missing_values(const build_context *b);
table *build_table1(const build_context *b);
table *build_survival(const build_context *b, size_t endpoint);
table *build_cox(const build_context *b, size_t endpoint);
table *build_cox_fit(const build_context *b, size_t endpoint);
table *build_weights(const build_context *b);
table *build_balance(const build_context *b);
table *build_zph(const build_context *b);
table *build_events_per_coefficient(const build_context *b);
table *build_audit(const build_context *b);
table *build_benchmarks(const build_context *b);
table *build_summary(const build_context *b);
table *build_methods(const build_context *b);
table *build_dictionary(const build_context *b);
table *build_exclusions(const build_context *b);
table *build_patients(const build_context *b);
table *build_km_data(const build_context *b);
table *build_sessions(const build_context *b);
table *build_safety(const build_context *b);
table *build_audit_procedures(const build_context *b);
table *build_audit_safety(const build_context *b);
table *build_major_aes(const build_context *b);
table *build_cusum(const build_context *b);
table *build_funnel(const build_context *b);
table *build_procedures(const build_context *b);
table *build_pairwise(const build_context *b, size_t endpoint);
table *build_rmst(const build_context *b, size_t endpoint);
table *build_cif(const build_context *b, size_t endpoint);
table *build_finegray(const build_context *b, size_t endpoint);
table *build_finegray_fit(const build_context *b, size_t endpoint);
table *build_centre_logrank(const build_context *b, size_t endpoint);
table *build_centre_cox(const build_context *b, size_t endpoint);
table *build_centre_fit(const build_context *b, size_t endpoint);
table *build_subgroup_effects(const build_context *b, size_t endpoint);

/* build_changes.c: since the last report (render_input.changes; without it each table is one note). */
#define BUILD_CHANGES_LIST_MAX 20   /* the report lists at most this many changes of a kind */
table *build_changes_counts(const build_context *b);
table *build_changes_patients(const build_context *b);
table *build_changes_verdicts(const build_context *b);
table *build_changes_events(const build_context *b);
table *build_changes_values(const build_context *b);
table *build_changes_procedures(const build_context *b);
table *build_changes_estimates(const build_context *b, size_t endpoint);
/* The headline estimates of an endpoint the change set holds. */
size_t build_changes_estimates_of(const build_context *b, size_t endpoint);
table *build_changes_items(const build_context *b);
/* The section's opening paragraph: what was compared with (DIR, its as-of date, the days since). */
void build_changes_header(const build_context *b, char *out, size_t size);

/* ---- shared by the builders (build_common.c) ---- */

double build_value(const build_context *b, const char *section, const char *endpoint, const char *model,
                   const char *variable, const char *level, const char *stat);

/* Whether a count is hidden by the share template (1 to min_count - 1). */
int build_hidden(const build_context *b, double count);
/* A count, "<5" when hidden; returns whether it was hidden. */
int build_count(const build_context *b, table_row *row, size_t column, double count);
/* A count and its proportion, "n (%)"; "<5" without the percentage when the count is hidden. */
void build_count_percent(const build_context *b, table_row *row, size_t column, double count, double proportion);
/* Suppresses the estimates (not the counts) of columns first .. end - 1. */
void build_suppress_estimates(table_row *row, size_t first, size_t end);
void build_p(const build_context *b, table_row *row, size_t column, double p);
void build_time(const build_context *b, table_row *row, size_t column, double value);
void build_time_ci(const build_context *b, table_row *row, size_t column, const char *section,
                   const char *endpoint, const char *model, const char *variable, const char *level);
void build_hr_ci(const build_context *b, table_row *row, size_t column, const char *endpoint, const char *model,
                 const char *variable, const char *level);
/* A number with fixed decimals (SMDs, weights, test statistics). */
void build_number(table_row *row, size_t column, double value, int decimals);

const char *build_endpoint_label(const study_endpoint *e);
const char *build_variable_label(const study_variable *v);
/* A level as shown: "<=50" as "≤50", ">=" as "≥". */
void build_level(char *out, size_t size, const char *level);
/* "Overall survival" -> "overall survival" when the second letter is lower case (mid-sentence use). */
void build_lower_first(char *out, size_t size, const char *text);
/* Copies text into out, cut to size - 1 bytes at a character boundary. */
void build_copy(char *out, size_t size, const char *text);
/* A table of one endpoint that a sheet joins with the other endpoints' (table_set_key): its title is
 * join with ", LABEL" before the join's first ':' or at its end ("Cox models, Overall survival",
 * "Fine-Gray models, Overall survival: patients and events per model"); NULL when out of memory. */
table *build_endpoint_table(const study_endpoint *e, const char *join, const char *const *headers, size_t n_columns);

/* The index of an endpoint by name, -1 when none. */
int build_endpoint_index(const study *s, const char *name);

/* Analysed rows and events of an endpoint. */
void build_endpoint_counts(const build_context *b, size_t endpoint, size_t *analysed, size_t *events);
/* Records excluded as a whole (rows read = analysed + excluded). */
size_t build_rows_excluded(const build_context *b);

/* The Cox models the tables, the forest plot and the warnings name: results model and title. */
typedef struct build_cox_model {
    const char *model;   /* results model; NULL: the univariate model of each variable */
    const char *title;
} build_cox_model;

#define BUILD_COX_MODELS 4
extern const build_cox_model build_cox_models[BUILD_COX_MODELS];

/* The models of build_cox_models fitted for an endpoint, in that order; returns their count. */
size_t build_cox_models_of(const build_context *b, const char *endpoint, const build_cox_model **out);

/* The level a Cox model's hazard ratios of factor v are against: that of its reference_level line (the
 * declared reference, or the first level with rows when no row of the model has the declared one). */
size_t build_cox_reference(const build_context *b, const char *endpoint, const char *model, const study_variable *v);

/* "multivariable model" of a results model (for sentences about it); NULL when it is not a Cox model. */
const char *build_model_name(const char *model);

/* A warning of the run as the report shows it: its subject by labels. */
void build_warning_text(const build_context *b, size_t index, char *out, size_t size);

/* ---- the procedures' tables (procedures.md; build_safety.c, build_audit_safety.c, build_procedures.c) ---- */

/* Whether the run has a procedures file (and so a treatment variable). */
int build_has_procedures(const build_context *b);
/* The treatment variable's levels: the modalities. */
size_t build_modalities(const build_context *b);
/* "All" (modality -1) or the level. */
const char *build_modality_label(const build_context *b, int modality);
/* A value of a procedures section about all procedures (modality -1) or one modality: stat, or
 * key_stat_with(stat, suffix) when suffix is not NULL. */
double build_procedure_value(const build_context *b, const char *section, const char *model, int modality,
                             const char *stat, const char *suffix);
/* The worst AE grade of a procedure as the study's scale words it: "Grade 3 (severe)" (CTCAE),
 * "Severe" (SIR); grade 0-5. */
const char *build_grade_label(const build_context *b, int grade);
/* A table of one note: the run has no procedures file. */
table *build_no_procedures(const char *title);
/* one when count is 1, else many ("1 procedure", "<5 procedures"). */
const char *build_plural(double count, const char *one, const char *many);
/* "December 2012" of a day number. */
void build_month_name(long day, char *out, size_t size);
/* A YYYYMMDD number of results.csv as a day number; -1 when it is not one. */
long build_day_of_number(double yyyymmdd);

/* Exclusions grouped by scope and code (and column for invalid values), in order of appearance. */
typedef struct build_reason {
    const char *scope, *code, *column, *message;
    size_t count;
} build_reason;

typedef struct build_reasons {
    build_reason *items;
    size_t n;
} build_reasons;

embolo_error build_reasons_collect(const exclusion_log *log, build_reasons *out);
void build_reasons_free(build_reasons *reasons);

#endif
