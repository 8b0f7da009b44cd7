/* Internal to the workbook writer (workbook*.c): the book being written, one sheet's cursor, and the
 * cell helpers every sheet uses. Every libxlsxwriter status goes through wb_check: the first failure
 * is kept (with what was being written) and every later call does nothing, so the sheet writers read
 * as straight lines. The workbook is in constant-memory mode: each sheet is written row by row. */
#ifndef EMBOLO_WORKBOOK_INTERNAL_H
#define EMBOLO_WORKBOOK_INTERNAL_H

#include <stddef.h>
#include <xlsxwriter.h>

#include "render.h"

/* Number styles: a cell format and how wide its displayed text is. */
typedef enum wb_kind {
    WB_COUNT,    /* whole numbers: 0 */
    WB_TIME,     /* times and medians: the template's decimals */
    WB_HR,       /* hazard ratios and their limits: hr_decimals */
    WB_P,        /* p-values: [<0.001]"<0.001";0.000 */
    WB_SURV,     /* survival proportions shown as percentages: 0.0% */
    WB_SMD,      /* standardized mean differences: 0.000 */
    WB_PS,       /* propensity scores: 0.0000 */
    WB_WEIGHT,   /* weights: 0.000 */
    WB_GENERAL,  /* data values as they are */
    WB_DATE,     /* a day number written as an Excel date, yyyy-mm-dd */
    WB_SD,       /* Table 1: "± 10.2" */
    WB_Q1,       /* Table 1: "[54.0" */
    WB_Q3,       /* Table 1: "68.0]" */
    WB_PCT,      /* Table 1: "(45.2%)", a proportion */
    WB_KIND_COUNT
} wb_kind;

typedef struct wb_style {
    lxw_format *format;
    int decimals;
    int extra;   /* characters the number format adds around the digits */
} wb_style;

typedef struct wb_book {
    lxw_workbook *workbook;
    const render_input *in;
    const report_template *t;
    wb_style kinds[WB_KIND_COUNT];
    lxw_format *header;         /* bold, bottom border */
    lxw_format *header_across;  /* the same, centred across the cells of a block */
    lxw_format *na;             /* "NA" in a numeric column: right-aligned */
    lxw_format *note;           /* italic */
    lxw_format *wrap;           /* long text, wrapped, top-aligned */
    lxw_error status;           /* first libxlsxwriter failure */
    embolo_error error;         /* first failure of our own */
    char failed[192];           /* where the first failure happened */
} wb_book;

typedef struct wb_sheet {
    wb_book *book;
    lxw_worksheet *ws;
    char name[LXW_SHEETNAME_MAX * 4 + 1];
    lxw_row_t row;          /* the row being written */
    lxw_col_t n_cols;       /* columns whose widths are fitted */
    unsigned short *width;  /* [n_cols] widest text seen, in characters */
    lxw_row_t measured;     /* rows measured for widths; later rows are not (large sheets) */
} wb_sheet;

/* Whether nothing has failed yet. */
int wb_ok(const wb_book *b);

/* Records a libxlsxwriter status; returns whether it is a success. */
int wb_check(wb_book *b, lxw_error status, const char *what);

/* Records a failure of our own (out of memory ...). */
void wb_fail(wb_book *b, embolo_error error, const char *what);

/* Adds a worksheet; n_cols columns get fitted widths. Returns 0 on failure (recorded). */
int wb_sheet_begin(wb_book *b, wb_sheet *s, const char *name, lxw_col_t n_cols);

/* Freezes the first header_rows rows (and freeze_cols columns), puts an autofilter on the last header
 * row down to the last row written (filter_cols columns; 0: none), sets the widths, frees the cursor. */
void wb_sheet_end(wb_sheet *s, lxw_row_t header_rows, lxw_col_t freeze_cols, lxw_col_t filter_cols);

/* An autofilter from the header row down to the last row written; in constant-memory mode it must be
 * set right after the table's last row, before any row below it. */
void wb_sheet_filter(wb_sheet *s, lxw_row_t header_row, lxw_col_t n_cols);

/* Moves to the next row. */
void wb_next_row(wb_sheet *s);

/* Text, always a string cell (never a formula); invalid UTF-8 and control characters are replaced,
 * text beyond Excel's 32,767 characters cut. */
void wb_text(wb_sheet *s, lxw_col_t col, const char *text);
void wb_text_format(wb_sheet *s, lxw_col_t col, const char *text, lxw_format *format);
void wb_header(wb_sheet *s, lxw_col_t col, const char *text);

/* A row of n headers. */
void wb_header_row(wb_sheet *s, const char *const *names, lxw_col_t n);

/* A header centred across n cells (no merge). */
void wb_header_across(wb_sheet *s, lxw_col_t col, lxw_col_t n, const char *text);

/* A number in a style; "NA" text for NAN or infinity. */
void wb_number(wb_sheet *s, lxw_col_t col, double value, wb_kind kind);

/* A number unless suppressed (share template): then the cell stays empty. */
void wb_estimate(wb_sheet *s, lxw_col_t col, double value, wb_kind kind, int suppressed);

/* A count of patients or events: "<5" under the share template for 1-4 (returns 1), else the number. */
int wb_count(wb_sheet *s, lxw_col_t col, double count);

/* A row holding one italic note in column 0. */
void wb_note(wb_sheet *s, const char *text);

/* The label of a variable (its name without one). */
const char *wb_variable_label(const study_variable *v);
const char *wb_endpoint_label(const study_endpoint *e);

/* Whether index is in the list. */
int wb_listed(const size_t *list, size_t n, size_t index);

/* results_value of the run's results. */
double wb_value(const wb_book *b, const char *section, const char *endpoint, const char *model,
                const char *variable, const char *level, const char *stat);

/* The sheets (workbook_sheets.c, workbook_tables.c, workbook_curves.c, workbook_data.c). */
void wb_write_summary(wb_book *b);
void wb_write_subgroups(wb_book *b, size_t endpoint);
void wb_write_cox(wb_book *b);
void wb_write_table1(wb_book *b);
void wb_write_balance(wb_book *b);
void wb_write_km_curves(wb_book *b);
void wb_write_exclusions(wb_book *b);
void wb_write_patients(wb_book *b);
void wb_write_dictionary(wb_book *b);
void wb_write_methods(wb_book *b);
void wb_write_audit(wb_book *b);
void wb_write_benchmarks(wb_book *b);

#endif
