/* The keys of results.csv lines (results-csv.md), in one place: the model stage writes lines with
 * them and the render stage reads lines with them, so a key cannot be spelt two ways.
 *
 * Fixed names are constants. Names built from a variable, a level or a landmark come from the
 * constructors below; each writes into a caller's buffer of KEY_SIZE bytes and returns it (a name
 * that would not fit is cut, which no study name can reach: names are at most one 199-character
 * INI line). */
#ifndef EMBOLO_KEYS_H
#define EMBOLO_KEYS_H

#include <stddef.h>

#define KEY_SIZE 512

/* Sections. */
#define KEY_FOLLOWUP "followup"
#define KEY_KM "km"
#define KEY_LOGRANK "logrank"
#define KEY_COX "cox"
#define KEY_ZPH "zph"
#define KEY_PS "ps"
#define KEY_BALANCE "balance"
#define KEY_TABLE1 "table1"
#define KEY_AUDIT "audit"
#define KEY_BENCHMARK "benchmark"
#define KEY_PROCEDURES "procedures"
#define KEY_SAFETY "safety"
#define KEY_AUDIT_SAFETY "audit_safety"
#define KEY_CUSUM "cusum"
#define KEY_FUNNEL "funnel"
#define KEY_VOLUME "volume"
#define KEY_RMST "rmst"
#define KEY_CIF "cif"
#define KEY_GRAY "gray"
#define KEY_LOGRANK_PAIRWISE "logrank_pairwise"
#define KEY_LOGRANK_TREND "logrank_trend"
#define KEY_INTERACTION "interaction"

/* Models. */
#define KEY_REVERSE_KM "reverse_km"
#define KEY_UNWEIGHTED "unweighted"
#define KEY_WEIGHTED "weighted"
#define KEY_MULTIVARIABLE "multivariable"
#define KEY_MULTIVARIABLE_BRESLOW "multivariable_breslow"
#define KEY_WEIGHTED_UNIVARIATE "weighted_univariate"
#define KEY_WEIGHTED_MULTIVARIABLE "weighted_multivariable"
#define KEY_FISHER "fisher"
#define KEY_MONTH "month"
#define KEY_ROLLING_12M "rolling_12m"
#define KEY_CUMULATIVE "cumulative"
#define KEY_MONTHLY "monthly"
#define KEY_STRATIFIED "stratified"
#define KEY_MULTIVARIABLE_STRATIFIED "multivariable_stratified"
#define KEY_MULTIVARIABLE_CLUSTER "multivariable_cluster"
#define KEY_FINEGRAY_MULTIVARIABLE "finegray_multivariable"

/* Model prefixes: "PREFIX:VAR" (key_model_of) or "PREFIX:VAR=LEVEL" (key_model_within). */
#define KEY_FINEGRAY_UNIVARIATE "finegray_univariate"
#define KEY_SUBGROUP "subgroup"
#define KEY_WEIGHTED_SUBGROUP "weighted_subgroup"

/* Table 1's column of every analysed record (the others are the treatment's levels). */
#define KEY_OVERALL "overall"

/* Variables. */
#define KEY_ALL "all"
#define KEY_GLOBAL "GLOBAL"
#define KEY_SESSIONS "sessions"
#define KEY_CROSSOVER "crossover"
#define KEY_CODE "code"
#define KEY_OPERATOR "operator"

/* Stats: counts, Kaplan-Meier and follow-up medians. */
#define KEY_STAT_N "n"
#define KEY_STAT_EVENTS "events"
#define KEY_STAT_MEDIAN "median"
#define KEY_STAT_MEDIAN_LOWER "median_lower"
#define KEY_STAT_MEDIAN_UPPER "median_upper"
#define KEY_STAT_SURV "surv"              /* with key_stat_at: survival at a landmark */
#define KEY_STAT_SURV_LOWER "surv_lower"
#define KEY_STAT_SURV_UPPER "surv_upper"

/* Tests (log-rank, cox.zph, Table 1's chi-square). */
#define KEY_STAT_CHISQ "chisq"
#define KEY_STAT_DF "df"
#define KEY_STAT_P "p"

