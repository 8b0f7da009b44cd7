#include "rmst.h"

#include <math.h>

/* S just before t_j is that after t_{j-1}; the area from t_j to tau is walked backwards. */
void rmst_compute(const km_curve *curve, double tau, double *rmst, double *se)
{
    size_t last = 0;
    double area = 0.0, var = 0.0;
    while (last < curve->n_times && curve->time[last] <= tau)
        last++;
    /* Area after the last time <= tau (S after it), then each earlier interval. */
    double after = last > 0 ? curve->surv[last - 1] : 1.0;
    double right = tau;
    for (size_t j = last; j-- > 0;) {
        area += after * (right - curve->time[j]);
        double n = curve->n_risk[j], d = curve->n_event[j];
        if (n > d)
            var += area * area * d / (n * (n - d));
        right = curve->time[j];
        after = j > 0 ? curve->surv[j - 1] : 1.0;
    }
    area += after * right;
    *rmst = area;
    *se = sqrt(var);
}
