/*
 * refresh.c - hs_store_refresh: rebuild the shipped indices (HSI with its rank intervals, HDI,
 * INFORM, ASEM pillar 1), the event panels and the alerts, and record them in the store as
 * one run. The builds, the uncertainty analysis, the panels and the alerts are the library's
 * own (index/, mc/, events/); this file only feeds them and writes what they give.
 *
 * A run row is written first (status running, with the submissions it will use and the
 * process id), then the computations run outside any transaction, then every result and the
 * status done go in one transaction. A failure marks the run failed with its message and
 * leaves the results of earlier runs as they were. One submission never makes a run fail:
 * when the HSI does not build with them, the submissions are added one by one to the
 * shipped data and each that breaks a step is rejected with the step's message and left out.
 *
 * Accepted indicator submissions are overlaid on the HSI's shipped indicator table: a
 * submitted (uCode, Time, iCode) value replaces the shipped one, a newer submission wins over
 * an older one, a submitted NA removes the value, and codes the shipped table lacks are
 * added. The overlaid table and a copy of the pipeline that reads it are written to a
 * temporary folder that is removed afterwards. Accepted event submissions join the stored
 * events in the panels and alerts of the run.
 */
/* a feature-test macro is how the C library is asked for these names */
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
#define _XOPEN_SOURCE 700 /* realpath */
#include "store_int.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config/ini_int.h"
#include "core/csv_int.h"
#include "events/events_int.h"
#include "index/engine_int.h"
#include "mc/mc_int.h"

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
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->progress(o->progress_ud, 0, msg);
}

static hs_status rf_prep(hs_store *db, const char *sql, sqlite3_stmt **q, hs_error *err)
{
    if (sqlite3_prepare_v2(hsi_store_db(db), sql, -1, q, NULL) != SQLITE_OK)
        return hsi_store_err(db, err, "cannot prepare a statement");
    return HS_OK;
}

static hs_status rf_done(hs_store *db, sqlite3_stmt *q, const char *what, hs_error *err)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return hsi_store_err(db, err, what);
    return HS_OK;
}

