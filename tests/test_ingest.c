/* Ingest (stages/ingest/ingest.h): RFC 4180 CSV from memory and from a file — BOM, CRLF, quoting,
 * record numbering, malformed records, and the fatal errors (empty file, missing column); a large file
 * read on two threads against the same read on one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sha256.h"
#include "ingest/ingest.h"
#include "testutil.h"

#define LEN(literal) (sizeof(literal) - 1)

static const char *const id_x[] = {"id", "x"};

/* Reads a literal CSV asking for the columns id and x. */
static ingest_table *read_id_x(const char *csv, size_t length)
{
    return test_ingest_parse(csv, length, id_x, 2);
}

#define assert_text_value(table, record, column, want) \
    assert_ingest_value((table), (record), (column), (want), strlen(want))

/* Fails unless parsing is refused with err and a message naming test.csv and holding fragment. */
static void assert_refused(const char *csv, size_t length, const char *const *wanted, size_t n_wanted,
                           embolo_error err, const char *fragment)
{
    ingest_table *table = (ingest_table *)&table;
    char message[512];
    embolo_error got = ingest_parse(csv, length, "test.csv", wanted, n_wanted, &table, message, sizeof message);
    if (got != err || !strstr(message, fragment))
        print_error("error %d '%s', want %d and '%s'\n", got, message, err, fragment);
    assert_int_equal(got, err);
    assert_null(table);
    assert_true(strncmp(message, "test.csv: ", 10) == 0);
    assert_non_null(strstr(message, fragment));
}

static void test_wanted_columns_in_asked_order(void **state)
{
    (void)state;
    static const char csv[] = "x,notes,ID,other\n1,n1,a,o1\n2,n2,b,o2\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_record_count(table), 2);
    assert_text_value(table, 0, 0, "a");
    assert_text_value(table, 0, 1, "1");
    assert_text_value(table, 1, 0, "b");
    assert_text_value(table, 1, 1, "2");
    assert_false(ingest_record_malformed(table, 0));
    assert_false(ingest_record_malformed(table, 1));
    /* Unused columns, in header order (normalized). */
    assert_int_equal(ingest_unused_column_count(table), 2);
    assert_string_equal(ingest_unused_column(table, 0), "notes");
    assert_string_equal(ingest_unused_column(table, 1), "other");
    ingest_table_free(table);
}

static void test_header_matched_trimmed_and_case_insensitively(void **state)
{
    (void)state;
    static const char csv[] = " Id ,\"  X\"\nA,B\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_unused_column_count(table), 0);
    assert_text_value(table, 0, 0, "A");
    assert_text_value(table, 0, 1, "B");
    ingest_table_free(table);
}

static void test_values_kept_as_bytes(void **state)
{
    (void)state;
    /* Quoted white space is kept (cleaning trims); empty fields are empty; NUL bytes are kept. */
    static const char csv[] = "id,x\n\"  a \",\n,\"\"\nn\0ul,\xFF\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_record_count(table), 3);
    assert_text_value(table, 0, 0, "  a ");
    assert_text_value(table, 0, 1, "");
    assert_text_value(table, 1, 0, "");
    assert_text_value(table, 1, 1, "");
    assert_ingest_value(table, 2, 0, "n\0ul", 4);
    assert_text_value(table, 2, 1, "\xFF");
    ingest_table_free(table);
}

static void test_bom_is_skipped(void **state)
{
    (void)state;
    static const char csv[] = "\xEF\xBB\xBFid,x\n1,2\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_record_count(table), 1);
    assert_int_equal(ingest_unused_column_count(table), 0);
    assert_text_value(table, 0, 0, "1");
    ingest_table_free(table);
    /* Only a leading BOM is skipped: a half one leaves a header without the column. */
    static const char half[] = "\xEF\xBBid,x\n1,2\n";
    assert_refused(half, LEN(half), id_x, 2, EMBOLO_ERROR_DATA, "'id'");
}

static void test_crlf_line_ends(void **state)
{
    (void)state;
    static const char csv[] = "id,x\r\n1,2\r\n3,4\r\n5,6";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_record_count(table), 3);
    assert_text_value(table, 0, 1, "2");
    assert_text_value(table, 1, 0, "3");
    assert_text_value(table, 1, 1, "4");
    assert_text_value(table, 2, 1, "6");
    for (size_t r = 0; r < 3; r++)
        assert_false(ingest_record_malformed(table, r));
    ingest_table_free(table);
}

static void test_quoted_commas_quotes_and_newlines(void **state)
{
    (void)state;
    static const char csv[] = "id,x,notes\n"
                              "1,\"a, b \"\"q\"\"\",plain\n"
                              "2,\"first line\nsecond line, with comma\",\"x\r\ny\"\n"
                              "3,\"\"\"\",\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    /* A quoted field over two lines does not start a record: record 3 is the id 3. */
    assert_int_equal(ingest_record_count(table), 3);
    assert_text_value(table, 0, 1, "a, b \"q\"");
    assert_text_value(table, 1, 0, "2");
    assert_text_value(table, 1, 1, "first line\nsecond line, with comma");
    assert_text_value(table, 2, 0, "3");
    assert_text_value(table, 2, 1, "\"");
    for (size_t r = 0; r < 3; r++)
        assert_false(ingest_record_malformed(table, r));
    ingest_table_free(table);
}

