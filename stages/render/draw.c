#include "draw.h"

#include <errno.h>
#include <hpdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "format.h"

#define DRAW_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#define MARGIN_SIDE 48.0
#define MARGIN_TOP 46.0
#define MARGIN_BOTTOM 52.0
#define FOOTER_Y 28.0
#define TEXT_MAX 2048
#define WRAP_MAX_LINES 256
#define TABLE_MAX_COLUMNS 64
#define NOTE_SIZE 7.5
#define TABLE_MIN_FONT 5.5
/* Points closer than this on the page are merged in step paths. */
#define PATH_RESOLUTION 0.3
#define ALPHA_STATES 4

struct draw_doc {
    HPDF_Doc pdf;
    HPDF_Font fonts[DRAW_FONT_COUNT];
    unsigned short *advance[DRAW_FONT_COUNT];  /* [65536] width + 1 of each character; 0: not known yet */
    HPDF_ExtGState alpha_states[ALPHA_STATES];
    double alpha_values[ALPHA_STATES];
    HPDF_Page page;
    HPDF_Page *pages;
    size_t n_pages, pages_capacity;
    int landscape;
    double width, height;
    double cursor;               /* y of the top of the next block */
    size_t slot_per_page, slot_next, slot_page;
    double slot_top;
    embolo_error failure;        /* the first failure */
    HPDF_STATUS error, detail;   /* the first libharu error */
    int error_errno;
    char doing[160];             /* what is being done, for messages */
    char failed_doing[160];      /* what was being done at the first failure */
    char *footer;
    char text[TEXT_MAX];         /* text made safe to show */
    char measure[TEXT_MAX];      /* the same, for measuring */
};

/* ---- failures ---- */

/* libharu's error handler: records the first error and returns (libharu then returns the status). */
static void draw_on_error(HPDF_STATUS error, HPDF_STATUS detail, void *user_data)
{
    draw_doc *d = user_data;
    if (d->failure != EMBOLO_OK)
        return;
    d->failure = error == HPDF_FAILD_TO_ALLOC_MEM ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT;
    memcpy(d->failed_doing, d->doing, sizeof d->doing);
    d->error = error;
    d->detail = detail;
    d->error_errno = errno;
}

void draw_fail(draw_doc *d, embolo_error err)
{
    if (d->failure != EMBOLO_OK)
        return;
    d->failure = err;
    memcpy(d->failed_doing, d->doing, sizeof d->doing);
}

int draw_failed(const draw_doc *d)
{
    return d->failure != EMBOLO_OK;
}

size_t draw_page_count(const draw_doc *d)
{
    return d->n_pages;
}

/* Whether there is a page to draw on and nothing has failed. */
static int draw_ready(const draw_doc *d)
{
    return d->failure == EMBOLO_OK && d->page;
}

static void draw_describe_failure(const draw_doc *d, const char *path, char *message, size_t size)
{
    if (d->failure == EMBOLO_ERROR_NOMEM)
        snprintf(message, size, "%s: out of memory while %s", path, d->failed_doing);
    else if (d->error == HPDF_FILE_OPEN_ERROR || d->error == HPDF_FILE_IO_ERROR)
        snprintf(message, size, "%s: cannot write the report while %s: %s (libharu error 0x%04X)", path, d->failed_doing,
                 strerror(d->error_errno), (unsigned)d->error);
    else
        snprintf(message, size, "%s: the report failed while %s (libharu error 0x%04X, detail %u)", path, d->failed_doing,
                 (unsigned)d->error, (unsigned)d->detail);
}

/* ---- text made safe: valid UTF-8 of the Basic Multilingual Plane, no control characters ---- */

static size_t utf8_valid_length(const unsigned char *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] < 0xE0 || s[0] > 0xEF || left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))
        return 0;
    return 3;
}

/* Copies length bytes of text into out (capacity TEXT_MAX): each invalid byte (and each byte of a
 * character the fonts cannot take, beyond the Basic Multilingual Plane) becomes U+FFFD, a control
 * character a space, as the workbook and the Word document show them. */
static const char *text_clean(char *out, const char *text, size_t length)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, o = 0;
    while (i < length && o + 4 < TEXT_MAX) {
        size_t n = utf8_valid_length(s + i, length - i);
        if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            if (s[i] < 0x80)
                out[o++] = ' ';
            else
                for (const char *r = "\xef\xbf\xbd"; *r; r++)
                    out[o++] = *r;
            i++;
            continue;
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}

/* The advance width (1/1000 em) of the character of n bytes at s: libharu's per character, cached,
 * because libharu finds each glyph by a linear search of the font's character map. */
static unsigned advance_of(draw_doc *d, draw_font font, const unsigned char *s, size_t n)
{
    unsigned code = n == 1 ? s[0] : n == 2 ? ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu)
                                           : ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    unsigned short *cache = d->advance[font];
    if (cache[code] == 0) {
        HPDF_TextWidth w = HPDF_Font_TextWidth(d->fonts[font], s, (HPDF_UINT)n);
        cache[code] = (unsigned short)(w.width < 65534 ? w.width + 1 : 65535);
    }
    return cache[code] - 1u;
}

static double width_of(draw_doc *d, const char *text, size_t length, draw_font font, double size)
{
    if (d->failure != EMBOLO_OK || !d->fonts[font])
        return 0.0;
    const unsigned char *clean = (const unsigned char *)text_clean(d->measure, text, length);
    double total = 0.0;
    for (size_t i = 0; clean[i];) {
        size_t n = utf8_valid_length(clean + i, 3);
        n = n ? n : 1;
        total += advance_of(d, font, clean + i, n);
        i += n;
    }
    return total * size / 1000.0;
}

double draw_text_width(draw_doc *d, const char *text, draw_font font, double size)
{
    return width_of(d, text, strlen(text), font, size);
}

/* ---- document ---- */

static void draw_load_font(draw_doc *d, draw_font font, const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(d->doing, sizeof d->doing, "loading the font %.120s", path);
    const char *name = HPDF_LoadTTFontFromFile(d->pdf, path, HPDF_TRUE);
    if (name)
        d->fonts[font] = HPDF_GetFont(d->pdf, name, "UTF-8");
    if (!d->fonts[font])
        draw_fail(d, EMBOLO_ERROR_OUTPUT);
    else if (!(d->advance[font] = calloc(65536, sizeof *d->advance[font])))
        draw_fail(d, EMBOLO_ERROR_NOMEM);
}

/* Document information as ASCII (libharu writes it in PDFDocEncoding). */
static void draw_set_info(draw_doc *d, HPDF_InfoType type, const char *text)
{
    char ascii[256];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c && n + 1 < sizeof ascii; c++)
        if (*c < 0x80 || (*c & 0xC0) == 0xC0)
            ascii[n++] = *c >= 0x20 && *c < 0x7f ? (char)*c : '?';
    ascii[n] = '\0';
    HPDF_SetInfoAttr(d->pdf, type, ascii);
}

