/*
 * Kronecker-factored Laplace approximation (Ritter, Botev & Barber 2018,
 * "A Scalable Laplace Approximation for Neural Networks"; laplace-torch's
 * KronLaplace) on the network engine: per dense layer the generalised
 * Gauss-Newton block is approximated by N (G_l (x) A_l), its factors
 * eigendecomposed once, and the damped inverse, GLM predictive and
 * posterior draws read off the eigenbases.
 */
#include "approx_internal.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <stdlib.h>
#include <string.h>

/* m_l = w_l + 1 (inputs with the bias), o_l = w_{l+1}. */
static size_t fin(const bk_net *net, size_t l) { return net->widths[l] + 1; }
static size_t fout(const bk_net *net, size_t l) { return net->widths[l + 1]; }

size_t bk_kfac_size(const bk_net *net) {
    if (!net) return 0;
    size_t s = 0;
    for (size_t l = 0; l < net->nlayers; l++) s += fin(net, l) * fin(net, l) + fout(net, l) * fout(net, l);
    return s;
}

size_t bk_kfac_nvalues(const bk_net *net) {
    if (!net) return 0;
    size_t s = 0;
    for (size_t l = 0; l < net->nlayers; l++) s += fin(net, l) + fout(net, l);
    return s;
}

static int check_lik(const bk_net *net, const bk_likelihood *lik, bk_error *err) {
    if (!lik) return bk_error_set(err, BK_EINVAL, "likelihood is NULL");
    if (lik->kind == BK_LIK_GAUSSIAN_LEARNED_NOISE)
        return bk_error_set(err, BK_EINVAL, "KFAC Laplace needs a fixed noise sd (gaussian, bernoulli or categorical)");
    return bk_likelihood_check(net, lik, err);
}

/* The columns v_c of a square root of the Hessian of the NLL in the outputs
 * f of one row (Lambda = sum_c v_c v_c^T, k x k row-major, column c at
 * [a k + c]): sqrt(beta) I; sqrt(p (1 - p)); sqrt(p_c) (e_c - p). */
static void hessian_sqrt(const bk_likelihood *lik, size_t k, const double *f, double *v, double *p) {
    memset(v, 0, k * k * sizeof *v);
    switch (lik->kind) {
    case BK_LIK_GAUSSIAN:
        for (size_t a = 0; a < k; a++) v[a * k + a] = 1.0 / lik->sigma;
        break;
    case BK_LIK_BERNOULLI: {
        const double q = bk_sigmoid(f[0]);
        v[0] = sqrt(q * (1.0 - q));
        break;
    }
    default: {
        double mx = f[0], z = 0.0;
        for (size_t a = 1; a < k; a++) mx = f[a] > mx ? f[a] : mx;
        for (size_t a = 0; a < k; a++) z += (p[a] = exp(f[a] - mx));
        for (size_t a = 0; a < k; a++) p[a] /= z;
        for (size_t c = 0; c < k; c++) {
            const double s = sqrt(p[c]);
            for (size_t a = 0; a < k; a++) v[a * k + c] = s * ((a == c ? 1.0 : 0.0) - p[a]);
        }
    }
    }
}

/* The input of layer l with the bias appended, from a one-row forward pass. */
static void layer_input(const bk_net *net, const bk_net_work *ws, const double *x, size_t l, double *abar) {
    const size_t w = net->widths[l];
    memcpy(abar, l == 0 ? x : ws->a[l - 1], w * sizeof *abar);
    abar[w] = 1.0;
}

