/*
 * Rank normalisation (Vehtari et al. 2021, eq. 14) and the quantile
 * definitions the diagnostics use.
 *
 *   z_i = Phi^-1((r_i - 3/8) / (S + 1/4)),
 *
 * r_i the rank of value i among all S values, ties sharing the average of
 * their ranks (scipy's rankdata(method="average")), 3/8 Blom's (1958) offset.
 */
#include "diag_internal.h"

#include <gsl/gsl_cdf.h>

void bk_diag__rank_normalize(bk_diag_workspace *w, size_t n, const double *x, double *z) {
    size_t *idx = w->idx;
    bk_diag__sort_index(n, x, idx, w->idx_tmp, w->hist);
    const double denom = (double)n - 2.0 * 0.375 + 1.0; /* S + 1/4, as ArviZ writes it */
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && x[idx[j]] == x[idx[i]]) j++;
        /* positions i..j-1 hold ranks i+1..j; their average is (i+1+j)/2 */
        double r = 0.5 * (double)(i + 1 + j);
        double zr = gsl_cdf_ugaussian_Pinv((r - 0.375) / denom);
        for (size_t k = i; k < j; k++) z[idx[k]] = zr;
        i = j;
    }
}

double bk_diag__quantile_linear(size_t n, const double *s, double p) {
    double h = (double)(n - 1) * p;
    double lo = floor(h);
    size_t k = (size_t)lo;
    if (k >= n - 1) return s[n - 1];
    double g = h - lo, a = s[k], b = s[k + 1], diff = b - a;
    /* numpy's _lerp: a + g (b - a), evaluated from the nearer end */
    return g >= 0.5 ? b - diff * (1.0 - g) : a + diff * g;
}

double bk_diag__quantile_mq(size_t n, const double *s, double p) {
    if (n == 1) return s[0];
    /* mquantiles: aleph = n p + m with m = alphap + p (1 - alphap - betap) = 1 - p */
    double aleph = (double)n * p + (1.0 - p);
    double kk = floor(fmin(fmax(aleph, 1.0), (double)(n - 1)));
    size_t k = (size_t)kk;
    double gamma = fmin(fmax(aleph - kk, 0.0), 1.0);
    return (1.0 - gamma) * s[k - 1] + gamma * s[k];
}

double bk_diag__median_sorted(size_t n, const double *s) {
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}
