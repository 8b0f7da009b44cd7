/* What the builders share: result lookups, cells in the template's formats with share suppression,
 * labels, counts from the data, the names of the Cox models and of the warnings' subjects. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "common/text.h"
#include "format.h"

const build_cox_model build_cox_models[BUILD_COX_MODELS] = {
    {NULL, "Univariate"},
    {KEY_MULTIVARIABLE, "Multivariable"},
    {KEY_WEIGHTED_UNIVARIATE, "Propensity-weighted univariate"},
    {KEY_WEIGHTED_MULTIVARIABLE, "Propensity-weighted multivariable"},
};

void build_context_init(build_context *b, const render_input *in)
{
    *b = (build_context){.in = in, .s = in->study, .data = in->data, .r = in->results, .t = in->template};
}

double build_value(const build_context *b, const char *section, const char *endpoint, const char *model,
                   const char *variable, const char *level, const char *stat)
{
    return results_value(b->r, section, endpoint, model, variable, level, stat);
}

/* ---- cells ---- */

int build_hidden(const build_context *b, double count)
{
    return format_count_hidden(b->t, count);
}

int build_count(const build_context *b, table_row *row, size_t column, double count)
{
    table_set_values(row, column, CELL_COUNT, 0, count, NAN, NAN);
    if (!build_hidden(b, count))
        return 0;
    table_suppress(row, column, (double)b->t->min_count);
    return 1;
}

void build_count_percent(const build_context *b, table_row *row, size_t column, double count, double proportion)
{
    table_set_values(row, column, CELL_COUNT_PERCENT, b->t->decimals, count, isfinite(count) ? proportion : NAN, NAN);
    if (build_hidden(b, count))
        table_suppress(row, column, (double)b->t->min_count);
}

void build_suppress_estimates(table_row *row, size_t first, size_t end)
{
    for (size_t c = first; row && c < end; c++)
        if (row->cells[c].format != CELL_COUNT && row->cells[c].format != CELL_EMPTY &&
            row->cells[c].format != CELL_TEXT)
            table_suppress(row, c, NAN);
}

void build_p(const build_context *b, table_row *row, size_t column, double p)
{
    table_set_values(row, column, CELL_P, b->t->p_decimals, p, NAN, NAN);
}

void build_time(const build_context *b, table_row *row, size_t column, double value)
{
    table_set_values(row, column, CELL_NUMBER, b->t->decimals, value, NAN, NAN);
}

void build_time_ci(const build_context *b, table_row *row, size_t column, const char *section,
                   const char *endpoint, const char *model, const char *variable, const char *level)
{
    table_set_values(row, column, CELL_ESTIMATE_CI, b->t->decimals,
                     build_value(b, section, endpoint, model, variable, level, KEY_STAT_MEDIAN),
                     build_value(b, section, endpoint, model, variable, level, KEY_STAT_MEDIAN_LOWER),
                     build_value(b, section, endpoint, model, variable, level, KEY_STAT_MEDIAN_UPPER));
}

void build_hr_ci(const build_context *b, table_row *row, size_t column, const char *endpoint, const char *model,
                 const char *variable, const char *level)
{
    table_set_values(row, column, CELL_ESTIMATE_CI, b->t->hr_decimals,
                     build_value(b, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR),
                     build_value(b, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR_LOWER),
                     build_value(b, KEY_COX, endpoint, model, variable, level, KEY_STAT_HR_UPPER));
}

void build_number(table_row *row, size_t column, double value, int decimals)
{
    table_set_values(row, column, CELL_NUMBER, decimals, value, NAN, NAN);
}

/* ---- labels ---- */

void build_copy(char *out, size_t size, const char *text)
{
    size_t n = strlen(text);
    if (size == 0)
        return;
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, text, n);
    out[n] = '\0';
}

const char *build_endpoint_label(const study_endpoint *e)
{
    return e->label && e->label[0] ? e->label : e->name;
}

