/* `embolo simulate` (outputs.md): a synthetic cohort in the NET schema of inputs/net_sample_155.csv,
 * calibrated to the published marginals (Chen et al., CVIR 2017), for demonstrations and benchmarks.
 *
 * The generator streams: one row is drawn and written at a time, in constant memory at any n. The
 * same n and seed give byte-identical output (GSL's gsl_rng_mt19937 seeded with the seed).
 *
 * Model, per patient (categorical counts are drawn without replacement from urns holding the target
 * counts scaled to n, so that n = 155 gives exactly the published 71/68/8/8, 75/60/20 and 50/64/41):
 *   primary site x grade   joint table of the 155 (pancreas/gut/lung/other 71/68/8/8; G1/G2/G3 75/60/20)
 *   sex                    57% male;  age ~ normal(60, 12) on [24, 96], whole years
 *   ki67                   by grade: G1 0.5-2.9, G2 3-20, G3 20.1-60 (uniform, one decimal)
 *   burden                 100 x beta(1.5, 3.1), whole percent 1-99 (mean 33, 20% above 50)
 *   extrahepatic disease   38/45/60% by grade; hormonal syndrome 48%; prior liver surgery 19%
 *   modality               TACE/TARE/TAE 50/64/41, confounded: a multinomial logit in burden > 50,
 *                          grade and primary site whose intercepts are calibrated to the marginals
 *   treatment date         uniform 2000-01-01 .. 2015-12-31
 *   death                  Weibull (shape 0.9), hazard ratios burden > 50 1.8, TARE 2.0, extrahepatic 1.3
 *   hepatic progression    Weibull (shape 1.2), hazard ratios burden > 50 1.7, extrahepatic 1.25
 *   censoring              administrative at 2016-06-30, loss to follow-up at 3% a year
 * The Weibull scale of each grade is solved (over the covariate mixture of that grade) so that the
 * grade's marginal median OS and HPFS (earliest of progression and death) are the published
 * 125.1/18.5 months (G1), 33.9/12.2 (G2), 9.3/4.9 (G3). */
#ifndef EMBOLO_SIMULATE_H
#define EMBOLO_SIMULATE_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

#define SIMULATE_DEFAULT_N 155UL
#define SIMULATE_MAX_N 1000000000UL
#define SIMULATE_DEFAULT_SEED 1UL
/* gsl_rng_mt19937 uses the low 32 bits of its seed and takes 0 for its default 4357: seeds are
 * 1 .. 4294967295, so that different seeds give different cohorts. */
#define SIMULATE_MAX_SEED 4294967295UL

/* With a procedures stream (simulate --procedures-out), one row per embolization session in the
 * columns of ../shared/data/net_sample_155.procedures.csv, consistent with the cohort: session 1 on
 * the patient's treatment date with its modality; repeat sessions (4 to 26 weeks apart, while alive
 * and followed) for 60/24/39% of TACE/TARE/TAE patients; crossovers to another modality in 5% of
 * later sessions; the worst AE per session by modality (CTCAE 0-4; 5 only for a death within 30
 * days); technical success 96-99%; Y-90 activity for TARE only (lognormal, median 1.7 GBq);
 * operators IR-01 .. IR-08 nested in the centres, IR-06 with three times the odds of a major AE.
 * The procedures have their own generator: the cohort is the same with or without them. */

/* Writes the header and n rows to out (not closed). Fails with EMBOLO_ERROR_OUTPUT when a write
 * fails, EMBOLO_ERROR_USAGE for n or seed out of range, EMBOLO_ERROR_NOMEM when GSL cannot allocate. */
embolo_error simulate_write(FILE *out, const char *out_name, unsigned long n, unsigned long seed, char *message,
                            size_t message_size);

/* The same, with the procedures to `procedures` (NULL: none; not closed). */
embolo_error simulate_write_with_procedures(FILE *out, const char *out_name, FILE *procedures,
                                            const char *procedures_name, unsigned long n, unsigned long seed,
                                            char *message, size_t message_size);

/* Writes the cohort to path through a temporary file in the same directory renamed into place (a
 * failure leaves no partial file and an earlier file untouched); path NULL or "-" writes to stdout. */
embolo_error simulate_to_path(const char *path, unsigned long n, unsigned long seed, char *message,
                              size_t message_size);

/* The same, and the procedures to procedures_path (NULL: none) the same way; both are renamed into
 * place only when both were written. */
embolo_error simulate_to_paths(const char *path, const char *procedures_path, unsigned long n, unsigned long seed,
                               char *message, size_t message_size);

#endif
