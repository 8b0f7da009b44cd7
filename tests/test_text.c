/* Text, number and date parsing (stages/common/text.h): normalization of byte strings, decimal numbers
 * as study-file.md allows them, ISO / MDY / DMY calendar dates from 0001-01-01 to 9999-12-31. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "testutil.h"
#include "common/text.h"

#define LEN(literal) (sizeof(literal) - 1)

/* ---- normalization ---- */

static void assert_normalizes(const char *value, size_t length, const char *want)
{
    char out[64];
    assert_int_equal(text_normalize(value, length, out, sizeof out), 1);
    assert_string_equal(out, want);
}

static void assert_not_normalized(const char *value, size_t length)
{
    char out[64];
    assert_int_equal(text_normalize(value, length, out, sizeof out), 0);
}

static void test_normalize_trims_folds_and_lowercases(void **state)
{
    (void)state;
    assert_normalizes("  Hello   World \t", LEN("  Hello   World \t"), "hello world");
    assert_normalizes("\tG 1\r\n", LEN("\tG 1\r\n"), "g 1");
    assert_normalizes("a\t \tb", LEN("a\t \tb"), "a b");
    assert_normalizes("TACE", 4, "tace");
    assert_normalizes("", 0, "");
    assert_normalizes("   ", 3, "");
    /* Only the given length counts. */
    assert_normalizes("abcdef", 3, "abc");
}

static void test_normalize_keeps_utf8_and_rejects_bad_bytes(void **state)
{
    (void)state;
    /* Valid UTF-8 is kept byte for byte (only ASCII letters are lower-cased). */
    assert_normalizes("Caf\xC3\x89", LEN("Caf\xC3\x89"), "caf\xC3\x89");
    assert_normalizes("\xE2\x89\xA4" "50", LEN("\xE2\x89\xA4" "50"), "\xE2\x89\xA4" "50");
    assert_normalizes("\xF0\x9F\x98\x80", 4, "\xF0\x9F\x98\x80");
    /* A NUL byte, a stray continuation byte, an overlong form, a surrogate, a truncated sequence,
     * a code point above U+10FFFF. */
    assert_not_normalized("a\0b", 3);
    assert_not_normalized("ab\0", 3);
    assert_not_normalized("\x80", 1);
    assert_not_normalized("\xFF", 1);
    assert_not_normalized("\xC0\xAF", 2);
    assert_not_normalized("\xE0\x80\xAF", 3);
    assert_not_normalized("\xED\xA0\x80", 3);
    assert_not_normalized("x\xE2\x82", 3);
    assert_not_normalized("\xF4\x90\x80\x80", 4);
}

static void test_normalize_respects_capacity(void **state)
{
    char out[4];
    (void)state;
    memset(out, 'z', sizeof out);
    assert_int_equal(text_normalize("abc", 3, out, sizeof out), 1);
    assert_string_equal(out, "abc");
    assert_int_equal(text_normalize("abcd", 4, out, sizeof out), 0);
    assert_int_equal(text_normalize(" a b ", 5, out, sizeof out), 1);
    assert_string_equal(out, "a b");
    assert_int_equal(text_normalize("a", 1, out, 0), 0);
    /* A multi-byte character that does not fit whole is refused, never cut. */
    assert_int_equal(text_normalize("ab\xC3\xA9", 4, out, sizeof out), 0);
}

/* The plain ASCII cells (one pass) and all others (the full walk) against a reference written out
 * here, on random cells of letters, digits, punctuation, spaces, controls, NULs and UTF-8 sequences. */
