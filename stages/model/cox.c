/* Cox proportional hazards model as R's coxph computes it (survival's coxph.fit / coxfit6): Newton-
 * Raphson from beta = 0 with step-halving, Efron or Breslow ties, covariates centred and scaled
 * while fitting, an LDL' Cholesky with R's tolerance that drops singular columns, and the robust
 * sandwich variance and robust score test from the weighted score residuals, which come from
 * running sums of the hazard increments in O(n p) rather than R's loop over each risk set. */
#include "model/cox.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Without convergence R calls a coefficient possibly infinite when a linear predictor passes it. */
#define COX_LP_LIMIT 500.0

/* exp(z) of recently seen z, by the bits of z: exp is a pure function, so a remembered value is the
 * same bits as a new call (a design of factors has few distinct linear predictors). */
#define COX_EXP_CACHE 4096
#define COX_EXP_CACHE_BITS 12

typedef struct exp_entry {
    uint64_t bits;
    double value;
} exp_entry;

typedef struct cox_work {
    size_t n;
    size_t p;
    const double *time;
    const int *status;
    const double *weight; /* NULL: all 1 */
    const int *strata;    /* NULL: one stratum; else rows sorted by stratum, time within */
    const int *cluster;   /* NULL: each row its own cluster (robust variance) */
    size_t n_clusters;
    double *cluster_sum;  /* [n_clusters*p] score residuals summed within cluster */
    cox_ties ties;
    const double *source; /* [n*p] the caller's design */
    /* The centred and scaled design, as source except: a constant column is 0 and a column outside
     * {-1, 0, 1} is (x - mean) * scale, kept in x (only those q columns: a column within {-1, 0, 1}
     * is left as it is, so that a design of factors needs no copy). Rows are read by cox_row. */
    unsigned char *kind;  /* [p] COLUMN_AS_IS, COLUMN_ZERO or COLUMN_SCALED */
    size_t *slot;    /* [p] a scaled column's index in x */
    size_t q;
    size_t *patched; /* [p] the columns not read as they are, n_patched of them */
    size_t n_patched;
    int as_is;       /* every column as it is: rows are read from source directly */
    double *x;       /* [n*q] the scaled columns */
    double *row;     /* [p] one row assembled by cox_row */
    double *risk;    /* [n] exp(linear predictor) for the residual walks */
    double *mean;    /* [p] subtracted from each column */
    double *scale;   /* [p] each centred column is multiplied by it */
    double *beta;    /* [p] current estimate (scaled units) */
    double *next;    /* [p] trial estimate */
    double *u;       /* [p] score */
    double *a;       /* [p] risk-weighted sum of x over the risk set */
    double *a2;      /* [p] the same over the deaths of one time */
    double *hm;      /* [p] a tie group's sum of hazard increment times mean */
    double *g2;      /* [p] the same as the deaths of the group see it (Efron) */
    double *mbar;    /* [p] the deaths' average mean (Efron) */
    double *g_total; /* [p] hm summed over all groups */
    double *g_after; /* [p] hm summed over later groups */
    double *vec;     /* [p] scratch */
    double *res;     /* [p] one row's weighted score residual */
    double *usum;    /* [p] sum of the weighted score residuals */
    double *dropped; /* [p] 1 for a column the final factorization found singular */
    double *dmean;   /* [p] the risk set's mean at one death's share (information_add) */
    double *imat;    /* [p*p] information */
    double *fac;     /* [p*p] its LDL' factor */
    double *c;       /* [p*p] risk-weighted sum of x x' over the risk set */
    double *c2;      /* [p*p] the same over the deaths of one time */
    double *inv;     /* [p*p] inverse information (scaled units) */
    double *mat;     /* [p*p] scratch */
    double *mat2;    /* [p*p] scratch */
    double *scaled;  /* [p] r x of one row's pattern columns */
    /* Each row's sparse form, found once per fit (see patterns_build): rows with the same values in
     * the columns read as they are share a pattern, the list of the columns that may be non-zero
     * (every scaled column, the as-is columns of value 1 or -1) with those values. NULL: no patterns
     * (every row is walked in full). */
    uint32_t *pattern_of;  /* [n] each row's pattern */
    size_t n_patterns;
    size_t *pattern_first; /* [n_patterns + 1] a pattern's entries in pattern_col and pattern_value */
    size_t *pattern_col;   /* the columns, ascending */
    double *pattern_value; /* an as-is column's value (a scaled column's: the last row's, see row_packed) */
    size_t *pattern_slot;  /* [n_patterns * q] where each scaled column sits in its pattern's list */
    double *pattern_z;     /* [n_patterns] a pattern's linear predictor (no scaled columns) */
    double *pattern_exp;   /* [n_patterns] its exp */
    exp_entry *exp_cache;  /* [COX_EXP_CACHE] exp of recent linear predictors */
} cox_work;

enum { COLUMN_AS_IS, COLUMN_ZERO, COLUMN_SCALED };

/* One group of rows lo..hi-1 sharing a time, with its hazard increments. */
typedef struct tie_group {
    size_t lo;
    size_t hi;
    size_t deaths;
    double h;  /* sum of the hazard increments of the group */
    double h2; /* sum of the increments as the deaths of the group see them */
} tie_group;

cox_options cox_options_default(void)
{
    cox_options options = {COX_TIES_EFRON, 0, 20, 1e-9, 0.0};
    options.toler_chol = pow(DBL_EPSILON, 0.75);
    return options;
}

static double cox_weight(const cox_work *w, size_t i)
{
    return w->weight != NULL ? w->weight[i] : 1.0;
}

static double *doubles_alloc(size_t count)
{
    return calloc(count > 0 ? count : 1, sizeof(double));
}

/* Two doubles operated on lane by lane: each lane is the scalar operation (the same rounding), two at a
 * time where the processor has them (SSE2's packed division). */
typedef double cox_pair __attribute__((vector_size(2 * sizeof(double))));

static cox_pair pair_load(const double *v)
{
    cox_pair x;
    memcpy(&x, v, sizeof x);
    return x;
}

static void pair_store(double *v, cox_pair x)
{
    memcpy(v, &x, sizeof x);
}

/* A lane's comparison result: all ones (true) or zero. */
typedef long long cox_mask __attribute__((vector_size(2 * sizeof(long long))));

/* 1 when every value is finite: v - v is +0.0 for a finite v, NaN for an infinite or NaN one. */
static int values_finite(const double *v, size_t count)
{
    const cox_pair zero = {0.0, 0.0};
    cox_mask all = {-1, -1};
    size_t i = 0;
    for (; i + 2 <= count; i += 2) {
        cox_pair x = pair_load(v + i);
        all &= (x - x) == zero;
    }
    int finite = all[0] != 0 && all[1] != 0;
    for (; i < count; i++)
        finite &= isfinite(v[i]) != 0;
    return finite;
}

static embolo_error cox_input_check(const double *time, const int *status, const double *weight,
                                    const double *x, size_t n, size_t p)
{
    embolo_error err = EMBOLO_OK;
    if (time == NULL || status == NULL || (x == NULL && p > 0)) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    if (n == 0) {
        err = EMBOLO_ERROR_DATA;
        goto cleanup;
    }
    if (p > 0 && (n > SIZE_MAX / sizeof(double) / p || p > SIZE_MAX / sizeof(double) / p)) {
        err = EMBOLO_ERROR_TOO_LARGE;
        goto cleanup;
    }
    for (size_t i = 0; i < n && err == EMBOLO_OK; i++) {
        if (!isfinite(time[i]) || (i > 0 && time[i] < time[i - 1]))
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
        else if (status[i] != 0 && status[i] != 1)
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
        else if (weight != NULL && !(isfinite(weight[i]) && weight[i] > 0.0))
            err = EMBOLO_ERROR_INVALID_ARGUMENT;
    }
    if (err == EMBOLO_OK && p > 0 && !values_finite(x, n * p))
        err = EMBOLO_ERROR_INVALID_ARGUMENT;

cleanup:
    return err;
}

