/* The procedure statistics (procedures.md, sections 3-7): what each patient's sessions add up to,
 * the safety table by modality with exact intervals and Fisher's test, the monthly audit's windows
 * against their thresholds, the CUSUM of major AEs and the operators' funnel. */
#include "safety.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"
#include "common/text.h"
#include "cusum.h"
#include "exact.h"
#include "funnel.h"

/* The CUSUM path kept for the chart: beyond this many points, the lowest and highest of each run. */
#define CHART_MAX_POINTS 4000
/* Funnel limits are kept for every n up to this, then on a geometric grid up to the largest n. */
#define FUNNEL_DENSE_N 300
#define FUNNEL_GRID_POINTS 300
#define VOLUME_MONTHS 24
#define ALL_MODALITIES (-1)

typedef struct safety_context {
    const study *s;
    const dataset *data;
    const procedure_set *p;
    const procedure_thresholds *thresholds;
    results *out;
    const study_variable *treatment;
    int has_windows;           /* 0 without a reference date: no procedure and no as-of date */
    long reference;            /* R */
    long month_start;          /* the first day of R's month */
    long year_start;           /* the first day of the month 11 months before */
    size_t *by_patient;        /* the procedures by patient and session */
    size_t *by_date;           /* the procedures by date and record */
    int *index_modality;       /* [data->n] the modality of each patient's index procedure, -1 none */
} safety_context;

/* Which procedures a statistic is over: one modality or all, dates in [from, to]. */
typedef struct procedure_filter {
    int modality;
    long from, to;
} procedure_filter;

static int filter_has(const procedure_filter *f, const procedure *item)
{
    return (f->modality == ALL_MODALITIES || item->modality == f->modality) && item->day >= f->from &&
           item->day <= f->to;
}

static embolo_error add(safety_context *ctx, const char *section, const char *model, const char *variable,
                        const char *level, const char *stat, double value)
{
    return results_add(ctx->out, section, "", model, variable, level, stat, value);
}

/* The keys of a line about all procedures or one modality. */
typedef struct line_keys {
    const char *section, *model, *variable, *level;
} line_keys;

static line_keys keys_for(const safety_context *ctx, const char *section, const char *model, int modality)
{
    return (line_keys){section, model, modality == ALL_MODALITIES ? KEY_ALL : ctx->treatment->name,
                       modality == ALL_MODALITIES ? "" : ctx->treatment->levels[modality]};
}

static embolo_error add_at(safety_context *ctx, const line_keys *k, const char *stat, double value)
{
    return add(ctx, k->section, k->model, k->variable, k->level, stat, value);
}

static double ratio(size_t x, size_t n)
{
    return n ? (double)x / (double)n : NAN;
}

/* ---- orders ---- */

typedef struct order_key {
    long first;      /* patient, or day */
    long second;     /* session, or record */
    size_t index;
} order_key;

static int by_key(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->second < y->second ? -1 : x->second > y->second;
}

/* Indices of the procedures sorted by (patient, session) and by (date, record): sorted once. */
static embolo_error make_orders(safety_context *ctx)
{
    const procedure_set *p = ctx->p;
    size_t n = p->n ? p->n : 1;
    order_key *keys = malloc(n * sizeof *keys);
    ctx->by_patient = malloc(n * sizeof *ctx->by_patient);
    ctx->by_date = malloc(n * sizeof *ctx->by_date);
    ctx->index_modality = malloc((ctx->data->n ? ctx->data->n : 1) * sizeof *ctx->index_modality);
    if (!keys || !ctx->by_patient || !ctx->by_date || !ctx->index_modality) {
        free(keys);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < p->n; i++)
        keys[i] = (order_key){(long)p->items[i].patient, p->items[i].session, i};
    qsort(keys, p->n, sizeof *keys, by_key);
    for (size_t i = 0; i < p->n; i++)
        ctx->by_patient[i] = keys[i].index;
    for (size_t i = 0; i < p->n; i++)
        keys[i] = (order_key){p->items[i].day, (long)p->items[i].record, i};
    qsort(keys, p->n, sizeof *keys, by_key);
    for (size_t i = 0; i < p->n; i++)
        ctx->by_date[i] = keys[i].index;
    free(keys);
    for (size_t r = 0; r < ctx->data->n; r++)
        ctx->index_modality[r] = -1;
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].session == 1)
            ctx->index_modality[p->items[i].patient] = p->items[i].modality;
    return EMBOLO_OK;
}

/* ---- section procedures ---- */

typedef struct patient_counts {
    size_t patients, sessions, repeat, crossover;
} patient_counts;

/* Patients with sessions whose index modality is `modality` (ALL_MODALITIES: any). */
static patient_counts count_patients(const safety_context *ctx, int modality)
{
    patient_counts c = {0};
    for (size_t r = 0; r < ctx->data->n; r++) {
        size_t sessions = ctx->data->sessions[r];
        if (!sessions || (modality != ALL_MODALITIES && ctx->index_modality[r] != modality))
            continue;
        c.patients++;
        c.sessions += sessions;
        c.repeat += sessions >= 2;
        c.crossover += ctx->data->crossover[r];
    }
    return c;
}

