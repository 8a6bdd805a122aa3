/*
 * MCMC: kernels, adaptation, the multi-chain driver, and predictive
 * summaries over posterior draws.
 *
 * SHAPE (BlackJAX). A kernel is a pair init/step over a small state:
 *     init(position)        -> state {position, logdensity, grad}
 *     step(rng, state)      -> state', info
 * What a step reports (acceptance probability, acceptance, proposal value)
 * is its INFO, never part of the state. The loop over iterations, warmup,
 * thinning, chains and files is the DRIVER (bk_mcmc_run), shared by every
 * kernel through a small vtable (bk_mcmc_kernel_type). Adaptation is its own
 * triple init/update/final (bk_scale_adapt_*), fed with the info's
 * acceptance probability and applied through the vtable's tuning hooks.
 *
 * Log densities are bk_logdensity_fn callbacks (logdensity.h): a non-finite
 * value at a proposal is a REJECTION (acceptance probability 0), a non-zero
 * status is a model failure that stops the chain with the model's message.
 *
 * Thread-safety: kernel objects (bk_mh) are used by one thread at a time;
 * the driver gives every chain its own kernel object, RNG stream and model
 * context, so chains run concurrently without locks.
 */
#ifndef BAYESKIT_MCMC_H
#define BAYESKIT_MCMC_H

#include "bayeskit/core.h"
#include "bayeskit/logdensity.h"
#include "bayeskit/nn.h"
#include "bayeskit/progress.h"
#include "bayeskit/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* State                                                                    */
/* ------------------------------------------------------------------------ */

/** The state of a chain: position (dim values, caller-owned), its log density and, for gradient kernels, its gradient (dim values, caller-owned; NULL for gradient-free kernels). */
typedef struct bk_mcmc_state {
    double *position;
    double logdensity;
    double *grad;
} bk_mcmc_state;

/* ------------------------------------------------------------------------ */
/* Metropolis–Hastings                                                      */
/* ------------------------------------------------------------------------ */

/**
 * A general MH proposal q(y | x) with the Hastings correction.
 * `propose` draws y ~ q(. | x) into `y` from `rng` (it must not allocate;
 * return BK_SUCCESS or a status); `log_density` returns log q(to | from) up
 * to a constant that does not depend on `to` or `from`. `ctx` is shared by
 * every chain of a run: both functions must only READ it.
 */
typedef struct bk_mh_proposal {
    int (*propose)(void *ctx, bk_rng *rng, size_t dim, const double *x, double *y);
    double (*log_density)(void *ctx, size_t dim, const double *to, const double *from);
    void *ctx;
} bk_mh_proposal;

typedef enum bk_mh_proposal_kind {
    /** y = x + s * z, z ~ N(0, I) (symmetric: no Hastings term). */
    BK_MH_RANDOM_WALK = 0,
    /** y = x + s * d ⊙ z, d the diagonal scale vector (symmetric). */
    BK_MH_RANDOM_WALK_DIAG = 1,
    /** A bk_mh_proposal; the acceptance ratio includes log q(x|y) - log q(y|x). */
    BK_MH_GENERAL = 2
} bk_mh_proposal_kind;

/** Configuration of an MH kernel (copied by bk_mh_alloc). */
typedef struct bk_mh_config {
    int kind;                 /**< bk_mh_proposal_kind */
    double scale;             /**< random walks: the step scale s > 0 (the tuning parameter); ignored for GENERAL */
    const double *diag_scale; /**< BK_MH_RANDOM_WALK_DIAG: dim values > 0 (copied) */
    bk_mh_proposal proposal;  /**< BK_MH_GENERAL */
} bk_mh_config;

/** What one MH step reports. */
typedef struct bk_mh_info {
    double acceptance_prob;     /**< min(1, exp(log alpha)); 0 for a non-finite proposal density */
    int is_accepted;            /**< 1 when the proposal became the new state */
    double proposal_logdensity; /**< log density at the proposal (may be -inf or NaN) */
} bk_mh_info;

