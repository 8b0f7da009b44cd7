/* End to end with a procedures file (procedures.md): runs the program (EMBOLO_BIN) on the reference
 * procedure sets of tests/fixtures/data/ and checks every line of R's results for them (with and
 * without an as-of date), that the patient references still hold, the procedure verdicts (as
 * check_procedure_verdicts.py does), the accounting (records = included + excluded, in the manifest,
 * exclusions.csv, procedures.csv and patients.csv), a patient file without its start and treatment
 * columns, the SIR scale, --procedures, the share template, and the failures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "testutil.h"
#include "e2eutil.h"

#define SAMPLE_STUDY FIXTURES "net_sample_155.procedures.study.ini"
#define SAMPLE_INPUT FIXTURES "net_sample_155.csv"
#define MESSY_STUDY FIXTURES "net_messy_155.procedures.study.ini"
#define MESSY_INPUT FIXTURES "net_messy_155.csv"

/* `embolo COMMAND --study STUDY --input INPUT --out DIR/out_name --quiet` plus up to four more
 * arguments (NULL-terminated); fails unless it succeeds. */
static void run_with(const scratch *s, const char *command, const char *study, const char *input,
                     const char *out_name, char *out, size_t out_size, const char *a, const char *b, const char *c,
                     const char *d)
{
    path_join(out, out_size, s->dir, out_name);
    const char *args[] = {command, "--study", study, "--input", input, "--out", out, "--quiet", a, b, c, d, NULL};
    int code = run_embolo(args, s->err);
    if (code != 0) {
        char *err = test_file_read(s->err, NULL);
        print_error("embolo %s --study %s: exit %d: %s\n", command, study, code, err ? err : "");
        free(err);
    }
    assert_int_equal(code, 0);
}

static void compare_in(const char *expected, const char *out)
{
    char results[300];
    path_join(results, sizeof results, out, "results.csv");
    compare_results(expected, results);
}

/* ---- the procedure verdicts (check_procedure_verdicts.py) ---- */

/* An excluded record has exactly one `procedure` line with its code; an included one with a reason
 * a `procedure_value` line with that code and column and no `procedure` line; one without neither. */
static void check_procedure_verdicts(const char *verdicts_path, const char *out)
{
    csv_file verdicts, exclusions;
    char path[300];
    size_t ok = 0, bad = 0;
    path_join(path, sizeof path, out, "exclusions.csv");
    csv_load(verdicts_path, &verdicts);
    csv_load(path, &exclusions);
    size_t v_row = csv_column(&verdicts, "row"), v_status = csv_column(&verdicts, "status");
    size_t v_reason = csv_column(&verdicts, "reason"), v_column = csv_column(&verdicts, "column");
    size_t x_row = csv_column(&exclusions, "row"), x_scope = csv_column(&exclusions, "scope");
    size_t x_code = csv_column(&exclusions, "code"), x_column = csv_column(&exclusions, "column");
    for (size_t r = 1; r < verdicts.n; r++) {
        const char *row = csv_get(&verdicts, r, v_row), *reason = csv_get(&verdicts, r, v_reason);
        size_t procedure_lines = 0, matching_lines = 0, value_lines = 0, matching_values = 0;
        for (size_t x = 1; x < exclusions.n; x++) {
            if (strcmp(csv_get(&exclusions, x, x_row), row))
                continue;
            const char *scope = csv_get(&exclusions, x, x_scope), *code = csv_get(&exclusions, x, x_code);
            if (!strcmp(scope, "procedure")) {
                procedure_lines++;
                matching_lines += !strcmp(code, reason);
            } else if (!strcmp(scope, "procedure_value")) {
                value_lines++;
                matching_values += !strcmp(code, reason) &&
                                   !strcmp(csv_get(&exclusions, x, x_column), csv_get(&verdicts, r, v_column));
            }
        }
        int good = !strcmp(csv_get(&verdicts, r, v_status), "excluded") ? procedure_lines == 1 && matching_lines == 1
                   : reason[0]                                         ? procedure_lines == 0 && matching_values > 0
                                                                       : procedure_lines == 0 && value_lines == 0;
        if (!good)
            print_error("procedure record %s: want %s %s, got %zu procedure and %zu procedure_value lines\n", row,
                        csv_get(&verdicts, r, v_status), reason, procedure_lines, value_lines);
        good ? ok++ : bad++;
    }
    print_message("%s: %zu passed, %zu failed\n", verdicts_path, ok, bad);
    size_t n = verdicts.n - 1;
    csv_free(&verdicts);
    csv_free(&exclusions);
    assert_int_equal(bad, 0);
    assert_int_equal(ok, n);
}

