#include "render.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"
#include "report.h"
#include "workbook.h"

#define RENDER_MAX_FILES 8

/* The files of one run, written to temporary names and renamed together. */
typedef struct output_set {
    const char *out_dir;
    char temp_paths[RENDER_MAX_FILES][4096];
    char final_paths[RENDER_MAX_FILES][4096];
    char backup_paths[RENDER_MAX_FILES][4096];
    size_t n;
} output_set;

/* Reserves the temporary name of the next file; NULL when the set is full. */
static const char *output_reserve(output_set *set, const char *name)
{
    if (set->n == RENDER_MAX_FILES)
        return NULL;
    snprintf(set->final_paths[set->n], sizeof set->final_paths[0], "%s/%s", set->out_dir, name);
    snprintf(set->temp_paths[set->n], sizeof set->temp_paths[0], "%s/.%s.tmp.%ld", set->out_dir, name,
             (long)getpid());
    snprintf(set->backup_paths[set->n], sizeof set->backup_paths[0], "%s/.%s.bak.%ld", set->out_dir, name,
             (long)getpid());
    return set->temp_paths[set->n++];
}

static FILE *output_open(output_set *set, const char *name)
{
    const char *path = output_reserve(set, name);
    FILE *file = path ? fopen(path, "wb") : NULL;
    if (path && !file)
        set->n--;
    return file;
}

/* Closes a file and reports whether everything written to it reached the disk buffer. */
static int output_close(FILE *file)
{
    int ok = !ferror(file);
    return fclose(file) == 0 && ok;
}

static void output_discard(output_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        unlink(set->temp_paths[i]);
    set->n = 0;
}

/* Keeps a hard link to each file about to be replaced, so that a failed rename can put it back. */
static void output_keep_backups(output_set *set, int *has_backup)
{
    for (size_t i = 0; i < set->n; i++) {
        unlink(set->backup_paths[i]);
        has_backup[i] = link(set->final_paths[i], set->backup_paths[i]) == 0;
    }
}

/* Renames every temporary file into place. When one rename fails, the files already renamed are
 * restored from their backups (or removed when they did not exist before): --out is as it was. */
static int output_commit(output_set *set, char *message, size_t message_size)
{
    int has_backup[RENDER_MAX_FILES];
    size_t renamed = 0;
    output_keep_backups(set, has_backup);
    while (renamed < set->n && rename(set->temp_paths[renamed], set->final_paths[renamed]) == 0)
        renamed++;
    int ok = renamed == set->n;
    if (!ok) {
        snprintf(message, message_size, "%s: cannot rename into place: %s", set->final_paths[renamed],
                 strerror(errno));
        for (size_t k = 0; k < renamed; k++) {
            if (has_backup[k])
                rename(set->backup_paths[k], set->final_paths[k]);
            else
                unlink(set->final_paths[k]);
        }
        for (size_t k = renamed; k < set->n; k++)
            unlink(set->temp_paths[k]);
    }
    for (size_t k = 0; k < set->n; k++)
        if (has_backup[k])
            unlink(set->backup_paths[k]);
    set->n = 0;
    return ok;
}

