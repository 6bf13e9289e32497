/*
 * submit.c - partners' submissions: a CSV file checked whole with the project's own readers
 * and against the index it would change, stored whole (file, digest, rows and, for
 * indicators, every value) in one transaction as `pending`, or refused whole with every
 * error listed; their review (accept, reject, withdraw) and withdrawal.
 *
 * Indicators come in long shape, columns uCode, Time, iCode and Value (uName may be given
 * and is ignored): uCode a unit of the index (an ISO3 code of the shipped crosswalks, or of
 * the shipped indicator table), Time a year of the shipped table or the year after it, iCode
 * an indicator of the Human Security Index's structure, Value a finite number within the
 * indicator's plausible range (the structure's min and max columns) or NA/empty (which
 * removes the shipped value), each (uCode, Time, iCode) once. Events are UCDP GED or ACLED
 * rows, checked by the events reader (src/events/) row by row, then for dates from 1989 to
 * today, a country of the crosswalks and a bounded number of grid cells.
 *
 * The rules (the structure, the units, the years) are read once and kept with the store;
 * they are read again when the structure or the indicator table changes on disk.
 */
#include "store_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "core/csv_int.h"
#include "events/events_int.h"
#include "index/engine_int.h"

#define SUB_MAX_LISTED 1000
/* Bounds of one submission: the shipped HSI table has about 47,000 values, and a few
 * thousand grid cells are more than any country's conflict touches in a file. */
#define SUB_MAX_ROWS   100000
#define SUB_MAX_CELLS  5000
#define SUB_FIRST_YEAR 1989 /* UCDP GED starts in 1989 */

void hsi_sub_errs_free(hsi_sub_errs *e)
{
    if (e) hsi_free(e->ctx, e->e);
}

static void sub_add_err(hsi_sub_errs *e, long line, long col, const char *fmt, ...) HS_PRINTF(4, 5);
static void sub_add_err(hsi_sub_errs *e, long line, long col, const char *fmt, ...)
{
    e->total++;
    if (e->n >= SUB_MAX_LISTED) return;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        hsi_sub_err *p = hsi_realloc(e->ctx, e->e, cap * sizeof *p);
        if (!p) return; /* counted, not listed */
        e->e = p;
        e->cap = cap;
    }
    hsi_sub_err *x = &e->e[e->n++];
    x->line = line;
    x->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->msg, sizeof x->msg, fmt, ap);
    va_end(ap);
}

static void sub_from_error(hsi_sub_errs *e, const hs_error *err)
{
    sub_add_err(e, err->line, err->col, "%s", err->msg);
}

/* ---- the rules ----------------------------------------------------------------------- */

struct hsi_sub_rules {
    char *structure; /* the path they were read for */
    char *data;      /* the shipped indicator table */
    struct timespec smtime, dmtime;
    hsi_meta meta;
    char (*unit)[4]; /* sorted ISO3 codes */
    size_t nunit;
    long tmin, tmax; /* years of the shipped table */
};

void hsi_sub_rules_free(hs_ctx *ctx, struct hsi_sub_rules *r)
{
    if (!r) return;
    hsi_free(ctx, r->structure);
    hsi_free(ctx, r->data);
    hsi_meta_free(ctx, &r->meta);
    hsi_free(ctx, r->unit);
    hsi_free(ctx, r);
}

static int sub_cmp_unit(const void *a, const void *b)
{
    return memcmp(a, b, 4);
}

static int sub_is_iso3(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

static int sub_known_unit(const struct hsi_sub_rules *r, const char *code)
{
    char k[4] = {0};
    memcpy(k, code, 3);
    return bsearch(k, r->unit, r->nunit, sizeof *r->unit, sub_cmp_unit) != NULL;
}

/* Add the ISO3 codes of column col of the CSV at path (a file that is absent adds none). */
static hs_status sub_add_units(hs_ctx *ctx, struct hsi_sub_rules *r, const char *path,
                               const char *col, size_t *cap, hs_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return HS_OK;
    hsi_csv c;
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st) return st;
    long j = hsi_csv_find(&c, col);
    if (j < 0) {
        hsi_csv_free(&c);
        return hsi_err(err, HS_ERR_SCHEMA, path, c.head_line, 0, "no column '%s'", col);
    }
    for (size_t i = 0; !st && i < c.nrow; i++) {
        const char *u = hsi_csv_get(&c, i, (size_t)j);
        if (!sub_is_iso3(u)) continue;
        if (r->nunit == *cap) {
            size_t ncap = *cap ? *cap * 2 : 512;
            char(*p)[4] = hsi_realloc(ctx, r->unit, ncap * sizeof *p);
            if (!p) {
                st = hsi_err_nomem(err);
                break;
            }
            r->unit = p;
            *cap = ncap;
        }
        memcpy(r->unit[r->nunit++], u, 4);
    }
    hsi_csv_free(&c);
    return st;
}

