/* Aalen-Johansen cumulative incidence with the infinitesimal jackknife in O(n).
 *
 * Per patient i the jackknife recursions over the distinct times u_k (n, d1, d = d1 + d2 weighted,
 * S the all-cause Kaplan-Meier, h = d/n, h1 = d1/n) are
 *   U0_i(k) = U0_i(k-1) (1 - h_k) - S(k-1) (dN_i - Y_i h_k) / n_k
 *   U1_i(k) = U1_i(k-1) + U0_i(k-1) h1_k + S(k-1) (dN1_i - Y_i h1_k) / n_k.
 * While a patient is at risk and has not left, both follow one common path (V0, V1). After leaving
 * at e_i, U0_i decays with S, so U1_i(k) = alpha_i + c_i CIF(k) with c_i = U0_i(e_i) / S(e_i) and
 * alpha_i = U1_i(e_i) - c_i CIF(e_i). The variance sum_i (w_i U1_i(k))^2 then needs only running
 * sums over the patients who left before k (of w^2 alpha^2, w^2 alpha c, w^2 c^2), the weight of
 * those still at risk past k, and the patients leaving at k. */
#include "cif.h"

#include <math.h>
#include <stdlib.h>

#define CIF_Z_975 1.959963984540054

static int cif_input_is_valid(const double *time, const int *cause, const double *weight, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(time[i]) || (i > 0 && time[i] < time[i - 1]))
            return 0;
        if (cause[i] < 0 || cause[i] > 2)
            return 0;
        if (weight != NULL && !(isfinite(weight[i]) && weight[i] >= 0.0))
            return 0;
    }
    return 1;
}

void cif_curve_free(cif_curve *curve)
{
    if (curve == NULL)
        return;
    free(curve->time);
    free(curve->cif);
    free(curve->std_err);
    free(curve->lower);
    free(curve->upper);
    free(curve->n_risk);
    free(curve->n_event);
    free(curve);
}

static cif_curve *cif_curve_alloc(size_t n_times)
{
    cif_curve *c = calloc(1, sizeof *c);
    size_t len = n_times ? n_times : 1;
    if (c == NULL)
        return NULL;
    c->n_times = n_times;
    c->time = calloc(len, sizeof *c->time);
    c->cif = calloc(len, sizeof *c->cif);
    c->std_err = calloc(len, sizeof *c->std_err);
    c->lower = calloc(len, sizeof *c->lower);
    c->upper = calloc(len, sizeof *c->upper);
    c->n_risk = calloc(len, sizeof *c->n_risk);
    c->n_event = calloc(len, sizeof *c->n_event);
    if (!c->time || !c->cif || !c->std_err || !c->lower || !c->upper || !c->n_risk || !c->n_event) {
        cif_curve_free(c);
        return NULL;
    }
    return c;
}

/* Weighted counts at one distinct time. */
typedef struct time_counts {
    double at_risk, event, competing;
} time_counts;

/* The running sums of the jackknife over the patients who have left. */
typedef struct jackknife_sums {
    double v0, v1;            /* the common path of those still at risk */
    double left_aa, left_ac, left_cc;
    double weight2_at_risk;   /* sum of w^2 of those at risk */
} jackknife_sums;

static double row_weight(const double *weight, size_t i)
{
    return weight != NULL ? weight[i] : 1.0;
}

/* One distinct time, rows lo..hi-1 (the patients leaving at it): moves them from the common path to
 * the leavers' sums and advances the path; returns their share of the variance plus that of the
 * patients still at risk after the time. s_before, s_after: S just before and after it. */
