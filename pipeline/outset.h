/* The output set of a run (--out), owned by the driver: built in a private directory beside --out and
 * published as a unit.
 *
 * outset_open, under a lock beside --out (PARENT/.NAME.lock, flock), refuses an --out that is neither
 * absent, an empty directory nor an earlier embolo output set (its manifest.json lists its files and
 * the directory holds nothing else), removes the private directories that killed runs left, and
 * creates this run's: PARENT/.NAME.embolo-tmp-XXXXXX (mode 0700) holding `set/`, the directory the
 * render stage fills (outset_dir). outset_publish swaps `set/` and --out in one atomic step
 * (renameat2 RENAME_EXCHANGE; without it, two renames during which --out is absent) and removes the
 * earlier set. outset_free removes whatever was not published and the lock; outset_abort does the
 * same from another thread while the run is still writing (the signal watcher). */
#ifndef EMBOLO_OUTSET_H
#define EMBOLO_OUTSET_H

#include <stddef.h>
#include "common/error.h"
#include "common/outdir.h"

typedef struct outset outset;

typedef struct outset_options {
    int no_wait;  /* another run holds the lock: fail at once (exit 73) rather than wait for it */
    int quiet;    /* no "waiting" line and no warnings on stderr */
} outset_options;

/* An outset that holds nothing yet (so that outset_abort can be armed before outset_open); NULL when
 * out of memory. */
outset *outset_new(void);

/* Prepares --out as above: the path must fit PATH_MAX; missing parent directories are created; a
 * symbolic link --out is followed once (the set replaces the directory it points to, the link stays).
 * Failures are EMBOLO_ERROR_OUTPUT (exit 73) with one line naming --out. */
embolo_error outset_open(outset *set, const char *out_path, const outset_options *options, char *message,
                         size_t message_size);

/* The same refusals as outset_open, without the lock and without creating anything: so that a run
 * bound to fail on its --out fails before it computes (outset_open checks again under the lock). */
embolo_error outset_check(const char *out_path, char *message, size_t message_size);

/* The directory to write the set into (valid after outset_open succeeded). */
outdir *outset_dir(outset *set);

/* Publishes the set as --out and removes the earlier one. */
embolo_error outset_publish(outset *set, char *message, size_t message_size);

/* Removes what was not published and releases the lock, from any thread; the set is unusable after. */
void outset_abort(outset *set);

/* outset_abort's clean-up, then frees the set. NULL-safe. */
void outset_free(outset *set);

#endif