static void draw_set_date(draw_doc *d, long day)
{
    char text[11];
    int year = 1970, month = 1, mday = 1;
    text_format_date(day, text);
    if (sscanf(text, "%d-%d-%d", &year, &month, &mday) != 3)
        year = 1970, month = 1, mday = 1;
    HPDF_Date date = {year, month, mday, 0, 0, 0, 'Z', 0, 0};
    HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_CREATION_DATE, date);
    HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_MOD_DATE, date);
}

embolo_error draw_open(const draw_info *info, draw_doc **out)
{
    draw_doc *d = calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return EMBOLO_ERROR_NOMEM;
    snprintf(d->doing, sizeof d->doing, "starting the document");
    d->footer = strdup(info->footer ? info->footer : "");
    d->pdf = d->footer ? HPDF_New(draw_on_error, d) : NULL;
    if (!d->pdf) {
        free(d->footer);
        free(d);
        return EMBOLO_ERROR_NOMEM;
    }
    HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
    HPDF_SetPageMode(d->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
    HPDF_UseUTFEncodings(d->pdf);
    const char *dir = info->font_dir ? info->font_dir : DRAW_FONT_DIR;
    draw_load_font(d, DRAW_REGULAR, dir, "DejaVuSans.ttf");
    if (!draw_failed(d))
        draw_load_font(d, DRAW_BOLD, dir, "DejaVuSans-Bold.ttf");
    snprintf(d->doing, sizeof d->doing, "setting the document information");
    draw_set_info(d, HPDF_INFO_TITLE, info->title);
    draw_set_info(d, HPDF_INFO_CREATOR, info->creator);
    draw_set_date(d, info->day);
    *out = d;
    return EMBOLO_OK;
}

void draw_free(draw_doc *d)
{
    if (!d)
        return;
    HPDF_Free(d->pdf);
    for (size_t f = 0; f < DRAW_FONT_COUNT; f++)
        free(d->advance[f]);
    free(d->pages);
    free(d->footer);
    free(d);
}

/* ---- pages ---- */

/* Room for one more item in an array of count items: the same array, or one of twice the capacity
 * (16 at first; *capacity updated); NULL when out of memory (the array is left as it was). */
static void *array_room(void *items, size_t count, size_t *capacity, size_t item_size)
{
    if (count < *capacity)
        return items;
    size_t grown = *capacity ? 2 * *capacity : 16;
    void *bigger = realloc(items, grown * item_size);
    if (bigger)
        *capacity = grown;
    return bigger;
}

static int pages_reserve(draw_doc *d)
{
    HPDF_Page *pages = array_room(d->pages, d->n_pages, &d->pages_capacity, sizeof *pages);
    if (pages)
        d->pages = pages;
    return pages != NULL;
}

void draw_new_page(draw_doc *d, int landscape)
{
    if (d->failure != EMBOLO_OK)
        return;
    if (!pages_reserve(d)) {
        draw_fail(d, EMBOLO_ERROR_NOMEM);
        return;
    }
    snprintf(d->doing, sizeof d->doing, "drawing page %zu", d->n_pages + 1);
    HPDF_Page page = HPDF_AddPage(d->pdf);
    if (!page)
        return;
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, landscape ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT);
    d->pages[d->n_pages++] = page;
    d->page = page;
    d->landscape = landscape;
    d->width = HPDF_Page_GetWidth(page);
    d->height = HPDF_Page_GetHeight(page);
    d->cursor = d->height - MARGIN_TOP;
    d->slot_per_page = 0;
}

draw_box draw_frame(const draw_doc *d)
{
    draw_box frame = {MARGIN_SIDE, MARGIN_BOTTOM, d->width - 2 * MARGIN_SIDE, d->height - MARGIN_TOP - MARGIN_BOTTOM};
    return frame;
}

double draw_frame_width(int landscape)
{
    return (landscape ? 841.89 : 595.276) - 2 * MARGIN_SIDE;
}

void draw_return_to_page(draw_doc *d, size_t index, double cursor)
{
    if (d->failure != EMBOLO_OK || index >= d->n_pages)
        return;
    d->page = d->pages[index];
    d->width = HPDF_Page_GetWidth(d->page);
    d->height = HPDF_Page_GetHeight(d->page);
    d->landscape = d->width > d->height;
    d->cursor = cursor;
    d->slot_per_page = 0;
}

double draw_cursor(const draw_doc *d)
{
    return d->cursor;
}

double draw_room(const draw_doc *d)
{
    return d->page ? d->cursor - MARGIN_BOTTOM : 0.0;
}

draw_box draw_block(draw_doc *d, double height)
{
    if (!d->page || (draw_room(d) < height && d->cursor < d->height - MARGIN_TOP - 0.5))
        draw_new_page(d, d->page ? d->landscape : 0);
    draw_box box = {MARGIN_SIDE, d->cursor - height, d->width - 2 * MARGIN_SIDE, height};
    d->cursor -= height;
    return box;
}

void draw_gap(draw_doc *d, double height)
{
    if (d->page && draw_room(d) > height)
        d->cursor -= height;
}

draw_box draw_slot(draw_doc *d, size_t per_page)
{
    per_page = per_page >= 4 ? 4 : per_page == 0 ? 1 : per_page;
    size_t rows = per_page == 4 ? 2 : per_page, columns = per_page == 4 ? 2 : 1;
    draw_box frame = draw_frame(d);
    if (!d->page || d->slot_per_page != per_page || d->slot_page != d->n_pages || d->slot_next >= per_page) {
        if (!d->page || draw_room(d) < 0.55 * frame.h)
            draw_new_page(d, d->page ? d->landscape : 0);
        frame = draw_frame(d);
        d->slot_per_page = per_page;
        d->slot_page = d->n_pages;
        d->slot_next = 0;
        d->slot_top = d->cursor;
    }
    size_t k = d->slot_next++;
    double gap = 14.0;
    double h = (d->slot_top - frame.y - gap * (double)(rows - 1)) / (double)rows;
    double w = (frame.w - gap * (double)(columns - 1)) / (double)columns;
    draw_box box = {frame.x + (double)(k % columns) * (w + gap), d->slot_top - (double)(k / columns + 1) * h -
                    (double)(k / columns) * gap, w, h};
    if (box.y - gap < d->cursor)
        d->cursor = box.y - gap > frame.y ? box.y - gap : frame.y;
    return box;
}

/* ---- text ---- */

