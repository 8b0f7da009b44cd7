#include "cpus.h"

#include <unistd.h>

size_t cpus_online(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 1)
        return 1;
    return online > CPUS_MAX ? CPUS_MAX : (size_t)online;
}
