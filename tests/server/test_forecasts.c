/*
 * test_forecasts.c - stored forecast runs, their online evaluation and the forecast routes
 * of the API (hs_api_handle as a function).
 *
 * The shipped UCDP country-month table is cut at 2023-09 (A) and kept whole to 2023-12 (B).
 * A forecast run stored from A, then B arriving, scores A's forecasts of 2023-10..12; those
 * scores must equal `humsec evaluate --table B --from 2023-09 --to 2023-09`'s (the library's
 * backtest, leads 1 and 3) for humsec, conflictology and no change. The routes: bad
 * parameters give 400 in JSON, an unknown country 404, the watchlist is ordered and its
 * change is against the previous run, and a country's forecast is the table's forecast.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "humsec_server.h"
#include "server/server_int.h"

/* A sink writing to a stdio stream. */
static hs_status file_write(void *ud, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) == len ? HS_OK : HS_ERR_IO;
}

#define TABLE HS_SOURCE_DIR "/data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv"

static char dir[256], path_a[300], path_b[300], dbpath[300];
static hs_store *db;
static hs_api *api;
static hs_geo *geo;
static hs_store_fc_info info1, info2, info3;

/* The shipped table from 2005-01, up to `last` ("YYYY-MM") inclusive. */
static int cut_table(const char *out, const char *last)
{
    FILE *in = fopen(TABLE, "r"), *o = fopen(out, "w");
    int bad = !in || !o;
    char line[1024];
    int first = 1;
    while (!bad && fgets(line, sizeof line, in)) {
        const char *p = strrchr(line, ','); /* the period is the last column */
        if (first || (p && strncmp(p + 1, "2005-01", 7) >= 0 && strncmp(p + 1, last, 7) <= 0))
            bad = fputs(line, o) < 0;
        first = 0;
    }
    if (in && fclose(in) != 0) bad = 1;
    if (o && fclose(o) != 0) bad = 1;
    return bad ? -1 : 0;
}

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/humsec-fc-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) return -1;
    snprintf(path_a, sizeof path_a, "%s/a.csv", dir);
    snprintf(path_b, sizeof path_b, "%s/b.csv", dir);
    snprintf(dbpath, sizeof dbpath, "%s/humsec.db", dir);
    if (cut_table(path_a, "2023-09") || cut_table(path_b, "2023-12")) return -1;
    hs_error err = {0};
    if (hs_geo_load(NULL, HS_SOURCE_DIR "/data/geo", &geo, &err) != HS_OK) return -1;
    if (hs_store_open(NULL, dbpath, &db, &err) != HS_OK) return -1;
    if (hs_store_forecast(NULL, db, path_a, geo, NULL, NULL, &info1, &err) != HS_OK ||
        hs_store_forecast(NULL, db, path_b, geo, NULL, NULL, &info2, &err) != HS_OK ||
        hs_store_forecast(NULL, db, path_b, geo, NULL, NULL, &info3, &err) != HS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    hs_api_opts ao;
    hs_api_opts_init(&ao);
    ao.root = HS_SOURCE_DIR;
    return hs_api_new(NULL, db, &ao, &api, &err) == HS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hs_api_free(api);
    hs_store_close(db);
    hs_geo_free(geo);
    const char *f[] = {"a.csv", "b.csv", "humsec.db", "humsec.db-wal", "humsec.db-shm"};
    char p[400];
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, f[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

/* GET path?query: the status, and the body parsed into *j (NULL when not JSON). */
static int get(const char *p, const char *query, json_t **j)
{
    hs_http_request req = {"GET", p, query, NULL, 0, NULL, 0, 0, 0};
    hs_http_response r;
    hs_api_handle(api, &req, &r);
    *j = json_loadb(r.body, r.body_len, 0, NULL);
    int st = r.status;
    hs_http_response_free(&r);
    return st;
}

static void expect_error(const char *p, const char *query, int status, const char *code)
{
    json_t *j = NULL;
    int st = get(p, query, &j);
    if (st != status) fail_msg("%s?%s: %d, expected %d", p, query ? query : "", st, status);
    assert_non_null(j);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    assert_int_equal(json_integer_value(json_object_get(e, "status")), status);
    json_decref(j);
}

/* The runs: A then B made two, B again none (same origin, data, model); B scored A's. */
static void test_runs(void **state)
{
    (void)state;
    assert_true(info1.run > 0);
    assert_true(info2.run > info1.run);
    assert_int_equal(info3.run, 0);
    assert_int_equal(info1.scored, 0);
    assert_true(info2.scored > 0);
    assert_int_equal(info3.scored, 0);
    assert_int_equal(info1.origin, (2023 - 1980) * 12 + 9);
    assert_int_equal(info2.origin, (2023 - 1980) * 12 + 12);
}

/* Online scores equal the backtest's on the same months, per lead and model. */
static void test_online_scores_equal_evaluate(void **state)
{
    (void)state;
    hs_error err;
    hs_cmtable *t = NULL;
    hs_cmtable_opts to;
    hs_cmtable_opts_init(&to);
    assert_int_equal(hs_cmtable_read(NULL, path_b, geo, &to, &t, &err), HS_OK);
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    ao.threads = 2;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    int org = (2023 - 1980) * 12 + 9;
    hs_sink out;
    hs_sink_init(&out, file_write, fp);
    assert_int_equal(hs_cmtable_backtest_write(NULL, t, &ao, org, org, &out, NULL, &err), HS_OK);
    assert_int_equal(fclose(fp), 0);
    hs_cmtable_free(t);

    json_t *j = NULL;
    assert_int_equal(get("/api/v1/forecasts/scores", NULL, &j), 200);
    json_t *bl = json_object_get(j, "by_lead");
    assert_int_equal(json_array_size(bl), 3); /* 2023-10..12 of the run from 2023-09 */
    int checked = 0;
    char *save = NULL;
    (void)strtok_r(buf, "\n", &save); /* the header: lead,model,n,positives,crps,brier_25 */
    char *line;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *f[6] = {line, line, line, line, line, line}, *fs = NULL;
        int nf = 0;
        for (char *c = strtok_r(line, ",", &fs); c && nf < 6; c = strtok_r(NULL, ",", &fs))
            f[nf++] = c;
        assert_int_equal(nf, 6);
        long lead = strtol(f[0], NULL, 10), n = strtol(f[2], NULL, 10);
        const char *model = f[1];
        if (lead > 3 || !strcmp(model, "rolling_mean_12")) continue; /* not covered: NA */
        double crps = strtod(f[4], NULL), brier = strtod(f[5], NULL);
        json_t *row = json_array_get(bl, (size_t)lead - 1);
        assert_int_equal(json_integer_value(json_object_get(row, "lead")), lead);
        assert_int_equal(json_integer_value(json_object_get(row, "n")), n);
        json_t *m = json_object_get(row, model);
        assert_non_null(m);
        double c = json_real_value(json_object_get(m, "crps"));
        double b = json_real_value(json_object_get(m, "brier_25"));
        /* the API rounds to 1e-6; the means are summed in another order */
        if (fabs(c - crps) > 1e-6 * (1 + fabs(crps)) || fabs(b - brier) > 1e-6)
            fail_msg("lead %d %s: stored CRPS %.9g Brier %.9g, evaluate %.9g %.9g", lead, model, c,
                     b, crps, brier);
        checked++;
    }
    assert_int_equal(checked, 6); /* leads 1 and 3, three models */
    json_decref(j);
    free(buf);
}

/* A country's forecast: 36 leads from the last covered month, the table's own forecast. */
static void test_forecast_route(void **state)
{
    (void)state;
    json_t *j = NULL;
    assert_int_equal(get("/api/v1/forecasts", "country=SYR", &j), 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "run"), "origin")),
                        "2023-12");
    json_t *leads = json_object_get(j, "leads");
    assert_int_equal(json_array_size(leads), 36);
    assert_int_equal(json_array_size(json_object_get(j, "history")), 36);
    assert_int_equal(json_array_size(json_object_get(j, "within")), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "coverage"), "last")),
                        "2023-12");
    /* the same numbers as the library's forecast of table B */
    hs_error err;
    hs_cmtable *t = NULL;
    hs_cmtable_opts to;
    hs_cmtable_opts_init(&to);
    hs_cmforecast *f = NULL;
    assert_int_equal(hs_cmtable_read(NULL, path_b, geo, &to, &t, &err), HS_OK);
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    assert_int_equal(hs_cmtable_forecast(NULL, t, &ao, 0, 36, &f, &err), HS_OK);
    size_t u = 0;
    while (u < hs_cmtable_nunits(t) && strcmp(hs_cmtable_unit(t, u), "SYR"))
        u++;
    assert_true(u < hs_cmtable_nunits(t));
    for (size_t h = 0; h < 36; h++) {
        const hs_fc_cell *c = &f->cell[u * 36 + h];
        json_t *l = json_array_get(leads, h);
        assert_int_equal(json_integer_value(json_object_get(l, "lead")), c->lead);
        assert_true(fabs(json_real_value(json_object_get(l, "q50")) - c->q[2]) < 1e-9);
        assert_true(fabs(json_real_value(json_object_get(l, "q95")) - c->q[4]) < 1e-9);
        assert_true(fabs(json_real_value(json_object_get(l, "p_ge25")) - c->p_ge25) < 1e-4);
    }
    hs_cmforecast_free(NULL, f);
    hs_cmtable_free(t);
    json_decref(j);
    /* an older run by its origin */
    assert_int_equal(get("/api/v1/forecasts", "country=SYR&origin=2023-09", &j), 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "run"), "origin")),
                        "2023-09");
    json_decref(j);
}