static void page_text(draw_doc *d, HPDF_Page page, double x, double y, const char *text, size_t length,
                      draw_font font, double size, draw_align align)
{
    if (d->failure != EMBOLO_OK || !page)
        return;
    const char *clean = text_clean(d->text, text, length);
    if (!clean[0])
        return;
    if (align != DRAW_LEFT) {
        double w = width_of(d, clean, strlen(clean), font, size);
        x -= align == DRAW_CENTER ? w / 2 : w;
    }
    HPDF_Page_BeginText(page);
    HPDF_Page_SetFontAndSize(page, d->fonts[font], (HPDF_REAL)size);
    HPDF_Page_TextOut(page, (HPDF_REAL)x, (HPDF_REAL)y, clean);
    HPDF_Page_EndText(page);
}

void draw_text(draw_doc *d, double x, double y, const char *text, draw_font font, double size, draw_align align)
{
    page_text(d, d->page, x, y, text, strlen(text), font, size, align);
}

void draw_text_up(draw_doc *d, double x, double y, const char *text, draw_font font, double size)
{
    if (!draw_ready(d))
        return;
    const char *clean = text_clean(d->text, text, strlen(text));
    double w = width_of(d, clean, strlen(clean), font, size);
    HPDF_Page_BeginText(d->page);
    HPDF_Page_SetFontAndSize(d->page, d->fonts[font], (HPDF_REAL)size);
    HPDF_Page_SetTextMatrix(d->page, 0, 1, -1, 0, (HPDF_REAL)x, (HPDF_REAL)(y - w / 2));
    HPDF_Page_ShowText(d->page, clean);
    HPDF_Page_EndText(d->page);
}

/* The longest prefix of text (at least one character) that fits in width. */
static size_t fitting_prefix(draw_doc *d, const char *text, size_t length, draw_font font, double size,
                             double width)
{
    size_t best = 0;
    for (size_t n = 1; n <= length; n++) {
        if (n < length && ((unsigned char)text[n] & 0xC0) == 0x80)
            continue;
        if (best > 0 && width_of(d, text, n, font, size) > width)
            break;
        best = n;
    }
    return best ? best : length;
}

/* The end of the words of text[start..] that fit on one line of width. */
static size_t line_end(draw_doc *d, const char *text, size_t start, draw_font font, double size, double width)
{
    size_t end = start, next = start;
    for (;;) {
        size_t word_end = next;
        while (text[word_end] && text[word_end] != ' ' && text[word_end] != '\n')
            word_end++;
        if (end > start && width_of(d, text + start, word_end - start, font, size) > width)
            return end;
        if (end == start && width_of(d, text + start, word_end - start, font, size) > width)
            return start + fitting_prefix(d, text + start, word_end - start, font, size, width);
        end = word_end;
        next = word_end;
        while (text[next] == ' ')
            next++;
        if (!text[next] || text[next] == '\n' || text[end] == '\n')
            return end;
    }
}

size_t draw_wrap(draw_doc *d, const char *text, draw_font font, double size, double width, const char **starts,
                 size_t *lengths, size_t max_lines)
{
    size_t n = 0, at = 0;
    while (text[at] && n < max_lines) {
        while (text[at] == ' ')
            at++;
        if (!text[at])
            break;
        if (text[at] == '\n') {
            at++;
            continue;
        }
        size_t end = line_end(d, text, at, font, size, width);
        starts[n] = text + at;
        lengths[n++] = end - at;
        at = end;
    }
    return n;
}

void draw_paragraph(draw_doc *d, const char *text, draw_font font, double size, double indent)
{
    const char *starts[WRAP_MAX_LINES];
    size_t lengths[WRAP_MAX_LINES];
    if (d->failure != EMBOLO_OK)
        return;
    if (!d->page)
        draw_new_page(d, 0);
    double width = draw_frame(d).w - indent;
    size_t n = draw_wrap(d, text, font, size, width, starts, lengths, WRAP_MAX_LINES);
    for (size_t i = 0; i < n; i++) {
        draw_box line = draw_block(d, size * 1.4);
        page_text(d, d->page, line.x + indent, line.y + size * 0.4, starts[i], lengths[i], font, size, DRAW_LEFT);
    }
}

static void draw_bookmark(draw_doc *d, const char *text)
{
    char ascii[128];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c && n + 1 < sizeof ascii; c++)
        if (*c < 0x80 || (*c & 0xC0) == 0xC0)
            ascii[n++] = *c >= 0x20 && *c < 0x7f ? (char)*c : '?';
    ascii[n] = '\0';
    HPDF_Outline outline = HPDF_CreateOutline(d->pdf, NULL, ascii, NULL);
    HPDF_Destination destination = outline ? HPDF_Page_CreateDestination(d->page) : NULL;
    if (destination)
        HPDF_Outline_SetDestination(outline, destination);
}

void draw_heading(draw_doc *d, const char *text)
{
    if (d->failure != EMBOLO_OK)
        return;
    if (!d->page || draw_room(d) < 160.0)
        draw_new_page(d, d->page ? d->landscape : 0);
    draw_box box = draw_block(d, 24.0);
    if (draw_ready(d))
        draw_bookmark(d, text);
    page_text(d, d->page, box.x, box.y + 6.0, text, strlen(text), DRAW_BOLD, 15.0, DRAW_LEFT);
    draw_gap(d, 6.0);
}

void draw_subheading(draw_doc *d, const char *text)
{
    if (d->failure != EMBOLO_OK)
        return;
    if (!d->page || draw_room(d) < 90.0)
        draw_new_page(d, d->page ? d->landscape : 0);
    draw_gap(d, 6.0);
    draw_box box = draw_block(d, 18.0);
    page_text(d, d->page, box.x, box.y + 5.0, text, strlen(text), DRAW_BOLD, 11.0, DRAW_LEFT);
}

/* ---- pens and shapes ---- */

draw_pen draw_series_pen(size_t series, double width)
{
    /* Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black. */
    static const double rgb[DRAW_SERIES_COUNT][3] = {
        {0.000, 0.447, 0.698}, {0.835, 0.369, 0.000}, {0.000, 0.620, 0.451}, {0.800, 0.475, 0.655},
        {0.902, 0.624, 0.000}, {0.337, 0.706, 0.914}, {0.000, 0.000, 0.000},
    };
    const double *c = rgb[series % DRAW_SERIES_COUNT];
    draw_pen pen = {c[0], c[1], c[2], width, (int)(series % DRAW_DASH_COUNT)};
    return pen;
}

draw_pen draw_grey_pen(double grey, double width, int dash)
{
    draw_pen pen = {grey, grey, grey, width, dash};
    return pen;
}

/* Saves the graphics state and sets the pen for stroking and its colour for filling. */
static void pen_begin(draw_doc *d, draw_pen pen)
{
    static const HPDF_UINT16 patterns[DRAW_DASH_COUNT][4] = {{0}, {6, 3}, {1, 2}, {6, 2, 1, 2}, {3, 2}};
    static const HPDF_UINT counts[DRAW_DASH_COUNT] = {0, 2, 2, 4, 2};
    HPDF_Page_GSave(d->page);
    HPDF_Page_SetRGBStroke(d->page, (HPDF_REAL)pen.r, (HPDF_REAL)pen.g, (HPDF_REAL)pen.b);
    HPDF_Page_SetRGBFill(d->page, (HPDF_REAL)pen.r, (HPDF_REAL)pen.g, (HPDF_REAL)pen.b);
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)pen.width);
    int dash = pen.dash >= 0 && pen.dash < DRAW_DASH_COUNT ? pen.dash : 0;
    if (dash != DRAW_DASH_SOLID)
        HPDF_Page_SetDash(d->page, patterns[dash], counts[dash], 0);
}

