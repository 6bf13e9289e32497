/*
 * store_int.h - the SQLite store's internal interface. The public calls (hs_store_open,
 * hs_events_ingest, hs_panel_from_store, hs_store_put_alerts, hs_store_refresh, partners and
 * submissions) are in humsec.h; the server's reads are typed functions of reads_int.h, so
 * that no SQL lives outside src/store/. Every statement is prepared with bound parameters.
 */
#ifndef HS_STORE_INT_H
#define HS_STORE_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "core/core_int.h"
#include "humsec_store.h"

struct sqlite3;

/* The open connection, its context and file name. */
HS_INTERNAL struct sqlite3 *hsi_store_db(hs_store *s);
HS_INTERNAL hs_ctx *hsi_store_ctx(const hs_store *s);
HS_INTERNAL const char *hsi_store_path(const hs_store *s);
/* The submission rules the store keeps between submissions (loaded by submit.c). */
struct hsi_sub_rules;
HS_INTERNAL struct hsi_sub_rules **hsi_store_rules(hs_store *s);
HS_INTERNAL void hsi_sub_rules_free(hs_ctx *ctx, struct hsi_sub_rules *r);

/* Prepare sql on the connection (err: "cannot prepare a statement: <SQLite's message>"). */
struct sqlite3_stmt;
HS_INTERNAL hs_status hsi_store_prep(hs_store *s, const char *sql, struct sqlite3_stmt **q,
                                     hs_error *err);
/* Step a write once and reset it; err gets "what: <SQLite's message>" when it fails. */
HS_INTERNAL hs_status hsi_store_step(hs_store *s, struct sqlite3_stmt *q, const char *what,
                                     hs_error *err);
/* Bind text, or NULL for a NULL pointer; a number, or NULL for NaN (missing is never 0). */
HS_INTERNAL void hsi_store_bind_text(struct sqlite3_stmt *q, int i, const char *v);
HS_INTERNAL void hsi_store_bind_real(struct sqlite3_stmt *q, int i, double v);
/* Bind q's parameters 1, 2, ... from the arguments, one letter of types each: 'i' an int,
 * 'I' an int64_t, 'K' an int64_t id (0 or less: SQL NULL), 'T' text (NULL: SQL NULL), 'R' a double
 * (NaN: SQL NULL), 'B' a blob (two arguments: const void * and its int length), '-' NULL (no
 * argument). */
HS_INTERNAL void hsi_store_bind(struct sqlite3_stmt *q, const char *types, ...);
HS_INTERNAL void hsi_store_vbind(struct sqlite3_stmt *q, const char *types, va_list ap);
/* Prepare sql, bind it (hsi_store_bind), step it once and finalize it: a write, or a query
 * whose row is not read. err gets "what: <SQLite's message>" when the step fails (and
 * "cannot prepare a statement: ..." when sql cannot be prepared). sqlite3_changes and
 * sqlite3_last_insert_rowid tell what it did. */
HS_INTERNAL hs_status hsi_store_run(hs_store *s, const char *what, hs_error *err, const char *sql,
                                    const char *types, ...);
/* Prepare sql into *q, bind it and step it once: 1 a row (read it from *q), 0 none, -1 an
 * error. The caller finalizes *q in every case. */
HS_INTERNAL int hsi_store_row(hs_store *s, struct sqlite3_stmt **q, const char *sql,
                              const char *types, ...);
/* End the caller's transaction: COMMIT when st is HS_OK, else (or when the commit fails)
 * ROLLBACK. Returns the status after the commit. */
