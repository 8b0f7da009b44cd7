/* Fault injection: each output write and each rename fails in turn (through tests/fault_inject.c,
 * preloaded); every time the run must fail with exit 73, leave the earlier outputs in --out byte for
 * byte as they were, and leave no temporary file behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_FILES 32

typedef struct snapshot {
    char names[MAX_FILES][256];
    char *contents[MAX_FILES];
    size_t sizes[MAX_FILES];
    size_t n;
} snapshot;

static int name_compare(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Every file of dir, sorted by name, hidden ones included. */
static void snapshot_take(const char *dir, snapshot *s)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    assert_non_null(d);
    s->n = 0;
    while ((entry = readdir(d))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        assert_true(s->n < MAX_FILES);
        snprintf(s->names[s->n++], sizeof s->names[0], "%s", entry->d_name);
    }
    closedir(d);
    qsort(s->names, s->n, sizeof s->names[0], name_compare);
    for (size_t i = 0; i < s->n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, s->names[i]);
        s->contents[i] = test_file_read(path, &s->sizes[i]);
        assert_non_null(s->contents[i]);
    }
}

static void snapshot_free(snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->contents[i]);
    s->n = 0;
}

static void snapshot_assert_equal(const snapshot *want, const snapshot *got)
{
    for (size_t i = 0; i < got->n; i++)
        if (i >= want->n || strcmp(want->names[i], got->names[i]))
            print_error("unexpected file %s\n", got->names[i]);
    assert_int_equal(want->n, got->n);
    for (size_t i = 0; i < want->n; i++) {
        assert_string_equal(want->names[i], got->names[i]);
        assert_int_equal(want->sizes[i], got->sizes[i]);
        assert_memory_equal(want->contents[i], got->contents[i], want->sizes[i]);
    }
}

/* Runs `embolo run --out dir` with the fault library preloaded and variable=value; the exit status. */
static int run_with_fault(const char *dir, const char *variable, int nth)
{
    const char *binary = getenv("EMBOLO_BIN"), *library = getenv("EMBOLO_FAULT_LIB");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char value[32];
        snprintf(value, sizeof value, "%d", nth);
        if (variable) {
            setenv("LD_PRELOAD", library, 1);
            setenv(variable, value, 1);
            setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
        }
        if (!freopen("/dev/null", "w", stderr))
            _exit(127);
        /* The first run has another cut-off, so that an output replaced by a failed run would differ. */
        execl(binary, binary, "run", "--study", "tests/fixtures/data/net_sample_155.study.ini", "--input",
              "tests/fixtures/data/net_sample_155.csv", "--out", dir, "--quiet", "--as-of",
              variable ? "2030-01-01" : "2012-12-31", (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void check_each_failure(const char *variable)
{
    char dir[] = "/tmp/embolo-faults-XXXXXX";
    snapshot before, after;
    assert_non_null(getenv("EMBOLO_BIN"));
    assert_non_null(getenv("EMBOLO_FAULT_LIB"));
    assert_non_null(mkdtemp(dir));
    assert_int_equal(run_with_fault(dir, NULL, 0), 0);
    snapshot_take(dir, &before);
    assert_true(before.n >= 4);
    int failures = 0;
    for (int nth = 1; nth <= 12; nth++) {
        int code = run_with_fault(dir, variable, nth);
        if (code == 0)
            break;
        assert_int_equal(code, 73);
        failures++;
        snapshot_take(dir, &after);
        snapshot_assert_equal(&before, &after);
        snapshot_free(&after);
    }
    /* Every output file failed once. */
    assert_true(failures >= (int)before.n);
    for (size_t i = 0; i < before.n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, before.names[i]);
        unlink(path);
    }
    snapshot_free(&before);
    rmdir(dir);
}

static void test_each_output_open_fails_in_turn(void **state)
{
    (void)state;
    check_each_failure("EMBOLO_FAULT_OPEN");
}

static void test_each_rename_fails_in_turn(void **state)
{
    (void)state;
    check_each_failure("EMBOLO_FAULT_RENAME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_output_open_fails_in_turn),
        cmocka_unit_test(test_each_rename_fails_in_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
