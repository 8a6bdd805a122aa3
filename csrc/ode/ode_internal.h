/* Internals shared by the ODE sources. */
#ifndef BAYESKIT_ODE_INTERNAL_H
#define BAYESKIT_ODE_INTERNAL_H

#include "bayeskit/ode.h"

#include <gsl/gsl_odeiv2.h>

struct bk_ode_solver {
    bk_ode_system sys;
    bk_ode_options opt;
    int sens;              /* bk_ode_sens flags: the state is augmented with S */
    size_t n, np, naug;    /* states, parameters, integrated states */
    size_t ns, pcols;      /* columns of S; of them, the leading dy/dp ones (np or 0) */
    gsl_odeiv2_system gsys;
    gsl_odeiv2_driver *drv;
    double *p;             /* np: parameters of the current solve */
    double *y;             /* naug: the integrated state */
    double *J, *dfdt, *F;  /* n*n, n, n*np: Jacobians at the current point */
    double *fd_v, *fd_a, *fd_b; /* finite-difference scratch: max(n, np), n, n */
    double *buf_y, *buf_s; /* nt*n, nt*n*ns: outputs kept until the solve succeeds */
    size_t cap_nt;
    uint64_t steps, rhs_evals;
    int cb_status;         /* a callback's failure, or 0 */
    int nonfinite;         /* a non-finite derivative was seen */
    double cb_t;           /* where */
    bk_error error;
};

/* Validates and solves, writing straight into y (nt x n) and sens (nt x n x np,
 * nullable); on failure the outputs are partly written. Message in s->error. */
int bk_ode_solve_into(bk_ode_solver *s, const double *p, const double *y0, double t0, size_t nt, const double *times,
                      double *y, double *sens);

#endif
