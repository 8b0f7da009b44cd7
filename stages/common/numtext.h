/* Number printing for the output files without printf's cost, byte for byte what printf prints. */
#ifndef EMBOLO_NUMTEXT_H
#define EMBOLO_NUMTEXT_H

#include <stddef.h>

/* Room for any numtext_g12 text with its NUL ("-1.23456789012e-308"). */
#define NUMTEXT_SIZE 32

/* Writes value as snprintf(out, NUMTEXT_SIZE, "%.12g", value) would (glibc: the exact binary value
 * rounded to 12 significant digits, half to even) and returns out. Integers and values with 12
 * significant digits a long double pins down unambiguously are converted here; the others (a
 * rounding within 1e-6 of a tie, magnitudes beyond 1e-16 .. 1e39, inf, nan) by snprintf itself. */
char *numtext_g12(double value, char out[NUMTEXT_SIZE]);

#endif
