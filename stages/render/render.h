/* Rendering stage: writes the run's files to --out. Every file goes to a temporary name first and
 * all are renamed into place only when all were written: a failed run leaves no partial file. */
#ifndef EMBOLO_RENDER_H
#define EMBOLO_RENDER_H

#include <stddef.h>
#include <time.h>
#include "common/dataset.h"
#include "common/error.h"
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
    struct timespec render_start;     /* set by render_run: the manifest gives render's time so far */
} render_input;

/* Creates out_dir if needed and checks that files can be created in it. */
embolo_error render_prepare(const char *out_dir, char *message, size_t message_size);

embolo_error render_run(const render_input *input, const char *out_dir, char *message, size_t message_size);

#endif
