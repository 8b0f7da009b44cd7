/* `embolo simulate`: the synthetic NET cohort generator (model in simulate.h). */
#include "simulate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/text.h"

#define DAYS_PER_YEAR 365.25
#define DAYS_PER_MONTH (365.25 / 12.0)
/* Event and loss times beyond this many days are past any follow-up (keeps day numbers in range). */
#define DAYS_CAP 1e7

enum { SITE_PANCREAS, SITE_GUT, SITE_LUNG, SITE_OTHER, N_SITES };
enum { GRADE_1, GRADE_2, GRADE_3, N_GRADES };
enum { MODALITY_TACE, MODALITY_TARE, MODALITY_TAE, N_MODALITIES };
enum { N_CENTERS = 5, N_SEXES = 2, N_CELLS = N_SITES * N_GRADES, URN_MAX_CELLS = N_CELLS };

static const char header[] = "patient_id,center,age,sex,primary_site,grade,ki67_pct,tumor_burden_pct,"
                             "extrahepatic_disease,hormonal_syndrome,prior_liver_surgery,modality,"
                             "treatment_date,hepatic_progression_date,death_date,last_followup_date,notes\n";
static const char *const site_names[N_SITES] = {"pancreas", "gut", "lung", "other"};
static const char *const grade_names[N_GRADES] = {"G1", "G2", "G3"};
static const char *const modality_names[N_MODALITIES] = {"TACE", "TARE", "TAE"};
static const char *const sex_names[N_SEXES] = {"F", "M"};
static const char *const yes_no[2] = {"no", "yes"};

/* The published cohort of 155: primary site x grade (margins 71/68/8/8 and 75/60/20), modality,
 * sex (57% male), and the centres of the sample. */
static const double site_grade_counts[N_CELLS] = {35, 24, 12, 34, 29, 5, 3, 4, 1, 3, 3, 2};
static const double modality_counts[N_MODALITIES] = {50, 64, 41};
static const double sex_counts[N_SEXES] = {43, 57};
static const double center_counts[N_CENTERS] = {59, 37, 23, 17, 19};

static const double median_os_months[N_GRADES] = {125.1, 33.9, 9.3};
static const double median_hpfs_months[N_GRADES] = {18.5, 12.2, 4.9};
static const double extrahepatic_share[N_GRADES] = {0.38, 0.45, 0.60};
static const double ki67_range[N_GRADES][2] = {{0.5, 2.9}, {3.0, 20.0}, {20.1, 60.0}};
#define HORMONAL_SHARE 0.48
#define PRIOR_SURGERY_SHARE 0.19
#define AGE_MEAN 60.0
#define AGE_SD 12.0
#define AGE_MIN 24.0
#define AGE_MAX 96.0
#define BURDEN_BETA_A 1.5
#define BURDEN_BETA_B 3.1
#define BURDEN_CUT 50
#define NOTE_REVIEWED_SHARE 0.09
#define NOTE_STABLE_SHARE 0.045

#define PROCEDURE_GRADES 5      /* grades 0-4 are drawn by their shares; 5 (death) apart */
#define DEATH_GRADE 5
#define DEATH_AE_SHARE 0.6
#define RAISED_ODDS_OPERATOR 5
#define RAISED_ODDS 3.0
#define CROSSOVER_SHARE 0.05
#define SESSION_GAP_MIN_DAYS 28
#define SESSION_GAP_SPREAD_DAYS 155
#define ACTIVITY_MEDIAN_GBQ 1.7
#define ACTIVITY_LOG_SD 0.35

#define DEATH_SHAPE 0.9
#define DEATH_HR_BURDEN 1.8
#define DEATH_HR_TARE 2.0
#define DEATH_HR_EXTRAHEPATIC 1.3
#define PROGRESSION_SHAPE 1.2
#define PROGRESSION_HR_BURDEN 1.7
#define PROGRESSION_HR_EXTRAHEPATIC 1.25
#define LOSS_RATE_PER_YEAR 0.03

