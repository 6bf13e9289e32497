/*
 * cmtable.c - country-month tables as input (docs/events.md, "Country-month tables"), and
 * the probabilistic forecast of every unit of one (docs/warning.md).
 *
 * Two shapes, told apart by their columns:
 * - UCDP's (data/ucdp_cm): iso3, period (YYYY-MM) or year + event_month, count columns; a
 *   country-month without events has no row. Every country of the crosswalk is a unit, zero
 *   in the covered months it has no row for.
 * - VIEWS's (data/views_cm): country_id, month_id, count columns; every country-month of the
 *   list has a row, and a month without one stays unknown.
 * Coverage is the file's first to last month unless stated; a row outside the stated months,
 * a repeated unit-month, a count that is not a whole number >= 0 and a code the crosswalk
 * does not know are errors naming file:line:col, and nothing is returned.
 */
#include "events_int.h"

#include "core/csv_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CM_MAXID      1000 /* VIEWS country ids and Gleditsch-Ward codes are below this */
#define CM_MAX_MONTHS 1200 /* a table spanning more is taken for a wrong month, not data */

struct hs_cmtable {
    hs_ctx *ctx;
    size_t nunit;
    char (*unit)[8]; /* ISO3 or a VIEWS country_id */
    int m0, m1;      /* covered months */
    double *y;       /* nunit x (m1 - m0 + 1), NaN unknown */
    char col[64];    /* the count column read */
    int views;       /* VIEWS's shape (else UCDP's) */
};