static void test_field_count_mismatch_is_malformed(void **state)
{
    (void)state;
    static const char csv[] = "id,x,notes\n"
                              "1,a,n\n"
                              "2,b\n"       /* short */
                              "3,c,n,extra\n" /* long */
                              "4,\"d,e\",n\n"
                              "5\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_record_count(table), 5);
    static const int malformed[] = {0, 1, 1, 0, 1};
    for (size_t r = 0; r < 5; r++) {
        if (ingest_record_malformed(table, r) != malformed[r])
            print_error("record %zu: malformed %d\n", r + 1, ingest_record_malformed(table, r));
        assert_int_equal(!!ingest_record_malformed(table, r), malformed[r]);
    }
    /* What a short record lacks is empty; a long one still numbers the records that follow. */
    assert_text_value(table, 1, 1, "b");
    assert_text_value(table, 2, 1, "c");
    assert_text_value(table, 3, 0, "4");
    assert_text_value(table, 3, 1, "d,e");
    assert_text_value(table, 4, 0, "5");
    assert_text_value(table, 4, 1, "");
    ingest_table_free(table);
}

static void test_unterminated_quote_at_end(void **state)
{
    (void)state;
    static const char csv[] = "id,x\n1,ok\n2,\"open\nand never closed\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    assert_int_equal(ingest_record_count(table), 2);
    assert_false(ingest_record_malformed(table, 0));
    assert_true(ingest_record_malformed(table, 1));
    assert_text_value(table, 1, 0, "2");
    ingest_table_free(table);
    /* An escaped quote at the end is not an open one. */
    static const char closed[] = "id,x\n1,\"a\"\"\"\n";
    table = read_id_x(closed, LEN(closed));
    assert_int_equal(ingest_record_count(table), 1);
    assert_false(ingest_record_malformed(table, 0));
    assert_text_value(table, 0, 1, "a\"");
    ingest_table_free(table);
}

/* The reader is fed 64 KiB at a time and follows the quotes of each piece (a piece without a quote
 * character in a few steps): a quoted field open across pieces, one closed in a later piece, and a
 * closing quote as a piece's last byte. */
#define PIECE 65536
static char *records_of(size_t *length, const char *head, size_t filler, const char *tail, size_t plain)
{
    size_t head_length = strlen(head), tail_length = strlen(tail);
    char *csv = malloc(head_length + filler + tail_length + plain * 8 + 1);
    assert_non_null(csv);
    memcpy(csv, head, head_length);
    memset(csv + head_length, 'z', filler);
    memcpy(csv + head_length + filler, tail, tail_length);
    size_t at = head_length + filler + tail_length;
    for (size_t r = 0; r < plain; r++)
        at += (size_t)sprintf(csv + at, "%05zu,y\n", r % 100000);
    *length = at;
    return csv;
}

static void test_quotes_across_pieces(void **state)
{
    (void)state;
    size_t length;
    /* Open to the end, over three pieces with no quote character. */
    char *csv = records_of(&length, "id,x\n1,ok\n2,\"open ", 3 * PIECE, "\n", 0);
    ingest_table *table = read_id_x(csv, length);
    assert_int_equal(ingest_record_count(table), 2);
    assert_true(ingest_record_malformed(table, 1));
    ingest_table_free(table);
    free(csv);
    /* Closed two pieces later, then plain records for two more pieces. */
    csv = records_of(&length, "id,x\n1,\"long ", 2 * PIECE, "\"\n", 2 * PIECE / 8);
    table = read_id_x(csv, length);
    assert_int_equal(ingest_record_count(table), 1 + 2 * PIECE / 8);
    for (size_t r = 0; r < ingest_record_count(table); r++)
        assert_false(ingest_record_malformed(table, r));
    ingest_table_free(table);
    free(csv);
    /* The closing quote is a piece's last byte; the next piece starts with the end of the record. */
    static const char head[] = "id,x\n1,\"";
    csv = records_of(&length, head, PIECE - strlen(head) - 1, "\"\n", PIECE / 8);
    assert_int_equal(csv[PIECE - 1], '"');
    table = read_id_x(csv, length);
    assert_int_equal(ingest_record_count(table), 1 + PIECE / 8);
    for (size_t r = 0; r < ingest_record_count(table); r++)
        assert_false(ingest_record_malformed(table, r));
    assert_text_value(table, PIECE / 8, 0, "08191");
    ingest_table_free(table);
    free(csv);
    /* A record's last field opens a quote in a piece of plain records: the last record is malformed. */
    csv = records_of(&length, "id,x\n", 0, "", PIECE / 8);
    csv = realloc(csv, length + 16);
    assert_non_null(csv);
    memcpy(csv + length, "9,\"x\n", 6);
    length += 6;
    table = read_id_x(csv, length);
    assert_int_equal(ingest_record_count(table), PIECE / 8 + 1);
    assert_false(ingest_record_malformed(table, PIECE / 8 - 1));
    assert_true(ingest_record_malformed(table, PIECE / 8));
    ingest_table_free(table);
    free(csv);
}

