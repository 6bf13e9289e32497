/*
 * audit.c - the statistical audit tables (docs/methods.md section 3.7, COINr get_stats, get_corr,
 * get_cronbach, get_PCA) written beside the datasets:
 *   audit_stats_Raw.csv            per-indicator statistics of the raw data
 *   audit_corr_Normalised.csv      Pearson correlations between indicators, pairwise-complete
 *   audit_corr_parent.csv          each indicator and aggregate against its parent
 *   audit_cronbach.csv             Cronbach's alpha of each parent's normalised indicators
 *   audit_pca_weights.csv          first-component loadings of each parent's indicators
 *   audit_pca_variance.csv         sdev and share of variance of every component
 * For panel data the tables describe the latest time slice.
 */
#include "write_int.h"

#include <math.h>
#include <string.h>

static const hsi_dset *audit_find(const hs_build *b, const char *name)
{
    const hsi_dset *f = NULL;
    for (size_t i = 0; i < b->nd; i++)
        if (!strcmp(b->d[i].name, name)) f = &b->d[i];
    return f;
}

/* Copy the latest slice of column c into x; returns the number of rows. */
static size_t audit_slice(const hs_build *b, const hsi_dset *d, size_t c, double *x)
{
    const hsi_units *u = &b->units;
    long latest = u->has_time ? u->times[u->ntime - 1] : HSI_NO_TIME;
    size_t m = 0;
    for (size_t r = 0; r < d->nrow; r++)
        if (latest == HSI_NO_TIME || u->time[d->row[r]] == latest) x[m++] = hsi_col(d, c)[r];
    return m;
}

static void audit_flag(hsi_buf *o, int flagged, const char *word)
{
    hsi_buf_puts(o, ",");
    hsi_buf_csv_str(o, flagged ? word : "ok");
}

/* audit_stats_Raw.csv: COINr's get_stats of every Raw column in the latest slice. */
static void audit_stats_raw(hsi_buf *bp, const hs_build *b, double *cols, double *work)
{
    const hsi_meta *m = &b->meta;
    const hsi_dset *raw = &b->d[0];
    hsi_stat_thresh th = {2, 3.5, 0.65, 0.5, 0.5};
    hsi_buf_puts(bp, "\"iCode\",\"Min\",\"Max\",\"Mean\",\"Median\",\"Std\",\"Skew\",\"Kurt\","
                     "\"N.Avail\",\"N.NonZero\",\"N.Unique\",\"N.Same\",\"Frc.Avail\","
                     "\"Frc.NonZero\",\"Frc.Unique\",\"Frc.Same\",\"Flag.Avail\","
                     "\"Flag.NonZero\",\"Flag.Unique\",\"Flag.SkewKurt\"\n");
    for (size_t c = 0; c < raw->ncol; c++) {
        size_t mrows = audit_slice(b, raw, c, cols);
        hsi_stat_row s;
        hsi_audit_stats(cols, mrows, &th, &s, work);
        hsi_buf_csv_str(bp, m->node[raw->node[c]].code);
        const double nums[] = {s.min, s.max, s.mean, s.median, s.sd, s.skew, s.kurt};
        for (size_t q = 0; q < 7; q++) {
            hsi_buf_puts(bp, ",");
            hsi_buf_num(bp, nums[q]);
        }
        hsi_buf_printf(bp, ",%zu,%zu,%zu,%zu", s.n_avail, s.n_nonzero, s.n_unique, s.n_same);
        const double frc[] = {s.frc_avail, s.frc_nonzero, s.frc_unique, s.frc_same};
        for (size_t q = 0; q < 4; q++) {
            hsi_buf_puts(bp, ",");
            hsi_buf_num(bp, frc[q]);
        }
        audit_flag(bp, s.flag_avail, "LOW");
        audit_flag(bp, s.flag_nonzero, "LOW");
        audit_flag(bp, s.flag_unique, "LOW");
        audit_flag(bp, s.flag_skewkurt, "OUT");
        hsi_buf_puts(bp, "\n");
    }
}

