/*
 * csv.c - strict CSV reader (see csv_int.h). Written by hand because it is the product's
 * input boundary: every rejection must name file, line and column, which general CSV
 * libraries in Debian (libcsv) do not report for all of the cases we check.
 */
#include "csv_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct field {
    size_t off; /* offset of the unescaped text in mem */
    long line, col;
} field;

typedef struct fvec {
    field *v;
    size_t n, cap;
} fvec;

static int fvec_push(hs_ctx *ctx, fvec *f, field x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 1024;
        field *p = hsi_realloc(ctx, f->v, cap * sizeof *p);
        if (!p) return -1;
        f->v = p;
        f->cap = cap;
    }
    f->v[f->n++] = x;
    return 0;
}

typedef struct rowinfo {
    size_t first, count;
    long line;
} rowinfo;

/* Where the parser stands in the text, and the unescaped fields written so far. */
typedef struct cscan {
    const char *text, *fn;
    size_t len, i, line_start;
    long line;
    char *mem; /* unescaped fields, each NUL-terminated */
    size_t mlen;
} cscan;

static hs_status csv_err(const cscan *c, hs_error *err, const char *msg)
{
    return hsi_err(err, HS_ERR_PARSE, c->fn, c->line, (long)(c->i - c->line_start) + 1, "%s", msg);
}

/* A quoted field from its opening quote; f says where it began, for an unclosed quote. */
static hs_status csv_quoted(cscan *c, const field *f, hs_error *err)
{
    const char *t = c->text;
    size_t len = c->len;
    c->i++;
    for (;;) {
        if (c->i >= len)
            return hsi_err(err, HS_ERR_PARSE, c->fn, f->line, f->col,
                           "unterminated quoted field (expected a closing '\"')");
        char ch = t[c->i];
        if (ch == '"') {
            if (c->i + 1 < len && t[c->i + 1] == '"') {
                c->mem[c->mlen++] = '"';
                c->i += 2;
                continue;
            }
            c->i++;
            break;
        }
        if (ch == '\0') return csv_err(c, err, "NUL byte in text (expected a text file)");
        if (ch == '\n') {
            c->line++;
            c->line_start = c->i + 1;
        }
        c->mem[c->mlen++] = ch;
        c->i++;
    }
    size_t i = c->i;
    if (i < len && t[i] != ',' && t[i] != '\n' &&
        !(t[i] == '\r' && i + 1 < len && t[i + 1] == '\n') && !(t[i] == '\r' && i + 1 == len))
        return csv_err(c, err,
                       "unexpected character after closing quote (expected ',' or end of line)");
    return HS_OK;
}

/* An unquoted field, up to the next comma or end of line. */
static hs_status csv_plain(cscan *c, hs_error *err)
{
    const char *t = c->text;
    size_t len = c->len;
    while (c->i < len && t[c->i] != ',' && t[c->i] != '\n' &&
           !(t[c->i] == '\r' && (c->i + 1 == len || t[c->i + 1] == '\n'))) {
        if (t[c->i] == '"')
            return csv_err(c, err,
                           "quote inside an unquoted field (expected the whole field in quotes, "
                           "with \"\" for a quote)");
        if (t[c->i] == '\0') return csv_err(c, err, "NUL byte in text (expected a text file)");
        c->mem[c->mlen++] = t[c->i++];
    }
    return HS_OK;
}

/* The rows and fields found into out: the header, then one row per record, each as wide. */
static hs_status csv_table(hs_ctx *ctx, const char *fn, const rowinfo *rows, size_t nrows,
                           const fvec *fields, char *mem, hsi_csv *out, hs_error *err)
{
    if (nrows == 0)
        return hsi_err(err, HS_ERR_PARSE, fn, 1, 1, "empty file (expected a header row)");
    size_t ncol = rows[0].count;
    for (size_t r = 1; r < nrows; r++)
        if (rows[r].count != ncol)
            return hsi_err(err, HS_ERR_PARSE, fn, rows[r].line, 1,
                           "row has %zu fields (expected %zu, as in the header on line %ld)",
                           rows[r].count, ncol, rows[0].line);
    out->ncol = ncol;
    out->nrow = nrows - 1;
    out->head = hsi_calloc(ctx, ncol, sizeof(char *));
    out->cell = hsi_calloc(ctx, (nrows - 1) * ncol + 1, sizeof(char *));
    out->line = hsi_calloc(ctx, nrows, sizeof(long));
    out->col = hsi_calloc(ctx, (nrows - 1) * ncol + 1, sizeof(long));
    out->file = hsi_strdup(ctx, fn);
    if (!out->head || !out->cell || !out->line || !out->col || !out->file)
        return hsi_err_nomem(err);
    out->mem = mem;
    out->head_line = rows[0].line;
    for (size_t j = 0; j < ncol; j++)
        out->head[j] = mem + fields->v[j].off;
    for (size_t r = 1; r < nrows; r++) {
        out->line[r - 1] = rows[r].line;
        for (size_t j = 0; j < ncol; j++) {
            const field *f = &fields->v[rows[r].first + j];
            out->cell[(r - 1) * ncol + j] = mem + f->off;
            out->col[(r - 1) * ncol + j] = f->col;
        }
    }
    return HS_OK;
}

