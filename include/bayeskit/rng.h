/*
 * Random number streams.
 *
 * A `bk_rng` is one GSL generator (type "bk_xoshiro256pp", xoshiro256++ of
 * Blackman & Vigna 2021, "Scrambled linear pseudorandom number generators",
 * ACM TOMS 47(4)) whose 256-bit state is derived from a pair
 * (seed, stream) by splitmix64 (Steele, Lea & Flood 2014). Stream k of a
 * seed is the same sequence whatever the thread count and whichever thread
 * draws it, so one stream per chain / ensemble member / Monte Carlo worker
 * makes parallel results reproducible. Every `gsl_ran_*` sampler runs on it.
 *
 * Thread-safety: a `bk_rng` is used by one thread at a time; distinct
 * streams may be used concurrently.
 */
#ifndef BAYESKIT_RNG_H
#define BAYESKIT_RNG_H

#include "bayeskit/core.h"
#include "bayeskit/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_rng bk_rng;

/** splitmix64 finaliser: a bijection of 64-bit words with full avalanche. */
uint64_t bk_splitmix64(uint64_t x);

/**
 * The 64-bit key of stream `stream` under `seed`:
 * splitmix64(splitmix64(seed) + golden * (stream + 1)). Distinct streams of
 * one seed give distinct keys (the map is a bijection in `stream`).
 */
uint64_t bk_seed_mix(uint64_t seed, uint64_t stream);

/** Allocates the generator for (seed, stream) into `*out`; free with bk_rng_free. */
int bk_rng_alloc(uint64_t seed, uint64_t stream, bk_rng **out, bk_error *err);

/** Frees a generator; NULL is allowed. */
void bk_rng_free(bk_rng *rng);

/** Resets `rng` to the start of stream (seed, stream). */
void bk_rng_reset(bk_rng *rng, uint64_t seed, uint64_t stream);

uint64_t bk_rng_seed(const bk_rng *rng);
uint64_t bk_rng_stream(const bk_rng *rng);

/** Next raw 64-bit output. */
uint64_t bk_rng_next_u64(bk_rng *rng);

/** Uniform double in [0, 1) with 53 random bits. */
double bk_rng_uniform(bk_rng *rng);

/** Uniform double in (0, 1). */
double bk_rng_uniform_pos(bk_rng *rng);

/** Standard normal draw (GSL's ziggurat). */
double bk_rng_normal(bk_rng *rng);

/** Fills `out[0..n)` with uniform [0, 1) draws. */
void bk_rng_uniform_fill(bk_rng *rng, size_t n, double *out);

/** Fills `out[0..n)` with independent N(mean, sd^2) draws; sd >= 0. */
int bk_rng_normal_fill(bk_rng *rng, double mean, double sd, size_t n, double *out, bk_error *err);

/**
 * Standard normal draws from many streams in parallel: row k of the
 * row-major `nstreams x n` array `out` holds the first `n` draws of stream
 * `first_stream + k` of `seed`. OpenMP over streams with
 * bk_resolve_threads(nthreads) threads; the result does not depend on it.
 * When `progress` is not NULL it must have `nstreams` tasks; task k counts
 * the draws of stream k, in blocks of 4096.
 */
int bk_rng_normal_streams(uint64_t seed, uint64_t first_stream, size_t nstreams, size_t n, double *out,
                          int nthreads, bk_progress *progress, bk_error *err);

/** Size in bytes of the generator state, for checkpoints. */
size_t bk_rng_state_size(void);

/** Copies the generator state into `buf` (bk_rng_state_size() bytes). */
void bk_rng_state_get(const bk_rng *rng, void *buf);

/** Restores a state saved by bk_rng_state_get. */
void bk_rng_state_set(bk_rng *rng, const void *buf);

#ifdef __cplusplus
}
#endif
#endif
