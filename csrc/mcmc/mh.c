/*
 * Metropolis–Hastings kernel (Metropolis et al. 1953; Hastings 1970):
 * propose y ~ q(. | x), accept with probability
 *     alpha = min(1, p(y) q(x | y) / (p(x) q(y | x))).
 * The random walks are symmetric (q(x|y) = q(y|x), no correction term) and
 * take an inlined path with no indirect call besides the log density.
 */
#include "lines.h"
#include "mcmc_internal.h"
#include "rng_internal.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bk_mh {
    size_t dim;
    int kind;
    double scale;
    double *diag;     /* dim, RANDOM_WALK_DIAG */
    double *proposal; /* dim */
    bk_mh_proposal general;
    bk_logdensity_fn fn;
    void *ctx;
    int fast;         /* 1: ziggurat on an inlined copy of the stream state */
    bk_zig_table zig;
    bk_error err;
};

int bk_mh_alloc(size_t dim, const bk_mh_config *config, bk_logdensity_fn fn, void *ctx, bk_mh **out, bk_error *err) {
    bk_init();
    if (!out || !config) return bk_error_set(err, BK_EINVAL, "configuration or output pointer is NULL");
    if (!fn) return bk_error_set(err, BK_EINVAL, "log density function is NULL");
    if (dim == 0) return bk_error_set(err, BK_EINVAL, "dimension must be >= 1, got 0");
    const int kind = config->kind;
    if (kind != BK_MH_RANDOM_WALK && kind != BK_MH_RANDOM_WALK_DIAG && kind != BK_MH_GENERAL)
        return bk_error_set(err, BK_EINVAL, "unknown MH proposal kind %d", kind);
    if (kind != BK_MH_GENERAL && !(config->scale > 0 && isfinite(config->scale)))
        return bk_error_set(err, BK_EINVAL, "proposal scale must be > 0 and finite, got %g", config->scale);
    if (kind == BK_MH_RANDOM_WALK_DIAG) {
        if (!config->diag_scale) return bk_error_set(err, BK_EINVAL, "diagonal proposal scales are NULL");
        for (size_t i = 0; i < dim; i++)
            if (!(config->diag_scale[i] > 0 && isfinite(config->diag_scale[i])))
                return bk_error_set(err, BK_EINVAL, "diagonal proposal scale %zu must be > 0 and finite, got %g", i,
                                    config->diag_scale[i]);
    }
    if (kind == BK_MH_GENERAL && (!config->proposal.propose || !config->proposal.log_density))
        return bk_error_set(err, BK_EINVAL, "a general MH proposal needs both propose and log_density functions");
    bk_mh *k = bk_calloc_lines(1, sizeof *k);
    if (!k) return bk_error_set(err, BK_ENOMEM, "cannot allocate an MH kernel");
    k->proposal = bk_alloc_lines(dim * sizeof *k->proposal);
    if (kind == BK_MH_RANDOM_WALK_DIAG) k->diag = bk_alloc_lines(dim * sizeof *k->diag);
    if (!k->proposal || (kind == BK_MH_RANDOM_WALK_DIAG && !k->diag)) {
        bk_mh_free(k);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate an MH kernel of dimension %zu", dim);
    }
    if (k->diag) memcpy(k->diag, config->diag_scale, dim * sizeof *k->diag);
    k->dim = dim;
    k->kind = kind;
    k->scale = kind == BK_MH_GENERAL ? NAN : config->scale;
    k->general = config->proposal;
    k->fn = fn;
    k->ctx = ctx;
    k->fast = bk_zig_rng_compatible();
    if (k->fast) bk_zig_table_init(&k->zig);
    bk_error_clear(&k->err);
    *out = k;
    return BK_SUCCESS;
}

void bk_mh_free(bk_mh *k) {
    if (!k) return;
    free(k->diag);
    free(k->proposal);
    free(k);
}

size_t bk_mh_dim(const bk_mh *k) { return k->dim; }
double bk_mh_scale(const bk_mh *k) { return k->scale; }
const bk_error *bk_mh_error(const bk_mh *k) { return &k->err; }

