#include "clean.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/textmap.h"

#define CLEAN_MAX_TEXT 4096

/* The verdict codes in the order of study-file.md: where several apply, the first wins. */
static const struct {
    const char *code;
    const char *message;
} clean_codes[] = {
    {"E_MALFORMED_ROW", "the record has a different number of fields than the header"},
    {"E_START_AFTER_AS_OF", "the start date is after the as-of date (not yet part of this report)"},
    {"E_MISSING_ID", "the patient identifier is missing"},
    {"E_DUPLICATE_ID", "the patient identifier was seen in an earlier record, which is kept"},
    {"E_MISSING_TREATMENT", "the treatment is missing"},
    {"E_UNKNOWN_TREATMENT", "the treatment is not a known level or alias"},
    {"E_MISSING_START", "the start date is missing"},
    {"E_BAD_DATE", "a date is not a valid calendar date"},
    {"E_EVENT_BEFORE_START", "the event date is before the start date"},
    {"E_CENSOR_BEFORE_START", "there is no event and the censor date is before the start date"},
    {"E_NO_FOLLOWUP", "there is no event date and no censor date"},
    {"E_BAD_TIME", "the time is missing, negative or not a number"},
    {"E_BAD_STATUS", "the status is missing or not one of the event or censor values"},
    {"W_INVALID_VALUE", "the value is invalid and treated as missing"},
};

#define N_CODES (sizeof clean_codes / sizeof clean_codes[0])

const char *clean_code_message(const char *code)
{
    for (size_t i = 0; i < N_CODES; i++)
        if (strcmp(clean_codes[i].code, code) == 0)
            return clean_codes[i].message;
    return clean_procedure_code_message(code);
}

static size_t code_rank(const char *code)
{
    for (size_t i = 0; i < N_CODES; i++)
        if (strcmp(clean_codes[i].code, code) == 0)
            return i;
    return N_CODES;
}

/* ---- columns ---- */

static embolo_error columns_add(clean_columns *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (text_equal_folded(c->names[i], name))
            return EMBOLO_OK;
    const char **grown = realloc((void *)c->names, (c->n + 1) * sizeof *grown);
    if (!grown)
        return EMBOLO_ERROR_NOMEM;
    c->names = grown;
    c->names[c->n++] = name;
    return EMBOLO_OK;
}

/* Every column required; frees c on failure. */
static embolo_error columns_finish(clean_columns *c, embolo_error err, clean_columns **out)
{
    if (err == EMBOLO_OK && !(c->optional = calloc(c->n ? c->n : 1, 1)))
        err = EMBOLO_ERROR_NOMEM;
    if (err != EMBOLO_OK) {
        clean_columns_free(c);
        return err;
    }
    *out = c;
    return EMBOLO_OK;
}

embolo_error clean_columns_new(const study *s, clean_columns **out)
{
    embolo_error err = EMBOLO_OK;
    clean_columns *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return EMBOLO_ERROR_NOMEM;
    if (s->id_column)
        err = columns_add(c, s->id_column);
    for (size_t e = 0; e < s->n_endpoints && err == EMBOLO_OK; e++) {
        const study_endpoint *ep = &s->endpoints[e];
        if (ep->form == ENDPOINT_DATES) {
            err = columns_add(c, ep->start);
            for (size_t k = 0; k < ep->n_event_dates && err == EMBOLO_OK; k++)
                err = columns_add(c, ep->event_dates[k]);
            if (err == EMBOLO_OK)
                err = columns_add(c, ep->censor_date);
        } else {
            err = columns_add(c, ep->time);
            if (err == EMBOLO_OK)
                err = columns_add(c, ep->status);
        }
    }
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++)
        err = columns_add(c, s->variables[v].column);
    return columns_finish(c, err, out);
}

void clean_columns_free(clean_columns *columns)
{
    if (!columns)
        return;
    free((void *)columns->names);
    free(columns->optional);
    free(columns);
}

