/* The plain-text files (stages/render/files.c): patients.csv written by one thread and with a second
 * thread formatting every other block of lines is the same file, byte for byte, on a cohort of several
 * blocks with missing values, cut variables, dates and a last block cut short. */
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
#include "render/files.h"
#include "render/template.h"
#include "testutil.h"

#define STUDY "tests/fixtures/data/net_sample_155.study.ini"
#define N_ROWS 300001

/* A value of variable v for row i: missing now and then, a level index for a factor. */
static double synthetic_value(const study_variable *v, size_t i)
{
    if ((i * 7 + 3) % 97 == 0)
        return NAN;
    if (study_variable_is_factor(v))
        return (double)((i * 31 + 5) % v->n_levels);
    return 18.0 + (double)((i * 13) % 8200) / 100.0;
}

static void dataset_fill(dataset *d, const study *s)
{
    char id[32];
    d->n = d->rows_read = N_ROWS;
    for (size_t i = 0; i < N_ROWS; i++) {
        d->record[i] = i + 1;
        int length = snprintf(id, sizeof id, i % 1000 == 0 ? "=P%zu" : "NET-%07zu", i);
        assert_int_equal(dataset_set_id(d, i, id, (size_t)length), EMBOLO_OK);
        for (size_t e = 0; e < s->n_endpoints; e++) {
            d->time[e][i] = i % 501 == 0 ? NAN : (double)(i % 3000) / 7.0;
            d->event[e][i] = i % 501 == 0 ? -1 : (int)(i % 3 == 0);
        }
        for (size_t v = 0; v < s->n_variables; v++) {
            dataset_set_value(d, v, i, synthetic_value(&s->variables[v], i));
            if (d->cut_number[v])
                d->cut_number[v][i] = (double)(i % 100);
        }
        for (size_t k = 0; k < d->n_dates; k++)
            d->date_day[k][i] = i % 89 == 0 ? DATASET_NO_DAY : (int32_t)(12000 + i % 9000);
    }
}

static char *patients_text(const render_input *in, int parallel, size_t *size)
{
    char *text = NULL;
    FILE *memory = open_memstream(&text, size);
    assert_non_null(memory);
    assert_int_equal(files_write_patients_with(memory, in, parallel), 1);
    assert_int_equal(fclose(memory), 0);
    return text;
}

static void test_patients_in_parallel_same_bytes(void **state)
{
    (void)state;
    char message[512];
    study *s = NULL;
    dataset *d = NULL;
    report_template *t = NULL;
    assert_int_equal(study_read(STUDY, &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(s, N_ROWS, &d), EMBOLO_OK);
    assert_int_equal(template_default(&t), EMBOLO_OK);
    dataset_fill(d, s);
    render_input in = {.study = s, .data = d, .template = t};
    size_t one_size = 0, two_size = 0;
    char *one = patients_text(&in, 0, &one_size), *two = patients_text(&in, 1, &two_size);
    assert_true(one_size > (size_t)N_ROWS * 40);
    assert_int_equal(one_size, two_size);
    assert_memory_equal(one, two, one_size);
    size_t lines = 0;
    for (size_t k = 0; k < one_size; k++)
        lines += one[k] == '\n';
    assert_int_equal(lines, N_ROWS + 1);
    /* The last line is the last record's, and a guarded id stays guarded. */
    assert_non_null(strstr(one, "\n1001,\"'=P1000\","));
    const char *last = one + one_size - 1;
    while (last > one && last[-1] != '\n')
        last--;
    static const char last_start[] = "300001,\"'=P300000\",";
    if (strncmp(last, last_start, strlen(last_start)) != 0)
        print_error("last line: %.60s\n", last);
    assert_int_equal(strncmp(last, last_start, strlen(last_start)), 0);
    assert_non_null(strstr(one, "\n1000,\"NET-0000999\","));
    free(one);
    free(two);
    template_free(t);
    dataset_free(d);
    study_free(s);
}

/* Cells as the CSV rules write them: a quote doubled, a number id bare of any guard, a formula-like id
 * guarded, missing values NA, an exact-integer time and a fraction at 12 digits. */
static void test_patients_cells(void **state)
{
    (void)state;
    char message[512];
    study *s = NULL;
    dataset *d = NULL;
    report_template *t = NULL;
    static const char *const ids[] = {"a\"b", "123", "-x"};
    assert_int_equal(study_read(STUDY, &s, message, sizeof message), EMBOLO_OK);
    assert_int_equal(dataset_new(s, 3, &d), EMBOLO_OK);
    assert_int_equal(template_default(&t), EMBOLO_OK);
    d->n = d->rows_read = 3;
    for (size_t i = 0; i < 3; i++) {
        d->record[i] = 10 * i + 7;
        assert_int_equal(dataset_set_id(d, i, ids[i], strlen(ids[i])), EMBOLO_OK);
        for (size_t e = 0; e < s->n_endpoints; e++) {
            d->time[e][i] = i == 0 ? 12.0 : i == 1 ? 1.0 / 3.0 : NAN;
            d->event[e][i] = i == 2 ? -1 : (int)i;
        }
        for (size_t v = 0; v < s->n_variables; v++)
            dataset_set_value(d, v, i, NAN);
        for (size_t k = 0; k < d->n_dates; k++)
            d->date_day[k][i] = i == 1 ? (int32_t)k : DATASET_NO_DAY;
    }
    render_input in = {.study = s, .data = d, .template = t};
    size_t size = 0;
    char *text = patients_text(&in, 0, &size);
    assert_non_null(strstr(text, "\n7,\"a\"\"b\",12,0,"));
    assert_non_null(strstr(text, "\n17,\"123\",0.333333333333,1,"));
    assert_non_null(strstr(text, "\n27,\"'-x\",NA,NA,"));
    assert_non_null(strstr(text, ",NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,1970-01-01,1970-01-02,1970-01-03,1970-01-04\n"));
    assert_int_equal(text[size - 1], '\n');
    free(text);
    template_free(t);
    dataset_free(d);
    study_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patients_in_parallel_same_bytes),
        cmocka_unit_test(test_patients_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