/* KNOWN BUG (reported; fails until stages/ingest/ingest.c is fixed): libcsv, not strict, keeps a
 * quoted field open when text follows its closing quote ("a"b) and when white space comes before the
 * opening quote ( "open); mark_open_quote() does not see either, so the records that follow vanish
 * into one field and no record is flagged: "nothing is dropped silently" and "a quote left open at
 * the end of the file makes the last record E_MALFORMED_ROW" (study-file.md) both break. Either
 * reading is accepted here: every line a record, or the last record malformed. */
static void test_text_after_closing_quote_drops_no_record(void **state)
{
    (void)state;
    static const char csv[] = "id,x\n1,\"a\"b\n2,c\n3,d\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    size_t n = ingest_record_count(table);
    int flagged = n > 0 && ingest_record_malformed(table, n - 1);
    if (n != 3 && !flagged)
        print_error("KNOWN BUG: %zu record(s) read from 3 lines and none flagged malformed\n", n);
    ingest_table_free(table);
    assert_true(n == 3 || flagged);
}

static void test_open_quote_after_space_is_malformed(void **state)
{
    (void)state;
    static const char csv[] = "id,x\n1,ok\n2, \"open\nand never closed\n";
    ingest_table *table = read_id_x(csv, LEN(csv));
    size_t n = ingest_record_count(table);
    int flagged = n > 0 && ingest_record_malformed(table, n - 1);
    if (!flagged)
        print_error("KNOWN BUG: the quote left open after a space does not make the last record malformed\n");
    ingest_table_free(table);
    assert_true(n >= 2);
    assert_true(flagged);
}

static void test_header_only_and_empty(void **state)
{
    (void)state;
    ingest_table *table = read_id_x("id,x\n", 5);
    assert_int_equal(ingest_record_count(table), 0);
    ingest_table_free(table);
    table = read_id_x("id,x", 4);
    assert_int_equal(ingest_record_count(table), 0);
    ingest_table_free(table);
    table = read_id_x("\xEF\xBB\xBFid,x\r\n", 9);
    assert_int_equal(ingest_record_count(table), 0);
    ingest_table_free(table);
    assert_refused("", 0, id_x, 2, EMBOLO_ERROR_DATA, "empty");
    assert_refused("\xEF\xBB\xBF", 3, id_x, 2, EMBOLO_ERROR_DATA, "empty");
}

/* Two header columns with a needed name: which one is meant is not knowable, so the file is refused. */
static void test_needed_column_twice_is_refused(void **state)
{
    (void)state;
    static const char csv[] = "id,x,X \n1,2,3\n";
    static const char unused_twice[] = "id,x,note,note\n1,2,a,b\n";
    assert_refused(csv, LEN(csv), id_x, 2, EMBOLO_ERROR_DATA, "'x' that the study file needs appears twice in the "
                   "header (columns 2 and 3)");
    ingest_table *table = read_id_x(unused_twice, LEN(unused_twice));
    assert_int_equal(ingest_record_count(table), 1);
    ingest_table_free(table);
}

static void test_missing_column_is_named(void **state)
{
    (void)state;
    static const char csv[] = "id,grade\n1,G1\n";
    static const char *const wanted[] = {"id", "grade", "death_date"};
    assert_refused(csv, LEN(csv), wanted, 3, EMBOLO_ERROR_DATA, "'death_date'");
    assert_refused(csv, LEN(csv), id_x, 2, EMBOLO_ERROR_DATA, "the header lacks the column 'x'");
}

/* An optional column may be absent: it reads as empty and says so; a required one is still refused. */
static void test_optional_columns(void **state)
{
    (void)state;
    static const char *const wanted[] = {"id", "start", "x"};
    static const unsigned char optional[] = {0, 1, 0};
    static const char csv[] = "id,x\na,1\nb,2\n";
    ingest_options options = {.optional = optional};
    ingest_table *table = NULL;
    char message[512];
    assert_int_equal(ingest_parse_with(csv, LEN(csv), "test.csv", &options, wanted, 3, &table, message,
                                          sizeof message), EMBOLO_OK);
    assert_int_equal(ingest_record_count(table), 2);
    assert_true(ingest_column_present(table, 0));
    assert_false(ingest_column_present(table, 1));
    assert_text_value(table, 1, 1, "");
    assert_text_value(table, 1, 2, "2");
    /* A value set in place (cleaning's fill from the index procedure). */
    assert_int_equal(ingest_set_value(table, 1, 1, "2010-01-01", 10), EMBOLO_OK);
    assert_text_value(table, 1, 1, "2010-01-01");
    assert_text_value(table, 0, 1, "");
    assert_int_equal(ingest_set_value(table, 0, 2, "9", 1), EMBOLO_OK);
    assert_text_value(table, 0, 2, "9");
    assert_text_value(table, 1, 2, "2");
    ingest_table_free(table);
    static const unsigned char none_optional[] = {0, 0, 0};
    ingest_options required = {.delimiter = ',', .optional = none_optional};
    table = NULL;
    assert_int_equal(ingest_parse_with(csv, LEN(csv), "test.csv", &required, wanted, 3, &table, message,
                                          sizeof message), EMBOLO_ERROR_DATA);
    assert_null(table);
    assert_non_null(strstr(message, "'start'"));
}

