/* Holm's step-down adjustment of p-values (R's p.adjust(p, "holm")). Internal to the model stage. */
#ifndef EMBOLO_HOLM_H
#define EMBOLO_HOLM_H

#include <stddef.h>
#include "common/error.h"

/* adjusted[i] for p[0..n): with the m non-NAN values sorted, p_(i) -> max over j <= i of
 * min(1, (m - j + 1) p_(j)); a NAN stays NAN. adjusted may be p. */
embolo_error holm_adjust(const double *p, size_t n, double *adjusted);

#endif
