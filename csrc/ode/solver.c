/* The integrator wrapper on gsl_odeiv2: one driver per solver, reset between
 * solves; our own step loop around gsl_odeiv2_evolve_apply so that step
 * limits, non-finite states and vanishing step sizes become statuses with
 * messages. Forward sensitivities integrate S' = J S + [dfdp | 0] with y,
 * S = [dy/dp | dy/dy0], S(t0) = [0 | I]. */
#include "ode_internal.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[BK_ODE_METHOD_COUNT] = {"rk8pd", "rkf45", "rkck", "rk4imp", "msbdf"};

const char *bk_ode_method_name(int method) {
    return method >= 0 && method < BK_ODE_METHOD_COUNT ? method_names[method] : "unknown";
}

int bk_ode_method_parse(const char *name, int *out, bk_error *err) {
    for (int i = 0; i < BK_ODE_METHOD_COUNT; i++)
        if (name && strcmp(name, method_names[i]) == 0) {
            *out = i;
            return BK_SUCCESS;
        }
    return bk_error_set(err, BK_EINVAL, "unknown ODE method '%s'; known methods: rk8pd, rkf45, rkck, rk4imp, msbdf",
                        name ? name : "(null)");
}

void bk_ode_options_default(bk_ode_options *opt) {
    opt->method = BK_ODE_RK8PD;
    opt->rtol = 1e-8;
    opt->atol = 1e-10;
    opt->h0 = 0.0;
    opt->max_steps = 100000;
}

int bk_ode_options_check(const bk_ode_options *opt, bk_error *err) {
    if (!opt) return bk_error_set(err, BK_EINVAL, "ODE options are NULL");
    if (opt->method < 0 || opt->method >= BK_ODE_METHOD_COUNT)
        return bk_error_set(err, BK_EINVAL, "unknown ODE method %d; known methods: rk8pd, rkf45, rkck, rk4imp, msbdf",
                            opt->method);
    if (!(opt->rtol >= 0) || !isfinite(opt->rtol))
        return bk_error_set(err, BK_EINVAL, "rtol must be >= 0 and finite, got %g", opt->rtol);
    if (!(opt->atol >= 0) || !isfinite(opt->atol))
        return bk_error_set(err, BK_EINVAL, "atol must be >= 0 and finite, got %g", opt->atol);
    if (opt->rtol == 0 && opt->atol == 0) return bk_error_set(err, BK_EINVAL, "rtol and atol must not both be 0");
    if (!(opt->h0 >= 0) || !isfinite(opt->h0))
        return bk_error_set(err, BK_EINVAL, "initial step h0 must be >= 0 and finite (0: automatic), got %g", opt->h0);
    if (opt->max_steps < 1) return bk_error_set(err, BK_EINVAL, "max_steps must be >= 1, got 0");
    return BK_SUCCESS;
}

static const gsl_odeiv2_step_type *step_type(int method) {
    switch (method) {
    case BK_ODE_RK8PD: return gsl_odeiv2_step_rk8pd;
    case BK_ODE_RKF45: return gsl_odeiv2_step_rkf45;
    case BK_ODE_RKCK: return gsl_odeiv2_step_rkck;
    case BK_ODE_RK4IMP: return gsl_odeiv2_step_rk4imp;
    default: return gsl_odeiv2_step_msbdf;
    }
}

/* ---- callbacks: the system's, or central differences ----------------------- */

static int call_rhs(bk_ode_solver *s, double t, const double *y, const double *p, double *f) {
    s->rhs_evals++;
    return s->sys.rhs(s->sys.ctx, t, y, p, f);
}

static double fd_step(double v) { return 1e-7 * fmax(1.0, fabs(v)); }

