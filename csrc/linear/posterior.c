/*
 * Gaussian posterior, evidence, MacKay's evidence maximisation and weight
 * draws for Bayesian linear regression (Bishop 2006, PRML 3.3-3.5;
 * MacKay 1992, "Bayesian interpolation", Neural Computation 4(3)).
 * All from the sufficient statistics G = Phi^T Phi, b = Phi^T y, yy = y^T y.
 */
#include "linear_internal.h"
#include "rng_internal.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

static int check_prior(size_t m, const double *prior_mean, const double *prior_prec, double beta, bk_error *err) {
    if (!(beta > 0) || !isfinite(beta))
        return bk_error_set(err, BK_EINVAL, "beta (noise precision) must be finite and > 0, got %g", beta);
    for (size_t j = 0; j < m; j++) {
        if (!(prior_prec[j] >= 0) || !isfinite(prior_prec[j]))
            return bk_error_set(err, BK_EINVAL, "alpha (prior precision) must be finite and >= 0, got %g for coefficient %zu",
                                prior_prec[j], j);
        if (!isfinite(prior_mean[j]))
            return bk_error_set(err, BK_EINVAL, "prior mean must be finite, got %g for coefficient %zu", prior_mean[j], j);
    }
    return BK_SUCCESS;
}

/* A = diag(a) + beta G and rhs = a .* m0 + beta b. */
static void precision_system(size_t m, const double *gram, const double *phity, const double *m0, const double *a,
                             double beta, double *prec, double *rhs) {
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) prec[i * m + j] = beta * gram[i * m + j];
        prec[i * m + i] += a[i];
        rhs[i] = a[i] * m0[i] + beta * phity[i];
    }
}

static int singular(bk_error *err) {
    return bk_error_set(err, BK_ESOLVER,
                        "posterior precision is singular: the design matrix is rank deficient and a coefficient has "
                        "no prior (alpha = 0); use alpha > 0 or fewer basis functions");
}

int bk_linear_posterior(size_t m, const double *gram, const double *phity, const double *prior_mean,
                        const double *prior_prec, double beta, double *chol, double *mean, bk_error *err) {
    bk_init();
    if (m == 0) return bk_error_set(err, BK_EINVAL, "the model needs at least one basis function");
    if (!gram || !phity || !prior_mean || !prior_prec || !chol || !mean)
        return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    int s = check_prior(m, prior_mean, prior_prec, beta, err);
    if (s) return s;
    if (!bk_all_finite(gram, m * m) || !bk_all_finite(phity, m))
        return bk_error_set(err, BK_ENONFINITE, "the sufficient statistics overflow (NaN or infinity); rescale the inputs");
    double *work = malloc((2 * m * m + 2 * m) * sizeof *work);
    if (!work) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu precision matrix", m, m);
    double *prec = work, *l = prec + m * m, *rhs = l + m * m, *w = rhs + m;
    precision_system(m, gram, phity, prior_mean, prior_prec, beta, prec, rhs);
    if (bk_linear_spd_solve(m, prec, rhs, l, w) != BK_SUCCESS || !bk_all_finite(w, m)) {
        free(work);
        return singular(err);
    }
    memcpy(chol, l, m * m * sizeof *chol);
    memcpy(mean, w, m * sizeof *mean);
    free(work);
    return BK_SUCCESS;
}

/* Residual sum of squares |y - Phi w|^2 = yy - 2 w^T b + w^T G w, floored at 0. */
static double rss_of(size_t m, const double *gram, const double *phity, double yy, const double *w) {
    double wb = 0.0, wgw = 0.0;
    for (size_t i = 0; i < m; i++) {
        wb += w[i] * phity[i];
        double gi = 0.0;
        for (size_t j = 0; j < m; j++) gi += gram[i * m + j] * w[j];
        wgw += w[i] * gi;
    }
    double r = yy - 2.0 * wb + wgw;
    return r > 0 ? r : 0.0;
}

/* sum_j a_j (S_N)_jj = |L^{-1} diag(sqrt a)|_F^2; `scratch` is m x m. */
static double weighted_trace(size_t m, const double *l, const double *a, double *scratch) {
    memset(scratch, 0, m * m * sizeof *scratch);
    for (size_t i = 0; i < m; i++) scratch[i * m + i] = sqrt(a[i]);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)m, (int)m, 1.0, l, (int)m,
                scratch, (int)m);
    double t = 0.0;
    for (size_t i = 0; i < m * m; i++) t += scratch[i] * scratch[i];
    return t;
}

int bk_linear_evidence(size_t m, size_t n, const double *gram, const double *phity, double yy,
                       const double *prior_mean, const double *prior_prec, double beta, const double *chol,
                       const double *mean, double *log_evidence, double *rss, double *gamma, bk_error *err) {
    bk_init();
    if (m == 0) return bk_error_set(err, BK_EINVAL, "the model needs at least one basis function");
    if (n == 0) return bk_error_set(err, BK_EINVAL, "no data: x and y are empty");
    if (!gram || !phity || !prior_mean || !prior_prec || !chol || !mean || !log_evidence)
        return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    int s = check_prior(m, prior_mean, prior_prec, beta, err);
    if (s) return s;
    for (size_t j = 0; j < m; j++)
        if (prior_prec[j] == 0)
            return bk_error_set(err, BK_EINVAL,
                                "the evidence needs a proper prior: coefficient %zu has prior precision 0 (alpha = 0)", j);
    double *scratch = malloc(m * m * sizeof *scratch);
    if (!scratch) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu matrix", m, m);
    const double r = rss_of(m, gram, phity, yy, mean);
    double logdet_prior = 0.0, e_w = 0.0, logdet_post = 0.0;
    for (size_t j = 0; j < m; j++) {
        logdet_prior += log(prior_prec[j]);
        const double dm = mean[j] - prior_mean[j];
        e_w += prior_prec[j] * dm * dm;
        logdet_post += 2.0 * log(chol[j * m + j]);
    }
    const double nn = (double)n;
    const double value =
        0.5 * (logdet_prior + nn * log(beta) - beta * r - e_w - logdet_post - nn * LOG_2PI);
    const double g = (double)m - weighted_trace(m, chol, prior_prec, scratch);
    free(scratch);
    if (!isfinite(value)) return bk_error_set(err, BK_ENONFINITE, "the log evidence is not finite (%g)", value);
    *log_evidence = value;
    if (rss) *rss = r;
    if (gamma) *gamma = g;
    return BK_SUCCESS;
}

