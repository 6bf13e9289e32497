/*
 * whatif.c - a build taken apart (docs/methods.md section 6.2, COINr remove_elements): the
 * target node's scores and ranks with each node of one level removed in turn, its weight
 * set to 0. Weights act only in the aggregation step, so each removal re-runs that step on
 * the dataset before it, which gives what rebuilding the whole pipeline would give.
 */
#include "engine_int.h"

#include <math.h>
#include <string.h>

struct hs_whatif {
    hs_ctx *ctx;
    int has_time;
    char *target;
    size_t nrm;
    char **rm;     /* removed node codes */
    size_t n;      /* rows */
    char **unit;   /* unit code of each row */
    long *time;    /* time of each row (0 without) */
    double *score; /* (nrm + 1) x n, column 0 nominal */
    double *rank;
    const char *in[HSI_BUILD_NINPUTS];
    char *inbuf[HSI_BUILD_NINPUTS];
    size_t nin;
};

/* Competition ranks of x (rows `row` of the units table) within each time slice. */
static hs_status wi_rank(hs_ctx *ctx, const hsi_units *u, const size_t *row, const double *x,
                         size_t n, double *rank, hs_error *err)
{
    double *v = hsi_calloc(ctx, n + 1, sizeof(double));
    double *rk = hsi_calloc(ctx, n + 1, sizeof(double));
    size_t *ix = hsi_calloc(ctx, n + 1, sizeof(size_t));
    size_t *wz = hsi_calloc(ctx, n + 1, sizeof(size_t));
    hs_status st = (!v || !rk || !ix || !wz) ? hsi_err_nomem(err) : HS_OK;
    size_t nt = u->has_time ? u->ntime : 1;
    for (size_t t = 0; t < nt && !st; t++) {
        size_t m = 0;
        for (size_t r = 0; r < n; r++)
            if (!u->has_time || u->time[row[r]] == u->times[t]) {
                ix[m] = r;
                v[m++] = x[r];
            }
        hsi_stats_rank(v, m, 1, rk, wz);
        for (size_t i = 0; i < m; i++)
            rank[ix[i]] = rk[i];
    }
    hsi_free_all(ctx, v, rk, ix, wz);
    return st;
}

/* The aggregation step of b re-run on the dataset before it with weights w; the target
   column (node `target`) into x. */
static hs_status wi_reaggregate(const hs_build *b, double *w, size_t target, double *x,
                                hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    hs_build sh = *b;
    hsi_step ag = b->pl.step[b->pl.nstep - 1];
    ag.weight = w;
    sh.pl.step = &ag;
    sh.pl.nstep = 1;
    sh.quiet = 1;
    sh.d = hsi_calloc(ctx, 1, sizeof *sh.d);
    if (!sh.d) return hsi_err_nomem(err);
    sh.d[0] = b->d[b->nd - 2]; /* borrowed: never freed here */
    sh.nd = 1;
    sh.d_step = NULL;
    sh.treat = NULL;
    sh.ntreat = 0;
    hs_status st = hsi_steps_run(&sh, err);
    if (st == HS_OK) {
        const hsi_dset *d = &sh.d[1];
        long c = hsi_dset_col(d, target);
        for (size_t r = 0; r < d->nrow; r++)
            x[r] = c >= 0 ? hsi_col(d, (size_t)c)[r] : (double)NAN;
    }
    for (size_t i = 1; i < sh.nd; i++)
        hsi_dset_free(ctx, &sh.d[i]);
    hsi_free(ctx, sh.d);
    hsi_free(ctx, sh.d_step);
    return st;
}

/* The checks of hs_whatif_remove; *tnode receives the target node. */
static hs_status wi_check(const hs_build *b, int level, const char *target, size_t *tnode,
                          hs_error *err)
{
    const hsi_meta *m = &b->meta;
    if (b->pl.nstep == 0 || b->pl.step[b->pl.nstep - 1].kind != HSI_STEP_AGGREGATE || b->nd < 2)
        return hsi_err(err, HS_ERR_USAGE, b->pl.file, 0, 0,
                       "the pipeline has no [aggregate] step: removing an element changes "
                       "nothing");
    long t = -1;
    if (target) {
        t = hsi_meta_find(m, target);
        if (t < 0 || m->node[t].type != HSI_NODE_AGGREGATE)
            return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0,
                           "no aggregate '%s' in the structure (the target must be one)", target);
    } else {
        for (size_t a = 0; a < m->nagg; a++)
            if (m->node[m->agg[a]].parent_idx < 0) t = (long)m->agg[a];
    }
    if (t < 0) return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0, "the structure has no index");
    if (level < 1 || level >= m->node[t].level)
        return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0,
                       "level %d: expected a level from 1 to %d, below the target '%s' (level "
                       "%d)",
                       level, m->node[t].level - 1, m->node[t].code, m->node[t].level);
    *tnode = (size_t)t;
    return HS_OK;
}

