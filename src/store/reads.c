/*
 * reads.c - the store's typed reads of the indices for the JSON API (reads_int.h): the
 * indices of the latest runs, their nodes, scores, ranks and method, and the helpers the
 * other read files share. Every statement is prepared with bound parameters; a statement
 * that cannot be prepared or stepped is an error, never an empty answer.
 */
#include "reads_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

static hs_status rd_fail(hs_store *db, hs_error *err)
{
    return hsi_err(err, HS_ERR_IO, hsi_store_path(db), 0, 0, "%s",
                   sqlite3_errmsg(hsi_store_db(db)));
}

hs_status hsi_rd_prepare(hs_store *db, const char *sql, sqlite3_stmt **q, hs_error *err)
{
    *q = NULL;
    if (sqlite3_prepare_v2(hsi_store_db(db), sql, -1, q, NULL) == SQLITE_OK) return HS_OK;
    return rd_fail(db, err);
}

hs_status hsi_rd_done(hs_store *db, int rc, hs_error *err)
{
    return rc == SQLITE_DONE ? HS_OK : rd_fail(db, err);
}

hs_status hsi_rd_step1(hs_store *db, sqlite3_stmt *q, int *row, hs_error *err)
{
    int rc = sqlite3_step(q);
    *row = rc == SQLITE_ROW;
    return *row ? HS_OK : hsi_rd_done(db, rc, err);
}

hs_status hsi_rd_row(hs_store *db, sqlite3_stmt **q, int *row, hs_error *err, const char *sql,
                     const char *types, ...)
{
    *row = 0;
    hs_status st = hsi_rd_prepare(db, sql, q, err);
    if (st) return st;
    va_list ap;
    va_start(ap, types);
    hsi_store_vbind(*q, types, ap);
    va_end(ap);
    return hsi_rd_step1(db, *q, row, err);
}

hs_status hsi_rd_list(hs_store *db, hsi_rd_json_fn row, json_t **out, hs_error *err,
                      const char *sql, const char *types, ...)
{
    *out = json_array();
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_rd_prepare(db, sql, &q, err);
    if (st) return st;
    va_list ap;
    va_start(ap, types);
    hsi_store_vbind(q, types, ap);
    va_end(ap);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        json_array_append_new(*out, row(q));
    st = hsi_rd_done(db, rc, err);
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_sync_full(hs_store *db, hs_error *err)
{
    return hsi_store_exec(db, "PRAGMA synchronous=FULL", err);
}

json_t *hsi_rd_str(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    if (!s) return json_null();
    json_t *j = json_stringn((const char *)s, (size_t)sqlite3_column_bytes(q, i));
    /* text that is not UTF-8 (it cannot come from our writers) is served as null */
    return j ? j : json_null();
}

static json_t *rd_real(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

json_t *hsi_rd_num(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null()
                                                    : rd_real(sqlite3_column_double(q, i));
}

json_t *hsi_rd_int(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null()
                                                    : json_integer(sqlite3_column_int64(q, i));
}

/* Rank columns are stored as reals (ties share the lower rank); served as whole numbers
 * when they are, as reals otherwise. */
static json_t *rd_rank(sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) return json_null();
    double v = sqlite3_column_double(q, i);
    if (v == floor(v) && fabs(v) < 1e15) return json_integer((json_int_t)v);
    return rd_real(v);
}

/* A rank-interval bound: the 5 % quantile rounded down, the 95 % one rounded up, so that
 * the whole-number interval holds the estimated one. */
static json_t *rd_bound(sqlite3_stmt *q, int i, int up)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) return json_null();
    double v = sqlite3_column_double(q, i);
    v = up ? ceil(v) : floor(v);
    return isfinite(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_null();
}

