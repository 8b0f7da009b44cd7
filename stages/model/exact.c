#include "exact.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

#define BISECTION_STEPS 200

double exact_beta_quantile(double p, double a, double b)
{
    double x = gsl_cdf_beta_Pinv(p, a, b);
    if (isfinite(x) && x >= 0 && x <= 1)
        return x;
    /* GSL's Newton iteration fails for large a and b: bisect its CDF, which stays accurate there. */
    double low = 0, high = 1;
    for (int i = 0; i < BISECTION_STEPS && high - low > 1e-15 * high; i++) {
        double middle = 0.5 * (low + high);
        if (gsl_cdf_beta_P(middle, a, b) < p)
            low = middle;
        else
            high = middle;
    }
    return 0.5 * (low + high);
}

void exact_binomial_ci(size_t x, size_t n, double *lower, double *upper)
{
    double events = (double)x, trials = (double)n;
    *lower = x == 0 ? 0.0 : exact_beta_quantile(0.025, events, trials - events + 1);
    *upper = x == n ? 1.0 : exact_beta_quantile(0.975, events + 1, trials - events);
}

/* ---- Fisher's exact test ---- */

/* Groups of tables with less probability than this (or than 1e-16 P(observed)) are left out. */
#define FISHER_NEGLIGIBLE 1e-30
#define FISHER_TOLERANCE_2X2 1e-7
#define FISHER_TOLERANCE_LOG 3.45254e-7
#define FISHER_MAX_ROWS 64

typedef struct fisher_walk {
    const size_t *totals;  /* rows with a total > 0 */
    size_t k;
    double log_norm;       /* log choose(N, X) */
    double threshold;      /* tables with P <= threshold count */
    double negligible;     /* groups of tables with less probability are left out */
} fisher_walk;

static double log_choose(size_t n, size_t x)
{
    return gsl_sf_lnchoose((unsigned int)n, (unsigned int)x);
}

/* The mode of the hypergeometric distribution of x (a + b items, a marked, total drawn), within its
 * support [low, high]. */
static size_t hypergeometric_mode(size_t a, size_t b, size_t total, size_t low, size_t high)
{
    size_t mode = (size_t)floor(((double)total + 1) * ((double)a + 1) / ((double)a + (double)b + 2));
    return mode < low ? low : mode > high ? high : mode;
}

/* t(x + 1) / t(x) and t(x - 1) / t(x) for t(x) = choose(a, x) choose(b, total - x). */
static double ratio_up(size_t a, size_t b, size_t total, size_t x)
{
    return ((double)a - (double)x) * ((double)total - (double)x) /
           (((double)x + 1) * ((double)b - (double)total + (double)x + 1));
}

static double ratio_down(size_t a, size_t b, size_t total, size_t x)
{
    return (double)x * ((double)b - (double)total + (double)x) /
           (((double)a - (double)x + 1) * ((double)total - (double)x + 1));
}

/* The last two rows (a and b items, total events between them) once the others are fixed, with
 * log_prefix the log of the other rows' choose terms: the probability of the tables at or below the
 * threshold. The tables above it form an interval around the mode (the terms are log-concave); the
 * walk crosses it, then sums each tail outward until its terms are negligible. */
static double fisher_last_rows(const fisher_walk *w, double log_prefix, size_t a, size_t b, size_t total)
{
    size_t low = total > b ? total - b : 0, high = total < a ? total : a;
    size_t mode = hypergeometric_mode(a, b, total, low, high);
    double peak = exp(log_prefix + log_choose(a, mode) + log_choose(b, total - mode) - w->log_norm);
    if (peak <= w->threshold)
        return exp(log_prefix + log_choose(a + b, total) - w->log_norm);
    /* Every table beyond the interval has P <= threshold, itself negligible. */
    if (w->threshold < w->negligible)
        return 0.0;
    double sum = 0.0, t = peak;
    size_t x = mode;
    while (x < high && t > w->threshold)
        t *= ratio_up(a, b, total, x++);
    if (t <= w->threshold) {
        sum += t;
        while (x < high && t >= w->negligible) {
            t *= ratio_up(a, b, total, x++);
            sum += t;
        }
    }
    t = peak;
    x = mode;
    while (x > low && t > w->threshold)
        t *= ratio_down(a, b, total, x--);
    if (t <= w->threshold) {
        sum += t;
        while (x > low && t >= w->negligible) {
            t *= ratio_down(a, b, total, x--);
            sum += t;
        }
    }
    return sum;
}