static void pen_end(draw_doc *d)
{
    HPDF_Page_GRestore(d->page);
}

/* Coordinates rounded to 0.01 point: shorter content streams, the same picture. */
static HPDF_REAL round_point(double v)
{
    return (HPDF_REAL)(round(v * 100.0) / 100.0);
}

static void move_to(draw_doc *d, double x, double y)
{
    HPDF_Page_MoveTo(d->page, round_point(x), round_point(y));
}

static void line_to(draw_doc *d, double x, double y)
{
    HPDF_Page_LineTo(d->page, round_point(x), round_point(y));
}

void draw_segment(draw_doc *d, double x0, double y0, double x1, double y1, draw_pen pen)
{
    if (!draw_ready(d))
        return;
    pen_begin(d, pen);
    move_to(d, x0, y0);
    line_to(d, x1, y1);
    HPDF_Page_Stroke(d->page);
    pen_end(d);
}

void draw_arrow(draw_doc *d, double x0, double y0, double x1, double y1, draw_pen pen)
{
    double dx = x1 - x0, dy = y1 - y0, length = sqrt(dx * dx + dy * dy);
    if (!draw_ready(d) || length <= 0)
        return;
    double ux = dx / length, uy = dy / length, head = 4.0 + pen.width;
    draw_segment(d, x0, y0, x1 - ux * head * 0.8, y1 - uy * head * 0.8, pen);
    pen.dash = DRAW_DASH_SOLID;
    pen_begin(d, pen);
    move_to(d, x1, y1);
    line_to(d, x1 - ux * head - uy * head * 0.45, y1 - uy * head + ux * head * 0.45);
    line_to(d, x1 - ux * head + uy * head * 0.45, y1 - uy * head - ux * head * 0.45);
    HPDF_Page_ClosePath(d->page);
    HPDF_Page_Fill(d->page);
    pen_end(d);
}

void draw_rect(draw_doc *d, draw_box box, draw_pen pen, double fill_grey)
{
    if (!draw_ready(d))
        return;
    pen_begin(d, pen);
    if (fill_grey >= 0)
        HPDF_Page_SetGrayFill(d->page, (HPDF_REAL)fill_grey);
    HPDF_Page_Rectangle(d->page, round_point(box.x), round_point(box.y), round_point(box.w), round_point(box.h));
    if (fill_grey >= 0)
        HPDF_Page_FillStroke(d->page);
    else
        HPDF_Page_Stroke(d->page);
    pen_end(d);
}

void draw_swatch(draw_doc *d, double x, double y, double w, draw_pen pen)
{
    draw_segment(d, x, y, x + w, y, pen);
}

void draw_marker(draw_doc *d, double x, double y, draw_shape shape, double size, draw_pen pen)
{
    if (!draw_ready(d))
        return;
    double r = size / 2;
    pen.dash = DRAW_DASH_SOLID;
    pen_begin(d, pen);
    if (shape == DRAW_SQUARE) {
        HPDF_Page_Rectangle(d->page, round_point(x - r), round_point(y - r), round_point(size), round_point(size));
        HPDF_Page_Fill(d->page);
    } else if (shape == DRAW_DIAMOND) {
        move_to(d, x, y + r * 1.2);
        line_to(d, x + r * 1.2, y);
        line_to(d, x, y - r * 1.2);
        line_to(d, x - r * 1.2, y);
        HPDF_Page_ClosePath(d->page);
        HPDF_Page_Fill(d->page);
    } else {
        if (shape == DRAW_CIRCLE_OPEN)
            HPDF_Page_SetGrayFill(d->page, 1);
        HPDF_Page_Circle(d->page, round_point(x), round_point(y), (HPDF_REAL)r);
        if (shape == DRAW_CIRCLE_OPEN)
            HPDF_Page_FillStroke(d->page);
        else
            HPDF_Page_Fill(d->page);
    }
    pen_end(d);
}

double draw_legend(draw_doc *d, double x, double top, double width, const char *const *labels, const draw_pen *pens,
                   const draw_shape *shapes, size_t n, double size, int measure_only)
{
    double line_height = size * 1.6, swatch = 2.4 * size, at = 0.0, lines = n ? 1.0 : 0.0;
    for (size_t i = 0; i < n; i++) {
        double item = swatch + 0.4 * size + draw_text_width(d, labels[i], DRAW_REGULAR, size);
        if (at > 0 && at + item > width) {
            at = 0.0;
            lines += 1.0;
        }
        double y = top - lines * line_height + 0.45 * size;
        if (!measure_only) {
            draw_pen pen = pens[i];
            pen.width = pen.width > 1.6 ? 1.6 : pen.width;
            draw_swatch(d, x + at, y + 0.35 * size, swatch, pen);
            if (shapes)
                draw_marker(d, x + at + swatch / 2, y + 0.35 * size, shapes[i], 0.7 * size, pen);
            draw_text(d, x + at + swatch + 0.4 * size, y, labels[i], DRAW_REGULAR, size, DRAW_LEFT);
        }
        at += item + 1.4 * size;
    }
    return lines * line_height;
}

/* ---- tables ---- */

#define CELL_MAX_LINES 6
#define CELL_TEXT_SIZE 256
#define WRAP_EM 0.55           /* the width of a character of a wrapped column, in font sizes */

typedef struct table_layout {
    double size, pad, row_height, header_height, span_height, indent;
    double widths[TABLE_MAX_COLUMNS];
    size_t header_lines;
} table_layout;

/* The text of cell c of row r: the label in the stub, else the cell's text (table_cell_text). */
static const char *cell_text(const table *t, size_t r, size_t c, char *buffer)
{
    if (c == 0)
        return t->rows[r].label;
    table_cell_text(&t->rows[r].cells[c], buffer, CELL_TEXT_SIZE);
    return buffer;
}

static int row_is_bold(const table_row *row)
{
    return row->role == TABLE_ROW_HEADING || row->role == TABLE_ROW_TOTAL;
}

static draw_align column_align(const table *t, size_t c)
{
    return t->columns[c].align == TABLE_LEFT ? DRAW_LEFT : DRAW_CENTER;
}

/* The widest line of a wrapped column at a font size; 0: not wrapped. */
static double column_wrap(const table *t, size_t c, double size)
{
    return (double)t->columns[c].wrap * WRAP_EM * size;
}

