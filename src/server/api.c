/*
 * api.c - the JSON API (docs/server.md, docs/openapi.yaml) as a function of a request:
 * hs_api_handle routes, checks, reads or writes the store and fills a response. No sockets
 * here; the HTTP adapter (http.c), the tests and the fuzz target call it the same way.
 *
 * Threads: any number of threads may call hs_api_handle at once. The store has one SQLite
 * connection, used under `db_mu`; a second one (`auth_db`, under `auth_mu`) only checks
 * tokens, so that a token is checked on the headers even while a run holds the first.
 * Public GET responses are cached in memory under `cache_mu`, keyed by the path and the
 * query parameters the route reads (sorted, decoded), up to a number of bytes; a finished
 * run empties the cache and bumps the generation that goes into every ETag (during the run
 * the cache keeps serving the previous one: the run writes its results in one transaction).
 * Authenticated responses are never cached.
 *
 * Runs: one at a time. A POST /runs while one is claimed or under way is answered 202 with
 * that run (coalesced); a partner starts at most one run per `run_interval` seconds (429).
 */
#include "server_int.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "report/html_int.h"
#include "store/reads_int.h"

extern const unsigned char hsi_asset_dash_html[];
extern const size_t hsi_asset_dash_html_len;
extern const unsigned char hsi_asset_dash_js[];
extern const size_t hsi_asset_dash_js_len;
extern const unsigned char hsi_asset_dash_css[];
extern const size_t hsi_asset_dash_css_len;

#define API_JSON       "application/json; charset=utf-8"
#define API_MAX_PARAMS 16
#define API_MAX_VALUE  256

/* A response body shared by the cache and the responses being sent: freed when the last
 * holder lets go (hsi_api_body_release), so a cache hit copies nothing. */
typedef struct api_body {
    atomic_int refs;
    size_t len;
    _Atomic(void *) aux; /* the HTTP adapter's prepared answer of this body, or NULL */
    char data[];
} api_body;

typedef struct api_entry {
    char *key;
    api_body *body;
    char etag[40];
} api_entry;

/* Partners remembered for the run rate limit (the oldest is forgotten first). */
#define API_RATE_SLOTS 64

typedef struct api_rate {
    long partner;
    long long at; /* time(NULL) of its last run start */
} api_rate;

typedef struct api_asset {
    const char *type, *cache;
    const unsigned char *data;
    const size_t *len;
    char etag[40];
} api_asset;

struct hs_api {
    hs_ctx *ctx;
    hs_store *db;
    hs_api_opts o;
    char structure[4200]; /* the HSI structure: allowed indicator codes */
    hs_geo *geo;          /* crosswalks for event submissions (may be NULL) */
    pthread_mutex_t db_mu;
    pthread_rwlock_t cache_mu;
    api_entry *cache; /* open addressing, cap a power of two */
    size_t ncache, cap;
    size_t cache_bytes; /* held by the entries (bodies, keys, bookkeeping) */
    hs_store *auth_db;  /* second connection for token checks (NULL: use db under db_mu) */
    pthread_mutex_t auth_mu;
    pthread_mutex_t run_mu; /* the run state below */
    pthread_cond_t run_cv;  /* the claimed run got its id */
    int run_active;         /* a run is claimed or under way */
    int run_started;        /* ... and its request reached the store */
    long run_claimer;       /* the partner who claimed it */
    long run_id;            /* its id once recorded, 0 before */
    api_rate rate[API_RATE_SLOTS];
    unsigned long gen;
    atomic_llong checked; /* second of the last look for runs made by other processes */
    atomic_long seen_run; /* the latest finished run the cache was made from */
    int db_failed;        /* a statement failed during this request (under db_mu) */
    char db_msg[1024];    /* as long as hs_error.msg */
    api_asset assets[6];
};

/* ---- small helpers ---------------------------------------------------------------------- */

static uint64_t api_fnv(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

static void api_etag(char out[40], unsigned long gen, const char *body, size_t len)
{
    snprintf(out, 40, "\"%lx-%016llx\"", gen,
             (unsigned long long)api_fnv(body, len, 1469598103934665603ULL));
}

void hs_api_opts_init(hs_api_opts *o)
{
    memset(o, 0, sizeof *o);
    o->root = ".";
    o->max_body = 16u << 20;
    o->ua_runs = 1000;
    o->cache_entries = 4096;
    o->cache_bytes = HSI_API_CACHE_BYTES;
    o->run_interval = HSI_API_RUN_INTERVAL;
}

static api_body *api_body_of(const char *data)
{
    return (api_body *)(void *)(data - offsetof(api_body, data));
}

static void api_body_unref(api_body *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        void *aux = atomic_load(&b->aux);
        if (aux) hsi_http_aux_free(aux);
        free(b);
    }
}

void *hsi_api_body_aux(const hs_http_response *r)
{
    api_body *b = r->owned_;
    return b ? atomic_load_explicit(&b->aux, memory_order_acquire) : NULL;
}

void *hsi_api_body_set_aux(const hs_http_response *r, void *aux)
{
    api_body *b = r->owned_;
    if (!b) return NULL;
    void *none = NULL;
    if (atomic_compare_exchange_strong(&b->aux, &none, aux)) return aux;
    return none; /* the one set first */
}

void hsi_api_body_release(void *data)
{
    if (data) api_body_unref(api_body_of(data));
}

void hs_http_response_free(hs_http_response *r)
{
    if (!r) return;
    api_body_unref(r->owned_);
    r->owned_ = NULL;
    r->body = NULL;
}

static void api_body_json(hs_http_response *r, int status, json_t *j)
{
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);
    api_body *s = n ? malloc(sizeof *s + n + 1) : NULL;
    if (s && json_dumpb(j, s->data, n, JSON_COMPACT) != n) {
        free(s);
        s = NULL;
    }
    json_decref(j);
    if (!s) {
        static const char oom[] = "{\"error\":{\"code\":\"internal\",\"status\":500,"
                                  "\"message\":\"out of memory\"}}";
        r->status = 500;
        r->content_type = API_JSON;
        r->body = oom;
        r->body_len = sizeof oom - 1;
        return;
    }
    atomic_init(&s->refs, 1);
    atomic_init(&s->aux, NULL);
    s->len = n;
    s->data[n] = 0;
    r->status = status;
    r->content_type = API_JSON;
    r->body = s->data;
    r->body_len = n;
    r->owned_ = s;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes there are not one. */
static size_t api_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80                 ? 1
               : c >= 0xc2 && c <= 0xdf ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))) return 0;
    if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))) return 0;
    return n;
}

/* s with every byte that is not part of valid UTF-8 replaced by '?' (in place): messages
 * quote what the client sent, and JSON strings must be UTF-8. */
static char *api_utf8_clean(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p;) {
        size_t n = api_utf8_len(p);
        if (n == 0) {
            *p++ = '?';
        } else {
            p += n;
        }
    }
    return s;
}

/* {"error":{"code":..,"status":..,"message":..}} plus extra members (stolen, may be NULL). */
static void api_error_x(hs_http_response *r, int status, const char *code, json_t *extra,
                        const char *fmt, ...) HS_PRINTF(5, 6);
