/*
 * Variational autoencoders (Kingma & Welling 2014, "Auto-encoding
 * variational Bayes", ICLR; Rezende, Mohamed & Wierstra 2014, ICML): amortized
 * variational inference with an encoder network giving q(z | x) and a decoder
 * network giving p(x | z), both dense networks of the nn family.
 *
 * MODEL. Latent z in R^K with prior p(z) = N(0, I); data x in R^D.
 *   encoder: widths D, h_1, ..., h_m, 2K; outputs (mu(x), log sigma^2(x)),
 *            q(z | x) = N(mu, diag sigma^2);
 *   decoder: widths K, h_m, ..., h_1, D (the encoder's hidden widths
 *            reversed); outputs f(z), with
 *     BK_VAE_BERNOULLI         log p(x|z) = sum_d x_d f_d - log(1 + e^{f_d})
 *                              (f the logits; x in [0, 1], the usual
 *                              cross-entropy for grey levels),
 *     BK_VAE_GAUSSIAN          log p(x|z) = sum_d log N(x_d; f_d, s^2),
 *                              s = sigma (fixed),
 *     BK_VAE_GAUSSIAN_LEARNED  the same with log s = theta[P_e + P_d], one
 *                              learned scalar at the end of theta.
 *
 * OBJECTIVE. Per data point, with L reparameterized draws
 * z_l = mu + sigma * eps_l, eps_l ~ N(0, I):
 *   ELBO_beta(x) = (1/L) sum_l log p(x | z_l) - beta KL(q(z|x) || N(0, I)),
 *   KL = (1/2) sum_k (mu_k^2 + sigma_k^2 - log sigma_k^2 - 1)   (closed form),
 * beta = 1 the ELBO, beta != 1 the beta-VAE (Higgins et al. 2017), beta from
 * the KL annealing schedule of the vi family (Bowman et al. 2016). The
 * gradient flows through z into the encoder:
 *   dELBO/dmu = g_z - beta mu,
 *   dELBO/dlog sigma^2 = (1/2) g_z eps sigma - (beta/2)(sigma^2 - 1),
 * g_z the decoder's input gradient (bk_net_backward's grad_x).
 *
 * EVALUATION. The importance-weighted bound (Burda, Grosse & Salakhutdinov
 * 2016, "Importance weighted autoencoders", ICLR) with k samples,
 *   L_k(x) = log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x),  z_i ~ q(z|x),
 * satisfies ELBO = L_1 <= L_k <= L_{k+1} <= log p(x), so it estimates the
 * log-likelihood of held-out data.
 *
 * PARAMETERS, flat: the encoder's (nn flat order), then the decoder's, then
 * log s for BK_VAE_GAUSSIAN_LEARNED.
 *
 * RANDOM STREAMS of `seed`: the draws of optimisation step t from stream
 * 2t + 2 (batch rows in order, L draws each, K values per draw), the shuffle
 * of epoch e from stream 2e + 1; the IWAE draws of data row i from stream
 * 2^40 + i. Results depend on the seed only.
 *
 * THREADS. Every pass is a dense matrix product on the whole minibatch
 * (cblas_dgemm for widths >= 8, see bk_net_uses_blas); Debian's serial
 * OpenBLAS must not run on several OpenMP threads at once, so training is
 * one thread; the IWAE evaluation runs OpenMP over rows when the networks
 * are small enough to avoid BLAS. Either way the numbers do not depend on
 * the thread count.
 */
#ifndef BAYESKIT_VAE_H
#define BAYESKIT_VAE_H

#include "bayeskit/core.h"
#include "bayeskit/nn.h"
#include "bayeskit/optim.h"
#include "bayeskit/progress.h"
#include "bayeskit/vi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bk_vae_decoder_kind {
    BK_VAE_BERNOULLI = 0,
    BK_VAE_GAUSSIAN = 1,
    BK_VAE_GAUSSIAN_LEARNED = 2
} bk_vae_decoder_kind;

typedef struct bk_vae_spec {
    size_t inputs;        /**< D >= 1 */
    size_t latent;        /**< K >= 1 */
    size_t nhidden;       /**< number of hidden layers m (>= 0) */
    const size_t *hidden; /**< m hidden widths of the encoder, each >= 1 */
    int activation;       /**< bk_activation of every hidden layer */
    int decoder;          /**< bk_vae_decoder_kind */
    double sigma;         /**< BK_VAE_GAUSSIAN: s > 0; BK_VAE_GAUSSIAN_LEARNED: initial s > 0 */
} bk_vae_spec;

typedef struct bk_vae bk_vae;

/** A VAE of `spec` (copied). Messages name the bad field ("latent dimension must be >= 1"). */
int bk_vae_alloc(const bk_vae_spec *spec, bk_vae **out, bk_error *err);
void bk_vae_free(bk_vae *vae);

