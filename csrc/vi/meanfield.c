/*
 * Mean-field Gaussian VI for dense networks: the problem object, the KL in
 * closed form, and the reparameterized ELBO estimate with its gradient
 * (formulas in include/bayeskit/vi.h).
 *
 * Blundell, Cornebise, Kavukcuoglu & Wierstra (2015), "Weight uncertainty
 * in neural networks", ICML; Kingma & Welling (2014), "Auto-encoding
 * variational Bayes", ICLR.
 */
#include "vi_internal.h"
#include "omp_shim.h"

#include <stdlib.h>
#include <string.h>

bk_vi_config bk_vi_config_default(void) {
    bk_vi_config c;
    memset(&c, 0, sizeof c);
    c.samples = 5;
    c.epochs = 3000;
    c.batch_size = 0;
    c.scale = BK_VI_LOGSIGMA;
    c.kl = BK_VI_KL_CLOSED;
    c.anneal.kind = BK_VI_ANNEAL_CONSTANT;
    c.anneal.warmup = 1;
    c.anneal.period = 1;
    c.anneal.ramp = 0.5;
    c.optim = bk_optim_adam_default(0.01);
    return c;
}

double bk_vi_kl_weight(const bk_vi_anneal *a, size_t epoch) {
    if (!a) return NAN;
    switch (a->kind) {
    case BK_VI_ANNEAL_CONSTANT: return 1.0;
    case BK_VI_ANNEAL_LINEAR: {
        if (a->warmup == 0 || !(a->start >= 0.0 && a->start <= 1.0)) return NAN;
        const double u = epoch >= a->warmup ? 1.0 : (double)epoch / (double)a->warmup;
        return a->start + (1.0 - a->start) * u;
    }
    case BK_VI_ANNEAL_CYCLICAL: {
        if (a->period == 0 || !(a->ramp > 0.0 && a->ramp <= 1.0)) return NAN;
        const double u = (double)(epoch % a->period) / (double)a->period;
        return u >= a->ramp ? 1.0 : u / a->ramp;
    }
    default: return NAN;
    }
}

int bk_vi_config_check(const bk_vi_config *c, size_t nrows, bk_error *err) {
    if (!c) return bk_error_set(err, BK_EINVAL, "VI configuration is NULL");
    if (c->samples == 0) return bk_error_set(err, BK_EINVAL, "number of Monte Carlo samples must be >= 1, got 0");
    if (c->epochs == 0) return bk_error_set(err, BK_EINVAL, "number of epochs must be >= 1, got 0");
    if (c->batch_size > nrows)
        return bk_error_set(err, BK_EINVAL, "batch size %zu exceeds the %zu data rows", c->batch_size, nrows);
    if (c->scale != BK_VI_LOGSIGMA && c->scale != BK_VI_SOFTPLUS)
        return bk_error_set(err, BK_EINVAL, "unknown scale parameterization %d", c->scale);
    if (c->kl != BK_VI_KL_CLOSED && c->kl != BK_VI_KL_MC)
        return bk_error_set(err, BK_EINVAL, "unknown KL estimator %d", c->kl);
    const bk_vi_anneal *a = &c->anneal;
    switch (a->kind) {
    case BK_VI_ANNEAL_CONSTANT: break;
    case BK_VI_ANNEAL_LINEAR:
        if (a->warmup == 0) return bk_error_set(err, BK_EINVAL, "KL warm-up must last >= 1 epoch, got 0");
        if (!(a->start >= 0.0 && a->start <= 1.0))
            return bk_error_set(err, BK_EINVAL, "KL warm-up start weight must be in [0, 1], got %g", a->start);
        break;
    case BK_VI_ANNEAL_CYCLICAL:
        if (a->period == 0) return bk_error_set(err, BK_EINVAL, "KL cycle period must be >= 1 epoch, got 0");
        if (!(a->ramp > 0.0 && a->ramp <= 1.0))
            return bk_error_set(err, BK_EINVAL, "KL cycle ramp fraction must be in (0, 1], got %g", a->ramp);
        break;
    default: return bk_error_set(err, BK_EINVAL, "unknown KL annealing schedule %d", a->kind);
    }
    return bk_optim_config_check(&c->optim, err);
}

double bk_vi_sigma(int scale, double r) { return scale == BK_VI_SOFTPLUS ? bk_softplus(r) : exp(r); }

