/* The writers of the run's documents: each draws the document model (document.h) into one file and
 * decides nothing of its content. Internal to the render stage: render_run calls them with temporary
 * paths and renames the files when all succeeded. On failure message says what failed (naming the
 * file); the file may be partial. */
#ifndef EMBOLO_WRITERS_H
#define EMBOLO_WRITERS_H

#include <stddef.h>
#include "common/error.h"
#include "common/outdir.h"
#include "document.h"

/* report.pdf via libharu (write_pdf.c): the title page, then the blocks in order. */
embolo_error pdf_write(const document *d, const char *path, char *message, size_t message_size);

/* tables.xlsx via libxlsxwriter (write_xlsx.c): the sheets in order, numbers as numeric cells. */
embolo_error xlsx_write(const document *d, const char *path, char *message, size_t message_size);

/* tables.docx (write_docx.c): the tables of the blocks in order, as Word tables, zipped by minizip. */
embolo_error docx_write(const document *d, const char *path, char *message, size_t message_size);

/* figures/ (write_figures.c): each of the document's figures in each format the template gives, and
 * figures/index.csv; nothing when the template gives no format or the document has no figure. */
embolo_error figures_write(const document *d, outdir *out, char *message, size_t message_size);

/* figures_write in steps, so that the figures are drawn while other documents are written: begin
 * measures the figures and starts workers threads (at most FIGURES_MAX_THREADS) that draw them in
 * memory, taking them in order; any thread may help (figures_help: draws figures until none is left
 * to take); finish writes the files and figures/index.csv in figure order on its caller's thread (the
 * same bytes as one thread), each figure's as soon as it is drawn, drawing on that thread too while
 * the next is not, and returns when no figure is being drawn. The first failure in figure order is the
 * one reported. free (after the last figures_help has returned) frees work.
 * begin fails only when out of memory; *work is NULL when there is nothing to draw (the others do
 * nothing then). */
#define FIGURES_MAX_THREADS 8
typedef struct figures_work figures_work;
embolo_error figures_begin(const document *d, outdir *out, size_t workers, figures_work **work);
void figures_help(figures_work *work);
embolo_error figures_finish(figures_work *work, char *message, size_t message_size);
void figures_free(figures_work *work);

/* figures_write drawing on threads threads, the caller's among them (figures_write: cpus_online()). */
embolo_error figures_write_threads(const document *d, outdir *out, size_t threads, char *message,
                                   size_t message_size);

#endif
