/*
 * steps.c - runs the pipeline's steps in order, each reading the previous dataset and adding
 * a new one (COINr's "dsets"). Steps work per time slice of a panel unless the step says
 * `per = all`. The numeric work is done by the kernels (kernels_int.h); this file gathers
 * each slice's column, calls the kernel and scatters the result back.
 */
#include "steps_int.h"
#include "panel_int.h"

#include <math.h>
#include <string.h>

/* Rows of dataset d grouped into time slices: slice s holds rows off[s]..off[s+1]-1 of idx. */
typedef struct steps_slices {
    size_t n;
    size_t *off;
    size_t *idx;
    long *time;
} steps_slices;

static void steps_slices_free(hs_ctx *ctx, steps_slices *s)
{
    hsi_free_all(ctx, s->off, s->idx, s->time);
    memset(s, 0, sizeof *s);
}

static hs_status steps_slices_make(hs_ctx *ctx, const hsi_units *u, const hsi_dset *d, int pooled,
                                   steps_slices *s)
{
    memset(s, 0, sizeof *s);
    size_t nt = (pooled || !u->has_time) ? 1 : u->ntime;
    s->off = hsi_calloc(ctx, nt + 1, sizeof(size_t));
    s->idx = hsi_calloc(ctx, d->nrow + 1, sizeof(size_t));
    s->time = hsi_calloc(ctx, nt, sizeof(long));
    if (!s->off || !s->idx || !s->time) {
        steps_slices_free(ctx, s);
        return HS_ERR_NOMEM;
    }
    s->n = nt;
    size_t k = 0;
    for (size_t t = 0; t < nt; t++) {
        s->off[t] = k;
        s->time[t] = nt == 1 ? HSI_NO_TIME : u->times[t];
        for (size_t r = 0; r < d->nrow; r++)
            if (nt == 1 || u->time[d->row[r]] == u->times[t]) s->idx[k++] = r;
    }
    s->off[nt] = k;
    return HS_OK;
}

typedef struct steps_work {
    double *x, *y, *w;
    size_t *z;
    unsigned char *f;
} steps_work;

static hs_status steps_work_new(hs_ctx *ctx, size_t n, steps_work *w)
{
    /* normalise needs n doubles + n size_t; PCA-free kernels need at most 4n doubles */
    w->x = hsi_calloc(ctx, n + 1, sizeof(double));
    w->y = hsi_calloc(ctx, n + 1, sizeof(double));
    w->w = hsi_calloc(ctx, 4 * n + 4, sizeof(double));
    w->z = hsi_calloc(ctx, n + 1, sizeof(size_t));
    w->f = hsi_calloc(ctx, n + 1, 1);
    if (!w->x || !w->y || !w->w || !w->z || !w->f) return HS_ERR_NOMEM;
    return HS_OK;
}

static void steps_work_free(hs_ctx *ctx, steps_work *w)
{
    hsi_free_all(ctx, w->x, w->y, w->w, w->z, w->f);
}

/* The time slices of dataset out as step sp cuts it, and the scratch arrays of one slice's
 * column: both or neither (HS_ERR_NOMEM). */
static hs_status steps_begin(const hs_build *b, const hsi_step *sp, const hsi_dset *out,
                             steps_slices *sl, steps_work *w, hs_error *err)
{
    memset(w, 0, sizeof *w);
    if (steps_slices_make(b->ctx, &b->units, out, sp->pooled, sl) ||
        steps_work_new(b->ctx, out->nrow, w)) {
        steps_slices_free(b->ctx, sl);
        steps_work_free(b->ctx, w);
        return hsi_err_nomem(err);
    }
    return HS_OK;
}

static void steps_end(hs_ctx *ctx, steps_slices *sl, steps_work *w)
{
    steps_slices_free(ctx, sl);
    steps_work_free(ctx, w);
}

static const char *steps_time_str(long t, char *buf, size_t n)
{
    if (t == HSI_NO_TIME)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, " (time %ld)", t);
    return buf;
}

