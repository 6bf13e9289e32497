/*
 * api_forecast.c - the forecast routes of the JSON API (docs/server.md, docs/openapi.yaml):
 * GET /api/v1/forecasts (one country's distribution per lead, with its recent history),
 * /watchlist (countries ranked by P(>= 25 deaths within N months), with the change since
 * the previous run and the model terms behind each) and /forecasts/scores (the online
 * evaluation). The store's typed reads give the rows (src/store/forecasts.c); this file
 * only checks the parameters and writes JSON.
 */
#include "api_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FC_HISTORY   36 /* months of history before the origin, for the fan chart */
#define FC_MAX_WATCH 300

static json_t *fc_num(double v, double scale)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(round(v * scale) / scale);
}

static json_t *fc_month_json(int id)
{
    char m[32];
    hs_month_format(id, m);
    return json_string(m);
}

static json_t *fc_run_json(const hsi_fc_run *r)
{
    json_error_t e;
    json_t *src = json_loads(r->sources, 0, &e), *par = json_loads(r->params, 0, &e);
    json_t *ms = json_array();
    for (size_t i = 0; src && i < json_array_size(src); i++) {
        json_t *s = json_array_get(src, i);
        json_t *f = json_object_get(s, "first_month"), *l = json_object_get(s, "last_month");
        json_t *c =
            json_pack("{s:O, s:O, s:O, s:o, s:o}", "name", json_object_get(s, "name"), "file",
                      json_object_get(s, "file"), "sha256", json_object_get(s, "sha256"),
                      "first_month", fc_month_json((int)json_integer_value(f)), "last_month",
                      fc_month_json((int)json_integer_value(l)));
        if (c) json_array_append_new(ms, c);
    }
    json_decref(src);
    return json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:i, s:i}", "id", (json_int_t)r->id,
                     "origin", fc_month_json(r->origin), "created", r->created, "model", r->model,
                     "version", r->version, "sources", ms, "params", par ? par : json_object(),
                     "leads", r->nlead, "samples", r->samples);
}

/* A country code as the routes take it: three capital letters. */
static int fc_code_ok(const char *c)
{
    return c && strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
           isupper((unsigned char)c[2]);
}

static int fc_no_run(hs_store *db, int origin, hsi_fc_run *run, hs_http_response *r)
{
    int f = hsi_fc_run_find(db, origin, 0, run);
    if (f < 0) {
        hsi_api_err(r, 500, "internal", "cannot read the forecast runs");
        return 1;
    }
    if (f == 0) {
        char m[32];
        hs_month_format(origin, m);
        if (origin)
            hsi_api_err(r, 404, "not_found",
                        "no forecast run from origin %s (GET /api/v1/watchlist names the "
                        "latest)",
                        m);
        else
            hsi_api_err(r, 404, "not_found",
                        "the store holds no forecast run yet: `humsec run` or POST "
                        "/api/v1/runs makes one");
        return 1;
    }
    return 0;
}