/* Widest line of a header, and its number of lines. */
static double header_width(draw_doc *d, const char *header, double size, size_t *lines)
{
    double widest = 0.0;
    *lines = 0;
    for (const char *line = header;; line++) {
        size_t length = strcspn(line, "\n");
        double w = width_of(d, line, length, DRAW_BOLD, size);
        widest = w > widest ? w : widest;
        (*lines)++;
        line += length;
        if (!*line)
            break;
    }
    return widest;
}

/* Widens the columns under a span whose heading is wider than they are; returns the width added. */
static double spans_widen(draw_doc *d, const table *t, table_layout *layout, double size)
{
    double added = 0.0;
    for (size_t k = 0; k < t->n_spans; k++) {
        const table_span *span = &t->spans[k];
        double under = 0.0, need = width_of(d, span->text, strlen(span->text), DRAW_BOLD, size) + 2 * layout->pad;
        for (size_t c = span->first; c < span->first + span->count; c++)
            under += layout->widths[c];
        if (need <= under)
            continue;
        for (size_t c = span->first; c < span->first + span->count; c++)
            layout->widths[c] += (need - under) / (double)span->count;
        added += need - under;
    }
    return added;
}

/* Natural widths of the columns at a font size; returns their sum. */
static double table_measure(draw_doc *d, const table *t, table_layout *layout, double size)
{
    char buffer[CELL_TEXT_SIZE];
    double total = 0.0;
    layout->size = size;
    layout->pad = 0.5 * size;
    layout->indent = 1.2 * size;
    layout->row_height = 1.5 * size;
    layout->header_lines = 1;
    for (size_t c = 0; c < t->n_columns; c++) {
        size_t lines;
        double widest = header_width(d, t->columns[c].header, size, &lines);
        layout->header_lines = lines > layout->header_lines ? lines : layout->header_lines;
        for (size_t r = 0; r < t->n_rows; r++) {
            const table_row *row = &t->rows[r];
            const char *cell = cell_text(t, r, c, buffer);
            double w = width_of(d, cell, strlen(cell), c == 0 && row_is_bold(row) ? DRAW_BOLD : DRAW_REGULAR, size);
            w += c == 0 && table_row_is_member(row) ? layout->indent : 0.0;
            widest = w > widest ? w : widest;
        }
        double wrap = column_wrap(t, c, size);
        layout->widths[c] = (wrap > 0 && widest > wrap ? wrap : widest) + 2 * layout->pad;
        total += layout->widths[c];
    }
    total += spans_widen(d, t, layout, size);
    layout->span_height = t->n_spans ? 1.6 * size : 0.0;
    layout->header_height = (double)layout->header_lines * 1.25 * size + 0.5 * size + layout->span_height;
    return total;
}

static int table_drawable(const table *t)
{
    return !t->fill && t->n_columns > 0 && t->n_columns <= TABLE_MAX_COLUMNS;
}

double draw_table_width(draw_doc *d, const table *t)
{
    table_layout layout;
    return table_drawable(t) ? table_measure(d, t, &layout, DRAW_TABLE_FONT) : 0.0;
}

/* Fits the table to width: a smaller font when it is too wide, some air when it is narrow. */
static void table_fit(draw_doc *d, const table *t, table_layout *layout, double width)
{
    double size = DRAW_TABLE_FONT, total = table_measure(d, t, layout, size);
    while (total > width && size > TABLE_MIN_FONT) {
        size = size * width / total * 0.995;
        size = size < TABLE_MIN_FONT ? TABLE_MIN_FONT : size;
        total = table_measure(d, t, layout, size);
    }
    double n = (double)t->n_columns;
    double extra = (width - total) / n;
    if (extra > 2.5 * size)
        extra = 2.5 * size;
    for (size_t c = 0; c < t->n_columns; c++)
        layout->widths[c] += extra;
}

static double cell_x(const table_layout *layout, size_t column, double left, draw_align align)
{
    double x = left;
    for (size_t c = 0; c < column; c++)
        x += layout->widths[c];
    if (align == DRAW_RIGHT)
        return x + layout->widths[column] - layout->pad;
    if (align == DRAW_CENTER)
        return x + layout->widths[column] / 2;
    return x + layout->pad;
}

static double table_total_width(const table *t, const table_layout *layout)
{
    double w = 0.0;
    for (size_t c = 0; c < t->n_columns; c++)
        w += layout->widths[c];
    return w;
}

static void table_rule(draw_doc *d, double left, double width, double y, double thickness)
{
    draw_segment(d, left, y, left + width, y, draw_grey_pen(0.0, thickness, DRAW_DASH_SOLID));
}

/* The span headings above the column headers, each over a thin rule as wide as its columns. */
static void table_spans(draw_doc *d, const table *t, const table_layout *layout, draw_box box)
{
    for (size_t k = 0; k < t->n_spans; k++) {
        const table_span *span = &t->spans[k];
        double left = box.x, width = 0.0;
        for (size_t c = 0; c < span->first; c++)
            left += layout->widths[c];
        for (size_t c = span->first; c < span->first + span->count; c++)
            width += layout->widths[c];
        double y = box.y + box.h - layout->size * 1.2;
        page_text(d, d->page, left + width / 2, y, span->text, strlen(span->text), DRAW_BOLD, layout->size,
                  DRAW_CENTER);
        table_rule(d, left + layout->pad, width - 2 * layout->pad, y - 0.45 * layout->size, 0.4);
    }
}

static void table_header(draw_doc *d, const table *t, const table_layout *layout, int continued)
{
    double width = table_total_width(t, layout);
    if (t->title && t->title[0]) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", t->title, continued ? " (continued)" : "");
        draw_box box = draw_block(d, layout->size * 2.0);
        draw_text(d, box.x, box.y + layout->size * 0.6, text, DRAW_BOLD, layout->size + 1.0, DRAW_LEFT);
    }
    draw_box box = draw_block(d, layout->header_height);
    table_rule(d, box.x, width, box.y + box.h, 0.8);
    table_spans(d, t, layout, box);
    for (size_t c = 0; c < t->n_columns; c++) {
        double y = box.y + box.h - layout->span_height - layout->size * 1.2;
        for (const char *line = t->columns[c].header;; y -= layout->size * 1.25) {
            size_t length = strcspn(line, "\n");
            draw_align align = column_align(t, c);
            page_text(d, d->page, cell_x(layout, c, box.x, align), y, line, length, DRAW_BOLD, layout->size, align);
            line += length;
            if (!*line++)
                break;
        }
    }
    table_rule(d, box.x, width, box.y, 0.5);
}

static draw_font cell_font(const table_row *row, size_t column)
{
    return column == 0 && row_is_bold(row) ? DRAW_BOLD : DRAW_REGULAR;
}

