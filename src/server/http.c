/*
 * http.c - the HTTP adapter: libmicrohttpd with an epoll thread pool in front of
 * hs_api_handle. It reads a request (body up to the limit), hands it to the API, sends what
 * the API answers and writes one JSON line per request to the access log. Routing, checks
 * and the store are the API's business (api.c).
 */
#define _DEFAULT_SOURCE /* gmtime_r, struct sockaddr_in with the BSD names */
#include "server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

struct hs_server {
    struct MHD_Daemon *d;
    hs_api *api;
    hs_server_opts o;
    int port;
};

/* Per-request state: the body read so far and when the request started. */
typedef struct http_req {
    char *buf;
    size_t len, cap;
    int too_large;
    struct timespec t0;
} http_req;

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
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    flockfile(fp);
    fprintf(fp, "{\"time\":\"%s.%03ldZ\",\"method\":", ts, now.tv_nsec / 1000000);
    http_json_str(fp, method);
    fputs(",\"path\":", fp);
    http_json_str(fp, path);
    fprintf(fp, ",\"status\":%d,\"bytes\":%zu,\"us\":%lld}\n", status, bytes, us);
    funlockfile(fp);
}

static MHD_Result_t http_send(hs_server *s, struct MHD_Connection *c, http_req *hr, const char *url,
                              const char *method)
{
    http_headers hs;
    hs.n = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, http_header_it, &hs);
    http_query q = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, http_arg_it, &q);
    hs_http_request req = {method,  url,     q.oom ? NULL : q.s, hs.h, hs.n,
                           hr->buf, hr->len, hr->too_large};
    hs_http_response r;
    hs_api_handle(s->api, &req, &r);
    free(q.s);
    struct MHD_Response *resp;
    if (r.owned_) {
        /* the body is shared with the cache: MHD lets go of it when it has sent it */
        resp = MHD_create_response_from_buffer_with_free_callback(r.body_len, (void *)r.body,
                                                                  hsi_api_body_release);
        if (resp) r.owned_ = NULL;
    } else {
        resp = MHD_create_response_from_buffer(r.body_len, (void *)r.body, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        hs_http_response_free(&r);
        return MHD_NO;
    }
    if (r.status != 304 && r.content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type);
    if (r.cache_control)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r.cache_control);
    if (r.etag[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r.etag);
    if (r.allow[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r.allow);
    if (r.status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"humsec\"");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* the public data may be read by a page from any origin (a dashboard under development
     * on another port); writes carry a token and get no such header */
    if (r.public_read) MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    if (r.status == 413) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_Result_t ok = MHD_queue_response(c, (unsigned)r.status, resp);
    http_log(s, hr, method, url, r.status, r.body_len);
    MHD_destroy_response(resp);
    hs_http_response_free(&r);
    return ok;
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
            return http_send(s, c, hr, url, method);
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
    return http_send(s, c, hr, url, method);
}

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    http_req *hr = *con_cls;
    if (!hr) return;
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
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
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
        free(s);
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
    MHD_stop_daemon(s->d);
    if (s->o.access_log) fflush(s->o.access_log);
    free(s);
}