/* dsigma/dr */
static inline double dsigma_dr(int scale, double r, double sigma) {
    return scale == BK_VI_SOFTPLUS ? bk_sigmoid(r) : sigma;
}

void bk_vi_free(bk_vi *vi) {
    if (!vi) return;
    if (vi->ws)
        for (size_t k = 0; k < vi->K; k++) bk_net_work_free(vi->ws[k]);
    if (vi->rng)
        for (size_t k = 0; k < vi->K; k++) bk_rng_free(vi->rng[k]);
    free(vi->ws);
    free(vi->rng);
    free(vi->x);
    free(vi->y);
    free(vi->xb);
    free(vi->yb);
    free(vi->prior_mean);
    free(vi->prior_std);
    free(vi->sigma);
    free(vi->eps);
    free(vi->w);
    free(vi->g);
    free(vi->ll);
    free(vi->klmc);
    free(vi->xval);
    free(vi->yval);
    free(vi->val_hist);
    free(vi->best_phi);
    bk_net_work_free(vi->wsval);
    bk_net_free(vi->net);
    free(vi);
}

int bk_vi_set_validation(bk_vi *vi, size_t n, const double *x, const double *y, size_t patience, bk_error *err) {
    if (!vi) return bk_error_set(err, BK_EINVAL, "VI problem is NULL");
    if (patience < 1) return bk_error_set(err, BK_EINVAL, "early-stopping patience must be >= 1 epoch, got 0");
    int st = bk_nn_check_data(vi->net, &vi->lik, n, x, y, err);
    if (st) return st;
    const size_t E = vi->cfg.epochs;
    double *xv = malloc(n * vi->d * sizeof *xv), *yv = malloc(n * vi->q * sizeof *yv);
    double *hist = calloc(E ? E : 1, sizeof *hist), *best = malloc(2 * vi->D * sizeof *best);
    bk_net_work *ws = NULL;
    if (!xv || !yv || !hist || !best || (st = bk_net_work_alloc(vi->net, n, &ws, err))) {
        free(xv);
        free(yv);
        free(hist);
        free(best);
        return st ? st : bk_error_set(err, BK_ENOMEM, "cannot allocate %zu validation rows", n);
    }
    memcpy(xv, x, n * vi->d * sizeof *xv);
    memcpy(yv, y, n * vi->q * sizeof *yv);
    free(vi->xval);
    free(vi->yval);
    free(vi->val_hist);
    free(vi->best_phi);
    bk_net_work_free(vi->wsval);
    vi->xval = xv;
    vi->yval = yv;
    vi->val_hist = hist;
    vi->best_phi = best;
    vi->wsval = ws;
    vi->nval = n;
    vi->patience = patience;
    vi->best_epoch = 0;
    return BK_SUCCESS;
}

const double *bk_vi_validation_history(const bk_vi *vi) { return vi && vi->nval ? vi->val_hist : NULL; }
size_t bk_vi_best_epoch(const bk_vi *vi) { return vi ? vi->best_epoch : 0; }

/* A private copy of `net` (a bk_net is immutable, but the caller may free it). */
static int copy_net(const bk_net *net, bk_net **out, bk_error *err) {
    const size_t L = bk_net_nlayers(net);
    size_t widths[64];
    int acts[64];
    if (L + 1 > 64) return bk_error_set(err, BK_EINVAL, "networks with more than 63 layers are not supported");
    for (size_t i = 0; i <= L; i++) widths[i] = bk_net_width(net, i);
    for (size_t l = 0; l + 1 < L; l++) acts[l] = bk_net_activation(net, l);
    return bk_net_alloc(L + 1, widths, L - 1, acts, out, err);
}

