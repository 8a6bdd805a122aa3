#define _POSIX_C_SOURCE 200809L /* clock_gettime in util.h */
/*
 * Sparse variational dropout: dense layers with per-weight dropout rates,
 * local reparameterization and the log-uniform prior's approximate KL
 * (include/bayeskit/sparsevd.h; Molchanov, Ashukha & Vetrov 2017).
 */
#include "bayeskit/sparsevd.h"
#include "util.h"

#include "nn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The approximation of -KL(q || log-uniform) of Molchanov et al. 2017, eq. 14. */
#define SVD_K1 0.63576
#define SVD_K2 1.87320
#define SVD_K3 1.48695
/* log alpha = log sigma^2 - log(theta^2 + SVD_EPS) keeps theta = 0 finite. */
#define SVD_EPS 1e-8

struct bk_svd {
    bk_net *net; /* widths, activations and the likelihood's output width */
    bk_likelihood lik;
    size_t L, P, nw, maxw, nout; /* layers, parameters, variational weights, max width, sum of outputs */
    size_t *off;                 /* L: offset of layer l's theta; log sigma^2 follows, then the bias */
    size_t n, ycols;
    double *x, *y;
    /* Minibatch buffers for up to n rows: layer inputs A_l (B x in_l), pre-activations Z_l,
     * sqrt of the variances S_l, activations, and the backward deltas. */
    double **A, **Z, **S, *F, *dF, *dA, *dB;
    double *s2; /* sigma^2 = exp(log sigma^2) of every weight, refreshed by each estimate */
    size_t *all; /* 0..n-1 */
};

static size_t in_w(const bk_svd *s, size_t l) { return bk_net_width(s->net, l); }
static size_t out_w(const bk_svd *s, size_t l) { return bk_net_width(s->net, l + 1); }

void bk_svd_free(bk_svd *s) {
    if (!s) return;
    if (s->A)
        for (size_t l = 0; l <= s->L; l++) free(s->A[l]);
    if (s->Z)
        for (size_t l = 0; l < s->L; l++) {
            free(s->Z[l]);
            free(s->S[l]);
        }
    free(s->A);
    free(s->Z);
    free(s->S);
    free(s->dA);
    free(s->dB);
    free(s->dF);
    free(s->s2);
    free(s->off);
    free(s->x);
    free(s->y);
    free(s->all);
    bk_net_free(s->net);
    free(s);
}

