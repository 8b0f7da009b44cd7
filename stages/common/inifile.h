/* INI files (the study file, report templates) read with libinih: every key with its line, so that
 * each rule breach can name the file and line. Lines longer than libinih's 199 characters, NUL
 * bytes and unknown sections are rejected before parsing; an indented line continues the previous
 * key's list (joined with ','); a key given twice is an error. */
#ifndef EMBOLO_INIFILE_H
#define EMBOLO_INIFILE_H

#include <stddef.h>
#include "error.h"

/* libinih as Debian builds it cuts lines at 199 characters. */
#define INI_MAX_LINE 199
#define INI_MAX_ITEMS 4096
/* Largest study file or template read. */
#define INI_MAX_FILE ((size_t)16 * 1024 * 1024)

typedef struct ini_entry {
    char *section;
    char *key;
    char *value;
    int line;
    int used;
} ini_entry;

/* The parse context: the entries libinih hands over, and the first error. */
typedef struct ini_doc {
    const char *path;
    const char *text;
    size_t length;
    embolo_error kind;                          /* error code of rule breaches (STUDY, TEMPLATE) */
    int (*known_section)(const char *name);
    const char *known_sections;                 /* for the message about an unknown section */
    char *message;
    size_t message_size;
    embolo_error error;                         /* the first error, EMBOLO_OK while none */
    size_t offset;
    int line;
    int line_indented;
    ini_entry *entries;
    size_t n_entries, capacity;
} ini_doc;

/* Reads the document's text into entries; doc->error says whether it worked. */
void ini_doc_parse(ini_doc *doc);

/* Records the first error: "PATH:LINE: message" (line 0: no line). */
void ini_doc_fail(ini_doc *doc, embolo_error err, int line, const char *format, ...);

/* The entry of section/key (marked used), NULL if absent. */
ini_entry *ini_doc_find(ini_doc *doc, const char *section, const char *key);

/* Line of the first key of a section, 0 if none. */
int ini_doc_section_line(const ini_doc *doc, const char *section);

/* Fails on the first entry nobody asked for: "unknown key". */
void ini_doc_check_unused(ini_doc *doc);

void ini_doc_free_entries(ini_doc *doc);

/* The raw text after the first '=' of a line (from 1), white space trimmed, before libinih's comment
 * rule (a ';' after a space starts a comment); "" for a line without '='. Points into doc->text. */
const char *ini_doc_raw_value(const ini_doc *doc, int line, size_t *length);


char *ini_string_copy(const char *s);
char *ini_trimmed_copy(const char *s);
void ini_strings_free(char **items, size_t count);

/* Splits a value at separator into trimmed, non-empty items. */
embolo_error ini_split_list(const char *value, char separator, char ***out, size_t *count);

#endif
