/* Number formatting shared by the report and the workbook, so both show the same text. */
#ifndef EMBOLO_FORMAT_H
#define EMBOLO_FORMAT_H

#include <stddef.h>
#include "template.h"

/* "NA" for a missing value (NAN or infinite), else value with decimals digits ("12.3"). */
void format_number(char *out, size_t size, double value, int decimals);

/* p-value: "<0.001" below 10^-decimals, else "0.023" (decimals digits); "NA" when missing. */
void format_p(char *out, size_t size, double p, int decimals);

/* "18.5 (12.0-25.1)"; a missing limit prints "NA" (e.g. "125.1 (80.2-NA)"). The dash is U+2013; with
 * a negative limit the limits are joined by " to ": "-4.2 (-10.8 to 2.4)". */
void format_estimate_ci(char *out, size_t size, double estimate, double lower, double upper, int decimals);

/* Whether a count must be hidden under the template (share: 1 to min_count - 1). */
int format_count_hidden(const report_template *t, double count);

/* A count: "<5" when hidden, "NA" when missing, else the whole number. */
void format_count(char *out, size_t size, const report_template *t, double count);

/* Percentage with the template's decimals: "48.4%". */
void format_percent(char *out, size_t size, double percent, int decimals);

/* A day number (days since 1970-01-01) as YYYY-MM-DD; "NA" when missing. */
void format_date(char *out, size_t size, double day);

#endif
