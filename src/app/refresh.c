/*
 * refresh.c - hs_store_refresh, the application's one job: rebuild the shipped indices (HSI
 * with its rank intervals, HDI, INFORM, ASEM pillar 1), the event panels, the alerts and the
 * global forecasts, and record them in the store as one run. The builds, the analysis, the
 * panels, the alerts and the forecasts are the library's own (index/, mc/, events/); what a
 * run records goes through the store's run functions (store/runs.c), so that no SQL is here.
 *
 * A run row is written first (status running, with the submissions it will use and the
 * process id), then the computations run outside any transaction, then every result and the
 * status done go in one transaction. A failure marks the run failed with its message and
 * leaves the results of earlier runs as they were. One submission never makes a run fail:
 * when the HSI does not build with them, the submissions are added one by one to the
 * shipped data and each that breaks a step is rejected with the step's message and left out.
 *
 * Accepted indicator submissions are overlaid on the HSI's shipped indicator table in
 * memory: a submitted (uCode, Time, iCode) value replaces the shipped one, a newer
 * submission wins over an older one, a submitted NA removes the value, and codes the shipped
 * table lacks are added. The overlaid table is built and analysed through the in-memory
 * build API (hs_build_run_mem, hs_sensitivity_run_mem): no file is written. Accepted event
 * submissions join the stored events in the panels and alerts of the run.
 */
/* a feature-test macro is how the C library is asked for these names */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
#define _XOPEN_SOURCE 700
#include "store/store_int.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/csv_int.h"
#include "events/events_int.h"
#include "index/engine_int.h"

/* The indices a run builds, relative to the project folder. The first one takes the
 * submissions and gets the rank intervals. */
static const struct {
    const char *id, *name, *pipeline, *spec;
} rf_jobs[] = {
    {"hsi", "Human Security Index", "examples/hsi/hsi.pipeline", "examples/hsi/ua.spec"},
    {"hdi", "Human Development Index", "examples/hdi/hdi.pipeline", NULL},
    {"inform", "INFORM Risk", "examples/inform/inform.pipeline", NULL},
    {"asem-p1", "ASEM connectivity, pillar 1", "examples/asem/p1.pipeline", NULL},
};
#define RF_NJOBS (sizeof rf_jobs / sizeof rf_jobs[0])
/* Runs of the rank-interval analysis that check submitted values when the run itself does
 * not analyse (ua_runs 0). */
#define RF_PROBE_RUNS 4

void hs_refresh_opts_init(hs_refresh_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->root = ".";
    o->ua_runs = 1000;
    o->events = 1;
    o->submissions = 1;
    o->actor = "local";
}

/* ---- small helpers ------------------------------------------------------------------- */

static void rf_progress(const hs_refresh_opts *o, const char *fmt, ...) HS_PRINTF(2, 3);
static void rf_progress(const hs_refresh_opts *o, const char *fmt, ...)
{
    if (!o->progress) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    /* ap is started on the line above; the analyzer loses that on some paths into here */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->progress(o->progress_ud, 0, msg);
}

static void rf_path(char *buf, size_t n, const char *root, const char *rel)
{
    if (!root || !*root || !strcmp(root, "."))
        snprintf(buf, n, "%s", rel);
    else
        snprintf(buf, n, "%s/%s", root, rel);
}

/* A path as stored: without the root prefix and "./". */
static const char *rf_rel(const char *path, const char *root)
{
    size_t n = root ? strlen(root) : 0;
    if (n && strcmp(root, ".") && !strncmp(path, root, n) && path[n] == '/') path += n + 1;
    while (!strncmp(path, "./", 2))
        path += 2;
    return path;
}

/* ---- overlay of indicator submissions ----------------------------------------------- */

/* Open-addressing map from "uCode\x1fTime\x1fiCode" (or "uCode" for names) to a slot. */
typedef struct rf_ent {
    char *key;
    double v; /* NaN = remove */
    const char *name;
    int used;
} rf_ent;

typedef struct rf_map {
    hs_ctx *ctx;
    rf_ent *e;
    size_t cap, n;
} rf_map;

static uint64_t rf_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of key in e (cap a power of two, never full): its own, or the empty one where it
 * goes. */
static size_t rf_slot(const rf_ent *e, size_t cap, const char *key)
{
    size_t j = rf_hash(key) & (cap - 1);
    while (e[j].key && strcmp(e[j].key, key))
        j = (j + 1) & (cap - 1);
    return j;
}

