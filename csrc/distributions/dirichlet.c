/*
 * Dirichlet distribution on the (k-1)-simplex:
 * p(x) = G(a_0) / prod G(a_i) * prod x_i^(a_i - 1), a_0 = sum a_i.
 * Sampling normalises independent Gamma(a_i, 1) draws (gsl_ran_dirichlet,
 * which switches to a log-space method for small concentrations).
 */
#include "dist_internal.h"
#include "rng_internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

int bk_dirichlet_check(size_t k, const double *alpha, bk_error *err) {
    bk_init();
    if (k < 2) return bk_error_set(err, BK_EINVAL, "Dirichlet needs at least 2 concentrations, got %zu", k);
    if (!alpha) return bk_error_set(err, BK_EINVAL, "Dirichlet concentration pointer is NULL");
    for (size_t i = 0; i < k; i++)
        if (!(alpha[i] > 0.0) || !isfinite(alpha[i]))
            return bk_error_set(err, BK_EINVAL, "Dirichlet concentration %zu must be positive and finite, got %g", i,
                                alpha[i]);
    return BK_SUCCESS;
}

int bk_dirichlet_logpdf(size_t k, const double *alpha, const double *x, double *out, bk_error *err) {
    int s = bk_dirichlet_check(k, alpha, err);
    if (s) return s;
    if (!x || !out) return bk_error_set(err, BK_EINVAL, "Dirichlet point or output pointer is NULL");
    double sum = 0.0, a0 = 0.0, lp = 0.0;
    int off = 0;
    for (size_t i = 0; i < k; i++) {
        if (isnan(x[i])) {
            *out = NAN;
            return BK_SUCCESS;
        }
        if (x[i] < 0.0) off = 1;
        sum += x[i];
        a0 += alpha[i];
        lp += bk_xlogy(alpha[i] - 1.0, x[i]) - gsl_sf_lngamma(alpha[i]);
    }
    if (off || !(fabs(sum - 1.0) <= 1e-9 * (double)k)) {
        *out = -INFINITY;
        return BK_SUCCESS;
    }
    *out = lp + gsl_sf_lngamma(a0);
    return BK_SUCCESS;
}

int bk_dirichlet_sample(bk_rng *rng, size_t k, const double *alpha, size_t n, double *out, bk_error *err) {
    int s = bk_dirichlet_check(k, alpha, err);
    if (s) return s;
    if (n == 0) return BK_SUCCESS;
    if (!rng || !out) return bk_error_set(err, BK_EINVAL, "random stream or output pointer is NULL");
    gsl_rng *r = bk_rng_gsl(rng);
    for (size_t i = 0; i < n; i++) gsl_ran_dirichlet(r, k, alpha, out + i * k);
    return BK_SUCCESS;
}
