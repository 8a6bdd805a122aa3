/*
 * Hamiltonian Monte Carlo and the No-U-Turn Sampler (see hmc.h for the
 * formulas and references). The NUTS transition and tree builder follow
 * Stan's stan/mcmc/hmc/nuts/base_nuts.hpp line by line: the same multinomial
 * weights, the same three generalised U-turn checks per merge, the same
 * random-number use per step (direction, top-level biased progressive
 * sampling, uniform sampling inside subtrees). The warmup adaptation follows
 * stan/mcmc/stepsize_adaptation.hpp, windowed_adaptation.hpp,
 * var_adaptation.hpp / covar_adaptation.hpp and base_hmc::init_stepsize.
 *
 * Every buffer a step uses is allocated by bk_hmc_alloc: the recursion
 * keeps its locals in one workspace per tree depth.
 */
#define _POSIX_C_SOURCE 200809L
#include "bayeskit/hmc.h"
#include "../linear/linear_internal.h" /* plain-C Cholesky and triangular solves (no BLAS) */
#include "lines.h"
#include "rng_internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A phase-space point: position, momentum, gradient of log π, log π. */
typedef struct hpoint {
    double *q, *p, *g;
    double logp;
} hpoint;

/* Locals of build_tree at one depth. */
typedef struct level {
    double *p_init_end, *p_sharp_init_end, *rho_init;
    double *p_final_beg, *p_sharp_final_beg, *rho_final, *rho_ext;
    hpoint z_propose_final;
} level;

typedef struct dual_avg {
    double mu, s_bar, x_bar;
    double counter;
    double delta, gamma, t0, kappa;
} dual_avg;

struct bk_hmc {
    size_t dim;
    bk_hmc_config cfg;
    bk_logdensity_fn fn;
    void *ctx;
    double eps;
    double *inv_metric; /* dim (UNIT: ones, DIAG) or dim*dim (DENSE) */
    double *chol;       /* DENSE: lower Cholesky factor of the inverse metric */
    /* NUTS workspace */
    hpoint z, z_fwd, z_bck, z_sample, z_propose, z_init;
    double *p_fwd_fwd, *p_sharp_fwd_fwd, *p_fwd_bck, *p_sharp_fwd_bck;
    double *p_bck_fwd, *p_sharp_bck_fwd, *p_bck_bck, *p_sharp_bck_bck;
    double *rho, *rho_fwd, *rho_bck, *rho_ext, *tmp;
    level *levels;
    double *block; /* one allocation for every vector above */
    /* transition bookkeeping */
    double H0, max_dH;
    int divergent, nonfinite, fail;
    uint32_t n_leapfrog;
    double sum_metro_prob;
    gsl_rng *g;
    /* adaptation */
    int adapting;
    dual_avg da;
    uint64_t nwarmup, window_counter, window_size, next_window;
    uint64_t init_buffer, term_buffer, base_window;
    int metric_windows; /* 0 when warmup is too short for windowed metric adaptation */
    uint64_t est_n;
    double *est_mean, *est_m2, *est_delta; /* Welford: dim, dim or dim*dim, dim */
    bk_error err;
};

/* ---- the Hamiltonian ---- */

/* out = Σ p. */
static void dtau_dp(const bk_hmc *k, const double *restrict p, double *restrict out) {
    const size_t d = k->dim;
    const double *restrict m = k->inv_metric;
    if (k->cfg.metric == BK_METRIC_DENSE) {
        for (size_t i = 0; i < d; i++) {
            const double *restrict row = m + i * d;
            double s = 0;
            for (size_t j = 0; j < d; j++) s += row[j] * p[j];
            out[i] = s;
        }
    } else {
        for (size_t i = 0; i < d; i++) out[i] = m[i] * p[i];
    }
}

static double dot(size_t d, const double *restrict a, const double *restrict b) {
    double s = 0;
    for (size_t i = 0; i < d; i++) s += a[i] * b[i];
    return s;
}

/* H = -log π(q) + ½ pᵀ p♯ for p♯ = Σ p; +inf for a non-finite log density, NaN mapped to +inf. */
static double hamiltonian(const bk_hmc *k, const hpoint *z, const double *p_sharp) {
    if (!isfinite(z->logp)) return INFINITY;
    const double h = -z->logp + 0.5 * dot(k->dim, z->p, p_sharp);
    return isnan(h) ? INFINITY : h;
}

/* p ~ N(0, Σ^{-1}): DIAG p_i = z_i / √v_i; DENSE solve Lᵀ p = z. */
static void sample_p(bk_hmc *k, double *restrict p) {
    const size_t d = k->dim;
    for (size_t i = 0; i < d; i++) p[i] = gsl_ran_gaussian_ziggurat(k->g, 1.0);
    if (k->cfg.metric == BK_METRIC_DENSE) {
        bk_linear_solve_lower_t(d, k->chol, p);
    } else {
        for (size_t i = 0; i < d; i++) p[i] /= sqrt(k->inv_metric[i]);
    }
}

static void copy_point(size_t d, hpoint *dst, const hpoint *src) {
    if (dst == src) return;
    memcpy(dst->q, src->q, d * sizeof(double));
    memcpy(dst->p, src->p, d * sizeof(double));
    memcpy(dst->g, src->g, d * sizeof(double));
    dst->logp = src->logp;
}

