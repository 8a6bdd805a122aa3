#include "bayeskit/linalg.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int bk_matmul(size_t m, size_t k, size_t n, const double *a, const double *b, double *c, bk_error *err) {
    if (m == 0 || n == 0) return BK_SUCCESS;
    if (k == 0) {
        memset(c, 0, m * n * sizeof *c);
        return BK_SUCCESS;
    }
    if (!a || !b || !c) return bk_error_set(err, BK_EINVAL, "matrix pointer is NULL");
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a, (int)k, b, (int)n,
                0.0, c, (int)n);
    return BK_SUCCESS;
}

int bk_matvec(size_t m, size_t n, const double *a, const double *x, double *y, bk_error *err) {
    if (m == 0) return BK_SUCCESS;
    if (n == 0) {
        memset(y, 0, m * sizeof *y);
        return BK_SUCCESS;
    }
    if (!a || !x || !y) return bk_error_set(err, BK_EINVAL, "matrix or vector pointer is NULL");
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)n, 1.0, a, (int)n, x, 1, 0.0, y, 1);
    return BK_SUCCESS;
}

int bk_cholesky(size_t n, const double *a, double *l, bk_error *err) {
    bk_init();
    if (n == 0) return BK_SUCCESS;
    if (!bk_all_finite(a, n * n))
        return bk_error_set(err, BK_ENONFINITE, "matrix to factor contains NaN or infinity");
    double *work = malloc(n * n * sizeof *work);
    if (!work) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu matrix", n, n);
    memcpy(work, a, n * n * sizeof *work);
    gsl_matrix_view view = gsl_matrix_view_array(work, n, n);
    int status = gsl_linalg_cholesky_decomp1(&view.matrix);
    if (status != GSL_SUCCESS) {
        free(work);
        return bk_error_set(err, BK_EINVAL, "matrix is not symmetric positive definite (Cholesky failed: %s)",
                            gsl_strerror(status));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) work[i * n + j] = 0.0;
    memcpy(l, work, n * n * sizeof *l);
    free(work);
    return BK_SUCCESS;
}

int bk_cholesky_solve(size_t n, const double *l, size_t nrhs, double *b, bk_error *err) {
    if (n == 0 || nrhs == 0) return BK_SUCCESS;
    if (!l || !b) return bk_error_set(err, BK_EINVAL, "matrix pointer is NULL");
    /* L Y = B, then L^T X = Y */
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, (int)nrhs, 1.0, l,
                (int)n, b, (int)nrhs);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)nrhs, 1.0, l,
                (int)n, b, (int)nrhs);
    return BK_SUCCESS;
}

double bk_cholesky_logdet(size_t n, const double *l) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += log(l[i * n + i]);
    return 2.0 * s;
}
