/*
 * html_data.c - what the HTML report shows, read from a build folder: the latest scores,
 * pillar scores (the aggregates just under the top of the structure) and normalised
 * indicators of every unit, each unit's series over time, effective weights, rank intervals
 * when an uncertainty analysis wrote them, and the method and sources text. The result is
 * one JSON object the page's script reads (docs/report.md, "The page's data"). Drawing is
 * left to the front end (report/src); writing the page to html.c.
 */
#include "html_int.h"
#include "../core/csv_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Missing, as a double (NAN is a float constant). */
#define NA_NUM ((double)NAN)

/* A node of the structure (indicator or aggregate). Strings point into the structure CSV. */
typedef struct rnode {
    const char *code, *name, *parent;
    int is_ind;
    int dir;
    double w;    /* weight within the parent, as declared */
    double eff;  /* effective weight in the top score */
    long pillar; /* index into the pillar list, -1 if none */
    int level;   /* 1 for indicators; the structure's Level for aggregates */
    long col;    /* column in Aggregated.csv, -1 if absent */
} rnode;

/* Everything collected, freed by coll_free. */
typedef struct coll {
    hs_ctx *ctx;
    char *summary; /* summary.json text */
    char *title, *pipeline, *structure, *data, *index;
    char *pipeline_shown; /* the pipeline as summary.json names it */
    hsi_csv agg, meta, iv, raw, trt;
    int have_agg, have_meta, have_iv, have_raw, have_trt;
    long *aggs; /* node indices of the aggregates with a column, the top last */
    size_t naggs;
    rnode *node;
    size_t nnode;
    long top;      /* node index of the top aggregate */
    long *pillars; /* node indices of the pillars */
    size_t npillar;
    long *inds; /* node indices of the indicators */
    size_t nind;
    long ucol, tcol; /* uCode and Time columns of Aggregated.csv (tcol -1: no time) */
    long ncol;       /* uName column (-1: none; builds before names were carried) */
    long *times;     /* distinct times, ascending */
    size_t ntime;
    long latest;
    size_t *ustart; /* first row of each unit (rows are grouped by unit); nunit + 1 */
    size_t nunit;
    double *latest_v; /* nunit x (1 + npillar): top and pillar values in the latest time */
} coll;

static void coll_free(coll *c)
{
    hs_ctx *ctx = c->ctx;
    hsi_free_all(ctx, c->summary, c->title, c->pipeline, c->structure, c->data, c->index);
    if (c->have_agg) hsi_csv_free(&c->agg);
    if (c->have_meta) hsi_csv_free(&c->meta);
    if (c->have_iv) hsi_csv_free(&c->iv);
    if (c->have_raw) hsi_csv_free(&c->raw);
    if (c->have_trt) hsi_csv_free(&c->trt);
    hsi_free_all(ctx, c->pipeline_shown, c->aggs, c->node, c->pillars, c->inds, c->times, c->ustart,
                 c->latest_v);
}

/* ---- small helpers ------------------------------------------------------------------- */

char *hsi_html_path_join(hs_ctx *ctx, const char *dir, const char *name)
{
    hsi_buf b;
    hsi_buf_init(&b, ctx);
    if (dir && *dir && name[0] != '/')
        hsi_buf_printf(&b, "%s/%s", dir, name);
    else
        hsi_buf_puts(&b, name);
    return hsi_buf_take(&b);
}

/* The folder part of path ("." if none); caller frees. */
static char *path_dir(hs_ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return hsi_strdup(ctx, ".");
    if (slash == path) return hsi_strdup(ctx, "/");
    return hsi_strndup(ctx, path, (size_t)(slash - path));
}

static int file_exists(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    (void)fclose(fp); /* opened only to test existence */
    return 1;
}

/* A cell as a number: NaN for empty or NA (the writers' missing marker) or text. */
static double cell_num(const char *s)
{
    double v;
    if (!s || !*s || !strcmp(s, "NA") || hsi_parse_double(s, &v) != 0) return NA_NUM;
    return v;
}

static void json_num(hsi_buf *b, double v)
{
    if (isfinite(v))
        hsi_buf_printf(b, "%.6g", v);
    else
        hsi_buf_puts(b, "null");
}

/*
 * The value of top-level key `key` of summary.json (our own writer's output, flat apart from
 * arrays): a string (unescaped, caller frees) or NULL if absent or not a string.
 */
static char *summary_str(hs_ctx *ctx, const char *js, const char *key)
{
    hsi_buf b;
    hsi_buf_init(&b, ctx);
    hsi_buf_printf(&b, "\n  \"%s\":", key);
    char *pat = hsi_buf_take(&b);
    if (!pat) return NULL;
    const char *p = strstr(js, pat);
    size_t skip = strlen(pat);
    hsi_free(ctx, pat);
    if (!p) return NULL;
    p += skip;
    while (*p == ' ')
        p++;
    if (*p != '"') return NULL;
    p++;
    hsi_buf v;
    hsi_buf_init(&v, ctx);
    for (; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            char ch = *p;
            if (*p == 'n')
                ch = '\n';
            else if (*p == 't')
                ch = '\t';
            if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) {
                /* only control characters are \u-escaped by our writer */
                unsigned u = 0;
                for (int k = 1; k <= 4 && isxdigit((unsigned char)p[k]); k++)
                    u = u * 16 + (unsigned)(isdigit((unsigned char)p[k])
                                                ? p[k] - '0'
                                                : tolower((unsigned char)p[k]) - 'a' + 10);
                ch = (char)(u & 0x7f);
                p += 4;
            }
            hsi_buf_add(&v, &ch, 1);
        } else {
            hsi_buf_add(&v, p, 1);
        }
    }
    hsi_buf_add(&v, "", 1);
    return hsi_buf_take(&v);
}

/* ---- the structure ------------------------------------------------------------------- */

static long node_find(const coll *c, const char *code)
{
    for (size_t i = 0; i < c->nnode; i++)
        if (!strcmp(c->node[i].code, code)) return (long)i;
    return -1;
}

static const char *meta_get(const hsi_csv *m, size_t r, long j)
{
    return j >= 0 ? hsi_csv_get(m, r, (size_t)j) : "";
}

