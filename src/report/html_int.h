/*
 * html_int.h - between the HTML report's modules: the embedded assets (generated at build
 * time by report/embed.cmake from the committed front-end bundle and the shipped map and
 * country-code tables) and the collector that turns a build folder into the page's data.
 * Never installed.
 */
#ifndef HS_HTML_INT_H
#define HS_HTML_INT_H

#include "../core/core_int.h"

/* An embedded asset: hsi_asset_NAME, NUL-terminated, and hsi_asset_NAME_len, which
 * excludes the NUL. */
#define HSI_ASSET(name)                                                                            \
    extern const unsigned char hsi_asset_##name[];                                                 \
    extern const size_t hsi_asset_##name##_len

HSI_ASSET(report_js);
HSI_ASSET(report_css);
HSI_ASSET(topo);
HSI_ASSET(iso_codes);
HSI_ASSET(iso_names);

/*
 * Read the build folder `dir` (summary.json, Aggregated.csv, ranks.csv, the structure,
 * optional rank intervals, the pipeline and its sources files) and append the report's data
 * as one JSON object to `out` (docs/report.md, "The page's data"). `title` (may be NULL)
 * replaces the build's title. *title_out (OUT) receives the title used; the caller frees it
 * with hsi_free. *nscored (OUT) counts the units scored in the latest time.
 */
HS_INTERNAL hs_status hsi_html_collect(hs_ctx *ctx, const char *dir, const hs_report_opts *opts,
                                       hsi_buf *out, char **title_out, size_t *nscored,
                                       hs_error *err);

/* Append s (len bytes) so that it is safe inside <script> or <style>: "</script", "</style"
 * (any case) and "<!--" would end or confuse the element, so they become "<\/script",
 * "<\/style" and "<\!--". In our assets these only occur inside JS/JSON strings, where the
 * backslash escapes mean the same characters. */
HS_INTERNAL void hsi_html_raw(hsi_buf *b, const char *s, size_t len);
/* Append s as a JSON string that is also safe inside <script>: <, > and & are \u-escaped. */
HS_INTERNAL void hsi_html_json_str(hsi_buf *b, const char *s);
/* dir/name (name alone when dir is NULL or empty, or name is absolute); NULL when out of
 * memory. The caller frees it with hsi_free. */
HS_INTERNAL char *hsi_html_path_join(hs_ctx *ctx, const char *dir, const char *name);
/* A read CSV as {"file": file, "head": [...], "rows": [[...]]}, all cells as strings; with
 * row_lines each row starts a new line. */
struct hsi_csv;
HS_INTERNAL void hsi_html_json_csv(hsi_buf *o, const char *file, const struct hsi_csv *t,
                                   int row_lines);

/* The [report] section of a pipeline (docs/report.md): paths relative to the pipeline's
 * folder already joined to it; NULL when absent. */
typedef struct hsi_html_keys {
    char *map;         /* boundary file (GeoJSON) for units that are not countries */
    char *map_id;      /* feature property holding the unit code ("id": the feature's id) */
    char *compare;     /* a `humsec compare -o` folder */
    char *whatif;      /* a `humsec whatif -o` folder */
    char *sensitivity; /* a `humsec sensitivity -o` folder */
    /* the weights [aggregate] aggregates with: a [weights NAME] set (wset, its codes and
       values), pca(...) (wpca: the page cannot know them) or the structure's (neither) */
    char *wset;
    char **wcode;
    double *wval;
    size_t nw;
    int wpca;
    char *impute; /* the method of the last [impute] step ("mean" when it names none), or NULL */
} hsi_html_keys;

HS_INTERNAL hs_status hsi_html_keys_read(hs_ctx *ctx, const char *pipeline, hsi_html_keys *k,
                                         hs_error *err);
HS_INTERNAL void hsi_html_keys_free(hs_ctx *ctx, hsi_html_keys *k);

/* A path summary.json names (relative to where the build ran) as found from the build
 * folder `build_dir`: tried under each folder above it, nearest first, then as it is.
 * Caller frees; NULL for a NULL path or out of memory. */
HS_INTERNAL char *hsi_html_resolve(hs_ctx *ctx, const char *build_dir, const char *path);

/* Append ,"map":...,"weights":{from: structure|set|pca[,
 * name]},"sobol":...,"compare":...,"whatif":...,"whatifRanks":... (each null or a table {file,
 * head, rows}; the map {file, id, text}). ivfile: the rank intervals read, if any (Sobol' indices
 * are looked for beside them). */
HS_INTERNAL hs_status hsi_html_extras(hs_ctx *ctx, const hsi_html_keys *k, const char *ivfile,
                                      hsi_buf *out, hs_error *err);

#endif