int bk_kfac_factors(const bk_net *net, const double *theta, const bk_likelihood *lik, size_t n, const double *x,
                    const double *y, double *factors, double *loglik, bk_error *err) {
    bk_init();
    if (!net || !theta || !factors || !loglik) return bk_error_set(err, BK_EINVAL, "network, weights or outputs is NULL");
    int st = check_lik(net, lik, err);
    if (st) return st;
    if ((st = bk_nn_check_data(net, lik, n, x, y, err))) return st;
    const size_t L = net->nlayers, d = net->widths[0], k = net->widths[L], P = net->nparams;
    const size_t q = bk_likelihood_ycols(net, lik);
    bk_net_work *ws = NULL;
    double *acc = calloc(bk_kfac_size(net), sizeof *acc), *grad = malloc(P * sizeof *grad);
    double *v = malloc(k * k * sizeof *v), *p = malloc(k * sizeof *p), *abar = malloc((net->maxw + 1) * sizeof *abar);
    double *fr = malloc(k * sizeof *fr), *dout = malloc(k * sizeof *dout);
    if (!acc || !grad || !v || !p || !abar || !fr || !dout) {
        st = bk_error_set(err, BK_ENOMEM, "cannot allocate KFAC factors");
        goto done;
    }
    if ((st = bk_net_work_alloc(net, 1, &ws, err))) goto done;
    const double ls = lik->kind == BK_LIK_GAUSSIAN ? log(lik->sigma) : 0.0;
    double ll = 0.0;
    for (size_t r = 0; r < n; r++) {
        const double *xr = x + r * d;
        const double *f = bk_net_forward_raw(net, theta, 1, xr, ws);
        ll += bk_nn_loglik_outputs(net, lik, ls, exp(-2.0 * ls), 1, y + r * q, f, NULL, NULL);
        memcpy(fr, f, k * sizeof *fr);
        hessian_sqrt(lik, k, fr, v, p);
        double *A = acc;
        for (size_t l = 0; l < L; l++) { /* A_l += abar abar^T */
            const size_t m = fin(net, l);
            layer_input(net, ws, xr, l, abar);
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < m; j++) A[i * m + j] += abar[i] * abar[j];
            A += m * m + fout(net, l) * fout(net, l);
        }
        for (size_t c = 0; c < k; c++) { /* G_l += g g^T, g = d(v_c . f)/dz_{l+1}: the bias gradient */
            int any = 0;
            for (size_t a = 0; a < k; a++) any |= (dout[a] = v[a * k + c]) != 0.0;
            if (!any) continue;
            bk_net_backward_raw(net, theta, dout, grad, NULL, ws);
            double *G = acc;
            for (size_t l = 0; l < L; l++) {
                const size_t m = fin(net, l), o = fout(net, l);
                const double *g = grad + net->woff[l] + o * (m - 1);
                G += m * m;
                for (size_t i = 0; i < o; i++)
                    for (size_t j = 0; j < o; j++) G[i * o + j] += g[i] * g[j];
                G += o * o;
            }
        }
    }
    if (!isfinite(ll)) {
        st = bk_error_set(err, BK_ENONFINITE, "log-likelihood at the weights is not finite");
        goto done;
    }
    const size_t S = bk_kfac_size(net);
    for (size_t i = 0; i < S; i++) factors[i] = acc[i] / (double)n;
    *loglik = ll;
done:
    bk_net_work_free(ws);
    free(acc);
    free(grad);
    free(v);
    free(p);
    free(abar);
    free(fr);
    free(dout);
    return st;
}

/* Eigendecomposition of one symmetric m x m block: Q row-major with column
 * j the eigenvector of lambda_j (ascending), negative round-off set to 0. */
static int eigen_block(size_t m, const double *a, double *q, double *lambda, gsl_eigen_symmv_workspace *w,
                       double *copy, bk_error *err) {
    memcpy(copy, a, m * m * sizeof *copy);
    gsl_matrix_view A = gsl_matrix_view_array(copy, m, m);
    gsl_matrix_view Q = gsl_matrix_view_array(q, m, m);
    gsl_vector_view e = gsl_vector_view_array(lambda, m);
    if (gsl_eigen_symmv(&A.matrix, &e.vector, &Q.matrix, w) != GSL_SUCCESS)
        return bk_error_set(err, BK_ESOLVER, "eigendecomposition of a %zu x %zu KFAC factor failed", m, m);
    if (gsl_eigen_symmv_sort(&e.vector, &Q.matrix, GSL_EIGEN_SORT_VAL_ASC) != GSL_SUCCESS)
        return bk_error_set(err, BK_ESOLVER, "sorting the eigenvalues of a KFAC factor failed");
    for (size_t i = 0; i < m; i++) lambda[i] = lambda[i] > 0.0 ? lambda[i] : 0.0;
    return BK_SUCCESS;
}

