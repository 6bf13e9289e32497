/*
 * http.c - the HTTP adapter: libmicrohttpd with an epoll thread pool in front of
 * hs_api_handle. It reads a request (body up to the limit), hands it to the API, sends what
 * the API answers and writes one JSON line per request to the access log. Routing, checks
 * and the store are the API's business (api.c).
 *
 * Reads (GET, HEAD) are answered on the pool's threads: from the cache they take
 * microseconds. Everything else (submissions, withdrawals, runs) may wait for a disk sync
 * or a whole rebuild, so the connection is suspended and the request goes to one writer
 * thread, which answers it and resumes the connection; the pool's threads, each serving
 * many connections, never wait for a write.
 *
 * No client can hold the server (docs/server.md, limits): connections are capped in all and
 * per address; a request's line and headers must arrive within `header_timeout` seconds and
 * its body within `body_timeout` (a reaper thread shuts the socket of a connection past its
 * deadline); what the headers decide (a write's token, the run gate, the declared length,
 * the body budget, a malformed target) is answered on the first call, before any body is
 * read and without `100 Continue`; bodies are held only for writes, each up to `max_body`
 * and all together up to `body_budget` (503 with Retry-After beyond it). libmicrohttpd's own
 * error answers (400, 413, 431, 505 ...) get the documented JSON body (see
 * MHD_queue_response below).
 */
/* a feature-test macro is how the C library is asked for these names */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
#define _GNU_SOURCE /* gmtime_r, sockaddr_in with the BSD names, RTLD_NEXT */
#include "server_int.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

#define HTTP_MAX_HEADERS 64

/* A connection, for its deadline (CLOCK_MONOTONIC milliseconds; 0 = none): the reaper
 * shuts the socket of one past it. */
typedef struct http_conn {
    struct http_conn *prev, *next;
    int fd;
    atomic_llong deadline;
} http_conn;

/* Per-request state: the body read so far and when the request started; for a request
 * handed to the writer thread, a copy of what the API needs and, once answered, the
 * answer. */
typedef struct http_req {
    char *buf;
    size_t len, cap;
    size_t reserved; /* bytes of the body budget held (= cap once the body is allocated) */
    int too_large;   /* over max_body: 413 */
    int over_budget; /* the budget ran out while a chunked body came: 503 */
    int bad_target;  /* %00, a bad %-escape or a control byte in the path or query */
    int seen;        /* the handler saw the headers */
    int keep_body;   /* a write: its body is held; other bodies are dropped as they come */
    long claimed;    /* the partner whose POST /runs claimed the next run, 0 = none */
    void *held;      /* the body of a shared answer being sent, let go when done */
    struct timespec t0;
    struct MHD_Connection *c;
    int answered;               /* the writer thread filled resp */
    struct http_req *next;      /* in the writer's queue */
    char *method, *url, *query; /* copies (the connection is suspended meanwhile) */
    hs_http_header *hdr;
    size_t nhdr;
    hs_http_response resp;
} http_req;

struct hs_server {
    struct MHD_Daemon *d;
    hs_api *api;
    hs_server_opts o;
    int port;
    pthread_mutex_t mu; /* the writer's queue */
    pthread_cond_t cv;
    http_req *head, *tail;
    int stopping;
    int writer_started;
    pthread_t writer;
    atomic_size_t body_inflight; /* bytes of bodies held, all requests (body_budget) */
    pthread_mutex_t conn_mu;     /* the connection list and the reaper's sleep */
    pthread_cond_t conn_cv;
    http_conn *conns;
    int reaper_stop, reaper_started;
    pthread_t reaper;
    /* the access log: lines gathered here, handed to the sink in batches (a write per
     * request would be a system call per request) */
    hs_sink log;
    int has_log;
    pthread_mutex_t log_mu;
    char *log_buf;
    size_t log_len, log_cap;
};

/* For every answer: the dashboard is a page of this server only (scripts and styles from
 * it, the API from it, inline style attributes that its tables set, and one inline handler,
 * onsubmit="return false", allowed by its hash), framed by nobody. */
#define HTTP_CSP                                                                                   \
    "default-src 'none'; script-src 'self' 'unsafe-hashes' "                                       \
    "'sha256-GZIcz60Uwd6wT3vaYke/atSr53TehbYAPepOa3d03Vw='; style-src 'self' "                     \
    "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; "                 \
    "form-action 'none'; frame-ancestors 'none'"

