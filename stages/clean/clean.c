#include "clean.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "common/cpus.h"
#include "common/inifile.h"
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
    {"E_BAD_TIME", "the time is missing, negative, not a number, or too large in the study's time unit"},
    {"E_BAD_STATUS", "the status is missing or not one of the event, censor or competing values"},
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

const char *clean_code_at(size_t i)
{
    return i < N_CODES ? clean_codes[i].code : clean_procedure_code_at(i - N_CODES);
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
            for (size_t k = 0; k < ep->n_competing_dates && err == EMBOLO_OK; k++)
                err = columns_add(c, ep->competing_dates[k]);
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

/* The study's own string is found by its address first (columns_add keeps one name per column, so
 * the address match is the only match); other spellings by folded comparison. */
static size_t column_index(const clean_columns *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->names[i] == name)
            return i;
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

/* ---- categorical values that match no level, counted per variable and value ---- */

/* The index of log->unmatched for each key "VARIABLE\x1fVALUE" (open addressing, index + 1). */
typedef struct value_tally {
    char **keys;       /* [n], as log->unmatched */
    size_t n;
    size_t *slots;
    size_t capacity;
} value_tally;

static void value_tally_free(value_tally *tally)
{
    for (size_t i = 0; tally->keys && i < tally->n; i++)
        free(tally->keys[i]);
    free(tally->keys);
    free(tally->slots);
}

static size_t value_tally_find(const value_tally *tally, char *const *keys, const char *key)
{
    size_t mask = tally->capacity - 1, i = (size_t)text_map_hash(key) & mask;
    while (tally->slots[i] && strcmp(keys[tally->slots[i] - 1], key) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Room for one more key: the key array and, at half load, twice the slots. */
static embolo_error value_tally_reserve(value_tally *tally, size_t n)
{
    char **keys = realloc(tally->keys, (n + 1) * sizeof *keys);
    if (!keys)
        return EMBOLO_ERROR_NOMEM;
    tally->keys = keys;
    if ((n + 1) * 2 <= tally->capacity)
        return EMBOLO_OK;
    size_t capacity = tally->capacity ? tally->capacity * 2 : 64;
    value_tally grown = {.keys = keys, .n = n, .slots = calloc(capacity, sizeof *grown.slots), .capacity = capacity};
    if (!grown.slots)
        return EMBOLO_ERROR_NOMEM;
    for (size_t k = 0; k < n; k++)
        grown.slots[value_tally_find(&grown, keys, keys[k])] = k + 1;
    free(tally->slots);
    *tally = grown;
    return EMBOLO_OK;
}

/* ---- one record ---- */

/* Column names whose index a record's cleaning remembers (the endpoints' date, time and status
 * columns and the id: a name of another endpoint is another string, found by folded comparison). */
#define CLEAN_FOUND_COLUMNS 64

typedef struct clean_context {
    const study *s;
    const clean_columns *columns;
    const ingest_table *table;
    int has_as_of;
    long as_of;
    dataset *data;
    exclusion_log *log;
    text_map ids;      /* normalized id -> the record that keeps it */
    value_tally unmatched;
    size_t *variable_column;   /* [n_variables] index among columns: found once, not per cell */
    size_t *date_column;       /* [data->n_dates] likewise */
    char ***level_text;        /* [n_variables][n_levels] each level normalized once (NULL: does not normalize) */
    size_t *date_record;       /* [columns->n] 1 + the record whose valid date in the column is date_day's, or 0:
                                  a date column that several endpoints and patients.csv read is parsed once */
    long *date_day;            /* [columns->n] */
    const char *found_name[CLEAN_FOUND_COLUMNS];  /* column names looked up, by address (the study's strings) */
    size_t found_index[CLEAN_FOUND_COLUMNS];      /* and their column_index */
    size_t n_found;
    unsigned char na_first[256];  /* 1 for the first byte of a missing-value token ('\0' for ""): a value
                                     whose first byte is none of them is not missing, without a compare */
    size_t row_excluded;
    /* With the records split in two ranges (clean_split): 1 for a record whose id an earlier record of
     * its range has (ids_scan), and the ids of the range before (NULL for the first). Without a split
     * duplicate is NULL and the ids are inserted as the records are cleaned. */
    const unsigned char *duplicate;
    const text_map *earlier_ids;
} clean_context;

typedef struct cell {
    const char *bytes;
    size_t length;
    char normalized[CLEAN_MAX_TEXT];
    int valid_text;   /* no NUL, valid UTF-8, fits */
    int absent;       /* an optional column the header lacks (unless filled): missing */
} cell;

static void cell_read_at(const clean_context *ctx, size_t record, size_t column, cell *out)
{
    out->bytes = ingest_value(ctx->table, record, column, &out->length);
    out->valid_text = text_normalize(out->bytes, out->length, out->normalized, sizeof out->normalized);
    out->absent = out->length == 0 && !ingest_column_present(ctx->table, column);
}

/* column_index of a study string, remembered by its address. */
static size_t context_column_index(clean_context *ctx, const char *name)
{
    for (size_t k = 0; k < ctx->n_found; k++)
        if (ctx->found_name[k] == name)
            return ctx->found_index[k];
    size_t index = column_index(ctx->columns, name);
    if (ctx->n_found < CLEAN_FOUND_COLUMNS) {
        ctx->found_name[ctx->n_found] = name;
        ctx->found_index[ctx->n_found++] = index;
    }
    return index;
}

static void cell_read(clean_context *ctx, size_t record, const char *column, cell *out)
{
    cell_read_at(ctx, record, context_column_index(ctx, column), out);
}

/* strcmp(a, b) == 0 for the short texts of a cell, without a library call. */
static int text_same(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* study_is_missing, with the first byte looked up first. */
static int cell_is_missing(const clean_context *ctx, const cell *c)
{
    if (c->absent)
        return 1;
    if (!c->valid_text || !ctx->na_first[(unsigned char)c->normalized[0]])
        return 0;
    for (size_t i = 0; i < ctx->s->n_na_values; i++)
        if (text_same(c->normalized, ctx->s->na_values[i]))
            return 1;
    return 0;
}

#define UNMATCHED_MAX_BYTES 200

/* The value as written for messages: trimmed, at most UNMATCHED_MAX_BYTES (cut at a character),
 * bytes other than printable ASCII shown as '?' unless the value is valid text. */
static size_t display_value(const char *bytes, size_t length, int valid_text, char *out)
{
    while (length > 0 && (*bytes == ' ' || *bytes == '\t')) {
        bytes++;
        length--;
    }
    while (length > 0 && (bytes[length - 1] == ' ' || bytes[length - 1] == '\t' || bytes[length - 1] == '\r'))
        length--;
    if (length > UNMATCHED_MAX_BYTES) {
        length = UNMATCHED_MAX_BYTES;
        while (valid_text && length > 0 && ((unsigned char)bytes[length] & 0xC0) == 0x80)
            length--;
    }
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)bytes[i];
        out[i] = c < 0x20 || c == 0x7f || (!valid_text && c >= 0x80) ? '?' : (char)c;
    }
    out[length] = '\0';
    return length;
}

/* Counts `count` records of an unmatched value under key (shown: its display form) in ctx's tally
 * and log->unmatched, a new key after the others. */
static embolo_error unmatched_count(clean_context *ctx, size_t variable, const char *key, const char *shown,
                                    size_t length, size_t count)
{
    size_t n = ctx->unmatched.n, index;
    embolo_error err = value_tally_reserve(&ctx->unmatched, n);
    if (err != EMBOLO_OK)
        return err;
    size_t slot = value_tally_find(&ctx->unmatched, ctx->unmatched.keys, key);
    if (ctx->unmatched.slots[slot]) {
        ctx->log->unmatched[ctx->unmatched.slots[slot] - 1].count += count;
        return EMBOLO_OK;
    }
    if (!(ctx->unmatched.keys[n] = text_copy(key)))
        return EMBOLO_ERROR_NOMEM;
    ctx->unmatched.n = n + 1;
    err = exclusion_log_add_unmatched(ctx->log, variable, shown, length, &index);
    if (err != EMBOLO_OK)
        return err;
    ctx->unmatched.slots[slot] = index + 1;
    ctx->log->unmatched[index].count = count;
    return EMBOLO_OK;
}

/* Counts one record's value of a categorical variable that matched no level. */
static embolo_error tally_unmatched(clean_context *ctx, size_t variable, const cell *c)
{
    char shown[UNMATCHED_MAX_BYTES + 1], key[CLEAN_MAX_TEXT + 32];
    size_t length = display_value(c->bytes, c->length, c->valid_text, shown);
    /* Values compare as cleaning matches them: normalized; one that is not text by its shown bytes. */
    snprintf(key, sizeof key, "%zu\x1f%s%s", variable, c->valid_text ? "" : "\x01",
             c->valid_text ? c->normalized : shown);
    return unmatched_count(ctx, variable, key, shown, length, 1);
}

/* later's unmatched values counted in first's: in first's order, then later's new ones in theirs (the
 * order of first appearance when later's records follow first's). later's keys are its log's values'. */
static embolo_error unmatched_merge(clean_context *first, const clean_context *later)
{
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < later->log->n_unmatched && err == EMBOLO_OK; i++) {
        const unmatched_value *u = &later->log->unmatched[i];
        err = unmatched_count(first, u->variable, later->unmatched.keys[i], u->value, strlen(u->value), u->count);
    }
    return err;
}

/* The display form of an identifier: trimmed, inner spaces kept. */
static void id_text(clean_context *ctx, size_t record, char *out, size_t size)
{
    if (!ctx->s->id_column) {
        snprintf(out, size, "%zu", record + 1);
        return;
    }
    size_t length;
    const char *bytes = ingest_value(ctx->table, record, context_column_index(ctx, ctx->s->id_column), &length);
    text_display(bytes, length, out, size);
}

static embolo_error log_line(clean_context *ctx, size_t record, const char *id, const char *scope,
                             const char *code, const char *column, const cell *c)
{
    return exclusion_log_add(ctx->log, record + 1, id, scope, code, column, c ? c->bytes : NULL,
                             c ? c->length : 0, clean_code_message(code));
}

/* Matches a categorical value to a level (by name or alias); -1 if none: study_match_level with the
 * levels normalized once. */
static int match_level(const clean_context *ctx, const study_variable *v, const char *normalized)
{
    char **levels = ctx->level_text[v - ctx->s->variables];
    for (size_t i = 0; i < v->n_levels; i++)
        if (levels[i] && text_same(levels[i], normalized))
            return (int)i;
    for (size_t i = 0; i < v->n_aliases; i++)
        if (text_same(v->aliases[i].text, normalized))
            return (int)v->aliases[i].level;
    return -1;
}

static void level_texts_free(const study *s, char ***level_text)
{
    for (size_t v = 0; level_text && v < s->n_variables; v++) {
        for (size_t l = 0; level_text[v] && l < s->variables[v].n_levels; l++)
            free(level_text[v][l]);
        free(level_text[v]);
    }
    free(level_text);
}

/* Every variable's levels normalized as study_match_level normalizes them. */
static embolo_error level_texts_make(const study *s, char ****out)
{
    char ***level_text = calloc(s->n_variables ? s->n_variables : 1, sizeof *level_text);
    *out = level_text;
    if (!level_text)
        return EMBOLO_ERROR_NOMEM;
    for (size_t v = 0; v < s->n_variables; v++) {
        const study_variable *var = &s->variables[v];
        if (!(level_text[v] = calloc(var->n_levels ? var->n_levels : 1, sizeof *level_text[v])))
            return EMBOLO_ERROR_NOMEM;
        for (size_t l = 0; l < var->n_levels; l++) {
            char text[INI_MAX_LINE + 1];
            if (text_normalize(var->levels[l], strlen(var->levels[l]), text, sizeof text) &&
                !(level_text[v][l] = text_copy(text)))
                return EMBOLO_ERROR_NOMEM;
        }
    }
    return EMBOLO_OK;
}

typedef enum value_state { VALUE_OK, VALUE_MISSING, VALUE_INVALID } value_state;

/* The value of v in c: a level index, a number, or for a cut variable 0 / 1 with the number in
 * *number (which is NAN otherwise). */
static value_state variable_parse(const clean_context *ctx, const study_variable *v, const cell *c, double *out,
                                  double *number_out)
{
    *number_out = NAN;
    if (v->type == VARIABLE_CATEGORICAL) {
        int level = c->valid_text ? match_level(ctx, v, c->normalized) : -1;
        if (level >= 0) {
            *out = level;
            return VALUE_OK;
        }
        return cell_is_missing(ctx, c) ? VALUE_MISSING : VALUE_INVALID;
    }
    if (cell_is_missing(ctx, c))
        return VALUE_MISSING;
    double number;
    if (!c->valid_text || !text_parse_number_normalized(c->normalized, &number))
        return VALUE_INVALID;
    if ((v->has_min && number < v->min) || (v->has_max && number > v->max))
        return VALUE_INVALID;
    *out = v->has_cut ? (number > v->cut ? 1.0 : 0.0) : number;
    *number_out = number;
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

/* An outcome with nothing found yet: its fields cleared, the value at fault an empty cell (clearing
 * the cell's whole text buffer for every record and endpoint was 5% of a check run). */
static void outcome_reset(endpoint_outcome *o)
{
    o->code = NULL;
    o->column = NULL;
    o->bad.bytes = NULL;
    o->bad.length = 0;
    o->bad.normalized[0] = '\0';
    o->bad.valid_text = 0;
    o->bad.absent = 0;
    o->time = 0.0;
    o->event = 0;
    o->start_day = o->end_day = 0;
}

static void note_date(clean_context *ctx, long day)
{
    if (!ctx->data->has_newest_date || day > ctx->data->newest_date) {
        ctx->data->newest_date = day;
        ctx->data->has_newest_date = 1;
    }
}

typedef enum date_state { DATE_OK, DATE_MISSING, DATE_BAD } date_state;

/* The date in column index of record. c holds the cell unless the column's date was read for this
 * record before and was valid (DATE_OK without reading the cell again): who needs the cell of a valid
 * date reads it. */
static date_state date_read_at(clean_context *ctx, size_t record, size_t index, cell *c, long *day)
{
    if (ctx->date_record[index] == record + 1) {
        *day = ctx->date_day[index];
        return DATE_OK;
    }
    cell_read_at(ctx, record, index, c);
    if (cell_is_missing(ctx, c))
        return DATE_MISSING;
    if (!c->valid_text || !text_parse_date_normalized(c->normalized, ctx->s->date_format, day))
        return DATE_BAD;
    ctx->date_record[index] = record + 1;
    ctx->date_day[index] = *day;
    return DATE_OK;
}

/* date_read_at by column name; a valid date is noted as a date the analysis reads. */
static date_state date_read(clean_context *ctx, size_t record, const char *column, cell *c, long *day)
{
    date_state state = date_read_at(ctx, record, context_column_index(ctx, column), c, day);
    if (state == DATE_OK)
        note_date(ctx, *day);
    return state;
}

/* Records the fault; returns 0 so that callers can `return outcome_fail(...)`. */
static int outcome_fail(endpoint_outcome *o, const char *code, const char *column, const cell *c)
{
    o->code = code;
    o->column = column;
    o->bad = *c;
    return 0;
}

/* outcome_fail for a valid date at fault (its cell read again: date_read may not have read it). */
static int outcome_fail_date(clean_context *ctx, size_t record, endpoint_outcome *o, const char *code,
                             const char *column)
{
    o->code = code;
    o->column = column;
    cell_read(ctx, record, column, &o->bad);
    return 0;
}

/* The earliest present date of columns (not after the as-of date) into *first, *has; a date after
 * the as-of date sets *later. Returns 0 with o->code set for a bad date or one before the start. */
static int earliest_date(clean_context *ctx, size_t record, char **columns, size_t n_columns, long start,
                         endpoint_outcome *o, long *first, int *has, int *later)
{
    cell c;
    long day;
    for (size_t k = 0; k < n_columns; k++) {
        date_state state = date_read(ctx, record, columns[k], &c, &day);
        if (state == DATE_MISSING)
            continue;
        if (state == DATE_BAD)
            return outcome_fail(o, "E_BAD_DATE", columns[k], &c);
        if (day < start)
            return outcome_fail_date(ctx, record, o, "E_EVENT_BEFORE_START", columns[k]);
        if (ctx->has_as_of && day > ctx->as_of) {
            *later = 1;
            continue;
        }
        if (!*has || day < *first)
            *first = day;
        *has = 1;
    }
    return 1;
}

/* Returns 1 when the endpoint is analysable, 0 with o->code set. An event on the day of the
 * competing event counts as the event (study-file.md, "Round 2 keys"). */
static int endpoint_from_dates(clean_context *ctx, size_t record, const study_endpoint *ep, endpoint_outcome *o)
{
    cell c;
    long start, censor;
    long event_day = 0, competing_day = 0;
    int has_event = 0, has_competing = 0, has_later_event = 0;
    date_state state = date_read(ctx, record, ep->start, &c, &start);
    if (state == DATE_MISSING)
        return outcome_fail(o, "E_MISSING_START", ep->start, &c);
    if (state == DATE_BAD)
        return outcome_fail(o, "E_BAD_DATE", ep->start, &c);
    if (!earliest_date(ctx, record, ep->event_dates, ep->n_event_dates, start, o, &event_day, &has_event,
                       &has_later_event) ||
        !earliest_date(ctx, record, ep->competing_dates, ep->n_competing_dates, start, o, &competing_day,
                       &has_competing, &has_later_event))
        return 0;
    o->start_day = start;
    if (has_event && (!has_competing || event_day <= competing_day)) {
        o->end_day = event_day;
        o->time = (double)(event_day - start) / ctx->s->days_per_unit;
        o->event = 1;
        return 1;
    }
    if (has_competing) {
        o->end_day = competing_day;
        o->time = (double)(competing_day - start) / ctx->s->days_per_unit;
        o->event = 2;
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
        return outcome_fail_date(ctx, record, o, "E_CENSOR_BEFORE_START", ep->censor_date);
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
        if (text_same(items[i], normalized))
            return 1;
    return 0;
}

/* Returns 1 when the endpoint is analysable, 0 with o->code set. Every record's status is tallied
 * (whatever its time), so that event or censor values that match no record can be named. */
static int endpoint_from_time(clean_context *ctx, size_t record, size_t endpoint, endpoint_outcome *o)
{
    const study_endpoint *ep = &ctx->s->endpoints[endpoint];
    endpoint_tally *tally = &ctx->data->tally[endpoint];
    cell time_cell, status_cell;
    double time;
    cell_read(ctx, record, ep->status, &status_cell);
    int is_event = status_cell.valid_text && in_list(ep->event_values, ep->n_event_values, status_cell.normalized);
    int is_censored = status_cell.valid_text &&
                      in_list(ep->censor_values, ep->n_censor_values, status_cell.normalized);
    int is_competing = status_cell.valid_text &&
                       in_list(ep->competing_values, ep->n_competing_values, status_cell.normalized);
    tally->event_values += is_event;
    tally->censor_values += is_censored;
    cell_read(ctx, record, ep->time, &time_cell);
    if (cell_is_missing(ctx, &time_cell) || !time_cell.valid_text ||
        !text_parse_number_normalized(time_cell.normalized, &time) || time < 0)
        return outcome_fail(o, "E_BAD_TIME", ep->time, &time_cell);
    o->time = ep->time_scale > 0 ? time * ep->time_scale / ctx->s->days_per_unit : time;
    if (time == 0)
        o->time = 0.0;
    /* 1e307 years is finite, but not in days. */
    if (!isfinite(o->time))
        return outcome_fail(o, "E_BAD_TIME", ep->time, &time_cell);
    if (!is_event && !is_censored && !is_competing)
        return outcome_fail(o, "E_BAD_STATUS", ep->status, &status_cell);
    o->event = is_event ? 1 : is_competing ? 2 : 0;
    return 1;
}

/* 1 when an earlier record has the (valid, present) id normalized: the first keeps it. */
static int id_seen(clean_context *ctx, size_t record, const char *normalized, embolo_error *err)
{
    if (ctx->duplicate)
        return ctx->duplicate[record] ||
               (ctx->earlier_ids && text_map_find(ctx->earlier_ids, normalized) != TEXT_MAP_NONE);
    size_t kept;
    *err = text_map_insert(&ctx->ids, normalized, record, &kept);
    return kept != record;
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
            duplicate = id_seen(ctx, record, c->normalized, err);
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
            cell_read(ctx, record, ep->start, c);
            *column = ep->start;
            return "E_START_AFTER_AS_OF";
        }
    }
    if (s->id_column) {
        /* c still holds the id unless the dates above were read into it. */
        if (ctx->has_as_of)
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
        int level = c->valid_text ? match_level(ctx, t, c->normalized) : -1;
        if (level < 0 && cell_is_missing(ctx, c))
            return "E_MISSING_TREATMENT";
        if (level < 0)
            return "E_UNKNOWN_TREATMENT";
    }
    *column = NULL;
    return NULL;
}

/* Appends up to 12 levels of v ("F, M") to out at used; returns the new length. */
static size_t append_levels(const study_variable *v, char *out, size_t size, size_t used)
{
    enum { MAX_LISTED = 12 };
    for (size_t l = 0; l < v->n_levels && l < MAX_LISTED && used < size; l++) {
        int n = snprintf(out + used, size - used, "%s%s", l ? ", " : "", v->levels[l]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (v->n_levels > MAX_LISTED && used < size) {
        int n = snprintf(out + used, size - used, ", and %zu more", v->n_levels - MAX_LISTED);
        used += n > 0 ? (size_t)n : 0;
    }
    return used < size ? used : size - 1;
}

/* Why a value of v is invalid, in plain words with what is allowed (exclusions.csv's message). */
static void invalid_value_message(const study_variable *v, const cell *c, char *out, size_t size)
{
    double number;
    size_t used;
    if (!c->valid_text) {
        snprintf(out, size, "the value is not valid text (a NUL byte, invalid UTF-8 or too long) and is treated "
                 "as missing");
    } else if (v->type == VARIABLE_CATEGORICAL) {
        int n = snprintf(out, size, "the value is not a level or alias of %s (levels: ", v->name);
        used = append_levels(v, out, size, n > 0 && (size_t)n < size ? (size_t)n : size - 1);
        snprintf(out + used, size - used, ") and is treated as missing");
    } else if (!text_parse_number(c->bytes, c->length, &number)) {
        snprintf(out, size, "the value is not a number and is treated as missing");
    } else if (v->has_min && v->has_max) {
        snprintf(out, size, "the value is outside the allowed range of %s (%g to %g) and is treated as missing",
                 v->name, v->min, v->max);
    } else {
        snprintf(out, size, "the value is %s the allowed %s of %s (%g) and is treated as missing",
                 v->has_min ? "below" : "above", v->has_min ? "minimum" : "maximum", v->name,
                 v->has_min ? v->min : v->max);
    }
}

static embolo_error record_variables(clean_context *ctx, size_t record, size_t row, const char *id)
{
    const study *s = ctx->s;
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++) {
        cell c;
        double value = NAN, number;
        char message[512];
        cell_read_at(ctx, record, ctx->variable_column[v], &c);
        value_state state = variable_parse(ctx, &s->variables[v], &c, &value, &number);
        dataset_set_value(ctx->data, v, row, state == VALUE_OK ? value : NAN);
        if (ctx->data->cut_number[v])
            ctx->data->cut_number[v][row] = state == VALUE_OK ? number : NAN;
        if (state != VALUE_OK)
            ctx->data->missing[v]++;
        if (state != VALUE_INVALID)
            continue;
        invalid_value_message(&s->variables[v], &c, message, sizeof message);
        err = exclusion_log_add(ctx->log, record + 1, id, "value", "W_INVALID_VALUE", s->variables[v].column, c.bytes,
                                c.length, message);
        if (err == EMBOLO_OK && s->variables[v].type == VARIABLE_CATEGORICAL)
            err = tally_unmatched(ctx, v, &c);
    }
    return err;
}

/* The dates of an analysed row as recorded (patients.csv's date.COLUMN): not noted as the newest date,
 * which only the dates the analysis reads are. */
static void record_dates(clean_context *ctx, size_t record, size_t row)
{
    for (size_t k = 0; k < ctx->data->n_dates; k++) {
        cell c;
        long day;
        int valid = date_read_at(ctx, record, ctx->date_column[k], &c, &day) == DATE_OK;
        ctx->data->date_day[k][row] = (int32_t)(valid ? day : DATASET_NO_DAY);
    }
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
        int unknown_treatment = strcmp(code, "E_UNKNOWN_TREATMENT") == 0;
        ctx->row_excluded++;
        err = log_line(ctx, record, id, "row", code, column, column ? &c : NULL);
        if (err == EMBOLO_OK && unknown_treatment)
            err = tally_unmatched(ctx, (size_t)s->treatment, &c);
        return err;
    }
    for (size_t e = 0; e < s->n_endpoints; e++) {
        endpoint_outcome *o = &outcomes[e];
        outcome_reset(o);
        if (s->endpoints[e].form == ENDPOINT_DATES)
            endpoint_from_dates(ctx, record, &s->endpoints[e], o);
        else
            endpoint_from_time(ctx, record, e, o);
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
        ctx->data->start_day[e][row] = (int32_t)(dated ? o->start_day : DATASET_NO_DAY);
        ctx->data->end_day[e][row] = (int32_t)(dated ? o->end_day : DATASET_NO_DAY);
        ctx->data->tally[e].analysed += !o->code;
        ctx->data->tally[e].events += !o->code && o->event == 1;
        if (o->code)
            err = log_line(ctx, record, id, s->endpoints[e].name, o->code, o->column, &o->bad);
    }
    if (err == EMBOLO_OK)
        err = record_variables(ctx, record, row, id);
    if (err != EMBOLO_OK)
        return err;
    record_dates(ctx, record, row);
    err = dataset_set_id(ctx->data, row, id, strlen(id));
    if (err != EMBOLO_OK)
        return err;
    ctx->data->record[row] = record + 1;
    ctx->data->n++;
    return EMBOLO_OK;
}

/* ---- the run ---- */

static void context_free(clean_context *ctx)
{
    text_map_free(&ctx->ids);
    free(ctx->variable_column);
    free(ctx->date_column);
    free(ctx->date_record);
    free(ctx->date_day);
    level_texts_free(ctx->s, ctx->level_text);
    value_tally_free(&ctx->unmatched);
    dataset_free(ctx->data);
    exclusion_log_free(ctx->log);
}

/* A context for cleaning n_records records (its log, id map and per-column scratch) into data, which
 * it then owns (NULL: a dataset of its own). */
static embolo_error context_init(clean_context *ctx, const study *s, const clean_columns *columns,
                                 const ingest_table *table, const clean_options *options, size_t n_records,
                                 dataset *data)
{
    *ctx = (clean_context){.s = s, .columns = columns, .table = table, .data = data};
    ctx->has_as_of = options && options->has_as_of ? 1 : s->has_as_of;
    ctx->as_of = options && options->has_as_of ? options->as_of : s->as_of;
    ctx->log = exclusion_log_new();
    ctx->variable_column = malloc((s->n_variables ? s->n_variables : 1) * sizeof *ctx->variable_column);
    ctx->date_record = calloc(columns->n ? columns->n : 1, sizeof *ctx->date_record);
    ctx->date_day = malloc((columns->n ? columns->n : 1) * sizeof *ctx->date_day);
    if (!ctx->log || !ctx->variable_column || !ctx->date_record || !ctx->date_day ||
        text_map_init(&ctx->ids, n_records) != EMBOLO_OK || (!ctx->data && dataset_new(s, n_records, &ctx->data) != EMBOLO_OK) ||
        level_texts_make(s, &ctx->level_text) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    for (size_t v = 0; v < s->n_variables; v++)
        ctx->variable_column[v] = column_index(columns, s->variables[v].column);
    for (size_t k = 0; k < s->n_na_values; k++)
        ctx->na_first[(unsigned char)s->na_values[k][0]] = 1;
    if (!(ctx->date_column = malloc((ctx->data->n_dates ? ctx->data->n_dates : 1) * sizeof *ctx->date_column)))
        return EMBOLO_ERROR_NOMEM;
    for (size_t k = 0; k < ctx->data->n_dates; k++)
        ctx->date_column[k] = column_index(columns, ctx->data->date_column[k]);
    ctx->data->rows_read = n_records;
    return EMBOLO_OK;
}

static embolo_error clean_records(clean_context *ctx, size_t begin, size_t end)
{
    embolo_error err = EMBOLO_OK;
    for (size_t r = begin; r < end && err == EMBOLO_OK; r++)
        err = clean_record(ctx, r);
    return err;
}

/* The id map of records [begin, end) as row_check builds it (every record not malformed with a valid,
 * present id, whatever else excludes it), and duplicate[r] = 1 for a record whose id one before it in
 * the range has. */
static embolo_error ids_scan(clean_context *ctx, size_t begin, size_t end, unsigned char *duplicate)
{
    for (size_t r = begin; ctx->s->id_column && r < end; r++) {
        cell c;
        size_t kept;
        if (ingest_record_malformed(ctx->table, r))
            continue;
        cell_read(ctx, r, ctx->s->id_column, &c);
        if (cell_is_missing(ctx, &c) || !c.valid_text)
            continue;
        if (text_map_insert(&ctx->ids, c.normalized, r, &kept) != EMBOLO_OK)
            return EMBOLO_ERROR_NOMEM;
        duplicate[r] = kept != r;
    }
    return EMBOLO_OK;
}

/* One of the two ranges of a split run, on a cache line of its own (the other thread's part is not
 * written where this one reads). */
typedef struct clean_part {
    _Alignas(64) clean_context ctx;
    const study *s;
    const clean_columns *columns;
    const ingest_table *table;
    const clean_options *options;
    dataset *whole;             /* the first part's dataset, with room for every record: the second's is a window on it */
    size_t begin, end;
    unsigned char *duplicate;   /* [records], shared: each part writes its range's */
    embolo_error err;
} clean_part;

/* The part's context made on its own thread, so that what each thread writes for every record (its
 * tallies, date caches, counts) is in memory of its own, then its ids mapped. The first part cleans
 * into the whole dataset, the second into a window on its rows from the second's first record. */
static void *part_scan_ids(void *arg)
{
    clean_part *part = arg;
    dataset *data = part->whole;
    part->err = part->begin ? dataset_window_new(part->whole, part->begin, &data) : EMBOLO_OK;
    if (part->err == EMBOLO_OK)
        part->err = context_init(&part->ctx, part->s, part->columns, part->table, part->options,
                                 part->end - part->begin, data);
    if (part->err == EMBOLO_OK)
        part->err = ids_scan(&part->ctx, part->begin, part->end, part->duplicate);
    return NULL;
}

static void *part_clean(void *arg)
{
    clean_part *part = arg;
    part->err = clean_records(&part->ctx, part->begin, part->end);
    return NULL;
}

/* work on parts[1] on a thread of its own (on this one if none can be started) and on parts[0] here. */
static embolo_error parts_run(clean_part *parts, void *(*work)(void *))
{
    pthread_t thread;
    int started = pthread_create(&thread, NULL, work, &parts[1]) == 0;
    work(&parts[0]);
    if (started)
        pthread_join(thread, NULL);
    else
        work(&parts[1]);
    return parts[0].err != EMBOLO_OK ? parts[0].err : parts[1].err;
}

/* The two halves at once: the ids of each half mapped, then each half cleaned into its own context
 * (a record's id a duplicate when its half has it earlier or the first half has it at all; the second
 * half's rows where the dataset has room for them after the first half's), then the second half's
 * rows moved to follow the first's and its log lines, unmatched values and counts appended. */
static embolo_error clean_split(const study *s, const clean_columns *columns, const ingest_table *table,
                                const clean_options *options, size_t n_records, clean_context *out)
{
    clean_part parts[2];
    unsigned char *duplicate = calloc(n_records, 1);
    dataset *whole = NULL;
    embolo_error err = duplicate && dataset_new(s, n_records, &whole) == EMBOLO_OK ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t k = 0; k < 2; k++)
        parts[k] = (clean_part){.ctx = {.s = s}, .s = s, .columns = columns, .table = table, .options = options,
                                .whole = whole, .begin = k ? n_records / 2 : 0, .end = k ? n_records : n_records / 2,
                                .duplicate = duplicate};
    if (err == EMBOLO_OK)
        err = parts_run(parts, part_scan_ids);
    else
        dataset_free(whole);
    parts[0].ctx.duplicate = parts[1].ctx.duplicate = duplicate;
    parts[1].ctx.earlier_ids = &parts[0].ctx.ids;
    if (err == EMBOLO_OK)
        err = parts_run(parts, part_clean);
    if (err == EMBOLO_OK)
        err = dataset_window_join(parts[0].ctx.data, parts[1].ctx.data);
    if (err == EMBOLO_OK)
        err = exclusion_log_append(parts[0].ctx.log, parts[1].ctx.log);
    if (err == EMBOLO_OK)
        err = unmatched_merge(&parts[0].ctx, &parts[1].ctx);
    parts[0].ctx.row_excluded += parts[1].ctx.row_excluded;
    *out = parts[0].ctx;
    context_free(&parts[1].ctx);
    free(duplicate);
    return err;
}

embolo_error clean_run(const study *s, const clean_columns *columns, const ingest_table *table,
                       const clean_options *options, dataset **data, exclusion_log **log,
                       char *message, size_t message_size)
{
    embolo_error err = EMBOLO_OK;
    size_t n_records = ingest_record_count(table);
    size_t threads = options && options->threads ? options->threads : cpus_online();
    clean_context ctx = {.s = s};
    *data = NULL;
    *log = NULL;
    if (s->n_endpoints > 64) {
        snprintf(message, message_size, "%s: more than 64 endpoints", s->path);
        return EMBOLO_ERROR_STUDY;
    }
    if (threads >= 2 && n_records >= CLEAN_SPLIT_MIN_RECORDS) {
        err = clean_split(s, columns, table, options, n_records, &ctx);
    } else {
        err = context_init(&ctx, s, columns, table, options, n_records, NULL);
        if (err == EMBOLO_OK)
            err = clean_records(&ctx, 0, n_records);
    }
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
    context_free(&ctx);
    return err;
}

/* ---- warnings ---- */

static const char *variable_title(const study_variable *v)
{
    return v->label && v->label[0] ? v->label : v->name;
}

/* The most frequent first; equal counts in order of first appearance (their order in the log). */
static int unmatched_compare(const void *a, const void *b)
{
    const unmatched_value *x = *(const unmatched_value *const *)a, *y = *(const unmatched_value *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x < y ? -1 : x > y;
}

static embolo_error warn_unmatched_variable(const study *s, size_t variable, const exclusion_log *log,
                                            results *out)
{
    const study_variable *v = &s->variables[variable];
    int is_treatment = (int)variable == s->treatment;
    const char *consequence = is_treatment ? "excluded (E_UNKNOWN_TREATMENT)" : "treated as missing (W_INVALID_VALUE)";
    size_t n = 0, rest_values = 0, rest_rows = 0;
    embolo_error err = EMBOLO_OK;
    char levels[512];
    const unmatched_value **values = malloc((log->n_unmatched ? log->n_unmatched : 1) * sizeof *values);
    if (!values)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < log->n_unmatched; i++)
        if (log->unmatched[i].variable == variable)
            values[n++] = &log->unmatched[i];
    qsort((void *)values, n, sizeof *values, unmatched_compare);
    append_levels(v, levels, sizeof levels, 0);
    for (size_t i = 0; i < n && err == EMBOLO_OK; i++) {
        if (i >= CLEAN_MAX_LISTED_VALUES) {
            rest_values++;
            rest_rows += values[i]->count;
            continue;
        }
        int one = values[i]->count == 1;
        err = results_warn_quoting(out, values[i]->value, "%s: %zu %s '%s', which is not a level (levels: %s); %s %s",
                                   variable_title(v), values[i]->count, one ? "row has" : "rows have", values[i]->value,
                                   levels,
                                   is_treatment ? (one ? "the row is" : "the rows are")
                                                : (one ? "the value is" : "the values are"),
                                   consequence);
    }
    if (err == EMBOLO_OK && rest_values > 0)
        err = results_warn(out, "%s: and %zu more %s that %s not a level, in %zu %s (exclusions.csv lists them); "
                           "%s", variable_title(v), rest_values, rest_values == 1 ? "value" : "values",
                           rest_values == 1 ? "is" : "are", rest_rows, rest_rows == 1 ? "row" : "rows", consequence);
    free((void *)values);
    return err;
}

/* "1, dead" */
static void join_values(char *const *items, size_t n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int written = snprintf(out + used, size - used, "%s%s", i ? ", " : "", items[i]);
        used += written > 0 ? (size_t)written : 0;
    }
}

