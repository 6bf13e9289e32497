/*
 * build.c - hs_build_run: pipeline file -> structure -> data -> steps, and the queries on a
 * finished build (dataset names, ranks, explain).
 */
#include "../core/xlsx_int.h"
#include "engine_int.h"

#include <math.h>
#include <string.h>

/* ---- degenerate data ------------------------------------------------------------------ */

/* Appends " in T1, T2, ..." for the listed times (at most 6 named, the rest counted). */
static void build_times(hsi_buf *o, const long *t, size_t n, size_t of)
{
    if (of <= 1) return;
    hsi_buf_puts(o, " in ");
    for (size_t i = 0; i < n && i < 6; i++)
        hsi_buf_printf(o, "%s%ld", i ? ", " : "", t[i]);
    if (n > 6) hsi_buf_printf(o, " and %zu more", n - 6);
    hsi_buf_printf(o, " (%zu of %zu times)", n, of);
}

/* Warnings on the Raw data that would otherwise pass silently: a single unit (ranks are
 * all 1, a range or standard deviation is 0), an indicator with no value at all, an
 * indicator whose values are all equal (min-max and z-score divide by 0: COINr's n_minmax
 * warns and returns NaN, and so do we). Per time slice for panel data. */
static hs_status build_warn_raw(hs_build *b)
{
    hs_ctx *ctx = b->ctx;
    const hsi_units *u = &b->units;
    const hsi_dset *raw = &b->d[0];
    size_t nunit = 0;
    for (size_t r = 0; r < u->n; r++)
        nunit += r == 0 || strcmp(u->code[r], u->code[r - 1]) != 0;
    if (nunit == 1)
        hsi_log(ctx, 1,
                "%s: a single unit ('%s'): every rank is 1, and normalising by range or "
                "standard deviation gives NA",
                b->pl.data.file, u->code[0]);
    size_t nt = u->has_time ? u->ntime : 1;
    long *miss = hsi_calloc(ctx, nt + 1, sizeof(long));
    long *cons = hsi_calloc(ctx, nt + 1, sizeof(long));
    double *cval = hsi_calloc(ctx, nt + 1, sizeof(double));
    if (!miss || !cons || !cval) {
        hsi_free_all(ctx, miss, cons, cval);
        return HS_ERR_NOMEM;
    }
    hsi_buf o;
    hsi_buf_init(&o, ctx);
    int oom = 0;
    for (size_t c = 0; c < raw->ncol && !oom; c++) {
        const hsi_node *nd = &b->meta.node[raw->node[c]];
        const double *col = hsi_col(raw, c);
        size_t nmiss = 0, ncons = 0;
        for (size_t t = 0; t < nt; t++) {
            size_t have = 0;
            double mn = INFINITY, mx = -INFINITY;
            for (size_t r = 0; r < raw->nrow; r++) {
                if (u->has_time && u->time[raw->row[r]] != u->times[t]) continue;
                double v = col[r];
                if (isnan(v)) continue;
                have++;
                mn = v < mn ? v : mn;
                mx = v > mx ? v : mx;
            }
            if (have == 0) miss[nmiss++] = u->has_time ? u->times[t] : 0;
            if (have >= 2 && mn == mx) {
                cval[ncons] = mn;
                cons[ncons++] = u->has_time ? u->times[t] : 0;
            }
        }
        if (nmiss > 0) {
            o.len = 0;
            hsi_buf_printf(&o, "%s: indicator '%s' (%s:%ld) has no value", b->pl.data.file,
                           nd->code, b->meta.file, nd->line);
            build_times(&o, miss, nmiss, nt);
            if (nmiss == nt) hsi_buf_puts(&o, " at all (every cell is missing)");
            if (o.oom)
                oom = 1;
            else
                hsi_log(ctx, 1, "%s", o.s);
        }
        if (ncons > 0) {
            char f[32];
            o.len = 0;
            hsi_buf_printf(&o, "%s: indicator '%s' (%s:%ld) is constant (%s)", b->pl.data.file,
                           nd->code, b->meta.file, nd->line, hsi_fmt_double(f, cval[0]));
            build_times(&o, cons, ncons, nt);
            hsi_buf_puts(&o, ": it does not tell units apart, and min-max or z-score "
                             "normalisation gives NA for it (range or deviation 0)");
            if (o.oom)
                oom = 1;
            else
                hsi_log(ctx, 1, "%s", o.s);
        }
    }
    hsi_buf_free(&o);
    hsi_free_all(ctx, miss, cons, cval);
    return oom ? HS_ERR_NOMEM : HS_OK;
}

