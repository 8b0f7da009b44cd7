/* The tables only the workbook shows: the Summary (provenance and key results), the methods and
 * results paragraphs, and the data dictionary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "narrative.h"

/* ---- Summary ---- */

enum { SUMMARY_VALUE = 1, SUMMARY_P, SUMMARY_COLUMNS };

static void summary_text(table *t, const char *item, const char *value)
{
    table_set_text(t, table_add_row(t, TABLE_ROW_LEVEL, item), SUMMARY_VALUE, value ? value : "");
}

static void summary_count(const build_context *b, table *t, const char *item, double count)
{
    build_count(b, table_add_row(t, TABLE_ROW_LEVEL, item), SUMMARY_VALUE, count);
}

/* The as-of date, and the newest date in the data (a patient's date: not under the share template). */
static void summary_dates(const build_context *b, table *t)
{
    const render_input *in = b->in;
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, "As-of date");
    if (in->has_as_of)
        table_set_values(row, SUMMARY_VALUE, CELL_DATE, 0, (double)in->as_of, NAN, NAN);
    else
        table_set_text(t, row, SUMMARY_VALUE, "none");
    if (in->data->has_newest_date && !b->t->share)
        table_set_values(table_add_row(t, TABLE_ROW_LEVEL, "Newest date in the data"), SUMMARY_VALUE, CELL_DATE, 0,
                         (double)in->data->newest_date, NAN, NAN);
}

static void summary_provenance(const build_context *b, table *t)
{
    const render_input *in = b->in;
    table_add_row(t, TABLE_ROW_HEADING, "Provenance");
    summary_text(t, "Title", b->t->title ? b->t->title : in->study->title);
    summary_text(t, "embolo version", in->version);
    summary_text(t, "Input file", in->input_path);
    summary_text(t, "Input SHA-256", in->input_sha256);
    summary_text(t, "Study file", in->study->path);
    summary_text(t, "Study SHA-256", in->study_sha256);
    summary_text(t, "Template", in->template_path ? in->template_path : "built-in default");
    if (in->template_path)
        summary_text(t, "Template SHA-256", in->template_sha256);
    summary_dates(b, t);
    summary_text(t, "Time unit", in->study->time_unit);
    summary_count(b, t, "Rows read", (double)in->data->rows_read);
    summary_count(b, t, "Rows analysed", (double)in->data->n);
    summary_count(b, t, "Rows excluded", (double)build_rows_excluded(b));
    summary_count(b, t, "Lines in the exclusion log", (double)in->log->n);
    summary_count(b, t, "Warnings", (double)b->r->n_warnings);
}

/* The counts, medians and landmarks of an endpoint; estimates suppressed with a hidden count. */
static void summary_survival(const build_context *b, table *t, const study_endpoint *e)
{
    const study *s = b->s;
    char stat[3][KEY_SIZE];
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, "Patients");
    int hidden = build_count(b, row, SUMMARY_VALUE, build_value(b, KEY_KM, e->name, KEY_UNWEIGHTED, KEY_ALL, "", KEY_STAT_N));
    row = table_add_row(t, TABLE_ROW_LEVEL, "Events");
    hidden |= build_count(b, row, SUMMARY_VALUE,
                          build_value(b, KEY_KM, e->name, KEY_UNWEIGHTED, KEY_ALL, "", KEY_STAT_EVENTS));
    row = table_add_row(t, TABLE_ROW_LEVEL,
                        table_format(t, "Median follow-up (reverse Kaplan-Meier), %s", s->time_unit));
    build_time_ci(b, row, SUMMARY_VALUE, KEY_FOLLOWUP, e->name, KEY_REVERSE_KM, KEY_ALL, "");
    if (hidden)
        build_suppress_estimates(row, SUMMARY_VALUE, SUMMARY_COLUMNS);
    row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "Median, %s", s->time_unit));
    build_time_ci(b, row, SUMMARY_VALUE, KEY_KM, e->name, KEY_UNWEIGHTED, KEY_ALL, "");
    if (hidden)
        build_suppress_estimates(row, SUMMARY_VALUE, SUMMARY_COLUMNS);
    for (size_t l = 0; l < s->n_landmarks; l++) {
        const char *at = s->landmark_texts[l];
        row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "Survival at %s %s", at, s->time_unit));
        table_set_values(
            row, SUMMARY_VALUE, CELL_PERCENT_CI, b->t->decimals,
            build_value(b, KEY_KM, e->name, KEY_UNWEIGHTED, KEY_ALL, "", key_stat_at(stat[0], KEY_STAT_SURV, at)),
            build_value(b, KEY_KM, e->name, KEY_UNWEIGHTED, KEY_ALL, "", key_stat_at(stat[1], KEY_STAT_SURV_LOWER, at)),
            build_value(b, KEY_KM, e->name, KEY_UNWEIGHTED, KEY_ALL, "", key_stat_at(stat[2], KEY_STAT_SURV_UPPER, at)));
        if (hidden)
            build_suppress_estimates(row, SUMMARY_VALUE, SUMMARY_COLUMNS);
    }
}

