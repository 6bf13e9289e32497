/*
 * reader.c - streaming RFC 4180 record reader for event files of any size.
 *
 * Same rules and messages as the whole-file reader in core/csv.c (quotes, "" escapes,
 * newlines inside quotes, LF or CRLF, a leading UTF-8 BOM, blank lines skipped; ragged rows
 * are left to the caller, who knows the header), but it holds only one record plus a fixed
 * read buffer, so memory does not grow with the file. gzip input is detected from its magic
 * bytes and inflated with zlib's inflate (not gzread, which takes a file cut short or missing
 * its trailer for a complete one): every member must reach its end marker and carry a
 * matching CRC-32 and length, members may follow one another, and anything else after the
 * last one is an error. A record is parsed only once it is complete in the buffer:
 * when the buffer ends mid-record, the partial record moves to the front, more is read and
 * the record is scanned again from its start (nothing was modified yet).
 */
#include "events_int.h"

#include "core/csv_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define RDR_FAST 1
#else
#define RDR_FAST 0
#endif
/* AVX-512 code compiled in (gcc, clang on x86-64) and used when the CPU has it. */
#if RDR_FAST && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RDR_WIDE 1
#else
#define RDR_WIDE 0
#endif

/* 4 MiB reads: large enough that the per-read cost vanishes, small against the 256 MB budget.
 */
#define RDR_CHUNK ((size_t)4 << 20)
/* Compressed bytes read at a time from a gzip file. */
#define RDR_ZCHUNK ((size_t)1 << 18)
/* Zero bytes kept after the data: the block scanner loads 64 bytes at a time from any
 * offset below len, so it may read up to 63 bytes past the end. */
#define RDR_PAD 64

struct hsi_rdr {
    hs_ctx *ctx;
    char *name;
    int fd;             /* plain file, or -1 */
    uint64_t size;      /* bytes of the file on disk (gzip: compressed), 0 unknown or a range */
    uint64_t limit;     /* bytes of the plain file still to read (UINT64_MAX: to its end) */
    z_stream *gz;       /* gzip file (inflating from fd), or NULL */
    unsigned char *zin; /* RDR_ZCHUNK bytes of compressed input */
    uint64_t zread;     /* compressed bytes read from the file */
    int zeof;           /* the compressed file has no more bytes */
    int zend;           /* the last member ended (Z_STREAM_END) and none has started since */
    const char *mem;    /* memory source, or NULL */
    size_t mem_len, mem_pos;
    char *buf; /* cap + RDR_PAD bytes: the data, then zeros (NUL sentinel, block padding) */
    size_t cap, len, pos;
    int eof;     /* no more input beyond buf[len] */
    int started; /* BOM check done */
    int looked;  /* the first block was checked for binary content */
    int nohash;  /* skip the content hash (hsi_rdr_no_hash) */
    int isa;     /* HSI_SCAN_*: the scanner records go through (hsi_rdr_set_scanner) */
    long line;   /* line number at buf[pos] */
    uint64_t hash;
    /* fields of the current record */
    size_t fcap;
    char **f;
    long *col;
    size_t *fstart; /* offset of each field's first byte (block scanner: and fstart[nf], the
                       offset after the record's line feed) */
    size_t *flen;   /* byte scanner: each field's length */
    unsigned char *quoted;
    unsigned char *wanted; /* nwanted flags: fields the caller reads (NULL: all) */
    size_t nwanted;
    size_t *widx; /* the indexes of the wanted fields, ascending */
    size_t nwidx;
    char empty[1]; /* what fields nobody reads point to */
};

/* FNV-1a over 8-byte words (then the tail bytes): the same content always gives the same
 * value, at an eighth of the byte-wise cost. It identifies files, it is not cryptographic. */
static void rdr_hash(hsi_rdr *r, const char *p, size_t n)
{
    uint64_t h = r->hash;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= w;
        h *= 1099511628211ull;
    }
    for (; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    r->hash = h;
}

/* The best scanner this build and CPU have. */
static int rdr_best_isa(void)
{
#if RDR_WIDE
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("pclmul"))
        return HSI_SCAN_AVX512;
#endif
    return RDR_FAST ? HSI_SCAN_SSE2 : HSI_SCAN_BYTES;
}

