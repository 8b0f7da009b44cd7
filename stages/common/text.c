#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_space_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Length of the UTF-8 sequence starting at s (at most remaining bytes), 0 if invalid. */
static size_t utf8_sequence_length(const unsigned char *s, size_t remaining)
{
    size_t length;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        length = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        length = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        length = 4;
    else
        return 0;
    if (length > remaining)
        return 0;
    for (size_t i = 1; i < length; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && s[1] < 0xA0)
        return 0;
    if (c == 0xED && s[1] > 0x9F)
        return 0;
    if (c == 0xF0 && s[1] < 0x90)
        return 0;
    if (c == 0xF4 && s[1] > 0x8F)
        return 0;
    return length;
}

/* Most cells are printable ASCII without a space (a level, a number, a date): lower-cased in one
 * pass, as the full walk below would. 0 when the cell has another byte or does not fit: take the walk. */
static int normalize_plain(const unsigned char *s, size_t length, char *out, size_t out_size)
{
    if (length >= out_size)
        return 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = s[i];
        if (c <= ' ' || c >= 0x7F)
            return 0;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[length] = '\0';
    return 1;
}

int text_normalize(const char *value, size_t length, char *out, size_t out_size)
{
    const unsigned char *s = (const unsigned char *)value;
    if (normalize_plain(s, length, out, out_size))
        return 1;
    size_t begin = 0, end = length, used = 0;
    int pending_space = 0;
    if (out_size == 0)
        return 0;
    while (begin < end && is_space_byte(s[begin]))
        begin++;
    while (end > begin && is_space_byte(s[end - 1]))
        end--;
    for (size_t i = begin; i < end;) {
        if (s[i] == 0)
            return 0;
        if (is_space_byte(s[i])) {
            pending_space = 1;
            i++;
            continue;
        }
        /* ASCII, most of every file, without a library call: tolower in the C locale (embolo sets
         * no other) lower-cases A-Z only. */
        if (s[i] < 0x80) {
            if (used + 2 + (size_t)pending_space > out_size)
                return 0;
            if (pending_space)
                out[used++] = ' ';
            pending_space = 0;
            out[used++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') : s[i]);
            i++;
            continue;
        }
        size_t seq = utf8_sequence_length(s + i, end - i);
        if (seq == 0)
            return 0;
        if (used + seq + (size_t)pending_space + 1 > out_size)
            return 0;
        if (pending_space)
            out[used++] = ' ';
        pending_space = 0;
        for (size_t k = 0; k < seq; k++)
            out[used++] = (char)(seq == 1 ? tolower(s[i + k]) : s[i + k]);
        i += seq;
    }
    out[used] = '\0';
    return 1;
}

int text_equal_folded(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Accepts [+-]digits[.digits][(e|E)[+-]digits] with at least one digit in the mantissa. */
static int is_decimal_syntax(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (isdigit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t exponent_digits = 0;
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        while (isdigit((unsigned char)s[i])) {
            i++;
            exponent_digits++;
        }
        if (exponent_digits == 0)
            return 0;
    }
    return s[i] == '\0';
}

/* The buffers text_parse_number and text_parse_date normalize into: a longer value does not parse. */
#define NUMBER_TEXT_SIZE 128
#define DATE_TEXT_SIZE 64

int text_parse_number_normalized(const char *normalized, double *out)
{
    if (strlen(normalized) >= NUMBER_TEXT_SIZE || !is_decimal_syntax(normalized))
        return 0;
    errno = 0;
    double parsed = strtod(normalized, NULL);
    if (errno == ERANGE && fabs(parsed) > 1.0)
        return 0;
    if (!isfinite(parsed))
        return 0;
    *out = parsed;
    return 1;
}

int text_parse_number(const char *value, size_t length, double *out)
{
    char buffer[NUMBER_TEXT_SIZE];
    return text_normalize(value, length, buffer, sizeof buffer) && text_parse_number_normalized(buffer, out);
}

static int is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Howard Hinnant's days_from_civil: proleptic Gregorian calendar. */
long text_days_from_civil(int year, int month, int day)
{
    long y = year - (month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void text_format_date(long z, char out[11])
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    out[0] = (char)('0' + (y / 1000) % 10);
    out[1] = (char)('0' + (y / 100) % 10);
    out[2] = (char)('0' + (y / 10) % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

/* Reads 1..max_digits digits at *s into *value; advances *s. */
static int read_digits(const char **s, int min_digits, int max_digits, int *value)
{
    int count = 0, v = 0;
    while (isdigit((unsigned char)**s) && count < max_digits) {
        v = v * 10 + (**s - '0');
        (*s)++;
        count++;
    }
    if (count < min_digits || isdigit((unsigned char)**s))
        return 0;
    *value = v;
    return 1;
}

static int parse_iso(const char *s, int *year, int *month, int *day)
{
    return read_digits(&s, 4, 4, year) && *s++ == '-' && read_digits(&s, 1, 2, month) &&
           *s++ == '-' && read_digits(&s, 1, 2, day) && *s == '\0';
}

static int parse_slashed(const char *s, int *first, int *second, int *year)
{
    return read_digits(&s, 1, 2, first) && *s++ == '/' && read_digits(&s, 1, 2, second) &&
           *s++ == '/' && read_digits(&s, 4, 4, year) && *s == '\0';
}

int text_parse_date_normalized(const char *normalized, date_format format, long *day_number)
{
    int year = 0, month = 0, day = 0;
    if (strlen(normalized) >= DATE_TEXT_SIZE)
        return 0;
    if (!parse_iso(normalized, &year, &month, &day)) {
        int first, second;
        if (format == DATE_FORMAT_ISO || !parse_slashed(normalized, &first, &second, &year))
            return 0;
        month = format == DATE_FORMAT_MDY ? first : second;
        day = format == DATE_FORMAT_MDY ? second : first;
    }
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return 0;
    *day_number = text_days_from_civil(year, month, day);
    return 1;
}

int text_parse_date(const char *value, size_t length, date_format format, long *day_number)
{
    char buffer[DATE_TEXT_SIZE];
    return text_normalize(value, length, buffer, sizeof buffer) &&
           text_parse_date_normalized(buffer, format, day_number);
}

char *text_copy(const char *s)
{
    const char *source = s ? s : "";
    size_t length = strlen(source);
    char *copy = malloc(length + 1);
    if (copy)
        memcpy(copy, source, length + 1);
    return copy;
}

char *text_path_beside(const char *file_path, const char *path)
{
    const char *slash = strrchr(file_path, '/');
    const char *folder_text = file_path;
    size_t folder = path[0] == '/' || !slash ? 0 : (size_t)(slash - file_path + 1);
    if (folder == 0 && strcmp(path, "-") == 0) {
        folder_text = "./";
        folder = 2;
    }
    size_t length = strlen(path);
    char *joined = malloc(folder + length + 1);
    if (joined) {
        memcpy(joined, folder_text, folder);
        memcpy(joined + folder, path, length + 1);
    }
    return joined;
}

embolo_error text_read_file(const char *path, const char *what, size_t max_bytes, char **text, size_t *length,
                            char *message, size_t message_size)
{
    enum { CHUNK = 65536 };
    embolo_error err = EMBOLO_OK;
    char *buffer = NULL;
    size_t used = 0, capacity = 0;
    FILE *file = fopen(path, "rb");
    *text = NULL;
    *length = 0;
    if (!file) {
        snprintf(message, message_size, "%s: cannot open the %s", path, what);
        return EMBOLO_ERROR_FILE_NOT_FOUND;
    }
    for (;;) {
        /* Room for a chunk and the final NUL. */
        if (capacity - used < CHUNK + 1) {
            capacity = capacity ? capacity * 2 : 4 * CHUNK;
            if (capacity > max_bytes + CHUNK + 1) {
                snprintf(message, message_size, "%s: the %s is too large to read", path, what);
                err = EMBOLO_ERROR_TOO_LARGE;
                goto cleanup;
            }
            char *grown = realloc(buffer, capacity);
            if (!grown) {
                snprintf(message, message_size, "out of memory while reading %s", path);
                err = EMBOLO_ERROR_NOMEM;
                goto cleanup;
            }
            buffer = grown;
        }
        size_t got = fread(buffer + used, 1, capacity - used - 1, file);
        used += got;
        if (got == 0)
            break;
    }
    if (ferror(file)) {
        snprintf(message, message_size, "%s: cannot read the %s", path, what);
        err = EMBOLO_ERROR_FILE_NOT_FOUND;
        goto cleanup;
    }
    if (used > max_bytes) {
        snprintf(message, message_size, "%s: the %s is too large to read", path, what);
        err = EMBOLO_ERROR_TOO_LARGE;
        goto cleanup;
    }
    buffer[used] = '\0';
    *text = buffer;
    *length = used;
    buffer = NULL;
cleanup:
    free(buffer);
    fclose(file);
    return err;
}

void text_display(const char *value, size_t length, char *out, size_t size)
{
    if (size == 0)
        return;
    while (length > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        length--;
    }
    while (length > 0 && (value[length - 1] == ' ' || value[length - 1] == '\t' || value[length - 1] == '\r'))
        length--;
    if (length >= size)
        length = size - 1;
    memcpy(out, value, length);
    out[length] = '\0';
    for (size_t i = 0; i < length; i++)
        if (out[i] == '\0')
            out[i] = '?';
}
