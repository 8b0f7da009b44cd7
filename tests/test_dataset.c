/* The dataset's ids: copies kept in blocks of text, each still intact after many more and after one
 * longer than a block. Its values: a factor's as 2-byte level indices, a number's as a double.
 * Windows on a dataset's rows (dataset_window_new, dataset_window_join) and exclusion_log_append. */
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

/* Row i of a dataset with every per-row array filled from base + i. */
static void fill_row(dataset *d, size_t i, size_t base)
{
    const study *s = d->study;
    char id[32];
    double x = (double)(base + i);
    int length = snprintf(id, sizeof id, "P%zu", base + i);
    assert_int_equal(dataset_set_id(d, i, id, (size_t)length), EMBOLO_OK);
    d->record[i] = base + i + 1;
    for (size_t e = 0; e < s->n_endpoints; e++) {
        d->time[e][i] = x / 3.0;
        d->event[e][i] = (int)((base + i) % 3) - 1;
        d->start_day[e][i] = (int32_t)(base + i);
        d->end_day[e][i] = (int32_t)(base + i + e + 7);
    }
    for (size_t v = 0; v < s->n_variables; v++) {
        dataset_set_value(d, v, i, (double)((base + i + v) % 2));
        if (d->cut_number[v])
            d->cut_number[v][i] = x + 0.5;
    }
    for (size_t k = 0; k < d->n_dates; k++)
        d->date_day[k][i] = (int32_t)(base + i + k);
}

/* n rows from base into d (a dataset or a window) with its counts. */
static void fill(dataset *d, size_t n, size_t base)
{
    const study *s = d->study;
    for (size_t i = 0; i < n; i++)
        fill_row(d, i, base);
    d->n = n;
    d->rows_read = n + 2;
    for (size_t v = 0; v < s->n_variables; v++)
        d->missing[v] = base + v;
    for (size_t e = 0; e < s->n_endpoints; e++)
        d->tally[e] = (endpoint_tally){.analysed = base + 1, .events = base + 2, .event_values = 3, .censor_values = 4};
    d->has_newest_date = 1;
    d->newest_date = 20000 - (long)base;
}

static void assert_rows_equal(const dataset *a, const dataset *want, size_t n)
{
    const study *s = a->study;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a->id[i], want->id[i]);
        assert_int_equal(a->record[i], want->record[i]);
        for (size_t e = 0; e < s->n_endpoints; e++) {
            assert_memory_equal(&a->time[e][i], &want->time[e][i], sizeof a->time[e][i]);
            assert_int_equal(a->event[e][i], want->event[e][i]);
            assert_int_equal(a->start_day[e][i], want->start_day[e][i]);
            assert_int_equal(a->end_day[e][i], want->end_day[e][i]);
        }
        for (size_t v = 0; v < s->n_variables; v++) {
            assert_true(dataset_value(a, v, i) == dataset_value(want, v, i));
            if (a->cut_number[v])
                assert_true(a->cut_number[v][i] == want->cut_number[v][i]);
        }
        for (size_t k = 0; k < a->n_dates; k++)
            assert_int_equal(a->date_day[k][i], want->date_day[k][i]);
    }
}

/* A window filled apart from its dataset's first rows, then joined: the rows of both in order, every
 * per-row array, the ids' text kept, the counts summed, the newest date the later; a window whose
 * offset the dataset's rows pass refused, and one on a dataset with weights. */
static void test_window(void **state)
{
    (void)state;
    char message[512];
    study *s = NULL;
    dataset *whole = NULL, *window = NULL, *want = NULL;
    assert_int_equal(study_read(STUDY, &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(s, 12, &whole), EMBOLO_OK);
    assert_int_equal(dataset_new(s, 8, &want), EMBOLO_OK);
    assert_int_equal(dataset_window_new(whole, 6, &window), EMBOLO_OK);
    fill(whole, 5, 0);
    fill(window, 3, 5);
    fill(want, 8, 0);
    assert_int_equal(window->rows_read, 5);
    assert_int_equal(whole->record[6], 6);
    assert_int_equal(dataset_window_join(whole, window), EMBOLO_OK);
    assert_int_equal(window->n, 0);
    dataset_free(window);
    assert_int_equal(whole->n, 8);
    assert_int_equal(whole->rows_read, 7 + 5);
    assert_true(whole->n_dates > 0);
    assert_rows_equal(whole, want, 8);
    for (size_t v = 0; v < s->n_variables; v++)
        assert_int_equal(whole->missing[v], 5 + 2 * v);
    for (size_t e = 0; e < s->n_endpoints; e++) {
        assert_int_equal(whole->tally[e].analysed, 1 + 6);
        assert_int_equal(whole->tally[e].events, 2 + 7);
        assert_int_equal(whole->tally[e].event_values, 6);
        assert_int_equal(whole->tally[e].censor_values, 8);
    }
    assert_int_equal(whole->newest_date, 20000);
    assert_int_equal(dataset_window_new(whole, 9, &window), EMBOLO_OK);
    window->has_newest_date = 1;
    window->newest_date = 20001;
    assert_int_equal(dataset_window_join(whole, window), EMBOLO_OK);
    assert_int_equal(whole->newest_date, 20001);
    dataset_free(window);
    assert_int_equal(dataset_window_new(whole, 7, &window), EMBOLO_OK);
    assert_int_equal(dataset_window_join(whole, window), EMBOLO_ERROR_INVALID_ARGUMENT);
    dataset_free(window);
    assert_int_equal(whole->n, 8);
    assert_rows_equal(whole, want, 8);
    assert_non_null(whole->weight = calloc(12, sizeof *whole->weight));
    assert_int_equal(dataset_window_new(whole, 9, &window), EMBOLO_ERROR_INVALID_ARGUMENT);
    assert_null(window);
    dataset_free(whole);
    dataset_free(want);
    study_free(s);
}

/* exclusion_log_append moves the lines in order; the source keeps its unmatched values. */
static void test_log_append(void **state)
{
    (void)state;
    exclusion_log *a = exclusion_log_new(), *b = exclusion_log_new();
    size_t index;
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < 70; i++)
        assert_int_equal(exclusion_log_add(a, i + 1, "A", "row", "E_MISSING_ID", NULL, NULL, 0, "m"), EMBOLO_OK);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(exclusion_log_add(b, 71 + i, "B", "value", "W_INVALID_VALUE", "age", "x\0y", 3, "w"),
                         EMBOLO_OK);
    assert_int_equal(exclusion_log_add_unmatched(b, 2, "x", 1, &index), EMBOLO_OK);
    assert_int_equal(exclusion_log_append(a, b), EMBOLO_OK);
    assert_int_equal(a->n, 170);
    assert_int_equal(b->n, 0);
    for (size_t i = 0; i < 170; i++) {
        assert_int_equal(a->items[i].row, i + 1);
        assert_string_equal(a->items[i].id, i < 70 ? "A" : "B");
        assert_string_equal(a->items[i].column, i < 70 ? "" : "age");
    }
    assert_memory_equal(a->items[169].value, "x\0y", 4);
    assert_int_equal(a->n_unmatched, 0);
    assert_int_equal(b->n_unmatched, 1);
    exclusion_log_free(a);
    exclusion_log_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_in_blocks),
        cmocka_unit_test(test_values_coded),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_log_append),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
