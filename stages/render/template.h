/* Report templates (templates/NAME.ini): which report sections and workbook sheets a run renders, in
 * which order, with which titles and number formats. The renderers read a template; they never
 * decide these things themselves. */
#ifndef EMBOLO_TEMPLATE_H
#define EMBOLO_TEMPLATE_H

#include <stddef.h>
#include "common/error.h"
#include "common/procedures.h"

typedef enum report_section {
    SECTION_FLOW,          /* 1. cohort flow, exclusions by reason, missing values */
    SECTION_TABLE1,        /* 2. baseline characteristics by treatment */
    SECTION_SUBGROUPS,     /* 3. survival by subgroup, per endpoint */
    SECTION_KM_FIGURES,    /* 4. Kaplan-Meier figures */
    SECTION_COX,           /* 5. Cox tables and forest plot */
    SECTION_PROPENSITY,    /* 6. weights, balance table, love plot, score distribution */
    SECTION_MODEL_CHECKS,  /* 7. cox.zph, events per variable, warnings */
    SECTION_METHODS,       /* statistical-methods paragraph */
    SECTION_RESULTS_TEXT,  /* results paragraph */
    SECTION_AUDIT,         /* audit period: procedures and events in the period and to date */
    SECTION_BENCHMARKS,    /* medians by grade beside published benchmarks */
    SECTION_SAFETY,        /* procedures: sessions per patient, AEs and outcomes by modality */
    SECTION_AUDIT_SAFETY,  /* procedures: the month and the 12 months against the thresholds */
    SECTION_MAJOR_AES,     /* procedures: the major AEs of the month (not under share) */
    SECTION_CHANGES,       /* "Since the last report": what changed since --previous DIR (left out without) */
    /* Round 2, each shown when the study asks for it (nothing otherwise): */
    SECTION_RMST,          /* restricted mean survival time ([analysis] rmst_tau) */
    SECTION_CIF,           /* cumulative incidence at the landmarks (an endpoint with a competing event) */
    SECTION_MULTICENTRE,   /* log-rank and the multivariable model by centre ([analysis] centre) */
    SECTION_FINEGRAY,      /* Fine-Gray beside cause-specific Cox models (a competing event) */
    SECTION_SUBGROUP_EFFECTS, /* the treatment's HR within subgroups ([analysis] forest) */
    /* Issue 16's figures: */
    SECTION_CIF_FIGURES,   /* cumulative-incidence figures of the endpoints with a competing event */
    SECTION_SUBGROUP_FOREST, /* the treatment's hazard ratio per subgroup level ([analysis] forest) */
    SECTION_CUSUM,         /* the CUSUM chart of major AEs (with procedures) */
    SECTION_FUNNEL,        /* the operators' funnel plot (with procedures) */
    SECTION_VOLUME,        /* procedures per month, the last 24 months (with procedures) */
    SECTION_COUNT
} report_section;

typedef enum workbook_sheet {
    SHEET_SUMMARY,
    SHEET_SUBGROUPS,       /* one "NAME by subgroup" sheet per endpoint */
    SHEET_COX,
    SHEET_TABLE1,
    SHEET_BALANCE,
    SHEET_KM_CURVES,
    SHEET_EXCLUSIONS,
    SHEET_PATIENTS,
    SHEET_DICTIONARY,
    SHEET_METHODS,         /* the methods and results paragraphs as text */
    SHEET_AUDIT,
    SHEET_BENCHMARKS,
    SHEET_PROCEDURES,      /* the included procedures (not under share) */
    SHEET_SAFETY,          /* the procedures' tables: sessions, safety, audit, CUSUM, funnel */
    SHEET_CHANGES,         /* "Changes": every change since --previous DIR (left out without) */
    /* Round 2, as the sections of the same names: */
    SHEET_RMST,
    SHEET_CIF,
    SHEET_MULTICENTRE,
    SHEET_FINEGRAY,
    SHEET_SUBGROUP_EFFECTS,
    SHEET_COUNT
} workbook_sheet;

/* The kinds of figure, each with its own default size ([figures] width_mm.KIND, height_mm.KIND). */
typedef enum figure_kind {
    FIGURE_KIND_FLOW,
    FIGURE_KIND_KM,
    FIGURE_KIND_CIF,
    FIGURE_KIND_FOREST,
    FIGURE_KIND_SUBGROUP_FOREST,
    FIGURE_KIND_LOVE,
    FIGURE_KIND_PROPENSITY,
    FIGURE_KIND_CUSUM,
    FIGURE_KIND_FUNNEL,
    FIGURE_KIND_VOLUME,
    FIGURE_KIND_COUNT
} figure_kind;

/* Where a figure's legend goes. */
typedef enum figure_legend { FIGURE_LEGEND_TOP, FIGURE_LEGEND_INSIDE, FIGURE_LEGEND_NONE } figure_legend;

#define TEMPLATE_MAX_BENCHMARKS 16
#define TEMPLATE_MAX_THRESHOLDS 64
#define TEMPLATE_PATIENTS_MAX_ROWS 10000