int bk_mh_set_scale(bk_mh *k, double scale, bk_error *err) {
    if (k->kind == BK_MH_GENERAL) return bk_error_set(err, BK_EINVAL, "a general MH proposal has no scale to set");
    if (!(scale > 0 && isfinite(scale)))
        return bk_error_set(err, BK_EINVAL, "proposal scale must be > 0 and finite, got %g", scale);
    k->scale = scale;
    return BK_SUCCESS;
}

int bk_mh_init(bk_mh *k, bk_mcmc_state *state, bk_error *err) {
    if (!k || !state || !state->position) return bk_error_set(err, BK_EINVAL, "kernel, state or position is NULL");
    if (!bk_all_finite(state->position, k->dim))
        return bk_error_set(err, BK_ENONFINITE, "initial position contains NaN or infinity");
    double lp = 0;
    const int status = k->fn(k->ctx, k->dim, state->position, &lp, NULL);
    if (status != BK_SUCCESS) {
        bk_error_set(&k->err, status, "the log density failed at the initial position (%s)", bk_strerror(status));
        return bk_error_set(err, status, "the log density failed at the initial position (%s)", bk_strerror(status));
    }
    if (!isfinite(lp))
        return bk_error_set(err, BK_ENONFINITE,
                            "the log density at the initial position is %g; a chain must start where the density is "
                            "positive and finite",
                            lp);
    state->logdensity = lp;
    return BK_SUCCESS;
}

int bk_mh_step(bk_mh *k, bk_rng *rng, bk_mcmc_state *state, bk_mh_info *info) {
    const size_t dim = k->dim;
    double *restrict y = k->proposal;
    const double *restrict x = state->position;
    gsl_rng *g = bk_rng_gsl(rng);
    double log_hastings = 0, u;
    if (k->kind != BK_MH_GENERAL && k->fast) {
        /* Hot path: the stream's state in registers, ziggurat normals inline. */
        bk_xoshiro st;
        bk_rng_state_get(rng, &st);
        const double s = k->scale;
        if (k->kind == BK_MH_RANDOM_WALK)
            for (size_t i = 0; i < dim; i++) y[i] = x[i] + s * bk_zig_normal(&k->zig, &st);
        else
            for (size_t i = 0; i < dim; i++) y[i] = x[i] + s * k->diag[i] * bk_zig_normal(&k->zig, &st);
        u = bk_xo_uniform(&st);
        bk_rng_state_set(rng, &st);
    } else if (k->kind == BK_MH_RANDOM_WALK) {
        const double s = k->scale;
        for (size_t i = 0; i < dim; i++) y[i] = x[i] + s * gsl_ran_gaussian_ziggurat(g, 1.0);
        u = gsl_rng_uniform(g);
    } else if (k->kind == BK_MH_RANDOM_WALK_DIAG) {
        const double s = k->scale;
        const double *restrict d = k->diag;
        for (size_t i = 0; i < dim; i++) y[i] = x[i] + s * d[i] * gsl_ran_gaussian_ziggurat(g, 1.0);
        u = gsl_rng_uniform(g);
    } else {
        const int st = k->general.propose(k->general.ctx, rng, dim, x, y);
        if (st != BK_SUCCESS) return bk_error_set(&k->err, st, "the MH proposal failed (%s)", bk_strerror(st));
        u = gsl_rng_uniform(g);
    }
    double lp = 0;
    const int status = k->fn(k->ctx, dim, y, &lp, NULL);
    if (status != BK_SUCCESS) return bk_error_set(&k->err, status, "the log density failed (%s)", bk_strerror(status));
    /* Hastings: log q(x | y) - log q(y | x); only evaluated for a finite target value. */
    if (k->kind == BK_MH_GENERAL && isfinite(lp))
        log_hastings = k->general.log_density(k->general.ctx, dim, x, y) - k->general.log_density(k->general.ctx, dim, y, x);
    const double log_alpha = lp - state->logdensity + log_hastings;
    /* u ~ U[0, 1) was drawn with the proposal; accept when u < min(1, alpha)
     * (the same event as log u < log alpha, without the log). */
    int accept = 0;
    double prob = 0;
    if (isfinite(lp) && !isnan(log_alpha)) {
        prob = log_alpha >= 0 ? 1.0 : exp(log_alpha);
        accept = u < prob;
    }
    if (accept) {
        memcpy(state->position, y, dim * sizeof *y);
        state->logdensity = lp;
    }
    if (info) {
        info->acceptance_prob = prob;
        info->is_accepted = accept;
        info->proposal_logdensity = lp;
    }
    return BK_SUCCESS;
}

