/* The Excel workbook (tables.xlsx): the book, its number styles and document properties, and the
 * sheets in the template's order. The sheets themselves are in workbook_*.c. */
#include "workbook.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "workbook_internal.h"

/* Patients-sheet XML larger than this needs ZIP64 (which some readers warn about: only then). */
#define WB_ZIP32_LIMIT 3.5e9
#define WB_BYTES_PER_CELL 64.0

/* "0.000", with a prefix and suffix (number-format literals) around it. */
static void decimal_format(char *out, size_t size, const char *prefix, int decimals, const char *suffix)
{
    char zeros[16] = "";
    if (decimals > 0) {
        zeros[0] = '.';
        memset(zeros + 1, '0', (size_t)(decimals < 12 ? decimals : 12));
        zeros[1 + (decimals < 12 ? decimals : 12)] = '\0';
    }
    snprintf(out, size, "%s0%s%s", prefix, zeros, suffix);
}

static lxw_format *book_format(wb_book *b, const char *number_format)
{
    lxw_format *format = wb_ok(b) ? workbook_add_format(b->workbook) : NULL;
    if (!format)
        wb_fail(b, EMBOLO_ERROR_NOMEM, "cell formats");
    else if (number_format)
        format_set_num_format(format, number_format);
    return format;
}

static void book_add_style(wb_book *b, wb_kind kind, const char *prefix, int decimals, const char *suffix, int extra)
{
    char number_format[96];
    decimal_format(number_format, sizeof number_format, prefix, decimals, suffix);
    b->kinds[kind] = (wb_style){.format = book_format(b, number_format), .decimals = decimals, .extra = extra};
}

static void book_add_p_style(wb_book *b, int decimals)
{
    char threshold[32], digits[32], number_format[128];
    snprintf(threshold, sizeof threshold, "%.*f", decimals, pow(10.0, -decimals));
    decimal_format(digits, sizeof digits, "", decimals, "");
    snprintf(number_format, sizeof number_format, "[<%s]\"<%s\";%s", threshold, threshold, digits);
    b->kinds[WB_P] = (wb_style){.format = book_format(b, number_format), .decimals = decimals};
}

static void book_add_styles(wb_book *b)
{
    const report_template *t = b->t;
    book_add_style(b, WB_COUNT, "", 0, "", 0);
    book_add_style(b, WB_TIME, "", t->decimals, "", 0);
    book_add_style(b, WB_HR, "", t->hr_decimals, "", 0);
    book_add_p_style(b, t->p_decimals);
    book_add_style(b, WB_SURV, "", t->decimals, "%", 0);
    book_add_style(b, WB_SMD, "", 3, "", 0);
    book_add_style(b, WB_PS, "", 4, "", 0);
    book_add_style(b, WB_WEIGHT, "", 3, "", 0);
    b->kinds[WB_GENERAL] = (wb_style){.format = NULL, .decimals = 0};
    b->kinds[WB_DATE] = (wb_style){.format = book_format(b, "yyyy\\-mm\\-dd")};
    book_add_style(b, WB_SD, "\"\xc2\xb1 \"", t->decimals, "", 2);
    book_add_style(b, WB_Q1, "\"[\"", t->decimals, "", 1);
    book_add_style(b, WB_Q3, "", t->decimals, "\"]\"", 1);
    book_add_style(b, WB_PCT, "\"(\"", t->decimals, "%\")\"", 2);
    b->header = book_format(b, NULL);
    b->header_across = book_format(b, NULL);
    b->na = book_format(b, NULL);
    b->note = book_format(b, NULL);
    b->wrap = book_format(b, NULL);
    if (!wb_ok(b))
        return;
    format_set_bold(b->header);
    format_set_text_wrap(b->header);
    format_set_align(b->header, LXW_ALIGN_VERTICAL_TOP);
    format_set_bottom(b->header, LXW_BORDER_THIN);
    format_set_bold(b->header_across);
    format_set_bottom(b->header_across, LXW_BORDER_THIN);
    format_set_align(b->header_across, LXW_ALIGN_CENTER_ACROSS);
    format_set_align(b->na, LXW_ALIGN_RIGHT);
    format_set_italic(b->note);
    format_set_text_wrap(b->wrap);
    format_set_align(b->wrap, LXW_ALIGN_VERTICAL_TOP);
}

/* The creation date: the as-of date, else the newest date in the data (not under the share template:
 * a patient's date), else 1970-01-01; never the clock. libxlsxwriter takes 0 for "now", so 1970-01-01
 * is written as its first second. */
