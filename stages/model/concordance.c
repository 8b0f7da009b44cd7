/* Harrell's concordance with R's conventions (concordancefit with timewt "n", reverse = TRUE) and
 * its infinitesimal-jackknife standard error.
 *
 * The rows are walked backwards in time. A Fenwick tree over the ranks of the risk score holds the
 * weights of the rows at risk: each death is compared with everyone still in it (later times, and
 * rows censored at its own time). A second tree holds the weights of the deaths seen so far; the
 * deaths a row is paired with as the longer-lived partner are those added to it between the row's
 * own insertion and the end, so the row's influence is the tree at the end minus the tree at its
 * insertion. */
#include "concordance.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/memory.h"
typedef struct score_index {
    double score;
    size_t index;
} score_index;

/* Fenwick tree (1-based) of weights by rank, with the weight at each rank and the total. */
typedef struct rank_tree {
    size_t n_ranks;
    double *tree;
    double *node;
    double total;
} rank_tree;

/* Weights of the tree below, at and above a rank. */
typedef struct rank_split {
    double below;
    double equal;
    double above;
} rank_split;

typedef struct concordance_workspace {
    size_t n;
    size_t *rank;     /* [n] 1-based rank of the row's score among the distinct scores */
    rank_tree at_risk;
    rank_tree deaths;
    double *diff;     /* [n] influence on concordant minus discordant pairs (unweighted by row) */
    double *total;    /* [n] influence on the number of comparable pairs */
    double concordant;
    double discordant;
    double tied;
} concordance_workspace;

