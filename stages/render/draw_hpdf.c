/* The drawing layer's libharu backend: the report's A4 pages (draw_open, draw_save). Fonts are
 * embedded DejaVu with UTF-8 (HPDF_UseUTFEncodings); coordinates are rounded to 0.01 point (shorter
 * content streams, the same picture); transparency goes through a few cached ExtGStates. The document
 * is built in libharu's memory stream and written by embolo, because HPDF_SaveToFile ignores a failed
 * final flush. */
#include "draw_internal.h"

#include <errno.h>
#include <hpdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

#define DRAW_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#define ALPHA_STATES 4

typedef struct hpdf_doc {
    HPDF_Doc pdf;
    HPDF_Font fonts[DRAW_FONT_COUNT];
    HPDF_ExtGState alpha_states[ALPHA_STATES];
    double alpha_values[ALPHA_STATES];
    HPDF_Page page;
    HPDF_Page *pages;
    size_t n_pages, pages_capacity;
    HPDF_STATUS error, detail;   /* the first libharu error */
    int error_errno;
} hpdf_doc;

static hpdf_doc *hpdf_of(const draw_doc *d)
{
    return d->impl;
}

/* libharu's error handler: records the first error and returns (libharu then returns the status). */
static void hpdf_on_error(HPDF_STATUS error, HPDF_STATUS detail, void *user_data)
{
    draw_doc *d = user_data;
    hpdf_doc *h = hpdf_of(d);
    if (d->failure != EMBOLO_OK)
        return;
    draw_fail(d, error == HPDF_FAILD_TO_ALLOC_MEM ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT);
    h->error = error;
    h->detail = detail;
    h->error_errno = errno;
}

/* Coordinates rounded to 0.01 point. */
static HPDF_REAL round_point(double v)
{
    return (HPDF_REAL)(round(v * 100.0) / 100.0);
}

/* ---- the primitives ---- */

/* Room for one more page (doubling from 16); 0 when out of memory. */
static int pages_reserve(hpdf_doc *h)
{
    if (h->n_pages < h->pages_capacity)
        return 1;
    size_t grown = h->pages_capacity ? 2 * h->pages_capacity : 16;
    HPDF_Page *pages = realloc(h->pages, grown * sizeof *pages);
    if (!pages)
        return 0;
    h->pages = pages;
    h->pages_capacity = grown;
    return 1;
}

static int hpdf_page_new(draw_doc *d, double width, double height)
{
    hpdf_doc *h = hpdf_of(d);
    if (!pages_reserve(h)) {
        draw_fail(d, EMBOLO_ERROR_NOMEM);
        return 0;
    }
    HPDF_Page page = HPDF_AddPage(h->pdf);
    if (!page)
        return 0;
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, width > height ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT);
    h->pages[h->n_pages++] = page;
    h->page = page;
    return 1;
}

static void hpdf_page_select(draw_doc *d, size_t index)
{
    hpdf_doc *h = hpdf_of(d);
    if (index >= h->n_pages)
        return;
    h->page = h->pages[index];
    d->width = HPDF_Page_GetWidth(h->page);
    d->height = HPDF_Page_GetHeight(h->page);
}

static void hpdf_text(draw_doc *d, double x, double y, const char *text, draw_font font, double size, int up)
{
    hpdf_doc *h = hpdf_of(d);
    HPDF_Page_BeginText(h->page);
    HPDF_Page_SetFontAndSize(h->page, h->fonts[font], (HPDF_REAL)size);
    if (up) {
        HPDF_Page_SetTextMatrix(h->page, 0, 1, -1, 0, (HPDF_REAL)x, (HPDF_REAL)y);
        HPDF_Page_ShowText(h->page, text);
    } else {
        HPDF_Page_TextOut(h->page, (HPDF_REAL)x, (HPDF_REAL)y, text);
    }
    HPDF_Page_EndText(h->page);
}

static double hpdf_advance(draw_doc *d, draw_font font, unsigned code, const char *utf8, size_t n)
{
    (void)code;
    HPDF_TextWidth w = HPDF_Font_TextWidth(hpdf_of(d)->fonts[font], (const HPDF_BYTE *)utf8, (HPDF_UINT)n);
    return (double)w.width;
}

static void hpdf_save(draw_doc *d)
{
    HPDF_Page_GSave(hpdf_of(d)->page);
}

static void hpdf_restore(draw_doc *d)
{
    HPDF_Page_GRestore(hpdf_of(d)->page);
}

static void hpdf_stroke_style(draw_doc *d, draw_pen pen)
{
    static const HPDF_UINT16 patterns[DRAW_DASH_COUNT][4] = {{0}, {6, 3}, {1, 2}, {6, 2, 1, 2}, {3, 2}};
    static const HPDF_UINT counts[DRAW_DASH_COUNT] = {0, 2, 2, 4, 2};
    HPDF_Page page = hpdf_of(d)->page;
    HPDF_Page_SetRGBStroke(page, (HPDF_REAL)pen.r, (HPDF_REAL)pen.g, (HPDF_REAL)pen.b);
    HPDF_Page_SetLineWidth(page, (HPDF_REAL)pen.width);
    int dash = pen.dash >= 0 && pen.dash < DRAW_DASH_COUNT ? pen.dash : 0;
    if (dash != DRAW_DASH_SOLID)
        HPDF_Page_SetDash(page, patterns[dash], counts[dash], 0);
}

