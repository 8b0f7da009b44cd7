/* The plain-text files of a run: results.csv, exclusions.csv, patients.csv and manifest.json
 * (outputs.md, results-csv.md). Internal to the render stage. */
#include "files.h"

#include <ctype.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build.h"
#include "common/cpus.h"
#include "common/keys.h"
#include "common/numtext.h"
#include "common/text.h"
#include "format.h"
#include "textbuf.h"

/* ---- CSV cells ---- */

/* Input text that a spreadsheet would read as a formula gets a leading apostrophe. */
static int csv_guard_needed(const char *text, int from_input)
{
    return from_input && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                          text[0] == '\t' || text[0] == '\r');
}

/* Text that is a number is written as it is; other input text is guarded. */
static int csv_is_input_number(const char *text)
{
    double number;
    return text_parse_number(text, strlen(text), &number);
}

/* A text cell, quoted, each quote doubled, guarded when from_input: written as runs of bytes to
 * `put`, which the small files send to stdio and patients.csv to its textbuf. */
typedef void csv_put(void *sink, const char *bytes, size_t length);

static void csv_cell_put(csv_put *put, void *sink, const char *text, int from_input)
{
    put(sink, "\"'", csv_guard_needed(text, from_input) ? 2 : 1);
    for (const char *c = text;;) {
        size_t run = strcspn(c, "\"");
        put(sink, c, run);
        if (!c[run])
            break;
        put(sink, "\"\"", 2);
        c += run + 1;
    }
    put(sink, "\"", 1);
}

static void file_put(void *sink, const char *bytes, size_t length)
{
    fwrite(bytes, 1, length, sink);
}

static void csv_text(FILE *file, const char *text, int from_input)
{
    csv_cell_put(file_put, file, text, from_input);
}

/* Text from the input that is a number is written as it is; other text is guarded. */
static void csv_input_text(FILE *file, const char *text)
{
    csv_text(file, text, !csv_is_input_number(text));
}

void files_csv_text(FILE *file, const char *text)
{
    csv_input_text(file, text);
}

static void csv_number(FILE *file, double value, const char *missing)
{
    if (isnan(value) || isinf(value))
        fputs(missing, file);
    else
        fputs(numtext_g12(value == 0 ? 0.0 : value, (char[NUMTEXT_SIZE]){0}), file);
}

/* A name the study file defines (an endpoint, variable or level, a column): guarded like input text,
 * since a study file is input too. */
static void csv_name(FILE *file, const char *name)
{
    csv_input_text(file, name);
}

/* A column of patients.csv named PREFIX NAME SUFFIX ("os" "_time"): bare when it is plain letters,
 * digits, '_' and '.', else quoted and guarded. */
static void csv_header_name(FILE *file, const char *prefix, const char *name, const char *suffix)
{
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s", prefix, name, suffix);
    int plain = text[0] != '\0';
    for (const char *c = text; *c && plain; c++)
        plain = isalnum((unsigned char)*c) || *c == '_' || (*c == '.' && c != text);
    if (plain)
        fputs(text, file);
    else
        csv_name(file, text);
}

/* The value of a line as the template shows it: a count added hidden (results_add_hidden) and under
 * the share template a count from 1 to min_count - 1 are "<5", an estimate its cell's counts
 * suppress NA (build_share_value's rule). */
static void write_result_value(FILE *file, const render_input *in, const result_row *row)
{
    const report_template *t = in->template;
    if (row->below > 0) {
        fprintf(file, "<%d", row->below);
        return;
    }
    if (t->share && build_share_kind_of(row->stat) == BUILD_SHARE_COUNT && format_count_hidden(t, row->value)) {
        fprintf(file, "<%d", t->min_count);
        return;
    }
    csv_number(file, build_share_value(in->results, t, row->section, row->endpoint, row->model, row->variable,
                                       row->level, row->stat),
               "NA");
}

static int write_results(FILE *file, const render_input *in)
{
    const results *r = in->results;
    int share = in->template->share;
    fputs("section,endpoint,model,variable,level,stat,value\n", file);
    for (size_t i = 0; i < r->n; i++) {
        const result_row *row = &r->rows[i];
        const char *cells[] = {row->section, row->endpoint, row->model, row->variable, row->level, row->stat};
        char operator[64];
        if (share && build_share_kind_of(row->stat) == BUILD_SHARE_WITHHELD)
            continue;
        /* An operator's name is free text: under share its number instead. */
        if (share && !strcmp(row->section, KEY_FUNNEL) && !strcmp(row->variable, KEY_OPERATOR) && row->level[0]) {
            build_share_operator(in->procedures, row->level, operator, sizeof operator);
            cells[4] = operator;
        }
        for (size_t c = 0; c < 6; c++) {
            /* endpoint, model (it holds variable and level names), variable and level come from the study. */
            if (c >= 1 && c <= 4)
                csv_name(file, cells[c]);
            else
                csv_text(file, cells[c], 0);
            fputc(',', file);
        }
        write_result_value(file, in, row);
        fputc('\n', file);
    }
    return !ferror(file);
}

