/* The cohort flow's tables: exclusions and invalid values by reason, the values that match no level,
 * analysed records per endpoint, and missing values per variable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

static int scope_is_value(const char *scope)
{
    return strcmp(scope, "value") == 0;
}

/* Order of the scopes in the table: whole records, endpoints, values. */
static int scope_rank(const char *scope)
{
    return strcmp(scope, "row") == 0 ? 0 : scope_is_value(scope) ? 2 : 1;
}

static const char *reason_applies_to(const build_context *b, const build_reason *r, char *out, size_t size)
{
    if (strcmp(r->scope, "row") == 0)
        return "whole record";
    if (scope_is_value(r->scope)) {
        snprintf(out, size, "value of %s (kept as missing)", r->column);
        return out;
    }
    int e = build_endpoint_index(b->s, r->scope);
    return e >= 0 ? build_endpoint_label(&b->s->endpoints[e]) : r->scope;
}

static void reason_row(const build_context *b, table *t, const build_reason *r)
{
    char message[512], applies[256];
    build_copy(message, sizeof message, r->message);
    if (message[0] >= 'a' && message[0] <= 'z')
        message[0] = (char)(message[0] - 'a' + 'A');
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, message);
    table_set_text(t, row, 1, r->code);
    table_set_text(t, row, 2, reason_applies_to(b, r, applies, sizeof applies));
    build_count(b, row, 3, (double)r->count);
}

table *build_flow_reasons(const build_context *b)
{
    static const char *const headers[] = {"Reason", "Code", "Applies to", "Records"};
    build_reasons reasons = {0};
    table *t = table_new("Exclusions and invalid values by reason", headers, 4);
    if (!t || build_reasons_collect(b->in->log, &reasons) != EMBOLO_OK) {
        table_free(t);
        return NULL;
    }
    table_set_wrap(t, 0, 45);
    table_set_wrap(t, 2, 30);
    /* Whole records first, then endpoints, then invalid values. */
    for (int rank = 0; rank < 3; rank++)
        for (size_t k = 0; k < reasons.n; k++)
            if (scope_rank(reasons.items[k].scope) == rank)
                reason_row(b, t, &reasons.items[k]);
    if (reasons.n == 0)
        table_add_row(t, TABLE_ROW_NOTE, "No record was excluded and no value was invalid.");
    build_reasons_free(&reasons);
    return t;
}

static void endpoint_row(const build_context *b, table *t, size_t e)
{
    size_t analysed, events;
    const study_endpoint *ep = &b->s->endpoints[e];
    build_endpoint_counts(b, e, &analysed, &events);
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, build_endpoint_label(ep));
    build_count(b, row, 1, (double)analysed);
    build_count(b, row, 2, (double)events);
    build_count(b, row, 3, (double)(analysed - events));
    build_count(b, row, 4, (double)(b->data->n - analysed));
    build_time_ci(b, row, 5, KEY_FOLLOWUP, ep->name, KEY_REVERSE_KM, KEY_ALL, "");
}

table *build_flow_endpoints(const build_context *b)
{
    char followup[160];
    snprintf(followup, sizeof followup, "Median follow-up\n(95%% CI, %s)", b->s->time_unit);
    const char *headers[] = {"Endpoint", "Analysed", "Events", "Censored", "Excluded", followup};
    table *t = table_new("Analysed records per endpoint", headers, 6);
    if (!t)
        return NULL;
    snprintf(followup, sizeof followup, "Median follow-up (%s)", b->s->time_unit);
    table_set_parts(t, 5, followup, "Lower 95% CI", "Upper 95% CI");
    for (size_t e = 0; e < b->s->n_endpoints; e++)
        endpoint_row(b, t, e);
    table_add_footnote(t, "Excluded: analysed records that this endpoint could not use. Median follow-up by the "
                          "reverse Kaplan-Meier method (censoring as the event).");
    for (size_t e = 0; e < b->s->n_endpoints; e++) {
        char problem[512];
        if (build_endpoint_problem(b, e, problem, sizeof problem))
            table_add_footnote(t, "Warning: %s: %s.", build_endpoint_label(&b->s->endpoints[e]), problem);
    }
    return t;
}

static size_t invalid_values(const build_reasons *reasons, const study_variable *v)
{
    size_t n = 0;
    for (size_t k = 0; k < reasons->n; k++)
        if (scope_is_value(reasons->items[k].scope) && v->column && strcmp(reasons->items[k].column, v->column) == 0)
            n += reasons->items[k].count;
    return n;
}

