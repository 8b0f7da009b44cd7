/* A small hand-made round-2 run for the render tests (test_build_round2.c, test_narrative_round2.c):
 * a study with a competing event, an ordered grade, a centre, rmst_tau and a forest variable, and the
 * results lines of every round-2 analysis of its endpoint; and the same study without those keys.
 * Include after cmocka.h and build_testutil.h. */
#ifndef EMBOLO_ROUND2_FIXTURE_H
#define EMBOLO_ROUND2_FIXTURE_H

#include <math.h>
#include <string.h>

static const char *const round2_study_text =
    "[study]\ntitle = Small round 2\ntime_unit = months\nlandmarks = 12\n"
    "[endpoint.pfs]\nlabel = Progression\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
    "competing_values = 2\n"
    "[variable.age]\nlabel = Age (years)\ntype = numeric\n"
    "[variable.grade]\nlabel = Grade\ntype = categorical\nlevels = G1, G2, G3\nordered = yes\n"
    "[variable.burden]\nlabel = Tumour burden\ntype = categorical\nlevels = <=50, >50\n"
    "[variable.arm]\nlabel = Arm\ntype = categorical\nlevels = A, B\n"
    "[variable.site]\nlabel = Centre\ntype = categorical\nlevels = C1, C2\n"
    "[treatment]\nvariable = arm\nps_covariates = age\n"
    "[analysis]\nsubgroups = grade, burden\nunivariate = grade, age\nmultivariable = grade, age\ncentre = site\n"
    "rmst_tau = 24\nforest = burden\n";

/* The same study without the round-2 keys (nor a competing event). */
static const char *const round2_plain_text =
    "[study]\ntitle = Small\ntime_unit = months\nlandmarks = 12\n"
    "[endpoint.pfs]\nlabel = Progression\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
    "[variable.age]\nlabel = Age (years)\ntype = numeric\n"
    "[variable.burden]\nlabel = Tumour burden\ntype = categorical\nlevels = <=50, >50\n"
    "[analysis]\nsubgroups = burden\nunivariate = age\n";

static inline void round2_add(results *r, const char *section, const char *model, const char *variable, const char *level,
                const char *stat, double value)
{
    assert_int_equal(results_add(r, section, "pfs", model, variable, level, stat, value), EMBOLO_OK);
}

/* stats[k] = values[k] for one line's keys. */
static inline void round2_add_stats(results *r, const char *section, const char *model, const char *variable, const char *level,
                      const char *const *stats, const double *values, size_t n)
{
    for (size_t k = 0; k < n; k++)
        round2_add(r, section, model, variable, level, stats[k], values[k]);
}

static inline void round2_add_hr(results *r, const char *model, const char *variable, const char *level, double hr, double p)
{
    static const char *const stats[] = {"hr", "hr_lower", "hr_upper", "p"};
    const double values[] = {hr, hr / 2, hr * 2, p};
    round2_add_stats(r, "cox", model, variable, level, stats, values, 4);
}

static inline void round2_add_fit(results *r, const char *model, double n, double events, double third, const char *stat)
{
    round2_add(r, "cox", model, "", "", "n", n);
    round2_add(r, "cox", model, "", "", "events", events);
    if (stat)
        round2_add(r, "cox", model, "", "", stat, third);
}

static inline void round2_add_km(results *r)
{
    const char *levels[] = {"G1", "G2", "G3"};
    const double n[] = {20, 16, 4}, events[] = {15, 12, 3};
    round2_add(r, "km", "unweighted", "all", "", "n", 40);
    round2_add(r, "km", "unweighted", "all", "", "events", 30);
    for (size_t l = 0; l < 3; l++) {
        round2_add(r, "km", "unweighted", "grade", levels[l], "n", n[l]);
        round2_add(r, "km", "unweighted", "grade", levels[l], "events", events[l]);
    }
    round2_add(r, "km", "unweighted", "burden", "<=50", "n", 37);
    round2_add(r, "km", "unweighted", "burden", "<=50", "events", 28);
    round2_add(r, "km", "unweighted", "burden", ">50", "n", 3);
    round2_add(r, "km", "unweighted", "burden", ">50", "events", 2);
}