/* cap: the read buffer's first size (it doubles when one record does not fit). */
static hs_status rdr_new(hs_ctx *ctx, const char *fname, size_t cap, hsi_rdr **out, hs_error *err)
{
    hsi_rdr *r = hsi_calloc(ctx, 1, sizeof *r);
    if (!r) return hsi_err_nomem(err);
    r->ctx = ctx;
    r->isa = rdr_best_isa();
    r->fd = -1;
    r->limit = UINT64_MAX;
    r->line = 1;
    r->hash = 14695981039346656037ull;
    r->name = hsi_strdup(ctx, fname);
    r->cap = cap;
    r->buf = hsi_malloc(ctx, r->cap + RDR_PAD); /* rdr_fill zeroes the padding */
    r->fcap = 64;
    r->f = hsi_malloc(ctx, r->fcap * sizeof *r->f);
    r->col = hsi_malloc(ctx, r->fcap * sizeof *r->col);
    r->fstart = hsi_malloc(ctx, r->fcap * sizeof *r->fstart);
    r->flen = hsi_malloc(ctx, r->fcap * sizeof *r->flen);
    r->quoted = hsi_malloc(ctx, r->fcap);
    if (!r->name || !r->buf || !r->f || !r->col || !r->fstart || !r->flen || !r->quoted) {
        hsi_rdr_close(r);
        return hsi_err_nomem(err);
    }
    *out = r;
    return HS_OK;
}

hs_status hsi_rdr_open(hs_ctx *ctx, const char *path, hsi_rdr **out, hs_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    unsigned char magic[2] = {0, 0};
    ssize_t got = read(fd, magic, 2);
    if (got < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        int e = errno;
        close(fd);
        return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot read: %s", strerror(e));
    }
    hsi_rdr *r = NULL;
    hs_status st = rdr_new(ctx, path, RDR_CHUNK, &r, err);
    if (st != HS_OK) {
        close(fd);
        return st;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) r->size = (uint64_t)sb.st_size;
    r->fd = fd;
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        r->gz = hsi_calloc(ctx, 1, sizeof *r->gz);
        r->zin = hsi_malloc(ctx, RDR_ZCHUNK);
        /* 16 + 15: a gzip wrapper (header, CRC-32 and length checked), 32 KiB window */
        if (!r->gz || !r->zin || inflateInit2(r->gz, 16 + MAX_WBITS) != Z_OK) {
            hsi_free(ctx, r->gz);
            r->gz = NULL;
            hsi_rdr_close(r);
            return hsi_err(err, HS_ERR_NOMEM, path, 0, 0, "cannot start gzip decoding");
        }
    }
    *out = r;
    return HS_OK;
}

/* Read bytes [off, off + len) of r's plain file from now on, from an empty buffer. */
static hs_status rdr_seek(hsi_rdr *r, uint64_t off, uint64_t len, hs_error *err)
{
    if (lseek(r->fd, (off_t)off, SEEK_SET) != (off_t)off)
        return hsi_err(err, HS_ERR_IO, r->name, 0, 0, "cannot seek: %s", strerror(errno));
    r->limit = len;
    r->len = r->pos = 0;
    r->eof = 0;
    r->started = off > 0; /* a byte-order mark can only open the file */
    r->line = 1;
    return HS_OK;
}

hs_status hsi_rdr_open_range(hs_ctx *ctx, const char *path, uint64_t off, uint64_t len,
                             hsi_rdr **out, hs_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    hsi_rdr *r = NULL;
    hs_status st = rdr_new(ctx, path, RDR_CHUNK, &r, err);
    if (st != HS_OK) {
        close(fd);
        return st;
    }
    r->fd = fd;
    st = rdr_seek(r, off, len, err);
    if (st != HS_OK) {
        hsi_rdr_close(r);
        return st;
    }
    *out = r;
    return HS_OK;
}

hs_status hsi_rdr_move_range(hsi_rdr *r, uint64_t off, uint64_t len, hs_error *err)
{
    if (r->fd < 0 || r->gz || off == 0)
        return hsi_err(err, HS_ERR_USAGE, r->name, 0, 0, "a range can only move in a plain file");
    return rdr_seek(r, off, len, err);
}

