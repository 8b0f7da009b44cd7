/* The procedures' tables of a paper (procedures.md, sections 3 and 4; what the radioembolization and
 * TACE reporting standards ask for): treatment sessions per patient with repeats and crossovers, and
 * the adverse events and outcomes per procedure by modality with exact intervals and Fisher's test.
 * Also the helpers every procedures table shares. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "common/keys.h"
#include "common/text.h"
#include "format.h"

/* ---- shared by the procedures' tables ---- */

int build_has_procedures(const build_context *b)
{
    return b->in->procedures != NULL && b->s->treatment >= 0;
}

size_t build_modalities(const build_context *b)
{
    return b->s->variables[b->s->treatment].n_levels;
}

const char *build_modality_label(const build_context *b, int modality)
{
    return modality < 0 ? "All" : b->s->variables[b->s->treatment].levels[modality];
}

double build_procedure_value(const build_context *b, const char *section, const char *model, int modality,
                             const char *stat, const char *suffix)
{
    const study_variable *t = &b->s->variables[b->s->treatment];
    char key[KEY_SIZE];
    return build_value(b, section, "", model, modality < 0 ? KEY_ALL : t->name, modality < 0 ? "" : t->levels[modality],
                       suffix ? key_stat_with(key, stat, suffix) : stat);
}

const char *build_grade_label(const build_context *b, int grade)
{
    static const char *const ctcae[PROCEDURE_MAX_GRADE + 1] = {
        "Grade 0 (none)",     "Grade 1 (mild)",   "Grade 2 (moderate)",
        "Grade 3 (severe)",   "Grade 4 (life-threatening)", "Grade 5 (death)"};
    static const char *const sir[PROCEDURE_MAX_GRADE + 1] = {"None",   "Mild",             "Moderate",
                                                             "Severe", "Life-threatening", "Death"};
    if (grade < 0 || grade > PROCEDURE_MAX_GRADE)
        return "Unknown";
    return b->s->procedures.scale == AE_SCALE_SIR ? sir[grade] : ctcae[grade];
}

const char *build_plural(double count, const char *one, const char *many)
{
    return count == 1.0 ? one : many;
}

long build_day_of_number(double yyyymmdd)
{
    if (!isfinite(yyyymmdd) || yyyymmdd < 10101 || yyyymmdd > 99991231)
        return -1;
    long number = (long)yyyymmdd;
    return text_days_from_civil((int)(number / 10000), (int)(number / 100 % 100), (int)(number % 100));
}

table *build_no_procedures(const char *title)
{
    table *t = table_new(title, (const char *const[]){""}, 1);
    if (t)
        table_add_row(t, TABLE_ROW_NOTE, "No procedures file in this run.");
    return t;
}

/* The column of a modality (-1: all) in a table whose first data column is all procedures. */
static size_t modality_column(int modality)
{
    return (size_t)(modality + 2);
}

/* A table with columns "All" and each modality (and a p column). */
static table *modality_table_new(const build_context *b, const char *title, const char *all, int with_p)
{
    size_t n_levels = build_modalities(b), n = 2 + n_levels + (with_p ? 1 : 0);
    const char **headers = calloc(n, sizeof *headers);
    if (!headers)
        return NULL;
    headers[0] = "";
    headers[1] = all;
    for (size_t l = 0; l < n_levels; l++)
        headers[2 + l] = build_modality_label(b, (int)l);
    if (with_p)
        headers[n - 1] = "p (Fisher)";
    table *t = table_new(title, headers, n);
    free(headers);
    if (t)
        table_set_flat_headers(t, "Measure", "Item");
    return t;
}

/* ---- sessions per patient (section procedures) ---- */

static double sessions_value(const build_context *b, int modality, const char *stat)
{
    return build_procedure_value(b, KEY_PROCEDURES, "", modality, stat, NULL);
}

static void sessions_counts(const build_context *b, table *t, const char *label, const char *stat, int with_percent)
{
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, label);
    for (int m = -1; m < (int)build_modalities(b); m++) {
        double count = sessions_value(b, m, stat), patients = sessions_value(b, m, KEY_STAT_PATIENTS);
        if (with_percent)
            build_count_percent(b, row, modality_column(m), count, patients > 0 ? count / patients : NAN);
        else
            build_count(b, row, modality_column(m), count);
    }
}

static void sessions_mean(const build_context *b, table *t)
{
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, "Sessions per patient, mean");
    for (int m = -1; m < (int)build_modalities(b); m++) {
        build_number(row, modality_column(m), sessions_value(b, m, KEY_STAT_SESSIONS_MEAN), 2);
        if (build_hidden(b, sessions_value(b, m, KEY_STAT_PATIENTS)))
            build_suppress_estimates(row, modality_column(m), modality_column(m) + 1);
    }
    row = table_add_row(t, TABLE_ROW_PLAIN, "Sessions per patient, most");
    build_number(row, modality_column(-1), sessions_value(b, -1, KEY_STAT_SESSIONS_MAX), 0);
}

