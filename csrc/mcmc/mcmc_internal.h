/*
 * Fast standard normals for the random-walk hot path: a 256-layer ziggurat
 * (Marsaglia & Tsang 2000, "The ziggurat method for generating random
 * variables", J. Stat. Softw. 5(8); 64-bit layout as in NumPy's Generator:
 * 8 bits pick the layer, 1 bit the sign, 52 bits the abscissa) driven by an
 * inlined copy of the stream's xoshiro256++ state. The state is loaded from
 * the bk_rng before a batch and stored back after it (bk_rng_state_get/set),
 * so the bk_rng advances exactly as if bk_rng_next_u64 had been called and
 * stream k stays stream k. About 4 ns per draw against ~15 ns through GSL's
 * function pointers.
 */
#ifndef BAYESKIT_MCMC_INTERNAL_H
#define BAYESKIT_MCMC_INTERNAL_H

#include "bayeskit/mcmc.h"

#include <math.h>
#include <stdint.h>

#define BK_ZIG_LAYERS 256

typedef struct bk_zig_table {
    uint64_t k[BK_ZIG_LAYERS];
    double w[BK_ZIG_LAYERS];
    double f[BK_ZIG_LAYERS];
} bk_zig_table;

/** Fills the ziggurat tables (deterministic, ~10 us). */
void bk_zig_table_init(bk_zig_table *t);

/** 1 when the bk_rng state is the 32-byte xoshiro256++ state this fast path mirrors. */
int bk_zig_rng_compatible(void);

typedef struct bk_xoshiro { uint64_t s[4]; } bk_xoshiro;

static inline uint64_t bk_xo_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t bk_xo_next(bk_xoshiro *st) {
    uint64_t *s = st->s;
    const uint64_t result = bk_xo_rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = bk_xo_rotl(s[3], 45);
    return result;
}

/** Uniform in [0, 1) with 53 bits (the same mapping as bk_rng_uniform). */
static inline double bk_xo_uniform(bk_xoshiro *st) { return (double)(bk_xo_next(st) >> 11) * 0x1.0p-53; }

#define BK_ZIG_R 3.6541528853610088
#define BK_ZIG_INV_R (1.0 / 3.6541528853610088)

/* The rare paths (wedges and the tail, < 1% of draws), out of line. `u` is the rejected word. */
double bk_zig_normal_slow(const bk_zig_table *t, bk_xoshiro *st, uint64_t u);

/* The fast path, forced inline so the generator state stays in registers. */
static inline __attribute__((always_inline)) double bk_zig_normal(const bk_zig_table *t, bk_xoshiro *st) {
    const uint64_t u = bk_xo_next(st);
    const unsigned idx = (unsigned)(u & 0xff);
    const uint64_t m = u >> 12; /* 52 bits */
    if (__builtin_expect(m < t->k[idx], 1)) {
        /* m < 2^52: the signed conversion is one instruction; the sign is
         * applied without a branch (a random sign would mispredict half the time). */
        union { double d; uint64_t b; } x = {(double)(int64_t)m * t->w[idx]};
        x.b ^= (u << 55) & 0x8000000000000000ULL; /* bit 8 of u */
        return x.d;
    }
    return bk_zig_normal_slow(t, st, u);
}

#endif
