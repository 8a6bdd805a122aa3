/*
 * Potential scale reduction (Gelman & Rubin 1992; Vehtari et al. 2021,
 * eqs. 3-4) for M chains of N draws:
 *
 *   B = N var(chain means),  W = mean of the chain variances (divisor N - 1),
 *   R-hat = sqrt(((N - 1)/N W + B/N) / W) = sqrt((B/W + N - 1) / N),
 *
 * and its rank-normalised split form (Vehtari et al. 2021, section 4.1):
 * the maximum of the R-hat of the rank-normalised split chains ("bulk") and
 * of the rank-normalised |split chains - median| ("folded", for the tails).
 * The median is that of the split draws, as in ArviZ (posterior folds the
 * unsplit draws; the two differ only for odd chain lengths).
 * A NaN half (0/0: constant folded draws) is ignored, so chains stuck at
 * different constants give +inf as in ArviZ (posterior: NA).
 */
#include "diag_internal.h"


double bk_diag__rhat_chains(size_t m, size_t n, const double *y, double *cmean) {
    const double dn = (double)n;
    double within = 0.0;
    for (size_t c = 0; c < m; c++) {
        const double *chain = y + c * n;
        double s = 0.0;
        for (size_t t = 0; t < n; t++) s += chain[t];
        double mean = s / dn, ss = 0.0;
        for (size_t t = 0; t < n; t++) ss += (chain[t] - mean) * (chain[t] - mean);
        cmean[c] = mean;
        within += ss / (dn - 1.0);
    }
    within /= (double)m;
    double mm = 0.0, ss = 0.0;
    for (size_t c = 0; c < m; c++) mm += cmean[c];
    mm /= (double)m;
    for (size_t c = 0; c < m; c++) ss += (cmean[c] - mm) * (cmean[c] - mm);
    double between = dn * ss / (double)(m - 1);
    return sqrt((between / within + dn - 1.0) / dn);
}

void bk_diag__rank_rhat(bk_diag_workspace *w, const double *x, double *rhat, double *ess_bulk) {
    const size_t m = 2 * w->nchains, n = w->half, total = m * n;
    if (bk_diag__is_constant(w->nchains * w->ndraws, x)) { /* posterior: NA; ArviZ: 0/0 */
        *rhat = NAN;
        if (ess_bulk) *ess_bulk = NAN;
        return;
    }
    bk_diag__split(w, x, w->a);
    bk_diag__rank_normalize(w, total, w->a, w->b);
    double bulk = bk_diag__rhat_chains(m, n, w->b, w->cmean);
    if (ess_bulk) *ess_bulk = bk_diag__ess_chains(w, m, n, w->b);
    /* the rank permutation sorts the split draws: their median without a sort */
    const double *a = w->a;
    const size_t *idx = w->idx;
    double median = total % 2 ? a[idx[total / 2]] : 0.5 * (a[idx[total / 2 - 1]] + a[idx[total / 2]]);
    for (size_t i = 0; i < total; i++) w->a[i] = fabs(w->a[i] - median);
    bk_diag__rank_normalize(w, total, w->a, w->b);
    double folded = bk_diag__rhat_chains(m, n, w->b, w->cmean);
    /* fmax ignores a NaN operand: chains stuck at different constants have
     * bulk R-hat +inf but constant folded draws (0/0); the result is +inf, as
     * in ArviZ (posterior returns NA there). */
    *rhat = fmax(bulk, folded);
}

int bk_diag_rhat(bk_diag_workspace *w, const double *x, double *rhat, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!rhat) return bk_error_set(err, BK_EINVAL, "R-hat output pointer is NULL");
    bk_diag__rank_rhat(w, x, rhat, NULL);
    return BK_SUCCESS;
}

int bk_diag_rhat_basic(bk_diag_workspace *w, const double *x, int split, double *rhat, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!rhat) return bk_error_set(err, BK_EINVAL, "R-hat output pointer is NULL");
    if (!split && w->nchains < 2)
        return bk_error_set(err, BK_EINVAL, "R-hat without splitting needs at least 2 chains, got 1");
    if (bk_diag__is_constant(w->nchains * w->ndraws, x)) {
        *rhat = NAN;
        return BK_SUCCESS;
    }
    if (split) {
        bk_diag__split(w, x, w->a);
        *rhat = bk_diag__rhat_chains(2 * w->nchains, w->half, w->a, w->cmean);
    } else {
        *rhat = bk_diag__rhat_chains(w->nchains, w->ndraws, x, w->cmean);
    }
    return BK_SUCCESS;
}
