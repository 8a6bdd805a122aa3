/*
 * Ordinary differential equations: integrators on GSL's gsl_odeiv2, built-in
 * systems with their Jacobians, forward sensitivities, parallel batch solves
 * and the posterior over ODE parameters (a bk_logdensity_fn with gradient).
 *
 * SYSTEM. y' = f(t, y; p), y with `dim` states, p with `nparams` parameters.
 * Callbacks return 0 on success and non-zero to stop the solve (a user
 * closure that threw): the solver then fails with BK_ESOLVER and the
 * system's message (bk_ode_system.message). Matrices are row-major:
 *     dfdy[i*dim + j]     = d f_i / d y_j          (the Jacobian, dim x dim)
 *     dfdp[i*nparams + k] = d f_i / d p_k          (dim x nparams)
 * A missing `jac` or `pjac` is replaced by central finite differences
 * (step 1e-7 max(1, |v|)): implicit methods and sensitivities still work,
 * at 2 dim (or 2 nparams) extra evaluations per call and about 1e-8
 * relative accuracy.
 *
 * METHODS. Explicit rk8pd (Prince-Dormand 8(9), 13 stages), rkf45
 * (Fehlberg 4(5)), rkck (Cash-Karp 4(5)); implicit rk4imp (Gauss 4th order)
 * and msbdf (variable-order BDF, for stiff systems), both using the Jacobian.
 * Error control: |err_i| <= atol + rtol |y_i| on every state (sensitivities
 * included). Output at requested times: the integrator steps to each one
 * exactly (no interpolation).
 *
 * SENSITIVITIES (forward, the variational equations). With S = dy/dp
 * (dim x nparams, S(t0) = 0 since y0 does not depend on p):
 *     S' = J(t, y; p) S + dfdp(t, y; p),
 * integrated together with y as one system of dim (1 + nparams) states.
 * The implicit methods get the block-diagonal approximation diag(J, J, ...)
 * of the augmented Jacobian (it only steers Newton's iteration).
 * With respect to the initial states the same equations hold without the
 * forcing term: Z = dy/dy0 solves Z' = J Z, Z(t0) = I (Hairer, Norsett &
 * Wanner, Solving ODEs I, section I.14). A solver may integrate both at
 * once, S = [dy/dp | dy/dy0] (dim x (nparams + dim)), S(t0) = [0 | I].
 *
 * WORKSPACES. A bk_ode_solver owns one gsl_odeiv2_driver for one system and
 * one mode (with or without sensitivities); it is reset, never reallocated,
 * between solves. Batch solves allocate one solver per thread per call and
 * reuse it for all the call's solves. A solver is used by one thread at a
 * time; a bk_ode_system of the built-ins is immutable and may be shared.
 * A system with `serial` set (a Swift closure) is never called from two
 * threads at once: batch and grid functions then use one thread.
 *
 * FAILURES never abort: a step limit (BK_ESOLVER "... after N steps at
 * t = ..."), a non-finite state (BK_ENONFINITE "... blew up ... at t = ..."),
 * GSL's own failures (BK_ESOLVER with GSL's reason) come back as a status
 * with the message in the solver's bk_error (bk_ode_solver_error).
 */
#ifndef BAYESKIT_ODE_H
#define BAYESKIT_ODE_H

#include "bayeskit/core.h"
#include "bayeskit/distributions.h"
#include "bayeskit/logdensity.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Systems                                                                  */
/* ------------------------------------------------------------------------ */

typedef int (*bk_ode_rhs_fn)(void *ctx, double t, const double *y, const double *p, double *dydt);
/** Jacobian `dfdy` (dim x dim) and `dfdt` (dim; may be set to zero for autonomous systems). */
typedef int (*bk_ode_jac_fn)(void *ctx, double t, const double *y, const double *p, double *dfdy, double *dfdt);
/** Parameter Jacobian `dfdp` (dim x nparams). */
typedef int (*bk_ode_pjac_fn)(void *ctx, double t, const double *y, const double *p, double *dfdp);
/** The message of the last failed callback on `ctx` (a closure's error), or NULL. */
typedef const char *(*bk_ode_message_fn)(void *ctx);

