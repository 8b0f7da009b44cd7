#include "error.h"

static const char *const error_messages[EMBOLO_ERROR_COUNT] = {
    [EMBOLO_OK] = "no error",
    [EMBOLO_ERROR_NOMEM] = "out of memory",
    [EMBOLO_ERROR_USAGE] = "bad usage",
    [EMBOLO_ERROR_FILE_NOT_FOUND] = "file not found or not readable",
    [EMBOLO_ERROR_STUDY] = "invalid study file",
    [EMBOLO_ERROR_TEMPLATE] = "invalid template",
    [EMBOLO_ERROR_DATA] = "data cannot be analysed",
    [EMBOLO_ERROR_TOO_LARGE] = "input exceeds a size limit",
    [EMBOLO_ERROR_OUTPUT] = "output cannot be written",
    [EMBOLO_ERROR_NUMERIC] = "numerical failure",
    [EMBOLO_ERROR_INVALID_ARGUMENT] = "invalid argument",
    [EMBOLO_ERROR_INTERNAL] = "internal error",
};

static const int error_exit_codes[EMBOLO_ERROR_COUNT] = {
    [EMBOLO_OK] = 0,
    [EMBOLO_ERROR_NOMEM] = 70,
    [EMBOLO_ERROR_USAGE] = 64,
    [EMBOLO_ERROR_FILE_NOT_FOUND] = 66,
    [EMBOLO_ERROR_STUDY] = 65,
    [EMBOLO_ERROR_TEMPLATE] = 65,
    [EMBOLO_ERROR_DATA] = 65,
    [EMBOLO_ERROR_TOO_LARGE] = 65,
    [EMBOLO_ERROR_OUTPUT] = 73,
    [EMBOLO_ERROR_NUMERIC] = 70,
    [EMBOLO_ERROR_INVALID_ARGUMENT] = 70,
    [EMBOLO_ERROR_INTERNAL] = 70,
};

const char *embolo_error_message(embolo_error err)
{
    if ((int)err < 0 || err >= EMBOLO_ERROR_COUNT || error_messages[err] == 0)
        return "unknown error";
    return error_messages[err];
}

int embolo_error_exit_code(embolo_error err)
{
    if ((int)err < 0 || err >= EMBOLO_ERROR_COUNT)
        return 70;
    return error_exit_codes[err];
}