/* Nothing to rank is an error: a build whose index has no score for any unit has no
 * result, whatever the cause the warnings named. */
static hs_status build_check_ranked(const hs_build *b, hs_error *err)
{
    const hsi_dset *last = &b->d[b->nd - 1];
    if (last->nrow == 0)
        return hsi_err(err, HS_ERR_DOMAIN, b->pl.file, 0, 0,
                       "no units to rank (expected at least one row of data)");
    long top = -1;
    for (size_t a = 0; a < b->meta.nagg; a++)
        if (b->meta.node[b->meta.agg[a]].parent_idx < 0) top = (long)b->meta.agg[a];
    long c = top >= 0 ? hsi_dset_col(last, (size_t)top) : -1;
    if (c < 0) return HS_OK; /* no aggregation step: no index to rank */
    for (size_t r = 0; r < last->nrow; r++)
        if (!isnan(hsi_col(last, (size_t)c)[r])) return HS_OK;
    return hsi_err(err, HS_ERR_DOMAIN, b->pl.file, 0, 0,
                   "no unit has a score for the index '%s' (every one of %zu rows is NA): "
                   "nothing to rank (see the warnings above for indicators with no values)",
                   b->meta.node[top].code, last->nrow);
}

/* A build from a pipeline file (src NULL) or from texts in memory (path is then the
 * pipeline's name in messages). */
static hs_status build_run(hs_ctx *ctx, const char *path, const hs_build_src *src, hs_build **out,
                           hs_error *err)
{
    *out = NULL;
    hsi_ini ini;
    memset(&ini, 0, sizeof ini);
    hs_build *b = hsi_calloc(ctx, 1, sizeof *b);
    if (!b) return hsi_err_nomem(err);
    b->ctx = ctx;
    b->treat_dset = -1;
    hs_status st =
        src ? hsi_pipeline_parse(ctx, src->pipeline, src->pipeline_len, path, &b->pl, &ini, err)
            : hsi_pipeline_read(ctx, path, &b->pl, &ini, err);
    if (st) goto fail;
    if (src && (hsi_xlsx_is_book(b->pl.meta_file) || hsi_xlsx_is_book(b->pl.data.file))) {
        /* the texts are CSV: a workbook's bytes would be read as a broken table */
        st = hsi_err(err, HS_ERR_USAGE, path, 0, 0,
                     "names the workbook '%s': a build from texts in memory takes CSV texts "
                     "(build from the files with hs_build_run)",
                     hsi_xlsx_is_book(b->pl.meta_file) ? b->pl.meta_file : b->pl.data.file);
        goto fail;
    }
    hsi_log(ctx, 0, "structure: %s", b->pl.meta_file);
    st = src ? hsi_meta_parse(ctx, src->structure, src->structure_len, b->pl.meta_file, &b->meta,
                              err)
             : hsi_meta_read_sheet(ctx, b->pl.meta_file, b->pl.meta_sheet, &b->meta, err);
    if (st) goto fail;
    hsi_log(ctx, 0, "data: %s", b->pl.data.file);
    b->d = hsi_calloc(ctx, 1, sizeof *b->d);
    if (!b->d) {
        st = hsi_err_nomem(err);
        goto fail;
    }
    st = src ? hsi_data_parse(ctx, &b->pl.data, &b->meta, src->data, src->data_len, &b->units,
                              &b->d[0], err)
             : hsi_data_read(ctx, &b->pl.data, &b->meta, &b->units, &b->d[0], err);
    if (st) goto fail;
    b->nd = 1;
    if (build_warn_raw(b)) {
        st = hsi_err_nomem(err);
        goto fail;
    }
    hsi_meta_range_warn(ctx, &b->meta, &b->d[0]);
    if ((st = hsi_pipeline_steps(ctx, &ini, &b->meta, &b->units, &b->pl, err))) goto fail;
    hsi_ini_free(&ini);
    hsi_log(ctx, 0, "%zu unit-time rows, %zu indicators, %zu aggregates, %zu steps", b->units.n,
            b->meta.nind, b->meta.nagg, b->pl.nstep);
    if ((st = hsi_steps_run(b, err)) || (st = build_check_ranked(b, err))) goto fail;
    *out = b;
    return HS_OK;
fail:
    hsi_ini_free(&ini);
    hs_build_free(b);
    return st;
}

