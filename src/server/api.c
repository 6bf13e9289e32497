/*
 * api.c - the JSON API (docs/server.md, docs/openapi.yaml) as a function of a request:
 * hs_api_handle matches the request once against the route table, and the route's handler
 * checks it, reads or writes the store through its typed functions and fills a response.
 * No sockets here; the HTTP adapter (http.c), the tests and the fuzz target call it the
 * same way. The handlers are in files by resource (api_int.h lists them).
 *
 * Threads: any number of threads may call hs_api_handle at once. The store has one SQLite
 * connection, used under `db_mu`; a second one (`auth_db`, under `auth_mu`) only checks
 * tokens, so that a token is checked on the headers even while a run holds the first.
 * Public GET responses are cached (api_cache.c); authenticated responses never are.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void hs_api_opts_init(hs_api_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->root = ".";
    o->max_body = 16u << 20;
    o->ua_runs = 1000;
    o->cache_entries = 4096;
    o->cache_bytes = HSI_API_CACHE_BYTES;
    o->run_interval = HSI_API_RUN_INTERVAL;
}

hs_status hs_api_new(hs_ctx *ctx, hs_store *db, const hs_api_opts *o, hs_api **out, hs_error *err)
{
    *out = NULL;
    if (o && !HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_api_opts");
    hs_api *a = calloc(1, sizeof *a);
    if (!a) return hsi_err_nomem(err);
    a->ctx = ctx;
    a->db = db;
    if (o)
        a->o = *o;
    else
        hs_api_opts_init(&a->o);
    if (!a->o.root) a->o.root = ".";
    if (!a->o.max_body) a->o.max_body = 16u << 20;
    if (a->o.cache_entries <= 0) a->o.cache_entries = 4096;
    if (!a->o.cache_bytes) a->o.cache_bytes = HSI_API_CACHE_BYTES;
    if (a->o.run_interval < 0) a->o.run_interval = 0;
    /* the generation of the ETags is the latest run: a restarted server gives a client's
     * copy of the same results the same ETag */
    unsigned long gen = (unsigned long)hs_store_latest_run(db);
    if (hsi_api_cache_init(&a->cache, (size_t)a->o.cache_entries, a->o.cache_bytes, gen) != 0) {
        free(a);
        return hsi_err_nomem(err);
    }
    snprintf(a->structure, sizeof a->structure, "%s/examples/hsi/structure.csv", a->o.root);
    char geo[4200];
    snprintf(geo, sizeof geo, "%s/data/geo", a->o.root);
    if (hs_geo_load(ctx, geo, &a->geo, NULL) != HS_OK) a->geo = NULL;
    pthread_mutex_init(&a->db_mu, NULL);
    pthread_mutex_init(&a->auth_mu, NULL);
    pthread_mutex_init(&a->run_mu, NULL);
    pthread_cond_init(&a->run_cv, NULL);
    /* a second connection to the same file checks tokens while the first is busy (a run);
     * an in-memory store has no second connection, and without one the first is used */
    const char *dbp = hsi_store_path(db);
    if (dbp && *dbp && strcmp(dbp, ":memory:") && strncmp(dbp, "file:", 5) &&
        hs_store_open(ctx, dbp, &a->auth_db, NULL) != HS_OK)
        a->auth_db = NULL;
    atomic_init(&a->seen_run, (long)gen);
    atomic_init(&a->checked, 0);
    /* an acknowledged write (201) must survive a crash of the machine, not only of the
     * process: full sync on every commit */
    hsi_rd_sync_full(db, NULL);
    hsi_api_assets_init(a->assets);
    *out = a;
    return HS_OK;
}

void hs_api_free(hs_api *a)
{
    if (!a) return;
    hsi_api_cache_free(&a->cache);
    hs_geo_free(a->geo);
    hs_store_close(a->auth_db);
    pthread_mutex_destroy(&a->db_mu);
    pthread_mutex_destroy(&a->auth_mu);
    pthread_mutex_destroy(&a->run_mu);
    pthread_cond_destroy(&a->run_cv);
    free(a);
}

