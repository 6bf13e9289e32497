/*
 * compare.c - two builds side by side (docs/methods.md section 6.1, COINr compare_coins):
 * every node both last datasets hold, every unit either holds, matched by code and time,
 * with each build's score and competition rank, and the folder of CSV tables that says it.
 */
#include "engine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hs_compare {
    hs_ctx *ctx;
    int has_time;
    size_t n;
    hs_compare_row *row;
    char **str; /* the codes the rows point into */
    size_t nstr;
    const char *in[2 * HSI_BUILD_NINPUTS]; /* the builds' input files (owned copies) */
    size_t nin;
};

/* A row of one build's last dataset, keyed by unit code and time. */
typedef struct cmp_key {
    const char *code;
    long time;
    long r[2]; /* row in build 0 and 1, -1 when absent */
} cmp_key;

static int cmp_key_order(const void *pa, const void *pb)
{
    const cmp_key *a = pa, *b = pb;
    int c = strcmp(a->code, b->code);
    if (c) return c;
    return (a->time > b->time) - (a->time < b->time);
}

/* The union of both builds' rows, sorted, one key per unit and time; *nk receives its size. */
static cmp_key *cmp_keys(hs_ctx *ctx, const hs_build *const bd[2], size_t *nk)
{
    const hsi_dset *d0 = &bd[0]->d[bd[0]->nd - 1], *d1 = &bd[1]->d[bd[1]->nd - 1];
    size_t n = d0->nrow + d1->nrow;
    cmp_key *k = hsi_calloc(ctx, n + 1, sizeof *k);
    if (!k) return NULL;
    size_t m = 0;
    for (int s = 0; s < 2; s++) {
        const hsi_dset *d = s ? d1 : d0;
        for (size_t r = 0; r < d->nrow; r++) {
            k[m].code = bd[s]->units.code[d->row[r]];
            k[m].time = bd[s]->units.time[d->row[r]];
            k[m].r[s] = (long)r;
            k[m].r[1 - s] = -1;
            m++;
        }
    }
    qsort(k, m, sizeof *k, cmp_key_order);
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u > 0 && cmp_key_order(&k[u - 1], &k[i]) == 0) {
            for (int s = 0; s < 2; s++)
                if (k[i].r[s] >= 0) k[u - 1].r[s] = k[i].r[s];
            continue;
        }
        k[u++] = k[i];
    }
    *nk = u;
    return k;
}

static char *cmp_keep(hs_compare *c, const char *s)
{
    char *p = hsi_strdup(c->ctx, s);
    if (p) c->str[c->nstr++] = p;
    return p;
}

/* Column of node `code` in build b's last dataset, or -1. */
static long cmp_col(const hs_build *b, const char *code)
{
    long node = hsi_meta_find(&b->meta, code);
    return node < 0 ? -1 : hsi_dset_col(&b->d[b->nd - 1], (size_t)node);
}

/* Fill c's rows from the keys and both builds' ranks. */
static hs_status cmp_fill(hs_compare *c, const hs_build *const bd[2], const cmp_key *k, size_t nk,
                          double *const rk[2], hs_error *err)
{
    const hsi_dset *d0 = &bd[0]->d[bd[0]->nd - 1], *d1 = &bd[1]->d[bd[1]->nd - 1];
    for (size_t j = 0; j < d0->ncol; j++) {
        const hsi_node *nd = &bd[0]->meta.node[d0->node[j]];
        long j1 = cmp_col(bd[1], nd->code);
        if (j1 < 0) continue;
        const size_t col[2] = {j, (size_t)j1};
        const char *icode = cmp_keep(c, nd->code);
        if (!icode) return hsi_err_nomem(err);
        for (size_t i = 0; i < nk; i++) {
            hs_compare_row *o = &c->row[c->n++];
            o->icode = icode;
            o->level = nd->level;
            o->time = c->has_time ? k[i].time : 0;
            o->ucode = k[i].code; /* replaced by an owned copy below */
            for (int s = 0; s < 2; s++) {
                const hsi_dset *d = s ? d1 : d0;
                long r = k[i].r[s];
                o->score[s] = r < 0 ? (double)NAN : hsi_col(d, col[s])[r];
                o->rank[s] = r < 0 ? (double)NAN : rk[s][col[s] * d->nrow + (size_t)r];
            }
        }
    }
    if (c->n == 0)
        return hsi_err(err, HS_ERR_USAGE, bd[1]->pl.file, 0, 0,
                       "no structure node in common with %s: nothing to compare", bd[0]->pl.file);
    return HS_OK;
}

