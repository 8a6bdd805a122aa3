/*
 * CDFs and quantiles: GSL's gsl_cdf_* where it has them, closed forms for
 * the half-normal, half-Cauchy and inverse gamma (through the gamma's upper
 * tail: P(X <= x) = Q_Gamma(b/x; a, 1)).
 *
 * GSL's iterative inversions (gamma, beta, t) give up on small shapes and
 * far tails: gsl_cdf_gamma_Pinv(0.5, 0.01, 1) reports "inverse failed to
 * converge" and returns NaN (it would abort under GSL's default handler).
 * Then the quantile is found by bisection of the CDF over the doubles
 * themselves: ordered by their bit patterns, any interval of doubles is
 * halved to adjacent values in at most 64 CDF evaluations, whatever the scale.
 */
#include "dist_internal.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <limits.h>
#include <float.h>
#include <string.h>

static double cdf_value(const bk_dist *d, double x) {
    const double *p = d->p;
    switch (d->kind) {
    case BK_DIST_NORMAL: return gsl_cdf_gaussian_P(x - p[0], p[1]);
    case BK_DIST_LOGNORMAL: return x <= 0.0 ? 0.0 : gsl_cdf_lognormal_P(x, p[0], p[1]);
    case BK_DIST_GAMMA: return x <= 0.0 ? 0.0 : gsl_cdf_gamma_P(x, p[0], 1.0 / p[1]);
    case BK_DIST_INVGAMMA:
        if (x <= 0.0) return 0.0;
        return x == INFINITY ? 1.0 : gsl_cdf_gamma_Q(p[1] / x, p[0], 1.0);
    case BK_DIST_EXPONENTIAL: return x <= 0.0 ? 0.0 : -expm1(-p[0] * x);
    case BK_DIST_UNIFORM: return gsl_cdf_flat_P(x, p[0], p[1]);
    case BK_DIST_BETA: return gsl_cdf_beta_P(x, p[0], p[1]);
    case BK_DIST_BERNOULLI: return x < 0.0 ? 0.0 : (x < 1.0 ? 1.0 - p[0] : 1.0);
    case BK_DIST_BINOMIAL:
        if (x < 0.0) return 0.0;
        if (x >= p[0]) return 1.0;
        return gsl_cdf_binomial_P((unsigned int)floor(x), p[1], (unsigned int)p[0]);
    case BK_DIST_POISSON:
        if (x < 0.0) return 0.0;
        if (x >= (double)UINT_MAX) return 1.0;
        return gsl_cdf_poisson_P((unsigned int)floor(x), p[0]);
    case BK_DIST_STUDENT_T: return gsl_cdf_tdist_P((x - p[1]) / p[2], p[0]);
    case BK_DIST_CAUCHY: return gsl_cdf_cauchy_P(x - p[0], p[1]);
    case BK_DIST_HALFNORMAL: return x <= 0.0 ? 0.0 : gsl_sf_erf(x / (p[0] * M_SQRT2));
    case BK_DIST_HALFCAUCHY: return x <= 0.0 ? 0.0 : M_2_PI * atan(x / p[0]);
    default: return NAN;
    }
}

int bk_dist_cdf(const bk_dist *d, double x, double *out, bk_error *err) {
    bk_init();
    if (!bk_dist_kind_ok(d)) return bk_error_set(err, BK_EINVAL, "distribution is not initialised");
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    *out = isnan(x) ? NAN : cdf_value(d, x);
    return BK_SUCCESS;
}

static double quantile_value(const bk_dist *d, double q) {
    const double *p = d->p;
    switch (d->kind) {
    case BK_DIST_NORMAL: return p[0] + gsl_cdf_gaussian_Pinv(q, p[1]);
    case BK_DIST_LOGNORMAL: return gsl_cdf_lognormal_Pinv(q, p[0], p[1]);
    case BK_DIST_GAMMA: return gsl_cdf_gamma_Pinv(q, p[0], 1.0 / p[1]);
    case BK_DIST_INVGAMMA: {
        if (q == 0.0) return 0.0;
        if (q == 1.0) return INFINITY;
        return p[1] / gsl_cdf_gamma_Qinv(q, p[0], 1.0);
    }
    case BK_DIST_EXPONENTIAL: return q == 1.0 ? INFINITY : -log1p(-q) / p[0];
    case BK_DIST_UNIFORM: return gsl_cdf_flat_Pinv(q, p[0], p[1]);
    case BK_DIST_BETA: return gsl_cdf_beta_Pinv(q, p[0], p[1]);
    case BK_DIST_STUDENT_T: return p[1] + p[2] * gsl_cdf_tdist_Pinv(q, p[0]);
    case BK_DIST_CAUCHY: return p[0] + gsl_cdf_cauchy_Pinv(q, p[1]);
    case BK_DIST_HALFNORMAL: return q == 1.0 ? INFINITY : p[0] * gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * q);
    case BK_DIST_HALFCAUCHY: return q == 1.0 ? INFINITY : p[0] * tan(M_PI_2 * q);
    default: return NAN;
    }
}

/* Monotone map of doubles (not NaN) to unsigned integers: x < y iff key(x) < key(y). */
static uint64_t order_key(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
}

static double from_key(uint64_t k) {
    uint64_t u = (k >> 63) ? (k & 0x7fffffffffffffffULL) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* The smallest double x in [lo, hi] with F(x) >= q (hi when there is none). */
static double quantile_by_bisection(const bk_dist *d, double q, double lo, double hi) {
    if (cdf_value(d, lo) >= q) return lo;
    uint64_t a = order_key(lo), b = order_key(hi); /* F(a) < q; the answer is in (a, b] */
    while (b - a > 1) {
        uint64_t m = a + (b - a) / 2;
        if (cdf_value(d, from_key(m)) >= q)
            b = m;
        else
            a = m;
    }
    return from_key(b);
}

/* Support of the continuous families, as the bracket for the bisection. */
static void support(const bk_dist *d, double *lo, double *hi) {
    switch (d->kind) {
    case BK_DIST_NORMAL:
    case BK_DIST_STUDENT_T:
    case BK_DIST_CAUCHY: *lo = -DBL_MAX, *hi = DBL_MAX; break;
    case BK_DIST_UNIFORM: *lo = d->p[0], *hi = d->p[1]; break;
    case BK_DIST_BETA: *lo = 0.0, *hi = 1.0; break;
    default: *lo = 0.0, *hi = DBL_MAX; break;
    }
}

int bk_dist_quantile(const bk_dist *d, double q, double *out, bk_error *err) {
    bk_init();
    if (!bk_dist_kind_ok(d)) return bk_error_set(err, BK_EINVAL, "distribution is not initialised");
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    const char *name = bk_dist_name(d->kind);
    if (bk_dist_is_discrete(d->kind))
        return bk_error_set(err, BK_EINVAL, "%s has no quantile function (it is discrete)", name);
    if (!(q >= 0.0 && q <= 1.0))
        return bk_error_set(err, BK_EINVAL, "%s quantile probability must be in [0, 1], got %g", name, q);
    double v = quantile_value(d, q);
    if (isnan(v)) { /* GSL's inversion did not converge */
        double lo, hi;
        support(d, &lo, &hi);
        v = quantile_by_bisection(d, q, lo, hi);
    }
    if (isnan(v))
        return bk_error_set(err, BK_ESOLVER, "%s quantile at p = %g did not converge", name, q);
    *out = v;
    return BK_SUCCESS;
}