hs_status hsi_rdr_set_wanted(hsi_rdr *r, const unsigned char *wanted, size_t n, hs_error *err)
{
    unsigned char *w = hsi_malloc(r->ctx, n ? n : 1);
    size_t *idx = hsi_malloc(r->ctx, (n ? n : 1) * sizeof *idx);
    if (!w || !idx) {
        hsi_free(r->ctx, w);
        hsi_free(r->ctx, idx);
        return hsi_err_nomem(err);
    }
    memcpy(w, wanted, n);
    size_t ni = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i]) idx[ni++] = i;
    hsi_free(r->ctx, r->wanted);
    hsi_free(r->ctx, r->widx);
    r->wanted = w;
    r->nwanted = n;
    r->widx = idx;
    r->nwidx = ni;
    /* fields nobody reads point to "" from now on; only the wanted ones are ever set */
    for (size_t k = 0; k < r->fcap; k++)
        r->f[k] = r->empty;
    return HS_OK;
}

hs_status hsi_rdr_open_mem(hs_ctx *ctx, const char *data, size_t len, const char *fname,
                           hsi_rdr **out, hs_error *err)
{
    *out = NULL;
    hsi_rdr *r = NULL;
    /* text already in memory needs no more than its own size (submissions, tests, fuzzing:
       a 4 MiB buffer for a few hundred bytes was most of their cost) */
    size_t cap = len < RDR_CHUNK ? (len > 4096 ? len : 4096) : RDR_CHUNK;
    hs_status st = rdr_new(ctx, fname, cap, &r, err);
    if (st != HS_OK) return st;
    r->mem = data;
    r->mem_len = len;
    *out = r;
    return HS_OK;
}

const char *hsi_rdr_name(const hsi_rdr *r)
{
    return r->name;
}

void hsi_rdr_no_hash(hsi_rdr *r)
{
    r->nohash = 1;
}

int hsi_rdr_set_scanner(hsi_rdr *r, int isa)
{
    if (isa > rdr_best_isa()) return -1;
    r->isa = isa;
    return 0;
}

int hsi_rdr_position(const hsi_rdr *r, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (r->mem) {
        *done = r->mem_pos;
        *total = r->mem_len;
    } else if (r->gz) {
        *done = r->zread - r->gz->avail_in;
        *total = r->size;
    } else if (r->fd >= 0) {
        off_t at = lseek(r->fd, 0, SEEK_CUR);
        *done = at > 0 ? (uint64_t)at : 0;
        *total = r->size;
    }
    return *total > 0 ? 0 : -1;
}

uint64_t hsi_rdr_hash(const hsi_rdr *r)
{
    return r->hash;
}

void hsi_rdr_close(hsi_rdr *r)
{
    if (!r) return;
    hs_ctx *ctx = r->ctx;
    if (r->gz) {
        inflateEnd(r->gz);
        hsi_free(ctx, r->gz);
    }
    hsi_free(ctx, r->zin);
    if (r->fd >= 0) close(r->fd);
    hsi_free_all(ctx, r->name, r->buf, r->f, r->col, r->fstart, r->flen, r->quoted, r->wanted,
                 r->widx, r);
}

/* Read more compressed bytes into zin (after the want bytes still unread). */
static hs_status rdr_zread(hsi_rdr *r, hs_error *err)
{
    z_stream *z = r->gz;
    if (z->avail_in) memmove(r->zin, z->next_in, z->avail_in);
    ssize_t n;
    do {
        n = read(r->fd, r->zin + z->avail_in, RDR_ZCHUNK - z->avail_in);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return hsi_err(err, HS_ERR_IO, r->name, 0, 0, "read error: %s", strerror(errno));
    if (n == 0) r->zeof = 1;
    r->zread += (uint64_t)n;
    z->next_in = r->zin;
    z->avail_in += (uInt)n;
    return HS_OK;
}

static hs_status rdr_truncated(hsi_rdr *r, hs_error *err)
{
    return hsi_err(err, HS_ERR_IO, r->name, 0, 0,
                   "truncated gzip file (it ends after %llu bytes, before the end of its "
                   "compressed data and its CRC-32 and length; cut short, or still being "
                   "written?)",
                   (unsigned long long)r->zread);
}

/* Inflate up to want bytes into buf[len..]; *got 0 only at the clean end of the last member.
 * Truncation, a bad CRC-32 or length, corrupt data or bytes after the last member that do not
 * start another member are errors (exit 3), so a file cut anywhere - even at a row boundary
 * or just before its 8-byte trailer - never reads as a shorter complete one. */
static hs_status rdr_inflate(hsi_rdr *r, size_t want, size_t *got, hs_error *err)
{
    z_stream *z = r->gz;
    *got = 0;
    if (want > (1u << 30)) want = 1u << 30;
    for (;;) {
        if (z->avail_in < 2 && !r->zeof) {
            hs_status st = rdr_zread(r, err);
            if (st != HS_OK) return st;
            continue;
        }
        if (r->zend) { /* between members: the end, or another member */
            if (z->avail_in == 0) return HS_OK;
            if (z->avail_in < 2 || z->next_in[0] != 0x1f || z->next_in[1] != 0x8b)
                return hsi_err(err, HS_ERR_IO, r->name, 0, 0,
                               "gzip: %u bytes after the end of the compressed data that are "
                               "not another gzip member",
                               (unsigned)z->avail_in);
            inflateReset(z);
            r->zend = 0;
        }
        if (z->avail_in == 0 && r->zeof) return rdr_truncated(r, err);
        z->next_out = (Bytef *)(r->buf + r->len + *got);
        z->avail_out = (uInt)(want - *got);
        int ret = inflate(z, Z_NO_FLUSH);
        *got = want - z->avail_out;
        if (ret == Z_STREAM_END) {
            r->zend = 1;
        } else if (ret == Z_MEM_ERROR) {
            return hsi_err_nomem(err);
        } else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR) {
            return hsi_err(err, HS_ERR_IO, r->name, 0, 0,
                           "gzip: %s (corrupt compressed data, %llu compressed bytes in)",
                           z->msg ? z->msg : "invalid data",
                           (unsigned long long)(r->zread - z->avail_in));
        } else if (z->avail_in == 0 && r->zeof && *got < want) {
            /* all input used, output room left, and the member has not ended */
            return rdr_truncated(r, err);
        }
        if (*got > 0) return HS_OK;
    }
}

