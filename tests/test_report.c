/* The PDF report end to end: the pipeline's report of the sample passes qpdf, embeds every font,
 * shows every section and the medians, hazard ratios and p-values of results.csv as formatted, renders
 * every page and is byte-identical across runs; lung (days, no treatment), veteran (4 treatment
 * levels), the share template and a cohort of thousands of rows; Table 1 and a write failure through
 * report_write itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "common/text.h"
#include "driver.h"
#include "render/format.h"
#include "render_testutil.h"

typedef struct run {
    char dir[64];
    char *text;      /* pdftotext of report.pdf */
} run;

typedef struct fixture {
    run sample, again;
} fixture;

/* ---- helpers ---- */

static char *read_text(FILE *file)
{
    size_t size = 0, capacity = 1 << 16;
    char *text = malloc(capacity);
    assert_non_null(text);
    for (size_t got; (got = fread(text + size, 1, capacity - size - 1, file)) > 0;) {
        size += got;
        if (capacity - size - 1 == 0) {
            capacity *= 2;
            text = realloc(text, capacity);
            assert_non_null(text);
        }
    }
    text[size] = '\0';
    return text;
}

/* The standard output of a shell command (its error output is dropped). */
static char *command_output(const char *command)
{
    char line[1200];
    snprintf(line, sizeof line, "%s 2>/dev/null", command);
    FILE *pipe = popen(line, "r");
    assert_non_null(pipe);
    char *text = read_text(pipe);
    pclose(pipe);
    return text;
}

static char *file_text(const char *path)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    char *text = read_text(file);
    fclose(file);
    return text;
}

static void report_path(const run *r, char *out, size_t size)
{
    snprintf(out, size, "%s/report.pdf", r->dir);
}

