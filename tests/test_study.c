/* The study file (stages/common/study.h, study-file.md) parsed from memory: every key of the contract,
 * and each rule breach rejected with "FILE:LINE: reason". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/study.h"
#include "testutil.h"

/* A complete study in the date form, as the NET study writes it. */
static const char net_study[] =
    "; Study file for tests\n"
    "# another comment\n"
    "[study]\n"
    "title = Embolotherapy ; an inline comment\n"
    "id = patient_id\n"
    "time_unit = months\n"
    "landmarks = 12, 24,36 , 60\n"
    "date_format = DMY\n"
    "as_of = 2012-12-31\n"
    "na_values = NA, N/A, ?, Not Known\n"
    "\n"
    "[endpoint.hpfs]\n"
    "label = Hepatic progression-free survival\n"
    "start = treatment_date\n"
    "event_dates = hepatic_progression_date, death_date\n"
    "censor_date = last_followup_date\n"
    "\n"
    "[endpoint.os]\n"
    "start = treatment_date\n"
    "event_dates = death_date\n"
    "censor_date = last_followup_date\n"
    "\n"
    "[variable.age]\n"
    "label = Age (years)\n"
    "type = numeric\n"
    "min = 18\n"
    "max = 100\n"
    "\n"
    "[variable.sex]\n"
    "type = categorical\n"
    "levels = F, M\n"
    "reference = m\n"
    "aliases = F: female | woman, M: Male | MAN\n"
    "\n"
    "[variable.burden]\n"
    "column = tumor_burden_pct\n"
    "type = numeric\n"
    "min = 0\n"
    "max = 100\n"
    "cut = 50\n"
    "\n"
    "[variable.ph.ecog]\n"
    "type = categorical\n"
    "levels = 0, 1, 2\n"
    "\n"
    "[variable.modality]\n"
    "type = categorical\n"
    "levels = TACE, TARE, TAE\n"
    "aliases = TARE: y90 | y-90 | sirt\n"
    "\n"
    "[treatment]\n"
    "variable = modality\n"
    "ps_covariates = age, sex, burden\n"
    "trim = 0.01, 0.99\n"
    "\n"
    "[analysis]\n"
    "subgroups = burden, sex, modality\n"
    "univariate = age,\n"
    "    sex,\n"
    "\tburden, ph.ecog\n"
    "multivariable = age, sex, burden, ph.ecog, modality\n";

/* The smallest study: one time/status endpoint and one variable. */
static const char minimal_study[] =
    "[study]\n"
    "time_unit = days\n"
    "[endpoint.os]\n"
    "time = t\n"
    "status = s\n"
    "event_values = 1\n"
    "censor_values = 0\n"
    "[variable.age]\n"
    "type = numeric\n";

/* The minimal study followed by extra lines. */
static char *with_lines(const char *extra)
{
    size_t size = strlen(minimal_study) + strlen(extra) + 1;
    char *text = malloc(size);
    assert_non_null(text);
    snprintf(text, size, "%s%s", minimal_study, extra);
    return text;
}

/* Line number (from 1) of the first line holding marker. */
static int line_of(const char *text, const char *marker)
{
    const char *at = strstr(text, marker);
    int line = 1;
    assert_non_null(at);
    for (const char *c = text; c < at; c++)
        line += *c == '\n';
    return line;
}

/* Parses text (length bytes) and fails unless it is rejected with kind, a message that starts with
 * "test.ini:LINE: " (or "test.ini: " for line 0) and holds fragment. */
