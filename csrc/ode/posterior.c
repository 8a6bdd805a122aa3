/* The posterior over ODE parameters (and optionally initial states and the
 * log noise sd) with a Gaussian likelihood: a bk_logdensity_fn whose
 * gradient comes from forward sensitivities, and its evaluation on many
 * points (grids) in parallel. */
#include "ode_internal.h"
#include "omp_shim.h"

#include <gsl/gsl_math.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bk_ode_posterior {
    bk_ode_system sys;
    bk_ode_options opt;
    size_t n, np, nfree, nobs, nobserved;
    size_t ninit, dim;           /* free initial states; length of theta */
    int infer_noise, noise_prior_log;
    bk_dist noise_prior;
    double t0, noise_sd;
    double *params, *pwork, *y0, *y0work, *times, *obs;
    size_t *free, *observed, *init;
    bk_dist *priors;             /* nfree + ninit: parameters, then initial states */
    bk_ode_solver *plain, *sens; /* values only; values and S = [dy/dp | dy/dy0] (NULL when nothing needs it) */
    size_t ns, pcols;            /* columns of S; the leading dy/dp ones */
    double *ybuf, *sbuf;         /* nobs x n, nobs x n x ns */
    bk_error error;
};

/* d/dx log p(x) of the continuous families, inside the support. */
static double dlogpdf(const bk_dist *d, double x) {
    const double *p = d->p;
    switch (d->kind) {
    case BK_DIST_NORMAL: return -(x - p[0]) / (p[1] * p[1]);
    case BK_DIST_LOGNORMAL: return -(1.0 + (log(x) - p[0]) / (p[1] * p[1])) / x;
    case BK_DIST_GAMMA: return (p[0] - 1.0) / x - p[1];
    case BK_DIST_INVGAMMA: return -(p[0] + 1.0) / x + p[1] / (x * x);
    case BK_DIST_EXPONENTIAL: return -p[0];
    case BK_DIST_UNIFORM: return 0.0;
    case BK_DIST_BETA: return (p[0] - 1.0) / x - (p[1] - 1.0) / (1.0 - x);
    case BK_DIST_STUDENT_T: {
        const double z = (x - p[1]) / p[2];
        return -(p[0] + 1.0) * z / (p[2] * (p[0] + z * z));
    }
    case BK_DIST_CAUCHY: {
        const double z = (x - p[0]) / p[1];
        return -2.0 * z / (p[1] * (1.0 + z * z));
    }
    case BK_DIST_HALFNORMAL: return -x / (p[0] * p[0]);
    case BK_DIST_HALFCAUCHY: {
        const double z = x / p[0];
        return -2.0 * z / (p[0] * (1.0 + z * z));
    }
    default: return NAN;
    }
}

void bk_ode_posterior_free(bk_ode_posterior *post) {
    if (!post) return;
    bk_ode_solver_free(post->plain);
    bk_ode_solver_free(post->sens);
    free(post->params);
    free(post->pwork);
    free(post->y0);
    free(post->y0work);
    free(post->init);
    free(post->times);
    free(post->obs);
    free(post->free);
    free(post->observed);
    free(post->priors);
    free(post->ybuf);
    free(post->sbuf);
    free(post);
}

static void *dup(const void *src, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (p && bytes) memcpy(p, src, bytes);
    return p;
}

