/*
 * reads_runs.c - the store's typed reads of the runs and the submissions for the JSON API
 * (reads_int.h). A partner reads its own submissions and an administrator every partner's:
 * both get the same object, decision included.
 */
#include "reads_int.h"

#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

/* Ids in one column of a query with at most one bound integer (?1 = key, when key != 0). */
static hs_status rd_ids(hs_store *db, const char *sql, long long key, long long *ids, size_t cap,
                        size_t *n, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    *n = 0;
    hs_status st = hsi_rd_prepare(db, sql, &q, err);
    if (st) return st;
    if (key) sqlite3_bind_int64(q, 1, key);
    int rc = SQLITE_DONE;
    while (*n < cap && (rc = sqlite3_step(q)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(q, 0);
    st = *n == cap ? HS_OK : hsi_rd_done(db, rc, err);
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_run(hs_store *db, long long id, json_t **out, hs_error *err)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    json_t *run = NULL;
    int row = 0;
    hs_status st = hsi_rd_row(db, &q, &row, err,
                              "SELECT r.id, r.status, r.started_at, r.finished_at, r.message, "
                              "p.name FROM run r LEFT JOIN partner p ON p.id = r.requested_by "
                              "WHERE r.id = ?1",
                              "I", (int64_t)id);
    if (row) {
        run = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
                        (json_int_t)sqlite3_column_int64(q, 0), "index", "hsi", "status",
                        hsi_rd_str(q, 1), "started", hsi_rd_str(q, 2), "finished", hsi_rd_str(q, 3),
                        "message", hsi_rd_str(q, 4), "requested_by", hsi_rd_str(q, 5));
    }
    sqlite3_finalize(q);
    if (st || !run) return st;
    json_t *subs = NULL, *idx = NULL;
    st = hsi_rd_list(db, hsi_rd_int0, &subs, err,
                     "SELECT submission FROM run_submission WHERE run = ?1 ORDER BY 1", "I",
                     (int64_t)id);
    json_object_set_new(run, "submissions", subs);
    if (!st) {
        st =
            hsi_rd_list(db, hsi_rd_str0, &idx, err,
                        "SELECT id FROM run_index WHERE run = ?1 ORDER BY rowid", "I", (int64_t)id);
        json_object_set_new(run, "indices", idx);
    }
    if (st) {
        json_decref(run);
        return st;
    }
    *out = run;
    return HS_OK;
}

hs_status hsi_rd_run_ids(hs_store *db, long long *ids, size_t cap, size_t *n, hs_error *err)
{
    return rd_ids(db, "SELECT id FROM run ORDER BY id DESC LIMIT 100", 0, ids, cap, n, err);
}

hs_status hsi_rd_running_run(hs_store *db, long *id, hs_error *err)
{
    long long one = 0;
    size_t n = 0;
    hs_status st =
        rd_ids(db, "SELECT max(id) FROM run WHERE status = 'running'", 0, &one, 1, &n, err);
    *id = (long)one;
    return st;
}

hs_status hsi_rd_submission_ids(hs_store *db, long partner, long long *ids, size_t cap, size_t *n,
                                hs_error *err)
{
    return rd_ids(db, "SELECT id FROM submission WHERE partner = ?1 ORDER BY id DESC LIMIT 1000",
                  partner, ids, cap, n, err);
}

/* The submission's columns, as both readers of submissions serve them. */
#define RD_SUB_COLS                                                                                \
    "SELECT s.id, p.name, s.kind, s.received_at, s.sha256, s.rows, s.status, s.withdrawn_at, "     \
    "length(s.body), s.decided_at, s.decided_by, s.reason FROM submission s JOIN partner p ON "    \
    "p.id = s.partner "

/* The partner sees the decision on its own submission: when, by whom, and why it was
 * rejected (a run's step message or the administrator's words). */
static json_t *rd_sub_obj(sqlite3_stmt *q)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:o, s:o, s:o}", "id",
                     (json_int_t)sqlite3_column_int64(q, 0), "partner", hsi_rd_str(q, 1), "kind",
                     hsi_rd_str(q, 2), "received", hsi_rd_str(q, 3), "sha256", hsi_rd_str(q, 4),
                     "rows", (json_int_t)sqlite3_column_int64(q, 5), "status", hsi_rd_str(q, 6),
                     "withdrawn", hsi_rd_str(q, 7), "bytes", (json_int_t)sqlite3_column_int64(q, 8),
                     "decided", hsi_rd_str(q, 9), "decided_by", hsi_rd_str(q, 10), "reason",
                     hsi_rd_str(q, 11));
}

hs_status hsi_rd_submission(hs_store *db, long long id, long partner, json_t **out, hs_error *err)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    int row = 0;
    hs_status st = hsi_rd_row(db, &q, &row, err,
                              partner ? RD_SUB_COLS "WHERE s.id = ?1 AND s.partner = ?2"
                                      : RD_SUB_COLS "WHERE s.id = ?1",
                              partner ? "II" : "I", (int64_t)id, (int64_t)partner);
    if (row) *out = rd_sub_obj(q);
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_rd_submissions(hs_store *db, const char *status, long limit, json_t **out,
                             hs_error *err)
{
    return hsi_rd_list(db, rd_sub_obj, out, err,
                       RD_SUB_COLS "WHERE ?1 IS NULL OR s.status = ?1 ORDER BY s.id DESC LIMIT ?2",
                       "TI", status, (int64_t)limit);
}