static int write_exclusions(FILE *file, const exclusion_log *log)
{
    fputs("row,id,scope,code,column,value,message\n", file);
    for (size_t i = 0; i < log->n; i++) {
        const exclusion *e = &log->items[i];
        fprintf(file, "%zu,", e->row);
        csv_input_text(file, e->id);
        fputc(',', file);
        csv_name(file, e->scope);
        fputc(',', file);
        csv_text(file, e->code, 0);
        fputc(',', file);
        csv_name(file, e->column);
        fputc(',', file);
        csv_input_text(file, e->value);
        fputc(',', file);
        csv_text(file, e->message, 0);
        fputc('\n', file);
    }
    return !ferror(file);
}

/* The recorded dates (date.COLUMN), which a later run's --previous compares; never under a share
 * template, which writes no patient date. */
static int patients_have_dates(const dataset *d, int share)
{
    return d->date_day && !share;
}

static void write_patients_header(FILE *file, const study *s, const dataset *d, int share)
{
    fputs("row,id", file);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        fputc(',', file);
        csv_header_name(file, "", s->endpoints[e].name, "_time");
        fputc(',', file);
        csv_header_name(file, "", s->endpoints[e].name, "_event");
    }
    for (size_t v = 0; v < s->n_variables; v++) {
        fputc(',', file);
        csv_name(file, s->variables[v].name);
        if (d->cut_number[v]) {
            fputc(',', file);
            csv_header_name(file, "", s->variables[v].name, "_value");
        }
    }
    if (d->weight && s->treatment >= 0) {
        const study_variable *t = &s->variables[s->treatment];
        for (size_t g = 0; g < t->n_levels; g++) {
            char name[1024];
            snprintf(name, sizeof name, "ps_%s", t->levels[g]);
            fputc(',', file);
            csv_text(file, name, 0);
        }
        fputs(",w,w_stabilized", file);
    }
    if (d->sessions)
        fputs(",sessions,crossover", file);
    for (size_t k = 0; patients_have_dates(d, share) && k < d->n_dates; k++) {
        fputc(',', file);
        csv_header_name(file, "date.", d->date_column[k], "");
    }
    fputc('\n', file);
}

static void level_cells_free(char ***cells, const study *s)
{
    for (size_t v = 0; cells && v < s->n_variables; v++) {
        for (size_t l = 0; cells[v] && l < s->variables[v].n_levels; l++)
            free(cells[v][l]);
        free(cells[v]);
    }
    free(cells);
}

/* Each factor level's cell as csv_name writes it, made once for the whole file: [n_variables] arrays
 * of [n_levels] strings (NULL for a numeric variable). NULL when out of memory. */
static char ***level_cells_new(const study *s)
{
    char ***cells = calloc(s->n_variables ? s->n_variables : 1, sizeof *cells);
    int ok = cells != NULL;
    for (size_t v = 0; ok && v < s->n_variables; v++) {
        const study_variable *var = &s->variables[v];
        if (!study_variable_is_factor(var))
            continue;
        cells[v] = calloc(var->n_levels ? var->n_levels : 1, sizeof *cells[v]);
        ok = cells[v] != NULL;
        for (size_t l = 0; ok && l < var->n_levels; l++) {
            size_t size = 0;
            FILE *cell = open_memstream(&cells[v][l], &size);
            ok = cell != NULL;
            if (ok) {
                csv_name(cell, var->levels[l]);
                ok = !ferror(cell);
                ok = fclose(cell) == 0 && ok;
            }
        }
    }
    if (ok)
        return cells;
    level_cells_free(cells, s);
    return NULL;
}

/* The lines of patients.csv are formatted into memory, not through stdio a character at a time
 * (a locked call per cell was a fifth of rendering at a million records); the textbuf keeps its
 * failure, so a block is either all there or known to be missing. */

