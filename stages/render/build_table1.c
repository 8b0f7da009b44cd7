/* Table 1: baseline characteristics overall and by treatment group (results section "table1"), with
 * p-values and the largest |SMD| before and after weighting. A yes/no variable takes one row, its
 * non-reference level, unless the template asks for both ([format] yes_no_rows = both). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "common/text.h"
#include "format.h"

/* The columns: overall, then each treatment level; p and the two SMDs when there are groups. */
typedef struct t1_layout {
    const char **models;   /* results model of each data column: "overall", then the levels */
    size_t n_data;
    size_t p_column, smd_column;  /* 0: none */
    size_t n_columns;
} t1_layout;

static double t1_value(const build_context *b, const char *model, const char *variable, const char *level,
                       const char *stat)
{
    return build_value(b, KEY_TABLE1, "", model, variable, level, stat);
}

static int t1_has_p(const build_context *b)
{
    for (size_t v = 0; v < b->s->n_variables; v++) {
        const char *name = b->s->variables[v].name;
        if (isfinite(t1_value(b, "", name, "", KEY_STAT_P_CHISQ)) || isfinite(t1_value(b, "", name, "", KEY_STAT_P_ANOVA)))
            return 1;
    }
    return 0;
}

static int t1_has_smd(const build_context *b)
{
    const study *s = b->s;
    if (s->treatment < 0 || s->n_ps_covariates == 0)
        return 0;
    const study_variable *v = &s->variables[s->ps_covariates[0]];
    return isfinite(build_value(b, KEY_BALANCE, "", KEY_UNWEIGHTED, v->name,
                                study_variable_is_factor(v) ? v->levels[0] : "", KEY_STAT_MAX_ABS_SMD));
}

static embolo_error t1_layout_make(const build_context *b, t1_layout *l)
{
    const study *s = b->s;
    const study_variable *t = s->treatment >= 0 ? &s->variables[s->treatment] : NULL;
    memset(l, 0, sizeof *l);
    l->models = calloc(1 + (t ? t->n_levels : 0), sizeof *l->models);
    if (!l->models)
        return EMBOLO_ERROR_NOMEM;
    l->models[l->n_data++] = KEY_OVERALL;
    for (size_t g = 0; t && g < t->n_levels; g++)
        l->models[l->n_data++] = t->levels[g];
    l->n_columns = 1 + l->n_data;
    if (t1_has_p(b))
        l->p_column = l->n_columns++;
    if (t1_has_smd(b)) {
        l->smd_column = l->n_columns;
        l->n_columns += 2;
    }
    return EMBOLO_OK;
}

static table *t1_table_new(const build_context *b, const t1_layout *l)
{
    const char **headers = calloc(l->n_columns, sizeof *headers);
    char (*texts)[160] = calloc(l->n_data, sizeof *texts), count[32];
    table *t = NULL;
    if (!headers || !texts)
        goto cleanup;
    headers[0] = "Characteristic";
    for (size_t k = 0; k < l->n_data; k++) {
        format_count(count, sizeof count, b->t, t1_value(b, l->models[k], KEY_ALL, "", KEY_STAT_N));
        snprintf(texts[k], sizeof texts[k], "%.120s\n(n = %s)", k ? l->models[k] : "Overall", count);
        headers[1 + k] = texts[k];
    }
    if (l->p_column)
        headers[l->p_column] = "p";
    if (l->smd_column) {
        headers[l->smd_column] = "Max |SMD|\nunweighted";
        headers[l->smd_column + 1] = "Max |SMD|\nweighted";
    }
    t = table_new(l->n_data > 1 ? "Table 1. Baseline characteristics by treatment group"
                                : "Table 1. Baseline characteristics", headers, l->n_columns);
    if (t)
        table_set_flat_headers(t, "Variable", "Level");
cleanup:
    free(headers);
    free(texts);
    return t;
}

static void t1_smd(const build_context *b, const t1_layout *l, table_row *row, const char *variable,
                   const char *level)
{
    if (!l->smd_column)
        return;
    double before = build_value(b, KEY_BALANCE, "", KEY_UNWEIGHTED, variable, level, KEY_STAT_MAX_ABS_SMD);
    double after = build_value(b, KEY_BALANCE, "", KEY_WEIGHTED, variable, level, KEY_STAT_MAX_ABS_SMD);
    if (isfinite(before))
        build_number(row, l->smd_column, before, 3);
    if (isfinite(after))
        build_number(row, l->smd_column + 1, after, 3);
}

static void t1_p(const build_context *b, const t1_layout *l, table_row *row, const char *variable, const char *stat)
{
    if (l->p_column)
        build_p(b, row, l->p_column, t1_value(b, "", variable, "", stat));
}

/* The "Missing" row of a variable, when any record misses it. */
static void t1_missing(const build_context *b, const t1_layout *l, table *t, const char *variable)
{
    if (!(t1_value(b, KEY_OVERALL, variable, "", KEY_STAT_MISSING) > 0))
        return;
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, "Missing");
    for (size_t k = 0; k < l->n_data; k++)
        build_count(b, row, 1 + k, t1_value(b, l->models[k], variable, "", KEY_STAT_MISSING));
}

