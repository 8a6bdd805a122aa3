/* Internal layout of the network engine, shared by the csrc/nn files. */
#ifndef BAYESKIT_NN_INTERNAL_H
#define BAYESKIT_NN_INTERNAL_H

#include "bayeskit/nn.h"

#include <math.h>
#include <stddef.h>

#define BK_LOG_SQRT_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

/* Layers whose product n * in * out reaches this, with in and out both at
 * least BK_NN_BLAS_MIN_WIDTH, go through cblas_dgemm; smaller ones (the seed's
 * 1-5-1 network) use plain loops, whose call overhead is nil. */
#define BK_NN_BLAS_MIN_WIDTH 8
#define BK_NN_BLAS_MIN_WORK 4096

struct bk_net {
    size_t nlayers; /* L */
    size_t nparams; /* P */
    size_t maxw;    /* max_l w_l over l = 0..L */
    size_t *widths; /* L + 1 */
    size_t *woff;   /* L: offset of W_l; b_l at woff[l] + w_{l+1} w_l */
    int *acts;      /* L: acts[L-1] = BK_ACT_IDENTITY */
};

struct bk_net_work {
    size_t nlayers;
    size_t nparams;
    size_t max_rows;
    size_t rows;        /* rows n of the last forward pass (0: none) */
    const double *x0;   /* unit-major inputs (w_0 x n) of the last forward pass */
    size_t *widths;     /* copy of the net's, to recognise it */
    double **z;         /* z[l]: pre-activations of layer l's outputs, unit-major w_{l+1} x n */
    double **a;         /* a[l]: act_l(z[l]); a[L-1] == z[L-1] */
    double *d0, *d1;    /* delta buffers, maxw x max_rows */
    double *dout;       /* max_rows x w_L, row-major: dL/dout filled by the likelihoods */
    double *xt;         /* w_0 x max_rows transposed inputs (NULL when w_0 = 1) */
    double *out;        /* max_rows x w_L row-major outputs (NULL when w_L = 1) */
};

/* Shape check of a workspace against a net; BK_SUCCESS or BK_EDIM. */
int bk_net_work_matches(const bk_net *net, const bk_net_work *ws, size_t n, bk_error *err);

/* Forward / backward without argument checks (hot path). The forward pass
 * returns the outputs, row-major n x w_L (inside ws). The backward pass takes
 * dout = dL/doutputs row-major n x w_L (it may be ws->dout), OVERWRITES
 * grad_theta and, when not NULL, grad_x (row-major n x w_0). */
const double *bk_net_forward_raw(const bk_net *net, const double *theta, size_t n, const double *x, bk_net_work *ws);
void bk_net_backward_raw(const bk_net *net, const double *theta, const double *dout, double *grad_theta,
                         double *grad_x, bk_net_work *ws);
/* Forward pass when only the outputs are needed (no backward follows): 1-H-1
 * networks take a fused path that stores no hidden activation. */
const double *bk_net_forward_value_raw(const bk_net *net, const double *theta, size_t n, const double *x,
                                       bk_net_work *ws);

/* Dropout passes (Srivastava et al. 2014): as the raw passes, with the
 * hidden activations of layer l (l < L-1) multiplied elementwise by masks[l]
 * (unit-major w_{l+1} x n, typically 0 or 1/(1-p); NULL: no dropout there;
 * masks itself may be NULL). The backward pass takes the same masks and
 * computes act' from the pre-activations; grad_x (row-major n x w_0, may be
 * NULL) receives dL/dx as in bk_net_backward_raw. */
const double *bk_net_forward_masked_raw(const bk_net *net, const double *theta, size_t n, const double *x,
                                        bk_net_work *ws, const double *const *masks);
void bk_net_backward_masked_raw(const bk_net *net, const double *theta, const double *dout, double *grad_theta,
                                double *grad_x, bk_net_work *ws, const double *const *masks);

/* Log likelihood of outputs f (n x w_L); when dout is not NULL writes
 * d loglik / d f there and, for the Gaussians, *dlogsigma (when not NULL).
 * Gaussians use log_sigma and prec = exp(-2 log_sigma), passed in so that a
 * fixed noise costs no exp per call. */
double bk_nn_loglik_outputs(const bk_net *net, const bk_likelihood *lik, double log_sigma, double prec, size_t n,
                            const double *y, const double *f, double *dout, double *dlogsigma);

/* Log prior and gradient without checks. */
double bk_nn_logprior_raw(const bk_net *net, const bk_likelihood *lik, const bk_prior *prior, const double *theta,
                          double *grad);

/* a = act(z) and d *= act'(z) (a = act(z) at hand) over m values, the
 * engine's own activation code for dense layers written elsewhere. */
void bk_nn_act_apply(int act, size_t m, const double *z, double *a);
void bk_nn_act_times_derivative(int act, size_t m, const double *z, const double *a, double *d);

/* Stable softplus log(1 + e^z) and sigmoid. */
static inline double bk_softplus(double z) { return (z > 0 ? z : 0.0) + log1p(exp(-fabs(z))); }
static inline double bk_sigmoid(double z) {
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

#endif