/* Log-odds of a modality against TACE, before the calibrated intercept: TARE for large burden, higher
 * grade and lung primaries, TAE seldom for G3. */
static double modality_effect(int modality, int site, int grade, int high_burden)
{
    switch (modality) {
    case MODALITY_TARE:
        return 0.9 * high_burden + 0.3 * (grade == GRADE_2) + 0.5 * (grade == GRADE_3) + 0.7 * (site == SITE_LUNG) -
               0.5 * (site == SITE_OTHER);
    case MODALITY_TAE:
        return 0.2 * high_burden - 1.3 * (grade == GRADE_3) + 0.3 * (site == SITE_GUT) -
               0.2 * (site == SITE_PANCREAS);
    default:
        return 0.0;
    }
}

static double death_hazard_ratio(int high_burden, int modality, int extrahepatic)
{
    return (high_burden ? DEATH_HR_BURDEN : 1.0) * (modality == MODALITY_TARE ? DEATH_HR_TARE : 1.0) *
           (extrahepatic ? DEATH_HR_EXTRAHEPATIC : 1.0);
}

static double progression_hazard_ratio(int high_burden, int extrahepatic)
{
    return (high_burden ? PROGRESSION_HR_BURDEN : 1.0) * (extrahepatic ? PROGRESSION_HR_EXTRAHEPATIC : 1.0);
}

/* ---- Calibration ---- */

typedef struct sim_model {
    double p_high_burden;
    double modality_intercept[N_MODALITIES];          /* multinomial logit, TACE 0 */
    double death_scale[N_GRADES];                     /* Weibull scale in days at hazard ratio 1 */
    double progression_scale[N_GRADES];
    long first_day, span_days, admin_end;             /* treatment dates, administrative censoring */
} sim_model;

static double site_grade_share(int site, int grade)
{
    double total = 0.0;
    for (int c = 0; c < N_CELLS; c++)
        total += site_grade_counts[c];
    return site_grade_counts[site * N_GRADES + grade] / total;
}

static double grade_share(int grade)
{
    double share = 0.0;
    for (int s = 0; s < N_SITES; s++)
        share += site_grade_share(s, grade);
    return share;
}

static double modality_share(int modality)
{
    return modality_counts[modality] / (modality_counts[0] + modality_counts[1] + modality_counts[2]);
}

static void modality_probabilities(const sim_model *m, int site, int grade, int high_burden, double p[N_MODALITIES])
{
    double sum = 0.0;
    for (int k = 0; k < N_MODALITIES; k++)
        sum += p[k] = exp(m->modality_intercept[k] + modality_effect(k, site, grade, high_burden));
    for (int k = 0; k < N_MODALITIES; k++)
        p[k] /= sum;
}

/* Intercepts that give the target modality shares over the covariate distribution (iterative
 * proportional fitting of one margin). Returns 0 if it does not converge. */
static int calibrate_modality(sim_model *m)
{
    for (int iteration = 0; iteration < 10000; iteration++) {
        double q[N_MODALITIES] = {0.0, 0.0, 0.0}, p[N_MODALITIES], worst = 0.0;
        for (int s = 0; s < N_SITES; s++)
            for (int g = 0; g < N_GRADES; g++)
                for (int b = 0; b < 2; b++) {
                    double w = site_grade_share(s, g) * (b ? m->p_high_burden : 1.0 - m->p_high_burden);
                    modality_probabilities(m, s, g, b, p);
                    for (int k = 0; k < N_MODALITIES; k++)
                        q[k] += w * p[k];
                }
        for (int k = 0; k < N_MODALITIES; k++) {
            double step = log(modality_share(k) / q[k]);
            worst = fmax(worst, fabs(step));
            m->modality_intercept[k] += step;
        }
        for (int k = N_MODALITIES - 1; k >= 0; k--)
            m->modality_intercept[k] -= m->modality_intercept[0];
        if (worst < 1e-13)
            return 1;
    }
    return 0;
}

