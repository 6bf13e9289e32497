/*
 * store.c - the SQLite event store: one file, WAL journal, foreign keys enforced, a schema
 * version table and forward-only migrations applied on open.
 *
 * Writes happen inside one transaction each (a file's events, a run's alerts) and roll back
 * on any error, so a failed ingest leaves the store as it was (STYLE 3). Events are keyed by
 * (data set, event id) and inserted with OR IGNORE: ingesting a file twice changes nothing.
 * Each file gets a source row identified by a hash of its content; a file already ingested
 * (same hash) leaves no new source row behind.
 * SQLite allocates through its own allocator, not the context's.
 */
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "events/events_int.h"

struct hs_store {
    hs_ctx *ctx;
    sqlite3 *db;
    char *path;
    int version;
    struct hsi_sub_rules *rules; /* what submissions are checked against (submit.c) */
};

/* Migrations: entry i brings the schema from version i to i + 1. Never edit a released
 * entry; append a new one. */
static const char *const store_migrations[] = {
    /* 1: sources and events */
    "CREATE TABLE source("
    "  id INTEGER PRIMARY KEY,"
    "  hash INTEGER UNIQUE," /* FNV-1a 64 of the file's bytes, as int64; NULL while ingesting */
    "  name TEXT NOT NULL,"
    "  format TEXT NOT NULL CHECK(format IN ('ged','acled')),"
    "  rows INTEGER NOT NULL,"
    "  ingested_at TEXT NOT NULL);"
    "CREATE TABLE event("
    "  dataset TEXT NOT NULL CHECK(dataset IN ('ged','acled')),"
    "  eid TEXT NOT NULL,"
    "  src INTEGER NOT NULL REFERENCES source(id),"
    "  type INTEGER NOT NULL CHECK(type BETWEEN 1 AND 3),"
    "  country_id INTEGER,"
    "  iso3 TEXT,"
    "  date_start TEXT NOT NULL,"
    "  date_end TEXT NOT NULL,"
    "  month_id INTEGER NOT NULL,"
    "  latitude REAL NOT NULL CHECK(latitude BETWEEN -90 AND 90),"
    "  longitude REAL NOT NULL CHECK(longitude BETWEEN -180 AND 180),"
    "  where_prec INTEGER NOT NULL CHECK(where_prec BETWEEN 1 AND 7),"
    "  gid INTEGER NOT NULL CHECK(gid BETWEEN 1 AND 259200),"
    "  best INTEGER NOT NULL CHECK(best >= 0),"
    "  low INTEGER,"
    "  high INTEGER,"
    "  date_prec INTEGER,"
    "  PRIMARY KEY(dataset, eid)) WITHOUT ROWID;"
    "CREATE INDEX event_month ON event(month_id);",
    /* 2: alerts */
    "CREATE TABLE alert("
    "  level TEXT NOT NULL CHECK(level IN ('country','grid')),"
    "  unit INTEGER NOT NULL,"
    "  month_id INTEGER NOT NULL,"
    "  method TEXT NOT NULL,"
    "  measure TEXT NOT NULL,"
    "  observed REAL NOT NULL,"
    "  expected REAL NOT NULL,"
    "  pvalue REAL,"
    "  qvalue REAL,"
    "  score REAL NOT NULL,"
    "  explanation TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  PRIMARY KEY(level, unit, month_id, method, measure));",
    /* 3: the server's tables: data sets and their provenance, runs and their results, event
     * panels, partners, tokens, submissions and the audit log (docs/server.md, "THE STORE") */
    "CREATE TABLE dataset("
    "  id INTEGER PRIMARY KEY,"
    "  file TEXT NOT NULL,"   /* path relative to the project folder */
    "  sha256 TEXT NOT NULL," /* of the file's bytes, hex */
    "  bytes INTEGER NOT NULL,"
    "  source TEXT, publisher TEXT, licence TEXT,"
    "  added_at TEXT NOT NULL,"
    "  UNIQUE(file, sha256));"
    "CREATE TABLE partner("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT);"
    "CREATE TABLE token("
    "  id INTEGER PRIMARY KEY,"
    "  partner INTEGER NOT NULL REFERENCES partner(id),"
    "  salt BLOB NOT NULL," /* 16 random bytes */
    "  hash BLOB NOT NULL," /* SHA-256(salt || secret) */
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT);"
    "CREATE TABLE submission("
    "  id INTEGER PRIMARY KEY,"
    "  partner INTEGER NOT NULL REFERENCES partner(id),"
    "  kind TEXT NOT NULL CHECK(kind IN ('indicators','events')),"
    "  received_at TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  rows INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK(status IN ('accepted','withdrawn')),"
    "  withdrawn_at TEXT,"
    "  body BLOB NOT NULL);"
    "CREATE INDEX submission_partner ON submission(partner, id);"
    "CREATE TABLE submission_value("
    "  submission INTEGER NOT NULL REFERENCES submission(id),"
    "  line INTEGER NOT NULL,"
    "  ucode TEXT NOT NULL, time INTEGER NOT NULL, icode TEXT NOT NULL, value REAL,"
    "  PRIMARY KEY(submission, line)) WITHOUT ROWID;"
    "CREATE TABLE run("
    "  id INTEGER PRIMARY KEY,"
    "  status TEXT NOT NULL CHECK(status IN ('running','done','failed')),"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  requested_by INTEGER REFERENCES partner(id),"
    "  message TEXT);"
    "CREATE TABLE run_submission("
    "  run INTEGER NOT NULL REFERENCES run(id),"
    "  submission INTEGER NOT NULL REFERENCES submission(id),"
    "  PRIMARY KEY(run, submission)) WITHOUT ROWID;"
    "CREATE TABLE run_index("
    "  run INTEGER NOT NULL REFERENCES run(id),"
    "  id TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  top TEXT NOT NULL,"
    "  pipeline TEXT NOT NULL,"
    "  dataset INTEGER REFERENCES dataset(id),"
    "  steps TEXT NOT NULL,"   /* JSON array, as served by /api/v1/method */
    "  sources TEXT NOT NULL," /* JSON array */
    "  PRIMARY KEY(run, id));"
    "CREATE TABLE node("
    "  run INTEGER NOT NULL, idx TEXT NOT NULL, ord INTEGER NOT NULL,"
    "  code TEXT NOT NULL, name TEXT, level INTEGER NOT NULL, parent TEXT,"
    "  weight REAL, type TEXT NOT NULL, direction INTEGER NOT NULL,"
    "  PRIMARY KEY(run, idx, code),"
    "  FOREIGN KEY(run, idx) REFERENCES run_index(run, id));"
    "CREATE TABLE unit(code TEXT PRIMARY KEY, name TEXT);"
    "CREATE TABLE score("
    "  run INTEGER NOT NULL, idx TEXT NOT NULL, node TEXT NOT NULL, year INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, score REAL, rank REAL,"
    "  PRIMARY KEY(run, idx, node, year, unit),"
    "  FOREIGN KEY(run, idx) REFERENCES run_index(run, id)) WITHOUT ROWID;"
    "CREATE INDEX score_unit ON score(run, idx, unit);"
    "CREATE TABLE rank_interval("
    "  run INTEGER NOT NULL, idx TEXT NOT NULL, node TEXT NOT NULL, year INTEGER NOT NULL,"
    "  unit TEXT NOT NULL, lo REAL, median REAL, hi REAL,"
    "  PRIMARY KEY(run, idx, year, unit),"
    "  FOREIGN KEY(run, idx) REFERENCES run_index(run, id)) WITHOUT ROWID;"
    "CREATE TABLE panel_month("
    "  run INTEGER NOT NULL REFERENCES run(id),"
    "  level TEXT NOT NULL CHECK(level IN ('country','grid')),"
    "  unit INTEGER NOT NULL, iso3 TEXT, month_id INTEGER NOT NULL,"
    "  events INTEGER NOT NULL, deaths INTEGER NOT NULL,"
    "  PRIMARY KEY(run, level, unit, month_id)) WITHOUT ROWID;"
    "CREATE INDEX panel_iso3 ON panel_month(run, level, iso3, month_id);"
    "CREATE TABLE audit("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL," /* partner name, or 'local' for the command line */
    "  action TEXT NOT NULL,"
    "  object TEXT,"
    "  detail TEXT);",
    /* 4: review before publication: a submission is pending until an administrator accepts
     * or rejects it (a run may reject it too); administrators; the process of a run, so that
     * one whose process died can be told from one in progress. The submission table is
     * rebuilt for its new CHECK (foreign keys are off during migrations). */
    "CREATE TABLE submission_new("
    "  id INTEGER PRIMARY KEY,"
    "  partner INTEGER NOT NULL REFERENCES partner(id),"
    "  kind TEXT NOT NULL CHECK(kind IN ('indicators','events')),"
    "  received_at TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  rows INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK(status IN ('pending','accepted','rejected','withdrawn')),"
    "  withdrawn_at TEXT,"
    "  body BLOB NOT NULL,"
    "  decided_at TEXT,"
    "  decided_by TEXT,"
    "  reason TEXT);"
    "INSERT INTO submission_new(id, partner, kind, received_at, sha256, rows, status, "
    "  withdrawn_at, body) SELECT id, partner, kind, received_at, sha256, rows, status, "
    "  withdrawn_at, body FROM submission;"
    "DROP TABLE submission;"
    "ALTER TABLE submission_new RENAME TO submission;"
    "CREATE INDEX submission_partner ON submission(partner, id);"
    "CREATE INDEX submission_status ON submission(status, id);"
    "ALTER TABLE partner ADD COLUMN admin INTEGER NOT NULL DEFAULT 0 CHECK(admin IN (0, 1));"
    "ALTER TABLE run ADD COLUMN pid INTEGER;",
    /* 5: the global country-month table with its coverage, forecast runs and their online
     * evaluation (forecasts.c); the months each country's event panel covers (a month
     * outside them is unknown, not zero) */
    "CREATE TABLE panel_coverage("
    "  run INTEGER NOT NULL REFERENCES run(id),"
    "  level TEXT NOT NULL CHECK(level IN ('country','grid')),"
    "  unit INTEGER NOT NULL, iso3 TEXT,"
    "  first_month INTEGER NOT NULL, last_month INTEGER NOT NULL,"
    "  PRIMARY KEY(run, level, unit, first_month)) WITHOUT ROWID;"
    "CREATE INDEX panel_coverage_iso3 ON panel_coverage(run, level, iso3);"
    "CREATE TABLE cm_source("
    "  name TEXT PRIMARY KEY,"
    "  file TEXT NOT NULL, sha256 TEXT NOT NULL,"
    "  first_month INTEGER NOT NULL, last_month INTEGER NOT NULL,"
    "  loaded_at TEXT NOT NULL);"
    "CREATE TABLE cm_month("
    "  iso3 TEXT NOT NULL, month_id INTEGER NOT NULL, deaths REAL NOT NULL,"
    "  PRIMARY KEY(iso3, month_id)) WITHOUT ROWID;"
    "CREATE TABLE forecast_run("
    "  id INTEGER PRIMARY KEY,"
    "  run INTEGER REFERENCES run(id),"
    "  created_at TEXT NOT NULL,"
    "  origin INTEGER NOT NULL,"
    "  model TEXT NOT NULL, params TEXT NOT NULL, version TEXT NOT NULL,"
    "  sources TEXT NOT NULL,"
    "  nlead INTEGER NOT NULL, samples INTEGER NOT NULL);"
    "CREATE TABLE forecast("
    "  frun INTEGER NOT NULL REFERENCES forecast_run(id),"
    "  iso3 TEXT NOT NULL, lead INTEGER NOT NULL, month_id INTEGER NOT NULL,"
    "  q05 REAL, q25 REAL, q50 REAL, q75 REAL, q95 REAL,"
    "  p_ge1 REAL, p_ge25 REAL, p_ge1000 REAL, mean_ln1p REAL,"
    "  draws BLOB NOT NULL,"
    "  PRIMARY KEY(frun, iso3, lead)) WITHOUT ROWID;"
    "CREATE INDEX forecast_month ON forecast(iso3, month_id);"
    "CREATE TABLE forecast_reason("
    "  frun INTEGER NOT NULL REFERENCES forecast_run(id),"
    "  iso3 TEXT NOT NULL, term INTEGER NOT NULL,"
    "  deaths REAL, contrib REAL, trend REAL, p REAL,"
    "  PRIMARY KEY(frun, iso3, term)) WITHOUT ROWID;"
    "CREATE TABLE forecast_alert("
    "  frun INTEGER NOT NULL REFERENCES forecast_run(id),"
    "  iso3 TEXT NOT NULL, p REAL NOT NULL, threshold REAL NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('onset','continuation')),"
    "  last_deaths REAL NOT NULL,"
    "  PRIMARY KEY(frun, iso3)) WITHOUT ROWID;"
    "CREATE TABLE forecast_score("
    "  frun INTEGER NOT NULL REFERENCES forecast_run(id),"
    "  iso3 TEXT NOT NULL, lead INTEGER NOT NULL, month_id INTEGER NOT NULL,"
    "  observed REAL NOT NULL, crps REAL NOT NULL, brier_25 REAL NOT NULL,"
    "  crps_conflictology REAL, brier_conflictology REAL,"
    "  crps_no_change REAL, brier_no_change REAL,"
    "  scored_at TEXT NOT NULL,"
    "  PRIMARY KEY(frun, iso3, lead)) WITHOUT ROWID;",
};