/* The treatment's log-rank p and its hazard ratios in each Cox model that has them. */
static void summary_treatment(const build_context *b, table *t, const study_endpoint *e)
{
    const study_variable *v = &b->s->variables[b->s->treatment];
    char name[KEY_SIZE], title[128];
    double p = build_value(b, KEY_LOGRANK, e->name, "", v->name, "", KEY_STAT_P);
    if (!isnan(p))
        build_p(b, table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "Log-rank test by %s", build_variable_label(v))),
                SUMMARY_P, p);
    for (size_t l = 0; l < v->n_levels; l++) {
        if (l == v->reference)
            continue;
        for (size_t m = 0; m < BUILD_COX_MODELS; m++) {
            const char *model = build_cox_models[m].model ? build_cox_models[m].model : key_univariate(name, v->name);
            if (isnan(results_value(b->r, KEY_COX, e->name, model, v->name, v->levels[l], KEY_STAT_HR)))
                continue;
            build_lower_first(title, sizeof title, build_cox_models[m].title);
            table_row *row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "Hazard ratio %s vs %s, %s", v->levels[l],
                                                                             v->levels[v->reference], title));
            build_hr_ci(b, row, SUMMARY_VALUE, e->name, model, v->name, v->levels[l]);
            build_p(b, row, SUMMARY_P, build_value(b, KEY_COX, e->name, model, v->name, v->levels[l], KEY_STAT_P));
            if (build_share_suppressed(b->r, b->t, KEY_COX, e->name, model, v->name, v->levels[l], KEY_STAT_HR))
                build_suppress_estimates(row, SUMMARY_VALUE, SUMMARY_COLUMNS);
        }
    }
}

table *build_summary(const build_context *b)
{
    static const char *const headers[] = {"Item", "Value", "p"};
    table *t = table_new("Summary", headers, SUMMARY_COLUMNS);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Section", "Item");
    table_set_parts(t, SUMMARY_VALUE, "Value", "Lower 95% CI", "Upper 95% CI");
    table_set_align(t, SUMMARY_VALUE, TABLE_LEFT);
    summary_provenance(b, t);
    for (size_t e = 0; e < b->s->n_endpoints; e++) {
        const study_endpoint *ep = &b->s->endpoints[e];
        char problem[512];
        table_add_row(t, TABLE_ROW_HEADING, build_endpoint_label(ep));
        if (build_endpoint_problem(b, e, problem, sizeof problem))
            summary_text(t, "Warning", problem);
        summary_survival(b, t, ep);
        if (b->s->treatment >= 0)
            summary_treatment(b, t, ep);
    }
    if (b->r->n_warnings > 0)
        table_add_row(t, TABLE_ROW_HEADING, "Warnings");
    for (size_t i = 0; i < b->r->n_warnings; i++) {
        char text[2048];
        build_warning_text(b, i, text, sizeof text);
        table_add_row(t, TABLE_ROW_LEVEL, text);
    }
    return t;
}

/* ---- Methods: the methods and results paragraphs the report prints ---- */

#define METHODS_TEXT_SIZE 16384
#define METHODS_TEXT_WIDTH 110

table *build_methods(const build_context *b)
{
    typedef void (*paragraph_writer)(const render_input *in, char *out, size_t size);
    static const struct {
        const char *title;
        paragraph_writer write;
    } paragraphs[] = {{"Statistical methods", narrative_methods}, {"Results", narrative_results}};
    static const char *const headers[] = {"Paragraph", "Text"};
    char *text = malloc(METHODS_TEXT_SIZE);
    table *t = text ? table_new("Methods and results", headers, 2) : NULL;
    if (t) {
        table_set_align(t, 1, TABLE_LEFT);
        table_set_wrap(t, 1, METHODS_TEXT_WIDTH);
    }
    for (size_t i = 0; t && i < sizeof paragraphs / sizeof paragraphs[0]; i++) {
        paragraphs[i].write(b->in, text, METHODS_TEXT_SIZE);
        table_set_text(t, table_add_row(t, TABLE_ROW_PLAIN, paragraphs[i].title), 1, text);
    }
    free(text);
    return t;
}

/* ---- Data dictionary ---- */

enum { DICT_COLUMN = 1, DICT_LABEL, DICT_TYPE, DICT_LEVELS, DICT_REFERENCE, DICT_MIN, DICT_MAX, DICT_MISSING,
       DICT_ROLE, DICT_COLUMNS };