int bk_vi_alloc(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, const bk_vi_config *cfg,
                size_t n, const double *x, const double *y, bk_vi **out, bk_error *err) {
    bk_init();
    if (!net || !lik || !prior || !cfg || !out)
        return bk_error_set(err, BK_EINVAL, "network, likelihood, prior, configuration or output pointer is NULL");
    int st = bk_prior_check(net, prior, err);
    if (st) return st;
    if ((st = bk_nn_check_data(net, lik, n, x, y, err))) return st;
    if ((st = bk_vi_config_check(cfg, n, err))) return st;
    bk_vi *vi = calloc(1, sizeof *vi);
    if (!vi) return bk_error_set(err, BK_ENOMEM, "cannot allocate a VI problem");
    if ((st = copy_net(net, &vi->net, err))) {
        free(vi);
        return st;
    }
    vi->lik = *lik;
    vi->cfg = *cfg;
    vi->n = n;
    vi->d = net->widths[0];
    vi->q = bk_likelihood_ycols(net, lik);
    vi->P = net->nparams;
    vi->D = bk_nn_dim(net, lik);
    vi->K = cfg->samples;
    vi->B = cfg->batch_size ? cfg->batch_size : n;
    const size_t D = vi->D, K = vi->K, B = vi->B;
    vi->parallel_ok = !bk_net_uses_blas(net, B);
    vi->x = malloc(n * vi->d * sizeof(double));
    vi->y = malloc(n * vi->q * sizeof(double));
    vi->xb = malloc(B * vi->d * sizeof(double));
    vi->yb = malloc(B * vi->q * sizeof(double));
    vi->prior_mean = malloc(D * sizeof(double));
    vi->prior_std = malloc(D * sizeof(double));
    vi->sigma = malloc(D * sizeof(double));
    vi->eps = malloc(K * D * sizeof(double));
    vi->w = malloc(K * D * sizeof(double));
    vi->g = malloc(K * D * sizeof(double));
    vi->ll = malloc(K * sizeof(double));
    vi->klmc = malloc(K * sizeof(double));
    vi->ws = calloc(K, sizeof *vi->ws);
    vi->rng = calloc(K, sizeof *vi->rng);
    if (!vi->x || !vi->y || !vi->xb || !vi->yb || !vi->prior_mean || !vi->prior_std || !vi->sigma || !vi->eps ||
        !vi->w || !vi->g || !vi->ll || !vi->klmc || !vi->ws || !vi->rng) {
        bk_vi_free(vi);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a VI problem with %zu parameters and %zu samples", D, K);
    }
    for (size_t k = 0; k < K; k++) {
        if ((st = bk_net_work_alloc(vi->net, B, &vi->ws[k], err)) || (st = bk_rng_alloc(0, 0, &vi->rng[k], err))) {
            bk_vi_free(vi);
            return st;
        }
    }
    memcpy(vi->x, x, n * vi->d * sizeof(double));
    memcpy(vi->y, y, n * vi->q * sizeof(double));
    for (size_t l = 0; l < net->nlayers; l++) {
        double s = prior->std;
        if (prior->kind == BK_PRIOR_PER_LAYER) s = prior->layer_std[l];
        if (prior->kind == BK_PRIOR_FAN_IN) s = prior->std / sqrt((double)net->widths[l]);
        const size_t cnt = net->widths[l + 1] * (net->widths[l] + 1);
        for (size_t i = 0; i < cnt; i++) {
            vi->prior_mean[net->woff[l] + i] = 0.0;
            vi->prior_std[net->woff[l] + i] = s;
        }
    }
    if (D > vi->P) {
        vi->prior_mean[vi->P] = lik->log_sigma_mean;
        vi->prior_std[vi->P] = lik->log_sigma_std;
    }
    bk_error_clear(&vi->err);
    *out = vi;
    return BK_SUCCESS;
}

size_t bk_vi_dim(const bk_vi *vi) { return vi ? vi->D : 0; }
size_t bk_vi_batch_rows(const bk_vi *vi) { return vi ? vi->B : 0; }
size_t bk_vi_steps_per_epoch(const bk_vi *vi) { return vi ? (vi->n + vi->B - 1) / vi->B : 0; }
const bk_error *bk_vi_error(const bk_vi *vi) { return vi ? &vi->err : NULL; }

int bk_vi_init(bk_rng *rng, const bk_vi *vi, double weight_std, double bias_std, double scale0, double *phi,
               bk_error *err) {
    if (!rng || !vi || !phi) return bk_error_set(err, BK_EINVAL, "generator, VI problem or parameters is NULL");
    if (!(weight_std >= 0.0) || !isfinite(weight_std) || !(bias_std >= 0.0) || !isfinite(bias_std))
        return bk_error_set(err, BK_EINVAL, "initial mean std must be >= 0 and finite, got %g (weights) and %g (biases)",
                            weight_std, bias_std);
    if (!isfinite(scale0)) return bk_error_set(err, BK_EINVAL, "initial scale parameter must be finite, got %g", scale0);
    const bk_net *net = vi->net;
    for (size_t l = 0; l < net->nlayers; l++) {
        const size_t nw = net->widths[l + 1] * net->widths[l], nb = net->widths[l + 1];
        double *m = phi + net->woff[l];
        for (size_t i = 0; i < nw; i++) m[i] = weight_std > 0.0 ? weight_std * bk_rng_normal(rng) : 0.0;
        for (size_t i = 0; i < nb; i++) m[nw + i] = bias_std > 0.0 ? bias_std * bk_rng_normal(rng) : 0.0;
    }
    if (vi->D > vi->P) phi[vi->P] = vi->prior_mean[vi->P];
    for (size_t i = 0; i < vi->D; i++) phi[vi->D + i] = scale0;
    return BK_SUCCESS;
}

