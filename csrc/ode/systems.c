/* The built-in ODE systems, each with its Jacobian and parameter Jacobian
 * (row-major, see ode.h). Immutable: no context, safe from any thread. */
#include "bayeskit/ode.h"

#include <math.h>
#include <string.h>

/* ---- damped oscillator: x' = v, v' = -2 zeta omega v - omega^2 x ---------- */

static int osc_rhs(void *ctx, double t, const double *y, const double *p, double *f) {
    const double z = p[0], w = p[1];
    f[0] = y[1];
    f[1] = -2.0 * z * w * y[1] - w * w * y[0];
    return 0;
}

static int osc_jac(void *ctx, double t, const double *y, const double *p, double *J, double *dfdt) {
    const double z = p[0], w = p[1];
    J[0] = 0.0;
    J[1] = 1.0;
    J[2] = -w * w;
    J[3] = -2.0 * z * w;
    dfdt[0] = dfdt[1] = 0.0;
    return 0;
}

static int osc_pjac(void *ctx, double t, const double *y, const double *p, double *F) {
    const double z = p[0], w = p[1];
    F[0] = 0.0;                              /* d f0 / d zeta */
    F[1] = 0.0;                              /* d f0 / d omega */
    F[2] = -2.0 * w * y[1];                  /* d f1 / d zeta */
    F[3] = -2.0 * z * y[1] - 2.0 * w * y[0]; /* d f1 / d omega */
    return 0;
}

/* ---- forced oscillator: ... = F cos(Omega t); p = (zeta, omega, F, Omega) -- */

static int forced_rhs(void *ctx, double t, const double *y, const double *p, double *f) {
    osc_rhs(ctx, t, y, p, f);
    f[1] += p[2] * cos(p[3] * t);
    return 0;
}

static int forced_jac(void *ctx, double t, const double *y, const double *p, double *J, double *dfdt) {
    osc_jac(ctx, t, y, p, J, dfdt);
    dfdt[1] = -p[2] * p[3] * sin(p[3] * t);
    return 0;
}

static int forced_pjac(void *ctx, double t, const double *y, const double *p, double *F) {
    const double z = p[0], w = p[1];
    F[0] = F[1] = F[2] = F[3] = 0.0;
    F[4] = -2.0 * w * y[1];
    F[5] = -2.0 * z * y[1] - 2.0 * w * y[0];
    F[6] = cos(p[3] * t);
    F[7] = -p[2] * t * sin(p[3] * t);
    return 0;
}

/* ---- Lotka-Volterra: p = (alpha, beta, delta, gamma) ---------------------- */

