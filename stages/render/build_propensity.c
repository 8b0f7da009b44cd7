/* Propensity diagnostics: the weights per treatment group and the covariate balance (max |SMD|
 * before and after weighting). */
#include <math.h>
#include <stdio.h>

#include "build.h"
#include "common/keys.h"

#define BALANCE_LIMIT 0.1  /* max |SMD| above this is unbalanced (as the weight stage warns) */

static double ps_value(const build_context *b, const study_variable *t, const char *level, const char *stat)
{
    return build_value(b, KEY_PS, "", "", t->name, level, stat);
}

table *build_weights(const build_context *b)
{
    static const char *const headers[] = {"Treatment group", "n", "Sum of weights", "Effective sample\nsize (ESS)",
                                          "ESS / n", "Largest weight"};
    table *t = table_new("Propensity weights (ATE) per treatment group", headers, 6);
    if (!t || b->s->treatment < 0)
        return t;
    const study_variable *v = &b->s->variables[b->s->treatment];
    for (size_t g = 0; g < v->n_levels; g++) {
        const char *level = v->levels[g];
        double n = ps_value(b, v, level, KEY_STAT_N), ess = ps_value(b, v, level, KEY_STAT_ESS);
        table_row *row = table_add_row(t, TABLE_ROW_PLAIN, level);
        int hidden = build_count(b, row, 1, n);
        build_number(row, 2, ps_value(b, v, level, KEY_STAT_SUM_W), 1);
        build_number(row, 3, ess, 1);
        table_set_values(row, 4, CELL_PERCENT, 0, n > 0 ? ess / n : NAN, NAN, NAN);
        build_number(row, 5, ps_value(b, v, level, KEY_STAT_MAX_W), 2);
        if (hidden)
            build_suppress_estimates(row, 2, 6);
    }
    build_count(b, table_add_row(t, TABLE_ROW_TOTAL, "All with a weight"), 1, ps_value(b, v, "", KEY_STAT_N));
    table_add_footnote(t, "ATE weight: 1 / fitted probability of the treatment received (multinomial logistic model "
                          "of the treatment on the propensity covariates). ESS = (sum of weights)\xc2\xb2 / sum of "
                          "squared weights.");
    return t;
}

static void balance_row(const build_context *b, table *t, table_role role, const char *label,
                        const study_variable *v, const char *level)
{
    double before = build_value(b, KEY_BALANCE, "", KEY_UNWEIGHTED, v->name, level, KEY_STAT_MAX_ABS_SMD);
    double after = build_value(b, KEY_BALANCE, "", KEY_WEIGHTED, v->name, level, KEY_STAT_MAX_ABS_SMD);
    table_row *row = table_add_row(t, role, label);
    build_number(row, 1, before, 3);
    build_number(row, 2, after, 3);
    table_set_text(t, row, 3, !isfinite(after) ? "NA" : after <= BALANCE_LIMIT ? "yes" : "no");
}

table *build_balance(const build_context *b)
{
    static const char *const headers[] = {"Covariate", "Max |SMD|\nunweighted", "Max |SMD|\nweighted",
                                          "Balanced after\nweighting (\xe2\x89\xa4 0.1)"};
    const study *s = b->s;
    table *t = table_new("Covariate balance", headers, 4);
    if (!t)
        return NULL;
    table_set_flat_headers(t, "Covariate", "Level");
    if (s->treatment < 0 || isnan(ps_value(b, &s->variables[s->treatment], "", KEY_STAT_N))) {
        table_add_row(t, TABLE_ROW_NOTE, s->treatment < 0 ? "The study has no [treatment]: no propensity "
                                                            "weighting, no balance."
                                                          : "No propensity weighting in this run (see the "
                                                            "warnings).");
        return t;
    }
    for (size_t k = 0; k < b->s->n_ps_covariates; k++) {
        const study_variable *v = &b->s->variables[b->s->ps_covariates[k]];
        if (!study_variable_is_factor(v)) {
            balance_row(b, t, TABLE_ROW_PLAIN, build_variable_label(v), v, "");
            continue;
        }
        table_add_row(t, TABLE_ROW_HEADING, build_variable_label(v));
        for (size_t l = 0; l < v->n_levels; l++) {
            char shown[256];
            build_level(shown, sizeof shown, v->levels[l]);
            balance_row(b, t, TABLE_ROW_LEVEL, shown, v, v->levels[l]);
        }
    }
    table_add_footnote(t, "Max |SMD|: the largest absolute standardized mean difference over pairs of treatment "
                          "groups, before and after weighting; balanced: at most 0.1 after weighting.");
    return t;
}