static void assert_rejected_bytes(const char *text, size_t length, embolo_error kind, int line,
                                  const char *fragment)
{
    study *s = (study *)&s;
    char message[512], prefix[64];
    embolo_error err = study_parse(text, length, "test.ini", &s, message, sizeof message);
    if (line > 0)
        snprintf(prefix, sizeof prefix, "test.ini:%d: ", line);
    else
        snprintf(prefix, sizeof prefix, "test.ini: ");
    if (err != kind || strncmp(message, prefix, strlen(prefix)) != 0 || !strstr(message, fragment))
        print_error("error %d, message '%s'; want error %d, prefix '%s' and '%s'\n", err, message, kind,
                    prefix, fragment);
    assert_int_equal(err, kind);
    assert_null(s);
    assert_true(strncmp(message, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(message, fragment));
    assert_null(strchr(message, '\n'));
}

static void assert_rejected(const char *text, int line, const char *fragment)
{
    assert_rejected_bytes(text, strlen(text), EMBOLO_ERROR_STUDY, line, fragment);
}

/* The minimal study plus extra, rejected at the line holding marker (NULL: line 0). */
static void assert_extra_rejected(const char *extra, const char *marker, const char *fragment)
{
    char *text = with_lines(extra);
    assert_rejected(text, marker ? line_of(text, marker) : 0, fragment);
    free(text);
}

static const study_variable *variable_named(const study *s, const char *name)
{
    int index = study_find_variable(s, name);
    if (index < 0)
        print_error("no variable %s\n", name);
    assert_true(index >= 0);
    return &s->variables[index];
}

/* ---- what is accepted ---- */

static void test_study_section(void **state)
{
    (void)state;
    study *s = test_study_parse(net_study);
    assert_string_equal(s->path, "test.ini");
    assert_string_equal(s->title, "Embolotherapy");
    assert_string_equal(s->id_column, "patient_id");
    assert_string_equal(s->time_unit, "months");
    assert_close(s->days_per_unit, 30.4375, 1e-15);
    assert_int_equal(s->n_landmarks, 4);
    const double landmarks[] = {12, 24, 36, 60};
    const char *const texts[] = {"12", "24", "36", "60"};
    for (size_t i = 0; i < 4; i++) {
        assert_close(s->landmarks[i], landmarks[i], 0);
        assert_string_equal(s->landmark_texts[i], texts[i]);
    }
    assert_int_equal(s->date_format, DATE_FORMAT_DMY);
    assert_true(s->has_as_of);
    assert_int_equal(s->as_of, text_days_from_civil(2012, 12, 31));
    /* na_values replaces the default list, normalized. */
    assert_int_equal(s->n_na_values, 4);
    assert_string_equal(s->na_values[0], "na");
    assert_string_equal(s->na_values[1], "n/a");
    assert_string_equal(s->na_values[2], "?");
    assert_string_equal(s->na_values[3], "not known");
    study_free(s);
}

static void test_defaults(void **state)
{
    (void)state;
    study *s = test_study_parse(minimal_study);
    assert_null(s->title);
    assert_null(s->id_column);
    assert_close(s->days_per_unit, 1.0, 0);
    assert_int_equal(s->n_landmarks, 0);
    assert_int_equal(s->date_format, DATE_FORMAT_ISO);
    assert_false(s->has_as_of);
    assert_int_equal(s->treatment, -1);
    assert_int_equal(s->n_subgroups + s->n_univariate + s->n_multivariable, 0);
    assert_false(s->has_trim);
    /* The contract's missing-value tokens. */
    static const char *const tokens[] = {"", "na", "n/a", ".", "-", "unknown", "missing"};
    assert_int_equal(s->n_na_values, sizeof tokens / sizeof tokens[0]);
    for (size_t i = 0; i < s->n_na_values; i++)
        assert_string_equal(s->na_values[i], tokens[i]);
    /* A variable's column defaults to its name. */
    assert_string_equal(s->variables[0].column, "age");
    study_free(s);

    s = test_study_parse("[endpoint.os]\ntime=t\nstatus=s\nevent_values=1\ncensor_values=0\n");
    assert_string_equal(s->time_unit, "days");
    assert_int_equal(s->n_variables, 0);
    study_free(s);
}

static void test_time_units(void **state)
{
    (void)state;
    static const struct {
        const char *unit;
        double days;
    } units[] = {{"days", 1.0}, {"Weeks", 7.0}, {"MONTHS", 30.4375}, {"years", 365.25}};
    static const char *const canonical[] = {"days", "weeks", "months", "years"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "[study]\ntime_unit = %s\n%s", units[i].unit,
                 minimal_study + strlen("[study]\ntime_unit = days\n"));
        study *s = test_study_parse(text);
        assert_close(s->days_per_unit, units[i].days, 1e-15);
        assert_string_equal(s->time_unit, canonical[i]);
        study_free(s);
    }
    /* Only the four units of study-file.md: another spelling is refused, not guessed. */
    static const char *const refused[] = {"fortnights", "day", "Week", "month", "year", "mo", "yrs"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char text[64], fragment[64];
        snprintf(text, sizeof text, "[study]\ntime_unit = %s\n", refused[i]);
        snprintf(fragment, sizeof fragment, "time_unit '%s'", refused[i]);
        assert_rejected(text, 2, fragment);
    }
    assert_extra_rejected("[endpoint.pfs]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
                          "time_unit = month\n", "time_unit = month", "time_unit 'month'");
}

static void test_date_endpoints(void **state)
{
    (void)state;
    study *s = test_study_parse(net_study);
    assert_int_equal(s->n_endpoints, 2);
    const study_endpoint *hpfs = &s->endpoints[0], *os = &s->endpoints[1];
    assert_string_equal(hpfs->name, "hpfs");
    assert_string_equal(hpfs->label, "Hepatic progression-free survival");
    assert_int_equal(hpfs->form, ENDPOINT_DATES);
    assert_string_equal(hpfs->start, "treatment_date");
    assert_int_equal(hpfs->n_event_dates, 2);
    assert_string_equal(hpfs->event_dates[0], "hepatic_progression_date");
    assert_string_equal(hpfs->event_dates[1], "death_date");
    assert_string_equal(hpfs->censor_date, "last_followup_date");
    assert_int_equal(hpfs->line, line_of(net_study, "label = Hepatic"));
    assert_string_equal(os->name, "os");
    assert_null(os->label);
    assert_int_equal(os->n_event_dates, 1);
    study_free(s);
}

static void test_time_status_endpoint(void **state)
{
    (void)state;
    study *s = test_study_parse("[study]\ntime_unit = months\n"
                                "[endpoint.os]\nlabel = OS\ntime = futime\nstatus = fustat\n"
                                "event_values = Dead, 1\ncensor_values = alive , 0,  Lost  To Follow-up\n"
                                "time_unit = days\n"
                                "[endpoint.pfs]\ntime = pfs_t\nstatus = pfs_s\nevent_values = 1\n"
                                "censor_values = 0\n");
    assert_int_equal(s->n_endpoints, 2);
    const study_endpoint *os = &s->endpoints[0];
    assert_int_equal(os->form, ENDPOINT_TIME_STATUS);
    assert_string_equal(os->time, "futime");
    assert_string_equal(os->status, "fustat");
    assert_int_equal(os->n_event_values, 2);
    assert_string_equal(os->event_values[0], "dead");
    assert_string_equal(os->event_values[1], "1");
    assert_int_equal(os->n_censor_values, 3);
    assert_string_equal(os->censor_values[0], "alive");
    assert_string_equal(os->censor_values[2], "lost to follow-up");
    assert_close(os->time_scale, 1.0, 0);
    /* Without its own time_unit the time column is in the study's unit. */
    assert_close(s->endpoints[1].time_scale, 0.0, 0);
    assert_close(s->days_per_unit, 30.4375, 1e-15);
    study_free(s);

    s = test_study_parse("[endpoint.os]\ntime=t\nstatus=s\nevent_values=1\ncensor_values=0\ntime_unit=months\n");
    assert_close(s->endpoints[0].time_scale, 30.4375, 1e-15);
    study_free(s);
}