static int lv_rhs(void *ctx, double t, const double *y, const double *p, double *f) {
    f[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    f[1] = p[2] * y[0] * y[1] - p[3] * y[1];
    return 0;
}

static int lv_jac(void *ctx, double t, const double *y, const double *p, double *J, double *dfdt) {
    J[0] = p[0] - p[1] * y[1];
    J[1] = -p[1] * y[0];
    J[2] = p[2] * y[1];
    J[3] = p[2] * y[0] - p[3];
    dfdt[0] = dfdt[1] = 0.0;
    return 0;
}

static int lv_pjac(void *ctx, double t, const double *y, const double *p, double *F) {
    F[0] = y[0];
    F[1] = -y[0] * y[1];
    F[2] = 0.0;
    F[3] = 0.0;
    F[4] = 0.0;
    F[5] = 0.0;
    F[6] = y[0] * y[1];
    F[7] = -y[1];
    return 0;
}

/* ---- SIR (fractions): p = (beta, gamma) ----------------------------------- */

static int sir_rhs(void *ctx, double t, const double *y, const double *p, double *f) {
    const double inf = p[0] * y[0] * y[1], rec = p[1] * y[1];
    f[0] = -inf;
    f[1] = inf - rec;
    f[2] = rec;
    return 0;
}

static int sir_jac(void *ctx, double t, const double *y, const double *p, double *J, double *dfdt) {
    const double b = p[0], g = p[1];
    J[0] = -b * y[1];
    J[1] = -b * y[0];
    J[2] = 0.0;
    J[3] = b * y[1];
    J[4] = b * y[0] - g;
    J[5] = 0.0;
    J[6] = 0.0;
    J[7] = g;
    J[8] = 0.0;
    dfdt[0] = dfdt[1] = dfdt[2] = 0.0;
    return 0;
}

static int sir_pjac(void *ctx, double t, const double *y, const double *p, double *F) {
    F[0] = -y[0] * y[1];
    F[1] = 0.0;
    F[2] = y[0] * y[1];
    F[3] = -y[1];
    F[4] = 0.0;
    F[5] = y[1];
    return 0;
}

/* ---- Van der Pol: p = (mu) ------------------------------------------------ */

static int vdp_rhs(void *ctx, double t, const double *y, const double *p, double *f) {
    f[0] = y[1];
    f[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0];
    return 0;
}

static int vdp_jac(void *ctx, double t, const double *y, const double *p, double *J, double *dfdt) {
    J[0] = 0.0;
    J[1] = 1.0;
    J[2] = -2.0 * p[0] * y[0] * y[1] - 1.0;
    J[3] = p[0] * (1.0 - y[0] * y[0]);
    dfdt[0] = dfdt[1] = 0.0;
    return 0;
}

static int vdp_pjac(void *ctx, double t, const double *y, const double *p, double *F) {
    F[0] = 0.0;
    F[1] = (1.0 - y[0] * y[0]) * y[1];
    return 0;
}

/* ---- Robertson: p = (k1, k2, k3) ------------------------------------------ */

static int rob_rhs(void *ctx, double t, const double *y, const double *p, double *f) {
    const double a = p[0] * y[0], b = p[1] * y[1] * y[1], c = p[2] * y[1] * y[2];
    f[0] = -a + c;
    f[1] = a - b - c;
    f[2] = b;
    return 0;
}

static int rob_jac(void *ctx, double t, const double *y, const double *p, double *J, double *dfdt) {
    const double k1 = p[0], k2 = p[1], k3 = p[2];
    J[0] = -k1;
    J[1] = k3 * y[2];
    J[2] = k3 * y[1];
    J[3] = k1;
    J[4] = -2.0 * k2 * y[1] - k3 * y[2];
    J[5] = -k3 * y[1];
    J[6] = 0.0;
    J[7] = 2.0 * k2 * y[1];
    J[8] = 0.0;
    dfdt[0] = dfdt[1] = dfdt[2] = 0.0;
    return 0;
}

static int rob_pjac(void *ctx, double t, const double *y, const double *p, double *F) {
    F[0] = -y[0];
    F[1] = 0.0;
    F[2] = y[1] * y[2];
    F[3] = y[0];
    F[4] = -y[1] * y[1];
    F[5] = -y[1] * y[2];
    F[6] = 0.0;
    F[7] = y[1] * y[1];
    F[8] = 0.0;
    return 0;
}

/* ---- the table ------------------------------------------------------------ */

static const char *const xv[] = {"x", "v"};
static const char *const osc_p[] = {"zeta", "omega"};
static const char *const forced_p[] = {"zeta", "omega", "F", "Omega"};
static const char *const lv_y[] = {"prey", "predator"};
static const char *const lv_p[] = {"alpha", "beta", "delta", "gamma"};
static const char *const sir_y[] = {"S", "I", "R"};
static const char *const sir_p[] = {"beta", "gamma"};
static const char *const vdp_p[] = {"mu"};
static const char *const rob_y[] = {"y1", "y2", "y3"};
static const char *const rob_p[] = {"k1", "k2", "k3"};

static const bk_ode_system builtins[BK_ODE_BUILTIN_COUNT] = {
    {"oscillator", 2, 2, osc_rhs, osc_jac, osc_pjac, NULL, NULL, 0, xv, osc_p},
    {"forced-oscillator", 2, 4, forced_rhs, forced_jac, forced_pjac, NULL, NULL, 0, xv, forced_p},
    {"lotka-volterra", 2, 4, lv_rhs, lv_jac, lv_pjac, NULL, NULL, 0, lv_y, lv_p},
    {"sir", 3, 2, sir_rhs, sir_jac, sir_pjac, NULL, NULL, 0, sir_y, sir_p},
    {"van-der-pol", 2, 1, vdp_rhs, vdp_jac, vdp_pjac, NULL, NULL, 0, xv, vdp_p},
    {"robertson", 3, 3, rob_rhs, rob_jac, rob_pjac, NULL, NULL, 0, rob_y, rob_p},
};

int bk_ode_system_builtin(int which, bk_ode_system *out, bk_error *err) {
    if (which < 0 || which >= BK_ODE_BUILTIN_COUNT)
        return bk_error_set(err, BK_EINVAL, "unknown built-in ODE system %d", which);
    *out = builtins[which];
    return BK_SUCCESS;
}

int bk_ode_system_named(const char *name, bk_ode_system *out, bk_error *err) {
    for (int i = 0; i < BK_ODE_BUILTIN_COUNT; i++)
        if (name && strcmp(name, builtins[i].name) == 0) {
            *out = builtins[i];
            return BK_SUCCESS;
        }
    return bk_error_set(err, BK_EINVAL,
                        "unknown ODE system '%s'; known systems: oscillator, forced-oscillator, lotka-volterra, sir, "
                        "van-der-pol, robertson",
                        name ? name : "(null)");
}

int bk_ode_system_check(const bk_ode_system *sys, bk_error *err) {
    if (!sys) return bk_error_set(err, BK_EINVAL, "ODE system is NULL");
    if (sys->dim < 1) return bk_error_set(err, BK_EINVAL, "ODE system must have at least one state, got 0");
    if (!sys->rhs) return bk_error_set(err, BK_EINVAL, "ODE system has no right-hand side function");
    if (sys->dim > 100000 || sys->nparams > 100000)
        return bk_error_set(err, BK_EINVAL, "ODE system is too large: %zu states, %zu parameters", sys->dim,
                            sys->nparams);
    return BK_SUCCESS;
}