/* Cox coefficients and models. */
#define KEY_STAT_COEF "coef"
#define KEY_STAT_SE "se"
#define KEY_STAT_NAIVE_SE "naive_se"
#define KEY_STAT_HR "hr"
#define KEY_STAT_HR_LOWER "hr_lower"
#define KEY_STAT_HR_UPPER "hr_upper"
#define KEY_STAT_Z "z"
#define KEY_STAT_LOGLIK_NULL "loglik_null"
#define KEY_STAT_LOGLIK "loglik"
#define KEY_STAT_ROBUST_SCORE_CHISQ "robust_score_chisq"
#define KEY_STAT_WALD_CHISQ "wald_chisq"
#define KEY_STAT_LR_CHISQ "lr_chisq"
#define KEY_STAT_LR_DF "lr_df"
#define KEY_STAT_LR_P "lr_p"
#define KEY_STAT_SCORE_CHISQ "score_chisq"
#define KEY_STAT_CONCORDANCE "concordance"
#define KEY_STAT_CONCORDANCE_SE "concordance_se"
#define KEY_STAT_WALD_GLOBAL_CHISQ "wald_global_chisq"
#define KEY_STAT_WALD_GLOBAL_DF "wald_global_df"
#define KEY_STAT_WALD_GLOBAL_P "wald_global_p"
#define KEY_STAT_REFERENCE_LEVEL "reference_level"  /* the factor's reference in the level column */
#define KEY_STAT_EVALUE "evalue"
#define KEY_STAT_EVALUE_CI "evalue_ci"
#define KEY_STAT_COMPETING "competing"

/* Round 2: pairwise log-rank, RMST, cumulative incidence. */
#define KEY_STAT_P_HOLM "p_holm"
#define KEY_STAT_RMST "rmst"
#define KEY_STAT_LOWER "lower"
#define KEY_STAT_UPPER "upper"
#define KEY_STAT_DIFF "diff"
#define KEY_STAT_DIFF_SE "diff_se"
#define KEY_STAT_DIFF_LOWER "diff_lower"
#define KEY_STAT_DIFF_UPPER "diff_upper"
#define KEY_STAT_DIFF_P "diff_p"
#define KEY_STAT_CIF "cif"                /* with key_stat_at: the cumulative incidence at a landmark */
#define KEY_STAT_CIF_LOWER "cif_lower"
#define KEY_STAT_CIF_UPPER "cif_upper"

/* Table 1. */
#define KEY_STAT_MEAN "mean"
#define KEY_STAT_SD "sd"
#define KEY_STAT_Q1 "q1"
#define KEY_STAT_Q3 "q3"
#define KEY_STAT_MIN "min"
#define KEY_STAT_MAX "max"
#define KEY_STAT_MISSING "missing"
#define KEY_STAT_PCT "pct"                /* a percentage of the non-missing values */
#define KEY_STAT_MISSING_TREATMENT "missing_treatment"
#define KEY_STAT_ANOVA_F "anova_f"
#define KEY_STAT_P_ANOVA "p_anova"
#define KEY_STAT_KRUSKAL_CHISQ "kruskal_chisq"
#define KEY_STAT_P_KRUSKAL "p_kruskal"
#define KEY_STAT_P_CHISQ "p_chisq"

/* Propensity weights and balance. */
#define KEY_STAT_SUM_W "sum_w"
#define KEY_STAT_ESS "ess"
#define KEY_STAT_MAX_W "max_w"
#define KEY_STAT_MAX_ABS_SMD "max_abs_smd"

/* The audit period and the benchmarks. */
#define KEY_STAT_PROCEDURES_PERIOD "procedures_period"
#define KEY_STAT_PROCEDURES_TOTAL "procedures_total"
#define KEY_STAT_EVENTS_PERIOD "events_period"
#define KEY_STAT_EVENTS_TOTAL "events_total"
#define KEY_STAT_BENCHMARK "benchmark"
#define KEY_STAT_FLAG "flag"

/* Procedures (procedures.md; results-csv.md, "Procedures"). Section procedures. */
#define KEY_STAT_RECORDS "records"
#define KEY_STAT_INCLUDED "included"
#define KEY_STAT_EXCLUDED "excluded"
#define KEY_STAT_PATIENTS "patients"
#define KEY_STAT_PATIENTS_WITHOUT "patients_without"
#define KEY_STAT_SESSIONS_MEAN "sessions_mean"
#define KEY_STAT_SESSIONS_MAX "sessions_max"
#define KEY_STAT_REPEAT "repeat"
#define KEY_STAT_REPEAT_PROP "repeat_prop"
#define KEY_STAT_CROSSOVER "crossover"
#define KEY_STAT_CROSSOVER_PROP "crossover_prop"
#define KEY_STAT_START_FROM_INDEX "start_from_index"
#define KEY_STAT_TREATMENT_FROM_INDEX "treatment_from_index"
#define KEY_STAT_INDEX_DATE_MISMATCH "index_date_mismatch"
#define KEY_STAT_INDEX_MODALITY_MISMATCH "index_modality_mismatch"
#define KEY_STAT_AFTER_FOLLOWUP "after_followup"