/* audit_cronbach.csv and the PCA tables: per aggregate, over its children's Normalised
   columns cp (mrows rows of the latest slice). */
static hs_status audit_groups(hs_ctx *ctx, hsi_buf *bp, const hs_build *b, const hsi_dset *nd,
                              const double *const *cp, size_t mrows, double *load, double *sdev,
                              double *work, hsi_outset *o, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    hs_status st = HS_OK;
    hsi_buf pv, pw;
    hsi_buf_init(&pv, ctx);
    hsi_buf_init(&pw, ctx);
    bp->len = 0;
    hsi_buf_puts(bp, "\"Group\",\"Alpha\"\n");
    hsi_buf_puts(&pw, "\"Group\",\"iCode\",\"Weight\"\n");
    hsi_buf_puts(&pv, "\"Group\",\"PC\",\"sdev\",\"var_explained\"\n");
    for (size_t a = 0; a < m->nagg && !st; a++) {
        const hsi_node *pn = &m->node[m->agg[a]];
        const double *sub[256];
        size_t kk = 0;
        for (size_t q = 0; q < pn->nchild && kk < 256; q++) {
            long c = hsi_dset_col(nd, pn->child[q]);
            if (c >= 0) sub[kk++] = cp[c];
        }
        if (kk < 2) continue;
        hsi_buf_csv_str(bp, pn->code);
        hsi_buf_puts(bp, ",");
        hsi_buf_num(bp, hsi_cronbach(sub, kk, mrows));
        hsi_buf_puts(bp, "\n");
        hs_error perr;
        if (hsi_pca(sub, kk, mrows, load, sdev, work, &perr) != HS_OK)
            continue; /* too few complete rows: the group is left out of the PCA table */
        double tot = 0;
        for (size_t q = 0; q < kk; q++)
            tot += sdev[q] * sdev[q];
        for (size_t q = 0; q < kk; q++) {
            hsi_buf_csv_str(&pv, pn->code);
            hsi_buf_printf(&pv, ",%zu,", q + 1);
            hsi_buf_num(&pv, sdev[q]);
            hsi_buf_puts(&pv, ",");
            hsi_buf_num(&pv, sdev[q] * sdev[q] / tot);
            hsi_buf_puts(&pv, "\n");
        }
        size_t kq = 0;
        for (size_t q = 0; q < pn->nchild; q++) {
            if (hsi_dset_col(nd, pn->child[q]) < 0) continue;
            hsi_buf_csv_str(&pw, pn->code);
            hsi_buf_puts(&pw, ",");
            hsi_buf_csv_str(&pw, m->node[pn->child[q]].code);
            hsi_buf_puts(&pw, ",");
            hsi_buf_num(&pw, load[kq++]);
            hsi_buf_puts(&pw, "\n");
        }
    }
    if (!st) st = hsi_outset_add(o, "audit_cronbach.csv", bp, err);
    if (!st) st = hsi_outset_add(o, "audit_pca_weights.csv", &pw, err);
    if (!st) st = hsi_outset_add(o, "audit_pca_variance.csv", &pv, err);
    hsi_buf_free(&pv);
    hsi_buf_free(&pw);
    return st;
}

