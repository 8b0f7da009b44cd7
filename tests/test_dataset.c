/* The dataset's ids: copies kept in blocks of text, each still intact after many more and after one
 * longer than a block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dataset.h"
#include "common/study.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_in_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