static void api_error_x(hs_http_response *r, int status, const char *code, json_t *extra,
                        const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    api_utf8_clean(msg);
    json_t *e = json_pack("{s:s, s:i, s:s}", "code", code, "status", status, "message", msg);
    if (e && extra) json_object_update(e, extra);
    json_decref(extra);
    r->cache_control = "no-store";
    api_body_json(r, status, json_pack("{s:o}", "error", e ? e : json_null()));
}

#define api_error(r, status, code, ...) api_error_x(r, status, code, NULL, __VA_ARGS__)

static void api_store_error(hs_http_response *r, const hs_error *err)
{
    char msg[2048];
    hs_error_format(err, msg, sizeof msg);
    if (err->code == HS_ERR_NOMEM)
        api_error(r, 500, "internal", "out of memory");
    else
        api_error(r, 500, "internal", "%s", msg);
}

/* "YYYY-MM" -> month_id; 0 on success. */
int hsi_api_month_parse(const char *s, int *out)
{
    /* exactly four digits, '-', two digits */
    for (int i = 0; i < 7; i++)
        if (i == 4 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9')) return -1;
    if (s[7]) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    if (y < 1900 || y > 2999 || m < 1 || m > 12) return -1;
    *out = (y - 1980) * 12 + m;
    return 0;
}

int hsi_api_long_parse(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!*s || strlen(s) > 18) return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* ---- query parameters ------------------------------------------------------------------ */

typedef struct api_params {
    size_t n;
    char name[API_MAX_PARAMS][32];
    char value[API_MAX_PARAMS][API_MAX_VALUE];
    int bad; /* a value too long or badly encoded */
} api_params;

static int api_hex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode s[0..n) (%XX and +) into out (size cap); -1 if it does not fit or is malformed. */
static int api_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = api_hex(s[i + 1]), l = api_hex(s[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0 || k + 1 >= cap) return -1;
        out[k++] = (char)c;
    }
    out[k] = 0;
    return 0;
}

/* Keep the parameters named in `names` (NULL-terminated); later repeats win. */
static void api_parse_query(const char *query, const char *const *names, api_params *p)
{
    memset(p, 0, sizeof *p);
    if (!query) return;
    const char *s = query;
    while (*s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t nlen = eq ? (size_t)(eq - s) : len;
        char name[32];
        if (nlen && api_decode(s, nlen, name, sizeof name) == 0) {
            for (size_t k = 0; names[k]; k++) {
                if (strcmp(names[k], name)) continue;
                size_t slot = p->n;
                for (size_t j = 0; j < p->n; j++)
                    if (!strcmp(p->name[j], name)) slot = j;
                if (slot == p->n) {
                    if (p->n == API_MAX_PARAMS) break;
                    p->n++;
                }
                snprintf(p->name[slot], sizeof p->name[slot], "%s", name);
                const char *v = eq ? eq + 1 : s + len;
                size_t vlen = eq ? len - nlen - 1 : 0;
                if (api_decode(v, vlen, p->value[slot], sizeof p->value[slot]) != 0) {
                    p->bad = 1;
                    p->value[slot][0] = 0;
                }
                break;
            }
        }
        if (!amp) break;
        s = amp + 1;
    }
}

static const char *api_param(const api_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->name[i], name)) return p->value[i];
    return NULL;
}

