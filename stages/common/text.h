/* Text, number and date parsing shared by the stages. Values are byte strings with a length: they
 * may hold NUL bytes or invalid UTF-8, which make them invalid, never crash anything. */
#ifndef EMBOLO_TEXT_H
#define EMBOLO_TEXT_H

#include <stddef.h>
#include "error.h"

/* Writes into out (capacity out_size, NUL-terminated) the value trimmed, with inner runs of white
 * space folded to one space and ASCII letters lower-cased. Returns 0 if the value holds a NUL byte or
 * invalid UTF-8 or does not fit, else 1. */
int text_normalize(const char *value, size_t length, char *out, size_t out_size);

/* Case-insensitive equality of two normalized strings. */
int text_equal_folded(const char *a, const char *b);

/* Parses a decimal number ("60", "-0.5", "1e3", " 62 "); rejects nan, inf, hexadecimal, "6,2",
 * overflow and trailing garbage. Returns 1 on success. */
int text_parse_number(const char *value, size_t length, double *out);

/* text_parse_number of a value whose text_normalize form is already at hand: the same result. */
int text_parse_number_normalized(const char *normalized, double *out);

typedef enum date_format { DATE_FORMAT_ISO, DATE_FORMAT_MDY, DATE_FORMAT_DMY } date_format;

/* Parses a calendar date: ISO YYYY-MM-DD always, and M/D/YYYY or D/M/YYYY for MDY / DMY; years
 * 0001 to 9999. On success stores the day number (days since 1970-01-01) and returns 1; returns 0
 * for a date that does not exist (2010-02-30, month 13, 0000-00-00) or does not parse. */
int text_parse_date(const char *value, size_t length, date_format format, long *day_number);

/* text_parse_date of a value whose text_normalize form is already at hand: the same result. */
int text_parse_date_normalized(const char *normalized, date_format format, long *day_number);

/* Formats a day number as YYYY-MM-DD into out (at least 11 bytes). */
void text_format_date(long day_number, char out[11]);

/* Day number of a valid civil date. */
long text_days_from_civil(int year, int month, int day);

/* Reads a whole file of at most max_bytes into *text (NUL-terminated, the caller frees it) and its
 * size into *length; what names the file in messages ("input file"). Fails with FILE_NOT_FOUND when
 * the file cannot be opened or read, TOO_LARGE beyond max_bytes (the read stops there), NOMEM "out of
 * memory while reading PATH", message naming the path. */
embolo_error text_read_file(const char *path, const char *what, size_t max_bytes, char **text, size_t *length,
                            char *message, size_t message_size);

/* A value as identifiers are shown: leading blanks and tabs and trailing blanks, tabs and CRs
 * trimmed, NUL bytes as '?', cut to fit out (size > 0, NUL-terminated). */
void text_display(const char *value, size_t length, char *out, size_t size);

/* PATH relative to the folder of the file FILE_PATH (an absolute PATH as it is), newly allocated; NULL
 * when out of memory. A PATH "-" stays a file ("./-"), never standard input. */
char *text_path_beside(const char *file_path, const char *path);

/* A copy of s (NULL gives ""), NULL when out of memory. */
char *text_copy(const char *s);

#endif