hs_status hs_build_run(hs_ctx *ctx, const char *path, hs_build **out, hs_error *err)
{
    return build_run(ctx, path, NULL, out, err);
}

hs_status hs_build_run_mem(hs_ctx *ctx, const hs_build_src *src, hs_build **out, hs_error *err)
{
    *out = NULL;
    if (!src || src->size != sizeof *src || !src->pipeline || !src->structure || !src->data)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "hs_build_run_mem: the pipeline, structure and data texts are all needed "
                       "(and src->size = sizeof(hs_build_src))");
    return build_run(ctx, src->name ? src->name : "pipeline", src, out, err);
}

void hs_build_free(hs_build *b)
{
    if (!b) return;
    hs_ctx *ctx = b->ctx;
    for (size_t i = 0; i < b->nd; i++)
        hsi_dset_free(ctx, &b->d[i]);
    hsi_free_all(ctx, b->d, b->d_step, b->treat);
    for (size_t i = 0; i < b->nscreened_out; i++)
        hsi_free(ctx, b->screened_out[i]);
    hsi_free(ctx, b->screened_out);
    hsi_units_free(ctx, &b->units);
    hsi_meta_free(ctx, &b->meta);
    hsi_pipeline_free(ctx, &b->pl);
    hsi_free(ctx, b);
}

size_t hs_build_ndsets(const hs_build *b)
{
    return b->nd;
}

const char *hs_build_dset_name(const hs_build *b, size_t i)
{
    return i < b->nd ? b->d[i].name : NULL;
}

size_t hs_build_dset_nrow(const hs_build *b, size_t i)
{
    return i < b->nd ? b->d[i].nrow : 0;
}

size_t hs_build_dset_ncol(const hs_build *b, size_t i)
{
    return i < b->nd ? b->d[i].ncol : 0;
}

const char *hs_build_dset_unit(const hs_build *b, size_t i, size_t r)
{
    return i < b->nd && r < b->d[i].nrow ? b->units.code[b->d[i].row[r]] : NULL;
}

const char *hs_build_dset_unit_name(const hs_build *b, size_t i, size_t r)
{
    return i < b->nd && r < b->d[i].nrow ? b->units.name[b->d[i].row[r]] : NULL;
}

long hs_build_dset_time(const hs_build *b, size_t i, size_t r)
{
    return i < b->nd && r < b->d[i].nrow ? b->units.time[b->d[i].row[r]] : 0;
}

int hs_build_has_time(const hs_build *b)
{
    return b->units.has_time;
}

const char *hs_build_dset_col(const hs_build *b, size_t i, size_t c)
{
    return i < b->nd && c < b->d[i].ncol ? b->meta.node[b->d[i].node[c]].code : NULL;
}

const double *hs_build_dset_values(const hs_build *b, size_t i)
{
    return i < b->nd ? b->d[i].v : NULL;
}

hs_status hsi_rank_dset(hs_ctx *ctx, const hs_build *b, const hsi_dset *d, double *ranks,
                        hs_error *err)
{
    size_t n = d->nrow;
    double *x = hsi_calloc(ctx, n + 1, sizeof(double));
    double *rk = hsi_calloc(ctx, n + 1, sizeof(double));
    size_t *ix = hsi_calloc(ctx, n + 1, sizeof(size_t));
    size_t *wz = hsi_calloc(ctx, n + 1, sizeof(size_t));
    if (!x || !rk || !ix || !wz) {
        hsi_free_all(ctx, x, rk, ix, wz);
        return hsi_err_nomem(err);
    }
    const hsi_units *u = &b->units;
    size_t nt = u->has_time ? u->ntime : 1;
    for (size_t t = 0; t < nt; t++) {
        size_t m = 0;
        for (size_t r = 0; r < n; r++)
            if (!u->has_time || u->time[d->row[r]] == u->times[t]) ix[m++] = r;
        for (size_t c = 0; c < d->ncol; c++) {
            for (size_t i = 0; i < m; i++)
                x[i] = hsi_col(d, c)[ix[i]];
            hsi_stats_rank(x, m, 1, rk, wz);
            for (size_t i = 0; i < m; i++)
                ranks[c * n + ix[i]] = rk[i];
        }
    }
    hsi_free_all(ctx, x, rk, ix, wz);
    return HS_OK;
}

