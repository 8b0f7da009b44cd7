/* The manuscript tables: survival by subgroup (one sheet per endpoint) and the Cox models. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "workbook_internal.h"

#define SUBGROUP_SUFFIX " by subgroup"

/* ---- "NAME by subgroup" ---- */

enum { SUB_VARIABLE, SUB_LEVEL, SUB_N, SUB_EVENTS, SUB_MEDIAN, SUB_LOWER, SUB_UPPER, SUB_LANDMARKS };

/* The endpoint NAME in capitals + " by subgroup", within Excel's 31 characters and without the
 * characters sheet names cannot hold; "~2", "~3" ... when a shortened name is taken. */
static void subgroup_sheet_name(const wb_book *b, const char *endpoint, char *out, size_t size)
{
    char name[LXW_SHEETNAME_MAX + 1];
    size_t keep = LXW_SHEETNAME_MAX - strlen(SUBGROUP_SUFFIX), n = 0;
    for (const char *c = endpoint; *c && n < keep; c++)
        name[n++] = strchr("[]:*?/\\'", *c) || (unsigned char)*c >= 0x80 ? '_' : (char)toupper((unsigned char)*c);
    name[n] = '\0';
    snprintf(out, size, "%s%s", name, SUBGROUP_SUFFIX);
    for (int k = 2; k < 100 && workbook_get_worksheet_by_name(b->workbook, out); k++) {
        name[n < keep - 3 ? n : keep - 3] = '\0';
        snprintf(out, size, "%s~%d%s", name, k, SUBGROUP_SUFFIX);
    }
}

static void subgroup_header(wb_sheet *s)
{
    static const char *const fixed[] = {"Variable", "Level", "n", "Events", NULL, "Lower 95% CI", "Upper 95% CI"};
    const study *st = s->book->in->study;
    char text[160];
    for (lxw_col_t c = 0; c < SUB_LANDMARKS; c++) {
        snprintf(text, sizeof text, "Median (%s)", st->time_unit);
        wb_header(s, c, fixed[c] ? fixed[c] : text);
    }
    for (size_t l = 0; l < st->n_landmarks; l++) {
        const char *at = st->landmark_texts[l];
        lxw_col_t c = SUB_LANDMARKS + (lxw_col_t)(3 * l);
        snprintf(text, sizeof text, "Survival at %s %s", at, st->time_unit);
        wb_header(s, c, text);
        snprintf(text, sizeof text, "Lower 95%% CI at %s %s", at, st->time_unit);
        wb_header(s, c + 1, text);
        snprintf(text, sizeof text, "Upper 95%% CI at %s %s", at, st->time_unit);
        wb_header(s, c + 2, text);
    }
    wb_header(s, SUB_LANDMARKS + (lxw_col_t)(3 * st->n_landmarks), "Log-rank p");
    wb_next_row(s);
}

typedef struct subgroup_key {
    const char *endpoint, *model, *variable, *level;
} subgroup_key;

static double km_value(const wb_book *b, const subgroup_key *k, const char *stat)
{
    return wb_value(b, "km", k->endpoint, k->model, k->variable, k->level, stat);
}

static void subgroup_landmarks(wb_sheet *s, const subgroup_key *k, int hidden)
{
    const study *st = s->book->in->study;
    for (size_t l = 0; l < st->n_landmarks; l++) {
        static const char *const stats[] = {"surv@%s", "surv_lower@%s", "surv_upper@%s"};
        for (lxw_col_t j = 0; j < 3; j++) {
            char stat[96];
            snprintf(stat, sizeof stat, stats[j], st->landmark_texts[l]);
            wb_estimate(s, SUB_LANDMARKS + (lxw_col_t)(3 * l) + j, km_value(s->book, k, stat), WB_SURV, hidden);
        }
    }
}

/* One level's line; the log-rank p (NAN: none) goes on the variable's first line. */
static void subgroup_row(wb_sheet *s, const subgroup_key *k, const char *label, const char *level, double p)
{
    double n = km_value(s->book, k, "n");
    int hidden;
    if (isnan(n))
        return;
    wb_text(s, SUB_VARIABLE, label);
    wb_text(s, SUB_LEVEL, level);
    hidden = wb_count(s, SUB_N, n);
    hidden |= wb_count(s, SUB_EVENTS, km_value(s->book, k, "events"));
    wb_estimate(s, SUB_MEDIAN, km_value(s->book, k, "median"), WB_TIME, hidden);
    wb_estimate(s, SUB_LOWER, km_value(s->book, k, "median_lower"), WB_TIME, hidden);
    wb_estimate(s, SUB_UPPER, km_value(s->book, k, "median_upper"), WB_TIME, hidden);
    subgroup_landmarks(s, k, hidden);
    if (!isnan(p))
        wb_number(s, SUB_LANDMARKS + (lxw_col_t)(3 * s->book->in->study->n_landmarks), p, WB_P);
    wb_next_row(s);
}

