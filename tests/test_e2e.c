/* End to end: runs the program (EMBOLO_BIN) on the reference cohorts of tests/fixtures/data/ in fresh
 * directories under /tmp and checks its outputs against R's results (every line, keyed and toleranced
 * as shared/tools/compare_results.py does), the cleaning verdicts of net_messy_155 (as
 * check_verdicts.py does), the manifest's row counts, byte-identical reruns, `check`, and the exit
 * status and one-line message of each kind of failure, which must leave --out as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "e2eutil.h"

#define MAX_SNAPSHOT 256

static void test_lung_results(void **state)
{
    check_fixture_results(state, "lung");
}

static void test_veteran_results(void **state)
{
    check_fixture_results(state, "veteran");
}

static void test_net_sample_results(void **state)
{
    check_fixture_results(state, "net_sample_155");
}

static void test_net_messy_results(void **state)
{
    check_fixture_results(state, "net_messy_155");
}

/* Round 2 (statistics-2.md): every line of NAME.round2.expected.csv from NAME.round2.study.ini on
 * INPUT, and the round-1 lines of NAME.expected.csv from the same run (NULL: none). */
static void check_round2_results(void **state, const char *name, const char *input, const char *round1)
{
    scratch *s = *state;
    char out[256], results[300], study[256], expected[256];
    snprintf(study, sizeof study, FIXTURES "%s.round2.study.ini", name);
    run_study_file(s, study, input, "out", NULL, out, sizeof out);
    path_join(results, sizeof results, out, "results.csv");
    snprintf(expected, sizeof expected, FIXTURES "%s.round2.expected.csv", name);
    compare_results(expected, results);
    if (round1)
        compare_results(round1, results);
}

static void test_net_sample_round2_results(void **state)
{
    check_round2_results(state, "net_sample_155", FIXTURES "net_sample_155.csv", FIXTURES "net_sample_155.expected.csv");
}

static void test_lung_round2_results(void **state)
{
    check_round2_results(state, "lung", FIXTURES "lung.round2.csv", FIXTURES "lung.expected.csv");
}

static void test_veteran_round2_results(void **state)
{
    check_round2_results(state, "veteran", FIXTURES "veteran.csv", FIXTURES "veteran.expected.csv");
}

/* A time/status cohort with a competing event coded 3 or 4, ties, a region nested in the centres,
 * missing centres and covariates, a 3-level treatment in the forest (make_competing_fixture.R). */
static void test_competing_ts_results(void **state)
{
    check_fixture_results(state, "competing_ts");
}

static void test_net_sample_as_of_results(void **state)
{
    scratch *s = *state;
    char out[256], results[300];
    run_fixture(s, "net_sample_155", "out", "2012-12-31", out, sizeof out);
    path_join(results, sizeof results, out, "results.csv");
    compare_results(FIXTURES "net_sample_155.asof_2012-12-31.expected.csv", results);
}

/* The audit template at a cut-off: R's numbers for that cut-off, and the month's counts. */
static void test_audit_template_as_of_results(void **state)
{
    scratch *s = *state;
    char out[256], results[300];
    csv_file got;
    path_join(out, sizeof out, s->dir, "audit");
    const char *args[] = {"run", "--study", FIXTURES "net_sample_155.study.ini", "--input", FIXTURES "net_sample_155.csv",
                          "--template", "templates/audit.ini", "--as-of", "2012-12-31", "--out", out, "--quiet", NULL};
    assert_int_equal(run_embolo(args, s->err), 0);
    path_join(results, sizeof results, out, "results.csv");
    compare_results(FIXTURES "net_sample_155.asof_2012-12-31.expected.csv", results);
    csv_load(results, &got);
    size_t stat = csv_column(&got, "stat"), section = csv_column(&got, "section"), value = csv_column(&got, "value");
    int totals = 0, flags = 0;
    for (size_t r = 0; r < got.n; r++) {
        if (!strcmp(csv_get(&got, r, section), "audit") && !strcmp(csv_get(&got, r, stat), "procedures_total")) {
            assert_string_equal(csv_get(&got, r, value), "115");
            totals++;
        }
        flags += !strcmp(csv_get(&got, r, section), "benchmark") && !strcmp(csv_get(&got, r, stat), "flag");
    }
    assert_int_equal(totals, 2);
    assert_int_equal(flags, 6);
    csv_free(&got);
}