static embolo_error rank_tree_init(rank_tree *t, size_t n_ranks)
{
    t->n_ranks = n_ranks;
    t->total = 0.0;
    t->tree = calloc(n_ranks + 1, sizeof *t->tree);
    t->node = calloc(n_ranks + 1, sizeof *t->node);
    return (t->tree && t->node) ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

static void rank_tree_destroy(rank_tree *t)
{
    free(t->tree);
    free(t->node);
}

static void rank_tree_add(rank_tree *t, size_t rank, double w)
{
    t->node[rank] += w;
    t->total += w;
    for (size_t i = rank; i <= t->n_ranks; i += i & (~i + 1))
        t->tree[i] += w;
}

static double rank_tree_prefix(const rank_tree *t, size_t rank)
{
    double sum = 0.0;
    for (size_t i = rank; i > 0; i -= i & (~i + 1))
        sum += t->tree[i];
    return sum;
}

static rank_split rank_tree_split(const rank_tree *t, size_t rank)
{
    rank_split s;
    s.below = rank_tree_prefix(t, rank - 1);
    s.equal = t->node[rank];
    s.above = t->total - s.below - s.equal;
    return s;
}

static int score_index_compare(const void *a, const void *b)
{
    double x = ((const score_index *)a)->score;
    double y = ((const score_index *)b)->score;
    return (x > y) - (x < y);
}

/* The distinct scores seen so far, in an open-addressing table of their bits (0.0 and -0.0 one key),
 * kept at most half full: it grows with the distinct scores, so that a score of few values (a
 * model of factors) is looked up in a table that stays in cache. */
typedef struct score_table {
    size_t mask;
    size_t *slot;      /* [mask + 1] index + 1 into distinct, 0 empty */
    double *distinct;  /* [cap] in order of first appearance */
    size_t n_distinct;
    size_t cap;
} score_table;

static uint64_t score_key(double score)
{
    uint64_t bits;
    if (score == 0.0)
        score = 0.0;
    memcpy(&bits, &score, sizeof bits);
    bits ^= bits >> 33;
    bits *= UINT64_C(0xff51afd7ed558ccd);
    bits ^= bits >> 33;
    return bits;
}

static void score_table_place(score_table *t, size_t d)
{
    size_t at = (size_t)score_key(t->distinct[d]) & t->mask;
    while (t->slot[at] != 0)
        at = (at + 1) & t->mask;
    t->slot[at] = d + 1;
}

/* Room for one more distinct score: the store and the slots doubled as needed. */
static embolo_error score_table_reserve(score_table *t)
{
    if (t->n_distinct == t->cap) {
        double *distinct = realloc(t->distinct, 2 * t->cap * sizeof *distinct);
        if (distinct == NULL)
            return EMBOLO_ERROR_NOMEM;
        t->distinct = distinct;
        t->cap *= 2;
    }
    if (2 * (t->n_distinct + 1) <= t->mask + 1)
        return EMBOLO_OK;
    size_t *slot = calloc(2 * (t->mask + 1), sizeof *slot);
    if (slot == NULL)
        return EMBOLO_ERROR_NOMEM;
    free(t->slot);
    t->slot = slot;
    t->mask = 2 * t->mask + 1;
    for (size_t d = 0; d < t->n_distinct; d++)
        score_table_place(t, d);
    return EMBOLO_OK;
}

/* Index of score among the distinct ones into *index, added when new. */
static embolo_error score_table_find(score_table *t, double score, size_t *index)
{
    size_t at = (size_t)score_key(score) & t->mask;
    for (; t->slot[at] != 0; at = (at + 1) & t->mask) {
        if (t->distinct[t->slot[at] - 1] == score) {
            *index = t->slot[at] - 1;
            return EMBOLO_OK;
        }
    }
    embolo_error err = score_table_reserve(t);
    if (err != EMBOLO_OK)
        return err;
    t->distinct[t->n_distinct] = score;
    *index = t->n_distinct++;
    score_table_place(t, *index);
    return EMBOLO_OK;
}

/* 1-based ranks of the scores, equal scores sharing a rank; *n_ranks: the number of distinct ones.
 * The distinct scores are found with a hash table and only they are sorted (a risk score of
 * categorical covariates takes few values). */
static embolo_error ranks_compute(const double *score, size_t n, size_t *rank, size_t *n_ranks)
{
    embolo_error err = EMBOLO_ERROR_NOMEM;
    score_table t = {63, NULL, NULL, 0, 32};
    t.slot = calloc(t.mask + 1, sizeof *t.slot);
    t.distinct = malloc(t.cap * sizeof *t.distinct);
    score_index *sorted = NULL;
    size_t *rank_of = NULL;
    if (!t.slot || !t.distinct)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        err = score_table_find(&t, score[i], &rank[i]);
        if (err != EMBOLO_OK)
            goto cleanup;
    }
    err = EMBOLO_ERROR_NOMEM;
    sorted = malloc((t.n_distinct ? t.n_distinct : 1) * sizeof *sorted);
    rank_of = malloc((t.n_distinct ? t.n_distinct : 1) * sizeof *rank_of);
    if (!sorted || !rank_of)
        goto cleanup;
    for (size_t d = 0; d < t.n_distinct; d++)
        sorted[d] = (score_index){t.distinct[d], d};
    qsort(sorted, t.n_distinct, sizeof *sorted, score_index_compare);
    for (size_t d = 0; d < t.n_distinct; d++)
        rank_of[sorted[d].index] = d + 1;
    for (size_t i = 0; i < n; i++)
        rank[i] = rank_of[rank[i]];
    *n_ranks = t.n_distinct;
    err = EMBOLO_OK;
cleanup:
    free(t.slot);
    free(t.distinct);
    free(sorted);
    free(rank_of);
    return err;
}

static int row_valid(const double *time, const int *status, const double *weight,
                     const double *risk_score, size_t i)
{
    int valid = !isnan(time[i]) && !isnan(risk_score[i]) && (status[i] == 0 || status[i] == 1);
    if (weight)
        valid = valid && weight[i] >= 0.0 && isfinite(weight[i]);
    if (i > 0)
        valid = valid && time[i] >= time[i - 1];
    return valid;
}

static embolo_error inputs_check(const double *time, const int *status, const double *weight,
                                 const double *risk_score, size_t n)
{
    embolo_error err = EMBOLO_OK;
    if (!time || !status || !risk_score || n > SIZE_MAX / sizeof(score_index))
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n && err == EMBOLO_OK; i++)
        if (!row_valid(time, status, weight, risk_score, i))
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
    return err;
}

