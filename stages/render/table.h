/* The table model: what every table of the run shows, built once from the results and drawn by each
 * writer (the PDF report, the workbook, the Word document) without deciding anything of its own.
 * Internal to the render stage.
 *
 * A table is plain data: a title; columns with headings (a spanning heading may stand over several
 * columns); rows with a role (a heading of a group, a level under it, a plain item, a total, a note)
 * and a label (the first column, the stub); cells that keep their numbers, how they are shown (an
 * HR with its 95% CI, a p-value shown "<0.001", "n (%)", "median [IQR]" ...), whether they are
 * missing (NAN: "NA") and whether share suppression hid them; footnotes. Writers show a cell through
 * table_cell_text (the PDF and Word show the same text) or spread its numbers over cells of their
 * own (the workbook: a value and its limits in three numeric cells).
 *
 * Adding a table (the developer's note):
 *   1. Write its builder (build_*.c, declared in build.h): make the table with table_new, add rows,
 *      fill their cells with the build_* helpers (they apply the template's decimals and the share
 *      suppression, once, there), add footnotes. Read results through the keys of common/keys.h.
 *   2. Name where it goes (document.c): a block of a report section (the PDF and tables.docx show it)
 *      and, if the workbook shows it, a sheet. Nothing else changes: every writer draws any table.
 * Large tables the workbook alone lists (patients, the exclusion log, curve points) fill their rows
 * on demand (table_set_source) instead of holding them. */
#ifndef EMBOLO_TABLE_H
#define EMBOLO_TABLE_H

#include <stddef.h>
#include "common/error.h"

typedef enum table_role {
    TABLE_ROW_PLAIN,    /* an item of its own */
    TABLE_ROW_HEADING,  /* a group's heading (a variable, an endpoint); its cells describe the whole group */
    TABLE_ROW_LEVEL,    /* an item of the group above it, shown indented */
    TABLE_ROW_TOTAL,    /* a total or summary line: a rule above it */
    TABLE_ROW_NOTE      /* a remark in the table's place (its label only) */
} table_role;

typedef enum cell_format {
    CELL_EMPTY,
    CELL_TEXT,           /* text */
    CELL_COUNT,          /* a whole number of patients or events; "<5" when suppressed */
    CELL_NUMBER,         /* value with decimals */
    CELL_GENERAL,        /* a value as the data hold it (%.10g): ids, limits, row numbers */
    CELL_PERCENT,        /* value is a proportion, shown as a percentage: 0.484 -> "48.4%" */
    CELL_P,              /* a p-value: "<0.001" below 10^-decimals */
    CELL_ESTIMATE_CI,    /* value (lower–upper) */
    CELL_PERCENT_CI,     /* proportions shown as percentages: "64.8 (54.8–76.7)" */
    CELL_ESTIMATE_SE,    /* value (standard error) */
    CELL_COUNT_PERCENT,  /* n (percentage): value n, then the proportion */
    CELL_MEAN_SD,        /* mean ± SD */
    CELL_MEDIAN_IQR,     /* median [first quartile–third quartile] */
    CELL_REFERENCE,      /* the reference level of a hazard ratio: "1 (reference)" */
    CELL_DATE            /* a day number (days since 1970-01-01): 2012-12-31 */
} cell_format;

typedef struct table_cell {
    cell_format format;
    unsigned char decimals;
    unsigned char suppressed;  /* hidden by share suppression: a count holds the bound (shown "<5"), an
                                  estimate holds nothing (shown "—") */
    double value[3];           /* the numbers, in the order the format names them; NAN: missing */
    const char *text;          /* CELL_TEXT (owned by the table, or by a source of rows) */
} table_cell;

typedef struct table_row {
    table_role role;
    const char *label;   /* the first column */
    table_cell *cells;   /* [n_columns]; cells[0] is the label's column and stays empty */
    char buffer[32];     /* a row filled on demand may print its label here (a row number) */
} table_row;

typedef enum table_align { TABLE_CENTER, TABLE_LEFT } table_align;

typedef struct table_column {
    const char *header;      /* '\n' breaks it into lines */
    const char *parts[3];    /* the headings of the numbers a composite cell spreads over (workbook);
                                NULL: the header over all of them */
    table_align align;
    unsigned wrap;           /* long text: lines of about this many characters (0: one line) */
} table_column;

