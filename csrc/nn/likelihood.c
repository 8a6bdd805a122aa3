/*
 * Likelihoods of network outputs and Normal priors on the weights.
 * Formulas in include/bayeskit/nn.h.
 */
#include "nn_internal.h"

#include <string.h>

int bk_likelihood_check(const bk_net *net, const bk_likelihood *lik, bk_error *err) {
    if (!net || !lik) return bk_error_set(err, BK_EINVAL, "network or likelihood is NULL");
    const size_t k = net->widths[net->nlayers];
    switch (lik->kind) {
    case BK_LIK_GAUSSIAN:
        if (!(lik->sigma > 0.0) || !isfinite(lik->sigma))
            return bk_error_set(err, BK_EINVAL, "Gaussian noise std must be positive and finite, got %g", lik->sigma);
        return BK_SUCCESS;
    case BK_LIK_GAUSSIAN_LEARNED_NOISE:
        if (!isfinite(lik->log_sigma_mean))
            return bk_error_set(err, BK_EINVAL, "prior mean of log sigma must be finite, got %g", lik->log_sigma_mean);
        if (!(lik->log_sigma_std > 0.0) || !isfinite(lik->log_sigma_std))
            return bk_error_set(err, BK_EINVAL, "prior std of log sigma must be positive and finite, got %g",
                                lik->log_sigma_std);
        return BK_SUCCESS;
    case BK_LIK_BERNOULLI:
        if (k != 1)
            return bk_error_set(err, BK_EDIM, "Bernoulli likelihood needs 1 output (a logit), the network has %zu", k);
        return BK_SUCCESS;
    case BK_LIK_CATEGORICAL:
        if (k < 2)
            return bk_error_set(err, BK_EDIM, "categorical likelihood needs >= 2 outputs (one logit per class), got %zu",
                                k);
        return BK_SUCCESS;
    default: return bk_error_set(err, BK_EINVAL, "unknown likelihood kind %d", lik->kind);
    }
}

size_t bk_nn_dim(const bk_net *net, const bk_likelihood *lik) {
    if (!net) return 0;
    return net->nparams + (lik && lik->kind == BK_LIK_GAUSSIAN_LEARNED_NOISE ? 1 : 0);
}

size_t bk_likelihood_ycols(const bk_net *net, const bk_likelihood *lik) {
    if (!net || !lik) return 0;
    return lik->kind == BK_LIK_BERNOULLI || lik->kind == BK_LIK_CATEGORICAL ? 1 : net->widths[net->nlayers];
}

int bk_nn_check_data(const bk_net *net, const bk_likelihood *lik, size_t n, const double *x, const double *y,
                     bk_error *err) {
    int st = bk_likelihood_check(net, lik, err);
    if (st) return st;
    if (n == 0) return bk_error_set(err, BK_EINVAL, "data have no rows");
    if (!x || !y) return bk_error_set(err, BK_EINVAL, "x or y is NULL");
    const size_t d = net->widths[0], q = bk_likelihood_ycols(net, lik), k = net->widths[net->nlayers];
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return bk_error_set(err, BK_ENONFINITE, "x is not finite at row %zu, column %zu (NaN or infinity in data)",
                                i / d, i % d);
    for (size_t i = 0; i < n * q; i++) {
        if (!isfinite(y[i]))
            return bk_error_set(err, BK_ENONFINITE, "y is not finite at row %zu, column %zu (NaN or infinity in data)",
                                i / q, i % q);
        if (lik->kind == BK_LIK_BERNOULLI && y[i] != 0.0 && y[i] != 1.0)
            return bk_error_set(err, BK_EINVAL, "Bernoulli label at row %zu must be 0 or 1, got %g", i, y[i]);
        if (lik->kind == BK_LIK_CATEGORICAL && (y[i] < 0.0 || y[i] >= (double)k || y[i] != floor(y[i])))
            return bk_error_set(err, BK_EINVAL, "class label at row %zu must be a whole number in 0...%zu, got %g", i,
                                k - 1, y[i]);
    }
    return BK_SUCCESS;
}