/* ---- accounting ---- */

/* The number in `"key": N` after the first `"procedures": {` of the manifest. */
static long manifest_procedures_number(const char *out, const char *key)
{
    char path[300];
    path_join(path, sizeof path, out, "manifest.json");
    char *manifest = test_file_read(path, NULL);
    assert_non_null(manifest);
    const char *entry = strstr(manifest, "\"procedures\": {");
    assert_non_null(entry);
    long value = manifest_number(entry, key);
    free(manifest);
    return value;
}

/* Fails unless out's manifest names the procedures file `path` with the SHA-256 of `file`'s bytes, and
 * its "files" lists procedures.csv exactly when want_listed. */
static void check_manifest_procedures(const char *out, const char *path, const char *file, int want_listed)
{
    char manifest_path[300], hex[65], want[600];
    path_join(manifest_path, sizeof manifest_path, out, "manifest.json");
    char *manifest = test_file_read(manifest_path, NULL);
    assert_non_null(manifest);
    assert_true(sha256_file_hex(file, hex));
    snprintf(want, sizeof want, "\"procedures\": {\"path\": \"%s\", \"sha256\": \"%s\",", path, hex);
    const char *files = strstr(manifest, "\"files\": [");
    const char *files_end = files ? strchr(files, ']') : NULL;
    const char *listed = files ? strstr(files, "\"procedures.csv\"") : NULL;
    if (!strstr(manifest, want))
        print_error("want %s in\n%s", want, manifest);
    assert_non_null(strstr(manifest, want));
    assert_non_null(files_end);
    assert_int_equal(listed && listed < files_end, want_listed);
    free(manifest);
}

static size_t lines_with_scope(const char *out, const char *scope)
{
    csv_file exclusions;
    char path[300];
    size_t n = 0;
    path_join(path, sizeof path, out, "exclusions.csv");
    csv_load(path, &exclusions);
    size_t column = csv_column(&exclusions, "scope");
    for (size_t r = 1; r < exclusions.n; r++)
        n += !strcmp(csv_get(&exclusions, r, column), scope);
    csv_free(&exclusions);
    return n;
}

/* records = included + excluded, one `procedure` line per excluded record, one procedures.csv line
 * per included one, and as many sessions in patients.csv. */
static void check_procedure_accounting(const char *out, long want_records)
{
    char path[300];
    csv_file procedures, patients;
    long read = manifest_procedures_number(out, "rows_read"), included = manifest_procedures_number(out, "rows_included"),
         excluded = manifest_procedures_number(out, "rows_excluded");
    assert_int_equal(read, want_records);
    assert_int_equal(read, included + excluded);
    assert_int_equal(lines_with_scope(out, "procedure"), excluded);
    path_join(path, sizeof path, out, "procedures.csv");
    csv_load(path, &procedures);
    assert_int_equal(procedures.n - 1, included);
    csv_free(&procedures);
    path_join(path, sizeof path, out, "patients.csv");
    csv_load(path, &patients);
    size_t sessions = csv_column(&patients, "sessions");
    long total = 0;
    for (size_t r = 1; r < patients.n; r++)
        total += strtol(csv_get(&patients, r, sessions), NULL, 10);
    assert_int_equal(total, included);
    csv_free(&patients);
}

/* ---- the references ---- */

static void test_sample(void **state)
{
    scratch *s = *state;
    char out[256];
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "out", out, sizeof out, NULL, NULL, NULL, NULL);
    compare_in(FIXTURES "net_sample_155.procedures.expected.csv", out);
    compare_in(FIXTURES "net_sample_155.expected.csv", out);
    check_procedure_accounting(out, 236);
    check_manifest_counts(out, 155);
    check_manifest_procedures(out, FIXTURES "net_sample_155.procedures.csv", FIXTURES "net_sample_155.procedures.csv",
                              1);
}

static void test_sample_as_of(void **state)
{
    scratch *s = *state;
    char out[256];
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "out", out, sizeof out, "--as-of", "2012-12-31", NULL, NULL);
    compare_in(FIXTURES "net_sample_155.procedures.asof_2012-12-31.expected.csv", out);
    compare_in(FIXTURES "net_sample_155.asof_2012-12-31.expected.csv", out);
    check_procedure_accounting(out, 236);
}

