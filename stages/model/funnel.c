#include "funnel.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>

/* Bisection over [low, high] (F(high) >= target) for the smallest r with F(r) >= target. */
static size_t smallest_reaching(double target, size_t n, double theta, size_t low, size_t high)
{
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (gsl_cdf_binomial_P((unsigned int)middle, theta, (unsigned int)n) >= target)
            high = middle;
        else
            low = middle + 1;
    }
    return low;
}

size_t funnel_qbinom(double q, size_t n, double theta)
{
    double target = q * (1 - 64 * DBL_EPSILON);
    /* A bracket around the normal approximation (10 SD), widened to [0, n] when it misses. */
    double mean = (double)n * theta, spread = 10 * sqrt((double)n * theta * (1 - theta)) + 2;
    size_t low = mean - spread > 0 ? (size_t)(mean - spread) : 0;
    size_t high = mean + spread < (double)n ? (size_t)(mean + spread) : n;
    if (low > 0 && gsl_cdf_binomial_P((unsigned int)(low - 1), theta, (unsigned int)n) >= target)
        low = 0;
    if (high < n && gsl_cdf_binomial_P((unsigned int)high, theta, (unsigned int)n) < target)
        high = n;
    return smallest_reaching(target, n, theta, low, high);
}

double funnel_limit(double q, size_t n, double theta)
{
    if (theta <= 0 || theta >= 1)
        return theta;
    size_t r = funnel_qbinom(q, n, theta);
    double cdf = gsl_cdf_binomial_P((unsigned int)r, theta, (unsigned int)n);
    double alpha = (cdf - q) / gsl_ran_binomial_pdf((unsigned int)r, theta, (unsigned int)n);
    double limit = ((double)r - alpha) / (double)n;
    return limit < 0 ? 0 : limit > 1 ? 1 : limit;
}

int funnel_flag(double rate, double lower, double upper)
{
    return rate > upper ? 1 : rate < lower ? -1 : 0;
}