static embolo_error warn_endpoint(const study_endpoint *ep, const endpoint_tally *tally, results *out)
{
    char values[256];
    embolo_error err = EMBOLO_OK;
    result_subject about = {.endpoint = ep->name};
    if (ep->form == ENDPOINT_TIME_STATUS && tally->event_values == 0) {
        join_values(ep->event_values, ep->n_event_values, values, sizeof values);
        return results_warn_about(out, about, "no record has one of the event values (%s) in the column '%s': the "
                                  "endpoint has no events", values, ep->status);
    }
    if (ep->form == ENDPOINT_TIME_STATUS && tally->censor_values == 0) {
        join_values(ep->censor_values, ep->n_censor_values, values, sizeof values);
        err = results_warn_about(out, about, "no record has one of the censor values (%s) in the column '%s': no "
                                 "patient is censored", values, ep->status);
    }
    if (err == EMBOLO_OK && tally->analysed > 0 && tally->events == 0)
        err = results_warn_about(out, about, "no events among its %zu analysed rows: no median, survival differences "
                                 "or hazard ratios can be estimated", tally->analysed);
    return err;
}

embolo_error clean_warn(const study *s, const dataset *data, const exclusion_log *log, results *out)
{
    embolo_error err = EMBOLO_OK;
    for (size_t v = 0; v < s->n_variables && err == EMBOLO_OK; v++)
        err = warn_unmatched_variable(s, v, log, out);
    for (size_t e = 0; e < s->n_endpoints && err == EMBOLO_OK; e++)
        err = warn_endpoint(&s->endpoints[e], &data->tally[e], out);
    return err;
}