static rf_ent *rf_find(rf_map *m, const char *key, int add)
{
    if (add && (m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        rf_ent *e = hsi_calloc(m->ctx, cap, sizeof *e);
        if (!e) return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key) e[rf_slot(e, cap, m->e[i].key)] = m->e[i];
        hsi_free(m->ctx, m->e);
        m->e = e;
        m->cap = cap;
    }
    if (!m->cap) return NULL;
    size_t j = rf_slot(m->e, m->cap, key);
    if (m->e[j].key) return &m->e[j];
    if (!add) return NULL;
    m->e[j].key = hsi_strdup(m->ctx, key);
    if (!m->e[j].key) return NULL;
    m->e[j].v = NAN;
    m->n++;
    return &m->e[j];
}

static void rf_map_free(rf_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        hsi_free(m->ctx, m->e[i].key);
    hsi_free(m->ctx, m->e);
}

/* The indicator submissions of a run, each with its values; `use` says which ones the
 * overlay takes. */
typedef struct rf_val {
    char *key; /* "uCode\x1fTime\x1fiCode" */
    double v;  /* NaN = remove */
} rf_val;

typedef struct rf_sub {
    int64_t id;
    size_t first, n; /* its values */
    int use;
} rf_sub;

typedef struct rf_subs {
    hs_ctx *ctx;
    rf_sub *s;
    size_t ns, caps;
    rf_val *v;
    size_t nv, capv;
} rf_subs;

static void rf_subs_free(rf_subs *x)
{
    for (size_t i = 0; i < x->nv; i++)
        hsi_free(x->ctx, x->v[i].key);
    hsi_free(x->ctx, x->v);
    hsi_free(x->ctx, x->s);
}

/* p (n elements of size bytes, room for *cap) with room for one more: p itself, a block twice
 * as large (first elements to start with), or NULL (p left as it was) when memory is short. */
static void *rf_room(hs_ctx *ctx, void *p, size_t n, size_t *cap, size_t first, size_t size)
{
    if (n < *cap) return p;
    size_t c = *cap ? *cap * 2 : first;
    void *g = hsi_realloc(ctx, p, c * size);
    if (g) *cap = c;
    return g;
}

/* hsi_run_value_fn: one value of the run's submissions, in the order they come. */
static hs_status rf_add_value(void *ud, int64_t id, const char *ucode, long time, const char *icode,
                              double v, hs_error *err)
{
    rf_subs *x = ud;
    if (!x->ns || x->s[x->ns - 1].id != id) {
        rf_sub *s = rf_room(x->ctx, x->s, x->ns, &x->caps, 16, sizeof *s);
        if (!s) return hsi_err_nomem(err);
        x->s = s;
        x->s[x->ns++] = (rf_sub){id, x->nv, 0, 1};
    }
    rf_val *vs = rf_room(x->ctx, x->v, x->nv, &x->capv, 256, sizeof *vs);
    if (!vs) return hsi_err_nomem(err);
    x->v = vs;
    char key[256];
    snprintf(key, sizeof key, "%s\x1f%ld\x1f%s", ucode ? ucode : "", time, icode ? icode : "");
    rf_val *e = &x->v[x->nv];
    if (!(e->key = hsi_strdup(x->ctx, key))) return hsi_err_nomem(err);
    e->v = v;
    x->nv++;
    x->s[x->ns - 1].n++;
    return HS_OK;
}

/* The overlay of the submissions in use (m empty on entry). */
static hs_status rf_overlay_of(const rf_subs *x, rf_map *m, hs_error *err)
{
    for (size_t i = 0; i < x->ns; i++) {
        if (!x->s[i].use) continue;
        for (size_t k = x->s[i].first; k < x->s[i].first + x->s[i].n; k++) {
            rf_ent *e = rf_find(m, x->v[k].key, 1);
            if (!e) return hsi_err_nomem(err);
            e->v = x->v[k].v;
        }
    }
    return HS_OK;
}

/* One row of the overlaid long table. */
static void rf_row(hsi_buf *o, const char *u, const char *name, const char *t, const char *ic,
                   const char *shipped, double v)
{
    hsi_buf_csv_str(o, u);
    hsi_buf_puts(o, ",");
    hsi_buf_csv_str(o, name);
    hsi_buf_printf(o, ",%s,", t);
    hsi_buf_csv_str(o, ic);
    hsi_buf_puts(o, ",");
    if (shipped)
        hsi_buf_puts(o, shipped);
    else
        hsi_buf_num(o, v);
    hsi_buf_puts(o, "\n");
}

