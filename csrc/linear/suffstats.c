/*
 * Sufficient statistics (Phi^T Phi, Phi^T y, y^T y) and predictive moments,
 * computed block by block so that the n x M design matrix is never formed.
 *
 * Determinism: the rows are cut into chunks whose boundaries depend only on
 * (n, M); each chunk is summed serially (bk_linear_block_gram over blocks of
 * BK_LINEAR_BLOCK rows) into its own partial sums, and the partial sums are
 * added in chunk order. OpenMP only decides which thread computes which
 * chunk, so the statistics are bit-identical for every thread count.
 */
#include "linear_internal.h"
#include "omp_shim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* At least this many rows per chunk, and at most this many doubles of
 * partial Gram matrices over all chunks. */
#define CHUNK_MIN_ROWS 8192
#define PARTIAL_MAX_DOUBLES ((size_t)1 << 22)

int bk_linear_check_y(size_t n, const double *y, bk_error *err) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i])) return bk_error_set(err, BK_ENONFINITE, "y contains a non-finite value (%g) at index %zu", y[i], i);
    return BK_SUCCESS;
}

int bk_linear_suffstats(const bk_basis *basis, size_t n, const double *x, const double *y, double *gram,
                        double *phity, double *yy, int nthreads, bk_error *err) {
    bk_init();
    int s = bk_basis_check(basis, err);
    if (s) return s;
    if (n == 0) return bk_error_set(err, BK_EINVAL, "no data: x and y are empty");
    if (!x || !y || !gram || !phity || !yy) return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    if ((s = bk_linear_check_y(n, y, err))) return s;
    const size_t m = bk_basis_size(basis), d = basis->input_dim;
    size_t rows_per_chunk = CHUNK_MIN_ROWS;
    size_t nchunks = (n + rows_per_chunk - 1) / rows_per_chunk;
    const size_t max_chunks = PARTIAL_MAX_DOUBLES / (m * m + m + 1) > 0 ? PARTIAL_MAX_DOUBLES / (m * m + m + 1) : 1;
    if (nchunks > max_chunks) {
        nchunks = max_chunks;
        rows_per_chunk = (n + nchunks - 1) / nchunks;
        nchunks = (n + rows_per_chunk - 1) / rows_per_chunk;
    }
    const size_t stride = m * m + m + 1; /* per chunk: gram, phity, yy */
    double *partial = calloc(nchunks * stride, sizeof *partial);
    size_t *bad = malloc(nchunks * sizeof *bad);
    if (!partial || !bad) {
        free(partial);
        free(bad);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu partial Gram matrices of size %zu x %zu", nchunks, m, m);
    }
    int nomem = 0;
    const long long count = (long long)nchunks;
    const int threads = bk_resolve_threads(nthreads);
#pragma omp parallel num_threads(threads) if (nchunks > 1)
    {
        double *buf = malloc(2 * BK_LINEAR_BLOCK * m * sizeof *buf);
        if (!buf) __atomic_store_n(&nomem, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic)
        for (long long c = 0; c < count; c++) {
            const size_t start = (size_t)c * rows_per_chunk;
            const size_t end = start + rows_per_chunk < n ? start + rows_per_chunk : n;
            double *g = partial + (size_t)c * stride, *b = g + m * m, *q = b + m;
            bad[c] = n;
            if (!buf) continue;
            for (size_t r = start; r < end; r += BK_LINEAR_BLOCK) {
                const size_t nb = r + BK_LINEAR_BLOCK < end ? BK_LINEAR_BLOCK : end - r;
                size_t k = bk_basis_expand_rows(basis, nb, x + r * d, buf);
                if (k < nb) {
                    bad[c] = r + k;
                    break;
                }
                bk_linear_block_gram(nb, m, buf, y + r, buf + BK_LINEAR_BLOCK * m, g, b, q);
            }
        }
        free(buf);
    }
    if (nomem) {
        free(partial);
        free(bad);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a %d x %zu feature buffer", BK_LINEAR_BLOCK, m);
    }
    for (size_t c = 0; c < nchunks; c++)
        if (bad[c] < n) {
            s = bk_linear_nonfinite_row(basis, x, bad[c], err);
            free(partial);
            free(bad);
            return s;
        }
    /* Fixed-order reduction into chunk 0's slot. */
    for (size_t c = 1; c < nchunks; c++)
        for (size_t j = 0; j < stride; j++) partial[j] += partial[c * stride + j];
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) gram[i * m + j] = j >= i ? partial[i * m + j] : partial[j * m + i];
    memcpy(phity, partial + m * m, m * sizeof *phity);
    *yy = partial[m * m + m];
    free(partial);
    free(bad);
    return BK_SUCCESS;
}