/* The audit template's cut-off by --as-of, and its [thresholds] (the defaults). */
static void test_sample_audit_template(void **state)
{
    scratch *s = *state;
    char out[256];
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "out", out, sizeof out, "--as-of", "2012-12-31", "--template",
             "templates/audit.ini");
    compare_in(FIXTURES "net_sample_155.procedures.asof_2012-12-31.expected.csv", out);
}

static void test_messy(void **state)
{
    scratch *s = *state;
    char out[256], path[300];
    run_with(s, "run", MESSY_STUDY, MESSY_INPUT, "out", out, sizeof out, NULL, NULL, NULL, NULL);
    compare_in(FIXTURES "net_messy_155.procedures.expected.csv", out);
    compare_in(FIXTURES "net_messy_155.expected.csv", out);
    path_join(path, sizeof path, out, "exclusions.csv");
    check_verdicts(FIXTURES "net_messy_155.verdicts.csv", path);
    check_procedure_verdicts(FIXTURES "net_messy_155.procedures.verdicts.csv", out);
    check_procedure_accounting(out, 256);
    check_manifest_counts(out, 158);
    assert_int_equal(lines_with_scope(out, "index"), 4);
}

/* `check` cleans the same way and writes procedures.csv, without results. */
static void test_check_with_procedures(void **state)
{
    scratch *s = *state;
    char out[256], run_out[256], path[300];
    run_with(s, "check", MESSY_STUDY, MESSY_INPUT, "check", out, sizeof out, NULL, NULL, NULL, NULL);
    path_join(path, sizeof path, out, "results.csv");
    assert_false(file_exists(path));
    check_procedure_verdicts(FIXTURES "net_messy_155.procedures.verdicts.csv", out);
    check_procedure_accounting(out, 256);
    run_with(s, "run", MESSY_STUDY, MESSY_INPUT, "run", run_out, sizeof run_out, NULL, NULL, NULL, NULL);
    assert_same_file(out, run_out, "exclusions.csv");
    assert_same_file(out, run_out, "procedures.csv");
    assert_same_file(out, run_out, "patients.csv");
}

/* ---- derived inputs ---- */

static void write_field(FILE *file, const char *text)
{
    fputc('"', file);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', file);
        fputc(*c, file);
    }
    fputc('"', file);
}

/* Writes a CSV file without the columns named in drop (NULL-terminated); values of `column` are
 * replaced by map[value - '0'] when map is not NULL. */