static void http_common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy", HTTP_CSP);
}

static long long http_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- libmicrohttpd's own error answers ---------------------------------------------------
 * libmicrohttpd answers some requests itself (a header block too large for a connection's
 * memory, a malformed line, a missing Host, a bad Content-Length or chunk, an unknown HTTP
 * version) with a fixed HTML page, without calling the handler, and 0.9.75 has no option
 * to change it. It queues that page through its exported MHD_queue_response, which the
 * definition below takes the place of (the program's own definition comes first for the
 * dynamic linker): an answer without the header every answer of ours carries is one of
 * those, and the documented JSON error is queued instead. */

typedef MHD_Result_t (*http_queue_fn)(struct MHD_Connection *, unsigned int, struct MHD_Response *);

/* Where the library's MHD_queue_response is: found once, the same for the whole process. */
static pthread_once_t http_queue_once = PTHREAD_ONCE_INIT;
static http_queue_fn http_queue_lib;

static void http_queue_find(void)
{
    void *p = dlsym(RTLD_NEXT, "MHD_queue_response");
    http_queue_fn fn = NULL;
    if (p) memcpy(&fn, &p, sizeof fn); /* POSIX: a function's address as a void * */
    http_queue_lib = fn;
}

static const char *http_mhd_error_body(unsigned status, size_t *len)
{
#define HTTP_E(code, st, msg)                                                                      \
    "{\"error\":{\"code\":\"" code "\",\"status\":" st ",\"message\":\"" msg "\"}}"
    static const char e400[] =
        HTTP_E("bad_request", "400",
               "the request is malformed (its request line, a header, Host, Content-Length or "
               "a chunk of its body)");
    static const char e413[] =
        HTTP_E("payload_too_large", "413", "the request body or a chunk of it is too large");
    static const char e414[] = HTTP_E("uri_too_long", "414", "the request target is too long");
    static const char e431[] =
        HTTP_E("header_fields_too_large", "431",
               "the request line and headers are larger than the server accepts");
    static const char e505[] =
        HTTP_E("http_version_not_supported", "505", "expected HTTP/1.0 or HTTP/1.1");
    static const char e500[] = HTTP_E("internal", "500", "the server could not read the request");
    static const char other[] = HTTP_E("error", "0", "the server could not read the request");
#undef HTTP_E
    const char *b;
    switch (status) {
    case 400:
        b = e400;
        *len = sizeof e400 - 1;
        break;
    case 413:
        b = e413;
        *len = sizeof e413 - 1;
        break;
    case 414:
        b = e414;
        *len = sizeof e414 - 1;
        break;
    case 431:
        b = e431;
        *len = sizeof e431 - 1;
        break;
    case 505:
        b = e505;
        *len = sizeof e505 - 1;
        break;
    case 500:
        b = e500;
        *len = sizeof e500 - 1;
        break;
    default:
        b = other;
        *len = sizeof other - 1;
        break;
    }
    return b;
}

