/* The output set: lock, private directory, atomic publication (outset.h). Every operation is relative
 * to a directory descriptor, so that a --out near PATH_MAX works and no path is built in a fixed
 * buffer; nothing is followed through a symbolic link that embolo did not resolve on purpose. */
#define _GNU_SOURCE /* renameat2 */
#include "outset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sha256.h"

#define OUTSET_MANIFEST "manifest.json"
#define OUTSET_MANIFEST_MAX (1024 * 1024)
#define OUTSET_PRIVATE_TAG ".embolo-tmp-"
#define OUTSET_RANDOM_CHARS 6
#define OUTSET_STEM_MAX 200     /* a longer --out name is replaced by embolo-HASH in the names beside it */
#define OUTSET_DEPTH_MAX 4      /* subdirectories of a set: figures/ and the like */
#define OUTSET_REMOVE_TRIES 50  /* a library may reopen a reserved path while an interrupted run is removed */

/* The files of an output set written before manifest.json listed them. */
static const char *const legacy_names[] = {"report.pdf", "tables.xlsx", "results.csv", "exclusions.csv",
                                          "patients.csv", OUTSET_MANIFEST};

typedef struct inventory {
    char **names; /* as manifest.json "files" lists them: a directory ends with '/' */
    size_t n;
} inventory;

typedef enum set_state {
    SET_EMPTY,     /* no private directory */
    SET_BUILDING,  /* PRIVATE/set is this run's set, being written */
    SET_SWAPPED,   /* published: PRIVATE/set (or PRIVATE/old) is the earlier set */
    SET_DONE       /* published, private directory removed */
} set_state;

struct outset {
    pthread_mutex_t mutex;
    outset_options options;
    char *display;       /* --out as given */
    char *parent;        /* the directory that holds --out */
    char *name;          /* --out's last component */
    char *lock_name;     /* .STEM.lock */
    char *private_name;  /* .STEM.embolo-tmp-XXXXXX */
    char *stem;
    const char *old_child; /* where the earlier set is after publishing: "set" or "old" */
    int parent_fd, lock_fd, private_fd, set_fd;
    int old_exists;
    mode_t old_mode;
    inventory old;
    outdir *dir;
    set_state state;
};

/* ---- small helpers ---- */

