/* Modelling stage: reverse-KM follow-up, Kaplan-Meier and log-rank per subgroup, Cox models
 * (univariate, multivariable Efron and Breslow, cox.zph) and, when the data carry propensity
 * weights, the weighted curves and models. Appends every estimate to results and every problem to
 * its warnings. */
#ifndef EMBOLO_MODEL_H
#define EMBOLO_MODEL_H

#include <stddef.h>
#include "common/dataset.h"
#include "common/error.h"
#include "common/results.h"
#include "common/study.h"

embolo_error model_run(const study *s, const dataset *data, results *out, char *message, size_t message_size);

#endif