MHD_Result_t MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                struct MHD_Response *response)
{
    pthread_once(&http_queue_once, http_queue_find);
    http_queue_fn lib = http_queue_lib;
    if (!lib || lib == MHD_queue_response) return MHD_NO;
    if (status_code >= 400 && !MHD_get_response_header(response, "X-Content-Type-Options")) {
        size_t len = 0;
        const char *body = http_mhd_error_body(status_code, &len);
        struct MHD_Response *j =
            MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
        if (j) {
            MHD_add_response_header(j, MHD_HTTP_HEADER_CONTENT_TYPE,
                                    "application/json; charset=utf-8");
            MHD_add_response_header(j, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
            MHD_add_response_header(j, MHD_HTTP_HEADER_CONNECTION, "close");
            http_common_headers(j);
            MHD_Result_t ok = lib(connection, status_code, j);
            MHD_destroy_response(j);
            return ok;
        }
    }
    return lib(connection, status_code, response);
}

void hs_server_opts_init(hs_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->bind = "127.0.0.1";
    o->threads = 2;
    o->max_body = HSI_SERVER_MAX_BODY;
    o->timeout = HSI_SERVER_TIMEOUT;
    o->max_conn = HSI_SERVER_MAX_CONN;
    o->per_ip = HSI_SERVER_PER_IP;
    o->header_timeout = HSI_SERVER_HEADER_TIMEOUT;
    o->body_timeout = HSI_SERVER_BODY_TIMEOUT;
    o->body_budget = HSI_SERVER_BODY_BUDGET;
}

typedef struct http_headers {
    hs_http_header h[HTTP_MAX_HEADERS];
    size_t n;
} http_headers;

static MHD_Result_t http_header_it(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    http_headers *hs = cls;
    if (hs->n < HTTP_MAX_HEADERS) {
        hs->h[hs->n].name = key;
        hs->h[hs->n].value = value ? value : "";
        hs->n++;
    }
    return MHD_YES;
}

/* The query string rebuilt from the arguments MHD decoded (re-encoded, in order). */
typedef struct http_query {
    char *s;
    size_t len, cap;
    int oom;
} http_query;

/* Append s, percent-encoded unless raw. */
static void http_q_put(http_query *q, const char *s, int raw)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s; s++) {
        if (q->len + 4 >= q->cap) {
            size_t cap = q->cap ? q->cap * 2 : 256;
            char *p = realloc(q->s, cap);
            if (!p) {
                q->oom = 1;
                return;
            }
            q->s = p;
            q->cap = cap;
        }
        unsigned char c = (unsigned char)*s;
        if (raw || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            q->s[q->len++] = (char)c;
        } else {
            q->s[q->len++] = '%';
            q->s[q->len++] = hex[c >> 4];
            q->s[q->len++] = hex[c & 15];
        }
        q->s[q->len] = 0;
    }
}

static MHD_Result_t http_arg_it(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    http_query *q = cls;
    if (q->len) http_q_put(q, "&", 1);
    http_q_put(q, key, 0);
    if (value) {
        http_q_put(q, "=", 1);
        http_q_put(q, value, 0);
    }
    return MHD_YES;
}

/* Append s as a JSON string at out[*k] (cap bytes, room for the rest kept): cut short
 * rather than overflow. */