static void fc_forecasts(hs_store *db, const char *country, const char *origin, hs_http_response *r)
{
    int org = 0;
    if (!country || !*country) {
        hsi_api_err(r, 400, "bad_request",
                    "country is required: an ISO 3166-1 alpha-3 code, e.g. ?country=SYR");
        return;
    }
    if (!fc_code_ok(country)) {
        hsi_api_err(r, 400, "bad_request",
                    "country '%.64s': expected an ISO 3166-1 alpha-3 code (three capitals)",
                    country);
        return;
    }
    if (origin && hs_month_parse(origin, &org) != 0) {
        hsi_api_err(r, 400, "bad_request", "origin '%.64s' is not a month: expected YYYY-MM",
                    origin);
        return;
    }
    char name[256];
    if (!hsi_store_unit_name(db, country, name, sizeof name)) {
        hsi_api_err(r, 404, "not_found",
                    "no country '%.64s': expected a code from GET /api/v1/countries", country);
        return;
    }
    hsi_fc_run run;
    if (fc_no_run(db, org, &run, r)) return;
    hsi_fc_row *rows = NULL;
    size_t n = 0;
    hs_error err;
    double hist[FC_HISTORY];
    if (hsi_fc_rows(NULL, db, run.id, country, run.nlead, &rows, &n, &err) != HS_OK ||
        hsi_cm_series(db, country, run.origin - FC_HISTORY + 1, run.origin, hist, &err) != HS_OK) {
        hsi_api_err(r, 500, "internal", "%s", err.msg);
        free(rows);
        return;
    }
    json_t *leads = json_array(), *history = json_array(), *within = json_array();
    hs_fc_cell cells[120];
    for (size_t i = 0; i < n && i < 120; i++) {
        const hs_fc_cell *c = &rows[i].c;
        cells[i] = *c;
        json_array_append_new(
            leads,
            json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "lead", c->lead,
                      "month", fc_month_json(c->month_id), "q05", fc_num(c->q[0], 10), "q25",
                      fc_num(c->q[1], 10), "q50", fc_num(c->q[2], 10), "q75", fc_num(c->q[3], 10),
                      "q95", fc_num(c->q[4], 10), "p_ge1", fc_num(c->p_ge1, 1e4), "p_ge25",
                      fc_num(c->p_ge25, 1e4), "p_ge1000", fc_num(c->p_ge1000, 1e4)));
    }
    static const int horizons[] = {3, 6, 12};
    for (size_t k = 0; k < sizeof horizons / sizeof horizons[0]; k++)
        if ((size_t)horizons[k] <= n)
            json_array_append_new(within,
                                  json_pack("{s:i, s:o}", "months", horizons[k], "p_ge25",
                                            fc_num(hs_fc_p25_within(cells, horizons[k]), 1e4)));
    for (int k = 0; k < FC_HISTORY; k++)
        json_array_append_new(history, json_pack("{s:o, s:o}", "month",
                                                 fc_month_json(run.origin - FC_HISTORY + 1 + k),
                                                 "deaths", fc_num(hist[k], 1)));
    int first = 0, last = 0;
    json_t *cov =
        hsi_cm_coverage(db, &first, &last)
            ? json_pack("{s:o, s:o}", "first", fc_month_json(first), "last", fc_month_json(last))
            : json_null();
    free(rows);
    hsi_api_json(r, 200,
                 json_pack("{s:{s:s, s:s}, s:o, s:o, s:o, s:o, s:o}", "country", "code", country,
                           "name", name, "run", fc_run_json(&run), "coverage", cov, "history",
                           history, "leads", leads, "within", within));
}

/* ---- the watchlist ---------------------------------------------------------------------- */

typedef struct fc_watch {
    char iso3[8];
    double p, prev;
    double level; /* mean ln(1 + deaths) over the months: orders the ties of p (at 1 often) */
} fc_watch;

static int fc_watch_cmp(const void *a, const void *b)
{
    const fc_watch *x = a, *y = b;
    /* by the probability to a tenth of a point (1 - 1e-9 is not a reason to rank a country
     * above one at 1), then by the deaths expected */
    double px = round(x->p * 1000), py = round(y->p * 1000);
    if (px != py) return px < py ? 1 : -1;
    if (x->level != y->level) return x->level < y->level ? 1 : -1;
    return strcmp(x->iso3, y->iso3);
}

/* P(>= 25 within months) per country of a run, in the rows' (code) order. */
static fc_watch *fc_within_all(hs_store *db, int64_t frun, int months, size_t *nw)
{
    hsi_fc_row *rows = NULL;
    size_t n = 0;
    hs_error err;
    *nw = 0;
    if (hsi_fc_rows(NULL, db, frun, NULL, months, &rows, &n, &err) != HS_OK) return NULL;
    fc_watch *w = malloc((n ? n : 1) * sizeof *w);
    hs_fc_cell cells[12];
    for (size_t i = 0; w && i < n;) {
        size_t k = i, m = 0;
        double level = 0;
        while (k < n && !strcmp(rows[k].iso3, rows[i].iso3)) {
            level += rows[k].c.mean_ln1p;
            if (m < 12) cells[m++] = rows[k].c;
            k++;
        }
        if ((int)m == months) {
            fc_watch *e = &w[(*nw)++];
            snprintf(e->iso3, sizeof e->iso3, "%s", rows[i].iso3);
            e->p = hs_fc_p25_within(cells, months);
            e->prev = NAN;
            e->level = level / (double)m;
        }
        i = k;
    }
    free(rows);
    return w;
}

