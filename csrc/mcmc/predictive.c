/*
 * Prior and posterior predictive summaries of a network over S weight draws:
 * f_s = f(x; theta_s) by bk_net_predict (OpenMP over draws), observations
 * y_s = f_s + sigma_s eps_s with eps_s from RNG stream s (so the numbers do
 * not depend on which thread handles draw s), then per output cell the mean,
 * sd (divisor S - 1) and quantiles (linear interpolation, numpy's default)
 * over s, OpenMP over cells.
 */
#include "bayeskit/mcmc.h"
#include "omp_shim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Summaries of column c of the S x K array `a`, using `buf` (S values). */
static void summarize_cell(size_t S, size_t K, size_t c, const double *a, size_t m, const double *levels, double *buf,
                           double *mean, double *sd, double *q) {
    double sum = 0;
    for (size_t s = 0; s < S; s++) {
        buf[s] = a[s * K + c];
        sum += buf[s];
    }
    const double mu = sum / (double)S;
    double ss = 0;
    for (size_t s = 0; s < S; s++) ss += (buf[s] - mu) * (buf[s] - mu);
    if (mean) mean[c] = mu;
    if (sd) sd[c] = S > 1 ? sqrt(ss / (double)(S - 1)) : NAN;
    if (!q || m == 0) return;
    qsort(buf, S, sizeof *buf, cmp_double);
    for (size_t j = 0; j < m; j++) {
        const double h = (double)(S - 1) * levels[j];
        size_t lo = (size_t)floor(h);
        if (lo >= S - 1) {
            q[j * K + c] = buf[S - 1];
            continue;
        }
        q[j * K + c] = buf[lo] + (h - (double)lo) * (buf[lo + 1] - buf[lo]);
    }
}

int bk_predictive_summary(const bk_net *net, size_t S, const double *thetas, size_t ldtheta, size_t n, const double *x,
                          int noise, double sigma, uint64_t seed, size_t m, const double *levels, double *f_mean,
                          double *f_sd, double *f_q, double *y_mean, double *y_sd, double *y_q, double *f_samples,
                          int nthreads, bk_error *err) {
    bk_init();
    if (!net) return bk_error_set(err, BK_EINVAL, "network is NULL");
    if (S == 0) return bk_error_set(err, BK_EINVAL, "predictive needs at least 1 weight draw, got 0");
    if (n == 0) return bk_error_set(err, BK_EINVAL, "predictive needs at least 1 input row, got 0");
    if (!thetas || !x) return bk_error_set(err, BK_EINVAL, "weight draws or inputs are NULL");
    const size_t P = bk_net_nparams(net);
    if (noise != BK_PRED_NOISE_NONE && noise != BK_PRED_NOISE_FIXED && noise != BK_PRED_NOISE_LEARNED)
        return bk_error_set(err, BK_EINVAL, "unknown predictive noise kind %d", noise);
    const size_t need = P + (noise == BK_PRED_NOISE_LEARNED ? 1 : 0);
    if (ldtheta < need)
        return bk_error_set(err, BK_EDIM, "weight draws have %zu columns but %zu are needed", ldtheta, need);
    if (noise == BK_PRED_NOISE_FIXED && !(sigma > 0 && isfinite(sigma)))
        return bk_error_set(err, BK_EINVAL, "noise standard deviation must be > 0 and finite, got %g", sigma);
    if (m > 0 && !levels) return bk_error_set(err, BK_EINVAL, "quantile levels are NULL");
    for (size_t j = 0; j < m; j++)
        if (!(levels[j] >= 0 && levels[j] <= 1))
            return bk_error_set(err, BK_EINVAL, "quantile level %zu must be in [0, 1], got %g", j, levels[j]);
    for (size_t s = 0; s < S; s++)
        if (!bk_all_finite(thetas + s * ldtheta, need))
            return bk_error_set(err, BK_ENONFINITE, "weight draw %zu contains NaN or infinity", s);

    const size_t K = n * bk_net_noutputs(net);
    int T = bk_net_uses_blas(net, n) ? 1 : bk_resolve_threads(nthreads);
    double *f = f_samples ? f_samples : malloc(S * K * sizeof *f);
    double *y = noise != BK_PRED_NOISE_NONE ? malloc(S * K * sizeof *y) : NULL;
    if (!f || (noise != BK_PRED_NOISE_NONE && !y)) {
        if (f != f_samples) free(f);
        free(y);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu x %zu predictive values", S, K);
    }
    int status = bk_net_predict(net, S, thetas, ldtheta, n, x, f, T, err);
    int failed = 0;
    if (status == BK_SUCCESS && y) {
        T = bk_resolve_threads(nthreads);
        const long long count = (long long)S;
#pragma omp parallel num_threads(T)
        {
            bk_rng *rng = NULL;
            if (bk_rng_alloc(seed, 0, &rng, NULL) != BK_SUCCESS) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
            for (long long ss = 0; ss < count; ss++) {
                if (!rng) continue;
                const size_t s = (size_t)ss;
                bk_rng_reset(rng, seed, s);
                const double sg = noise == BK_PRED_NOISE_LEARNED ? exp(thetas[s * ldtheta + P]) : sigma;
                for (size_t c = 0; c < K; c++) y[s * K + c] = f[s * K + c] + sg * bk_rng_normal(rng);
            }
            bk_rng_free(rng);
        }
        if (failed) status = bk_error_set(err, BK_ENOMEM, "cannot allocate a random stream");
    }
    if (status == BK_SUCCESS) {
        T = bk_resolve_threads(nthreads);
        const long long count = (long long)K;
#pragma omp parallel num_threads(T)
        {
            double *buf = malloc(S * sizeof *buf);
            if (!buf) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
            for (long long cc = 0; cc < count; cc++) {
                if (!buf) continue;
                summarize_cell(S, K, (size_t)cc, f, m, levels, buf, f_mean, f_sd, f_q);
                if (y) summarize_cell(S, K, (size_t)cc, y, m, levels, buf, y_mean, y_sd, y_q);
            }
            free(buf);
        }
        if (failed) status = bk_error_set(err, BK_ENOMEM, "cannot allocate predictive work buffers");
    }
    if (f != f_samples) free(f);
    free(y);
    return status;
}