static void cox_work_free(cox_work *w)
{
    free(w->cluster_sum);
    free(w->x);
    free(w->risk);
    free(w->mean);
    free(w->imat);
    free(w->fac);
    free(w->c);
    free(w->c2);
    free(w->inv);
    free(w->mat);
    free(w->mat2);
    free(w->scaled);
    free(w->kind);
    free(w->slot);
    free(w->patched);
    free(w->row);
    free(w->pattern_of);
    free(w->pattern_first);
    free(w->pattern_col);
    free(w->pattern_value);
    free(w->pattern_slot);
    free(w->pattern_z);
    free(w->pattern_exp);
    free(w->exp_cache);
}

/* The p-vectors share one block, carved up here (mean owns it). */
static embolo_error cox_work_alloc(cox_work *w)
{
    embolo_error err = EMBOLO_OK;
    size_t n = w->n, p = w->p;
    double **vectors[] = {&w->scale, &w->beta, &w->next, &w->u, &w->a, &w->a2, &w->hm, &w->g2,
                          &w->mbar, &w->g_total, &w->g_after, &w->vec, &w->res, &w->usum,
                          &w->dropped, &w->dmean};
    size_t n_vectors = sizeof vectors / sizeof vectors[0];
    w->risk = doubles_alloc(n);
    w->mean = doubles_alloc((n_vectors + 1) * p);
    w->imat = doubles_alloc(p * p);
    w->fac = doubles_alloc(p * p);
    w->c = doubles_alloc(p * p);
    w->c2 = doubles_alloc(p * p);
    w->inv = doubles_alloc(p * p);
    w->mat = doubles_alloc(p * p);
    w->mat2 = doubles_alloc(p * p);
    w->scaled = doubles_alloc(p);
    w->kind = calloc(p > 0 ? p : 1, sizeof *w->kind);
    w->slot = calloc(p > 0 ? p : 1, sizeof *w->slot);
    w->patched = calloc(p > 0 ? p : 1, sizeof *w->patched);
    w->row = doubles_alloc(p);
    w->exp_cache = malloc(COX_EXP_CACHE * sizeof *w->exp_cache);
    if (w->exp_cache == NULL || w->kind == NULL || w->slot == NULL || w->patched == NULL || w->row == NULL || w->risk == NULL
        || w->mean == NULL || w->imat == NULL || w->fac == NULL
        || w->c == NULL || w->c2 == NULL || w->inv == NULL || w->mat == NULL || w->mat2 == NULL
        || w->scaled == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t k = 0; k < n_vectors; k++)
        *vectors[k] = w->mean + (k + 1) * p;
    for (size_t k = 0; k < COX_EXP_CACHE; k++)
        w->exp_cache[k] = (exp_entry){0, exp(0.0)};

cleanup:
    return err;
}

/* Which columns are constant and which lie within {-1, 0, 1}, in one pass over the rows (row-major:
 * a column at a time would stride through the whole design once per column): two columns at a time
 * for the first CLASSIFY_PAIRS pairs, the others one at a time. */
#define CLASSIFY_PAIRS 16

static void columns_classify(const double *x, size_t n, size_t p, unsigned char *constant, unsigned char *unit)
{
    const cox_pair zero = {0.0, 0.0}, one = {1.0, 1.0};
    const cox_mask magnitude_bits = {INT64_MAX, INT64_MAX};
    cox_pair first[CLASSIFY_PAIRS];
    cox_mask differs[CLASSIFY_PAIRS], outside[CLASSIFY_PAIRS];
    size_t pairs = p / 2 < CLASSIFY_PAIRS ? p / 2 : CLASSIFY_PAIRS, paired = 2 * pairs;
    for (size_t j = 0; j < p; j++) {
        constant[j] = 1;
        unit[j] = 1;
    }
    for (size_t t = 0; t < pairs; t++) {
        first[t] = pair_load(x + 2 * t);
        differs[t] = outside[t] = (cox_mask){0, 0};
    }
    for (size_t i = 0; i < n && p > 0; i++) {
        const double *xr = x + i * p;
        for (size_t t = 0; t < pairs; t++) {
            cox_pair v = pair_load(xr + 2 * t);
            differs[t] |= v != first[t];
            /* |v| (v - 1) is 0 exactly when |v| is 0 or 1 (never by underflow or overflow). */
            cox_pair a = (cox_pair)((cox_mask)v & magnitude_bits);
            outside[t] |= a * (a - one) != zero;
        }
        for (size_t j = paired; j < p; j++) {
            double v = xr[j];
            constant[j] &= (unsigned char)(v == x[j]);
            unit[j] &= (unsigned char)(v == 0.0 || v == 1.0 || v == -1.0);
        }
    }
    for (size_t j = 0; j < paired; j++) {
        constant[j] = differs[j / 2][j % 2] == 0;
        unit[j] = outside[j / 2][j % 2] == 0;
    }
}

/* Which column is read as it is, which is 0 and which is scaled (and stored in w->x, n x q: the
 * columns centred[0..q), slot t the t-th of them). */
static void columns_place(cox_work *w, const double *x, const unsigned char *constant, const unsigned char *unit,
                          const size_t *centred)
{
    size_t n = w->n, p = w->p;
    w->source = x;
    w->q = 0;
    for (size_t j = 0; j < p; j++) {
        w->kind[j] = constant[j] ? COLUMN_ZERO : unit[j] ? COLUMN_AS_IS : COLUMN_SCALED;
        if (w->kind[j] == COLUMN_SCALED)
            w->slot[j] = w->q++;
    }
    w->n_patched = 0;
    for (size_t j = 0; j < p; j++)
        if (w->kind[j] != COLUMN_AS_IS)
            w->patched[w->n_patched++] = j;
    w->as_is = w->n_patched == 0;
    if (w->q == 0)
        return;
    w->x = doubles_alloc(n * w->q);
    for (size_t i = 0; i < n && w->x != NULL; i++)
        for (size_t t = 0; t < w->q; t++)
            w->x[i * w->q + t] = (x[i * p + centred[t]] - w->mean[centred[t]]) * w->scale[centred[t]];
}

/* R's coxfit6: subtract the weighted mean, scale by the inverse weighted mean absolute deviation;
 * columns within {-1, 0, 1} are left alone (coxph's nocenter). A constant column becomes exactly 0
 * so that its information is exactly 0 and it is dropped as singular. Every sum runs over the rows
 * in order, column by column, as a walk down each column would; the walks go along the rows. */
static embolo_error design_standardize(cox_work *w, const double *x)
{
    size_t n = w->n, p = w->p, n_centred = 0;
    double total = 0.0;
    unsigned char *constant = malloc(p ? 2 * p : 1);
    size_t *centred = malloc((p ? p : 1) * sizeof *centred); /* the columns centred and scaled */
    if (constant == NULL || centred == NULL) {
        free(constant);
        free(centred);
        return EMBOLO_ERROR_NOMEM;
    }
    unsigned char *unit = constant + p;
    for (size_t i = 0; i < n; i++)
        total += cox_weight(w, i);
    columns_classify(x, n, p, constant, unit);
    for (size_t j = 0; j < p; j++) {
        w->mean[j] = constant[j] ? x[j] : 0.0;
        w->scale[j] = 0.0;
        if (!constant[j] && !unit[j])
            centred[n_centred++] = j;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < n_centred; t++)
            w->mean[centred[t]] += cox_weight(w, i) * x[i * p + centred[t]];
    for (size_t t = 0; t < n_centred; t++)
        w->mean[centred[t]] /= total;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < n_centred; t++)
            w->scale[centred[t]] += cox_weight(w, i) * fabs(x[i * p + centred[t]] - w->mean[centred[t]]);
    for (size_t j = 0; j < p; j++) {
        if (constant[j] || unit[j])
            w->scale[j] = 1.0;
        else
            w->scale[j] = w->scale[j] > 0.0 ? total / w->scale[j] : 1.0;
    }
    columns_place(w, x, constant, unit, centred);
    free(constant);
    free(centred);
    return w->q > 0 && w->x == NULL ? EMBOLO_ERROR_NOMEM : EMBOLO_OK;
}

