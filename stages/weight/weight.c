#include "weight.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "balance.h"
#include "common/keys.h"
#include "mlogit.h"

#define EXTREME_SCORE 0.01

/* The complete-case rows of the propensity model and its design (intercept + contrasts). The groups
 * are the treatment levels that have a complete row (R's droplevels): an empty level has no group. */
typedef struct ps_design {
    size_t n, p, k;
    size_t *row;        /* dataset row */
    int *group;         /* group (0..k-1) of each */
    size_t *level;      /* [k] the treatment level of each group */
    double *x;          /* n x p */
    size_t *column_variable;
    int *column_level;  /* -1 for intercept or numeric */
} ps_design;

static void ps_design_free(ps_design *d)
{
    if (!d)
        return;
    free(d->row);
    free(d->group);
    free(d->level);
    free(d->x);
    free(d->column_variable);
    free(d->column_level);
    free(d);
}

static int row_has_ps_data(const study *s, const dataset *data, size_t i)
{
    if (isnan(dataset_value(data, s->treatment, i)))
        return 0;
    for (size_t c = 0; c < s->n_ps_covariates; c++)
        if (isnan(dataset_value(data, s->ps_covariates[c], i)))
            return 0;
    return 1;
}

/* Counts of each level of a factor among the design's rows, per treatment group: [level][group]. */
static size_t *level_group_counts(const study *s, const dataset *data, const ps_design *d, size_t variable)
{
    const study_variable *v = &s->variables[variable];
    size_t *counts = calloc(v->n_levels * d->k, sizeof *counts);
    if (!counts)
        return NULL;
    for (size_t i = 0; i < d->n; i++)
        counts[(size_t)dataset_value(data, variable, d->row[i]) * d->k + (size_t)d->group[i]]++;
    return counts;
}

/* The groups of the complete rows: the treatment levels present among them, in level order. */
static embolo_error ps_design_groups(const study *s, const dataset *data, ps_design *d)
{
    size_t n_levels = s->variables[s->treatment].n_levels;
    int *group_of_level = malloc(n_levels * sizeof *group_of_level);
    d->level = malloc(n_levels * sizeof *d->level);
    if (!group_of_level || !d->level) {
        free(group_of_level);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t l = 0; l < n_levels; l++)
        group_of_level[l] = -1;
    for (size_t i = 0; i < d->n; i++)
        group_of_level[(size_t)dataset_value(data, s->treatment, d->row[i])] = 0;
    d->k = 0;
    for (size_t l = 0; l < n_levels; l++)
        if (group_of_level[l] == 0) {
            group_of_level[l] = (int)d->k;
            d->level[d->k++] = l;
        }
    for (size_t i = 0; i < d->n; i++)
        d->group[i] = group_of_level[(size_t)dataset_value(data, s->treatment, d->row[i])];
    free(group_of_level);
    return EMBOLO_OK;
}

