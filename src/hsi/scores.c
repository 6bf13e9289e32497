/*
 * scores.c - the main job's score table: for every unit and year the top index and the
 * aggregates one level below it (the HSI's pillars), each with its competition rank within
 * the year (docs/methods.md section 0), as CSV and JSON. Rank intervals come from an uncertainty
 * analysis (src/mc/); until one is run for the build the table says they are not computed.
 * Building the index and writing its datasets are left to the engine (src/index/, report/).
 */
#include "hsi_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "index/engine_int.h"

#define SC_NOTE "not computed: no uncertainty analysis (humsec sensitivity) was run for this build"

typedef struct sc_cols {
    size_t n; /* top index first, then its children */
    size_t node[16];
    long col[16]; /* column in the Aggregated dataset */
    double *rank; /* n * nrow */
} sc_cols;

static hs_status sc_find(const hs_build *b, const hsi_dset *ag, sc_cols *c, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    long top = -1;
    for (size_t i = 0; i < m->nagg; i++)
        if (m->node[m->agg[i]].level == m->maxlevel) top = (long)m->agg[i];
    if (top < 0) return hsi_err(err, HS_ERR_SCHEMA, m->file, 0, 0, "no top aggregate to score");
    c->n = 0;
    c->node[c->n++] = (size_t)top;
    for (size_t k = 0; k < m->node[top].nchild && c->n < 16; k++)
        if (m->node[m->node[top].child[k]].type == HSI_NODE_AGGREGATE)
            c->node[c->n++] = m->node[top].child[k];
    for (size_t k = 0; k < c->n; k++)
        if ((c->col[k] = hsi_dset_col(ag, c->node[k])) < 0)
            return hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "aggregate '%s' was not computed",
                           m->node[c->node[k]].code);
    return HS_OK;
}

/* Ranks within each year: gather the year's rows, rank, scatter back. */
static hs_status sc_rank(const hs_build *b, const hsi_dset *ag, sc_cols *c, hs_error *err)
{
    size_t n = ag->nrow;
    hs_ctx *ctx = b->ctx;
    double *x = hsi_malloc(ctx, (n + 1) * sizeof *x), *r = hsi_malloc(ctx, (n + 1) * sizeof *r);
    size_t *idx = hsi_malloc(ctx, (n + 1) * sizeof *idx), *w = hsi_malloc(ctx, (n + 1) * sizeof *w);
    c->rank = hsi_malloc(ctx, (c->n * n + 1) * sizeof *c->rank);
    hs_status st = HS_OK;
    if (!x || !r || !idx || !w || !c->rank) {
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t t = 0; t < b->units.ntime; t++) {
        size_t m = 0;
        for (size_t q = 0; q < n; q++)
            if (b->units.time[ag->row[q]] == b->units.times[t]) idx[m++] = q;
        for (size_t k = 0; k < c->n; k++) {
            const double *v = hsi_col(ag, (size_t)c->col[k]);
            for (size_t q = 0; q < m; q++)
                x[q] = v[idx[q]];
            hsi_stats_rank(x, m, 1, r, w);
            for (size_t q = 0; q < m; q++)
                c->rank[k * n + idx[q]] = r[q];
        }
    }
done:
    hsi_free_all(ctx, x, r, idx, w);
    return st;
}

static hs_status sc_save(hs_ctx *ctx, const char *path, hsi_buf *b, hs_error *err)
{
    if (b->oom) return hsi_err_nomem(err);
    return hsi_out_file_write(ctx, path, NULL, 0, b->s, b->len, err);
}

/* A rank as a whole number, or the format's word for missing. */
static void sc_put_rank(hsi_buf *o, double rk, const char *missing)
{
    if (isnan(rk))
        hsi_buf_puts(o, missing);
    else
        hsi_buf_printf(o, "%.0f", rk);
}

