/*
 * Dense linear algebra on row-major double arrays, through CBLAS (serial
 * OpenBLAS) and GSL's linear algebra.
 */
#ifndef BAYESKIT_LINALG_H
#define BAYESKIT_LINALG_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** C = A B with A m x k, B k x n, C m x n (row-major, C must not alias A or B). */
int bk_matmul(size_t m, size_t k, size_t n, const double *a, const double *b, double *c, bk_error *err);

/** y = A x with A m x n. */
int bk_matvec(size_t m, size_t n, const double *a, const double *x, double *y, bk_error *err);

/**
 * Cholesky factor: A = L L^T for a symmetric positive-definite n x n A.
 * Writes the lower triangle of L (upper triangle zero) into `l`, which may be
 * `a` itself. Fails with BK_EINVAL when A is not positive definite and with
 * BK_ENONFINITE when A holds NaN or infinity; `l` is then unchanged.
 */
int bk_cholesky(size_t n, const double *a, double *l, bk_error *err);

/** Solves A X = B for X given the Cholesky factor L of A; B is n x nrhs, overwritten by X. */
int bk_cholesky_solve(size_t n, const double *l, size_t nrhs, double *b, bk_error *err);

/** log det A = 2 sum log L_ii from the Cholesky factor L. */
double bk_cholesky_logdet(size_t n, const double *l);

#ifdef __cplusplus
}
#endif
#endif