/* The rows' unit codes as copies owned by c (the keys point into the builds). */
static hs_status cmp_own_units(hs_compare *c, const cmp_key *k, size_t nk, hs_error *err)
{
    for (size_t i = 0; i < nk; i++) {
        const char *u = cmp_keep(c, k[i].code);
        if (!u) return hsi_err_nomem(err);
        for (size_t r = i; r < c->n; r += nk)
            c->row[r].ucode = u;
    }
    return HS_OK;
}

static hs_status cmp_inputs(hs_compare *c, const hs_build *const bd[2], hs_error *err)
{
    for (int s = 0; s < 2; s++) {
        const char *in[HSI_BUILD_NINPUTS];
        size_t n = hsi_build_inputs(bd[s], in);
        for (size_t i = 0; i < n; i++) {
            const char *p = cmp_keep(c, in[i]);
            if (!p) return hsi_err_nomem(err);
            c->in[c->nin++] = p;
        }
    }
    return HS_OK;
}

hs_status hs_compare_builds(hs_ctx *ctx, const hs_build *a, const hs_build *b, hs_compare **out,
                            hs_error *err)
{
    *out = NULL;
    const hs_build *const bd[2] = {a, b};
    if (a->units.has_time != b->units.has_time)
        return hsi_err(err, HS_ERR_USAGE, (a->units.has_time ? b : a)->pl.file, 0, 0,
                       "its data has no Time column and %s's has one: units cannot be "
                       "matched (give both pipelines panel data, or neither)",
                       (a->units.has_time ? a : b)->pl.file);
    hs_compare *c = hsi_calloc(ctx, 1, sizeof *c);
    if (!c) return hsi_err_nomem(err);
    c->ctx = ctx;
    c->has_time = a->units.has_time;
    size_t nk = 0;
    cmp_key *k = cmp_keys(ctx, bd, &nk);
    const hsi_dset *d0 = &a->d[a->nd - 1], *d1 = &b->d[b->nd - 1];
    double *rk[2] = {hsi_calloc(ctx, d0->nrow * d0->ncol + 1, sizeof(double)),
                     hsi_calloc(ctx, d1->nrow * d1->ncol + 1, sizeof(double))};
    c->row = hsi_calloc(ctx, nk * d0->ncol + 1, sizeof *c->row);
    c->str = hsi_calloc(ctx, nk + d0->ncol + (size_t)2 * HSI_BUILD_NINPUTS + 1, sizeof(char *));
    hs_status st = HS_OK;
    if (!k || !rk[0] || !rk[1] || !c->row || !c->str) st = hsi_err_nomem(err);
    if (!st) st = hsi_rank_dset(ctx, a, d0, rk[0], err);
    if (!st) st = hsi_rank_dset(ctx, b, d1, rk[1], err);
    if (!st) st = cmp_fill(c, bd, k, nk, rk, err);
    if (!st) st = cmp_own_units(c, k, nk, err);
    if (!st) st = cmp_inputs(c, bd, err);
    hsi_free_all(ctx, k, rk[0], rk[1]);
    if (st) {
        hs_compare_free(c);
        return st;
    }
    *out = c;
    return HS_OK;
}

void hs_compare_free(hs_compare *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nstr; i++)
        hsi_free(c->ctx, c->str[i]);
    hsi_free_all(c->ctx, c->str, c->row, c);
}