/* Row k of the centred and scaled design. A column within {-1, 0, 1} has mean 0 and scale 1, and
 * (v - 0.0) * 1.0 is v bit for bit (-0.0 too): it is read from the caller's design as it is. */
static const double *cox_row(cox_work *w, size_t k)
{
    size_t p = w->p;
    const double *source = p > 0 ? w->source + k * p : w->row;
    if (w->as_is)
        return source;
    const double *scaled = w->q > 0 ? w->x + k * w->q : NULL;
    memcpy(w->row, source, p * sizeof *w->row);
    for (size_t s = 0; s < w->n_patched; s++) {
        size_t j = w->patched[s];
        w->row[j] = w->kind[j] == COLUMN_ZERO ? 0.0 : scaled[w->slot[j]];
    }
    return w->row;
}

/* A pattern's key: 2 bits a column, 32 columns a word: 0 a column read as 0 (a constant column, an
 * as-is 0.0 or -0.0), 1 an as-is 1, 2 an as-is -1, 3 a scaled column. */
#define KEY_COLUMNS 32

static unsigned key_code(const uint64_t *key, size_t j)
{
    return (unsigned)(key[j / KEY_COLUMNS] >> (2 * (j % KEY_COLUMNS))) & 3u;
}

/* The distinct keys seen so far (words each), in an open-addressing table that grows. */
typedef struct pattern_table {
    size_t words;
    size_t mask;
    uint32_t *slot;  /* [mask + 1] pattern + 1, 0 empty */
    uint64_t *keys;  /* [cap * words] */
    size_t n;
    size_t cap;
} pattern_table;

static size_t key_hash(const uint64_t *key, size_t words)
{
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15);
    for (size_t j = 0; j < words; j++) {
        h = (h ^ key[j]) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
    }
    return (size_t)h;
}

static void pattern_place(pattern_table *t, uint32_t id)
{
    size_t at = key_hash(t->keys + (size_t)id * t->words, t->words) & t->mask;
    while (t->slot[at] != 0)
        at = (at + 1) & t->mask;
    t->slot[at] = id + 1;
}

/* Room for one more key: the key store and the slots (kept at most half full) doubled as needed. */
static embolo_error pattern_table_reserve(pattern_table *t)
{
    if (t->n == t->cap) {
        uint64_t *keys = realloc(t->keys, 2 * t->cap * t->words * sizeof *keys);
        if (keys == NULL)
            return EMBOLO_ERROR_NOMEM;
        t->keys = keys;
        t->cap *= 2;
    }
    if (2 * (t->n + 1) <= t->mask + 1)
        return EMBOLO_OK;
    uint32_t *slot = calloc(2 * (t->mask + 1), sizeof *slot);
    if (slot == NULL)
        return EMBOLO_ERROR_NOMEM;
    free(t->slot);
    t->slot = slot;
    t->mask = 2 * t->mask + 1;
    for (size_t id = 0; id < t->n; id++)
        pattern_place(t, (uint32_t)id);
    return EMBOLO_OK;
}

/* The pattern of key, added when new. */
static embolo_error pattern_find(pattern_table *t, const uint64_t *key, uint32_t *id)
{
    size_t at = key_hash(key, t->words) & t->mask;
    for (; t->slot[at] != 0; at = (at + 1) & t->mask) {
        const uint64_t *seen = t->keys + (size_t)(t->slot[at] - 1) * t->words;
        size_t j = 0;
        while (j < t->words && seen[j] == key[j])
            j++;
        if (j == t->words) {
            *id = t->slot[at] - 1;
            return EMBOLO_OK;
        }
    }
    embolo_error err = pattern_table_reserve(t);
    if (err != EMBOLO_OK)
        return err;
    memcpy(t->keys + t->n * t->words, key, t->words * sizeof *key);
    *id = (uint32_t)t->n++;
    pattern_place(t, *id);
    return EMBOLO_OK;
}

/* Each pattern's columns and values from its key; a scaled column's place in pattern_slot. */
static embolo_error patterns_store(cox_work *w, const pattern_table *t)
{
    size_t p = w->p, total = 0;
    for (size_t id = 0; id < t->n; id++)
        for (size_t j = 0; j < p; j++)
            total += key_code(t->keys + id * t->words, j) != 0;
    w->n_patterns = t->n;
    w->pattern_first = malloc((t->n + 1) * sizeof *w->pattern_first);
    w->pattern_col = malloc((total ? total : 1) * sizeof *w->pattern_col);
    w->pattern_value = doubles_alloc(total);
    size_t n_slots = t->n * w->q;
    w->pattern_slot = malloc((n_slots > 0 ? n_slots : 1) * sizeof *w->pattern_slot);
    w->pattern_z = doubles_alloc(t->n);
    w->pattern_exp = doubles_alloc(t->n);
    if (!w->pattern_first || !w->pattern_col || !w->pattern_value || !w->pattern_slot || !w->pattern_z
        || !w->pattern_exp)
        return EMBOLO_ERROR_NOMEM;
    size_t at = 0;
    for (size_t id = 0; id < t->n; id++) {
        const uint64_t *key = t->keys + id * t->words;
        w->pattern_first[id] = at;
        for (size_t j = 0; j < p; j++) {
            unsigned code = key_code(key, j);
            if (code == 0)
                continue;
            if (code == 3)
                w->pattern_slot[id * w->q + w->slot[j]] = at - w->pattern_first[id];
            w->pattern_col[at] = j;
            w->pattern_value[at++] = code == 1 ? 1.0 : code == 2 ? -1.0 : 0.0;
        }
    }
    w->pattern_first[t->n] = at;
    return EMBOLO_OK;
}

/* Row k's key into key: the scaled columns' codes (base) with the as-is columns' (as_is[0..n_as_is)). */
static void row_key(const cox_work *w, size_t k, const uint64_t *base, const size_t *as_is, size_t n_as_is,
                    uint64_t *key, size_t words)
{
    memcpy(key, base, words * sizeof *key);
    if (n_as_is == 0)
        return;
    const double *xr = w->source + k * w->p;
    for (size_t t = 0; t < n_as_is; t++) {
        size_t j = as_is[t];
        uint64_t code = (uint64_t)(xr[j] == 1.0) | (uint64_t)(xr[j] == -1.0) << 1;
        key[j / KEY_COLUMNS] |= code << (2 * (j % KEY_COLUMNS));
    }
}

/* Finds each row's pattern: the columns whose terms can be other than signed zeros (a scaled column
 * whatever its value, an as-is column of value 1 or -1) with the as-is values. Rows are read once per
 * fit here instead of once per walk. Without patterns (more rows than a pattern index holds) the
 * walks read every row in full. */
