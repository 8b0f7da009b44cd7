/* The drawing layer's cairo backend: single-page pictures (draw_picture) as PDF, SVG and EPS vector
 * files and PNG (libpng) and TIFF (libtiff) images rasterised from cairo image surfaces. The DejaVu
 * fonts are loaded from their files through FreeType (the files the report embeds), with hinting and
 * hinted metrics off, so that a text's width is its design width at any size and resolution and the
 * same as the layout measured (advance below). Raster images are drawn in bands of rows (the
 * painter runs once per band), so no image lies in memory whole.
 *
 * Same drawing, same bytes: the PDF's creation date is the day given (cairo would write the clock),
 * the EPS's %%CreationDate line is rewritten to that day, the SVG's surface ids (a process-wide counter
 * in cairo) are renumbered from 1 and its size is given in millimetres; PNG and TIFF carry no time.
 * An SVG's text is editable <text> in DejaVu Sans over cairo's drawing (cairo would outline each
 * glyph), each held to the width the layout measured. */
#include "draw_internal.h"

#include <cairo/cairo-ft.h>
#include <cairo/cairo-pdf.h>
#include <cairo/cairo-ps.h>
#include <cairo/cairo-svg.h>
#include <cairo/cairo.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_ADVANCES_H
#include <math.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "common/text.h"

#define DRAW_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#define STATE_DEPTH 32
/* A band of a raster image holds at most this many bytes (4 per pixel). */
#define BAND_BYTES (16u << 20)
#define RASTER_MAX_SIDE 60000
#define HALF_TURN 3.14159265358979323846

/* ---- a growing buffer of bytes (the file being encoded) ---- */

typedef struct byte_buffer {
    unsigned char *data;
    size_t size, capacity, at;   /* at: where the next write goes (TIFF seeks) */
    int failed;
} byte_buffer;

static int buffer_write(byte_buffer *b, const void *bytes, size_t n)
{
    if (b->failed)
        return 0;
    if (b->at + n > b->capacity) {
        size_t grown = b->capacity ? b->capacity : 65536;
        while (grown < b->at + n)
            grown *= 2;
        unsigned char *bigger = realloc(b->data, grown);
        if (!bigger) {
            b->failed = 1;
            return 0;
        }
        b->data = bigger;
        b->capacity = grown;
    }
    if (b->at > b->size)
        memset(b->data + b->size, 0, b->at - b->size);
    memcpy(b->data + b->at, bytes, n);
    b->at += n;
    b->size = b->at > b->size ? b->at : b->size;
    return 1;
}

/* The first occurrence of needle (n bytes) in the size bytes at s, NULL if none. */
static const unsigned char *bytes_find(const unsigned char *s, size_t size, const char *needle, size_t n)
{
    for (size_t i = 0; n <= size && i + n <= size; i++)
        if (s[i] == (unsigned char)needle[0] && memcmp(s + i, needle, n) == 0)
            return s + i;
    return NULL;
}

