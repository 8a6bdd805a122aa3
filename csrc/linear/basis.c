/*
 * Feature maps phi(x) for linear basis-function models (PRML 3.1):
 * raw features, affine (1, x), polynomial (1, u, ..., u^d) on scaled inputs,
 * Gaussian radial basis functions exp(-|x - mu|^2 / (2 s^2)) as in seed 001's
 * gaussian_basis_function, with expand()'s leading column of ones.
 */
#include "linear_internal.h"

#include <math.h>

size_t bk_basis_size(const bk_basis *b) {
    if (!b || b->input_dim == 0) return 0;
    switch (b->kind) {
    case BK_BASIS_RAW: return b->input_dim;
    case BK_BASIS_AFFINE: return b->input_dim + 1;
    case BK_BASIS_POLYNOMIAL: return b->degree >= 0 ? (size_t)b->degree + 1 : 0;
    case BK_BASIS_RBF: return b->ncentres + (b->intercept ? 1 : 0);
    default: return 0;
    }
}

int bk_basis_check(const bk_basis *b, bk_error *err) {
    if (!b) return bk_error_set(err, BK_EINVAL, "basis pointer is NULL");
    if (b->input_dim == 0) return bk_error_set(err, BK_EINVAL, "basis input dimension must be >= 1, got 0");
    switch (b->kind) {
    case BK_BASIS_RAW:
    case BK_BASIS_AFFINE: return BK_SUCCESS;
    case BK_BASIS_POLYNOMIAL:
        if (b->input_dim != 1)
            return bk_error_set(err, BK_EINVAL, "polynomial basis needs 1-dimensional inputs, got %zu columns",
                                b->input_dim);
        if (b->degree < 0) return bk_error_set(err, BK_EINVAL, "polynomial degree must be >= 0, got %d", b->degree);
        if (!isfinite(b->shift) || !isfinite(b->scale) || b->scale == 0)
            return bk_error_set(err, BK_EINVAL, "polynomial input scaling must be finite and nonzero, got shift %g, scale %g",
                                b->shift, b->scale);
        return BK_SUCCESS;
    case BK_BASIS_RBF:
        if (b->ncentres == 0) return bk_error_set(err, BK_EINVAL, "Gaussian basis needs at least one centre");
        if (!b->centres) return bk_error_set(err, BK_EINVAL, "Gaussian basis centres pointer is NULL");
        if (!bk_all_finite(b->centres, b->ncentres * b->input_dim))
            return bk_error_set(err, BK_EINVAL, "Gaussian basis centres must be finite");
        if (!(b->width > 0) || !isfinite(b->width))
            return bk_error_set(err, BK_EINVAL, "Gaussian basis width must be finite and > 0, got %g", b->width);
        return BK_SUCCESS;
    default: return bk_error_set(err, BK_EINVAL, "unknown basis kind %d", b->kind);
    }
}

/* Expands rows [0, n) of x into phi without checks (the caller validated the
 * basis). Returns the index of the first row whose input or features are not
 * finite, or n when all are finite. */
size_t bk_basis_expand_rows(const bk_basis *b, size_t n, const double *x, double *phi) {
    const size_t d = b->input_dim, m = bk_basis_size(b);
    for (size_t i = 0; i < n; i++) {
        const double *xi = x + i * d;
        double *p = phi + i * m;
        switch (b->kind) {
        case BK_BASIS_RAW:
            for (size_t j = 0; j < d; j++) p[j] = xi[j];
            break;
        case BK_BASIS_AFFINE:
            p[0] = 1.0;
            for (size_t j = 0; j < d; j++) p[j + 1] = xi[j];
            break;
        case BK_BASIS_POLYNOMIAL: {
            const double u = (xi[0] - b->shift) * b->scale;
            double v = 1.0;
            for (int k = 0; k <= b->degree; k++) {
                p[k] = v;
                v *= u;
            }
            if (!isfinite(xi[0])) return i;
            break;
        }
        case BK_BASIS_RBF: {
            size_t off = 0;
            if (b->intercept) p[off++] = 1.0;
            const double c = -0.5 / (b->width * b->width);
            for (size_t k = 0; k < b->ncentres; k++) {
                const double *mu = b->centres + k * d;
                double r2 = 0.0;
                for (size_t j = 0; j < d; j++) r2 += (xi[j] - mu[j]) * (xi[j] - mu[j]);
                p[off + k] = exp(c * r2);
            }
            if (!bk_all_finite(xi, d)) return i;
            break;
        }
        default: break;
        }
        if (!bk_all_finite(p, m)) return i;
    }
    return n;
}

int bk_basis_expand(const bk_basis *b, size_t n, const double *x, double *phi, bk_error *err) {
    bk_init();
    int s = bk_basis_check(b, err);
    if (s) return s;
    if (n == 0) return BK_SUCCESS;
    if (!x || !phi) return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    size_t bad = bk_basis_expand_rows(b, n, x, phi);
    if (bad < n) return bk_linear_nonfinite_row(b, x, bad, err);
    return BK_SUCCESS;
}

int bk_linear_nonfinite_row(const bk_basis *b, const double *x, size_t row, bk_error *err) {
    const double *xi = x + row * b->input_dim;
    for (size_t j = 0; j < b->input_dim; j++)
        if (!isfinite(xi[j])) {
            if (b->input_dim == 1)
                return bk_error_set(err, BK_ENONFINITE, "x contains a non-finite value (%g) at index %zu", xi[j], row);
            return bk_error_set(err, BK_ENONFINITE, "x contains a non-finite value (%g) at row %zu, column %zu", xi[j],
                                row, j);
        }
    return bk_error_set(err, BK_ENONFINITE, "the basis functions overflow (NaN or infinity) at row %zu of x", row);
}