static void http_json_str(char *out, size_t *k, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = *k;
    out[n++] = '"';
    for (; *s && n + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            out[n++] = '\\';
            out[n++] = 'u';
            out[n++] = '0';
            out[n++] = '0';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    *k = n;
}

/* Hand the gathered log lines to the sink; s->log_mu held. */
static void http_log_flush_locked(hs_server *s)
{
    if (s->log_len) (void)s->log.write(s->log.ud, s->log_buf, s->log_len);
    s->log_len = 0;
}

static void http_log_flush(hs_server *s)
{
    if (!s->has_log) return;
    pthread_mutex_lock(&s->log_mu);
    http_log_flush_locked(s);
    pthread_mutex_unlock(&s->log_mu);
}

/* Gather one line; the sink gets them from the reaper four times a second, or here once
 * 64 KiB wait. Without room to gather, the line goes to the sink alone. */
static void http_log_add(hs_server *s, const char *line, size_t k)
{
    pthread_mutex_lock(&s->log_mu);
    if (s->log_len + k > s->log_cap) {
        size_t cap = s->log_cap ? 2 * s->log_cap : 1 << 17;
        char *b = s->log_len + k <= cap ? realloc(s->log_buf, cap) : NULL;
        if (b) {
            s->log_buf = b;
            s->log_cap = cap;
        }
    }
    if (s->log_len + k <= s->log_cap) {
        memcpy(s->log_buf + s->log_len, line, k);
        s->log_len += k;
        if (s->log_len >= 1 << 16) http_log_flush_locked(s);
    } else {
        http_log_flush_locked(s);
        (void)s->log.write(s->log.ud, line, k);
    }
    pthread_mutex_unlock(&s->log_mu);
}

/* One JSON line per request. */
static void http_log(hs_server *s, const http_req *hr, const char *method, const char *path,
                     int status, size_t bytes)
{
    if (!s->has_log) return;
    struct timespec now, mono;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    long long us =
        (long long)(mono.tv_sec - hr->t0.tv_sec) * 1000000 + (mono.tv_nsec - hr->t0.tv_nsec) / 1000;
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char line[1400];
    size_t k = (size_t)snprintf(
        line, 64,
        "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"method\":", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
    if (k >= 64) return;
    http_json_str(line, &k, 200, method);
    for (const char *t = ",\"path\":"; *t; t++)
        line[k++] = *t;
    http_json_str(line, &k, sizeof line - 100, path);
    k += (size_t)snprintf(line + k, 100, ",\"status\":%d,\"bytes\":%zu,\"us\":%lld}\n", status,
                          bytes, us);
    http_log_add(s, line, k);
}

/* The headers every answer of r's kind carries. */
static void http_add_headers(struct MHD_Response *resp, const hs_http_response *r)
{
    if (r->status != 304 && r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->cache_control)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    if (r->etag[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->allow[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"humsec\"");
    if (r->retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    http_common_headers(resp);
    /* the public data may be read by a page from any origin (a dashboard under development
     * on another port); writes carry a token and get no such header */
    if (r->public_read) MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    if (r->status == 413) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
}

void hsi_http_aux_free(void *aux)
{
    MHD_destroy_response(aux);
}

/* A public 200 answer (a cached read): the libmicrohttpd answer made once per body, with
 * its headers, and queued on every connection that asks for it; the connection holds the
 * body until the answer is sent (http_completed). NULL when it cannot be made. */
static struct MHD_Response *http_shared(hs_http_response *r)
{
    struct MHD_Response *resp = hsi_api_body_aux(r);
    if (resp) return resp;
    resp = MHD_create_response_from_buffer(r->body_len, (void *)r->body, MHD_RESPMEM_PERSISTENT);
    if (!resp) return NULL;
    http_add_headers(resp, r);
    struct MHD_Response *won = hsi_api_body_set_aux(r, resp);
    if (won != resp) MHD_destroy_response(resp); /* another thread made it first */
    return won;
}

/* Queue the API's answer r on the connection (taking its body) and log the request. */
static MHD_Result_t http_respond(hs_server *s, struct MHD_Connection *c, http_req *hr,
                                 const char *url, const char *method, hs_http_response *r)
{
    struct MHD_Response *resp;
    int shared = 0;
    if (r->owned_ && r->status == 200 && r->public_read && !hr->held &&
        (resp = http_shared(r)) != NULL) {
        shared = 1;
        hr->held = r->owned_;
        r->owned_ = NULL;
    } else if (r->owned_) {
        /* the body is shared with the cache: MHD lets go of it when it has sent it */
        resp = MHD_create_response_from_buffer_with_free_callback(r->body_len, (void *)r->body,
                                                                  hsi_api_body_release);
        if (resp) r->owned_ = NULL;
    } else {
        resp =
            MHD_create_response_from_buffer(r->body_len, (void *)r->body, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        hs_http_response_free(r);
        return MHD_NO;
    }
    if (!shared) http_add_headers(resp, r);
    MHD_Result_t ok = MHD_queue_response(c, (unsigned)r->status, resp);
    http_log(s, hr, method, url, r->status, r->body_len);
    if (!shared) MHD_destroy_response(resp);
    hs_http_response_free(r);
    return ok;
}

static int http_offload(hs_server *s, struct MHD_Connection *c, http_req *hr, const char *url,
                        const char *method);

/* Answer on this thread. With may_defer, a request that would wait for the store (another
 * request holds it) goes to the writer thread instead: a pool thread serves many
 * connections and does not wait. */
/* NOLINTNEXTLINE(misc-no-recursion): it calls itself once at most, with may_defer = 0 */
static MHD_Result_t http_send(hs_server *s, struct MHD_Connection *c, http_req *hr, const char *url,
                              const char *method, int may_defer)
{
    http_headers hs;
    hs.n = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, http_header_it, &hs);
    http_query q = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, http_arg_it, &q);
    hs_http_request req = {method,  url,     q.oom ? NULL : q.s, hs.h,     hs.n,
                           hr->buf, hr->len, hr->too_large,      may_defer};
    hs_http_response r;
    hs_api_handle(s->api, &req, &r);
    free(q.s);
    if (r.status == 0) { /* deferred */
        if (http_offload(s, c, hr, url, method) == 0) return MHD_YES;
        return http_send(s, c, hr, url, method, 0); /* stopping: answered here after all */
    }
    return http_respond(s, c, hr, url, method, &r);
}

static void http_req_free_copies(http_req *hr)
{
    for (size_t i = 0; i < hr->nhdr; i++) {
        free((char *)hr->hdr[i].name);
        free((char *)hr->hdr[i].value);
    }
    free(hr->hdr);
    free(hr->method);
    free(hr->url);
    free(hr->query);
    hr->hdr = NULL;
    hr->nhdr = 0;
    hr->method = hr->url = hr->query = NULL;
}

/* Copy what the API needs out of the connection and queue the request for the writer
 * thread; 0 when queued (the caller suspends the connection), -1 to answer inline (out of
 * memory, or the server is stopping). */
static int http_offload(hs_server *s, struct MHD_Connection *c, http_req *hr, const char *url,
                        const char *method)
{
    http_headers hs;
    hs.n = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, http_header_it, &hs);
    http_query q = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, http_arg_it, &q);
    hr->method = strdup(method);
    hr->url = strdup(url);
    hr->query = q.s; /* NULL when there is none */
    hr->hdr = calloc(hs.n + 1, sizeof *hr->hdr);
    int bad = !hr->method || !hr->url || !hr->hdr || q.oom;
    for (size_t i = 0; !bad && i < hs.n; i++) {
        hr->hdr[i].name = strdup(hs.h[i].name);
        hr->hdr[i].value = strdup(hs.h[i].value);
        hr->nhdr = i + 1;
        bad = !hr->hdr[i].name || !hr->hdr[i].value;
    }
    if (!bad) {
        pthread_mutex_lock(&s->mu);
        if (s->stopping || !s->writer_started) {
            bad = 1;
        } else {
            hr->c = c;
            hr->next = NULL;
            if (s->tail)
                s->tail->next = hr;
            else
                s->head = hr;
            s->tail = hr;
            /* suspended before the writer can resume it: still under the queue's lock */
            MHD_suspend_connection(c);
            pthread_cond_signal(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
    }
    if (bad) http_req_free_copies(hr);
    return bad ? -1 : 0;
}

/* The writer thread: answers the queued requests one after another and resumes their
 * connections; when stopping, it finishes the queue first. */
static void *http_writer(void *arg)
{
    hs_server *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stopping)
            pthread_cond_wait(&s->cv, &s->mu);
        http_req *hr = s->head;
        if (!hr) break; /* stopping, nothing left */
        s->head = hr->next;
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        hs_http_request req = {hr->method, hr->url, hr->query,     hr->hdr, hr->nhdr,
                               hr->buf,    hr->len, hr->too_large, 0};
        hs_api_handle(s->api, &req, &hr->resp);
        hr->answered = 1;
        MHD_resume_connection(hr->c);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- connections and their deadlines -------------------------------------------------- */

static http_conn *http_conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? (http_conn *)ci->socket_context : NULL;
}

/* Deadline in ms from now, 0 = none. */
static void http_deadline(struct MHD_Connection *c, int seconds)
{
    http_conn *hc = http_conn_of(c);
    if (hc) atomic_store(&hc->deadline, seconds > 0 ? http_now_ms() + seconds * 1000LL : 0);
}

static void http_notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    hs_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        http_conn *hc = calloc(1, sizeof *hc);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!hc || !ci) { /* no deadline for this one; the idle timeout still holds */
            free(hc);
            return;
        }
        hc->fd = ci->connect_fd;
        /* the first request's line and headers are due from the connection's start */
        atomic_init(&hc->deadline, http_now_ms() + s->o.header_timeout * 1000LL);
        pthread_mutex_lock(&s->conn_mu);
        hc->next = s->conns;
        if (s->conns) s->conns->prev = hc;
        s->conns = hc;
        pthread_mutex_unlock(&s->conn_mu);
        *socket_context = hc;
        return;
    }
    http_conn *hc = *socket_context;
    if (!hc) return;
    /* libmicrohttpd reports the close before it closes the socket: under conn_mu the reaper
     * never shuts a descriptor that another connection has taken since */
    pthread_mutex_lock(&s->conn_mu);
    if (hc->prev)
        hc->prev->next = hc->next;
    else
        s->conns = hc->next;
    if (hc->next) hc->next->prev = hc->prev;
    pthread_mutex_unlock(&s->conn_mu);
    free(hc);
    *socket_context = NULL;
}

