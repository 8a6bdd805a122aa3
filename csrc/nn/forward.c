/*
 * Forward and reverse-mode passes of a dense network over a batch of rows,
 * and the predictive over many weight vectors (OpenMP over weight vectors).
 *
 * Inside the workspace activations are UNIT-MAJOR: layer values are stored
 * as (units x n) arrays, so that every inner loop runs over the n rows,
 * contiguous and vectorisable, whatever the (often tiny) layer widths. With
 * A (in x n), W (out x in), Z (out x n):
 *     forward   Z = W A + b 1^T,            a = act(Z)
 *     backward  dW = D A^T,  db = D 1,  dA = W^T D,  dZ_prev = dA * act'(Z_prev)
 * with D = dL/dZ (out x n). Row-major inputs (n x d) and outputs (n x k) are
 * transposed at the boundary when d > 1 or k > 1 (for one input or one
 * output the two layouts are the same memory). Small layers use plain loops
 * (no call overhead: the seed's 1-5-1 network), larger ones cblas_dgemm.
 */
#include "lines.h"
#include "nn_internal.h"
#include "omp_shim.h"

#include <gsl/gsl_cblas.h>
#include <stdlib.h>
#include <string.h>

void bk_net_work_free(bk_net_work *ws) {
    if (!ws) return;
    if (ws->z)
        for (size_t l = 0; l < ws->nlayers; l++) free(ws->z[l]);
    if (ws->a)
        for (size_t l = 0; l + 1 < ws->nlayers; l++) free(ws->a[l]);
    free(ws->z);
    free(ws->a);
    free(ws->d0);
    free(ws->d1);
    free(ws->dout);
    free(ws->xt);
    free(ws->out);
    free(ws->widths);
    free(ws);
}

int bk_net_work_alloc(const bk_net *net, size_t max_rows, bk_net_work **out, bk_error *err) {
    bk_init();
    if (!net || !out) return bk_error_set(err, BK_EINVAL, "network or output pointer is NULL");
    if (max_rows == 0) return bk_error_set(err, BK_EINVAL, "workspace needs max_rows >= 1, got 0");
    const size_t L = net->nlayers, d = net->widths[0], k = net->widths[L];
    /* whole cache lines: workspaces of different threads never share one */
    bk_net_work *ws = bk_calloc_lines(1, sizeof *ws);
    if (!ws) return bk_error_set(err, BK_ENOMEM, "cannot allocate a network workspace");
    ws->nlayers = L;
    ws->nparams = net->nparams;
    ws->max_rows = max_rows;
    ws->z = calloc(L, sizeof *ws->z);
    ws->a = calloc(L, sizeof *ws->a);
    ws->widths = malloc((L + 1) * sizeof *ws->widths);
    ws->d0 = bk_alloc_lines(max_rows * net->maxw * sizeof(double));
    ws->d1 = bk_alloc_lines(max_rows * net->maxw * sizeof(double));
    ws->dout = bk_alloc_lines(max_rows * k * sizeof(double));
    ws->xt = d > 1 ? bk_alloc_lines(max_rows * d * sizeof(double)) : NULL;
    ws->out = k > 1 ? bk_alloc_lines(max_rows * k * sizeof(double)) : NULL;
    int ok = ws->z && ws->a && ws->widths && ws->d0 && ws->d1 && ws->dout && (d == 1 || ws->xt) && (k == 1 || ws->out);
    for (size_t l = 0; ok && l < L; l++) {
        ws->z[l] = bk_alloc_lines(max_rows * net->widths[l + 1] * sizeof(double));
        ok = ws->z[l] != NULL;
        if (ok && l + 1 < L) {
            ws->a[l] = bk_alloc_lines(max_rows * net->widths[l + 1] * sizeof(double));
            ok = ws->a[l] != NULL;
        }
    }
    if (!ok) {
        bk_net_work_free(ws);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a network workspace for %zu rows", max_rows);
    }
    ws->a[L - 1] = ws->z[L - 1]; /* output layer is the identity; not freed separately */
    memcpy(ws->widths, net->widths, (L + 1) * sizeof *ws->widths);
    *out = ws;
    return BK_SUCCESS;
}

size_t bk_net_work_max_rows(const bk_net_work *ws) { return ws ? ws->max_rows : 0; }

const double *bk_net_work_activations(const bk_net_work *ws, size_t l) {
    if (!ws || l == 0 || l > ws->nlayers || ws->rows == 0) return NULL;
    return ws->a[l - 1];
}

