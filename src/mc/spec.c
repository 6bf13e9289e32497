/*
 * spec.c - the SPEC file of an uncertainty/sensitivity analysis (docs/sensitivity.md): which
 * construction choices are uncertain and how. Same INI-like syntax as pipeline files; one
 * [factor NAME] section per uncertain assumption:
 *   step/key/values   a pipeline parameter with discrete alternatives separated by '|'
 *   step/key/range    a numeric pipeline parameter drawn uniformly in [lo, hi]
 *   noise.level.N     weight noise: each weight of level N times (1 + f (2U - 1))
 *   weights           one of M weight sets given whole (a CSV, or a table handed over in
 *                     memory): COINr's list of noisy weight sets, as its users make them
 *   exclude           leave out one indicator (or none) per run
 */
#include "mc_int.h"

#include "../core/csv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static hs_status spec_split_alts(hs_ctx *ctx, const char *file, const hsi_ini_kv *kv, hsi_factor *f,
                                 hs_error *err)
{
    size_t cap = 1;
    for (const char *p = kv->val; *p; p++)
        cap += *p == '|';
    f->alt = hsi_calloc(ctx, cap, sizeof(char *));
    if (!f->alt) return hsi_err_nomem(err);
    const char *p = kv->val;
    for (;;) {
        const char *e = strchr(p, '|');
        if (!e) e = p + strlen(p);
        const char *a = p, *z = e;
        hsi_trim_blanks(&a, &z);
        if (a == z)
            return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol + (long)(a - kv->val),
                           "empty alternative in '%s' (expected values separated by '|', e.g. "
                           "minmax(1, 100) | zscore(10, 2))",
                           kv->key);
        if (!(f->alt[f->nalt++] = hsi_strndup(ctx, a, (size_t)(z - a)))) return hsi_err_nomem(err);
        if (!*e) break;
        p = e + 1;
    }
    if (f->nalt < 2)
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol,
                       "'%s' has only one alternative (expected at least two, separated by "
                       "'|')",
                       kv->key);
    return HS_OK;
}

static hs_status spec_unused(const char *file, const hsi_ini_sec *s, const char *expected,
                             hs_error *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->kv[i].used)
            return hsi_err(err, HS_ERR_PIPELINE, file, s->kv[i].line, s->kv[i].col,
                           "unknown parameter '%s' (expected %s)", s->kv[i].key, expected);
    return HS_OK;
}

/* Weight noise per level (`noise.level.N = F`) and the number of noisy sets drawn. */
static hs_status spec_noise(hs_ctx *ctx, const char *fn, hsi_ini_sec *s, const hsi_ini_kv *sets,
                            hsi_factor *f, hs_error *err)
{
    hs_status st;
    f->kind = HSI_FACTOR_WEIGHTS;
    f->nsets = 1000;
    f->level_noise = hsi_calloc(ctx, 101, sizeof(double));
    if (!f->level_noise) return hsi_err_nomem(err);
    for (size_t q = 0; q < s->n; q++) {
        hsi_ini_kv *e = &s->kv[q];
        if (strncmp(e->key, "noise.level.", 12)) continue;
        e->used = 1;
        long lv;
        double v;
        if (hsi_parse_long(e->key + 12, &lv) || lv < 1 || lv > 100) {
            return hsi_err(err, HS_ERR_PIPELINE, fn, e->line, e->col,
                           "'%s': expected noise.level.N with N a level of the index", e->key);
        }
        if (hsi_parse_double(e->val, &v) || v < 0 || v > 1) {
            return hsi_err(err, HS_ERR_PIPELINE, fn, e->line, e->vcol,
                           "weight noise '%s' must be a number from 0 to 1 (a share of "
                           "the nominal weight, e.g. 0.25 for +/-25 %%)",
                           e->val);
        }
        f->level_noise[lv] = v;
    }
    if (sets) {
        long v;
        if (hsi_parse_long(sets->val, &v) || v < 1 || v > 1000000) {
            return hsi_err(err, HS_ERR_PIPELINE, fn, sets->line, sets->vcol,
                           "'sets' must be a whole number from 1 to 1000000");
        }
        f->nsets = (size_t)v;
    }
    if ((st = spec_unused(fn, s, "noise.level.N, sets", err))) return st;
    return HS_OK;
}

