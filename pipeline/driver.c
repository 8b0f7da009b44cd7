#include "driver.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clean/clean.h"
#include "common/changes.h"
#include "common/dataset.h"
#include "common/inifile.h"
#include "common/results.h"
#include "common/sha256.h"
#include "common/study.h"
#include "common/text.h"
#include "compare/compare.h"
#include "ingest/ingest.h"
#include "model/audit.h"
#include "model/model.h"
#include "model/safety.h"
#include "model/table1.h"
#include "outset.h"
#include "render/render.h"
#include "render/template.h"
#include "weight/weight.h"

#define DRIVER_MAX_STAGES 8

/* Everything one run owns; freed in one place. */
typedef struct run_context {
    const driver_options *options;
    study *study;
    clean_columns *columns;
    ingest_table *table;
    const char *procedures_path;  /* --procedures, else the study's [procedures] file; NULL: none */
    clean_columns *procedure_columns;
    ingest_table *procedure_table;
    procedure_set *procedures;
    procedure_thresholds *thresholds;
    char procedures_sha256[65];
    dataset *data;
    exclusion_log *log;
    results *results;
    report_template *template;
    int has_as_of;              /* the data cut-off: --as-of, else the template's period, else the study's */
    long as_of;
    char input_sha256[65];
    char study_sha256[65];
    char template_sha256[65];
    int strict_failed;          /* --strict found an exclusion: the set is that of `check` */
    render_stage_time stages[DRIVER_MAX_STAGES];
    size_t n_stages;
    struct timespec stage_start;
    outset *set;                /* --out, published when every file was written */
    const char *previous_path;  /* --previous, else the template's previous; NULL: no comparison */
    compare_previous *previous; /* that set, loaded and checked before the data are read */
    change_set *changes;        /* what changed since it, for the render stage */
} run_context;

/* SIGINT, SIGTERM and SIGHUP are blocked in every thread of the run and taken by one watcher thread,
 * which removes what the run has not published and ends the process with 128 + the signal. */
typedef struct signal_watch {
    pthread_t thread;
    pthread_mutex_t mutex;
    sigset_t signals, previous;
    outset *set;                /* what an interruption cleans up; NULL once freed */
    int started, stopping, quiet;
} signal_watch;

static void *watch_signals(void *arg)
{
    signal_watch *w = arg;
    for (;;) {
        int signal_number = 0;
        if (sigwait(&w->signals, &signal_number) != 0)
            continue;
        pthread_mutex_lock(&w->mutex);
        if (w->stopping) {
            pthread_mutex_unlock(&w->mutex);
            return NULL;
        }
        outset_abort(w->set);
        if (!w->quiet)
            fprintf(stderr, "embolo: interrupted by signal %d\n", signal_number);
        /* The one exit below main: an interrupted run ends here, having removed its private files. */
        _exit(128 + signal_number);
    }
}

static void watch_start(signal_watch *w, outset *set, int quiet)
{
    *w = (signal_watch){.set = set, .quiet = quiet};
    /* A file size limit (ulimit -f) then fails a write with EFBIG, reported, instead of killing. */
    signal(SIGXFSZ, SIG_IGN);
    sigemptyset(&w->signals);
    sigaddset(&w->signals, SIGINT);
    sigaddset(&w->signals, SIGTERM);
    sigaddset(&w->signals, SIGHUP);
    if (pthread_mutex_init(&w->mutex, NULL) != 0)
        return;
    if (pthread_sigmask(SIG_BLOCK, &w->signals, &w->previous) != 0) {
        pthread_mutex_destroy(&w->mutex);
        return;
    }
    w->started = pthread_create(&w->thread, NULL, watch_signals, w) == 0;
    if (!w->started) {
        pthread_sigmask(SIG_SETMASK, &w->previous, NULL);
        pthread_mutex_destroy(&w->mutex);
    }
}