static void test_numeric_variables_and_cut(void **state)
{
    (void)state;
    study *s = test_study_parse(net_study);
    const study_variable *age = variable_named(s, "age"), *burden = variable_named(s, "burden");
    assert_int_equal(age->type, VARIABLE_NUMERIC);
    assert_string_equal(age->label, "Age (years)");
    assert_string_equal(age->column, "age");
    assert_true(age->has_min && age->has_max);
    assert_false(age->has_cut);
    assert_close(age->min, 18, 0);
    assert_close(age->max, 100, 0);
    assert_false(study_variable_is_factor(age));
    assert_int_equal(age->n_levels, 0);

    assert_int_equal(burden->type, VARIABLE_NUMERIC);
    assert_string_equal(burden->column, "tumor_burden_pct");
    assert_true(burden->has_cut);
    assert_close(burden->cut, 50, 0);
    assert_true(study_variable_is_factor(burden));
    assert_int_equal(burden->n_levels, 2);
    assert_string_equal(burden->levels[0], "<=50");
    assert_string_equal(burden->levels[1], ">50");
    assert_int_equal(burden->reference, 0);
    study_free(s);

    /* The cut as written. */
    char *text = with_lines("[variable.ki67]\ntype = numeric\ncut = 2.5\n");
    s = test_study_parse(text);
    assert_string_equal(variable_named(s, "ki67")->levels[0], "<=2.5");
    assert_string_equal(variable_named(s, "ki67")->levels[1], ">2.5");
    study_free(s);
    free(text);
}

static void test_categorical_variables(void **state)
{
    (void)state;
    study *s = test_study_parse(net_study);
    const study_variable *sex = variable_named(s, "sex");
    assert_int_equal(sex->type, VARIABLE_CATEGORICAL);
    assert_true(study_variable_is_factor(sex));
    assert_int_equal(sex->n_levels, 2);
    assert_string_equal(sex->levels[0], "F");
    assert_string_equal(sex->levels[1], "M");
    /* reference = m: matched case-insensitively. */
    assert_int_equal(sex->reference, 1);
    assert_int_equal(sex->n_aliases, 4);
    static const char *const texts[] = {"female", "woman", "male", "man"};
    static const size_t levels[] = {0, 0, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(sex->aliases[i].text, texts[i]);
        assert_int_equal(sex->aliases[i].level, levels[i]);
    }
    const study_variable *modality = variable_named(s, "modality");
    assert_int_equal(modality->reference, 0);
    assert_int_equal(modality->n_aliases, 3);
    assert_int_equal(modality->aliases[2].level, 1);
    assert_string_equal(modality->aliases[1].text, "y-90");
    /* [variable.ph.ecog] is split at its first dot only. */
    const study_variable *ecog = variable_named(s, "ph.ecog");
    assert_string_equal(ecog->column, "ph.ecog");
    assert_int_equal(ecog->n_levels, 3);
    assert_int_equal(study_find_variable(s, "ecog"), -1);
    assert_int_equal(study_find_variable(s, "nonesuch"), -1);
    study_free(s);
}