int bk_svd_alloc(size_t nwidths, const size_t *widths, int activation, const bk_likelihood *lik, size_t n,
                 const double *x, const double *y, bk_svd **out, bk_error *err) {
    bk_init();
    if (!out || !widths || !lik) return bk_error_set(err, BK_EINVAL, "widths, likelihood or output pointer is NULL");
    *out = NULL;
    if (lik->kind != BK_LIK_GAUSSIAN && lik->kind != BK_LIK_CATEGORICAL)
        return bk_error_set(err, BK_EINVAL, "sparse variational dropout supports the Gaussian (fixed sigma) and "
                                            "categorical likelihoods, got kind %d", lik->kind);
    bk_svd *s = calloc(1, sizeof *s);
    if (!s) return bk_error_set(err, BK_ENOMEM, "cannot allocate a sparse-VD network");
    int st = bk_net_alloc(nwidths, widths, 1, &activation, &s->net, err);
    if (!st) st = bk_likelihood_check(s->net, lik, err);
    if (!st) st = bk_nn_check_data(s->net, lik, n, x, y, err);
    if (st) {
        bk_svd_free(s);
        return st;
    }
    s->lik = *lik;
    s->L = nwidths - 1;
    s->n = n;
    s->ycols = bk_likelihood_ycols(s->net, lik);
    s->off = malloc(s->L * sizeof *s->off);
    s->A = calloc(s->L + 1, sizeof *s->A);
    s->Z = calloc(s->L, sizeof *s->Z);
    s->S = calloc(s->L, sizeof *s->S);
    s->x = malloc(n * widths[0] * sizeof *s->x);
    s->y = malloc(n * s->ycols * sizeof *s->y);
    s->all = malloc(n * sizeof *s->all);
    if (!s->off || !s->A || !s->Z || !s->S || !s->x || !s->y || !s->all) goto nomem;
    memcpy(s->x, x, n * widths[0] * sizeof *s->x);
    memcpy(s->y, y, n * s->ycols * sizeof *s->y);
    for (size_t i = 0; i < n; i++) s->all[i] = i;
    size_t p = 0, maxw = 0;
    for (size_t l = 0; l < s->L; l++) {
        const size_t in = widths[l], o = widths[l + 1];
        s->off[l] = p;
        p += (2 * in + 1) * o;
        s->nw += in * o;
        s->nout += o;
        if (in > maxw) maxw = in;
        if (o > maxw) maxw = o;
        if (!(s->A[l] = malloc(n * in * sizeof(double)))) goto nomem;
        if (!(s->Z[l] = malloc(n * o * sizeof(double))) || !(s->S[l] = malloc(n * o * sizeof(double)))) goto nomem;
    }
    if (!(s->A[s->L] = malloc(n * widths[s->L] * sizeof(double)))) goto nomem;
    s->P = p;
    s->maxw = maxw;
    s->F = s->A[s->L];
    s->dF = malloc(n * maxw * sizeof *s->dF);
    s->dA = malloc(n * maxw * sizeof *s->dA);
    s->dB = malloc(n * maxw * sizeof *s->dB);
    s->s2 = malloc(s->nw * sizeof *s->s2);
    if (!s->dF || !s->dA || !s->dB || !s->s2) goto nomem;
    *out = s;
    return BK_SUCCESS;
nomem:
    bk_svd_free(s);
    return bk_error_set(err, BK_ENOMEM, "cannot allocate a sparse-VD network for %zu rows", n);
}

size_t bk_svd_nparams(const bk_svd *s) { return s ? s->P : 0; }
size_t bk_svd_nweights(const bk_svd *s) { return s ? s->nw : 0; }

int bk_svd_init(bk_rng *rng, const bk_svd *s, double log_sigma2, double *params, bk_error *err) {
    if (!rng || !s || !params) return bk_error_set(err, BK_EINVAL, "random stream, network or parameters is NULL");
    if (!isfinite(log_sigma2)) return bk_error_set(err, BK_EINVAL, "initial log sigma^2 must be finite, got %g", log_sigma2);
    for (size_t l = 0; l < s->L; l++) {
        const size_t in = in_w(s, l), o = out_w(s, l);
        double *th = params + s->off[l], *ls = th + in * o, *b = ls + in * o;
        const double bound = 1.0 / sqrt((double)in);
        for (size_t k = 0; k < in * o; k++) {
            th[k] = bound * (2.0 * bk_rng_uniform(rng) - 1.0);
            ls[k] = log_sigma2;
        }
        for (size_t i = 0; i < o; i++) b[i] = 0.0;
    }
    return BK_SUCCESS;
}

/* -KL of one weight and d(-KL)/d log alpha. */
static double neg_kl(double la, double *dla) {
    const double sg = 1.0 / (1.0 + exp(-(SVD_K2 + SVD_K3 * la)));
    const double e = bk_sigmoid(-la);
    if (dla) *dla = SVD_K1 * SVD_K3 * sg * (1.0 - sg) + 0.5 * e;
    return SVD_K1 * sg - 0.5 * bk_softplus(-la) - SVD_K1;
}

static double log_alpha(double theta, double ls) { return ls - log(theta * theta + SVD_EPS); }

