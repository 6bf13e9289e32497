/*
 * reads_events.c - the store's typed reads of the event panels and the alerts for the JSON
 * API (reads_int.h). Every read is of the latest run that recorded event panels: an older
 * run's panel is not what the alerts were computed from.
 */
#include "reads_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

/* The latest run that recorded event panels; 0 when none. */
static hs_status rd_panel_run(hs_store *db, long long *run, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    int row = 0;
    hs_status st = hsi_rd_row(db, &q, &row, err, "SELECT max(run) FROM panel_month", "");
    *run = row ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return st;
}

/* Prepare sql, whose ?1 is the latest run that recorded event panels (*run): the caller
 * binds it with the rest. */
static hs_status rd_panel_prepare(hs_store *db, const char *sql, sqlite3_stmt **q, long long *run,
                                  hs_error *err)
{
    hs_status st = rd_panel_run(db, run, err);
    if (!st) st = hsi_rd_prepare(db, sql, q, err);
    return st;
}

/* The deaths of the 12 months to month m of panel unit `unit` as [{month, deaths}]. */
static hs_status rd_alert_series(hs_store *db, sqlite3_stmt *s, long long prun, long long unit,
                                 int m, json_t **out, hs_error *err)
{
    long long deaths[12] = {0};
    sqlite3_reset(s);
    hsi_store_bind(s, "IIii", (int64_t)prun, (int64_t)unit, m - 11, m);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int k = sqlite3_column_int(s, 0) - (m - 11);
        if (k >= 0 && k < 12) deaths[k] = sqlite3_column_int64(s, 1);
    }
    *out = json_array();
    for (int k = 0; k < 12; k++) {
        char mk[24];
        hs_month_format(m - 11 + k, mk);
        json_array_append_new(
            *out, json_pack("{s:s, s:I}", "month", mk, "deaths", (json_int_t)deaths[k]));
    }
    return hsi_rd_done(db, rc, err);
}

/* One alert row of the list query, with its series. */
static hs_status rd_alert_row(hs_store *db, sqlite3_stmt *q, sqlite3_stmt *s, long long prun,
                              json_t *arr, hs_error *err)
{
    int m = sqlite3_column_int(q, 2);
    char ms[24];
    hs_month_format(m, ms);
    json_t *ser = NULL;
    hs_status st = rd_alert_series(db, s, prun, sqlite3_column_int64(q, 7), m, &ser, err);
    json_t *name = sqlite3_column_type(q, 9) == SQLITE_NULL ? json_null() : hsi_rd_str(q, 9);
    json_array_append_new(
        arr, json_pack("{s:I, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
                       (json_int_t)sqlite3_column_int64(q, 0), "country", hsi_rd_str(q, 1), "name",
                       name, "month", ms, "method", hsi_rd_str(q, 3), "observed", hsi_rd_num(q, 4),
                       "expected", hsi_rd_num(q, 5), "p_value", hsi_rd_num(q, 6), "series", ser));
    return st;
}

hs_status hsi_rd_alerts(hs_store *db, const char *country, int since, long limit, json_t **out,
                        hs_error *err)
{
    *out = json_array();
    long long prun = 0;
    sqlite3_stmt *q = NULL, *s = NULL;
    hs_status st = rd_panel_prepare(
        db,
        "SELECT * FROM (SELECT a.rowid, (SELECT p.iso3 FROM panel_month p WHERE p.run = ?1 "
        "AND p.level = 'country' AND p.unit = a.unit LIMIT 1) AS iso, a.month_id, a.method, "
        "a.observed, a.expected, a.pvalue, a.unit FROM alert a WHERE a.level = 'country' AND "
        "a.month_id >= ?3) t LEFT JOIN unit u ON u.code = t.iso WHERE (?2 IS NULL OR t.iso "
        "= ?2) ORDER BY t.month_id DESC, t.iso LIMIT ?4",
        &q, &prun, err);
    if (!st)
        st = hsi_rd_prepare(db,
                            "SELECT month_id, deaths FROM panel_month WHERE run = ?1 AND level = "
                            "'country' AND unit = ?2 AND month_id BETWEEN ?3 AND ?4",
                            &s, err);
    if (!st) {
        hsi_store_bind(q, "ITiI", (int64_t)prun, country, since, (int64_t)limit);
        int rc = SQLITE_DONE;
        while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW)
            st = rd_alert_row(db, q, s, prun, *out, err);
        if (!st) st = hsi_rd_done(db, rc, err);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(s);
    return st;
}