static void rf_text(sqlite3_stmt *q, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

static void rf_real(sqlite3_stmt *q, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, v);
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

/* ---- the run row -------------------------------------------------------------------- */

static hs_status rf_begin(hs_store *db, const hs_refresh_opts *o, int64_t *run, size_t *nsub,
                          hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (!st)
        st = rf_prep(db,
                     "INSERT INTO run(status, started_at, requested_by, pid) "
                     "VALUES('running', strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?1, ?2)",
                     &q, err);
    if (!st) {
        if (o->partner > 0)
            sqlite3_bind_int64(q, 1, o->partner);
        else
            sqlite3_bind_null(q, 1);
        sqlite3_bind_int64(q, 2, (int64_t)getpid());
        st = rf_done(db, q, "cannot record the run", err);
        *run = sqlite3_last_insert_rowid(hsi_store_db(db));
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st && o->submissions) {
        st = rf_prep(db,
                     "INSERT INTO run_submission(run, submission) SELECT ?1, id FROM "
                     "submission WHERE status = 'accepted'",
                     &q, err);
        if (!st) {
            sqlite3_bind_int64(q, 1, *run);
            st = rf_done(db, q, "cannot record the run's submissions", err);
            *nsub = (size_t)sqlite3_changes(hsi_store_db(db));
        }
        sqlite3_finalize(q);
    }
    char obj[32];
    snprintf(obj, sizeof obj, "run %lld", (long long)*run);
    if (!st) st = hsi_store_audit(db, o->actor, "run.start", obj, NULL, err);
    if (!st) st = hsi_store_exec(db, "COMMIT", err);
    if (st) hsi_store_exec(db, "ROLLBACK", NULL);
    return st;
}

static void rf_fail(hs_store *db, const hs_refresh_opts *o, int64_t run, const hs_error *e)
{
    char msg[1600];
    hs_error_format(e, msg, sizeof msg);
    sqlite3_stmt *q = NULL;
    if (hsi_store_exec(db, "BEGIN IMMEDIATE", NULL)) return;
    hs_status st = rf_prep(db,
                           "UPDATE run SET status = 'failed', message = ?2, finished_at = "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1",
                           &q, NULL);
    if (!st) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_text(q, 2, msg, -1, SQLITE_TRANSIENT);
        st = rf_done(db, q, "cannot record the failure", NULL);
    }
    sqlite3_finalize(q);
    char obj[32];
    snprintf(obj, sizeof obj, "run %lld", (long long)run);
    if (!st) st = hsi_store_audit(db, o->actor, "run.fail", obj, msg, NULL);
    hsi_store_exec(db, st ? "ROLLBACK" : "COMMIT", NULL);
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

static rf_ent *rf_find(rf_map *m, const char *key, int add)
{
    if (add && (m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        rf_ent *e = hsi_calloc(m->ctx, cap, sizeof *e);
        if (!e) return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->e[i].key) continue;
            size_t j = rf_hash(m->e[i].key) & (cap - 1);
            while (e[j].key)
                j = (j + 1) & (cap - 1);
            e[j] = m->e[i];
        }
        hsi_free(m->ctx, m->e);
        m->e = e;
        m->cap = cap;
    }
    if (!m->cap) return NULL;
    size_t j = rf_hash(key) & (m->cap - 1);
    while (m->e[j].key) {
        if (!strcmp(m->e[j].key, key)) return &m->e[j];
        j = (j + 1) & (m->cap - 1);
    }
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

/* The run's indicator submissions, older first so that newer ones overwrite. */
static hs_status rf_load_subs(hs_store *db, int64_t run, rf_subs *x, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st = rf_prep(db,
                           "SELECT s.id, v.ucode, v.time, v.icode, v.value FROM run_submission "
                           "rs JOIN submission s ON s.id = rs.submission JOIN submission_value "
                           "v ON v.submission = s.id WHERE rs.run = ?1 AND s.kind = "
                           "'indicators' ORDER BY s.id, v.line",
                           &q, err);
    if (!st) sqlite3_bind_int64(q, 1, run);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (!x->ns || x->s[x->ns - 1].id != id) {
            if (x->ns == x->caps) {
                size_t cap = x->caps ? x->caps * 2 : 16;
                rf_sub *p = hsi_realloc(x->ctx, x->s, cap * sizeof *p);
                if (!p) {
                    st = hsi_err_nomem(err);
                    break;
                }
                x->s = p;
                x->caps = cap;
            }
            x->s[x->ns++] = (rf_sub){id, x->nv, 0, 1};
        }
        if (x->nv == x->capv) {
            size_t cap = x->capv ? x->capv * 2 : 256;
            rf_val *p = hsi_realloc(x->ctx, x->v, cap * sizeof *p);
            if (!p) {
                st = hsi_err_nomem(err);
                break;
            }
            x->v = p;
            x->capv = cap;
        }
        char key[256];
        snprintf(key, sizeof key, "%s\x1f%lld\x1f%s", (const char *)sqlite3_column_text(q, 1),
                 (long long)sqlite3_column_int64(q, 2), (const char *)sqlite3_column_text(q, 3));
        rf_val *v = &x->v[x->nv];
        v->key = hsi_strdup(x->ctx, key);
        if (!v->key) {
            st = hsi_err_nomem(err);
            break;
        }
        v->v = sqlite3_column_type(q, 4) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(q, 4);
        x->nv++;
        x->s[x->ns - 1].n++;
    }
    sqlite3_finalize(q);
    return st;
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

/* Write the overlaid long table to path. */
static hs_status rf_write_overlay(hs_ctx *ctx, const char *shipped, rf_map *m, const char *path,
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
    hsi_buf o;
    hsi_buf_init(&o, ctx);
    hsi_buf_puts(&o, "uCode,uName,Time,iCode,Value\n");
    for (size_t r = 0; r < c.nrow && !st; r++) {
        const char *u = hsi_csv_get(&c, r, (size_t)ju), *nm = hsi_csv_get(&c, r, (size_t)jn);
        rf_ent *ne = rf_find(&names, u, 1);
        if (!ne) {
            st = hsi_err_nomem(err);
            break;
        }
        if (!ne->name) ne->name = nm;
        char key[256];
        snprintf(key, sizeof key, "%s\x1f%s\x1f%s", u, hsi_csv_get(&c, r, (size_t)jt),
                 hsi_csv_get(&c, r, (size_t)ji));
        rf_ent *e = rf_find(m, key, 0);
        if (e) {
            e->used = 1;
            if (isnan(e->v)) continue;
        }
        hsi_buf_csv_str(&o, u);
        hsi_buf_puts(&o, ",");
        hsi_buf_csv_str(&o, nm);
        hsi_buf_printf(&o, ",%s,", hsi_csv_get(&c, r, (size_t)jt));
        hsi_buf_csv_str(&o, hsi_csv_get(&c, r, (size_t)ji));
        hsi_buf_puts(&o, ",");
        if (e)
            hsi_buf_num(&o, e->v);
        else
            hsi_buf_puts(&o, hsi_csv_get(&c, r, (size_t)jv));
        hsi_buf_puts(&o, "\n");
    }
    for (size_t i = 0; i < m->cap && !st; i++) {
        rf_ent *e = &m->e[i];
        if (!e->key || e->used || isnan(e->v)) continue;
        char u[64], t[32], ic[128];
        if (sscanf(e->key, "%63[^\x1f]\x1f%31[^\x1f]\x1f%127s", u, t, ic) != 3) continue;
        rf_ent *ne = rf_find(&names, u, 0);
        hsi_buf_csv_str(&o, u);
        hsi_buf_puts(&o, ",");
        hsi_buf_csv_str(&o, ne && ne->name ? ne->name : u);
        hsi_buf_printf(&o, ",%s,", t);
        hsi_buf_csv_str(&o, ic);
        hsi_buf_puts(&o, ",");
        hsi_buf_num(&o, e->v);
        hsi_buf_puts(&o, "\n");
    }
    if (!st && o.oom) st = hsi_err_nomem(err);
    if (!st) {
        FILE *fp = fopen(path, "wb");
        if (!fp || fwrite(o.s, 1, o.len, fp) != o.len)
            st = hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot write the overlaid indicator table");
        if (fp && fclose(fp) != 0 && !st)
            st = hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot write the overlaid indicator table");
    }
    hsi_buf_free(&o);
    rf_map_free(&names);
    hsi_csv_free(&c);
    return st;
}

/* Copy of the pipeline at `pipeline` into dir/index.pipeline with the structure and the data
 * file pointing at absolute paths (the data at `data`). */
static hs_status rf_write_pipeline(hs_ctx *ctx, const char *pipeline, const char *data,
                                   const char *out, hs_error *err)
{
    hsi_ini ini;
    hs_status st = hsi_ini_read(ctx, pipeline, &ini, err);
    if (st) return st;
    char *text = NULL;
    size_t len = 0;
    st = hsi_read_file(ctx, pipeline, &text, &len, err);
    long sline = 0, dline = 0;
    const char *sval = NULL;
    for (size_t i = 0; !st && i < ini.n; i++) {
        for (size_t k = 0; k < ini.sec[i].n; k++) {
            const hsi_ini_kv *kv = &ini.sec[i].kv[k];
            if (!ini.sec[i].kind[0] && !strcmp(kv->key, "structure")) {
                sline = kv->line;
                sval = kv->val;
            }
            if (!strcmp(ini.sec[i].kind, "data") && !strcmp(kv->key, "file")) dline = kv->line;
        }
    }
    char dir[4096], sabs[8192];
    if ((size_t)snprintf(dir, sizeof dir, "%s", pipeline) >= sizeof dir) dir[0] = 0;
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    char *rdir = realpath(dir, NULL);
    if (!st && (!sline || !dline || !rdir))
        st = hsi_err(err, HS_ERR_PIPELINE, pipeline, 0, 0,
                     "cannot overlay submissions: the pipeline needs structure = and a [data] "
                     "file =");
    if (!st) snprintf(sabs, sizeof sabs, "%s/%s", rdir, sval);
    free(rdir);
    hsi_buf o;
    hsi_buf_init(&o, ctx);
    long line = 1;
    for (size_t i = 0; !st && i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        if (line == sline)
            hsi_buf_printf(&o, "structure = %s", sabs);
        else if (line == dline)
            hsi_buf_printf(&o, "file = %s", data);
        else
            hsi_buf_add(&o, text + i, e - i);
        hsi_buf_puts(&o, "\n");
        i = e + 1;
        line++;
    }
    if (!st && o.oom) st = hsi_err_nomem(err);
    if (!st) {
        FILE *fp = fopen(out, "wb");
        if (!fp || fwrite(o.s, 1, o.len, fp) != o.len)
            st = hsi_err(err, HS_ERR_IO, out, 0, 0, "cannot write the run's pipeline copy");
        if (fp && fclose(fp) != 0 && !st)
            st = hsi_err(err, HS_ERR_IO, out, 0, 0, "cannot write the run's pipeline copy");
    }
    hsi_buf_free(&o);
    hsi_free(ctx, text);
    hsi_ini_free(&ini);
    return st;
}

/* ---- results ------------------------------------------------------------------------- */

/* The pipeline's sections after the top one as [{"step": kind, "params": {key: value}}]. */
static hs_status rf_steps_json(hs_ctx *ctx, const char *pipeline, hsi_buf *o, hs_error *err)
{
    hsi_ini ini;
    hs_status st = hsi_ini_read(ctx, pipeline, &ini, err);
    if (st) return st;
    hsi_buf_puts(o, "[");
    int first = 1;
    for (size_t i = 0; i < ini.n; i++) {
        const hsi_ini_sec *s = &ini.sec[i];
        if (!s->kind[0]) continue;
        hsi_buf_puts(o, first ? "{\"step\":" : ",{\"step\":");
        first = 0;
        hsi_buf_json_str(o, s->kind);
        if (s->name) {
            hsi_buf_puts(o, ",\"name\":");
            hsi_buf_json_str(o, s->name);
        }
        hsi_buf_puts(o, ",\"params\":{");
        for (size_t k = 0; k < s->n; k++) {
            if (k) hsi_buf_puts(o, ",");
            hsi_buf_json_str(o, s->kv[k].key);
            hsi_buf_puts(o, ":");
            hsi_buf_json_str(o, s->kv[k].val);
        }
        hsi_buf_puts(o, "}}");
    }
    hsi_buf_puts(o, "]");
    hsi_ini_free(&ini);
    return HS_OK;
}

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
    char pipeline[4096]; /* the pipeline built (a copy when submissions were overlaid) */
    char shipped[4096];  /* the shipped pipeline */
    char data_rel[4200]; /* the data file as recorded (provenance) */
    char data_sha[65];
    size_t data_bytes;
} rf_job;