/* Cache key: path, then the parameters sorted by name, each as name=value. */
static void api_cache_key(const char *path, const api_params *p, char *out, size_t cap)
{
    size_t idx[API_MAX_PARAMS] = {0};
    for (size_t i = 0; i < p->n && i < API_MAX_PARAMS; i++)
        idx[i] = i;
    for (size_t i = 1; i < p->n; i++)
        for (size_t j = i; j > 0 && strcmp(p->name[idx[j - 1]], p->name[idx[j]]) > 0; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    size_t k = (size_t)snprintf(out, cap, "%s", path);
    for (size_t i = 0; i < p->n && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "\x1f%s=%s", p->name[idx[i]], p->value[idx[i]]);
}

/* ---- cache ------------------------------------------------------------------------------ */

static api_entry *api_cache_slot(hs_api *a, const char *key)
{
    if (!a->cap) return NULL;
    size_t j = (size_t)api_fnv(key, strlen(key), 1469598103934665603ULL) & (a->cap - 1);
    while (a->cache[j].key) {
        if (!strcmp(a->cache[j].key, key)) return &a->cache[j];
        j = (j + 1) & (a->cap - 1);
    }
    return &a->cache[j];
}

/* The cached response for key (sharing its body), or 0. */
static int api_cache_get(hs_api *a, const char *key, hs_http_response *r)
{
    int hit = 0;
    pthread_rwlock_rdlock(&a->cache_mu);
    api_entry *e = api_cache_slot(a, key);
    if (e && e->key) {
        atomic_fetch_add_explicit(&e->body->refs, 1, memory_order_relaxed);
        r->status = 200;
        r->content_type = API_JSON;
        r->body = e->body->data;
        r->body_len = e->body->len;
        r->owned_ = e->body;
        memcpy(r->etag, e->etag, sizeof r->etag);
        hit = 1;
    }
    pthread_rwlock_unlock(&a->cache_mu);
    return hit;
}

static void api_cache_clear_locked(hs_api *a)
{
    for (size_t i = 0; i < a->cap; i++) {
        free(a->cache[i].key);
        api_body_unref(a->cache[i].body);
        a->cache[i].key = NULL;
        a->cache[i].body = NULL;
    }
    a->ncache = 0;
    a->cache_bytes = 0;
}

/* What an entry holds: its body, its key and their bookkeeping. */
static size_t api_entry_cost(const char *key, size_t body_len)
{
    return sizeof(api_body) + body_len + 1 + strlen(key) + 1 + sizeof(api_entry) + 64;
}

/* Keep a 200 response made at generation gen (dropped if a run finished meanwhile, or if it
 * alone is larger than the byte cap: memory stays bounded whatever the queries). */
static void api_cache_put(hs_api *a, const char *key, unsigned long gen, const hs_http_response *r)
{
    size_t cost = api_entry_cost(key, r->body_len);
    if (!r->owned_ || cost > a->o.cache_bytes) return;
    pthread_rwlock_wrlock(&a->cache_mu);
    /* full (many distinct queries, or large ones): start again rather than stop caching,
     * so that memory stays bounded and the frequent queries come back at once */
    if ((a->ncache + 1) * 2 > a->cap || a->cache_bytes + cost > a->o.cache_bytes)
        api_cache_clear_locked(a);
    if (gen == a->gen) {
        api_entry *e = api_cache_slot(a, key);
        if (e && !e->key) {
            e->key = strdup(key);
            if (e->key) {
                e->body = r->owned_;
                atomic_fetch_add_explicit(&e->body->refs, 1, memory_order_relaxed);
                memcpy(e->etag, r->etag, sizeof e->etag);
                a->ncache++;
                a->cache_bytes += cost;
            }
        }
    }
    pthread_rwlock_unlock(&a->cache_mu);
}

size_t hsi_api_cache_bytes(hs_api *a)
{
    pthread_rwlock_rdlock(&a->cache_mu);
    size_t n = a->cache_bytes;
    pthread_rwlock_unlock(&a->cache_mu);
    return n;
}

static void api_invalidate(hs_api *a)
{
    pthread_rwlock_wrlock(&a->cache_mu);
    api_cache_clear_locked(a);
    a->gen++;
    pthread_rwlock_unlock(&a->cache_mu);
}

/* A run recorded by another process (humsec run --db on the same file) empties the cache
 * too: at most once a second, one thread looks at the latest finished run, without waiting
 * for the store if it is busy. */
static void api_check_runs(hs_api *a)
{
    long long now = (long long)time(NULL);
    long long last = atomic_load_explicit(&a->checked, memory_order_relaxed);
    if (now == last || !atomic_compare_exchange_strong_explicit(
                           &a->checked, &last, now, memory_order_relaxed, memory_order_relaxed))
        return;
    if (pthread_mutex_trylock(&a->db_mu) != 0) return;
    long run = hs_store_latest_run(a->db);
    pthread_mutex_unlock(&a->db_mu);
    if (run != atomic_exchange(&a->seen_run, run)) api_invalidate(a);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static void api_asset_init(api_asset *as, const char *type, const char *cache,
                           const unsigned char *data, const size_t *len)
{
    as->type = type;
    as->cache = cache;
    as->data = data;
    as->len = len;
    api_etag(as->etag, 0, (const char *)data, *len);
}

hs_status hs_api_new(hs_ctx *ctx, hs_store *db, const hs_api_opts *o, hs_api **out, hs_error *err)
{
    *out = NULL;
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
    a->cap = 16;
    while (a->cap < 2 * (size_t)a->o.cache_entries)
        a->cap *= 2;
    a->cache = calloc(a->cap, sizeof *a->cache);
    if (!a->cache) {
        free(a);
        return hsi_err_nomem(err);
    }
    snprintf(a->structure, sizeof a->structure, "%s/examples/hsi/structure.csv", a->o.root);
    char geo[4200];
    snprintf(geo, sizeof geo, "%s/data/geo", a->o.root);
    if (hs_geo_load(ctx, geo, &a->geo, NULL) != HS_OK) a->geo = NULL;
    pthread_mutex_init(&a->db_mu, NULL);
    pthread_rwlock_init(&a->cache_mu, NULL);
    pthread_mutex_init(&a->auth_mu, NULL);
    pthread_mutex_init(&a->run_mu, NULL);
    pthread_cond_init(&a->run_cv, NULL);
    /* a second connection to the same file checks tokens while the first is busy (a run);
     * an in-memory store has no second connection, and without one the first is used */
    const char *dbp = hsi_store_path(db);
    if (dbp && *dbp && strcmp(dbp, ":memory:") && strncmp(dbp, "file:", 5) &&
        hs_store_open(ctx, dbp, &a->auth_db, NULL) != HS_OK)
        a->auth_db = NULL;
    a->gen = (unsigned long)hs_store_latest_run(db);
    atomic_init(&a->seen_run, (long)a->gen);
    atomic_init(&a->checked, 0);
    /* an acknowledged write (201) must survive a crash of the machine, not only of the
     * process: full sync on every commit */
    hsi_rd_sync_full(db, NULL);
    api_asset_init(&a->assets[0], "text/html; charset=utf-8", "no-cache", hsi_asset_dash_html,
                   &hsi_asset_dash_html_len);
    api_asset_init(&a->assets[1], "text/javascript; charset=utf-8", "public, max-age=300",
                   hsi_asset_dash_js, &hsi_asset_dash_js_len);
    api_asset_init(&a->assets[2], "text/css; charset=utf-8", "public, max-age=300",
                   hsi_asset_dash_css, &hsi_asset_dash_css_len);
    api_asset_init(&a->assets[3], API_JSON, "public, max-age=86400", hsi_asset_topo,
                   &hsi_asset_topo_len);
    api_asset_init(&a->assets[4], API_JSON, "public, max-age=86400", hsi_asset_iso_codes,
                   &hsi_asset_iso_codes_len);
    api_asset_init(&a->assets[5], API_JSON, "public, max-age=86400", hsi_asset_iso_names,
                   &hsi_asset_iso_names_len);
    *out = a;
    return HS_OK;
}

void hs_api_free(hs_api *a)
{
    if (!a) return;
    api_cache_clear_locked(a);
    free(a->cache);
    hs_geo_free(a->geo);
    hs_store_close(a->auth_db);
    pthread_mutex_destroy(&a->db_mu);
    pthread_rwlock_destroy(&a->cache_mu);
    pthread_mutex_destroy(&a->auth_mu);
    pthread_mutex_destroy(&a->run_mu);
    pthread_cond_destroy(&a->run_cv);
    free(a);
}

/* ---- reads ------------------------------------------------------------------------------ */

typedef struct api_who {
    long id;
    char name[128];
} api_who;

/* What a route's handler is given: the request, the path's {} segment (NULL when the route
 * has none), the query parameters the route reads (public reads), the authenticated caller
 * (token routes) and the route's argument. */
typedef struct api_call {
    const hs_http_request *req;
    const char *seg;
    const api_params *p;
    const api_who *who;
    int arg;
} api_call;

/* A typed store read failed (under db_mu): noted, so that the request is answered 500 with
 * SQLite's message rather than with an empty list. 1 when st is a failure. */
static int api_failed(hs_api *a, hs_status st, const hs_error *err)
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
    api_error(r, 500, "internal", "the store %s cannot be read: %s", hsi_store_path(a->db),
              a->db_msg);
}

/* The latest run of index id; 0 when the store has none (or cannot say). */
static int api_find_index(hs_api *a, const char *id, hsi_rd_index *ix)
{
    hs_error err = {0};
    int found = 0;
    return !api_failed(a, hsi_rd_index_find(a->db, id, ix, &found, &err), &err) && found;
}

/* Ids of the indices of the latest runs, in the order the run built them. */
static size_t api_index_ids(hs_api *a, char ids[][32], size_t cap)
{
    hs_error err = {0};
    size_t n = 0;
    return api_failed(a, hsi_rd_index_ids(a->db, ids, cap, &n, &err), &err) ? 0 : n;
}

static const char *api_index_list(hs_api *a, char *buf, size_t cap)
{
    char ids[16][32];
    size_t n = api_index_ids(a, ids, 16);
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", ids[i]);
    return n ? buf : "none yet: no run has finished";
}

/* The latest year with a top score; 0 when none. */
static long api_latest_year(hs_api *a, const hsi_rd_index *ix)
{
    hs_error err = {0};
    long y = 0;
    api_failed(a, hsi_rd_latest_year(a->db, ix, &y, &err), &err);
    return y;
}

/* A JSON list read: the list (empty when the read failed, noted). */
static json_t *api_list(hs_api *a, hs_status st, json_t *j, const hs_error *err)
{
    api_failed(a, st, err);
    return j ? j : json_array();
}

static json_t *api_nodes(hs_api *a, const hsi_rd_index *ix)
{
    hs_error err = {0};
    json_t *j = NULL;
    hs_status st = hsi_rd_nodes(a->db, ix, &j, &err);
    return api_list(a, st, j, &err);
}

static void api_health(hs_api *a, const api_call *c, hs_http_response *r)
{
    (void)c;
    long run = hs_store_latest_run(a->db);
    api_body_json(r, 200,
                  json_pack("{s:s, s:s, s:i, s:o}", "status", "ok", "version", HS_VERSION,
                            "schema_version", hs_store_version(a->db), "latest_run",
                            run ? json_integer(run) : json_null()));
}

static void api_indices(hs_api *a, const api_call *c, hs_http_response *r)
{
    (void)c;
    char ids[16][32];
    size_t n = api_index_ids(a, ids, 16);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        hsi_rd_index ix;
        if (!api_find_index(a, ids[i], &ix)) continue;
        long ly = api_latest_year(a, &ix);
        hs_error err = {0};
        json_t *years = NULL;
        hs_status st = hsi_rd_years(a->db, &ix, &years, &err);
        years = api_list(a, st, years, &err);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "id", ix.id, "name",
                                        ix.name, "top", ix.top, "years", years, "latest_year",
                                        ly ? json_integer(ly) : json_null(), "run",
                                        (json_int_t)ix.run, "nodes", api_nodes(a, &ix)));
    }
    api_body_json(r, 200, json_pack("{s:o}", "indices", arr));
}