/* A heading over columns first .. first + count - 1. */
typedef struct table_span {
    const char *text;
    size_t first, count;
} table_span;

typedef struct table table;

/* Fills row index of a table whose rows come from a source (see table_set_source). */
typedef void (*table_row_fill)(const void *source, size_t index, table *t, table_row *row);

struct table {
    const char *title;
    const char *key;           /* where a sheet joins tables of the same columns: this table's value of
                                  the first column (e.g. the endpoint); NULL: none */
    const char *key_header;    /* that column's header ("Endpoint") */
    const char *join_title;    /* the title of the joined tables ("Cox models") */
    const char *group_header;  /* the workbook's column of group headings ("Variable"); NULL: "Group" */
    const char *level_header;  /* the workbook's column of the labels ("Level"); NULL: the stub's header */
    table_column *columns;
    size_t n_columns;
    table_span *spans;
    size_t n_spans;
    table_row *rows;
    size_t n_rows, rows_capacity;
    const char **footnotes;
    size_t n_footnotes;
    /* A table whose rows are filled on demand: n_rows rows, none held. */
    table_row_fill fill;
    void *source;              /* owned: freed with the table */
    /* The strings the table owns. */
    char **strings;
    size_t n_strings, strings_capacity;
    embolo_error error;        /* the first failure (out of memory); later calls do nothing */
};

/* A table with a title and n_columns column headers (the first is the stub's); NULL when out of
 * memory. */
table *table_new(const char *title, const char *const *headers, size_t n_columns);
void table_free(table *t);

/* The first failure of any call on the table (EMBOLO_OK: none). */
embolo_error table_error(const table *t);

/* A copy of text the table owns; NULL (failure recorded) when out of memory. */
const char *table_string(table *t, const char *text);
/* The same, printf-style. */
const char *table_format(table *t, const char *format, ...);

/* The table's key where a sheet joins it with others of the same columns: "Endpoint",
 * "Overall survival", and the joined tables' title. */
void table_set_key(table *t, const char *key_header, const char *key, const char *join_title);
void table_set_flat_headers(table *t, const char *group_header, const char *level_header);
/* The headings of the numbers a column's cells spread over in the workbook. */
void table_set_parts(table *t, size_t column, const char *first, const char *second, const char *third);
void table_set_align(table *t, size_t column, table_align align);
void table_set_wrap(table *t, size_t column, unsigned characters);
void table_add_span(table *t, size_t first, size_t count, const char *text);
void table_add_footnote(table *t, const char *format, ...);

/* A new row with every cell empty; NULL (failure recorded) when out of memory. The row stays valid
 * until the next row is added. */
table_row *table_add_row(table *t, table_role role, const char *label);

/* Cells of a row (NULL rows and columns out of range are ignored). Text is copied. */
void table_set_text(table *t, table_row *row, size_t column, const char *text);
/* Text that outlives the table (a source of rows points at its own strings). */
void table_set_text_borrowed(table_row *row, size_t column, const char *text);
void table_set_values(table_row *row, size_t column, cell_format format, int decimals, double a, double b,
                      double c);
/* Marks a cell suppressed: a count keeps the bound it is below, an estimate loses its numbers. */
void table_suppress(table_row *row, size_t column, double bound);

/* Rows filled on demand: row i is made by fill(source, i, t, row) when a writer asks for it. The table
 * takes source (one block of malloc) and frees it. */
void table_set_source(table *t, size_t n_rows, table_row_fill fill, void *source);

/* Row i: a held row, or (a table with a source) scratch filled anew; scratch needs n_columns cells
 * (table_scratch_new). */
const table_row *table_row_at(table *t, size_t i, table_row *scratch);
embolo_error table_scratch_new(const table *t, table_row *scratch);
void table_scratch_free(table_row *scratch);

/* Whether a row holds a value in any column but the stub. */
int table_row_has_values(const table_row *row, size_t n_columns);

/* The text of a cell as the report and the Word document show it ("" for an empty cell). */
void table_cell_text(const table_cell *cell, char *out, size_t size);

/* The numbers a cell spreads over in the workbook (1 to 3). */
size_t table_cell_parts(const table_cell *cell);

/* Whether a row of a grouped table belongs to the row above it (a level: indented, grouped). */
int table_row_is_member(const table_row *row);

#endif
