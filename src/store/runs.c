/*
 * runs.c - what a refresh run records (store_int.h, "runs"): its row (running, then failed
 * or done), the submissions it uses and those it leaves out, and its results (each index
 * with its nodes, scores and rank intervals; each panel with its coverage). What a run
 * computes is the application's (src/app/); the SQL is here, with the rest of the store's.
 */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "events/events_int.h"
#include "index/engine_int.h"
#include "mc/mc_int.h"

/* Results are kept for the newest RN_KEEP runs with results; older runs keep their row
 * (status, times, submissions used) but not their scores, panels and nodes. */
#define RN_KEEP 5

/* ---- the run row -------------------------------------------------------------------- */

hs_status hsi_run_begin(hs_store *db, long partner, const char *actor, int use_subs, int64_t *run,
                        size_t *nsub, hs_error *err)
{
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (!st)
        st = hsi_store_run(db, "cannot record the run", err,
                           "INSERT INTO run(status, started_at, requested_by, pid) "
                           "VALUES('running', strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?1, ?2)",
                           "KI", (int64_t)partner, (int64_t)getpid());
    if (!st) *run = sqlite3_last_insert_rowid(hsi_store_db(db));
    if (!st && use_subs) {
        st = hsi_store_run(db, "cannot record the run's submissions", err,
                           "INSERT INTO run_submission(run, submission) SELECT ?1, id FROM "
                           "submission WHERE status = 'accepted'",
                           "I", *run);
        if (!st) *nsub = (size_t)sqlite3_changes(hsi_store_db(db));
    }
    char obj[32];
    snprintf(obj, sizeof obj, "run %lld", (long long)*run);
    if (!st) st = hsi_store_audit(db, actor, "run.start", obj, NULL, err);
    return hsi_store_end(db, st, err);
}

void hsi_run_fail(hs_store *db, const char *actor, int64_t run, const hs_error *e)
{
    char msg[1600];
    hs_error_format(e, msg, sizeof msg);
    if (hsi_store_exec(db, "BEGIN IMMEDIATE", NULL)) return;
    hs_status st = hsi_store_run(db, "cannot record the failure", NULL,
                                 "UPDATE run SET status = 'failed', message = ?2, finished_at = "
                                 "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1",
                                 "IT", run, msg);
    char obj[32];
    snprintf(obj, sizeof obj, "run %lld", (long long)run);
    if (!st) st = hsi_store_audit(db, actor, "run.fail", obj, msg, NULL);
    hsi_store_end(db, st, NULL);
}

static hs_status rn_prune(hs_store *db, hs_error *err)
{
    static const char *const tables[] = {"score",       "rank_interval",  "node",
                                         "panel_month", "panel_coverage", "run_index"};
    hs_status st = HS_OK;
    for (size_t i = 0; !st && i < sizeof tables / sizeof tables[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "DELETE FROM %s WHERE run < (SELECT coalesce(min(run), 0) FROM (SELECT "
                 "DISTINCT run FROM run_index ORDER BY run DESC LIMIT %d))",
                 tables[i], RN_KEEP);
        st = hsi_store_exec(db, sql, err);
    }
    return st;
}

hs_status hsi_run_finish(hs_store *db, int64_t run, const char *actor, const char *detail,
                         hs_error *err)
{
    hs_status st = hsi_store_run(db, "cannot finish the run", err,
                                 "UPDATE run SET status = 'done', finished_at = "
                                 "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1",
                                 "I", run);
    if (!st) st = rn_prune(db, err);
    char obj[32];
    snprintf(obj, sizeof obj, "run %lld", (long long)run);
    if (!st) st = hsi_store_audit(db, actor, "run.done", obj, detail, err);
    return st;
}

hs_status hsi_run_put_alerts(hs_store *db, const hs_alert *a, size_t n, const hs_warn_opts *o,
                             hs_error *err)
{
    hs_status st = hsi_store_exec(db, "DELETE FROM alert WHERE level = 'country'", err);
    if (!st) st = hsi_store_put_alerts_tx(db, a, n, HS_PANEL_COUNTRY, o, err);
    return st;
}

/* ---- submissions -------------------------------------------------------------------- */

