/* Hostile inputs against the program (EMBOLO_BIN): files that are empty, huge, binary, badly encoded
 * or numerically degenerate, all written by the test into a mkdtemp directory under /tmp (removed
 * afterwards). For each run: no signal, no hang, the exit code of outputs.md with exactly one line on
 * stderr naming the file, line or column for a failure; for a run that works, rows read = analysed +
 * excluded, every value of results.csv a finite number or NA, and the warnings that the degenerate
 * case calls for in manifest.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/text.h"

extern char **environ;

#define SAMPLE_CSV "inputs/net_sample_155.csv"
#define SAMPLE_STUDY "inputs/net_sample_155.study.ini"
#define HANG_SECONDS 10
#define MAX_COLUMNS 32
#define MAX_VALUE 128
#define COHORT_ROWS 48

/* ---- the temporary directory of one test ---- */

typedef struct fixture {
    char dir[64];
    char out[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/embolo-hostile-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    *state = f;
    return 0;
}

/* Removes a directory tree (the test writes only plain files and directories). */
static int remove_tree(const char *path)
{
    struct stat info;
    int failed = 0;
    if (lstat(path, &info) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(info.st_mode))
        return unlink(path);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        char child[4096];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        failed |= remove_tree(child) != 0;
    }
    closedir(dir);
    return rmdir(path) != 0 || failed ? -1 : 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int err = remove_tree(f->dir);
    free(f);
    return err;
}

static void path_in(const fixture *f, const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* ---- files ---- */

typedef struct buffer {
    char *data;
    size_t length;
} buffer;

static buffer read_all(const char *path)
{
    buffer b = {NULL, 0};
    if (!(b.data = test_file_read(path, &b.length)))
        fail_msg("cannot read %s", path);
    return b;
}

static void write_bytes(const char *path, const char *data, size_t length)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
}

/* Case-insensitive search for needle in the first length bytes of haystack. */
static const char *find_folded(const char *haystack, size_t length, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= length && i <= length - n; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)haystack[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return haystack + i;
    }
    return NULL;
}

/* ---- running the program ---- */

typedef struct run_result {
    int exited;      /* 1: exited normally (not killed by a signal) */
    int code;        /* exit code, or the signal */
    buffer err;      /* stderr */
} run_result;

static double hang_seconds(void)
{
    const char *preload = getenv("LD_PRELOAD");
    /* Under `make valgrind` the program runs under valgrind too, some tens of times slower. */
    return preload && strstr(preload, "valgrind") ? 15.0 * HANG_SECONDS : HANG_SECONDS;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Runs EMBOLO_BIN with the arguments (NULL-terminated) and stderr to a file in the fixture. */
static run_result run_embolo(const fixture *f, ...)
{
    const char *bin = getenv("EMBOLO_BIN");
    const char *argv[16];
    char err_path[128];
    size_t argc = 0;
    va_list args;
    run_result r = {0, 0, {NULL, 0}};
    if (!bin)
        fail_msg("EMBOLO_BIN is not set (make check-tests sets it)");
    argv[argc++] = bin;
    va_start(args, f);
    for (const char *a; (a = va_arg(args, const char *)) != NULL;) {
        assert_true(argc < 15);
        argv[argc++] = a;
    }
    va_end(args);
    argv[argc] = NULL;
    path_in(f, "stderr.txt", err_path, sizeof err_path);

    posix_spawn_file_actions_t actions;
    pid_t pid;
    assert_int_equal(posix_spawn_file_actions_init(&actions), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
                     0);
    int spawned = posix_spawn(&pid, bin, &actions, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        fail_msg("cannot start %s: %s", bin, strerror(spawned));

    /* The hang guard: the only use of time in these tests. */
    struct timespec start, pause = {0, 10 * 1000 * 1000};
    int status = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        assert_true(done == 0 || (done < 0 && errno == EINTR));
        if (seconds_since(&start) > hang_seconds()) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("%s %s did not finish within %.0f s", bin, argc > 1 ? argv[1] : "", hang_seconds());
        }
        nanosleep(&pause, NULL);
    }
    r.exited = WIFEXITED(status);
    r.code = r.exited ? WEXITSTATUS(status) : WTERMSIG(status);
    r.err = read_all(err_path);
    return r;
}

static run_result run_study(const fixture *f, const char *study, const char *input)
{
    return run_embolo(f, "run", "--quiet", "--study", study, "--input", input, "--out", f->out, (char *)NULL);
}

static run_result run_sample_study(const fixture *f, const char *input)
{
    return run_study(f, SAMPLE_STUDY, input);
}

static void result_free(run_result *r)
{
    free(r->err.data);
    r->err.data = NULL;
}