double bk_nn_loglik_outputs(const bk_net *net, const bk_likelihood *lik, double log_sigma, double prec, size_t n,
                            const double *y, const double *f, double *dout, double *dlogsigma) {
    const size_t k = net->widths[net->nlayers];
    double ll = 0.0;
    switch (lik->kind) {
    case BK_LIK_GAUSSIAN:
    case BK_LIK_GAUSSIAN_LEARNED_NOISE: {
        const size_t m = n * k;
        double ss = 0.0;
        if (dout) {
            for (size_t i = 0; i < m; i++) {
                const double r = y[i] - f[i];
                ss += r * r;
                dout[i] = r * prec;
            }
        } else {
            for (size_t i = 0; i < m; i++) {
                const double r = y[i] - f[i];
                ss += r * r;
            }
        }
        ll = -0.5 * ss * prec - (double)m * (log_sigma + BK_LOG_SQRT_2PI);
        if (dlogsigma) *dlogsigma = ss * prec - (double)m;
        break;
    }
    case BK_LIK_BERNOULLI:
        /* log p = y f - softplus(f) = -softplus(-f) (y = 1) or -softplus(f) (y = 0) */
        for (size_t r = 0; r < n; r++) {
            const double fr = f[r];
            ll -= y[r] != 0.0 ? bk_softplus(-fr) : bk_softplus(fr);
            if (dout) dout[r] = y[r] - bk_sigmoid(fr);
        }
        break;
    case BK_LIK_CATEGORICAL:
        for (size_t r = 0; r < n; r++) {
            const double *fr = f + r * k;
            double mx = fr[0];
            for (size_t c = 1; c < k; c++) mx = fr[c] > mx ? fr[c] : mx;
            double se = 0.0;
            for (size_t c = 0; c < k; c++) se += exp(fr[c] - mx);
            const double lse = mx + log(se);
            const size_t yr = (size_t)y[r];
            ll += fr[yr] - lse;
            if (dout) {
                double *dr = dout + r * k;
                for (size_t c = 0; c < k; c++) dr[c] = -exp(fr[c] - lse);
                dr[yr] += 1.0;
            }
        }
        break;
    default: return NAN;
    }
    return ll;
}

int bk_nn_loglik(const bk_net *net, const bk_likelihood *lik, const double *theta, size_t n, const double *x,
                 const double *y, double *loglik, double *grad, bk_net_work *ws, bk_error *err) {
    int st = bk_likelihood_check(net, lik, err);
    if (st) return st;
    if (!theta || !x || !y || !loglik || !ws)
        return bk_error_set(err, BK_EINVAL, "weights, data, output or workspace is NULL");
    if (n == 0) return bk_error_set(err, BK_EINVAL, "data have no rows");
    if ((st = bk_net_work_matches(net, ws, n, err))) return st;
    const int learned = lik->kind == BK_LIK_GAUSSIAN_LEARNED_NOISE;
    const double log_sigma = learned ? theta[net->nparams] : (lik->kind == BK_LIK_GAUSSIAN ? log(lik->sigma) : 0.0);
    const double *f = bk_net_forward_raw(net, theta, n, x, ws);
    double dls = 0.0;
    double ll = bk_nn_loglik_outputs(net, lik, log_sigma, exp(-2.0 * log_sigma), n, y, f, grad ? ws->dout : NULL, learned ? &dls : NULL);
    if (grad) {
        bk_net_backward_raw(net, theta, ws->dout, grad, NULL, ws);
        if (learned) grad[net->nparams] = dls;
    }
    *loglik = ll;
    return BK_SUCCESS;
}

