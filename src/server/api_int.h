/*
 * api_int.h - between the files of the JSON API (src/server/api*.c): the API object, what a
 * route's handler is given, and the helpers the handlers share. A request takes one path:
 * http.c -> hs_api_handle (api.c: the route table) -> a handler (api_indices.c,
 * api_countries.c, api_events.c, api_runs.c, api_subs.c, api_review.c, api_forecast.c,
 * api_assets.c) -> the store's typed reads (store/reads_int.h).
 */
#ifndef HS_API_INT_H
#define HS_API_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include "server_int.h"
#include "store/reads_int.h"

#define HSI_API_JSON       "application/json; charset=utf-8"
#define HSI_API_MAX_PARAMS 16
#define HSI_API_MAX_VALUE  256

/* ---- response bodies, errors and request decoding (api_body.c, api_query.c) ------------- */

/* r := j as a compact JSON body (takes j); 500 when it cannot be made. */
HS_INTERNAL void hsi_api_json(hs_http_response *r, int status, json_t *j);
/* r := the documented JSON error, its message made from fmt. */
HS_INTERNAL void hsi_api_err(hs_http_response *r, int status, const char *code, const char *fmt,
                             ...) HS_PRINTF(4, 5);
/* {"error":{"code":..,"status":..,"message":..}} plus extra members (taken, may be NULL). */
HS_INTERNAL void hsi_api_error_x(hs_http_response *r, int status, const char *code, json_t *extra,
                                 const char *fmt, ...) HS_PRINTF(5, 6);
/* A store error as the 500 it is (out of memory, or the store's message). */
HS_INTERNAL void hsi_api_store_error(hs_http_response *r, const hs_error *err);
/* s with every byte that is not part of valid UTF-8 replaced by '?' (in place). */
HS_INTERNAL char *hsi_api_utf8_clean(char *s);
/* A shared body (hs_http_response.owned_): one more holder, one fewer, and a response that
 * serves it (200, JSON) without copying it. */
HS_INTERNAL void hsi_api_body_hold(void *owned);
HS_INTERNAL void hsi_api_body_unref(void *owned);
HS_INTERNAL void hsi_api_body_share(void *owned, hs_http_response *r);
/* Bytes a body of len bytes takes. */
HS_INTERNAL size_t hsi_api_body_cost(size_t len);

/* The query parameters a route reads, decoded (%XX and +); later repeats win. */
typedef struct hsi_api_params {
    size_t n;
    char name[HSI_API_MAX_PARAMS][32];
    char value[HSI_API_MAX_PARAMS][HSI_API_MAX_VALUE];
    int bad; /* a value too long or badly encoded */
} hsi_api_params;
/* Keep the parameters named in `names` (NULL-terminated). */
HS_INTERNAL void hsi_api_parse_query(const char *query, const char *const *names,
                                     hsi_api_params *p);
HS_INTERNAL const char *hsi_api_param(const hsi_api_params *p, const char *name);
/* A request header (case-insensitive name), or NULL. */
HS_INTERNAL const char *hsi_api_header(const hs_http_request *req, const char *name);
/* A path segment as a positive id; 0 if it is not one. */
HS_INTERNAL long long hsi_api_path_id(const char *seg);
/* A whole number within lo..hi: 0, or -1 when it is not one. */
HS_INTERNAL int hsi_api_long_parse(const char *s, long lo, long hi, long *out);

/* ---- the response cache (api_cache.c) -------------------------------------------------- */

typedef struct hsi_api_entry {
    char *key;
    void *body; /* a shared body (hsi_api_body_hold) */
    char etag[40];
} hsi_api_entry;

/* Public GET responses by key, up to a number of bytes; `gen` goes into every ETag and is
 * bumped when a finished run empties the cache. */
typedef struct hsi_api_cache {
    pthread_rwlock_t mu;
    hsi_api_entry *e; /* open addressing, cap a power of two */
    size_t n, cap;
    size_t bytes, max_bytes; /* held by the entries (bodies, keys, bookkeeping), the cap */
    unsigned long gen;
} hsi_api_cache;

/* 0, or -1 when memory is short. */
HS_INTERNAL int hsi_api_cache_init(hsi_api_cache *c, size_t entries, size_t max_bytes,
                                   unsigned long gen);
