/* Proportional-hazards test, R's cox.zph(fit, transform = "km") in the survival 3.x score-test form,
 * per term and GLOBAL. Internal to the model stage.
 * Input sorted by time ascending, as given to cox_fit, with the fit's coefficients and model-based
 * variance. term_of_coef[j] (0..n_terms-1) groups the coefficients of a factor into one term. */
#ifndef EMBOLO_ZPH_H
#define EMBOLO_ZPH_H

#include <stddef.h>
#include "common/error.h"
#include "cox.h"

typedef struct zph_result {
    size_t n_terms;
    double *chisq;   /* [n_terms + 1], the last one GLOBAL */
    int *df;         /* [n_terms + 1] */
    double *p;       /* [n_terms + 1] */
} zph_result;

embolo_error zph_test(const double *time, const int *status, const double *weight, const double *x,
                      size_t n, size_t p, const cox_result *fit, cox_ties ties,
                      const size_t *term_of_coef, size_t n_terms, zph_result **out);

void zph_result_free(zph_result *result);

#endif