hs_status hsi_step_run_denominate(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                                  hs_error *err)
{
    (void)sp;
    hs_status st = hsi_dset_copy(b->ctx, in, out, "", err);
    if (st) return st;
    for (size_t c = 0; c < out->ncol; c++) {
        const hsi_node *nd = &b->meta.node[out->node[c]];
        if (!nd->denom) continue;
        long di = -1;
        for (size_t q = 0; q < b->units.ndenom; q++)
            if (!strcmp(b->units.denom_code[q], nd->denom)) di = (long)q;
        if (di < 0)
            return hsi_err(err, HS_ERR_SCHEMA, b->pl.data.file, 0, 0,
                           "denominator '%s' of indicator '%s' has no column in the data",
                           nd->denom, nd->code);
        double *col = hsi_col(out, c);
        for (size_t r = 0; r < out->nrow; r++)
            col[r] /= b->units.denom[(size_t)di * b->units.n + out->row[r]];
    }
    return HS_OK;
}

/* linear and constant: each unit's run of rows (sorted by unit, then time) is one series */
static hs_status steps_impute_panel(hs_build *b, const hsi_step *sp, hsi_dset *out, hs_error *err)
{
    const hsi_units *u = &b->units;
    long *t = hsi_calloc(b->ctx, out->nrow + 1, sizeof(long));
    if (!t) return hsi_err_nomem(err);
    for (size_t r = 0; r < out->nrow; r++)
        t[r] = u->time[out->row[r]];
    hsi_fill_kind kind = sp->imp == HSI_IMP_LINEAR ? HSI_FILL_LINEAR : HSI_FILL_CONSTANT;
    for (size_t r0 = 0, r1; r0 < out->nrow; r0 = r1) {
        r1 = r0 + 1;
        while (r1 < out->nrow && !strcmp(u->code[out->row[r1]], u->code[out->row[r0]]))
            r1++;
        for (size_t c = 0; c < out->ncol; c++)
            hsi_fill_series(kind, t + r0, hsi_col(out, c) + r0, r1 - r0,
                            out->flag + c * out->nrow + r0);
    }
    hsi_free(b->ctx, t);
    return HS_OK;
}

/* out = in, with a flag per cell (0) for the values the step changes. */
static hs_status steps_copy_flagged(hs_ctx *ctx, const hsi_dset *in, hsi_dset *out, hs_error *err)
{
    hs_status st = hsi_dset_copy(ctx, in, out, "", err);
    if (st) return st;
    if (!(out->flag = hsi_calloc(ctx, out->nrow * out->ncol + 1, 1))) return hsi_err_nomem(err);
    return HS_OK;
}