static inline void round2_add_tests(results *r)
{
    static const char *const pair[] = {"chisq", "p", "p_holm"};
    const double g12[] = {1.5, 0.22, 0.22}, g13[] = {9.0, 0.0027, 0.0081}, g23[] = {NAN, NAN, NAN};
    round2_add_stats(r, "logrank_pairwise", "", "grade", "G1 vs G2", pair, g12, 3);
    round2_add_stats(r, "logrank_pairwise", "", "grade", "G1 vs G3", pair, g13, 3);
    round2_add_stats(r, "logrank_pairwise", "", "grade", "G2 vs G3", pair, g23, 3);
    static const char *const test[] = {"chisq", "df", "p"};
    const double trend[] = {7.2, 1, 0.0073}, grade[] = {9.1, 2, 0.011}, stratified[] = {8, 2, 0.018},
                 burden[] = {4, 1, 0.045};
    round2_add_stats(r, "logrank_trend", "", "grade", "", test, trend, 3);
    round2_add_stats(r, "logrank", "", "grade", "", test, grade, 3);
    round2_add_stats(r, "logrank", "stratified", "grade", "", test, stratified, 3);
    round2_add_stats(r, "logrank", "", "burden", "", test, burden, 3);
}

static inline void round2_add_rmst(results *r)
{
    static const char *const value[] = {"rmst", "lower", "upper"};
    static const char *const diff[] = {"diff", "diff_se", "diff_lower", "diff_upper", "diff_p"};
    const double all[] = {15, 13.04, 16.96}, g1[] = {18, 16, 20}, g2[] = {14, 12, 16}, g3[] = {8, 4, 12},
                 small[] = {16, 14, 18}, large[] = {9, 5, 13};
    const double d2[] = {-4, 1.4, -6.8, -1.2, 0.005}, d3[] = {-10, 2.3, -14.5, -5.5, 1e-5}, dl[] = {-7, 2.5, -12, -2, 0.006};
    round2_add_stats(r, "rmst", "unweighted", "all", "", value, all, 3);
    round2_add_stats(r, "rmst", "unweighted", "grade", "G1", value, g1, 3);
    round2_add_stats(r, "rmst", "unweighted", "grade", "G2", value, g2, 3);
    round2_add_stats(r, "rmst", "unweighted", "grade", "G3", value, g3, 3);
    round2_add_stats(r, "rmst", "unweighted", "grade", "G2", diff, d2, 5);
    round2_add_stats(r, "rmst", "unweighted", "grade", "G3", diff, d3, 5);
    round2_add_stats(r, "rmst", "unweighted", "burden", "<=50", value, small, 3);
    round2_add_stats(r, "rmst", "unweighted", "burden", ">50", value, large, 3);
    round2_add_stats(r, "rmst", "unweighted", "burden", ">50", diff, dl, 5);
}

static inline void round2_add_cif(results *r)
{
    static const char *const stats[] = {"n", "events", "competing", "cif@12", "cif_lower@12", "cif_upper@12"};
    const double all[] = {40, 20, 10, 0.3, 0.2, 0.45}, g1[] = {20, 8, 6, 0.25, 0.125, 0.5},
                 g2[] = {16, 9, 3, 0.375, 0.2, 0.7}, g3[] = {4, 3, 1, 0.75, 0.45, 1}, a[] = {22, 11, 6, 0.28, 0.15, 0.5},
                 b[] = {18, 9, 4, 0.33, 0.18, 0.6};
    round2_add_stats(r, "cif", "unweighted", "all", "", stats, all, 6);
    round2_add_stats(r, "cif", "unweighted", "grade", "G1", stats, g1, 6);
    round2_add_stats(r, "cif", "unweighted", "grade", "G2", stats, g2, 6);
    round2_add_stats(r, "cif", "unweighted", "grade", "G3", stats, g3, 6);
    round2_add_stats(r, "cif", "weighted", "arm", "A", stats, a, 6);
    round2_add_stats(r, "cif", "weighted", "arm", "B", stats, b, 6);
    round2_add(r, "gray", "", "grade", "", "p", 0.04);
}

