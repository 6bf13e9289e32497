/*
 * html_extra.c - what the HTML report reads besides the build's scores: where the files that
 * summary.json names are when the report runs from another folder, the [report] section of
 * the pipeline (a boundary file for units that are not countries, folders of `humsec
 * compare`, `humsec whatif` and `humsec sensitivity` outputs), and those outputs as tables
 * the page draws (docs/report.md, "Pictures").
 */
/* realpath */
#define _XOPEN_SOURCE 700 /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#include "html_int.h"
#include "../index/engine_int.h" /* the pipeline file read as INI sections */
#include "../core/csv_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int exists(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    (void)fclose(fp); /* opened only to test existence */
    return 1;
}

/*
 * summary.json keeps the paths the build was given, relative to the folder it ran in. That
 * folder is not recorded, but it is nearly always one that holds the build folder (`-o
 * out/x` from a project's root), so each folder above the build folder is tried, nearest
 * first, before the current folder: the report then works from anywhere.
 */
char *hsi_html_resolve(hs_ctx *ctx, const char *build_dir, const char *path)
{
    if (!path) return NULL;
    if (path[0] == '/') return hsi_strdup(ctx, path);
    char real[PATH_MAX];
    if (build_dir && realpath(build_dir, real)) {
        for (;;) {
            char *slash = strrchr(real, '/');
            if (!slash) break;
            *slash = '\0';
            char *p = hsi_html_path_join(ctx, *real ? real : "/", path);
            if (!p) return NULL;
            if (exists(p)) return p;
            hsi_free(ctx, p);
            if (slash == real) break;
        }
    }
    return hsi_strdup(ctx, path);
}

/* The folder part of path ("." if none); caller frees. */
static char *dir_of(hs_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return hsi_strdup(ctx, ".");
    if (slash == path) return hsi_strdup(ctx, "/");
    return hsi_strndup(ctx, path, (size_t)(slash - path));
}

void hsi_html_keys_free(hs_ctx *ctx, hsi_html_keys *k)
{
    hsi_free_all(ctx, k->map, k->map_id, k->compare, k->whatif, k->sensitivity, k->wset, k->impute);
    for (size_t i = 0; i < k->nw; i++)
        hsi_free(ctx, k->wcode[i]);
    hsi_free(ctx, k->wcode);
    hsi_free(ctx, k->wval);
    memset(k, 0, sizeof *k);
}

/* The weight set [aggregate] names (`weights = NAME`, a [weights NAME] section; the build
 * checked both), so the page's effective weights are those the build aggregated with. */
static hs_status read_weight_set(hs_ctx *ctx, hsi_ini *ini, hsi_html_keys *k, hs_error *err)
{
    const char *name = NULL;
    for (size_t i = 0; i < ini->n; i++)
        if (!strcmp(ini->sec[i].kind, "aggregate")) {
            hsi_ini_kv *kv = hsi_ini_get(&ini->sec[i], "weights");
            if (kv) name = kv->val;
        }
    if (!name || !strcmp(name, "structure")) return HS_OK;
    if (!strncmp(name, "pca", 3)) {
        k->wpca = 1;
        return HS_OK;
    }
    for (size_t i = 0; i < ini->n; i++) {
        hsi_ini_sec *s = &ini->sec[i];
        if (strcmp(s->kind, "weights") || !s->name || strcmp(s->name, name)) continue;
        if (!(k->wset = hsi_strdup(ctx, name)) ||
            !(k->wcode = hsi_calloc(ctx, s->n + 1, sizeof *k->wcode)) ||
            !(k->wval = hsi_calloc(ctx, s->n + 1, sizeof *k->wval)))
            return hsi_err_nomem(err);
        for (size_t q = 0; q < s->n; q++) {
            double v;
            if (hsi_parse_double(s->kv[q].val, &v) != 0) continue;
            if (!(k->wcode[k->nw] = hsi_strdup(ctx, s->kv[q].key))) return hsi_err_nomem(err);
            k->wval[k->nw++] = v;
        }
    }
    return HS_OK;
}

