/*
 * PSIS, PSIS-LOO, LOO-PIT and WAIC (formulas and references in
 * include/bayeskit/checking.h). The PSIS steps mirror ArviZ 0.23.4's
 * `_psislw`, `_gpdfit` and `_gpinv` so that the two agree to rounding.
 */
#include "bayeskit/checking.h"
#include "omp_shim.h"
#include "sort.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* log sum_i exp(x_i), max-shifted. */
static double logsumexp(size_t n, const double *x) {
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (x[i] > m) m = x[i];
    if (!isfinite(m)) return m;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += exp(x[i] - m);
    return log(s) + m;
}

/*
 * Generalised Pareto fit (Zhang & Stephens 2009, "A new and efficient
 * estimation method for the generalized Pareto distribution",
 * Technometrics 51) to n >= 5 sorted positive exceedances, with the prior
 * of Vehtari et al. on k. `b` and `ls` hold 30 + sqrt(n) values each.
 */
static void gpdfit(size_t n, const double *x, double *b, double *ls, double *k_out, double *sigma_out) {
    const double prior_bs = 3.0, prior_k = 10.0;
    const size_t m = 30 + (size_t)sqrt((double)n);
    const double x_quarter = x[(size_t)((double)n / 4.0 + 0.5) - 1], x_max = x[n - 1];
    for (size_t j = 0; j < m; j++) {
        b[j] = 1.0 - sqrt((double)m / ((double)(j + 1) - 0.5));
        b[j] /= prior_bs * x_quarter;
        b[j] += 1.0 / x_max;
        double k = 0.0;
        for (size_t i = 0; i < n; i++) k += log1p(-b[j] * x[i]);
        k /= (double)n;
        ls[j] = (double)n * (log(-(b[j] / k)) - k - 1.0); /* profile log-likelihood of b */
    }
    /* weights w_j = 1 / sum_l exp(ls_l - ls_j); negligible ones dropped */
    double wsum = 0.0, bpost = 0.0;
    for (size_t j = 0; j < m; j++) {
        double s = 0.0;
        for (size_t l = 0; l < m; l++) s += exp(ls[l] - ls[j]);
        double w = 1.0 / s;
        if (w >= 10.0 * DBL_EPSILON) {
            wsum += w;
            bpost += b[j] * w;
        }
    }
    bpost /= wsum;
    double k = 0.0;
    for (size_t i = 0; i < n; i++) k += log1p(-bpost * x[i]);
    k /= (double)n;
    *sigma_out = -k / bpost;
    *k_out = ((double)n * k + prior_k * 0.5) / ((double)n + prior_k);
}

/* Quantile of the generalised Pareto distribution at p in (0, 1). */
static double gpinv(double p, double k, double sigma) {
    double x = fabs(k) < DBL_EPSILON ? -log1p(-p) : expm1(-k * log1p(-p)) / k;
    return x * sigma;
}

/* Scratch for one observation. */
typedef struct psis_work {
    double *x;     /* S */
    size_t *idx;   /* S */
    size_t *idx_tmp, *hist; /* the radix sort's scratch: S indices, bk_diag__sort_hist_size() counts */
    double *tail;  /* S */
    double *b, *ls; /* 30 + sqrt(S) */
} psis_work;

static int work_alloc(size_t S, psis_work *w) {
    const size_t m = 30 + (size_t)sqrt((double)S) + 1;
    w->x = malloc(S * sizeof *w->x);
    w->idx = malloc(S * sizeof *w->idx);
    w->idx_tmp = malloc(S * sizeof *w->idx_tmp);
    w->hist = malloc(bk_diag__sort_hist_size() * sizeof *w->hist);
    w->tail = malloc(S * sizeof *w->tail);
    w->b = malloc(m * sizeof *w->b);
    w->ls = malloc(m * sizeof *w->ls);
    return w->x && w->idx && w->idx_tmp && w->hist && w->tail && w->b && w->ls ? BK_SUCCESS : BK_ENOMEM;
}

static void work_free(psis_work *w) {
    free(w->x);
    free(w->idx);
    free(w->idx_tmp);
    free(w->hist);
    free(w->tail);
    free(w->b);
    free(w->ls);
}