/* Survival of a grade at cumulative baseline hazards u_death and u_progression, averaged over the
 * grade's primary sites, burden classes, modalities and extrahepatic disease. */
static double grade_survival(const sim_model *m, int grade, double u_death, double u_progression)
{
    double survival = 0.0, p[N_MODALITIES];
    for (int s = 0; s < N_SITES; s++)
        for (int b = 0; b < 2; b++) {
            double w_sb = site_grade_share(s, grade) / grade_share(grade) *
                          (b ? m->p_high_burden : 1.0 - m->p_high_burden);
            modality_probabilities(m, s, grade, b, p);
            for (int k = 0; k < N_MODALITIES; k++)
                for (int e = 0; e < 2; e++) {
                    double w = w_sb * p[k] * (e ? extrahepatic_share[grade] : 1.0 - extrahepatic_share[grade]);
                    survival += w * exp(-u_death * death_hazard_ratio(b, k, e) -
                                        u_progression * progression_hazard_ratio(b, e));
                }
        }
    return survival;
}

/* Survival of a grade at the baseline cumulative hazard u of death (u_death < 0) or, with that of
 * death fixed at u_death, of progression. */
static double survival_at(const sim_model *m, int grade, double u_death, double u)
{
    return u_death < 0.0 ? grade_survival(m, grade, u, 0.0) : grade_survival(m, grade, u_death, u);
}

/* The baseline cumulative hazard at which the grade's survival is one half: of death (u_death < 0)
 * or, given u_death, of progression (bisection). Returns a negative number when there is none. */