/* Evaluates log π and its gradient at z->q; a non-finite value marks the point (H = +inf). */
static int evaluate(bk_hmc *k, hpoint *z) {
    const int st = k->fn(k->ctx, k->dim, z->q, &z->logp, z->g);
    if (st != BK_SUCCESS) {
        k->fail = st;
        return bk_error_set(&k->err, st, "the log density failed (%s)", bk_strerror(st));
    }
    if (!isfinite(z->logp)) k->nonfinite = 1;
    return BK_SUCCESS;
}

/* One leapfrog step of size eps (signed); k->tmp holds Σ p at the half step. */
static int leapfrog(bk_hmc *k, hpoint *z, double eps) {
    const size_t d = k->dim;
    double *restrict p = z->p, *restrict q = z->q, *restrict v = k->tmp;
    const double *restrict g = z->g;
    for (size_t i = 0; i < d; i++) p[i] += 0.5 * eps * g[i];
    dtau_dp(k, p, v);
    for (size_t i = 0; i < d; i++) q[i] += eps * v[i];
    const int st = evaluate(k, z);
    if (st != BK_SUCCESS) return st;
    if (isfinite(z->logp))
        for (size_t i = 0; i < d; i++) p[i] += 0.5 * eps * z->g[i];
    return BK_SUCCESS;
}

static double log_sum_exp(double a, double b) {
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    const double m = a > b ? a : b;
    return m + log(exp(a - m) + exp(b - m));
}

/* Stan's compute_criterion: p♯₊·ρ > 0 and p♯₋·ρ > 0. */
static int criterion(size_t d, const double *p_sharp_minus, const double *p_sharp_plus, const double *rho) {
    return dot(d, p_sharp_plus, rho) > 0 && dot(d, p_sharp_minus, rho) > 0;
}

/* ---- NUTS (base_nuts::build_tree) ---- */

static int build_tree(bk_hmc *k, int depth, hpoint *z_propose, double *p_sharp_beg, double *p_sharp_end, double *rho,
                      double *p_beg, double *p_end, double sign, double *log_sum_weight) {
    const size_t d = k->dim;
    if (depth == 0) {
        if (leapfrog(k, &k->z, sign * k->eps) != BK_SUCCESS) return 0;
        ++k->n_leapfrog;
        dtau_dp(k, k->z.p, p_sharp_beg);
        const double h = hamiltonian(k, &k->z, p_sharp_beg);
        if (h - k->H0 > k->max_dH) k->divergent = 1;
        *log_sum_weight = log_sum_exp(*log_sum_weight, k->H0 - h);
        k->sum_metro_prob += k->H0 - h > 0 ? 1 : exp(k->H0 - h);
        copy_point(d, z_propose, &k->z);
        memcpy(p_sharp_end, p_sharp_beg, d * sizeof(double));
        for (size_t i = 0; i < d; i++) rho[i] += k->z.p[i];
        memcpy(p_beg, k->z.p, d * sizeof(double));
        memcpy(p_end, k->z.p, d * sizeof(double));
        return !k->divergent;
    }
    level *L = &k->levels[depth];
    double log_sum_weight_init = -INFINITY;
    memset(L->rho_init, 0, d * sizeof(double));
    if (!build_tree(k, depth - 1, z_propose, p_sharp_beg, L->p_sharp_init_end, L->rho_init, p_beg, L->p_init_end, sign,
                    &log_sum_weight_init))
        return 0;
    hpoint *z_propose_final = &L->z_propose_final;
    copy_point(d, z_propose_final, &k->z);
    double log_sum_weight_final = -INFINITY;
    memset(L->rho_final, 0, d * sizeof(double));
    if (!build_tree(k, depth - 1, z_propose_final, L->p_sharp_final_beg, p_sharp_end, L->rho_final, L->p_final_beg, p_end,
                    sign, &log_sum_weight_final))
        return 0;
    /* Multinomial sample from the right subtree. */
    const double log_sum_weight_subtree = log_sum_exp(log_sum_weight_init, log_sum_weight_final);
    *log_sum_weight = log_sum_exp(*log_sum_weight, log_sum_weight_subtree);
    if (log_sum_weight_final > log_sum_weight_subtree) {
        copy_point(d, z_propose, z_propose_final);
    } else {
        const double accept_prob = exp(log_sum_weight_final - log_sum_weight_subtree);
        if (gsl_rng_uniform(k->g) < accept_prob) copy_point(d, z_propose, z_propose_final);
    }
    /* rho_subtree = rho_init + rho_final; rho += rho_subtree. */
    double *restrict ext = L->rho_ext;
    for (size_t i = 0; i < d; i++) {
        ext[i] = L->rho_init[i] + L->rho_final[i];
        rho[i] += ext[i];
    }
    /* Demand satisfaction around the merged subtrees and between them. */
    if (!criterion(d, p_sharp_beg, p_sharp_end, ext)) return 0;
    for (size_t i = 0; i < d; i++) ext[i] = L->rho_init[i] + L->p_final_beg[i];
    if (!criterion(d, p_sharp_beg, L->p_sharp_final_beg, ext)) return 0;
    for (size_t i = 0; i < d; i++) ext[i] = L->rho_final[i] + L->p_init_end[i];
    return criterion(d, L->p_sharp_init_end, p_sharp_end, ext);
}