size_t bk_vae_nparams(const bk_vae *vae);  /**< P_e + P_d (+ 1 for a learned s) */
size_t bk_vae_encoder_nparams(const bk_vae *vae);
size_t bk_vae_inputs(const bk_vae *vae);
size_t bk_vae_latent(const bk_vae *vae);
const bk_net *bk_vae_encoder(const bk_vae *vae);
const bk_net *bk_vae_decoder(const bk_vae *vae);

/**
 * Initial parameters: PyTorch's nn.Linear initialisation for both networks
 * (bk_net_init_default, encoder then decoder from `rng`), log s = log sigma.
 */
int bk_vae_init(bk_rng *rng, const bk_vae *vae, double *theta, bk_error *err);

/** x (n x D) finite, n >= 1; Bernoulli decoders also need every x in [0, 1]. */
int bk_vae_check_data(const bk_vae *vae, size_t n, const double *x, bk_error *err);

typedef struct bk_vae_config {
    size_t epochs;     /**< >= 1 */
    size_t batch_size; /**< 1..N; 0 = N */
    size_t samples;    /**< L >= 1 draws of z per data point and step */
    double beta;       /**< KL weight multiplying the annealing schedule's, > 0 (1: the ELBO) */
    bk_vi_anneal anneal;
    bk_optim_config optim; /**< minimises -ELBO */
} bk_vae_config;

/** 100 epochs, batch 128, L = 1, beta 1, constant schedule, Adam(1e-3). */
bk_vae_config bk_vae_config_default(void);
int bk_vae_config_check(const bk_vae_config *cfg, size_t nrows, bk_error *err);

typedef struct bk_vae_work bk_vae_work;
/** Buffers for minibatches of up to `max_rows` rows with `samples` draws each. */
int bk_vae_work_alloc(const bk_vae *vae, size_t max_rows, size_t samples, bk_vae_work **out, bk_error *err);
void bk_vae_work_free(bk_vae_work *ws);

/** The terms of a minibatch ELBO, each the MEAN over the batch rows. */
typedef struct bk_vae_terms {
    double elbo;           /**< reconstruction - beta kl */
    double reconstruction; /**< (1/L) sum_l log p(x | z_l) */
    double kl;             /**< KL(q(z|x) || N(0, I)) */
} bk_vae_terms;

/**
 * ELBO_beta averaged over the `nrows` rows `rows` of x (n x D; `rows` NULL:
 * rows 0..nrows-1) with `samples` draws per row from `eps` (nrows x samples
 * x K standard normals, row-major), and when `grad` is not NULL its gradient
 * (bk_vae_nparams values, overwritten; the ascent direction). Data are
 * assumed checked. Non-finite values are returned, not an error.
 */
int bk_vae_estimate(const bk_vae *vae, const double *theta, const double *x, size_t nrows, const size_t *rows,
                    size_t samples, const double *eps, double beta, bk_vae_work *ws, bk_vae_terms *terms,
                    double *grad, bk_error *err);

/**
 * Trains theta (updated in place; the starting point on entry) on x (n x D,
 * checked here) with cfg's epochs of shuffled minibatches. Per epoch e the
 * history arrays (cfg->epochs values each; any may be NULL) get the means
 * over the epoch's steps of elbo, reconstruction and kl, and `seconds` the
 * wall time since the start. `progress` (task 0, may be NULL) counts epochs;
 * a cancellation stops after the current epoch; `*epochs_done` gets the
 * completed epochs. A non-finite ELBO or gradient stops the run with
 * BK_ENONFINITE naming the epoch; theta then holds the last finite
 * parameters.
 */
int bk_vae_train(const bk_vae *vae, const bk_vae_config *cfg, size_t n, const double *x, uint64_t seed,
                 double *theta, bk_progress *progress, double *elbo, double *reconstruction, double *kl,
                 double *seconds, size_t *epochs_done, bk_error *err);

/** mu and log sigma^2 of q(z | x) for n rows (each n x K; either may be NULL). */
int bk_vae_encode(const bk_vae *vae, const double *theta, size_t n, const double *x, double *mu, double *logvar,
                  bk_error *err);

/**
 * The decoder's mean for n latent points z (n x K): probabilities
 * sigmoid(f) for the Bernoulli decoder, f for the Gaussians (n x D).
 */
int bk_vae_decode(const bk_vae *vae, const double *theta, size_t n, const double *z, double *out, bk_error *err);

/**
 * The IWAE bound L_k (k >= 1 importance samples) of each of the n rows of x
 * into `bound` (n values), draws of row i from stream 2^40 + i of `seed`;
 * k = 1 gives an unbiased single-draw ELBO. OpenMP as in the header
 * comment; x is checked.
 */
int bk_vae_iwae(const bk_vae *vae, const double *theta, size_t n, const double *x, size_t k, uint64_t seed,
                int nthreads, double *bound, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
