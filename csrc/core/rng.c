#include "rng_internal.h"
#include "lines.h"
#include "omp_shim.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

struct bk_rng {
    gsl_rng *gsl;
    uint64_t seed;
    uint64_t stream;
};

/* ---- splitmix64 (Steele, Lea & Flood 2014; Vigna's reference code) ---- */

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15ULL

uint64_t bk_splitmix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

uint64_t bk_seed_mix(uint64_t seed, uint64_t stream) {
    return bk_splitmix64(bk_splitmix64(seed) + GOLDEN_GAMMA * (stream + 1));
}

/* ---- xoshiro256++ as a GSL generator type ---- */

typedef struct { uint64_t s[4]; } xoshiro_state;

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t xoshiro_next(xoshiro_state *st) {
    uint64_t *s = st->s;
    const uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Fills the state with four consecutive splitmix64 outputs from `key`, as the
 * xoshiro authors recommend; the state is never all zero. */
static void xoshiro_seed_key(xoshiro_state *st, uint64_t key) {
    for (int i = 0; i < 4; i++) {
        key += GOLDEN_GAMMA;
        st->s[i] = bk_splitmix64(key);
    }
    if ((st->s[0] | st->s[1] | st->s[2] | st->s[3]) == 0) st->s[0] = GOLDEN_GAMMA;
}

static void xoshiro_set(void *vstate, unsigned long seed) {
    xoshiro_seed_key((xoshiro_state *)vstate, bk_seed_mix((uint64_t)seed, 0));
}

/* GSL generators report a range [min, max]; BayesKit exposes the upper 32 bits
 * (the best bits of xoshiro256++) so that GSL's integer samplers, written for
 * 32-bit generators, see the range they expect. Doubles use 53 bits. */
static unsigned long xoshiro_get(void *vstate) {
    return (unsigned long)(xoshiro_next((xoshiro_state *)vstate) >> 32);
}

static double xoshiro_get_double(void *vstate) {
    return (double)(xoshiro_next((xoshiro_state *)vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "bk_xoshiro256pp", 0xffffffffUL, 0, sizeof(xoshiro_state),
    &xoshiro_set, &xoshiro_get, &xoshiro_get_double};

/* ---- bk_rng ---- */

int bk_rng_alloc(uint64_t seed, uint64_t stream, bk_rng **out, bk_error *err) {
    bk_init();
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    /* gsl_rng_alloc's layout (gsl_rng_free releases it) on whole cache
     * lines: streams of parallel chains never share a line. */
    bk_rng *rng = bk_calloc_lines(1, sizeof *rng);
    gsl_rng *g = rng ? bk_calloc_lines(1, sizeof *g) : NULL;
    void *state = g ? bk_calloc_lines(1, xoshiro_type.size) : NULL;
    if (!state) {
        free(g);
        free(rng);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a random stream");
    }
    g->type = &xoshiro_type;
    g->state = state;
    rng->gsl = g;
    bk_rng_reset(rng, seed, stream);
    *out = rng;
    return BK_SUCCESS;
}

void bk_rng_free(bk_rng *rng) {
    if (!rng) return;
    gsl_rng_free(rng->gsl);
    free(rng);
}

void bk_rng_reset(bk_rng *rng, uint64_t seed, uint64_t stream) {
    rng->seed = seed;
    rng->stream = stream;
    xoshiro_seed_key((xoshiro_state *)rng->gsl->state, bk_seed_mix(seed, stream));
}

uint64_t bk_rng_seed(const bk_rng *rng) { return rng->seed; }
uint64_t bk_rng_stream(const bk_rng *rng) { return rng->stream; }
gsl_rng *bk_rng_gsl(bk_rng *rng) { return rng->gsl; }

uint64_t bk_rng_next_u64(bk_rng *rng) { return xoshiro_next((xoshiro_state *)rng->gsl->state); }

double bk_rng_uniform(bk_rng *rng) { return gsl_rng_uniform(rng->gsl); }

double bk_rng_uniform_pos(bk_rng *rng) { return gsl_rng_uniform_pos(rng->gsl); }

double bk_rng_normal(bk_rng *rng) { return gsl_ran_gaussian_ziggurat(rng->gsl, 1.0); }

void bk_rng_uniform_fill(bk_rng *rng, size_t n, double *out) {
    for (size_t i = 0; i < n; i++) out[i] = gsl_rng_uniform(rng->gsl);
}

int bk_rng_normal_fill(bk_rng *rng, double mean, double sd, size_t n, double *out, bk_error *err) {
    if (!isfinite(mean)) return bk_error_set(err, BK_EINVAL, "normal mean must be finite, got %g", mean);
    if (!(sd >= 0) || !isfinite(sd))
        return bk_error_set(err, BK_EINVAL, "normal standard deviation must be finite and >= 0, got %g", sd);
    for (size_t i = 0; i < n; i++) out[i] = mean + sd * gsl_ran_gaussian_ziggurat(rng->gsl, 1.0);
    return BK_SUCCESS;
}

int bk_rng_normal_streams(uint64_t seed, uint64_t first_stream, size_t nstreams, size_t n, double *out,
                          int nthreads, bk_progress *progress, bk_error *err) {
    bk_init();
    if (nstreams == 0 || n == 0) return BK_SUCCESS;
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (progress && bk_progress_ntasks(progress) != nstreams)
        return bk_error_set(err, BK_EDIM, "progress has %zu tasks for %zu streams", bk_progress_ntasks(progress),
                            nstreams);
    for (size_t k = 0; progress && k < nstreams; k++) bk_progress_set_total(progress, k, n);
    int failed = 0;
    const long long count = (long long)nstreams;
#pragma omp parallel for schedule(dynamic) num_threads(bk_resolve_threads(nthreads))
    for (long long k = 0; k < count; k++) {
        gsl_rng *r = gsl_rng_alloc(&xoshiro_type);
        if (!r) {
            __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
            continue;
        }
        xoshiro_seed_key((xoshiro_state *)r->state, bk_seed_mix(seed, first_stream + (uint64_t)k));
        double *row = out + (size_t)k * n;
        for (size_t start = 0; start < n; start += 4096) {
            size_t end = start + 4096 < n ? start + 4096 : n;
            for (size_t i = start; i < end; i++) row[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
            bk_progress_add(progress, (size_t)k, end - start);
        }
        gsl_rng_free(r);
    }
    if (failed) return bk_error_set(err, BK_ENOMEM, "cannot allocate a random stream");
    return BK_SUCCESS;
}

size_t bk_rng_state_size(void) { return sizeof(xoshiro_state); }

void bk_rng_state_get(const bk_rng *rng, void *buf) {
    memcpy(buf, rng->gsl->state, sizeof(xoshiro_state));
}

void bk_rng_state_set(bk_rng *rng, const void *buf) {
    memcpy(rng->gsl->state, buf, sizeof(xoshiro_state));
}