/* Four times a second, shut the sockets of the connections past their deadline: libmicrohttpd
 * then sees the end of the stream and closes them. */
static void *http_reaper(void *arg)
{
    hs_server *s = arg;
    pthread_mutex_lock(&s->conn_mu);
    while (!s->reaper_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&s->conn_cv, &s->conn_mu, &until);
        if (s->has_log) {
            pthread_mutex_unlock(&s->conn_mu); /* connections come and go meanwhile */
            http_log_flush(s);
            pthread_mutex_lock(&s->conn_mu);
        }
        long long now = http_now_ms();
        for (http_conn *hc = s->conns; hc; hc = hc->next) {
            long long dl = atomic_load(&hc->deadline);
            if (dl && now > dl) {
                (void)shutdown(hc->fd, SHUT_RDWR);
                atomic_store(&hc->deadline, 0);
            }
        }
    }
    pthread_mutex_unlock(&s->conn_mu);
    return NULL;
}

/* ---- the body budget ------------------------------------------------------------------ */

static int http_reserve(hs_server *s, size_t n)
{
    size_t cur = atomic_load(&s->body_inflight);
    do {
        if (n > s->o.body_budget || cur > s->o.body_budget - n) return -1;
    } while (!atomic_compare_exchange_weak(&s->body_inflight, &cur, cur + n));
    return 0;
}