/** A system y' = f(t, y; p). A plain value: the built-ins fill one in. */
typedef struct bk_ode_system {
    const char *name;          /**< for messages, e.g. "oscillator" */
    size_t dim;                /**< number of states, >= 1 */
    size_t nparams;            /**< number of parameters, >= 0 */
    bk_ode_rhs_fn rhs;         /**< required */
    bk_ode_jac_fn jac;         /**< optional (finite differences when NULL) */
    bk_ode_pjac_fn pjac;       /**< optional (finite differences when NULL) */
    bk_ode_message_fn message; /**< optional */
    void *ctx;                 /**< passed to every callback */
    int serial;                /**< 1: never call from two threads at once */
    const char *const *state_names;  /**< dim names, or NULL */
    const char *const *param_names;  /**< nparams names, or NULL */
} bk_ode_system;

/** The built-in systems. */
typedef enum bk_ode_builtin {
    /** x'' + 2 zeta omega x' + omega^2 x = 0: states (x, v), params (zeta, omega). */
    BK_ODE_OSCILLATOR = 0,
    /** x'' + 2 zeta omega x' + omega^2 x = F cos(Omega t): states (x, v), params (zeta, omega, F, Omega). */
    BK_ODE_FORCED_OSCILLATOR = 1,
    /** x' = alpha x - beta x y, y' = delta x y - gamma y: states (prey, predator), params (alpha, beta, delta, gamma). */
    BK_ODE_LOTKA_VOLTERRA = 2,
    /** S' = -beta S I, I' = beta S I - gamma I, R' = gamma I (fractions): states (S, I, R), params (beta, gamma). */
    BK_ODE_SIR = 3,
    /** x' = v, v' = mu (1 - x^2) v - x: states (x, v), params (mu). Stiff for large mu. */
    BK_ODE_VAN_DER_POL = 4,
    /** Robertson's kinetics: y1' = -k1 y1 + k3 y2 y3, y2' = k1 y1 - k2 y2^2 - k3 y2 y3, y3' = k2 y2^2;
     *  params (k1, k2, k3) = (0.04, 3e7, 1e4) classically. Stiff. */
    BK_ODE_ROBERTSON = 5,
    BK_ODE_BUILTIN_COUNT = 6
} bk_ode_builtin;

/** Fills `*out` with built-in system `which` (with Jacobians). BK_EINVAL for an unknown one. */
int bk_ode_system_builtin(int which, bk_ode_system *out, bk_error *err);

/** Looks a built-in up by name: "oscillator", "forced-oscillator", "lotka-volterra", "sir", "van-der-pol", "robertson". */
int bk_ode_system_named(const char *name, bk_ode_system *out, bk_error *err);