static void subgroup_variable(wb_sheet *s, const char *endpoint, size_t variable, int weighted)
{
    const study_variable *v = &s->book->in->study->variables[variable];
    subgroup_key k = {.endpoint = endpoint, .model = weighted ? "weighted" : "unweighted", .variable = v->name};
    char label[256];
    size_t first_row = s->row;
    snprintf(label, sizeof label, "%s%s", wb_variable_label(v), weighted ? " (propensity-weighted)" : "");
    double p = weighted ? NAN : wb_value(s->book, "logrank", endpoint, "", v->name, "", "p");
    for (size_t l = 0; l < v->n_levels && wb_ok(s->book); l++) {
        k.level = v->levels[l];
        subgroup_row(s, &k, label, v->levels[l], s->row == first_row ? p : NAN);
    }
}

void wb_write_subgroups(wb_book *b, size_t endpoint)
{
    const study *st = b->in->study;
    const char *name = st->endpoints[endpoint].name;
    subgroup_key all = {.endpoint = name, .model = "unweighted", .variable = "all", .level = ""};
    char sheet_name[LXW_SHEETNAME_MAX * 4 + 1];
    wb_sheet s;
    subgroup_sheet_name(b, name, sheet_name, sizeof sheet_name);
    if (!wb_sheet_begin(b, &s, sheet_name, SUB_LANDMARKS + (lxw_col_t)(3 * st->n_landmarks) + 1))
        return;
    subgroup_header(&s);
    subgroup_row(&s, &all, "All patients", "", NAN);
    for (size_t g = 0; g < st->n_subgroups && wb_ok(b); g++)
        subgroup_variable(&s, name, st->subgroups[g], 0);
    if (st->treatment >= 0)
        subgroup_variable(&s, name, (size_t)st->treatment, 1);
    wb_sheet_end(&s, 1, 0, s.n_cols);
}

/* ---- Cox models: univariate and multivariable, unadjusted and weighted, side by side ---- */

enum { COX_ENDPOINT, COX_VARIABLE, COX_LEVEL, COX_REFERENCE, COX_BLOCKS };
enum { BLOCK_HR, BLOCK_LOWER, BLOCK_UPPER, BLOCK_P, BLOCK_N, BLOCK_EVENTS, BLOCK_COLS };

typedef struct cox_block {
    const char *title;
    const char *model;  /* "univariate:" is followed by the variable's name */
} cox_block;

static const cox_block cox_blocks[] = {
    {"Univariate", "univariate:"},
    {"Multivariable", "multivariable"},
    {"Propensity-weighted univariate", "weighted_univariate"},
    {"Propensity-weighted multivariable", "weighted_multivariable"},
};

/* Two blocks without weighted models in the results, else four. */
static size_t cox_block_count(const wb_book *b)
{
    const results *r = b->in->results;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->rows[i].section, "cox") && !strncmp(r->rows[i].model, "weighted_", 9))
            return 4;
    return 2;
}

static void cox_header(wb_sheet *s, size_t n_blocks)
{
    static const char *const fixed[] = {"Endpoint", "Variable", "Level", "Reference level"};
    static const char *const block[] = {"HR", "Lower 95% CI", "Upper 95% CI", "p", "n", "Events"};
    for (size_t k = 0; k < n_blocks; k++)
        wb_header_across(s, COX_BLOCKS + (lxw_col_t)(k * BLOCK_COLS), BLOCK_COLS, cox_blocks[k].title);
    wb_next_row(s);
    for (lxw_col_t c = 0; c < COX_BLOCKS; c++)
        wb_header(s, c, fixed[c]);
    for (size_t k = 0; k < n_blocks; k++)
        for (lxw_col_t c = 0; c < BLOCK_COLS; c++)
            wb_header(s, COX_BLOCKS + (lxw_col_t)(k * BLOCK_COLS) + c, block[c]);
    wb_next_row(s);
}

