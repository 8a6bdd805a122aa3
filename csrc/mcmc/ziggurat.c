/*
 * Tables of the 256-layer ziggurat (Marsaglia & Tsang 2000) for 52-bit
 * abscissae, and bk_mcmc_normal_fill, the fast normal stream of the
 * random-walk kernel exposed for tests. See mcmc_internal.h.
 */
#include "mcmc_internal.h"

#define ZIG_V 4.92867323399e-3 /* area of each layer */

void bk_zig_table_init(bk_zig_table *t) {
    const double m1 = 4503599627370496.0; /* 2^52 */
    double dn = BK_ZIG_R, tn = dn;
    const double q = ZIG_V / exp(-0.5 * dn * dn);
    t->k[0] = (uint64_t)((dn / q) * m1);
    t->k[1] = 0;
    t->w[0] = q / m1;
    t->w[BK_ZIG_LAYERS - 1] = dn / m1;
    t->f[0] = 1.0;
    t->f[BK_ZIG_LAYERS - 1] = exp(-0.5 * dn * dn);
    for (int i = BK_ZIG_LAYERS - 2; i >= 1; i--) {
        dn = sqrt(-2.0 * log(ZIG_V / dn + exp(-0.5 * dn * dn)));
        t->k[i + 1] = (uint64_t)((dn / tn) * m1);
        tn = dn;
        t->f[i] = exp(-0.5 * dn * dn);
        t->w[i] = dn / m1;
    }
}

double bk_zig_normal_slow(const bk_zig_table *t, bk_xoshiro *st, uint64_t u) {
    for (;;) {
        const unsigned idx = (unsigned)(u & 0xff);
        const uint64_t sign = (u >> 8) & 1;
        const uint64_t m = u >> 12;
        double x = (double)(int64_t)m * t->w[idx];
        if (sign) x = -x;
        if (m < t->k[idx]) return x;
        if (idx == 0) {
            /* the tail beyond r (Marsaglia 1964) */
            for (;;) {
                const double xx = -BK_ZIG_INV_R * log1p(-bk_xo_uniform(st));
                const double yy = -log1p(-bk_xo_uniform(st));
                if (yy + yy > xx * xx) return sign ? -(BK_ZIG_R + xx) : BK_ZIG_R + xx;
            }
        }
        if (t->f[idx] + bk_xo_uniform(st) * (t->f[idx - 1] - t->f[idx]) < exp(-0.5 * x * x)) return x;
        u = bk_xo_next(st);
    }
}

int bk_zig_rng_compatible(void) { return bk_rng_state_size() == sizeof(bk_xoshiro); }

int bk_mcmc_normal_fill(bk_rng *rng, size_t n, double *out, bk_error *err) {
    if (!rng || (!out && n > 0)) return bk_error_set(err, BK_EINVAL, "random stream or output pointer is NULL");
    if (!bk_zig_rng_compatible())
        return bk_error_set(err, BK_EINTERNAL, "random stream state is not the xoshiro256++ state the fast path expects");
    bk_zig_table t;
    bk_zig_table_init(&t);
    bk_xoshiro st;
    bk_rng_state_get(rng, &st);
    for (size_t i = 0; i < n; i++) out[i] = bk_zig_normal(&t, &st);
    bk_rng_state_set(rng, &st);
    return BK_SUCCESS;
}