/* Patients by their number of sessions (all patients only). */
static void sessions_distribution(const build_context *b, table *t)
{
    double most = sessions_value(b, -1, KEY_STAT_SESSIONS_MAX), patients = sessions_value(b, -1, KEY_STAT_PATIENTS);
    if (!(most >= 1))
        return;
    table_add_row(t, TABLE_ROW_HEADING, "Patients by number of sessions, n (%)");
    for (size_t k = 1; k <= (size_t)most; k++) {
        char level[32];
        snprintf(level, sizeof level, "%zu", k);
        double count = build_value(b, KEY_PROCEDURES, "", "", KEY_SESSIONS, level, KEY_STAT_PATIENTS);
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "%zu session%s", k, k == 1 ? "" : "s"));
        build_count_percent(b, row, modality_column(-1), count, patients > 0 ? count / patients : NAN);
    }
}

/* Patients per crossover pair "A > B" (all patients only), the pairs that occur. */
static void sessions_crossovers(const build_context *b, table *t)
{
    const study_variable *v = &b->s->variables[b->s->treatment];
    int heading = 0;
    for (size_t from = 0; from < v->n_levels; from++)
        for (size_t to = 0; to < v->n_levels; to++) {
            char level[KEY_SIZE];
            double count = build_value(b, KEY_PROCEDURES, "", "", KEY_CROSSOVER,
                                       key_crossover(level, v->levels[from], v->levels[to]), KEY_STAT_PATIENTS);
            if (from == to || !isfinite(count))
                continue;
            if (!heading++)
                table_add_row(t, TABLE_ROW_HEADING, "Crossovers (first modality > a later one), patients");
            table_row *row = table_add_row(t, TABLE_ROW_LEVEL, table_format(t, "%s > %s", v->levels[from], v->levels[to]));
            build_count(b, row, modality_column(-1), count);
        }
}

/* The records and the index procedures' agreement with the patient file, where there is something to say. */
static void sessions_notes(const build_context *b, table *t)
{
    char read[32], included[32], excluded[32], a[32], c[32];
    format_count(read, sizeof read, b->t, sessions_value(b, -1, KEY_STAT_RECORDS));
    format_count(included, sizeof included, b->t, sessions_value(b, -1, KEY_STAT_INCLUDED));
    format_count(excluded, sizeof excluded, b->t, sessions_value(b, -1, KEY_STAT_EXCLUDED));
    table_add_footnote(t, "Patients grouped by the modality of their first (index) procedure. Repeat: 2 or more "
                          "sessions; crossover: a later session of another modality than the first (a patient counts "
                          "once per pair). Procedure records: %s read, %s included, %s excluded (exclusions.csv).",
                       read, included, excluded);
    double start = sessions_value(b, -1, KEY_STAT_START_FROM_INDEX), treatment = sessions_value(b, -1,
                                                                                              KEY_STAT_TREATMENT_FROM_INDEX);
    if (start > 0 || treatment > 0) {
        format_count(a, sizeof a, b->t, start);
        format_count(c, sizeof c, b->t, treatment);
        table_add_footnote(t, "Taken from the first procedure: the start of %s %s, the treatment of %s.", a,
                           build_plural(start, "patient", "patients"), c);
    }
    double dates = sessions_value(b, -1, KEY_STAT_INDEX_DATE_MISMATCH);
    double modalities = sessions_value(b, -1, KEY_STAT_INDEX_MODALITY_MISMATCH);
    if (dates > 0 || modalities > 0) {
        format_count(a, sizeof a, b->t, dates);
        format_count(c, sizeof c, b->t, modalities);
        table_add_footnote(t, "The patient file's start differs from the first procedure's date for %s %s, its "
                              "treatment from the first modality for %s (W_INDEX_* in exclusions.csv); the patient "
                              "file's values are the ones analysed.", a, build_plural(dates, "patient", "patients"), c);
    }
    double after = sessions_value(b, -1, KEY_STAT_AFTER_FOLLOWUP);
    if (after > 0) {
        format_count(a, sizeof a, b->t, after);
        table_add_footnote(t, "%s %s of living patients %s dated after the end of their follow-up (kept).", a,
                           build_plural(after, "procedure", "procedures"), build_plural(after, "is", "are"));
    }
}

