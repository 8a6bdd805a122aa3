/*
 * Bayesian linear regression on basis functions (Bishop 2006, PRML 3.3-3.5).
 *
 * Model: y_i = w^T phi(x_i) + eps_i, eps_i ~ N(0, 1/beta), prior
 * w ~ N(m0, A0^{-1}) with A0 = diag(a_1..a_M) (a_j >= 0; 0 = flat). The data
 * enter only through the sufficient statistics
 *   G = Phi^T Phi (M x M),  b = Phi^T y (M),  yy = y^T y,  n,
 * so a batch fit and any split into sequential batches agree. Posterior:
 *   A_N = A0 + beta G,   A_N m_N = A0 m0 + beta b       (PRML 3.50-3.51)
 * held through the lower Cholesky factor L of the precision, A_N = L L^T;
 * the covariance S_N = A_N^{-1} is never formed by the kernels (variances
 * are |L^{-1} phi|^2, draws are m_N + L^{-T} z).
 *
 * Arrays are row-major doubles. Functions follow the core contract (status
 * return, out-pointers untouched on failure, message in `err`). Functions
 * taking `nthreads` run OpenMP loops whose results do not depend on it.
 * Thread-safety: all functions are reentrant; shared inputs are const.
 */
#ifndef BAYESKIT_LINEAR_H
#define BAYESKIT_LINEAR_H

#include "bayeskit/core.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Kinds of basis (feature map). */
typedef enum bk_basis_kind {
    /** phi(x) = x (d columns): the inputs are the features (a precomputed design). */
    BK_BASIS_RAW = 0,
    /** phi(x) = (1, x_1, ..., x_d): seed 000/001's identity basis with expand()'s intercept. */
    BK_BASIS_AFFINE = 1,
    /** phi(x) = (1, u, u^2, ..., u^degree), u = (x - shift) * scale; d must be 1. */
    BK_BASIS_POLYNOMIAL = 2,
    /** phi(x) = ([1,] exp(-|x - mu_k|^2 / (2 width^2)) for k = 1..K); seed 001's gaussian_basis_function. */
    BK_BASIS_RBF = 3
} bk_basis_kind;

/**
 * A resolved feature map. The caller owns `centres` (ncentres x input_dim,
 * row-major), which must outlive every call using the basis.
 */
typedef struct bk_basis {
    int kind;             /**< a bk_basis_kind */
    size_t input_dim;     /**< d, columns of x (>= 1) */
    int degree;           /**< POLYNOMIAL: degree >= 0 */
    double shift;         /**< POLYNOMIAL: u = (x - shift) * scale */
    double scale;         /**< POLYNOMIAL: finite, nonzero */
    size_t ncentres;      /**< RBF: K >= 1 */
    const double *centres; /**< RBF: K x d centres */
    double width;         /**< RBF: s > 0 */
    int intercept;        /**< RBF: 1 prepends a column of ones */
} bk_basis;

/** Number of features M of `basis`, or 0 when the basis is invalid. */
size_t bk_basis_size(const bk_basis *basis);

/** Validates `basis`; the message names the bad field. */
int bk_basis_check(const bk_basis *basis, bk_error *err);

/**
 * phi (n x M) = the features of the n rows of x (n x d). Fails with
 * BK_ENONFINITE naming the row when x or a feature is NaN/inf.
 */
int bk_basis_expand(const bk_basis *basis, size_t n, const double *x, double *phi, bk_error *err);

/**
 * Sufficient statistics of (x, y): gram = Phi^T Phi (M x M, both triangles),
 * phity = Phi^T y (M), *yy = y^T y. Phi is never materialised: rows are
 * expanded block by block into per-thread buffers and accumulated (a
 * plain-C blocked rank-k update: Debian's serial OpenBLAS is not safe to call
 * from concurrent OpenMP threads) over a fixed partition of the rows into chunks that
 * depends only on (n, M); chunk sums are added in chunk order, so the result
 * is bit-identical for every thread count. n >= 1.
 */
int bk_linear_suffstats(const bk_basis *basis, size_t n, const double *x, const double *y, double *gram,
                        double *phity, double *yy, int nthreads, bk_error *err);

/**
 * Posterior of the Gaussian prior N(m0, diag(prior_prec)^{-1}) and noise
 * precision beta given statistics (gram, phity): the lower Cholesky factor
 * `chol` (M x M) of A_N and the mean `mean` (M). prior_prec[j] >= 0,
 * beta > 0. Fails with BK_ESOLVER when A_N is singular (or numerically so:
 * a pivot below 1e-12 of the largest diagonal entry), which happens only
 * when some prior_prec[j] = 0 and the design is rank deficient.
 */
