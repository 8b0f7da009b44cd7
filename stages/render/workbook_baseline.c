/* Table 1 (baseline characteristics by treatment group) and the Balance sheet (max |SMD| before and
 * after weighting, and the weights per group). Table 1 keeps every number in its own cell: a group
 * has three cells, decorated by number formats ("60.1" "± 10.2"; "61.0" "[54.0" "68.0]";
 * "67" "(43.2%)"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "workbook_internal.h"

#define TABLE1_PCT_SCALE 100.0  /* table1 pct lines are percentages */
#define BALANCE_THRESHOLD 0.1   /* max |SMD| above this is called unbalanced (as the weight stage warns) */

/* ---- Table 1 ---- */

enum { T1_VARIABLE, T1_LEVEL, T1_STATISTIC, T1_GROUPS };
#define T1_GROUP_COLS 3

typedef struct table1 {
    wb_sheet s;
    const study_variable *treatment;  /* NULL without [treatment] */
    size_t n_groups;                  /* overall + the treatment's levels */
    lxw_col_t test_col;               /* p, max |SMD| unweighted, weighted, test */
} table1;

static const char *t1_group(const table1 *t, size_t g)
{
    return g == 0 ? "overall" : t->treatment->levels[g - 1];
}

static lxw_col_t t1_col(size_t g)
{
    return T1_GROUPS + (lxw_col_t)(g * T1_GROUP_COLS);
}

static double t1_value(const table1 *t, size_t g, const char *variable, const char *level, const char *stat)
{
    return wb_value(t->s.book, "table1", "", t1_group(t, g), variable, level, stat);
}

static void t1_header(table1 *t)
{
    static const char *const tests[] = {"p", "Max |SMD| unweighted", "Max |SMD| weighted", "Test"};
    wb_header(&t->s, T1_VARIABLE, "Variable");
    wb_header(&t->s, T1_LEVEL, "Level");
    wb_header(&t->s, T1_STATISTIC, "Statistic");
    wb_header_across(&t->s, t1_col(0), T1_GROUP_COLS, "Overall");
    for (size_t g = 1; g < t->n_groups; g++)
        wb_header_across(&t->s, t1_col(g), T1_GROUP_COLS, t1_group(t, g));
    for (lxw_col_t c = 0; t->treatment && c < 4; c++)
        wb_header(&t->s, t->test_col + c, tests[c]);
    wb_next_row(&t->s);
}

static void t1_labels(table1 *t, const study_variable *v, const char *level, const char *statistic)
{
    wb_text(&t->s, T1_VARIABLE, wb_variable_label(v));
    wb_text(&t->s, T1_LEVEL, level);
    wb_text(&t->s, T1_STATISTIC, statistic);
}

/* The test p-value (p_stat NULL: none) and, when with_smd, the balance before and after weighting. */
static void t1_tests(table1 *t, const study_variable *v, const char *level, const char *p_stat, const char *test,
                     int with_smd)
{
    double smd[2] = {wb_value(t->s.book, "balance", "", "unweighted", v->name, level, "max_abs_smd"),
                     wb_value(t->s.book, "balance", "", "weighted", v->name, level, "max_abs_smd")};
    if (!t->treatment)
        return;
    if (p_stat) {
        wb_number(&t->s, t->test_col, wb_value(t->s.book, "table1", "", "", v->name, "", p_stat), WB_P);
        wb_text(&t->s, t->test_col + 3, test);
    }
    for (lxw_col_t k = 0; with_smd && k < 2; k++)
        if (!isnan(smd[k]))
            wb_number(&t->s, t->test_col + 1 + k, smd[k], WB_SMD);
}

/* Patients per column, and those without a treatment (in the overall column only). */
static void t1_patients(table1 *t)
{
    double untreated = t1_value(t, 0, "all", "", "missing_treatment");
    wb_text(&t->s, T1_VARIABLE, "Patients");
    wb_text(&t->s, T1_STATISTIC, "n");
    for (size_t g = 0; g < t->n_groups; g++)
        wb_count(&t->s, t1_col(g), t1_value(t, g, "all", "", "n"));
    wb_next_row(&t->s);
    if (!(untreated > 0))
        return;
    t1_labels(t, t->treatment, "", "missing, n");
    wb_count(&t->s, t1_col(0), untreated);
    wb_next_row(&t->s);
}

/* A numeric variable's line: three statistics per group (the third may be NULL). */
static void t1_numeric_line(table1 *t, const study_variable *v, const char *statistic, const char *const stats[3],
                            const wb_kind kinds[3])
{
    t1_labels(t, v, "", statistic);
    for (size_t g = 0; g < t->n_groups; g++) {
        int hidden = format_count_hidden(t->s.book->t, t1_value(t, g, v->name, "", "n"));
        for (lxw_col_t k = 0; k < T1_GROUP_COLS; k++)
            if (stats[k])
                wb_estimate(&t->s, t1_col(g) + k, t1_value(t, g, v->name, "", stats[k]), kinds[k], hidden);
    }
}

static void t1_missing(table1 *t, const study_variable *v)
{
    if (!(t1_value(t, 0, v->name, "", "missing") > 0))
        return;
    t1_labels(t, v, "", "missing, n");
    for (size_t g = 0; g < t->n_groups; g++)
        wb_count(&t->s, t1_col(g), t1_value(t, g, v->name, "", "missing"));
    wb_next_row(&t->s);
}

