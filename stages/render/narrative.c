#include "narrative.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/keys.h"
#include "format.h"
#include "narrative_round2.h"

/* A growing paragraph in a fixed buffer: appends stop quietly at the end of the buffer. */
typedef struct paragraph {
    char *text;
    size_t size, used;
} paragraph;

static void say(paragraph *p, const char *format, ...)
{
    va_list args;
    if (p->used + 1 >= p->size)
        return;
    va_start(args, format);
    int n = vsnprintf(p->text + p->used, p->size - p->used, format, args);
    va_end(args);
    if (n > 0)
        p->used = p->used + (size_t)n < p->size ? p->used + (size_t)n : p->size - 1;
}

static const char *variable_label(const study_variable *v)
{
    return v->label ? v->label : v->name;
}

static const char *endpoint_label(const study_endpoint *e)
{
    return e->label ? e->label : e->name;
}

/* "a, b and c" of the variables' labels, lower-cased first letters left as written. */
static void say_variables(paragraph *p, const study *s, const size_t *variables, size_t n)
{
    for (size_t i = 0; i < n; i++)
        say(p, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", variable_label(&s->variables[variables[i]]));
}

static void say_weighting(paragraph *p, const render_input *in)
{
    const study *s = in->study;
    if (s->treatment < 0 || !in->data->weight)
        return;
    say(p, " To adjust for confounding of %s, a multinomial logistic propensity model of %s on ",
        variable_label(&s->variables[s->treatment]), variable_label(&s->variables[s->treatment]));
    say_variables(p, s, s->ps_covariates, s->n_ps_covariates);
    say(p, " was fitted by maximum likelihood, and inverse-probability-of-treatment weights for the average "
           "treatment effect (ATE) were derived");
    if (s->has_trim)
        say(p, ", truncated at the %g and %g percentiles", 100.0 * s->trim_low, 100.0 * s->trim_high);
    say(p, ". Weighted Kaplan-Meier curves (infinitesimal-jackknife variance) and weighted Cox models with "
           "robust sandwich standard errors were estimated; covariate balance was assessed by the largest "
           "absolute standardized mean difference between groups before and after weighting (adequate below 0.1).");
}

void narrative_methods(const render_input *in, char *out, size_t size)
{
    const study *s = in->study;
    paragraph p = {.text = out, .size = size};
    out[0] = '\0';
    say(&p, "Survival was estimated with the Kaplan-Meier method, with 95%% confidence intervals on the log "
            "scale (Greenwood variance); median follow-up was estimated with the reverse Kaplan-Meier method. "
            "Groups were compared with the log-rank test.");
    if (s->n_univariate > 0 || s->n_multivariable > 0) {
        say(&p, " Hazard ratios (HR) with 95%% confidence intervals were estimated with Cox proportional-hazards "
                "models (Efron method for ties; Wald p-values)");
        if (s->n_univariate > 0) {
            say(&p, ", univariate for ");
            say_variables(&p, s, s->univariate, s->n_univariate);
        }
        if (s->n_multivariable > 0) {
            say(&p, "%s multivariable with ", s->n_univariate > 0 ? " and" : ",");
            say_variables(&p, s, s->multivariable, s->n_multivariable);
            say(&p, "; proportional hazards were checked with scaled Schoenfeld residuals (cox.zph, "
                    "Kaplan-Meier time transform)");
        }
        say(&p, ". Each model used the patients with complete data for its covariates.");
    }
    say_weighting(&p, in);
    narrative_methods_round2(in, p.text + p.used, p.size - p.used);
    p.used += strlen(p.text + p.used);
    say(&p, " Times are in %s (a month is 30.4375 days). Analyses were run with embolo %s, whose estimates "
            "reproduce R's survival package.", s->time_unit, in->version);
}

static void say_upper(paragraph *p, const char *name)
{
    for (const char *c = name; *c; c++)
        say(p, "%c", *c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
}

/* One level's medians: "18.5 and 125.1" (or "not reached", or "suppressed" for a hidden count). */
static void say_level_medians(paragraph *p, const render_input *in, const study_variable *v, size_t level, double n)
{
    const study *s = in->study;
    char number[64];
    for (size_t e = 0; e < s->n_endpoints; e++) {
        double median =
            results_value(in->results, KEY_KM, s->endpoints[e].name, KEY_UNWEIGHTED, v->name, v->levels[level], KEY_STAT_MEDIAN);
        if (format_count_hidden(in->template, n))
            snprintf(number, sizeof number, "suppressed");
        else if (isnan(median))
            snprintf(number, sizeof number, "not reached");
        else
            format_number(number, sizeof number, median, in->template->decimals);
        say(p, "%s%s", e == 0 ? "" : e + 1 == s->n_endpoints ? " and " : ", ", number);
    }
}

/* "Median HPFS and OS were 18.5 and 125.1 months for G1 (n = 75), ... and 4.9 and 9.3 for G3 (n = 20)." */
static void say_medians_by(paragraph *p, const render_input *in, const study_variable *v)
{
    const study *s = in->study;
    char count[64];
    size_t levels[256], n_levels = 0;
    for (size_t l = 0; l < v->n_levels && n_levels < 256; l++)
        if (!isnan(results_value(in->results, KEY_KM, s->endpoints[0].name, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_N)))
            levels[n_levels++] = l;
    if (n_levels == 0)
        return;
    say(p, " Median ");
    for (size_t e = 0; e < s->n_endpoints; e++) {
        say(p, "%s", e == 0 ? "" : e + 1 == s->n_endpoints ? " and " : ", ");
        say_upper(p, s->endpoints[e].name);
    }
    say(p, " %s ", s->n_endpoints > 1 ? "were" : "was");
    for (size_t k = 0; k < n_levels; k++) {
        double n = results_value(in->results, KEY_KM, s->endpoints[0].name, KEY_UNWEIGHTED, v->name, v->levels[levels[k]], KEY_STAT_N);
        say(p, "%s", k == 0 ? "" : k + 1 == n_levels ? " and " : ", ");
        say_level_medians(p, in, v, levels[k], n);
        format_count(count, sizeof count, in->template, n);
        say(p, "%s%s for %s (n = %s)", k == 0 ? " " : "", k == 0 ? s->time_unit : "", v->levels[levels[k]], count);
    }
    say(p, ".");
}

/* "TARE had a higher hazard ratio than TACE for OS (unadjusted HR 2.10, p = 0.020; propensity-weighted ...)". */
static void say_treatment_effects(paragraph *p, const render_input *in)
{
    const study *s = in->study;
    if (s->treatment < 0)
        return;
    const study_variable *t = &s->variables[s->treatment];
    char model[KEY_SIZE], hr[64], pv[64];
    key_univariate(model, t->name);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        const char *ep = s->endpoints[e].name;
        for (size_t l = 0; l < t->n_levels; l++) {
            if (l == t->reference)
                continue;
            double unadjusted = results_value(in->results, KEY_COX, ep, model, t->name, t->levels[l], KEY_STAT_HR);
            double p_unadjusted = results_value(in->results, KEY_COX, ep, model, t->name, t->levels[l], KEY_STAT_P);
            double weighted = results_value(in->results, KEY_COX, ep, KEY_WEIGHTED_UNIVARIATE, t->name, t->levels[l], KEY_STAT_HR);
            double p_weighted = results_value(in->results, KEY_COX, ep, KEY_WEIGHTED_UNIVARIATE, t->name, t->levels[l], KEY_STAT_P);
            if (isnan(unadjusted))
                continue;
            format_number(hr, sizeof hr, unadjusted, in->template->hr_decimals);
            format_p(pv, sizeof pv, p_unadjusted, in->template->p_decimals);
            char label[256];
            snprintf(label, sizeof label, "%s", endpoint_label(&s->endpoints[e]));
            /* Mid-sentence: "overall survival", but "HPFS" stays as it is. */
            if (label[0] >= 'A' && label[0] <= 'Z' && label[1] >= 'a' && label[1] <= 'z')
                label[0] = (char)(label[0] - 'A' + 'a');
            say(p, " For %s, %s had a %s hazard than %s (unadjusted HR %s, p %s%s", label,
                t->levels[l], unadjusted >= 1.0 ? "higher" : "lower", t->levels[t->reference], hr,
                pv[0] == '<' ? "" : "= ", pv);
            if (!isnan(weighted)) {
                format_number(hr, sizeof hr, weighted, in->template->hr_decimals);
                format_p(pv, sizeof pv, p_weighted, in->template->p_decimals);
                say(p, "; propensity-weighted HR %s, p %s%s", hr, pv[0] == '<' ? "" : "= ", pv);
            }
            say(p, ").");
        }
    }
}

void narrative_results(const render_input *in, char *out, size_t size)
{
    const study *s = in->study;
    paragraph p = {.text = out, .size = size};
    char number[64], lower[64], upper[64];
    out[0] = '\0';
    if (!in->results || s->n_endpoints == 0)
        return;
    size_t excluded = in->data->rows_read - in->data->n;
    say(&p, "Of %zu patients, %zu were analysed and %zu excluded.", in->data->rows_read, in->data->n, excluded);
    double follow = results_value(in->results, KEY_FOLLOWUP, s->endpoints[0].name, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN);
    if (!isnan(follow)) {
        format_number(number, sizeof number, follow, in->template->decimals);
        format_number(lower, sizeof lower, results_value(in->results, KEY_FOLLOWUP, s->endpoints[0].name, KEY_REVERSE_KM,
                                                         KEY_ALL, "", KEY_STAT_MEDIAN_LOWER), in->template->decimals);
        format_number(upper, sizeof upper, results_value(in->results, KEY_FOLLOWUP, s->endpoints[0].name, KEY_REVERSE_KM,
                                                         KEY_ALL, "", KEY_STAT_MEDIAN_UPPER), in->template->decimals);
        say(&p, " Median follow-up was %s %s (95%% CI %s\xe2\x80\x93%s).", number, s->time_unit, lower, upper);
    }
    if (s->n_subgroups > 0)
        say_medians_by(&p, in, &s->variables[s->subgroups[0]]);
    say_treatment_effects(&p, in);
    narrative_results_round2(in, p.text + p.used, p.size - p.used);
}
