/* The round-2 sentences of the Methods and Results paragraphs (narrative_round2.h). A method is
 * named only when results.csv has its lines; a result says "higher", "shorter" or "differed" only
 * when its p is below 0.05, and otherwise that the groups did not differ significantly, with the
 * numbers either way. */
#include "narrative_round2.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "format.h"

#define SIGNIFICANT 0.05

/* Sentences written into a fixed buffer: appends stop quietly at its end. */
typedef struct sentences {
    const render_input *in;
    build_context b;
    char *text;
    size_t size, used;
} sentences;

static void put(sentences *o, const char *format, ...)
{
    va_list args;
    if (o->used + 1 >= o->size)
        return;
    va_start(args, format);
    int n = vsnprintf(o->text + o->used, o->size - o->used, format, args);
    va_end(args);
    if (n > 0)
        o->used = o->used + (size_t)n < o->size ? o->used + (size_t)n : o->size - 1;
}

static const study *study_of(const sentences *o)
{
    return o->in->study;
}

static double value(const sentences *o, const char *section, const char *endpoint, const char *model,
                    const char *variable, const char *level, const char *stat)
{
    return build_value(&o->b, section, endpoint, model, variable, level, stat);
}

/* Whether results.csv has a line of a model whose name starts with prefix ("subgroup:"). */
static int has_model_prefix(const sentences *o, const char *prefix)
{
    const results *r = o->in->results;
    for (size_t i = 0; i < r->n; i++)
        if (!strncmp(r->rows[i].model, prefix, strlen(prefix)))
            return 1;
    return 0;
}

/* Whether results.csv has a line of this section (and model, NULL: any). */
static int has_lines(const sentences *o, const char *section, const char *model)
{
    const results *r = o->in->results;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->rows[i].section, section) && (!model || !strcmp(r->rows[i].model, model)))
            return 1;
    return 0;
}

/* "p = 0.023" or "p < 0.001". */
static const char *p_text(const sentences *o, double p, char *out, size_t size)
{
    char number[64];
    format_p(number, sizeof number, p, o->in->template->p_decimals);
    snprintf(out, size, "p %s%s", number[0] == '<' ? "< " : "= ", number + (number[0] == '<'));
    return out;
}

/* "12.3, 95% CI 4.5–67.8" ("-4.2, 95% CI -10.8 to 2.4") with the decimals given. */
static const char *estimate_text(double estimate, double lower, double upper, int decimals, char *out, size_t size)
{
    char e[64], l[64], u[64];
    format_number(e, sizeof e, estimate, decimals);
    format_number(l, sizeof l, lower, decimals);
    format_number(u, sizeof u, upper, decimals);
    snprintf(out, size, "%s, 95%% CI %s%s%s", e, l, l[0] == '-' || u[0] == '-' ? " to " : "\xe2\x80\x93", u);
    return out;
}

static const char *level_text(const char *level, char *out, size_t size)
{
    build_level(out, size, level);
    return out;
}

static const char *endpoint_text(const study_endpoint *e, char *out, size_t size)
{
    build_lower_first(out, size, build_endpoint_label(e));
    return out;
}

