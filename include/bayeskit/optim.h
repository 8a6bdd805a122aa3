/*
 * First-order optimisers (Adam, SGD with momentum), learning-rate schedules,
 * and the fits built on them (MSE fit of a network, MAP / any log density).
 *
 * Every optimiser MINIMISES: step(params, grad) moves against `grad`.
 * Update formulas are PyTorch's (torch.optim.Adam / SGD, single-tensor path),
 * with t the 1-based step count and lr_t the scheduled learning rate:
 *
 *   Adam:  g <- g + wd p                      (L2 weight decay; or, with
 *                                              `decoupled`, AdamW's p <- p (1 - lr_t wd))
 *          m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2
 *          p <- p - (lr_t / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *   SGD:   g <- g + wd p
 *          buf <- g (t = 1), else buf <- mu buf + (1 - dampening) g
 *          g <- g + mu buf (nesterov) or buf;   p <- p - lr_t g
 *
 * Schedules give lr_t from the number of COMPLETED steps s = t - 1:
 *   constant     lr
 *   step         lr gamma^floor(s / step_size)
 *   exponential  lr gamma^s
 *   cosine       eta_min + (lr - eta_min) (1 + cos(pi min(s, T) / T)) / 2, T = period
 *                (held at eta_min after T steps, unlike PyTorch's periodic form)
 *
 * Thread-safety: one optimiser state per thread.
 */
#ifndef BAYESKIT_OPTIM_H
#define BAYESKIT_OPTIM_H

#include "bayeskit/core.h"
#include "bayeskit/logdensity.h"
#include "bayeskit/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bk_optim_kind { BK_OPTIM_SGD = 0, BK_OPTIM_ADAM = 1 } bk_optim_kind;

typedef enum bk_lr_kind {
    BK_LR_CONSTANT = 0,
    BK_LR_STEP = 1,
    BK_LR_EXPONENTIAL = 2,
    BK_LR_COSINE = 3
} bk_lr_kind;

typedef struct bk_lr_schedule {
    int kind;         /**< bk_lr_kind */
    size_t step_size; /**< BK_LR_STEP: >= 1 */
    double gamma;     /**< BK_LR_STEP, BK_LR_EXPONENTIAL: in (0, 1] */
    size_t period;    /**< BK_LR_COSINE: T >= 1 */
    double eta_min;   /**< BK_LR_COSINE: final rate, 0 <= eta_min <= lr */
} bk_lr_schedule;

typedef struct bk_optim_config {
    int kind;            /**< bk_optim_kind */
    double lr;           /**< > 0 */
    double beta1, beta2; /**< Adam, in [0, 1); PyTorch: 0.9, 0.999 */
    double eps;          /**< Adam, >= 0; PyTorch: 1e-8 */
    double momentum;     /**< SGD, >= 0 */
    double dampening;    /**< SGD, in [0, 1] */
    int nesterov;        /**< SGD: needs momentum > 0 and dampening 0 */
    double weight_decay; /**< >= 0 */
    int decoupled;       /**< Adam: AdamW's decoupled weight decay */
    bk_lr_schedule schedule;
} bk_optim_config;

/** PyTorch's defaults: Adam(lr) with 0.9, 0.999, 1e-8, no weight decay, constant rate. */
bk_optim_config bk_optim_adam_default(double lr);
/** PyTorch's defaults: SGD(lr) without momentum or weight decay, constant rate. */
bk_optim_config bk_optim_sgd_default(double lr);

int bk_optim_config_check(const bk_optim_config *cfg, bk_error *err);

typedef struct bk_optim bk_optim;

/** State (moments / momentum buffer, step count) for `dim` parameters. */
int bk_optim_alloc(size_t dim, const bk_optim_config *cfg, bk_optim **out, bk_error *err);
void bk_optim_free(bk_optim *opt);
/** Back to step 0 with zero moments. */
void bk_optim_reset(bk_optim *opt);
size_t bk_optim_dim(const bk_optim *opt);
/** Number of completed steps. */
size_t bk_optim_steps(const bk_optim *opt);
/** Learning rate after `steps` completed steps under `cfg`'s schedule. */
double bk_optim_lr_at(const bk_optim_config *cfg, size_t steps);

/**
 * One update of params[0..dim) against grad[0..dim). BK_ENONFINITE (params
 * and state unchanged) when grad holds NaN or infinity.
 */
int bk_optim_step(bk_optim *opt, double *params, const double *grad, bk_error *err);

/**
 * Maximises a log density (minimises -logp) from theta (dim values, updated
 * in place) with `steps` optimiser steps. `history` (steps values, may be
 * NULL) receives -logp at the point each step started from. When logp or its
 * gradient becomes non-finite the fit stops with BK_ENONFINITE, a message
 * naming the step, and theta holds the last point with a finite value and
 * gradient. A status from `fn` is returned as is.
 */
int bk_optim_maximize(bk_optim *opt, bk_logdensity_fn fn, void *ctx, size_t dim, double *theta, size_t steps,
                      double *history, bk_error *err);

/**
 * Mean-squared-error fit without a prior, the seed's MH initialisation:
 * loss = mean over the n w_L outputs of (f(x; theta) - y)^2 (PyTorch's
 * F.mse_loss), minimised from theta (P values, updated in place) with
 * `steps` steps of `opt`. `history` (steps values, may be NULL) gets the loss
 * before each step. Data are checked for NaN. Divergence as bk_optim_maximize.
 */
int bk_nn_fit_mse(bk_optim *opt, const bk_net *net, size_t n, const double *x, const double *y, double *theta,
                  size_t steps, double *history, bk_error *err);

#ifdef __cplusplus
}
#endif
#endif