static int sub_same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* The rules for the structure at `structure` (examples/hsi/structure.csv of a project
 * folder): its indicators and their ranges, the pipeline beside it for the shipped table
 * (units, years), and the crosswalks of data/geo in the same project folder. */
static hs_status sub_rules_load(hs_store *db, const char *structure,
                                const struct hsi_sub_rules **out, hs_error *err)
{
    hs_ctx *ctx = hsi_store_ctx(db);
    struct hsi_sub_rules **slot = hsi_store_rules(db), *old = *slot;
    struct stat ss, ds;
    if (stat(structure, &ss) != 0)
        return hsi_err(err, HS_ERR_IO, structure, 0, 0,
                       "cannot read the structure submissions are checked against");
    if (old && !strcmp(old->structure, structure) && sub_same_time(old->smtime, ss.st_mtim) &&
        stat(old->data, &ds) == 0 && sub_same_time(old->dmtime, ds.st_mtim)) {
        *out = old;
        return HS_OK;
    }
    struct hsi_sub_rules *r = hsi_calloc(ctx, 1, sizeof *r);
    if (!r) return hsi_err_nomem(err);
    r->structure = hsi_strdup(ctx, structure);
    r->smtime = ss.st_mtim;
    hs_status st = r->structure ? HS_OK : hsi_err_nomem(err);
    if (!st) st = hsi_meta_read(ctx, structure, &r->meta, err);
    /* the project folder and the pipeline beside the structure */
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s", structure);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    hsi_pipeline pl;
    hsi_ini ini;
    memset(&pl, 0, sizeof pl);
    memset(&ini, 0, sizeof ini);
    snprintf(path, sizeof path, "%s/hsi.pipeline", dir);
    if (!st) st = hsi_pipeline_read(ctx, path, &pl, &ini, err);
    if (!st) {
        r->data = hsi_strdup(ctx, pl.data.file);
        if (!r->data) st = hsi_err_nomem(err);
    }
    hsi_pipeline_free(ctx, &pl);
    hsi_ini_free(&ini);
    if (!st && stat(r->data, &ds) != 0)
        st = hsi_err(err, HS_ERR_IO, r->data, 0, 0, "cannot read the shipped indicator table");
    if (!st) r->dmtime = ds.st_mtim;
    size_t cap = 0;
    hsi_csv c;
    memset(&c, 0, sizeof c);
    if (!st) st = hsi_csv_read(ctx, r->data, &c, err);
    if (!st) {
        long ju = hsi_csv_find(&c, "uCode"), jt = hsi_csv_find(&c, "Time");
        if (ju < 0 || jt < 0)
            st = hsi_err(err, HS_ERR_SCHEMA, r->data, c.head_line, 0,
                         "expected the columns uCode and Time");
        r->tmin = 100000;
        r->tmax = -100000;
        for (size_t i = 0; !st && i < c.nrow; i++) {
            long t;
            if (hsi_parse_long(hsi_csv_get(&c, i, (size_t)jt), &t) == 0) {
                if (t < r->tmin) r->tmin = t;
                if (t > r->tmax) r->tmax = t;
            }
        }
        hsi_csv_free(&c);
        if (!st) st = sub_add_units(ctx, r, r->data, "uCode", &cap, err);
        if (!st && r->tmin > r->tmax)
            st = hsi_err(err, HS_ERR_SCHEMA, r->data, 0, 0, "the shipped table has no years");
    }
    /* the crosswalks: <project>/data/geo, the structure being <project>/examples/hsi/ */
    snprintf(path, sizeof path, "%s/../../data/geo/country_code_crosswalk.csv", dir);
    if (!st) st = sub_add_units(ctx, r, path, "iso3c", &cap, err);
    snprintf(path, sizeof path, "%s/../../data/geo/gw_cow_special_codes_to_iso3.csv", dir);
    if (!st) st = sub_add_units(ctx, r, path, "iso3", &cap, err);
    if (!st && r->nunit) {
        qsort(r->unit, r->nunit, sizeof *r->unit, sub_cmp_unit);
        size_t k = 1;
        for (size_t i = 1; i < r->nunit; i++)
            if (memcmp(r->unit[i], r->unit[k - 1], 4)) memcpy(r->unit[k++], r->unit[i], 4);
        r->nunit = k;
    }
    if (st) {
        hsi_sub_rules_free(ctx, r);
        return st;
    }
    hsi_sub_rules_free(ctx, old);
    *slot = r;
    *out = r;
    return HS_OK;
}

