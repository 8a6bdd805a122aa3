/*
 * Adam and SGD with momentum, PyTorch's update formulas (see
 * include/bayeskit/optim.h), and learning-rate schedules.
 *
 * Kingma & Ba (2015), "Adam: A method for stochastic optimization", ICLR;
 * Loshchilov & Hutter (2019), "Decoupled weight decay regularization", ICLR;
 * Loshchilov & Hutter (2017), "SGDR: stochastic gradient descent with warm
 * restarts", ICLR (cosine schedule).
 */
#include "bayeskit/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bk_optim {
    bk_optim_config cfg;
    size_t dim;
    size_t t;  /* completed steps */
    double *m; /* Adam first moment / SGD momentum buffer */
    double *v; /* Adam second moment */
};

bk_optim_config bk_optim_adam_default(double lr) {
    bk_optim_config c;
    memset(&c, 0, sizeof c);
    c.kind = BK_OPTIM_ADAM;
    c.lr = lr;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    c.schedule.kind = BK_LR_CONSTANT;
    c.schedule.gamma = 1.0;
    c.schedule.step_size = 1;
    c.schedule.period = 1;
    return c;
}

bk_optim_config bk_optim_sgd_default(double lr) {
    bk_optim_config c = bk_optim_adam_default(lr);
    c.kind = BK_OPTIM_SGD;
    c.beta1 = c.beta2 = c.eps = 0.0;
    return c;
}

int bk_optim_config_check(const bk_optim_config *c, bk_error *err) {
    if (!c) return bk_error_set(err, BK_EINVAL, "optimizer configuration is NULL");
    if (!(c->lr > 0.0) || !isfinite(c->lr))
        return bk_error_set(err, BK_EINVAL, "learning rate must be positive and finite, got %g", c->lr);
    if (!(c->weight_decay >= 0.0) || !isfinite(c->weight_decay))
        return bk_error_set(err, BK_EINVAL, "weight decay must be >= 0 and finite, got %g", c->weight_decay);
    switch (c->kind) {
    case BK_OPTIM_ADAM:
        if (!(c->beta1 >= 0.0 && c->beta1 < 1.0))
            return bk_error_set(err, BK_EINVAL, "Adam beta1 must be in [0, 1), got %g", c->beta1);
        if (!(c->beta2 >= 0.0 && c->beta2 < 1.0))
            return bk_error_set(err, BK_EINVAL, "Adam beta2 must be in [0, 1), got %g", c->beta2);
        if (!(c->eps >= 0.0) || !isfinite(c->eps))
            return bk_error_set(err, BK_EINVAL, "Adam epsilon must be >= 0 and finite, got %g", c->eps);
        break;
    case BK_OPTIM_SGD:
        if (!(c->momentum >= 0.0) || !isfinite(c->momentum))
            return bk_error_set(err, BK_EINVAL, "SGD momentum must be >= 0 and finite, got %g", c->momentum);
        if (!(c->dampening >= 0.0 && c->dampening <= 1.0))
            return bk_error_set(err, BK_EINVAL, "SGD dampening must be in [0, 1], got %g", c->dampening);
        if (c->nesterov && (c->momentum <= 0.0 || c->dampening != 0.0))
            return bk_error_set(err, BK_EINVAL, "Nesterov momentum needs momentum > 0 and dampening 0");
        break;
    default: return bk_error_set(err, BK_EINVAL, "unknown optimizer kind %d", c->kind);
    }
    const bk_lr_schedule *s = &c->schedule;
    switch (s->kind) {
    case BK_LR_CONSTANT: break;
    case BK_LR_STEP:
        if (s->step_size == 0) return bk_error_set(err, BK_EINVAL, "step schedule needs step size >= 1, got 0");
        /* fallthrough */
    case BK_LR_EXPONENTIAL:
        if (!(s->gamma > 0.0 && s->gamma <= 1.0))
            return bk_error_set(err, BK_EINVAL, "schedule gamma must be in (0, 1], got %g", s->gamma);
        break;
    case BK_LR_COSINE:
        if (s->period == 0) return bk_error_set(err, BK_EINVAL, "cosine schedule needs period >= 1, got 0");
        if (!(s->eta_min >= 0.0 && s->eta_min <= c->lr))
            return bk_error_set(err, BK_EINVAL, "cosine schedule minimum must be in [0, %g], got %g", c->lr, s->eta_min);
        break;
    default: return bk_error_set(err, BK_EINVAL, "unknown learning-rate schedule %d", s->kind);
    }
    return BK_SUCCESS;
}

