/*
 * ini.c - pipeline file reader (see ini_int.h). Hand-written: the format is ours and small,
 * and errors must carry line and column.
 */
#include "ini_int.h"

#include "../core/csv_int.h"

#include <ctype.h>
#include <string.h>

static char *ini_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int ini_add_sec(hsi_ini *ini, const char *kind, const char *name, long line, long col)
{
    hsi_ini_sec *p = hsi_realloc(ini->ctx, ini->sec, (ini->n + 1) * sizeof *p);
    if (!p) return -1;
    ini->sec = p;
    hsi_ini_sec *s = &ini->sec[ini->n];
    memset(s, 0, sizeof *s);
    s->kind = hsi_strdup(ini->ctx, kind);
    s->name = name ? hsi_strdup(ini->ctx, name) : NULL;
    s->line = line;
    s->col = col;
    ini->n++;
    if (!s->kind || (name && !s->name)) return -1;
    for (char *c = s->kind; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return 0;
}

/* A key of section s; nothing is added when memory runs out (-1). */
static int ini_add_kv(hsi_ini *ini, hsi_ini_sec *s, const char *k, const char *v, long line,
                      long col, long vcol)
{
    hsi_ini_kv *p = hsi_realloc(ini->ctx, s->kv, (s->n + 1) * sizeof *p);
    if (!p) return -1;
    s->kv = p;
    hsi_ini_kv *e = &s->kv[s->n];
    memset(e, 0, sizeof *e);
    e->key = hsi_strdup(ini->ctx, k);
    e->val = hsi_strdup(ini->ctx, v);
    e->line = line;
    e->col = col;
    e->vcol = vcol;
    if (!e->key || !e->val) {
        hsi_free(ini->ctx, e->key);
        hsi_free(ini->ctx, e->val);
        return -1;
    }
    s->n++;
    return 0;
}

hs_status hsi_ini_parse(hs_ctx *ctx, const char *text, size_t len, const char *fname, hsi_ini *out,
                        hs_error *err)
{
    memset(out, 0, sizeof *out);
    out->ctx = ctx;
    const char *fn = fname ? fname : "<pipeline>";
    hs_status st = HS_OK;
    char *buf = NULL;
    out->file = hsi_strdup(ctx, fn);
    if (!out->file || ini_add_sec(out, "", NULL, 0, 0)) goto nomem;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF) {
        text += 3;
        len -= 3;
    }
    buf = hsi_malloc(ctx, len + 1);
    if (!buf) goto nomem;
    size_t pos = 0;
    long line = 0;
    while (pos < len) {
        line++;
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        size_t n = e - pos;
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        if (memchr(buf, '\0', n)) {
            st = hsi_err(err, HS_ERR_PARSE, fn, line, 1, "NUL byte in text (expected a text file)");
            goto fail;
        }
        pos = e + 1;
        char *s = ini_trim(buf);
        long col = (long)(s - buf) + 1;
        if (*s == '\0' || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close) {
                st = hsi_err(err, HS_ERR_PARSE, fn, line, col,
                             "section header without ']' (expected [step] or [step name])");
                goto fail;
            }
            char *rest = ini_trim(close + 1);
            if (*rest && *rest != '#' && *rest != ';') {
                st = hsi_err(err, HS_ERR_PARSE, fn, line, (long)(rest - buf) + 1,
                             "text after section header (expected end of line)");
                goto fail;
            }
            *close = '\0';
            char *h = ini_trim(s + 1);
            if (!*h) {
                st = hsi_err(err, HS_ERR_PARSE, fn, line, col, "empty section header");
                goto fail;
            }
            char *sp = h;
            while (*sp && *sp != ' ' && *sp != '\t')
                sp++;
            char *name = NULL;
            if (*sp) {
                *sp = '\0';
                name = ini_trim(sp + 1);
                if (!*name) name = NULL;
            }
            if (ini_add_sec(out, h, name, line, col)) goto nomem;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            st = hsi_err(err, HS_ERR_PARSE, fn, line, col,
                         "expected 'key = value' or a [section] header");
            goto fail;
        }
        *eq = '\0';
        char *k = ini_trim(s);
        if (!*k) {
            st = hsi_err(err, HS_ERR_PARSE, fn, line, col, "missing key before '='");
            goto fail;
        }
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        long vcol = (long)(v - buf) + 1;
        /* strip a trailing comment introduced by " #" or " ;" */
        for (char *c = v; *c; c++) {
            if ((*c == '#' || *c == ';') && c > v && (c[-1] == ' ' || c[-1] == '\t')) {
                *c = '\0';
                break;
            }
        }
        v = ini_trim(v);
        hsi_ini_sec *cur = &out->sec[out->n - 1];
        for (size_t i = 0; i < cur->n; i++) {
            if (strcmp(cur->kv[i].key, k) == 0) {
                st = hsi_err(err, HS_ERR_PARSE, fn, line, col,
                             "key '%s' given twice in this section (first on line %ld)", k,
                             cur->kv[i].line);
                goto fail;
            }
        }
        if (ini_add_kv(out, &out->sec[out->n - 1], k, v, line, col, vcol)) goto nomem;
    }
    hsi_free(ctx, buf);
    return HS_OK;
