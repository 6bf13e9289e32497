/*
 * write.c - hs_build_write: one CSV per dataset (named as COINr names them), ranks.csv,
 * treatment details, the audit tables and summary.json, all written whole or not at all:
 * into a new folder beside the target that replaces it at the end (core/outpath.c).
 * Numbers are printed as the shortest decimal that reads back bit-identical (hsi_fmt_double);
 * NA marks missing.
 */
#include "write_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void hsi_write_head(hsi_buf *b, const hs_build *bd, const hsi_dset *d)
{
    hsi_buf_puts(b, "\"uCode\",\"uName\"");
    if (bd->units.has_time) hsi_buf_puts(b, ",\"Time\"");
    for (size_t c = 0; c < d->ncol; c++) {
        hsi_buf_puts(b, ",");
        hsi_buf_csv_str(b, bd->meta.node[d->node[c]].code);
    }
    hsi_buf_puts(b, "\n");
}

void hsi_write_key(hsi_buf *b, const hs_build *bd, size_t urow)
{
    hsi_buf_csv_str(b, bd->units.code[urow]);
    hsi_buf_puts(b, ",");
    hsi_buf_csv_str(b, bd->units.name[urow]);
    if (bd->units.has_time) hsi_buf_printf(b, ",%ld", bd->units.time[urow]);
}

static void write_dset(hsi_buf *b, const hs_build *bd, const hsi_dset *d, const double *v)
{
    hsi_write_head(b, bd, d);
    for (size_t r = 0; r < d->nrow; r++) {
        hsi_write_key(b, bd, d->row[r]);
        for (size_t c = 0; c < d->ncol; c++) {
            hsi_buf_puts(b, ",");
            hsi_buf_num(b, v[c * d->nrow + r]);
        }
        hsi_buf_puts(b, "\n");
    }
}

static void write_bool(hsi_buf *b, int v)
{
    hsi_buf_puts(b, v ? "TRUE" : "FALSE");
}

/* One skew-kurtosis check as COINr writes it: Pass,Skew,Kurt. */
static void write_skewkurt(hsi_buf *b, int pass, double skew, double kurt)
{
    write_bool(b, pass);
    hsi_buf_puts(b, ",");
    hsi_buf_num(b, skew);
    hsi_buf_puts(b, ",");
    hsi_buf_num(b, kurt);
}

static void write_treat(hsi_buf *pts, hsi_buf *det, const hs_build *bd)
{
    const hsi_dset *d = &bd->d[bd->treat_dset];
    hsi_write_head(pts, bd, d);
    for (size_t r = 0; r < d->nrow; r++) {
        hsi_write_key(pts, bd, d->row[r]);
        for (size_t c = 0; c < d->ncol; c++) {
            const char *lab = hsi_treat_label(d->flag[c * d->nrow + r]);
            hsi_buf_puts(pts, ",");
            if (*lab) hsi_buf_csv_str(pts, lab);
        }
        hsi_buf_puts(pts, "\n");
    }
    hsi_buf_puts(det, "\"iCode\"");
    if (bd->units.has_time) hsi_buf_puts(det, ",\"Time\"");
    hsi_buf_puts(det, ",\"check_SkewKurt0.Pass\",\"check_SkewKurt0.Skew\","
                      "\"check_SkewKurt0.Kurt\",\"winsorise.nwin\",\"check_SkewKurt1.Pass\","
                      "\"check_SkewKurt1.Skew\",\"check_SkewKurt1.Kurt\",\"log_CT\","
                      "\"check_SkewKurt2.Pass\",\"check_SkewKurt2.Skew\","
                      "\"check_SkewKurt2.Kurt\"\n");
    for (size_t i = 0; i < bd->ntreat; i++) {
        const hsi_treat_rec *t = &bd->treat[i];
        hsi_buf_csv_str(det, bd->meta.node[bd->meta.ind[t->ind]].code);
        if (bd->units.has_time && t->time == HSI_NO_TIME)
            hsi_buf_puts(det, ",NA"); /* treated over all times pooled (per = all) */
        else if (bd->units.has_time)
            hsi_buf_printf(det, ",%ld", t->time);
        hsi_buf_puts(det, ",");
        write_skewkurt(det, t->det.pass0, t->det.skew0, t->det.kurt0);
        if (t->det.treated) {
            if (t->det.f1 == HSI_TREAT_F1_WINSORISE)
                hsi_buf_printf(det, ",%d,", t->det.nwin);
            else
                hsi_buf_puts(det, ",NA,"); /* nothing was winsorised */
            write_skewkurt(det, t->det.pass1, t->det.skew1, t->det.kurt1);
            hsi_buf_puts(det, ",");
            write_bool(det, t->det.logged);
            if (t->det.logged) {
                hsi_buf_puts(det, ",");
                write_skewkurt(det, t->det.pass2, t->det.skew2, t->det.kurt2);
            } else {
                hsi_buf_puts(det, ",NA,NA,NA");
            }
        } else {
            hsi_buf_puts(det, ",NA,NA,NA,NA,FALSE,NA,NA,NA");
        }
        hsi_buf_puts(det, "\n");
    }
}

