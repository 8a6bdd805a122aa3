/*
 * The BNN posterior log p(theta) + log p(y | x, theta) / T as a
 * bk_logdensity_fn. Read-only parts (network copy, data, likelihood, prior
 * constants) live in one reference-counted block shared by clones; each
 * posterior object has its own workspace and error record, so one clone per
 * chain runs in parallel without locks.
 *
 * The hot path does no allocation and no data checks (data were checked
 * once at alloc); the prior's per-layer precisions and normalising constant
 * and the Gaussian noise precision are precomputed.
 */
#include "lines.h"
#include "nn_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct shared_data {
    int refcount; /* atomic */
    bk_net *net;
    bk_likelihood lik;
    bk_prior prior;         /* layer_std points into layer_prec's sibling below */
    double *layer_std;      /* L */
    double *layer_prec;     /* L: 1 / s_l^2 */
    double prior_const;     /* sum_l -cnt_l (log s_l + log(2 pi)/2) */
    double inv_temperature; /* 1 / T */
    double temperature;
    double log_sigma, prec; /* fixed Gaussian noise */
    size_t n, dim;
    double *x, *y;
} shared_data;

struct bk_bnn_posterior {
    shared_data *sh;
    bk_net_work *ws;
    double *grad_tmp; /* dim: prior gradient */
    double *xb, *yb;  /* minibatch rows, allocated by the first bk_bnn_posterior_minibatch */
    bk_error err;
};