HS_INTERNAL hs_status hsi_store_end(hs_store *s, hs_status st, hs_error *err);
/* Column i of q's row as text into dst (cap bytes, cut to fit; "" when NULL). */
HS_INTERNAL void hsi_store_text(struct sqlite3_stmt *q, int i, char *dst, size_t cap);
/* Run SQL without parameters (BEGIN, COMMIT, pragmas); err gets SQLite's message. */
HS_INTERNAL hs_status hsi_store_exec(hs_store *s, const char *sql, hs_error *err);
/* Fill err with "what: <SQLite's message>" and return HS_ERR_IO. */
HS_INTERNAL hs_status hsi_store_err(hs_store *s, hs_error *err, const char *what);
/* Fills one element (zeroed first) from the current row of a statement. */
typedef void (*hsi_store_fill_fn)(struct sqlite3_stmt *q, void *element);
/* Every row of sql, bound to the arguments (hsi_store_bind's types), through fill into a new
 * array of size-byte elements allocated with ctx (*out, *n; NULL and 0 when it fails, with
 * err "what: <SQLite's message>"). */
HS_INTERNAL hs_status hsi_store_list(hs_ctx *ctx, hs_store *db, size_t size, hsi_store_fill_fn fill,
                                     const char *what, void **out, size_t *n, hs_error *err,
                                     const char *sql, const char *types, ...);

/* Add every stored event to a panel being built (hsi_panel_begin .. hsi_panel_end). */
HS_INTERNAL hs_status hsi_store_panel_add(hs_store *db, hs_panel *p, hs_error *err);
/* hs_store_put_alerts inside the caller's transaction. */
HS_INTERNAL hs_status hsi_store_put_alerts_tx(hs_store *db, const hs_alert *a, size_t n,
                                              hs_panel_level level, const hs_warn_opts *o,
                                              hs_error *err);

/* An audit row (inside the caller's transaction). */
HS_INTERNAL hs_status hsi_store_audit(hs_store *db, const char *actor, const char *action,
                                      const char *object, const char *detail, hs_error *err);

/* Validation errors of a submission: every error is counted, the first 1000 are listed. */
typedef struct hsi_sub_err {
    long line, col; /* 1-based; 0 = not applicable */
    char msg[512];
} hsi_sub_err;
typedef struct hsi_sub_errs {
    hs_ctx *ctx;
    hsi_sub_err *e;
    size_t n, cap, total;
} hsi_sub_errs;
HS_INTERNAL void hsi_sub_errs_free(hsi_sub_errs *e);

/* Check a submission of `kind` ("indicators" or "events") whole, against the index as well
 * as for its shape (submit.c); if it is valid, store it as pending (file, SHA-256, rows,
 * values) and an audit row in one transaction and set *id. Invalid: HS_ERR_PARSE with every
 * error in errs (zeroed by the caller; free with hsi_sub_errs_free) and nothing stored.
 * structure: the HSI structure file (examples/hsi/structure.csv of the project folder, whose
 * hsi.pipeline and data/geo give the units and years); geo (may be NULL): crosswalks for
 * event rows. */
HS_INTERNAL hs_status hsi_sub_add(hs_store *db, long partner, const char *actor, const char *kind,
                                  const char *body, size_t len, const char *structure,
                                  const hs_geo *geo, int64_t *id, hsi_sub_errs *errs,
                                  hs_error *err);
/* Mark partner's submission id withdrawn (*found = 0 when it is not the partner's). */
HS_INTERNAL hs_status hsi_sub_withdraw(hs_store *db, long partner, const char *actor, int64_t id,
                                       int *found, hs_error *err);

/* hs_submission_review; *status (16 bytes) gets the submission's status before, "" when
 * there is none (the caller tells 404 from 409). */
HS_INTERNAL hs_status hsi_sub_review(hs_store *db, int64_t id, hs_review what, const char *actor,
                                     const char *why, char *status, hs_error *err);
/* 1 when partner id is an administrator. */
HS_INTERNAL int hsi_partner_is_admin(hs_store *db, long id);

/* SHA-256 of data[0..len) as 64 lowercase hex digits and a NUL. */
HS_INTERNAL void hsi_sha256_hex(const void *data, size_t len, char hex[65]);

/* ---- the global country-month table and forecast runs (forecasts.c) ------------------- */

