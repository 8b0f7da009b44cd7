#include "workbook.h"

#include <stdio.h>

embolo_error workbook_write(const render_input *in, const char *path, char *message, size_t message_size)
{
    (void)in;
    snprintf(message, message_size, "%s: the workbook is not built yet", path);
    return EMBOLO_ERROR_INTERNAL;
}
