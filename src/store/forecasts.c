/*
 * forecasts.c - the global country-month table and the forecast runs in the store, and
 * their online evaluation (docs/warning.md, "Stored forecasts"; docs/server.md).
 *
 * The table's known months are kept as they were read (a row is a known month, zero
 * included; a missing row is unknown), with its coverage. A forecast run keeps its origin,
 * model and options, the code version and the data it came from, and per country and lead
 * the summary the API serves and the draws themselves (sorted, as value-count pairs), so
 * that each can be scored exactly when its month is covered: CRPS and Brier at 25, next to
 * conflictology (the 12 months to the origin) and no change (the origin's month) for the
 * same country-month. A new run is made only when the origin, the data or the model differ
 * from the latest one; a score, once made, stays.
 */
#include "store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "events/events_int.h"

#define FC_MODEL       "analog"
#define FC_LEADS       36
#define FC_EXPLAIN_MIN 0.01 /* countries below this P(>= 25 within 3 months) get no reasons */

void hsi_fc_job_free(hs_ctx *ctx, hsi_fc_job *j)
{
    if (!j) return;
    hs_cmforecast_free(ctx, j->f);
    hs_cmtable_free(j->t);
    hsi_free(ctx, j->ex);
    memset(j, 0, sizeof *j);
}

static void fc_params(const hs_analog_opts *o, char *buf, size_t n);

int hsi_fc_unchanged(hs_ctx *ctx, hs_store *db, const char *path, const hs_analog_opts *ao)
{
    char *text = NULL, sha[65], params[512], like[80];
    size_t len = 0;
    hs_error e;
    if (hsi_read_file(ctx, path, &text, &len, &e) != HS_OK) return 0; /* the run says why */
    hsi_sha256_hex(text, len, sha);
    hsi_free(ctx, text);
    hs_analog_opts d;
    if (!ao) {
        hs_analog_opts_init(&d);
        ao = &d;
    }
    fc_params(ao, params, sizeof params);
    snprintf(like, sizeof like, "%%\"sha256\":\"%s\"%%", sha);
    sqlite3_stmt *q = NULL;
    int same = hsi_store_row(db, &q,
                             "SELECT sources LIKE ?1 AND params = ?2 AND version = ?3 FROM "
                             "forecast_run ORDER BY id DESC LIMIT 1",
                             "TTT", like, params, HS_VERSION) == 1 &&
               sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return same;
}

hs_status hsi_fc_compute(hs_ctx *ctx, const char *path, const char *rel, const hs_geo *geo,
                         const hs_cmtable_opts *to_in, const hs_analog_opts *ao, hsi_fc_job *j,
                         hs_error *err)
{
    memset(j, 0, sizeof *j);
    if (ao && ao->size != sizeof *ao)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "analog options: initialise them with hs_analog_opts_init");
    snprintf(j->file, sizeof j->file, "%s", rel);
    char *text = NULL;
    size_t len = 0;
    hs_status st = hsi_read_file(ctx, path, &text, &len, err);
    if (!st) hsi_sha256_hex(text, len, j->sha);
    hsi_free(ctx, text);
    hs_cmtable_opts to;
    hs_cmtable_opts_init(&to);
    if (to_in) to = *to_in;
    if (!st) st = hs_cmtable_read(ctx, path, geo, &to, &j->t, err);
    if (ao) {
        j->ao = *ao;
    } else {
        hs_analog_opts_init(&j->ao);
        j->ao.threads = 2;
    }
    if (!st) st = hs_cmtable_forecast(ctx, j->t, &j->ao, 0, FC_LEADS, &j->f, err);
    size_t nu = j->t ? hs_cmtable_nunits(j->t) : 0;
    if (!st) {
        j->ex = hsi_calloc(ctx, nu ? nu : 1, sizeof *j->ex);
        if (!j->ex) st = hsi_err_nomem(err);
    }
    /* the reasons of every country that could be on a watchlist */
    for (size_t u = 0; !st && u < nu; u++) {
        j->ex[u].p = hs_fc_p25_within(&j->f->cell[u * FC_LEADS], 3);
        if (!(j->ex[u].p >= FC_EXPLAIN_MIN)) continue;
        st = hs_cmtable_explain(ctx, j->t, &j->ao, 0, FC_LEADS, u, 3, &j->ex[u], err);
    }
    if (st) hsi_fc_job_free(ctx, j);
    return st;
}

