/* The document model: what the run's documents show, in the template's order, built once before
 * any writer runs. The report's sections are a list of blocks (headings, paragraphs, tables,
 * figures) that the PDF writer draws and the Word writer takes the tables of; the workbook's sheets
 * are lists of the same tables; the figure files are the report's figures. Writers only read the
 * document. Internal to the render stage. */
#ifndef EMBOLO_DOCUMENT_H
#define EMBOLO_DOCUMENT_H

#include <stddef.h>
#include "build.h"
#include "figure.h"
#include "render.h"
#include "table.h"

typedef enum doc_block_kind {
    DOC_SECTION,     /* a numbered section starts: text is its title */
    DOC_SUBHEADING,  /* a heading inside a section */
    DOC_PARAGRAPH,   /* body text */
    DOC_NOTE,        /* small print */
    DOC_BULLET,      /* an item of a list */
    DOC_TABLE,
    DOC_FIGURE
} doc_block_kind;

typedef struct doc_block {
    doc_block_kind kind;
    const char *text;      /* owned by the document */
    table *table;          /* DOC_TABLE: one of the document's tables */
    const figure *figure;  /* DOC_FIGURE: one of the document's figures */
} doc_block;

typedef struct doc_sheet {
    const char *name;      /* the worksheet's name (at most 31 characters) */
    workbook_sheet kind;
    table **tables;        /* the document's tables, in order; consecutive ones with a key and the same
                              columns are joined into one (their keys in a first column) */
    size_t n_tables;
    int keyed;             /* its lists start with a column of their tables' keys (the endpoints of one
                              sheet); tables joined into one list always do */
} doc_sheet;

typedef struct doc_table_entry {
    build_table_kind kind;
    size_t index;
    table *table;
} doc_table_entry;

typedef struct document {
    build_context build;
    const char *title;      /* the report's title */
    const char *subtitle;   /* NULL: none */
    const char *footer;     /* "Title — as of 2012-12-31" */
    long day;               /* the documents' date: the as-of date, else the data's newest (not under
                               share), else 0 (1970-01-01); never the clock */
    doc_block *blocks;
    size_t n_blocks, blocks_capacity;
    doc_sheet *sheets;
    size_t n_sheets, sheets_capacity;
    figure_list figures;       /* every figure of the report, in order, numbered from 1 (the figure files) */
    doc_table_entry *tables;   /* every table, built once, owned */
    size_t n_tables, tables_capacity;
    table *strings;            /* a table holding the document's own strings */
    embolo_error error;
} document;

/* Builds the document of a run (its results must be there); NULL with *err set on failure. */
document *document_build(const render_input *in, embolo_error *err);
void document_free(document *d);

/* Whether a table shows nothing but notes (the report shows them as paragraphs). */
int document_table_is_note(const table *t);

#endif