hs_status hsi_run_sub_values(hs_store *db, int64_t run, hsi_run_value_fn fn, void *ud,
                             hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "SELECT s.id, v.ucode, v.time, v.icode, v.value FROM run_submission "
                       "rs JOIN submission s ON s.id = rs.submission JOIN submission_value "
                       "v ON v.submission = s.id WHERE rs.run = ?1 AND s.kind = "
                       "'indicators' ORDER BY s.id, v.line",
                       &q, err);
    if (!st) sqlite3_bind_int64(q, 1, run);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        double v =
            sqlite3_column_type(q, 4) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(q, 4);
        st = fn(ud, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1),
                (long)sqlite3_column_int64(q, 2), (const char *)sqlite3_column_text(q, 3), v, err);
    }
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_run_event_subs(hs_store *db, int64_t run, hsi_run_body_fn fn, void *ud, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "SELECT s.id, s.body FROM run_submission rs JOIN submission s ON "
                       "s.id = rs.submission WHERE rs.run = ?1 AND s.kind = 'events' ORDER "
                       "BY s.id",
                       &q, err);
    if (!st) sqlite3_bind_int64(q, 1, run);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        const char *body = sqlite3_column_blob(q, 1);
        st = fn(ud, sqlite3_column_int64(q, 0), body ? body : "",
                (size_t)sqlite3_column_bytes(q, 1), err);
    }
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_run_reject(hs_store *db, const char *actor, int64_t run, int64_t id, const char *why,
                         hs_error *err)
{
    char by[32], obj[48], det[1200];
    snprintf(by, sizeof by, "run %lld", (long long)run);
    snprintf(obj, sizeof obj, "submission %lld", (long long)id);
    snprintf(det, sizeof det, "excluded from run %lld: %s", (long long)run, why);
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    st = hsi_store_run(db, "cannot reject a submission", err,
                       "UPDATE submission SET status = 'rejected', decided_at = "
                       "strftime('%Y-%m-%dT%H:%M:%fZ','now'), decided_by = ?2, reason = ?3 WHERE "
                       "id = ?1 AND status = 'accepted'",
                       "ITT", id, by, det);
    if (!st)
        st = hsi_store_run(db, "cannot update the run's submissions", err,
                           "DELETE FROM run_submission WHERE run = ?1 AND submission = ?2", "II",
                           run, id);
    if (!st) st = hsi_store_audit(db, actor, "submission.reject", obj, det, err);
    return hsi_store_end(db, st, err);
}

int hsi_run_has_source(hs_store *db, const char *name)
{
    sqlite3_stmt *q = NULL;
    int have = hsi_store_row(db, &q, "SELECT 1 FROM source WHERE name = ?1", "T", name) == 1;
    sqlite3_finalize(q);
    return have;
}

/* ---- an index ------------------------------------------------------------------------ */