hs_status hsi_csv_parse(hs_ctx *ctx, const char *text, size_t len, const char *fname, hsi_csv *out,
                        hs_error *err)
{
    hs_status st = HS_OK;
    memset(out, 0, sizeof *out);
    out->ctx = ctx;
    fvec fields = {0};
    rowinfo *rows = NULL;
    size_t nrows = 0, caprows = 0;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF) {
        text += 3;
        len -= 3;
    }
    cscan c = {text, fname ? fname : "<input>", len, 0, 0, 1, NULL, 0};
    /* Unescaped text never exceeds the input; +1 NUL per field bounded by len+1 fields. */
    c.mem = hsi_malloc(ctx, 2 * len + 2);
    if (!c.mem) return hsi_err_nomem(err);
    while (c.i < len && !st) {
        /* skip blank lines */
        if (text[c.i] == '\n' || (text[c.i] == '\r' && c.i + 1 < len && text[c.i + 1] == '\n')) {
            c.i += (text[c.i] == '\r') ? 2 : 1;
            c.line++;
            c.line_start = c.i;
            continue;
        }
        if (nrows == caprows) {
            size_t cap = caprows ? caprows * 2 : 256;
            rowinfo *p = hsi_realloc(ctx, rows, cap * sizeof *p);
            if (!p) {
                st = hsi_err_nomem(err);
                break;
            }
            rows = p;
            caprows = cap;
        }
        rowinfo *ri = &rows[nrows++];
        *ri = (rowinfo){fields.n, 0, c.line};
        for (;;) { /* one field */
            field f = {c.mlen, c.line, (long)(c.i - c.line_start) + 1};
            st = c.i < len && text[c.i] == '"' ? csv_quoted(&c, &f, err) : csv_plain(&c, err);
            if (st) break;
            c.mem[c.mlen++] = '\0';
            if (fvec_push(ctx, &fields, f)) {
                st = hsi_err_nomem(err);
                break;
            }
            ri->count++;
            if (c.i < len && text[c.i] == ',') {
                c.i++;
                continue;
            }
            /* end of record */
            if (c.i < len && text[c.i] == '\r') c.i++;
            if (c.i < len && text[c.i] == '\n') c.i++;
            c.line++;
            c.line_start = c.i;
            break;
        }
    }
    if (!st) st = csv_table(ctx, c.fn, rows, nrows, &fields, c.mem, out, err);
    hsi_free(ctx, fields.v);
    hsi_free(ctx, rows);
    if (st) { /* csv_table hands mem to out only on success */
        out->mem = NULL;
        hsi_free(ctx, c.mem);
        hsi_csv_free(out);
    }
    return st;
}

/* First read of a text file: small, so a binary file or an endless device is found at once. */
#define TEXT_FIRST ((size_t)1 << 16)

/* Line and column of byte at in text[0, at), for a message. */
static void text_pos(const char *text, size_t at, long *line, long *col)
{
    long l = 1;
    size_t ls = 0;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + at - p))) != NULL;
         ls = (size_t)(++p - text))
        l++;
    *line = l;
    *col = (long)(at - ls) + 1;
}

hs_status hsi_read_text(hs_ctx *ctx, const char *path, char **out, size_t *len, hs_error *err)
{
    *out = NULL;
    if (len) *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot open file: %s", strerror(errno));
    size_t cap = TEXT_FIRST, n = 0;
    size_t line_start = 0; /* offset of the first byte of the line being read */
    long line = 1;
    char *buf = hsi_malloc(ctx, cap + 1);
    hs_status st = buf ? HS_OK : hsi_err_nomem(err);
    while (st == HS_OK) {
        if (n == cap) {
            char *p = hsi_realloc(ctx, buf, cap * 2 + 1);
            if (!p) {
                st = hsi_err_nomem(err);
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            st = hsi_err(err, HS_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        if (got == 0) break;
        const char *blk = buf + n;
        if (n == 0 && got >= 2 && (unsigned char)blk[0] == 0x1f && (unsigned char)blk[1] == 0x8b) {
            st = hsi_err(err, HS_ERR_PARSE, path, 0, 0,
                         "gzip-compressed (expected a plain text file: gunzip it first)");
            break;
        }
        const char *z = memchr(blk, '\0', (size_t)got);
        if (z) {
            long l, c;
            text_pos(buf, (size_t)(z - buf), &l, &c);
            st = hsi_err(err, HS_ERR_PARSE, path, l, c,
                         "binary content (a NUL byte): not a text file");
            break;
        }
        for (const char *p = blk; (p = memchr(p, '\n', (size_t)(blk + got - p))) != NULL;) {
            size_t at = (size_t)(p - buf);
            if (at - line_start > HSI_MAX_LINE) break;
            line_start = at + 1;
            line++;
            p++;
        }
        n += (size_t)got;
        if (n - line_start > HSI_MAX_LINE)
            st = hsi_err(err, HS_ERR_PARSE, path, line, 1,
                         "line longer than %zu bytes (a binary file or a missing line end?)",
                         (size_t)HSI_MAX_LINE);
    }
    (void)close(fd); /* read only */
    if (st != HS_OK) {
        hsi_free(ctx, buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    if (len) *len = n;
    return HS_OK;
}

hs_status hsi_csv_read(hs_ctx *ctx, const char *path, hsi_csv *out, hs_error *err)
{
    char *text;
    size_t len;
    memset(out, 0, sizeof *out);
    hs_status st = hsi_read_text(ctx, path, &text, &len, err);
    if (st) return st;
    st = hsi_csv_parse(ctx, text, len, path, out, err);
    hsi_free(ctx, text);
    return st;
}

void hsi_csv_free(hsi_csv *c)
{
    if (!c) return;
    hs_ctx *ctx = c->ctx;
    hsi_free_all(ctx, c->head, c->cell, c->line, c->col, c->file, c->mem);
    memset(c, 0, sizeof *c);
}

long hsi_csv_find(const hsi_csv *c, const char *name)
{
    for (size_t j = 0; j < c->ncol; j++)
        if (strcmp(c->head[j], name) == 0) return (long)j;
    return -1;
}
