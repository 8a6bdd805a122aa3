/* Many independent solves in parallel: one solver (one gsl_odeiv2 driver)
 * per thread, allocated once per call and reset between its solves. Every
 * solve starts from a reset driver, so the result of set k never depends on
 * which thread ran it or on what that thread solved before. */
#include "ode_internal.h"
#include "omp_shim.h"

#include <stdlib.h>
#include <string.h>

int bk_ode_solve_batch(const bk_ode_system *sys, const bk_ode_options *opt, size_t nsets, const double *params,
                       const double *y0, size_t y0_stride, double t0, size_t nt, const double *times, double *out,
                       double *sens, int nthreads, bk_error *err) {
    bk_init();
    int st;
    if ((st = bk_ode_system_check(sys, err)) || (st = bk_ode_options_check(opt, err))) return st;
    if (nsets == 0) return BK_SUCCESS;
    if ((sys->nparams && !params) || !y0 || !times || !out)
        return bk_error_set(err, BK_EINVAL, "ODE batch: an input or output pointer is NULL");
    if (y0_stride != 0 && y0_stride != sys->dim)
        return bk_error_set(err, BK_EDIM, "ODE batch: y0_stride must be 0 (shared) or %zu (one per set), got %zu",
                            sys->dim, y0_stride);
    int nthr = sys->serial ? 1 : bk_resolve_threads(nthreads);
    if ((size_t)nthr > nsets) nthr = (int)nsets;
    bk_ode_solver **solvers = calloc((size_t)nthr, sizeof *solvers);
    if (!solvers) return bk_error_set(err, BK_ENOMEM, "cannot allocate %d ODE solvers", nthr);
    for (int i = 0; i < nthr; i++) {
        if ((st = bk_ode_solver_alloc(sys, opt, sens != NULL, &solvers[i], err))) {
            for (int j = 0; j < i; j++) bk_ode_solver_free(solvers[j]);
            free(solvers);
            return st;
        }
    }
    const size_t n = sys->dim, np = sys->nparams;
    size_t first_fail = nsets; /* lowest failing set so far */
    int fail_code = BK_SUCCESS;
    bk_error fail_err;
    bk_error_clear(&fail_err);
    const long long count = (long long)nsets;
#pragma omp parallel num_threads(nthr)
    {
        bk_ode_solver *s = solvers[omp_get_thread_num() % nthr];
#pragma omp for schedule(dynamic, 8)
        for (long long kk = 0; kk < count; kk++) {
            const size_t k = (size_t)kk;
            /* Sets after a known failure need not run: the message names the lowest one. */
            if (k > __atomic_load_n(&first_fail, __ATOMIC_RELAXED)) continue;
            int r = bk_ode_solve_into(s, params + k * np, y0 + k * y0_stride, t0, nt, times, out + k * nt * n,
                                      sens ? sens + k * nt * n * np : NULL);
            if (r) {
#pragma omp critical(bk_ode_batch_fail)
                if (k < first_fail) {
                    first_fail = k;
                    fail_code = r;
                    fail_err = s->error;
                }
            }
        }
    }
    for (int i = 0; i < nthr; i++) bk_ode_solver_free(solvers[i]);
    free(solvers);
    if (fail_code)
        return bk_error_set(err, fail_code, "parameter set %zu: %s", first_fail, fail_err.message);
    return BK_SUCCESS;
}