/* Aggregates without a Level: one above their highest child (COINr's levels). Then the list
 * of aggregates with a column, by level, for the correlation maps. */
static void set_levels(coll *c)
{
    for (size_t pass = 0; pass < c->nnode; pass++) {
        int changed = 0;
        for (size_t i = 0; i < c->nnode; i++) {
            rnode *n = &c->node[i];
            if (n->is_ind || n->level) continue;
            int hi = 0, open = 0;
            for (size_t k = 0; k < c->nnode; k++)
                if (!strcmp(c->node[k].parent, n->code)) {
                    if (!c->node[k].level) open = 1;
                    if (c->node[k].level > hi) hi = c->node[k].level;
                }
            if (!open && hi) n->level = hi + 1, changed = 1;
        }
        if (!changed) break;
    }
    for (int lv = 2; lv < 100; lv++)
        for (size_t i = 0; i < c->nnode; i++)
            if (!c->node[i].is_ind && c->node[i].level == lv && c->node[i].col >= 0)
                c->aggs[c->naggs++] = (long)i;
}

/* Read the structure's indicators and aggregates, find the top, the pillars and the
 * effective weights (product of normalised sibling weights up to the top). */
static hs_status read_structure(coll *c, const char *path, const hsi_html_keys *keys, hs_error *err)
{
    hs_status st = hsi_csv_read(c->ctx, path, &c->meta, err);
    if (st != HS_OK) return st;
    c->have_meta = 1;
    const hsi_csv *m = &c->meta;
    long jc = hsi_csv_find(m, "iCode"), jn = hsi_csv_find(m, "iName");
    long jp = hsi_csv_find(m, "Parent"), jt = hsi_csv_find(m, "Type");
    long jw = hsi_csv_find(m, "Weight"), jd = hsi_csv_find(m, "Direction");
    long jl = hsi_csv_find(m, "Level");
    if (jc < 0 || jt < 0)
        return hsi_err(err, HS_ERR_SCHEMA, path, 1, 0,
                       "not an index structure: the columns iCode and Type are needed");
    if (!(c->node = hsi_calloc(c->ctx, m->nrow ? m->nrow : 1, sizeof *c->node)))
        return hsi_err_nomem(err);
    for (size_t r = 0; r < m->nrow; r++) {
        const char *type = meta_get(m, r, jt);
        int ind = !strcmp(type, "Indicator");
        if (!ind && strcmp(type, "Aggregate")) continue;
        rnode *n = &c->node[c->nnode++];
        n->code = meta_get(m, r, jc);
        n->name = meta_get(m, r, jn);
        n->parent = meta_get(m, r, jp);
        if (!strcmp(n->parent, "NA")) n->parent = "";
        n->is_ind = ind;
        double d = cell_num(meta_get(m, r, jd));
        n->dir = isfinite(d) && d < 0 ? -1 : 1;
        double w = cell_num(meta_get(m, r, jw));
        n->w = isfinite(w) && w >= 0 ? w : 1.0;
        for (size_t q = 0; q < keys->nw; q++) /* the build's weight set overrides */
            if (!strcmp(keys->wcode[q], n->code)) n->w = keys->wval[q];
        n->pillar = -1;
        n->col = hsi_csv_find(&c->agg, n->code);
        double lv = cell_num(meta_get(m, r, jl));
        n->level = ind ? 1 : isfinite(lv) && lv >= 2 && lv < 100 ? (int)lv : 0;
    }
    /* The top: the index named in summary.json, else the first parentless aggregate. */
    c->top = c->index ? node_find(c, c->index) : -1;
    for (size_t i = 0; c->top < 0 && i < c->nnode; i++)
        if (!c->node[i].is_ind && !*c->node[i].parent) c->top = (long)i;
    if (c->top < 0 || c->node[c->top].col < 0)
        return hsi_err(err, HS_ERR_SCHEMA, path, 0, 0,
                       "no top aggregate of this structure is a column of Aggregated.csv: "
                       "is it the structure the build used? (--structure)");
    if (!(c->pillars = hsi_calloc(c->ctx, c->nnode, sizeof(long))) ||
        !(c->inds = hsi_calloc(c->ctx, c->nnode, sizeof(long))) ||
        !(c->aggs = hsi_calloc(c->ctx, c->nnode, sizeof(long))))
        return hsi_err_nomem(err);
    set_levels(c);
    const char *top = c->node[c->top].code;
    for (size_t i = 0; i < c->nnode; i++)
        if (!c->node[i].is_ind && !strcmp(c->node[i].parent, top) && c->node[i].col >= 0) {
            c->node[i].pillar = (long)c->npillar;
            c->pillars[c->npillar++] = (long)i;
        }
    for (size_t i = 0; i < c->nnode; i++) {
        rnode *n = &c->node[i];
        /* walk up: multiply the normalised weights, note the pillar on the way */
        double eff = 1.0;
        long k = (long)i, pillar = -1;
        for (size_t guard = 0; k >= 0 && k != c->top && guard <= c->nnode; guard++) {
            const rnode *a = &c->node[k];
            double sum = 0;
            for (size_t s = 0; s < c->nnode; s++)
                if (!strcmp(c->node[s].parent, a->parent)) sum += c->node[s].w;
            eff *= sum > 0 ? a->w / sum : 0;
            if (a->pillar >= 0) pillar = a->pillar;
            k = *a->parent ? node_find(c, a->parent) : -1;
        }
        n->eff = k == c->top ? eff : NA_NUM;
        if (n->is_ind) {
            n->pillar = pillar;
            if (n->col >= 0) c->inds[c->nind++] = (long)i;
        }
    }
    return HS_OK;
}

/* ---- the scores ---------------------------------------------------------------------- */

static long row_time(const coll *c, size_t r)
{
    double t = c->tcol >= 0 ? cell_num(hsi_csv_get(&c->agg, r, (size_t)c->tcol)) : NA_NUM;
    return isfinite(t) ? (long)t : 0;
}

static double agg_val(const coll *c, size_t r, long col)
{
    return col >= 0 ? cell_num(hsi_csv_get(&c->agg, r, (size_t)col)) : NA_NUM;
}

