#include "narrative.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "common/keys.h"
#include "format.h"
#include "narrative_round2.h"

static const char *variable_label(const study_variable *v)
{
    return v->label ? v->label : v->name;
}

/* "a, b and c" of the variables' labels, lower-cased first letters left as written. */
static void say_variables(paragraph *p, const study *s, const size_t *variables, size_t n)
{
    for (size_t i = 0; i < n; i++)
        paragraph_say(p, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", variable_label(&s->variables[variables[i]]));
}

static void say_weighting(paragraph *p, const render_input *in)
{
    const study *s = in->study;
    if (s->treatment < 0 || !in->data->weight)
        return;
    paragraph_say(p, " To adjust for confounding of %s, a multinomial logistic propensity model of %s on ",
        variable_label(&s->variables[s->treatment]), variable_label(&s->variables[s->treatment]));
    say_variables(p, s, s->ps_covariates, s->n_ps_covariates);
    paragraph_say(p, " was fitted by maximum likelihood, and inverse-probability-of-treatment weights for the average "
           "treatment effect (ATE) were derived");
    if (s->has_trim)
        paragraph_say(p, ", truncated at the %g and %g percentiles", 100.0 * s->trim_low, 100.0 * s->trim_high);
    paragraph_say(p, ". Weighted Kaplan-Meier curves (infinitesimal-jackknife variance) and weighted Cox models with "
           "robust sandwich standard errors were estimated; covariate balance was assessed by the largest "
           "absolute standardized mean difference between groups before and after weighting (adequate below 0.1).");
}

void narrative_methods(const render_input *in, char *out, size_t size)
{
    const study *s = in->study;
    paragraph p = {.text = out, .size = size};
    out[0] = '\0';
    paragraph_say(&p, "Survival was estimated with the Kaplan-Meier method, with 95%% confidence intervals on the log "
            "scale (Greenwood variance); median follow-up was estimated with the reverse Kaplan-Meier method. "
            "Groups were compared with the log-rank test.");
    if (s->n_univariate > 0 || s->n_multivariable > 0) {
        paragraph_say(&p, " Hazard ratios (HR) with 95%% confidence intervals were estimated with Cox proportional-hazards "
                "models (Efron method for ties; Wald p-values)");
        if (s->n_univariate > 0) {
            paragraph_say(&p, ", univariate for ");
            say_variables(&p, s, s->univariate, s->n_univariate);
        }
        if (s->n_multivariable > 0) {
            paragraph_say(&p, "%s multivariable with ", s->n_univariate > 0 ? " and" : ",");
            say_variables(&p, s, s->multivariable, s->n_multivariable);
            paragraph_say(&p, "; proportional hazards were checked with scaled Schoenfeld residuals (cox.zph, "
                    "Kaplan-Meier time transform)");
        }
        paragraph_say(&p, ". Each model used the patients with complete data for its covariates.");
    }
    say_weighting(&p, in);
    narrative_methods_round2(in, p.text + p.used, p.size - p.used);
    p.used += strlen(p.text + p.used);
    paragraph_say(&p, " Times are in %s (a month is 30.4375 days). Analyses were run with embolo %s, whose estimates "
            "reproduce R's survival package.", s->time_unit, in->version);
}

/* ---- the Results paragraph ---- */

/* A p-value in a sentence: "p = 0.020", "p < 0.001". */
static void say_p(paragraph *p, const render_input *in, double value)
{
    char text[64];
    format_p(text, sizeof text, value, in->template->p_decimals);
    paragraph_say(p, "p %s%s", text[0] == '<' ? "< " : "= ", text[0] == '<' ? text + 1 : text);
}

/* An endpoint as a sentence names it: "HPFS" (a short name, as an acronym), else its label as written
 * mid-sentence ("time to recurrence"). */
static void endpoint_name(const study_endpoint *e, char *out, size_t size)
{
    size_t n = strlen(e->name);
    if (n <= 5 || !e->label || !e->label[0]) {
        for (size_t i = 0; i < n && i + 1 < size; i++)
            out[i] = (char)(e->name[i] >= 'a' && e->name[i] <= 'z' ? e->name[i] - 'a' + 'A' : e->name[i]);
        out[n < size ? n : size - 1] = '\0';
    } else {
        build_lower_first(out, size, e->label);
    }
}

static int contains_folded(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *c = text ? text : ""; *c; c++)
        if (strncasecmp(c, word, n) == 0)
            return 1;
    return 0;
}