static void write_csv_changed(const char *path, const csv_file *input, const char *const *drop, const char *column,
                              const char *const *map)
{
    size_t mapped = column ? csv_column(input, column) : (size_t)-1;
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for (size_t r = 0; r < input->n; r++) {
        size_t written = 0;
        for (size_t f = 0; f < input->records[r].n; f++) {
            const char *text = input->records[r].fields[f];
            int dropped = 0;
            for (size_t d = 0; drop && drop[d]; d++)
                dropped |= !strcmp(input->records[0].fields[f], drop[d]);
            if (dropped)
                continue;
            if (r > 0 && f == mapped && map && text[0] >= '0' && text[0] <= '5' && !text[1])
                text = map[text[0] - '0'];
            if (written++)
                fputc(',', file);
            write_field(file, text);
        }
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
}

/* Copies a text file, replacing the first `from` by `to` (NULL from: no change). */
static void copy_replacing(const char *source, const char *path, const char *from, const char *to)
{
    char *text = test_file_read(source, NULL);
    assert_non_null(text);
    char *at = from ? strstr(text, from) : NULL;
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    if (at) {
        fwrite(text, 1, (size_t)(at - text), file);
        fputs(to, file);
        fputs(at + strlen(from), file);
    } else {
        fputs(text, file);
    }
    assert_int_equal(fclose(file), 0);
    free(text);
}

/* The reference with the value of the lines whose stat is in stats replaced by value. */
static void copy_expected_with(const char *source, const char *path, const char *const *stats, const char *value)
{
    csv_file expected;
    csv_load(source, &expected);
    size_t stat = csv_column(&expected, "stat"), section = csv_column(&expected, "section");
    size_t column = csv_column(&expected, "value");
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for (size_t r = 0; r < expected.n; r++) {
        for (size_t f = 0; f < expected.records[r].n; f++) {
            const char *text = expected.records[r].fields[f];
            int replaced = 0;
            for (size_t k = 0; stats[k] && r > 0; k++)
                replaced |= !strcmp(csv_get(&expected, r, stat), stats[k]) &&
                            !strcmp(csv_get(&expected, r, section), "procedures");
            if (f)
                fputc(',', file);
            write_field(file, replaced && f == column ? value : text);
        }
        fputc('\n', file);
    }
    assert_int_equal(fclose(file), 0);
    csv_free(&expected);
}

/* A patient file without treatment_date and modality: every start and treatment comes from the
 * index procedure (session 1 of the sample is the patient's treatment date and modality), so every
 * survival, Cox and propensity value is R's, and all 155 are counted as filled. */
static void test_start_and_treatment_from_index(void **state)
{
    scratch *s = *state;
    static const char *const drop[] = {"treatment_date", "modality", NULL};
    static const char *const filled[] = {"start_from_index", "treatment_from_index", NULL};
    char input[256], study[256], expected[256], out[256];
    csv_file patients;
    path_join(input, sizeof input, s->dir, "no_start.csv");
    path_join(study, sizeof study, s->dir, "study.ini");
    path_join(expected, sizeof expected, s->dir, "expected.csv");
    csv_load(SAMPLE_INPUT, &patients);
    write_csv_changed(input, &patients, drop, NULL, NULL);
    csv_free(&patients);
    copy_replacing(SAMPLE_STUDY, study, NULL, NULL);
    copy_expected_with(FIXTURES "net_sample_155.procedures.expected.csv", expected, filled, "155");
    run_with(s, "run", study, input, "out", out, sizeof out, "--procedures", FIXTURES "net_sample_155.procedures.csv",
             NULL, NULL);
    compare_in(expected, out);
    compare_in(FIXTURES "net_sample_155.expected.csv", out);
    check_procedure_accounting(out, 236);
}

/* The sample's grades written on the SIR scale give the same statistics. */
static void test_sir_scale(void **state)
{
    scratch *s = *state;
    static const char *const sir[] = {"none", "mild", "Moderate", "SEVERE", "life threatening", "death"};
    char procedures[256], study[256], out[256];
    csv_file input;
    path_join(procedures, sizeof procedures, s->dir, "sir.csv");
    path_join(study, sizeof study, s->dir, "sir.study.ini");
    csv_load(FIXTURES "net_sample_155.procedures.csv", &input);
    write_csv_changed(procedures, &input, NULL, "ae_grade", sir);
    csv_free(&input);
    copy_replacing(SAMPLE_STUDY, study, "ae_scale = ctcae", "ae_scale = sir");
    run_with(s, "run", study, SAMPLE_INPUT, "out", out, sizeof out, "--procedures", procedures, NULL, NULL);
    compare_in(FIXTURES "net_sample_155.procedures.expected.csv", out);
    assert_int_equal(lines_with_scope(out, "procedure_value"), 0);
}

/* ---- the command line, templates and failures ---- */

static void test_share_writes_no_procedures_csv(void **state)
{
    scratch *s = *state;
    char out[256], path[300];
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "out", out, sizeof out, "--template", "templates/share.ini", NULL,
             NULL);
    path_join(path, sizeof path, out, "procedures.csv");
    assert_false(file_exists(path));
    assert_int_equal(manifest_procedures_number(out, "rows_read"), 236);
    check_manifest_procedures(out, FIXTURES "net_sample_155.procedures.csv", FIXTURES "net_sample_155.procedures.csv",
                              0);
}

/* Thresholds per modality from the template: the audit and the CUSUM use them. */
static void test_template_thresholds(void **state)
{
    scratch *s = *state;
    char template_path[256], out[256], path[300];
    csv_file results;
    path_join(template_path, sizeof template_path, s->dir, "t.ini");
    file_write(template_path, "[template]\nname = t\nsections = flow\n[thresholds]\nmajor_ae.TACE = 0.05\n"
                              "cusum_h = 3\ncusum_p1.tare = 0.2\n");
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "out", out, sizeof out, "--template", template_path, NULL, NULL);
    path_join(path, sizeof path, out, "results.csv");
    csv_load(path, &results);
    size_t section = csv_column(&results, "section"), level = csv_column(&results, "level");
    size_t stat = csv_column(&results, "stat"), value = csv_column(&results, "value");
    size_t checked = 0;
    for (size_t r = 1; r < results.n; r++) {
        const char *sec = csv_get(&results, r, section), *lev = csv_get(&results, r, level);
        const char *st = csv_get(&results, r, stat), *v = csv_get(&results, r, value);
        if (!strcmp(sec, "audit_safety") && !strcmp(st, "major_ae_threshold")) {
            assert_string_equal(v, !strcmp(lev, "TACE") ? "0.05" : "0.1");
            checked++;
        }
        if (!strcmp(sec, "cusum") && !strcmp(st, "h")) {
            assert_string_equal(v, "3");
            checked++;
        }
        if (!strcmp(sec, "cusum") && !strcmp(st, "p1")) {
            assert_string_equal(v, !strcmp(lev, "TARE") ? "0.2" : "0.1");
            checked++;
        }
    }
    csv_free(&results);
    assert_int_equal(checked, 8 + 4 + 4);
}