static void api_countries(hs_api *a, const api_call *c, hs_http_response *r)
{
    (void)c;
    hs_error err = {0};
    json_t *arr = NULL;
    hs_status st = hsi_rd_countries(a->db, &arr, &err);
    api_body_json(r, 200, json_pack("{s:o}", "countries", api_list(a, st, arr, &err)));
}

/* index (required), year (default the latest); 0 and a response on failure. */
static int api_index_year(hs_api *a, const api_params *p, hsi_rd_index *ix, long *year,
                          hs_http_response *r)
{
    const char *id = api_param(p, "index");
    char list[256];
    if (!id || !*id) {
        api_error(r, 400, "bad_request", "index is required: one of %s",
                  api_index_list(a, list, sizeof list));
        return 0;
    }
    if (!api_find_index(a, id, ix)) {
        api_error(r, 404, "not_found", "no index '%.64s': expected one of %s", id,
                  api_index_list(a, list, sizeof list));
        return 0;
    }
    const char *ys = api_param(p, "year");
    if (ys) {
        if (hsi_api_long_parse(ys, 0, 9999, year) != 0) {
            api_error(r, 400, "bad_request", "year '%.64s' is not a year: expected e.g. 2023", ys);
            return 0;
        }
    } else {
        *year = api_latest_year(a, ix);
    }
    return 1;
}

static const char *const api_scores_params[] = {"index", "year", "country", "pillar", NULL};

static void api_scores(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_params *p = c->p;
    hsi_rd_index ix;
    long year = 0;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    const char *node = api_param(p, "pillar");
    if (!node || !*node) node = ix.top;
    hs_error err = {0};
    int found = 0;
    if (api_failed(a, hsi_rd_node_exists(a->db, &ix, node, &found, &err), &err)) return;
    if (!found) {
        api_error(r, 404, "not_found",
                  "index '%s' has no node '%.64s' (GET /api/v1/indices "
                  "lists them)",
                  ix.id, node);
        return;
    }
    json_t *arr = NULL;
    hs_status st = hsi_rd_scores(a->db, &ix, node, year, api_param(p, "country"), &arr, &err);
    api_body_json(r, 200,
                  json_pack("{s:s, s:I, s:o, s:s, s:o}", "index", ix.id, "run", (json_int_t)ix.run,
                            "year", year ? json_integer(year) : json_null(), "node", node, "scores",
                            api_list(a, st, arr, &err)));
}

static const char *const api_ranks_params[] = {"index", "year", NULL};

static void api_ranks(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_params *p = c->p;
    hsi_rd_index ix;
    long year = 0;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    hs_error err = {0};
    json_t *arr = NULL;
    hs_status st = hsi_rd_ranks(a->db, &ix, year, &arr, &err);
    api_body_json(r, 200,
                  json_pack("{s:s, s:I, s:o, s:o}", "index", ix.id, "run", (json_int_t)ix.run,
                            "year", year ? json_integer(year) : json_null(), "ranks",
                            api_list(a, st, arr, &err)));
}

/* Alerts (country level), newest first; country/since may be NULL/0. */
static json_t *api_alert_list(hs_api *a, const char *country, int since, long limit)
{
    hs_error err = {0};
    json_t *arr = NULL;
    hs_status st = hsi_rd_alerts(a->db, country, since, limit, &arr, &err);
    return api_list(a, st, arr, &err);
}

/* How many alerts match (country level; country/since as in api_alert_list), whatever the
 * limit: the list is the newest page, the total says how many there are. */
static json_int_t api_alert_total(hs_api *a, const char *country, int since)
{
    hs_error err = {0};
    long long n = 0;
    api_failed(a, hsi_rd_alert_total(a->db, country, since, &n, &err), &err);
    return (json_int_t)n;
}

static const char *const api_alerts_params[] = {"country", "since", "limit", NULL};

static void api_alerts(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_params *p = c->p;
    int since = 0;
    long limit = 100;
    const char *s = api_param(p, "since"), *l = api_param(p, "limit");
    if (s && hsi_api_month_parse(s, &since) != 0) {
        api_error(r, 400, "bad_request", "since '%.64s' is not a month: expected YYYY-MM", s);
        return;
    }
    if (l && hsi_api_long_parse(l, 1, 10000, &limit) != 0) {
        api_error(r, 400, "bad_request", "limit '%.64s': expected a whole number from 1 to 10000",
                  l);
        return;
    }
    since = s ? since : -100000;
    api_body_json(r, 200,
                  json_pack("{s:o, s:I, s:o}", "alerts",
                            api_alert_list(a, api_param(p, "country"), since, limit), "total",
                            api_alert_total(a, api_param(p, "country"), since), "warnings",
                            hsi_api_fc_warnings(a->db, api_param(p, "country"))));
}

static const char *const api_panel_params[] = {"country", "from",  "to", "level",
                                               "gid",     "limit", NULL};

static void api_panel(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_params *p = c->p;
    hsi_rd_panel_q pq = {.level = api_param(p, "level"),
                         .from = -100000,
                         .to = 100000,
                         .country = api_param(p, "country"),
                         .limit = 100000};
    if (!pq.level || !*pq.level) pq.level = "country";
    if (strcmp(pq.level, "country") && strcmp(pq.level, "grid")) {
        api_error(r, 400, "bad_request", "level '%.64s': expected country or grid", pq.level);
        return;
    }
    const char *f = api_param(p, "from"), *t = api_param(p, "to"), *g = api_param(p, "gid"),
               *l = api_param(p, "limit");
    if ((f && hsi_api_month_parse(f, &pq.from) != 0) ||
        (t && hsi_api_month_parse(t, &pq.to) != 0)) {
        api_error(r, 400, "bad_request", "from and to are months: expected YYYY-MM");
        return;
    }
    if (g && hsi_api_long_parse(g, 1, 259200, &pq.gid) != 0) {
        api_error(r, 400, "bad_request", "gid '%.64s': expected a PRIO-GRID cell, 1 to 259200", g);
        return;
    }
    if (l && hsi_api_long_parse(l, 1, 1000000, &pq.limit) != 0) {
        api_error(r, 400, "bad_request", "limit '%.64s': expected 1 to 1000000", l);
        return;
    }
    hs_error err = {0};
    json_t *arr = NULL;
    int more = 0;
    hs_status st = hsi_rd_panel(a->db, &pq, &arr, &more, &err);
    api_body_json(r, 200,
                  json_pack("{s:s, s:o, s:b}", "level", pq.level, "rows",
                            api_list(a, st, arr, &err), "truncated", more));
}