static void assert_no_signal(const run_result *r)
{
    if (!r->exited)
        fail_msg("killed by signal %d; stderr: %s", r->code, r->err.data);
}

/* A failure: the exit code, and exactly one printable line on stderr that holds each needle. */
static void assert_failure(run_result *r, int code, const char *needle, const char *needle2)
{
    assert_no_signal(r);
    if (r->code != code)
        fail_msg("exit code %d, want %d; stderr: %s", r->code, code, r->err.data);
    const char *newline = memchr(r->err.data, '\n', r->err.length);
    if (!newline || (size_t)(newline - r->err.data) != r->err.length - 1)
        fail_msg("want exactly one line on stderr, got: %s", r->err.data);
    for (size_t i = 0; i + 1 < r->err.length; i++)
        if ((unsigned char)r->err.data[i] < 0x20)
            fail_msg("control character 0x%02x on stderr: %s", (unsigned char)r->err.data[i], r->err.data);
    if (needle && !strstr(r->err.data, needle))
        fail_msg("stderr does not name '%s': %s", needle, r->err.data);
    if (needle2 && !strstr(r->err.data, needle2))
        fail_msg("stderr does not name '%s': %s", needle2, r->err.data);
    result_free(r);
}

/* ---- the outputs of a run that worked ---- */

static buffer read_output(const fixture *f, const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", f->out, name);
    return read_all(path);
}

static size_t manifest_count(const buffer *manifest, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    const char *at = strstr(manifest->data, quoted);
    if (!at)
        fail_msg("manifest.json lacks %s", key);
    char *end;
    unsigned long long value = strtoull(at + strlen(quoted), &end, 10);
    assert_true(end != at + strlen(quoted));
    return (size_t)value;
}

/* Every value cell of results.csv is NA or a finite number; no nan or inf text anywhere. */
static void assert_results_clean(const fixture *f)
{
    buffer results = read_output(f, "results.csv");
    size_t lines = 0;
    assert_null(find_folded(results.data, results.length, "nan"));
    assert_null(find_folded(results.data, results.length, "inf"));
    for (char *line = results.data, *next; *line; line = next) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        next = end + 1;
        if (lines++ == 0)
            continue;
        const char *value = strrchr(line, ',');
        assert_non_null(value);
        value++;
        if (strcmp(value, "NA") == 0)
            continue;
        double number;
        if (!text_parse_number(value, strlen(value), &number))
            fail_msg("results.csv value is not a number or NA: %s", line);
    }
    assert_true(lines > 1);
    free(results.data);
}

/* A run that worked: exit 0, nothing on stderr (--quiet), rows read = analysed + excluded, clean
 * results. Returns the manifest (the caller frees it). */
static buffer assert_success(const fixture *f, run_result *r, size_t rows_read)
{
    assert_no_signal(r);
    if (r->code != 0)
        fail_msg("exit code %d, want 0; stderr: %s", r->code, r->err.data);
    assert_int_equal(r->err.length, 0);
    result_free(r);
    buffer manifest = read_output(f, "manifest.json");
    size_t read = manifest_count(&manifest, "rows_read");
    size_t analysed = manifest_count(&manifest, "rows_analysed");
    size_t excluded = manifest_count(&manifest, "rows_excluded");
    assert_int_equal(read, analysed + excluded);
    assert_int_equal(read, rows_read);
    assert_results_clean(f);
    return manifest;
}

/* The warnings list of the manifest holds a warning with every needle (NULL-terminated). */
static int has_warning(const buffer *manifest, ...)
{
    const char *list = strstr(manifest->data, "\"warnings\": [");
    assert_non_null(list);
    for (const char *w = list + strlen("\"warnings\": ["); (w = strchr(w, '"')) != NULL;) {
        const char *end = w + 1;
        while (*end && *end != '"')
            end += *end == '\\' && end[1] ? 2 : 1;
        if (!*end)
            break;
        int all = 1;
        va_list args;
        va_start(args, manifest);
        for (const char *needle; all && (needle = va_arg(args, const char *)) != NULL;) {
            const char *at = strstr(w, needle);
            all = at && at < end;
        }
        va_end(args);
        if (all)
            return 1;
        w = end + 1;
    }
    return 0;
}

static void assert_warning(const buffer *manifest, const char *needle, const char *needle2)
{
    if (!has_warning(manifest, needle, needle2, (char *)NULL))
        fail_msg("no warning with '%s'%s%s in manifest.json:\n%s", needle, needle2 ? " and " : "",
                 needle2 ? needle2 : "", manifest->data);
}

