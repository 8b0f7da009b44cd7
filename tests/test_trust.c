/* End to end (EMBOLO_BIN), issue 13: nothing dropped or misread silently. Values that match no level
 * are warned once per variable and value; --strict fails after writing the exclusion log; an endpoint
 * without events is named; an empty treatment level or reference level gives R's numbers for the
 * others; R's timefix; a time not finite in the study's unit; the study's delimiter; names from the
 * study guarded in the CSV outputs; messages that name the right thing; the CLI's per-command help
 * and option values; the audit template on studies it was not written for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "e2eutil.h"

/* ---- files of a test ---- */

/* Writes source with the first occurrence of old replaced by new (which must be there). */
static void write_edited(const char *path, const char *source, const char *old, const char *new_text)
{
    char *text = test_file_read(source, NULL);
    assert_non_null(text);
    char *at = strstr(text, old);
    if (!at)
        print_error("%s has no '%s'\n", source, old);
    assert_non_null(at);
    size_t size = strlen(text) - strlen(old) + strlen(new_text) + 1;
    char *edited = malloc(size);
    assert_non_null(edited);
    snprintf(edited, size, "%.*s%s%s", (int)(at - text), text, new_text, at + strlen(old));
    file_write(path, edited);
    free(edited);
    free(text);
}

/* A copy of a CSV file with every comma between fields replaced by delimiter, every field quoted. */
static void write_delimited(const char *path, const char *source, char delimiter)
{
    csv_file input;
    csv_load(source, &input);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for (size_t r = 0; r < input.n; r++) {
        for (size_t f = 0; f < input.records[r].n; f++)
            fprintf(file, "%s\"%s\"", f ? (char[2]){delimiter, '\0'} : "", input.records[r].fields[f]);
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&input);
}

static char *read_output(const char *out, const char *name)
{
    char path[300];
    path_join(path, sizeof path, out, name);
    char *text = test_file_read(path, NULL);
    if (!text)
        print_error("cannot read %s\n", path);
    assert_non_null(text);
    return text;
}

/* How often needle occurs in text. */
static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *at = text; (at = strstr(at, needle)) != NULL; at += strlen(needle))
        n++;
    return n;
}

/* The manifest's warnings hold needle (exactly once when once is set). */
static void assert_manifest_warns(const char *out, const char *needle, int once)
{
    char *manifest = read_output(out, "manifest.json");
    const char *warnings = strstr(manifest, "\"warnings\": [");
    assert_non_null(warnings);
    size_t n = occurrences(warnings, needle);
    if (n == 0 || (once && n != 1))
        print_error("manifest.json warns '%s' %zu times:\n%s\n", needle, n, manifest);
    assert_true(n > 0);
    if (once)
        assert_int_equal(n, 1);
    free(manifest);
}

static void assert_manifest_silent(const char *out, const char *needle)
{
    char *manifest = read_output(out, "manifest.json");
    if (strstr(manifest, needle))
        print_error("manifest.json mentions '%s':\n%s\n", needle, manifest);
    assert_null(strstr(manifest, needle));
    free(manifest);
}

/* `embolo run` of study and input into DIR/out_name with more arguments (NULL-terminated); fails
 * unless it exits with want_code. */
static void run_study(const scratch *s, const char *study, const char *input, const char *out_name, int want_code,
                      char *out, size_t out_size, ...)
{
    const char *args[24] = {"run", "--study", study, "--input", input, "--out", out};
    size_t n = 7;
    va_list extra;
    path_join(out, out_size, s->dir, out_name);
    va_start(extra, out_size);
    for (const char *a; (a = va_arg(extra, const char *)) != NULL && n < 22;)
        args[n++] = a;
    va_end(extra);
    args[n] = NULL;
    int code = run_embolo(args, s->err);
    if (code != want_code) {
        char *err = test_file_read(s->err, NULL);
        print_error("embolo run %s: exit %d, want %d: %s\n", study, code, want_code, err ? err : "");
        free(err);
    }
    assert_int_equal(code, want_code);
}

static void scratch_path(const scratch *s, const char *name, char *out, size_t size)
{
    path_join(out, size, s->dir, name);
}

/* ---- values that match no level ---- */

/* A typo in the treatment (3 rows) and an unknown grade (2 rows): one warning per variable and value,
 * on stderr and in the manifest, with the count, the value as written and the levels. */
