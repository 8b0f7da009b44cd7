/* tables.docx: the pipeline's Word tables of the sample, read back with python-docx (read_docx.py also
 * checks the three-line style), every cell of the survival, Cox, Table 1, model-fit, proportional-
 * hazards, weights, balance, flow and events-per-coefficient tables compared with results.csv as the
 * report shows it; the tables in the report's order, wide ones in landscape sections; the file opens
 * in LibreOffice Writer; the share template writes none unless asked, and then with its suppression;
 * a write failure names the file. Under valgrind the documents are written (memory-checked) but
 * python, LibreOffice and poppler are not run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "render/format.h"
#include "render/table.h"
#include "render_testutil.h"

typedef struct run {
    char dir[64];
    test_results *results;
    test_docx *docx;    /* NULL under valgrind */
    study *study;
} run;

/* Runs the pipeline on a study and input with a template (NULL: the built-in manuscript). */
static void run_make(run *r, const char *study_path, const char *input, const char *template_path)
{
    char message[512] = "", path[128];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/test_docx.XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    driver_options options = {.command = DRIVER_RUN, .study_path = study_path, .input_path = input,
                              .template_path = template_path, .out_dir = r->dir, .quiet = 1};
    embolo_error err = driver_run(&options, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("driver_run: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    assert_int_equal(study_read(study_path, &r->study, message, sizeof message), EMBOLO_OK);
    r->results = test_results_read(r->dir);
    snprintf(path, sizeof path, "%s/tables.docx", r->dir);
    if (!test_under_valgrind() && access(path, F_OK) == 0)
        r->docx = test_docx_read(path);
}

static void run_free(run *r)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", r->dir);
    assert_int_equal(system(command), 0);
    test_results_free(r->results);
    test_docx_free(r->docx);
    study_free(r->study);
}

/* ---- what a cell must show ---- */

/* The text the report shows for numbers of a format (table_cell_text, whose own tests check it). */
static const char *shown(char *out, cell_format format, int decimals, double a, double b, double c)
{
    table_cell cell = {.format = format, .decimals = (unsigned char)decimals, .value = {a, b, c}};
    table_cell_text(&cell, out, 128);
    return out;
}

static void expect_cell(const test_docx_table *t, size_t row, size_t col, const char *want)
{
    const char *got = test_docx_cell(t, row, col);
    if (strcmp(got, want))
        print_error("%s, row %zu, column %zu: '%s', want '%s'\n", t->title, row, col, got, want);
    assert_string_equal(got, want);
}

static const char *endpoint_label(const study_endpoint *e)
{
    return e->label ? e->label : e->name;
}

static const char *variable_label(const study_variable *v)
{
    return v->label ? v->label : v->name;
}

/* The variable shown with this label (NULL if none). */
static const study_variable *variable_labelled(const study *s, const char *label)
{
    for (size_t v = 0; v < s->n_variables; v++)
        if (!strcmp(variable_label(&s->variables[v]), label))
            return &s->variables[v];
    return NULL;
}

/* The level shown with this text ("≤50" for "<=50"), NULL if none. */
static const char *level_shown(const study_variable *v, const char *text)
{
    for (size_t l = 0; v && l < v->n_levels; l++) {
        char want[128];
        size_t n = 0;
        for (const char *c = v->levels[l]; *c && n + 4 < sizeof want; c++) {
            if ((c[0] == '<' || c[0] == '>') && c[1] == '=') {
                memcpy(want + n, c[0] == '<' ? "\xe2\x89\xa4" : "\xe2\x89\xa5", 3);
                n += 3;
                c++;
            } else {
                want[n++] = *c;
            }
        }
        want[n] = '\0';
        if (!strcmp(want, text))
            return v->levels[l];
    }
    return NULL;
}

/* ---- survival by subgroup ---- */

/* The landmark cells from column 4 of a curve's line: STAT@L and its limits (stat "surv" or "cif"),
 * then an empty test column. */
static void check_landmarks(const run *r, const test_docx_table *t, size_t row, const char *section, const char *stat,
                            const char *endpoint, const char *model, const char *variable, const char *level)
{
    char text[128], name[64];
    for (size_t l = 0; l < r->study->n_landmarks; l++) {
        double v[3];
        static const char *const limits[] = {"", "_lower", "_upper"};
        for (size_t k = 0; k < 3; k++) {
            snprintf(name, sizeof name, "%s%s@%s", stat, limits[k], r->study->landmark_texts[l]);
            v[k] = test_result(r->results, section, endpoint, model, variable, level, name);
        }
        expect_cell(t, row, 4 + l, shown(text, CELL_PERCENT_CI, 1, v[0], v[1], v[2]));
    }
    expect_cell(t, row, 4 + r->study->n_landmarks, "");
}

/* The variable of a group's heading, and its curves' model ("X, propensity-weighted (ATE)": weighted). */
static const study_variable *curve_group(const run *r, const char *label, const char **model)
{
    char name[256];
    snprintf(name, sizeof name, "%s", label);
    char *weighted = strstr(name, ", propensity-weighted (ATE)");
    *model = weighted ? "weighted" : "unweighted";
    if (weighted)
        *weighted = '\0';
    const study_variable *v = variable_labelled(r->study, name);
    assert_non_null(v);
    return v;
}

static void check_survival_line(const run *r, const test_docx_table *t, size_t row, const char *endpoint,
                                const char *model, const char *variable, const char *level)
{
    char text[128];
    const test_results *x = r->results;
    expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, test_result(x, "km", endpoint, model, variable, level, "n"), NAN, NAN));
    expect_cell(t, row, 2, shown(text, CELL_COUNT, 0, test_result(x, "km", endpoint, model, variable, level, "events"),
                                 NAN, NAN));
    expect_cell(t, row, 3, shown(text, CELL_ESTIMATE_CI, 1, test_result(x, "km", endpoint, model, variable, level, "median"),
                                 test_result(x, "km", endpoint, model, variable, level, "median_lower"),
                                 test_result(x, "km", endpoint, model, variable, level, "median_upper")));
    check_landmarks(r, t, row, "km", "surv", endpoint, model, variable, level);
}