static size_t code_count(const exclusion_log *log, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < log->n; i++)
        n += !strcmp(log->items[i].code, code);
    return n;
}

static embolo_error write_overall(safety_context *ctx, const exclusion_log *log)
{
    const procedure_set *p = ctx->p;
    patient_counts c = count_patients(ctx, ALL_MODALITIES);
    size_t max = 0;
    for (size_t r = 0; r < ctx->data->n; r++)
        max = ctx->data->sessions[r] > max ? ctx->data->sessions[r] : max;
    const struct {
        const char *stat;
        double value;
    } lines[] = {
        {KEY_STAT_RECORDS, (double)p->records},
        {KEY_STAT_INCLUDED, (double)p->n},
        {KEY_STAT_EXCLUDED, (double)p->excluded},
        {KEY_STAT_PATIENTS, (double)c.patients},
        {KEY_STAT_PATIENTS_WITHOUT, (double)(ctx->data->n - c.patients)},
        {KEY_STAT_SESSIONS_MEAN, ratio(c.sessions, c.patients)},
        {KEY_STAT_SESSIONS_MAX, (double)max},
        {KEY_STAT_REPEAT, (double)c.repeat},
        {KEY_STAT_REPEAT_PROP, ratio(c.repeat, c.patients)},
        {KEY_STAT_CROSSOVER, (double)c.crossover},
        {KEY_STAT_CROSSOVER_PROP, ratio(c.crossover, c.patients)},
        {KEY_STAT_START_FROM_INDEX, (double)p->start_from_index},
        {KEY_STAT_TREATMENT_FROM_INDEX, (double)p->treatment_from_index},
        {KEY_STAT_INDEX_DATE_MISMATCH, (double)code_count(log, "W_INDEX_DATE_MISMATCH")},
        {KEY_STAT_INDEX_MODALITY_MISMATCH, (double)code_count(log, "W_INDEX_MODALITY_MISMATCH")},
        {KEY_STAT_AFTER_FOLLOWUP, (double)p->after_followup},
    };
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && err == EMBOLO_OK; i++)
        err = add(ctx, KEY_PROCEDURES, "", KEY_ALL, "", lines[i].stat, lines[i].value);
    return err;
}

static embolo_error write_by_index_modality(safety_context *ctx)
{
    embolo_error err = EMBOLO_OK;
    for (size_t l = 0; l < ctx->treatment->n_levels && err == EMBOLO_OK; l++) {
        patient_counts c = count_patients(ctx, (int)l);
        line_keys k = keys_for(ctx, KEY_PROCEDURES, "", (int)l);
        err = add_at(ctx, &k, KEY_STAT_PATIENTS, (double)c.patients);
        if (err == EMBOLO_OK)
            err = add_at(ctx, &k, KEY_STAT_SESSIONS_MEAN, ratio(c.sessions, c.patients));
        if (err == EMBOLO_OK)
            err = add_at(ctx, &k, KEY_STAT_REPEAT, (double)c.repeat);
        if (err == EMBOLO_OK)
            err = add_at(ctx, &k, KEY_STAT_CROSSOVER, (double)c.crossover);
    }
    return err;
}

static embolo_error write_sessions(safety_context *ctx)
{
    size_t max = 0;
    for (size_t r = 0; r < ctx->data->n; r++)
        max = ctx->data->sessions[r] > max ? ctx->data->sessions[r] : max;
    size_t *count = calloc(max + 1, sizeof *count);
    embolo_error err = count ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t r = 0; count && r < ctx->data->n; r++)
        count[ctx->data->sessions[r]]++;
    for (size_t k = 1; k <= max && err == EMBOLO_OK; k++) {
        char level[32];
        snprintf(level, sizeof level, "%zu", k);
        err = add(ctx, KEY_PROCEDURES, "", KEY_SESSIONS, level, KEY_STAT_PATIENTS, (double)count[k]);
    }
    free(count);
    return err;
}

/* Patients per crossover pair A>B (index modality A, a later session of B), each patient once. */
static embolo_error write_crossovers(safety_context *ctx)
{
    size_t k = ctx->treatment->n_levels;
    size_t *pairs = calloc(k ? k * k : 1, sizeof *pairs);
    unsigned char *seen = calloc(k ? k : 1, 1);
    embolo_error err = pairs && seen ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; err == EMBOLO_OK && i < ctx->p->n; i++) {
        const procedure *item = &ctx->p->items[ctx->by_patient[i]];
        int index = ctx->index_modality[item->patient];
        if (item->session == 1)
            memset(seen, 0, k);
        else if (item->modality != index && !seen[item->modality]) {
            seen[item->modality] = 1;
            pairs[(size_t)index * k + (size_t)item->modality]++;
        }
    }
    for (size_t a = 0; err == EMBOLO_OK && a < k; a++)
        for (size_t b = 0; err == EMBOLO_OK && b < k; b++) {
            char level[KEY_SIZE];
            if (pairs[a * k + b])
                err = add(ctx, KEY_PROCEDURES, "", KEY_CROSSOVER,
                          key_crossover(level, ctx->treatment->levels[a], ctx->treatment->levels[b]),
                          KEY_STAT_PATIENTS, (double)pairs[a * k + b]);
        }
    free(pairs);
    free(seen);
    return err;
}

