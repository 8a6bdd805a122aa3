/*
 * Model checking: Pareto-smoothed importance sampling (PSIS), PSIS
 * leave-one-out cross-validation (PSIS-LOO) with Pareto-k diagnostics,
 * LOO-PIT, and WAIC, over the pointwise log-likelihood of posterior draws.
 *
 * Input layout: `loglik` holds log p(y_i | theta_s) for S draws and n
 * observations, row s at loglik[s * ld .. s * ld + n) (draw-major, the
 * layout of a predictive buffer), ld >= n. Draws of several chains are
 * pooled (their order does not matter).
 *
 * PSIS (Vehtari, Simpson, Gelman, Yao & Gabry 2024, "Pareto smoothed
 * importance sampling", JMLR 25(72)), for the raw log weights r_s of one
 * observation (for LOO r_s = -log p(y_i | theta_s)):
 *   - the M = ceil(min(S / 5, 3 sqrt(S / r_eff))) largest weights form the
 *     tail; a generalised Pareto distribution is fitted to their excess over
 *     the cutoff by the empirical-Bayes estimate of Zhang & Stephens (2009),
 *     with the weakly informative prior on k of Vehtari et al.
 *     (k <- (M k + 5) / (M + 10));
 *   - the tail weights are replaced by the fitted quantiles at (j - 1/2)/M,
 *     truncated at the largest raw weight, and the weights normalised.
 *   k > min(1 - 1/log10(S), 0.7) means the estimate is unreliable.
 * The arithmetic follows ArviZ's `psislw` (0.23.4) step by step, so the
 * numbers agree with it to rounding.
 *
 * PSIS-LOO (Vehtari, Gelman & Gabry 2017, "Practical Bayesian model
 * evaluation using leave-one-out cross-validation and WAIC", Statistics and
 * Computing 27):
 *   elpd_i = log sum_s w_is p(y_i | theta_s),  w the smoothed normalised
 *            weights of r_s = -log p(y_i | theta_s);
 *   elpd_loo = sum_i elpd_i,  se = sqrt(n Var_i(elpd_i)) (divisor n),
 *   lppd = sum_i log( (1/S) sum_s p(y_i | theta_s) ),  p_loo = lppd - elpd_loo.
 * LOO-PIT (Gabry et al. 2019): pit_i = sum_s w_is 1[yrep_is <= y_i].
 * WAIC (Watanabe 2010; the same paper's eq. 11-12):
 *   elpd_waic,i = lppd_i - Var_s(log p(y_i | theta_s)) (divisor S),
 *   p_waic = sum_i Var_s(...), se as above.
 *
 * Parallel over observations with OpenMP; results do not depend on the
 * thread count (every observation is computed alone; sums in index order).
 */
#ifndef BAYESKIT_CHECKING_H
#define BAYESKIT_CHECKING_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fewest draws PSIS accepts. */
#define BK_PSIS_MIN_DRAWS 10

/**
 * PSIS of one vector of S >= BK_PSIS_MIN_DRAWS finite log weights, in
 * place: on return log_weights holds the smoothed, truncated log weights,
 * normalised to log-sum-exp 0 when `normalize` (else shifted back to the
 * input's scale). `*k` is the Pareto shape estimate (+inf when the tail has
 * 4 or fewer draws and no smoothing was done). r_eff > 0 is the relative
 * MCMC efficiency (ESS / S) of the weights; 1 for independent draws.
 */
int bk_psis(size_t S, double *log_weights, double r_eff, int normalize, double *k, bk_error *err);

/** Totals of PSIS-LOO. */
typedef struct bk_loo_summary {
    double elpd_loo;  /**< sum of elpd_i */
    double se;        /**< sqrt(n Var(elpd_i)) */
    double p_loo;     /**< lppd - elpd_loo: effective number of parameters */
    double lppd;      /**< log pointwise predictive density of the full posterior */
    double good_k;    /**< threshold min(1 - 1/log10(S), 0.7) */
    size_t n_bad_k;   /**< observations with k > good_k */
    double max_k;     /**< largest Pareto k (may be +inf) */
} bk_loo_summary;

/**
 * PSIS-LOO over the S x n pointwise log-likelihood (see the file comment).
 * `r_eff`: n relative efficiencies (> 0), or NULL for 1. Outputs (each may
 * be NULL): elpd_i (n), pareto_k (n), and, with `yrep` (S x n, row stride
 * ld_yrep) and `y` (n) given, loo_pit (n). Errors: S < BK_PSIS_MIN_DRAWS,
 * n = 0, ld < n, a non-finite log-likelihood (named by draw and
 * observation), r_eff <= 0.
 */
int bk_psis_loo(size_t S, size_t n, const double *loglik, size_t ld, const double *r_eff, double *elpd_i,
                double *pareto_k, const double *yrep, size_t ld_yrep, const double *y, double *loo_pit,
                bk_loo_summary *summary, int nthreads, bk_error *err);

/** Totals of WAIC. */
typedef struct bk_waic_summary {
    double elpd_waic;
    double se;
    double p_waic;
    double lppd;
    size_t n_large_var; /**< observations with Var_s log p > 0.4 (the estimate is then unreliable) */
} bk_waic_summary;

/** WAIC over the S x n pointwise log-likelihood; elpd_i (n) may be NULL. */
int bk_waic(size_t S, size_t n, const double *loglik, size_t ld, double *elpd_i, bk_waic_summary *summary,
            int nthreads, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
