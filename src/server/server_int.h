/*
 * server_int.h - between the API (api*.c, socket-free) and its HTTP adapter (http.c). The
 * public calls are in humsec.h (server section); the routes are in docs/server.md; what the
 * API's own files share is in api_int.h.
 */
#ifndef HS_SERVER_INT_H
#define HS_SERVER_INT_H

#include "core/core_int.h"
#include "humsec_server.h"

/* Default request body limit (16 MiB) and idle connection timeout (30 s). */
#define HSI_SERVER_MAX_BODY (16u << 20)
#define HSI_SERVER_TIMEOUT  30

/* Connection discipline (docs/server.md, limits): connections in all, from one address,
 * seconds for a request's line and headers and for its body, and bytes of request bodies
 * held at once over all requests. */
#define HSI_SERVER_MAX_CONN       4096
#define HSI_SERVER_PER_IP         128
#define HSI_SERVER_HEADER_TIMEOUT 10
#define HSI_SERVER_BODY_TIMEOUT   60
#define HSI_SERVER_BODY_BUDGET    (64u << 20)

/* Response cache cap in bytes (64 MiB) and a partner's least interval between runs. */
#define HSI_API_CACHE_BYTES  ((size_t)64 << 20)
#define HSI_API_RUN_INTERVAL 60

/* Let go of a response body the API handed out (hs_http_response.body of a response whose
 * owned_ was set); the HTTP adapter gives this to libmicrohttpd as the free callback. */
HS_INTERNAL void hsi_api_body_release(void *data);

/* What can be decided on the headers alone, before any body is read: a write's token
 * (401), a write outside the API (404/405), and for POST /api/v1/runs the run gate (202
 * coalesced into the run under way, 429 rate limit). 1 with r filled: answer it and read no
 * body; 0: go on (r empty). *claimed is the partner whose POST /runs claimed the next run
 * (0: none): if that request ends before it reaches hs_api_handle, give the claim back. */
HS_INTERNAL int hsi_api_precheck(hs_api *a, const hs_http_request *req, hs_http_response *r,
                                 long *claimed);
HS_INTERNAL int hsi_api_run_release(hs_api *a, long partner);
/* r := the documented JSON error body. */
HS_INTERNAL void hsi_api_error(hs_http_response *r, int status, const char *code, const char *msg);
/* A response body (r->owned_) may carry the HTTP adapter's answer made from it, made once
 * and shared by every request served that body; it is freed with the body
 * (hsi_http_aux_free, in http.c). set_aux keeps the first one set and returns it. */
HS_INTERNAL void *hsi_api_body_aux(const hs_http_response *r);
HS_INTERNAL void *hsi_api_body_set_aux(const hs_http_response *r, void *aux);
HS_INTERNAL void hsi_http_aux_free(void *aux);
/* Bytes held by the response cache (tests). */
HS_INTERNAL size_t hsi_api_cache_bytes(hs_api *a);

#endif
