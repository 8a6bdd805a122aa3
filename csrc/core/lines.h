/*
 * Cache-line-exclusive allocation for state that one thread writes while
 * other threads write theirs: a chain's position, kernel buffers, random
 * stream and model workspace. Each block starts on a cache line and is
 * rounded up to whole lines, so two chains' hot state never share a line
 * (false sharing: every write by one core would invalidate the other's
 * copy; Drepper, "What every programmer should know about memory", 2007,
 * section 6.4.1). Free with free(). Internal; not installed.
 */
#ifndef BAYESKIT_LINES_H
#define BAYESKIT_LINES_H

#include <stdlib.h>
#include <string.h>

#define BK_CACHE_LINE 64

/* `size` bytes (at least one line), line-aligned; NULL when out of memory. */
static inline void *bk_alloc_lines(size_t size) {
    if (size > (size_t)-1 - BK_CACHE_LINE) return NULL;
    size_t n = (size + BK_CACHE_LINE - 1) / BK_CACHE_LINE * BK_CACHE_LINE;
    return aligned_alloc(BK_CACHE_LINE, n ? n : BK_CACHE_LINE);
}

/* `count * size` zeroed bytes, line-aligned; NULL on overflow or out of memory. */
static inline void *bk_calloc_lines(size_t count, size_t size) {
    if (size && count > (size_t)-1 / size) return NULL;
    void *p = bk_alloc_lines(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

#endif
