/*
 * ADVI: Gaussian variational inference on any log density with gradient,
 * mean-field or full-rank (Cholesky factor), with the reparameterization and
 * the score-function (REINFORCE) gradient estimators (formulas in
 * include/bayeskit/advi.h).
 *
 * Kucukelbir, Tran, Ranganath, Gelman & Blei (2017), "Automatic
 * differentiation variational inference", JMLR 18(14); Ranganath, Gerrish &
 * Blei (2014), "Black box variational inference", AISTATS.
 */
#include "bayeskit/advi.h"
#include "bayeskit/linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BK_LOG_2PI 1.8378770664093454836

struct bk_advi {
    size_t d, np;           /* parameters of the target, variational parameters */
    size_t r, m;            /* low rank: columns of B; normals per draw */
    bk_logdensity_fn fn;
    void *ctx;
    const char *(*message)(void *ctx);
    bk_advi_config cfg;
    double *L;              /* d x d dense factor of the current phi (mean field: its diagonal in L[i]) */
    double *eps, *theta, *g, *u; /* K x d draws; d each */
    double *score;          /* np: grad_phi log q of one draw */
    double *acc;            /* np: gradient accumulator */
    double *M, *X;          /* low rank: r x r (I + B^T D^-2 B, then its factor); r x d (M^-1 B^T D^-2) */
    bk_rng *rng;
    bk_error err;
};

bk_advi_config bk_advi_config_default(void) {
    bk_advi_config c;
    memset(&c, 0, sizeof c);
    c.family = BK_ADVI_MEANFIELD;
    c.estimator = BK_ADVI_REPARAM;
    c.rank = 1;
    c.samples = 256;
    c.steps = 1500;
    c.optim = bk_optim_adam_default(0.05);
    return c;
}

size_t bk_advi_nparams(int family, size_t d, size_t rank) {
    switch (family) {
    case BK_ADVI_MEANFIELD: return 2 * d;
    case BK_ADVI_FULLRANK: return d + d * (d + 1) / 2;
    case BK_ADVI_LOWRANK: return 2 * d + d * rank;
    default: return 0;
    }
}

size_t bk_advi_noise_dim(int family, size_t d, size_t rank) { return family == BK_ADVI_LOWRANK ? d + rank : d; }

int bk_advi_config_check(const bk_advi_config *c, bk_error *err) {
    if (!c) return bk_error_set(err, BK_EINVAL, "ADVI configuration is NULL");
    if (c->family != BK_ADVI_MEANFIELD && c->family != BK_ADVI_FULLRANK && c->family != BK_ADVI_LOWRANK)
        return bk_error_set(err, BK_EINVAL, "unknown ADVI family %d (mean-field 0, full-rank 1, low-rank 2)", c->family);
    if (c->family == BK_ADVI_LOWRANK && c->rank == 0)
        return bk_error_set(err, BK_EINVAL, "low-rank ADVI needs rank >= 1, got 0");
    if (c->family == BK_ADVI_LOWRANK && c->estimator == BK_ADVI_SCORE)
        return bk_error_set(err, BK_EINVAL,
                            "the score-function estimator is implemented for the mean-field and full-rank families only");
    if (c->estimator != BK_ADVI_REPARAM && c->estimator != BK_ADVI_SCORE)
        return bk_error_set(err, BK_EINVAL, "unknown ADVI gradient estimator %d", c->estimator);
    if (c->samples == 0) return bk_error_set(err, BK_EINVAL, "number of Monte Carlo samples must be >= 1, got 0");
    if (c->steps == 0) return bk_error_set(err, BK_EINVAL, "number of ADVI steps must be >= 1, got 0");
    return bk_optim_config_check(&c->optim, err);
}

void bk_advi_free(bk_advi *a) {
    if (!a) return;
    free(a->L);
    free(a->eps);
    free(a->theta);
    free(a->g);
    free(a->u);
    free(a->score);
    free(a->acc);
    free(a->M);
    free(a->X);
    bk_rng_free(a->rng);
    free(a);
}

