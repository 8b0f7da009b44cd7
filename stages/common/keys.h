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

/* Variables. */
#define KEY_ALL "all"
#define KEY_GLOBAL "GLOBAL"
#define KEY_SESSIONS "sessions"
#define KEY_CROSSOVER "crossover"
#define KEY_CODE "code"
#define KEY_OPERATOR "operator"

/* "univariate:VAR" */
const char *key_univariate(char *buffer, const char *variable);

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
