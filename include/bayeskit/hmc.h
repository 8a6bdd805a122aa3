/*
 * Gradient-based MCMC: Hamiltonian Monte Carlo with a fixed trajectory and
 * the No-U-Turn Sampler, with Stan's warmup adaptation.
 *
 * HAMILTONIAN. With position q (the parameters), momentum p and inverse
 * metric Σ = M^{-1} (unit, diagonal or dense),
 *     H(q, p) = V(q) + T(p),  V(q) = -log π(q),  T(p) = ½ pᵀ Σ p,
 * momenta are drawn p ~ N(0, M) = N(0, Σ^{-1}) (dense: p = L^{-T} z with
 * Σ = L Lᵀ) and moved by the leapfrog integrator with step ε:
 *     p ← p + ½ε ∇log π(q);  q ← q + ε Σ p;  p ← p + ½ε ∇log π(q).
 * One leapfrog step is one gradient evaluation.
 *
 * HMC (Duane et al. 1987; Neal 2011, "MCMC using Hamiltonian dynamics"):
 * L leapfrog steps (L fixed, or L = max(1, floor(T / ε)) for a path
 * length T as Stan's static HMC), accepted with probability
 * min(1, exp(H0 - H)).
 *
 * NUTS: multinomial NUTS with the generalised no-U-turn criterion exactly as
 * Stan's base_nuts (Hoffman & Gelman 2014, "The No-U-Turn Sampler", JMLR 15;
 * Betancourt 2017, "A conceptual introduction to Hamiltonian Monte Carlo",
 * arXiv:1701.02434, appendix A): the trajectory doubles in a random direction
 * until the criterion p♯₋·ρ > 0 and p♯₊·ρ > 0 (ρ the summed momenta, p♯ = Σp)
 * fails on the merged tree or across its two halves, the tree depth reaches
 * `max_depth`, or a leapfrog step diverges; the draw is chosen among the
 * states with weights exp(-H), biased progressively toward the new subtree at
 * the top level and uniformly (multinomially) inside subtrees. The acceptance
 * statistic is the mean of min(1, exp(H0 - H)) over every leapfrog state.
 *
 * DIVERGENCE: a step whose energy error H - H0 exceeds `max_energy_error`
 * (Stan: 1000), or whose log density is not finite (V = +inf), is divergent;
 * NUTS stops building the trajectory there and samples among the states
 * before the divergent subtree. A non-finite log density is never an error.
 *
 * WARMUP (Stan's adaptation, through the driver's adapt hooks):
 *   - step size by dual averaging (Nesterov 2009; Hoffman & Gelman 2014
 *     section 3.2) toward the target acceptance statistic δ:
 *         s̄_t = (1 - 1/(t + t0)) s̄_{t-1} + (δ - α_t) / (t + t0),
 *         log ε_t = μ - √t s̄_t / γ,
 *         log ε̄_t = t^{-κ} log ε_t + (1 - t^{-κ}) log ε̄_{t-1},
 *     μ = log(10 ε₀), γ = 0.05, t0 = 10, κ = 0.75, δ = 0.8; ε̄ at the end;
 *   - the inverse metric (diagonal variances or dense covariance) from the
 *     draws of expanding windows: an initial buffer (75 iterations), windows
 *     of 25, 50, 100, ... (the last one stretched to the terminal buffer),
 *     a terminal buffer (50), shrunk to 15% / 75% / 10% of the warmup when
 *     warmup < 150, as Stan's windowed_adaptation; each window's estimate
 *     is regularised as Stan's
 *         Σ = n/(n + 5) S + 1e-3 · 5/(n + 5) I,
 *     after which the step size is re-initialised by Stan's heuristic
 *     (double or halve ε until the acceptance of one leapfrog step crosses
 *     0.8) and dual averaging restarts with μ = log(10 ε).
 *
 * A kernel object (bk_hmc) belongs to one chain; step allocates nothing.
 */
#ifndef BAYESKIT_HMC_H
#define BAYESKIT_HMC_H

#include "bayeskit/mcmc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bk_hmc_metric {
    BK_METRIC_UNIT = 0,  /**< Σ = I */
    BK_METRIC_DIAG = 1,  /**< Σ = diag(v) */
    BK_METRIC_DENSE = 2  /**< Σ a symmetric positive-definite matrix */
} bk_hmc_metric;

typedef enum bk_hmc_algorithm {
    BK_HMC_STATIC = 0, /**< fixed number of leapfrog steps (or path length) */
    BK_HMC_NUTS = 1    /**< the No-U-Turn Sampler */
} bk_hmc_algorithm;