/* Today (UTC) as yyyymmdd. */
static long sub_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1L) * 100 + tm.tm_mday;
}

/* Data rows of a CSV body, roughly (line ends after the first line): to refuse a body too
 * large to be a submission before parsing it. */
static size_t sub_count_lines(const char *body, size_t len)
{
    size_t n = 0;
    const char *p = body, *end = body + len;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    if (len && body[len - 1] != '\n') n++;
    return n ? n - 1 : 0;
}

/* ---- indicators ---------------------------------------------------------------------- */

typedef struct sub_value {
    const char *ucode, *icode;
    long time, line;
    double v; /* NaN: NA */
} sub_value;

static int sub_cmp_key(const void *a, const void *b)
{
    const sub_value *x = a, *y = b;
    int c = strcmp(x->ucode, y->ucode);
    if (!c) c = x->time < y->time ? -1 : x->time > y->time;
    if (!c) c = strcmp(x->icode, y->icode);
    if (!c) c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}

/* Check an indicator file; on success *vals (nrow values, pointing into c) is filled. */
static hs_status sub_check_indicators(hs_ctx *ctx, const hsi_csv *c,
                                      const struct hsi_sub_rules *rules, sub_value *vals,
                                      hsi_sub_errs *errs)
{
    const hsi_meta *m = &rules->meta;
    static const char *const need[] = {"uCode", "Time", "iCode", "Value"};
    long j[4];
    for (int k = 0; k < 4; k++) {
        j[k] = hsi_csv_find(c, need[k]);
        if (j[k] < 0)
            sub_add_err(errs, c->head_line, 0,
                        "missing column '%s': an indicator submission has the columns uCode, "
                        "Time, iCode and Value (long shape)",
                        need[k]);
    }
    for (size_t k = 0; k < c->ncol; k++)
        if (strcmp(c->head[k], "uCode") && strcmp(c->head[k], "Time") &&
            strcmp(c->head[k], "iCode") && strcmp(c->head[k], "Value") &&
            strcmp(c->head[k], "uName"))
            sub_add_err(errs, c->head_line, 0,
                        "unexpected column '%s': expected uCode, Time, iCode, Value (and "
                        "optionally uName)",
                        c->head[k]);
    if (errs->total) return HS_ERR_PARSE;
    if (c->nrow == 0) {
        sub_add_err(errs, c->head_line, 0, "no data rows after the header");
        return HS_ERR_PARSE;
    }
    for (size_t r = 0; r < c->nrow; r++) {
        const char *u = hsi_csv_get(c, r, (size_t)j[0]), *t = hsi_csv_get(c, r, (size_t)j[1]),
                   *ic = hsi_csv_get(c, r, (size_t)j[2]), *v = hsi_csv_get(c, r, (size_t)j[3]);
        long line = c->line[r];
        sub_value *x = &vals[r];
        x->ucode = u;
        x->icode = ic;
        x->line = line;
        x->v = NAN;
        if (!sub_is_iso3(u))
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[0]],
                        "uCode '%.40s' is not a country code: expected three capital letters "
                        "(ISO 3166-1 alpha-3)",
                        u);
        else if (!sub_known_unit(rules, u))
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[0]],
                        "uCode '%s' is not a unit of the index: expected an ISO3 code of the "
                        "shipped crosswalks (data/geo/country_code_crosswalk.csv)",
                        u);
        if (hsi_parse_long(t, &x->time) != 0 || x->time < 1900 || x->time > 2100)
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[1]],
                        "Time '%.40s' is not a year: expected a whole number from 1900 to 2100", t);
        else if (x->time < rules->tmin || x->time > rules->tmax + 1)
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[1]],
                        "Time %ld is outside the index's years: expected %ld to %ld (the years "
                        "of the shipped data and the next one)",
                        x->time, rules->tmin, rules->tmax + 1);
        long nd = hsi_meta_find(m, ic);
        if (nd < 0 || m->node[nd].type != HSI_NODE_INDICATOR) {
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[2]],
                        "iCode '%.60s' is not an indicator of the Human Security Index "
                        "(examples/hsi/structure.csv)",
                        ic);
            nd = -1;
        }
        if (*v && strcmp(v, "NA") && hsi_parse_double(v, &x->v) != 0) {
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[3]],
                        "Value '%.40s' is not a number: expected a finite number, or NA or "
                        "nothing to remove the value",
                        v);
        } else if (nd >= 0 && !isnan(x->v) &&
                   (!isfinite(x->v) || (!isnan(m->node[nd].vmin) && x->v < m->node[nd].vmin) ||
                    (!isnan(m->node[nd].vmax) && x->v > m->node[nd].vmax))) {
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[3]],
                        "Value %.17g of '%s' is outside its plausible range %g to %g (min and "
                        "max in examples/hsi/structure.csv)",
                        x->v, ic, m->node[nd].vmin, m->node[nd].vmax);
        }
    }
    /* repeated keys are reported along with the other errors */
    sub_value *sorted = hsi_malloc(ctx, c->nrow * sizeof *sorted);
    if (!sorted) return HS_ERR_NOMEM;
    memcpy(sorted, vals, c->nrow * sizeof *sorted);
    qsort(sorted, c->nrow, sizeof *sorted, sub_cmp_key);
    for (size_t r = 1; r < c->nrow; r++)
        if (!strcmp(sorted[r].ucode, sorted[r - 1].ucode) && sorted[r].time == sorted[r - 1].time &&
            !strcmp(sorted[r].icode, sorted[r - 1].icode))
            sub_add_err(errs, sorted[r].line, 0,
                        "%s %ld %s is given twice (first on line %ld): expected each uCode, "
                        "Time and iCode once",
                        sorted[r].ucode, sorted[r].time, sorted[r].icode, sorted[r - 1].line);
    hsi_free(ctx, sorted);
    return errs->total ? HS_ERR_PARSE : HS_OK;
}

