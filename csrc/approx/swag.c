/*
 * SWA / SWAG moments (Maddox et al. 2019) and draws from the SWAG Gaussian.
 * Formulas in include/bayeskit/approx.h.
 */
#include "bayeskit/approx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bk_swag {
    size_t dim;
    size_t max_rank;
    size_t count;   /* vectors collected */
    size_t next;    /* ring slot the next deviation goes to */
    double *mean;   /* dim */
    double *sq;     /* dim */
    double *dev;    /* max_rank x dim ring of deviation columns */
};

void bk_swag_free(bk_swag *swag) {
    if (!swag) return;
    free(swag->mean);
    free(swag->sq);
    free(swag->dev);
    free(swag);
}

int bk_swag_alloc(size_t dim, size_t max_rank, bk_swag **out, bk_error *err) {
    bk_init();
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (dim == 0) return bk_error_set(err, BK_EINVAL, "SWAG needs at least 1 parameter, got 0");
    if (max_rank == 0) return bk_error_set(err, BK_EINVAL, "SWAG rank (deviation columns) must be >= 1, got 0");
    bk_swag *s = calloc(1, sizeof *s);
    if (!s) return bk_error_set(err, BK_ENOMEM, "cannot allocate SWAG moments");
    s->dim = dim;
    s->max_rank = max_rank;
    s->mean = calloc(dim, sizeof *s->mean);
    s->sq = calloc(dim, sizeof *s->sq);
    s->dev = calloc(dim * max_rank, sizeof *s->dev);
    if (!s->mean || !s->sq || !s->dev) {
        bk_swag_free(s);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate SWAG moments for %zu parameters and rank %zu", dim,
                            max_rank);
    }
    *out = s;
    return BK_SUCCESS;
}

size_t bk_swag_dim(const bk_swag *swag) { return swag ? swag->dim : 0; }
size_t bk_swag_max_rank(const bk_swag *swag) { return swag ? swag->max_rank : 0; }
size_t bk_swag_count(const bk_swag *swag) { return swag ? swag->count : 0; }
size_t bk_swag_rank(const bk_swag *swag) {
    if (!swag) return 0;
    return swag->count < swag->max_rank ? swag->count : swag->max_rank;
}

int bk_swag_collect(bk_swag *swag, const double *theta, bk_error *err) {
    if (!swag || !theta) return bk_error_set(err, BK_EINVAL, "SWAG or parameter vector is NULL");
    if (!bk_all_finite(theta, swag->dim))
        return bk_error_set(err, BK_ENONFINITE, "cannot collect a parameter vector with NaN or infinity into SWAG");
    const double n = (double)(swag->count + 1);
    double *d = swag->dev + swag->next * swag->dim;
    for (size_t i = 0; i < swag->dim; i++) {
        const double t = theta[i];
        swag->mean[i] += (t - swag->mean[i]) / n;
        swag->sq[i] += (t * t - swag->sq[i]) / n;
        d[i] = t - swag->mean[i];
    }
    swag->count++;
    swag->next = (swag->next + 1) % swag->max_rank;
    return BK_SUCCESS;
}

/* Ring slot of the j-th oldest stored column. */
static size_t slot(const bk_swag *s, size_t j) {
    const size_t r = bk_swag_rank(s);
    return (s->next + s->max_rank - r + j) % s->max_rank;
}

int bk_swag_moments(const bk_swag *swag, double *mean, double *sq_mean, double *deviations, bk_error *err) {
    if (!swag) return bk_error_set(err, BK_EINVAL, "SWAG is NULL");
    if (swag->count == 0) return bk_error_set(err, BK_EINVAL, "SWAG has collected nothing yet");
    if (mean) memcpy(mean, swag->mean, swag->dim * sizeof *mean);
    if (sq_mean) memcpy(sq_mean, swag->sq, swag->dim * sizeof *sq_mean);
    if (deviations)
        for (size_t j = 0; j < bk_swag_rank(swag); j++)
            memcpy(deviations + j * swag->dim, swag->dev + slot(swag, j) * swag->dim, swag->dim * sizeof(double));
    return BK_SUCCESS;
}

int bk_swag_restore(bk_swag *swag, size_t count, const double *mean, const double *sq_mean, size_t rank,
                    const double *deviations, bk_error *err) {
    if (!swag || !mean || !sq_mean || (rank > 0 && !deviations))
        return bk_error_set(err, BK_EINVAL, "SWAG, mean, second moment or deviations is NULL");
    const size_t expect = count < swag->max_rank ? count : swag->max_rank;
    if (count == 0 || rank != expect)
        return bk_error_set(err, BK_EDIM, "SWAG state of %zu vectors needs %zu deviation columns, got %zu", count,
                            expect, rank);
    if (!bk_all_finite(mean, swag->dim) || !bk_all_finite(sq_mean, swag->dim) ||
        !bk_all_finite(deviations, rank * swag->dim))
        return bk_error_set(err, BK_ENONFINITE, "SWAG state contains NaN or infinity");
    memcpy(swag->mean, mean, swag->dim * sizeof *mean);
    memcpy(swag->sq, sq_mean, swag->dim * sizeof *sq_mean);
    memcpy(swag->dev, deviations, rank * swag->dim * sizeof *deviations);
    swag->count = count;
    swag->next = rank % swag->max_rank;
    return BK_SUCCESS;
}

int bk_swag_sample(bk_rng *rng, const bk_swag *swag, double scale, int diag_only, double *theta, bk_error *err) {
    if (!rng || !swag || !theta) return bk_error_set(err, BK_EINVAL, "generator, SWAG or output is NULL");
    if (swag->count == 0) return bk_error_set(err, BK_EINVAL, "SWAG has collected nothing yet: cannot sample");
    if (!(scale >= 0.0) || !isfinite(scale))
        return bk_error_set(err, BK_EINVAL, "SWAG scale must be finite and >= 0, got %g", scale);
    const size_t P = swag->dim, K = bk_swag_rank(swag);
    for (size_t i = 0; i < P; i++) {
        const double var = swag->sq[i] - swag->mean[i] * swag->mean[i];
        theta[i] = swag->mean[i] + scale * sqrt(var > 0.0 ? var : 0.0) * bk_rng_normal(rng);
    }
    if (diag_only || K < 2) return BK_SUCCESS;
    const double c = scale / sqrt((double)(K - 1));
    for (size_t j = 0; j < K; j++) {
        const double *d = swag->dev + slot(swag, j) * P;
        const double w = c * bk_rng_normal(rng); /* z2_j, drawn after all of z1 */
        for (size_t i = 0; i < P; i++) theta[i] += w * d[i];
    }
    return BK_SUCCESS;
}