int bk_vi_kl_closed(const bk_vi *vi, const double *phi, double *kl, double *grad, bk_error *err) {
    if (!vi || !phi || !kl) return bk_error_set(err, BK_EINVAL, "VI problem, parameters or output is NULL");
    const size_t D = vi->D;
    double sum = 0.0;
    for (size_t i = 0; i < D; i++) {
        const double mu = phi[i], r = phi[D + i], sg = bk_vi_sigma(vi->cfg.scale, r);
        const double m = vi->prior_mean[i], s = vi->prior_std[i], dm = mu - m;
        sum += log(s / sg) + (sg * sg + dm * dm) / (2.0 * s * s) - 0.5;
        if (grad) {
            grad[i] = dm / (s * s);
            grad[D + i] = (-1.0 / sg + sg / (s * s)) * dsigma_dr(vi->cfg.scale, r, sg);
        }
    }
    *kl = sum;
    return BK_SUCCESS;
}

/* Draw k: theta_k = mu + sigma eps_k, log-likelihood and its gradient g_k
 * on the batch, and (Monte Carlo KL) log q - log p of theta_k. No
 * allocation, no BLAS when called inside a parallel region (parallel_ok). */
static void one_draw(bk_vi *vi, size_t k, const double *phi, const double *eps_in, uint64_t seed, uint64_t step,
                     size_t nb, const double *xb, const double *yb) {
    const size_t D = vi->D, P = vi->P;
    double *restrict eps = vi->eps + k * D, *restrict w = vi->w + k * D, *restrict g = vi->g + k * D;
    if (eps_in) {
        memcpy(eps, eps_in + k * D, D * sizeof *eps);
    } else {
        bk_rng_reset(vi->rng[k], seed, 2 * (step * (uint64_t)vi->K + (uint64_t)k));
        for (size_t i = 0; i < D; i++) eps[i] = bk_rng_normal(vi->rng[k]);
    }
    for (size_t i = 0; i < D; i++) w[i] = phi[i] + vi->sigma[i] * eps[i];
    bk_net_work *ws = vi->ws[k];
    const int learned = vi->lik.kind == BK_LIK_GAUSSIAN_LEARNED_NOISE;
    const double log_sigma = learned ? w[P] : (vi->lik.kind == BK_LIK_GAUSSIAN ? log(vi->lik.sigma) : 0.0);
    const double *f = bk_net_forward_raw(vi->net, w, nb, xb, ws);
    double dls = 0.0;
    vi->ll[k] = bk_nn_loglik_outputs(vi->net, &vi->lik, log_sigma, exp(-2.0 * log_sigma), nb, yb, f, ws->dout,
                                     learned ? &dls : NULL);
    bk_net_backward_raw(vi->net, w, ws->dout, g, NULL, ws);
    if (learned) g[P] = dls;
    if (vi->cfg.kl == BK_VI_KL_MC) {
        /* log q(w) - log p(w); the 2 pi constants cancel */
        double s = 0.0;
        for (size_t i = 0; i < D; i++) {
            const double z = (w[i] - vi->prior_mean[i]) / vi->prior_std[i];
            s += log(vi->prior_std[i] / vi->sigma[i]) - 0.5 * eps[i] * eps[i] + 0.5 * z * z;
        }
        vi->klmc[k] = s;
    }
}