/* The country's index series: [{id, name, top, series}] of the indices that score it. */
static json_t *api_country_indices(hs_api *a, const char *code)
{
    char ids[16][32];
    size_t n = api_index_ids(a, ids, 16);
    json_t *indices = json_array();
    for (size_t i = 0; i < n; i++) {
        hsi_rd_index ix;
        if (!api_find_index(a, ids[i], &ix)) continue;
        hs_error err = {0};
        json_t *series = NULL;
        hs_status st = hsi_rd_country_series(a->db, &ix, code, &series, &err);
        series = api_list(a, st, series, &err);
        if (json_array_size(series) == 0) {
            json_decref(series);
            continue;
        }
        json_array_append_new(indices, json_pack("{s:s, s:s, s:s, s:o}", "id", ix.id, "name",
                                                 ix.name, "top", ix.top, "series", series));
    }
    return indices;
}

/* The covered months of spans as runs of consecutive months: [{first, last}]. */
static json_t *api_coverage_runs(const unsigned char *covered, int lo, int hi)
{
    json_t *coverage = json_array();
    for (int m = lo; covered && m <= hi; m++) {
        if (!covered[m - lo] || (m > lo && covered[m - 1 - lo])) continue;
        int e = m;
        while (e < hi && covered[e + 1 - lo])
            e++;
        char f[24], l[24];
        hsi_rd_month_str(m, f);
        hsi_rd_month_str(e, l);
        json_array_append_new(coverage, json_pack("{s:s, s:s}", "first", f, "last", l));
    }
    return coverage;
}

/* Every month lo..hi: its events and deaths, zero in a covered month without events, null
 * in a month no source covers (missing is never zero). */
static json_t *api_country_month_list(const hsi_rd_month *mv, size_t nm,
                                      const unsigned char *covered, int lo, int hi)
{
    json_t *months = json_array();
    size_t k = 0;
    for (int next = lo; covered && next <= hi; next++) {
        char ms[24];
        hsi_rd_month_str(next, ms);
        while (k < nm && mv[k].month < next)
            k++;
        if (k < nm && mv[k].month == next)
            json_array_append_new(months, json_pack("{s:s, s:I, s:I}", "month", ms, "events",
                                                    (json_int_t)mv[k].events, "deaths",
                                                    (json_int_t)mv[k].deaths));
        else if (covered[next - lo])
            json_array_append_new(
                months, json_pack("{s:s, s:i, s:i}", "month", ms, "events", 0, "deaths", 0));
        else
            json_array_append_new(months,
                                  json_pack("{s:s, s:n, s:n}", "month", ms, "events", "deaths"));
    }
    return months;
}

/* The country's events: its months from the first its sources cover to the last, and the
 * covered runs. Several Gleditsch-Ward units may map to one ISO3 code: they are added up. */
static void api_country_events(hs_api *a, const char *code, json_t **months, json_t **coverage)
{
    hs_error err = {0};
    hsi_rd_span *sp = NULL;
    hsi_rd_month *mv = NULL;
    size_t ns = 0, nm = 0;
    int lo = 0, hi = -1;
    unsigned char *covered = NULL;
    if (!api_failed(a, hsi_rd_coverage(a->db, code, &sp, &ns, &err), &err)) {
        for (size_t i = 0; i < ns; i++) {
            if (hi < lo || sp[i].first < lo) lo = sp[i].first;
            if (sp[i].last > hi) hi = sp[i].last;
        }
        if (hi >= lo && hi - lo < 12 * 200) covered = calloc((size_t)(hi - lo) + 1, 1);
        for (size_t i = 0; covered && i < ns; i++)
            for (int m = sp[i].first; m <= sp[i].last; m++)
                covered[m - lo] = 1;
    }
    if (covered && api_failed(a, hsi_rd_country_months(a->db, code, &mv, &nm, &err), &err)) {
        free(covered);
        covered = NULL;
    }
    *coverage = api_coverage_runs(covered, lo, hi);
    *months = api_country_month_list(mv, nm, covered, lo, hi);
    free(covered);
    free(mv);
    free(sp);
}

static void api_country(hs_api *a, const api_call *c, hs_http_response *r)
{
    const char *code = c->seg;
    hs_error err = {0};
    json_t *name = NULL;
    if (api_failed(a, hsi_rd_unit_name(a->db, code, &name, &err), &err)) return;
    if (!name) {
        api_error(r, 404, "not_found",
                  "no country '%.64s': expected an ISO 3166-1 alpha-3 code from GET "
                  "/api/v1/countries",
                  code);
        return;
    }
    json_t *indices = api_country_indices(a, code), *months = NULL, *coverage = NULL;
    api_country_events(a, code, &months, &coverage);
    api_body_json(r, 200,
                  json_pack("{s:s, s:o, s:o, s:{s:o, s:o}, s:o}", "code", code, "name", name,
                            "indices", indices, "events", "months", months, "coverage", coverage,
                            "alerts", api_alert_list(a, code, -100000, 1000)));
}

static const char *const api_method_params[] = {"index", NULL};

static void api_method(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_params *p = c->p;
    hsi_rd_index ix;
    long year;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    hs_error err = {0};
    json_t *steps = NULL, *sources = NULL, *pipeline = NULL;
    api_failed(a, hsi_rd_method(a->db, &ix, &steps, &sources, &pipeline, &err), &err);
    api_body_json(r, 200,
                  json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "index", ix.id, "name",
                            ix.name, "top", ix.top, "run", (json_int_t)ix.run, "pipeline",
                            pipeline ? pipeline : json_null(), "steps",
                            steps ? steps : json_array(), "nodes", api_nodes(a, &ix), "sources",
                            sources ? sources : json_array()));
}

/* ---- runs ------------------------------------------------------------------------------- */

static json_t *api_run_obj(hs_api *a, long long id)
{
    hs_error err = {0};
    json_t *o = NULL;
    api_failed(a, hsi_rd_run(a->db, id, &o, &err), &err);
    return o;
}

static void api_runs(hs_api *a, const api_call *c, hs_http_response *r)
{
    (void)c;
    json_t *arr = json_array();
    long long ids[100];
    size_t n = 0;
    hs_error err = {0};
    if (api_failed(a, hsi_rd_run_ids(a->db, ids, 100, &n, &err), &err)) n = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = api_run_obj(a, ids[i]);
        if (o) json_array_append_new(arr, o);
    }
    api_body_json(r, 200, json_pack("{s:o}", "runs", arr));
}

/* Path segment after prefix as a positive id; 0 if it is not one. */
static long long api_path_id(const char *seg)
{
    long v;
    return hsi_api_long_parse(seg, 1, 999999999999L, &v) == 0 ? (long long)v : 0;
}

static void api_run(hs_api *a, const api_call *c, hs_http_response *r)
{
    const char *seg = c->seg;
    long long id = api_path_id(seg);
    json_t *o = id ? api_run_obj(a, id) : NULL;
    if (!o) {
        api_error(r, 404, "not_found", "no run '%.64s' (GET /api/v1/runs lists them)", seg);
        return;
    }
    api_body_json(r, 200, json_pack("{s:o}", "run", o));
}
/* ---- auth and writes ------------------------------------------------------------------- */