static hs_status rdr_too_long(const hsi_rdr *r, hs_error *err)
{
    return hsi_err(err, HS_ERR_PARSE, r->name, r->line, 1,
                   "line longer than %zu bytes (not a CSV file, a missing line end, or an "
                   "unbalanced quote?)",
                   (size_t)HSI_MAX_LINE);
}

/* The message for a NUL byte at z in the buffer, with its line and column. */
static hs_status rdr_binary(const hsi_rdr *r, const char *z, hs_error *err)
{
    long line = r->line;
    const char *ls = r->buf + r->pos;
    for (const char *p = ls; (p = memchr(p, '\n', (size_t)(z - p))) != NULL; ls = ++p)
        line++;
    return hsi_err(err, HS_ERR_PARSE, r->name, line, (long)(z - ls) + 1,
                   "binary content (a NUL byte): not a CSV text file");
}

/* Move the unread tail to the front and read more after it; grows the buffer when a single
 * record fills it. Sets r->eof at the end of input. */
static hs_status rdr_fill(hsi_rdr *r, hs_error *err)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) {
        if (r->len > HSI_MAX_LINE) return rdr_too_long(r, err);
        char *nb = hsi_realloc(r->ctx, r->buf, r->cap * 2 + RDR_PAD);
        if (!nb) return hsi_err_nomem(err);
        r->buf = nb;
        r->cap *= 2;
    }
    size_t want = r->cap - r->len;
    size_t got = 0;
    if (r->mem) {
        got = r->mem_len - r->mem_pos < want ? r->mem_len - r->mem_pos : want;
        memcpy(r->buf + r->len, r->mem + r->mem_pos, got);
        r->mem_pos += got;
    } else if (r->gz) {
        hs_status st = rdr_inflate(r, want, &got, err);
        if (st != HS_OK) return st;
    } else {
        ssize_t n;
        if (want > r->limit) want = (size_t)r->limit;
        do {
            n = want ? read(r->fd, r->buf + r->len, want) : 0;
        } while (n < 0 && errno == EINTR);
        if (n > 0) r->limit -= (uint64_t)n;
        if (n < 0) return hsi_err(err, HS_ERR_IO, r->name, 0, 0, "read error: %s", strerror(errno));
        got = (size_t)n;
    }
    if (!r->looked) {
        /* a binary file or device fails here, on its first block, before a row is used */
        r->looked = 1;
        const char *z = memchr(r->buf + r->len, '\0', got);
        if (z) return rdr_binary(r, z, err);
    }
    if (!r->nohash) rdr_hash(r, r->buf + r->len, got);
    r->len += got;
    memset(r->buf + r->len, 0, RDR_PAD); /* the scanners' NUL sentinel and the block padding */
    if (got == 0) r->eof = 1;
    return HS_OK;
}

