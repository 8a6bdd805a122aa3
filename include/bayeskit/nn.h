/*
 * Dense neural networks, their likelihoods and weight priors, and the BNN
 * posterior log density: the network engine every later family reuses
 * (MCMC, VI, MC dropout, ensembles, SWAG, Laplace).
 *
 * NETWORK. Widths w_0 (inputs), w_1, ..., w_L (outputs): L dense layers.
 * Layer l (0-based) maps a_{l} (w_l values) to
 *     z_{l+1} = W_l a_l + b_l,   a_{l+1} = act_l(z_{l+1}),
 * with act_l the hidden activation of layer l for l < L-1 and the identity
 * for the output layer (l = L-1).
 *
 * FLAT WEIGHT ORDER (docs/CONVENTIONS.md names): layer by layer, for layer l
 * first W_l row-major (row i = output unit, column j = input unit, the
 * shape [out x in] of PyTorch's nn.Linear.weight), then b_l:
 *     layer0.W[0,0], layer0.W[0,1], ..., layer0.W[w_1-1, w_0-1],
 *     layer0.b[0], ..., layer0.b[w_1-1], layer1.W[0,0], ...
 * so `torch.cat([p.flatten() for p in model.parameters()])` of a stack of
 * nn.Linear layers maps one to one. P = sum_l w_{l+1} (w_l + 1).
 *
 * DATA are row-major: x is n x w_0, outputs are n x w_L.
 *
 * Thread-safety: a `bk_net` is immutable after bk_net_alloc and may be shared
 * by any number of threads. A `bk_net_work` and a `bk_bnn_posterior` are used
 * by one thread at a time (one per chain / worker; see
 * bk_bnn_posterior_clone).
 */
#ifndef BAYESKIT_NN_H
#define BAYESKIT_NN_H

#include "bayeskit/core.h"
#include "bayeskit/logdensity.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Activations                                                              */
/* ------------------------------------------------------------------------ */

/** Hidden-layer activations. The derivative of ReLU at 0 is taken as 0 (as PyTorch). */
typedef enum bk_activation {
    BK_ACT_IDENTITY = 0, /**< z */
    BK_ACT_RELU = 1,     /**< max(z, 0) */
    BK_ACT_TANH = 2,     /**< tanh z */
    BK_ACT_SIGMOID = 3,  /**< 1 / (1 + e^-z) */
    BK_ACT_SOFTPLUS = 4, /**< log(1 + e^z), computed stably */
    BK_ACT_SIN = 5       /**< sin z */
} bk_activation;

/** Lower-case name of an activation ("relu"), or NULL for an unknown code. */
const char *bk_activation_name(int act);

/* ------------------------------------------------------------------------ */
/* Network spec                                                             */
/* ------------------------------------------------------------------------ */

typedef struct bk_net bk_net;

/**
 * A network with `nwidths` >= 2 widths (all >= 1). `acts` holds either one
 * activation shared by every hidden layer (`nacts` = 1) or one per hidden
 * layer (`nacts` = nwidths - 2); with no hidden layer `nacts` may be 0 or 1.
 * The output layer is always the identity.
 */
int bk_net_alloc(size_t nwidths, const size_t *widths, size_t nacts, const int *acts, bk_net **out, bk_error *err);
void bk_net_free(bk_net *net);

size_t bk_net_nparams(const bk_net *net);  /**< P */
size_t bk_net_nlayers(const bk_net *net);  /**< L = nwidths - 1 */
size_t bk_net_ninputs(const bk_net *net);  /**< w_0 */
size_t bk_net_noutputs(const bk_net *net); /**< w_L */
/** w_i for 0 <= i <= L, 0 when out of range. */
size_t bk_net_width(const bk_net *net, size_t i);
/** Activation of layer l (identity for the output layer), -1 when out of range. */
int bk_net_activation(const bk_net *net, size_t l);
/** Offset of layer l's W in the flat vector; its b follows at offset + w_{l+1} w_l. (size_t)-1 when out of range. */
size_t bk_net_layer_offset(const bk_net *net, size_t l);

/**
 * Writes the name of flat parameter `index` ("layer0.W[2,0]", "layer1.b[0]")
 * into `buf` (NUL-terminated, truncated to `bufsize`). BK_EINVAL when
 * `index` >= P.
 */
int bk_net_param_name(const bk_net *net, size_t index, char *buf, size_t bufsize, bk_error *err);

/**
 * PyTorch's default nn.Linear initialisation: every W_l and b_l entry
 * uniform on (-1/sqrt(w_l), 1/sqrt(w_l)), drawn in flat order from `rng`.
 * (Same distribution as torch, not the same numbers.)
 */