/* exclusions.csv has a line "ROW,..." with every needle. */
static void assert_exclusion(const fixture *f, size_t row, const char *needle, const char *needle2)
{
    buffer log = read_output(f, "exclusions.csv");
    char prefix[32];
    int found = 0;
    snprintf(prefix, sizeof prefix, "\n%zu,", row);
    for (const char *at = log.data; !found && (at = strstr(at, prefix)) != NULL; at++) {
        const char *end = strchr(at + 1, '\n');
        size_t length = end ? (size_t)(end - at) : strlen(at);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(length < sizeof line - 1 ? length : sizeof line - 1), at + 1);
        found = strstr(line, needle) && (!needle2 || strstr(line, needle2));
    }
    if (!found)
        fail_msg("exclusions.csv has no line for row %zu with %s %s:\n%.2000s", row, needle, needle2 ? needle2 : "",
                 log.data);
    free(log.data);
}

/* ---- cohorts in the sample's schema ---- */

typedef struct cohort {
    char header[1024];
    size_t n_columns;
    char names[MAX_COLUMNS][64];
    size_t n_rows;
    char values[COHORT_ROWS][MAX_COLUMNS][MAX_VALUE];
} cohort;

static size_t column_of(const cohort *c, const char *name)
{
    for (size_t k = 0; k < c->n_columns; k++)
        if (strcmp(c->names[k], name) == 0)
            return k;
    fail_msg("the sample header has no column %s", name);
    return 0;
}

static char *cell(cohort *c, size_t row, const char *name)
{
    assert_true(row < c->n_rows);
    return c->values[row][column_of(c, name)];
}

static void set_cell(cohort *c, size_t row, const char *name, const char *value)
{
    snprintf(cell(c, row, name), MAX_VALUE, "%s", value);
}

typedef struct cell_edit {
    size_t row;
    const char *column;
    const char *value;
} cell_edit;

static void apply_edits(cohort *c, const cell_edit *edits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        set_cell(c, edits[i].row, edits[i].column, edits[i].value);
}

static uint64_t lcg_state;

static unsigned draw(unsigned n)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((lcg_state >> 33) % n);
}

static void day_text(long day, char out[MAX_VALUE])
{
    text_format_date(day, out);
}

/* A cohort of n rows with the sample's header: every treatment group with every level of the
 * propensity covariates, events in most rows, follow-up from 1 to 50 months. Deterministic. */
static cohort *cohort_new(size_t n)
{
    static const char *const sites[] = {"pancreas", "gut", "lung", "other"};
    static const char *const grades[] = {"G1", "G2", "G3"};
    static const char *const modalities[] = {"TACE", "TARE", "TAE"};
    static const char *const yes_no[] = {"no", "yes"};
    cohort *c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_true(n <= COHORT_ROWS);
    FILE *file = fopen(SAMPLE_CSV, "rb");
    assert_non_null(file);
    assert_non_null(fgets(c->header, sizeof c->header, file));
    fclose(file);
    c->header[strcspn(c->header, "\r\n")] = '\0';
    char names[1024];
    snprintf(names, sizeof names, "%s", c->header);
    for (char *save = NULL, *name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        assert_true(c->n_columns < MAX_COLUMNS);
        snprintf(c->names[c->n_columns++], sizeof c->names[0], "%s", name);
    }
    c->n_rows = n;
    lcg_state = 20260101;
    for (size_t i = 0; i < n; i++) {
        char text[MAX_VALUE];
        long start = text_days_from_civil(2010, 1, 1) + (long)draw(365);
        long days = 30 + (long)draw(1500);
        int event = draw(10) < 7, progression = draw(2);
        snprintf(text, sizeof text, "P%03zu", i);
        set_cell(c, i, "patient_id", text);
        set_cell(c, i, "center", "C1");
        snprintf(text, sizeof text, "%u", 35 + draw(50));
        set_cell(c, i, "age", text);
        set_cell(c, i, "sex", draw(2) ? "M" : "F");
        set_cell(c, i, "primary_site", sites[(i / 3 + draw(2)) % 4]);
        set_cell(c, i, "grade", grades[(i / 3 + draw(3)) % 3]);
        set_cell(c, i, "ki67_pct", "2.5");
        snprintf(text, sizeof text, "%u", draw(100));
        set_cell(c, i, "tumor_burden_pct", text);
        set_cell(c, i, "extrahepatic_disease", yes_no[draw(2)]);
        set_cell(c, i, "hormonal_syndrome", yes_no[draw(2)]);
        set_cell(c, i, "prior_liver_surgery", yes_no[draw(2)]);
        set_cell(c, i, "modality", modalities[i % 3]);
        day_text(start, text);
        set_cell(c, i, "treatment_date", text);
        day_text(start + days / 2, text);
        set_cell(c, i, "hepatic_progression_date", progression ? text : "");
        day_text(start + days, text);
        set_cell(c, i, "death_date", event ? text : "");
        set_cell(c, i, "last_followup_date", text);
        set_cell(c, i, "notes", "");
    }
    return c;
}