/* Frees the set (an interruption meanwhile waits, then finds nothing to clean) and stops watching. */
static void watch_stop(signal_watch *w)
{
    if (!w->started) {
        outset_free(w->set);
        return;
    }
    pthread_mutex_lock(&w->mutex);
    outset_free(w->set);
    w->set = NULL;
    w->stopping = 1;
    pthread_mutex_unlock(&w->mutex);
    pthread_kill(w->thread, SIGTERM);
    pthread_join(w->thread, NULL);
    pthread_sigmask(SIG_SETMASK, &w->previous, NULL);
    pthread_mutex_destroy(&w->mutex);
}

static void stage_begin(run_context *ctx)
{
    clock_gettime(CLOCK_MONOTONIC, &ctx->stage_start);
}

static void stage_end(run_context *ctx, const char *name, size_t rows)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - ctx->stage_start.tv_sec) * 1e3 +
                (double)(now.tv_nsec - ctx->stage_start.tv_nsec) / 1e6;
    if (ctx->n_stages < DRIVER_MAX_STAGES) {
        ctx->stages[ctx->n_stages].name = name;
        ctx->stages[ctx->n_stages].ms = ms;
        ctx->n_stages++;
    }
    if (!ctx->options->quiet)
        fprintf(stderr, "embolo: %-7s %10zu rows %10.1f ms\n", name, rows, ms);
}

/* Reads a study file or template once: the bytes hashed are the bytes parsed. */
static embolo_error read_hashed(const char *path, const char *what, embolo_error too_large, char **text,
                                size_t *length, char hex[65], char *message, size_t message_size)
{
    embolo_error err = text_read_file(path, what, INI_MAX_FILE, text, length, message, message_size);
    if (err == EMBOLO_ERROR_TOO_LARGE)
        err = too_large;
    if (err == EMBOLO_OK && !sha256_hex(*text, *length, hex)) {
        snprintf(message, message_size, "%s: cannot compute its SHA-256: out of memory", path);
        err = EMBOLO_ERROR_NOMEM;
    }
    return err;
}

static embolo_error read_study_and_template(run_context *ctx, char *message, size_t message_size)
{
    const driver_options *o = ctx->options;
    char *text = NULL;
    size_t length = 0;
    embolo_error err = read_hashed(o->study_path, "study file", EMBOLO_ERROR_STUDY, &text, &length,
                                   ctx->study_sha256, message, message_size);
    if (err == EMBOLO_OK)
        err = study_parse(text, length, o->study_path, &ctx->study, message, message_size);
    free(text);
    text = NULL;
    if (err != EMBOLO_OK || !o->template_path)
        return err == EMBOLO_OK ? template_default(&ctx->template) : err;
    err = read_hashed(o->template_path, "template", EMBOLO_ERROR_TEMPLATE, &text, &length, ctx->template_sha256,
                      message, message_size);
    if (err == EMBOLO_OK)
        err = template_parse(text, length, o->template_path, &ctx->template, message, message_size);
    free(text);
    return err;
}

/* The procedures file: --procedures, else the study's [procedures] file (procedures.md); its
 * thresholds from the template. A [procedures] section without a file is a warning. */
static embolo_error settle_procedures(run_context *ctx, char *message, size_t message_size)
{
    const study *s = ctx->study;
    ctx->procedures_path = ctx->options->procedures_path ? ctx->options->procedures_path : s->procedures.file;
    if (ctx->procedures_path && !s->procedures.present) {
        snprintf(message, message_size, "%s: --procedures needs a [procedures] section in the study file (which "
                 "columns hold the id, date and modality)", s->path);
        return EMBOLO_ERROR_STUDY;
    }
    if (!ctx->procedures_path) {
        if (s->procedures.present &&
            results_warn(ctx->results, "the study's [procedures] section names no file and no --procedures was "
                         "given: no procedure statistics") != EMBOLO_OK)
            return EMBOLO_ERROR_NOMEM;
        return EMBOLO_OK;
    }
    const study_variable *t = &s->variables[s->treatment];
    return template_thresholds(ctx->template, (const char *const *)t->levels, t->n_levels, &ctx->thresholds,
                               message, message_size);
}