static void write_summary(hsi_buf *j, const hs_build *b, const double *ranks)
{
    const hsi_units *u = &b->units;
    const hsi_meta *m = &b->meta;
    hsi_buf_puts(j, "{\n  \"humsec_version\": \"" HS_VERSION "\",\n  \"title\": ");
    hsi_buf_json_str(j, b->pl.title ? b->pl.title : "");
    hsi_buf_puts(j, ",\n  \"pipeline\": ");
    hsi_buf_json_str(j, b->pl.file);
    hsi_buf_puts(j, ",\n  \"structure\": ");
    hsi_buf_json_str(j, b->pl.meta_file);
    hsi_buf_puts(j, ",\n  \"data\": ");
    hsi_buf_json_str(j, b->pl.data.file);
    size_t nunits = 0;
    for (size_t r = 0; r < u->n; r++)
        nunits += r == 0 || strcmp(u->code[r], u->code[r - 1]);
    hsi_buf_printf(j, ",\n  \"units\": %zu,\n  \"rows\": %zu,\n  \"times\": [", nunits, u->n);
    for (size_t t = 0; u->has_time && t < u->ntime; t++)
        hsi_buf_printf(j, "%s%ld", t ? ", " : "", u->times[t]);
    hsi_buf_printf(j, "],\n  \"indicators\": %zu,\n  \"aggregates\": %zu,\n  \"datasets\": [",
                   m->nind, m->nagg);
    for (size_t i = 0; i < b->nd; i++) {
        hsi_buf_puts(j, i ? ", " : "");
        hsi_buf_json_str(j, b->d[i].name);
    }
    hsi_buf_puts(j, "],\n  \"screened_out\": [");
    for (size_t i = 0; i < b->nscreened_out; i++) {
        hsi_buf_puts(j, i ? ", " : "");
        hsi_buf_json_str(j, b->screened_out[i]);
    }
    hsi_buf_puts(j, "]");
    /* the top of the tree: scores and ranks of the latest time */
    const hsi_dset *d = &b->d[b->nd - 1];
    long top = -1;
    for (size_t c = 0; c < d->ncol; c++)
        if (m->node[d->node[c]].type == HSI_NODE_AGGREGATE && m->node[d->node[c]].parent_idx < 0)
            top = (long)c;
    if (top >= 0) {
        long latest = u->has_time ? u->times[u->ntime - 1] : HSI_NO_TIME;
        hsi_buf_puts(j, ",\n  \"index\": ");
        hsi_buf_json_str(j, m->node[d->node[top]].code);
        if (latest != HSI_NO_TIME) hsi_buf_printf(j, ",\n  \"latest_time\": %ld", latest);
        hsi_buf_puts(j, ",\n  \"scores\": [");
        int first = 1;
        for (size_t r = 0; r < d->nrow; r++) {
            if (latest != HSI_NO_TIME && u->time[d->row[r]] != latest) continue;
            double v = hsi_col(d, (size_t)top)[r];
            double rk = ranks[(size_t)top * d->nrow + r];
            hsi_buf_puts(j, first ? "\n    {\"uCode\": " : ",\n    {\"uCode\": ");
            first = 0;
            hsi_buf_json_str(j, u->code[d->row[r]]);
            hsi_buf_puts(j, ", \"score\": ");
            if (isnan(v))
                hsi_buf_puts(j, "null");
            else
                hsi_buf_num(j, v);
            hsi_buf_puts(j, ", \"rank\": ");
            if (isnan(rk))
                hsi_buf_puts(j, "null");
            else
                hsi_buf_printf(j, "%.0f", rk);
            hsi_buf_puts(j, ", \"uName\": ");
            if (u->name[d->row[r]])
                hsi_buf_json_str(j, u->name[d->row[r]]);
            else
                hsi_buf_puts(j, "null");
            hsi_buf_puts(j, "}");
        }
        hsi_buf_puts(j, "\n  ]");
    }
    hsi_buf_puts(j, "\n}\n");
}

hs_status hs_build_write(hs_ctx *ctx, const hs_build *b, const char *dir, hs_error *err)
{
    const char *in[HSI_BUILD_NINPUTS];
    size_t nin = hsi_build_inputs(b, in);
    hsi_outset o;
    hs_status st = hsi_outset_init(ctx, &o, dir, in, nin, err);
    if (st) {
        hsi_outset_free(&o);
        return st;
    }
    hsi_buf buf;
    hsi_buf_init(&buf, ctx);
    double *ranks = NULL;
    for (size_t i = 0; i < b->nd && !st; i++) {
        buf.len = 0;
        write_dset(&buf, b, &b->d[i], b->d[i].v);
        hsi_buf fname;
        hsi_buf_init(&fname, ctx);
        hsi_buf_printf(&fname, "%s.csv", b->d[i].name);
        st = fname.oom ? hsi_err_nomem(err) : hsi_outset_add(&o, fname.s, &buf, err);
        hsi_buf_free(&fname);
    }
    const hsi_dset *last = &b->d[b->nd - 1];
    if (!st) {
        ranks = hsi_calloc(ctx, last->nrow * last->ncol + 1, sizeof(double));
        if (!ranks)
            st = hsi_err_nomem(err);
        else
            st = hsi_rank_dset(ctx, b, last, ranks, err);
    }
    if (!st) {
        buf.len = 0;
        write_dset(&buf, b, last, ranks);
        st = hsi_outset_add(&o, "ranks.csv", &buf, err);
    }
    if (!st) st = hsi_write_results(ctx, b, ranks, &o, err);
    if (!st && b->treat_dset >= 0) {
        hsi_buf det;
        hsi_buf_init(&det, ctx);
        buf.len = 0;
        write_treat(&buf, &det, b);
        st = hsi_outset_add(&o, "treated_points.csv", &buf, err);
        if (!st) st = hsi_outset_add(&o, "treat_details.csv", &det, err);
        hsi_buf_free(&det);
    }
    if (!st) st = hsi_audit_tables(ctx, b, &o, err);
    if (!st) {
        buf.len = 0;
        write_summary(&buf, b, ranks);
        st = hsi_outset_add(&o, "summary.json", &buf, err);
    }
    if (!st) st = hsi_outset_commit(&o, err);
    hsi_free(ctx, ranks);
    hsi_buf_free(&buf);
    hsi_outset_free(&o);
    return st;
}
