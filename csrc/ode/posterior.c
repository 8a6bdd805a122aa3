/* The posterior over ODE parameters with a Gaussian likelihood of known
 * noise: a bk_logdensity_fn whose gradient comes from forward sensitivities,
 * and its evaluation on many points (grids) in parallel. */
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
    double t0, noise_sd;
    double *params, *pwork, *y0, *times, *obs;
    size_t *free, *observed;
    bk_dist *priors;
    bk_ode_solver *plain, *sens; /* values only; values and dy/dp */
    double *ybuf, *sbuf;         /* nobs x n, nobs x n x np */
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
static int build(const bk_ode_posterior_config *c, bk_ode_posterior **out, bk_error *err) {
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
    post->params = dup(c->params, post->np * sizeof(double));
    post->pwork = dup(c->params, post->np * sizeof(double));
    post->y0 = dup(c->y0, post->n * sizeof(double));
    post->times = dup(c->times, c->nobs * sizeof(double));
    post->obs = dup(c->obs, c->nobs * c->nobserved * sizeof(double));
    post->free = dup(c->free, c->nfree * sizeof(size_t));
    post->observed = dup(c->observed, c->nobserved * sizeof(size_t));
    post->priors = dup(c->priors, c->nfree * sizeof(bk_dist));
    post->ybuf = malloc(c->nobs * post->n * sizeof(double));
    post->sbuf = malloc(c->nobs * post->n * post->np * sizeof(double));
    if (!post->params || !post->pwork || !post->y0 || !post->times || !post->obs || !post->free || !post->observed ||
        !post->priors || !post->ybuf || !post->sbuf) {
        bk_ode_posterior_free(post);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate an ODE posterior");
    }
    int st;
    if ((st = bk_ode_solver_alloc(sys, c->options, 0, &post->plain, err)) ||
        (st = bk_ode_solver_alloc(sys, c->options, 1, &post->sens, err))) {
        bk_ode_posterior_free(post);
        return st;
    }
    bk_error_clear(&post->error);
    *out = post;
    return BK_SUCCESS;
}

int bk_ode_posterior_alloc(const bk_ode_posterior_config *c, bk_ode_posterior **out, bk_error *err) {
    bk_init();
    int st;
    if (!c || !out) return bk_error_set(err, BK_EINVAL, "ODE posterior: configuration or output pointer is NULL");
    if ((st = bk_ode_system_check(c->system, err)) || (st = bk_ode_options_check(c->options, err))) return st;
    const bk_ode_system *sys = c->system;
    if (sys->nparams == 0) return bk_error_set(err, BK_EINVAL, "ODE posterior: the system has no parameters");
    if ((!c->params) || !c->y0 || !c->free || !c->priors || !c->times || !c->observed || !c->obs)
        return bk_error_set(err, BK_EINVAL, "ODE posterior: an input pointer is NULL");
    if (c->nfree < 1 || c->nfree > sys->nparams)
        return bk_error_set(err, BK_EDIM, "ODE posterior: %zu free parameters for a system with %zu", c->nfree,
                            sys->nparams);
    for (size_t k = 0; k < c->nfree; k++) {
        if (c->free[k] >= sys->nparams)
            return bk_error_set(err, BK_EINVAL, "ODE posterior: free parameter index %zu is out of range (0..%zu)",
                                c->free[k], sys->nparams - 1);
        for (size_t j = 0; j < k; j++)
            if (c->free[j] == c->free[k])
                return bk_error_set(err, BK_EINVAL, "ODE posterior: parameter index %zu is listed twice", c->free[k]);
        if (c->priors[k].kind < 0 || c->priors[k].kind >= BK_DIST_KIND_COUNT || bk_dist_is_discrete(c->priors[k].kind))
            return bk_error_set(err, BK_EINVAL, "ODE posterior: the prior of free parameter %zu must be a continuous "
                                "distribution", k);
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
    return build(c, out, err);
}

int bk_ode_posterior_clone(const bk_ode_posterior *post, bk_ode_posterior **out, bk_error *err) {
    if (!post || !out) return bk_error_set(err, BK_EINVAL, "ODE posterior clone: NULL pointer");
    bk_ode_posterior_config c = {&post->sys, &post->opt, post->params, post->y0, post->t0, post->nfree, post->free,
                                 post->priors, post->nobs, post->times, post->nobserved, post->observed, post->obs,
                                 post->noise_sd};
    return build(&c, out, err);
}

size_t bk_ode_posterior_dim(const bk_ode_posterior *post) { return post->nfree; }
int bk_ode_posterior_serial(const bk_ode_posterior *post) { return post->sys.serial; }
const bk_error *bk_ode_posterior_error(const bk_ode_posterior *post) { return &post->error; }
const char *bk_ode_posterior_message(void *ctx) { return ctx ? ((bk_ode_posterior *)ctx)->error.message : NULL; }

/* Log prior; its gradient into grad when not NULL. */
static double log_prior(const bk_ode_posterior *post, const double *theta, double *grad) {
    double lp = 0;
    for (size_t k = 0; k < post->nfree; k++) {
        lp += bk_dist_logpdf(&post->priors[k], theta[k]);
        if (grad) grad[k] = dlogpdf(&post->priors[k], theta[k]);
    }
    return lp;
}

/* Solves at theta and returns the log likelihood (its gradient added to grad
 * when not NULL). A blow-up gives -inf with BK_SUCCESS. */
static int log_lik(bk_ode_posterior *post, const double *theta, double *ll, double *grad) {
    memcpy(post->pwork, post->params, post->np * sizeof(double));
    for (size_t k = 0; k < post->nfree; k++) post->pwork[post->free[k]] = theta[k];
    bk_ode_solver *s = grad ? post->sens : post->plain;
    int st = bk_ode_solve_into(s, post->pwork, post->y0, post->t0, post->nobs, post->times, post->ybuf,
                               grad ? post->sbuf : NULL);
    if (st == BK_ENONFINITE && isfinite(theta[0])) {
        *ll = -INFINITY;
        return BK_SUCCESS;
    }
    if (st) {
        post->error = s->error;
        return st;
    }
    const size_t n = post->n, np = post->np, m = post->nobserved;
    const double inv_var = 1.0 / (post->noise_sd * post->noise_sd);
    double ss = 0;
    for (size_t i = 0; i < post->nobs; i++)
        for (size_t c = 0; c < m; c++) {
            const size_t state = post->observed[c];
            const double r = post->obs[i * m + c] - post->ybuf[i * n + state];
            ss += r * r;
            if (grad)
                for (size_t k = 0; k < post->nfree; k++)
                    grad[k] += r * inv_var * post->sbuf[(i * n + state) * np + post->free[k]];
        }
    const double count = (double)(post->nobs * m);
    *ll = -0.5 * ss * inv_var - count * (log(post->noise_sd) + 0.5 * log(2 * M_PI));
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
    if (dim != post->nfree)
        return bk_error_set(&post->error, BK_EDIM, "ODE posterior has %zu parameters, got %zu", post->nfree, dim);
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
    const size_t d = post->nfree;
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
