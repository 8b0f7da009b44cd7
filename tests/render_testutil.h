/* For the tests of the render stage's writers: a hand-made run's document built, then written. */
#ifndef EMBOLO_RENDER_TESTUTIL_H
#define EMBOLO_RENDER_TESTUTIL_H

#include "render/document.h"
#include "render/writers.h"

typedef embolo_error (*test_writer)(const document *d, const char *path, char *message, size_t message_size);

static inline embolo_error test_write_document(const render_input *in, test_writer write, const char *path,
                                               char *message, size_t message_size)
{
    embolo_error err;
    document *d = document_build(in, &err);
    if (d)
        err = write(d, path, message, message_size);
    document_free(d);
    return err;
}

#endif
