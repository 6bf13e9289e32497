/*
 * audit_api.c - hs_build_audit: the statistical audit tables of a build (the ones
 * hs_build_write writes as audit_*.csv, src/report/audit.c) as arrays a program reads
 * directly: per table its name, label columns (codes), numeric columns and their
 * column-major values. The same kernels (audit.c) over the same columns of the latest time
 * slice give the same doubles as the CSV files; tests/unit/test_audit_api.c checks them
 * cell for cell.
 */
#include "engine_int.h"
#include "kernels_int.h"

#include <math.h>
#include <string.h>

#define AT_MAXTAB 6
#define AT_MAXLAB 2

typedef struct hsi_atab {
    char *name;
    size_t nrow, cap, nlab, ncol;
    char *labname[AT_MAXLAB];
    char **lab; /* lab[k * cap + r] */
    char **col;
    hs_audit_kind *kind;
    const char **word; /* static words of flag columns, NULL elsewhere */
    double *v;         /* v[c * cap + r] while filling, v[c * nrow + r] once finished */
} hsi_atab;

struct hs_audit {
    hs_ctx *ctx;
    size_t n;
    hsi_atab t[AT_MAXTAB];
    int oom;
};

static char *at_dup(hs_audit *a, const char *s)
{
    char *d = hsi_strdup(a->ctx, s);
    if (!d) a->oom = 1;
    return d;
}

/* A new table of at most cap rows; NULL (and a->oom) when out of memory. */
static hsi_atab *at_new(hs_audit *a, const char *name, size_t cap, const char *l0, const char *l1,
                        size_t ncol)
{
    hsi_atab *t = &a->t[a->n++];
    t->name = at_dup(a, name);
    t->cap = cap;
    t->nlab = l1 ? 2 : 1;
    t->ncol = ncol;
    t->labname[0] = at_dup(a, l0);
    if (l1) t->labname[1] = at_dup(a, l1);
    t->lab = hsi_calloc(a->ctx, t->nlab * cap + 1, sizeof *t->lab);
    t->col = hsi_calloc(a->ctx, ncol + 1, sizeof *t->col);
    t->kind = hsi_calloc(a->ctx, ncol + 1, sizeof *t->kind);
    t->word = hsi_calloc(a->ctx, ncol + 1, sizeof *t->word);
    t->v = hsi_calloc(a->ctx, ncol * cap + 1, sizeof *t->v);
    if (!t->lab || !t->col || !t->kind || !t->word || !t->v) a->oom = 1;
    return a->oom ? NULL : t;
}

static void at_colname(hs_audit *a, hsi_atab *t, size_t c, const char *name, hs_audit_kind k,
                       const char *word)
{
    t->col[c] = at_dup(a, name);
    t->kind[c] = k;
    t->word[c] = word;
}

/* Start row t->nrow with its labels; returns its index. */
static size_t at_row(hs_audit *a, hsi_atab *t, const char *l0, const char *l1)
{
    size_t r = t->nrow++;
    t->lab[r] = at_dup(a, l0);
    if (t->nlab > 1) t->lab[t->cap + r] = at_dup(a, l1);
    return r;
}

static void at_set(hsi_atab *t, size_t r, size_t c, double x)
{
    t->v[c * t->cap + r] = x;
}

/* Columns stored nrow apart, as the accessors give them (nrow <= cap: moving forward). */
static void at_finish(hsi_atab *t)
{
    for (size_t c = 1; c < t->ncol && t->nrow < t->cap; c++)
        memmove(t->v + c * t->nrow, t->v + c * t->cap, t->nrow * sizeof *t->v);
}

static const hsi_dset *at_find(const hs_build *b, const char *name)
{
    const hsi_dset *f = NULL;
    for (size_t i = 0; i < b->nd; i++)
        if (!strcmp(b->d[i].name, name)) f = &b->d[i];
    return f;
}

/* The latest time slice of column c of d into x; returns its number of rows. */
static size_t at_slice(const hs_build *b, const hsi_dset *d, size_t c, double *x)
{
    const hsi_units *u = &b->units;
    long latest = u->has_time ? u->times[u->ntime - 1] : HSI_NO_TIME;
    size_t m = 0;
    for (size_t r = 0; r < d->nrow; r++)
        if (latest == HSI_NO_TIME || u->time[d->row[r]] == latest) x[m++] = hsi_col(d, c)[r];
    return m;
}

