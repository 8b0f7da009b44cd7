/* Fault injection (tests/fault_inject.c, preloaded): each creation of an output file, each flush to
 * the disk and the publishing rename fail in turn, a library cannot open its file, the file size limit
 * is reached. Every time the run must fail with exit 73 and one line naming the file and the system's
 * reason, leave the earlier set in --out byte for byte as it was, and leave nothing beside it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define STUDY "tests/fixtures/data/net_sample_155.study.ini"
#define INPUT "tests/fixtures/data/net_sample_155.csv"
#define TEMPLATE "tests/fixtures/templates/faults.ini"

typedef struct scratch {
    char dir[64];
    char out[128];
    char err[128];
} scratch;

static int scratch_setup(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/embolo-faults-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    snprintf(s->out, sizeof s->out, "%s/out", s->dir);
    snprintf(s->err, sizeof s->err, "%s.err", s->dir);
    *state = s;
    return 0;
}

static int scratch_teardown(void **state)
{
    scratch *s = *state;
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s' '%s'", s->dir, s->err);
    int removed = system(command);
    free(s);
    return removed == 0 ? 0 : -1;
}

/* `embolo run` into s->out; as_of tells the runs apart (an output replaced by a failed run would differ). */
static int run_once(const scratch *s, const char *as_of, const char *const *env, long file_size_limit)
{
    const char *args[] = {"run", "--study", STUDY, "--input", INPUT, "--template", TEMPLATE, "--out", s->out, "--quiet",
                          "--as-of", as_of, NULL};
    test_spawn_options o = {.env = env, .preload = env != NULL, .stderr_path = s->err,
                            .file_size_limit = file_size_limit};
    return test_run_embolo(args, &o);
}

/* --out as the first run left it, and nothing else beside it. */
static void assert_untouched(const scratch *s, const test_set *before)
{
    static const char *const only_out[] = {"out", NULL};
    test_set after;
    test_set_take(s->out, &after);
    int same = test_set_equal(before, &after, NULL);
    test_set_free(&after);
    assert_true(same);
    assert_true(test_dir_holds_only(s->dir, only_out));
}

/* Makes the Nth call of variable's kind fail, N = 1, 2, ... until a run succeeds; every failure leaves
 * --out untouched and says reason. */
static void check_each_failure(void **state, const char *variable, int min_failures, const char *reason)
{
    scratch *s = *state;
    test_set before;
    /* Under valgrind (every run traced, some seconds each) only the first failure of each kind. */
    int last = test_under_valgrind() ? 1 : 16;
    assert_int_equal(run_once(s, "2012-12-31", NULL, 0), 0);
    test_set_take(s->out, &before);
    assert_int_equal(before.n, 8);
    int failures = 0, code = 73;
    for (int nth = 1; nth <= last && code != 0; nth++) {
        char setting[64];
        snprintf(setting, sizeof setting, "%s=%d", variable, nth);
        const char *env[] = {setting, NULL};
        code = run_once(s, "2030-01-01", env, 0);
        if (code == 0)
            break;
        assert_int_equal(code, 73);
        const char *needles[] = {"embolo: ", s->out, reason, NULL};
        test_assert_one_line(s->err, needles);
        assert_untouched(s, &before);
        failures++;
    }
    test_set_free(&before);
    if (last == 1)
        return;
    assert_int_equal(code, 0);
    assert_true(failures >= min_failures);
}

/* The four text files, the three documents, the three figure files and figures/index.csv are created:
 * eleven failures (figures/ itself is made, not opened). */
static void test_each_output_creation_fails_in_turn(void **state)
{
    check_each_failure(state, "EMBOLO_FAULT_OPEN", 11, "No space left on device");
}

/* Four text files, three documents, four files of figures/ and the set's directory are flushed to the
 * disk before publishing. */
static void test_each_flush_to_disk_fails_in_turn(void **state)
{
    check_each_failure(state, "EMBOLO_FAULT_FSYNC", 12, "Input/output error");
}