static void http_unreserve(hs_server *s, http_req *hr)
{
    if (hr->reserved) atomic_fetch_sub(&s->body_inflight, hr->reserved);
    hr->reserved = 0;
}

/* ---- the request target and headers ---------------------------------------------------- */

static int http_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The target as received: every '%' starts an escape of two hex digits other than %00, and
 * no byte is a control character (libmicrohttpd would cut the path at a %00 and keep a bad
 * escape as it is). */
static int http_target_ok(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) return 0;
        if (*p != '%') continue;
        if (!http_hex(p[1]) || !http_hex(p[2]) || (p[1] == '0' && p[2] == '0')) return 0;
        p += 2;
    }
    return 1;
}

/* Called by libmicrohttpd when a request line has arrived, with the target as received; what
 * it returns is the request's state. */
static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    hs_server *s = cls;
    http_req *hr = calloc(1, sizeof *hr);
    if (hr) {
        clock_gettime(CLOCK_MONOTONIC, &hr->t0);
        hr->bad_target = !http_target_ok(uri ? uri : "");
    }
    /* a request on a kept-alive connection: its headers are due header_timeout from now */
    http_conn *hc = http_conn_of(c);
    if (hc) {
        long long dl = http_now_ms() + s->o.header_timeout * 1000LL;
        long long cur = atomic_load(&hc->deadline);
        if (!cur || cur > dl) atomic_store(&hc->deadline, dl);
    }
    return hr;
}

static MHD_Result_t http_count_cl(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    (void)value;
    if (key && !strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) ++*(int *)cls;
    return MHD_YES;
}

/* Answer r now, on the headers: libmicrohttpd then reads no body (and sends no 100
 * Continue) and closes the connection after the answer. */
static MHD_Result_t http_early(hs_server *s, struct MHD_Connection *c, http_req *hr,
                               const char *url, const char *method, hs_http_response *r)
{
    if (hr->claimed) {
        hsi_api_run_release(s->api, hr->claimed);
        hr->claimed = 0;
    }
    return http_respond(s, c, hr, url, method, r);
}

