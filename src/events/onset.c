/* onset.c - onset alerts from the forecast (docs/warning.md, "Onset alerts from the forecast").
 *
 * A country below 25 deaths in each of its last 3 months is alerted when the forecast gives
 * P(>= 25 in at least one of the next 3 months) at or above a threshold. The surprise and
 * CUSUM detectors of warn.c see a month only once it has happened; this alert is raised
 * before, from the draws of hs_analog_forecast, so it can anticipate an onset.
 *
 * Why one file: the command line (`humsec warn --forecast`), the store's forecast runs and the
 * backtest share the rule of what is quiet and what counts as an onset; hsi_onset_quiet is it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "events_int.h"

int hsi_onset_quiet(const double *yu, size_t o, int *quiet6)
{
    int quiet3 = 1;
    *quiet6 = 1;
    for (size_t k = 0; k < 6; k++) {
        double v = k <= o ? yu[o - k] : (double)NAN;
        if (k < 3 && !(v < 25)) quiet3 = 0;
        if (!(v < 25)) *quiet6 = 0; /* NaN: not known to be quiet */
    }
    return quiet3;
}

void hs_onset_opts_init(hs_onset_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->threshold = HS_ONSET_THRESHOLD;
}

void hs_onsets_free(hs_ctx *ctx, hs_onset_row *r)
{
    hsi_free(ctx, r);
}

/* The lead (1-3) at which unit row yu first reaches 25 after month index o, 0 when it does
 * not, -1 when one of the three months is not covered. */
static int onset_event(const double *yu, size_t o, size_t nm)
{
    int ev = 0;
    for (size_t h = 1; h <= 3; h++) {
        double v = o + h < nm ? yu[o + h] : (double)NAN;
        if (isnan(v)) return -1;
        if (!ev && v >= 25) ev = (int)h;
    }
    return ev;
}

/* The rows of one origin: every quiet unit with a forecast. */
static hs_status onset_origin(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                              const hs_onset_opts *o, int org, double *draws, hs_onset_row **rows,
                              size_t *n, size_t *cap, hs_error *err)
{
    static const int leads[3] = {1, 2, 3};
    size_t nu = hs_cmtable_nunits(t), M = (size_t)ao->samples;
    int m0 = hs_cmtable_first_month(t);
    size_t nm = (size_t)(hs_cmtable_last_month(t) - m0) + 1, oi = (size_t)(org - m0);
    const double *y = hs_cmtable_values(t);
    hs_status st = hs_analog_forecast(ctx, ao, y, nu, nm, (int)oi, leads, 3, NULL, draws, err);
    for (size_t u = 0; st == HS_OK && u < nu; u++) {
        const double *yu = &y[u * nm];
        int quiet6;
        if (!hsi_onset_quiet(yu, oi, &quiet6)) continue;
        /* P(no month >= 25), the months taken as independent, as whole counts over M^3 so
         * that p is the exact fraction (for M up to 2^17) rather than a product's rounding */
        double below = 1, all = 1;
        for (size_t h = 0; h < 3; h++) {
            const double *x = &draws[(u * 3 + h) * M];
            size_t n25 = 0;
            for (size_t i = 0; i < M; i++)
                n25 += x[i] >= 25;
            below *= (double)(M - n25);
            all *= (double)M;
            if (isnan(x[0])) below = NAN;
        }
        if (isnan(below)) continue; /* no forecast: its last months are not all known */
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 256;
            hs_onset_row *r = hsi_realloc(ctx, *rows, nc * sizeof *r);
            if (!r) return hsi_err_nomem(err);
            *rows = r;
            *cap = nc;
        }
        hs_onset_row *r = &(*rows)[(*n)++];
        r->origin = org;
        r->unit = u;
        r->kind = quiet6 ? HS_ONSET_NEW : HS_ONSET_CONTINUATION;
        r->p = (all - below) / all;
        r->alert = r->p >= o->threshold;
        r->last = yu[oi];
        r->event = onset_event(yu, oi, nm);
    }
    return st;
}