typedef void (*curve_line_check)(const run *r, const test_docx_table *t, size_t row, const char *endpoint,
                                 const char *model, const char *variable, const char *level);

/* Every line of a table of curves by subgroup: each curve's line, each variable's test (section
 * test: logrank, gray) on its heading; returns the curves checked. */
static size_t check_curves(const run *r, const study_endpoint *e, const test_docx_table *t, curve_line_check line,
                           const char *test)
{
    const study_variable *v = NULL;
    const char *model = "unweighted";
    size_t curves = 0, p_col = 4 + r->study->n_landmarks;
    char text[128];
    assert_string_equal(test_docx_cell(t, 0, 0), "Subgroup");
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0), *level = level_shown(v, label);
        if (!strcmp(label, "All patients") || level) {
            line(r, t, row, e->name, level ? model : "unweighted", level ? v->name : "all", level ? level : "");
            curves++;
            continue;
        }
        v = curve_group(r, label, &model);
        expect_cell(t, row, p_col, !strcmp(model, "weighted") ? "" : shown(text, CELL_P, 3, test_result(r->results,
                                                                   test, e->name, "", v->name, "", "p"), NAN, NAN));
    }
    return curves;
}

/* Every line of an endpoint's survival table; returns the curves' lines checked. */
static size_t check_survival(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    return check_curves(r, e, t, check_survival_line, "logrank");
}

/* ---- Cox models ---- */

/* The results model of a column group's title (and the variable of a univariate one). */
static const char *cox_model(const char *title, const study_variable *v, char *out, size_t size)
{
    static const struct {
        const char *title, *model;
    } models[] = {
        {"Multivariable", "multivariable"},
        {"Propensity-weighted univariate", "weighted_univariate"},
        {"Propensity-weighted multivariable", "weighted_multivariable"},
        {"Unstratified", "multivariable"},
        {"Multivariable, cause-specific Cox", "multivariable"},
        {"Multivariable, Fine-Gray", "finegray_multivariable"},
    };
    if (!strcmp(title, "Univariate") || !strcmp(title, "Univariate, cause-specific Cox"))
        snprintf(out, size, "univariate:%s", v->name);
    else if (!strcmp(title, "Univariate, Fine-Gray"))
        snprintf(out, size, "finegray_univariate:%s", v->name);
    else if (!strncmp(title, "Stratified by ", 14))
        snprintf(out, size, "multivariable_stratified");
    else if (!strncmp(title, "Cluster-robust (", 16))
        snprintf(out, size, "multivariable_cluster");
    else {
        size_t k = 0;
        while (k < sizeof models / sizeof models[0] && strcmp(models[k].title, title))
            k++;
        if (k == sizeof models / sizeof models[0])
            fail_msg("no model is titled '%s'", title);
        snprintf(out, size, "%s", models[k].model);
    }
    return out;
}

/* The first column of the m-th model of a Cox table (its HR, SHR for Fine-Gray), 0 when there is
 * none: each model has HR (95% CI) and p, the multivariable ones then their E-values. */
static size_t cox_column(const test_docx_table *t, size_t m)
{
    for (size_t c = 1, k = 0; c < t->n_cells[1]; c++)
        if ((!strcmp(test_docx_cell(t, 1, c), "HR (95% CI)") || !strcmp(test_docx_cell(t, 1, c), "SHR (95% CI)")) &&
            k++ == m)
            return c;
    return 0;
}

/* The HR (95% CI), p and E-values of one coefficient in each model that has it; returns the HRs shown. */
static size_t check_cox_cells(const run *r, const test_docx_table *t, size_t row, const char *endpoint,
                              const study_variable *v, const char *level)
{
    char text[128], model[256];
    size_t hrs = 0;
    for (size_t m = 0, c; (c = cox_column(t, m)) != 0; m++) {
        cox_model(test_docx_cell(t, 0, 1 + m), v, model, sizeof model);
        const char *hr = test_docx_cell(t, row, c);
        if (!hr[0] || !strcmp(hr, "1 (reference)"))
            continue;
        expect_cell(t, row, c, shown(text, CELL_ESTIMATE_CI, 2,
                                     test_result(r->results, "cox", endpoint, model, v->name, level, "hr"),
                                     test_result(r->results, "cox", endpoint, model, v->name, level, "hr_lower"),
                                     test_result(r->results, "cox", endpoint, model, v->name, level, "hr_upper")));
        expect_cell(t, row, c + 1,
                    shown(text, CELL_P, 3, test_result(r->results, "cox", endpoint, model, v->name, level, "p"), NAN, NAN));
        if (!strcmp(test_docx_cell(t, 1, c + 2), "E-value (CI)"))
            expect_cell(t, row, c + 2, shown(text, CELL_ESTIMATE_SE, 2,
                                             test_result(r->results, "cox", endpoint, model, v->name, level, "evalue"),
                                             test_result(r->results, "cox", endpoint, model, v->name, level, "evalue_ci"),
                                             NAN));
        hrs++;
    }
    return hrs;
}

/* The factor's own line: the joint Wald p of each model. */
static void check_cox_factor(const run *r, const test_docx_table *t, size_t row, const char *endpoint,
                             const study_variable *v)
{
    char text[128], model[256];
    for (size_t m = 0, c; (c = cox_column(t, m)) != 0; m++) {
        const char *p = test_docx_cell(t, row, c + 1);
        cox_model(test_docx_cell(t, 0, 1 + m), v, model, sizeof model);
        expect_cell(t, row, c, "");
        if (p[0])
            expect_cell(t, row, c + 1, shown(text, CELL_P, 3, test_result(r->results, "cox", endpoint, model, v->name,
                                                                          "", "wald_global_p"), NAN, NAN));
    }
}

/* Every line of an endpoint's Cox table (the first row spans the models, the second heads the
 * columns); returns the hazard ratios shown. */