/* The shipped long table at `shipped` with the overlay m over it, as CSV text in o. */
static hs_status rf_overlay_text(hs_ctx *ctx, const char *shipped, rf_map *m, hsi_buf *o,
                                 hs_error *err)
{
    hsi_csv c;
    hs_status st = hsi_csv_read(ctx, shipped, &c, err);
    if (st) return st;
    long ju = hsi_csv_find(&c, "uCode"), jn = hsi_csv_find(&c, "uName"),
         jt = hsi_csv_find(&c, "Time"), ji = hsi_csv_find(&c, "iCode"),
         jv = hsi_csv_find(&c, "Value");
    if (ju < 0 || jn < 0 || jt < 0 || ji < 0 || jv < 0) {
        hsi_csv_free(&c);
        return hsi_err(err, HS_ERR_SCHEMA, shipped, 1, 0,
                       "expected the columns uCode, uName, Time, iCode and Value");
    }
    rf_map names = {ctx, NULL, 0, 0};
    hsi_buf_puts(o, "uCode,uName,Time,iCode,Value\n");
    for (size_t r = 0; r < c.nrow && !st; r++) {
        const char *u = hsi_csv_get(&c, r, (size_t)ju), *nm = hsi_csv_get(&c, r, (size_t)jn);
        const char *t = hsi_csv_get(&c, r, (size_t)jt), *ic = hsi_csv_get(&c, r, (size_t)ji);
        rf_ent *ne = rf_find(&names, u, 1);
        if (!ne) {
            st = hsi_err_nomem(err);
            break;
        }
        if (!ne->name) ne->name = nm;
        char key[256];
        snprintf(key, sizeof key, "%s\x1f%s\x1f%s", u, t, ic);
        rf_ent *e = rf_find(m, key, 0);
        if (e) e->used = 1;
        if (e && isnan(e->v)) continue;
        rf_row(o, u, nm, t, ic, e ? NULL : hsi_csv_get(&c, r, (size_t)jv), e ? e->v : 0);
    }
    for (size_t i = 0; i < m->cap && !st; i++) {
        const rf_ent *e = &m->e[i];
        if (!e->key || e->used || isnan(e->v)) continue;
        char u[64], t[32], ic[128];
        if (sscanf(e->key, "%63[^\x1f]\x1f%31[^\x1f]\x1f%127s", u, t, ic) != 3) continue;
        const rf_ent *ne = rf_find(&names, u, 0);
        rf_row(o, u, ne && ne->name ? ne->name : u, t, ic, NULL, e->v);
    }
    if (!st && o->oom) st = hsi_err_nomem(err);
    rf_map_free(&names);
    hsi_csv_free(&c);
    return st;
}

/* ---- results ------------------------------------------------------------------------- */

/* sources.csv beside the pipeline (source, publisher, licence, attribution, file), else the
 * data file alone, as a JSON array. */
static void rf_sources_json(hs_ctx *ctx, const char *pipeline, const char *data_rel, hsi_buf *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", pipeline);
    char *slash = strrchr(path, '/');
    if (slash)
        snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "sources.csv");
    else
        snprintf(path, sizeof path, "sources.csv");
    hsi_csv c;
    hsi_buf_puts(o, "[");
    if (hsi_csv_read(ctx, path, &c, NULL) == HS_OK) {
        static const char *const cols[] = {"file", "source", "publisher", "licence", "attribution"};
        for (size_t r = 0; r < c.nrow; r++) {
            hsi_buf_puts(o, r ? ",{" : "{");
            int n = 0;
            for (size_t k = 0; k < 5; k++) {
                long j = hsi_csv_find(&c, cols[k]);
                if (j < 0) continue;
                hsi_buf_puts(o, n++ ? ",\"" : "\"");
                hsi_buf_puts(o, cols[k]);
                hsi_buf_puts(o, "\":");
                hsi_buf_json_str(o, hsi_csv_get(&c, r, (size_t)j));
            }
            hsi_buf_puts(o, "}");
        }
        hsi_csv_free(&c);
    } else {
        hsi_buf_puts(o, "{\"file\":");
        hsi_buf_json_str(o, data_rel);
        hsi_buf_puts(o, ",\"source\":null,\"licence\":null}");
    }
    hsi_buf_puts(o, "]");
}