int bk_vi_estimate(bk_vi *vi, const double *phi, const double *eps, uint64_t seed, uint64_t step, size_t nrows,
                   const size_t *rows, double kl_weight, int nthreads, bk_vi_terms *terms, double *grad,
                   bk_error *err) {
    if (!vi || !phi || !terms) return bk_error_set(err, BK_EINVAL, "VI problem, parameters or output is NULL");
    const size_t D = vi->D, K = vi->K, d = vi->d, q = vi->q;
    const double *xb = vi->x, *yb = vi->y;
    size_t nb = vi->n;
    if (rows) {
        if (nrows == 0 || nrows > vi->B)
            return bk_error_set(err, BK_EDIM, "a minibatch must have 1 to %zu rows, got %zu", vi->B, nrows);
        for (size_t r = 0; r < nrows; r++) {
            if (rows[r] >= vi->n)
                return bk_error_set(err, BK_EINVAL, "minibatch row index %zu is out of range (%zu rows)", rows[r], vi->n);
            memcpy(vi->xb + r * d, vi->x + rows[r] * d, d * sizeof(double));
            memcpy(vi->yb + r * q, vi->y + rows[r] * q, q * sizeof(double));
        }
        xb = vi->xb;
        yb = vi->yb;
        nb = nrows;
    } else if (vi->B < vi->n) {
        return bk_error_set(err, BK_EDIM, "the full data (%zu rows) exceed the batch size %zu; pass the rows", vi->n,
                            vi->B);
    }
    for (size_t i = 0; i < D; i++) vi->sigma[i] = bk_vi_sigma(vi->cfg.scale, phi[D + i]);

    const int T = bk_resolve_threads(nthreads);
    const int parallel = vi->parallel_ok && T > 1 && K > 1 && nb * vi->P * K >= BK_VI_PARALLEL_MIN_WORK;
    if (parallel) {
        const long long count = (long long)K;
#pragma omp parallel for schedule(static) num_threads(T < (int)K ? T : (int)K)
        for (long long k = 0; k < count; k++) one_draw(vi, (size_t)k, phi, eps, seed, step, nb, xb, yb);
    } else {
        for (size_t k = 0; k < K; k++) one_draw(vi, k, phi, eps, seed, step, nb, xb, yb);
    }

    /* Fixed-order reduction over k. */
    const double scale = (double)vi->n / (double)nb, invK = 1.0 / (double)K;
    double ll = 0.0, klmc = 0.0;
    for (size_t k = 0; k < K; k++) {
        ll += vi->ll[k];
        if (vi->cfg.kl == BK_VI_KL_MC) klmc += vi->klmc[k];
    }
    double kl;
    if (vi->cfg.kl == BK_VI_KL_MC) {
        kl = klmc * invK;
    } else {
        bk_vi_kl_closed(vi, phi, &kl, NULL, NULL);
    }
    const double ell = scale * ll * invK;
    if (grad) {
        const double c = scale * invK;
        const int mc = vi->cfg.kl == BK_VI_KL_MC;
        for (size_t i = 0; i < D; i++) {
            const double sg = vi->sigma[i], m = vi->prior_mean[i], s2 = vi->prior_std[i] * vi->prior_std[i];
            double gm = 0.0, gs = 0.0, km = 0.0, ks = 0.0;
            for (size_t k = 0; k < K; k++) {
                const double gk = vi->g[k * D + i], ek = vi->eps[k * D + i];
                gm += gk;
                gs += gk * ek;
                if (mc) {
                    const double dw = vi->w[k * D + i] - m;
                    km += dw / s2;
                    ks += -1.0 / sg + dw * ek / s2;
                }
            }
            if (mc) {
                km *= invK;
                ks *= invK;
            } else {
                km = (phi[i] - m) / s2;
                ks = -1.0 / sg + sg / s2;
            }
            grad[i] = c * gm - kl_weight * km;
            grad[D + i] = (c * gs - kl_weight * ks) * dsigma_dr(vi->cfg.scale, phi[D + i], sg);
        }
    }
    terms->exp_loglik = ell;
    terms->kl = kl;
    terms->elbo = ell - kl_weight * kl;
    return BK_SUCCESS;
}

int bk_vi_sample(bk_rng *rng, int scale, size_t dim, const double *phi, size_t S, double *out, bk_error *err) {
    if (!rng || !phi || (!out && S > 0)) return bk_error_set(err, BK_EINVAL, "generator, parameters or output is NULL");
    if (scale != BK_VI_LOGSIGMA && scale != BK_VI_SOFTPLUS)
        return bk_error_set(err, BK_EINVAL, "unknown scale parameterization %d", scale);
    for (size_t s = 0; s < S; s++)
        for (size_t i = 0; i < dim; i++) out[s * dim + i] = phi[i] + bk_vi_sigma(scale, phi[dim + i]) * bk_rng_normal(rng);
    return BK_SUCCESS;
}