/** Configuration of an HMC / NUTS kernel (copied by bk_hmc_alloc). */
typedef struct bk_hmc_config {
    int algorithm;            /**< bk_hmc_algorithm */
    int metric;               /**< bk_hmc_metric */
    double step_size;         /**< initial ε > 0 (Stan: 1); adaptation starts from it */
    /** Initial inverse metric: NULL for the identity; DIAG: dim values > 0; DENSE: dim x dim row-major, SPD (copied). */
    const double *inv_metric;
    int n_steps;              /**< STATIC: leapfrog steps L >= 1, or 0 to use path_length */
    double path_length;       /**< STATIC with n_steps 0: T > 0, L = max(1, floor(T / ε)) */
    int max_depth;            /**< NUTS: maximum tree depth in [1, 30] (Stan: 10) */
    double max_energy_error;  /**< divergence threshold on H - H0, > 0; 0 gives Stan's 1000 */
    /* Warmup adaptation (used when the driver adapts). */
    double target_accept;     /**< δ in (0, 1); 0 gives 0.8 */
    int adapt_metric;         /**< 1: windowed estimation of the inverse metric (DIAG or DENSE) */
    double gamma, t0, kappa;  /**< dual averaging; 0 gives 0.05, 10, 0.75 */
    unsigned init_buffer, term_buffer, base_window; /**< 0 gives 75, 50, 25 */
} bk_hmc_config;

/** What one HMC / NUTS step reports. */
typedef struct bk_hmc_info {
    double acceptance_prob;   /**< STATIC: min(1, exp(H0 - H)); NUTS: mean over the trajectory (Stan's accept_stat) */
    int is_accepted;          /**< STATIC: the proposal was accepted; NUTS: the draw differs from the start */
    int is_divergent;
    int hit_max_depth;        /**< NUTS: the tree reached max_depth */
    int tree_depth;           /**< NUTS: depth of the final tree; STATIC: 0 */
    uint32_t n_leapfrog;      /**< leapfrog steps = gradient evaluations */
    double energy;            /**< H at the returned state */
    double energy_error;      /**< STATIC: H(proposal) - H0; NUTS: H(draw) - H0 */
    double step_size;         /**< ε used */
    int nonfinite;            /**< 1 when a leapfrog state had a non-finite log density */
} bk_hmc_info;

typedef struct bk_hmc bk_hmc;

/**
 * An HMC or NUTS kernel for a `dim`-dimensional target `fn(ctx, ...)` with
 * gradient. Checks the configuration (ε > 0 finite; L >= 1 or T > 0;
 * max_depth in [1, 30]; metric values positive, a dense metric positive
 * definite; target in (0, 1)) and allocates every buffer a step needs.
 */
int bk_hmc_alloc(size_t dim, const bk_hmc_config *config, bk_logdensity_fn fn, void *ctx, bk_hmc **out, bk_error *err);
void bk_hmc_free(bk_hmc *k);
size_t bk_hmc_dim(const bk_hmc *k);
double bk_hmc_step_size(const bk_hmc *k);
/** Sets ε (> 0 and finite). */
int bk_hmc_set_step_size(bk_hmc *k, double step_size, bk_error *err);
/** The current inverse metric into `out`: dim values (UNIT, DIAG) or dim x dim (DENSE). */
void bk_hmc_inv_metric(const bk_hmc *k, double *out);
const bk_error *bk_hmc_error(const bk_hmc *k);

/**
 * init: evaluates log π and its gradient at `state->position` into
 * `state->logdensity` and `state->grad` (dim values, required).
 * BK_ENONFINITE when the position, the value or the gradient is not finite.
 */
int bk_hmc_init(bk_hmc *k, bk_mcmc_state *state, bk_error *err);

/** One transition (STATIC or NUTS); updates `state` in place; no allocation. A model failure returns its status. */
int bk_hmc_step(bk_hmc *k, bk_rng *rng, bk_mcmc_state *state, bk_hmc_info *info);

/**
 * Warmup adaptation (see the file comment). `adapt_init` prepares the
 * schedule for `nwarmup` iterations and runs Stan's step-size heuristic at
 * `state`; `adapt` feeds iteration `iteration` (0-based) after its step;
 * `adapt_final` fixes ε at the dual-averaging average ε̄. `*n_evals` (may be
 * NULL) receives the gradient evaluations spent by the heuristic.
 */
int bk_hmc_adapt_init(bk_hmc *k, bk_rng *rng, uint64_t nwarmup, bk_mcmc_state *state, uint32_t *n_evals, bk_error *err);
int bk_hmc_adapt(bk_hmc *k, bk_rng *rng, uint64_t iteration, bk_mcmc_state *state, const bk_hmc_info *info,
                 uint32_t *n_evals, bk_error *err);
void bk_hmc_adapt_final(bk_hmc *k);

/** The HMC / NUTS family for the driver (params: const bk_hmc_config *); static objects. */
const bk_mcmc_kernel_type *bk_hmc_kernel_type(void);

/**
 * Mean wall time of one log-density-with-gradient evaluation at `theta`
 * over `reps` calls (Stan prints it before sampling). Uses `grad` (dim
 * values) as scratch.
 */
int bk_logdensity_time(bk_logdensity_fn fn, void *ctx, size_t dim, const double *theta, double *grad, int reps,
                       double *seconds, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