/* Per-patient propensity scores and weights of patients.csv against R's (NAME.ps.csv). */
static void check_propensity_scores(void **state, const char *name)
{
    scratch *s = *state;
    char out[256], patients_path[300], reference_path[256];
    run_fixture(s, name, "out", NULL, out, sizeof out);
    path_join(patients_path, sizeof patients_path, out, "patients.csv");
    snprintf(reference_path, sizeof reference_path, FIXTURES "%s.ps.csv", name);
    compare_propensity_scores(reference_path, patients_path);
}

static void test_net_sample_propensity_scores(void **state)
{
    check_propensity_scores(state, "net_sample_155");
}

static void test_veteran_propensity_scores(void **state)
{
    check_propensity_scores(state, "veteran");
}

/* Table 1's tests against R (oneway.test var.equal, kruskal.test, chisq.test correct = FALSE). */
static void test_net_sample_table1_tests(void **state)
{
    scratch *s = *state;
    char out[256], results[300];
    run_fixture(s, "net_sample_155", "out", NULL, out, sizeof out);
    path_join(results, sizeof results, out, "results.csv");
    compare_results(FIXTURES "net_sample_155.table1.expected.csv", results);
}

static void test_net_messy_verdicts(void **state)
{
    scratch *s = *state;
    char out[256], path[300];
    run_fixture(s, "net_messy_155", "out", NULL, out, sizeof out);
    path_join(path, sizeof path, out, "exclusions.csv");
    size_t n = check_verdicts(FIXTURES "net_messy_155.verdicts.csv", path);
    check_manifest_counts(out, (long)n);
}

/* Data records of a clean input (no quoted line ends): its lines less the header. */
static long records_of(const char *input)
{
    csv_file file;
    csv_load(input, &file);
    long n = (long)file.n - 1;
    csv_free(&file);
    return n;
}

static void test_manifest_counts(void **state)
{
    static const char *const names[] = {"lung", "veteran", "net_sample_155"};
    scratch *s = *state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char out[256], input[256];
        run_fixture(s, names[i], names[i], NULL, out, sizeof out);
        snprintf(input, sizeof input, FIXTURES "%s.csv", names[i]);
        check_manifest_counts(out, records_of(input));
    }
}

/* ---- snapshots of a directory ---- */

typedef struct snapshot {
    char names[MAX_SNAPSHOT][256];
    char *contents[MAX_SNAPSHOT];
    size_t sizes[MAX_SNAPSHOT];
    size_t n;
} snapshot;

static int name_compare(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The names of the files of dir (below prefix, "" or "figures/"), a subdirectory's files as
 * "NAME/FILE". */
static void snapshot_names(const char *dir, const char *prefix, snapshot *shot)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, prefix);
    DIR *d = opendir(path);
    struct dirent *entry;
    assert_non_null(d);
    while ((entry = readdir(d))) {
        struct stat info;
        char name[256], full[4400];
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        snprintf(name, sizeof name, "%.40s%.200s", prefix, entry->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, name);
        if (stat(full, &info) == 0 && S_ISDIR(info.st_mode) && !prefix[0]) {
            char sub[300];
            snprintf(sub, sizeof sub, "%.250s/", name);
            snapshot_names(dir, sub, shot);
            continue;
        }
        assert_true(shot->n < MAX_SNAPSHOT);
        memcpy(shot->names[shot->n++], name, sizeof name);
    }
    closedir(d);
}

/* Every file of dir and of its subdirectories (figures/), hidden ones included, sorted by name. */
static void snapshot_take(const char *dir, snapshot *shot)
{
    shot->n = 0;
    snapshot_names(dir, "", shot);
    qsort(shot->names, shot->n, sizeof shot->names[0], name_compare);
    for (size_t i = 0; i < shot->n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, shot->names[i]);
        shot->contents[i] = test_file_read(path, &shot->sizes[i]);
        assert_non_null(shot->contents[i]);
    }
}

static int snapshot_has(const snapshot *shot, const char *name)
{
    for (size_t i = 0; i < shot->n; i++)
        if (!strcmp(shot->names[i], name))
            return 1;
    return 0;
}

static void snapshot_free(snapshot *shot)
{
    for (size_t i = 0; i < shot->n; i++)
        free(shot->contents[i]);
    shot->n = 0;
}

/* ---- reruns are byte-identical ---- */