typedef struct rf_job {
    hs_build *b;
    hs_sensitivity *ua;
    char shipped[4096];  /* the shipped pipeline */
    char data_rel[4200]; /* the data file as recorded (provenance) */
    char data_sha[65];
    size_t data_bytes;
} rf_job;

/* The texts of a build with the submissions over the shipped data, all held in memory. */
typedef struct rf_texts {
    hs_build_src src;
    char *pipeline, *structure;
    hsi_buf pl, data;
} rf_texts;

static void rf_texts_free(hs_ctx *ctx, rf_texts *t)
{
    hsi_free(ctx, t->pipeline);
    hsi_free(ctx, t->structure);
    hsi_buf_free(&t->pl);
    hsi_buf_free(&t->data);
}

/* Read the shipped pipeline, its structure and its data, and overlay m on the data. */
static hs_status rf_texts_read(hs_ctx *ctx, const char *shipped, rf_map *m, rf_texts *t,
                               char *data_path, size_t cap, hs_error *err)
{
    memset(t, 0, sizeof *t);
    hsi_buf_init(&t->pl, ctx);
    hsi_buf_init(&t->data, ctx);
    hsi_pipeline pl;
    hsi_ini ini;
    memset(&pl, 0, sizeof pl);
    memset(&ini, 0, sizeof ini);
    size_t plen = 0, slen = 0;
    hs_status st = hsi_read_file(ctx, shipped, &t->pipeline, &plen, err);
    if (!st) st = hsi_pipeline_parse(ctx, t->pipeline, plen, shipped, &pl, &ini, err);
    if (!st) st = hsi_read_file(ctx, pl.meta_file, &t->structure, &slen, err);
    if (!st) st = rf_overlay_text(ctx, pl.data.file, m, &t->data, err);
    if (!st) st = hsi_pipeline_data_renamed(t->pipeline, plen, &ini, &t->pl, err);
    if (!st) snprintf(data_path, cap, "%s", pl.data.file);
    hsi_pipeline_free(ctx, &pl);
    hsi_ini_free(&ini);
    t->src = (hs_build_src){sizeof t->src, shipped, t->pl.s,   t->pl.len,
                            t->structure,  slen,    t->data.s, t->data.len};
    return st;
}

/* Digest and size of the data file a build read. */
static hs_status rf_digest(hs_ctx *ctx, const char *path, rf_job *job, hs_error *err)
{
    char *text = NULL;
    size_t len = 0;
    hs_status st = hsi_read_file(ctx, path, &text, &len, err);
    if (st) return st;
    hsi_sha256_hex(text, len, job->data_sha);
    job->data_bytes = len;
    hsi_free(ctx, text);
    return HS_OK;
}

/* The rank-interval analysis of job j, on the texts when submissions were overlaid. */
static hs_status rf_analyse(hs_ctx *ctx, const hs_refresh_opts *o, size_t j, const rf_texts *t,
                            long n, rf_job *job, hs_error *err)
{
    char spec[4096];
    rf_path(spec, sizeof spec, o->root, rf_jobs[j].spec);
    hs_sa_opts so;
    hs_sa_opts_init(&so);
    so.n = (size_t)n;
    so.threads = o->threads;
    if (!t) return hs_sensitivity_run(ctx, job->shipped, spec, &so, &job->ua, err);
    char *text = NULL;
    size_t len = 0;
    hs_status st = hsi_read_file(ctx, spec, &text, &len, err);
    if (!st) {
        hs_sensitivity_src ss = {sizeof ss, &t->src, spec, text, len, NULL, 0};
        st = hs_sensitivity_run_mem(ctx, &ss, &so, &job->ua, err);
    }
    hsi_free(ctx, text);
    return st;
}