int bk_advi_alloc(size_t dim, bk_logdensity_fn fn, void *ctx, const char *(*message)(void *ctx),
                  const bk_advi_config *cfg, bk_advi **out, bk_error *err) {
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (!fn) return bk_error_set(err, BK_EINVAL, "log density function is NULL");
    if (dim == 0) return bk_error_set(err, BK_EINVAL, "ADVI needs a target with >= 1 parameter, got 0");
    int st = bk_advi_config_check(cfg, err);
    if (st) return st;
    if (cfg->family == BK_ADVI_LOWRANK && cfg->rank > dim)
        return bk_error_set(err, BK_EINVAL, "low-rank ADVI rank %zu exceeds the %zu parameters", cfg->rank, dim);
    if (cfg->family == BK_ADVI_FULLRANK && dim > 4096)
        return bk_error_set(err, BK_EINVAL, "full-rank ADVI over %zu parameters needs a %zu x %zu factor; use mean field",
                            dim, dim, dim);
    if ((st = bk_init())) return bk_error_set(err, st, "cannot initialise BayesKit");
    bk_advi *a = calloc(1, sizeof *a);
    if (!a) return bk_error_set(err, BK_ENOMEM, "cannot allocate an ADVI problem");
    a->d = dim;
    a->r = cfg->family == BK_ADVI_LOWRANK ? cfg->rank : 0;
    a->np = bk_advi_nparams(cfg->family, dim, a->r);
    a->m = bk_advi_noise_dim(cfg->family, dim, a->r);
    a->fn = fn;
    a->ctx = ctx;
    a->message = message;
    a->cfg = *cfg;
    const size_t K = cfg->samples, Lsize = cfg->family == BK_ADVI_FULLRANK ? dim * dim : dim;
    a->L = calloc(Lsize, sizeof *a->L);
    a->eps = malloc(K * a->m * sizeof *a->eps);
    if (a->r) {
        a->M = malloc(a->r * a->r * sizeof *a->M);
        a->X = malloc(a->r * dim * sizeof *a->X);
        if (!a->M || !a->X) {
            bk_advi_free(a);
            return bk_error_set(err, BK_ENOMEM, "cannot allocate low-rank ADVI buffers of rank %zu", cfg->rank);
        }
    }
    a->theta = malloc(dim * sizeof *a->theta);
    a->g = malloc(dim * sizeof *a->g);
    a->u = malloc(dim * sizeof *a->u);
    a->score = malloc(a->np * sizeof *a->score);
    a->acc = malloc(a->np * sizeof *a->acc);
    if (!a->L || !a->eps || !a->theta || !a->g || !a->u || !a->score || !a->acc) {
        bk_advi_free(a);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate ADVI buffers for %zu draws of %zu parameters", K, dim);
    }
    if ((st = bk_rng_alloc(0, 0, &a->rng, err))) {
        bk_advi_free(a);
        return st;
    }
    bk_error_clear(&a->err);
    *out = a;
    return BK_SUCCESS;
}

size_t bk_advi_dim(const bk_advi *a) { return a ? a->d : 0; }
size_t bk_advi_size(const bk_advi *a) { return a ? a->np : 0; }
const bk_error *bk_advi_error(const bk_advi *a) { return a ? &a->err : NULL; }

/* Index of L_ij (j <= i) in the packed full-rank phi. */
static inline size_t tri(size_t d, size_t i, size_t j) { return d + i * (i + 1) / 2 + j; }

int bk_advi_init(const bk_advi *a, const double *mean, double log_scale, double *phi, bk_error *err) {
    if (!a || !phi) return bk_error_set(err, BK_EINVAL, "ADVI problem or parameters is NULL");
    if (!isfinite(log_scale)) return bk_error_set(err, BK_ENONFINITE, "initial log scale is not finite");
    if (mean && !bk_all_finite(mean, a->d)) return bk_error_set(err, BK_ENONFINITE, "initial mean is not finite");
    const size_t d = a->d;
    for (size_t i = 0; i < d; i++) phi[i] = mean ? mean[i] : 0.0;
    if (a->cfg.family == BK_ADVI_MEANFIELD) {
        for (size_t i = 0; i < d; i++) phi[d + i] = log_scale;
    } else if (a->cfg.family == BK_ADVI_LOWRANK) {
        /* B = 0 is a stationary point of the ELBO in B: start slightly off it. */
        for (size_t i = 0; i < d; i++) {
            phi[d + i] = log_scale;
            for (size_t c = 0; c < a->r; c++) phi[2 * d + i * a->r + c] = i == c ? 0.01 * exp(log_scale) : 0.0;
        }
    } else {
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j <= i; j++) phi[tri(d, i, j)] = i == j ? log_scale : 0.0;
    }
    return BK_SUCCESS;
}

