/* Fault injection for the end-to-end tests, loaded with LD_PRELOAD: makes the Nth opening of an
 * output's temporary file (EMBOLO_FAULT_OPEN=N) or the Nth rename (EMBOLO_FAULT_RENAME=N) fail, as a
 * full disk or a broken file system would. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int open_calls, rename_calls;

static int should_fail(const char *variable, int *calls)
{
    const char *value = getenv(variable);
    (*calls)++;
    return value && atoi(value) == *calls;
}

/* The render stage's temporary names: DIR/.NAME.tmp.PID */
static int is_output_temp(const char *path)
{
    return path && strstr(path, "/.") && strstr(path, ".tmp.");
}

static void *next_symbol(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

typedef FILE *(*fopen_function)(const char *, const char *);
typedef int (*rename_function)(const char *, const char *);

static FILE *open_or_fail(const char *name, const char *path, const char *mode)
{
    fopen_function real;
    void *symbol = next_symbol(name);
    memcpy(&real, &symbol, sizeof real);
    if (is_output_temp(path) && should_fail("EMBOLO_FAULT_OPEN", &open_calls)) {
        errno = ENOSPC;
        return NULL;
    }
    return real(path, mode);
}

FILE *fopen(const char *path, const char *mode)
{
    return open_or_fail("fopen", path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    return open_or_fail("fopen64", path, mode);
}

int rename(const char *from, const char *to)
{
    rename_function real;
    void *symbol = next_symbol("rename");
    memcpy(&real, &symbol, sizeof real);
    if (should_fail("EMBOLO_FAULT_RENAME", &rename_calls)) {
        errno = EIO;
        return -1;
    }
    return real(from, to);
}
