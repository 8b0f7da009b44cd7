/* Rendering stage: writes the run's files into the directory it is given (the private directory of
 * the output set, which the driver publishes as --out when every file was written: pipeline/outset.h).
 * Every file is created new through outdir, which records it for manifest.json's "files". */
#ifndef EMBOLO_RENDER_H
#define EMBOLO_RENDER_H

#include <stddef.h>
#include <time.h>
#include "common/changes.h"
#include "common/dataset.h"
#include "common/error.h"
#include "common/outdir.h"
#include "common/procedures.h"
#include "common/results.h"
#include "common/study.h"
#include "template.h"

typedef struct render_stage_time {
    const char *name;
    double ms;
} render_stage_time;

typedef struct render_input {
    const char *version;
    const study *study;
    const dataset *data;
    const exclusion_log *log;
    const results *results;      /* NULL for `embolo check`: no results.csv */
    const results *warnings;     /* whose warnings the manifest lists (`check` too); NULL: those of results */
    const char *input_path;
    const char *input_sha256;
    const char *study_sha256;
    const char *template_path;   /* NULL without a template */
    const char *template_sha256;
    int has_as_of;
    long as_of;
    const char *const *unused_columns;
    size_t n_unused_columns;
    const render_stage_time *stages;
    size_t n_stages;
    const report_template *template;  /* never NULL */
    const procedure_set *procedures;  /* NULL without a procedures file */
    const char *procedures_path;
    const char *procedures_sha256;
    const change_set *changes;        /* --previous: what changed since that set (common/changes.h: the
                                         lists; the counts are results' section `changes`); NULL without */
    int quiet;                        /* libraries' complaints about a file written are not shown */
    struct timespec render_start;     /* set by render_run: the manifest gives render's time so far */
    outdir *out;                      /* set by render_run: where the set's files are created (a writer
                                         that makes more, e.g. under figures/, uses it); the manifest
                                         lists its names */
} render_input;

/* Writes the run's files into out. On failure message is one line naming the file and the reason. */
embolo_error render_run(const render_input *input, outdir *out, char *message, size_t message_size);

#endif