static void test_watchlist_route(void **state)
{
    (void)state;
    json_t *j = NULL;
    assert_int_equal(get("/api/v1/watchlist", "limit=300", &j), 200);
    json_t *cs = json_object_get(j, "countries");
    assert_true(json_array_size(cs) > 150);
    assert_int_equal(json_integer_value(json_object_get(j, "months")), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "previous"), "origin")), "2023-09");
    double last = 2;
    int reasons = 0;
    for (size_t i = 0; i < json_array_size(cs); i++) {
        json_t *c = json_array_get(cs, i);
        double p = json_real_value(json_object_get(c, "p_ge25"));
        assert_true(round(p * 1000) <= round(last * 1000)); /* as shown, to a tenth of a point */
        last = p;
        assert_int_equal(json_integer_value(json_object_get(c, "rank")), (json_int_t)i + 1);
        json_t *pp = json_object_get(c, "p_previous"), *ch = json_object_get(c, "change");
        if (json_is_real(pp))
            assert_true(fabs(json_real_value(ch) - (p - json_real_value(pp))) < 2e-4);
        reasons += (int)json_array_size(json_object_get(c, "reasons"));
    }
    assert_true(reasons > 0);
    json_decref(j);
    assert_int_equal(get("/api/v1/watchlist", "months=12&limit=5", &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "countries")), 5);
    json_decref(j);
}