const char *build_variable_label(const study_variable *v)
{
    return v->label && v->label[0] ? v->label : v->name;
}

void build_level(char *out, size_t size, const char *level)
{
    char text[512];
    size_t n = 0;
    for (const char *c = level; *c && n + 4 < sizeof text; c++) {
        if ((c[0] == '<' || c[0] == '>') && c[1] == '=') {
            memcpy(text + n, c[0] == '<' ? "\xe2\x89\xa4" : "\xe2\x89\xa5", 3);
            n += 3;
            c++;
        } else {
            text[n++] = *c;
        }
    }
    text[n] = '\0';
    build_copy(out, size, text);
}

void build_lower_first(char *out, size_t size, const char *text)
{
    build_copy(out, size, text);
    if (out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z')
        out[0] = (char)(out[0] - 'A' + 'a');
}

table *build_endpoint_table(const study_endpoint *e, const char *join, const char *const *headers, size_t n_columns)
{
    char title[1024];
    int head = (int)strcspn(join, ":");
    snprintf(title, sizeof title, "%.*s, %.300s%.300s", head, join, build_endpoint_label(e), join + head);
    table *t = table_new(title, headers, n_columns);
    if (t)
        table_set_key(t, "Endpoint", build_endpoint_label(e), join);
    return t;
}

void build_month_name(long day, char *out, size_t size)
{
    static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    char date[11];
    int year = 0, month = 1;
    text_format_date(day, date);
    if (sscanf(date, "%4d-%2d", &year, &month) != 2 || month < 1 || month > 12)
        month = 1;
    snprintf(out, size, "%s %d", months[month - 1], year);
}

int build_endpoint_index(const study *s, const char *name)
{
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (!strcmp(s->endpoints[e].name, name))
            return (int)e;
    return -1;
}

/* ---- counts from the data ---- */

void build_endpoint_counts(const build_context *b, size_t endpoint, size_t *analysed, size_t *events)
{
    const int *event = b->data->event ? b->data->event[endpoint] : NULL;
    *analysed = *events = 0;
    for (size_t i = 0; event && i < b->data->n; i++) {
        *analysed += event[i] >= 0;
        *events += event[i] == 1;
    }
}

size_t build_rows_excluded(const build_context *b)
{
    return dataset_rows_excluded(b->data);
}

/* ---- exclusion reasons ---- */

static int reason_matches(const build_reason *r, const exclusion *e)
{
    return strcmp(r->scope, e->scope) == 0 && strcmp(r->code, e->code) == 0 &&
           (strcmp(e->scope, "value") != 0 || strcmp(r->column, e->column) == 0);
}

embolo_error build_reasons_collect(const exclusion_log *log, build_reasons *out)
{
    out->n = 0;
    out->items = calloc(log->n ? log->n : 1, sizeof *out->items);
    if (!out->items)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < log->n; i++) {
        const exclusion *e = &log->items[i];
        size_t k = 0;
        while (k < out->n && !reason_matches(&out->items[k], e))
            k++;
        if (k == out->n)
            out->items[out->n++] = (build_reason){e->scope, e->code, e->column, e->message, 0};
        out->items[k].count++;
    }
    return EMBOLO_OK;
}

void build_reasons_free(build_reasons *reasons)
{
    free(reasons->items);
    reasons->items = NULL;
    reasons->n = 0;
}

/* ---- the names of models and of the warnings' subjects ---- */

const char *build_model_name(const char *model)
{
    static const struct {
        const char *model, *name;
    } names[] = {
        {KEY_MULTIVARIABLE, "multivariable Cox model"},
        {KEY_MULTIVARIABLE_BRESLOW, "multivariable Cox model (Breslow ties)"},
        {KEY_WEIGHTED_UNIVARIATE, "propensity-weighted univariate Cox model"},
        {KEY_WEIGHTED_MULTIVARIABLE, "propensity-weighted multivariable Cox model"},
        {KEY_MULTIVARIABLE_STRATIFIED, "multivariable Cox model stratified by centre"},
        {KEY_MULTIVARIABLE_CLUSTER, "multivariable Cox model clustered by centre"},
        {KEY_FINEGRAY_MULTIVARIABLE, "multivariable Fine-Gray model"},
    };
    if (key_univariate_variable(model))
        return "univariate Cox model";
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(names[k].model, model))
            return names[k].name;
    return NULL;
}

