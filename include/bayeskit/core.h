/*
 * BayesKit C core: status codes, error records, library initialisation,
 * threading control.
 *
 * The contract every public C function in BayesKit follows:
 *   - it returns an `int` status, BK_SUCCESS (0) or one of `bk_status`;
 *   - results go through out-pointers, which are left untouched on failure;
 *   - the human-readable reason for a failure is written into a `bk_error`
 *     record owned by the caller (or embedded in the object the function
 *     operates on), never into process-global state, so threads never race
 *     on it;
 *   - nothing calls abort() or exit(); GSL's aborting error handler is turned
 *     off by bk_init(), and every GSL status is checked.
 */
#ifndef BAYESKIT_CORE_H
#define BAYESKIT_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes returned by every public BayesKit C function. */
typedef enum bk_status {
    BK_SUCCESS = 0,        /**< no error */
    BK_EINVAL = 1,         /**< an argument is outside its allowed range */
    BK_EDIM = 2,           /**< array shapes do not agree */
    BK_ENOMEM = 3,         /**< allocation failed */
    BK_ENONFINITE = 4,     /**< NaN or infinity in input or result */
    BK_ESOLVER = 5,        /**< a numerical routine failed to converge */
    BK_EIO = 6,            /**< reading or writing a file failed */
    BK_EFORMAT = 7,        /**< malformed input text (CSV, JSON, ...) */
    BK_EINTERNAL = 8       /**< an invariant of BayesKit itself was broken */
} bk_status;

/** Short, static description of a status code; never NULL. */
const char *bk_strerror(int status);

/** Capacity of a `bk_error` message, including the terminating NUL. */
#define BK_ERROR_MESSAGE_SIZE 512

/**
 * The last failure of one object or one call: its status and a message that
 * names the problem ("scale must be positive, got -1"). Owned by the caller
 * or embedded in a BayesKit object. Not thread-safe by itself: each thread
 * uses its own record, which is the point of not having a global one.
 */
typedef struct bk_error {
    int code;
    char message[BK_ERROR_MESSAGE_SIZE];
} bk_error;

/** Resets `err` to BK_SUCCESS with an empty message. NULL is allowed. */
void bk_error_clear(bk_error *err);

/**
 * Records a failure in `err` (when not NULL) and returns `code`, so that a
 * function can write `return bk_error_set(err, BK_EINVAL, "...", ...);`.
 */
int bk_error_set(bk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Initialises the library: turns GSL's aborting error handler off. Runs its
 * body exactly once per process however many threads call it; every BayesKit
 * allocation function calls it, so calling it yourself is optional.
 */
int bk_init(void);

/** Library version as "MAJOR.MINOR.PATCH". */
const char *bk_version(void);

/** 1 when the C core was compiled with OpenMP, 0 otherwise. */
int bk_openmp_enabled(void);

/**
 * Sets the number of threads BayesKit's parallel loops use. `n` must be >= 1;
 * 0 restores the default (all cores, or OMP_NUM_THREADS when set). Results
 * never depend on this number.
 */
int bk_set_num_threads(int n, bk_error *err);

/** The number of threads the next parallel loop will use. */
int bk_get_num_threads(void);

/**
 * The thread count a parallel function uses when called with `nthreads`:
 * `nthreads` itself when > 0, else the value of bk_get_num_threads().
 * Every parallel BayesKit function takes an `int nthreads` argument with
 * this meaning, so a caller can fix the count per call without touching the
 * process-wide default.
 */
int bk_resolve_threads(int nthreads);

/** The number of cores OpenMP sees (1 without OpenMP). */
int bk_get_num_procs(void);

/** 1 when every one of the `n` values is finite, else 0. */
int bk_all_finite(const double *x, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* BAYESKIT_CORE_H */