/* ---- one transition ---- */

static void load_state(bk_hmc *k, const bk_mcmc_state *s) {
    memcpy(k->z.q, s->position, k->dim * sizeof(double));
    memcpy(k->z.g, s->grad, k->dim * sizeof(double));
    k->z.logp = s->logdensity;
}

static void store_state(bk_hmc *k, const hpoint *z, bk_mcmc_state *s) {
    memcpy(s->position, z->q, k->dim * sizeof(double));
    memcpy(s->grad, z->g, k->dim * sizeof(double));
    s->logdensity = z->logp;
}

/* base_nuts::transition. */
static int nuts_transition(bk_hmc *k, bk_mcmc_state *state, bk_hmc_info *info) {
    const size_t d = k->dim;
    const size_t bytes = d * sizeof(double);
    load_state(k, state);
    sample_p(k, k->z.p);
    copy_point(d, &k->z_fwd, &k->z);
    copy_point(d, &k->z_bck, &k->z);
    copy_point(d, &k->z_sample, &k->z);
    copy_point(d, &k->z_propose, &k->z);
    dtau_dp(k, k->z.p, k->p_sharp_fwd_fwd);
    memcpy(k->p_fwd_fwd, k->z.p, bytes);
    memcpy(k->p_fwd_bck, k->z.p, bytes);
    memcpy(k->p_sharp_fwd_bck, k->p_sharp_fwd_fwd, bytes);
    memcpy(k->p_bck_fwd, k->z.p, bytes);
    memcpy(k->p_sharp_bck_fwd, k->p_sharp_fwd_fwd, bytes);
    memcpy(k->p_bck_bck, k->z.p, bytes);
    memcpy(k->p_sharp_bck_bck, k->p_sharp_fwd_fwd, bytes);
    memcpy(k->rho, k->z.p, bytes);
    double log_sum_weight = 0; /* log(exp(H0 - H0)) */
    k->H0 = hamiltonian(k, &k->z, k->p_sharp_fwd_fwd);
    k->n_leapfrog = 0;
    k->sum_metro_prob = 0;
    k->divergent = 0;
    k->nonfinite = 0;
    k->fail = 0;
    int depth = 0;
    while (depth < k->cfg.max_depth) {
        memset(k->rho_fwd, 0, bytes);
        memset(k->rho_bck, 0, bytes);
        int valid;
        double log_sum_weight_subtree = -INFINITY;
        if (gsl_rng_uniform(k->g) > 0.5) {
            /* Extend the trajectory forward. */
            copy_point(d, &k->z, &k->z_fwd);
            memcpy(k->rho_bck, k->rho, bytes);
            memcpy(k->p_bck_fwd, k->p_fwd_fwd, bytes);
            memcpy(k->p_sharp_bck_fwd, k->p_sharp_fwd_fwd, bytes);
            valid = build_tree(k, depth, &k->z_propose, k->p_sharp_fwd_bck, k->p_sharp_fwd_fwd, k->rho_fwd, k->p_fwd_bck,
                               k->p_fwd_fwd, 1.0, &log_sum_weight_subtree);
            copy_point(d, &k->z_fwd, &k->z);
        } else {
            /* Extend the trajectory backward. */
            copy_point(d, &k->z, &k->z_bck);
            memcpy(k->rho_fwd, k->rho, bytes);
            memcpy(k->p_fwd_bck, k->p_bck_bck, bytes);
            memcpy(k->p_sharp_fwd_bck, k->p_sharp_bck_bck, bytes);
            valid = build_tree(k, depth, &k->z_propose, k->p_sharp_bck_fwd, k->p_sharp_bck_bck, k->rho_bck, k->p_bck_fwd,
                               k->p_bck_bck, -1.0, &log_sum_weight_subtree);
            copy_point(d, &k->z_bck, &k->z);
        }
        if (k->fail) return k->fail;
        if (!valid) break;
        ++depth;
        /* Biased progressive sampling toward the new subtree. */
        if (log_sum_weight_subtree > log_sum_weight) {
            copy_point(d, &k->z_sample, &k->z_propose);
        } else {
            const double accept_prob = exp(log_sum_weight_subtree - log_sum_weight);
            if (gsl_rng_uniform(k->g) < accept_prob) copy_point(d, &k->z_sample, &k->z_propose);
        }
        log_sum_weight = log_sum_exp(log_sum_weight, log_sum_weight_subtree);
        /* The no-U-turn criterion around the merged trajectory and between its halves. */
        for (size_t i = 0; i < d; i++) k->rho[i] = k->rho_bck[i] + k->rho_fwd[i];
        int persist = criterion(d, k->p_sharp_bck_bck, k->p_sharp_fwd_fwd, k->rho);
        if (persist) {
            for (size_t i = 0; i < d; i++) k->rho_ext[i] = k->rho_bck[i] + k->p_fwd_bck[i];
            persist = criterion(d, k->p_sharp_bck_bck, k->p_sharp_fwd_bck, k->rho_ext);
        }
        if (persist) {
            for (size_t i = 0; i < d; i++) k->rho_ext[i] = k->rho_fwd[i] + k->p_bck_fwd[i];
            persist = criterion(d, k->p_sharp_bck_fwd, k->p_sharp_fwd_fwd, k->rho_ext);
        }
        if (!persist) break;
    }
    const int moved = memcmp(k->z_sample.q, state->position, bytes) != 0;
    store_state(k, &k->z_sample, state);
    dtau_dp(k, k->z_sample.p, k->tmp);
    const double energy = hamiltonian(k, &k->z_sample, k->tmp);
    if (info) {
        info->acceptance_prob = k->n_leapfrog ? k->sum_metro_prob / (double)k->n_leapfrog : 0;
        info->is_accepted = moved;
        info->is_divergent = k->divergent;
        info->hit_max_depth = depth >= k->cfg.max_depth;
        info->tree_depth = depth;
        info->n_leapfrog = k->n_leapfrog;
        info->energy = energy;
        info->energy_error = energy - k->H0;
        info->step_size = k->eps;
        info->nonfinite = k->nonfinite;
    }
    return BK_SUCCESS;
}