static double solve_median_hazard(const sim_model *m, int grade, double u_death)
{
    double lo = 0.0, hi = 1.0;
    if (survival_at(m, grade, u_death, 0.0) <= 0.5)
        return -1.0;
    for (int i = 0; survival_at(m, grade, u_death, hi) > 0.5; i++) {
        if (i == 100)
            return -1.0;
        hi *= 2.0;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (survival_at(m, grade, u_death, mid) > 0.5)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static int model_init(sim_model *m)
{
    memset(m, 0, sizeof *m);
    /* A whole-percent burden above the cut: 100 x beta >= cut + 0.5. */
    m->p_high_burden = gsl_cdf_beta_Q((BURDEN_CUT + 0.5) / 100.0, BURDEN_BETA_A, BURDEN_BETA_B);
    m->first_day = text_days_from_civil(2000, 1, 1);
    m->span_days = text_days_from_civil(2015, 12, 31) - m->first_day;
    m->admin_end = text_days_from_civil(2016, 6, 30);
    if (!calibrate_modality(m))
        return 0;
    for (int g = 0; g < N_GRADES; g++) {
        double os_days = median_os_months[g] * DAYS_PER_MONTH, hpfs_days = median_hpfs_months[g] * DAYS_PER_MONTH;
        double u_os = solve_median_hazard(m, g, -1.0);
        if (u_os <= 0.0)
            return 0;
        m->death_scale[g] = os_days / pow(u_os, 1.0 / DEATH_SHAPE);
        /* Baseline cumulative hazard of death at the HPFS median; then progression's. */
        double u_death = pow(hpfs_days / m->death_scale[g], DEATH_SHAPE);
        double u_progression = solve_median_hazard(m, g, u_death);
        if (u_progression <= 0.0)
            return 0;
        m->progression_scale[g] = hpfs_days / pow(u_progression, 1.0 / PROGRESSION_SHAPE);
    }
    return 1;
}

/* ---- Urns: categories drawn without replacement from the target counts scaled to n ---- */

typedef struct urn {
    unsigned long remaining[URN_MAX_CELLS];
    unsigned long total;
} urn;

/* Fills the urn with n balls split in proportion to weights (largest remainders, ties to the first). */
static void urn_fill(urn *u, const double *weights, int n_cells, unsigned long n)
{
    double sum = 0.0, fraction[URN_MAX_CELLS];
    unsigned long given = 0;
    for (int c = 0; c < n_cells; c++)
        sum += weights[c];
    for (int c = 0; c < n_cells; c++) {
        double quota = (double)n * weights[c] / sum;
        u->remaining[c] = (unsigned long)floor(quota);
        fraction[c] = quota - floor(quota);
        given += u->remaining[c];
    }
    while (given < n) {
        int best = 0;
        for (int c = 1; c < n_cells; c++)
            if (fraction[c] > fraction[best])
                best = c;
        u->remaining[best]++;
        fraction[best] = -1.0;
        given++;
    }
    u->total = n;
}

static int urn_draw(urn *u, const gsl_rng *rng)
{
    unsigned long ball = gsl_rng_uniform_int(rng, u->total);
    int c = 0;
    while (ball >= u->remaining[c])
        ball -= u->remaining[c++];
    u->remaining[c]--;
    u->total--;
    return c;
}

/* Draws a modality from its urn with the odds of the calibrated logit: each modality's balls weigh
 * exp(logit) / target share, so that while the urn holds the target shares this is the logit, and the
 * counts come out exactly. */
static int modality_draw(const sim_model *m, urn *u, const gsl_rng *rng, int site, int grade, int high_burden)
{
    double weight[N_MODALITIES], total = 0.0, p[N_MODALITIES];
    int last = 0;
    modality_probabilities(m, site, grade, high_burden, p);
    for (int k = 0; k < N_MODALITIES; k++) {
        weight[k] = (double)u->remaining[k] * p[k] / modality_share(k);
        total += weight[k];
        if (u->remaining[k] > 0)
            last = k;
    }
    double x = gsl_rng_uniform(rng) * total;
    int k = 0;
    while (k < last && (u->remaining[k] == 0 || x >= weight[k]))
        x -= weight[k++];
    u->remaining[k]--;
    u->total--;
    return k;
}

/* ---- Rows ---- */

typedef struct patient {
    int center, sex, age, site, grade, burden, extrahepatic, hormonal, prior_surgery, modality, note;
    double ki67;
    long treatment_day, progression_day, death_day, followup_day; /* progression, death: -1 none */
} patient;

typedef struct urns {
    urn center, site_grade, sex, modality;
} urns;

/* A continuous time in days as a whole number of days after the start. */
static long whole_days(double days)
{
    return (long)floor(fmin(days, DAYS_CAP));
}

static void patient_draw(const sim_model *m, urns *u, const gsl_rng *rng, patient *p)
{
    int cell = urn_draw(&u->site_grade, rng);
    p->center = urn_draw(&u->center, rng);
    p->site = cell / N_GRADES;
    p->grade = cell % N_GRADES;
    p->sex = urn_draw(&u->sex, rng);
    double age;
    do
        age = AGE_MEAN + gsl_ran_gaussian(rng, AGE_SD);
    while (age < AGE_MIN || age > AGE_MAX);
    p->age = (int)lround(age);
    p->ki67 = round(10.0 * gsl_ran_flat(rng, ki67_range[p->grade][0], ki67_range[p->grade][1])) / 10.0;
    p->burden = (int)lround(100.0 * gsl_ran_beta(rng, BURDEN_BETA_A, BURDEN_BETA_B));
    p->burden = p->burden < 1 ? 1 : p->burden > 99 ? 99 : p->burden;
    int high_burden = p->burden > BURDEN_CUT;
    p->extrahepatic = (int)gsl_ran_bernoulli(rng, extrahepatic_share[p->grade]);
    p->hormonal = (int)gsl_ran_bernoulli(rng, HORMONAL_SHARE);
    p->prior_surgery = (int)gsl_ran_bernoulli(rng, PRIOR_SURGERY_SHARE);
    p->modality = modality_draw(m, &u->modality, rng, p->site, p->grade, high_burden);
    p->treatment_day = m->first_day + (long)gsl_rng_uniform_int(rng, (unsigned long)m->span_days + 1);

    /* Weibull times: a hazard ratio h scales the Weibull scale by h^(-1/shape). */
    double hr_death = death_hazard_ratio(high_burden, p->modality, p->extrahepatic);
    double hr_progression = progression_hazard_ratio(high_burden, p->extrahepatic);
    long death = whole_days(
        gsl_ran_weibull(rng, m->death_scale[p->grade] * pow(hr_death, -1.0 / DEATH_SHAPE), DEATH_SHAPE));
    long progression = whole_days(gsl_ran_weibull(
        rng, m->progression_scale[p->grade] * pow(hr_progression, -1.0 / PROGRESSION_SHAPE), PROGRESSION_SHAPE));
    long loss = whole_days(gsl_ran_exponential(rng, DAYS_PER_YEAR / LOSS_RATE_PER_YEAR));
    long censor = m->admin_end - p->treatment_day;
    if (loss < censor)
        censor = loss;
    int died = death <= censor;
    p->death_day = died ? p->treatment_day + death : -1;
    p->progression_day = progression <= censor && progression < death ? p->treatment_day + progression : -1;
    p->followup_day = p->treatment_day + (died ? death : censor);

    double note = gsl_rng_uniform(rng);
    p->note = note < NOTE_REVIEWED_SHARE ? 1 : note < NOTE_REVIEWED_SHARE + NOTE_STABLE_SHARE ? 2 : 0;
}

/* ki67 with one decimal, a trailing ".0" dropped (as the sample writes 15 and 1.2). */
static void format_ki67(double value, char out[16])
{
    int length = snprintf(out, 16, "%.1f", value);
    if (length >= 2 && length < 16 && out[length - 1] == '0' && out[length - 2] == '.')
        out[length - 2] = '\0';
}

static void format_optional_date(long day, char out[11])
{
    if (day < 0)
        out[0] = '\0';
    else
        text_format_date(day, out);
}

/* Returns 0 when the write fails. */
static int patient_write(FILE *out, unsigned long number, const patient *p)
{
    static const char *const notes[3] = {"", "\"reviewed, see chart\"", "\"said \"\"stable\"\"; repeat CT\""};
    char ki67[16], treatment[11], progression[11], death[11], followup[11];
    format_ki67(p->ki67, ki67);
    text_format_date(p->treatment_day, treatment);
    format_optional_date(p->progression_day, progression);
    format_optional_date(p->death_day, death);
    text_format_date(p->followup_day, followup);
    return fprintf(out, "NET-%05lu,C%d,%d,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", number, p->center + 1,
                   p->age, sex_names[p->sex], site_names[p->site], grade_names[p->grade], ki67, p->burden,
                   yes_no[p->extrahepatic], yes_no[p->hormonal], yes_no[p->prior_surgery],
                   modality_names[p->modality], treatment, progression, death, followup, notes[p->note]) >= 0;
}

/* ---- Procedures (--procedures-out): one row per session, consistent with the patient ---- */

static const char procedures_header[] =
    "patient_id,procedure_date,modality,ae_grade,ae_term,technical_success,activity_gbq,operator\n";
/* Patients with repeat sessions by modality, and the worst-AE grades 0-4 per session. */
static const double repeat_share[N_MODALITIES] = {0.60, 0.24, 0.39};
static const double grade_shares[N_MODALITIES][PROCEDURE_GRADES] = {
    {0.53, 0.21, 0.16, 0.08, 0.02}, {0.57, 0.30, 0.10, 0.025, 0.005}, {0.52, 0.32, 0.12, 0.03, 0.01}};
static const double success_share[N_MODALITIES] = {0.965, 0.985, 0.975};
/* Operators IR-01 .. IR-08, nested in the centres; IR-06 with raised odds of a major AE. */
static const int center_operators[N_CENTERS][2] = {{0, 1}, {2, 3}, {4, 4}, {5, 6}, {7, 7}};
static const char *const minor_terms[] = {"Post-embolization syndrome", "Abdominal pain", "Nausea", "Fever",
                                          "Fatigue"};
static const char *const major_terms[] = {"Cholecystitis", "Liver abscess", "Hepatic failure",
                                          "Gastrointestinal ulcer"};

/* A session's worst AE: death (grade 5) only for a patient who dies within 30 days of it. */
static int grade_draw(const gsl_rng *rng, int modality, int op, int dies_within_30_days)
{
    double shares[PROCEDURE_GRADES], total = 0.0;
    if (dies_within_30_days && gsl_rng_uniform(rng) < DEATH_AE_SHARE)
        return DEATH_GRADE;
    for (int g = 0; g < PROCEDURE_GRADES; g++) {
        shares[g] = grade_shares[modality][g] * (op == RAISED_ODDS_OPERATOR && g >= 3 ? RAISED_ODDS : 1.0);
        total += shares[g];
    }
    double x = gsl_rng_uniform(rng) * total;
    int g = 0;
    while (g + 1 < PROCEDURE_GRADES && x >= shares[g])
        x -= shares[g++];
    return g;
}

/* Sessions after the first: none, or one to three for a repeat patient. */
static int extra_sessions(const gsl_rng *rng, int modality)
{
    if (gsl_rng_uniform(rng) >= repeat_share[modality])
        return 0;
    double u = gsl_rng_uniform(rng);
    return u < 0.08 ? 3 : u < 0.25 ? 2 : 1;
}

typedef struct session {
    long day;
    int modality, op, grade, success;
    double activity;
} session;

static void session_draw(const gsl_rng *rng, const patient *p, session *s)
{
    s->op = center_operators[p->center][gsl_rng_uniform_int(rng, 2)];
    s->grade = grade_draw(rng, s->modality, s->op, p->death_day >= 0 && p->death_day - s->day <= 30);
    s->success = gsl_rng_uniform(rng) < success_share[s->modality];
    s->activity = s->modality == MODALITY_TARE
                      ? fmax(0.3, round(100.0 * ACTIVITY_MEDIAN_GBQ * exp(ACTIVITY_LOG_SD * gsl_ran_gaussian(rng, 1.0))) / 100.0)
                      : NAN;
}

static int session_write(FILE *out, const gsl_rng *rng, unsigned long number, const session *s)
{
    char date[11], activity[32] = "";
    const char *term = s->grade == 0 ? ""
                       : s->grade == DEATH_GRADE ? "Hepatic failure"
                       : s->grade >= 3 ? major_terms[gsl_rng_uniform_int(rng, 4)]
                                       : minor_terms[gsl_rng_uniform_int(rng, 5)];
    text_format_date(s->day, date);
    if (!isnan(s->activity))
        snprintf(activity, sizeof activity, "%.2f", s->activity);
    return fprintf(out, "NET-%05lu,%s,%s,%d,%s,%s,%s,IR-%02d\n", number, date, modality_names[s->modality], s->grade,
                   term, s->success ? "yes" : "no", activity, s->op + 1) >= 0;
}

/* The patient's sessions: the first on its treatment date with its modality, later ones 4 to 26
 * weeks apart while it is alive and followed, now and then with another modality. */
static int procedures_write(FILE *out, const gsl_rng *rng, unsigned long number, const patient *p)
{
    long end = p->death_day >= 0 ? p->death_day - 1 : p->followup_day;
    int extra = extra_sessions(rng, p->modality);
    session s = {.day = p->treatment_day, .modality = p->modality};
    for (int k = 0; k <= extra; k++) {
        if (k > 0) {
            s.day += SESSION_GAP_MIN_DAYS + (long)gsl_rng_uniform_int(rng, SESSION_GAP_SPREAD_DAYS);
            if (s.day > end)
                return 1;
            if (gsl_rng_uniform(rng) < CROSSOVER_SHARE)
                s.modality = (s.modality + 1 + (int)gsl_rng_uniform_int(rng, N_MODALITIES - 1)) % N_MODALITIES;
        }
        session_draw(rng, p, &s);
        if (!session_write(out, rng, number, &s))
            return 0;
    }
    return 1;
}

/* The procedures' own generator, so that the cohort is the same with or without them. */
static unsigned long procedures_seed(unsigned long seed)
{
    unsigned long mixed = (seed * 2654435761UL + 97531UL) & 0xffffffffUL;
    return mixed ? mixed : 1;
}

embolo_error simulate_write(FILE *out, const char *out_name, unsigned long n, unsigned long seed, char *message,
                            size_t message_size)
{
    return simulate_write_with_procedures(out, out_name, NULL, NULL, n, seed, message, message_size);
}

static embolo_error rngs_new(unsigned long seed, int with_procedures, gsl_rng **rng, gsl_rng **procedures_rng)
{
    *rng = gsl_rng_alloc(gsl_rng_mt19937);
    *procedures_rng = with_procedures ? gsl_rng_alloc(gsl_rng_mt19937) : NULL;
    if (!*rng || (with_procedures && !*procedures_rng))
        return EMBOLO_ERROR_NOMEM;
    gsl_rng_set(*rng, seed);
    if (*procedures_rng)
        gsl_rng_set(*procedures_rng, procedures_seed(seed));
    return EMBOLO_OK;
}

embolo_error simulate_write_with_procedures(FILE *out, const char *out_name, FILE *procedures,
                                            const char *procedures_name, unsigned long n, unsigned long seed,
                                            char *message, size_t message_size)
{
    embolo_error err = EMBOLO_OK;
    gsl_error_handler_t *handler = gsl_set_error_handler_off();
    gsl_rng *rng = NULL, *procedures_rng = NULL;
    const char *failed = out_name;
    sim_model model;
    urns u;
    if (n < 1 || n > SIMULATE_MAX_N || seed < 1 || seed > SIMULATE_MAX_SEED) {
        snprintf(message, message_size, "simulate: n must be 1 to %lu and seed 1 to %lu", SIMULATE_MAX_N,
                 SIMULATE_MAX_SEED);
        err = EMBOLO_ERROR_USAGE;
        goto cleanup;
    }
    if (!model_init(&model)) {
        snprintf(message, message_size, "simulate: the model calibration did not converge");
        err = EMBOLO_ERROR_NUMERIC;
        goto cleanup;
    }
    if (rngs_new(seed, procedures != NULL, &rng, &procedures_rng) != EMBOLO_OK) {
        snprintf(message, message_size, "simulate: cannot allocate the random number generator");
        err = EMBOLO_ERROR_NOMEM;
        goto cleanup;
    }
    urn_fill(&u.center, center_counts, N_CENTERS, n);
    urn_fill(&u.site_grade, site_grade_counts, N_CELLS, n);
    urn_fill(&u.sex, sex_counts, N_SEXES, n);
    urn_fill(&u.modality, modality_counts, N_MODALITIES, n);
    if (fputs(header, out) < 0)
        goto write_failed;
    if (procedures && fputs(procedures_header, procedures) < 0)
        goto procedures_failed;
    for (unsigned long i = 1; i <= n; i++) {
        patient p;
        patient_draw(&model, &u, rng, &p);
        if (!patient_write(out, i, &p))
            goto write_failed;
        if (procedures && !procedures_write(procedures, procedures_rng, i, &p))
            goto procedures_failed;
    }
    if (fflush(out) != 0 || ferror(out))
        goto write_failed;
    if (procedures && (fflush(procedures) != 0 || ferror(procedures)))
        goto procedures_failed;
    goto cleanup;
procedures_failed:
    failed = procedures_name;
write_failed:
    snprintf(message, message_size, "%s: cannot write: %s", failed, strerror(errno));
    err = EMBOLO_ERROR_OUTPUT;
cleanup:
    gsl_rng_free(rng);
    gsl_rng_free(procedures_rng);
    gsl_set_error_handler(handler);
    return err;
}

/* ---- Files: written under a temporary name beside the path, renamed into place when all are ---- */

typedef struct temp_output {
    const char *path;
    char temp[4096];
    FILE *file;
    int created;
} temp_output;

static embolo_error temp_output_open(temp_output *t, char *message, size_t message_size)
{
    const char *slash = strrchr(t->path, '/');
    int dir_length = slash ? (int)(slash - t->path + 1) : 0;
    int length = snprintf(t->temp, sizeof t->temp, "%.*s.%s.tmp.XXXXXX", dir_length, t->path, t->path + dir_length);
    if (length < 0 || (size_t)length >= sizeof t->temp) {
        snprintf(message, message_size, "%.200s...: output path too long", t->path);
        return EMBOLO_ERROR_OUTPUT;
    }
    int fd = mkstemp(t->temp);
    if (fd < 0) {
        snprintf(message, message_size, "%s: cannot create a file in its directory: %s", t->path, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    t->created = 1;
    /* mkstemp creates the file private; give it the mode fopen would have. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(t->file = fdopen(fd, "wb"))) {
        snprintf(message, message_size, "%s: cannot write: %s", t->path, strerror(errno));
        close(fd);
        return EMBOLO_ERROR_OUTPUT;
    }
    /* A larger buffer only saves system calls: a refusal is no error. */
    (void)setvbuf(t->file, NULL, _IOFBF, (size_t)1 << 16);
    return EMBOLO_OK;
}

static embolo_error temp_output_close(temp_output *t, char *message, size_t message_size)
{
    int closed = fclose(t->file) == 0;
    t->file = NULL;
    if (!closed) {
        snprintf(message, message_size, "%s: cannot write: %s", t->path, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    return EMBOLO_OK;
}

static embolo_error temp_output_rename(temp_output *t, char *message, size_t message_size)
{
    if (rename(t->temp, t->path) != 0) {
        snprintf(message, message_size, "%s: cannot rename into place: %s", t->path, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    t->created = 0;
    return EMBOLO_OK;
}

static void temp_output_discard(temp_output *t)
{
    if (t->file)
        fclose(t->file);
    if (t->created)
        unlink(t->temp);
}

embolo_error simulate_to_path(const char *path, unsigned long n, unsigned long seed, char *message,
                              size_t message_size)
{
    return simulate_to_paths(path, NULL, n, seed, message, message_size);
}

embolo_error simulate_to_paths(const char *path, const char *procedures_path, unsigned long n, unsigned long seed,
                               char *message, size_t message_size)
{
    temp_output cohort = {.path = path}, procedures = {.path = procedures_path};
    int to_stdout = !path || strcmp(path, "-") == 0;
    embolo_error err = to_stdout ? EMBOLO_OK : temp_output_open(&cohort, message, message_size);
    if (err == EMBOLO_OK && procedures_path)
        err = temp_output_open(&procedures, message, message_size);
    if (err == EMBOLO_OK)
        err = simulate_write_with_procedures(to_stdout ? stdout : cohort.file, to_stdout ? "standard output" : path,
                                             procedures.file, procedures_path, n, seed, message, message_size);
    if (err == EMBOLO_OK && !to_stdout)
        err = temp_output_close(&cohort, message, message_size);
    if (err == EMBOLO_OK && procedures_path)
        err = temp_output_close(&procedures, message, message_size);
    if (err == EMBOLO_OK && procedures_path)
        err = temp_output_rename(&procedures, message, message_size);
    if (err == EMBOLO_OK && !to_stdout)
        err = temp_output_rename(&cohort, message, message_size);
    temp_output_discard(&cohort);
    temp_output_discard(&procedures);
    return err;
}
