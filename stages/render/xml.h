/* Text for the XML parts of the workbook and the Word document: which UTF-8 characters XML 1.0 allows,
 * and text written into a textbuf. Internal to the render stage. */
#ifndef EMBOLO_XML_H
#define EMBOLO_XML_H

#include <stddef.h>

#include "textbuf.h"

/* The length of the UTF-8 character at p (NUL-terminated), 0 when it is invalid or not allowed in
 * XML (control characters other than tab and line feed, U+FFFE, U+FFFF). */
size_t xml_char_length(const unsigned char *p);

void xml_printf(textbuf *b, const char *format, ...);
/* Text as element content or an attribute value: & < > " escaped, an invalid byte as U+FFFD, a
 * character XML does not allow as a space. */
void xml_escaped(textbuf *b, const char *text);

#endif