static embolo_error run_ingest(run_context *ctx, char *message, size_t message_size)
{
    embolo_error err;
    stage_begin(ctx);
    err = clean_columns_new(ctx->study, &ctx->columns);
    if (err != EMBOLO_OK)
        return err;
    if (ctx->procedures_path)
        clean_columns_allow_index_fill(ctx->columns, ctx->study);
    ingest_options patients = {.delimiter = ctx->study->delimiter, .optional = ctx->columns->optional};
    err = ingest_read_with(ctx->options->input_path, &patients, ctx->columns->names, ctx->columns->n, &ctx->table,
                           ctx->input_sha256, message, message_size);
    if (err == EMBOLO_OK && ctx->procedures_path)
        err = clean_procedure_columns_new(ctx->study, &ctx->procedure_columns);
    /* The procedures file follows every rule of the patient file, its delimiter too, and is hashed
     * from the bytes parsed. */
    ingest_options procedures = {.delimiter = ctx->study->delimiter};
    if (err == EMBOLO_OK && ctx->procedures_path)
        err = ingest_read_with(ctx->procedures_path, &procedures, ctx->procedure_columns->names,
                               ctx->procedure_columns->n, &ctx->procedure_table, ctx->procedures_sha256, message,
                               message_size);
    if (err != EMBOLO_OK)
        return err;
    stage_end(ctx, "ingest", ingest_record_count(ctx->table));
    return EMBOLO_OK;
}

static embolo_error run_clean(run_context *ctx, char *message, size_t message_size)
{
    clean_options options = {.has_as_of = ctx->has_as_of, .as_of = ctx->as_of};
    embolo_error err;
    stage_begin(ctx);
    if (ctx->procedure_table)
        err = clean_run_with_procedures(ctx->study, ctx->columns, ctx->table, ctx->procedure_columns,
                                        ctx->procedure_table, &options, &ctx->data, &ctx->log, &ctx->procedures,
                                        message, message_size);
    else
        err = clean_run(ctx->study, ctx->columns, ctx->table, &options, &ctx->data, &ctx->log, message, message_size);
    /* The cleaned dataset holds what later stages read: the raw text is released. */
    ingest_table_release_records(ctx->table);
    ingest_table_release_records(ctx->procedure_table);
    if (err == EMBOLO_OK)
        err = clean_warn(ctx->study, ctx->data, ctx->log, ctx->results);
    if (err != EMBOLO_OK)
        return err;
    if (ctx->has_as_of)
        for (size_t e = 0; e < ctx->study->n_endpoints; e++)
            if (ctx->study->endpoints[e].form == ENDPOINT_TIME_STATUS &&
                results_warn_about(ctx->results, (result_subject){.endpoint = ctx->study->endpoints[e].name},
                                   "the as-of date is ignored (times and status, not dates)") != EMBOLO_OK)
                return EMBOLO_ERROR_NOMEM;
    stage_end(ctx, "clean", ctx->data->n);
    return EMBOLO_OK;
}

/* Drops benchmark i of the template (a study without its endpoint, variable or level). */
static void template_drop_benchmark(report_template *t, size_t i)
{
    free(t->benchmarks[i].endpoint);
    free(t->benchmarks[i].variable);
    free(t->benchmarks[i].level);
    memmove(&t->benchmarks[i], &t->benchmarks[i + 1], (t->n_benchmarks - i - 1) * sizeof t->benchmarks[0]);
    t->n_benchmarks--;
    t->n_skipped_benchmarks++;
}

/* The cut-off by precedence, and the template's benchmarks checked against the study: one for an
 * endpoint, variable or level the study lacks is skipped with a warning (a template serves any study). */