/* A European Excel export (';') or a tab-separated file read with the default ',' is one header field:
 * the message names the separator it seems to use and the key that reads it. */
static void test_other_separator_is_named(void **state)
{
    (void)state;
    static const char semicolons[] = "id;x;notes\n1;2,5;a\n";
    static const char tabs[] = "id\tx\n1\t2\n";
    assert_refused(semicolons, LEN(semicolons), id_x, 2, EMBOLO_ERROR_DATA,
                   "seems to be separated by ';', not ',': set delimiter = ; in [study]");
    assert_refused(tabs, LEN(tabs), id_x, 2, EMBOLO_ERROR_DATA, "separated by 'tab', not ','");
    /* One column named with a ';' in it is no such hint when the header has several fields. */
    static const char named[] = "id,a;b\n1,2\n";
    assert_refused(named, LEN(named), id_x, 2, EMBOLO_ERROR_DATA, "the header lacks the column 'x'");
}

/* With the study's delimiter: ';' and tab files read like comma ones, quotes and open quotes too. */
static void test_delimiter(void **state)
{
    (void)state;
    static const char semicolons[] = "notes;ID;x\n\"a;b\";p1;6,2\n;p2; 7 \n\"open;p3;8\n";
    static const char tabs[] = "id\tx\tnotes\n p1\t\t\"t\tu\"\n";
    ingest_table *table = NULL;
    char message[512];
    assert_int_equal(ingest_parse_delimited(semicolons, LEN(semicolons), "test.csv", ';', id_x, 2, &table, message,
                                            sizeof message), EMBOLO_OK);
    assert_int_equal(ingest_record_count(table), 3);
    assert_text_value(table, 0, 0, "p1");
    assert_text_value(table, 0, 1, "6,2");
    assert_text_value(table, 1, 1, "7");
    assert_false(ingest_record_malformed(table, 1));
    assert_true(ingest_record_malformed(table, 2));
    ingest_table_free(table);
    assert_int_equal(ingest_parse_delimited(tabs, LEN(tabs), "test.csv", '\t', id_x, 2, &table, message,
                                            sizeof message), EMBOLO_OK);
    assert_int_equal(ingest_record_count(table), 1);
    assert_false(ingest_record_malformed(table, 0));
    assert_text_value(table, 0, 0, "p1");
    assert_text_value(table, 0, 1, "");
    ingest_table_free(table);
    /* A comma file read as ';' is named the other way round. */
    static const char commas[] = "id,x\n1,2\n";
    table = (ingest_table *)&table;
    assert_int_equal(ingest_parse_delimited(commas, LEN(commas), "test.csv", ';', id_x, 2, &table, message,
                                            sizeof message), EMBOLO_ERROR_DATA);
    assert_null(table);
    assert_non_null(strstr(message, "separated by ',', not ';'"));
}

static void test_no_wanted_columns(void **state)
{
    (void)state;
    static const char csv[] = "a,b\n1,2\n3\n";
    ingest_table *table = test_ingest_parse(csv, LEN(csv), NULL, 0);
    assert_int_equal(ingest_record_count(table), 2);
    assert_false(ingest_record_malformed(table, 0));
    assert_true(ingest_record_malformed(table, 1));
    assert_int_equal(ingest_unused_column_count(table), 2);
    ingest_table_free(table);
}

/* ingest_read: the same through a file, and a missing file. */
static void test_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/embolo-test-ingest-XXXXXX";
    static const char csv[] = "\xEF\xBB\xBFid,x\r\n\"1\",\"multi\r\nline\"\r\n2,3\r\n";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, csv, LEN(csv)), (ssize_t)LEN(csv));
    assert_int_equal(close(fd), 0);
    ingest_table *table = NULL;
    char message[512];
    embolo_error err = ingest_read(path, id_x, 2, &table, message, sizeof message);
    unlink(path);
    assert_int_equal(err, EMBOLO_OK);
    assert_int_equal(ingest_record_count(table), 2);
    assert_text_value(table, 0, 1, "multi\r\nline");
    assert_text_value(table, 1, 1, "3");
    ingest_table_free(table);

    table = (ingest_table *)&table;
    assert_int_equal(ingest_read(path, id_x, 2, &table, message, sizeof message), EMBOLO_ERROR_FILE_NOT_FOUND);
    assert_null(table);
    assert_non_null(strstr(message, path));
}

/* ---- reading from a stream: once, hashed, stopped at the first limit ---- */

/* Writes into a FIFO: a header, then `repeat` over and over until the reader closes it or `limit`
 * bytes are written; how many were written. */
typedef struct fifo_writer {
    const char *path;
    const char *header;
    char repeat[65536];
    size_t repeat_length;
    size_t limit;
    size_t written;
} fifo_writer;

static void *fifo_write(void *arg)
{
    fifo_writer *w = arg;
    int fd = open(w->path, O_WRONLY);
    if (fd < 0)
        return NULL;
    ssize_t got = write(fd, w->header, strlen(w->header));
    w->written = got > 0 ? (size_t)got : 0;
    while (got > 0 && w->written < w->limit) {
        got = write(fd, w->repeat, w->repeat_length);
        if (got > 0)
            w->written += (size_t)got;
    }
    close(fd);
    return NULL;
}

