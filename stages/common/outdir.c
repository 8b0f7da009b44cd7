/* sync_file_range (Linux) */
#define _GNU_SOURCE
#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTDIR_NAME_MAX 255

typedef struct outdir_entry {
    char *name;        /* as listed: a directory ends with '/' */
    char *path;        /* the path outdir_reserve gave, else NULL */
    int fd;            /* a reserved file until it is settled, else -1 */
} outdir_entry;

struct outdir {
    int dir_fd;
    char *path;
    char *display;
    pthread_mutex_t mutex;
    int stopped;
    outdir_entry *entries;
    size_t n, capacity;
};

static char *string_copy(const char *s)
{
    size_t length = strlen(s);
    char *copy = malloc(length + 1);
    if (copy)
        memcpy(copy, s, length + 1);
    return copy;
}

/* "A/B" in freshly allocated memory, NULL when out of memory. */
static char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    char *joined = malloc(la + 1 + lb + 1);
    if (!joined)
        return NULL;
    memcpy(joined, a, la);
    joined[la] = '/';
    memcpy(joined + la + 1, b, lb + 1);
    return joined;
}

outdir *outdir_new(int dir_fd, const char *path, const char *display)
{
    outdir *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->dir_fd = dir_fd;
    d->path = path ? string_copy(path) : NULL;
    d->display = string_copy(display ? display : ".");
    if ((path && !d->path) || !d->display || pthread_mutex_init(&d->mutex, NULL) != 0) {
        free(d->path);
        free(d->display);
        free(d);
        return NULL;
    }
    return d;
}

void outdir_free(outdir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        if (d->entries[i].fd >= 0)
            close(d->entries[i].fd);
        free(d->entries[i].name);
        free(d->entries[i].path);
    }
    free(d->entries);
    pthread_mutex_destroy(&d->mutex);
    free(d->path);
    free(d->display);
    free(d);
}

int outdir_valid_name(const char *name)
{
    size_t length = strlen(name), component = 0;
    if (length == 0 || length > OUTDIR_NAME_MAX || name[0] == '/' || name[length - 1] == '/')
        return 0;
    for (size_t i = 0; i <= length; i++) {
        char c = name[i];
        if (c == '/' || c == '\0') {
            int dots = component == 1 && name[i - 1] == '.';
            dots = dots || (component == 2 && name[i - 1] == '.' && name[i - 2] == '.');
            if (component == 0 || dots)
                return 0;
            component = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return 0;
        component++;
    }
    return 1;
}

void outdir_display_name(const outdir *d, const char *name, char *out, size_t size)
{
    size_t length = strlen(d->display);
    while (length > 1 && d->display[length - 1] == '/')
        length--;
    snprintf(out, size, "%.*s/%s", (int)length, d->display, name);
}

static void display_fail(const outdir *d, const char *name, const char *what, int error, char *message,
                         size_t message_size)
{
    size_t length = strlen(d->display);
    while (length > 1 && d->display[length - 1] == '/')
        length--;
    snprintf(message, message_size, "%.*s/%s: %s: %s", (int)length, d->display, name, what,
             error ? strerror(error) : "write error");
}

/* Records a created name (the caller holds the mutex). */
static int entry_add(outdir *d, const char *name, int is_dir, int fd, char *path)
{
    if (d->n == d->capacity) {
        size_t capacity = d->capacity ? 2 * d->capacity : 16;
        outdir_entry *grown = realloc(d->entries, capacity * sizeof *grown);
        if (!grown)
            return 0;
        d->entries = grown;
        d->capacity = capacity;
    }
    size_t length = strlen(name);
    char *listed = malloc(length + 2);
    if (!listed)
        return 0;
    memcpy(listed, name, length);
    listed[length] = '/';
    listed[length + is_dir] = '\0';
    d->entries[d->n++] = (outdir_entry){.name = listed, .path = path, .fd = fd};
    return 1;
}

static outdir_entry *entry_find(const outdir *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->entries[i].name, name) == 0)
            return &d->entries[i];
    return NULL;
}

/* Creates NAME new and, when listed, records it (with path, which it owns); the open descriptor, or -1 with the
 * message written and *failure set. */
static int create_file(outdir *d, const char *name, int listed, int keep, char *path, embolo_error *failure,
                       char *message, size_t message_size)
{
    int fd = -1, error = 0;
    *failure = EMBOLO_OK;
    if (!outdir_valid_name(name)) {
        snprintf(message, message_size, "%s: '%s' is not a name embolo writes", d->display, name);
        free(path);
        *failure = EMBOLO_ERROR_INTERNAL;
        return -1;
    }
    pthread_mutex_lock(&d->mutex);
    if (d->stopped)
        error = ECANCELED;
    else
        fd = openat(d->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && !error)
        error = errno;
    if (fd >= 0 && listed && !entry_add(d, name, 0, keep ? fd : -1, path)) {
        error = ENOMEM;
        close(fd);
        unlinkat(d->dir_fd, name, 0);
        fd = -1;
    }
    pthread_mutex_unlock(&d->mutex);
    if (fd < 0) {
        free(path);
        display_fail(d, name, "cannot create", error, message, message_size);
        *failure = error == ENOMEM ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT;
    }
    return fd;
}

static embolo_error file_open(outdir *d, const char *name, int listed, FILE **file, char *message,
                              size_t message_size)
{
    embolo_error failure;
    *file = NULL;
    int fd = create_file(d, name, listed, 0, NULL, &failure, message, message_size);
    if (fd < 0)
        return failure;
    *file = fdopen(fd, "wb");
    if (!*file) {
        int error = errno;
        close(fd);
        display_fail(d, name, "cannot create", error, message, message_size);
        return EMBOLO_ERROR_OUTPUT;
    }
    return EMBOLO_OK;
}

