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
 */
/* a feature-test macro is how the C library is asked for these names */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
#define _DEFAULT_SOURCE /* gmtime_r, struct sockaddr_in with the BSD names */
#include "server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
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

/* Per-request state: the body read so far and when the request started; for a request
 * handed to the writer thread, a copy of what the API needs and, once answered, the
 * answer. */
typedef struct http_req {
    char *buf;
    size_t len, cap;
    int too_large;
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
};

void hs_server_opts_init(hs_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bind = "127.0.0.1";
    o->threads = 2;
    o->max_body = HSI_SERVER_MAX_BODY;
    o->timeout = HSI_SERVER_TIMEOUT;
    o->max_conn = 1024;
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

static void http_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

static void http_log(const hs_server *s, const http_req *hr, const char *method, const char *path,
                     int status, size_t bytes)
{
    FILE *fp = s->o.access_log;
    if (!fp) return;
    struct timespec now, mono;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    long long us =
        (long long)(mono.tv_sec - hr->t0.tv_sec) * 1000000 + (mono.tv_nsec - hr->t0.tv_nsec) / 1000;
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char ts[40];
    (void)strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm); /* fits: 19 characters */
    flockfile(fp);
    fprintf(fp, "{\"time\":\"%s.%03ldZ\",\"method\":", ts, now.tv_nsec / 1000000);
    http_json_str(fp, method);
    fputs(",\"path\":", fp);
    http_json_str(fp, path);
    fprintf(fp, ",\"status\":%d,\"bytes\":%zu,\"us\":%lld}\n", status, bytes, us);
    funlockfile(fp);
}

/* Queue the API's answer r on the connection (taking its body) and log the request. */
static MHD_Result_t http_respond(hs_server *s, struct MHD_Connection *c, const http_req *hr,
                                 const char *url, const char *method, hs_http_response *r)
{
    struct MHD_Response *resp;
    if (r->owned_) {
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
    if (r->status != 304 && r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->cache_control)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    if (r->etag[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->allow[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"humsec\"");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* the public data may be read by a page from any origin (a dashboard under development
     * on another port); writes carry a token and get no such header */
    if (r->public_read) MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    if (r->status == 413) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_Result_t ok = MHD_queue_response(c, (unsigned)r->status, resp);
    http_log(s, hr, method, url, r->status, r->body_len);
    MHD_destroy_response(resp);
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

static MHD_Result_t http_handler(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    hs_server *s = cls;
    http_req *hr = *con_cls;
    if (!hr) {
        hr = calloc(1, sizeof *hr);
        if (!hr) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &hr->t0);
        *con_cls = hr;
        /* a declared length over the limit is refused before reading the body */
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->o.max_body) {
            hr->too_large = 1;
            return http_send(s, c, hr, url, method, 0);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (hr->too_large) return MHD_YES;
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
            char *b = realloc(hr->buf, cap);
            if (!b) return MHD_NO;
            hr->buf = b;
            hr->cap = cap;
        }
        memcpy(hr->buf + hr->len, upload_data, n);
        hr->len += n;
        hr->buf[hr->len] = 0;
        return MHD_YES;
    }
    if (hr->answered) { /* resumed: the writer thread's answer */
        hr->answered = 0;
        return http_respond(s, c, hr, url, method, &hr->resp);
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD") && !hr->too_large &&
        http_offload(s, c, hr, url, method) == 0)
        return MHD_YES;
    return http_send(s, c, hr, url, method, 1);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    http_req *hr = *con_cls;
    if (!hr) return;
    http_req_free_copies(hr);
    hs_http_response_free(&hr->resp);
    free(hr->buf);
    free(hr);
    *con_cls = NULL;
}

hs_status hs_server_start(hs_api *api, const hs_server_opts *o, hs_server **out, hs_error *err)
{
    *out = NULL;
    hs_server *s = calloc(1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->api = api;
    if (o)
        s->o = *o;
    else
        hs_server_opts_init(&s->o);
    if (!s->o.bind) s->o.bind = "127.0.0.1";
    if (s->o.threads < 1) s->o.threads = 1;
    if (!s->o.max_body) s->o.max_body = HSI_SERVER_MAX_BODY;
    if (s->o.timeout <= 0) s->o.timeout = HSI_SERVER_TIMEOUT;
    if (s->o.max_conn <= 0) s->o.max_conn = 1024;
    if (s->o.port < 0 || s->o.port > 65535) {
        int port = s->o.port;
        free(s);
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "port %d: expected 0 to 65535", port);
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->o.port);
    if (inet_pton(AF_INET, s->o.bind, &sa.sin_addr) != 1) {
        hs_status st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                               "bind address '%s': expected an IPv4 address such as 127.0.0.1 "
                               "or 0.0.0.0",
                               s->o.bind);
        free(s);
        return st;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    /* started before the daemon, so no request sees it half-made; without it, writes are
     * answered on the pool's threads */
    s->writer_started = pthread_create(&s->writer, NULL, http_writer, s) == 0;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    s->d = MHD_start_daemon(
        flags, (uint16_t)s->o.port, NULL, NULL, http_handler, s, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.timeout, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->o.max_conn, MHD_OPTION_NOTIFY_COMPLETED, http_completed, s,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!s->d) {
        hs_status st =
            hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot listen on %s:%d (in use, or not allowed?)",
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
    if (s->d) MHD_stop_daemon(s->d);
    if (s->o.access_log) (void)fflush(s->o.access_log); /* stopping: nothing to report to */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