#define STORE_NMIG ((int)(sizeof store_migrations / sizeof store_migrations[0]))

hs_status hsi_store_err(hs_store *s, hs_error *err, const char *what)
{
    return hsi_err(err, HS_ERR_IO, s->path, 0, 0, "%s: %s", what, sqlite3_errmsg(s->db));
}

/* Every row of the prepared q through fill into *out (see hsi_store_list); q is finalized. */
static hs_status store_list_rows(hs_ctx *ctx, hs_store *db, sqlite3_stmt *q, size_t size,
                                 hsi_store_fill_fn fill, const char *what, void **out, size_t *n,
                                 hs_error *err)
{
    size_t cap = 0;
    char *rows = NULL;
    hs_status st = HS_OK;
    while (!st) {
        int rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            st = hsi_store_err(db, err, what);
            break;
        }
        if (*n == cap) { /* twice the room, or 16 to start */
            size_t nc = cap ? cap * 2 : 16;
            char *g = hsi_realloc(ctx, rows, nc * size);
            if (!g) {
                st = hsi_err_nomem(err);
                break;
            }
            rows = g;
            cap = nc;
        }
        char *e = rows + (*n)++ * size;
        memset(e, 0, size);
        fill(q, e);
    }
    sqlite3_finalize(q);
    if (st) {
        hsi_free(ctx, rows);
        *n = 0;
        return st;
    }
    *out = rows;
    return HS_OK;
}

