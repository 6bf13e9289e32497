/*
 * panel_table.c - the panel of a country-month table (hs_panel_from_cmtable): one value per
 * unit-month in one column, the others missing, and a unit-month the table does not know
 * held as a cell of -1s, so that it reads and writes as missing rather than zero.
 */
#include "panel_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* punit.seen is the unit's row of the table while a table's panel is built. */
hs_status hsi_panel_from_table(hs_ctx *ctx, const hs_panel_opts *o, size_t n, const long *unit,
                               const char (*iso3)[4], int m0, int m1, const double *y, int col,
                               hs_panel **out, hs_error *err)
{
    *out = NULL;
    hs_panel_opts po;
    if (o)
        po = *o;
    else
        hs_panel_opts_init(&po);
    po.level = HS_PANEL_COUNTRY;
    /* the panel's months: the table's, narrowed to --from/--to when they are given */
    int lo = po.from && po.from > m0 ? po.from : m0, hi = po.to && po.to < m1 ? po.to : m1;
    if (lo > hi)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "empty window: --from/--to leave none of the table's months");
    hs_panel *p;
    hs_status st = hsi_panel_begin(ctx, &po, &p, err);
    if (st != HS_OK) return st;
    p->tcol = col;
    hsi_free(ctx, p->uset);
    p->uset = hsi_calloc(ctx, n ? n : 1, sizeof *p->uset);
    p->ustart = hsi_malloc(ctx, (n + 1) * sizeof *p->ustart);
    if (!p->uset || !p->ustart) st = hsi_err_nomem(err);
    size_t nm = (size_t)(m1 - m0) + 1, ncell = 0;
    for (size_t i = 0; st == HS_OK && i < n; i++) {
        if (unit[i] <= 0 || unit[i] >= (1L << (32 - PANEL_MBITS)))
            st = hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "unit %ld out of range", unit[i]);
        p->uset[i] = (punit){.unit = unit[i], .seen = (int)i, .c0 = lo, .c1 = hi};
        memcpy(p->uset[i].iso3, iso3[i], 4);
        for (int m = lo; m <= hi; m++) {
            double v = y[i * nm + (size_t)(m - m0)];
            if (v > INT32_MAX) st = hsi_panel_overflow(err);
            ncell += v != 0.0; /* a NaN too: the month is held as unknown */
        }
    }
    if (st == HS_OK) {
        qsort(p->uset, n, sizeof *p->uset, hsi_panel_unit_cmp);
        for (size_t i = 1; i < n && st == HS_OK; i++)
            if (p->uset[i].unit == p->uset[i - 1].unit)
                st = hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "unit %ld twice", p->uset[i].unit);
    }
    if (st == HS_OK && !(p->cells = hsi_calloc(ctx, ncell ? ncell : 1, sizeof *p->cells)))
        st = hsi_err_nomem(err);
    if (st != HS_OK) {
        hs_panel_free(p);
        return st;
    }
    /* units ascending, then months: the cells come out sorted by key */
    p->ncell = p->ccap = ncell;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        p->ustart[i] = k;
        const double *r = y + (size_t)p->uset[i].seen * nm;
        for (int m = lo; m <= hi; m++) {
            double v = r[m - m0];
            if (v == 0.0) continue;
            pcell *c = &p->cells[k++];
            c->key = hsi_panel_key(p->uset[i].unit, m);
            for (int t = 0; t < 6; t++)
                c->v[t] = isnan(v) ? -1 : 0;
            /* a total of deaths is held in the deaths_sb slot; hsi_panel_total reads it */
            if (!isnan(v)) c->v[col == HSI_PCOL_DEATHS ? 3 : col] = (int32_t)v;
        }
        p->uset[i].seen = 0;
    }
    p->ustart[n] = k;
    p->nunit = p->ucap = n;
    p->dmin = lo;
    p->dmax = hi;
    *out = p;
    return HS_OK;
}