/* "treatment, propensity covariate, subgroup, univariate, multivariable" as far as they apply. */
static void dictionary_role(const study *st, size_t v, char *out, size_t size)
{
    static const char *const names[] = {"treatment", "propensity covariate", "subgroup", "univariate",
                                        "multivariable"};
    const size_t *lists[] = {NULL, st->ps_covariates, st->subgroups, st->univariate, st->multivariable};
    const size_t counts[] = {0, st->n_ps_covariates, st->n_subgroups, st->n_univariate, st->n_multivariable};
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < 5 && used < size; k++) {
        int has = k == 0 ? st->treatment == (int)v : 0;
        for (size_t i = 0; k > 0 && i < counts[k]; i++)
            has |= lists[k][i] == v;
        if (has)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", names[k]);
    }
}

/* The levels joined with ", ", in the table's strings. */
static const char *dictionary_levels(table *t, const study_variable *v)
{
    size_t size = 1;
    for (size_t l = 0; l < v->n_levels; l++)
        size += strlen(v->levels[l]) + 2;
    char *text = malloc(size), *out = text;
    for (size_t l = 0; text && l < v->n_levels; l++)
        out += sprintf(out, "%s%s", l ? ", " : "", v->levels[l]);
    if (text)
        *out = '\0';
    const char *kept = text ? table_string(t, text) : NULL;
    free(text);
    if (!text)
        t->error = EMBOLO_ERROR_NOMEM;
    return kept;
}

static void dictionary_variable(const build_context *b, table *t, size_t i)
{
    const study_variable *v = &b->s->variables[i];
    char role[160];
    dictionary_role(b->s, i, role, sizeof role);
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, v->name);
    table_set_text(t, row, DICT_COLUMN, v->column ? v->column : v->name);
    table_set_text(t, row, DICT_LABEL, build_variable_label(v));
    table_set_text(t, row, DICT_TYPE, v->has_cut ? table_format(t, "numeric, analysed cut at %g", v->cut)
                                             : v->type == VARIABLE_CATEGORICAL ? "categorical" : "numeric");
    table_set_text(t, row, DICT_LEVELS, dictionary_levels(t, v));
    if (study_variable_is_factor(v))
        table_set_text(t, row, DICT_REFERENCE, v->levels[v->reference]);
    if (v->has_min)
        table_set_values(row, DICT_MIN, CELL_GENERAL, 0, v->min, NAN, NAN);
    if (v->has_max)
        table_set_values(row, DICT_MAX, CELL_GENERAL, 0, v->max, NAN, NAN);
    build_count(b, row, DICT_MISSING, (double)b->data->missing[i]);
    table_set_text(t, row, DICT_ROLE, role);
}

/* An endpoint's derived columns of the Patients sheet. */
static void dictionary_endpoint(const build_context *b, table *t, size_t index)
{
    const study_endpoint *e = &b->s->endpoints[index];
    const dataset *d = b->data;
    size_t excluded = 0;
    for (size_t i = 0; i < d->n; i++)
        excluded += d->event[index][i] < 0;
    const char *column = e->form == ENDPOINT_DATES
                             ? table_format(t, "from %s to the first event date or %s", e->start ? e->start : "",
                                            e->censor_date ? e->censor_date : "")
                             : table_format(t, "%s, %s", e->time, e->status);
    for (int k = 0; k < 2; k++) {
        table_row *row = table_add_row(t, TABLE_ROW_PLAIN, table_format(t, "%s_%s", e->name, k ? "event" : "time"));
        table_set_text(t, row, DICT_COLUMN, column);
        table_set_text(t, row, DICT_LABEL, table_format(t, "%s: %s", build_endpoint_label(e),
                                                        k ? "1 event, 0 censored" : b->s->time_unit));
        table_set_text(t, row, DICT_TYPE, k ? "derived event indicator" : "derived time");
        build_count(b, row, DICT_MISSING, (double)excluded);
        table_set_text(t, row, DICT_ROLE, "endpoint");
    }
}

table *build_dictionary(const build_context *b)
{
    static const char *const headers[DICT_COLUMNS] = {"Name", "CSV column", "Label", "Type", "Levels",
                                                      "Reference level", "Minimum allowed", "Maximum allowed",
                                                      "Missing or invalid", "Role"};
    table *t = table_new("Data dictionary", headers, DICT_COLUMNS);
    if (!t)
        return NULL;
    for (size_t c = DICT_COLUMN; c <= DICT_REFERENCE; c++)
        table_set_align(t, c, TABLE_LEFT);
    table_set_align(t, DICT_ROLE, TABLE_LEFT);
    for (size_t e = 0; e < b->s->n_endpoints; e++)
        dictionary_endpoint(b, t, e);
    for (size_t v = 0; v < b->s->n_variables; v++)
        dictionary_variable(b, t, v);
    return t;
}
