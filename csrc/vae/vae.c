#define _POSIX_C_SOURCE 200809L /* clock_gettime */
/*
 * Variational autoencoder: encoder and decoder on the nn engine, the
 * reparameterized minibatch ELBO and its gradient, training with the shared
 * optimisers, and the importance-weighted bound. Formulas in
 * include/bayeskit/vae.h.
 */
#include "bayeskit/vae.h"
#include "util.h"

#include "lines.h"
#include "omp_shim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BK_VAE_LOG_2PI 1.8378770664093454836
#define BK_VAE_IWAE_STREAM ((uint64_t)1 << 40)

struct bk_vae {
    bk_net *enc, *dec;
    size_t D, K, Pe, Pd, P;
    int decoder;
    double sigma;
};

struct bk_vae_work {
    size_t max_rows, L;
    bk_net_work *ew, *dw;
    double *xb;   /* max_rows x D: the batch rows */
    double *eout; /* max_rows x 2K: (mu, log sigma^2) */
    double *z;    /* max_rows L x K */
    double *f;    /* max_rows L x D: decoder outputs */
    double *df;   /* max_rows L x D: dlogp/df, scaled */
    double *gz;   /* max_rows L x K: decoder input gradient */
    double *de;   /* max_rows x 2K: encoder output gradient */
};


static inline double sigmoid(double f) {
    if (f >= 0) return 1.0 / (1.0 + exp(-f));
    const double e = exp(f);
    return e / (1.0 + e);
}

int bk_vae_alloc(const bk_vae_spec *spec, bk_vae **out, bk_error *err) {
    bk_init();
    if (!spec || !out) return bk_error_set(err, BK_EINVAL, "VAE spec or output pointer is NULL");
    *out = NULL;
    if (spec->inputs < 1) return bk_error_set(err, BK_EINVAL, "VAE input dimension must be >= 1, got 0");
    if (spec->latent < 1) return bk_error_set(err, BK_EINVAL, "latent dimension must be >= 1, got 0");
    if (spec->nhidden > 0 && !spec->hidden) return bk_error_set(err, BK_EINVAL, "hidden widths are NULL");
    for (size_t i = 0; i < spec->nhidden; i++)
        if (spec->hidden[i] < 1) return bk_error_set(err, BK_EINVAL, "hidden layer %zu has width 0", i + 1);
    if (spec->decoder < BK_VAE_BERNOULLI || spec->decoder > BK_VAE_GAUSSIAN_LEARNED)
        return bk_error_set(err, BK_EINVAL, "unknown VAE decoder kind %d", spec->decoder);
    if (spec->decoder != BK_VAE_BERNOULLI && !(spec->sigma > 0 && isfinite(spec->sigma)))
        return bk_error_set(err, BK_EINVAL, "Gaussian decoder noise sigma must be > 0 and finite, got %g", spec->sigma);
    if (!bk_activation_name(spec->activation))
        return bk_error_set(err, BK_EINVAL, "unknown activation code %d", spec->activation);
    const size_t m = spec->nhidden, nw = m + 2;
    size_t *we = malloc(nw * sizeof *we), *wd = malloc(nw * sizeof *wd);
    bk_vae *v = calloc(1, sizeof *v);
    int st = BK_SUCCESS;
    if (!we || !wd || !v) {
        st = bk_error_set(err, BK_ENOMEM, "cannot allocate a VAE");
        goto done;
    }
    we[0] = spec->inputs;
    wd[0] = spec->latent;
    for (size_t i = 0; i < m; i++) {
        we[i + 1] = spec->hidden[i];
        wd[i + 1] = spec->hidden[m - 1 - i];
    }
    we[m + 1] = 2 * spec->latent;
    wd[m + 1] = spec->inputs;
    const int act = spec->activation;
    if ((st = bk_net_alloc(nw, we, 1, &act, &v->enc, err))) goto done;
    if ((st = bk_net_alloc(nw, wd, 1, &act, &v->dec, err))) goto done;
    v->D = spec->inputs;
    v->K = spec->latent;
    v->Pe = bk_net_nparams(v->enc);
    v->Pd = bk_net_nparams(v->dec);
    v->P = v->Pe + v->Pd + (spec->decoder == BK_VAE_GAUSSIAN_LEARNED ? 1 : 0);
    v->decoder = spec->decoder;
    v->sigma = spec->decoder == BK_VAE_BERNOULLI ? 1.0 : spec->sigma;
done:
    free(we);
    free(wd);
    if (st) {
        bk_vae_free(v);
        return st;
    }
    *out = v;
    return BK_SUCCESS;
}