static void test_unmatched_values_are_warned_once(void **state)
{
    scratch *s = *state;
    char input[256], out[256], edited[256];
    scratch_path(s, "typo.csv", input, sizeof input);
    scratch_path(s, "typo1.csv", edited, sizeof edited);
    write_edited(edited, FIXTURES "net_sample_155.csv", ",TACE,", ",T.A.C.E,");
    write_edited(input, edited, ",TACE,", ",t.a.c.e,");
    write_edited(edited, input, ",TACE,", ", T.A.C.E ,");
    write_edited(input, edited, ",G2,", ",G4,");
    write_edited(edited, input, ",G2,", ",g4,");
    run_study(s, FIXTURES "net_sample_155.study.ini", edited, "out", 0, out, sizeof out, (char *)NULL);
    char *err = test_file_read(s->err, NULL);
    assert_non_null(err);
    static const char treatment[] = "Embolotherapy: 3 rows have 'T.A.C.E', which is not a level (levels: TACE, "
                                    "TARE, TAE); the rows are excluded (E_UNKNOWN_TREATMENT)";
    static const char grade[] = "WHO grade: 2 rows have 'G4', which is not a level (levels: G1, G2, G3)";
    assert_int_equal(occurrences(err, treatment), 1);
    assert_int_equal(occurrences(err, grade), 1);
    free(err);
    assert_manifest_warns(out, treatment, 1);
    assert_manifest_warns(out, grade, 1);
    check_manifest_counts(out, 155);
}

/* ---- --strict ---- */

static void test_strict_fails_after_the_exclusion_log(void **state)
{
    scratch *s = *state;
    char out[256], path[300];
    path_join(out, sizeof out, s->dir, "strict");
    const char *run[] = {"run", "--strict", "--study", FIXTURES "net_messy_155.study.ini", "--input",
                         FIXTURES "net_messy_155.csv", "--out", out, "--quiet", NULL};
    expect_failure(s, run, 65, "--strict: 21 exclusions or invalid values: E_MALFORMED_ROW 1, E_DUPLICATE_ID 2,",
                   "E_NO_FOLLOWUP 2, W_INVALID_VALUE 4 (see exclusions.csv)");
    path_join(path, sizeof path, out, "exclusions.csv");
    check_verdicts(FIXTURES "net_messy_155.verdicts.csv", path);
    check_manifest_counts(out, 158);
    static const char *const absent[] = {"results.csv", "report.pdf", "tables.xlsx"};
    for (size_t i = 0; i < 3; i++) {
        path_join(path, sizeof path, out, absent[i]);
        assert_false(file_exists(path));
    }
    assert_manifest_warns(out, "WHO grade: 1 row has 'G4'", 1);
    path_join(out, sizeof out, s->dir, "strict-check");
    const char *check[] = {"check", "--study", FIXTURES "net_messy_155.study.ini", "--input",
                           FIXTURES "net_messy_155.csv", "--out", out, "--quiet", "--strict", NULL};
    expect_failure(s, check, 65, "E_UNKNOWN_TREATMENT 2", NULL);
    path_join(path, sizeof path, out, "exclusions.csv");
    check_verdicts(FIXTURES "net_messy_155.verdicts.csv", path);
    /* A clean cohort passes; rows that start after the cut-off are no fault of the data. */
    run_study(s, FIXTURES "net_sample_155.study.ini", FIXTURES "net_sample_155.csv", "clean", 0, out, sizeof out,
              "--strict", "--quiet", (char *)NULL);
    run_study(s, FIXTURES "net_sample_155.study.ini", FIXTURES "net_sample_155.csv", "as-of", 0, out, sizeof out,
              "--strict", "--quiet", "--as-of", "2012-12-31", (char *)NULL);
    char *exclusions = read_output(out, "exclusions.csv");
    assert_true(occurrences(exclusions, "E_START_AFTER_AS_OF") > 0);
    free(exclusions);
}

/* ---- endpoints ---- */

/* Deaths coded 2 where the study says 1: no record has an event value, and the run says so. */
static void test_endpoint_without_events_is_warned(void **state)
{
    scratch *s = *state;
    char study[256], out[256];
    scratch_path(s, "no_events.study.ini", study, sizeof study);
    write_edited(study, FIXTURES "veteran.study.ini", "event_values = 1", "event_values = 2");
    run_study(s, study, FIXTURES "veteran.csv", "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    assert_manifest_warns(out, "os: no record has one of the event values (2) in the column 'status': the endpoint "
                               "has no events", 1);
    /* One warning says it: not a second one about no events. */
    assert_manifest_silent(out, "no events among its 9 analysed rows");
    check_manifest_counts(out, 137);
}