/* ---- events -------------------------------------------------------------------------- */

/* The cells of an events file, to bound them (open addressing, 0 = empty). */
typedef struct sub_cells {
    long *v;
    size_t n, cap;
} sub_cells;

static int sub_cell_add(hs_ctx *ctx, sub_cells *c, long gid)
{
    if ((c->n + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        long *v = hsi_calloc(ctx, cap, sizeof *v);
        if (!v) return -1;
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->v[i]) continue;
            size_t j = (size_t)c->v[i] * 2654435761u & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = c->v[i];
        }
        hsi_free(ctx, c->v);
        c->v = v;
        c->cap = cap;
    }
    size_t j = (size_t)gid * 2654435761u & (c->cap - 1);
    while (c->v[j] && c->v[j] != gid)
        j = (j + 1) & (c->cap - 1);
    if (!c->v[j]) {
        c->v[j] = gid;
        c->n++;
    }
    return 0;
}

/* The checks of an event beyond its shape: dates from SUB_FIRST_YEAR to today, a country of
 * the crosswalks (when they are loaded). */
static void sub_check_event(const hsi_event *ev, long line, long today, int have_geo,
                            hsi_sub_errs *errs)
{
    long d0 = ev->y0 * 10000L + ev->m0 * 100L + ev->d0,
         d1 = ev->y1 * 10000L + ev->m1 * 100L + ev->d1;
    if (d0 > today || d1 > today)
        sub_add_err(errs, line, 0,
                    "event %s is dated %04d-%02d-%02d to %04d-%02d-%02d, after today "
                    "(%04ld-%02ld-%02ld): expected events that have happened",
                    ev->eid, ev->y0, ev->m0, ev->d0, ev->y1, ev->m1, ev->d1, today / 10000,
                    today / 100 % 100, today % 100);
    else if (ev->y0 < SUB_FIRST_YEAR)
        sub_add_err(errs, line, 0,
                    "event %s starts on %04d-%02d-%02d: expected a date from %d-01-01 (the "
                    "start of UCDP GED)",
                    ev->eid, ev->y0, ev->m0, ev->d0, SUB_FIRST_YEAR);
    if (have_geo && !ev->iso3[0])
        sub_add_err(errs, line, 0,
                    "event %s: country code %ld is not a country of the crosswalks "
                    "(data/geo): expected a Gleditsch-Ward or ISO numeric code of a country",
                    ev->eid, ev->country >= 0 ? ev->country : ev->isonum);
}