/* A published median to compare an institution's median with. */
typedef struct template_benchmark {
    char *endpoint;   /* endpoint NAME */
    char *variable;   /* variable NAME, e.g. grade */
    char *level;      /* level, e.g. G1 */
    double median;    /* in the study's time unit */
    int line;         /* in the template file */
} template_benchmark;

/* A [thresholds] entry: KEY = value, or KEY.LEVEL = value for one modality. */
typedef struct template_threshold {
    procedure_threshold key;
    char *level;      /* a level of the treatment variable; NULL for KEY alone */
    double value;
    int line;         /* in the template file */
} template_threshold;

typedef struct report_template {
    char *path;                 /* NULL for the built-in default */
    char *name;                 /* manuscript, audit, share ... */
    char *title;                /* NULL: the study's title */
    char *subtitle;             /* NULL: none */
    report_section sections[SECTION_COUNT];
    size_t n_sections;
    workbook_sheet sheets[SHEET_COUNT];
    size_t n_sheets;
    int decimals;               /* times, medians, percentages: 1 */
    int hr_decimals;            /* hazard ratios and their CIs: 2 */
    int p_decimals;             /* p-values: 3, shown "<0.001" below 10^-p_decimals */
    int ci_bands;               /* draw CI bands on KM figures */
    int risk_table;             /* number-at-risk table under KM figures */
    int figures_per_page;       /* KM figures per page: 1, 2 or 4 */
    double x_max;               /* KM x axis end in the time unit; 0: the data's longest time */
    double x_step;              /* KM x axis tick step in the time unit; 0: the data's natural step */
    int censor_marks;           /* censor ticks on KM curves */
    figure_legend legend;       /* top (default), inside the plot, none */
    unsigned figure_formats;    /* figure files: bit k for draw_format k (draw.h); default PDF and PNG; 0: none */
    int dpi;                    /* PNG and TIFF resolution: 300 */
    double font_pt;             /* figures' font size: 9 */
    double width_mm[FIGURE_KIND_COUNT];   /* figure file sizes; 0: the kind's default */
    double height_mm[FIGURE_KIND_COUNT];
    size_t patients_max_rows;   /* workbook Patients sheet: above this, a note instead (the sheet
                                   costs seconds per 100,000 rows; patients.csv has every row) */
    int share;                  /* safe to send: no ids, dates or free text; counts 1-4 shown "<5" */
    int docx;                   /* write tables.docx with the report (default: yes, but no under share) */
    int yes_no_both;            /* Table 1 shows both levels of a yes/no variable (default: one row) */
    int min_count;              /* with share: counts below this (and >0) are suppressed (5) */
    char *previous;             /* [template] previous: an earlier output set to compare with (resolved
                                   against the template's folder; --previous wins); NULL: none */
    int has_period;             /* audit: reporting period */
    int period_year, period_month;
    template_benchmark benchmarks[TEMPLATE_MAX_BENCHMARKS];
    size_t n_benchmarks;
    size_t n_skipped_benchmarks; /* benchmarks the run dropped: the study lacks their endpoint, variable or level */
    char *benchmark_source;     /* citation of the benchmarks */
    template_threshold thresholds[TEMPLATE_MAX_THRESHOLDS];  /* the audit's (procedures.md, section 5) */
    size_t n_thresholds;
} report_template;

/* The built-in default (the manuscript template's settings, all sections and sheets). */
embolo_error template_default(report_template **out);

/* Reads a template file; on failure message names the file, line and reason. */
embolo_error template_read(const char *path, report_template **out, char *message, size_t message_size);

/* The same from memory (path is used in messages only). */
embolo_error template_parse(const char *text, size_t length, const char *path, report_template **out,
                            char *message, size_t message_size);

void template_free(report_template *t);

/* The audit's thresholds for the levels of the treatment variable: embolo's defaults, replaced by
 * the template's KEY, then by its KEY.LEVEL. A level that is not one of levels (matched
 * case-insensitively), or a CUSUM with p0 >= p1, fails naming the template's file and line. */
embolo_error template_thresholds(const report_template *t, const char *const *levels, size_t n_levels,
                                 procedure_thresholds **out, char *message, size_t message_size);

/* Removes a sheet from a list; returns the new count. */
size_t template_without_sheet(workbook_sheet *sheets, size_t n, workbook_sheet sheet);

/* First and last day (day numbers) of the template's reporting period (has_period). */
long template_period_start(const report_template *t);
long template_period_end(const report_template *t);

/* The name of a section as templates write it ("km_figures"). */
const char *template_section_name(report_section section);

/* The name of a figure kind as templates write it ("km", "subgroup_forest"). */
const char *template_figure_kind_name(figure_kind kind);

/* Whether the template shows this section / sheet. */
int template_has_section(const report_template *t, report_section section);
int template_has_sheet(const report_template *t, workbook_sheet sheet);

#endif