static embolo_error workspace_init(concordance_workspace *ws, const double *risk_score, size_t n)
{
    embolo_error err = EMBOLO_OK;
    size_t n_ranks = 0;
    ws->n = n;
    ws->concordant = ws->discordant = ws->tied = 0.0;
    ws->rank = malloc((n ? n : 1) * sizeof *ws->rank);
    ws->diff = memory_zeroed(n, sizeof *ws->diff);
    ws->total = memory_zeroed(n, sizeof *ws->total);
    if (!ws->rank || !ws->diff || !ws->total) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    err = ranks_compute(risk_score, n, ws->rank, &n_ranks);
    if (err != EMBOLO_OK)
        goto cleanup;
    err = rank_tree_init(&ws->at_risk, n_ranks);
    if (err != EMBOLO_OK)
        goto cleanup;
    err = rank_tree_init(&ws->deaths, n_ranks);
cleanup:
    return err;
}

static void workspace_destroy(concordance_workspace *ws)
{
    free(ws->rank);
    free(ws->diff);
    free(ws->total);
    rank_tree_destroy(&ws->at_risk);
    rank_tree_destroy(&ws->deaths);
}

static double weight_of(const double *weight, size_t i)
{
    return weight ? weight[i] : 1.0;
}

/* Row i joins the risk set: its partner deaths are those added to the death tree from now on. */
static void row_insert(concordance_workspace *ws, const double *weight, size_t i)
{
    rank_split d = rank_tree_split(&ws->deaths, ws->rank[i]);
    ws->diff[i] -= d.above - d.below;
    ws->total[i] -= ws->deaths.total;
    rank_tree_add(&ws->at_risk, ws->rank[i], weight_of(weight, i));
}

/* Death i is compared with everyone in the risk set. */
static void death_compare(concordance_workspace *ws, const double *weight, size_t i)
{
    double w = weight_of(weight, i);
    rank_split r = rank_tree_split(&ws->at_risk, ws->rank[i]);
    ws->concordant += w * r.below;
    ws->discordant += w * r.above;
    ws->tied += w * r.equal;
    ws->diff[i] += r.below - r.above;
    ws->total[i] += ws->at_risk.total;
}

/* One block of rows tied in time, [first, last): censored rows join the risk set before the
 * deaths are compared, and the deaths join it after. */
static void block_process(concordance_workspace *ws, const int *status, const double *weight,
                          size_t first, size_t last)
{
    for (size_t i = first; i < last; i++)
        if (!status[i])
            row_insert(ws, weight, i);
    for (size_t i = first; i < last; i++)
        if (status[i])
            death_compare(ws, weight, i);
    for (size_t i = first; i < last; i++)
        if (status[i])
            rank_tree_add(&ws->deaths, ws->rank[i], weight_of(weight, i));
    for (size_t i = first; i < last; i++)
        if (status[i])
            row_insert(ws, weight, i);
}

static void rank_tree_clear(rank_tree *t)
{
    for (size_t i = 0; i <= t->n_ranks; i++)
        t->tree[i] = t->node[i] = 0.0;
    t->total = 0.0;
}

/* Walks rows lo..hi-1 (one stratum: only pairs within it are compared). */
static void rows_walk(concordance_workspace *ws, const double *time, const int *status,
                      const double *weight, size_t lo, size_t hi)
{
    size_t last = hi;
    rank_tree_clear(&ws->at_risk);
    rank_tree_clear(&ws->deaths);
    while (last > lo) {
        size_t first = last - 1;
        while (first > lo && time[first - 1] == time[last - 1])
            first--;
        block_process(ws, status, weight, first, last);
        last = first;
    }
    for (size_t i = lo; i < hi; i++) {
        rank_split d = rank_tree_split(&ws->deaths, ws->rank[i]);
        ws->diff[i] += d.above - d.below;
        ws->total[i] += ws->deaths.total;
    }
}