/* One rename publishes the set. */
static void test_the_publishing_rename_fails(void **state)
{
    check_each_failure(state, "EMBOLO_FAULT_RENAME", 1, "Input/output error");
}

/* libxlsxwriter prints its own error lines; the user sees one line naming the file and the reason. */
static void check_library_cannot_open(void **state, const char *suffix, const char *file)
{
    scratch *s = *state;
    test_set before;
    char setting[64];
    assert_int_equal(run_once(s, "2012-12-31", NULL, 0), 0);
    test_set_take(s->out, &before);
    snprintf(setting, sizeof setting, "EMBOLO_FAULT_LIBRARY_OPEN=%s", suffix);
    const char *env[] = {setting, NULL};
    assert_int_equal(run_once(s, "2030-01-01", env, 0), 73);
    const char *needles[] = {file, "No space left on device", NULL};
    test_assert_one_line(s->err, needles);
    char *text = test_file_read(s->err, NULL);
    int quiet_library = text && !strstr(text, "[ERROR]");
    free(text);
    assert_true(quiet_library);
    assert_untouched(s, &before);
    test_set_free(&before);
}

static void test_workbook_cannot_be_opened(void **state)
{
    check_library_cannot_open(state, ".xlsx", "/out/tables.xlsx: cannot write");
}

static void test_report_cannot_be_opened(void **state)
{
    check_library_cannot_open(state, ".pdf", "/out/report.pdf: cannot write");
}

static void test_word_tables_cannot_be_opened(void **state)
{
    check_library_cannot_open(state, ".docx", "/out/tables.docx: cannot write");
}

/* A file size limit (ulimit -f) below the report's size: "File too large", not a killed process. */
static void test_file_size_limit(void **state)
{
    scratch *s = *state;
    test_set before;
    assert_int_equal(run_once(s, "2012-12-31", NULL, 0), 0);
    test_set_take(s->out, &before);
    assert_int_equal(run_once(s, "2030-01-01", NULL, 100 * 1024), 73);
    const char *needles[] = {"/out/", "File too large", NULL};
    test_assert_one_line(s->err, needles);
    assert_untouched(s, &before);
    test_set_free(&before);
}

/* Without renameat2 (EINVAL, as some file systems answer) the set is published by two renames. */
static void test_publish_without_rename_exchange(void **state)
{
    scratch *s = *state;
    static const char *const only_out[] = {"out", NULL};
    const char *env[] = {"EMBOLO_FAULT_NO_EXCHANGE=1", NULL};
    test_set first, second;
    assert_int_equal(run_once(s, "2012-12-31", env, 0), 0);
    test_set_take(s->out, &first);
    assert_int_equal(first.n, 8);
    assert_int_equal(run_once(s, "2030-01-01", env, 0), 0);
    test_set_take(s->out, &second);
    assert_int_equal(second.n, 8);
    /* The second run's set replaced the first's (another cut-off, other results). */
    assert_string_equal(first.names[5], "results.csv");
    assert_true(first.sizes[5] != second.sizes[5] || memcmp(first.contents[5], second.contents[5], first.sizes[5]));
    assert_true(test_dir_holds_only(s->dir, only_out));
    test_set_free(&first);
    test_set_free(&second);
}

int main(void)
{
#define FAULT_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        FAULT_TEST(test_each_output_creation_fails_in_turn),
        FAULT_TEST(test_each_flush_to_disk_fails_in_turn),
        FAULT_TEST(test_the_publishing_rename_fails),
        FAULT_TEST(test_workbook_cannot_be_opened),
        FAULT_TEST(test_report_cannot_be_opened),
        FAULT_TEST(test_word_tables_cannot_be_opened),
        FAULT_TEST(test_file_size_limit),
        FAULT_TEST(test_publish_without_rename_exchange),
    };
#undef FAULT_TEST
    if (!getenv("EMBOLO_BIN") || !getenv("EMBOLO_FAULT_LIB"))
        fprintf(stderr, "test_faults: EMBOLO_BIN and EMBOLO_FAULT_LIB must be set: every test fails\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