/* Units (rows are grouped by uCode, as the writers sort them), times and the latest time. */
static hs_status index_rows(coll *c, const char *path, hs_error *err)
{
    const hsi_csv *a = &c->agg;
    c->ucol = hsi_csv_find(a, "uCode");
    c->tcol = hsi_csv_find(a, "Time");
    c->ncol = hsi_csv_find(a, "uName");
    if (c->ucol < 0) return hsi_err(err, HS_ERR_SCHEMA, path, 1, 0, "no uCode column");
    if (!(c->ustart = hsi_calloc(c->ctx, a->nrow + 1, sizeof(size_t))) ||
        !(c->times = hsi_calloc(c->ctx, a->nrow + 1, sizeof(long))))
        return hsi_err_nomem(err);
    for (size_t r = 0; r < a->nrow; r++) {
        const char *u = hsi_csv_get(a, r, (size_t)c->ucol);
        if (r == 0 || strcmp(u, hsi_csv_get(a, r - 1, (size_t)c->ucol))) c->ustart[c->nunit++] = r;
        c->times[r] = row_time(c, r);
    }
    c->ustart[c->nunit] = a->nrow;
    qsort(c->times, a->nrow, sizeof(long), hsi_long_cmp);
    for (size_t r = 0; r < a->nrow; r++)
        if (c->ntime == 0 || c->times[c->ntime - 1] != c->times[r])
            c->times[c->ntime++] = c->times[r];
    c->latest = c->ntime ? c->times[c->ntime - 1] : 0;
    /* the latest time in which the top score exists somewhere */
    for (size_t t = c->ntime; t-- > 0;) {
        int any = 0;
        for (size_t r = 0; r < a->nrow && !any; r++)
            any = row_time(c, r) == c->times[t] && isfinite(agg_val(c, r, c->node[c->top].col));
        if (any) {
            c->latest = c->times[t];
            break;
        }
    }
    return HS_OK;
}

/* Row of unit u at time t, or -1. */
static long unit_row(const coll *c, size_t u, long t)
{
    for (size_t r = c->ustart[u]; r < c->ustart[u + 1]; r++)
        if (row_time(c, r) == t) return (long)r;
    return -1;
}

/* Competition rank of v among column k of latest_v (1 = highest; ties share the lowest). */
static long rank_of(const coll *c, size_t k, double v)
{
    if (!isfinite(v)) return 0;
    long above = 0;
    size_t w = 1 + c->npillar;
    for (size_t u = 0; u < c->nunit; u++)
        if (c->latest_v[u * w + k] > v) above++;
    return above + 1;
}

/* ---- rank intervals ------------------------------------------------------------------ */

/* First header of the list that the table has, or -1. */
static long find_any(const hsi_csv *t, const char *const *names)
{
    for (; *names; names++) {
        long j = hsi_csv_find(t, *names);
        if (j >= 0) return j;
    }
    return -1;
}

static const char *const IV_LO[] = {"q05_rank", "rank_q05", "rank_lo", NULL};
static const char *const IV_MID[] = {"median_rank", "rank_median", "rank_q50", NULL};
static const char *const IV_HI[] = {"q95_rank", "rank_q95", "rank_hi", NULL};

/* Interval columns of the table: 0 if it has them. */
static int iv_cols(const hsi_csv *t, long *ju, long *jt, long *lo, long *mid, long *hi)
{
    *ju = hsi_csv_find(t, "uCode");
    *jt = hsi_csv_find(t, "Time");
    *lo = find_any(t, IV_LO);
    *mid = find_any(t, IV_MID);
    *hi = find_any(t, IV_HI);
    return *ju >= 0 && *lo >= 0 && *hi >= 0 ? 0 : -1;
}

/* Open the rank-interval table: opts->intervals, else ua_ranks.csv or rank_intervals.csv in
 * the build folder. Absent is fine (the page says so); unreadable or shapeless is an error
 * only when the user named the file. */
static hs_status read_intervals(coll *c, const char *dir, const hs_report_opts *opts, char **used,
                                hs_error *err)
{
    static const char *const names[] = {"ua_ranks.csv", "rank_intervals.csv"};
    *used = NULL;
    for (size_t i = 0; i < 3; i++) {
        char *p = opts && opts->intervals ? hsi_strdup(c->ctx, opts->intervals)
                  : i < 2                 ? hsi_html_path_join(c->ctx, dir, names[i])
                                          : NULL;
        if (!p && opts && opts->intervals) return hsi_err_nomem(err);
        if (!p) break;
        if (!(opts && opts->intervals) && !file_exists(p)) {
            hsi_free(c->ctx, p);
            continue;
        }
        hs_status st = hsi_csv_read(c->ctx, p, &c->iv, err);
        if (st != HS_OK) {
            hsi_free(c->ctx, p);
            return st;
        }
        c->have_iv = 1;
        long ju, jt, lo, mid, hi;
        if (iv_cols(&c->iv, &ju, &jt, &lo, &mid, &hi) != 0) {
            st = hsi_err(err, HS_ERR_SCHEMA, p, 1, 0,
                         "no rank intervals here: expected the columns uCode, q05_rank and "
                         "q95_rank (as `humsec sensitivity` writes them in ua_ranks.csv)");
            hsi_free(c->ctx, p);
            return st;
        }
        *used = p;
        return HS_OK;
    }
    return HS_OK;
}

/* Append [lo, median, hi] of unit `code` in the latest time, or null. */
static void write_interval(hsi_buf *o, const coll *c, const char *code)
{
    long ju, jt, lo, mid, hi;
    if (!c->have_iv || iv_cols(&c->iv, &ju, &jt, &lo, &mid, &hi) != 0) {
        hsi_buf_puts(o, "null");
        return;
    }
    for (size_t r = 0; r < c->iv.nrow; r++) {
        if (strcmp(hsi_csv_get(&c->iv, r, (size_t)ju), code)) continue;
        if (jt >= 0 && (long)cell_num(hsi_csv_get(&c->iv, r, (size_t)jt)) != c->latest) continue;
        hsi_buf_puts(o, "[");
        json_num(o, cell_num(hsi_csv_get(&c->iv, r, (size_t)lo)));
        hsi_buf_puts(o, ",");
        json_num(o, mid >= 0 ? cell_num(hsi_csv_get(&c->iv, r, (size_t)mid)) : NA_NUM);
        hsi_buf_puts(o, ",");
        json_num(o, cell_num(hsi_csv_get(&c->iv, r, (size_t)hi)));
        hsi_buf_puts(o, "]");
        return;
    }
    hsi_buf_puts(o, "null");
}