hs_status hsi_store_list(hs_ctx *ctx, hs_store *db, size_t size, hsi_store_fill_fn fill,
                         const char *what, void **out, size_t *n, hs_error *err, const char *sql,
                         const char *types, ...)
{
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db->db, sql, -1, &q, NULL) != SQLITE_OK)
        return hsi_store_err(db, err, what);
    va_list ap;
    va_start(ap, types);
    hsi_store_vbind(q, types, ap);
    va_end(ap);
    return store_list_rows(ctx, db, q, size, fill, what, out, n, err);
}

hs_status hsi_store_prep(hs_store *s, const char *sql, sqlite3_stmt **q, hs_error *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) == SQLITE_OK) return HS_OK;
    return hsi_store_err(s, err, "cannot prepare a statement");
}

hs_status hsi_store_step(hs_store *s, sqlite3_stmt *q, const char *what, hs_error *err)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? HS_OK : hsi_store_err(s, err, what);
}

void hsi_store_bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

void hsi_store_bind_real(sqlite3_stmt *q, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, v);
}

void hsi_store_text(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    snprintf(dst, cap, "%s", t ? t : "");
}

void hsi_store_vbind(sqlite3_stmt *q, const char *types, va_list ap)
{
    for (int i = 1; types[i - 1]; i++) {
        switch (types[i - 1]) {
        case 'i':
            sqlite3_bind_int(q, i, va_arg(ap, int));
            break;
        case 'I':
            sqlite3_bind_int64(q, i, va_arg(ap, int64_t));
            break;
        case 'K': {
            int64_t k = va_arg(ap, int64_t);
            if (k > 0)
                sqlite3_bind_int64(q, i, k);
            else
                sqlite3_bind_null(q, i);
            break;
        }
        case 'T':
            hsi_store_bind_text(q, i, va_arg(ap, const char *));
            break;
        case 'R':
            hsi_store_bind_real(q, i, va_arg(ap, double));
            break;
        case 'B': {
            const void *b = va_arg(ap, const void *);
            sqlite3_bind_blob(q, i, b, va_arg(ap, int), SQLITE_TRANSIENT);
            break;
        }
        default:
            sqlite3_bind_null(q, i);
            break;
        }
    }
}