/* The [report] keys of the pipeline file (already checked by the build), paths made
 * relative to the pipeline's folder. A pipeline that cannot be read gives no keys: the
 * report still shows the scores. */
hs_status hsi_html_keys_read(hs_ctx *ctx, const char *pipeline, hsi_html_keys *k, hs_error *err)
{
    memset(k, 0, sizeof *k);
    hsi_ini ini;
    if (!pipeline || hsi_ini_read(ctx, pipeline, &ini, NULL) != HS_OK) return HS_OK;
    char *pdir = dir_of(ctx, pipeline);
    char **dst[] = {&k->map, &k->map_id, &k->compare, &k->whatif, &k->sensitivity};
    static const char *const key[] = {"map", "map_id", "compare", "whatif", "sensitivity"};
    hs_status st = pdir ? HS_OK : hsi_err_nomem(err);
    for (size_t i = 0; st == HS_OK && i < ini.n; i++) {
        if (strcmp(ini.sec[i].kind, "report")) continue;
        for (size_t q = 0; q < sizeof key / sizeof key[0]; q++) {
            hsi_ini_kv *kv = hsi_ini_get(&ini.sec[i], key[q]);
            if (!kv || !*kv->val) continue;
            hsi_free(ctx, *dst[q]);
            *dst[q] = q == 1 ? hsi_strdup(ctx, kv->val) : hsi_html_path_join(ctx, pdir, kv->val);
            if (!*dst[q]) st = hsi_err_nomem(err);
        }
    }
    if (st == HS_OK) st = read_weight_set(ctx, &ini, k, err);
    for (size_t i = 0; st == HS_OK && i < ini.n; i++) {
        if (strcmp(ini.sec[i].kind, "impute")) continue;
        hsi_ini_kv *kv = hsi_ini_get(&ini.sec[i], "method");
        hsi_free(ctx, k->impute);
        if (!(k->impute = hsi_strdup(ctx, kv ? kv->val : "mean"))) st = hsi_err_nomem(err);
    }
    hsi_free(ctx, pdir);
    hsi_ini_free(&ini);
    return st;
}

void hsi_html_json_csv(hsi_buf *o, const char *file, const hsi_csv *t, int row_lines)
{
    hsi_buf_puts(o, "{\"file\":");
    hsi_html_json_str(o, file);
    hsi_buf_puts(o, ",\"head\":[");
    for (size_t j = 0; j < t->ncol; j++) {
        hsi_buf_puts(o, j ? "," : "");
        hsi_html_json_str(o, t->head[j]);
    }
    hsi_buf_puts(o, "],\"rows\":[");
    for (size_t r = 0; r < t->nrow; r++) {
        hsi_buf_puts(o, r ? "," : "");
        hsi_buf_puts(o, row_lines ? "\n[" : "[");
        for (size_t j = 0; j < t->ncol; j++) {
            hsi_buf_puts(o, j ? "," : "");
            hsi_html_json_str(o, hsi_csv_get(t, r, j));
        }
        hsi_buf_puts(o, "]");
    }
    hsi_buf_puts(o, "]}");
}

/* A CSV as {"file", "head": [...], "rows": [[...]]}: the page reads the columns it knows. */
static hs_status csv_table(hsi_buf *o, hs_ctx *ctx, const char *path, hs_error *err)
{
    hsi_csv t;
    hs_status st = hsi_csv_read(ctx, path, &t, err);
    if (st != HS_OK) return st;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    hsi_html_json_csv(o, base, &t, 1);
    hsi_csv_free(&t);
    return HS_OK;
}

/* ,"KEY": the table dir/name, or null when the folder or the file is not there. A folder
 * the pipeline names must hold the file: its absence is an error naming both. */
