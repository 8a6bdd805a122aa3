/*
 * MCMC diagnostics, model-free over draws: rank-normalised split R-hat, bulk
 * and tail effective sample size, Monte Carlo standard error of the mean,
 * autocovariance and autocorrelation by FFT, and the per-parameter summary.
 *
 * Reference: Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
 * "Rank-normalization, folding, and localization: an improved R-hat for
 * assessing convergence of MCMC", Bayesian Analysis 16(2), 667-718. The
 * conventions are those of ArviZ (`arviz.stats.diagnostics`) and Stan's
 * `posterior` R package:
 *   - split chains: each chain of N draws becomes two chains of floor(N/2);
 *     with N odd the middle draw is dropped;
 *   - rank normalisation: average ranks r over all split draws (ties share
 *     their mean rank), z = Phi^-1((r - 3/8) / (S + 1/4));
 *   - autocovariance normalised by N (the biased estimator), via FFT;
 *   - ESS with Geyer's initial positive and initial monotone sequences over
 *     the chain-averaged autocovariance, tau >= 1/log10(S), so ESS <= S log10 S;
 *   - quantiles: linear interpolation (numpy's default, R's type 7).
 *
 * Shapes: one parameter is `nchains * ndraws` doubles, chain-major
 * (`x[c * ndraws + d]`). Many parameters are `[chain][draw][parameter]`
 * (`x[(c * ndraws + d) * nparams + p]`), the layout of draws files.
 *
 * Degenerate input: a parameter whose draws are all equal (max - min below
 * 1e-15, ArviZ's threshold) has R-hat, ESS and MCSE NaN, as in `posterior`
 * (ArviZ returns the sample size as ESS there). A transformed array that is
 * constant (for example the tail indicator of a discrete parameter) gives a
 * NaN ESS for the same reason. Fewer than 4 draws per chain, NaN or infinity
 * are errors (BK_EINVAL, BK_ENONFINITE) naming the parameter, chain and draw.
 *
 * Thread-safety: a workspace belongs to one thread at a time; the functions
 * without a workspace are reentrant. bk_diag_summary runs in parallel over
 * parameters and its results do not depend on `nthreads`.
 */
#ifndef BAYESKIT_DIAGNOSTICS_H
#define BAYESKIT_DIAGNOSTICS_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fewest draws per chain the diagnostics accept (as ArviZ and posterior). */
#define BK_DIAG_MIN_DRAWS 4

/** Scratch memory for the diagnostics of one parameter of `nchains` x `ndraws`. */
typedef struct bk_diag_workspace bk_diag_workspace;

/**
 * Allocates a workspace for chains of `ndraws` draws (>= 4) and `nchains`
 * (>= 1) chains. On failure `*out` is untouched. Free with
 * bk_diag_workspace_free.
 */
int bk_diag_workspace_alloc(size_t nchains, size_t ndraws, bk_diag_workspace **out, bk_error *err);

/** Frees a workspace; NULL is allowed. */
void bk_diag_workspace_free(bk_diag_workspace *w);

/**
 * Autocovariance of one series at lags 0..maxlag, normalised by n:
 * acov[k] = (1/n) sum_{t<n-k} (x_t - xbar)(x_{t+k} - xbar), computed by a
 * zero-padded FFT of 5-smooth length >= 2n (ArviZ's `autocov`). Needs n >= 1 and
 * maxlag < n; the values must be finite.
 */
int bk_diag_autocov(size_t n, const double *x, size_t maxlag, double *acov, bk_error *err);

/**
 * Autocorrelation acf[k] = acov[k] / acov[0], k = 0..maxlag (ArviZ's
 * `autocorr`). A constant series (acov[0] = 0) is BK_EINVAL.
 */
int bk_diag_autocorr(size_t n, const double *x, size_t maxlag, double *acf, bk_error *err);

/**
 * ESS of the draws as given (no rank normalisation): with `split` != 0 on
 * split chains (posterior's `ess_basic`, ArviZ's method "mean"), else on the
 * chains as they are (ArviZ's method "identity").
 */
int bk_diag_ess_basic(bk_diag_workspace *w, const double *x, int split, double *ess, bk_error *err);

/** Bulk ESS: ESS of the rank-normalised split chains. */
int bk_diag_ess_bulk(bk_diag_workspace *w, const double *x, double *ess, bk_error *err);

/**
 * Tail ESS: min over q in {q05, q95} (quantiles of all draws) of the ESS of
 * the split indicator chains I(x <= q).
 */
int bk_diag_ess_tail(bk_diag_workspace *w, const double *x, double *ess, bk_error *err);

/**
 * Rank-normalised split R-hat: max(R-hat of z(split x), R-hat of
 * z(|split x - median(split x)|)). With one chain it is the split R-hat of
 * its two halves (as in posterior; ArviZ returns NaN for one chain). When
 * one half is NaN (0/0: chains stuck at different constants make the folded
 * draws constant) the other is used, so such chains give +inf as in ArviZ.
 */
int bk_diag_rhat(bk_diag_workspace *w, const double *x, double *rhat, bk_error *err);

/**
 * Classic potential scale reduction sqrt(((N-1)/N W + B/N) / W) on the raw
 * draws, split (`split` != 0, ArviZ's method "split") or not ("identity";
 * then it needs two chains).
 */
int bk_diag_rhat_basic(bk_diag_workspace *w, const double *x, int split, double *rhat, bk_error *err);

/** MCSE of the mean: sd(x) / sqrt(ess_basic(x, split)), sd with divisor S - 1. */
int bk_diag_mcse_mean(bk_diag_workspace *w, const double *x, double *mcse, bk_error *err);

/** One parameter's summary row; the fields of RunResult.ParameterSummary. */
typedef struct bk_diag_summary_row {
    double mean, sd;          /**< sd with divisor S - 1 */
    double q05, q50, q95;     /**< linear interpolation (type 7) */
    double mcse_mean;
    double ess_bulk, ess_tail;
    double rhat;              /**< rank-normalised split R-hat */
} bk_diag_summary_row;

/** Summary of one parameter, chain-major `x`. */
int bk_diag_summarize(bk_diag_workspace *w, const double *x, bk_diag_summary_row *row, bk_error *err);

/**
 * Summaries of `nparams` parameters from `draws[(c * ndraws + d) * nparams + p]`,
 * in parallel over parameters with `nthreads` threads (0 = the process
 * default). `names` (NULL, or `nparams` strings) are used in error messages.
 * On failure `rows` is untouched; the error reported is that of the
 * lowest-numbered failing parameter (its first bad chain and draw), whatever
 * the thread count.
 */
int bk_diag_summary(size_t nchains, size_t ndraws, size_t nparams, const double *draws,
                    const char *const *names, int nthreads, bk_diag_summary_row *rows, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
