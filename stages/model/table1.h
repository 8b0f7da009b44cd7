/* Table 1 (outputs.md, Report section 2): baseline characteristics of the analysed rows, overall and
 * per treatment level, with tests across the treatment groups. Lines of section "table1", endpoint "":
 *  - model "overall" and each treatment level name: variable "all", stat "n" (rows in the column);
 *    in "overall" also "missing_treatment" when the study has a treatment. The overall column holds
 *    every row, those missing the treatment included.
 *  - numeric variables (level ""): mean, sd (n-1), median, q1, q3 (R quantile type 7), min, max,
 *    n (non-missing), missing; NA where undefined (no values; sd of one value).
 *  - factor variables: per level "n" and "pct" (of the non-missing values of the column); level ""
 *    "missing".
 *  - model "" (only with at least two non-empty treatment groups), level "": numeric "anova_f",
 *    "p_anova" (R anova(lm), oneway.test(var.equal = TRUE)), "kruskal_chisq", "p_kruskal" (R
 *    kruskal.test, ties corrected); factor "chisq", "p_chisq" (R chisq.test(correct = FALSE) of the
 *    level x group table without its empty rows and columns). NA where R has no test (df = 0, one
 *    group with values, all values tied).
 * The treatment variable itself is not summarised. O(n log n) per numeric variable, O(n) per factor. */
#ifndef EMBOLO_TABLE1_H
#define EMBOLO_TABLE1_H

#include <stddef.h>
#include "common/dataset.h"
#include "common/error.h"
#include "common/results.h"
#include "common/study.h"

/* Table 1: baseline characteristics of the analysed rows by treatment group. Appends `table1` lines to
 * results. Without [treatment] (s->treatment < 0) only the overall column. */
embolo_error table1_run(const study *s, const dataset *data, results *out, char *message, size_t message_size);

#endif