/** Checks a user's system (dim >= 1, rhs present). */
int bk_ode_system_check(const bk_ode_system *sys, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Solver                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum bk_ode_method {
    BK_ODE_RK8PD = 0,
    BK_ODE_RKF45 = 1,
    BK_ODE_RKCK = 2,
    BK_ODE_RK4IMP = 3,
    BK_ODE_MSBDF = 4,
    BK_ODE_METHOD_COUNT = 5
} bk_ode_method;

/** "rk8pd", "rkf45", "rkck", "rk4imp", "msbdf"; "unknown" otherwise. */
const char *bk_ode_method_name(int method);

/** The method called `name`; BK_EINVAL "unknown ODE method 'x'; known methods: ..." otherwise. */
int bk_ode_method_parse(const char *name, int *out, bk_error *err);

typedef struct bk_ode_options {
    int method;           /**< bk_ode_method */
    double rtol;          /**< relative tolerance, >= 0 */
    double atol;          /**< absolute tolerance, >= 0; rtol + atol > 0 */
    double h0;            /**< first step size, > 0 */
    uint64_t max_steps;   /**< steps allowed per solve, >= 1 */
} bk_ode_options;

/** rk8pd, rtol 1e-8, atol 1e-10, h0 1e-6, max_steps 100000. */
void bk_ode_options_default(bk_ode_options *opt);

/** Validates the options ("rtol must be >= 0 and finite, got -1", ...). */
int bk_ode_options_check(const bk_ode_options *opt, bk_error *err);

typedef struct bk_ode_solver bk_ode_solver;

/** Which sensitivities a solver integrates (flags; 0 = none). */
typedef enum bk_ode_sens {
    BK_ODE_SENS_PARAMS = 1,  /**< dy/dp: nparams columns */
    BK_ODE_SENS_INITIAL = 2  /**< dy/dy0: dim columns, after the parameter ones when both are set */
} bk_ode_sens;

/**
 * A solver for `sys` (copied; its ctx must outlive the solver) with `opt`;
 * `sensitivities` (bk_ode_sens flags, 0..3) integrates dy/dp (1), dy/dy0
 * (2) or both (3) too (bk_ode_solver_solve's `sens`).
 */
int bk_ode_solver_alloc(const bk_ode_system *sys, const bk_ode_options *opt, int sensitivities, bk_ode_solver **out,
                        bk_error *err);
void bk_ode_solver_free(bk_ode_solver *s);

/** The solver's last failure (code and message). */
const bk_error *bk_ode_solver_error(const bk_ode_solver *s);

/** Columns of the solver's sensitivity matrix: nparams (flag 1), dim (flag 2), nparams + dim (3), 0 (none). */
size_t bk_ode_solver_sens_columns(const bk_ode_solver *s);

/**
 * Solves from y(t0) = y0 with parameters `p` (nparams values) and writes
 * the states at `times` (nt >= 1 values, finite, strictly increasing,
 * times[0] >= t0) into y (nt x dim, row-major). With a sensitivity solver,
 * `sens` (nullable) gets S at each time: nt x dim x ns with ns =
 * bk_ode_solver_sens_columns, sens[(k*dim + i)*ns + j] = d y_i(times[k]) / d p_j
 * for the parameter columns (j < nparams with flag 1) and d y_i / d y0_m in
 * column j = (flag 1 ? nparams : 0) + m. Outputs are
 * untouched on failure. Steps and right-hand-side calls of the last solve:
 * bk_ode_solver_stats.
 */
int bk_ode_solver_solve(bk_ode_solver *s, const double *p, const double *y0, double t0, size_t nt,
                        const double *times, double *y, double *sens);

/** Steps taken and right-hand-side evaluations of the last solve (each may be NULL). */
void bk_ode_solver_stats(const bk_ode_solver *s, uint64_t *steps, uint64_t *rhs_evals);

/**
 * `nsets` independent solves in parallel (bk_resolve_threads(nthreads)
 * threads, one for a `serial` system), set k with parameters
 * params[k*nparams ..] and initial state y0 + k*y0_stride (y0_stride 0: one
 * shared initial state; dim: one per set). Writes out[(k*nt + i)*dim + j]
 * (nsets x nt x dim) and, when `sens` is not NULL, the sensitivities
 * (nsets x nt x dim x nparams). Results do not depend on the thread count.
 * On failure the message names the first failing set (lowest index) and the
 * contents of `out`/`sens` are unspecified.
 */
int bk_ode_solve_batch(const bk_ode_system *sys, const bk_ode_options *opt, size_t nsets, const double *params,
                       const double *y0, size_t y0_stride, double t0, size_t nt, const double *times, double *out,
                       double *sens, int nthreads, bk_error *err);

/* ------------------------------------------------------------------------ */
/* Posterior over ODE parameters                                            */
/* ------------------------------------------------------------------------ */

/**
 * The model: theta (nfree values) sets params[free[k]] = theta[k] (the other
 * parameters keep `params`); y solves the system from y0 at t0; the
 * observations obs[i*nobserved + c] of state observed[c] at times[i] are
 * N(y_observed[c](times[i]), noise_sd^2), independent:
 *     log p(theta | data) = sum_k log prior_k(theta_k)
 *         - sum_{i,c} (obs - y)^2 / (2 noise_sd^2) - n log(noise_sd sqrt(2 pi)).
 * Gradient: sum_k d log prior_k + sum_{i,c} (obs - y) / noise_sd^2 dy/dtheta
 * from the forward sensitivities. Outside a prior's support the value is
 * -inf (BK_SUCCESS, no solve); a solution that blows up (BK_ENONFINITE
 * from the solver) also gives -inf with BK_SUCCESS; other solver failures
 * (step limit) are errors (BK_ESOLVER, message in bk_ode_posterior_error).
 */
typedef struct bk_ode_posterior_config {
    const bk_ode_system *system;
    const bk_ode_options *options;
    const double *params;      /**< nparams base values (the free ones are overwritten by theta) */
    const double *y0;          /**< dim initial states */
    double t0;
    size_t nfree;              /**< >= 1 */
    const size_t *free;        /**< nfree distinct parameter indices */
    const bk_dist *priors;     /**< nfree validated continuous distributions */
    size_t nobs;               /**< >= 1 observation times */
    const double *times;       /**< strictly increasing, >= t0 */
    size_t nobserved;          /**< observed states per time, >= 1 */
    const size_t *observed;    /**< nobserved state indices */
    const double *obs;         /**< nobs x nobserved, finite */
    double noise_sd;           /**< > 0 */
} bk_ode_posterior_config;

typedef struct bk_ode_posterior bk_ode_posterior;

/**
 * More unknowns for bk_ode_posterior_alloc_extra. The parameter vector is
 *     theta = (params[free[0..nfree)], y0[initial[0..ninitial)], [log sigma]),
 * dim = nfree + ninitial + (infer_noise ? 1 : 0); cfg->nfree may then be 0.
 * Free initial states get priors initial_priors (continuous) and their
 * gradient from the sensitivities dy/dy0. With infer_noise, sigma = exp(s)
 * (s the last entry) replaces cfg->noise_sd (which must still be a valid
 * positive number: it is the value reported for the known-noise parts) and
 *     log p = ... + log prior_sigma(sigma) + s                  (noise_prior_log 0:
 *             the prior is on sigma, e.g. half-normal; + s is the Jacobian)
 *     log p = ... + log prior(s)                                (noise_prior_log 1:
 *             the prior is on log sigma; Uniform(log a, log b) is log-uniform on sigma)
 *     d log lik / ds = sum r^2 / sigma^2 - n.
 */
typedef struct bk_ode_posterior_extra {
    size_t ninitial;              /**< free initial states, 0..dim */
    const size_t *initial;        /**< ninitial distinct state indices (NULL when ninitial is 0) */
    const bk_dist *initial_priors;/**< ninitial continuous distributions */
    int infer_noise;              /**< 1: sigma is unknown (the last entry of theta is log sigma) */
    bk_dist noise_prior;          /**< continuous; its support must include positive values */
    int noise_prior_log;          /**< 1: noise_prior is the density of log sigma, 0: of sigma */
} bk_ode_posterior_extra;

/** Copies everything it needs from `cfg` (the system's ctx must outlive it). */
int bk_ode_posterior_alloc(const bk_ode_posterior_config *cfg, bk_ode_posterior **out, bk_error *err);

/** bk_ode_posterior_alloc with free initial states and/or unknown noise (`extra` NULL: none). */
int bk_ode_posterior_alloc_extra(const bk_ode_posterior_config *cfg, const bk_ode_posterior_extra *extra,
                                 bk_ode_posterior **out, bk_error *err);

/**
 * What theta means: the full parameter vector (nparams), initial state
 * (dim) and noise sd of the model at theta (each output may be NULL). No
 * validation of the values beyond the dimension.
 */
int bk_ode_posterior_unpack(const bk_ode_posterior *post, const double *theta, double *params, double *y0,
                            double *noise_sd);
/** An independent copy (for another chain or thread). */
int bk_ode_posterior_clone(const bk_ode_posterior *post, bk_ode_posterior **out, bk_error *err);
void bk_ode_posterior_free(bk_ode_posterior *post);

/** Length of theta: nfree + ninitial + infer_noise. */
size_t bk_ode_posterior_dim(const bk_ode_posterior *post);
/** 1 when the system must not be evaluated from several threads at once. */
int bk_ode_posterior_serial(const bk_ode_posterior *post);
const bk_error *bk_ode_posterior_error(const bk_ode_posterior *post);
/** The last failure message of context `ctx` (a bk_ode_posterior*), for bk_mcmc_model.message. */
const char *bk_ode_posterior_message(void *ctx);

/** THE log-density callback (bk_logdensity_fn): `ctx` is a bk_ode_posterior*. */
int bk_ode_posterior_logdensity(void *ctx, size_t dim, const double *theta, double *logp, double *grad);

/** Log prior and log likelihood separately (-inf / NaN rules as above). */
int bk_ode_posterior_terms(bk_ode_posterior *post, const double *theta, double *logprior, double *loglik);

/**
 * The log posterior (and, when not NULL, the log prior and log likelihood)
 * at `npoints` points (npoints x dim, row-major), in parallel with one
 * clone per thread. Results do not depend on the thread count. On failure
 * the message names the first failing point.
 */
int bk_ode_posterior_grid(const bk_ode_posterior *post, size_t npoints, const double *thetas, double *logpost,
                          double *logprior, double *loglik, int nthreads, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