static embolo_error patterns_build(cox_work *w)
{
    embolo_error err = EMBOLO_OK;
    size_t n = w->n, p = w->p, words = p / KEY_COLUMNS + 1, n_as_is = 0;
    pattern_table t = {words, 63, NULL, NULL, 0, 64};
    uint64_t *key = calloc(2 * words, sizeof *key), *base = key + words;
    size_t *as_is = malloc((p ? p : 1) * sizeof *as_is);
    if (n >= UINT32_MAX)
        goto cleanup;
    w->pattern_of = malloc(n * sizeof *w->pattern_of);
    t.slot = calloc(t.mask + 1, sizeof *t.slot);
    t.keys = malloc(t.cap * words * sizeof *t.keys);
    if (key == NULL || as_is == NULL || w->pattern_of == NULL || t.slot == NULL || t.keys == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t j = 0; j < p; j++) {
        if (w->kind[j] == COLUMN_SCALED)
            base[j / KEY_COLUMNS] |= UINT64_C(3) << (2 * (j % KEY_COLUMNS));
        if (w->kind[j] == COLUMN_AS_IS)
            as_is[n_as_is++] = j;
    }
    for (size_t k = 0; k < n && err == EMBOLO_OK; k++) {
        row_key(w, k, base, as_is, n_as_is, key, words);
        err = pattern_find(&t, key, &w->pattern_of[k]);
    }
    if (err == EMBOLO_OK)
        err = patterns_store(w, &t);

cleanup:
    free(key);
    free(as_is);
    free(t.slot);
    free(t.keys);
    return err;
}

/* Row k's values in the columns of its pattern (*cols, *m of them): the pattern's values, with the
 * row's scaled values put in their places (the pattern's store is the fit's own scratch). */
static inline const double *row_packed(cox_work *w, size_t k, const size_t **cols, size_t *m)
{
    uint32_t id = w->pattern_of[k];
    size_t first = w->pattern_first[id];
    double *values = w->pattern_value + first;
    *m = w->pattern_first[id + 1] - first;
    *cols = w->pattern_col + first;
    if (w->q == 0)
        return values;
    const size_t *at = w->pattern_slot + (size_t)id * w->q;
    const double *scaled = w->x + k * w->q;
    for (size_t t = 0; t < w->q; t++)
        values[at[t]] = scaled[t];
    return values;
}

static int same_stratum(const cox_work *w, size_t i, size_t j)
{
    return w->strata == NULL || w->strata[i] == w->strata[j];
}

/* True when row hi - 1 is the last of its stratum (the backward walks start a new risk set). */
static int stratum_ends(const cox_work *w, size_t hi)
{
    return hi == w->n || !same_stratum(w, hi, hi - 1);
}

/* First row of the tie group (same time, same stratum) that ends at row hi - 1. */
static size_t group_start(const cox_work *w, size_t hi)
{
    size_t lo = hi - 1;
    while (lo > 0 && w->time[lo - 1] == w->time[hi - 1] && same_stratum(w, lo - 1, hi - 1))
        lo--;
    return lo;
}

/* First row of the stratum that ends at row hi - 1. */
static size_t stratum_start(const cox_work *w, size_t hi)
{
    size_t lo = hi - 1;
    while (lo > 0 && same_stratum(w, lo - 1, hi - 1))
        lo--;
    return lo;
}

static void sums_clear(double *v, size_t count)
{
    memset(v, 0, count * sizeof *v);
}

/* Adds r x and r x x' (lower triangle) of one row. */
static void row_add(double *a, double *c, const double *xr, double r, size_t p)
{
    for (size_t i = 0; i < p; i++) {
        double rx = r * xr[i];
        a[i] += rx;
        for (size_t j = 0; j <= i; j++)
            c[i * p + j] += rx * xr[j];
    }
}

/* row_add over the columns of row k's pattern only (m of them, cols, values xv), with the same result
 * bit for bit: a term of another column is a signed zero when every product is finite, and adding a
 * signed zero leaves a sum that started at +0.0 as it is (round to nearest never makes -0.0 of it).
 * When a product is not finite (r x overflowing, where 0 * inf is NaN) the full row_add runs instead. */
static void row_add_sparse(cox_work *w, double *a, double *c, size_t k, const size_t *cols,
                           const double *xv, double r, size_t m)
{
    size_t p = w->p;
    int finite = isfinite(r);
    for (size_t s = 0; s < m && finite; s++) {
        w->scaled[s] = r * xv[s];
        finite = isfinite(w->scaled[s]);
    }
    if (!finite) {
        row_add(a, c, cox_row(w, k), r, p);
        return;
    }
    for (size_t s = 0; s < m; s++) {
        size_t i = cols[s];
        double rx = w->scaled[s];
        double *ci = c + i * p;
        a[i] += rx;
        for (size_t t = 0; t <= s; t++)
            ci[cols[t]] += rx * xv[t];
    }
}

/* Adds one share of the deaths' terms to the risk set and the contribution of that share (weight
 * wt) to the information: a and u first (a row of the information reads a up to its own column,
 * all updated by then either way), then the lower triangle two columns at a time. */
static void information_add(cox_work *w, double share, double denom, double wt)
{
    size_t p = w->p;
    const cox_pair share2 = {share, share}, denom2 = {denom, denom}, wt2 = {wt, wt};
    for (size_t i = 0; i < p; i++) {
        w->a[i] += w->a2[i] * share;
        w->dmean[i] = w->a[i] / denom;
        w->u[i] -= wt * w->dmean[i];
    }
    for (size_t i = 0; i < p; i++) {
        double mean = w->dmean[i], *c = w->c + i * p, *im = w->imat + i * p;
        const double *c2 = w->c2 + i * p, *a = w->a;
        const cox_pair mean2 = {mean, mean};
        size_t j = 0;
        for (; j + 1 <= i; j += 2) {
            cox_pair cj = pair_load(c + j) + pair_load(c2 + j) * share2;
            pair_store(c + j, cj);
            pair_store(im + j, pair_load(im + j) + wt2 * (cj - mean2 * pair_load(a + j)) / denom2);
        }
        if (j == i) {
            c[j] += c2[j] * share;
            im[j] += wt * (c[j] - mean * a[j]) / denom;
        }
    }
}

static void matrix_mirror(double *m, size_t p)
{
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < i; j++)
            m[j * p + i] = m[i * p + j];
    }
}

/* exp(z) through the cache (every entry starts as +0.0 with its exp). */
static double exp_cached(cox_work *w, double z)
{
    uint64_t bits;
    memcpy(&bits, &z, sizeof bits);
    exp_entry *e = &w->exp_cache[(bits * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - COX_EXP_CACHE_BITS)];
    if (e->bits != bits) {
        e->bits = bits;
        e->value = exp(z);
    }
    return e->value;
}

/* Each pattern's linear predictor and its exp at beta (a design without scaled columns: the values
 * are the pattern's own), summed over the pattern's columns in order as a row's is. */
static void patterns_score(cox_work *w, const double *beta)
{
    for (size_t id = 0; id < w->n_patterns; id++) {
        double z = 0.0;
        for (size_t e = w->pattern_first[id]; e < w->pattern_first[id + 1]; e++)
            z += beta[w->pattern_col[e]] * w->pattern_value[e];
        w->pattern_z[id] = z;
        w->pattern_exp[id] = exp_cached(w, z);
    }
}

/* Log partial likelihood at beta (scaled units); leaves the score in u and the information in imat.
 * Walks the tie groups from the last time backwards as coxfit6 does. */