/* ---- sources ------------------------------------------------------------------------- */

/* Append a whole text file as a JSON string, or null when it cannot be read. */
static void write_file_str(hsi_buf *o, hs_ctx *ctx, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (path && hsi_read_file(ctx, path, &text, &len, NULL) == HS_OK) {
        hsi_html_json_str(o, text);
        hsi_free(ctx, text);
    } else {
        hsi_buf_puts(o, "null");
    }
}

/* Read sources.csv if there. A malformed one does not stop the report: it is left out with
 * a warning that says where it breaks. 0 when *t was filled. */
static int read_sources_csv(hs_ctx *ctx, const char *path, hsi_csv *t, int warn)
{
    if (!path || !file_exists(path)) return -1;
    hs_error e = {0};
    if (hsi_csv_read(ctx, path, t, &e) == HS_OK) return 0;
    if (warn) {
        char msg[2048];
        hs_error_format(&e, msg, sizeof msg);
        hsi_log(ctx, 1, "%s; the sources table is left out of the report", msg);
    }
    return -1;
}

/* sources.csv beside the pipeline as {"file", "head": [...], "rows": [[...]]}, or null. */
static void write_sources_csv(hsi_buf *o, hs_ctx *ctx, const char *path)
{
    hsi_csv t;
    if (read_sources_csv(ctx, path, &t, 1) != 0) {
        hsi_buf_puts(o, "null");
        return;
    }
    hsi_html_json_csv(o, "sources.csv", &t, 0);
    hsi_csv_free(&t);
}

/* Start of the first "## " heading line of text that contains needle, or NULL. */
static const char *find_section(hs_ctx *ctx, const char *text, const char *needle)
{
    for (const char *h = text; h && *h; h = strchr(h, '\n') ? strchr(h, '\n') + 1 : NULL) {
        if (strncmp(h, "## ", 3)) continue;
        const char *eol = strchr(h, '\n');
        char *head = hsi_strndup(ctx, h, eol ? (size_t)(eol - h) : strlen(h));
        int hit = head && strstr(head, needle);
        hsi_free(ctx, head);
        if (hit) return h;
    }
    return NULL;
}

/*
 * The PROVENANCE.md section of the data file: look for PROVENANCE.md in the data file's
 * folder and up to two folders above; take the "## " section whose heading names the file's
 * path relative to that folder, or its first folder ("hdr/"). Appends
 * {"file", "text"} objects (none if nothing matches).
 */
static void write_provenance(hsi_buf *o, hs_ctx *ctx, const char *data)
{
    if (!data) return;
    char *dir = path_dir(ctx, data);
    const char *rel = strrchr(data, '/') ? strrchr(data, '/') + 1 : data;
    char *relbuf = hsi_strdup(ctx, rel);
    for (int up = 0; dir && relbuf && up < 3; up++) {
        char *prov = hsi_html_path_join(ctx, dir, "PROVENANCE.md");
        char *text = NULL;
        size_t len = 0;
        if (prov && hsi_read_file(ctx, prov, &text, &len, NULL) == HS_OK) {
            /* the section naming the file; else the one naming its folder as `hdr/` */
            const char *h = find_section(ctx, text, relbuf);
            const char *slash = strchr(relbuf, '/');
            if (!h && slash) {
                hsi_buf pat;
                hsi_buf_init(&pat, ctx);
                hsi_buf_puts(&pat, "`");
                hsi_buf_add(&pat, relbuf, (size_t)(slash - relbuf) + 1);
                hsi_buf_puts(&pat, "`");
                hsi_buf_add(&pat, "", 1);
                h = pat.oom ? NULL : find_section(ctx, text, pat.s);
                hsi_buf_free(&pat);
            }
            if (h) {
                const char *end = strstr(h, "\n## ");
                char *sec = hsi_strndup(ctx, h, end ? (size_t)(end - h) : strlen(h));
                if (sec) {
                    hsi_buf_puts(o, o->s[o->len - 1] == '[' ? "{\"file\":" : ",{\"file\":");
                    hsi_html_json_str(o, relbuf);
                    hsi_buf_puts(o, ",\"text\":");
                    hsi_html_json_str(o, sec);
                    hsi_buf_puts(o, "}");
                }
                hsi_free(ctx, sec);
            }
            hsi_free(ctx, text);
            hsi_free(ctx, prov);
            break;
        }
        hsi_free(ctx, prov);
        /* one folder up: "a/b" -> "a", and the relative path gains "b/" */
        const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
        if (!strcmp(base, "..") || !strcmp(base, ".") || !strcmp(base, "/") || !*base) break;
        hsi_buf nr;
        hsi_buf_init(&nr, ctx);
        hsi_buf_printf(&nr, "%s/%s", base, relbuf);
        char *ndir = strrchr(dir, '/') ? path_dir(ctx, dir) : hsi_strdup(ctx, ".");
        hsi_free(ctx, relbuf);
        hsi_free(ctx, dir);
        relbuf = nr.oom ? (hsi_buf_free(&nr), NULL) : nr.s;
        dir = ndir;
    }
    hsi_free(ctx, dir);
    hsi_free(ctx, relbuf);
}

/* The PROVENANCE sections of the files that a `file` column of sources.csv lists (paths
 * relative to the pipeline's folder): an index built from a prepared table names its raw
 * sources there. */
static void write_listed_provenance(hsi_buf *o, hs_ctx *ctx, const char *csv, const char *pdir)
{
    hsi_csv t;
    if (read_sources_csv(ctx, csv, &t, 0) != 0) return;
    long jf = hsi_csv_find(&t, "file");
    for (size_t r = 0; jf >= 0 && r < t.nrow; r++) {
        const char *f = hsi_csv_get(&t, r, (size_t)jf);
        char *p = *f ? hsi_html_path_join(ctx, pdir, f) : NULL;
        if (p) write_provenance(o, ctx, p);
        hsi_free(ctx, p);
    }
    hsi_csv_free(&t);
}