/* Whether an endpoint's events are deaths: every event date a death date, or a name or label that
 * says so (os, overall survival, death, mortality). */
static int endpoint_is_death(const study_endpoint *e)
{
    int dates = e->form == ENDPOINT_DATES && e->n_event_dates > 0;
    for (size_t k = 0; dates && k < e->n_event_dates; k++)
        dates = contains_folded(e->event_dates[k], "death");
    return dates || strcasecmp(e->name, "os") == 0 || contains_folded(e->name, "death") ||
           contains_folded(e->label, "overall survival") || contains_folded(e->label, "death") ||
           contains_folded(e->label, "mortality");
}

/* The endpoint whose events are deaths (the procedures' death endpoint, else the first that says so);
 * -1 when none is. */
static int death_endpoint(const study *s)
{
    if (s->procedures.present && s->procedures.death_endpoint < s->n_endpoints)
        return (int)s->procedures.death_endpoint;
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (endpoint_is_death(&s->endpoints[e]))
            return (int)e;
    return -1;
}

/* "50.5 months (95% CI 44.6–59.5)" of endpoint e's reverse Kaplan-Meier; 0 when it has none. */
static int say_followup_of(paragraph *p, const build_context *b, size_t e)
{
    const char *ep = b->s->endpoints[e].name;
    char number[64], lower[64], upper[64];
    double median = build_value(b, KEY_FOLLOWUP, ep, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN);
    double low = build_value(b, KEY_FOLLOWUP, ep, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN_LOWER);
    double high = build_value(b, KEY_FOLLOWUP, ep, KEY_REVERSE_KM, KEY_ALL, "", KEY_STAT_MEDIAN_UPPER);
    if (isnan(median))
        return 0;
    format_number(number, sizeof number, median, b->t->decimals);
    format_number(lower, sizeof lower, low, b->t->decimals);
    format_number(upper, sizeof upper, high, b->t->decimals);
    paragraph_say(p, "%s %s (95%% CI %s", number, b->s->time_unit, lower);
    paragraph_say(p, isfinite(high) ? "\xe2\x80\x93%s)" : " to not reached)", upper);
    return 1;
}

/* Median follow-up of the endpoint whose events are deaths, named; without one, of each endpoint. */
static void say_followup(paragraph *p, const build_context *b)
{
    const study *s = b->s;
    char name[256];
    int death = death_endpoint(s);
    if (death >= 0 || s->n_endpoints == 1) {
        size_t e = death >= 0 ? (size_t)death : 0;
        build_lower_first(name, sizeof name, build_endpoint_label(&s->endpoints[e]));
        paragraph_say(p, " Median follow-up (reverse Kaplan-Meier, %s) was ", name);
        if (!say_followup_of(p, b, e))
            paragraph_say(p, "not reached");
        paragraph_say(p, ".");
        return;
    }
    size_t said = 0;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        endpoint_name(&s->endpoints[e], name, sizeof name);
        if (said == 0)
            paragraph_say(p, " Median follow-up (reverse Kaplan-Meier) was ");
        else
            paragraph_say(p, "%s", said + 1 == s->n_endpoints ? " and " : ", ");
        if (!say_followup_of(p, b, e))
            paragraph_say(p, "not reached");
        paragraph_say(p, " for %s", name);
        said++;
    }
    paragraph_say(p, ".");
}

/* A level's median for an endpoint as the template shows it (NAN: not reached, or suppressed). */
static double level_median(const build_context *b, size_t endpoint, const study_variable *v, size_t level,
                           int *suppressed)
{
    const char *ep = b->s->endpoints[endpoint].name;
    *suppressed = build_share_suppressed(b->r, b->t, KEY_KM, ep, KEY_UNWEIGHTED, v->name, v->levels[level],
                                         KEY_STAT_MEDIAN);
    return build_value(b, KEY_KM, ep, KEY_UNWEIGHTED, v->name, v->levels[level], KEY_STAT_MEDIAN);
}

/* One level's medians over the endpoints listed: "18.5 and 125.1 months", "18.5 months and not
 * reached", "not reached" (or "suppressed" for a hidden count): the unit after each run of numbers. */
