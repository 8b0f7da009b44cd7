/* The sentences of the round-2 analyses (statistics-2.md) in the Methods and Results paragraphs:
 * each method named only when the run used it, each result stated as its numbers support it (a
 * direction only when p < 0.05). narrative.c appends them to its paragraphs. Internal to the render
 * stage. */
#ifndef EMBOLO_NARRATIVE_ROUND2_H
#define EMBOLO_NARRATIVE_ROUND2_H

#include <stddef.h>
#include "render.h"

/* Each writes its sentences (each starting with a space; nothing when none applies) into out,
 * truncated to size. */
void narrative_methods_round2(const render_input *in, char *out, size_t size);
void narrative_results_round2(const render_input *in, char *out, size_t size);

#endif