hs_status hsi_step_run_impute(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                              hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    hs_status st = steps_copy_flagged(ctx, in, out, err);
    if (st) return st;
    if (sp->imp == HSI_IMP_NONE) return HS_OK;
    if (sp->imp == HSI_IMP_LINEAR || sp->imp == HSI_IMP_CONSTANT)
        return steps_impute_panel(b, sp, out, err);
    const hsi_units *u = &b->units;
    if (sp->imp == HSI_IMP_LATEST) {
        /* rows are sorted by unit then time: walk each unit's run of rows */
        for (size_t c = 0; c < out->ncol; c++) {
            double *col = hsi_col(out, c);
            const double *src = hsi_col(in, c);
            for (size_t r = 0; r < out->nrow; r++) {
                if (!isnan(col[r])) continue;
                size_t q = r;
                while (q > 0 && !strcmp(u->code[out->row[q - 1]], u->code[out->row[r]])) {
                    q--;
                    long age = u->time[out->row[r]] - u->time[out->row[q]];
                    if (sp->max_time > 0 && age > sp->max_time) break;
                    if (!isnan(src[q])) {
                        col[r] = src[q];
                        out->flag[c * out->nrow + r] = 1;
                        break;
                    }
                }
            }
        }
        return HS_OK;
    }
    steps_slices sl;
    steps_work w;
    if ((st = steps_begin(b, sp, out, &sl, &w, err))) return st;
    int by_group = sp->imp == HSI_IMP_MEAN_GROUP || sp->imp == HSI_IMP_MEDIAN_GROUP;
    int median = sp->imp == HSI_IMP_MEDIAN || sp->imp == HSI_IMP_MEDIAN_GROUP;
    char **gv = by_group ? u->group_val + (size_t)sp->group_idx * u->n : NULL;
    for (size_t s = 0; s < sl.n; s++) {
        size_t n = sl.off[s + 1] - sl.off[s];
        const size_t *ix = sl.idx + sl.off[s];
        for (size_t c = 0; c < out->ncol; c++) {
            double *col = hsi_col(out, c);
            for (size_t i = 0; i < n; i++) {
                size_t r = ix[i];
                if (!isnan(col[r])) continue;
                const char *g = by_group ? gv[out->row[r]] : NULL;
                if (by_group && !g)
                    continue; /* COINr: units without a group are left as they are */
                size_t m = 0;
                for (size_t j = 0; j < n; j++) {
                    size_t q = ix[j];
                    if (by_group && (!gv[out->row[q]] || strcmp(gv[out->row[q]], g))) continue;
                    w.x[m++] = hsi_col(in, c)[q];
                }
                double v = median ? hsi_stats_median(w.x, m, w.w) : hsi_stats_mean(w.x, m);
                if (!isnan(v)) {
                    col[r] = v;
                    out->flag[c * out->nrow + r] = 1;
                }
            }
        }
    }
    steps_end(ctx, &sl, &w);
    return HS_OK;
}

hs_status hsi_step_run_screen(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                              hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    size_t keep = 0;
    unsigned char *ok = hsi_calloc(ctx, in->nrow + 1, 1);
    if (!ok) return hsi_err_nomem(err);
    for (size_t r = 0; r < in->nrow; r++) {
        size_t avail = 0, nonzero = 0;
        for (size_t c = 0; c < in->ncol; c++) {
            double v = hsi_col(in, c)[r];
            avail += !isnan(v);
            nonzero += !isnan(v) && v != 0;
        }
        double fa = (double)avail / (double)in->ncol, fz = (double)nonzero / (double)in->ncol;
        ok[r] = 1;
        if (sp->screen_na && fa < sp->dat_thresh) ok[r] = 0;
        if (sp->screen_zeros && fz < sp->nonzero_thresh) ok[r] = 0;
        keep += ok[r];
    }
    if (keep == 0) {
        hsi_free(ctx, ok);
        return hsi_err(err, HS_ERR_DOMAIN, b->pl.file, sp->line, 0,
                       "screening removed every unit (lower dat_thresh or nonzero_thresh)");
    }
    if (hsi_dset_alloc(ctx, out, "", keep, in->ncol, 0)) {
        hsi_free(ctx, ok);
        return hsi_err_nomem(err);
    }
    memcpy(out->node, in->node, in->ncol * sizeof(size_t));
    size_t k = 0;
    for (size_t r = 0; r < in->nrow; r++) {
        if (!ok[r]) {
            const char *code = b->units.code[in->row[r]];
            int seen = 0;
            for (size_t q = 0; q < b->nscreened_out; q++)
                seen |= !strcmp(b->screened_out[q], code);
            if (!seen) {
                char **p =
                    hsi_realloc(ctx, b->screened_out, (b->nscreened_out + 1) * sizeof(char *));
                if (!p) {
                    hsi_free(ctx, ok);
                    return hsi_err_nomem(err);
                }
                b->screened_out = p;
                if (!(p[b->nscreened_out] = hsi_strdup(ctx, code))) {
                    hsi_free(ctx, ok);
                    return hsi_err_nomem(err);
                }
                b->nscreened_out++;
            }
            continue;
        }
        out->row[k] = in->row[r];
        for (size_t c = 0; c < in->ncol; c++)
            hsi_col(out, c)[k] = hsi_col(in, c)[r];
        k++;
    }
    hsi_free(ctx, ok);
    return HS_OK;
}