/* The base cohort with one column holding the same value in every row. */
static cohort *cohort_with_constant(const char *column, const char *value)
{
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < c->n_rows; i++)
        set_cell(c, i, column, value);
    return c;
}

static void cohort_write(const cohort *c, const char *path)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fprintf(file, "%s\n", c->header);
    for (size_t i = 0; i < c->n_rows; i++)
        for (size_t k = 0; k < c->n_columns; k++)
            fprintf(file, "%s%c", c->values[i][k], k + 1 < c->n_columns ? ',' : '\n');
    assert_int_equal(fclose(file), 0);
}

/* Writes the cohort and runs it with the sample study; returns the manifest of a run that worked. */
static buffer run_cohort(const fixture *f, cohort *c)
{
    char input[128];
    path_in(f, "cohort.csv", input, sizeof input);
    cohort_write(c, input);
    run_result r = run_sample_study(f, input);
    buffer manifest = assert_success(f, &r, c->n_rows);
    free(c);
    return manifest;
}

/* The base cohort with some cells edited, run as run_cohort does. */
static buffer run_edited_cohort(const fixture *f, const cell_edit *edits, size_t n)
{
    cohort *c = cohort_new(COHORT_ROWS);
    apply_edits(c, edits, n);
    return run_cohort(f, c);
}

/* The value of one results.csv line, NAN for NA; fails when the line is absent. */
static double result_value(const fixture *f, const char *line_prefix)
{
    buffer results = read_output(f, "results.csv");
    const char *at = strstr(results.data, line_prefix);
    if (!at)
        fail_msg("results.csv lacks %s", line_prefix);
    double value = strncmp(at + strlen(line_prefix), "NA", 2) == 0 ? NAN : strtod(at + strlen(line_prefix), NULL);
    free(results.data);
    return value;
}

static int results_contain(const fixture *f, const char *text)
{
    buffer results = read_output(f, "results.csv");
    int found = strstr(results.data, text) != NULL;
    free(results.data);
    return found;
}

/* A copy of the sample study in which each line that begins with edits[2k] begins with edits[2k+1]
 * instead (edits end with NULL, at most 8); every edit must apply somewhere. Returns the line number
 * of the first edited line. */
static int study_variant(const fixture *f, const char *name, const char *const *edits, char *path, size_t size)
{
    buffer study = read_all(SAMPLE_STUDY);
    int applied[8] = {0}, line_number = 0, first_edit = 0;
    size_t n_edits = 0;
    while (edits[2 * n_edits])
        n_edits++;
    assert_true(n_edits <= 8);
    path_in(f, name, path, size);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    for (char *line = study.data, *next; *line; line = next) {
        char *end = strchr(line, '\n');
        const char *rest = line, *replacement = "";
        next = end ? end + 1 : line + strlen(line);
        if (end)
            *end = '\0';
        line_number++;
        for (size_t k = 0; k < n_edits; k++)
            if (strncmp(line, edits[2 * k], strlen(edits[2 * k])) == 0) {
                replacement = edits[2 * k + 1];
                rest = line + strlen(edits[2 * k]);
                applied[k] = 1;
                if (!first_edit)
                    first_edit = line_number;
                break;
            }
        fprintf(file, "%s%s\n", replacement, rest);
    }
    assert_int_equal(fclose(file), 0);
    for (size_t k = 0; k < n_edits; k++)
        assert_true(applied[k]);
    free(study.data);
    return first_edit;
}

/* ---- malformed files ---- */

static void test_empty_file(void **state)
{
    const fixture *f = *state;
    char input[128];
    path_in(f, "empty.csv", input, sizeof input);
    write_bytes(input, "", 0);
    run_result r = run_sample_study(f, input);
    assert_failure(&r, 65, input, NULL);
}

static void test_header_only(void **state)
{
    const fixture *f = *state;
    char input[128];
    cohort *c = cohort_new(0);
    path_in(f, "header.csv", input, sizeof input);
    cohort_write(c, input);
    free(c);
    run_result r = run_sample_study(f, input);
    assert_failure(&r, 65, input, "no analysable row");
}

static void test_binary_garbage(void **state)
{
    const fixture *f = *state;
    char input[128];
    static char bytes[65536];
    lcg_state = 7;
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (char)draw(256);
    path_in(f, "garbage.csv", input, sizeof input);
    write_bytes(input, bytes, sizeof bytes);
    run_result r = run_sample_study(f, input);
    assert_failure(&r, 65, input, "patient_id");
}

