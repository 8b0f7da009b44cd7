/* Internal to the workbook writer (write_xlsx.c, xlsx_cells.c, figure_km_chart.c): the book being
 * written, one sheet's cursor, and the cell helpers. Every libxlsxwriter status goes through
 * xlsx_check: the first failure is kept (with what was being written) and every later call does
 * nothing, so the writers read as straight lines. The workbook is in constant-memory mode: each sheet
 * is written row by row. */
#ifndef EMBOLO_XLSX_H
#define EMBOLO_XLSX_H

#include <stddef.h>
#include <xlsxwriter.h>

#include "document.h"

/* Number styles, each at a number of decimals. */
typedef enum xlsx_style {
    XLSX_NUMBER,      /* 0.0 */
    XLSX_PERCENT,     /* a proportion: 0.0% */
    XLSX_P,           /* [<0.001]"<0.001";0.000 */
    XLSX_SD,          /* "± 10.2" */
    XLSX_Q1,          /* "[54.0" */
    XLSX_Q3,          /* "68.0]" */
    XLSX_PCT,         /* a proportion as "(45.2%)" */
    XLSX_DATE,        /* a day number as an Excel date, yyyy-mm-dd */
    XLSX_REFERENCE,   /* 1 shown "1 (reference)" */
    XLSX_STYLE_COUNT
} xlsx_style;

#define XLSX_MAX_DECIMALS 12

typedef struct xlsx_book {
    lxw_workbook *workbook;
    const document *d;
    const render_input *in;
    const report_template *t;
    lxw_format *styles[XLSX_STYLE_COUNT][XLSX_MAX_DECIMALS + 1];  /* made when first used */
    lxw_format *title;          /* bold, larger */
    lxw_format *header;         /* bold, bottom border, wrapped */
    lxw_format *header_across;  /* the same, centred across the cells of a block */
    lxw_format *na;             /* text in a numeric column ("<5"): right-aligned */
    lxw_format *note;           /* italic */
    lxw_format *wrap;           /* long text, wrapped, top-aligned */
    lxw_error status;           /* first libxlsxwriter failure */
    embolo_error error;         /* first failure of our own */
    char failed[192];           /* where the first failure happened */
} xlsx_book;

typedef struct xlsx_sheet {
    xlsx_book *book;
    lxw_worksheet *ws;
    char name[LXW_SHEETNAME_MAX * 4 + 1];
    lxw_row_t row;          /* the row being written */
    lxw_col_t n_cols;       /* columns whose widths are fitted */
    unsigned short *width;  /* [n_cols] widest text seen, in characters */
    unsigned char *wrapped; /* [n_cols] the column holds long text, wrapped */
    lxw_row_t measured;     /* rows measured for widths; later rows are not (large sheets) */
} xlsx_sheet;

/* ---- errors (xlsx_cells.c) ---- */

int xlsx_ok(const xlsx_book *b);
/* Records a libxlsxwriter status; returns whether it is a success. */
int xlsx_check(xlsx_book *b, lxw_error status, const char *what);
/* Records a failure of our own (out of memory ...). */
void xlsx_fail(xlsx_book *b, embolo_error error, const char *what);

/* ---- sheets and cells (xlsx_cells.c) ---- */

/* Adds a worksheet; n_cols columns get fitted widths. Returns 0 on failure (recorded). */
int xlsx_sheet_begin(xlsx_book *b, xlsx_sheet *s, const char *name, lxw_col_t n_cols);
/* Sets the widths and frees the cursor. */
void xlsx_sheet_end(xlsx_sheet *s);
void xlsx_next_row(xlsx_sheet *s);

/* Text, always a string cell (never a formula); invalid UTF-8 and control characters are replaced,
 * text beyond Excel's 32,767 characters cut. */
void xlsx_text(xlsx_sheet *s, lxw_col_t col, const char *text, lxw_format *format);
/* A header cell (counted for the width by its longest word). */
void xlsx_header(xlsx_sheet *s, lxw_col_t col, const char *text);
/* A header centred across n cells (no merge). */
void xlsx_header_across(xlsx_sheet *s, lxw_col_t col, lxw_col_t n, const char *text);
/* A finite number in a style (NULL format: as it is); the width counts width characters. */
void xlsx_number(xlsx_sheet *s, lxw_col_t col, double value, lxw_format *format, size_t width);
/* Marks a column as holding long wrapped text of about this many characters a line. */
void xlsx_wrap_column(xlsx_sheet *s, lxw_col_t col, unsigned characters);

/* Landscape A4, the document's title and the page number in the footer; one page wide when fit_width. */
void xlsx_print_setup(xlsx_sheet *s, int fit_width);

/* The number format of a style at some decimals (made on first use; NULL on failure, recorded). */
lxw_format *xlsx_style_format(xlsx_book *b, xlsx_style style, int decimals);

/* ---- the KM curves sheet's charts (figure_km_chart.c) ---- */

/* Native step charts of every curve beside the table of the sheet, from column first_col on, their
 * data on a hidden sheet of their own; the sheet's print area is the charts, whole on each page.
 * Returns whether there is a chart. */
int xlsx_km_charts(xlsx_book *b, xlsx_sheet *s, lxw_col_t first_col);

#endif