void bk_vae_free(bk_vae *vae) {
    if (!vae) return;
    bk_net_free(vae->enc);
    bk_net_free(vae->dec);
    free(vae);
}

size_t bk_vae_nparams(const bk_vae *vae) { return vae ? vae->P : 0; }
size_t bk_vae_encoder_nparams(const bk_vae *vae) { return vae ? vae->Pe : 0; }
size_t bk_vae_inputs(const bk_vae *vae) { return vae ? vae->D : 0; }
size_t bk_vae_latent(const bk_vae *vae) { return vae ? vae->K : 0; }
const bk_net *bk_vae_encoder(const bk_vae *vae) { return vae ? vae->enc : NULL; }
const bk_net *bk_vae_decoder(const bk_vae *vae) { return vae ? vae->dec : NULL; }

int bk_vae_init(bk_rng *rng, const bk_vae *vae, double *theta, bk_error *err) {
    if (!rng || !vae || !theta) return bk_error_set(err, BK_EINVAL, "random stream, VAE or parameters is NULL");
    int st = bk_net_init_default(rng, vae->enc, theta, err);
    if (!st) st = bk_net_init_default(rng, vae->dec, theta + vae->Pe, err);
    if (!st && vae->decoder == BK_VAE_GAUSSIAN_LEARNED) theta[vae->P - 1] = log(vae->sigma);
    return st;
}

int bk_vae_check_data(const bk_vae *vae, size_t n, const double *x, bk_error *err) {
    if (!vae) return bk_error_set(err, BK_EINVAL, "VAE is NULL");
    if (n == 0) return bk_error_set(err, BK_EINVAL, "VAE data have no rows");
    if (!x) return bk_error_set(err, BK_EINVAL, "VAE data pointer is NULL");
    if (vae->D > (size_t)-1 / n) return bk_error_set(err, BK_EINVAL, "VAE data size %zu x %zu overflows", n, vae->D);
    for (size_t i = 0; i < n * vae->D; i++) {
        if (!isfinite(x[i]))
            return bk_error_set(err, BK_ENONFINITE, "VAE data row %zu column %zu is not finite (%g)", i / vae->D + 1,
                                i % vae->D + 1, x[i]);
        if (vae->decoder == BK_VAE_BERNOULLI && (x[i] < 0 || x[i] > 1))
            return bk_error_set(err, BK_EINVAL,
                                "a Bernoulli decoder needs data in [0, 1]; row %zu column %zu is %g (scale the data "
                                "or use a Gaussian decoder)",
                                i / vae->D + 1, i % vae->D + 1, x[i]);
    }
    return BK_SUCCESS;
}

bk_vae_config bk_vae_config_default(void) {
    bk_vae_config c;
    memset(&c, 0, sizeof c);
    c.epochs = 100;
    c.batch_size = 128;
    c.samples = 1;
    c.beta = 1.0;
    c.anneal.kind = BK_VI_ANNEAL_CONSTANT;
    c.anneal.warmup = 1;
    c.anneal.period = 1;
    c.anneal.ramp = 0.5;
    c.optim = bk_optim_adam_default(1e-3);
    return c;
}

