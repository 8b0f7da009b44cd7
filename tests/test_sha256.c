/* SHA-256 through libcrypto (stages/common/sha256.h): the FIPS 180-4 example digests, a file read in
 * several blocks against the same bytes in memory, and a file that cannot be read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "common/sha256.h"

static void test_standard_examples(void **state)
{
    char hex[65];
    (void)state;
    assert_true(sha256_hex("", 0, hex));
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true(sha256_hex("abc", 3, hex));
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_true(sha256_hex(two_blocks, strlen(two_blocks), hex));
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* Fed in pieces (the streaming reader's way), the digest of the whole; a discarded digest frees its
 * state (valgrind, LeakSanitizer). */
static void test_pieces(void **state)
{
    char hex[65], whole[65];
    const char *text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    (void)state;
    sha256_state digest;
    assert_true(sha256_init(&digest));
    for (size_t at = 0, length = strlen(text); at < length; at += 5)
        sha256_update(&digest, text + at, length - at < 5 ? length - at : 5);
    assert_true(sha256_final_hex(&digest, hex));
    assert_true(sha256_hex(text, strlen(text), whole));
    assert_string_equal(hex, whole);
    assert_true(sha256_init(&digest));
    sha256_update(&digest, "abc", 3);
    sha256_discard(&digest);
    sha256_discard(&digest);
}

/* A million 'a' written to a file: read in 64 kB blocks, the digest of the whole. */
static void test_file_of_a_million_bytes(void **state)
{
    char path[] = "/tmp/test_sha256.XXXXXX", hex[65], memory_hex[65];
    (void)state;
    char *data = malloc(1000000);
    assert_non_null(data);
    memset(data, 'a', 1000000);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, 1000000, file), 1000000);
    assert_int_equal(fclose(file), 0);
    assert_true(sha256_file_hex(path, hex));
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    assert_true(sha256_hex(data, 1000000, memory_hex));
    assert_string_equal(hex, memory_hex);
    unlink(path);
    free(data);
}

static void test_unreadable_file(void **state)
{
    char hex[65] = "unchanged";
    (void)state;
    assert_false(sha256_file_hex("/nonexistent-embolo-dir/input.csv", hex));
    assert_string_equal(hex, "unchanged");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_examples),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_file_of_a_million_bytes),
        cmocka_unit_test(test_unreadable_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
