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
#include <sqlite3.h>

#include "report/html_int.h"
#include "store/store_int.h"

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
    const char *path, *type, *cache;
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
    char db_msg[512];
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

static json_t *api_num(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *api_col_num(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null()
                                                    : api_num(sqlite3_column_double(q, i));
}

static json_t *api_col_int(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? json_null()
                                                    : json_integer(sqlite3_column_int64(q, i));
}

/* Rank columns are stored as reals (ties share the lower rank); served as whole numbers
 * when they are, as reals otherwise. */
static json_t *api_col_rank(sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) return json_null();
    double v = sqlite3_column_double(q, i);
    if (v == floor(v) && fabs(v) < 1e15) return json_integer((json_int_t)v);
    return api_num(v);
}

/* A rank-interval bound: the 5 % quantile rounded down, the 95 % one rounded up, so that
 * the whole-number interval holds the estimated one. */
static json_t *api_col_bound(sqlite3_stmt *q, int i, int up)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) return json_null();
    double v = sqlite3_column_double(q, i);
    v = up ? ceil(v) : floor(v);
    return isfinite(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_null();
}

static json_t *api_col_str(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    if (!s) return json_null();
    json_t *j = json_stringn((const char *)s, (size_t)sqlite3_column_bytes(q, i));
    /* text that is not UTF-8 (it cannot come from our writers) is served as null */
    return j ? j : json_null();
}