/* Writes the lines so far to file and empties t: 0 when t had failed or the write did. */
static int lines_flush(textbuf *t, FILE *file)
{
    int ok = !t->failed && fwrite(t->data, 1, t->n, file) == t->n;
    t->n = 0;
    if (t->data)
        t->data[0] = '\0';
    return ok;
}

/* A non-negative integer in decimal, as printf's %zu ("%d" of a non-negative int) writes it. */
static void cell_count(textbuf *t, size_t value)
{
    char digits[24];
    size_t at = sizeof digits;
    do {
        digits[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    textbuf_bytes(t, digits + at, sizeof digits - at);
}

static void textbuf_put(void *sink, const char *bytes, size_t length)
{
    textbuf_bytes(sink, bytes, length);
}

static void csv_cell(textbuf *t, const char *text, int from_input)
{
    csv_cell_put(textbuf_put, t, text, from_input);
}

/* csv_number's cell, into memory. */
static void cell_number(textbuf *t, double value, const char *missing)
{
    if (isnan(value) || isinf(value)) {
        textbuf_string(t, missing);
        return;
    }
    if (textbuf_reserve(t, NUMTEXT_SIZE)) {
        numtext_g12(value == 0 ? 0.0 : value, t->data + t->n);
        t->n += strlen(t->data + t->n);
    }
}

/* Every missing value is NA (an empty field reads as "" in R for a text column). The level cells are
 * made once (a level's text is the same on every line) and integers written without printf: at a
 * million records this file is the longest part of rendering. */
/* The patients' lines first..last-1, appended to t. */
static void patients_rows_format(textbuf *t, const study *s, const dataset *d, char ***cells, int share,
                                 size_t first, size_t last)
{
    for (size_t i = first; i < last; i++) {
        cell_count(t, d->record[i]);
        textbuf_char(t, ',');
        csv_cell(t, d->id[i], !csv_is_input_number(d->id[i]));
        for (size_t e = 0; e < s->n_endpoints; e++) {
            textbuf_char(t, ',');
            cell_number(t, d->time[e][i], "NA");
            textbuf_char(t, ',');
            if (d->event[e][i] >= 0)
                cell_count(t, (size_t)d->event[e][i]);
            else
                textbuf_bytes(t, "NA", 2);
        }
        for (size_t v = 0; v < s->n_variables; v++) {
            double value = dataset_value(d, v, i);
            textbuf_char(t, ',');
            if (isnan(value))
                textbuf_bytes(t, "NA", 2);
            else if (cells[v])
                textbuf_string(t, cells[v][(size_t)value]);
            else
                cell_number(t, value, "NA");
            if (d->cut_number[v]) {
                textbuf_char(t, ',');
                cell_number(t, d->cut_number[v][i], "NA");
            }
        }
        if (d->weight && s->treatment >= 0) {
            for (size_t g = 0; g < d->n_groups; g++) {
                textbuf_char(t, ',');
                cell_number(t, d->ps[i * d->n_groups + g], "NA");
            }
            textbuf_char(t, ',');
            cell_number(t, d->weight[i], "NA");
            textbuf_char(t, ',');
            cell_number(t, d->weight_stabilized[i], "NA");
        }
        if (d->sessions) {
            textbuf_char(t, ',');
            cell_count(t, d->sessions[i]);
            textbuf_char(t, ',');
            cell_count(t, d->crossover[i]);
        }
        for (size_t k = 0; patients_have_dates(d, share) && k < d->n_dates; k++) {
            char date[11];
            if (d->date_day[k][i] == DATASET_NO_DAY) {
                textbuf_bytes(t, ",NA", 3);
                continue;
            }
            text_format_date(d->date_day[k][i], date);
            textbuf_char(t, ',');
            textbuf_string(t, date);
        }
        textbuf_char(t, '\n');
    }
}

/* Lines first..last-1 into file, formatted a few thousand at a time: 0 when out of memory or a
 * write failed. */
#define PATIENTS_FLUSH_ROWS ((size_t)4096)

static int patients_rows_write(FILE *file, textbuf *t, const study *s, const dataset *d, char ***cells, int share,
                               size_t first, size_t last)
{
    int ok = 1;
    for (size_t at = first; at < last && ok; at += PATIENTS_FLUSH_ROWS) {
        size_t end = last - at < PATIENTS_FLUSH_ROWS ? last : at + PATIENTS_FLUSH_ROWS;
        patients_rows_format(t, s, d, cells, share, at, end);
        ok = lines_flush(t, file);
    }
    return ok;
}

/* The lines are written a block at a time; with a second processor, a thread of its own formats every
 * other block into memory while this one formats the others straight into the file and then copies
 * the block the thread made: the same bytes in the same order, two processors at work (at a million
 * records patients.csv is the longest part of rendering). At most one formatted block waits. */
#define PATIENTS_BLOCK ((size_t)65536)
#define PATIENTS_PARALLEL_FROM (2 * PATIENTS_BLOCK)

typedef struct patients_writer {
    const study *s;
    const dataset *d;
    char ***cells;
    int share;
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    char *text;         /* a formatted block waiting to be copied, NULL when none */
    size_t size;
    int failed;         /* the thread could not format a block: this thread writes the rest itself */
    int stop;           /* this thread wants no more blocks */
} patients_writer;

static size_t block_end(const patients_writer *w, size_t block)
{
    size_t end = (block + 1) * PATIENTS_BLOCK;
    return end < w->d->n ? end : w->d->n;
}

/* The thread: each odd block into memory, one at a time. */
static void *patients_blocks_run(void *arg)
{
    patients_writer *w = arg;
    size_t n_blocks = (w->d->n + PATIENTS_BLOCK - 1) / PATIENTS_BLOCK;
    for (size_t block = 1; block < n_blocks; block += 2) {
        textbuf text = {0};
        patients_rows_format(&text, w->s, w->d, w->cells, w->share, block * PATIENTS_BLOCK, block_end(w, block));
        pthread_mutex_lock(&w->mutex);
        while (w->text && !w->stop)
            pthread_cond_wait(&w->changed, &w->mutex);
        if (text.failed || w->stop) {
            w->failed = text.failed;
            pthread_cond_broadcast(&w->changed);
            pthread_mutex_unlock(&w->mutex);
            free(text.data);
            return NULL;
        }
        w->text = text.data;
        w->size = text.n;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->mutex);
    }
    return NULL;
}

/* Odd block `block`: the thread's text copied when it made it, else the lines written here. */
static int patients_block_take(FILE *file, textbuf *t, patients_writer *w, size_t block)
{
    pthread_mutex_lock(&w->mutex);
    while (!w->text && !w->failed)
        pthread_cond_wait(&w->changed, &w->mutex);
    char *text = w->text;
    size_t size = w->size;
    w->text = NULL;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->mutex);
    int ok = text ? fwrite(text, 1, size, file) == size
                  : patients_rows_write(file, t, w->s, w->d, w->cells, w->share, block * PATIENTS_BLOCK,
                                        block_end(w, block));
    free(text);
    return ok;
}