void hs_cmtable_opts_init(hs_cmtable_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

/* "YYYY-MM" to a month_id; -1 when it is not one. */
static int cm_period(const char *s)
{
    if (strlen(s) != 7 || s[4] != '-') return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9')) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    return m >= 1 && m <= 12 && y >= 1900 ? hsi_month_id(y, m) : -1;
}

typedef struct cm_row {
    long unit; /* index into the unit list */
    int month;
    double v;
    long line, col;
} cm_row;

static hs_status cm_parse(const hsi_csv *c, const hs_geo *geo, const hs_cmtable_opts *o,
                          hs_cmtable *t, cm_row **rows_out, hs_error *err)
{
    const char *path = c->file;
    long ji = hsi_csv_find(c, "iso3"), jp = hsi_csv_find(c, "period"), jy = hsi_csv_find(c, "year"),
         jem = hsi_csv_find(c, "event_month"), jc = hsi_csv_find(c, "country_id"),
         jm = hsi_csv_find(c, "month_id");
    int views = jc >= 0 && jm >= 0;
    if (!views && !(ji >= 0 && (jp >= 0 || (jy >= 0 && jem >= 0))))
        return hsi_err(err, HS_ERR_SCHEMA, path, c->head_line, 0,
                       "not a country-month table: expected the columns iso3 and period (or "
                       "year and event_month), or country_id and month_id");
    const char *col = o->column;
    if (!col)
        col = views ? (hsi_csv_find(c, "ged_sb") >= 0 ? "ged_sb" : "ged_best_sb")
                    : "conflict_fatalities_best";
    long jv = hsi_csv_find(c, col);
    if (jv < 0)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->head_line, 0, "no count column '%s'", col);
    snprintf(t->col, sizeof t->col, "%s", col);
    t->views = views;
    if (!views && !geo)
        return hsi_err(err, HS_ERR_USAGE, path, 0, 0,
                       "an ISO3 table needs the country crosswalk (--geo)");
    /* the units: the crosswalk's countries (ISO3), or the VIEWS ids in the file */
    hs_ctx *ctx = t->ctx;
    t->unit = hsi_calloc(ctx, CM_MAXID, sizeof *t->unit);
    long *slot = hsi_calloc(ctx, CM_MAXID, sizeof *slot); /* VIEWS id -> unit + 1 */
    cm_row *rows = hsi_calloc(ctx, c->nrow ? c->nrow : 1, sizeof *rows);
    if (!t->unit || !slot || !rows) {
        hsi_free(ctx, slot);
        hsi_free(ctx, rows);
        return hsi_err_nomem(err);
    }
    if (!views)
        for (long gw = 0; gw < CM_MAXID; gw++) {
            const char *iso = hsi_geo_gw_iso3(geo, gw);
            int seen = !iso || !iso[0];
            for (size_t u = 0; u < t->nunit && !seen; u++)
                seen = !strcmp(t->unit[u], iso);
            if (!seen) snprintf(t->unit[t->nunit++], sizeof t->unit[0], "%s", iso);
        }
    hs_status st = HS_OK;
    for (size_t r = 0; r < c->nrow && st == HS_OK; r++) {
        cm_row *w = &rows[r];
        w->line = c->line[r];
        const char *su = hsi_csv_get(c, r, (size_t)(views ? jc : ji));
        long cu = c->col[r * c->ncol + (size_t)(views ? jc : ji)];
        w->unit = -1;
        if (views) {
            long id;
            if (hsi_parse_long(su, &id) != 0 || id < 1 || id >= CM_MAXID) {
                st = hsi_err(err, HS_ERR_PARSE, path, w->line, cu,
                             "country_id '%s' is not a VIEWS country id (1..%d)", su, CM_MAXID - 1);
                break;
            }
            if (!slot[id]) {
                slot[id] = (long)t->nunit + 1;
                snprintf(t->unit[t->nunit++], sizeof t->unit[0], "%ld", id);
            }
            w->unit = slot[id] - 1;
        } else {
            for (size_t u = 0; u < t->nunit && w->unit < 0; u++)
                if (!strcmp(t->unit[u], su)) w->unit = (long)u;
            if (w->unit < 0) {
                st = hsi_err(err, HS_ERR_PARSE, path, w->line, cu,
                             "unknown country code '%s' (not an ISO3 code of the crosswalk)", su);
                break;
            }
        }
        long jmo = views ? jm : (jp >= 0 ? jp : jy);
        const char *sm = hsi_csv_get(c, r, (size_t)jmo);
        long cmo = c->col[r * c->ncol + (size_t)jmo];
        long mid = -1, y, mo;
        if (views)
            mid = hsi_parse_long(sm, &y) == 0 && y > 0 && y < 2000 ? y : -1;
        else if (jp >= 0)
            mid = cm_period(sm);
        else if (hsi_parse_long(sm, &y) == 0 &&
                 hsi_parse_long(hsi_csv_get(c, r, (size_t)jem), &mo) == 0 && y >= 1900 &&
                 y < 3000 && mo >= 1 && mo <= 12)
            mid = hsi_month_id((int)y, (int)mo);
        if (mid < 0) {
            st = hsi_err(err, HS_ERR_PARSE, path, w->line, cmo, "'%s' is not a month (%s)", sm,
                         views     ? "a VIEWS month_id"
                         : jp >= 0 ? "YYYY-MM"
                                   : "year, event_month");
            break;
        }
        w->month = (int)mid;
        const char *sv = hsi_csv_get(c, r, (size_t)jv);
        w->col = c->col[r * c->ncol + (size_t)jv];
        if (hsi_parse_double(sv, &w->v) != 0 || !(w->v >= 0) || w->v != floor(w->v) || w->v > 1e12)
            st = hsi_err(err, HS_ERR_PARSE, path, w->line, w->col,
                         "%s '%s' is not a count (expected a whole number >= 0)", col, sv);
        else if ((o->from && w->month < o->from) || (o->to && w->month > o->to)) {
            int yy, mm;
            hsi_month_ym(w->month, &yy, &mm);
            st = hsi_err(err, HS_ERR_PARSE, path, w->line, cmo,
                         "%04d-%02d is outside the stated coverage (--from/--to)", yy, mm);
        }
    }
    hsi_free(ctx, slot);
    if (st != HS_OK) {
        hsi_free(ctx, rows);
        return st;
    }
    *rows_out = rows;
    return HS_OK;
}

hs_status hs_cmtable_read(hs_ctx *ctx, const char *path, const hs_geo *geo,
                          const hs_cmtable_opts *o, hs_cmtable **out, hs_error *err)
{
    *out = NULL;
    hsi_csv c;
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st != HS_OK) return st;
    st = hsi_cmtable_from_csv(ctx, &c, geo, o, out, err);
    hsi_csv_free(&c);
    return st;
}