/* ---- the page's data ----------------------------------------------------------------- */

static void write_node_list(hsi_buf *o, const coll *c, const long *idx, size_t n, int inds)
{
    for (size_t i = 0; i < n; i++) {
        const rnode *nd = &c->node[idx[i]];
        hsi_buf_puts(o, i ? ",{\"code\":" : "{\"code\":");
        hsi_html_json_str(o, nd->code);
        hsi_buf_puts(o, ",\"name\":");
        hsi_html_json_str(o, *nd->name ? nd->name : nd->code);
        hsi_buf_puts(o, ",\"weight\":");
        json_num(o, nd->eff);
        if (inds) {
            hsi_buf_printf(o, ",\"direction\":%d,\"pillar\":", nd->dir);
            if (nd->pillar >= 0)
                hsi_html_json_str(o, c->node[c->pillars[nd->pillar]].code);
            else
                hsi_buf_puts(o, "null");
        }
        hsi_buf_puts(o, "}");
    }
}

/* Row of table t (uCode and Time columns) for unit `code` at time t, or -1. */
static long table_row(const coll *c, const hsi_csv *t, const char *code)
{
    long ju = hsi_csv_find(t, "uCode"), jt = hsi_csv_find(t, "Time");
    if (ju < 0) return -1;
    for (size_t r = 0; r < t->nrow; r++) {
        if (strcmp(hsi_csv_get(t, r, (size_t)ju), code)) continue;
        double tv = jt >= 0 ? cell_num(hsi_csv_get(t, r, (size_t)jt)) : NA_NUM;
        if ((isfinite(tv) ? (long)tv : 0) == c->latest) return (long)r;
    }
    return -1;
}

/* The unit's raw values in the latest time (Raw.csv), the indicators whose value was
 * imputed (missing in Raw.csv, present after the steps) and those the [treat] step changed
 * (treated_points.csv), as indices into `indicators`. */
static void write_unit_raw(hsi_buf *o, const coll *c, const char *code, long arow)
{
    long rr = c->have_raw ? table_row(c, &c->raw, code) : -1;
    long tr = c->have_trt ? table_row(c, &c->trt, code) : -1;
    hsi_buf_puts(o, ",\"raw\":[");
    for (size_t i = 0; i < c->nind; i++) {
        long j = rr >= 0 ? hsi_csv_find(&c->raw, c->node[c->inds[i]].code) : -1;
        hsi_buf_puts(o, i ? "," : "");
        json_num(o, j >= 0 ? cell_num(hsi_csv_get(&c->raw, (size_t)rr, (size_t)j)) : NA_NUM);
    }
    hsi_buf_puts(o, "],\"imputed\":[");
    int first = 1;
    for (size_t i = 0; rr >= 0 && arow >= 0 && i < c->nind; i++) {
        long j = hsi_csv_find(&c->raw, c->node[c->inds[i]].code);
        if (j < 0 || isfinite(cell_num(hsi_csv_get(&c->raw, (size_t)rr, (size_t)j)))) continue;
        if (!isfinite(agg_val(c, (size_t)arow, c->node[c->inds[i]].col))) continue;
        hsi_buf_printf(o, "%s%zu", first ? "" : ",", i);
        first = 0;
    }
    hsi_buf_puts(o, "],\"treated\":[");
    first = 1;
    for (size_t i = 0; tr >= 0 && i < c->nind; i++) {
        long j = hsi_csv_find(&c->trt, c->node[c->inds[i]].code);
        const char *v = j >= 0 ? hsi_csv_get(&c->trt, (size_t)tr, (size_t)j) : "";
        if (!*v || !strcmp(v, "NA")) continue;
        hsi_buf_printf(o, "%s%zu", first ? "" : ",", i);
        first = 0;
    }
    hsi_buf_puts(o, "],\"agg\":[");
    for (size_t a = 0; a < c->naggs; a++) {
        hsi_buf_puts(o, a ? "," : "");
        json_num(o, arow >= 0 ? agg_val(c, (size_t)arow, c->node[c->aggs[a]].col) : NA_NUM);
    }
    hsi_buf_puts(o, "]");
}

/* One unit: latest values, ranks (competition ranks among units, computed here from the same
 * numbers ranks.csv holds), the series of the top and of each pillar, the rank interval. */
static void write_unit(hsi_buf *o, const coll *c, size_t u)
{
    const char *code = hsi_csv_get(&c->agg, c->ustart[u], (size_t)c->ucol);
    long r = unit_row(c, u, c->latest);
    size_t w = 1 + c->npillar;
    hsi_buf_puts(o, "{\"code\":");
    hsi_html_json_str(o, code);
    hsi_buf_puts(o, ",\"score\":");
    json_num(o, c->latest_v[u * w]);
    hsi_buf_printf(o, ",\"rank\":%ld,\"pillars\":[", rank_of(c, 0, c->latest_v[u * w]));
    for (size_t p = 0; p < c->npillar; p++) {
        hsi_buf_puts(o, p ? "," : "");
        json_num(o, c->latest_v[u * w + 1 + p]);
    }
    hsi_buf_puts(o, "],\"pillarRanks\":[");
    for (size_t p = 0; p < c->npillar; p++)
        hsi_buf_printf(o, "%s%ld", p ? "," : "", rank_of(c, 1 + p, c->latest_v[u * w + 1 + p]));
    hsi_buf_puts(o, "],\"ind\":[");
    for (size_t i = 0; i < c->nind; i++) {
        hsi_buf_puts(o, i ? "," : "");
        json_num(o, r >= 0 ? agg_val(c, (size_t)r, c->node[c->inds[i]].col) : NA_NUM);
    }
    hsi_buf_puts(o, "],\"series\":[");
    for (size_t t = 0; t < c->ntime; t++) {
        long rt = unit_row(c, u, c->times[t]);
        hsi_buf_puts(o, t ? "," : "");
        json_num(o, rt >= 0 ? agg_val(c, (size_t)rt, c->node[c->top].col) : NA_NUM);
    }
    hsi_buf_puts(o, "],\"pillarSeries\":[");
    for (size_t p = 0; p < c->npillar; p++) {
        hsi_buf_puts(o, p ? ",[" : "[");
        for (size_t t = 0; t < c->ntime; t++) {
            long rt = unit_row(c, u, c->times[t]);
            hsi_buf_puts(o, t ? "," : "");
            json_num(o, rt >= 0 ? agg_val(c, (size_t)rt, c->node[c->pillars[p]].col) : NA_NUM);
        }
        hsi_buf_puts(o, "]");
    }
    hsi_buf_puts(o, "]");
    /* the data's name wins over the page's ISO table; none (NA) lets the page look it up */
    const char *name = c->ncol >= 0 ? hsi_csv_get(&c->agg, c->ustart[u], (size_t)c->ncol) : NULL;
    if (name && *name && strcmp(name, "NA") != 0) {
        hsi_buf_puts(o, ",\"name\":");
        hsi_html_json_str(o, name);
    }
    write_unit_raw(o, c, code, r);
    hsi_buf_puts(o, ",\"interval\":");
    write_interval(o, c, code);
    hsi_buf_puts(o, "}");
}