/* `code` lines: the lines of each procedure code in exclusions.csv, the codes that occur. */
static embolo_error write_codes(safety_context *ctx, const exclusion_log *log)
{
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < log->n && err == EMBOLO_OK; i++) {
        const exclusion *e = &log->items[i];
        int counted = 0;
        if (strcmp(e->scope, "procedure") && strcmp(e->scope, "procedure_value") && strcmp(e->scope, "index"))
            continue;
        for (size_t j = 0; j < i && !counted; j++)
            counted = !strcmp(log->items[j].code, e->code);
        if (!counted)
            err = add(ctx, KEY_PROCEDURES, "", KEY_CODE, e->code, KEY_STAT_N, (double)code_count(log, e->code));
    }
    return err;
}

/* ---- tallies of a set of procedures ---- */

typedef struct rate {
    size_t events, n;
} rate;

typedef struct tally {
    size_t procedures, patients;
    size_t grade[PROCEDURE_MAX_GRADE + 2];   /* ordinals 0-5, then unknown */
    rate major, mort30, mort30_patient, success;
    size_t mort30_unknown;
    double *activity;                        /* [n_activity] sorted */
    size_t n_activity;
} tally;

/* Per patient over its procedures in the set: died if one died, survived if all did. */
static void tally_patient(tally *t, int any_died, int all_survived)
{
    t->patients++;
    if (any_died || all_survived) {
        t->mort30_patient.n++;
        t->mort30_patient.events += any_died;
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void tally_procedure(tally *t, const procedure *item)
{
    t->procedures++;
    t->grade[item->grade == PROCEDURE_UNKNOWN ? PROCEDURE_MAX_GRADE + 1 : item->grade]++;
    if (item->grade != PROCEDURE_UNKNOWN) {
        t->major.n++;
        t->major.events += item->grade >= PROCEDURE_MAJOR_GRADE;
    }
    if (item->death30 != PROCEDURE_UNKNOWN) {
        t->mort30.n++;
        t->mort30.events += item->death30 == 1;
    } else {
        t->mort30_unknown++;
    }
    if (item->success != PROCEDURE_UNKNOWN) {
        t->success.n++;
        t->success.events += item->success == 1;
    }
    if (!isnan(item->activity))
        t->activity[t->n_activity++] = item->activity;
}

/* Walks the procedures by patient: O(n) per set. t->activity must hold room for every procedure. */
static void tally_set(const safety_context *ctx, const procedure_filter *f, tally *t)
{
    double *activity = t->activity;
    size_t current = (size_t)-1;
    int any_died = 0, all_survived = 1;
    *t = (tally){.activity = activity};
    for (size_t i = 0; i < ctx->p->n; i++) {
        const procedure *item = &ctx->p->items[ctx->by_patient[i]];
        if (!filter_has(f, item))
            continue;
        if (item->patient != current) {
            if (current != (size_t)-1)
                tally_patient(t, any_died, all_survived);
            current = item->patient;
            any_died = 0;
            all_survived = 1;
        }
        any_died |= item->death30 == 1;
        all_survived &= item->death30 == 0;
        tally_procedure(t, item);
    }
    if (current != (size_t)-1)
        tally_patient(t, any_died, all_survived);
    qsort(t->activity, t->n_activity, sizeof *t->activity, compare_doubles);
}

/* PREFIX_n, _events, _rate, _lower, _upper (the exact 95% CI; NA when n = 0). */
static embolo_error write_rate(safety_context *ctx, const line_keys *k, const char *prefix, rate r, double *rate_out,
                               double *lower, double *upper)
{
    char stat[KEY_SIZE];
    *lower = *upper = NAN;
    if (r.n)
        exact_binomial_ci(r.events, r.n, lower, upper);
    *rate_out = ratio(r.events, r.n);
    embolo_error err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_N), (double)r.n);
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_EVENTS), (double)r.events);
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_RATE), *rate_out);
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_LOWER), *lower);
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_UPPER), *upper);
    return err;
}

static embolo_error write_plain_rate(safety_context *ctx, const line_keys *k, const char *prefix, rate r)
{
    double value, lower, upper;
    return write_rate(ctx, k, prefix, r, &value, &lower, &upper);
}

/* ---- section safety ---- */

