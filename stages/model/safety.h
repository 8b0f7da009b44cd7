/* The procedure statistics (procedures.md, sections 3-7; results-csv.md, "Procedures"): the
 * sections procedures, safety, audit_safety, cusum and funnel, and the data of the audit's charts. */
#ifndef EMBOLO_SAFETY_H
#define EMBOLO_SAFETY_H

#include "common/dataset.h"
#include "common/error.h"
#include "common/procedures.h"
#include "common/results.h"
#include "common/study.h"

/* The audit's reference date is `reference` when has_reference (the as-of date in force), else the
 * latest included procedure's date. log is the run's exclusion log (the `code` counts). */
embolo_error safety_run(const study *s, const dataset *data, const procedure_set *procedures,
                        const exclusion_log *log, const procedure_thresholds *thresholds, int has_reference,
                        long reference, results *out);

#endif
