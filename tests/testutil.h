/* Helpers shared by the cmocka tests (include after cmocka.h). */
#ifndef EMBOLO_TESTUTIL_H
#define EMBOLO_TESTUTIL_H

#include <math.h>
#include <stdio.h>

/* Fails unless got equals want to a relative tolerance (absolute below 1e-300); NAN matches NAN. */
#define assert_close(got, want, rtol) assert_close_at((got), (want), (rtol), __FILE__, __LINE__)

static inline void assert_close_at(double got, double want, double rtol, const char *file, int line)
{
    if (isnan(want) && isnan(got))
        return;
    double scale = fabs(want) > 1e-300 ? fabs(want) : 1e-300;
    if (isnan(got) || isnan(want) || fabs(got - want) > rtol * scale) {
        print_error("got %.15g, want %.15g (rtol %g)\n", got, want, rtol);
        _fail(file, line);
    }
}

/* ---- Files ---- */

#include <stdlib.h>

/* The whole file, NUL-terminated (the caller frees it), its size in *size when size is not NULL;
 * NULL when it cannot be read. */
static inline char *test_file_read(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    char *buffer = NULL;
    size_t used = 0, capacity = 0, got;
    if (!file)
        return NULL;
    do {
        if (capacity - used < 4096) {
            capacity = capacity ? capacity * 2 : 65536;
            char *grown = realloc(buffer, capacity + 1);
            if (!grown) {
                free(buffer);
                fclose(file);
                return NULL;
            }
            buffer = grown;
        }
        got = fread(buffer + used, 1, capacity - used, file);
        used += got;
    } while (got > 0);
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(buffer);
        return NULL;
    }
    buffer[used] = '\0';
    if (size)
        *size = used;
    return buffer;
}

/* ---- Numeric fixtures (the CSV files that tests/fixtures/make_NAME_fixtures.py write) ---- */

#include <stdlib.h>
#include <string.h>

#define FIXTURE_MAX_ROWS 400
#define FIXTURE_MAX_COLS 16

typedef struct fixture_table {
    size_t n;
    size_t n_cols;
    double v[FIXTURE_MAX_ROWS][FIXTURE_MAX_COLS];
} fixture_table;

/* Reads a numeric CSV file with a header line; NA becomes NAN. Fails the test on a row whose field
 * count differs from the header's, or on a file beyond the table's bounds. */
static inline void fixture_read(const char *path, fixture_table *t)
{
    char line[1024];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    t->n = 0;
    t->n_cols = 1;
    for (const char *c = line; *c; c++)
        t->n_cols += *c == ',';
    assert_true(t->n_cols <= FIXTURE_MAX_COLS);
    while (fgets(line, sizeof line, f)) {
        char *save = NULL;
        size_t j = 0;
        assert_true(t->n < FIXTURE_MAX_ROWS);
        for (char *tok = strtok_r(line, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
            assert_true(j < t->n_cols);
            t->v[t->n][j++] = strcmp(tok, "NA") == 0 ? NAN : strtod(tok, NULL);
        }
        assert_int_equal(j, t->n_cols);
        t->n++;
    }
    fclose(f);
}

/* A survival fixture: "time,status[,weight],x1,..." (weight 1 without the column). */
typedef struct survival_fixture {
    size_t n;
    size_t n_cols;  /* covariates */
    double time[FIXTURE_MAX_ROWS];
    int status[FIXTURE_MAX_ROWS];
    double weight[FIXTURE_MAX_ROWS];
    double x[FIXTURE_MAX_ROWS][FIXTURE_MAX_COLS];
} survival_fixture;

static inline void survival_fixture_read(const char *path, int has_weight, survival_fixture *out)
{
    static fixture_table t;
    size_t first_x = has_weight ? 3 : 2;
    fixture_read(path, &t);
    assert_true(t.n_cols >= first_x);
    out->n = t.n;
    out->n_cols = t.n_cols - first_x;
    for (size_t i = 0; i < t.n; i++) {
        out->time[i] = t.v[i][0];
        out->status[i] = (int)t.v[i][1];
        out->weight[i] = has_weight ? t.v[i][2] : 1.0;
        for (size_t j = 0; j < out->n_cols; j++)
            out->x[i][j] = t.v[i][first_x + j];
    }
}

/* ---- Helpers for the tests of the study file, ingest and cleaning: each is defined only when the
 * test includes the module's header before this one. ---- */

#include <string.h>

#ifdef EMBOLO_STUDY_H
/* Parses a study file held in memory as "test.ini"; fails the test (printing the message) unless it
 * parses. */
static inline study *test_study_parse(const char *text)
{
    study *s = NULL;
    char message[512];
    embolo_error err = study_parse(text, strlen(text), "test.ini", &s, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("study_parse: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    assert_non_null(s);
    return s;
}
#endif

#ifdef EMBOLO_INGEST_H
/* Reads a CSV held in memory (length bytes: it may hold NULs) as "test.csv"; fails the test unless
 * it reads. */
static inline ingest_table *test_ingest_parse(const char *csv, size_t length, const char *const *wanted,
                                              size_t n_wanted)
{
    ingest_table *table = NULL;
    char message[512];
    embolo_error err = ingest_parse(csv, length, "test.csv", wanted, n_wanted, &table, message, sizeof message);
    if (err != EMBOLO_OK)
        print_error("ingest_parse: %s\n", message);
    assert_int_equal(err, EMBOLO_OK);
    assert_non_null(table);
    return table;
}

/* Fails unless the value of (record, column) of table holds exactly want_length bytes, those of want. */
#define assert_ingest_value(table, record, column, want, want_length)                                    \
    assert_ingest_value_at((table), (record), (column), (want), (want_length), __FILE__, __LINE__)

static inline void assert_ingest_value_at(const ingest_table *table, size_t record, size_t column,
                                          const char *want, size_t want_length, const char *file, int line)
{
    size_t length = 0;
    const char *got = ingest_value(table, record, column, &length);
    if (!got || length != want_length || memcmp(got, want, want_length) != 0) {
        print_error("record %zu column %zu: got %zu bytes '%.*s', want %zu bytes '%.*s'\n", record, column,
                    length, got ? (int)length : 0, got ? got : "", want_length, (int)want_length, want);
        _fail(file, line);
    }
}
#endif


/* ---- Running a program (the end-to-end tests) ---- */

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Opens path for writing (truncated), or /dev/null when path is NULL; -1 on failure. */
static inline int test_open_output(const char *path)
{
    return path ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open("/dev/null", O_WRONLY);
}

/* Runs bin with argv (argv[0] first, NULL last), its stdout and stderr going to the files named (NULL:
 * discarded). Returns the exit status; fails the test if the program was killed or could not run. */
/* Whether this process runs under valgrind (its preload library is in the environment): tests skip
 * other programs (ssconvert, poppler) there, as valgrind would trace them too. */
static inline int test_under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "valgrind") != NULL;
}

static inline int test_run_program(const char *bin, char *const argv[], const char *stdout_path,
                                   const char *stderr_path)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = test_open_output(stdout_path), err = test_open_output(stderr_path);
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        execv(bin, argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status))
        print_error("%s was killed by signal %d\n", bin, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 127)
        print_error("%s could not be run\n", bin);
    assert_int_not_equal(WEXITSTATUS(status), 127);
    return WEXITSTATUS(status);
}