/* Builds the object from validated pieces (alloc and clone share this). */
static int build(const bk_ode_posterior_config *c, const bk_ode_posterior_extra *x, bk_ode_posterior **out,
                 bk_error *err) {
    bk_ode_posterior *post = calloc(1, sizeof *post);
    if (!post) return bk_error_set(err, BK_ENOMEM, "cannot allocate an ODE posterior");
    const bk_ode_system *sys = c->system;
    post->sys = *sys;
    post->opt = *c->options;
    post->n = sys->dim;
    post->np = sys->nparams;
    post->nfree = c->nfree;
    post->nobs = c->nobs;
    post->nobserved = c->nobserved;
    post->t0 = c->t0;
    post->noise_sd = c->noise_sd;
    post->ninit = x ? x->ninitial : 0;
    post->infer_noise = x && x->infer_noise;
    if (post->infer_noise) {
        post->noise_prior = x->noise_prior;
        post->noise_prior_log = x->noise_prior_log;
    }
    post->dim = post->nfree + post->ninit + (post->infer_noise ? 1 : 0);
    const int flags = (post->nfree ? BK_ODE_SENS_PARAMS : 0) | (post->ninit ? BK_ODE_SENS_INITIAL : 0);
    post->pcols = post->nfree ? post->np : 0;
    post->ns = post->pcols + (post->ninit ? post->n : 0);
    post->params = dup(c->params, post->np * sizeof(double));
    post->pwork = dup(c->params, post->np * sizeof(double));
    post->y0 = dup(c->y0, post->n * sizeof(double));
    post->y0work = dup(c->y0, post->n * sizeof(double));
    post->init = dup(post->ninit ? x->initial : NULL, post->ninit * sizeof(size_t));
    post->times = dup(c->times, c->nobs * sizeof(double));
    post->obs = dup(c->obs, c->nobs * c->nobserved * sizeof(double));
    post->free = dup(c->free, c->nfree * sizeof(size_t));
    post->observed = dup(c->observed, c->nobserved * sizeof(size_t));
    post->priors = malloc((c->nfree + post->ninit + 1) * sizeof(bk_dist));
    if (post->priors) {
        if (c->nfree) memcpy(post->priors, c->priors, c->nfree * sizeof(bk_dist));
        if (post->ninit) memcpy(post->priors + c->nfree, x->initial_priors, post->ninit * sizeof(bk_dist));
    }
    post->ybuf = malloc(c->nobs * post->n * sizeof(double));
    post->sbuf = malloc((c->nobs * post->n * post->ns + 1) * sizeof(double));
    if (!post->params || !post->pwork || !post->y0 || !post->y0work || !post->init || !post->times || !post->obs ||
        !post->free || !post->observed || !post->priors || !post->ybuf || !post->sbuf) {
        bk_ode_posterior_free(post);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate an ODE posterior");
    }
    int st;
    if ((st = bk_ode_solver_alloc(sys, c->options, 0, &post->plain, err)) ||
        (flags && (st = bk_ode_solver_alloc(sys, c->options, flags, &post->sens, err)))) {
        bk_ode_posterior_free(post);
        return st;
    }
    bk_error_clear(&post->error);
    *out = post;
    return BK_SUCCESS;
}

/* A continuous prior with valid parameters, or a message naming `what`. */
static int check_prior(const bk_dist *d, const char *what, size_t k, bk_error *err) {
    if (d->kind < 0 || d->kind >= BK_DIST_KIND_COUNT || bk_dist_is_discrete(d->kind))
        return bk_error_set(err, BK_EINVAL, "ODE posterior: the prior of %s %zu must be a continuous distribution",
                            what, k);
    bk_dist tmp;
    return bk_dist_init(&tmp, d->kind, d->p, bk_dist_nparams(d->kind), err);
}

int bk_ode_posterior_alloc(const bk_ode_posterior_config *c, bk_ode_posterior **out, bk_error *err) {
    return bk_ode_posterior_alloc_extra(c, NULL, out, err);
}

