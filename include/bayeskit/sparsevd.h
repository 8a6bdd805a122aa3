/*
 * Sparse variational dropout (Molchanov, Ashukha & Vetrov 2017, "Variational
 * dropout sparsifies deep neural networks", ICML) for dense networks.
 *
 * Every weight w_ij of every layer has q(w_ij) = N(theta_ij, sigma_ij^2) with
 * the dropout rate alpha_ij = sigma_ij^2 / theta_ij^2 learned per weight
 * (biases are point estimates). The free parameters are theta and
 * log sigma^2 (the paper's additive reparameterization, lower-variance
 * gradients); log alpha = log sigma^2 - log theta^2. The prior is the
 * log-uniform p(|w|) ~ 1/|w|, whose KL term has no closed form; the paper's
 * fit, accurate to 1e-2 for every alpha, is used:
 *   -KL(q(w_ij) || p) ~ k1 sigmoid(k2 + k3 log alpha) - (1/2) log(1 + 1/alpha) - k1,
 *   k1 = 0.63576, k2 = 1.87320, k3 = 1.48695.
 * The objective is the SGVB lower bound on minibatches with the local
 * reparameterization trick (Kingma, Salimans & Welling 2015): layer l's
 * pre-activation of row r is sampled as
 *   b_ri = sum_j a_rj theta_ij + bias_i + sqrt(sum_j a_rj^2 sigma_ij^2) eps_ri,
 * so  ELBO ~ (N/B) sum_{r in B} log p(y_r | x_r, w) - beta sum KL.
 * Weights with log alpha > threshold (3 in the paper: alpha > 20, the weight
 * is almost pure noise) are removed; prediction uses the means theta of the
 * kept weights.
 *
 * PARAMETERS, flat, layer by layer: theta (out x in, row-major), then
 * log sigma^2 (same shape), then the bias (out). Random streams: the noise of
 * optimisation step t from stream 2t + 2 of `seed`, the shuffle of epoch e
 * from stream 2e + 1, the initial values from stream 0. One thread.
 */
#ifndef BAYESKIT_SPARSEVD_H
#define BAYESKIT_SPARSEVD_H

#include "bayeskit/core.h"
#include "bayeskit/nn.h"
#include "bayeskit/optim.h"
#include "bayeskit/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_svd bk_svd;

/**
 * A sparse-VD network with `nwidths` widths (>= 2), one hidden activation,
 * the likelihood BK_LIK_GAUSSIAN (fixed sigma; y n x w_L) or
 * BK_LIK_CATEGORICAL (w_L >= 2 logits; y n labels). Copies the data (x n x
 * w_0), checked ("row 3 column 2 is NaN").
 */
int bk_svd_alloc(size_t nwidths, const size_t *widths, int activation, const bk_likelihood *lik, size_t n,
                 const double *x, const double *y, bk_svd **out, bk_error *err);
void bk_svd_free(bk_svd *s);

/** Parameters: sum_l (2 in_l + 1) out_l. */
size_t bk_svd_nparams(const bk_svd *s);
/** Variational weights: sum_l in_l out_l. */
size_t bk_svd_nweights(const bk_svd *s);

/**
 * Initial parameters: theta as PyTorch's nn.Linear (uniform +-1/sqrt(in)),
 * log sigma^2 = `log_sigma2`, biases 0, from `rng`.
 */
int bk_svd_init(bk_rng *rng, const bk_svd *s, double log_sigma2, double *params, bk_error *err);

typedef struct bk_svd_config {
    size_t epochs;     /**< >= 1 */
    size_t batch_size; /**< 1..N; 0 = N */
    double kl_weight;  /**< beta > 0 on the KL sum (1: the ELBO) */
    size_t kl_warmup;  /**< epochs over which beta rises linearly from 0 (0: none) */
    bk_optim_config optim;
} bk_svd_config;

/**
 * The minibatch ELBO estimate (rows `rows`, `nrows` of them; NULL: all)
 * with the pre-activation noise `eps` (nrows x sum_l out_l, layer by layer,
 * row-major within a layer) and its gradient (bk_svd_nparams values,
 * overwritten, ascent direction) when `grad` is not NULL. `*loglik` gets the
 * scaled log-likelihood term, `*kl` the KL sum.
 */
int bk_svd_estimate(bk_svd *s, const double *params, size_t nrows, const size_t *rows, const double *eps,
                    double kl_weight, double *elbo, double *loglik, double *kl, double *grad, bk_error *err);

/**
 * Trains `params` (in place) with Adam over cfg->epochs epochs. `elbo`
 * (epochs values, may be NULL) gets each epoch's mean ELBO estimate.
 * Divergence stops with BK_ENONFINITE naming the epoch (params: the last
 * finite ones).
 */
int bk_svd_train(bk_svd *s, const bk_svd_config *cfg, uint64_t seed, double *params, bk_progress *progress,
                 double *elbo, size_t *epochs_done, bk_error *err);

/** log alpha of every variational weight (bk_svd_nweights values, layer by layer, row-major). */
int bk_svd_log_alpha(const bk_svd *s, const double *params, double *log_alpha, bk_error *err);

/**
 * Deterministic outputs (n x w_L) of new inputs `x` (n x w_0) with the
 * means theta of the weights whose log alpha <= threshold and 0 for the
 * others; `*kept` (may be NULL) gets the number of kept weights.
 */
int bk_svd_predict(const bk_svd *s, const double *params, double threshold, size_t n, const double *x, double *out,
                   size_t *kept, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
