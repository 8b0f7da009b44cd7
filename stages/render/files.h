/* The plain-text files of a run (outputs.md): each writer writes one whole file to an open stream
 * and returns 0 when a write failed. Internal to the render stage. */
#ifndef EMBOLO_FILES_H
#define EMBOLO_FILES_H

#include <stdio.h>
#include "render.h"

int files_write_results(FILE *file, const render_input *in);
int files_write_exclusions(FILE *file, const render_input *in);
int files_write_patients(FILE *file, const render_input *in);
/* The manifest is the last file written: it gives render's time up to it. */
int files_write_manifest(FILE *file, const render_input *in);

#endif
