/* The results.csv key constructors (stages/common/keys.h): the names results-csv.md gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "testutil.h"
#include "common/keys.h"

static void test_model_names(void **state)
{
    char buffer[KEY_SIZE];
    (void)state;
    assert_string_equal(key_univariate(buffer, "grade"), "univariate:grade");
    assert_string_equal(key_univariate_variable(buffer), "grade");
    assert_null(key_univariate_variable("multivariable"));
    assert_null(key_univariate_variable("weighted_univariate"));
    assert_string_equal(key_model_of(buffer, "finegray_univariate", "ph.ecog"), "finegray_univariate:ph.ecog");
    assert_string_equal(key_model_within(buffer, "subgroup", "grade", "G3"), "subgroup:grade=G3");
    assert_string_equal(key_model_within(buffer, "weighted_subgroup", "burden", "<=50"),
                        "weighted_subgroup:burden=<=50");
}

static void test_stat_names(void **state)
{
    char buffer[KEY_SIZE];
    (void)state;
    assert_string_equal(key_stat_at(buffer, "surv_lower", "24"), "surv_lower@24");
    assert_string_equal(key_stat_at(buffer, "cif", "0.5"), "cif@0.5");
    assert_string_equal(key_stat_at_index(buffer, "grade", 3), "grade@3");
    assert_string_equal(key_stat_at_index(buffer, "signal_t", 12), "signal_t@12");
}

static void test_long_names_are_cut_inside_the_buffer(void **state)
{
    char buffer[KEY_SIZE], name[2 * KEY_SIZE];
    (void)state;
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    assert_int_equal(strlen(key_univariate(buffer, name)), KEY_SIZE - 1);
    assert_memory_equal(buffer, "univariate:x", 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_names),
        cmocka_unit_test(test_stat_names),
        cmocka_unit_test(test_long_names_are_cut_inside_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
