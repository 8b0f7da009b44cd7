/* Section 2, Table 1: baseline characteristics overall and by treatment group (results section
 * "table1"), with p-values and the largest |SMD| before and after weighting. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

#define T1_MAX_COLUMNS 24
#define T1_CELL 96

/* The columns of the table: overall, then each treatment level; p and SMD when there are groups. */
typedef struct t1_layout {
    const char *models[T1_MAX_COLUMNS];  /* results model of each data column */
    size_t n_data;
    int has_p, has_smd;
    size_t n_columns;
} t1_layout;

typedef char t1_row[T1_MAX_COLUMNS + 4][T1_CELL];

static void t1_layout_make(const report_context *ctx, t1_layout *l)
{
    const study *s = ctx->s;
    memset(l, 0, sizeof *l);
    l->models[l->n_data++] = "overall";
    if (s->treatment >= 0) {
        const study_variable *t = &s->variables[s->treatment];
        for (size_t g = 0; g < t->n_levels && l->n_data < T1_MAX_COLUMNS; g++)
            l->models[l->n_data++] = t->levels[g];
    }
    for (size_t v = 0; v < s->n_variables && !l->has_p; v++) {
        const char *name = s->variables[v].name;
        l->has_p = isfinite(report_value(ctx, "table1", "", "", name, "", "p_chisq")) ||
                   isfinite(report_value(ctx, "table1", "", "", name, "", "p_anova"));
    }
    l->has_smd = s->treatment >= 0 && s->n_ps_covariates > 0 &&
                 isfinite(report_value(ctx, "balance", "", "unweighted", s->variables[s->ps_covariates[0]].name,
                                       study_variable_is_factor(&s->variables[s->ps_covariates[0]]) ?
                                           s->variables[s->ps_covariates[0]].levels[0] : "",
                                       "max_abs_smd"));
    l->n_columns = 1 + l->n_data + (l->has_p ? 1 : 0) + (l->has_smd ? 2 : 0);
}

static draw_table *t1_table_new(const report_context *ctx, const t1_layout *l)
{
    char headers[T1_MAX_COLUMNS + 4][T1_CELL];
    const char *pointers[T1_MAX_COLUMNS + 4];
    size_t c = 0;
    report_copy(headers[c++], T1_CELL, "Characteristic");
    for (size_t k = 0; k < l->n_data; k++) {
        char count[32];
        report_count(ctx, count, sizeof count, report_value(ctx, "table1", "", l->models[k], "all", "", "n"));
        snprintf(headers[c++], T1_CELL, "%.40s\n(n = %s)", k ? l->models[k] : "Overall", count);
    }
    if (l->has_p)
        report_copy(headers[c++], T1_CELL, "p");
    if (l->has_smd) {
        report_copy(headers[c++], T1_CELL, "Max |SMD|\nunweighted");
        report_copy(headers[c++], T1_CELL, "Max |SMD|\nweighted");
    }
    for (size_t k = 0; k < c; k++)
        pointers[k] = headers[k];
    return report_table_new(pointers, c);
}

static embolo_error t1_add(draw_table *table, t1_row row, size_t n, draw_row_style style)
{
    const char *cells[T1_MAX_COLUMNS + 4];
    for (size_t c = 0; c < n; c++)
        cells[c] = row[c];
    return draw_table_add(table, cells, style);
}

static void t1_smd(const report_context *ctx, const t1_layout *l, t1_row row, const char *variable, const char *level)
{
    if (!l->has_smd)
        return;
    size_t c = l->n_columns - 2;
    double before = report_value(ctx, "balance", "", "unweighted", variable, level, "max_abs_smd");
    double after = report_value(ctx, "balance", "", "weighted", variable, level, "max_abs_smd");
    if (isfinite(before))
        format_number(row[c], T1_CELL, before, 3);
    if (isfinite(after))
        format_number(row[c + 1], T1_CELL, after, 3);
}

static void t1_p(const report_context *ctx, const t1_layout *l, t1_row row, const char *variable, const char *stat)
{
    if (l->has_p)
        report_p(ctx, row[1 + l->n_data], T1_CELL, report_value(ctx, "table1", "", "", variable, "", stat));
}

/* "60.1 ± 10.2" or "60.0 [52.0–68.0]" of a column, suppressed when its n is hidden. */
static void t1_numeric_cell(const report_context *ctx, const char *model, const char *variable, int median,
                            char *out)
{
    char a[24], b[24], c[24];
    if (report_hidden(ctx, report_value(ctx, "table1", "", model, variable, "", "n"))) {
        report_copy(out, T1_CELL, "\xe2\x80\x94");
        return;
    }
    if (!median) {
        report_number(ctx, a, sizeof a, report_value(ctx, "table1", "", model, variable, "", "mean"));
        report_number(ctx, b, sizeof b, report_value(ctx, "table1", "", model, variable, "", "sd"));
        snprintf(out, T1_CELL, "%s \xc2\xb1 %s", a, b);
        return;
    }
    report_number(ctx, a, sizeof a, report_value(ctx, "table1", "", model, variable, "", "median"));
    report_number(ctx, b, sizeof b, report_value(ctx, "table1", "", model, variable, "", "q1"));
    report_number(ctx, c, sizeof c, report_value(ctx, "table1", "", model, variable, "", "q3"));
    snprintf(out, T1_CELL, "%s [%s\xe2\x80\x93%s]", a, b, c);
}

