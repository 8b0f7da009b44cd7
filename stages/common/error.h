/* One error enum for the whole program, with a message table (error.c). */
#ifndef EMBOLO_ERROR_H
#define EMBOLO_ERROR_H

typedef enum embolo_error {
    EMBOLO_OK = 0,
    EMBOLO_ERROR_NOMEM,          /* an allocation failed */
    EMBOLO_ERROR_USAGE,          /* bad command line */
    EMBOLO_ERROR_FILE_NOT_FOUND, /* an input file is missing or unreadable */
    EMBOLO_ERROR_STUDY,          /* the study file breaks a rule */
    EMBOLO_ERROR_TEMPLATE,       /* the template breaks a rule */
    EMBOLO_ERROR_DATA,           /* the data cannot be analysed */
    EMBOLO_ERROR_TOO_LARGE,      /* an input-sized allocation exceeds its bound */
    EMBOLO_ERROR_OUTPUT,         /* an output cannot be written */
    EMBOLO_ERROR_NUMERIC,        /* a numerical routine failed */
    EMBOLO_ERROR_INVALID_ARGUMENT,
    EMBOLO_ERROR_INTERNAL,
    EMBOLO_ERROR_COUNT
} embolo_error;

/* A short message for an error code; never NULL. */
const char *embolo_error_message(embolo_error err);

/* The sysexits exit status a failure with this code ends the program with. */
int embolo_error_exit_code(embolo_error err);

#endif
