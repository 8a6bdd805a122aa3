/*
 * Minibatch training with dropout / DropConnect masks and the loss heads of
 * include/bayeskit/approx.h, and deep ensembles trained in parallel.
 */
#include "approx_internal.h"
#include "omp_shim.h"

#include <stdlib.h>
#include <string.h>

size_t bk_head_ycols(const bk_net *net, int head) {
    if (!net) return 0;
    const size_t k = net->widths[net->nlayers];
    switch (head) {
    case BK_HEAD_GAUSSIAN: return k;
    case BK_HEAD_HETEROSCEDASTIC: return k / 2;
    default: return 1;
    }
}

int bk_approx_rates_check(const bk_net *net, const double *rates, size_t nrates, double dropconnect, bk_error *err) {
    if (rates) {
        if (nrates != net->nlayers - 1)
            return bk_error_set(err, BK_EDIM, "dropout needs one rate per hidden layer (%zu), got %zu",
                                net->nlayers - 1, nrates);
        for (size_t l = 0; l < nrates; l++)
            if (!(rates[l] >= 0.0 && rates[l] < 1.0))
                return bk_error_set(err, BK_EINVAL, "dropout rate of hidden layer %zu must be in [0, 1), got %g", l,
                                    rates[l]);
    }
    if (!(dropconnect >= 0.0 && dropconnect < 1.0))
        return bk_error_set(err, BK_EINVAL, "DropConnect rate must be in [0, 1), got %g", dropconnect);
    return BK_SUCCESS;
}

int bk_train_config_check(const bk_net *net, const bk_train_config *cfg, bk_error *err) {
    if (!net || !cfg) return bk_error_set(err, BK_EINVAL, "network or training configuration is NULL");
    const size_t k = net->widths[net->nlayers];
    switch (cfg->head) {
    case BK_HEAD_GAUSSIAN:
        if (!(cfg->sigma > 0.0) || !isfinite(cfg->sigma))
            return bk_error_set(err, BK_EINVAL, "Gaussian noise std must be positive and finite, got %g", cfg->sigma);
        break;
    case BK_HEAD_HETEROSCEDASTIC:
        if (k % 2 != 0)
            return bk_error_set(err, BK_EDIM,
                                "a mean-and-variance head needs an even number of outputs (means, then scales), got %zu",
                                k);
        break;
    case BK_HEAD_BERNOULLI:
        if (k != 1) return bk_error_set(err, BK_EDIM, "a Bernoulli head needs 1 output (a logit), got %zu", k);
        break;
    case BK_HEAD_CATEGORICAL:
        if (k < 2) return bk_error_set(err, BK_EDIM, "a softmax head needs >= 2 outputs (one logit per class), got %zu", k);
        break;
    default: return bk_error_set(err, BK_EINVAL, "unknown head kind %d", cfg->head);
    }
    if (cfg->epochs == 0) return bk_error_set(err, BK_EINVAL, "training needs epochs >= 1, got 0");
    if (cfg->swa_every == 0) return bk_error_set(err, BK_EINVAL, "SWA collection interval must be >= 1 epoch, got 0");
    for (size_t j = 0; cfg->adversarial_eps && j < net->widths[0]; j++)
        if (!(cfg->adversarial_eps[j] >= 0.0) || !isfinite(cfg->adversarial_eps[j]))
            return bk_error_set(err, BK_EINVAL, "adversarial step of input %zu must be >= 0 and finite, got %g", j,
                                cfg->adversarial_eps[j]);
    int st = bk_approx_rates_check(net, cfg->dropout, cfg->ndropout, cfg->dropconnect, err);
    if (st) return st;
    return bk_optim_config_check(&cfg->optim, err);
}

static int check_data(const bk_net *net, int head, size_t n, const double *x, const double *y, bk_error *err) {
    bk_likelihood lik = {.kind = BK_LIK_GAUSSIAN, .sigma = 1.0};
    if (head == BK_HEAD_BERNOULLI) lik.kind = BK_LIK_BERNOULLI;
    if (head == BK_HEAD_CATEGORICAL) lik.kind = BK_LIK_CATEGORICAL;
    if (head != BK_HEAD_HETEROSCEDASTIC) return bk_nn_check_data(net, &lik, n, x, y, err);
    if (n == 0) return bk_error_set(err, BK_EINVAL, "data have no rows");
    if (!x || !y) return bk_error_set(err, BK_EINVAL, "x or y is NULL");
    const size_t d = net->widths[0], q = bk_head_ycols(net, head);
    if (!bk_all_finite(x, n * d)) return bk_error_set(err, BK_ENONFINITE, "x contains NaN or infinity");
    if (!bk_all_finite(y, n * q)) return bk_error_set(err, BK_ENONFINITE, "y contains NaN or infinity");
    return BK_SUCCESS;
}

