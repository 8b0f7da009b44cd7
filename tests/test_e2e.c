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

#define FIXTURES "tests/fixtures/data/"
#define MAX_SNAPSHOT 32

/* ---- files ---- */

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static void file_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(text, 1, strlen(text), file), strlen(text));
    assert_int_equal(fclose(file), 0);
}

static int file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static void path_join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* Removes a directory and everything below it. */
static void remove_tree(const char *path)
{
    struct stat info;
    if (lstat(path, &info) != 0)
        return;
    if (S_ISDIR(info.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *entry;
        while (dir && (entry = readdir(dir))) {
            char child[4096];
            if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
                continue;
            snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
            remove_tree(child);
        }
        if (dir)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* ---- a small RFC 4180 reader ---- */

typedef struct csv_record {
    char **fields;
    size_t n;
} csv_record;

typedef struct csv_file {
    csv_record *records; /* records[0] is the header */
    size_t n;
} csv_file;

static void csv_push_field(csv_record *record, const char *text, size_t length)
{
    char **grown = realloc(record->fields, (record->n + 1) * sizeof *grown);
    assert_non_null(grown);
    record->fields = grown;
    record->fields[record->n] = malloc(length + 1);
    assert_non_null(record->fields[record->n]);
    memcpy(record->fields[record->n], text, length);
    record->fields[record->n][length] = '\0';
    record->n++;
}

static void csv_push_record(csv_file *file, csv_record *record)
{
    csv_record *grown = realloc(file->records, (file->n + 1) * sizeof *grown);
    assert_non_null(grown);
    file->records = grown;
    file->records[file->n++] = *record;
    record->fields = NULL;
    record->n = 0;
}

/* Parses text: quotes, "" escapes, quoted separators and line ends, LF or CRLF, a leading BOM. */
static void csv_parse(const char *text, size_t length, csv_file *out)
{
    char *field = malloc(length + 1);
    size_t used = 0, i = 0;
    int quoted = 0, any = 0;
    csv_record record = {0};
    assert_non_null(field);
    memset(out, 0, sizeof *out);
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (; i < length; i++) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < length && text[i + 1] == '"')
                field[used++] = text[++i];
            else if (c == '"')
                quoted = 0;
            else
                field[used++] = c;
            continue;
        }
        if (c == '"') {
            quoted = any = 1;
        } else if (c == ',') {
            csv_push_field(&record, field, used);
            used = 0;
            any = 1;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < length && text[i + 1] == '\n')
                i++;
            csv_push_field(&record, field, used);
            csv_push_record(out, &record);
            used = 0;
            any = 0;
        } else {
            field[used++] = c;
            any = 1;
        }
    }
    if (any || used) {
        csv_push_field(&record, field, used);
        csv_push_record(out, &record);
    }
    free(field);
}

static void csv_free(csv_file *file)
{
    for (size_t r = 0; r < file->n; r++) {
        for (size_t f = 0; f < file->records[r].n; f++)
            free(file->records[r].fields[f]);
        free(file->records[r].fields);
    }
    free(file->records);
    memset(file, 0, sizeof *file);
}

static void csv_load(const char *path, csv_file *out)
{
    size_t size = 0;
    char *text = test_file_read(path, &size);
    if (!text)
        print_error("cannot read %s\n", path);
    assert_non_null(text);
    csv_parse(text, size, out);
    free(text);
    if (out->n == 0)
        print_error("%s has no header\n", path);
    assert_true(out->n > 0);
}

/* Column index of a header name; fails the test if absent. */
static size_t csv_column(const csv_file *file, const char *name)
{
    for (size_t f = 0; f < file->records[0].n; f++)
        if (strcmp(file->records[0].fields[f], name) == 0)
            return f;
    print_error("no column %s\n", name);
    fail();
    return 0;
}

static const char *csv_get(const csv_file *file, size_t record, size_t column)
{
    return column < file->records[record].n ? file->records[record].fields[column] : "";
}

/* ---- comparison with a reference results file (compare_results.py) ---- */

static const char *const key_columns[] = {"section", "endpoint", "model", "variable", "level", "stat"};

typedef struct keyed_value {
    char *key; /* the six key fields joined with ',' */
    const char *value;
} keyed_value;