/* One [factor NAME] section into f: which kind of factor it is and its parameters. */
static hs_status spec_factor(hs_ctx *ctx, const char *fn, hsi_ini_sec *s, hsi_factor *f,
                             hs_error *err)
{
    hs_status st;
    hsi_ini_kv *values = hsi_ini_get(s, "values"), *range = hsi_ini_get(s, "range"),
               *excl = hsi_ini_get(s, "exclude"), *sets = hsi_ini_get(s, "sets"),
               *wsets = hsi_ini_get(s, "weights");
    int noise = 0;
    for (size_t q = 0; q < s->n; q++) {
        const char *k = s->kv[q].key;
        noise |= !strncmp(k, "noise.level.", 12);
        if (strncmp(k, "noise.level.", 12) && strcmp(k, "step") && strcmp(k, "key") &&
            strcmp(k, "values") && strcmp(k, "range") && strcmp(k, "exclude") &&
            strcmp(k, "sets") && strcmp(k, "weights")) {
            return hsi_err(err, HS_ERR_PIPELINE, fn, s->kv[q].line, s->kv[q].col,
                           "unknown parameter '%s' (expected step, key, values, range, "
                           "exclude, noise.level.N, sets or weights)",
                           k);
        }
    }
    int kinds = (values != NULL) + (range != NULL) + (excl != NULL) + noise + (wsets != NULL);
    if (kinds != 1) {
        return hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                       "factor '%s' needs exactly one of: values, range, exclude, "
                       "noise.level.N, weights (found %d)",
                       f->name, kinds);
    }
    if (values || range) {
        hsi_ini_kv *step = hsi_ini_get(s, "step"), *key = hsi_ini_get(s, "key");
        if (!step || !key) {
            return hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                           "factor '%s' needs 'step = STEP' and 'key = PARAMETER' (e.g. step "
                           "= treat, key = winmax)",
                           f->name);
        }
        if (!(f->step = hsi_strdup(ctx, step->val)) || !(f->key = hsi_strdup(ctx, key->val)))
            return hsi_err_nomem(err);
    }
    if (values) {
        f->kind = HSI_FACTOR_DISCRETE;
        if ((st = spec_split_alts(ctx, fn, values, f, err))) return st;
        if ((st = spec_unused(fn, s, "step, key, values", err))) return st;
    } else if (range) {
        f->kind = HSI_FACTOR_RANGE;
        char *end;
        f->lo = strtod(range->val, &end);
        while (*end == ' ')
            end++;
        int ok = end != range->val && *end == ',';
        if (ok) {
            const char *p2 = end + 1;
            f->hi = strtod(p2, &end);
            while (*end == ' ')
                end++;
            ok = end != p2 && *end == '\0' && isfinite(f->lo) && isfinite(f->hi) && f->hi > f->lo;
        }
        if (!ok) {
            return hsi_err(err, HS_ERR_PIPELINE, fn, range->line, range->vcol,
                           "range '%s' is not 'LOW, HIGH' with LOW < HIGH", range->val);
        }
        if ((st = spec_unused(fn, s, "step, key, range", err))) return st;
    } else if (excl) {
        f->kind = HSI_FACTOR_EXCLUDE;
        if ((st = spec_split_alts(ctx, fn, excl, f, err))) return st;
        if ((st = spec_unused(fn, s, "exclude", err))) return st;
    } else if (wsets) {
        /* the sets are loaded once the index's nodes are known (wsets.c) */
        f->kind = HSI_FACTOR_WEIGHTS;
        f->level_noise = hsi_calloc(ctx, 101, sizeof(double));
        if (!(f->wsets = hsi_strdup(ctx, wsets->val)) || !f->level_noise) return hsi_err_nomem(err);
        f->wline = wsets->line;
        f->wcol = wsets->vcol;
        if ((st = spec_unused(fn, s, "weights", err))) return st;
    } else {
        if ((st = spec_noise(ctx, fn, s, sets, f, err))) return st;
    }
    return HS_OK;
}

