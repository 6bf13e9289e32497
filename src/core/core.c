/*
 * core.c - context, allocation, errors, buffers and number parsing shared by all modules.
 */
#include "core_int.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

static void *default_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

void hs_global_init(void)
{
    /* GSL aborts on error by default; we check every return instead (gsl: doc/err.rst). */
    gsl_set_error_handler_off();
}

hs_ctx *hs_ctx_new(hs_alloc_fn alloc, void *ud)
{
    hs_alloc_fn fn = alloc ? alloc : default_alloc;
    hs_ctx *ctx = fn(ud, NULL, sizeof *ctx);
    if (!ctx) return NULL;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = fn;
    ctx->alloc_ud = ud;
    return ctx;
}

void hs_ctx_free(hs_ctx *ctx)
{
    if (ctx) ctx->alloc(ctx->alloc_ud, ctx, 0);
}

void hs_ctx_set_log(hs_ctx *ctx, hs_log_fn fn, void *ud)
{
    ctx->log = fn;
    ctx->log_ud = ud;
}

void *hsi_malloc(hs_ctx *ctx, size_t size)
{
    if (size == 0) size = 1;
    if (!ctx) return malloc(size);
    return ctx->alloc(ctx->alloc_ud, NULL, size);
}

void *hsi_calloc(hs_ctx *ctx, size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size) return NULL;
    void *p = hsi_malloc(ctx, n * size);
    if (p) memset(p, 0, (n * size) > 0 ? n * size : 1);
    return p;
}

void *hsi_realloc(hs_ctx *ctx, void *p, size_t size)
{
    if (size == 0) size = 1;
    if (!ctx) return realloc(p, size);
    return ctx->alloc(ctx->alloc_ud, p, size);
}

void hsi_free(hs_ctx *ctx, void *p)
{
    if (!p) return;
    if (!ctx)
        free(p);
    else
        ctx->alloc(ctx->alloc_ud, p, 0);
}

void hsi_free_list(hs_ctx *ctx, void *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hsi_free(ctx, p[i]);
}

