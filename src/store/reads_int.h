/*
 * reads_int.h - the store's typed reads for the JSON API (src/server/): every query the
 * server answers from is here, so that the server holds no SQL and the schema is known to
 * src/store/ alone. Each read returns HS_OK, or HS_ERR_IO with SQLite's own message in
 * err->msg and the store's file in err->file (the API quotes both in its 500 answer).
 * JSON results are the API's own objects, built where the columns are read so that a NULL
 * column becomes null without a flag per field.
 */
#ifndef HS_READS_INT_H
#define HS_READS_INT_H

#include "store/store_int.h"

struct json_t;

/* Full sync on every commit: an acknowledged write survives a crash of the machine. */
HS_INTERNAL hs_status hsi_rd_sync_full(hs_store *db, hs_error *err);

/* ---- indices (reads.c) ----------------------------------------------------------------- */

typedef struct hsi_rd_index {
    long long run;
    char id[32], name[256], top[64];
} hsi_rd_index;

/* The latest run of index id: *found 0 when the store has none. */
HS_INTERNAL hs_status hsi_rd_index_find(hs_store *db, const char *id, hsi_rd_index *ix, int *found,
                                        hs_error *err);
/* Ids of the indices of the latest runs, in the order the run built them (at most cap). */
HS_INTERNAL hs_status hsi_rd_index_ids(hs_store *db, char ids[][32], size_t cap, size_t *n,
                                       hs_error *err);
/* The latest year with a top score; 0 when none. */
HS_INTERNAL hs_status hsi_rd_latest_year(hs_store *db, const hsi_rd_index *ix, long *year,
                                         hs_error *err);
/* The years with a top score, ascending: a JSON array of integers. */
HS_INTERNAL hs_status hsi_rd_years(hs_store *db, const hsi_rd_index *ix, struct json_t **out,
                                   hs_error *err);
/* The index's nodes in their order: [{code, name, level, parent, weight, type, direction}]. */
HS_INTERNAL hs_status hsi_rd_nodes(hs_store *db, const hsi_rd_index *ix, struct json_t **out,
                                   hs_error *err);
HS_INTERNAL hs_status hsi_rd_node_exists(hs_store *db, const hsi_rd_index *ix, const char *code,
                                         int *found, hs_error *err);
/* Countries with an ISO3 code: [{code, name}] by code. */
HS_INTERNAL hs_status hsi_rd_countries(hs_store *db, struct json_t **out, hs_error *err);
/* A unit's name as JSON (null when it has none), or *out NULL when the code is unknown. */
HS_INTERNAL hs_status hsi_rd_unit_name(hs_store *db, const char *code, struct json_t **out,
                                       hs_error *err);
/* Node scores of a year (country NULL: every one): [{code, name, score, rank, rank_lo,
 * rank_hi}], scored first by rank. */
HS_INTERNAL hs_status hsi_rd_scores(hs_store *db, const hsi_rd_index *ix, const char *node,
                                    long year, const char *country, struct json_t **out,
                                    hs_error *err);
/* Top ranks of a year with their intervals: [{code, name, rank, median, lo, hi}]. */
HS_INTERNAL hs_status hsi_rd_ranks(hs_store *db, const hsi_rd_index *ix, long year,
                                   struct json_t **out, hs_error *err);
/* A country's aggregate scores: [{year, nodes: {code: {score, rank, ranked}}}] by year. */
HS_INTERNAL hs_status hsi_rd_country_series(hs_store *db, const hsi_rd_index *ix, const char *code,
                                            struct json_t **out, hs_error *err);
/* The method of the index's run: steps and sources (parsed JSON, NULL when absent or not
 * JSON) and the pipeline text (JSON string or null; NULL when the run is not found). */
HS_INTERNAL hs_status hsi_rd_method(hs_store *db, const hsi_rd_index *ix, struct json_t **steps,
                                    struct json_t **sources, struct json_t **pipeline,
                                    hs_error *err);

/* ---- event panels and alerts (reads_events.c) ------------------------------------------ */

/* Country-level alerts, newest first (country NULL: every one; since: least month_id), each
 * with the deaths of its last 12 months: [{id, country, name, month, method, observed,
 * expected, p_value, series}]. */
HS_INTERNAL hs_status hsi_rd_alerts(hs_store *db, const char *country, int since, long limit,
                                    struct json_t **out, hs_error *err);
/* How many alerts match, whatever the limit. */
HS_INTERNAL hs_status hsi_rd_alert_total(hs_store *db, const char *country, int since, long long *n,
                                         hs_error *err);