/* The spec from its parsed text (sp zeroed but for time); takes over `in`. */
static hs_status spec_from_ini(hs_ctx *ctx, hsi_ini *in, const char *path, hsi_spec *sp,
                               hs_error *err)
{
    hsi_ini ini = *in;
    hs_status st = HS_OK;
    const char *fn = ini.file;
    if (!(sp->file = hsi_strdup(ctx, path))) goto nomem;
    hsi_ini_sec *top = &ini.sec[0];
    hsi_ini_kv *kv;
    if ((kv = hsi_ini_get(top, "target")) && !(sp->target = hsi_strdup(ctx, kv->val))) goto nomem;
    if ((kv = hsi_ini_get(top, "time")) && hsi_parse_long(kv->val, &sp->time)) {
        st = hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                     "'time' is '%s' (expected a year)", kv->val);
        goto fail;
    }
    if ((st = spec_unused(fn, top, "target or time at the top", err))) goto fail;
    sp->f = hsi_calloc(ctx, ini.n + 1, sizeof *sp->f);
    if (!sp->f) goto nomem;
    for (size_t i = 1; i < ini.n; i++) {
        hsi_ini_sec *s = &ini.sec[i];
        if (strcmp(s->kind, "factor")) {
            st = hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                         "unknown section [%s] (expected [factor NAME])", s->kind);
            goto fail;
        }
        if (!s->name) {
            st = hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                         "[factor] needs a name: [factor NAME]");
            goto fail;
        }
        hsi_factor *f = &sp->f[sp->nfactor++];
        f->line = s->line;
        if (!(f->name = hsi_strdup(ctx, s->name))) goto nomem;
        if ((st = spec_factor(ctx, fn, s, f, err))) goto fail;
    }
    if (sp->nfactor == 0) {
        st = hsi_err(err, HS_ERR_PIPELINE, fn, 0, 0,
                     "no factors (expected at least one [factor NAME] section)");
        goto fail;
    }
    hsi_ini_free(&ini);
    return HS_OK;
nomem:
    st = hsi_err_nomem(err);
fail:
    hsi_ini_free(&ini);
    hsi_spec_free(ctx, sp);
    return st;
}

hs_status hsi_spec_read(hs_ctx *ctx, const char *path, hsi_spec *sp, hs_error *err)
{
    hsi_ini ini;
    memset(sp, 0, sizeof *sp);
    sp->time = HSI_NO_TIME;
    hs_status st = hsi_ini_read(ctx, path, &ini, err);
    return st ? st : spec_from_ini(ctx, &ini, path, sp, err);
}

hs_status hsi_spec_parse(hs_ctx *ctx, const char *text, size_t len, const char *path, hsi_spec *sp,
                         hs_error *err)
{
    hsi_ini ini;
    memset(sp, 0, sizeof *sp);
    sp->time = HSI_NO_TIME;
    hs_status st = hsi_ini_parse(ctx, text, len, path, &ini, err);
    return st ? st : spec_from_ini(ctx, &ini, path, sp, err);
}

void hsi_spec_free(hs_ctx *ctx, hsi_spec *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nfactor; i++) {
        hsi_factor *f = &s->f[i];
        hsi_free_all(ctx, f->name, f->step, f->key);
        for (size_t a = 0; a < f->nalt; a++)
            hsi_free(ctx, f->alt[a]);
        hsi_free_all(ctx, f->alt, f->level_noise, f->wsets);
    }
    hsi_free_all(ctx, s->f, s->file, s->target);
    memset(s, 0, sizeof *s);
}
