/*
 * core_int.h - what every module shares: the context, allocation through it, error helpers,
 * growable buffers. Never installed.
 */
#ifndef HS_CORE_INT_H
#define HS_CORE_INT_H

#include <stddef.h>
#include <stdarg.h>
#include "humsec.h"

#if defined(__GNUC__) && !defined(HS_SINGLE_FILE)
#define HS_INTERNAL __attribute__((visibility("hidden")))
#else
#define HS_INTERNAL
#endif

#if defined(__GNUC__)
#define HS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HS_PRINTF(a, b)
#endif

struct hs_ctx {
    hs_alloc_fn alloc;
    void *alloc_ud;
    hs_log_fn log;
    void *log_ud;
};

/* Allocation through the context (ctx may be NULL: the C library is used). All return NULL
 * on failure; hsi_free accepts NULL. */
HS_INTERNAL void *hsi_malloc(hs_ctx *ctx, size_t size);
HS_INTERNAL void *hsi_calloc(hs_ctx *ctx, size_t n, size_t size);
HS_INTERNAL void *hsi_realloc(hs_ctx *ctx, void *p, size_t size);
HS_INTERNAL void hsi_free(hs_ctx *ctx, void *p);
HS_INTERNAL char *hsi_strdup(hs_ctx *ctx, const char *s);
HS_INTERNAL char *hsi_strndup(hs_ctx *ctx, const char *s, size_t n);

/* Fill err (may be NULL) and return code. file may be NULL; line/col 0 = unknown. */
HS_INTERNAL hs_status hsi_err(hs_error *err, hs_status code, const char *file, long line, long col,
                              const char *fmt, ...) HS_PRINTF(6, 7);
/* Fill err with "out of memory" and return HS_ERR_NOMEM (inline, so callers and static
 * analysis see that it never returns HS_OK). */
HS_INTERNAL void hsi_err_set_nomem(hs_error *err);
static inline hs_status hsi_err_nomem(hs_error *err)
{
    hsi_err_set_nomem(err);
    return HS_ERR_NOMEM;
}

/* Seconds on a monotonic clock (for durations and progress, never for results). */
HS_INTERNAL double hsi_now(void);

/* Logging through the context: level 0 info, 1 warning. */
HS_INTERNAL void hsi_log(const hs_ctx *ctx, int level, const char *fmt, ...) HS_PRINTF(3, 4);

/* Growable byte buffer (for building text). On allocation failure `oom` is set and
 * further appends are ignored, so callers check once at the end. */
typedef struct hsi_buf {
    hs_ctx *ctx;
    char *s;
    size_t len, cap;
    int oom;
} hsi_buf;

HS_INTERNAL void hsi_buf_init(hsi_buf *b, hs_ctx *ctx);
HS_INTERNAL void hsi_buf_free(hsi_buf *b);
HS_INTERNAL void hsi_buf_add(hsi_buf *b, const char *s, size_t n);
HS_INTERNAL void hsi_buf_puts(hsi_buf *b, const char *s);
HS_INTERNAL void hsi_buf_printf(hsi_buf *b, const char *fmt, ...) HS_PRINTF(2, 3);
/* Append a double as hsi_fmt_double writes it. */
HS_INTERNAL void hsi_buf_num(hsi_buf *b, double v);
/* The shortest of %.15g, %.16g and %.17g that strtod reads back bit-identical ("62.9", not
 * "62.899999999999999"); "NA" for NaN, "Inf"/"-Inf" for infinities. Returns buf. */
HS_INTERNAL char *hsi_fmt_double(char buf[32], double v);
/* 1 if a and b are the same double bit for bit (so -0 differs from 0, NaN may equal NaN). */
HS_INTERNAL int hsi_same_bits(double a, double b);

/* 1 if s is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
HS_INTERNAL int hsi_utf8_valid(const char *s);
/* Make *s valid UTF-8: unchanged if it is, otherwise read as Latin-1 (ISO 8859-1) and
 * replaced by its UTF-8 form (*s freed through ctx). 0 = was valid, 1 = converted, -1 = out
 * of memory (*s untouched). Every text that reaches JSON or HTML goes through this where
 * it is read, so writers never see other bytes. */
HS_INTERNAL int hsi_utf8_fix(hs_ctx *ctx, char **s);
/* Append s as a CSV field, quoted (RFC 4180), or NA if s is NULL. */
HS_INTERNAL void hsi_buf_csv_str(hsi_buf *b, const char *s);
/* Append s as a JSON string (with quotes). */
HS_INTERNAL void hsi_buf_json_str(hsi_buf *b, const char *s);

/* Parse a whole string as a finite double (leading/trailing blanks allowed). 0 on success. */
HS_INTERNAL int hsi_parse_double(const char *s, double *out);
/* Parse a whole string as a long. 0 on success. */
HS_INTERNAL int hsi_parse_long(const char *s, long *out);

/* Read a whole file into memory (NUL-terminated). */
HS_INTERNAL hs_status hsi_read_file(hs_ctx *ctx, const char *path, char **out, size_t *len,
                                    hs_error *err);

#endif