static size_t check_cox(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    const study_variable *v = NULL;
    size_t hrs = 0;
    char name[256];
    assert_string_equal(test_docx_cell(t, 1, 0), "Variable");
    for (size_t row = 2; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0), *level = level_shown(v, label);
        snprintf(name, sizeof name, "%s", label);
        char *unit = strstr(name, ", per unit");
        if (unit) {
            *unit = '\0';
            assert_non_null(v = variable_labelled(r->study, name));
            hrs += check_cox_cells(r, t, row, e->name, v, "");
            v = NULL;
        } else if (level) {
            hrs += check_cox_cells(r, t, row, e->name, v, level);
        } else {
            assert_non_null(v = variable_labelled(r->study, label));
            check_cox_factor(r, t, row, e->name, v);
        }
    }
    return hrs;
}

/* Patients, events and the last column (concordance, or competing events) of each model of a fit
 * table whose univariate models are PREFIX:VAR. */
static void check_model_fits(const run *r, const study_endpoint *e, const test_docx_table *t, const char *prefix)
{
    char text[128], model[256];
    const char *group = "";
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0);
        if (!test_docx_cell(t, row, 1)[0]) {
            group = label;
            continue;
        }
        const study_variable *v = variable_labelled(r->study, label);
        if (v && !strcmp(group, "Univariate"))
            snprintf(model, sizeof model, "%s:%s", prefix, v->name);
        else if (!strcmp(prefix, "finegray_univariate"))
            snprintf(model, sizeof model, "finegray_multivariable");
        else
            cox_model(label, NULL, model, sizeof model);
        expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, test_result(r->results, "cox", e->name, model, "", "", "n"), NAN,
                                     NAN));
        expect_cell(t, row, 2, shown(text, CELL_COUNT, 0, test_result(r->results, "cox", e->name, model, "", "",
                                                                      "events"), NAN, NAN));
        double c = test_result(r->results, "cox", e->name, model, "", "", "concordance");
        if (!strcmp(test_docx_cell(t, 0, 3), "Competing events"))
            expect_cell(t, row, 3, shown(text, CELL_COUNT, 0, test_result(r->results, "cox", e->name, model, "", "",
                                                                          "competing"), NAN, NAN));
        else
            expect_cell(t, row, 3, isnan(c) ? "" : shown(text, CELL_ESTIMATE_SE, 3, c, test_result(r->results, "cox",
                                                           e->name, model, "", "", "concordance_se"), NAN));
    }
}

/* Patients, events and concordance of each Cox model. */
static void check_cox_fit(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    check_model_fits(r, e, t, "univariate");
}

/* ---- Table 1 ---- */

static const char *t1_column(const test_docx_table *t, size_t col, char *out, size_t size)
{
    const char *header = test_docx_cell(t, 0, col);
    snprintf(out, size, "%.*s", (int)strcspn(header, " "), header);
    if (!strcmp(out, "Overall"))
        snprintf(out, size, "overall");
    return out;
}

static void check_t1_levels(const run *r, const test_docx_table *t, size_t row, size_t groups,
                            const study_variable *v, const char *level)
{
    char text[128], column[64];
    for (size_t g = 0; g < groups; g++) {
        t1_column(t, 1 + g, column, sizeof column);
        double n = test_result(r->results, "table1", "", column, v->name, level, "n");
        expect_cell(t, row, 1 + g, shown(text, CELL_COUNT_PERCENT, 1, n,
                                         test_result(r->results, "table1", "", column, v->name, level, "pct") / 100.0,
                                         NAN));
    }
}

static void check_t1_numeric(const run *r, const test_docx_table *t, size_t row, size_t groups,
                             const study_variable *v, const char *label)
{
    char text[128], column[64];
    int median = !strcmp(label, "Median [IQR]"), missing = !strcmp(label, "Missing");
    for (size_t g = 0; g < groups; g++) {
        const char *c = t1_column(t, 1 + g, column, sizeof column);
        if (missing)
            shown(text, CELL_COUNT, 0, test_result(r->results, "table1", "", c, v->name, "", "missing"), NAN, NAN);
        else if (median)
            shown(text, CELL_MEDIAN_IQR, 1, test_result(r->results, "table1", "", c, v->name, "", "median"),
                  test_result(r->results, "table1", "", c, v->name, "", "q1"),
                  test_result(r->results, "table1", "", c, v->name, "", "q3"));
        else
            shown(text, CELL_MEAN_SD, 1, test_result(r->results, "table1", "", c, v->name, "", "mean"),
                  test_result(r->results, "table1", "", c, v->name, "", "sd"), NAN);
        expect_cell(t, row, 1 + g, text);
    }
    if (!missing)
        expect_cell(t, row, 1 + groups, shown(text, CELL_P, 3, test_result(r->results, "table1", "", "", v->name, "",
                                                                           median ? "p_kruskal" : "p_anova"), NAN, NAN));
}

/* A yes/no variable's one line, "Extrahepatic disease (yes)": the variable, its level in *level. */
static const study_variable *t1_yes_no(const run *r, const char *label, const char **level)
{
    char name[256];
    snprintf(name, sizeof name, "%s", label);
    char *open = strrchr(name, '(');
    if (!open || open == name)
        return NULL;
    open[-1] = '\0';
    const study_variable *v = variable_labelled(r->study, name);
    char shown_level[128];
    snprintf(shown_level, sizeof shown_level, "%.*s", (int)strcspn(open + 1, ")"), open + 1);
    *level = level_shown(v, shown_level);
    return *level ? v : NULL;
}

static void check_t1_smd(const run *r, const test_docx_table *t, size_t row, size_t col, const study_variable *v,
                         const char *level)
{
    char text[128];
    for (size_t k = 0; k < 2; k++) {
        double smd = test_result(r->results, "balance", "", k ? "weighted" : "unweighted", v->name, level, "max_abs_smd");
        expect_cell(t, row, col + k, isnan(smd) ? "" : shown(text, CELL_NUMBER, 3, smd, NAN, NAN));
    }
}