int bk_vae_config_check(const bk_vae_config *cfg, size_t nrows, bk_error *err) {
    if (!cfg) return bk_error_set(err, BK_EINVAL, "VAE configuration is NULL");
    if (cfg->epochs < 1) return bk_error_set(err, BK_EINVAL, "number of epochs must be >= 1, got 0");
    if (cfg->samples < 1) return bk_error_set(err, BK_EINVAL, "number of latent samples per row must be >= 1, got 0");
    if (nrows > 0 && cfg->batch_size > nrows)
        return bk_error_set(err, BK_EINVAL, "batch size %zu exceeds the %zu data rows", cfg->batch_size, nrows);
    if (!(cfg->beta > 0) || !isfinite(cfg->beta))
        return bk_error_set(err, BK_EINVAL, "KL weight beta must be > 0 and finite, got %g", cfg->beta);
    if (isnan(bk_vi_kl_weight(&cfg->anneal, 0)))
        return bk_error_set(err, BK_EINVAL, "invalid KL annealing schedule");
    return bk_optim_config_check(&cfg->optim, err);
}

void bk_vae_work_free(bk_vae_work *ws) {
    if (!ws) return;
    bk_net_work_free(ws->ew);
    bk_net_work_free(ws->dw);
    free(ws->xb);
    free(ws->eout);
    free(ws->z);
    free(ws->f);
    free(ws->df);
    free(ws->gz);
    free(ws->de);
    free(ws);
}

int bk_vae_work_alloc(const bk_vae *vae, size_t max_rows, size_t samples, bk_vae_work **out, bk_error *err) {
    if (!vae || !out) return bk_error_set(err, BK_EINVAL, "VAE or output pointer is NULL");
    *out = NULL;
    if (max_rows < 1 || samples < 1) return bk_error_set(err, BK_EINVAL, "VAE workspace needs rows and samples >= 1");
    const size_t D = vae->D, K = vae->K;
    if (samples > (size_t)-1 / max_rows || max_rows * samples > (size_t)-1 / (D + K + 1))
        return bk_error_set(err, BK_EINVAL, "VAE workspace size %zu rows x %zu samples overflows", max_rows, samples);
    const size_t R = max_rows * samples;
    bk_vae_work *w = bk_calloc_lines(1, sizeof *w);
    if (!w) return bk_error_set(err, BK_ENOMEM, "cannot allocate a VAE workspace");
    w->max_rows = max_rows;
    w->L = samples;
    int st = bk_net_work_alloc(vae->enc, max_rows, &w->ew, err);
    if (!st) st = bk_net_work_alloc(vae->dec, R, &w->dw, err);
    if (!st) {
        w->xb = malloc(max_rows * D * sizeof(double));
        w->eout = malloc(max_rows * 2 * K * sizeof(double));
        w->de = malloc(max_rows * 2 * K * sizeof(double));
        w->z = malloc(R * K * sizeof(double));
        w->gz = malloc(R * K * sizeof(double));
        w->f = malloc(R * D * sizeof(double));
        w->df = malloc(R * D * sizeof(double));
        if (!w->xb || !w->eout || !w->de || !w->z || !w->gz || !w->f || !w->df)
            st = bk_error_set(err, BK_ENOMEM, "cannot allocate a VAE workspace for %zu rows x %zu samples", max_rows,
                              samples);
    }
    if (st) {
        bk_vae_work_free(w);
        return st;
    }
    *out = w;
    return BK_SUCCESS;
}

/* log p(x | f) of one data row (D values) and, when df is not NULL, df =
 * scale * dlogp/df and *gls += scale * dlogp/dlog s. */