static int reference_normalize(const char *value, size_t length, char *out, size_t out_size)
{
    size_t begin = 0, end = length, used = 0;
    while (begin < end && strchr(" \t\r\n\v\f", value[begin]) && value[begin])
        begin++;
    while (end > begin && strchr(" \t\r\n\v\f", value[end - 1]) && value[end - 1])
        end--;
    for (size_t i = begin; i < end; i++) {
        char c = value[i];
        if (c == '\0')
            return 0;
        int space = strchr(" \t\r\n\v\f", c) != NULL;
        if (space && used > 0 && out[used - 1] == ' ')
            continue;
        if (used + 2 > out_size)
            return 0;
        out[used++] = space ? ' ' : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    out[used] = '\0';
    return 1;
}

static void test_normalize_matches_reference(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "Z", "G", "3", "-", ".", " ", "\t", "\r\n", "\x01", "~",
                                         "\0", "\xC3\xA9", "\xE2\x89\xA4", "TACE", "2006-05-07", "x"};
    static const size_t piece_length[] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 2, 3, 4, 10, 1};
    unsigned long seed = 12345;
    for (int round = 0; round < 20000; round++) {
        char value[64], got[32], want[32];
        size_t length = 0;
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        size_t count = (seed >> 33) % 7;
        for (size_t k = 0; k < count; k++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            size_t at = (seed >> 33) % (sizeof pieces / sizeof pieces[0]);
            /* Mostly plain pieces, as real cells are. */
            if (round % 3 != 0 && (at >= 6 && at <= 13))
                at = 0;
            memcpy(value + length, pieces[at], piece_length[at]);
            length += piece_length[at];
        }
        int multibyte = memchr(value, 0xC3, length) || memchr(value, 0xE2, length);
        int ok = text_normalize(value, length, got, sizeof got);
        if (multibyte) {
            assert_true(ok == 0 || memchr(got, 0xC3, strlen(got)) || memchr(got, 0xE2, strlen(got)));
            continue;
        }
        int want_ok = reference_normalize(value, length, want, sizeof want);
        if (ok != want_ok)
            print_error("round %d: '%.*s' got %d want %d\n", round, (int)length, value, ok, want_ok);
        assert_int_equal(ok, want_ok);
        if (ok)
            assert_string_equal(got, want);
    }
}

static void test_equal_folded(void **state)
{
    (void)state;
    assert_true(text_equal_folded("Months", "months"));
    assert_true(text_equal_folded("ISO", "iso"));
    assert_true(text_equal_folded("", ""));
    assert_false(text_equal_folded("month", "months"));
    assert_false(text_equal_folded("months", "month"));
    assert_false(text_equal_folded("mdy", "dmy"));
}

/* ---- numbers ---- */

static void assert_number(const char *value, double want)
{
    double got = -12345.0;
    if (!text_parse_number(value, strlen(value), &got))
        print_error("'%s' did not parse\n", value);
    assert_true(text_parse_number(value, strlen(value), &got));
    assert_close(got, want, 1e-15);
}

static void assert_not_number(const char *value, size_t length)
{
    double got = -12345.0;
    if (text_parse_number(value, length, &got))
        print_error("'%.*s' parsed as %g\n", (int)length, value, got);
    assert_false(text_parse_number(value, length, &got));
    assert_true(got == -12345.0); /* untouched */
}

static void test_number_accepts_decimals(void **state)
{
    (void)state;
    assert_number("60", 60.0);
    assert_number("60.5", 60.5);
    assert_number("-0.5", -0.5);
    assert_number("+3", 3.0);
    assert_number("1e3", 1000.0);
    assert_number("1E-3", 0.001);
    assert_number("2.5e+2", 250.0);
    assert_number(" 62 ", 62.0);
    assert_number("\t62\r\n", 62.0);
    assert_number(".5", 0.5);
    assert_number("5.", 5.0);
    assert_number("007", 7.0);
    assert_number("1e308", 1e308);
    assert_number("-1.7976931348623157e308", -1.7976931348623157e308);
    /* Only the given length is read. */
    double got = 0.0;
    assert_true(text_parse_number("123", 2, &got));
    assert_close(got, 12.0, 0);
}

static void test_number_negative_zero(void **state)
{
    double got = 1.0;
    (void)state;
    assert_true(text_parse_number("-0", 2, &got));
    assert_true(got == 0.0);
    assert_true(signbit(got));
    assert_true(text_parse_number("0", 1, &got));
    assert_true(got == 0.0 && !signbit(got));
}