/* Build job j (into job), overlaying the submissions on the first job's data. */
static hs_status rf_build(hs_ctx *ctx, const hs_refresh_opts *o, size_t j, rf_map *over,
                          rf_job *job, hs_error *err)
{
    rf_path(job->shipped, sizeof job->shipped, o->root, rf_jobs[j].pipeline);
    rf_texts t;
    int overlaid = j == 0 && over->n;
    hs_status st;
    if (overlaid) {
        char data[4096] = "";
        st = rf_texts_read(ctx, job->shipped, over, &t, data, sizeof data, err);
        if (!st) st = hs_build_run_mem(ctx, &t.src, &job->b, err);
        if (!st) {
            hsi_sha256_hex(t.data.s, t.data.len, job->data_sha);
            job->data_bytes = t.data.len;
            snprintf(job->data_rel, sizeof job->data_rel, "%s + submissions",
                     rf_rel(data, o->root));
        }
    } else {
        st = hs_build_run(ctx, job->shipped, &job->b, err);
        if (!st) st = rf_digest(ctx, job->b->pl.data.file, job, err);
        if (!st)
            snprintf(job->data_rel, sizeof job->data_rel, "%s",
                     rf_rel(job->b->pl.data.file, o->root));
    }
    /* With submitted values the analysis also runs, briefly, when the run does not keep
     * it: a value that breaks it (a year with a single country) is found either way. */
    long ua_n = o->ua_runs > 0 ? o->ua_runs : over->n ? RF_PROBE_RUNS : 0;
    if (!st && rf_jobs[j].spec && ua_n > 0)
        st = rf_analyse(ctx, o, j, overlaid ? &t : NULL, ua_n, job, err);
    if (!st && o->ua_runs <= 0) {
        hs_sensitivity_free(job->ua);
        job->ua = NULL;
    }
    if (overlaid) rf_texts_free(ctx, &t);
    if (st) {
        hs_sensitivity_free(job->ua);
        hs_build_free(job->b);
        job->ua = NULL;
        job->b = NULL;
    }
    return st;
}

/* A failure a submitted value can cause (not memory, files or a bug). */
static int rf_data_error(hs_status st)
{
    return st == HS_ERR_PARSE || st == HS_ERR_SCHEMA || st == HS_ERR_PIPELINE ||
           st == HS_ERR_DOMAIN || st == HS_ERR_USAGE;
}

static hs_status rf_reject(hs_store *db, const hs_refresh_opts *o, int64_t run, int64_t id,
                           const char *why, hs_error *err)
{
    hs_status st = hsi_run_reject(db, o->actor, run, id, why, err);
    rf_progress(o, "submission %lld left out: %s", (long long)id, why);
    return st;
}

/* Build job 0 with the submissions in use. */
static hs_status rf_build_subs(hs_ctx *ctx, const hs_refresh_opts *o, const rf_subs *subs,
                               rf_job *job, hs_error *err)
{
    rf_map over = {ctx, NULL, 0, 0};
    hs_status st = rf_overlay_of(subs, &over, err);
    if (!st) st = rf_build(ctx, o, 0, &over, job, err);
    rf_map_free(&over);
    return st;
}

/* Build the first job with the run's indicator submissions. When that fails on the data,
 * find the submissions that break it: from the shipped data alone, add them one by one in
 * order and keep each that still builds; each one left out is rejected with the message of
 * the step it broke. A run fails only when the shipped data alone fails. *nrej: OUT. */
static hs_status rf_build_first(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, int64_t run,
                                rf_subs *subs, rf_job *job, size_t *nrej, hs_error *err)
{
    hs_status st = rf_build_subs(ctx, o, subs, job, err);
    if (!st || !subs->ns || !rf_data_error(st)) return st;
    hs_error first = *err;
    rf_progress(o, "the build with %zu submissions failed (%s): trying them one by one", subs->ns,
                first.msg);
    for (size_t i = 0; i < subs->ns; i++)
        subs->s[i].use = 0;
    hs_refresh_opts po = *o;
    po.ua_runs = 0; /* a probe: the brief analysis only */
    st = HS_OK;
    for (size_t i = 0; !st && i <= subs->ns; i++) {
        /* i = 0: the shipped data alone; then with submission i - 1 added */
        if (i) subs->s[i - 1].use = 1;
        rf_job probe;
        memset(&probe, 0, sizeof probe);
        hs_error e = {0};
        hs_status ps = rf_build_subs(ctx, &po, subs, &probe, &e);
        hs_sensitivity_free(probe.ua);
        hs_build_free(probe.b);
        if (!ps) continue;
        if (!i) { /* not the submissions' doing */
            *err = first;
            return first.code;
        }
        if (!rf_data_error(ps)) {
            *err = e;
            return ps;
        }
        subs->s[i - 1].use = 0;
        st = rf_reject(db, o, run, subs->s[i - 1].id, e.msg, err);
        (*nrej)++;
    }
    return st ? st : rf_build_subs(ctx, o, subs, job, err);
}

/* ---- events --------------------------------------------------------------------------- */