static json_t *fc_reasons(hs_store *db, int64_t frun, const char *iso3)
{
    hs_fc_explain x;
    json_t *a = json_array();
    if (hsi_fc_reason(db, frun, iso3, &x) != 1) return a;
    static const char *const names[HS_FC_NTERM] = {"recent", "earlier", "own_history"};
    int order[HS_FC_NTERM] = {0, 1, 2};
    for (int i = 0; i < HS_FC_NTERM; i++) /* by the size of the contribution */
        for (int j = i + 1; j < HS_FC_NTERM; j++)
            if (fabs(x.contrib[order[j]]) > fabs(x.contrib[order[i]])) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    for (int i = 0; i < HS_FC_NTERM; i++) {
        int t = order[i];
        double c = x.contrib[t], d = x.deaths[t];
        if (fabs(c) < 0.005) continue; /* under half a point: not a reason */
        char text[256], what[160];
        if (t == HS_FC_TERM_RECENT) {
            if (x.trend > 0)
                snprintf(what, sizeof what, "deaths rising for 3 months (%.0f in the last 3)", d);
            else if (x.trend < 0)
                snprintf(what, sizeof what, "deaths falling for 3 months (%.0f in the last 3)", d);
            else
                snprintf(what, sizeof what, "%.0f deaths in the last 3 months", d);
        } else if (t == HS_FC_TERM_EARLIER) {
            snprintf(what, sizeof what, "%.0f deaths 4 to 12 months ago", d);
        } else {
            snprintf(what, sizeof what, "%.0f of its last 24 months at 25 deaths or more", d);
        }
        snprintf(text, sizeof text, "%s (%+.1f points)", what, c * 100);
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o}", "term", names[t], "text", text,
                                           "contribution", fc_num(c, 1e4), "deaths", fc_num(d, 1)));
    }
    return a;
}

static void fc_watchlist(hs_store *db, const char *months, const char *limit, hs_http_response *r)
{
    long nm = 3, lim = 30;
    if (months && hsi_api_long_parse(months, 1, 12, &nm) != 0) {
        hsi_api_err(r, 400, "bad_request", "months '%.64s': expected a whole number from 1 to 12",
                    months);
        return;
    }
    if (limit && hsi_api_long_parse(limit, 1, FC_MAX_WATCH, &lim) != 0) {
        hsi_api_err(r, 400, "bad_request", "limit '%.64s': expected a whole number from 1 to %d",
                    limit, FC_MAX_WATCH);
        return;
    }
    hsi_fc_run run, prev;
    if (fc_no_run(db, 0, &run, r)) return;
    if (nm > run.nlead) nm = run.nlead;
    int has_prev = hsi_fc_run_find(db, run.origin, 1, &prev) == 1;
    size_t n = 0, np = 0;
    fc_watch *w = fc_within_all(db, run.id, (int)nm, &n);
    fc_watch *pw = has_prev ? fc_within_all(db, prev.id, (int)nm, &np) : NULL;
    if (!w) {
        free(pw);
        hsi_api_err(r, 500, "internal", "cannot read the forecasts");
        return;
    }
    for (size_t i = 0, k = 0; pw && i < n; i++) { /* both in code order */
        while (k < np && strcmp(pw[k].iso3, w[i].iso3) < 0)
            k++;
        if (k < np && !strcmp(pw[k].iso3, w[i].iso3)) w[i].prev = pw[k].p;
    }
    qsort(w, n, sizeof *w, fc_watch_cmp);
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < (size_t)lim; i++) {
        char name[256];
        hsi_store_unit_name(db, w[i].iso3, name, sizeof name);
        json_array_append_new(
            list, json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o}", "rank", (int)i + 1, "code",
                            w[i].iso3, "name", name, "p_ge25", fc_num(w[i].p, 1e4), "p_previous",
                            fc_num(w[i].prev, 1e4), "change", fc_num(w[i].p - w[i].prev, 1e4),
                            "reasons", fc_reasons(db, run.id, w[i].iso3)));
    }
    json_t *pj = has_prev ? json_pack("{s:I, s:o}", "id", (json_int_t)prev.id, "origin",
                                      fc_month_json(prev.origin))
                          : json_null();
    free(w);
    free(pw);
    hsi_api_json(r, 200,
                 json_pack("{s:o, s:o, s:i, s:o, s:I}", "run", fc_run_json(&run), "previous", pj,
                           "months", (int)nm, "countries", list, "total", (json_int_t)n));
}

