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

#endif