int bk_linear_posterior(size_t m, const double *gram, const double *phity, const double *prior_mean,
                        const double *prior_prec, double beta, double *chol, double *mean, bk_error *err);

/**
 * Log marginal likelihood (evidence) of n observations with statistics
 * (gram, phity, yy) under the prior above (PRML 3.86 generalised):
 *   ln p(y) = 1/2 sum_j ln a_j + n/2 ln beta - E(m_N) - 1/2 ln|A_N| - n/2 ln(2 pi),
 *   E(m_N)  = beta/2 |y - Phi m_N|^2 + 1/2 (m_N - m0)^T A0 (m_N - m0),
 * with |y - Phi m|^2 = yy - 2 m^T b + m^T G m. Every a_j must be > 0 (the
 * evidence of an improper prior is undefined). `chol` and `mean` are the
 * outputs of bk_linear_posterior for the same inputs. Optional outputs
 * (NULL to skip): *rss = |y - Phi m_N|^2, *gamma = M - sum_j a_j (S_N)_jj,
 * the effective number of well-determined parameters (PRML 3.91).
 */
int bk_linear_evidence(size_t m, size_t n, const double *gram, const double *phity, double yy,
                       const double *prior_mean, const double *prior_prec, double beta, const double *chol,
                       const double *mean, double *log_evidence, double *rss, double *gamma, bk_error *err);

/**
 * MacKay's (1992) fixed-point evidence maximisation for an isotropic prior
 * precision alpha (PRML 3.92, 3.95):
 *   gamma = M - alpha tr(S_N),  alpha <- gamma / |m_N - m0|^2,
 *   1/beta <- |y - Phi m_N|^2 / (n - gamma),
 * from the initial *alpha, *beta (> 0), until both change by less than `tol`
 * in relative terms (converged) or `max_iter` iterations pass (BK_ESOLVER).
 * Diverging hyperparameters (non-finite, > 1e300 or < 1e-300, n - gamma <= 0,
 * m_N = m0) fail with BK_ESOLVER naming the iteration. On success writes
 * *alpha, *beta, *gamma and *iterations.
 */
int bk_linear_optimize(size_t m, size_t n, const double *gram, const double *phity, double yy,
                       const double *prior_mean, double *alpha, double *beta, int max_iter, double tol,
                       double *gamma, int *iterations, bk_error *err);

/**
 * Predictive moments at the n rows of x under the posterior (chol, mean):
 * pred_mean[i] = phi_i^T m_N, epi_var[i] = phi_i^T S_N phi_i = |L^{-1} phi_i|^2
 * (PRML 3.59 without the 1/beta noise term). Parallel over row blocks;
 * each output depends on its own row only. On a non-finite input
 * (BK_ENONFINITE, naming the first bad row) the outputs may be partly written.
 */
int bk_linear_predict(const bk_basis *basis, size_t m, const double *chol, const double *mean, size_t n,
                      const double *x, double *pred_mean, double *epi_var, int nthreads, bk_error *err);

/** `count` weight draws w = m_N + L^{-T} z, z ~ N(0, I), as rows of out (count x M). */
int bk_linear_sample_weights(bk_rng *rng, size_t m, const double *chol, const double *mean, size_t count,
                             double *out, bk_error *err);

/** Bootstrap schemes (Efron & Tibshirani 1993, ch. 9). */
typedef enum bk_bootstrap_kind {
    /** resample (phi_i, y_i) pairs with replacement */
    BK_BOOTSTRAP_CASES = 0,
    /** y* = Phi w_hat + e*, e* resampled from the centred residuals of the full-data fit */
    BK_BOOTSTRAP_RESIDUALS = 1
} bk_bootstrap_kind;

/**
 * Least squares (penalty NULL or all zero) or ridge estimates
 *   w = (Phi^T Phi + diag(penalty))^{-1} Phi^T y
 * of the full data (estimate, M) and of `nboot` bootstrap resamples (draws,
 * nboot x M). Resample b draws from random stream b of `seed`
 * (bk_rng (seed, b)), so the draws do not depend on the thread count.
 * OpenMP over resamples. A singular resample fails with BK_ESOLVER naming b.
 */
int bk_linear_bootstrap(uint64_t seed, int kind, size_t n, size_t m, const double *phi, const double *y,
                        const double *penalty, size_t nboot, double *estimate, double *draws, int nthreads,
                        bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
