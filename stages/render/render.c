#include "render.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
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

typedef int (*file_writer)(FILE *file, const render_input *in);

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
        int enabled;
    } files[] = {
        {"results.csv", files_write_results, in->results != NULL},
        {"exclusions.csv", files_write_exclusions, 1},
        {"patients.csv", files_write_patients, 1},
        {"procedures.csv", files_write_procedures, files_has_procedures(in)},
        {"manifest.json", files_write_manifest, 1},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (!files[i].enabled)
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
