/* The comparison with --previous DIR and results.csv's section `changes` (docs/results-changes.md). */
#include "compare_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "common/text.h"

/* ---- results lines ---- */

/* A count; under a share template one from 1 to min_count - 1 is hidden ("<5"). */
static embolo_error put_count(const compare_context *ctx, results *out, const char *endpoint, const char *model,
                              const char *variable, const char *level, const char *stat, size_t count)
{
    if (ctx->cur->share && count > 0 && count < (size_t)ctx->cur->min_count)
        return results_add_hidden(out, CHANGES_SECTION, endpoint, model, variable, level, stat, ctx->cur->min_count);
    return results_add(out, CHANGES_SECTION, endpoint, model, variable, level, stat, (double)count);
}

/* A value that is not a count: not under a share template, which gives counts only. */
static embolo_error put_value(const compare_context *ctx, results *out, const char *endpoint, const char *model,
                              const char *variable, const char *level, const char *stat, double value)
{
    if (ctx->cur->share)
        return EMBOLO_OK;
    return results_add(out, CHANGES_SECTION, endpoint, model, variable, level, stat, value);
}

#define ANY_DATING (-2)

/* Items of a kind and subject (NULL: any), dated after the cut-off (1), on or before it (0), undated
 * (-1) or any (ANY_DATING). */
static size_t count_items(const change_set *c, change_kind kind, const char *subject, int dating)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_items; i++) {
        const change_item *item = &c->items[i];
        n += item->kind == kind && (!subject || !strcmp(item->subject, subject)) &&
             (dating == ANY_DATING || item->after_previous == dating);
    }
    return n;
}

static long yyyymmdd(long day)
{
    char date[11];
    int year, month, mday;
    text_format_date(day, date);
    if (sscanf(date, "%d-%d-%d", &year, &month, &mday) != 3)
        return 0;
    return (long)year * 10000 + month * 100 + mday;
}

static embolo_error put_previous(const compare_context *ctx, results *out)
{
    const compare_previous *p = ctx->prev;
    int both = p->has_as_of && ctx->cur->has_as_of;
    embolo_error err = put_value(ctx, out, "", CHANGES_PREVIOUS, "", "", "as_of",
                                 p->has_as_of ? (double)yyyymmdd(p->as_of) : NAN);
    if (err == EMBOLO_OK)
        err = put_value(ctx, out, "", CHANGES_PREVIOUS, "", "", "days_since",
                        both ? (double)(ctx->cur->as_of - p->as_of) : NAN);
    if (err == EMBOLO_OK)
        err = put_value(ctx, out, "", CHANGES_PREVIOUS, "", "", "study_file_changed", p->study_file_changed);
    if (err == EMBOLO_OK)
        err = put_value(ctx, out, "", CHANGES_PREVIOUS, "", "", "procedures_compared",
                        p->procedures && ctx->cur->procedures);
    return err;
}

static embolo_error put_patients(const compare_context *ctx, results *out)
{
    const change_set *c = ctx->changes;
    const struct {
        const char *stat;
        size_t count;
    } lines[] = {
        {"previous", ctx->n_previous},
        {"current", ctx->n_current},
        {"matched", ctx->n_matched},
        {"new", count_items(c, CHANGE_PATIENT_NEW, NULL, ANY_DATING)},
        {"no_longer_present", count_items(c, CHANGE_PATIENT_GONE, NULL, ANY_DATING)},
        {"now_excluded", ctx->now_excluded},
        {"now_included", ctx->now_included},
    };
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && err == EMBOLO_OK; i++)
        err = put_count(ctx, out, "", CHANGES_PATIENTS, KEY_ALL, "", lines[i].stat, lines[i].count);
    return err;
}

/* The endpoint of a verdict item ("" for a record's). */
static const char *verdict_endpoint(const change_item *item)
{
    return strcmp(item->subject, "row") ? item->subject : "";
}

static int verdict_compare(const void *a, const void *b)
{
    const change_item *x = *(const change_item *const *)a, *y = *(const change_item *const *)b;
    int order = strcmp(verdict_endpoint(x), verdict_endpoint(y));
    if (!order)
        order = strcmp(x->old_value, y->old_value);
    return order ? order : strcmp(x->new_value, y->new_value);
}