static const char *api_header(const hs_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].name && req->headers[i].value &&
            !strcasecmp(req->headers[i].name, name))
            return req->headers[i].value;
    return NULL;
}

/* On store st (db under db_mu, or auth_db under auth_mu). 1 with the caller's partner, or
 * 0 with a 401 response. */
static int api_auth_on(hs_store *st, const hs_http_request *req, api_who *who, hs_http_response *r)
{
    const char *h = api_header(req, "Authorization");
    if (!h || !*h) {
        api_error(r, 401, "unauthorized",
                  "this request needs a partner token: Authorization: Bearer TOKEN (humsec "
                  "partner add NAME)");
        return 0;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        api_error(r, 401, "unauthorized", "expected Authorization: Bearer TOKEN");
        return 0;
    }
    h += 7;
    while (*h == ' ')
        h++;
    hs_error err = {0};
    if (hs_partner_auth(st, h, &who->id, who->name, sizeof who->name, &err) != HS_OK) {
        api_store_error(r, &err);
        return 0;
    }
    if (!who->id) {
        api_error(r, 401, "unauthorized", "the token is not valid (unknown or revoked)");
        return 0;
    }
    return 1;
}

/* Under db_mu. */
static int api_auth(hs_api *a, const hs_http_request *req, api_who *who, hs_http_response *r)
{
    return api_auth_on(a->db, req, who, r);
}

static json_t *api_sub_obj(hs_api *a, long long id, long partner)
{
    hs_error err = {0};
    json_t *o = NULL;
    api_failed(a, hsi_rd_submission(a->db, id, partner, &o, &err), &err);
    return o;
}

static int api_csv_type(const char *ct)
{
    if (!ct) return 1; /* no Content-Type: taken as CSV */
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    static const char *const ok[] = {"text/csv", "application/csv", "text/plain"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(ok[i]) == n && !strncasecmp(ct, ok[i], n)) return 1;
    return 0;
}

static const char *const api_sub_params[] = {"kind", NULL};

static void api_submit(hs_api *a, const api_call *c, hs_http_response *r)
{
    const hs_http_request *req = c->req;
    const api_who *who = c->who;
    api_params p;
    api_parse_query(req->query, api_sub_params, &p);
    const char *kind = api_param(&p, "kind");
    if (!kind || (strcmp(kind, "indicators") && strcmp(kind, "events"))) {
        api_error(r, 400, "bad_request",
                  "kind is required: indicators or events (POST "
                  "/api/v1/submissions?kind=indicators)");
        return;
    }
    const char *ct = api_header(req, "Content-Type");
    if (!api_csv_type(ct)) {
        api_error(r, 415, "unsupported_media_type",
                  "a submission is a CSV file: expected Content-Type: text/csv, not '%.64s'", ct);
        return;
    }
    hsi_sub_errs errs;
    memset(&errs, 0, sizeof errs);
    hs_error err = {0};
    int64_t id = 0;
    hs_status st = hsi_sub_add(a->db, who->id, who->name, kind, req->body ? req->body : "",
                               req->body_len, a->structure, a->geo, &id, &errs, &err);
    if (st == HS_ERR_PARSE) {
        json_t *list = json_array();
        for (size_t i = 0; i < errs.n; i++)
            api_utf8_clean(errs.e[i].msg);
        for (size_t i = 0; i < errs.n; i++)
            json_array_append_new(list,
                                  json_pack("{s:I, s:I, s:s%}", "line", (json_int_t)errs.e[i].line,
                                            "column", (json_int_t)errs.e[i].col, "message",
                                            errs.e[i].msg, strlen(errs.e[i].msg)));
        char first[800] = "";
        if (errs.n) {
            hs_error fe = {0};
            snprintf(fe.file, sizeof fe.file, "submission.csv");
            fe.line = errs.e[0].line;
            fe.col = errs.e[0].col;
            snprintf(fe.msg, sizeof fe.msg, "%s", errs.e[0].msg);
            hs_error_format(&fe, first, sizeof first);
        }
        api_error_x(r, 422, "invalid_csv",
                    json_pack("{s:o, s:I}", "errors", list, "errors_total", (json_int_t)errs.total),
                    "the %s file was refused whole (%zu error%s, nothing stored); first: %s", kind,
                    errs.total, errs.total == 1 ? "" : "s", first);
    } else if (st == HS_ERR_USAGE) {
        char msg[1200];
        hs_error_format(&err, msg, sizeof msg);
        api_error(r, 400, "bad_request", "%s", msg);
    } else if (st) {
        api_store_error(r, &err);
    } else {
        json_t *o = api_sub_obj(a, id, who->id);
        if (!o)
            api_error(r, 500, "internal", "the submission was stored but cannot be read back");
        else
            api_body_json(r, 201, json_pack("{s:o}", "submission", o));
    }
    hsi_sub_errs_free(&errs);
}

/* GET /submissions: every partner's to an administrator, the caller's own to a partner. */
static void api_sub_list(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_who *who = c->who;
    if (hsi_api_review_list(a->db, c->req, who->id, r)) return;
    long long ids[1000];
    size_t n = 0;
    hs_error err = {0};
    if (api_failed(a, hsi_rd_submission_ids(a->db, who->id, ids, 1000, &n, &err), &err)) n = 0;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = api_sub_obj(a, ids[i], who->id);
        if (o) json_array_append_new(arr, o);
    }
    api_body_json(r, 200, json_pack("{s:o}", "submissions", arr));
}

/* GET and DELETE /submissions/{id}: an administrator reads any submission, a partner reads
 * and withdraws its own. */
static void api_sub_one(hs_api *a, const api_call *c, hs_http_response *r)
{
    const char *method = c->req->method, *seg = c->seg;
    const api_who *who = c->who;
    if (strcmp(method, "DELETE") && hsi_api_review_one(a->db, seg, who->id, r)) return;
    long long id = api_path_id(seg);
    if (id && !strcmp(method, "DELETE")) {
        int found = 0;
        hs_error err = {0};
        if (hsi_sub_withdraw(a->db, who->id, who->name, id, &found, &err) != HS_OK) {
            api_store_error(r, &err);
            return;
        }
        if (!found) id = 0;
    }
    json_t *o = id ? api_sub_obj(a, id, who->id) : NULL;
    if (!o) {
        api_error(r, 404, "not_found",
                  "no submission '%.64s' of partner '%s' (GET /api/v1/submissions lists yours)",
                  seg, who->name);
        return;
    }
    api_body_json(r, 200, json_pack("{s:o}", "submission", o));
}

/* Under run_mu: seconds partner must still wait before it may start a run (0: it may). */
static long api_rate_wait(const hs_api *a, long partner, long long now)
{
    for (size_t i = 0; i < API_RATE_SLOTS; i++)
        if (a->rate[i].partner == partner && now - a->rate[i].at < a->o.run_interval)
            return (long)(a->o.run_interval - (now - a->rate[i].at));
    return 0;
}

/* Under run_mu: note that partner starts a run now. */
static void api_rate_note(hs_api *a, long partner, long long now)
{
    size_t slot = 0;
    for (size_t i = 0; i < API_RATE_SLOTS; i++) {
        if (a->rate[i].partner == partner) {
            slot = i;
            break;
        }
        if (a->rate[i].at < a->rate[slot].at) slot = i; /* the oldest, or a free one */
    }
    a->rate[slot].partner = partner;
    a->rate[slot].at = now;
}

