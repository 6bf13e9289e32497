/*
 * fuzz_http.c - libFuzzer target for the API (hs_api_handle): method, path, query, headers
 * and body from the input, against an in-memory store holding one run of the shipped
 * indices (no rank intervals, no events, to keep start-up short) and one partner.
 *
 * Input: byte 0 holds flags (bit 0: add the partner's valid token, bit 1: mark the body as
 * over the limit, bit 2: no_wait, bit 3: first the check the HTTP adapter makes on the
 * headers, hsi_api_precheck, whose answer, if any, is checked the same way), then the lines METHOD,
 * PATH, QUERY, header lines "Name: value", an empty line, and the body (the rest). POST
 * /api/v1/runs is not sent: a rebuild takes a second and is covered by tests/server.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "humsec_server.h"
#include "server/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hs_api *fz_api;
static char fz_auth[160];

static void fz_init(void)
{
    static hs_ctx *ctx;
    static hs_store *db;
    hs_global_init();
    ctx = hs_ctx_new(NULL, NULL);
    hs_error err = {0};
    if (!ctx || hs_store_open(ctx, ":memory:", &db, &err) != HS_OK) abort();
    hs_refresh_opts ro;
    hs_refresh_opts_init(&ro);
    ro.root = HS_SOURCE_DIR;
    ro.ua_runs = 0;
    ro.events = 0;
    char token[HS_TOKEN_SIZE];
    if (hs_store_refresh(ctx, db, &ro, NULL, &err) != HS_OK ||
        hs_partner_add(db, "fuzz", token, sizeof token, &err) != HS_OK) {
        fprintf(stderr, "fuzz_http: %s\n", err.msg);
        abort();
    }
    snprintf(fz_auth, sizeof fz_auth, "Bearer %s", token);
    hs_api_opts ao;
    hs_api_opts_init(&ao);
    ao.root = HS_SOURCE_DIR;
    ao.cache_entries = 64;
    if (hs_api_new(ctx, db, &ao, &fz_api, &err) != HS_OK) abort();
    /* the store and the API live for the whole process, as in the server */
}

/* Next line of [*p, end) as a NUL-terminated copy in buf. */
static int fz_line(const char **p, const char *end, char *buf, size_t cap)
{
    if (*p >= end) return -1;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    if (n >= cap) n = cap - 1;
    memcpy(buf, *p, n);
    buf[n] = 0;
    *p = nl ? nl + 1 : end;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_api) fz_init();
    if (size < 1) return 0;
    unsigned flags = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    char method[32] = "", path[2048] = "", query[2048] = "";
    char hb[16][512];
    hs_http_header h[17];
    size_t nh = 0;
    fz_line(&p, end, method, sizeof method);
    fz_line(&p, end, path, sizeof path);
    int has_query = fz_line(&p, end, query, sizeof query) == 0;
    while (nh < 16 && fz_line(&p, end, hb[nh], sizeof hb[nh]) == 0 && hb[nh][0]) {
        char *colon = strchr(hb[nh], ':');
        if (!colon) continue;
        *colon = 0;
        h[nh].name = hb[nh];
        h[nh].value = colon[1] == ' ' ? colon + 2 : colon + 1;
        nh++;
    }
    if (flags & 1) h[nh++] = (hs_http_header){"Authorization", fz_auth};
    if (!strcmp(method, "POST") && strstr(path, "/runs")) return 0;
    /* no_wait (bit 2) never defers here: nothing else holds the store */
    hs_http_request req = {method,
                           path,
                           has_query ? query : NULL,
                           h,
                           nh,
                           p,
                           (size_t)(end - p),
                           (int)(flags >> 1 & 1),
                           (int)(flags >> 2 & 1)};
    hs_http_response r;
    long claimed = 0;
    if (!(flags & 8) || !hsi_api_precheck(fz_api, &req, &r, &claimed)) {
        if (claimed) hsi_api_run_release(fz_api, claimed);
        hs_api_handle(fz_api, &req, &r);
    }
    if (r.status < 200 || r.status > 599 || (r.body_len && !r.body)) abort();
    /* every JSON answer parses, and every error has its code and message */
    if (r.status != 304 && r.content_type && !strncmp(r.content_type, "application/json", 16) &&
        strcmp(path, "/assets/countries-50m.json") && strncmp(path, "/assets/iso-", 12)) {
        json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
        if (!j) abort();
        json_t *e = json_object_get(j, "error");
        if (r.status >= 400 && (!json_is_string(json_object_get(e, "code")) ||
                                !json_is_string(json_object_get(e, "message"))))
            abort();
        json_decref(j);
    }
    hs_http_response_free(&r);
    return 0;
}