table *build_sessions(const build_context *b)
{
    if (!build_has_procedures(b))
        return build_no_procedures("Treatment sessions per patient");
    table *t = modality_table_new(b, "Treatment sessions per patient, by the modality of the first procedure", "All patients", 0);
    if (!t)
        return NULL;
    if (!isfinite(sessions_value(b, -1, KEY_STAT_PATIENTS))) {
        table_add_row(t, TABLE_ROW_NOTE, "No procedure statistics in this run.");
        return t;
    }
    sessions_counts(b, t, "Patients with a procedure", KEY_STAT_PATIENTS, 0);
    sessions_mean(b, t);
    sessions_counts(b, t, "Repeat treatment (2 or more sessions), n (%)", KEY_STAT_REPEAT, 1);
    sessions_counts(b, t, "Crossover to another modality, n (%)", KEY_STAT_CROSSOVER, 1);
    sessions_distribution(b, t);
    sessions_crossovers(b, t);
    table_row *row = table_add_row(t, TABLE_ROW_PLAIN, "Analysed patients without a procedure");
    build_count(b, row, modality_column(-1), sessions_value(b, -1, KEY_STAT_PATIENTS_WITHOUT));
    sessions_notes(b, t);
    return t;
}

/* ---- adverse events and outcomes by modality (section safety) ---- */

static double safety_value(const build_context *b, int modality, const char *stat, const char *suffix)
{
    return build_procedure_value(b, KEY_SAFETY, "", modality, stat, suffix);
}

static double fisher_p(const build_context *b, const char *prefix)
{
    char key[KEY_SIZE];
    return build_value(b, KEY_SAFETY, "", KEY_FISHER, b->s->variables[b->s->treatment].name, "",
                       key_stat_with(key, prefix, KEY_STAT_P));
}

static int safety_has_p(const build_context *b)
{
    return isfinite(fisher_p(b, KEY_RATE_MAJOR_AE)) || isfinite(fisher_p(b, KEY_RATE_MORT30)) ||
           isfinite(fisher_p(b, KEY_RATE_TECH_SUCCESS));
}

/* Counts of a stat in every column. */
static void safety_counts(const build_context *b, table *t, table_role role, const char *label, const char *stat,
                          const char *suffix)
{
    table_row *row = table_add_row(t, role, label);
    for (int m = -1; m < (int)build_modalities(b); m++)
        build_count(b, row, modality_column(m), safety_value(b, m, stat, suffix));
}

/* Procedures per worst AE grade, n (% of procedures); unknown grades when there are any. */
static void safety_grades(const build_context *b, table *t)
{
    table_add_row(t, TABLE_ROW_HEADING, b->s->procedures.scale == AE_SCALE_SIR
                                            ? "Worst adverse event (SIR 2017), n (%)"
                                            : "Worst adverse event (CTCAE v5.0), n (%)");
    for (int g = 0; g <= PROCEDURE_MAX_GRADE + 1; g++) {
        char stat[KEY_SIZE];
        const char *key = g <= PROCEDURE_MAX_GRADE ? key_stat_at_index(stat, KEY_STAT_GRADE, (size_t)g)
                                                   : KEY_STAT_GRADE_UNKNOWN;
        if (g > PROCEDURE_MAX_GRADE && !(safety_value(b, -1, key, NULL) > 0))
            continue;
        table_row *row = table_add_row(t, TABLE_ROW_LEVEL, build_grade_label(b, g <= PROCEDURE_MAX_GRADE ? g : -1));
        for (int m = -1; m < (int)build_modalities(b); m++) {
            double count = safety_value(b, m, key, NULL), n = safety_value(b, m, KEY_STAT_PROCEDURES, NULL);
            build_count_percent(b, row, modality_column(m), count, n > 0 ? count / n : NAN);
        }
    }
}

/* A rate: its % (exact 95% CI) and Fisher's p on a heading, its events and denominator under it. */
static void safety_rate(const build_context *b, table *t, const char *label, const char *prefix, const char *events,
                        const char *denominator)
{
    table_row *row = table_add_row(t, TABLE_ROW_HEADING, label);
    for (int m = -1; m < (int)build_modalities(b); m++) {
        size_t c = modality_column(m);
        table_set_values(row, c, CELL_PERCENT_CI, b->t->decimals, safety_value(b, m, prefix, KEY_STAT_RATE),
                         safety_value(b, m, prefix, KEY_STAT_LOWER), safety_value(b, m, prefix, KEY_STAT_UPPER));
        if (build_hidden(b, safety_value(b, m, prefix, KEY_STAT_EVENTS)) ||
            build_hidden(b, safety_value(b, m, prefix, KEY_STAT_N)))
            build_suppress_estimates(row, c, c + 1);
    }
    if (isfinite(fisher_p(b, prefix)))
        build_p(b, row, t->n_columns - 1, fisher_p(b, prefix));
    safety_counts(b, t, TABLE_ROW_LEVEL, events, prefix, KEY_STAT_EVENTS);
    safety_counts(b, t, TABLE_ROW_LEVEL, denominator, prefix, KEY_STAT_N);
}