/* The lines of a cell: wrapped in a wrapping column, else the whole text (buffer holds it). */
static size_t cell_lines(draw_doc *d, const table *t, const table_layout *layout, size_t r, size_t c,
                         char *buffer, const char **starts, size_t *lengths)
{
    const table_row *row = &t->rows[r];
    const char *cell = cell_text(t, r, c, buffer);
    double width = layout->widths[c] - 2 * layout->pad - (c == 0 && table_row_is_member(row) ? layout->indent : 0);
    if (t->columns[c].wrap && cell[0]) {
        size_t n = draw_wrap(d, cell, cell_font(row, c), layout->size, width, starts, lengths, CELL_MAX_LINES);
        if (n > 0)
            return n;
    }
    starts[0] = cell;
    lengths[0] = strlen(cell);
    return 1;
}

static double row_height(draw_doc *d, const table *t, const table_layout *layout, size_t r)
{
    char buffer[CELL_TEXT_SIZE];
    const char *starts[CELL_MAX_LINES];
    size_t lengths[CELL_MAX_LINES], lines = 1;
    for (size_t c = 0; c < t->n_columns; c++) {
        size_t n = t->columns[c].wrap ? cell_lines(d, t, layout, r, c, buffer, starts, lengths) : 1;
        lines = n > lines ? n : lines;
    }
    return layout->row_height + (double)(lines - 1) * 1.2 * layout->size;
}

static void table_row_draw(draw_doc *d, const table *t, const table_layout *layout, size_t r)
{
    char buffer[CELL_TEXT_SIZE];
    const char *starts[CELL_MAX_LINES];
    size_t lengths[CELL_MAX_LINES];
    const table_row *row = &t->rows[r];
    draw_box box = draw_block(d, row_height(d, t, layout, r));
    if (row->role == TABLE_ROW_TOTAL)
        table_rule(d, box.x, table_total_width(t, layout), box.y + box.h, 0.3);
    double top = box.y + box.h - layout->row_height * 0.68;
    for (size_t c = 0; c < t->n_columns; c++) {
        draw_align align = column_align(t, c);
        double x = cell_x(layout, c, box.x, align);
        if (c == 0 && table_row_is_member(row) && align == DRAW_LEFT)
            x += layout->indent;
        size_t n = cell_lines(d, t, layout, r, c, buffer, starts, lengths);
        for (size_t i = 0; i < n; i++)
            page_text(d, d->page, x, top - (double)i * 1.2 * layout->size, starts[i], lengths[i], cell_font(row, c),
                      layout->size, align);
    }
}

/* The height of the footnotes, wrapped to the frame. */
static double notes_height(draw_doc *d, const table *t)
{
    const char *starts[WRAP_MAX_LINES];
    size_t lengths[WRAP_MAX_LINES], lines = 0;
    for (size_t k = 0; k < t->n_footnotes; k++)
        lines += draw_wrap(d, t->footnotes[k], DRAW_REGULAR, NOTE_SIZE, draw_frame(d).w, starts, lengths,
                           WRAP_MAX_LINES);
    return t->n_footnotes ? (double)lines * NOTE_SIZE * 1.4 + 4.0 * (double)t->n_footnotes + 3.0 : 0.0;
}

static void table_notes(draw_doc *d, const table *t)
{
    if (t->n_footnotes)
        draw_gap(d, 3.0);
    for (size_t k = 0; k < t->n_footnotes; k++) {
        draw_paragraph(d, t->footnotes[k], DRAW_REGULAR, NOTE_SIZE, 0.0);
        draw_gap(d, 4.0);
    }
}

/* The room row r needs: its own, the next row's when it is a group's heading, the footnotes' after the
 * last row (a footnote stays on the page of its table's end). */
static double row_need(draw_doc *d, const table *t, const table_layout *layout, size_t r, double notes)
{
    int keep = t->rows[r].role == TABLE_ROW_HEADING && r + 1 < t->n_rows;
    double need = row_height(d, t, layout, r) + (keep ? row_height(d, t, layout, r + 1) : 0.0);
    return need + (r + 1 == t->n_rows || (keep && r + 2 == t->n_rows) ? notes : 0.0);
}

void draw_table(draw_doc *d, const table *t)
{
    table_layout layout;
    if (d->failure != EMBOLO_OK)
        return;
    if (!table_drawable(t)) {
        draw_fail(d, EMBOLO_ERROR_INVALID_ARGUMENT);
        return;
    }
    if (!d->page)
        draw_new_page(d, 0);
    table_fit(d, t, &layout, draw_frame(d).w);
    double notes = notes_height(d, t);
    double first = (t->title[0] ? 2.0 * layout.size : 0.0) + layout.header_height + 2.0 * layout.row_height;
    double whole = first + notes;
    for (size_t r = 0; r < t->n_rows; r++)
        whole += row_height(d, t, &layout, r);
    /* A table that would break but fits a page of its own starts one, unless most of this page is free. */
    int fits_a_page = whole < draw_frame(d).h && draw_room(d) < 0.6 * draw_frame(d).h;
    if (draw_room(d) < first || (draw_room(d) < whole && fits_a_page))
        draw_new_page(d, d->landscape);
    table_header(d, t, &layout, 0);
    for (size_t r = 0; r < t->n_rows && d->failure == EMBOLO_OK; r++) {
        if (draw_room(d) < row_need(d, t, &layout, r, notes) + 1.0) {
            table_rule(d, MARGIN_SIDE, table_total_width(t, &layout), d->cursor, 0.8);
            draw_new_page(d, d->landscape);
            table_header(d, t, &layout, 1);
        }
        table_row_draw(d, t, &layout, r);
    }
    table_rule(d, MARGIN_SIDE, table_total_width(t, &layout), d->cursor, 0.8);
    table_notes(d, t);
    draw_gap(d, layout.size);
}

/* ---- plots ---- */

static double axis_position(const draw_axis *a, double v, double start, double length)
{
    double lo = a->log ? log(a->min) : a->min, hi = a->log ? log(a->max) : a->max;
    double at = a->log ? log(v) : v;
    return hi > lo ? start + (at - lo) / (hi - lo) * length : start;
}

double draw_plot_x(const draw_plot *p, double x)
{
    return axis_position(&p->x, x, p->area.x, p->area.w);
}

double draw_plot_y(const draw_plot *p, double y)
{
    return axis_position(&p->y, y, p->area.y, p->area.h);
}

size_t draw_axis_ticks(const draw_axis *a, double *ticks, size_t max)
{
    size_t n = 0;
    if (a->ticks) {
        for (size_t k = 0; k < a->n_ticks && n < max; k++)
            if (a->ticks[k] >= a->min - 1e-9 && a->ticks[k] <= a->max * (1 + 1e-9) + 1e-9)
                ticks[n++] = a->ticks[k];
        return n;
    }
    if (!(a->step > 0) || !isfinite(a->min) || !isfinite(a->max))
        return 0;
    double tolerance = 1e-9 * (fabs(a->max) + fabs(a->min) + a->step);
    for (size_t k = 0; n < max; k++) {
        double t = a->min + (double)k * a->step;
        if (t > a->max + tolerance)
            break;
        ticks[n++] = t;
    }
    return n;
}