static hs_status sub_check_events(hs_ctx *ctx, const char *body, size_t len, const hs_geo *geo,
                                  long *rows, hsi_sub_errs *errs)
{
    long today = sub_today();
    sub_cells cells = {NULL, 0, 0};
    hsi_evfile f;
    hs_error e = {0};
    if (hsi_evfile_open_mem(ctx, body, len, "submission.csv", geo, &f, &e) != HS_OK) {
        if (e.code == HS_ERR_NOMEM) return HS_ERR_NOMEM;
        sub_from_error(errs, &e);
        return HS_ERR_PARSE;
    }
    f.silent = 1;
    hs_status st = HS_OK;
    *rows = 0;
    for (;;) {
        hsi_event ev;
        int eof = 0;
        size_t before = f.rows;
        memset(&e, 0, sizeof e);
        st = hsi_evfile_next(&f, &ev, &eof, &e);
        if (st == HS_ERR_NOMEM) break;
        if (st) {
            sub_from_error(errs, &e);
            st = HS_OK;
            if (f.rows == before) break; /* the reader itself stopped: no way past it */
            continue;
        }
        if (eof) break;
        (*rows)++;
        sub_check_event(&ev, (long)f.rows + 1, today, geo != NULL, errs);
        if (sub_cell_add(ctx, &cells, ev.gid) != 0) {
            st = HS_ERR_NOMEM;
            break;
        }
    }
    hsi_evfile_close(&f);
    hsi_free(ctx, cells.v);
    if (st) return st;
    if (cells.n > SUB_MAX_CELLS)
        sub_add_err(errs, 0, 0,
                    "the events fall in %zu grid cells: a submission may touch at most %d "
                    "(send a large file in parts)",
                    cells.n, SUB_MAX_CELLS);
    if (!errs->total && *rows == 0) sub_add_err(errs, 1, 0, "no event rows after the header");
    return errs->total ? HS_ERR_PARSE : HS_OK;
}

/* ---- storing ------------------------------------------------------------------------- */