static embolo_error write_grades(safety_context *ctx, const line_keys *k, const tally *t)
{
    embolo_error err = EMBOLO_OK;
    for (size_t g = 0; g <= PROCEDURE_MAX_GRADE && err == EMBOLO_OK; g++) {
        char stat[KEY_SIZE];
        err = add_at(ctx, k, key_stat_at_index(stat, KEY_STAT_GRADE, g), (double)t->grade[g]);
    }
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, KEY_STAT_GRADE_UNKNOWN, (double)t->grade[PROCEDURE_MAX_GRADE + 1]);
    if (err == EMBOLO_OK)
        err = write_plain_rate(ctx, k, KEY_RATE_MAJOR_AE, t->major);
    return err;
}

static embolo_error write_activity(safety_context *ctx, const line_keys *k, const tally *t)
{
    char stat[KEY_SIZE];
    embolo_error err = add_at(ctx, k, key_stat_with(stat, KEY_STAT_ACTIVITY, KEY_STAT_N), (double)t->n_activity);
    if (t->n_activity == 0 || err != EMBOLO_OK)
        return err;
    double sum = 0.0;
    for (size_t i = 0; i < t->n_activity; i++)
        sum += t->activity[i];
    const struct {
        const char *stat;
        double value;
    } lines[] = {
        {KEY_STAT_MEAN, sum / (double)t->n_activity},
        {KEY_STAT_MEDIAN, exact_quantile7(t->activity, t->n_activity, 0.5)},
        {KEY_STAT_Q1, exact_quantile7(t->activity, t->n_activity, 0.25)},
        {KEY_STAT_Q3, exact_quantile7(t->activity, t->n_activity, 0.75)},
        {KEY_STAT_MIN, t->activity[0]},
        {KEY_STAT_MAX, t->activity[t->n_activity - 1]},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && err == EMBOLO_OK; i++)
        err = add_at(ctx, k, key_stat_with(stat, KEY_STAT_ACTIVITY, lines[i].stat), lines[i].value);
    return err;
}

static embolo_error write_safety_set(safety_context *ctx, int modality, tally *t)
{
    procedure_filter f = {modality, LONG_MIN, LONG_MAX};
    line_keys k = keys_for(ctx, KEY_SAFETY, "", modality);
    char stat[KEY_SIZE];
    tally_set(ctx, &f, t);
    embolo_error err = add_at(ctx, &k, KEY_STAT_PROCEDURES, (double)t->procedures);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_PATIENTS, (double)t->patients);
    if (err == EMBOLO_OK && ctx->p->has_grade)
        err = write_grades(ctx, &k, t);
    if (err == EMBOLO_OK)
        err = write_plain_rate(ctx, &k, KEY_RATE_MORT30, t->mort30);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, key_stat_with(stat, KEY_RATE_MORT30, KEY_STAT_UNKNOWN), (double)t->mort30_unknown);
    if (err == EMBOLO_OK)
        err = write_plain_rate(ctx, &k, KEY_RATE_MORT30_PATIENT, t->mort30_patient);
    if (err == EMBOLO_OK && ctx->p->has_success)
        err = write_plain_rate(ctx, &k, KEY_RATE_TECH_SUCCESS, t->success);
    if (err == EMBOLO_OK && ctx->p->has_activity)
        err = write_activity(ctx, &k, t);
    return err;
}

/* Fisher's exact test across the modalities with n > 0, written when there are 2 or more. */
static embolo_error write_fisher(safety_context *ctx, const char *prefix, const rate *by_level)
{
    size_t k = ctx->treatment->n_levels, rows = 0;
    size_t *events = malloc((k ? k : 1) * sizeof *events), *totals = malloc((k ? k : 1) * sizeof *totals);
    embolo_error err = events && totals ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t l = 0; err == EMBOLO_OK && l < k; l++) {
        events[l] = by_level[l].events;
        totals[l] = by_level[l].n;
        rows += by_level[l].n > 0;
    }
    if (err == EMBOLO_OK && rows >= 2) {
        char stat[KEY_SIZE];
        err = add(ctx, KEY_SAFETY, KEY_FISHER, ctx->treatment->name, "", key_stat_with(stat, prefix, KEY_STAT_P),
                  exact_fisher_kx2(events, totals, k));
        if (err == EMBOLO_OK)
            err = add(ctx, KEY_SAFETY, KEY_FISHER, ctx->treatment->name, "", key_stat_with(stat, prefix, KEY_STAT_ROWS),
                      (double)rows);
    }
    free(events);
    free(totals);
    return err;
}