static int patients_rows_write_parallel(FILE *file, textbuf *t, patients_writer *w)
{
    pthread_t thread;
    size_t n_blocks = (w->d->n + PATIENTS_BLOCK - 1) / PATIENTS_BLOCK;
    int ok = 1;
    int started = pthread_mutex_init(&w->mutex, NULL) == 0;
    if (started && pthread_cond_init(&w->changed, NULL) != 0) {
        pthread_mutex_destroy(&w->mutex);
        started = 0;
    }
    int mutexed = started;
    started = started && pthread_create(&thread, NULL, patients_blocks_run, w) == 0;
    for (size_t block = 0; block < n_blocks && ok; block++) {
        if (started && block % 2 == 1)
            ok = patients_block_take(file, t, w, block);
        else
            ok = patients_rows_write(file, t, w->s, w->d, w->cells, w->share, block * PATIENTS_BLOCK,
                                     block_end(w, block));
        if (block % 2 == 1)
            outdir_writeback(file);
    }
    if (started) {
        pthread_mutex_lock(&w->mutex);
        w->stop = 1;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->mutex);
        pthread_join(thread, NULL);
        free(w->text);
    }
    if (mutexed) {
        pthread_cond_destroy(&w->changed);
        pthread_mutex_destroy(&w->mutex);
    }
    return ok;
}

static int write_patients(FILE *file, const study *s, const dataset *d, int share, int parallel)
{
    char ***cells = level_cells_new(s);
    textbuf text = {0};
    int ok = cells != NULL;
    if (ok) {
        write_patients_header(file, s, d, share);
        if (parallel && d->n >= PATIENTS_PARALLEL_FROM) {
            patients_writer w = {.s = s, .d = d, .cells = cells, .share = share};
            ok = patients_rows_write_parallel(file, &text, &w);
        } else {
            ok = patients_rows_write(file, &text, s, d, cells, share, 0, d->n);
        }
    }
    free(text.data);
    level_cells_free(cells, s);
    return ok && !ferror(file);
}