/* PSIS of w->x (S finite log weights) in place; returns k. */
static double psis_core(size_t S, double r_eff, int normalize, psis_work *w) {
    double *x = w->x;
    double max_x = -INFINITY;
    for (size_t s = 0; s < S; s++)
        if (x[s] > max_x) max_x = x[s];
    for (size_t s = 0; s < S; s++) x[s] -= max_x;
    bk_diag__sort_index(S, x, w->idx, w->idx_tmp, w->hist);
    const double mtail = ceil(fmin((double)S / 5.0, 3.0 * sqrt((double)S / r_eff)));
    const size_t cut = (size_t)mtail + 1 <= S ? S - (size_t)mtail - 1 : 0; /* ArviZ's index -M-1 */
    const double xcutoff = fmax(x[w->idx[cut]], log(DBL_MIN));
    const double expxcutoff = exp(xcutoff);
    size_t j0 = 0; /* first sorted position above the cutoff */
    while (j0 < S && !(x[w->idx[j0]] > xcutoff)) j0++;
    const size_t tail_len = S - j0;
    double k = INFINITY;
    if (tail_len > 4) {
        for (size_t m = 0; m < tail_len; m++) w->tail[m] = exp(x[w->idx[j0 + m]]) - expxcutoff;
        double sigma;
        gpdfit(tail_len, w->tail, w->b, w->ls, &k, &sigma);
        if (isfinite(k) && sigma > 0) {
            for (size_t m = 0; m < tail_len; m++) {
                const double p = ((double)m + 0.5) / (double)tail_len;
                x[w->idx[j0 + m]] = log(gpinv(p, k, sigma) + expxcutoff);
            }
            for (size_t s = 0; s < S; s++)
                if (x[s] > 0) x[s] = 0;
        }
    }
    if (normalize) {
        const double lse = logsumexp(S, x);
        for (size_t s = 0; s < S; s++) x[s] -= lse;
    } else {
        for (size_t s = 0; s < S; s++) x[s] += max_x;
    }
    return k;
}

int bk_psis(size_t S, double *log_weights, double r_eff, int normalize, double *k, bk_error *err) {
    bk_init();
    if (!log_weights || !k) return bk_error_set(err, BK_EINVAL, "PSIS log weights or output pointer is NULL");
    if (S < BK_PSIS_MIN_DRAWS) return bk_error_set(err, BK_EINVAL, "PSIS needs at least %d draws, got %zu", BK_PSIS_MIN_DRAWS, S);
    if (!(r_eff > 0) || !isfinite(r_eff))
        return bk_error_set(err, BK_EINVAL, "relative efficiency must be positive and finite, got %g", r_eff);
    for (size_t s = 0; s < S; s++)
        if (!isfinite(log_weights[s])) return bk_error_set(err, BK_ENONFINITE, "log weight %zu is %g", s, log_weights[s]);
    psis_work w;
    if (work_alloc(S, &w)) {
        work_free(&w);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate PSIS scratch for %zu draws", S);
    }
    memcpy(w.x, log_weights, S * sizeof *w.x);
    *k = psis_core(S, r_eff, normalize, &w);
    memcpy(log_weights, w.x, S * sizeof *w.x);
    work_free(&w);
    return BK_SUCCESS;
}

static int check_loglik(size_t S, size_t n, const double *loglik, size_t ld, size_t min_draws, bk_error *err) {
    if (!loglik) return bk_error_set(err, BK_EINVAL, "log-likelihood matrix is NULL");
    if (S < min_draws) return bk_error_set(err, BK_EINVAL, "need at least %zu draws, got %zu", min_draws, S);
    if (n == 0) return bk_error_set(err, BK_EINVAL, "need at least 1 observation, got 0");
    if (ld < n) return bk_error_set(err, BK_EDIM, "row stride %zu is less than the %zu observations", ld, n);
    for (size_t s = 0; s < S; s++)
        for (size_t i = 0; i < n; i++) {
            const double v = loglik[s * ld + i];
            if (!isfinite(v))
                return bk_error_set(err, BK_ENONFINITE, "log-likelihood of draw %zu, observation %zu is %g", s, i, v);
        }
    return BK_SUCCESS;
}

