/* Internal to the report (report*.c): the context every section draws with, the sections, and the
 * lookups and formats they share. */
#ifndef EMBOLO_REPORT_INTERNAL_H
#define EMBOLO_REPORT_INTERNAL_H

#include <stddef.h>
#include "draw.h"
#include "format.h"
#include "render.h"

typedef struct report_context {
    const render_input *in;
    const study *s;
    const dataset *data;
    const results *r;            /* never NULL */
    const report_template *t;
    draw_doc *doc;
    size_t section_number;       /* of the section being drawn, from 1 */
    size_t figure_number;
    /* For the contents on the title page: each drawn section's title and first page. */
    char section_titles[SECTION_COUNT][128];
    size_t section_pages[SECTION_COUNT];
} report_context;

/* Every section has this signature; the dispatch in report.c picks one per template section. */
typedef embolo_error (*report_section_writer)(report_context *ctx);

embolo_error report_flow(report_context *ctx);          /* report_flow.c */
embolo_error report_table1(report_context *ctx);        /* report_table1.c */
embolo_error report_subgroups(report_context *ctx);     /* report_survival.c */
embolo_error report_km_figures(report_context *ctx);    /* report_km.c */
embolo_error report_cox(report_context *ctx);           /* report_cox.c */
embolo_error report_propensity(report_context *ctx);    /* report_propensity.c */
embolo_error report_model_checks(report_context *ctx);  /* report_checks.c */
embolo_error report_methods(report_context *ctx);       /* report_text.c */
embolo_error report_results_text(report_context *ctx);
embolo_error report_audit(report_context *ctx);
embolo_error report_benchmarks(report_context *ctx);

/* ---- shared (report_common.c) ---- */


/* The value of a results line (NULL keys match ""), NAN if there is none. */
double report_value(const report_context *ctx, const char *section, const char *endpoint, const char *model,
                    const char *variable, const char *level, const char *stat);

/* Starts a section on a new page with its numbered title. */
void report_section_start(report_context *ctx, const char *title, int landscape);
/* A small-print paragraph (notes under tables and figures). */
void report_note(report_context *ctx, const char *text);
/* Draws a table under a caption and frees it; passes err on (a failed fill is not drawn). */
embolo_error report_table_finish(report_context *ctx, draw_table *table, const char *caption, embolo_error err);
/* A table with these headers (all centred but the first). NULL when out of memory. */
draw_table *report_table_new(const char *const *headers, size_t n_columns);

/* Copies text into out, cut to size - 1 bytes at a character boundary. */
void report_copy(char *out, size_t size, const char *text);

const char *report_endpoint_label(const study_endpoint *e);
const char *report_variable_label(const study_variable *v);
/* A level as shown: "<=50" as "≤50", ">=" as "≥". */
void report_level(char *out, size_t size, const char *level);
/* "Overall survival" -> "overall survival" when the second letter is lower case (mid-sentence use). */
void report_lower_first(char *out, size_t size, const char *text);

/* Counts and estimates formatted as in the workbook (format.h), with the template's decimals. */
void report_count(const report_context *ctx, char *out, size_t size, double count);
int report_hidden(const report_context *ctx, double count);
void report_p(const report_context *ctx, char *out, size_t size, double p);
void report_number(const report_context *ctx, char *out, size_t size, double value);
void report_hr_ci(const report_context *ctx, char *out, size_t size, double hr, double lower, double upper);
void report_estimate_ci(const report_context *ctx, char *out, size_t size, double value, double lower,
                        double upper);
/* "64.8 (54.8-76.7)" of survival proportions, in percent. */
void report_percent_ci(const report_context *ctx, char *out, size_t size, double value, double lower,
                       double upper);

/* Analysed rows and events of an endpoint. */
void report_endpoint_counts(const report_context *ctx, size_t endpoint, size_t *analysed, size_t *events);

/* Number of Cox coefficients ("coef" lines) of an endpoint's model. */
size_t report_coefficients(const report_context *ctx, const char *endpoint, const char *model);

#endif