int bk_ode_posterior_alloc_extra(const bk_ode_posterior_config *c, const bk_ode_posterior_extra *x,
                                 bk_ode_posterior **out, bk_error *err) {
    bk_init();
    int st;
    if (!c || !out) return bk_error_set(err, BK_EINVAL, "ODE posterior: configuration or output pointer is NULL");
    if ((st = bk_ode_system_check(c->system, err)) || (st = bk_ode_options_check(c->options, err))) return st;
    const bk_ode_system *sys = c->system;
    const size_t ninit = x ? x->ninitial : 0;
    const int noise = x && x->infer_noise;
    if (c->nfree > 0 && sys->nparams == 0)
        return bk_error_set(err, BK_EINVAL, "ODE posterior: the system has no parameters");
    if ((sys->nparams && !c->params) || !c->y0 || (c->nfree && (!c->free || !c->priors)) || !c->times ||
        !c->observed || !c->obs)
        return bk_error_set(err, BK_EINVAL, "ODE posterior: an input pointer is NULL");
    if (c->nfree > sys->nparams || (x == NULL && c->nfree < 1))
        return bk_error_set(err, BK_EDIM, "ODE posterior: %zu free parameters for a system with %zu", c->nfree,
                            sys->nparams);
    if (c->nfree + ninit + (noise ? 1 : 0) == 0)
        return bk_error_set(err, BK_EDIM, "ODE posterior: nothing to infer (no free parameter, initial state or noise)");
    if (ninit > sys->dim)
        return bk_error_set(err, BK_EDIM, "ODE posterior: %zu free initial states for a system with %zu states", ninit,
                            sys->dim);
    if (ninit && (!x->initial || !x->initial_priors))
        return bk_error_set(err, BK_EINVAL, "ODE posterior: free initial states without indices or priors");
    for (size_t k = 0; k < ninit; k++) {
        if (x->initial[k] >= sys->dim)
            return bk_error_set(err, BK_EINVAL, "ODE posterior: free initial state index %zu is out of range (0..%zu)",
                                x->initial[k], sys->dim - 1);
        for (size_t j = 0; j < k; j++)
            if (x->initial[j] == x->initial[k])
                return bk_error_set(err, BK_EINVAL, "ODE posterior: initial state index %zu is listed twice",
                                    x->initial[k]);
        if ((st = check_prior(&x->initial_priors[k], "free initial state", k, err))) return st;
    }
    if (noise) {
        if ((st = check_prior(&x->noise_prior, "noise sd", 0, err))) return st;
        /* The prior must put mass on sigma > 0 (or on some log sigma). */
        double hi = 0;
        if (!x->noise_prior_log && (bk_dist_quantile(&x->noise_prior, 1.0, &hi, err) || !(hi > 0)))
            return bk_error_set(err, BK_EINVAL, "ODE posterior: the noise sd prior has no mass on positive values");
    }
    for (size_t k = 0; k < c->nfree; k++) {
        if (c->free[k] >= sys->nparams)
            return bk_error_set(err, BK_EINVAL, "ODE posterior: free parameter index %zu is out of range (0..%zu)",
                                c->free[k], sys->nparams - 1);
        for (size_t j = 0; j < k; j++)
            if (c->free[j] == c->free[k])
                return bk_error_set(err, BK_EINVAL, "ODE posterior: parameter index %zu is listed twice", c->free[k]);
        if ((st = check_prior(&c->priors[k], "free parameter", k, err))) return st;
    }
    for (size_t k = 0; k < sys->nparams; k++)
        if (!isfinite(c->params[k]))
            return bk_error_set(err, BK_ENONFINITE, "ODE posterior: parameter %zu must be finite, got %g", k,
                                c->params[k]);
    for (size_t i = 0; i < sys->dim; i++)
        if (!isfinite(c->y0[i]))
            return bk_error_set(err, BK_ENONFINITE, "ODE posterior: initial state %zu must be finite, got %g", i,
                                c->y0[i]);
    if (!(c->noise_sd > 0) || !isfinite(c->noise_sd))
        return bk_error_set(err, BK_EINVAL, "noise sd must be positive and finite, got %g", c->noise_sd);
    if (c->nobs < 1) return bk_error_set(err, BK_EINVAL, "ODE posterior: at least one observation time is needed");
    if (c->nobserved < 1) return bk_error_set(err, BK_EINVAL, "ODE posterior: at least one observed state is needed");
    for (size_t j = 0; j < c->nobserved; j++)
        if (c->observed[j] >= sys->dim)
            return bk_error_set(err, BK_EINVAL, "ODE posterior: observed state %zu is out of range (0..%zu)",
                                c->observed[j], sys->dim - 1);
    for (size_t i = 0; i < c->nobs; i++) {
        if (!isfinite(c->times[i]))
            return bk_error_set(err, BK_ENONFINITE, "observation times must be finite; times[%zu] = %g", i, c->times[i]);
        if (i > 0 && !(c->times[i] > c->times[i - 1]))
            return bk_error_set(err, BK_EINVAL, "observation times must be strictly increasing; times[%zu] = %g "
                                "follows times[%zu] = %g", i, c->times[i], i - 1, c->times[i - 1]);
    }
    if (c->times[0] < c->t0)
        return bk_error_set(err, BK_EINVAL, "observation times must not start before t0 = %g; times[0] = %g", c->t0,
                            c->times[0]);
    if (!bk_all_finite(c->obs, c->nobs * c->nobserved))
        return bk_error_set(err, BK_ENONFINITE, "observations must be finite (NaN or infinity in data)");
    return build(c, x, out, err);
}

