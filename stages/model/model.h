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

/* model_run in two steps, so that the stage can start while the weights are computed: model_begin
 * starts, on a thread of its own when the machine has two processors or more, the analyses of the
 * first endpoint that read no weight, reading only the fields of data that weight_run does not write
 * (data must stay valid until the session is freed). model_finish, once weight_run has filled data's
 * weights, does the rest and appends everything to out in model_run's order (the same results, byte
 * for byte). model_session_free stops and frees a session, finished or not (weighting failed). */
typedef struct model_session model_session;
embolo_error model_begin(const study *s, const dataset *data, double curve_tick_step, model_session **out);
embolo_error model_finish(model_session *session, const dataset *data, results *out, char *message,
                          size_t message_size);
void model_session_free(model_session *session);

#endif