hs_status hsi_step_run_treat(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                             hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    hs_status st = steps_copy_flagged(ctx, in, out, err);
    if (st) return st;
    steps_slices sl;
    steps_work w;
    if ((st = steps_begin(b, sp, out, &sl, &w, err))) return st;
    hsi_treat_rec *recs =
        hsi_realloc(ctx, b->treat, (b->ntreat + sl.n * out->ncol + 1) * sizeof *recs);
    if (!recs) {
        steps_end(ctx, &sl, &w);
        return hsi_err_nomem(err);
    }
    b->treat = recs;
    for (size_t s = 0; s < sl.n; s++) {
        size_t n = sl.off[s + 1] - sl.off[s];
        const size_t *ix = sl.idx + sl.off[s];
        for (size_t c = 0; c < out->ncol; c++) {
            size_t k = 0;
            while (b->meta.ind[k] != out->node[c])
                k++;
            const hsi_treat_spec *ts = &sp->treat_ind[k];
            if (ts->winmax <= 0) continue;
            double *col = hsi_col(out, c);
            /* the kernel skips NaN; pass the slice's values including NaN */
            for (size_t i = 0; i < n; i++)
                w.x[i] = col[ix[i]];
            hsi_treat_rec *rec = &b->treat[b->ntreat++];
            rec->ind = k;
            rec->time = sl.time[s];
            hsi_treat_column(ts, w.x, n, w.y, w.f, &rec->det, w.w);
            for (size_t i = 0; i < n; i++) {
                col[ix[i]] = w.y[i];
                out->flag[c * out->nrow + ix[i]] = w.f[i];
            }
        }
    }
    steps_end(ctx, &sl, &w);
    return HS_OK;
}

/* Indicators whose normalised column came out all NA from values that were there (all
 * equal: min-max and z-score divide by a range or deviation of 0). Collected per step and
 * named in one warning, so a rebuild inside an analysis (quiet) says nothing. */
typedef struct steps_norm_na {
    hsi_buf codes;
    size_t n;
} steps_norm_na;

static void steps_norm_na_note(steps_norm_na *na, const double *x, const double *y, size_t n,
                               const char *code, long t)
{
    size_t have = 0, got = 0;
    for (size_t i = 0; i < n; i++) {
        have += !isnan(x[i]);
        got += !isnan(y[i]);
    }
    if (have == 0 || got > 0) return;
    if (na->n++ < 8) {
        char tb[64];
        hsi_buf_printf(&na->codes, "%s'%s'%s", na->n > 1 ? ", " : "", code,
                       steps_time_str(t, tb, sizeof tb));
    }
}

static void steps_norm_na_warn(const hs_build *b, const hsi_step *sp, const steps_norm_na *na)
{
    if (na->n > 0 && !b->quiet && !na->codes.oom)
        hsi_log(b->ctx, 1,
                "%s:%ld: [normalise] gave NA for every value of %s%s: the values were all "
                "equal (or there was one), and the method divides by their range or deviation (0), "
                "as COINr's "
                "n_minmax does",
                b->pl.file, sp->line, na->codes.s, na->n > 8 ? " and more" : "");
}

/* dist2ref: the target is the reference unit's value in this slice; a unit missing from the
 * slice (screened out, or no row that year) is an error, a missing value gives NA with a
 * warning, as COINr's n_dist2ref. */
static hs_status steps_dist2ref(hs_build *b, const hsi_step *sp, const hsi_dset *out,
                                const size_t *ix, size_t n, const double *x, const hsi_node *nd,
                                long t, hsi_norm_spec *ns, hs_error *err)
{
    char tb[64];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(b->units.code[out->row[ix[i]]], ns->ref)) continue;
        ns->target = x[i];
        if (isnan(x[i]) && !b->quiet)
            hsi_log(b->ctx, 1,
                    "%s:%ld: [normalise] dist2ref: '%s' of the reference unit '%s'%s is NA, so "
                    "every value is NA",
                    b->pl.file, sp->line, nd->code, ns->ref, steps_time_str(t, tb, sizeof tb));
        return HS_OK;
    }
    return hsi_err(err, HS_ERR_DOMAIN, b->pl.file, sp->line, 0,
                   "normalising '%s'%s: the reference unit '%s' of dist2ref is not in the data "
                   "here (screened out, or no row for this time)",
                   nd->code, steps_time_str(t, tb, sizeof tb), ns->ref);
}

