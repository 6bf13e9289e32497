/*
 * fcrun.c - the forecast of every unit of a country-month table in memory, its summary per
 * cell, P(>= 25 within N months), and the explanation of a unit's probability by its model
 * terms (docs/warning.md, "The watchlist").
 *
 * Why the explanation takes terms away rather than reading weights: the analogue model has
 * no linear predictor; what moves its forecast is which months of the unit's history it
 * matches on and the share drawn from the unit's own past. Setting one of them to its quiet
 * value (zero deaths, no own draws) and forecasting again with the same seed measures what
 * that term adds, in the model's own arithmetic.
 */
#include "events_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void hs_fc_summarise(double *xs, size_t m, hs_fc_cell *c)
{
    static const double qs[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    qsort(xs, m, sizeof *xs, hsi_dbl_cmp);
    size_t n1 = 0, n25 = 0, n1000 = 0;
    double ml = 0;
    for (size_t i = 0; i < m; i++) {
        n1 += xs[i] >= 1;
        n25 += xs[i] >= 25;
        n1000 += xs[i] >= 1000;
        ml += log1p(xs[i]);
    }
    for (int k = 0; k < 5; k++)
        c->q[k] = round(hsi_quantile7(xs, m, qs[k]) * 10) / 10; /* a tenth of a death */
    c->p_ge1 = (double)n1 / (double)m;
    c->p_ge25 = (double)n25 / (double)m;
    c->p_ge1000 = (double)n1000 / (double)m;
    c->mean_ln1p = ml / (double)m;
}

double hs_fc_p25_within(const hs_fc_cell *cells, int months)
{
    double q = 1;
    for (int h = 0; h < months; h++) {
        if (cells[h].lead == 0) return NAN;
        q *= 1 - cells[h].p_ge25;
    }
    return 1 - q;
}

static hs_status fc_check(const hs_cmtable *t, int *origin, int nlead, hs_error *err)
{
    int m0 = hs_cmtable_first_month(t), m1 = hs_cmtable_last_month(t);
    if (*origin == 0) *origin = m1;
    if (*origin < m0 || *origin > m1) {
        int y0, mo0, y1, mo1;
        hsi_month_ym(m0, &y0, &mo0);
        hsi_month_ym(m1, &y1, &mo1);
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "the origin is outside the table's months (%04d-%02d .. %04d-%02d)", y0, mo0,
                       y1, mo1);
    }
    if (nlead < 1 || nlead > 120)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "--leads takes 1..120, not %d", nlead);
    return HS_OK;
}

void hs_cmforecast_free(hs_ctx *ctx, hs_cmforecast *f)
{
    if (!f) return;
    hsi_free_all(ctx, f->cell, f->draws, f);
}

hs_status hs_cmtable_forecast(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                              int origin, int nlead, hs_cmforecast **out, hs_error *err)
{
    *out = NULL;
    hs_status st = fc_check(t, &origin, nlead, err);
    if (st) return st;
    if (!ao || ao->size != sizeof *ao || ao->samples < 1)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "analog options: initialise them with hs_analog_opts_init");
    int m0 = hs_cmtable_first_month(t);
    size_t nu = hs_cmtable_nunits(t), nm = (size_t)(hs_cmtable_last_month(t) - m0) + 1;
    size_t M = (size_t)ao->samples, nl = (size_t)nlead;
    hs_cmforecast *f = hsi_calloc(ctx, 1, sizeof *f);
    int *leads = hsi_malloc(ctx, nl * sizeof *leads);
    double *xs = hsi_malloc(ctx, M * sizeof *xs);
    if (f) {
        f->cell = hsi_calloc(ctx, nu * nl, sizeof *f->cell);
        f->draws = hsi_malloc(ctx, nu * nl * M * sizeof *f->draws);
    }
    if (!f || !leads || !xs || !f->cell || !f->draws) st = hsi_err_nomem(err);
    if (!st) {
        f->origin = origin;
        f->nlead = nlead;
        f->nunit = nu;
        f->samples = M;
        for (size_t h = 0; h < nl; h++)
            leads[h] = (int)h + 1;
        st = hs_analog_forecast(ctx, ao, hs_cmtable_values(t), nu, nm, origin - m0, leads, nl, NULL,
                                f->draws, err);
    }
    size_t nfc = 0;
    for (size_t c = 0; !st && c < nu * nl; c++) {
        const double *x = &f->draws[c * M];
        if (isnan(x[0])) continue; /* its recent months are not all known */
        nfc++;
        memcpy(xs, x, M * sizeof *xs);
        hs_fc_summarise(xs, M, &f->cell[c]);
        f->cell[c].lead = (int)(c % nl) + 1;
        f->cell[c].month_id = origin + f->cell[c].lead;
    }
    if (!st && nfc == 0)
        st = hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                     "no unit has its %d months to the origin all known: nothing to forecast",
                     ao->match_months);
    hsi_free(ctx, xs);
    hsi_free(ctx, leads);
    if (st)
        hs_cmforecast_free(ctx, f);
    else
        *out = f;
    return st;
}