static void test_number_rejects_non_decimals(void **state)
{
    (void)state;
    static const char *const rejected[] = {
        "", " ", "NaN", "nan", "NAN", "inf", "-inf", "Inf", "infinity", "0x1A", "0X10", "6,2", "1e", "1e+",
        "e3", ".", "-", "+", "--1", "1.2.3", "12abc", "abc", "1 2", "1e308e1", "1,000", "$5", "5%", "1e309",
        "-1e309", "1e99999", "0b101", ("\xC2\xA0" "5"),
    };
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        assert_not_number(rejected[i], strlen(rejected[i]));
    assert_not_number("6\0", 2);
    assert_not_number("\0" "6", 2);
    assert_not_number("6\xFF", 2);
}

/* ---- dates ---- */

static long date_of(const char *value, date_format format)
{
    long day = 424242;
    if (!text_parse_date(value, strlen(value), format, &day))
        print_error("'%s' did not parse as a date\n", value);
    assert_true(text_parse_date(value, strlen(value), format, &day));
    return day;
}

static void assert_not_date(const char *value, date_format format)
{
    long day = 424242;
    if (text_parse_date(value, strlen(value), format, &day))
        print_error("'%s' parsed as day %ld\n", value, day);
    assert_false(text_parse_date(value, strlen(value), format, &day));
    assert_int_equal(day, 424242);
}

