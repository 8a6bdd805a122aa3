/*
 * The diagnostics workspace (one per thread), input checks and chain
 * splitting shared by every diagnostic.
 */
#include "diag_internal.h"

#include <stdlib.h>

int bk_diag__check_shape(size_t nchains, size_t ndraws, bk_error *err) {
    if (nchains < 1) return bk_error_set(err, BK_EINVAL, "diagnostics need at least 1 chain, got 0");
    if (ndraws < BK_DIAG_MIN_DRAWS)
        return bk_error_set(err, BK_EINVAL, "diagnostics need at least %d draws per chain, got %zu",
                            BK_DIAG_MIN_DRAWS, ndraws);
    size_t total = nchains * ndraws;
    if (total / nchains != ndraws || total > ((size_t)1 << 40))
        return bk_error_set(err, BK_EINVAL, "diagnostics input of %zu chains x %zu draws is too large",
                            nchains, ndraws);
    return BK_SUCCESS;
}

int bk_diag_workspace_alloc(size_t nchains, size_t ndraws, bk_diag_workspace **out, bk_error *err) {
    bk_init();
    if (!out) return bk_error_set(err, BK_EINVAL, "diagnostics workspace output pointer is NULL");
    int s = bk_diag__check_shape(nchains, ndraws, err);
    if (s) return s;
    size_t total = nchains * ndraws;
    bk_diag_workspace *w = calloc(1, sizeof *w);
    if (!w) return bk_error_set(err, BK_ENOMEM, "cannot allocate a diagnostics workspace");
    w->nchains = nchains;
    w->ndraws = ndraws;
    w->half = ndraws / 2;
    w->a = malloc(total * sizeof *w->a);
    w->b = malloc(total * sizeof *w->b);
    w->idx = malloc(total * sizeof *w->idx);
    w->idx_tmp = malloc(total * sizeof *w->idx_tmp);
    w->hist = malloc(bk_diag__sort_hist_size() * sizeof *w->hist);
    w->acov = malloc(ndraws * sizeof *w->acov);
    w->chain_acov = malloc(ndraws * sizeof *w->chain_acov);
    w->rho = malloc(ndraws * sizeof *w->rho);
    w->cmean = malloc(2 * nchains * sizeof *w->cmean);
    if (!w->a || !w->b || !w->idx || !w->idx_tmp || !w->hist || bk_diag__fft_prepare(&w->fft, w->half) || !w->acov || !w->chain_acov || !w->rho || !w->cmean) {
        bk_diag_workspace_free(w);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a diagnostics workspace for %zu chains x %zu draws",
                            nchains, ndraws);
    }
    *out = w;
    return BK_SUCCESS;
}

void bk_diag_workspace_free(bk_diag_workspace *w) {
    if (!w) return;
    free(w->a);
    free(w->b);
    free(w->idx);
    free(w->idx_tmp);
    free(w->hist);
    bk_diag__fft_release(&w->fft);
    free(w->acov);
    free(w->chain_acov);
    free(w->rho);
    free(w->cmean);
    free(w);
}

int bk_diag__check_finite(const bk_diag_workspace *w, const double *x, bk_error *err) {
    if (!w) return bk_error_set(err, BK_EINVAL, "diagnostics workspace is NULL");
    if (!x) return bk_error_set(err, BK_EINVAL, "diagnostics draws pointer is NULL");
    for (size_t c = 0; c < w->nchains; c++)
        for (size_t d = 0; d < w->ndraws; d++) {
            double v = x[c * w->ndraws + d];
            if (!isfinite(v))
                return bk_error_set(err, BK_ENONFINITE, "chain %zu, draw %zu is %s", c, d,
                                    isnan(v) ? "NaN" : (v > 0 ? "infinite" : "-infinite"));
        }
    return BK_SUCCESS;
}

int bk_diag__is_constant(size_t n, const double *x) {
    double lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    return hi - lo < BK_DIAG_CONSTANT_TOL;
}

void bk_diag__split(const bk_diag_workspace *w, const double *x, double *out) {
    const size_t n = w->ndraws, h = w->half, C = w->nchains;
    for (size_t c = 0; c < C; c++) {
        const double *chain = x + c * n;
        for (size_t t = 0; t < h; t++) {
            out[c * h + t] = chain[t];
            out[(C + c) * h + t] = chain[n - h + t];
        }
    }
}
