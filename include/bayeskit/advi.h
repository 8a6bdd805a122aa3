/*
 * Automatic-differentiation variational inference (ADVI) on any log density
 * with gradient (Kucukelbir, Tran, Ranganath, Gelman & Blei 2017, "Automatic
 * differentiation variational inference", JMLR 18(14)).
 *
 * FAMILY. A Gaussian q(theta) = N(mu, L L^T) over the d parameters of a
 * bk_logdensity_fn target log p(theta) (unnormalised). The variational
 * parameters phi are one flat vector:
 *     BK_ADVI_MEANFIELD  phi = [mu (d), omega (d)],  L = diag(exp(omega))   (2d values)
 *     BK_ADVI_FULLRANK   phi = [mu (d), the lower triangle of L packed row by
 *                        row: (i, j) for j <= i at d + i(i+1)/2 + j], with the
 *                        DIAGONAL stored as l_ii = log L_ii (so L stays a
 *                        Cholesky factor)                   (d + d(d+1)/2 values)
 *     BK_ADVI_LOWRANK    Sigma = D^2 + B B^T, D = diag(exp(omega)), B d x r
 *                        (Rezende et al. 2014; Ong, Nott & Smith 2018):
 *                        phi = [mu (d), omega (d), B (d x r row-major)]  (2d + d r values);
 *                        theta = mu + D eps + B eta with (eps, eta) ~ N(0, I_{d+r}).
 *
 * OBJECTIVE. ELBO(phi) = E_q[log p(theta)] + H(q),
 *     H(q) = d/2 (1 + log 2 pi) + sum_i log L_ii.
 * One step draws K standard normal vectors eps_k and theta_k = mu + L eps_k.
 *
 * REPARAMETERIZATION ESTIMATOR (Kingma & Welling 2014; Titsias &
 * Lazaro-Gredilla 2014), g_k = grad log p(theta_k):
 *     ELBO_hat   = (1/K) sum_k log p(theta_k) + H(q)
 *     d/dmu      = (1/K) sum_k g_k
 *     d/dL_ij    = (1/K) sum_k g_ki eps_kj                  (i > j)
 *     d/dl_ii    = (1/K) sum_k g_ki eps_ki L_ii + 1          (the 1 from H)
 * (mean field: d/domega_i = (1/K) sum_k g_ki eps_ki sigma_i + 1).
 * Low rank: d/domega_i = (1/K) sum_k g_ki eps_ki D_i + (Sigma^{-1})_ii D_i^2,
 * d/dB = (1/K) sum_k g_k eta_k^T + Sigma^{-1} B, with, by Woodbury,
 * M = I_r + B^T D^{-2} B, Sigma^{-1} B = D^{-2} B M^{-1} and
 * (Sigma^{-1})_ii = D_i^{-2} - (D^{-2} B M^{-1} B^T D^{-2})_ii; its entropy uses
 * log det Sigma = 2 sum omega_i + log det M.
 *
 * SCORE-FUNCTION (REINFORCE) ESTIMATOR (Williams 1992; Ranganath, Gerrish &
 * Blei 2014, "Black box variational inference"), on the SAME theta_k, needing
 * no gradient of log p:
 *     grad_hat = (1/K) sum_k [log p(theta_k) - log q(theta_k)] grad_phi log q(theta_k)
 * with u_k = L^{-T} eps_k (mean field: eps_k / sigma):
 *     d log q/dmu = u_k,  d log q/dL_ij = u_ki eps_kj (i > j),
 *     d log q/dl_ii = u_ki eps_ki L_ii - 1.
 * Both are unbiased for grad ELBO; the score-function one has a much larger
 * variance (bk_advi_gradient_variance measures both on the same draws). It is
 * implemented for the mean-field and full-rank families.
 *
 * RANDOMNESS. eps of optimisation step t (0-based) are the first K m normals
 * of stream t of the seed (m = d, or d + r for the low-rank family), draw k
 * taking values k m .. k m + m - 1. Steps run
 * serially (the target may have a workspace or be a user closure): the same
 * seed gives the same run.
 *
 * Thread-safety: a `bk_advi` (and its target context) is used by one thread at a time.
 */
#ifndef BAYESKIT_ADVI_H
#define BAYESKIT_ADVI_H

#include "bayeskit/core.h"
#include "bayeskit/logdensity.h"
#include "bayeskit/optim.h"
#include "bayeskit/progress.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bk_advi_family {
    BK_ADVI_MEANFIELD = 0, /**< diagonal covariance */
    BK_ADVI_FULLRANK = 1,  /**< covariance L L^T with a Cholesky factor L */
    BK_ADVI_LOWRANK = 2    /**< covariance D^2 + B B^T with B of `rank` columns */
} bk_advi_family;