static void tick_label(char *out, size_t size, const draw_axis *a, double v)
{
    if (a->percent)
        snprintf(out, size, "%.0f%%", v * 100.0);
    else if (a->decimals >= 0 && !format_is_huge(v))
        snprintf(out, size, "%.*f", a->decimals, v);
    else
        snprintf(out, size, "%g", fabs(v) < 1e-12 ? 0.0 : v);
}

static void draw_bottom_axis(draw_doc *d, const draw_plot *p)
{
    double ticks[64], size = p->font_size;
    size_t n = draw_axis_ticks(&p->x, ticks, 64);
    draw_pen pen = draw_grey_pen(0.0, 0.6, DRAW_DASH_SOLID);
    draw_segment(d, p->area.x, p->area.y, p->area.x + p->area.w, p->area.y, pen);
    for (size_t k = 0; k < n; k++) {
        char label[32];
        double x = draw_plot_x(p, ticks[k]);
        draw_segment(d, x, p->area.y, x, p->area.y - 3.0, pen);
        tick_label(label, sizeof label, &p->x, ticks[k]);
        draw_text(d, x, p->area.y - 4.0 - size, label, DRAW_REGULAR, size, DRAW_CENTER);
    }
    if (p->x.title)
        draw_text(d, p->area.x + p->area.w / 2, p->area.y - 7.0 - 2.1 * size, p->x.title, DRAW_REGULAR, size,
                  DRAW_CENTER);
}

void draw_x_axis(draw_doc *d, const draw_plot *p)
{
    if (draw_ready(d))
        draw_bottom_axis(d, p);
}

void draw_axes(draw_doc *d, const draw_plot *p)
{
    double ticks[64], size = p->font_size, widest = 0.0;
    if (!draw_ready(d))
        return;
    draw_bottom_axis(d, p);
    size_t n = draw_axis_ticks(&p->y, ticks, 64);
    draw_pen pen = draw_grey_pen(0.0, 0.6, DRAW_DASH_SOLID);
    draw_segment(d, p->area.x, p->area.y, p->area.x, p->area.y + p->area.h, pen);
    for (size_t k = 0; k < n; k++) {
        char label[32];
        double y = draw_plot_y(p, ticks[k]);
        draw_segment(d, p->area.x, y, p->area.x - 3.0, y, pen);
        tick_label(label, sizeof label, &p->y, ticks[k]);
        double w = draw_text_width(d, label, DRAW_REGULAR, size);
        widest = w > widest ? w : widest;
        draw_text(d, p->area.x - 5.0, y - 0.35 * size, label, DRAW_REGULAR, size, DRAW_RIGHT);
    }
    if (p->y.title) {
        /* A title longer than the axis gets a smaller font. */
        double length = draw_text_width(d, p->y.title, DRAW_REGULAR, size), fit = size;
        if (length > p->area.h && length > 0)
            fit = size * p->area.h / length > 4.5 ? size * p->area.h / length : 4.5;
        draw_text_up(d, p->area.x - 8.0 - widest - 0.25 * size, p->area.y + p->area.h / 2, p->y.title, DRAW_REGULAR,
                     fit);
    }
}

void draw_clip(draw_doc *d, const draw_plot *p)
{
    if (!draw_ready(d))
        return;
    HPDF_Page_GSave(d->page);
    HPDF_Page_Rectangle(d->page, round_point(p->area.x), round_point(p->area.y - 2.0), round_point(p->area.w + 1.0),
                        round_point(p->area.h + 4.0));
    HPDF_Page_Clip(d->page);
    HPDF_Page_EndPath(d->page);
}

void draw_unclip(draw_doc *d)
{
    if (draw_ready(d))
        HPDF_Page_GRestore(d->page);
}

/* The page-coordinate vertices of a step path over points from..to-1 continued flat to x_end: points
 * closer than PATH_RESOLUTION horizontally share one vertical drop, and drawing stops at the axis's
 * end. vx, vy hold 2 (to - from) + 2 vertices. Returns the count. */
static size_t step_vertices(const draw_plot *p, const double *x, const double *y, size_t from, size_t to,
                            double x_end, double *vx, double *vy)
{
    double right = p->area.x + p->area.w;
    double px = draw_plot_x(p, x[from]), py = draw_plot_y(p, y[from]);
    size_t n = 0;
    vx[n] = px, vy[n++] = py;
    for (size_t k = from + 1; k < to; k++) {
        double nx = draw_plot_x(p, x[k]), ny = draw_plot_y(p, y[k]);
        if (nx > right)
            break;
        if (ny == py)
            continue;
        if (nx - px >= PATH_RESOLUTION) {
            vx[n] = nx, vy[n++] = py;
            px = nx;
        }
        if (n > 1 && vx[n - 1] == px && vx[n - 2] == px)
            vy[n - 1] = ny;
        else
            vx[n] = px, vy[n++] = ny;
        py = ny;
    }
    double end = draw_plot_x(p, x_end);
    end = end > right ? right : end;
    if (end > px)
        vx[n] = end, vy[n++] = py;
    return n;
}

static void path_through(draw_doc *d, const double *vx, const double *vy, size_t n, int reverse, int continue_path)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = reverse ? n - 1 - i : i;
        if (i == 0 && !continue_path)
            move_to(d, vx[k], vy[k]);
        else
            line_to(d, vx[k], vy[k]);
    }
}

/* Index of the first point at or after from where y is not finite (n if none). */
static size_t finite_run_end(const double *a, const double *b, size_t from, size_t n)
{
    while (from < n && isfinite(a[from]) && (!b || isfinite(b[from])))
        from++;
    return from;
}

void draw_steps(draw_doc *d, const draw_plot *p, const double *x, const double *y, size_t n, double x_end,
                draw_pen pen)
{
    if (!draw_ready(d) || n == 0)
        return;
    size_t end = finite_run_end(y, NULL, 0, n);
    double *vx = malloc((2 * end + 2) * sizeof *vx), *vy = malloc((2 * end + 2) * sizeof *vy);
    if (!vx || !vy) {
        draw_fail(d, EMBOLO_ERROR_NOMEM);
    } else if (end > 0) {
        size_t count = step_vertices(p, x, y, 0, end, end < n ? x[end] : x_end, vx, vy);
        pen_begin(d, pen);
        path_through(d, vx, vy, count, 0, 0);
        HPDF_Page_Stroke(d->page);
        pen_end(d);
    }
    free(vx);
    free(vy);
}