static void test_reruns_are_identical(void **state)
{
    static const char *const names[] = {"net_messy_155", "net_sample_155", "veteran"};
    scratch *s = *state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char first[256], second[256], name[64];
        snprintf(name, sizeof name, "%s.1", names[i]);
        run_fixture(s, names[i], name, NULL, first, sizeof first);
        snprintf(name, sizeof name, "%s.2", names[i]);
        run_fixture(s, names[i], name, NULL, second, sizeof second);
        assert_same_file(first, second, "results.csv");
        assert_same_file(first, second, "exclusions.csv");
        assert_same_file(first, second, "patients.csv");
        /* outputs.md: every file but manifest.json (the workbook and report too, when written). */
        snapshot shot;
        snapshot_take(first, &shot);
        for (size_t f = 0; f < shot.n; f++)
            if (strcmp(shot.names[f], "manifest.json") != 0)
                assert_same_file(first, second, shot.names[f]);
        snapshot_free(&shot);
    }
}

/* ---- check ---- */

static void test_check_writes_no_results(void **state)
{
    scratch *s = *state;
    char out[256], path[300], run_out[256];
    path_join(out, sizeof out, s->dir, "check");
    const char *args[] = {"check", "--study", FIXTURES "net_messy_155.study.ini", "--input",
                          FIXTURES "net_messy_155.csv", "--out", out, "--quiet", NULL};
    assert_int_equal(run_embolo(args, s->err), 0);
    path_join(path, sizeof path, out, "exclusions.csv");
    assert_true(file_exists(path));
    path_join(path, sizeof path, out, "manifest.json");
    assert_true(file_exists(path));
    path_join(path, sizeof path, out, "patients.csv");
    assert_true(file_exists(path));
    path_join(path, sizeof path, out, "results.csv");
    assert_false(file_exists(path));
    path_join(path, sizeof path, out, "exclusions.csv");
    check_verdicts(FIXTURES "net_messy_155.verdicts.csv", path);
    check_manifest_counts(out, 158);
    /* The same cleaning as a full run. */
    run_fixture(s, "net_messy_155", "run", NULL, run_out, sizeof run_out);
    assert_same_file(out, run_out, "exclusions.csv");
}

/* ---- text cells from the input that a spreadsheet would take for a formula (outputs.md) ---- */

static void test_formula_text_is_guarded(void **state)
{
    scratch *s = *state;
    char study[256], input[256], out[256], path[300];
    csv_file patients, exclusions;
    path_join(study, sizeof study, s->dir, "guard.study.ini");
    path_join(input, sizeof input, s->dir, "guard.csv");
    path_join(out, sizeof out, s->dir, "out");
    file_write(study, "[study]\nid = pid\n[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n");
    file_write(input, "pid,t,s\n"
                      "=1+2,5,1\n"
                      "-5,6,0\n"
                      "@x,-1,1\n"
                      "+x,5,=bad\n"
                      "\"=HYPERLINK(\"\"http://x\"\")\",7,1\n");
    const char *args[] = {"check", "--study", study, "--input", input, "--out", out, "--quiet", NULL};
    assert_int_equal(run_embolo(args, s->err), 0);
    path_join(path, sizeof path, out, "patients.csv");
    csv_load(path, &patients);
    assert_string_equal(cell_of(&patients, "1", "id"), "'=1+2");
    assert_string_equal(cell_of(&patients, "2", "id"), "-5"); /* a number: as it is */
    assert_string_equal(cell_of(&patients, "5", "id"), "'=HYPERLINK(\"http://x\")");
    csv_free(&patients);
    path_join(path, sizeof path, out, "exclusions.csv");
    csv_load(path, &exclusions);
    assert_string_equal(cell_of(&exclusions, "3", "id"), "'@x");
    assert_string_equal(cell_of(&exclusions, "3", "value"), "-1");
    assert_string_equal(cell_of(&exclusions, "3", "code"), "E_BAD_TIME");
    assert_string_equal(cell_of(&exclusions, "4", "id"), "'+x");
    assert_string_equal(cell_of(&exclusions, "4", "value"), "'=bad");
    assert_string_equal(cell_of(&exclusions, "4", "code"), "E_BAD_STATUS");
    csv_free(&exclusions);
}

/* ---- failures ---- */

/* 1 when dir holds exactly the files of want, byte for byte; prints what differs. */
static int snapshot_matches(const snapshot *want, const char *dir)
{
    snapshot got;
    int same;
    snapshot_take(dir, &got);
    same = got.n == want->n;
    for (size_t i = 0; i < got.n; i++) {
        if (strstr(got.names[i], ".tmp.") && got.names[i][0] == '.')
            print_error("temporary file %s/%s left behind\n", dir, got.names[i]);
        if (i >= want->n || strcmp(got.names[i], want->names[i])) {
            print_error("%s/%s: not there before\n", dir, got.names[i]);
            same = 0;
        } else if (got.sizes[i] != want->sizes[i] || memcmp(got.contents[i], want->contents[i], got.sizes[i])) {
            print_error("%s/%s: changed\n", dir, got.names[i]);
            same = 0;
        }
    }
    snapshot_free(&got);
    return same;
}

