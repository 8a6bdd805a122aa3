/* Access to the GSL generator inside a bk_rng, for BayesKit's own C code. */
#ifndef BAYESKIT_RNG_INTERNAL_H
#define BAYESKIT_RNG_INTERNAL_H

#include "bayeskit/rng.h"
#include <gsl/gsl_rng.h>

/** The GSL generator behind `rng`; valid as long as `rng` is. */
gsl_rng *bk_rng_gsl(bk_rng *rng);

#endif
