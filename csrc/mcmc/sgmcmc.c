/*
 * Stochastic-gradient MCMC: SGLD (Welling & Teh 2011), SGHMC (Chen, Fox &
 * Guestrin 2014) and the cyclical schedule of cSG-MCMC (Zhang et al. 2020),
 * as a kernel family of the multi-chain driver (formulas in mcmc.h).
 */
#include "bayeskit/mcmc.h"

#include "lines.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct bk_sgmcmc {
    bk_sgmcmc_config cfg;
    size_t dim;
    bk_logdensity_fn fn;
    void *ctx;
    uint64_t t;      /* driver iterations done (the schedule's clock) */
    size_t *idx;     /* a permutation of 0..N-1; its first B entries are the minibatch */
    double *v;       /* SGHMC velocity */
    double *grad;    /* minibatch gradient */
    double *prev;    /* position before the update, to undo a non-finite one */
    size_t sample_len, explore_len; /* cyclical: sampling and exploration steps per cycle */
    bk_error err;
} bk_sgmcmc;

int bk_sgmcmc_config_check(const bk_sgmcmc_config *c, bk_error *err) {
    if (!c) return bk_error_set(err, BK_EINVAL, "SG-MCMC configuration is NULL");
    if (c->kind != BK_SGLD && c->kind != BK_SGHMC) return bk_error_set(err, BK_EINVAL, "unknown SG-MCMC kind %d", c->kind);
    if (c->nrows < 1) return bk_error_set(err, BK_EINVAL, "SG-MCMC needs >= 1 data rows");
    if (c->batch_size < 1 || c->batch_size > c->nrows)
        return bk_error_set(err, BK_EINVAL, "batch size %zu must be in 1..%zu (the data rows)", c->batch_size, c->nrows);
    if (!c->minibatch) return bk_error_set(err, BK_EINVAL, "SG-MCMC needs a minibatch log-density function");
    if (!(c->step_size > 0) || !isfinite(c->step_size))
        return bk_error_set(err, BK_EINVAL, "step size must be > 0 and finite, got %g", c->step_size);
    switch (c->schedule) {
    case BK_SG_CONSTANT: break;
    case BK_SG_POLYNOMIAL:
        if (!(c->b >= 0) || !isfinite(c->b)) return bk_error_set(err, BK_EINVAL, "decay offset b must be >= 0, got %g", c->b);
        if (!(c->gamma > 0.5 && c->gamma <= 1))
            return bk_error_set(err, BK_EINVAL, "decay exponent gamma must be in (0.5, 1], got %g", c->gamma);
        break;
    case BK_SG_CYCLICAL:
        if (c->cycles < 1) return bk_error_set(err, BK_EINVAL, "cyclical schedule needs >= 1 cycles, got 0");
        if (!(c->exploration >= 0 && c->exploration < 1))
            return bk_error_set(err, BK_EINVAL, "exploration fraction must be in [0, 1), got %g", c->exploration);
        if (c->total_steps < c->cycles)
            return bk_error_set(err, BK_EINVAL, "cyclical schedule needs at least one step per cycle (%llu steps, %zu cycles)",
                                (unsigned long long)c->total_steps, c->cycles);
        break;
    default: return bk_error_set(err, BK_EINVAL, "unknown step-size schedule %d", c->schedule);
    }
    if (c->kind == BK_SGHMC) {
        if (!(c->friction > 0 && c->friction <= 1))
            return bk_error_set(err, BK_EINVAL, "SGHMC friction must be in (0, 1], got %g", c->friction);
        if (!(c->noise_estimate >= 0 && c->noise_estimate < c->friction))
            return bk_error_set(err, BK_EINVAL, "SGHMC noise estimate must be in [0, friction), got %g", c->noise_estimate);
    }
    return BK_SUCCESS;
}

static void sg_free(void *p) {
    bk_sgmcmc *k = p;
    if (!k) return;
    free(k->idx);
    free(k->v);
    free(k->grad);
    free(k->prev);
    free(k);
}

static int sg_alloc(const void *params, size_t dim, bk_logdensity_fn fn, void *ctx, void **out, bk_error *err) {
    const bk_sgmcmc_config *c = params;
    int st = bk_sgmcmc_config_check(c, err);
    if (st) return st;
    if (dim < 1 || !fn) return bk_error_set(err, BK_EINVAL, "SG-MCMC needs dim >= 1 and a log density");
    bk_sgmcmc *k = bk_calloc_lines(1, sizeof *k);
    if (!k) return bk_error_set(err, BK_ENOMEM, "cannot allocate an SG-MCMC kernel");
    k->cfg = *c;
    k->dim = dim;
    k->fn = fn;
    k->ctx = ctx;
    k->idx = malloc(c->nrows * sizeof *k->idx);
    k->v = bk_calloc_lines(dim, sizeof *k->v);
    k->grad = bk_alloc_lines(dim * sizeof *k->grad);
    k->prev = bk_alloc_lines(dim * sizeof *k->prev);
    if (!k->idx || !k->v || !k->grad || !k->prev) {
        sg_free(k);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate an SG-MCMC kernel for %zu parameters", dim);
    }
    for (size_t i = 0; i < c->nrows; i++) k->idx[i] = i;
    if (c->schedule == BK_SG_CYCLICAL) {
        k->sample_len = (size_t)((c->total_steps + c->cycles - 1) / c->cycles);
        k->explore_len = (size_t)llround((double)k->sample_len * c->exploration / (1.0 - c->exploration));
    }
    bk_error_clear(&k->err);
    *out = k;
    return BK_SUCCESS;
}