static void test_procedures_option(void **state)
{
    scratch *s = *state;
    char copy[256], study[256], out[256];
    path_join(copy, sizeof copy, s->dir, "copy.csv");
    path_join(study, sizeof study, s->dir, "nofile.study.ini");
    copy_replacing(FIXTURES "net_sample_155.procedures.csv", copy, NULL, NULL);
    /* --procedures wins over the study's file (here one that does not exist). */
    copy_replacing(SAMPLE_STUDY, study, "file = net_sample_155.procedures.csv", "file = none.csv");
    run_with(s, "run", study, SAMPLE_INPUT, "out", out, sizeof out, "--procedures", copy, NULL, NULL);
    compare_in(FIXTURES "net_sample_155.procedures.expected.csv", out);
    /* A [procedures] section without a file: a warning, no procedure statistics. */
    copy_replacing(SAMPLE_STUDY, study, "file = net_sample_155.procedures.csv\n", "");
    run_with(s, "run", study, SAMPLE_INPUT, "plain", out, sizeof out, NULL, NULL, NULL, NULL);
    compare_in(FIXTURES "net_sample_155.expected.csv", out);
    char path[300];
    path_join(path, sizeof path, out, "manifest.json");
    char *manifest = test_file_read(path, NULL);
    assert_non_null(manifest);
    assert_non_null(strstr(manifest, "\"procedures\": null"));
    assert_non_null(strstr(manifest, "names no file"));
    free(manifest);
    path_join(path, sizeof path, out, "procedures.csv");
    assert_false(file_exists(path));
}

/* --procedures - reads standard input like a file (the same results, the hash of the bytes read);
 * standard input cannot be both files (usage, 64). */
static void test_procedures_from_stdin(void **state)
{
    scratch *s = *state;
    char out[256], file_out[256];
    path_join(out, sizeof out, s->dir, "stdin");
    const char *args[] = {"run", "--study", SAMPLE_STUDY, "--input", SAMPLE_INPUT, "--procedures", "-", "--out", out,
                          "--quiet", NULL};
    test_spawn_options o = {.stdin_path = FIXTURES "net_sample_155.procedures.csv", .stderr_path = s->err};
    assert_int_equal(test_run_embolo(args, &o), 0);
    compare_in(FIXTURES "net_sample_155.procedures.expected.csv", out);
    check_procedure_accounting(out, 236);
    check_manifest_procedures(out, "-", FIXTURES "net_sample_155.procedures.csv", 1);
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "file", file_out, sizeof file_out, NULL, NULL, NULL, NULL);
    assert_same_file(out, file_out, "results.csv");
    assert_same_file(out, file_out, "procedures.csv");
    const char *both[] = {"run", "--study", SAMPLE_STUDY, "--input", "-", "--procedures", "-", "--out", out,
                          "--quiet", NULL};
    expect_failure(s, both, 64, "standard input", NULL);
    const char *check_both[] = {"check", "--study", SAMPLE_STUDY, "--procedures", "-", "--input", "-", NULL};
    expect_failure(s, check_both, 64, "standard input", NULL);
}

