/*
 * trends.c - hs_build_trends: the trend of every unit's series of every column of a panel
 * dataset (docs/methods.md section 3.9), and its CSV.
 */
#include "engine_int.h"
#include "panel_int.h"

#include <math.h>
#include <string.h>

static long trends_dset(const hs_build *b, const char *name)
{
    for (size_t i = 0; i < b->nd; i++)
        if (!strcmp(b->d[i].name, name)) return (long)i;
    return -1;
}

/* The rows of one unit are consecutive: datasets keep the units table's order. */
static size_t trends_run_end(const hs_build *b, const hsi_dset *d, size_t r0)
{
    size_t r1 = r0 + 1;
    while (r1 < d->nrow && !strcmp(b->units.code[d->row[r1]], b->units.code[d->row[r0]]))
        r1++;
    return r1;
}

hs_status hs_build_trends(hs_ctx *ctx, const hs_build *b, const char *dset, size_t window,
                          hs_trend **out, size_t *n, hs_error *err)
{
    *out = NULL;
    *n = 0;
    if (!dset) dset = "Raw";
    long di = trends_dset(b, dset);
    if (di < 0)
        return hsi_err(err, HS_ERR_USAGE, b->pl.file, 0, 0,
                       "no dataset '%s' in this build (expected Raw or a step's output)", dset);
    if (!b->units.has_time)
        return hsi_err(err, HS_ERR_USAGE, b->pl.data.file, 0, 0,
                       "trends need data over time (expected a Time column, long data or a "
                       "wide-year table)");
    const hsi_dset *d = &b->d[di];
    size_t nunit = 0;
    for (size_t r = 0; r < d->nrow; r = trends_run_end(b, d, r))
        nunit++;
    hs_trend *t = hsi_calloc(ctx, nunit * d->ncol + 1, sizeof *t);
    long *tm = hsi_calloc(ctx, d->nrow + 1, sizeof(long));
    if (!t || !tm) {
        hsi_free(ctx, t);
        hsi_free(ctx, tm);
        return hsi_err_nomem(err);
    }
    for (size_t r = 0; r < d->nrow; r++)
        tm[r] = b->units.time[d->row[r]];
    size_t k = 0;
    for (size_t r0 = 0, r1; r0 < d->nrow; r0 = r1) {
        r1 = trends_run_end(b, d, r0);
        for (size_t c = 0; c < d->ncol; c++, k++) {
            hsi_trend tr;
            hsi_series_trend(tm + r0, hsi_col(d, c) + r0, r1 - r0, window, &tr);
            t[k] = (hs_trend){.unit = b->units.code[d->row[r0]],
                              .code = b->meta.node[d->node[c]].code,
                              .cagr = tr.cagr,
                              .slope = tr.slope,
                              .avail = tr.avail,
                              .t_first = tr.t_first,
                              .t_latest = tr.t_latest,
                              .nobs = tr.nobs,
                              .nwin = tr.nwin};
        }
    }
    hsi_free(ctx, tm);
    *out = t;
    *n = k;
    return HS_OK;
}

void hs_trends_free(hs_ctx *ctx, hs_trend *t)
{
    hsi_free(ctx, t);
}

/* A computed value: NaN from the formula is written NaN; NA is only for no value. */
static const char *trends_num(char buf[32], double v, int have)
{
    if (!have) return "NA";
    if (isnan(v)) return "NaN";
    return hsi_fmt_double(buf, v);
}

static void trends_row(hsi_buf *b, const void *row, const void *ud)
{
    const hs_trend *t = row;
    char a[32], sl[32], v[32];
    int have = t->nwin >= 2;
    (void)ud;
    hsi_buf_csv_str(b, t->unit);
    hsi_buf_puts(b, ",");
    hsi_buf_csv_str(b, t->code);
    hsi_buf_puts(b, ",");
    hsi_buf_printf(b, "%s,%s,%s,", trends_num(a, t->cagr, have), trends_num(sl, t->slope, have),
                   hsi_fmt_double(v, t->avail));
    if (t->nobs >= 2)
        hsi_buf_printf(b, "%ld,%ld\n", t->t_first, t->t_latest);
    else
        hsi_buf_puts(b, "NA,NA\n");
}

hs_status hs_trends_write_csv(const hs_trend *t, size_t n, const hs_sink *out, hs_error *err)
{
    return hsi_sink_rows(
        out, "trends",
        "\"uCode\",\"iCode\",\"CAGR\",\"slope\",\"Avail\",\"t_first\",\"t_latest\"\n", t, n,
        sizeof *t, trends_row, NULL, err);
}

static hs_status trends_csv(const void *rows, size_t n, const hs_sink *out, hs_error *err)
{
    return hs_trends_write_csv(rows, n, out, err);
}

hs_status hs_trends_write_file(hs_ctx *ctx, const hs_build *b, const hs_trend *t, size_t n,
                               const char *path, hs_error *err)
{
    return hsi_build_write_rows(ctx, b, path, trends_csv, t, n, err);
}