static void check_table1(const run *r, const test_docx_table *t, size_t groups)
{
    const study_variable *v = NULL;
    char text[128];
    for (size_t g = 0; g < groups; g++) {
        char column[64], want[96];
        snprintf(want, sizeof want, "%s (n = %.0f)", g ? t1_column(t, 1 + g, column, sizeof column) : "Overall",
                 test_result(r->results, "table1", "", t1_column(t, 1 + g, column, sizeof column), "all", "", "n"));
        expect_cell(t, 0, 1 + g, want);
    }
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0), *level = NULL;
        const study_variable *yes_no = t1_yes_no(r, label, &level);
        if (yes_no) {
            v = yes_no;
            check_t1_levels(r, t, row, groups, v, level);
            expect_cell(t, row, 1 + groups, shown(text, CELL_P, 3, test_result(r->results, "table1", "", "", v->name, "",
                                                                                "p_chisq"), NAN, NAN));
            check_t1_smd(r, t, row, 2 + groups, v, level);
        } else if (variable_labelled(r->study, label)) {
            v = variable_labelled(r->study, label);
            expect_cell(t, row, 1 + groups, study_variable_is_factor(v)
                                                ? shown(text, CELL_P, 3, test_result(r->results, "table1", "", "",
                                                                                     v->name, "", "p_chisq"), NAN, NAN)
                                                : "");
            if (!study_variable_is_factor(v))
                check_t1_smd(r, t, row, 2 + groups, v, "");
        } else if ((level = level_shown(v, label))) {
            check_t1_levels(r, t, row, groups, v, level);
            check_t1_smd(r, t, row, 2 + groups, v, level);
        } else {
            assert_non_null(v);
            check_t1_numeric(r, t, row, groups, v, label);
        }
    }
}

/* ---- the other tables ---- */

static const char *endpoint_labelled(const study *s, const char *label)
{
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (!strcmp(label, endpoint_label(&s->endpoints[e])))
            return s->endpoints[e].name;
    return NULL;
}

static void check_zph(const run *r, const test_docx_table *t)
{
    const char *endpoint = NULL;
    char text[128];
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0);
        if (endpoint_labelled(r->study, label)) {
            endpoint = endpoint_labelled(r->study, label);
            continue;
        }
        const study_variable *v = variable_labelled(r->study, label);
        const char *term = v ? v->name : "GLOBAL";
        assert_true(endpoint && (v || !strcmp(label, "Global test")));
        expect_cell(t, row, 1, shown(text, CELL_NUMBER, 2, test_result(r->results, "zph", endpoint, "multivariable", term,
                                                                       "", "chisq"), NAN, NAN));
        expect_cell(t, row, 2, shown(text, CELL_NUMBER, 0, test_result(r->results, "zph", endpoint, "multivariable", term,
                                                                       "", "df"), NAN, NAN));
        expect_cell(t, row, 3, shown(text, CELL_P, 3, test_result(r->results, "zph", endpoint, "multivariable", term, "",
                                                                  "p"), NAN, NAN));
    }
}

static void check_weights(const run *r, const test_docx_table *t)
{
    const study_variable *v = &r->study->variables[r->study->treatment];
    char text[128];
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *level = test_docx_cell(t, row, 0);
        if (!strcmp(level, "All with a weight")) {
            expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, test_result(r->results, "ps", "", "", v->name, "", "n"), NAN,
                                         NAN));
            continue;
        }
        double n = test_result(r->results, "ps", "", "", v->name, level, "n");
        double ess = test_result(r->results, "ps", "", "", v->name, level, "ess");
        expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, n, NAN, NAN));
        expect_cell(t, row, 2, shown(text, CELL_NUMBER, 1, test_result(r->results, "ps", "", "", v->name, level, "sum_w"),
                                     NAN, NAN));
        expect_cell(t, row, 3, shown(text, CELL_NUMBER, 1, ess, NAN, NAN));
        expect_cell(t, row, 4, shown(text, CELL_PERCENT, 0, ess / n, NAN, NAN));
        expect_cell(t, row, 5, shown(text, CELL_NUMBER, 2, test_result(r->results, "ps", "", "", v->name, level, "max_w"),
                                     NAN, NAN));
    }
}

static void check_balance(const run *r, const test_docx_table *t)
{
    const study_variable *v = NULL;
    char text[128];
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0), *level = level_shown(v, label);
        if (!level) {
            v = variable_labelled(r->study, label);
            assert_non_null(v);
            if (study_variable_is_factor(v)) {
                expect_cell(t, row, 1, "");
                continue;
            }
            level = "";
        }
        double after = test_result(r->results, "balance", "", "weighted", v->name, level, "max_abs_smd");
        expect_cell(t, row, 1, shown(text, CELL_NUMBER, 3, test_result(r->results, "balance", "", "unweighted", v->name,
                                                                       level, "max_abs_smd"), NAN, NAN));
        expect_cell(t, row, 2, shown(text, CELL_NUMBER, 3, after, NAN, NAN));
        expect_cell(t, row, 3, after <= 0.1 ? "yes" : "no");
    }
}

static void check_flow_endpoints(const run *r, const test_docx_table *t)
{
    char text[128];
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *endpoint = endpoint_labelled(r->study, test_docx_cell(t, row, 0));
        assert_non_null(endpoint);
        double n = test_result(r->results, "km", endpoint, "unweighted", "all", "", "n");
        double events = test_result(r->results, "km", endpoint, "unweighted", "all", "", "events");
        expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, n, NAN, NAN));
        expect_cell(t, row, 2, shown(text, CELL_COUNT, 0, events, NAN, NAN));
        expect_cell(t, row, 3, shown(text, CELL_COUNT, 0, n - events, NAN, NAN));
        expect_cell(t, row, 5, shown(text, CELL_ESTIMATE_CI, 1,
                                     test_result(r->results, "followup", endpoint, "reverse_km", "all", "", "median"),
                                     test_result(r->results, "followup", endpoint, "reverse_km", "all", "", "median_lower"),
                                     test_result(r->results, "followup", endpoint, "reverse_km", "all", "", "median_upper")));
    }
}

/* The number of Cox coefficients of a model in results.csv. */
static size_t coefficients(const run *r, const char *endpoint, const char *model)
{
    size_t n = 0;
    for (size_t i = 0; i < r->results->n; i++) {
        char *const *k = r->results->lines[i].keys;
        n += !strcmp(k[0], "cox") && !strcmp(k[1], endpoint) && !strcmp(k[2], model) && !strcmp(k[5], "coef");
    }
    return n;
}