static double loglik_eval(cox_work *w, const double *beta)
{
    size_t n = w->n, p = w->p;
    double loglik = 0.0, denom = 0.0;
    sums_clear(w->u, p);
    sums_clear(w->a, p);
    sums_clear(w->imat, p * p);
    sums_clear(w->c, p * p);
    /* With a finite beta every term of a column outside a row's pattern is a signed zero (see
     * row_add_sparse), the score's terms too (a finite weight times 0). */
    int sparse = w->pattern_of != NULL && values_finite(beta, p);
    /* Without scaled columns a row's linear predictor is its pattern's (the same sum). */
    int by_pattern = sparse && w->q == 0 && w->n_patterns <= n / 4;
    if (by_pattern)
        patterns_score(w, beta);
    for (size_t hi = n, lo; hi > 0; hi = lo) {
        if (stratum_ends(w, hi)) {
            denom = 0.0;
            sums_clear(w->a, p);
            sums_clear(w->c, p * p);
        }
        lo = group_start(w, hi);
        size_t deaths = 0;
        double dead_weight = 0.0, dead_risk = 0.0;
        sums_clear(w->a2, p);
        sums_clear(w->c2, p * p);
        for (size_t k = lo; k < hi; k++) {
            const double *xr = NULL, *xv = NULL;
            const size_t *cols = NULL;
            double z = 0.0, wk = cox_weight(w, k);
            size_t m = 0;
            double r;
            if (by_pattern) {
                xv = row_packed(w, k, &cols, &m);
                z = w->pattern_z[w->pattern_of[k]];
                r = w->pattern_exp[w->pattern_of[k]] * wk;
            } else if (sparse) {
                xv = row_packed(w, k, &cols, &m);
                for (size_t s = 0; s < m; s++)
                    z += beta[cols[s]] * xv[s];
                r = exp_cached(w, z) * wk;
            } else {
                xr = cox_row(w, k);
                for (size_t j = 0; j < p; j++)
                    z += beta[j] * xr[j];
                r = exp_cached(w, z) * wk;
            }
            double *a = w->a, *c = w->c;
            if (w->status[k]) {
                deaths++;
                dead_weight += wk;
                dead_risk += r;
                loglik += wk * z;
                if (sparse)
                    for (size_t s = 0; s < m; s++)
                        w->u[cols[s]] += wk * xv[s];
                else
                    for (size_t j = 0; j < p; j++)
                        w->u[j] += wk * xr[j];
                a = w->a2;
                c = w->c2;
            } else {
                denom += r;
            }
            if (sparse)
                row_add_sparse(w, a, c, k, cols, xv, r, m);
            else
                row_add(a, c, xr, r, p);
        }
        if (deaths == 0)
            continue;
        if (w->ties == COX_TIES_BRESLOW || deaths == 1) {
            denom += dead_risk;
            loglik -= dead_weight * log(denom);
            information_add(w, 1.0, denom, dead_weight);
        } else {
            double share = 1.0 / (double)deaths, wt = dead_weight / (double)deaths;
            for (size_t k = 0; k < deaths; k++) {
                denom += dead_risk * share;
                loglik -= wt * log(denom);
                information_add(w, share, denom, wt);
            }
        }
    }
    matrix_mirror(w->imat, p);
    return loglik;
}

/* LDL' factor of the symmetric m into f (L below the diagonal, D on it), as R's cholesky2: a pivot
 * below toler times the largest diagonal (or not finite) marks its column singular, with D = 0 and
 * its column of L cleared so that it takes no part in solves. Returns the rank. */
static size_t chol_factor(const double *m, double *f, size_t p, double toler)
{
    size_t rank = 0;
    double largest = 0.0;
    memcpy(f, m, p * p * sizeof *f);
    for (size_t i = 0; i < p; i++) {
        if (f[i * p + i] > largest)
            largest = f[i * p + i];
    }
    double limit = largest * toler;
    for (size_t i = 0; i < p; i++) {
        double pivot = f[i * p + i];
        if (!(largest > 0.0) || !isfinite(pivot) || pivot < limit) {
            for (size_t j = i; j < p; j++)
                f[j * p + i] = 0.0;
            continue;
        }
        rank++;
        for (size_t j = i + 1; j < p; j++) {
            double t = f[j * p + i] / pivot;
            f[j * p + i] = t;
            f[j * p + j] -= t * t * pivot;
            for (size_t k = j + 1; k < p; k++)
                f[k * p + j] -= t * f[k * p + i];
        }
    }
    return rank;
}

/* Solves L D L' y = b in place, 0 for the singular columns (a generalised inverse). */
static void chol_solve(const double *f, size_t p, double *y)
{
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < i; j++)
            y[i] -= f[i * p + j] * y[j];
    }
    for (size_t i = p; i-- > 0;) {
        if (f[i * p + i] == 0.0) {
            y[i] = 0.0;
            continue;
        }
        y[i] /= f[i * p + i];
        for (size_t j = i + 1; j < p; j++)
            y[i] -= f[j * p + i] * y[j];
    }
}

/* The (generalised) inverse from the factor: zero rows and columns for singular columns. */
static void chol_invert(const double *f, size_t p, double *inv, double *col)
{
    for (size_t j = 0; j < p; j++) {
        sums_clear(col, p);
        col[j] = 1.0;
        chol_solve(f, p, col);
        for (size_t i = 0; i < p; i++)
            inv[i * p + j] = col[i];
    }
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < i; j++) {
            double mid = 0.5 * (inv[i * p + j] + inv[j * p + i]);
            inv[i * p + j] = mid;
            inv[j * p + i] = mid;
        }
    }
}

/* b' V^- b with R's coxph.wtest: Cholesky with tolerance, singular columns left out. f and y are
 * p*p and p scratch. */
static double quadratic_form(const double *v, const double *b, size_t p, double toler, double *f,
                             double *y, size_t *rank)
{
    double sum = 0.0;
    size_t r = chol_factor(v, f, p, toler);
    memcpy(y, b, p * sizeof *y);
    chol_solve(f, p, y);
    for (size_t i = 0; i < p; i++)
        sum += b[i] * y[i];
    if (rank != NULL)
        *rank = r;
    return sum;
}

static int converged(double best, double loglik, double eps)
{
    return best == loglik || fabs(1.0 - best / loglik) <= eps;
}

static int fit_is_finite(const cox_work *w, double loglik)
{
    int finite = isfinite(loglik);
    for (size_t i = 0; i < w->p && finite; i++) {
        finite = isfinite(w->u[i]);
        for (size_t j = 0; j < w->p && finite; j++)
            finite = isfinite(w->imat[i * w->p + j]);
    }
    return finite;
}

/* Newton-Raphson with step-halving (coxfit6). Starts from beta = 0, where it records loglik_null
 * and the score test; leaves the estimate in beta, the information's factor in fac and its inverse
 * in inv. */
static void newton_run(cox_work *w, const cox_options *o, cox_result *r)
{
    size_t p = w->p;
    double best, loglik;
    int halving = 0, done = 0;
    sums_clear(w->beta, p);
    best = loglik_eval(w, w->beta);
    r->loglik_null = best;
    chol_factor(w->imat, w->fac, p, o->toler_chol);
    memcpy(w->vec, w->u, p * sizeof *w->vec);
    chol_solve(w->fac, p, w->vec);
    r->score_chisq = 0.0;
    for (size_t i = 0; i < p; i++) {
        r->score_chisq += w->u[i] * w->vec[i];
        w->next[i] = w->beta[i] + w->vec[i];
    }
    loglik = best;
    done = o->max_iter <= 0;
    for (int iter = 1; iter <= o->max_iter && !done; iter++) {
        r->iterations = iter;
        loglik = loglik_eval(w, w->next);
        chol_factor(w->imat, w->fac, p, o->toler_chol);
        int finite = fit_is_finite(w, loglik);
        if (finite && converged(best, loglik, o->eps)) {
            memcpy(w->beta, w->next, p * sizeof *w->beta);
            done = 1;
        } else if (!finite || loglik < best) {
            halving++;
            for (size_t i = 0; i < p; i++)
                w->next[i] = (w->next[i] + halving * w->beta[i]) / (halving + 1.0);
        } else {
            halving = 0;
            best = loglik;
            memcpy(w->vec, w->u, p * sizeof *w->vec);
            chol_solve(w->fac, p, w->vec);
            for (size_t i = 0; i < p; i++) {
                w->beta[i] = w->next[i];
                w->next[i] += w->vec[i];
            }
        }
    }
    if (!done) {
        r->warnings |= COX_WARN_NOT_CONVERGED;
        loglik = loglik_eval(w, w->beta);
        chol_factor(w->imat, w->fac, p, o->toler_chol);
    }
    r->loglik = loglik;
    chol_invert(w->fac, p, w->inv, w->vec);
}