/* Sorted draws as little-endian (value, count) pairs of 32 bits: a country at peace is one
 * pair instead of a thousand. */
static size_t fc_encode(const double *xs, size_t m, unsigned char *buf)
{
    size_t o = 0;
    for (size_t i = 0; i < m;) {
        size_t k = i;
        while (k < m && xs[k] == xs[i])
            k++;
        uint32_t v = xs[i] > 4294967295.0 ? 4294967295U : (uint32_t)xs[i], c = (uint32_t)(k - i);
        for (int b = 0; b < 4; b++)
            buf[o + (size_t)b] = (unsigned char)(v >> (8 * b));
        for (int b = 0; b < 4; b++)
            buf[o + 4 + (size_t)b] = (unsigned char)(c >> (8 * b));
        o += 8;
        i = k;
    }
    return o;
}

/* The draws of a blob into xs (room for cap); the count, 0 when the blob is malformed. */
static size_t fc_decode(const unsigned char *b, size_t len, double *xs, size_t cap)
{
    size_t n = 0;
    if (len % 8) return 0;
    for (size_t o = 0; o < len; o += 8) {
        uint32_t v = 0, c = 0;
        for (int k = 0; k < 4; k++) {
            v |= (uint32_t)b[o + (size_t)k] << (8 * k);
            c |= (uint32_t)b[o + 4 + (size_t)k] << (8 * k);
        }
        if (c > cap - n) return 0;
        for (uint32_t i = 0; i < c; i++)
            xs[n++] = (double)v;
    }
    return n;
}

/* The table's known months and coverage replace the stored ones. */
static hs_status fc_put_table(hs_store *db, const hsi_fc_job *j, hs_error *err)
{
    hs_status st = hsi_store_exec(db, "DELETE FROM cm_month; DELETE FROM cm_source", err);
    int m0 = hs_cmtable_first_month(j->t), m1 = hs_cmtable_last_month(j->t);
    if (!st)
        st = hsi_store_run(db, "cannot record the table's coverage", err,
                           "INSERT INTO cm_source(name, file, sha256, first_month, last_month, "
                           "loaded_at) VALUES('ucdp_cm', ?1, ?2, ?3, ?4, "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           "TTii", j->file, j->sha, m0, m1);
    sqlite3_stmt *q = NULL;
    if (!st)
        st = hsi_store_prep(db, "INSERT INTO cm_month(iso3, month_id, deaths) VALUES(?1, ?2, ?3)",
                            &q, err);
    size_t nm = (size_t)(m1 - m0) + 1;
    const double *y = hs_cmtable_values(j->t);
    for (size_t u = 0; !st && u < hs_cmtable_nunits(j->t); u++)
        for (size_t m = 0; !st && m < nm; m++) {
            double v = y[u * nm + m];
            if (isnan(v)) continue; /* unknown: no row */
            hsi_store_bind(q, "TiR", hs_cmtable_unit(j->t, u), m0 + (int)m, v);
            st = hsi_store_step(db, q, "cannot record a country-month", err);
        }
    sqlite3_finalize(q);
    return st;
}

static void fc_params(const hs_analog_opts *o, char *buf, size_t n)
{
    snprintf(buf, n,
             "{\"k\":%d,\"match_months\":%d,\"match_decay\":%g,\"level_months\":%d,"
             "\"own_months\":%d,\"own_decay\":%g,\"own_share\":%g,\"samples\":%d,\"seed\":%lu,"
             "\"leads\":%d}",
             o->k, o->match_months, o->match_decay, o->level_months, o->own_months, o->own_decay,
             o->own_share, o->samples, o->seed, FC_LEADS);
}