hs_status hsi_rd_index_find(hs_store *db, const char *id, hsi_rd_index *ix, int *found,
                            hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_rd_row(db, &q, found, err,
                              "SELECT run, id, name, top FROM run_index WHERE id = ?1 ORDER BY "
                              "run DESC LIMIT 1",
                              "T", id);
    if (*found) {
        ix->run = sqlite3_column_int64(q, 0);
        hsi_store_text(q, 1, ix->id, sizeof ix->id);
        hsi_store_text(q, 2, ix->name, sizeof ix->name);
        hsi_store_text(q, 3, ix->top, sizeof ix->top);
    }
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_index_ids(hs_store *db, char ids[][32], size_t cap, size_t *n, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    *n = 0;
    hs_status st =
        hsi_rd_prepare(db, "SELECT id, min(rowid) FROM run_index GROUP BY id ORDER BY 2", &q, err);
    if (st) return st;
    int rc = SQLITE_DONE;
    while (*n < cap && (rc = sqlite3_step(q)) == SQLITE_ROW)
        hsi_store_text(q, 0, ids[(*n)++], 32);
    st = *n == cap ? HS_OK : hsi_rd_done(db, rc, err);
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_latest_year(hs_store *db, const hsi_rd_index *ix, long *year, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    int row = 0;
    hs_status st = hsi_rd_row(db, &q, &row, err,
                              "SELECT max(year) FROM score WHERE run = ?1 AND idx = ?2 AND "
                              "node = ?3 AND score IS NOT NULL",
                              "ITT", (int64_t)ix->run, ix->id, ix->top);
    *year = row ? (long)sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return st;
}

json_t *hsi_rd_int0(sqlite3_stmt *q)
{
    return json_integer(sqlite3_column_int64(q, 0));
}

json_t *hsi_rd_str0(sqlite3_stmt *q)
{
    return hsi_rd_str(q, 0);
}

hs_status hsi_rd_years(hs_store *db, const hsi_rd_index *ix, json_t **out, hs_error *err)
{
    return hsi_rd_list(db, hsi_rd_int0, out, err,
                       "SELECT DISTINCT year FROM score WHERE run = ?1 AND idx = ?2 AND node "
                       "= ?3 ORDER BY year",
                       "ITT", (int64_t)ix->run, ix->id, ix->top);
}

static json_t *rd_node(sqlite3_stmt *q)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "code", hsi_rd_str(q, 0), "name",
                     hsi_rd_str(q, 1), "level", hsi_rd_int(q, 2), "parent", hsi_rd_str(q, 3),
                     "weight", hsi_rd_num(q, 4), "type", hsi_rd_str(q, 5), "direction",
                     hsi_rd_int(q, 6));
}

hs_status hsi_rd_nodes(hs_store *db, const hsi_rd_index *ix, json_t **out, hs_error *err)
{
    return hsi_rd_list(db, rd_node, out, err,
                       "SELECT code, name, level, parent, weight, type, direction FROM node "
                       "WHERE run = ?1 AND idx = ?2 ORDER BY ord",
                       "IT", (int64_t)ix->run, ix->id);
}

hs_status hsi_rd_node_exists(hs_store *db, const hsi_rd_index *ix, const char *code, int *found,
                             hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_rd_row(db, &q, found, err,
                              "SELECT 1 FROM node WHERE run = ?1 AND idx = ?2 AND code = ?3", "ITT",
                              (int64_t)ix->run, ix->id, code);
    sqlite3_finalize(q);
    return st;
}

static json_t *rd_country(sqlite3_stmt *q)
{
    return json_pack("{s:o, s:o}", "code", hsi_rd_str(q, 0), "name", hsi_rd_str(q, 1));
}

hs_status hsi_rd_countries(hs_store *db, json_t **out, hs_error *err)
{
    return hsi_rd_list(
        db, rd_country, out, err,
        "SELECT code, name FROM unit WHERE code GLOB '[A-Z][A-Z][A-Z]' ORDER BY code", "");
}

hs_status hsi_rd_unit_name(hs_store *db, const char *code, json_t **out, hs_error *err)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    int row = 0;
    hs_status st =
        hsi_rd_row(db, &q, &row, err, "SELECT name FROM unit WHERE code = ?1", "T", code);
    if (row) *out = hsi_rd_str(q, 0);
    sqlite3_finalize(q);
    return st;
}

/* The score rows joined with the unit's name and the rank interval, as the scores and the
 * ranks of one node and year read them. */
#define RD_SCORE_FROM                                                                              \
    "FROM score s LEFT JOIN unit u ON u.code = s.unit LEFT JOIN rank_interval ri ON ri.run = "     \
    "s.run AND ri.idx = s.idx AND ri.year = s.year AND ri.unit = s.unit AND ri.node = s.node "     \
    "WHERE s.run = ?1 AND s.idx = ?2 AND s.node = ?3 AND s.year = ?4 "

