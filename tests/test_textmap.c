/* The text map (stages/common/textmap.h): the first value of a key is kept, look-ups, and growth far
 * beyond the size it was made for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/textmap.h"

static void test_first_value_is_kept(void **state)
{
    (void)state;
    text_map map;
    size_t stored = 0;
    assert_int_equal(text_map_init(&map, 4), EMBOLO_OK);
    assert_int_equal(text_map_insert(&map, "net-00001", 3, &stored), EMBOLO_OK);
    assert_int_equal(stored, 3);
    assert_int_equal(text_map_insert(&map, "net-00001", 9, &stored), EMBOLO_OK);
    assert_int_equal(stored, 3);
    assert_int_equal(text_map_find(&map, "net-00001"), 3);
    assert_int_equal(text_map_find(&map, "NET-00001"), TEXT_MAP_NONE);
    assert_int_equal(text_map_find(&map, ""), TEXT_MAP_NONE);
    assert_int_equal(text_map_insert(&map, "", 5, NULL), EMBOLO_OK);
    assert_int_equal(text_map_find(&map, ""), 5);
    text_map_free(&map);
    text_map_free(&map); /* a freed map may be freed again */
}

static void test_grows(void **state)
{
    (void)state;
    text_map map;
    char key[32];
    assert_int_equal(text_map_init(&map, 1), EMBOLO_OK);
    for (size_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "id-%zu", i);
        assert_int_equal(text_map_insert(&map, key, i, NULL), EMBOLO_OK);
    }
    assert_int_equal(map.used, 5000);
    assert_true(map.capacity >= 10000);
    for (size_t i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof key, "id-%zu", i);
        assert_int_equal(text_map_find(&map, key), i);
    }
    assert_int_equal(text_map_find(&map, "id-5000"), TEXT_MAP_NONE);
    text_map_free(&map);
}

/* Keys longer than a block of key copies, and every key inserted again after the table grew: the
 * first value stays, nothing is added. */
static void test_long_keys_and_reinsert(void **state)
{
    (void)state;
    text_map map;
    size_t stored;
    char *long_key = malloc(70001);
    char key[32];
    assert_non_null(long_key);
    memset(long_key, 'x', 70000);
    long_key[70000] = '\0';
    assert_int_equal(text_map_init(&map, 2), EMBOLO_OK);
    assert_int_equal(text_map_insert(&map, long_key, 1, NULL), EMBOLO_OK);
    for (size_t i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "k%zu", i);
        assert_int_equal(text_map_insert(&map, key, i + 10, NULL), EMBOLO_OK);
    }
    for (size_t i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "k%zu", i);
        assert_int_equal(text_map_insert(&map, key, 99999, &stored), EMBOLO_OK);
        assert_int_equal(stored, i + 10);
    }
    assert_int_equal(map.used, 3001);
    assert_int_equal(text_map_find(&map, long_key), 1);
    long_key[69999] = 'y';
    assert_int_equal(text_map_find(&map, long_key), TEXT_MAP_NONE);
    text_map_free(&map);
    free(long_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_value_is_kept),
        cmocka_unit_test(test_grows),
        cmocka_unit_test(test_long_keys_and_reinsert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
