/*
 * api_query.c - what the API reads of a request besides its route: query parameters
 * (decoded, only those a route names), headers, ids in the path, months and numbers.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int hsi_api_long_parse(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!*s || strlen(s) > 18) return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int api_hex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode s[0..n) (%XX and +) into out (size cap); -1 if it does not fit or is malformed. */
static int api_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = api_hex(s[i + 1]), l = api_hex(s[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0 || k + 1 >= cap) return -1;
        out[k++] = (char)c;
    }
    out[k] = 0;
    return 0;
}

/* Keep the parameters named in `names` (NULL-terminated); later repeats win. */
void hsi_api_parse_query(const char *query, const char *const *names, hsi_api_params *p)
{
    memset(p, 0, sizeof *p);
    if (!query) return;
    const char *s = query;
    while (*s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t nlen = eq ? (size_t)(eq - s) : len;
        char name[32];
        if (nlen && api_decode(s, nlen, name, sizeof name) == 0) {
            for (size_t k = 0; names[k]; k++) {
                if (strcmp(names[k], name)) continue;
                size_t slot = p->n;
                for (size_t j = 0; j < p->n; j++)
                    if (!strcmp(p->name[j], name)) slot = j;
                if (slot == p->n) {
                    if (p->n == HSI_API_MAX_PARAMS) break;
                    p->n++;
                }
                snprintf(p->name[slot], sizeof p->name[slot], "%s", name);
                const char *v = eq ? eq + 1 : s + len;
                size_t vlen = eq ? len - nlen - 1 : 0;
                if (api_decode(v, vlen, p->value[slot], sizeof p->value[slot]) != 0) {
                    p->bad = 1;
                    p->value[slot][0] = 0;
                }
                break;
            }
        }
        if (!amp) break;
        s = amp + 1;
    }
}

const char *hsi_api_param(const hsi_api_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->name[i], name)) return p->value[i];
    return NULL;
}

const char *hsi_api_header(const hs_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].name && req->headers[i].value &&
            !strcasecmp(req->headers[i].name, name))
            return req->headers[i].value;
    return NULL;
}

/* Path segment after prefix as a positive id; 0 if it is not one. */
long long hsi_api_path_id(const char *seg)
{
    long v;
    return hsi_api_long_parse(seg, 1, 999999999999L, &v) == 0 ? (long long)v : 0;
}