hs_status hsi_rd_alert_total(hs_store *db, const char *country, int since, long long *n,
                             hs_error *err)
{
    long long prun = 0;
    sqlite3_stmt *q = NULL;
    int row = 0;
    hs_status st = rd_panel_run(db, &prun, err);
    if (!st)
        st = hsi_rd_row(db, &q, &row, err,
                        "SELECT count(*) FROM alert a WHERE a.level = 'country' AND "
                        "a.month_id >= ?3 AND (?2 IS NULL OR (SELECT p.iso3 FROM panel_month "
                        "p WHERE p.run = ?1 AND p.level = 'country' AND p.unit = a.unit "
                        "LIMIT 1) = ?2)",
                        "ITi", (int64_t)prun, country, since);
    *n = row ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_panel(hs_store *db, const hsi_rd_panel_q *pq, json_t **out, int *more,
                       hs_error *err)
{
    *out = json_array();
    *more = 0;
    int grid = !strcmp(pq->level, "grid");
    long long prun = 0;
    sqlite3_stmt *q = NULL;
    hs_status st =
        rd_panel_prepare(db,
                         "SELECT iso3, unit, month_id, events, deaths FROM panel_month WHERE "
                         "run = ?1 AND level = ?2 AND month_id BETWEEN ?3 AND ?4 AND (?5 IS "
                         "NULL OR iso3 = ?5) AND (?6 = 0 OR unit = ?6) ORDER BY unit, month_id",
                         &q, &prun, err);
    if (st) return st;
    hsi_store_bind(q, "ITiiTI", (int64_t)prun, pq->level, pq->from, pq->to,
                   grid ? NULL : pq->country, (int64_t)(grid ? pq->gid : 0));
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n++ == pq->limit) {
            *more = 1;
            rc = SQLITE_DONE;
            break;
        }
        char ms[24];
        hs_month_format(sqlite3_column_int(q, 2), ms);
        /* grid rows: a cell is not tied to one country, so country is null */
        json_t *row = json_pack("{s:o, s:s}", "country", hsi_rd_str(q, 0), "month", ms);
        if (grid) json_object_set_new(row, "gid", json_integer(sqlite3_column_int64(q, 1)));
        json_object_set_new(row, "events", json_integer(sqlite3_column_int64(q, 3)));
        json_object_set_new(row, "deaths", json_integer(sqlite3_column_int64(q, 4)));
        json_array_append_new(*out, row);
    }
    st = hsi_rd_done(db, rc, err);
    sqlite3_finalize(q);
    return st;
}

/* p (elements of size sz, cap of them) grown to hold one more than n: p itself, a new
 * block, or NULL (p left as it was) when memory is short. */
static void *rd_grow(void *p, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap) return p;
    size_t c = *cap ? *cap * 2 : 16;
    void *np = realloc(p, c * sz);
    if (np) *cap = c;
    return np;
}

/* The rows of `sql` (?1 the latest panel run, ?2 the country's ISO3), each put by fill into
 * a new element of *out (sz bytes each, *n of them). */
static hs_status rd_country_rows(hs_store *db, const char *sql, const char *iso3, size_t sz,
                                 void (*fill)(sqlite3_stmt *q, void *elem), void **out, size_t *n,
                                 hs_error *err)
{
    *out = NULL;
    *n = 0;
    long long prun = 0;
    sqlite3_stmt *q = NULL;
    hs_status st = rd_panel_prepare(db, sql, &q, &prun, err);
    if (st) return st;
    hsi_store_bind(q, "IT", (int64_t)prun, iso3);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        void *grown = rd_grow(*out, &cap, *n, sz);
        if (!grown) {
            st = hsi_err_nomem(err);
            break;
        }
        *out = grown;
        fill(q, (char *)grown + (*n)++ * sz);
    }
    if (!st) st = hsi_rd_done(db, rc, err);
    sqlite3_finalize(q);
    return st;
}

static void rd_fill_span(sqlite3_stmt *q, void *elem)
{
    hsi_rd_span *s = elem;
    s->first = sqlite3_column_int(q, 0);
    s->last = sqlite3_column_int(q, 1);
}

static void rd_fill_month(sqlite3_stmt *q, void *elem)
{
    hsi_rd_month *m = elem;
    m->month = sqlite3_column_int(q, 0);
    m->events = sqlite3_column_int64(q, 1);
    m->deaths = sqlite3_column_int64(q, 2);
}

hs_status hsi_rd_country_events(hs_store *db, const char *iso3, hsi_rd_span **spans, size_t *ns,
                                hsi_rd_month **months, size_t *nm, hs_error *err)
{
    void *sp = NULL, *mv = NULL;
    *nm = 0;
    hs_status st = rd_country_rows(db,
                                   "SELECT first_month, last_month FROM panel_coverage WHERE "
                                   "run = ?1 AND level = 'country' AND iso3 = ?2 ORDER BY "
                                   "first_month",
                                   iso3, sizeof **spans, rd_fill_span, &sp, ns, err);
    if (!st)
        st = rd_country_rows(db,
                             "SELECT month_id, sum(events), sum(deaths) FROM panel_month "
                             "WHERE run = ?1 AND level = 'country' AND iso3 = ?2 GROUP BY "
                             "month_id ORDER BY month_id",
                             iso3, sizeof **months, rd_fill_month, &mv, nm, err);
    *spans = sp;
    *months = mv;
    return st;
}