hs_status hsi_cmtable_from_csv(hs_ctx *ctx, const hsi_csv *cp, const hs_geo *geo,
                               const hs_cmtable_opts *o, hs_cmtable **out, hs_error *err)
{
    *out = NULL;
    if (!o || o->size != sizeof *o)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "table options: initialise them with hs_cmtable_opts_init");
    if (o->from && o->to && o->from > o->to)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "--from is after --to");
    const hsi_csv c = *cp; /* a shallow copy: read only */
    const char *path = c.file;
    hs_status st = HS_OK;
    hs_cmtable *t = hsi_calloc(ctx, 1, sizeof *t);
    cm_row *rows = NULL;
    if (!t) st = hsi_err_nomem(err);
    if (st == HS_OK) {
        t->ctx = ctx;
        st = cm_parse(&c, geo, o, t, &rows, err);
    }
    int views = hsi_csv_find(&c, "month_id") >= 0 && hsi_csv_find(&c, "country_id") >= 0;
    if (st == HS_OK && c.nrow == 0)
        st = hsi_err(err, HS_ERR_PARSE, path, c.head_line, 0, "the table has no rows");
    if (st == HS_OK) {
        t->m0 = o->from ? o->from : rows[0].month;
        t->m1 = o->to ? o->to : rows[0].month;
        for (size_t r = 0; r < c.nrow; r++) {
            if (!o->from && rows[r].month < t->m0) t->m0 = rows[r].month;
            if (!o->to && rows[r].month > t->m1) t->m1 = rows[r].month;
        }
        if (t->m1 - t->m0 + 1 > CM_MAX_MONTHS) {
            long ln = rows[0].line;
            for (size_t r = 0; r < c.nrow; r++)
                if (rows[r].month == t->m1) ln = rows[r].line;
            st = hsi_err(err, HS_ERR_PARSE, path, ln, 0,
                         "the table spans %d months, more than %d (100 years): is a month wrong?",
                         t->m1 - t->m0 + 1, CM_MAX_MONTHS);
        }
    }
    if (st == HS_OK) {
        size_t nm = (size_t)t->m1 - (size_t)t->m0 + 1, n = t->nunit * nm;
        t->y = hsi_malloc(ctx, (n ? n : 1) * sizeof *t->y);
        long *seen = hsi_calloc(ctx, n ? n : 1, sizeof *seen);
        if (!t->y || !seen) st = hsi_err_nomem(err);
        for (size_t i = 0; st == HS_OK && i < n; i++)
            t->y[i] = views ? (double)NAN : 0.0; /* UCDP's shape: no row is no event */
        for (size_t r = 0; st == HS_OK && r < c.nrow; r++) {
            size_t i = (size_t)rows[r].unit * nm + (size_t)(rows[r].month - t->m0);
            if (seen[i])
                st = hsi_err(err, HS_ERR_PARSE, path, rows[r].line, 0,
                             "unit %s, month_id %d given twice (first on line %ld)",
                             t->unit[rows[r].unit], rows[r].month, seen[i]);
            seen[i] = rows[r].line;
            t->y[i] = rows[r].v;
        }
        hsi_free(ctx, seen);
    }
    hsi_free(ctx, rows);
    if (st != HS_OK) {
        hs_cmtable_free(t);
        return st;
    }
    *out = t;
    return HS_OK;
}

void hs_cmtable_free(hs_cmtable *t)
{
    if (!t) return;
    hsi_free_all(t->ctx, t->y, t->unit, t);
}

size_t hs_cmtable_nunits(const hs_cmtable *t)
{
    return t->nunit;
}
const char *hs_cmtable_unit(const hs_cmtable *t, size_t i)
{
    return i < t->nunit ? t->unit[i] : NULL;
}
int hs_cmtable_first_month(const hs_cmtable *t)
{
    return t->m0;
}
int hs_cmtable_last_month(const hs_cmtable *t)
{
    return t->m1;
}
const double *hs_cmtable_values(const hs_cmtable *t)
{
    return t->y;
}