/* The data set row of an index's data (added when new). *id: OUT. */
static hs_status rn_dataset(hs_store *db, const hsi_run_index *ix, int64_t *id, hs_error *err)
{
    hs_status st =
        hsi_store_run(db, "cannot record a data set", err,
                      "INSERT OR IGNORE INTO dataset(file, sha256, bytes, added_at) VALUES(?1, ?2, "
                      "?3, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                      "TTI", ix->data_file, ix->data_sha, (int64_t)ix->data_bytes);
    if (st) return st;
    sqlite3_stmt *q = NULL;
    if (hsi_store_row(db, &q, "SELECT id FROM dataset WHERE file = ?1 AND sha256 = ?2", "TT",
                      ix->data_file, ix->data_sha) == 1)
        *id = sqlite3_column_int64(q, 0);
    else
        st = hsi_store_err(db, err, "cannot read a data set");
    sqlite3_finalize(q);
    return st;
}

/* The run_index row, with the top aggregate's code. */
static hs_status rn_index_row(hs_store *db, int64_t run, const hsi_run_index *ix, hs_error *err)
{
    const hs_build *b = ix->b;
    const hsi_meta *m = &b->meta;
    long top = -1;
    for (size_t i = 0; i < m->nagg; i++)
        if (m->node[m->agg[i]].level == m->maxlevel) top = (long)m->agg[i];
    if (top < 0) return hsi_err(err, HS_ERR_SCHEMA, m->file, 0, 0, "no top aggregate to store");
    int64_t ds = 0;
    hs_status st = rn_dataset(db, ix, &ds, err);
    if (!st)
        st = hsi_store_run(db, "cannot record an index", err,
                           "INSERT INTO run_index(run, id, name, top, pipeline, dataset, steps, "
                           "sources) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           "ITTTTITT", run, ix->id, ix->name, m->node[top].code, ix->pipeline, ds,
                           ix->steps_json, ix->sources_json);
    return st;
}

/* Nodes: aggregates from the top down, then indicators, in file order within a level; then
 * the units with their names (for the API). */
static hs_status rn_nodes_units(hs_store *db, int64_t run, const hsi_run_index *ix, hs_error *err)
{
    const hs_build *b = ix->b;
    const hsi_meta *m = &b->meta;
    sqlite3_stmt *q = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "INSERT INTO node(run, idx, ord, code, name, level, parent, weight, "
                       "type, direction) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                       &q, err);
    int ord = 0;
    for (int lev = m->maxlevel; !st && lev >= 1; lev--) {
        for (size_t i = 0; !st && i < m->n; i++) {
            const hsi_node *n = &m->node[i];
            if (n->level != lev) continue;
            if (n->type != HSI_NODE_AGGREGATE && n->type != HSI_NODE_INDICATOR) continue;
            hsi_store_bind(q, "ITiTTiTRTi", run, ix->id, ord++, n->code, n->name, n->level,
                           n->parent, n->weight,
                           n->type == HSI_NODE_AGGREGATE ? "Aggregate" : "Indicator", n->direction);
            st = hsi_store_step(db, q, "cannot record a node", err);
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st)
        st = hsi_store_prep(
            db,
            "INSERT INTO unit(code, name) VALUES(?1, ?2) ON CONFLICT(code) DO UPDATE "
            "SET name = coalesce(unit.name, excluded.name)",
            &q, err);
    for (size_t r = 0; !st && r < b->units.n; r++) {
        if (r && !strcmp(b->units.code[r], b->units.code[r - 1])) continue;
        hsi_store_bind(q, "TT", b->units.code[r], b->units.name ? b->units.name[r] : NULL);
        st = hsi_store_step(db, q, "cannot record a unit", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* Scores and ranks within each year, every column of the last dataset. */
static hs_status rn_scores(hs_store *db, int64_t run, const hsi_run_index *ix, size_t *nscores,
                           hs_error *err)
{
    hs_ctx *ctx = hsi_store_ctx(db);
    const hs_build *b = ix->b;
    const hsi_dset *ag = &b->d[b->nd - 1];
    double *rk = hsi_calloc(ctx, ag->nrow * ag->ncol + 1, sizeof *rk);
    if (!rk) return hsi_err_nomem(err);
    hs_status st = hsi_rank_dset(ctx, b, ag, rk, err);
    sqlite3_stmt *q = NULL;
    if (!st)
        st = hsi_store_prep(db,
                            "INSERT INTO score(run, idx, node, year, unit, score, rank) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            &q, err);
    for (size_t c = 0; !st && c < ag->ncol; c++) {
        const hsi_node *n = &b->meta.node[ag->node[c]];
        if (n->type != HSI_NODE_AGGREGATE && n->type != HSI_NODE_INDICATOR) continue;
        const double *v = hsi_col(ag, c);
        for (size_t r = 0; !st && r < ag->nrow; r++) {
            size_t u = ag->row[r];
            hsi_store_bind(q, "ITTITRR", run, ix->id, n->code,
                           (int64_t)(b->units.has_time ? b->units.time[u] : 0), b->units.code[u],
                           v[r], isnan(v[r]) ? (double)NAN : rk[c * ag->nrow + r]);
            st = hsi_store_step(db, q, "cannot record a score", err);
            (*nscores)++;
        }
    }
    sqlite3_finalize(q);
    hsi_free(ctx, rk);
    return st;
}

/* Rank intervals of the analysed year. */
static hs_status rn_intervals(hs_store *db, int64_t run, const hsi_run_index *ix, hs_error *err)
{
    const hs_sensitivity *ua = ix->ua;
    sqlite3_stmt *q = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "INSERT INTO rank_interval(run, idx, node, year, unit, lo, median, "
                       "hi) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                       &q, err);
    for (size_t i = 0; !st && i < ua->nunit; i++) {
        double iv[3];
        st = hsi_sensitivity_rank_interval(ua, i, iv, err);
        if (st) break;
        hsi_store_bind(q, "ITTITRRR", run, ix->id, ua->base->meta.node[ua->target].code,
                       (int64_t)(ua->base->units.has_time ? ua->time : 0),
                       ua->base->units.code[ua->unit_row[i]], iv[0], iv[1], iv[2]);
        st = hsi_store_step(db, q, "cannot record a rank interval", err);
    }
    sqlite3_finalize(q);
    return st;
}

hs_status hsi_run_put_index(hs_store *db, int64_t run, const hsi_run_index *ix, size_t *nscores,
                            hs_error *err)
{
    hs_status st = rn_index_row(db, run, ix, err);
    if (!st) st = rn_nodes_units(db, run, ix, err);
    if (!st) st = rn_scores(db, run, ix, nscores, err);
    if (!st && ix->ua) st = rn_intervals(db, run, ix, err);
    return st;
}

/* ---- a panel ------------------------------------------------------------------------- */

/* The runs of months a country covers (docs/server.md: a month outside them is unknown). */
static hs_status rn_coverage(hs_store *db, sqlite3_stmt *cq, int64_t run, const hs_panel *p,
                             size_t i, const char *iso, hs_error *err)
{
    int m0 = hs_panel_first_month(p), m1 = hs_panel_last_month(p);
    int from = 0; /* the first month of the covered run under way, 0: none */
    hs_status st = HS_OK;
    for (int mo = m0; !st && mo <= m1 + 1; mo++) {
        long ev[3], de[3];
        int cov = mo <= m1 && hs_panel_get(p, i, mo, ev, de);
        if (cov && !from) from = mo;
        if (cov || !from) continue;
        hsi_store_bind(cq, "IITii", run, (int64_t)hs_panel_unit(p, i), iso, from, mo - 1);
        st = hsi_store_step(db, cq, "cannot record a panel's coverage", err);
        from = 0;
    }
    return st;
}

hs_status hsi_run_put_panel(hs_store *db, int64_t run, const hs_panel *p, const hs_geo *geo,
                            size_t *nrows, hs_error *err)
{
    int grid = hsi_panel_level(p) == HS_PANEL_GRID;
    sqlite3_stmt *q = NULL, *cq = NULL;
    hs_status st =
        hsi_store_prep(db,
                       "INSERT INTO panel_month(run, level, unit, iso3, month_id, events, "
                       "deaths) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       &q, err);
    if (!st && !grid)
        st = hsi_store_prep(db,
                            "INSERT INTO panel_coverage(run, level, unit, iso3, first_month, "
                            "last_month) VALUES(?1, 'country', ?2, ?3, ?4, ?5)",
                            &cq, err);
    int m0 = hs_panel_first_month(p), m1 = hs_panel_last_month(p);
    for (size_t i = 0; !st && i < hs_panel_nunits(p); i++) {
        long u = hs_panel_unit(p, i);
        const char *iso = !grid && geo ? hsi_geo_gw_iso3(geo, u) : NULL;
        if (iso && !*iso) iso = NULL;
        if (cq) st = rn_coverage(db, cq, run, p, i, iso, err);
        for (int mo = m0; !st && mo <= m1; mo++) {
            long ev[3], de[3];
            if (!hs_panel_get(p, i, mo, ev, de)) continue; /* not covered: not stored */
            long e = ev[0] + ev[1] + ev[2], d = de[0] + de[1] + de[2];
            if (!e && !d) continue;
            hsi_store_bind(q, "ITITiII", run, grid ? "grid" : "country", (int64_t)u, iso, mo,
                           (int64_t)e, (int64_t)d);
            st = hsi_store_step(db, q, "cannot record a panel row", err);
            (*nrows)++;
        }
    }
    sqlite3_finalize(q);
    sqlite3_finalize(cq);
    return st;
}

long hs_store_latest_run(hs_store *db)
{
    sqlite3_stmt *q = NULL;
    long id = 0;
    if (hsi_store_row(db, &q, "SELECT max(id) FROM run WHERE status = 'done'", "") == 1)
        id = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}