int bk_linear_optimize(size_t m, size_t n, const double *gram, const double *phity, double yy,
                       const double *prior_mean, double *alpha, double *beta, int max_iter, double tol,
                       double *gamma, int *iterations, bk_error *err) {
    bk_init();
    if (m == 0) return bk_error_set(err, BK_EINVAL, "the model needs at least one basis function");
    if (n == 0) return bk_error_set(err, BK_EINVAL, "no data: x and y are empty");
    if (!gram || !phity || !prior_mean || !alpha || !beta || !gamma || !iterations)
        return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    if (!(*alpha > 0) || !isfinite(*alpha))
        return bk_error_set(err, BK_EINVAL, "initial alpha (prior precision) must be finite and > 0, got %g", *alpha);
    if (!(*beta > 0) || !isfinite(*beta))
        return bk_error_set(err, BK_EINVAL, "initial beta (noise precision) must be finite and > 0, got %g", *beta);
    if (max_iter < 1) return bk_error_set(err, BK_EINVAL, "maximum number of iterations must be >= 1, got %d", max_iter);
    if (!(tol > 0) || !isfinite(tol)) return bk_error_set(err, BK_EINVAL, "tolerance must be finite and > 0, got %g", tol);
    double *work = malloc((3 * m * m + 3 * m) * sizeof *work);
    if (!work) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu precision matrix", m, m);
    double *prec = work, *l = prec + m * m, *scratch = l + m * m, *rhs = scratch + m * m, *w = rhs + m, *a = w + m;
    double al = *alpha, be = *beta, g = 0.0;
    int status = BK_ESOLVER;
    int it;
    for (it = 1; it <= max_iter; it++) {
        for (size_t j = 0; j < m; j++) a[j] = al;
        precision_system(m, gram, phity, prior_mean, a, be, prec, rhs);
        if (bk_linear_spd_solve(m, prec, rhs, l, w) != BK_SUCCESS) {
            bk_error_set(err, BK_ESOLVER, "evidence maximisation diverged at iteration %d: the posterior precision is "
                                          "singular (alpha %g, beta %g)", it, al, be);
            goto done;
        }
        g = (double)m - weighted_trace(m, l, a, scratch);
        double dist2 = 0.0;
        for (size_t j = 0; j < m; j++) dist2 += (w[j] - prior_mean[j]) * (w[j] - prior_mean[j]);
        const double r = rss_of(m, gram, phity, yy, w);
        const double na = g / dist2, nb = ((double)n - g) / r;
        if (!(dist2 > 0) || !(r > 0) || !((double)n - g > 0) || !isfinite(na) || !isfinite(nb) || na > 1e300 ||
            nb > 1e300 || na < 1e-300 || nb < 1e-300) {
            bk_error_set(err, BK_ESOLVER,
                         "evidence maximisation diverged at iteration %d (alpha %g, beta %g, gamma %g, residual sum of "
                         "squares %g): the data do not determine the hyperparameters",
                         it, na, nb, g, r);
            goto done;
        }
        const double da = fabs(na - al) / al, db = fabs(nb - be) / be;
        al = na;
        be = nb;
        if (da < tol && db < tol) {
            status = BK_SUCCESS;
            break;
        }
    }
    if (status != BK_SUCCESS) {
        bk_error_set(err, BK_ESOLVER,
                     "evidence maximisation did not converge in %d iterations (alpha %g, beta %g); raise the iteration "
                     "cap or the tolerance", max_iter, al, be);
        goto done;
    }
    /* gamma at the returned (alpha, beta). */
    for (size_t j = 0; j < m; j++) a[j] = al;
    precision_system(m, gram, phity, prior_mean, a, be, prec, rhs);
    if (bk_linear_spd_solve(m, prec, rhs, l, w) != BK_SUCCESS) {
        status = bk_error_set(err, BK_ESOLVER, "evidence maximisation ended at a singular posterior precision");
        goto done;
    }
    *gamma = (double)m - weighted_trace(m, l, a, scratch);
    *alpha = al;
    *beta = be;
    *iterations = it;
done:
    free(work);
    return status;
}

int bk_linear_sample_weights(bk_rng *rng, size_t m, const double *chol, const double *mean, size_t count,
                             double *out, bk_error *err) {
    bk_init();
    if (count == 0) return BK_SUCCESS;
    if (m == 0) return bk_error_set(err, BK_EINVAL, "the model needs at least one basis function");
    if (!rng || !chol || !mean || !out) return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    gsl_rng *r = bk_rng_gsl(rng);
    for (size_t k = 0; k < count; k++) {
        double *row = out + k * m;
        for (size_t j = 0; j < m; j++) row[j] = gsl_ran_gaussian_ziggurat(r, 1.0);
        /* L^T v = z  =>  v = L^{-T} z ~ N(0, (L L^T)^{-1}) */
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)m, chol, (int)m, row, 1);
        for (size_t j = 0; j < m; j++) row[j] += mean[j];
    }
    return BK_SUCCESS;
}