/* 1e307 years is no number of days: E_BAD_TIME, in run and in check, never a failed run. */
static void test_time_not_finite_in_the_unit(void **state)
{
    scratch *s = *state;
    char study[256], input[256], out[256];
    scratch_path(s, "years.study.ini", study, sizeof study);
    scratch_path(s, "years.csv", input, sizeof input);
    file_write(study, "[study]\ntime_unit = days\n[endpoint.os]\ntime = t\nstatus = s\nevent_values = 1\n"
                      "censor_values = 0\ntime_unit = years\n[variable.x]\ntype = numeric\n[analysis]\n"
                      "univariate = x\n");
    file_write(input, "t,s,x\n1e307,1,1\n1,1,2\n2,0,3\n3,1,1\n4,1,5\n5,0,2\n");
    run_study(s, study, input, "run", 0, out, sizeof out, "--quiet", (char *)NULL);
    char *exclusions = read_output(out, "exclusions.csv");
    assert_non_null(strstr(exclusions, "\n1,\"1\",\"row\",\"E_BAD_TIME\",\"t\",\"1e307\","));
    free(exclusions);
    check_manifest_counts(out, 6);
    path_join(out, sizeof out, s->dir, "check");
    const char *check[] = {"check", "--study", study, "--input", input, "--out", out, "--quiet", NULL};
    assert_int_equal(run_embolo(check, s->err), 0);
    exclusions = read_output(out, "exclusions.csv");
    assert_non_null(strstr(exclusions, "\"E_BAD_TIME\""));
    free(exclusions);
    char *patients = read_output(out, "patients.csv");
    assert_null(strstr(patients, "\n1,"));
    free(patients);
}

/* Two event times 3 and 3.000000003: R's coefficient, median and log-rank (timefix = TRUE). */
static void test_near_tied_times_as_r(void **state)
{
    check_fixture_results(state, "timefix");
}

/* ---- empty levels ---- */

/* veteran with a fifth cell type that nobody has: every reference value of veteran still holds, the
 * propensity scores and weights too, and the run names the level instead of a separation. */
