#include "format.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/text.h"

int format_is_huge(double value)
{
    return isfinite(value) && fabs(value) >= FORMAT_HUGE;
}

void format_number(char *out, size_t size, double value, int decimals)
{
    if (!isfinite(value)) {
        snprintf(out, size, "NA");
        return;
    }
    /* Fixed decimals would print hundreds of digits (and be cut by the buffer): 1e+300. */
    if (format_is_huge(value)) {
        snprintf(out, size, "%g", value);
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
        format_number(out, size, count, 0);
}

void format_percent(char *out, size_t size, double percent, int decimals)
{
    if (!isfinite(percent))
        snprintf(out, size, "NA");
    else if (format_is_huge(percent))
        snprintf(out, size, "%g%%", percent);
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

void paragraph_vsay(paragraph *p, const char *format, va_list args)
{
    if (p->used + 1 >= p->size)
        return;
    int n = vsnprintf(p->text + p->used, p->size - p->used, format, args);
    if (n > 0)
        p->used = p->used + (size_t)n < p->size ? p->used + (size_t)n : p->size - 1;
}

void paragraph_say(paragraph *p, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    paragraph_vsay(p, format, args);
    va_end(args);
}