hs_status hs_build_ranks(const hs_build *b, size_t i, double *out, hs_error *err)
{
    if (i >= b->nd)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "no dataset %zu (the build has %zu)", i,
                       b->nd);
    return hsi_rank_dset(b->ctx, b, &b->d[i], out, err);
}

/* ---- explain -------------------------------------------------------------------------- */

static const char *explain_flag(const hsi_dset *d, size_t c, size_t r, int treat)
{
    if (!d->flag) return "";
    unsigned char f = d->flag[c * d->nrow + r];
    if (!f) return "";
    if (!treat) return " (imputed)";
    if (f == HSI_TREAT_WINHI) return " (winsorised high)";
    if (f == HSI_TREAT_WINLO) return " (winsorised low)";
    if (f == HSI_TREAT_LOGCT) return " (log-transformed)";
    if (f == HSI_TREAT_LOGCTNEG) return " (log-transformed, mirrored for negative skew)";
    if (f == HSI_TREAT_BOXCOX) return " (Box-Cox transformed)";
    if (f == HSI_TREAT_LOGCT_LOGCT || f == HSI_TREAT_LOGCTNEG_LOG || f == HSI_TREAT_BOXCOX_LOGCT)
        return " (log-transformed after the first treatment failed)";
    return "";
}

static long explain_row(const hsi_dset *d, size_t urow)
{
    for (size_t r = 0; r < d->nrow; r++)
        if (d->row[r] == urow) return (long)r;
    return -1;
}

static void explain_num(hsi_buf *o, double v)
{
    if (isnan(v))
        hsi_buf_puts(o, "NA");
    else
        hsi_buf_printf(o, "%.6g", v);
}

static double explain_eff_weight(const hs_build *b, const hsi_step *sp, size_t node)
{
    double w = 1;
    const hsi_meta *m = &b->meta;
    long cur = (long)node;
    while (m->node[cur].parent_idx >= 0) {
        const hsi_node *pn = &m->node[m->node[cur].parent_idx];
        double sw = 0;
        for (size_t k = 0; k < pn->nchild; k++)
            sw += sp ? sp->weight[pn->child[k]] : m->node[pn->child[k]].weight;
        w *= (sp ? sp->weight[cur] : m->node[cur].weight) / sw;
        cur = m->node[cur].parent_idx;
    }
    return w;
}

/* Recursive over the structure's tree, whose depth the structure checks bound (levels 1 to
 * 100, no cycles). NOLINTNEXTLINE(misc-no-recursion) */
static void explain_node(const hs_build *b, size_t node, size_t urow, const double *ranks,
                         const hsi_step *agg, int depth, hsi_buf *o)
{
    const hsi_meta *m = &b->meta;
    const hsi_node *nd = &m->node[node];
    const hsi_dset *last = &b->d[b->nd - 1];
    long r = explain_row(last, urow);
    long c = hsi_dset_col(last, node);
    hsi_buf_printf(o, "%*s%s", depth * 2, "", nd->code);
    if (strcmp(nd->name, nd->code)) hsi_buf_printf(o, " (%s)", nd->name);
    if (nd->type == HSI_NODE_AGGREGATE) {
        hsi_buf_puts(o, " = ");
        explain_num(o, (r >= 0 && c >= 0) ? hsi_col(last, (size_t)c)[r] : (double)NAN);
        if (r >= 0 && c >= 0 && !isnan(ranks[(size_t)c * last->nrow + (size_t)r]))
            hsi_buf_printf(o, "  rank %.0f", ranks[(size_t)c * last->nrow + (size_t)r]);
        if (agg) {
            const hsi_agg_spec *as = &agg->agg_node[node];
            hsi_buf_printf(o, "  [%s", hsi_agg_name(as->kind));
            if (as->kind == HSI_AGG_GENMEAN || as->kind == HSI_AGG_RGM || as->kind == HSI_AGG_MPI)
                hsi_buf_printf(o, " p=%g", as->p);
            if (as->kind == HSI_AGG_BOD && (as->p > 0 || !isinf(as->p2)))
                hsi_buf_printf(o, " shares %g-%g", as->p, as->p2);
            hsi_buf_puts(o, " of:");
            for (size_t k = 0; k < nd->nchild; k++)
                hsi_buf_printf(o, " %s w=%g", m->node[nd->child[k]].code,
                               agg->weight[nd->child[k]]);
            hsi_buf_puts(o, "]");
        }
        hsi_buf_puts(o, "\n");
        for (size_t k = 0; k < nd->nchild; k++)
            explain_node(b, nd->child[k], urow, ranks, agg, depth + 1, o);
        return;
    }
    hsi_buf_printf(o, "  (direction %+d, effective weight %.4g)\n", nd->direction,
                   explain_eff_weight(b, agg, node));
    hsi_buf_printf(o, "%*s", depth * 2 + 2, "");
    for (size_t i = 0; i < b->nd; i++) {
        const hsi_dset *d = &b->d[i];
        long rr = explain_row(d, urow), cc = hsi_dset_col(d, node);
        if (i > 0) hsi_buf_puts(o, " -> ");
        hsi_buf_printf(o, "%s ", d->name);
        if (rr < 0 || cc < 0) {
            hsi_buf_puts(o, "-");
            continue;
        }
        explain_num(o, hsi_col(d, (size_t)cc)[rr]);
        hsi_buf_puts(o, explain_flag(d, (size_t)cc, (size_t)rr, (long)i == b->treat_dset));
    }
    if (nd->denom) hsi_buf_printf(o, "  [divided by %s]", nd->denom);
    hsi_buf_puts(o, "\n");
}