/* The sample's header, then binary rows: none analysable, and a message that says so. */
static void test_garbage_rows(void **state)
{
    const fixture *f = *state;
    char input[128];
    cohort *c = cohort_new(0);
    static char bytes[65536];
    size_t length = (size_t)snprintf(bytes, sizeof bytes, "%s\n", c->header);
    free(c);
    lcg_state = 11;
    while (length < sizeof bytes)
        bytes[length++] = (char)draw(256);
    path_in(f, "garbage_rows.csv", input, sizeof input);
    write_bytes(input, bytes, sizeof bytes);
    run_result r = run_sample_study(f, input);
    assert_failure(&r, 65, input, "no analysable row");
}

/* A 1 MB field in a column the study uses, one in an unused column, and a quoted 1 MB field of
 * quotes, commas and newlines: the value is invalid, the run goes on. */
static void test_megabyte_fields(void **state)
{
    const fixture *f = *state;
    char input[128];
    const size_t mega = 1024 * 1024;
    cohort *c = cohort_new(COHORT_ROWS);
    path_in(f, "big.csv", input, sizeof input);
    FILE *file = fopen(input, "wb");
    assert_non_null(file);
    fprintf(file, "%s\n", c->header);
    for (size_t i = 0; i < c->n_rows; i++)
        for (size_t k = 0; k < c->n_columns; k++) {
            const char *name = c->names[k];
            if (i == 2 && strcmp(name, "sex") == 0)
                for (size_t b = 0; b < mega; b++)
                    fputc('F', file);
            else if (i == 4 && strcmp(name, "center") == 0)
                for (size_t b = 0; b < mega; b++)
                    fputc('x', file);
            else if (i == 6 && strcmp(name, "notes") == 0) {
                fputc('"', file);
                for (size_t b = 0; b < mega / 4; b++)
                    fputs(b % 2 ? "\"\"" : ",\n", file);
                fputc('"', file);
            } else
                fputs(c->values[i][k], file);
            fputc(k + 1 < c->n_columns ? ',' : '\n', file);
        }
    assert_int_equal(fclose(file), 0);
    run_result r = run_sample_study(f, input);
    buffer manifest = assert_success(f, &r, c->n_rows);
    free(c);
    assert_exclusion(f, 3, "W_INVALID_VALUE", "\"sex\"");
    free(manifest.data);
}

/* A header line of a million columns (the study's at the end) and a few rows as wide: read, or
 * refused as bad data with a message naming the file. */
static void test_million_columns(void **state)
{
    const fixture *f = *state;
    char input[128];
    const size_t extra = 1000000, rows = 2;
    cohort *c = cohort_new(rows);
    path_in(f, "wide.csv", input, sizeof input);
    FILE *file = fopen(input, "wb");
    assert_non_null(file);
    for (size_t k = 0; k < extra; k++)
        fprintf(file, "c%zu,", k);
    fprintf(file, "%s\n", c->header);
    for (size_t i = 0; i < c->n_rows; i++) {
        for (size_t k = 0; k < extra; k++)
            fputc(',', file);
        for (size_t k = 0; k < c->n_columns; k++)
            fprintf(file, "%s%c", c->values[i][k], k + 1 < c->n_columns ? ',' : '\n');
    }
    assert_int_equal(fclose(file), 0);
    free(c);
    run_result r = run_sample_study(f, input);
    assert_no_signal(&r);
    if (r.code == 0)
        free(assert_success(f, &r, rows).data);
    else
        assert_failure(&r, 65, input, "columns");
}

/* Invalid UTF-8 and NUL bytes inside fields make those values invalid, never the run. */
static void test_invalid_utf8_and_nul(void **state)
{
    const fixture *f = *state;
    char input[128];
    static const cell_edit edits[] = {
        {2, "sex", "\xff\xfe"},
        {3, "grade", "G\xc3\x28"},
        {5, "primary_site", "\xed\xa0\x80"},
        {7, "notes", "\xc0\xaf"},
    };
    cohort *c = cohort_new(COHORT_ROWS);
    apply_edits(c, edits, sizeof edits / sizeof edits[0]);
    path_in(f, "bytes.csv", input, sizeof input);
    FILE *file = fopen(input, "wb");
    assert_non_null(file);
    fprintf(file, "%s\n", c->header);
    for (size_t i = 0; i < c->n_rows; i++)
        for (size_t k = 0; k < c->n_columns; k++) {
            if (i == 4 && strcmp(c->names[k], "age") == 0)
                assert_int_equal(fwrite("6\0" "0", 1, 3, file), 3);
            else if (i == 6 && strcmp(c->names[k], "modality") == 0)
                assert_int_equal(fwrite("TA\0CE", 1, 5, file), 5);
            else
                fputs(c->values[i][k], file);
            fputc(k + 1 < c->n_columns ? ',' : '\n', file);
        }
    assert_int_equal(fclose(file), 0);
    run_result r = run_sample_study(f, input);
    buffer manifest = assert_success(f, &r, c->n_rows);
    free(c);
    assert_exclusion(f, 3, "W_INVALID_VALUE", "\"sex\"");
    assert_exclusion(f, 4, "W_INVALID_VALUE", "\"grade\"");
    assert_exclusion(f, 5, "W_INVALID_VALUE", "\"age\"");
    assert_exclusion(f, 6, "W_INVALID_VALUE", "\"primary_site\"");
    assert_exclusion(f, 7, "E_UNKNOWN_TREATMENT", "\"modality\"");
    free(manifest.data);
}