static size_t column_index(const clean_columns *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (text_equal_folded(c->names[i], name))
            return i;
    return 0;
}

void clean_columns_allow_index_fill(clean_columns *columns, const study *s)
{
    if (!s->procedures.present)
        return;
    columns->optional[column_index(columns, s->procedures.start)] = 1;
    columns->optional[column_index(columns, s->variables[s->treatment].column)] = 1;
}

embolo_error clean_procedure_columns_new(const study *s, clean_columns **out)
{
    const study_procedures *p = &s->procedures;
    const char *names[] = {p->id, p->date, p->modality, p->ae_grade, p->ae_term, p->technical_success,
                           p->activity_gbq, p->operator};
    embolo_error err = EMBOLO_OK;
    clean_columns *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && err == EMBOLO_OK; i++)
        if (names[i])
            err = columns_add(c, names[i]);
    return columns_finish(c, err, out);
}

/* ---- one record ---- */

typedef struct clean_context {
    const study *s;
    const clean_columns *columns;
    const ingest_table *table;
    int has_as_of;
    long as_of;
    dataset *data;
    exclusion_log *log;
    text_map ids;      /* normalized id -> the record that keeps it */
    size_t row_excluded;
} clean_context;

typedef struct cell {
    const char *bytes;
    size_t length;
    char normalized[CLEAN_MAX_TEXT];
    int valid_text;   /* no NUL, valid UTF-8, fits */
    int absent;       /* an optional column the header lacks (unless filled): missing */
} cell;

static void cell_read(const clean_context *ctx, size_t record, const char *column, cell *out)
{
    size_t index = column_index(ctx->columns, column);
    out->bytes = ingest_value(ctx->table, record, index, &out->length);
    out->valid_text = text_normalize(out->bytes, out->length, out->normalized, sizeof out->normalized);
    out->absent = out->length == 0 && !ingest_column_present(ctx->table, index);
}

static int cell_is_missing(const clean_context *ctx, const cell *c)
{
    return c->absent || (c->valid_text && study_is_missing(ctx->s, c->normalized));
}

/* The display form of an identifier: trimmed, inner spaces kept. */
static void id_text(const clean_context *ctx, size_t record, char *out, size_t size)
{
    if (!ctx->s->id_column) {
        snprintf(out, size, "%zu", record + 1);
        return;
    }
    size_t length;
    const char *bytes = ingest_value(ctx->table, record, column_index(ctx->columns, ctx->s->id_column), &length);
    text_display(bytes, length, out, size);
}

static embolo_error log_line(clean_context *ctx, size_t record, const char *id, const char *scope,
                             const char *code, const char *column, const cell *c)
{
    return exclusion_log_add(ctx->log, record + 1, id, scope, code, column, c ? c->bytes : NULL,
                             c ? c->length : 0, clean_code_message(code));
}

/* Matches a categorical value to a level (by name or alias); -1 if none. */
static int match_level(const study_variable *v, const char *normalized)
{
    return study_match_level(v, normalized);
}

typedef enum value_state { VALUE_OK, VALUE_MISSING, VALUE_INVALID } value_state;

static value_state variable_parse(const clean_context *ctx, const study_variable *v, const cell *c, double *out)
{
    if (v->type == VARIABLE_CATEGORICAL) {
        int level = c->valid_text ? match_level(v, c->normalized) : -1;
        if (level >= 0) {
            *out = level;
            return VALUE_OK;
        }
        return cell_is_missing(ctx, c) ? VALUE_MISSING : VALUE_INVALID;
    }
    if (cell_is_missing(ctx, c))
        return VALUE_MISSING;
    double number;
    if (!c->valid_text || !text_parse_number(c->bytes, c->length, &number))
        return VALUE_INVALID;
    if ((v->has_min && number < v->min) || (v->has_max && number > v->max))
        return VALUE_INVALID;
    *out = v->has_cut ? (number > v->cut ? 1.0 : 0.0) : number;
    return VALUE_OK;
}

