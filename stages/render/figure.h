/* The report's figures (figure_*.c), drawn on the PDF writer's pages through the drawing layer
 * (draw.h): the cohort flow diagram, the Kaplan-Meier figures, the forest plots, the love plot and the
 * propensity score distributions. They read the results and curves themselves (a figure model is
 * later work); the PDF writer calls them where the document places them. Internal to the render
 * stage. */
#ifndef EMBOLO_FIGURE_H
#define EMBOLO_FIGURE_H

#include <stddef.h>
#include "build.h"
#include "draw.h"

/* What the PDF writer draws with: the run, the builders' context and the page. */
typedef struct pdf_context {
    const render_input *in;
    const study *s;
    const dataset *data;
    const results *r;            /* never NULL */
    const report_template *t;
    build_context build;
    draw_doc *doc;
    size_t figure_number;        /* of the last figure drawn */
} pdf_context;

void figure_flow(pdf_context *ctx);
void figure_km(pdf_context *ctx);
void figure_forest(pdf_context *ctx, size_t endpoint);
void figure_love(pdf_context *ctx);
void figure_propensity(pdf_context *ctx);

/* A small-print paragraph (notes under figures). */
void figure_note(pdf_context *ctx, const char *text);

/* Counts and numbers as the tables show them (the template's formats and share suppression). */
void figure_count(const pdf_context *ctx, char *out, size_t size, double count);
void figure_number(const pdf_context *ctx, char *out, size_t size, double value);

#endif