/* ---- Output sets (test_faults, test_outset): a directory's files, and runs with an environment ---- */

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define TEST_SET_MAX_FILES 64

/* The entries of a directory, sorted by name, hidden ones included; a regular file's contents, other
 * entries (directories, links) with NULL contents. */
typedef struct test_set {
    size_t n;
    char names[TEST_SET_MAX_FILES][256];
    char *contents[TEST_SET_MAX_FILES];
    size_t sizes[TEST_SET_MAX_FILES];
} test_set;

static inline int test_name_compare(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* 0 when dir cannot be read (no entries then). */
static inline int test_set_take(const char *dir, test_set *s)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    s->n = 0;
    if (!d)
        return 0;
    while ((entry = readdir(d))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        assert_true(s->n < TEST_SET_MAX_FILES);
        snprintf(s->names[s->n++], sizeof s->names[0], "%s", entry->d_name);
    }
    closedir(d);
    qsort(s->names, s->n, sizeof s->names[0], test_name_compare);
    for (size_t i = 0; i < s->n; i++) {
        char path[8192];
        struct stat info;
        snprintf(path, sizeof path, "%s/%s", dir, s->names[i]);
        s->contents[i] = NULL;
        s->sizes[i] = 0;
        if (lstat(path, &info) == 0 && S_ISREG(info.st_mode))
            s->contents[i] = test_file_read(path, &s->sizes[i]);
    }
    return 1;
}

static inline void test_set_free(test_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->contents[i]);
    s->n = 0;
}

/* Whether the file named is in the NULL-terminated list (NULL: an empty list). */
static inline int test_name_listed(const char *name, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

/* Whether two sets hold the same names and, but for the files named in skip (NULL-terminated, NULL:
 * none), the same bytes; prints the first difference. */
static inline int test_set_compare(const test_set *a, const test_set *b, const char *const *skip, int quiet)
{
    if (quiet) {
        if (a->n != b->n)
            return 0;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->names[i], b->names[i]) ||
                (!test_name_listed(a->names[i], skip) &&
                 (!a->contents[i] != !b->contents[i] || a->sizes[i] != b->sizes[i] ||
                  (a->contents[i] && memcmp(a->contents[i], b->contents[i], a->sizes[i])))))
                return 0;
        return 1;
    }
    if (a->n != b->n) {
        print_error("%zu entries against %zu\n", a->n, b->n);
        for (size_t i = 0; i < b->n; i++)
            print_error("  %s\n", b->names[i]);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->names[i], b->names[i])) {
            print_error("%s against %s\n", a->names[i], b->names[i]);
            return 0;
        }
        if (test_name_listed(a->names[i], skip))
            continue;
        if (!a->contents[i] != !b->contents[i] || a->sizes[i] != b->sizes[i] ||
            (a->contents[i] && memcmp(a->contents[i], b->contents[i], a->sizes[i]))) {
            print_error("%s differs\n", a->names[i]);
            return 0;
        }
    }
    return 1;
}