/* A NUL byte in the header: the column is not found, and the message names it. */
static void test_nul_in_header(void **state)
{
    const fixture *f = *state;
    char input[128];
    static const char data[] = "patient\0_id,age\n1,2\n";
    path_in(f, "nul_header.csv", input, sizeof input);
    write_bytes(input, data, sizeof data - 1);
    run_result r = run_sample_study(f, input);
    assert_failure(&r, 65, input, "patient_id");
}

static void test_open_quote_at_end(void **state)
{
    const fixture *f = *state;
    char input[128];
    cohort *c = cohort_new(COHORT_ROWS);
    set_cell(c, COHORT_ROWS - 1, "notes", "\"open quote, never closed");
    path_in(f, "quote.csv", input, sizeof input);
    cohort_write(c, input);
    free(c);
    run_result r = run_sample_study(f, input);
    buffer manifest = assert_success(f, &r, COHORT_ROWS);
    assert_exclusion(f, COHORT_ROWS, "\"row\"", "E_MALFORMED_ROW");
    free(manifest.data);
}

static void test_extreme_dates(void **state)
{
    const fixture *f = *state;
    static const cell_edit edits[] = {
        {0, "treatment_date", "0000-00-00"},     {1, "death_date", ""},
        {1, "hepatic_progression_date", ""},     {1, "last_followup_date", "9999-12-31"},
        {2, "death_date", "9999-12-31"},         {2, "last_followup_date", "9999-12-31"},
        {3, "treatment_date", "0001-01-01"},     {4, "death_date", "2010-02-30"},
    };
    buffer manifest = run_edited_cohort(f, edits, sizeof edits / sizeof edits[0]);
    assert_exclusion(f, 1, "\"row\",\"E_BAD_DATE\"", "treatment_date");
    assert_exclusion(f, 5, "\"row\",\"E_BAD_DATE\"", "death_date");
    /* The far dates are analysed. */
    buffer patients = read_output(f, "patients.csv");
    assert_non_null(strstr(patients.data, "\n2,\"P001\""));
    assert_non_null(strstr(patients.data, "\n3,\"P002\""));
    assert_non_null(strstr(patients.data, "\n4,\"P003\""));
    assert_null(strstr(patients.data, "\"P000\""));
    free(patients.data);
    free(manifest.data);
}

/* 1e308, NaN, inf and -0 in numeric columns: with the sample study's limits. */
static void test_extreme_numbers(void **state)
{
    const fixture *f = *state;
    static const cell_edit edits[] = {
        {0, "age", "1e308"},           {1, "age", "NaN"},
        {2, "age", "inf"},             {3, "age", "-inf"},
        {4, "tumor_burden_pct", "-0"}, {5, "tumor_burden_pct", "1e-320"},
        {6, "tumor_burden_pct", "nan"}, {7, "tumor_burden_pct", "1e309"},
    };
    buffer manifest = run_edited_cohort(f, edits, sizeof edits / sizeof edits[0]);
    for (size_t row = 1; row <= 4; row++)
        assert_exclusion(f, row, "W_INVALID_VALUE", "\"age\"");
    assert_exclusion(f, 7, "W_INVALID_VALUE", "tumor_burden_pct");
    assert_exclusion(f, 8, "W_INVALID_VALUE", "tumor_burden_pct");
    buffer patients = read_output(f, "patients.csv");
    assert_non_null(strstr(patients.data, "\n5,\"P004\""));
    assert_null(find_folded(patients.data, patients.length, "nan"));
    assert_null(find_folded(patients.data, patients.length, "inf"));
    free(patients.data);
    free(manifest.data);
}

/* 1e308 and -1e308 as valid ages (a study without limits): the models overflow; NA and warnings,
 * never nan or a crash. */
