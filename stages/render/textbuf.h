/* A growing buffer of bytes that keeps its failure: once an allocation fails, later appends do
 * nothing and `failed` says the text is incomplete. The Word parts and the lines of patients.csv
 * are built in one. data is NULL until something is appended; from then on the n bytes are followed
 * by a NUL. Internal to the render stage. */
#ifndef EMBOLO_TEXTBUF_H
#define EMBOLO_TEXTBUF_H

#include <stddef.h>

typedef struct textbuf {
    char *data;
    size_t n, capacity;
    int failed;   /* out of memory: later appends do nothing */
} textbuf;

/* Room for `more` bytes after the n there are (and the NUL): 0, and failed set, when there is none. */
int textbuf_reserve(textbuf *b, size_t more);
void textbuf_bytes(textbuf *b, const char *bytes, size_t length);
void textbuf_char(textbuf *b, char c);
void textbuf_string(textbuf *b, const char *text);
void textbuf_free(textbuf *b);

#endif
