/* The dataset's ids: copies kept in blocks of text, each still intact after many more and after one
 * longer than a block. Its values: a factor's as 2-byte level indices, a number's as a double. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dataset.h"
#include "common/study.h"
#include "testutil.h"

#define STUDY "tests/fixtures/data/net_sample_155.study.ini"
#define N_IDS 200000

static void test_ids_in_blocks(void **state)
{
    (void)state;
    char message[512], id[32];
    study *s = NULL;
    dataset *d = NULL;
    size_t long_length = 3u << 20;
    char *long_id = malloc(long_length + 1);
    assert_non_null(long_id);
    memset(long_id, 'x', long_length);
    long_id[long_length] = '\0';
    assert_int_equal(study_read(STUDY, &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(s, N_IDS, &d), EMBOLO_OK);
    for (size_t i = 0; i < N_IDS; i++) {
        if (i == N_IDS / 2) {
            assert_int_equal(dataset_set_id(d, i, long_id, long_length), EMBOLO_OK);
            continue;
        }
        int length = snprintf(id, sizeof id, "P%07zu", i);
        assert_int_equal(dataset_set_id(d, i, id, (size_t)length), EMBOLO_OK);
    }
    d->n = N_IDS;
    for (size_t i = 0; i < N_IDS; i++) {
        if (i == N_IDS / 2) {
            assert_string_equal(d->id[i], long_id);
            continue;
        }
        snprintf(id, sizeof id, "P%07zu", i);
        assert_string_equal(d->id[i], id);
    }
    assert_int_equal(dataset_set_id(d, 0, "with\0nul", 8), EMBOLO_OK);
    assert_memory_equal(d->id[0], "with\0nul", 9);
    dataset_free(d);
    study_free(s);
    free(long_id);
}

static void test_values_coded(void **state)
{
    (void)state;
    char message[512];
    study *s = NULL;
    dataset *d = NULL;
    assert_int_equal(study_read(STUDY, &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(s, 4, &d), EMBOLO_OK);
    size_t grade = test_variable_named(s, "grade"), age = test_variable_named(s, "age"), burden = test_variable_named(s, "burden");
    /* grade is categorical and burden is cut (both factors); age is a number. */
    assert_true(dataset_variable_is_coded(s, grade) && dataset_variable_is_coded(s, burden));
    assert_false(dataset_variable_is_coded(s, age));
    assert_non_null(d->code[grade]);
    assert_null(d->value[grade]);
    assert_non_null(d->value[age]);
    assert_null(d->code[age]);
    static const double levels[] = {2.0, NAN, 0.0, 1.0};
    static const double ages[] = {61.25, NAN, -0.0, 1e300};
    for (size_t i = 0; i < 4; i++) {
        dataset_set_value(d, grade, i, levels[i]);
        dataset_set_value(d, age, i, ages[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        double level = dataset_value(d, grade, i), years = dataset_value(d, age, i);
        assert_true(isnan(levels[i]) ? isnan(level) : level == levels[i]);
        assert_true(isnan(ages[i]) ? isnan(years) : years == ages[i]);
    }
    assert_int_equal(d->code[grade][1], DATASET_NO_CODE);
    assert_true(signbit(dataset_value(d, age, 2)));
    /* What is not a level index reads back as missing. */
    static const double not_levels[] = {-1.0, 0.5, 65535.0, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        dataset_set_value(d, grade, i, not_levels[i]);
        assert_true(isnan(dataset_value(d, grade, i)));
    }
    dataset_free(d);
    study_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_in_blocks),
        cmocka_unit_test(test_values_coded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
