/*
 * Univariate sampling with GSL's samplers on a bk_rng stream. Parameters
 * were validated by bk_dist_init; GSL's samplers check nothing themselves.
 */
#include "dist_internal.h"
#include "rng_internal.h"

#include <gsl/gsl_randist.h>

int bk_dist_sample(bk_rng *rng, const bk_dist *d, size_t n, double *out, bk_error *err) {
    bk_init();
    if (!bk_dist_kind_ok(d)) return bk_error_set(err, BK_EINVAL, "distribution is not initialised");
    if (n == 0) return BK_SUCCESS;
    if (!rng || !out) return bk_error_set(err, BK_EINVAL, "random stream or output pointer is NULL");
    const double *p = d->p;
    /* gsl_ran_poisson returns an unsigned int; far above 1e9 it would wrap. */
    if (d->kind == BK_DIST_POISSON && p[0] > 1e9)
        return bk_error_set(err, BK_EINVAL, "Poisson sampling needs rate <= 1e9, got %g", p[0]);
    gsl_rng *r = bk_rng_gsl(rng);
    size_t i;
    switch (d->kind) {
    case BK_DIST_NORMAL:
        for (i = 0; i < n; i++) out[i] = p[0] + p[1] * gsl_ran_gaussian_ziggurat(r, 1.0);
        break;
    case BK_DIST_LOGNORMAL:
        for (i = 0; i < n; i++) out[i] = exp(p[0] + p[1] * gsl_ran_gaussian_ziggurat(r, 1.0));
        break;
    case BK_DIST_GAMMA: /* GSL's gamma takes a scale */
        for (i = 0; i < n; i++) out[i] = gsl_ran_gamma(r, p[0], 1.0 / p[1]);
        break;
    case BK_DIST_INVGAMMA: /* 1/X ~ Gamma(shape, rate = scale) */
        for (i = 0; i < n; i++) out[i] = p[1] / gsl_ran_gamma(r, p[0], 1.0);
        break;
    case BK_DIST_EXPONENTIAL: /* GSL's exponential takes the mean */
        for (i = 0; i < n; i++) out[i] = gsl_ran_exponential(r, 1.0 / p[0]);
        break;
    case BK_DIST_UNIFORM:
        for (i = 0; i < n; i++) out[i] = gsl_ran_flat(r, p[0], p[1]);
        break;
    case BK_DIST_BETA:
        for (i = 0; i < n; i++) out[i] = gsl_ran_beta(r, p[0], p[1]);
        break;
    case BK_DIST_BERNOULLI:
        for (i = 0; i < n; i++) out[i] = (double)gsl_ran_bernoulli(r, p[0]);
        break;
    case BK_DIST_BINOMIAL:
        for (i = 0; i < n; i++) out[i] = (double)gsl_ran_binomial(r, p[1], (unsigned int)p[0]);
        break;
    case BK_DIST_POISSON:
        for (i = 0; i < n; i++) out[i] = (double)gsl_ran_poisson(r, p[0]);
        break;
    case BK_DIST_STUDENT_T:
        for (i = 0; i < n; i++) out[i] = p[1] + p[2] * gsl_ran_tdist(r, p[0]);
        break;
    case BK_DIST_CAUCHY:
        for (i = 0; i < n; i++) out[i] = p[0] + gsl_ran_cauchy(r, p[1]);
        break;
    case BK_DIST_HALFNORMAL:
        for (i = 0; i < n; i++) out[i] = fabs(p[0] * gsl_ran_gaussian_ziggurat(r, 1.0));
        break;
    case BK_DIST_HALFCAUCHY:
        for (i = 0; i < n; i++) out[i] = fabs(gsl_ran_cauchy(r, p[0]));
        break;
    default:
        return bk_error_set(err, BK_EINTERNAL, "no sampler for distribution kind %d", d->kind);
    }
    return BK_SUCCESS;
}
