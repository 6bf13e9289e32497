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

#endif