static int rf_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ingest the shipped GED files (.csv and .csv.gz in data/ucdp) not yet in the store. */
static hs_status rf_ingest_shipped(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o,
                                   const hs_geo *geo, size_t *nev, hs_error *err)
{
    char dir[4096];
    rf_path(dir, sizeof dir, o->root, "data/ucdp");
    DIR *d = opendir(dir);
    if (!d) return HS_OK; /* no shipped events: nothing to ingest */
    char *names[64];
    size_t n = 0;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 64) {
        size_t l = strlen(de->d_name);
        if ((l > 4 && !strcmp(de->d_name + l - 4, ".csv")) ||
            (l > 7 && !strcmp(de->d_name + l - 7, ".csv.gz")))
            names[n++] = hsi_strdup(ctx, de->d_name);
    }
    closedir(d);
    hs_status st = HS_OK;
    for (size_t i = 0; i < n; i++)
        if (!names[i]) st = hsi_err_nomem(err);
    if (!st) qsort(names, n, sizeof *names, rf_cmp_str);
    for (size_t i = 0; !st && i < n; i++) {
        if (hsi_run_has_source(db, names[i])) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        hs_ingest_stats is;
        st = hs_events_ingest(ctx, db, path, geo, &is, err);
        if (!st) {
            *nev += is.inserted;
            rf_progress(o, "events: %s: %zu rows, %zu new events", names[i], is.rows, is.inserted);
        }
    }
    for (size_t i = 0; i < n; i++)
        hsi_free(ctx, names[i]);
    return st;
}

/* The global country-month table's forecast (docs/warning.md, "Stored forecasts"): the
 * shipped table unless another is named; a project without one has none. */
static hs_status rf_forecast(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, const hs_geo *geo,
                             hsi_fc_job *fc, hs_error *err)
{
    static const char shipped[] = "data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv";
    char path[4096];
    if (o->cm_table)
        snprintf(path, sizeof path, "%s", o->cm_table);
    else
        rf_path(path, sizeof path, o->root, shipped);
    if (!o->cm_table && access(path, R_OK) != 0) return HS_OK;
    /* the same table, model and version as the latest forecast run: nothing new to forecast
       or to score (the table's months are already stored) */
    if (hsi_fc_unchanged(ctx, db, path, NULL)) {
        rf_progress(o, "forecasts: %s unchanged since the latest forecast run",
                    rf_rel(path, o->root));
        return HS_OK;
    }
    rf_progress(o, "forecasts: every country, 1-36 months (%s)", rf_rel(path, o->root));
    return hsi_fc_compute(ctx, path, rf_rel(path, o->root), geo, NULL, NULL, fc, err);
}

/* Event submissions read against the crosswalks: into a panel being built (p), or only
 * checked, the ones the reader refuses listed in bad/why. */
typedef struct rf_evread {
    hs_ctx *ctx;
    const hs_geo *geo;
    hs_panel *p;
    int64_t bad[64];
    char why[64][512];
    size_t nbad;
} rf_evread;

/* hsi_run_body_fn: read one event submission whole. */
static hs_status rf_read_events(void *ud, int64_t id, const char *body, size_t len, hs_error *err)
{
    rf_evread *r = ud;
    if (!r->p && r->nbad == 64) return HS_OK;
    char name[64];
    snprintf(name, sizeof name, "submission %lld", (long long)id);
    hsi_evfile f;
    hs_error e = {0};
    hs_error *ep = r->p ? err : &e;
    hs_status st =
        hsi_evfile_open_mem(r->ctx, body, len, r->p ? name : "submission", r->geo, &f, ep);
    if (!st) {
        f.silent = 1;
        for (;;) {
            hsi_event ev;
            int eof = 0;
            st = hsi_evfile_next(&f, &ev, &eof, ep);
            if (st || eof) break;
            if (r->p && ev.type != 0 && (st = hsi_panel_add(r->p, &ev, err))) break;
        }
        hsi_evfile_close(&f);
    }
    if (r->p || !st) return st;
    if (st == HS_ERR_NOMEM) return hsi_err_nomem(err);
    r->bad[r->nbad] = id;
    snprintf(r->why[r->nbad++], sizeof r->why[0], "%.500s", e.msg);
    return HS_OK;
}

/* Read every event submission of the run once without using it: one that the events
 * reader now refuses (the crosswalks changed, say) is rejected and left out, so that the
 * panels never hold part of a submission. */
