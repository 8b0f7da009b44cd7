/* Loading the earlier output set of --previous: its manifest.json checked with cJSON, its CSV files
 * read through the ingest stage's reader (libcsv). */
#include "compare_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/text.h"

#define MANIFEST_MAX ((size_t)64 << 20)

/* ---- cells ---- */

void compare_cell(const ingest_table *table, size_t record, size_t column, char *out, size_t size)
{
    size_t length;
    const char *bytes = ingest_value(table, record, column, &length);
    size_t skip = length >= 2 && bytes[0] == '\'' && bytes[1] && memchr("=+-@\t\r", bytes[1], 6) ? 1 : 0;
    length -= skip;
    if (length >= size)
        length = size - 1;
    memcpy(out, bytes + skip, length);
    out[length] = '\0';
}

void compare_id_key(const char *id, char *out, size_t size)
{
    if (!text_normalize(id, strlen(id), out, size))
        snprintf(out, size, "%s", id);
}

void compare_number_text(double value, char *out, size_t size)
{
    if (isnan(value) || isinf(value))
        snprintf(out, size, "NA");
    else
        snprintf(out, size, "%.12g", value == 0 ? 0.0 : value);
}

int compare_parse_day(const char *text, long *day)
{
    return text_parse_date(text, strlen(text), DATE_FORMAT_ISO, day);
}

/* A name as patients.csv writes it in its header (files.c): PREFIX NAME SUFFIX, with the formula guard
 * when it is not plain letters, digits, '_' and '.' and begins with one of = + - @ tab CR. */
static char *written_name(const char *prefix, const char *name, const char *suffix)
{
    char text[COMPARE_MAX_TEXT];
    double number;
    int n = snprintf(text, sizeof text, "%s%s%s", prefix, name, suffix);
    size_t length = n > 0 ? strlen(text) : 0;
    int guard = length > 0 && memchr("=+-@\t\r", text[0], 6) && !text_parse_number(text, length, &number);
    char *out = malloc(length + 2);
    if (out)
        snprintf(out, length + 2, "%s%s", guard ? "'" : "", text);
    return out;
}

/* ---- the manifest ---- */

typedef struct load_state {
    const char *dir;
    const compare_this_run *run;
    results *warnings;
    compare_previous *prev;
    char *message;
    size_t message_size;
} load_state;

/* Fails with "DIR: " and the printf-style reason. */
static embolo_error load_fail(load_state *st, embolo_error err, const char *format, ...)
{
    va_list args;
    int used = snprintf(st->message, st->message_size, "%s: ", st->dir);
    if (used < 0 || (size_t)used >= st->message_size)
        return err;
    va_start(args, format);
    vsnprintf(st->message + used, st->message_size - (size_t)used, format, args);
    va_end(args);
    return err;
}

static char *dir_file(const char *dir, const char *name)
{
    size_t length = strlen(dir) + strlen(name) + 2;
    char *path = malloc(length);
    if (path)
        snprintf(path, length, "%s/%s", dir, name);
    return path;
}

/* DIR exists and is a directory. */
static embolo_error check_directory(load_state *st)
{
    struct stat info;
    if (stat(st->dir, &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return load_fail(st, EMBOLO_ERROR_FILE_NOT_FOUND, "no such directory (--previous needs an earlier "
                             "embolo output set)");
        return load_fail(st, EMBOLO_ERROR_FILE_NOT_FOUND, "cannot be read (--previous): %s", strerror(errno));
    }
    if (!S_ISDIR(info.st_mode))
        return load_fail(st, EMBOLO_ERROR_DATA, "not a directory: --previous needs an earlier embolo output set");
    return EMBOLO_OK;
}

static int list_has(const cJSON *list, const char *name)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
        if (cJSON_IsString(item) && strcmp(item->valuestring, name) == 0)
            return 1;
    return 0;
}

/* Whether the manifest is one embolo wrote for an output set (files.c). */
static int manifest_is_ours(const cJSON *root)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    return cJSON_IsObject(root) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "version")) &&
           cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "rows_read")) && cJSON_IsArray(files) &&
           list_has(files, "manifest.json");
}

