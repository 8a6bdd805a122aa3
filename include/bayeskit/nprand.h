/*
 * A bit-exact replica of NumPy's legacy `numpy.random.RandomState`, so that
 * the seed notebooks' data (`np.random.seed(42); np.random.uniform(...)`) can
 * be regenerated without Python.
 *
 *  - MT19937 (Matsumoto & Nishimura 1998) seeded by `init_genrand(seed)`,
 *    which is what `np.random.seed(int)` does. GSL's mt19937 cannot stand in:
 *    it maps seed 0 to 4357 and returns 32-bit doubles.
 *  - `random_sample`: 53-bit doubles (a*2^26 + b) / 2^53 from two outputs,
 *    a = x1 >> 5, b = x2 >> 6.
 *  - `standard_normal`: Marsaglia's polar method, returning the second value
 *    of each pair and caching the first for the next call, exactly as
 *    NumPy's `legacy_gauss`.
 *
 * Use `bk_rng` for BayesKit's own randomness; this stream exists only to
 * reproduce published notebooks.
 */
#ifndef BAYESKIT_NPRAND_H
#define BAYESKIT_NPRAND_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BK_NPRAND_N 624

/** The full state of a legacy RandomState; a plain value, copy it freely. */
typedef struct bk_nprand {
    uint32_t key[BK_NPRAND_N];
    int pos;
    int has_gauss;
    double gauss;
} bk_nprand;

/** `np.random.seed(seed)` for an integer seed in [0, 2^32). */
void bk_nprand_seed(bk_nprand *state, uint32_t seed);

/** Next raw 32-bit MT19937 output. */
uint32_t bk_nprand_next_u32(bk_nprand *state);

/** `np.random.random_sample()`: uniform [0, 1) with 53 bits. */
double bk_nprand_random_sample(bk_nprand *state);

/** `np.random.standard_normal()` (legacy polar method with its cache). */
double bk_nprand_standard_normal(bk_nprand *state);

/** `np.random.uniform(low, high, n)` into `out`. */
void bk_nprand_uniform(bk_nprand *state, double low, double high, size_t n, double *out);

/** `np.random.normal(loc, scale, n)` into `out`; scale >= 0 as NumPy requires. */
int bk_nprand_normal(bk_nprand *state, double loc, double scale, size_t n, double *out, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