static embolo_error write_safety(safety_context *ctx, tally *t)
{
    size_t k = ctx->treatment->n_levels;
    rate *major = calloc(k ? k : 1, sizeof *major), *mort30 = calloc(k ? k : 1, sizeof *mort30),
         *success = calloc(k ? k : 1, sizeof *success);
    embolo_error err = major && mort30 && success ? write_safety_set(ctx, ALL_MODALITIES, t) : EMBOLO_ERROR_NOMEM;
    for (size_t l = 0; l < k && err == EMBOLO_OK; l++) {
        err = write_safety_set(ctx, (int)l, t);
        major[l] = t->major;
        mort30[l] = t->mort30;
        success[l] = t->success;
    }
    if (err == EMBOLO_OK && ctx->p->has_grade)
        err = write_fisher(ctx, KEY_RATE_MAJOR_AE, major);
    if (err == EMBOLO_OK)
        err = write_fisher(ctx, KEY_RATE_MORT30, mort30);
    if (err == EMBOLO_OK && ctx->p->has_success)
        err = write_fisher(ctx, KEY_RATE_TECH_SUCCESS, success);
    free(major);
    free(mort30);
    free(success);
    return err;
}

/* ---- section audit_safety ---- */

static const double *thresholds_of(const safety_context *ctx, int modality)
{
    return modality == ALL_MODALITIES ? ctx->thresholds->all : ctx->thresholds->level[modality];
}

/* A rate against its threshold: PREFIX_threshold, then _above / _below (the rate beyond it) and
 * _flag (the whole 95% CI beyond it); NA when n = 0. */
static embolo_error write_checked_rate(safety_context *ctx, const line_keys *k, const char *prefix, rate r,
                                       double threshold, int lowest_acceptable)
{
    char stat[KEY_SIZE];
    double value, lower, upper;
    embolo_error err = write_rate(ctx, k, prefix, r, &value, &lower, &upper);
    double beyond = lowest_acceptable ? value < threshold : value > threshold;
    double flag = lowest_acceptable ? upper < threshold : lower > threshold;
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_THRESHOLD), threshold);
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, lowest_acceptable ? KEY_STAT_BELOW : KEY_STAT_ABOVE),
                     r.n ? beyond : NAN);
    if (err == EMBOLO_OK)
        err = add_at(ctx, k, key_stat_with(stat, prefix, KEY_STAT_FLAG), r.n ? flag : NAN);
    return err;
}

static long day_as_number(long day)
{
    char date[11];
    int year, month, d;
    text_format_date(day, date);
    sscanf(date, "%d-%d-%d", &year, &month, &d);
    return (long)year * 10000 + month * 100 + d;
}

static embolo_error write_audit_set(safety_context *ctx, const char *window, long from, int modality, tally *t)
{
    const double *threshold = thresholds_of(ctx, modality);
    procedure_filter f = {modality, from, ctx->reference};
    line_keys k = keys_for(ctx, KEY_AUDIT_SAFETY, window, modality);
    char stat[KEY_SIZE];
    tally_set(ctx, &f, t);
    embolo_error err = add_at(ctx, &k, KEY_STAT_START, (double)day_as_number(from));
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_END, (double)day_as_number(ctx->reference));
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_PROCEDURES, (double)t->procedures);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_PATIENTS, (double)t->patients);
    if (err == EMBOLO_OK && ctx->p->has_grade)
        err = write_checked_rate(ctx, &k, KEY_RATE_MAJOR_AE, t->major, threshold[THRESHOLD_MAJOR_AE], 0);
    if (err == EMBOLO_OK)
        err = write_checked_rate(ctx, &k, KEY_RATE_MORT30, t->mort30, threshold[THRESHOLD_MORTALITY_30D], 0);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, key_stat_with(stat, KEY_RATE_MORT30, KEY_STAT_UNKNOWN), (double)t->mort30_unknown);
    if (err == EMBOLO_OK && ctx->p->has_success)
        err = write_checked_rate(ctx, &k, KEY_RATE_TECH_SUCCESS, t->success, threshold[THRESHOLD_TECHNICAL_SUCCESS], 1);
    return err;
}

static embolo_error write_audit(safety_context *ctx, tally *t)
{
    const struct {
        const char *name;
        long from;
    } windows[] = {{KEY_MONTH, ctx->month_start}, {KEY_ROLLING_12M, ctx->year_start}};
    embolo_error err = EMBOLO_OK;
    for (size_t w = 0; w < 2 && err == EMBOLO_OK; w++) {
        err = write_audit_set(ctx, windows[w].name, windows[w].from, ALL_MODALITIES, t);
        for (size_t l = 0; l < ctx->treatment->n_levels && err == EMBOLO_OK; l++)
            err = write_audit_set(ctx, windows[w].name, windows[w].from, (int)l, t);
    }
    return err;
}

/* ---- section cusum ---- */

/* The path for the chart: every point up to CHART_MAX_POINTS, else per run of points the first,
 * the lowest, the highest and the last (every signal's peak stays on it), with their dates. */
