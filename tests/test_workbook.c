/* The workbook (tables.xlsx): runs the pipeline on the reference cohorts, opens the workbook with a
 * real spreadsheet program (gnumeric's ssconvert, one CSV per sheet) and compares the subgroup, Cox
 * and summary numbers with results.csv at full precision and as displayed; checks the file's
 * structure (tests/fixtures/workbook/check_xlsx.py: well-formed parts, no formula, numbers in the
 * numeric columns, charts), the share template's suppression, hostile input text, byte-identical
 * reruns, the creation date, a write failure and Excel's row limit. Under valgrind (make valgrind
 * traces child processes, and ssconvert, python3 and unzip are not leak-free) the workbooks are
 * still written, so their memory is checked, but the checks that need those programs are skipped. */
#define _XOPEN_SOURCE 700  /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>
#include <string.h>
#include <unistd.h>

#include "common/dataset.h"
#include "common/results.h"
#include "common/study.h"
#include "driver.h"
#include "render/format.h"
#include "render/render.h"
#include "render/template.h"
#include "render_testutil.h"
#include "testutil.h"

#define DATA "tests/fixtures/data/"
#define CHECK_XLSX "python3 tests/fixtures/workbook/check_xlsx.py"
#define ALL_SHEETS "summary, methods, table1, subgroups, cox, km_curves, balance, exclusions, patients, dictionary"
/* The report's colour-blind-safe pens (Okabe-Ito, draw_series_pen): the KM charts' too. */
#define PALETTE "--palette 0072B2,D55E00,009E73,CC79A7,E69F00,56B4E9,000000"

/* ---- files and CSV ---- */