/* Sum over the B rows of the NLL of outputs f (B x w_L); dout (B x w_L)
 * receives d(sum NLL)/df. */
static double head_nll(const bk_net *net, const bk_train_config *cfg, size_t B, const double *y, const double *f,
                       double *dout) {
    const size_t k = net->widths[net->nlayers];
    if (cfg->head != BK_HEAD_HETEROSCEDASTIC) {
        bk_likelihood lik = {.kind = BK_LIK_GAUSSIAN, .sigma = cfg->sigma};
        if (cfg->head == BK_HEAD_BERNOULLI) lik.kind = BK_LIK_BERNOULLI;
        if (cfg->head == BK_HEAD_CATEGORICAL) lik.kind = BK_LIK_CATEGORICAL;
        const double ls = log(cfg->sigma);
        const double ll = bk_nn_loglik_outputs(net, &lik, ls, exp(-2.0 * ls), B, y, f, dout, NULL);
        for (size_t i = 0; i < B * k; i++) dout[i] = -dout[i];
        return -ll;
    }
    const size_t m = k / 2;
    double nll = 0.0;
    for (size_t r = 0; r < B; r++) {
        for (size_t j = 0; j < m; j++) {
            const double mu = f[r * k + j], s = f[r * k + m + j];
            const double sigma = bk_softplus(s) + BK_HEAD_MIN_SIGMA;
            const double e = y[r * m + j] - mu, iv = 1.0 / (sigma * sigma);
            nll += log(sigma) + 0.5 * e * e * iv + BK_LOG_SQRT_2PI;
            dout[r * k + j] = -e * iv;
            dout[r * k + m + j] = (1.0 / sigma - e * e * iv / sigma) * bk_sigmoid(s);
        }
    }
    return nll;
}

int bk_approx_masks_alloc(const bk_net *net, const double *rates, double dropconnect, size_t rows,
                          bk_approx_masks *mk) {
    memset(mk, 0, sizeof *mk);
    const size_t L = net->nlayers;
    mk->layer = calloc(L, sizeof *mk->layer);
    if (!mk->layer) return BK_ENOMEM;
    for (size_t l = 0; rates && l + 1 < L; l++) {
        if (rates[l] > 0.0) {
            mk->layer[l] = malloc(rows * net->widths[l + 1] * sizeof(double));
            if (!mk->layer[l]) return BK_ENOMEM;
            mk->any = 1;
        }
    }
    if (dropconnect > 0.0) {
        mk->wmask = malloc(net->nparams * sizeof(double));
        mk->theta = malloc(net->nparams * sizeof(double));
        if (!mk->wmask || !mk->theta) return BK_ENOMEM;
    }
    return BK_SUCCESS;
}

void bk_approx_masks_free(const bk_net *net, bk_approx_masks *mk) {
    if (mk->layer)
        for (size_t l = 0; l < net->nlayers; l++) free(mk->layer[l]);
    free(mk->layer);
    free(mk->wmask);
    free(mk->theta);
    memset(mk, 0, sizeof *mk);
}

const double *bk_approx_masks_draw(bk_rng *rng, const bk_net *net, const double *rates, double dropconnect,
                                   size_t rows, const double *theta, bk_approx_masks *mk) {
    for (size_t l = 0; rates && l + 1 < net->nlayers; l++)
        if (mk->layer[l]) bk_dropout_mask(rng, rates[l], rows * net->widths[l + 1], mk->layer[l], NULL);
    if (!(dropconnect > 0.0)) return theta;
    for (size_t i = 0; i < net->nparams; i++) mk->wmask[i] = 1.0;
    for (size_t l = 0; l < net->nlayers; l++)
        bk_dropout_mask(rng, dropconnect, net->widths[l + 1] * net->widths[l], mk->wmask + net->woff[l], NULL);
    for (size_t i = 0; i < net->nparams; i++) mk->theta[i] = theta[i] * mk->wmask[i];
    return mk->theta;
}