/* Adds r x of row k to a and, when a2 is not NULL, to a2: over its pattern's columns when r is
 * finite (the other terms are signed zeros, see row_add_sparse). */
static void risk_sums_add(cox_work *w, size_t k, double r, double *a2)
{
    size_t p = w->p, m = 0;
    const size_t *cols = NULL;
    if (w->pattern_of == NULL || !isfinite(r)) {
        const double *xr = cox_row(w, k);
        for (size_t j = 0; j < p; j++)
            w->a[j] += r * xr[j];
        for (size_t j = 0; j < p && a2 != NULL; j++)
            a2[j] += r * xr[j];
        return;
    }
    const double *xv = row_packed(w, k, &cols, &m);
    for (size_t s = 0; s < m; s++)
        w->a[cols[s]] += r * xv[s];
    for (size_t s = 0; s < m && a2 != NULL; s++)
        a2[cols[s]] += r * xv[s];
}

/* One Efron term's means (the deaths' share down taken out, over part) into hm, g2 and mbar: two
 * columns at a time, lane by lane the scalar operations. */
static void hazard_terms_add(cox_work *w, double down, double part, double hk, double d)
{
    size_t p = w->p, j = 0;
    double hk_kept = hk * (1.0 - down);
    const cox_pair down2 = {down, down}, part2 = {part, part}, hk2 = {hk, hk};
    const cox_pair kept2 = {hk_kept, hk_kept}, d2 = {d, d};
    for (; j + 2 <= p; j += 2) {
        cox_pair mean = (pair_load(w->a + j) - down2 * pair_load(w->a2 + j)) / part2;
        pair_store(w->hm + j, pair_load(w->hm + j) + hk2 * mean);
        pair_store(w->g2 + j, pair_load(w->g2 + j) + kept2 * mean);
        pair_store(w->mbar + j, pair_load(w->mbar + j) + mean / d2);
    }
    for (; j < p; j++) {
        double mean = (w->a[j] - down * w->a2[j]) / part;
        w->hm[j] += hk * mean;
        w->g2[j] += hk_kept * mean;
        w->mbar[j] += mean / d;
    }
}

/* Adds the rows of one tie group to the running risk-set sums (denom, a) and computes the group's
 * hazard increments: h and hm over the risk set, h2, g2 and mbar as its own deaths see them. */
static void group_hazard(cox_work *w, tie_group *g, double *denom)
{
    size_t p = w->p;
    double dead_weight = 0.0, dead_risk = 0.0;
    g->deaths = 0;
    sums_clear(w->a2, p);
    for (size_t k = g->lo; k < g->hi; k++) {
        double r = w->risk[k] * cox_weight(w, k);
        *denom += r;
        if (w->status[k]) {
            g->deaths++;
            dead_weight += cox_weight(w, k);
            dead_risk += r;
        }
        risk_sums_add(w, k, r, w->status[k] ? w->a2 : NULL);
    }
    g->h = 0.0;
    g->h2 = 0.0;
    sums_clear(w->hm, p);
    sums_clear(w->g2, p);
    sums_clear(w->mbar, p);
    if (g->deaths == 0)
        return;
    size_t terms = w->ties == COX_TIES_BRESLOW ? 1 : g->deaths;
    double d = (double)terms;
    for (size_t k = 0; k < terms; k++) {
        double down = (double)k / d;
        double part = *denom - down * dead_risk;
        double hk = dead_weight / d / part;
        g->h += hk;
        g->h2 += hk * (1.0 - down);
        hazard_terms_add(w, down, part, hk, d);
    }
}

/* Weighted score residual of row k in res, given the hazard sums over the times up to and
 * including its own (h_upto, g_upto over the risk set). */
static void row_residual(cox_work *w, const tie_group *g, size_t k, double h_upto,
                         const double *g_upto)
{
    size_t p = w->p;
    const double *xr = cox_row(w, k);
    double r = w->risk[k], wk = cox_weight(w, k);
    if (w->status[k]) {
        double h = h_upto - g->h + g->h2;
        for (size_t j = 0; j < p; j++) {
            double gj = g_upto[j] - w->hm[j] + w->g2[j];
            w->res[j] = wk * (xr[j] - w->mbar[j] - r * (xr[j] * h - gj));
        }
    } else {
        for (size_t j = 0; j < p; j++)
            w->res[j] = -wk * r * (xr[j] * h_upto - g_upto[j]);
    }
}

/* Adds v v' (lower triangle), two columns at a time. */
static void crossprod_add(double *cross, const double *v, size_t p)
{
    for (size_t i = 0; i < p; i++) {
        double *row = cross + i * p;
        const cox_pair vi = {v[i], v[i]};
        size_t j = 0;
        for (; j + 1 <= i; j += 2)
            pair_store(row + j, pair_load(row + j) + vi * pair_load(v + j));
        if (j == i)
            row[j] += v[i] * v[j];
    }
}

/* Adds one row's residual (w->res) to the sum and to the cross-product, or to its cluster's sum. */
static void residual_add(cox_work *w, size_t k, double *sum, double *cross)
{
    size_t p = w->p;
    for (size_t j = 0; j < p; j++)
        sum[j] += w->res[j];
    if (w->cluster == NULL) {
        crossprod_add(cross, w->res, p);
        return;
    }
    double *c = w->cluster_sum + (size_t)w->cluster[k] * p;
    for (size_t j = 0; j < p; j++)
        c[j] += w->res[j];
}

/* The residuals of the stratum of rows lo..hi-1: a first walk sums the hazard increments over all
 * its times; a second walk has those up to each row's time as the total minus the later ones. */
static void score_stratum(cox_work *w, size_t lo, size_t hi, double *sum, double *cross)
{
    size_t p = w->p;
    tie_group g;
    double denom = 0.0, h_total = 0.0, h_after = 0.0;
    sums_clear(w->a, p);
    sums_clear(w->g_total, p);
    for (size_t top = hi; top > lo; top = g.lo) {
        g.hi = top;
        g.lo = group_start(w, top);
        group_hazard(w, &g, &denom);
        h_total += g.h;
        for (size_t j = 0; j < p; j++)
            w->g_total[j] += w->hm[j];
    }
    denom = 0.0;
    sums_clear(w->a, p);
    sums_clear(w->g_after, p);
    for (size_t top = hi; top > lo; top = g.lo) {
        g.hi = top;
        g.lo = group_start(w, top);
        group_hazard(w, &g, &denom);
        for (size_t j = 0; j < p; j++)
            w->vec[j] = w->g_total[j] - w->g_after[j];
        for (size_t k = g.lo; k < g.hi; k++) {
            row_residual(w, &g, k, h_total - h_after, w->vec);
            residual_add(w, k, sum, cross);
        }
        h_after += g.h;
        for (size_t j = 0; j < p; j++)
            w->g_after[j] += w->hm[j];
    }
}

/* Sum and cross-product of the weighted score residuals (R's residuals(type = "score", weighted =
 * TRUE)) at the risk scores in w->risk, scaled units, stratum by stratum; with clusters the
 * cross-product is that of the residuals summed within cluster (R's rowsum). */