size_t hsi_api_cache_bytes(hs_api *a)
{
    return hsi_api_cache_held(&a->cache);
}

/* ---- store reads and tokens ------------------------------------------------------------ */

/* A typed store read failed (under db_mu): noted, so that the request is answered 500 with
 * SQLite's message rather than with an empty list. 1 when st is a failure. */
int hsi_api_failed(hs_api *a, hs_status st, const hs_error *err)
{
    if (st == HS_OK) return 0;
    if (!a->db_failed) {
        a->db_failed = 1;
        snprintf(a->db_msg, sizeof a->db_msg, "%s", err->msg);
    }
    return 1;
}

/* After a route ran under db_mu: a failed read replaces the answer with a 500. */
static void api_db_check(hs_api *a, hs_http_response *r)
{
    if (!a->db_failed) return;
    a->db_failed = 0;
    hs_http_response_free(r);
    memset(r, 0, sizeof *r);
    hsi_api_err(r, 500, "internal", "the store %s cannot be read: %s", hsi_store_path(a->db),
                a->db_msg);
}

/* A JSON list read: the list (empty when the read failed, noted). */
json_t *hsi_api_list(hs_api *a, hs_status st, json_t *j, const hs_error *err)
{
    hsi_api_failed(a, st, err);
    return j ? j : json_array();
}

/* On store st (db under db_mu, or auth_db under auth_mu). 1 with the caller's partner, or
 * 0 with a 401 response. */
static int api_auth_on(hs_store *st, const hs_http_request *req, hsi_api_who *who,
                       hs_http_response *r)
{
    const char *h = hsi_api_header(req, "Authorization");
    if (!h || !*h) {
        hsi_api_err(r, 401, "unauthorized",
                    "this request needs a partner token: Authorization: Bearer TOKEN (humsec "
                    "partner add NAME)");
        return 0;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        hsi_api_err(r, 401, "unauthorized", "expected Authorization: Bearer TOKEN");
        return 0;
    }
    h += 7;
    while (*h == ' ')
        h++;
    hs_error err = {0};
    if (hs_partner_auth(st, h, &who->id, who->name, sizeof who->name, &err) != HS_OK) {
        hsi_api_store_error(r, &err);
        return 0;
    }
    if (!who->id) {
        hsi_api_err(r, 401, "unauthorized", "the token is not valid (unknown or revoked)");
        return 0;
    }
    return 1;
}

/* Under db_mu. */
static int api_auth(hs_api *a, const hs_http_request *req, hsi_api_who *who, hs_http_response *r)
{
    return api_auth_on(a->db, req, who, r);
}

/* ---- routing ---------------------------------------------------------------------------- */