/* The outcome of one endpoint for one record. */
typedef struct endpoint_outcome {
    const char *code;        /* NULL when analysable */
    const char *column;
    cell bad;                /* the value at fault */
    double time;
    int event;
    long start_day, end_day;  /* DATASET_NO_DAY for time/status */
} endpoint_outcome;

static void note_date(clean_context *ctx, long day)
{
    if (!ctx->data->has_newest_date || day > ctx->data->newest_date) {
        ctx->data->newest_date = day;
        ctx->data->has_newest_date = 1;
    }
}

typedef enum date_state { DATE_OK, DATE_MISSING, DATE_BAD } date_state;

static date_state date_read(clean_context *ctx, size_t record, const char *column, cell *c, long *day)
{
    cell_read(ctx, record, column, c);
    if (cell_is_missing(ctx, c))
        return DATE_MISSING;
    if (!c->valid_text || !text_parse_date(c->bytes, c->length, ctx->s->date_format, day))
        return DATE_BAD;
    note_date(ctx, *day);
    return DATE_OK;
}

/* Records the fault; returns 0 so that callers can `return outcome_fail(...)`. */
static int outcome_fail(endpoint_outcome *o, const char *code, const char *column, const cell *c)
{
    o->code = code;
    o->column = column;
    o->bad = *c;
    return 0;
}

/* Returns 1 when the endpoint is analysable, 0 with o->code set. */
static int endpoint_from_dates(clean_context *ctx, size_t record, const study_endpoint *ep, endpoint_outcome *o)
{
    cell c;
    long start, day, censor;
    long event_day = 0;
    int has_event = 0, has_later_event = 0;
    date_state state = date_read(ctx, record, ep->start, &c, &start);
    if (state == DATE_MISSING)
        return outcome_fail(o, "E_MISSING_START", ep->start, &c);
    if (state == DATE_BAD)
        return outcome_fail(o, "E_BAD_DATE", ep->start, &c);
    for (size_t k = 0; k < ep->n_event_dates; k++) {
        state = date_read(ctx, record, ep->event_dates[k], &c, &day);
        if (state == DATE_MISSING)
            continue;
        if (state == DATE_BAD)
            return outcome_fail(o, "E_BAD_DATE", ep->event_dates[k], &c);
        if (day < start)
            return outcome_fail(o, "E_EVENT_BEFORE_START", ep->event_dates[k], &c);
        if (ctx->has_as_of && day > ctx->as_of) {
            has_later_event = 1;
            continue;
        }
        if (!has_event || day < event_day)
            event_day = day;
        has_event = 1;
    }
    o->start_day = start;
    if (has_event) {
        o->end_day = event_day;
        o->time = (double)(event_day - start) / ctx->s->days_per_unit;
        o->event = 1;
        return 1;
    }
    if (has_later_event) {
        o->end_day = ctx->as_of;
        o->time = (double)(ctx->as_of - start) / ctx->s->days_per_unit;
        o->event = 0;
        return 1;
    }
    state = date_read(ctx, record, ep->censor_date, &c, &censor);
    if (state == DATE_MISSING)
        return outcome_fail(o, "E_NO_FOLLOWUP", ep->censor_date, &c);
    if (state == DATE_BAD)
        return outcome_fail(o, "E_BAD_DATE", ep->censor_date, &c);
    if (censor < start)
        return outcome_fail(o, "E_CENSOR_BEFORE_START", ep->censor_date, &c);
    if (ctx->has_as_of && censor > ctx->as_of)
        censor = ctx->as_of;
    o->end_day = censor;
    o->time = (double)(censor - start) / ctx->s->days_per_unit;
    o->event = 0;
    return 1;
}

static int in_list(char **items, size_t n, const char *normalized)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], normalized) == 0)
            return 1;
    return 0;
}