int bk_kfac_eigen(const bk_net *net, const double *factors, double *vectors, double *values, bk_error *err) {
    bk_init();
    if (!net || !factors || !vectors || !values) return bk_error_set(err, BK_EINVAL, "network, factors or outputs is NULL");
    if (!bk_all_finite(factors, bk_kfac_size(net))) return bk_error_set(err, BK_ENONFINITE, "KFAC factors contain NaN or infinity");
    const size_t mx = net->maxw + 1;
    double *copy = malloc(mx * mx * sizeof *copy);
    int st = BK_SUCCESS;
    if (!copy) st = bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu eigen buffer", mx, mx);
    size_t off = 0, voff = 0;
    for (size_t l = 0; l < net->nlayers && !st; l++) {
        const size_t m = fin(net, l), o = fout(net, l);
        gsl_eigen_symmv_workspace *wm = gsl_eigen_symmv_alloc(m), *wo = gsl_eigen_symmv_alloc(o);
        if (!wm || !wo) st = bk_error_set(err, BK_ENOMEM, "cannot allocate an eigen workspace");
        if (!st) st = eigen_block(m, factors + off, vectors + off, values + voff, wm, copy, err);
        if (!st) st = eigen_block(o, factors + off + m * m, vectors + off + m * m, values + voff + m, wo, copy, err);
        if (wm) gsl_eigen_symmv_free(wm);
        if (wo) gsl_eigen_symmv_free(wo);
        off += m * m + o * o;
        voff += m + o;
    }
    free(copy);
    return st;
}

static int check_posterior(const bk_net *net, const double *vectors, const double *values, double count, double delta,
                           bk_error *err) {
    if (!net || !vectors || !values) return bk_error_set(err, BK_EINVAL, "network or eigenbases is NULL");
    if (!(count > 0.0) || !isfinite(count)) return bk_error_set(err, BK_EINVAL, "data count must be positive, got %g", count);
    if (!(delta > 0.0) || !isfinite(delta))
        return bk_error_set(err, BK_EINVAL, "prior precision must be positive and finite, got %g", delta);
    return BK_SUCCESS;
}

int bk_kfac_predict(const bk_net *net, const double *theta, const double *vectors, const double *values, double count,
                    double delta, size_t n, const double *x, double *mean, double *cov, bk_error *err) {
    bk_init();
    int st = check_posterior(net, vectors, values, count, delta, err);
    if (st) return st;
    if (!theta || !mean || !cov || (n > 0 && !x)) return bk_error_set(err, BK_EINVAL, "weights, inputs or outputs is NULL");
    const size_t L = net->nlayers, d = net->widths[0], k = net->widths[L], P = net->nparams, mx = net->maxw + 1;
    if (n > 0 && !bk_all_finite(x, n * d)) return bk_error_set(err, BK_ENONFINITE, "inputs contain NaN or infinity");
    bk_net_work *ws = NULL;
    double *grad = malloc(P * sizeof *grad), *abar = malloc(mx * sizeof *abar);
    double *pa = malloc(L * mx * sizeof *pa);      /* per layer Q_A^T abar, squared */
    double *qg = malloc(k * L * mx * sizeof *qg);  /* per output and layer Q_G^T g_a */
    double *dout = malloc(k * sizeof *dout);
    if (!grad || !abar || !pa || !qg || !dout) {
        st = bk_error_set(err, BK_ENOMEM, "cannot allocate KFAC predictive buffers");
        goto done;
    }
    if ((st = bk_net_work_alloc(net, 1, &ws, err))) goto done;
    for (size_t r = 0; r < n; r++) {
        const double *xr = x + r * d;
        const double *f = bk_net_forward_raw(net, theta, 1, xr, ws);
        memcpy(mean + r * k, f, k * sizeof *mean);
        size_t off = 0;
        for (size_t l = 0; l < L; l++) {
            const size_t m = fin(net, l), o = fout(net, l);
            const double *QA = vectors + off;
            layer_input(net, ws, xr, l, abar);
            for (size_t j = 0; j < m; j++) {
                double s = 0.0;
                for (size_t i = 0; i < m; i++) s += QA[i * m + j] * abar[i];
                pa[l * mx + j] = s * s;
            }
            off += m * m + o * o;
        }
        for (size_t a = 0; a < k; a++) {
            memset(dout, 0, k * sizeof *dout);
            dout[a] = 1.0;
            bk_net_backward_raw(net, theta, dout, grad, NULL, ws);
            off = 0;
            for (size_t l = 0; l < L; l++) {
                const size_t m = fin(net, l), o = fout(net, l);
                const double *QG = vectors + off + m * m, *g = grad + net->woff[l] + o * (m - 1);
                for (size_t j = 0; j < o; j++) {
                    double s = 0.0;
                    for (size_t i = 0; i < o; i++) s += QG[i * o + j] * g[i];
                    qg[(a * L + l) * mx + j] = s;
                }
                off += m * m + o * o;
            }
        }
        /* cov_ab = sum_l sum_ij qg_a,i qg_b,i pa_j / (N lambdaG_i lambdaA_j + delta) */
        for (size_t a = 0; a < k; a++) {
            for (size_t b = a; b < k; b++) {
                double s = 0.0;
                size_t voff = 0;
                for (size_t l = 0; l < L; l++) {
                    const size_t m = fin(net, l), o = fout(net, l);
                    const double *lA = values + voff, *lG = values + voff + m;
                    const double *qa = qg + (a * L + l) * mx, *qb = qg + (b * L + l) * mx, *pl = pa + l * mx;
                    for (size_t i = 0; i < o; i++) {
                        const double w = qa[i] * qb[i];
                        if (w == 0.0) continue;
                        double t = 0.0;
                        for (size_t j = 0; j < m; j++) t += pl[j] / (count * lG[i] * lA[j] + delta);
                        s += w * t;
                    }
                    voff += m + o;
                }
                cov[(r * k + a) * k + b] = cov[(r * k + b) * k + a] = s;
            }
        }
    }
done:
    bk_net_work_free(ws);
    free(grad);
    free(abar);
    free(pa);
    free(qg);
    free(dout);
    return st;
}