static void fifo_make(char *path, size_t size)
{
    char dir[] = "/tmp/embolo-ingest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(path, size, "%s/input.fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
}

static void fifo_remove(const char *path)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    unlink(path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
}

/* ingest_read_hashed on a FIFO that w fills from another thread. */
static embolo_error read_through_fifo(fifo_writer *w, ingest_table **table, char hex[65], char *message,
                                      size_t message_size)
{
    char path[256];
    pthread_t thread;
    signal(SIGPIPE, SIG_IGN);
    fifo_make(path, sizeof path);
    w->path = path;
    assert_int_equal(pthread_create(&thread, NULL, fifo_write, w), 0);
    embolo_error err = ingest_read_hashed(path, ',', id_x, 2, table, hex, message, message_size);
    pthread_join(thread, NULL);
    fifo_remove(path);
    return err;
}

/* An open quote never closed (libcsv keeps the field until it ends): the read stops at the 16 MiB
 * field limit, not at the end of the input, and the table is refused as too large. */
static void test_field_limit_stops_the_read(void **state)
{
    (void)state;
    char message[512];
    static fifo_writer w = {.header = "id,x\n1,\"", .limit = (size_t)512 << 20};
    ingest_table *table = NULL;
    memset(w.repeat, 'a', sizeof w.repeat);
    w.repeat_length = sizeof w.repeat;
    embolo_error err = read_through_fifo(&w, &table, NULL, message, sizeof message);
    assert_int_equal(err, EMBOLO_ERROR_TOO_LARGE);
    assert_null(table);
    assert_non_null(strstr(message, "16 MiB"));
    /* What was written before the reader stopped: the limit, one piece, and the pipe's buffer. */
    if (w.written > ((size_t)17 << 20))
        print_error("%zu bytes were read\n", w.written);
    assert_true(w.written <= ((size_t)17 << 20));
}

/* The hash is that of the bytes parsed, read once from a FIFO. */
static void test_hash_of_the_bytes_read(void **state)
{
    (void)state;
    char message[512], want[65], got[65];
    static const char csv[] = "\xEF\xBB\xBFid,x\n1,a\n2,\"b\nc\"\n";
    static fifo_writer w = {.header = csv, .limit = 0};
    ingest_table *table = NULL;
    assert_true(sha256_hex(csv, LEN(csv), want));
    assert_int_equal(read_through_fifo(&w, &table, got, message, sizeof message), EMBOLO_OK);
    assert_string_equal(got, want);
    assert_int_equal(ingest_record_count(table), 2);
    assert_text_value(table, 1, 1, "b\nc");
    assert_int_equal(ingest_read_parts(table), 1);
    ingest_table_free(table);
}

/* ---- a large regular file read on two threads: the same as on one ---- */

/* A CSV built in memory. */
typedef struct csv_text {
    char *bytes;
    size_t length, capacity;
} csv_text;

static void csv_add(csv_text *c, const char *bytes, size_t length)
{
    if (!c->bytes || c->length + length > c->capacity) {
        c->capacity = (c->length + length) * 2 + 1;
        c->bytes = realloc(c->bytes, c->capacity);
        assert_non_null(c->bytes);
    }
    memcpy(c->bytes + c->length, bytes, length);
    c->length += length;
}

static void csv_add_text(csv_text *c, const char *text)
{
    csv_add(c, text, strlen(text));
}

/* n records of 20 bytes from number first: "<8 digits>,<8 digits>,y" and end (NULL: "\n"; the
 * record is then 20 bytes). */
static void csv_add_records(csv_text *c, size_t first, size_t n, const char *end)
{
    char record[64];
    for (size_t r = first; r < first + n; r++) {
        snprintf(record, sizeof record, "%08zu,%08zu,y%s", r % 100000000, (r * 7) % 100000000, end ? end : "\n");
        csv_add_text(c, record);
    }
}

static void csv_repeat(csv_text *c, char byte, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csv_add(c, &byte, 1);
}

static const char *const id_x_y[] = {"id", "x", "y"};

typedef struct read_result {
    embolo_error err;
    ingest_table *table;
    char message[512];
    char hex[65];
} read_result;

/* Fails unless two reads gave the same: error and message, or records, flags, values and hash. */
static void assert_same_read(const read_result *a, const read_result *b)
{
    if (a->err != b->err || strcmp(a->message, b->message) != 0)
        print_error("one thread: %d '%s', two: %d '%s'\n", a->err, a->message, b->err, b->message);
    assert_int_equal(a->err, b->err);
    assert_string_equal(a->message, b->message);
    if (a->err != EMBOLO_OK) {
        assert_null(a->table);
        assert_null(b->table);
        return;
    }
    assert_string_equal(a->hex, b->hex);
    assert_int_equal(ingest_record_count(a->table), ingest_record_count(b->table));
    assert_int_equal(ingest_unused_column_count(a->table), ingest_unused_column_count(b->table));
    for (size_t u = 0; u < ingest_unused_column_count(a->table); u++)
        assert_string_equal(ingest_unused_column(a->table, u), ingest_unused_column(b->table, u));
    for (size_t r = 0; r < ingest_record_count(a->table); r++) {
        assert_int_equal(ingest_record_malformed(a->table, r), ingest_record_malformed(b->table, r));
        for (size_t c = 0; c < 3; c++) {
            size_t length_a, length_b;
            const char *value_a = ingest_value(a->table, r, c, &length_a);
            const char *value_b = ingest_value(b->table, r, c, &length_b);
            if (length_a != length_b || memcmp(value_a, value_b, length_a) != 0)
                print_error("record %zu column %zu differs\n", r, c);
            assert_int_equal(length_a, length_b);
            assert_memory_equal(value_a, value_b, length_a);
        }
    }
}

