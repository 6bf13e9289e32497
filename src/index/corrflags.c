/*
 * corrflags.c - correlations worth a look (docs/methods.md section 6.3): pairs of nodes of
 * one group that correlate above (or below) a threshold, COINr get_corr_flags, and
 * indicators that correlate with a denominator, COINr get_denom_corr. Panel data: the
 * latest time slice, as the audit tables.
 */
#include "engine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hs_corr {
    hs_ctx *ctx;
    size_t nflag, ndenom;
    hs_corr_pair *flag, *denom;
    const char *in[HSI_BUILD_NINPUTS];
    char *inbuf[HSI_BUILD_NINPUTS];
    size_t nin;
    char *names; /* every code the pairs point to, one block */
};

void hs_corr_opts_init(hs_corr_opts *o)
{
    *o = (hs_corr_opts){.size = sizeof *o, .thresh = 0.9, .level = 1, .denom_thresh = 0.6};
}

static const hsi_dset *cf_dset(const hs_build *b, const char *name)
{
    for (size_t i = 0; i < b->nd; i++)
        if (!strcmp(b->d[i].name, name)) return &b->d[i];
    return NULL;
}

/* The latest time slice of column c of d into x (the rows kept in *rows); returns the count. */
static size_t cf_slice(const hs_build *b, const hsi_dset *d, size_t c, double *x, size_t *rows)
{
    const hsi_units *u = &b->units;
    long latest = u->has_time ? u->times[u->ntime - 1] : HSI_NO_TIME;
    size_t m = 0;
    for (size_t r = 0; r < d->nrow; r++)
        if (latest == HSI_NO_TIME || u->time[d->row[r]] == latest) {
            if (rows) rows[m] = d->row[r];
            x[m++] = hsi_col(d, c)[r];
        }
    return m;
}

/* The ancestor of node i at `level`, or -1 when its line of parents skips that level. */
static long cf_ancestor(const hsi_meta *m, size_t i, int level)
{
    long p = m->node[i].parent_idx;
    while (p >= 0 && m->node[p].level < level)
        p = m->node[p].parent_idx;
    return p >= 0 && m->node[p].level == level ? p : -1;
}

static int cf_flagged(const hs_corr_opts *o, double r)
{
    return !isnan(r) && (o->low ? r < o->thresh : r > o->thresh);
}

/* Pairs of nodes of o->level in d that share their ancestor at the group level. */
static hs_status cf_pairs(hs_corr *c, const hs_build *b, const hsi_dset *d, const hs_corr_opts *o,
                          double *x, double *y, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    int glev = o->group_level ? o->group_level : o->level + 1;
    for (size_t g = 0; g < m->n; g++) {
        if (m->node[g].type != HSI_NODE_AGGREGATE || m->node[g].level != glev) continue;
        for (size_t i = 0; i < m->n; i++) {
            long ci = hsi_dset_col(d, i);
            if (m->node[i].level != o->level || ci < 0 || cf_ancestor(m, i, glev) != (long)g)
                continue;
            size_t n = cf_slice(b, d, (size_t)ci, x, NULL);
            for (size_t j = i + 1; j < m->n; j++) {
                long cj = hsi_dset_col(d, j);
                if (m->node[j].level != o->level || cj < 0 || cf_ancestor(m, j, glev) != (long)g)
                    continue;
                cf_slice(b, d, (size_t)cj, y, NULL);
                double r = hsi_corr_pearson(x, y, n);
                if (!cf_flagged(o, r)) continue;
                hs_corr_pair *p = hsi_realloc(c->ctx, c->flag, (c->nflag + 1) * sizeof *c->flag);
                if (!p) return hsi_err_nomem(err);
                c->flag = p;
                c->flag[c->nflag++] =
                    (hs_corr_pair){m->node[g].code, m->node[i].code, m->node[j].code, r};
            }
        }
    }
    return HS_OK;
}

static int cf_denom_order(const void *pa, const void *pb)
{
    const hs_corr_pair *a = pa, *b = pb;
    int c = strcmp(a->a, b->a);
    return c ? c : strcmp(a->b, b->b);
}