size_t build_cox_reference(const build_context *b, const char *endpoint, const char *model, const study_variable *v)
{
    for (size_t level = 0; level < v->n_levels; level++)
        if (isfinite(build_value(b, KEY_COX, endpoint, model, v->name, v->levels[level], KEY_STAT_REFERENCE_LEVEL)))
            return level;
    return v->reference;
}

/* Appends ", " (after the first part) and text. */
static void append_part(char *out, size_t size, size_t *used, const char *text)
{
    if (*used < size && text[0])
        *used += (size_t)snprintf(out + *used, size - *used, "%s%s", *used ? ", " : "", text);
}

/* A model named after a variable ("univariate:VAR", "finegray_univariate:VAR", "subgroup:VAR=LEVEL"):
 * "univariate Cox model of Age (years)", "Cox model within WHO grade G3"; the variable's index, -1 for
 * any other model (its name as build_model_name gives it, else its key). */
static int model_text(const build_context *b, const char *model, char *out, size_t size)
{
    static const struct {
        const char *prefix, *name;
    } prefixed[] = {
        {KEY_FINEGRAY_UNIVARIATE, "univariate Fine-Gray model of"},
        {KEY_SUBGROUP, "Cox model within"},
        {KEY_WEIGHTED_SUBGROUP, "propensity-weighted Cox model within"},
    };
    const char *variable = key_univariate_variable(model);
    const char *name = variable ? "univariate Cox model of" : build_model_name(model);
    for (size_t k = 0; k < sizeof prefixed / sizeof prefixed[0] && !variable; k++) {
        size_t length = strlen(prefixed[k].prefix);
        if (!strncmp(model, prefixed[k].prefix, length) && model[length] == ':') {
            variable = model + length + 1;
            name = prefixed[k].name;
        }
    }
    if (!variable) {
        snprintf(out, size, "%s", name ? name : model);
        return -1;
    }
    char key[KEY_SIZE], level[256] = "";
    build_copy(key, sizeof key, variable);
    char *equals = strchr(key, '=');
    if (equals) {
        *equals = '\0';
        build_level(level, sizeof level, equals + 1);
    }
    int v = study_find_variable(b->s, key);
    const char *label = v >= 0 ? build_variable_label(&b->s->variables[v]) : key;
    int written = snprintf(out, size, "%s %s%s%s", name, label, level[0] ? " " : "", level);
    /* A name too long for the subject keeps the model and the variable, without the level. */
    if (written < 0 || (size_t)written >= size)
        snprintf(out, size, "%s %.200s", name, label);
    return equals ? -1 : v;
}

/* "Overall survival, univariate Cox model of Age (years)" or "WHO grade G3". */
static void warning_subject(const build_context *b, const result_warning *w, char *out, size_t size)
{
    char level[256], part[600];
    int e = build_endpoint_index(b->s, w->endpoint), v = study_find_variable(b->s, w->variable);
    size_t used = 0;
    out[0] = '\0';
    append_part(out, size, &used, e >= 0 ? build_endpoint_label(&b->s->endpoints[e]) : w->endpoint);
    int of = w->model[0] ? model_text(b, w->model, part, sizeof part) : -1;
    if (w->model[0])
        append_part(out, size, &used, part);
    build_level(level, sizeof level, w->level);
    const char *variable = v < 0 ? w->variable : v != of ? build_variable_label(&b->s->variables[v]) : "";
    snprintf(part, sizeof part, "%s%s%s", variable, variable[0] && level[0] ? " " : "", level);
    append_part(out, size, &used, part);
}