/* Allocate w's tables for the nodes of `level` and the rows of b's last dataset. */
static hs_status wi_alloc(hs_whatif *w, const hs_build *b, int level, size_t tnode, hs_error *err)
{
    hs_ctx *ctx = w->ctx;
    const hsi_meta *m = &b->meta;
    const hsi_dset *d = &b->d[b->nd - 1];
    w->has_time = b->units.has_time;
    w->n = d->nrow;
    w->rm = hsi_calloc(ctx, m->n + 1, sizeof(char *));
    w->unit = hsi_calloc(ctx, d->nrow + 1, sizeof(char *));
    w->time = hsi_calloc(ctx, d->nrow + 1, sizeof(long));
    w->target = hsi_strdup(ctx, m->node[tnode].code);
    if (!w->rm || !w->unit || !w->time || !w->target) return hsi_err_nomem(err);
    for (size_t i = 0; i < m->n; i++) {
        const hsi_node *nd = &m->node[i];
        if (nd->level != level || hsi_dset_col(d, i) < 0) continue;
        if (!(w->rm[w->nrm++] = hsi_strdup(ctx, nd->code))) return hsi_err_nomem(err);
    }
    if (w->nrm == 0)
        return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0, "no node of level %d to remove", level);
    for (size_t r = 0; r < d->nrow; r++) {
        if (!(w->unit[r] = hsi_strdup(ctx, b->units.code[d->row[r]]))) return hsi_err_nomem(err);
        w->time[r] = w->has_time ? b->units.time[d->row[r]] : 0;
    }
    w->score = hsi_calloc(ctx, (w->nrm + 1) * d->nrow + 1, sizeof(double));
    w->rank = hsi_calloc(ctx, (w->nrm + 1) * d->nrow + 1, sizeof(double));
    if (!w->score || !w->rank) return hsi_err_nomem(err);
    const char *in[HSI_BUILD_NINPUTS];
    w->nin = hsi_build_inputs(b, in);
    for (size_t i = 0; i < w->nin; i++)
        if (!(w->inbuf[i] = hsi_strdup(ctx, in[i]))) return hsi_err_nomem(err);
    for (size_t i = 0; i < w->nin; i++)
        w->in[i] = w->inbuf[i];
    return HS_OK;
}

/* Column 0 from the build as it is, then one re-aggregation per removed node. */
static hs_status wi_fill(hs_whatif *w, const hs_build *b, size_t tnode, double *wt, hs_error *err)
{
    const hsi_dset *d = &b->d[b->nd - 1];
    const double *nominal = b->pl.step[b->pl.nstep - 1].weight;
    long c = hsi_dset_col(d, tnode);
    for (size_t r = 0; r < d->nrow; r++)
        w->score[r] = c >= 0 ? hsi_col(d, (size_t)c)[r] : (double)NAN;
    hs_status st = wi_rank(w->ctx, &b->units, d->row, w->score, d->nrow, w->rank, err);
    for (size_t j = 0; j < w->nrm && !st; j++) {
        memcpy(wt, nominal, b->meta.n * sizeof(double));
        wt[hsi_meta_find(&b->meta, w->rm[j])] = 0;
        double *x = w->score + (j + 1) * w->n;
        st = wi_reaggregate(b, wt, tnode, x, err);
        if (!st) st = wi_rank(w->ctx, &b->units, d->row, x, d->nrow, w->rank + (j + 1) * w->n, err);
    }
    return st;
}

hs_status hs_whatif_remove(hs_ctx *ctx, const hs_build *b, int level, const char *target,
                           hs_whatif **out, hs_error *err)
{
    *out = NULL;
    size_t tnode = 0;
    hs_status st = wi_check(b, level, target, &tnode, err);
    if (st) return st;
    hs_whatif *w = hsi_calloc(ctx, 1, sizeof *w);
    if (!w) return hsi_err_nomem(err);
    w->ctx = ctx;
    double *wt = hsi_calloc(ctx, b->meta.n + 1, sizeof(double));
    st = wt ? wi_alloc(w, b, level, tnode, err) : hsi_err_nomem(err);
    if (!st) st = wi_fill(w, b, tnode, wt, err);
    hsi_free(ctx, wt);
    if (st) {
        hs_whatif_free(w);
        return st;
    }
    *out = w;
    return HS_OK;
}