/* audit_stats_Raw: COINr's get_stats of each Raw column (thresholds as COINr's defaults). */
static void at_stats(hs_audit *a, const hs_build *b, double *x, double *work)
{
    static const char *const names[] = {"Min",          "Max",         "Mean",         "Median",
                                        "Std",          "Skew",        "Kurt",         "N.Avail",
                                        "N.NonZero",    "N.Unique",    "N.Same",       "Frc.Avail",
                                        "Frc.NonZero",  "Frc.Unique",  "Frc.Same",     "Flag.Avail",
                                        "Flag.NonZero", "Flag.Unique", "Flag.SkewKurt"};
    const hsi_dset *raw = &b->d[0];
    hsi_atab *t = at_new(a, "audit_stats_Raw", raw->ncol, "iCode", NULL, 19);
    if (!t) return;
    for (size_t c = 0; c < 19; c++)
        at_colname(a, t, c, names[c],
                   c >= 15            ? HS_AUDIT_FLAG
                   : c >= 7 && c < 11 ? HS_AUDIT_COUNT
                                      : HS_AUDIT_VALUE,
                   c == 18   ? "OUT"
                   : c >= 15 ? "LOW"
                             : NULL);
    hsi_stat_thresh th = {2, 3.5, 0.65, 0.5, 0.5};
    for (size_t c = 0; c < raw->ncol; c++) {
        hsi_stat_row s;
        hsi_audit_stats(x, at_slice(b, raw, c, x), &th, &s, work);
        size_t r = at_row(a, t, b->meta.node[raw->node[c]].code, NULL);
        const double v[] = {s.min,
                            s.max,
                            s.mean,
                            s.median,
                            s.sd,
                            s.skew,
                            s.kurt,
                            (double)s.n_avail,
                            (double)s.n_nonzero,
                            (double)s.n_unique,
                            (double)s.n_same,
                            s.frc_avail,
                            s.frc_nonzero,
                            s.frc_unique,
                            s.frc_same,
                            s.flag_avail,
                            s.flag_nonzero,
                            s.flag_unique,
                            s.flag_skewkurt};
        for (size_t q = 0; q < 19; q++)
            at_set(t, r, q, v[q]);
    }
    at_finish(t);
}

/* audit_corr_Normalised: Pearson correlations of every pair of Normalised columns. */
static void at_corr(hs_audit *a, const hs_build *b, const hsi_dset *nd, const double *const *cp,
                    size_t mrows)
{
    hsi_atab *t = at_new(a, "audit_corr_Normalised", nd->ncol, "iCode", NULL, nd->ncol);
    if (!t) return;
    for (size_t c = 0; c < nd->ncol; c++)
        at_colname(a, t, c, b->meta.node[nd->node[c]].code, HS_AUDIT_VALUE, NULL);
    for (size_t r = 0; r < nd->ncol; r++) {
        at_row(a, t, b->meta.node[nd->node[r]].code, NULL);
        for (size_t c = 0; c < nd->ncol; c++)
            at_set(t, r, c, hsi_corr_pearson(cp[r], cp[c], mrows));
    }
    at_finish(t);
}

/* audit_cronbach, audit_pca_weights, audit_pca_variance: per aggregate with 2 or more
 * Normalised children; a group whose PCA cannot be done is left out of the PCA tables. */