static int base_jac(bk_ode_solver *s, double t, const double *y) {
    if (s->sys.jac) return s->sys.jac(s->sys.ctx, t, y, s->p, s->J, s->dfdt);
    const size_t n = s->n;
    double *v = s->fd_v, *a = s->fd_a, *b = s->fd_b;
    memcpy(v, y, n * sizeof *v);
    for (size_t j = 0; j < n; j++) {
        const double h = fd_step(y[j]);
        int st;
        v[j] = y[j] + h;
        if ((st = call_rhs(s, t, v, s->p, a))) return st;
        v[j] = y[j] - h;
        if ((st = call_rhs(s, t, v, s->p, b))) return st;
        v[j] = y[j];
        for (size_t i = 0; i < n; i++) s->J[i * n + j] = (a[i] - b[i]) / (2 * h);
    }
    const double h = fd_step(t);
    int st;
    if ((st = call_rhs(s, t + h, y, s->p, a)) || (st = call_rhs(s, t - h, y, s->p, b))) return st;
    for (size_t i = 0; i < n; i++) s->dfdt[i] = (a[i] - b[i]) / (2 * h);
    return 0;
}

static int base_pjac(bk_ode_solver *s, double t, const double *y) {
    if (s->sys.pjac) return s->sys.pjac(s->sys.ctx, t, y, s->p, s->F);
    const size_t n = s->n, np = s->np;
    double *v = s->fd_v, *a = s->fd_a, *b = s->fd_b;
    memcpy(v, s->p, np * sizeof *v);
    for (size_t k = 0; k < np; k++) {
        const double h = fd_step(s->p[k]);
        int st;
        v[k] = s->p[k] + h;
        if ((st = call_rhs(s, t, y, v, a))) return st;
        v[k] = s->p[k] - h;
        if ((st = call_rhs(s, t, y, v, b))) return st;
        v[k] = s->p[k];
        for (size_t i = 0; i < n; i++) s->F[i * np + k] = (a[i] - b[i]) / (2 * h);
    }
    return 0;
}

/* A callback failure stops the solve at once (GSL_EBADFUNC); a non-finite
 * derivative is a failed trial step (GSL_FAILURE): GSL halves the step and
 * tries again, which rescues an over-long trial step and gives up at a
 * genuine singularity. */
static int fail_callback(bk_ode_solver *s, int st, double t) {
    s->cb_status = st;
    s->cb_t = t;
    return GSL_EBADFUNC;
}

static int gsl_rhs(double t, const double y[], double f[], void *params) {
    bk_ode_solver *s = params;
    int st = call_rhs(s, t, y, s->p, f);
    if (st) return fail_callback(s, st, t);
    if (s->sens) {
        /* Variational equations: dS/dt = J S + [dfdp | 0] (columns: pcols
         * parameters, then the initial states, whose forcing is zero). */
        const size_t n = s->n, np = s->np, ns = s->ns, pc = s->pcols;
        if ((st = base_jac(s, t, y)) || (pc && (st = base_pjac(s, t, y)))) return fail_callback(s, st, t);
        const double *S = y + n;
        double *dS = f + n;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < ns; k++) {
                double acc = k < pc ? s->F[i * np + k] : 0.0;
                for (size_t j = 0; j < n; j++) acc += s->J[i * n + j] * S[j * ns + k];
                dS[i * ns + k] = acc;
            }
    }
    if (!bk_all_finite(f, s->naug)) {
        s->nonfinite = 1;
        s->cb_t = t;
        return GSL_FAILURE;
    }
    return GSL_SUCCESS;
}

static int gsl_jac(double t, const double y[], double *dfdy, double dfdt[], void *params) {
    bk_ode_solver *s = params;
    int st = base_jac(s, t, y);
    if (st) return fail_callback(s, st, t);
    const size_t n = s->n, na = s->naug;
    if (!s->sens) {
        memcpy(dfdy, s->J, n * n * sizeof *dfdy);
        memcpy(dfdt, s->dfdt, n * sizeof *dfdt);
    } else {
        /* diag(J, J ⊗ I_ns): the exact block for y, the dominant one for S. */
        const size_t np = s->ns;
        memset(dfdy, 0, na * na * sizeof *dfdy);
        memset(dfdt, 0, na * sizeof *dfdt);
        for (size_t i = 0; i < n; i++) {
            dfdt[i] = s->dfdt[i];
            for (size_t j = 0; j < n; j++) {
                dfdy[i * na + j] = s->J[i * n + j];
                for (size_t k = 0; k < np; k++) dfdy[(n + i * np + k) * na + (n + j * np + k)] = s->J[i * n + j];
            }
        }
    }
    if (!bk_all_finite(dfdy, na * na) || !bk_all_finite(dfdt, na)) {
        s->nonfinite = 1;
        s->cb_t = t;
        return GSL_FAILURE;
    }
    return GSL_SUCCESS;
}