static hs_status sub_store(hs_store *db, long partner, const char *actor, const char *kind,
                           const char *body, size_t len, long rows, const sub_value *vals,
                           size_t nval, int64_t *id, hs_error *err)
{
    char hex[65];
    hsi_sha256_hex(body, len, hex);
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    st = hsi_store_run(db, "cannot store the submission", err,
                       "INSERT INTO submission(partner, kind, received_at, sha256, rows, "
                       "status, body) VALUES(?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
                       "?3, ?4, 'pending', ?5)",
                       "ITTIB", (int64_t)partner, kind, hex, (int64_t)rows, len ? body : "",
                       (int)len);
    if (!st) *id = sqlite3_last_insert_rowid(hsi_store_db(db));
    if (!st && nval)
        st = hsi_store_prep(db,
                            "INSERT INTO submission_value(submission, line, ucode, time, icode, "
                            "value) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                            &q, err);
    for (size_t i = 0; !st && i < nval; i++) {
        hsi_store_bind(q, "IITITR", *id, (int64_t)vals[i].line, vals[i].ucode,
                       (int64_t)vals[i].time, vals[i].icode, vals[i].v);
        st = hsi_store_step(db, q, "cannot store a value", err);
    }
    sqlite3_finalize(q);
    char obj[48], det[160];
    snprintf(obj, sizeof obj, "submission %lld", (long long)*id);
    snprintf(det, sizeof det, "%s, %ld rows, sha256 %s", kind, rows, hex);
    if (!st) st = hsi_store_audit(db, actor, "submission.add", obj, det, err);
    return hsi_store_end(db, st, err);
}

hs_status hsi_sub_add(hs_store *db, long partner, const char *actor, const char *kind,
                      const char *body, size_t len, const char *structure, const hs_geo *geo,
                      int64_t *id, hsi_sub_errs *errs, hs_error *err)
{
    hs_ctx *ctx = hsi_store_ctx(db);
    *id = 0;
    errs->ctx = ctx;
    hs_status st;
    int events = !strcmp(kind, "events");
    if (!events && strcmp(kind, "indicators"))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "unknown submission kind '%.40s': expected indicators or events", kind);
    size_t lines = sub_count_lines(body, len);
    if (lines > SUB_MAX_ROWS) {
        sub_add_err(errs, 0, 0,
                    "the file has %zu rows: a submission holds at most %d (send a large file "
                    "in parts)",
                    lines, SUB_MAX_ROWS);
        return hsi_err(err, HS_ERR_PARSE, "submission.csv", 0, 0, "too many rows");
    }
    if (events) {
        long rows = 0;
        st = sub_check_events(ctx, body, len, geo, &rows, errs);
        if (st == HS_ERR_NOMEM) return hsi_err_nomem(err);
        if (st)
            return hsi_err(err, HS_ERR_PARSE, "submission.csv", 0, 0, "%zu errors", errs->total);
        return sub_store(db, partner, actor, "events", body, len, rows, NULL, 0, id, err);
    }
    const struct hsi_sub_rules *rules = NULL;
    st = sub_rules_load(db, structure, &rules, err);
    if (st) return st;
    hsi_csv c;
    hs_error e = {0};
    st = hsi_csv_parse(ctx, body, len, "submission.csv", &c, &e);
    if (st) {
        if (st == HS_ERR_NOMEM) return hsi_err_nomem(err);
        sub_from_error(errs, &e);
        return hsi_err(err, HS_ERR_PARSE, "submission.csv", e.line, e.col, "%s", e.msg);
    }
    sub_value *vals = hsi_calloc(ctx, c.nrow + 1, sizeof *vals);
    if (!vals)
        st = hsi_err_nomem(err);
    else
        st = sub_check_indicators(ctx, &c, rules, vals, errs);
    if (st == HS_ERR_NOMEM)
        st = hsi_err_nomem(err);
    else if (st)
        st = hsi_err(err, HS_ERR_PARSE, "submission.csv", 0, 0, "%zu errors", errs->total);
    if (!st)
        st = sub_store(db, partner, actor, "indicators", body, len, (long)c.nrow, vals, c.nrow, id,
                       err);
    hsi_free(ctx, vals);
    hsi_csv_free(&c);
    return st;
}

hs_status hsi_sub_withdraw(hs_store *db, long partner, const char *actor, int64_t id, int *found,
                           hs_error *err)
{
    *found = 0;
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    st = hsi_store_run(db, "cannot withdraw", err,
                       "UPDATE submission SET status = 'withdrawn', withdrawn_at = "
                       "coalesce(withdrawn_at, strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
                       "WHERE id = ?1 AND partner = ?2",
                       "II", id, (int64_t)partner);
    if (!st) *found = sqlite3_changes(hsi_store_db(db)) > 0;
    char obj[48];
    snprintf(obj, sizeof obj, "submission %lld", (long long)id);
    if (!st && *found) st = hsi_store_audit(db, actor, "submission.withdraw", obj, NULL, err);
    return hsi_store_end(db, st, err);
}

/* ---- review -------------------------------------------------------------------------- */