typedef struct hsi_rd_panel_q {
    const char *level;   /* "country" or "grid" */
    int from, to;        /* month_id bounds, inclusive */
    const char *country; /* country level only; NULL: every one */
    long gid;            /* grid level only; 0: every cell */
    long limit;
} hsi_rd_panel_q;
/* Rows of the latest event panel by unit and month: [{country, month, [gid,] events,
 * deaths}]; *more 1 when rows beyond the limit were left out. */
HS_INTERNAL hs_status hsi_rd_panel(hs_store *db, const hsi_rd_panel_q *pq, struct json_t **out,
                                   int *more, hs_error *err);

typedef struct hsi_rd_span {
    int first, last; /* month_id */
} hsi_rd_span;
typedef struct hsi_rd_month {
    int month;
    long long events, deaths;
} hsi_rd_month;
/* A country's events in the latest panel: the months its sources cover, by first month
 * (*spans), and its months with events, its units added up, by month (*months); free both
 * (on an error too: they may hold the rows read before it). */
HS_INTERNAL hs_status hsi_rd_country_events(hs_store *db, const char *iso3, hsi_rd_span **spans,
                                            size_t *ns, hsi_rd_month **months, size_t *nm,
                                            hs_error *err);

/* ---- runs and submissions (reads_runs.c) ----------------------------------------------- */

/* A run with its submissions and indices, or *out NULL when there is none. */
HS_INTERNAL hs_status hsi_rd_run(hs_store *db, long long id, struct json_t **out, hs_error *err);
/* Ids of the latest runs, newest first (at most cap). */
HS_INTERNAL hs_status hsi_rd_run_ids(hs_store *db, long long *ids, size_t cap, size_t *n,
                                     hs_error *err);
/* The run under way (0: none). */
HS_INTERNAL hs_status hsi_rd_running_run(hs_store *db, long *id, hs_error *err);
/* A submission (partner 0: whoever sent it), or *out NULL when there is none. */
HS_INTERNAL hs_status hsi_rd_submission(hs_store *db, long long id, long partner,
                                        struct json_t **out, hs_error *err);
/* Ids of a partner's submissions, newest first (at most cap). */
HS_INTERNAL hs_status hsi_rd_submission_ids(hs_store *db, long partner, long long *ids, size_t cap,
                                            size_t *n, hs_error *err);
/* Every partner's submissions (status NULL: any), newest first, at most limit. */
HS_INTERNAL hs_status hsi_rd_submissions(hs_store *db, const char *status, long limit,
                                         struct json_t **out, hs_error *err);

/* ---- helpers shared by the read files (reads.c) ----------------------------------------- */

struct sqlite3_stmt;
/* Prepare sql on the store; HS_ERR_IO with SQLite's message when it cannot be. */
HS_INTERNAL hs_status hsi_rd_prepare(hs_store *db, const char *sql, struct sqlite3_stmt **q,
                                     hs_error *err);
/* What a finished step loop ended with: HS_OK on SQLITE_DONE, else HS_ERR_IO. */
HS_INTERNAL hs_status hsi_rd_done(hs_store *db, int rc, hs_error *err);
/* Step q for at most one row: *row is 1 when there is one (read it before finalizing q). */
HS_INTERNAL hs_status hsi_rd_step1(hs_store *db, struct sqlite3_stmt *q, int *row, hs_error *err);
/* Prepare sql (hsi_rd_prepare), bind it to the arguments (hsi_store_bind's types) and step it
 * for at most one row (hsi_rd_step1). The caller finalizes *q in every case. */
HS_INTERNAL hs_status hsi_rd_row(hs_store *db, struct sqlite3_stmt **q, int *row, hs_error *err,
                                 const char *sql, const char *types, ...);
/* One row of a query as JSON. */
typedef struct json_t *(*hsi_rd_json_fn)(struct sqlite3_stmt *q);
/* Every row of sql, bound to the arguments (hsi_store_bind's types), through row into *out, a
 * new array (also when the read fails: then it holds the rows read before). */
HS_INTERNAL hs_status hsi_rd_list(hs_store *db, hsi_rd_json_fn row, struct json_t **out,
                                  hs_error *err, const char *sql, const char *types, ...);
/* Column 0 for hsi_rd_list: an integer (0 when NULL), or text (null when NULL). */
HS_INTERNAL struct json_t *hsi_rd_int0(struct sqlite3_stmt *q);
HS_INTERNAL struct json_t *hsi_rd_str0(struct sqlite3_stmt *q);
/* Column values as JSON: a NULL column (and text that is not UTF-8, or a number that is not
 * finite) is null. */
HS_INTERNAL struct json_t *hsi_rd_str(struct sqlite3_stmt *q, int i);
HS_INTERNAL struct json_t *hsi_rd_num(struct sqlite3_stmt *q, int i);
HS_INTERNAL struct json_t *hsi_rd_int(struct sqlite3_stmt *q, int i);

#endif
