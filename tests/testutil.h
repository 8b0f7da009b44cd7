/* Helpers shared by the cmocka tests (include after cmocka.h). */
#ifndef EMBOLO_TESTUTIL_H
#define EMBOLO_TESTUTIL_H

#include <math.h>
#include <stdio.h>

/* Fails unless got equals want to a relative tolerance (absolute below 1e-300); NAN matches NAN. */
#define assert_close(got, want, rtol) assert_close_at((got), (want), (rtol), __FILE__, __LINE__)

static inline void assert_close_at(double got, double want, double rtol, const char *file, int line)
{
    if (isnan(want) && isnan(got))
        return;
    double scale = fabs(want) > 1e-300 ? fabs(want) : 1e-300;
    if (isnan(got) || isnan(want) || fabs(got - want) > rtol * scale) {
        print_error("got %.15g, want %.15g (rtol %g)\n", got, want, rtol);
        _fail(file, line);
    }
}

#endif
