#define _POSIX_C_SOURCE 200809L /* clock_gettime */
/*
 * The VI driver: epochs of shuffled minibatches, KL annealing, Adam on the
 * variational parameters, history per epoch, progress and divergence.
 */
#include "vi_internal.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>



int bk_vi_run(bk_vi *vi, uint64_t seed, double *phi, int nthreads, bk_progress *progress, double *elbo,
              double *exp_loglik, double *kl, double *seconds, size_t *epochs_done, bk_error *err) {
    if (!vi || !phi) return bk_error_set(err, BK_EINVAL, "VI problem or parameters is NULL");
    const size_t D2 = 2 * vi->D, n = vi->n, B = vi->B, E = vi->cfg.epochs;
    const size_t steps = (n + B - 1) / B;
    const int full = B == n;
    vi->best_epoch = 0;
    if (!bk_all_finite(phi, D2)) return bk_error_set(err, BK_ENONFINITE, "initial variational parameters are not finite");
    bk_optim *opt = NULL;
    int st = bk_optim_alloc(D2, &vi->cfg.optim, &opt, err);
    if (st) return st;
    double *grad = malloc(D2 * sizeof *grad), *prev = malloc(D2 * sizeof *prev);
    size_t *perm = full ? NULL : malloc(n * sizeof *perm);
    bk_rng *srng = NULL;
    if (!grad || !prev || (!full && !perm) || (st = bk_rng_alloc(seed, 1, &srng, err))) {
        free(grad);
        free(prev);
        free(perm);
        bk_optim_free(opt);
        return st ? st : bk_error_set(err, BK_ENOMEM, "cannot allocate VI buffers for %zu parameters", D2);
    }
    if (progress) bk_progress_set_total(progress, 0, E);
    const double t0 = bk_now_seconds();
    uint64_t t = 0; /* global step */
    size_t done = 0;
    int have_prev = 0;
    for (size_t e = 0; e < E && !st; e++) {
        const double beta = bk_vi_kl_weight(&vi->cfg.anneal, e);
        if (!full) {
            bk_rng_reset(srng, seed, 2 * (uint64_t)e + 1);
            bk_shuffle_indices(srng, n, perm);
        }
        double s_elbo = 0.0, s_ell = 0.0, s_kl = 0.0;
        for (size_t s = 0; s < steps; s++, t++) {
            const size_t lo = s * B, nb = lo + B <= n ? B : n - lo;
            bk_vi_terms terms;
            st = bk_vi_estimate(vi, phi, NULL, seed, t, nb, full ? NULL : perm + lo, beta, nthreads, &terms, grad, err);
            if (st) break;
            if (!isfinite(terms.elbo) || !bk_all_finite(grad, D2)) {
                if (have_prev) memcpy(phi, prev, D2 * sizeof *phi);
                st = bk_error_set(err, BK_ENONFINITE,
                                  "VI diverged at epoch %zu of %zu: the ELBO estimate or its gradient is not finite "
                                  "(ELBO %g); the parameters are the last finite ones; try a smaller learning rate",
                                  e + 1, E, terms.elbo);
                break;
            }
            s_elbo += terms.elbo;
            s_ell += terms.exp_loglik;
            s_kl += terms.kl;
            memcpy(prev, phi, D2 * sizeof *phi);
            have_prev = 1;
            for (size_t i = 0; i < D2; i++) grad[i] = -grad[i];
            if ((st = bk_optim_step(opt, phi, grad, err))) break;
        }
        if (st) break;
        if (elbo) elbo[e] = s_elbo / (double)steps;
        if (exp_loglik) exp_loglik[e] = s_ell / (double)steps;
        if (kl) kl[e] = s_kl / (double)steps;
        if (seconds) seconds[e] = bk_now_seconds() - t0;
        done = e + 1;
        bk_progress_add(progress, 0, 1);
        if (vi->nval) {
            /* Early stopping: mean held-out log-likelihood at the means mu = phi[0..D). */
            double ll = 0.0;
            if ((st = bk_nn_loglik(vi->net, &vi->lik, phi, vi->nval, vi->xval, vi->yval, &ll, NULL, vi->wsval, err)))
                break;
            const double v = ll / (double)vi->nval;
            vi->val_hist[e] = v;
            if (vi->best_epoch == 0 || v > vi->val_hist[vi->best_epoch - 1]) {
                vi->best_epoch = e + 1;
                memcpy(vi->best_phi, phi, D2 * sizeof *phi);
            } else if (done - vi->best_epoch >= vi->patience) {
                break;
            }
        }
        if (bk_progress_cancelled(progress)) break;
    }
    if (!st && vi->nval && vi->best_epoch > 0) memcpy(phi, vi->best_phi, D2 * sizeof *phi);
    if (epochs_done) *epochs_done = done;
    free(grad);
    free(prev);
    free(perm);
    bk_rng_free(srng);
    bk_optim_free(opt);
    return st;
}