static void test_huge_valid_numbers(void **state)
{
    const fixture *f = *state;
    char study[128], input[128];
    static const char *const edits[] = {"min = 18", "; ", "max = 100", "; ", NULL};
    study_variant(f, "nolimits.study.ini", edits, study, sizeof study);
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < COHORT_ROWS; i += 5)
        set_cell(c, i, "age", i % 2 ? "-1e308" : "1e308");
    path_in(f, "huge.csv", input, sizeof input);
    cohort_write(c, input);
    free(c);
    run_result r = run_study(f, study, input);
    buffer manifest = assert_success(f, &r, COHORT_ROWS);
    assert_warning(&manifest, "univariate:age", NULL);
    free(manifest.data);
}

/* ---- study files ---- */

/* The study file is refused: exit 65, one line naming the file, the line (when > 0) and needle. */
static void assert_study_refused(const fixture *f, const char *study, int line, const char *needle)
{
    char at[160];
    if (line > 0)
        snprintf(at, sizeof at, "%s:%d:", study, line);
    else
        snprintf(at, sizeof at, "%s:", study);
    run_result r = run_study(f, study, SAMPLE_CSV);
    assert_failure(&r, 65, at, needle);
}

/* A variant of the sample study is refused, naming the edited line. */
static void assert_variant_refused(const fixture *f, const char *const *edits, const char *needle)
{
    char study[128];
    int line = study_variant(f, "variant.study.ini", edits, study, sizeof study);
    assert_study_refused(f, study, line, needle);
}

static void test_study_undefined_variable(void **state)
{
    static const char *const edits[] = {"subgroups = grade", "subgroups = grade, nosuch", NULL};
    assert_variant_refused(*state, edits, "nosuch");
}

/* The treatment among its own propensity covariates; the message names the line that makes it the
 * treatment (as test_study.c has it). */
static void test_study_self_reference(void **state)
{
    static const char *const edits[] = {"variable = modality", "variable = modality", "ps_covariates = age",
                                        "ps_covariates = modality, age", NULL};
    assert_variant_refused(*state, edits, "ps_covariates");
}

static void test_study_variable_named_twice(void **state)
{
    static const char *const edits[] = {"multivariable = age", "multivariable = age, grade, age", NULL};
    assert_variant_refused(*state, edits, "twice");
}

/* Control characters of the file quoted in the message do not break the one line. */
static void test_study_control_characters(void **state)
{
    const fixture *f = *state;
    char study[128];
    static const char text[] = "[study]\ntime_unit = months\n[anal\r\r\x1b[2Jysis]\nsubgroups = grade\n";
    path_in(f, "control.study.ini", study, sizeof study);
    write_bytes(study, text, sizeof text - 1);
    assert_study_refused(f, study, 3, "unknown section");
}

static void test_study_binary_garbage(void **state)
{
    const fixture *f = *state;
    char study[128];
    static char bytes[4096];
    lcg_state = 3;
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (char)(draw(255) + 1);
    path_in(f, "garbage.study.ini", study, sizeof study);
    write_bytes(study, bytes, sizeof bytes);
    assert_study_refused(f, study, 0, NULL);
}

/* ---- numerically degenerate cohorts ---- */

/* The base cohort itself fits cleanly, so that the warnings below come from what each case changes. */
static void test_cohort_control(void **state)
{
    const fixture *f = *state;
    buffer manifest = run_cohort(f, cohort_new(COHORT_ROWS));
    static const char *const degenerate[] = {"separated", "monotone", "singular", "collinear", "converge",
                                             "no Cox model", "no proportional-hazards test"};
    for (size_t i = 0; i < sizeof degenerate / sizeof degenerate[0]; i++)
        if (has_warning(&manifest, degenerate[i], (char *)NULL))
            fail_msg("the control cohort warns '%s':\n%s", degenerate[i], manifest.data);
    assert_true(results_contain(f, "\"cox\",\"os\",\"weighted_multivariable\""));
    free(manifest.data);
}

/* Every event on the same day (the others censored later). */
static void test_all_events_tied(void **state)
{
    const fixture *f = *state;
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < c->n_rows; i++) {
        set_cell(c, i, "treatment_date", "2010-01-01");
        set_cell(c, i, "hepatic_progression_date", "");
        set_cell(c, i, "death_date", i % 3 ? "2011-01-01" : "");
        set_cell(c, i, "last_followup_date", i % 3 ? "2011-01-01" : "2012-06-30");
    }
    buffer manifest = run_cohort(f, c);
    /* Two thirds die at 365 days: S drops to 1/3 there, which is the median. */
    double median = result_value(f, "\"km\",\"os\",\"unweighted\",\"all\",\"\",\"median\",");
    assert_true(fabs(median - 365.0 / (365.25 / 12.0)) < 1e-9);
    assert_int_equal((int)result_value(f, "\"km\",\"os\",\"unweighted\",\"all\",\"\",\"events\","), 32);
    free(manifest.data);
}