/* Buffers of adversarial training for batches of up to B rows. */
typedef struct adv_buffers {
    double *gx, *xa, *grad2; /* B x w_0, B x w_0, P */
} adv_buffers;

static int adv_alloc(const bk_net *net, const double *eps, size_t B, adv_buffers *ab) {
    memset(ab, 0, sizeof *ab);
    if (!eps) return BK_SUCCESS;
    ab->gx = malloc(B * net->widths[0] * sizeof *ab->gx);
    ab->xa = malloc(B * net->widths[0] * sizeof *ab->xa);
    ab->grad2 = malloc(net->nparams * sizeof *ab->grad2);
    return ab->gx && ab->xa && ab->grad2 ? BK_SUCCESS : BK_ENOMEM;
}

static void adv_free(adv_buffers *ab) {
    free(ab->gx);
    free(ab->xa);
    free(ab->grad2);
}

/* Mean NLL per row of the b rows under weights tw and the drawn masks; its
 * gradient in the weights goes to grad and, when gx is not NULL, in the
 * inputs to gx (b x w_0). */
static double pass_loss(const bk_net *net, const bk_train_config *cfg, size_t b, const double *xb, const double *yb,
                        const double *tw, double *grad, double *gx, bk_net_work *ws, const bk_approx_masks *mk) {
    const size_t k = net->widths[net->nlayers];
    const double *f = bk_net_forward_masked_raw(net, tw, b, xb, ws, (const double *const *)mk->layer);
    const double inv = 1.0 / (double)b;
    const double nll = head_nll(net, cfg, b, yb, f, ws->dout) * inv;
    if (!isfinite(nll)) return nll;
    for (size_t i = 0; i < b * k; i++) ws->dout[i] *= inv;
    bk_net_backward_masked_raw(net, tw, ws->dout, grad, gx, ws, (const double *const *)mk->layer);
    return nll;
}

/* x' = x + eps (.) sign(gx) (sign 0 at 0). */
static void fgsm(size_t b, size_t d, const double *eps, const double *x, const double *gx, double *xa) {
    for (size_t r = 0; r < b; r++)
        for (size_t j = 0; j < d; j++) {
            const double g = gx[r * d + j];
            xa[r * d + j] = x[r * d + j] + eps[j] * (double)((g > 0.0) - (g < 0.0));
        }
}

/* Draws the masks of one batch from rng, then returns the mean NLL per row
 * of the b rows and writes its gradient into grad (P values). With
 * cfg->adversarial_eps the loss and gradient are the average over x and the
 * fast-gradient-sign inputs x' (same masks). */
static double batch_loss(bk_rng *rng, const bk_net *net, const bk_train_config *cfg, size_t b, const double *xb,
                         const double *yb, const double *theta, double *grad, bk_net_work *ws, bk_approx_masks *mk,
                         adv_buffers *ab) {
    const size_t P = net->nparams;
    const double *tw = bk_approx_masks_draw(rng, net, cfg->dropout, cfg->dropconnect, b, theta, mk);
    const double *eps = cfg->adversarial_eps;
    double nll = pass_loss(net, cfg, b, xb, yb, tw, grad, eps ? ab->gx : NULL, ws, mk);
    if (!isfinite(nll)) return nll;
    if (eps) {
        fgsm(b, net->widths[0], eps, xb, ab->gx, ab->xa);
        const double nll2 = pass_loss(net, cfg, b, ab->xa, yb, tw, ab->grad2, NULL, ws, mk);
        if (!isfinite(nll2)) return nll2;
        for (size_t i = 0; i < P; i++) grad[i] = 0.5 * (grad[i] + ab->grad2[i]);
        nll = 0.5 * (nll + nll2);
    }
    if (mk->wmask)
        for (size_t i = 0; i < P; i++) grad[i] *= mk->wmask[i];
    return nll;
}