static embolo_error settle_template(run_context *ctx)
{
    report_template *t = ctx->template;
    ctx->has_as_of = 1;
    if (ctx->options->has_as_of)
        ctx->as_of = ctx->options->as_of;
    else if (t->has_period)
        ctx->as_of = template_period_end(t);
    else if (ctx->study->has_as_of)
        ctx->as_of = ctx->study->as_of;
    else
        ctx->has_as_of = 0;
    for (size_t i = 0; i < t->n_benchmarks;) {
        template_benchmark *b = &t->benchmarks[i];
        int e = -1, v = study_find_variable(ctx->study, b->variable), level = -1;
        for (size_t k = 0; k < ctx->study->n_endpoints; k++)
            if (!strcmp(ctx->study->endpoints[k].name, b->endpoint))
                e = (int)k;
        for (size_t k = 0; v >= 0 && k < ctx->study->variables[v].n_levels; k++)
            if (text_equal_folded(ctx->study->variables[v].levels[k], b->level))
                level = (int)k;
        if (e < 0 || v < 0 || level < 0) {
            if (results_warn(ctx->results, "%s:%d: benchmark %s.%s.%s skipped: the study has no %s %s", t->path,
                             b->line, b->endpoint, b->variable, b->level,
                             e < 0 ? "endpoint" : v < 0 ? "variable" : "level",
                             e < 0 ? b->endpoint : v < 0 ? b->variable : b->level) != EMBOLO_OK)
                return EMBOLO_ERROR_NOMEM;
            template_drop_benchmark(t, i);
            continue;
        }
        char *spelling = strdup(ctx->study->variables[v].levels[level]);
        if (!spelling)
            return EMBOLO_ERROR_NOMEM;
        free(b->level);
        b->level = spelling;
        i++;
    }
    return EMBOLO_OK;
}

/* The audit period's counts and the benchmark comparison, when the template shows them. */
static embolo_error run_audit(run_context *ctx)
{
    const report_template *t = ctx->template;
    embolo_error err = EMBOLO_OK;
    int wants_audit = template_has_section(t, SECTION_AUDIT) || template_has_sheet(t, SHEET_AUDIT);
    int wants_benchmarks = template_has_section(t, SECTION_BENCHMARKS) || template_has_sheet(t, SHEET_BENCHMARKS);
    if (wants_audit)
        err = audit_note_undated(ctx->study, ctx->results);
    if (wants_audit && ctx->has_as_of && err == EMBOLO_OK) {
        char date[11];
        int year, month;
        text_format_date(ctx->as_of, date);
        sscanf(date, "%4d-%2d", &year, &month);
        long start = t->has_period && !ctx->options->has_as_of ? template_period_start(t)
                                                               : text_days_from_civil(year, month, 1);
        err = audit_run(ctx->study, ctx->data, start, ctx->as_of, ctx->results);
    }
    for (size_t i = 0; wants_benchmarks && i < t->n_benchmarks && err == EMBOLO_OK; i++)
        err = audit_compare_benchmark(ctx->results, t->benchmarks[i].endpoint, t->benchmarks[i].variable,
                                      t->benchmarks[i].level, t->benchmarks[i].median);
    return err;
}

/* --previous (else the template's previous): checked and read before the data, so that a wrong DIR
 * fails at once. */
static embolo_error load_previous(run_context *ctx, char *message, size_t message_size)
{
    ctx->previous_path = ctx->options->previous_path ? ctx->options->previous_path : ctx->template->previous;
    if (!ctx->previous_path || ctx->options->command != DRIVER_RUN)
        return EMBOLO_OK;
    compare_this_run run = {.study = ctx->study, .study_sha256 = ctx->study_sha256, .has_as_of = ctx->has_as_of,
                            .as_of = ctx->as_of, .has_procedures = ctx->procedures_path != NULL};
    stage_begin(ctx);
    embolo_error err = compare_load(ctx->previous_path, &run, ctx->results, &ctx->previous, message, message_size);
    if (err == EMBOLO_OK)
        stage_end(ctx, "previous", compare_previous_rows(ctx->previous));
    return err;
}