/* Indicators of d against every denominator of the units table, |r| > o->denom_thresh. */
static hs_status cf_denoms(hs_corr *c, const hs_build *b, const hsi_dset *d, const hs_corr_opts *o,
                           double *x, double *y, size_t *rows, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    const hsi_units *u = &b->units;
    for (size_t ci = 0; ci < d->ncol; ci++) {
        const hsi_node *nd = &m->node[d->node[ci]];
        if (nd->type != HSI_NODE_INDICATOR) continue;
        size_t n = cf_slice(b, d, ci, x, rows);
        for (size_t k = 0; k < u->ndenom; k++) {
            for (size_t r = 0; r < n; r++)
                y[r] = u->denom[k * u->n + rows[r]];
            double r = hsi_corr_pearson(x, y, n);
            if (isnan(r) || !(fabs(r) > o->denom_thresh)) continue;
            hs_corr_pair *p = hsi_realloc(c->ctx, c->denom, (c->ndenom + 1) * sizeof *c->denom);
            if (!p) return hsi_err_nomem(err);
            c->denom = p;
            c->denom[c->ndenom++] = (hs_corr_pair){NULL, nd->code, u->denom_code[k], r};
        }
    }
    if (c->ndenom > 1) qsort(c->denom, c->ndenom, sizeof *c->denom, cf_denom_order);
    return HS_OK;
}

/* The codes the pairs point to, copied into one block owned by c (the build may go). */
static hs_status cf_own(hs_corr *c, const hs_build *b, hs_error *err)
{
    size_t len = 0;
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < (t ? c->ndenom : c->nflag); i++) {
            const hs_corr_pair *p = t ? &c->denom[i] : &c->flag[i];
            len += (p->group ? strlen(p->group) + 1 : 0) + strlen(p->a) + strlen(p->b) + 2;
        }
    c->names = hsi_calloc(c->ctx, len + 1, 1);
    if (!c->names) return hsi_err_nomem(err);
    char *q = c->names;
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < (t ? c->ndenom : c->nflag); i++) {
            hs_corr_pair *p = t ? &c->denom[i] : &c->flag[i];
            const char **s[3] = {&p->group, &p->a, &p->b};
            for (int k = 0; k < 3; k++) {
                if (!*s[k]) continue;
                size_t l = strlen(*s[k]) + 1;
                memcpy(q, *s[k], l);
                *s[k] = q;
                q += l;
            }
        }
    const char *in[HSI_BUILD_NINPUTS];
    c->nin = hsi_build_inputs(b, in);
    for (size_t i = 0; i < c->nin; i++) {
        if (!(c->inbuf[i] = hsi_strdup(c->ctx, in[i]))) return hsi_err_nomem(err);
        c->in[i] = c->inbuf[i];
    }
    return HS_OK;
}

/* The checks of hs_corr_run; *d and *dd receive the two datasets. */
static hs_status cf_check(const hs_build *b, const hs_corr_opts *o, const hsi_dset **d,
                          const hsi_dset **dd, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    const char *name = o->dset ? o->dset : "Normalised";
    *d = cf_dset(b, name);
    if (!*d && !o->dset) *d = &b->d[b->nd - 1];
    *dd = cf_dset(b, o->denom_dset ? o->denom_dset : "Raw");
    if (!*d || !*dd)
        return hsi_err(err, HS_ERR_USAGE, b->pl.file, 0, 0,
                       "the build has no dataset '%s' (it has Raw and one per step)",
                       *d ? o->denom_dset : name);
    int glev = o->group_level ? o->group_level : o->level + 1;
    if (o->level < 1 || glev <= o->level || glev > m->maxlevel)
        return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0,
                       "level %d grouped by level %d: expected 1 <= level < group level <= %d "
                       "(the structure's top level)",
                       o->level, glev, m->maxlevel);
    if (!(o->thresh >= -1 && o->thresh <= 1) || !(o->denom_thresh >= 0 && o->denom_thresh <= 1))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "thresholds %g and %g: expected a correlation from -1 to 1, and a "
                       "denominator threshold from 0 to 1",
                       o->thresh, o->denom_thresh);
    return HS_OK;
}