/* Number of leapfrog steps of static HMC: L, or floor(T / eps) (at least 1) as Stan's base_static_hmc. */
static uint32_t static_steps(const bk_hmc *k) {
    if (k->cfg.n_steps > 0) return (uint32_t)k->cfg.n_steps;
    const double L = floor(k->cfg.path_length / k->eps);
    return L < 1 ? 1 : (L > 1e6 ? 1000000u : (uint32_t)L);
}

/* Static HMC: L leapfrog steps, Metropolis accept on H. Stops early at a divergence. */
static int static_transition(bk_hmc *k, bk_mcmc_state *state, bk_hmc_info *info) {
    const size_t d = k->dim;
    load_state(k, state);
    sample_p(k, k->z.p);
    dtau_dp(k, k->z.p, k->tmp);
    k->H0 = hamiltonian(k, &k->z, k->tmp);
    k->divergent = 0;
    k->nonfinite = 0;
    k->fail = 0;
    const uint32_t L = static_steps(k);
    uint32_t n = 0;
    double h = k->H0;
    for (uint32_t s = 0; s < L; s++) {
        const int st = leapfrog(k, &k->z, k->eps);
        if (st != BK_SUCCESS) return st;
        n++;
        dtau_dp(k, k->z.p, k->tmp);
        h = hamiltonian(k, &k->z, k->tmp);
        if (h - k->H0 > k->max_dH) {
            k->divergent = 1;
            break;
        }
    }
    const double dH = k->H0 - h;
    const double prob = k->divergent ? 0 : (dH > 0 ? 1 : exp(dH));
    const int accept = gsl_rng_uniform(k->g) < prob;
    double energy = k->H0;
    if (accept) {
        store_state(k, &k->z, state);
        energy = h;
    }
    (void)d;
    if (info) {
        info->acceptance_prob = prob;
        info->is_accepted = accept;
        info->is_divergent = k->divergent;
        info->hit_max_depth = 0;
        info->tree_depth = 0;
        info->n_leapfrog = n;
        info->energy = energy;
        info->energy_error = h - k->H0;
        info->step_size = k->eps;
        info->nonfinite = k->nonfinite;
    }
    return BK_SUCCESS;
}

int bk_hmc_step(bk_hmc *k, bk_rng *rng, bk_mcmc_state *state, bk_hmc_info *info) {
    k->g = bk_rng_gsl(rng);
    return k->cfg.algorithm == BK_HMC_NUTS ? nuts_transition(k, state, info) : static_transition(k, state, info);
}

/* ---- construction ---- */

/* Factor the inverse metric into k->chol (DENSE); BK_EINVAL when it is not positive definite. */
static int refactor(bk_hmc *k) {
    if (k->cfg.metric != BK_METRIC_DENSE) return BK_SUCCESS;
    /* Plain C (no BLAS): this runs inside the chains' parallel region. */
    return bk_linear_spd_solve(k->dim, k->inv_metric, NULL, k->chol, NULL) == BK_SUCCESS ? BK_SUCCESS : BK_EINVAL;
}