hs_status hsi_step_run_normalise(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                                 hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    hs_status st = hsi_dset_copy(ctx, in, out, "", err);
    if (st) return st;
    steps_slices sl;
    steps_work w;
    if ((st = steps_begin(b, sp, out, &sl, &w, err))) return st;
    steps_norm_na na = {.n = 0};
    hsi_buf_init(&na.codes, ctx);
    for (size_t s = 0; s < sl.n && st == HS_OK; s++) {
        size_t n = sl.off[s + 1] - sl.off[s];
        const size_t *ix = sl.idx + sl.off[s];
        for (size_t c = 0; c < out->ncol; c++) {
            size_t k = 0;
            while (b->meta.ind[k] != out->node[c])
                k++;
            const hsi_node *nd = &b->meta.node[out->node[c]];
            double *col = hsi_col(out, c);
            for (size_t i = 0; i < n; i++)
                w.x[i] = col[ix[i]];
            hsi_norm_spec ns = sp->norm_ind[k];
            if (ns.kind == HSI_NORM_DIST2REF &&
                (st = steps_dist2ref(b, sp, out, ix, n, w.x, nd, sl.time[s], &ns, err)))
                break;
            st = hsi_normalise(&ns, nd->direction, w.x, n, w.y, w.w, w.z, err);
            if (st) {
                char tb[64];
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
                hsi_err(err, st, b->pl.file, sp->line, 0, "normalising '%s'%s: %s", nd->code,
                        steps_time_str(sl.time[s], tb, sizeof tb), msg);
                break;
            }
            if (!(ns.kind == HSI_NORM_DIST2REF && isnan(ns.target))) /* warned already */
                steps_norm_na_note(&na, w.x, w.y, n, nd->code, sl.time[s]);
            for (size_t i = 0; i < n; i++)
                col[ix[i]] = w.y[i];
        }
    }
    if (st == HS_OK) steps_norm_na_warn(b, sp, &na);
    hsi_buf_free(&na.codes);
    steps_end(ctx, &sl, &w);
    return st;
}

const char *hsi_agg_name(hsi_agg_kind k)
{
    switch (k) {
    case HSI_AGG_AMEAN:
        return "arithmetic mean";
    case HSI_AGG_GMEAN:
        return "geometric mean";
    case HSI_AGG_HMEAN:
        return "harmonic mean";
    case HSI_AGG_GENMEAN:
        return "generalised mean";
    case HSI_AGG_RGM:
        return "risk geometric mean";
    case HSI_AGG_WMAX:
        return "weighted maximum";
    case HSI_AGG_MPI:
        return "Mazziotta-Pareto index";
    case HSI_AGG_COPELAND:
        return "Copeland score";
    case HSI_AGG_BOD:
        return "benefit of the doubt";
    }
    return "?";
}

/* Copeland or benefit-of-the-doubt scores of one aggregate: every unit against every other
 * of its time slice (all rows with per = all), over the children's columns cc[] with weights
 * wt[]. */
