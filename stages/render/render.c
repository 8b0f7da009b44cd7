#include "render.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpus.h"
#include "document.h"
#include "files.h"
#include "writers.h"

typedef int (*file_writer)(FILE *file, const render_input *in);

typedef embolo_error (*path_writer)(const document *d, const char *path, char *message, size_t message_size);

/* libxlsxwriter prints its errors and warnings on stderr and cannot be told not to. While the documents
 * are written, stderr goes to an anonymous file (the documents' threads are the only ones running, and
 * neither prints otherwise); when a document failed, its one line replaces what the library said,
 * otherwise the library's lines are shown as warnings. */
typedef struct stderr_capture {
    int saved;
    FILE *file;
} stderr_capture;

static void capture_begin(stderr_capture *c)
{
    c->saved = -1;
    fflush(stderr);
    c->file = tmpfile();
    if (!c->file)
        c->file = fopen("/dev/null", "w");
    if (!c->file)
        return;
    c->saved = dup(STDERR_FILENO);
    if (c->saved >= 0 && dup2(fileno(c->file), STDERR_FILENO) >= 0)
        return;
    if (c->saved >= 0)
        close(c->saved);
    c->saved = -1;
    fclose(c->file);
    c->file = NULL;
}

static void capture_end(stderr_capture *c, int show)
{
    char line[1024];
    if (c->saved < 0)
        return;
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    rewind(c->file);
    while (show && fgets(line, sizeof line, c->file)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            fprintf(stderr, "embolo: warning: %s\n", line);
    }
    fclose(c->file);
}

/* One document written on its own thread: the report, the workbook and the Word tables, each drawn
 * from the one document model by a writer that opens the path itself. A document's thread then helps
 * draw the figure files (figures, NULL: none). */
typedef struct document_job {
    const document *d;
    path_writer write;
    const char *path;
    figures_work *figures;
    embolo_error err;
    char message[1024];
} document_job;

static void *document_job_run(void *arg)
{
    document_job *job = arg;
    job->err = job->write(job->d, job->path, job->message, sizeof job->message);
    figures_help(job->figures);
    return NULL;
}

/* The figure files' own threads: the processors left beside this thread and the documents' threads
 * (which help when their document is written). */
static size_t figure_workers(size_t cpus, size_t document_threads)
{
    return cpus > 1 + document_threads ? cpus - 1 - document_threads : 0;
}

/* The report, the workbook and the Word tables, written at the same time (they only read the document
 * and the run's data); the first failure in this order is reported. */
static embolo_error render_write_documents(const render_input *in, const document *d, outdir *out, char *message,
                                           size_t message_size)
{
    const struct {
        const char *name;
        path_writer write;
        int enabled;
        size_t thread_from;  /* processors from which it runs on a thread of its own; 0 never */
    } documents[] = {
        {"report.pdf", pdf_write, in->template->n_sections > 0, 3},
        {"tables.xlsx", xlsx_write, in->template->n_sheets > 0, 1},
        {"tables.docx", docx_write, in->template->n_sections > 0 && in->template->docx, 0},
    };
    size_t cpus = cpus_online();
    enum { N_DOCUMENTS = sizeof documents / sizeof documents[0] };
    document_job jobs[N_DOCUMENTS];
    pthread_t threads[N_DOCUMENTS];
    int started[N_DOCUMENTS] = {0}, used[N_DOCUMENTS] = {0}, wanted[N_DOCUMENTS] = {0};
    embolo_error err = EMBOLO_OK;
    stderr_capture capture;
    capture_begin(&capture);
    for (size_t i = 0; i < N_DOCUMENTS; i++) {
        if (!documents[i].enabled)
            continue;
        jobs[i] = (document_job){.d = d, .write = documents[i].write};
        used[i] = 1;
        jobs[i].err = outdir_reserve(out, documents[i].name, &jobs[i].path, jobs[i].message, sizeof jobs[i].message);
    }
    /* The workbook (the longest) runs on a thread of its own, started first, and from three processors
     * the report too; the others run on this one, and so does one whose thread cannot start. The
     * figure files are drawn meanwhile on the processors left, by the documents' threads when they are
     * done, and by this one when its documents are; it writes them. */
    size_t document_threads = 0;
    for (size_t i = 0; i < N_DOCUMENTS; i++) {
        wanted[i] = used[i] && jobs[i].err == EMBOLO_OK && documents[i].thread_from > 0 &&
                    cpus >= documents[i].thread_from;
        document_threads += (size_t)wanted[i];
    }
    char figures_message[1024] = "";
    figures_work *figures_drawn = NULL;
    embolo_error figures = in->template->n_sections > 0
                               ? figures_begin(d, out, figure_workers(cpus, document_threads), &figures_drawn)
                               : EMBOLO_OK;
    if (figures != EMBOLO_OK)
        snprintf(figures_message, sizeof figures_message, "figures: %s", embolo_error_message(figures));
    for (size_t i = 0; i < N_DOCUMENTS; i++) {
        jobs[i].figures = cpus > 1 && wanted[i] ? figures_drawn : NULL;
        started[i] = wanted[i] && pthread_create(&threads[i], NULL, document_job_run, &jobs[i]) == 0;
        if (!started[i])
            jobs[i].figures = NULL;
    }
    for (size_t i = 0; i < N_DOCUMENTS; i++)
        if (used[i] && jobs[i].err == EMBOLO_OK && !started[i])
            document_job_run(&jobs[i]);
    if (figures == EMBOLO_OK)
        figures = figures_finish(figures_drawn, figures_message, sizeof figures_message);
    for (size_t i = 0; i < N_DOCUMENTS; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        if (used[i] && jobs[i].err == EMBOLO_OK)
            jobs[i].err = outdir_settle(out, documents[i].name, jobs[i].message, sizeof jobs[i].message);
        else if (used[i])
            outdir_rename_in_message(out, documents[i].name, jobs[i].message, sizeof jobs[i].message);
        if (used[i] && jobs[i].err != EMBOLO_OK && err == EMBOLO_OK) {
            err = jobs[i].err;
            snprintf(message, message_size, "%s", jobs[i].message);
        }
    }
    figures_free(figures_drawn);
    if (err == EMBOLO_OK && figures != EMBOLO_OK) {
        err = figures;
        snprintf(message, message_size, "%s", figures_message);
    }
    capture_end(&capture, err == EMBOLO_OK && !in->quiet);
    return err;
}