/* Two titles name one study when they are equal trimmed, with inner spaces folded, case-insensitively. */
static int same_title(const char *a, const char *b)
{
    char ka[COMPARE_MAX_TEXT], kb[COMPARE_MAX_TEXT];
    if (!a || !b)
        return !a && !b;
    compare_id_key(a, ka, sizeof ka);
    compare_id_key(b, kb, sizeof kb);
    return strcmp(ka, kb) == 0;
}

/* "hpfs, os" */
static void join_names(const cJSON *list, const study *s, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (list) {
        const cJSON *item;
        cJSON_ArrayForEach(item, list) {
            int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                             cJSON_IsString(item) ? item->valuestring : "?");
            used = n > 0 && used + (size_t)n < size ? used + (size_t)n : size - 1;
        }
        return;
    }
    for (size_t e = 0; e < s->n_endpoints; e++) {
        int n = snprintf(out + used, size - used, "%s%s", e ? ", " : "", s->endpoints[e].name);
        used = n > 0 && used + (size_t)n < size ? used + (size_t)n : size - 1;
    }
}

/* The same endpoint names, in any order. */
static int same_endpoints(const cJSON *list, const study *s)
{
    if ((size_t)cJSON_GetArraySize(list) != s->n_endpoints)
        return 0;
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (!list_has(list, s->endpoints[e].name))
            return 0;
    return 1;
}

/* The study DIR was made for: the same title, endpoints and kind of id; another study file a warning. */
static embolo_error check_study(load_state *st, const cJSON *root)
{
    const study *s = st->run->study;
    const cJSON *study = cJSON_GetObjectItemCaseSensitive(root, "study");
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(study, "title");
    const cJSON *id_column = cJSON_GetObjectItemCaseSensitive(study, "id_column");
    const cJSON *endpoints = cJSON_GetObjectItemCaseSensitive(study, "endpoints");
    const cJSON *sha256 = cJSON_GetObjectItemCaseSensitive(study, "sha256");
    char text[COMPARE_MAX_TEXT], other[COMPARE_MAX_TEXT];
    if (!cJSON_IsArray(endpoints) || !(cJSON_IsString(title) || cJSON_IsNull(title)) ||
        !(cJSON_IsString(id_column) || cJSON_IsNull(id_column)))
        return load_fail(st, EMBOLO_ERROR_DATA, "its manifest.json does not say which study it is of (an embolo "
                         "before --previous made it): run that month again to compare with it");
    const char *previous_title = cJSON_IsString(title) ? title->valuestring : NULL;
    if (!same_title(previous_title, s->title))
        return load_fail(st, EMBOLO_ERROR_DATA, "another study: its title is %s%s%s, the title of %s is %s%s%s",
                         previous_title ? "'" : "", previous_title ? previous_title : "(none)",
                         previous_title ? "'" : "", s->path, s->title ? "'" : "", s->title ? s->title : "(none)",
                         s->title ? "'" : "");
    if (!same_endpoints(endpoints, s)) {
        join_names(endpoints, s, text, sizeof text);
        join_names(NULL, s, other, sizeof other);
        return load_fail(st, EMBOLO_ERROR_DATA, "other endpoints: it has %s, this study has %s", text, other);
    }
    if (cJSON_IsNull(id_column) != !s->id_column)
        return load_fail(st, EMBOLO_ERROR_DATA, "%s: patients cannot be matched",
                         s->id_column ? "its patients are known by record number, this study's by an id column"
                                      : "its patients are known by an id column, this study's by record number");
    st->prev->study_file_changed = !cJSON_IsString(sha256) || strcmp(sha256->valuestring, st->run->study_sha256) != 0;
    if (st->prev->study_file_changed &&
        results_warn(st->warnings, "--previous %s was made with another study file than %s: compared by the "
                     "variables and columns both have", st->dir, s->path) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    return EMBOLO_OK;
}

/* DIR's as-of date, not after this run's. */
static embolo_error check_as_of(load_state *st, const cJSON *root)
{
    const cJSON *as_of = cJSON_GetObjectItemCaseSensitive(root, "as_of");
    char mine[11];
    if (cJSON_IsString(as_of) && compare_parse_day(as_of->valuestring, &st->prev->as_of))
        st->prev->has_as_of = 1;
    else if (!cJSON_IsNull(as_of))
        return load_fail(st, EMBOLO_ERROR_DATA, "its manifest.json has no valid as_of");
    if (!st->prev->has_as_of || !st->run->has_as_of || st->prev->as_of <= st->run->as_of)
        return EMBOLO_OK;
    text_format_date(st->run->as_of, mine);
    return load_fail(st, EMBOLO_ERROR_DATA, "its as-of date %s is after this run's (%s): --previous needs an "
                     "earlier set", as_of->valuestring, mine);
}

static embolo_error read_manifest(load_state *st, char **text, size_t *length)
{
    char *path = dir_file(st->dir, "manifest.json");
    char ignored[256];
    if (!path)
        return EMBOLO_ERROR_NOMEM;
    embolo_error err = text_read_file(path, "manifest", MANIFEST_MAX, text, length, ignored, sizeof ignored);
    free(path);
    if (err == EMBOLO_ERROR_NOMEM)
        return err;
    if (err != EMBOLO_OK)
        return load_fail(st, EMBOLO_ERROR_DATA, "not an embolo output set (no manifest.json of embolo's): "
                         "--previous needs one");
    return EMBOLO_OK;
}

/* The manifest's checks and which optional files the set has (the caller deletes *root_out). */
static embolo_error check_manifest(load_state *st, const char *text, cJSON **root_out, int *has_results,
                                   int *has_procedures)
{
    cJSON *root = cJSON_Parse(text);
    *root_out = root;
    if (!manifest_is_ours(root))
        return load_fail(st, EMBOLO_ERROR_DATA, "not an embolo output set (its manifest.json is not embolo's): "
                         "--previous needs one");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "share")) || !list_has(files, "patients.csv"))
        return load_fail(st, EMBOLO_ERROR_DATA, "a share set (no patients.csv to compare with): --previous needs "
                         "the set of a run with another template");
    if (!list_has(files, "exclusions.csv"))
        return load_fail(st, EMBOLO_ERROR_DATA, "not a complete output set (no exclusions.csv)");
    *has_results = list_has(files, "results.csv");
    *has_procedures = list_has(files, "procedures.csv");
    embolo_error err = check_study(st, root);
    return err == EMBOLO_OK ? check_as_of(st, root) : err;
}

