/* The treatment effect within subgroups, one table per endpoint (the numbers of the subgroup forest
 * figure): for each level of each forest variable, the treatment's hazard ratios from a Cox model of
 * that level's patients, unweighted and propensity-weighted, with the interaction p per variable. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"

enum { EFFECT_N = 1, EFFECT_EVENTS, EFFECT_HR, EFFECT_P, EFFECT_WEIGHTED_HR, EFFECT_WEIGHTED_P, EFFECT_INTERACTION,
       EFFECT_COLUMNS };

/* The models of one row: unweighted and weighted. */
typedef struct effect_models {
    const char *unweighted, *weighted;
} effect_models;

static double effect_value(const build_context *b, const char *endpoint, const char *model, const char *variable,
                           const char *level, const char *stat)
{
    return build_value(b, KEY_COX, endpoint, model, variable, level, stat);
}

/* The hazard ratio and p of one treatment level in a model, when it has them. */
static void effect_hr(const build_context *b, table_row *row, size_t column, const char *endpoint, const char *model,
                      const study_variable *treatment, const char *level)
{
    if (isnan(effect_value(b, endpoint, model, treatment->name, level, KEY_STAT_HR)) &&
        isnan(effect_value(b, endpoint, model, treatment->name, level, KEY_STAT_SE)))
        return;
    build_hr_ci(b, row, column, endpoint, model, treatment->name, level);
    build_p(b, row, column + 1, effect_value(b, endpoint, model, treatment->name, level, KEY_STAT_P));
}

/* Whether either model has a coefficient for this treatment level. */
static int effect_has(const build_context *b, const char *endpoint, const effect_models *m,
                      const study_variable *treatment, const char *level)
{
    const char *models[] = {m->unweighted, m->weighted};
    for (size_t k = 0; k < 2; k++)
        if (!isnan(effect_value(b, endpoint, models[k], treatment->name, level, KEY_STAT_HR)) ||
            !isnan(effect_value(b, endpoint, models[k], treatment->name, level, KEY_STAT_SE)))
            return 1;
    return 0;
}

/* The rows of one subgroup (or of all patients): a row per treatment contrast with an estimate, or
 * one row of counts when the subgroup has no model. */
static void effect_rows(const build_context *b, table *t, table_role role, const char *label, const char *endpoint,
                        const effect_models *m)
{
    const study_variable *treatment = &b->s->variables[b->s->treatment];
    double n = effect_value(b, endpoint, m->unweighted, "", "", KEY_STAT_N);
    double events = effect_value(b, endpoint, m->unweighted, "", "", KEY_STAT_EVENTS);
    size_t contrasts = treatment->n_levels - 1, shown = 0;
    for (size_t l = 0; l < treatment->n_levels; l++) {
        const char *level = treatment->levels[l];
        if (l == treatment->reference || !effect_has(b, endpoint, m, treatment, level))
            continue;
        table_row *row = table_add_row(t, role, contrasts == 1 ? label
                                                              : table_format(t, "%s: %s vs %s", label, level,
                                                                             treatment->levels[treatment->reference]));
        int hidden = build_count(b, row, EFFECT_N, n);
        hidden |= build_count(b, row, EFFECT_EVENTS, events);
        effect_hr(b, row, EFFECT_HR, endpoint, m->unweighted, treatment, level);
        effect_hr(b, row, EFFECT_WEIGHTED_HR, endpoint, m->weighted, treatment, level);
        if (hidden)
            build_suppress_estimates(row, EFFECT_HR, EFFECT_INTERACTION);
        shown++;
        role = role == TABLE_ROW_TOTAL ? TABLE_ROW_PLAIN : role;
    }
    if (shown == 0) {
        table_row *row = table_add_row(t, role, label);
        build_count(b, row, EFFECT_N, n);
        build_count(b, row, EFFECT_EVENTS, events);
    }
}