static void write_structure_rows(hsi_buf *o, const coll *c)
{
    for (size_t i = 0; i < c->nnode; i++) {
        const rnode *n = &c->node[i];
        hsi_buf_puts(o, i ? ",{\"code\":" : "{\"code\":");
        hsi_html_json_str(o, n->code);
        hsi_buf_puts(o, ",\"name\":");
        hsi_html_json_str(o, n->name);
        hsi_buf_puts(o, ",\"parent\":");
        hsi_html_json_str(o, n->parent);
        hsi_buf_printf(o, ",\"type\":\"%s\",\"level\":%d,\"direction\":%d,\"effWeight\":",
                       n->is_ind ? "Indicator" : "Aggregate", n->level, n->dir);
        json_num(o, n->eff);
        hsi_buf_puts(o, "}");
    }
}

/* ---- the watchlist of a forecast (hs_report_opts.forecasts) ----------------------------- */

typedef struct wl_row {
    const char *code;
    double p[3];   /* P(>= 25 in a month) within 3, 6 and 12 months */
    double level;  /* mean ln(1 + deaths) over the first 3 leads: orders ties of p */
    hs_fc_cell c1; /* lead 1 */
} wl_row;

static int wl_cmp(const void *a, const void *b)
{
    const wl_row *x = a, *y = b;
    /* by the probability as shown (to a tenth of a point), then by the deaths expected */
    double px = round(x->p[0] * 1000), py = round(y->p[0] * 1000);
    if (px != py) return px < py ? 1 : -1;
    if (x->level != y->level) return x->level < y->level ? 1 : -1;
    return strcmp(x->code, y->code);
}

/* The watchlist from a forecast summary (humsec forecast --table -o DIR: DIR/summary.csv),
 * as JSON: {"file", "origin", "countries": [{code, p3, p6, p12, q05, q50, q95, p1000}]}, by
 * P within 3 months. A malformed summary is an error naming file, line and column. */
static hs_status write_watchlist(hsi_buf *o, hs_ctx *ctx, const char *path, hs_error *err)
{
    static const char *const need[] = {"unit", "origin", "lead",     "q05",      "q50",
                                       "q95",  "p_ge25", "p_ge1000", "mean_ln1p"};
    enum { W_UNIT, W_ORIGIN, W_LEAD, W_Q05, W_Q50, W_Q95, W_P25, W_P1000, W_ML, W_N };
    hsi_csv t;
    hs_status st = hsi_csv_read(ctx, path, &t, err);
    if (st) return st;
    long j[W_N];
    for (int k = 0; k < W_N && !st; k++)
        if ((j[k] = hsi_csv_find(&t, need[k])) < 0)
            st = hsi_err(err, HS_ERR_PARSE, path, t.head_line, 1,
                         "a forecast summary needs a column '%s' (humsec forecast --table -o "
                         "DIR writes DIR/summary.csv)",
                         need[k]);
    wl_row *rows = st ? NULL : hsi_calloc(ctx, t.nrow + 1, sizeof *rows);
    if (!st && !rows) st = hsi_err_nomem(err);
    size_t n = 0;
    hs_fc_cell cells[12];
    int m = 0, nl = 0; /* leads kept (the first 12) and seen, of the current unit */
    for (size_t r = 0; !st && r < t.nrow; r++) {
        const char *code = hsi_csv_get(&t, r, (size_t)j[W_UNIT]);
        double v[W_N];
        for (int k = W_LEAD; k < W_N; k++) {
            v[k] = cell_num(hsi_csv_get(&t, r, (size_t)j[k]));
            if (!isfinite(v[k]))
                st = hsi_err(err, HS_ERR_PARSE, path, t.line[r], t.col[r * t.ncol + (size_t)j[k]],
                             "'%s' is not a number", hsi_csv_get(&t, r, (size_t)j[k]));
        }
        if (st) break;
        int lead = (int)v[W_LEAD];
        if (lead == 1) {
            if (n && m < 12) n--; /* the previous unit had fewer than 12 leads: left out */
            wl_row *w = &rows[n++];
            w->code = code;
            m = nl = 0;
        }
        if (!n || strcmp(rows[n - 1].code, code) || lead != ++nl) {
            st = hsi_err(err, HS_ERR_PARSE, path, t.line[r], t.col[r * t.ncol + (size_t)j[W_LEAD]],
                         "the leads of each unit must run 1, 2, 3, ... in order");
            break;
        }
        if (m < 12) {
            hs_fc_cell *c = &cells[m];
            memset(c, 0, sizeof *c);
            c->lead = lead;
            c->q[0] = v[W_Q05];
            c->q[2] = v[W_Q50];
            c->q[4] = v[W_Q95];
            c->p_ge25 = v[W_P25];
            c->p_ge1000 = v[W_P1000];
            c->mean_ln1p = v[W_ML];
            m++;
        }
        if (m == 12 && lead == 12) {
            wl_row *w = &rows[n - 1];
            w->p[0] = hs_fc_p25_within(cells, 3);
            w->p[1] = hs_fc_p25_within(cells, 6);
            w->p[2] = hs_fc_p25_within(cells, 12);
            w->level = (cells[0].mean_ln1p + cells[1].mean_ln1p + cells[2].mean_ln1p) / 3;
            w->c1 = cells[0];
        }
    }
    if (!st && n && m < 12) n--;
    if (!st) {
        qsort(rows, n, sizeof *rows, wl_cmp);
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        hsi_buf_puts(o, "{\"file\":");
        hsi_html_json_str(o, base);
        hsi_buf_puts(o, ",\"origin\":");
        hsi_html_json_str(o, t.nrow ? hsi_csv_get(&t, 0, (size_t)j[W_ORIGIN]) : "");
        hsi_buf_puts(o, ",\"countries\":[");
        for (size_t i = 0; i < n; i++) {
            const wl_row *w = &rows[i];
            hsi_buf_puts(o, i ? ",\n{\"code\":" : "\n{\"code\":");
            hsi_html_json_str(o, w->code);
            const double f[7] = {w->p[0],    w->p[1],    w->p[2],       w->c1.q[0],
                                 w->c1.q[2], w->c1.q[4], w->c1.p_ge1000};
            static const char *const key[7] = {"p3", "p6", "p12", "q05", "q50", "q95", "p1000"};
            for (int k = 0; k < 7; k++) {
                hsi_buf_printf(o, ",\"%s\":", key[k]);
                json_num(o, f[k]);
            }
            hsi_buf_puts(o, "}");
        }
        hsi_buf_puts(o, "]}");
    }
    hsi_free(ctx, rows);
    hsi_csv_free(&t);
    return st;
}