int bk_net_work_matches(const bk_net *net, const bk_net_work *ws, size_t n, bk_error *err) {
    if (ws->nlayers != net->nlayers || ws->nparams != net->nparams ||
        memcmp(ws->widths, net->widths, (net->nlayers + 1) * sizeof *ws->widths) != 0)
        return bk_error_set(err, BK_EDIM, "workspace was allocated for a different network architecture");
    if (n > ws->max_rows)
        return bk_error_set(err, BK_EDIM, "%zu rows exceed the workspace's capacity of %zu rows", n, ws->max_rows);
    return BK_SUCCESS;
}

static inline int use_blas(size_t n, size_t in, size_t out) {
    return in >= BK_NN_BLAS_MIN_WIDTH && out >= BK_NN_BLAS_MIN_WIDTH && n * in * out >= BK_NN_BLAS_MIN_WORK;
}

int bk_net_uses_blas(const bk_net *net, size_t nrows) {
    if (!net) return 0;
    for (size_t l = 0; l < net->nlayers; l++)
        if (use_blas(nrows, net->widths[l], net->widths[l + 1])) return 1;
    return 0;
}

/* dst (cols x rows) = src^T for row-major src (rows x cols). */
static void transpose(size_t rows, size_t cols, const double *restrict src, double *restrict dst) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

static void apply_activation(int act, size_t m, const double *restrict z, double *restrict a) {
    switch (act) {
    case BK_ACT_RELU:
        for (size_t i = 0; i < m; i++) a[i] = z[i] > 0.0 ? z[i] : 0.0;
        break;
    case BK_ACT_TANH:
        for (size_t i = 0; i < m; i++) a[i] = tanh(z[i]);
        break;
    case BK_ACT_SIGMOID:
        for (size_t i = 0; i < m; i++) a[i] = bk_sigmoid(z[i]);
        break;
    case BK_ACT_SOFTPLUS:
        for (size_t i = 0; i < m; i++) a[i] = bk_softplus(z[i]);
        break;
    case BK_ACT_SIN:
        for (size_t i = 0; i < m; i++) a[i] = sin(z[i]);
        break;
    default: memcpy(a, z, m * sizeof *a);
    }
}

/* d[i] *= act'(z[i]), with a = act(z) at hand. */
static void times_activation_derivative(int act, size_t m, const double *restrict z, const double *restrict a,
                                        double *restrict d) {
    switch (act) {
    case BK_ACT_RELU:
        for (size_t i = 0; i < m; i++) d[i] = z[i] > 0.0 ? d[i] : 0.0;
        break;
    case BK_ACT_TANH:
        for (size_t i = 0; i < m; i++) d[i] *= 1.0 - a[i] * a[i];
        break;
    case BK_ACT_SIGMOID:
        for (size_t i = 0; i < m; i++) d[i] *= a[i] * (1.0 - a[i]);
        break;
    case BK_ACT_SOFTPLUS:
        for (size_t i = 0; i < m; i++) d[i] *= bk_sigmoid(z[i]);
        break;
    case BK_ACT_SIN:
        for (size_t i = 0; i < m; i++) d[i] *= cos(z[i]);
        break;
    default: break;
    }
}

/* Z (out x n) = W A + b 1^T for A (in x n), summing b + W_i0 A_0 + W_i1 A_1 + ... per row. */
static void dense_forward(size_t n, size_t in, size_t out, const double *restrict A, const double *restrict W,
                          const double *restrict b, double *restrict Z) {
    if (use_blas(n, in, out)) {
        for (size_t i = 0; i < out; i++) {
            double *restrict zi = Z + i * n;
            const double bi = b[i];
            for (size_t r = 0; r < n; r++) zi[r] = bi;
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)out, (int)n, (int)in, 1.0, W, (int)in, A, (int)n,
                    1.0, Z, (int)n);
        return;
    }
    for (size_t i = 0; i < out; i++) {
        double *restrict zi = Z + i * n;
        const double bi = b[i], w0 = W[i * in];
        for (size_t r = 0; r < n; r++) zi[r] = bi + w0 * A[r];
        for (size_t j = 1; j < in; j++) {
            const double w = W[i * in + j];
            const double *restrict aj = A + j * n;
            for (size_t r = 0; r < n; r++) zi[r] += w * aj[r];
        }
    }
}

/* sum_r u[r] v[r] with four partial sums (independent add chains). */
static inline double dot(size_t n, const double *restrict u, const double *restrict v) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t r = 0;
    for (; r + 4 <= n; r += 4) {
        s0 += u[r] * v[r];
        s1 += u[r + 1] * v[r + 1];
        s2 += u[r + 2] * v[r + 2];
        s3 += u[r + 3] * v[r + 3];
    }
    for (; r < n; r++) s0 += u[r] * v[r];
    return (s0 + s1) + (s2 + s3);
}