static void t1_numeric(const build_context *b, const t1_layout *l, table *t, const study_variable *v)
{
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    t1_smd(b, l, row, v->name, "");
    for (int median = 0; median <= 1; median++) {
        row = table_add_row(t, TABLE_ROW_LEVEL, median ? "Median [IQR]" : "Mean \xc2\xb1 SD");
        for (size_t k = 0; k < l->n_data; k++) {
            const char *m = l->models[k];
            if (median)
                table_set_values(row, 1 + k, CELL_MEDIAN_IQR, b->t->decimals,
                                 t1_value(b, m, v->name, "", KEY_STAT_MEDIAN), t1_value(b, m, v->name, "", KEY_STAT_Q1),
                                 t1_value(b, m, v->name, "", KEY_STAT_Q3));
            else
                table_set_values(row, 1 + k, CELL_MEAN_SD, b->t->decimals, t1_value(b, m, v->name, "", KEY_STAT_MEAN),
                                 t1_value(b, m, v->name, "", KEY_STAT_SD), NAN);
            if (build_hidden(b, t1_value(b, m, v->name, "", KEY_STAT_N)))
                table_suppress(row, 1 + k, NAN);
        }
        t1_p(b, l, row, v->name, median ? KEY_STAT_P_KRUSKAL : KEY_STAT_P_ANOVA);
    }
    t1_missing(b, l, t, v->name);
}

/* The n (%) of one level in each column; a hidden n is shown "<5" without its percentage. */
static void t1_level_cells(const build_context *b, const t1_layout *l, table_row *row, const char *variable,
                           const char *level)
{
    for (size_t k = 0; k < l->n_data; k++) {
        double n = t1_value(b, l->models[k], variable, level, KEY_STAT_N);
        double pct = t1_value(b, l->models[k], variable, level, KEY_STAT_PCT);
        table_set_values(row, 1 + k, CELL_COUNT_PERCENT, b->t->decimals, n, isfinite(n) ? pct / 100.0 : NAN, NAN);
        if (build_hidden(b, n))
            table_suppress(row, 1 + k, (double)b->t->min_count);
    }
}

/* Whether a factor's two levels say yes and no (no/yes, n/y, false/true, 0/1, absent/present ...). */
static int t1_is_yes_no(const study_variable *v)
{
    static const char *const pairs[][2] = {{"no", "yes"},        {"n", "y"},           {"false", "true"},
                                           {"0", "1"},           {"absent", "present"}, {"negative", "positive"}};
    if (v->n_levels != 2)
        return 0;
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
        for (size_t swap = 0; swap < 2; swap++)
            if (text_equal_folded(v->levels[0], pairs[k][swap]) && text_equal_folded(v->levels[1], pairs[k][!swap]))
                return 1;
    return 0;
}

/* A yes/no variable in one row: "Extrahepatic disease (yes)", its non-reference level. */
static void t1_yes_no(const build_context *b, const t1_layout *l, table *t, const study_variable *v)
{
    const char *level = v->levels[v->reference == 0 ? 1 : 0];
    char shown[256];
    build_level(shown, sizeof shown, level);
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, table_format(t, "%s (%s)", build_variable_label(v), shown));
    t1_level_cells(b, l, row, v->name, level);
    t1_p(b, l, row, v->name, KEY_STAT_P_CHISQ);
    t1_smd(b, l, row, v->name, level);
    t1_missing(b, l, t, v->name);
}

static void t1_factor(const build_context *b, const t1_layout *l, table *t, const study_variable *v)
{
    if (!b->t->yes_no_both && t1_is_yes_no(v)) {
        t1_yes_no(b, l, t, v);
        return;
    }
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    t1_p(b, l, row, v->name, KEY_STAT_P_CHISQ);
    for (size_t level = 0; level < v->n_levels; level++) {
        char shown[256];
        build_level(shown, sizeof shown, v->levels[level]);
        row = table_add_row(t, TABLE_ROW_LEVEL, shown);
        t1_level_cells(b, l, row, v->name, v->levels[level]);
        t1_smd(b, l, row, v->name, v->levels[level]);
    }
    t1_missing(b, l, t, v->name);
}

static void t1_notes(const build_context *b, const t1_layout *l, table *t)
{
    table_add_footnote(t, "Numeric variables: mean \xc2\xb1 SD and median [interquartile range]; categorical: n (%% of "
                          "the non-missing values)%s.%s%s",
                       b->t->yes_no_both ? "" : "; a yes/no variable: its one level in parentheses",
                       l->p_column ? " p: one-way ANOVA (means), Kruskal-Wallis (medians), Pearson chi-square "
                                     "(categorical)." : "",
                       l->smd_column ? " Max |SMD|: the largest absolute standardized mean difference over pairs of "
                                       "treatment groups, before and after propensity weighting (ATE); 0.1 is the "
                                       "usual limit." : "");
    double missing = t1_value(b, KEY_OVERALL, KEY_ALL, "", KEY_STAT_MISSING_TREATMENT);
    if (missing > 0) {
        char count[32];
        format_count(count, sizeof count, b->t, missing);
        table_add_footnote(t, "The overall column includes %s records without a treatment.", count);
    }
}

table *build_table1(const build_context *b)
{
    t1_layout l;
    if (t1_layout_make(b, &l) != EMBOLO_OK)
        return NULL;
    table *t = t1_table_new(b, &l);
    if (t && isnan(t1_value(b, KEY_OVERALL, KEY_ALL, "", KEY_STAT_N)))
        table_add_row(t, TABLE_ROW_NOTE, "Table 1 was not computed in this run.");
    else if (t) {
        for (size_t v = 0; v < b->s->n_variables; v++) {
            const study_variable *var = &b->s->variables[v];
            if ((int)v == b->s->treatment || isnan(t1_value(b, KEY_OVERALL, var->name, "", KEY_STAT_MISSING)))
                continue;
            if (study_variable_is_factor(var))
                t1_factor(b, &l, t, var);
            else
                t1_numeric(b, &l, t, var);
        }
        t1_notes(b, &l, t);
    }
    free(l.models);
    return t;
}