/* "a, b and c" of items joined. */
static void put_list(sentences *o, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(o, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", items[i]);
}

/* ---- Methods ---- */

static void methods_centre(sentences *o)
{
    const study *s = study_of(o);
    const char *items[3];
    size_t n = 0;
    if (s->centre < 0)
        return;
    if (has_lines(o, KEY_LOGRANK, KEY_STRATIFIED))
        items[n++] = "log-rank tests stratified by centre";
    if (has_lines(o, KEY_COX, KEY_MULTIVARIABLE_STRATIFIED))
        items[n++] = "the multivariable Cox model stratified by centre (a baseline hazard of its own per centre)";
    if (has_lines(o, KEY_COX, KEY_MULTIVARIABLE_CLUSTER))
        items[n++] = "the multivariable Cox model with cluster-robust standard errors for patients clustered "
                     "within centres";
    if (n == 0)
        return;
    put(o, " To account for the centres (%s), the analyses included ", build_variable_label(&s->variables[s->centre]));
    put_list(o, items, n);
    put(o, ".");
}

static void methods_tests(sentences *o)
{
    const study *s = study_of(o);
    const char *ordered[64];
    size_t n = 0;
    if (has_lines(o, KEY_LOGRANK_PAIRWISE, NULL))
        put(o, " Subgroup variables with three or more levels were compared pairwise with the log-rank test, with "
               "Holm's adjustment for multiple comparisons.");
    for (size_t k = 0; k < s->n_subgroups && n < 64; k++) {
        const study_variable *v = &s->variables[s->subgroups[k]];
        if (!v->ordered)
            continue;
        for (size_t e = 0; e < s->n_endpoints; e++)
            if (isfinite(value(o, KEY_LOGRANK_TREND, s->endpoints[e].name, "", v->name, "", KEY_STAT_CHISQ))) {
                ordered[n++] = build_variable_label(v);
                break;
            }
    }
    if (n == 0)
        return;
    put(o, " The log-rank test for trend (scores 1, 2, ... in the order of the levels) was used for ");
    put_list(o, ordered, n);
    put(o, ".");
}

static void methods_rmst(sentences *o)
{
    const study *s = study_of(o);
    if (!s->has_rmst_tau || !has_lines(o, KEY_RMST, NULL))
        return;
    put(o, " Restricted mean survival time (RMST) to %g %s was estimated as the area under the Kaplan-Meier curve "
           "and compared with the reference level by the difference in RMST (Wald test).", s->rmst_tau, s->time_unit);
}

static void methods_competing(sentences *o)
{
    const study *s = study_of(o);
    const char *labels[64], *items[2];
    char names[64][256];
    size_t n = 0, n_items = 0;
    for (size_t e = 0; e < s->n_endpoints && n < 64; e++)
        if (study_endpoint_has_competing(&s->endpoints[e]))
            labels[n] = endpoint_text(&s->endpoints[e], names[n], sizeof names[n]), n++;
    if (n == 0)
        return;
    put(o, " For ");
    put_list(o, labels, n);
    put(o, ", the competing event was treated as a competing risk");
    if (has_lines(o, KEY_CIF, NULL))
        items[n_items++] = has_lines(o, KEY_GRAY, NULL)
                               ? "cumulative incidence was estimated with the Aalen-Johansen estimator "
                                 "(infinitesimal-jackknife variance) and compared between groups with Gray's test"
                               : "cumulative incidence was estimated with the Aalen-Johansen estimator "
                                 "(infinitesimal-jackknife variance)";
    if (has_lines(o, KEY_COX, KEY_FINEGRAY_MULTIVARIABLE) || has_model_prefix(o, KEY_FINEGRAY_UNIVARIATE ":"))
        items[n_items++] = "subdistribution hazard ratios were estimated with Fine-Gray models (Fine and Gray's "
                           "sandwich variance)";
    if (n_items > 0)
        put(o, ": %s%s%s", items[0], n_items > 1 ? ", and " : "", n_items > 1 ? items[1] : "");
    put(o, "; the other analyses of %s are cause-specific (the competing event censors).",
        n > 1 ? "these endpoints" : "that endpoint");
}

static void methods_forest(sentences *o)
{
    const study *s = study_of(o);
    const char *labels[64];
    size_t n = 0;
    if (s->treatment < 0 || s->n_forest == 0 || !has_model_prefix(o, KEY_SUBGROUP ":"))
        return;
    for (size_t k = 0; k < s->n_forest && n < 64; k++)
        labels[n++] = build_variable_label(&s->variables[s->forest[k]]);
    put(o, " The effect of %s was estimated within the levels of ", build_variable_label(&s->variables[s->treatment]));
    put_list(o, labels, n);
    put(o, " with Cox models of each level's patients, unweighted%s",
        has_model_prefix(o, KEY_WEIGHTED_SUBGROUP ":") ? " and propensity-weighted" : "");
    if (has_lines(o, KEY_INTERACTION, NULL))
        put(o, ", and heterogeneity was tested with a likelihood-ratio test of the treatment-by-subgroup interaction");
    put(o, ".");
}

/* Whether a multivariable model of any endpoint has an E-value line. */
static int has_evalues(const sentences *o)
{
    const results *r = o->in->results;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->rows[i].stat, KEY_STAT_EVALUE))
            return 1;
    return 0;
}

static void methods_evalues(sentences *o)
{
    if (!has_evalues(o))
        return;
    put(o, " E-values (VanderWeele and Ding) give, for each hazard ratio of the multivariable models, the minimum "
           "strength of association on the risk-ratio scale that an unmeasured confounder would need with both the "
           "exposure and the outcome to explain it away, and to move its confidence limit to 1 (common-outcome "
           "conversion of the hazard ratio).");
}