hs_status hsi_sub_review(hs_store *db, int64_t id, hs_review what, const char *actor,
                         const char *why, char *status, hs_error *err)
{
    static const char *const verb[] = {"accept", "reject", "withdraw"};
    status[0] = 0;
    if (what < HS_REVIEW_ACCEPT || what > HS_REVIEW_WITHDRAW)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "unknown review decision");
    if (what == HS_REVIEW_REJECT && (!why || !*why))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "a rejection needs a reason (--why TEXT, or \"why\" in the request)");
    if (why && strlen(why) > 500)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "the reason has %zu bytes: at most 500",
                       strlen(why));
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    sqlite3_stmt *q = NULL;
    int row = hsi_store_row(db, &q, "SELECT status FROM submission WHERE id = ?1", "I", id);
    if (row == 1) hsi_store_text(q, 0, status, 16);
    if (!q) st = hsi_store_err(db, err, "cannot read the submission"); /* not prepared */
    sqlite3_finalize(q);
    int ok =
        (what == HS_REVIEW_ACCEPT && !strcmp(status, "pending")) ||
        (what == HS_REVIEW_REJECT && (!strcmp(status, "pending") || !strcmp(status, "accepted"))) ||
        (what == HS_REVIEW_WITHDRAW && status[0] && strcmp(status, "withdrawn"));
    if (!st && !status[0])
        st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                     "no submission %lld (humsec partner review lists the pending ones)",
                     (long long)id);
    else if (!st && !ok)
        st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "submission %lld is %s: it cannot be %s (%s)",
                     (long long)id, status,
                     what == HS_REVIEW_ACCEPT   ? "accepted"
                     : what == HS_REVIEW_REJECT ? "rejected"
                                                : "withdrawn",
                     what == HS_REVIEW_ACCEPT   ? "only a pending submission can be accepted"
                     : what == HS_REVIEW_REJECT ? "a pending or accepted one can be rejected"
                                                : "it is withdrawn already");
    static const char *const to[] = {"accepted", "rejected", "withdrawn"};
    if (!st)
        st = hsi_store_run(db, "cannot record the review", err,
                           "UPDATE submission SET status = ?2, decided_at = "
                           "strftime('%Y-%m-%dT%H:%M:%fZ','now'), decided_by = ?3, reason = ?4, "
                           "withdrawn_at = CASE WHEN ?2 = 'withdrawn' THEN "
                           "strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE withdrawn_at END "
                           "WHERE id = ?1",
                           "ITTT", id, to[what], actor ? actor : "local", why && *why ? why : NULL);
    char obj[48], action[32];
    snprintf(obj, sizeof obj, "submission %lld", (long long)id);
    snprintf(action, sizeof action, "submission.%s", verb[what]);
    if (!st) st = hsi_store_audit(db, actor, action, obj, why && *why ? why : NULL, err);
    return hsi_store_end(db, st, err);
}

hs_status hs_submission_review(hs_store *db, long id, hs_review what, const char *actor,
                               const char *why, hs_error *err)
{
    char status[16];
    return hsi_sub_review(db, id, what, actor, why, status, err);
}

static void sub_fill(sqlite3_stmt *q, void *e)
{
    hs_submission_info *s = e;
    s->id = (long)sqlite3_column_int64(q, 0);
    hsi_store_text(q, 1, s->partner, sizeof s->partner);
    hsi_store_text(q, 2, s->kind, sizeof s->kind);
    hsi_store_text(q, 3, s->received, sizeof s->received);
    hsi_store_text(q, 4, s->status, sizeof s->status);
    s->rows = (long)sqlite3_column_int64(q, 5);
    hsi_store_text(q, 6, s->decided, sizeof s->decided);
    hsi_store_text(q, 7, s->decided_by, sizeof s->decided_by);
    hsi_store_text(q, 8, s->reason, sizeof s->reason);
}

hs_status hs_submission_list(hs_store *db, const char *status, hs_submission_info **out, size_t *n,
                             hs_error *err)
{
    void *rows = NULL;
    hs_status st = hsi_store_list(
        hsi_store_ctx(db), db, sizeof **out, sub_fill, "cannot list submissions", &rows, n, err,
        "SELECT s.id, p.name, s.kind, s.received_at, s.status, s.rows, s.decided_at, "
        "s.decided_by, s.reason FROM submission s JOIN partner p ON p.id = s.partner WHERE ?1 "
        "IS NULL OR s.status = ?1 ORDER BY s.id DESC LIMIT 1000",
        "T", status);
    *out = rows;
    return st;
}

void hs_submission_list_free(hs_store *db, hs_submission_info *p)
{
    if (db) hsi_free(hsi_store_ctx(db), p);
}