static double row_loglik(const bk_vae *v, double log_s, const double *x, const double *f, double *df, double scale,
                         double *gls) {
    const size_t D = v->D;
    double ll = 0.0;
    if (v->decoder == BK_VAE_BERNOULLI) {
        /* softplus(f) = max(f, 0) + log1p(e) and sigmoid(f) from one e = exp(-|f|). */
        for (size_t d = 0; d < D; d++) {
            const double e = exp(-fabs(f[d]));
            ll += x[d] * f[d] - ((f[d] > 0 ? f[d] : 0.0) + log1p(e));
            if (df) df[d] = scale * (x[d] - (f[d] >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e)));
        }
        return ll;
    }
    const double s2inv = exp(-2.0 * log_s);
    double q = 0.0;
    for (size_t d = 0; d < D; d++) {
        const double r = x[d] - f[d];
        q += r * r;
        if (df) df[d] = scale * r * s2inv;
    }
    if (gls) *gls += scale * (q * s2inv - (double)D);
    return -0.5 * q * s2inv - (double)D * (log_s + 0.5 * BK_VAE_LOG_2PI);
}

static double log_s_of(const bk_vae *v, const double *theta) {
    return v->decoder == BK_VAE_GAUSSIAN_LEARNED ? theta[v->P - 1] : log(v->sigma);
}

int bk_vae_estimate(const bk_vae *vae, const double *theta, const double *x, size_t nrows, const size_t *rows,
                    size_t samples, const double *eps, double beta, bk_vae_work *ws, bk_vae_terms *terms,
                    double *grad, bk_error *err) {
    if (!vae || !theta || !x || !eps || !ws || !terms)
        return bk_error_set(err, BK_EINVAL, "VAE, parameters, data, draws, workspace or terms is NULL");
    if (nrows < 1 || nrows > ws->max_rows || samples < 1 || samples > ws->L)
        return bk_error_set(err, BK_EDIM, "minibatch of %zu rows x %zu samples exceeds the workspace (%zu x %zu)",
                            nrows, samples, ws->max_rows, ws->L);
    const size_t D = vae->D, K = vae->K, L = samples, R = nrows * L;
    for (size_t i = 0; i < nrows; i++) {
        const size_t r = rows ? rows[i] : i;
        memcpy(ws->xb + i * D, x + r * D, D * sizeof(double));
    }
    int st = bk_net_forward(vae->enc, theta, nrows, ws->xb, ws->eout, ws->ew, err);
    if (st) return st;
    double kl = 0.0;
    for (size_t i = 0; i < nrows; i++) {
        const double *mu = ws->eout + i * 2 * K, *lv = mu + K;
        for (size_t k = 0; k < K; k++) {
            const double sd = exp(0.5 * lv[k]);
            kl += 0.5 * (mu[k] * mu[k] + sd * sd - lv[k] - 1.0);
            for (size_t l = 0; l < L; l++) {
                const size_t j = (i * L + l) * K + k;
                ws->z[j] = mu[k] + sd * eps[j];
            }
        }
    }
    const double *thd = theta + vae->Pe;
    if ((st = bk_net_forward(vae->dec, thd, R, ws->z, ws->f, ws->dw, err))) return st;
    const double log_s = log_s_of(vae, theta);
    const double scale = 1.0 / (double)R;
    double ll = 0.0, gls = 0.0;
    for (size_t r = 0; r < R; r++)
        ll += row_loglik(vae, log_s, ws->xb + (r / L) * D, ws->f + r * D, grad ? ws->df + r * D : NULL, scale, &gls);
    terms->reconstruction = ll / (double)R;
    terms->kl = kl / (double)nrows;
    terms->elbo = terms->reconstruction - beta * terms->kl;
    if (!grad) return BK_SUCCESS;
    if ((st = bk_net_backward(vae->dec, thd, ws->df, grad + vae->Pe, ws->gz, ws->dw, err))) return st;
    const double bn = beta / (double)nrows;
    for (size_t i = 0; i < nrows; i++) {
        const double *mu = ws->eout + i * 2 * K, *lv = mu + K;
        double *dmu = ws->de + i * 2 * K, *dlv = dmu + K;
        for (size_t k = 0; k < K; k++) {
            const double sd = exp(0.5 * lv[k]);
            double gm = 0.0, gv = 0.0;
            for (size_t l = 0; l < L; l++) {
                const size_t j = (i * L + l) * K + k;
                gm += ws->gz[j];
                gv += ws->gz[j] * eps[j];
            }
            dmu[k] = gm - bn * mu[k];
            dlv[k] = 0.5 * sd * gv - 0.5 * bn * (sd * sd - 1.0);
        }
    }
    if ((st = bk_net_backward(vae->enc, theta, ws->de, grad, NULL, ws->ew, err))) return st;
    if (vae->decoder == BK_VAE_GAUSSIAN_LEARNED) grad[vae->P - 1] = gls;
    return BK_SUCCESS;
}


