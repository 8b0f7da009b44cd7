#include "inifile.h"

#include "text.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void ini_doc_fail(ini_doc *parser, embolo_error err, int line, const char *format, ...)
{
    va_list args;
    int used;
    if (parser->error != EMBOLO_OK)
        return;
    parser->error = err;
    if (parser->message_size == 0)
        return;
    used = line > 0 ? snprintf(parser->message, parser->message_size, "%s:%d: ", parser->path, line)
                    : snprintf(parser->message, parser->message_size, "%s: ", parser->path);
    if (used < 0 || (size_t)used >= parser->message_size)
        return;
    va_start(args, format);
    vsnprintf(parser->message + used, parser->message_size - (size_t)used, format, args);
    va_end(args);
}

char *ini_string_copy(const char *s)
{
    return text_copy(s);
}

/* The libinih reader: hands out one line at a time and counts lines for messages. */
static char *ini_doc_read_line(char *str, int num, void *stream)
{
    ini_doc *parser = stream;
    size_t copied = 0;
    if (parser->offset >= parser->length || num <= 1)
        return NULL;
    parser->line++;
    parser->line_indented = parser->text[parser->offset] == ' ' || parser->text[parser->offset] == '\t';
    while (parser->offset < parser->length && copied + 1 < (size_t)num) {
        char c = parser->text[parser->offset++];
        str[copied++] = c;
        if (c == '\n')
            break;
    }
    str[copied] = '\0';
    return str;
}

static int ini_doc_append_continuation(ini_doc *parser, const char *value)
{
    ini_entry *last = &parser->entries[parser->n_entries - 1];
    size_t old_length = strlen(last->value), add = strlen(value);
    char *joined = realloc(last->value, old_length + add + 2);
    if (!joined) {
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, parser->line, "out of memory");
        return 0;
    }
    joined[old_length] = ',';
    memcpy(joined + old_length + 1, value, add + 1);
    last->value = joined;
    return 1;
}

static int ini_doc_handle(void *user, const char *section, const char *key, const char *value)
{
    ini_doc *parser = user;
    if (parser->n_entries > 0 && parser->line_indented) {
        ini_entry *last = &parser->entries[parser->n_entries - 1];
        if (strcmp(last->section, section) == 0 && strcmp(last->key, key) == 0)
            return ini_doc_append_continuation(parser, value);
    }
    for (size_t i = 0; i < parser->n_entries; i++) {
        if (strcmp(parser->entries[i].section, section) == 0 && strcmp(parser->entries[i].key, key) == 0) {
            ini_doc_fail(parser, parser->kind, parser->line,
                        "key '%s' in [%s] given twice (first on line %d)", key, section,
                        parser->entries[i].line);
            return 0;
        }
    }
    if (parser->n_entries == parser->capacity) {
        size_t capacity = parser->capacity ? parser->capacity * 2 : 64;
        ini_entry *grown = capacity > INI_MAX_ITEMS ? NULL
                                                        : realloc(parser->entries, capacity * sizeof *grown);
        if (!grown) {
            ini_doc_fail(parser, parser->kind, parser->line, "too many keys");
            return 0;
        }
        parser->entries = grown;
        parser->capacity = capacity;
    }
    ini_entry *entry = &parser->entries[parser->n_entries];
    entry->section = ini_string_copy(section);
    entry->key = ini_string_copy(key);
    entry->value = ini_string_copy(value);
    entry->line = parser->line;
    entry->used = 0;
    parser->n_entries++;
    if (!entry->section || !entry->key || !entry->value) {
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, parser->line, "out of memory");
        return 0;
    }
    return 1;
}

/* Rejects long lines (libinih would misread them) and unknown or empty section names. */
static void ini_doc_prescan(ini_doc *parser)
{
    size_t start = 0;
    int line = 0;
    while (start < parser->length && parser->error == EMBOLO_OK) {
        size_t end = start;
        while (end < parser->length && parser->text[end] != '\n')
            end++;
        line++;
        size_t length = end - start;
        if (length > 0 && parser->text[end - 1] == '\r')
            length--;
        if (memchr(parser->text + start, '\0', end - start))
            ini_doc_fail(parser, parser->kind, line, "NUL byte in the file");
        else if (length > INI_MAX_LINE)
            ini_doc_fail(parser, parser->kind, line,
                        "line longer than %d characters; continue a list on indented lines",
                        INI_MAX_LINE);
        else {
            size_t i = start;
            while (i < start + length && (parser->text[i] == ' ' || parser->text[i] == '\t'))
                i++;
            if (i < start + length && parser->text[i] == '[') {
                const char *close = memchr(parser->text + i, ']', start + length - i);
                char name[INI_MAX_LINE + 1];
                size_t name_length = close ? (size_t)(close - (parser->text + i + 1)) : 0;
                if (close) {
                    memcpy(name, parser->text + i + 1, name_length);
                    name[name_length] = '\0';
                }
                if (!close)
                    ini_doc_fail(parser, parser->kind, line, "section header without ']'");
                else if (!parser->known_section(name))
                    ini_doc_fail(parser, parser->kind, line,
                                "unknown section [%s] (known: %s)", name, parser->known_sections);
            }
        }
        start = end + 1;
    }
}