/* ---- alloc / free ----------------------------------------------------------- */

void bk_ode_solver_free(bk_ode_solver *s) {
    if (!s) return;
    if (s->drv) gsl_odeiv2_driver_free(s->drv);
    free(s->p);
    free(s->y);
    free(s->J);
    free(s->dfdt);
    free(s->F);
    free(s->fd_v);
    free(s->fd_a);
    free(s->fd_b);
    free(s->buf_y);
    free(s->buf_s);
    free(s);
}

int bk_ode_solver_alloc(const bk_ode_system *sys, const bk_ode_options *opt, int sensitivities, bk_ode_solver **out,
                        bk_error *err) {
    bk_init();
    int st;
    if ((st = bk_ode_system_check(sys, err)) || (st = bk_ode_options_check(opt, err))) return st;
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (sensitivities < 0 || sensitivities > (BK_ODE_SENS_PARAMS | BK_ODE_SENS_INITIAL))
        return bk_error_set(err, BK_EINVAL, "sensitivities must be 0, 1 (parameters), 2 (initial states) or 3 (both), "
                            "got %d", sensitivities);
    if ((sensitivities & BK_ODE_SENS_PARAMS) && sys->nparams == 0)
        return bk_error_set(err, BK_EINVAL, "sensitivities need a system with parameters; '%s' has none",
                            sys->name ? sys->name : "user");
    bk_ode_solver *s = calloc(1, sizeof *s);
    if (!s) return bk_error_set(err, BK_ENOMEM, "cannot allocate an ODE solver");
    s->sys = *sys;
    s->opt = *opt;
    s->sens = sensitivities;
    s->n = sys->dim;
    s->np = sys->nparams;
    s->pcols = (sensitivities & BK_ODE_SENS_PARAMS) ? s->np : 0;
    s->ns = s->pcols + ((sensitivities & BK_ODE_SENS_INITIAL) ? s->n : 0);
    s->naug = s->n * (1 + s->ns);
    const size_t n = s->n, np = s->np, big = n > np ? n : np;
    s->p = calloc(np ? np : 1, sizeof(double));
    s->y = calloc(s->naug, sizeof(double));
    s->J = calloc(n * n, sizeof(double));
    s->dfdt = calloc(n, sizeof(double));
    s->F = calloc(np ? n * np : 1, sizeof(double));
    s->fd_v = calloc(big, sizeof(double));
    s->fd_a = calloc(n, sizeof(double));
    s->fd_b = calloc(n, sizeof(double));
    s->gsys = (gsl_odeiv2_system){gsl_rhs, gsl_jac, s->naug, s};
    /* The driver owns the step, control and evolve objects and tells the
     * implicit steppers (rk4imp, msbdf) the control's error level. The
     * control is GSL's standard one on y only: atol + rtol |y_i|. */
    s->drv = gsl_odeiv2_driver_alloc_y_new(&s->gsys, step_type(opt->method), opt->h0 > 0 ? opt->h0 : 1e-6, opt->atol,
                                           opt->rtol);
    if (!s->p || !s->y || !s->J || !s->dfdt || !s->F || !s->fd_v || !s->fd_a || !s->fd_b || !s->drv) {
        bk_ode_solver_free(s);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate an ODE solver for %zu states", n);
    }
    bk_error_clear(&s->error);
    *out = s;
    return BK_SUCCESS;
}