static inline double sum(size_t n, const double *restrict u) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t r = 0;
    for (; r + 4 <= n; r += 4) {
        s0 += u[r];
        s1 += u[r + 1];
        s2 += u[r + 2];
        s3 += u[r + 3];
    }
    for (; r < n; r++) s0 += u[r];
    return (s0 + s1) + (s2 + s3);
}

/* Given D = dL/dZ (out x n): gW = D A^T, gb = D 1 and, when Dprev is not
 * NULL, Dprev (in x n) = W^T D. */
static void dense_backward(size_t n, size_t in, size_t out, const double *restrict D, const double *restrict A,
                           const double *restrict W, double *restrict gW, double *restrict gb,
                           double *restrict Dprev) {
    for (size_t i = 0; i < out; i++) gb[i] = sum(n, D + i * n);
    if (use_blas(n, in, out)) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)out, (int)in, (int)n, 1.0, D, (int)n, A, (int)n,
                    0.0, gW, (int)in);
        if (Dprev)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)in, (int)n, (int)out, 1.0, W, (int)in, D, (int)n,
                        0.0, Dprev, (int)n);
        return;
    }
    for (size_t i = 0; i < out; i++)
        for (size_t j = 0; j < in; j++) gW[i * in + j] = dot(n, D + i * n, A + j * n);
    if (!Dprev) return;
    for (size_t j = 0; j < in; j++) {
        double *restrict pj = Dprev + j * n;
        const double w0 = W[j];
        const double *restrict d0 = D;
        for (size_t r = 0; r < n; r++) pj[r] = w0 * d0[r];
        for (size_t i = 1; i < out; i++) {
            const double w = W[i * in + j];
            const double *restrict di = D + i * n;
            for (size_t r = 0; r < n; r++) pj[r] += w * di[r];
        }
    }
}

const double *bk_net_forward_raw(const bk_net *net, const double *theta, size_t n, const double *x, bk_net_work *ws) {
    return bk_net_forward_masked_raw(net, theta, n, x, ws, NULL);
}

/* Value-only forward of a one-hidden-layer network with one input and one
 * output (the seed's 1-H-1 regression net): f_r = b1 + sum_i W1_i act(W0_i x_r + b0_i)
 * in one pass per hidden unit, without storing hidden activations. Same
 * operations in the same order as the layered pass, so the same numbers. */
static void forward_1h1(const bk_net *net, const double *theta, size_t n, const double *restrict x,
                        double *restrict f) {
    const size_t H = net->widths[1];
    const double *W0 = theta, *b0 = theta + H, *W1 = theta + 2 * H, b1 = theta[3 * H];
    for (size_t r = 0; r < n; r++) f[r] = b1;
    for (size_t i = 0; i < H; i++) {
        const double w = W0[i], b = b0[i], v = W1[i];
        switch (net->acts[0]) {
        case BK_ACT_RELU:
            for (size_t r = 0; r < n; r++) {
                const double z = b + w * x[r];
                f[r] += v * (z > 0.0 ? z : 0.0);
            }
            break;
        case BK_ACT_TANH:
            for (size_t r = 0; r < n; r++) f[r] += v * tanh(b + w * x[r]);
            break;
        case BK_ACT_SIGMOID:
            for (size_t r = 0; r < n; r++) f[r] += v * bk_sigmoid(b + w * x[r]);
            break;
        case BK_ACT_SOFTPLUS:
            for (size_t r = 0; r < n; r++) f[r] += v * bk_softplus(b + w * x[r]);
            break;
        case BK_ACT_SIN:
            for (size_t r = 0; r < n; r++) f[r] += v * sin(b + w * x[r]);
            break;
        default:
            for (size_t r = 0; r < n; r++) f[r] += v * (b + w * x[r]);
        }
    }
}

const double *bk_net_forward_value_raw(const bk_net *net, const double *theta, size_t n, const double *x,
                                       bk_net_work *ws) {
    if (net->nlayers != 2 || net->widths[0] != 1 || net->widths[2] != 1 || use_blas(n, 1, net->widths[1]))
        return bk_net_forward_raw(net, theta, n, x, ws);
    forward_1h1(net, theta, n, x, ws->z[1]);
    ws->rows = 0; /* hidden activations were not stored: no backward from here */
    ws->x0 = NULL;
    return ws->z[1];
}