/*
 * Low rank: D into a->L, M = I + B^T D^-2 B factored into a->M, and
 * X = M^-1 B^T D^-2 (r x d) into a->X. Returns 1/2 log det Sigma =
 * sum omega_i + 1/2 log det M, or NaN when M cannot be factored.
 */
static double unpack_lowrank(bk_advi *a, const double *phi) {
    const size_t d = a->d, r = a->r;
    const double *B = phi + 2 * d;
    double half = 0.0;
    for (size_t i = 0; i < d; i++) {
        a->L[i] = exp(phi[d + i]);
        half += phi[d + i];
    }
    for (size_t p = 0; p < r; p++)
        for (size_t q = 0; q <= p; q++) {
            double s = p == q ? 1.0 : 0.0;
            for (size_t i = 0; i < d; i++) s += B[i * r + p] * B[i * r + q] / (a->L[i] * a->L[i]);
            a->M[p * r + q] = a->M[q * r + p] = s;
        }
    for (size_t p = 0; p < r; p++)
        for (size_t i = 0; i < d; i++) a->X[p * d + i] = B[i * r + p] / (a->L[i] * a->L[i]);
    if (bk_cholesky(r, a->M, a->M, NULL) || bk_cholesky_solve(r, a->M, d, a->X, NULL)) return NAN;
    return half + 0.5 * bk_cholesky_logdet(r, a->M);
}

/* Unpacks the factor of phi into a->L; returns the sum of log L_ii (the non-constant part of H(q)). */
static double unpack(bk_advi *a, const double *phi) {
    const size_t d = a->d;
    double logdet = 0.0;
    if (a->cfg.family == BK_ADVI_LOWRANK) return unpack_lowrank(a, phi);
    if (a->cfg.family == BK_ADVI_MEANFIELD) {
        for (size_t i = 0; i < d; i++) {
            a->L[i] = exp(phi[d + i]);
            logdet += phi[d + i];
        }
    } else {
        for (size_t i = 0; i < d; i++) {
            for (size_t j = 0; j < i; j++) a->L[i * d + j] = phi[tri(d, i, j)];
            a->L[i * d + i] = exp(phi[tri(d, i, i)]);
            logdet += phi[tri(d, i, i)];
        }
    }
    return logdet;
}

/* theta = mu + L eps (low rank: mu + D eps + B eta, eta = eps[d..d+r)). */
static void transform(const bk_advi *a, const double *mu, const double *eps, double *theta) {
    const size_t d = a->d;
    if (a->cfg.family == BK_ADVI_LOWRANK) {
        const double *B = mu + 2 * d, *eta = eps + d;
        for (size_t i = 0; i < d; i++) {
            double s = mu[i] + a->L[i] * eps[i];
            for (size_t c = 0; c < a->r; c++) s += B[i * a->r + c] * eta[c];
            theta[i] = s;
        }
    } else if (a->cfg.family == BK_ADVI_MEANFIELD) {
        for (size_t i = 0; i < d; i++) theta[i] = mu[i] + a->L[i] * eps[i];
    } else {
        for (size_t i = 0; i < d; i++) {
            double s = mu[i];
            for (size_t j = 0; j <= i; j++) s += a->L[i * d + j] * eps[j];
            theta[i] = s;
        }
    }
}

/* Calls the target, appending its own message to ours on failure. */
static int target(bk_advi *a, const double *theta, double *lp, double *grad, uint64_t step, bk_error *err) {
    const int st = a->fn(a->ctx, a->d, theta, lp, grad);
    if (!st) return BK_SUCCESS;
    const char *m = a->message ? a->message(a->ctx) : NULL;
    return bk_error_set(err, st, "the log density failed at ADVI step %llu: %s", (unsigned long long)step,
                        m && m[0] ? m : bk_strerror(st));
}

/* Adds w * (pathwise gradient of draw eps with target gradient g) to acc (without the entropy term). */
static void add_reparam(const bk_advi *a, const double *eps, const double *g, double w, double *acc) {
    const size_t d = a->d;
    for (size_t i = 0; i < d; i++) acc[i] += w * g[i];
    if (a->cfg.family == BK_ADVI_LOWRANK) {
        const double *eta = eps + d;
        for (size_t i = 0; i < d; i++) {
            acc[d + i] += w * g[i] * eps[i] * a->L[i];
            for (size_t c = 0; c < a->r; c++) acc[2 * d + i * a->r + c] += w * g[i] * eta[c];
        }
    } else if (a->cfg.family == BK_ADVI_MEANFIELD) {
        for (size_t i = 0; i < d; i++) acc[d + i] += w * g[i] * eps[i] * a->L[i];
    } else {
        for (size_t i = 0; i < d; i++) {
            for (size_t j = 0; j < i; j++) acc[tri(d, i, j)] += w * g[i] * eps[j];
            acc[tri(d, i, i)] += w * g[i] * eps[i] * a->L[i * d + i];
        }
    }
}