static HPDF_ExtGState alpha_state(draw_doc *d, double alpha)
{
    hpdf_doc *h = hpdf_of(d);
    for (size_t i = 0; i < ALPHA_STATES; i++) {
        if (h->alpha_states[i] && h->alpha_values[i] == alpha)
            return h->alpha_states[i];
        if (!h->alpha_states[i]) {
            h->alpha_states[i] = HPDF_CreateExtGState(h->pdf);
            h->alpha_values[i] = alpha;
            if (h->alpha_states[i])
                HPDF_ExtGState_SetAlphaFill(h->alpha_states[i], (HPDF_REAL)alpha);
            return h->alpha_states[i];
        }
    }
    return h->alpha_states[ALPHA_STATES - 1];
}

static void hpdf_fill_style(draw_doc *d, double r, double g, double b, double alpha)
{
    HPDF_Page page = hpdf_of(d)->page;
    HPDF_Page_SetRGBFill(page, (HPDF_REAL)r, (HPDF_REAL)g, (HPDF_REAL)b);
    HPDF_ExtGState state = alpha < 1.0 ? alpha_state(d, alpha) : NULL;
    if (state)
        HPDF_Page_SetExtGState(page, state);
}

static void hpdf_move_to(draw_doc *d, double x, double y)
{
    HPDF_Page_MoveTo(hpdf_of(d)->page, round_point(x), round_point(y));
}

static void hpdf_line_to(draw_doc *d, double x, double y)
{
    HPDF_Page_LineTo(hpdf_of(d)->page, round_point(x), round_point(y));
}

static void hpdf_rect(draw_doc *d, double x, double y, double w, double h)
{
    HPDF_Page_Rectangle(hpdf_of(d)->page, round_point(x), round_point(y), round_point(w), round_point(h));
}

static void hpdf_circle(draw_doc *d, double x, double y, double r)
{
    HPDF_Page_Circle(hpdf_of(d)->page, round_point(x), round_point(y), (HPDF_REAL)r);
}

static void hpdf_close_path(draw_doc *d)
{
    HPDF_Page_ClosePath(hpdf_of(d)->page);
}

static void hpdf_paint(draw_doc *d, draw_paint how)
{
    HPDF_Page page = hpdf_of(d)->page;
    if (how == DRAW_PAINT_STROKE)
        HPDF_Page_Stroke(page);
    else if (how == DRAW_PAINT_FILL)
        HPDF_Page_Fill(page);
    else if (how == DRAW_PAINT_FILL_STROKE)
        HPDF_Page_FillStroke(page);
    else {
        HPDF_Page_Clip(page);
        HPDF_Page_EndPath(page);
    }
}

static void hpdf_bookmark(draw_doc *d, const char *text)
{
    hpdf_doc *h = hpdf_of(d);
    char ascii[128];
    draw_ascii(text, ascii, sizeof ascii);
    HPDF_Outline outline = HPDF_CreateOutline(h->pdf, NULL, ascii, NULL);
    HPDF_Destination destination = outline ? HPDF_Page_CreateDestination(h->page) : NULL;
    if (destination)
        HPDF_Outline_SetDestination(outline, destination);
}

static void hpdf_release(draw_doc *d)
{
    hpdf_doc *h = hpdf_of(d);
    if (!h)
        return;
    if (h->pdf)
        HPDF_Free(h->pdf);
    free(h->pages);
    free(h);
}

static const draw_backend hpdf_backend = {
    .page_new = hpdf_page_new,       .page_select = hpdf_page_select, .text = hpdf_text,
    .advance = hpdf_advance,         .save = hpdf_save,               .restore = hpdf_restore,
    .stroke_style = hpdf_stroke_style, .fill_style = hpdf_fill_style, .move_to = hpdf_move_to,
    .line_to = hpdf_line_to,         .rect = hpdf_rect,               .circle = hpdf_circle,
    .close_path = hpdf_close_path,   .paint = hpdf_paint,             .bookmark = hpdf_bookmark,
    .release = hpdf_release,
};

/* ---- the document ---- */

static void hpdf_load_font(draw_doc *d, draw_font font, const char *dir, const char *file)
{
    hpdf_doc *h = hpdf_of(d);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(d->doing, sizeof d->doing, "loading the font %.120s", path);
    const char *name = HPDF_LoadTTFontFromFile(h->pdf, path, HPDF_TRUE);
    if (name)
        h->fonts[font] = HPDF_GetFont(h->pdf, name, "UTF-8");
    if (!h->fonts[font])
        draw_fail(d, EMBOLO_ERROR_OUTPUT);
}

static void hpdf_set_info(hpdf_doc *h, HPDF_InfoType type, const char *text)
{
    char ascii[256];
    draw_ascii(text, ascii, sizeof ascii);
    HPDF_SetInfoAttr(h->pdf, type, ascii);
}