static void score_crossprod(cox_work *w, double *sum, double *cross)
{
    size_t p = w->p;
    sums_clear(sum, p);
    sums_clear(cross, p * p);
    if (w->cluster_sum != NULL)
        sums_clear(w->cluster_sum, w->n_clusters * p);
    for (size_t hi = w->n, lo; hi > 0; hi = lo) {
        lo = stratum_start(w, hi);
        score_stratum(w, lo, hi, sum, cross);
    }
    for (size_t c = 0; w->cluster_sum != NULL && c < w->n_clusters; c++)
        crossprod_add(cross, w->cluster_sum + c * p, p);
    matrix_mirror(cross, p);
}

/* From scaled to original units: a score-like vector divides by the scale, a matrix of score
 * cross-products by both scales, a variance-like matrix multiplies. */
static void unscale_matrix(double *m, const double *scale, size_t p, int variance)
{
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < p; j++)
            m[i * p + j] *= variance ? scale[i] * scale[j] : 1.0 / (scale[i] * scale[j]);
    }
}

/* out = v b v for symmetric p x p matrices; tmp is scratch. */
static void sandwich(const double *v, const double *b, double *out, double *tmp, size_t p)
{
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t k = 0; k < p; k++)
                s += b[i * p + k] * v[k * p + j];
            tmp[i * p + j] = s;
        }
    }
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t k = 0; k < p; k++)
                s += v[i * p + k] * tmp[k * p + j];
            out[i * p + j] = s;
        }
    }
}

/* Risk scores exp(x beta); beta NULL for beta = 0. A finite beta's terms outside a row's pattern
 * are signed zeros (see row_add_sparse). */
static void risk_update(cox_work *w, const double *beta)
{
    size_t p = w->p, m = 0;
    int sparse = beta != NULL && w->pattern_of != NULL && values_finite(beta, p);
    for (size_t k = 0; k < w->n; k++) {
        double z = 0.0;
        const size_t *cols = NULL;
        if (sparse) {
            const double *xv = row_packed(w, k, &cols, &m);
            for (size_t s = 0; s < m; s++)
                z += beta[cols[s]] * xv[s];
        } else if (beta != NULL) {
            const double *xr = cox_row(w, k);
            for (size_t j = 0; j < p; j++)
                z += beta[j] * xr[j];
        }
        w->risk[k] = exp_cached(w, z);
    }
}

/* Robust sandwich V B V with B the cross-product of the weighted score residuals at the estimate
 * (crossprod of the dfbeta residuals), and the robust score test at beta = 0. */
static void robust_compute(cox_work *w, const cox_options *o, cox_result *r)
{
    size_t p = w->p;
    risk_update(w, w->beta);
    score_crossprod(w, w->usum, w->mat);
    unscale_matrix(w->mat, w->scale, p, 0);
    sandwich(r->var, w->mat, r->robust_var, w->mat2, p);
    risk_update(w, NULL);
    score_crossprod(w, w->usum, w->mat);
    unscale_matrix(w->mat, w->scale, p, 0);
    for (size_t j = 0; j < p; j++)
        w->u[j] = w->usum[j] / w->scale[j];
    r->robust_score_chisq = quadratic_form(w->mat, w->u, p, o->toler_chol, w->fac, w->vec, NULL);
}

static double lp_largest(cox_work *w)
{
    double largest = 0.0;
    for (size_t k = 0; k < w->n; k++) {
        double z = 0.0;
        const double *xr = cox_row(w, k);
        for (size_t j = 0; j < w->p; j++)
            z += w->beta[j] * xr[j];
        largest = z > largest ? z : largest;
    }
    return largest;
}

/* A Newton step relative to its coefficient; infinite for a step off 0 or a non-finite one. */
static double step_ratio(double step, double coef)
{
    double ratio = INFINITY;
    if (isfinite(step) && coef != 0.0)
        ratio = step / fabs(coef);
    else if (isfinite(step) && step == 0.0)
        ratio = 0.0;
    return ratio;
}

/* R's check: the next Newton step u' V of a coefficient is still large against the coefficient
 * ("Loglik converged before variable ...; coefficient may be infinite"), or not finite. R applies
 * it after convergence only; here also without convergence, where the loglik can creep towards its
 * supremum too slowly for the relative rule, and there R's own sign, a linear predictor beyond
 * 500, flags the coefficient with the largest relative step. Reports the largest relative step. */
static void monotone_check(cox_work *w, const cox_options *o, cox_result *r)
{
    size_t p = w->p;
    double toler_inf = sqrt(o->eps), best = -1.0, largest = -1.0;
    int flagged = -1, moving = -1;
    for (size_t i = 0; i < p; i++) {
        double step = 0.0;
        if (w->dropped[i] != 0.0)
            continue;
        for (size_t j = 0; j < p; j++)
            step += w->u[j] / w->scale[j] * r->var[j * p + i];
        step = fabs(step);
        double ratio = step_ratio(step, r->coef[i]);
        int bad = !isfinite(step) || (step > o->eps && step > toler_inf * fabs(r->coef[i]));
        r->infinite[i] = (unsigned char)bad;
        if (bad && ratio > best) {
            best = ratio;
            flagged = (int)i;
        }
        if (!(ratio <= largest)) {
            largest = ratio;
            moving = (int)i;
        }
    }
    if (flagged < 0 && (r->warnings & COX_WARN_NOT_CONVERGED) && lp_largest(w) > COX_LP_LIMIT) {
        flagged = moving;
        r->infinite[moving] = 1;
    }
    if (flagged >= 0) {
        r->warnings |= COX_WARN_MONOTONE;
        r->infinite_coef = flagged;
    }
}

/* Estimates and model variance in original units; singular columns get coefficient 0. */
static void estimates_store(cox_work *w, cox_result *r)
{
    size_t p = w->p;
    for (size_t i = 0; i < p; i++) {
        w->dropped[i] = w->fac[i * p + i] == 0.0;
        r->coef[i] = w->dropped[i] != 0.0 ? 0.0 : w->beta[i] * w->scale[i];
        r->singular[i] = w->dropped[i] != 0.0;
        if (w->dropped[i] != 0.0 && r->singular_coef < 0) {
            r->singular_coef = (int)i;
            r->warnings |= COX_WARN_SINGULAR;
        }
    }
    memcpy(r->var, w->inv, p * p * sizeof *r->var);
    unscale_matrix(r->var, w->scale, p, 1);
}

/* Wald test over the non-singular coefficients (R drops the NA ones). */
static double wald_compute(cox_work *w, const cox_options *o, const cox_result *r)
{
    size_t p = w->p, m = 0;
    const double *v = r->robust_var != NULL ? r->robust_var : r->var;
    for (size_t i = 0; i < p; i++) {
        if (w->dropped[i] != 0.0)
            continue;
        size_t mj = 0;
        for (size_t j = 0; j < p; j++) {
            if (w->dropped[j] == 0.0)
                w->mat[m * p + mj++] = v[i * p + j];
        }
        w->a[m++] = r->coef[i];
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++)
            w->mat2[i * m + j] = w->mat[i * p + j];
    }
    return quadratic_form(w->mat2, w->a, m, o->toler_chol, w->c, w->vec, NULL);
}

/* Marks the rows and columns of singular coefficients NAN in a variance matrix. */
static void singular_mark(const cox_work *w, double *v)
{
    size_t p = w->p;
    for (size_t i = 0; v != NULL && i < p; i++) {
        if (w->dropped[i] == 0.0)
            continue;
        for (size_t j = 0; j < p; j++) {
            v[i * p + j] = NAN;
            v[j * p + i] = NAN;
        }
    }
}

