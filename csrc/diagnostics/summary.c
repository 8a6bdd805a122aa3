/*
 * The per-parameter summary row (mean, sd, quantiles, MCSE of the mean,
 * bulk and tail ESS, rank-normalised split R-hat) and its parallel driver
 * over the parameters of [chain][draw][parameter] draws.
 *
 * MCSE of the mean (posterior's `mcse_mean`, ArviZ's `_mcse_mean`):
 *   sd(x) / sqrt(ESS of the split raw draws), sd over all draws with
 *   divisor S - 1.
 */
#include "diag_internal.h"
#include "omp_shim.h"

#include <stdlib.h>
#include <string.h>

static void mean_sd(size_t n, const double *x, double *mean, double *sd) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    double m = s / (double)n, ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = sqrt(ss / (double)(n - 1));
}

int bk_diag_mcse_mean(bk_diag_workspace *w, const double *x, double *mcse, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!mcse) return bk_error_set(err, BK_EINVAL, "MCSE output pointer is NULL");
    double mean, sd;
    mean_sd(w->nchains * w->ndraws, x, &mean, &sd);
    bk_diag__split(w, x, w->a);
    *mcse = sd / sqrt(bk_diag__ess_chains(w, 2 * w->nchains, w->half, w->a));
    return BK_SUCCESS;
}

int bk_diag_summarize(bk_diag_workspace *w, const double *x, bk_diag_summary_row *row, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!row) return bk_error_set(err, BK_EINVAL, "summary output pointer is NULL");
    const size_t total = w->nchains * w->ndraws;
    bk_diag_summary_row r;
    mean_sd(total, x, &r.mean, &r.sd);
    memcpy(w->b, x, total * sizeof *x);
    bk_diag__sort(total, w->b, w->a, w->hist);
    r.q05 = bk_diag__quantile_linear(total, w->b, 0.05);
    r.q50 = bk_diag__quantile_linear(total, w->b, 0.50);
    r.q95 = bk_diag__quantile_linear(total, w->b, 0.95);
    if (bk_diag__is_constant(total, x)) { /* posterior: NA for every convergence diagnostic */
        r.mcse_mean = r.ess_bulk = r.ess_tail = r.rhat = NAN;
        *row = r;
        return BK_SUCCESS;
    }
    r.ess_tail = bk_diag__ess_tail_sorted(w, x); /* uses the sorted draws in w->b */
    bk_diag__rank_rhat(w, x, &r.rhat, &r.ess_bulk);
    bk_diag__split(w, x, w->a);
    r.mcse_mean = r.sd / sqrt(bk_diag__ess_chains(w, 2 * w->nchains, w->half, w->a));
    *row = r;
    return BK_SUCCESS;
}

/* Copies parameter p of [chain][draw][parameter] draws into chain-major col. */
static void gather(size_t nchains, size_t ndraws, size_t nparams, const double *draws, size_t p, double *col) {
    const size_t total = nchains * ndraws;
    for (size_t i = 0; i < total; i++) col[i] = draws[i * nparams + p];
}

int bk_diag_summary(size_t nchains, size_t ndraws, size_t nparams, const double *draws,
                    const char *const *names, int nthreads, bk_diag_summary_row *rows, bk_error *err) {
    bk_init();
    if (nparams == 0) return BK_SUCCESS;
    if (!draws || !rows) return bk_error_set(err, BK_EINVAL, "summary draws or output pointer is NULL");
    int s = bk_diag__check_shape(nchains, ndraws, err);
    if (s) return s;

    const size_t total = nchains * ndraws;
    bk_diag_summary_row *tmp = malloc(nparams * sizeof *tmp);
    int *status = malloc(nparams * sizeof *status);
    if (!tmp || !status) {
        free(tmp);
        free(status);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate summaries of %zu parameters", nparams);
    }
    const int nt = bk_resolve_threads(nthreads);
#pragma omp parallel num_threads(nt)
    {
        bk_diag_workspace *w = NULL;
        double *col = malloc(total * sizeof *col);
        int ok = col && bk_diag_workspace_alloc(nchains, ndraws, &w, NULL) == BK_SUCCESS;
#pragma omp for schedule(dynamic, 1)
        for (ptrdiff_t p = 0; p < (ptrdiff_t)nparams; p++) {
            if (!ok) {
                status[p] = BK_ENOMEM;
                continue;
            }
            gather(nchains, ndraws, nparams, draws, (size_t)p, col);
            status[p] = bk_diag_summarize(w, col, &tmp[p], NULL);
        }
        bk_diag_workspace_free(w);
        free(col);
    }
    /* the lowest failing parameter, whatever the thread count; its message
     * comes from running it again serially */
    size_t bad = nparams;
    for (size_t p = 0; p < nparams && bad == nparams; p++)
        if (status[p]) bad = p;
    if (bad == nparams) {
        memcpy(rows, tmp, nparams * sizeof *tmp);
        s = BK_SUCCESS;
    } else {
        bk_error inner;
        bk_error_clear(&inner);
        bk_diag_workspace *w = NULL;
        double *col = malloc(total * sizeof *col);
        s = status[bad];
        if (col && bk_diag_workspace_alloc(nchains, ndraws, &w, &inner) == BK_SUCCESS) {
            gather(nchains, ndraws, nparams, draws, bad, col);
            s = bk_diag_summarize(w, col, &tmp[bad], &inner);
            if (!s) s = status[bad]; /* failed only for lack of memory in the parallel pass */
        }
        bk_diag_workspace_free(w);
        free(col);
        const char *what = inner.message[0] ? inner.message : bk_strerror(s);
        if (names && names[bad])
            bk_error_set(err, s, "parameter '%s': %s", names[bad], what);
        else
            bk_error_set(err, s, "parameter %zu: %s", bad, what);
    }
    free(tmp);
    free(status);
    return s;
}