static void hpdf_set_date(hpdf_doc *h, long day)
{
    char text[11];
    int year = 1970, month = 1, mday = 1;
    text_format_date(day, text);
    if (sscanf(text, "%d-%d-%d", &year, &month, &mday) != 3)
        year = 1970, month = 1, mday = 1;
    HPDF_Date date = {year, month, mday, 0, 0, 0, 'Z', 0, 0};
    HPDF_SetInfoDateAttr(h->pdf, HPDF_INFO_CREATION_DATE, date);
    HPDF_SetInfoDateAttr(h->pdf, HPDF_INFO_MOD_DATE, date);
}

embolo_error draw_open(const draw_info *info, draw_doc **out)
{
    hpdf_doc *h = calloc(1, sizeof *h);
    draw_doc *d = h ? draw_doc_new(&hpdf_backend, h, info->footer) : NULL;
    *out = NULL;
    if (!d)
        return EMBOLO_ERROR_NOMEM;
    h->pdf = HPDF_New(hpdf_on_error, d);
    if (!h->pdf) {
        draw_free(d);
        return EMBOLO_ERROR_NOMEM;
    }
    HPDF_SetCompressionMode(h->pdf, HPDF_COMP_ALL);
    HPDF_SetPageMode(h->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
    HPDF_UseUTFEncodings(h->pdf);
    const char *dir = info->font_dir ? info->font_dir : DRAW_FONT_DIR;
    hpdf_load_font(d, DRAW_REGULAR, dir, "DejaVuSans.ttf");
    if (!draw_failed(d))
        hpdf_load_font(d, DRAW_BOLD, dir, "DejaVuSans-Bold.ttf");
    d->has_fonts = !draw_failed(d);
    snprintf(d->doing, sizeof d->doing, "setting the document information");
    hpdf_set_info(h, HPDF_INFO_TITLE, info->title);
    hpdf_set_info(h, HPDF_INFO_CREATOR, info->creator);
    hpdf_set_date(h, info->day);
    *out = d;
    return EMBOLO_OK;
}

/* ---- saving ---- */

static void hpdf_describe_failure(const draw_doc *d, const char *path, char *message, size_t size)
{
    const hpdf_doc *h = hpdf_of(d);
    if (d->failure == EMBOLO_ERROR_NOMEM)
        snprintf(message, size, "%s: out of memory while %s", path, d->failed_doing);
    else if (h->error == HPDF_FILE_OPEN_ERROR || h->error == HPDF_FILE_IO_ERROR)
        snprintf(message, size, "%s: cannot write the report while %s: %s (libharu error 0x%04X)", path,
                 d->failed_doing, strerror(h->error_errno), (unsigned)h->error);
    else
        snprintf(message, size, "%s: the report failed while %s (libharu error 0x%04X, detail %u)", path,
                 d->failed_doing, (unsigned)h->error, (unsigned)h->detail);
}

/* Writes the document, built in memory, to path; errno of the first failed write or close, 0 if all
 * went well. */
static int hpdf_write_file(draw_doc *d, const char *path)
{
    enum { CHUNK = 65536 };
    hpdf_doc *h = hpdf_of(d);
    HPDF_BYTE *buffer = malloc(CHUNK);
    FILE *file = buffer ? fopen(path, "wb") : NULL;
    int error = buffer ? 0 : ENOMEM;
    if (!file) {
        error = error ? error : errno;
        free(buffer);
        return error;
    }
    HPDF_UINT32 left = HPDF_GetStreamSize(h->pdf);
    HPDF_ResetStream(h->pdf);
    while (left > 0 && !error && d->failure == EMBOLO_OK) {
        HPDF_UINT32 size = left < CHUNK ? left : CHUNK;
        if (HPDF_ReadFromStream(h->pdf, buffer, &size) != HPDF_OK || size == 0 || size > left)
            error = EIO;
        else if (fwrite(buffer, 1, size, file) != size)
            error = errno;
        else
            left -= size;
    }
    if (fclose(file) != 0 && !error)
        error = errno;
    free(buffer);
    return error;
}

embolo_error draw_save(draw_doc *d, const char *path, char *message, size_t message_size)
{
    if (d->backend != &hpdf_backend) {
        snprintf(message, message_size, "%s: not a report document", path);
        return EMBOLO_ERROR_INTERNAL;
    }
    draw_footers(d);
    int error = 0;
    if (d->failure == EMBOLO_OK) {
        snprintf(d->doing, sizeof d->doing, "writing the file");
        HPDF_STATUS status = HPDF_SaveToStream(hpdf_of(d)->pdf);
        if (status != HPDF_OK && d->failure == EMBOLO_OK)
            hpdf_on_error(status, 0, d);
    }
    if (d->failure == EMBOLO_OK)
        error = hpdf_write_file(d, path);
    if (d->failure == EMBOLO_OK && !error)
        return EMBOLO_OK;
    if (d->failure == EMBOLO_OK) {
        snprintf(message, message_size, "%s: cannot write: %s", path, strerror(error));
        return EMBOLO_ERROR_OUTPUT;
    }
    hpdf_describe_failure(d, path, message, message_size);
    return d->failure;
}