static int http_is_read(const char *method)
{
    return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

/* The first call: everything the headers decide. */
static MHD_Result_t http_first(hs_server *s, struct MHD_Connection *c, http_req *hr,
                               const char *url, const char *method)
{
    hr->seen = 1;
    hs_http_response r;
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
    int has_body = len > 0 || te;
    http_deadline(c, has_body ? s->o.body_timeout : 0);
    if (hr->bad_target) {
        hsi_api_error(&r, 400, "bad_request",
                      "the request target holds %00, a '%' not followed by two hex digits, or "
                      "a control character");
        return http_early(s, c, hr, url, method, &r);
    }
    int ncl = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, http_count_cl, &ncl);
    if (ncl > 1) {
        hsi_api_error(&r, 400, "bad_request", "the request has more than one Content-Length");
        return http_early(s, c, hr, url, method, &r);
    }
    /* a declared length over the limit is refused before reading the body */
    if (len > s->o.max_body) {
        hr->too_large = 1;
        return http_send(s, c, hr, url, method, 0);
    }
    if (http_is_read(method)) return MHD_YES; /* a body, if any, is dropped as it comes */
    http_headers hs;
    hs.n = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, http_header_it, &hs);
    hs_http_request req = {method, url, NULL, hs.h, hs.n, NULL, 0, 0, 1};
    if (hsi_api_precheck(s->api, &req, &r, &hr->claimed))
        return http_early(s, c, hr, url, method, &r);
    hr->keep_body = 1;
    if (len && http_reserve(s, (size_t)len + 1) != 0) {
        hsi_api_error(&r, 503, "unavailable",
                      "the server holds as many request bodies as it may at once: try again "
                      "shortly");
        r.retry_after = 5;
        return http_early(s, c, hr, url, method, &r);
    }
    hr->reserved = len ? (size_t)len + 1 : 0;
    return MHD_YES;
}

/* A piece of the body. */
static MHD_Result_t http_body(hs_server *s, http_req *hr, const char *data, size_t n)
{
    if (!hr->keep_body || hr->too_large || hr->over_budget) return MHD_YES;
    if (hr->len + n > s->o.max_body) {
        hr->too_large = 1; /* keep reading (chunked bodies) but drop what comes */
        free(hr->buf);
        hr->buf = NULL;
        hr->len = hr->cap = 0;
        return MHD_YES;
    }
    if (hr->len + n + 1 > hr->cap) {
        size_t cap = hr->cap ? hr->cap : 4096;
        while (cap < hr->len + n + 1)
            cap *= 2;
        if (!hr->cap && hr->reserved >= hr->len + n + 1) cap = hr->reserved; /* declared */
        /* what is held is what the budget says: the allocation beyond the reservation is
         * reserved first (a chunked body) */
        if (cap > hr->reserved) {
            if (http_reserve(s, cap - hr->reserved) != 0) {
                hr->over_budget = 1;
                free(hr->buf);
                hr->buf = NULL;
                hr->len = hr->cap = 0;
                return MHD_YES;
            }
            hr->reserved = cap;
        }
        char *b = realloc(hr->buf, cap);
        if (!b) return MHD_NO;
        hr->buf = b;
        hr->cap = cap;
    }
    memcpy(hr->buf + hr->len, data, n);
    hr->len += n;
    hr->buf[hr->len] = 0;
    return MHD_YES;
}

static MHD_Result_t http_handler(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    hs_server *s = cls;
    http_req *hr = *con_cls;
    if (!hr) { /* the target was not seen (out of memory then): checked by MHD alone */
        hr = calloc(1, sizeof *hr);
        if (!hr) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &hr->t0);
        *con_cls = hr;
    }
    if (!hr->seen) return http_first(s, c, hr, url, method);
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return http_body(s, hr, upload_data, n);
    }
    if (hr->answered) { /* resumed: the writer thread's answer */
        hr->answered = 0;
        return http_respond(s, c, hr, url, method, &hr->resp);
    }
    http_deadline(c, 0); /* the body is in: the answer is ours to give */
    if (hr->over_budget) {
        hs_http_response r;
        hsi_api_error(&r, 503, "unavailable",
                      "the server holds as many request bodies as it may at once: try again "
                      "shortly");
        r.retry_after = 5;
        return http_early(s, c, hr, url, method, &r);
    }
    if (!http_is_read(method) && !hr->too_large && http_offload(s, c, hr, url, method) == 0)
        return MHD_YES;
    return http_send(s, c, hr, url, method, 1);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    hs_server *s = cls;
    (void)toe;
    http_req *hr = *con_cls;
    /* kept alive: the next request is due within the idle timeout */
    http_deadline(c, s->o.timeout);
    if (!hr) return;
    if (hr->claimed) hsi_api_run_release(s->api, hr->claimed);
    if (hr->held) {
        hs_http_response held = {0};
        held.owned_ = hr->held;
        hs_http_response_free(&held);
    }
    http_unreserve(s, hr);
    http_req_free_copies(hr);
    hs_http_response_free(&hr->resp);
    free(hr->buf);
    free(hr);
    *con_cls = NULL;
}

