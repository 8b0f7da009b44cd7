/* The model stage's scheduling. Each endpoint's analyses are steps (model_internal.h), each into its
 * own results, appended in the order of the steps: the output is a sequential run's, byte for byte,
 * whichever thread ran a step. As many threads as the machine has processors take the next step that
 * can run; the steps that read no weight can run before the weights exist (model.h), the others wait
 * for them. An endpoint's rows are made by its first step to run, shared read-only by its steps, and
 * freed after its last. */
#include "model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cpus.h"
#include "model_internal.h"

/* At most this many threads model at once (as many as the machine has processors). */
#define MODEL_THREADS CPUS_MAX

enum { STEP_PENDING, STEP_RUNNING, STEP_DONE };

typedef struct model_task {
    size_t endpoint;
    model_step step;
    size_t index;      /* the univariate model's index */
    int weighted;      /* reads the weights: starts once they exist */
    int state;
    results *out;
    embolo_error err;
} model_task;

typedef struct endpoint_state {
    pthread_mutex_t mutex;     /* held while the rows or the weighted view are made */
    int rows_made;
    embolo_error rows_err;
    endpoint_rows *rows;       /* from the data as it was before weighting: no weight */
    int weighted_made;
    embolo_error weighted_err;
    endpoint_rows weighted;    /* rows' arrays with the weights gathered (weighted.weight is its own) */
    size_t steps_left;         /* the rows are freed when it reaches 0 */
    design_share multivariable;
} endpoint_state;

struct model_session {
    const study *s;
    dataset before;            /* data's fields as weighting leaves them: no weights */
    model_task *tasks;
    size_t n_tasks;
    endpoint_state *endpoints;
    size_t n_endpoints_ready;  /* endpoints whose mutex is initialised */
    pthread_mutex_t mutex;     /* guards the tasks' states, settled, data, failed and steps_left */
    pthread_cond_t changed;
    int settled;               /* model_finish gave the weighted data, or the session is stopped */
    const dataset *data;       /* the weighted data; NULL when stopped */
    int failed;                /* a step failed: no other starts */
    pthread_t workers[MODEL_THREADS];
    size_t n_workers;
};

static embolo_error endpoint_rows_get(model_session *m, size_t endpoint, endpoint_rows **rows)
{
    endpoint_state *e = &m->endpoints[endpoint];
    pthread_mutex_lock(&e->mutex);
    if (!e->rows_made) {
        e->rows_err = endpoint_rows_new(&m->before, endpoint, &e->rows);
        e->rows_made = 1;
    }
    *rows = e->rows;
    pthread_mutex_unlock(&e->mutex);
    return e->rows_err;
}

static embolo_error endpoint_weighted_get(model_session *m, size_t endpoint, const dataset *data,
                                          endpoint_rows **rows)
{
    endpoint_state *e = &m->endpoints[endpoint];
    pthread_mutex_lock(&e->mutex);
    if (!e->weighted_made) {
        e->weighted = *e->rows;
        e->weighted.weight = NULL;
        e->weighted_err = endpoint_rows_gather_weight(&e->weighted, data);
        e->weighted_made = 1;
    }
    *rows = &e->weighted;
    pthread_mutex_unlock(&e->mutex);
    return e->weighted_err;
}

static void endpoint_state_release(endpoint_state *e)
{
    endpoint_rows_free(e->rows);
    e->rows = NULL;
    if (e->weighted_made)
        free(e->weighted.weight);
    e->weighted_made = 0;
}