/* A copy of the NET study with one line inserted after the line holding after. */
static void write_study_with(const char *path, const char *after, const char *line)
{
    char *study = test_file_read(FIXTURES "net_sample_155.study.ini", NULL);
    assert_non_null(study);
    char *at = strstr(study, after);
    assert_non_null(at);
    at = strchr(at, '\n') + 1;
    size_t size = strlen(study) + strlen(line) + 2;
    char *text = malloc(size);
    assert_non_null(text);
    snprintf(text, size, "%.*s%s\n%s", (int)(at - study), study, line, at);
    file_write(path, text);
    free(text);
    free(study);
}

/* A copy of the NET sample without its column `grade`. */
static void write_input_without_grade(const char *path)
{
    csv_file input;
    csv_load(FIXTURES "net_sample_155.csv", &input);
    size_t grade = csv_column(&input, "grade");
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for (size_t r = 0; r < input.n; r++) {
        for (size_t f = 0, written = 0; f < input.records[r].n; f++)
            if (f != grade)
                fprintf(file, "%s\"%s\"", written++ ? "," : "", input.records[r].fields[f]);
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&input);
}

static void test_failure_exit_codes(void **state)
{
    scratch *s = *state;
    char out[256], bad_study[256], no_grade[256];
    path_join(out, sizeof out, s->dir, "out");
    path_join(bad_study, sizeof bad_study, s->dir, "unknown_key.study.ini");
    path_join(no_grade, sizeof no_grade, s->dir, "no_grade.csv");
    write_study_with(bad_study, "[variable.age]", "colour = red");
    write_input_without_grade(no_grade);
    const char *study = FIXTURES "net_sample_155.study.ini", *input = FIXTURES "net_sample_155.csv";

    const char *missing_input[] = {"run", "--study", study, "--input", "/nonexistent/none.csv", "--out", out, "--quiet", NULL};
    expect_failure(s, missing_input, 66, "/nonexistent/none.csv", NULL);
    const char *missing_study[] = {"run", "--study", "/nonexistent/none.ini", "--input", input, "--out", out, "--quiet", NULL};
    expect_failure(s, missing_study, 66, "/nonexistent/none.ini", NULL);
    const char *check_missing[] = {"check", "--study", study, "--input", "/nonexistent/none.csv", "--out", out, "--quiet", NULL};
    expect_failure(s, check_missing, 66, "/nonexistent/none.csv", NULL);
    const char *unwritable[] = {"run", "--study", study, "--input", input, "--out", "/proc/x", "--quiet", NULL};
    expect_failure(s, unwritable, 73, "/proc/x", NULL);
    const char *unknown_key[] = {"run", "--study", bad_study, "--input", input, "--out", out, "--quiet", NULL};
    char line[300];
    snprintf(line, sizeof line, "%s:", bad_study);
    expect_failure(s, unknown_key, 65, line, "colour");
    const char *no_column[] = {"run", "--study", study, "--input", no_grade, "--out", out, "--quiet", NULL};
    expect_failure(s, no_column, 65, no_grade, "'grade'");

    const char *bad_option[] = {"run", "--bogus", NULL};
    expect_failure(s, bad_option, 64, "--bogus", NULL);
    const char *bad_command[] = {"frobnicate", NULL};
    expect_failure(s, bad_command, 64, "frobnicate", NULL);
    const char *bad_date[] = {"run", "--as-of", "2012-02-30", "--out", out, NULL};
    expect_failure(s, bad_date, 64, "--as-of", NULL);
    const char *no_value[] = {"run", "--study", study, "--out", NULL};
    expect_failure(s, no_value, 64, "--out", NULL);
    const char *check_as_of[] = {"check", "--as-of", "2012-12-31", NULL};
    expect_failure(s, check_as_of, 64, "--as-of", NULL);
    /* None of these wrote an output. */
    path_join(line, sizeof line, out, "results.csv");
    assert_false(file_exists(line));
}