static cox_result *cox_result_alloc(size_t n, size_t p, int robust)
{
    cox_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        goto cleanup;
    r->n = n;
    r->p = p;
    r->coef = doubles_alloc(p);
    r->var = doubles_alloc(p * p);
    r->robust_var = robust ? doubles_alloc(p * p) : NULL;
    r->robust_score_chisq = NAN;
    r->infinite_coef = -1;
    r->singular_coef = -1;
    r->infinite = calloc(p ? p : 1, sizeof *r->infinite);
    r->singular = calloc(p ? p : 1, sizeof *r->singular);
    if (r->coef == NULL || r->var == NULL || (robust && r->robust_var == NULL) || !r->infinite || !r->singular) {
        cox_result_free(r);
        r = NULL;
    }

cleanup:
    return r;
}

/* Rows reordered by stratum (a stable counting sort: time order kept within each). */
typedef struct stratum_order {
    double *time;
    int *status;
    double *weight;
    double *x;
    int *strata;
    int *cluster;
} stratum_order;

static void stratum_order_free(stratum_order *o)
{
    free(o->time);
    free(o->status);
    free(o->weight);
    free(o->x);
    free(o->strata);
    free(o->cluster);
}

static int codes_max(const int *codes, size_t n)
{
    int largest = -1;
    for (size_t i = 0; i < n; i++)
        largest = codes[i] > largest ? codes[i] : largest;
    return largest;
}

static int codes_valid(const int *codes, size_t n)
{
    for (size_t i = 0; codes != NULL && i < n; i++)
        if (codes[i] < 0)
            return 0;
    return 1;
}

static embolo_error stratum_order_make(const double *time, const int *status, const double *weight,
                                       const double *x, const int *strata, const int *cluster, size_t n,
                                       size_t p, stratum_order *o)
{
    size_t n_strata = (size_t)codes_max(strata, n) + 1, *next = calloc(n_strata + 1, sizeof *next);
    o->time = malloc(n * sizeof *o->time);
    o->status = malloc(n * sizeof *o->status);
    o->weight = weight != NULL ? malloc(n * sizeof *o->weight) : NULL;
    o->x = doubles_alloc(n * p);
    o->strata = malloc(n * sizeof *o->strata);
    o->cluster = cluster != NULL ? malloc(n * sizeof *o->cluster) : NULL;
    if (next == NULL || o->time == NULL || o->status == NULL || (weight != NULL && o->weight == NULL)
        || o->x == NULL || o->strata == NULL || (cluster != NULL && o->cluster == NULL)) {
        free(next);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        next[strata[i] + 1]++;
    for (size_t k = 1; k <= n_strata; k++)
        next[k] += next[k - 1];
    for (size_t i = 0; i < n; i++) {
        size_t to = next[strata[i]]++;
        o->time[to] = time[i];
        o->status[to] = status[i];
        o->strata[to] = strata[i];
        if (weight != NULL)
            o->weight[to] = weight[i];
        if (cluster != NULL)
            o->cluster[to] = cluster[i];
        memcpy(o->x + to * p, x + i * p, p * sizeof *x);
    }
    free(next);
    return EMBOLO_OK;
}

embolo_error cox_fit(const double *time, const int *status, const double *weight, const double *x,
                     size_t n, size_t p, const cox_options *options, cox_result **out)
{
    return cox_fit_grouped(time, status, weight, x, NULL, NULL, n, p, options, out);
}

embolo_error cox_fit_grouped(const double *time, const int *status, const double *weight, const double *x,
                             const int *strata, const int *cluster, size_t n, size_t p,
                             const cox_options *options, cox_result **out)
{
    embolo_error err = EMBOLO_OK;
    cox_work w = {0};
    stratum_order sorted = {0};
    cox_result *r = NULL;
    cox_options o = options != NULL ? *options : cox_options_default();
    if (out == NULL) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    *out = NULL;
    err = cox_input_check(time, status, weight, x, n, p);
    if (err == EMBOLO_OK && (!codes_valid(strata, n) || !codes_valid(cluster, n)))
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
    if (err != EMBOLO_OK)
        goto cleanup;
    if (strata != NULL) {
        err = stratum_order_make(time, status, weight, x, strata, cluster, n, p, &sorted);
        if (err != EMBOLO_OK)
            goto cleanup;
        time = sorted.time;
        status = sorted.status;
        weight = sorted.weight;
        x = sorted.x;
        cluster = sorted.cluster;
        w.strata = sorted.strata;
    }
    w.n = n;
    w.p = p;
    w.time = time;
    w.status = status;
    w.weight = weight;
    w.ties = o.ties;
    w.cluster = cluster;
    if (cluster != NULL) {
        o.robust = 1;
        w.n_clusters = (size_t)codes_max(cluster, n) + 1;
        if (!(w.cluster_sum = doubles_alloc(w.n_clusters * p))) {
            err = EMBOLO_ERROR_NOMEM;
            goto cleanup;
        }
    }
    err = cox_work_alloc(&w);
    if (err != EMBOLO_OK)
        goto cleanup;
    r = cox_result_alloc(n, p, o.robust);
    if (r == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        r->events += status[i] != 0;
    err = design_standardize(&w, x);
    if (err == EMBOLO_OK)
        err = patterns_build(&w);
    if (err != EMBOLO_OK)
        goto cleanup;
    newton_run(&w, &o, r);
    estimates_store(&w, r);
    if (o.max_iter > 1)
        monotone_check(&w, &o, r);
    if (o.robust)
        robust_compute(&w, &o, r);
    r->wald_chisq = wald_compute(&w, &o, r);
    singular_mark(&w, r->var);
    singular_mark(&w, r->robust_var);
    *out = r;
    r = NULL;

cleanup:
    cox_result_free(r);
    cox_work_free(&w);
    stratum_order_free(&sorted);
    return err;
}

void cox_result_free(cox_result *result)
{
    if (result == NULL)
        return;
    free(result->coef);
    free(result->var);
    free(result->robust_var);
    free(result->infinite);
    free(result->singular);
    free(result);
}

int cox_coef_singular(const cox_result *fit, size_t j)
{
    return fit->singular ? fit->singular[j] != 0 : fit->singular_coef >= 0 && (size_t)fit->singular_coef == j;
}

double cox_wald_block(const cox_result *fit, size_t first, size_t count)
{
    double chisq = NAN;
    size_t *index = NULL;
    if (fit == NULL || count == 0 || first > fit->p || count > fit->p - first)
        return chisq;
    index = malloc(count * sizeof *index);
    if (index == NULL)
        return chisq;
    for (size_t i = 0; i < count; i++)
        index[i] = first + i;
    chisq = cox_wald_subset(fit, index, count);
    free(index);
    return chisq;
}

double cox_wald_subset(const cox_result *fit, const size_t *index, size_t count)
{
    double chisq = NAN;
    double *v = NULL, *f = NULL, *b = NULL, *y = NULL;
    size_t rank = 0;
    if (fit == NULL || index == NULL || count == 0)
        goto cleanup;
    const double *var = fit->robust_var != NULL ? fit->robust_var : fit->var;
    v = doubles_alloc(count * count);
    f = doubles_alloc(count * count);
    b = doubles_alloc(count);
    y = doubles_alloc(count);
    if (v == NULL || f == NULL || b == NULL || y == NULL)
        goto cleanup;
    for (size_t i = 0; i < count; i++) {
        if (index[i] >= fit->p)
            goto cleanup;
        b[i] = fit->coef[index[i]];
        for (size_t j = 0; j < count; j++)
            v[i * count + j] = var[index[i] * fit->p + index[j]];
    }
    chisq = quadratic_form(v, b, count, cox_options_default().toler_chol, f, y, &rank);
    if (rank < count || !isfinite(chisq))
        chisq = NAN;

cleanup:
    free(v);
    free(f);
    free(b);
    free(y);
    return chisq;
}
