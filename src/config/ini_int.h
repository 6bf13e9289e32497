/*
 * ini_int.h - reader for humsec's hand-written pipeline files (docs/pipeline.md).
 *
 * The syntax is INI-like: `[section]` or `[section name]` headers, `key = value` lines,
 * comments starting with '#' or ';' (whole lines, or after a value when preceded by a blank).
 * Sections keep their order (pipeline steps run in file order). Every section and entry
 * remembers its line and column so the engine can point at the offending text.
 */
#ifndef HS_INI_INT_H
#define HS_INI_INT_H

#include "../core/core_int.h"

typedef struct hsi_ini_kv {
    char *key;
    char *val;
    long line, col; /* position of the key */
    long vcol;      /* position of the value */
    int used;       /* set by the consumer; unused keys are reported */
} hsi_ini_kv;

typedef struct hsi_ini_sec {
    char *kind; /* first word of the header, lower-cased */
    char *name; /* rest of the header, or NULL */
    long line, col;
    size_t n;
    hsi_ini_kv *kv;
} hsi_ini_sec;

typedef struct hsi_ini {
    hs_ctx *ctx;
    char *file;
    size_t n;
    hsi_ini_sec *sec; /* sec[0] is the unnamed top section (kind "") */
} hsi_ini;

HS_INTERNAL hs_status hsi_ini_parse(hs_ctx *ctx, const char *text, size_t len, const char *fname,
                                    hsi_ini *out, hs_error *err);
HS_INTERNAL hs_status hsi_ini_read(hs_ctx *ctx, const char *path, hsi_ini *out, hs_error *err);
HS_INTERNAL void hsi_ini_free(hsi_ini *ini);

/* Entry `key` of a section (marks it used), or NULL. */
HS_INTERNAL hsi_ini_kv *hsi_ini_get(hsi_ini_sec *s, const char *key);

/* Deep copy (used flags cleared). */
HS_INTERNAL hs_status hsi_ini_clone(hs_ctx *ctx, const hsi_ini *src, hsi_ini *dst);
/* Set key = val in the first section of kind `kind` (adding the key if absent). Returns 0, or
   -1 if there is no such section, -2 if out of memory. */
HS_INTERNAL int hsi_ini_set(hsi_ini *ini, const char *kind, const char *key, const char *val);

#endif