static hs_status steps_copeland(const hs_build *b, const hsi_step *sp, const hsi_dset *out,
                                const hsi_node *pn, const long *cc, const double *wt, double *dst,
                                hs_error *err)
{
    const hsi_agg_spec *as = &sp->agg_node[pn - b->meta.node];
    hs_ctx *ctx = b->ctx;
    steps_slices sl;
    size_t k = pn->nchild;
    double *x = hsi_calloc(ctx, out->nrow * k + 1, sizeof(double));
    double *sc = hsi_calloc(ctx, out->nrow + 1, sizeof(double));
    if (!x || !sc || steps_slices_make(ctx, &b->units, out, sp->pooled, &sl)) {
        hsi_free(ctx, x);
        hsi_free(ctx, sc);
        return hsi_err_nomem(err);
    }
    hs_status st = HS_OK;
    for (size_t s = 0; s < sl.n; s++) {
        size_t n = sl.off[s + 1] - sl.off[s];
        const size_t *ix = sl.idx + sl.off[s];
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < k; j++)
                x[i * k + j] = hsi_col(out, (size_t)cc[j])[ix[i]];
        size_t bad = 0;
        if (as->kind != HSI_AGG_BOD)
            hsi_copeland(x, wt, k, n, sc);
        else if ((st = hsi_bod(ctx, x, wt, k, n, as->p, as->p2, as->dat_thresh,
                               sp->agg_nonpositive_na, sc, NULL, &bad, err)) != HS_OK) {
            char tb[64];
            size_t kk = k ? k : 1; /* an aggregate has children */
            if (st == HS_ERR_DOMAIN)
                st = hsi_err(
                    err, HS_ERR_DOMAIN, b->pl.file, sp->line, 0,
                    "benefit of the doubt of '%s' for unit '%s'%s: child '%s' is %s "
                    "(expected a finite value >= 0; normalise to a range such as minmax(0, 1), or "
                    "nonpositive = na)",
                    pn->code, b->units.code[out->row[ix[bad / kk]]],
                    steps_time_str(sl.time[s], tb, sizeof tb),
                    b->meta.node[pn->child[bad % kk]].code, hsi_fmt_double((char[32]){0}, x[bad]));
            break;
        }
        for (size_t i = 0; i < n; i++)
            dst[ix[i]] = sc[i];
    }
    steps_slices_free(ctx, &sl);
    hsi_free(ctx, x);
    hsi_free(ctx, sc);
    return st;
}

/* quiet: leave out the note of values set to NA (the optimiser runs a pass per candidate
 * weight set; the Aggregate step that follows says it once). */
static hs_status steps_aggregate_pass(const hs_build *b, const hsi_step *sp, const double *weight,
                                      const hsi_dset *in, hsi_dset *out, int quiet, hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    const hsi_meta *m = &b->meta;
    /* columns: the input's indicators, then every aggregate in level order */
    size_t nind = 0;
    for (size_t c = 0; c < in->ncol; c++)
        nind += m->node[in->node[c]].type == HSI_NODE_INDICATOR;
    if (hsi_dset_alloc(ctx, out, "", in->nrow, nind + m->nagg, 0)) return hsi_err_nomem(err);
    memcpy(out->row, in->row, in->nrow * sizeof(size_t));
    size_t c = 0;
    for (size_t q = 0; q < in->ncol; q++) {
        if (m->node[in->node[q]].type != HSI_NODE_INDICATOR) continue;
        out->node[c] = in->node[q];
        memcpy(hsi_col(out, c), hsi_col(in, q), in->nrow * sizeof(double));
        c++;
    }
    for (size_t a = 0; a < m->nagg; a++)
        out->node[nind + a] = m->agg[a];
    size_t maxk = 0;
    for (size_t a = 0; a < m->nagg; a++)
        if (m->node[m->agg[a]].nchild > maxk) maxk = m->node[m->agg[a]].nchild;
    double *x = hsi_calloc(ctx, maxk + 1, sizeof(double));
    double *wt = hsi_calloc(ctx, maxk + 1, sizeof(double));
    long *cc = hsi_calloc(ctx, maxk + 1, sizeof(long));
    if (!x || !wt || !cc) {
        hsi_free_all(ctx, x, wt, cc);
        return hsi_err_nomem(err);
    }
    hs_status st = HS_OK;
    for (size_t a = 0; a < m->nagg && st == HS_OK; a++) {
        const hsi_node *pn = &m->node[m->agg[a]];
        const hsi_agg_spec *as = &sp->agg_node[m->agg[a]];
        for (size_t k = 0; k < pn->nchild; k++) {
            cc[k] = hsi_dset_col(out, pn->child[k]);
            wt[k] = weight[pn->child[k]];
            if (cc[k] < 0) {
                st = hsi_err(err, HS_ERR_SCHEMA, b->pl.file, sp->line, 0,
                             "child '%s' of '%s' is not in dataset '%s'",
                             m->node[pn->child[k]].code, pn->code, in->name);
                break;
            }
        }
        double *dst = hsi_col(out, nind + a);
        if (st == HS_OK && (as->kind == HSI_AGG_COPELAND || as->kind == HSI_AGG_BOD)) {
            st = steps_copeland(b, sp, out, pn, cc, wt, dst, err);
            continue;
        }
        size_t nbad = 0;
        for (size_t r = 0; r < out->nrow && st == HS_OK; r++) {
            for (size_t k = 0; k < pn->nchild; k++)
                x[k] = hsi_col(out, (size_t)cc[k])[r];
            size_t bad = 0;
            hs_status ks = hsi_aggregate_row(as->kind, as->p, x, wt, pn->nchild, as->dat_thresh,
                                             &dst[r], &bad);
            if (ks && sp->agg_nonpositive_na) {
                dst[r] = NAN;
                nbad++;
            } else if (ks) {
                char tb[64];
                long t = b->units.time[out->row[r]];
                st = hsi_err(err, HS_ERR_DOMAIN, b->pl.file, sp->line, 0,
                             "%s of '%s' for unit '%s'%s: child '%s' is %s (expected a "
                             "value %s; normalise to a positive range such as minmax(1, 100))",
                             hsi_agg_name(as->kind), pn->code, b->units.code[out->row[r]],
                             steps_time_str(t, tb, sizeof tb), m->node[pn->child[bad]].code,
                             hsi_fmt_double((char[32]){0}, x[bad]),
                             as->kind == HSI_AGG_HMEAN ? "other than 0" : "> 0");
            }
        }
        if (nbad && !quiet)
            hsi_log(ctx, 1,
                    "%zu value(s) of '%s' set to NA: %s over a value outside its domain "
                    "(nonpositive = na)",
                    nbad, pn->code, hsi_agg_name(as->kind));
    }
    hsi_free_all(ctx, x, wt, cc);
    return st;
}