char *hsi_strndup(hs_ctx *ctx, const char *s, size_t n)
{
    char *d = hsi_malloc(ctx, n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *hsi_strdup(hs_ctx *ctx, const char *s)
{
    return s ? hsi_strndup(ctx, s, strlen(s)) : NULL;
}

const char *hs_version(void)
{
    return HS_VERSION;
}

int hs_month_parse(const char *s, int *month_id)
{
    if (!s) return -1;
    for (int i = 0; i < 7; i++)
        if (i == 4 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9')) return -1;
    if (s[7]) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    if (y < 1900 || y > 2999 || m < 1 || m > 12) return -1;
    *month_id = (y - 1980) * 12 + m;
    return 0;
}

void hs_month_format(int month_id, char out[HS_MONTH_LEN])
{
    int k = month_id - 1, q = k >= 0 ? k / 12 : -((11 - k) / 12);
    /* a month_id beyond year 9999 does not fit: an empty string, never a cut one */
    if (snprintf(out, HS_MONTH_LEN, "%04d-%02d", 1980 + q, k - 12 * q + 1) >= HS_MONTH_LEN)
        out[0] = 0;
}

const char *hs_strerror(hs_status code)
{
    switch (code) {
    case HS_OK:
        return "success";
    case HS_ERR_NOMEM:
        return "out of memory";
    case HS_ERR_IO:
        return "input/output error";
    case HS_ERR_PARSE:
        return "malformed input";
    case HS_ERR_SCHEMA:
        return "inconsistent data or structure";
    case HS_ERR_PIPELINE:
        return "invalid pipeline";
    case HS_ERR_DOMAIN:
        return "value outside a method's domain";
    case HS_ERR_USAGE:
        return "invalid request";
    case HS_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown error";
}

hs_status hsi_err(hs_error *err, hs_status code, const char *file, long line, long col,
                  const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    err->file[0] = '\0';
    if (file) snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void hsi_err_set_nomem(hs_error *err)
{
    (void)hsi_err(err, HS_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

void hs_error_format(const hs_error *err, char *buf, size_t n)
{
    if (!err || n == 0) return;
    if (err->file[0] && err->line > 0 && err->col > 0)
        snprintf(buf, n, "%s:%ld:%ld: %s", err->file, err->line, err->col, err->msg);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, n, "%s:%ld: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, n, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, n, "%s", err->msg);
}

double hsi_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void hsi_log(const hs_ctx *ctx, int level, const char *fmt, ...)
{
    if (!ctx || !ctx->log) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_ud, level, msg);
}

void hsi_buf_init(hsi_buf *b, hs_ctx *ctx)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
}

void hsi_buf_free(hsi_buf *b)
{
    hsi_free(b->ctx, b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *hsi_buf_take(hsi_buf *b)
{
    if (b->oom) {
        hsi_buf_free(b);
        return NULL;
    }
    return b->s;
}

void hsi_buf_add(hsi_buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = hsi_realloc(b->ctx, b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void hsi_buf_puts(hsi_buf *b, const char *s)
{
    hsi_buf_add(b, s, strlen(s));
}

void hsi_buf_printf(hsi_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        hsi_buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = hsi_malloc(b->ctx, (size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    hsi_buf_add(b, big, (size_t)n);
    hsi_free(b->ctx, big);
}

/* Why 15 first gives the shortest: 15 is DBL_DIG, so every decimal of at most 15
 * significant digits survives decimal -> double -> decimal. If x's shortest round-trip form
 * d has k <= 15 digits, rounding x to 15 digits gives d back (padded with zeros, which %g
 * drops), so %.15g prints d itself. If no form of 15 digits reads back, %.16g is the
 * correctly rounded 16-digit decimal, the nearest one to x, which reads back whenever any
 * 16-digit decimal does (but for the lopsided interval just above a power of two, where it
 * may take one digit more); %.17g always does (DBL_DECIMAL_DIG). So the first precision
 * that round-trips is the shortest. Subnormals carry fewer than 15 digits, so there %.15g may
 * be longer than needed (4.94065645841247e-324 for 5e-324): still exact, and rare. */
char *hsi_fmt_double(char buf[32], double v)
{
    if (isnan(v)) {
        memcpy(buf, "NA", 3);
        return buf;
    }
    if (isinf(v)) {
        memcpy(buf, v > 0 ? "Inf" : "-Inf", v > 0 ? 4 : 5);
        return buf;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (hsi_same_bits(back, v)) break;
    }
    return buf;
}

int hsi_same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

int hsi_long_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

void hsi_buf_num(hsi_buf *b, double v)
{
    char tmp[32];
    hsi_buf_puts(b, hsi_fmt_double(tmp, v));
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes there are not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        unsigned lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        unsigned lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

int hsi_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq_len(p);
        if (n == 0) return 0;
        p += n;
    }
    return 1;
}

int hsi_utf8_fix(hs_ctx *ctx, char **s)
{
    if (!*s || hsi_utf8_valid(*s)) return 0;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)*s; *p; p++)
        n += *p >= 0x80 ? 2 : 1;
    char *out = hsi_malloc(ctx, n + 1);
    if (!out) return -1;
    char *q = out;
    for (const unsigned char *p = (const unsigned char *)*s; *p; p++) {
        if (*p < 0x80) {
            *q++ = (char)*p;
        } else {
            *q++ = (char)(0xC0 | (*p >> 6));
            *q++ = (char)(0x80 | (*p & 0x3F));
        }
    }
    *q = '\0';
    hsi_free(ctx, *s);
    *s = out;
    return 1;
}

void hsi_buf_csv_str(hsi_buf *b, const char *s)
{
    if (!s) {
        hsi_buf_add(b, "NA", 2);
        return;
    }
    hsi_buf_add(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            hsi_buf_add(b, "\"\"", 2);
        else
            hsi_buf_add(b, p, 1);
    }
    hsi_buf_add(b, "\"", 1);
}

/* s as a JSON string; with html, also safe inside an HTML <script> element. */
static void buf_json_str(hsi_buf *b, const char *s, int html)
{
    hsi_buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            hsi_buf_add(b, e, 2);
        } else if (html && *p == '\n') {
            hsi_buf_puts(b, "\\n");
        } else if (*p < 0x20 || (html && (*p == '<' || *p == '>' || *p == '&'))) {
            hsi_buf_printf(b, "\\u%04x", *p);
        } else {
            hsi_buf_add(b, (const char *)p, 1);
        }
    }
    hsi_buf_add(b, "\"", 1);
}

void hsi_buf_json_str(hsi_buf *b, const char *s)
{
    buf_json_str(b, s, 0);
}

void hsi_buf_json_str_html(hsi_buf *b, const char *s)
{
    buf_json_str(b, s, 1);
}

/* s past its leading blanks (spaces and tabs). */
static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

int hsi_parse_double(const char *s, double *out)
{
    s = skip_blanks(s);
    if (!*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *skip_blanks(end) || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int hsi_parse_long(const char *s, long *out)
{
    s = skip_blanks(s);
    if (!*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno || *skip_blanks(end)) return -1;
    *out = v;
    return 0;
}

hs_status hsi_read_file(hs_ctx *ctx, const char *path, char **out, size_t *len, hs_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot open file: %s", strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = hsi_malloc(ctx, cap);
    if (!buf) {
        (void)fclose(fp); /* read only */
        return hsi_err_nomem(err);
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *p = hsi_realloc(ctx, buf, cap * 2);
            if (!p) {
                hsi_free(ctx, buf);
                (void)fclose(fp); /* read only */
                return hsi_err_nomem(err);
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(fp);
    (void)fclose(fp); /* read only */
    if (bad) {
        hsi_free(ctx, buf);
        return hsi_err(err, HS_ERR_IO, path, 0, 0, "read error");
    }
    buf[n] = '\0';
    *out = buf;
    if (len) *len = n;
    return HS_OK;
}

char *hsi_path_beside(hs_ctx *ctx, const char *beside, const char *rel)
{
    const char *slash = beside ? strrchr(beside, '/') : NULL;
    if (rel[0] == '/' || !slash) return hsi_strdup(ctx, rel);
    size_t d = (size_t)(slash - beside) + 1, r = strlen(rel);
    char *out = hsi_malloc(ctx, d + r + 1);
    if (!out) return NULL;
    memcpy(out, beside, d);
    memcpy(out + d, rel, r + 1);
    return out;
}

void hsi_trim_blanks(const char **a, const char **z)
{
    while (*a < *z && (**a == ' ' || **a == '\t'))
        (*a)++;
    while (*z > *a && ((*z)[-1] == ' ' || (*z)[-1] == '\t'))
        (*z)--;
}