static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw)
{
    (void)info;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    assert_int_equal(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

static char *command_output(const char *command)
{
    FILE *pipe = popen(command, "r");
    size_t size = 0, capacity = 1 << 16;
    char *text = malloc(capacity);
    assert_non_null(pipe);
    assert_non_null(text);
    for (size_t got; (got = fread(text + size, 1, capacity - size - 1, pipe)) > 0;) {
        size += got;
        if (capacity - size < 2) {
            text = realloc(text, capacity *= 2);
            assert_non_null(text);
        }
    }
    text[size] = '\0';
    pclose(pipe);
    return text;
}

typedef struct csv_table {
    char ***cells;     /* [n_rows][n_fields[row]] */
    size_t *n_fields;
    size_t n_rows;
} csv_table;

/* Appends a field; a row is started when row_open is 0. */
static void csv_add(csv_table *t, int *row_open, const char *field, size_t length)
{
    if (!*row_open) {
        t->cells = realloc(t->cells, (t->n_rows + 1) * sizeof *t->cells);
        t->n_fields = realloc(t->n_fields, (t->n_rows + 1) * sizeof *t->n_fields);
        assert_true(t->cells && t->n_fields);
        t->cells[t->n_rows] = NULL;
        t->n_fields[t->n_rows++] = 0;
        *row_open = 1;
    }
    size_t r = t->n_rows - 1, n = t->n_fields[r];
    t->cells[r] = realloc(t->cells[r], (n + 1) * sizeof **t->cells);
    assert_non_null(t->cells[r]);
    t->cells[r][n] = strndup(field, length);
    assert_non_null(t->cells[r][n]);
    t->n_fields[r]++;
}

/* RFC 4180 CSV; NULL when the file does not exist. */
static csv_table *csv_read(const char *path)
{
    char *text = test_file_read(path, NULL), *field;
    csv_table *t;
    int row_open = 0;
    if (!text)
        return NULL;
    t = calloc(1, sizeof *t);
    field = malloc(strlen(text) + 1);
    assert_true(t && field);
    for (const char *c = text; *c;) {
        size_t length = 0;
        if (*c == '"') {
            for (c++; *c && !(c[0] == '"' && c[1] != '"'); c++)
                field[length++] = *c == '"' ? *++c : *c;
            c += *c == '"';
        } else {
            while (*c && *c != ',' && *c != '\n' && *c != '\r')
                field[length++] = *c++;
        }
        csv_add(t, &row_open, field, length);
        if (*c == ',')
            c++;
        else {
            c += *c == '\r';
            c += *c == '\n';
            row_open = 0;
        }
    }
    free(field);
    free(text);
    return t;
}

static void csv_free(csv_table *t)
{
    for (size_t r = 0; t && r < t->n_rows; r++) {
        for (size_t f = 0; f < t->n_fields[r]; f++)
            free(t->cells[r][f]);
        free(t->cells[r]);
    }
    if (t) {
        free(t->cells);
        free(t->n_fields);
    }
    free(t);
}

static const char *csv_cell(const csv_table *t, size_t row, size_t col)
{
    return row < t->n_rows && col < t->n_fields[row] ? t->cells[row][col] : "";
}

/* ---- a run ---- */

typedef struct run {
    char dir[64];        /* temporary directory */
    char out[96];        /* --out */
    char xlsx[128];
    study *study;
    csv_table *results;  /* results.csv */
    int checkable;       /* the sheets were converted (not under valgrind) */
} run;

/* Runs the pipeline on tests/fixtures/data/NAME.* with a template that selects only sheets (no
 * report), written to the run's directory or, when same_template is given, that run's template;
 * converts every sheet to CSV with ssconvert and reads results.csv. */
static run *run_pipeline_files(const char *name, const char *input, const char *template_extra, const char *as_of,
                               const run *same_template)
{
    run *r = calloc(1, sizeof *r);
    char study_path[256], input_path[256], template_path[128], message[1024], command[1024];
    assert_non_null(r);
    snprintf(r->dir, sizeof r->dir, "/tmp/embolo-workbook-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->out, sizeof r->out, "%s/out", r->dir);
    snprintf(r->xlsx, sizeof r->xlsx, "%s/tables.xlsx", r->out);
    snprintf(template_path, sizeof template_path, "%s/test.ini", same_template ? same_template->dir : r->dir);
    snprintf(study_path, sizeof study_path, DATA "%s.study.ini", name);
    snprintf(input_path, sizeof input_path, DATA "%s.csv", input);
    char template_text[1024];
    snprintf(template_text, sizeof template_text, "[template]\nname = test\nsections =\n%s\n", template_extra);
    write_text(template_path, template_text);
    driver_options options = {.command = DRIVER_RUN, .study_path = study_path, .input_path = input_path,
                              .template_path = template_path, .out_dir = r->out, .quiet = 1};
    if (as_of) {
        options.has_as_of = 1;
        assert_true(text_parse_date(as_of, strlen(as_of), DATE_FORMAT_ISO, &options.as_of));
    }
    embolo_error err = driver_run(&options, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("%s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    assert_int_equal(study_read(study_path, &r->study, message, sizeof message), EMBOLO_OK);
    snprintf(command, sizeof command, "%s/results.csv", r->out);
    assert_non_null(r->results = csv_read(command));
    if ((r->checkable = !test_under_valgrind())) {
        snprintf(command, sizeof command,
                 "ssconvert -S --export-type=Gnumeric_stf:stf_csv '%s' '%s/sheet_%%s.csv' >/dev/null 2>&1", r->xlsx,
                 r->dir);
        assert_int_equal(system(command), 0);
    }
    return r;
}

static run *run_pipeline_with(const char *name, const char *template_extra, const char *as_of, const run *same_template)
{
    return run_pipeline_files(name, name, template_extra, as_of, same_template);
}

static run *run_pipeline(const char *name, const char *template_extra, const char *as_of)
{
    return run_pipeline_with(name, template_extra, as_of, NULL);
}

static void run_free(run *r)
{
    remove_tree(r->dir);
    csv_free(r->results);
    study_free(r->study);
    free(r);
}

static csv_table *run_sheet(const run *r, const char *sheet)
{
    char path[256];
    snprintf(path, sizeof path, "%s/sheet_%s.csv", r->dir, sheet);
    return csv_read(path);
}

static void run_check_structure(const run *r, const char *arguments)
{
    char command[2048];
    snprintf(command, sizeof command, CHECK_XLSX " '%s' %s", r->xlsx, arguments);
    assert_int_equal(system(command), 0);
}

/* The value of a results.csv line, NAN for NA; fails when there is no such line. */
static double result(const run *r, const char *section, const char *endpoint, const char *model,
                     const char *variable, const char *level, const char *stat)
{
    const char *keys[] = {section, endpoint, model, variable, level, stat};
    for (size_t row = 1; row < r->results->n_rows; row++) {
        size_t k = 0;
        while (k < 6 && !strcmp(csv_cell(r->results, row, k), keys[k]))
            k++;
        if (k == 6)
            return strcmp(csv_cell(r->results, row, 6), "NA") ? strtod(csv_cell(r->results, row, 6), NULL) : NAN;
    }
    print_error("no results line %s,%s,%s,%s,%s,%s\n", section, endpoint, model, variable, level, stat);
    fail();
    return NAN;
}

static size_t result_count(const run *r, const char *section, const char *endpoint, const char *model_prefix,
                           const char *stat)
{
    size_t n = 0;
    for (size_t row = 1; row < r->results->n_rows; row++)
        n += !strcmp(csv_cell(r->results, row, 0), section) && !strcmp(csv_cell(r->results, row, 1), endpoint) &&
             !strncmp(csv_cell(r->results, row, 2), model_prefix, strlen(model_prefix)) &&
             !strcmp(csv_cell(r->results, row, 5), stat);
    return n;
}

/* The Cox models of an endpoint whose name begins with model_prefix: their lines n without a variable. */
static size_t model_count(const run *r, const char *endpoint, const char *model_prefix)
{
    size_t n = 0;
    for (size_t row = 1; row < r->results->n_rows; row++)
        n += !strcmp(csv_cell(r->results, row, 0), "cox") && !strcmp(csv_cell(r->results, row, 1), endpoint) &&
             !strncmp(csv_cell(r->results, row, 2), model_prefix, strlen(model_prefix)) &&
             !csv_cell(r->results, row, 3)[0] && !strcmp(csv_cell(r->results, row, 5), "n");
    return n;
}

/* ---- comparing cells with results ---- */

/* Every sheet starts with its title and a note; its first list's header follows. */
#define TITLE_ROWS 2

enum { SHOWN_NUMBER, SHOWN_P };

/* A cell equals the estimate at full precision and as shown (decimals); a missing one is blank. */
static void assert_cell(const char *cell, double want, int shown, int decimals)
{
    char got_text[64], want_text[64];
    if (isnan(want)) {
        assert_string_equal(cell, "");
        return;
    }
    char *end;
    double got = strtod(cell, &end);
    if (!cell[0] || *end)
        print_error("cell '%s' is not a number (want %.12g)\n", cell, want);
    assert_true(cell[0] && !*end);
    assert_close(got, want, 1e-9);
    (shown == SHOWN_P ? format_p : format_number)(got_text, sizeof got_text, got, decimals);
    (shown == SHOWN_P ? format_p : format_number)(want_text, sizeof want_text, want, decimals);
    assert_string_equal(got_text, want_text);
}

static const study_variable *find_variable_by_label(const study *s, const char *label)
{
    for (size_t v = 0; v < s->n_variables; v++) {
        const study_variable *var = &s->variables[v];
        if (!strcmp(var->label ? var->label : var->name, label))
            return var;
    }
    return NULL;
}

static const study_variable *variable_by_label(const study *s, const char *label)
{
    const study_variable *v = find_variable_by_label(s, label);
    if (v)
        return v;
    print_error("no variable labelled '%s'\n", label);
    fail();
    return NULL;
}

static const char *endpoint_by_label(const study *s, const char *label)
{
    for (size_t e = 0; e < s->n_endpoints; e++)
        if (!strcmp(s->endpoints[e].label ? s->endpoints[e].label : s->endpoints[e].name, label))
            return s->endpoints[e].name;
    print_error("no endpoint labelled '%s'\n", label);
    fail();
    return NULL;
}

/* A level as results.csv spells it: the sheets show "<=" as "≤" and ">=" as "≥". */
static const char *level_key(const char *shown, char *out, size_t size)
{
    size_t n = 0;
    for (const char *c = shown; *c && n + 3 < size; c++) {
        if (!strncmp(c, "\xe2\x89\xa4", 3) || !strncmp(c, "\xe2\x89\xa5", 3)) {
            out[n++] = c[2] == '\xa4' ? '<' : '>';
            out[n++] = '=';
            c += 2;
        } else {
            out[n++] = *c;
        }
    }
    out[n] = '\0';
    return out;
}

/* Whether a row of a list holds data: a cell beyond the first (a footnote or a blank row holds none). */
static int data_row(const csv_table *t, size_t row)
{
    for (size_t f = 1; row < t->n_rows && f < t->n_fields[row]; f++)
        if (t->cells[row][f][0])
            return 1;
    return 0;
}

static void sheet_name_of(const char *endpoint, char *out, size_t size)
{
    size_t n = 0;
    for (; endpoint[n] && n + 1 < size; n++)
        out[n] = (char)toupper((unsigned char)endpoint[n]);
    snprintf(out + n, size - n, " by subgroup");
}

/* The variable and model of a subgroup sheet's group ("Embolotherapy, propensity-weighted (ATE)"). */
static const char *subgroup_variable(const run *r, const char *group, const char **model)
{
    char name[256];
    snprintf(name, sizeof name, "%s", group);
    char *weighted = strstr(name, ", propensity-weighted (ATE)");
    *model = "unweighted";
    if (weighted) {
        *weighted = '\0';
        *model = "weighted";
    }
    return variable_by_label(r->study, name)->name;
}

/* One line of a subgroup sheet against the km and logrank lines; returns 1 for a curve's line. */
static size_t check_subgroup_line(const run *r, const csv_table *t, size_t row, const char *endpoint)
{
    const char *group = csv_cell(t, row, 0), *label = csv_cell(t, row, 1);
    const char *model = "unweighted", *variable = "all";
    char level[256] = "";
    size_t p_col = 7 + 3 * r->study->n_landmarks;
    if (group[0])
        variable = subgroup_variable(r, group, &model);
    if (!label[0]) { /* a variable's own line: its log-rank p */
        assert_true(group[0]);
        assert_cell(csv_cell(t, row, p_col), strcmp(model, "weighted") ? result(r, "logrank", endpoint, "", variable, "",
                                                                                "p") : NAN, SHOWN_P, 3);
        return 0;
    }
    if (group[0])
        level_key(label, level, sizeof level);
    else
        assert_string_equal(label, "All patients");
    assert_cell(csv_cell(t, row, 2), result(r, "km", endpoint, model, variable, level, "n"), SHOWN_NUMBER, 0);
    assert_cell(csv_cell(t, row, 3), result(r, "km", endpoint, model, variable, level, "events"), SHOWN_NUMBER, 0);
    static const char *const medians[] = {"median", "median_lower", "median_upper"};
    for (size_t k = 0; k < 3; k++)
        assert_cell(csv_cell(t, row, 4 + k), result(r, "km", endpoint, model, variable, level, medians[k]),
                    SHOWN_NUMBER, 1);
    for (size_t l = 0; l < r->study->n_landmarks; l++) {
        static const char *const stats[] = {"surv@%s", "surv_lower@%s", "surv_upper@%s"};
        for (size_t k = 0; k < 3; k++) {
            char stat[64];
            snprintf(stat, sizeof stat, stats[k], r->study->landmark_texts[l]);
            assert_cell(csv_cell(t, row, 7 + 3 * l + k), result(r, "km", endpoint, model, variable, level, stat),
                        SHOWN_NUMBER, 3);
        }
    }
    assert_string_equal(csv_cell(t, row, p_col), "");
    return 1;
}

/* The row below the survival list of an endpoint's sheet (the pairwise tests follow it). */
static size_t subgroup_list_end(const run *r, const char *endpoint)
{
    char sheet[64];
    sheet_name_of(endpoint, sheet, sizeof sheet);
    csv_table *t = run_sheet(r, sheet);
    size_t row = TITLE_ROWS + 1;
    assert_non_null(t);
    while (data_row(t, row))
        row++;
    csv_free(t);
    return row;
}

/* check_xlsx.py's arguments: every endpoint's survival list numeric from its third column. */
static void numeric_subgroups(const run *r, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t e = 0; e < r->study->n_endpoints && used < size; e++) {
        char sheet[64];
        sheet_name_of(r->study->endpoints[e].name, sheet, sizeof sheet);
        used += (size_t)snprintf(out + used, size - used, " --numeric '%s:3:2:16383:%zu'", sheet,
                                 subgroup_list_end(r, r->study->endpoints[e].name));
    }
}

/* Every km line of the endpoint is on its sheet, equal to results.csv. */
static void check_subgroups(const run *r, const char *endpoint)
{
    char sheet[64];
    size_t curves = 0;
    sheet_name_of(endpoint, sheet, sizeof sheet);
    csv_table *t = run_sheet(r, sheet);
    assert_non_null(t);
    assert_string_equal(csv_cell(t, TITLE_ROWS, 2), "n");
    for (size_t row = TITLE_ROWS + 1; data_row(t, row); row++)
        curves += check_subgroup_line(r, t, row, endpoint);
    assert_int_equal(curves, result_count(r, "km", endpoint, "", "n"));
    csv_free(t);
}

/* The results model of a block's title (and the variable of a univariate one). */
static const char *cox_model(const char *title, const char *variable, char *out, size_t size)
{
    if (!strcmp(title, "Univariate") || !strcmp(title, "Univariate, cause-specific Cox"))
        snprintf(out, size, "univariate:%s", variable);
    else if (!strcmp(title, "Univariate, Fine-Gray"))
        snprintf(out, size, "finegray_univariate:%s", variable);
    else if (!strncmp(title, "Stratified by ", 14))
        snprintf(out, size, "multivariable_stratified");
    else if (!strncmp(title, "Cluster-robust (", 16))
        snprintf(out, size, "multivariable_cluster");
    else if (!strcmp(title, "Multivariable, Fine-Gray"))
        snprintf(out, size, "finegray_multivariable");
    else
        snprintf(out, size, "%s", !strcmp(title, "Propensity-weighted univariate")      ? "weighted_univariate"
                                  : !strcmp(title, "Propensity-weighted multivariable") ? "weighted_multivariable"
                                                                                        : "multivariable");
    return out;
}

/* The variable and level of a Cox line: a factor's level under its group, or "Age (years), per unit". */
static const char *cox_variable(const run *r, const csv_table *t, size_t row, char *level, size_t size)
{
    char name[256];
    const char *group = csv_cell(t, row, 1), *label = csv_cell(t, row, 2);
    level[0] = '\0';
    if (group[0]) {
        level_key(label, level, size);
        return variable_by_label(r->study, group)->name;
    }
    snprintf(name, sizeof name, "%s", label);
    char *unit = strstr(name, ", per unit");
    assert_non_null(unit);
    *unit = '\0';
    return variable_by_label(r->study, name)->name;
}

/* One block of a Cox line; returns 1 when it held a hazard ratio. */
static size_t check_cox_block(const run *r, const csv_table *t, size_t row, size_t col, size_t header)
{
    static const char *const stats[] = {"hr", "hr_lower", "hr_upper", "p"};
    const char *endpoint = endpoint_by_label(r->study, csv_cell(t, row, 0));
    char model[256], level[256];
    const char *variable = cox_variable(r, t, row, level, sizeof level);
    cox_model(csv_cell(t, header - 1, col), variable, model, sizeof model);
    if (csv_cell(t, row, 1)[0] && !level[0]) { /* a factor's own line: the joint Wald p */
        if (csv_cell(t, row, col + 3)[0])
            assert_cell(csv_cell(t, row, col + 3), result(r, "cox", endpoint, model, variable, "", "wald_global_p"),
                        SHOWN_P, 3);
        return 0;
    }
    if (!csv_cell(t, row, col)[0])
        return 0;
    if (!csv_cell(t, row, col + 1)[0] && !strcmp(csv_cell(t, row, col), "1")) /* the reference level: HR 1 */
        return 0;
    for (size_t k = 0; k < 4; k++)
        assert_cell(csv_cell(t, row, col + k), result(r, "cox", endpoint, model, variable, level, stats[k]),
                    k == 3 ? SHOWN_P : SHOWN_NUMBER, k == 3 ? 3 : 2);
    if (!strcmp(csv_cell(t, header, col + 4), "E-value")) { /* a multivariable model's E-values (issue 18) */
        assert_cell(csv_cell(t, row, col + 4), result(r, "cox", endpoint, model, variable, level, "evalue"), SHOWN_NUMBER, 2);
        assert_cell(csv_cell(t, row, col + 5), result(r, "cox", endpoint, model, variable, level, "evalue_ci"),
                    SHOWN_NUMBER, 2);
    }
    return 1;
}

/* The patients, events and concordance of each model, below the hazard ratios; returns the lines. */
static size_t check_cox_fit(const run *r, const csv_table *t, size_t header)
{
    size_t lines = 0;
    assert_string_equal(csv_cell(t, header, 3), "Patients");
    for (size_t row = header + 1; data_row(t, row); row++) {
        const char *endpoint = endpoint_by_label(r->study, csv_cell(t, row, 0));
        const char *variable = csv_cell(t, row, 2)[0] ? variable_by_label(r->study, csv_cell(t, row, 2))->name : "";
        char model[256];
        cox_model(csv_cell(t, row, 1), variable, model, sizeof model);
        assert_cell(csv_cell(t, row, 3), result(r, "cox", endpoint, model, "", "", "n"), SHOWN_NUMBER, 0);
        assert_cell(csv_cell(t, row, 4), result(r, "cox", endpoint, model, "", "", "events"), SHOWN_NUMBER, 0);
        if (csv_cell(t, row, 5)[0])
            assert_cell(csv_cell(t, row, 5), result(r, "cox", endpoint, model, "", "", "concordance"), SHOWN_NUMBER, 3);
        lines++;
    }
    return lines;
}

/* Every hazard ratio of the univariate, multivariable and weighted models is on the sheet, and the
 * patients and events of every model; returns the rows of the hazard ratios' list. */
static size_t check_cox(const run *r, size_t blocks)
{
    csv_table *t = run_sheet(r, "Cox models");
    size_t hrs = 0, want = 0, fits = 0, header = TITLE_ROWS + 1, row, first[8], n_blocks = 0, evalues = 0;
    assert_non_null(t);
    assert_string_equal(csv_cell(t, header, 3), "HR");
    /* Each model's block starts at its "HR"; the multivariable ones end with their two E-value columns. */
    for (size_t c = 3; c < t->n_fields[header] && n_blocks < 8; c++) {
        if (!strcmp(csv_cell(t, header, c), "HR"))
            first[n_blocks++] = c;
        evalues += !strcmp(csv_cell(t, header, c), "E-value");
    }
    assert_int_equal(n_blocks, blocks);
    assert_int_equal(t->n_fields[header], 3 + 4 * blocks + 2 * evalues);
    for (row = header + 1; data_row(t, row); row++)
        for (size_t k = 0; k < blocks; k++)
            hrs += check_cox_block(r, t, row, first[k], header);
    size_t data_end = row;
    while (row < t->n_rows && strcmp(csv_cell(t, row, 0), "Endpoint"))
        row++;
    assert_true(row < t->n_rows);
    fits = check_cox_fit(r, t, row);
    for (size_t e = 0; e < r->study->n_endpoints; e++) {
        const char *name = r->study->endpoints[e].name;
        want += result_count(r, "cox", name, "univariate:", "hr") + result_count(r, "cox", name, "multivariable", "hr") -
                result_count(r, "cox", name, "multivariable_breslow", "hr") + result_count(r, "cox", name, "weighted_", "hr");
    }
    /* Reference levels hold no hazard ratio line: each model's own line count is its coefficients. A
     * model's n has no variable (a coefficient's level has its n too). */
    size_t models = 0;
    for (size_t e = 0; e < r->study->n_endpoints; e++) {
        const char *name = r->study->endpoints[e].name;
        models += model_count(r, name, "") - model_count(r, name, "multivariable_breslow");
    }
    assert_int_equal(hrs, want);
    assert_int_equal(fits, models);
    csv_free(t);
    return data_end;
}

/* The Summary's median of each endpoint. */
static void check_summary(const run *r)
{
    csv_table *t = run_sheet(r, "Summary");
    size_t found = 0;
    assert_non_null(t);
    for (size_t row = TITLE_ROWS + 1; row < t->n_rows; row++) {
        if (strncmp(csv_cell(t, row, 1), "Median, ", 8))
            continue;
        for (size_t e = 0; e < r->study->n_endpoints; e++) {
            const study_endpoint *ep = &r->study->endpoints[e];
            if (strcmp(csv_cell(t, row, 0), ep->label ? ep->label : ep->name))
                continue;
            assert_cell(csv_cell(t, row, 2), result(r, "km", ep->name, "unweighted", "all", "", "median"), SHOWN_NUMBER, 1);
            found++;
        }
    }
    assert_int_equal(found, r->study->n_endpoints);
    csv_free(t);
}

/* ---- Table 1 ---- */

typedef struct table1_line {
    const run *r;
    const csv_table *t;
    size_t row, n_groups, test_col, header;
    const char *variable, *level;
} table1_line;

static const char *table1_group(const table1_line *l, size_t g, char *out, size_t size)
{
    const char *name = csv_cell(l->t, l->header, 2 + 3 * g);
    snprintf(out, size, "%.*s", (int)strcspn(name, " "), name);
    if (!strcmp(out, "Overall"))
        snprintf(out, size, "overall");
    return out;
}

/* The cells of each group against stats (NULL: an empty cell); pct lines are percentages. */
static void check_table1_groups(const table1_line *l, const char *const stats[3])
{
    for (size_t g = 0; g < l->n_groups; g++) {
        char group[64];
        table1_group(l, g, group, sizeof group);
        for (size_t k = 0; k < 3; k++) {
            const char *cell = csv_cell(l->t, l->row, 2 + 3 * g + k);
            if (!stats[k]) {
                assert_string_equal(cell, "");
                continue;
            }
            double want = result(l->r, "table1", "", group, l->variable, l->level, stats[k]);
            int pct = !strcmp(stats[k], "pct");
            assert_cell(cell, pct ? want / 100.0 : want, SHOWN_NUMBER, pct ? 3 : 1);
        }
    }
}

/* The p-value (p_stat NULL: none) and max |SMD| columns. */
static void check_table1_tests(const table1_line *l, const char *p_stat)
{
    const char *p = csv_cell(l->t, l->row, l->test_col);
    if (l->n_groups < 2 || !csv_cell(l->t, l->header, l->test_col)[0])
        return;
    if (p_stat)
        assert_cell(p, result(l->r, "table1", "", "", l->variable, "", p_stat), SHOWN_P, 3);
    else
        assert_string_equal(p, "");
    for (size_t k = 0; k < 2; k++) {
        const char *cell = csv_cell(l->t, l->row, l->test_col + 1 + k);
        if (cell[0])
            assert_cell(cell, result(l->r, "balance", "", k ? "weighted" : "unweighted", l->variable, l->level,
                                     "max_abs_smd"),
                        SHOWN_NUMBER, 3);
    }
}

/* "Extrahepatic disease (yes)": a yes/no variable's one line, its variable and level. */
static const char *yes_no_line(const table1_line *l, const char *label, char *level, size_t size)
{
    char name[256];
    snprintf(name, sizeof name, "%s", label);
    char *open = strrchr(name, '(');
    assert_non_null(open);
    snprintf(level, size, "%.*s", (int)strcspn(open + 1, ")"), open + 1);
    open[-1] = '\0';
    return variable_by_label(l->r->study, name)->name;
}

static void check_table1_line(table1_line *l)
{
    static const char *const mean[] = {"mean", "sd", NULL},
                             *const median[] = {"median", "q1", "q3"}, *const pct[] = {"n", "pct", NULL};
    const char *group = csv_cell(l->t, l->row, 0), *label = csv_cell(l->t, l->row, 1);
    char level[256];
    l->level = "";
    if (!group[0]) { /* a yes/no variable's one line */
        l->variable = yes_no_line(l, label, level, sizeof level);
        l->level = level;
        check_table1_groups(l, pct);
        check_table1_tests(l, "p_chisq");
        return;
    }
    const study_variable *v = find_variable_by_label(l->r->study, group);
    l->variable = v ? v->name : yes_no_line(l, group, level, sizeof level); /* a yes/no variable's "Missing" */
    if (!label[0]) /* a variable's own line: the chi-square p of a factor, the SMD of a numeric one */
        check_table1_tests(l, study_variable_is_factor(v) ? "p_chisq" : NULL);
    else if (!strcmp(label, "Mean \xc2\xb1 SD")) {
        check_table1_groups(l, mean);
        check_table1_tests(l, "p_anova");
    } else if (!strcmp(label, "Median [IQR]")) {
        check_table1_groups(l, median);
        check_table1_tests(l, "p_kruskal");
    } else if (!strcmp(label, "Missing")) {
        for (size_t g = 0; g < l->n_groups; g++) {
            char column[64];
            assert_cell(csv_cell(l->t, l->row, 2 + 3 * g),
                        result(l->r, "table1", "", table1_group(l, g, column, sizeof column), l->variable, "", "missing"),
                        SHOWN_NUMBER, 0);
        }
    } else {
        l->level = level_key(label, level, sizeof level);
        check_table1_groups(l, pct);
        check_table1_tests(l, NULL);
    }
}

/* Every line of Table 1 equals the table1 and balance lines of results.csv; the header shows each
 * column's patients. */
static void check_table1(const run *r, size_t n_groups)
{
    table1_line l = {.r = r, .t = run_sheet(r, "Table 1"), .n_groups = n_groups, .test_col = 2 + 3 * n_groups,
                     .header = TITLE_ROWS};
    assert_non_null(l.t);
    assert_true(l.t->n_rows > TITLE_ROWS + 2);
    for (size_t g = 0; g < n_groups; g++) {
        char group[64], want[96];
        table1_group(&l, g, group, sizeof group);
        snprintf(want, sizeof want, "%s (n = %.0f)", g ? group : "Overall", result(r, "table1", "", group, "all", "", "n"));
        assert_string_equal(csv_cell(l.t, l.header, 2 + 3 * g), want);
    }
    for (l.row = l.header + 1; data_row(l.t, l.row); l.row++)
        check_table1_line(&l);
    csv_free((csv_table *)l.t);
}

/* ---- round 2 (issue 18) ---- */

/* A results value, NAN when there is no such line (an optional line). */
static double result_or_nan(const run *r, const char *section, const char *endpoint, const char *model,
                            const char *variable, const char *level, const char *stat)
{
    for (size_t row = 1; row < r->results->n_rows; row++) {
        const char *keys[] = {section, endpoint, model, variable, level, stat};
        size_t k = 0;
        while (k < 6 && !strcmp(csv_cell(r->results, row, k), keys[k]))
            k++;
        if (k == 6)
            return result(r, section, endpoint, model, variable, level, stat);
    }
    return NAN;
}

/* Whether a list's title is title, or title and the key of its one table ("Cumulative incidence by
 * subgroup, Hepatic progression"). */
static int list_titled(const char *cell, const char *title)
{
    size_t n = strlen(title);
    return !strncmp(cell, title, n) && (!cell[n] || !strncmp(cell + n, ", ", 2));
}

/* The header row of the list titled title on a sheet (its first column "Endpoint" or "Variable"). */
static size_t list_header(const csv_table *t, const char *title)
{
    size_t row = 0;
    while (row < t->n_rows && !list_titled(csv_cell(t, row, 0), title))
        row++;
    assert_true(row < t->n_rows);
    while (row < t->n_rows && strcmp(csv_cell(t, row, 0), "Endpoint") && strcmp(csv_cell(t, row, 0), "Variable"))
        row++;
    assert_true(row < t->n_rows);
    return row;
}

/* A row's variable and level: "All patients" -> all; a group's heading -> its level "". */
static const char *row_variable(const run *r, const csv_table *t, size_t row, char *level, size_t size)
{
    level_key(csv_cell(t, row, 2), level, size);
    if (!csv_cell(t, row, 1)[0]) {
        assert_string_equal(level, "All patients");
        level[0] = '\0';
        return "all";
    }
    return variable_by_label(r->study, csv_cell(t, row, 1))->name;
}

/* Cells col.. of a row against stats of one results line (NULL stat: skipped). */
static void assert_cells(const run *r, const csv_table *t, size_t row, size_t col, const char *const *stats, size_t n,
                         const char *section, const char *endpoint, const char *model, const char *variable,
                         const char *level)
{
    for (size_t k = 0; k < n; k++)
        if (stats[k])
            assert_cell(csv_cell(t, row, col + k), result_or_nan(r, section, endpoint, model, variable, level, stats[k]),
                        strstr(stats[k], "p") == stats[k] || strstr(stats[k], "_p") ? SHOWN_P : SHOWN_NUMBER,
                        strstr(stats[k], "p") == stats[k] || strstr(stats[k], "_p") ? 3 : 2);
}

/* The RMST sheet: n, events, RMST and its CI, and the difference from the reference with CI and p. */
static void check_rmst_sheet(const run *r)
{
    static const char *const values[] = {"rmst", "lower", "upper"};
    static const char *const differences[] = {"diff", "diff_lower", "diff_upper", "diff_p"};
    char title[128], level[256];
    csv_table *t = run_sheet(r, "RMST");
    size_t groups = 0, want = 0;
    assert_non_null(t);
    snprintf(title, sizeof title, "Restricted mean survival time to %g %s", r->study->rmst_tau, r->study->time_unit);
    for (size_t row = list_header(t, title) + 1; data_row(t, row); row++) {
        const char *endpoint = endpoint_by_label(r->study, csv_cell(t, row, 0));
        const char *variable = row_variable(r, t, row, level, sizeof level);
        assert_cell(csv_cell(t, row, 3), result(r, "km", endpoint, "unweighted", variable, level, "n"), SHOWN_NUMBER, 0);
        assert_cell(csv_cell(t, row, 4), result(r, "km", endpoint, "unweighted", variable, level, "events"), SHOWN_NUMBER,
                    0);
        assert_cells(r, t, row, 5, values, 3, "rmst", endpoint, "unweighted", variable, level);
        if (strcmp(csv_cell(t, row, 8), "reference"))
            assert_cells(r, t, row, 8, differences, 4, "rmst", endpoint, "unweighted", variable, level);
        groups++;
    }
    for (size_t e = 0; e < r->study->n_endpoints; e++)
        want += result_count(r, "rmst", r->study->endpoints[e].name, "unweighted", "rmst");
    assert_int_equal(groups, want);
    csv_free(t);
}

/* The cumulative-incidence sheet: counts, the landmarks' incidence and limits, Gray's p. */
static void check_cif_sheet(const run *r, const char *endpoint)
{
    static const char *const counts[] = {"n", "events", "competing"};
    csv_table *t = run_sheet(r, "Cumulative incidence");
    char level[256], name[256];
    size_t curves = 0, p_col = 6 + 3 * r->study->n_landmarks;
    assert_non_null(t);
    for (size_t row = list_header(t, "Cumulative incidence by subgroup") + 1; data_row(t, row); row++) {
        const char *model = "unweighted", *variable;
        snprintf(name, sizeof name, "%s", csv_cell(t, row, 1));
        char *weighted = strstr(name, ", propensity-weighted (ATE)");
        if (weighted) {
            *weighted = '\0';
            model = "weighted";
        }
        if (!csv_cell(t, row, 2)[0]) { /* a variable's heading: Gray's p */
            assert_cell(csv_cell(t, row, p_col), result(r, "gray", endpoint, "", variable_by_label(r->study, name)->name,
                                                        "", "p"), SHOWN_P, 3);
            continue;
        }
        level_key(csv_cell(t, row, 2), level, sizeof level);
        variable = name[0] ? variable_by_label(r->study, name)->name : "all";
        if (!name[0])
            level[0] = '\0';
        assert_cells(r, t, row, 3, counts, 3, "cif", endpoint, model, variable, level);
        for (size_t l = 0; l < r->study->n_landmarks; l++) {
            char stats[3][64];
            const char *at = r->study->landmark_texts[l], *names[3] = {stats[0], stats[1], stats[2]};
            snprintf(stats[0], sizeof stats[0], "cif@%s", at);
            snprintf(stats[1], sizeof stats[1], "cif_lower@%s", at);
            snprintf(stats[2], sizeof stats[2], "cif_upper@%s", at);
            assert_cells(r, t, row, 6 + 3 * l, names, 3, "cif", endpoint, model, variable, level);
        }
        curves++;
    }
    assert_int_equal(curves, result_count(r, "cif", endpoint, "", "n"));
    csv_free(t);
}

/* A list of hazard ratios whose blocks start at "HR" (or "SHR"); returns the hazard ratios. */
static size_t check_hr_list(const run *r, const csv_table *t, size_t header)
{
    size_t first[8], n_blocks = 0, hrs = 0;
    for (size_t c = 3; c < t->n_fields[header] && n_blocks < 8; c++)
        if (!strcmp(csv_cell(t, header, c), "HR") || !strcmp(csv_cell(t, header, c), "SHR"))
            first[n_blocks++] = c;
    assert_true(n_blocks >= 3);
    for (size_t row = header + 1; data_row(t, row); row++)
        for (size_t k = 0; k < n_blocks; k++)
            hrs += check_cox_block(r, t, row, first[k], header);
    return hrs;
}

/* The multicentre sheet: log-rank tests unstratified and stratified, the three multivariable models. */
static void check_multicentre_sheet(const run *r)
{
    static const char *const tests[] = {"chisq", "df", "p"};
    csv_table *t = run_sheet(r, "Multicentre");
    size_t stratified = 0, want = 0, hrs, want_hrs = 0;
    assert_non_null(t);
    for (size_t row = list_header(t, "Multicentre analyses: log-rank tests") + 1; data_row(t, row); row++) {
        const char *endpoint = endpoint_by_label(r->study, csv_cell(t, row, 0));
        const char *variable = variable_by_label(r->study, csv_cell(t, row, 1))->name;
        assert_cells(r, t, row, 2, tests, 3, "logrank", endpoint, "", variable, "");
        assert_cells(r, t, row, 5, tests, 3, "logrank", endpoint, "stratified", variable, "");
        stratified += csv_cell(t, row, 7)[0] != '\0';
    }
    hrs = check_hr_list(r, t, list_header(t, "Multicentre analyses: multivariable Cox model"));
    for (size_t e = 0; e < r->study->n_endpoints; e++) {
        const char *name = r->study->endpoints[e].name;
        size_t multivariable = result_count(r, "cox", name, "multivariable", "hr") -
                               result_count(r, "cox", name, "multivariable_", "hr");
        want += result_count(r, "logrank", name, "stratified", "p");
        want_hrs += result_count(r, "cox", name, "multivariable_stratified", "hr") +
                    result_count(r, "cox", name, "multivariable_cluster", "hr") + multivariable;
    }
    assert_int_equal(stratified, want);
    assert_int_equal(hrs, want_hrs);
    csv_free(t);
}

/* The Fine-Gray sheet: cause-specific and Fine-Gray hazard ratios of the competing endpoint. */
static void check_finegray_sheet(const run *r, const char *endpoint)
{
    csv_table *t = run_sheet(r, "Fine-Gray");
    assert_non_null(t);
    size_t hrs = check_hr_list(r, t, list_header(t, "Competing-risks regression"));
    size_t multivariable = result_count(r, "cox", endpoint, "multivariable", "hr") -
                           result_count(r, "cox", endpoint, "multivariable_", "hr");
    assert_int_equal(hrs, result_count(r, "cox", endpoint, "finegray_", "hr") +
                              result_count(r, "cox", endpoint, "univariate:", "hr") + multivariable);
    csv_free(t);
}

/* The subgroup-effects sheet: n, events, the treatment's HRs within each level, the interaction p. */
static void check_effects_sheet(const run *r)
{
    static const char *const hr[] = {"hr", "hr_lower", "hr_upper", "p"};
    const study_variable *treatment = &r->study->variables[r->study->treatment];
    csv_table *t = run_sheet(r, "Subgroup effects");
    char label[256], level[256], model[512], weighted[512];
    size_t rows = 0;
    assert_non_null(t);
    for (size_t row = list_header(t, "Treatment effect within subgroups") + 1; data_row(t, row); row++) {
        const char *endpoint = endpoint_by_label(r->study, csv_cell(t, row, 0));
        snprintf(label, sizeof label, "%s", csv_cell(t, row, 2));
        if (!label[0]) { /* a forest variable's heading: the interaction p */
            assert_cell(csv_cell(t, row, 13), result(r, "interaction", endpoint, "", variable_by_label(r->study,
                        csv_cell(t, row, 1))->name, "", "lr_p"), SHOWN_P, 3);
            continue;
        }
        /* Three modalities: a row names its contrast, or has no model (counts only). */
        char *colon = strstr(label, ": ");
        const char *contrast = colon ? colon + 2 : "";
        if (colon) {
            *colon = '\0';
            *strstr(colon + 2, " vs ") = '\0';
        }
        if (!strcmp(label, "All patients")) {
            snprintf(model, sizeof model, "univariate:%s", treatment->name);
            snprintf(weighted, sizeof weighted, "weighted_univariate");
        } else {
            const study_variable *v = variable_by_label(r->study, csv_cell(t, row, 1));
            snprintf(model, sizeof model, "subgroup:%s=%s", v->name, level_key(label, level, sizeof level));
            snprintf(weighted, sizeof weighted, "weighted_subgroup:%s=%s", v->name, level);
        }
        assert_cell(csv_cell(t, row, 3), result(r, "cox", endpoint, model, "", "", "n"), SHOWN_NUMBER, 0);
        assert_cell(csv_cell(t, row, 4), result(r, "cox", endpoint, model, "", "", "events"), SHOWN_NUMBER, 0);
        assert_cells(r, t, row, 5, hr, 4, "cox", endpoint, model, treatment->name, contrast);
        assert_cells(r, t, row, 9, hr, 4, "cox", endpoint, weighted, treatment->name, contrast);
        rows += colon != NULL;
    }
    size_t want = 0;  /* a row per contrast within each level, and all patients' */
    for (size_t e = 0; e < r->study->n_endpoints; e++)
        want += result_count(r, "cox", r->study->endpoints[e].name, "subgroup:", "hr") + treatment->n_levels - 1;
    assert_int_equal(rows, want);
    csv_free(t);
}

/* The pairwise and trend tests under an endpoint's survival list. */
static void check_pairwise_list(const run *r, const char *endpoint)
{
    static const char *const pairwise[] = {"chisq", "p", "p_holm"};
    char sheet[64], title[256], level[256];
    const study_endpoint *ep = r->study->endpoints;
    while (strcmp(ep->name, endpoint))
        ep++;
    size_t pairs = 0;
    sheet_name_of(endpoint, sheet, sizeof sheet);
    csv_table *t = run_sheet(r, sheet);
    assert_non_null(t);
    snprintf(title, sizeof title, "%s by subgroup: pairwise and trend log-rank tests", ep->label);
    for (size_t row = list_header(t, title) + 1; data_row(t, row); row++) {
        const char *variable = variable_by_label(r->study, csv_cell(t, row, 0))->name;
        int trend = !strcmp(csv_cell(t, row, 1), "Test for trend");
        assert_cells(r, t, row, 2, pairwise, trend ? 2 : 3, trend ? "logrank_trend" : "logrank_pairwise", endpoint, "",
                     variable, trend ? "" : level_key(csv_cell(t, row, 1), level, sizeof level));
        pairs += !trend;
    }
    assert_int_equal(pairs, result_count(r, "logrank_pairwise", endpoint, "", "p_holm"));
    csv_free(t);
}

/* ---- tests ---- */

/* A run with every sheet, checked against its results.csv: the file's structure (check_xlsx.py
 * arguments), each endpoint's subgroup sheet, the Cox models and Table 1. */
static run *run_checked(const char *name, const char *structure, size_t cox_blocks, size_t table1_groups)
{
    run *r = run_pipeline(name, "sheets = " ALL_SHEETS, NULL);
    char arguments[1536], subgroups[512];
    if (!r->checkable)
        return r;
    for (size_t e = 0; e < r->study->n_endpoints; e++)
        check_subgroups(r, r->study->endpoints[e].name);
    size_t cox_end = check_cox(r, cox_blocks);
    check_table1(r, table1_groups);
    /* The hazard ratios' list is numeric from its fourth column down to its last row. */
    numeric_subgroups(r, subgroups, sizeof subgroups);
    snprintf(arguments, sizeof arguments, "%s --numeric 'Cox models:%d:3:16383:%zu'%s", structure, TITLE_ROWS + 2,
             cox_end, subgroups);
    run_check_structure(r, arguments);
    return r;
}

static void test_sample_matches_results(void **state)
{
    (void)state;
    run *r = run_checked("net_sample_155",
                         "--print " PALETTE " --charts 12 --numeric 'Table 1:3:2:16' "
                         "--numeric 'KM curves:3:4:10' --numeric 'KM chart data:1:0'",
                         4, 4);
    if (r->checkable)
        check_summary(r);
    run_free(r);
}

/* No [treatment]: two Cox blocks, a note instead of the balance table; levels named 0-3 stay text. */
static void test_lung_without_treatment(void **state)
{
    (void)state;
    run *r = run_checked("lung", "--print " PALETTE " --charts 3", 2, 1);
    csv_table *balance = run_sheet(r, "Balance");
    if (!r->checkable) {
        run_free(r);
        return;
    }
    assert_non_null(balance);
    assert_non_null(strstr(csv_cell(balance, TITLE_ROWS + 1, 0), "no [treatment]"));
    csv_free(balance);
    run_free(r);
}

/* Four treatment levels: weighted blocks, five Table 1 columns and one weight line per level. */
static void test_veteran_four_levels(void **state)
{
    (void)state;
    run *r = run_checked("veteran", "--print " PALETTE " --charts 4", 4, 5);
    csv_table *balance = run_sheet(r, "Balance");
    size_t weights = 0;
    if (!r->checkable) {
        run_free(r);
        return;
    }
    assert_non_null(balance);
    for (size_t row = 0; row < balance->n_rows; row++)
        weights += !strcmp(csv_cell(balance, row, 0), "squamous") || !strcmp(csv_cell(balance, row, 0), "large");
    assert_int_equal(weights, 2);
    csv_free(balance);
    run_free(r);
}

/* The round-2 sample's new sheets and lists (issue 18), every number at full precision as in
 * results.csv: RMST, cumulative incidence, multicentre, Fine-Gray, subgroup effects, the pairwise
 * tests under each survival list. */
static void test_round2_sheets(void **state)
{
    (void)state;
    run *r = run_pipeline_files("net_sample_155.round2", "net_sample_155",
                                "sheets = subgroups, rmst, cif, cox, multicentre, finegray, subgroup_effects", NULL, NULL);
    if (!r->checkable) {
        run_free(r);
        return;
    }
    run_check_structure(r, "--print");
    check_rmst_sheet(r);
    check_cif_sheet(r, "hp");
    check_multicentre_sheet(r);
    check_finegray_sheet(r, "hp");
    check_effects_sheet(r);
    for (size_t e = 0; e < r->study->n_endpoints; e++)
        check_pairwise_list(r, r->study->endpoints[e].name);
    run_free(r);
}

static int count_heading(const char *text)
{
    return !strcmp(text, "n") || !strcmp(text, "Events") || !strcmp(text, "Patients") ||
           !strcmp(text, "Competing events");
}

/* Every list of a sheet: no count from 1 to 4 in a column of counts, and a row with a suppressed
 * count ("<5") shows no estimate; returns the suppressed counts. */
static size_t check_shared_sheet(const csv_table *t)
{
    int counts[64] = {0};
    size_t suppressed = 0;
    for (size_t row = 0; row < t->n_rows; row++) {
        if (!strcmp(csv_cell(t, row, 0), "Endpoint")) { /* a list's header: which columns count */
            for (size_t c = 0; c < 64; c++)
                counts[c] = c < t->n_fields[row] && count_heading(csv_cell(t, row, c));
            continue;
        }
        int hidden = 0;
        for (size_t c = 3; c < t->n_fields[row] && c < 64; c++) {
            const char *cell = csv_cell(t, row, c);
            if (counts[c])
                assert_false(cell[0] >= '1' && cell[0] <= '4' && !cell[1]);
            hidden |= counts[c] && !strcmp(cell, "<5");
            suppressed += counts[c] && !strcmp(cell, "<5");
        }
        for (size_t c = 3; hidden && c < t->n_fields[row] && c < 64; c++)
            if (!counts[c])
                assert_string_equal(csv_cell(t, row, c), "");
    }
    return suppressed;
}

/* The share template on the round-2 sample: the new sheets' counts from 1 to 4 are "<5" and their
 * rows' estimates blank. */
static void test_round2_share(void **state)
{
    static const char *const sheets[] = {"RMST", "Cumulative incidence", "Multicentre", "Fine-Gray", "Subgroup effects"};
    (void)state;
    run *r = run_pipeline_files("net_sample_155.round2", "net_sample_155",
                                "share = yes\nsheets = rmst, cif, multicentre, finegray, subgroup_effects", NULL, NULL);
    size_t suppressed = 0;
    if (!r->checkable) {
        run_free(r);
        return;
    }
    for (size_t k = 0; k < sizeof sheets / sizeof sheets[0]; k++) {
        csv_table *t = run_sheet(r, sheets[k]);
        assert_non_null(t);
        suppressed += check_shared_sheet(t);
        csv_free(t);
    }
    assert_true(suppressed >= 4);  /* lung and other (8 patients): OS events, competing events */
    run_free(r);
}

static int sheet_holds(const run *r, const char *sheet, const char *text)
{
    csv_table *t = run_sheet(r, sheet);
    int found = 0;
    for (size_t row = 0; t && row < t->n_rows; row++)
        for (size_t f = 0; f < t->n_fields[row]; f++)
            found |= strstr(t->cells[row][f], text) != NULL;
    csv_free(t);
    return found;
}

static char *core_properties(const run *r)
{
    char command[256];
    snprintf(command, sizeof command, "unzip -p '%s' docProps/core.xml", r->xlsx);
    return command_output(command);
}

/* Share: counts below min_count shown "<10" with their estimates empty; no Patients sheet, no ids. */
static void test_share_suppresses(void **state)
{
    (void)state;
    run *r = run_pipeline("net_messy_155", "share = yes\nmin_count = 10\nsheets = summary, subgroups, cox, exclusions, "
                                           "patients, km_curves",
                          NULL);
    if (!r->checkable) {
        run_free(r);
        return;
    }
    char arguments[256];
    snprintf(arguments, sizeof arguments, "--print --numeric 'HPFS by subgroup:3:2:16383:%zu'",
             subgroup_list_end(r, "hpfs"));
    run_check_structure(r, arguments);
    csv_table *t = run_sheet(r, "HPFS by subgroup");
    size_t hidden = 0;
    assert_non_null(t);
    for (size_t row = TITLE_ROWS + 1; row < t->n_rows; row++) {
        if (strcmp(csv_cell(t, row, 2), "<10"))
            continue;
        hidden++;
        for (size_t col = 4; col < 7 + 3 * r->study->n_landmarks; col++)
            assert_string_equal(csv_cell(t, row, col), "");
    }
    assert_true(hidden > 0);
    csv_free(t);
    assert_null(run_sheet(r, "Patients"));
    t = run_sheet(r, "Exclusions");
    assert_non_null(t);
    assert_string_equal(csv_cell(t, TITLE_ROWS, 0), "Scope");
    csv_free(t);
    assert_false(sheet_holds(r, "Exclusions", "NET-"));
    assert_false(sheet_holds(r, "KM curves", "NET-"));
    assert_false(sheet_holds(r, "Summary", "Newest date"));
    char *core = core_properties(r);  /* no patient date: no as-of date, so 1970-01-01 */
    assert_non_null(strstr(core, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">1970-01-01T00:00:01Z"));
    free(core);
    run_free(r);
}

/* Input text that looks like a formula or is not UTF-8 is written as text, and the file stays valid. */
static void test_hostile_text(void **state)
{
    (void)state;
    char *csv = test_file_read(DATA "lung.csv", NULL), *study_text = test_file_read(DATA "lung.study.ini", NULL);
    char dir[] = "/tmp/embolo-hostile-XXXXXX", input[128], study_path[128], template_path[128], out[128];
    char message[1024], command[512];
    assert_true(csv && study_text);
    assert_non_null(mkdtemp(dir));
    snprintf(input, sizeof input, "%s/hostile.csv", dir);
    snprintf(study_path, sizeof study_path, "%s/hostile.study.ini", dir);
    snprintf(template_path, sizeof template_path, "%s/hostile.ini", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    char *second = strchr(csv, '\n') + 1, *fourth = strchr(strchr(second, '\n') + 1, '\n') + 1;
    FILE *file = fopen(input, "wb");
    assert_non_null(file);
    fwrite(csv, 1, (size_t)(second - csv), file);
    fputs("306,1,\"male\",\"1\",\"=HYPERLINK(\"\"http://x\"\")\",90,\n", file);
    fputs("455,1,\"male\",\"0\",\"\xff\xfe<&>\",90,15\n", file);
    fputs(fourth, file);
    assert_int_equal(fclose(file), 0);
    write_text(study_path, study_text);
    write_text(template_path, "[template]\nname = test\nsections =\nsheets = " ALL_SHEETS "\n");
    driver_options options = {.command = DRIVER_RUN, .study_path = study_path, .input_path = input,
                              .template_path = template_path, .out_dir = out, .quiet = 1};
    assert_int_equal(driver_run(&options, message, sizeof message), EMBOLO_OK);
    if (!test_under_valgrind()) {
        snprintf(command, sizeof command, CHECK_XLSX " %s/tables.xlsx", out);
        assert_int_equal(system(command), 0);
        snprintf(command, sizeof command, "unzip -p %s/tables.xlsx xl/worksheets/sheet*.xml | grep -c 'HYPERLINK'", out);
        char *count = command_output(command);
        assert_int_equal(atoi(count), 1);
        free(count);
    }
    remove_tree(dir);
    free(study_text);
    free(csv);
}

/* Whether two files hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb, ca = 0;
    while (same && ca != EOF) {
        ca = getc(fa);
        same = ca == getc(fb);
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}


/* The same inputs give the same bytes; the creation date is the as-of date, else the newest date. */
static void test_deterministic_dates(void **state)
{
    (void)state;
    run *a = run_pipeline("net_sample_155", "sheets = " ALL_SHEETS, NULL);
    run *b = run_pipeline_with("net_sample_155", "sheets = " ALL_SHEETS, NULL, a);
    run *c = run_pipeline("net_sample_155", "sheets = summary", "2012-12-31");
    char *core;
    assert_true(same_bytes(a->xlsx, b->xlsx));
    if (!a->checkable) {
        run_free(a);
        run_free(b);
        run_free(c);
        return;
    }
    core = core_properties(a);
    assert_non_null(strstr(core, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2016-06-30T00:00:00Z"));
    free(core);
    core = core_properties(c);
    assert_non_null(strstr(core, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2012-12-31T00:00:00Z"));
    free(core);
    run_free(a);
    run_free(b);
    run_free(c);
}

/* ---- workbook_write without the pipeline ---- */

static const char tiny_study[] = "[study]\ntitle = Tiny\ntime_unit = months\n\n[endpoint.os]\ntime = t\nstatus = s\n"
                                 "event_values = 1\ncensor_values = 0\n\n[variable.age]\ntype = numeric\n";

typedef struct tiny {
    study *study;
    dataset *data;
    exclusion_log *log;
    results *results;
    report_template *template;
    render_input in;
} tiny;

static tiny *tiny_new(size_t n)
{
    tiny *t = calloc(1, sizeof *t);
    char message[512];
    assert_non_null(t);
    assert_int_equal(study_parse(tiny_study, strlen(tiny_study), "tiny.ini", &t->study, message, sizeof message),
                     EMBOLO_OK);
    assert_int_equal(dataset_new(t->study, n, &t->data), EMBOLO_OK);
    for (size_t i = 0; i < n; i++) {
        t->data->record[i] = i + 1;
        t->data->time[0][i] = 1.0;
        t->data->event[0][i] = 1;
        dataset_set_value(t->data, 0, i, 60.0);
    }
    t->data->n = t->data->rows_read = n;
    assert_non_null(t->log = exclusion_log_new());
    assert_non_null(t->results = results_new());
    assert_int_equal(template_default(&t->template), EMBOLO_OK);
    t->in = (render_input){.version = "test", .study = t->study, .data = t->data, .log = t->log,
                           .results = t->results, .input_path = "tiny.csv", .input_sha256 = "0",
                           .study_sha256 = "0", .template = t->template};
    return t;
}


static void tiny_free(tiny *t)
{
    dataset_free(t->data);
    study_free(t->study);
    exclusion_log_free(t->log);
    results_free(t->results);
    template_free(t->template);
    free(t);
}

/* A file that cannot be created: EMBOLO_ERROR_OUTPUT with a message naming it. */
static void test_write_failure(void **state)
{
    (void)state;
    tiny *t = tiny_new(3);
    char message[1024] = "";
    const char *path = "/nonexistent-embolo-dir/tables.xlsx";
    assert_int_equal(test_write_document(&t->in, xlsx_write, path, message, sizeof message), EMBOLO_ERROR_OUTPUT);
    assert_non_null(strstr(message, path));
    tiny_free(t);
}

/* More analysed rows than an Excel sheet holds: the Patients sheet says so instead of failing. */
static void test_patients_row_limit(void **state)
{
    (void)state;
    tiny *t = tiny_new(1048576);
    char message[1024] = "", dir[] = "/tmp/embolo-rows-XXXXXX", path[128], command[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/tables.xlsx", dir);
    t->template->n_sheets = 1;
    t->template->sheets[0] = SHEET_PATIENTS;
    assert_int_equal(test_write_document(&t->in, xlsx_write, path, message, sizeof message), EMBOLO_OK);
    if (!test_under_valgrind()) {
        snprintf(command, sizeof command, "unzip -p %s xl/worksheets/sheet1.xml", path);
        char *xml = command_output(command);
        assert_non_null(strstr(xml, "1048576 analysed rows: more than an Excel sheet holds"));
        free(xml);
    }
    remove_tree(dir);
    tiny_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_matches_results), cmocka_unit_test(test_lung_without_treatment),
        cmocka_unit_test(test_veteran_four_levels),    cmocka_unit_test(test_share_suppresses),
        cmocka_unit_test(test_round2_sheets),          cmocka_unit_test(test_round2_share),
        cmocka_unit_test(test_hostile_text),           cmocka_unit_test(test_deterministic_dates),
        cmocka_unit_test(test_write_failure),          cmocka_unit_test(test_patients_row_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
