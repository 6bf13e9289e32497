/*
 * humsec_store.h - the event store of the humsec library (docs/events.md, docs/server.md):
 * one SQLite file holding conflict events, panels' alerts, the runs of the main job (index,
 * rank intervals, forecasts), partner organisations and their submissions.
 *
 * Everything in humsec.h holds here too: statuses, errors, contexts, memory and the
 * threading rules. A program that only builds indices does not need this header.
 */
#ifndef HUMSEC_STORE_H
#define HUMSEC_STORE_H

#include "humsec.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The event store: one SQLite file (WAL journal, foreign keys on, schema migrated to the
 *  current version on open). Created if missing. Free with hs_store_close. */
typedef struct hs_store hs_store;
hs_status hs_store_open(hs_ctx *ctx, const char *path, hs_store **out, hs_error *err);
void hs_store_close(hs_store *s);
/** Schema version of an open store. */
int hs_store_version(const hs_store *s);

typedef struct hs_ingest_stats {
    size_t rows;       /**< data rows read */
    size_t inserted;   /**< events new to the store */
    size_t duplicates; /**< events whose id was already stored (left unchanged) */
    size_t skipped;    /**< rows that are not violence (ACLED protests, strategic dev.) */
    size_t warnings;   /**< rows kept with a warning (best outside low..high, ...) */
} hs_ingest_stats;

/**
 * Read a UCDP GED (34- or 49-column) or ACLED CSV file, plain or gzip, validate every row and
 * store its events in one transaction: either the whole file goes in or nothing does. Events
 * already stored (same data set and id) are left as they are, so ingesting a file twice
 * changes nothing. geo may be NULL (ISO3 left empty). stats: OUT, may be NULL.
 */
hs_status hs_events_ingest(hs_ctx *ctx, hs_store *db, const char *path, const hs_geo *geo,
                           hs_ingest_stats *stats, hs_error *err);

/** Panel from the stored events. Free with hs_panel_free. geo may be NULL. */
hs_status hs_panel_from_store(hs_ctx *ctx, hs_store *db, const hs_geo *geo, const hs_panel_opts *o,
                              hs_panel **out, hs_error *err);

/** Store alerts (one transaction; a rerun replaces alerts of the same unit, month, method). */
hs_status hs_store_put_alerts(hs_store *db, const hs_alert *a, size_t n, hs_panel_level level,
                              const hs_warn_opts *o, hs_error *err);

/** Options of hs_store_refresh; hs_refresh_opts_init sets the defaults. */
typedef struct hs_refresh_opts {
    size_t size;        /**< sizeof(hs_refresh_opts): hs_refresh_opts_init sets it, and calls refuse
                           another */
    const char *root;   /**< project folder holding examples/ and data/ (default ".") */
    long ua_runs;       /**< runs of the HSI's rank-interval analysis (default 1000; 0: none) */
    int threads;        /**< threads of that analysis (default 0: all cores) */
    int events;         /**< ingest the shipped GED files, build panels, compute alerts (1) */
    int submissions;    /**< apply the accepted partner submissions (1) */
    const char *actor;  /**< who asked, for the audit log (default "local") */
    long partner;       /**< the partner who asked (0: none) */
    hs_log_fn progress; /**< one line per step (NULL: none); the engine's own messages go
                             to the context's log */
    void *progress_ud;
    const char *cm_table; /**< the global country-month table forecast with the events (NULL:
                               data/ucdp_cm's, skipped when the project has none) */
} hs_refresh_opts;

void hs_refresh_opts_init(hs_refresh_opts *o);

/** What hs_store_refresh recorded. */
typedef struct hs_refresh_info {
    long run;           /**< the run's id (also set when the run failed) */
    size_t indices;     /**< indices built */
    size_t scores;      /**< score rows (unit, year, node) */
    size_t submissions; /**< accepted submissions the run used */
    size_t events;      /**< shipped events newly ingested */
    size_t alerts;      /**< country alerts */
    long forecast_run;  /**< the forecast run made (0: none, or the latest was the same) */
    size_t scored;      /**< stored forecasts scored against newly covered months */
} hs_refresh_info;

/**
 * Rebuild the shipped indices (HSI with rank intervals from its uncertainty analysis, HDI,
 * INFORM, ASEM pillar 1), with the accepted indicator submissions over the HSI's data, and
 * the event panels and alerts (shipped GED events plus accepted event submissions), and
 * record them as one run: a run row first, every result and status "done" in one
 * transaction at the end; a failure marks the run "failed" with its message and keeps
 * earlier results. Progress goes to the context's log. opts may be NULL; info (OUT) may
 * be NULL.
 */