static json_t *rd_score(sqlite3_stmt *q)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "code", hsi_rd_str(q, 0), "name",
                     hsi_rd_str(q, 1), "score", hsi_rd_num(q, 2), "rank", rd_rank(q, 3), "rank_lo",
                     rd_bound(q, 4, 0), "rank_hi", rd_bound(q, 5, 1));
}

hs_status hsi_rd_scores(hs_store *db, const hsi_rd_index *ix, const char *node, long year,
                        const char *country, json_t **out, hs_error *err)
{
    return hsi_rd_list(db, rd_score, out, err,
                       "SELECT s.unit, u.name, s.score, s.rank, ri.lo, ri.hi " RD_SCORE_FROM
                       "AND (?5 IS NULL OR s.unit = ?5) ORDER BY s.score IS NULL, s.rank, s.unit",
                       "ITTIT", (int64_t)ix->run, ix->id, node, (int64_t)year, country);
}

static json_t *rd_rank_row(sqlite3_stmt *q)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "code", hsi_rd_str(q, 0), "name",
                     hsi_rd_str(q, 1), "rank", rd_rank(q, 2), "median", rd_rank(q, 3), "lo",
                     rd_bound(q, 4, 0), "hi", rd_bound(q, 5, 1));
}

hs_status hsi_rd_ranks(hs_store *db, const hsi_rd_index *ix, long year, json_t **out, hs_error *err)
{
    return hsi_rd_list(db, rd_rank_row, out, err,
                       "SELECT s.unit, u.name, s.rank, ri.median, ri.lo, ri.hi " RD_SCORE_FROM
                       "ORDER BY s.rank IS NULL, s.rank, s.unit",
                       "ITTI", (int64_t)ix->run, ix->id, ix->top, (int64_t)year);
}

hs_status hsi_rd_country_series(hs_store *db, const hsi_rd_index *ix, const char *code,
                                json_t **out, hs_error *err)
{
    *out = json_array();
    sqlite3_stmt *q = NULL;
    /* ranked: how many countries the rank is out of, per node and year (a pillar may rank
     * countries the index leaves unscored) */
    hs_status st = hsi_rd_prepare(
        db,
        "SELECT s.year, s.node, s.score, s.rank, (SELECT count(*) FROM score t WHERE t.run = "
        "s.run AND t.idx = s.idx AND t.node = s.node AND t.year = s.year AND t.rank IS NOT "
        "NULL) FROM score s JOIN node n ON n.run = s.run AND n.idx = s.idx AND n.code = s.node "
        "WHERE s.run = ?1 AND s.idx = ?2 AND s.unit = ?3 AND n.type = 'Aggregate' ORDER BY "
        "s.year, n.ord",
        &q, err);
    if (st) return st;
    hsi_store_bind(q, "ITT", (int64_t)ix->run, ix->id, code);
    json_t *cur = NULL;
    long long cur_year = -1;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long y = sqlite3_column_int64(q, 0);
        if (y != cur_year || !cur) {
            cur = json_object();
            json_array_append_new(*out,
                                  json_pack("{s:I, s:o}", "year", (json_int_t)y, "nodes", cur));
            cur_year = y;
        }
        const char *nc = (const char *)sqlite3_column_text(q, 1);
        json_object_set_new(cur, nc ? nc : "",
                            json_pack("{s:o, s:o, s:I}", "score", hsi_rd_num(q, 2), "rank",
                                      rd_rank(q, 3), "ranked",
                                      (json_int_t)sqlite3_column_int64(q, 4)));
    }
    st = hsi_rd_done(db, rc, err);
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_method(hs_store *db, const hsi_rd_index *ix, json_t **steps, json_t **sources,
                        json_t **pipeline, hs_error *err)
{
    *steps = *sources = *pipeline = NULL;
    sqlite3_stmt *q = NULL;
    int row = 0;
    hs_status st =
        hsi_rd_row(db, &q, &row, err,
                   "SELECT steps, sources, pipeline FROM run_index WHERE run = ?1 AND id = ?2",
                   "IT", (int64_t)ix->run, ix->id);
    if (row) {
        const char *s0 = (const char *)sqlite3_column_text(q, 0);
        const char *s1 = (const char *)sqlite3_column_text(q, 1);
        *steps = s0 ? json_loads(s0, 0, NULL) : NULL;
        *sources = s1 ? json_loads(s1, 0, NULL) : NULL;
        *pipeline = hsi_rd_str(q, 2);
    }
    sqlite3_finalize(q);
    return st;
}