static void test_treatment_and_analysis(void **state)
{
    (void)state;
    study *s = test_study_parse(net_study);
    assert_int_equal(s->treatment, study_find_variable(s, "modality"));
    assert_int_equal(s->n_ps_covariates, 3);
    assert_int_equal(s->ps_covariates[0], (size_t)study_find_variable(s, "age"));
    assert_int_equal(s->ps_covariates[2], (size_t)study_find_variable(s, "burden"));
    assert_true(s->has_trim);
    assert_close(s->trim_low, 0.01, 0);
    assert_close(s->trim_high, 0.99, 0);
    assert_int_equal(s->n_subgroups, 3);
    assert_int_equal(s->subgroups[1], (size_t)study_find_variable(s, "sex"));
    /* univariate continues on indented lines (spaces and a tab). */
    assert_int_equal(s->n_univariate, 4);
    static const char *const univariate[] = {"age", "sex", "burden", "ph.ecog"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(s->variables[s->univariate[i]].name, univariate[i]);
    assert_int_equal(s->n_multivariable, 5);
    assert_string_equal(s->variables[s->multivariable[4]].name, "modality");
    study_free(s);
}

static void test_continuation_lines(void **state)
{
    (void)state;
    /* Continuation lines without trailing commas are items of the list too. */
    char *text = with_lines("[variable.grade]\ntype = categorical\nlevels = G1\n  G2\n  G3\n"
                            "aliases = G1: 1 | g 1,\n  G2: 2,\n\tG3: 3 | grade 3\n"
                            "[analysis]\nsubgroups = grade\nunivariate =\n  age\n  grade\n");
    study *s = test_study_parse(text);
    const study_variable *grade = variable_named(s, "grade");
    assert_int_equal(grade->n_levels, 3);
    assert_string_equal(grade->levels[2], "G3");
    assert_int_equal(grade->n_aliases, 5);
    assert_string_equal(grade->aliases[4].text, "grade 3");
    assert_int_equal(grade->aliases[4].level, 2);
    assert_int_equal(s->n_univariate, 2);
    study_free(s);
    free(text);
}

static void test_crlf_and_long_lines(void **state)
{
    (void)state;
    study *s = test_study_parse("[study]\r\ntitle = T\r\ntime_unit = weeks\r\n[endpoint.os]\r\ntime = t\r\n"
                                "status = s\r\nevent_values = 1\r\ncensor_values = 0\r\n");
    assert_string_equal(s->title, "T");
    assert_string_equal(s->endpoints[0].time, "t");
    assert_close(s->days_per_unit, 7.0, 0);
    study_free(s);

    /* A line of exactly 199 characters is accepted, also with CRLF; one of 200 is not. */
    char line[256], text[1024];
    memset(line, 'x', sizeof line);
    memcpy(line, "title = ", 8);
    line[199] = '\0';
    snprintf(text, sizeof text, "[study]\r\n%s\r\n%s", line, minimal_study + strlen("[study]\n"));
    s = test_study_parse(text);
    assert_int_equal(strlen(s->title), 199 - 8);
    study_free(s);
    line[199] = 'x';
    line[200] = '\0';
    snprintf(text, sizeof text, "[study]\n%s\n%s", line, minimal_study + strlen("[study]\n"));
    assert_rejected(text, 2, "longer than 199");
}

/* ---- what is rejected, with the file and line ---- */

static void test_rejects_unknown_section_and_key(void **state)
{
    (void)state;
    assert_extra_rejected("[studdy]\ntitle = x\n", "[studdy]", "unknown section [studdy]");
    assert_extra_rejected("\n[endpoint.]\n", "[endpoint.]", "unknown section");
    assert_extra_rejected("[variable]\ntype = numeric\n", "[variable]", "unknown section");
    assert_extra_rejected("[variable.sex\n", "[variable.sex", "without ']'");
    assert_extra_rejected("[variable.x]\ntype = numeric\ncolour = red\n", "colour", "unknown key 'colour' in [variable.x]");
    assert_extra_rejected("[study]\nseed = 1\n", "seed", "unknown key 'seed' in [study]");
    /* A key of the wrong section is unknown there. */
    assert_extra_rejected("[analysis]\nlandmarks = 12\n", "landmarks", "unknown key 'landmarks' in [analysis]");
}

static void test_rejects_duplicate_key(void **state)
{
    (void)state;
    char *text = with_lines("[variable.x]\ntype = numeric\nmin = 1\nmax = 9\nmin = 2\n");
    char fragment[64];
    snprintf(fragment, sizeof fragment, "given twice (first on line %d)", line_of(text, "min = 1"));
    assert_rejected(text, line_of(text, "min = 2"), fragment);
    free(text);
    /* The same key given in a section opened again. */
    assert_extra_rejected("[study]\ntime_unit = weeks\n", "weeks", "key 'time_unit' in [study] given twice");
}

static void test_rejects_malformed_lines(void **state)
{
    (void)state;
    assert_extra_rejected("this is not a key value line\n", "this is not", "not a 'key = value' line");
    char *text = with_lines("[variable.x]\nlabel = Xlabel\ntype = numeric\n");
    size_t length = strlen(text);
    int line = line_of(text, "Xlabel");
    *strstr(text, "Xlabel") = '\0';
    assert_rejected_bytes(text, length, EMBOLO_ERROR_STUDY, line, "NUL byte");
    free(text);
}

static void test_rejects_undefined_variables_in_lists(void **state)
{
    (void)state;
    assert_extra_rejected("[analysis]\nsubgroups = age\nunivariate = age, stage\n", "univariate",
                          "'univariate' names 'stage', which no [variable.stage] defines");
    assert_extra_rejected("[analysis]\nmultivariable = age,\n  stage\n", "multivariable", "'stage'");
    assert_extra_rejected("[analysis]\nunivariate = age, age\n", "univariate", "names 'age' twice");
    /* Subgroups must be factors. */
    assert_extra_rejected("[analysis]\nsubgroups = age\n", "subgroups", "numeric without a cut");
    assert_extra_rejected("[variable.m]\ntype = categorical\nlevels = a, b\n[treatment]\nvariable = m\n"
                          "ps_covariates = age, weight\n", "ps_covariates", "'weight'");
    assert_extra_rejected("[treatment]\nvariable = modality\nps_covariates = age\n", "variable = modality",
                          "treatment variable 'modality' is not defined");
    assert_extra_rejected("[treatment]\nvariable = age\nps_covariates = age\n", "variable = age", "not categorical");
    assert_extra_rejected("[variable.m]\ntype = categorical\nlevels = a, b\n[treatment]\nvariable = m\n"
                          "ps_covariates = age, m\n", "variable = m", "among its own ps_covariates");
    assert_extra_rejected("[variable.m]\ntype = categorical\nlevels = a, b\n[treatment]\nps_covariates = age\n",
                          "ps_covariates", "[treatment] needs the key 'variable'");
    assert_extra_rejected("[variable.m]\ntype = categorical\nlevels = a, b\n[treatment]\nvariable = m\n",
                          "variable = m", "needs the key 'ps_covariates'");
    assert_extra_rejected("[variable.m]\ntype = categorical\nlevels = a, b\n[treatment]\nvariable = m\n"
                          "ps_covariates = age\ntrim = 0.9, 0.1\n", "trim", "trim must be LO, HI");
}

/* Studies rejected at a given line (0: the file only) with a message holding a fragment. */
typedef struct rejection {
    const char *text;
    int line;
    const char *fragment;
} rejection;

static void assert_all_rejected(const rejection *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_rejected(cases[i].text, cases[i].line, cases[i].fragment);
}

static void test_rejects_bad_study_values(void **state)
{
    (void)state;
    static const rejection cases[] = {
        {"[study]\ndate_format = YMD\n", 2, "date_format 'YMD'"},
        {"[study]\n\nas_of = 2012-02-30\n", 3, "as_of '2012-02-30'"},
        {"[study]\nas_of = 31/12/2012\n", 2, "as_of"},
        {"[study]\nlandmarks = 12, -1\n", 2, "landmark '-1'"},
        {"[study]\nlandmarks = 12, twelve\n", 2, "landmark 'twelve'"},
        {"[study]\nlandmarks = 12, nan\n", 2, "landmark 'nan'"},
        /* A study without any endpoint: no line to name, the file is named. */
        {"[study]\ntitle = x\n[variable.age]\ntype = numeric\n", 0, "no [endpoint.NAME] section"},
    };
    assert_all_rejected(cases, sizeof cases / sizeof cases[0]);
}

static void test_rejects_bad_endpoints(void **state)
{
    (void)state;
    static const rejection cases[] = {
        {"[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\n", 2, "needs the key 'censor_values'"},
        {"[endpoint.os]\nstart = a\nevent_dates = b\n", 2, "needs the key 'censor_date'"},
        {"[endpoint.os]\nstart = a\nevent_dates = b\ncensor_date = c\ntime = t\n", 2, "mixes"},
        {"[endpoint.os]\nstart = a\nevent_dates = ,\ncensor_date = c\n", 3, "'event_dates' in [endpoint.os] is empty"},
        {"[endpoint.os]\nstart =\nevent_dates = b\ncensor_date = c\n", 2, "'start' in [endpoint.os] is empty"},
        {"[endpoint.os]\ntime=t\nstatus=s\nevent_values=1\ncensor_values=0\ntime_unit=hours\n", 6, "time_unit 'hours'"},
        {"[endpoint.os]\nlabel = OS\n", 2, "needs the key"},
        /* exclusions.csv scopes: found by the study-file fuzzer (rows read != analysed + excluded). */
        {"[endpoint.row]\nstart = a\nevent_dates = b\ncensor_date = c\n", 2, "'row' is reserved"},
        {"[endpoint.value]\nstart = a\nevent_dates = b\ncensor_date = c\n", 2, "'value' is reserved"},
    };
    assert_all_rejected(cases, sizeof cases / sizeof cases[0]);
}

static void test_rejects_bad_variables(void **state)
{
    (void)state;
    assert_extra_rejected("[variable.x]\nlabel = X\n", "label = X", "[variable.x] needs the key 'type'");
    assert_extra_rejected("[variable.x]\ntype = text\n", "type = text", "type 'text' of x");
    assert_extra_rejected("[variable.x]\ntype = numeric\nmin = low\n", "min = low", "min 'low' of x is not a number");
    assert_extra_rejected("[variable.x]\ntype = numeric\ncut = inf\n", "cut = inf", "cut 'inf'");
    assert_extra_rejected("[variable.x]\ntype = numeric\nmin = 10\nmax = 5\n", "type = numeric\nmin = 10",
                          "min of x is above its max");
    assert_extra_rejected("[variable.x]\ntype = numeric\nlevels = a, b\n", "levels", "'levels' does not apply");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a\nmax = 3\n", "max", "'max' does not apply");
    assert_extra_rejected("[variable.x]\ntype = categorical\n", "type = categorical", "needs the key 'levels'");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a, b, A\n", "levels", "level 'A' of x is given twice");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a, b\nreference = c\n", "reference",
                          "reference 'c' is not a level of x");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a, b\naliases = c: see\n", "aliases",
                          "alias names 'c', which is not a level of x");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a, b\naliases = a: alpha, beta\n", "aliases",
                          "alias group 'beta' lacks 'LEVEL:'");
}