hs_status hs_store_refresh(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *opts,
                           hs_refresh_info *info, hs_error *err);
/** What hs_store_forecast recorded. */
typedef struct hs_store_fc_info {
    long run;      /**< the forecast run made (0: the latest had the same origin, data, model) */
    size_t scored; /**< stored forecasts scored against months the table newly covers */
    int origin;    /**< month_id of the origin: the table's last covered month */
    size_t units;  /**< the table's units */
} hs_store_fc_info;

/**
 * Forecast every unit of the country-month table `table` (UCDP's shape needs geo) 36 months
 * from its last covered month into the store, as hs_store_refresh does with the shipped
 * table (docs/warning.md, "Stored forecasts"): the table's known months and coverage replace
 * the stored ones, the forecast becomes a run with its origin, model and options, code
 * version and data (unless the latest run has the same), and every stored forecast whose
 * month the table now covers is scored (CRPS, Brier at 25, with conflictology and no change
 * for the same months). One transaction. to and ao may be NULL (defaults; ao's threads 2).
 */
hs_status hs_store_forecast(hs_ctx *ctx, hs_store *db, const char *table, const hs_geo *geo,
                            const hs_cmtable_opts *to, const hs_analog_opts *ao,
                            hs_store_fc_info *info, hs_error *err);

/** Id of the latest finished run, 0 when there is none. */
long hs_store_latest_run(hs_store *db);

/** Room for a token and its NUL. */
#define HS_TOKEN_SIZE 96

/**
 * Add partner `name` (1 to 100 characters, no control characters, unique) and write its
 * first token into token (token_size >= HS_TOKEN_SIZE). Only a salted SHA-256 of the token is
 * stored: show it to the partner once, it cannot be read back.
 */
hs_status hs_partner_add(hs_store *db, const char *name, char *token, size_t token_size,
                         hs_error *err);

typedef struct hs_partner_info {
    long id;
    char name[128];
    char created[32];
    char revoked[32]; /**< "" while active */
    long tokens;      /**< active tokens */
    long submissions;
    int admin; /**< 1: an administrator (reviews submissions) */
} hs_partner_info;

/** Every partner, oldest first. *out: free with hs_partner_list_free. */
hs_status hs_partner_list(hs_store *db, hs_partner_info **out, size_t *n, hs_error *err);
void hs_partner_list_free(hs_store *db, hs_partner_info *p);
/** Revoke a partner and all its tokens (its submissions stay, with their status). */
hs_status hs_partner_revoke(hs_store *db, const char *name, hs_error *err);
/** The active partner a token belongs to (*partner 0: none), its name into name. The
 *  digests are compared in constant time. */
hs_status hs_partner_auth(hs_store *db, const char *token, long *partner, char *name,
                          size_t name_size, hs_error *err);

/** hs_partner_add for an administrator (admin 1): its token also reviews submissions. */
hs_status hs_partner_add_role(hs_store *db, const char *name, int admin, char *token,
                              size_t token_size, hs_error *err);
/** Remove a partner that has no submissions, with its tokens (a partner whose token could
 *  not be handed over). */
hs_status hs_partner_remove(hs_store *db, const char *name, hs_error *err);

/** A submission as an administrator reviews it. */
typedef struct hs_submission_info {
    long id;
    char partner[128];
    char kind[16]; /**< "indicators" or "events" */
    char received[32];
    char status[16]; /**< "pending", "accepted", "rejected" or "withdrawn" */
    long rows;
    char decided[32]; /**< when it was accepted, rejected or withdrawn ("" pending) */
    char decided_by[128];
    char reason[512]; /**< why it was rejected or withdrawn */
} hs_submission_info;

/** Submissions with status `status` (NULL: all), newest first, at most 1000. *out: free
 *  with hs_submission_list_free. */
hs_status hs_submission_list(hs_store *db, const char *status, hs_submission_info **out, size_t *n,
                             hs_error *err);
void hs_submission_list_free(hs_store *db, hs_submission_info *p);

typedef enum hs_review {
    HS_REVIEW_ACCEPT,  /**< pending -> accepted: the next run uses it */
    HS_REVIEW_REJECT,  /**< pending or accepted -> rejected (why required) */
    HS_REVIEW_WITHDRAW /**< any but withdrawn -> withdrawn: the next run leaves it out */
} hs_review;
/** Decide on submission id as `actor`, with the audit row, in one transaction. Unknown id
 *  or a decision its status does not allow: HS_ERR_USAGE with the reason. */
hs_status hs_submission_review(hs_store *db, long id, hs_review what, const char *actor,
                               const char *why, hs_error *err);

#ifdef __cplusplus
}
#endif
#endif
