/*
 * The few OpenMP runtime functions BayesKit uses, with serial fallbacks when
 * the core is compiled without OpenMP. `omp.h` from libomp 19 is found through
 * `-idirafter /usr/lib/llvm-19/lib/clang/19/include` (see Package.swift);
 * without `_OPENMP` the pragmas are ignored and these stubs keep the code
 * correct, only serial.
 */
#ifndef BAYESKIT_OMP_SHIM_H
#define BAYESKIT_OMP_SHIM_H

#ifdef _OPENMP
#include <omp.h>
#else
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_num_procs(void) { return 1; }
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_threads(void) { return 1; }
static inline void omp_set_num_threads(int n) { (void)n; }
#endif

#endif