ini_entry *ini_doc_find(ini_doc *parser, const char *section, const char *key)
{
    for (size_t i = 0; i < parser->n_entries; i++) {
        ini_entry *e = &parser->entries[i];
        if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0) {
            e->used = 1;
            return e;
        }
    }
    return NULL;
}

int ini_doc_section_line(const ini_doc *parser, const char *section)
{
    for (size_t i = 0; i < parser->n_entries; i++)
        if (strcmp(parser->entries[i].section, section) == 0)
            return parser->entries[i].line;
    return 0;
}

char *ini_trimmed_copy(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t length = strlen(s);
    while (length > 0 && (s[length - 1] == ' ' || s[length - 1] == '\t' || s[length - 1] == '\r'))
        length--;
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, s, length);
        copy[length] = '\0';
    }
    return copy;
}

void ini_strings_free(char **items, size_t count)
{
    if (!items)
        return;
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
}

/* Splits a value at `separator` into trimmed, non-empty items. */
embolo_error ini_split_list(const char *value, char separator, char ***out, size_t *count)
{
    embolo_error err = EMBOLO_OK;
    size_t capacity = 1, n = 0;
    char **items = NULL;
    for (const char *c = value; *c; c++)
        capacity += *c == separator;
    if (capacity > INI_MAX_ITEMS)
        return EMBOLO_ERROR_TOO_LARGE;
    items = calloc(capacity, sizeof *items);
    if (!items)
        return EMBOLO_ERROR_NOMEM;
    const char *start = value;
    for (;;) {
        const char *end = strchr(start, separator);
        size_t length = end ? (size_t)(end - start) : strlen(start);
        char *raw = malloc(length + 1);
        if (!raw) {
            err = EMBOLO_ERROR_NOMEM;
            goto cleanup;
        }
        memcpy(raw, start, length);
        raw[length] = '\0';
        char *item = ini_trimmed_copy(raw);
        free(raw);
        if (!item) {
            err = EMBOLO_ERROR_NOMEM;
            goto cleanup;
        }
        if (item[0])
            items[n++] = item;
        else
            free(item);
        if (!end)
            break;
        start = end + 1;
    }
    *out = items;
    *count = n;
    items = NULL;
cleanup:
    ini_strings_free(items, n);
    return err;
}

void ini_doc_check_unused(ini_doc *parser)
{
    for (size_t i = 0; i < parser->n_entries && parser->error == EMBOLO_OK; i++)
        if (!parser->entries[i].used)
            ini_doc_fail(parser, parser->kind, parser->entries[i].line, "unknown key '%s' in [%s]",
                        parser->entries[i].key, parser->entries[i].section);
}

const char *ini_doc_raw_value(const ini_doc *parser, int line, size_t *length)
{
    size_t start = 0, end;
    for (int at = 1; at < line && start < parser->length; at++) {
        const char *newline = memchr(parser->text + start, '\n', parser->length - start);
        start = newline ? (size_t)(newline - parser->text) + 1 : parser->length;
    }
    for (end = start; end < parser->length && parser->text[end] != '\n'; end++)
        ;
    const char *equals = memchr(parser->text + start, '=', end - start);
    if (!equals) {
        *length = 0;
        return "";
    }
    start = (size_t)(equals - parser->text) + 1;
    while (start < end && (parser->text[start] == ' ' || parser->text[start] == '\t'))
        start++;
    while (end > start && (parser->text[end - 1] == ' ' || parser->text[end - 1] == '\t' ||
                           parser->text[end - 1] == '\r'))
        end--;
    *length = end - start;
    return parser->text + start;
}

void ini_doc_free_entries(ini_doc *parser)
{
    for (size_t i = 0; i < parser->n_entries; i++) {
        free(parser->entries[i].section);
        free(parser->entries[i].key);
        free(parser->entries[i].value);
    }
    free(parser->entries);
}


void ini_doc_parse(ini_doc *parser)
{
    ini_doc_prescan(parser);
    if (parser->error != EMBOLO_OK)
        return;
    int line = ini_parse_stream(ini_doc_read_line, parser, ini_doc_handle, parser);
    if (line > 0)
        ini_doc_fail(parser, parser->kind, line, "not a 'key = value' line or [section]");
    else if (line < 0)
        ini_doc_fail(parser, EMBOLO_ERROR_NOMEM, 0, "out of memory");
}