/* Sentences into out; 0 when there is nothing to write about (no results, or no room). */
static int sentences_begin(sentences *o, const render_input *in, char *out, size_t size)
{
    *o = (sentences){.in = in, .text = out, .size = size};
    if (size == 0)
        return 0;
    out[0] = '\0';
    if (!in->results)
        return 0;
    build_context_init(&o->b, in);
    return 1;
}

void narrative_methods_round2(const render_input *in, char *out, size_t size)
{
    sentences o;
    if (!sentences_begin(&o, in, out, size))
        return;
    methods_tests(&o);
    methods_rmst(&o);
    methods_centre(&o);
    methods_competing(&o);
    methods_forest(&o);
    methods_evalues(&o);
}

/* ---- Results ---- */

/* One hazard ratio of a contrast: "TARE had a higher hazard than TACE (HR 2.65, 95% CI 1.41–5.01,
 * p = 0.003)", or "TAE and TACE did not differ significantly (HR ..., p = 0.086)". */
static void put_contrast(sentences *o, const char *measure, const char *ratio, const char *level, const char *reference,
                         const double *hr, double p)
{
    char estimate[256], pv[64];
    estimate_text(hr[0], hr[1], hr[2], o->in->template->hr_decimals, estimate, sizeof estimate);
    p_text(o, p, pv, sizeof pv);
    if (p < SIGNIFICANT && hr[0] != 1.0)
        put(o, "%s had a %s %s than %s (%s %s, %s)", level, hr[0] > 1.0 ? "higher" : "lower", measure, reference, ratio,
            estimate, pv);
    else
        put(o, "%s and %s did not differ significantly (%s %s, %s)", level, reference, ratio, estimate, pv);
}

/* The treatment's contrasts in one model of an endpoint: "For overall survival, stratified by centre,
 * TARE had ... and TAE ...". */
static void results_treatment_model(sentences *o, const study_endpoint *ep, const char *model, const char *how,
                                    const char *measure, const char *ratio)
{
    const study *s = study_of(o);
    const study_variable *t = &s->variables[s->treatment];
    char label[256], level[256], reference[256];
    size_t said = 0;
    for (size_t l = 0; l < t->n_levels; l++) {
        double hr[3] = {value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_HR),
                        value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_HR_LOWER),
                        value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_HR_UPPER)};
        double p = value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_P);
        size_t ref = build_cox_reference(&o->b, ep->name, model, t);
        if (l == ref || !isfinite(hr[0]) || !isfinite(p))
            continue;
        if (said++ == 0)
            put(o, " For %s, %s, ", endpoint_text(ep, label, sizeof label), how);
        else
            put(o, "; ");
        put_contrast(o, measure, ratio, level_text(t->levels[l], level, sizeof level),
                     level_text(t->levels[ref], reference, sizeof reference), hr, p);
    }
    if (said)
        put(o, ".");
}

static void results_centre(sentences *o, const study_endpoint *ep)
{
    const study *s = study_of(o);
    char how[300];
    if (s->centre < 0)
        return;
    const char *centre = build_variable_label(&s->variables[s->centre]);
    snprintf(how, sizeof how, "in the multivariable model stratified by %s", centre);
    results_treatment_model(o, ep, KEY_MULTIVARIABLE_STRATIFIED, how, "hazard", "HR");
    snprintf(how, sizeof how, "with cluster-robust standard errors by %s", centre);
    results_treatment_model(o, ep, KEY_MULTIVARIABLE_CLUSTER, how, "hazard", "HR");
}

/* Whether share suppression hides a group's patients or events (its estimates are not described). */
static int group_hidden(const sentences *o, const study_endpoint *ep, const study_variable *v, const char *level)
{
    const report_template *t = o->in->template;
    return format_count_hidden(t, value(o, KEY_KM, ep->name, KEY_UNWEIGHTED, v->name, level, KEY_STAT_N)) ||
           format_count_hidden(t, value(o, KEY_KM, ep->name, KEY_UNWEIGHTED, v->name, level, KEY_STAT_EVENTS));
}