typedef enum bk_advi_estimator {
    BK_ADVI_REPARAM = 0, /**< pathwise gradient through theta = mu + L eps (needs grad log p) */
    BK_ADVI_SCORE = 1    /**< score function / REINFORCE (value of log p only) */
} bk_advi_estimator;

typedef struct bk_advi_config {
    int family;            /**< bk_advi_family */
    int estimator;         /**< bk_advi_estimator used by bk_advi_run */
    size_t rank;           /**< BK_ADVI_LOWRANK: columns r of B, 1..d (ignored otherwise) */
    size_t samples;        /**< K >= 1 draws per step */
    size_t steps;          /**< optimiser steps >= 1 */
    bk_optim_config optim; /**< minimises -ELBO_hat over phi */
} bk_advi_config;

/** Seed 001's scalar example: mean field, reparameterization, 256 samples, 1500 steps, Adam(0.05). */
bk_advi_config bk_advi_config_default(void);

int bk_advi_config_check(const bk_advi_config *cfg, bk_error *err);

/** Number of variational parameters: 2d (mean field), d + d(d+1)/2 (full rank) or 2d + d r (low rank); 0 for an unknown family. */
size_t bk_advi_nparams(int family, size_t dim, size_t rank);

/** Standard normals per draw: d, or d + r for the low-rank family. */
size_t bk_advi_noise_dim(int family, size_t dim, size_t rank);

typedef struct bk_advi bk_advi;

/**
 * An ADVI problem over the target `fn` with context `ctx` (not owned; the
 * caller keeps it alive) of dimension `dim`. `message` (may be NULL) returns
 * the target's own message after a failing call; it is appended to ours.
 */
int bk_advi_alloc(size_t dim, bk_logdensity_fn fn, void *ctx, const char *(*message)(void *ctx),
                  const bk_advi_config *cfg, bk_advi **out, bk_error *err);
void bk_advi_free(bk_advi *advi);
size_t bk_advi_dim(const bk_advi *advi);
/** Number of variational parameters of this problem's family. */
size_t bk_advi_size(const bk_advi *advi);
const bk_error *bk_advi_error(const bk_advi *advi);

/**
 * Initial phi: mu = `mean` (d values; NULL = zeros) and L = exp(log_scale) I
 * (low rank: D = exp(log_scale) I and B_ia = 0.01 [i == a mod d] so that its
 * gradient is not zero by symmetry).
 */
int bk_advi_init(const bk_advi *advi, const double *mean, double log_scale, double *phi, bk_error *err);

/**
 * One ELBO estimate and, when `grad` is not NULL, its gradient (ASCENT
 * direction, bk_advi_size values) by `estimator`. The K draws use `eps`
 * (K x m standard normals, m = bk_advi_noise_dim) when not NULL, else stream `step` of `seed`.
 * Non-finite values are returned, not an error; a failing target is.
 */
int bk_advi_estimate(bk_advi *advi, const double *phi, int estimator, const double *eps, uint64_t seed,
                     uint64_t step, double *elbo, double *grad, bk_error *err);

/**
 * Fits phi (updated in place; the starting point on entry) with cfg.steps
 * optimiser steps. `history` (cfg.steps values, may be NULL) gets the ELBO
 * estimate at the point each step started from; `progress` (task 0, may be
 * NULL) counts steps, a cancellation stops early. `*steps_done` gets the
 * number of completed steps. When the estimate or its gradient is not
 * finite the run stops with BK_ENONFINITE naming the step; phi then holds
 * the last parameters with a finite ELBO and gradient.
 */
int bk_advi_run(bk_advi *advi, uint64_t seed, double *phi, bk_progress *progress, double *history,
                size_t *steps_done, bk_error *err);

/**
 * The two gradient estimators at phi over `reps` replicates: replicate r
 * uses stream r of `seed` for BOTH (same draws, same K). Per variational
 * parameter, the mean and the variance (divisor reps - 1, reps >= 2) of the
 * reparameterization (`*_reparam`) and score-function (`*_score`) estimates;
 * any output may be NULL. Needs a target with a gradient.
 */
int bk_advi_gradient_variance(bk_advi *advi, const double *phi, uint64_t seed, size_t reps, double *mean_reparam,
                              double *var_reparam, double *mean_score, double *var_score, bk_error *err);

/** mu (d values) and the covariance Sigma (d x d, row-major) of phi; either may be NULL. `rank`: low rank only. */
int bk_advi_moments(int family, size_t dim, size_t rank, const double *phi, double *mean, double *cov, bk_error *err);

/** S draws from q (S x d row-major), each from the next m normals of `rng` as in the estimator. */
int bk_advi_sample(bk_rng *rng, int family, size_t dim, size_t rank, const double *phi, size_t S, double *out,
                   bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
