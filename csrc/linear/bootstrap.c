/*
 * Case and residual bootstrap of least-squares / ridge coefficients
 * (Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 9):
 *   w(D) = (Phi^T Phi + diag(penalty))^{-1} Phi^T y.
 * Cases: resample the n rows (phi_i, y_i) with replacement; the resampled
 * Gram matrix is sum_i c_i phi_i phi_i^T with multiplicities c_i.
 * Residuals: y* = Phi w_hat + e*, e* drawn with replacement from the
 * centred residuals of the full-data fit; Phi (and so the factor of the
 * normal equations) is fixed.
 * Resample b draws only from stream b of the seed, and writes only row b of
 * the output, so the draws are identical for every thread count. Inside the
 * parallel loop only plain-C kernels run (no CBLAS; see linear_internal.h).
 */
#include "linear_internal.h"
#include "omp_shim.h"
#include "rng_internal.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    bk_rng *rng;
    size_t *counts; /* n */
    double *buf;    /* 2 BK_LINEAR_BLOCK x m: rows, then their transpose */
    double *ybuf;   /* BK_LINEAR_BLOCK */
    double *ystar;  /* n */
    double *prec;   /* m x m */
    double *chol;   /* m x m */
    double *rhs;    /* m */
} boot_ws;

static void ws_free(boot_ws *w) {
    bk_rng_free(w->rng);
    free(w->counts);
    free(w->buf);
    free(w->ybuf);
    free(w->ystar);
    free(w->prec);
    free(w->chol);
    free(w->rhs);
}

static int ws_alloc(boot_ws *w, size_t n, size_t m) {
    memset(w, 0, sizeof *w);
    if (bk_rng_alloc(0, 0, &w->rng, NULL) != BK_SUCCESS) return BK_ENOMEM;
    w->counts = malloc(n * sizeof *w->counts);
    w->buf = malloc(2 * BK_LINEAR_BLOCK * m * sizeof *w->buf);
    w->ybuf = malloc(BK_LINEAR_BLOCK * sizeof *w->ybuf);
    w->ystar = malloc(n * sizeof *w->ystar);
    w->prec = malloc(m * m * sizeof *w->prec);
    w->chol = malloc(m * m * sizeof *w->chol);
    w->rhs = malloc(m * sizeof *w->rhs);
    if (!w->counts || !w->buf || !w->ybuf || !w->ystar || !w->prec || !w->chol || !w->rhs) return BK_ENOMEM;
    return BK_SUCCESS;
}

/* One case-bootstrap resample: out = (sum c_i phi_i phi_i^T + P)^{-1} sum c_i phi_i y_i. */
static int case_resample(boot_ws *w, gsl_rng *r, size_t n, size_t m, const double *phi, const double *y,
                         const double *penalty, double *out) {
    memset(w->counts, 0, n * sizeof *w->counts);
    for (size_t i = 0; i < n; i++) w->counts[gsl_rng_uniform_int(r, (unsigned long)n)]++;
    memset(w->prec, 0, m * m * sizeof *w->prec);
    memset(w->rhs, 0, m * sizeof *w->rhs);
    size_t nb = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || nb == BK_LINEAR_BLOCK) {
            double unused = 0.0;
            if (nb) bk_linear_block_gram(nb, m, w->buf, w->ybuf, w->buf + BK_LINEAR_BLOCK * m, w->prec, w->rhs, &unused);
            nb = 0;
            if (i == n) break;
        }
        if (w->counts[i] == 0) continue;
        const double s = sqrt((double)w->counts[i]);
        for (size_t j = 0; j < m; j++) w->buf[nb * m + j] = s * phi[i * m + j];
        w->ybuf[nb] = s * y[i];
        nb++;
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < i; j++) w->prec[i * m + j] = w->prec[j * m + i];
        if (penalty) w->prec[i * m + i] += penalty[i];
    }
    return bk_linear_spd_solve(m, w->prec, w->rhs, w->chol, out);
}

