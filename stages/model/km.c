/* Kaplan-Meier estimator: counts per distinct time, the product-limit estimate, Greenwood or
 * infinitesimal-jackknife variance of log S, log-scale 95% limits, print.survfit's median rule. */
#include "model/km.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define KM_Z_975 1.959963984540054

static int km_input_is_valid(const double *time, const int *status, const double *weight, size_t n)
{
    int valid = 1;
    for (size_t i = 0; i < n && valid; i++) {
        if (!isfinite(time[i]) || (status[i] != 0 && status[i] != 1))
            valid = 0;
        else if (i > 0 && time[i] < time[i - 1])
            valid = 0;
        else if (weight != NULL && !(isfinite(weight[i]) && weight[i] >= 0.0))
            valid = 0;
    }
    return valid;
}

/* R's survfit switches to the robust variance only when some weight is not an integer. */
static int km_weights_are_fractional(const double *weight, size_t n)
{
    int fractional = 0;
    for (size_t i = 0; weight != NULL && i < n && !fractional; i++)
        fractional = weight[i] != floor(weight[i]);
    return fractional;
}

static size_t km_count_times(const double *time, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || time[i] != time[i - 1])
            count++;
    }
    return count;
}

static km_curve *km_curve_alloc(size_t n_times)
{
    km_curve *curve = calloc(1, sizeof *curve);
    if (curve == NULL)
        goto cleanup;
    size_t len = n_times > 0 ? n_times : 1; /* calloc(0) may return NULL */
    curve->n_times = n_times;
    curve->time = calloc(len, sizeof *curve->time);
    curve->n_risk = calloc(len, sizeof *curve->n_risk);
    curve->n_event = calloc(len, sizeof *curve->n_event);
    curve->n_censor = calloc(len, sizeof *curve->n_censor);
    curve->n_risk_unweighted = calloc(len, sizeof *curve->n_risk_unweighted);
    curve->n_event_unweighted = calloc(len, sizeof *curve->n_event_unweighted);
    curve->surv = calloc(len, sizeof *curve->surv);
    curve->std_err = calloc(len, sizeof *curve->std_err);
    curve->lower = calloc(len, sizeof *curve->lower);
    curve->upper = calloc(len, sizeof *curve->upper);
    if (curve->time == NULL || curve->n_risk == NULL || curve->n_event == NULL
        || curve->n_censor == NULL || curve->n_risk_unweighted == NULL
        || curve->n_event_unweighted == NULL || curve->surv == NULL || curve->std_err == NULL
        || curve->lower == NULL || curve->upper == NULL) {
        km_curve_free(curve);
        curve = NULL;
    }

cleanup:
    return curve;
}

void km_curve_free(km_curve *curve)
{
    if (curve == NULL)
        return;
    free(curve->time);
    free(curve->n_risk);
    free(curve->n_event);
    free(curve->n_censor);
    free(curve->n_risk_unweighted);
    free(curve->n_event_unweighted);
    free(curve->surv);
    free(curve->std_err);
    free(curve->lower);
    free(curve->upper);
    free(curve);
}

/* Events and censorings per distinct time, then the numbers at risk as sums from the end. */
static void km_curve_count(km_curve *curve, const double *time, const int *status,
                           const double *weight, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && time[i] != time[i - 1])
            j++;
        double w = weight != NULL ? weight[i] : 1.0;
        curve->time[j] = time[i];
        curve->n_risk_unweighted[j]++;
        if (status[i] == 1) {
            curve->n_event[j] += w;
            curve->n_event_unweighted[j]++;
            curve->events++;
        } else {
            curve->n_censor[j] += w;
        }
    }
    curve->n = n;
    double risk = 0.0;
    size_t risk_unweighted = 0;
    for (size_t k = curve->n_times; k-- > 0;) {
        risk += curve->n_event[k] + curve->n_censor[k];
        risk_unweighted += curve->n_risk_unweighted[k];
        curve->n_risk[k] = risk;
        curve->n_risk_unweighted[k] = risk_unweighted;
    }
}

/* Product-limit estimate with Greenwood's var(log S) = sum d / (n (n - d)). Once everyone at risk
 * has died, S is 0 from there on and the variance is not defined (km_curve_confint). */
static void km_curve_greenwood(km_curve *curve)
{
    double surv = 1.0;
    double var = 0.0;
    for (size_t j = 0; j < curve->n_times; j++) {
        double d = curve->n_event[j];
        double r = curve->n_risk[j];
        if (d > 0.0 && r > d) {
            surv *= (r - d) / r;
            var += d / (r * (r - d));
        } else if (d > 0.0) {
            surv = 0.0;
        }
        curve->surv[j] = surv;
        curve->std_err[j] = sqrt(var);
    }
}

/* Infinitesimal jackknife with each row its own cluster, in closed form. Row k's influence on
 * log S(t), divided by its weight w_k, is G(min(t, T_k)) minus 1/(n - d) at T_k if k died there,
 * where G(t) = sum over event times u <= t of d/(n(n-d)). So var(log S(t)) = G(t)^2 times the
 * sum of w^2 over rows still at risk after t, plus the squared influences of the rows gone by t.
 * std_err first holds, per time, the sum of w^2 of rows from that time on. */