int bk_vae_train(const bk_vae *vae, const bk_vae_config *cfg, size_t n, const double *x, uint64_t seed,
                 double *theta, bk_progress *progress, double *elbo, double *reconstruction, double *kl,
                 double *seconds, size_t *epochs_done, bk_error *err) {
    if (!vae || !cfg || !theta) return bk_error_set(err, BK_EINVAL, "VAE, configuration or parameters is NULL");
    if (epochs_done) *epochs_done = 0;
    int st = bk_vae_check_data(vae, n, x, err);
    if (!st) st = bk_vae_config_check(cfg, n, err);
    if (st) return st;
    const size_t P = vae->P, B = cfg->batch_size ? cfg->batch_size : n, L = cfg->samples, K = vae->K;
    const size_t E = cfg->epochs, steps = (n + B - 1) / B;
    if (!bk_all_finite(theta, P)) return bk_error_set(err, BK_ENONFINITE, "initial VAE parameters are not finite");
    bk_optim *opt = NULL;
    bk_vae_work *ws = NULL;
    bk_rng *rng = NULL;
    double *grad = NULL, *prev = NULL, *eps = NULL;
    size_t *perm = NULL;
    if ((st = bk_optim_alloc(P, &cfg->optim, &opt, err))) goto done;
    if ((st = bk_vae_work_alloc(vae, B, L, &ws, err))) goto done;
    if ((st = bk_rng_alloc(seed, 1, &rng, err))) goto done;
    grad = malloc(P * sizeof *grad);
    prev = malloc(P * sizeof *prev);
    eps = malloc(B * L * K * sizeof *eps);
    perm = malloc(n * sizeof *perm);
    if (!grad || !prev || !eps || !perm) {
        st = bk_error_set(err, BK_ENOMEM, "cannot allocate VAE training buffers for %zu parameters", P);
        goto done;
    }
    if (progress) bk_progress_set_total(progress, 0, E);
    const double t0 = bk_now_seconds();
    uint64_t t = 0;
    int have_prev = 0;
    for (size_t e = 0; e < E && !st; e++) {
        const double beta = cfg->beta * bk_vi_kl_weight(&cfg->anneal, e);
        bk_rng_reset(rng, seed, 2 * (uint64_t)e + 1);
        bk_shuffle_indices(rng, n, perm);
        double s_elbo = 0.0, s_rec = 0.0, s_kl = 0.0;
        for (size_t s = 0; s < steps; s++, t++) {
            const size_t lo = s * B, nb = lo + B <= n ? B : n - lo;
            bk_rng_reset(rng, seed, 2 * t + 2);
            for (size_t j = 0; j < nb * L * K; j++) eps[j] = bk_rng_normal(rng);
            bk_vae_terms terms;
            if ((st = bk_vae_estimate(vae, theta, x, nb, perm + lo, L, eps, beta, ws, &terms, grad, err))) break;
            if (!isfinite(terms.elbo) || !bk_all_finite(grad, P)) {
                if (have_prev) memcpy(theta, prev, P * sizeof *theta);
                st = bk_error_set(err, BK_ENONFINITE,
                                  "VAE training diverged at epoch %zu of %zu: the ELBO or its gradient is not finite "
                                  "(ELBO %g); the parameters are the last finite ones; try a smaller learning rate",
                                  e + 1, E, terms.elbo);
                break;
            }
            s_elbo += terms.elbo;
            s_rec += terms.reconstruction;
            s_kl += terms.kl;
            memcpy(prev, theta, P * sizeof *theta);
            have_prev = 1;
            for (size_t i = 0; i < P; i++) grad[i] = -grad[i];
            if ((st = bk_optim_step(opt, theta, grad, err))) break;
        }
        if (st) break;
        if (elbo) elbo[e] = s_elbo / (double)steps;
        if (reconstruction) reconstruction[e] = s_rec / (double)steps;
        if (kl) kl[e] = s_kl / (double)steps;
        if (seconds) seconds[e] = bk_now_seconds() - t0;
        if (epochs_done) *epochs_done = e + 1;
        bk_progress_add(progress, 0, 1);
        if (bk_progress_cancelled(progress)) break;
    }
done:
    bk_optim_free(opt);
    bk_vae_work_free(ws);
    bk_rng_free(rng);
    free(grad);
    free(prev);
    free(eps);
    free(perm);
    return st;
}

