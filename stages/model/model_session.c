/* The model stage's scheduling: the endpoints as many at a time as the machine has processors, each
 * into its own results appended in endpoint order (the output is a sequential run's), and the first
 * endpoint's unweighted analyses started before the weights exist (model.h). */
#include "model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cpus.h"
#include "model_internal.h"

/* At most this many endpoints are modelled at once (as many as the machine has processors). */
#define MODEL_THREADS CPUS_MAX

typedef struct endpoint_job endpoint_job;

struct model_session {
    const study *s;
    dataset before;        /* data's fields as weight_run leaves them: no weights */
    double curve_tick_step;
    pthread_mutex_t mutex;
    pthread_cond_t settled_cond;
    int settled;           /* model_finish gave the weighted data (or the session is stopped) */
    const dataset *data;   /* the weighted data, NULL when stopped */
    endpoint_job *early;   /* the first endpoint's job, running on its thread; NULL when none */
    pthread_t early_thread;
};

struct endpoint_job {
    const study *s;
    const dataset *data;      /* what the job reads first: the session's `before` for the early job */
    model_session *session;   /* the early job's: where it waits for the weighted data */
    size_t endpoint;
    results *out;
    embolo_error err;
};

/* The early job's wait for the weighted data; EMBOLO_ERROR_INTERNAL when the session was stopped. */
static embolo_error session_await(model_session *session, const dataset **data)
{
    pthread_mutex_lock(&session->mutex);
    while (!session->settled)
        pthread_cond_wait(&session->settled_cond, &session->mutex);
    *data = session->data;
    pthread_mutex_unlock(&session->mutex);
    return *data ? EMBOLO_OK : EMBOLO_ERROR_INTERNAL;
}

static void session_settle(model_session *session, const dataset *data)
{
    pthread_mutex_lock(&session->mutex);
    session->settled = 1;
    session->data = data;
    pthread_cond_broadcast(&session->settled_cond);
    pthread_mutex_unlock(&session->mutex);
}

/* Models one endpoint into its own results: the unweighted analyses, then (the early job once the
 * weights exist) the rest. */
static embolo_error model_one_endpoint(endpoint_job *job)
{
    const study *s = job->s;
    size_t e = job->endpoint;
    model_context ctx = {.s = s, .data = job->data, .out = job->out, .endpoint = &s->endpoints[e],
                         .endpoint_index = e};
    embolo_error err = endpoint_rows_new(job->data, e, &ctx.rows);
    if (err != EMBOLO_OK)
        return err;
    if (ctx.rows->n == 0) {
        err = results_warn_about(job->out, (result_subject){.endpoint = ctx.endpoint->name}, "no analysable row");
        goto cleanup;
    }
    err = model_endpoint_unweighted(&ctx);
    if (err == EMBOLO_OK && job->session)
        err = session_await(job->session, &ctx.data);
    if (err == EMBOLO_OK)
        err = endpoint_rows_gather_weight(ctx.rows, ctx.data);
    if (err == EMBOLO_OK)
        err = model_endpoint_weighted(&ctx);
cleanup:
    endpoint_rows_free(ctx.rows);
    return err;
}

static void *endpoint_job_run(void *arg)
{
    endpoint_job *job = arg;
    job->err = model_one_endpoint(job);
    return NULL;
}

static embolo_error job_init(endpoint_job *job, const study *s, const dataset *data, size_t endpoint,
                             double curve_tick_step)
{
    *job = (endpoint_job){.s = s, .data = data, .endpoint = endpoint, .out = results_new()};
    if (!job->out)
        return job->err = EMBOLO_ERROR_NOMEM;
    job->out->curve_tick_step = curve_tick_step;
    return EMBOLO_OK;
}

