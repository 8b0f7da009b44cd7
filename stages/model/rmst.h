/* Restricted mean survival time (R: print(survfit(...), rmean = tau), survival's survmean), from a
 * Kaplan-Meier curve. Internal to the model stage. */
#ifndef EMBOLO_RMST_H
#define EMBOLO_RMST_H

#include "km.h"

/* rmst = the area under S from 0 to tau (S carried flat past the curve's last time); se from
 * var = sum over the times t_j <= tau of A_j^2 d_j / (n_j (n_j - d_j)), A_j the area from t_j to tau
 * (a time with n_j = d_j adds 0). Unweighted counts: the curve's n_risk and n_event. */
void rmst_compute(const km_curve *curve, double tau, double *rmst, double *se);

#endif
