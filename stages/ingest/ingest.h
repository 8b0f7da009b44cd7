/* Ingest stage: reads the patient CSV (RFC 4180, BOM, CRLF, quoted fields over several lines) with
 * libcsv and keeps the columns the study needs. Records are numbered from 1 after the header. */
#ifndef EMBOLO_INGEST_H
#define EMBOLO_INGEST_H

#include <stddef.h>
#include "common/error.h"

typedef struct ingest_table ingest_table;

/* Reads a CSV file and keeps the columns named in wanted (matched to the header trimmed and
 * case-insensitively). A wanted column missing from the header is an error naming it. On failure
 * *out is NULL and message says which file, record or column is at fault. */
embolo_error ingest_read(const char *path, const char *const *wanted, size_t n_wanted,
                         ingest_table **out, char *message, size_t message_size);

/* The same from memory; path is used in messages only. */
embolo_error ingest_parse(const char *data, size_t length, const char *path,
                          const char *const *wanted, size_t n_wanted, ingest_table **out,
                          char *message, size_t message_size);

/* ingest_read and ingest_parse with another field separator (the study's delimiter: ',', ';' or
 * '\t'). A header that is one field holding another of these separators gets a message saying the
 * file seems to be separated by it. */
embolo_error ingest_read_delimited(const char *path, char delimiter, const char *const *wanted, size_t n_wanted,
                                   ingest_table **out, char *message, size_t message_size);
embolo_error ingest_parse_delimited(const char *data, size_t length, const char *path, char delimiter,
                                    const char *const *wanted, size_t n_wanted, ingest_table **out,
                                    char *message, size_t message_size);

/* How a CSV is read: its field separator (0: ','), and optional[w] != 0 for a wanted column that the
 * header may lack (optional NULL: none may): such a column reads as empty, and ingest_column_present
 * says it is absent. options NULL: ',' and every column required. */
typedef struct ingest_options {
    char delimiter;
    const unsigned char *optional;
    size_t threads;    /* threads the read may use; 0: as many as cpus_online() */
    size_t split_min;  /* 0: INGEST_SPLIT_MIN (tests set it lower) */
} ingest_options;

/* A regular file (not standard input) of split_min bytes or more, read with two threads or more, is
 * parsed in two parts at once: the first from its start on the calling thread, the second on a thread
 * of its own from the first line end at or after INGEST_SPLIT_PERCENT of the file's size, its bytes
 * kept to be hashed after the first part's. The parts are joined when the first part ends at the start
 * of a record there and the second was read to the end of the file without an error or a limit;
 * otherwise the second part's bytes are parsed after the first's as in one pass. Either way the table,
 * the hash, the error and its message are those of the read on one thread. */
#define INGEST_SPLIT_MIN ((size_t)8 << 20)
#define INGEST_SPLIT_PERCENT 45

/* The one entry point every file read goes through (the patient file and the procedures file):
 * reads the file once, streaming (path "-": standard input; a FIFO works), and gives the SHA-256 of
 * exactly the bytes parsed in sha256_hex (NULL: not wanted). The read stops at the first limit
 * reached (a field over 16 MiB, 4 GiB in all); out of memory is EMBOLO_ERROR_NOMEM "out of memory
 * while reading PATH". ingest_read, ingest_read_delimited and ingest_read_hashed are this with a
 * delimiter only; ingest_parse_with is the same parse from memory. */
embolo_error ingest_read_with(const char *path, const ingest_options *options, const char *const *wanted,
                              size_t n_wanted, ingest_table **out, char sha256_hex[65], char *message,
                              size_t message_size);
embolo_error ingest_read_hashed(const char *path, char delimiter, const char *const *wanted, size_t n_wanted,
                                ingest_table **out, char sha256_hex[65], char *message, size_t message_size);
embolo_error ingest_parse_with(const char *data, size_t length, const char *path, const ingest_options *options,
                               const char *const *wanted, size_t n_wanted, ingest_table **out, char *message,
                               size_t message_size);

void ingest_table_free(ingest_table *table);

/* 2 when the table's records were read in two parts on two threads and joined, else 1 (for tests). */
int ingest_read_parts(const ingest_table *table);

/* 0 when the optional wanted column `column` is absent from the header, else 1 (its cells read as
 * empty unless ingest_set_value filled them). */
int ingest_column_present(const ingest_table *table, size_t column);

/* Replaces the value of (record, column): cleaning fills a patient's missing start or treatment
 * from the index procedure this way (procedures.md), so that every later rule applies to it. */
embolo_error ingest_set_value(ingest_table *table, size_t record, size_t column, const char *text, size_t length);

/* Frees the records' cells and text once they are read (cleaning done): the header, the unused
 * columns and the present columns stay; the table then has no record. NULL-safe. */
void ingest_table_release_records(ingest_table *table);

size_t ingest_record_count(const ingest_table *table);

/* 1 if the record's field count differs from the header's (E_MALFORMED_ROW). */
int ingest_record_malformed(const ingest_table *table, size_t record);

/* Value of wanted column `column` in record `record` (0-based); fields a short record lacks are
 * empty. The bytes may hold NULs; *length is their count. */
const char *ingest_value(const ingest_table *table, size_t record, size_t column, size_t *length);

/* Header columns the study does not use, in header order (for the report). */
size_t ingest_unused_column_count(const ingest_table *table);
const char *ingest_unused_column(const ingest_table *table, size_t index);

#endif