double bk_optim_lr_at(const bk_optim_config *c, size_t steps) {
    const bk_lr_schedule *s = &c->schedule;
    switch (s->kind) {
    case BK_LR_STEP: return c->lr * pow(s->gamma, (double)(steps / s->step_size));
    case BK_LR_EXPONENTIAL: return c->lr * pow(s->gamma, (double)steps);
    case BK_LR_COSINE: {
        const double f = (double)(steps < s->period ? steps : s->period) / (double)s->period;
        return s->eta_min + (c->lr - s->eta_min) * 0.5 * (1.0 + cos(3.14159265358979323846 * f));
    }
    default: return c->lr;
    }
}

int bk_optim_alloc(size_t dim, const bk_optim_config *cfg, bk_optim **out, bk_error *err) {
    bk_init();
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (dim == 0) return bk_error_set(err, BK_EINVAL, "optimizer needs at least 1 parameter, got 0");
    int st = bk_optim_config_check(cfg, err);
    if (st) return st;
    bk_optim *o = calloc(1, sizeof *o);
    if (!o) return bk_error_set(err, BK_ENOMEM, "cannot allocate an optimizer");
    o->m = calloc(dim, sizeof *o->m);
    o->v = cfg->kind == BK_OPTIM_ADAM ? calloc(dim, sizeof *o->v) : NULL;
    if (!o->m || (cfg->kind == BK_OPTIM_ADAM && !o->v)) {
        bk_optim_free(o);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate optimizer state for %zu parameters", dim);
    }
    o->cfg = *cfg;
    o->dim = dim;
    *out = o;
    return BK_SUCCESS;
}

void bk_optim_free(bk_optim *o) {
    if (!o) return;
    free(o->m);
    free(o->v);
    free(o);
}

void bk_optim_reset(bk_optim *o) {
    if (!o) return;
    o->t = 0;
    memset(o->m, 0, o->dim * sizeof *o->m);
    if (o->v) memset(o->v, 0, o->dim * sizeof *o->v);
}

size_t bk_optim_dim(const bk_optim *o) { return o ? o->dim : 0; }
size_t bk_optim_steps(const bk_optim *o) { return o ? o->t : 0; }

int bk_optim_step(bk_optim *o, double *p, const double *grad, bk_error *err) {
    if (!o || !p || !grad) return bk_error_set(err, BK_EINVAL, "optimizer, parameters or gradient is NULL");
    if (!bk_all_finite(grad, o->dim))
        for (size_t i = 0; i < o->dim; i++)
            if (!isfinite(grad[i]))
                return bk_error_set(err, BK_ENONFINITE, "gradient is not finite at index %zu (%g) in step %zu", i,
                                    grad[i], o->t + 1);
    const bk_optim_config *c = &o->cfg;
    const double lr = bk_optim_lr_at(c, o->t), wd = c->weight_decay;
    const size_t t = ++o->t;
    if (c->kind == BK_OPTIM_ADAM) {
        const double b1 = c->beta1, b2 = c->beta2;
        const double step_size = lr / (1.0 - pow(b1, (double)t));
        const double bc2_sqrt = sqrt(1.0 - pow(b2, (double)t)), eps = c->eps;
        /* Restrict-qualified locals and the branch outside the loop let the
         * compiler vectorize it (sqrt and division included); each element
         * sees the same operations in the same order as before. */
        double *restrict m = o->m, *restrict v = o->v, *restrict q = p;
        const double *restrict gr = grad;
        const size_t dim = o->dim;
        if (c->decoupled) {
            const double shrink = 1.0 - lr * wd;
            for (size_t i = 0; i < dim; i++) {
                const double g = gr[i];
                q[i] *= shrink;
                m[i] = b1 * m[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                q[i] -= step_size * m[i] / (sqrt(v[i]) / bc2_sqrt + eps);
            }
        } else {
            for (size_t i = 0; i < dim; i++) {
                const double g = gr[i] + wd * q[i];
                m[i] = b1 * m[i] + (1.0 - b1) * g;
                v[i] = b2 * v[i] + (1.0 - b2) * g * g;
                q[i] -= step_size * m[i] / (sqrt(v[i]) / bc2_sqrt + eps);
            }
        }
    } else {
        const double mu = c->momentum;
        for (size_t i = 0; i < o->dim; i++) {
            double g = grad[i] + wd * p[i];
            if (mu != 0.0) {
                o->m[i] = t == 1 ? g : mu * o->m[i] + (1.0 - c->dampening) * g;
                g = c->nesterov ? g + mu * o->m[i] : o->m[i];
            }
            p[i] -= lr * g;
        }
    }
    return BK_SUCCESS;
}