int bk_svd_estimate(bk_svd *s, const double *params, size_t nrows, const size_t *rows, const double *eps,
                    double kl_weight, double *elbo, double *loglik, double *kl, double *grad, bk_error *err) {
    if (!s || !params || !eps) return bk_error_set(err, BK_EINVAL, "network, parameters or noise is NULL");
    if (nrows < 1 || nrows > s->n)
        return bk_error_set(err, BK_EDIM, "minibatch of %zu rows for %zu data rows", nrows, s->n);
    if (!rows) rows = s->all;
    const size_t B = nrows, d0 = in_w(s, 0);
    for (size_t r = 0; r < B; r++) memcpy(s->A[0] + r * d0, s->x + rows[r] * d0, d0 * sizeof(double));
    const double *e = eps;
    for (size_t l = 0, w0 = 0; l < s->L; l++) {
        const size_t in = in_w(s, l), o = out_w(s, l);
        const double *th = params + s->off[l], *ls = th + in * o, *b = ls + in * o;
        double *s2 = s->s2 + w0;
        for (size_t w = 0; w < in * o; w++) s2[w] = exp(ls[w]);
        w0 += in * o;
        const double *A = s->A[l];
        double *Z = s->Z[l], *S = s->S[l];
        for (size_t r = 0; r < B; r++) {
            const double *a = A + r * in;
            for (size_t i = 0; i < o; i++) {
                const double *ti = th + i * in, *si = s2 + i * in;
                double m = b[i], v = 0.0;
                for (size_t j = 0; j < in; j++) {
                    m += a[j] * ti[j];
                    v += a[j] * a[j] * si[j];
                }
                const double sd = sqrt(v);
                S[r * o + i] = sd;
                Z[r * o + i] = m + sd * e[r * o + i];
            }
        }
        e += B * o;
        bk_nn_act_apply(bk_net_activation(s->net, l), B * o, Z, s->A[l + 1]);
    }
    /* Likelihood of the minibatch, scaled by N/B. */
    const double scale = (double)s->n / (double)B;
    const size_t k = out_w(s, s->L - 1);
    double *ysub = s->dB; /* B x ycols <= B x maxw */
    for (size_t r = 0; r < B; r++) memcpy(ysub + r * s->ycols, s->y + rows[r] * s->ycols, s->ycols * sizeof(double));
    const double lsig = s->lik.kind == BK_LIK_GAUSSIAN ? log(s->lik.sigma) : 0.0;
    const double prec = s->lik.kind == BK_LIK_GAUSSIAN ? 1.0 / (s->lik.sigma * s->lik.sigma) : 1.0;
    const double ll = scale * bk_nn_loglik_outputs(s->net, &s->lik, lsig, prec, B, ysub, s->F, grad ? s->dF : NULL, NULL);
    double nk = 0.0;
    if (grad) memset(grad, 0, s->P * sizeof *grad);
    for (size_t l = 0; l < s->L; l++) {
        const size_t in = in_w(s, l), o = out_w(s, l);
        const double *th = params + s->off[l], *ls = th + in * o;
        double *gth = grad ? grad + s->off[l] : NULL, *gls = grad ? gth + in * o : NULL;
        for (size_t w = 0; w < in * o; w++) {
            double dla;
            nk += neg_kl(log_alpha(th[w], ls[w]), grad ? &dla : NULL);
            if (grad) {
                gth[w] += kl_weight * dla * (-2.0 * th[w] / (th[w] * th[w] + SVD_EPS));
                gls[w] += kl_weight * dla;
            }
        }
    }
    if (loglik) *loglik = ll;
    if (kl) *kl = -nk;
    if (elbo) *elbo = ll + kl_weight * nk;
    if (!grad) return BK_SUCCESS;
    /* Backward: dF (B x k) = scale dloglik/dF, then layer by layer. */
    double *d = s->dF;
    for (size_t i = 0; i < B * k; i++) d[i] *= scale;
    size_t w_end = s->nw;
    for (size_t l = s->L; l-- > 0;) {
        const size_t in = in_w(s, l), o = out_w(s, l);
        const double *th = params + s->off[l];
        w_end -= in * o;
        const double *s2 = s->s2 + w_end;
        double *gth = grad + s->off[l], *gls = gth + in * o, *gb = gls + in * o;
        const double *A = s->A[l], *S = s->S[l], *Z = s->Z[l];
        const double *el = eps;
        for (size_t m = 0; m < l; m++) el += B * out_w(s, m);
        bk_nn_act_times_derivative(bk_net_activation(s->net, l), B * o, Z, s->A[l + 1], d);
        double *dA = s->dA;
        if (l > 0) memset(dA, 0, B * in * sizeof *dA);
        for (size_t r = 0; r < B; r++) {
            const double *a = A + r * in;
            double *da = dA + r * in;
            for (size_t i = 0; i < o; i++) {
                const double dm = d[r * o + i], sd = S[r * o + i];
                const double dv = sd > 0 ? dm * el[r * o + i] / (2.0 * sd) : 0.0;
                const double *ti = th + i * in, *si = s2 + i * in;
                double *gti = gth + i * in, *gli = gls + i * in;
                gb[i] += dm;
                for (size_t j = 0; j < in; j++) {
                    gti[j] += dm * a[j];
                    gli[j] += dv * a[j] * a[j] * si[j];
                    if (l > 0) da[j] += dm * ti[j] + 2.0 * dv * si[j] * a[j];
                }
            }
        }
        if (l > 0) {
            memcpy(s->dF, dA, B * in * sizeof *dA);
            d = s->dF;
        }
    }
    return BK_SUCCESS;
}