typedef struct bk_mh bk_mh;

/**
 * An MH kernel for a `dim`-dimensional target `fn(ctx, ...)`: checks the
 * configuration (scale > 0 and finite, diagonal scales > 0, proposal
 * functions present) and allocates the proposal buffer. One per chain.
 */
int bk_mh_alloc(size_t dim, const bk_mh_config *config, bk_logdensity_fn fn, void *ctx, bk_mh **out, bk_error *err);
void bk_mh_free(bk_mh *k);
size_t bk_mh_dim(const bk_mh *k);
/** The current random-walk scale s (NaN for a general proposal). */
double bk_mh_scale(const bk_mh *k);
/** Sets s (> 0 and finite), e.g. from adaptation. */
int bk_mh_set_scale(bk_mh *k, double scale, bk_error *err);
/** The kernel's record of its last failure (a model failure carries the model's status; the message is the kernel's). */
const bk_error *bk_mh_error(const bk_mh *k);

/**
 * init: evaluates the log density at `state->position` into
 * `state->logdensity`. BK_ENONFINITE when it is not finite (a chain cannot
 * start where the target has zero density); the model's status when it
 * fails. `state->grad` is ignored (MH needs no gradient).
 */
int bk_mh_init(bk_mh *k, bk_mcmc_state *state, bk_error *err);

/**
 * step: proposes y, accepts with probability
 *     min(1, p(y) q(x|y) / (p(x) q(y|x)))
 * (u ~ U[0,1) drawn with the proposal, accept when u < alpha), and updates `state` in place
 * on acceptance. A non-finite log p(y) is a rejection. No allocation. On a
 * model failure (non-zero status from the callback) `state` is untouched,
 * the status is returned and `bk_mh_error` says what happened.
 */
int bk_mh_step(bk_mh *k, bk_rng *rng, bk_mcmc_state *state, bk_mh_info *info);

/**
 * The independence Gaussian proposal q(y | x) = N(y; mean, diag(sd^2)),
 * the concrete asymmetric example for the Hastings correction. Fill a
 * bk_independence_gaussian (mean and sd point to caller arrays of dim
 * values, sd > 0, that outlive the run) and get the proposal with
 * bk_independence_gaussian_proposal.
 */
typedef struct bk_independence_gaussian {
    size_t dim;
    const double *mean;
    const double *sd;
} bk_independence_gaussian;

int bk_independence_gaussian_proposal(bk_independence_gaussian *g, bk_mh_proposal *out, bk_error *err);

/**
 * `n` standard normal draws from `rng` by the random-walk kernel's fast
 * path: a 256-layer ziggurat (Marsaglia & Tsang 2000) on the stream's
 * xoshiro256++ outputs. Not the same numbers as bk_rng_normal (GSL's
 * ziggurat), but the same stream: the generator advances by the 64-bit
 * words consumed. For tests of the kernel's proposal distribution.
 */