static hs_status hs_cmtable_forecast_write_fp(hs_ctx *ctx, const hs_cmtable *t,
                                              const hs_analog_opts *ao, int origin, int nlead,
                                              FILE *samples, FILE *summary, hs_error *err)
{
    hs_cmforecast *f = NULL;
    hs_status st = hs_cmtable_forecast(ctx, t, ao, origin, nlead, &f, err);
    if (st) return st;
    size_t M = f->samples, nl = (size_t)nlead;
    int oy, om;
    hsi_month_ym(f->origin, &oy, &om);
    if (samples) fputs("month_id,unit,draw,outcome\n", samples);
    if (summary)
        fputs("unit,origin,lead,month,month_id,q05,q25,q50,q75,q95,p_ge1,p_ge25,p_ge1000,"
              "mean_ln1p\n",
              summary);
    for (size_t c = 0; c < t->nunit * nl; c++) {
        const hs_fc_cell *e = &f->cell[c];
        if (!e->lead) continue; /* its recent months are not all known */
        const char *unit = t->unit[c / nl];
        int y, mo;
        hsi_month_ym(e->month_id, &y, &mo);
        if (samples)
            for (size_t i = 0; i < M; i++)
                fprintf(samples, "%d,%s,%zu,%.0f\n", e->month_id, unit, i, f->draws[c * M + i]);
        if (!summary) continue;
        char a[5][32], b[4][32];
        for (int k = 0; k < 5; k++)
            hsi_fmt_double(a[k], e->q[k]);
        hsi_fmt_double(b[0], e->p_ge1);
        hsi_fmt_double(b[1], e->p_ge25);
        hsi_fmt_double(b[2], e->p_ge1000);
        hsi_fmt_double(b[3], e->mean_ln1p);
        fprintf(summary, "%s,%04d-%02d,%d,%04d-%02d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", unit, oy, om,
                e->lead, y, mo, e->month_id, a[0], a[1], a[2], a[3], a[4], b[0], b[1], b[2], b[3]);
    }
    if ((samples && (fflush(samples) != 0 || ferror(samples))) ||
        (summary && (fflush(summary) != 0 || ferror(summary))))
        st = hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the forecasts");
    hs_cmforecast_free(ctx, f);
    return st;
}

hs_status hs_cmtable_forecast_write(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                                    int origin, int nlead, const hs_sink *samples,
                                    const hs_sink *summary, hs_error *err)
{
    hsi_sinkfile a = {0}, b = {0};
    hs_status st = hsi_sinkfile_open(&a, samples, err);
    if (st == HS_OK) st = hsi_sinkfile_open(&b, summary, err);
    if (st == HS_OK) st = hs_cmtable_forecast_write_fp(ctx, t, ao, origin, nlead, a.fp, b.fp, err);
    st = hsi_sinkfile_close(&a, st, err, "samples");
    return hsi_sinkfile_close(&b, st, err, "summary");
}

/* ---- rolling-origin backtest of the distributions (docs/warning.md) --------------------- */

enum { BT_HUMSEC, BT_CONF, BT_NOCHANGE, BT_ROLL, BT_NMODEL };
static const char *const bt_model[BT_NMODEL] = {"humsec", "conflictology", "no_change",
                                                "rolling_mean_12"};
#define BT_NLEAD 4
static const int bt_leads[BT_NLEAD] = {1, 3, 6, 12};
/* the leads forecast: the scored ones, and 2 for the onset alerts' three months */
#define BT_NFC 5
static const int bt_fc[BT_NFC] = {1, 2, 3, 6, 12};
#define BT_CAL_MONTHS 60 /* the onset threshold is calibrated on the 5 years before --from */

