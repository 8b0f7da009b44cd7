/* The driver: owns one run context and calls the stages in order, timing each. */
#ifndef EMBOLO_DRIVER_H
#define EMBOLO_DRIVER_H

#include <stddef.h>
#include "common/error.h"

#define EMBOLO_VERSION "0.1.0"

typedef enum driver_command { DRIVER_RUN, DRIVER_CHECK } driver_command;

typedef struct driver_options {
    driver_command command;
    const char *study_path;
    const char *input_path;
    const char *template_path;  /* NULL: none */
    const char *procedures_path;  /* --procedures: overrides the study's [procedures] file; NULL: none */
    const char *out_dir;
    const char *previous_path;  /* --previous: an earlier output set to compare with; NULL: the template's */
    int has_as_of;
    long as_of;
    int quiet;
    int strict;                 /* any exclusion or invalid value fails the run (after the exclusion log) */
    int no_wait;                /* another run holds --out's lock: fail (73) instead of waiting */
} driver_options;

/* Runs the pipeline. On failure message holds one line naming the file, line or column at fault. */
embolo_error driver_run(const driver_options *options, char *message, size_t message_size);

#endif