const bk_error *bk_ode_solver_error(const bk_ode_solver *s) { return &s->error; }

size_t bk_ode_solver_sens_columns(const bk_ode_solver *s) { return s ? s->ns : 0; }

void bk_ode_solver_stats(const bk_ode_solver *s, uint64_t *steps, uint64_t *rhs_evals) {
    if (steps) *steps = s->steps;
    if (rhs_evals) *rhs_evals = s->rhs_evals;
}

/* ---- solving ------------------------------------------------------------------ */

static const char *pname(const bk_ode_solver *s, size_t k, char *buf, size_t cap) {
    if (s->sys.param_names) return s->sys.param_names[k];
    snprintf(buf, cap, "%zu", k);
    return buf;
}

static const char *sname(const bk_ode_solver *s, size_t k, char *buf, size_t cap) {
    if (s->sys.state_names) return s->sys.state_names[k];
    snprintf(buf, cap, "%zu", k);
    return buf;
}

static int check_inputs(bk_ode_solver *s, const double *p, const double *y0, double t0, size_t nt,
                        const double *times) {
    bk_error *err = &s->error;
    char buf[32];
    if ((s->np && !p) || !y0 || !times) return bk_error_set(err, BK_EINVAL, "ODE solve: an input pointer is NULL");
    for (size_t k = 0; k < s->np; k++)
        if (!isfinite(p[k]))
            return bk_error_set(err, BK_ENONFINITE, "parameter %s must be finite, got %g", pname(s, k, buf, sizeof buf),
                                p[k]);
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(y0[i]))
            return bk_error_set(err, BK_ENONFINITE, "initial state %s must be finite, got %g",
                                sname(s, i, buf, sizeof buf), y0[i]);
    if (!isfinite(t0)) return bk_error_set(err, BK_ENONFINITE, "initial time t0 must be finite, got %g", t0);
    if (nt == 0) return bk_error_set(err, BK_EINVAL, "at least one output time is needed");
    for (size_t k = 0; k < nt; k++) {
        if (!isfinite(times[k]))
            return bk_error_set(err, BK_ENONFINITE, "output times must be finite; times[%zu] = %g", k, times[k]);
        if (k > 0 && !(times[k] > times[k - 1]))
            return bk_error_set(err, BK_EINVAL, "output times must be strictly increasing; times[%zu] = %g follows "
                                "times[%zu] = %g", k, times[k], k - 1, times[k - 1]);
    }
    if (times[0] < t0)
        return bk_error_set(err, BK_EINVAL, "output times must not start before t0 = %g; times[0] = %g", t0, times[0]);
    return BK_SUCCESS;
}

static void store(const bk_ode_solver *s, size_t k, double *y, double *sens) {
    memcpy(y + k * s->n, s->y, s->n * sizeof *y);
    if (sens && s->sens) memcpy(sens + k * s->n * s->ns, s->y + s->n, s->n * s->ns * sizeof *sens);
}