/* ---- [procedures] ---- */

static const char procedures_study[] =
    "[study]\n"
    "id = pid\n"
    "[endpoint.hpfs]\n"
    "start = start\n"
    "event_dates = prog, death\n"
    "censor_date = last\n"
    "[endpoint.os]\n"
    "start = Start\n"
    "event_dates = death\n"
    "censor_date = last\n"
    "[variable.age]\n"
    "type = numeric\n"
    "[variable.m]\n"
    "type = categorical\n"
    "levels = a, b\n"
    "[treatment]\n"
    "variable = m\n"
    "ps_covariates = age\n";

static void test_procedures_section(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s[procedures]\nfile = p.csv\nid = pid\ndate = d\nmodality = mod\n"
             "ae_grade = g\nae_scale = SIR\nae_empty = unknown\noperator = op\n", procedures_study);
    study *s = NULL;
    char message[512];
    assert_int_equal(study_parse(text, strlen(text), "some/dir/test.ini", &s, message, sizeof message), EMBOLO_OK);
    const study_procedures *p = &s->procedures;
    assert_true(p->present);
    assert_string_equal(p->file, "some/dir/p.csv");
    assert_string_equal(p->modality, "mod");
    assert_string_equal(p->operator, "op");
    assert_null(p->ae_term);
    assert_null(p->technical_success);
    assert_int_equal(p->scale, AE_SCALE_SIR);
    assert_true(p->ae_empty_unknown);
    assert_int_equal(p->death_endpoint, 1);
    assert_string_equal(p->start, "Start");
    study_free(s);
    /* Without a file, with an absolute one, and without the section. */
    snprintf(text, sizeof text, "%s[procedures]\nid = pid\ndate = d\nmodality = m\n", procedures_study);
    s = test_study_parse(text);
    assert_true(s->procedures.present);
    assert_null(s->procedures.file);
    assert_int_equal(s->procedures.scale, AE_SCALE_CTCAE);
    assert_false(s->procedures.ae_empty_unknown);
    study_free(s);
    snprintf(text, sizeof text, "%s[procedures]\nfile = /data/p.csv\nid = pid\ndate = d\nmodality = m\n",
             procedures_study);
    assert_int_equal(study_parse(text, strlen(text), "dir/test.ini", &s, message, sizeof message), EMBOLO_OK);
    assert_string_equal(s->procedures.file, "/data/p.csv");
    study_free(s);
    /* A file named "-" is that file, never standard input. */
    snprintf(text, sizeof text, "%s[procedures]\nfile = -\nid = pid\ndate = d\nmodality = m\n", procedures_study);
    assert_int_equal(study_parse(text, strlen(text), "test.ini", &s, message, sizeof message), EMBOLO_OK);
    assert_string_equal(s->procedures.file, "./-");
    study_free(s);
    assert_int_equal(study_parse(text, strlen(text), "dir/test.ini", &s, message, sizeof message), EMBOLO_OK);
    assert_string_equal(s->procedures.file, "dir/-");
    study_free(s);
    s = test_study_parse(procedures_study);
    assert_false(s->procedures.present);
    study_free(s);
}

