/*
 * Draws files: a compact, streamable binary format for MCMC draws (one file
 * per chain), written in chunks so that memory stays bounded on long runs and
 * a reader can use a partial file up to its last complete chunk.
 *
 * Layout (all integers and doubles little-endian):
 *
 *   offset  size  field
 *   0       8     magic "BKDRAWS\0"
 *   8       4     format version (1)
 *   12      4     number of parameters P (>= 1)
 *   16      8     chain index
 *   24      4     length N of the names block in bytes
 *   28      N     parameter names, each followed by '\n' (P of them)
 *   then zero or more chunks:
 *           4     chunk marker "CHNK"
 *           4     number of draws D in the chunk (>= 1)
 *           8*D*P the draws, row-major (draw by draw)
 *           8     FNV-1a 64-bit hash of the D*P*8 payload bytes
 *
 * Thread-safety: one writer or reader object per thread; distinct objects
 * (for example one per chain) may be used concurrently.
 */
#ifndef BAYESKIT_DRAWS_H
#define BAYESKIT_DRAWS_H

#include "bayeskit/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BK_DRAWS_VERSION 1u

typedef struct bk_draws_writer bk_draws_writer;
typedef struct bk_draws_reader bk_draws_reader;

/**
 * Creates (truncates) `path` and writes the header. `names` holds `nparams`
 * NUL-terminated names without newlines. Draws are buffered and written in
 * chunks of `chunk_draws` (0 means 1024). On failure `*out` is untouched and
 * the reason is in `err`.
 */
int bk_draws_writer_open(const char *path, size_t nparams, const char *const *names, uint64_t chain,
                         size_t chunk_draws, bk_draws_writer **out, bk_error *err);

/** Appends one draw of `nparams` values; writes a chunk when the buffer is full. */
int bk_draws_writer_append(bk_draws_writer *w, const double *draw);

/** Appends `ndraws` draws stored row-major. */
int bk_draws_writer_append_many(bk_draws_writer *w, size_t ndraws, const double *draws);

/** Writes the buffered draws as a (possibly short) chunk and flushes the file. */
int bk_draws_writer_flush(bk_draws_writer *w);

/** Draws appended so far (written or buffered). */
uint64_t bk_draws_writer_count(const bk_draws_writer *w);

/** The last failure of this writer. */
const char *bk_draws_writer_last_error(const bk_draws_writer *w);

/** Flushes, closes and frees; returns the status of the final flush. NULL is allowed. */
int bk_draws_writer_close(bk_draws_writer *w, bk_error *err);

/**
 * Opens a draws file and reads its header. Fails with BK_EIO when the file
 * cannot be opened, BK_EFORMAT when it is not a draws file, is truncated
 * inside the header, or comes from a newer format version.
 */
int bk_draws_reader_open(const char *path, bk_draws_reader **out, bk_error *err);

size_t bk_draws_reader_nparams(const bk_draws_reader *r);
uint64_t bk_draws_reader_chain(const bk_draws_reader *r);
uint32_t bk_draws_reader_version(const bk_draws_reader *r);

/** Name of parameter `i` (valid while the reader lives), or NULL when out of range. */
const char *bk_draws_reader_name(const bk_draws_reader *r, size_t i);

/**
 * Reads the next complete chunk. On success `*data` points to `*ndraws` x
 * nparams doubles owned by the reader (valid until the next call) and
 * `*ndraws` > 0; at the end of the data `*ndraws` is 0. A chunk cut short by
 * the end of the file (a run still writing, or interrupted) also ends the
 * data, with `*truncated` set to 1 (it may be NULL). A chunk with a bad
 * marker or hash fails with BK_EFORMAT naming the chunk and byte offset.
 */
int bk_draws_reader_next(bk_draws_reader *r, const double **data, size_t *ndraws, int *truncated);

/** The last failure of this reader. */
const char *bk_draws_reader_last_error(const bk_draws_reader *r);

void bk_draws_reader_close(bk_draws_reader *r);

#ifdef __cplusplus
}
#endif
#endif