static void effect_variable(const build_context *b, table *t, const char *endpoint, const study_variable *v)
{
    table_row *heading = table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
    build_p(b, heading, EFFECT_INTERACTION, build_value(b, KEY_INTERACTION, endpoint, "", v->name, "", KEY_STAT_LR_P));
    for (size_t l = 0; l < v->n_levels; l++) {
        char unweighted[KEY_SIZE], weighted[KEY_SIZE], shown[256];
        effect_models m = {key_model_within(unweighted, KEY_SUBGROUP, v->name, v->levels[l]),
                           key_model_within(weighted, KEY_WEIGHTED_SUBGROUP, v->name, v->levels[l])};
        if (isnan(effect_value(b, endpoint, m.unweighted, "", "", KEY_STAT_N)))
            continue;
        build_level(shown, sizeof shown, v->levels[l]);
        effect_rows(b, t, TABLE_ROW_LEVEL, shown, endpoint, &m);
    }
}

static table *effect_table_new(const study_endpoint *ep)
{
    static const char *const headers[EFFECT_COLUMNS] = {"Subgroup", "n", "Events", "HR (95% CI)", "p",
                                                        "HR (95% CI)", "p", "Interaction\np"};
    table *t = build_endpoint_table(ep, "Treatment effect within subgroups", headers, EFFECT_COLUMNS);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Variable", "Level");
    table_add_span(t, EFFECT_HR, 2, "Unweighted");
    table_add_span(t, EFFECT_WEIGHTED_HR, 2, "Propensity-weighted (ATE)");
    table_set_parts(t, EFFECT_HR, "HR", "Lower 95% CI", "Upper 95% CI");
    table_set_parts(t, EFFECT_WEIGHTED_HR, "Weighted HR", "Weighted lower 95% CI", "Weighted upper 95% CI");
    table_set_parts(t, EFFECT_WEIGHTED_P, "Weighted p", NULL, NULL);
    table_set_parts(t, EFFECT_INTERACTION, "Interaction p", NULL, NULL);
    return t;
}

static void effect_notes(const build_context *b, table *t)
{
    const study_variable *treatment = &b->s->variables[b->s->treatment];
    table_add_footnote(t, "Hazard ratios of %s (against %s) from a Cox model of the patients of each subgroup level "
                          "(Efron ties; Wald p), unweighted and propensity-weighted (ATE weights, robust standard "
                          "errors); n and events: the level's patients with complete data. A level without hazard "
                          "ratios has no event, lacks %s, holds one treatment group or a treatment group without an "
                          "event. Interaction p: likelihood-ratio test of treatment \xc3\x97 subgroup against "
                          "treatment + subgroup (unweighted).%s",
                       build_variable_label(treatment), treatment->levels[treatment->reference],
                       treatment->levels[treatment->reference],
                       b->t->share ? " \xe2\x80\x94: suppressed (fewer than the minimum count of patients or events)."
                                   : "");
}

table *build_subgroup_effects(const build_context *b, size_t endpoint)
{
    const study *s = b->s;
    const study_endpoint *ep = &s->endpoints[endpoint];
    table *t = effect_table_new(ep);
    if (!t)
        return NULL;
    if (s->n_forest == 0 || s->treatment < 0) {
        table_add_row(t, TABLE_ROW_NOTE, "The study names no forest variable.");
        return t;
    }
    char overall[KEY_SIZE];
    effect_models all = {key_univariate(overall, s->variables[s->treatment].name), KEY_WEIGHTED_UNIVARIATE};
    if (isfinite(effect_value(b, ep->name, all.unweighted, "", "", KEY_STAT_N)))
        effect_rows(b, t, TABLE_ROW_TOTAL, "All patients", ep->name, &all);
    for (size_t k = 0; k < s->n_forest; k++)
        effect_variable(b, t, ep->name, &s->variables[s->forest[k]]);
    effect_notes(b, t);
    return t;
}