/* Infinitesimal-jackknife variance of the concordance: a quarter of that of Somers' d. */
static double variance_compute(const concordance_workspace *ws, const double *weight)
{
    double pairs = ws->concordant + ws->discordant + ws->tied;
    double somers_d = (ws->concordant - ws->discordant) / pairs;
    double sum = 0.0;
    for (size_t i = 0; i < ws->n; i++) {
        double dfbeta = weight_of(weight, i) * (ws->diff[i] - somers_d * ws->total[i]) / pairs;
        sum += dfbeta * dfbeta;
    }
    return sum / 4.0;
}

embolo_error concordance_compute(const double *time, const int *status, const double *weight,
                                 const double *risk_score, size_t n, double *concordance,
                                 double *std_err)
{
    return concordance_compute_stratified(time, status, weight, risk_score, NULL, n, concordance, std_err);
}

/* The rows of each stratum together, time order kept within (stable counting sort). */
typedef struct strata_copy {
    double *time, *weight, *score;
    int *status;
    size_t *start;   /* [n_strata + 1] first row of each stratum */
    size_t n_strata;
} strata_copy;

static void strata_copy_free(strata_copy *c)
{
    free(c->time);
    free(c->weight);
    free(c->score);
    free(c->status);
    free(c->start);
}

static embolo_error strata_copy_make(const double *time, const int *status, const double *weight,
                                     const double *score, const int *strata, size_t n, strata_copy *c)
{
    int largest = 0;
    for (size_t i = 0; i < n; i++) {
        if (strata[i] < 0)
            return EMBOLO_ERROR_INVALID_ARGUMENT;
        largest = strata[i] > largest ? strata[i] : largest;
    }
    c->n_strata = (size_t)largest + 1;
    c->start = calloc(c->n_strata + 1, sizeof *c->start);
    c->time = malloc((n ? n : 1) * sizeof *c->time);
    c->weight = weight ? malloc((n ? n : 1) * sizeof *c->weight) : NULL;
    c->score = malloc((n ? n : 1) * sizeof *c->score);
    c->status = malloc((n ? n : 1) * sizeof *c->status);
    size_t *next = malloc((c->n_strata + 1) * sizeof *next);
    if (!c->start || !c->time || (weight && !c->weight) || !c->score || !c->status || !next) {
        free(next);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        c->start[strata[i] + 1]++;
    for (size_t k = 1; k <= c->n_strata; k++)
        c->start[k] += c->start[k - 1];
    for (size_t k = 0; k <= c->n_strata; k++)
        next[k] = c->start[k];
    for (size_t i = 0; i < n; i++) {
        size_t to = next[strata[i]]++;
        c->time[to] = time[i];
        c->status[to] = status[i];
        c->score[to] = score[i];
        if (weight)
            c->weight[to] = weight[i];
    }
    free(next);
    return EMBOLO_OK;
}

embolo_error concordance_compute_stratified(const double *time, const int *status, const double *weight,
                                            const double *risk_score, const int *strata, size_t n,
                                            double *concordance, double *std_err)
{
    concordance_workspace ws = {0};
    strata_copy copy = {0};
    size_t whole[2] = {0, n};
    const size_t *start = whole;
    size_t n_strata = 1;
    embolo_error err = EMBOLO_OK;
    if (!concordance || !std_err) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    *concordance = NAN;
    *std_err = NAN;
    err = inputs_check(time, status, weight, risk_score, n);
    if (err == EMBOLO_OK && strata) {
        err = strata_copy_make(time, status, weight, risk_score, strata, n, &copy);
        time = copy.time;
        status = copy.status;
        weight = copy.weight;
        risk_score = copy.score;
        start = copy.start;
        n_strata = copy.n_strata;
    }
    if (err != EMBOLO_OK)
        goto cleanup;
    err = workspace_init(&ws, risk_score, n);
    if (err != EMBOLO_OK)
        goto cleanup;
    for (size_t k = 0; k < n_strata; k++)
        rows_walk(&ws, time, status, weight, start[k], start[k + 1]);
    double pairs = ws.concordant + ws.discordant + ws.tied;
    if (pairs > 0.0) {
        *concordance = (ws.concordant + ws.tied / 2.0) / pairs;
        *std_err = sqrt(variance_compute(&ws, weight));
    }
cleanup:
    workspace_destroy(&ws);
    strata_copy_free(&copy);
    return err;
}