/* The RMST of each level of v and its difference from the reference. */
static void results_rmst_variable(sentences *o, const study_endpoint *ep, const study_variable *v)
{
    const study *s = study_of(o);
    const report_template *t = o->in->template;
    char label[256], level[256], number[256], pv[64];
    const char *ref = v->levels[v->reference];
    double rmst_ref = value(o, KEY_RMST, ep->name, KEY_UNWEIGHTED, v->name, ref, KEY_STAT_RMST);
    if (isnan(rmst_ref) || group_hidden(o, ep, v, ref))
        return;
    format_number(number, sizeof number, rmst_ref, t->decimals);
    put(o, " Within %g %s, the restricted mean survival time (RMST) of %s was %s %s with %s", s->rmst_tau,
        s->time_unit, endpoint_text(ep, label, sizeof label), number, s->time_unit, level_text(ref, level, sizeof level));
    for (size_t l = 0; l < v->n_levels; l++) {
        double d[3] = {value(o, KEY_RMST, ep->name, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_DIFF),
                       value(o, KEY_RMST, ep->name, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_DIFF_LOWER),
                       value(o, KEY_RMST, ep->name, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_DIFF_UPPER)};
        double p = value(o, KEY_RMST, ep->name, KEY_UNWEIGHTED, v->name, v->levels[l], KEY_STAT_DIFF_P);
        if (l == v->reference || !isfinite(d[0]) || group_hidden(o, ep, v, v->levels[l]))
            continue;
        level_text(v->levels[l], level, sizeof level);
        estimate_text(d[0], d[1], d[2], t->decimals, number, sizeof number);
        if (p < SIGNIFICANT && d[0] != 0.0)
            put(o, "; it was %s with %s (difference %s, %s)", d[0] > 0 ? "longer" : "shorter", level, number,
                p_text(o, p, pv, sizeof pv));
        else
            put(o, "; it did not differ significantly with %s (difference %s, %s)", level, number,
                p_text(o, p, pv, sizeof pv));
    }
    put(o, ".");
}

/* The RMST sentence of the treatment (when it is a subgroup variable), else of the first subgroup variable. */
static void results_rmst(sentences *o, const study_endpoint *ep)
{
    const study *s = study_of(o);
    int chosen = -1;
    if (!s->has_rmst_tau)
        return;
    for (size_t k = 0; k < s->n_subgroups && chosen < 0; k++)
        if ((int)s->subgroups[k] == s->treatment)
            chosen = s->treatment;
    if (chosen < 0 && s->n_subgroups > 0)
        chosen = (int)s->subgroups[0];
    if (chosen >= 0)
        results_rmst_variable(o, ep, &s->variables[chosen]);
}

/* The cumulative incidence of all patients at the last landmark with an estimate: "65.9% (95% CI
 * 58.1–74.9%)". */
static void results_cif_all(sentences *o, const study_endpoint *ep)
{
    const study *s = study_of(o);
    const int decimals = o->in->template->decimals;
    char label[256], stat[KEY_SIZE], e[64], l[64], u[64];
    for (size_t k = s->n_landmarks; k-- > 0;) {
        const char *at = s->landmark_texts[k];
        double cif = value(o, KEY_CIF, ep->name, KEY_UNWEIGHTED, KEY_ALL, "", key_stat_at(stat, KEY_STAT_CIF, at));
        if (isnan(cif))
            continue;
        format_number(e, sizeof e, 100.0 * cif, decimals);
        format_number(l, sizeof l, 100.0 * value(o, KEY_CIF, ep->name, KEY_UNWEIGHTED, KEY_ALL, "",
                                                 key_stat_at(stat, KEY_STAT_CIF_LOWER, at)), decimals);
        format_number(u, sizeof u, 100.0 * value(o, KEY_CIF, ep->name, KEY_UNWEIGHTED, KEY_ALL, "",
                                                 key_stat_at(stat, KEY_STAT_CIF_UPPER, at)), decimals);
        put(o, " The cumulative incidence of %s at %s %s was %s%% (95%% CI %s\xe2\x80\x93%s%%).",
            endpoint_text(ep, label, sizeof label), at, s->time_unit, e, l, u);
        return;
    }
}

/* Gray's tests: the variables by which the cumulative incidence differed (p < 0.05), then those by
 * which it did not (wanted: 1 for the first, 0 for the second); returns how many it named. */
static size_t results_gray_list(sentences *o, const study_endpoint *ep, int wanted, size_t said)
{
    const study *s = study_of(o);
    char pv[64];
    size_t named = 0, total = 0;
    for (size_t k = 0; k < s->n_subgroups; k++) {
        double p = value(o, KEY_GRAY, ep->name, "", s->variables[s->subgroups[k]].name, "", KEY_STAT_P);
        total += isfinite(p) && (p < SIGNIFICANT) == wanted;
    }
    for (size_t k = 0; k < s->n_subgroups; k++) {
        const study_variable *v = &s->variables[s->subgroups[k]];
        double p = value(o, KEY_GRAY, ep->name, "", v->name, "", KEY_STAT_P);
        if (!isfinite(p) || (p < SIGNIFICANT) != wanted)
            continue;
        if (named == 0)
            put(o, "%s%s by ", said ? " and " : " It ", wanted ? "differed" : "did not differ significantly");
        else
            put(o, "%s", named + 1 == total ? (wanted ? " and " : " or ") : ", ");
        put(o, "%s (%s%s)", build_variable_label(v), said + named == 0 ? "Gray's test " : "", p_text(o, p, pv, sizeof pv));
        named++;
    }
    return named;
}