int bk_hmc_alloc(size_t dim, const bk_hmc_config *config, bk_logdensity_fn fn, void *ctx, bk_hmc **out, bk_error *err) {
    bk_init();
    if (!out || !config) return bk_error_set(err, BK_EINVAL, "configuration or output pointer is NULL");
    if (!fn) return bk_error_set(err, BK_EINVAL, "log density function is NULL");
    if (dim == 0) return bk_error_set(err, BK_EINVAL, "dimension must be >= 1, got 0");
    bk_hmc_config c = *config;
    if (c.algorithm != BK_HMC_STATIC && c.algorithm != BK_HMC_NUTS)
        return bk_error_set(err, BK_EINVAL, "unknown HMC algorithm %d", c.algorithm);
    if (c.metric != BK_METRIC_UNIT && c.metric != BK_METRIC_DIAG && c.metric != BK_METRIC_DENSE)
        return bk_error_set(err, BK_EINVAL, "unknown metric kind %d (0 unit, 1 diagonal, 2 dense)", c.metric);
    if (!(c.step_size > 0 && isfinite(c.step_size)))
        return bk_error_set(err, BK_EINVAL, "step size must be > 0 and finite, got %g", c.step_size);
    if (c.algorithm == BK_HMC_STATIC) {
        if (c.n_steps < 0) return bk_error_set(err, BK_EINVAL, "number of leapfrog steps must be >= 1, got %d", c.n_steps);
        if (c.n_steps == 0 && !(c.path_length > 0 && isfinite(c.path_length)))
            return bk_error_set(err, BK_EINVAL,
                                "static HMC needs leapfrog steps >= 1 or a path length > 0 (got steps 0, path length %g)",
                                c.path_length);
    } else if (c.max_depth < 1 || c.max_depth > 30) {
        return bk_error_set(err, BK_EINVAL, "maximum tree depth must be in [1, 30], got %d", c.max_depth);
    }
    if (c.max_energy_error == 0) c.max_energy_error = 1000;
    if (!(c.max_energy_error > 0)) return bk_error_set(err, BK_EINVAL, "divergence threshold must be > 0, got %g", c.max_energy_error);
    if (c.target_accept == 0) c.target_accept = 0.8;
    if (!(c.target_accept > 0 && c.target_accept < 1))
        return bk_error_set(err, BK_EINVAL, "target acceptance must be in (0, 1), got %g", c.target_accept);
    if (c.gamma == 0) c.gamma = 0.05;
    if (c.t0 == 0) c.t0 = 10;
    if (c.kappa == 0) c.kappa = 0.75;
    if (!(c.gamma > 0) || !(c.t0 > 0) || !(c.kappa > 0 && c.kappa <= 1))
        return bk_error_set(err, BK_EINVAL, "dual averaging needs gamma > 0, t0 > 0 and kappa in (0, 1], got %g, %g, %g",
                            c.gamma, c.t0, c.kappa);
    if (c.init_buffer == 0) c.init_buffer = 75;
    if (c.term_buffer == 0) c.term_buffer = 50;
    if (c.base_window == 0) c.base_window = 25;
    if (c.metric == BK_METRIC_UNIT) c.adapt_metric = 0;
    const size_t dd = c.metric == BK_METRIC_DENSE ? dim * dim : dim;
    if (c.inv_metric && c.metric != BK_METRIC_UNIT) {
        for (size_t i = 0; i < dd; i++)
            if (!isfinite(c.inv_metric[i]))
                return bk_error_set(err, BK_ENONFINITE, "inverse metric entry %zu is not finite (%g)", i, c.inv_metric[i]);
        if (c.metric == BK_METRIC_DIAG)
            for (size_t i = 0; i < dim; i++)
                if (!(c.inv_metric[i] > 0))
                    return bk_error_set(err, BK_EINVAL, "diagonal inverse metric entry %zu must be > 0, got %g", i,
                                        c.inv_metric[i]);
    }
    /* whole cache lines: kernels of chains on different threads never share one */
    bk_hmc *k = bk_calloc_lines(1, sizeof *k);
    if (!k) return bk_error_set(err, BK_ENOMEM, "cannot allocate an HMC kernel");
    const int depth_levels = c.algorithm == BK_HMC_NUTS ? c.max_depth : 0;
    /* 6 points x 3 vectors, 13 trajectory vectors, 10 per level, metric, Cholesky, Welford. */
    const size_t nvec = 18 + 13 + 10 * (size_t)depth_levels + 3;
    const size_t total = nvec * dim + 3 * dd;
    k->block = bk_alloc_lines(total * sizeof(double));
    k->levels = depth_levels ? bk_calloc_lines((size_t)depth_levels, sizeof(level)) : NULL;
    if (!k->block || (depth_levels && !k->levels)) {
        bk_hmc_free(k);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate an HMC kernel of dimension %zu", dim);
    }
    double *b = k->block;
#define TAKE(n) (b += (n), b - (n))
    hpoint *pts[6] = {&k->z, &k->z_fwd, &k->z_bck, &k->z_sample, &k->z_propose, &k->z_init};
    for (int i = 0; i < 6; i++) {
        pts[i]->q = TAKE(dim);
        pts[i]->p = TAKE(dim);
        pts[i]->g = TAKE(dim);
    }
    double **vecs[13] = {&k->p_fwd_fwd, &k->p_sharp_fwd_fwd, &k->p_fwd_bck, &k->p_sharp_fwd_bck, &k->p_bck_fwd,
                         &k->p_sharp_bck_fwd, &k->p_bck_bck, &k->p_sharp_bck_bck, &k->rho, &k->rho_fwd, &k->rho_bck,
                         &k->rho_ext, &k->tmp};
    for (int i = 0; i < 13; i++) *vecs[i] = TAKE(dim);
    for (int l = 0; l < depth_levels; l++) {
        level *L = &k->levels[l];
        L->p_init_end = TAKE(dim);
        L->p_sharp_init_end = TAKE(dim);
        L->rho_init = TAKE(dim);
        L->p_final_beg = TAKE(dim);
        L->p_sharp_final_beg = TAKE(dim);
        L->rho_final = TAKE(dim);
        L->rho_ext = TAKE(dim);
        L->z_propose_final.q = TAKE(dim);
        L->z_propose_final.p = TAKE(dim);
        L->z_propose_final.g = TAKE(dim);
    }
    k->est_mean = TAKE(dim);
    k->est_delta = TAKE(dim);
    (void)TAKE(dim); /* spare */
    k->inv_metric = TAKE(dd);
    k->chol = TAKE(dd);
    k->est_m2 = TAKE(dd);
#undef TAKE
    k->dim = dim;
    k->cfg = c;
    k->cfg.inv_metric = NULL;
    k->fn = fn;
    k->ctx = ctx;
    k->eps = c.step_size;
    k->max_dH = c.max_energy_error;
    if (c.inv_metric && c.metric != BK_METRIC_UNIT) {
        memcpy(k->inv_metric, c.inv_metric, dd * sizeof(double));
    } else {
        memset(k->inv_metric, 0, dd * sizeof(double));
        for (size_t i = 0; i < dim; i++) k->inv_metric[c.metric == BK_METRIC_DENSE ? i * dim + i : i] = 1;
    }
    if (refactor(k) != BK_SUCCESS) {
        bk_hmc_free(k);
        return bk_error_set(err, BK_EINVAL, "the dense inverse metric is not symmetric positive definite");
    }
    if (c.metric == BK_METRIC_DENSE)
        for (size_t i = 0; i < dim; i++)
            for (size_t j = 0; j < i; j++)
                if (k->inv_metric[i * dim + j] != k->inv_metric[j * dim + i]) {
                    bk_hmc_free(k);
                    return bk_error_set(err, BK_EINVAL, "the dense inverse metric is not symmetric (entries %zu,%zu and %zu,%zu)",
                                        i, j, j, i);
                }
    bk_error_clear(&k->err);
    *out = k;
    return BK_SUCCESS;
}

