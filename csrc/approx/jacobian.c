/*
 * Jacobians of a network's outputs in its weights, row by row, for the
 * Laplace approximations (the generalised Gauss-Newton J^T Lambda J and the
 * linearised predictive f(x; theta) ~ f(x; theta*) + J (theta - theta*)).
 */
#include "approx_internal.h"

#include <stdlib.h>
#include <string.h>

int bk_approx_jacobian(const bk_net *net, const double *theta, size_t n, const double *x, double *jac,
                       bk_error *err) {
    bk_init();
    if (!net || !theta || !jac || (n > 0 && !x))
        return bk_error_set(err, BK_EINVAL, "network, weights, inputs or output is NULL");
    if (n == 0) return BK_SUCCESS;
    const size_t d = net->widths[0], k = net->widths[net->nlayers], P = net->nparams;
    if (!bk_all_finite(x, n * d)) return bk_error_set(err, BK_ENONFINITE, "inputs contain NaN or infinity");
    bk_net_work *ws = NULL;
    int st = bk_net_work_alloc(net, 1, &ws, err);
    if (st) return st;
    for (size_t r = 0; r < n; r++) {
        bk_net_forward_raw(net, theta, 1, x + r * d, ws);
        for (size_t a = 0; a < k; a++) {
            memset(ws->dout, 0, k * sizeof *ws->dout);
            ws->dout[a] = 1.0;
            bk_net_backward_raw(net, theta, ws->dout, jac + (r * k + a) * P, NULL, ws);
        }
    }
    bk_net_work_free(ws);
    return BK_SUCCESS;
}