static void at_groups(hs_audit *a, const hs_build *b, const hsi_dset *nd, const double *const *cp,
                      size_t mrows, double *load, double *sdev, double *work)
{
    const hsi_meta *m = &b->meta;
    hsi_atab *al = at_new(a, "audit_cronbach", m->nagg, "Group", NULL, 1);
    hsi_atab *pw = al ? at_new(a, "audit_pca_weights", nd->ncol, "Group", "iCode", 1) : NULL;
    hsi_atab *pv = pw ? at_new(a, "audit_pca_variance", nd->ncol, "Group", NULL, 3) : NULL;
    if (!pv) return;
    at_colname(a, al, 0, "Alpha", HS_AUDIT_VALUE, NULL);
    at_colname(a, pw, 0, "Weight", HS_AUDIT_VALUE, NULL);
    at_colname(a, pv, 0, "PC", HS_AUDIT_COUNT, NULL);
    at_colname(a, pv, 1, "sdev", HS_AUDIT_VALUE, NULL);
    at_colname(a, pv, 2, "var_explained", HS_AUDIT_VALUE, NULL);
    for (size_t g = 0; g < m->nagg; g++) {
        const hsi_node *pn = &m->node[m->agg[g]];
        const double *sub[256];
        size_t kk = 0;
        for (size_t q = 0; q < pn->nchild && kk < 256; q++) {
            long c = hsi_dset_col(nd, pn->child[q]);
            if (c >= 0) sub[kk++] = cp[c];
        }
        if (kk < 2) continue;
        at_set(al, at_row(a, al, pn->code, NULL), 0, hsi_cronbach(sub, kk, mrows));
        hs_error perr;
        if (hsi_pca(sub, kk, mrows, load, sdev, work, &perr) != HS_OK) continue;
        double tot = 0;
        for (size_t q = 0; q < kk; q++)
            tot += sdev[q] * sdev[q];
        for (size_t q = 0; q < kk && pv->nrow < pv->cap; q++) {
            size_t r = at_row(a, pv, pn->code, NULL);
            at_set(pv, r, 0, (double)(q + 1));
            at_set(pv, r, 1, sdev[q]);
            at_set(pv, r, 2, sdev[q] * sdev[q] / tot);
        }
        size_t kq = 0;
        for (size_t q = 0; q < pn->nchild && pw->nrow < pw->cap; q++) {
            if (hsi_dset_col(nd, pn->child[q]) < 0) continue;
            size_t r = at_row(a, pw, pn->code, m->node[pn->child[q]].code);
            at_set(pw, r, 0, load[kq++]);
        }
    }
    at_finish(al);
    at_finish(pw);
    at_finish(pv);
}

/* audit_corr_parent: each column of the last dataset against its parent's, latest slice. */
static void at_parent(hs_audit *a, const hs_build *b, double *cols, size_t n, double *work,
                      size_t *wz)
{
    const hsi_meta *m = &b->meta;
    const hsi_dset *ag = &b->d[b->nd - 1];
    hsi_atab *t = at_new(a, "audit_corr_parent", ag->ncol, "Parent", "iCode", 3);
    if (!t) return;
    at_colname(a, t, 0, "Level", HS_AUDIT_COUNT, NULL);
    at_colname(a, t, 1, "Pearson", HS_AUDIT_VALUE, NULL);
    at_colname(a, t, 2, "Spearman", HS_AUDIT_VALUE, NULL);
    size_t mrows = 0;
    for (size_t c = 0; c < ag->ncol; c++)
        mrows = at_slice(b, ag, c, cols + c * n);
    for (size_t c = 0; c < ag->ncol; c++) {
        const hsi_node *ch = &m->node[ag->node[c]];
        if (ch->parent_idx < 0) continue;
        long pc = hsi_dset_col(ag, (size_t)ch->parent_idx);
        if (pc < 0) continue;
        const double *x = cols + c * n, *y = cols + (size_t)pc * n;
        size_t r = at_row(a, t, m->node[ch->parent_idx].code, ch->code);
        at_set(t, r, 0, (double)ch->level);
        at_set(t, r, 1, hsi_corr_pearson(x, y, mrows));
        at_set(t, r, 2, hsi_corr_spearman(x, y, mrows, work, wz));
    }
    at_finish(t);
}

/* The tables in the order hs_build_write writes them, into a (scratch sized as the CSV
 * writer's). */
static void at_all(hs_audit *a, const hs_build *b, double *cols, double *work, size_t *wz,
                   const double **cp, double *load, double *sdev)
{
    const hsi_meta *m = &b->meta;
    size_t n = b->d[0].nrow;
    at_stats(a, b, cols, work);
    const hsi_dset *nd = at_find(b, "Normalised");
    if (nd && !a->oom) {
        size_t mrows = 0;
        for (size_t c = 0; c < nd->ncol; c++) {
            mrows = at_slice(b, nd, c, cols + c * n);
            cp[c] = cols + c * n;
        }
        at_corr(a, b, nd, cp, mrows);
        if (!a->oom) at_groups(a, b, nd, cp, mrows, load, sdev, work);
    }
    const hsi_dset *ag = &b->d[b->nd - 1];
    if (!a->oom && m->nagg > 0 && ag->ncol == m->nind + m->nagg) at_parent(a, b, cols, n, work, wz);
}