static hs_status opt_table(hsi_buf *o, hs_ctx *ctx, const char *key, const char *dir,
                           const char *name, int required, hs_error *err)
{
    hsi_buf_printf(o, ",\"%s\":", key);
    char *p = dir ? hsi_html_path_join(ctx, dir, name) : NULL;
    hs_status st = HS_OK;
    if (dir && !p) {
        st = hsi_err_nomem(err);
    } else if (p && exists(p)) {
        st = csv_table(o, ctx, p, err);
    } else if (p && required) {
        st = hsi_err(err, HS_ERR_IO, p, 0, 0,
                     "not found: the pipeline's [report] section names the folder %s, which "
                     "should hold %s",
                     dir, name);
    } else {
        hsi_buf_puts(o, "null");
    }
    hsi_free(ctx, p);
    return st;
}

/* ,"map": {"file", "id", "text"} (the GeoJSON as a string: the page parses it and says
 * so when it cannot) or null. */
static hs_status write_map(hsi_buf *o, hs_ctx *ctx, const hsi_html_keys *k, hs_error *err)
{
    hsi_buf_puts(o, ",\"map\":");
    if (!k->map) {
        hsi_buf_puts(o, "null");
        return HS_OK;
    }
    char *text = NULL;
    size_t len = 0;
    hs_status st = hsi_read_file(ctx, k->map, &text, &len, err);
    if (st != HS_OK) return st;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
        i++;
    if (i == len || text[i] != '{' || !strstr(text, "\"features\"")) {
        hsi_free(ctx, text);
        return hsi_err(err, HS_ERR_PARSE, k->map, 1, 1,
                       "not a GeoJSON FeatureCollection (expected an object with "
                       "\"features\"), as the pipeline's [report] map names it");
    }
    const char *base = strrchr(k->map, '/') ? strrchr(k->map, '/') + 1 : k->map;
    hsi_buf_puts(o, "{\"file\":");
    hsi_html_json_str(o, base);
    hsi_buf_puts(o, ",\"id\":");
    hsi_html_json_str(o, k->map_id ? k->map_id : "id");
    hsi_buf_puts(o, ",\"text\":");
    hsi_html_json_str(o, text);
    hsi_buf_puts(o, "}");
    hsi_free(ctx, text);
    return HS_OK;
}

hs_status hsi_html_extras(hs_ctx *ctx, const hsi_html_keys *k, const char *ivfile, hsi_buf *o,
                          hs_error *err)
{
    hs_status st = write_map(o, ctx, k, err);
    hsi_buf_puts(o, ",\"impute\":");
    if (k->impute)
        hsi_html_json_str(o, k->impute);
    else
        hsi_buf_puts(o, "null");
    hsi_buf_puts(o, ",\"weights\":");
    if (k->wset) {
        hsi_buf_puts(o, "{\"from\":\"set\",\"name\":");
        hsi_html_json_str(o, k->wset);
        hsi_buf_puts(o, "}");
    } else {
        hsi_buf_puts(o, k->wpca ? "{\"from\":\"pca\"}" : "{\"from\":\"structure\"}");
    }
    /* Sobol' indices: the [report] sensitivity folder, else beside the rank intervals */
    char *sdir = k->sensitivity ? hsi_strdup(ctx, k->sensitivity) : NULL;
    if (!sdir && ivfile) {
        const char *slash = strrchr(ivfile, '/');
        sdir = slash ? hsi_strndup(ctx, ivfile, (size_t)(slash - ivfile)) : hsi_strdup(ctx, ".");
    }
    if (st == HS_OK) st = opt_table(o, ctx, "sobol", sdir, "sa_indices.csv", 0, err);
    hsi_free(ctx, sdir);
    if (st == HS_OK)
        st = opt_table(o, ctx, "compare", k->compare, "compare_ranks.csv", k->compare != NULL, err);
    if (st == HS_OK)
        st = opt_table(o, ctx, "whatif", k->whatif, "whatif_mean_abs_diff.csv", k->whatif != NULL,
                       err);
    if (st == HS_OK)
        st = opt_table(o, ctx, "whatifRanks", k->whatif, "whatif_rankdiffs.csv", 0, err);
    return st;
}