/* The document model, built once, then every document drawn from it. */
static embolo_error render_documents(const render_input *in, outdir *out, char *message, size_t message_size)
{
    embolo_error err;
    if (in->template->n_sections == 0 && in->template->n_sheets == 0)
        return EMBOLO_OK;
    document *d = document_build(in, &err);
    if (!d) {
        snprintf(message, message_size, "cannot build the report and tables: %s", embolo_error_message(err));
        return err;
    }
    err = render_write_documents(in, d, out, message, message_size);
    document_free(d);
    return err;
}

/* A plain-text file of the set. */
typedef struct text_file {
    const char *name;
    file_writer write;
    int enabled;
    int record_level;  /* one line per record (exclusions, patients, procedures): written on a thread of
                          its own while the documents are, unlisted until its turn (outdir_list) */
    embolo_error err;
    char message[1024];
} text_file;

static embolo_error text_file_write(const render_input *in, outdir *out, text_file *f, int listed)
{
    FILE *file;
    f->err = listed ? outdir_open(out, f->name, &file, f->message, sizeof f->message)
                    : outdir_open_unlisted(out, f->name, &file, f->message, sizeof f->message);
    if (f->err == EMBOLO_OK) {
        errno = 0;
        int written = f->write(file, in);
        f->err = outdir_close(out, file, f->name, written, f->message, sizeof f->message);
    }
    return f->err;
}

typedef struct record_files_job {
    const render_input *in;
    outdir *out;
    text_file *files;
    size_t n_files;
} record_files_job;

static void *record_files_run(void *arg)
{
    record_files_job *job = arg;
    for (size_t i = 0; i < job->n_files; i++)
        if (job->files[i].enabled && job->files[i].record_level)
            text_file_write(job->in, job->out, &job->files[i], 0);
    return NULL;
}

/* The record-level files, written on their thread: each listed in its turn, or its failure. */
static embolo_error record_file_settle(outdir *out, text_file *f, char *message, size_t message_size)
{
    if (f->err == EMBOLO_OK)
        f->err = outdir_list(out, f->name, f->message, sizeof f->message);
    if (f->err != EMBOLO_OK)
        snprintf(message, message_size, "%s", f->message);
    return f->err;
}

embolo_error render_run(const render_input *given, outdir *out, char *message, size_t message_size)
{
    render_input timed = *given;
    const render_input *in = &timed;
    embolo_error err = EMBOLO_OK;
    timed.out = out;
    clock_gettime(CLOCK_MONOTONIC, &timed.render_start);
    /* A file of the set: one line here (a subdirectory: outdir_mkdir before its files). */
    text_file files[] = {
        {.name = "results.csv", .write = files_write_results, .enabled = in->results != NULL},
        {.name = "exclusions.csv", .write = files_write_exclusions, .enabled = files_has_records(in), .record_level = 1},
        {.name = "patients.csv", .write = files_write_patients, .enabled = files_has_records(in), .record_level = 1},
        {.name = "procedures.csv", .write = files_write_procedures, .enabled = files_has_procedures(in),
         .record_level = 1},
        {.name = "manifest.json", .write = files_write_manifest, .enabled = 1},
    };
    enum { N_FILES = sizeof files / sizeof files[0] };
    record_files_job job = {.in = in, .out = out, .files = files, .n_files = N_FILES};
    pthread_t thread;
    int threaded = files_has_records(in) && pthread_create(&thread, NULL, record_files_run, &job) == 0;
    if (in->results)
        err = render_documents(in, out, message, message_size);
    if (threaded)
        pthread_join(thread, NULL);
    for (size_t i = 0; i < N_FILES && err == EMBOLO_OK; i++) {
        if (!files[i].enabled)
            continue;
        if (files[i].record_level && threaded) {
            err = record_file_settle(out, &files[i], message, message_size);
            continue;
        }
        err = text_file_write(in, out, &files[i], 1);
        if (err != EMBOLO_OK)
            snprintf(message, message_size, "%s", files[i].message);
    }
    return err;
}