HS_INTERNAL void hsi_api_cache_free(hsi_api_cache *c);
/* The cached response for key (sharing its body): 1, or 0 when there is none. */
HS_INTERNAL int hsi_api_cache_get(hsi_api_cache *c, const char *key, hs_http_response *r);
/* Keep a 200 response made at generation gen (dropped if the cache moved on meanwhile). */
HS_INTERNAL void hsi_api_cache_put(hsi_api_cache *c, const char *key, unsigned long gen,
                                   const hs_http_response *r);
HS_INTERNAL unsigned long hsi_api_cache_gen(hsi_api_cache *c);
/* Empty the cache and bump its generation. */
HS_INTERNAL void hsi_api_cache_invalidate(hsi_api_cache *c);
HS_INTERNAL size_t hsi_api_cache_held(hsi_api_cache *c);
/* Cache key: path, then the parameters sorted by name, each as name=value. */
HS_INTERNAL void hsi_api_cache_key(const char *path, const hsi_api_params *p, char *out,
                                   size_t cap);
/* A strong ETag of a body made at generation gen. */
HS_INTERNAL void hsi_api_etag(char out[40], unsigned long gen, const char *body, size_t len);

/* ---- static files (api_assets.c) ------------------------------------------------------- */

enum {
    HSI_ASSET_HTML,
    HSI_ASSET_JS,
    HSI_ASSET_CSS,
    HSI_ASSET_TOPO,
    HSI_ASSET_ISO_CODES,
    HSI_ASSET_ISO_NAMES,
    HSI_NASSETS
};
typedef struct hsi_api_asset {
    const char *type, *cache;
    const unsigned char *data;
    const size_t *len;
    char etag[40];
} hsi_api_asset;
HS_INTERNAL void hsi_api_assets_init(hsi_api_asset as[HSI_NASSETS]);

/* ---- the API object (api.c) ------------------------------------------------------------- */

/* Partners remembered for the run rate limit (the oldest is forgotten first). */
#define HSI_API_RATE_SLOTS 64

typedef struct hsi_api_rate {
    long partner;
    long long at; /* time(NULL) of its last run start */
} hsi_api_rate;

struct hs_api {
    hs_ctx *ctx;
    hs_store *db;
    hs_api_opts o;
    char structure[4200]; /* the HSI structure: allowed indicator codes */
    hs_geo *geo;          /* crosswalks for event submissions (may be NULL) */
    pthread_mutex_t db_mu;
    hsi_api_cache cache;
    hs_store *auth_db; /* second connection for token checks (NULL: use db under db_mu) */
    pthread_mutex_t auth_mu;
    pthread_mutex_t run_mu; /* the run state below */
    pthread_cond_t run_cv;  /* the claimed run got its id */
    int run_active;         /* a run is claimed or under way */
    int run_started;        /* ... and its request reached the store */
    long run_claimer;       /* the partner who claimed it */
    long run_id;            /* its id once recorded, 0 before */
    hsi_api_rate rate[HSI_API_RATE_SLOTS];
    atomic_llong checked; /* second of the last look for runs made by other processes */
    atomic_long seen_run; /* the latest finished run the cache was made from */
    int db_failed;        /* a store read failed during this request (under db_mu) */
    char db_msg[1024];    /* as long as hs_error.msg */
    hsi_api_asset assets[HSI_NASSETS];
};

typedef struct hsi_api_who {
    long id;
    char name[128];
} hsi_api_who;

/* What a route's handler is given: the request, the path's {} segment (NULL when the route
 * has none), the query parameters the route reads (public reads), the authenticated caller
 * (token routes) and the route's argument. */
typedef struct hsi_api_call {
    const hs_http_request *req;
    const char *seg;
    const hsi_api_params *p;
    const hsi_api_who *who;
    int arg;
} hsi_api_call;

typedef void (*hsi_api_handler)(hs_api *a, const hsi_api_call *c, hs_http_response *r);

/* A typed store read's status, under db_mu: a failure is noted (the request is then
 * answered 500 with the store's message) and 1 returned. */
HS_INTERNAL int hsi_api_failed(hs_api *a, hs_status st, const hs_error *err);
/* A JSON list read: the list, or an empty one when the read failed (noted). */
HS_INTERNAL json_t *hsi_api_list(hs_api *a, hs_status st, json_t *j, const hs_error *err);