hs_status hs_corr_run(hs_ctx *ctx, const hs_build *b, const hs_corr_opts *opts, hs_corr **out,
                      hs_error *err)
{
    *out = NULL;
    hs_corr_opts def;
    hs_corr_opts_init(&def);
    const hs_corr_opts *o = opts ? opts : &def;
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_corr_opts");
    const hsi_dset *d = NULL, *dd = NULL;
    hs_status st = cf_check(b, o, &d, &dd, err);
    if (st) return st;
    hs_corr *c = hsi_calloc(ctx, 1, sizeof *c);
    size_t n = b->units.n;
    double *x = hsi_calloc(ctx, n + 1, sizeof(double)), *y = hsi_calloc(ctx, n + 1, sizeof(double));
    size_t *rows = hsi_calloc(ctx, n + 1, sizeof(size_t));
    if (!c || !x || !y || !rows) st = hsi_err_nomem(err);
    if (c) c->ctx = ctx;
    if (!st) st = cf_pairs(c, b, d, o, x, y, err);
    if (!st) st = cf_denoms(c, b, dd, o, x, y, rows, err);
    if (!st) st = cf_own(c, b, err);
    hsi_free_all(ctx, x, y, rows);
    if (st) {
        hs_corr_free(c);
        return st;
    }
    *out = c;
    return HS_OK;
}

void hs_corr_free(hs_corr *c)
{
    if (!c) return;
    for (size_t i = 0; i < HSI_BUILD_NINPUTS; i++)
        hsi_free(c->ctx, c->inbuf[i]);
    hsi_free_all(c->ctx, c->flag, c->denom, c->names, c);
}

size_t hs_corr_nflags(const hs_corr *c)
{
    return c->nflag;
}

const hs_corr_pair *hs_corr_flag_at(const hs_corr *c, size_t i)
{
    return i < c->nflag ? &c->flag[i] : NULL;
}

size_t hs_corr_ndenom(const hs_corr *c)
{
    return c->ndenom;
}

const hs_corr_pair *hs_corr_denom_at(const hs_corr *c, size_t i)
{
    return i < c->ndenom ? &c->denom[i] : NULL;
}

/* corr_flags.csv (COINr's Group, Ind1, Ind2, Corr) or denom_corr.csv (Ind, Denom, Corr). */
static void cf_table(hsi_buf *o, const hs_corr *c, int denom)
{
    hsi_buf_puts(o,
                 denom ? "\"Ind\",\"Denom\",\"Corr\"\n" : "\"Group\",\"Ind1\",\"Ind2\",\"Corr\"\n");
    for (size_t i = 0; i < (denom ? c->ndenom : c->nflag); i++) {
        const hs_corr_pair *p = denom ? &c->denom[i] : &c->flag[i];
        if (!denom) {
            hsi_buf_csv_str(o, p->group);
            hsi_buf_puts(o, ",");
        }
        hsi_buf_csv_str(o, p->a);
        hsi_buf_puts(o, ",");
        hsi_buf_csv_str(o, p->b);
        hsi_buf_puts(o, ",");
        hsi_buf_num(o, p->r);
        hsi_buf_puts(o, "\n");
    }
}

/* The flag tables (hsi_table_fn): 0 indicator pairs, 1 indicator-denominator pairs. */
static void cf_write(hsi_buf *o, const void *obj, int denom)
{
    cf_table(o, obj, denom);
}

hs_status hs_corr_write(hs_ctx *ctx, const hs_corr *c, const char *dir, hs_error *err)
{
    static const hsi_table files[] = {{"corr_flags.csv", 0}, {"denom_corr.csv", 1}};
    return hsi_outset_tables(ctx, dir, c->in, c->nin, cf_write, c, files, 2, err);
}

hs_status hs_corr_print_csv(const hs_corr *c, int denom, const hs_sink *out, hs_error *err)
{
    return hsi_sink_table(c->ctx, out, cf_write, c, denom, "correlation table", err);
}