hs_status hsi_aggregate_pass(const hs_build *b, const hsi_step *sp, const double *weight,
                             const hsi_dset *in, hsi_dset *out, hs_error *err)
{
    return steps_aggregate_pass(b, sp, weight, in, out, 1, err);
}

/* PCA weights (COINr get_PCA with by_groups, used as a weight set): for every aggregate whose
 * children are all of level L, the first principal component's loadings of the children's
 * columns in `agg` (every row), which replace their weights in w. */
static hs_status steps_pca_weights(hs_build *b, const hsi_step *sp, const hsi_dset *agg, double *w,
                                   hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    const hsi_meta *m = &b->meta;
    size_t n = agg->nrow, maxk = 0;
    for (size_t a = 0; a < m->nagg; a++)
        if (m->node[m->agg[a]].nchild > maxk) maxk = m->node[m->agg[a]].nchild;
    const double **cols = hsi_calloc(ctx, maxk + 1, sizeof *cols);
    double *load = hsi_calloc(ctx, maxk * maxk + 1, sizeof(double));
    double *sdev = hsi_calloc(ctx, maxk + 1, sizeof(double));
    double *work = hsi_calloc(ctx, 2 * maxk * maxk + maxk * n + 5 * maxk + 1, sizeof(double));
    hs_status st = (!cols || !load || !sdev || !work) ? hsi_err_nomem(err) : HS_OK;
    for (size_t a = 0; a < m->nagg && st == HS_OK; a++) {
        const hsi_node *pn = &m->node[m->agg[a]];
        size_t k = pn->nchild, neg = 0;
        int all = 1;
        for (size_t j = 0; j < k; j++)
            all &= m->node[pn->child[j]].level == sp->pca_level;
        if (!all) continue;
        for (size_t j = 0; j < k; j++)
            cols[j] = hsi_col(agg, (size_t)hsi_dset_col(agg, pn->child[j]));
        char msg[sizeof err->msg];
        if ((st = hsi_pca(cols, k, n, load, sdev, work, err))) {
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            st = hsi_err(err, st, b->pl.file, sp->line, 0,
                         "PCA weights of the children of '%s': %s", pn->code, msg);
            break;
        }
        double sum = 0, abs = 0;
        for (size_t j = 0; j < k; j++) {
            w[pn->child[j]] = load[j];
            sum += load[j];
            abs += fabs(load[j]);
            neg += load[j] < 0;
        }
        /* the loadings have unit length: a sum at rounding level is a sum of 0 */
        if (!(sum > 1e-9 * abs))
            st = hsi_err(err, HS_ERR_DOMAIN, b->pl.file, sp->line, 0,
                         "PCA weights of the children of '%s' sum to 0 (the first component "
                         "balances them): no weighted mean can be formed",
                         pn->code);
        else if (neg && !b->quiet)
            hsi_log(ctx, 1,
                    "%s:%ld: PCA weights of the children of '%s' have mixed signs (%zu of %zu "
                    "negative): '%s' can lie outside its children's range",
                    b->pl.file, sp->line, pn->code, neg, k, pn->code);
    }
    hsi_free_all(ctx, cols, load, sdev, work);
    return st;
}