static void test_days_from_civil_known_values(void **state)
{
    (void)state;
    assert_int_equal(text_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(text_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(text_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(text_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(text_days_from_civil(2012, 12, 31), 15705);
    assert_int_equal(text_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(text_days_from_civil(9999, 12, 31), 2932896);
    /* Leap days: 2000 is a leap year, 1900 is not. */
    assert_int_equal(text_days_from_civil(2000, 3, 1) - text_days_from_civil(2000, 2, 28), 2);
    assert_int_equal(text_days_from_civil(1900, 3, 1) - text_days_from_civil(1900, 2, 28), 1);
}

static void test_iso_dates(void **state)
{
    (void)state;
    assert_int_equal(date_of("1970-01-01", DATE_FORMAT_ISO), 0);
    assert_int_equal(date_of("2012-12-31", DATE_FORMAT_ISO), 15705);
    assert_int_equal(date_of(" 2012-12-31\r", DATE_FORMAT_ISO), 15705);
    assert_int_equal(date_of("2012-1-5", DATE_FORMAT_ISO), text_days_from_civil(2012, 1, 5));
    assert_int_equal(date_of("2024-02-29", DATE_FORMAT_ISO), text_days_from_civil(2024, 2, 29));
    assert_int_equal(date_of("2000-02-29", DATE_FORMAT_ISO), text_days_from_civil(2000, 2, 29));
    /* The limits of the calendar the contract accepts. */
    assert_int_equal(date_of("0001-01-01", DATE_FORMAT_ISO), -719162);
    assert_int_equal(date_of("9999-12-31", DATE_FORMAT_ISO), 2932896);
    /* ISO is accepted whatever the study's format. */
    assert_int_equal(date_of("2012-12-31", DATE_FORMAT_MDY), 15705);
    assert_int_equal(date_of("2012-12-31", DATE_FORMAT_DMY), 15705);
}

static void test_invalid_dates(void **state)
{
    (void)state;
    static const char *const rejected[] = {
        "0000-00-00", "0000-01-01", "2023-02-29", "1900-02-29", "2010-02-30", "2010-04-31", "2010-13-01",
        "2010-00-10", "2010-01-00", "2010-01-32", "10000-01-01", "9999-12-32", "99-12-31", "2010-01",
        "2010-01-01T00:00", "2010-01-01 12:00", "2010/01/01", "20100101", "-2010-01-01", "+2010-01-01",
        "2010-001-01", "2010-01-001", "", "NA", "2010-0a-01", "2010--01", "2010-01-01-", "2010 -01-01",
    };
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++)
        assert_not_date(rejected[i], DATE_FORMAT_ISO);
    long day = 424242;
    assert_false(text_parse_date("2010-01-01\0", 11, DATE_FORMAT_ISO, &day));
    assert_false(text_parse_date("2010-01-0\xFF", 10, DATE_FORMAT_ISO, &day));
    assert_int_equal(day, 424242);
}

static void test_mdy_and_dmy_dates(void **state)
{
    (void)state;
    assert_int_equal(date_of("3/4/2010", DATE_FORMAT_MDY), text_days_from_civil(2010, 3, 4));
    assert_int_equal(date_of("3/4/2010", DATE_FORMAT_DMY), text_days_from_civil(2010, 4, 3));
    assert_int_equal(date_of("03/04/2010", DATE_FORMAT_MDY), text_days_from_civil(2010, 3, 4));
    assert_int_equal(date_of("12/31/9999", DATE_FORMAT_MDY), 2932896);
    assert_int_equal(date_of("31/12/9999", DATE_FORMAT_DMY), 2932896);
    assert_int_equal(date_of("1/1/0001", DATE_FORMAT_DMY), -719162);
    assert_int_equal(date_of("2/29/2024", DATE_FORMAT_MDY), text_days_from_civil(2024, 2, 29));
    assert_int_equal(date_of("13/4/2010", DATE_FORMAT_DMY), text_days_from_civil(2010, 4, 13));
    /* Slashed dates need MDY or DMY; the month and day must exist. */
    assert_not_date("3/4/2010", DATE_FORMAT_ISO);
    assert_not_date("13/4/2010", DATE_FORMAT_MDY);
    assert_not_date("4/13/2010", DATE_FORMAT_DMY);
    assert_not_date("2/29/2023", DATE_FORMAT_MDY);
    assert_not_date("29/2/2023", DATE_FORMAT_DMY);
    assert_not_date("0/0/0000", DATE_FORMAT_MDY);
    assert_not_date("3/4/10", DATE_FORMAT_MDY);
    assert_not_date("3/4/12010", DATE_FORMAT_MDY);
    assert_not_date("003/4/2010", DATE_FORMAT_MDY);
    assert_not_date("3-4-2010", DATE_FORMAT_MDY);
    assert_not_date("3/4/2010/", DATE_FORMAT_DMY);
}

static void test_format_date(void **state)
{
    char out[11];
    (void)state;
    text_format_date(0, out);
    assert_string_equal(out, "1970-01-01");
    text_format_date(-1, out);
    assert_string_equal(out, "1969-12-31");
    text_format_date(15705, out);
    assert_string_equal(out, "2012-12-31");
    text_format_date(text_days_from_civil(2024, 2, 29), out);
    assert_string_equal(out, "2024-02-29");
    text_format_date(-719162, out);
    assert_string_equal(out, "0001-01-01");
    text_format_date(2932896, out);
    assert_string_equal(out, "9999-12-31");
}

/* Formatting and parsing are inverses over the whole range, and consecutive days follow each other. */
static void test_format_parse_round_trip(void **state)
{
    (void)state;
    const long first = -719162, last = 2932896;
    long checked = 0;
    for (long day = first; day <= last; day += (day > -30000 && day < 50000) ? 1 : 61) {
        char out[11];
        long back = 0;
        text_format_date(day, out);
        if (!text_parse_date(out, 10, DATE_FORMAT_ISO, &back) || back != day) {
            print_error("day %ld formats as %s, which reads back as %ld\n", day, out, back);
            fail();
        }
        checked++;
    }
    char out[11];
    text_format_date(last, out);
    assert_string_equal(out, "9999-12-31");
    assert_true(checked > 80000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_trims_folds_and_lowercases),
        cmocka_unit_test(test_normalize_keeps_utf8_and_rejects_bad_bytes),
        cmocka_unit_test(test_normalize_respects_capacity),
        cmocka_unit_test(test_normalize_matches_reference),
        cmocka_unit_test(test_equal_folded),
        cmocka_unit_test(test_number_accepts_decimals),
        cmocka_unit_test(test_number_negative_zero),
        cmocka_unit_test(test_number_rejects_non_decimals),
        cmocka_unit_test(test_days_from_civil_known_values),
        cmocka_unit_test(test_iso_dates),
        cmocka_unit_test(test_invalid_dates),
        cmocka_unit_test(test_mdy_and_dmy_dates),
        cmocka_unit_test(test_format_date),
        cmocka_unit_test(test_format_parse_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