void bk_net_backward_raw(const bk_net *net, const double *theta, const double *dout, double *grad_theta,
                         double *grad_x, bk_net_work *ws) {
    const size_t n = ws->rows, L = net->nlayers, d = net->widths[0], k = net->widths[L];
    const double *D = dout;
    if (k > 1) { /* row-major n x k into unit-major k x n */
        double *t = (dout == ws->d0) ? ws->d1 : ws->d0;
        transpose(n, k, dout, t);
        D = t;
    }
    for (size_t l = L; l-- > 0;) {
        const size_t in = net->widths[l], out = net->widths[l + 1];
        const double *W = theta + net->woff[l];
        const double *A = l > 0 ? ws->a[l - 1] : ws->x0;
        double *gW = grad_theta + net->woff[l], *gb = gW + out * in;
        double *Dprev = NULL; /* where dL/dA goes: the other delta buffer, grad_x, or nowhere */
        if (l > 0)
            Dprev = (D == ws->d0) ? ws->d1 : ws->d0;
        else if (grad_x)
            Dprev = d > 1 ? ((D == ws->d0) ? ws->d1 : ws->d0) : grad_x;
        dense_backward(n, in, out, D, A, W, gW, gb, Dprev);
        if (l == 0) {
            if (grad_x && d > 1) transpose(d, n, Dprev, grad_x);
            break;
        }
        times_activation_derivative(net->acts[l - 1], n * in, ws->z[l - 1], ws->a[l - 1], Dprev);
        D = Dprev;
    }
}

/* ---- Dropout (additive: the passes above are unchanged) ------------------ */

/* d[i] *= act'(z[i]) computed from z alone (the stored activations of a
 * dropout pass are the masked ones, so act' cannot be read off them). */
static void times_activation_derivative_z(int act, size_t m, const double *restrict z, double *restrict d) {
    switch (act) {
    case BK_ACT_RELU:
        for (size_t i = 0; i < m; i++) d[i] = z[i] > 0.0 ? d[i] : 0.0;
        break;
    case BK_ACT_TANH:
        for (size_t i = 0; i < m; i++) {
            const double t = tanh(z[i]);
            d[i] *= 1.0 - t * t;
        }
        break;
    case BK_ACT_SIGMOID:
        for (size_t i = 0; i < m; i++) {
            const double s = bk_sigmoid(z[i]);
            d[i] *= s * (1.0 - s);
        }
        break;
    case BK_ACT_SOFTPLUS:
        for (size_t i = 0; i < m; i++) d[i] *= bk_sigmoid(z[i]);
        break;
    case BK_ACT_SIN:
        for (size_t i = 0; i < m; i++) d[i] *= cos(z[i]);
        break;
    default: break;
    }
}

const double *bk_net_forward_masked_raw(const bk_net *net, const double *theta, size_t n, const double *x,
                                        bk_net_work *ws, const double *const *masks) {
    const size_t L = net->nlayers, d = net->widths[0], k = net->widths[L];
    const double *A = x;
    if (d > 1) {
        transpose(n, d, x, ws->xt);
        A = ws->xt;
    }
    for (size_t l = 0; l < L; l++) {
        const size_t in = net->widths[l], out = net->widths[l + 1];
        const double *W = theta + net->woff[l];
        dense_forward(n, in, out, A, W, W + out * in, ws->z[l]);
        if (l + 1 < L) {
            apply_activation(net->acts[l], n * out, ws->z[l], ws->a[l]);
            const double *restrict m = masks ? masks[l] : NULL;
            if (m) {
                double *restrict a = ws->a[l];
                for (size_t i = 0; i < n * out; i++) a[i] *= m[i];
            }
        }
        A = ws->a[l];
    }
    ws->rows = n;
    ws->x0 = d > 1 ? ws->xt : x;
    if (k == 1) return ws->z[L - 1];
    transpose(k, n, ws->z[L - 1], ws->out);
    return ws->out;
}