static hs_status rf_check_event_subs(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o,
                                     int64_t run, const hs_geo *geo, size_t *nrej, hs_error *err)
{
    rf_evread *r = hsi_calloc(ctx, 1, sizeof *r);
    if (!r) return hsi_err_nomem(err);
    r->ctx = ctx;
    r->geo = geo;
    hs_status st = hsi_run_event_subs(db, run, rf_read_events, r, err);
    for (size_t i = 0; !st && i < r->nbad; i++) {
        st = rf_reject(db, o, run, r->bad[i], r->why[i], err);
        (*nrej)++;
    }
    hsi_free(ctx, r);
    return st;
}

static hs_status rf_panel(hs_ctx *ctx, hs_store *db, int64_t run, const hs_geo *geo,
                          hs_panel_level lev, int subs, hs_panel **out, hs_error *err)
{
    hs_panel_opts po;
    hs_panel_opts_init(&po);
    po.level = lev;
    hs_status st = hsi_panel_begin(ctx, &po, out, err);
    if (!st) st = hsi_store_panel_add(db, *out, err);
    if (!st && subs) {
        rf_evread r = {.ctx = ctx, .geo = geo, .p = *out};
        st = hsi_run_event_subs(db, run, rf_read_events, &r, err);
        /* the submitted events cover their own months (one source) */
        if (!st) hsi_panel_source_done(*out);
    }
    if (!st) st = hsi_panel_end(*out, geo, err);
    if (st) {
        hs_panel_free(*out);
        *out = NULL;
    }
    return st;
}

/* ---- the run ------------------------------------------------------------------------- */

/* What a run computes before it records anything. */
typedef struct rf_run {
    int64_t id;
    rf_job jobs[RF_NJOBS];
    rf_subs subs;
    size_t nrej;
    hs_geo *geo;
    hs_panel *pc, *pg;
    hs_alert *al;
    size_t nal;
    hsi_fc_job fc;
    hs_warn_opts wo;
} rf_run;

static void rf_run_free(hs_ctx *ctx, rf_run *r)
{
    hsi_fc_job_free(ctx, &r->fc);
    for (size_t j = 0; j < RF_NJOBS; j++) {
        hs_sensitivity_free(r->jobs[j].ua);
        hs_build_free(r->jobs[j].b);
    }
    rf_subs_free(&r->subs);
    hs_alerts_free(ctx, r->al);
    hs_panel_free(r->pc);
    hs_panel_free(r->pg);
    hs_geo_free(r->geo);
}

/* The builds, then the events: shipped files ingested, panels, alerts and forecasts. */
static hs_status rf_compute(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, rf_run *r,
                            hs_refresh_info *z, hs_error *err)
{
    hs_status st = HS_OK;
    if (o->submissions) st = hsi_run_sub_values(db, r->id, rf_add_value, &r->subs, err);
    for (size_t j = 0; !st && j < RF_NJOBS; j++) {
        rf_progress(o, "[%zu/%zu] %s%s", j + 1, RF_NJOBS, rf_jobs[j].name,
                    j == 0 && r->subs.nv ? " (with submitted values)" : "");
        rf_map none = {ctx, NULL, 0, 0};
        st = j == 0 ? rf_build_first(ctx, db, o, r->id, &r->subs, &r->jobs[j], &r->nrej, err)
                    : rf_build(ctx, o, j, &none, &r->jobs[j], err);
    }
    if (st || !o->events) return st;
    char gdir[4096];
    rf_path(gdir, sizeof gdir, o->root, "data/geo");
    st = hs_geo_load(ctx, gdir, &r->geo, err);
    if (!st) st = rf_ingest_shipped(ctx, db, o, r->geo, &z->events, err);
    if (!st && o->submissions) st = rf_check_event_subs(ctx, db, o, r->id, r->geo, &r->nrej, err);
    if (!st) st = rf_panel(ctx, db, r->id, r->geo, HS_PANEL_COUNTRY, o->submissions, &r->pc, err);
    if (!st) st = rf_panel(ctx, db, r->id, r->geo, HS_PANEL_GRID, o->submissions, &r->pg, err);
    if (!st) st = hs_warn_run(ctx, r->pc, &r->wo, &r->al, &r->nal, err);
    if (!st)
        rf_progress(o, "events: %zu alerts over %zu countries", r->nal, hs_panel_nunits(r->pc));
    if (!st) st = rf_forecast(ctx, db, o, r->geo, &r->fc, err);
    return st;
}