static void write_page_data(hsi_buf *o, coll *c, const char *ivfile, const char *title, int lower)
{
    const rnode *top = &c->node[c->top];
    hsi_buf_puts(o, "{\"generator\":\"humsec " HS_VERSION "\",\"title\":");
    hsi_html_json_str(o, title);
    hsi_buf_puts(o, ",\"index\":{\"code\":");
    hsi_html_json_str(o, top->code);
    hsi_buf_puts(o, ",\"name\":");
    hsi_html_json_str(o, *top->name ? top->name : top->code);
    hsi_buf_puts(o, "},\"times\":[");
    for (size_t t = 0; t < c->ntime; t++)
        hsi_buf_printf(o, "%s%ld", t ? "," : "", c->times[t]);
    hsi_buf_printf(o, "],\"latest\":%ld,\"lowerIsBetter\":%s,\"pillars\":[", c->latest,
                   lower ? "true" : "false");
    write_node_list(o, c, c->pillars, c->npillar, 0);
    hsi_buf_puts(o, "],\"indicators\":[");
    write_node_list(o, c, c->inds, c->nind, 1);
    hsi_buf_puts(o, "],\"aggregates\":[");
    for (size_t a = 0; a < c->naggs; a++) {
        const rnode *n = &c->node[c->aggs[a]];
        hsi_buf_puts(o, a ? ",{\"code\":" : "{\"code\":");
        hsi_html_json_str(o, n->code);
        hsi_buf_puts(o, ",\"name\":");
        hsi_html_json_str(o, *n->name ? n->name : n->code);
        hsi_buf_printf(o, ",\"level\":%d}", n->level);
    }
    hsi_buf_printf(o, "],\"treatedFile\":%s,\"rawFile\":%s,\"intervals\":",
                   c->have_trt ? "\"treated_points.csv\"" : "null",
                   c->have_raw ? "\"Raw.csv\"" : "null");
    if (ivfile) {
        const char *base = strrchr(ivfile, '/') ? strrchr(ivfile, '/') + 1 : ivfile;
        hsi_buf_puts(o, "{\"file\":");
        hsi_html_json_str(o, base);
        hsi_buf_puts(o, ",\"label\":\"5\\u201395 %\",\"what\":\"the uncertainty analysis's "
                        "model runs\"}");
    } else {
        hsi_buf_puts(o, "null");
    }
    hsi_buf_puts(o, ",\"units\":[");
    for (size_t u = 0; u < c->nunit; u++) {
        hsi_buf_puts(o, u ? ",\n" : "\n");
        write_unit(o, c, u);
    }
    hsi_buf_puts(o, "],\"method\":{\"pipelineFile\":");
    hsi_html_json_str(o, c->pipeline_shown ? c->pipeline_shown : "");
    hsi_buf_puts(o, ",\"datasets\":[");
    /* the datasets are the summary's "datasets" array, copied as it is (strings only) */
    const char *ds = strstr(c->summary, "\n  \"datasets\": [");
    const char *de = ds ? strchr(ds, ']') : NULL;
    if (ds && de) {
        ds = strchr(ds, '[') + 1;
        hsi_buf_add(o, ds, (size_t)(de - ds));
    }
    hsi_buf_puts(o, "],\"pipeline\":");
    write_file_str(o, c->ctx, c->pipeline);
    hsi_buf_puts(o, ",\"structure\":[");
    write_structure_rows(o, c);
    hsi_buf_puts(o, "]},\"sources\":{");
    char *pdir = c->pipeline ? path_dir(c->ctx, c->pipeline) : NULL;
    char *md = pdir ? hsi_html_path_join(c->ctx, pdir, "sources.md") : NULL;
    char *csv = pdir ? hsi_html_path_join(c->ctx, pdir, "sources.csv") : NULL;
    hsi_buf_puts(o, "\"markdown\":");
    write_file_str(o, c->ctx, md && file_exists(md) ? md : NULL);
    hsi_buf_puts(o, ",\"table\":");
    write_sources_csv(o, c->ctx, csv);
    hsi_buf_puts(o, ",\"provenance\":[");
    write_provenance(o, c->ctx, c->data);
    write_listed_provenance(o, c->ctx, csv, pdir);
    hsi_buf_puts(o, "]}");
    hsi_free_all(c->ctx, pdir, md, csv);
}

/* The pipeline, structure and data as found from the build folder (summary.json gives
 * them relative to where the build ran); the pipeline's name as given is kept for the page. */
static hs_status resolve_inputs(coll *c, const char *dir, hs_error *err)
{
    char **v[] = {&c->pipeline, &c->structure, &c->data};
    if (c->pipeline && !(c->pipeline_shown = hsi_strdup(c->ctx, c->pipeline)))
        return hsi_err_nomem(err);
    for (size_t i = 0; i < 3; i++) {
        if (!*v[i]) continue;
        char *r = hsi_html_resolve(c->ctx, dir, *v[i]);
        if (!r) return hsi_err_nomem(err);
        hsi_free(c->ctx, *v[i]);
        *v[i] = r;
    }
    return HS_OK;
}