static void results_cif(sentences *o, const study_endpoint *ep)
{
    if (!study_endpoint_has_competing(ep) || isnan(value(o, KEY_CIF, ep->name, KEY_UNWEIGHTED, KEY_ALL, "", KEY_STAT_N)))
        return;
    results_cif_all(o, ep);
    size_t said = results_gray_list(o, ep, 1, 0);
    said += results_gray_list(o, ep, 0, said);
    if (said)
        put(o, ".");
}

/* The interaction tests of the forest variables. */
static void results_interaction(sentences *o, const study_endpoint *ep)
{
    const study *s = study_of(o);
    char label[256], pv[64];
    size_t said = 0;
    if (s->treatment < 0)
        return;
    for (size_t k = 0; k < s->n_forest; k++) {
        const study_variable *v = &s->variables[s->forest[k]];
        double p = value(o, KEY_INTERACTION, ep->name, "", v->name, "", KEY_STAT_LR_P);
        if (isnan(p))
            continue;
        if (said++ == 0)
            put(o, " For %s, the effect of %s ", endpoint_text(ep, label, sizeof label),
                build_variable_label(&s->variables[s->treatment]));
        else
            put(o, " and ");
        put(o, "%s across %s (interaction %s)", p < SIGNIFICANT ? "differed" : "did not differ significantly",
            build_variable_label(v), p_text(o, p, pv, sizeof pv));
    }
    if (said)
        put(o, ".");
}

/* The E-values of the treatment's significant hazard ratios in a multivariable model: "multivariable,
 * TAE vs TACE 2.47 (confidence limit 1.50)"; returns how many it named (said: before it). */
static size_t results_evalues_of(sentences *o, const study_endpoint *ep, const char *model, const char *name,
                                 size_t said)
{
    const study *s = study_of(o);
    const study_variable *t = &s->variables[s->treatment];
    char label[256], level[256], reference[256], e[64], ci[64];
    size_t named = 0;
    for (size_t l = 0; l < t->n_levels; l++) {
        double evalue = value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_EVALUE);
        double p = value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_P);
        if (!isfinite(evalue) || !(p < SIGNIFICANT))
            continue;
        if (said + named == 0)
            put(o, " E-values for unmeasured confounding of the significant hazard ratios of %s for %s: ",
                build_variable_label(t), endpoint_text(ep, label, sizeof label));
        put(o, "%s", named ? ", " : said ? "; " : "");
        if (named == 0)
            put(o, "%s, ", name);
        format_number(e, sizeof e, evalue, o->in->template->hr_decimals);
        format_number(ci, sizeof ci, value(o, KEY_COX, ep->name, model, t->name, t->levels[l], KEY_STAT_EVALUE_CI),
                      o->in->template->hr_decimals);
        put(o, "%s vs %s %s (confidence limit %s)", level_text(t->levels[l], level, sizeof level),
            level_text(t->levels[build_cox_reference(&o->b, ep->name, model, t)], reference, sizeof reference), e, ci);
        named++;
    }
    return named;
}

static void results_evalues(sentences *o, const study_endpoint *ep)
{
    size_t said = results_evalues_of(o, ep, KEY_MULTIVARIABLE, "multivariable", 0);
    said += results_evalues_of(o, ep, KEY_WEIGHTED_MULTIVARIABLE, "propensity-weighted multivariable", said);
    if (said)
        put(o, ".");
}

void narrative_results_round2(const render_input *in, char *out, size_t size)
{
    sentences o;
    if (!sentences_begin(&o, in, out, size))
        return;
    const study *s = in->study;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        const study_endpoint *ep = &s->endpoints[e];
        results_rmst(&o, ep);
        results_cif(&o, ep);
        if (s->treatment >= 0 && study_endpoint_has_competing(ep))
            results_treatment_model(&o, ep, KEY_FINEGRAY_MULTIVARIABLE, "in the multivariable Fine-Gray model",
                                    "subdistribution hazard", "SHR");
        if (s->treatment >= 0)
            results_centre(&o, ep);
        results_interaction(&o, ep);
        if (s->treatment >= 0)
            results_evalues(&o, ep);
    }
}