int bk_svd_train(bk_svd *s, const bk_svd_config *cfg, uint64_t seed, double *params, bk_progress *progress,
                 double *elbo, size_t *epochs_done, bk_error *err) {
    if (!s || !cfg || !params) return bk_error_set(err, BK_EINVAL, "network, configuration or parameters is NULL");
    if (epochs_done) *epochs_done = 0;
    if (cfg->epochs < 1) return bk_error_set(err, BK_EINVAL, "number of epochs must be >= 1, got 0");
    if (cfg->batch_size > s->n)
        return bk_error_set(err, BK_EINVAL, "batch size %zu exceeds the %zu data rows", cfg->batch_size, s->n);
    if (!(cfg->kl_weight > 0) || !isfinite(cfg->kl_weight))
        return bk_error_set(err, BK_EINVAL, "KL weight must be > 0 and finite, got %g", cfg->kl_weight);
    if (!bk_all_finite(params, s->P)) return bk_error_set(err, BK_ENONFINITE, "initial parameters are not finite");
    const size_t B = cfg->batch_size ? cfg->batch_size : s->n, steps = (s->n + B - 1) / B, E = cfg->epochs;
    bk_optim *opt = NULL;
    bk_rng *rng = NULL;
    int st = bk_optim_alloc(s->P, &cfg->optim, &opt, err);
    if (!st) st = bk_rng_alloc(seed, 1, &rng, err);
    double *grad = malloc(s->P * sizeof *grad), *prev = malloc(s->P * sizeof *prev);
    double *eps = malloc(B * s->nout * sizeof *eps);
    size_t *perm = malloc(s->n * sizeof *perm);
    if (!st && (!grad || !prev || !eps || !perm))
        st = bk_error_set(err, BK_ENOMEM, "cannot allocate sparse-VD training buffers");
    if (progress && !st) bk_progress_set_total(progress, 0, E);
    uint64_t t = 0;
    int have_prev = 0;
    for (size_t ep = 0; ep < E && !st; ep++) {
        const double beta = cfg->kl_weight * (cfg->kl_warmup ? fmin(1.0, (double)ep / (double)cfg->kl_warmup) : 1.0);
        bk_rng_reset(rng, seed, 2 * (uint64_t)ep + 1);
        bk_shuffle_indices(rng, s->n, perm);
        double sum = 0.0;
        for (size_t k = 0; k < steps; k++, t++) {
            const size_t lo = k * B, nb = lo + B <= s->n ? B : s->n - lo;
            bk_rng_reset(rng, seed, 2 * t + 2);
            for (size_t i = 0; i < nb * s->nout; i++) eps[i] = bk_rng_normal(rng);
            double e;
            if ((st = bk_svd_estimate(s, params, nb, perm + lo, eps, beta, &e, NULL, NULL, grad, err))) break;
            if (!isfinite(e) || !bk_all_finite(grad, s->P)) {
                if (have_prev) memcpy(params, prev, s->P * sizeof *params);
                st = bk_error_set(err, BK_ENONFINITE,
                                  "sparse VD diverged at epoch %zu of %zu: the ELBO or its gradient is not finite; the "
                                  "parameters are the last finite ones; try a smaller learning rate",
                                  ep + 1, E);
                break;
            }
            sum += e;
            memcpy(prev, params, s->P * sizeof *params);
            have_prev = 1;
            for (size_t i = 0; i < s->P; i++) grad[i] = -grad[i];
            if ((st = bk_optim_step(opt, params, grad, err))) break;
        }
        if (st) break;
        if (elbo) elbo[ep] = sum / (double)steps;
        if (epochs_done) *epochs_done = ep + 1;
        bk_progress_add(progress, 0, 1);
        if (bk_progress_cancelled(progress)) break;
    }
    bk_optim_free(opt);
    bk_rng_free(rng);
    free(grad);
    free(prev);
    free(eps);
    free(perm);
    return st;
}