static void shared_release(shared_data *sh) {
    if (!sh) return;
    if (__atomic_sub_fetch(&sh->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    bk_net_free(sh->net);
    free(sh->layer_std);
    free(sh->layer_prec);
    free(sh->x);
    free(sh->y);
    free(sh);
}

static int posterior_new(shared_data *sh, bk_bnn_posterior **out, bk_error *err) {
    /* whole cache lines: clones evaluated on different threads write these */
    bk_bnn_posterior *p = bk_calloc_lines(1, sizeof *p);
    if (!p) return bk_error_set(err, BK_ENOMEM, "cannot allocate a posterior");
    p->grad_tmp = bk_alloc_lines(sh->dim * sizeof *p->grad_tmp);
    int st = p->grad_tmp ? bk_net_work_alloc(sh->net, sh->n, &p->ws, err)
                         : bk_error_set(err, BK_ENOMEM, "cannot allocate a posterior");
    if (st) {
        free(p->grad_tmp);
        free(p);
        return st;
    }
    __atomic_add_fetch(&sh->refcount, 1, __ATOMIC_ACQ_REL);
    p->sh = sh;
    bk_error_clear(&p->err);
    *out = p;
    return BK_SUCCESS;
}

int bk_bnn_posterior_alloc(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, double temperature,
                           size_t n, const double *x, const double *y, bk_bnn_posterior **out, bk_error *err) {
    bk_init();
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    int st = bk_nn_check_data(net, lik, n, x, y, err);
    if (st) return st;
    if ((st = bk_prior_check(net, prior, err))) return st;
    if (!(temperature > 0.0) || !isfinite(temperature))
        return bk_error_set(err, BK_EINVAL, "temperature must be positive and finite, got %g", temperature);

    const size_t L = net->nlayers, d = net->widths[0], q = bk_likelihood_ycols(net, lik);
    shared_data *sh = calloc(1, sizeof *sh);
    if (!sh) return bk_error_set(err, BK_ENOMEM, "cannot allocate a posterior");
    sh->layer_std = malloc(L * sizeof(double));
    sh->layer_prec = malloc(L * sizeof(double));
    sh->x = malloc(n * d * sizeof(double));
    sh->y = malloc(n * q * sizeof(double));
    st = (sh->layer_std && sh->layer_prec && sh->x && sh->y) ? BK_SUCCESS
                                                             : bk_error_set(err, BK_ENOMEM, "cannot allocate a posterior");
    if (!st) st = bk_net_alloc(L + 1, net->widths, L - 1, net->acts, &sh->net, err);
    if (st) {
        sh->refcount = 1;
        shared_release(sh);
        return st;
    }
    memcpy(sh->x, x, n * d * sizeof(double));
    memcpy(sh->y, y, n * q * sizeof(double));
    sh->lik = *lik;
    sh->prior = *prior;
    sh->prior_const = 0.0;
    for (size_t l = 0; l < L; l++) {
        double s = prior->kind == BK_PRIOR_PER_LAYER ? prior->layer_std[l]
                   : prior->kind == BK_PRIOR_FAN_IN  ? prior->std / sqrt((double)net->widths[l])
                                                     : prior->std;
        sh->layer_std[l] = s;
        sh->layer_prec[l] = 1.0 / (s * s);
        sh->prior_const -= (double)(net->widths[l + 1] * (net->widths[l] + 1)) * (log(s) + BK_LOG_SQRT_2PI);
    }
    /* the stored prior must not point into the caller's memory */
    sh->prior.kind = BK_PRIOR_PER_LAYER;
    sh->prior.layer_std = sh->layer_std;
    sh->prior.nlayer_std = L;
    sh->temperature = temperature;
    sh->inv_temperature = 1.0 / temperature;
    sh->log_sigma = lik->kind == BK_LIK_GAUSSIAN ? log(lik->sigma) : 0.0;
    sh->prec = lik->kind == BK_LIK_GAUSSIAN ? 1.0 / (lik->sigma * lik->sigma) : 1.0;
    sh->n = n;
    sh->dim = bk_nn_dim(net, lik);
    sh->refcount = 0;
    st = posterior_new(sh, out, err);
    if (st) {
        sh->refcount = 1;
        shared_release(sh);
    }
    return st;
}

int bk_bnn_posterior_clone(const bk_bnn_posterior *post, bk_bnn_posterior **out, bk_error *err) {
    if (!post || !out) return bk_error_set(err, BK_EINVAL, "posterior or output pointer is NULL");
    return posterior_new(post->sh, out, err);
}

void bk_bnn_posterior_free(bk_bnn_posterior *post) {
    if (!post) return;
    bk_net_work_free(post->ws);
    free(post->grad_tmp);
    free(post->xb);
    free(post->yb);
    shared_release(post->sh);
    free(post);
}

size_t bk_bnn_posterior_dim(const bk_bnn_posterior *post) { return post ? post->sh->dim : 0; }
const bk_net *bk_bnn_posterior_net(const bk_bnn_posterior *post) { return post ? post->sh->net : NULL; }
size_t bk_bnn_posterior_nrows(const bk_bnn_posterior *post) { return post ? post->sh->n : 0; }
const bk_error *bk_bnn_posterior_error(const bk_bnn_posterior *post) { return post ? &post->err : NULL; }

/* log prior with the precomputed constants; gradient written when g != NULL. */
static double fast_logprior(const shared_data *sh, const double *theta, double *g) {
    const bk_net *net = sh->net;
    double lp = sh->prior_const;
    for (size_t l = 0; l < net->nlayers; l++) {
        const size_t cnt = net->widths[l + 1] * (net->widths[l] + 1);
        const double *w = theta + net->woff[l], prec = sh->layer_prec[l];
        double ss = 0.0;
        for (size_t i = 0; i < cnt; i++) ss += w[i] * w[i];
        lp -= 0.5 * prec * ss;
        if (g)
            for (size_t i = 0; i < cnt; i++) g[net->woff[l] + i] = -prec * w[i];
    }
    if (sh->lik.kind == BK_LIK_GAUSSIAN_LEARNED_NOISE) {
        const double s = sh->lik.log_sigma_std, z = (theta[net->nparams] - sh->lik.log_sigma_mean) / s;
        lp += -0.5 * z * z - log(s) - BK_LOG_SQRT_2PI;
        if (g) g[net->nparams] = -z / s;
    }
    return lp;
}

/* Untempered log likelihood; with grad, d loglik / d theta into grad. */
static double loglik_eval(bk_bnn_posterior *p, const double *theta, double *grad) {
    const shared_data *sh = p->sh;
    const bk_net *net = sh->net;
    const int learned = sh->lik.kind == BK_LIK_GAUSSIAN_LEARNED_NOISE;
    double log_sigma = sh->log_sigma, prec = sh->prec;
    if (learned) {
        log_sigma = theta[net->nparams];
        prec = exp(-2.0 * log_sigma);
    }
    const double *f = grad ? bk_net_forward_raw(net, theta, sh->n, sh->x, p->ws)
                           : bk_net_forward_value_raw(net, theta, sh->n, sh->x, p->ws);
    double dls = 0.0;
    double ll = bk_nn_loglik_outputs(net, &sh->lik, log_sigma, prec, sh->n, sh->y, f, grad ? p->ws->dout : NULL,
                                     learned ? &dls : NULL);
    if (grad) {
        bk_net_backward_raw(net, theta, p->ws->dout, grad, NULL, p->ws);
        if (learned) grad[net->nparams] = dls;
    }
    return ll;
}

int bk_bnn_posterior_logdensity(void *ctx, size_t dim, const double *theta, double *logp, double *grad) {
    bk_bnn_posterior *p = ctx;
    if (!p) return BK_EINVAL;
    const shared_data *sh = p->sh;
    if (dim != sh->dim)
        return bk_error_set(&p->err, BK_EDIM, "log density called with %zu parameters, the posterior has %zu", dim,
                            sh->dim);
    if (!theta || !logp) return bk_error_set(&p->err, BK_EINVAL, "parameters or output pointer is NULL");
    const double ll = loglik_eval(p, theta, grad);
    const double lp = fast_logprior(sh, theta, grad ? p->grad_tmp : NULL);
    if (grad) {
        const double it = sh->inv_temperature;
        if (it == 1.0)
            for (size_t i = 0; i < dim; i++) grad[i] += p->grad_tmp[i];
        else
            for (size_t i = 0; i < dim; i++) grad[i] = it * grad[i] + p->grad_tmp[i];
    }
    *logp = lp + (sh->inv_temperature == 1.0 ? ll : ll * sh->inv_temperature);
    return BK_SUCCESS;
}

int bk_bnn_posterior_terms(bk_bnn_posterior *post, const double *theta, double *logprior, double *loglik,
                           bk_error *err) {
    if (!post || !theta || !logprior || !loglik)
        return bk_error_set(err, BK_EINVAL, "posterior, parameters or output pointer is NULL");
    const double ll = loglik_eval(post, theta, NULL);
    *logprior = fast_logprior(post->sh, theta, NULL);
    *loglik = ll;
    return BK_SUCCESS;
}

int bk_bnn_posterior_minibatch(void *ctx, size_t dim, const double *theta, size_t nrows, const size_t *rows,
                               double *logp, double *grad) {
    bk_bnn_posterior *p = ctx;
    if (!p) return BK_EINVAL;
    const shared_data *sh = p->sh;
    const bk_net *net = sh->net;
    if (dim != sh->dim)
        return bk_error_set(&p->err, BK_EDIM, "log density called with %zu parameters, the posterior has %zu", dim,
                            sh->dim);
    if (!theta || !logp || !rows) return bk_error_set(&p->err, BK_EINVAL, "parameters, rows or output pointer is NULL");
    if (nrows < 1 || nrows > sh->n)
        return bk_error_set(&p->err, BK_EINVAL, "minibatch of %zu rows for %zu data rows", nrows, sh->n);
    const size_t d = net->widths[0], q = bk_likelihood_ycols(net, &sh->lik);
    if (!p->xb) {
        p->xb = malloc(sh->n * d * sizeof *p->xb);
        p->yb = malloc(sh->n * q * sizeof *p->yb);
        if (!p->xb || !p->yb) {
            free(p->xb);
            free(p->yb);
            p->xb = p->yb = NULL;
            return bk_error_set(&p->err, BK_ENOMEM, "cannot allocate minibatch buffers for %zu rows", sh->n);
        }
    }
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i] >= sh->n) return bk_error_set(&p->err, BK_EINVAL, "minibatch row %zu is out of range", rows[i]);
        memcpy(p->xb + i * d, sh->x + rows[i] * d, d * sizeof *p->xb);
        memcpy(p->yb + i * q, sh->y + rows[i] * q, q * sizeof *p->yb);
    }
    const int learned = sh->lik.kind == BK_LIK_GAUSSIAN_LEARNED_NOISE;
    double log_sigma = sh->log_sigma, prec = sh->prec;
    if (learned) {
        log_sigma = theta[net->nparams];
        prec = exp(-2.0 * log_sigma);
    }
    const double *f = grad ? bk_net_forward_raw(net, theta, nrows, p->xb, p->ws)
                           : bk_net_forward_value_raw(net, theta, nrows, p->xb, p->ws);
    double dls = 0.0;
    const double ll = bk_nn_loglik_outputs(net, &sh->lik, log_sigma, prec, nrows, p->yb, f, grad ? p->ws->dout : NULL,
                                           learned ? &dls : NULL);
    /* (N / B) / T: the minibatch sum estimates the full tempered log-likelihood. */
    const double scale = (double)sh->n / (double)nrows * sh->inv_temperature;
    if (grad) {
        bk_net_backward_raw(net, theta, p->ws->dout, grad, NULL, p->ws);
        if (learned) grad[net->nparams] = dls;
    }
    const double lp = fast_logprior(sh, theta, grad ? p->grad_tmp : NULL);
    if (grad)
        for (size_t i = 0; i < dim; i++) grad[i] = scale * grad[i] + p->grad_tmp[i];
    *logp = lp + scale * ll;
    return BK_SUCCESS;
}
