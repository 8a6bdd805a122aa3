/*
 * Probability distributions: log densities, CDFs, quantiles, moments and
 * sampling on `bk_rng` streams, over GSL's `gsl_cdf_*` and `gsl_ran_*`.
 *
 * GSL's samplers do not check their arguments (gsl_ran_gamma(r, -1, 1)
 * returns 0), so every parameter is validated here, once, when a value is
 * built (bk_dist_init) or at the top of the stateless multivariate calls.
 * The failure message names the distribution, the parameter and the value:
 * "Normal sd must be positive and finite, got -1".
 *
 * Conventions shared by every function below:
 *   - a log density outside the support is -inf (not an error); a NaN point
 *     gives NaN;
 *   - a moment that does not exist is NaN (Cauchy mean) and a moment whose
 *     integral diverges to +infinity is +inf (Student-t variance for
 *     1 < nu <= 2, Half-Cauchy mean);
 *   - functions that draw take the generator first and write `n` draws to
 *     `out`; on failure `out` is untouched;
 *   - multivariate samples are row-major `n x k` arrays (one draw per row).
 *
 * Thread-safety: everything here is reentrant. A `bk_dist` is a plain value
 * that may be shared read-only between threads; a `bk_rng` is used by one
 * thread at a time.
 */
#ifndef BAYESKIT_DISTRIBUTIONS_H
#define BAYESKIT_DISTRIBUTIONS_H

#include "bayeskit/core.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The univariate families and their parameter order, as passed to
 * bk_dist_init. Densities are with respect to Lebesgue measure (continuous)
 * or counting measure (discrete).
 */
typedef enum bk_dist_kind {
    BK_DIST_NORMAL = 0,      /**< (mean, sd): N(mean, sd^2), sd > 0 */
    BK_DIST_LOGNORMAL = 1,   /**< (mu, sigma): log X ~ N(mu, sigma^2), sigma > 0 */
    BK_DIST_GAMMA = 2,       /**< (shape a, rate b): b^a/G(a) x^(a-1) e^(-b x); scale = 1/rate */
    BK_DIST_INVGAMMA = 3,    /**< (shape a, scale b): b^a/G(a) x^(-a-1) e^(-b/x) */
    BK_DIST_EXPONENTIAL = 4, /**< (rate l): l e^(-l x), x >= 0 */
    BK_DIST_UNIFORM = 5,     /**< (low, high): 1/(high-low) on [low, high], low < high */
    BK_DIST_BETA = 6,        /**< (alpha, beta): x^(a-1)(1-x)^(b-1)/B(a,b) on [0, 1] */
    BK_DIST_BERNOULLI = 7,   /**< (p): P(1) = p, P(0) = 1-p, p in [0, 1] */
    BK_DIST_BINOMIAL = 8,    /**< (n, p): C(n,k) p^k (1-p)^(n-k), n a non-negative integer */
    BK_DIST_POISSON = 9,     /**< (rate l): l^k e^(-l)/k!, l > 0 */
    BK_DIST_STUDENT_T = 10,  /**< (nu, loc, scale): loc + scale * t_nu */
    BK_DIST_CAUCHY = 11,     /**< (loc, scale): 1/(pi s (1 + ((x-loc)/s)^2)) */
    BK_DIST_HALFNORMAL = 12, /**< (scale): |N(0, scale^2)|, x >= 0 */
    BK_DIST_HALFCAUCHY = 13, /**< (scale): |Cauchy(0, scale)|, x >= 0 */
    BK_DIST_KIND_COUNT = 14
} bk_dist_kind;

/**
 * A validated univariate distribution: a plain value (copy it freely), built
 * only by bk_dist_init. `p` holds the parameters in the order of
 * bk_dist_kind; unused entries are 0.
 */
typedef struct bk_dist {
    int kind;
    double p[3];
} bk_dist;

/** Name of a family ("Normal", "InverseGamma", ...); "unknown" for a bad kind. */
const char *bk_dist_name(int kind);

/** Number of parameters of a family (0 for a bad kind). */
size_t bk_dist_nparams(int kind);

/** 1 for the discrete families (Bernoulli, Binomial, Poisson), else 0. */
int bk_dist_is_discrete(int kind);

/**
 * Validates `params` for family `kind` and writes the distribution into
 * `*d`. Fails with BK_EINVAL naming the parameter and its value; `*d` is then
 * unchanged.
 */
int bk_dist_init(bk_dist *d, int kind, const double *params, size_t nparams, bk_error *err);

/**
 * Fails with BK_EINVAL, message "<what> must be positive and finite, got
 * <value>", unless `value` is positive and finite. Exposed so that wrappers
 * validating a derived parameter (Gamma's scale) word it the same way.
 */
int bk_check_positive(const char *what, double value, bk_error *err);

/** Log density (log pmf for discrete families) at `x`; -inf outside the support. */
double bk_dist_logpdf(const bk_dist *d, double x);

/** out[i] = bk_dist_logpdf(d, x[i]) for i < n. `out` may alias `x`. */
int bk_dist_logpdf_array(const bk_dist *d, size_t n, const double *x, double *out, bk_error *err);

/** P(X <= x). Every family has one (GSL's gsl_cdf_* or a closed form). */
int bk_dist_cdf(const bk_dist *d, double x, double *out, bk_error *err);