/* ---- the CSV files ---- */

/* Reads DIR/NAME with the wanted columns, all optional to the reader; the first n_required must be there. */
static embolo_error read_table(load_state *st, const char *name, const char *const *wanted, size_t n_wanted,
                               size_t n_required, ingest_table **out)
{
    unsigned char *optional = malloc(n_wanted ? n_wanted : 1);
    char *path = dir_file(st->dir, name);
    embolo_error err = EMBOLO_OK;
    if (!path || !optional) {
        free(path);
        free(optional);
        return EMBOLO_ERROR_NOMEM;
    }
    memset(optional, 1, n_wanted);
    ingest_options options = {.delimiter = ',', .optional = optional};
    err = ingest_read_with(path, &options, wanted, n_wanted, out, NULL, st->message, st->message_size);
    for (size_t w = 0; err == EMBOLO_OK && w < n_required; w++)
        if (!ingest_column_present(*out, w)) {
            snprintf(st->message, st->message_size, "%s: no column '%s': not as embolo writes it (--previous)", path,
                     wanted[w]);
            err = EMBOLO_ERROR_DATA;
        }
    for (size_t r = 0; err == EMBOLO_OK && r < ingest_record_count(*out); r++)
        if (ingest_record_malformed(*out, r)) {
            snprintf(st->message, st->message_size, "%s: record %zu has another number of fields than the header: "
                     "not as embolo writes it (--previous)", path, r + 1);
            err = EMBOLO_ERROR_DATA;
        }
    free(path);
    free(optional);
    return err;
}

