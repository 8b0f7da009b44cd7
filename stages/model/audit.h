/* The monthly audit's counts and the comparison of medians with published benchmarks. Adds
 * `audit` and `benchmark` lines to results (more sections than results-csv.md lists, as it allows). */
#ifndef EMBOLO_AUDIT_H
#define EMBOLO_AUDIT_H

#include "common/dataset.h"
#include "common/error.h"
#include "common/results.h"
#include "common/study.h"

/* Per dated endpoint: procedures (start dates) and events (event dates) in the period
 * [period_start, period_end] (day numbers) and up to period_end: stats procedures_period,
 * procedures_total, events_period, events_total. */
embolo_error audit_run(const study *s, const dataset *data, long period_start, long period_end, results *out);

/* The audit counts procedures and events by date: a warning for each time/status endpoint, whose
 * counts cannot be given (no audit line is written for it, rather than a count of 0). */
embolo_error audit_note_undated(const study *s, results *out);

/* Compares the unweighted KM median of endpoint/variable/level with a published one: stats median,
 * median_lower, median_upper, benchmark, and flag = 1 when the 95% CI excludes the benchmark (an
 * unreached upper limit counts as +infinity), 0 when it does not, NA without a median CI. */
embolo_error audit_compare_benchmark(results *out, const char *endpoint, const char *variable, const char *level,
                                     double benchmark);

#endif