static void json_string(FILE *file, const char *text)
{
    fputc('"', file);
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(file, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(file, "\\u%04x", *c);
        else
            fputc(*c, file);
    }
    fputc('"', file);
}

/* {path, sha256, rows_read, rows_included, rows_excluded}, or null without a procedures file. */
static void write_manifest_procedures(FILE *file, const render_input *in)
{
    const procedure_set *p = in->procedures;
    if (!p) {
        fputs("null", file);
        return;
    }
    fputs("{\"path\": ", file);
    json_string(file, in->procedures_path);
    fputs(", \"sha256\": ", file);
    json_string(file, in->procedures_sha256);
    fprintf(file, ", \"rows_read\": %zu, \"rows_included\": %zu, \"rows_excluded\": %zu}", p->records, p->n,
            p->excluded);
}

/* A JSON string, or null. */
static void json_string_or_null(FILE *file, const char *text)
{
    if (text)
        json_string(file, text);
    else
        fputs("null", file);
}

/* A date YYYY-MM-DD, or null. */
static void json_date(FILE *file, int has, long day)
{
    char date[11];
    if (!has) {
        fputs("null", file);
        return;
    }
    text_format_date(day, date);
    json_string(file, date);
}

/* The study file and what identifies the study, which a later run's --previous checks: its title
 * (null without), whether it has an id column, and its endpoints. */
static void write_manifest_study(FILE *file, const render_input *in)
{
    const study *s = in->study;
    fputs("{\"path\": ", file);
    json_string(file, s->path);
    fputs(", \"sha256\": ", file);
    json_string(file, in->study_sha256);
    fputs(", \"title\": ", file);
    json_string_or_null(file, s->title);
    fputs(", \"id_column\": ", file);
    json_string_or_null(file, s->id_column);
    fputs(", \"endpoints\": [", file);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        if (e)
            fputs(", ", file);
        json_string(file, s->endpoints[e].name);
    }
    fputs("]}", file);
}

/* The earlier set a run compared itself with (--previous), or null. */
static void write_manifest_previous(FILE *file, const render_input *in)
{
    const change_set *c = in->changes;
    if (!c) {
        fputs("null", file);
        return;
    }
    fputs("{\"path\": ", file);
    json_string(file, c->previous_path);
    fputs(", \"as_of\": ", file);
    json_date(file, c->has_previous_as_of, c->previous_as_of);
    fputs(", \"cutoff\": ", file);
    json_date(file, c->has_cutoff && !in->template->share, c->cutoff);
    fputs("}", file);
}

/* Under the share template the files it does not write (they hold identifiers, dates or free text);
 * an empty list otherwise. */
static void write_manifest_not_written(FILE *file, const render_input *in)
{
    static const char *const withheld[] = {"exclusions.csv", "patients.csv", "procedures.csv"};
    fputs(",\n  \"not_written\": [", file);
    for (size_t i = 0; in->template->share && i < sizeof withheld / sizeof withheld[0]; i++) {
        fputs(i ? ", " : "", file);
        json_string(file, withheld[i]);
    }
    fputc(']', file);
}

/* A warning as the manifest gives it: under the share template without the input value it quotes. */
static void write_manifest_warning(FILE *file, const render_input *in, const results *warned, size_t i)
{
    char text[2048];
    if (in->template->share && warned->warning_parts[i].quoted) {
        build_share_mask(&warned->warning_parts[i], warned->warnings[i], text, sizeof text);
        json_string(file, text);
    } else {
        json_string(file, warned->warnings[i]);
    }
}