static void check_events_per_coefficient(const run *r, const test_docx_table *t)
{
    char text[128], model[64];
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *endpoint = endpoint_labelled(r->study, test_docx_cell(t, row, 0));
        assert_non_null(endpoint);
        cox_model(test_docx_cell(t, row, 1), NULL, model, sizeof model);
        double events = test_result(r->results, "cox", endpoint, model, "", "", "events");
        size_t n = coefficients(r, endpoint, model);
        expect_cell(t, row, 2, shown(text, CELL_COUNT, 0, events, NAN, NAN));
        snprintf(text, sizeof text, "%zu", n);
        expect_cell(t, row, 3, text);
        expect_cell(t, row, 4, shown(text, CELL_NUMBER, 1, events / (double)n, NAN, NAN));
        expect_cell(t, row, 5, events / (double)n >= 10 ? "yes" : "no");
    }
}

/* ---- round 2 (issue 18) ---- */

/* The lines of results.csv of a section and endpoint with this stat whose model is model, or starts
 * with it when it ends with ':' ("univariate:"). */
static size_t result_lines(const run *r, const char *section, const char *endpoint, const char *model,
                           const char *stat)
{
    size_t n = 0, length = strlen(model);
    int prefix = length > 0 && model[length - 1] == ':';
    for (size_t i = 0; i < r->results->n; i++) {
        char *const *k = r->results->lines[i].keys;
        n += !strcmp(k[0], section) && !strcmp(k[1], endpoint) && !strcmp(k[5], stat) &&
             (prefix ? !strncmp(k[2], model, length) : !strcmp(k[2], model));
    }
    return n;
}

/* "G1 vs G2" as shown back to the results level "G1 vs G2" of v. */
static const char *pair_key(const study_variable *v, const char *label, char *out, size_t size)
{
    char first[128];
    const char *vs = strstr(label, " vs ");
    assert_non_null(vs);
    snprintf(first, sizeof first, "%.*s", (int)(vs - label), label);
    const char *a = level_shown(v, first), *b = level_shown(v, vs + 4);
    assert_true(a && b);
    snprintf(out, size, "%s vs %s", a, b);
    return out;
}

/* The pairwise and trend tests under a survival table; returns the pairs and trends checked. */
static size_t check_pairwise(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    const study_variable *v = NULL;
    char text[128], pair[256];
    size_t checked = 0;
    assert_string_equal(test_docx_cell(t, 0, 3), "p (Holm)");
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0);
        if (variable_labelled(r->study, label)) {
            v = variable_labelled(r->study, label);
            continue;
        }
        const int trend = !strcmp(label, "Test for trend");
        const char *section = trend ? "logrank_trend" : "logrank_pairwise", *level = trend ? "" : pair_key(v, label, pair, sizeof pair);
        expect_cell(t, row, 1, shown(text, CELL_NUMBER, 2, test_result(r->results, section, e->name, "", v->name, level,
                                                                       "chisq"), NAN, NAN));
        expect_cell(t, row, 2, shown(text, CELL_P, 3, test_result(r->results, section, e->name, "", v->name, level, "p"),
                                     NAN, NAN));
        expect_cell(t, row, 3, trend ? "" : shown(text, CELL_P, 3, test_result(r->results, section, e->name, "", v->name,
                                                                                level, "p_holm"), NAN, NAN));
        checked++;
    }
    assert_int_equal(checked, result_lines(r, "logrank_pairwise", e->name, "", "p_holm") +
                                  result_lines(r, "logrank_trend", e->name, "", "chisq"));
    return checked;
}

/* One cumulative-incidence line: n, events, competing events, the landmarks, no Gray's p. */
static void check_cif_line(const run *r, const test_docx_table *t, size_t row, const char *endpoint,
                           const char *model, const char *variable, const char *level)
{
    static const char *const counts[] = {"n", "events", "competing"};
    char text[128];
    for (size_t k = 0; k < 3; k++)
        expect_cell(t, row, 1 + k, shown(text, CELL_COUNT, 0, test_result(r->results, "cif", endpoint, model, variable,
                                                                           level, counts[k]), NAN, NAN));
    check_landmarks(r, t, row, "cif", "cif", endpoint, model, variable, level);
}

/* Every line of a cumulative-incidence table; returns the curves checked. */
static size_t check_cif(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    assert_string_equal(test_docx_cell(t, 0, 3), "Competing events");
    size_t curves = check_curves(r, e, t, check_cif_line, "gray");
    assert_int_equal(curves, result_lines(r, "cif", e->name, "unweighted", "n") +
                                 result_lines(r, "cif", e->name, "weighted", "n"));
    return curves;
}

/* Every line of an RMST table; returns the groups checked. */
static size_t check_rmst(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    const study_variable *v = NULL;
    char text[128];
    size_t groups = 0;
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = test_docx_cell(t, row, 0), *level = level_shown(v, label);
        if (strcmp(label, "All patients") && !level) {
            assert_non_null(v = variable_labelled(r->study, label));
            continue;
        }
        const char *variable = level ? v->name : "all";
        level = level ? level : "";
        expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, test_result(r->results, "km", e->name, "unweighted", variable,
                                                                      level, "n"), NAN, NAN));
        expect_cell(t, row, 2, shown(text, CELL_COUNT, 0, test_result(r->results, "km", e->name, "unweighted", variable,
                                                                      level, "events"), NAN, NAN));
        expect_cell(t, row, 3, shown(text, CELL_ESTIMATE_CI, 1, test_result(r->results, "rmst", e->name, "unweighted",
                                                                             variable, level, "rmst"),
                                     test_result(r->results, "rmst", e->name, "unweighted", variable, level, "lower"),
                                     test_result(r->results, "rmst", e->name, "unweighted", variable, level, "upper")));
        if (!strcmp(test_docx_cell(t, row, 4), "reference")) {
            assert_true(level[0] && !strcmp(level, v->levels[v->reference]));
            expect_cell(t, row, 5, "");
        } else if (level[0] && strcmp(level, v->levels[v->reference])) {
            expect_cell(t, row, 4, shown(text, CELL_ESTIMATE_CI, 1, test_result(r->results, "rmst", e->name, "unweighted",
                                                                                 variable, level, "diff"),
                                         test_result(r->results, "rmst", e->name, "unweighted", variable, level, "diff_lower"),
                                         test_result(r->results, "rmst", e->name, "unweighted", variable, level, "diff_upper")));
            expect_cell(t, row, 5, shown(text, CELL_P, 3, test_result(r->results, "rmst", e->name, "unweighted", variable,
                                                                       level, "diff_p"), NAN, NAN));
        }
        groups++;
    }
    assert_int_equal(groups, result_lines(r, "rmst", e->name, "unweighted", "rmst"));
    return groups;
}