static void test_rejects_bad_procedures(void **state)
{
    (void)state;
    static const struct {
        const char *before, *section, *marker, *fragment;
    } cases[] = {
        {"", "id = pid\ndate = d\n", "id = pid\ndate", "needs the key 'modality'"},
        {"", "id = pid\ndate = d\nmodality = m\nae_scale = A-F\n", "ae_scale", "ae_scale 'A-F' is not ctcae or sir"},
        {"", "id = pid\ndate = d\nmodality = m\nae_empty = zero\n", "ae_empty", "is not none or unknown"},
        {"", "id = pid\ndate = d\nmodality = m\ndeath_endpoint = pfs\n", "death_endpoint", "names no [endpoint.NAME]"},
        {"", "id = pid\ndate = d\nmodality = m\ncolour = red\n", "colour", "unknown key 'colour'"},
        {"[endpoint.rfs]\nstart = other\nevent_dates = r\ncensor_date = last\n", "id = pid\ndate = d\nmodality = m\n",
         "[endpoint.rfs]", "the same start column"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, "%s%s[procedures]\n%s", procedures_study, cases[i].before, cases[i].section);
        assert_rejected(text, line_of(text, cases[i].marker) + (cases[i].marker[0] == '[' ? 1 : 0), cases[i].fragment);
    }
    /* The section needs [study] id, a [treatment] and a date-form death endpoint. */
    assert_extra_rejected("[procedures]\nid = pid\ndate = d\nmodality = m\n", "id = pid", "needs the patient id");
    char text[1024];
    snprintf(text, sizeof text, "[study]\nid = pid\n[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\n"
             "censor_values = 0\n[variable.m]\ntype = categorical\nlevels = a, b\n[variable.age]\ntype = numeric\n"
             "[treatment]\nvariable = m\nps_covariates = age\n[procedures]\nid = pid\ndate = d\nmodality = m\n");
    assert_rejected(text, line_of(text, "id = pid\ndate"), "is not in the date form");
    snprintf(text, sizeof text, "[study]\nid = pid\n[endpoint.os]\nstart = a\nevent_dates = b\ncensor_date = c\n"
             "[procedures]\nid = pid\ndate = d\nmodality = m\n");
    assert_rejected(text, line_of(text, "id = pid\ndate"), "needs a [treatment] section");
    /* Endpoint names that are exclusions.csv scopes. */
    assert_rejected("[endpoint.index]\nstart = a\nevent_dates = b\ncensor_date = c\n", 2, "'index' is reserved");
}

/* Round-2 keys (study-file.md, "Round 2 keys"). */
static void test_round2_keys(void **state)
{
    (void)state;
    char *text = with_lines("[endpoint.rel]\ntime = t\nstatus = s2\nevent_values = 1\ncensor_values = 0\n"
                            "competing_values = 3, Died Other\n"
                            "[variable.centre]\ntype = categorical\nlevels = A, B\n"
                            "[variable.grade]\ntype = categorical\nlevels = G1, G2\nordered = yes\n"
                            "[variable.burden]\ntype = numeric\ncut = 50\nordered = no\n"
                            "[treatment]\nvariable = centre\nps_covariates = age\n"
                            "[analysis]\nmultivariable = age\ncentre = centre\nrmst_tau = 36.5\nforest = grade, burden\n");
    study *s = test_study_parse(text);
    free(text);
    assert_false(study_endpoint_has_competing(&s->endpoints[0]));
    assert_true(study_endpoint_has_competing(&s->endpoints[1]));
    assert_int_equal(s->endpoints[1].n_competing_values, 2);
    assert_string_equal(s->endpoints[1].competing_values[1], "died other");
    assert_int_equal(s->centre, study_find_variable(s, "centre"));
    assert_true(s->has_rmst_tau && s->rmst_tau == 36.5);
    assert_int_equal(s->n_forest, 2);
    assert_int_equal(s->forest[1], study_find_variable(s, "burden"));
    assert_true(s->variables[study_find_variable(s, "grade")].ordered);
    assert_false(s->variables[study_find_variable(s, "burden")].ordered);
    study_free(s);
    text = with_lines("");
    s = test_study_parse(text);
    free(text);
    assert_int_equal(s->centre, -1);
    assert_false(s->has_rmst_tau || s->n_forest || study_endpoint_has_competing(&s->endpoints[0]));
    study_free(s);
}