/* Digest and size of the data file a build read (before a temporary copy goes away). */
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

/* The data set row of a build's data file (added when new). *id: OUT. */
static hs_status rf_dataset(hs_store *db, const rf_job *job, int64_t *id, hs_error *err)
{
    const char *rel = job->data_rel, *hex = job->data_sha;
    size_t len = job->data_bytes;
    sqlite3_stmt *q = NULL;
    hs_status st =
        rf_prep(db,
                "INSERT OR IGNORE INTO dataset(file, sha256, bytes, added_at) VALUES(?1, ?2, "
                "?3, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                &q, err);
    if (!st) {
        sqlite3_bind_text(q, 1, rel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, hex, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, (int64_t)len);
        st = rf_done(db, q, "cannot record a data set", err);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st) st = rf_prep(db, "SELECT id FROM dataset WHERE file = ?1 AND sha256 = ?2", &q, err);
    if (!st) {
        sqlite3_bind_text(q, 1, rel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, hex, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW)
            *id = sqlite3_column_int64(q, 0);
        else
            st = hsi_store_err(db, err, "cannot read a data set");
    }
    sqlite3_finalize(q);
    return st;
}

static const char *rf_node_type(const hsi_node *n)
{
    return n->type == HSI_NODE_AGGREGATE ? "Aggregate" : "Indicator";
}

static hs_status rf_put_index(hs_store *db, int64_t run, size_t j, const rf_job *job,
                              const char *root, size_t *nscores, hs_error *err)
{
    hs_ctx *ctx = hsi_store_ctx(db);
    const hs_build *b = job->b;
    const hsi_meta *m = &b->meta;
    const hsi_dset *ag = &b->d[b->nd - 1];
    long top = -1;
    for (size_t i = 0; i < m->nagg; i++)
        if (m->node[m->agg[i]].level == m->maxlevel) top = (long)m->agg[i];
    if (top < 0) return hsi_err(err, HS_ERR_SCHEMA, m->file, 0, 0, "no top aggregate to store");
    int64_t ds = 0;
    hs_status st = rf_dataset(db, job, &ds, err);
    hsi_buf steps, src;
    hsi_buf_init(&steps, ctx);
    hsi_buf_init(&src, ctx);
    if (!st) st = rf_steps_json(ctx, job->shipped, &steps, err);
    rf_sources_json(ctx, job->shipped, job->data_rel, &src);
    if (!st && (steps.oom || src.oom)) st = hsi_err_nomem(err);
    sqlite3_stmt *q = NULL;
    if (!st)
        st = rf_prep(db,
                     "INSERT INTO run_index(run, id, name, top, pipeline, dataset, steps, "
                     "sources) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     &q, err);
    if (!st) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_text(q, 2, rf_jobs[j].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, b->pl.title ? b->pl.title : rf_jobs[j].name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, m->node[top].code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, rf_rel(job->shipped, root), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 6, ds);
        sqlite3_bind_text(q, 7, steps.s, (int)steps.len, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 8, src.s, (int)src.len, SQLITE_TRANSIENT);
        st = rf_done(db, q, "cannot record an index", err);
    }
    sqlite3_finalize(q);
    q = NULL;
    hsi_buf_free(&steps);
    hsi_buf_free(&src);
    /* nodes: aggregates from the top down, then indicators, in file order within a level */
    if (!st)
        st = rf_prep(db,
                     "INSERT INTO node(run, idx, ord, code, name, level, parent, weight, type, "
                     "direction) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                     &q, err);
    int ord = 0;
    for (int lev = m->maxlevel; !st && lev >= 1; lev--) {
        for (size_t i = 0; !st && i < m->n; i++) {
            const hsi_node *n = &m->node[i];
            if (n->level != lev) continue;
            if (n->type != HSI_NODE_AGGREGATE && n->type != HSI_NODE_INDICATOR) continue;
            sqlite3_bind_int64(q, 1, run);
            sqlite3_bind_text(q, 2, rf_jobs[j].id, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 3, ord++);
            sqlite3_bind_text(q, 4, n->code, -1, SQLITE_TRANSIENT);
            rf_text(q, 5, n->name);
            sqlite3_bind_int(q, 6, n->level);
            rf_text(q, 7, n->parent);
            rf_real(q, 8, n->weight);
            sqlite3_bind_text(q, 9, rf_node_type(n), -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 10, n->direction);
            st = rf_done(db, q, "cannot record a node", err);
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    /* units (names for the API) */
    if (!st)
        st = rf_prep(db,
                     "INSERT INTO unit(code, name) VALUES(?1, ?2) ON CONFLICT(code) DO UPDATE "
                     "SET name = coalesce(unit.name, excluded.name)",
                     &q, err);
    for (size_t r = 0; !st && r < b->units.n; r++) {
        if (r && !strcmp(b->units.code[r], b->units.code[r - 1])) continue;
        sqlite3_bind_text(q, 1, b->units.code[r], -1, SQLITE_TRANSIENT);
        rf_text(q, 2, b->units.name ? b->units.name[r] : NULL);
        st = rf_done(db, q, "cannot record a unit", err);
    }
    sqlite3_finalize(q);
    q = NULL;
    /* scores and ranks within each year, every column of the last dataset */
    double *rk = st ? NULL : hsi_calloc(ctx, ag->nrow * ag->ncol + 1, sizeof *rk);
    if (!st && !rk) st = hsi_err_nomem(err);
    if (!st) st = hsi_rank_dset(ctx, b, ag, rk, err);
    if (!st)
        st = rf_prep(db,
                     "INSERT INTO score(run, idx, node, year, unit, score, rank) "
                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     &q, err);
    for (size_t c = 0; !st && c < ag->ncol; c++) {
        const hsi_node *n = &m->node[ag->node[c]];
        if (n->type != HSI_NODE_AGGREGATE && n->type != HSI_NODE_INDICATOR) continue;
        const double *v = hsi_col(ag, c);
        for (size_t r = 0; !st && r < ag->nrow; r++) {
            size_t u = ag->row[r];
            long t = b->units.has_time ? b->units.time[u] : 0;
            sqlite3_bind_int64(q, 1, run);
            sqlite3_bind_text(q, 2, rf_jobs[j].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, n->code, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 4, t);
            sqlite3_bind_text(q, 5, b->units.code[u], -1, SQLITE_TRANSIENT);
            rf_real(q, 6, v[r]);
            rf_real(q, 7, isnan(v[r]) ? (double)NAN : rk[c * ag->nrow + r]);
            st = rf_done(db, q, "cannot record a score", err);
            (*nscores)++;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    hsi_free(ctx, rk);
    /* rank intervals of the analysed year */
    const hs_sensitivity *ua = job->ua;
    if (!st && ua)
        st = rf_prep(db,
                     "INSERT INTO rank_interval(run, idx, node, year, unit, lo, median, hi) "
                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     &q, err);
    for (size_t i = 0; !st && ua && i < ua->nunit; i++) {
        double iv[3];
        st = hsi_sensitivity_rank_interval(ua, i, iv, err);
        if (st) break;
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_text(q, 2, rf_jobs[j].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, ua->base->meta.node[ua->target].code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, ua->base->units.has_time ? ua->time : 0);
        sqlite3_bind_text(q, 5, ua->base->units.code[ua->unit_row[i]], -1, SQLITE_TRANSIENT);
        for (int k = 0; k < 3; k++)
            rf_real(q, 6 + k, iv[k]);
        st = rf_done(db, q, "cannot record a rank interval", err);
    }
    sqlite3_finalize(q);
    return st;
}

/* Non-empty unit-months of a panel (all violence types together), and at country level the
 * runs of months each unit covers (docs/server.md: a month outside them is unknown). */
static hs_status rf_put_panel(hs_store *db, int64_t run, const hs_panel *p, const hs_geo *geo,
                              size_t *nrows, hs_error *err)
{
    int grid = hsi_panel_level(p) == HS_PANEL_GRID;
    sqlite3_stmt *q = NULL, *cq = NULL;
    hs_status st = rf_prep(db,
                           "INSERT INTO panel_month(run, level, unit, iso3, month_id, events, "
                           "deaths) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           &q, err);
    if (!st && !grid)
        st = rf_prep(db,
                     "INSERT INTO panel_coverage(run, level, unit, iso3, first_month, "
                     "last_month) VALUES(?1, 'country', ?2, ?3, ?4, ?5)",
                     &cq, err);
    int m0 = hs_panel_first_month(p), m1 = hs_panel_last_month(p);
    for (size_t i = 0; !st && i < hs_panel_nunits(p); i++) {
        long u = hs_panel_unit(p, i);
        const char *iso = !grid && geo ? hsi_geo_gw_iso3(geo, u) : NULL;
        int from = 0; /* the first month of the covered run under way, 0: none */
        for (int mo = m0; !st && cq && mo <= m1 + 1; mo++) {
            long ev[3], de[3];
            int cov = mo <= m1 && hs_panel_get(p, i, mo, ev, de);
            if (cov && !from) from = mo;
            if (cov || !from) continue;
            sqlite3_bind_int64(cq, 1, run);
            sqlite3_bind_int64(cq, 2, u);
            rf_text(cq, 3, iso && *iso ? iso : NULL);
            sqlite3_bind_int(cq, 4, from);
            sqlite3_bind_int(cq, 5, mo - 1);
            st = rf_done(db, cq, "cannot record a panel's coverage", err);
            from = 0;
        }
        for (int mo = m0; !st && mo <= m1; mo++) {
            long ev[3], de[3];
            if (!hs_panel_get(p, i, mo, ev, de)) continue; /* not covered: not stored */
            long e = ev[0] + ev[1] + ev[2], d = de[0] + de[1] + de[2];
            if (!e && !d) continue;
            sqlite3_bind_int64(q, 1, run);
            sqlite3_bind_text(q, 2, grid ? "grid" : "country", -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 3, u);
            rf_text(q, 4, iso && *iso ? iso : NULL);
            sqlite3_bind_int(q, 5, mo);
            sqlite3_bind_int64(q, 6, e);
            sqlite3_bind_int64(q, 7, d);
            st = rf_done(db, q, "cannot record a panel row", err);
            (*nrows)++;
        }
    }
    sqlite3_finalize(q);
    sqlite3_finalize(cq);
    return st;
}

/* Mark submission id rejected by run `run` with the message of the step it broke, and take
 * it out of the run's submissions. */
static hs_status rf_reject(hs_store *db, const hs_refresh_opts *o, int64_t run, int64_t id,
                           const char *why, hs_error *err)
{
    char by[32], obj[48], det[1200];
    snprintf(by, sizeof by, "run %lld", (long long)run);
    snprintf(obj, sizeof obj, "submission %lld", (long long)id);
    snprintf(det, sizeof det, "excluded from run %lld: %s", (long long)run, why);
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    st = rf_prep(db,
                 "UPDATE submission SET status = 'rejected', decided_at = "
                 "strftime('%Y-%m-%dT%H:%M:%fZ','now'), decided_by = ?2, reason = ?3 WHERE id = "
                 "?1 AND status = 'accepted'",
                 &q, err);
    if (!st) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_text(q, 2, by, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, det, -1, SQLITE_TRANSIENT);
        st = rf_done(db, q, "cannot reject a submission", err);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st)
        st = rf_prep(db, "DELETE FROM run_submission WHERE run = ?1 AND submission = ?2", &q, err);
    if (!st) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_int64(q, 2, id);
        st = rf_done(db, q, "cannot update the run's submissions", err);
    }
    sqlite3_finalize(q);
    if (!st) st = hsi_store_audit(db, o->actor, "submission.reject", obj, det, err);
    if (!st) st = hsi_store_exec(db, "COMMIT", err);
    if (st) hsi_store_exec(db, "ROLLBACK", NULL);
    rf_progress(o, "submission %lld left out: %s", (long long)id, why);
    return st;
}

/* ---- events --------------------------------------------------------------------------- */

static int rf_has_source(hs_store *db, const char *name)
{
    sqlite3_stmt *q = NULL;
    int have = 0;
    if (sqlite3_prepare_v2(hsi_store_db(db), "SELECT 1 FROM source WHERE name = ?1", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        have = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return have;
}

static int rf_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ingest the shipped GED files (.csv and .csv.gz in data/ucdp) not yet in the store. */
static hs_status rf_ingest_shipped(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o,
                                   const hs_geo *geo, size_t *nev, hs_error *err)
{
    const char *root = o->root;
    char dir[4096];
    rf_path(dir, sizeof dir, root, "data/ucdp");
    DIR *d = opendir(dir);
    if (!d) return HS_OK; /* no shipped events: nothing to ingest */
    char *names[64];
    size_t n = 0;
    struct dirent *de;
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
        if (rf_has_source(db, names[i])) continue;
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

/* Add the accepted event submissions' events to a panel being built. */
static hs_status rf_panel_submissions(hs_ctx *ctx, hs_store *db, int64_t run, hs_panel *p,
                                      const hs_geo *geo, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    hs_status st = rf_prep(db,
                           "SELECT s.id, s.body FROM run_submission rs JOIN submission s ON "
                           "s.id = rs.submission WHERE rs.run = ?1 AND s.kind = 'events' ORDER "
                           "BY s.id",
                           &q, err);
    if (!st) sqlite3_bind_int64(q, 1, run);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        char name[64];
        snprintf(name, sizeof name, "submission %lld", (long long)sqlite3_column_int64(q, 0));
        const char *body = sqlite3_column_blob(q, 1);
        size_t len = (size_t)sqlite3_column_bytes(q, 1);
        hsi_evfile f;
        st = hsi_evfile_open_mem(ctx, body ? body : "", len, name, geo, &f, err);
        if (st) break;
        f.silent = 1;
        for (;;) {
            hsi_event ev;
            int eof = 0;
            st = hsi_evfile_next(&f, &ev, &eof, err);
            if (st || eof) break;
            if (ev.type == 0) continue;
            st = hsi_panel_add(p, &ev, err);
            if (st) break;
        }
        hsi_evfile_close(&f);
    }
    sqlite3_finalize(q);
    return st;
}

/* Read every event submission of the run once without using it: one that the events
 * reader now refuses (the crosswalks changed, say) is rejected and left out, so that the
 * panels never hold part of a submission. */
static hs_status rf_check_event_subs(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o,
                                     int64_t run, const hs_geo *geo, size_t *nrej, hs_error *err)
{
    sqlite3_stmt *q = NULL;
    int64_t bad[64];
    char why[64][512];
    size_t nbad = 0;
    hs_status st = rf_prep(db,
                           "SELECT s.id, s.body FROM run_submission rs JOIN submission s ON "
                           "s.id = rs.submission WHERE rs.run = ?1 AND s.kind = 'events' ORDER "
                           "BY s.id",
                           &q, err);
    if (!st) sqlite3_bind_int64(q, 1, run);
    while (!st && nbad < 64 && sqlite3_step(q) == SQLITE_ROW) {
        const char *body = sqlite3_column_blob(q, 1);
        size_t len = (size_t)sqlite3_column_bytes(q, 1);
        hsi_evfile f;
        hs_error e = {0};
        hs_status ps = hsi_evfile_open_mem(ctx, body ? body : "", len, "submission", geo, &f, &e);
        if (!ps) {
            f.silent = 1;
            for (;;) {
                hsi_event ev;
                int eof = 0;
                ps = hsi_evfile_next(&f, &ev, &eof, &e);
                if (ps || eof) break;
            }
            hsi_evfile_close(&f);
        }
        if (ps == HS_ERR_NOMEM) st = hsi_err_nomem(err);
        if (ps && !st) {
            bad[nbad] = sqlite3_column_int64(q, 0);
            snprintf(why[nbad++], sizeof why[0], "%.500s", e.msg);
        }
    }
    sqlite3_finalize(q);
    for (size_t i = 0; !st && i < nbad; i++) {
        st = rf_reject(db, o, run, bad[i], why[i], err);
        (*nrej)++;
    }
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
    if (!st && subs) st = rf_panel_submissions(ctx, db, run, *out, geo, err);
    /* the submitted events cover their own months (one source) */
    if (!st && subs) hsi_panel_source_done(*out);
    if (!st) st = hsi_panel_end(*out, geo, err);
    if (st) {
        hs_panel_free(*out);
        *out = NULL;
    }
    return st;
}

/* ---- the run ------------------------------------------------------------------------- */

/* Results are kept for the newest RF_KEEP runs with results; older runs keep their row
 * (status, times, submissions used) but not their scores, panels and nodes. */
#define RF_KEEP 5
/* Runs of the rank-interval analysis that check submitted values when the run itself does
 * not analyse (ua_runs 0). */
#define RF_PROBE_RUNS 4

static hs_status rf_prune(hs_store *db, hs_error *err)
{
    static const char *const tables[] = {"score",       "rank_interval",  "node",
                                         "panel_month", "panel_coverage", "run_index"};
    hs_status st = HS_OK;
    for (size_t i = 0; !st && i < sizeof tables / sizeof tables[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "DELETE FROM %s WHERE run < (SELECT coalesce(min(run), 0) FROM (SELECT "
                 "DISTINCT run FROM run_index ORDER BY run DESC LIMIT %d))",
                 tables[i], RF_KEEP);
        st = hsi_store_exec(db, sql, err);
    }
    return st;
}

static void rf_rmdir(const char *dir, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        (void)remove(p); /* best effort: a temporary file of this run */
    }
    rmdir(dir);
}

/* Build job j (into job), overlaying the submissions on the first job's data. */
static hs_status rf_build(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, size_t j,
                          rf_map *over, rf_job *job, hs_error *err)
{
    rf_path(job->shipped, sizeof job->shipped, o->root, rf_jobs[j].pipeline);
    snprintf(job->pipeline, sizeof job->pipeline, "%s", job->shipped);
    char tmpdir[4096] = "";
    hs_status st = HS_OK;
    if (j == 0 && over->n) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/humsec-run-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            st = hsi_err(err, HS_ERR_IO, tmpdir, 0, 0, "cannot create a temporary folder");
            tmpdir[0] = 0;
        }
        /* the shipped table comes from the pipeline as it stands */
        hsi_pipeline pl;
        hsi_ini ini;
        memset(&pl, 0, sizeof pl);
        memset(&ini, 0, sizeof ini);
        char data[8192];
        if (!st) st = hsi_pipeline_read(ctx, job->shipped, &pl, &ini, err);
        if (!st) {
            snprintf(data, sizeof data, "%s/indicators.csv", tmpdir);
            st = rf_write_overlay(ctx, pl.data.file, over, data, err);
        }
        hsi_pipeline_free(ctx, &pl);
        hsi_ini_free(&ini);
        if (!st) {
            if ((size_t)snprintf(job->pipeline, sizeof job->pipeline, "%s/index.pipeline",
                                 tmpdir) >= sizeof job->pipeline)
                st = hsi_err(err, HS_ERR_IO, tmpdir, 0, 0, "temporary folder name too long");
            if (!st) st = rf_write_pipeline(ctx, job->shipped, data, job->pipeline, err);
        }
    }
    if (!st) st = hs_build_run(ctx, job->pipeline, &job->b, err);
    if (!st) st = rf_digest(ctx, job->b->pl.data.file, job, err);
    if (!st && tmpdir[0]) {
        /* recorded as the shipped file with the submissions over it */
        hsi_pipeline pl;
        hsi_ini ini;
        memset(&pl, 0, sizeof pl);
        memset(&ini, 0, sizeof ini);
        if (hsi_pipeline_read(ctx, job->shipped, &pl, &ini, NULL) == HS_OK)
            snprintf(job->data_rel, sizeof job->data_rel, "%s + submissions",
                     rf_rel(pl.data.file, o->root));
        hsi_pipeline_free(ctx, &pl);
        hsi_ini_free(&ini);
    } else if (!st) {
        snprintf(job->data_rel, sizeof job->data_rel, "%s", rf_rel(job->b->pl.data.file, o->root));
    }
    /* With submitted values the analysis also runs, briefly, when the run does not keep
     * it: a value that breaks it (a year with a single country) is found either way. */
    long ua_n = o->ua_runs > 0 ? o->ua_runs : over->n ? RF_PROBE_RUNS : 0;
    if (!st && rf_jobs[j].spec && ua_n > 0) {
        char spec[4096];
        rf_path(spec, sizeof spec, o->root, rf_jobs[j].spec);
        hs_sa_opts so;
        hs_sa_opts_init(&so);
        so.n = (size_t)ua_n;
        so.threads = o->threads;
        st = hs_sensitivity_run(ctx, job->pipeline, spec, &so, &job->ua, err);
        if (!st && o->ua_runs <= 0) {
            hs_sensitivity_free(job->ua);
            job->ua = NULL;
        }
    }
    if (tmpdir[0]) {
        static const char *const files[] = {"indicators.csv", "index.pipeline"};
        rf_rmdir(tmpdir, files, 2);
    }
    if (st) {
        hs_sensitivity_free(job->ua);
        hs_build_free(job->b);
        job->ua = NULL;
        job->b = NULL;
    }
    (void)db;
    return st;
}

/* A failure a submitted value can cause (not memory, files or a bug). */
static int rf_data_error(hs_status st)
{
    return st == HS_ERR_PARSE || st == HS_ERR_SCHEMA || st == HS_ERR_PIPELINE ||
           st == HS_ERR_DOMAIN || st == HS_ERR_USAGE;
}

/* Build the first job with the run's indicator submissions. When that fails on the data,
 * find the submissions that break it: from the shipped data alone, add them one by one in
 * order and keep each that still builds; each one left out is rejected with the message of
 * the step it broke. A run fails only when the shipped data alone fails. *nrej: OUT. */
static hs_status rf_build_first(hs_ctx *ctx, hs_store *db, const hs_refresh_opts *o, int64_t run,
                                rf_subs *subs, rf_job *job, size_t *nrej, hs_error *err)
{
    rf_map over = {ctx, NULL, 0, 0};
    hs_status st = rf_overlay_of(subs, &over, err);
    if (!st) st = rf_build(ctx, db, o, 0, &over, job, err);
    rf_map_free(&over);
    if (!st || !subs->ns || !rf_data_error(st)) return st;
    hs_error first = *err;
    rf_progress(o, "the build with %zu submissions failed (%s): trying them one by one", subs->ns,
                first.msg);
    for (size_t i = 0; i < subs->ns; i++)
        subs->s[i].use = 0;
    rf_job probe;
    st = HS_OK;
    for (size_t i = 0; !st && i <= subs->ns; i++) {
        /* i = 0: the shipped data alone; then with submission i - 1 added */
        if (i) subs->s[i - 1].use = 1;
        memset(&probe, 0, sizeof probe);
        hs_refresh_opts po = *o;
        po.ua_runs = 0; /* a probe: the brief analysis only */
        over = (rf_map){ctx, NULL, 0, 0};
        hs_error e = {0};
        hs_status ps = rf_overlay_of(subs, &over, &e);
        if (!ps) ps = rf_build(ctx, db, &po, 0, &over, &probe, &e);
        rf_map_free(&over);
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
    if (st) return st;
    over = (rf_map){ctx, NULL, 0, 0};
    st = rf_overlay_of(subs, &over, err);
    if (!st) st = rf_build(ctx, db, o, 0, &over, job, err);
    rf_map_free(&over);
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
    int64_t run = 0;
    hs_status st = rf_begin(db, &o, &run, &z.submissions, err);
    if (st) return st;
    z.run = (long)run;
    rf_job jobs[RF_NJOBS];
    memset(jobs, 0, sizeof jobs);
    rf_subs subs = {ctx, NULL, 0, 0, NULL, 0, 0};
    rf_map none = {ctx, NULL, 0, 0};
    size_t nrej = 0;
    hs_geo *geo = NULL;
    hs_panel *pc = NULL, *pg = NULL;
    hs_alert *al = NULL;
    size_t nal = 0;
    hsi_fc_job fc;
    memset(&fc, 0, sizeof fc);
    hs_warn_opts wo;
    hs_warn_opts_init(&wo);
    if (o.submissions) st = rf_load_subs(db, run, &subs, err);
    for (size_t j = 0; !st && j < RF_NJOBS; j++) {
        rf_progress(&o, "[%zu/%zu] %s%s", j + 1, RF_NJOBS, rf_jobs[j].name,
                    j == 0 && subs.nv ? " (with submitted values)" : "");
        if (j == 0)
            st = rf_build_first(ctx, db, &o, run, &subs, &jobs[j], &nrej, err);
        else
            st = rf_build(ctx, db, &o, j, &none, &jobs[j], err);
    }
    if (!st && o.events) {
        char gdir[4096];
        rf_path(gdir, sizeof gdir, o.root, "data/geo");
        st = hs_geo_load(ctx, gdir, &geo, err);
        if (!st) st = rf_ingest_shipped(ctx, db, &o, geo, &z.events, err);
        if (!st && o.submissions) st = rf_check_event_subs(ctx, db, &o, run, geo, &nrej, err);
        if (!st) st = rf_panel(ctx, db, run, geo, HS_PANEL_COUNTRY, o.submissions, &pc, err);
        if (!st) st = rf_panel(ctx, db, run, geo, HS_PANEL_GRID, o.submissions, &pg, err);
        if (!st) st = hs_warn_run(ctx, pc, &wo, &al, &nal, err);
        if (!st) rf_progress(&o, "events: %zu alerts over %zu countries", nal, hs_panel_nunits(pc));
        if (!st) st = rf_forecast(ctx, db, &o, geo, &fc, err);
    }
    z.submissions = z.submissions > nrej ? z.submissions - nrej : 0;
    /* every result in one transaction */
    if (!st) st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (!st) {
        for (size_t j = 0; !st && j < RF_NJOBS; j++) {
            st = rf_put_index(db, run, j, &jobs[j], o.root, &z.scores, err);
            z.indices++;
        }
        size_t nrows = 0;
        if (!st && pc) st = rf_put_panel(db, run, pc, geo, &nrows, err);
        if (!st && pg) st = rf_put_panel(db, run, pg, geo, &nrows, err);
        if (!st && fc.t) {
            int64_t frun = 0;
            st = hsi_fc_put(ctx, db, run, &fc, &frun, &z.scored, err);
            z.forecast_run = (long)frun;
        }
        if (!st && pc) {
            st = hsi_store_exec(db, "DELETE FROM alert WHERE level = 'country'", err);
            if (!st) st = hsi_store_put_alerts_tx(db, al, nal, HS_PANEL_COUNTRY, &wo, err);
            z.alerts = nal;
        }
        sqlite3_stmt *q = NULL;
        if (!st)
            st = rf_prep(db,
                         "UPDATE run SET status = 'done', finished_at = "
                         "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1",
                         &q, err);
        if (!st) {
            sqlite3_bind_int64(q, 1, run);
            st = rf_done(db, q, "cannot finish the run", err);
        }
        sqlite3_finalize(q);
        if (!st) st = rf_prune(db, err);
        char obj[32], det[128];
        snprintf(obj, sizeof obj, "run %lld", (long long)run);
        snprintf(det, sizeof det, "%zu indices, %zu scores, %zu submissions, %zu alerts", z.indices,
                 z.scores, z.submissions, z.alerts);
        if (!st) st = hsi_store_audit(db, o.actor, "run.done", obj, det, err);
        if (!st) st = hsi_store_exec(db, "COMMIT", err);
        if (st) hsi_store_exec(db, "ROLLBACK", NULL);
    }
    if (st)
        rf_fail(db, &o, run, err);
    else
        rf_progress(&o, "run %lld done: %zu indices, %zu scores, %zu submissions used",
                    (long long)run, z.indices, z.scores, z.submissions);
    if (!st && fc.t && fc.f)
        rf_progress(&o,
                    z.forecast_run ? "forecasts: run %ld; %zu stored forecasts scored"
                                   : "forecasts: unchanged since the last run (%ld); %zu stored "
                                     "forecasts scored",
                    z.forecast_run, z.scored);
    hsi_fc_job_free(ctx, &fc);
    for (size_t j = 0; j < RF_NJOBS; j++) {
        hs_sensitivity_free(jobs[j].ua);
        hs_build_free(jobs[j].b);
    }
    rf_subs_free(&subs);
    hs_alerts_free(ctx, al);
    hs_panel_free(pc);
    hs_panel_free(pg);
    hs_geo_free(geo);
    if (!st && info) *info = z;
    if (st && info) {
        memset(info, 0, sizeof *info);
        info->run = (long)run;
    }
    return st;
}

long hs_store_latest_run(hs_store *db)
{
    sqlite3_stmt *q = NULL;
    long id = 0;
    if (sqlite3_prepare_v2(hsi_store_db(db), "SELECT max(id) FROM run WHERE status = 'done'", -1,
                           &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        id = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}