static time_t book_created(const render_input *in)
{
    int newest = in->data->has_newest_date && !in->template->share;
    long day = in->has_as_of ? in->as_of : newest ? in->data->newest_date : 0;
    time_t created = (time_t)day * 86400;
    return created ? created : 1;
}

static void book_set_properties(wb_book *b)
{
    const render_input *in = b->in;
    char comments[256];
    snprintf(comments, sizeof comments, "embolo %s; input SHA-256 %s", in->version ? in->version : "",
             in->input_sha256 ? in->input_sha256 : "");
    lxw_doc_properties properties = {
        .title = b->t->title ? b->t->title : in->study->title,
        .subject = b->t->subtitle,
        .author = "embolo",
        .comments = comments,
        .created = book_created(in),
    };
    wb_check(b, workbook_set_properties(b->workbook, &properties), "document properties");
}

static void write_all_subgroups(wb_book *b)
{
    for (size_t e = 0; e < b->in->study->n_endpoints && wb_ok(b); e++)
        wb_write_subgroups(b, e);
}

static void write_patients_unless_shared(wb_book *b)
{
    if (!b->t->share)
        wb_write_patients(b);
}

typedef void (*sheet_writer)(wb_book *b);

static void book_write_sheet(wb_book *b, workbook_sheet sheet)
{
    static const sheet_writer writers[SHEET_COUNT] = {
        [SHEET_SUMMARY] = wb_write_summary,       [SHEET_SUBGROUPS] = write_all_subgroups,
        [SHEET_COX] = wb_write_cox,               [SHEET_TABLE1] = wb_write_table1,
        [SHEET_BALANCE] = wb_write_balance,       [SHEET_KM_CURVES] = wb_write_km_curves,
        [SHEET_EXCLUSIONS] = wb_write_exclusions, [SHEET_PATIENTS] = write_patients_unless_shared,
        [SHEET_DICTIONARY] = wb_write_dictionary, [SHEET_AUDIT] = wb_write_audit,
        [SHEET_BENCHMARKS] = wb_write_benchmarks, [SHEET_METHODS] = wb_write_methods,
    };
    if ((size_t)sheet < SHEET_COUNT && writers[sheet])
        writers[sheet](b);
}

/* ZIP64 only when the Patients sheet may pass 4 GB uncompressed. */
static uint8_t book_needs_zip64(const render_input *in)
{
    double cols = 2.0 + 2.0 * (double)in->study->n_endpoints + (double)in->study->n_variables +
                  (double)in->data->n_groups + 2.0;
    return (double)in->data->n * cols * WB_BYTES_PER_CELL > WB_ZIP32_LIMIT ? LXW_TRUE : LXW_FALSE;
}

static embolo_error book_result(const wb_book *b, lxw_error closed, int close_errno, const char *path,
                                char *message, size_t message_size)
{
    if (b->error != EMBOLO_OK) {
        snprintf(message, message_size, "%s: writing the workbook failed (%s): %s", path, b->failed,
                 embolo_error_message(b->error));
        return b->error;
    }
    if (b->status != LXW_NO_ERROR) {
        snprintf(message, message_size, "%s: writing the workbook failed (%s): %s", path, b->failed,
                 lxw_strerror(b->status));
        return EMBOLO_ERROR_OUTPUT;
    }
    if (closed != LXW_NO_ERROR) {
        /* The system's reason, as libxlsxwriter's own message (not shown) would give it. */
        snprintf(message, message_size, "%s: cannot write: %s (%s)", path,
                 close_errno ? strerror(close_errno) : "write error", lxw_strerror(closed));
        return EMBOLO_ERROR_OUTPUT;
    }
    return EMBOLO_OK;
}

embolo_error workbook_write(const render_input *in, const char *path, char *message, size_t message_size)
{
    wb_book b = {.in = in, .t = in->template};
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .use_zip64 = book_needs_zip64(in)};
    lxw_error closed = LXW_NO_ERROR;
    int close_errno = 0;
    b.workbook = workbook_new_opt(path, &options);
    if (!b.workbook) {
        snprintf(message, message_size, "%s: cannot create the workbook", path);
        return EMBOLO_ERROR_OUTPUT;
    }
    book_set_properties(&b);
    book_add_styles(&b);
    for (size_t i = 0; i < b.t->n_sheets && wb_ok(&b); i++)
        book_write_sheet(&b, b.t->sheets[i]);
    if (wb_ok(&b)) {
        errno = 0;
        closed = workbook_close(b.workbook);
        close_errno = errno;
    } else
        lxw_workbook_free(b.workbook);
    return book_result(&b, closed, close_errno, path, message, message_size);
}