int bk_svd_log_alpha(const bk_svd *s, const double *params, double *out, bk_error *err) {
    if (!s || !params || !out) return bk_error_set(err, BK_EINVAL, "network, parameters or output is NULL");
    size_t k = 0;
    for (size_t l = 0; l < s->L; l++) {
        const size_t in = in_w(s, l), o = out_w(s, l);
        const double *th = params + s->off[l], *ls = th + in * o;
        for (size_t w = 0; w < in * o; w++) out[k++] = log_alpha(th[w], ls[w]);
    }
    return BK_SUCCESS;
}

int bk_svd_predict(const bk_svd *s, const double *params, double threshold, size_t n, const double *x, double *out,
                   size_t *kept, bk_error *err) {
    if (!s || !params || !x || !out) return bk_error_set(err, BK_EINVAL, "network, parameters, inputs or output is NULL");
    if (n == 0) return BK_SUCCESS;
    const size_t d0 = in_w(s, 0);
    if (d0 > (size_t)-1 / n) return bk_error_set(err, BK_EINVAL, "input size overflows");
    if (!bk_all_finite(x, n * d0)) return bk_error_set(err, BK_ENONFINITE, "inputs contain NaN or infinity");
    if (isnan(threshold)) return bk_error_set(err, BK_EINVAL, "pruning threshold is NaN");
    double *a = malloc(s->maxw * sizeof *a), *z = malloc(s->maxw * sizeof *z), *h = malloc(s->maxw * sizeof *h);
    if (!a || !z || !h) {
        free(a);
        free(z);
        free(h);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate prediction buffers");
    }
    size_t nk = 0;
    for (size_t l = 0; l < s->L; l++) {
        const size_t in = in_w(s, l), o = out_w(s, l);
        const double *th = params + s->off[l], *ls = th + in * o;
        for (size_t w = 0; w < in * o; w++) nk += log_alpha(th[w], ls[w]) <= threshold;
    }
    const size_t k = out_w(s, s->L - 1);
    for (size_t r = 0; r < n; r++) {
        memcpy(a, x + r * d0, d0 * sizeof *a);
        for (size_t l = 0; l < s->L; l++) {
            const size_t in = in_w(s, l), o = out_w(s, l);
            const double *th = params + s->off[l], *ls = th + in * o, *b = ls + in * o;
            for (size_t i = 0; i < o; i++) {
                double m = b[i];
                for (size_t j = 0; j < in; j++)
                    if (log_alpha(th[i * in + j], ls[i * in + j]) <= threshold) m += th[i * in + j] * a[j];
                z[i] = m;
            }
            bk_nn_act_apply(bk_net_activation(s->net, l), o, z, h);
            memcpy(a, h, o * sizeof *a);
        }
        memcpy(out + r * k, a, k * sizeof *out);
    }
    free(a);
    free(z);
    free(h);
    if (kept) *kept = nk;
    return BK_SUCCESS;
}