/* The log-rank tests unstratified and stratified by centre; returns the stratified tests shown. */
static size_t check_centre_logrank(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    char text[128];
    size_t stratified = 0;
    for (size_t row = 2; row < t->n_rows; row++) {
        const study_variable *v = variable_labelled(r->study, test_docx_cell(t, row, 0));
        assert_non_null(v);
        for (size_t k = 0; k < 2; k++) {
            const char *model = k ? "stratified" : "";
            double p = test_result(r->results, "logrank", e->name, model, v->name, "", "p");
            expect_cell(t, row, 1 + 3 * k, isnan(p) ? "" : shown(text, CELL_NUMBER, 2, test_result(r->results, "logrank",
                                                                   e->name, model, v->name, "", "chisq"), NAN, NAN));
            expect_cell(t, row, 2 + 3 * k, isnan(p) ? "" : shown(text, CELL_NUMBER, 0, test_result(r->results, "logrank",
                                                                   e->name, model, v->name, "", "df"), NAN, NAN));
            expect_cell(t, row, 3 + 3 * k, isnan(p) ? "" : shown(text, CELL_P, 3, p, NAN, NAN));
            stratified += k && !isnan(p);
        }
    }
    assert_int_equal(stratified, result_lines(r, "logrank", e->name, "stratified", "p"));
    return stratified;
}

/* One row of the treatment effects: n, events, unweighted and weighted HR and p of one contrast. */
static size_t check_effect_row(const run *r, const test_docx_table *t, size_t row, const char *endpoint,
                               const char *unweighted, const char *weighted, const char *contrast)
{
    const study_variable *treatment = &r->study->variables[r->study->treatment];
    const char *level = contrast ? level_shown(treatment, contrast) : NULL;
    const char *models[] = {unweighted, weighted};
    char text[128];
    size_t hrs = 0;
    for (size_t l = 0; !contrast && l < treatment->n_levels; l++)
        if (l != treatment->reference)
            level = treatment->levels[l];  /* one contrast: the label is the subgroup's alone */
    expect_cell(t, row, 1, shown(text, CELL_COUNT, 0, test_result(r->results, "cox", endpoint, unweighted, "", "", "n"),
                                 NAN, NAN));
    expect_cell(t, row, 2, shown(text, CELL_COUNT, 0, test_result(r->results, "cox", endpoint, unweighted, "", "",
                                                                  "events"), NAN, NAN));
    for (size_t k = 0; k < 2 && level; k++) {
        double hr = test_result(r->results, "cox", endpoint, models[k], treatment->name, level, "hr");
        if (!test_docx_cell(t, row, 3 + 2 * k)[0]) {
            assert_true(isnan(hr));
            continue;
        }
        expect_cell(t, row, 3 + 2 * k, shown(text, CELL_ESTIMATE_CI, 2, hr,
                                             test_result(r->results, "cox", endpoint, models[k], treatment->name, level,
                                                         "hr_lower"),
                                             test_result(r->results, "cox", endpoint, models[k], treatment->name, level,
                                                         "hr_upper")));
        expect_cell(t, row, 4 + 2 * k, shown(text, CELL_P, 3, test_result(r->results, "cox", endpoint, models[k],
                                                                           treatment->name, level, "p"), NAN, NAN));
        hrs++;
    }
    return hrs;
}

/* Every line of the treatment effects within subgroups; returns the hazard ratios shown. */
static size_t check_effects(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    const study_variable *v = NULL, *treatment = &r->study->variables[r->study->treatment];
    char text[128], label[256], unweighted[256], weighted[256];
    size_t hrs = 0;
    for (size_t row = 2; row < t->n_rows; row++) {
        snprintf(label, sizeof label, "%s", test_docx_cell(t, row, 0));
        char *colon = strstr(label, ": "), *contrast = NULL;
        if (colon) {
            *colon = '\0';
            contrast = colon + 2;
            *strstr(contrast, " vs ") = '\0';
        }
        if (!strcmp(label, "All patients")) {
            snprintf(unweighted, sizeof unweighted, "univariate:%s", treatment->name);
            hrs += check_effect_row(r, t, row, e->name, unweighted, "weighted_univariate", contrast);
            continue;
        }
        const char *level = level_shown(v, label);
        if (!level) {
            assert_non_null(v = variable_labelled(r->study, label));
            expect_cell(t, row, 7, shown(text, CELL_P, 3, test_result(r->results, "interaction", e->name, "", v->name, "",
                                                                      "lr_p"), NAN, NAN));
            continue;
        }
        snprintf(unweighted, sizeof unweighted, "subgroup:%s=%s", v->name, level);
        snprintf(weighted, sizeof weighted, "weighted_subgroup:%s=%s", v->name, level);
        hrs += check_effect_row(r, t, row, e->name, unweighted, weighted, contrast);
    }
    char overall[256];
    snprintf(overall, sizeof overall, "univariate:%s", treatment->name);
    assert_int_equal(hrs, result_lines(r, "cox", e->name, "subgroup:", "hr") +
                              result_lines(r, "cox", e->name, "weighted_subgroup:", "hr") +
                              result_lines(r, "cox", e->name, overall, "hr") +
                              result_lines(r, "cox", e->name, "weighted_univariate", "hr"));
    return hrs;
}

/* A table of hazard ratios (check_cox) with its count: the hr lines of the models it shows. */
static size_t check_hr_table(const run *r, const study_endpoint *e, const test_docx_table *t,
                             const char *const *models, size_t n)
{
    size_t want = 0, hrs = check_cox(r, e, t);
    for (size_t m = 0; m < n; m++)
        want += result_lines(r, "cox", e->name, models[m], "hr");
    assert_int_equal(hrs, want);
    return hrs;
}

