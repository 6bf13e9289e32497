/*
 * api_body.c - the API's response bodies and JSON errors: a body is made once, compact, and
 * shared by the cache and every response that serves it, freed when the last holder lets go
 * (hsi_api_body_release), so that a cache hit copies nothing. Error messages quote what the
 * client sent, cleaned to UTF-8, since JSON strings must be UTF-8.
 */
#include "api_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct api_body {
    atomic_int refs;
    size_t len;
    _Atomic(void *) aux; /* the HTTP adapter's prepared answer of this body, or NULL */
    char data[];
} api_body;

static api_body *api_body_of(const char *data)
{
    return (api_body *)(void *)(data - offsetof(api_body, data));
}

void hsi_api_body_unref(void *owned)
{
    api_body *b = owned;
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
    if (data) hsi_api_body_unref(api_body_of(data));
}

void hs_http_response_free(hs_http_response *r)
{
    if (!r) return;
    hsi_api_body_unref(r->owned_);
    r->owned_ = NULL;
    r->body = NULL;
}

size_t hsi_api_body_cost(size_t len)
{
    return sizeof(api_body) + len + 1;
}

void hsi_api_body_hold(void *owned)
{
    api_body *b = owned;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void hsi_api_body_share(void *owned, hs_http_response *r)
{
    api_body *b = owned;
    hsi_api_body_hold(b);
    r->status = 200;
    r->content_type = HSI_API_JSON;
    r->body = b->data;
    r->body_len = b->len;
    r->owned_ = b;
}

void hsi_api_json(hs_http_response *r, int status, json_t *j)
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
        r->content_type = HSI_API_JSON;
        r->body = oom;
        r->body_len = sizeof oom - 1;
        return;
    }
    atomic_init(&s->refs, 1);
    atomic_init(&s->aux, NULL);
    s->len = n;
    s->data[n] = 0;
    r->status = status;
    r->content_type = HSI_API_JSON;
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
char *hsi_api_utf8_clean(char *s)
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

void hsi_api_error_x(hs_http_response *r, int status, const char *code, json_t *extra,
                     const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hsi_api_utf8_clean(msg);
    json_t *e = json_pack("{s:s, s:i, s:s}", "code", code, "status", status, "message", msg);
    if (e && extra) json_object_update(e, extra);
    json_decref(extra);
    r->cache_control = "no-store";
    hsi_api_json(r, status, json_pack("{s:o}", "error", e ? e : json_null()));
}

void hsi_api_store_error(hs_http_response *r, const hs_error *err)
{
    char msg[2048];
    hs_error_format(err, msg, sizeof msg);
    if (err->code == HS_ERR_NOMEM)
        hsi_api_err(r, 500, "internal", "out of memory");
    else
        hsi_api_err(r, 500, "internal", "%s", msg);
}

void hsi_api_error(hs_http_response *r, int status, const char *code, const char *msg)
{
    memset(r, 0, sizeof *r);
    hsi_api_err(r, status, code, "%s", msg);
}

void hsi_api_err(hs_http_response *r, int status, const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hsi_api_error_x(r, status, code, NULL, "%s", msg);
}