static embolo_error ps_design_new(const study *s, const dataset *data, ps_design **out)
{
    ps_design *d = calloc(1, sizeof *d);
    size_t cap = data->n ? data->n : 1, columns = 1;
    *out = NULL;
    if (!d)
        return EMBOLO_ERROR_NOMEM;
    for (size_t c = 0; c < s->n_ps_covariates; c++) {
        const study_variable *v = &s->variables[s->ps_covariates[c]];
        columns += study_variable_is_factor(v) ? v->n_levels : 1;
    }
    d->row = malloc(cap * sizeof *d->row);
    d->group = malloc(cap * sizeof *d->group);
    d->column_variable = malloc(columns * sizeof *d->column_variable);
    d->column_level = malloc(columns * sizeof *d->column_level);
    d->x = malloc(cap * columns * sizeof *d->x);
    if (!d->row || !d->group || !d->column_variable || !d->column_level || !d->x)
        goto fail;
    for (size_t i = 0; i < data->n; i++)
        if (row_has_ps_data(s, data, i))
            d->row[d->n++] = i;
    if (ps_design_groups(s, data, d) != EMBOLO_OK)
        goto fail;
    d->column_variable[0] = 0;
    d->column_level[0] = -1;
    d->p = 1;
    for (size_t c = 0; c < s->n_ps_covariates; c++) {
        size_t variable = s->ps_covariates[c];
        const study_variable *v = &s->variables[variable];
        if (!study_variable_is_factor(v)) {
            d->column_variable[d->p] = variable;
            d->column_level[d->p++] = -1;
            continue;
        }
        size_t *counts = level_group_counts(s, data, d, variable);
        if (!counts)
            goto fail;
        /* Levels empty in the complete-case set are dropped (R's droplevels); an empty reference
         * level gives way to the first present one. */
        int reference = -1;
        for (size_t l = 0; l < v->n_levels; l++) {
            size_t total = 0;
            for (size_t g = 0; g < d->k; g++)
                total += counts[l * d->k + g];
            if (total > 0 && (reference < 0 || l == v->reference))
                reference = (int)l;
            if (total > 0 && l == v->reference)
                break;
        }
        for (size_t l = 0; l < v->n_levels; l++) {
            size_t total = 0;
            for (size_t g = 0; g < d->k; g++)
                total += counts[l * d->k + g];
            if (total == 0 || (int)l == reference)
                continue;
            d->column_variable[d->p] = variable;
            d->column_level[d->p++] = (int)l;
        }
        free(counts);
    }
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->p; j++) {
            double value = j == 0 ? 1.0 : dataset_value(data, d->column_variable[j], d->row[i]);
            d->x[i * d->p + j] = j == 0 || d->column_level[j] < 0 ? value : (double)(value == d->column_level[j]);
        }
    *out = d;
    return EMBOLO_OK;
fail:
    ps_design_free(d);
    return EMBOLO_ERROR_NOMEM;
}

/* A factor level present in the data but absent from a treatment group makes the MLE not exist. */
static embolo_error find_empty_cell(const study *s, const dataset *data, const ps_design *d, results *out,
                                    int *found)
{
    const study_variable *t = &s->variables[s->treatment];
    *found = 0;
    for (size_t c = 0; c < s->n_ps_covariates && !*found; c++) {
        size_t variable = s->ps_covariates[c];
        const study_variable *v = &s->variables[variable];
        if (!study_variable_is_factor(v))
            continue;
        size_t *counts = level_group_counts(s, data, d, variable);
        if (!counts)
            return EMBOLO_ERROR_NOMEM;
        for (size_t l = 0; l < v->n_levels && !*found; l++) {
            size_t total = 0;
            for (size_t g = 0; g < d->k; g++)
                total += counts[l * d->k + g];
            for (size_t g = 0; g < d->k && total > 0 && !*found; g++) {
                if (counts[l * d->k + g] > 0)
                    continue;
                *found = 1;
                embolo_error err = results_warn_about(
                    out, (result_subject){.variable = v->name, .level = v->levels[l]},
                    "propensity model separated: no %s patient has it; the propensity scores do not exist, so no "
                    "weights and no weighted analyses are reported", t->levels[d->level[g]]);
                if (err != EMBOLO_OK) {
                    free(counts);
                    return err;
                }
            }
        }
        free(counts);
    }
    return EMBOLO_OK;
}

/* data->ps keeps a column per treatment level; an empty level's stays NAN (it is not modelled). */
static embolo_error weights_allocate(dataset *data, size_t k)
{
    size_t cap = data->n ? data->n : 1;
    data->n_groups = k;
    data->ps = malloc(cap * k * sizeof *data->ps);
    data->weight = malloc(cap * sizeof *data->weight);
    data->weight_stabilized = malloc(cap * sizeof *data->weight_stabilized);
    if (!data->ps || !data->weight || !data->weight_stabilized)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < data->n; i++) {
        data->weight[i] = NAN;
        data->weight_stabilized[i] = NAN;
        for (size_t g = 0; g < k; g++)
            data->ps[i * k + g] = NAN;
    }
    return EMBOLO_OK;
}