/* With PCA weights the index is aggregated twice: with the step's weights, for the columns
 * whose principal components give the weights, then with those. They are kept in the step,
 * so that the weights reported are the ones used. */
hs_status hsi_step_run_aggregate(hs_build *b, hsi_step *sp, const hsi_dset *in, hsi_dset *out,
                                 hs_error *err)
{
    if (sp->optw) { /* optimised weights (optweights.c) replace the level's in sp->weight */
        hs_status os = hsi_optw_step(b, sp, in, err);
        if (os) return os;
    }
    hs_status st = steps_aggregate_pass(b, sp, sp->weight, in, out, sp->pca_level > 0, err);
    if (st || sp->pca_level <= 0) return st;
    st = steps_pca_weights(b, sp, out, sp->weight, err);
    hsi_dset_free(b->ctx, out);
    memset(out, 0, sizeof *out);
    return st ? st : steps_aggregate_pass(b, sp, sp->weight, in, out, 0, err);
}

hs_status hsi_steps_run(hs_build *b, hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    const hsi_pipeline *p = &b->pl;
    hsi_dset *d = hsi_realloc(ctx, b->d, (p->nstep + 1) * sizeof *d);
    size_t *ds = hsi_calloc(ctx, p->nstep + 1, sizeof(size_t));
    if (!d || !ds) {
        if (d) b->d = d;
        hsi_free(ctx, ds);
        return hsi_err_nomem(err);
    }
    b->d = d;
    b->d_step = ds;
    b->treat_dset = -1;
    for (size_t i = 0; i < p->nstep; i++) {
        const hsi_step *sp = &p->step[i];
        const hsi_dset *in = &b->d[b->nd - 1];
        hsi_dset out;
        memset(&out, 0, sizeof out);
        if (!b->quiet) hsi_log(ctx, 0, "step %zu/%zu: %s", i + 1, p->nstep, sp->out_name);
        if (in->ncol > 0 && b->meta.node[in->node[in->ncol - 1]].type == HSI_NODE_AGGREGATE &&
            sp->kind != HSI_STEP_AGGREGATE)
            return hsi_err(err, HS_ERR_PIPELINE, p->file, sp->line, 0,
                           "step [%s] comes after [aggregate] (expected aggregate last)",
                           sp->out_name);
        hs_status st = hsi_step_def_of(sp->kind)->run(b, &b->pl.step[i], in, &out, err);
        if (st == HS_OK) {
            hsi_free(ctx, out.name);
            if (!(out.name = hsi_strdup(ctx, sp->out_name))) st = hsi_err_nomem(err);
        }
        if (st) {
            hsi_dset_free(ctx, &out);
            return st;
        }
        if (sp->kind == HSI_STEP_TREAT) b->treat_dset = (long)b->nd;
        b->d_step[b->nd] = i;
        b->d[b->nd++] = out;
    }
    return HS_OK;
}