int bk_kfac_sample(bk_rng *rng, const bk_net *net, const double *theta, const double *vectors, const double *values,
                   double count, double delta, double *out, bk_error *err) {
    bk_init();
    int st = check_posterior(net, vectors, values, count, delta, err);
    if (st) return st;
    if (!rng || !theta || !out) return bk_error_set(err, BK_EINVAL, "generator, weights or output is NULL");
    const size_t mx = net->maxw + 1;
    double *z = malloc(mx * mx * sizeof *z), *t = malloc(mx * mx * sizeof *t);
    if (!z || !t) {
        free(z);
        free(t);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate KFAC sampling buffers");
    }
    memcpy(out, theta, net->nparams * sizeof *out);
    size_t off = 0, voff = 0;
    for (size_t l = 0; l < net->nlayers; l++) {
        const size_t m = fin(net, l), o = fout(net, l);
        const double *QA = vectors + off, *QG = vectors + off + m * m, *lA = values + voff, *lG = values + voff + m;
        /* Z_ij / sqrt(N lambdaG_i lambdaA_j + delta) in the eigenbasis, then Delta = Q_G Z Q_A^T. */
        for (size_t i = 0; i < o; i++)
            for (size_t j = 0; j < m; j++) z[i * m + j] = bk_rng_normal(rng) / sqrt(count * lG[i] * lA[j] + delta);
        for (size_t i = 0; i < o; i++) /* t = Q_G z */
            for (size_t j = 0; j < m; j++) {
                double s = 0.0;
                for (size_t u = 0; u < o; u++) s += QG[i * o + u] * z[u * m + j];
                t[i * m + j] = s;
            }
        double *W = out + net->woff[l], *b = W + o * (m - 1);
        for (size_t i = 0; i < o; i++)
            for (size_t j = 0; j < m; j++) {
                double s = 0.0;
                for (size_t u = 0; u < m; u++) s += t[i * m + u] * QA[j * m + u];
                if (j + 1 < m)
                    W[i * (m - 1) + j] += s;
                else
                    b[i] += s;
            }
        off += m * m + o * o;
        voff += m + o;
    }
    free(z);
    free(t);
    return BK_SUCCESS;
}