hs_status hs_build_audit(hs_ctx *ctx, const hs_build *b, hs_audit **out, hs_error *err)
{
    if (!out || !b)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "hs_build_audit: no build or no result");
    *out = NULL;
    hs_audit *a = hsi_calloc(ctx, 1, sizeof *a);
    if (!a) return hsi_err_nomem(err);
    a->ctx = ctx;
    const hsi_meta *m = &b->meta;
    size_t n = b->d[0].nrow, ncols = m->nind + m->nagg;
    double *cols = hsi_calloc(ctx, ncols * n + 1, sizeof(double));
    double *work =
        hsi_calloc(ctx, (2 * ncols * ncols + ncols * n + 5 * ncols) + 4 * n + 16, sizeof(double));
    size_t *wz = hsi_calloc(ctx, n + 1, sizeof(size_t));
    const double **cp = hsi_calloc(ctx, ncols + 1, sizeof(double *));
    double *load = hsi_calloc(ctx, ncols * ncols + 1, sizeof(double));
    double *sdev = hsi_calloc(ctx, ncols + 1, sizeof(double));
    if (!cols || !work || !wz || !cp || !load || !sdev)
        a->oom = 1;
    else
        at_all(a, b, cols, work, wz, cp, load, sdev);
    hsi_free_all(ctx, cols, work, wz, cp, load, sdev);
    if (a->oom) {
        hs_audit_free(a);
        return hsi_err_nomem(err);
    }
    *out = a;
    return HS_OK;
}

void hs_audit_free(hs_audit *a)
{
    if (!a) return;
    hs_ctx *ctx = a->ctx;
    for (size_t i = 0; i < a->n; i++) {
        hsi_atab *t = &a->t[i];
        for (size_t k = 0; t->lab && k < t->nlab * t->cap; k++)
            hsi_free(ctx, t->lab[k]);
        for (size_t c = 0; t->col && c < t->ncol; c++)
            hsi_free(ctx, t->col[c]);
        for (size_t k = 0; k < AT_MAXLAB; k++)
            hsi_free(ctx, t->labname[k]);
        hsi_free_all(ctx, t->name, t->lab, t->col, t->kind, t->word, t->v);
    }
    hsi_free(ctx, a);
}

static const hsi_atab *at_get(const hs_audit *a, size_t t)
{
    return a && t < a->n ? &a->t[t] : NULL;
}

size_t hs_audit_ntables(const hs_audit *a)
{
    return a ? a->n : 0;
}

const char *hs_audit_name(const hs_audit *a, size_t t)
{
    const hsi_atab *x = at_get(a, t);
    return x ? x->name : NULL;
}

size_t hs_audit_nrow(const hs_audit *a, size_t t)
{
    const hsi_atab *x = at_get(a, t);
    return x ? x->nrow : 0;
}

size_t hs_audit_nlabel(const hs_audit *a, size_t t)
{
    const hsi_atab *x = at_get(a, t);
    return x ? x->nlab : 0;
}

const char *hs_audit_label_name(const hs_audit *a, size_t t, size_t k)
{
    const hsi_atab *x = at_get(a, t);
    return x && k < x->nlab ? x->labname[k] : NULL;
}

const char *hs_audit_label(const hs_audit *a, size_t t, size_t k, size_t r)
{
    const hsi_atab *x = at_get(a, t);
    return x && k < x->nlab && r < x->nrow ? x->lab[k * x->cap + r] : NULL;
}

size_t hs_audit_ncol(const hs_audit *a, size_t t)
{
    const hsi_atab *x = at_get(a, t);
    return x ? x->ncol : 0;
}

const char *hs_audit_col(const hs_audit *a, size_t t, size_t c)
{
    const hsi_atab *x = at_get(a, t);
    return x && c < x->ncol ? x->col[c] : NULL;
}

hs_audit_kind hs_audit_col_kind(const hs_audit *a, size_t t, size_t c)
{
    const hsi_atab *x = at_get(a, t);
    return x && c < x->ncol ? x->kind[c] : HS_AUDIT_VALUE;
}

const char *hs_audit_flag_word(const hs_audit *a, size_t t, size_t c)
{
    const hsi_atab *x = at_get(a, t);
    return x && c < x->ncol ? x->word[c] : NULL;
}

const double *hs_audit_values(const hs_audit *a, size_t t)
{
    const hsi_atab *x = at_get(a, t);
    return x ? x->v : NULL;
}