static void km_curve_jackknife(km_curve *curve, const double *time, const int *status,
                               const double *weight, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && time[i] != time[i - 1])
            j++;
        curve->std_err[j] += weight[i] * weight[i];
    }
    for (size_t k = curve->n_times; k-- > 1;)
        curve->std_err[k - 1] += curve->std_err[k];

    double surv = 1.0;
    double g = 0.0;
    double gone = 0.0;
    size_t i = 0;
    for (j = 0; j < curve->n_times; j++) {
        double d = curve->n_event[j];
        double r = curve->n_risk[j];
        double death_term = 0.0;
        if (d > 0.0 && r > d) {
            surv *= (r - d) / r;
            g += d / (r * (r - d));
            death_term = 1.0 / (r - d);
        } else if (d > 0.0) {
            surv = 0.0;
        }
        for (; i < n && time[i] == curve->time[j]; i++) {
            double u = weight[i] * (g - (status[i] == 1 ? death_term : 0.0));
            gone += u * u;
        }
        double still = j + 1 < curve->n_times ? curve->std_err[j + 1] : 0.0;
        curve->surv[j] = surv;
        curve->std_err[j] = sqrt(g * g * still + gone);
    }
}

static void km_curve_confint(km_curve *curve)
{
    for (size_t j = 0; j < curve->n_times; j++) {
        double s = curve->surv[j];
        if (s > 0.0) {
            double half = KM_Z_975 * curve->std_err[j];
            curve->lower[j] = s * exp(-half);
            curve->upper[j] = fmin(1.0, s * exp(half));
        } else {
            curve->std_err[j] = NAN;
            curve->lower[j] = NAN;
            curve->upper[j] = NAN;
        }
    }
}

embolo_error km_fit(const double *time, const int *status, const double *weight, size_t n,
                    km_curve **out)
{
    embolo_error err = EMBOLO_OK;
    km_curve *curve = NULL;

    if (out == NULL) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    *out = NULL;
    if (n > 0 && (time == NULL || status == NULL || !km_input_is_valid(time, status, weight, n))) {
        err = EMBOLO_ERROR_INVALID_ARGUMENT;
        goto cleanup;
    }
    curve = km_curve_alloc(km_count_times(time, n));
    if (curve == NULL) {
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    km_curve_count(curve, time, status, weight, n);
    if (km_weights_are_fractional(weight, n))
        km_curve_jackknife(curve, time, status, weight, n);
    else
        km_curve_greenwood(curve);
    km_curve_confint(curve);
    *out = curve;
    curve = NULL;

cleanup:
    km_curve_free(curve);
    return err;
}

/* print.survfit's minmin: the first time y < 0.5 (within sqrt(DBL_EPSILON)); when that y is 0.5
 * and the curve drops further later, the midpoint with the time of that drop. NAN entries are
 * skipped, as R drops NA. */
static double km_curve_crossing(const double *y, const double *time, size_t n_times)
{
    const double tolerance = sqrt(DBL_EPSILON);
    size_t first = n_times;
    for (size_t j = 0; j < n_times && first == n_times; j++) {
        if (!isnan(y[j]) && y[j] < 0.5 + tolerance)
            first = j;
    }
    double crossing = first < n_times ? time[first] : NAN;
    if (first < n_times && fabs(y[first] - 0.5) < tolerance) {
        size_t drop = first + 1;
        while (drop < n_times && !(y[drop] < y[first]))
            drop++;
        if (drop < n_times)
            crossing = (time[first] + time[drop]) / 2.0;
    }
    return crossing;
}

void km_median(const km_curve *curve, double *median, double *lower, double *upper)
{
    double m = NAN, lo = NAN, hi = NAN;
    if (curve != NULL) {
        m = km_curve_crossing(curve->surv, curve->time, curve->n_times);
        lo = km_curve_crossing(curve->lower, curve->time, curve->n_times);
        hi = km_curve_crossing(curve->upper, curve->time, curve->n_times);
    }
    if (median != NULL)
        *median = m;
    if (lower != NULL)
        *lower = lo;
    if (upper != NULL)
        *upper = hi;
}

/* Number of curve times <= t (binary search). */
static size_t km_curve_times_upto(const km_curve *curve, double t)
{
    size_t lo = 0, hi = curve->n_times;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (curve->time[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void km_surv_at(const km_curve *curve, double t, double *surv, double *lower, double *upper)
{
    double s = NAN, lo = NAN, hi = NAN;
    if (curve != NULL && curve->n_times > 0 && !isnan(t)
        && t <= curve->time[curve->n_times - 1]) {
        size_t count = km_curve_times_upto(curve, t);
        if (count == 0) {
            s = lo = hi = 1.0;
        } else {
            s = curve->surv[count - 1];
            lo = curve->lower[count - 1];
            hi = curve->upper[count - 1];
        }
    }
    if (surv != NULL)
        *surv = s;
    if (lower != NULL)
        *lower = lo;
    if (upper != NULL)
        *upper = hi;
}
