#include "audit.h"

#include <math.h>

#include "common/keys.h"

static embolo_error audit_endpoint(const dataset *data, size_t e, const char *name, long period_start,
                                   long period_end, results *out)
{
    double counts[4] = {0, 0, 0, 0};
    static const char *const stats[4] = {KEY_STAT_PROCEDURES_PERIOD, KEY_STAT_PROCEDURES_TOTAL, KEY_STAT_EVENTS_PERIOD,
                                         KEY_STAT_EVENTS_TOTAL};
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
        err = results_add(out, KEY_AUDIT, name, "", KEY_ALL, "", stats[k], counts[k]);
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
            err = results_warn_about(out, (result_subject){.endpoint = s->endpoints[e].name},
                                     "times, not dates: its procedures and events in the audit period and to date "
                                     "cannot be counted (the audit needs the date form)");
    return err;
}

embolo_error audit_compare_benchmark(results *out, const char *endpoint, const char *variable, const char *level,
                                     double benchmark)
{
    double median = results_value(out, KEY_KM, endpoint, KEY_UNWEIGHTED, variable, level, KEY_STAT_MEDIAN);
    double lower = results_value(out, KEY_KM, endpoint, KEY_UNWEIGHTED, variable, level, KEY_STAT_MEDIAN_LOWER);
    double upper = results_value(out, KEY_KM, endpoint, KEY_UNWEIGHTED, variable, level, KEY_STAT_MEDIAN_UPPER);
    double flag = NAN;
    if (!isnan(lower))
        flag = benchmark < lower || (!isnan(upper) && benchmark > upper);
    const char *stats[] = {KEY_STAT_MEDIAN, KEY_STAT_MEDIAN_LOWER, KEY_STAT_MEDIAN_UPPER, KEY_STAT_BENCHMARK,
                           KEY_STAT_FLAG};
    double values[] = {median, lower, upper, benchmark, flag};
    /* The counts of the median's group, on its lines too (the share template hides the median of a group
     * with too few). */
    embolo_error err = results_add(out, KEY_BENCHMARK, endpoint, "", variable, level, KEY_STAT_N,
                                   results_value(out, KEY_KM, endpoint, KEY_UNWEIGHTED, variable, level, KEY_STAT_N));
    if (err == EMBOLO_OK)
        err = results_add(out, KEY_BENCHMARK, endpoint, "", variable, level, KEY_STAT_EVENTS,
                          results_value(out, KEY_KM, endpoint, KEY_UNWEIGHTED, variable, level, KEY_STAT_EVENTS));
    for (size_t k = 0; k < sizeof stats / sizeof stats[0] && err == EMBOLO_OK; k++)
        err = results_add(out, KEY_BENCHMARK, endpoint, "", variable, level, stats[k], values[k]);
    return err;
}
