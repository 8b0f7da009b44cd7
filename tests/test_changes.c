/* The change set (common/changes.h): items dated against the previous cut-off, counts, share's empty
 * lists, kind names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "common/changes.h"

static void test_items_are_dated_against_the_cutoff(void **state)
{
    (void)state;
    change_set *c = change_set_new();
    assert_non_null(c);
    c->has_cutoff = 1;
    c->cutoff = 100;
    assert_int_equal(change_set_add(c, CHANGE_EVENT_NEW, "P1", "os", NULL, NULL, 131), EMBOLO_OK);
    assert_int_equal(change_set_add(c, CHANGE_EVENT_NEW, "P2", "os", "", "", 100), EMBOLO_OK);
    assert_int_equal(change_set_add(c, CHANGE_VALUE, "P3", "grade", "G1", "G2", CHANGE_NO_DAY), EMBOLO_OK);
    assert_int_equal(c->n_items, 3);
    assert_int_equal(c->items[0].after_previous, 1);
    assert_int_equal(c->items[0].days_from_previous, 31);
    assert_string_equal(c->items[0].old_value, "");
    assert_int_equal(c->items[1].after_previous, 0);
    assert_int_equal(c->items[1].days_from_previous, 0);
    assert_int_equal(c->items[2].after_previous, -1);
    assert_string_equal(c->items[2].new_value, "G2");
    assert_int_equal(change_set_count(c, CHANGE_EVENT_NEW, NULL), 2);
    assert_int_equal(change_set_count(c, CHANGE_EVENT_NEW, "hpfs"), 0);
    assert_int_equal(change_set_count(c, CHANGE_VALUE, "grade"), 1);
    change_set_free(c);
}

static void test_without_a_cutoff_items_are_undated(void **state)
{
    (void)state;
    change_set *c = change_set_new();
    assert_int_equal(change_set_add(c, CHANGE_PROCEDURE_NEW, "P1", "", "", "2", 5000), EMBOLO_OK);
    assert_int_equal(c->items[0].after_previous, -1);
    assert_int_equal(c->items[0].day, 5000);
    change_set_free(c);
}

static void test_lists_grow_and_clear(void **state)
{
    (void)state;
    change_set *c = change_set_new();
    for (int i = 0; i < 1000; i++)
        assert_int_equal(change_set_add(c, CHANGE_PATIENT_NEW, "P", "", "", "", CHANGE_NO_DAY), EMBOLO_OK);
    change_estimate e = {.endpoint = "os", .model = "km:unweighted", .variable = "all", .level = "",
                         .previous = 10, .current = 12, .current_lower = 11, .current_upper = 14, .change = 2,
                         .outside = 1};
    for (int i = 0; i < 100; i++)
        assert_int_equal(change_set_add_estimate(c, &e), EMBOLO_OK);
    assert_string_equal(c->estimates[99].model, "km:unweighted");
    assert_true(c->estimates[99].model != e.model);
    assert_int_equal(c->n_items, 1000);
    change_set_clear_lists(c);
    assert_int_equal(c->n_items, 0);
    assert_int_equal(c->n_estimates, 0);
    change_set_free(c);
    change_set_free(NULL);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(change_kind_name(CHANGE_PATIENT_GONE), "patient_no_longer_present");
    assert_string_equal(change_kind_name(CHANGE_PROCEDURE_GRADE), "procedure_grade");
    for (int k = 0; k < CHANGE_KIND_COUNT; k++)
        assert_true(strlen(change_kind_name((change_kind)k)) > 0);
    assert_string_equal(change_kind_name(CHANGE_KIND_COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_are_dated_against_the_cutoff),
        cmocka_unit_test(test_without_a_cutoff_items_are_undated),
        cmocka_unit_test(test_lists_grow_and_clear),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
