/*
 * Effective sample size of M chains of N draws (Vehtari et al. 2021, eqs.
 * 10-11; Stan's algorithm as written in ArviZ's `_ess` and posterior's `.ess`):
 *
 *   W       = mean_m acov_m(0) N / (N - 1)          (within-chain variance)
 *   var+    = W (N - 1) / N + var(chain means)      (the second term if M > 1)
 *   rho_t   = 1 - (W - mean_m acov_m(t)) / var+
 *
 * Geyer's initial positive sequence keeps the pairs rho_{2k} + rho_{2k+1}
 * while they are positive; the initial monotone sequence then makes the
 * pair sums non-increasing. With the last positive even lag added
 * ("improved estimate"),
 *
 *   tau = -1 + 2 sum_{t <= max_t} rho_t + rho_{max_t + 1},
 *   ESS = M N / max(tau, 1 / log10(M N)),
 *
 * so ESS <= M N log10(M N). The loop bound `t < N - 3` is ArviZ's.
 */
#include "diag_internal.h"

#include <string.h>

double bk_diag__ess_chains(bk_diag_workspace *w, size_t m, size_t n, const double *y) {
    const size_t total = m * n;
    /* posterior returns NA for constant draws; ArviZ returns M N. */
    if (bk_diag__is_constant(total, y)) return NAN;

    double *acov = w->acov, *rho = w->rho, *cmean = w->cmean;
    memset(acov, 0, n * sizeof *acov);
    for (size_t c = 0; c < m; c++) {
        const double *chain = y + c * n;
        double s = 0.0;
        for (size_t t = 0; t < n; t++) s += chain[t];
        cmean[c] = s / (double)n;
        if (bk_diag__autocov_fft(&w->fft, n, chain, n - 1, w->chain_acov)) return NAN;
        for (size_t t = 0; t < n; t++) acov[t] += w->chain_acov[t];
    }
    for (size_t t = 0; t < n; t++) acov[t] /= (double)m;

    const double dn = (double)n;
    const double mean_var = acov[0] * dn / (dn - 1.0);
    double var_plus = mean_var * (dn - 1.0) / dn;
    if (m > 1) {
        double mm = 0.0, ss = 0.0;
        for (size_t c = 0; c < m; c++) mm += cmean[c];
        mm /= (double)m;
        for (size_t c = 0; c < m; c++) ss += (cmean[c] - mm) * (cmean[c] - mm);
        var_plus += ss / (double)(m - 1);
    }

    memset(rho, 0, n * sizeof *rho);
    double rho_even = 1.0;
    double rho_odd = 1.0 - (mean_var - acov[1]) / var_plus;
    rho[0] = rho_even;
    rho[1] = rho_odd;

    /* Geyer's initial positive sequence (t odd; pairs (t+1, t+2)) */
    const ptrdiff_t N = (ptrdiff_t)n;
    ptrdiff_t t = 1;
    while (t < N - 3 && rho_even + rho_odd > 0.0) {
        rho_even = 1.0 - (mean_var - acov[t + 1]) / var_plus;
        rho_odd = 1.0 - (mean_var - acov[t + 2]) / var_plus;
        if (rho_even + rho_odd >= 0.0) {
            rho[t + 1] = rho_even;
            rho[t + 2] = rho_odd;
        }
        t += 2;
    }
    const ptrdiff_t max_t = t - 2;
    if (rho_even > 0.0) rho[max_t + 1] = rho_even; /* improved estimate */

    /* Geyer's initial monotone sequence */
    t = 1;
    while (t <= max_t - 2) {
        if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
            rho[t + 1] = 0.5 * (rho[t - 1] + rho[t]);
            rho[t + 2] = rho[t + 1];
        }
        t += 2;
    }

    const double S = (double)total;
    double sum = 0.0;
    for (ptrdiff_t k = 0; k <= max_t; k++) sum += rho[k];
    double tau = -1.0 + 2.0 * sum + rho[max_t + 1];
    double floor_tau = 1.0 / log10(S);
    if (tau < floor_tau) tau = floor_tau;
    for (size_t k = 0; k < n; k++)
        if (isnan(rho[k])) return NAN;
    return S / tau;
}

int bk_diag_ess_basic(bk_diag_workspace *w, const double *x, int split, double *ess, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!ess) return bk_error_set(err, BK_EINVAL, "ESS output pointer is NULL");
    if (split) {
        bk_diag__split(w, x, w->a);
        *ess = bk_diag__ess_chains(w, 2 * w->nchains, w->half, w->a);
    } else {
        *ess = bk_diag__ess_chains(w, w->nchains, w->ndraws, x);
    }
    return BK_SUCCESS;
}

int bk_diag_ess_bulk(bk_diag_workspace *w, const double *x, double *ess, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!ess) return bk_error_set(err, BK_EINVAL, "ESS output pointer is NULL");
    const size_t m = 2 * w->nchains, n = w->half;
    bk_diag__split(w, x, w->a);
    bk_diag__rank_normalize(w, m * n, w->a, w->b);
    *ess = bk_diag__ess_chains(w, m, n, w->b);
    return BK_SUCCESS;
}

double bk_diag__ess_tail_sorted(bk_diag_workspace *w, const double *x) {
    const size_t total = w->nchains * w->ndraws, m = 2 * w->nchains, n = w->half;
    const double q05 = bk_diag__quantile_mq(total, w->b, 0.05);
    const double q95 = bk_diag__quantile_mq(total, w->b, 0.95);
    bk_diag__split(w, x, w->a);
    /* w->b is free again: it holds the indicator chains */
    for (size_t i = 0; i < m * n; i++) w->b[i] = w->a[i] <= q05 ? 1.0 : 0.0;
    double lo = bk_diag__ess_chains(w, m, n, w->b);
    for (size_t i = 0; i < m * n; i++) w->b[i] = w->a[i] <= q95 ? 1.0 : 0.0;
    double hi = bk_diag__ess_chains(w, m, n, w->b);
    /* posterior: min(NA, x) is NA; a constant indicator means no tail ESS */
    return isnan(lo) || isnan(hi) ? NAN : fmin(lo, hi);
}

int bk_diag_ess_tail(bk_diag_workspace *w, const double *x, double *ess, bk_error *err) {
    int s = bk_diag__check_finite(w, x, err);
    if (s) return s;
    if (!ess) return bk_error_set(err, BK_EINVAL, "ESS output pointer is NULL");
    const size_t total = w->nchains * w->ndraws;
    memcpy(w->b, x, total * sizeof *x);
    bk_diag__sort(total, w->b, w->a, w->hist);
    *ess = bk_diag__ess_tail_sorted(w, x);
    return BK_SUCCESS;
}