static char *concat(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

static void warn(const outset *set, const char *format, const char *a, const char *b)
{
    if (set->options.quiet)
        return;
    fputs("embolo: warning: ", stderr);
    fprintf(stderr, format, a, b);
    fputc('\n', stderr);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* A directory stream over dir_fd from its first entry (a dup shares the offset of an earlier scan);
 * NULL with errno set. */
static DIR *dir_scan(int dir_fd)
{
    int fd = dup(dir_fd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir && fd >= 0) {
        int error = errno;
        close(fd);
        errno = error;
    }
    if (dir)
        rewinddir(dir);
    return dir;
}

static void inventory_free(inventory *inv)
{
    for (size_t i = 0; i < inv->n; i++)
        free(inv->names[i]);
    free(inv->names);
    inv->names = NULL;
    inv->n = 0;
}

static int inventory_add(inventory *inv, const char *name, size_t length)
{
    char **grown = realloc(inv->names, (inv->n + 1) * sizeof *grown);
    if (!grown)
        return 0;
    inv->names = grown;
    inv->names[inv->n] = malloc(length + 1);
    if (!inv->names[inv->n])
        return 0;
    memcpy(inv->names[inv->n], name, length);
    inv->names[inv->n++][length] = '\0';
    return 1;
}

static int inventory_has(const inventory *inv, const char *name)
{
    for (size_t i = 0; i < inv->n; i++)
        if (strcmp(inv->names[i], name) == 0)
            return 1;
    return 0;
}

/* ---- recognising an output set by its manifest.json ---- */

/* The whole of a small regular file NAME in dir_fd (never through a link, never blocking on a FIFO);
 * NULL otherwise. */
static char *small_file_read(int dir_fd, const char *name, size_t max, size_t *length)
{
    struct stat info;
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    char *text = NULL;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && (size_t)info.st_size <= max)
        text = malloc((size_t)info.st_size + 1);
    size_t used = 0;
    while (text && used < (size_t)info.st_size) {
        ssize_t got = read(fd, text + used, (size_t)info.st_size - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    if (text && used != (size_t)info.st_size) {
        free(text);
        return NULL;
    }
    if (text) {
        text[used] = '\0';
        *length = used;
    }
    return text;
}

/* The "files" list of a manifest, as files.c writes it: ["a", "b/", ...] of valid names. */
static int parse_files(const char *list, inventory *inv)
{
    const char *c = list;
    if (*c++ != '[')
        return 0;
    if (*c == ']')
        return 1;
    for (;;) {
        if (*c++ != '"')
            return 0;
        size_t length = strcspn(c, "\"\\\n");
        if (c[length] != '"' || length == 0 || length > 256)
            return 0;
        char name[258];
        memcpy(name, c, length);
        name[length] = '\0';
        if (name[length - 1] == '/')
            name[length - 1] = '\0';
        if (!outdir_valid_name(name) || !inventory_add(inv, c, length))
            return 0;
        c += length + 1;
        if (*c == ']')
            return 1;
        if (c[0] != ',' || c[1] != ' ')
            return 0;
        c += 2;
    }
}

/* Whether dir_fd holds an embolo manifest.json; its inventory in *inv (the legacy names for a manifest
 * written before it listed the files). */
static int manifest_inventory(int dir_fd, inventory *inv)
{
    size_t length = 0;
    char *text = small_file_read(dir_fd, OUTSET_MANIFEST, OUTSET_MANIFEST_MAX, &length);
    int ours = 0;
    inv->names = NULL;
    inv->n = 0;
    if (!text)
        return 0;
    const char *files = strstr(text, "\n  \"files\": ");
    if (strncmp(text, "{\n  \"version\": \"", 16) != 0 || !strstr(text, "\n  \"rows_read\": ") ||
        strlen(text) != length)
        ours = 0;
    else if (files)
        ours = parse_files(files + strlen("\n  \"files\": "), inv) && inventory_has(inv, OUTSET_MANIFEST);
    else {
        ours = 1;
        for (size_t i = 0; ours && i < sizeof legacy_names / sizeof legacy_names[0]; i++)
            ours = inventory_add(inv, legacy_names[i], strlen(legacy_names[i]));
    }
    free(text);
    if (!ours)
        inventory_free(inv);
    return ours;
}

/* Whether the entry NAME of dir_fd (PATH in the set) is something the inventory lists; for a listed
 * directory, whether everything in it is too (otherwise *foreign names what is not). */
static int entry_listed(int dir_fd, const char *name, char *path, size_t path_size, const inventory *inv,
                        int depth, char *foreign, size_t foreign_size);

/* Whether dir_fd (PREFIX in the set) holds something the inventory does not list as a regular file or
 * directory; its path in foreign. */
static int find_foreign(int dir_fd, const char *prefix, const inventory *inv, int depth, char *foreign,
                        size_t foreign_size)
{
    int found = 0;
    DIR *dir = dir_scan(dir_fd);
    struct dirent *entry;
    if (!dir) {
        snprintf(foreign, foreign_size, "%s (unreadable: %s)", prefix[0] ? prefix : ".", strerror(errno));
        return 1;
    }
    while (!found && (entry = readdir(dir))) {
        char path[600];
        if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..") &&
            snprintf(path, sizeof path, "%s%s", prefix, entry->d_name) < (int)sizeof path - 1)
            found = !entry_listed(dir_fd, entry->d_name, path, sizeof path, inv, depth, foreign, foreign_size);
        else if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..")) {
            snprintf(foreign, foreign_size, "%s%s", prefix, entry->d_name);
            found = 1;
        }
    }
    closedir(dir);
    return found;
}

static int entry_listed(int dir_fd, const char *name, char *path, size_t path_size, const inventory *inv,
                        int depth, char *foreign, size_t foreign_size)
{
    struct stat info;
    int listed = fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0;
    if (listed && S_ISDIR(info.st_mode)) {
        size_t length = strlen(path);
        path[length] = '/';
        path[length + 1] = '\0';
        int sub = depth < OUTSET_DEPTH_MAX && length + 2 <= path_size && inventory_has(inv, path)
                      ? openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                      : -1;
        if (sub >= 0) {
            int inside = find_foreign(sub, path, inv, depth + 1, foreign, foreign_size);
            close(sub);
            return !inside;
        }
        listed = 0;
    } else if (listed) {
        listed = S_ISREG(info.st_mode) && inventory_has(inv, path);
    }
    if (!listed)
        snprintf(foreign, foreign_size, "%s", path);
    return listed;
}

/* ---- removing sets ---- */

/* Removes everything below dir_fd, never following a link. */
static void remove_tree(int dir_fd, int depth)
{
    DIR *dir = dir_scan(dir_fd);
    struct dirent *entry;
    if (!dir)
        return;
    while ((entry = readdir(dir))) {
        struct stat info;
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        if (fstatat(dir_fd, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(info.st_mode) && depth < OUTSET_DEPTH_MAX) {
            int sub = openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                remove_tree(sub, depth + 1);
                close(sub);
            }
            unlinkat(dir_fd, entry->d_name, AT_REMOVEDIR);
        } else if (!S_ISDIR(info.st_mode)) {
            unlinkat(dir_fd, entry->d_name, 0);
        }
    }
    closedir(dir);
}

static int by_length_descending(const void *a, const void *b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Whether dir_fd holds nothing but NAME. */
static int holds_only(int dir_fd, const char *name)
{
    int only = 1;
    DIR *dir = dir_scan(dir_fd);
    struct dirent *entry;
    if (!dir)
        return 0;
    while (only && (entry = readdir(dir)))
        only = !strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..") || !strcmp(entry->d_name, name);
    closedir(dir);
    return only;
}

/* Removes the files and directories an inventory lists, manifest.json last and only when nothing else
 * is left: a file that appeared in the set meanwhile keeps the set recognisable. */
static void remove_inventory(int dir_fd, const inventory *inv)
{
    char **dirs = malloc((inv->n ? inv->n : 1) * sizeof *dirs);
    size_t n_dirs = 0;
    for (size_t i = 0; i < inv->n; i++) {
        const char *name = inv->names[i];
        struct stat info;
        size_t length = strlen(name);
        if (name[length - 1] == '/') {
            if (dirs)
                dirs[n_dirs++] = inv->names[i];
            continue;
        }
        if (strcmp(name, OUTSET_MANIFEST) && fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(info.st_mode))
            unlinkat(dir_fd, name, 0);
    }
    if (dirs) {
        qsort(dirs, n_dirs, sizeof *dirs, by_length_descending);
        for (size_t i = 0; i < n_dirs; i++) {
            char *name = concat(dirs[i], "", "");
            if (name) {
                name[strlen(name) - 1] = '\0';
                unlinkat(dir_fd, name, AT_REMOVEDIR);
                free(name);
            }
        }
        free(dirs);
    }
    if (holds_only(dir_fd, OUTSET_MANIFEST))
        unlinkat(dir_fd, OUTSET_MANIFEST, 0);
}

/* Removes the set directory CHILD of dir_fd: by its inventory when it is a recognised set (or the
 * inventory given), else everything in it (a set this run or a killed run was building). 0 if
 * something was left. */
static int remove_set(int dir_fd, const char *child, const inventory *known)
{
    int fd = openat(dir_fd, child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    inventory found;
    int removed = 0;
    if (known || manifest_inventory(fd, &found)) {
        remove_inventory(fd, known ? known : &found);
        if (!known)
            inventory_free(&found);
        removed = unlinkat(dir_fd, child, AT_REMOVEDIR) == 0;
    } else {
        /* A document's library may still reopen its file (an interrupted run): remove until it stays gone. */
        for (int tries = 0; tries < OUTSET_REMOVE_TRIES && !removed; tries++) {
            remove_tree(fd, 1);
            removed = unlinkat(dir_fd, child, AT_REMOVEDIR) == 0;
            if (!removed && errno != ENOTEMPTY && errno != EEXIST)
                break;
            if (!removed)
                nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
        }
    }
    close(fd);
    return removed;
}

/* Removes a private directory: its set/ and old/ (nothing else is ever in it), then itself. */
static int remove_private(int parent_fd, const char *name, const inventory *old, const char *old_child)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    int ok = 1;
    const char *children[] = {"set", "old"};
    for (size_t i = 0; i < 2; i++) {
        struct stat info;
        if (fstatat(fd, children[i], &info, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        ok = S_ISDIR(info.st_mode) &&
             remove_set(fd, children[i], old_child && !strcmp(old_child, children[i]) ? old : NULL) && ok;
    }
    close(fd);
    return unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 && ok;
}

/* ---- the path of --out ---- */

/* Splits path into set->parent and set->name, following a symbolic link --out (and resolving "." and
 * ".."). */
static embolo_error out_split(outset *set, const char *path, char *message, size_t message_size)
{
    char *copy = concat(path, "", ""), *resolved = NULL;
    struct stat info;
    embolo_error err = EMBOLO_OK;
    if (!copy)
        return EMBOLO_ERROR_NOMEM;
    size_t length = strlen(copy);
    while (length > 1 && copy[length - 1] == '/')
        copy[--length] = '\0';
    const char *base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
    int is_link = lstat(copy, &info) == 0 && S_ISLNK(info.st_mode);
    if (length >= PATH_MAX) {
        snprintf(message, message_size, "%.100s...: the path (%zu bytes) is longer than the system allows (%d)",
                 path, length, PATH_MAX - 1);
        err = EMBOLO_ERROR_OUTPUT;
    } else if (is_link || !strcmp(base, ".") || !strcmp(base, "..") || !strcmp(copy, "/")) {
        resolved = realpath(copy, NULL);
        if (!resolved || stat(resolved, &info) != 0 || !S_ISDIR(info.st_mode)) {
            snprintf(message, message_size, "%s: %s", path,
                     is_link ? "a symbolic link that does not lead to a directory" : "cannot resolve the path");
            err = EMBOLO_ERROR_OUTPUT;
        } else if (!strcmp(resolved, "/")) {
            snprintf(message, message_size, "%s: embolo does not replace the root directory", path);
            err = EMBOLO_ERROR_OUTPUT;
        } else {
            free(copy);
            copy = resolved;
            resolved = NULL;
        }
    }
    if (err == EMBOLO_OK) {
        char *slash = strrchr(copy, '/');
        set->name = concat(slash ? slash + 1 : copy, "", "");
        if (slash == copy)
            set->parent = concat("/", "", "");
        else if (slash) {
            *slash = '\0';
            set->parent = concat(copy, "", "");
        } else
            set->parent = concat(".", "", "");
        if (!set->name || !set->parent)
            err = EMBOLO_ERROR_NOMEM;
    }
    free(resolved);
    free(copy);
    return err;
}

/* Creates the missing directories of set->parent (mkdir -p) and opens it. */
static embolo_error parent_open(outset *set, char *message, size_t message_size)
{
    char *path = concat(set->parent, "", "");
    if (!path)
        return EMBOLO_ERROR_NOMEM;
    for (char *c = path + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char kept = *c;
        *c = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(message, message_size, "%s: cannot create the directory %s: %s", set->display, path,
                     strerror(errno));
            free(path);
            return EMBOLO_ERROR_OUTPUT;
        }
        *c = kept;
        if (!kept)
            break;
    }
    free(path);
    set->parent_fd = open(set->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (set->parent_fd < 0) {
        snprintf(message, message_size, "%s: cannot open the directory %s: %s", set->display, set->parent,
                 strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    return EMBOLO_OK;
}

/* The names beside --out: .STEM.lock and the prefix of private directories. */
static embolo_error names_make(outset *set)
{
    if (strlen(set->name) <= OUTSET_STEM_MAX) {
        set->stem = concat(set->name, "", "");
    } else {
        sha256_state state;
        char hex[65];
        sha256_init(&state);
        sha256_update(&state, set->name, strlen(set->name));
        sha256_final_hex(&state, hex);
        hex[16] = '\0';
        set->stem = concat("embolo-", hex, "");
    }
    set->lock_name = set->stem ? concat(".", set->stem, ".lock") : NULL;
    return set->lock_name ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

/* ---- the lock ---- */

/* Opens the lock file and takes the lock on it; the descriptor, or -1 (message written) or -2 (the
 * file was replaced meanwhile: try again). Called with the mutex held, released only while waiting for
 * another run, so that an abort finds either no lock file of this run's or one it holds. */
static int lock_try(outset *set, int *waited, char *message, size_t message_size)
{
    struct stat held, now;
    int fd = openat(set->parent_fd, set->lock_name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    const char *problem = NULL;
    if (fd < 0) {
        snprintf(message, message_size, "%s: cannot open the lock file %s/%s: %s", set->display, set->parent,
                 set->lock_name, errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return -1;
    }
    if (fstat(fd, &held) != 0 || !S_ISREG(held.st_mode) || held.st_uid != geteuid())
        problem = "is not a regular file of this user";
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            problem = strerror(errno);
        else if (set->options.no_wait)
            problem = "is held by another embolo run writing this output set (without --no-wait, embolo "
                      "waits for it)";
        else {
            if (!*waited && !set->options.quiet)
                fprintf(stderr, "embolo: %s: waiting for another embolo run to finish with it (lock %s/%s)\n",
                        set->display, set->parent, set->lock_name);
            *waited = 1;
            pthread_mutex_unlock(&set->mutex);
            while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
                continue;
            pthread_mutex_lock(&set->mutex);
        }
    }
    if (!problem && (fstat(fd, &held) != 0 || fstatat(set->parent_fd, set->lock_name, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
                     !same_file(&held, &now))) {
        close(fd);
        return -2;
    }
    if (!problem && held.st_size != 0)
        problem = "is not embolo's lock file (embolo's is empty)";
    if (problem) {
        snprintf(message, message_size, "%s: the lock file %s/%s %s", set->display, set->parent, set->lock_name,
                 problem);
        close(fd);
        return -1;
    }
    return fd;
}

static embolo_error lock_take(outset *set, char *message, size_t message_size)
{
    int waited = 0, fd = -2;
    pthread_mutex_lock(&set->mutex);
    for (int tries = 0; tries < 1000 && fd == -2; tries++)
        fd = lock_try(set, &waited, message, message_size);
    if (fd >= 0)
        set->lock_fd = fd;
    pthread_mutex_unlock(&set->mutex);
    if (fd == -2)
        snprintf(message, message_size, "%s: the lock file %s/%s keeps being replaced", set->display, set->parent,
                 set->lock_name);
    return fd >= 0 ? EMBOLO_OK : EMBOLO_ERROR_OUTPUT;
}

/* Removes the lock file (while still holding it, so that a run waiting on it retries) and releases it. */
static void lock_release(outset *set)
{
    struct stat held, now;
    if (set->lock_fd < 0)
        return;
    if (fstat(set->lock_fd, &held) == 0 &&
        fstatat(set->parent_fd, set->lock_name, &now, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&held, &now))
        unlinkat(set->parent_fd, set->lock_name, 0);
    close(set->lock_fd);
    set->lock_fd = -1;
}

/* ---- what is at --out ---- */

static embolo_error out_inspect(outset *set, char *message, size_t message_size)
{
    struct stat info;
    char foreign[600];
    if (fstatat(set->parent_fd, set->name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return EMBOLO_OK;
        snprintf(message, message_size, "%s: %s", set->display, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    if (!S_ISDIR(info.st_mode)) {
        snprintf(message, message_size, "%s: exists and is not a directory%s", set->display,
                 S_ISLNK(info.st_mode) ? " (a symbolic link that appeared while embolo ran)" : "");
        return EMBOLO_ERROR_OUTPUT;
    }
    int fd = openat(set->parent_fd, set->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(message, message_size, "%s: cannot open: %s", set->display, strerror(errno));
        return EMBOLO_ERROR_OUTPUT;
    }
    set->old_exists = 1;
    set->old_mode = info.st_mode & 07777;
    int empty = holds_only(fd, ".");
    int ours = empty || manifest_inventory(fd, &set->old);
    int clean = ours && (empty || !find_foreign(fd, "", &set->old, 1, foreign, sizeof foreign));
    close(fd);
    if (!ours)
        snprintf(message, message_size, "%s: is not empty and not an embolo output set (no embolo manifest.json); "
                 "embolo replaces only those and never deletes files it did not write", set->display);
    else if (!clean)
        snprintf(message, message_size, "%s: holds '%s', which is not part of the embolo output set there; embolo "
                 "never deletes files it did not write: move it away", set->display, foreign);
    return clean ? EMBOLO_OK : EMBOLO_ERROR_OUTPUT;
}

/* Whether NAME is a private directory of this --out: .STEM.embolo-tmp-XXXXXX. */
static int is_private_name(const outset *set, const char *name)
{
    size_t stem = strlen(set->stem), tag = strlen(OUTSET_PRIVATE_TAG);
    if (strlen(name) != 1 + stem + tag + OUTSET_RANDOM_CHARS || name[0] != '.' ||
        strncmp(name + 1, set->stem, stem) != 0 || strncmp(name + 1 + stem, OUTSET_PRIVATE_TAG, tag) != 0)
        return 0;
    for (const char *c = name + 1 + stem + tag; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return 0;
    return 1;
}

/* Removes the private directories killed runs left (the lock is held: no live run has one). Only a
 * directory of this user with mode 0700 under that name counts. */
static void stale_remove(outset *set)
{
    DIR *dir = dir_scan(set->parent_fd);
    struct dirent *entry;
    inventory found = {0};
    if (!dir)
        return;
    while ((entry = readdir(dir))) {
        struct stat info;
        if (is_private_name(set, entry->d_name) &&
            fstatat(set->parent_fd, entry->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(info.st_mode) &&
            info.st_uid == geteuid() && (info.st_mode & 07777) == 0700 &&
            !inventory_add(&found, entry->d_name, strlen(entry->d_name)))
            break;
    }
    closedir(dir);
    for (size_t i = 0; i < found.n; i++)
        if (!remove_private(set->parent_fd, found.names[i], NULL, NULL))
            warn(set, "%s/%s: left by an interrupted run; it holds files embolo did not write, so it stays",
                 set->parent, found.names[i]);
    inventory_free(&found);
}

/* ---- the private directory ---- */

static void random_name(outset *set, unsigned attempt)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char bytes[OUTSET_RANDOM_CHARS];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        unsigned long mix = (unsigned long)now.tv_nsec ^ ((unsigned long)getpid() << 16) ^ attempt;
        for (size_t i = 0; i < sizeof bytes; i++) {
            mix = mix * 6364136223846793005ul + 1442695040888963407ul;
            bytes[i] = (unsigned char)(mix >> 33);
        }
    }
    char *x = set->private_name + strlen(set->private_name) - OUTSET_RANDOM_CHARS;
    for (size_t i = 0; i < sizeof bytes; i++)
        x[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
}

/* mkdtemp beside --out (relative to its directory), and set/ inside; under the mutex, so that an abort
 * sees either nothing or a private directory it removes. */
static embolo_error private_create(outset *set, char *message, size_t message_size)
{
    int made = 0, error = 0;
    set->private_name = concat(".", set->stem, OUTSET_PRIVATE_TAG "XXXXXX");
    if (!set->private_name)
        return EMBOLO_ERROR_NOMEM;
    pthread_mutex_lock(&set->mutex);
    for (unsigned attempt = 0; attempt < 100 && !made && !error; attempt++) {
        random_name(set, attempt);
        made = mkdirat(set->parent_fd, set->private_name, 0700) == 0;
        if (!made && errno != EEXIST)
            error = errno;
    }
    if (made) {
        set->state = SET_BUILDING;
        set->private_fd = openat(set->parent_fd, set->private_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (set->private_fd < 0 || fchmod(set->private_fd, 0700) != 0 || mkdirat(set->private_fd, "set", 0777) != 0)
            error = errno;
    }
    if (made && !error) {
        set->set_fd = openat(set->private_fd, "set", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (set->set_fd < 0 || (set->old_exists && fchmod(set->set_fd, set->old_mode) != 0))
            error = errno;
    }
    pthread_mutex_unlock(&set->mutex);
    if (!made && !error)
        error = EEXIST;
    if (error) {
        snprintf(message, message_size, "%s: cannot create a private directory in %s: %s", set->display,
                 set->parent, strerror(error));
        return EMBOLO_ERROR_OUTPUT;
    }
    return EMBOLO_OK;
}

static embolo_error dir_make(outset *set)
{
    char *middle = concat("/", set->private_name, "/set");
    char *path = middle ? concat(set->parent, middle, "") : NULL;
    free(middle);
    if (!path)
        return EMBOLO_ERROR_NOMEM;
    /* A path too long for a library to open: outdir goes through /proc/self/fd instead. */
    set->dir = outdir_new(set->set_fd, strlen(path) < PATH_MAX ? path : NULL, set->display);
    free(path);
    return set->dir ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

/* ---- the interface ---- */

outset *outset_new(void)
{
    outset *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    if (pthread_mutex_init(&set->mutex, NULL) != 0) {
        free(set);
        return NULL;
    }
    set->parent_fd = set->lock_fd = set->private_fd = set->set_fd = -1;
    return set;
}

embolo_error outset_open(outset *set, const char *out_path, const outset_options *options, char *message,
                         size_t message_size)
{
    embolo_error err;
    message[0] = '\0';
    set->options = *options;
    set->display = concat(out_path, "", "");
    if (!set->display)
        return EMBOLO_ERROR_NOMEM;
    err = out_split(set, out_path, message, message_size);
    if (err == EMBOLO_OK)
        err = names_make(set);
    if (err == EMBOLO_OK)
        err = parent_open(set, message, message_size);
    if (err == EMBOLO_OK)
        err = lock_take(set, message, message_size);
    if (err == EMBOLO_OK)
        err = out_inspect(set, message, message_size);
    if (err == EMBOLO_OK) {
        /* Under the mutex: an interruption meanwhile waits until the stale directories are gone. */
        pthread_mutex_lock(&set->mutex);
        stale_remove(set);
        pthread_mutex_unlock(&set->mutex);
        err = private_create(set, message, message_size);
    }
    if (err == EMBOLO_OK)
        err = dir_make(set);
    if (err == EMBOLO_ERROR_NOMEM && !message[0])
        snprintf(message, message_size, "%s: out of memory", out_path);
    return err;
}

embolo_error outset_check(const char *out_path, char *message, size_t message_size)
{
    outset *set = outset_new();
    embolo_error err = set ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
    message[0] = '\0';
    if (err == EMBOLO_OK) {
        set->options.quiet = 1;
        set->display = concat(out_path, "", "");
        err = set->display ? out_split(set, out_path, message, message_size) : EMBOLO_ERROR_NOMEM;
    }
    if (err == EMBOLO_OK) {
        set->parent_fd = open(set->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (set->parent_fd >= 0)
            err = out_inspect(set, message, message_size);
    }
    if (err == EMBOLO_ERROR_NOMEM && !message[0])
        snprintf(message, message_size, "%s: out of memory", out_path);
    outset_free(set);
    return err;
}

outdir *outset_dir(outset *set)
{
    return set->dir;
}

static int rename_unsupported(int error)
{
    return error == EINVAL || error == ENOSYS || error == ENOTSUP || error == EOPNOTSUPP;
}

/* set/ takes --out's place in one step; the earlier set, if any, is then at PRIVATE/set. Without
 * RENAME_EXCHANGE, the earlier set moves to PRIVATE/old first. Returns 0 with errno set on failure. */
static int swap_in(outset *set)
{
    int done = -1;
#ifdef RENAME_EXCHANGE
    if (set->old_exists) {
        done = renameat2(set->private_fd, "set", set->parent_fd, set->name, RENAME_EXCHANGE);
        if (done != 0 && errno == ENOENT)
            set->old_exists = 0;
        else if (done == 0 || !rename_unsupported(errno))
            return done == 0;
    }
    if (!set->old_exists) {
        done = renameat2(set->private_fd, "set", set->parent_fd, set->name, RENAME_NOREPLACE);
        if (done == 0 || !rename_unsupported(errno))
            return done == 0;
    }
#endif
    set->old_child = set->old_exists ? "old" : NULL;
    if (set->old_exists && renameat(set->parent_fd, set->name, set->private_fd, "old") != 0)
        return 0;
    if (renameat(set->private_fd, "set", set->parent_fd, set->name) == 0)
        return 1;
    int error = errno;
    if (set->old_exists)
        renameat(set->private_fd, "old", set->parent_fd, set->name);
    errno = error;
    return 0;
}

embolo_error outset_publish(outset *set, char *message, size_t message_size)
{
    embolo_error err = EMBOLO_OK;
    pthread_mutex_lock(&set->mutex);
    set->old_child = "set";
    if (set->state != SET_BUILDING) {
        snprintf(message, message_size, "%s: the output set is not ready to publish", set->display);
        err = EMBOLO_ERROR_INTERNAL;
    } else if (fsync(set->set_fd) != 0 || !swap_in(set)) {
        snprintf(message, message_size, "%s: cannot publish the output set: %s", set->display, strerror(errno));
        err = EMBOLO_ERROR_OUTPUT;
    } else {
        set->state = SET_SWAPPED;
        fsync(set->parent_fd);
        if (!remove_private(set->parent_fd, set->private_name, &set->old, set->old_child))
            warn(set, "%s: the earlier output set held files embolo did not write; they are kept in %s",
                 set->display, set->private_name);
        set->state = SET_DONE;
    }
    pthread_mutex_unlock(&set->mutex);
    return err;
}

/* Removes what the run has not published, and the lock; the caller holds the mutex. */
static void cleanup_locked(outset *set)
{
    if (set->dir)
        outdir_stop(set->dir);
    if (set->state == SET_BUILDING)
        remove_private(set->parent_fd, set->private_name, NULL, NULL);
    else if (set->state == SET_SWAPPED)
        remove_private(set->parent_fd, set->private_name, &set->old, set->old_child);
    set->state = SET_DONE;
    lock_release(set);
}

void outset_abort(outset *set)
{
    if (!set)
        return;
    pthread_mutex_lock(&set->mutex);
    cleanup_locked(set);
    pthread_mutex_unlock(&set->mutex);
}

void outset_free(outset *set)
{
    if (!set)
        return;
    outset_abort(set);
    outdir_free(set->dir);
    int fds[] = {set->set_fd, set->private_fd, set->parent_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    inventory_free(&set->old);
    free(set->display);
    free(set->parent);
    free(set->name);
    free(set->stem);
    free(set->lock_name);
    free(set->private_name);
    pthread_mutex_destroy(&set->mutex);
    free(set);
}