/* A sensitivity folder holds no build: say how its results reach a report. */
static hs_status sensitivity_hint(hs_ctx *ctx, const char *dir, hs_status st, hs_error *err)
{
    char *sj = hsi_html_path_join(ctx, dir, "sensitivity.json");
    if (sj && file_exists(sj))
        st = hsi_err(err, HS_ERR_IO, dir, 0, 0,
                     "a folder of `humsec sensitivity`, not of `humsec build`: report the build "
                     "and name this folder in the pipeline ([report] sensitivity = DIR) or give "
                     "--intervals %s/ua_ranks.csv",
                     dir);
    hsi_free(ctx, sj);
    return st;
}

/* A table of the build folder the page can do without (older builds lack it). */
static hs_status read_optional(coll *c, const char *dir, const char *name, hsi_csv *t, int *have,
                               hs_error *err)
{
    char *p = hsi_html_path_join(c->ctx, dir, name);
    if (!p) return hsi_err_nomem(err);
    hs_status st = HS_OK;
    if (file_exists(p) && (st = hsi_csv_read(c->ctx, p, t, err)) == HS_OK) *have = 1;
    hsi_free(c->ctx, p);
    return st;
}

hs_status hsi_html_collect(hs_ctx *ctx, const char *dir, const hs_report_opts *opts, hsi_buf *out,
                           char **title_out, size_t *nscored, hs_error *err)
{
    coll c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    *title_out = NULL;
    *nscored = 0;
    char *p = NULL, *ivfile = NULL, *svfile = NULL;
    hsi_html_keys keys;
    memset(&keys, 0, sizeof keys);
    size_t len = 0;
    hs_status st;
    if (!(p = hsi_html_path_join(ctx, dir, "summary.json"))) {
        st = hsi_err_nomem(err);
        goto done;
    }
    if ((st = hsi_read_file(ctx, p, &c.summary, &len, err)) != HS_OK) {
        st = sensitivity_hint(ctx, dir, st, err);
        goto done;
    }
    c.title = summary_str(ctx, c.summary, "title");
    c.pipeline = summary_str(ctx, c.summary, "pipeline");
    c.structure = summary_str(ctx, c.summary, "structure");
    c.data = summary_str(ctx, c.summary, "data");
    c.index = summary_str(ctx, c.summary, "index");
    if ((st = resolve_inputs(&c, dir, err)) != HS_OK) goto done;
    hsi_free(ctx, p);
    if (!(p = hsi_html_path_join(ctx, dir, "Aggregated.csv"))) {
        st = hsi_err_nomem(err);
        goto done;
    }
    if ((st = hsi_csv_read(ctx, p, &c.agg, err)) != HS_OK) goto done;
    c.have_agg = 1;
    const char *spath = opts && opts->structure ? opts->structure : c.structure;
    if (!spath) {
        st = hsi_err(err, HS_ERR_USAGE, dir, 0, 0,
                     "summary.json names no structure file: give it with --structure");
        goto done;
    }
    if (!(opts && opts->structure) && !file_exists(spath)) {
        st = hsi_err(err, HS_ERR_IO, spath, 0, 0,
                     "the build's structure file is not here (paths in summary.json are "
                     "relative to where the build ran): give it with --structure");
        goto done;
    }
    if ((st = hsi_html_keys_read(ctx, c.pipeline, &keys, err)) != HS_OK) goto done;
    if ((st = read_structure(&c, spath, &keys, err)) != HS_OK) goto done;
    if ((st = index_rows(&c, p, err)) != HS_OK) goto done;
    size_t w = 1 + c.npillar;
    if (!(c.latest_v = hsi_calloc(ctx, c.nunit * w + 1, sizeof(double)))) {
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t u = 0; u < c.nunit; u++) {
        long r = unit_row(&c, u, c.latest);
        c.latest_v[u * w] = r >= 0 ? agg_val(&c, (size_t)r, c.node[c.top].col) : NA_NUM;
        for (size_t k = 0; k < c.npillar; k++)
            c.latest_v[u * w + 1 + k] =
                r >= 0 ? agg_val(&c, (size_t)r, c.node[c.pillars[k]].col) : NA_NUM;
        if (isfinite(c.latest_v[u * w])) (*nscored)++;
    }
    hs_report_opts o2;
    hs_report_opts_init(&o2);
    if (opts) o2 = *opts;
    if (!o2.intervals && keys.sensitivity) {
        if (!(svfile = hsi_html_path_join(ctx, keys.sensitivity, "ua_ranks.csv"))) {
            st = hsi_err_nomem(err);
            goto done;
        }
        o2.intervals = svfile;
    }
    if ((st = read_intervals(&c, dir, &o2, &ivfile, err)) != HS_OK) goto done;
    if ((st = read_optional(&c, dir, "Raw.csv", &c.raw, &c.have_raw, err)) != HS_OK ||
        (st = read_optional(&c, dir, "treated_points.csv", &c.trt, &c.have_trt, err)) != HS_OK)
        goto done;
    const char *title = opts && opts->title   ? opts->title
                        : c.title && *c.title ? c.title
                                              : c.node[c.top].name;
    if (!(*title_out = hsi_strdup(ctx, title))) {
        st = hsi_err_nomem(err);
        goto done;
    }
    write_page_data(out, &c, ivfile, title,
                    (opts && opts->lower_is_better) || c.node[c.top].dir < 0);
    if ((st = hsi_html_extras(ctx, &keys, ivfile, out, err)) != HS_OK) goto done;
    hsi_buf_puts(out, ",\"watchlist\":");
    if (opts && opts->forecasts) {
        if ((st = write_watchlist(out, ctx, opts->forecasts, err)) != HS_OK) goto done;
    } else {
        hsi_buf_puts(out, "null");
    }
    hsi_buf_puts(out, "}");
    if (out->oom) st = hsi_err_nomem(err);
done:
    hsi_free_all(ctx, p, ivfile, svfile);
    hsi_html_keys_free(ctx, &keys);
    coll_free(&c);
    return st;
}