static void api_month_str(int month_id, char out[24])
{
    int mm = month_id - 1;
    int q = mm >= 0 ? mm / 12 : -((-mm + 11) / 12);
    if ((size_t)snprintf(out, 24, "%04d-%02d", 1980 + q, mm - 12 * q + 1) >= 24) out[0] = 0;
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

static void api_asset_init(api_asset *as, const char *path, const char *type, const char *cache,
                           const unsigned char *data, const size_t *len)
{
    as->path = path;
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
    hsi_store_exec(db, "PRAGMA synchronous=FULL", NULL);
    api_asset_init(&a->assets[0], "/", "text/html; charset=utf-8", "no-cache", hsi_asset_dash_html,
                   &hsi_asset_dash_html_len);
    api_asset_init(&a->assets[1], "/assets/dashboard.js", "text/javascript; charset=utf-8",
                   "public, max-age=300", hsi_asset_dash_js, &hsi_asset_dash_js_len);
    api_asset_init(&a->assets[2], "/assets/dashboard.css", "text/css; charset=utf-8",
                   "public, max-age=300", hsi_asset_dash_css, &hsi_asset_dash_css_len);
    api_asset_init(&a->assets[3], "/assets/countries-50m.json", API_JSON, "public, max-age=86400",
                   hsi_asset_topo, &hsi_asset_topo_len);
    api_asset_init(&a->assets[4], "/assets/iso-codes.json", API_JSON, "public, max-age=86400",
                   hsi_asset_iso_codes, &hsi_asset_iso_codes_len);
    api_asset_init(&a->assets[5], "/assets/iso-names.json", API_JSON, "public, max-age=86400",
                   hsi_asset_iso_names, &hsi_asset_iso_names_len);
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

typedef struct api_index {
    long long run;
    char id[32], name[256], top[64];
} api_index;

static sqlite3 *api_sql(hs_api *a)
{
    return hsi_store_db(a->db);
}

/* sqlite3_prepare_v2 on the store, noting a failure (under db_mu) so that the request is
 * answered 500 with SQLite's message rather than with an empty list. */
static int api_prepare(hs_api *a, const char *sql, int n, sqlite3_stmt **q, const char **tail)
{
    int rc = sqlite3_prepare_v2(api_sql(a), sql, n, q, tail);
    if (rc != SQLITE_OK && !a->db_failed) {
        a->db_failed = 1;
        snprintf(a->db_msg, sizeof a->db_msg, "%s", sqlite3_errmsg(api_sql(a)));
    }
    return rc;
}

/* After a route ran under db_mu: a failed statement replaces the answer with a 500. */
static void api_db_check(hs_api *a, hs_http_response *r)
{
    if (!a->db_failed) return;
    a->db_failed = 0;
    hs_http_response_free(r);
    memset(r, 0, sizeof *r);
    api_error(r, 500, "internal", "the store %s cannot be read: %s", hsi_store_path(a->db),
              a->db_msg);
}

/* The latest run of index id; 0 when the store has none. */
static int api_find_index(hs_api *a, const char *id, api_index *ix)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (api_prepare(a,
                    "SELECT run, id, name, top FROM run_index WHERE id = ?1 ORDER BY run "
                    "DESC LIMIT 1",
                    -1, &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) == SQLITE_ROW) {
        ix->run = sqlite3_column_int64(q, 0);
        snprintf(ix->id, sizeof ix->id, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(ix->name, sizeof ix->name, "%s", (const char *)sqlite3_column_text(q, 2));
        snprintf(ix->top, sizeof ix->top, "%s", (const char *)sqlite3_column_text(q, 3));
        found = 1;
    }
    sqlite3_finalize(q);
    return found;
}

/* Ids of the indices of the latest runs, in the order the run built them. */
static size_t api_index_ids(hs_api *a, char ids[][32], size_t cap)
{
    sqlite3_stmt *q = NULL;
    size_t n = 0;
    if (api_prepare(a, "SELECT id, min(rowid) FROM run_index GROUP BY id ORDER BY 2", -1, &q,
                    NULL) != SQLITE_OK)
        return 0;
    while (n < cap && sqlite3_step(q) == SQLITE_ROW)
        snprintf(ids[n++], 32, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return n;
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
static long api_latest_year(hs_api *a, const api_index *ix)
{
    sqlite3_stmt *q = NULL;
    long y = 0;
    if (api_prepare(a,
                    "SELECT max(year) FROM score WHERE run = ?1 AND idx = ?2 AND node = "
                    "?3 AND score IS NOT NULL",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, ix->run);
        sqlite3_bind_text(q, 2, ix->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, ix->top, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) y = (long)sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return y;
}

static json_t *api_nodes(hs_api *a, const api_index *ix)
{
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    if (api_prepare(a,
                    "SELECT code, name, level, parent, weight, type, direction FROM node "
                    "WHERE run = ?1 AND idx = ?2 ORDER BY ord",
                    -1, &q, NULL) != SQLITE_OK)
        return arr;
    sqlite3_bind_int64(q, 1, ix->run);
    sqlite3_bind_text(q, 2, ix->id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(q) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "code",
                                             api_col_str(q, 0), "name", api_col_str(q, 1), "level",
                                             api_col_int(q, 2), "parent", api_col_str(q, 3),
                                             "weight", api_col_num(q, 4), "type", api_col_str(q, 5),
                                             "direction", api_col_int(q, 6)));
    sqlite3_finalize(q);
    return arr;
}

static int api_node_exists(hs_api *a, const api_index *ix, const char *code)
{
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (api_prepare(a, "SELECT 1 FROM node WHERE run = ?1 AND idx = ?2 AND code = ?3", -1, &q,
                    NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(q, 1, ix->run);
    sqlite3_bind_text(q, 2, ix->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, code, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return found;
}

static void api_health(hs_api *a, hs_http_response *r)
{
    long run = hs_store_latest_run(a->db);
    api_body_json(r, 200,
                  json_pack("{s:s, s:s, s:i, s:o}", "status", "ok", "version", HS_VERSION,
                            "schema_version", hs_store_version(a->db), "latest_run",
                            run ? json_integer(run) : json_null()));
}

static json_t *api_years(hs_api *a, const api_index *ix)
{
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    if (api_prepare(a,
                    "SELECT DISTINCT year FROM score WHERE run = ?1 AND idx = ?2 AND node "
                    "= ?3 ORDER BY year",
                    -1, &q, NULL) != SQLITE_OK)
        return arr;
    sqlite3_bind_int64(q, 1, ix->run);
    sqlite3_bind_text(q, 2, ix->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, ix->top, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(q) == SQLITE_ROW)
        json_array_append_new(arr, json_integer(sqlite3_column_int64(q, 0)));
    sqlite3_finalize(q);
    return arr;
}

static void api_indices(hs_api *a, hs_http_response *r)
{
    char ids[16][32];
    size_t n = api_index_ids(a, ids, 16);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        api_index ix;
        if (!api_find_index(a, ids[i], &ix)) continue;
        long ly = api_latest_year(a, &ix);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "id", ix.id, "name",
                                        ix.name, "top", ix.top, "years", api_years(a, &ix),
                                        "latest_year", ly ? json_integer(ly) : json_null(), "run",
                                        (json_int_t)ix.run, "nodes", api_nodes(a, &ix)));
    }
    api_body_json(r, 200, json_pack("{s:o}", "indices", arr));
}

static void api_countries(hs_api *a, hs_http_response *r)
{
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    if (api_prepare(a,
                    "SELECT code, name FROM unit WHERE code GLOB '[A-Z][A-Z][A-Z]' ORDER "
                    "BY code",
                    -1, &q, NULL) == SQLITE_OK)
        while (sqlite3_step(q) == SQLITE_ROW)
            json_array_append_new(
                arr, json_pack("{s:o, s:o}", "code", api_col_str(q, 0), "name", api_col_str(q, 1)));
    sqlite3_finalize(q);
    api_body_json(r, 200, json_pack("{s:o}", "countries", arr));
}

/* index (required), year (default the latest); 0 and a response on failure. */
static int api_index_year(hs_api *a, const api_params *p, api_index *ix, long *year,
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

static void api_scores(hs_api *a, const api_params *p, hs_http_response *r)
{
    api_index ix;
    long year = 0;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    const char *node = api_param(p, "pillar");
    if (!node || !*node) node = ix.top;
    if (!api_node_exists(a, &ix, node)) {
        api_error(r, 404, "not_found",
                  "index '%s' has no node '%.64s' (GET /api/v1/indices "
                  "lists them)",
                  ix.id, node);
        return;
    }
    const char *country = api_param(p, "country");
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    if (api_prepare(a,
                    "SELECT s.unit, u.name, s.score, s.rank, ri.lo, ri.hi FROM score s "
                    "LEFT JOIN unit u ON u.code = s.unit LEFT JOIN rank_interval ri ON "
                    "ri.run = s.run AND ri.idx = s.idx AND ri.year = s.year AND ri.unit "
                    "= s.unit AND ri.node = s.node WHERE s.run = ?1 AND s.idx = ?2 AND "
                    "s.node = ?3 AND s.year = ?4 AND (?5 IS NULL OR s.unit = ?5) ORDER BY "
                    "s.score IS NULL, s.rank, s.unit",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, ix.run);
        sqlite3_bind_text(q, 2, ix.id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, node, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, year);
        if (country)
            sqlite3_bind_text(q, 5, country, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(q, 5);
        while (sqlite3_step(q) == SQLITE_ROW)
            json_array_append_new(
                arr,
                json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "code", api_col_str(q, 0), "name",
                          api_col_str(q, 1), "score", api_col_num(q, 2), "rank", api_col_rank(q, 3),
                          "rank_lo", api_col_bound(q, 4, 0), "rank_hi", api_col_bound(q, 5, 1)));
    }
    sqlite3_finalize(q);
    api_body_json(r, 200,
                  json_pack("{s:s, s:I, s:o, s:s, s:o}", "index", ix.id, "run", (json_int_t)ix.run,
                            "year", year ? json_integer(year) : json_null(), "node", node, "scores",
                            arr));
}

static const char *const api_ranks_params[] = {"index", "year", NULL};

static void api_ranks(hs_api *a, const api_params *p, hs_http_response *r)
{
    api_index ix;
    long year = 0;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    if (api_prepare(a,
                    "SELECT s.unit, u.name, s.rank, ri.median, ri.lo, ri.hi FROM score s "
                    "LEFT JOIN unit u ON u.code = s.unit LEFT JOIN rank_interval ri ON "
                    "ri.run = s.run AND ri.idx = s.idx AND ri.year = s.year AND ri.unit "
                    "= s.unit AND ri.node = s.node WHERE s.run = ?1 AND s.idx = ?2 AND "
                    "s.node = ?3 AND s.year = ?4 ORDER BY s.rank IS NULL, s.rank, s.unit",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, ix.run);
        sqlite3_bind_text(q, 2, ix.id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, ix.top, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, year);
        while (sqlite3_step(q) == SQLITE_ROW)
            json_array_append_new(arr,
                                  json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "code",
                                            api_col_str(q, 0), "name", api_col_str(q, 1), "rank",
                                            api_col_rank(q, 2), "median", api_col_rank(q, 3), "lo",
                                            api_col_bound(q, 4, 0), "hi", api_col_bound(q, 5, 1)));
    }
    sqlite3_finalize(q);
    api_body_json(r, 200,
                  json_pack("{s:s, s:I, s:o, s:o}", "index", ix.id, "run", (json_int_t)ix.run,
                            "year", year ? json_integer(year) : json_null(), "ranks", arr));
}

/* The latest run that recorded event panels; 0 when none. */
static long long api_panel_run(hs_api *a)
{
    sqlite3_stmt *q = NULL;
    long long run = 0;
    if (api_prepare(a, "SELECT max(run) FROM panel_month", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        run = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return run;
}

/* Alerts (country level), newest first; country/since may be NULL/0. */
static json_t *api_alert_list(hs_api *a, const char *country, int since, long limit)
{
    json_t *arr = json_array();
    long long prun = api_panel_run(a);
    sqlite3_stmt *q = NULL, *s = NULL;
    if (api_prepare(a,
                    "SELECT * FROM (SELECT a.rowid, (SELECT p.iso3 FROM panel_month p "
                    "WHERE p.run = ?1 AND p.level = 'country' AND p.unit = a.unit LIMIT "
                    "1) AS iso, a.month_id, a.method, a.observed, a.expected, a.pvalue, "
                    "a.unit FROM alert a WHERE a.level = 'country' AND a.month_id >= ?3) "
                    "t LEFT JOIN unit u ON u.code = t.iso WHERE (?2 IS NULL OR t.iso = "
                    "?2) ORDER BY t.month_id DESC, t.iso LIMIT ?4",
                    -1, &q, NULL) != SQLITE_OK ||
        api_prepare(a,
                    "SELECT month_id, deaths FROM panel_month WHERE run = ?1 AND level = "
                    "'country' AND unit = ?2 AND month_id BETWEEN ?3 AND ?4",
                    -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return arr;
    }
    sqlite3_bind_int64(q, 1, prun);
    if (country)
        sqlite3_bind_text(q, 2, country, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_int(q, 3, since);
    sqlite3_bind_int64(q, 4, limit);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int m = sqlite3_column_int(q, 2);
        char ms[24];
        api_month_str(m, ms);
        long long deaths[12] = {0};
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, prun);
        sqlite3_bind_int64(s, 2, sqlite3_column_int64(q, 7));
        sqlite3_bind_int(s, 3, m - 11);
        sqlite3_bind_int(s, 4, m);
        while (sqlite3_step(s) == SQLITE_ROW) {
            int k = sqlite3_column_int(s, 0) - (m - 11);
            if (k >= 0 && k < 12) deaths[k] = sqlite3_column_int64(s, 1);
        }
        json_t *ser = json_array();
        for (int k = 0; k < 12; k++) {
            char mk[24];
            api_month_str(m - 11 + k, mk);
            json_array_append_new(
                ser, json_pack("{s:s, s:I}", "month", mk, "deaths", (json_int_t)deaths[k]));
        }
        json_t *name = sqlite3_column_type(q, 9) == SQLITE_NULL ? json_null() : api_col_str(q, 9);
        json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
                                             (json_int_t)sqlite3_column_int64(q, 0), "country",
                                             api_col_str(q, 1), "name", name, "month", ms, "method",
                                             api_col_str(q, 3), "observed", api_col_num(q, 4),
                                             "expected", api_col_num(q, 5), "p_value",
                                             api_col_num(q, 6), "series", ser));
    }
    sqlite3_finalize(q);
    sqlite3_finalize(s);
    return arr;
}

/* How many alerts match (country level; country/since as in api_alert_list), whatever the
 * limit: the list is the newest page, the total says how many there are. */
static json_int_t api_alert_total(hs_api *a, const char *country, int since)
{
    json_int_t n = 0;
    long long prun = api_panel_run(a);
    sqlite3_stmt *q = NULL;
    if (api_prepare(a,
                    "SELECT count(*) FROM alert a WHERE a.level = 'country' AND a.month_id >= "
                    "?3 AND (?2 IS NULL OR (SELECT p.iso3 FROM panel_month p WHERE p.run = ?1 "
                    "AND p.level = 'country' AND p.unit = a.unit LIMIT 1) = ?2)",
                    -1, &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(q, 1, prun);
    if (country)
        sqlite3_bind_text(q, 2, country, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 2);
    sqlite3_bind_int(q, 3, since);
    if (sqlite3_step(q) == SQLITE_ROW) n = (json_int_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static const char *const api_alerts_params[] = {"country", "since", "limit", NULL};

static void api_alerts(hs_api *a, const api_params *p, hs_http_response *r)
{
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

static void api_panel(hs_api *a, const api_params *p, hs_http_response *r)
{
    const char *level = api_param(p, "level");
    if (!level || !*level) level = "country";
    if (strcmp(level, "country") && strcmp(level, "grid")) {
        api_error(r, 400, "bad_request", "level '%.64s': expected country or grid", level);
        return;
    }
    int from = -100000, to = 100000;
    long limit = 100000, gid = 0;
    const char *f = api_param(p, "from"), *t = api_param(p, "to"), *g = api_param(p, "gid"),
               *l = api_param(p, "limit");
    if ((f && hsi_api_month_parse(f, &from) != 0) || (t && hsi_api_month_parse(t, &to) != 0)) {
        api_error(r, 400, "bad_request", "from and to are months: expected YYYY-MM");
        return;
    }
    if (g && hsi_api_long_parse(g, 1, 259200, &gid) != 0) {
        api_error(r, 400, "bad_request", "gid '%.64s': expected a PRIO-GRID cell, 1 to 259200", g);
        return;
    }
    if (l && hsi_api_long_parse(l, 1, 1000000, &limit) != 0) {
        api_error(r, 400, "bad_request", "limit '%.64s': expected 1 to 1000000", l);
        return;
    }
    int grid = !strcmp(level, "grid");
    const char *country = api_param(p, "country");
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    long n = 0;
    int more = 0;
    if (api_prepare(a,
                    "SELECT iso3, unit, month_id, events, deaths FROM panel_month WHERE "
                    "run = ?1 AND level = ?2 AND month_id BETWEEN ?3 AND ?4 AND (?5 IS "
                    "NULL OR iso3 = ?5) AND (?6 = 0 OR unit = ?6) ORDER BY unit, month_id",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, api_panel_run(a));
        sqlite3_bind_text(q, 2, level, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 3, from);
        sqlite3_bind_int(q, 4, to);
        if (country && !grid)
            sqlite3_bind_text(q, 5, country, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(q, 5);
        sqlite3_bind_int64(q, 6, grid ? gid : 0);
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (n++ == limit) {
                more = 1;
                break;
            }
            char ms[24];
            api_month_str(sqlite3_column_int(q, 2), ms);
            /* grid rows: a cell is not tied to one country, so country is null */
            json_t *row = json_pack("{s:o, s:s}", "country", api_col_str(q, 0), "month", ms);
            if (grid) json_object_set_new(row, "gid", json_integer(sqlite3_column_int64(q, 1)));
            json_object_set_new(row, "events", json_integer(sqlite3_column_int64(q, 3)));
            json_object_set_new(row, "deaths", json_integer(sqlite3_column_int64(q, 4)));
            json_array_append_new(arr, row);
        }
    }
    sqlite3_finalize(q);
    api_body_json(r, 200,
                  json_pack("{s:s, s:o, s:b}", "level", level, "rows", arr, "truncated", more));
}

static void api_country(hs_api *a, const char *code, hs_http_response *r)
{
    sqlite3_stmt *q = NULL;
    json_t *name = NULL;
    if (api_prepare(a, "SELECT name FROM unit WHERE code = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) name = api_col_str(q, 0);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!name) {
        api_error(r, 404, "not_found",
                  "no country '%.64s': expected an ISO 3166-1 alpha-3 code from GET "
                  "/api/v1/countries",
                  code);
        return;
    }
    char ids[16][32];
    size_t n = api_index_ids(a, ids, 16);
    json_t *indices = json_array();
    for (size_t i = 0; i < n; i++) {
        api_index ix;
        if (!api_find_index(a, ids[i], &ix)) continue;
        json_t *series = json_array(), *cur = NULL;
        long long cur_year = -1;
        if (api_prepare(a,
                        /* ranked: how many countries the rank is out of, per node and
                         * year (a pillar may rank countries the index leaves unscored) */
                        "SELECT s.year, s.node, s.score, s.rank, (SELECT count(*) FROM score "
                        "t WHERE t.run = s.run AND t.idx = s.idx AND t.node = s.node AND "
                        "t.year = s.year AND t.rank IS NOT NULL) FROM score s JOIN node n "
                        "ON n.run = s.run AND n.idx = s.idx AND n.code = s.node WHERE "
                        "s.run = ?1 AND s.idx = ?2 AND s.unit = ?3 AND n.type = "
                        "'Aggregate' ORDER BY s.year, n.ord",
                        -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, ix.run);
            sqlite3_bind_text(q, 2, ix.id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 3, code, -1, SQLITE_TRANSIENT);
            while (sqlite3_step(q) == SQLITE_ROW) {
                long long y = sqlite3_column_int64(q, 0);
                if (y != cur_year || !cur) {
                    cur = json_object();
                    json_array_append_new(
                        series, json_pack("{s:I, s:o}", "year", (json_int_t)y, "nodes", cur));
                    cur_year = y;
                }
                const char *nc = (const char *)sqlite3_column_text(q, 1);
                json_object_set_new(cur, nc ? nc : "",
                                    json_pack("{s:o, s:o, s:I}", "score", api_col_num(q, 2), "rank",
                                              api_col_rank(q, 3), "ranked",
                                              (json_int_t)sqlite3_column_int64(q, 4)));
            }
        }
        sqlite3_finalize(q);
        q = NULL;
        if (json_array_size(series) == 0) {
            json_decref(series);
            continue;
        }
        json_array_append_new(indices, json_pack("{s:s, s:s, s:s, s:o}", "id", ix.id, "name",
                                                 ix.name, "top", ix.top, "series", series));
    }
    /* the country's months from the first its events cover to the last: zero in a covered
     * month without events, null in a month no source covers (missing is never zero). Several
     * Gleditsch-Ward units may map to one ISO3 code: they are added up. */
    json_t *months = json_array(), *coverage = json_array();
    int cov_lo = 0, cov_hi = -1;
    unsigned char *covered = NULL;
    if (api_prepare(a,
                    "SELECT first_month, last_month FROM panel_coverage WHERE run = ?1 AND "
                    "level = 'country' AND iso3 = ?2 ORDER BY first_month",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, api_panel_run(a));
        sqlite3_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(q) == SQLITE_ROW) {
            int f = sqlite3_column_int(q, 0), l = sqlite3_column_int(q, 1);
            if (cov_hi < cov_lo || f < cov_lo) cov_lo = f;
            if (l > cov_hi) cov_hi = l;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    if (cov_hi >= cov_lo && cov_hi - cov_lo < 12 * 200)
        covered = calloc((size_t)(cov_hi - cov_lo) + 1, 1);
    if (covered &&
        api_prepare(a,
                    "SELECT first_month, last_month FROM panel_coverage WHERE run = ?1 AND "
                    "level = 'country' AND iso3 = ?2",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, api_panel_run(a));
        sqlite3_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(q) == SQLITE_ROW)
            for (int m = sqlite3_column_int(q, 0); m <= sqlite3_column_int(q, 1); m++)
                covered[m - cov_lo] = 1;
    }
    sqlite3_finalize(q);
    q = NULL;
    for (int m = cov_lo; covered && m <= cov_hi; m++) { /* the covered runs, merged */
        if (!covered[m - cov_lo] || (m > cov_lo && covered[m - 1 - cov_lo])) continue;
        int e = m;
        while (e < cov_hi && covered[e + 1 - cov_lo])
            e++;
        char f[24], l[24];
        api_month_str(m, f);
        api_month_str(e, l);
        json_array_append_new(coverage, json_pack("{s:s, s:s}", "first", f, "last", l));
    }
    if (covered && api_prepare(a,
                               "SELECT month_id, sum(events), sum(deaths) FROM panel_month WHERE "
                               "run = ?1 AND level = 'country' AND iso3 = ?2 GROUP BY month_id "
                               "ORDER BY month_id",
                               -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, api_panel_run(a));
        sqlite3_bind_text(q, 2, code, -1, SQLITE_TRANSIENT);
        int next = cov_lo, more = sqlite3_step(q) == SQLITE_ROW;
        for (; next <= cov_hi; next++) {
            char ms[24];
            api_month_str(next, ms);
            while (more && sqlite3_column_int(q, 0) < next)
                more = sqlite3_step(q) == SQLITE_ROW;
            if (more && sqlite3_column_int(q, 0) == next)
                json_array_append_new(months,
                                      json_pack("{s:s, s:I, s:I}", "month", ms, "events",
                                                (json_int_t)sqlite3_column_int64(q, 1), "deaths",
                                                (json_int_t)sqlite3_column_int64(q, 2)));
            else if (covered[next - cov_lo])
                json_array_append_new(
                    months, json_pack("{s:s, s:i, s:i}", "month", ms, "events", 0, "deaths", 0));
            else
                json_array_append_new(
                    months, json_pack("{s:s, s:n, s:n}", "month", ms, "events", "deaths"));
        }
    }
    sqlite3_finalize(q);
    free(covered);
    api_body_json(r, 200,
                  json_pack("{s:s, s:o, s:o, s:{s:o, s:o}, s:o}", "code", code, "name", name,
                            "indices", indices, "events", "months", months, "coverage", coverage,
                            "alerts", api_alert_list(a, code, -100000, 1000)));
}

static const char *const api_method_params[] = {"index", NULL};

static void api_method(hs_api *a, const api_params *p, hs_http_response *r)
{
    api_index ix;
    long year;
    if (!api_index_year(a, p, &ix, &year, r)) return;
    sqlite3_stmt *q = NULL;
    json_t *steps = NULL, *sources = NULL, *pipeline = NULL;
    if (api_prepare(a,
                    "SELECT steps, sources, pipeline FROM run_index WHERE run = ?1 AND "
                    "id = ?2",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, ix.run);
        sqlite3_bind_text(q, 2, ix.id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) {
            const char *s0 = (const char *)sqlite3_column_text(q, 0);
            const char *s1 = (const char *)sqlite3_column_text(q, 1);
            steps = s0 ? json_loads(s0, 0, NULL) : NULL;
            sources = s1 ? json_loads(s1, 0, NULL) : NULL;
            pipeline = api_col_str(q, 2);
        }
    }
    sqlite3_finalize(q);
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
    sqlite3_stmt *q = NULL;
    json_t *run = NULL;
    if (api_prepare(a,
                    "SELECT r.id, r.status, r.started_at, r.finished_at, r.message, "
                    "p.name FROM run r LEFT JOIN partner p ON p.id = r.requested_by "
                    "WHERE r.id = ?1",
                    -1, &q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW)
        run = json_pack(
            "{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)sqlite3_column_int64(q, 0),
            "index", "hsi", "status", api_col_str(q, 1), "started", api_col_str(q, 2), "finished",
            api_col_str(q, 3), "message", api_col_str(q, 4), "requested_by", api_col_str(q, 5));
    sqlite3_finalize(q);
    if (!run) return NULL;
    json_t *subs = json_array(), *idx = json_array();
    if (api_prepare(a, "SELECT submission FROM run_submission WHERE run = ?1 ORDER BY 1", -1, &q,
                    NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, id);
        while (sqlite3_step(q) == SQLITE_ROW)
            json_array_append_new(subs, json_integer(sqlite3_column_int64(q, 0)));
    }
    sqlite3_finalize(q);
    if (api_prepare(a, "SELECT id FROM run_index WHERE run = ?1 ORDER BY rowid", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(q, 1, id);
        while (sqlite3_step(q) == SQLITE_ROW)
            json_array_append_new(idx, api_col_str(q, 0));
    }
    sqlite3_finalize(q);
    json_object_set_new(run, "submissions", subs);
    json_object_set_new(run, "indices", idx);
    return run;
}

static void api_runs(hs_api *a, hs_http_response *r)
{
    json_t *arr = json_array();
    sqlite3_stmt *q = NULL;
    long long ids[100];
    size_t n = 0;
    if (api_prepare(a, "SELECT id FROM run ORDER BY id DESC LIMIT 100", -1, &q, NULL) == SQLITE_OK)
        while (n < 100 && sqlite3_step(q) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
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

static void api_run(hs_api *a, const char *seg, hs_http_response *r)
{
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

typedef struct api_who {
    long id;
    char name[128];
} api_who;

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
    sqlite3_stmt *q = NULL;
    json_t *o = NULL;
    if (api_prepare(a,
                    "SELECT s.id, p.name, s.kind, s.received_at, s.sha256, s.rows, "
                    "s.status, s.withdrawn_at, length(s.body), s.decided_at, s.decided_by, "
                    "s.reason FROM submission s JOIN partner p ON p.id = s.partner WHERE "
                    "s.id = ?1 AND s.partner = ?2",
                    -1, &q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, partner);
    if (sqlite3_step(q) == SQLITE_ROW)
        /* the partner sees the decision on its own submission: when, by whom, and why it
         * was rejected (a run's step message or the administrator's words) */
        o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:o, s:o, s:o}", "id",
                      (json_int_t)sqlite3_column_int64(q, 0), "partner", api_col_str(q, 1), "kind",
                      api_col_str(q, 2), "received", api_col_str(q, 3), "sha256", api_col_str(q, 4),
                      "rows", (json_int_t)sqlite3_column_int64(q, 5), "status", api_col_str(q, 6),
                      "withdrawn", api_col_str(q, 7), "bytes",
                      (json_int_t)sqlite3_column_int64(q, 8), "decided", api_col_str(q, 9),
                      "decided_by", api_col_str(q, 10), "reason", api_col_str(q, 11));
    sqlite3_finalize(q);
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

static void api_submit(hs_api *a, const hs_http_request *req, const api_who *who,
                       hs_http_response *r)
{
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

static void api_sub_list(hs_api *a, const api_who *who, hs_http_response *r)
{
    sqlite3_stmt *q = NULL;
    long long ids[1000];
    size_t n = 0;
    if (api_prepare(a,
                    "SELECT id FROM submission WHERE partner = ?1 ORDER BY id DESC LIMIT "
                    "1000",
                    -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, who->id);
        while (n < 1000 && sqlite3_step(q) == SQLITE_ROW)
            ids[n++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = api_sub_obj(a, ids[i], who->id);
        if (o) json_array_append_new(arr, o);
    }
    api_body_json(r, 200, json_pack("{s:o}", "submissions", arr));
}

static void api_sub_one(hs_api *a, const char *method, const char *seg, const api_who *who,
                        hs_http_response *r)
{
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
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(api_sql(a), "SELECT max(id) FROM run WHERE status = 'running'", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        id = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
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

static void api_post_run(hs_api *a, const api_who *who, hs_http_response *r)
{
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

static void api_not_allowed(hs_http_response *r, const char *allow)
{
    snprintf(r->allow, sizeof r->allow, "%s", allow);
    api_error(r, 405, "method_not_allowed", "this resource allows %s", allow);
}

static int api_is_get(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

/* Static files: "/" and "/assets/...". 1 when answered. */
static int api_static(hs_api *a, const hs_http_request *req, hs_http_response *r)
{
    for (size_t i = 0; i < sizeof a->assets / sizeof a->assets[0]; i++) {
        const api_asset *as = &a->assets[i];
        if (strcmp(req->path, as->path)) continue;
        if (!api_is_get(req->method)) {
            api_not_allowed(r, "GET, HEAD");
            return 1;
        }
        r->status = 200;
        r->content_type = as->type;
        r->cache_control = as->cache;
        r->body = (const char *)as->data;
        r->body_len = *as->len;
        memcpy(r->etag, as->etag, sizeof r->etag);
        return 1;
    }
    return 0;
}

/* A public read: answered from the cache or computed under db_mu and cached. */
typedef enum {
    R_HEALTH,
    R_INDICES,
    R_COUNTRIES,
    R_SCORES,
    R_RANKS,
    R_COUNTRY,
    R_PANEL,
    R_ALERTS,
    R_METHOD,
    R_RUNS,
    R_RUN,
    R_FORECASTS,
    R_WATCHLIST,
    R_FC_SCORES
} api_route;

static const char *const api_forecasts_params[] = {"country", "origin", NULL};
static const char *const api_watchlist_params[] = {"months", "limit", NULL};

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

static void api_read(hs_api *a, api_route route, const char *seg, const char *query, int no_wait,
                     hs_http_response *r)
{
    static const char *const none[] = {NULL};
    const char *const *names = none;
    switch (route) {
    case R_SCORES:
        names = api_scores_params;
        break;
    case R_RANKS:
        names = api_ranks_params;
        break;
    case R_PANEL:
        names = api_panel_params;
        break;
    case R_ALERTS:
        names = api_alerts_params;
        break;
    case R_METHOD:
        names = api_method_params;
        break;
    case R_FORECASTS:
        names = api_forecasts_params;
        break;
    case R_WATCHLIST:
        names = api_watchlist_params;
        break;
    default:
        break;
    }
    api_params p;
    api_parse_query(query, names, &p);
    if (p.bad) {
        api_error(r, 400, "bad_request",
                  "a query parameter is badly encoded or longer than %d bytes", API_MAX_VALUE - 1);
        return;
    }
    char key[API_MAX_PARAMS * (API_MAX_VALUE + 40) + 600];
    char path[600];
    snprintf(path, sizeof path, "%d/%.500s", (int)route, seg ? seg : "");
    api_cache_key(path, &p, key, sizeof key);
    r->cache_control = "no-cache";
    r->public_read = 1;
    api_check_runs(a);
    if (api_cache_get(a, key, r)) return;
    if (!api_lock_db(a, no_wait, r)) return;
    pthread_rwlock_rdlock(&a->cache_mu);
    unsigned long gen = a->gen;
    pthread_rwlock_unlock(&a->cache_mu);
    switch (route) {
    case R_HEALTH:
        api_health(a, r);
        break;
    case R_INDICES:
        api_indices(a, r);
        break;
    case R_COUNTRIES:
        api_countries(a, r);
        break;
    case R_SCORES:
        api_scores(a, &p, r);
        break;
    case R_RANKS:
        api_ranks(a, &p, r);
        break;
    case R_COUNTRY:
        api_country(a, seg, r);
        break;
    case R_PANEL:
        api_panel(a, &p, r);
        break;
    case R_ALERTS:
        api_alerts(a, &p, r);
        break;
    case R_METHOD:
        api_method(a, &p, r);
        break;
    case R_RUNS:
        api_runs(a, r);
        break;
    case R_RUN:
        api_run(a, seg, r);
        break;
    case R_FORECASTS:
        hsi_api_forecasts(a->db, api_param(&p, "country"), api_param(&p, "origin"), r);
        break;
    case R_WATCHLIST:
        hsi_api_watchlist(a->db, api_param(&p, "months"), api_param(&p, "limit"), r);
        break;
    case R_FC_SCORES:
        hsi_api_fc_scores(a->db, r);
        break;
    }
    api_db_check(a, r);
    pthread_mutex_unlock(&a->db_mu);
    if (r->status == 200) {
        api_etag(r->etag, gen, r->body, r->body_len);
        r->cache_control = "no-cache";
        api_cache_put(a, key, gen, r);
    }
}

/* Routes that need a token; under db_mu. */
static void api_write(hs_api *a, const hs_http_request *req, const char *rest, hs_http_response *r)
{
    api_who who;
    memset(&who, 0, sizeof who);
    if (!api_lock_db(a, req->no_wait, r)) return;
    if (api_auth(a, req, &who, r)) {
        r->cache_control = "no-store";
        if (hsi_api_review(a->db, req, rest, who.id, who.name, r)) {
            /* an administrator's route (api_review.c) */
        } else if (!strcmp(rest, "runs"))
            api_post_run(a, &who, r);
        else if (!strcmp(rest, "submissions") && !strcmp(req->method, "POST"))
            api_submit(a, req, &who, r);
        else if (!strcmp(rest, "submissions"))
            api_sub_list(a, &who, r);
        else
            api_sub_one(a, req->method, rest + strlen("submissions/"), &who, r);
        if (!r->cache_control) r->cache_control = "no-store";
    }
    api_db_check(a, r);
    pthread_mutex_unlock(&a->db_mu);
}

/* A write the route refuses whatever the body and the token (405: a read-only resource,
 * or a method the resource does not take): answered at once. Other writes under /api/v1/
 * need a token. */
static int api_refused_write(const char *method, const char *path)
{
    if (strncmp(path, "/api/v1/", 8)) return 1; /* 404 or 405 */
    const char *rest = path + 8;
    static const char *const ro[] = {"health",    "indices",   "countries",       "scores",
                                     "ranks",     "alerts",    "method",          "events/panel",
                                     "forecasts", "watchlist", "forecasts/scores"};
    for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++)
        if (!strcmp(rest, ro[i])) return 1;
    if (!strncmp(rest, "countries/", 10) || !strncmp(rest, "runs/", 5)) return 1;
    if (!strcmp(rest, "runs") || !strcmp(rest, "submissions")) return strcmp(method, "POST") != 0;
    if (!strncmp(rest, "submissions/", 12) && !strchr(rest + 12, '/'))
        return strcmp(method, "DELETE") != 0;
    return 0;
}

static void api_route_req(hs_api *a, const hs_http_request *req, hs_http_response *r);

int hsi_api_precheck(hs_api *a, const hs_http_request *req, hs_http_response *r, long *claimed)
{
    memset(r, 0, sizeof *r);
    *claimed = 0;
    const char *m = req->method ? req->method : "";
    const char *path = req->path ? req->path : "";
    if (api_is_get(m)) return 0;
    if (api_refused_write(m, path)) {
        hs_api_handle(a, req, r);
        return r->status != 0;
    }
    api_who who;
    memset(&who, 0, sizeof who);
    int ok;
    if (a->auth_db) {
        pthread_mutex_lock(&a->auth_mu);
        ok = api_auth_on(a->auth_db, req, &who, r);
        pthread_mutex_unlock(&a->auth_mu);
    } else if (!api_header(req, "Authorization")) {
        ok = api_auth_on(a->db, req, &who, r); /* answers 401 without reading the store */
    } else if (pthread_mutex_trylock(&a->db_mu) == 0) {
        ok = api_auth_on(a->db, req, &who, r);
        pthread_mutex_unlock(&a->db_mu);
    } else {
        return 0; /* the store is busy: the token is checked with the body */
    }
    if (!ok) return 1;
    if (strcmp(path, "/api/v1/runs") || strcmp(m, "POST")) return 0;
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

static void api_route_req(hs_api *a, const hs_http_request *req, hs_http_response *r)
{
    const char *m = req->method ? req->method : "";
    const char *path = req->path ? req->path : "";
    if (api_static(a, req, r)) return;
    static const char prefix[] = "/api/v1/";
    if (strncmp(path, prefix, sizeof prefix - 1)) {
        api_error(r, 404, "not_found",
                  "no resource at '%.200s': the API is under /api/v1/ (docs/server.md)", path);
        return;
    }
    const char *rest = path + sizeof prefix - 1;
    static const struct {
        const char *name;
        api_route route;
    } fixed[] = {{"health", R_HEALTH},
                 {"indices", R_INDICES},
                 {"countries", R_COUNTRIES},
                 {"scores", R_SCORES},
                 {"ranks", R_RANKS},
                 {"events/panel", R_PANEL},
                 {"alerts", R_ALERTS},
                 {"method", R_METHOD},
                 {"forecasts", R_FORECASTS},
                 {"watchlist", R_WATCHLIST},
                 {"forecasts/scores", R_FC_SCORES}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strcmp(rest, fixed[i].name)) continue;
        if (!api_is_get(m)) {
            api_not_allowed(r, "GET, HEAD");
            return;
        }
        api_read(a, fixed[i].route, NULL, req->query, req->no_wait, r);
        return;
    }
    if (!strncmp(rest, "countries/", 10) && rest[10] && !strchr(rest + 10, '/')) {
        if (!api_is_get(m)) {
            api_not_allowed(r, "GET, HEAD");
            return;
        }
        api_read(a, R_COUNTRY, rest + 10, NULL, req->no_wait, r);
        return;
    }
    if (!strcmp(rest, "runs")) {
        if (api_is_get(m))
            api_read(a, R_RUNS, NULL, NULL, req->no_wait, r);
        else if (!strcmp(m, "POST"))
            api_write(a, req, rest, r);
        else
            api_not_allowed(r, "GET, HEAD, POST");
        return;
    }
    if (!strncmp(rest, "runs/", 5) && rest[5] && !strchr(rest + 5, '/')) {
        if (!api_is_get(m)) {
            api_not_allowed(r, "GET, HEAD");
            return;
        }
        api_read(a, R_RUN, rest + 5, NULL, req->no_wait, r);
        return;
    }
    if (!strcmp(rest, "submissions")) {
        if (api_is_get(m) || !strcmp(m, "POST"))
            api_write(a, req, rest, r);
        else
            api_not_allowed(r, "GET, HEAD, POST");
        return;
    }
    if (hsi_api_review_path(rest)) {
        api_write(a, req, rest, r);
        return;
    }
    if (!strncmp(rest, "submissions/", 12) && rest[12] && !strchr(rest + 12, '/')) {
        if (api_is_get(m) || !strcmp(m, "DELETE"))
            api_write(a, req, rest, r);
        else
            api_not_allowed(r, "GET, HEAD, DELETE");
        return;
    }
    api_error(r, 404, "not_found", "no resource at '%.200s' (docs/server.md lists them)", path);
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
    api_route_req(a, req, r);
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
