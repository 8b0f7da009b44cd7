#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_WRITE */
#include "memory.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Below this glibc serves the block from a heap whose pages are mostly present already. */
#define PREFAULT_FROM ((size_t)1 << 20)

void *memory_zeroed(size_t count, size_t size)
{
    void *block = calloc(count ? count : 1, size ? size : 1);
#ifdef MADV_POPULATE_WRITE
    long page = sysconf(_SC_PAGESIZE);
    if (block != NULL && page > 0 && size != 0 && count >= PREFAULT_FROM / size) {
        uintptr_t first = (uintptr_t)block & ~((uintptr_t)page - 1);
        uintptr_t end = ((uintptr_t)block + count * size + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
        /* Advisory: where the kernel lacks it, the pages fault in as they are used. Populating for
         * write keeps the contents, so the pages the block shares with its neighbours are safe. */
        (void)madvise((void *)first, end - first, MADV_POPULATE_WRITE);
    }
#endif
    return block;
}
