/*
 * Internal pieces shared by the diagnostics files: the workspace layout and
 * the algorithms on already split / transformed chains. Not installed.
 */
#ifndef BAYESKIT_DIAG_INTERNAL_H
#define BAYESKIT_DIAG_INTERNAL_H

#include "bayeskit/diagnostics.h"

#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <math.h>
#include <stddef.h>

/* ArviZ's constant-draws threshold, np.finfo(float).resolution. */
#define BK_DIAG_CONSTANT_TOL 1e-15

/* A reusable real FFT of length m (5-smooth, >= 2n) for series of length n. */
typedef struct bk_diag_fft {
    size_t m;
    double *buf;
    gsl_fft_real_wavetable *rw;
    gsl_fft_halfcomplex_wavetable *hw;
    gsl_fft_real_workspace *ws;
} bk_diag_fft;

/* (Re)allocates `f` for series of length n unless it already fits. */
int bk_diag__fft_prepare(bk_diag_fft *f, size_t n);
/* Frees what `f` holds and zeroes it. */
void bk_diag__fft_release(bk_diag_fft *f);

struct bk_diag_workspace {
    size_t nchains, ndraws; /* the shape of one parameter's draws */
    size_t half;            /* draws per split chain, floor(ndraws / 2) */
    double *a, *b;          /* nchains * ndraws each: split copies, ranks, sorted draws */
    size_t *idx;            /* nchains * ndraws: sort permutation */
    size_t *idx_tmp;        /* nchains * ndraws: the radix sort's second permutation buffer */
    size_t *hist;           /* bk_diag__sort_hist_size(): the radix sort's digit counts */
    bk_diag_fft fft;        /* FFT plan for the chain length last used */
    double *acov;           /* ndraws: autocovariance summed over chains */
    double *chain_acov;     /* ndraws: one chain's autocovariance */
    double *rho;            /* ndraws: autocorrelation estimates of Geyer's sequence */
    double *cmean;          /* 2 * nchains: chain means */
};

/* Checks nchains >= 1 and ndraws >= BK_DIAG_MIN_DRAWS (and no overflow). */
int bk_diag__check_shape(size_t nchains, size_t ndraws, bk_error *err);

/* Checks that the `nchains * ndraws` values are finite; the message names the
 * chain and draw of the first that is not. */
int bk_diag__check_finite(const bk_diag_workspace *w, const double *x, bk_error *err);

/* 1 when max(x) - min(x) < BK_DIAG_CONSTANT_TOL over the n values. */
int bk_diag__is_constant(size_t n, const double *x);

/* Copies x into `out` as 2 * nchains split chains of w->half draws, ArviZ's
 * order: the first halves of chains 0..C-1, then their second halves. With
 * an odd ndraws the middle draw of each chain is dropped. */
void bk_diag__split(const bk_diag_workspace *w, const double *x, double *out);

/* Autocovariance (divisor n) at lags 0..maxlag of a series, by a zero-padded
 * FFT with the plan `f`, (re)prepared for n when needed. */
int bk_diag__autocov_fft(bk_diag_fft *f, size_t n, const double *x, size_t maxlag, double *acov);

/* Radix sorts (sort.c), declared in csrc/core/sort.h for every family. */
#include "sort.h"

/* Rank normalisation of n values: average ranks, Blom's offset 3/8, inverse
 * normal CDF. `z` must not alias `x`; uses w->idx, w->idx_tmp, w->hist (n <=
 * the workspace's nchains * ndraws). */
void bk_diag__rank_normalize(bk_diag_workspace *w, size_t n, const double *x, double *z);

/* Quantile of sorted data, numpy's default "linear" method. */
double bk_diag__quantile_linear(size_t n, const double *sorted, double p);

/* Quantile of sorted data as scipy's mquantiles(alphap=1, betap=1), which
 * ArviZ uses for the tail-ESS thresholds (same value as the linear method up
 * to rounding). */
double bk_diag__quantile_mq(size_t n, const double *sorted, double p);

/* Median of sorted data as numpy: the middle value, or the mean of the two. */
double bk_diag__median_sorted(size_t n, const double *sorted);

/* ESS of m chains of n draws (chain-major y), ArviZ's `_ess`; NaN when the
 * values are constant. Uses w->fft, w->acov, w->chain_acov, w->rho, w->cmean;
 * needs n <= w->ndraws and m <= 2 * w->nchains. */
double bk_diag__ess_chains(bk_diag_workspace *w, size_t m, size_t n, const double *y);

/* Tail ESS of x (chain-major, validated) given all its draws sorted in w->b:
 * min over q in {q05, q95} of the ESS of the split indicators I(x <= q);
 * NaN when either indicator is constant (posterior). Overwrites w->a, w->b. */
double bk_diag__ess_tail_sorted(bk_diag_workspace *w, const double *x);

/* Rank-normalised split R-hat of validated x, and (when ess_bulk is not
 * NULL) the bulk ESS from the same ranks. Overwrites w->a, w->b, w->idx. */
void bk_diag__rank_rhat(bk_diag_workspace *w, const double *x, double *rhat, double *ess_bulk);

/* Potential scale reduction of m chains of n draws, ArviZ's `_rhat`. Needs
 * m >= 2; NaN when every chain is constant at the same value (0/0). */
double bk_diag__rhat_chains(size_t m, size_t n, const double *y, double *cmean);

#endif
