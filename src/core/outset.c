/*
 * outset.c - a set of output files written into a new folder beside the target, which
 * replaces the target only when every file was written (the folder checks and the swap are
 * outpath.c's). Every writer of a folder of tables goes through it: builds, comparisons,
 * what-ifs, correlation flags, sensitivity runs.
 */
#include "core_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

hs_status hsi_outset_init(hs_ctx *ctx, hsi_outset *o, const char *dir, const char *const *inputs,
                          size_t ninputs, hs_error *err)
{
    memset(o, 0, sizeof *o);
    o->ctx = ctx;
    return hsi_outdir_begin(ctx, &o->d, dir, inputs, ninputs, err);
}

hs_status hsi_outset_add(hsi_outset *o, const char *name, const hsi_buf *buf, hs_error *err)
{
    if (buf->oom) return hsi_err_nomem(err);
    hsi_buf path;
    hsi_buf_init(&path, o->ctx);
    hsi_buf_printf(&path, "%s/%s", o->d.tmp, name);
    if (path.oom) {
        hsi_buf_free(&path);
        return hsi_err_nomem(err);
    }
    hs_status st = HS_OK;
    /* exclusive: two outputs of one name (two steps making the same dataset) would
       otherwise leave only the second */
    FILE *fp = fopen(path.s, "wbx");
    if (!fp && errno == EEXIST)
        st = hsi_err(err, HS_ERR_PIPELINE, o->d.shown, 0, 0,
                     "two outputs named '%s' (do two steps make the same dataset?); nothing "
                     "was written",
                     name);
    else if (!fp)
        st =
            hsi_err(err, HS_ERR_IO, o->d.shown, 0, 0, "cannot write %s: %s", name, strerror(errno));
    if (fp) {
        size_t len = buf->len;
        int bad = len > 0 && fwrite(buf->s, 1, len, fp) != len;
        int e = errno;
        if (fclose(fp) != 0 && !bad) {
            bad = 1;
            e = errno;
        }
        if (bad)
            st =
                hsi_err(err, HS_ERR_IO, o->d.shown, 0, 0, "cannot write %s: %s", name, strerror(e));
    }
    hsi_buf_free(&path);
    return st;
}

hs_status hsi_outset_commit(hsi_outset *o, hs_error *err)
{
    return hsi_outdir_commit(&o->d, err);
}

void hsi_outset_free(hsi_outset *o)
{
    hsi_outdir_abort(&o->d);
    memset(o, 0, sizeof *o);
}

hs_status hsi_outset_tables(hs_ctx *ctx, const char *dir, const char *const *inputs, size_t ninputs,
                            hsi_table_fn fn, const void *obj, const hsi_table *t, size_t nt,
                            hs_error *err)
{
    hsi_outset o;
    hs_status st = hsi_outset_init(ctx, &o, dir, inputs, ninputs, err);
    hsi_buf b;
    hsi_buf_init(&b, ctx);
    for (size_t i = 0; i < nt && !st; i++) {
        b.len = 0;
        fn(&b, obj, t[i].which);
        st = hsi_outset_add(&o, t[i].name, &b, err);
    }
    if (!st) st = hsi_outset_commit(&o, err);
    hsi_buf_free(&b);
    hsi_outset_free(&o);
    return st;
}

hs_status hsi_sink_table(hs_ctx *ctx, const hs_sink *out, hsi_table_fn fn, const void *obj,
                         int which, const char *what, hs_error *err)
{
    hsi_buf b;
    hsi_buf_init(&b, ctx);
    fn(&b, obj, which);
    hs_status st = hsi_sink_check(out, err);
    if (!st) st = hsi_sink_flush(out, &b, err, what);
    hsi_buf_free(&b);
    return st;
}