hs_status hsi_audit_tables(hs_ctx *ctx, const hs_build *b, hsi_outset *o, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    const hsi_dset *raw = &b->d[0];
    size_t n = raw->nrow;
    size_t k = m->nind;
    hs_status st = HS_OK;
    hsi_buf buf;
    hsi_buf_init(&buf, ctx);
    /* columns of the latest slice, k (+ aggregates) columns of n rows */
    size_t ncols = k + m->nagg;
    double *cols = hsi_calloc(ctx, ncols * n + 1, sizeof(double));
    double *work =
        hsi_calloc(ctx, (2 * ncols * ncols + ncols * n + 5 * ncols) + 4 * n + 16, sizeof(double));
    size_t *wz = hsi_calloc(ctx, n + 1, sizeof(size_t));
    const double **cp = hsi_calloc(ctx, ncols + 1, sizeof(double *));
    double *load = hsi_calloc(ctx, ncols * ncols + 1, sizeof(double));
    double *sdev = hsi_calloc(ctx, ncols + 1, sizeof(double));
    if (!cols || !work || !wz || !cp || !load || !sdev) {
        st = hsi_err_nomem(err);
        goto done;
    }
    (void)wz;

    audit_stats_raw(&buf, b, cols, work);
    if ((st = hsi_outset_add(o, "audit_stats_Raw.csv", &buf, err))) goto done;

    const hsi_dset *nd = audit_find(b, "Normalised");
    if (nd) {
        size_t mrows = 0;
        for (size_t c = 0; c < nd->ncol; c++) {
            mrows = audit_slice(b, nd, c, cols + c * n);
            cp[c] = cols + c * n;
        }
        buf.len = 0;
        hsi_buf_puts(&buf, "\"iCode\"");
        for (size_t c = 0; c < nd->ncol; c++) {
            hsi_buf_puts(&buf, ",");
            hsi_buf_csv_str(&buf, m->node[nd->node[c]].code);
        }
        hsi_buf_puts(&buf, "\n");
        for (size_t a = 0; a < nd->ncol; a++) {
            hsi_buf_csv_str(&buf, m->node[nd->node[a]].code);
            for (size_t c = 0; c < nd->ncol; c++) {
                hsi_buf_puts(&buf, ",");
                hsi_buf_num(&buf, hsi_corr_pearson(cp[a], cp[c], mrows));
            }
            hsi_buf_puts(&buf, "\n");
        }
        if ((st = hsi_outset_add(o, "audit_corr_Normalised.csv", &buf, err))) goto done;

        if ((st = audit_groups(ctx, &buf, b, nd, cp, mrows, load, sdev, work, o, err))) goto done;
    }

    const hsi_dset *ag = &b->d[b->nd - 1];
    if (m->nagg > 0 && ag->ncol == k + m->nagg) {
        size_t mrows = 0;
        for (size_t c = 0; c < ag->ncol; c++)
            mrows = audit_slice(b, ag, c, cols + c * n);
        buf.len = 0;
        hsi_buf_puts(&buf, "\"Parent\",\"iCode\",\"Level\",\"Pearson\",\"Spearman\"\n");
        for (size_t c = 0; c < ag->ncol; c++) {
            const hsi_node *ch = &m->node[ag->node[c]];
            if (ch->parent_idx < 0) continue;
            long pc = hsi_dset_col(ag, (size_t)ch->parent_idx);
            if (pc < 0) continue;
            const double *x = cols + c * n, *y = cols + (size_t)pc * n;
            hsi_buf_csv_str(&buf, m->node[ch->parent_idx].code);
            hsi_buf_puts(&buf, ",");
            hsi_buf_csv_str(&buf, ch->code);
            hsi_buf_printf(&buf, ",%d,", ch->level);
            hsi_buf_num(&buf, hsi_corr_pearson(x, y, mrows));
            hsi_buf_puts(&buf, ",");
            hsi_buf_num(&buf, hsi_corr_spearman(x, y, mrows, work, wz));
            hsi_buf_puts(&buf, "\n");
        }
        if ((st = hsi_outset_add(o, "audit_corr_parent.csv", &buf, err))) goto done;
    }
done:
    hsi_buf_free(&buf);
    hsi_free(ctx, cols);
    hsi_free(ctx, work);
    hsi_free(ctx, wz);
    hsi_free(ctx, cp);
    hsi_free(ctx, load);
    hsi_free(ctx, sdev);
    return st;
}