/* The comparison with the earlier set, after the model stage: results.csv's section `changes`. */
static embolo_error run_compare(run_context *ctx, char *message, size_t message_size)
{
    if (!ctx->previous)
        return EMBOLO_OK;
    compare_current current = {.study = ctx->study, .data = ctx->data, .log = ctx->log,
                               .procedures = ctx->procedures, .has_as_of = ctx->has_as_of, .as_of = ctx->as_of,
                               .share = ctx->template->share, .min_count = ctx->template->min_count};
    stage_begin(ctx);
    embolo_error err = compare_run(ctx->previous, &current, ctx->results, &ctx->changes, message, message_size);
    if (err == EMBOLO_OK)
        stage_end(ctx, "compare", ctx->data->n);
    return err;
}

static embolo_error run_render(run_context *ctx, char *message, size_t message_size)
{
    const driver_options *o = ctx->options;
    embolo_error err;
    size_t n_unused = ingest_unused_column_count(ctx->table);
    const char *unused[256];
    if (n_unused > 256)
        n_unused = 256;
    for (size_t i = 0; i < n_unused; i++)
        unused[i] = ingest_unused_column(ctx->table, i);
    render_input input = {
        .version = EMBOLO_VERSION,
        .study = ctx->study,
        .data = ctx->data,
        .log = ctx->log,
        .results = o->command == DRIVER_RUN && ctx->data->n > 0 && !ctx->strict_failed ? ctx->results : NULL,
        .warnings = ctx->results,
        .input_path = o->input_path,
        .input_sha256 = ctx->input_sha256,
        .study_sha256 = ctx->study_sha256,
        .template_path = o->template_path,
        .template_sha256 = ctx->template_sha256,
        .has_as_of = ctx->has_as_of,
        .as_of = ctx->as_of,
        .unused_columns = unused,
        .n_unused_columns = n_unused,
        .stages = ctx->stages,
        .n_stages = ctx->n_stages,
        .template = ctx->template,
        .procedures = ctx->procedures,
        .procedures_path = ctx->procedures_path,
        .procedures_sha256 = ctx->procedures_sha256,
        .changes = ctx->changes,
        .quiet = o->quiet,
    };
    outset_options options = {.no_wait = o->no_wait, .quiet = o->quiet};
    err = outset_open(ctx->set, o->out_dir, &options, message, message_size);
    if (err != EMBOLO_OK)
        return err;
    stage_begin(ctx);
    err = render_run(&input, outset_dir(ctx->set), message, message_size);
    if (err == EMBOLO_OK)
        err = outset_publish(ctx->set, message, message_size);
    if (err == EMBOLO_OK)
        stage_end(ctx, "render", ctx->data->n);
    return err;
}

static void print_warnings(const run_context *ctx)
{
    if (ctx->options->quiet)
        return;
    for (size_t i = 0; i < ctx->results->n_warnings; i++)
        fprintf(stderr, "embolo: warning: %s\n", ctx->results->warnings[i]);
}

