/* The drawing layer's inside: one document structure and the primitives a backend gives it. The
 * backend-neutral parts (draw.c: pages and the flow of blocks, text cleaning, measuring, wrapping,
 * paragraphs, pens, shapes, plots and legends; draw_table.c: tables) compose everything from these
 * primitives; draw_hpdf.c implements them on libharu pages (the report), draw_cairo.c on cairo
 * surfaces (figure files). Coordinates are page points, y upwards, on every backend. Internal to the
 * draw*.c files. */
#ifndef EMBOLO_DRAW_INTERNAL_H
#define EMBOLO_DRAW_INTERNAL_H

#include <stddef.h>
#include "draw.h"

#define DRAW_TEXT_MAX 2048
#define DRAW_MARGIN_SIDE 48.0
#define DRAW_MARGIN_TOP 46.0
#define DRAW_MARGIN_BOTTOM 52.0
#define DRAW_NOTE_SIZE 7.5
#define DRAW_WRAP_MAX_LINES 256

typedef enum draw_paint { DRAW_PAINT_STROKE, DRAW_PAINT_FILL, DRAW_PAINT_FILL_STROKE, DRAW_PAINT_CLIP } draw_paint;

typedef struct draw_backend {
    /* A new page of this size in points (the report's A4 pages); 0 when the backend has no more pages. */
    int (*page_new)(draw_doc *d, double width, double height);
    /* Makes page index (from 0) the one drawn on. */
    void (*page_select)(draw_doc *d, size_t index);
    /* One line of clean text (valid UTF-8 of the Basic Multilingual Plane, no control characters),
     * its baseline starting at (x, y); up: turned 90 degrees anticlockwise about that point. */
    void (*text)(draw_doc *d, double x, double y, const char *text, draw_font font, double size, int up);
    /* The advance width of character code (its n UTF-8 bytes at utf8) in 1/1000 em, as this backend
     * draws it. */
    double (*advance)(draw_doc *d, draw_font font, unsigned code, const char *utf8, size_t n);
    void (*save)(draw_doc *d);
    void (*restore)(draw_doc *d);
    /* The stroking pen (colour, width, dash) and the filling colour (alpha 1: opaque). */
    void (*stroke_style)(draw_doc *d, draw_pen pen);
    void (*fill_style)(draw_doc *d, double r, double g, double b, double alpha);
    void (*move_to)(draw_doc *d, double x, double y);
    void (*line_to)(draw_doc *d, double x, double y);
    void (*rect)(draw_doc *d, double x, double y, double w, double h);
    void (*circle)(draw_doc *d, double x, double y, double r);
    void (*close_path)(draw_doc *d);
    /* Paints the current path (DRAW_PAINT_CLIP: intersects the clip with it) and ends it. */
    void (*paint)(draw_doc *d, draw_paint how);
    /* A bookmark to the current page (NULL: the format has none). */
    void (*bookmark)(draw_doc *d, const char *text);
    /* Frees what the backend holds (impl). */
    void (*release)(draw_doc *d);
} draw_backend;

struct draw_doc {
    const draw_backend *backend;
    void *impl;                  /* the backend's own state */
    float *advance[DRAW_FONT_COUNT];  /* [65536] advance + 1 of each character (1/1000 em); 0: not known yet */
    int has_fonts;
    int has_page;
    size_t n_pages;
    int landscape;
    double width, height;
    double cursor;               /* y of the top of the next block */
    size_t slot_per_page, slot_next, slot_page;
    double slot_top;
    embolo_error failure;        /* the first failure */
    char doing[160];             /* what is being done, for messages */
    char failed_doing[160];      /* what was being done at the first failure */
    char *footer;
    char text[DRAW_TEXT_MAX];    /* text made safe to show */
    char measure[DRAW_TEXT_MAX]; /* the same, for measuring */
};

/* A document on a backend (impl already made); NULL when out of memory (impl is then released). */
draw_doc *draw_doc_new(const draw_backend *backend, void *impl, const char *footer);

/* Whether there is a page to draw on and nothing has failed. */
int draw_ready(const draw_doc *d);

/* Text made safe (draw.c): into out (DRAW_TEXT_MAX bytes), each invalid byte U+FFFD, a control
 * character a space. */
const char *draw_text_clean(char *out, const char *text, size_t length);

/* The length of the valid UTF-8 character at s (0: invalid), as draw_text_clean accepts. */
size_t draw_utf8_length(const unsigned char *s, size_t left);

/* Text as printable ASCII ('?' for any other character): PDF outlines and information, DSC comments. */
void draw_ascii(const char *text, char *out, size_t size);


/* Writes "Page i of N" and the footer on every page. */
void draw_footers(draw_doc *d);

/* Saves the graphics state and sets the pen for stroking and its colour for filling; draw_pen_end
 * restores. */
void draw_pen_begin(draw_doc *d, draw_pen pen);
void draw_pen_end(draw_doc *d);

#endif
