/*
 * The multi-chain MCMC driver shared by every kernel: chains in parallel
 * (OpenMP over chains, one RNG stream, kernel object and model context per
 * chain), warmup with Robbins–Monro adaptation of the kernel's tuning,
 * thinning, draws kept in memory and/or streamed to per-chain draws files,
 * Welford online moments, progress and cancellation.
 *
 * Everything that can fail for a reason the caller controls (arguments,
 * allocation, the starting points, opening the files) is done serially
 * before the first iteration; the parallel loop only steps kernels and
 * appends draws. A chain's iterations depend only on its stream and start,
 * so the draws do not depend on the thread count.
 */
#define _POSIX_C_SOURCE 200809L
#include "bayeskit/draws.h"
#include "lines.h"
#include "bayeskit/mcmc.h"
#include "omp_shim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct chain_ctx {
    void *kernel;
    bk_rng *rng;
    bk_draws_writer *writer;
    double *position, *grad; /* dim each */
    double *mean, *m2;       /* dim each: Welford */
    void *info;
    bk_error err;
} chain_ctx;

uint64_t bk_mcmc_kept(uint64_t draws, uint64_t thin) { return thin == 0 ? 0 : (draws + thin - 1) / thin; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void free_chains(const bk_mcmc_kernel_type *kt, chain_ctx *c, size_t n) {
    if (!c) return;
    for (size_t k = 0; k < n; k++) {
        if (c[k].kernel) kt->free(c[k].kernel);
        bk_rng_free(c[k].rng);
        if (c[k].writer) bk_draws_writer_close(c[k].writer, NULL);
        free(c[k].position);
        free(c[k].grad);
        free(c[k].mean);
        free(c[k].m2);
        free(c[k].info);
    }
    free(c);
}

/* "chain k: <kernel message>[: <model message>]" into `dst`. */
static void chain_failure(bk_error *dst, size_t k, int status, const char *what, const bk_mcmc_model *model, void *ctx) {
    const char *model_msg = model->message ? model->message(ctx) : NULL;
    if (model_msg && model_msg[0])
        bk_error_set(dst, status, "chain %zu: %s: %s", k, what, model_msg);
    else
        bk_error_set(dst, status, "chain %zu: %s", k, what);
}

static int validate(const bk_mcmc_kernel_type *kt, const void *params, const bk_mcmc_model *model,
                    const bk_mcmc_config *cfg, const double *initial, bk_progress *progress, bk_error *err) {
    if (!kt || !model || !cfg) return bk_error_set(err, BK_EINVAL, "kernel, model or configuration is NULL");
    if (!kt->alloc || !kt->free || !kt->init || !kt->step || !kt->stats || !kt->error || kt->info_size == 0)
        return bk_error_set(err, BK_EINVAL, "kernel type '%s' is incomplete", kt->name ? kt->name : "?");
    if (!params) return bk_error_set(err, BK_EINVAL, "kernel parameters are NULL");
    if (!model->logdensity || !model->ctxs) return bk_error_set(err, BK_EINVAL, "model log density or contexts are NULL");
    if (model->dim == 0) return bk_error_set(err, BK_EINVAL, "model dimension must be >= 1, got 0");
    if (cfg->nchains == 0) return bk_error_set(err, BK_EINVAL, "number of chains must be >= 1, got 0");
    if (cfg->thin == 0) return bk_error_set(err, BK_EINVAL, "thin must be >= 1; got 0");
    if (cfg->adapt && cfg->warmup > 0 && !(cfg->target_accept > 0 && cfg->target_accept < 1))
        return bk_error_set(err, BK_EINVAL, "target acceptance must be in (0, 1), got %g", cfg->target_accept);
    if (cfg->nthreads < 0) return bk_error_set(err, BK_EINVAL, "thread count must be >= 0 (0 = default), got %d", cfg->nthreads);
    if (!initial) return bk_error_set(err, BK_EINVAL, "initial positions are NULL");
    if (progress && bk_progress_ntasks(progress) != cfg->nchains)
        return bk_error_set(err, BK_EDIM, "progress has %zu tasks for %zu chains", bk_progress_ntasks(progress),
                            cfg->nchains);
    if (cfg->draws_paths)
        for (size_t k = 0; k < cfg->nchains; k++)
            if (!cfg->draws_paths[k]) return bk_error_set(err, BK_EINVAL, "draws file path of chain %zu is NULL", k);
    for (size_t k = 0; k < cfg->nchains; k++)
        if (!bk_all_finite(initial + k * model->dim, model->dim))
            return bk_error_set(err, BK_ENONFINITE, "initial position of chain %zu contains NaN or infinity", k);
    return BK_SUCCESS;
}

/* Serial setup of chain k: kernel, stream, buffers, init. */
static int setup_chain(const bk_mcmc_kernel_type *kt, const void *params, const bk_mcmc_model *model,
                       const bk_mcmc_config *cfg, const double *initial, size_t k, chain_ctx *c, double *logp0,
                       bk_error *err) {
    const size_t dim = model->dim;
    bk_error e;
    bk_error_clear(&e);
    int st = kt->alloc(params, dim, model->logdensity, model->ctxs[k], &c->kernel, &e);
    if (st != BK_SUCCESS) return bk_error_set(err, st, "%s", e.message);
    st = bk_rng_alloc(cfg->seed, cfg->first_stream + k, &c->rng, &e);
    if (st != BK_SUCCESS) return bk_error_set(err, st, "%s", e.message);
    /* whole cache lines per chain: chains on different threads write these every step */
    c->position = bk_alloc_lines(dim * sizeof(double));
    c->mean = bk_calloc_lines(dim, sizeof(double));
    c->m2 = bk_calloc_lines(dim, sizeof(double));
    c->info = bk_calloc_lines(1, kt->info_size);
    if (kt->needs_gradient) c->grad = bk_alloc_lines(dim * sizeof(double));
    if (!c->position || !c->mean || !c->m2 || !c->info || (kt->needs_gradient && !c->grad))
        return bk_error_set(err, BK_ENOMEM, "cannot allocate the state of chain %zu (dimension %zu)", k, dim);
    memcpy(c->position, initial + k * dim, dim * sizeof(double));
    bk_mcmc_state s = {c->position, 0, c->grad};
    st = kt->init(c->kernel, &s, &e);
    *logp0 = s.logdensity;
    if (st != BK_SUCCESS) {
        char what[BK_ERROR_MESSAGE_SIZE];
        snprintf(what, sizeof what, "%s", e.message);
        if (st == BK_ENONFINITE) return bk_error_set(err, st, "chain %zu: %s", k, what);
        chain_failure(err, k, st, what, model, model->ctxs[k]);
        return st;
    }
    return BK_SUCCESS;
}

/* The iterations of one chain (runs inside the parallel region). */
static void run_chain(const bk_mcmc_kernel_type *kt, const bk_mcmc_model *model, const bk_mcmc_config *cfg, size_t k,
                      chain_ctx *c, double logdensity0, double *draws_out, bk_mcmc_chain_stats *out,
                      bk_progress *progress, int *stop) {
    /* counted on this thread's stack, stored once at the end: the stats of
     * neighbouring chains share cache lines */
    bk_mcmc_chain_stats local = *out, *st = &local;
    const size_t dim = model->dim;
    const uint64_t warmup = cfg->warmup, total = cfg->warmup + cfg->draws, thin = cfg->thin;
    const uint64_t block = cfg->progress_block ? cfg->progress_block : 1024;
    const uint64_t kept_total = bk_mcmc_kept(cfg->draws, thin);
    bk_mcmc_state s = {c->position, logdensity0, c->grad};
    bk_mcmc_step_stats ss;
    bk_scale_adapt ad;
    double tuning = kt->get_tuning ? kt->get_tuning(c->kernel) : NAN;
    /* A kernel with its own adaptation (HMC, NUTS) uses its hooks; others get Robbins–Monro on the tuning. */
    const int own_adapt = cfg->adapt && warmup > 0 && kt->adapt_init && kt->adapt && kt->adapt_final;
    const int adapt = !own_adapt && cfg->adapt && warmup > 0 && kt->set_tuning && isfinite(tuning) &&
                      bk_scale_adapt_init(&ad, tuning, cfg->target_accept, warmup, NULL) == BK_SUCCESS;
    uint64_t warm_acc = 0, acc = 0, kept = 0, since = 0, it = 0;
    double sum_prob = 0;
    double t0 = now_s(), t_warm_end = t0;
    if (own_adapt) {
        uint32_t ne = 0;
        bk_error e;
        bk_error_clear(&e);
        const int status = kt->adapt_init(c->kernel, c->rng, warmup, &s, &ne, &e);
        st->n_evals += ne;
        if (status != BK_SUCCESS) {
            chain_failure(&c->err, k, status, e.message, model, model->ctxs[k]);
            st->status = status;
            __atomic_store_n(stop, 1, __ATOMIC_RELAXED);
        }
    }
    for (it = 0; it < total && st->status == BK_SUCCESS; it++) {
        if (since == block) {
            bk_progress_add(progress, k, since);
            since = 0;
            if (__atomic_load_n(stop, __ATOMIC_RELAXED) || bk_progress_cancelled(progress)) break;
        }
        const int status = kt->step(c->kernel, c->rng, &s, c->info);
        if (status != BK_SUCCESS) {
            chain_failure(&c->err, k, status, kt->error(c->kernel)->message, model, model->ctxs[k]);
            st->status = status;
            __atomic_store_n(stop, 1, __ATOMIC_RELAXED);
            break;
        }
        since++;
        kt->stats(c->info, &ss);
        st->n_evals += ss.n_evals;
        st->n_nonfinite += (uint64_t)ss.nonfinite;
        if (it < warmup) {
            warm_acc += (uint64_t)ss.is_accepted;
            st->n_divergent_warmup += (uint64_t)ss.is_divergent;
            if (own_adapt) {
                uint32_t ne = 0;
                bk_error e;
                bk_error_clear(&e);
                const int as = kt->adapt(c->kernel, c->rng, it, &s, c->info, &ne, &e);
                st->n_evals += ne;
                if (as != BK_SUCCESS) {
                    chain_failure(&c->err, k, as, e.message, model, model->ctxs[k]);
                    st->status = as;
                    __atomic_store_n(stop, 1, __ATOMIC_RELAXED);
                    it++;
                    break;
                }
                if (it + 1 == warmup) kt->adapt_final(c->kernel);
            }
            if (adapt) {
                double v = bk_scale_adapt_update(&ad, ss.acceptance_prob);
                if (it + 1 == warmup) v = bk_scale_adapt_final(&ad);
                kt->set_tuning(c->kernel, v, NULL);
            }
            if (it + 1 == warmup) t_warm_end = now_s();
            continue;
        }
        const uint64_t i = it - warmup;
        st->n_evals_sampling += ss.n_evals;
        acc += (uint64_t)ss.is_accepted;
        sum_prob += ss.acceptance_prob;
        st->n_divergent += (uint64_t)ss.is_divergent;
        st->n_max_depth += (uint64_t)ss.hit_max_depth;
        if (i % thin != 0) continue;
        if (draws_out) memcpy(draws_out + ((size_t)k * kept_total + kept) * dim, s.position, dim * sizeof(double));
        if (c->writer) {
            const int ws = bk_draws_writer_append(c->writer, s.position);
            if (ws != BK_SUCCESS) {
                bk_error_set(&c->err, ws, "chain %zu: %s", k, bk_draws_writer_last_error(c->writer));
                st->status = ws;
                __atomic_store_n(stop, 1, __ATOMIC_RELAXED);
                break;
            }
        }
        kept++;
        const double inv = 1.0 / (double)kept;
        double *restrict m = c->mean, *restrict m2 = c->m2;
        for (size_t j = 0; j < dim; j++) {
            const double d = s.position[j] - m[j];
            m[j] += d * inv;
            m2[j] += d * (s.position[j] - m[j]);
        }
    }
    const double t1 = now_s();
    bk_progress_add(progress, k, since);
    st->warmup_done = it < warmup ? it : warmup;
    st->draws_done = it > warmup ? it - warmup : 0;
    st->kept = kept;
    st->accepted = acc;
    st->acceptance_rate = st->draws_done ? (double)acc / (double)st->draws_done : NAN;
    st->mean_accept_prob = st->draws_done ? sum_prob / (double)st->draws_done : NAN;
    st->warmup_acceptance_rate = st->warmup_done ? (double)warm_acc / (double)st->warmup_done : NAN;
    st->tuning = kt->get_tuning ? kt->get_tuning(c->kernel) : NAN;
    if (it <= warmup && warmup > 0) t_warm_end = t1;
    st->warmup_s = t_warm_end - t0;
    st->sampling_s = t1 - t_warm_end;
    *out = local;
}

int bk_mcmc_run(const bk_mcmc_kernel_type *kernel, const void *kernel_params, const bk_mcmc_model *model,
                const bk_mcmc_config *config, const double *initial, double *draws, double *mean, double *var,
                bk_mcmc_chain_stats *stats, bk_progress *progress, int *completed, bk_error *err) {
    bk_init();
    int status = validate(kernel, kernel_params, model, config, initial, progress, err);
    if (status != BK_SUCCESS) return status;
    const size_t n = config->nchains, dim = model->dim;
    chain_ctx *c = calloc(n, sizeof *c);
    bk_mcmc_chain_stats *st = calloc(n, sizeof *st);
    double *logp0 = calloc(n, sizeof *logp0);
    char **gen_names = NULL;
    if (!c || !st || !logp0) {
        free(c);
        free(st);
        free(logp0);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu chains", n);
    }
    for (size_t k = 0; k < n && status == BK_SUCCESS; k++) {
        status = setup_chain(kernel, kernel_params, model, config, initial, k, &c[k], &logp0[k], err);
        st[k].n_evals = 1;
    }
    if (status == BK_SUCCESS && config->draws_paths) {
        const char *const *names = config->names;
        if (!names) {
            gen_names = calloc(dim, sizeof *gen_names);
            if (!gen_names) status = bk_error_set(err, BK_ENOMEM, "cannot allocate parameter names");
            for (size_t j = 0; status == BK_SUCCESS && j < dim; j++) {
                gen_names[j] = malloc(32);
                if (!gen_names[j]) {
                    status = bk_error_set(err, BK_ENOMEM, "cannot allocate parameter names");
                    break;
                }
                snprintf(gen_names[j], 32, "theta[%zu]", j);
            }
            names = (const char *const *)gen_names;
        }
        for (size_t k = 0; k < n && status == BK_SUCCESS; k++) {
            bk_error e;
            bk_error_clear(&e);
            status = bk_draws_writer_open(config->draws_paths[k], dim, names, config->first_stream + k,
                                          config->chunk_draws, &c[k].writer, &e);
            if (status != BK_SUCCESS) bk_error_set(err, status, "chain %zu: %s", k, e.message);
        }
    }
    if (status != BK_SUCCESS) goto done;

    for (size_t k = 0; k < n; k++) {
        bk_error_clear(&c[k].err);
        if (progress) bk_progress_set_total(progress, k, config->warmup + config->draws);
    }
    int stop = 0;
    int T = model->serial ? 1 : bk_resolve_threads(config->nthreads);
    if ((size_t)T > n) T = (int)n;
    const long long count = (long long)n;
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
    for (long long kk = 0; kk < count; kk++) {
        const size_t k = (size_t)kk;
        run_chain(kernel, model, config, k, &c[k], logp0[k], draws, &st[k], progress, &stop);
    }
    /* Close the files (flushing the last chunk); a failing close is a failure of that chain. */
    for (size_t k = 0; k < n; k++) {
        if (!c[k].writer) continue;
        bk_error e;
        bk_error_clear(&e);
        const int cs = bk_draws_writer_close(c[k].writer, &e);
        c[k].writer = NULL;
        if (cs != BK_SUCCESS && st[k].status == BK_SUCCESS) {
            st[k].status = cs;
            bk_error_set(&c[k].err, cs, "chain %zu: %s", k, e.message);
        }
    }
    int all_done = 1;
    for (size_t k = 0; k < n; k++) {
        if (st[k].status != BK_SUCCESS && status == BK_SUCCESS) {
            status = st[k].status;
            bk_error_set(err, status, "%s", c[k].err.message);
        }
        if (st[k].warmup_done + st[k].draws_done != config->warmup + config->draws) all_done = 0;
    }
    for (size_t k = 0; k < n; k++) {
        for (size_t j = 0; j < dim; j++) {
            if (mean) mean[k * dim + j] = st[k].kept ? c[k].mean[j] : NAN;
            if (var) var[k * dim + j] = st[k].kept > 1 ? c[k].m2[j] / (double)(st[k].kept - 1) : (st[k].kept ? 0 : NAN);
        }
    }
    if (stats) memcpy(stats, st, n * sizeof *st);
    if (completed) *completed = all_done && status == BK_SUCCESS;
done:
    free_chains(kernel, c, n);
    if (gen_names)
        for (size_t j = 0; j < dim; j++) free(gen_names[j]);
    free(gen_names);
    free(st);
    free(logp0);
    return status;
}

/* ---- BNN helpers ---- */

const char *bk_mcmc_bnn_message(void *ctx) {
    const bk_error *e = ctx ? bk_bnn_posterior_error(ctx) : NULL;
    return e ? e->message : NULL;
}

int bk_mcmc_bnn_uses_blas(const bk_bnn_posterior *post) {
    if (!post) return 0;
    return bk_net_uses_blas(bk_bnn_posterior_net(post), bk_bnn_posterior_nrows(post));
}
