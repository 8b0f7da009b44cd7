/* The PDF report (report.pdf) via libharu, as outputs.md describes. Internal to the render stage:
 * render_run calls it with a file it created in the private directory of the output set. */
#ifndef EMBOLO_REPORT_H
#define EMBOLO_REPORT_H

#include <stddef.h>
#include "common/error.h"
#include "render.h"

/* Writes the report to path. On failure message says what failed; the file may be partial. */
embolo_error report_write(const render_input *in, const char *path, char *message, size_t message_size);

#endif
