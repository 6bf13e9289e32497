/*
 * server_int.h - between the API (api.c, socket-free) and its HTTP adapter (http.c). The
 * public calls are in humsec.h (server section); the routes are in docs/server.md.
 */
#ifndef HS_SERVER_INT_H
#define HS_SERVER_INT_H

#include "core/core_int.h"

/* Default request body limit (16 MiB) and idle connection timeout (30 s). */
#define HSI_SERVER_MAX_BODY (16u << 20)
#define HSI_SERVER_TIMEOUT  30

/* Let go of a response body the API handed out (hs_http_response.body of a response whose
 * owned_ was set); the HTTP adapter gives this to libmicrohttpd as the free callback. */
HS_INTERNAL void hsi_api_body_release(void *data);

/* A JSON answer (takes j) and a JSON error, as the API gives them (api.c). */
struct json_t;
HS_INTERNAL void hsi_api_json(hs_http_response *r, int status, struct json_t *j);
HS_INTERNAL void hsi_api_err(hs_http_response *r, int status, const char *code, const char *fmt,
                             ...) HS_PRINTF(4, 5);

/* The administrators' routes (api_review.c), under the store mutex with the authenticated
 * caller: 1 when the request was one of them and r is answered. */
HS_INTERNAL int hsi_api_review(hs_store *db, const hs_http_request *req, const char *rest, long who,
                               const char *name, hs_http_response *r);
/* 1 when rest ("submissions/7/accept") is a decision's path. */
HS_INTERNAL int hsi_api_review_path(const char *rest);

#endif