static embolo_error keep_cusum_path(safety_context *ctx, const line_keys *k, const cusum_chart *c, const long *day)
{
    size_t run = c->n > CHART_MAX_POINTS ? (c->n * 4 + CHART_MAX_POINTS - 1) / CHART_MAX_POINTS : 1;
    double *x = malloc((c->n ? c->n : 1) * sizeof *x), *y = malloc((c->n ? c->n : 1) * sizeof *y);
    long *days = malloc((c->n ? c->n : 1) * sizeof *days);
    size_t kept = 0;
    embolo_error err = x && y && days ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t start = 0; err == EMBOLO_OK && start < c->n; start += run) {
        size_t end = start + run < c->n ? start + run : c->n, low = start, high = start;
        for (size_t t = start; t < end; t++) {
            low = c->path[t] < c->path[low] ? t : low;
            high = c->path[t] > c->path[high] ? t : high;
        }
        size_t picks[4] = {start, low < high ? low : high, low < high ? high : low, end - 1};
        for (size_t i = 0; i < 4; i++) {
            if (kept && x[kept - 1] >= (double)(picks[i] + 1))
                continue;
            x[kept] = (double)(picks[i] + 1);
            y[kept] = c->path[picks[i]];
            days[kept++] = day[picks[i]];
        }
    }
    if (!ctx->out->series && err == EMBOLO_OK && !(ctx->out->series = series_set_new()))
        err = EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK)
        err = series_set_add(ctx->out->series, k->section, k->model, k->variable, k->level, KEY_SERIES_PATH, x, y,
                             days, kept);
    free(x);
    free(y);
    free(days);
    return err;
}

static embolo_error write_cusum_chart(safety_context *ctx, const line_keys *k, const cusum_chart *c, const long *day)
{
    const struct {
        const char *stat;
        double value;
    } lines[] = {
        {KEY_STAT_P0, c->p0},           {KEY_STAT_P1, c->p1},         {KEY_STAT_H, c->h},
        {KEY_STAT_W_EVENT, c->w_event}, {KEY_STAT_W_NO_EVENT, c->w_no_event},
        {KEY_STAT_N, (double)c->n},     {KEY_STAT_EVENTS, (double)c->events},
        {KEY_STAT_S_FINAL, c->s_final}, {KEY_STAT_S_MAX, c->s_max}, {KEY_STAT_SIGNALS, (double)c->n_signals},
    };
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0] && err == EMBOLO_OK; i++)
        err = add_at(ctx, k, lines[i].stat, lines[i].value);
    for (size_t s = 0; s < c->n_signals && err == EMBOLO_OK; s++) {
        char stat[KEY_SIZE];
        err = add_at(ctx, k, key_stat_at_index(stat, KEY_STAT_SIGNAL_T, s + 1), (double)c->signals[s]);
        if (err == EMBOLO_OK)
            err = add_at(ctx, k, key_stat_at_index(stat, KEY_STAT_SIGNAL_DATE, s + 1),
                         (double)day_as_number(day[c->signals[s] - 1]));
    }
    if (err == EMBOLO_OK)
        err = keep_cusum_path(ctx, k, c, day);
    return err;
}

/* The chart of one modality (or all) over the procedures with a known grade, by date and record. */
static embolo_error write_cusum_set(safety_context *ctx, int modality, unsigned char *x, long *day)
{
    const double *threshold = thresholds_of(ctx, modality);
    line_keys k = keys_for(ctx, KEY_CUSUM, "", modality);
    procedure_filter f = {modality, LONG_MIN, ctx->reference};
    size_t n = 0;
    cusum_chart chart;
    for (size_t i = 0; i < ctx->p->n; i++) {
        const procedure *item = &ctx->p->items[ctx->by_date[i]];
        if (item->grade == PROCEDURE_UNKNOWN || !filter_has(&f, item))
            continue;
        x[n] = item->grade >= PROCEDURE_MAJOR_GRADE;
        day[n++] = item->day;
    }
    embolo_error err = cusum_run(x, n, threshold[THRESHOLD_CUSUM_P0], threshold[THRESHOLD_CUSUM_P1],
                                 threshold[THRESHOLD_CUSUM_H], &chart);
    if (err == EMBOLO_OK)
        err = write_cusum_chart(ctx, &k, &chart, day);
    cusum_chart_free(&chart);
    return err;
}

static embolo_error write_cusum(safety_context *ctx)
{
    unsigned char *x = malloc(ctx->p->n ? ctx->p->n : 1);
    long *day = malloc((ctx->p->n ? ctx->p->n : 1) * sizeof *day);
    embolo_error err = x && day ? write_cusum_set(ctx, ALL_MODALITIES, x, day) : EMBOLO_ERROR_NOMEM;
    for (size_t l = 0; l < ctx->treatment->n_levels && err == EMBOLO_OK; l++)
        err = write_cusum_set(ctx, (int)l, x, day);
    free(x);
    free(day);
    return err;
}

/* ---- section funnel ---- */

