#include "audit.h"

#include <math.h>

static embolo_error audit_endpoint(const dataset *data, size_t e, const char *name, long period_start,
                                   long period_end, results *out)
{
    double counts[4] = {0, 0, 0, 0};
    static const char *const stats[4] = {"procedures_period", "procedures_total", "events_period", "events_total"};
    embolo_error err = EMBOLO_OK;
    for (size_t i = 0; i < data->n; i++) {
        long start = data->start_day[e][i], end = data->end_day[e][i];
        if (start == DATASET_NO_DAY || start > period_end)
            continue;
        counts[0] += start >= period_start;
        counts[1] += 1;
        if (data->event[e][i] == 1 && end <= period_end) {
            counts[2] += end >= period_start;
            counts[3] += 1;
        }
    }
    for (size_t k = 0; k < 4 && err == EMBOLO_OK; k++)
        err = results_add(out, "audit", name, "", "all", "", stats[k], counts[k]);
    return err;
}

embolo_error audit_run(const study *s, const dataset *data, long period_start, long period_end, results *out)
{
    embolo_error err = EMBOLO_OK;
    for (size_t e = 0; e < s->n_endpoints && err == EMBOLO_OK; e++)
        if (s->endpoints[e].form == ENDPOINT_DATES)
            err = audit_endpoint(data, e, s->endpoints[e].name, period_start, period_end, out);
    return err;
}

embolo_error audit_note_undated(const study *s, results *out)
{
    embolo_error err = EMBOLO_OK;
    for (size_t e = 0; e < s->n_endpoints && err == EMBOLO_OK; e++)
        if (s->endpoints[e].form == ENDPOINT_TIME_STATUS)
            err = results_warn(out, "audit: %s has times, not dates: its procedures and events in the period and to "
                               "date cannot be counted (the audit needs the date form)", s->endpoints[e].name);
    return err;
}

embolo_error audit_compare_benchmark(results *out, const char *endpoint, const char *variable, const char *level,
                                     double benchmark)
{
    double median = results_value(out, "km", endpoint, "unweighted", variable, level, "median");
    double lower = results_value(out, "km", endpoint, "unweighted", variable, level, "median_lower");
    double upper = results_value(out, "km", endpoint, "unweighted", variable, level, "median_upper");
    double flag = NAN;
    if (!isnan(lower))
        flag = benchmark < lower || (!isnan(upper) && benchmark > upper);
    const char *stats[] = {"median", "median_lower", "median_upper", "benchmark", "flag"};
    double values[] = {median, lower, upper, benchmark, flag};
    embolo_error err = EMBOLO_OK;
    for (size_t k = 0; k < sizeof stats / sizeof stats[0] && err == EMBOLO_OK; k++)
        err = results_add(out, "benchmark", endpoint, "", variable, level, stats[k], values[k]);
    return err;
}
