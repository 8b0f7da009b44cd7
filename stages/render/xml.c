#include "xml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t xml_char_length(const unsigned char *p)
{
    if (p[0] < 0x80)
        return p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n';
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[0] == 0xE0 && p[1] < 0xA0) ||
            (p[0] == 0xED && p[1] >= 0xA0) || (p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE))
            return 0;
        return 3;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80 ||
            (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

static int xml_reserve(xml_buffer *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->n + more + 1 <= b->capacity)
        return 1;
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity < b->n + more + 1)
        capacity *= 2;
    char *grown = realloc(b->data, capacity);
    if (!grown) {
        b->failed = 1;
        return 0;
    }
    b->data = grown;
    b->capacity = capacity;
    return 1;
}

static void xml_bytes(xml_buffer *b, const char *bytes, size_t length)
{
    if (!xml_reserve(b, length))
        return;
    memcpy(b->data + b->n, bytes, length);
    b->n += length;
    b->data[b->n] = '\0';
}

void xml_raw(xml_buffer *b, const char *text)
{
    xml_bytes(b, text, strlen(text));
}

void xml_printf(xml_buffer *b, const char *format, ...)
{
    char text[1024];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(text, sizeof text, format, args);
    va_end(args);
    if (n > 0)
        xml_bytes(b, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

void xml_escaped(xml_buffer *b, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        size_t length = xml_char_length(p);
        if (*p == '&' || *p == '<' || *p == '>' || *p == '"')
            xml_raw(b, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : "&quot;");
        else if (length)
            xml_bytes(b, (const char *)p, length);
        else
            xml_raw(b, *p < 0x80 ? " " : "\xef\xbf\xbd");
        p += length ? length : 1;
    }
}

void xml_buffer_free(xml_buffer *b)
{
    free(b->data);
    *b = (xml_buffer){0};
}