int bk_linear_predict(const bk_basis *basis, size_t m, const double *chol, const double *mean, size_t n,
                      const double *x, double *pred_mean, double *epi_var, int nthreads, bk_error *err) {
    bk_init();
    int s = bk_basis_check(basis, err);
    if (s) return s;
    if (bk_basis_size(basis) != m)
        return bk_error_set(err, BK_EDIM, "the basis has %zu functions but the posterior has %zu coefficients",
                            bk_basis_size(basis), m);
    if (n == 0) return BK_SUCCESS;
    if (!chol || !mean || !x || !pred_mean || !epi_var) return bk_error_set(err, BK_EINVAL, "input or output pointer is NULL");
    const size_t d = basis->input_dim;
    const long long nblocks = (long long)((n + BK_LINEAR_BLOCK - 1) / BK_LINEAR_BLOCK);
    /* L^{-1}, so that |L^{-1} phi|^2 is a product, not a solve, per row. */
    double *linv = calloc(m * m, sizeof *linv);
    if (!linv) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %zu x %zu matrix", m, m);
    for (size_t j = 0; j < m; j++) {
        double *col = linv + j * m; /* row j of linv^T = column j of L^{-1} */
        col[j] = 1.0;
        bk_linear_solve_lower(m, chol, col);
    }
    size_t first_bad = n;
    int nomem = 0;
#pragma omp parallel num_threads(bk_resolve_threads(nthreads)) if (nblocks > 1)
    {
        /* rows (B x m), their transpose (m x B), one component of L^{-1} phi (B) */
        double *buf = malloc((2 * BK_LINEAR_BLOCK * m + BK_LINEAR_BLOCK) * sizeof *buf);
        if (!buf) __atomic_store_n(&nomem, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(static)
        for (long long blk = 0; blk < nblocks; blk++) {
            if (!buf) continue;
            const size_t r = (size_t)blk * BK_LINEAR_BLOCK;
            const size_t nb = r + BK_LINEAR_BLOCK < n ? BK_LINEAR_BLOCK : n - r;
            size_t k = bk_basis_expand_rows(basis, nb, x + r * d, buf);
            if (k < nb) {
#pragma omp critical(bk_linear_predict_bad)
                if (r + k < first_bad) first_bad = r + k;
                continue;
            }
            double *cols = buf + BK_LINEAR_BLOCK * m, *t = cols + BK_LINEAR_BLOCK * m;
            double *mu = pred_mean + r, *var = epi_var + r;
            for (size_t q = 0; q < nb; q++)
                for (size_t j = 0; j < m; j++) cols[j * nb + q] = buf[q * m + j];
            for (size_t q = 0; q < nb; q++) mu[q] = var[q] = 0.0;
            for (size_t j = 0; j < m; j++) {
                const double mj = mean[j], *cj = cols + j * nb;
                for (size_t q = 0; q < nb; q++) mu[q] += mj * cj[q];
            }
            for (size_t i = 0; i < m; i++) {
                for (size_t q = 0; q < nb; q++) t[q] = 0.0;
                for (size_t j = 0; j <= i; j++) {
                    const double lij = linv[j * m + i], *cj = cols + j * nb; /* (L^{-1})_{ij} */
                    for (size_t q = 0; q < nb; q++) t[q] += lij * cj[q];
                }
                for (size_t q = 0; q < nb; q++) var[q] += t[q] * t[q];
            }
        }
        free(buf);
    }
    free(linv);
    if (nomem) return bk_error_set(err, BK_ENOMEM, "cannot allocate a %d x %zu feature buffer", BK_LINEAR_BLOCK, m);
    if (first_bad < n) return bk_linear_nonfinite_row(basis, x, first_bad, err);
    return BK_SUCCESS;
}
