#include "bayeskit/core.h"
#include "omp_shim.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BK_VERSION_STRING "0.1.0"

const char *bk_strerror(int status) {
    switch (status) {
    case BK_SUCCESS: return "success";
    case BK_EINVAL: return "invalid argument";
    case BK_EDIM: return "dimension mismatch";
    case BK_ENOMEM: return "out of memory";
    case BK_ENONFINITE: return "non-finite value";
    case BK_ESOLVER: return "solver failure";
    case BK_EIO: return "input/output error";
    case BK_EFORMAT: return "malformed input";
    case BK_EINTERNAL: return "internal error";
    default: return "unknown status";
    }
}

void bk_error_clear(bk_error *err) {
    if (!err) return;
    err->code = BK_SUCCESS;
    err->message[0] = '\0';
}

int bk_error_set(bk_error *err, int code, const char *fmt, ...) {
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* GSL's default handler aborts the process. BayesKit checks every GSL status
 * instead, so the handler is switched off once, before any GSL call. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_body(void) { gsl_set_error_handler_off(); }

int bk_init(void) {
    return pthread_once(&init_once, init_body) == 0 ? BK_SUCCESS : BK_EINTERNAL;
}

const char *bk_version(void) { return BK_VERSION_STRING; }

int bk_openmp_enabled(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

/* OpenMP's nthreads-var is per thread; BayesKit keeps its own setting so that
 * the value set from one Swift thread applies to loops started on another.
 * 0 means OpenMP's default: all cores, or OMP_NUM_THREADS when it is set. */
static int requested_threads = 0;

int bk_set_num_threads(int n, bk_error *err) {
    if (n < 0)
        return bk_error_set(err, BK_EINVAL, "thread count must be >= 1 (or 0 for all cores), got %d", n);
    __atomic_store_n(&requested_threads, n, __ATOMIC_RELAXED);
    return BK_SUCCESS;
}

int bk_get_num_threads(void) {
    int n = __atomic_load_n(&requested_threads, __ATOMIC_RELAXED);
    /* Unset: OpenMP's own default, all cores unless OMP_NUM_THREADS says otherwise. */
    return n > 0 ? n : omp_get_max_threads();
}

int bk_resolve_threads(int nthreads) { return nthreads > 0 ? nthreads : bk_get_num_threads(); }

int bk_get_num_procs(void) { return omp_get_num_procs(); }

int bk_all_finite(const double *x, size_t n) {
    /* x - x is 0 for a finite x and NaN for NaN or an infinity; four
     * independent sums (no early exit) let the loop vectorize. */
    double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 += x[i] - x[i];
        a1 += x[i + 1] - x[i + 1];
        a2 += x[i + 2] - x[i + 2];
        a3 += x[i + 3] - x[i + 3];
    }
    for (; i < n; i++) a0 += x[i] - x[i];
    return !isnan(a0 + a1 + a2 + a3);
}
