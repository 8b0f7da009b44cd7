/* The plain-text files of a run (outputs.md): each writer writes one whole file to an open stream
 * and returns 0 when a write failed. Internal to the render stage. */
#ifndef EMBOLO_FILES_H
#define EMBOLO_FILES_H

#include <stdio.h>
#include "render.h"

int files_write_results(FILE *file, const render_input *in);
int files_write_exclusions(FILE *file, const render_input *in);
int files_write_patients(FILE *file, const render_input *in);
/* The same with parallel 0 (one thread) or 1 (a second thread formats every other block of lines from
 * 131,072 records): the same bytes either way. */
int files_write_patients_with(FILE *file, const render_input *in, int parallel);
/* Whether exclusions.csv and patients.csv are written: not under a share template (identifiers,
 * patients' dates, input text). */
int files_has_records(const render_input *in);
/* One line per included procedure (procedures.md, section 3); only with a procedures file. */
int files_write_procedures(FILE *file, const render_input *in);
/* Whether procedures.csv is written: with a procedures file, and not under a share template. */
int files_has_procedures(const render_input *in);
/* A CSV cell of text, quoted, guarded as input text is (a leading =, +, -, @ gets a '). */
void files_csv_text(FILE *file, const char *text);

/* The manifest is the last file written: it gives render's time up to it. */
int files_write_manifest(FILE *file, const render_input *in);

#endif