/* The administered activity, in the columns of the modalities that carry it. */
static void safety_activity(const build_context *b, table *t)
{
    static const struct {
        const char *label, *stat;
    } rows[] = {{"Mean", KEY_STAT_MEAN}, {"Minimum", KEY_STAT_MIN}, {"Maximum", KEY_STAT_MAX}};
    safety_counts(b, t, TABLE_ROW_HEADING, "Administered activity (GBq): procedures with a value", KEY_STAT_ACTIVITY,
                  KEY_STAT_N);
    size_t first = t->n_rows;
    table_row *row = table_add_row(t, TABLE_ROW_LEVEL, "Median [IQR]");
    for (int m = -1; m < (int)build_modalities(b); m++)
        if (safety_value(b, m, KEY_STAT_ACTIVITY, KEY_STAT_N) > 0)
            table_set_values(row, modality_column(m), CELL_MEDIAN_IQR, 2,
                             safety_value(b, m, KEY_STAT_ACTIVITY, KEY_STAT_MEDIAN),
                             safety_value(b, m, KEY_STAT_ACTIVITY, KEY_STAT_Q1),
                             safety_value(b, m, KEY_STAT_ACTIVITY, KEY_STAT_Q3));
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        row = table_add_row(t, TABLE_ROW_LEVEL, rows[k].label);
        for (int m = -1; m < (int)build_modalities(b); m++)
            if (safety_value(b, m, KEY_STAT_ACTIVITY, KEY_STAT_N) > 0)
                build_number(row, modality_column(m), safety_value(b, m, KEY_STAT_ACTIVITY, rows[k].stat), 2);
    }
    for (size_t r = first; r < t->n_rows; r++)
        for (int m = -1; m < (int)build_modalities(b); m++)
            if (build_hidden(b, safety_value(b, m, KEY_STAT_ACTIVITY, KEY_STAT_N)))
                build_suppress_estimates(&t->rows[r], modality_column(m), modality_column(m) + 1);
}

static void safety_notes(const build_context *b, table *t)
{
    int sir = b->s->procedures.scale == AE_SCALE_SIR;
    table_add_footnote(t, "Per procedure (sessions of one patient counted as independent, as SIR rates are), each rate "
                          "with its Clopper-Pearson exact 95%% CI. Major AE: %s. Patients: those with a procedure of "
                          "the modality (a patient who crossed over counts under each).",
                       sir ? "SIR severe, life-threatening or death" : "CTCAE grade 3 or worse");
    table_add_footnote(t, "30-day mortality: death within 30 days of a procedure (the day itself included); a "
                          "procedure whose follow-up or data cut-off ends inside the 30 days has an unknown status and "
                          "is left out of the rate. Per patient: died when any of the patient's procedures did.");
    if (safety_has_p(b))
        table_add_footnote(t, "p: Fisher's exact test across the modalities with procedures (modality x event).");
}

table *build_safety(const build_context *b)
{
    if (!build_has_procedures(b))
        return build_no_procedures("Adverse events and outcomes per procedure");
    const procedure_set *p = b->in->procedures;
    table *t = modality_table_new(b, "Adverse events and outcomes per procedure, by modality", "All", safety_has_p(b));
    if (!t)
        return NULL;
    if (!isfinite(safety_value(b, -1, KEY_STAT_PROCEDURES, NULL))) {
        table_add_row(t, TABLE_ROW_NOTE, "No procedure statistics in this run.");
        return t;
    }
    safety_counts(b, t, TABLE_ROW_PLAIN, "Procedures", KEY_STAT_PROCEDURES, NULL);
    safety_counts(b, t, TABLE_ROW_PLAIN, "Patients", KEY_STAT_PATIENTS, NULL);
    if (p->has_grade) {
        safety_grades(b, t);
        safety_rate(b, t, "Major adverse event, % (95% CI)", KEY_RATE_MAJOR_AE, "Procedures with a major AE",
                    "Procedures with a known grade");
    }
    safety_rate(b, t, "30-day mortality per procedure, % (95% CI)", KEY_RATE_MORT30, "Deaths within 30 days",
                "Procedures with a known 30-day status");
    safety_counts(b, t, TABLE_ROW_LEVEL, "30-day status unknown", KEY_RATE_MORT30, KEY_STAT_UNKNOWN);
    safety_rate(b, t, "30-day mortality per patient, % (95% CI)", KEY_RATE_MORT30_PATIENT,
                "Patients who died within 30 days", "Patients with a known 30-day status");
    if (p->has_success)
        safety_rate(b, t, "Technical success, % (95% CI)", KEY_RATE_TECH_SUCCESS, "Successful procedures",
                    "Procedures with a known result");
    if (p->has_activity)
        safety_activity(b, t);
    safety_notes(b, t);
    return t;
}
