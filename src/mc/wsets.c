/*
 * wsets.c - weight sets given whole for a `weights = ...` factor of a SPEC
 * (docs/sensitivity.md). COINr users draw their noisy weights with get_noisy_weights() or
 * write them by hand and pass the list of sets to get_sensitivity(); this takes the same
 * sets, from a CSV (`set,iCode,Weight`, one row per set and node) or from tables handed over
 * in memory, so that an analysis moved from COINr draws from exactly the sets it drew from.
 */
#include "mc_int.h"

#include "../core/csv_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A weight is a share, so it must be a number, finite and not negative (0 leaves a node out). */
static int ws_weight_ok(double v)
{
    return isfinite(v) && v >= 0;
}

/* The caller's table `t` into sets (nsets x meta.n, NaN where a set says nothing). */
static hs_status ws_from_table(hs_sensitivity *s, const hsi_factor *fa, const hs_weight_sets *t,
                               double **out, size_t *nsets, hs_error *err)
{
    const hsi_meta *m = &s->base->meta;
    const char *fn = s->spec.file;
    if (t->size != sizeof *t || t->nsets == 0 || t->ncodes == 0 || !t->codes || !t->w)
        return hsi_err(err, HS_ERR_USAGE, fn, fa->wline, fa->wcol,
                       "factor '%s': the weight sets '%s' are empty or malformed (size must be "
                       "sizeof(hs_weight_sets))",
                       fa->name, fa->wsets);
    long *node = hsi_calloc(s->ctx, t->ncodes, sizeof(long));
    double *w = hsi_malloc(s->ctx, t->nsets * m->n * sizeof(double));
    hs_status st = HS_OK;
    if (!node || !w) {
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t j = 0; j < t->ncodes; j++) {
        node[j] = t->codes[j] ? hsi_meta_find(m, t->codes[j]) : -1;
        if (node[j] < 0) {
            st = hsi_err(err, HS_ERR_PIPELINE, fn, fa->wline, fa->wcol,
                         "factor '%s': weight sets '%s' name '%s', which is not a code of the "
                         "structure",
                         fa->name, fa->wsets, t->codes[j] ? t->codes[j] : "(null)");
            goto done;
        }
    }
    for (size_t k = 0; k < t->nsets * m->n; k++)
        w[k] = NAN;
    for (size_t set = 0; set < t->nsets; set++)
        for (size_t j = 0; j < t->ncodes; j++) {
            double v = t->w[set * t->ncodes + j];
            if (isnan(v)) continue;
            if (!ws_weight_ok(v)) {
                st = hsi_err(err, HS_ERR_PIPELINE, fn, fa->wline, fa->wcol,
                             "factor '%s': set %zu gives '%s' the weight %g (a weight must be "
                             "finite and not negative)",
                             fa->name, set + 1, t->codes[j], v);
                goto done;
            }
            w[set * m->n + (size_t)node[j]] = v;
        }
    *out = w;
    *nsets = t->nsets;
    w = NULL;
done:
    hsi_free(s->ctx, node);
    hsi_free(s->ctx, w);
    return st;
}

/* Index of set label `lab` among labs[0..n), appending it when new; -1 when out of memory. */
static long ws_set_index(hs_ctx *ctx, const char ***labs, size_t *n, size_t *cap, const char *lab)
{
    for (size_t i = *n; i > 0; i--) /* rows come set by set: the last label is the usual hit */
        if (!strcmp((*labs)[i - 1], lab)) return (long)(i - 1);
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        const char **p = hsi_realloc(ctx, (void *)*labs, nc * sizeof *p);
        if (!p) return -1;
        *labs = p;
        *cap = nc;
    }
    (*labs)[*n] = lab;
    return (long)(*n)++;
}