void bk_hmc_free(bk_hmc *k) {
    if (!k) return;
    free(k->block);
    free(k->levels);
    free(k);
}

size_t bk_hmc_dim(const bk_hmc *k) { return k->dim; }
double bk_hmc_step_size(const bk_hmc *k) { return k->eps; }
const bk_error *bk_hmc_error(const bk_hmc *k) { return &k->err; }

void bk_hmc_inv_metric(const bk_hmc *k, double *out) {
    memcpy(out, k->inv_metric, (k->cfg.metric == BK_METRIC_DENSE ? k->dim * k->dim : k->dim) * sizeof(double));
}

int bk_hmc_set_step_size(bk_hmc *k, double step_size, bk_error *err) {
    if (!(step_size > 0 && isfinite(step_size)))
        return bk_error_set(err, BK_EINVAL, "step size must be > 0 and finite, got %g", step_size);
    k->eps = step_size;
    return BK_SUCCESS;
}

int bk_hmc_init(bk_hmc *k, bk_mcmc_state *state, bk_error *err) {
    if (!k || !state || !state->position || !state->grad)
        return bk_error_set(err, BK_EINVAL, "kernel, state, position or gradient buffer is NULL");
    if (!bk_all_finite(state->position, k->dim))
        return bk_error_set(err, BK_ENONFINITE, "initial position contains NaN or infinity");
    double lp = 0;
    const int status = k->fn(k->ctx, k->dim, state->position, &lp, state->grad);
    if (status != BK_SUCCESS) {
        bk_error_set(&k->err, status, "the log density failed at the initial position (%s)", bk_strerror(status));
        return bk_error_set(err, status, "the log density failed at the initial position (%s)", bk_strerror(status));
    }
    if (!isfinite(lp))
        return bk_error_set(err, BK_ENONFINITE,
                            "the log density at the initial position is %g; a chain must start where the density is "
                            "positive and finite",
                            lp);
    for (size_t i = 0; i < k->dim; i++)
        if (!isfinite(state->grad[i]))
            return bk_error_set(err, BK_ENONFINITE, "the gradient at the initial position is not finite (component %zu: %g)",
                                i, state->grad[i]);
    state->logdensity = lp;
    return BK_SUCCESS;
}

/* ---- warmup adaptation ---- */

/* stepsize_adaptation::learn_stepsize. */
static double dual_avg_learn(dual_avg *a, double adapt_stat) {
    a->counter += 1;
    if (adapt_stat > 1) adapt_stat = 1;
    const double eta = 1.0 / (a->counter + a->t0);
    a->s_bar = (1.0 - eta) * a->s_bar + eta * (a->delta - adapt_stat);
    const double x = a->mu - a->s_bar * sqrt(a->counter) / a->gamma;
    const double x_eta = pow(a->counter, -a->kappa);
    a->x_bar = (1.0 - x_eta) * a->x_bar + x_eta * x;
    return exp(x);
}

static void dual_avg_restart(dual_avg *a, double eps) {
    a->counter = 0;
    a->s_bar = 0;
    a->x_bar = 0;
    a->mu = log(10 * eps);
}

/* H after one leapfrog step of size eps from q with a fresh momentum: ΔH = H0 - h (-inf for a non-finite h). */
static int one_step_delta(bk_hmc *k, const bk_mcmc_state *state, double *delta_H) {
    load_state(k, state);
    sample_p(k, k->z.p);
    dtau_dp(k, k->z.p, k->tmp);
    const double H0 = hamiltonian(k, &k->z, k->tmp);
    const int st = leapfrog(k, &k->z, k->eps);
    if (st != BK_SUCCESS) return st;
    dtau_dp(k, k->z.p, k->tmp);
    const double h = hamiltonian(k, &k->z, k->tmp);
    *delta_H = H0 - h;
    return BK_SUCCESS;
}