/* One quiet country-month (its last 3 months below 25) as an onset alert sees it. */
typedef struct bt_onset {
    double p[2];   /* P(>= 25 within 3 months): humsec, conflictology */
    int event;     /* 25 reached within 3 months: at which lead (1-3), 0 not */
    int onset;     /* the 6 months to the origin all below 25 (else a continuation) */
    int calibrate; /* an origin before --from */
} bt_onset;

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The threshold on P with the best F1 over the calibration origins (the lowest of ties). */
static double bt_calibrate(const bt_onset *r, size_t n, int m)
{
    double best = 0.5, bf = -1;
    for (int k = 1; k <= 90; k++) {
        double th = k / 100.0;
        size_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            if (!r[i].calibrate) continue;
            int al = r[i].p[m] >= th;
            tp += al && r[i].event;
            fp += al && !r[i].event;
            fn += !al && r[i].event;
        }
        double f1 = tp ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0;
        if (f1 > bf) {
            bf = f1;
            best = th;
        }
    }
    return best;
}

static void bt_onsets_write(const bt_onset *r, size_t n, FILE *fp)
{
    fputs("model,threshold,class,alerts,events,hits,precision,recall,median_lead\n", fp);
    static const char *const cls[3] = {"onset", "continuation", "all"};
    int *lead = malloc((n ? n : 1) * sizeof *lead);
    for (int m = 0; m < 2; m++) {
        double th = bt_calibrate(r, n, m);
        for (int c = 0; c < 3; c++) {
            size_t al = 0, ev = 0, hit = 0, nl = 0;
            for (size_t i = 0; i < n; i++) {
                if (r[i].calibrate || (c == 0 && !r[i].onset) || (c == 1 && r[i].onset)) continue;
                int a = r[i].p[m] >= th;
                al += a;
                ev += r[i].event > 0;
                if (a && r[i].event) {
                    hit++;
                    if (lead) lead[nl++] = r[i].event;
                }
            }
            char pr[32], rc[32], th_s[32], md[32];
            hsi_fmt_double(th_s, th);
            hsi_fmt_double(pr, al ? (double)hit / (double)al : (double)NAN);
            hsi_fmt_double(rc, ev ? (double)hit / (double)ev : (double)NAN);
            if (lead && nl) qsort(lead, nl, sizeof *lead, int_cmp);
            double med = NAN;
            if (lead && nl) {
                size_t mid = nl / 2;
                med = nl % 2 ? (double)lead[mid] : (double)(lead[mid - 1] + lead[mid]) / 2.0;
            }
            hsi_fmt_double(md, med);
            fprintf(fp, "%s,%s,%s,%zu,%zu,%zu,%s,%s,%s\n", m ? "conflictology" : "humsec", th_s,
                    cls[c], al, ev, hit, pr, rc, md);
        }
    }
    free(lead);
}

