#include "evalue.h"

#include <math.h>

double evalue_rr(double rr)
{
    if (!(rr > 0) || !isfinite(rr))
        return NAN;
    if (rr < 1.0)
        rr = 1.0 / rr;
    return rr + sqrt(rr * (rr - 1.0));
}

double evalue_hr_to_rr(double hr)
{
    if (!(hr > 0) || !isfinite(hr))
        return NAN;
    if (hr == 1.0)
        return 1.0;
    return (1.0 - pow(0.5, sqrt(hr))) / (1.0 - pow(0.5, sqrt(1.0 / hr)));
}

double evalue_hr(double hr)
{
    return evalue_rr(evalue_hr_to_rr(hr));
}

double evalue_hr_ci(double hr, double lower, double upper)
{
    if (!(hr > 0) || !isfinite(hr))
        return NAN;
    if (isnan(upper))
        upper = INFINITY;
    if (!(lower > 1.0) && !(upper < 1.0))
        return 1.0;
    return evalue_hr(hr > 1.0 ? lower : upper);
}
