/*
 * Progress counters that C kernels bump while they run and Swift polls from
 * another thread: one 64-bit atomic counter per task (chain, ensemble
 * member, epoch loop), each on its own cache line so that threads bumping
 * different tasks never share a line. Bumping is a relaxed atomic add; a
 * poller reads with relaxed loads. A cancellation flag lets the reader ask
 * the kernel to stop at its next check.
 *
 * Thread-safety: every function may be called from any thread concurrently,
 * except bk_progress_free.
 */
#ifndef BAYESKIT_PROGRESS_H
#define BAYESKIT_PROGRESS_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bk_progress bk_progress;

/** Allocates `ntasks` counters, all zero, each with total 0. */
int bk_progress_alloc(size_t ntasks, bk_progress **out, bk_error *err);

/** Frees the counters; NULL is allowed. */
void bk_progress_free(bk_progress *p);

size_t bk_progress_ntasks(const bk_progress *p);

/** Sets the amount of work of `task` (ignored when task is out of range). */
void bk_progress_set_total(bk_progress *p, size_t task, uint64_t total);

/** Adds `n` units of finished work to `task`. NULL `p` is allowed (no-op). */
void bk_progress_add(bk_progress *p, size_t task, uint64_t n);

uint64_t bk_progress_done(const bk_progress *p, size_t task);
uint64_t bk_progress_total(const bk_progress *p, size_t task);

/** Asks the kernel to stop; it sees this through bk_progress_cancelled. */
void bk_progress_cancel(bk_progress *p);

/** 1 when cancellation was requested, else 0. NULL `p` gives 0. */
int bk_progress_cancelled(const bk_progress *p);

#ifdef __cplusplus
}
#endif
#endif