/* The CSV `path` (columns set, iCode, Weight; others ignored) into sets as ws_from_table. */
static hs_status ws_from_csv(hs_sensitivity *s, const char *path, double **out, size_t *nsets,
                             hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    const hsi_meta *m = &s->base->meta;
    hsi_csv c;
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st) return st;
    long cs = hsi_csv_find(&c, "set"), cc = hsi_csv_find(&c, "iCode"),
         cw = hsi_csv_find(&c, "Weight");
    const char **labs = NULL;
    size_t nlab = 0, cap = 0;
    long *set_of = NULL;
    double *w = NULL;
    if (cs < 0 || cc < 0 || cw < 0) {
        st = hsi_err(err, HS_ERR_PIPELINE, path, c.head_line, 1,
                     "weight sets need the columns set, iCode and Weight (one row per set and "
                     "node)");
        goto done;
    }
    if (c.nrow == 0) {
        st = hsi_err(err, HS_ERR_PIPELINE, path, c.head_line, 1, "no weight sets (no rows)");
        goto done;
    }
    if (!(set_of = hsi_calloc(ctx, c.nrow, sizeof(long)))) goto nomem;
    for (size_t r = 0; r < c.nrow; r++)
        if ((set_of[r] = ws_set_index(ctx, &labs, &nlab, &cap, hsi_csv_get(&c, r, (size_t)cs))) < 0)
            goto nomem;
    if (!(w = hsi_malloc(ctx, nlab * m->n * sizeof(double)))) goto nomem;
    for (size_t k = 0; k < nlab * m->n; k++)
        w[k] = NAN;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, (size_t)cc), *val = hsi_csv_get(&c, r, (size_t)cw);
        long node = hsi_meta_find(m, code);
        double v;
        if (node < 0) {
            st = hsi_err(err, HS_ERR_PIPELINE, path, c.line[r], c.col[r * c.ncol + (size_t)cc],
                         "'%s' is not a code of the structure %s", code, m->file);
            goto done;
        }
        if (hsi_parse_double(val, &v) || !ws_weight_ok(v)) {
            st = hsi_err(err, HS_ERR_PIPELINE, path, c.line[r], c.col[r * c.ncol + (size_t)cw],
                         "weight '%s' is not a finite number of at least 0", val);
            goto done;
        }
        double *slot = &w[(size_t)set_of[r] * m->n + (size_t)node];
        if (!isnan(*slot)) {
            st =
                hsi_err(err, HS_ERR_PIPELINE, path, c.line[r], c.col[r * c.ncol + (size_t)cc],
                        "set '%s' gives '%s' a weight twice", hsi_csv_get(&c, r, (size_t)cs), code);
            goto done;
        }
        *slot = v;
    }
    *out = w;
    *nsets = nlab;
    w = NULL;
    goto done;
nomem:
    st = hsi_err_nomem(err);
done:
    hsi_free_all(ctx, (void *)labs, set_of, w);
    hsi_csv_free(&c);
    return st;
}

hs_status hsi_wsets_load(hs_sensitivity *s, const hs_weight_sets *given, size_t ngiven,
                         hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    for (size_t f = 0; f < s->spec.nfactor; f++) {
        hsi_factor *fa = &s->spec.f[f];
        if (fa->kind != HSI_FACTOR_WEIGHTS || !fa->wsets) continue;
        if (!s->wset && !(s->wset = hsi_calloc(ctx, s->spec.nfactor, sizeof(double *))))
            return hsi_err_nomem(err);
        hs_status st;
        if (s->wsets_mem) {
            const hs_weight_sets *t = NULL;
            for (size_t i = 0; i < ngiven && !t; i++)
                if (given[i].name && !strcmp(given[i].name, fa->wsets)) t = &given[i];
            if (!t)
                return hsi_err(err, HS_ERR_PIPELINE, s->spec.file, fa->wline, fa->wcol,
                               "factor '%s': no weight sets named '%s' were given", fa->name,
                               fa->wsets);
            st = ws_from_table(s, fa, t, &s->wset[f], &fa->nsets, err);
        } else {
            char *path = hsi_path_beside(ctx, s->spec.file, fa->wsets);
            if (!path) return hsi_err_nomem(err);
            st = ws_from_csv(s, path, &s->wset[f], &fa->nsets, err);
            hsi_free(ctx, path);
        }
        if (st) return st;
    }
    return HS_OK;
}
