/*
 * submit.c - partners' submissions: a CSV file checked whole with the project's own readers
 * and stored whole (file, digest, rows and, for indicators, every value) in one transaction,
 * or refused whole with every error listed; and their withdrawal.
 *
 * Indicators come in long shape, columns uCode, Time, iCode and Value (uName may be given
 * and is ignored): uCode three capital letters (ISO 3166-1 alpha-3), Time a year from 1900
 * to 2100, iCode an indicator of the Human Security Index's structure, Value a finite number
 * or NA/empty (which removes the shipped value), each (uCode, Time, iCode) once. Events are
 * UCDP GED or ACLED rows, checked by the events reader (src/events/) row by row.
 */
#include "store_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/csv_int.h"
#include "events/events_int.h"
#include "index/engine_int.h"

#define SUB_MAX_LISTED 1000

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

static int sub_is_iso3(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

/* Check an indicator file; on success *vals (nrow values, pointing into c) is filled. */
static hs_status sub_check_indicators(hs_ctx *ctx, const hsi_csv *c, const hsi_meta *m,
                                      sub_value *vals, hsi_sub_errs *errs)
{
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
        if (hsi_parse_long(t, &x->time) != 0 || x->time < 1900 || x->time > 2100)
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[1]],
                        "Time '%.40s' is not a year: expected a whole number from 1900 to 2100", t);
        long nd = hsi_meta_find(m, ic);
        if (nd < 0 || m->node[nd].type != HSI_NODE_INDICATOR)
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[2]],
                        "iCode '%.60s' is not an indicator of the Human Security Index "
                        "(examples/hsi/structure.csv)",
                        ic);
        if (*v && strcmp(v, "NA") && hsi_parse_double(v, &x->v) != 0)
            sub_add_err(errs, line, c->col[r * c->ncol + (size_t)j[3]],
                        "Value '%.40s' is not a number: expected a finite number, or NA or "
                        "nothing to remove the value",
                        v);
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

static hs_status sub_check_events(hs_ctx *ctx, const char *body, size_t len, const hs_geo *geo,
                                  long *rows, hsi_sub_errs *errs)
{
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
    }
    hsi_evfile_close(&f);
    if (st) return st;
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
    sqlite3 *h = hsi_store_db(db);
    sqlite3_stmt *q = NULL;
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    if (sqlite3_prepare_v2(h,
                           "INSERT INTO submission(partner, kind, received_at, sha256, rows, "
                           "status, body) VALUES(?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
                           "?3, ?4, 'accepted', ?5)",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the submission insert");
    if (!st) {
        sqlite3_bind_int64(q, 1, partner);
        sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, hex, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, rows);
        sqlite3_bind_blob(q, 5, len ? body : "", (int)len, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = hsi_store_err(db, err, "cannot store the submission");
        *id = sqlite3_last_insert_rowid(h);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!st && nval &&
        sqlite3_prepare_v2(h,
                           "INSERT INTO submission_value(submission, line, ucode, time, icode, "
                           "value) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the value insert");
    for (size_t i = 0; !st && i < nval; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, *id);
        sqlite3_bind_int64(q, 2, vals[i].line);
        sqlite3_bind_text(q, 3, vals[i].ucode, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, vals[i].time);
        sqlite3_bind_text(q, 5, vals[i].icode, -1, SQLITE_STATIC);
        if (isnan(vals[i].v))
            sqlite3_bind_null(q, 6);
        else
            sqlite3_bind_double(q, 6, vals[i].v);
        if (sqlite3_step(q) != SQLITE_DONE) st = hsi_store_err(db, err, "cannot store a value");
    }
    sqlite3_finalize(q);
    char obj[48], det[160];
    snprintf(obj, sizeof obj, "submission %lld", (long long)*id);
    snprintf(det, sizeof det, "%s, %ld rows, sha256 %s", kind, rows, hex);
    if (!st) st = hsi_store_audit(db, actor, "submission.add", obj, det, err);
    if (!st) st = hsi_store_exec(db, "COMMIT", err);
    if (st) hsi_store_exec(db, "ROLLBACK", NULL);
    return st;
}

hs_status hsi_sub_add(hs_store *db, long partner, const char *actor, const char *kind,
                      const char *body, size_t len, const char *structure, const hs_geo *geo,
                      int64_t *id, hsi_sub_errs *errs, hs_error *err)
{
    hs_ctx *ctx = hsi_store_ctx(db);
    *id = 0;
    errs->ctx = ctx;
    hs_status st;
    if (!strcmp(kind, "events")) {
        long rows = 0;
        st = sub_check_events(ctx, body, len, geo, &rows, errs);
        if (st == HS_ERR_NOMEM) return hsi_err_nomem(err);
        if (st)
            return hsi_err(err, HS_ERR_PARSE, "submission.csv", 0, 0, "%zu errors", errs->total);
        return sub_store(db, partner, actor, "events", body, len, rows, NULL, 0, id, err);
    }
    if (strcmp(kind, "indicators"))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "unknown submission kind '%.40s': expected indicators or events", kind);
    hsi_meta m;
    memset(&m, 0, sizeof m);
    st = hsi_meta_read(ctx, structure, &m, err);
    if (st) return st;
    hsi_csv c;
    hs_error e = {0};
    st = hsi_csv_parse(ctx, body, len, "submission.csv", &c, &e);
    if (st) {
        hsi_meta_free(ctx, &m);
        if (st == HS_ERR_NOMEM) return hsi_err_nomem(err);
        sub_from_error(errs, &e);
        return hsi_err(err, HS_ERR_PARSE, "submission.csv", e.line, e.col, "%s", e.msg);
    }
    sub_value *vals = hsi_calloc(ctx, c.nrow + 1, sizeof *vals);
    if (!vals)
        st = hsi_err_nomem(err);
    else
        st = sub_check_indicators(ctx, &c, &m, vals, errs);
    if (st == HS_ERR_NOMEM)
        st = hsi_err_nomem(err);
    else if (st)
        st = hsi_err(err, HS_ERR_PARSE, "submission.csv", 0, 0, "%zu errors", errs->total);
    if (!st)
        st = sub_store(db, partner, actor, "indicators", body, len, (long)c.nrow, vals, c.nrow, id,
                       err);
    hsi_free(ctx, vals);
    hsi_csv_free(&c);
    hsi_meta_free(ctx, &m);
    return st;
}

hs_status hsi_sub_withdraw(hs_store *db, long partner, const char *actor, int64_t id, int *found,
                           hs_error *err)
{
    *found = 0;
    hs_status st = hsi_store_exec(db, "BEGIN IMMEDIATE", err);
    if (st) return st;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(hsi_store_db(db),
                           "UPDATE submission SET status = 'withdrawn', withdrawn_at = "
                           "coalesce(withdrawn_at, strftime('%Y-%m-%dT%H:%M:%fZ','now')) "
                           "WHERE id = ?1 AND partner = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        st = hsi_store_err(db, err, "cannot prepare the withdrawal");
    if (!st) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, partner);
        if (sqlite3_step(q) != SQLITE_DONE) st = hsi_store_err(db, err, "cannot withdraw");
        *found = sqlite3_changes(hsi_store_db(db)) > 0;
    }
    sqlite3_finalize(q);
    char obj[48];
    snprintf(obj, sizeof obj, "submission %lld", (long long)id);
    if (!st && *found) st = hsi_store_audit(db, actor, "submission.withdraw", obj, NULL, err);
    if (!st) st = hsi_store_exec(db, "COMMIT", err);
    if (st) hsi_store_exec(db, "ROLLBACK", NULL);
    return st;
}