static void test_all_censored(void **state)
{
    const fixture *f = *state;
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < c->n_rows; i++) {
        set_cell(c, i, "hepatic_progression_date", "");
        set_cell(c, i, "death_date", "");
    }
    buffer manifest = run_cohort(f, c);
    assert_int_equal((int)result_value(f, "\"km\",\"os\",\"unweighted\",\"all\",\"\",\"events\","), 0);
    assert_true(isnan(result_value(f, "\"km\",\"os\",\"unweighted\",\"all\",\"\",\"median\",")));
    assert_warning(&manifest, "os univariate:age", NULL);
    assert_warning(&manifest, "os multivariable", NULL);
    free(manifest.data);
}

static void test_one_patient(void **state)
{
    const fixture *f = *state;
    cohort *c = cohort_new(1);
    buffer manifest = run_cohort(f, c);
    assert_int_equal(manifest_count(&manifest, "rows_analysed"), 1);
    assert_warning(&manifest, "os univariate:sex", NULL);
    assert_warning(&manifest, "propensity", NULL);
    assert_false(results_contain(f, "\"weighted\""));
    free(manifest.data);
}

/* One TAE patient: the propensity model cannot exist (that group lacks every other level). */
static void test_treatment_group_of_one(void **state)
{
    const fixture *f = *state;
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < c->n_rows; i++)
        if (strcmp(cell(c, i, "modality"), "TAE") == 0)
            set_cell(c, i, "modality", i == 2 ? "TAE" : i % 2 ? "TACE" : "TARE");
    buffer manifest = run_cohort(f, c);
    assert_warning(&manifest, "separated", "TAE");
    assert_false(results_contain(f, "weighted_"));
    free(manifest.data);
}

/* Grade predicts the treatment perfectly. */
static void test_perfect_separation(void **state)
{
    const fixture *f = *state;
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < c->n_rows; i++) {
        const char *m = cell(c, i, "modality");
        set_cell(c, i, "grade", strcmp(m, "TACE") == 0 ? "G1" : strcmp(m, "TARE") == 0 ? "G2" : "G3");
    }
    buffer manifest = run_cohort(f, c);
    assert_warning(&manifest, "separated", "grade");
    assert_false(results_contain(f, "weighted_"));
    free(manifest.data);
}

static void test_constant_covariate(void **state)
{
    buffer manifest = run_cohort(*state, cohort_with_constant("sex", "F"));
    assert_warning(&manifest, "os univariate:sex", NULL);
    free(manifest.data);
}

/* The multivariable model cannot adjust for a constant covariate, and must say so. */
static void test_constant_covariate_in_multivariable(void **state)
{
    buffer manifest = run_cohort(*state, cohort_with_constant("sex", "F"));
    assert_warning(&manifest, "os multivariable", "sex");
    free(manifest.data);
}

/* Every patient had the same treatment: no propensity model, and the warning says why. */
static void test_single_treatment_group(void **state)
{
    const fixture *f = *state;
    buffer manifest = run_cohort(f, cohort_with_constant("modality", "TACE"));
    assert_warning(&manifest, "one treatment group", "TACE");
    assert_false(results_contain(f, "weighted_"));
    free(manifest.data);
}

/* extrahepatic_disease = yes exactly when sex = M: two copies of one covariate. */
static void test_identical_covariates(void **state)
{
    const fixture *f = *state;
    cohort *c = cohort_new(COHORT_ROWS);
    for (size_t i = 0; i < c->n_rows; i++)
        set_cell(c, i, "extrahepatic_disease", strcmp(cell(c, i, "sex"), "M") == 0 ? "yes" : "no");
    buffer manifest = run_cohort(f, c);
    assert_warning(&manifest, "os multivariable", "collinear");
    assert_warning(&manifest, "propensity", NULL);
    free(manifest.data);
}

/* No row has every propensity covariate: no propensity model, no weights, a warning; the rest of the
 * analyses still run. */
static void test_no_complete_propensity_row(void **state)
{
    const fixture *f = *state;
    buffer manifest = run_cohort(f, cohort_with_constant("age", ""));
    assert_warning(&manifest, "propensity", NULL);
    assert_false(results_contain(f, "weighted_"));
    free(manifest.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_megabyte_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_million_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_and_nul, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_in_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_quote_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extreme_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extreme_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_valid_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_undefined_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_self_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_variable_named_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_control_characters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_binary_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cohort_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_events_tied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_censored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_patient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_treatment_group_of_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_perfect_separation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constant_covariate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constant_covariate_in_multivariable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_treatment_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identical_covariates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_complete_propensity_row, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