/* 202: the run under way (or about to be) answers this request too. Under run_mu; waits a
 * moment for the claimed run to be recorded, so that the answer can name it. */
static void api_run_coalesced(hs_api *a, hs_http_response *r)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    while (a->run_active && !a->run_id)
        if (pthread_cond_timedwait(&a->run_cv, &a->run_mu, &until) != 0) break;
    long id = a->run_id;
    api_body_json(r, 202,
                  json_pack("{s:{s:o, s:s, s:s}, s:b, s:s}", "run", "id",
                            id ? json_integer(id) : json_null(), "index", "hsi", "status",
                            "running", "coalesced", 1, "message",
                            "a run is under way: this request is answered by it (GET "
                            "/api/v1/runs/ID shows when it is done)"));
    r->cache_control = "no-store";
}

static void api_run_limited(hs_http_response *r, long wait)
{
    api_error(r, 429, "too_many_requests",
              "a partner starts at most one run per interval: try again in %ld s", wait);
    r->retry_after = (int)wait;
}

/* The refresh's first step is reported once the run is recorded: its id is noted for the
 * requests coalesced into it. */
static void api_run_progress(void *ud, int level, const char *msg)
{
    (void)level;
    (void)msg;
    hs_api *a = ud;
    pthread_mutex_lock(&a->run_mu);
    int known = a->run_id != 0;
    pthread_mutex_unlock(&a->run_mu);
    if (known) return;
    long id = 0;
    hs_error err = {0};
    if (hsi_rd_running_run(a->db, &id, &err) != HS_OK) id = 0; /* the 202 then names no run */
    pthread_mutex_lock(&a->run_mu);
    a->run_id = id;
    pthread_cond_broadcast(&a->run_cv);
    pthread_mutex_unlock(&a->run_mu);
}

int hsi_api_run_release(hs_api *a, long partner)
{
    int released = 0;
    pthread_mutex_lock(&a->run_mu);
    if (a->run_active && !a->run_started && a->run_claimer == partner) {
        a->run_active = 0;
        a->run_claimer = 0;
        released = 1;
        pthread_cond_broadcast(&a->run_cv);
    }
    pthread_mutex_unlock(&a->run_mu);
    return released;
}

static void api_post_run(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_who *who = c->who;
    /* the request that claimed the run at its headers (hsi_api_precheck) starts it; any
     * other, while a run is claimed or under way, is coalesced into it */
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&a->run_mu);
    if (a->run_active && (a->run_started || a->run_claimer != who->id)) {
        api_run_coalesced(a, r);
        pthread_mutex_unlock(&a->run_mu);
        return;
    }
    if (!a->run_active) { /* not claimed at the headers: called without the HTTP adapter */
        long wait = api_rate_wait(a, who->id, now);
        if (wait) {
            pthread_mutex_unlock(&a->run_mu);
            api_run_limited(r, wait);
            return;
        }
        api_rate_note(a, who->id, now);
        a->run_active = 1;
        a->run_claimer = who->id;
    }
    a->run_started = 1;
    a->run_id = 0;
    pthread_mutex_unlock(&a->run_mu);
    hs_refresh_opts ro;
    hs_refresh_opts_init(&ro);
    ro.root = a->o.root;
    ro.ua_runs = a->o.ua_runs;
    ro.actor = who->name;
    ro.partner = who->id;
    ro.progress = api_run_progress;
    ro.progress_ud = a;
    hs_refresh_info info;
    hs_error err = {0};
    hs_status st = hs_store_refresh(a->ctx, a->db, &ro, &info, &err);
    /* the new results replace the cached ones at once, not before: until here the cache
     * served the previous run */
    atomic_store(&a->seen_run, hs_store_latest_run(a->db));
    api_invalidate(a);
    pthread_mutex_lock(&a->run_mu);
    a->run_active = a->run_started = 0;
    a->run_claimer = 0;
    a->run_id = 0;
    pthread_cond_broadcast(&a->run_cv);
    pthread_mutex_unlock(&a->run_mu);
    json_t *o = info.run ? api_run_obj(a, info.run) : NULL;
    if (st) {
        char msg[1600];
        hs_error_format(&err, msg, sizeof msg);
        api_error_x(r, 500, "internal", o ? json_pack("{s:o}", "run", o) : NULL,
                    "the run failed: %s", msg);
        return;
    }
    if (!o) {
        api_error(r, 500, "internal", "the run finished but cannot be read back");
        return;
    }
    api_body_json(r, 201, json_pack("{s:o}", "run", o));
}

/* ---- routing ---------------------------------------------------------------------------- */

