/*
 * Fits built on the optimisers: maximising any log density (MAP), the
 * mean-squared-error fit of a network (seed 000's MH initialisation), and a
 * finite-difference gradient for checking hand-written gradients.
 */
#include "bayeskit/optim.h"
#include "nn_internal.h"

#include <stdlib.h>
#include <string.h>

int bk_logdensity_fd_gradient(bk_logdensity_fn fn, void *ctx, size_t dim, const double *theta, double h,
                              double *grad, bk_error *err) {
    if (!fn || !theta || !grad) return bk_error_set(err, BK_EINVAL, "function, parameters or gradient is NULL");
    if (!(h > 0.0)) return bk_error_set(err, BK_EINVAL, "finite-difference step must be positive, got %g", h);
    double *t = malloc((dim ? dim : 1) * sizeof *t);
    if (!t) return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu parameters", dim);
    memcpy(t, theta, dim * sizeof *t);
    int st = BK_SUCCESS;
    for (size_t i = 0; i < dim && !st; i++) {
        const double hi = h * (fabs(theta[i]) > 1.0 ? fabs(theta[i]) : 1.0);
        double fp = 0.0, fm = 0.0;
        t[i] = theta[i] + hi;
        st = fn(ctx, dim, t, &fp, NULL);
        if (!st) {
            t[i] = theta[i] - hi;
            st = fn(ctx, dim, t, &fm, NULL);
        }
        t[i] = theta[i];
        if (!st) grad[i] = (fp - fm) / (2.0 * hi);
    }
    free(t);
    if (st) return bk_error_set(err, st, "log density failed during finite differences (%s)", bk_strerror(st));
    return BK_SUCCESS;
}

int bk_optim_maximize(bk_optim *opt, bk_logdensity_fn fn, void *ctx, size_t dim, double *theta, size_t steps,
                      double *history, bk_error *err) {
    if (!opt || !fn || !theta) return bk_error_set(err, BK_EINVAL, "optimizer, function or parameters is NULL");
    if (dim != bk_optim_dim(opt))
        return bk_error_set(err, BK_EDIM, "optimizer has %zu parameters, the log density %zu", bk_optim_dim(opt), dim);
    double *grad = malloc(dim * sizeof *grad);
    if (!grad) return bk_error_set(err, BK_ENOMEM, "cannot allocate a gradient of %zu values", dim);
    int st = BK_SUCCESS;
    for (size_t s = 0; s < steps; s++) {
        double lp = 0.0;
        st = fn(ctx, dim, theta, &lp, grad);
        if (st) {
            bk_error_set(err, st, "log density failed at step %zu (%s)", s, bk_strerror(st));
            break;
        }
        if (!isfinite(lp) || !bk_all_finite(grad, dim)) {
            st = bk_error_set(err, BK_ENONFINITE,
                              "optimization diverged at step %zu: the log density or its gradient is not finite "
                              "(log density %g); parameters are the last finite ones",
                              s, lp);
            break;
        }
        if (history) history[s] = -lp;
        for (size_t i = 0; i < dim; i++) grad[i] = -grad[i];
        if ((st = bk_optim_step(opt, theta, grad, err))) break;
    }
    free(grad);
    return st;
}

int bk_nn_fit_mse(bk_optim *opt, const bk_net *net, size_t n, const double *x, const double *y, double *theta,
                  size_t steps, double *history, bk_error *err) {
    if (!opt || !net || !theta) return bk_error_set(err, BK_EINVAL, "optimizer, network or parameters is NULL");
    const size_t P = net->nparams, k = net->widths[net->nlayers];
    if (bk_optim_dim(opt) != P)
        return bk_error_set(err, BK_EDIM, "optimizer has %zu parameters, the network %zu", bk_optim_dim(opt), P);
    const bk_likelihood lik = {.kind = BK_LIK_GAUSSIAN, .sigma = 1.0};
    int st = bk_nn_check_data(net, &lik, n, x, y, err);
    if (st) return st;
    bk_net_work *ws = NULL;
    if ((st = bk_net_work_alloc(net, n, &ws, err))) return st;
    double *grad = malloc(P * sizeof *grad);
    if (!grad) {
        bk_net_work_free(ws);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a gradient of %zu values", P);
    }
    const size_t m = n * k;
    const double scale = 2.0 / (double)m;
    for (size_t s = 0; s < steps; s++) {
        const double *f = bk_net_forward_raw(net, theta, n, x, ws);
        double ss = 0.0;
        for (size_t i = 0; i < m; i++) {
            const double r = f[i] - y[i];
            ss += r * r;
            ws->dout[i] = scale * r;
        }
        const double loss = ss / (double)m;
        if (!isfinite(loss)) {
            st = bk_error_set(err, BK_ENONFINITE,
                              "MSE fit diverged at step %zu: the loss is not finite; parameters are the last finite ones",
                              s);
            break;
        }
        if (history) history[s] = loss;
        bk_net_backward_raw(net, theta, ws->dout, grad, NULL, ws);
        if ((st = bk_optim_step(opt, theta, grad, err))) break;
    }
    free(grad);
    bk_net_work_free(ws);
    return st;
}