/* Writes c to a file, reads it on one thread and on two (split whatever its size), and fails unless
 * the reads agree and the hash is that of c, and (fragment not NULL) they fail with a message holding
 * fragment; returns the two-thread read's parts (0 when it failed) and its table in *kept (NULL:
 * freed). */
static int read_split_and_compare(const csv_text *c, ingest_table **kept, const char *fragment)
{
    char path[] = "/tmp/embolo-test-ingest-XXXXXX", want[65];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, c->bytes, c->length), (ssize_t)c->length);
    assert_int_equal(close(fd), 0);
    read_result one = {.err = EMBOLO_OK}, two = {.err = EMBOLO_OK};
    ingest_options options_one = {.threads = 1, .split_min = 1}, options_two = {.threads = 2, .split_min = 1};
    one.err = ingest_read_with(path, &options_one, id_x_y, 3, &one.table, one.hex, one.message, sizeof one.message);
    two.err = ingest_read_with(path, &options_two, id_x_y, 3, &two.table, two.hex, two.message, sizeof two.message);
    unlink(path);
    assert_same_read(&one, &two);
    if (fragment && !strstr(two.message, fragment))
        print_error("'%s' lacks '%s'\n", two.message, fragment);
    assert_true(!fragment || strstr(two.message, fragment));
    assert_true(sha256_hex(c->bytes, c->length, want));
    if (one.err == EMBOLO_OK) {
        assert_string_equal(two.hex, want);
        assert_int_equal(ingest_read_parts(one.table), 1);
    }
    int parts = two.table ? ingest_read_parts(two.table) : 0;
    ingest_table_free(one.table);
    if (kept)
        *kept = two.table;
    else
        ingest_table_free(two.table);
    return parts;
}

/* Plain records, with LF or CRLF line ends, a BOM, empty lines and blanks: joined at the split. */
static void test_split_read_of_plain_records(void **state)
{
    (void)state;
    static const char *const ends[] = {"\n", "\r\n", "\n\n", " \n", "\r\n\r\n \t\n"};
    for (size_t e = 0; e < sizeof ends / sizeof *ends; e++)
        for (int bom = 0; bom < 2; bom++) {
            csv_text c = {0};
            ingest_table *table;
            csv_add_text(&c, bom ? "\xEF\xBB\xBFid,x,y,notes\r\n" : "id,x,y\n");
            csv_add_records(&c, 0, 20000, ends[e]);
            assert_int_equal(read_split_and_compare(&c, &table, NULL), 2);
            assert_int_equal(ingest_record_count(table), 20000);
            assert_ingest_value(table, 19999, 0, "00019999", 8);
            assert_int_equal(ingest_record_malformed(table, 12345), bom);
            ingest_table_free(table);
            free(c.bytes);
        }
}

/* A quoted field over several lines (LF, CRLF, escaped quotes) at every place around the split: where
 * the guessed start falls inside it the parts are not joined, and either way the read is the same. */
static void test_split_read_of_quoted_lines_across_the_split(void **state)
{
    (void)state;
    size_t joined = 0, not_joined = 0, n = 10000;
    csv_text field = {0};
    csv_add_text(&field, "quoted,\"");
    for (size_t line = 0; line < 40; line++)
        csv_add_text(&field, line % 3 ? "a line of text, and \"\"quotes\"\"\n" : "a line ending in CR LF\r\n");
    csv_add_text(&field, "\",last\n");
    size_t split = (7 + n * 20 + field.length) * INGEST_SPLIT_PERCENT / 100;
    for (size_t before = (split - field.length) / 20 - 2; before <= split / 20 + 2; before += 3) {
        csv_text c = {0};
        csv_add_text(&c, "id,x,y\n");
        csv_add_records(&c, 0, before, NULL);
        csv_add(&c, field.bytes, field.length);
        csv_add_records(&c, before, n - before, NULL);
        int parts = read_split_and_compare(&c, NULL, NULL);
        joined += parts == 2;
        not_joined += parts == 1;
        free(c.bytes);
    }
    free(field.bytes);
    assert_true(joined > 0);
    assert_true(not_joined > 0);
}

