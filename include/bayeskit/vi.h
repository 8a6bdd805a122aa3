/*
 * Mean-field Gaussian variational inference for dense networks ("Bayes by
 * Backprop", Blundell et al. 2015, "Weight uncertainty in neural networks",
 * ICML), the whole ELBO gradient in C.
 *
 * FAMILY. q(theta) = prod_i N(theta_i; mu_i, sigma_i^2) over the D =
 * bk_nn_dim(net, lik) parameters (the P weights in nn.h's flat order, plus
 * log sigma of a learned Gaussian noise). The variational parameters are one
 * vector phi of 2D values: phi[0..D) = mu, phi[D..2D) = the scale parameters
 * r, with
 *     BK_VI_LOGSIGMA   sigma = exp(r)                 (seed 000)
 *     BK_VI_SOFTPLUS   sigma = softplus(r) = log(1 + e^r)   (seed 001's rho)
 *
 * PRIOR. p(theta_i) = N(m_i, s_i^2): m_i = 0 and s_i from the bk_prior for
 * the weights; m = log_sigma_mean, s = log_sigma_std for a learned noise.
 *
 * ESTIMATOR. One optimisation step uses a minibatch B of rows and K draws
 * theta_k = mu + sigma * eps_k, eps_k ~ N(0, I) (the reparameterization
 * trick, Kingma & Welling 2014):
 *     ELBO_hat = (N/|B|) (1/K) sum_k log p(y_B | x_B, theta_k) - beta KL_hat
 *     KL_hat   = sum_i KL(N(mu_i, sigma_i^2) || N(m_i, s_i^2))      (closed form)
 *              = sum_i log(s_i/sigma_i) + (sigma_i^2 + (mu_i - m_i)^2)/(2 s_i^2) - 1/2
 *           or (1/K) sum_k [log q(theta_k) - log p(theta_k)]       (Monte Carlo, seed 001)
 * with beta the KL weight of the annealing schedule (1: the ELBO). Its
 * gradient, with g_k = grad_theta log p(y_B | x_B, theta_k) from the
 * network's reverse pass and c = N/(|B| K):
 *     d/dmu_i     = c sum_k g_ki                - beta dKL/dmu_i
 *     d/dsigma_i  = c sum_k g_ki eps_ki         - beta dKL/dsigma_i
 *     d/dr_i      = d/dsigma_i * dsigma_i/dr_i  (sigma_i, or sigmoid(r_i))
 * closed form: dKL/dmu = (mu - m)/s^2, dKL/dsigma = -1/sigma + sigma/s^2;
 * Monte Carlo (total derivative through theta_k, as autograd gives):
 *     dKL/dmu = (1/K) sum_k (theta_k - m)/s^2,
 *     dKL/dsigma = (1/K) sum_k [-1/sigma + (theta_k - m) eps_k / s^2].
 *
 * RANDOMNESS. eps_k of optimisation step t (0-based, counted over the whole
 * run) is the first D normals of stream 2 (t K + k) of the seed; the
 * minibatch order of epoch e is a shuffle of 0..N-1 drawn from stream
 * 2 e + 1 (no shuffle with full batches). The K draws of a step may run in
 * parallel (OpenMP over k) and are reduced in the order k = 0..K-1, so the
 * whole run is the same for any thread count. Draws run in parallel only
 * when no layer of the network uses BLAS at the batch size (Debian's serial
 * OpenBLAS must not be called from several threads) and the step is large
 * enough to pay for the threads; otherwise serially, with the same numbers.
 *
 * Thread-safety: a `bk_vi` is used by one thread at a time.
 */
#ifndef BAYESKIT_VI_H
#define BAYESKIT_VI_H

#include "bayeskit/core.h"
#include "bayeskit/nn.h"
#include "bayeskit/optim.h"
#include "bayeskit/progress.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bk_vi_scale_kind {
    BK_VI_LOGSIGMA = 0, /**< sigma = exp(r) */
    BK_VI_SOFTPLUS = 1  /**< sigma = log(1 + e^r) */
} bk_vi_scale_kind;

typedef enum bk_vi_kl_kind {
    BK_VI_KL_CLOSED = 0, /**< analytic KL of the two Gaussians */
    BK_VI_KL_MC = 1      /**< (1/K) sum_k log q(theta_k) - log p(theta_k) */
} bk_vi_kl_kind;

typedef enum bk_vi_anneal_kind {
    /** beta = 1 */
    BK_VI_ANNEAL_CONSTANT = 0,
    /** beta = start + (1 - start) min(e / warmup, 1) for epoch e (0-based) */
    BK_VI_ANNEAL_LINEAR = 1,
    /** cyclical (Fu et al. 2019, NAACL): u = (e mod period) / period,
     *  beta = min(u / ramp, 1): rises linearly over the first `ramp` fraction
     *  of each cycle, then stays at 1 */
    BK_VI_ANNEAL_CYCLICAL = 2
} bk_vi_anneal_kind;

typedef struct bk_vi_anneal {
    int kind;      /**< bk_vi_anneal_kind */
    size_t warmup; /**< BK_VI_ANNEAL_LINEAR: epochs to reach 1, >= 1 */
    double start;  /**< BK_VI_ANNEAL_LINEAR: weight at epoch 0, in [0, 1] */
    size_t period; /**< BK_VI_ANNEAL_CYCLICAL: epochs per cycle, >= 1 */
    double ramp;   /**< BK_VI_ANNEAL_CYCLICAL: rising fraction of a cycle, in (0, 1] */
} bk_vi_anneal;

/** The KL weight beta of epoch `epoch` (0-based); NaN for an invalid schedule. */
double bk_vi_kl_weight(const bk_vi_anneal *anneal, size_t epoch);