/* "no analysable row: 2 rows read, all excluded, most often E_MISSING_START (1 rows)". */
static void describe_no_analysable_row(const run_context *ctx, char *message, size_t message_size)
{
    enum { MAX_CODES = 64 };
    const char *codes[MAX_CODES];
    size_t counts[MAX_CODES], n_codes = 0, top = 0;
    for (size_t i = 0; i < ctx->log->n; i++) {
        const exclusion *e = &ctx->log->items[i];
        size_t k = 0;
        if (strcmp(e->scope, "row"))
            continue;
        while (k < n_codes && strcmp(codes[k], e->code))
            k++;
        if (k == n_codes && n_codes < MAX_CODES) {
            codes[n_codes] = e->code;
            counts[n_codes++] = 0;
        }
        if (k < n_codes && ++counts[k] > counts[top])
            top = k;
    }
    int written = snprintf(message, message_size, "%s: no analysable row: %zu rows read, all excluded",
                           ctx->options->input_path, ctx->data->rows_read);
    if (n_codes > 0 && written > 0 && (size_t)written < message_size)
        snprintf(message + written, message_size - (size_t)written, ", most often %s (%zu rows)%s", codes[top],
                 counts[top],
                 ctx->options->command == DRIVER_CHECK ? "; see exclusions.csv" : "; `embolo check` lists them");
}

/* Records after the as-of date are not yet part of the report: no fault of the data. */
static int is_after_as_of(const char *code)
{
    return !strcmp(code, "E_START_AFTER_AS_OF") || !strcmp(code, "E_PROC_AFTER_AS_OF");
}

/* --strict: every exclusion and invalid value counts but those after the as-of date, which are no
 * fault of the data. Writes "PATH: --strict: 5 exclusions or invalid values: E_DUPLICATE_ID 2, W_INVALID_VALUE 3
 * (see exclusions.csv)" and returns the count. */
static size_t describe_strict_failure(const run_context *ctx, char *message, size_t message_size)
{
    size_t total = 0, used;
    for (size_t i = 0; i < ctx->log->n; i++)
        total += !is_after_as_of(ctx->log->items[i].code);
    if (total == 0)
        return 0;
    int n = snprintf(message, message_size, "%s: --strict: %zu %s or invalid values:", ctx->options->input_path,
                     total, total == 1 ? "exclusion" : "exclusions");
    used = n > 0 && (size_t)n < message_size ? (size_t)n : message_size - 1;
    for (size_t k = 0, listed = 0; clean_code_at(k) && used < message_size; k++) {
        const char *code = clean_code_at(k);
        size_t count = 0;
        for (size_t i = 0; i < ctx->log->n && !is_after_as_of(code); i++)
            count += strcmp(ctx->log->items[i].code, code) == 0;
        if (count == 0)
            continue;
        n = snprintf(message + used, message_size - used, "%s %s %zu", listed++ ? "," : "", code, count);
        used += n > 0 ? (size_t)n : 0;
    }
    /* The share template writes no exclusion log (it names patients). */
    if (used < message_size)
        snprintf(message + used, message_size - used, "%s",
                 ctx->template && ctx->template->share
                     ? " (the share template writes no exclusions.csv: `embolo check` lists them)"
                     : " (see exclusions.csv)");
    return total;
}

/* Weighting, then modelling; the model stage begins before weighting (the first endpoint's analyses
 * that read no weight, on a thread of its own: model.h), so the manifest's "model" time counts only
 * what is left of it when the weights are there. */
static embolo_error run_weight_and_model(run_context *ctx, char *message, size_t message_size)
{
    model_session *session = NULL;
    ctx->results->curve_tick_step = ctx->template->x_step;
    stage_begin(ctx);
    embolo_error err = model_begin(ctx->study, ctx->data, ctx->results->curve_tick_step, &session);
    if (err != EMBOLO_OK) {
        snprintf(message, message_size, "modelling failed: %s", embolo_error_message(err));
        return err;
    }
    err = weight_run(ctx->study, ctx->data, ctx->results, message, message_size);
    if (err == EMBOLO_OK) {
        stage_end(ctx, "weight", ctx->data->n);
        stage_begin(ctx);
        err = model_finish(session, ctx->data, ctx->results, message, message_size);
    }
    model_session_free(session);
    return err;
}