static hs_status rdr_grow_fields(hsi_rdr *r, hs_error *err)
{
    size_t nc = r->fcap * 2;
    char **f = hsi_realloc(r->ctx, r->f, nc * sizeof *f);
    if (f) r->f = f;
    long *col = hsi_realloc(r->ctx, r->col, nc * sizeof *col);
    if (col) r->col = col;
    size_t *fs = hsi_realloc(r->ctx, r->fstart, nc * sizeof *fs);
    if (fs) r->fstart = fs;
    size_t *fl = hsi_realloc(r->ctx, r->flen, nc * sizeof *fl);
    if (fl) r->flen = fl;
    unsigned char *q = hsi_realloc(r->ctx, r->quoted, nc);
    if (q) r->quoted = q;
    if (!f || !col || !fs || !fl || !q) return hsi_err_nomem(err);
    for (size_t k = r->fcap; k < nc; k++)
        r->f[k] = r->empty;
    r->fcap = nc;
    return HS_OK;
}

/* Bytes that end an unquoted field or need a closer look. A table lookup per byte is the
 * whole inner loop of the reader; buf[len] always holds a NUL sentinel, so that loop needs
 * no bounds check. */
static const unsigned char rdr_special[256] = {
    [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1, [0] = 1};

enum { SCAN_DONE = 0, SCAN_MORE = 1 };

/* The first '"', '\n' or NUL in b[i, n), or n: eight bytes at a time (the zero-byte test on
 * the word xor each target, whose lowest flagged byte is exact), then byte by byte. Written here
 * because quoted fields are short: strcspn or two memchr calls spent most of their time
 * setting up, a fifth of the reader's time on text-heavy rows. */
static size_t rdr_find_qnl(const char *b, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t q = ones * (unsigned char)'"', nl = ones * (unsigned char)'\n';
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        uint64_t x = w ^ q, y = w ^ nl;
        uint64_t hit =
            ((x - ones) & ~x & highs) | ((y - ones) & ~y & highs) | ((w - ones) & ~w & highs);
        if (hit) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(hit) / 8;
#else
            break; /* the bytes of this word, in order, below */
#endif
        }
    }
    while (i < n && b[i] != '"' && b[i] != '\n' && b[i] != '\0')
        i++;
    return i;
}

/*
 * Scan one record starting at r->pos. On SCAN_DONE, fields are recorded as offsets and
 * lengths (fstart[], flen[]), *end is the offset just past the record's line end and *lines the
 * number of newlines consumed. SCAN_MORE: the buffer ends before the record does.
 */