void build_warning_text(const build_context *b, size_t index, char *out, size_t size)
{
    const result_warning *w = &b->r->warning_parts[index];
    char subject[1024];
    if (!w->message) {
        snprintf(out, size, "%s", b->r->warnings[index]);
        return;
    }
    warning_subject(b, w, subject, sizeof subject);
    snprintf(out, size, "%s%s%s", subject, subject[0] ? ": " : "", w->message);
}

/* ---- every kind ---- */

table *build_table(const build_context *b, build_table_kind kind, size_t index)
{
    typedef table *(*builder)(const build_context *b);
    typedef table *(*endpoint_builder)(const build_context *b, size_t endpoint);
    static const builder builders[BUILD_KIND_COUNT] = {
        [BUILD_FLOW_REASONS] = build_flow_reasons, [BUILD_FLOW_ENDPOINTS] = build_flow_endpoints,
        [BUILD_MISSING] = build_missing_values,    [BUILD_TABLE1] = build_table1,
        [BUILD_WEIGHTS] = build_weights,           [BUILD_BALANCE] = build_balance,
        [BUILD_ZPH] = build_zph,                   [BUILD_EPV] = build_events_per_coefficient,
        [BUILD_AUDIT] = build_audit,               [BUILD_BENCHMARKS] = build_benchmarks,
        [BUILD_SUMMARY] = build_summary,           [BUILD_METHODS] = build_methods,
        [BUILD_DICTIONARY] = build_dictionary,     [BUILD_EXCLUSIONS] = build_exclusions,
        [BUILD_PATIENTS] = build_patients,         [BUILD_KM_DATA] = build_km_data,
        [BUILD_SESSIONS] = build_sessions,         [BUILD_SAFETY] = build_safety,
        [BUILD_AUDIT_PROCEDURES] = build_audit_procedures, [BUILD_AUDIT_SAFETY] = build_audit_safety,
        [BUILD_MAJOR_AES] = build_major_aes,       [BUILD_CUSUM] = build_cusum,
        [BUILD_FUNNEL] = build_funnel,             [BUILD_PROCEDURES] = build_procedures,
        [BUILD_CHANGES_COUNTS] = build_changes_counts,         [BUILD_CHANGES_PATIENTS] = build_changes_patients,
        [BUILD_CHANGES_VERDICTS] = build_changes_verdicts,     [BUILD_CHANGES_EVENTS] = build_changes_events,
        [BUILD_CHANGES_VALUES] = build_changes_values,         [BUILD_CHANGES_PROCEDURES] = build_changes_procedures,
        [BUILD_CHANGES_ITEMS] = build_changes_items,
    };
    static const endpoint_builder per_endpoint[BUILD_KIND_COUNT] = {
        [BUILD_SURVIVAL] = build_survival,         [BUILD_COX] = build_cox,
        [BUILD_COX_FIT] = build_cox_fit,           [BUILD_PAIRWISE] = build_pairwise,
        [BUILD_RMST] = build_rmst,                 [BUILD_CIF] = build_cif,
        [BUILD_FINEGRAY] = build_finegray,         [BUILD_FINEGRAY_FIT] = build_finegray_fit,
        [BUILD_CENTRE_LOGRANK] = build_centre_logrank, [BUILD_CENTRE_COX] = build_centre_cox,
        [BUILD_CENTRE_FIT] = build_centre_fit,     [BUILD_SUBGROUP_EFFECTS] = build_subgroup_effects,
        [BUILD_CHANGES_ESTIMATES] = build_changes_estimates};
    if ((size_t)kind >= BUILD_KIND_COUNT)
        return NULL;
    if (per_endpoint[kind])
        return index < b->s->n_endpoints ? per_endpoint[kind](b, index) : NULL;
    return builders[kind] ? builders[kind](b) : NULL;
}