table *build_missing_values(const build_context *b)
{
    static const char *const headers[] = {"Variable", "Missing", "% of analysed", "Of which invalid"};
    build_reasons reasons = {0};
    table *t = table_new("Missing values per variable (analysed records)", headers, 4);
    if (!t || build_reasons_collect(b->in->log, &reasons) != EMBOLO_OK) {
        table_free(t);
        return NULL;
    }
    for (size_t v = 0; v < b->s->n_variables; v++) {
        double n = (double)b->data->missing[v];
        table_row *row = table_add_row(t, TABLE_ROW_PLAIN, build_variable_label(&b->s->variables[v]));
        build_count(b, row, 1, n);
        table_set_values(row, 2, CELL_PERCENT, b->t->decimals, b->data->n ? n / (double)b->data->n : NAN, NAN, NAN);
        if (build_hidden(b, n))
            table_suppress(row, 2, NAN);
        build_count(b, row, 3, (double)invalid_values(&reasons, &b->s->variables[v]));
    }
    build_reasons_free(&reasons);
    return t;
}

/* ---- values that match no level ---- */

/* Values listed per variable; the others are one line ("12 more values"). */
#define UNMATCHED_LISTED 10

/* The most frequent first; equal counts in order of first appearance (their order in the log). */
static int unmatched_compare(const void *a, const void *b)
{
    const unmatched_value *x = *(const unmatched_value *const *)a, *y = *(const unmatched_value *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* One variable's values (values: room for every unmatched value of the log). */
static void unmatched_rows(const build_context *b, table *t, size_t variable, const unmatched_value **values)
{
    const exclusion_log *log = b->in->log;
    const study_variable *v = &b->s->variables[variable];
    int is_treatment = (int)variable == b->s->treatment;
    size_t n = 0, rest_values = 0, rest_rows = 0;
    for (size_t i = 0; i < log->n_unmatched; i++)
        if (log->unmatched[i].variable == variable)
            values[n++] = &log->unmatched[i];
    if (n == 0)
        return;
    qsort((void *)values, n, sizeof *values, unmatched_compare);
    char levels[256];
    size_t used = 0;
    levels[0] = '\0';
    for (size_t l = 0; l < v->n_levels && used < sizeof levels; l++) {
        char shown[256];
        build_level(shown, sizeof shown, v->levels[l]);
        used += (size_t)snprintf(levels + used, sizeof levels - used, "%s%s", l ? ", " : "", shown);
    }
    table_add_row(t, TABLE_ROW_HEADING, table_format(t, "%s (levels: %s)", build_variable_label(v), levels));
    for (size_t i = 0; i < n; i++) {
        if (i >= UNMATCHED_LISTED) {
            rest_values++;
            rest_rows += values[i]->count;
            continue;
        }
        /* Under share a value from the input is not shown: it may be anything (an id, a date). */
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, b->t->share ? BUILD_SHARE_MASK : values[i]->value);
        build_count(b, row, 1, (double)values[i]->count);
        table_set_text(t, row, 2, is_treatment ? "records excluded (E_UNKNOWN_TREATMENT)"
                                               : "treated as missing (W_INVALID_VALUE)");
    }
    if (rest_values > 0) {
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "%zu more values", rest_values));
        build_count(b, row, 1, (double)rest_rows);
        table_set_text(t, row, 2, is_treatment ? "records excluded (E_UNKNOWN_TREATMENT)"
                                               : "treated as missing (W_INVALID_VALUE)");
    }
}

table *build_unmatched(const build_context *b)
{
    static const char *const headers[] = {"Value as written", "Records", "What was done"};
    const exclusion_log *log = b->in->log;
    table *t = table_new("Values that match no level or alias", headers, 3);
    const unmatched_value **values = malloc((log->n_unmatched ? log->n_unmatched : 1) * sizeof *values);
    if (!t || !values) {
        table_free(t);
        free((void *)values);
        return NULL;
    }
    table_set_flat_headers(t, "Variable", "Value as written");
    for (size_t v = 0; v < b->s->n_variables; v++)
        unmatched_rows(b, t, v, values);
    free((void *)values);
    if (t->n_rows == 0)
        table_add_row(t, TABLE_ROW_NOTE, "Every categorical value matched a level or an alias.");
    else
        table_add_footnote(t, "Each distinct value that is neither a level nor an alias of its variable in the study "
                              "file, with the records that have it.%s",
                           b->t->share ? " The values themselves are not shown in a document to share." : "");
    return t;
}