static hs_status rdr_scan(hsi_rdr *r, size_t *nf, size_t *end, long *lines, int *res, hs_error *err)
{
    const char *b = r->buf;
    size_t i = r->pos, n = r->len, line_start = r->pos;
    long line = r->line;
    size_t k = 0;
    for (;;) {
        if (k == r->fcap) {
            hs_status st = rdr_grow_fields(r, err);
            if (st != HS_OK) return st;
        }
        r->col[k] = (long)(i - line_start) + 1;
        if (i < n && b[i] == '"') {
            size_t start = ++i;
            long fline = line;     /* where the quote opened, for the message */
            unsigned char esc = 1; /* 2 once a doubled quote is seen */
            for (;;) {
                /* the closing quote, or the first newline before it (line numbers), or a NUL
                 * byte (the message below) */
                size_t j = rdr_find_qnl(b, i, n);
                if (j < n && b[j] == '\n') {
                    line++;
                    line_start = j + 1;
                    i = j + 1;
                    continue;
                }
                if (j < n && b[j] == '\0')
                    return hsi_err(err, HS_ERR_PARSE, r->name, line, (long)(j - line_start) + 1,
                                   "binary content (a NUL byte): not a CSV text file");
                if (j >= n) {
                    if (!r->eof) {
                        *res = SCAN_MORE;
                        return HS_OK;
                    }
                    return hsi_err(err, HS_ERR_PARSE, r->name, fline, r->col[k],
                                   "unterminated quoted field");
                }
                size_t qi = j;
                if (qi + 1 == n && !r->eof) {
                    *res = SCAN_MORE;
                    return HS_OK;
                }
                if (qi + 1 < n && b[qi + 1] == '"') {
                    esc = 2;
                    i = qi + 2;
                    continue;
                }
                /* an offset until the record is complete (the buffer may still move);
                 * hsi_rdr_next turns it into a pointer */
                r->fstart[k] = start;
                r->flen[k] = qi - start;
                r->quoted[k] = esc;
                i = qi + 1;
                break;
            }
            if (b[i - 1] == '"' && i < n && !(b[i] == ',' || b[i] == '\n' || b[i] == '\r'))
                return hsi_err(err, HS_ERR_PARSE, r->name, line, (long)(i - line_start) + 1,
                               "text after closing quote (expected ',' or end of line)");
        } else {
            size_t start = i;
            while (!rdr_special[(unsigned char)b[i]])
                i++;
            if (i < n && b[i] == '"')
                return hsi_err(err, HS_ERR_PARSE, r->name, line, (long)(i - line_start) + 1,
                               "quote inside an unquoted field (quote the whole field)");
            if (i < n && b[i] == '\0')
                return hsi_err(err, HS_ERR_PARSE, r->name, line, (long)(i - line_start) + 1,
                               "binary content (a NUL byte): not a CSV text file");
            if (i == n && !r->eof) {
                *res = SCAN_MORE;
                return HS_OK;
            }
            r->fstart[k] = start;
            r->flen[k] = i - start;
            r->quoted[k] = 0;
        }
        k++;
        if (i == n) {
            *end = n;
            break;
        }
        if (b[i] == ',') {
            i++;
            continue;
        }
        if (b[i] == '\r') {
            if (i + 1 == n && !r->eof) {
                *res = SCAN_MORE;
                return HS_OK;
            }
            if (i + 1 < n && b[i + 1] == '\n') {
                *end = i + 2;
                line++;
                break;
            }
            return hsi_err(err, HS_ERR_PARSE, r->name, line, (long)(i - line_start) + 1,
                           "carriage return not followed by a line feed");
        }
        /* '\n' */
        *end = i + 1;
        line++;
        break;
    }
    *nf = k;
    *lines = line - r->line;
    *res = SCAN_DONE;
    return HS_OK;
}

#if RDR_FAST
/* Bit i of each: byte i of a 64-byte block is a quote, line feed, carriage return, comma. */
typedef struct rdr_bits {
    uint64_t q, nl, cr, comma, nul;
} rdr_bits;

/* Bit i set where byte i of the four vectors is ch. */
static inline uint64_t rdr_eq64(__m128i a, __m128i b, __m128i c, __m128i d, char ch)
{
    const __m128i x = _mm_set1_epi8(ch);
    uint64_t m0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, x));
    uint64_t m1 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, x));
    uint64_t m2 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(c, x));
    uint64_t m3 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(d, x));
    return m0 | (m1 << 16) | (m2 << 32) | (m3 << 48);
}

static inline rdr_bits rdr_bits_sse2(const char *p)
{
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    rdr_bits m = {rdr_eq64(v0, v1, v2, v3, '"'), rdr_eq64(v0, v1, v2, v3, '\n'),
                  rdr_eq64(v0, v1, v2, v3, '\r'), rdr_eq64(v0, v1, v2, v3, ','),
                  rdr_eq64(v0, v1, v2, v3, '\0')};
    return m;
}

/* Bit i: the XOR of bits 0..i of x. Over the quote mask, the bytes from an opening quote up to
 * (not including) its closing quote. */
static inline uint64_t rdr_prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* The block scanner, once with SSE2 (every x86-64) ... */
#define RDR_SCAN_NAME rdr_scan_sse2
#define RDR_SCAN_ATTR
#define RDR_SCAN_BITS rdr_bits_sse2
#define RDR_SCAN_PXOR rdr_prefix_xor
#include "reader_scan.h"

#if RDR_WIDE
/* ... and once with AVX-512BW, chosen at run time (hsi_rdr's isa): a comparison gives the
 * 64-bit mask of a whole block in one instruction instead of sixteen, and a carry-less
 * multiply by all ones gives the running XOR. */
__attribute__((target("avx512f,avx512bw"))) static inline rdr_bits rdr_bits_avx512(const char *p)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    rdr_bits m = {_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')),
                  _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n')),
                  _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\r')),
                  _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(',')), _mm512_testn_epi8_mask(v, v)};
    return m;
}

__attribute__((target("pclmul"))) static inline uint64_t rdr_prefix_xor_clmul(uint64_t x)
{
    __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8(-1), 0);
    return (uint64_t)_mm_cvtsi128_si64(r);
}

