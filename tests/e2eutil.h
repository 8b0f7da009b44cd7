/* Helpers of the end-to-end tests (test_e2e.c, test_trust.c): files, a small RFC 4180 reader, the
 * comparison with R's reference results (as shared/tools/compare_results.py does), the cleaning
 * verdicts (check_verdicts.py), the manifest's counts, and running the program (EMBOLO_BIN) in a
 * scratch directory per test. Include after cmocka.h and testutil.h. */
#ifndef EMBOLO_E2EUTIL_H
#define EMBOLO_E2EUTIL_H

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURES "tests/fixtures/data/"

/* ---- files ---- */

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static inline void file_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(text, 1, strlen(text), file), strlen(text));
    assert_int_equal(fclose(file), 0);
}

static inline int file_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static inline void path_join(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* Removes a directory and everything below it. */
static inline void remove_tree(const char *path)
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
            int n = snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
            if (n > 0 && (size_t)n < sizeof child)
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

static inline void csv_push_field(csv_record *record, const char *text, size_t length)
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

static inline void csv_push_record(csv_file *file, csv_record *record)
{
    csv_record *grown = realloc(file->records, (file->n + 1) * sizeof *grown);
    assert_non_null(grown);
    file->records = grown;
    file->records[file->n++] = *record;
    record->fields = NULL;
    record->n = 0;
}

/* Parses text: quotes, "" escapes, quoted separators and line ends, LF or CRLF, a leading BOM. */
static inline void csv_parse(const char *text, size_t length, csv_file *out)
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

static inline void csv_free(csv_file *file)
{
    for (size_t r = 0; r < file->n; r++) {
        for (size_t f = 0; f < file->records[r].n; f++)
            free(file->records[r].fields[f]);
        free(file->records[r].fields);
    }
    free(file->records);
    memset(file, 0, sizeof *file);
}

static inline void csv_load(const char *path, csv_file *out)
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
static inline size_t csv_column(const csv_file *file, const char *name)
{
    for (size_t f = 0; f < file->records[0].n; f++)
        if (strcmp(file->records[0].fields[f], name) == 0)
            return f;
    print_error("no column %s\n", name);
    fail();
    return 0;
}

static inline const char *csv_get(const csv_file *file, size_t record, size_t column)
{
    return column < file->records[record].n ? file->records[record].fields[column] : "";
}

/* The field of column name in the record whose first field is first; fails if none. */
static inline const char *cell_of(const csv_file *file, const char *first, const char *name)
{
    size_t column = csv_column(file, name);
    for (size_t r = 1; r < file->n; r++)
        if (!strcmp(csv_get(file, r, 0), first))
            return csv_get(file, r, column);
    print_error("no record %s\n", first);
    fail();
    return "";
}

/* ---- comparison with a reference results file (compare_results.py) ---- */

typedef struct keyed_value {
    char *key; /* the six key fields joined with ',' */
    const char *value;
} keyed_value;

static inline void make_key(const csv_file *file, size_t record, const size_t *columns, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < 6; k++) {
        int n = snprintf(out + used, size - used, "%s%s", k ? "," : "", csv_get(file, record, columns[k]));
        assert_true(n >= 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
}

static inline int keyed_compare(const void *a, const void *b)
{
    return strcmp(((const keyed_value *)a)->key, ((const keyed_value *)b)->key);
}

/* A value as compare_results.py's num(): 1 number, 0 NA-like, -1 unparsable. */
static inline int parse_value(const char *text, double *out)
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

static inline int in_list(const char *text, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(text, list[i]) == 0)
            return 1;
    return 0;
}

/* Why an expected value is not matched by got (NULL when it is), into reason. */
static inline const char *mismatch(const char *section, const char *model, const char *stat, const char *want_text,
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
static inline void compare_results(const char *expected_path, const char *results_path)
{
    static const char *const key_columns[] = {"section", "endpoint", "model", "variable", "level", "stat"};
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

static inline const char *embolo_bin(void)
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
static inline int run_embolo(const char *const *args, const char *stderr_path)
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

static inline int scratch_setup(void **state)
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

static inline int scratch_teardown(void **state)
{
    scratch *s = *state;
    remove_tree(s->dir);
    free(s);
    return 0;
}

/* `embolo run --quiet --out DIR/name` with more arguments (NULL-terminated); fails unless it
 * succeeds. */
static inline void run_into(const scratch *s, const char *name, char *out, size_t size, ...)
{
    const char *args[24] = {"run", "--quiet", "--out", NULL};
    size_t n = 3;
    va_list more;
    path_join(out, size, s->dir, name);
    args[n++] = out;
    va_start(more, size);
    for (const char *a; (a = va_arg(more, const char *)) != NULL && n < 23;)
        args[n++] = a;
    va_end(more);
    args[n] = NULL;
    int code = run_embolo(args, s->err);
    if (code != 0) {
        char *err = test_file_read(s->err, NULL);
        print_error("embolo run into %s: exit %d: %s\n", name, code, err ? err : "");
        free(err);
    }
    assert_int_equal(code, 0);
}

/* `embolo run` of a study file and input into DIR/out_name (as_of may be NULL); fails unless it
 * succeeds. */
static inline void run_study_file(const scratch *s, const char *study, const char *input, const char *out_name,
                             const char *as_of, char *out, size_t out_size)
{
    if (!file_exists(study) || !file_exists(input))
        print_error("fixture %s missing: run the tests from the repository's root\n", input);
    assert_true(file_exists(study) && file_exists(input));
    path_join(out, out_size, s->dir, out_name);
    const char *args[] = {"run", "--study", study, "--input", input, "--out", out, "--quiet",
                          as_of ? "--as-of" : NULL, as_of, NULL};
    int code = run_embolo(args, s->err);
    if (code != 0) {
        char *err = test_file_read(s->err, NULL);
        print_error("embolo run on %s: exit %d: %s\n", input, code, err ? err : "");
        free(err);
    }
    assert_int_equal(code, 0);
}

/* `embolo run` of fixture NAME into DIR/out_name (as_of may be NULL); fails unless it succeeds. */
static inline void run_fixture(const scratch *s, const char *name, const char *out_name, const char *as_of, char *out,
                               size_t out_size)
{
    char study[256], input[256];
    snprintf(study, sizeof study, FIXTURES "%s.study.ini", name);
    snprintf(input, sizeof input, FIXTURES "%s.csv", name);
    run_study_file(s, study, input, out_name, as_of, out, out_size);
}

/* Every line of the reference results. */
static inline void check_fixture_results(void **state, const char *name)
{
    scratch *s = *state;
    char out[256], results[300], expected[256];
    run_fixture(s, name, "out", NULL, out, sizeof out);
    path_join(results, sizeof results, out, "results.csv");
    snprintf(expected, sizeof expected, FIXTURES "%s.expected.csv", name);
    compare_results(expected, results);
}

/* Per-patient propensity scores and weights of patients.csv against R's (a NAME.ps.csv): 1e-6. */
static inline void compare_propensity_scores(const char *reference_path, const char *patients_path)
{
    csv_file want, got;
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

/* ---- exclusions against the verdicts (check_verdicts.py) ---- */

typedef struct verdict_pair {
    const char *scope, *code;
} verdict_pair;

static inline int pair_in(const verdict_pair *pairs, size_t n, const char *scope, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pairs[i].scope, scope) && !strcmp(pairs[i].code, code))
            return 1;
    return 0;
}

/* Whether two small sets of pairs (duplicates allowed) hold the same pairs. */
static inline int same_pairs(const verdict_pair *a, size_t na, const verdict_pair *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        if (!pair_in(b, nb, a[i].scope, a[i].code))
            return 0;
    for (size_t i = 0; i < nb; i++)
        if (!pair_in(a, na, b[i].scope, b[i].code))
            return 0;
    return 1;
}

static inline size_t check_verdicts(const char *verdicts_path, const char *exclusions_path)
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
static inline long manifest_number(const char *manifest, const char *key)
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
static inline void check_manifest_counts(const char *out, long want_rows_read)
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

/* Runs a failing command; checks its exit status and that stderr is one line holding each of the
 * fragments. */
static inline void expect_failure(const scratch *s, const char *const *args, int want_code, const char *fragment,
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
        print_error("%s %s: exit %d (want %d), stderr [%s] (want one line with '%s'%s%s)\n", args[0], args[1] ? args[1] : "",
                    code, want_code, err, fragment, fragment2 ? " and " : "", fragment2 ? fragment2 : "");
    assert_int_equal(code, want_code);
    assert_int_equal(lines, 1);
    assert_true(length > 0 && err[length - 1] == '\n');
    assert_non_null(strstr(err, fragment));
    if (fragment2)
        assert_non_null(strstr(err, fragment2));
    free(err);
}

/* Fails unless DIR_A/NAME and DIR_B/NAME hold the same bytes (and are not empty). */
static inline void assert_same_file(const char *a_dir, const char *b_dir, const char *name)
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

#endif