/* Lone CRs, LF CR and CR LF at every place around the split. */
static void test_split_read_of_line_ends_at_the_split(void **state)
{
    (void)state;
    static const char cluster[] = "c1,1,y\rc2,2,y\n\rc3,3,y\r\n\r\nc4,4,y\n\n\r\r";
    size_t n = 10000, joined = 0;
    size_t split = (7 + n * 20 + LEN(cluster)) * INGEST_SPLIT_PERCENT / 100;
    for (size_t shift = 0; shift < 60; shift++) {
        csv_text c = {0};
        csv_add_text(&c, "id,x,y\n");
        csv_add_records(&c, 0, split / 20 - 2, NULL);
        csv_repeat(&c, 'z', shift);
        csv_add(&c, cluster, LEN(cluster));
        csv_add_records(&c, split / 20 - 2, n - split / 20 + 2, NULL);
        ingest_table *table;
        joined += read_split_and_compare(&c, &table, NULL) == 2;
        assert_int_equal(ingest_record_count(table), n + 4);
        ingest_table_free(table);
        free(c.bytes);
    }
    assert_true(joined > 0);
}

/* Short and long records after the split: malformed in the joined table as in one pass. */
static void test_split_read_of_malformed_records(void **state)
{
    (void)state;
    csv_text c = {0};
    ingest_table *table;
    csv_add_text(&c, "id,x,y\n");
    csv_add_records(&c, 0, 10000, NULL);
    csv_add_text(&c, "short,1\nlong,1,2,3\n\n   \none\n");
    csv_add_records(&c, 10000, 100, NULL);
    assert_int_equal(read_split_and_compare(&c, &table, NULL), 2);
    assert_int_equal(ingest_record_count(table), 10103);
    assert_false(ingest_record_malformed(table, 9999));
    assert_true(ingest_record_malformed(table, 10000));
    assert_true(ingest_record_malformed(table, 10001));
    assert_true(ingest_record_malformed(table, 10002));
    assert_false(ingest_record_malformed(table, 10003));
    assert_ingest_value(table, 10001, 2, "2", 1);
    ingest_table_free(table);
    free(c.bytes);
}

/* A quote left open to the end of the file: opened after the split (joined), or before it (the rest
 * is one field: not joined); the last record is malformed either way. */
static void test_split_read_of_an_open_quote_at_the_end(void **state)
{
    (void)state;
    for (int early = 0; early < 2; early++) {
        csv_text c = {0};
        ingest_table *table;
        csv_add_text(&c, "id,x,y\n");
        csv_add_records(&c, 0, early ? 3000 : 10000, NULL);
        csv_add_text(&c, "open,1,\"never closed\n");
        csv_add_records(&c, 0, early ? 7000 : 100, NULL);
        assert_int_equal(read_split_and_compare(&c, &table, NULL), early ? 1 : 2);
        assert_int_equal(ingest_record_count(table), early ? 3001 : 10001);
        assert_true(ingest_record_malformed(table, ingest_record_count(table) - 1));
        assert_false(ingest_record_malformed(table, ingest_record_count(table) - 2));
        ingest_table_free(table);
        free(c.bytes);
    }
}

/* The 16 MiB field limit after the split: the same error, naming the same record, as in one pass; a
 * quoted field of exactly 16 MiB is refused when its closing quote ends a 64 KiB piece of the read (the
 * quote is still in libcsv's field then) and read otherwise, split or not. */
static void test_split_read_stops_at_the_field_limit(void **state)
{
    (void)state;
    size_t before = 900000;  /* 18 MB of records: the split is among them */
    for (int variant = 0; variant < 3; variant++) {
        csv_text c = {0};
        ingest_table *table = NULL;
        char fragment[64];
        csv_add_text(&c, "id,x,y\n");
        csv_add_records(&c, 0, before, NULL);
        if (variant == 0) {
            csv_add_text(&c, "big,1,");
            csv_repeat(&c, 'a', (size_t)17 << 20);
        } else {
            /* "big" padded so that the closing quote is a piece's last byte (variant 1) or the next one's first. */
            size_t quote_at = c.length + strlen("big,1,\"") + ((size_t)16 << 20);
            size_t pad = (65535 - quote_at % 65536) + (size_t)(variant == 2);
            csv_add_text(&c, "big");
            csv_repeat(&c, 'g', pad);
            csv_add_text(&c, ",1,\"");
            csv_repeat(&c, 'a', (size_t)16 << 20);
            assert_int_equal((c.length % 65536 == 65535), variant == 1);
            csv_add_text(&c, "\"");
        }
        csv_add_text(&c, "\n");
        csv_add_records(&c, before, 1000, NULL);
        snprintf(fragment, sizeof fragment, "a field of record %zu is larger than 16 MiB", before + 1);
        int parts = read_split_and_compare(&c, &table, variant < 2 ? fragment : NULL);
        assert_int_equal(parts, variant < 2 ? 0 : 2);
        if (variant == 2) {
            size_t length;
            ingest_value(table, before, 2, &length);
            assert_int_equal(length, (size_t)16 << 20);
            assert_int_equal(ingest_record_count(table), before + 1001);
        }
        ingest_table_free(table);
        free(c.bytes);
    }
}

/* Small files split at any size (the header, a header over the split, a missing column, an empty
 * file): the same as in one pass. */