/* What a refresh computes outside its transaction: the table, its forecast and reasons. */
typedef struct hsi_fc_job {
    hs_cmtable *t;
    hs_cmforecast *f;
    hs_fc_explain *ex; /* per unit; p NaN or below the threshold: none */
    hs_analog_opts ao;
    char file[512]; /* relative to the project folder */
    char sha[65];
} hsi_fc_job;
/* Read the table at path (rel: its name in the store), forecast every country 36 months
 * from its last month and explain those that could be on a watchlist. */
HS_INTERNAL hs_status hsi_fc_compute(hs_ctx *ctx, const char *path, const char *rel,
                                     const hs_geo *geo, const hs_cmtable_opts *to,
                                     const hs_analog_opts *ao, hsi_fc_job *j, hs_error *err);
HS_INTERNAL void hsi_fc_job_free(hs_ctx *ctx, hsi_fc_job *j);
/* 1 when the latest forecast run came from this very file (its SHA-256) with these options
 * (NULL: the defaults) and this version: a run then need not forecast again. */
HS_INTERNAL int hsi_fc_unchanged(hs_ctx *ctx, hs_store *db, const char *path,
                                 const hs_analog_opts *ao);
/* Inside the caller's transaction: the table replaces the stored one, the forecast becomes
 * a run of refresh run `run` (0: none; *frun 0 when the latest forecast run has the same
 * origin, data and model), and every
 * stored forecast whose month is now known is scored (*nscored). */
HS_INTERNAL hs_status hsi_fc_put(hs_ctx *ctx, hs_store *db, int64_t run, const hsi_fc_job *j,
                                 int64_t *frun, size_t *nscored, hs_error *err);
HS_INTERNAL hs_status hsi_fc_score_new(hs_ctx *ctx, hs_store *db, size_t *nscored, hs_error *err);

typedef struct hsi_fc_run {
    int64_t id;
    int origin, nlead, samples;
    char created[32], model[32], version[32];
    char sources[1024], params[512]; /* JSON */
} hsi_fc_run;
/* The latest run (origin 0) or the latest of that origin; with before, the latest whose
 * origin is before `origin`. 1 found, 0 none, -1 an error. */
HS_INTERNAL int hsi_fc_run_find(hs_store *db, int origin, int before, hsi_fc_run *r);
typedef struct hsi_fc_row {
    char iso3[8];
    hs_fc_cell c;
} hsi_fc_row;
/* A run's rows (iso3 NULL: every country) with lead <= maxlead, by country and lead. */
HS_INTERNAL hs_status hsi_fc_rows(hs_ctx *ctx, hs_store *db, int64_t frun, const char *iso3,
                                  int maxlead, hsi_fc_row **out, size_t *n, hs_error *err);
/* A run's onset alerts: onsets first, then continuations, by P. */
typedef struct hsi_fc_alert {
    char iso3[8];
    double p, threshold, last; /* last: deaths in the origin's month */
    int onset;                 /* 1 onset (6 quiet months), 0 continuation */
} hsi_fc_alert;
HS_INTERNAL hs_status hsi_fc_alerts(hs_ctx *ctx, hs_store *db, int64_t frun, hsi_fc_alert **out,
                                    size_t *n, hs_error *err);
/* A country's reasons in a run: 1 found, 0 none, -1 an error. */
HS_INTERNAL int hsi_fc_reason(hs_store *db, int64_t frun, const char *iso3, hs_fc_explain *x);
/* A country's name (its code when the store has none): 1 when the store knows the code
 * from the indices or the country-month table, else 0. */
HS_INTERNAL int hsi_store_unit_name(hs_store *db, const char *code, char *name, size_t n);
/* The stored table's coverage: 1 when there is one. */
HS_INTERNAL int hsi_cm_coverage(hs_store *db, int *first, int *last);
/* deaths[0 .. to - from] of a country (NaN: unknown). */
HS_INTERNAL hs_status hsi_cm_series(hs_store *db, const char *iso3, int from, int to,
                                    double *deaths, hs_error *err);