/* ---- independence Gaussian proposal ---- */

static int indep_propose(void *ctx, bk_rng *rng, size_t dim, const double *x, double *y) {
    const bk_independence_gaussian *g = ctx;
    gsl_rng *r = bk_rng_gsl(rng);
    for (size_t i = 0; i < dim; i++) y[i] = g->mean[i] + g->sd[i] * gsl_ran_gaussian_ziggurat(r, 1.0);
    return BK_SUCCESS;
}

static double indep_log_density(void *ctx, size_t dim, const double *to, const double *from) {
    const bk_independence_gaussian *g = ctx;
    double s = 0;
    for (size_t i = 0; i < dim; i++) {
        const double z = (to[i] - g->mean[i]) / g->sd[i];
        s += -0.5 * z * z - log(g->sd[i]);
    }
    return s;
}

int bk_independence_gaussian_proposal(bk_independence_gaussian *g, bk_mh_proposal *out, bk_error *err) {
    if (!g || !out) return bk_error_set(err, BK_EINVAL, "proposal or output pointer is NULL");
    if (g->dim == 0 || !g->mean || !g->sd)
        return bk_error_set(err, BK_EINVAL, "independence proposal needs dim >= 1 and mean and sd arrays");
    for (size_t i = 0; i < g->dim; i++) {
        if (!isfinite(g->mean[i]))
            return bk_error_set(err, BK_EINVAL, "independence proposal mean %zu must be finite, got %g", i, g->mean[i]);
        if (!(g->sd[i] > 0 && isfinite(g->sd[i])))
            return bk_error_set(err, BK_EINVAL, "independence proposal sd %zu must be > 0 and finite, got %g", i,
                                g->sd[i]);
    }
    out->propose = indep_propose;
    out->log_density = indep_log_density;
    out->ctx = g;
    return BK_SUCCESS;
}

/* ---- the MH family as a driver kernel ---- */

static int vt_alloc(const void *params, size_t dim, bk_logdensity_fn fn, void *ctx, void **out, bk_error *err) {
    bk_mh *k = NULL;
    const int st = bk_mh_alloc(dim, params, fn, ctx, &k, err);
    if (st == BK_SUCCESS) *out = k;
    return st;
}
static void vt_free(void *k) { bk_mh_free(k); }
static int vt_init(void *k, bk_mcmc_state *s, bk_error *err) { return bk_mh_init(k, s, err); }
static int vt_step(void *k, bk_rng *rng, bk_mcmc_state *s, void *info) { return bk_mh_step(k, rng, s, info); }
static void vt_stats(const void *info, bk_mcmc_step_stats *out) {
    const bk_mh_info *i = info;
    out->acceptance_prob = i->acceptance_prob;
    out->is_accepted = i->is_accepted;
    out->is_divergent = 0;
    out->hit_max_depth = 0;
    out->nonfinite = !isfinite(i->proposal_logdensity);
    out->n_evals = 1;
}
static double vt_get(const void *k) { return bk_mh_scale(k); }
static int vt_set(void *k, double v, bk_error *err) { return bk_mh_set_scale(k, v, err); }
static const bk_error *vt_error(const void *k) { return bk_mh_error(k); }

static const bk_mcmc_kernel_type mh_type = {
    "mh", sizeof(bk_mh_info), 0, vt_alloc, vt_free, vt_init, vt_step, vt_stats, vt_get, vt_set, vt_error, NULL, NULL, NULL};

const bk_mcmc_kernel_type *bk_mh_kernel_type(void) { return &mh_type; }