/* Rows per chunk of the encode/decode passes: bounded memory for any n. */
#define BK_VAE_CHUNK 512

int bk_vae_encode(const bk_vae *vae, const double *theta, size_t n, const double *x, double *mu, double *logvar,
                  bk_error *err) {
    if (!vae || !theta || !x) return bk_error_set(err, BK_EINVAL, "VAE, parameters or data is NULL");
    if (n == 0) return BK_SUCCESS;
    int st = bk_vae_check_data(vae, n, x, err);
    if (st) return st;
    const size_t K = vae->K, D = vae->D, C = n < BK_VAE_CHUNK ? n : BK_VAE_CHUNK;
    bk_net_work *w = NULL;
    double *out = malloc(C * 2 * K * sizeof *out);
    if (!out) return bk_error_set(err, BK_ENOMEM, "cannot allocate the encoder outputs");
    if ((st = bk_net_work_alloc(vae->enc, C, &w, err))) {
        free(out);
        return st;
    }
    for (size_t lo = 0; lo < n && !st; lo += C) {
        const size_t nb = lo + C <= n ? C : n - lo;
        if ((st = bk_net_forward(vae->enc, theta, nb, x + lo * D, out, w, err))) break;
        for (size_t i = 0; i < nb; i++) {
            if (mu) memcpy(mu + (lo + i) * K, out + i * 2 * K, K * sizeof *mu);
            if (logvar) memcpy(logvar + (lo + i) * K, out + i * 2 * K + K, K * sizeof *logvar);
        }
    }
    bk_net_work_free(w);
    free(out);
    return st;
}

int bk_vae_decode(const bk_vae *vae, const double *theta, size_t n, const double *z, double *out, bk_error *err) {
    if (!vae || !theta || !z || !out) return bk_error_set(err, BK_EINVAL, "VAE, parameters, latents or output is NULL");
    if (n == 0) return BK_SUCCESS;
    if (vae->K > (size_t)-1 / n) return bk_error_set(err, BK_EINVAL, "latent size %zu x %zu overflows", n, vae->K);
    if (!bk_all_finite(z, n * vae->K)) return bk_error_set(err, BK_ENONFINITE, "latent points contain NaN or infinity");
    const size_t K = vae->K, D = vae->D, C = n < BK_VAE_CHUNK ? n : BK_VAE_CHUNK;
    bk_net_work *w = NULL;
    int st = bk_net_work_alloc(vae->dec, C, &w, err);
    if (st) return st;
    for (size_t lo = 0; lo < n && !st; lo += C) {
        const size_t nb = lo + C <= n ? C : n - lo;
        st = bk_net_forward(vae->dec, theta + vae->Pe, nb, z + lo * K, out + lo * D, w, err);
    }
    bk_net_work_free(w);
    if (!st && vae->decoder == BK_VAE_BERNOULLI)
        for (size_t i = 0; i < n * D; i++) out[i] = sigmoid(out[i]);
    return st;
}

