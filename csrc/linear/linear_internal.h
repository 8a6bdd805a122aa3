/* Helpers shared by the linear-model kernels; private to csrc/linear. */
#ifndef BAYESKIT_LINEAR_INTERNAL_H
#define BAYESKIT_LINEAR_INTERNAL_H

#include "bayeskit/linear.h"

/* Rows expanded per block: the per-thread feature buffer is BK_LINEAR_BLOCK x M. */
#define BK_LINEAR_BLOCK 256

/* Expands rows [0, n) of x into phi (n x M) without validating the basis;
 * returns the first row with a non-finite input or feature, or n. */
size_t bk_basis_expand_rows(const bk_basis *b, size_t n, const double *x, double *phi);

/* Records the BK_ENONFINITE failure for row `row` of x. */
int bk_linear_nonfinite_row(const bk_basis *b, const double *x, size_t row, bk_error *err);

/* Checks y for NaN/inf, naming the first bad index. */
int bk_linear_check_y(size_t n, const double *y, bk_error *err);

/* Solves A w = rhs for SPD A (m x m) by Cholesky into chol (m x m, lower,
 * upper triangle zeroed) and w (may alias rhs; both may be NULL to factor
 * only); BK_ESOLVER when a pivot is below 1e-12 of the largest diagonal entry.
 *
 * The kernels below are plain C on purpose: Debian's serial OpenBLAS is not
 * safe to call from several OpenMP threads at once (measured: concurrent
 * dsyrk calls gave wrong, run-to-run different Gram matrices), so nothing
 * inside a parallel region calls CBLAS or GSL's linear algebra. */
int bk_linear_spd_solve(size_t m, const double *a, const double *rhs, double *chol, double *w);

/* v <- L^{-1} v and v <- L^{-T} v for lower-triangular L (m x m). */
void bk_linear_solve_lower(size_t m, const double *l, double *v);
void bk_linear_solve_lower_t(size_t m, const double *l, double *v);

/* Adds the Gram matrix of the nb x m row block `rows` to the upper triangle of
 * `gram` (m x m), and when y is not NULL rows^T y to phity and y^T y to *yy;
 * `cols` is an m x nb scratch. Sums run in four interleaved lanes added in a
 * fixed order, so the result does not depend on anything but the inputs. */
void bk_linear_block_gram(size_t nb, size_t m, const double *rows, const double *y, double *cols, double *gram,
                          double *phity, double *yy);

#endif
