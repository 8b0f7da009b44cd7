/* The results table: lookups by key through its index, first line wins, appends stay findable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/results.h"

static void test_every_line_is_found(void **state)
{
    (void)state;
    results *r = results_new();
    char stat[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(stat, sizeof stat, "s%d", i);
        assert_int_equal(results_add(r, "km", "os", "unweighted", "grade", "G1", stat, (double)i), EMBOLO_OK);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(stat, sizeof stat, "s%d", i);
        assert_true(results_value(r, "km", "os", "unweighted", "grade", "G1", stat) == (double)i);
    }
    assert_true(isnan(results_value(r, "km", "os", "unweighted", "grade", "G2", "s1")));
    results_free(r);
}

static void test_first_line_wins_and_null_is_empty(void **state)
{
    (void)state;
    results *r = results_new();
    assert_true(isnan(results_value(r, "cox", "", "", "", "", "n")));
    assert_int_equal(results_add(r, "cox", "os", "multivariable", NULL, NULL, "n", 1.0), EMBOLO_OK);
    assert_int_equal(results_add(r, "cox", "os", "multivariable", "", "", "n", 2.0), EMBOLO_OK);
    assert_true(results_value(r, "cox", "os", "multivariable", "", NULL, "n") == 1.0);
    assert_true(isnan(results_value(NULL, "cox", "os", "multivariable", "", "", "n")));
    results_free(r);
}

static void test_appended_lines_are_found(void **state)
{
    (void)state;
    results *a = results_new(), *b = results_new();
    char stat[32];
    assert_int_equal(results_add(a, "km", "hpfs", "", "all", "", "n", 155.0), EMBOLO_OK);
    for (int i = 0; i < 1000; i++) {
        snprintf(stat, sizeof stat, "s%d", i);
        assert_int_equal(results_add(b, "km", "os", "", "all", "", stat, (double)i), EMBOLO_OK);
    }
    assert_int_equal(results_add(b, "km", "hpfs", "", "all", "", "n", -1.0), EMBOLO_OK);
    assert_int_equal(results_append(a, b), EMBOLO_OK);
    assert_int_equal(a->n, 1002);
    assert_int_equal(b->n, 0);
    assert_true(results_value(a, "km", "os", "", "all", "", "s999") == 999.0);
    assert_true(results_value(a, "km", "hpfs", "", "all", "", "n") == 155.0);
    results_free(a);
    results_free(b);
}

/* A warning about a subject: its text names the keys that apply; its parts keep them apart; plain
 * warnings have no parts; appending moves both. */
static void test_warnings_keep_their_subject(void **state)
{
    (void)state;
    results *a = results_new(), *b = results_new();
    assert_int_equal(results_warn(a, "plain %d", 1), EMBOLO_OK);
    assert_int_equal(results_warn_about(b, (result_subject){"os", "multivariable", "grade", "G3"}, "%d events", 4),
                     EMBOLO_OK);
    assert_int_equal(results_warn_about(b, (result_subject){.variable = "burden", .level = "<=50"}, "unbalanced"),
                     EMBOLO_OK);
    assert_int_equal(results_append(a, b), EMBOLO_OK);
    assert_int_equal(a->n_warnings, 3);
    assert_int_equal(b->n_warnings, 0);
    assert_string_equal(a->warnings[0], "plain 1");
    assert_null(a->warning_parts[0].message);
    assert_string_equal(a->warnings[1], "os multivariable grade G3: 4 events");
    assert_string_equal(a->warning_parts[1].model, "multivariable");
    assert_string_equal(a->warning_parts[1].message, "4 events");
    assert_string_equal(a->warnings[2], "burden <=50: unbalanced");
    assert_string_equal(a->warning_parts[2].endpoint, "");
    assert_string_equal(a->warning_parts[2].level, "<=50");
    results_free(a);
    results_free(b);
}

/* A count hidden under share: value NAN, its bound kept; results_find gives the line. */
static void test_hidden_counts_and_find(void **state)
{
    (void)state;
    results *r = results_new();
    assert_null(results_find(r, "changes", "", "patients", "all", "", "new"));
    assert_int_equal(results_add(r, "changes", "", "patients", "all", "", "matched", 114.0), EMBOLO_OK);
    assert_int_equal(results_add_hidden(r, "changes", "", "patients", "all", "", "new", 5), EMBOLO_OK);
    const result_row *hidden = results_find(r, "changes", "", "patients", "all", "", "new");
    const result_row *shown = results_find(r, "changes", NULL, "patients", "all", NULL, "matched");
    assert_non_null(hidden);
    assert_non_null(shown);
    assert_int_equal(hidden->below, 5);
    assert_true(isnan(hidden->value));
    assert_int_equal(shown->below, 0);
    assert_true(shown->value == 114.0);
    assert_true(isnan(results_value(r, "changes", "", "patients", "all", "", "new")));
    assert_null(results_find(NULL, "changes", "", "patients", "all", "", "new"));
    results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_line_is_found),
        cmocka_unit_test(test_first_line_wins_and_null_is_empty),
        cmocka_unit_test(test_appended_lines_are_found),
        cmocka_unit_test(test_warnings_keep_their_subject),
        cmocka_unit_test(test_hidden_counts_and_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
