/* The render stage's number formatting and paragraph buffer (stages/render/format.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "render/format.h"

static void test_numbers(void **state)
{
    char text[64];
    (void)state;
    format_number(text, sizeof text, 12.345, 1);
    assert_string_equal(text, "12.3");
    format_number(text, sizeof text, NAN, 2);
    assert_string_equal(text, "NA");
    format_number(text, sizeof text, 1e300, 1);
    assert_string_equal(text, "1e+300");
    format_p(text, sizeof text, 0.0004, 3);
    assert_string_equal(text, "<0.001");
    format_p(text, sizeof text, 0.0234, 3);
    assert_string_equal(text, "0.023");
}

static void test_estimate_with_a_missing_limit(void **state)
{
    char text[64];
    (void)state;
    format_estimate_ci(text, sizeof text, 125.1, 80.2, NAN, 1);
    assert_string_equal(text, "125.1 (80.2\xe2\x80\x93NA)");
    format_estimate_ci(text, sizeof text, -4.2, -10.8, 2.4, 1);
    assert_string_equal(text, "-4.2 (-10.8 to 2.4)");
}

static void test_paragraph_appends_and_stops_at_its_end(void **state)
{
    char text[16];
    paragraph p = {.text = text, .size = sizeof text};
    (void)state;
    paragraph_say(&p, "Of %d patients", 155);
    assert_string_equal(text, "Of 155 patients");
    assert_int_equal(p.used, 15);
    paragraph_say(&p, ", %d were analysed.", 150);
    assert_string_equal(text, "Of 155 patients");
    assert_int_equal(p.used, 15);
}

static void test_paragraph_cut_mid_sentence_stays_terminated(void **state)
{
    char text[10];
    paragraph p = {.text = text, .size = sizeof text};
    (void)state;
    paragraph_say(&p, "%s", "abc");
    paragraph_say(&p, "%s", "defghijklmnop");
    assert_string_equal(text, "abcdefghi");
    assert_int_equal(p.used, 9);
    paragraph_say(&p, "%s", "more");
    assert_string_equal(text, "abcdefghi");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_estimate_with_a_missing_limit),
        cmocka_unit_test(test_paragraph_appends_and_stops_at_its_end),
        cmocka_unit_test(test_paragraph_cut_mid_sentence_stays_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