static cairo_status_t buffer_cairo_write(void *closure, const unsigned char *data, unsigned int length)
{
    return buffer_write(closure, data, length) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* ---- the backend's state ---- */

typedef struct colour {
    double r, g, b, a;
} colour;

typedef struct cairo_doc {
    FT_Library library;
    FT_Face faces[DRAW_FONT_COUNT];
    cairo_font_face_t *font_faces[DRAW_FONT_COUNT];
    cairo_font_options_t *options;
    cairo_t *cr;                 /* NULL: measuring only */
    double page_height;          /* points: y is flipped on the way to cairo */
    colour stroke[STATE_DEPTH], fill[STATE_DEPTH];
    size_t depth;
    byte_buffer *svg_text;       /* SVG: the text as <text> elements, written over cairo's drawing */
} cairo_doc;

static cairo_doc *cairo_of(const draw_doc *d)
{
    return d->impl;
}

/* Records a failure of cairo's drawing state (the first failure wins). */
static void cairo_check(draw_doc *d)
{
    cairo_doc *c = cairo_of(d);
    cairo_status_t status = c->cr ? cairo_status(c->cr) : CAIRO_STATUS_SUCCESS;
    if (status != CAIRO_STATUS_SUCCESS && d->failure == EMBOLO_OK) {
        snprintf(d->doing, sizeof d->doing, "drawing (cairo: %s)", cairo_status_to_string(status));
        draw_fail(d, status == CAIRO_STATUS_NO_MEMORY ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT);
    }
}

static double flip(const cairo_doc *c, double y)
{
    return c->page_height - y;
}

/* ---- the primitives ---- */

/* The colour slots of the current state (the deepest kept when saves nest beyond STATE_DEPTH). */
static size_t state_index(const cairo_doc *c)
{
    return c->depth < STATE_DEPTH ? c->depth : STATE_DEPTH - 1;
}


static int cairo_page_new(draw_doc *d, double width, double height)
{
    (void)width;
    (void)height;
    snprintf(d->doing, sizeof d->doing, "adding a page to a picture (a picture has one)");
    draw_fail(d, EMBOLO_ERROR_INTERNAL);
    return 0;
}

static void cairo_page_select(draw_doc *d, size_t index)
{
    (void)d;
    (void)index;
}

/* Appends text to b with the characters XML gives a meaning escaped. */
static int buffer_write_xml(byte_buffer *b, const char *text)
{
    for (const char *at = text; *at;) {
        size_t run = strcspn(at, "&<>\"");
        const char *entity = at[run] == '&' ? "&amp;" : at[run] == '<' ? "&lt;" : at[run] == '>' ? "&gt;" : "&quot;";
        if (!buffer_write(b, at, run) || (at[run] && !buffer_write(b, entity, strlen(entity))))
            return 0;
        at += run + (at[run] != '\0');
    }
    return 1;
}

/* An SVG <text> element: editable text in DejaVu Sans, its advance width held to the layout's
 * (textLength), so a viewer with another font keeps the geometry. */
static void svg_text(draw_doc *d, double x, double y, const char *text, draw_font font, double size, int up)
{
    cairo_doc *c = cairo_of(d);
    const colour *f = &c->fill[state_index(c)];
    char head[512];
    double width = draw_width_n(d, text, strlen(text), font, size), sy = flip(c, y);
    int n = snprintf(head, sizeof head, "<text x=\"%.2f\" y=\"%.2f\" font-family=\"DejaVu Sans, sans-serif\" "
                     "font-size=\"%.2f\"%s fill=\"rgb(%d,%d,%d)\" textLength=\"%.2f\" lengthAdjust=\"spacingAndGlyphs\" "
                     "xml:space=\"preserve\"", x, sy, size, font == DRAW_BOLD ? " font-weight=\"bold\"" : "",
                     (int)lround(255 * f->r), (int)lround(255 * f->g), (int)lround(255 * f->b), width > 0 ? width : 0.01);
    char turn[96] = "";
    if (up)
        snprintf(turn, sizeof turn, " transform=\"rotate(-90 %.2f %.2f)\"", x, sy);
    if (n < 0 || (size_t)n >= sizeof head || !buffer_write(c->svg_text, head, (size_t)n) ||
        !buffer_write(c->svg_text, turn, strlen(turn)) || !buffer_write(c->svg_text, ">", 1) ||
        !buffer_write_xml(c->svg_text, text) || !buffer_write(c->svg_text, "</text>\n", 8))
        draw_fail(d, EMBOLO_ERROR_NOMEM);
}

static void cairo_text(draw_doc *d, double x, double y, const char *text, draw_font font, double size, int up)
{
    cairo_doc *c = cairo_of(d);
    const colour *f = &c->fill[state_index(c)];
    if (c->svg_text) {
        svg_text(d, x, y, text, font, size, up);
        return;
    }
    cairo_save(c->cr);
    cairo_set_source_rgba(c->cr, f->r, f->g, f->b, f->a);
    cairo_set_font_face(c->cr, c->font_faces[font]);
    cairo_set_font_options(c->cr, c->options);
    cairo_set_font_size(c->cr, size);
    cairo_translate(c->cr, x, flip(c, y));
    if (up)
        cairo_rotate(c->cr, -HALF_TURN / 2);
    cairo_move_to(c->cr, 0, 0);
    cairo_show_text(c->cr, text);
    cairo_restore(c->cr);
    cairo_check(d);
}

/* The design advance of the glyph of code (FreeType, unscaled), in 1/1000 em: what cairo advances by
 * with hinted metrics off. */
static double cairo_advance(draw_doc *d, draw_font font, unsigned code, const char *utf8, size_t n)
{
    (void)utf8;
    (void)n;
    FT_Face face = cairo_of(d)->faces[font];
    FT_Fixed advance = 0;
    if (!face || FT_Get_Advance(face, FT_Get_Char_Index(face, code), FT_LOAD_NO_SCALE, &advance) != 0)
        return 0.0;
    return (double)advance * 1000.0 / (double)face->units_per_EM;
}

static void cairo_push(draw_doc *d)
{
    cairo_doc *c = cairo_of(d);
    cairo_save(c->cr);
    if (c->depth + 1 < STATE_DEPTH) {
        c->stroke[c->depth + 1] = c->stroke[c->depth];
        c->fill[c->depth + 1] = c->fill[c->depth];
    }
    c->depth++;
}

static void cairo_pop(draw_doc *d)
{
    cairo_doc *c = cairo_of(d);
    if (c->depth == 0)
        return;
    cairo_restore(c->cr);
    c->depth--;
}

static void cairo_stroke_style(draw_doc *d, draw_pen pen)
{
    static const double patterns[DRAW_DASH_COUNT][4] = {{0}, {6, 3}, {1, 2}, {6, 2, 1, 2}, {3, 2}};
    static const int counts[DRAW_DASH_COUNT] = {0, 2, 2, 4, 2};
    cairo_doc *c = cairo_of(d);
    c->stroke[state_index(c)] = (colour){pen.r, pen.g, pen.b, 1.0};
    cairo_set_line_width(c->cr, pen.width);
    int dash = pen.dash >= 0 && pen.dash < DRAW_DASH_COUNT ? pen.dash : 0;
    cairo_set_dash(c->cr, patterns[dash], counts[dash], 0);
}

static void cairo_fill_style(draw_doc *d, double r, double g, double b, double alpha)
{
    cairo_doc *c = cairo_of(d);
    c->fill[state_index(c)] = (colour){r, g, b, alpha};
}

static void cairo_move(draw_doc *d, double x, double y)
{
    cairo_move_to(cairo_of(d)->cr, x, flip(cairo_of(d), y));
}

static void cairo_line(draw_doc *d, double x, double y)
{
    cairo_line_to(cairo_of(d)->cr, x, flip(cairo_of(d), y));
}

static void cairo_rect(draw_doc *d, double x, double y, double w, double h)
{
    cairo_rectangle(cairo_of(d)->cr, x, flip(cairo_of(d), y + h), w, h);
}

static void cairo_circle(draw_doc *d, double x, double y, double r)
{
    cairo_doc *c = cairo_of(d);
    cairo_new_sub_path(c->cr);
    cairo_arc(c->cr, x, flip(c, y), r, 0, 2 * HALF_TURN);
    cairo_close_path(c->cr);
}

static void cairo_close(draw_doc *d)
{
    cairo_close_path(cairo_of(d)->cr);
}

static void cairo_paint_path(draw_doc *d, draw_paint how)
{
    cairo_doc *c = cairo_of(d);
    const colour *s = &c->stroke[state_index(c)], *f = &c->fill[state_index(c)];
    if (how == DRAW_PAINT_CLIP) {
        cairo_clip(c->cr);
    } else {
        if (how != DRAW_PAINT_STROKE) {
            cairo_set_source_rgba(c->cr, f->r, f->g, f->b, f->a);
            cairo_fill_preserve(c->cr);
        }
        if (how != DRAW_PAINT_FILL) {
            cairo_set_source_rgba(c->cr, s->r, s->g, s->b, s->a);
            cairo_stroke_preserve(c->cr);
        }
        cairo_new_path(c->cr);
    }
    cairo_check(d);
}

static void cairo_release(draw_doc *d)
{
    cairo_doc *c = cairo_of(d);
    if (!c)
        return;
    for (size_t f = 0; f < DRAW_FONT_COUNT; f++) {
        if (c->font_faces[f])
            cairo_font_face_destroy(c->font_faces[f]);
        if (c->faces[f])
            FT_Done_Face(c->faces[f]);
    }
    if (c->library)
        FT_Done_FreeType(c->library);
    if (c->options)
        cairo_font_options_destroy(c->options);
    free(c);
}

static const draw_backend cairo_backend = {
    .page_new = cairo_page_new,       .page_select = cairo_page_select, .text = cairo_text,
    .advance = cairo_advance,         .save = cairo_push,               .restore = cairo_pop,
    .stroke_style = cairo_stroke_style, .fill_style = cairo_fill_style, .move_to = cairo_move,
    .line_to = cairo_line,            .rect = cairo_rect,               .circle = cairo_circle,
    .close_path = cairo_close,        .paint = cairo_paint_path,        .bookmark = NULL,
    .release = cairo_release,
};

/* ---- fonts ---- */

static void cairo_load_font(draw_doc *d, draw_font font, const char *dir, const char *file)
{
    cairo_doc *c = cairo_of(d);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(d->doing, sizeof d->doing, "loading the font %.120s", path);
    if (FT_New_Face(c->library, path, 0, &c->faces[font]) != 0) {
        c->faces[font] = NULL;
        draw_fail(d, EMBOLO_ERROR_OUTPUT);
        return;
    }
    c->font_faces[font] = cairo_ft_font_face_create_for_ft_face(c->faces[font], FT_LOAD_NO_HINTING);
    if (cairo_font_face_status(c->font_faces[font]) != CAIRO_STATUS_SUCCESS)
        draw_fail(d, EMBOLO_ERROR_NOMEM);
}

/* A cairo document with the fonts loaded (no surface yet); the failure, if any, is in the document. */
static embolo_error cairo_doc_open(const char *font_dir, draw_doc **out)
{
    cairo_doc *c = calloc(1, sizeof *c);
    draw_doc *d = c ? draw_doc_new(&cairo_backend, c, "") : NULL;
    *out = NULL;
    if (!d)
        return EMBOLO_ERROR_NOMEM;
    c->fill[0] = c->stroke[0] = (colour){0, 0, 0, 1};
    c->options = cairo_font_options_create();
    if (cairo_font_options_status(c->options) != CAIRO_STATUS_SUCCESS || FT_Init_FreeType(&c->library) != 0) {
        c->library = NULL;
        draw_free(d);
        return EMBOLO_ERROR_NOMEM;
    }
    cairo_font_options_set_hint_style(c->options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(c->options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(c->options, CAIRO_ANTIALIAS_GRAY);
    const char *dir = font_dir ? font_dir : DRAW_FONT_DIR;
    cairo_load_font(d, DRAW_REGULAR, dir, "DejaVuSans.ttf");
    if (!draw_failed(d))
        cairo_load_font(d, DRAW_BOLD, dir, "DejaVuSans-Bold.ttf");
    d->has_fonts = !draw_failed(d);
    *out = d;
    return EMBOLO_OK;
}

embolo_error draw_open_measure(const char *font_dir, draw_doc **out)
{
    return cairo_doc_open(font_dir, out);
}

/* Draws the picture with cr: a white page (unless the surface is white already: a raster band, where
 * white over white changes no pixel), then the painter; the page is the whole picture. */
static void paint_page(draw_doc *d, cairo_t *cr, double width, double height, int on_white, draw_painter paint,
                       void *arg)
{
    cairo_doc *c = cairo_of(d);
    c->cr = cr;
    c->depth = 0;
    c->fill[0] = c->stroke[0] = (colour){0, 0, 0, 1};
    c->page_height = height;
    d->has_page = 1;
    d->n_pages = 1;
    d->width = width;
    d->height = height;
    d->cursor = height;
    if (!on_white) {
        cairo_save(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_rectangle(cr, 0, 0, width, height);
        cairo_fill(cr);
        cairo_restore(cr);
    }
    paint(d, arg);
    while (c->depth > 0)
        cairo_pop(d);
    cairo_check(d);
    c->cr = NULL;
    d->has_page = 0;
}

/* ---- vector files ---- */

/* Writes the EPS of in to out with its %%CreationDate line (cairo writes the clock) giving the day. */
static int eps_fix(const byte_buffer *in, byte_buffer *out, long day)
{
    static const char tag[] = "%%CreationDate: ";
    char date[11], line[64];
    size_t head = in->size < 4096 ? in->size : 4096;
    const unsigned char *at = bytes_find(in->data, head, tag, sizeof tag - 1);
    const unsigned char *end = at ? memchr(at, '\n', in->size - (size_t)(at - in->data)) : NULL;
    if (!at || !end)
        return buffer_write(out, in->data, in->size);
    text_format_date(day, date);
    int n = snprintf(line, sizeof line, "%%%%CreationDate: (%s)", date);
    return n > 0 && buffer_write(out, in->data, (size_t)(at - in->data)) && buffer_write(out, line, (size_t)n) &&
           buffer_write(out, end, in->size - (size_t)(end - in->data));
}

/* The number a surface id had in cairo's counter, mapped to its order of appearance from 1. */
static unsigned long svg_surface_number(unsigned long cairo_id, unsigned long *seen, size_t *n_seen, size_t max)
{
    for (size_t i = 0; i < *n_seen; i++)
        if (seen[i] == cairo_id)
            return (unsigned long)i + 1;
    if (*n_seen < max)
        seen[(*n_seen)++] = cairo_id;
    return (unsigned long)*n_seen;
}

/* Writes the SVG of in to out with its surface ids renumbered in order of appearance, its size in
 * millimetres (the viewBox stays in points) and the text elements last, over the drawing. */
static int svg_fix(const byte_buffer *in, const byte_buffer *texts, byte_buffer *out, double width, double height)
{
    static const char id[] = "surface";
    enum { MAX_SURFACES = 256 };
    unsigned long seen[MAX_SURFACES];
    size_t n_seen = 0;
    const unsigned char *s = in->data, *end = in->data + in->size, *close = NULL;
    const unsigned char *svg = bytes_find(s, in->size, "<svg ", 5);
    const unsigned char *header_end = svg ? memchr(svg, '>', (size_t)(end - svg)) : NULL;
    char line[256];
    for (const unsigned char *at = header_end; at && (at = bytes_find(at + 1, (size_t)(end - at - 1), "</svg>", 6));)
        close = at;
    if (!svg || !header_end || !close)
        return 0;
    int n = snprintf(line, sizeof line, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                     "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"%.2fmm\" height=\"%.2fmm\" "
                     "viewBox=\"0 0 %g %g\" version=\"1.1\">", width / 72.0 * 25.4, height / 72.0 * 25.4, width, height);
    if (n < 0 || (size_t)n >= sizeof line || !buffer_write(out, s, (size_t)(svg - s)) ||
        !buffer_write(out, line, (size_t)n))
        return 0;
    for (s = header_end + 1; s < close;) {
        const unsigned char *hit = bytes_find(s, (size_t)(close - s), id, sizeof id - 1);
        const unsigned char *stop = hit ? hit + sizeof id - 1 : close;
        if (!buffer_write(out, s, (size_t)(stop - s)))
            return 0;
        s = stop;
        if (!hit)
            break;
        unsigned long number = 0;
        for (; s < close && *s >= '0' && *s <= '9'; s++)
            number = number * 10 + (unsigned long)(*s - '0');
        if (s == stop)
            continue;
        n = snprintf(line, sizeof line, "%lu", svg_surface_number(number, seen, &n_seen, MAX_SURFACES));
        if (n < 0 || !buffer_write(out, line, (size_t)n))
            return 0;
    }
    return buffer_write(out, texts->data, texts->size) && buffer_write(out, close, (size_t)(end - close)) &&
           !out->failed;
}

static cairo_surface_t *vector_surface(const draw_picture_info *info, byte_buffer *b)
{
    char date[32], day[11], title[256];
    cairo_surface_t *s = NULL;
    draw_ascii(info->title, title, sizeof title);
    if (info->format == DRAW_FORMAT_PDF) {
        s = cairo_pdf_surface_create_for_stream(buffer_cairo_write, b, info->width, info->height);
        cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_5);
        text_format_date(info->day, day);
        snprintf(date, sizeof date, "%sT00:00:00Z", day);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, info->title ? info->title : "");
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, info->creator ? info->creator : "");
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
    } else if (info->format == DRAW_FORMAT_SVG) {
        s = cairo_svg_surface_create_for_stream(buffer_cairo_write, b, info->width, info->height);
        cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
    } else {
        s = cairo_ps_surface_create_for_stream(buffer_cairo_write, b, info->width, info->height);
        cairo_ps_surface_restrict_to_level(s, CAIRO_PS_LEVEL_3);
        cairo_ps_surface_set_eps(s, 1);
        char comment[300];
        snprintf(comment, sizeof comment, "%%%%Title: %s", title);
        cairo_ps_surface_dsc_comment(s, comment);
    }
    return s;
}

/* A PDF, SVG or EPS picture into out. */
static embolo_error picture_vector(draw_doc *d, const draw_picture_info *info, draw_painter paint, void *arg,
                                   byte_buffer *out)
{
    byte_buffer raw = {0}, text = {0};
    cairo_surface_t *surface = vector_surface(info, &raw);
    cairo_t *cr = cairo_create(surface);
    cairo_of(d)->svg_text = info->format == DRAW_FORMAT_SVG ? &text : NULL;
    paint_page(d, cr, info->width, info->height, 0, paint, arg);
    cairo_of(d)->svg_text = NULL;
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    embolo_error err = EMBOLO_OK;
    if (status != CAIRO_STATUS_SUCCESS || raw.failed) {
        snprintf(d->doing, sizeof d->doing, "writing the file (cairo: %s)",
                 raw.failed ? "out of memory" : cairo_status_to_string(status));
        err = raw.failed || status == CAIRO_STATUS_NO_MEMORY ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT;
    } else if (info->format == DRAW_FORMAT_PDF) {
        *out = raw;
        return EMBOLO_OK;
    } else if (!(info->format == DRAW_FORMAT_SVG ? !text.failed && svg_fix(&raw, &text, out, info->width, info->height)
                                                 : eps_fix(&raw, out, info->day))) {
        snprintf(d->doing, sizeof d->doing, "writing the file (%s)", out->failed ? "out of memory" : "unexpected form");
        err = out->failed ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_INTERNAL;
    }
    free(raw.data);
    free(text.data);
    return err;
}

/* ---- raster files ---- */

/* An encoder of rows of RGB bytes into out; on failure error says why. */
typedef struct raster_encoder {
    byte_buffer *out;
    unsigned width, height;
    int dpi;
    png_structp png;
    png_infop png_info;
    TIFF *tiff;
    uint32_t row;
    char error[200];
} raster_encoder;

static void png_on_error(png_structp png, png_const_charp text)
{
    raster_encoder *e = png_get_error_ptr(png);
    snprintf(e->error, sizeof e->error, "libpng: %s", text);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp text)
{
    (void)png;
    (void)text;
}

static void png_on_write(png_structp png, png_bytep data, size_t length)
{
    if (!buffer_write(png_get_io_ptr(png), data, length))
        png_error(png, "out of memory");
}

static void png_on_flush(png_structp png)
{
    (void)png;
}

static int png_begin(raster_encoder *e)
{
    e->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, e, png_on_error, png_on_warning);
    e->png_info = e->png ? png_create_info_struct(e->png) : NULL;
    if (!e->png_info) {
        snprintf(e->error, sizeof e->error, "libpng: out of memory");
        return 0;
    }
    if (setjmp(png_jmpbuf(e->png)))
        return 0;
    png_set_write_fn(e->png, e->out, png_on_write, png_on_flush);
    png_set_IHDR(e->png, e->png_info, e->width, e->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_uint_32 per_metre = (png_uint_32)lround(e->dpi / 0.0254);
    png_set_pHYs(e->png, e->png_info, per_metre, per_metre, PNG_RESOLUTION_METER);
    /* Line art on white compresses well unfiltered at zlib's fastest level: a third of the time of
     * libpng's defaults for a fifth more bytes (about 160 kB for a 174 x 130 mm figure at 300 dpi). */
    png_set_compression_level(e->png, 1);
    png_set_filter(e->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(e->png, e->png_info);
    return 1;
}

static int png_row(raster_encoder *e, unsigned char *row)
{
    if (setjmp(png_jmpbuf(e->png)))
        return 0;
    png_write_row(e->png, row);
    return 1;
}

static int png_end(raster_encoder *e)
{
    if (setjmp(png_jmpbuf(e->png)))
        return 0;
    png_write_end(e->png, e->png_info);
    return 1;
}

static int tiff_on_message(TIFF *tif, void *user_data, const char *module, const char *format, va_list args)
{
    raster_encoder *e = user_data;
    char text[160];
    (void)tif;
    vsnprintf(text, sizeof text, format, args);
    if (!e->error[0])
        snprintf(e->error, sizeof e->error, "libtiff: %s%s%s", module ? module : "", module ? ": " : "", text);
    return 1;
}

static int tiff_on_warning(TIFF *tif, void *user_data, const char *module, const char *format, va_list args)
{
    (void)tif;
    (void)user_data;
    (void)module;
    (void)format;
    (void)args;
    return 1;
}

static tmsize_t tiff_read(thandle_t handle, void *data, tmsize_t size)
{
    byte_buffer *b = handle;
    size_t n = b->at < b->size ? b->size - b->at : 0;
    n = (size_t)size < n ? (size_t)size : n;
    memcpy(data, b->data + b->at, n);
    b->at += n;
    return (tmsize_t)n;
}

static tmsize_t tiff_write(thandle_t handle, void *data, tmsize_t size)
{
    return buffer_write(handle, data, (size_t)size) ? size : -1;
}

static toff_t tiff_seek(thandle_t handle, toff_t offset, int whence)
{
    byte_buffer *b = handle;
    toff_t base = whence == SEEK_CUR ? b->at : whence == SEEK_END ? b->size : 0;
    b->at = (size_t)(base + offset);
    return b->at;
}

static int tiff_close(thandle_t handle)
{
    (void)handle;
    return 0;
}

static toff_t tiff_size(thandle_t handle)
{
    return ((byte_buffer *)handle)->size;
}

static int tiff_map(thandle_t handle, void **base, toff_t *size)
{
    (void)handle;
    (void)base;
    (void)size;
    return 0;
}

static void tiff_unmap(thandle_t handle, void *base, toff_t size)
{
    (void)handle;
    (void)base;
    (void)size;
}

static int tiff_begin(raster_encoder *e)
{
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) {
        snprintf(e->error, sizeof e->error, "libtiff: out of memory");
        return 0;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, tiff_on_message, e);
    TIFFOpenOptionsSetWarningHandlerExtR(options, tiff_on_warning, e);
    e->tiff = TIFFClientOpenExt("figure.tiff", "w", e->out, tiff_read, tiff_write, tiff_seek, tiff_close, tiff_size,
                                tiff_map, tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    if (!e->tiff)
        return 0;
    uint32_t rows_per_strip = 65536u / (3u * e->width);
    int ok = TIFFSetField(e->tiff, TIFFTAG_IMAGEWIDTH, (uint32_t)e->width) &&
             TIFFSetField(e->tiff, TIFFTAG_IMAGELENGTH, (uint32_t)e->height) &&
             TIFFSetField(e->tiff, TIFFTAG_BITSPERSAMPLE, 8) && TIFFSetField(e->tiff, TIFFTAG_SAMPLESPERPIXEL, 3) &&
             TIFFSetField(e->tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB) &&
             TIFFSetField(e->tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
             TIFFSetField(e->tiff, TIFFTAG_COMPRESSION, COMPRESSION_LZW) &&
             TIFFSetField(e->tiff, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL) &&
             TIFFSetField(e->tiff, TIFFTAG_ROWSPERSTRIP, rows_per_strip ? rows_per_strip : 1) &&
             TIFFSetField(e->tiff, TIFFTAG_XRESOLUTION, (float)e->dpi) &&
             TIFFSetField(e->tiff, TIFFTAG_YRESOLUTION, (float)e->dpi) &&
             TIFFSetField(e->tiff, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    return ok;
}

static int tiff_row(raster_encoder *e, unsigned char *row)
{
    return TIFFWriteScanline(e->tiff, row, e->row++, 0) == 1;
}

static int tiff_end(raster_encoder *e)
{
    int ok = TIFFFlush(e->tiff) == 1;
    TIFFClose(e->tiff);
    e->tiff = NULL;
    return ok && !e->error[0];
}

static void encoder_free(raster_encoder *e)
{
    if (e->png)
        png_destroy_write_struct(&e->png, e->png_info ? &e->png_info : NULL);
    if (e->tiff)
        TIFFClose(e->tiff);
}

/* One row of cairo's RGB24 pixels (0xXXRRGGBB words) as width RGB triples. On a little-endian machine
 * each pixel but the last is one 4-byte store of R, G, B and a byte the next pixel overwrites (this
 * loop was a twentieth of a small run's processor time a byte at a time). */
static void pixels_to_rgb(const unsigned char *pixels, unsigned width, unsigned char *rgb)
{
    unsigned x = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; x + 1 < width; x++) {
        uint32_t pixel, bytes;
        memcpy(&pixel, pixels + 4u * x, 4);
        bytes = (pixel >> 16 & 0xFFu) | (pixel & 0xFF00u) | (pixel & 0xFFu) << 16;
        memcpy(rgb + 3u * x, &bytes, 4);
    }
#endif
    for (; x < width; x++) {
        uint32_t pixel;
        memcpy(&pixel, pixels + 4u * x, 4);
        rgb[3u * x] = (unsigned char)(pixel >> 16);
        rgb[3u * x + 1] = (unsigned char)(pixel >> 8);
        rgb[3u * x + 2] = (unsigned char)pixel;
    }
}

/* The rows of a band (RGB24 pixels) as RGB bytes through the encoder. */
static int encode_band(raster_encoder *e, int tiff, cairo_surface_t *surface, unsigned rows, unsigned char *row)
{
    const unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (unsigned r = 0; r < rows; r++) {
        pixels_to_rgb(data + (size_t)r * (size_t)stride, e->width, row);
        if (!(tiff ? tiff_row(e, row) : png_row(e, row)))
            return 0;
    }
    return 1;
}

/* Draws band of rows from y0 (pixels) and encodes it. */
static int raster_band(draw_doc *d, const draw_picture_info *info, draw_painter paint, void *arg, raster_encoder *e,
                       unsigned y0, unsigned rows, unsigned char *row, unsigned char *pixels)
{
    double scale = info->dpi / 72.0;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, (int)e->width);
    cairo_surface_t *surface = cairo_image_surface_create_for_data(pixels, CAIRO_FORMAT_RGB24, (int)e->width,
                                                                   (int)rows, stride);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_translate(cr, 0, -(double)y0);
    cairo_scale(cr, scale, scale);
    paint_page(d, cr, info->width, info->height, 1, paint, arg);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    int ok = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS && !draw_failed(d) &&
             encode_band(e, info->format == DRAW_FORMAT_TIFF, surface, rows, row);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS && !e->error[0])
        snprintf(e->error, sizeof e->error, "cairo: %s", cairo_status_to_string(cairo_surface_status(surface)));
    cairo_surface_destroy(surface);
    return ok;
}

void draw_raster_memory_free(draw_raster_memory *m)
{
    if (!m)
        return;
    free(m->data);
    m->data = NULL;
    m->size = 0;
}

/* The pixels of a band of rows of width pixels (RGB24), from m; NULL when out of memory. */
static unsigned char *raster_pixels(draw_raster_memory *m, unsigned width, unsigned rows)
{
    size_t need = (size_t)cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, (int)width) * rows;
    if (m->size >= need)
        return m->data;
    draw_raster_memory_free(m);
    m->data = malloc(need);
    m->size = m->data ? need : 0;
    return m->data;
}

