/* "%.12g" without printf. A double a > 0 scaled by an exact power of ten into [1e11, 1e12) in long
 * double arithmetic carries one rounding (relative 2^-64 on x86's 64-bit mantissa): the integer
 * nearest the exact product is the one nearest the computed product unless the latter lies within the
 * error of a half. Those and everything out of the exact powers' range go to snprintf. Whether long
 * double really carries its mantissa is checked at run time (valgrind computes x87 arithmetic in
 * double precision): where it does not, the margin and the powers are those of double. */
#include "numtext.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIGNIFICANT 12
#define DIGITS_LOW 100000000000ULL    /* 1e11 */
#define DIGITS_HIGH 1000000000000ULL  /* 1e12 */
/* 10^k is exact while 5^k fits the mantissa: k <= 27 with 64 bits, 22 with double's 53. */
#define POW10_MAX_EXTENDED 27
#define POW10_MAX_DOUBLE 22

/* The precision the scaling can count on: 64 bits or more when long double arithmetic has them. */
typedef struct scaling {
    int pow10_max;
    long double tie_margin;  /* well above the scaled product's error, 1e12 * epsilon / 2 */
} scaling;

static scaling scaling_of_machine(void)
{
    volatile long double one = 1.0L, epsilon = LDBL_EPSILON;
    if (LDBL_MANT_DIG >= 64 && one + epsilon != one)
        return (scaling){POW10_MAX_EXTENDED, 1e12L * LDBL_EPSILON * 8.0L};
    return (scaling){POW10_MAX_DOUBLE, 1e12L * DBL_EPSILON * 8.0L};
}

static char *numtext_fallback(double value, char *out)
{
    snprintf(out, NUMTEXT_SIZE, "%.12g", value);
    return out;
}

static long double pow10_exact(int k)
{
    static const long double powers[] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    return powers[k];
}

/* The 12 significant digits of a > 0 rounded to nearest as an integer in [1e11, 1e12), and the
 * decimal exponent of its first digit; 0 when they cannot be told for certain here. */
static int digits_of(double a, uint64_t *digits, int *exponent)
{
    scaling precision = scaling_of_machine();
    /* floor(log10(a)) or one less: a's binary exponent times log10(2); a wrong guess costs an
     * attempt, two wrong ones the fallback. */
    int e = (int)floor((double)ilogb(a) * 0.30102999566398120);
    for (int attempt = 0; attempt < 2; attempt++) {
        int k = SIGNIFICANT - 1 - e;
        if (k > precision.pow10_max || -k > precision.pow10_max)
            return 0;
        long double s = k >= 0 ? (long double)a * pow10_exact(k) : (long double)a / pow10_exact(-k);
        if (s >= (long double)DIGITS_HIGH) {
            e++;
            continue;
        }
        if (s < (long double)DIGITS_LOW) {
            e--;
            continue;
        }
        long double whole = floorl(s), fraction = s - whole;
        if (fabsl(fraction - 0.5L) < precision.tie_margin)
            return 0;
        uint64_t d = (uint64_t)whole + (fraction > 0.5L);
        if (d == DIGITS_HIGH) {
            d = DIGITS_LOW;
            e++;
        }
        *digits = d;
        *exponent = e;
        return 1;
    }
    return 0;
}

/* Digits of an integer below 1e12 into out; returns their count. */
static size_t integer_text(uint64_t value, char *out)
{
    char reversed[24];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (size_t i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

/* printf's %g with precision 12 from the digits d[0..12) and exponent x: fixed notation for
 * -4 <= x < 12, else d.ddde+XX; trailing zeros of the fraction and a bare point dropped. */
static void digits_place(const char *d, int x, char *out)
{
    size_t last = SIGNIFICANT;
    while (last > 1 && d[last - 1] == '0')
        last--;
    if (x >= -4 && x < SIGNIFICANT) {
        if (x < 0) {
            memcpy(out, "0.", 2);
            out += 2;
            for (int z = 0; z < -x - 1; z++)
                *out++ = '0';
            memcpy(out, d, last);
            out += last;
        } else {
            size_t whole = (size_t)x + 1;
            memcpy(out, d, whole);
            out += whole;
            if (last > whole) {
                *out++ = '.';
                memcpy(out, d + whole, last - whole);
                out += last - whole;
            }
        }
        *out = '\0';
        return;
    }
    *out++ = d[0];
    if (last > 1) {
        *out++ = '.';
        memcpy(out, d + 1, last - 1);
        out += last - 1;
    }
    *out++ = 'e';
    *out++ = x < 0 ? '-' : '+';
    unsigned magnitude = (unsigned)(x < 0 ? -x : x);
    if (magnitude < 10)
        *out++ = '0';
    out += integer_text(magnitude, out);
    *out = '\0';
}

char *numtext_g12(double value, char out[NUMTEXT_SIZE])
{
    char *at = out, d[SIGNIFICANT + 1];
    uint64_t digits;
    int exponent;
    if (!isfinite(value))
        return numtext_fallback(value, out);
    if (signbit(value))
        *at++ = '-';
    double a = fabs(value);
    if (a == 0.0) {
        strcpy(at, "0");
        return out;
    }
    if (a < (double)DIGITS_HIGH && a == floor(a)) {
        at[integer_text((uint64_t)a, at)] = '\0';
        return out;
    }
    if (!digits_of(a, &digits, &exponent))
        return numtext_fallback(value, out);
    integer_text(digits, d);
    digits_place(d, exponent, at);
    return out;
}
