/* Helpers shared by the distribution kernels; private to csrc/distributions. */
#ifndef BAYESKIT_DIST_INTERNAL_H
#define BAYESKIT_DIST_INTERNAL_H

#include "bayeskit/distributions.h"

#include <gsl/gsl_math.h> /* M_PI, M_SQRT2 under -std=c11 */
#include <math.h>

#define BK_LOG_2PI 1.8378770664093454836 /* log(2 pi) */
#define BK_LOG_PI 1.1447298858494001741  /* log(pi) */

/* a * log(x) with the convention 0 * log(0) = 0, so that densities at the
 * edge of the support (Gamma with shape 1 at 0, Beta with alpha 1 at 0) are
 * finite instead of NaN. */
static inline double bk_xlogy(double a, double x) { return a == 0.0 ? 0.0 : a * log(x); }

/* a * log1p(x), with the same convention. */
static inline double bk_xlog1py(double a, double x) { return a == 0.0 ? 0.0 : a * log1p(x); }

/* 1 when d holds a kind bk_dist_init could have produced. */
static inline int bk_dist_kind_ok(const bk_dist *d) {
    return d != NULL && d->kind >= 0 && d->kind < BK_DIST_KIND_COUNT;
}

#endif
