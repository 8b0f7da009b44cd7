#include "textbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int textbuf_reserve(textbuf *b, size_t more)
{
    if (b->failed)
        return 0;
    if (more < b->capacity - b->n)
        return 1;
    if (more > SIZE_MAX / 2 - b->n) {
        b->failed = 1;
        return 0;
    }
    size_t capacity = b->capacity ? b->capacity : 4096;
    while (capacity - b->n <= more)
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

void textbuf_bytes(textbuf *b, const char *bytes, size_t length)
{
    if (!textbuf_reserve(b, length))
        return;
    memcpy(b->data + b->n, bytes, length);
    b->n += length;
    b->data[b->n] = '\0';
}

void textbuf_char(textbuf *b, char c)
{
    if (!textbuf_reserve(b, 1))
        return;
    b->data[b->n++] = c;
    b->data[b->n] = '\0';
}

void textbuf_string(textbuf *b, const char *text)
{
    textbuf_bytes(b, text, strlen(text));
}

void textbuf_free(textbuf *b)
{
    free(b->data);
    *b = (textbuf){0};
}
