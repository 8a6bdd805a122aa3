/*
 * The log-density callback every BayesKit sampler and fitter consumes.
 *
 * A model is a function theta -> log p(theta) (up to an additive constant)
 * with, optionally, its gradient. Built-in models (the BNN posterior of
 * nn.h, the ODE posterior) implement it in C; a Swift closure can implement
 * it through a trampoline, so a user's own model can be sampled.
 *
 * Contract of a `bk_logdensity_fn`:
 *   - `ctx` is the model's context; `dim` must equal the model's dimension
 *     (a mismatch is BK_EDIM);
 *   - on BK_SUCCESS `*logp` holds the value and, when `grad` is not NULL,
 *     `grad[0..dim)` holds d logp / d theta;
 *   - a NON-FINITE VALUE IS NOT AN ERROR: extreme parameters may give
 *     `*logp = -inf` or NaN with status BK_SUCCESS; samplers treat a
 *     non-finite value as a rejection (zero density). The gradient is then
 *     unspecified (may hold NaN or inf);
 *   - a non-zero status means the model itself failed (bad dimension, a
 *     user closure that threw, an ODE solver failure); the model keeps a
 *     message for it in its own error record (for the BNN posterior:
 *     bk_bnn_posterior_error). Outputs are unspecified on failure.
 *   - Thread-safety is the model's: a context with an internal workspace
 *     (the BNN posterior) is used by one thread at a time; clone it per
 *     chain.
 */
#ifndef BAYESKIT_LOGDENSITY_H
#define BAYESKIT_LOGDENSITY_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Log density (and optional gradient) of a flat parameter vector; see the file comment. */
typedef int (*bk_logdensity_fn)(void *ctx, size_t dim, const double *theta, double *logp, double *grad /* may be NULL */);

/**
 * Central finite-difference gradient of `fn` at `theta`:
 * grad[i] = (f(theta + h_i e_i) - f(theta - h_i e_i)) / (2 h_i) with
 * h_i = h * max(1, |theta_i|). `theta` is copied, never modified. A status
 * from `fn` is returned as is (with `err` set to a generic message). For
 * tests of hand-written gradients; 2 dim evaluations.
 */
int bk_logdensity_fd_gradient(bk_logdensity_fn fn, void *ctx, size_t dim, const double *theta, double h,
                              double *grad, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