/* Returns 1 when the endpoint is analysable, 0 with o->code set. */
static int endpoint_from_time(clean_context *ctx, size_t record, const study_endpoint *ep, endpoint_outcome *o)
{
    cell c;
    double time;
    cell_read(ctx, record, ep->time, &c);
    if (cell_is_missing(ctx, &c) || !c.valid_text || !text_parse_number(c.bytes, c.length, &time) || time < 0)
        return outcome_fail(o, "E_BAD_TIME", ep->time, &c);
    cell_read(ctx, record, ep->status, &c);
    if (c.valid_text && in_list(ep->event_values, ep->n_event_values, c.normalized))
        o->event = 1;
    else if (c.valid_text && in_list(ep->censor_values, ep->n_censor_values, c.normalized))
        o->event = 0;
    else
        return outcome_fail(o, "E_BAD_STATUS", ep->status, &c);
    o->time = ep->time_scale > 0 ? time * ep->time_scale / ctx->s->days_per_unit : time;
    if (time == 0)
        o->time = 0.0;
    return 1;
}

/* Row-scope checks before the endpoints; returns the code or NULL. */
static const char *row_check(clean_context *ctx, size_t record, const char **column, cell *c,
                             embolo_error *err)
{
    const study *s = ctx->s;
    int duplicate = 0;
    *column = NULL;
    if (ingest_record_malformed(ctx->table, record))
        return "E_MALFORMED_ROW";
    if (s->id_column) {
        cell_read(ctx, record, s->id_column, c);
        if (!cell_is_missing(ctx, c) && c->valid_text) {
            size_t kept;
            *err = text_map_insert(&ctx->ids, c->normalized, record, &kept);
            duplicate = kept != record;
            if (*err != EMBOLO_OK)
                return NULL;
        }
    }
    for (size_t e = 0; ctx->has_as_of && e < s->n_endpoints; e++) {
        long start;
        const study_endpoint *ep = &s->endpoints[e];
        if (ep->form != ENDPOINT_DATES)
            continue;
        if (date_read(ctx, record, ep->start, c, &start) == DATE_OK && start > ctx->as_of) {
            *column = ep->start;
            return "E_START_AFTER_AS_OF";
        }
    }
    if (s->id_column) {
        cell_read(ctx, record, s->id_column, c);
        *column = s->id_column;
        if (cell_is_missing(ctx, c))
            return "E_MISSING_ID";
        if (duplicate)
            return "E_DUPLICATE_ID";
    }
    if (s->treatment >= 0) {
        const study_variable *t = &s->variables[s->treatment];
        cell_read(ctx, record, t->column, c);
        *column = t->column;
        int level = c->valid_text ? match_level(t, c->normalized) : -1;
        if (level < 0 && cell_is_missing(ctx, c))
            return "E_MISSING_TREATMENT";
        if (level < 0)
            return "E_UNKNOWN_TREATMENT";
    }
    *column = NULL;
    return NULL;
}

static embolo_error record_variables(clean_context *ctx, size_t record, size_t row, const char *id)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++) {
        cell c;
        double value = NAN;
        cell_read(ctx, record, s->variables[v].column, &c);
        value_state state = variable_parse(ctx, &s->variables[v], &c, &value);
        ctx->data->value[v][row] = state == VALUE_OK ? value : NAN;
        if (state != VALUE_OK)
            ctx->data->missing[v]++;
        if (state == VALUE_INVALID)
            err = log_line(ctx, record, id, "value", "W_INVALID_VALUE", s->variables[v].column, &c);
    }
    return err;
}

