/* The error enum (stages/common/error.h): a message for every code and the sysexits status that
 * outputs.md gives each kind of failure (64 usage, 65 data, 66 missing file, 70 internal, 73 output). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "testutil.h"
#include "common/error.h"

static void test_every_code_has_its_own_message(void **state)
{
    (void)state;
    for (int e = EMBOLO_OK; e < EMBOLO_ERROR_COUNT; e++) {
        const char *message = embolo_error_message((embolo_error)e);
        assert_non_null(message);
        if (message[0] == '\0' || strcmp(message, "unknown error") == 0)
            print_error("code %d has no message of its own\n", e);
        assert_true(message[0] != '\0');
        assert_string_not_equal(message, "unknown error");
        /* One line, no trailing newline: main() prints it after "embolo: ". */
        assert_null(strchr(message, '\n'));
        for (int k = EMBOLO_OK; k < e; k++)
            assert_string_not_equal(message, embolo_error_message((embolo_error)k));
    }
}

static void test_out_of_range_codes(void **state)
{
    (void)state;
    assert_string_equal(embolo_error_message(EMBOLO_ERROR_COUNT), "unknown error");
    assert_string_equal(embolo_error_message((embolo_error)-1), "unknown error");
    assert_string_equal(embolo_error_message((embolo_error)1000), "unknown error");
    assert_int_equal(embolo_error_exit_code(EMBOLO_ERROR_COUNT), 70);
    assert_int_equal(embolo_error_exit_code((embolo_error)-1), 70);
    assert_int_equal(embolo_error_exit_code((embolo_error)1000), 70);
}

static void test_exit_codes_as_specified(void **state)
{
    (void)state;
    static const struct {
        embolo_error err;
        int code;
    } expected[] = {
        {EMBOLO_OK, 0},
        {EMBOLO_ERROR_USAGE, 64},
        {EMBOLO_ERROR_STUDY, 65},
        {EMBOLO_ERROR_TEMPLATE, 65},
        {EMBOLO_ERROR_DATA, 65},
        {EMBOLO_ERROR_TOO_LARGE, 65},
        {EMBOLO_ERROR_FILE_NOT_FOUND, 66},
        {EMBOLO_ERROR_NOMEM, 70},
        {EMBOLO_ERROR_NUMERIC, 70},
        {EMBOLO_ERROR_INVALID_ARGUMENT, 70},
        {EMBOLO_ERROR_INTERNAL, 70},
        {EMBOLO_ERROR_OUTPUT, 73},
    };
    size_t n = sizeof expected / sizeof expected[0];
    /* The table covers every code. */
    assert_int_equal(n, (size_t)EMBOLO_ERROR_COUNT);
    for (size_t i = 0; i < n; i++) {
        if (embolo_error_exit_code(expected[i].err) != expected[i].code)
            print_error("%s: exit %d, want %d\n", embolo_error_message(expected[i].err),
                        embolo_error_exit_code(expected[i].err), expected[i].code);
        assert_int_equal(embolo_error_exit_code(expected[i].err), expected[i].code);
    }
}

/* Every failure ends with a sysexits status (64..78), never 0 or a shell-reserved one. */
static void test_failures_use_sysexits_range(void **state)
{
    (void)state;
    for (int e = EMBOLO_OK + 1; e < EMBOLO_ERROR_COUNT; e++) {
        int code = embolo_error_exit_code((embolo_error)e);
        assert_in_range(code, 64, 78);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_its_own_message),
        cmocka_unit_test(test_out_of_range_codes),
        cmocka_unit_test(test_exit_codes_as_specified),
        cmocka_unit_test(test_failures_use_sysexits_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