/* Runs the pipeline with the report into a new directory and extracts the report's text. */
static void run_pipeline(run *r, const char *study, const char *input, const char *template_path, int as_of)
{
    char message[512] = "", command[600], path[128];
    snprintf(r->dir, sizeof r->dir, "/tmp/test_report.XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    driver_options options = {.command = DRIVER_RUN, .study_path = study, .input_path = input,
                              .template_path = template_path, .out_dir = r->dir, .quiet = 1,
                              .has_as_of = as_of, .as_of = text_days_from_civil(2012, 12, 31)};
    embolo_error err = driver_run(&options, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("driver_run: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    report_path(r, path, sizeof path);
    snprintf(command, sizeof command, "pdftotext '%s' -", path);
    /* Under valgrind (make valgrind) the report is still written and memory-checked, but poppler and
     * qpdf are not run: valgrind would trace them too. */
    r->text = test_under_valgrind() ? strdup("") : command_output(command);
}

static void run_remove(run *r)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", r->dir);
    assert_int_equal(system(command), 0);
    free(r->text);
}

static void expect_text(const char *text, const char *fragment)
{
    if (!strstr(text, fragment))
        print_error("the report lacks '%s'\n", fragment);
    assert_non_null(strstr(text, fragment));
}

static void expect_valid(const run *r)
{
    char command[300], path[128];
    report_path(r, path, sizeof path);
    snprintf(command, sizeof command, "qpdf --check '%s' >/dev/null 2>&1; echo $?", path);
    char *status = command_output(command);
    assert_true(atoi(status) == 0 || atoi(status) == 3);
    free(status);
}

static void expect_sections(const run *r, const char *const *titles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_text(r->text, titles[i]);
}

static int setup(void **state)
{
    static fixture f;
    run_pipeline(&f.sample, "inputs/net_sample_155.study.ini", "inputs/net_sample_155.csv", NULL, 0);
    run_pipeline(&f.again, "inputs/net_sample_155.study.ini", "inputs/net_sample_155.csv", NULL, 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    run_remove(&f->sample);
    run_remove(&f->again);
    return 0;
}

/* ---- the sample ---- */

static void test_sample_passes_qpdf_and_embeds_every_font(void **state)
{
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    char command[300], path[128];
    expect_valid(&f->sample);
    report_path(&f->sample, path, sizeof path);
    snprintf(command, sizeof command, "pdffonts '%s'", path);
    char *fonts = command_output(command);
    size_t n = 0;
    /* After the two header lines, each line is a font: its "emb" column must say yes. */
    for (char *line = strchr(strchr(fonts, '\n') + 1, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        assert_non_null(strstr(line, "CID TrueType"));
        assert_non_null(strstr(line, " yes yes yes "));
        n++;
    }
    assert_int_equal(n, 2); /* DejaVu Sans and DejaVu Sans Bold */
    assert_non_null(strstr(fonts, "DejaVuSans-Bold"));
    free(fonts);
}

static void test_sample_has_every_section(void **state)
{
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    static const char *const titles[] = {"Cohort flow", "Baseline characteristics", "Survival by subgroup",
                                         "Kaplan-Meier curves", "Cox proportional-hazards models",
                                         "Propensity-score diagnostics", "Model checks", "Number at risk",
                                         "Number at risk (unweighted)", "Table 1. Baseline characteristics",
                                         "Love plot", "Propensity score distributions", "Warnings of the run",
                                         "Hazard ratios, Overall survival", "\xcf\x87\xc2\xb2", "Log-rank p < 0.001",
                                         "Page 2 of", "Statistical methods", "Results",
                                         "Median HPFS and OS were", "Efron method for ties"};
    expect_sections(&f->sample, titles, sizeof titles / sizeof titles[0]);
}

/* The audit template at 2012-12-31: what happened in December 2012, and the benchmarks. */
static void test_audit_template_reports_the_month(void **state)
{
    if (test_under_valgrind())
        skip();
    (void)state;
    run r;
    static const char *const titles[] = {"Audit of the month", "Reporting period: December 2012",
                                         "Procedures and events in December 2012 and to date",
                                         "Medians beside published benchmarks", "125.1", "consistent",
                                         "Cohort flow", "Chen JX et al."};
    run_pipeline(&r, "inputs/net_sample_155.study.ini", "inputs/net_sample_155.csv", "templates/audit.ini", 1);
    expect_valid(&r);
    expect_sections(&r, titles, sizeof titles / sizeof titles[0]);
    assert_null(strstr(r.text, "Table 1. Baseline characteristics")); /* not a section of this template */
    run_remove(&r);
}

/* YYYY-MM-DD anywhere in the text. */
static int has_date(const char *text)
{
    for (const char *c = text; *c; c++) {
        int y, m, d, used = 0;
        if (sscanf(c, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && used == 10)
            return 1;
    }
    return 0;
}

static void test_title_page_has_the_provenance(void **state)
{
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/manifest.json", f->sample.dir);
    char *manifest = file_text(path);
    char *hash = strstr(manifest, "\"sha256\": \"");
    assert_non_null(hash);
    hash[11 + 64] = '\0';
    expect_text(f->sample.text, hash + 11);
    free(manifest);
    expect_text(f->sample.text, "Embolotherapy for NET liver metastases");
    expect_text(f->sample.text, "inputs/net_sample_155.csv");
    expect_text(f->sample.text, "embolo " EMBOLO_VERSION);
    expect_text(f->sample.text, "Contents");
}

/* One line of results.csv: its six keys and the value. */
typedef struct csv_line {
    char keys[6][96];
    double value;
} csv_line;

static int csv_parse(char *line, csv_line *out)
{
    char *at = line;
    for (size_t k = 0; k < 6; k++) {
        if (*at != '"')
            return 0;
        char *end = strchr(at + 1, '"');
        if (!end)
            return 0;
        snprintf(out->keys[k], sizeof out->keys[k], "%.*s", (int)(end - at - 1), at + 1);
        at = end + 2;
    }
    out->value = strncmp(at, "NA", 2) == 0 ? NAN : strtod(at, NULL);
    return 1;
}

static double csv_value(const csv_line *lines, size_t n, const csv_line *like, const char *stat)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(lines[i].keys[5], stat) && !strcmp(lines[i].keys[0], like->keys[0]) &&
            !strcmp(lines[i].keys[1], like->keys[1]) && !strcmp(lines[i].keys[2], like->keys[2]) &&
            !strcmp(lines[i].keys[3], like->keys[3]) && !strcmp(lines[i].keys[4], like->keys[4]))
            return lines[i].value;
    return NAN;
}

static csv_line *csv_read(const char *dir, size_t *n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *text = file_text(path);
    csv_line *lines = calloc(strlen(text) / 20 + 1, sizeof *lines);
    assert_non_null(lines);
    *n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        *n += csv_parse(line, &lines[*n]);
    free(text);
    return lines;
}

/* What the report must show for a line of results.csv; empty when the line is not shown by itself. */
static void shown_text(const csv_line *lines, size_t n, const csv_line *l, char *out, size_t size)
{
    const char *section = l->keys[0], *model = l->keys[2], *stat = l->keys[5];
    out[0] = '\0';
    if (!strcmp(section, "km") && !strcmp(stat, "median") && isfinite(l->value))
        format_estimate_ci(out, size, l->value, csv_value(lines, n, l, "median_lower"),
                           csv_value(lines, n, l, "median_upper"), 1);
    else if (!strcmp(section, "cox") && !strcmp(stat, "hr") && strcmp(model, "multivariable_breslow") != 0)
        format_estimate_ci(out, size, l->value, csv_value(lines, n, l, "hr_lower"), csv_value(lines, n, l, "hr_upper"),
                           2);
    else if (((!strcmp(section, "cox") && strcmp(model, "multivariable_breslow") != 0) ||
              !strcmp(section, "logrank") || !strcmp(section, "zph")) &&
             (!strcmp(stat, "p") || !strcmp(stat, "wald_global_p")))
        format_p(out, size, l->value, 3);
}

static void test_results_appear_as_formatted(void **state)
{
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    size_t n, checked = 0;
    csv_line *lines = csv_read(f->sample.dir, &n);
    assert_true(n > 1000);
    for (size_t i = 0; i < n; i++) {
        char text[128];
        shown_text(lines, n, &lines[i], text, sizeof text);
        if (!text[0])
            continue;
        if (!strstr(f->sample.text, text))
            print_error("%s %s %s %s %s %s: '%s' not in the report\n", lines[i].keys[0], lines[i].keys[1],
                        lines[i].keys[2], lines[i].keys[3], lines[i].keys[4], lines[i].keys[5], text);
        assert_non_null(strstr(f->sample.text, text));
        checked++;
    }
    assert_true(checked > 200);
    free(lines);
    expect_text(f->sample.text, "17.4 (12.8\xe2\x80\x93" "22.6)"); /* HPFS median of G1, months */
    expect_text(f->sample.text, "2.69 (1.52\xe2\x80\x93" "4.77)"); /* OS multivariable HR of G2 */
}

static void test_every_page_renders(void **state)
{
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    char command[400], path[128];
    report_path(&f->sample, path, sizeof path);
    snprintf(command, sizeof command, "pdfinfo '%s' | sed -n 's/^Pages: *//p'", path);
    char *pages = command_output(command);
    int n = atoi(pages);
    free(pages);
    assert_true(n >= 10);
    snprintf(command, sizeof command, "pdftoppm -r 12 -png '%s' '%s/page' && ls '%s' | grep -c '^page-.*png$'", path,
             f->sample.dir, f->sample.dir);
    char *rendered = command_output(command);
    assert_int_equal(atoi(rendered), n);
    free(rendered);
}

static void test_two_runs_give_the_same_bytes(void **state)
{
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    char command[300], a[128], b[128];
    report_path(&f->sample, a, sizeof a);
    report_path(&f->again, b, sizeof b);
    snprintf(command, sizeof command, "cmp '%s' '%s' >/dev/null && echo same", a, b);
    char *same = command_output(command);
    assert_string_equal(same, "same\n");
    free(same);
    /* No as-of date: the newest date in the data is the file's date. */
    snprintf(command, sizeof command, "pdfinfo '%s' | grep CreationDate", a);
    char *date = command_output(command);
    assert_non_null(strstr(date, "2016"));
    free(date);
}

/* ---- other cohorts and templates ---- */

static void test_lung_in_days_without_treatment(void **state)
{
    if (test_under_valgrind())
        skip();
    (void)state;
    run r;
    run_pipeline(&r, "tests/fixtures/data/lung.study.ini", "tests/fixtures/data/lung.csv", NULL, 1);
    expect_valid(&r);
    static const char *const titles[] = {"Cohort flow", "Kaplan-Meier curves", "Time (days)",
                                         "no propensity model was fitted", "ECOG performance score",
                                         "Table 1. Baseline characteristics"};
    expect_sections(&r, titles, sizeof titles / sizeof titles[0]);
    char command[300], path[128];
    report_path(&r, path, sizeof path);
    snprintf(command, sizeof command, "pdfinfo '%s' | grep CreationDate", path);
    char *date = command_output(command);
    assert_non_null(strstr(date, "Dec 31"));  /* the as-of date */
    assert_non_null(strstr(date, "2012"));
    free(date);
    run_remove(&r);
}

static void test_veteran_with_four_treatment_levels(void **state)
{
    if (test_under_valgrind())
        skip();
    (void)state;
    run r;
    run_pipeline(&r, "tests/fixtures/data/veteran.study.ini", "tests/fixtures/data/veteran.csv", NULL, 0);
    expect_valid(&r);
    static const char *const titles[] = {"P(Cell type = squamous | covariates)", "P(Cell type = large | covariates)",
                                         "by cell type, propensity-weighted (ATE)", "squamous", "smallcell", "adeno"};
    expect_sections(&r, titles, sizeof titles / sizeof titles[0]);
    run_remove(&r);
}

/* Round 2 (issue 18): lung by institution (18 centres) with an ordered ECOG score and RMST, veteran
 * with a forest of four cell types: their reports pass qpdf and show their new sections and tables;
 * the round-1 sample shows none of those sections. */
static void test_round2_lung_and_veteran(void **state)
{
    static const char *const lung[] = {"Multicentre analyses", "Multicentre analyses, Overall survival: log-rank tests",
                                       "Stratified by Institution", "Cluster-robust (Institution)",
                                       "Restricted mean survival time to 365 days, Overall survival",
                                       "pairwise and trend log-rank tests", "Test for trend",
                                       "To account for the centres (Institution)"};
    static const char *const veteran[] = {"Treatment effect within subgroups, Overall survival", "Interaction",
                                          "smallcell vs squamous", "Restricted mean survival time to 365 days",
                                          "E-value", "The effect of Cell type was estimated"};
    static const char *const round2[] = {"Multicentre analyses", "Restricted mean survival time",
                                         "Cumulative incidence (competing risks)", "Competing-risks regression",
                                         "Treatment effect within subgroups"};
    if (test_under_valgrind())
        skip();
    fixture *f = *state;
    run r;
    run_pipeline(&r, "tests/fixtures/data/lung.round2.study.ini", "tests/fixtures/data/lung.round2.csv", NULL, 0);
    expect_valid(&r);
    expect_sections(&r, lung, sizeof lung / sizeof lung[0]);
    run_remove(&r);
    run_pipeline(&r, "tests/fixtures/data/veteran.round2.study.ini", "tests/fixtures/data/veteran.csv", NULL, 0);
    expect_valid(&r);
    expect_sections(&r, veteran, sizeof veteran / sizeof veteran[0]);
    run_remove(&r);
    for (size_t k = 0; k < sizeof round2 / sizeof round2[0]; k++)
        assert_null(strstr(f->sample.text, round2[k]));
}

static void test_share_template_hides_small_counts_and_dates(void **state)
{
    if (test_under_valgrind())
        skip();
    (void)state;
    run r;
    run_pipeline(&r, "inputs/net_sample_155.study.ini", "inputs/net_sample_155.csv", "templates/share.ini", 0);
    expect_valid(&r);
    expect_text(r.text, "<5");
    expect_text(r.text, "each curve ends where fewer than 5 patients remain at risk");
    assert_null(strstr(r.text, "Propensity-score diagnostics")); /* not a section of this template */
    assert_null(strstr(r.text, "NET-0"));                        /* no patient identifier */
    assert_false(has_date(r.text));                               /* no date: no as-of in this run */
    char command[300], path[128];
    report_path(&r, path, sizeof path);
    snprintf(command, sizeof command, "pdfinfo '%s' | grep CreationDate", path);
    char *date = command_output(command);
    assert_non_null(strstr(date, "1970")); /* no patient date, not even the newest one */
    free(date);
    run_remove(&r);
}

/* A cohort of n rows in time/status form with a 3-level treatment (deterministic pseudo-random). */
static void write_cohort(const char *dir, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *csv = fopen(path, "w");
    assert_non_null(csv);
    fputs("id,time,status,grade,age,arm\n", csv);
    unsigned long state = 12345;
    for (size_t i = 0; i < n; i++) {
        state = state * 6364136223846793005UL + 1442695040888963407UL;
        unsigned g = (unsigned)(state >> 33) % 3, arm = (unsigned)(state >> 40) % 3;
        double u = (double)((state >> 11) & 0xFFFFF) / 1048576.0;
        double time = -log(1.0 - u * 0.999) * (30.0 - 8.0 * g) + 0.1;
        fprintf(csv, "P%zu,%.3f,%d,G%u,%u,%c\n", i, time > 120 ? 120.0 : time, time < 120 && (state >> 7) % 5 != 0,
                g + 1, 40 + (unsigned)(state >> 20) % 40, "ABC"[arm]);
    }
    fclose(csv);
    snprintf(path, sizeof path, "%s/big.ini", dir);
    FILE *ini = fopen(path, "w");
    assert_non_null(ini);
    fputs("[study]\ntitle = Large cohort\nid = id\ntime_unit = months\nlandmarks = 12, 24\n"
          "[endpoint.os]\nlabel = Overall survival\ntime = time\nstatus = status\nevent_values = 1\ncensor_values = 0\n"
          "[variable.grade]\ntype = categorical\nlevels = G1, G2, G3\n[variable.age]\ntype = numeric\n"
          "[variable.arm]\ntype = categorical\nlevels = A, B, C\n"
          "[treatment]\nvariable = arm\nps_covariates = grade, age\n"
          "[analysis]\nsubgroups = grade, arm\nunivariate = grade, age, arm\nmultivariable = grade, age, arm\n", ini);
    fclose(ini);
}

static void test_large_cohort_gives_a_small_report(void **state)
{
    if (test_under_valgrind())
        skip();
    (void)state;
    char dir[64] = "/tmp/test_report_big.XXXXXX", study[128], input[128];
    assert_non_null(mkdtemp(dir));
    write_cohort(dir, 5000);
    snprintf(study, sizeof study, "%s/big.ini", dir);
    snprintf(input, sizeof input, "%s/big.csv", dir);
    run r;
    run_pipeline(&r, study, input, NULL, 0);
    expect_valid(&r);
    expect_text(r.text, "5000");
    char path[128];
    struct stat info;
    report_path(&r, path, sizeof path);
    assert_int_equal(stat(path, &info), 0);
    assert_true(info.st_size < 600 * 1024); /* fonts about 180 kB; 5000 rows' curves thinned to the page */
    run_remove(&r);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

/* ---- report_write itself ---- */

typedef struct direct {
    study *s;
    dataset *d;
    exclusion_log *log;
    results *r;
    report_template *t;
    render_input in;
} direct;

static void direct_make(direct *x)
{
    static const char *study_text =
        "[study]\ntitle = Direct\ntime_unit = months\n"
        "[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
        "[variable.age]\nlabel = Age (years)\ntype = numeric\n"
        "[variable.grade]\nlabel = WHO grade\ntype = categorical\nlevels = G1, G2\n"
        "[variable.arm]\ntype = categorical\nlevels = A, B\n"
        "[treatment]\nvariable = arm\nps_covariates = age\n";
    char message[256];
    memset(x, 0, sizeof *x);
    assert_int_equal(study_parse(study_text, strlen(study_text), "d.ini", &x->s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(x->s, 1, &x->d), EMBOLO_OK);
    x->d->rows_read = x->d->n = 0;
    x->log = exclusion_log_new();
    x->r = results_new();
    assert_non_null(x->log);
    assert_non_null(x->r);
    assert_int_equal(template_default(&x->t), EMBOLO_OK);
    x->in = (render_input){.version = "9.9", .study = x->s, .data = x->d, .log = x->log, .results = x->r,
                           .input_path = "d.csv", .input_sha256 = "abc", .study_sha256 = "def", .template = x->t};
}


static void direct_free(direct *x)
{
    dataset_free(x->d);
    exclusion_log_free(x->log);
    results_free(x->r);
    template_free(x->t);
    study_free(x->s);
}

static void add_table1(results *r, const char *model, const char *variable, const char *level, const char *stat,
                       double value)
{
    assert_int_equal(results_add(r, "table1", "", model, variable, level, stat, value), EMBOLO_OK);
}

static void test_table1_from_its_results_lines(void **state)
{
    if (test_under_valgrind())
        skip();
    (void)state;
    direct x;
    char dir[64] = "/tmp/test_report_t1.XXXXXX", path[128], message[512], command[200];
    direct_make(&x);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/report.pdf", dir);
    const char *columns[] = {"overall", "A", "B"};
    const double n[] = {30, 18, 12}, mean[] = {60.1, 58.2, 63.0}, share[] = {50, 3, 33.3};
    for (size_t c = 0; c < 3; c++) {
        add_table1(x.r, columns[c], "all", "", "n", n[c]);
        add_table1(x.r, columns[c], "age", "", "mean", mean[c]);
        add_table1(x.r, columns[c], "age", "", "sd", 10.2);
        add_table1(x.r, columns[c], "age", "", "median", 60);
        add_table1(x.r, columns[c], "age", "", "q1", 52);
        add_table1(x.r, columns[c], "age", "", "q3", 68);
        add_table1(x.r, columns[c], "age", "", "n", n[c]);
        add_table1(x.r, columns[c], "age", "", "missing", c == 0 ? 2 : 1);
        add_table1(x.r, columns[c], "grade", "G1", "n", c == 1 ? 3 : n[c] / 2);
        add_table1(x.r, columns[c], "grade", "G1", "pct", share[c]);
        add_table1(x.r, columns[c], "grade", "", "missing", 0);
    }
    add_table1(x.r, "", "age", "", "p_anova", 0.0004);
    add_table1(x.r, "", "age", "", "p_kruskal", 0.25);
    add_table1(x.r, "", "grade", "", "p_chisq", 0.0312);
    x.t->n_sections = 1;
    x.t->sections[0] = SECTION_TABLE1;
    assert_int_equal(test_write_document(&x.in, pdf_write, path, message, sizeof message), EMBOLO_OK);
    snprintf(command, sizeof command, "pdftotext '%s' -", path);
    char *text = command_output(command);
    expect_text(text, "60.1 \xc2\xb1 10.2");
    expect_text(text, "60.0 [52.0\xe2\x80\x93" "68.0]");
    expect_text(text, "<0.001");
    expect_text(text, "0.031");
    expect_text(text, "15 (50.0%)");
    expect_text(text, "3 (3.0%)");
    expect_text(text, "(n = 18)");
    free(text);
    /* Shared: a count of 3 is shown "<5" and its percentage suppressed. */
    x.t->share = 1;
    x.t->min_count = 5;
    assert_int_equal(test_write_document(&x.in, pdf_write, path, message, sizeof message), EMBOLO_OK);
    text = command_output(command);
    expect_text(text, "<5");
    assert_null(strstr(text, "3 (3.0%)"));
    free(text);
    unlink(path);
    rmdir(dir);
    direct_free(&x);
}

static void test_write_failure_names_the_file(void **state)
{
    (void)state;
    direct x;
    char message[512] = "";
    direct_make(&x);
    embolo_error err = test_write_document(&x.in, pdf_write, "/nonexistent-dir/.report.pdf.tmp", message,
                                           sizeof message);
    assert_int_equal(err, EMBOLO_ERROR_OUTPUT);
    assert_non_null(strstr(message, "/nonexistent-dir/.report.pdf.tmp"));
    x.in.results = NULL;  /* no results, no document */
    embolo_error err_no_results;
    assert_null(document_build(&x.in, &err_no_results));
    assert_int_equal(err_no_results, EMBOLO_ERROR_INTERNAL);
    direct_free(&x);
}

int main(void)
{
    const struct CMUnitTest sample[] = {
        cmocka_unit_test(test_sample_passes_qpdf_and_embeds_every_font),
        cmocka_unit_test(test_sample_has_every_section),
        cmocka_unit_test(test_title_page_has_the_provenance),
        cmocka_unit_test(test_audit_template_reports_the_month),
        cmocka_unit_test(test_results_appear_as_formatted),
        cmocka_unit_test(test_every_page_renders),
        cmocka_unit_test(test_two_runs_give_the_same_bytes),
        cmocka_unit_test(test_round2_lung_and_veteran),
    };
    const struct CMUnitTest others[] = {
        cmocka_unit_test(test_lung_in_days_without_treatment),
        cmocka_unit_test(test_veteran_with_four_treatment_levels),
        cmocka_unit_test(test_share_template_hides_small_counts_and_dates),
        cmocka_unit_test(test_large_cohort_gives_a_small_report),
        cmocka_unit_test(test_table1_from_its_results_lines),
        cmocka_unit_test(test_write_failure_names_the_file),
    };
    int failed = cmocka_run_group_tests_name("report of the sample", sample, setup, teardown);
    return failed + cmocka_run_group_tests_name("other cohorts and report_write", others, NULL, NULL);
}
