/* A directory that a run fills with new files: the private directory of an output set, which the
 * driver owns (pipeline/outset.h) and publishes as --out. Every file and subdirectory is created new
 * (O_CREAT|O_EXCL|O_NOFOLLOW), never through a name that already exists, relative to the directory's
 * descriptor (so no path has to fit a buffer), and its name is recorded: the set lists what it holds
 * (manifest.json "files"). Messages name a file as DISPLAY/NAME, DISPLAY being the --out the user gave.
 * Creating files is safe from several threads. */
#ifndef EMBOLO_OUTDIR_H
#define EMBOLO_OUTDIR_H

#include <stddef.h>
#include <stdio.h>
#include "error.h"

typedef struct outdir outdir;

/* A directory open as dir_fd (outdir does not close it). path is its path for libraries that write to
 * a path themselves (NULL: not known or too long; /proc/self/fd/N is used instead), display the name
 * messages give it. NULL when out of memory. */
outdir *outdir_new(int dir_fd, const char *path, const char *display);
void outdir_free(outdir *d);

/* Creates the file NAME ("results.csv", or "figures/km.pdf" below a directory made with outdir_mkdir)
 * for writing. */
embolo_error outdir_open(outdir *d, const char *name, FILE **file, char *message, size_t message_size);

/* As outdir_open, but NAME is not listed until outdir_list: a file written on another thread takes its
 * place in the list when its turn comes, so that the order of "files" does not depend on timing. */
embolo_error outdir_open_unlisted(outdir *d, const char *name, FILE **file, char *message, size_t message_size);

/* Starts the writing back of what a long file holds so far (its data goes to disk while the rest is
 * made, and outdir_close's fsync has less to wait for): only a hint, its failure is not reported; a
 * failed flush leaves the stream's error for outdir_close. */
void outdir_writeback(FILE *file);

/* Lists NAME, created with outdir_open_unlisted (and closed with outdir_close). */
embolo_error outdir_list(outdir *d, const char *name, char *message, size_t message_size);

/* Flushes file (opened with outdir_open as NAME) to the disk and closes it; ok says whether the writer
 * itself succeeded. On failure the message is "DISPLAY/NAME: cannot write: REASON". */
embolo_error outdir_close(outdir *d, FILE *file, const char *name, int ok, char *message, size_t message_size);

/* For a library that opens a path itself: creates NAME empty and gives a path to it (valid as long as
 * d). outdir_settle then checks that the path still holds that file and flushes it to the disk. */
embolo_error outdir_reserve(outdir *d, const char *name, const char **path, char *message, size_t message_size);
embolo_error outdir_settle(outdir *d, const char *name, char *message, size_t message_size);

/* Creates the subdirectory NAME ("figures"); it is listed as "figures/". */
embolo_error outdir_mkdir(outdir *d, const char *name, char *message, size_t message_size);

/* The names created, in order of creation; a directory ends with '/'. */
size_t outdir_count(const outdir *d);
const char *outdir_name(const outdir *d, size_t index);

/* Rewrites a library's message that begins with the path outdir_reserve gave for NAME so that it
 * names DISPLAY/NAME instead. */
void outdir_rename_in_message(const outdir *d, const char *name, char *message, size_t message_size);

/* The name messages give NAME: "DISPLAY/NAME" (DISPLAY without its trailing '/'). */
void outdir_display_name(const outdir *d, const char *name, char *out, size_t size);

/* Refuses every later creation (the set is being discarded); reserved files stay open until freed. */
void outdir_stop(outdir *d);

/* Whether NAME is a name outdir accepts: relative, components of [A-Za-z0-9._-] that are not "." or
 * "..", at most 255 bytes. */
int outdir_valid_name(const char *name);

#endif