static embolo_error task_model(model_session *m, model_task *t, const dataset *data)
{
    const study *s = m->s;
    model_context ctx = {.s = s, .data = &m->before, .out = t->out, .endpoint = &s->endpoints[t->endpoint],
                         .endpoint_index = t->endpoint, .multivariable = &m->endpoints[t->endpoint].multivariable};
    embolo_error err = endpoint_rows_get(m, t->endpoint, &ctx.rows);
    if (err == EMBOLO_OK && t->weighted) {
        ctx.data = data;
        err = endpoint_weighted_get(m, t->endpoint, data, &ctx.rows);
    }
    if (err != EMBOLO_OK)
        return err;
    if (ctx.rows->n == 0)
        return t->step == MODEL_STEP_CURVES
                   ? results_warn_about(t->out, (result_subject){.endpoint = ctx.endpoint->name}, "no analysable row")
                   : EMBOLO_OK;
    return model_step_run(&ctx, t->step, t->index);
}

/* The first pending step that can start, marked running; NULL when none is left to start (or the
 * session failed or was stopped). Called with m->mutex held; waits while only weighted steps are left
 * and the weights are not there yet. */
static model_task *task_take(model_session *m)
{
    for (;;) {
        int waiting = 0;
        if (m->failed || (m->settled && !m->data))
            return NULL;
        for (size_t i = 0; i < m->n_tasks; i++) {
            model_task *t = &m->tasks[i];
            if (t->state != STEP_PENDING)
                continue;
            if (t->weighted && !m->settled) {
                waiting = 1;
                continue;
            }
            t->state = STEP_RUNNING;
            return t;
        }
        if (!waiting)
            return NULL;
        pthread_cond_wait(&m->changed, &m->mutex);
    }
}

static void tasks_work(model_session *m)
{
    pthread_mutex_lock(&m->mutex);
    for (model_task *t; (t = task_take(m));) {
        const dataset *data = m->data;
        pthread_mutex_unlock(&m->mutex);
        embolo_error err = task_model(m, t, data);
        pthread_mutex_lock(&m->mutex);
        t->err = err;
        t->state = STEP_DONE;
        m->failed = m->failed || err != EMBOLO_OK;
        if (--m->endpoints[t->endpoint].steps_left == 0)
            endpoint_state_release(&m->endpoints[t->endpoint]);
        pthread_cond_broadcast(&m->changed);
    }
    pthread_mutex_unlock(&m->mutex);
}

static void *worker_run(void *arg)
{
    tasks_work(arg);
    return NULL;
}

static void session_settle(model_session *m, const dataset *data)
{
    pthread_mutex_lock(&m->mutex);
    if (!m->settled) {
        m->settled = 1;
        m->data = data;
    }
    pthread_cond_broadcast(&m->changed);
    pthread_mutex_unlock(&m->mutex);
}

/* The steps of every endpoint, in the order of their results. */
static embolo_error tasks_make(model_session *m)
{
    const study *s = m->s;
    size_t per_endpoint = s->n_univariate + 5;
    m->tasks = calloc(s->n_endpoints * per_endpoint + 1, sizeof *m->tasks);
    m->endpoints = calloc(s->n_endpoints + 1, sizeof *m->endpoints);
    if (!m->tasks || !m->endpoints)
        return EMBOLO_ERROR_NOMEM;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        model_step steps[] = {MODEL_STEP_CURVES, MODEL_STEP_MULTIVARIABLE, MODEL_STEP_WEIGHTED, MODEL_STEP_SURVIVAL2,
                              MODEL_STEP_COX2};
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            size_t repeat = k == 1 ? s->n_univariate : 0;
            for (size_t u = 0; u < repeat; u++)
                m->tasks[m->n_tasks++] = (model_task){.endpoint = e, .step = MODEL_STEP_UNIVARIATE, .index = u};
            m->tasks[m->n_tasks++] = (model_task){.endpoint = e, .step = steps[k], .weighted = k >= 2};
        }
        m->endpoints[e].steps_left = per_endpoint;
    }
    for (size_t i = 0; i < m->n_tasks; i++)
        if (!(m->tasks[i].out = results_new()))
            return EMBOLO_ERROR_NOMEM;
    return EMBOLO_OK;
}