/* L_k of one row x (D values) with its own stream; `w` holds k rows. */
static int iwae_row(const bk_vae *v, const double *theta, const double *x, size_t k, bk_rng *rng, bk_vae_work *w,
                    double *bound, bk_error *err) {
    const size_t K = v->K, D = v->D;
    int st = bk_net_forward(v->enc, theta, 1, x, w->eout, w->ew, err);
    if (st) return st;
    const double *mu = w->eout, *lv = mu + K;
    double *logw = w->gz; /* k values: reuse a buffer of >= k K doubles */
    for (size_t j = 0; j < k; j++) {
        double lq = 0.0, lp = 0.0;
        for (size_t c = 0; c < K; c++) {
            const double e = bk_rng_normal(rng), z = mu[c] + exp(0.5 * lv[c]) * e;
            w->z[j * K + c] = z;
            lq += -0.5 * e * e - 0.5 * lv[c];
            lp += -0.5 * z * z;
        }
        logw[j] = lp - lq; /* the 2 pi terms cancel */
    }
    if ((st = bk_net_forward(v->dec, theta + v->Pe, k, w->z, w->f, w->dw, err))) return st;
    const double log_s = log_s_of(v, theta);
    double mx = -INFINITY;
    for (size_t j = 0; j < k; j++) {
        logw[j] += row_loglik(v, log_s, x, w->f + j * D, NULL, 0.0, NULL);
        if (logw[j] > mx) mx = logw[j];
    }
    double s = 0.0;
    for (size_t j = 0; j < k; j++) s += exp(logw[j] - mx);
    *bound = isfinite(mx) ? mx + log(s / (double)k) : mx;
    return BK_SUCCESS;
}

int bk_vae_iwae(const bk_vae *vae, const double *theta, size_t n, const double *x, size_t k, uint64_t seed,
                int nthreads, double *bound, bk_error *err) {
    if (!vae || !theta || !bound) return bk_error_set(err, BK_EINVAL, "VAE, parameters or output is NULL");
    if (k < 1) return bk_error_set(err, BK_EINVAL, "the IWAE bound needs k >= 1 importance samples, got 0");
    int st = bk_vae_check_data(vae, n, x, err);
    if (st) return st;
    if (!bk_all_finite(theta, vae->P)) return bk_error_set(err, BK_ENONFINITE, "VAE parameters are not finite");
    const int T = (bk_net_uses_blas(vae->enc, 1) || bk_net_uses_blas(vae->dec, k)) ? 1 : bk_resolve_threads(nthreads);
    int failed = 0, status = BK_SUCCESS;
    const long long count = (long long)n;
#pragma omp parallel num_threads(T)
    {
        bk_vae_work *w = NULL;
        bk_rng *rng = NULL;
        /* k latent draws per row need k rows of z and k log weights (gz holds k K >= k). */
        if (bk_vae_work_alloc(vae, 1, k, &w, NULL) || bk_rng_alloc(seed, 0, &rng, NULL))
            __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
        for (long long i = 0; i < count; i++) {
            if (!w || !rng) continue;
            bk_rng_reset(rng, seed, BK_VAE_IWAE_STREAM + (uint64_t)i);
            bk_error e;
            bk_error_clear(&e);
            const int s = iwae_row(vae, theta, x + (size_t)i * vae->D, k, rng, w, bound + i, &e);
            if (s) __atomic_store_n(&status, s, __ATOMIC_RELAXED);
        }
        bk_vae_work_free(w);
        bk_rng_free(rng);
    }
    if (failed) return bk_error_set(err, BK_ENOMEM, "cannot allocate IWAE workspaces for %zu samples", k);
    if (status) return bk_error_set(err, status, "the IWAE bound failed in a network pass");
    return BK_SUCCESS;
}
