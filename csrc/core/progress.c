#include "bayeskit/progress.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64

typedef struct {
    uint64_t done;
    uint64_t total;
    char pad[CACHE_LINE - 2 * sizeof(uint64_t)];
} progress_slot;

struct bk_progress {
    size_t ntasks;
    int cancelled;
    progress_slot *slots; /* cache-line aligned */
};

int bk_progress_alloc(size_t ntasks, bk_progress **out, bk_error *err) {
    if (!out) return bk_error_set(err, BK_EINVAL, "output pointer is NULL");
    if (ntasks == 0) return bk_error_set(err, BK_EINVAL, "progress needs at least one task");
    bk_progress *p = malloc(sizeof *p);
    if (!p) return bk_error_set(err, BK_ENOMEM, "cannot allocate progress counters");
    p->slots = aligned_alloc(CACHE_LINE, ntasks * sizeof(progress_slot));
    if (!p->slots) {
        free(p);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate %zu progress counters", ntasks);
    }
    memset(p->slots, 0, ntasks * sizeof(progress_slot));
    p->ntasks = ntasks;
    p->cancelled = 0;
    *out = p;
    return BK_SUCCESS;
}

void bk_progress_free(bk_progress *p) {
    if (!p) return;
    free(p->slots);
    free(p);
}

size_t bk_progress_ntasks(const bk_progress *p) { return p ? p->ntasks : 0; }

void bk_progress_set_total(bk_progress *p, size_t task, uint64_t total) {
    if (p && task < p->ntasks) __atomic_store_n(&p->slots[task].total, total, __ATOMIC_RELAXED);
}

void bk_progress_add(bk_progress *p, size_t task, uint64_t n) {
    if (p && task < p->ntasks) __atomic_fetch_add(&p->slots[task].done, n, __ATOMIC_RELAXED);
}

uint64_t bk_progress_done(const bk_progress *p, size_t task) {
    return (p && task < p->ntasks) ? __atomic_load_n(&p->slots[task].done, __ATOMIC_RELAXED) : 0;
}

uint64_t bk_progress_total(const bk_progress *p, size_t task) {
    return (p && task < p->ntasks) ? __atomic_load_n(&p->slots[task].total, __ATOMIC_RELAXED) : 0;
}

void bk_progress_cancel(bk_progress *p) {
    if (p) __atomic_store_n(&p->cancelled, 1, __ATOMIC_RELAXED);
}

int bk_progress_cancelled(const bk_progress *p) {
    return p ? __atomic_load_n(&p->cancelled, __ATOMIC_RELAXED) : 0;
}