typedef struct bk_vi_config {
    size_t samples;    /**< K >= 1 draws per step */
    size_t epochs;     /**< passes over the data */
    size_t batch_size; /**< rows per step, 1..N; 0 = N (full batch, one step per epoch) */
    int scale;         /**< bk_vi_scale_kind */
    int kl;            /**< bk_vi_kl_kind */
    bk_vi_anneal anneal;
    bk_optim_config optim; /**< minimises -ELBO_hat over phi */
} bk_vi_config;

/** Seed 000's settings: 5 samples, 3000 epochs, full batch, log sigma, closed-form KL, Adam(0.01). */
bk_vi_config bk_vi_config_default(void);

int bk_vi_config_check(const bk_vi_config *cfg, size_t nrows, bk_error *err);

typedef struct bk_vi bk_vi;

/**
 * A VI problem: copies of the network, likelihood, prior, configuration and
 * data (`x` n x w_0, `y` n x bk_likelihood_ycols), all checked, with the
 * workspaces of K draws over one batch. Messages name the bad input
 * ("batch size 50 exceeds the 20 data rows").
 */
int bk_vi_alloc(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, const bk_vi_config *cfg,
                size_t n, const double *x, const double *y, bk_vi **out, bk_error *err);
void bk_vi_free(bk_vi *vi);

/** D, the number of model parameters; phi has 2D values. */
size_t bk_vi_dim(const bk_vi *vi);
/** Rows per step (the batch size, N for a full batch). */
size_t bk_vi_batch_rows(const bk_vi *vi);
/** Optimisation steps per epoch: ceil(N / batch). */
size_t bk_vi_steps_per_epoch(const bk_vi *vi);
/** The record of the last failure on this object. */
const bk_error *bk_vi_error(const bk_vi *vi);

/** sigma for scale parameter r under `scale` (bk_vi_scale_kind). */
double bk_vi_sigma(int scale, double r);

/**
 * Initial phi (2D values): mu of each weight ~ N(0, weight_std^2) and of
 * each bias ~ N(0, bias_std^2) (0 gives exactly 0), in flat order from
 * `rng`; mu of a learned log sigma = its prior mean; every scale parameter
 * = `scale0`.
 */
int bk_vi_init(bk_rng *rng, const bk_vi *vi, double weight_std, double bias_std, double scale0, double *phi,
               bk_error *err);

/** The terms of one ELBO estimate. */
typedef struct bk_vi_terms {
    double elbo;       /**< exp_loglik - kl_weight kl */
    double exp_loglik; /**< (N/|B|) (1/K) sum_k log p(y_B | x_B, theta_k) */
    double kl;         /**< closed-form or Monte Carlo KL(q || p) */
} bk_vi_terms;

/**
 * One ELBO estimate and, when `grad` is not NULL, its gradient w.r.t. phi
 * (2D values, overwritten; the ASCENT direction). The K draws use `eps`
 * (K x D standard normals, row k for draw k) when not NULL, else the
 * streams of step `step` of `seed` as in the header comment. `rows`
 * (`nrows` indices into the data) is the minibatch; NULL means all N rows
 * (`nrows` ignored). Non-finite values are returned, not an error.
 */
int bk_vi_estimate(bk_vi *vi, const double *phi, const double *eps, uint64_t seed, uint64_t step, size_t nrows,
                   const size_t *rows, double kl_weight, int nthreads, bk_vi_terms *terms, double *grad,
                   bk_error *err);

/**
 * The closed-form KL(q || p) of phi and, when not NULL, its gradient w.r.t.
 * phi (2D values).
 */
int bk_vi_kl_closed(const bk_vi *vi, const double *phi, double *kl, double *grad, bk_error *err);

/**
 * Fits phi (2D values, updated in place; the starting point on entry) with
 * cfg.epochs epochs of the configured optimiser. Per epoch e the history
 * arrays (cfg.epochs values each; any may be NULL) receive the mean over
 * that epoch's steps of elbo, exp_loglik and kl, and `seconds` the wall
 * time since the start. `progress` (task 0, may be NULL) counts epochs; a
 * cancellation stops after the current epoch. `*epochs_done` gets the
 * number of completed epochs.
 *
 * When an estimate or its gradient is not finite the run stops with
 * BK_ENONFINITE and a message naming the epoch; phi then holds the last
 * parameters whose ELBO and gradient were finite, and *epochs_done the
 * epochs completed before.
 */
int bk_vi_run(bk_vi *vi, uint64_t seed, double *phi, int nthreads, bk_progress *progress, double *elbo,
              double *exp_loglik, double *kl, double *seconds, size_t *epochs_done, bk_error *err);

/**
 * Early stopping on held-out data (n rows, checked and copied): after every
 * epoch bk_vi_run records the mean log-likelihood of these rows at the means
 * mu, stops once `patience` (>= 1) epochs have passed without a new best, and
 * returns the parameters of the best epoch (not the last one). Call before
 * bk_vi_run; the history and best epoch are read after it.
 */
int bk_vi_set_validation(bk_vi *vi, size_t n, const double *x, const double *y, size_t patience, bk_error *err);
/** The held-out mean log-likelihood of every completed epoch of the last run (NULL without validation data). */
const double *bk_vi_validation_history(const bk_vi *vi);
/** The 1-based epoch whose parameters the last run returned (0 without validation data). */
size_t bk_vi_best_epoch(const bk_vi *vi);

/**
 * S draws theta_s = mu + sigma eps_s from q (S x D row-major), eps_s the
 * next D normals of `rng`, draw after draw.
 */
int bk_vi_sample(bk_rng *rng, int scale, size_t dim, const double *phi, size_t S, double *out, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