static void sc_csv(const hs_build *b, const hsi_dset *ag, const sc_cols *c, hsi_buf *o)
{
    const hsi_meta *m = &b->meta;
    hsi_buf_puts(o, "uCode,uName,Time");
    for (size_t k = 0; k < c->n; k++)
        hsi_buf_printf(o, ",%s,%s_rank", m->node[c->node[k]].code, m->node[c->node[k]].code);
    hsi_buf_puts(o, ",rank_q05,rank_q95\n");
    for (size_t q = 0; q < ag->nrow; q++) {
        size_t u = ag->row[q];
        hsi_buf_csv_str(o, b->units.code[u]);
        hsi_buf_puts(o, ",");
        hsi_buf_csv_str(o, b->units.name ? b->units.name[u] : NULL);
        hsi_buf_printf(o, ",%ld", b->units.time[u]);
        for (size_t k = 0; k < c->n; k++) {
            double v = hsi_col(ag, (size_t)c->col[k])[q], rk = c->rank[k * ag->nrow + q];
            hsi_buf_puts(o, ",");
            hsi_buf_num(o, v);
            hsi_buf_puts(o, ",");
            sc_put_rank(o, rk, "NA");
        }
        hsi_buf_puts(o, ",NA,NA\n"); /* rank intervals: SC_NOTE */
    }
}

static void sc_json(const hs_build *b, const hsi_dset *ag, const sc_cols *c, hsi_buf *o)
{
    const hsi_meta *m = &b->meta;
    hsi_buf_puts(o, "{\n  \"title\": ");
    hsi_buf_json_str(o, b->pl.title ? b->pl.title : "");
    hsi_buf_puts(o, ",\n  \"index\": ");
    hsi_buf_json_str(o, m->node[c->node[0]].code);
    hsi_buf_puts(o, ",\n  \"components\": [");
    for (size_t k = 1; k < c->n; k++) {
        hsi_buf_puts(o, k > 1 ? ", {\"code\": " : "{\"code\": ");
        hsi_buf_json_str(o, m->node[c->node[k]].code);
        hsi_buf_puts(o, ", \"name\": ");
        hsi_buf_json_str(o, m->node[c->node[k]].name ? m->node[c->node[k]].name : "");
        hsi_buf_puts(o, "}");
    }
    hsi_buf_puts(o, "],\n  \"rank_intervals\": null,\n  \"rank_intervals_note\": ");
    hsi_buf_json_str(o, SC_NOTE);
    hsi_buf_puts(o, ",\n  \"rows\": [\n");
    for (size_t q = 0; q < ag->nrow; q++) {
        size_t u = ag->row[q];
        hsi_buf_puts(o, "    {\"uCode\": ");
        hsi_buf_json_str(o, b->units.code[u]);
        hsi_buf_puts(o, ", \"uName\": ");
        if (b->units.name && b->units.name[u])
            hsi_buf_json_str(o, b->units.name[u]);
        else
            hsi_buf_puts(o, "null");
        hsi_buf_printf(o, ", \"Time\": %ld", b->units.time[u]);
        for (size_t k = 0; k < c->n; k++) {
            const char *code = m->node[c->node[k]].code;
            double v = hsi_col(ag, (size_t)c->col[k])[q], rk = c->rank[k * ag->nrow + q];
            hsi_buf_puts(o, ", ");
            hsi_buf_json_str(o, code);
            if (isnan(v))
                hsi_buf_puts(o, ": null");
            else
                hsi_buf_printf(o, ": %s", hsi_fmt_double((char[32]){0}, v));
            hsi_buf_printf(o, ", \"%s_rank\": ", code);
            sc_put_rank(o, rk, "null");
        }
        hsi_buf_puts(o, q + 1 < ag->nrow ? "},\n" : "}\n");
    }
    hsi_buf_puts(o, "  ]\n}\n");
}

hs_status hs_hsi_scores_write(hs_ctx *ctx, const hs_build *b, const char *csv_path,
                              const char *json_path, hs_error *err)
{
    const hsi_dset *ag = &b->d[b->nd - 1];
    sc_cols c = {0};
    hs_status st = sc_find(b, ag, &c, err);
    if (!st) st = sc_rank(b, ag, &c, err);
    hsi_buf o;
    hsi_buf_init(&o, ctx);
    if (!st && csv_path) {
        sc_csv(b, ag, &c, &o);
        st = sc_save(ctx, csv_path, &o, err);
    }
    if (!st && json_path) {
        o.len = 0;
        sc_json(b, ag, &c, &o);
        st = sc_save(ctx, json_path, &o, err);
    }
    hsi_buf_free(&o);
    hsi_free(b->ctx, c.rank);
    return st;
}