/* Truncates weights at the trim quantiles of all weights (R quantile type 7). */
static embolo_error trim_weights(const study *s, double *w, size_t n, results *out)
{
    double *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < n; i++)
        sorted[i] = w[i];
    gsl_sort(sorted, 1, n);
    double low = gsl_stats_quantile_from_sorted_data(sorted, 1, n, s->trim_low);
    double high = gsl_stats_quantile_from_sorted_data(sorted, 1, n, s->trim_high);
    free(sorted);
    for (size_t i = 0; i < n; i++)
        w[i] = w[i] < low ? low : w[i] > high ? high : w[i];
    return results_warn(out, "weights trimmed at the %g and %g quantiles (%.6g and %.6g)", s->trim_low,
                        s->trim_high, low, high);
}

static embolo_error report_groups(const study *s, const ps_design *d, const double *w, const mlogit_result *fit,
                                  results *out)
{
    const study_variable *t = &s->variables[s->treatment];
    embolo_error err = results_add(out, KEY_PS, "", "", t->name, "", KEY_STAT_N, (double)d->n);
    if (err == EMBOLO_OK)
        err = results_add(out, KEY_PS, "", "", t->name, "", KEY_STAT_LOGLIK, fit->loglik);
    for (size_t g = 0; g < d->k && err == EMBOLO_OK; g++) {
        const char *level = t->levels[d->level[g]];
        double n = 0, sum = 0, sum_sq = 0, max = 0;
        for (size_t i = 0; i < d->n; i++) {
            if ((size_t)d->group[i] != g)
                continue;
            n++;
            sum += w[i];
            sum_sq += w[i] * w[i];
            max = w[i] > max ? w[i] : max;
        }
        if (n == 0)
            continue;
        double ess = sum * sum / sum_sq;
        err = results_add(out, KEY_PS, "", "", t->name, level, KEY_STAT_N, n);
        if (err == EMBOLO_OK)
            err = results_add(out, KEY_PS, "", "", t->name, level, KEY_STAT_SUM_W, sum);
        if (err == EMBOLO_OK)
            err = results_add(out, KEY_PS, "", "", t->name, level, KEY_STAT_ESS, ess);
        if (err == EMBOLO_OK)
            err = results_add(out, KEY_PS, "", "", t->name, level, KEY_STAT_MAX_W, max);
        if (err == EMBOLO_OK && ess < n / 2)
            err = results_warn_about(out, (result_subject){.variable = t->name, .level = level},
                                     "effective sample size %.1f is below half the group's n (%g)", ess, n);
        if (err == EMBOLO_OK && max > 10)
            err = results_warn_about(out, (result_subject){.variable = t->name, .level = level},
                                     "largest weight %.1f is above 10", max);
    }
    return err;
}

static embolo_error report_balance_line(const study *s, const ps_design *d, const double *x, const double *w,
                                        size_t variable, const char *level, results *out)
{
    double before, after;
    balance_max_abs_smd_both(x, d->group, w, d->n, d->k, &before, &after);
    const char *name = s->variables[variable].name;
    embolo_error err = results_add(out, KEY_BALANCE, "", KEY_UNWEIGHTED, name, level, KEY_STAT_MAX_ABS_SMD, before);
    if (err == EMBOLO_OK)
        err = results_add(out, KEY_BALANCE, "", KEY_WEIGHTED, name, level, KEY_STAT_MAX_ABS_SMD, after);
    if (err == EMBOLO_OK && after > 0.1)
        err = results_warn_about(out, (result_subject){.variable = name, .level = level},
                                 "still unbalanced after weighting (max |SMD| %.3f)", after);
    return err;
}