static double jackknife_step(jackknife_sums *j, const time_counts *c, double s_before, double s_after,
                             double cif_after, const int *cause, const double *weight, size_t lo, size_t hi)
{
    double n = c->at_risk, h = n > 0 ? (c->event + c->competing) / n : 0.0, h1 = n > 0 ? c->event / n : 0.0;
    double v0 = j->v0, v1 = j->v1, here = 0.0;
    for (size_t i = lo; i < hi; i++) {
        double w = row_weight(weight, i), dn = cause[i] != 0, dn1 = cause[i] == 1;
        double u0 = n > 0 ? v0 * (1.0 - h) - s_before * (dn - h) / n : v0;
        double u1 = n > 0 ? v1 + v0 * h1 + s_before * (dn1 - h1) / n : v1;
        double ci = s_after > 0 ? u0 / s_after : 0.0, alpha = u1 - ci * cif_after;
        here += w * w * u1 * u1;
        j->weight2_at_risk -= w * w;
        j->left_aa += w * w * alpha * alpha;
        j->left_ac += w * w * alpha * ci;
        j->left_cc += w * w * ci * ci;
    }
    if (n > 0) {
        j->v0 = v0 * (1.0 - h) + s_before * h / n;
        j->v1 = v1 + v0 * h1 - s_before * h1 / n;
    }
    return j->weight2_at_risk * j->v1 * j->v1 + here;
}

static size_t count_times(const double *time, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += i == 0 || time[i] != time[i - 1];
    return count;
}

static void limits_set(cif_curve *c, size_t k)
{
    double f = c->cif[k], se = c->std_err[k];
    if (!(f > 0)) {
        c->lower[k] = c->upper[k] = NAN;
        return;
    }
    c->lower[k] = f * exp(-CIF_Z_975 * se / f);
    c->upper[k] = f * exp(CIF_Z_975 * se / f);
    if (c->upper[k] > 1.0)
        c->upper[k] = 1.0;
}

embolo_error cif_fit(const double *time, const int *cause, const double *weight, size_t n, cif_curve **out)
{
    embolo_error err = EMBOLO_OK;
    cif_curve *c = NULL;
    jackknife_sums j = {0};
    double at_risk = 0.0, s = 1.0, f = 0.0;
    size_t n_at_risk = n;
    if (out == NULL)
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    if ((n > 0 && (time == NULL || cause == NULL)) || !cif_input_is_valid(time, cause, weight, n))
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    if (!(c = cif_curve_alloc(count_times(time, n))))
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        double w = row_weight(weight, i);
        at_risk += w;
        j.weight2_at_risk += w * w;
        c->events += cause[i] == 1;
        c->competing += cause[i] == 2;
    }
    c->n = n;
    for (size_t lo = 0, k = 0; lo < n; k++) {
        size_t hi = lo;
        time_counts counts = {at_risk, 0.0, 0.0};
        size_t events = 0;
        while (hi < n && time[hi] == time[lo]) {
            double w = row_weight(weight, hi);
            counts.event += cause[hi] == 1 ? w : 0.0;
            counts.competing += cause[hi] == 2 ? w : 0.0;
            events += cause[hi] == 1;
            hi++;
        }
        double s_after = s, f_after = f;
        if (counts.at_risk > 0) {
            f_after = f + s * counts.event / counts.at_risk;
            s_after = s * (1.0 - (counts.event + counts.competing) / counts.at_risk);
        }
        /* The leavers of earlier times: sum w^2 (alpha + c F)^2 at the new F. */
        double earlier = j.left_aa + 2.0 * f_after * j.left_ac + f_after * f_after * j.left_cc;
        double current = jackknife_step(&j, &counts, s, s_after, f_after, cause, weight, lo, hi);
        c->time[k] = time[lo];
        c->cif[k] = f_after;
        c->std_err[k] = sqrt(fmax(earlier + current, 0.0));
        c->n_risk[k] = n_at_risk;
        c->n_event[k] = events;
        limits_set(c, k);
        for (size_t i = lo; i < hi; i++)
            at_risk -= row_weight(weight, i);
        n_at_risk -= hi - lo;
        s = s_after;
        f = f_after;
        lo = hi;
    }
    *out = c;
    return err;
}

void cif_at(const cif_curve *curve, double t, double *cif, double *lower, double *upper)
{
    size_t low = 0, high = curve->n_times;
    *cif = *lower = *upper = NAN;
    if (curve->n_times == 0 || t > curve->time[curve->n_times - 1])
        return;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (curve->time[mid] <= t)
            low = mid + 1;
        else
            high = mid;
    }
    if (low == 0) {
        *cif = 0.0;
        return;
    }
    *cif = curve->cif[low - 1];
    *lower = curve->lower[low - 1];
    *upper = curve->upper[low - 1];
}