/* P(>= 25 within months) of unit u from a forecast of y (nu x nm) with options o. */
static hs_status fc_p_within(hs_ctx *ctx, const hs_analog_opts *o, const double *y, size_t nu,
                             size_t nm, int org, const int *leads, int nlead, size_t u, int months,
                             unsigned char *want, double *out, double *xs, double *p, hs_error *err)
{
    size_t M = (size_t)o->samples;
    want[u] = 1;
    hs_status st = hs_analog_forecast(ctx, o, y, nu, nm, org, leads, (size_t)nlead, want, out, err);
    want[u] = 0;
    if (st) return st;
    hs_fc_cell c[12];
    for (int h = 0; h < months; h++) {
        const double *x = &out[(u * (size_t)nlead + (size_t)h) * M];
        c[h].lead = isnan(x[0]) ? 0 : h + 1;
        if (!c[h].lead) continue;
        memcpy(xs, x, M * sizeof *xs);
        hs_fc_summarise(xs, M, &c[h]);
    }
    *p = hs_fc_p25_within(c, months);
    return HS_OK;
}

hs_status hs_cmtable_explain(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao, int origin,
                             int nlead, size_t u, int months, hs_fc_explain *out, hs_error *err)
{
    memset(out, 0, sizeof *out);
    hs_status st = fc_check(t, &origin, nlead, err);
    if (st) return st;
    size_t nu = hs_cmtable_nunits(t);
    if (!ao || ao->size != sizeof *ao || ao->samples < 1 || u >= nu || months < 1 || months > 12 ||
        months > nlead)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "explain: a unit of the table and 1..12 months within the leads");
    int m0 = hs_cmtable_first_month(t), org = origin - m0;
    size_t nm = (size_t)(hs_cmtable_last_month(t) - m0) + 1, M = (size_t)ao->samples;
    /* leads 1..months: their draws are those of the whole forecast (each lead's analogues
     * and generator are its own) */
    size_t nl = (size_t)months;
    double *y = hsi_malloc(ctx, nu * nm * sizeof *y);
    double *draws = hsi_malloc(ctx, nu * nl * M * sizeof *draws);
    double *xs = hsi_malloc(ctx, M * sizeof *xs);
    int *leads = hsi_malloc(ctx, nl * sizeof *leads);
    unsigned char *want = hsi_calloc(ctx, nu, 1);
    if (!y || !draws || !xs || !leads || !want) st = hsi_err_nomem(err);
    if (!st) {
        memcpy(y, hs_cmtable_values(t), nu * nm * sizeof *y);
        for (size_t h = 0; h < nl; h++)
            leads[h] = (int)h + 1;
        st = fc_p_within(ctx, ao, y, nu, nm, org, leads, (int)nl, u, months, want, draws, xs,
                         &out->p, err);
        if (!st && isnan(out->p))
            st = hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                         "unit %s has no forecast: its last months are not all known",
                         hs_cmtable_unit(t, u));
    }
    double *yu = y ? &y[u * nm] : NULL;
    /* the deaths of each term, then each term taken away */
    for (int term = 0; !st && term < HS_FC_NTERM; term++) {
        hs_analog_opts o = *ao;
        double keep[12], d = 0;
        int k0 = term == HS_FC_TERM_RECENT ? 0 : 3, k1 = term == HS_FC_TERM_RECENT ? 3 : 12;
        if (term == HS_FC_TERM_OWN) {
            for (int k = 0; k < ao->own_months && org - k >= 0; k++)
                d += yu[org - k] >= 25;
            o.own_share = 0;
        } else {
            for (int k = k0; k < k1; k++) {
                keep[k] = org - k >= 0 ? yu[org - k] : (double)NAN;
                if (org - k < 0) continue;
                if (!isnan(keep[k])) d += keep[k];
                yu[org - k] = isnan(keep[k]) ? keep[k] : 0;
            }
        }
        out->deaths[term] = d;
        double p = NAN;
        st = fc_p_within(ctx, &o, y, nu, nm, org, leads, (int)nl, u, months, want, draws, xs, &p,
                         err);
        if (term != HS_FC_TERM_OWN)
            for (int k = k0; k < k1; k++)
                if (org - k >= 0) yu[org - k] = keep[k];
        out->contrib[term] = isnan(p) ? 0 : out->p - p;
    }
    if (!st && org >= 2) {
        double a = yu[org - 2], b = yu[org - 1], c = yu[org];
        out->trend = (a < b && b < c) ? 1 : (a > b && b > c) ? -1 : 0;
    }
    hsi_free_all(ctx, want, leads, xs, draws, y);
    return st;
}