/* score = grad_phi log q(mu + L eps); returns log q(mu + L eps) given sum log L_ii. */
static double score_of(bk_advi *a, const double *eps, double logdet, double *score) {
    const size_t d = a->d;
    double ee = 0.0;
    for (size_t i = 0; i < d; i++) ee += eps[i] * eps[i];
    if (a->cfg.family == BK_ADVI_MEANFIELD) {
        for (size_t i = 0; i < d; i++) {
            score[i] = eps[i] / a->L[i];
            score[d + i] = eps[i] * eps[i] - 1.0;
        }
    } else {
        /* u = L^{-T} eps by back substitution (L^T is upper triangular). */
        double *u = a->u;
        for (size_t i = d; i-- > 0;) {
            double s = eps[i];
            for (size_t r = i + 1; r < d; r++) s -= a->L[r * d + i] * u[r];
            u[i] = s / a->L[i * d + i];
        }
        for (size_t i = 0; i < d; i++) {
            score[i] = u[i];
            for (size_t j = 0; j < i; j++) score[tri(d, i, j)] = u[i] * eps[j];
            score[tri(d, i, i)] = u[i] * eps[i] * a->L[i * d + i] - 1.0;
        }
    }
    return -0.5 * (double)d * BK_LOG_2PI - logdet - 0.5 * ee;
}

int bk_advi_estimate(bk_advi *a, const double *phi, int estimator, const double *eps, uint64_t seed,
                     uint64_t step, double *elbo, double *grad, bk_error *err) {
    if (!a || !phi || !elbo) return bk_error_set(err, BK_EINVAL, "ADVI problem, parameters or output is NULL");
    if (estimator != BK_ADVI_REPARAM && estimator != BK_ADVI_SCORE)
        return bk_error_set(err, BK_EINVAL, "unknown ADVI gradient estimator %d", estimator);
    const size_t d = a->d, K = a->cfg.samples, np = a->np, m = a->m;
    if (estimator == BK_ADVI_SCORE && a->cfg.family == BK_ADVI_LOWRANK)
        return bk_error_set(err, BK_EINVAL,
                            "the score-function estimator is implemented for the mean-field and full-rank families only");
    const double *E = eps;
    if (!E) {
        bk_rng_reset(a->rng, seed, step);
        for (size_t i = 0; i < K * m; i++) a->eps[i] = bk_rng_normal(a->rng);
        E = a->eps;
    }
    const double logdet = unpack(a, phi);
    if (isnan(logdet)) {
        *elbo = NAN;
        if (grad) for (size_t i = 0; i < np; i++) grad[i] = NAN;
        return BK_SUCCESS;
    }
    const double entropy = 0.5 * (double)d * (1.0 + BK_LOG_2PI) + logdet;
    if (grad) memset(a->acc, 0, np * sizeof *a->acc);
    const double w = 1.0 / (double)K;
    double lp_sum = 0.0;
    for (size_t k = 0; k < K; k++) {
        const double *ek = E + k * m;
        transform(a, phi, ek, a->theta);
        double lp = 0.0;
        const int want_g = grad && estimator == BK_ADVI_REPARAM;
        int st = target(a, a->theta, &lp, want_g ? a->g : NULL, step, err);
        if (st) return st;
        lp_sum += lp;
        if (!grad) continue;
        if (estimator == BK_ADVI_REPARAM) {
            add_reparam(a, ek, a->g, w, a->acc);
        } else {
            const double lq = score_of(a, ek, logdet, a->score);
            const double f = lp - lq;
            for (size_t i = 0; i < np; i++) a->acc[i] += w * f * a->score[i];
        }
    }
    *elbo = lp_sum * w + entropy;
    if (grad) {
        memcpy(grad, a->acc, np * sizeof *grad);
        if (estimator == BK_ADVI_REPARAM && a->cfg.family == BK_ADVI_LOWRANK) {
            /* dH/dB = Sigma^-1 B = X^T (d x r); dH/domega_i = (Sigma^-1)_ii D_i^2. */
            const size_t r = a->r;
            const double *B = phi + 2 * d;
            for (size_t i = 0; i < d; i++) {
                double quad = 0.0;
                for (size_t c = 0; c < r; c++) {
                    grad[2 * d + i * r + c] += a->X[c * d + i];
                    quad += B[i * r + c] * a->X[c * d + i];
                }
                const double D2 = a->L[i] * a->L[i];
                /* (Sigma^-1)_ii = D_i^-2 - (D^-2 B X)_ii */
                grad[d + i] += (1.0 / D2 - quad / D2) * D2;
            }
        } else if (estimator == BK_ADVI_REPARAM) {
            /* dH/dl_ii = 1 */
            for (size_t i = 0; i < d; i++) grad[a->cfg.family == BK_ADVI_MEANFIELD ? d + i : tri(d, i, i)] += 1.0;
        }
    }
    return BK_SUCCESS;
}