/* One line per verdict pair that occurs: (endpoint,) OLD, NEW, records. */
static embolo_error put_verdicts(const compare_context *ctx, results *out)
{
    const change_set *c = ctx->changes;
    size_t n = count_items(c, CHANGE_VERDICT, NULL, ANY_DATING), k = 0;
    const change_item **items = malloc((n ? n : 1) * sizeof *items);
    embolo_error err = items ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; items && i < c->n_items; i++)
        if (c->items[i].kind == CHANGE_VERDICT)
            items[k++] = &c->items[i];
    if (n > 1)
        qsort(items, n, sizeof *items, verdict_compare);
    for (size_t i = 0; i < n && err == EMBOLO_OK;) {
        size_t run = 1;
        while (i + run < n && verdict_compare(&items[i], &items[i + run]) == 0)
            run++;
        err = put_count(ctx, out, verdict_endpoint(items[i]), CHANGES_VERDICTS, items[i]->old_value,
                        items[i]->new_value, "records", run);
        i += run;
    }
    free(items);
    return err;
}

static embolo_error put_values(const compare_context *ctx, results *out)
{
    const study *s = ctx->cur->study;
    const compare_previous *p = ctx->prev;
    embolo_error err = EMBOLO_OK;
    for (size_t k = 0; k < ctx->n_unmatched && err == EMBOLO_OK; k++) {
        err = put_count(ctx, out, "", CHANGES_UNMATCHED, ctx->unmatched[k].code, "", "previous",
                        ctx->unmatched[k].previous);
        if (err == EMBOLO_OK)
            err = put_count(ctx, out, "", CHANGES_UNMATCHED, ctx->unmatched[k].code, "", "current",
                            ctx->unmatched[k].current);
    }
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++)
        if (p->patients.value[v] != COMPARE_NONE)
            err = put_count(ctx, out, "", CHANGES_VALUES, s->variables[v].name, "", "changed",
                            count_items(ctx->changes, CHANGE_VALUE, s->variables[v].name, ANY_DATING));
    for (size_t k = 0; k < p->n_dates && err == EMBOLO_OK; k++) {
        if (p->patients.date[k] == COMPARE_NONE)
            continue;
        err = put_count(ctx, out, "", CHANGES_DATES, p->date_columns[k], "", "changed",
                        count_items(ctx->changes, CHANGE_DATE, p->date_columns[k], ANY_DATING));
        if (err == EMBOLO_OK && compare_censor_only(ctx->cur->study, p->date_columns[k]))
            err = put_count(ctx, out, "", CHANGES_DATES, p->date_columns[k], "", "followup_extended",
                            count_items(ctx->changes, CHANGE_FOLLOWUP_EXTENDED, p->date_columns[k], ANY_DATING));
    }
    return err;
}

/* Items of kind about endpoint e (its name), by dating. */
static size_t endpoint_items(const compare_context *ctx, change_kind kind, size_t e, int dating)
{
    return count_items(ctx->changes, kind, ctx->cur->study->endpoints[e].name, dating);
}

static embolo_error put_events(const compare_context *ctx, results *out, size_t e)
{
    const study_endpoint *ep = &ctx->cur->study->endpoints[e];
    const struct {
        const char *stat;
        size_t count;
    } lines[] = {
        {"previous", ctx->events_previous[e]},
        {"current", ctx->events_current[e]},
        {"new", endpoint_items(ctx, CHANGE_EVENT_NEW, e, ANY_DATING)},
        {"new_after_previous_cutoff", endpoint_items(ctx, CHANGE_EVENT_NEW, e, 1)},
        {"new_before_previous_cutoff", endpoint_items(ctx, CHANGE_EVENT_NEW, e, 0)},
        {"new_undated", endpoint_items(ctx, CHANGE_EVENT_NEW, e, -1)},
        {"removed", endpoint_items(ctx, CHANGE_EVENT_REMOVED, e, ANY_DATING)},
        {"competing_new", endpoint_items(ctx, CHANGE_COMPETING_NEW, e, ANY_DATING)},
        {"competing_removed", endpoint_items(ctx, CHANGE_COMPETING_REMOVED, e, ANY_DATING)},
    };
    size_t n = sizeof lines / sizeof lines[0] - (study_endpoint_has_competing(ep) ? 0 : 2);
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < n && err == EMBOLO_OK; i++)
        err = put_count(ctx, out, ep->name, CHANGES_EVENTS, KEY_ALL, "", lines[i].stat, lines[i].count);
    if (ep->form == ENDPOINT_TIME_STATUS && err == EMBOLO_OK) {
        err = put_count(ctx, out, ep->name, CHANGES_TIMES, ep->time, "", "changed",
                        count_items(ctx->changes, CHANGE_TIME, ep->time, ANY_DATING));
        if (err == EMBOLO_OK)
            err = put_count(ctx, out, ep->name, CHANGES_TIMES, ep->time, "", "followup_extended",
                            count_items(ctx->changes, CHANGE_FOLLOWUP_EXTENDED, ep->time, ANY_DATING));
    }
    return err;
}