/* The onset alerts of the latest run, in GET /api/v1/alerts: onsets apart from
 * continuations, each at or above its threshold. */
static void test_warnings(void **state)
{
    (void)state;
    json_t *j = NULL;
    assert_int_equal(get("/api/v1/alerts", NULL, &j), 200);
    json_t *w = json_object_get(j, "warnings");
    assert_string_equal(json_string_value(json_object_get(w, "origin")), "2023-12");
    double th = json_real_value(json_object_get(w, "threshold"));
    assert_true(th > 0 && th < 1);
    const char *kinds[2] = {"onsets", "continuations"}, *kind[2] = {"onset", "continuation"};
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(w, kinds[k]);
        for (size_t i = 0; i < json_array_size(a); i++, n++) {
            json_t *x = json_array_get(a, i);
            assert_string_equal(json_string_value(json_object_get(x, "kind")), kind[k]);
            assert_true(json_real_value(json_object_get(x, "p_ge25_3m")) >= th - 1e-4);
            assert_true(json_real_value(json_object_get(x, "last_deaths")) < 25);
        }
    }
    assert_true(n > 0);
    json_decref(j);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    expect_error("/api/v1/forecasts", NULL, 400, "bad_request");
    expect_error("/api/v1/forecasts", "country=syr", 400, "bad_request");
    expect_error("/api/v1/forecasts", "country=SYRIA", 400, "bad_request");
    expect_error("/api/v1/forecasts", "country=SYR&origin=2023-13", 400, "bad_request");
    expect_error("/api/v1/forecasts", "country=ZZZ", 404, "not_found");
    expect_error("/api/v1/forecasts", "country=SYR&origin=2001-01", 404, "not_found");
    expect_error("/api/v1/watchlist", "months=0", 400, "bad_request");
    expect_error("/api/v1/watchlist", "months=13", 400, "bad_request");
    expect_error("/api/v1/watchlist", "months=x", 400, "bad_request");
    expect_error("/api/v1/watchlist", "limit=0", 400, "bad_request");
    expect_error("/api/v1/watchlist", "limit=301", 400, "bad_request");
    hs_http_request req = {"POST", "/api/v1/watchlist", NULL, NULL, 0, NULL, 0, 0, 0};
    hs_http_response r;
    hs_api_handle(api, &req, &r);
    assert_int_equal(r.status, 405);
    hs_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs),           cmocka_unit_test(test_online_scores_equal_evaluate),
        cmocka_unit_test(test_forecast_route), cmocka_unit_test(test_watchlist_route),
        cmocka_unit_test(test_warnings),       cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