int bk_ode_solve_into(bk_ode_solver *s, const double *p, const double *y0, double t0, size_t nt, const double *times,
                      double *y, double *sens) {
    bk_error_clear(&s->error);
    s->steps = 0;
    s->rhs_evals = 0;
    int st = check_inputs(s, p, y0, t0, nt, times);
    if (st) return st;
    const char *name = s->sys.name ? s->sys.name : "user";
    const char *method = bk_ode_method_name(s->opt.method);
    if (s->np) memcpy(s->p, p, s->np * sizeof *p);
    memcpy(s->y, y0, s->n * sizeof *y0);
    if (s->sens) {
        memset(s->y + s->n, 0, s->n * s->ns * sizeof *s->y);
        for (size_t i = s->pcols; i < s->ns; i++) s->y[s->n + (i - s->pcols) * s->ns + i] = 1.0; /* dy0/dy0 = I */
    }
    const double span = times[nt - 1] - t0;
    /* Automatic first step: 1e-3 of the span (error control shrinks it if needed). */
    double h = s->opt.h0 > 0 ? s->opt.h0 : (span > 0 ? 1e-3 * span : 1e-6);
    if (gsl_odeiv2_driver_reset_hstart(s->drv, h) != GSL_SUCCESS)
        return bk_error_set(&s->error, BK_EINTERNAL, "cannot reset the ODE driver");
    const double tiny = 64 * DBL_EPSILON * fmax(1.0, fmax(fabs(t0), fabs(span)));
    gsl_odeiv2_evolve *e = s->drv->e;
    gsl_odeiv2_control *c = s->drv->c;
    gsl_odeiv2_step *stp = s->drv->s;
    double t = t0;
    s->cb_status = 0;
    s->nonfinite = 0;
    for (size_t k = 0; k < nt; k++) {
        const double t1 = times[k];
        while (t < t1) {
            if (s->steps >= s->opt.max_steps)
                return bk_error_set(&s->error, BK_ESOLVER,
                                    "ODE solve (system '%s', %s) reached the step limit of %llu steps at t = %.10g "
                                    "before output time %g (the system may be stiff: try msbdf, or raise max_steps)",
                                    name, method, (unsigned long long)s->opt.max_steps, t, t1);
            const double t_before = t;
            s->nonfinite = 0;
            int gs = gsl_odeiv2_evolve_apply(e, c, stp, &s->gsys, &t, t1, &h, s->y);
            s->steps++;
            if (s->cb_status) {
                const char *msg = s->sys.message ? s->sys.message(s->sys.ctx) : NULL;
                return bk_error_set(&s->error, BK_ESOLVER, "ODE system '%s' failed at t = %.10g: %s", name, s->cb_t,
                                    msg && msg[0] ? msg : "its right-hand side or Jacobian returned an error");
            }
            if (gs != GSL_SUCCESS || !bk_all_finite(s->y, s->naug) || (t < t1 && fabs(h) < tiny)) {
                if (s->nonfinite || !bk_all_finite(s->y, s->naug) || fabs(h) < tiny || t == t_before)
                    return bk_error_set(&s->error, BK_ENONFINITE,
                                        "ODE solution of system '%s' blows up near t = %.10g (%s cannot continue "
                                        "towards output time %g: step size %.3g)",
                                        name, t, method, t1, fabs(h));
                return bk_error_set(&s->error, BK_ESOLVER, "ODE solve (system '%s', %s) failed at t = %.10g: %s",
                                    name, method, t, gsl_strerror(gs));
            }
        }
        store(s, k, y, sens);
    }
    return BK_SUCCESS;
}

int bk_ode_solver_solve(bk_ode_solver *s, const double *p, const double *y0, double t0, size_t nt,
                        const double *times, double *y, double *sens) {
    if (!s) return BK_EINVAL;
    bk_error_clear(&s->error);
    if (!y) return bk_error_set(&s->error, BK_EINVAL, "ODE solve: output pointer is NULL");
    if (sens && !s->sens)
        return bk_error_set(&s->error, BK_EINVAL, "sensitivities were requested from a solver allocated without them");
    if (nt > s->cap_nt) {
        double *by = realloc(s->buf_y, nt * s->n * sizeof *by);
        if (by) s->buf_y = by;
        double *bs = s->sens ? realloc(s->buf_s, nt * s->n * s->ns * sizeof *bs) : NULL;
        if (bs) s->buf_s = bs;
        if (!by || (s->sens && !bs)) return bk_error_set(&s->error, BK_ENOMEM, "cannot allocate %zu output times", nt);
        s->cap_nt = nt;
    }
    int st = bk_ode_solve_into(s, p, y0, t0, nt, times, s->buf_y, sens ? s->buf_s : NULL);
    if (st) return st;
    memcpy(y, s->buf_y, nt * s->n * sizeof *y);
    if (sens) memcpy(sens, s->buf_s, nt * s->n * s->ns * sizeof *sens);
    return BK_SUCCESS;
}