static embolo_error write_operator(safety_context *ctx, const char *window, size_t op, rate r, double theta)
{
    const char *label = ctx->p->operators[op];
    double rate_value = ratio(r.events, r.n);
    double limits[4];
    static const double probabilities[4] = {0.025, 0.975, 0.001, 0.999};
    static const char *const names[4] = {KEY_STAT_LOWER95, KEY_STAT_UPPER95, KEY_STAT_LOWER998, KEY_STAT_UPPER998};
    for (size_t i = 0; i < 4; i++)
        limits[i] = funnel_limit(probabilities[i], r.n, theta);
    line_keys k = {KEY_FUNNEL, window, KEY_OPERATOR, label};
    embolo_error err = add_at(ctx, &k, KEY_STAT_N, (double)r.n);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_EVENTS, (double)r.events);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_RATE, rate_value);
    for (size_t i = 0; i < 4 && err == EMBOLO_OK; i++)
        err = add_at(ctx, &k, names[i], limits[i]);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_FLAG95, funnel_flag(rate_value, limits[0], limits[1]));
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_FLAG998, funnel_flag(rate_value, limits[2], limits[3]));
    return err;
}

/* The four limits for the plot, n = 1 .. largest: every n up to FUNNEL_DENSE_N, then a geometric grid. */
static embolo_error keep_funnel_limits(safety_context *ctx, const char *window, size_t largest, double theta)
{
    static const double probabilities[4] = {0.025, 0.975, 0.001, 0.999};
    static const char *const names[4] = {KEY_STAT_LOWER95, KEY_STAT_UPPER95, KEY_STAT_LOWER998, KEY_STAT_UPPER998};
    size_t capacity = FUNNEL_DENSE_N + FUNNEL_GRID_POINTS + 2, count = 0;
    double *x = malloc(capacity * sizeof *x), *y = malloc(capacity * sizeof *y);
    embolo_error err = x && y ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    double step = largest > FUNNEL_DENSE_N ? pow((double)largest / FUNNEL_DENSE_N, 1.0 / FUNNEL_GRID_POINTS) : 1;
    for (double n = 1; err == EMBOLO_OK && count < capacity && (size_t)n <= largest;) {
        x[count++] = floor(n);
        double next = n < FUNNEL_DENSE_N ? n + 1 : floor(n * step);
        n = next > n ? next : n + 1;
    }
    if (err == EMBOLO_OK && count && x[count - 1] < (double)largest && count < capacity)
        x[count++] = (double)largest;
    if (!ctx->out->series && err == EMBOLO_OK && !(ctx->out->series = series_set_new()))
        err = EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < 4 && err == EMBOLO_OK; i++) {
        for (size_t j = 0; j < count; j++)
            y[j] = funnel_limit(probabilities[i], (size_t)x[j], theta);
        err = series_set_add(ctx->out->series, KEY_FUNNEL, window, KEY_ALL, "", names[i], x, y, NULL, count);
    }
    free(x);
    free(y);
    return err;
}

static embolo_error write_funnel_window(safety_context *ctx, const char *window, long from, rate *by_operator)
{
    size_t missing = 0, operators = 0, largest = 0;
    rate all = {0};
    memset(by_operator, 0, ctx->p->n_operators * sizeof *by_operator);
    for (size_t i = 0; i < ctx->p->n; i++) {
        const procedure *item = &ctx->p->items[i];
        if (item->grade == PROCEDURE_UNKNOWN || item->day < from || item->day > ctx->reference)
            continue;
        if (item->operator_index == PROCEDURE_UNKNOWN) {
            missing++;
            continue;
        }
        rate *r = &by_operator[item->operator_index];
        int major = item->grade >= PROCEDURE_MAJOR_GRADE;
        r->n++;
        r->events += major;
        all.n++;
        all.events += major;
    }
    for (size_t op = 0; op < ctx->p->n_operators; op++) {
        operators += by_operator[op].n > 0;
        largest = by_operator[op].n > largest ? by_operator[op].n : largest;
    }
    double theta = ratio(all.events, all.n);
    line_keys k = {KEY_FUNNEL, window, KEY_ALL, ""};
    embolo_error err = add_at(ctx, &k, KEY_STAT_N, (double)all.n);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_EVENTS, (double)all.events);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_RATE, theta);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_OPERATORS, (double)operators);
    if (err == EMBOLO_OK)
        err = add_at(ctx, &k, KEY_STAT_OPERATOR_MISSING, (double)missing);
    for (size_t op = 0; op < ctx->p->n_operators && err == EMBOLO_OK; op++)
        if (by_operator[op].n)
            err = write_operator(ctx, window, op, by_operator[op], theta);
    if (err == EMBOLO_OK && largest)
        err = keep_funnel_limits(ctx, window, largest, theta);
    return err;
}

static embolo_error write_funnel(safety_context *ctx)
{
    rate *by_operator = malloc((ctx->p->n_operators ? ctx->p->n_operators : 1) * sizeof *by_operator);
    embolo_error err = by_operator ? write_funnel_window(ctx, KEY_CUMULATIVE, LONG_MIN, by_operator)
                                   : EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK && ctx->has_windows)
        err = write_funnel_window(ctx, KEY_ROLLING_12M, ctx->year_start, by_operator);
    free(by_operator);
    return err;
}

