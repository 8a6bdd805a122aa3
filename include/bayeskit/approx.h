/*
 * Cheap approximations to the BNN posterior on the shared network engine
 * (include/bayeskit/nn.h, optim.h): minibatch training with dropout and
 * DropConnect, MC dropout, deep ensembles, and SWA / SWAG moments.
 *
 * DROPOUT (Srivastava et al. 2014, inverted): during training and MC
 * prediction the activations of hidden layer l (l = 0 .. L-2, the outputs of
 * dense layer l after its activation) are multiplied by a mask
 * m = keep / (1 - p_l), keep ~ Bernoulli(1 - p_l) independently per unit and
 * row, so E[m] = 1 and the expected activation equals the deterministic one.
 * DROPCONNECT (Wan et al. 2013): every weight W_l[i,j] (not the biases) is
 * multiplied by such a mask with rate q, one mask per minibatch / pass.
 * Gal & Ghahramani (2016) read both as variational inference with a
 * Bernoulli q(w); MC dropout averages T stochastic passes at test time.
 *
 * RANDOMNESS. Training draws the data order (Fisher-Yates per epoch) and
 * every mask from the `rng` it is given, in a fixed order, so a member's
 * result depends only on its stream. MC pass t uses stream (seed, stream0 +
 * t); ensemble member k uses stream (seed, stream0 + k) for its
 * initialisation (bk_net_init_default), data order and masks. Results are
 * therefore identical for any thread count. Parallel loops fall back to one
 * thread when bk_net_uses_blas (serial OpenBLAS is not thread-safe).
 *
 * Thread-safety: functions without `nthreads` use one thread; a bk_swag is
 * used by one thread at a time.
 */
#ifndef BAYESKIT_APPROX_H
#define BAYESKIT_APPROX_H

#include "bayeskit/core.h"
#include "bayeskit/nn.h"
#include "bayeskit/optim.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* SWA / SWAG moments                                                       */
/* ------------------------------------------------------------------------ */

/**
 * Running moments of collected weight vectors (Maddox et al. 2019, "A Simple
 * Baseline for Bayesian Uncertainty in Deep Learning"): after collecting
 * theta_1 .. theta_n,
 *     mean    = (1/n) sum_i theta_i                 (the SWA solution)
 *     sq_mean = (1/n) sum_i theta_i^2               (elementwise)
 *     D       = the last min(n, K) deviation columns theta_i - mean_i, with
 *               mean_i the running mean right after collecting theta_i.
 */
typedef struct bk_swag bk_swag;

/** Moments for `dim` >= 1 parameters keeping up to `max_rank` >= 1 deviation columns. */
int bk_swag_alloc(size_t dim, size_t max_rank, bk_swag **out, bk_error *err);
void bk_swag_free(bk_swag *swag);
size_t bk_swag_dim(const bk_swag *swag);
size_t bk_swag_max_rank(const bk_swag *swag);
/** Number of collected vectors n. */
size_t bk_swag_count(const bk_swag *swag);
/** Number of stored deviation columns, min(n, K). */
size_t bk_swag_rank(const bk_swag *swag);

/** Adds theta (dim values) to the moments. BK_ENONFINITE (nothing changed) on NaN or infinity. */
int bk_swag_collect(bk_swag *swag, const double *theta, bk_error *err);

/**
 * Copies the moments out: mean and sq_mean (dim values each, may be NULL)
 * and the deviations (rank x dim row-major, oldest first; may be NULL).
 * BK_EINVAL before anything was collected.
 */
int bk_swag_moments(const bk_swag *swag, double *mean, double *sq_mean, double *deviations, bk_error *err);

/** Restores moments written by bk_swag_moments (count n, rank columns, oldest first). */
int bk_swag_restore(bk_swag *swag, size_t count, const double *mean, const double *sq_mean, size_t rank,
                    const double *deviations, bk_error *err);

/**
 * One SWAG draw (Maddox et al. 2019, eq. 1 and Algorithm 1):
 *     theta = mean + scale (sqrt(diag) z1 + D z2 / sqrt(K - 1)),
 * diag = max(sq_mean - mean^2, 0), z1 ~ N(0, I_dim), z2 ~ N(0, I_K) with K
 * the stored rank (the low-rank term is dropped when K < 2). scale = 1/sqrt(2)
 * gives the paper's covariance (Sigma_diag + D D^T / (K - 1)) / 2; scale = 0
 * returns the SWA mean. `diag_only` drops the low-rank term (SWAG-diagonal).
 */