static embolo_error put_procedures(const compare_context *ctx, results *out)
{
    const change_set *c = ctx->changes;
    const struct {
        const char *stat;
        size_t count;
    } lines[] = {
        {"previous", ctx->procedures_previous},
        {"current", ctx->procedures_current},
        {"new", count_items(c, CHANGE_PROCEDURE_NEW, NULL, ANY_DATING)},
        {"new_after_previous_cutoff", count_items(c, CHANGE_PROCEDURE_NEW, NULL, 1)},
        {"new_before_previous_cutoff", count_items(c, CHANGE_PROCEDURE_NEW, NULL, 0)},
        {"new_undated", count_items(c, CHANGE_PROCEDURE_NEW, NULL, -1)},
        {"removed", count_items(c, CHANGE_PROCEDURE_REMOVED, NULL, ANY_DATING)},
        {"grade_changed", count_items(c, CHANGE_PROCEDURE_GRADE, NULL, ANY_DATING)},
        {"previous_unmatched", ctx->procedures_previous_unmatched},
        {"current_unmatched", ctx->procedures_current_unmatched},
    };
    embolo_error err = EMBOLO_OK;
    if (!ctx->prev->procedures || !ctx->cur->procedures)
        return EMBOLO_OK;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && err == EMBOLO_OK; i++)
        err = put_count(ctx, out, "", CHANGES_PROCEDURES, KEY_ALL, "", lines[i].stat, lines[i].count);
    return err;
}

static embolo_error put_estimates(const compare_context *ctx, results *out)
{
    const change_set *c = ctx->changes;
    size_t outside = 0;
    embolo_error err = EMBOLO_OK;
    if (!ctx->prev->results)
        return EMBOLO_OK;
    for (size_t i = 0; i < c->n_estimates; i++)
        outside += c->estimates[i].outside == 1;
    err = put_count(ctx, out, "", CHANGES_ESTIMATES, KEY_ALL, "", "compared", ctx->estimates_compared);
    if (err == EMBOLO_OK)
        err = put_count(ctx, out, "", CHANGES_ESTIMATES, KEY_ALL, "", "previous_outside_ci", outside);
    for (size_t i = 0; i < c->n_estimates && err == EMBOLO_OK; i++) {
        const change_estimate *e = &c->estimates[i];
        const struct {
            const char *stat;
            double value;
        } lines[] = {
            {"previous", e->previous},
            {"current", e->current},
            {"change", e->change},
            {"current_lower", e->current_lower},
            {"current_upper", e->current_upper},
            {"previous_outside_ci", e->outside < 0 ? NAN : e->outside},
        };
        for (size_t k = 0; k < sizeof lines / sizeof lines[0] && err == EMBOLO_OK; k++)
            err = put_value(ctx, out, e->endpoint, e->model, e->variable, e->level, lines[k].stat, lines[k].value);
    }
    return err;
}

static embolo_error put_lines(const compare_context *ctx, results *out)
{
    embolo_error err = put_previous(ctx, out);
    if (err == EMBOLO_OK)
        err = put_patients(ctx, out);
    if (err == EMBOLO_OK)
        err = put_verdicts(ctx, out);
    if (err == EMBOLO_OK)
        err = put_values(ctx, out);
    for (size_t e = 0; e < ctx->cur->study->n_endpoints && err == EMBOLO_OK; e++)
        err = put_events(ctx, out, e);
    if (err == EMBOLO_OK)
        err = put_procedures(ctx, out);
    if (err == EMBOLO_OK)
        err = put_estimates(ctx, out);
    return err;
}

