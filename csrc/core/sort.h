/*
 * Radix sorts of doubles (csrc/diagnostics/sort.c; internal, not
 * installed), shared by the diagnostics and PSIS. sort_index: the
 * permutation `idx` that sorts x ascending (ties in any order), with `tmp` n
 * more indices. sort: x in place, with `tmp` n doubles of scratch. `hist`
 * holds bk_diag__sort_hist_size() counts. Values must be finite.
 */
#ifndef BAYESKIT_SORT_H
#define BAYESKIT_SORT_H

#include <stddef.h>

void bk_diag__sort_index(size_t n, const double *x, size_t *idx, size_t *tmp, size_t *hist);
void bk_diag__sort(size_t n, double *x, double *tmp, size_t *hist);
size_t bk_diag__sort_hist_size(void);

#endif