int bk_advi_run(bk_advi *a, uint64_t seed, double *phi, bk_progress *progress, double *history, size_t *steps_done,
                bk_error *err) {
    if (!a || !phi) return bk_error_set(err, BK_EINVAL, "ADVI problem or parameters is NULL");
    const size_t np = a->np, T = a->cfg.steps;
    if (!bk_all_finite(phi, np)) return bk_error_set(err, BK_ENONFINITE, "initial variational parameters are not finite");
    bk_optim *opt = NULL;
    int st = bk_optim_alloc(np, &a->cfg.optim, &opt, err);
    if (st) return st;
    double *grad = malloc(np * sizeof *grad), *prev = malloc(np * sizeof *prev);
    if (!grad || !prev) {
        free(grad);
        free(prev);
        bk_optim_free(opt);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate ADVI buffers for %zu parameters", np);
    }
    if (progress) bk_progress_set_total(progress, 0, T);
    size_t done = 0;
    for (size_t t = 0; t < T; t++) {
        double elbo = 0.0;
        if ((st = bk_advi_estimate(a, phi, a->cfg.estimator, NULL, seed, t, &elbo, grad, err))) break;
        if (!isfinite(elbo) || !bk_all_finite(grad, np)) {
            if (t > 0) memcpy(phi, prev, np * sizeof *phi);
            st = bk_error_set(err, BK_ENONFINITE,
                              "ADVI diverged at step %zu of %zu: the ELBO estimate or its gradient is not finite "
                              "(ELBO %g); the parameters are the last finite ones; try a smaller learning rate",
                              t + 1, T, elbo);
            break;
        }
        if (history) history[t] = elbo;
        memcpy(prev, phi, np * sizeof *phi);
        for (size_t i = 0; i < np; i++) grad[i] = -grad[i];
        if ((st = bk_optim_step(opt, phi, grad, err))) break;
        done = t + 1;
        bk_progress_add(progress, 0, 1);
        if (bk_progress_cancelled(progress)) break;
    }
    if (steps_done) *steps_done = done;
    free(grad);
    free(prev);
    bk_optim_free(opt);
    return st;
}

int bk_advi_gradient_variance(bk_advi *a, const double *phi, uint64_t seed, size_t reps, double *mean_reparam,
                              double *var_reparam, double *mean_score, double *var_score, bk_error *err) {
    if (!a || !phi) return bk_error_set(err, BK_EINVAL, "ADVI problem or parameters is NULL");
    if (reps < 2) return bk_error_set(err, BK_EINVAL, "gradient variance needs >= 2 replicates, got %zu", reps);
    if (!bk_all_finite(phi, a->np)) return bk_error_set(err, BK_ENONFINITE, "variational parameters are not finite");
    const size_t np = a->np;
    /* Welford per estimator: m[e * np + i], s[e * np + i]; the gradient of one replicate in g. */
    double *m = calloc(2 * np, sizeof *m), *s = calloc(2 * np, sizeof *s), *g = malloc(np * sizeof *g);
    int st = BK_SUCCESS;
    if (!m || !s || !g) st = bk_error_set(err, BK_ENOMEM, "cannot allocate gradient-variance buffers");
    for (size_t r = 0; r < reps && !st; r++) {
        for (int e = 0; e < 2 && !st; e++) {
            double elbo;
            /* Both estimators read stream r of the seed: the same draws. */
            if ((st = bk_advi_estimate(a, phi, e == 0 ? BK_ADVI_REPARAM : BK_ADVI_SCORE, NULL, seed, r, &elbo, g, err)))
                break;
            double *me = m + (size_t)e * np, *se = s + (size_t)e * np;
            for (size_t i = 0; i < np; i++) {
                const double delta = g[i] - me[i];
                me[i] += delta / (double)(r + 1);
                se[i] += delta * (g[i] - me[i]);
            }
        }
    }
    if (!st) {
        for (size_t i = 0; i < np; i++) {
            if (mean_reparam) mean_reparam[i] = m[i];
            if (var_reparam) var_reparam[i] = s[i] / (double)(reps - 1);
            if (mean_score) mean_score[i] = m[np + i];
            if (var_score) var_score[i] = s[np + i] / (double)(reps - 1);
        }
    }
    free(m);
    free(s);
    free(g);
    return st;
}