hs_status hs_cmtable_onsets(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                            const hs_onset_opts *o, hs_onset_row **out, size_t *n, hs_error *err)
{
    *out = NULL;
    *n = 0;
    if (!t || !ao || ao->size != sizeof *ao || ao->samples < 1 || !o || o->size != sizeof *o)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "onsets: a table, and analogue and onset options set by their _init");
    if (!(o->threshold > 0 && o->threshold <= 1))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "the onset threshold is a probability in (0, 1], not %g", o->threshold);
    int m0 = hs_cmtable_first_month(t), m1 = hs_cmtable_last_month(t);
    int from = o->from ? o->from : m1, to = o->to ? o->to : m1;
    if (from > to || from < m0 + 12 || to > m1) {
        char a[HS_MONTH_LEN], b[HS_MONTH_LEN];
        hs_month_format(m0 + 12, a);
        hs_month_format(m1, b);
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "the origins must lie within %s .. %s (a year after the table's first "
                       "month to its last), the first not after the last",
                       a, b);
    }
    size_t nu = hs_cmtable_nunits(t), cap = 0;
    double *draws = hsi_malloc(ctx, nu * 3 * (size_t)ao->samples * sizeof *draws);
    hs_onset_row *rows = NULL;
    hs_status st = draws ? HS_OK : hsi_err_nomem(err);
    for (int org = from; st == HS_OK && org <= to; org++) {
        st = onset_origin(ctx, t, ao, o, org, draws, &rows, n, &cap, err);
        if ((org - from) % 12 == 11 && org < to)
            hsi_log(ctx, 0, "onset alerts: %d of %d origins", org - from + 1, to - from + 1);
    }
    hsi_free(ctx, draws);
    if (st != HS_OK) {
        hsi_free(ctx, rows);
        *n = 0;
        return st;
    }
    *out = rows;
    return HS_OK;
}

typedef struct onset_csv {
    const hs_cmtable *t;
    double threshold;
} onset_csv;

/* An alert's line (the rows that are not alerts are left out). */
static void onset_row(hsi_buf *b, const void *row, const void *ud)
{
    const hs_onset_row *r = row;
    const onset_csv *c = ud;
    if (!r->alert) return;
    char ym[HS_MONTH_LEN], p[32], th[32], last[32];
    hs_month_format(r->origin, ym);
    /* units are ISO3 codes or VIEWS country_ids: nothing to quote */
    hsi_buf_printf(b, "%s,%d,%s,%s,%s,%s,%s,", ym, r->origin, hs_cmtable_unit(c->t, r->unit),
                   r->kind == HS_ONSET_NEW ? "onset" : "continuation", hsi_fmt_double(p, r->p),
                   hsi_fmt_double(th, c->threshold), hsi_fmt_double(last, r->last));
    if (r->event > 0)
        hsi_buf_printf(b, "25 at lead %d\n", r->event);
    else
        hsi_buf_puts(b, r->event == 0 ? "below 25\n" : "\n");
}

hs_status hs_onsets_write_csv(const hs_cmtable *t, const hs_onset_row *r, size_t n,
                              double threshold, const hs_sink *out, hs_error *err)
{
    onset_csv c = {t, threshold};
    return hsi_sink_rows(out, "onset alerts",
                         "origin,month_id,unit,kind,p_ge25_3m,threshold,last_deaths,outcome\n", r,
                         n, sizeof *r, onset_row, &c, err);
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

hs_status hs_onsets_score(hs_ctx *ctx, const hs_onset_row *r, size_t n, hs_onset_skill out[3],
                          hs_error *err)
{
    int *lead = hsi_malloc(ctx, (n ? n : 1) * sizeof *lead);
    if (!lead) return hsi_err_nomem(err);
    for (int c = 0; c < 3; c++) {
        hs_onset_skill *s = &out[c];
        size_t nl = 0;
        memset(s, 0, sizeof *s);
        for (size_t i = 0; i < n; i++) {
            if (r[i].event < 0 || (c == 0 && r[i].kind != HS_ONSET_NEW) ||
                (c == 1 && r[i].kind != HS_ONSET_CONTINUATION))
                continue;
            s->alerts += (size_t)r[i].alert;
            s->events += r[i].event > 0;
            if (r[i].alert && r[i].event > 0) {
                s->hits++;
                lead[nl++] = r[i].event;
            }
        }
        s->precision = s->alerts ? (double)s->hits / (double)s->alerts : (double)NAN;
        s->recall = s->events ? (double)s->hits / (double)s->events : (double)NAN;
        s->median_lead = NAN;
        if (nl) {
            qsort(lead, nl, sizeof *lead, int_cmp);
            size_t mid = nl / 2;
            s->median_lead = nl % 2 ? (double)lead[mid] : (double)(lead[mid - 1] + lead[mid]) / 2.0;
        }
    }
    hsi_free(ctx, lead);
    return HS_OK;
}