/* The online evaluation per lead (by_month 0) or per month forecast: mean CRPS and Brier(25)
 * of humsec, conflictology and no change (v[0..5] in that order) over the country-months
 * where all three are known. */
typedef struct hsi_fc_score {
    int key;
    long n;
    double v[6];
} hsi_fc_score;
HS_INTERNAL hs_status hsi_fc_score_table(hs_ctx *ctx, hs_store *db, int by_month,
                                         hsi_fc_score **out, size_t *n, hs_error *err);

/* ---- what a refresh run records (runs.c); the run itself is src/app/'s ---------------- */

/* The run row (status running, requested by partner when > 0), with the accepted
 * submissions it will use when use_subs (*nsub of them), in a transaction of its own. */
HS_INTERNAL hs_status hsi_run_begin(hs_store *db, long partner, const char *actor, int use_subs,
                                    int64_t *run, size_t *nsub, hs_error *err);
/* Mark the run failed with e's message (its own transaction; errors are dropped: the run
 * has failed already). */
HS_INTERNAL void hsi_run_fail(hs_store *db, const char *actor, int64_t run, const hs_error *e);
/* Inside the caller's transaction: status done, older runs' results pruned, an audit row. */
HS_INTERNAL hs_status hsi_run_finish(hs_store *db, int64_t run, const char *actor,
                                     const char *detail, hs_error *err);
/* Inside the caller's transaction: the country alerts replace the stored ones. */
HS_INTERNAL hs_status hsi_run_put_alerts(hs_store *db, const hs_alert *a, size_t n,
                                         const hs_warn_opts *o, hs_error *err);
/* Every value of the run's indicator submissions, older submissions first and in line order
 * within one (v NaN: the submission removes the value). */
typedef hs_status (*hsi_run_value_fn)(void *ud, int64_t sub, const char *ucode, long time,
                                      const char *icode, double v, hs_error *err);
HS_INTERNAL hs_status hsi_run_sub_values(hs_store *db, int64_t run, hsi_run_value_fn fn, void *ud,
                                         hs_error *err);
/* The body of every event submission of the run, older first. */
typedef hs_status (*hsi_run_body_fn)(void *ud, int64_t sub, const char *body, size_t len,
                                     hs_error *err);
HS_INTERNAL hs_status hsi_run_event_subs(hs_store *db, int64_t run, hsi_run_body_fn fn, void *ud,
                                         hs_error *err);
/* Mark submission id rejected by the run with the message of what it broke, and take it out
 * of the run's submissions (its own transaction). */
HS_INTERNAL hs_status hsi_run_reject(hs_store *db, const char *actor, int64_t run, int64_t id,
                                     const char *why, hs_error *err);
/* 1 when events of the file `name` are stored already. */
HS_INTERNAL int hsi_run_has_source(hs_store *db, const char *name);
/* One index of a run: its build (and rank-interval analysis, may be NULL) with what the
 * store shows of its provenance. */
typedef struct hsi_run_index {
    const char *id, *name;
    const char *pipeline;  /* relative to the project folder */
    const char *data_file; /* as recorded ("file + submissions" when overlaid) */
    const char *data_sha;  /* SHA-256 of the data read, hex */
    size_t data_bytes;
    const char *steps_json, *sources_json; /* docs/server.md, /api/indices/{id}/method */
    const hs_build *b;
    const hs_sensitivity *ua;
} hsi_run_index;
/* Inside the caller's transaction: the index, its nodes, units, scores (counted in
 * *nscores) and rank intervals. */
HS_INTERNAL hs_status hsi_run_put_index(hs_store *db, int64_t run, const hsi_run_index *ix,
                                        size_t *nscores, hs_error *err);
/* Inside the caller's transaction: the non-empty unit-months of a panel (all violence types
 * together, counted in *nrows) and, at country level, the runs of months each unit covers. */
HS_INTERNAL hs_status hsi_run_put_panel(hs_store *db, int64_t run, const hs_panel *p,
                                        const hs_geo *geo, size_t *nrows, hs_error *err);

#endif