static size_t check_centre_cox(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    static const char *const models[] = {"multivariable", "multivariable_stratified", "multivariable_cluster"};
    return check_hr_table(r, e, t, models, 3);
}

static size_t check_finegray(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    static const char *const models[] = {"univariate:", "finegray_univariate:", "multivariable", "finegray_multivariable"};
    return check_hr_table(r, e, t, models, 4);
}

static size_t check_centre_fit(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    check_model_fits(r, e, t, "univariate");
    return t->n_rows - 1;
}

static size_t check_finegray_fit(const run *r, const study_endpoint *e, const test_docx_table *t)
{
    check_model_fits(r, e, t, "finegray_univariate");
    return t->n_rows - 1;
}

typedef size_t (*table_check)(const run *r, const study_endpoint *e, const test_docx_table *t);

/* Checks t if it is a round-2 table of the endpoint (by its title); returns whether it was one. */
static int check_round2_table(const run *r, const study_endpoint *ep, const test_docx_table *t)
{
    char rmst[256], title[512];
    snprintf(rmst, sizeof rmst, "Restricted mean survival time to %g %s, %%s", r->study->rmst_tau, r->study->time_unit);
    const struct {
        const char *format;  /* the title, %s the endpoint's label */
        table_check check;
    } kinds[] = {
        {"%s by subgroup: pairwise and trend log-rank tests", check_pairwise},
        {"%s by subgroup: pairwise log-rank tests", check_pairwise},
        {"Cumulative incidence by subgroup, %s", check_cif},
        {rmst, check_rmst},
        {"Multicentre analyses, %s: log-rank tests", check_centre_logrank},
        {"Multicentre analyses, %s: multivariable Cox model", check_centre_cox},
        {"Multicentre analyses, %s: patients and events per model", check_centre_fit},
        {"Competing-risks regression, %s", check_finegray},
        {"Fine-Gray models, %s: patients and events per model", check_finegray_fit},
        {"Treatment effect within subgroups, %s", check_effects},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        snprintf(title, sizeof title, kinds[k].format, endpoint_label(ep));
        if (!strcmp(t->title, title)) {
            assert_true(kinds[k].check(r, ep, t) > 0);
            return 1;
        }
    }
    return 0;
}

/* ---- tests ---- */

static int setup(void **state)
{
    static run sample;
    run_make(&sample, "tests/fixtures/data/net_sample_155.study.ini", "tests/fixtures/data/net_sample_155.csv", NULL);
    *state = &sample;
    return 0;
}

static int teardown(void **state)
{
    run_free(*state);
    return 0;
}

/* Every table is one the test knows, and every cell of it equals results.csv as the report shows it:
 * each Kaplan-Meier line in a survival table and each hazard ratio of the Cox models in a Cox table,
 * and the round-2 tables with their own counts. */
static void check_every_table(const run *r)
{
    static const char *const cox_models[] = {"univariate:", "multivariable", "weighted_univariate",
                                             "weighted_multivariable"};
    size_t curves = 0, hrs = 0, want_curves = 0, want_hrs = 0, checked = 0;
    assert_true(r->docx->n >= 12);
    for (size_t i = 0; i < r->docx->n; i++) {
        const test_docx_table *t = &r->docx->tables[i];
        for (size_t e = 0; e < r->study->n_endpoints; e++) {
            const study_endpoint *ep = &r->study->endpoints[e];
            char title[256];
            snprintf(title, sizeof title, "%s by subgroup", endpoint_label(ep));
            if (!strcmp(t->title, title))
                curves += check_survival(r, ep, t), checked++;
            snprintf(title, sizeof title, "Cox models, %s", endpoint_label(ep));
            if (!strcmp(t->title, title))
                hrs += check_cox(r, ep, t), checked++;
            snprintf(title, sizeof title, "Cox models, %s: patients and events per model", endpoint_label(ep));
            if (!strcmp(t->title, title))
                check_cox_fit(r, ep, t), checked++;
            checked += (size_t)check_round2_table(r, ep, t);
        }
        if (!strcmp(t->title, "Table 1. Baseline characteristics by treatment group"))
            check_table1(r, t, 4), checked++;
        if (!strcmp(t->title, "Proportional-hazards test of the multivariable models (cox.zph)"))
            check_zph(r, t), checked++;
        if (!strcmp(t->title, "Propensity weights (ATE) per treatment group"))
            check_weights(r, t), checked++;
        if (!strcmp(t->title, "Covariate balance"))
            check_balance(r, t), checked++;
        if (!strcmp(t->title, "Analysed records per endpoint"))
            check_flow_endpoints(r, t), checked++;
        if (!strcmp(t->title, "Events per coefficient"))
            check_events_per_coefficient(r, t), checked++;
    }
    for (size_t e = 0; e < r->study->n_endpoints; e++) {
        want_curves += result_lines(r, "km", r->study->endpoints[e].name, "unweighted", "n") +
                       result_lines(r, "km", r->study->endpoints[e].name, "weighted", "n");
        for (size_t m = 0; m < 4; m++)
            want_hrs += result_lines(r, "cox", r->study->endpoints[e].name, cox_models[m], "hr");
    }
    assert_int_equal(curves, want_curves);
    assert_int_equal(hrs, want_hrs);
    /* All but the missing-values table, which the flow's own check (patients.csv) covers. */
    assert_int_equal(checked, r->docx->n - 1);
}

static void test_every_cell_equals_the_results(void **state)
{
    run *r = *state;
    if (!r->docx)
        skip();
    check_every_table(r);
}

/* The round-2 sample (centre, a competing event, an ordered grade, RMST, a forest): every table,
 * the new ones included (issue 18), each cell equal to results.csv as shown. */