int files_write_manifest(FILE *file, const render_input *in)
{
    fputs("{\n  \"version\": ", file);
    json_string(file, in->version);
    /* The set's inventory: what a later run may replace (pipeline/outset.c reads it back). */
    fputs(",\n  \"files\": [", file);
    for (size_t i = 0; in->out && i < outdir_count(in->out); i++) {
        if (i)
            fputs(", ", file);
        json_string(file, outdir_name(in->out, i));
    }
    fputc(']', file);
    fputs(",\n  \"input\": {\"path\": ", file);
    json_string(file, in->input_path);
    fputs(", \"sha256\": ", file);
    json_string(file, in->input_sha256);
    fputs("},\n  \"study\": ", file);
    write_manifest_study(file, in);
    fputs(",\n  \"template\": ", file);
    if (in->template_path) {
        fputs("{\"path\": ", file);
        json_string(file, in->template_path);
        fputs(", \"sha256\": ", file);
        json_string(file, in->template_sha256);
        fputs("}", file);
    } else {
        fputs("null", file);
    }
    fprintf(file, ",\n  \"rows_read\": %zu,\n  \"rows_analysed\": %zu,\n  \"rows_excluded\": %zu,\n",
            in->data->rows_read, in->data->n, dataset_rows_excluded(in->data));
    fputs("  \"as_of\": ", file);
    json_date(file, in->has_as_of, in->as_of);
    fputs(",\n  \"procedures\": ", file);
    write_manifest_procedures(file, in);
    fprintf(file, ",\n  \"share\": %s,\n  \"previous\": ", in->template->share ? "true" : "false");
    write_manifest_previous(file, in);
    write_manifest_not_written(file, in);
    fputs(",\n  \"unused_columns\": [", file);
    for (size_t i = 0; i < in->n_unused_columns; i++) {
        if (i)
            fputs(", ", file);
        json_string(file, in->unused_columns[i]);
    }
    fputs("],\n  \"stages\": [", file);
    for (size_t i = 0; i < in->n_stages; i++)
        fprintf(file, "%s\n    {\"name\": \"%s\", \"wall_ms\": %.3f}", i ? "," : "", in->stages[i].name,
                in->stages[i].ms);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double render_ms = (double)(now.tv_sec - in->render_start.tv_sec) * 1e3 +
                       (double)(now.tv_nsec - in->render_start.tv_nsec) / 1e6;
    /* The manifest is the last file written: render's time up to it is nearly all of render. */
    fprintf(file, "%s\n    {\"name\": \"render\", \"wall_ms\": %.3f}", in->n_stages ? "," : "", render_ms);
    fputs("\n  ],\n  \"warnings\": [", file);
    const results *warned = in->warnings ? in->warnings : in->results;
    for (size_t i = 0; warned && i < warned->n_warnings; i++) {
        fputs(i ? ",\n    " : "\n    ", file);
        write_manifest_warning(file, in, warned, i);
    }
    fputs("\n  ]\n}\n", file);
    return !ferror(file);
}

int files_write_results(FILE *file, const render_input *in)
{
    return write_results(file, in);
}

int files_has_records(const render_input *in)
{
    return !in->template->share;
}

int files_write_exclusions(FILE *file, const render_input *in)
{
    return write_exclusions(file, in->log);
}

int files_write_patients(FILE *file, const render_input *in)
{
    return write_patients(file, in->study, in->data, in->template->share, cpus_online() > 1);
}

int files_write_patients_with(FILE *file, const render_input *in, int parallel)
{
    return write_patients(file, in->study, in->data, in->template->share, parallel);
}

/* 1, 0 or NA for a flag that may be unknown. */
static void csv_flag(FILE *file, int value)
{
    if (value == PROCEDURE_UNKNOWN)
        fputs("NA", file);
    else
        fprintf(file, "%d", value);
}

int files_has_procedures(const render_input *in)
{
    return in->procedures && !in->template->share;
}

int files_write_procedures(FILE *file, const render_input *in)
{
    const procedure_set *p = in->procedures;
    const study_variable *treatment = &in->study->variables[in->study->treatment];
    fputs("row,id,date,modality,session,ae_grade,major_ae,death30,technical_success,activity_gbq,operator\n", file);
    for (size_t i = 0; i < p->n; i++) {
        const procedure *item = &p->items[i];
        char date[11];
        text_format_date(item->day, date);
        fprintf(file, "%zu,", item->record);
        csv_input_text(file, in->data->id[item->patient]);
        fprintf(file, ",%s,", date);
        csv_text(file, treatment->levels[item->modality], 0);
        fprintf(file, ",%d,", item->session);
        csv_flag(file, item->grade);
        fputc(',', file);
        csv_flag(file, item->grade == PROCEDURE_UNKNOWN ? PROCEDURE_UNKNOWN : item->grade >= PROCEDURE_MAJOR_GRADE);
        fputc(',', file);
        csv_flag(file, item->death30);
        fputc(',', file);
        csv_flag(file, item->success);
        fputc(',', file);
        csv_number(file, item->activity, "NA");
        fputc(',', file);
        if (item->operator_index == PROCEDURE_UNKNOWN)
            fputs("NA", file);
        else
            csv_input_text(file, p->operators[item->operator_index]);
        fputc('\n', file);
    }
    return !ferror(file);
}