int bk_approx_batch_loss(bk_rng *rng, const bk_net *net, const bk_train_config *cfg, size_t n, const double *x,
                         const double *y, const double *theta, double *loss, double *grad, bk_error *err) {
    bk_init();
    if (!rng || !theta || !loss || !grad) return bk_error_set(err, BK_EINVAL, "generator, parameters or outputs is NULL");
    int st = bk_train_config_check(net, cfg, err);
    if (st) return st;
    if ((st = check_data(net, cfg->head, n, x, y, err))) return st;
    bk_net_work *ws = NULL;
    bk_approx_masks mk;
    adv_buffers ab;
    const int ast = adv_alloc(net, cfg->adversarial_eps, n, &ab);
    if (bk_approx_masks_alloc(net, cfg->dropout, cfg->dropconnect, n, &mk) || ast) {
        bk_approx_masks_free(net, &mk);
        adv_free(&ab);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate masks for %zu rows", n);
    }
    if ((st = bk_net_work_alloc(net, n, &ws, err))) {
        bk_approx_masks_free(net, &mk);
        adv_free(&ab);
        return st;
    }
    *loss = batch_loss(rng, net, cfg, n, x, y, theta, grad, ws, &mk, &ab);
    bk_net_work_free(ws);
    bk_approx_masks_free(net, &mk);
    adv_free(&ab);
    return BK_SUCCESS;
}

int bk_approx_adversarial_loss(const bk_net *net, const bk_train_config *cfg, size_t n, const double *x,
                               const double *y, const double *theta, const double *eps, double *loss,
                               double *loss_adv, bk_error *err) {
    bk_init();
    if (!theta || !eps || !loss || !loss_adv)
        return bk_error_set(err, BK_EINVAL, "parameters, steps or outputs is NULL");
    if (!cfg) return bk_error_set(err, BK_EINVAL, "training configuration is NULL");
    bk_train_config plain = *cfg;
    plain.dropout = NULL;
    plain.ndropout = 0;
    plain.dropconnect = 0.0;
    plain.adversarial_eps = eps;
    int st = bk_train_config_check(net, &plain, err);
    if (st) return st;
    if ((st = check_data(net, cfg->head, n, x, y, err))) return st;
    bk_net_work *ws = NULL;
    bk_approx_masks mk;
    adv_buffers ab;
    const int ast = adv_alloc(net, eps, n, &ab);
    if (bk_approx_masks_alloc(net, NULL, 0.0, n, &mk) || ast) {
        bk_approx_masks_free(net, &mk);
        adv_free(&ab);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate buffers for %zu rows", n);
    }
    if ((st = bk_net_work_alloc(net, n, &ws, err))) {
        bk_approx_masks_free(net, &mk);
        adv_free(&ab);
        return st;
    }
    const double clean = pass_loss(net, &plain, n, x, y, theta, ab.grad2, ab.gx, ws, &mk);
    fgsm(n, net->widths[0], eps, x, ab.gx, ab.xa);
    const double adv = pass_loss(net, &plain, n, ab.xa, y, theta, ab.grad2, NULL, ws, &mk);
    bk_net_work_free(ws);
    bk_approx_masks_free(net, &mk);
    adv_free(&ab);
    if (!isfinite(clean) || !isfinite(adv)) return bk_error_set(err, BK_ENONFINITE, "the loss is not finite");
    *loss = clean;
    *loss_adv = adv;
    return BK_SUCCESS;
}