/* The caller's options (o NULL: the defaults) checked, each unset one given its default, into
 * so; sa gets the address to listen on. */
static hs_status http_opts(const hs_server_opts *o, hs_server_opts *so, struct sockaddr_in *sa,
                           hs_error *err)
{
    if (o && !HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_server_opts");
    hs_server_opts_init(so);
    if (o) *so = *o;
    if (!so->bind) so->bind = "127.0.0.1";
    if (so->threads < 1) so->threads = 1;
    if (!so->max_body) so->max_body = HSI_SERVER_MAX_BODY;
    if (so->timeout <= 0) so->timeout = HSI_SERVER_TIMEOUT;
    if (so->max_conn <= 0) so->max_conn = HSI_SERVER_MAX_CONN;
    if (so->per_ip <= 0) so->per_ip = HSI_SERVER_PER_IP;
    if (so->header_timeout <= 0) so->header_timeout = HSI_SERVER_HEADER_TIMEOUT;
    if (so->body_timeout <= 0) so->body_timeout = HSI_SERVER_BODY_TIMEOUT;
    if (!so->body_budget) so->body_budget = HSI_SERVER_BODY_BUDGET;
    if (so->port < 0 || so->port > 65535)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "port %d: expected 0 to 65535", so->port);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)so->port);
    if (inet_pton(AF_INET, so->bind, &sa->sin_addr) != 1)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "bind address '%s': expected an IPv4 address such as 127.0.0.1 or 0.0.0.0",
                       so->bind);
    if (so->access_log && hsi_sink_check(so->access_log, err) != HS_OK) return HS_ERR_USAGE;
    return HS_OK;
}

hs_status hs_server_start(hs_api *api, const hs_server_opts *o, hs_server **out, hs_error *err)
{
    *out = NULL;
    hs_server_opts so;
    struct sockaddr_in sa;
    hs_status st = http_opts(o, &so, &sa, err);
    if (st) return st;
    hs_server *s = calloc(1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->api = api;
    s->o = so;
    if (s->o.access_log) {
        s->log = *s->o.access_log;
        s->has_log = 1;
        s->o.access_log = NULL; /* the caller's pointer is not kept */
        pthread_mutex_init(&s->log_mu, NULL);
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->conn_mu, NULL);
    pthread_cond_init(&s->conn_cv, NULL);
    atomic_init(&s->body_inflight, 0);
    s->reaper_started = pthread_create(&s->reaper, NULL, http_reaper, s) == 0;
    /* started before the daemon, so no request sees it half-made; without it, writes are
     * answered on the pool's threads */
    s->writer_started = pthread_create(&s->writer, NULL, http_writer, s) == 0;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    s->d = MHD_start_daemon(
        flags, (uint16_t)s->o.port, NULL, NULL, http_handler, s, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->o.max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->o.per_ip,
        MHD_OPTION_NOTIFY_COMPLETED, http_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        http_notify_conn, s, MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!s->d) {
        st = hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot listen on %s:%d (in use, or not allowed?)",
                     s->o.bind, s->o.port);
        s->d = NULL;
        hs_server_stop(s);
        return st;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? (int)di->port : s->o.port;
    *out = s;
    return HS_OK;
}

int hs_server_port(const hs_server *s)
{
    return s->port;
}

void hs_server_stop(hs_server *s)
{
    if (!s) return;
    /* the writer answers what is queued and resumes those connections (MHD must have no
     * suspended connection when it stops); requests after this are answered inline */
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->writer_started) pthread_join(s->writer, NULL);
    pthread_mutex_lock(&s->conn_mu);
    s->reaper_stop = 1;
    pthread_cond_signal(&s->conn_cv);
    pthread_mutex_unlock(&s->conn_mu);
    if (s->reaper_started) pthread_join(s->reaper, NULL);
    if (s->d) MHD_stop_daemon(s->d); /* its closing connections leave the list */
    http_log_flush(s);               /* stopping: a failing sink has nothing to report to */
    if (s->has_log) pthread_mutex_destroy(&s->log_mu);
    free(s->log_buf);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->conn_mu);
    pthread_cond_destroy(&s->conn_cv);
    free(s);
}
