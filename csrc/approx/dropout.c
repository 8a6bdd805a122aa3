/*
 * Inverted dropout masks and MC dropout (Gal & Ghahramani 2016): T
 * stochastic forward passes of one trained network, pass t on its own
 * random stream, in parallel.
 */
#include "approx_internal.h"
#include "omp_shim.h"

#include <stdlib.h>
#include <string.h>

int bk_dropout_mask(bk_rng *rng, double p, size_t m, double *mask, bk_error *err) {
    if (!rng || (m > 0 && !mask)) return bk_error_set(err, BK_EINVAL, "generator or mask is NULL");
    if (!(p >= 0.0 && p < 1.0)) return bk_error_set(err, BK_EINVAL, "dropout rate must be in [0, 1), got %g", p);
    const double keep = 1.0 / (1.0 - p);
    for (size_t i = 0; i < m; i++) mask[i] = bk_rng_uniform(rng) < p ? 0.0 : keep;
    return BK_SUCCESS;
}

int bk_approx_mc_dropout(const bk_net *net, const double *theta, const double *rates, size_t nrates,
                         double dropconnect, size_t T, uint64_t seed, uint64_t stream0, size_t n, const double *x,
                         double *out, int nthreads, bk_error *err) {
    bk_init();
    if (!net || !theta || !x || !out) return bk_error_set(err, BK_EINVAL, "network, weights, inputs or output is NULL");
    if (T == 0) return bk_error_set(err, BK_EINVAL, "MC dropout needs T >= 1 passes, got 0");
    if (n == 0) return BK_SUCCESS;
    int st = bk_approx_rates_check(net, rates, nrates, dropconnect, err);
    if (st) return st;
    if (!bk_all_finite(x, n * net->widths[0])) return bk_error_set(err, BK_ENONFINITE, "inputs contain NaN or infinity");
    const size_t k = net->widths[net->nlayers];
    int failed = 0;
    const int threads = bk_net_uses_blas(net, n) ? 1 : bk_resolve_threads(nthreads);
    const long long count = (long long)T;
#pragma omp parallel num_threads(threads)
    {
        bk_net_work *ws = NULL;
        bk_rng *rng = NULL;
        bk_approx_masks mk;
        memset(&mk, 0, sizeof mk);
        int ok = bk_net_work_alloc(net, n, &ws, NULL) == BK_SUCCESS && bk_rng_alloc(seed, stream0, &rng, NULL) == 0 &&
                 bk_approx_masks_alloc(net, rates, dropconnect, n, &mk) == BK_SUCCESS;
        if (!ok) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
        for (long long t = 0; t < count; t++) {
            if (!ok) continue;
            bk_rng_reset(rng, seed, stream0 + (uint64_t)t);
            const double *tw = bk_approx_masks_draw(rng, net, rates, dropconnect, n, theta, &mk);
            const double *f = bk_net_forward_masked_raw(net, tw, n, x, ws, (const double *const *)mk.layer);
            memcpy(out + (size_t)t * n * k, f, n * k * sizeof *out);
        }
        bk_approx_masks_free(net, &mk);
        bk_rng_free(rng);
        bk_net_work_free(ws);
    }
    if (failed) return bk_error_set(err, BK_ENOMEM, "cannot allocate MC dropout buffers for %zu rows", n);
    return BK_SUCCESS;
}