/* Index j as the store records it. */
static hs_status rf_put_index(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, const rf_run *r,
                              size_t j, size_t *nscores, hs_error *err)
{
    const rf_job *job = &r->jobs[j];
    hsi_buf steps, src;
    hsi_buf_init(&steps, ctx);
    hsi_buf_init(&src, ctx);
    hs_status st = hsi_pipeline_steps_json(ctx, job->shipped, &steps, err);
    rf_sources_json(ctx, job->shipped, job->data_rel, &src);
    if (!st && (steps.oom || src.oom)) st = hsi_err_nomem(err);
    if (!st) {
        hsi_run_index ix = {rf_jobs[j].id,
                            job->b->pl.title ? job->b->pl.title : rf_jobs[j].name,
                            rf_rel(job->shipped, o->root),
                            job->data_rel,
                            job->data_sha,
                            job->data_bytes,
                            steps.s,
                            src.s,
                            job->b,
                            job->ua};
        st = hsi_run_put_index(db, r->id, &ix, nscores, err);
    }
    hsi_buf_free(&steps);
    hsi_buf_free(&src);
    return st;
}

/* Every result and the status done, in one transaction. */
static hs_status rf_record(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, const rf_run *r,
                           hs_refresh_info *z, hs_error *err)
{
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    for (size_t j = 0; !st && j < RF_NJOBS; j++) {
        st = rf_put_index(ctx, db, o, r, j, &z->scores, err);
        z->indices++;
    }
    size_t nrows = 0;
    if (!st && r->pc) st = hsi_run_put_panel(db, r->id, r->pc, r->geo, &nrows, err);
    if (!st && r->pg) st = hsi_run_put_panel(db, r->id, r->pg, r->geo, &nrows, err);
    if (!st && r->fc.t) {
        int64_t frun = 0;
        st = hsi_fc_put(ctx, db, r->id, &r->fc, &frun, &z->scored, err);
        z->forecast_run = (long)frun;
    }
    if (!st && r->pc) {
        st = hsi_run_put_alerts(db, r->al, r->nal, &r->wo, err);
        z->alerts = r->nal;
    }
    char det[128];
    snprintf(det, sizeof det, "%zu indices, %zu scores, %zu submissions, %zu alerts", z->indices,
             z->scores, z->submissions, z->alerts);
    if (!st) st = hsi_run_finish(db, r->id, o->actor, det, err);
    if (!st) st = hsi_store_exec(db, "COMMIT", err);
    if (st) hsi_store_exec(db, "ROLLBACK", NULL);
    return st;
}

hs_status hs_store_refresh(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *opts,
                           hs_refresh_info *info, hs_error *err)
{
    if (opts && !HSI_OPTS_OK(opts)) return hsi_err_opts(err, "hs_refresh_opts");
    hs_refresh_opts o;
    if (opts)
        o = *opts;
    else
        hs_refresh_opts_init(&o);
    if (!o.root) o.root = ".";
    if (!o.actor) o.actor = "local";
    hs_refresh_info z;
    memset(&z, 0, sizeof z);
    rf_run *r = hsi_calloc(ctx, 1, sizeof *r);
    if (!r) return hsi_err_nomem(err);
    r->subs.ctx = ctx;
    hs_warn_opts_init(&r->wo);
    hs_status st =
        hsi_run_begin(db, o.partner, o.actor, o.submissions, &r->id, &z.submissions, err);
    if (st) {
        hsi_free(ctx, r);
        return st;
    }
    z.run = (long)r->id;
    st = rf_compute(ctx, db, &o, r, &z, err);
    z.submissions = z.submissions > r->nrej ? z.submissions - r->nrej : 0;
    if (!st) st = rf_record(ctx, db, &o, r, &z, err);
    if (st)
        hsi_run_fail(db, o.actor, r->id, err);
    else
        rf_progress(&o, "run %lld done: %zu indices, %zu scores, %zu submissions used",
                    (long long)r->id, z.indices, z.scores, z.submissions);
    if (!st && r->fc.t && r->fc.f)
        rf_progress(&o,
                    z.forecast_run ? "forecasts: run %ld; %zu stored forecasts scored"
                                   : "forecasts: unchanged since the last run (%ld); %zu stored "
                                     "forecasts scored",
                    z.forecast_run, z.scored);
    rf_run_free(ctx, r);
    hsi_free(ctx, r);
    if (!st && info) *info = z;
    if (st && info) {
        memset(info, 0, sizeof *info);
        info->run = (long)z.run;
    }
    return st;
}
