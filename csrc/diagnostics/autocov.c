/*
 * Autocovariance by FFT, normalised by n (the biased estimator, which keeps
 * the sequence positive semi-definite; Geyer 1992, ArviZ's `autocov`):
 *
 *   acov[k] = (1/n) sum_{t=0}^{n-1-k} (x_t - xbar)(x_{t+k} - xbar).
 *
 * The centred series is zero-padded to a length m >= 2n whose only prime
 * factors are 2, 3 and 5 (numpy's `next_fast_len`, as ArviZ pads), so the
 * circular correlation IFFT(|FFT(x)|^2) has no wrap-around at lags < n.
 * GSL's mixed-radix real FFT stores the transform in half-complex order:
 * buf[0] = Re X_0, buf[2k-1] = Re X_k, buf[2k] = Im X_k, and for even m
 * buf[m-1] = Re X_{m/2}. The wavetables live in a reusable bk_diag_fft.
 */
#include "diag_internal.h"

#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>

static size_t next_fast_len(size_t n) {
    for (size_t m = n < 1 ? 1 : n;; m++) {
        size_t r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return m;
    }
}

void bk_diag__fft_release(bk_diag_fft *f) {
    if (!f) return;
    free(f->buf);
    if (f->rw) gsl_fft_real_wavetable_free(f->rw);
    if (f->hw) gsl_fft_halfcomplex_wavetable_free(f->hw);
    if (f->ws) gsl_fft_real_workspace_free(f->ws);
    memset(f, 0, sizeof *f);
}

int bk_diag__fft_prepare(bk_diag_fft *f, size_t n) {
    size_t m = next_fast_len(2 * n);
    if (f->m == m && f->buf) return BK_SUCCESS;
    bk_diag__fft_release(f);
    f->buf = malloc(m * sizeof *f->buf);
    f->rw = gsl_fft_real_wavetable_alloc(m);
    f->hw = gsl_fft_halfcomplex_wavetable_alloc(m);
    f->ws = gsl_fft_real_workspace_alloc(m);
    if (!f->buf || !f->rw || !f->hw || !f->ws) {
        bk_diag__fft_release(f);
        return BK_ENOMEM;
    }
    f->m = m;
    return BK_SUCCESS;
}

int bk_diag__autocov_fft(bk_diag_fft *f, size_t n, const double *x, size_t maxlag, double *acov) {
    int s = bk_diag__fft_prepare(f, n);
    if (s) return s;
    const size_t m = f->m;
    double *buf = f->buf;
    double mean = 0.0;
    for (size_t t = 0; t < n; t++) mean += x[t];
    mean /= (double)n;
    for (size_t t = 0; t < n; t++) buf[t] = x[t] - mean;
    memset(buf + n, 0, (m - n) * sizeof *buf);
    if (gsl_fft_real_transform(buf, 1, m, f->rw, f->ws) != GSL_SUCCESS) return BK_EINTERNAL;
    buf[0] *= buf[0];
    for (size_t k = 1; 2 * k < m; k++) {
        double re = buf[2 * k - 1], im = buf[2 * k];
        buf[2 * k - 1] = re * re + im * im;
        buf[2 * k] = 0.0;
    }
    if (m % 2 == 0) buf[m - 1] *= buf[m - 1];
    if (gsl_fft_halfcomplex_inverse(buf, 1, m, f->hw, f->ws) != GSL_SUCCESS) return BK_EINTERNAL;
    for (size_t k = 0; k <= maxlag; k++) acov[k] = buf[k] / (double)n;
    return BK_SUCCESS;
}

static int check_series(const char *what, size_t n, const double *x, size_t maxlag, const double *out,
                        bk_error *err) {
    if (n < 1) return bk_error_set(err, BK_EINVAL, "%s needs at least 1 value, got none", what);
    if (!x || !out) return bk_error_set(err, BK_EINVAL, "%s input or output pointer is NULL", what);
    if (maxlag >= n) return bk_error_set(err, BK_EINVAL, "%s maxLag must be in 0...%zu, got %zu", what, n - 1, maxlag);
    for (size_t t = 0; t < n; t++)
        if (!isfinite(x[t]))
            return bk_error_set(err, BK_ENONFINITE, "%s input value %zu is not finite (%g)", what, t, x[t]);
    return BK_SUCCESS;
}

/* Fills tmp[0..maxlag] with the autocovariance, with a one-off FFT plan. */
static int autocov_once(size_t n, const double *x, size_t maxlag, double *tmp, bk_error *err) {
    bk_diag_fft f = {0};
    int s = bk_diag__autocov_fft(&f, n, x, maxlag, tmp);
    bk_diag__fft_release(&f);
    if (s == BK_ENOMEM) return bk_error_set(err, s, "cannot allocate an FFT of length %zu", next_fast_len(2 * n));
    if (s) return bk_error_set(err, s, "GSL FFT of length %zu failed", next_fast_len(2 * n));
    return BK_SUCCESS;
}

int bk_diag_autocov(size_t n, const double *x, size_t maxlag, double *acov, bk_error *err) {
    bk_init();
    int s = check_series("autocovariance", n, x, maxlag, acov, err);
    if (s) return s;
    double *tmp = malloc((maxlag + 1) * sizeof *tmp);
    if (!tmp) return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu lags", maxlag + 1);
    s = autocov_once(n, x, maxlag, tmp, err);
    if (!s) memcpy(acov, tmp, (maxlag + 1) * sizeof *tmp);
    free(tmp);
    return s;
}

int bk_diag_autocorr(size_t n, const double *x, size_t maxlag, double *acf, bk_error *err) {
    bk_init();
    int s = check_series("autocorrelation", n, x, maxlag, acf, err);
    if (s) return s;
    double *tmp = malloc((maxlag + 1) * sizeof *tmp);
    if (!tmp) return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu lags", maxlag + 1);
    s = autocov_once(n, x, maxlag, tmp, err);
    if (!s && !(tmp[0] > 0.0))
        s = bk_error_set(err, BK_EINVAL, "autocorrelation of a constant series is undefined (all values %g)", x[0]);
    if (!s)
        for (size_t k = 0; k <= maxlag; k++) acf[k] = tmp[k] / tmp[0];
    free(tmp);
    return s;
}