static hs_status hs_cmtable_backtest_write_fp(hs_ctx *ctx, const hs_cmtable *t,
                                              const hs_analog_opts *ao, int from, int to, FILE *fp,
                                              FILE *onsets, hs_error *err)
{
    size_t nm = (size_t)t->m1 - (size_t)t->m0 + 1, M = (size_t)ao->samples, nu = t->nunit;
    if (!from) from = t->m0 + 12 * 6;
    if (!to) to = t->m1 - 1;
    if (from < t->m0 + 12 || to > t->m1 || from > to)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "the origins must lie from 12 months after the table's first month to "
                       "its last, the first before the last");
    int start = from;
    if (onsets) {
        start = from - BT_CAL_MONTHS;
        if (start < t->m0 + 12) start = t->m0 + 12;
        if (start == from)
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "the onset alerts are calibrated on the %d months before --from, "
                           "which the table does not have",
                           BT_CAL_MONTHS);
    }
    double *out = hsi_malloc(ctx, nu * BT_NFC * M * sizeof *out);
    double *xs = hsi_malloc(ctx, M * sizeof *xs);
    bt_onset *rec = onsets ? hsi_malloc(ctx, nu * (size_t)(to - start + 1) * sizeof *rec) : NULL;
    size_t nrec = 0;
    double sum_crps[BT_NLEAD][BT_NMODEL] = {{0}}, sum_brier[BT_NLEAD][BT_NMODEL] = {{0}};
    size_t n[BT_NLEAD] = {0}, npos[BT_NLEAD] = {0};
    hs_status st = HS_OK;
    if (!out || !xs || (onsets && !rec)) st = hsi_err_nomem(err);
    for (int org = start; st == HS_OK && org <= to; org++) {
        /* leads whose target month the table still covers */
        int leads[BT_NFC], nl = 0;
        for (int h = 0; h < BT_NFC; h++)
            if (org + bt_fc[h] <= t->m1) leads[nl++] = bt_fc[h];
        if (nl == 0) continue; /* no target month left in the table */
        st = hs_analog_forecast(ctx, ao, t->y, nu, nm, org - t->m0, leads, (size_t)nl, NULL, out,
                                err);
        for (size_t u = 0; st == HS_OK && u < nu; u++) {
            const double *yu = &t->y[u * nm];
            size_t o = (size_t)(org - t->m0);
            double conf[12], mean = 0, roll = 0;
            int ok = 1;
            for (int k = 0; k < 12 && ok; k++) {
                conf[k] = yu[o - 11 + (size_t)k];
                ok = !isnan(conf[k]);
                mean += conf[k] / 12;
                roll += conf[k] >= 25 ? 1.0 / 12 : 0;
            }
            if (!ok) continue;
            qsort(conf, 12, sizeof conf[0], hsi_dbl_cmp);
            double p25[BT_NFC];
            int known = 1;
            for (int h = 0; h < nl; h++) {
                double y = yu[o + (size_t)leads[h]];
                const double *x = &out[(u * (size_t)nl + (size_t)h) * M];
                p25[h] = NAN;
                if (isnan(x[0])) {
                    known = 0;
                    continue;
                }
                memcpy(xs, x, M * sizeof *xs);
                qsort(xs, M, sizeof *xs, hsi_dbl_cmp);
                size_t n25 = 0;
                for (size_t i = 0; i < M; i++)
                    n25 += xs[i] >= 25;
                p25[h] = (double)n25 / (double)M;
                int li = 0;
                while (li < BT_NLEAD && bt_leads[li] != leads[h])
                    li++;
                if (org < from || li == BT_NLEAD || isnan(y)) continue;
                double last = yu[o], obs = y >= 25 ? 1 : 0;
                double p[BT_NMODEL] = {p25[h], roll, last >= 25 ? 1 : 0, roll};
                sum_crps[li][BT_HUMSEC] += hs_metric_crps_ensemble(xs, M, y);
                sum_crps[li][BT_CONF] += hs_metric_crps_ensemble(conf, 12, y);
                sum_crps[li][BT_NOCHANGE] += fabs(last - y); /* a point: its absolute error */
                sum_crps[li][BT_ROLL] += fabs(mean - y);
                for (int m = 0; m < BT_NMODEL; m++)
                    sum_brier[li][m] += (p[m] - obs) * (p[m] - obs);
                n[li]++;
                npos[li] += y >= 25;
            }
            /* the onset alert: a country quiet for 3 months, its next 3 months known */
            if (!onsets || !known || nl < 3 || leads[2] != 3) continue;
            int quiet6, ev = 0, quiet = hsi_onset_quiet(yu, o, &quiet6);
            for (int h = 1; h <= 3 && ok; h++) {
                double v = yu[o + (size_t)h];
                if (isnan(v)) ok = 0;
                if (!ev && v >= 25) ev = h;
            }
            if (!quiet || !ok) continue;
            bt_onset *r = &rec[nrec++];
            r->p[0] = 1 - (1 - p25[0]) * (1 - p25[1]) * (1 - p25[2]);
            r->p[1] = 1 - pow(1 - roll, 3);
            r->event = ev;
            r->onset = quiet6;
            r->calibrate = org < from;
        }
    }
    if (st == HS_OK) {
        fputs("lead,model,n,positives,crps,brier_25\n", fp);
        for (int h = 0; h < BT_NLEAD; h++)
            for (int m = 0; m < BT_NMODEL; m++) {
                char a[32], b[32];
                hsi_fmt_double(a, n[h] ? sum_crps[h][m] / (double)n[h] : (double)NAN);
                hsi_fmt_double(b, n[h] ? sum_brier[h][m] / (double)n[h] : (double)NAN);
                fprintf(fp, "%d,%s,%zu,%zu,%s,%s\n", bt_leads[h], bt_model[m], n[h], npos[h], a, b);
            }
        if (onsets) bt_onsets_write(rec, nrec, onsets);
        if (fflush(fp) != 0 || ferror(fp) || (onsets && (fflush(onsets) != 0 || ferror(onsets))))
            st = hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the backtest");
    }
    hsi_free_all(ctx, rec, xs, out);
    return st;
}