/* The "Missing" row of a variable, when any column has a missing value. */
static embolo_error t1_missing(const report_context *ctx, const t1_layout *l, draw_table *table,
                               const char *variable)
{
    t1_row row;
    double overall = report_value(ctx, "table1", "", "overall", variable, "", "missing");
    if (!(overall > 0))
        return EMBOLO_OK;
    memset(row, 0, sizeof row);
    report_copy(row[0], T1_CELL, "Missing");
    for (size_t k = 0; k < l->n_data; k++)
        report_count(ctx, row[1 + k], T1_CELL, report_value(ctx, "table1", "", l->models[k], variable, "", "missing"));
    return t1_add(table, row, l->n_columns, DRAW_ROW_INDENTED);
}

static embolo_error t1_numeric(const report_context *ctx, const t1_layout *l, draw_table *table,
                               const study_variable *v)
{
    t1_row row;
    memset(row, 0, sizeof row);
    report_copy(row[0], T1_CELL, report_variable_label(v));
    t1_smd(ctx, l, row, v->name, "");
    embolo_error err = t1_add(table, row, l->n_columns, DRAW_ROW_GROUP);
    for (int median = 0; median <= 1 && err == EMBOLO_OK; median++) {
        memset(row, 0, sizeof row);
        report_copy(row[0], T1_CELL, median ? "Median [IQR]" : "Mean \xc2\xb1 SD");
        for (size_t k = 0; k < l->n_data; k++)
            t1_numeric_cell(ctx, l->models[k], v->name, median, row[1 + k]);
        t1_p(ctx, l, row, v->name, median ? "p_kruskal" : "p_anova");
        err = t1_add(table, row, l->n_columns, DRAW_ROW_INDENTED);
    }
    return err == EMBOLO_OK ? t1_missing(ctx, l, table, v->name) : err;
}

/* "48 (32.0%)", or "<5" with the percentage suppressed. */
static void t1_level_cell(const report_context *ctx, const char *model, const char *variable, const char *level,
                          char *out)
{
    char n[32], pct[32];
    double count = report_value(ctx, "table1", "", model, variable, level, "n");
    report_count(ctx, n, sizeof n, count);
    if (report_hidden(ctx, count) || !isfinite(count)) {
        report_copy(out, T1_CELL, n);
        return;
    }
    format_percent(pct, sizeof pct, report_value(ctx, "table1", "", model, variable, level, "pct"), ctx->t->decimals);
    snprintf(out, T1_CELL, "%s (%s)", n, pct);
}

static embolo_error t1_factor(const report_context *ctx, const t1_layout *l, draw_table *table,
                              const study_variable *v)
{
    t1_row row;
    memset(row, 0, sizeof row);
    snprintf(row[0], T1_CELL, "%.80s, n (%%)", report_variable_label(v));
    t1_p(ctx, l, row, v->name, "p_chisq");
    embolo_error err = t1_add(table, row, l->n_columns, DRAW_ROW_GROUP);
    for (size_t level = 0; level < v->n_levels && err == EMBOLO_OK; level++) {
        memset(row, 0, sizeof row);
        report_level(row[0], T1_CELL, v->levels[level]);
        for (size_t k = 0; k < l->n_data; k++)
            t1_level_cell(ctx, l->models[k], v->name, v->levels[level], row[1 + k]);
        t1_smd(ctx, l, row, v->name, v->levels[level]);
        err = t1_add(table, row, l->n_columns, DRAW_ROW_INDENTED);
    }
    return err == EMBOLO_OK ? t1_missing(ctx, l, table, v->name) : err;
}

static embolo_error t1_fill(const report_context *ctx, const t1_layout *l, draw_table *table)
{
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < ctx->s->n_variables && err == EMBOLO_OK; v++) {
        const study_variable *var = &ctx->s->variables[v];
        if ((int)v == ctx->s->treatment || isnan(report_value(ctx, "table1", "", "overall", var->name, "", "missing")))
            continue;
        err = study_variable_is_factor(var) ? t1_factor(ctx, l, table, var) : t1_numeric(ctx, l, table, var);
    }
    return err;
}

static void t1_notes(report_context *ctx, const t1_layout *l)
{
    char text[600];
    double missing = report_value(ctx, "table1", "", "overall", "all", "", "missing_treatment");
    snprintf(text, sizeof text, "Numeric variables: mean \xc2\xb1 SD and median [interquartile range]; categorical: "
             "n (%% of the non-missing values).%s%s",
             l->has_p ? " p: one-way ANOVA (means), Kruskal-Wallis (medians), Pearson chi-square (categorical)." : "",
             l->has_smd ? " Max |SMD|: the largest absolute standardized mean difference over pairs of treatment "
                          "groups, before and after propensity weighting (ATE); 0.1 is the usual limit." : "");
    report_note(ctx, text);
    if (missing > 0) {
        char count[32];
        report_count(ctx, count, sizeof count, missing);
        snprintf(text, sizeof text, "The overall column includes %s records without a treatment.", count);
        report_note(ctx, text);
    }
}

embolo_error report_table1(report_context *ctx)
{
    t1_layout l;
    t1_layout_make(ctx, &l);
    if (isnan(report_value(ctx, "table1", "", "overall", "all", "", "n"))) {
        report_section_start(ctx, "Baseline characteristics", 0);
        report_note(ctx, "Table 1 was not computed in this run.");
        return EMBOLO_OK;
    }
    draw_table *table = t1_table_new(ctx, &l);
    embolo_error err = table ? t1_fill(ctx, &l, table) : EMBOLO_ERROR_NOMEM;
    int landscape = table && draw_table_width(ctx->doc, table) > 1.1 * draw_frame_width(0);
    report_section_start(ctx, "Baseline characteristics", landscape);
    err = report_table_finish(ctx, table, l.n_data > 1 ? "Table 1. Baseline characteristics by treatment group" :
                                                          "Table 1. Baseline characteristics", err);
    if (err == EMBOLO_OK)
        t1_notes(ctx, &l);
    return err;
}