nomem:
    st = hsi_err_nomem(err);
fail:
    hsi_free(ctx, buf);
    hsi_ini_free(out);
    return st;
}

hs_status hsi_ini_read(hs_ctx *ctx, const char *path, hsi_ini *out, hs_error *err)
{
    char *text;
    size_t len;
    memset(out, 0, sizeof *out);
    hs_status st = hsi_read_text(ctx, path, &text, &len, err); /* text checks: csv_int.h */
    if (st) return st;
    st = hsi_ini_parse(ctx, text, len, path, out, err);
    hsi_free(ctx, text);
    return st;
}

void hsi_ini_free(hsi_ini *ini)
{
    if (!ini) return;
    for (size_t i = 0; ini->sec && i < ini->n; i++) {
        hsi_ini_sec *s = &ini->sec[i];
        for (size_t j = 0; j < s->n; j++) {
            hsi_free(ini->ctx, s->kv[j].key);
            hsi_free(ini->ctx, s->kv[j].val);
        }
        hsi_free_all(ini->ctx, s->kv, s->kind, s->name);
    }
    hsi_free(ini->ctx, ini->sec);
    hsi_free(ini->ctx, ini->file);
    memset(ini, 0, sizeof *ini);
}

hsi_ini_kv *hsi_ini_get(hsi_ini_sec *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->kv[i].key, key) == 0) {
            s->kv[i].used = 1;
            return &s->kv[i];
        }
    }
    return NULL;
}

/* ---- editing, for the uncertainty analysis (src/mc/) ---------------------------------- */

hs_status hsi_ini_clone(hs_ctx *ctx, const hsi_ini *src, hsi_ini *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->ctx = ctx;
    dst->file = hsi_strdup(ctx, src->file);
    dst->sec = hsi_calloc(ctx, src->n + 1, sizeof *dst->sec);
    if (!dst->file || !dst->sec) goto nomem;
    for (size_t i = 0; i < src->n; i++) {
        const hsi_ini_sec *s = &src->sec[i];
        hsi_ini_sec *d = &dst->sec[i];
        dst->n = i + 1;
        *d = *s;
        d->kind = hsi_strdup(ctx, s->kind);
        d->name = s->name ? hsi_strdup(ctx, s->name) : NULL;
        d->kv = hsi_calloc(ctx, s->n + 1, sizeof *d->kv);
        d->n = 0;
        if (!d->kind || (s->name && !d->name) || !d->kv) goto nomem;
        for (size_t j = 0; j < s->n; j++) {
            d->kv[j] = s->kv[j];
            d->kv[j].used = 0;
            d->kv[j].key = hsi_strdup(ctx, s->kv[j].key);
            d->kv[j].val = hsi_strdup(ctx, s->kv[j].val);
            d->n = j + 1;
            if (!d->kv[j].key || !d->kv[j].val) goto nomem;
        }
    }
    return HS_OK;
nomem:
    hsi_ini_free(dst);
    return HS_ERR_NOMEM;
}

int hsi_ini_set(hsi_ini *ini, const char *kind, const char *key, const char *val)
{
    for (size_t i = 0; i < ini->n; i++) {
        hsi_ini_sec *s = &ini->sec[i];
        if (strcmp(s->kind, kind)) continue;
        for (size_t j = 0; j < s->n; j++) {
            if (strcmp(s->kv[j].key, key) == 0) {
                char *v = hsi_strdup(ini->ctx, val);
                if (!v) return -2;
                hsi_free(ini->ctx, s->kv[j].val);
                s->kv[j].val = v;
                return 0;
            }
        }
        return ini_add_kv(ini, s, key, val, s->line, s->col, s->col) ? -2 : 0;
    }
    return -1;
}