/* patients.csv with this study's columns; *index the wanted position of each, COMPARE_NONE if absent. */
static embolo_error read_patients(load_state *st)
{
    const study *s = st->run->study;
    previous_patients *p = &st->prev->patients;
    size_t bound = 2 + 2 * s->n_endpoints + 2 * s->n_variables + st->prev->n_dates, n = 0;
    char **names = calloc(bound, sizeof *names);
    size_t *slots = malloc((2 * s->n_endpoints + 2 * s->n_variables + st->prev->n_dates + 1) * sizeof *slots);
    embolo_error err = EMBOLO_ERROR_NOMEM;
    p->time = slots;
    p->event = slots + s->n_endpoints;
    p->value = p->event + s->n_endpoints;
    p->number = p->value + s->n_variables;
    p->date = p->number + s->n_variables;
    if (!names || !slots)
        goto cleanup;
    names[n++] = written_name("", "row", "");
    names[n++] = written_name("", "id", "");
    for (size_t e = 0; e < s->n_endpoints; e++) {
        p->time[e] = n;
        names[n++] = written_name("", s->endpoints[e].name, "_time");
        p->event[e] = n;
        names[n++] = written_name("", s->endpoints[e].name, "_event");
    }
    for (size_t v = 0; v < s->n_variables; v++) {
        p->value[v] = n;
        names[n++] = written_name("", s->variables[v].name, "");
        p->number[v] = s->variables[v].has_cut ? n : COMPARE_NONE;
        if (s->variables[v].has_cut)
            names[n++] = written_name("", s->variables[v].name, "_value");
    }
    for (size_t k = 0; k < st->prev->n_dates; k++) {
        p->date[k] = n;
        names[n++] = written_name("date.", st->prev->date_columns[k], "");
    }
    for (size_t i = 0; i < n; i++)
        if (!names[i])
            goto cleanup;
    p->row = 0;
    p->id = 1;
    err = read_table(st, "patients.csv", (const char *const *)names, n, 2, &p->table);
    for (size_t i = 0; err == EMBOLO_OK && i < 2 * s->n_endpoints + 2 * s->n_variables + st->prev->n_dates; i++)
        if (slots[i] != COMPARE_NONE && !ingest_column_present(p->table, slots[i]))
            slots[i] = COMPARE_NONE;
cleanup:
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    return err;
}

/* results.csv into a results table (the formula guards taken off; NA and "<5" as NAN). */
static embolo_error read_results(load_state *st)
{
    static const char *const columns[] = {"section", "endpoint", "model", "variable", "level", "stat", "value"};
    ingest_table *table = NULL;
    embolo_error err = read_table(st, "results.csv", columns, 7, 7, &table);
    if (err == EMBOLO_OK && !(st->prev->results = results_new()))
        err = EMBOLO_ERROR_NOMEM;
    for (size_t r = 0; err == EMBOLO_OK && r < ingest_record_count(table); r++) {
        char cells[7][COMPARE_MAX_TEXT];
        double value;
        for (size_t c = 0; c < 7; c++)
            compare_cell(table, r, c, cells[c], sizeof cells[c]);
        if (!text_parse_number(cells[6], strlen(cells[6]), &value))
            value = NAN;
        err = results_add(st->prev->results, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], value);
    }
    ingest_table_free(table);
    return err;
}

/* The newest date in DIR's patients.csv and procedures.csv: its cut-off when it had no as-of date. */
static void find_cutoff(compare_previous *prev)
{
    char text[COMPARE_MAX_TEXT];
    long day;
    prev->has_cutoff = prev->has_as_of;
    prev->cutoff = prev->as_of;
    if (prev->has_as_of)
        return;
    for (size_t r = 0; r < ingest_record_count(prev->patients.table); r++)
        for (size_t k = 0; k < prev->n_dates; k++) {
            if (prev->patients.date[k] == COMPARE_NONE)
                continue;
            compare_cell(prev->patients.table, r, prev->patients.date[k], text, sizeof text);
            if (compare_parse_day(text, &day) && (!prev->has_cutoff || day > prev->cutoff)) {
                prev->cutoff = day;
                prev->has_cutoff = 1;
            }
        }
    for (size_t r = 0; prev->procedures && r < ingest_record_count(prev->procedures); r++) {
        compare_cell(prev->procedures, r, PROCEDURE_DATE, text, sizeof text);
        if (compare_parse_day(text, &day) && (!prev->has_cutoff || day > prev->cutoff)) {
            prev->cutoff = day;
            prev->has_cutoff = 1;
        }
    }
}