static void test_round2_every_cell(void **state)
{
    (void)state;
    run r;
    run_make(&r, "tests/fixtures/data/net_sample_155.round2.study.ini", "tests/fixtures/data/net_sample_155.csv", NULL);
    if (r.docx) {
        size_t round2 = 0;
        for (size_t i = 0; i < r.docx->n; i++)
            for (size_t e = 0; e < r.study->n_endpoints; e++)
                round2 += strstr(r.docx->tables[i].title, r.study->endpoints[e].label) &&
                          (strstr(r.docx->tables[i].title, "Multicentre") || strstr(r.docx->tables[i].title, "Fine-Gray") ||
                           strstr(r.docx->tables[i].title, "Restricted mean") || strstr(r.docx->tables[i].title, "pairwise") ||
                           strstr(r.docx->tables[i].title, "Cumulative incidence") ||
                           strstr(r.docx->tables[i].title, "Competing-risks") ||
                           strstr(r.docx->tables[i].title, "within subgroups"));
        /* Per endpoint: pairwise, RMST, 3 multicentre, the effects; the competing endpoint: CIF, 2 Fine-Gray. */
        assert_int_equal(round2, 3 * 6 + 3);
        check_every_table(&r);
    }
    run_free(&r);
}

/* The tables come in the report's order; wide ones stand in landscape sections; footnotes follow. */
static void test_order_orientation_and_notes(void **state)
{
    run *r = *state;
    char command[256];
    if (!r->docx)
        skip();
    snprintf(command, sizeof command, "pdftotext '%s/report.pdf' -", r->dir);
    char *pdf = test_command_output(command);
    assert_non_null(pdf);
    const char *at = pdf;
    for (size_t i = 0; i < r->docx->n; i++) {
        const char *found = strstr(at, r->docx->tables[i].title);
        if (!found)
            print_error("'%s' is not in the report after the tables before it\n", r->docx->tables[i].title);
        assert_non_null(found);
        at = found + 1;
    }
    free(pdf);
    const test_docx_table *t1 = test_docx_table_titled(r->docx, "Table 1. Baseline characteristics by treatment group");
    const test_docx_table *weights = test_docx_table_titled(r->docx, "Propensity weights (ATE) per treatment group");
    assert_true(t1 && t1->landscape);
    assert_true(weights && !weights->landscape);
    assert_true(t1->n_notes >= 1);
    assert_non_null(strstr(t1->notes[0], "Kruskal-Wallis"));
}

/* LibreOffice Writer opens the document (no repair) and converts it, every table title in its text. */
static void test_opens_in_libreoffice(void **state)
{
    run *r = *state;
    char command[768];
    if (!r->docx)
        skip();
    snprintf(command, sizeof command,
             "cd '%s' && timeout 300 soffice -env:UserInstallation=file://%s/profile --headless --convert-to pdf "
             "--outdir '%s/converted' tables.docx >/dev/null 2>&1 && pdftotext converted/tables.pdf -", r->dir, r->dir,
             r->dir);
    char *text = test_command_output(command);
    assert_non_null(text);
    for (size_t i = 0; i < r->docx->n; i++) {
        char words[64];
        snprintf(words, sizeof words, "%.40s", r->docx->tables[i].title);
        if (!strstr(text, words))
            print_error("LibreOffice's text lacks '%s'\n", words);
        assert_non_null(strstr(text, words));
    }
    free(text);
}

static void write_template(const char *dir, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/share.ini", dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

/* The share template writes no Word tables; asked (docx = yes), they carry its suppression. */
static void test_share_writes_none_unless_asked(void **state)
{
    (void)state;
    run r;
    char dir[] = "/tmp/test_docx_share.XXXXXX", path[128], docx[160];
    assert_non_null(mkdtemp(dir));
    run_make(&r, "tests/fixtures/data/net_sample_155.study.ini", "tests/fixtures/data/net_sample_155.csv",
             "templates/share.ini");
    snprintf(docx, sizeof docx, "%s/tables.docx", r.dir);
    assert_int_equal(access(docx, F_OK), -1);
    run_free(&r);
    write_template(dir, "[template]\nshare = yes\ndocx = yes\nsections = subgroups, cox\nsheets =\n", path, sizeof path);
    run_make(&r, "tests/fixtures/data/net_sample_155.study.ini", "tests/fixtures/data/net_sample_155.csv", path);
    snprintf(docx, sizeof docx, "%s/tables.docx", r.dir);
    assert_int_equal(access(docx, F_OK), 0);
    if (r.docx) {
        size_t hidden = 0;
        for (size_t i = 0; i < r.docx->n; i++)
            for (size_t row = 0; row < r.docx->tables[i].n_rows; row++)
                for (size_t c = 1; c < r.docx->tables[i].n_cells[row]; c++) {
                    const char *cell = r.docx->tables[i].rows[row][c];
                    hidden += !strcmp(cell, "<5");
                    assert_false(cell[0] >= '1' && cell[0] <= '4' && !cell[1]); /* no count from 1 to 4 */
                }
        assert_true(hidden > 0);
    }
    run_free(&r);
    unlink(path);
    rmdir(dir);
}

static void test_write_failure_names_the_file(void **state)
{
    run *r = *state;
    render_input in;
    char message[512] = "";
    report_template *t = NULL;
    results *empty = results_new();
    dataset *d = NULL;
    exclusion_log *log = exclusion_log_new();
    assert_int_equal(template_default(&t), EMBOLO_OK);
    assert_int_equal(dataset_new(r->study, 1, &d), EMBOLO_OK);
    d->n = d->rows_read = 0;
    in = (render_input){.version = "0", .study = r->study, .data = d, .log = log, .results = empty, .template = t,
                        .input_path = "x.csv", .input_sha256 = "0", .study_sha256 = "0"};
    assert_int_equal(test_write_document(&in, docx_write, "/nonexistent-embolo-dir/tables.docx", message, sizeof message),
                     EMBOLO_ERROR_OUTPUT);
    assert_non_null(strstr(message, "/nonexistent-embolo-dir/tables.docx"));
    template_free(t);
    dataset_free(d);
    exclusion_log_free(log);
    results_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cell_equals_the_results),
        cmocka_unit_test(test_round2_every_cell),
        cmocka_unit_test(test_order_orientation_and_notes),
        cmocka_unit_test(test_opens_in_libreoffice),
        cmocka_unit_test(test_share_writes_none_unless_asked),
        cmocka_unit_test(test_write_failure_names_the_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
