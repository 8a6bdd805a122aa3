#define _POSIX_C_SOURCE 200809L
#include "bayeskit/draws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MAGIC[8] = {'B', 'K', 'D', 'R', 'A', 'W', 'S', '\0'};
static const char CHUNK[4] = {'C', 'H', 'N', 'K'};

/* Largest accepted sizes, so that a corrupted header cannot ask for absurd allocations. */
#define MAX_PARAMS (1u << 24)
#define MAX_NAMES_BYTES (1u << 28)
#define MAX_CHUNK_VALUES ((uint64_t)1 << 28)

/* ---- little-endian encoding, independent of the host's byte order ---- */

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t double_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static double bits_double(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* FNV-1a, 64-bit (Fowler, Noll, Vo). */
static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- writer ---- */
/* Each chunk is flushed as it is written, so a reader sees every complete
 * chunk of a run that is still going (or was killed). */

struct bk_draws_writer {
    FILE *file;
    char *path;
    size_t nparams;
    size_t chunk_draws;
    size_t buffered;       /* draws in `buffer` */
    uint64_t count;        /* draws appended */
    unsigned char *buffer; /* chunk_draws * nparams * 8 bytes, little-endian */
    bk_error error;
};

int bk_draws_writer_open(const char *path, size_t nparams, const char *const *names, uint64_t chain,
                         size_t chunk_draws, bk_draws_writer **out, bk_error *err) {
    if (!path || !out) return bk_error_set(err, BK_EINVAL, "path or output pointer is NULL");
    if (nparams == 0 || nparams > MAX_PARAMS)
        return bk_error_set(err, BK_EINVAL, "a draws file needs between 1 and %u parameters, got %zu", MAX_PARAMS,
                            nparams);
    if (chunk_draws == 0) chunk_draws = 1024;
    if ((uint64_t)chunk_draws * nparams > MAX_CHUNK_VALUES)
        return bk_error_set(err, BK_EINVAL, "chunk of %zu draws x %zu parameters is too large", chunk_draws, nparams);
    size_t names_bytes = 0;
    for (size_t i = 0; i < nparams; i++) {
        if (!names || !names[i]) return bk_error_set(err, BK_EINVAL, "parameter name %zu is NULL", i);
        if (names[i][0] == '\0') return bk_error_set(err, BK_EINVAL, "parameter name %zu is empty", i);
        if (strchr(names[i], '\n'))
            return bk_error_set(err, BK_EINVAL, "parameter name %zu ('%s') contains a newline", i, names[i]);
        names_bytes += strlen(names[i]) + 1;
    }
    if (names_bytes > MAX_NAMES_BYTES) return bk_error_set(err, BK_EINVAL, "parameter names are too long");

    bk_draws_writer *w = calloc(1, sizeof *w);
    if (!w) return bk_error_set(err, BK_ENOMEM, "cannot allocate a draws writer");
    w->path = strdup(path);
    w->buffer = malloc(chunk_draws * nparams * 8);
    if (!w->path || !w->buffer) {
        free(w->path);
        free(w->buffer);
        free(w);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a draws buffer of %zu draws", chunk_draws);
    }
    w->nparams = nparams;
    w->chunk_draws = chunk_draws;
    w->file = fopen(path, "wb");
    if (!w->file) {
        int e = errno;
        free(w->path);
        free(w->buffer);
        free(w);
        return bk_error_set(err, BK_EIO, "cannot create draws file %s: %s", path, strerror(e));
    }
    unsigned char head[28];
    memcpy(head, MAGIC, 8);
    put_u32(head + 8, BK_DRAWS_VERSION);
    put_u32(head + 12, (uint32_t)nparams);
    put_u64(head + 16, chain);
    put_u32(head + 24, (uint32_t)names_bytes);
    int ok = fwrite(head, 1, sizeof head, w->file) == sizeof head;
    for (size_t i = 0; ok && i < nparams; i++) {
        size_t len = strlen(names[i]);
        ok = fwrite(names[i], 1, len, w->file) == len && fputc('\n', w->file) != EOF;
    }
    if (!ok || fflush(w->file) != 0) {
        int e = errno;
        fclose(w->file);
        free(w->path);
        free(w->buffer);
        free(w);
        return bk_error_set(err, BK_EIO, "cannot write draws file %s: %s", path, strerror(e));
    }
    *out = w;
    return BK_SUCCESS;
}

static int write_chunk(bk_draws_writer *w) {
    if (w->buffered == 0) return BK_SUCCESS;
    size_t payload = w->buffered * w->nparams * 8;
    unsigned char head[8], tail[8];
    memcpy(head, CHUNK, 4);
    put_u32(head + 4, (uint32_t)w->buffered);
    put_u64(tail, fnv1a(w->buffer, payload));
    if (fwrite(head, 1, 8, w->file) != 8 || fwrite(w->buffer, 1, payload, w->file) != payload ||
        fwrite(tail, 1, 8, w->file) != 8 || fflush(w->file) != 0)
        return bk_error_set(&w->error, BK_EIO, "cannot write draws file %s: %s", w->path, strerror(errno));
    w->buffered = 0;
    return BK_SUCCESS;
}

int bk_draws_writer_append(bk_draws_writer *w, const double *draw) {
    return bk_draws_writer_append_many(w, 1, draw);
}

int bk_draws_writer_append_many(bk_draws_writer *w, size_t ndraws, const double *draws) {
    if (!w) return BK_EINVAL;
    if (ndraws > 0 && !draws) return bk_error_set(&w->error, BK_EINVAL, "draws pointer is NULL");
    for (size_t d = 0; d < ndraws; d++) {
        unsigned char *dst = w->buffer + w->buffered * w->nparams * 8;
        const double *src = draws + d * w->nparams;
        for (size_t j = 0; j < w->nparams; j++) put_u64(dst + 8 * j, double_bits(src[j]));
        w->buffered++;
        w->count++;
        if (w->buffered == w->chunk_draws) {
            int status = write_chunk(w);
            if (status != BK_SUCCESS) return status;
        }
    }
    return BK_SUCCESS;
}

int bk_draws_writer_flush(bk_draws_writer *w) {
    if (!w) return BK_EINVAL;
    int status = write_chunk(w);
    if (status != BK_SUCCESS) return status;
    if (fflush(w->file) != 0)
        return bk_error_set(&w->error, BK_EIO, "cannot write draws file %s: %s", w->path, strerror(errno));
    return BK_SUCCESS;
}

uint64_t bk_draws_writer_count(const bk_draws_writer *w) { return w ? w->count : 0; }

const char *bk_draws_writer_last_error(const bk_draws_writer *w) { return w ? w->error.message : ""; }

int bk_draws_writer_close(bk_draws_writer *w, bk_error *err) {
    if (!w) return BK_SUCCESS;
    int status = bk_draws_writer_flush(w);
    if (status != BK_SUCCESS) bk_error_set(err, status, "%s", w->error.message);
    if (fclose(w->file) != 0 && status == BK_SUCCESS)
        status = bk_error_set(err, BK_EIO, "cannot close draws file %s: %s", w->path, strerror(errno));
    free(w->path);
    free(w->buffer);
    free(w);
    return status;
}

/* ---- reader ---- */

struct bk_draws_reader {
    FILE *file;
    char *path;
    uint32_t version;
    size_t nparams;
    uint64_t chain;
    char *names_block;
    char **names;
    uint64_t offset; /* byte offset of the next chunk */
    uint64_t chunk_index;
    unsigned char *raw;
    double *values;
    size_t capacity; /* draws that fit in raw/values */
    int ended;
    bk_error error;
};

static void reader_free(bk_draws_reader *r) {
    if (!r) return;
    if (r->file) fclose(r->file);
    free(r->path);
    free(r->names_block);
    free(r->names);
    free(r->raw);
    free(r->values);
    free(r);
}

int bk_draws_reader_open(const char *path, bk_draws_reader **out, bk_error *err) {
    if (!path || !out) return bk_error_set(err, BK_EINVAL, "path or output pointer is NULL");
    bk_draws_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate a draws reader");
    }
    r->file = fopen(path, "rb");
    if (!r->file) {
        int e = errno;
        reader_free(r);
        return bk_error_set(err, BK_EIO, "cannot read draws file %s: %s", path, strerror(e));
    }
    unsigned char head[28];
    size_t got = fread(head, 1, sizeof head, r->file);
    if (got < 8 || memcmp(head, MAGIC, 8) != 0) {
        reader_free(r);
        return bk_error_set(err, BK_EFORMAT, "%s is not a BayesKit draws file (bad magic)", path);
    }
    if (got < sizeof head) {
        reader_free(r);
        return bk_error_set(err, BK_EFORMAT, "%s: draws file is truncated inside its header", path);
    }
    r->version = get_u32(head + 8);
    if (r->version == 0 || r->version > BK_DRAWS_VERSION) {
        uint32_t v = r->version;
        reader_free(r);
        return bk_error_set(err, BK_EFORMAT,
                            "%s: draws file format version %u is not supported (this BayesKit reads up to %u)", path,
                            v, BK_DRAWS_VERSION);
    }
    uint32_t nparams = get_u32(head + 12);
    uint32_t names_bytes = get_u32(head + 24);
    if (nparams == 0 || nparams > MAX_PARAMS || names_bytes > MAX_NAMES_BYTES || names_bytes < 2 * nparams) {
        reader_free(r);
        return bk_error_set(err, BK_EFORMAT, "%s: draws file header is corrupted (%u parameters, %u name bytes)",
                            path, nparams, names_bytes);
    }
    r->nparams = nparams;
    r->chain = get_u64(head + 16);
    r->names_block = malloc((size_t)names_bytes + 1);
    r->names = calloc(nparams, sizeof *r->names);
    if (!r->names_block || !r->names) {
        reader_free(r);
        return bk_error_set(err, BK_ENOMEM, "cannot allocate %u parameter names", nparams);
    }
    if (fread(r->names_block, 1, names_bytes, r->file) != names_bytes) {
        reader_free(r);
        return bk_error_set(err, BK_EFORMAT, "%s: draws file is truncated inside its header", path);
    }
    r->names_block[names_bytes] = '\0';
    size_t k = 0;
    char *p = r->names_block, *end = r->names_block + names_bytes;
    while (p < end && k < nparams) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl == p) break;
        *nl = '\0';
        r->names[k++] = p;
        p = nl + 1;
    }
    if (k != nparams || p != end) {
        reader_free(r);
        return bk_error_set(err, BK_EFORMAT, "%s: draws file header is corrupted (parameter names)", path);
    }
    r->offset = 28 + (uint64_t)names_bytes;
    *out = r;
    return BK_SUCCESS;
}

