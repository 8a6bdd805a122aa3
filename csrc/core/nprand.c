#include "bayeskit/nprand.h"

#include <math.h>

void bk_nprand_seed(bk_nprand *state, uint32_t seed) {
    /* init_genrand: key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i */
    state->key[0] = seed;
    for (int i = 1; i < BK_NPRAND_N; i++) {
        uint32_t prev = state->key[i - 1];
        state->key[i] = 1812433253U * (prev ^ (prev >> 30)) + (uint32_t)i;
    }
    state->pos = BK_NPRAND_N;
    state->has_gauss = 0;
    state->gauss = 0.0;
}

#define MT_M 397
#define MATRIX_A 0x9908b0dfU
#define UPPER_MASK 0x80000000U
#define LOWER_MASK 0x7fffffffU

static void mt_generate(bk_nprand *state) {
    uint32_t *mt = state->key;
    int i;
    for (i = 0; i < BK_NPRAND_N - MT_M; i++) {
        uint32_t y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
        mt[i] = mt[i + MT_M] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
    }
    for (; i < BK_NPRAND_N - 1; i++) {
        uint32_t y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
        mt[i] = mt[i + (MT_M - BK_NPRAND_N)] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
    }
    uint32_t y = (mt[BK_NPRAND_N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[BK_NPRAND_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
    state->pos = 0;
}

uint32_t bk_nprand_next_u32(bk_nprand *state) {
    if (state->pos >= BK_NPRAND_N) mt_generate(state);
    uint32_t y = state->key[state->pos++];
    /* tempering */
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

double bk_nprand_random_sample(bk_nprand *state) {
    uint32_t a = bk_nprand_next_u32(state) >> 5, b = bk_nprand_next_u32(state) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

double bk_nprand_standard_normal(bk_nprand *state) {
    if (state->has_gauss) {
        state->has_gauss = 0;
        double cached = state->gauss;
        state->gauss = 0.0;
        return cached;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * bk_nprand_random_sample(state) - 1.0;
        x2 = 2.0 * bk_nprand_random_sample(state) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    state->gauss = f * x1;
    state->has_gauss = 1;
    return f * x2;
}

void bk_nprand_uniform(bk_nprand *state, double low, double high, size_t n, double *out) {
    double range = high - low;
    for (size_t i = 0; i < n; i++) out[i] = low + range * bk_nprand_random_sample(state);
}

int bk_nprand_normal(bk_nprand *state, double loc, double scale, size_t n, double *out, bk_error *err) {
    if (!(scale >= 0)) return bk_error_set(err, BK_EINVAL, "normal scale must be >= 0, got %g", scale);
    for (size_t i = 0; i < n; i++) out[i] = loc + scale * bk_nprand_standard_normal(state);
    return BK_SUCCESS;
}
