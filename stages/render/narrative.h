/* The two paragraphs a manuscript can start from, with the run's numbers filled in: the statistical
 * methods (exactly what was computed) and the results in the style of the study's abstract. Shared
 * by the report and the workbook so both say the same words. */
#ifndef EMBOLO_NARRATIVE_H
#define EMBOLO_NARRATIVE_H

#include <stddef.h>
#include "render.h"

/* Each writes one paragraph (UTF-8) into out, truncated to size. */
void narrative_methods(const render_input *in, char *out, size_t size);
void narrative_results(const render_input *in, char *out, size_t size);

#endif
