/*
 * Multivariate normal N(mean, S) through the lower Cholesky factor L of
 * S = L L^T:
 *   log p(x) = -k/2 log(2 pi) - sum_j log L_jj - |z|^2 / 2,  L z = x - mean,
 *   x = mean + L z with z ~ N(0, I).
 * Batches go through CBLAS triangular kernels (dtrsm / dtrmm) on row-major
 * n x k arrays.
 */
#include "bayeskit/linalg.h"
#include "dist_internal.h"
#include "rng_internal.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

int bk_mvnormal_factor(size_t k, const double *cov, double *chol, bk_error *err) {
    bk_init();
    if (k == 0) return bk_error_set(err, BK_EINVAL, "MultivariateNormal needs dimension >= 1, got 0");
    if (!cov || !chol) return bk_error_set(err, BK_EINVAL, "MultivariateNormal covariance pointer is NULL");
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            if (!isfinite(cov[i * k + j]))
                return bk_error_set(err, BK_EINVAL, "MultivariateNormal covariance must be finite, got %g at (%zu, %zu)",
                                    cov[i * k + j], i, j);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++) {
            double a = cov[i * k + j], b = cov[j * k + i];
            if (fabs(a - b) > 1e-12 * fmax(fabs(a), fabs(b)))
                return bk_error_set(err, BK_EINVAL,
                                    "MultivariateNormal covariance must be symmetric, got %g at (%zu, %zu) and %g at "
                                    "(%zu, %zu)",
                                    a, i, j, b, j, i);
        }
    bk_error inner;
    bk_error_clear(&inner);
    double *l = malloc(k * k * sizeof *l);
    if (!l) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu Cholesky factor", k, k);
    int s = bk_cholesky(k, cov, l, &inner);
    if (s == BK_SUCCESS) memcpy(chol, l, k * k * sizeof *l);
    free(l);
    if (s == BK_EINVAL)
        return bk_error_set(err, BK_EINVAL, "MultivariateNormal covariance is not positive definite");
    if (s) return bk_error_set(err, s, "MultivariateNormal covariance: %s", inner.message);
    return BK_SUCCESS;
}

int bk_mvnormal_check(size_t k, const double *mean, const double *chol, bk_error *err) {
    bk_init();
    if (k == 0) return bk_error_set(err, BK_EINVAL, "MultivariateNormal needs dimension >= 1, got 0");
    if (!mean || !chol) return bk_error_set(err, BK_EINVAL, "MultivariateNormal mean or factor pointer is NULL");
    for (size_t i = 0; i < k; i++)
        if (!isfinite(mean[i]))
            return bk_error_set(err, BK_EINVAL, "MultivariateNormal mean %zu must be finite, got %g", i, mean[i]);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double v = chol[i * k + j];
            if (!isfinite(v))
                return bk_error_set(err, BK_EINVAL,
                                    "MultivariateNormal Cholesky factor must be finite, got %g at (%zu, %zu)", v, i, j);
            if (j > i && v != 0.0)
                return bk_error_set(err, BK_EINVAL,
                                    "MultivariateNormal Cholesky factor must be lower triangular, got %g at (%zu, %zu)",
                                    v, i, j);
            if (j == i && !(v > 0.0))
                return bk_error_set(err, BK_EINVAL,
                                    "MultivariateNormal Cholesky factor diagonal must be positive, got %g at (%zu, %zu)",
                                    v, i, i);
        }
    return BK_SUCCESS;
}

int bk_mvnormal_logpdf(size_t k, const double *mean, const double *chol, size_t n, const double *x, double *out,
                       bk_error *err) {
    int s = bk_mvnormal_check(k, mean, chol, err);
    if (s) return s;
    if (n == 0) return BK_SUCCESS;
    if (!x || !out) return bk_error_set(err, BK_EINVAL, "MultivariateNormal point or output pointer is NULL");
    double *z = malloc(n * k * sizeof *z);
    if (!z) return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu x %zu residuals", n, k);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) z[i * k + j] = x[i * k + j] - mean[j];
    /* Rows: z_i^T L^T = d_i^T, i.e. Z := D L^{-T}. */
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)k, 1.0, chol, (int)k, z,
                (int)k);
    double base = -0.5 * (double)k * BK_LOG_2PI - 0.5 * bk_cholesky_logdet(k, chol);
    for (size_t i = 0; i < n; i++) {
        double q = 0.0;
        for (size_t j = 0; j < k; j++) q += z[i * k + j] * z[i * k + j];
        out[i] = base - 0.5 * q; /* NaN in x_i propagates to out[i] */
    }
    free(z);
    return BK_SUCCESS;
}

int bk_mvnormal_sample(bk_rng *rng, size_t k, const double *mean, const double *chol, size_t n, double *out,
                       bk_error *err) {
    int s = bk_mvnormal_check(k, mean, chol, err);
    if (s) return s;
    if (n == 0) return BK_SUCCESS;
    if (!rng || !out) return bk_error_set(err, BK_EINVAL, "random stream or output pointer is NULL");
    gsl_rng *r = bk_rng_gsl(rng);
    for (size_t i = 0; i < n * k; i++) out[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    /* Rows: x_i^T = z_i^T L^T, i.e. X := Z L^T. */
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)k, 1.0, chol, (int)k,
                out, (int)k);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) out[i * k + j] += mean[j];
    return BK_SUCCESS;
}