static void session_destroy(model_session *m)
{
    for (size_t i = 0; m->tasks && i < m->n_tasks; i++)
        results_free(m->tasks[i].out);
    for (size_t e = 0; e < m->n_endpoints_ready; e++) {
        endpoint_state_release(&m->endpoints[e]);
        design_share_destroy(&m->endpoints[e].multivariable);
        pthread_mutex_destroy(&m->endpoints[e].mutex);
    }
    free(m->tasks);
    free(m->endpoints);
    pthread_cond_destroy(&m->changed);
    pthread_mutex_destroy(&m->mutex);
    free(m);
}

static embolo_error session_init(model_session *m, const study *s, const dataset *data, double curve_tick_step)
{
    m->s = s;
    m->before = *data;
    m->before.n_groups = 0;
    m->before.ps = NULL;
    m->before.weight = NULL;
    m->before.weight_stabilized = NULL;
    embolo_error err = tasks_make(m);
    for (size_t i = 0; err == EMBOLO_OK && i < m->n_tasks; i++)
        m->tasks[i].out->curve_tick_step = curve_tick_step;
    for (size_t e = 0; err == EMBOLO_OK && e < s->n_endpoints; e++) {
        if (pthread_mutex_init(&m->endpoints[e].mutex, NULL) != 0) {
            err = EMBOLO_ERROR_NOMEM;
        } else if (design_share_init(&m->endpoints[e].multivariable) != EMBOLO_OK) {
            pthread_mutex_destroy(&m->endpoints[e].mutex);
            err = EMBOLO_ERROR_NOMEM;
        } else {
            m->n_endpoints_ready++;
        }
    }
    return err;
}

embolo_error model_begin(const study *s, const dataset *data, double curve_tick_step, model_session **out)
{
    model_session *m = calloc(1, sizeof *m);
    *out = NULL;
    if (!m)
        return EMBOLO_ERROR_NOMEM;
    if (pthread_mutex_init(&m->mutex, NULL) != 0) {
        free(m);
        return EMBOLO_ERROR_NOMEM;
    }
    if (pthread_cond_init(&m->changed, NULL) != 0) {
        pthread_mutex_destroy(&m->mutex);
        free(m);
        return EMBOLO_ERROR_NOMEM;
    }
    embolo_error err = session_init(m, s, data, curve_tick_step);
    if (err != EMBOLO_OK) {
        session_destroy(m);
        return err;
    }
    /* This thread joins them in model_finish; a worker that cannot start leaves its share to the others. */
    size_t cpus = cpus_online(), wanted = cpus > MODEL_THREADS ? MODEL_THREADS - 1 : cpus - 1;
    for (size_t k = 0; k < wanted; k++)
        if (pthread_create(&m->workers[m->n_workers], NULL, worker_run, m) == 0)
            m->n_workers++;
    *out = m;
    return EMBOLO_OK;
}

static void workers_join(model_session *m)
{
    for (size_t k = 0; k < m->n_workers; k++)
        pthread_join(m->workers[k], NULL);
    m->n_workers = 0;
}

embolo_error model_finish(model_session *m, const dataset *data, results *out, char *message, size_t message_size)
{
    embolo_error err = EMBOLO_OK;
    size_t failed = 0;
    session_settle(m, data);
    tasks_work(m);
    workers_join(m);
    for (size_t i = 0; i < m->n_tasks && err == EMBOLO_OK; i++) {
        err = m->tasks[i].err;
        failed = m->tasks[i].endpoint;
        if (err == EMBOLO_OK)
            err = results_append(out, m->tasks[i].out);
    }
    if (err != EMBOLO_OK)
        snprintf(message, message_size, "modelling %s failed: %s", m->s->endpoints[failed].name,
                 embolo_error_message(err));
    return err;
}

void model_session_free(model_session *session)
{
    if (!session)
        return;
    session_settle(session, NULL);
    workers_join(session);
    session_destroy(session);
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
