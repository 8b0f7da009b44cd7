/* Text for the XML parts of the workbook and the Word document: which UTF-8 characters XML 1.0 allows,
 * and a growing buffer the Word writer builds its parts in. Internal to the render stage. */
#ifndef EMBOLO_XML_H
#define EMBOLO_XML_H

#include <stddef.h>

/* The length of the UTF-8 character at p (NUL-terminated), 0 when it is invalid or not allowed in
 * XML (control characters other than tab and line feed, U+FFFE, U+FFFF). */
size_t xml_char_length(const unsigned char *p);

typedef struct xml_buffer {
    char *data;
    size_t n, capacity;
    int failed;   /* out of memory: later appends do nothing */
} xml_buffer;

void xml_raw(xml_buffer *b, const char *text);
void xml_printf(xml_buffer *b, const char *format, ...);
/* Text as element content or an attribute value: & < > " escaped, an invalid byte as U+FFFD, a
 * character XML does not allow as a space. */
void xml_escaped(xml_buffer *b, const char *text);
void xml_buffer_free(xml_buffer *b);

#endif