int bk_ode_posterior_clone(const bk_ode_posterior *post, bk_ode_posterior **out, bk_error *err) {
    if (!post || !out) return bk_error_set(err, BK_EINVAL, "ODE posterior clone: NULL pointer");
    bk_ode_posterior_config c = {&post->sys, &post->opt, post->params, post->y0, post->t0, post->nfree, post->free,
                                 post->priors, post->nobs, post->times, post->nobserved, post->observed, post->obs,
                                 post->noise_sd};
    bk_ode_posterior_extra x = {post->ninit, post->init, post->priors + post->nfree, post->infer_noise,
                                post->noise_prior, post->noise_prior_log};
    return build(&c, &x, out, err);
}

size_t bk_ode_posterior_dim(const bk_ode_posterior *post) { return post->dim; }

int bk_ode_posterior_unpack(const bk_ode_posterior *post, const double *theta, double *params, double *y0,
                            double *noise_sd) {
    if (!post || !theta) return BK_EINVAL;
    if (params) {
        memcpy(params, post->params, post->np * sizeof *params);
        for (size_t k = 0; k < post->nfree; k++) params[post->free[k]] = theta[k];
    }
    if (y0) {
        memcpy(y0, post->y0, post->n * sizeof *y0);
        for (size_t k = 0; k < post->ninit; k++) y0[post->init[k]] = theta[post->nfree + k];
    }
    if (noise_sd) *noise_sd = post->infer_noise ? exp(theta[post->dim - 1]) : post->noise_sd;
    return BK_SUCCESS;
}
int bk_ode_posterior_serial(const bk_ode_posterior *post) { return post->sys.serial; }
const bk_error *bk_ode_posterior_error(const bk_ode_posterior *post) { return &post->error; }
const char *bk_ode_posterior_message(void *ctx) { return ctx ? ((bk_ode_posterior *)ctx)->error.message : NULL; }

/* Log prior; its gradient into grad when not NULL. */
static double log_prior(const bk_ode_posterior *post, const double *theta, double *grad) {
    double lp = 0;
    const size_t m = post->nfree + post->ninit;
    for (size_t k = 0; k < m; k++) {
        lp += bk_dist_logpdf(&post->priors[k], theta[k]);
        if (grad) grad[k] = dlogpdf(&post->priors[k], theta[k]);
    }
    if (post->infer_noise) {
        /* s = log sigma: p(s) = p_sigma(e^s) e^s unless the prior is on s itself. */
        const double s = theta[m];
        if (post->noise_prior_log) {
            lp += bk_dist_logpdf(&post->noise_prior, s);
            if (grad) grad[m] = dlogpdf(&post->noise_prior, s);
        } else {
            const double sigma = exp(s);
            lp += bk_dist_logpdf(&post->noise_prior, sigma) + s;
            if (grad) grad[m] = dlogpdf(&post->noise_prior, sigma) * sigma + 1.0;
        }
    }
    return lp;
}

/* Solves at theta and returns the log likelihood (its gradient added to grad
 * when not NULL). A blow-up gives -inf with BK_SUCCESS. */
static int log_lik(bk_ode_posterior *post, const double *theta, double *ll, double *grad) {
    double sigma;
    bk_ode_posterior_unpack(post, theta, post->pwork, post->y0work, &sigma);
    int all_finite = bk_all_finite(theta, post->dim);
    if (post->infer_noise && all_finite && !(sigma > 0 && isfinite(sigma))) { /* e^s under- or overflowed */
        *ll = -INFINITY;
        return BK_SUCCESS;
    }
    const int with_sens = grad && post->sens;
    bk_ode_solver *s = with_sens ? post->sens : post->plain;
    int st = bk_ode_solve_into(s, post->pwork, post->y0work, post->t0, post->nobs, post->times, post->ybuf,
                               with_sens ? post->sbuf : NULL);
    if (st == BK_ENONFINITE && all_finite) {
        *ll = -INFINITY;
        return BK_SUCCESS;
    }
    if (st) {
        post->error = s->error;
        return st;
    }
    const size_t n = post->n, ns = post->ns, m = post->nobserved, nf = post->nfree, ni = post->ninit;
    const double inv_var = 1.0 / (sigma * sigma);
    double ss = 0;
    for (size_t i = 0; i < post->nobs; i++)
        for (size_t c = 0; c < m; c++) {
            const size_t state = post->observed[c];
            const double r = post->obs[i * m + c] - post->ybuf[i * n + state];
            ss += r * r;
            if (with_sens) {
                /* d/dtheta_k of -r^2/(2 sigma^2) = r/sigma^2 dy/dtheta_k. */
                const double *S = post->sbuf + (i * n + state) * ns;
                for (size_t k = 0; k < nf; k++) grad[k] += r * inv_var * S[post->free[k]];
                for (size_t k = 0; k < ni; k++) grad[nf + k] += r * inv_var * S[post->pcols + post->init[k]];
            }
        }
    const double count = (double)(post->nobs * m);
    *ll = -0.5 * ss * inv_var - count * (log(sigma) + 0.5 * log(2 * M_PI));
    if (grad && post->infer_noise) grad[post->dim - 1] += ss * inv_var - count;
    return BK_SUCCESS;
}