static void test_empty_treatment_level_is_dropped(void **state)
{
    scratch *s = *state;
    char study[256], out[256], path[300];
    scratch_path(s, "five.study.ini", study, sizeof study);
    write_edited(study, FIXTURES "veteran.study.ini", "levels = squamous, smallcell, adeno, large",
                 "levels = squamous, smallcell, adeno, large, mixed");
    run_study(s, study, FIXTURES "veteran.csv", "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    path_join(path, sizeof path, out, "results.csv");
    compare_results(FIXTURES "veteran.expected.csv", path);
    path_join(path, sizeof path, out, "patients.csv");
    compare_propensity_scores(FIXTURES "veteran.ps.csv", path);
    assert_manifest_warns(out, "the treatment level mixed has no patient among its 137 complete rows", 1);
    assert_manifest_silent(out, "separated");
}

/* lung with a declared reference that no patient has: the first level with patients is the reference
 * (R's numbers against it), said by a results line and a warning per model. */
static void test_empty_reference_level(void **state)
{
    scratch *s = *state;
    char study[256], out[256], path[300];
    scratch_path(s, "reference.study.ini", study, sizeof study);
    write_edited(study, FIXTURES "lung.study.ini", "levels = 0, 1, 2, 3", "levels = 0, 1, 2, 3, 4\nreference = 4");
    run_study(s, study, FIXTURES "lung.csv", "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    path_join(path, sizeof path, out, "results.csv");
    compare_results(FIXTURES "lung.expected.csv", path);
    char *results = read_output(out, "results.csv");
    assert_non_null(strstr(results, "\"cox\",\"os\",\"univariate:ph.ecog\",\"ph.ecog\",\"0\",\"reference_level\",1\n"));
    assert_non_null(strstr(results, "\"cox\",\"os\",\"multivariable\",\"ph.ecog\",\"0\",\"reference_level\",1\n"));
    assert_non_null(strstr(results, "\"cox\",\"os\",\"univariate:sex\",\"sex\",\"male\",\"reference_level\",1\n"));
    assert_null(strstr(results, "\"cox\",\"os\",\"univariate:ph.ecog\",\"ph.ecog\",\"4\""));
    free(results);
    assert_manifest_warns(out, "os univariate:ph.ecog: no row of the model has the reference level 4 of ph.ecog; "
                               "its hazard ratios are against 0, the first level with rows", 1);
    assert_manifest_warns(out, "os multivariable: no row of the model has the reference level 4", 1);
}

/* ---- input ---- */

/* veteran as a European Excel export: R's numbers with delimiter = ; and a message naming ';' without. */
static void test_semicolon_file(void **state)
{
    scratch *s = *state;
    char input[256], study[256], out[256], path[300];
    scratch_path(s, "veteran;.csv", input, sizeof input);
    scratch_path(s, "semicolon.study.ini", study, sizeof study);
    write_delimited(input, FIXTURES "veteran.csv", ';');
    write_edited(study, FIXTURES "veteran.study.ini", "[study]\n", "[study]\ndelimiter = ;\n");
    run_study(s, study, input, "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    path_join(path, sizeof path, out, "results.csv");
    compare_results(FIXTURES "veteran.expected.csv", path);
    path_join(out, sizeof out, s->dir, "plain");
    const char *args[] = {"run", "--study", FIXTURES "veteran.study.ini", "--input", input, "--out", out, NULL};
    expect_failure(s, args, 65, "seems to be separated by ';'", "delimiter = ;");
}

/* ---- the CSV outputs ---- */

/* Names the study defines that begin with = + - @ are guarded like input text; patients.csv writes NA
 * for every missing value and a cut variable's number beside its level. */
static void test_study_names_are_guarded(void **state)
{
    scratch *s = *state;
    char study[256], input[256], out[256], path[300];
    csv_file results, patients, exclusions;
    scratch_path(s, "names.study.ini", study, sizeof study);
    scratch_path(s, "names.csv", input, sizeof input);
    file_write(study, "[study]\nid = pid\n[endpoint.=os]\ntime = t\nstatus = s\nevent_values = 1\ncensor_values = 0\n"
                      "[variable.+arm]\ncolumn = @arm\ntype = categorical\nlevels = -a, @b\n"
                      "[variable.size]\ntype = numeric\ncut = 5\nmax = 50\n"
                      "[analysis]\nsubgroups = +arm\nunivariate = +arm, size\n");
    file_write(input, "pid,t,s,@arm,size\n"
                      "p1,5,1,-a,3\np2,6,0,@b,7\np3,7,1,-a,\np4,8,1,@b,99\np5,9,0,,4\np6,10,1,-a,6\n"
                      "p7,11,1,@b,2\np8,x,1,-a,1\n");
    run_study(s, study, input, "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    path_join(path, sizeof path, out, "results.csv");
    csv_load(path, &results);
    size_t endpoint = csv_column(&results, "endpoint"), variable = csv_column(&results, "variable");
    size_t level = csv_column(&results, "level");
    int km_level = 0;
    for (size_t r = 1; r < results.n; r++) {
        /* Lines of the whole cohort (table1) have no endpoint. */
        if (csv_get(&results, r, endpoint)[0])
            assert_string_equal(csv_get(&results, r, endpoint), "'=os");
        km_level |= !strcmp(csv_get(&results, r, variable), "'+arm") && !strcmp(csv_get(&results, r, level), "'@b");
    }
    assert_true(km_level);
    csv_free(&results);
    path_join(path, sizeof path, out, "patients.csv");
    csv_load(path, &patients);
    assert_string_equal(patients.records[0].fields[2], "'=os_time");
    assert_string_equal(patients.records[0].fields[4], "'+arm");
    assert_string_equal(cell_of(&patients, "1", "'+arm"), "'-a");
    assert_string_equal(cell_of(&patients, "1", "size"), "<=5");
    assert_string_equal(cell_of(&patients, "1", "size_value"), "3");
    assert_string_equal(cell_of(&patients, "3", "size"), "NA");
    assert_string_equal(cell_of(&patients, "3", "size_value"), "NA");
    assert_string_equal(cell_of(&patients, "4", "size_value"), "NA"); /* 99 is above max */
    assert_string_equal(cell_of(&patients, "5", "'+arm"), "NA");
    assert_string_equal(cell_of(&patients, "6", "size_value"), "6");
    csv_free(&patients);
    path_join(path, sizeof path, out, "exclusions.csv");
    csv_load(path, &exclusions);
    assert_string_equal(cell_of(&exclusions, "8", "scope"), "row");
    assert_string_equal(cell_of(&exclusions, "4", "column"), "size");
    assert_string_equal(cell_of(&exclusions, "4", "message"),
                        "the value is above the allowed maximum of size (50) and is treated as missing");
    csv_free(&exclusions);
}

/* An endpoint excluded for some rows: NA in its time and event columns. */
static void test_patients_write_na(void **state)
{
    scratch *s = *state;
    char out[256];
    csv_file patients;
    run_fixture(s, "net_messy_155", "out", NULL, out, sizeof out);
    char path[300];
    path_join(path, sizeof path, out, "patients.csv");
    csv_load(path, &patients);
    size_t empty = 0, na = 0;
    for (size_t r = 1; r < patients.n; r++)
        for (size_t f = 0; f < patients.records[r].n; f++) {
            empty += patients.records[r].fields[f][0] == '\0';
            na += !strcmp(patients.records[r].fields[f], "NA");
        }
    assert_int_equal(empty, 0);
    assert_true(na > 0);
    assert_string_equal(cell_of(&patients, "40", "hpfs_time"), "NA");
    assert_string_equal(cell_of(&patients, "40", "hpfs_event"), "NA");
    csv_free(&patients);
}

/* ---- messages that name the right thing ---- */

/* The second propensity covariate is missing in every row: the warning names it, not the first. */
static void test_covariate_missing_everywhere_is_named(void **state)
{
    scratch *s = *state;
    char input[256], out[256];
    csv_file veteran;
    scratch_path(s, "no_diagtime.csv", input, sizeof input);
    csv_load(FIXTURES "veteran.csv", &veteran);
    size_t diagtime = csv_column(&veteran, "diagtime");
    FILE *file = fopen(input, "wb");
    assert_non_null(file);
    for (size_t r = 0; r < veteran.n; r++)
        for (size_t f = 0; f < veteran.records[r].n; f++)
            fprintf(file, "%s%s", r && f == diagtime ? "NA" : veteran.records[r].fields[f],
                    f + 1 < veteran.records[r].n ? "," : "\n");
    assert_int_equal(fclose(file), 0);
    csv_free(&veteran);
    run_study(s, FIXTURES "veteran.study.ini", input, "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    assert_manifest_warns(out, "propensity model: diagtime is missing in every row", 1);
    assert_manifest_silent(out, "(karno)");
}

/* 8 coefficients and 4 events: no Cox model, with a warning (not minutes of iterations). */
static void test_more_coefficients_than_events(void **state)
{
    scratch *s = *state;
    char study[256], input[256], out[256];
    scratch_path(s, "wide.study.ini", study, sizeof study);
    scratch_path(s, "wide.csv", input, sizeof input);
    char text[2048];
    size_t used = (size_t)snprintf(text, sizeof text, "[study]\ntime_unit = days\n[endpoint.os]\ntime = t\nstatus = s\n"
                                                      "event_values = 1\ncensor_values = 0\n");
    for (int v = 1; v <= 8; v++)
        used += (size_t)snprintf(text + used, sizeof text - used, "[variable.x%d]\ntype = numeric\n", v);
    snprintf(text + used, sizeof text - used, "[analysis]\nunivariate = x1\nmultivariable = x1, x2, x3, x4, x5, x6, "
                                              "x7, x8\n");
    file_write(study, text);
    used = (size_t)snprintf(text, sizeof text, "t,s,x1,x2,x3,x4,x5,x6,x7,x8\n");
    for (int i = 0; i < 12; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", i + 1, i % 3 == 0,
                                 i % 5, (i * 7) % 11, i % 2, (i * 3) % 7, i % 4, (i * 5) % 13, i % 6, (i * i) % 9);
    file_write(input, text);
    run_study(s, study, input, "out", 0, out, sizeof out, "--quiet", (char *)NULL);
    assert_manifest_warns(out, "os multivariable: no Cox model (8 coefficients but only 4 events among its 12 rows)",
                          1);
    char *results = read_output(out, "results.csv");
    assert_null(strstr(results, "\"multivariable\""));
    assert_non_null(strstr(results, "\"univariate:x1\",\"x1\",\"\",\"coef\""));
    free(results);
}

/* ---- the command line ---- */

/* `embolo COMMAND --help` and -h: that command's usage on stdout, exit 0. */
static void test_command_help(void **state)
{
    scratch *s = *state;
    static const char *const commands[] = {"run", "check", "simulate"};
    char stdout_path[300];
    path_join(stdout_path, sizeof stdout_path, s->dir, "stdout.txt");
    for (size_t c = 0; c < 3; c++)
        for (int dash = 0; dash < 2; dash++) {
            char *argv[] = {(char *)embolo_bin(), (char *)commands[c], dash ? "-h" : "--help", NULL};
            char want[64];
            assert_int_equal(test_run_program(embolo_bin(), argv, stdout_path, s->err), 0);
            char *text = test_file_read(stdout_path, NULL);
            assert_non_null(text);
            snprintf(want, sizeof want, "usage: embolo %s [", commands[c]);
            assert_true(strncmp(text, want, strlen(want)) == 0);
            assert_int_equal(occurrences(text, "usage:"), 1);
            free(text);
        }
}

/* An option without its value, or followed by another option, is a usage error (64). */
static void test_option_values(void **state)
{
    scratch *s = *state;
    const char *input_then_out[] = {"run", "--input", "--out", s->dir, NULL};
    expect_failure(s, input_then_out, 64, "--input needs a value", "'--out'");
    const char *last[] = {"check", "--study", NULL};
    expect_failure(s, last, 64, "--study needs a value", NULL);
    const char *as_of[] = {"run", "--as-of", "--quiet", NULL};
    expect_failure(s, as_of, 64, "--as-of needs a value", NULL);
    const char *simulate[] = {"simulate", "--out", "--n", "5", NULL};
    expect_failure(s, simulate, 64, "--out needs a value", NULL);
    const char *unknown[] = {"check", "--template", "x.ini", NULL};
    expect_failure(s, unknown, 64, "unknown option '--template'", "embolo check --help");
}

/* ---- templates ---- */

/* The audit template on time/status studies without the NET endpoints: the run works, each benchmark
 * it cannot match is skipped with a warning, and the counts that need dates are said to be missing. */
static void test_audit_template_on_any_study(void **state)
{
    scratch *s = *state;
    static const char *const names[] = {"lung", "veteran"};
    for (size_t i = 0; i < 2; i++) {
        char study[256], input[256], out[256], path[300], expected[256];
        snprintf(study, sizeof study, FIXTURES "%s.study.ini", names[i]);
        snprintf(input, sizeof input, FIXTURES "%s.csv", names[i]);
        snprintf(expected, sizeof expected, FIXTURES "%s.expected.csv", names[i]);
        run_study(s, study, input, names[i], 0, out, sizeof out, "--quiet", "--template", "templates/audit.ini",
                  "--as-of", "2012-12-31", (char *)NULL);
        assert_manifest_warns(out, "templates/audit.ini:23: benchmark hpfs.grade.G1 skipped: the study has no "
                                   "endpoint hpfs", 1);
        assert_manifest_warns(out, "benchmark os.grade.G3 skipped: the study has no variable grade", 1);
        assert_manifest_warns(out, "audit: os has times, not dates", 1);
        path_join(path, sizeof path, out, "results.csv");
        compare_results(expected, path);
        char *results = read_output(out, "results.csv");
        assert_null(strstr(results, "\"audit\""));
        assert_null(strstr(results, "\"benchmark\""));
        free(results);
        path_join(path, sizeof path, out, "report.pdf");
        assert_true(file_exists(path));
    }
}

int main(void)
{
#define E2E_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        E2E_TEST(test_unmatched_values_are_warned_once),
        E2E_TEST(test_strict_fails_after_the_exclusion_log),
        E2E_TEST(test_endpoint_without_events_is_warned),
        E2E_TEST(test_time_not_finite_in_the_unit),
        E2E_TEST(test_near_tied_times_as_r),
        E2E_TEST(test_empty_treatment_level_is_dropped),
        E2E_TEST(test_empty_reference_level),
        E2E_TEST(test_semicolon_file),
        E2E_TEST(test_study_names_are_guarded),
        E2E_TEST(test_patients_write_na),
        E2E_TEST(test_covariate_missing_everywhere_is_named),
        E2E_TEST(test_more_coefficients_than_events),
        E2E_TEST(test_command_help),
        E2E_TEST(test_option_values),
        E2E_TEST(test_audit_template_on_any_study),
    };
#undef E2E_TEST
    if (!getenv("EMBOLO_BIN"))
        fprintf(stderr, "test_trust: EMBOLO_BIN is not set (the path of the embolo program): every test fails\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