int bk_mcmc_normal_fill(bk_rng *rng, size_t n, double *out, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Scale adaptation (Robbins–Monro on log s)                                */
/* ------------------------------------------------------------------------ */

/**
 * Stochastic approximation of the scale that reaches a target acceptance
 * (Robbins & Monro 1951; Andrieu & Thoms 2008, "A tutorial on adaptive
 * MCMC", Statistics and Computing 18, section 5):
 *     log s_{t+1} = log s_t + gamma_t (alpha_t - target),
 *     gamma_t = (t + 1)^(-kappa), kappa = 0.6,
 * alpha_t the step's acceptance probability. `final` returns exp of the
 * average of log s over the second half of the updates (Polyak averaging),
 * or the current value when fewer than 2 updates were made.
 */
typedef struct bk_scale_adapt {
    double log_scale;
    double target;
    double kappa;
    uint64_t t;       /* updates so far */
    uint64_t nwarmup; /* planned updates, for the averaging window */
    double sum_late;  /* sum of log s over the averaging window */
    uint64_t n_late;
} bk_scale_adapt;

int bk_scale_adapt_init(bk_scale_adapt *a, double scale, double target, uint64_t nwarmup, bk_error *err);
/** Feeds one acceptance probability; returns the new scale. */
double bk_scale_adapt_update(bk_scale_adapt *a, double acceptance_prob);
double bk_scale_adapt_final(const bk_scale_adapt *a);

/* ------------------------------------------------------------------------ */
/* The kernel interface the driver runs                                     */
/* ------------------------------------------------------------------------ */

/** What the driver needs from one step's info, whatever the kernel. */
typedef struct bk_mcmc_step_stats {
    double acceptance_prob;
    int is_accepted;
    int is_divergent;   /**< HMC/NUTS; 0 for MH */
    int hit_max_depth;  /**< NUTS; 0 otherwise */
    int nonfinite;      /**< 1 when the proposal's log density was not finite (a rejection) */
    uint32_t n_evals;   /**< log-density (gradient) evaluations of this step */
} bk_mcmc_step_stats;

/**
 * A kernel family as the driver sees it. `params` is the family's
 * configuration (for MH a bk_mh_config). Every chain gets its own kernel
 * object from `alloc`. `get_tuning`/`set_tuning` expose the one scalar the
 * driver adapts during warmup (MH: the scale; HMC: the step size); NULL when
 * the kernel has nothing to tune. `error` returns the kernel's last failure.
 */
typedef struct bk_mcmc_kernel_type {
    const char *name;
    size_t info_size;
    int needs_gradient;
    int (*alloc)(const void *params, size_t dim, bk_logdensity_fn fn, void *ctx, void **out, bk_error *err);
    void (*free)(void *kernel);
    int (*init)(void *kernel, bk_mcmc_state *state, bk_error *err);
    int (*step)(void *kernel, bk_rng *rng, bk_mcmc_state *state, void *info);
    void (*stats)(const void *info, bk_mcmc_step_stats *out);
    double (*get_tuning)(const void *kernel);
    int (*set_tuning)(void *kernel, double value, bk_error *err);
    const bk_error *(*error)(const void *kernel);
    /**
     * Optional (NULL for MH): the kernel owns its warmup adaptation (HMC and
     * NUTS: dual-averaging step size and windowed metric). When present and
     * the run adapts, the driver calls `adapt_init` once before the first
     * warmup iteration, `adapt` after every warmup step with the iteration
     * index (0-based) and that step's info, and `adapt_final` after the last
     * one, instead of Robbins–Monro on the tuning. `*n_evals` receives the
     * log-density evaluations the hook spent (counted in the chain's total);
     * a non-zero status is a chain failure with the message in `err`.
     */
    int (*adapt_init)(void *kernel, bk_rng *rng, uint64_t nwarmup, bk_mcmc_state *state, uint32_t *n_evals,
                      bk_error *err);
    int (*adapt)(void *kernel, bk_rng *rng, uint64_t iteration, bk_mcmc_state *state, const void *info,
                 uint32_t *n_evals, bk_error *err);
    void (*adapt_final)(void *kernel);
} bk_mcmc_kernel_type;

/** The Metropolis–Hastings family (params: const bk_mh_config *); a static object. */
const bk_mcmc_kernel_type *bk_mh_kernel_type(void);

/* ------------------------------------------------------------------------ */
/* Stochastic-gradient MCMC                                                 */
/* ------------------------------------------------------------------------ */

/**
 * A minibatch estimate of a log density that is a sum over N data items,
 *     log p~(theta) = log p(theta) + (N / B) sum_{i in rows} log p(y_i | theta),
 * B = nrows, and its gradient (overwritten when `grad` is not NULL). Same
 * contract as bk_logdensity_fn (bk_bnn_posterior_minibatch is one).
 */
typedef int (*bk_minibatch_fn)(void *ctx, size_t dim, const double *theta, size_t nrows, const size_t *rows,
                               double *logp, double *grad);

typedef enum bk_sgmcmc_kind {
    /** SGLD (Welling & Teh 2011): theta += (eps_t / 2) grad log p~(theta) + N(0, eps_t I). */
    BK_SGLD = 0,
    /**
     * SGHMC (Chen, Fox & Guestrin 2014, eq. 15, the "v" form with learning
     * rate eta_t = eps_t and friction alpha):
     *     v <- (1 - alpha) v + eta_t grad log p~(theta) + N(0, 2 (alpha - beta_hat) eta_t I),
     *     theta <- theta + v.
     */
    BK_SGHMC = 1
} bk_sgmcmc_kind;

typedef enum bk_sg_schedule_kind {
    BK_SG_CONSTANT = 0,   /**< eps_t = a */
    /** eps_t = a (b + t)^(-gamma), gamma in (0.5, 1] (Welling & Teh 2011: sum eps = inf, sum eps^2 < inf) */
    BK_SG_POLYNOMIAL = 1,
    /**
     * Cyclical (Zhang, Li, Zhang, Chen & Wilson 2020, cSG-MCMC):
     *     eps_k = (a / 2) (cos(pi (k mod K) / K) + 1),  K = cycle length,
     * the first fraction `exploration` of every cycle without noise
     * (optimisation), the rest sampling. The driver's iterations are the
     * sampling steps: at the start of each of the `cycles` cycles the kernel
     * first runs the cycle's exploration steps inside that iteration, so
     * every kept draw comes from a sampling stage.
     */
    BK_SG_CYCLICAL = 2
} bk_sg_schedule_kind;

typedef struct bk_sgmcmc_config {
    int kind;                  /**< bk_sgmcmc_kind */
    size_t nrows;              /**< N >= 1 data items */
    size_t batch_size;         /**< B in 1..N, drawn without replacement from the chain's stream each step */
    bk_minibatch_fn minibatch; /**< called with the chain's context */
    int schedule;              /**< bk_sg_schedule_kind */
    double step_size;          /**< a > 0 */
    double b;                  /**< BK_SG_POLYNOMIAL: b >= 0 */
    double gamma;              /**< BK_SG_POLYNOMIAL: in (0.5, 1] */
    size_t cycles;             /**< BK_SG_CYCLICAL: M >= 1 */
    double exploration;        /**< BK_SG_CYCLICAL: fraction in [0, 1) */
    uint64_t total_steps;      /**< BK_SG_CYCLICAL: the driver's iterations (warmup + draws) */
    double friction;           /**< BK_SGHMC: alpha in (0, 1] */
    double noise_estimate;     /**< BK_SGHMC: beta_hat in [0, alpha) */
} bk_sgmcmc_config;

/** What one SG-MCMC step reports (no accept/reject: every step moves). */
typedef struct bk_sgmcmc_info {
    double step_size;   /**< eps_t of the (last) update */
    double logdensity;  /**< the minibatch estimate log p~ at the new position */
    uint32_t n_evals;   /**< minibatch gradient evaluations (more than 1 at a cycle's start) */
    int nonfinite;      /**< 1 when the estimate or its gradient was not finite (the step is undone) */
} bk_sgmcmc_info;

/** Checks a configuration; messages name the field ("batch size 0 must be in 1..20"). */
int bk_sgmcmc_config_check(const bk_sgmcmc_config *cfg, bk_error *err);

/**
 * The SG-MCMC family for bk_mcmc_run (params: const bk_sgmcmc_config *). The
 * model's full log density (bk_mcmc_model.logdensity) is evaluated once at
 * init; steps use the minibatch function with the same context. The state's
 * log density after a step is the minibatch estimate. Nothing is adapted
 * (run with adapt = 0); warmup iterations follow the schedule and are not
 * kept. A non-finite estimate or gradient undoes the step, counts as a
 * non-finite proposal and keeps the chain where it was.
 */
const bk_mcmc_kernel_type *bk_sgmcmc_kernel_type(void);

/* ------------------------------------------------------------------------ */
/* The driver                                                               */
/* ------------------------------------------------------------------------ */

/** The model's last failure message for context `ctx` (e.g. the BNN posterior's error record), or NULL. */
typedef const char *(*bk_logdensity_message_fn)(void *ctx);

/** The target as the driver sees it. */
typedef struct bk_mcmc_model {
    size_t dim;
    bk_logdensity_fn logdensity;
    /** One context per chain (a context with a workspace must not be shared; pass clones). */
    void *const *ctxs;
    /** Optional: the model's message after a failing call on a context. */
    bk_logdensity_message_fn message;
    /**
     * 1 when the model must not be evaluated from several threads at once
     * even on distinct contexts (it calls the serial OpenBLAS, which is not
     * reentrant, or user code that is not thread-safe): chains then run one
     * after another on one thread. The draws are the same either way.
     */
    int serial;
} bk_mcmc_model;

typedef struct bk_mcmc_config {
    size_t nchains;            /**< >= 1 */
    uint64_t warmup;           /**< warmup iterations per chain (not kept) */
    uint64_t draws;            /**< post-warmup iterations per chain (Stan's --draws); every thin-th is kept */
    uint64_t thin;             /**< >= 1; sampling iteration i (0-based) is kept when i % thin == 0 */
    int adapt;                 /**< 1: adapt the kernel's tuning during warmup (needs warmup > 0) */
    double target_accept;      /**< in (0, 1), e.g. 0.234 for a random walk */
    uint64_t seed;             /**< chain k uses RNG stream first_stream + k of seed */
    uint64_t first_stream;
    int nthreads;              /**< 0: the process default (bk_resolve_threads) */
    /** Optional: one draws-file path per chain (bk_draws_writer, chunked); NULL: no files. */
    const char *const *draws_paths;
    /** Parameter names for the draws files (dim of them); NULL gives theta[i]. */
    const char *const *names;
    size_t chunk_draws;        /**< draws per file chunk, 0: 1024 */
    uint64_t progress_block;   /**< iterations between progress bumps and cancellation checks, 0: 1024 */
} bk_mcmc_config;

/** Per-chain results. */
typedef struct bk_mcmc_chain_stats {
    uint64_t warmup_done;      /**< warmup iterations done */
    uint64_t draws_done;       /**< sampling iterations done */
    uint64_t kept;             /**< draws kept (written / stored) */
    uint64_t accepted;         /**< accepted proposals during sampling */
    double acceptance_rate;    /**< accepted / draws_done (the seed's "acceptance rate") */
    double mean_accept_prob;   /**< mean acceptance probability during sampling */
    double warmup_acceptance_rate;
    double tuning;             /**< final scale / step size (NaN when the kernel has none) */
    uint64_t n_divergent;
    uint64_t n_max_depth;
    uint64_t n_evals;          /**< log-density evaluations, init included */
    uint64_t n_nonfinite;      /**< proposals rejected for a non-finite log density (sampling + warmup) */
    double warmup_s, sampling_s;
    int status;                /**< BK_SUCCESS, or this chain's failure */
    uint64_t n_evals_sampling; /**< log-density (gradient) evaluations during sampling (per draw: / draws_done) */
    uint64_t n_divergent_warmup; /**< divergent transitions during warmup */
} bk_mcmc_chain_stats;

/**
 * Runs `config->nchains` chains of `kernel` on `model`, in parallel over
 * chains with OpenMP (bk_resolve_threads(nthreads) threads, one when
 * `model->serial`). Chain k: RNG stream first_stream + k of `seed`, context
 * ctxs[k], start at initial[k*dim .. (k+1)*dim). Each iteration is one
 * kernel step; warmup iterations adapt the tuning (Robbins–Monro, when
 * `adapt` and the kernel has tuning) and are not kept; the tuning is then
 * fixed at bk_scale_adapt_final. The draws do not depend on the thread count.
 *
 * Outputs (each may be NULL):
 *   draws  nchains x kept x dim, kept = ceil(draws / thin), row-major;
 *   mean, var  nchains x dim: Welford's online mean and variance
 *          (divisor kept - 1; 0 for one draw) of the kept draws;
 *   stats  nchains records;
 *   progress  nchains tasks (total warmup + draws each), bumped every
 *          progress_block iterations; cancellation stops every chain at its
 *          next block, the result is BK_SUCCESS with *completed = 0.
 * `*completed` (may be NULL) is 1 when every chain ran to its end.
 *
 * Failure: bad arguments are checked before any work (nothing written).
 * When a chain fails (model failure, file write error) the other chains stop
 * at their next block; the status of the lowest failing chain is returned
 * with "chain k: <message>" in `err`; draws files keep every complete chunk
 * (they are flushed and closed) and the stats say how far each chain got.
 */
int bk_mcmc_run(const bk_mcmc_kernel_type *kernel, const void *kernel_params, const bk_mcmc_model *model,
                const bk_mcmc_config *config, const double *initial, double *draws, double *mean, double *var,
                bk_mcmc_chain_stats *stats, bk_progress *progress, int *completed, bk_error *err);

/** Number of kept draws per chain: ceil(draws / thin) (0 when thin is 0). */
uint64_t bk_mcmc_kept(uint64_t draws, uint64_t thin);

/** Message hook for BNN posterior contexts (bk_bnn_posterior_error's message). */
const char *bk_mcmc_bnn_message(void *ctx);

/**
 * 1 when evaluating `post` calls BLAS (a dense layer large enough for
 * cblas_dgemm with this many data rows): the serial OpenBLAS is not
 * reentrant, so such a model must be run with bk_mcmc_model.serial = 1.
 */
int bk_mcmc_bnn_uses_blas(const bk_bnn_posterior *post);

/* ------------------------------------------------------------------------ */
/* Predictive summaries                                                     */
/* ------------------------------------------------------------------------ */

typedef enum bk_predictive_noise {
    BK_PRED_NOISE_NONE = 0,    /**< y summaries not computed */
    BK_PRED_NOISE_FIXED = 1,   /**< y = f + sigma eps */
    BK_PRED_NOISE_LEARNED = 2  /**< y = f + exp(theta_s[P]) eps (column P of each draw) */
} bk_predictive_noise;

/**
 * Prior or posterior predictive of a network over S weight draws (rows of
 * `thetas`, stride ldtheta >= P, +1 for learned noise) at n inputs x
 * (n x w_0). With K = n * w_L output cells and m quantile levels (each in
 * [0, 1]; linear interpolation, numpy's default):
 *   f_mean, f_sd (K), f_q (m x K): of f(x; theta_s) over s (sd divisor S-1);
 *   y_mean, y_sd (K), y_q (m x K): of y_s = f_s + sigma_s eps_s, eps_s from
 *     RNG stream (s) of `seed` (one N(0,1) per cell, in cell order), when
 *     noise != NONE (these outputs may be NULL otherwise);
 *   f_samples (S x K, may be NULL): every f_s.
 * Parallel over draws and then over cells with bk_resolve_threads(nthreads)
 * threads (one thread when the network would call BLAS); results do not
 * depend on the thread count. S >= 1 (S >= 2 for sd).
 */
int bk_predictive_summary(const bk_net *net, size_t S, const double *thetas, size_t ldtheta, size_t n, const double *x,
                          int noise, double sigma, uint64_t seed, size_t m, const double *levels, double *f_mean,
                          double *f_sd, double *f_q, double *y_mean, double *y_sd, double *y_q, double *f_samples,
                          int nthreads, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