static double fisher_rows(const fisher_walk *w, size_t row, double log_prefix, size_t total, size_t items);

/* Row `row` at x events: its share of the p-value, or -1 when the tables with it are negligible. */
static double fisher_row_at(const fisher_walk *w, size_t row, double log_prefix, size_t total, size_t items,
                            size_t x)
{
    size_t a = w->totals[row], b = items - a;
    double log_row = log_prefix + log_choose(a, x);
    if (exp(log_row + log_choose(b, total - x) - w->log_norm) < w->negligible)
        return -1.0;
    return fisher_rows(w, row + 1, log_row, total - x, b);
}

/* Rows from `row` on share `total` events among `items`: the probability of their tables at or
 * below the threshold. Each row's count is walked outward from its mode while the tables with it
 * are not negligible. */
static double fisher_rows(const fisher_walk *w, size_t row, double log_prefix, size_t total, size_t items)
{
    size_t a = w->totals[row], b = items - a;
    if (row + 2 == w->k)
        return fisher_last_rows(w, log_prefix, a, b, total);
    size_t low = total > b ? total - b : 0, high = total < a ? total : a;
    size_t mode = hypergeometric_mode(a, b, total, low, high);
    double sum = 0.0, part;
    for (size_t x = mode; (part = fisher_row_at(w, row, log_prefix, total, items, x)) >= 0; x++) {
        sum += part;
        if (x == high)
            break;
    }
    for (size_t x = mode; x > low && (part = fisher_row_at(w, row, log_prefix, total, items, x - 1)) >= 0; x--)
        sum += part;
    return sum;
}

double exact_fisher_kx2(const size_t *events, const size_t *totals, size_t k)
{
    size_t rows[FISHER_MAX_ROWS], x[FISHER_MAX_ROWS], n = 0, events_total = 0, items = 0;
    for (size_t i = 0; i < k; i++) {
        if (totals[i] > 0 && n == FISHER_MAX_ROWS)
            return NAN;
        if (totals[i] == 0)
            continue;
        rows[n] = totals[i];
        x[n++] = events[i];
        events_total += events[i];
        items += totals[i];
    }
    if (n < 2)
        return NAN;
    if (events_total == 0 || events_total == items)
        return 1.0;
    /* Enumerate over the smaller column: P is the same for events and non-events. */
    int flip = events_total > items - events_total;
    double log_observed = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (flip)
            x[i] = rows[i] - x[i];
        log_observed += log_choose(rows[i], x[i]);
    }
    if (flip)
        events_total = items - events_total;
    fisher_walk w = {.totals = rows, .k = n, .log_norm = log_choose(items, events_total)};
    log_observed -= w.log_norm;
    w.threshold = n == 2 ? exp(log_observed) * (1 + FISHER_TOLERANCE_2X2) : exp(log_observed + FISHER_TOLERANCE_LOG);
    /* p >= P(observed): what is left out stays far below p's last digits, or below 1e-20. */
    w.negligible = fmax(FISHER_NEGLIGIBLE, 1e-16 * w.threshold);
    double p = fisher_rows(&w, 0, 0.0, events_total, items);
    return p > 1.0 ? 1.0 : p;
}

double exact_quantile7(const double *sorted, size_t n, double prob)
{
    double h = (double)(n - 1) * prob;
    size_t low = (size_t)floor(h);
    if (low + 1 >= n)
        return sorted[n - 1];
    double fraction = h - (double)low;
    return (1 - fraction) * sorted[low] + fraction * sorted[low + 1];
}