static embolo_error clean_record(clean_context *ctx, size_t record)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    char id[CLEAN_MAX_TEXT];
    cell c;
    const char *column;
    endpoint_outcome outcomes[64];
    size_t n_failed = 0, worst = 0;
    id_text(ctx, record, id, sizeof id);
    const char *code = row_check(ctx, record, &column, &c, &err);
    if (err != EMBOLO_OK)
        return err;
    if (code) {
        ctx->row_excluded++;
        return log_line(ctx, record, id, "row", code, column, column ? &c : NULL);
    }
    for (size_t e = 0; e < s->n_endpoints; e++) {
        endpoint_outcome *o = &outcomes[e];
        memset(o, 0, sizeof *o);
        if (s->endpoints[e].form == ENDPOINT_DATES)
            endpoint_from_dates(ctx, record, &s->endpoints[e], o);
        else
            endpoint_from_time(ctx, record, &s->endpoints[e], o);
        if (o->code) {
            if (n_failed == 0 || code_rank(o->code) < code_rank(outcomes[worst].code))
                worst = e;
            n_failed++;
        }
    }
    if (n_failed == s->n_endpoints) {
        endpoint_outcome *o = &outcomes[worst];
        ctx->row_excluded++;
        return log_line(ctx, record, id, "row", o->code, o->column, &o->bad);
    }
    size_t row = ctx->data->n;
    for (size_t e = 0; e < s->n_endpoints && err == EMBOLO_OK; e++) {
        endpoint_outcome *o = &outcomes[e];
        ctx->data->time[e][row] = o->code ? NAN : o->time;
        ctx->data->event[e][row] = o->code ? -1 : o->event;
        int dated = !o->code && s->endpoints[e].form == ENDPOINT_DATES;
        ctx->data->start_day[e][row] = dated ? o->start_day : DATASET_NO_DAY;
        ctx->data->end_day[e][row] = dated ? o->end_day : DATASET_NO_DAY;
        if (o->code)
            err = log_line(ctx, record, id, s->endpoints[e].name, o->code, o->column, &o->bad);
    }
    if (err == EMBOLO_OK)
        err = record_variables(ctx, record, row, id);
    if (err != EMBOLO_OK)
        return err;
    size_t id_length = strlen(id);
    if (!(ctx->data->id[row] = malloc(id_length + 1)))
        return EMBOLO_ERROR_NOMEM;
    memcpy(ctx->data->id[row], id, id_length + 1);
    ctx->data->record[row] = record + 1;
    ctx->data->n++;
    return EMBOLO_OK;
}

embolo_error clean_run(const study *s, const clean_columns *columns, const ingest_table *table,
                       const clean_options *options, dataset **data, exclusion_log **log,
                       char *message, size_t message_size)
{
    embolo_error err = EMBOLO_OK;
    size_t n_records = ingest_record_count(table);
    clean_context ctx = {.s = s, .columns = columns, .table = table};
    *data = NULL;
    *log = NULL;
    if (s->n_endpoints > 64) {
        snprintf(message, message_size, "%s: more than 64 endpoints", s->path);
        return EMBOLO_ERROR_STUDY;
    }
    ctx.has_as_of = options && options->has_as_of ? 1 : s->has_as_of;
    ctx.as_of = options && options->has_as_of ? options->as_of : s->as_of;
    ctx.log = exclusion_log_new();
    if (!ctx.log || text_map_init(&ctx.ids, n_records) != EMBOLO_OK ||
        dataset_new(s, n_records, &ctx.data) != EMBOLO_OK) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    ctx.data->rows_read = n_records;
    for (size_t r = 0; r < n_records && err == EMBOLO_OK; r++)
        err = clean_record(&ctx, r);
    if (err != EMBOLO_OK)
        goto cleanup;
    if (ctx.data->n + ctx.row_excluded != n_records) {
        snprintf(message, message_size, "internal error: %zu rows read but %zu analysed and %zu excluded",
                 n_records, ctx.data->n, ctx.row_excluded);
        err = EMBOLO_ERROR_INTERNAL;
        goto cleanup;
    }
    *data = ctx.data;
    *log = ctx.log;
    ctx.data = NULL;
    ctx.log = NULL;
cleanup:
    if (err == EMBOLO_ERROR_NOMEM)
        snprintf(message, message_size, "out of memory while cleaning the data");
    text_map_free(&ctx.ids);
    dataset_free(ctx.data);
    exclusion_log_free(ctx.log);
    return err;
}
