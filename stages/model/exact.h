/* Exact methods for counts (procedures.md, sections 4 and 5), internal to the model stage: the
 * Clopper-Pearson interval of R's binom.test, Fisher's exact test on a k x 2 table (R's fisher.test)
 * and R's quantile type 7. */
#ifndef EMBOLO_EXACT_H
#define EMBOLO_EXACT_H

#include <stddef.h>

/* The p-quantile of the beta(a, b) distribution (R's qbeta), a, b > 0, 0 < p < 1: GSL's inverse,
 * and where it does not converge (large a and b) bisection on GSL's beta CDF. */
double exact_beta_quantile(double p, double a, double b);

/* The Clopper-Pearson 95% interval of x events in n > 0 trials (binom.test(x, n)$conf.int):
 * lower = 0 if x = 0, else qbeta(0.025, x, n - x + 1); upper = 1 if x = n, else
 * qbeta(0.975, x + 1, n - x). */
void exact_binomial_ci(size_t x, size_t n, double *lower, double *upper);

/* Two-sided p of Fisher's exact test on the k x 2 table with events[i] of totals[i] in row i (rows
 * with a total of 0 are ignored; at most 64 others, else NAN): the sum of P(table) over the tables with the observed margins and
 * P(table) <= P(observed) (1 + 1e-7) for 2 rows, or log P(table) <= log P(observed) + 3.45254e-7 for
 * more (R's FEXACT), where P(table) = prod_i choose(totals_i, x_i) / choose(N, X). 1 when there is
 * no event or no non-event; NAN with fewer than 2 rows. Tables whose probability mass is below
 * 1e-30 are not enumerated (their whole contribution stays below 1e-20). */
double exact_fisher_kx2(const size_t *events, const size_t *totals, size_t k);

/* R's quantile(x, prob, type = 7) of n > 0 values sorted ascending. */
double exact_quantile7(const double *sorted, size_t n, double prob);

#endif