/* Cause-specific and Fine-Gray models, the models by centre, E-values of the multivariable one. */
static inline void round2_add_models(results *r)
{
    static const char *const models[] = {"multivariable", "multivariable_stratified", "multivariable_cluster",
                                         "finegray_multivariable"};
    for (size_t m = 0; m < 4; m++) {
        round2_add_hr(r, models[m], "grade", "G2", 1.5 + 0.25 * (double)m, 0.2);
        round2_add_hr(r, models[m], "grade", "G3", m == 1 ? NAN : 4.0, m == 1 ? NAN : 0.002);
        round2_add(r, "cox", models[m], "grade", "", "wald_global_p", 0.004);
        round2_add_hr(r, models[m], "age", "", 1.02, 0.3);
    }
    round2_add_fit(r, "multivariable", 40, 30, 0.7, "concordance");
    round2_add(r, "cox", "multivariable", "", "", "concordance_se", 0.035);
    round2_add_fit(r, "multivariable_stratified", 38, 28, 0.72, "concordance");
    round2_add(r, "cox", "multivariable_stratified", "", "", "concordance_se", 0.036);
    round2_add_fit(r, "multivariable_cluster", 38, 28, NAN, NULL);
    round2_add_fit(r, "finegray_multivariable", 40, 20, 10, "competing");
    round2_add(r, "cox", "multivariable", "grade", "G2", "evalue", 2.37);
    round2_add(r, "cox", "multivariable", "grade", "G2", "evalue_ci", 1);
    round2_add(r, "cox", "multivariable", "grade", "G3", "evalue", 7.46);
    round2_add(r, "cox", "multivariable", "grade", "G3", "evalue_ci", 2.86);
    round2_add(r, "cox", "multivariable", "age", "", "evalue", 1.1);
    round2_add(r, "cox", "multivariable", "age", "", "evalue_ci", 1);
    round2_add_fit(r, "univariate:grade", 40, 30, 0.6, "concordance");
    round2_add_hr(r, "univariate:grade", "grade", "G2", 1.4, 0.25);
    round2_add_hr(r, "univariate:grade", "grade", "G3", 3.0, 0.01);
    round2_add_fit(r, "finegray_univariate:grade", 40, 20, 10, "competing");
    round2_add_hr(r, "finegray_univariate:grade", "grade", "G2", 1.2, 0.6);
    round2_add_hr(r, "finegray_univariate:grade", "grade", "G3", 2.0, 0.05);
}

static inline void round2_add_effects(results *r)
{
    round2_add_fit(r, "univariate:arm", 40, 30, 0.55, "concordance");
    round2_add_hr(r, "univariate:arm", "arm", "B", 1.5, 0.2);
    round2_add_fit(r, "weighted_univariate", 40, 30, NAN, NULL);
    round2_add_hr(r, "weighted_univariate", "arm", "B", 1.4, 0.3);
    round2_add_fit(r, "subgroup:burden=<=50", 37, 28, 0.6, "concordance");
    round2_add_hr(r, "subgroup:burden=<=50", "arm", "B", 1.6, 0.15);
    round2_add_fit(r, "weighted_subgroup:burden=<=50", 37, 28, NAN, NULL);
    round2_add_hr(r, "weighted_subgroup:burden=<=50", "arm", "B", 1.5, 0.0004);
    round2_add_fit(r, "subgroup:burden=>50", 3, 2, NAN, NULL);  /* no model: too few */
    round2_add(r, "interaction", "", "burden", "", "lr_p", 0.5);
}

static inline void round2_fixture_make(build_fixture *f, const char *text)
{
    char message[256];
    memset(f, 0, sizeof *f);
    assert_int_equal(study_parse(text, strlen(text), "small.ini", &f->s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(f->s, 40, &f->d), EMBOLO_OK);
    f->d->rows_read = f->d->n = 40;
    for (size_t i = 0; i < 40; i++) {
        f->d->record[i] = i + 1;
        f->d->time[0][i] = (double)i;
        f->d->event[0][i] = i < 30;
        for (size_t v = 0; v < f->s->n_variables; v++)
            dataset_set_value(f->d, v, i, v == 0 ? 60.0 : (double)(i % 2));
    }
    assert_non_null(f->log = exclusion_log_new());
    assert_non_null(f->r = results_new());
    assert_int_equal(template_default(&f->t), EMBOLO_OK);
    f->in = (render_input){.version = "9.9", .study = f->s, .data = f->d, .log = f->log, .results = f->r,
                           .template = f->t, .input_path = "x.csv", .input_sha256 = "0", .study_sha256 = "0"};
    build_context_init(&f->b, &f->in);
}

/* Every round-2 line of the fixture's endpoint (and the Kaplan-Meier counts they need). */
static inline void round2_results_add(results *r)
{
    round2_add_km(r);
    round2_add_tests(r);
    round2_add_rmst(r);
    round2_add_cif(r);
    round2_add_models(r);
    round2_add_effects(r);
}

#endif