/* A failed run leaves --out as the last successful run left it: no temporary file, nothing changed. */
static void test_failed_runs_leave_outputs_unchanged(void **state)
{
    scratch *s = *state;
    char out[256], bad_study[256], no_grade[256];
    snapshot before;
    run_fixture(s, "net_sample_155", "out", "2012-12-31", out, sizeof out);
    path_join(bad_study, sizeof bad_study, s->dir, "unknown_key.study.ini");
    path_join(no_grade, sizeof no_grade, s->dir, "no_grade.csv");
    write_study_with(bad_study, "[analysis]", "seed = 1");
    write_input_without_grade(no_grade);
    snapshot_take(out, &before);
    int has_outputs = snapshot_has(&before, "results.csv") && snapshot_has(&before, "exclusions.csv") &&
                      snapshot_has(&before, "patients.csv") && snapshot_has(&before, "manifest.json");
    if (!has_outputs)
        snapshot_free(&before);
    assert_true(has_outputs);
    const char *study = FIXTURES "net_sample_155.study.ini", *input = FIXTURES "net_sample_155.csv";
    const char *const failing[][10] = {
        {"run", "--study", study, "--input", "/nonexistent/none.csv", "--out", out, "--quiet", NULL},
        {"run", "--study", "/nonexistent/none.ini", "--input", input, "--out", out, "--quiet", NULL},
        {"run", "--study", bad_study, "--input", input, "--out", out, "--quiet", NULL},
        {"run", "--study", study, "--input", no_grade, "--out", out, "--quiet", NULL},
        {"check", "--study", bad_study, "--input", input, "--out", out, "--quiet", NULL},
    };
    int all_same = 1;
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        int code = run_embolo(failing[i], s->err);
        assert_true(code == 65 || code == 66);
        if (!snapshot_matches(&before, out)) {
            print_error("after the failing run %zu (exit %d)\n", i, code);
            all_same = 0;
        }
    }
    snapshot_free(&before);
    assert_true(all_same);
}

/* A run in which no row can be analysed fails (65). outputs.md: "a failed run leaves earlier outputs
 * untouched". KNOWN BUG (reported): pipeline/driver.c renders exclusions.csv, patients.csv and
 * manifest.json before failing, so they replace the earlier run's while its results.csv stays: the
 * directory then mixes two runs. The test documents the expectation and is skipped while the bug
 * stands. */
static void test_no_analysable_row_leaves_outputs_unchanged(void **state)
{
    scratch *s = *state;
    char out[256], none[256];
    snapshot before;
    run_fixture(s, "net_sample_155", "out", NULL, out, sizeof out);
    path_join(none, sizeof none, s->dir, "none.csv");
    file_write(none, "patient_id,age,sex,primary_site,grade,tumor_burden_pct,extrahepatic_disease,"
                     "hormonal_syndrome,prior_liver_surgery,modality,treatment_date,hepatic_progression_date,"
                     "death_date,last_followup_date\n"
                     "A,60,F,gut,G1,10,no,no,no,TACE,,,,2012-01-01\n"
                     "B,60,F,gut,G1,10,no,no,no,surgery,2010-01-01,,,2012-01-01\n");
    snapshot_take(out, &before);
    const char *args[] = {"run", "--study", FIXTURES "net_sample_155.study.ini", "--input", none, "--out", out,
                          "--quiet", NULL};
    expect_failure(s, args, 65, none, NULL);
    int same = snapshot_matches(&before, out);
    snapshot_free(&before);
    assert_true(same);
}

int main(void)
{
#define E2E_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        E2E_TEST(test_lung_results),
        E2E_TEST(test_veteran_results),
        E2E_TEST(test_net_sample_results),
        E2E_TEST(test_net_messy_results),
        E2E_TEST(test_net_sample_round2_results),
        E2E_TEST(test_lung_round2_results),
        E2E_TEST(test_veteran_round2_results),
        E2E_TEST(test_competing_ts_results),
        E2E_TEST(test_net_sample_as_of_results),
        E2E_TEST(test_audit_template_as_of_results),
        E2E_TEST(test_net_sample_propensity_scores),
        E2E_TEST(test_net_sample_table1_tests),
        E2E_TEST(test_veteran_propensity_scores),
        E2E_TEST(test_net_messy_verdicts),
        E2E_TEST(test_manifest_counts),
        E2E_TEST(test_reruns_are_identical),
        E2E_TEST(test_check_writes_no_results),
        E2E_TEST(test_formula_text_is_guarded),
        E2E_TEST(test_failure_exit_codes),
        E2E_TEST(test_failed_runs_leave_outputs_unchanged),
        E2E_TEST(test_no_analysable_row_leaves_outputs_unchanged),
    };
#undef E2E_TEST
    if (!getenv("EMBOLO_BIN"))
        fprintf(stderr, "test_e2e: EMBOLO_BIN is not set (the path of the embolo program): every test fails\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