int bk_net_init_default(bk_rng *rng, const bk_net *net, double *theta, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Workspace, forward, backward                                             */
/* ------------------------------------------------------------------------ */

typedef struct bk_net_work bk_net_work;

/**
 * Buffers for forward/backward passes of `net` over up to `max_rows` rows
 * (pre-activations and activations of every layer, two delta buffers).
 * Allocated once; forward and backward never allocate.
 */
int bk_net_work_alloc(const bk_net *net, size_t max_rows, bk_net_work **out, bk_error *err);
void bk_net_work_free(bk_net_work *ws);
size_t bk_net_work_max_rows(const bk_net_work *ws);

/**
 * Forward pass of `n` rows: `out` (n x w_L, may be NULL) receives the
 * outputs. The activations stay in `ws` for a following bk_net_backward with
 * the same `theta` and `x` (the pointer to `x` is kept; keep it alive).
 * BK_EDIM when n > max_rows or `ws` belongs to another architecture.
 * Data are not scanned for NaN here (hot path); non-finite weights give
 * non-finite outputs, not an error.
 */
int bk_net_forward(const bk_net *net, const double *theta, size_t n, const double *x, double *out, bk_net_work *ws,
                   bk_error *err);

/**
 * Reverse mode through the last forward pass in `ws`: given dout = dL/dout
 * (n x w_L), OVERWRITES grad_theta[0..P) with dL/dtheta and, when `grad_x`
 * is not NULL, grad_x (n x w_0) with dL/dx.
 */
int bk_net_backward(const bk_net *net, const double *theta, const double *dout, double *grad_theta, double *grad_x,
                    bk_net_work *ws, bk_error *err);

/**
 * Activations a_l of the last forward pass, 1 <= l <= L (l = L: the outputs;
 * l = L-1: penultimate features for last-layer Bayes), stored UNIT-MAJOR:
 * w_l x n, unit u's values for the n rows at [u n, (u + 1) n) (the
 * transpose of the row-major n x w_l matrix). NULL when out of range or
 * before a forward pass.
 */
const double *bk_net_work_activations(const bk_net_work *ws, size_t l);

/**
 * 1 when a pass over `nrows` rows would send some layer through cblas_dgemm
 * (both widths >= 8 and rows x in x out >= 4096), else 0. Debian's serial
 * OpenBLAS must not be called from several OpenMP threads at once, so any
 * parallel loop over forward passes runs on one thread when this is 1
 * (bk_net_predict does so itself). The result of a pass never depends on it.
 */
int bk_net_uses_blas(const bk_net *net, size_t nrows);

/**
 * Predictive over S weight vectors: row s of `thetas` (S rows, row stride
 * `ldtheta` >= P, so draws with extra trailing parameters such as a learned
 * log-noise can be passed as they are) gives out[s] (n x w_L), `out` being
 * S x n x w_L. OpenMP over s with bk_resolve_threads(nthreads) threads (one
 * when bk_net_uses_blas(net, n): OpenBLAS is not thread-safe here); each
 * row is computed by the same serial code, so the result does not depend on
 * the thread count. BK_ENONFINITE when x holds NaN or infinity.
 */
int bk_net_predict(const bk_net *net, size_t S, const double *thetas, size_t ldtheta, size_t n, const double *x,
                   double *out, int nthreads, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Likelihoods and priors                                                   */
/* ------------------------------------------------------------------------ */

typedef enum bk_likelihood_kind {
    /** y (n x k) ~ N(f, sigma^2) independently: sum -(y-f)^2/(2 sigma^2) - log sigma - log(2 pi)/2. */
    BK_LIK_GAUSSIAN = 0,
    /** As BK_LIK_GAUSSIAN with log sigma = theta[P], one extra parameter at the END of the vector. */
    BK_LIK_GAUSSIAN_LEARNED_NOISE = 1,
    /** k = 1 logit output f, y (n) in {0, 1}: sum y f - log(1 + e^f). */
    BK_LIK_BERNOULLI = 2,
    /** k >= 2 logits, y (n) class labels 0..k-1 stored as doubles: sum f_y - log sum_c e^{f_c}. */
    BK_LIK_CATEGORICAL = 3
} bk_likelihood_kind;

typedef struct bk_likelihood {
    int kind;                /**< bk_likelihood_kind */
    double sigma;            /**< BK_LIK_GAUSSIAN: noise std > 0 */
    double log_sigma_mean;   /**< BK_LIK_GAUSSIAN_LEARNED_NOISE: prior log sigma ~ N(mean, std^2) */
    double log_sigma_std;    /**< ... its std > 0 */
} bk_likelihood;

/** Checks the fields of `lik` against `net` (Bernoulli needs 1 output, categorical >= 2). */
int bk_likelihood_check(const bk_net *net, const bk_likelihood *lik, bk_error *err);

/** Dimension of theta for this network and likelihood: P, or P + 1 with learned noise. */
size_t bk_nn_dim(const bk_net *net, const bk_likelihood *lik);

/** Values of y per row: w_L for the Gaussians, 1 for Bernoulli and categorical. */
size_t bk_likelihood_ycols(const bk_net *net, const bk_likelihood *lik);

/**
 * Checks data for `net` and `lik`: n >= 1, x and y finite, Bernoulli labels
 * in {0, 1}, categorical labels whole numbers in [0, k).
 */
int bk_nn_check_data(const bk_net *net, const bk_likelihood *lik, size_t n, const double *x, const double *y,
                     bk_error *err);

/**
 * log p(y | x, theta) summed over the n rows, theta of length bk_nn_dim, and
 * when `grad` is not NULL its gradient (bk_nn_dim values, overwritten). Data
 * are assumed checked (bk_nn_check_data); `ws` must hold n rows.
 */
int bk_nn_loglik(const bk_net *net, const bk_likelihood *lik, const double *theta, size_t n, const double *x,
                 const double *y, double *loglik, double *grad, bk_net_work *ws, bk_error *err);

typedef enum bk_prior_kind {
    BK_PRIOR_NORMAL = 0,    /**< every weight and bias ~ N(0, std^2) */
    BK_PRIOR_PER_LAYER = 1, /**< W_l and b_l ~ N(0, layer_std[l]^2), one std per dense layer */
    BK_PRIOR_FAN_IN = 2     /**< W_l and b_l ~ N(0, std^2 / w_l): std scaled by 1/sqrt(fan-in) */
} bk_prior_kind;

typedef struct bk_prior {
    int kind;                /**< bk_prior_kind */
    double std;              /**< BK_PRIOR_NORMAL, BK_PRIOR_FAN_IN: > 0 */
    const double *layer_std; /**< BK_PRIOR_PER_LAYER: L values > 0 (copied by the posterior) */
    size_t nlayer_std;       /**< must equal L */
} bk_prior;

int bk_prior_check(const bk_net *net, const bk_prior *prior, bk_error *err);

/**
 * log p(theta): the normalised Normal log density of every weight
 * (-w^2/(2 s^2) - log s - log(2 pi)/2), plus, with learned noise, the
 * N(log_sigma_mean, log_sigma_std^2) log density of theta[P]. Gradient
 * overwritten when not NULL. (Seed 000's log_prior omits the constant
 * -P (log s + log(2 pi)/2); MH ratios are unaffected.)
 */
int bk_nn_logprior(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, const double *theta,
                   double *logprior, double *grad, bk_error *err);

/** Draws theta (bk_nn_dim values) from the prior, in flat order, from `rng`. */
int bk_nn_prior_sample(bk_rng *rng, const bk_net *net, const bk_likelihood *lik, const bk_prior *prior,
                       double *theta, bk_error *err);

/* ------------------------------------------------------------------------ */
/* The BNN posterior                                                        */
/* ------------------------------------------------------------------------ */

/**
 * The tempered posterior
 *     log p_T(theta | D) = log p(theta) + log p(y | x, theta) / T,
 * T > 0 the temperature (T = 1: the Bayes posterior; T < 1: a "cold"
 * posterior, sharper likelihood). The object holds copies of the network,
 * data, likelihood and prior (shared, read-only, between clones) and its own
 * workspace and error record.
 */
typedef struct bk_bnn_posterior bk_bnn_posterior;

/**
 * `x` is n x w_0, `y` is n x bk_likelihood_ycols values; both copied and
 * checked (bk_nn_check_data), as are `lik`, `prior` and `temperature`.
 */
int bk_bnn_posterior_alloc(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, double temperature,
                           size_t n, const double *x, const double *y, bk_bnn_posterior **out, bk_error *err);

/**
 * A new posterior sharing `post`'s read-only data (reference counted) with
 * its own workspace: one per chain for parallel sampling. Cheap (one
 * workspace allocation). Clones may be freed in any order.
 */
int bk_bnn_posterior_clone(const bk_bnn_posterior *post, bk_bnn_posterior **out, bk_error *err);
void bk_bnn_posterior_free(bk_bnn_posterior *post);

size_t bk_bnn_posterior_dim(const bk_bnn_posterior *post);
const bk_net *bk_bnn_posterior_net(const bk_bnn_posterior *post);
size_t bk_bnn_posterior_nrows(const bk_bnn_posterior *post);
/** The record of the last failure of the callback on this object. */
const bk_error *bk_bnn_posterior_error(const bk_bnn_posterior *post);

/**
 * THE log-density callback (bk_logdensity_fn) of the posterior: `ctx` is a
 * bk_bnn_posterior*. Non-finite values (extreme weights) are returned with
 * BK_SUCCESS; BK_EDIM when dim != bk_bnn_posterior_dim.
 */
int bk_bnn_posterior_logdensity(void *ctx, size_t dim, const double *theta, double *logp, double *grad);

/**
 * The minibatch estimate of the log density for stochastic-gradient MCMC
 * (a bk_minibatch_fn of mcmc.h):
 *     log p(theta) + (N / B) (1 / T) sum_{i in rows} log p(y_i | x_i, theta),
 * B = nrows in 1..N, unbiased for the full tempered log-likelihood when the
 * rows are a uniform random subset; gradient overwritten when not NULL.
 * Same contract as bk_bnn_posterior_logdensity.
 */
int bk_bnn_posterior_minibatch(void *ctx, size_t dim, const double *theta, size_t nrows, const size_t *rows,
                               double *logp, double *grad);

/** The two terms separately: log p(theta) and the UNtempered log p(y | x, theta). */
int bk_bnn_posterior_terms(bk_bnn_posterior *post, const double *theta, double *logprior, double *loglik,
                           bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
