/* Fault injection and slowing for the end-to-end tests, loaded with LD_PRELOAD (never sanitized).
 * Faults, as a full disk or a broken file system would give them:
 *   EMBOLO_FAULT_OPEN=N          the Nth creation of a new file (openat O_CREAT|O_EXCL) fails, ENOSPC
 *   EMBOLO_FAULT_FSYNC=N         the Nth fsync fails, EIO
 *   EMBOLO_FAULT_RENAME=N        the Nth rename (rename, renameat, renameat2) fails, EIO
 *   EMBOLO_FAULT_LIBRARY_OPEN=S  a library's fopen of a path ending in S (".xlsx") fails, ENOSPC
 *   EMBOLO_FAULT_NO_EXCHANGE=1   renameat2 is unsupported (EINVAL), as on some file systems
 * Slowing, for the kill and race tests:
 *   EMBOLO_SLOW_US=U             sleeps U microseconds before each file creation, directory creation,
 *                                fsync, rename and unlink
 *   EMBOLO_SLOW_READ_US=U        sleeps U microseconds before each read() */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_calls, fsync_calls, rename_calls;

static int should_fail(const char *variable, int *calls)
{
    const char *value = getenv(variable);
    (*calls)++;
    return value && atoi(value) == *calls;
}

static void slow(const char *variable)
{
    const char *value = getenv(variable);
    if (value && atoi(value) > 0)
        usleep((useconds_t)atoi(value));
}

static void *next_symbol(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

#define REAL(type, name, var)                  \
    type var;                                  \
    do {                                       \
        void *symbol_ = next_symbol(name);     \
        memcpy(&var, &symbol_, sizeof var);    \
    } while (0)

typedef int (*openat_function)(int, const char *, int, ...);

static int openat_or_fail(const char *name, int dir_fd, const char *path, int flags, mode_t mode)
{
    REAL(openat_function, name, real);
    if ((flags & O_CREAT) && (flags & O_EXCL)) {
        slow("EMBOLO_SLOW_US");
        if (should_fail("EMBOLO_FAULT_OPEN", &open_calls)) {
            errno = ENOSPC;
            return -1;
        }
    }
    return real(dir_fd, path, flags, mode);
}

int openat(int dir_fd, const char *path, int flags, ...)
{
    va_list args;
    va_start(args, flags);
    mode_t mode = (flags & O_CREAT) ? (mode_t)va_arg(args, int) : 0;
    va_end(args);
    return openat_or_fail("openat", dir_fd, path, flags, mode);
}

int openat64(int dir_fd, const char *path, int flags, ...)
{
    va_list args;
    va_start(args, flags);
    mode_t mode = (flags & O_CREAT) ? (mode_t)va_arg(args, int) : 0;
    va_end(args);
    return openat_or_fail("openat64", dir_fd, path, flags, mode);
}

typedef int (*mkdirat_function)(int, const char *, mode_t);

int mkdirat(int dir_fd, const char *path, mode_t mode)
{
    REAL(mkdirat_function, "mkdirat", real);
    slow("EMBOLO_SLOW_US");
    return real(dir_fd, path, mode);
}

typedef int (*unlinkat_function)(int, const char *, int);

int unlinkat(int dir_fd, const char *path, int flags)
{
    REAL(unlinkat_function, "unlinkat", real);
    slow("EMBOLO_SLOW_US");
    return real(dir_fd, path, flags);
}

typedef int (*fsync_function)(int);

int fsync(int fd)
{
    REAL(fsync_function, "fsync", real);
    slow("EMBOLO_SLOW_US");
    if (should_fail("EMBOLO_FAULT_FSYNC", &fsync_calls)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

typedef ssize_t (*read_function)(int, void *, size_t);

ssize_t read(int fd, void *buffer, size_t size)
{
    REAL(read_function, "read", real);
    slow("EMBOLO_SLOW_READ_US");
    return real(fd, buffer, size);
}

static int rename_fails(void)
{
    slow("EMBOLO_SLOW_US");
    if (!should_fail("EMBOLO_FAULT_RENAME", &rename_calls))
        return 0;
    errno = EIO;
    return 1;
}

typedef int (*rename_function)(const char *, const char *);
typedef int (*renameat_function)(int, const char *, int, const char *);
typedef int (*renameat2_function)(int, const char *, int, const char *, unsigned);

int rename(const char *from, const char *to)
{
    REAL(rename_function, "rename", real);
    return rename_fails() ? -1 : real(from, to);
}

int renameat(int from_dir, const char *from, int to_dir, const char *to)
{
    REAL(renameat_function, "renameat", real);
    return rename_fails() ? -1 : real(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char *from, int to_dir, const char *to, unsigned flags)
{
    REAL(renameat2_function, "renameat2", real);
    if (getenv("EMBOLO_FAULT_NO_EXCHANGE")) {
        errno = EINVAL;
        return -1;
    }
    return rename_fails() ? -1 : real(from_dir, from, to_dir, to, flags);
}

typedef FILE *(*fopen_function)(const char *, const char *);

static FILE *fopen_or_fail(const char *name, const char *path, const char *mode)
{
    REAL(fopen_function, name, real);
    const char *suffix = getenv("EMBOLO_FAULT_LIBRARY_OPEN");
    size_t length = path ? strlen(path) : 0, suffix_length = suffix ? strlen(suffix) : 0;
    if (suffix && suffix_length && length >= suffix_length && !strcmp(path + length - suffix_length, suffix) &&
        mode[0] == 'w') {
        errno = ENOSPC;
        return NULL;
    }
    return real(path, mode);
}

FILE *fopen(const char *path, const char *mode)
{
    return fopen_or_fail("fopen", path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    return fopen_or_fail("fopen64", path, mode);
}