/* base_hmc::init_stepsize: double or halve eps until one leapfrog step's acceptance crosses 0.8. */
static int init_stepsize(bk_hmc *k, const bk_mcmc_state *state, uint32_t *n_evals, bk_error *err) {
    if (k->eps == 0 || k->eps > 1e7 || isnan(k->eps)) return BK_SUCCESS;
    const double log08 = log(0.8);
    double dH;
    int st = one_step_delta(k, state, &dH);
    (*n_evals)++;
    if (st != BK_SUCCESS) return bk_error_set(err, st, "%s", k->err.message);
    const int direction = dH > log08 ? 1 : -1;
    for (;;) {
        st = one_step_delta(k, state, &dH);
        (*n_evals)++;
        if (st != BK_SUCCESS) return bk_error_set(err, st, "%s", k->err.message);
        if (direction == 1 && !(dH > log08)) break;
        if (direction == -1 && !(dH < log08)) break;
        k->eps = direction == 1 ? 2 * k->eps : 0.5 * k->eps;
        if (k->eps > 1e7)
            return bk_error_set(err, BK_EINVAL,
                                "step size search diverged (step size > 1e7): the posterior looks improper; check the model");
        if (k->eps == 0)
            return bk_error_set(err, BK_EINVAL,
                                "no acceptably small step size found: the log density may be discontinuous or its gradient wrong");
    }
    return BK_SUCCESS;
}

int bk_hmc_adapt_init(bk_hmc *k, bk_rng *rng, uint64_t nwarmup, bk_mcmc_state *state, uint32_t *n_evals, bk_error *err) {
    uint32_t ne = 0;
    k->g = bk_rng_gsl(rng);
    k->adapting = 1;
    k->da.delta = k->cfg.target_accept;
    k->da.gamma = k->cfg.gamma;
    k->da.t0 = k->cfg.t0;
    k->da.kappa = k->cfg.kappa;
    /* Stan sets mu from the user's step size, then runs the heuristic. */
    dual_avg_restart(&k->da, k->eps);
    /* windowed_adaptation::set_window_params */
    k->nwarmup = nwarmup;
    k->init_buffer = k->cfg.init_buffer;
    k->term_buffer = k->cfg.term_buffer;
    k->base_window = k->cfg.base_window;
    k->metric_windows = k->cfg.adapt_metric && nwarmup >= 20;
    if (k->metric_windows && k->init_buffer + k->base_window + k->term_buffer > nwarmup) {
        k->init_buffer = (uint64_t)(0.15 * (double)nwarmup);
        k->term_buffer = (uint64_t)(0.1 * (double)nwarmup);
        k->base_window = nwarmup - (k->init_buffer + k->term_buffer);
    }
    k->window_counter = 0;
    k->window_size = k->base_window;
    k->next_window = k->init_buffer + k->window_size - 1;
    k->est_n = 0;
    memset(k->est_mean, 0, k->dim * sizeof(double));
    memset(k->est_m2, 0, (k->cfg.metric == BK_METRIC_DENSE ? k->dim * k->dim : k->dim) * sizeof(double));
    const int st = init_stepsize(k, state, &ne, err);
    if (n_evals) *n_evals = ne;
    return st;
}

static int in_window(const bk_hmc *k) {
    return k->window_counter >= k->init_buffer && k->window_counter < k->nwarmup - k->term_buffer &&
           k->window_counter != k->nwarmup;
}

static int end_window(const bk_hmc *k) { return k->window_counter == k->next_window && k->window_counter != k->nwarmup; }

static void compute_next_window(bk_hmc *k) {
    const uint64_t last = k->nwarmup - k->term_buffer - 1;
    if (k->next_window == last) return;
    k->window_size *= 2;
    k->next_window = k->window_counter + k->window_size;
    if (k->next_window != last && k->next_window + 2 * k->window_size >= k->nwarmup - k->term_buffer) k->next_window = last;
}

static void welford_add(bk_hmc *k, const double *q) {
    const size_t d = k->dim;
    k->est_n++;
    const double inv = 1.0 / (double)k->est_n;
    double *restrict delta = k->est_delta, *restrict m = k->est_mean, *restrict m2 = k->est_m2;
    for (size_t i = 0; i < d; i++) {
        delta[i] = q[i] - m[i];
        m[i] += delta[i] * inv;
    }
    if (k->cfg.metric == BK_METRIC_DENSE) {
        for (size_t i = 0; i < d; i++) {
            const double a = q[i] - m[i];
            for (size_t j = 0; j < d; j++) m2[i * d + j] += a * delta[j];
        }
    } else {
        for (size_t i = 0; i < d; i++) m2[i] += (q[i] - m[i]) * delta[i];
    }
}

/* The window's regularised estimate into the metric (Stan: n/(n+5) S + 1e-3 5/(n+5) I). */
static int update_metric(bk_hmc *k, bk_error *err) {
    const size_t d = k->dim;
    const double n = (double)k->est_n;
    if (k->est_n < 2) return BK_SUCCESS;
    const double a = n / (n + 5.0), b = 1e-3 * 5.0 / (n + 5.0);
    if (k->cfg.metric == BK_METRIC_DENSE) {
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                /* symmetrise: Welford's m2 is symmetric up to rounding */
                const double s = 0.5 * (k->est_m2[i * d + j] + k->est_m2[j * d + i]) / (n - 1);
                k->inv_metric[i * d + j] = a * s + (i == j ? b : 0);
            }
        if (refactor(k) != BK_SUCCESS)
            return bk_error_set(err, BK_ENONFINITE,
                                "the adapted dense metric is not positive definite (non-finite draws during warmup?)");
    } else {
        for (size_t i = 0; i < d; i++) {
            const double v = a * k->est_m2[i] / (n - 1) + b;
            if (!(v > 0 && isfinite(v)))
                return bk_error_set(err, BK_ENONFINITE, "the adapted metric variance of parameter %zu is %g", i, v);
            k->inv_metric[i] = v;
        }
    }
    return BK_SUCCESS;
}