/* Sections safety and audit_safety: counts, grades (key_stat_at_index(KEY_STAT_GRADE, g)), and the
 * rates, each a prefix with the suffixes below (key_stat_with(KEY_RATE_MAJOR_AE, KEY_STAT_LOWER)). */
#define KEY_STAT_PROCEDURES "procedures"     /* also volume's procedures@YYYYMM */
#define KEY_STAT_GRADE "grade"
#define KEY_STAT_GRADE_UNKNOWN "grade_unknown"
#define KEY_RATE_MAJOR_AE "major_ae"
#define KEY_RATE_MORT30 "mort30"
#define KEY_RATE_MORT30_PATIENT "mort30_patient"
#define KEY_RATE_TECH_SUCCESS "tech_success"
#define KEY_STAT_ACTIVITY "activity"         /* with _n, _mean, _median, _q1, _q3, _min, _max */
#define KEY_STAT_RATE "rate"
#define KEY_STAT_THRESHOLD "threshold"
#define KEY_STAT_ABOVE "above"               /* the rate beyond its threshold: prompts a review */
#define KEY_STAT_BELOW "below"               /* technical success: the rate below its threshold */
#define KEY_STAT_UNKNOWN "unknown"
#define KEY_STAT_ROWS "rows"                 /* Fisher's test: the modalities in its table */
#define KEY_STAT_START "start"               /* an audit window, YYYYMMDD */
#define KEY_STAT_END "end"

/* Section cusum (and its series KEY_SERIES_PATH). */
#define KEY_STAT_P0 "p0"
#define KEY_STAT_P1 "p1"
#define KEY_STAT_H "h"
#define KEY_STAT_W_EVENT "w_event"
#define KEY_STAT_W_NO_EVENT "w_no_event"
#define KEY_STAT_S_FINAL "s_final"
#define KEY_STAT_S_MAX "s_max"
#define KEY_STAT_SIGNALS "signals"
#define KEY_STAT_SIGNAL_T "signal_t"         /* with key_stat_at_index: the k-th signal */
#define KEY_STAT_SIGNAL_DATE "signal_date"
#define KEY_SERIES_PATH "path"

/* Section funnel (its limits also the names of the funnel's series). */
#define KEY_STAT_OPERATORS "operators"
#define KEY_STAT_OPERATOR_MISSING "operator_missing"
#define KEY_STAT_LOWER95 "lower95"
#define KEY_STAT_UPPER95 "upper95"
#define KEY_STAT_LOWER998 "lower998"
#define KEY_STAT_UPPER998 "upper998"
#define KEY_STAT_FLAG95 "flag95"
#define KEY_STAT_FLAG998 "flag998"

/* "univariate:VAR" */
const char *key_univariate(char *buffer, const char *variable);

/* The VAR of a model named "univariate:VAR", NULL for any other model. */
const char *key_univariate_variable(const char *model);

/* "PREFIX:VAR", e.g. key_model_of("finegray_univariate", "grade"). */
const char *key_model_of(char *buffer, const char *prefix, const char *variable);

/* "PREFIX:VAR=LEVEL", e.g. key_model_within("subgroup", "grade", "G3"). */
const char *key_model_within(char *buffer, const char *prefix, const char *variable, const char *level);

/* "STAT@AT", e.g. key_stat_at("surv", "24") (a landmark as the study writes it, %g). */
const char *key_stat_at(char *buffer, const char *stat, const char *at);

/* "STAT@N", e.g. key_stat_at_index("grade", 3), key_stat_at_index("signal_t", 1). */
const char *key_stat_at_index(char *buffer, const char *stat, size_t index);

/* "A>B": a crossover from index modality A to a later session's modality B. */
const char *key_crossover(char *buffer, const char *from, const char *to);

/* "STAT_SUFFIX", e.g. key_stat_with("major_ae", "lower"). */
const char *key_stat_with(char *buffer, const char *stat, const char *suffix);

#endif
