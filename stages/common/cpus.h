/* How many threads the machine runs at once, for the stages that work in parallel. */
#ifndef EMBOLO_CPUS_H
#define EMBOLO_CPUS_H

#include <stddef.h>

/* The processors online (sysconf(_SC_NPROCESSORS_ONLN)), at least 1 and at most CPUS_MAX. */
#define CPUS_MAX 64
size_t cpus_online(void);

#endif
