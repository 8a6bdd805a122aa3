/*
 * Small dense kernels for the linear models, in plain C so that they can run
 * inside OpenMP regions (see linear_internal.h for why not CBLAS).
 */
#include "linear_internal.h"

#include <math.h>
#include <string.h>

int bk_linear_spd_solve(size_t m, const double *a, const double *rhs, double *l, double *w) {
    double dmax = 0.0;
    for (size_t i = 0; i < m; i++) dmax = fmax(dmax, fabs(a[i * m + i]));
    if (!(dmax > 0) || !isfinite(dmax)) return BK_ESOLVER;
    for (size_t j = 0; j < m; j++) {
        double d = a[j * m + j];
        for (size_t k = 0; k < j; k++) d -= l[j * m + k] * l[j * m + k];
        if (!(d > 1e-12 * dmax) || !isfinite(d)) return BK_ESOLVER;
        const double ljj = sqrt(d);
        l[j * m + j] = ljj;
        for (size_t i = j + 1; i < m; i++) {
            double s = a[i * m + j];
            for (size_t k = 0; k < j; k++) s -= l[i * m + k] * l[j * m + k];
            l[i * m + j] = s / ljj;
        }
        for (size_t k = j + 1; k < m; k++) l[j * m + k] = 0.0;
    }
    if (rhs && w) {
        if (w != rhs) memcpy(w, rhs, m * sizeof *w);
        bk_linear_solve_lower(m, l, w);
        bk_linear_solve_lower_t(m, l, w);
    }
    return BK_SUCCESS;
}

void bk_linear_solve_lower(size_t m, const double *l, double *v) {
    for (size_t i = 0; i < m; i++) {
        double s = v[i];
        for (size_t k = 0; k < i; k++) s -= l[i * m + k] * v[k];
        v[i] = s / l[i * m + i];
    }
}

void bk_linear_solve_lower_t(size_t m, const double *l, double *v) {
    for (size_t i = m; i-- > 0;) {
        double s = v[i];
        for (size_t k = i + 1; k < m; k++) s -= l[k * m + i] * v[k];
        v[i] = s / l[i * m + i];
    }
}

/* sum_k a[k] b[k] in four lanes, combined as (l0 + l1) + (l2 + l3). */
static inline double dot4(size_t n, const double *restrict a, const double *restrict b) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        l0 += a[k] * b[k];
        l1 += a[k + 1] * b[k + 1];
        l2 += a[k + 2] * b[k + 2];
        l3 += a[k + 3] * b[k + 3];
    }
    for (; k < n; k++) l0 += a[k] * b[k];
    return (l0 + l1) + (l2 + l3);
}

void bk_linear_block_gram(size_t nb, size_t m, const double *rows, const double *y, double *cols, double *gram,
                          double *phity, double *yy) {
    for (size_t k = 0; k < nb; k++)
        for (size_t j = 0; j < m; j++) cols[j * nb + k] = rows[k * m + j];
    for (size_t i = 0; i < m; i++) {
        const double *ci = cols + i * nb;
        for (size_t j = i; j < m; j++) gram[i * m + j] += dot4(nb, ci, cols + j * nb);
        if (y) phity[i] += dot4(nb, ci, y);
    }
    if (y) *yy += dot4(nb, y, y);
}