static embolo_error report_balance(const study *s, const dataset *data, const ps_design *d, const double *w,
                                   results *out)
{
    embolo_error err = EMBOLO_OK;
    double *x = malloc((d->n ? d->n : 1) * sizeof *x);
    if (!x)
        return EMBOLO_ERROR_NOMEM;
    for (size_t c = 0; c < s->n_ps_covariates && err == EMBOLO_OK; c++) {
        size_t variable = s->ps_covariates[c];
        const study_variable *v = &s->variables[variable];
        if (!study_variable_is_factor(v)) {
            for (size_t i = 0; i < d->n; i++)
                x[i] = dataset_value(data, variable, d->row[i]);
            err = report_balance_line(s, d, x, w, variable, "", out);
            continue;
        }
        for (size_t l = 0; l < v->n_levels && err == EMBOLO_OK; l++) {
            size_t present = 0;
            for (size_t i = 0; i < d->n; i++) {
                x[i] = dataset_value(data, variable, d->row[i]) == (double)l;
                present += x[i] > 0;
            }
            if (present > 0)
                err = report_balance_line(s, d, x, w, variable, v->levels[l], out);
        }
    }
    free(x);
    return err;
}

/* Fitted probabilities of the received treatment near 0 mean poor overlap: weights blow up. */
static embolo_error warn_extreme_scores(const ps_design *d, const mlogit_result *fit, results *out)
{
    size_t extreme = 0;
    for (size_t i = 0; i < d->n; i++) {
        double received = fit->fitted[i * d->k + (size_t)d->group[i]];
        extreme += received < EXTREME_SCORE || received > 1.0 - EXTREME_SCORE;
    }
    if (extreme == 0)
        return EMBOLO_OK;
    return results_warn(out, "limited overlap: %zu patients have a fitted probability of their own treatment "
                             "below %g or above %g (near-separated propensity model)",
                        extreme, EXTREME_SCORE, 1.0 - EXTREME_SCORE);
}

static embolo_error apply_fit(const study *s, dataset *data, const ps_design *d, const mlogit_result *fit,
                              results *out)
{
    embolo_error err = weights_allocate(data, s->variables[s->treatment].n_levels);
    double *w = malloc((d->n ? d->n : 1) * sizeof *w);
    size_t *group_n = calloc(d->k, sizeof *group_n);
    if (err != EMBOLO_OK || !w || !group_n) {
        free(w);
        free(group_n);
        return EMBOLO_ERROR_NOMEM;
    }
    for (size_t i = 0; i < d->n; i++) {
        w[i] = 1.0 / fit->fitted[i * d->k + (size_t)d->group[i]];
        group_n[d->group[i]]++;
    }
    if (s->has_trim)
        err = trim_weights(s, w, d->n, out);
    for (size_t i = 0; i < d->n && err == EMBOLO_OK; i++) {
        size_t row = d->row[i];
        for (size_t g = 0; g < d->k; g++)
            data->ps[row * data->n_groups + d->level[g]] = fit->fitted[i * d->k + g];
        data->weight[row] = w[i];
        data->weight_stabilized[row] = w[i] * (double)group_n[d->group[i]] / (double)d->n;
    }
    if (err == EMBOLO_OK)
        err = warn_extreme_scores(d, fit, out);
    if (err == EMBOLO_OK)
        err = report_groups(s, d, w, fit, out);
    if (err == EMBOLO_OK)
        err = report_balance(s, data, d, w, out);
    free(w);
    free(group_n);
    return err;
}

/* A declared treatment level without a complete row is left out of the model, as R's droplevels
 * leaves it out of multinom (modelled, it would look like separation). */
static embolo_error warn_empty_levels(const study *s, const ps_design *d, results *out)
{
    const study_variable *t = &s->variables[s->treatment];
    embolo_error err = EMBOLO_OK;
    for (size_t l = 0, g = 0; l < t->n_levels && err == EMBOLO_OK && d->n > 0; l++) {
        if (g < d->k && d->level[g] == l) {
            g++;
            continue;
        }
        err = results_warn_about(out, (result_subject){.variable = t->name, .level = t->levels[l]},
                                 "no patient among the propensity model's %zu complete rows: left out (no weights, "
                                 "no weighted estimates for it)", d->n);
    }
    return err;
}

