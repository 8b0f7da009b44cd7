/* Zeroed arrays whose pages are mapped for writing at once. */
#ifndef EMBOLO_MEMORY_H
#define EMBOLO_MEMORY_H

#include <stddef.h>

/* calloc(count, size), with a large block's pages made present and writable before it is returned.
 * A fresh mapping that is read before it is written first maps the shared zero page, and the first
 * write then replaces it, which in a process with several threads costs a TLB shootdown on every
 * processor per page. Arrays that are updated in place (x[i] += ...) take this; NULL on failure. */
void *memory_zeroed(size_t count, size_t size);

#endif