embolo_error model_begin(const study *s, const dataset *data, double curve_tick_step, model_session **out)
{
    model_session *session = calloc(1, sizeof *session);
    *out = NULL;
    if (!session)
        return EMBOLO_ERROR_NOMEM;
    session->s = s;
    session->curve_tick_step = curve_tick_step;
    session->before = *data;
    session->before.n_groups = 0;
    session->before.ps = NULL;
    session->before.weight = NULL;
    session->before.weight_stabilized = NULL;
    if (pthread_mutex_init(&session->mutex, NULL) != 0) {
        free(session);
        return EMBOLO_ERROR_NOMEM;
    }
    if (pthread_cond_init(&session->settled_cond, NULL) != 0) {
        pthread_mutex_destroy(&session->mutex);
        free(session);
        return EMBOLO_ERROR_NOMEM;
    }
    *out = session;
    /* Without a second processor, or when the job cannot start, model_finish does it all. */
    endpoint_job *early = malloc(sizeof *early);
    if (cpus_online() < 2 || s->n_endpoints == 0 || !early ||
        job_init(early, s, &session->before, 0, curve_tick_step) != EMBOLO_OK) {
        if (early)
            results_free(early->out);
        free(early);
        return EMBOLO_OK;
    }
    early->session = session;
    if (pthread_create(&session->early_thread, NULL, endpoint_job_run, early) != 0) {
        results_free(early->out);
        free(early);
        return EMBOLO_OK;
    }
    session->early = early;
    return EMBOLO_OK;
}

/* Waits for the early job (the weighted data given, or NULL to stop it) and takes it back. */
static endpoint_job *early_take(model_session *session, const dataset *data)
{
    endpoint_job *early = session->early;
    if (!early)
        return NULL;
    session_settle(session, data);
    pthread_join(session->early_thread, NULL);
    session->early = NULL;
    return early;
}

/* Runs endpoints first .. first + count - 1 (at most MODEL_THREADS) at once, the last on this thread;
 * jobs[0] is the early job when it is given. */
static void batch_run(endpoint_job *jobs, size_t count, int first_is_early, model_session *session,
                      const dataset *data)
{
    pthread_t threads[MODEL_THREADS];
    int started[MODEL_THREADS] = {0};
    for (size_t k = first_is_early ? 1 : 0; k < count; k++) {
        if (jobs[k].err == EMBOLO_OK && k + 1 < count)
            started[k] = pthread_create(&threads[k], NULL, endpoint_job_run, &jobs[k]) == 0;
        if (!started[k] && jobs[k].err == EMBOLO_OK)
            endpoint_job_run(&jobs[k]);
    }
    if (first_is_early) {
        endpoint_job *early = early_take(session, data);
        jobs[0] = *early;
        free(early);
    }
    for (size_t k = 0; k < count; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
}

embolo_error model_finish(model_session *session, const dataset *data, results *out, char *message,
                          size_t message_size)
{
    const study *s = session->s;
    embolo_error err = EMBOLO_OK;
    endpoint_job jobs[MODEL_THREADS];
    size_t failed = 0, batch = cpus_online();
    if (batch > MODEL_THREADS)
        batch = MODEL_THREADS;
    for (size_t first = 0; first < s->n_endpoints && err == EMBOLO_OK; first += batch) {
        size_t count = s->n_endpoints - first < batch ? s->n_endpoints - first : batch;
        int early = first == 0 && session->early != NULL;
        for (size_t k = early ? 1 : 0; k < count; k++)
            job_init(&jobs[k], s, data, first + k, session->curve_tick_step);
        batch_run(jobs, count, early, session, data);
        for (size_t k = 0; k < count; k++) {
            if (err == EMBOLO_OK && jobs[k].err != EMBOLO_OK) {
                err = jobs[k].err;
                failed = first + k;
            }
            if (err == EMBOLO_OK)
                err = results_append(out, jobs[k].out);
            results_free(jobs[k].out);
        }
    }
    if (err != EMBOLO_OK)
        snprintf(message, message_size, "modelling %s failed: %s", s->endpoints[failed].name,
                 embolo_error_message(err));
    return err;
}

void model_session_free(model_session *session)
{
    if (!session)
        return;
    endpoint_job *early = early_take(session, NULL);
    if (early)
        results_free(early->out);
    free(early);
    pthread_cond_destroy(&session->settled_cond);
    pthread_mutex_destroy(&session->mutex);
    free(session);
}

embolo_error model_run(const study *s, const dataset *data, results *out, char *message, size_t message_size)
{
    model_session *session = NULL;
    embolo_error err = model_begin(s, data, out->curve_tick_step, &session);
    if (err == EMBOLO_OK)
        err = model_finish(session, data, out, message, message_size);
    else
        snprintf(message, message_size, "modelling failed: %s", embolo_error_message(err));
    model_session_free(session);
    return err;
}