static inline int test_set_equal(const test_set *a, const test_set *b, const char *const *skip)
{
    return test_set_compare(a, b, skip, 0);
}

/* Whether dir holds exactly the entries named (a NULL-terminated list); prints the others. */
static inline int test_dir_holds_only(const char *dir, const char *const *names)
{
    test_set s;
    int only = 1;
    test_set_take(dir, &s);
    for (size_t i = 0; i < s.n; i++) {
        int known = 0;
        for (size_t k = 0; names[k]; k++)
            known = known || !strcmp(names[k], s.names[i]);
        if (!known) {
            print_error("%s holds %s\n", dir, s.names[i]);
            only = 0;
        }
    }
    for (size_t k = 0; names[k]; k++) {
        int found = 0;
        for (size_t i = 0; i < s.n; i++)
            found = found || !strcmp(names[k], s.names[i]);
        if (!found) {
            print_error("%s lacks %s\n", dir, names[k]);
            only = 0;
        }
    }
    test_set_free(&s);
    return only;
}

/* How a child is started: its arguments after the program (NULL-terminated), environment variables
 * added ("NAME=value", NULL-terminated, may be NULL; LD_PRELOAD of the fault library when preload),
 * standard input and error files (NULL: /dev/null), and a file size limit in bytes (0: none). */
typedef struct test_spawn_options {
    const char *const *env;
    int preload;
    const char *stdin_path;
    const char *stderr_path;
    long file_size_limit;
} test_spawn_options;

/* Starts EMBOLO_BIN with args; its pid. */
static inline pid_t test_spawn_embolo(const char *const *args, const test_spawn_options *o)
{
    const char *bin = getenv("EMBOLO_BIN");
    const char *library = getenv("EMBOLO_FAULT_LIB");
    const char *argv[64];
    size_t n = 0;
    assert_non_null(bin);
    argv[n++] = bin;
    for (size_t i = 0; args[i]; i++) {
        assert_true(n < 63);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(o && o->stdin_path ? o->stdin_path : "/dev/null", O_RDONLY);
        int err = o && o->stderr_path ? open(o->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644)
                                      : open("/dev/null", O_WRONLY);
        int out = open("/dev/null", O_WRONLY);
        if (in < 0 || err < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        for (size_t i = 0; o && o->env && o->env[i]; i++) {
            char name[128];
            const char *equals = strchr(o->env[i], '=');
            if (!equals || (size_t)(equals - o->env[i]) >= sizeof name)
                _exit(123);
            memcpy(name, o->env[i], (size_t)(equals - o->env[i]));
            name[equals - o->env[i]] = '\0';
            setenv(name, equals + 1, 1);
        }
        if (o && o->preload) {
            if (!library)
                _exit(125);
            setenv("LD_PRELOAD", library, 1);
            setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
        }
        if (o && o->file_size_limit > 0) {
            struct rlimit limit = {(rlim_t)o->file_size_limit, (rlim_t)o->file_size_limit};
            if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
                _exit(124);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits for a child: its exit status, or -(signal) when a signal ended it. */
static inline int test_wait(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    assert_true(WIFEXITED(status));
    /* 123 to 127: the child could not be set up (test_spawn_embolo). */
    assert_true(WEXITSTATUS(status) < 123 || WEXITSTATUS(status) > 127);
    return WEXITSTATUS(status);
}

static inline int test_run_embolo(const char *const *args, const test_spawn_options *o)
{
    return test_wait(test_spawn_embolo(args, o));
}

/* Fails unless the file holds exactly one line, and that line holds each needle (NULL-terminated). */
static inline void test_assert_one_line(const char *path, const char *const *needles)
{
    char *text = test_file_read(path, NULL);
    assert_non_null(text);
    size_t length = strlen(text);
    int one = length > 0 && text[length - 1] == '\n' && strchr(text, '\n') == text + length - 1;
    for (size_t i = 0; one && needles[i]; i++)
        one = strstr(text, needles[i]) != NULL;
    if (!one)
        print_error("stderr: %s", text);
    free(text);
    assert_true(one);
}

/* ---- Studies ---- */

#include <string.h>
#include "common/study.h"

/* The index of the study's variable called name; fails the test when there is none. */
static inline size_t test_variable_named(const study *s, const char *name)
{
    for (size_t v = 0; v < s->n_variables; v++)
        if (!strcmp(s->variables[v].name, name))
            return v;
    fail_msg("no variable %s", name);
    return 0;
}

#endif