static void make_key(const csv_file *file, size_t record, const size_t *columns, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < 6; k++) {
        int n = snprintf(out + used, size - used, "%s%s", k ? "," : "", csv_get(file, record, columns[k]));
        assert_true(n >= 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
}

static int keyed_compare(const void *a, const void *b)
{
    return strcmp(((const keyed_value *)a)->key, ((const keyed_value *)b)->key);
}

/* A value as compare_results.py's num(): 1 number, 0 NA-like, -1 unparsable. */
static int parse_value(const char *text, double *out)
{
    static const char *const na[] = {"", "NA", "NaN", "nan", "Inf", "-Inf", "inf", "-inf"};
    char buffer[128], *end;
    size_t begin = 0, length = strlen(text);
    while (text[begin] == ' ' || text[begin] == '\t')
        begin++;
    while (length > begin && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        length--;
    if (length - begin >= sizeof buffer)
        return -1;
    memcpy(buffer, text + begin, length - begin);
    buffer[length - begin] = '\0';
    for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
        if (strcmp(buffer, na[i]) == 0)
            return 0;
    errno = 0;
    *out = strtod(buffer, &end);
    return *end == '\0' && end != buffer ? 1 : -1;
}

static int in_list(const char *text, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(text, list[i]) == 0)
            return 1;
    return 0;
}

/* Why an expected value is not matched by got (NULL when it is), into reason. */
static const char *mismatch(const char *section, const char *model, const char *stat, const char *want_text,
                            const char *got_text, char *reason, size_t size)
{
    static const char *const weighted[] = {"weighted", "weighted_univariate", "weighted_multivariable"};
    static const char *const exact[] = {"n", "events", "df", "lr_df", "wald_global_df"};
    static const char *const p_values[] = {"p", "lr_p", "wald_global_p"};
    char model_kind[128];
    double want = 0, got = 0;
    snprintf(model_kind, sizeof model_kind, "%s", model);
    model_kind[strcspn(model_kind, ":")] = '\0';
    int is_weighted = !strcmp(section, "ps") || !strcmp(section, "balance") || in_list(model_kind, weighted, 3);
    double tol = is_weighted ? 1e-5 : 1e-6;
    int e = parse_value(want_text, &want), g = parse_value(got_text, &got);
    if (e == 0 && g == 0)
        return NULL;
    if (e != 1 || g != 1) {
        snprintf(reason, size, "expected %s got %s", want_text, got_text);
        return reason;
    }
    if (in_list(stat, exact, 5)) {
        if (got == want)
            return NULL;
        snprintf(reason, size, "expected %s got %s (counts must match exactly)", want_text, got_text);
        return reason;
    }
    double diff = fabs(got - want), scale = fmax(fabs(want), 1e-300);
    if (diff <= tol * scale || diff <= 1e-12 || (in_list(stat, p_values, 3) && diff <= 1e-10))
        return NULL;
    snprintf(reason, size, "expected %s got %s (rel %.2e)", want_text, got_text, diff / scale);
    return reason;
}

/* Compares every line of expected_path with results_path; prints each failing key; fails the test
 * unless all match. */
static void compare_results(const char *expected_path, const char *results_path)
{
    csv_file expected, results;
    size_t want_columns[6], got_columns[6], want_value, got_value, ok = 0, bad = 0;
    char key[1024], reason[512];
    csv_load(expected_path, &expected);
    csv_load(results_path, &results);
    for (size_t k = 0; k < 6; k++) {
        want_columns[k] = csv_column(&expected, key_columns[k]);
        got_columns[k] = csv_column(&results, key_columns[k]);
    }
    want_value = csv_column(&expected, "value");
    got_value = csv_column(&results, "value");
    size_t n_got = results.n - 1;
    keyed_value *got = calloc(n_got ? n_got : 1, sizeof *got);
    assert_non_null(got);
    for (size_t r = 1; r < results.n; r++) {
        make_key(&results, r, got_columns, key, sizeof key);
        got[r - 1].key = strdup(key);
        assert_non_null(got[r - 1].key);
        got[r - 1].value = csv_get(&results, r, got_value);
    }
    qsort(got, n_got, sizeof *got, keyed_compare);
    size_t duplicates = 0;
    for (size_t i = 1; i < n_got; i++)
        if (strcmp(got[i - 1].key, got[i].key) == 0) {
            print_error("%s: key %s written twice\n", results_path, got[i].key);
            duplicates++;
        }
    for (size_t r = 1; r < expected.n; r++) {
        make_key(&expected, r, want_columns, key, sizeof key);
        keyed_value probe = {.key = key};
        const keyed_value *found = bsearch(&probe, got, n_got, sizeof *got, keyed_compare);
        const char *why = found ? mismatch(csv_get(&expected, r, want_columns[0]), csv_get(&expected, r, want_columns[2]),
                                           csv_get(&expected, r, want_columns[5]), csv_get(&expected, r, want_value),
                                           found->value, reason, sizeof reason)
                                : "missing";
        if (why) {
            print_error("%s: %s -> %s\n", expected_path, key, why);
            bad++;
        } else {
            ok++;
        }
    }
    print_message("%s: %zu passed, %zu failed\n", expected_path, ok, bad);
    for (size_t i = 0; i < n_got; i++)
        free(got[i].key);
    free(got);
    size_t n_expected = expected.n - 1;
    csv_free(&expected);
    csv_free(&results);
    assert_int_equal(duplicates, 0);
    assert_int_equal(bad, 0);
    assert_int_equal(ok, n_expected);
    assert_true(ok > 0);
}

/* ---- running the program ---- */

static const char *embolo_bin(void)
{
    const char *bin = getenv("EMBOLO_BIN");
    if (!bin || !bin[0]) {
        print_error("EMBOLO_BIN is not set: run `make check-tests` or EMBOLO_BIN=build/embolo %s\n", "build/tests/test_e2e");
        fail();
    }
    return bin;
}

/* Runs embolo with args (NULL-terminated, without argv[0]); stdout is discarded, stderr goes to
 * stderr_path. Returns the exit status. */
static int run_embolo(const char *const *args, const char *stderr_path)
{
    const char *bin = embolo_bin();
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)bin;
    for (; args[n - 1] && n < 31; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    return test_run_program(bin, argv, NULL, stderr_path);
}

/* The per-test scratch directory, removed by the teardown. */
typedef struct scratch {
    char dir[64];
    char err[128]; /* the stderr of the last run */
} scratch;

static int scratch_setup(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/embolo-e2e-XXXXXX");
    if (!mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    snprintf(s->err, sizeof s->err, "%s/stderr.txt", s->dir);
    *state = s;
    return 0;
}

static int scratch_teardown(void **state)
{
    scratch *s = *state;
    remove_tree(s->dir);
    free(s);
    return 0;
}

static void run_study(const scratch *s, const char *study, const char *input, const char *out_name, const char *as_of,
                      char *out, size_t out_size);

/* `embolo run` of fixture NAME into DIR/out_name (as_of may be NULL); fails unless it succeeds. */
static void run_fixture(const scratch *s, const char *name, const char *out_name, const char *as_of, char *out,
                        size_t out_size)
{
    char study[256], input[256];
    snprintf(study, sizeof study, FIXTURES "%s.study.ini", name);
    snprintf(input, sizeof input, FIXTURES "%s.csv", name);
    run_study(s, study, input, out_name, as_of, out, out_size);
}

/* `embolo run` of a study file and input into DIR/out_name; fails unless it succeeds. */
static void run_study(const scratch *s, const char *study, const char *input, const char *out_name, const char *as_of,
                      char *out, size_t out_size)
{
    const char *name = input;
    if (!file_exists(study) || !file_exists(input))
        print_error("fixture %s missing: run the tests from the repository's root\n", input);
    assert_true(file_exists(study) && file_exists(input));
    path_join(out, out_size, s->dir, out_name);
    const char *args[] = {"run", "--study", study, "--input", input, "--out", out, "--quiet",
                          as_of ? "--as-of" : NULL, as_of, NULL};
    int code = run_embolo(args, s->err);
    if (code != 0) {
        char *err = test_file_read(s->err, NULL);
        print_error("embolo run on %s: exit %d: %s\n", name, code, err ? err : "");
        free(err);
    }
    assert_int_equal(code, 0);
}

/* Every line of the reference results. */
static void check_fixture_results(void **state, const char *name)
{
    scratch *s = *state;
    char out[256], results[300], expected[256];
    run_fixture(s, name, "out", NULL, out, sizeof out);
    path_join(results, sizeof results, out, "results.csv");
    snprintf(expected, sizeof expected, FIXTURES "%s.expected.csv", name);
    compare_results(expected, results);
}

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
    run_study(s, study, input, "out", NULL, out, sizeof out);
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

/* Per-patient propensity scores and weights of patients.csv against R's (NAME.ps.csv): 1e-6. */
static void check_propensity_scores(void **state, const char *name)
{
    scratch *s = *state;
    char out[256], patients_path[300], reference_path[256];
    csv_file want, got;
    run_fixture(s, name, "out", NULL, out, sizeof out);
    path_join(patients_path, sizeof patients_path, out, "patients.csv");
    snprintf(reference_path, sizeof reference_path, FIXTURES "%s.ps.csv", name);
    csv_load(reference_path, &want);
    csv_load(patients_path, &got);
    size_t want_id = csv_column(&want, "id"), got_id = csv_column(&got, "id"), compared = 0;
    for (size_t r = 1; r < want.n; r++) {
        size_t match = 0;
        for (size_t g = 1; g < got.n && !match; g++)
            if (!strcmp(csv_get(&got, g, got_id), csv_get(&want, r, want_id)))
                match = g;
        assert_true(match > 0);
        /* Columns after id and the treatment: one per level, then w and w_stabilized. */
        for (size_t c = 2; c < want.records[0].n; c++) {
            const char *column = want.records[0].fields[c];
            char name_in_patients[128];
            if (strcmp(column, "w") && strcmp(column, "w_stabilized"))
                snprintf(name_in_patients, sizeof name_in_patients, "ps_%s", column);
            else
                snprintf(name_in_patients, sizeof name_in_patients, "%s", column);
            double expected = strtod(csv_get(&want, r, c), NULL);
            double value = strtod(csv_get(&got, match, csv_column(&got, name_in_patients)), NULL);
            assert_close(value, expected, 1e-6);
            compared++;
        }
    }
    assert_true(compared >= 5 * (want.n - 1));
    csv_free(&want);
    csv_free(&got);
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

/* ---- exclusions against the verdicts (check_verdicts.py) ---- */

typedef struct verdict_pair {
    const char *scope, *code;
} verdict_pair;

static int pair_in(const verdict_pair *pairs, size_t n, const char *scope, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pairs[i].scope, scope) && !strcmp(pairs[i].code, code))
            return 1;
    return 0;
}

/* Whether two small sets of pairs (duplicates allowed) hold the same pairs. */
static int same_pairs(const verdict_pair *a, size_t na, const verdict_pair *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        if (!pair_in(b, nb, a[i].scope, a[i].code))
            return 0;
    for (size_t i = 0; i < nb; i++)
        if (!pair_in(a, na, b[i].scope, b[i].code))
            return 0;
    return 1;
}

static size_t check_verdicts(const char *verdicts_path, const char *exclusions_path)
{
    csv_file verdicts, exclusions;
    size_t ok = 0, bad = 0;
    csv_load(verdicts_path, &verdicts);
    csv_load(exclusions_path, &exclusions);
    size_t v_row = csv_column(&verdicts, "row"), v_status = csv_column(&verdicts, "status");
    size_t v_reason = csv_column(&verdicts, "reason"), v_id = csv_column(&verdicts, "patient_id");
    size_t v_ep[2] = {csv_column(&verdicts, "os"), csv_column(&verdicts, "hpfs")};
    static const char *const endpoints[2] = {"os", "hpfs"};
    size_t x_row = csv_column(&exclusions, "row"), x_scope = csv_column(&exclusions, "scope");
    size_t x_code = csv_column(&exclusions, "code");
    for (size_t r = 1; r < verdicts.n; r++) {
        long row = strtol(csv_get(&verdicts, r, v_row), NULL, 10);
        const char *reason = csv_get(&verdicts, r, v_reason);
        verdict_pair want[3], got[16];
        size_t n_want = 0, n_got = 0;
        if (!strcmp(csv_get(&verdicts, r, v_status), "excluded")) {
            want[n_want++] = (verdict_pair){"row", reason};
        } else {
            for (size_t e = 0; e < 2; e++)
                if (!strcmp(csv_get(&verdicts, r, v_ep[e]), "0"))
                    want[n_want++] = (verdict_pair){endpoints[e], reason};
        }
        for (size_t x = 1; x < exclusions.n && n_got < 16; x++) {
            const char *scope = csv_get(&exclusions, x, x_scope);
            if (strtol(csv_get(&exclusions, x, x_row), NULL, 10) != row ||
                (strcmp(scope, "row") && strcmp(scope, "os") && strcmp(scope, "hpfs")))
                continue;
            got[n_got++] = (verdict_pair){scope, csv_get(&exclusions, x, x_code)};
        }
        if (same_pairs(want, n_want, got, n_got)) {
            ok++;
            continue;
        }
        bad++;
        print_error("row %ld (%s): expected", row, csv_get(&verdicts, r, v_id));
        for (size_t i = 0; i < n_want; i++)
            print_error(" (%s, %s)", want[i].scope, want[i].code);
        print_error("%s; got", n_want ? "" : " no exclusion");
        for (size_t i = 0; i < n_got; i++)
            print_error(" (%s, %s)", got[i].scope, got[i].code);
        print_error("%s\n", n_got ? "" : " no exclusion");
    }
    print_message("%s: %zu passed, %zu failed\n", verdicts_path, ok, bad);
    size_t n_verdicts = verdicts.n - 1;
    csv_free(&verdicts);
    csv_free(&exclusions);
    assert_int_equal(bad, 0);
    assert_int_equal(ok, n_verdicts);
    return n_verdicts;
}

/* A whole-number field of manifest.json ("key": N); fails if absent. */
static long manifest_number(const char *manifest, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(manifest, pattern);
    if (!at)
        print_error("manifest.json has no %s\n", key);
    assert_non_null(at);
    char *end;
    long value = strtol(at + strlen(pattern), &end, 10);
    assert_true(end != at + strlen(pattern));
    return value;
}

/* rows_read = rows_analysed + rows_excluded, and each matches the files beside it. */
static void check_manifest_counts(const char *out, long want_rows_read)
{
    char path[300];
    csv_file exclusions, patients;
    path_join(path, sizeof path, out, "manifest.json");
    char *manifest = test_file_read(path, NULL);
    assert_non_null(manifest);
    long read = manifest_number(manifest, "rows_read"), analysed = manifest_number(manifest, "rows_analysed"),
         excluded = manifest_number(manifest, "rows_excluded");
    free(manifest);
    if (read != analysed + excluded)
        print_error("%s: rows_read %ld != rows_analysed %ld + rows_excluded %ld\n", path, read, analysed, excluded);
    assert_int_equal(read, analysed + excluded);
    assert_int_equal(read, want_rows_read);
    path_join(path, sizeof path, out, "exclusions.csv");
    csv_load(path, &exclusions);
    size_t scope = csv_column(&exclusions, "scope");
    long row_lines = 0;
    for (size_t r = 1; r < exclusions.n; r++)
        row_lines += strcmp(csv_get(&exclusions, r, scope), "row") == 0;
    csv_free(&exclusions);
    assert_int_equal(excluded, row_lines);
    path_join(path, sizeof path, out, "patients.csv");
    csv_load(path, &patients);
    long patient_lines = (long)patients.n - 1;
    csv_free(&patients);
    assert_int_equal(analysed, patient_lines);
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

/* Every file of dir, hidden ones included, sorted by name. */
static void snapshot_take(const char *dir, snapshot *shot)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    assert_non_null(d);
    shot->n = 0;
    while ((entry = readdir(d))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        if (shot->n == MAX_SNAPSHOT)
            break;
        snprintf(shot->names[shot->n++], sizeof shot->names[0], "%s", entry->d_name);
    }
    closedir(d);
    assert_true(shot->n < MAX_SNAPSHOT);
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

static void assert_same_file(const char *a_dir, const char *b_dir, const char *name)
{
    char a_path[300], b_path[300];
    size_t a_size = 0, b_size = 0;
    path_join(a_path, sizeof a_path, a_dir, name);
    path_join(b_path, sizeof b_path, b_dir, name);
    char *a = test_file_read(a_path, &a_size), *b = test_file_read(b_path, &b_size);
    assert_non_null(a);
    assert_non_null(b);
    if (a_size != b_size || memcmp(a, b, a_size) != 0)
        print_error("%s and %s differ\n", a_path, b_path);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a, b, a_size);
    assert_true(a_size > 0);
    free(a);
    free(b);
}

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

/* The field of column name in the record whose first field is first; fails if none. */
static const char *cell_of(const csv_file *file, const char *first, const char *name)
{
    size_t column = csv_column(file, name);
    for (size_t r = 1; r < file->n; r++)
        if (!strcmp(csv_get(file, r, 0), first))
            return csv_get(file, r, column);
    print_error("no record %s\n", first);
    fail();
    return "";
}

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

/* Runs a failing command; checks its exit status and that stderr is one line holding each of the
 * fragments. */
static void expect_failure(const scratch *s, const char *const *args, int want_code, const char *fragment,
                           const char *fragment2)
{
    int code = run_embolo(args, s->err);
    char *err = test_file_read(s->err, NULL);
    assert_non_null(err);
    size_t lines = 0;
    for (const char *c = err; *c; c++)
        lines += *c == '\n';
    size_t length = strlen(err);
    if (code != want_code || lines != 1 || length == 0 || err[length - 1] != '\n' || !strstr(err, fragment) ||
        (fragment2 && !strstr(err, fragment2)))
        print_error("%s %s: exit %d (want %d), stderr [%s] (want one line with '%s'%s%s)\n", args[0], args[1], code,
                    want_code, err, fragment, fragment2 ? " and " : "", fragment2 ? fragment2 : "");
    assert_int_equal(code, want_code);
    assert_int_equal(lines, 1);
    assert_true(length > 0 && err[length - 1] == '\n');
    assert_non_null(strstr(err, fragment));
    if (fragment2)
        assert_non_null(strstr(err, fragment2));
    free(err);
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
