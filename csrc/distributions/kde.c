/*
 * Gaussian kernel density estimate f(y) = 1/(n h) sum_i phi((y - x_i)/h)
 * with Silverman's (1986, eq. 3.31) or Scott's (1992) rule-of-thumb
 * bandwidth. Evaluation is the direct O(n m) sum.
 */
#include "dist_internal.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>

static int check_samples(size_t n, const double *x, bk_error *err) {
    if (n == 0) return bk_error_set(err, BK_EINVAL, "KDE needs at least one sample, got none");
    if (!x) return bk_error_set(err, BK_EINVAL, "KDE sample pointer is NULL");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return bk_error_set(err, BK_ENONFINITE, "KDE sample %zu is not finite (%g)", i, x[i]);
    return BK_SUCCESS;
}

int bk_kde_bandwidth(size_t n, const double *x, int rule, double *h, bk_error *err) {
    bk_init();
    int s = check_samples(n, x, err);
    if (s) return s;
    if (rule != BK_KDE_SILVERMAN && rule != BK_KDE_SCOTT)
        return bk_error_set(err, BK_EINVAL, "unknown KDE bandwidth rule %d", rule);
    if (!h) return bk_error_set(err, BK_EINVAL, "KDE bandwidth output pointer is NULL");
    if (n < 2)
        return bk_error_set(err, BK_EINVAL, "a KDE bandwidth rule needs at least 2 samples, got %zu", n);
    double sd = gsl_stats_sd(x, 1, n);
    if (!(sd > 0.0))
        return bk_error_set(err, BK_EINVAL,
                            "KDE samples have zero variance (all equal to %g); give a fixed bandwidth", x[0]);
    double scale = sd, factor = 1.06;
    if (rule == BK_KDE_SILVERMAN) {
        double *sorted = malloc(n * sizeof *sorted);
        if (!sorted) return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu samples", n);
        memcpy(sorted, x, n * sizeof *sorted);
        gsl_sort(sorted, 1, n);
        double iqr = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.75) -
                     gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.25);
        free(sorted);
        /* A zero IQR (over half the samples tied) would give h = 0; Silverman's
         * rule then falls back to the standard deviation. */
        if (iqr > 0.0 && iqr / 1.34 < sd) scale = iqr / 1.34;
        factor = 0.9;
    }
    *h = factor * scale * pow((double)n, -0.2);
    return BK_SUCCESS;
}

int bk_kde_evaluate(size_t n, const double *x, double h, size_t m, const double *y, double *out, bk_error *err) {
    bk_init();
    int s = check_samples(n, x, err);
    if (s) return s;
    if (!(h > 0.0) || !isfinite(h))
        return bk_error_set(err, BK_EINVAL, "KDE bandwidth must be positive and finite, got %g", h);
    if (m == 0) return BK_SUCCESS;
    if (!y || !out) return bk_error_set(err, BK_EINVAL, "KDE point or output pointer is NULL");
    const double norm = 1.0 / ((double)n * h * sqrt(2.0 * M_PI)), inv_h = 1.0 / h;
    for (size_t j = 0; j < m; j++) {
        double yj = y[j], acc = 0.0;
        for (size_t i = 0; i < n; i++) {
            double z = (yj - x[i]) * inv_h;
            acc += exp(-0.5 * z * z);
        }
        out[j] = norm * acc; /* NaN at a NaN point */
    }
    return BK_SUCCESS;
}