static embolo_error run_stages(run_context *ctx, char *message, size_t message_size)
{
    const driver_options *o = ctx->options;
    embolo_error err = read_study_and_template(ctx, message, message_size);
    if (err == EMBOLO_OK)
        err = settle_template(ctx);
    if (err == EMBOLO_OK)
        err = settle_procedures(ctx, message, message_size);
    if (err == EMBOLO_OK)
        err = outset_check(o->out_dir, message, message_size);
    if (err == EMBOLO_OK)
        err = load_previous(ctx, message, message_size);
    if (err == EMBOLO_OK)
        err = run_ingest(ctx, message, message_size);
    if (err == EMBOLO_OK)
        err = run_clean(ctx, message, message_size);
    if (err != EMBOLO_OK)
        return err;
    if (o->strict && describe_strict_failure(ctx, message, message_size) > 0) {
        /* The exclusion log is written (as `check` writes it), then the run fails. */
        char strict_message[2048];
        snprintf(strict_message, sizeof strict_message, "%s", message);
        ctx->strict_failed = 1;
        print_warnings(ctx);
        err = run_render(ctx, message, message_size);
        if (err == EMBOLO_OK)
            snprintf(message, message_size, "%s", strict_message);
        return err == EMBOLO_OK ? EMBOLO_ERROR_DATA : err;
    }
    if (ctx->data->n == 0) {
        print_warnings(ctx);
        /* A failed run leaves --out alone; `check` exists to list the exclusions, so it writes them. */
        err = o->command == DRIVER_CHECK ? run_render(ctx, message, message_size) : EMBOLO_OK;
        if (err == EMBOLO_OK)
            describe_no_analysable_row(ctx, message, message_size);
        return err == EMBOLO_OK ? EMBOLO_ERROR_DATA : err;
    }
    if (o->command == DRIVER_RUN) {
        err = run_weight_and_model(ctx, message, message_size);
        if (err != EMBOLO_OK)
            return err;
        err = run_audit(ctx);
        if (err == EMBOLO_OK && ctx->procedures)
            err = safety_run(ctx->study, ctx->data, ctx->procedures, ctx->log, ctx->thresholds, ctx->has_as_of,
                             ctx->as_of, ctx->results);
        if (err == EMBOLO_OK)
            err = table1_run(ctx->study, ctx->data, ctx->results, message, message_size);
        if (err != EMBOLO_OK)
            return err;
        stage_end(ctx, "model", ctx->data->n);
        err = run_compare(ctx, message, message_size);
        if (err != EMBOLO_OK)
            return err;
    }
    print_warnings(ctx);
    return run_render(ctx, message, message_size);
}

/* The failure message is one printable line, whatever bytes of a file or path it quotes. */
static void message_to_one_line(char *message)
{
    for (unsigned char *c = (unsigned char *)message; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            *c = '?';
}

embolo_error driver_run(const driver_options *options, char *message, size_t message_size)
{
    run_context ctx = {.options = options};
    signal_watch watch;
    embolo_error err;
    gsl_set_error_handler_off();
    message[0] = '\0';
    ctx.results = results_new();
    ctx.set = outset_new();
    watch_start(&watch, ctx.set, options->quiet);
    if (!ctx.results || !ctx.set) {
        snprintf(message, message_size, "out of memory");
        err = EMBOLO_ERROR_NOMEM;
    } else
        err = run_stages(&ctx, message, message_size);
    watch_stop(&watch);
    if (err != EMBOLO_OK && !message[0])
        snprintf(message, message_size, "%s", embolo_error_message(err));
    message_to_one_line(message);
    results_free(ctx.results);
    dataset_free(ctx.data);
    exclusion_log_free(ctx.log);
    ingest_table_free(ctx.table);
    clean_columns_free(ctx.columns);
    procedure_set_free(ctx.procedures);
    procedure_thresholds_free(ctx.thresholds);
    ingest_table_free(ctx.procedure_table);
    clean_columns_free(ctx.procedure_columns);
    compare_previous_free(ctx.previous);
    change_set_free(ctx.changes);
    study_free(ctx.study);
    template_free(ctx.template);
    return err;
}