int bk_approx_train(bk_rng *rng, const bk_net *net, const bk_train_config *cfg, size_t n, const double *x,
                    const double *y, double *theta, double *history, bk_swag *swag, bk_error *err) {
    bk_init();
    if (!rng || !theta) return bk_error_set(err, BK_EINVAL, "generator or parameters is NULL");
    int st = bk_train_config_check(net, cfg, err);
    if (st) return st;
    if ((st = check_data(net, cfg->head, n, x, y, err))) return st;
    if (swag && bk_swag_dim(swag) != net->nparams)
        return bk_error_set(err, BK_EDIM, "SWAG has %zu parameters, the network %zu", bk_swag_dim(swag), net->nparams);
    const size_t P = net->nparams, d = net->widths[0];
    const size_t q = bk_head_ycols(net, cfg->head);
    const size_t B = cfg->batch_size == 0 || cfg->batch_size > n ? n : cfg->batch_size;
    bk_optim *opt = NULL;
    bk_net_work *ws = NULL;
    bk_approx_masks mk;
    adv_buffers ab;
    size_t *order = malloc(n * sizeof *order);
    double *xb = malloc(B * d * sizeof *xb), *yb = malloc(B * q * sizeof *yb), *grad = malloc(P * sizeof *grad);
    double *last = malloc(P * sizeof *last);
    int mst = bk_approx_masks_alloc(net, cfg->dropout, cfg->dropconnect, B, &mk);
    mst |= adv_alloc(net, cfg->adversarial_eps, B, &ab);
    if (!order || !xb || !yb || !grad || !last || mst) {
        st = bk_error_set(err, BK_ENOMEM, "cannot allocate training buffers for %zu rows", n);
        goto done;
    }
    if ((st = bk_optim_alloc(P, &cfg->optim, &opt, err))) goto done;
    if ((st = bk_net_work_alloc(net, B, &ws, err))) goto done;
    for (size_t i = 0; i < n; i++) order[i] = i;
    memcpy(last, theta, P * sizeof *last);
    for (size_t epoch = 0; epoch < cfg->epochs && !st; epoch++) {
        for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
            const size_t j = (size_t)(bk_rng_uniform(rng) * (double)i);
            const size_t t = order[i - 1];
            order[i - 1] = order[j < i ? j : i - 1];
            order[j < i ? j : i - 1] = t;
        }
        double total = 0.0;
        for (size_t start = 0; start < n && !st; start += B) {
            const size_t b = start + B <= n ? B : n - start;
            for (size_t r = 0; r < b; r++) {
                memcpy(xb + r * d, x + order[start + r] * d, d * sizeof *xb);
                memcpy(yb + r * q, y + order[start + r] * q, q * sizeof *yb);
            }
            const double nll = batch_loss(rng, net, cfg, b, xb, yb, theta, grad, ws, &mk, &ab);
            if (!isfinite(nll)) {
                memcpy(theta, last, P * sizeof *theta);
                st = bk_error_set(err, BK_ENONFINITE,
                                  "training diverged in epoch %zu: the loss is not finite; parameters are the last "
                                  "finite ones",
                                  epoch);
                break;
            }
            total += nll * (double)b;
            memcpy(last, theta, P * sizeof *theta);
            if ((st = bk_optim_step(opt, theta, grad, err))) break;
        }
        if (st) break;
        if (history) history[epoch] = total / (double)n;
        if (swag && epoch >= cfg->swa_start && (epoch - cfg->swa_start) % cfg->swa_every == 0)
            st = bk_swag_collect(swag, theta, err);
    }
done:
    bk_net_work_free(ws);
    bk_optim_free(opt);
    bk_approx_masks_free(net, &mk);
    adv_free(&ab);
    free(order);
    free(xb);
    free(yb);
    free(grad);
    free(last);
    return st;
}

int bk_approx_ensemble_train(const bk_net *net, const bk_train_config *cfg, size_t K, uint64_t seed,
                             uint64_t stream0, size_t n, const double *x, const double *y, double *thetas,
                             double *history, int nthreads, bk_error *err) {
    bk_init();
    if (K == 0) return bk_error_set(err, BK_EINVAL, "an ensemble needs K >= 1 members, got 0");
    if (!thetas) return bk_error_set(err, BK_EINVAL, "member output is NULL");
    int st = bk_train_config_check(net, cfg, err);
    if (st) return st;
    if ((st = check_data(net, cfg->head, n, x, y, err))) return st;
    const size_t P = net->nparams, B = cfg->batch_size == 0 || cfg->batch_size > n ? n : cfg->batch_size;
    const int T = bk_net_uses_blas(net, B) ? 1 : bk_resolve_threads(nthreads);
    int *status = calloc(K, sizeof *status);
    bk_error *errs = calloc(K, sizeof *errs);
    if (!status || !errs) {
        free(status);
        free(errs);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu member records", K);
    }
    const long long count = (long long)K;
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
    for (long long kk = 0; kk < count; kk++) {
        const size_t m = (size_t)kk;
        bk_rng *rng = NULL;
        bk_error_clear(&errs[m]);
        status[m] = bk_rng_alloc(seed, stream0 + m, &rng, &errs[m]);
        if (!status[m]) status[m] = bk_net_init_default(rng, net, thetas + m * P, &errs[m]);
        if (!status[m])
            status[m] = bk_approx_train(rng, net, cfg, n, x, y, thetas + m * P,
                                        history ? history + m * cfg->epochs : NULL, NULL, &errs[m]);
        bk_rng_free(rng);
    }
    for (size_t m = 0; m < K && !st; m++)
        if (status[m]) st = bk_error_set(err, status[m], "ensemble member %zu: %s", m, errs[m].message);
    free(status);
    free(errs);
    return st;
}