int bk_hmc_adapt(bk_hmc *k, bk_rng *rng, uint64_t iteration, bk_mcmc_state *state, const bk_hmc_info *info,
                 uint32_t *n_evals, bk_error *err) {
    (void)iteration;
    uint32_t ne = 0;
    if (n_evals) *n_evals = 0;
    if (!k->adapting) return BK_SUCCESS;
    k->g = bk_rng_gsl(rng);
    k->eps = dual_avg_learn(&k->da, info->acceptance_prob);
    if (!k->metric_windows) return BK_SUCCESS;
    /* var_adaptation::learn_variance / covar_adaptation::learn_covariance */
    if (in_window(k)) welford_add(k, state->position);
    if (end_window(k)) {
        compute_next_window(k);
        int st = update_metric(k, err);
        k->est_n = 0;
        memset(k->est_mean, 0, k->dim * sizeof(double));
        memset(k->est_m2, 0, (k->cfg.metric == BK_METRIC_DENSE ? k->dim * k->dim : k->dim) * sizeof(double));
        ++k->window_counter;
        if (st != BK_SUCCESS) return st;
        st = init_stepsize(k, state, &ne, err);
        if (n_evals) *n_evals = ne;
        if (st != BK_SUCCESS) return st;
        dual_avg_restart(&k->da, k->eps);
        return BK_SUCCESS;
    }
    ++k->window_counter;
    return BK_SUCCESS;
}

void bk_hmc_adapt_final(bk_hmc *k) {
    if (!k->adapting) return;
    k->adapting = 0;
    if (k->da.counter > 0) k->eps = exp(k->da.x_bar);
}

/* ---- the family as driver kernels ---- */

static int vt_alloc(const void *params, size_t dim, bk_logdensity_fn fn, void *ctx, void **out, bk_error *err) {
    bk_hmc *k = NULL;
    const int st = bk_hmc_alloc(dim, params, fn, ctx, &k, err);
    if (st == BK_SUCCESS) *out = k;
    return st;
}
static void vt_free(void *k) { bk_hmc_free(k); }
static int vt_init(void *k, bk_mcmc_state *s, bk_error *err) { return bk_hmc_init(k, s, err); }
static int vt_step(void *k, bk_rng *rng, bk_mcmc_state *s, void *info) { return bk_hmc_step(k, rng, s, info); }
static void vt_stats(const void *info, bk_mcmc_step_stats *out) {
    const bk_hmc_info *i = info;
    out->acceptance_prob = i->acceptance_prob;
    out->is_accepted = i->is_accepted;
    out->is_divergent = i->is_divergent;
    out->hit_max_depth = i->hit_max_depth;
    out->nonfinite = i->nonfinite;
    out->n_evals = i->n_leapfrog;
}
static double vt_get(const void *k) { return bk_hmc_step_size(k); }
static int vt_set(void *k, double v, bk_error *err) { return bk_hmc_set_step_size(k, v, err); }
static const bk_error *vt_error(const void *k) { return bk_hmc_error(k); }
static int vt_adapt_init(void *k, bk_rng *rng, uint64_t nwarmup, bk_mcmc_state *s, uint32_t *ne, bk_error *err) {
    return bk_hmc_adapt_init(k, rng, nwarmup, s, ne, err);
}
static int vt_adapt(void *k, bk_rng *rng, uint64_t it, bk_mcmc_state *s, const void *info, uint32_t *ne, bk_error *err) {
    return bk_hmc_adapt(k, rng, it, s, info, ne, err);
}
static void vt_adapt_final(void *k) { bk_hmc_adapt_final(k); }

static const bk_mcmc_kernel_type hmc_type = {"hmc",    sizeof(bk_hmc_info), 1,        vt_alloc,      vt_free,
                                             vt_init,  vt_step,             vt_stats, vt_get,        vt_set,
                                             vt_error, vt_adapt_init,       vt_adapt, vt_adapt_final};

const bk_mcmc_kernel_type *bk_hmc_kernel_type(void) { return &hmc_type; }

/* ---- the cost of one gradient evaluation ---- */

int bk_logdensity_time(bk_logdensity_fn fn, void *ctx, size_t dim, const double *theta, double *grad, int reps,
                       double *seconds, bk_error *err) {
    if (!fn || !theta || !grad || !seconds) return bk_error_set(err, BK_EINVAL, "function, position, gradient or output is NULL");
    if (reps < 1) return bk_error_set(err, BK_EINVAL, "repetitions must be >= 1, got %d", reps);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++) {
        double lp;
        const int st = fn(ctx, dim, theta, &lp, grad);
        if (st != BK_SUCCESS) return bk_error_set(err, st, "the log density failed (%s)", bk_strerror(st));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *seconds = ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec)) / reps;
    return BK_SUCCESS;
}