static embolo_error read_files(load_state *st, int has_results, int has_procedures)
{
    static const char *const exclusion_columns[] = {"row", "id", "scope", "code"};
    static const char *const procedure_columns[] = {"id", "date", "ae_grade"};
    embolo_error err = read_patients(st);
    if (err == EMBOLO_OK)
        err = read_table(st, "exclusions.csv", exclusion_columns, 4, 4, &st->prev->exclusions);
    if (err == EMBOLO_OK && has_results)
        err = read_results(st);
    else if (err == EMBOLO_OK &&
             results_warn(st->warnings, "--previous %s has no results.csv (a set of `embolo check`): its estimates "
                          "are not compared", st->dir) != EMBOLO_OK)
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK && has_procedures && st->run->has_procedures)
        err = read_table(st, "procedures.csv", procedure_columns, 3, 3, &st->prev->procedures);
    else if (err == EMBOLO_OK && has_procedures != st->run->has_procedures &&
             results_warn(st->warnings, "%s has procedures and %s has none: procedures are not compared",
                          has_procedures ? st->dir : "this run", has_procedures ? "this run" : st->dir) != EMBOLO_OK)
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK)
        find_cutoff(st->prev);
    return err;
}

/* The study's date columns as patients.csv names them. */
static embolo_error take_date_columns(compare_previous *prev, const study *s)
{
    size_t bound = dataset_date_column_bound(s);
    prev->date_columns = calloc(bound ? bound : 1, sizeof *prev->date_columns);
    if (!prev->date_columns)
        return EMBOLO_ERROR_NOMEM;
    prev->n_dates = dataset_date_columns(s, prev->date_columns);
    return EMBOLO_OK;
}

embolo_error compare_load(const char *dir, const compare_this_run *run, results *warnings, compare_previous **out,
                          char *message, size_t message_size)
{
    load_state st = {.dir = dir, .run = run, .warnings = warnings, .message = message, .message_size = message_size};
    char *text = NULL, *again = NULL;
    size_t length = 0, again_length = 0;
    cJSON *root = NULL;
    int has_results = 0, has_procedures = 0;
    embolo_error err = EMBOLO_ERROR_NOMEM;
    *out = NULL;
    if (!(st.prev = calloc(1, sizeof *st.prev)) || !(st.prev->dir = text_copy(dir)) ||
        take_date_columns(st.prev, run->study) != EMBOLO_OK)
        goto cleanup;
    err = check_directory(&st);
    if (err == EMBOLO_OK)
        err = read_manifest(&st, &text, &length);
    if (err == EMBOLO_OK)
        err = check_manifest(&st, text, &root, &has_results, &has_procedures);
    if (err == EMBOLO_OK)
        err = read_files(&st, has_results, has_procedures);
    /* Another run may have published DIR anew meanwhile: the files read must be of one set. */
    if (err == EMBOLO_OK)
        err = read_manifest(&st, &again, &again_length);
    if (err == EMBOLO_OK && (again_length != length || memcmp(again, text, length) != 0))
        err = load_fail(&st, EMBOLO_ERROR_DATA, "changed while it was read (another run published it): run again");
    if (err == EMBOLO_OK) {
        *out = st.prev;
        st.prev = NULL;
    }
cleanup:
    if (err == EMBOLO_ERROR_NOMEM)
        snprintf(message, message_size, "out of memory while reading %s", dir);
    cJSON_Delete(root);
    free(text);
    free(again);
    compare_previous_free(st.prev);
    return err;
}

size_t compare_previous_rows(const compare_previous *previous)
{
    return ingest_record_count(previous->patients.table);
}

void compare_previous_free(compare_previous *previous)
{
    if (!previous)
        return;
    free(previous->dir);
    free((void *)previous->date_columns);
    ingest_table_free(previous->patients.table);
    free(previous->patients.time);
    ingest_table_free(previous->exclusions);
    results_free(previous->results);
    ingest_table_free(previous->procedures);
    free(previous);
}