size_t hs_compare_nrows(const hs_compare *c)
{
    return c->n;
}

const hs_compare_row *hs_compare_row_at(const hs_compare *c, size_t i)
{
    return i < c->n ? &c->row[i] : NULL;
}

/* compare_ranks.csv or compare_scores.csv: COINr's columns, one row per node and unit. */
static void cmp_table(hsi_buf *o, const hs_compare *c, int ranks)
{
    hsi_buf_puts(o, "\"iCode\",\"Level\",\"uCode\"");
    if (c->has_time) hsi_buf_puts(o, ",\"Time\"");
    hsi_buf_puts(o, ",\"coin.1\",\"coin.2\",\"Diff\",\"Abs.diff\"\n");
    for (size_t i = 0; i < c->n; i++) {
        const hs_compare_row *r = &c->row[i];
        const double *v = ranks ? r->rank : r->score;
        hsi_buf_csv_str(o, r->icode);
        hsi_buf_printf(o, ",%d,", r->level);
        hsi_buf_csv_str(o, r->ucode);
        if (c->has_time) hsi_buf_printf(o, ",%ld", r->time);
        const double f[4] = {v[0], v[1], v[0] - v[1], fabs(v[0] - v[1])};
        for (int q = 0; q < 4; q++) {
            hsi_buf_puts(o, ",");
            hsi_buf_num(o, f[q]);
        }
        hsi_buf_puts(o, "\n");
    }
}

/* compare_summary.csv: per node, how much the ranks and scores moved. */
static void cmp_summary(hsi_buf *o, const hs_compare *c)
{
    hsi_buf_puts(o, "\"iCode\",\"Level\",\"Units\",\"MeanAbsRankDiff\",\"MaxAbsRankDiff\","
                    "\"UnitsMoved\",\"MeanAbsScoreDiff\"\n");
    for (size_t i = 0; i < c->n;) {
        size_t e = i, nr = 0, moved = 0, ns = 0;
        double sr = 0, mx = 0, ss = 0;
        for (; e < c->n && c->row[e].icode == c->row[i].icode; e++) {
            const hs_compare_row *r = &c->row[e];
            double dr = fabs(r->rank[0] - r->rank[1]), ds = fabs(r->score[0] - r->score[1]);
            if (!isnan(dr)) {
                nr++;
                sr += dr;
                mx = dr > mx ? dr : mx;
                moved += dr > 0;
            }
            if (!isnan(ds)) {
                ns++;
                ss += ds;
            }
        }
        hsi_buf_csv_str(o, c->row[i].icode);
        hsi_buf_printf(o, ",%d,%zu,", c->row[i].level, nr);
        hsi_buf_num(o, nr ? sr / (double)nr : (double)NAN);
        hsi_buf_puts(o, ",");
        hsi_buf_num(o, nr ? mx : (double)NAN);
        hsi_buf_printf(o, ",%zu,", moved);
        hsi_buf_num(o, ns ? ss / (double)ns : (double)NAN);
        hsi_buf_puts(o, "\n");
        i = e;
    }
}

/* The comparison's tables (hsi_table_fn): 1 ranks, 0 scores, 2 the summary. */
static void cmp_write(hsi_buf *o, const void *obj, int which)
{
    const hs_compare *c = obj;
    if (which == 2)
        cmp_summary(o, c);
    else
        cmp_table(o, c, which);
}

hs_status hs_compare_write(hs_ctx *ctx, const hs_compare *c, const char *dir, hs_error *err)
{
    static const hsi_table files[] = {
        {"compare_ranks.csv", 1}, {"compare_scores.csv", 0}, {"compare_summary.csv", 2}};
    return hsi_outset_tables(ctx, dir, c->in, c->nin, cmp_write, c, files, 3, err);
}

hs_status hs_compare_summary_csv(const hs_compare *c, const hs_sink *out, hs_error *err)
{
    return hsi_sink_table(c->ctx, out, cmp_write, c, 2, "comparison's summary", err);
}