size_t bk_draws_reader_nparams(const bk_draws_reader *r) { return r->nparams; }
uint64_t bk_draws_reader_chain(const bk_draws_reader *r) { return r->chain; }
uint32_t bk_draws_reader_version(const bk_draws_reader *r) { return r->version; }

const char *bk_draws_reader_name(const bk_draws_reader *r, size_t i) { return i < r->nparams ? r->names[i] : NULL; }

const char *bk_draws_reader_last_error(const bk_draws_reader *r) { return r ? r->error.message : ""; }

int bk_draws_reader_next(bk_draws_reader *r, const double **data, size_t *ndraws, int *truncated) {
    if (!r || !data || !ndraws) return BK_EINVAL;
    *ndraws = 0;
    if (truncated) *truncated = 0;
    if (r->ended) return BK_SUCCESS;
    unsigned char head[8];
    size_t got = fread(head, 1, 8, r->file);
    if (got == 0 && feof(r->file)) {
        r->ended = 1;
        return BK_SUCCESS;
    }
    if (got < 8) {
        r->ended = 1;
        if (truncated) *truncated = 1;
        return BK_SUCCESS;
    }
    if (memcmp(head, CHUNK, 4) != 0)
        return bk_error_set(&r->error, BK_EFORMAT, "%s: chunk %llu at byte %llu is corrupted (bad chunk marker)",
                            r->path, (unsigned long long)r->chunk_index, (unsigned long long)r->offset);
    uint32_t count = get_u32(head + 4);
    if (count == 0 || (uint64_t)count * r->nparams > MAX_CHUNK_VALUES)
        return bk_error_set(&r->error, BK_EFORMAT, "%s: chunk %llu at byte %llu is corrupted (draw count %u)",
                            r->path, (unsigned long long)r->chunk_index, (unsigned long long)r->offset, count);
    if (count > r->capacity) {
        unsigned char *raw = realloc(r->raw, (size_t)count * r->nparams * 8);
        if (raw) r->raw = raw;
        double *values = raw ? realloc(r->values, (size_t)count * r->nparams * sizeof(double)) : NULL;
        if (!raw || !values)
            return bk_error_set(&r->error, BK_ENOMEM, "cannot allocate a chunk of %u draws", count);
        r->values = values;
        r->capacity = count;
    }
    size_t payload = (size_t)count * r->nparams * 8;
    unsigned char tail[8];
    if (fread(r->raw, 1, payload, r->file) != payload || fread(tail, 1, 8, r->file) != 8) {
        r->ended = 1;
        if (truncated) *truncated = 1;
        return BK_SUCCESS;
    }
    if (get_u64(tail) != fnv1a(r->raw, payload))
        return bk_error_set(&r->error, BK_EFORMAT, "%s: chunk %llu at byte %llu is corrupted (hash mismatch)",
                            r->path, (unsigned long long)r->chunk_index, (unsigned long long)r->offset);
    for (size_t i = 0; i < (size_t)count * r->nparams; i++) r->values[i] = bits_double(get_u64(r->raw + 8 * i));
    r->offset += 16 + payload;
    r->chunk_index++;
    *data = r->values;
    *ndraws = count;
    return BK_SUCCESS;
}

void bk_draws_reader_close(bk_draws_reader *r) { reader_free(r); }