/* ---- monthly volume ---- */

/* The first day of the month `back` months before day's. */
static long month_start_before(long day, int back)
{
    char date[11];
    int year, month;
    text_format_date(day, date);
    sscanf(date, "%4d-%2d", &year, &month);
    int index = year * 12 + (month - 1) - back;
    return text_days_from_civil(index / 12, index % 12 + 1, 1);
}

/* Procedures per month, overall and per modality, for the 24 months ending with R's: section
 * volume, model monthly, stat procedures@YYYYMM (beyond results-csv.md, for the volume chart). */
static embolo_error write_volume(safety_context *ctx)
{
    size_t k = ctx->treatment->n_levels;
    long starts[VOLUME_MONTHS + 1];
    for (int m = 0; m < VOLUME_MONTHS; m++)
        starts[m] = month_start_before(ctx->reference, VOLUME_MONTHS - 1 - m);
    starts[VOLUME_MONTHS] = ctx->reference + 1;
    size_t *count = calloc(VOLUME_MONTHS * (k + 1), sizeof *count);
    embolo_error err = count ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; err == EMBOLO_OK && i < ctx->p->n; i++) {
        const procedure *item = &ctx->p->items[i];
        if (item->day < starts[0] || item->day >= starts[VOLUME_MONTHS])
            continue;
        size_t month = 0;
        while (starts[month + 1] <= item->day)
            month++;
        count[month * (k + 1)]++;
        count[month * (k + 1) + 1 + (size_t)item->modality]++;
    }
    for (size_t month = 0; err == EMBOLO_OK && month < VOLUME_MONTHS; month++) {
        char stat[KEY_SIZE], at[32];
        snprintf(at, sizeof at, "%ld", day_as_number(starts[month]) / 100);
        key_stat_at(stat, KEY_STAT_PROCEDURES, at);
        for (int m = ALL_MODALITIES; m < (int)k && err == EMBOLO_OK; m++) {
            line_keys lk = keys_for(ctx, KEY_VOLUME, KEY_MONTHLY, m);
            err = add_at(ctx, &lk, stat, (double)count[month * (k + 1) + (size_t)(m + 1)]);
        }
    }
    free(count);
    return err;
}

/* ---- the stage ---- */

static embolo_error write_all(safety_context *ctx, const exclusion_log *log)
{
    tally t = {.activity = malloc((ctx->p->n ? ctx->p->n : 1) * sizeof *t.activity)};
    embolo_error err = t.activity ? write_overall(ctx, log) : EMBOLO_ERROR_NOMEM;
    if (err == EMBOLO_OK)
        err = write_by_index_modality(ctx);
    if (err == EMBOLO_OK)
        err = write_sessions(ctx);
    if (err == EMBOLO_OK)
        err = write_crossovers(ctx);
    if (err == EMBOLO_OK)
        err = write_codes(ctx, log);
    if (err == EMBOLO_OK)
        err = write_safety(ctx, &t);
    if (err == EMBOLO_OK && ctx->has_windows)
        err = write_audit(ctx, &t);
    if (err == EMBOLO_OK && ctx->p->has_grade)
        err = write_cusum(ctx);
    if (err == EMBOLO_OK && ctx->p->has_grade && ctx->p->has_operator)
        err = write_funnel(ctx);
    if (err == EMBOLO_OK && ctx->has_windows)
        err = write_volume(ctx);
    free(t.activity);
    return err;
}

embolo_error safety_run(const study *s, const dataset *data, const procedure_set *procedures,
                        const exclusion_log *log, const procedure_thresholds *thresholds, int has_reference,
                        long reference, results *out)
{
    safety_context ctx = {.s = s, .data = data, .p = procedures, .thresholds = thresholds, .out = out,
                          .treatment = &s->variables[s->treatment], .reference = reference};
    if (!has_reference) {
        ctx.reference = LONG_MIN;
        for (size_t i = 0; i < procedures->n; i++)
            ctx.reference = procedures->items[i].day > ctx.reference ? procedures->items[i].day : ctx.reference;
    }
    embolo_error err = EMBOLO_OK;
    ctx.has_windows = has_reference || procedures->n > 0;
    if (ctx.has_windows) {
        ctx.month_start = month_start_before(ctx.reference, 0);
        ctx.year_start = month_start_before(ctx.reference, 11);
    } else {
        ctx.reference = LONG_MAX;
        ctx.year_start = LONG_MAX;
        err = results_warn(out, "no procedure is included and there is no as-of date: the audit has no reference "
                           "date, so no monthly windows");
    }
    if (err == EMBOLO_OK)
        err = make_orders(&ctx);
    if (err == EMBOLO_OK)
        err = write_all(&ctx, log);
    free(ctx.by_patient);
    free(ctx.by_date);
    free(ctx.index_modality);
    return err;
}