int bk_ode_posterior_terms(bk_ode_posterior *post, const double *theta, double *logprior, double *loglik) {
    bk_error_clear(&post->error);
    const double lp = log_prior(post, theta, NULL);
    double ll = NAN;
    if (isfinite(lp)) {
        int st = log_lik(post, theta, &ll, NULL);
        if (st) return st;
    }
    if (logprior) *logprior = lp;
    if (loglik) *loglik = ll;
    return BK_SUCCESS;
}

int bk_ode_posterior_logdensity(void *ctx, size_t dim, const double *theta, double *logp, double *grad) {
    bk_ode_posterior *post = ctx;
    bk_error_clear(&post->error);
    if (dim != post->dim)
        return bk_error_set(&post->error, BK_EDIM, "ODE posterior has %zu parameters, got %zu", post->dim, dim);
    const double lp = log_prior(post, theta, grad);
    if (!isfinite(lp)) {
        *logp = lp;
        return BK_SUCCESS;
    }
    double ll;
    int st = log_lik(post, theta, &ll, grad);
    if (st) return st;
    *logp = lp + ll;
    return BK_SUCCESS;
}

int bk_ode_posterior_grid(const bk_ode_posterior *post, size_t npoints, const double *thetas, double *logpost,
                          double *logprior, double *loglik, int nthreads, bk_error *err) {
    if (!post) return bk_error_set(err, BK_EINVAL, "ODE posterior is NULL");
    if (npoints == 0) return BK_SUCCESS;
    if (!thetas || !logpost) return bk_error_set(err, BK_EINVAL, "ODE posterior grid: NULL input or output");
    int nthr = post->sys.serial ? 1 : bk_resolve_threads(nthreads);
    if ((size_t)nthr > npoints) nthr = (int)npoints;
    bk_ode_posterior **work = calloc((size_t)nthr, sizeof *work);
    if (!work) return bk_error_set(err, BK_ENOMEM, "cannot allocate %d posterior workspaces", nthr);
    int st = BK_SUCCESS;
    for (int i = 0; i < nthr && !st; i++) st = bk_ode_posterior_clone(post, &work[i], err);
    size_t first_fail = npoints;
    int fail_code = BK_SUCCESS;
    bk_error fail_err;
    bk_error_clear(&fail_err);
    const size_t d = post->dim;
    const long long count = (long long)npoints;
    if (!st) {
#pragma omp parallel num_threads(nthr)
        {
            bk_ode_posterior *w = work[omp_get_thread_num() % nthr];
#pragma omp for schedule(dynamic, 8)
            for (long long kk = 0; kk < count; kk++) {
                const size_t k = (size_t)kk;
                if (k > __atomic_load_n(&first_fail, __ATOMIC_RELAXED)) continue;
                double lp = NAN, ll = NAN;
                int r = bk_ode_posterior_terms(w, thetas + k * d, &lp, &ll);
                if (r) {
#pragma omp critical(bk_ode_grid_fail)
                    if (k < first_fail) {
                        first_fail = k;
                        fail_code = r;
                        fail_err = w->error;
                    }
                    continue;
                }
                logpost[k] = isfinite(lp) ? lp + ll : lp;
                if (logprior) logprior[k] = lp;
                if (loglik) loglik[k] = ll;
            }
        }
    }
    for (int i = 0; i < nthr; i++) bk_ode_posterior_free(work[i]);
    free(work);
    if (st) return st;
    if (fail_code) return bk_error_set(err, fail_code, "grid point %zu: %s", first_fail, fail_err.message);
    return BK_SUCCESS;
}