/**
 * The p-quantile, inf{x : P(X <= x) >= p}, for the continuous families.
 * `p` must be in [0, 1] (BK_EINVAL otherwise, also for NaN); the discrete
 * families have none (BK_EINVAL). Where GSL's inversion fails to converge
 * (small shapes, far tails) the answer is found by bisection of the CDF
 * over the doubles: the smallest double x with CDF(x) >= p, so a quantile
 * below the smallest positive double is returned as that double.
 * BK_ESOLVER if no value can be found.
 */
int bk_dist_quantile(const bk_dist *d, double p, double *out, bk_error *err);

/** E[X]; NaN when undefined, +inf when it diverges. */
double bk_dist_mean(const bk_dist *d);

/** Var[X]; NaN when undefined, +inf when it diverges. */
double bk_dist_variance(const bk_dist *d);

/**
 * `n` independent draws into `out` with GSL's samplers (ziggurat for the
 * normal family, Marsaglia-Tsang for the gamma family). Counts of the
 * discrete families are written as doubles. Poisson sampling needs
 * rate <= 1e9 (gsl_ran_poisson returns an unsigned int); BK_EINVAL otherwise.
 */
int bk_dist_sample(bk_rng *rng, const bk_dist *d, size_t n, double *out, bk_error *err);

/* ---- Categorical over {0, ..., k-1} ---------------------------------- */

/**
 * Validates `k >= 1` weights (each finite and >= 0, positive sum) and writes
 * the normalised probabilities w_i / sum(w) into `probs` (may alias
 * `weights`).
 */
int bk_categorical_normalize(size_t k, const double *weights, double *probs, bk_error *err);

/** log probs[x], or -inf when x >= k. `probs` as from bk_categorical_normalize. */
double bk_categorical_logpmf(size_t k, const double *probs, size_t x);

/** `n` category indices drawn with Walker's alias method (gsl_ran_discrete). */
int bk_categorical_sample(bk_rng *rng, size_t k, const double *probs, size_t n, size_t *out, bk_error *err);

/* ---- Dirichlet on the (k-1)-simplex ----------------------------------- */

/** Validates k >= 2 concentrations, each positive and finite. */
int bk_dirichlet_check(size_t k, const double *alpha, bk_error *err);

/**
 * log p(x) = log G(sum a) - sum log G(a_i) + sum (a_i - 1) log x_i; -inf when x
 * is off the simplex (a negative entry or |sum x - 1| > 1e-9 k); NaN when x
 * holds NaN.
 */
int bk_dirichlet_logpdf(size_t k, const double *alpha, const double *x, double *out, bk_error *err);

/** `n` draws (gsl_ran_dirichlet) into the row-major n x k array `out`. */
int bk_dirichlet_sample(bk_rng *rng, size_t k, const double *alpha, size_t n, double *out, bk_error *err);

/* ---- Multivariate normal N(mean, L L^T) ------------------------------- */

/**
 * Checks a k x k covariance (finite, symmetric to 1e-12 relative, positive
 * definite) and writes its lower Cholesky factor into `chol` (row-major,
 * upper triangle zero). `chol` is untouched on failure.
 */
int bk_mvnormal_factor(size_t k, const double *cov, double *chol, bk_error *err);

/**
 * Checks a mean (finite) and a Cholesky factor (finite, lower triangular,
 * positive diagonal) of dimension k >= 1.
 */
int bk_mvnormal_check(size_t k, const double *mean, const double *chol, bk_error *err);

/**
 * out[i] = log N(x_i | mean, L L^T) for the n rows x_i of the row-major n x k
 * array `x`: -k/2 log 2pi - sum log L_jj - |L^{-1}(x_i - mean)|^2 / 2.
 */
int bk_mvnormal_logpdf(size_t k, const double *mean, const double *chol, size_t n, const double *x, double *out,
                       bk_error *err);

/** `n` draws mean + L z, z ~ N(0, I) (ziggurat), into the row-major n x k `out`. */
int bk_mvnormal_sample(bk_rng *rng, size_t k, const double *mean, const double *chol, size_t n, double *out,
                       bk_error *err);

/* ---- Gaussian kernel density estimate --------------------------------- */

/** Bandwidth rules for bk_kde_bandwidth. */
typedef enum bk_kde_rule {
    BK_KDE_SILVERMAN = 0, /**< 0.9 min(sd, IQR/1.34) n^(-1/5); sd when IQR = 0 */
    BK_KDE_SCOTT = 1      /**< 1.06 sd n^(-1/5) */
} bk_kde_rule;

/**
 * Bandwidth of a rule for the `n` samples `x` (sd with n-1, IQR from
 * linearly interpolated quartiles). Needs n >= 2 finite samples that are not
 * all equal.
 */
int bk_kde_bandwidth(size_t n, const double *x, int rule, double *h, bk_error *err);

/**
 * f(y_j) = 1/(n h) sum_i phi((y_j - x_i)/h) for the `m` points y, phi the
 * standard normal density. Needs n >= 1 finite samples and h > 0 finite.
 */
int bk_kde_evaluate(size_t n, const double *x, double h, size_t m, const double *y, double *out, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* BAYESKIT_DISTRIBUTIONS_H */