static int check_phi(int family, size_t dim, size_t rank, const double *phi, bk_error *err) {
    if (!phi) return bk_error_set(err, BK_EINVAL, "variational parameters are NULL");
    if (bk_advi_nparams(family, dim, rank) == 0) return bk_error_set(err, BK_EINVAL, "unknown ADVI family %d", family);
    if (dim == 0) return bk_error_set(err, BK_EINVAL, "dimension must be >= 1, got 0");
    if (family == BK_ADVI_LOWRANK && (rank == 0 || rank > dim))
        return bk_error_set(err, BK_EINVAL, "low-rank ADVI rank must be in 1..%zu, got %zu", dim, rank);
    if (!bk_all_finite(phi, bk_advi_nparams(family, dim, rank)))
        return bk_error_set(err, BK_ENONFINITE, "variational parameters are not finite");
    return BK_SUCCESS;
}

/* Entry (i, j), j <= i, of the full-rank or mean-field factor in phi. */
static inline double factor(int family, size_t d, const double *phi, size_t i, size_t j) {
    if (family == BK_ADVI_MEANFIELD) return i == j ? exp(phi[d + i]) : 0.0;
    return i == j ? exp(phi[tri(d, i, i)]) : phi[tri(d, i, j)];
}

int bk_advi_moments(int family, size_t d, size_t rank, const double *phi, double *mean, double *cov, bk_error *err) {
    int st = check_phi(family, d, rank, phi, err);
    if (st) return st;
    if (mean) memcpy(mean, phi, d * sizeof *mean);
    if (cov && family == BK_ADVI_LOWRANK) {
        const double *B = phi + 2 * d;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j <= i; j++) {
                double s = i == j ? exp(2.0 * phi[d + i]) : 0.0;
                for (size_t c = 0; c < rank; c++) s += B[i * rank + c] * B[j * rank + c];
                cov[i * d + j] = cov[j * d + i] = s;
            }
    } else if (cov && family == BK_ADVI_MEANFIELD) {
        memset(cov, 0, d * d * sizeof *cov);
        for (size_t i = 0; i < d; i++) cov[i * d + i] = exp(2.0 * phi[d + i]);
    } else if (cov) {
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j <= i; j++) {
                double s = 0.0;
                for (size_t k = 0; k <= j; k++) s += factor(family, d, phi, i, k) * factor(family, d, phi, j, k);
                cov[i * d + j] = cov[j * d + i] = s;
            }
    }
    return BK_SUCCESS;
}

int bk_advi_sample(bk_rng *rng, int family, size_t d, size_t rank, const double *phi, size_t S, double *out,
                   bk_error *err) {
    if (!rng || !out) return bk_error_set(err, BK_EINVAL, "generator or output is NULL");
    int st = check_phi(family, d, rank, phi, err);
    if (st) return st;
    const size_t m = bk_advi_noise_dim(family, d, rank);
    double *eps = malloc(m * sizeof *eps);
    if (!eps) return bk_error_set(err, BK_ENOMEM, "cannot allocate a draw of %zu values", m);
    for (size_t s = 0; s < S; s++) {
        for (size_t i = 0; i < m; i++) eps[i] = bk_rng_normal(rng);
        for (size_t i = 0; i < d; i++) {
            double v = phi[i];
            if (family == BK_ADVI_MEANFIELD) {
                v += exp(phi[d + i]) * eps[i];
            } else if (family == BK_ADVI_LOWRANK) {
                v += exp(phi[d + i]) * eps[i];
                for (size_t c = 0; c < rank; c++) v += phi[2 * d + i * rank + c] * eps[d + c];
            } else {
                for (size_t j = 0; j <= i; j++) v += factor(family, d, phi, i, j) * eps[j];
            }
            out[s * d + i] = v;
        }
    }
    free(eps);
    return BK_SUCCESS;
}
