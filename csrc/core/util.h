/*
 * Small helpers the training loops share (internal; not installed).
 */
#ifndef BAYESKIT_UTIL_H
#define BAYESKIT_UTIL_H

#include "bayeskit/rng.h"

#include <stddef.h>
#include <time.h>

/* Seconds on the monotonic clock (needs _POSIX_C_SOURCE >= 199309L in the including file). */
static inline double bk_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* perm = a uniformly random permutation of 0..n-1 (Fisher-Yates, from the top) drawn from `rng`:
 * the epoch order of every minibatch loop. */
static inline void bk_shuffle_indices(bk_rng *rng, size_t n, size_t *perm) {
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)(bk_rng_uniform(rng) * (double)(i + 1));
        if (j > i) j = i;
        const size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

#endif