typedef struct cox_line {
    const char *endpoint;
    const study_variable *variable;
    const char *level;  /* "" for a numeric variable */
} cox_line;

static void cox_model_name(const cox_block *block, const cox_line *line, char *out, size_t size)
{
    if (!strcmp(block->model, "univariate:"))
        snprintf(out, size, "univariate:%s", line->variable->name);
    else
        snprintf(out, size, "%s", block->model);
}

static double cox_value(const wb_book *b, const cox_line *line, const char *model, const char *stat)
{
    return wb_value(b, "cox", line->endpoint, model, line->variable->name, line->level, stat);
}

static void cox_block_cells(wb_sheet *s, const cox_line *line, size_t k)
{
    static const char *const stats[] = {"hr", "hr_lower", "hr_upper", "p"};
    lxw_col_t first = COX_BLOCKS + (lxw_col_t)(k * BLOCK_COLS);
    char model[256];
    int hidden;
    cox_model_name(&cox_blocks[k], line, model, sizeof model);
    if (isnan(cox_value(s->book, line, model, "hr")))
        return;
    hidden = wb_count(s, first + BLOCK_N, wb_value(s->book, "cox", line->endpoint, model, "", "", "n"));
    hidden |= wb_count(s, first + BLOCK_EVENTS, wb_value(s->book, "cox", line->endpoint, model, "", "", "events"));
    for (lxw_col_t j = 0; j < 4; j++)
        wb_estimate(s, first + j, cox_value(s->book, line, model, stats[j]), j == BLOCK_P ? WB_P : WB_HR, hidden);
}

static int cox_line_has_estimate(const wb_book *b, const cox_line *line, size_t n_blocks)
{
    char model[256];
    for (size_t k = 0; k < n_blocks; k++) {
        cox_model_name(&cox_blocks[k], line, model, sizeof model);
        if (!isnan(cox_value(b, line, model, "hr")))
            return 1;
    }
    return 0;
}

static void cox_row(wb_sheet *s, const cox_line *line, size_t n_blocks)
{
    const study_variable *v = line->variable;
    if (!cox_line_has_estimate(s->book, line, n_blocks))
        return;
    wb_text(s, COX_ENDPOINT, line->endpoint);
    wb_text(s, COX_VARIABLE, wb_variable_label(v));
    wb_text(s, COX_LEVEL, line->level);
    if (study_variable_is_factor(v))
        wb_text(s, COX_REFERENCE, v->levels[v->reference]);
    for (size_t k = 0; k < n_blocks; k++)
        cox_block_cells(s, line, k);
    wb_next_row(s);
}

static void cox_variable(wb_sheet *s, const char *endpoint, const study_variable *v, size_t n_blocks)
{
    cox_line line = {.endpoint = endpoint, .variable = v, .level = ""};
    if (!study_variable_is_factor(v)) {
        cox_row(s, &line, n_blocks);
        return;
    }
    for (size_t l = 0; l < v->n_levels && wb_ok(s->book); l++) {
        if (l == v->reference)
            continue;
        line.level = v->levels[l];
        cox_row(s, &line, n_blocks);
    }
}

/* The univariate variables, then the multivariable ones not among them. */
static void cox_endpoint(wb_sheet *s, const char *endpoint, size_t n_blocks)
{
    const study *st = s->book->in->study;
    for (size_t u = 0; u < st->n_univariate && wb_ok(s->book); u++)
        cox_variable(s, endpoint, &st->variables[st->univariate[u]], n_blocks);
    for (size_t m = 0; m < st->n_multivariable && wb_ok(s->book); m++)
        if (!wb_listed(st->univariate, st->n_univariate, st->multivariable[m]))
            cox_variable(s, endpoint, &st->variables[st->multivariable[m]], n_blocks);
}

void wb_write_cox(wb_book *b)
{
    const study *st = b->in->study;
    size_t n_blocks = cox_block_count(b);
    wb_sheet s;
    if (!wb_sheet_begin(b, &s, "Cox models", COX_BLOCKS + (lxw_col_t)(n_blocks * BLOCK_COLS)))
        return;
    cox_header(&s, n_blocks);
    for (size_t e = 0; e < st->n_endpoints && wb_ok(b); e++)
        cox_endpoint(&s, st->endpoints[e].name, n_blocks);
    if (s.row == 2)
        wb_note(&s, "No Cox model in the results.");
    wb_sheet_end(&s, 2, 1, s.n_cols);
}