void hsi_store_bind(sqlite3_stmt *q, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    hsi_store_vbind(q, types, ap);
    va_end(ap);
}

hs_status hsi_store_run(hs_store *s, const char *what, hs_error *err, const char *sql,
                        const char *types, ...)
{
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_store_prep(s, sql, &q, err);
    if (!st) {
        va_list ap;
        va_start(ap, types);
        hsi_store_vbind(q, types, ap);
        va_end(ap);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) st = hsi_store_err(s, err, what);
    }
    sqlite3_finalize(q);
    return st;
}

int hsi_store_row(hs_store *s, sqlite3_stmt **q, const char *sql, const char *types, ...)
{
    *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK) return -1;
    va_list ap;
    va_start(ap, types);
    hsi_store_vbind(*q, types, ap);
    va_end(ap);
    int rc = sqlite3_step(*q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

hs_status hsi_store_end(hs_store *s, hs_status st, hs_error *err)
{
    if (!st) st = hsi_store_exec(s, "COMMIT", err);
    if (st) hsi_store_exec(s, "ROLLBACK", NULL);
    return st;
}

hs_status hsi_store_exec(hs_store *s, const char *sql, hs_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hsi_err(err, HS_ERR_IO, s->path, 0, 0, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return HS_ERR_IO;
    }
    return HS_OK;
}

static hs_status store_migrate(hs_store *s, hs_error *err)
{
    hs_status st = hsi_store_exec(s, "BEGIN IMMEDIATE", err);
    if (st != HS_OK) return st;
    st = hsi_store_exec(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                        err);
    sqlite3_stmt *q = NULL;
    int v = 0, have = 0;
    if (st == HS_OK && sqlite3_prepare_v2(s->db,
                                          "SELECT max(version), count(*) FROM "
                                          "schema_version",
                                          -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(s, err, "cannot read the schema version");
    if (st == HS_OK && sqlite3_step(q) == SQLITE_ROW) {
        v = sqlite3_column_int(q, 0);
        have = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    if (st == HS_OK && v > STORE_NMIG)
        st = hsi_err(err, HS_ERR_SCHEMA, s->path, 0, 0,
                     "store schema version %d is newer than this humsec knows (%d): use a "
                     "newer humsec",
                     v, STORE_NMIG);
    for (int i = v; st == HS_OK && i < STORE_NMIG; i++)
        st = hsi_store_exec(s, store_migrations[i], err);
    /* a rebuilt table must leave every reference whole */
    if (st == HS_OK && v < STORE_NMIG &&
        sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            st = hsi_err(err, HS_ERR_SCHEMA, s->path, 0, 0,
                         "the schema migration left a broken reference in table %s",
                         (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    if (st == HS_OK && v < STORE_NMIG) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 have ? "UPDATE schema_version SET version = %d"
                      : "INSERT INTO schema_version(version) VALUES(%d)",
                 STORE_NMIG);
        st = hsi_store_exec(s, sql, err);
    }
    st = hsi_store_end(s, st, err);
    if (st == HS_OK) s->version = STORE_NMIG;
    return st;
}

/* Runs left "running" by a process that is gone (killed, or the machine stopped) are marked
 * failed: nothing else would ever finish them. A run is the process's whose pid it records;
 * a row without one predates the pid column. A run of this process, or of one still alive,
 * is left alone. */
static hs_status store_reap_runs(hs_store *s, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    int64_t dead[64];
    size_t n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id, pid FROM run WHERE status = 'running' ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return hsi_store_err(s, err, "cannot read the runs");
    while (n < 64 && sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (sqlite3_column_type(q, 1) != SQLITE_NULL) {
            pid_t pid = (pid_t)sqlite3_column_int64(q, 1);
            if (pid == getpid() || (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM))) continue;
        }
        dead[n++] = id;
    }
    sqlite3_finalize(q);
    if (!n) return HS_OK;
    hs_status st = hsi_store_exec(s, "BEGIN IMMEDIATE", err);
    if (st) return st;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE run SET status = 'failed', finished_at = "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now'), message = 'the run did not "
                           "finish: its process stopped before the end (found at the next "
                           "start)' WHERE id = ?1 AND status = 'running'",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(s, err, "cannot prepare the run update");
    for (size_t i = 0; !st && i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, dead[i]);
        if (sqlite3_step(q) != SQLITE_DONE) st = hsi_store_err(s, err, "cannot mark a run failed");
        char obj[32];
        snprintf(obj, sizeof obj, "run %lld", (long long)dead[i]);
        if (!st && sqlite3_changes(s->db))
            st =
                hsi_store_audit(s, "local", "run.fail", obj, "process stopped before the end", err);
    }
    sqlite3_finalize(q);
    return hsi_store_end(s, st, err);
}

hs_status hs_store_open(hs_ctx *ctx, const char *path, hs_store **out, hs_error *err)
{
    *out = NULL;
    hs_store *s = hsi_calloc(ctx, 1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->ctx = ctx;
    s->path = hsi_strdup(ctx, path);
    if (!s->path) {
        hsi_free(ctx, s);
        return hsi_err_nomem(err);
    }
    hs_status st = HS_OK;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        st = hsi_store_err(s, err, "cannot open the store");
    if (st == HS_OK) sqlite3_busy_timeout(s->db, 10000);
    /* WAL: readers (panels, alerts) never block the writer; synchronous=NORMAL is safe
     * under WAL (a crash loses at most the last transaction, never corrupts). */
    /* foreign keys go on after the migrations: a migration that rebuilds a table needs
     * them off, and the pragma has no effect inside a transaction */
    if (st == HS_OK)
        st = hsi_store_exec(s,
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA foreign_keys=OFF;",
                            err);
    if (st == HS_OK) st = store_migrate(s, err);
    if (st == HS_OK) st = hsi_store_exec(s, "PRAGMA foreign_keys=ON;", err);
    if (st == HS_OK) st = store_reap_runs(s, err);
    if (st == HS_OK)
        *out = s;
    else
        hs_store_close(s);
    return st;
}

void hs_store_close(hs_store *s)
{
    if (!s) return;
    hsi_sub_rules_free(s->ctx, s->rules);
    sqlite3_close(s->db);
    hsi_free(s->ctx, s->path);
    hsi_free(s->ctx, s);
}

int hs_store_version(const hs_store *s)
{
    return s->version;
}

sqlite3 *hsi_store_db(hs_store *s)
{
    return s->db;
}

hs_ctx *hsi_store_ctx(const hs_store *s)
{
    return s->ctx;
}

const char *hsi_store_path(const hs_store *s)
{
    return s->path;
}

struct hsi_sub_rules **hsi_store_rules(hs_store *s)
{
    return &s->rules;
}

/* Base name of a path, for the source table (folders differ between machines). */
static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static const char *const ingest_sql =
    "INSERT OR IGNORE INTO event(dataset, eid, src, type, country_id, iso3, date_start, "
    "date_end, month_id, latitude, longitude, where_prec, gid, best, low, high, date_prec) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

static hs_status ingest_row(hs_store *s, sqlite3_stmt *q, const hsi_event *ev, int64_t src,
                            int *inserted, hs_error *err)
{
    char d0[16], d1[16];
    snprintf(d0, sizeof d0, "%04d-%02d-%02d", ev->y0, ev->m0, ev->d0);
    snprintf(d1, sizeof d1, "%04d-%02d-%02d", ev->y1, ev->m1, ev->d1);
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, ev->fmt == HSI_FMT_ACLED ? "acled" : "ged", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, ev->eid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, src);
    sqlite3_bind_int(q, 4, ev->type);
    if (ev->country >= 0)
        sqlite3_bind_int64(q, 5, ev->country);
    else
        sqlite3_bind_null(q, 5);
    if (ev->iso3[0])
        sqlite3_bind_text(q, 6, ev->iso3, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 6);
    sqlite3_bind_text(q, 7, d0, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 8, d1, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 9, hsi_month_id(ev->y0, ev->m0));
    sqlite3_bind_double(q, 10, ev->lat);
    sqlite3_bind_double(q, 11, ev->lon);
    sqlite3_bind_int(q, 12, ev->where_prec);
    sqlite3_bind_int64(q, 13, ev->gid);
    sqlite3_bind_int64(q, 14, ev->best);
    sqlite3_bind_int64(q, 15, ev->low);
    sqlite3_bind_int64(q, 16, ev->high);
    if (ev->date_prec)
        sqlite3_bind_int(q, 17, ev->date_prec);
    else
        sqlite3_bind_null(q, 17);
    if (sqlite3_step(q) != SQLITE_DONE) return hsi_store_err(s, err, "cannot store an event");
    *inserted = sqlite3_changes(s->db) > 0;
    return HS_OK;
}

/* Run a one-row statement with up to two int64 parameters; *out (may be NULL) gets column 0
 * of the row, or is left alone when there is none. */
static hs_status one(hs_store *s, const char *sql, int64_t a, int64_t b, int64_t *out,
                     hs_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return hsi_store_err(s, err, "cannot prepare a statement");
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && out) *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hsi_store_err(s, err, "store statement failed");
    return HS_OK;
}

/* Give the new source row its content hash, or, when a file with the same content was
 * ingested before, fold this ingest into that row and drop the new one. */
static hs_status ingest_finish_source(hs_store *db, int64_t src, int64_t hash, size_t rows,
                                      size_t inserted, hs_error *err)
{
    int64_t old = 0;
    hs_status st = one(db, "SELECT id FROM source WHERE hash = ?1", hash, 0, &old, err);
    if (st != HS_OK) return st;
    if (old) {
        if (inserted) st = one(db, "UPDATE event SET src = ?1 WHERE src = ?2", old, src, NULL, err);
        if (st == HS_OK) st = one(db, "DELETE FROM source WHERE id = ?1", src, 0, NULL, err);
        return st;
    }
    st = one(db, "UPDATE source SET hash = ?1 WHERE id = ?2", hash, src, NULL, err);
    if (st == HS_OK)
        st = one(db, "UPDATE source SET rows = ?1 WHERE id = ?2", (int64_t)rows, src, NULL, err);
    return st;
}

hs_status hs_events_ingest(hs_ctx *ctx, hs_store *db, const char *path, const hs_geo *geo,
                           hs_ingest_stats *stats, hs_error *err)
{
    hs_ingest_stats z = {0};
    hsi_evfile f;
    hs_status st = hsi_evfile_open(ctx, path, geo, &f, err);
    if (st != HS_OK) return st;
    sqlite3_stmt *q = NULL;
    int64_t src = 0;
    st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st == HS_OK &&
        sqlite3_prepare_v2(db->db,
                           "INSERT INTO source(hash, name, format, rows, ingested_at) "
                           "VALUES(NULL, ?1, ?2, 0, datetime('now'))",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the source insert");
    if (st == HS_OK) {
        sqlite3_bind_text(q, 1, base_name(path), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, f.map.fmt == HSI_FMT_ACLED ? "acled" : "ged", -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = hsi_store_err(db, err, "cannot record the source file");
        src = sqlite3_last_insert_rowid(db->db);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (st == HS_OK && sqlite3_prepare_v2(db->db, ingest_sql, -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the event insert");
    while (st == HS_OK) {
        hsi_event ev;
        int eof = 0, ins = 0;
        st = hsi_evfile_next(&f, &ev, &eof, err);
        if (st != HS_OK || eof) break;
        if (ev.warn) z.warnings++;
        if (ev.type == 0) {
            z.skipped++;
            continue;
        }
        st = ingest_row(db, q, &ev, src, &ins, err);
        if (ins)
            z.inserted++;
        else
            z.duplicates++;
    }
    sqlite3_finalize(q);
    z.rows = f.rows;
    if (st == HS_OK) {
        hsi_evfile_summary(&f);
        st = ingest_finish_source(db, src, (int64_t)hsi_rdr_hash(f.rdr), z.rows, z.inserted, err);
    }
    st = hsi_store_end(db, st, err);
    hsi_evfile_close(&f);
    if (st == HS_OK && stats) *stats = z;
    return st;
}

hs_status hs_panel_from_store(hs_ctx *ctx, hs_store *db, const hs_geo *geo, const hs_panel_opts *o,
                              hs_panel **out, hs_error *err)
{
    *out = NULL;
    hs_panel *p = NULL;
    hs_status st = hsi_panel_begin(ctx, o, &p, err);
    if (st != HS_OK) return st;
    st = hsi_store_panel_add(db, p, err);
    if (st == HS_OK) st = hsi_panel_end(p, geo, err);
    if (st != HS_OK) {
        hs_panel_free(p);
        return st;
    }
    *out = p;
    return HS_OK;
}

hs_status hsi_store_panel_add(hs_store *db, hs_panel *p, hs_error *err)
{
    hs_status st = HS_OK;
    sqlite3_stmt *q = NULL;
    /* Coverage per source (docs/events.md, COVERAGE): with several sources the events are
     * read source by source, so that each covers its own months; one source needs no sort. */
    long long nsrc = 0;
    if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM source", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        nsrc = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(db->db,
                           nsrc > 1 ? "SELECT type, country_id, iso3, month_id, gid, where_prec, "
                                      "best, date_start, date_end, src FROM event ORDER BY src"
                                    : "SELECT type, country_id, iso3, month_id, gid, where_prec, "
                                      "best, date_start, date_end, src FROM event",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot read events");
    int rc = SQLITE_ROW;
    long long src = -1;
    while (st == HS_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        long long s = sqlite3_column_int64(q, 9);
        if (s != src && src != -1) hsi_panel_source_done(p);
        src = s;
        hsi_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = sqlite3_column_int(q, 0);
        ev.country = sqlite3_column_type(q, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 1);
        const unsigned char *iso = sqlite3_column_text(q, 2);
        if (iso && strlen((const char *)iso) == 3) memcpy(ev.iso3, iso, 4);
        hsi_month_ym(sqlite3_column_int(q, 3), &ev.y0, &ev.m0);
        ev.gid = sqlite3_column_int(q, 4);
        ev.where_prec = sqlite3_column_int(q, 5);
        ev.best = (long)sqlite3_column_int64(q, 6);
        /* the days, for panels that spread deaths over the months an event spans */
        const char *d0 = (const char *)sqlite3_column_text(q, 7);
        const char *d1 = (const char *)sqlite3_column_text(q, 8);
        if (!d0 || !d1 || hsi_ev_parse_date(d0, &ev.y0, &ev.m0, &ev.d0) != 0 ||
            hsi_ev_parse_date(d1, &ev.y1, &ev.m1, &ev.d1) != 0 ||
            hsi_month_id(ev.y0, ev.m0) != sqlite3_column_int(q, 3)) {
            hsi_month_ym(sqlite3_column_int(q, 3), &ev.y0, &ev.m0); /* not spread */
            ev.y1 = 0;
        }
        st = hsi_panel_add(p, &ev, err);
    }
    if (st == HS_OK && src != -1) hsi_panel_source_done(p);
    if (st == HS_OK && rc != SQLITE_DONE) st = hsi_store_err(db, err, "cannot read events");
    sqlite3_finalize(q);
    return st;
}

hs_status hs_store_put_alerts(hs_store *db, const hs_alert *a, size_t n, hs_panel_level level,
                              const hs_warn_opts *o, hs_error *err)
{
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_warn_opts");
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st == HS_OK) st = hsi_store_put_alerts_tx(db, a, n, level, o, err);
    return hsi_store_end(db, st, err);
}

hs_status hsi_store_put_alerts_tx(hs_store *db, const hs_alert *a, size_t n, hs_panel_level level,
                                  const hs_warn_opts *o, hs_error *err)
{
    char measure[32];
    static const char *const types[] = {"all", "sb", "ns", "os"};
    snprintf(measure, sizeof measure, "%s_%s", o->measure_events ? "events" : "deaths",
             types[o->type >= 0 && o->type <= 3 ? o->type : 0]);
    const char *method = o->method == HS_WARN_CUSUM ? "cusum" : "surprise";
    hs_status st = HS_OK;
    sqlite3_stmt *q = NULL;
    if (st == HS_OK &&
        sqlite3_prepare_v2(db->db,
                           "INSERT OR REPLACE INTO alert(level, unit, month_id, method, measure, "
                           "observed, expected, pvalue, qvalue, score, explanation, created_at) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                           "datetime('now'))",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the alert insert");
    for (size_t i = 0; st == HS_OK && i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, level == HS_PANEL_GRID ? "grid" : "country", -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, a[i].unit);
        sqlite3_bind_int(q, 3, a[i].month_id);
        sqlite3_bind_text(q, 4, method, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, measure, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 6, a[i].observed);
        sqlite3_bind_double(q, 7, a[i].expected);
        if (o->method == HS_WARN_CUSUM) {
            sqlite3_bind_null(q, 8);
            sqlite3_bind_null(q, 9);
        } else {
            sqlite3_bind_double(q, 8, a[i].pvalue);
            sqlite3_bind_double(q, 9, a[i].qvalue);
        }
        sqlite3_bind_double(q, 10, a[i].score);
        sqlite3_bind_text(q, 11, a[i].explanation, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) st = hsi_store_err(db, err, "cannot store an alert");
    }
    sqlite3_finalize(q);
    return st;
}