int bk_linear_bootstrap(uint64_t seed, int kind, size_t n, size_t m, const double *phi, const double *y,
                        const double *penalty, size_t nboot, double *estimate, double *draws, int nthreads,
                        bk_error *err) {
    bk_init();
    if (kind != BK_BOOTSTRAP_CASES && kind != BK_BOOTSTRAP_RESIDUALS)
        return bk_error_set(err, BK_EINVAL, "unknown bootstrap scheme %d", kind);
    if (n == 0) return bk_error_set(err, BK_EINVAL, "no data: x and y are empty");
    if (m == 0) return bk_error_set(err, BK_EINVAL, "the model needs at least one basis function");
    if (nboot == 0) return bk_error_set(err, BK_EINVAL, "number of bootstrap resamples must be >= 1, got 0");
    if ((uint64_t)n > 0xffffffffULL) return bk_error_set(err, BK_EINVAL, "bootstrap supports at most 4294967295 rows, got %zu", n);
    if (!phi || !y || !estimate || !draws) return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    for (size_t i = 0; i < n * m; i++)
        if (!isfinite(phi[i]))
            return bk_error_set(err, BK_ENONFINITE, "the design matrix contains a non-finite value (%g) at row %zu, column %zu",
                                phi[i], i / m, i % m);
    int s = bk_linear_check_y(n, y, err);
    if (s) return s;
    for (size_t j = 0; penalty && j < m; j++)
        if (!(penalty[j] >= 0) || !isfinite(penalty[j]))
            return bk_error_set(err, BK_EINVAL, "ridge penalty must be finite and >= 0, got %g for coefficient %zu", penalty[j], j);

    /* Full-data fit: normal equations, factor kept for the residual scheme. */
    double *gram = malloc(m * m * sizeof *gram), *chol = malloc(m * m * sizeof *chol);
    double *rhs = malloc(m * sizeof *rhs), *w_hat = malloc(m * sizeof *w_hat);
    double *fitted = malloc(n * sizeof *fitted), *resid = malloc(n * sizeof *resid);
    double *out = malloc(nboot * m * sizeof *out);
    if (!gram || !chol || !rhs || !w_hat || !fitted || !resid || !out) {
        s = bk_error_set(err, BK_ENOMEM, "cannot allocate the bootstrap workspace (%zu rows, %zu resamples)", n, nboot);
        goto cleanup;
    }
    memset(gram, 0, m * m * sizeof *gram);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)m, (int)n, 1.0, phi, (int)m, 0.0, gram, (int)m);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < i; j++) gram[i * m + j] = gram[j * m + i];
        if (penalty) gram[i * m + i] += penalty[i];
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)m, 1.0, phi, (int)m, y, 1, 0.0, rhs, 1);
    if (bk_linear_spd_solve(m, gram, rhs, chol, w_hat) != BK_SUCCESS) {
        s = bk_error_set(err, BK_ESOLVER,
                         "the design matrix is singular (rank deficient): least squares has no unique solution; use a "
                         "ridge penalty or fewer basis functions");
        goto cleanup;
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)m, 1.0, phi, (int)m, w_hat, 1, 0.0, fitted, 1);
    double mean_resid = 0.0;
    for (size_t i = 0; i < n; i++) {
        resid[i] = y[i] - fitted[i];
        mean_resid += resid[i];
    }
    mean_resid /= (double)n;
    for (size_t i = 0; i < n; i++) resid[i] -= mean_resid;

    size_t first_singular = nboot;
    int nomem = 0;
    const long long count = (long long)nboot;
#pragma omp parallel num_threads(bk_resolve_threads(nthreads)) if (nboot > 1)
    {
        boot_ws ws;
        if (ws_alloc(&ws, n, m) != BK_SUCCESS) __atomic_store_n(&nomem, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic)
        for (long long b = 0; b < count; b++) {
            if (__atomic_load_n(&nomem, __ATOMIC_RELAXED)) continue;
            bk_rng_reset(ws.rng, seed, (uint64_t)b);
            gsl_rng *r = bk_rng_gsl(ws.rng);
            double *row = out + (size_t)b * m;
            int fail;
            if (kind == BK_BOOTSTRAP_CASES) {
                fail = case_resample(&ws, r, n, m, phi, y, penalty, row);
            } else {
                for (size_t i = 0; i < n; i++) ws.ystar[i] = fitted[i] + resid[gsl_rng_uniform_int(r, (unsigned long)n)];
                /* row = Phi^T y*, then the normal equations' factor of the full data */
                memset(row, 0, m * sizeof *row);
                for (size_t i = 0; i < n; i++)
                    for (size_t j = 0; j < m; j++) row[j] += phi[i * m + j] * ws.ystar[i];
                bk_linear_solve_lower(m, chol, row);
                bk_linear_solve_lower_t(m, chol, row);
                fail = BK_SUCCESS;
            }
            if (fail != BK_SUCCESS) {
#pragma omp critical(bk_linear_bootstrap_fail)
                if ((size_t)b < first_singular) first_singular = (size_t)b;
            }
        }
        ws_free(&ws);
    }
    if (nomem) {
        s = bk_error_set(err, BK_ENOMEM, "cannot allocate a bootstrap workspace (%zu rows)", n);
        goto cleanup;
    }
    if (first_singular < nboot) {
        s = bk_error_set(err, BK_ESOLVER,
                         "bootstrap resample %zu has a singular design (too few distinct rows); use a ridge penalty or "
                         "more data", first_singular);
        goto cleanup;
    }
    memcpy(estimate, w_hat, m * sizeof *estimate);
    memcpy(draws, out, nboot * m * sizeof *draws);
    s = BK_SUCCESS;
cleanup:
    free(gram);
    free(chol);
    free(rhs);
    free(w_hat);
    free(fitted);
    free(resid);
    free(out);
    return s;
}