static void t1_numeric(table1 *t, const study_variable *v)
{
    static const char *const mean[] = {"mean", "sd", NULL}, *const median[] = {"median", "q1", "q3"};
    static const wb_kind mean_kinds[] = {WB_TIME, WB_SD, WB_TIME}, median_kinds[] = {WB_TIME, WB_Q1, WB_Q3};
    t1_numeric_line(t, v, "mean \xc2\xb1 SD", mean, mean_kinds);
    t1_tests(t, v, "", "p_anova", "ANOVA", 1);
    wb_next_row(&t->s);
    t1_numeric_line(t, v, "median [IQR]", median, median_kinds);
    t1_tests(t, v, "", "p_kruskal", "Kruskal-Wallis", 0);
    wb_next_row(&t->s);
    t1_missing(t, v);
}

static void t1_factor(table1 *t, const study_variable *v)
{
    for (size_t l = 0; l < v->n_levels && wb_ok(t->s.book); l++) {
        const char *level = v->levels[l];
        t1_labels(t, v, level, "n (%)");
        for (size_t g = 0; g < t->n_groups; g++) {
            int hidden = wb_count(&t->s, t1_col(g), t1_value(t, g, v->name, level, "n"));
            wb_estimate(&t->s, t1_col(g) + 1, t1_value(t, g, v->name, level, "pct") / TABLE1_PCT_SCALE, WB_PCT,
                        hidden);
        }
        t1_tests(t, v, level, l == 0 ? "p_chisq" : NULL, "Chi-square", 1);
        wb_next_row(&t->s);
    }
    t1_missing(t, v);
}

static void t1_variables(table1 *t)
{
    const study *st = t->s.book->in->study;
    for (size_t i = 0; i < st->n_variables && wb_ok(t->s.book); i++) {
        const study_variable *v = &st->variables[i];
        if (v == t->treatment || isnan(t1_value(t, 0, v->name, "", "missing")))
            continue;
        if (study_variable_is_factor(v))
            t1_factor(t, v);
        else
            t1_numeric(t, v);
    }
}

void wb_write_table1(wb_book *b)
{
    const study *st = b->in->study;
    table1 t = {.treatment = st->treatment >= 0 ? &st->variables[st->treatment] : NULL};
    t.n_groups = 1 + (t.treatment ? t.treatment->n_levels : 0);
    t.test_col = t1_col(t.n_groups);
    if (!wb_sheet_begin(b, &t.s, "Table 1", t.test_col + (t.treatment ? 4 : 0)))
        return;
    t1_header(&t);
    if (isnan(t1_value(&t, 0, "all", "", "n")))
        wb_note(&t.s, "Table 1 is not in the results of this run.");
    else {
        t1_patients(&t);
        t1_variables(&t);
    }
    wb_sheet_end(&t.s, 1, 1, t.s.n_cols);
}

/* ---- Balance ---- */

enum { BAL_COVARIATE, BAL_LEVEL, BAL_BEFORE, BAL_AFTER, BAL_BALANCED, BAL_COLS };

static void balance_header(wb_sheet *s)
{
    static const char *const names[] = {"Covariate", "Level", "Max |SMD| unweighted", "Max |SMD| weighted",
                                        "Balanced after weighting (max |SMD| <= 0.1)"};
    wb_header_row(s, names, BAL_COLS);
}

static void balance_row(wb_sheet *s, const study_variable *v, const char *level)
{
    double before = wb_value(s->book, "balance", "", "unweighted", v->name, level, "max_abs_smd");
    double after = wb_value(s->book, "balance", "", "weighted", v->name, level, "max_abs_smd");
    if (isnan(before) && isnan(after))
        return;
    wb_text(s, BAL_COVARIATE, wb_variable_label(v));
    wb_text(s, BAL_LEVEL, level);
    wb_number(s, BAL_BEFORE, before, WB_SMD);
    wb_number(s, BAL_AFTER, after, WB_SMD);
    wb_text(s, BAL_BALANCED, isnan(after) ? "NA" : after <= BALANCE_THRESHOLD ? "yes" : "no");
    wb_next_row(s);
}

static void balance_covariates(wb_sheet *s)
{
    const study *st = s->book->in->study;
    for (size_t i = 0; i < st->n_ps_covariates && wb_ok(s->book); i++) {
        const study_variable *v = &st->variables[st->ps_covariates[i]];
        if (!study_variable_is_factor(v))
            balance_row(s, v, "");
        for (size_t l = 0; study_variable_is_factor(v) && l < v->n_levels; l++)
            balance_row(s, v, v->levels[l]);
    }
}

/* The weights per treatment group, under the balance table. */
static void balance_weights(wb_sheet *s)
{
    static const char *const names[] = {"Treatment group", "n", "Sum of weights", "Effective sample size",
                                        "Max weight"};
    static const char *const stats[] = {"sum_w", "ess", "max_w"};
    const study_variable *t = &s->book->in->study->variables[s->book->in->study->treatment];
    wb_next_row(s);
    wb_header_row(s, names, 5);
    for (size_t l = 0; l < t->n_levels && wb_ok(s->book); l++) {
        wb_text(s, 0, t->levels[l]);
        int hidden = wb_count(s, 1, wb_value(s->book, "ps", "", "", t->name, t->levels[l], "n"));
        for (lxw_col_t k = 0; k < 3; k++)
            wb_estimate(s, 2 + k, wb_value(s->book, "ps", "", "", t->name, t->levels[l], stats[k]), WB_WEIGHT, hidden);
        wb_next_row(s);
    }
}

void wb_write_balance(wb_book *b)
{
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Balance", BAL_COLS))
        return;
    balance_header(&s);
    balance_covariates(&s);
    if (s.row > 1)
        wb_sheet_filter(&s, 0, BAL_COLS);
    if (b->in->study->treatment < 0)
        wb_note(&s, "The study has no [treatment]: no propensity weighting, no balance.");
    else if (s.row == 1)
        wb_note(&s, "No propensity weighting in this run (see the warnings on the Summary sheet).");
    else
        balance_weights(&s);
    wb_sheet_end(&s, 1, 0, 0);
}