/* 1 when the latest forecast run has this origin, data and model (nothing new to store). */
static int fc_same_as_latest(hs_store *db, int origin, const char *sources, const char *params)
{
    sqlite3_stmt *q = NULL;
    int same = hsi_store_row(db, &q,
                             "SELECT origin = ?1 AND sources = ?2 AND params = ?3 AND version = ?4 "
                             "FROM forecast_run ORDER BY id DESC LIMIT 1",
                             "iTTT", origin, sources, params, HS_VERSION) == 1 &&
               sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return same;
}

static hs_status fc_put_run(hs_ctx *ctx, hs_store *db, int64_t run, const hsi_fc_job *j,
                            int64_t *frun, hs_error *err)
{
    const hs_cmforecast *f = j->f;
    if (!f || !j->t)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "no forecast to store (hsi_fc_compute)");
    char sources[1024], params[512];
    int m0 = hs_cmtable_first_month(j->t), m1 = hs_cmtable_last_month(j->t);
    snprintf(sources, sizeof sources,
             "[{\"name\":\"ucdp_cm\",\"file\":\"%s\",\"sha256\":\"%s\",\"first_month\":%d,"
             "\"last_month\":%d}]",
             j->file, j->sha, m0, m1);
    fc_params(&j->ao, params, sizeof params);
    *frun = 0;
    if (fc_same_as_latest(db, f->origin, sources, params)) return HS_OK;
    hs_status st =
        hsi_store_run(db, "cannot record the forecast run", err,
                      "INSERT INTO forecast_run(run, created_at, origin, model, params, "
                      "version, sources, nlead, samples) VALUES(?1, "
                      "strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      "KiTTTTiI", run, f->origin, FC_MODEL, params, HS_VERSION, sources, f->nlead,
                      (int64_t)f->samples);
    sqlite3_stmt *q = NULL;
    *frun = sqlite3_last_insert_rowid(hsi_store_db(db));
    size_t M = f->samples, nl = (size_t)f->nlead;
    double *xs = hsi_malloc(ctx, M * sizeof *xs);
    unsigned char *blob = hsi_malloc(ctx, M * 8);
    if (!st && (!xs || !blob)) st = hsi_err_nomem(err);
    if (!st)
        st = hsi_store_prep(
            db,
            "INSERT INTO forecast(frun, iso3, lead, month_id, q05, q25, q50, q75, q95, "
            "p_ge1, p_ge25, p_ge1000, mean_ln1p, draws) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
            "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            &q, err);
    for (size_t c = 0; !st && c < f->nunit * nl; c++) {
        const hs_fc_cell *e = &f->cell[c];
        if (!e->lead) continue;
        memcpy(xs, &f->draws[c * M], M * sizeof *xs);
        qsort(xs, M, sizeof *xs, hsi_dbl_cmp);
        size_t bl = fc_encode(xs, M, blob);
        hsi_store_bind(q, "ITiiRRRRRRRRRB", *frun, hs_cmtable_unit(j->t, c / nl), e->lead,
                       e->month_id, e->q[0], e->q[1], e->q[2], e->q[3], e->q[4], e->p_ge1,
                       e->p_ge25, e->p_ge1000, e->mean_ln1p, blob, (int)bl);
        st = hsi_store_step(db, q, "cannot record a forecast", err);
    }
    sqlite3_finalize(q);
    q = NULL;
    hsi_free(ctx, blob);
    hsi_free(ctx, xs);
    if (!st)
        st = hsi_store_prep(
            db,
            "INSERT INTO forecast_reason(frun, iso3, term, deaths, contrib, trend, p) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &q, err);
    for (size_t u = 0; !st && u < f->nunit; u++) {
        const hs_fc_explain *x = &j->ex[u];
        if (!(x->p >= FC_EXPLAIN_MIN)) continue;
        for (int t = 0; !st && t < HS_FC_NTERM; t++) {
            hsi_store_bind(q, "ITiRRRR", *frun, hs_cmtable_unit(j->t, u), t, x->deaths[t],
                           x->contrib[t], x->trend, x->p);
            st = hsi_store_step(db, q, "cannot record a reason", err);
        }
    }
    sqlite3_finalize(q);
    return st;
}

/* The onset alerts of a run (docs/warning.md, "Onset alerts from the forecast"): a country
 * below 25 deaths in each of its last 3 months whose P(>= 25 within 3 months) reaches the
 * threshold; an onset when its last 6 months were all below 25 (and known), else a
 * continuation. */
static hs_status fc_put_alerts(hs_store *db, int64_t frun, const hsi_fc_job *j, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_store_prep(db,
                                  "INSERT INTO forecast_alert(frun, iso3, p, threshold, kind, "
                                  "last_deaths) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                  &q, err);
    int m0 = hs_cmtable_first_month(j->t);
    size_t nm = (size_t)(hs_cmtable_last_month(j->t) - m0) + 1, nl = (size_t)j->f->nlead;
    size_t org = (size_t)(j->f->origin - m0);
    const double *y = hs_cmtable_values(j->t);
    for (size_t u = 0; !st && u < hs_cmtable_nunits(j->t); u++) {
        const double *yu = &y[u * nm];
        double p = hs_fc_p25_within(&j->f->cell[u * nl], 3);
        if (!(p >= HS_ONSET_THRESHOLD)) continue;
        int quiet6;
        if (!hsi_onset_quiet(yu, org, &quiet6)) continue;
        hsi_store_bind(q, "ITRRTR", frun, hs_cmtable_unit(j->t, u), p, (double)HS_ONSET_THRESHOLD,
                       quiet6 ? "onset" : "continuation", yu[org]);
        st = hsi_store_step(db, q, "cannot record an onset alert", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* The stored country-month, NaN when unknown. */
static double fc_cm(sqlite3_stmt *q, const char *iso3, int month)
{
    sqlite3_reset(q);
    hsi_store_bind(q, "Ti", iso3, month);
    double v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : (double)NAN;
    sqlite3_reset(q);
    return v;
}

hs_status hsi_fc_score_new(hs_ctx *ctx, hs_store *db, size_t *nscored, hs_error *err)
{
    *nscored = 0;
    sqlite3_stmt *q = NULL, *cm = NULL, *ins = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "SELECT f.frun, f.iso3, f.lead, f.month_id, f.p_ge25, f.draws, "
                       "r.origin, r.samples, c.deaths FROM forecast f JOIN forecast_run r "
                       "ON r.id = f.frun JOIN cm_month c ON c.iso3 = f.iso3 AND "
                       "c.month_id = f.month_id WHERE NOT EXISTS (SELECT 1 FROM "
                       "forecast_score s WHERE s.frun = f.frun AND s.iso3 = f.iso3 AND "
                       "s.lead = f.lead)",
                       &q, err);
    if (!st)
        st = hsi_store_prep(db, "SELECT deaths FROM cm_month WHERE iso3 = ?1 AND month_id = ?2",
                            &cm, err);
    if (!st)
        st =
            hsi_store_prep(db,
                           "INSERT INTO forecast_score(frun, iso3, lead, month_id, observed, crps, "
                           "brier_25, crps_conflictology, brier_conflictology, crps_no_change, "
                           "brier_no_change, scored_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                           "?10, ?11, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           &ins, err);
    double *xs = NULL;
    size_t cap = 0;
    while (!st) {
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            st = hsi_store_err(db, err, "cannot read the forecasts to score");
            break;
        }
        size_t M = (size_t)sqlite3_column_int64(q, 7);
        if (M > cap) {
            hsi_free(ctx, xs);
            xs = hsi_malloc(ctx, M * sizeof *xs);
            cap = xs ? M : 0;
            if (!xs) {
                st = hsi_err_nomem(err);
                break;
            }
        }
        const unsigned char *b = sqlite3_column_blob(q, 5);
        size_t n = fc_decode(b, (size_t)sqlite3_column_bytes(q, 5), xs, cap);
        if (n != M) {
            st = hsi_err(err, HS_ERR_SCHEMA, hsi_store_path(db), 0, 0,
                         "a stored forecast's draws are damaged (run %lld)",
                         (long long)sqlite3_column_int64(q, 0));
            break;
        }
        char iso3[8];
        hsi_store_text(q, 1, iso3, sizeof iso3);
        int origin = sqlite3_column_int(q, 6);
        double y = sqlite3_column_double(q, 8), p25 = sqlite3_column_double(q, 4);
        double obs = y >= 25 ? 1 : 0;
        /* the baselines from the months to the origin as the store has them now */
        double conf[12], roll = 0, last = fc_cm(cm, iso3, origin);
        int ok = 1;
        for (int k = 0; k < 12; k++) {
            conf[k] = fc_cm(cm, iso3, origin - 11 + k);
            if (isnan(conf[k])) ok = 0;
            roll += conf[k] >= 25 ? 1.0 / 12 : 0;
        }
        if (ok) qsort(conf, 12, sizeof conf[0], hsi_dbl_cmp); /* the ensemble, sorted */
        hsi_store_bind(ins, "ITiiRRRRRRR", (int64_t)sqlite3_column_int64(q, 0), iso3,
                       sqlite3_column_int(q, 2), sqlite3_column_int(q, 3), y,
                       hs_metric_crps_ensemble(xs, M, y), (p25 - obs) * (p25 - obs),
                       ok ? hs_metric_crps_ensemble(conf, 12, y) : (double)NAN,
                       ok ? (roll - obs) * (roll - obs) : (double)NAN, fabs(last - y),
                       isnan(last) ? (double)NAN : ((last >= 25) - obs) * ((last >= 25) - obs));
        st = hsi_store_step(db, ins, "cannot record a score", err);
        if (!st) (*nscored)++;
    }
    hsi_free(ctx, xs);
    sqlite3_finalize(ins);
    sqlite3_finalize(cm);
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_fc_put(hs_ctx *ctx, hs_store *db, int64_t run, const hsi_fc_job *j, int64_t *frun,
                     size_t *nscored, hs_error *err)
{
    hs_status st = fc_put_table(db, j, err);
    if (!st) st = fc_put_run(ctx, db, run, j, frun, err);
    if (!st && *frun) st = fc_put_alerts(db, *frun, j, err);
    if (!st) st = hsi_fc_score_new(ctx, db, nscored, err);
    return st;
}

/* ---- typed reads for the API --------------------------------------------------------- */

static void fc_fill_row(sqlite3_stmt *q, void *e)
{
    hsi_fc_row *w = e;
    hsi_store_text(q, 0, w->iso3, sizeof w->iso3);
    w->c.lead = sqlite3_column_int(q, 1);
    w->c.month_id = sqlite3_column_int(q, 2);
    for (int k = 0; k < 5; k++)
        w->c.q[k] = sqlite3_column_double(q, 3 + k);
    w->c.p_ge1 = sqlite3_column_double(q, 8);
    w->c.p_ge25 = sqlite3_column_double(q, 9);
    w->c.p_ge1000 = sqlite3_column_double(q, 10);
    w->c.mean_ln1p = sqlite3_column_double(q, 11);
}

static void fc_fill_score(sqlite3_stmt *q, void *e)
{
    hsi_fc_score *w = e;
    w->key = sqlite3_column_int(q, 0);
    w->n = (long)sqlite3_column_int64(q, 1);
    for (int k = 0; k < 6; k++)
        w->v[k] = sqlite3_column_double(q, 2 + k);
}

static void fc_fill_alert(sqlite3_stmt *q, void *e)
{
    hsi_fc_alert *w = e;
    const char *k = (const char *)sqlite3_column_text(q, 3);
    hsi_store_text(q, 0, w->iso3, sizeof w->iso3);
    w->p = sqlite3_column_double(q, 1);
    w->threshold = sqlite3_column_double(q, 2);
    w->onset = k && !strcmp(k, "onset");
    w->last = sqlite3_column_double(q, 4);
}

int hsi_fc_run_find(hs_store *db, int origin, int before, hsi_fc_run *r)
{
    memset(r, 0, sizeof *r);
    sqlite3_stmt *q = NULL;
    const char *sql = before ? "SELECT id, origin, created_at, model, version, sources, params, "
                               "nlead, samples FROM forecast_run WHERE origin < ?1 ORDER BY "
                               "origin DESC, id DESC LIMIT 1"
                             : "SELECT id, origin, created_at, model, version, sources, params, "
                               "nlead, samples FROM forecast_run WHERE ?1 = 0 OR origin = ?1 "
                               "ORDER BY id DESC LIMIT 1";
    int found = hsi_store_row(db, &q, sql, "i", origin);
    if (found == 1) {
        r->id = sqlite3_column_int64(q, 0);
        r->origin = sqlite3_column_int(q, 1);
        hsi_store_text(q, 2, r->created, sizeof r->created);
        hsi_store_text(q, 3, r->model, sizeof r->model);
        hsi_store_text(q, 4, r->version, sizeof r->version);
        const char *s = (const char *)sqlite3_column_text(q, 5);
        snprintf(r->sources, sizeof r->sources, "%s", s ? s : "[]");
        s = (const char *)sqlite3_column_text(q, 6);
        snprintf(r->params, sizeof r->params, "%s", s ? s : "{}");
        r->nlead = sqlite3_column_int(q, 7);
        r->samples = sqlite3_column_int(q, 8);
    }
    sqlite3_finalize(q);
    return found;
}

static const char *const fc_rows_sql =
    "SELECT iso3, lead, month_id, q05, q25, q50, q75, q95, p_ge1, p_ge25, p_ge1000, mean_ln1p "
    "FROM forecast WHERE frun = ?1 AND (?2 IS NULL OR iso3 = ?2) AND lead <= ?3 ORDER BY "
    "iso3, lead";

hs_status hsi_fc_rows(hs_ctx *ctx, hs_store *db, int64_t frun, const char *iso3, int maxlead,
                      hsi_fc_row **out, size_t *n, hs_error *err)
{
    void *rows = NULL;
    hs_status st = hsi_store_list(ctx, db, sizeof **out, fc_fill_row, "cannot read the forecasts",
                                  &rows, n, err, fc_rows_sql, "ITi", frun, iso3, maxlead);
    *out = rows;
    return st;
}

int hsi_fc_reason(hs_store *db, int64_t frun, const char *iso3, hs_fc_explain *x)
{
    memset(x, 0, sizeof *x);
    sqlite3_stmt *q = NULL;
    int row = hsi_store_row(db, &q,
                            "SELECT term, deaths, contrib, trend, p FROM forecast_reason WHERE "
                            "frun = ?1 AND iso3 = ?2",
                            "IT", frun, iso3);
    if (!q) return -1; /* not prepared */
    int found = 0;
    for (; row == 1; row = sqlite3_step(q) == SQLITE_ROW) {
        int t = sqlite3_column_int(q, 0);
        if (t < 0 || t >= HS_FC_NTERM) continue;
        x->deaths[t] = sqlite3_column_double(q, 1);
        x->contrib[t] = sqlite3_column_double(q, 2);
        x->trend = sqlite3_column_double(q, 3);
        x->p = sqlite3_column_double(q, 4);
        found = 1;
    }
    sqlite3_finalize(q);
    return found;
}

int hsi_cm_coverage(hs_store *db, int *first, int *last)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (hsi_store_row(db, &q,
                      "SELECT first_month, last_month FROM cm_source WHERE name = 'ucdp_cm'",
                      "") == 1) {
        *first = sqlite3_column_int(q, 0);
        *last = sqlite3_column_int(q, 1);
        found = 1;
    }
    sqlite3_finalize(q);
    return found;
}

hs_status hsi_cm_series(hs_store *db, const char *iso3, int from, int to, double *deaths,
                        hs_error *err)
{
    for (int m = from; m <= to; m++)
        deaths[m - from] = NAN;
    sqlite3_stmt *q = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "SELECT month_id, deaths FROM cm_month WHERE iso3 = ?1 AND month_id "
                       "BETWEEN ?2 AND ?3",
                       &q, err);
    if (!st) {
        hsi_store_bind(q, "Tii", iso3, from, to);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
            deaths[sqlite3_column_int(q, 0) - from] = sqlite3_column_double(q, 1);
        if (rc != SQLITE_DONE) st = hsi_store_err(db, err, "cannot read the country-months");
    }
    sqlite3_finalize(q);
    return st;
}

/* The online evaluation per lead or per month forecast (key), on the same country-months for
 * every model: those where each baseline is known. */
#define FC_SCORE_SQL(key)                                                                          \
    "SELECT " key ", count(*), avg(crps), avg(brier_25), avg(crps_conflictology), "                \
    "avg(brier_conflictology), avg(crps_no_change), avg(brier_no_change) FROM forecast_score "     \
    "WHERE crps_conflictology IS NOT NULL AND crps_no_change IS NOT NULL GROUP BY " key            \
    " ORDER BY " key

hs_status hsi_fc_score_table(hs_ctx *ctx, hs_store *db, int by_month, hsi_fc_score **out, size_t *n,
                             hs_error *err)
{
    void *rows = NULL;
    hs_status st =
        hsi_store_list(ctx, db, sizeof **out, fc_fill_score, "cannot read the scores", &rows, n,
                       err, by_month ? FC_SCORE_SQL("month_id") : FC_SCORE_SQL("lead"), "");
    *out = rows;
    return st;
}

int hsi_store_unit_name(hs_store *db, const char *code, char *name, size_t n)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    name[0] = 0;
    /* a country of the indices, or one the country-month table holds */
    if (hsi_store_row(db, &q,
                      "SELECT name FROM unit WHERE code = ?1 UNION ALL SELECT NULL FROM "
                      "cm_month WHERE iso3 = ?1 LIMIT 1",
                      "T", code) == 1) {
        const char *s = (const char *)sqlite3_column_text(q, 0);
        snprintf(name, n, "%s", s ? s : code);
        found = 1;
    }
    sqlite3_finalize(q);
    return found;
}

hs_status hs_store_forecast(hs_ctx *ctx, hs_store *db, const char *table, const hs_geo *geo,
                            const hs_cmtable_opts *to, const hs_analog_opts *ao,
                            hs_store_fc_info *info, hs_error *err)
{
    hsi_fc_job j;
    if (info) memset(info, 0, sizeof *info);
    hs_status st = hsi_fc_compute(ctx, table, table, geo, to, ao, &j, err);
    if (st) return st;
    int64_t frun = 0;
    size_t scored = 0;
    int origin = j.f ? j.f->origin : 0;
    st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (!st) st = hsi_fc_put(ctx, db, 0, &j, &frun, &scored, err);
    if (!st) {
        char obj[32], det[128];
        snprintf(obj, sizeof obj, "forecast run %lld", (long long)frun);
        snprintf(det, sizeof det, "origin month %d, %zu stored forecasts scored", origin, scored);
        st = hsi_store_audit(db, "local", "forecast.done", frun ? obj : "forecast (unchanged)", det,
                             err);
    }
    st = hsi_store_end(db, st, err);
    if (!st && info) {
        info->run = (long)frun;
        info->scored = scored;
        info->origin = origin;
        info->units = hs_cmtable_nunits(j.t);
    }
    hsi_fc_job_free(ctx, &j);
    return st;
}

hs_status hsi_fc_alerts(hs_ctx *ctx, hs_store *db, int64_t frun, hsi_fc_alert **out, size_t *n,
                        hs_error *err)
{
    void *rows = NULL;
    hs_status st = hsi_store_list(
        ctx, db, sizeof **out, fc_fill_alert, "cannot read the onset alerts", &rows, n, err,
        "SELECT iso3, p, threshold, kind, last_deaths FROM forecast_alert "
        "WHERE frun = ?1 ORDER BY kind DESC, p DESC, iso3",
        "I", frun);
    *out = rows;
    return st;
}