/* No row has the treatment and every covariate: names the variables missing in every row (or says
 * that each row lacks one or another). */
static embolo_error warn_no_complete_row(const study *s, const dataset *data, results *out)
{
    size_t n_named = 0;
    embolo_error err = EMBOLO_OK;
    for (size_t c = 0; c <= s->n_ps_covariates && err == EMBOLO_OK; c++) {
        size_t v = c < s->n_ps_covariates ? s->ps_covariates[c] : (size_t)s->treatment;
        if (data->missing[v] < data->n)
            continue;
        n_named++;
        err = results_warn_about(out, (result_subject){.variable = s->variables[v].name},
                                 "missing in every row: no propensity model, no weights and no weighted analyses");
    }
    if (n_named > 0 || err != EMBOLO_OK)
        return err;
    return results_warn(out, "propensity model: no row has every covariate (each lacks one or another); no weights "
                             "and no weighted analyses");
}

/* Weighting needs complete rows in two treatment groups or more; says why not otherwise. */
static int enough_groups(const study *s, const dataset *data, const ps_design *d, results *out, embolo_error *err)
{
    const study_variable *t = &s->variables[s->treatment];
    size_t present = 0, last = 0;
    int *seen = calloc(d->k ? d->k : 1, sizeof *seen);
    if (!seen) {
        *err = EMBOLO_ERROR_NOMEM;
        return 0;
    }
    for (size_t i = 0; i < d->n; i++)
        if (!seen[d->group[i]]++) {
            present++;
            last = d->level[d->group[i]];
        }
    free(seen);
    if (d->n == 0)
        *err = warn_no_complete_row(s, data, out);
    else if (present < 2)
        *err = results_warn(out, "propensity model: every complete row is in one treatment group (%s); no weights "
                                 "and no weighted analyses", t->levels[last]);
    return present >= 2;
}

embolo_error weight_run(const study *s, dataset *data, results *out, char *message, size_t message_size)
{
    ps_design *d = NULL;
    mlogit_result *fit = NULL;
    embolo_error err;
    int separated = 0;
    if (s->treatment < 0)
        return EMBOLO_OK;
    err = ps_design_new(s, data, &d);
    if (err == EMBOLO_OK && d->n < data->n)
        err = results_warn(out, "propensity model: %zu %s left out for a missing covariate", data->n - d->n,
                           data->n - d->n == 1 ? "row" : "rows");
    if (err == EMBOLO_OK)
        err = warn_empty_levels(s, d, out);
    if (err == EMBOLO_OK && !enough_groups(s, data, d, out, &err))
        goto cleanup;
    if (err == EMBOLO_OK)
        err = find_empty_cell(s, data, d, out, &separated);
    if (err != EMBOLO_OK || separated)
        goto cleanup;
    err = mlogit_fit(d->group, d->k, d->x, d->n, d->p, &fit);
    /* The design matrix (p doubles a row) is not read again: freed before the weights are made, the
     * weight stage's highest use of memory. */
    free(d->x);
    d->x = NULL;
    if (err != EMBOLO_OK)
        goto cleanup;
    if (fit->separated)
        err = results_warn(out, "propensity model separated: a covariate predicts the treatment perfectly "
                                "(fitted probabilities reach 0 or 1); no weights and no weighted analyses");
    else if (!fit->converged)
        err = results_warn(out, "propensity model did not converge (collinear covariates?); "
                                "no weights and no weighted analyses");
    else
        err = apply_fit(s, data, d, fit, out);
cleanup:
    if (err != EMBOLO_OK)
        snprintf(message, message_size, "propensity weighting failed: %s", embolo_error_message(err));
    mlogit_result_free(fit);
    ps_design_free(d);
    return err;
}
