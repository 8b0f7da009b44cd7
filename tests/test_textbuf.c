/* The render stage's growing buffer: the bytes appended in order and NUL-terminated, growth past
 * the first allocation, and a failure that stays (appends after it do nothing). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "render/textbuf.h"

static void test_appends_in_order(void **state)
{
    (void)state;
    textbuf b = {0};
    textbuf_string(&b, "ab");
    textbuf_char(&b, ',');
    textbuf_bytes(&b, "cd\0ef", 5);
    assert_false(b.failed);
    assert_int_equal(b.n, 8);
    assert_memory_equal(b.data, "ab,cd\0ef", 9);
    textbuf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.n, 0);
}

static void test_grows_past_first_block(void **state)
{
    (void)state;
    textbuf b = {0};
    for (size_t i = 0; i < 100000; i++)
        textbuf_char(&b, (char)('a' + i % 26));
    assert_false(b.failed);
    assert_int_equal(b.n, 100000);
    assert_true(b.capacity > b.n);
    assert_int_equal(b.data[b.n], '\0');
    for (size_t i = 0; i < 100000; i += 997)
        assert_int_equal(b.data[i], 'a' + i % 26);
    textbuf_free(&b);
}

static void test_failure_stays(void **state)
{
    (void)state;
    textbuf b = {0};
    textbuf_string(&b, "kept");
    assert_int_equal(textbuf_reserve(&b, SIZE_MAX - 2), 0);
    assert_true(b.failed);
    textbuf_string(&b, "lost");
    textbuf_char(&b, 'x');
    assert_int_equal(textbuf_reserve(&b, 1), 0);
    assert_int_equal(b.n, 4);
    assert_string_equal(b.data, "kept");
    textbuf_free(&b);
    assert_false(b.failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_in_order),
        cmocka_unit_test(test_grows_past_first_block),
        cmocka_unit_test(test_failure_stays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
