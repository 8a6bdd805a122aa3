/*
 * Robbins–Monro adaptation of a proposal scale toward a target acceptance
 * probability, on the log scale (Andrieu & Thoms 2008, section 5):
 *     log s_{t+1} = log s_t + (t + 1)^(-kappa) (alpha_t - target),
 * with Polyak averaging of log s over the second half of warmup for the
 * final value. init / update / final, as BlackJAX's adaptation triples.
 */
#include "bayeskit/mcmc.h"

#include <math.h>

/* Keep log s in a range where exp() is finite and the proposal meaningful. */
#define LOG_SCALE_MIN (-700.0)
#define LOG_SCALE_MAX (700.0)

int bk_scale_adapt_init(bk_scale_adapt *a, double scale, double target, uint64_t nwarmup, bk_error *err) {
    if (!a) return bk_error_set(err, BK_EINVAL, "adaptation state is NULL");
    if (!(scale > 0 && isfinite(scale)))
        return bk_error_set(err, BK_EINVAL, "initial scale must be > 0 and finite, got %g", scale);
    if (!(target > 0 && target < 1))
        return bk_error_set(err, BK_EINVAL, "target acceptance must be in (0, 1), got %g", target);
    a->log_scale = log(scale);
    a->target = target;
    a->kappa = 0.6;
    a->t = 0;
    a->nwarmup = nwarmup;
    a->sum_late = 0;
    a->n_late = 0;
    return BK_SUCCESS;
}

double bk_scale_adapt_update(bk_scale_adapt *a, double acceptance_prob) {
    const double p = isfinite(acceptance_prob) ? acceptance_prob : 0.0;
    const double gamma = pow((double)(a->t + 1), -a->kappa);
    double ls = a->log_scale + gamma * (p - a->target);
    if (ls < LOG_SCALE_MIN) ls = LOG_SCALE_MIN;
    if (ls > LOG_SCALE_MAX) ls = LOG_SCALE_MAX;
    a->log_scale = ls;
    a->t++;
    if (2 * a->t > a->nwarmup) {
        a->sum_late += ls;
        a->n_late++;
    }
    return exp(ls);
}

double bk_scale_adapt_final(const bk_scale_adapt *a) {
    if (a->n_late >= 2) return exp(a->sum_late / (double)a->n_late);
    return exp(a->log_scale);
}