void bk_net_backward_masked_raw(const bk_net *net, const double *theta, const double *dout, double *grad_theta,
                                double *grad_x, bk_net_work *ws, const double *const *masks) {
    const size_t n = ws->rows, L = net->nlayers, d = net->widths[0], k = net->widths[L];
    const double *D = dout;
    if (k > 1) {
        double *t = (dout == ws->d0) ? ws->d1 : ws->d0;
        transpose(n, k, dout, t);
        D = t;
    }
    for (size_t l = L; l-- > 0;) {
        const size_t in = net->widths[l], out = net->widths[l + 1];
        const double *W = theta + net->woff[l];
        const double *A = l > 0 ? ws->a[l - 1] : ws->x0;
        double *gW = grad_theta + net->woff[l], *gb = gW + out * in;
        double *Dprev = NULL; /* as bk_net_backward_raw: the other delta buffer, grad_x, or nowhere */
        if (l > 0)
            Dprev = (D == ws->d0) ? ws->d1 : ws->d0;
        else if (grad_x)
            Dprev = d > 1 ? ((D == ws->d0) ? ws->d1 : ws->d0) : grad_x;
        dense_backward(n, in, out, D, A, W, gW, gb, Dprev);
        if (l == 0) {
            if (grad_x && d > 1) transpose(d, n, Dprev, grad_x);
            break;
        }
        const double *restrict m = masks ? masks[l - 1] : NULL;
        if (m)
            for (size_t i = 0; i < n * in; i++) Dprev[i] *= m[i];
        times_activation_derivative_z(net->acts[l - 1], n * in, ws->z[l - 1], Dprev);
        D = Dprev;
    }
}

int bk_net_forward(const bk_net *net, const double *theta, size_t n, const double *x, double *out, bk_net_work *ws,
                   bk_error *err) {
    if (!net || !theta || !ws || (n > 0 && !x))
        return bk_error_set(err, BK_EINVAL, "network, weights, inputs or workspace is NULL");
    if (n == 0) return bk_error_set(err, BK_EINVAL, "forward pass needs at least 1 row, got 0");
    int st = bk_net_work_matches(net, ws, n, err);
    if (st) return st;
    const double *f = bk_net_forward_raw(net, theta, n, x, ws);
    if (out) memcpy(out, f, n * net->widths[net->nlayers] * sizeof *out);
    return BK_SUCCESS;
}

int bk_net_backward(const bk_net *net, const double *theta, const double *dout, double *grad_theta, double *grad_x,
                    bk_net_work *ws, bk_error *err) {
    if (!net || !theta || !dout || !grad_theta || !ws)
        return bk_error_set(err, BK_EINVAL, "network, weights, output gradient, gradient or workspace is NULL");
    int st = bk_net_work_matches(net, ws, ws->rows, err);
    if (st) return st;
    if (ws->rows == 0 || !ws->x0)
        return bk_error_set(err, BK_EINVAL, "backward pass needs a forward pass on the workspace first");
    bk_net_backward_raw(net, theta, dout, grad_theta, grad_x, ws);
    return BK_SUCCESS;
}

int bk_net_predict(const bk_net *net, size_t S, const double *thetas, size_t ldtheta, size_t n, const double *x,
                   double *out, int nthreads, bk_error *err) {
    bk_init();
    if (!net) return bk_error_set(err, BK_EINVAL, "network is NULL");
    if (S == 0 || n == 0) return BK_SUCCESS;
    if (!thetas || !x || !out) return bk_error_set(err, BK_EINVAL, "weights, inputs or output pointer is NULL");
    if (ldtheta < net->nparams)
        return bk_error_set(err, BK_EDIM, "weight rows have stride %zu but the network has %zu parameters", ldtheta,
                            net->nparams);
    if (!bk_all_finite(x, n * net->widths[0]))
        return bk_error_set(err, BK_ENONFINITE, "inputs contain NaN or infinity");
    const size_t k = net->widths[net->nlayers];
    int failed = 0;
    const long long count = (long long)S;
    /* Serial OpenBLAS is not safe from several threads: big layers run on one. */
    const int T = bk_net_uses_blas(net, n) ? 1 : bk_resolve_threads(nthreads);
#pragma omp parallel num_threads(T)
    {
        bk_net_work *ws = NULL;
        if (bk_net_work_alloc(net, n, &ws, NULL) != BK_SUCCESS) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
        for (long long s = 0; s < count; s++) {
            if (!ws) continue;
            const double *f = bk_net_forward_value_raw(net, thetas + (size_t)s * ldtheta, n, x, ws);
            memcpy(out + (size_t)s * n * k, f, n * k * sizeof *out);
        }
        bk_net_work_free(ws);
    }
    if (failed) return bk_error_set(err, BK_ENOMEM, "cannot allocate a network workspace for %zu rows", n);
    return BK_SUCCESS;
}

/* The activation helpers for the other families' own dense layers (sparse VD). */
void bk_nn_act_apply(int act, size_t m, const double *z, double *a) { apply_activation(act, m, z, a); }

void bk_nn_act_times_derivative(int act, size_t m, const double *z, const double *a, double *d) {
    times_activation_derivative(act, m, z, a, d);
}