static void say_level_medians(paragraph *p, const build_context *b, const size_t *endpoints, size_t n_endpoints,
                              const study_variable *v, size_t level)
{
    size_t reached = 0, suppressed = 0;
    int hidden;
    for (size_t k = 0; k < n_endpoints; k++) {
        reached += !isnan(level_median(b, endpoints[k], v, level, &hidden));
        suppressed += (size_t)hidden;
    }
    /* "not reached for Lev+5FU", not "not reached and not reached". */
    if (reached == 0 && (suppressed == 0 || suppressed == n_endpoints)) {
        paragraph_say(p, "%s", suppressed ? "suppressed" : "not reached");
        return;
    }
    for (size_t k = 0; k < n_endpoints; k++) {
        double median = level_median(b, endpoints[k], v, level, &hidden);
        paragraph_say(p, "%s", k == 0 ? "" : k + 1 == n_endpoints ? " and " : ", ");
        if (isnan(median)) {
            paragraph_say(p, "%s", hidden ? "suppressed" : "not reached");
            continue;
        }
        char number[64];
        format_number(number, sizeof number, median, b->t->decimals);
        paragraph_say(p, "%s", number);
        if (k + 1 == n_endpoints || isnan(level_median(b, endpoints[k + 1], v, level, &hidden)))
            paragraph_say(p, " %s", b->s->time_unit);
    }
}

/* "Median HPFS and OS were 18.5 and 125.1 months for G1 (n = 75), ... and 4.9 and 9.3 months for G3
 * (n = 20)." over the endpoints with events. */
static void say_medians_by(paragraph *p, const build_context *b, const study_variable *v)
{
    const study *s = b->s;
    char count[64], name[256], level[256];
    size_t levels[256], n_levels = 0, endpoints[64], n_endpoints = 0;
    for (size_t e = 0; e < s->n_endpoints && n_endpoints < 64; e++)
        if (!build_endpoint_has_no_events(b, e))
            endpoints[n_endpoints++] = e;
    if (n_endpoints == 0)
        return;
    const char *first = s->endpoints[endpoints[0]].name;
    for (size_t l = 0; l < v->n_levels && n_levels < 256; l++)
        if (!isnan(build_value(b, KEY_KM, first, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_N)))
            levels[n_levels++] = l;
    if (n_levels == 0)
        return;
    paragraph_say(p, " Median ");
    for (size_t k = 0; k < n_endpoints; k++) {
        endpoint_name(&s->endpoints[endpoints[k]], name, sizeof name);
        paragraph_say(p, "%s%s", k == 0 ? "" : k + 1 == n_endpoints ? " and " : ", ", name);
    }
    paragraph_say(p, " %s ", n_endpoints > 1 ? "were" : "was");
    for (size_t k = 0; k < n_levels; k++) {
        double n = build_value(b, KEY_KM, first, KEY_UNWEIGHTED, v->name, v->levels[levels[k]], KEY_STAT_N);
        paragraph_say(p, "%s", k == 0 ? "" : k + 1 == n_levels ? " and " : ", ");
        say_level_medians(p, b, endpoints, n_endpoints, v, levels[k]);
        format_count(count, sizeof count, b->t, n);
        build_level(level, sizeof level, v->levels[levels[k]]);
        paragraph_say(p, " for %s (n = %s)", level, count);
    }
    paragraph_say(p, ".");
}

/* An endpoint without events (or whose event values match no record) says so: no median, survival
 * difference or hazard ratio, rather than "not reached". */
static void say_endpoint_problems(paragraph *p, const build_context *b)
{
    for (size_t e = 0; e < b->s->n_endpoints; e++) {
        char problem[512], name[256];
        if (!build_endpoint_has_no_events(b, e) || !build_endpoint_problem(b, e, problem, sizeof problem))
            continue;
        build_lower_first(name, sizeof name, build_endpoint_label(&b->s->endpoints[e]));
        paragraph_say(p, " For %s, %s.", name, problem);
    }
}

/* One hazard ratio in a sentence: "HR 2.10, 95% CI 1.20–3.70, p = 0.020". */
typedef struct hazard {
    double hr, lower, upper, p;
} hazard;

static int hazard_of(const build_context *b, const char *endpoint, const char *model, const study_variable *t,
                     size_t level, hazard *out)
{
    const char *name = t->name, *l = t->levels[level];
    *out = (hazard){build_value(b, KEY_COX, endpoint, model, name, l, KEY_STAT_HR),
                    build_value(b, KEY_COX, endpoint, model, name, l, KEY_STAT_HR_LOWER),
                    build_value(b, KEY_COX, endpoint, model, name, l, KEY_STAT_HR_UPPER),
                    build_value(b, KEY_COX, endpoint, model, name, l, KEY_STAT_P)};
    return isfinite(out->hr);
}

