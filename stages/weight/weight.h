/* Weighting stage: the multinomial propensity model of [treatment] on its ps_covariates, ATE and
 * stabilized weights (optionally trimmed), and balance before and after weighting. Fills the
 * dataset's ps, weight and weight_stabilized; adds `ps` and `balance` lines to results. When the
 * propensity model is separated no weights are set and a warning says which covariate level and
 * group. A study without [treatment] is left alone. */
#ifndef EMBOLO_WEIGHT_H
#define EMBOLO_WEIGHT_H

#include <stddef.h>
#include "common/dataset.h"
#include "common/error.h"
#include "common/results.h"
#include "common/study.h"

embolo_error weight_run(const study *s, dataset *data, results *out, char *message, size_t message_size);

#endif