/* A PNG or TIFF picture into out. */
static embolo_error picture_raster(draw_doc *d, const draw_picture_info *info, draw_painter paint, void *arg,
                                   byte_buffer *out)
{
    double w = floor(info->width * info->dpi / 72.0 + 0.5), h = floor(info->height * info->dpi / 72.0 + 0.5);
    int tiff = info->format == DRAW_FORMAT_TIFF;
    if (!(w >= 1 && h >= 1 && w <= RASTER_MAX_SIDE && h <= RASTER_MAX_SIDE)) {
        snprintf(d->doing, sizeof d->doing, "sizing the image (%.0f x %.0f pixels)", w, h);
        return EMBOLO_ERROR_INVALID_ARGUMENT;
    }
    raster_encoder e = {.out = out, .width = (unsigned)w, .height = (unsigned)h, .dpi = info->dpi};
    unsigned band = BAND_BYTES / (4u * e.width), rows_done = 0;
    band = band < 1 ? 1 : band > e.height ? e.height : band;
    draw_raster_memory own = {0}, *memory = info->raster_memory ? info->raster_memory : &own;
    unsigned char *row = malloc(3u * e.width), *pixels = raster_pixels(memory, e.width, band);
    int ok = row && pixels && (tiff ? tiff_begin(&e) : png_begin(&e));
    for (; ok && rows_done < e.height; rows_done += band) {
        unsigned rows = e.height - rows_done < band ? e.height - rows_done : band;
        ok = raster_band(d, info, paint, arg, &e, rows_done, rows, row, pixels);
    }
    ok = ok && (tiff ? tiff_end(&e) : png_end(&e));
    encoder_free(&e);
    free(row);
    draw_raster_memory_free(&own);
    if (ok && !out->failed)
        return EMBOLO_OK;
    if (draw_failed(d))
        return d->failure;
    int no_memory = !row || !pixels || out->failed;
    snprintf(d->doing, sizeof d->doing, "encoding the image (%.120s)",
             no_memory ? "out of memory" : e.error[0] ? e.error : "unknown error");
    return no_memory ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT;
}