static int api_is_get(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

typedef void (*hsi_api_handler)(hs_api *a, const hsi_api_call *c, hs_http_response *r);

/* A route: requests whose method and path match are answered by handler. method GET takes
 * HEAD too; NULL takes every method (the handler answers a wrong one, after the checks that
 * come first on that route). In pattern, {} is one non-empty path segment and {id} one of 1
 * to 12 digits without a leading zero. auth: the caller's token is checked (and such answers
 * are never cached); cache: a public read, kept in the response cache, keyed by the path and
 * the query parameters in params. */
typedef struct api_route {
    const char *method;
    const char *pattern;
    hsi_api_handler handler;
    int auth, cache;
    const char *const *params;
    int arg;
} api_route;

static const api_route api_routes[] = {
    {"GET", "/", hsi_api_get_asset, 0, 0, NULL, HSI_ASSET_HTML},
    {"GET", "/assets/dashboard.js", hsi_api_get_asset, 0, 0, NULL, HSI_ASSET_JS},
    {"GET", "/assets/dashboard.css", hsi_api_get_asset, 0, 0, NULL, HSI_ASSET_CSS},
    {"GET", "/assets/countries-50m.json", hsi_api_get_asset, 0, 0, NULL, HSI_ASSET_TOPO},
    {"GET", "/assets/iso-codes.json", hsi_api_get_asset, 0, 0, NULL, HSI_ASSET_ISO_CODES},
    {"GET", "/assets/iso-names.json", hsi_api_get_asset, 0, 0, NULL, HSI_ASSET_ISO_NAMES},
    {"GET", "/api/v1/health", hsi_api_get_health, 0, 1, NULL, 0},
    {"GET", "/api/v1/indices", hsi_api_get_indices, 0, 1, NULL, 0},
    {"GET", "/api/v1/countries", hsi_api_get_countries, 0, 1, NULL, 0},
    {"GET", "/api/v1/countries/{}", hsi_api_get_country, 0, 1, NULL, 0},
    {"GET", "/api/v1/scores", hsi_api_get_scores, 0, 1, hsi_api_scores_params, 0},
    {"GET", "/api/v1/ranks", hsi_api_get_ranks, 0, 1, hsi_api_ranks_params, 0},
    {"GET", "/api/v1/events/panel", hsi_api_get_panel, 0, 1, hsi_api_panel_params, 0},
    {"GET", "/api/v1/alerts", hsi_api_get_alerts, 0, 1, hsi_api_alerts_params, 0},
    {"GET", "/api/v1/method", hsi_api_get_method, 0, 1, hsi_api_method_params, 0},
    {"GET", "/api/v1/forecasts", hsi_api_get_forecasts, 0, 1, hsi_api_forecasts_params, 0},
    {"GET", "/api/v1/watchlist", hsi_api_get_watchlist, 0, 1, hsi_api_watchlist_params, 0},
    {"GET", "/api/v1/forecasts/scores", hsi_api_get_fc_scores, 0, 1, NULL, 0},
    {"GET", "/api/v1/runs", hsi_api_get_runs, 0, 1, NULL, 0},
    {"POST", "/api/v1/runs", hsi_api_post_run, 1, 0, NULL, 0},
    {"GET", "/api/v1/runs/{}", hsi_api_get_run, 0, 1, NULL, 0},
    {"GET", "/api/v1/submissions", hsi_api_get_subs, 1, 0, NULL, 0},
    {"POST", "/api/v1/submissions", hsi_api_post_sub, 1, 0, NULL, 0},
    {"GET", "/api/v1/submissions/{}", hsi_api_sub_one, 1, 0, NULL, 0},
    {"DELETE", "/api/v1/submissions/{}", hsi_api_sub_one, 1, 0, NULL, 0},
    {NULL, "/api/v1/submissions/{id}/accept", hsi_api_post_review, 1, 0, NULL, HS_REVIEW_ACCEPT},
    {NULL, "/api/v1/submissions/{id}/reject", hsi_api_post_review, 1, 0, NULL, HS_REVIEW_REJECT},
    {NULL, "/api/v1/submissions/{id}/withdraw", hsi_api_post_review, 1, 0, NULL,
     HS_REVIEW_WITHDRAW},
};

/* 1 when path matches pattern; *seg then points at the path's {} segment (and what follows
 * it), NULL when the pattern has none. */
static int api_path_match(const char *pat, const char *path, const char **seg)
{
    *seg = NULL;
    while (*pat) {
        if (*pat != '{') {
            if (*pat++ != *path++) return 0;
            continue;
        }
        size_t n = strcspn(path, "/");
        if (!n) return 0;
        if (!strncmp(pat, "{id}", 4) &&
            (*path < '1' || *path > '9' || n > 12 || strspn(path, "0123456789") < n))
            return 0;
        *seg = path;
        path += n;
        pat = strchr(pat, '}') + 1;
    }
    return *path == 0;
}

/* The route of a request: its method and path are matched once against the table. */
typedef struct api_match {
    const api_route *route; /* NULL: none takes this method at this path */
    const char *seg;
    char allow[48]; /* the methods the path takes, when route is NULL ("": no such path) */
} api_match;

static void api_match_req(const char *method, const char *path, api_match *m)
{
    memset(m, 0, sizeof *m);
    size_t k = 0;
    for (size_t i = 0; i < sizeof api_routes / sizeof api_routes[0]; i++) {
        const api_route *rt = &api_routes[i];
        const char *seg;
        if (!api_path_match(rt->pattern, path, &seg)) continue;
        if (!rt->method || !strcmp(rt->method, method) ||
            (!strcmp(rt->method, "GET") && api_is_get(method))) {
            m->route = rt;
            m->seg = seg;
            return;
        }
        const char *name = !strcmp(rt->method, "GET") ? "GET, HEAD" : rt->method;
        if (k < sizeof m->allow)
            k += (size_t)snprintf(m->allow + k, sizeof m->allow - k, "%s%s", k ? ", " : "", name);
    }
}

/* Take the store; with no_wait only when it is free at once, else the answer is deferred
 * (status 0) and 0 is returned. */
static int api_lock_db(hs_api *a, int no_wait, hs_http_response *r)
{
    if (!no_wait) {
        pthread_mutex_lock(&a->db_mu);
        return 1;
    }
    if (pthread_mutex_trylock(&a->db_mu) == 0) return 1;
    r->status = 0;
    return 0;
}

/* A public read: answered from the cache or computed under db_mu and cached. */
static void api_read(hs_api *a, const hs_http_request *req, const api_match *m, hs_http_response *r)
{
    static const char *const none[] = {NULL};
    const api_route *rt = m->route;
    hsi_api_params p;
    hsi_api_parse_query(req->query, rt->params ? rt->params : none, &p);
    if (p.bad) {
        hsi_api_err(r, 400, "bad_request",
                    "a query parameter is badly encoded or longer than %d bytes",
                    HSI_API_MAX_VALUE - 1);
        return;
    }
    char key[HSI_API_MAX_PARAMS * (HSI_API_MAX_VALUE + 40) + 600];
    char path[600];
    snprintf(path, sizeof path, "%d/%.500s", (int)(rt - api_routes), m->seg ? m->seg : "");
    hsi_api_cache_key(path, &p, key, sizeof key);
    r->cache_control = "no-cache";
    r->public_read = 1;
    hsi_api_check_runs(a);
    if (hsi_api_cache_get(&a->cache, key, r)) return;
    if (!api_lock_db(a, req->no_wait, r)) return;
    unsigned long gen = hsi_api_cache_gen(&a->cache);
    hsi_api_call c = {.req = req, .seg = m->seg, .p = &p, .arg = rt->arg};
    rt->handler(a, &c, r);
    api_db_check(a, r);
    pthread_mutex_unlock(&a->db_mu);
    if (r->status == 200) {
        hsi_api_etag(r->etag, gen, r->body, r->body_len);
        r->cache_control = "no-cache";
        hsi_api_cache_put(&a->cache, key, gen, r);
    }
}

/* A route that needs a token: under db_mu with the caller, never cached. */
static void api_write(hs_api *a, const hs_http_request *req, const api_match *m,
                      hs_http_response *r)
{
    hsi_api_who who;
    memset(&who, 0, sizeof who);
    if (!api_lock_db(a, req->no_wait, r)) return;
    if (api_auth(a, req, &who, r)) {
        r->cache_control = "no-store";
        hsi_api_call c = {.req = req, .seg = m->seg, .who = &who, .arg = m->route->arg};
        m->route->handler(a, &c, r);
        if (!r->cache_control) r->cache_control = "no-store";
    }
    api_db_check(a, r);
    pthread_mutex_unlock(&a->db_mu);
}

/* Answer a matched request: 404 or 405 when no route takes it, else its route. */
static void api_answer(hs_api *a, const hs_http_request *req, const api_match *m,
                       hs_http_response *r)
{
    const api_route *rt = m->route;
    if (!rt && m->allow[0]) {
        snprintf(r->allow, sizeof r->allow, "%s", m->allow);
        hsi_api_err(r, 405, "method_not_allowed", "this resource allows %s", m->allow);
    } else if (!rt && strncmp(req->path, "/api/v1/", 8)) {
        hsi_api_err(r, 404, "not_found",
                    "no resource at '%.200s': the API is under /api/v1/ (docs/server.md)",
                    req->path);
    } else if (!rt) {
        hsi_api_err(r, 404, "not_found", "no resource at '%.200s' (docs/server.md lists them)",
                    req->path);
    } else if (rt->auth) {
        api_write(a, req, m, r);
    } else if (rt->cache) {
        api_read(a, req, m, r);
    } else {
        hsi_api_call c = {.req = req, .seg = m->seg, .arg = rt->arg};
        rt->handler(a, &c, r);
    }
}

/* The token of a write, checked on its headers: on the second connection, or on the first
 * when it is free at once. 1 with *who, 0 with r answered or (status 0) left to be checked
 * with the body. */
static int api_precheck_auth(hs_api *a, const hs_http_request *req, hsi_api_who *who,
                             hs_http_response *r)
{
    int ok;
    if (a->auth_db) {
        pthread_mutex_lock(&a->auth_mu);
        ok = api_auth_on(a->auth_db, req, who, r);
        pthread_mutex_unlock(&a->auth_mu);
    } else if (!hsi_api_header(req, "Authorization")) {
        ok = api_auth_on(a->db, req, who, r); /* answers 401 without reading the store */
    } else if (pthread_mutex_trylock(&a->db_mu) == 0) {
        ok = api_auth_on(a->db, req, who, r);
        pthread_mutex_unlock(&a->db_mu);
    } else {
        return 0; /* the store is busy: the token is checked with the body */
    }
    return ok;
}

int hsi_api_precheck(hs_api *a, const hs_http_request *req, hs_http_response *r, long *claimed)
{
    memset(r, 0, sizeof *r);
    *claimed = 0;
    const char *m = req->method ? req->method : "";
    if (api_is_get(m)) return 0;
    if (req->body_too_large || !req->path || req->path[0] != '/') {
        hs_api_handle(a, req, r);
        return r->status != 0;
    }
    /* a write no route takes (404, 405) or one that needs no token is answered at once,
     * whatever its body */
    api_match match;
    api_match_req(m, req->path, &match);
    if (!match.route || !match.route->auth) {
        api_answer(a, req, &match, r);
        return r->status != 0;
    }
    hsi_api_who who;
    memset(&who, 0, sizeof who);
    if (!api_precheck_auth(a, req, &who, r)) return r->status != 0;
    if (match.route->handler != hsi_api_post_run) return 0;
    hsi_api_run_claim(a, who.id, r, claimed);
    return r->status != 0;
}

static int api_etag_match(const char *inm, const char *etag)
{
    if (!inm || !etag[0]) return 0;
    size_t n = strlen(etag);
    for (const char *s = inm; *s;) {
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == '*') return 1;
        const char *t = s;
        if (!strncmp(t, "W/", 2)) t += 2;
        if (!strncmp(t, etag, n) && (t[n] == 0 || t[n] == ',' || t[n] == ' ')) return 1;
        while (*s && *s != ',')
            s++;
    }
    return 0;
}

void hs_api_handle(hs_api *a, const hs_http_request *req, hs_http_response *r)
{
    memset(r, 0, sizeof *r);
    if (req->body_too_large) {
        hsi_api_err(r, 413, "payload_too_large",
                    "the request body is larger than the limit of %zu bytes (serve --max-body)",
                    a->o.max_body);
        return;
    }
    if (!req->method || !req->path || req->path[0] != '/') {
        hsi_api_err(r, 400, "bad_request", "expected a method and a path starting with /");
        return;
    }
    api_match m;
    api_match_req(req->method, req->path, &m);
    api_answer(a, req, &m, r);
    if (r->status == 0) return; /* deferred: the store is busy (no_wait) */
    if (r->status == 200 && r->etag[0] && api_is_get(req->method) &&
        api_etag_match(hsi_api_header(req, "If-None-Match"), r->etag)) {
        hs_http_response_free(r);
        r->status = 304;
        r->body = "";
        r->body_len = 0;
    }
}
