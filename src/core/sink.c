/*
 * sink.c - output sinks (include/humsec.h, "Output"): writers hand their bytes to a callback
 * instead of a FILE *, so that a binding or a server can take them in memory; the memory
 * buffer here is the sink most callers want.
 */
/* fopencookie is how glibc lets a FILE write through a callback */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
#define _GNU_SOURCE
#include "core_int.h"

#include <stdio.h>
#include <string.h>

struct hs_membuf {
    hsi_buf b;
};

void hs_sink_init(hs_sink *s, hs_write_fn write, void *ud)
{
    s->size = sizeof *s;
    s->write = write;
    s->ud = ud;
}

hs_status hs_membuf_new(hs_ctx *ctx, hs_membuf **out, hs_error *err)
{
    *out = hsi_calloc(ctx, 1, sizeof **out);
    if (!*out) return hsi_err_nomem(err);
    hsi_buf_init(&(*out)->b, ctx);
    return HS_OK;
}

void hs_membuf_free(hs_membuf *m)
{
    if (!m) return;
    hs_ctx *ctx = m->b.ctx;
    hsi_buf_free(&m->b);
    hsi_free(ctx, m);
}

static hs_status membuf_write(void *ud, const char *buf, size_t len)
{
    hsi_buf *b = &((hs_membuf *)ud)->b;
    hsi_buf_add(b, buf, len);
    return b->oom ? HS_ERR_NOMEM : HS_OK;
}

void hs_membuf_sink(hs_membuf *m, hs_sink *out)
{
    hs_sink_init(out, membuf_write, m);
}

const char *hs_membuf_data(const hs_membuf *m)
{
    return m && m->b.s ? m->b.s : "";
}

size_t hs_membuf_len(const hs_membuf *m)
{
    return m ? m->b.len : 0;
}

hs_status hsi_sink_check(const hs_sink *s, hs_error *err)
{
    if (!s || s->size != sizeof *s || !s->write)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "no sink, or one not set with hs_sink_init, given to write to");
    return HS_OK;
}

hs_status hsi_sink_flush(const hs_sink *s, hsi_buf *b, hs_error *err, const char *what)
{
    if (b->oom) return hsi_err_nomem(err);
    hs_status st = b->len ? s->write(s->ud, b->s, b->len) : HS_OK;
    b->len = 0;
    if (st != HS_OK) return hsi_err(err, st, NULL, 0, 0, "cannot write the %s", what);
    return HS_OK;
}

hs_status hsi_sink_rows(const hs_sink *s, const char *what, const char *header, const void *rows,
                        size_t n, size_t size, hsi_row_fn row, const void *ud, hs_error *err)
{
    hs_status st = hsi_sink_check(s, err);
    if (st != HS_OK) return st;
    hsi_buf b;
    hsi_buf_init(&b, NULL);
    hsi_buf_puts(&b, header);
    for (size_t i = 0; st == HS_OK && i < n; i++) {
        row(&b, (const char *)rows + i * size, ud);
        if (b.len >= HSI_SINK_CHUNK) st = hsi_sink_flush(s, &b, err, what);
    }
    if (st == HS_OK) st = hsi_sink_flush(s, &b, err, what);
    hsi_buf_free(&b);
    return st;
}

/* The cookie's write: the sink takes the bytes, or the stream is marked failed (ferror). */
static ssize_t sinkfile_write(void *c, const char *buf, size_t n)
{
    hsi_sinkfile *f = c;
    if (f->st != HS_OK) return -1;
    f->st = f->s->write(f->s->ud, buf, n);
    return f->st == HS_OK ? (ssize_t)n : -1;
}

hs_status hsi_sinkfile_open(hsi_sinkfile *f, const hs_sink *s, hs_error *err)
{
    memset(f, 0, sizeof *f);
    if (!s) return HS_OK; /* no sink: nothing is written, fp stays NULL */
    hs_status st = hsi_sink_check(s, err);
    if (st != HS_OK) return st;
    f->s = s;
    cookie_io_functions_t io = {NULL, sinkfile_write, NULL, NULL};
    f->fp = fopencookie(f, "w", io);
    return f->fp ? HS_OK : hsi_err_nomem(err);
}

hs_status hsi_sinkfile_close(hsi_sinkfile *f, hs_status st, hs_error *err, const char *what)
{
    if (!f->fp) return st;
    int bad = fclose(f->fp) != 0;
    f->fp = NULL;
    if (st != HS_OK) return st;
    if (f->st != HS_OK) return hsi_err(err, f->st, NULL, 0, 0, "cannot write the %s", what);
    return bad ? hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the %s", what) : HS_OK;
}
