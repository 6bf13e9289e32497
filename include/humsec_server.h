/*
 * humsec_server.h - the JSON API of the humsec library as a function of a request, and the
 * HTTP server that serves it (docs/server.md, docs/openapi.yaml), over an event store
 * (humsec_store.h).
 */
#ifndef HUMSEC_SERVER_H
#define HUMSEC_SERVER_H

#include "humsec_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The API as a function of a request (no sockets): the HTTP adapter, the tests and the
 *  fuzz target all drive it. Safe to call from several threads at once. */
typedef struct hs_api hs_api;

typedef struct hs_api_opts {
    size_t size; /**< sizeof(hs_api_opts): hs_api_opts_init sets it, and calls refuse another */
    const char *root;   /**< project folder (examples/, data/; default ".") */
    size_t max_body;    /**< request body limit in bytes (default 16 MiB) */
    long ua_runs;       /**< rank-interval runs of POST /api/v1/runs (default 1000) */
    int cache_entries;  /**< most cached read responses (default 4096) */
    size_t cache_bytes; /**< most bytes held by cached responses (default 64 MiB) */
    int run_interval;   /**< seconds a partner waits between two runs it starts (default 60;
                             sooner: 429 with Retry-After) */
} hs_api_opts;

void hs_api_opts_init(hs_api_opts *o);
/** New API over an open store (borrowed: close it after hs_api_free). */
hs_status hs_api_new(hs_ctx *ctx, hs_store *db, const hs_api_opts *o, hs_api **out, hs_error *err);
void hs_api_free(hs_api *api);

typedef struct hs_http_header {
    const char *name, *value;
} hs_http_header;

typedef struct hs_http_request {
    const char *method; /**< "GET", "POST", ... */
    const char *path;   /**< decoded path, without the query */
    const char *query;  /**< raw query string without '?', or NULL */
    const hs_http_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
    int body_too_large; /**< the adapter stopped reading at the limit */
    int no_wait;        /**< answer only without waiting for the store: when another request
                             holds it, the response has status 0 and nothing else (ask again
                             from a thread that may wait); cached reads never wait */
} hs_http_request;

typedef struct hs_http_response {
    int status;
    const char *content_type;  /**< static string */
    const char *cache_control; /**< static string or NULL */
    char etag[40];             /**< "" = none */
    char allow[48];            /**< Allow header of a 405, "" = none */
    int public_read;           /**< public data: any origin may read it (CORS) */
    int retry_after;           /**< seconds for a Retry-After header (429, 503), 0 = none */
    const char *body;
    size_t body_len;
    void *owned_; /**< internal: what hs_http_response_free releases */
} hs_http_response;

/** Answer a request. Every outcome, including bad input, is a response (4xx/5xx with a JSON
 *  error body); status 0 only with req->no_wait, as said there. req is borrowed. resp (OUT) is
 * filled whole; its body stays valid until hs_http_response_free(resp), which the caller must call
 * once (it accepts a response whose body is static). */
void hs_api_handle(hs_api *api, const hs_http_request *req, hs_http_response *resp);
void hs_http_response_free(hs_http_response *resp);

/** The HTTP server over an API (libmicrohttpd, a pool of threads). */
typedef struct hs_server hs_server;

typedef struct hs_server_opts {
    size_t
        size; /**< sizeof(hs_server_opts): hs_server_opts_init sets it, and calls refuse another */
    const char *bind;   /**< address to listen on (default 127.0.0.1) */
    int port;           /**< 0: any free port (see hs_server_port) */
    int threads;        /**< worker threads (default 2) */
    size_t max_body;    /**< request body limit (default 16 MiB) */
    int timeout;        /**< idle connection timeout in seconds (default 30) */
    int max_conn;       /**< connection limit (default 4096) */
    int per_ip;         /**< connections from one address (default 128) */
    int header_timeout; /**< seconds for a request's line and headers (default 10) */
    int body_timeout;   /**< seconds for a request's body (default 60) */
    size_t body_budget; /**< bytes of request bodies held at once, all requests (default
                             64 MiB; beyond it: 503 with Retry-After) */
    /** One JSON line per request (NULL: none). The server gathers the lines and hands
     *  them to the sink four times a second, when 64 KiB are waiting and when it stops,
     *  from one thread at a time; the sink is copied at start. A failing sink loses those
     *  lines only (the log never stops a request). */
    const hs_sink *access_log;
} hs_server_opts;

void hs_server_opts_init(hs_server_opts *o);
hs_status hs_server_start(hs_api *api, const hs_server_opts *o, hs_server **out, hs_error *err);
/** The port listened on. */
int hs_server_port(const hs_server *s);
/** Stop accepting, finish the requests in progress, free. */
void hs_server_stop(hs_server *s);

#ifdef __cplusplus
}
#endif
#endif
