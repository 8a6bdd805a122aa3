/*
 * Univariate distributions as validated values: parameter checks and the
 * closed-form moments. Log densities are in logdensity.c, CDFs and quantiles
 * in cdf.c, samplers in sample.c.
 */
#include "dist_internal.h"

#include <limits.h>
#include <string.h>

static const char *const names[BK_DIST_KIND_COUNT] = {
    "Normal", "LogNormal", "Gamma", "InverseGamma", "Exponential", "Uniform", "Beta",
    "Bernoulli", "Binomial", "Poisson", "StudentT", "Cauchy", "HalfNormal", "HalfCauchy",
};

/* Parameter names, in bk_dist_kind order; they are the Swift labels too. */
static const char *const param_names[BK_DIST_KIND_COUNT][3] = {
    {"mean", "sd"}, {"mu", "sigma"}, {"shape", "rate"}, {"shape", "scale"}, {"rate"},
    {"low", "high"}, {"alpha", "beta"}, {"p"}, {"n", "p"}, {"rate"},
    {"nu", "loc", "scale"}, {"loc", "scale"}, {"scale"}, {"scale"},
};

static const size_t nparams[BK_DIST_KIND_COUNT] = {2, 2, 2, 2, 1, 2, 2, 1, 2, 1, 3, 2, 1, 1};

const char *bk_dist_name(int kind) {
    return kind >= 0 && kind < BK_DIST_KIND_COUNT ? names[kind] : "unknown";
}

size_t bk_dist_nparams(int kind) { return kind >= 0 && kind < BK_DIST_KIND_COUNT ? nparams[kind] : 0; }

int bk_dist_is_discrete(int kind) {
    return kind == BK_DIST_BERNOULLI || kind == BK_DIST_BINOMIAL || kind == BK_DIST_POISSON;
}

int bk_check_positive(const char *what, double value, bk_error *err) {
    if (!(value > 0.0) || !isfinite(value))
        return bk_error_set(err, BK_EINVAL, "%s must be positive and finite, got %g", what, value);
    return BK_SUCCESS;
}

static int check_positive(int kind, int i, double v, bk_error *err) {
    if (!(v > 0.0) || !isfinite(v))
        return bk_error_set(err, BK_EINVAL, "%s %s must be positive and finite, got %g", names[kind],
                            param_names[kind][i], v);
    return BK_SUCCESS;
}

static int check_finite(int kind, int i, double v, bk_error *err) {
    if (!isfinite(v))
        return bk_error_set(err, BK_EINVAL, "%s %s must be finite, got %g", names[kind], param_names[kind][i], v);
    return BK_SUCCESS;
}

static int check_probability(int kind, int i, double v, bk_error *err) {
    if (!(v >= 0.0 && v <= 1.0))
        return bk_error_set(err, BK_EINVAL, "%s %s must be in [0, 1], got %g", names[kind], param_names[kind][i], v);
    return BK_SUCCESS;
}

/* Validates p[0..nparams) for `kind`; returns a status. */
static int validate(int kind, const double *p, bk_error *err) {
    int s = BK_SUCCESS;
    switch (kind) {
    case BK_DIST_NORMAL:
    case BK_DIST_LOGNORMAL:
    case BK_DIST_CAUCHY:
        if ((s = check_finite(kind, 0, p[0], err))) return s;
        return check_positive(kind, 1, p[1], err);
    case BK_DIST_GAMMA:
    case BK_DIST_INVGAMMA:
    case BK_DIST_BETA:
        if ((s = check_positive(kind, 0, p[0], err))) return s;
        return check_positive(kind, 1, p[1], err);
    case BK_DIST_EXPONENTIAL:
    case BK_DIST_POISSON:
    case BK_DIST_HALFNORMAL:
    case BK_DIST_HALFCAUCHY:
        return check_positive(kind, 0, p[0], err);
    case BK_DIST_UNIFORM:
        if ((s = check_finite(kind, 0, p[0], err))) return s;
        if ((s = check_finite(kind, 1, p[1], err))) return s;
        if (!(p[0] < p[1]))
            return bk_error_set(err, BK_EINVAL, "Uniform low must be less than high, got low = %g, high = %g", p[0],
                                p[1]);
        /* high - low must itself be finite for the density 1/(high - low). */
        if (!isfinite(p[1] - p[0]))
            return bk_error_set(err, BK_EINVAL, "Uniform width high - low must be finite, got low = %g, high = %g",
                                p[0], p[1]);
        return BK_SUCCESS;
    case BK_DIST_BERNOULLI:
        return check_probability(kind, 0, p[0], err);
    case BK_DIST_BINOMIAL:
        /* gsl_ran_binomial takes an unsigned int trial count. */
        if (!(p[0] >= 0.0 && p[0] <= (double)UINT_MAX && p[0] == floor(p[0])))
            return bk_error_set(err, BK_EINVAL, "Binomial n must be an integer in [0, %u], got %g", UINT_MAX, p[0]);
        return check_probability(kind, 1, p[1], err);
    case BK_DIST_STUDENT_T:
        if ((s = check_positive(kind, 0, p[0], err))) return s;
        if ((s = check_finite(kind, 1, p[1], err))) return s;
        return check_positive(kind, 2, p[2], err);
    default:
        return bk_error_set(err, BK_EINVAL, "unknown distribution kind %d", kind);
    }
}