embolo_error render_prepare(const char *out_dir, char *message, size_t message_size)
{
    struct stat info;
    char probe[4096];
    if (stat(out_dir, &info) != 0 && mkdir(out_dir, 0777) != 0) {
        snprintf(message, message_size, "%s: cannot create the output directory: %s", out_dir, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    if (stat(out_dir, &info) != 0 || !S_ISDIR(info.st_mode)) {
        snprintf(message, message_size, "%s: not a directory", out_dir);
        return EMBOLO_ERROR_OUTPUT;
    }
    snprintf(probe, sizeof probe, "%s/.embolo-probe.%ld", out_dir, (long)getpid());
    FILE *file = fopen(probe, "wb");
    if (!file) {
        snprintf(message, message_size, "%s: the output directory is not writable: %s", out_dir, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    fclose(file);
    unlink(probe);
    return EMBOLO_OK;
}

/* ---- CSV cells ---- */

static void csv_text(FILE *file, const char *text, int from_input)
{
    fputc('"', file);
    if (from_input && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                       text[0] == '\t' || text[0] == '\r'))
        fputc('\'', file);
    /* Runs without a quote in one write; each quote doubled. */
    for (const char *c = text;;) {
        size_t run = strcspn(c, "\"");
        fwrite(c, 1, run, file);
        if (!c[run])
            break;
        fputs("\"\"", file);
        c += run + 1;
    }
    fputc('"', file);
}

/* Text from the input that is a number is written as it is; other text is guarded. */
static void csv_input_text(FILE *file, const char *text)
{
    double number;
    csv_text(file, text, !text_parse_number(text, strlen(text), &number));
}

static void csv_number(FILE *file, double value, const char *missing)
{
    if (isnan(value) || isinf(value))
        fputs(missing, file);
    else
        fprintf(file, "%.12g", value == 0 ? 0.0 : value);
}

static int write_results(FILE *file, const results *r)
{
    fputs("section,endpoint,model,variable,level,stat,value\n", file);
    for (size_t i = 0; i < r->n; i++) {
        const result_row *row = &r->rows[i];
        const char *cells[] = {row->section, row->endpoint, row->model, row->variable, row->level, row->stat};
        for (size_t c = 0; c < 6; c++) {
            csv_text(file, cells[c], 0);
            fputc(',', file);
        }
        csv_number(file, row->value, "NA");
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
        csv_text(file, e->scope, 0);
        fputc(',', file);
        csv_text(file, e->code, 0);
        fputc(',', file);
        csv_text(file, e->column, 0);
        fputc(',', file);
        csv_input_text(file, e->value);
        fputc(',', file);
        csv_text(file, e->message, 0);
        fputc('\n', file);
    }
    return !ferror(file);
}

static void write_patients_header(FILE *file, const study *s, const dataset *d)
{
    fputs("row,id", file);
    for (size_t e = 0; e < s->n_endpoints; e++)
        fprintf(file, ",%s_time,%s_event", s->endpoints[e].name, s->endpoints[e].name);
    for (size_t v = 0; v < s->n_variables; v++) {
        fputc(',', file);
        csv_text(file, s->variables[v].name, 0);
    }
    if (d->weight && s->treatment >= 0) {
        const study_variable *t = &s->variables[s->treatment];
        for (size_t g = 0; g < t->n_levels; g++) {
            fputs(",\"ps_", file);
            fputs(t->levels[g], file);
            fputc('"', file);
        }
        fputs(",w,w_stabilized", file);
    }
    fputc('\n', file);
}

static int write_patients(FILE *file, const study *s, const dataset *d)
{
    write_patients_header(file, s, d);
    for (size_t i = 0; i < d->n; i++) {
        fprintf(file, "%zu,", d->record[i]);
        csv_input_text(file, d->id[i]);
        for (size_t e = 0; e < s->n_endpoints; e++) {
            fputc(',', file);
            csv_number(file, d->time[e][i], "");
            fputc(',', file);
            if (d->event[e][i] >= 0)
                fprintf(file, "%d", d->event[e][i]);
        }
        for (size_t v = 0; v < s->n_variables; v++) {
            double value = d->value[v][i];
            fputc(',', file);
            if (isnan(value))
                continue;
            if (study_variable_is_factor(&s->variables[v]))
                csv_text(file, s->variables[v].levels[(size_t)value], 0);
            else
                csv_number(file, value, "");
        }
        if (d->weight && s->treatment >= 0) {
            for (size_t g = 0; g < d->n_groups; g++) {
                fputc(',', file);
                csv_number(file, d->ps[i * d->n_groups + g], "");
            }
            fputc(',', file);
            csv_number(file, d->weight[i], "");
            fputc(',', file);
            csv_number(file, d->weight_stabilized[i], "");
        }
        fputc('\n', file);
    }
    return !ferror(file);
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

static size_t rows_excluded(const exclusion_log *log)
{
    size_t n = 0;
    for (size_t i = 0; i < log->n; i++)
        n += strcmp(log->items[i].scope, "row") == 0;
    return n;
}

static int write_manifest(FILE *file, const render_input *in)
{
    fputs("{\n  \"version\": ", file);
    json_string(file, in->version);
    fputs(",\n  \"input\": {\"path\": ", file);
    json_string(file, in->input_path);
    fputs(", \"sha256\": ", file);
    json_string(file, in->input_sha256);
    fputs("},\n  \"study\": {\"path\": ", file);
    json_string(file, in->study->path);
    fputs(", \"sha256\": ", file);
    json_string(file, in->study_sha256);
    fputs("},\n  \"template\": ", file);
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
            in->data->rows_read, in->data->n, rows_excluded(in->log));
    fputs("  \"as_of\": ", file);
    if (in->has_as_of) {
        char date[11];
        text_format_date(in->as_of, date);
        json_string(file, date);
    } else {
        fputs("null", file);
    }
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
    for (size_t i = 0; in->results && i < in->results->n_warnings; i++) {
        fputs(i ? ",\n    " : "\n    ", file);
        json_string(file, in->results->warnings[i]);
    }
    fputs("\n  ]\n}\n", file);
    return !ferror(file);
}

typedef int (*file_writer)(FILE *file, const render_input *in);

static int write_results_file(FILE *file, const render_input *in)
{
    return write_results(file, in->results);
}

static int write_exclusions_file(FILE *file, const render_input *in)
{
    return write_exclusions(file, in->log);
}

static int write_patients_file(FILE *file, const render_input *in)
{
    return write_patients(file, in->study, in->data);
}

typedef embolo_error (*path_writer)(const render_input *in, const char *path, char *message, size_t message_size);

/* The report and the workbook: libraries that write to a path themselves. */
/* One document written on its own thread. */
typedef struct document_job {
    const render_input *in;
    path_writer write;
    const char *path;
    embolo_error err;
    char message[1024];
} document_job;

static void *document_job_run(void *arg)
{
    document_job *job = arg;
    job->err = job->write(job->in, job->path, job->message, sizeof job->message);
    return NULL;
}

/* The report and the workbook, written at the same time (they only read the run's data); the first
 * failure in this order is reported. */
static embolo_error render_documents(const render_input *in, output_set *set, char *message, size_t message_size)
{
    const struct {
        const char *name;
        path_writer write;
        int enabled;
    } documents[] = {
        {"report.pdf", report_write, in->template->n_sections > 0},
        {"tables.xlsx", workbook_write, in->template->n_sheets > 0},
    };
    enum { N_DOCUMENTS = sizeof documents / sizeof documents[0] };
    document_job jobs[N_DOCUMENTS];
    pthread_t threads[N_DOCUMENTS];
    int started[N_DOCUMENTS] = {0}, used[N_DOCUMENTS] = {0};
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < N_DOCUMENTS; i++) {
        if (!documents[i].enabled)
            continue;
        jobs[i] = (document_job){.in = in, .write = documents[i].write, .path = output_reserve(set, documents[i].name)};
        used[i] = 1;
        if (!jobs[i].path) {
            jobs[i].err = EMBOLO_ERROR_INTERNAL;
            snprintf(jobs[i].message, sizeof jobs[i].message, "too many output files");
            continue;
        }
        /* The last document runs on this thread; one whose thread cannot start runs here too. */
        if (i + 1 < N_DOCUMENTS)
            started[i] = pthread_create(&threads[i], NULL, document_job_run, &jobs[i]) == 0;
        if (!started[i])
            document_job_run(&jobs[i]);
    }
    for (size_t i = 0; i < N_DOCUMENTS; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        if (used[i] && jobs[i].err != EMBOLO_OK && err == EMBOLO_OK) {
            err = jobs[i].err;
            snprintf(message, message_size, "%s", jobs[i].message);
        }
    }
    return err;
}

embolo_error render_run(const render_input *given, const char *out_dir, char *message, size_t message_size)
{
    output_set set = {.out_dir = out_dir};
    render_input timed = *given;
    const render_input *in = &timed;
    clock_gettime(CLOCK_MONOTONIC, &timed.render_start);
    if (in->results) {
        embolo_error err = render_documents(in, &set, message, message_size);
        if (err != EMBOLO_OK) {
            output_discard(&set);
            return err;
        }
    }
    const struct {
        const char *name;
        file_writer write;
        int needs_results;
    } files[] = {
        {"results.csv", write_results_file, 1},
        {"exclusions.csv", write_exclusions_file, 0},
        {"patients.csv", write_patients_file, 0},
        {"manifest.json", write_manifest, 0},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i].needs_results && !in->results)
            continue;
        FILE *file = output_open(&set, files[i].name);
        if (!file) {
            snprintf(message, message_size, "%s/%s: cannot write: %s", out_dir, files[i].name, strerror(errno));
            output_discard(&set);
            return EMBOLO_ERROR_OUTPUT;
        }
        int written = files[i].write(file, in);
        if (!output_close(file) || !written) {
            snprintf(message, message_size, "%s/%s: write failed", out_dir, files[i].name);
            output_discard(&set);
            return EMBOLO_ERROR_OUTPUT;
        }
    }
    if (!output_commit(&set, message, message_size))
        return EMBOLO_ERROR_OUTPUT;
    return EMBOLO_OK;
}