#define RDR_SCAN_NAME rdr_scan_avx512
#define RDR_SCAN_ATTR __attribute__((target("avx512f,avx512bw,pclmul")))
#define RDR_SCAN_BITS rdr_bits_avx512
#define RDR_SCAN_PXOR rdr_prefix_xor_clmul
#include "reader_scan.h"
#endif

static int rdr_scan_fast(hsi_rdr *r, size_t *nf, size_t *end, hs_error *err)
{
#if RDR_WIDE
    if (r->isa == HSI_SCAN_AVX512) return rdr_scan_avx512(r, nf, end, err);
#endif
    return rdr_scan_sse2(r, nf, end, err);
}
#endif

/* Undo the doubled quotes of a quoted field's len bytes at s, in place; the new length. */
static size_t rdr_unescape(char *s, size_t len)
{
    size_t w = 0;
    for (size_t j = 0; j < len; j++) {
        s[w++] = s[j];
        if (s[j] == '"') j++;
    }
    return w;
}

#if RDR_FAST
/* Field k of a record split by rdr_scan_fast as a string in place: quotes stripped and
 * doubled quotes undone. */
static void rdr_field_fast(hsi_rdr *r, size_t k, size_t nf)
{
    char *b = r->buf;
    size_t s = r->fstart[k], e = r->fstart[k + 1] - 1;
    r->col[k] = (long)(s - r->pos) + 1;
    if (k + 1 == nf && e > s && b[e - 1] == '\r') e--; /* CRLF: checked by the scanner */
    if (b[s] == '"') {                                 /* then b[e - 1] is its closing quote */
        s++;
        e--;
        if (memchr(b + s, '"', e - s)) e = s + rdr_unescape(b + s, e - s);
    }
    b[e] = '\0';
    r->f[k] = b + s;
}
#endif

hs_status hsi_rdr_next(hsi_rdr *r, hsi_rec *rec, int *eof, hs_error *err)
{
    *eof = 0;
    for (;;) {
        if (r->pos == r->len || (!r->started && r->len - r->pos < 3 && !r->eof)) {
            if (r->eof && r->pos == r->len) {
                *eof = 1;
                return HS_OK;
            }
            hs_status st = rdr_fill(r, err);
            if (st != HS_OK) return st;
            continue;
        }
        if (!r->started) {
            r->started = 1;
            if (r->len - r->pos >= 3 && !memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3)) r->pos += 3;
            continue;
        }
        /* blank lines */
        if (r->buf[r->pos] == '\n') {
            r->pos++;
            r->line++;
            continue;
        }
        if (r->buf[r->pos] == '\r' && r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n') {
            r->pos += 2;
            r->line++;
            continue;
        }
        size_t nf = 0, end = 0;
        long lines = 1;
        int fast = 0;
#if RDR_FAST
        if (r->isa != HSI_SCAN_BYTES) {
            fast = rdr_scan_fast(r, &nf, &end, err);
            if (fast < 0) return HS_ERR_NOMEM;
        }
#endif
        if (!fast) {
            int res = SCAN_DONE;
            hs_status st = rdr_scan(r, &nf, &end, &lines, &res, err);
            if (st != HS_OK) return st;
            if (res == SCAN_MORE) {
                if (r->len - r->pos > HSI_MAX_LINE) return rdr_too_long(r, err);
                st = rdr_fill(r, err);
                if (st != HS_OK) return st;
                continue;
            }
        }
        if (end - r->pos > HSI_MAX_LINE) return rdr_too_long(r, err);
        /* The record is complete: terminate and unescape the fields asked for in place (the
         * byte after each field - delimiter, closing quote, line end or the spare byte -
         * becomes NUL). The others were set to "" by hsi_rdr_set_wanted and stay so. */
        size_t nk = r->wanted ? r->nwidx : nf;
        for (size_t i = 0; i < nk; i++) {
            size_t k = r->wanted ? r->widx[i] : i;
            if (k >= nf) break;
#if RDR_FAST
            if (fast) {
                rdr_field_fast(r, k, nf);
                continue;
            }
#endif
            char *s = r->buf + r->fstart[k];
            size_t len = r->flen[k];
            if (r->quoted[k] == 2) len = rdr_unescape(s, len);
            s[len] = '\0';
            r->f[k] = s;
        }
        rec->nf = nf;
        rec->f = r->f;
        rec->col = r->col;
        rec->line = r->line;
        r->line += lines;
        r->pos = end;
        return HS_OK;
    }
}