hs_status hs_build_explain(const hs_build *b, const char *unit, const hs_sink *out, hs_error *err)
{
    hs_status st = hsi_sink_check(out, err);
    if (st != HS_OK) return st;
    char code[256];
    long want_time = HSI_NO_TIME;
    snprintf(code, sizeof code, "%s", unit);
    char *colon = strchr(code, ':');
    if (colon) {
        *colon = '\0';
        if (hsi_parse_long(colon + 1, &want_time))
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "'%s' is not UNIT or UNIT:YEAR (e.g. NOR:2022)", unit);
    }
    const hsi_units *u = &b->units;
    long urow = -1;
    for (size_t r = 0; r < u->n; r++) {
        if (strcmp(u->code[r], code)) continue;
        if (want_time != HSI_NO_TIME && u->time[r] != want_time) continue;
        urow = (long)r; /* rows are sorted by time: the last match is the latest */
    }
    if (urow < 0)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "no unit '%s' in the data%s", unit,
                       want_time != HSI_NO_TIME ? " at that time" : "");
    const hsi_dset *last = &b->d[b->nd - 1];
    double *ranks = hsi_calloc(b->ctx, last->nrow * last->ncol + 1, sizeof(double));
    if (!ranks) return hsi_err_nomem(err);
    st = hsi_rank_dset(b->ctx, b, last, ranks, err);
    if (st) {
        hsi_free(b->ctx, ranks);
        return st;
    }
    hsi_buf o;
    hsi_buf_init(&o, b->ctx);
    const hsi_step *agg = NULL;
    for (size_t i = 0; i < b->pl.nstep; i++)
        if (b->pl.step[i].kind == HSI_STEP_AGGREGATE) agg = &b->pl.step[i];
    hsi_buf_printf(&o, "unit %s", u->code[urow]);
    if (u->name[urow]) hsi_buf_printf(&o, " (%s)", u->name[urow]);
    if (u->time[urow] != HSI_NO_TIME) hsi_buf_printf(&o, ", time %ld", u->time[urow]);
    hsi_buf_printf(&o, "; pipeline %s\n", b->pl.title ? b->pl.title : b->pl.file);
    if (explain_row(last, (size_t)urow) < 0)
        hsi_buf_printf(&o, "(removed by screening: values below show the steps before it)\n");
    hsi_buf_puts(&o, "indicator lines: the value after each step, left to right\n");
    for (size_t i = 0; i < b->meta.n; i++) {
        const hsi_node *nd = &b->meta.node[i];
        int top = (nd->type == HSI_NODE_AGGREGATE && nd->parent_idx < 0) ||
                  (nd->type == HSI_NODE_INDICATOR && b->meta.nagg == 0);
        if (top) explain_node(b, i, (size_t)urow, ranks, agg, 0, &o);
    }
    hsi_free(b->ctx, ranks);
    st = hsi_sink_flush(out, &o, err, "explanation");
    hsi_buf_free(&o);
    return st;
}

size_t hsi_build_inputs(const hs_build *b, const char *in[HSI_BUILD_NINPUTS])
{
    in[0] = b->pl.file;
    in[1] = b->pl.meta_file;
    in[2] = b->pl.data.file;
    return HSI_BUILD_NINPUTS;
}