/* ---- the handlers, by resource ---------------------------------------------------------- */

/* api_assets.c: a static file (c->arg: its HSI_ASSET_*). */
HS_INTERNAL void hsi_api_get_asset(hs_api *a, const hsi_api_call *c, hs_http_response *r);

/* api_indices.c: the indices and their scores, ranks and method. */
HS_INTERNAL extern const char *const hsi_api_scores_params[];
HS_INTERNAL extern const char *const hsi_api_ranks_params[];
HS_INTERNAL extern const char *const hsi_api_method_params[];
HS_INTERNAL void hsi_api_get_indices(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_scores(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_ranks(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_method(hs_api *a, const hsi_api_call *c, hs_http_response *r);
/* The latest run of index id (0: none, or the read failed). */
HS_INTERNAL int hsi_api_find_index(hs_api *a, const char *id, hsi_rd_index *ix);
/* The latest run of each index of the latest runs, in the order they were built (at most
 * cap); an index that cannot be found is left out. */
HS_INTERNAL size_t hsi_api_indices(hs_api *a, hsi_rd_index *ix, size_t cap);

/* api_countries.c: the countries, and one country's scores, events and alerts. */
HS_INTERNAL void hsi_api_get_countries(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_country(hs_api *a, const hsi_api_call *c, hs_http_response *r);

/* api_events.c: the event panel and the alerts. */
HS_INTERNAL extern const char *const hsi_api_panel_params[];
HS_INTERNAL extern const char *const hsi_api_alerts_params[];
HS_INTERNAL void hsi_api_get_panel(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_alerts(hs_api *a, const hsi_api_call *c, hs_http_response *r);
/* Alerts (country level), newest first; country/since may be NULL/0. */
HS_INTERNAL json_t *hsi_api_alert_list(hs_api *a, const char *country, int since, long limit);

/* api_runs.c: health, the runs, and starting one. */
HS_INTERNAL void hsi_api_get_health(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_runs(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_run(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_post_run(hs_api *a, const hsi_api_call *c, hs_http_response *r);
/* On the headers of POST /runs by partner: claim the next run (*claimed = partner, r left
 * empty), or answer 202 (coalesced) or 429 (rate limit). */
HS_INTERNAL void hsi_api_run_claim(hs_api *a, long partner, hs_http_response *r, long *claimed);
/* A run recorded by another process empties the cache too (looked at once a second). */
HS_INTERNAL void hsi_api_check_runs(hs_api *a);

/* api_subs.c: a partner's submissions. */
HS_INTERNAL void hsi_api_post_sub(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_subs(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_sub_one(hs_api *a, const hsi_api_call *c, hs_http_response *r);
/* api_review.c: a decision on a submission (c->arg: the hs_review; POST only, else 405; 403
 * to a partner who is not an administrator). */
HS_INTERNAL void hsi_api_post_review(hs_api *a, const hsi_api_call *c, hs_http_response *r);
/* Every partner's submissions (GET /submissions) and any one (GET /submissions/{seg}) to an
 * administrator: 1 when r is answered, 0 when the caller is not one (or seg no id) and the
 * partner's own route answers. */
HS_INTERNAL int hsi_api_review_list(hs_store *db, const hs_http_request *req, long who,
                                    hs_http_response *r);
HS_INTERNAL int hsi_api_review_one(hs_store *db, const char *seg, long who, hs_http_response *r);

/* api_forecast.c: GET /api/v1/forecasts, /watchlist and /forecasts/scores. */
HS_INTERNAL extern const char *const hsi_api_forecasts_params[];
HS_INTERNAL extern const char *const hsi_api_watchlist_params[];
HS_INTERNAL void hsi_api_get_forecasts(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_watchlist(hs_api *a, const hsi_api_call *c, hs_http_response *r);
HS_INTERNAL void hsi_api_get_fc_scores(hs_api *a, const hsi_api_call *c, hs_http_response *r);
/* The onset alerts of the latest forecast run for GET /api/v1/alerts (country: only its;
 * NULL every country): {origin, threshold, onsets: [...], continuations: [...]}, or JSON
 * null when there is no forecast run. */
HS_INTERNAL json_t *hsi_api_fc_warnings(hs_store *db, const char *country);

#endif