int bk_swag_sample(bk_rng *rng, const bk_swag *swag, double scale, int diag_only, double *theta, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */

typedef enum bk_head_kind {
    /** w_L outputs f, y (n x w_L): NLL (y - f)^2 / (2 sigma^2) + log sigma + log(2 pi)/2 per value. */
    BK_HEAD_GAUSSIAN = 0,
    /** 2m outputs (mu_1..mu_m, s_1..s_m), y (n x m): sigma = softplus(s) + 1e-6 and the Gaussian NLL
     *  log sigma + (y - mu)^2 / (2 sigma^2) + log(2 pi)/2 (Lakshminarayanan et al. 2017). */
    BK_HEAD_HETEROSCEDASTIC = 1,
    /** 1 logit, y in {0, 1}: -(y f - log(1 + e^f)). */
    BK_HEAD_BERNOULLI = 2,
    /** K >= 2 logits, y a class label: -(f_y - log sum_c e^{f_c}) (softmax cross-entropy). */
    BK_HEAD_CATEGORICAL = 3
} bk_head_kind;

/** sigma = softplus(s) + BK_HEAD_MIN_SIGMA for BK_HEAD_HETEROSCEDASTIC. */
#define BK_HEAD_MIN_SIGMA 1e-6

typedef struct bk_train_config {
    int head;              /**< bk_head_kind */
    double sigma;          /**< BK_HEAD_GAUSSIAN: noise std > 0 (1: half the squared error) */
    size_t epochs;         /**< passes over the data, >= 1 */
    size_t batch_size;     /**< rows per step, 0 = all n */
    const double *dropout; /**< L - 1 rates in [0, 1) for the hidden layers, or NULL (none) */
    size_t ndropout;       /**< must be L - 1 when dropout is not NULL */
    double dropconnect;    /**< weight-mask rate in [0, 1) */
    bk_optim_config optim; /**< optimiser and schedule; weight_decay is the L2 term */
    size_t swa_start;      /**< with a bk_swag: first epoch (0-based) whose end is collected */
    size_t swa_every;      /**< ... then every swa_every >= 1 epochs */
    /** Adversarial training (Lakshminarayanan, Pritzel & Blundell 2017, the fast gradient sign method of
     *  Goodfellow et al. 2015): w_0 steps eps_j >= 0, or NULL (off). Each batch then also evaluates
     *  x' = x + eps (.) sign(d NLL / dx) under the same masks and trains on (NLL(x) + NLL(x')) / 2
     *  (the paper's sum, halved, so that eps = 0 gives exactly the plain loss and gradient). */
    const double *adversarial_eps;
} bk_train_config;

/** Checks `cfg` against `net` (rates in [0, 1), head shape, epochs, optimiser). */
int bk_train_config_check(const bk_net *net, const bk_train_config *cfg, bk_error *err);

/** Values of y per row for `head`: w_L, w_L / 2, or 1. */
size_t bk_head_ycols(const bk_net *net, int head);

/**
 * Minibatch training: each epoch shuffles the rows (Fisher-Yates from
 * `rng`), then for each batch of B rows draws the masks, runs the forward
 * and backward passes and takes one optimiser step on the mean NLL per row
 * (1/B) sum_i NLL_i. theta (P values) is updated in place; `history` (epochs
 * values, may be NULL) gets the mean NLL per row of each epoch (under its
 * masks). With `swag` not NULL, theta is collected at the end of the epochs
 * cfg->swa_start, swa_start + swa_every, ... Data are checked; divergence
 * stops with BK_ENONFINITE naming the epoch (theta: the last finite point).
 */
int bk_approx_train(bk_rng *rng, const bk_net *net, const bk_train_config *cfg, size_t n, const double *x,
                    const double *y, double *theta, double *history, bk_swag *swag, bk_error *err);

/**
 * One batch of bk_approx_train, for checking gradients: draws the masks of
 * a pass over the n rows from `rng` (hidden layers in order, then the
 * DropConnect weight mask), and writes the mean NLL per row into *loss and
 * its gradient (P values) into grad. Resetting `rng` reproduces the masks.
 */
int bk_approx_batch_loss(bk_rng *rng, const bk_net *net, const bk_train_config *cfg, size_t n, const double *x,
                         const double *y, const double *theta, double *loss, double *grad, bk_error *err);

/**
 * The mean NLL per row of theta at the n rows of (x, y), *loss, and at the
 * fast-gradient-sign inputs x' = x + eps (.) sign(d NLL / dx), *loss_adv,
 * without dropout masks (cfg's rates and adversarial_eps are ignored; eps
 * has w_0 values >= 0).
 */
int bk_approx_adversarial_loss(const bk_net *net, const bk_train_config *cfg, size_t n, const double *x,
                               const double *y, const double *theta, const double *eps, double *loss,
                               double *loss_adv, bk_error *err);

/**
 * Deep ensemble (Lakshminarayanan et al. 2017): K >= 1 members, member k
 * initialised by bk_net_init_default and trained by bk_approx_train, both
 * from stream (seed, stream0 + k). OpenMP over members. `thetas` (K x P)
 * receives the members; `history` (K x epochs, may be NULL) their losses.
 */
int bk_approx_ensemble_train(const bk_net *net, const bk_train_config *cfg, size_t K, uint64_t seed,
                             uint64_t stream0, size_t n, const double *x, const double *y, double *thetas,
                             double *history, int nthreads, bk_error *err);

/* ------------------------------------------------------------------------ */
/* MC dropout                                                               */
/* ------------------------------------------------------------------------ */

/** Draws one inverted-dropout mask: m_i = 0 with probability p, else 1 / (1 - p); p in [0, 1). */
int bk_dropout_mask(bk_rng *rng, double p, size_t m, double *mask, bk_error *err);

/**
 * T >= 1 stochastic forward passes of theta with dropout `rates` (L - 1
 * values, or NULL) and DropConnect rate `dropconnect`; pass t draws its
 * masks from stream (seed, stream0 + t). `out` is T x n x w_L. OpenMP over
 * passes (one thread when bk_net_uses_blas(net, n)).
 */
int bk_approx_mc_dropout(const bk_net *net, const double *theta, const double *rates, size_t nrates,
                         double dropconnect, size_t T, uint64_t seed, uint64_t stream0, size_t n, const double *x,
                         double *out, int nthreads, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Laplace                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * Jacobian of the outputs in the weights at each of the n rows of x:
 * jac (n x w_L x P, row-major) gets d f_a(x_r) / d theta_j at
 * [(r w_L + a) P + j] (one forward and w_L backward passes per row).
 */
int bk_approx_jacobian(const bk_net *net, const double *theta, size_t n, const double *x, double *jac,
                       bk_error *err);

/*
 * KFAC LAPLACE (Ritter, Botev & Barber 2018; laplace-torch's KronLaplace).
 * For dense layer l with input abar = [a_l; 1] (m_l = w_l + 1 values, bias
 * last) and pre-activation z_{l+1} (o_l = w_{l+1} values), the GGN block of
 * the weights [W_l b_l] (index (i, j): output unit i, input j, j = w_l the
 * bias) is approximated by the Kronecker product
 *     H_l ~ N (G_l (x) A_l),  A_l = E[abar abar^T],  G_l = E[sum_c g_c g_c^T],
 * g_c = d(v_c . f)/dz_{l+1} with Lambda = sum_c v_c v_c^T the Hessian of
 * the NLL in the outputs f (beta I; p(1 - p); diag(p) - p p^T) and E the
 * mean over the N rows. Layers are independent blocks. With A = Q_A diag(a)
 * Q_A^T and G = Q_G diag(g) Q_G^T, the posterior precision H_l + delta I
 * has eigenvalues N g_i a_j + delta in the basis Q_G (x) Q_A, which gives
 * the damped inverse, its log-determinant and its square root in O(m^3 + o^3).
 *
 * Layout of `factors` (bk_kfac_size doubles): layer by layer A_l (m_l x m_l)
 * then G_l (o_l x o_l), row-major; `vectors` has the same layout with the
 * eigenvectors as COLUMNS; `values` (bk_kfac_nvalues doubles) layer by layer
 * the m_l eigenvalues of A_l then the o_l of G_l, ascending.
 */

/** Doubles in the KFAC factors: sum_l (w_l + 1)^2 + w_{l+1}^2. */
size_t bk_kfac_size(const bk_net *net);
/** Doubles in their eigenvalues: sum_l (w_l + 1) + w_{l+1}. */
size_t bk_kfac_nvalues(const bk_net *net);

/**
 * The factors A_l and G_l at weights theta over the n rows of (x, y), and
 * *loglik = log p(y | x, theta). `lik` is BK_LIK_GAUSSIAN (fixed sigma),
 * BK_LIK_BERNOULLI or BK_LIK_CATEGORICAL. One forward and w_L backward
 * passes per row.
 */
int bk_kfac_factors(const bk_net *net, const double *theta, const bk_likelihood *lik, size_t n, const double *x,
                    const double *y, double *factors, double *loglik, bk_error *err);

/** Eigendecomposition of every factor (GSL symmv; round-off negatives set to 0). */
int bk_kfac_eigen(const bk_net *net, const double *factors, double *vectors, double *values, bk_error *err);

/**
 * Linearised (GLM) predictive of the posterior N(theta, (N G (x) A + delta I)^-1)
 * per layer: mean (n x w_L) = f(x; theta), cov (n x w_L x w_L) = J Sigma J^T
 * with J_l = g_a (x) abar per output a. `count` is N.
 */
int bk_kfac_predict(const bk_net *net, const double *theta, const double *vectors, const double *values, double count,
                    double delta, size_t n, const double *x, double *mean, double *cov, bk_error *err);

/**
 * One posterior draw out = theta + Sigma^{1/2} z: per layer (in order) an
 * o_l x m_l matrix of N(0, 1) from `rng`, scaled by (N g_i a_j + delta)^{-1/2}
 * and rotated by Q_G . Q_A^T.
 */
int bk_kfac_sample(bk_rng *rng, const bk_net *net, const double *theta, const double *vectors, const double *values,
                   double count, double delta, double *out, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