static HPDF_ExtGState alpha_state(draw_doc *d, double alpha)
{
    for (size_t i = 0; i < ALPHA_STATES; i++) {
        if (d->alpha_states[i] && d->alpha_values[i] == alpha)
            return d->alpha_states[i];
        if (!d->alpha_states[i]) {
            d->alpha_states[i] = HPDF_CreateExtGState(d->pdf);
            d->alpha_values[i] = alpha;
            if (d->alpha_states[i])
                HPDF_ExtGState_SetAlphaFill(d->alpha_states[i], (HPDF_REAL)alpha);
            return d->alpha_states[i];
        }
    }
    return d->alpha_states[ALPHA_STATES - 1];
}

/* One closed band over the finite run from..to-1. */
static void band_run(draw_doc *d, const draw_plot *p, const double *x, const double *lower, const double *upper,
                     size_t from, size_t to, double x_end, double *buffer)
{
    size_t cap = 2 * (to - from) + 2;
    double *ux = buffer, *uy = buffer + cap, *lx = buffer + 2 * cap, *ly = buffer + 3 * cap;
    size_t nu = step_vertices(p, x, upper, from, to, x_end, ux, uy);
    size_t nl = step_vertices(p, x, lower, from, to, x_end, lx, ly);
    if (nu == 0 || nl == 0)
        return;
    /* Both paths end at the same x only when neither stopped early at the axis's end. */
    path_through(d, ux, uy, nu, 0, 0);
    line_to(d, lx[nl - 1] > ux[nu - 1] ? lx[nl - 1] : ux[nu - 1], ly[nl - 1]);
    path_through(d, lx, ly, nl, 1, 1);
    HPDF_Page_ClosePath(d->page);
    HPDF_Page_Fill(d->page);
}

void draw_step_band(draw_doc *d, const draw_plot *p, const double *x, const double *lower, const double *upper,
                    size_t n, double x_end, draw_pen pen, double alpha)
{
    if (!draw_ready(d) || n == 0)
        return;
    double *buffer = malloc(4 * (2 * n + 2) * sizeof *buffer);
    HPDF_ExtGState state = alpha_state(d, alpha);
    if (!buffer) {
        draw_fail(d, EMBOLO_ERROR_NOMEM);
        return;
    }
    pen_begin(d, pen);
    if (state)
        HPDF_Page_SetExtGState(d->page, state);
    for (size_t from = 0; from < n;) {
        size_t to = finite_run_end(lower, upper, from, n);
        if (to > from)
            band_run(d, p, x, lower, upper, from, to, to < n ? x[to] : x_end, buffer);
        from = to + 1;
    }
    pen_end(d);
    free(buffer);
}

void draw_marks(draw_doc *d, const draw_plot *p, const double *x, const double *y, const size_t *count, size_t n,
                double height, draw_pen pen)
{
    if (!draw_ready(d))
        return;
    double last_x = -INFINITY, last_y = -INFINITY, right = p->area.x + p->area.w;
    int any = 0;
    pen.dash = DRAW_DASH_SOLID;
    pen_begin(d, pen);
    for (size_t k = 0; k < n; k++) {
        if (count[k] == 0 || !isfinite(y[k]))
            continue;
        double px = draw_plot_x(p, x[k]), py = draw_plot_y(p, y[k]);
        if (px > right + 0.01)
            break;
        if (fabs(px - last_x) < 1.5 && fabs(py - last_y) < 0.8)
            continue;
        move_to(d, px, py - height / 2);
        line_to(d, px, py + height / 2);
        last_x = px, last_y = py, any = 1;
    }
    if (any)
        HPDF_Page_Stroke(d->page);
    pen_end(d);
}

void draw_line(draw_doc *d, const draw_plot *p, double x0, double y0, double x1, double y1, draw_pen pen)
{
    draw_segment(d, draw_plot_x(p, x0), draw_plot_y(p, y0), draw_plot_x(p, x1), draw_plot_y(p, y1), pen);
}

void draw_polyline(draw_doc *d, const draw_plot *p, const double *x, const double *y, size_t n, draw_pen pen)
{
    if (!draw_ready(d) || n < 2)
        return;
    pen_begin(d, pen);
    for (size_t k = 0; k < n; k++) {
        if (k == 0)
            move_to(d, draw_plot_x(p, x[k]), draw_plot_y(p, y[k]));
        else
            line_to(d, draw_plot_x(p, x[k]), draw_plot_y(p, y[k]));
    }
    HPDF_Page_Stroke(d->page);
    pen_end(d);
}

/* ---- saving ---- */

static void draw_footers(draw_doc *d)
{
    for (size_t i = 0; i < d->n_pages && d->failure == EMBOLO_OK; i++) {
        char text[64];
        HPDF_Page page = d->pages[i];
        double width = HPDF_Page_GetWidth(page);
        snprintf(d->doing, sizeof d->doing, "numbering page %zu", i + 1);
        snprintf(text, sizeof text, "Page %zu of %zu", i + 1, d->n_pages);
        page_text(d, page, width - MARGIN_SIDE, FOOTER_Y, text, strlen(text), DRAW_REGULAR, 8.0, DRAW_RIGHT);
        if (i > 0)
            page_text(d, page, MARGIN_SIDE, FOOTER_Y, d->footer, strlen(d->footer), DRAW_REGULAR, 8.0, DRAW_LEFT);
    }
}

/* Writes the document, built in memory, to path; errno of the first failed write or close, 0 if all
 * went well. (HPDF_SaveToFile ignores a failure of its final fclose: a full disk could go unnoticed.) */
static int draw_write_file(draw_doc *d, const char *path)
{
    enum { CHUNK = 65536 };
    HPDF_BYTE *buffer = malloc(CHUNK);
    FILE *file = buffer ? fopen(path, "wb") : NULL;
    int error = buffer ? 0 : ENOMEM;
    if (!file) {
        error = error ? error : errno;
        free(buffer);
        return error;
    }
    HPDF_UINT32 left = HPDF_GetStreamSize(d->pdf);
    HPDF_ResetStream(d->pdf);
    while (left > 0 && !error && d->failure == EMBOLO_OK) {
        HPDF_UINT32 size = left < CHUNK ? left : CHUNK;
        if (HPDF_ReadFromStream(d->pdf, buffer, &size) != HPDF_OK || size == 0 || size > left)
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
    draw_footers(d);
    int error = 0;
    if (d->failure == EMBOLO_OK) {
        snprintf(d->doing, sizeof d->doing, "writing the file");
        HPDF_STATUS status = HPDF_SaveToStream(d->pdf);
        if (status != HPDF_OK && d->failure == EMBOLO_OK)
            draw_on_error(status, 0, d);
    }
    if (d->failure == EMBOLO_OK)
        error = draw_write_file(d, path);
    if (d->failure == EMBOLO_OK && !error)
        return EMBOLO_OK;
    if (d->failure == EMBOLO_OK) {
        snprintf(message, message_size, "%s: cannot write: %s", path, strerror(error));
        return EMBOLO_ERROR_OUTPUT;
    }
    draw_describe_failure(d, path, message, message_size);
    return d->failure;
}