/* sqrt(n Var(v)) with divisor n, as ArviZ's (n * np.var(v)) ** 0.5. */
static double se_of(size_t n, const double *v) {
    double mean = 0.0;
    for (size_t i = 0; i < n; i++) mean += v[i];
    mean /= (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
    return sqrt((double)n * ss / (double)n);
}

int bk_psis_loo(size_t S, size_t n, const double *loglik, size_t ld, const double *r_eff, double *elpd_i,
                double *pareto_k, const double *yrep, size_t ld_yrep, const double *y, double *loo_pit,
                bk_loo_summary *summary, int nthreads, bk_error *err) {
    bk_init();
    int st = check_loglik(S, n, loglik, ld, BK_PSIS_MIN_DRAWS, err);
    if (st) return st;
    if (!summary) return bk_error_set(err, BK_EINVAL, "LOO summary output pointer is NULL");
    if (nthreads < 0) return bk_error_set(err, BK_EINVAL, "thread count must be >= 0 (0 = default), got %d", nthreads);
    if (r_eff)
        for (size_t i = 0; i < n; i++)
            if (!(r_eff[i] > 0) || !isfinite(r_eff[i]))
                return bk_error_set(err, BK_EINVAL, "relative efficiency of observation %zu must be positive and finite, got %g",
                                    i, r_eff[i]);
    if (loo_pit && (!yrep || !y)) return bk_error_set(err, BK_EINVAL, "LOO-PIT needs replicated data and observations");
    if (loo_pit && ld_yrep < n) return bk_error_set(err, BK_EDIM, "replicated data row stride %zu < %zu observations", ld_yrep, n);
    double *elpd = malloc(n * sizeof *elpd), *ks = malloc(n * sizeof *ks), *lppd = malloc(n * sizeof *lppd);
    if (!elpd || !ks || !lppd) {
        free(elpd);
        free(ks);
        free(lppd);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate LOO results for %zu observations", n);
    }
    int failed = 0;
    const int T = bk_resolve_threads(nthreads);
#pragma omp parallel num_threads(T)
    {
        psis_work w;
        int ok = work_alloc(S, &w) == BK_SUCCESS;
        if (!ok) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
        double *ll = ok ? malloc(S * sizeof *ll) : NULL;
        if (ok && !ll) {
            ok = 0;
            __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
        }
#pragma omp for schedule(dynamic, 16)
        for (long long ii = 0; ii < (long long)n; ii++) {
            if (!ok) continue;
            const size_t i = (size_t)ii;
            for (size_t s = 0; s < S; s++) {
                ll[s] = loglik[s * ld + i];
                w.x[s] = -ll[s];
            }
            lppd[i] = logsumexp(S, ll) - log((double)S);
            ks[i] = psis_core(S, r_eff ? r_eff[i] : 1.0, 1, &w);
            /* elpd_i = logsumexp(log w_s + log p_s); w.x is free afterwards */
            for (size_t s = 0; s < S; s++) ll[s] += w.x[s];
            elpd[i] = logsumexp(S, ll);
            if (loo_pit) {
                double p = 0.0;
                for (size_t s = 0; s < S; s++)
                    if (yrep[s * ld_yrep + i] <= y[i]) p += exp(w.x[s]);
                loo_pit[i] = fmin(p, 1.0);
            }
        }
        free(ll);
        work_free(&w);
    }
    if (failed) {
        free(elpd);
        free(ks);
        free(lppd);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate PSIS scratch for %zu draws", S);
    }
    bk_loo_summary r = {0};
    r.good_k = fmin(1.0 - 1.0 / log10((double)S), 0.7);
    r.max_k = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        r.elpd_loo += elpd[i];
        r.lppd += lppd[i];
        if (ks[i] > r.good_k) r.n_bad_k++;
        if (ks[i] > r.max_k) r.max_k = ks[i];
    }
    r.se = se_of(n, elpd);
    r.p_loo = r.lppd - r.elpd_loo;
    if (elpd_i) memcpy(elpd_i, elpd, n * sizeof *elpd);
    if (pareto_k) memcpy(pareto_k, ks, n * sizeof *ks);
    *summary = r;
    free(elpd);
    free(ks);
    free(lppd);
    return BK_SUCCESS;
}

int bk_waic(size_t S, size_t n, const double *loglik, size_t ld, double *elpd_i, bk_waic_summary *summary,
            int nthreads, bk_error *err) {
    bk_init();
    int st = check_loglik(S, n, loglik, ld, 2, err);
    if (st) return st;
    if (!summary) return bk_error_set(err, BK_EINVAL, "WAIC summary output pointer is NULL");
    if (nthreads < 0) return bk_error_set(err, BK_EINVAL, "thread count must be >= 0 (0 = default), got %d", nthreads);
    double *e = malloc(n * sizeof *e), *lp = malloc(n * sizeof *lp), *v = malloc(n * sizeof *v);
    int failed = !e || !lp || !v;
    const int T = bk_resolve_threads(nthreads);
    if (!failed) {
#pragma omp parallel num_threads(T)
        {
            double *ll = malloc(S * sizeof *ll);
            if (!ll) __atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
#pragma omp for schedule(dynamic, 16)
            for (long long ii = 0; ii < (long long)n; ii++) {
                if (!ll) continue;
                const size_t i = (size_t)ii;
                double mean = 0.0;
                for (size_t s = 0; s < S; s++) {
                    ll[s] = loglik[s * ld + i];
                    mean += ll[s];
                }
                mean /= (double)S;
                double ss = 0.0;
                for (size_t s = 0; s < S; s++) ss += (ll[s] - mean) * (ll[s] - mean);
                lp[i] = logsumexp(S, ll) - log((double)S);
                v[i] = ss / (double)S;
                e[i] = lp[i] - v[i];
            }
            free(ll);
        }
    }
    if (failed) {
        free(e);
        free(lp);
        free(v);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate WAIC scratch for %zu draws x %zu observations", S, n);
    }
    bk_waic_summary r = {0};
    for (size_t i = 0; i < n; i++) {
        r.elpd_waic += e[i];
        r.lppd += lp[i];
        r.p_waic += v[i];
        if (v[i] > 0.4) r.n_large_var++;
    }
    r.se = se_of(n, e);
    if (elpd_i) memcpy(elpd_i, e, n * sizeof *e);
    *summary = r;
    free(e);
    free(lp);
    free(v);
    return BK_SUCCESS;
}