static void test_round2_competing_dates(void **state)
{
    (void)state;
    study *s = test_study_parse("[endpoint.hp]\nstart = a\nevent_dates = p\ncompeting_dates = d, d2\ncensor_date = c\n"
                                "[variable.x]\ntype = numeric\n");
    assert_int_equal(s->endpoints[0].n_competing_dates, 2);
    assert_string_equal(s->endpoints[0].competing_dates[1], "d2");
    study_free(s);
}

static void test_rejects_bad_round2_keys(void **state)
{
    (void)state;
    static const char factors[] = "[variable.c]\ntype = categorical\nlevels = a, b\n";
    static const rejection cases[] = {
        {"[endpoint.os]\nstart = a\nevent_dates = b\ncensor_date = c\ncompeting_values = 2\n", 5,
         "competing_values belongs to the time/status form"},
        {"[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\ncompeting_dates = d\n", 6,
         "competing_dates belongs to the date form"},
        {"[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1, 2\ncensor_values = 0\ncompeting_values = 2\n", 6,
         "'2' is in both competing_values and event_values"},
        {"[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0, 2\ncompeting_values = 2\n", 6,
         "'2' is in both competing_values and censor_values"},
        {"[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 1\n", 5,
         "'1' is in both event_values and censor_values"},
        {"[endpoint.os]\nstart = a\nevent_dates = b, d\ncensor_date = c\ncompeting_dates = D\n", 5,
         "'D' is in both competing_dates and event_dates"},
    };
    assert_all_rejected(cases, sizeof cases / sizeof cases[0]);
    char extra[512];
    snprintf(extra, sizeof extra, "%s[analysis]\nmultivariable = age, c\ncentre = c\n", factors);
    assert_extra_rejected(extra, "centre = c", "may not be in multivariable");
    assert_extra_rejected("[analysis]\ncentre = age\n", "centre = age", "centre variable 'age' is not categorical");
    assert_extra_rejected("[analysis]\ncentre = nobody\n", "centre = nobody", "no [variable.nobody]");
    assert_extra_rejected("[analysis]\nrmst_tau = 0\n", "rmst_tau", "rmst_tau '0' is not a number > 0");
    assert_extra_rejected("[analysis]\nrmst_tau = soon\n", "rmst_tau", "is not a number > 0");
    snprintf(extra, sizeof extra, "%s[analysis]\nforest = c\n", factors);
    assert_extra_rejected(extra, "forest", "forest needs a [treatment] section");
    snprintf(extra, sizeof extra, "%s[treatment]\nvariable = c\nps_covariates = age\n[analysis]\nforest = c\n", factors);
    assert_extra_rejected(extra, "forest", "forest names the treatment variable 'c' itself");
    snprintf(extra, sizeof extra, "%s[treatment]\nvariable = c\nps_covariates = age\n[analysis]\nforest = age\n",
             factors);
    assert_extra_rejected(extra, "forest", "forest variable 'age' is numeric without a cut");
    assert_extra_rejected("[variable.x]\ntype = numeric\nordered = yes\n", "ordered", "ordered applies to categorical");
    snprintf(extra, sizeof extra, "%sordered = maybe\n", factors);
    assert_extra_rejected(extra, "ordered", "ordered 'maybe' of c is not yes or no");
}

/* Aliases that would misread a value: one spelling for two levels, or another level's own name. */
static void test_rejects_ambiguous_aliases(void **state)
{
    (void)state;
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a, b\naliases = a: alpha | z, b: Z\n",
                          "aliases", "alias 'z' of x names two levels: a and b");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = Lev, Lev+5FU\naliases = Lev: LEV+5fu\n",
                          "aliases", "alias 'lev+5fu' of x level Lev is the name of its level Lev+5FU");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = US:NIH, EU\naliases = US:NIH: nih\n",
                          "aliases", "write a level that holds ':' in double quotes");
    assert_extra_rejected("[variable.x]\ntype = categorical\nlevels = a, b\naliases = \"a: x\n", "aliases",
                          "lacks 'LEVEL:'");
}

/* A level's own name as its alias, or one alias given twice for one level, misreads nothing. */
static void test_quoted_level_takes_aliases(void **state)
{
    (void)state;
    char *text = with_lines("[variable.funder]\ntype = categorical\nlevels = US:NIH, EU:ERC\n"
                            "aliases = \"US:NIH\": nih | us-nih | nih, \"eu:erc\" : erc | e:r\n");
    study *s = test_study_parse(text);
    const study_variable *v = variable_named(s, "funder");
    assert_int_equal(v->n_aliases, 5);
    assert_string_equal(v->aliases[0].text, "nih");
    assert_int_equal(v->aliases[0].level, 0);
    assert_string_equal(v->aliases[1].text, "us-nih");
    assert_string_equal(v->aliases[3].text, "erc");
    assert_int_equal(v->aliases[3].level, 1);
    assert_string_equal(v->aliases[4].text, "e:r");
    study_free(s);
    free(text);
}

/* Landmarks that print alike under %g would be one results.csv line; an empty na_values would make
 * no value missing. */
static void test_rejects_duplicate_landmarks_and_empty_na_values(void **state)
{
    (void)state;
    assert_rejected("[study]\nlandmarks = 12, 24, 12.0\n", 2, "landmarks 1 and 3 are both 12");
    assert_rejected("[study]\ntitle = x\nlandmarks = 1e1, 10.0000001\n", 3, "landmarks 1 and 2 are both 10");
    assert_rejected("[study]\nna_values =\n", 2, "na_values is empty");
    assert_rejected("[study]\nna_values = , ,\n", 2, "na_values is empty");
    study *s = test_study_parse("[study]\nlandmarks = 10, 10.001\n[endpoint.os]\ntime = t\nstatus = s\n"
                                "event_values = 1\ncensor_values = 0\n");
    assert_int_equal(s->n_landmarks, 2);
    assert_string_equal(s->landmark_texts[1], "10.001");
    study_free(s);
}