int bk_dist_init(bk_dist *d, int kind, const double *params, size_t np, bk_error *err) {
    bk_init();
    if (!d) return bk_error_set(err, BK_EINVAL, "distribution pointer is NULL");
    if (kind < 0 || kind >= BK_DIST_KIND_COUNT)
        return bk_error_set(err, BK_EINVAL, "unknown distribution kind %d", kind);
    if (np != nparams[kind])
        return bk_error_set(err, BK_EINVAL, "%s takes %zu parameter%s, got %zu", names[kind], nparams[kind],
                            nparams[kind] == 1 ? "" : "s", np);
    if (!params) return bk_error_set(err, BK_EINVAL, "%s parameter pointer is NULL", names[kind]);
    double p[3] = {0.0, 0.0, 0.0};
    memcpy(p, params, np * sizeof *p);
    int s = validate(kind, p, err);
    if (s) return s;
    d->kind = kind;
    memcpy(d->p, p, sizeof p);
    return BK_SUCCESS;
}

double bk_dist_mean(const bk_dist *d) {
    if (!bk_dist_kind_ok(d)) return NAN;
    const double *p = d->p;
    switch (d->kind) {
    case BK_DIST_NORMAL: return p[0];
    case BK_DIST_LOGNORMAL: return exp(p[0] + 0.5 * p[1] * p[1]);
    case BK_DIST_GAMMA: return p[0] / p[1];
    case BK_DIST_INVGAMMA: return p[0] > 1.0 ? p[1] / (p[0] - 1.0) : INFINITY;
    case BK_DIST_EXPONENTIAL: return 1.0 / p[0];
    case BK_DIST_UNIFORM: return 0.5 * p[0] + 0.5 * p[1];
    case BK_DIST_BETA: return p[0] / (p[0] + p[1]);
    case BK_DIST_BERNOULLI: return p[0];
    case BK_DIST_BINOMIAL: return p[0] * p[1];
    case BK_DIST_POISSON: return p[0];
    case BK_DIST_STUDENT_T: return p[0] > 1.0 ? p[1] : NAN;
    case BK_DIST_CAUCHY: return NAN;
    case BK_DIST_HALFNORMAL: return p[0] * sqrt(2.0 / M_PI);
    case BK_DIST_HALFCAUCHY: return INFINITY;
    default: return NAN;
    }
}

double bk_dist_variance(const bk_dist *d) {
    if (!bk_dist_kind_ok(d)) return NAN;
    const double *p = d->p;
    switch (d->kind) {
    case BK_DIST_NORMAL: return p[1] * p[1];
    case BK_DIST_LOGNORMAL: {
        double s2 = p[1] * p[1];
        return expm1(s2) * exp(2.0 * p[0] + s2);
    }
    case BK_DIST_GAMMA: return p[0] / (p[1] * p[1]);
    case BK_DIST_INVGAMMA:
        if (p[0] > 2.0) return p[1] * p[1] / ((p[0] - 1.0) * (p[0] - 1.0) * (p[0] - 2.0));
        return p[0] > 1.0 ? INFINITY : NAN; /* no finite mean: the variance is undefined */
    case BK_DIST_EXPONENTIAL: return 1.0 / (p[0] * p[0]);
    case BK_DIST_UNIFORM: {
        double w = p[1] - p[0];
        return w * w / 12.0;
    }
    case BK_DIST_BETA: {
        double s = p[0] + p[1];
        return p[0] * p[1] / (s * s * (s + 1.0));
    }
    case BK_DIST_BERNOULLI: return p[0] * (1.0 - p[0]);
    case BK_DIST_BINOMIAL: return p[0] * p[1] * (1.0 - p[1]);
    case BK_DIST_POISSON: return p[0];
    case BK_DIST_STUDENT_T:
        if (p[0] > 2.0) return p[2] * p[2] * p[0] / (p[0] - 2.0);
        return p[0] > 1.0 ? INFINITY : NAN;
    case BK_DIST_CAUCHY: return NAN;
    case BK_DIST_HALFNORMAL: return p[0] * p[0] * (1.0 - 2.0 / M_PI);
    case BK_DIST_HALFCAUCHY: return INFINITY;
    default: return NAN;
    }
}