/* ---- the online evaluation ------------------------------------------------------------- */

static json_t *fc_score_rows(const hsi_fc_score *s, size_t n, int by_month)
{
    json_t *a = json_array();
    static const char *const models[3] = {"humsec", "conflictology", "no_change"};
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, by_month ? "month" : "lead",
                            by_month ? fc_month_json(s[i].key) : json_integer(s[i].key));
        json_object_set_new(o, "n", json_integer(s[i].n));
        for (int m = 0; m < 3; m++)
            json_object_set_new(o, models[m],
                                json_pack("{s:o, s:o}", "crps", fc_num(s[i].v[2 * (size_t)m], 1e6),
                                          "brier_25", fc_num(s[i].v[2 * (size_t)m + 1], 1e6)));
        json_array_append_new(a, o);
    }
    return a;
}

static void fc_scores(hs_store *db, hs_http_response *r)
{
    hsi_fc_score *bl = NULL, *bm = NULL;
    size_t nl = 0, nm = 0;
    hs_error err;
    if (hsi_fc_score_table(NULL, db, 0, &bl, &nl, &err) != HS_OK ||
        hsi_fc_score_table(NULL, db, 1, &bm, &nm, &err) != HS_OK) {
        free(bl);
        hsi_api_err(r, 500, "internal", "%s", err.msg);
        return;
    }
    long total = 0;
    for (size_t i = 0; i < nl; i++)
        total += bl[i].n;
    json_t *j = json_pack("{s:I, s:o, s:o}", "scored", (json_int_t)total, "by_lead",
                          fc_score_rows(bl, nl, 0), "by_month", fc_score_rows(bm, nm, 1));
    free(bl);
    free(bm);
    hsi_api_json(r, 200, j);
}

/* ---- onset alerts from the forecast ---------------------------------------------------- */

json_t *hsi_api_fc_warnings(hs_store *db, const char *country)
{
    hsi_fc_run run;
    if (hsi_fc_run_find(db, 0, 0, &run) != 1) return json_null();
    hsi_fc_alert *al = NULL;
    size_t n = 0;
    hs_error err;
    if (hsi_fc_alerts(NULL, db, run.id, &al, &n, &err) != HS_OK) return json_null();
    json_t *on = json_array(), *co = json_array();
    double th = n ? al[0].threshold : (double)NAN;
    for (size_t i = 0; i < n; i++) {
        if (country && strcmp(country, al[i].iso3)) continue;
        char name[256];
        hsi_store_unit_name(db, al[i].iso3, name, sizeof name);
        json_array_append_new(al[i].onset ? on : co,
                              json_pack("{s:s, s:s, s:o, s:o, s:s}", "country", al[i].iso3, "name",
                                        name, "p_ge25_3m", fc_num(al[i].p, 1e4), "last_deaths",
                                        fc_num(al[i].last, 1), "kind",
                                        al[i].onset ? "onset" : "continuation"));
    }
    free(al);
    return json_pack("{s:I, s:o, s:o, s:o, s:o}", "run", (json_int_t)run.id, "origin",
                     fc_month_json(run.origin), "threshold", fc_num(th, 1e4), "onsets", on,
                     "continuations", co);
}

const char *const hsi_api_forecasts_params[] = {"country", "origin", NULL};
const char *const hsi_api_watchlist_params[] = {"months", "limit", NULL};

void hsi_api_get_forecasts(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    fc_forecasts(a->db, hsi_api_param(c->p, "country"), hsi_api_param(c->p, "origin"), r);
}

void hsi_api_get_watchlist(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    fc_watchlist(a->db, hsi_api_param(c->p, "months"), hsi_api_param(c->p, "limit"), r);
}

void hsi_api_get_fc_scores(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    (void)c;
    fc_scores(a->db, r);
}