embolo_error outdir_open(outdir *d, const char *name, FILE **file, char *message, size_t message_size)
{
    return file_open(d, name, 1, file, message, message_size);
}

embolo_error outdir_open_unlisted(outdir *d, const char *name, FILE **file, char *message, size_t message_size)
{
    return file_open(d, name, 0, file, message, message_size);
}

embolo_error outdir_list(outdir *d, const char *name, char *message, size_t message_size)
{
    pthread_mutex_lock(&d->mutex);
    int listed = entry_add(d, name, 0, -1, NULL);
    pthread_mutex_unlock(&d->mutex);
    if (listed)
        return EMBOLO_OK;
    display_fail(d, name, "cannot list", ENOMEM, message, message_size);
    return EMBOLO_ERROR_NOMEM;
}

void outdir_writeback(FILE *file)
{
    int fd = fileno(file);
    if (fd >= 0 && fflush(file) == 0)
        (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

embolo_error outdir_close(outdir *d, FILE *file, const char *name, int ok, char *message, size_t message_size)
{
    /* errno of the first failure: the writer's (it returns 0 right after a failed write), else
     * flushing, syncing or closing. */
    int failed = !ok || ferror(file), error = failed ? errno : 0;
    if (fflush(file) != 0 && !failed++)
        error = errno;
    if (fsync(fileno(file)) != 0 && !failed++)
        error = errno;
    if (fclose(file) != 0 && !failed++)
        error = errno;
    if (!failed)
        return EMBOLO_OK;
    display_fail(d, name, "cannot write", error, message, message_size);
    return EMBOLO_ERROR_OUTPUT;
}

/* A path a library can open: DIR/NAME when it fits PATH_MAX, else through /proc/self/fd. */
static char *library_path(const outdir *d, const char *name)
{
    if (d->path && strlen(d->path) + 1 + strlen(name) < PATH_MAX)
        return path_join(d->path, name);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", d->dir_fd);
    if (access(proc, W_OK) != 0)
        return NULL;
    return path_join(proc, name);
}

embolo_error outdir_reserve(outdir *d, const char *name, const char **path, char *message, size_t message_size)
{
    char *library = library_path(d, name);
    embolo_error failure;
    *path = NULL;
    if (!library) {
        display_fail(d, name, "cannot create", ENAMETOOLONG, message, message_size);
        return EMBOLO_ERROR_OUTPUT;
    }
    if (create_file(d, name, 1, 1, library, &failure, message, message_size) < 0)
        return failure;
    *path = library;
    return EMBOLO_OK;
}

embolo_error outdir_settle(outdir *d, const char *name, char *message, size_t message_size)
{
    struct stat held, now;
    int error = 0;
    pthread_mutex_lock(&d->mutex);
    outdir_entry *e = entry_find(d, name);
    int fd = e ? e->fd : -1;
    if (e)
        e->fd = -1;
    pthread_mutex_unlock(&d->mutex);
    if (fd < 0) {
        snprintf(message, message_size, "%s/%s: was not reserved", d->display, name);
        return EMBOLO_ERROR_INTERNAL;
    }
    if (fstat(fd, &held) != 0 || fstatat(d->dir_fd, name, &now, AT_SYMLINK_NOFOLLOW) != 0)
        error = errno;
    else if (!S_ISREG(now.st_mode) || now.st_dev != held.st_dev || now.st_ino != held.st_ino)
        error = EEXIST;
    else if (fsync(fd) != 0)
        error = errno;
    close(fd);
    if (!error)
        return EMBOLO_OK;
    display_fail(d, name, error == EEXIST ? "was replaced while it was written" : "cannot write", error,
                 message, message_size);
    return EMBOLO_ERROR_OUTPUT;
}

embolo_error outdir_mkdir(outdir *d, const char *name, char *message, size_t message_size)
{
    int error = 0;
    if (!outdir_valid_name(name)) {
        snprintf(message, message_size, "%s: '%s' is not a name embolo writes", d->display, name);
        return EMBOLO_ERROR_INTERNAL;
    }
    pthread_mutex_lock(&d->mutex);
    if (d->stopped)
        error = ECANCELED;
    else if (mkdirat(d->dir_fd, name, 0777) != 0)
        error = errno;
    else if (!entry_add(d, name, 1, -1, NULL))
        error = ENOMEM;
    pthread_mutex_unlock(&d->mutex);
    if (!error)
        return EMBOLO_OK;
    display_fail(d, name, "cannot create the directory", error, message, message_size);
    return error == ENOMEM ? EMBOLO_ERROR_NOMEM : EMBOLO_ERROR_OUTPUT;
}

size_t outdir_count(const outdir *d)
{
    return d->n;
}

const char *outdir_name(const outdir *d, size_t index)
{
    return d->entries[index].name;
}

void outdir_rename_in_message(const outdir *d, const char *name, char *message, size_t message_size)
{
    const outdir_entry *e = entry_find(d, name);
    if (!e || !e->path || strncmp(message, e->path, strlen(e->path)) != 0)
        return;
    char *rest = string_copy(message + strlen(e->path));
    if (!rest)
        return;
    size_t length = strlen(d->display);
    while (length > 1 && d->display[length - 1] == '/')
        length--;
    snprintf(message, message_size, "%.*s/%s%s", (int)length, d->display, name, rest);
    free(rest);
}

void outdir_stop(outdir *d)
{
    pthread_mutex_lock(&d->mutex);
    d->stopped = 1;
    pthread_mutex_unlock(&d->mutex);
}