static void say_hazard(paragraph *p, const build_context *b, const char *prefix, const hazard *h)
{
    char hr[64], lower[64], upper[64];
    format_number(hr, sizeof hr, h->hr, b->t->hr_decimals);
    paragraph_say(p, "%sHR %s", prefix, hr);
    if (isfinite(h->lower) && isfinite(h->upper)) {
        format_number(lower, sizeof lower, h->lower, b->t->hr_decimals);
        format_number(upper, sizeof upper, h->upper, b->t->hr_decimals);
        paragraph_say(p, ", 95%% CI %s\xe2\x80\x93%s", lower, upper);
    }
    paragraph_say(p, ", ");
    say_p(p, b->in, h->p);
}

/* "higher" or "lower" when the hazard ratio differs significantly from 1 (p < 0.05), else NULL. */
static const char *direction(const hazard *h)
{
    if (!(h->p < 0.05))
        return NULL;
    return h->hr >= 1.0 ? "higher" : "lower";
}

/* A direction ("higher hazard") only where p < 0.05; otherwise "did not differ significantly", with
 * the HR and p of the unadjusted and (when fitted) propensity-weighted models. */
static void say_treatment_level(paragraph *p, const build_context *b, size_t e, const study_variable *t, size_t level)
{
    const char *ep = b->s->endpoints[e].name;
    char model[KEY_SIZE], name[256], shown[256], reference[256];
    hazard u, w;
    key_univariate(model, t->name);
    if (!hazard_of(b, ep, model, t, level, &u))
        return;
    int weighted = hazard_of(b, ep, KEY_WEIGHTED_UNIVARIATE, t, level, &w);
    const char *du = direction(&u), *dw = weighted ? direction(&w) : du;
    build_lower_first(name, sizeof name, build_endpoint_label(&b->s->endpoints[e]));
    build_level(shown, sizeof shown, t->levels[level]);
    build_level(reference, sizeof reference, t->levels[build_cox_reference(b, ep, model, t)]);
    if ((du && dw && !strcmp(du, dw)) || (!du && !dw)) {
        if (du)
            paragraph_say(p, " For %s, %s had a %s hazard than %s (", name, shown, du, reference);
        else
            paragraph_say(p, " For %s, the hazards of %s and %s did not differ significantly (", name, shown, reference);
        say_hazard(p, b, "unadjusted ", &u);
        if (weighted)
            say_hazard(p, b, "; propensity-weighted ", &w);
        paragraph_say(p, ").");
        return;
    }
    if (du)
        paragraph_say(p, " For %s, the hazard of %s was %s than that of %s unadjusted (", name, shown, du, reference);
    else
        paragraph_say(p, " For %s, the hazard of %s did not differ significantly from that of %s unadjusted (", name, shown,
            reference);
    say_hazard(p, b, "", &u);
    if (dw)
        paragraph_say(p, "), but was %s after propensity weighting (", dw);
    else
        paragraph_say(p, "), but did not differ significantly after propensity weighting (");
    say_hazard(p, b, "", &w);
    paragraph_say(p, ").");
}

static void say_treatment_effects(paragraph *p, const build_context *b)
{
    const study *s = b->s;
    if (s->treatment < 0)
        return;
    const study_variable *t = &s->variables[s->treatment];
    char model[KEY_SIZE];
    key_univariate(model, t->name);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        if (build_endpoint_has_no_events(b, e))
            continue;
        size_t reference = build_cox_reference(b, s->endpoints[e].name, model, t);
        for (size_t l = 0; l < t->n_levels; l++)
            if (l != reference)
                say_treatment_level(p, b, e, t, l);
    }
}

void narrative_results(const render_input *in, char *out, size_t size)
{
    const study *s = in->study;
    paragraph p = {.text = out, .size = size};
    build_context b;
    out[0] = '\0';
    if (!in->results || s->n_endpoints == 0)
        return;
    build_context_init(&b, in);
    size_t excluded = in->data->rows_read - in->data->n;
    paragraph_say(&p, "Of %zu patients, %zu were analysed and %zu excluded.", in->data->rows_read, in->data->n, excluded);
    say_followup(&p, &b);
    if (s->n_subgroups > 0)
        say_medians_by(&p, &b, &s->variables[s->subgroups[0]]);
    say_endpoint_problems(&p, &b);
    say_treatment_effects(&p, &b);
    narrative_results_round2(in, p.text + p.used, p.size - p.used);
}