static int api_is_get(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

/* A static file of the dashboard (c->arg: its index in a->assets). */
static void api_static_file(hs_api *a, const api_call *c, hs_http_response *r)
{
    const api_asset *as = &a->assets[c->arg];
    r->status = 200;
    r->content_type = as->type;
    r->cache_control = as->cache;
    r->body = (const char *)as->data;
    r->body_len = *as->len;
    memcpy(r->etag, as->etag, sizeof r->etag);
}

static const char *const api_forecasts_params[] = {"country", "origin", NULL};
static const char *const api_watchlist_params[] = {"months", "limit", NULL};

static void api_forecasts(hs_api *a, const api_call *c, hs_http_response *r)
{
    hsi_api_forecasts(a->db, api_param(c->p, "country"), api_param(c->p, "origin"), r);
}

static void api_watchlist(hs_api *a, const api_call *c, hs_http_response *r)
{
    hsi_api_watchlist(a->db, api_param(c->p, "months"), api_param(c->p, "limit"), r);
}

static void api_fc_scores(hs_api *a, const api_call *c, hs_http_response *r)
{
    (void)c;
    hsi_api_fc_scores(a->db, r);
}

/* POST /submissions/{id}/accept, reject or withdraw (c->arg: the hs_review). */
static void api_review(hs_api *a, const api_call *c, hs_http_response *r)
{
    hsi_api_review_decide(a->db, c->req, strtoll(c->seg, NULL, 10), (hs_review)c->arg, c->who->id,
                          c->who->name, r);
}

typedef void (*api_handler)(hs_api *a, const api_call *c, hs_http_response *r);

/* A route: requests whose method and path match are answered by handler. method GET takes
 * HEAD too; NULL takes every method (the handler answers a wrong one, after the checks that
 * come first on that route). In pattern, {} is one non-empty path segment and {id} one of 1
 * to 12 digits without a leading zero. auth: the caller's token is checked (and such answers
 * are never cached); cache: a public read, kept in the response cache, keyed by the path and
 * the query parameters in params. */
typedef struct api_route {
    const char *method;
    const char *pattern;
    api_handler handler;
    int auth, cache;
    const char *const *params;
    int arg;
} api_route;

static const api_route api_routes[] = {
    {"GET", "/", api_static_file, 0, 0, NULL, 0},
    {"GET", "/assets/dashboard.js", api_static_file, 0, 0, NULL, 1},
    {"GET", "/assets/dashboard.css", api_static_file, 0, 0, NULL, 2},
    {"GET", "/assets/countries-50m.json", api_static_file, 0, 0, NULL, 3},
    {"GET", "/assets/iso-codes.json", api_static_file, 0, 0, NULL, 4},
    {"GET", "/assets/iso-names.json", api_static_file, 0, 0, NULL, 5},
    {"GET", "/api/v1/health", api_health, 0, 1, NULL, 0},
    {"GET", "/api/v1/indices", api_indices, 0, 1, NULL, 0},
    {"GET", "/api/v1/countries", api_countries, 0, 1, NULL, 0},
    {"GET", "/api/v1/countries/{}", api_country, 0, 1, NULL, 0},
    {"GET", "/api/v1/scores", api_scores, 0, 1, api_scores_params, 0},
    {"GET", "/api/v1/ranks", api_ranks, 0, 1, api_ranks_params, 0},
    {"GET", "/api/v1/events/panel", api_panel, 0, 1, api_panel_params, 0},
    {"GET", "/api/v1/alerts", api_alerts, 0, 1, api_alerts_params, 0},
    {"GET", "/api/v1/method", api_method, 0, 1, api_method_params, 0},
    {"GET", "/api/v1/forecasts", api_forecasts, 0, 1, api_forecasts_params, 0},
    {"GET", "/api/v1/watchlist", api_watchlist, 0, 1, api_watchlist_params, 0},
    {"GET", "/api/v1/forecasts/scores", api_fc_scores, 0, 1, NULL, 0},
    {"GET", "/api/v1/runs", api_runs, 0, 1, NULL, 0},
    {"POST", "/api/v1/runs", api_post_run, 1, 0, NULL, 0},
    {"GET", "/api/v1/runs/{}", api_run, 0, 1, NULL, 0},
    {"GET", "/api/v1/submissions", api_sub_list, 1, 0, NULL, 0},
    {"POST", "/api/v1/submissions", api_submit, 1, 0, NULL, 0},
    {"GET", "/api/v1/submissions/{}", api_sub_one, 1, 0, NULL, 0},
    {"DELETE", "/api/v1/submissions/{}", api_sub_one, 1, 0, NULL, 0},
    {NULL, "/api/v1/submissions/{id}/accept", api_review, 1, 0, NULL, HS_REVIEW_ACCEPT},
    {NULL, "/api/v1/submissions/{id}/reject", api_review, 1, 0, NULL, HS_REVIEW_REJECT},
    {NULL, "/api/v1/submissions/{id}/withdraw", api_review, 1, 0, NULL, HS_REVIEW_WITHDRAW},
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
    api_params p;
    api_parse_query(req->query, rt->params ? rt->params : none, &p);
    if (p.bad) {
        api_error(r, 400, "bad_request",
                  "a query parameter is badly encoded or longer than %d bytes", API_MAX_VALUE - 1);
        return;
    }
    char key[API_MAX_PARAMS * (API_MAX_VALUE + 40) + 600];
    char path[600];
    snprintf(path, sizeof path, "%d/%.500s", (int)(rt - api_routes), m->seg ? m->seg : "");
    api_cache_key(path, &p, key, sizeof key);
    r->cache_control = "no-cache";
    r->public_read = 1;
    api_check_runs(a);
    if (api_cache_get(a, key, r)) return;
    if (!api_lock_db(a, req->no_wait, r)) return;
    pthread_rwlock_rdlock(&a->cache_mu);
    unsigned long gen = a->gen;
    pthread_rwlock_unlock(&a->cache_mu);
    api_call c = {.req = req, .seg = m->seg, .p = &p, .arg = rt->arg};
    rt->handler(a, &c, r);
    api_db_check(a, r);
    pthread_mutex_unlock(&a->db_mu);
    if (r->status == 200) {
        api_etag(r->etag, gen, r->body, r->body_len);
        r->cache_control = "no-cache";
        api_cache_put(a, key, gen, r);
    }
}

/* A route that needs a token: under db_mu with the caller, never cached. */
static void api_write(hs_api *a, const hs_http_request *req, const api_match *m,
                      hs_http_response *r)
{
    api_who who;
    memset(&who, 0, sizeof who);
    if (!api_lock_db(a, req->no_wait, r)) return;
    if (api_auth(a, req, &who, r)) {
        r->cache_control = "no-store";
        api_call c = {.req = req, .seg = m->seg, .who = &who, .arg = m->route->arg};
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
        api_error(r, 405, "method_not_allowed", "this resource allows %s", m->allow);
    } else if (!rt && strncmp(req->path, "/api/v1/", 8)) {
        api_error(r, 404, "not_found",
                  "no resource at '%.200s': the API is under /api/v1/ (docs/server.md)", req->path);
    } else if (!rt) {
        api_error(r, 404, "not_found", "no resource at '%.200s' (docs/server.md lists them)",
                  req->path);
    } else if (rt->auth) {
        api_write(a, req, m, r);
    } else if (rt->cache) {
        api_read(a, req, m, r);
    } else {
        api_call c = {.req = req, .seg = m->seg, .arg = rt->arg};
        rt->handler(a, &c, r);
    }
}

/* The token of a write, checked on its headers: on the second connection, or on the first
 * when it is free at once. 1 with *who, 0 with r answered or (status 0) left to be checked
 * with the body. */
static int api_precheck_auth(hs_api *a, const hs_http_request *req, api_who *who,
                             hs_http_response *r)
{
    int ok;
    if (a->auth_db) {
        pthread_mutex_lock(&a->auth_mu);
        ok = api_auth_on(a->auth_db, req, who, r);
        pthread_mutex_unlock(&a->auth_mu);
    } else if (!api_header(req, "Authorization")) {
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
    api_who who;
    memset(&who, 0, sizeof who);
    if (!api_precheck_auth(a, req, &who, r)) return r->status != 0;
    if (match.route->handler != api_post_run) return 0;
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&a->run_mu);
    if (a->run_active) {
        api_run_coalesced(a, r);
    } else {
        long wait = api_rate_wait(a, who.id, now);
        if (wait) {
            api_run_limited(r, wait);
        } else {
            api_rate_note(a, who.id, now);
            a->run_active = 1;
            a->run_started = 0;
            a->run_claimer = who.id;
            a->run_id = 0;
            *claimed = who.id;
        }
    }
    pthread_mutex_unlock(&a->run_mu);
    return r->status != 0;
}

void hsi_api_error(hs_http_response *r, int status, const char *code, const char *msg)
{
    memset(r, 0, sizeof *r);
    api_error(r, status, code, "%s", msg);
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
        api_error(r, 413, "payload_too_large",
                  "the request body is larger than the limit of %zu bytes (serve --max-body)",
                  a->o.max_body);
        return;
    }
    if (!req->method || !req->path || req->path[0] != '/') {
        api_error(r, 400, "bad_request", "expected a method and a path starting with /");
        return;
    }
    api_match m;
    api_match_req(req->method, req->path, &m);
    api_answer(a, req, &m, r);
    if (r->status == 0) return; /* deferred: the store is busy (no_wait) */
    if (r->status == 200 && r->etag[0] && api_is_get(req->method) &&
        api_etag_match(api_header(req, "If-None-Match"), r->etag)) {
        hs_http_response_free(r);
        r->status = 304;
        r->body = "";
        r->body_len = 0;
    }
}

/* For the administrators' routes (api_review.c). */
void hsi_api_json(hs_http_response *r, int status, json_t *j)
{
    api_body_json(r, status, j);
}

void hsi_api_err(hs_http_response *r, int status, const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    api_error(r, status, code, "%s", msg);
}