static void test_split_read_of_small_files(void **state)
{
    (void)state;
    static const char *const files[] = {
        "id,x,y\n1,2,3\n4,5,6\n",
        "\xEF\xBB\xBFid,x,y\r\n1,2,3\r\n4,5,6\r\n7,8,9",
        "\"id\nwith a line end\",x,y\n1,2,3\n",
        "id,\"x\",y\n1,\"2\n2\",3\n4,5,6\n7,8,9\n",
        "id,x\n1,2\n3,4\n5,6\n",
        "id;x;y\n1;2;3\n",
        "id,x,y\n",
        "id,x,y",
        "\n\n\nid,x,y\n\n\n1,2,3\n\n\n\n4,5,6\n\n",
        "\xEF\xBB",
        "",
    };
    size_t joined = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        csv_text c = {0};
        csv_add_text(&c, files[f]);
        joined += read_split_and_compare(&c, NULL, NULL) == 2;
        free(c.bytes);
    }
    assert_true(joined >= 3);
}

/* Two threads need a regular file of INGEST_SPLIT_MIN bytes or more (and not standard input or a
 * FIFO, see test_hash_of_the_bytes_read). */
static void test_split_read_needs_a_large_file(void **state)
{
    (void)state;
    char path[] = "/tmp/embolo-test-ingest-XXXXXX", message[512];
    csv_text c = {0};
    ingest_table *table = NULL;
    csv_add_text(&c, "id,x,y\n");
    csv_add_records(&c, 0, 10000, NULL);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, c.bytes, c.length), (ssize_t)c.length);
    assert_int_equal(close(fd), 0);
    ingest_options options = {.threads = 2};
    assert_int_equal(ingest_read_with(path, &options, id_x_y, 3, &table, NULL, message, sizeof message), EMBOLO_OK);
    assert_int_equal(ingest_read_parts(table), 1);
    ingest_table_free(table);
    options.split_min = c.length;
    assert_int_equal(ingest_read_with(path, &options, id_x_y, 3, &table, NULL, message, sizeof message), EMBOLO_OK);
    assert_int_equal(ingest_read_parts(table), 2);
    ingest_table_free(table);
    unlink(path);
    free(c.bytes);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INGEST_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define INGEST_TEST_SANITIZED 1
#endif

/* Out of memory while the table grows: NOMEM, "out of memory while reading PATH" (not "too large").
 * In a child whose address space is limited (not under a sanitizer or valgrind, which need more). */
static void test_out_of_memory_is_named(void **state)
{
    (void)state;
#ifdef INGEST_TEST_SANITIZED
    print_message("(skipped under a sanitizer: it cannot run in a limited address space)\n");
    return;
#endif
    if (test_under_valgrind()) {
        print_message("(skipped under valgrind)\n");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static fifo_writer w = {.header = "id,x\n", .limit = (size_t)4 << 30};
        char message[512];
        ingest_table *table = NULL;
        struct rlimit limit = {(rlim_t)256 << 20, (rlim_t)256 << 20};
        /* Records of a 64 KiB value: the table's text outgrows the address space. */
        memset(w.repeat, 'v', sizeof w.repeat);
        w.repeat[0] = '1';
        w.repeat[1] = ',';
        w.repeat_length = sizeof w.repeat;
        for (size_t i = 1; i <= 16; i++)
            w.repeat[i * 4096 - 1] = i % 16 ? 'v' : '\n';
        if (setrlimit(RLIMIT_AS, &limit) != 0)
            _exit(2);
        embolo_error err = read_through_fifo(&w, &table, NULL, message, sizeof message);
        _exit(err == EMBOLO_ERROR_NOMEM && !strncmp(message, "out of memory while reading /tmp/", 33) ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wanted_columns_in_asked_order),
        cmocka_unit_test(test_header_matched_trimmed_and_case_insensitively),
        cmocka_unit_test(test_values_kept_as_bytes),
        cmocka_unit_test(test_bom_is_skipped),
        cmocka_unit_test(test_crlf_line_ends),
        cmocka_unit_test(test_quoted_commas_quotes_and_newlines),
        cmocka_unit_test(test_field_count_mismatch_is_malformed),
        cmocka_unit_test(test_unterminated_quote_at_end),
        cmocka_unit_test(test_quotes_across_pieces),
        cmocka_unit_test(test_text_after_closing_quote_drops_no_record),
        cmocka_unit_test(test_open_quote_after_space_is_malformed),
        cmocka_unit_test(test_header_only_and_empty),
        cmocka_unit_test(test_missing_column_is_named),
        cmocka_unit_test(test_needed_column_twice_is_refused),
        cmocka_unit_test(test_optional_columns),
        cmocka_unit_test(test_other_separator_is_named),
        cmocka_unit_test(test_delimiter),
        cmocka_unit_test(test_no_wanted_columns),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_field_limit_stops_the_read),
        cmocka_unit_test(test_hash_of_the_bytes_read),
        cmocka_unit_test(test_split_read_of_plain_records),
        cmocka_unit_test(test_split_read_of_quoted_lines_across_the_split),
        cmocka_unit_test(test_split_read_of_line_ends_at_the_split),
        cmocka_unit_test(test_split_read_of_malformed_records),
        cmocka_unit_test(test_split_read_of_an_open_quote_at_the_end),
        cmocka_unit_test(test_split_read_stops_at_the_field_limit),
        cmocka_unit_test(test_split_read_of_small_files),
        cmocka_unit_test(test_split_read_needs_a_large_file),
        cmocka_unit_test(test_out_of_memory_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