static void test_procedure_failures(void **state)
{
    scratch *s = *state;
    char out[256], lacking[256], bad_template[256], level_template[256], study[256];
    path_join(out, sizeof out, s->dir, "out");
    path_join(lacking, sizeof lacking, s->dir, "lacking.csv");
    path_join(bad_template, sizeof bad_template, s->dir, "bad.ini");
    path_join(level_template, sizeof level_template, s->dir, "level.ini");
    path_join(study, sizeof study, s->dir, "missing.study.ini");
    file_write(lacking, "patient_id,procedure_date,modality\nNET-00001,2010-01-01,TACE\n");
    file_write(bad_template, "[template]\nname = b\n[thresholds]\nmajor_ae = 1.5\n");
    file_write(level_template, "[thresholds]\n\nmortality_30d.RFA = 0.1\n");
    copy_replacing(SAMPLE_STUDY, study, "file = net_sample_155.procedures.csv", "file = none.csv");
    const char *not_found[] = {"run", "--study", SAMPLE_STUDY, "--input", SAMPLE_INPUT, "--procedures",
                               "/nonexistent/p.csv", "--out", out, "--quiet", NULL};
    expect_failure(s, not_found, 66, "/nonexistent/p.csv", NULL);
    const char *study_file_missing[] = {"run", "--study", study, "--input", SAMPLE_INPUT, "--out", out, "--quiet", NULL};
    expect_failure(s, study_file_missing, 66, "none.csv", NULL);
    const char *no_column[] = {"check", "--study", SAMPLE_STUDY, "--input", SAMPLE_INPUT, "--procedures", lacking,
                               "--out", out, "--quiet", NULL};
    expect_failure(s, no_column, 65, lacking, "'ae_grade'");
    const char *no_section[] = {"run", "--study", FIXTURES "net_sample_155.study.ini", "--input", SAMPLE_INPUT,
                                "--procedures", lacking, "--out", out, "--quiet", NULL};
    expect_failure(s, no_section, 65, "[procedures]", NULL);
    const char *bad_value[] = {"run", "--study", SAMPLE_STUDY, "--input", SAMPLE_INPUT, "--template", bad_template,
                               "--out", out, "--quiet", NULL};
    char line[300];
    snprintf(line, sizeof line, "%s:4:", bad_template);
    expect_failure(s, bad_value, 65, line, "major_ae");
    const char *bad_level[] = {"run", "--study", SAMPLE_STUDY, "--input", SAMPLE_INPUT, "--template", level_template,
                               "--out", out, "--quiet", NULL};
    snprintf(line, sizeof line, "%s:3:", level_template);
    expect_failure(s, bad_level, 65, line, "RFA");
    path_join(line, sizeof line, out, "results.csv");
    assert_false(file_exists(line));
}

/* --strict counts the procedure lines too (not those after the as-of date) and names their codes. */
static void test_strict(void **state)
{
    scratch *s = *state;
    char out[256], path[300];
    run_with(s, "run", SAMPLE_STUDY, SAMPLE_INPUT, "clean", out, sizeof out, "--strict", "--as-of", "2012-12-31", NULL);
    path_join(out, sizeof out, s->dir, "messy");
    const char *args[] = {"run", "--study", MESSY_STUDY, "--input", MESSY_INPUT, "--out", out, "--strict", "--quiet",
                          NULL};
    expect_failure(s, args, 65, "E_PROC_DUPLICATE 3", "W_INDEX_MODALITY_MISMATCH 2");
    char *err = test_file_read(s->err, NULL);
    assert_non_null(err);
    assert_null(strstr(err, "E_PROC_AFTER_AS_OF"));
    free(err);
    path_join(path, sizeof path, out, "results.csv");
    assert_false(file_exists(path));
}

static void test_reruns_are_identical(void **state)
{
    scratch *s = *state;
    char first[256], second[256];
    run_with(s, "run", MESSY_STUDY, MESSY_INPUT, "one", first, sizeof first, NULL, NULL, NULL, NULL);
    run_with(s, "run", MESSY_STUDY, MESSY_INPUT, "two", second, sizeof second, NULL, NULL, NULL, NULL);
    assert_same_file(first, second, "procedures.csv");
    assert_same_file(first, second, "results.csv");
    assert_same_file(first, second, "exclusions.csv");
}

int main(void)
{
#define E2E_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        E2E_TEST(test_sample),
        E2E_TEST(test_sample_as_of),
        E2E_TEST(test_sample_audit_template),
        E2E_TEST(test_messy),
        E2E_TEST(test_check_with_procedures),
        E2E_TEST(test_start_and_treatment_from_index),
        E2E_TEST(test_sir_scale),
        E2E_TEST(test_share_writes_no_procedures_csv),
        E2E_TEST(test_template_thresholds),
        E2E_TEST(test_procedures_option),
        E2E_TEST(test_procedures_from_stdin),
        E2E_TEST(test_procedure_failures),
        E2E_TEST(test_strict),
        E2E_TEST(test_reruns_are_identical),
    };
#undef E2E_TEST
    if (!getenv("EMBOLO_BIN"))
        fprintf(stderr, "test_procedures_e2e: EMBOLO_BIN is not set (the path of the embolo program): every test "
                        "fails\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