static void test_delimiter(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        char delimiter;
    } cases[] = {{",", ','}, {";", ';'}, {"tab", '\t'}, {"TAB", '\t'}};
    study *s = test_study_parse(minimal_study);
    assert_int_equal(s->delimiter, ',');
    study_free(s);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "[study]\ndelimiter = %s\n%s", cases[i].value,
                 minimal_study + strlen("[study]\n"));
        s = test_study_parse(text);
        assert_int_equal(s->delimiter, cases[i].delimiter);
        study_free(s);
    }
    s = test_study_parse("[study]\ndelimiter = ; European Excel\n[endpoint.os]\ntime = t\nstatus = s\n"
                         "event_values = 1\ncensor_values = 0\n");
    assert_int_equal(s->delimiter, ';');
    study_free(s);
    assert_rejected("[study]\ndelimiter = |\n", 2, "delimiter '|' is not ',', ';' or 'tab'");
    assert_rejected("[study]\ndelimiter =\n", 2, "delimiter '' is not");
    assert_rejected("[study]\ndelimiter = semicolon\n", 2, "delimiter 'semicolon'");
}

static void test_rejection_leaves_short_buffers_terminated(void **state)
{
    (void)state;
    study *s = NULL;
    char message[12];
    memset(message, 'z', sizeof message);
    assert_int_equal(study_parse("[bogus]\n", 8, "a-rather-long-path/test.ini", &s, message, sizeof message),
                     EMBOLO_ERROR_STUDY);
    assert_null(s);
    assert_int_equal(strlen(message), sizeof message - 1);
    assert_int_equal(study_parse("[bogus]\n", 8, "x", &s, NULL, 0), EMBOLO_ERROR_STUDY);
    assert_null(s);
}

static void test_read_missing_file(void **state)
{
    (void)state;
    study *s = (study *)&s;
    char message[512];
    assert_int_equal(study_read("/nonexistent/dir/study.ini", &s, message, sizeof message),
                     EMBOLO_ERROR_FILE_NOT_FOUND);
    assert_null(s);
    assert_non_null(strstr(message, "/nonexistent/dir/study.ini"));
}

/* The study files shipped with the reference cohorts, read from disk. */
static void test_read_fixture_studies(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        size_t n_endpoints, n_variables, n_multivariable;
        const char *treatment;
        double days_per_unit;
    } fixtures[] = {
        {"tests/fixtures/data/net_sample_155.study.ini", 2, 9, 7, "modality", 30.4375},
        {"tests/fixtures/data/net_messy_155.study.ini", 2, 9, 7, "modality", 30.4375},
        {"tests/fixtures/data/lung.study.ini", 1, 5, 4, NULL, 1.0},
        {"tests/fixtures/data/veteran.study.ini", 1, 6, 6, "celltype", 1.0},
    };
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        study *s = NULL;
        char message[512];
        embolo_error err = study_read(fixtures[i].path, &s, message, sizeof message);
        if (err != EMBOLO_OK)
            print_error("%s (run the tests from the repository's root)\n", message);
        assert_int_equal(err, EMBOLO_OK);
        assert_string_equal(s->path, fixtures[i].path);
        assert_int_equal(s->n_endpoints, fixtures[i].n_endpoints);
        assert_int_equal(s->n_variables, fixtures[i].n_variables);
        assert_int_equal(s->n_multivariable, fixtures[i].n_multivariable);
        assert_close(s->days_per_unit, fixtures[i].days_per_unit, 1e-15);
        if (fixtures[i].treatment)
            assert_string_equal(s->variables[s->treatment].name, fixtures[i].treatment);
        else
            assert_int_equal(s->treatment, -1);
        study_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_study_section),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_time_units),
        cmocka_unit_test(test_date_endpoints),
        cmocka_unit_test(test_time_status_endpoint),
        cmocka_unit_test(test_numeric_variables_and_cut),
        cmocka_unit_test(test_categorical_variables),
        cmocka_unit_test(test_treatment_and_analysis),
        cmocka_unit_test(test_continuation_lines),
        cmocka_unit_test(test_crlf_and_long_lines),
        cmocka_unit_test(test_rejects_unknown_section_and_key),
        cmocka_unit_test(test_rejects_duplicate_key),
        cmocka_unit_test(test_rejects_malformed_lines),
        cmocka_unit_test(test_rejects_undefined_variables_in_lists),
        cmocka_unit_test(test_rejects_bad_study_values),
        cmocka_unit_test(test_rejects_bad_endpoints),
        cmocka_unit_test(test_rejects_bad_variables),
        cmocka_unit_test(test_procedures_section),
        cmocka_unit_test(test_rejects_bad_procedures),
        cmocka_unit_test(test_round2_keys),
        cmocka_unit_test(test_round2_competing_dates),
        cmocka_unit_test(test_rejects_bad_round2_keys),
        cmocka_unit_test(test_rejects_ambiguous_aliases),
        cmocka_unit_test(test_quoted_level_takes_aliases),
        cmocka_unit_test(test_rejects_duplicate_landmarks_and_empty_na_values),
        cmocka_unit_test(test_delimiter),
        cmocka_unit_test(test_rejection_leaves_short_buffers_terminated),
        cmocka_unit_test(test_read_missing_file),
        cmocka_unit_test(test_read_fixture_studies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
