#include "format.h"

#include <math.h>
#include <stdio.h>

#include "common/text.h"

void format_number(char *out, size_t size, double value, int decimals)
{
    if (!isfinite(value)) {
        snprintf(out, size, "NA");
        return;
    }
    /* Avoid "-0.0" for small negatives that round to zero. */
    double scale = pow(10.0, decimals);
    if (fabs(value) * scale < 0.5)
        value = 0.0;
    snprintf(out, size, "%.*f", decimals, value);
}

void format_p(char *out, size_t size, double p, int decimals)
{
    double threshold = pow(10.0, -decimals);
    if (!isfinite(p))
        snprintf(out, size, "NA");
    else if (p < threshold)
        snprintf(out, size, "<%.*f", decimals, threshold);
    else
        snprintf(out, size, "%.*f", decimals, p);
}

void format_estimate_ci(char *out, size_t size, double estimate, double lower, double upper, int decimals)
{
    char e[64], l[64], u[64];
    format_number(e, sizeof e, estimate, decimals);
    format_number(l, sizeof l, lower, decimals);
    format_number(u, sizeof u, upper, decimals);
    /* "-4.2 (-10.8 to 2.4)": a dash between negative numbers would read as a minus. */
    int negative = l[0] == '-' || u[0] == '-';
    snprintf(out, size, "%s (%s%s%s)", e, l, negative ? " to " : "\xe2\x80\x93", u);
}

int format_count_hidden(const report_template *t, double count)
{
    return t && t->share && isfinite(count) && count > 0 && count < (double)t->min_count;
}

void format_count(char *out, size_t size, const report_template *t, double count)
{
    if (!isfinite(count))
        snprintf(out, size, "NA");
    else if (format_count_hidden(t, count))
        snprintf(out, size, "<%d", t->min_count);
    else
        snprintf(out, size, "%.0f", count);
}

void format_percent(char *out, size_t size, double percent, int decimals)
{
    if (!isfinite(percent))
        snprintf(out, size, "NA");
    else
        snprintf(out, size, "%.*f%%", decimals, percent);
}

void format_date(char *out, size_t size, double day)
{
    char date[16];
    if (!isfinite(day)) {
        snprintf(out, size, "NA");
        return;
    }
    text_format_date((long)day, date);
    snprintf(out, size, "%s", date);
}