int bk_prior_check(const bk_net *net, const bk_prior *prior, bk_error *err) {
    if (!net || !prior) return bk_error_set(err, BK_EINVAL, "network or prior is NULL");
    switch (prior->kind) {
    case BK_PRIOR_NORMAL:
    case BK_PRIOR_FAN_IN:
        if (!(prior->std > 0.0) || !isfinite(prior->std))
            return bk_error_set(err, BK_EINVAL, "prior std must be positive and finite, got %g", prior->std);
        return BK_SUCCESS;
    case BK_PRIOR_PER_LAYER:
        if (prior->nlayer_std != net->nlayers)
            return bk_error_set(err, BK_EDIM, "per-layer prior has %zu stds for %zu layers", prior->nlayer_std,
                                net->nlayers);
        if (!prior->layer_std) return bk_error_set(err, BK_EINVAL, "per-layer prior stds pointer is NULL");
        for (size_t l = 0; l < net->nlayers; l++)
            if (!(prior->layer_std[l] > 0.0) || !isfinite(prior->layer_std[l]))
                return bk_error_set(err, BK_EINVAL, "prior std of layer %zu must be positive and finite, got %g", l,
                                    prior->layer_std[l]);
        return BK_SUCCESS;
    default: return bk_error_set(err, BK_EINVAL, "unknown prior kind %d", prior->kind);
    }
}

static double layer_std(const bk_net *net, const bk_prior *prior, size_t l) {
    switch (prior->kind) {
    case BK_PRIOR_PER_LAYER: return prior->layer_std[l];
    case BK_PRIOR_FAN_IN: return prior->std / sqrt((double)net->widths[l]);
    default: return prior->std;
    }
}

double bk_nn_logprior_raw(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, const double *theta,
                          double *grad) {
    double lp = 0.0;
    for (size_t l = 0; l < net->nlayers; l++) {
        const double s = layer_std(net, prior, l), prec = 1.0 / (s * s);
        const size_t cnt = net->widths[l + 1] * (net->widths[l] + 1);
        const double *w = theta + net->woff[l];
        double ss = 0.0;
        for (size_t i = 0; i < cnt; i++) ss += w[i] * w[i];
        if (grad) {
            double *g = grad + net->woff[l];
            for (size_t i = 0; i < cnt; i++) g[i] = -w[i] * prec;
        }
        lp += -0.5 * ss * prec - (double)cnt * (log(s) + BK_LOG_SQRT_2PI);
    }
    if (lik && lik->kind == BK_LIK_GAUSSIAN_LEARNED_NOISE) {
        const double s = lik->log_sigma_std, z = (theta[net->nparams] - lik->log_sigma_mean) / s;
        lp += -0.5 * z * z - log(s) - BK_LOG_SQRT_2PI;
        if (grad) grad[net->nparams] = -z / s;
    }
    return lp;
}

int bk_nn_logprior(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, const double *theta,
                   double *logprior, double *grad, bk_error *err) {
    int st = bk_prior_check(net, prior, err);
    if (st) return st;
    if (lik && (st = bk_likelihood_check(net, lik, err))) return st;
    if (!theta || !logprior) return bk_error_set(err, BK_EINVAL, "weights or output pointer is NULL");
    *logprior = bk_nn_logprior_raw(net, lik, prior, theta, grad);
    return BK_SUCCESS;
}

int bk_nn_prior_sample(bk_rng *rng, const bk_net *net, const bk_likelihood *lik, const bk_prior *prior,
                       double *theta, bk_error *err) {
    if (!rng) return bk_error_set(err, BK_EINVAL, "generator is NULL");
    int st = bk_prior_check(net, prior, err);
    if (st) return st;
    if (lik && (st = bk_likelihood_check(net, lik, err))) return st;
    if (!theta) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    for (size_t l = 0; l < net->nlayers; l++) {
        const double s = layer_std(net, prior, l);
        const size_t cnt = net->widths[l + 1] * (net->widths[l] + 1);
        for (size_t i = 0; i < cnt; i++) theta[net->woff[l] + i] = s * bk_rng_normal(rng);
    }
    if (lik && lik->kind == BK_LIK_GAUSSIAN_LEARNED_NOISE)
        theta[net->nparams] = lik->log_sigma_mean + lik->log_sigma_std * bk_rng_normal(rng);
    return BK_SUCCESS;
}