void hs_whatif_free(hs_whatif *w)
{
    if (!w) return;
    hs_ctx *ctx = w->ctx;
    for (size_t j = 0; j < w->nrm; j++)
        hsi_free(ctx, w->rm[j]);
    for (size_t r = 0; w->unit && r < w->n; r++)
        hsi_free(ctx, w->unit[r]);
    for (size_t i = 0; i < HSI_BUILD_NINPUTS; i++)
        hsi_free(ctx, w->inbuf[i]);
    hsi_free_all(ctx, w->rm, w->unit, w->time, w->score, w->rank, w->target, w);
}

const char *hs_whatif_target(const hs_whatif *w)
{
    return w->target;
}

size_t hs_whatif_nremoved(const hs_whatif *w)
{
    return w->nrm;
}

const char *hs_whatif_removed(const hs_whatif *w, size_t j)
{
    return j < w->nrm ? w->rm[j] : NULL;
}

size_t hs_whatif_nrows(const hs_whatif *w)
{
    return w->n;
}

const char *hs_whatif_unit(const hs_whatif *w, size_t r)
{
    return r < w->n ? w->unit[r] : NULL;
}

long hs_whatif_time(const hs_whatif *w, size_t r)
{
    return r < w->n ? w->time[r] : 0;
}

double hs_whatif_score(const hs_whatif *w, size_t j, size_t r)
{
    return j <= w->nrm && r < w->n ? w->score[j * w->n + r] : (double)NAN;
}

double hs_whatif_rank(const hs_whatif *w, size_t j, size_t r)
{
    return j <= w->nrm && r < w->n ? w->rank[j * w->n + r] : (double)NAN;
}

double hs_whatif_mean_abs_diff(const hs_whatif *w, size_t j)
{
    if (j > w->nrm) return NAN;
    double s = 0;
    size_t m = 0;
    for (size_t r = 0; r < w->n; r++) {
        double d = fabs(w->rank[r] - w->rank[j * w->n + r]);
        if (isnan(d)) continue;
        s += d;
        m++;
    }
    return m ? s / (double)m : (double)NAN;
}

/* A wide table: uCode[, Time], Nominal, one column per removed node. what: 0 scores, 1 ranks,
   2 rank differences (nominal minus removed: positive when the unit moves up). */
static void wi_table(hsi_buf *o, const hs_whatif *w, int what)
{
    hsi_buf_puts(o, "\"uCode\"");
    if (w->has_time) hsi_buf_puts(o, ",\"Time\"");
    hsi_buf_puts(o, ",\"Nominal\"");
    for (size_t j = 0; j < w->nrm; j++) {
        hsi_buf_puts(o, ",");
        hsi_buf_csv_str(o, w->rm[j]);
    }
    hsi_buf_puts(o, "\n");
    for (size_t r = 0; r < w->n; r++) {
        hsi_buf_csv_str(o, w->unit[r]);
        if (w->has_time) hsi_buf_printf(o, ",%ld", w->time[r]);
        for (size_t j = 0; j <= w->nrm; j++) {
            double v = what == 0   ? w->score[j * w->n + r]
                       : what == 1 ? w->rank[j * w->n + r]
                                   : w->rank[r] - w->rank[j * w->n + r];
            hsi_buf_puts(o, ",");
            hsi_buf_num(o, v);
        }
        hsi_buf_puts(o, "\n");
    }
}

static void wi_summary(hsi_buf *o, const hs_whatif *w)
{
    hsi_buf_puts(o, "\"iCode\",\"MeanAbsDiff\"\n");
    for (size_t j = 0; j <= w->nrm; j++) {
        hsi_buf_csv_str(o, j ? w->rm[j - 1] : "Nominal");
        hsi_buf_puts(o, ",");
        hsi_buf_num(o, hs_whatif_mean_abs_diff(w, j));
        hsi_buf_puts(o, "\n");
    }
}

/* The what-if tables (hsi_table_fn): 0 scores, 1 ranks, 2 rank changes, 3 the summary. */
static void wi_write(hsi_buf *o, const void *obj, int which)
{
    const hs_whatif *w = obj;
    if (which == 3)
        wi_summary(o, w);
    else
        wi_table(o, w, which);
}

hs_status hs_whatif_write(hs_ctx *ctx, const hs_whatif *w, const char *dir, hs_error *err)
{
    static const hsi_table files[] = {{"whatif_scores.csv", 0},
                                      {"whatif_ranks.csv", 1},
                                      {"whatif_rankdiffs.csv", 2},
                                      {"whatif_mean_abs_diff.csv", 3}};
    return hsi_outset_tables(ctx, dir, w->in, w->nin, wi_write, w, files, 4, err);
}

hs_status hs_whatif_summary_csv(const hs_whatif *w, const hs_sink *out, hs_error *err)
{
    return hsi_sink_table(w->ctx, out, wi_write, w, 3, "what-if summary", err);
}
