/*
 * api_cache.c - the API's response cache: public GET responses in memory, keyed by the path
 * and the query parameters the route reads (sorted, decoded), up to a number of entries and
 * of bytes, under a read-write lock. The entries share their bodies with the responses
 * being sent. A finished run empties the cache and bumps the generation that goes into
 * every ETag, so that a client's copy of the previous results is not taken for current.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t cache_fnv(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

void hsi_api_etag(char out[40], unsigned long gen, const char *body, size_t len)
{
    snprintf(out, 40, "\"%lx-%016llx\"", gen,
             (unsigned long long)cache_fnv(body, len, 1469598103934665603ULL));
}

void hsi_api_cache_key(const char *path, const hsi_api_params *p, char *out, size_t cap)
{
    size_t idx[HSI_API_MAX_PARAMS] = {0};
    for (size_t i = 0; i < p->n && i < HSI_API_MAX_PARAMS; i++)
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

int hsi_api_cache_init(hsi_api_cache *c, size_t entries, size_t max_bytes, unsigned long gen)
{
    memset(c, 0, sizeof *c);
    c->cap = 16;
    while (c->cap < 2 * entries)
        c->cap *= 2;
    c->e = calloc(c->cap, sizeof *c->e);
    if (!c->e) return -1;
    c->max_bytes = max_bytes;
    c->gen = gen;
    pthread_rwlock_init(&c->mu, NULL);
    return 0;
}

static void cache_clear_locked(hsi_api_cache *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        free(c->e[i].key);
        if (c->e[i].body) hsi_api_body_unref(c->e[i].body);
        c->e[i].key = NULL;
        c->e[i].body = NULL;
    }
    c->n = 0;
    c->bytes = 0;
}

void hsi_api_cache_free(hsi_api_cache *c)
{
    if (!c->e) return;
    cache_clear_locked(c);
    free(c->e);
    c->e = NULL;
    pthread_rwlock_destroy(&c->mu);
}

static hsi_api_entry *cache_slot(hsi_api_cache *c, const char *key)
{
    if (!c->cap) return NULL;
    size_t j = (size_t)cache_fnv(key, strlen(key), 1469598103934665603ULL) & (c->cap - 1);
    while (c->e[j].key) {
        if (!strcmp(c->e[j].key, key)) return &c->e[j];
        j = (j + 1) & (c->cap - 1);
    }
    return &c->e[j];
}

int hsi_api_cache_get(hsi_api_cache *c, const char *key, hs_http_response *r)
{
    int hit = 0;
    pthread_rwlock_rdlock(&c->mu);
    hsi_api_entry *e = cache_slot(c, key);
    if (e && e->key) {
        hsi_api_body_share(e->body, r);
        memcpy(r->etag, e->etag, sizeof r->etag);
        hit = 1;
    }
    pthread_rwlock_unlock(&c->mu);
    return hit;
}

/* What an entry holds: its body, its key and their bookkeeping. */
static size_t cache_entry_cost(const char *key, size_t body_len)
{
    return hsi_api_body_cost(body_len) + strlen(key) + 1 + sizeof(hsi_api_entry) + 64;
}

/* Memory stays bounded whatever the queries: a response alone larger than the byte cap is
 * not kept. */
void hsi_api_cache_put(hsi_api_cache *c, const char *key, unsigned long gen,
                       const hs_http_response *r)
{
    size_t cost = cache_entry_cost(key, r->body_len);
    if (!r->owned_ || cost > c->max_bytes) return;
    pthread_rwlock_wrlock(&c->mu);
    /* full (many distinct queries, or large ones): start again rather than stop caching,
     * so that memory stays bounded and the frequent queries come back at once */
    if ((c->n + 1) * 2 > c->cap || c->bytes + cost > c->max_bytes) cache_clear_locked(c);
    if (gen == c->gen) {
        hsi_api_entry *e = cache_slot(c, key);
        if (e && !e->key) {
            e->key = strdup(key);
            if (e->key) {
                e->body = r->owned_;
                hsi_api_body_hold(e->body);
                memcpy(e->etag, r->etag, sizeof e->etag);
                c->n++;
                c->bytes += cost;
            }
        }
    }
    pthread_rwlock_unlock(&c->mu);
}

unsigned long hsi_api_cache_gen(hsi_api_cache *c)
{
    pthread_rwlock_rdlock(&c->mu);
    unsigned long gen = c->gen;
    pthread_rwlock_unlock(&c->mu);
    return gen;
}

void hsi_api_cache_invalidate(hsi_api_cache *c)
{
    pthread_rwlock_wrlock(&c->mu);
    cache_clear_locked(c);
    c->gen++;
    pthread_rwlock_unlock(&c->mu);
}

size_t hsi_api_cache_held(hsi_api_cache *c)
{
    pthread_rwlock_rdlock(&c->mu);
    size_t n = c->bytes;
    pthread_rwlock_unlock(&c->mu);
    return n;
}