hs_status hs_cmtable_backtest_write(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                                    int from, int to, const hs_sink *out, const hs_sink *onsets,
                                    hs_error *err)
{
    hsi_sinkfile a = {0}, b = {0};
    hs_status st = out ? hsi_sinkfile_open(&a, out, err) : hsi_sink_check(out, err);
    if (st == HS_OK) st = hsi_sinkfile_open(&b, onsets, err);
    if (st == HS_OK) st = hs_cmtable_backtest_write_fp(ctx, t, ao, from, to, a.fp, b.fp, err);
    if (out) st = hsi_sinkfile_close(&a, st, err, "backtest");
    return hsi_sinkfile_close(&b, st, err, "onset alerts");
}

/* The panel column a table's count column fills (HSI_PCOL_*), -1 when it has none: UCDP's
 * fatalities are all organised violence (deaths in total), its typed event counts and VIEWS's
 * ged_sb/ns/os (or ged_best_*) one type each. */
static int cm_panel_column(const char *col)
{
    static const char *const name[][2] = {{"conflict_state_based_events", NULL},
                                          {"conflict_non_state_events", NULL},
                                          {"conflict_one_sided_events", NULL},
                                          {"ged_sb", "ged_best_sb"},
                                          {"ged_ns", "ged_best_ns"},
                                          {"ged_os", "ged_best_os"}};
    for (int k = 0; k < 6; k++)
        for (int j = 0; j < 2; j++)
            if (name[k][j] && !strcmp(col, name[k][j])) return k;
    return !strcmp(col, "conflict_fatalities_best") ? HSI_PCOL_DEATHS : -1;
}

hs_status hs_panel_from_cmtable(hs_ctx *ctx, const hs_cmtable *t, const hs_geo *geo,
                                const hs_panel_opts *o, hs_panel **out, hs_error *err)
{
    *out = NULL;
    int col = cm_panel_column(t->col);
    if (col < 0)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "the table's column '%s' has no place in a panel (it takes "
                       "conflict_fatalities_best, conflict_*_events or ged_sb/ns/os)",
                       t->col);
    if (!t->views && !geo)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "an ISO3 table needs the country crosswalk (--geo)");
    long *unit = hsi_calloc(ctx, t->nunit ? t->nunit : 1, sizeof *unit);
    char(*iso3)[4] = hsi_calloc(ctx, t->nunit ? t->nunit : 1, sizeof *iso3);
    hs_status st = unit && iso3 ? HS_OK : hsi_err_nomem(err);
    /* UCDP's units are the crosswalk's ISO3 codes, each the lowest Gleditsch-Ward number it
     * stands for (the order the table listed them in); VIEWS's country_id stays the unit */
    for (size_t u = 0; st == HS_OK && u < t->nunit; u++) {
        if (t->views) {
            unit[u] = strtol(t->unit[u], NULL, 10);
            continue;
        }
        snprintf(iso3[u], sizeof iso3[u], "%s", t->unit[u]);
        for (long gw = 0; gw < CM_MAXID && !unit[u]; gw++) {
            const char *iso = hsi_geo_gw_iso3(geo, gw);
            if (iso && !strcmp(iso, t->unit[u])) unit[u] = gw;
        }
        if (!unit[u])
            st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                         "country %s is not in this crosswalk (the table was read with another)",
                         t->unit[u]);
    }
    if (st == HS_OK)
        st = hsi_panel_from_table(ctx, o, t->nunit, unit, (const char(*)[4])iso3, t->m0, t->m1,
                                  t->y, col, out, err);
    hsi_free(ctx, unit);
    hsi_free(ctx, iso3);
    return st;
}