static int sg_init(void *p, bk_mcmc_state *s, bk_error *err) {
    bk_sgmcmc *k = p;
    k->t = 0;
    memset(k->v, 0, k->dim * sizeof *k->v);
    const int st = k->fn(k->ctx, k->dim, s->position, &s->logdensity, s->grad);
    if (st) return bk_error_set(err, st, "the log density failed at the initial position");
    if (!isfinite(s->logdensity))
        return bk_error_set(err, BK_ENONFINITE, "log density at the initial position is not finite (%g)", s->logdensity);
    return BK_SUCCESS;
}

/* The step size at position k of a cycle of length K (cyclical), or at update t. */
static double cyclical_eps(double a, size_t k, size_t K) { return 0.5 * a * (cos(3.14159265358979323846 * (double)k / (double)K) + 1.0); }

/* One update with step size eps (noise when `noisy`): draws the minibatch, evaluates, moves. */
static int update(bk_sgmcmc *k, bk_rng *rng, bk_mcmc_state *s, double eps, int noisy, bk_sgmcmc_info *info) {
    const bk_sgmcmc_config *c = &k->cfg;
    const size_t N = c->nrows, B = c->batch_size, D = k->dim;
    for (size_t i = 0; i < B; i++) { /* partial Fisher-Yates: a uniform B-subset */
        size_t j = i + (size_t)(bk_rng_uniform(rng) * (double)(N - i));
        if (j >= N) j = N - 1;
        const size_t tmp = k->idx[i];
        k->idx[i] = k->idx[j];
        k->idx[j] = tmp;
    }
    double lp;
    const int st = c->minibatch(k->ctx, D, s->position, B, k->idx, &lp, k->grad);
    info->n_evals++;
    if (st) return bk_error_set(&k->err, st, "the minibatch log density failed");
    if (!isfinite(lp) || !bk_all_finite(k->grad, D)) {
        info->nonfinite = 1;
        return BK_SUCCESS;
    }
    memcpy(k->prev, s->position, D * sizeof *k->prev);
    if (c->kind == BK_SGLD) {
        const double sd = noisy ? sqrt(eps) : 0.0;
        for (size_t i = 0; i < D; i++) s->position[i] += 0.5 * eps * k->grad[i] + (noisy ? sd * bk_rng_normal(rng) : 0.0);
    } else {
        const double a = c->friction, sd = noisy ? sqrt(2.0 * (a - c->noise_estimate) * eps) : 0.0;
        for (size_t i = 0; i < D; i++) {
            k->v[i] = (1.0 - a) * k->v[i] + eps * k->grad[i] + (noisy ? sd * bk_rng_normal(rng) : 0.0);
            s->position[i] += k->v[i];
        }
    }
    if (!bk_all_finite(s->position, D)) {
        memcpy(s->position, k->prev, D * sizeof *k->prev);
        memset(k->v, 0, D * sizeof *k->v);
        info->nonfinite = 1;
        return BK_SUCCESS;
    }
    s->logdensity = lp;
    if (s->grad) memcpy(s->grad, k->grad, D * sizeof *k->grad);
    info->step_size = eps;
    info->logdensity = lp;
    return BK_SUCCESS;
}

static int sg_step(void *p, bk_rng *rng, bk_mcmc_state *s, void *vinfo) {
    bk_sgmcmc *k = p;
    bk_sgmcmc_info *info = vinfo;
    memset(info, 0, sizeof *info);
    const bk_sgmcmc_config *c = &k->cfg;
    const uint64_t t = k->t++;
    int st = BK_SUCCESS;
    switch (c->schedule) {
    case BK_SG_CONSTANT: st = update(k, rng, s, c->step_size, 1, info); break;
    case BK_SG_POLYNOMIAL:
        st = update(k, rng, s, c->step_size * pow(c->b + (double)t, -c->gamma), 1, info);
        break;
    default: {
        const size_t S = k->sample_len, E = k->explore_len, K = S + E, j = (size_t)(t % S);
        if (j == 0)
            for (size_t e = 0; e < E && !st && !info->nonfinite; e++)
                st = update(k, rng, s, cyclical_eps(c->step_size, e, K), 0, info);
        if (!st && !info->nonfinite) st = update(k, rng, s, cyclical_eps(c->step_size, E + j, K), 1, info);
    }
    }
    return st;
}

static void sg_stats(const void *vinfo, bk_mcmc_step_stats *out) {
    const bk_sgmcmc_info *i = vinfo;
    out->acceptance_prob = i->nonfinite ? 0.0 : 1.0;
    out->is_accepted = !i->nonfinite;
    out->is_divergent = 0;
    out->hit_max_depth = 0;
    out->nonfinite = i->nonfinite;
    out->n_evals = i->n_evals;
}

static double sg_get(const void *p) { return ((const bk_sgmcmc *)p)->cfg.step_size; }
static const bk_error *sg_error(const void *p) { return &((const bk_sgmcmc *)p)->err; }

static const bk_mcmc_kernel_type sg_type = {"sgmcmc", sizeof(bk_sgmcmc_info), 1, sg_alloc, sg_free, sg_init, sg_step,
                                            sg_stats, sg_get, NULL, sg_error, NULL, NULL, NULL};

const bk_mcmc_kernel_type *bk_sgmcmc_kernel_type(void) { return &sg_type; }