/* ---- the run ---- */

/* Items in kind order, each kind's in the order found (by id). */
static embolo_error sort_items(change_set *c)
{
    change_item *sorted = malloc((c->n_items ? c->n_items : 1) * sizeof *sorted);
    size_t n = 0;
    if (!sorted)
        return EMBOLO_ERROR_NOMEM;
    for (int kind = 0; kind < CHANGE_KIND_COUNT; kind++)
        for (size_t i = 0; i < c->n_items; i++)
            if (c->items[i].kind == (change_kind)kind)
                sorted[n++] = c->items[i];
    if (c->n_items)
        memcpy(c->items, sorted, c->n_items * sizeof *sorted);
    free(sorted);
    return EMBOLO_OK;
}

static embolo_error context_new(compare_context *ctx, const compare_previous *prev, const compare_current *cur,
                                results *out)
{
    size_t np = ingest_record_count(prev->patients.table), nc = cur->data->n, ne = cur->study->n_endpoints;
    *ctx = (compare_context){.prev = prev, .cur = cur, .warnings = out, .n_previous = np, .n_current = nc};
    ctx->changes = change_set_new();
    ctx->matched_prev = malloc((np ? np : 1) * sizeof *ctx->matched_prev);
    ctx->matched_cur = malloc((np ? np : 1) * sizeof *ctx->matched_cur);
    ctx->prev_matched = calloc(np ? np : 1, 1);
    ctx->cur_matched = calloc(nc ? nc : 1, 1);
    ctx->prev_keys = calloc(np ? np : 1, sizeof *ctx->prev_keys);
    ctx->events_previous = calloc(ne ? ne : 1, sizeof *ctx->events_previous);
    ctx->events_current = calloc(ne ? ne : 1, sizeof *ctx->events_current);
    if (!ctx->changes || !ctx->matched_prev || !ctx->matched_cur || !ctx->prev_matched || !ctx->cur_matched ||
        !ctx->prev_keys || !ctx->events_previous || !ctx->events_current ||
        !(ctx->changes->previous_path = text_copy(prev->dir)))
        return EMBOLO_ERROR_NOMEM;
    change_set *c = ctx->changes;
    c->has_previous_as_of = prev->has_as_of;
    c->previous_as_of = prev->as_of;
    c->has_cutoff = prev->has_cutoff;
    c->cutoff = prev->cutoff;
    c->study_file_changed = prev->study_file_changed;
    c->procedures_compared = prev->procedures && cur->procedures;
    c->share = cur->share;
    return EMBOLO_OK;
}

static void context_free(compare_context *ctx)
{
    for (size_t r = 0; ctx->prev_keys && r < ctx->n_previous; r++)
        free(ctx->prev_keys[r]);
    free(ctx->prev_keys);
    free(ctx->matched_prev);
    free(ctx->matched_cur);
    free(ctx->prev_matched);
    free(ctx->cur_matched);
    free(ctx->events_previous);
    free(ctx->events_current);
    change_set_free(ctx->changes);
}

embolo_error compare_run(const compare_previous *previous, const compare_current *current, results *results,
                         change_set **changes, char *message, size_t message_size)
{
    compare_context ctx;
    embolo_error err = context_new(&ctx, previous, current, results);
    *changes = NULL;
    if (err == EMBOLO_OK)
        err = compare_records(&ctx);
    if (err == EMBOLO_OK)
        err = compare_procedures(&ctx);
    if (err == EMBOLO_OK)
        err = compare_estimates(&ctx, results);
    if (err == EMBOLO_OK)
        err = sort_items(ctx.changes);
    if (err == EMBOLO_OK)
        err = put_lines(&ctx, results);
    if (err == EMBOLO_OK && current->share)
        change_set_clear_lists(ctx.changes);
    if (err == EMBOLO_OK) {
        *changes = ctx.changes;
        ctx.changes = NULL;
    }
    if (err == EMBOLO_ERROR_NOMEM)
        snprintf(message, message_size, "out of memory while comparing with %s", previous->dir);
    context_free(&ctx);
    return err;
}