/* ---- pictures ---- */

const char *draw_format_name(draw_format format)
{
    static const char *const names[DRAW_FORMAT_COUNT] = {"pdf", "png", "tiff", "svg", "eps"};
    return (size_t)format < DRAW_FORMAT_COUNT ? names[format] : "";
}

int draw_format_is_raster(draw_format format)
{
    return format == DRAW_FORMAT_PNG || format == DRAW_FORMAT_TIFF;
}

embolo_error draw_picture(const draw_picture_info *info, draw_painter paint, void *arg, const char *name,
                          unsigned char **bytes, size_t *size, char *message, size_t message_size)
{
    draw_doc *d = NULL;
    byte_buffer out = {0};
    *bytes = NULL;
    *size = 0;
    embolo_error err = cairo_doc_open(info->font_dir, &d);
    if (err == EMBOLO_OK && !draw_failed(d)) {
        err = draw_format_is_raster(info->format) ? picture_raster(d, info, paint, arg, &out)
                                                  : picture_vector(d, info, paint, arg, &out);
        if (err == EMBOLO_OK && draw_failed(d))
            err = d->failure;
    } else if (err == EMBOLO_OK) {
        err = d->failure;
    }
    if (err == EMBOLO_OK) {
        *bytes = out.data;
        *size = out.size;
    } else {
        free(out.data);
        const char *doing = !d ? "starting the figure" : draw_failed(d) ? d->failed_doing : d->doing;
        if (err == EMBOLO_ERROR_NOMEM)
            snprintf(message, message_size, "%s: out of memory while %s", name, doing);
        else
            snprintf(message, message_size, "%s: the figure failed while %s", name, doing);
    }
    draw_free(d);
    return err;
}
