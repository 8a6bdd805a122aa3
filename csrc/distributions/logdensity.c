/*
 * Closed-form log densities (log pmfs) of the univariate families. Written
 * in log space with lgamma/log1p rather than log(gsl_ran_*_pdf), which
 * underflows to -inf far in the tails. GSL's log-gamma (gsl_sf_lngamma) is
 * used instead of C's lgamma, which writes the global `signgam`.
 */
#include "dist_internal.h"

#include <gsl/gsl_sf_gamma.h>

/* 1 when x is a whole number in [0, hi]. */
static int is_count(double x, double hi) { return x >= 0.0 && x <= hi && x == floor(x); }

double bk_dist_logpdf(const bk_dist *d, double x) {
    if (isnan(x) || !bk_dist_kind_ok(d)) return NAN;
    const double *p = d->p;
    switch (d->kind) {
    case BK_DIST_NORMAL: { /* same operations as the vectorised loop below, so both agree bit for bit */
        double c = -0.5 * BK_LOG_2PI - log(p[1]), inv = 1.0 / p[1];
        double z = (x - p[0]) * inv;
        return c - 0.5 * z * z;
    }
    case BK_DIST_LOGNORMAL: {
        if (x <= 0.0) return -INFINITY;
        double lx = log(x), z = (lx - p[0]) / p[1];
        return -0.5 * BK_LOG_2PI - log(p[1]) - lx - 0.5 * z * z;
    }
    case BK_DIST_GAMMA: /* b^a/G(a) x^(a-1) e^(-b x) */
        if (x < 0.0 || x == INFINITY) return -INFINITY;
        return p[0] * log(p[1]) - gsl_sf_lngamma(p[0]) + bk_xlogy(p[0] - 1.0, x) - p[1] * x;
    case BK_DIST_INVGAMMA: /* b^a/G(a) x^(-a-1) e^(-b/x) */
        if (x <= 0.0 || x == INFINITY) return -INFINITY;
        return p[0] * log(p[1]) - gsl_sf_lngamma(p[0]) - (p[0] + 1.0) * log(x) - p[1] / x;
    case BK_DIST_EXPONENTIAL:
        if (x < 0.0) return -INFINITY;
        return log(p[0]) - p[0] * x;
    case BK_DIST_UNIFORM:
        return x >= p[0] && x <= p[1] ? -log(p[1] - p[0]) : -INFINITY;
    case BK_DIST_BETA:
        if (x < 0.0 || x > 1.0) return -INFINITY;
        return bk_xlogy(p[0] - 1.0, x) + bk_xlog1py(p[1] - 1.0, -x) - gsl_sf_lnbeta(p[0], p[1]);
    case BK_DIST_BERNOULLI:
        if (x == 1.0) return log(p[0]);
        if (x == 0.0) return log1p(-p[0]);
        return -INFINITY;
    case BK_DIST_BINOMIAL: {
        if (!is_count(x, p[0])) return -INFINITY;
        /* log C(n, k) = lnG(n+1) - lnG(k+1) - lnG(n-k+1) */
        double lchoose = gsl_sf_lngamma(p[0] + 1.0) - gsl_sf_lngamma(x + 1.0) - gsl_sf_lngamma(p[0] - x + 1.0);
        return lchoose + bk_xlogy(x, p[1]) + bk_xlog1py(p[0] - x, -p[1]);
    }
    case BK_DIST_POISSON:
        if (!is_count(x, INFINITY) || x == INFINITY) return -INFINITY;
        return x * log(p[0]) - p[0] - gsl_sf_lngamma(x + 1.0);
    case BK_DIST_STUDENT_T: {
        double nu = p[0], z = (x - p[1]) / p[2];
        return gsl_sf_lngamma(0.5 * (nu + 1.0)) - gsl_sf_lngamma(0.5 * nu) - 0.5 * (log(nu) + BK_LOG_PI) - log(p[2]) -
               0.5 * (nu + 1.0) * log1p(z * z / nu);
    }
    case BK_DIST_CAUCHY: {
        double z = (x - p[0]) / p[1];
        return -BK_LOG_PI - log(p[1]) - log1p(z * z);
    }
    case BK_DIST_HALFNORMAL: {
        if (x < 0.0) return -INFINITY;
        double z = x / p[0];
        return 0.5 * (M_LN2 - BK_LOG_PI) - log(p[0]) - 0.5 * z * z;
    }
    case BK_DIST_HALFCAUCHY: {
        if (x < 0.0) return -INFINITY;
        double z = x / p[0];
        return M_LN2 - BK_LOG_PI - log(p[0]) - log1p(z * z);
    }
    default: return NAN;
    }
}

int bk_dist_logpdf_array(const bk_dist *d, size_t n, const double *x, double *out, bk_error *err) {
    if (!bk_dist_kind_ok(d)) return bk_error_set(err, BK_EINVAL, "distribution is not initialised");
    if (n == 0) return BK_SUCCESS;
    if (!x || !out) return bk_error_set(err, BK_EINVAL, "array pointer is NULL");
    if (d->kind == BK_DIST_NORMAL) {
        /* The hot case (priors, likelihoods): constants hoisted so the loop vectorises. */
        const double mu = d->p[0], inv = 1.0 / d->p[1], c = -0.5 * BK_LOG_2PI - log(d->p[1]);
        for (size_t i = 0; i < n; i++) {
            double z = (x[i] - mu) * inv;
            out[i] = c - 0.5 * z * z;
        }
        return BK_SUCCESS;
    }
    for (size_t i = 0; i < n; i++) out[i] = bk_dist_logpdf(d, x[i]);
    return BK_SUCCESS;
}
