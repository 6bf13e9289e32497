/*
 * panel_csv.c - the zero-filled panel as CSV through a sink: rows formatted in chunks by
 * several threads at once and written in order.
 */
#include "panel_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Append the decimal digits of v (>= -999999999999). Returns the new end. */
static char *put_long(char *o, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    if (v < 0) *o++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *o++ = tmp[--n];
    return o;
}

/* What the writer's threads share: the panel, the month prefixes, and whose turn it is to
 * write. */
typedef struct pwriter {
    const hs_panel *p;
    const char (*mpre)[24]; /* "month_id,year,month," of every month, formatted once */
    const unsigned char *mlen;
    const hs_sink *out;
    atomic_int wst; /* the first failed write's status: the threads stop taking chunks */
    size_t chunk_units, nchunk;
    atomic_size_t next; /* the next chunk nobody has taken */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t turn; /* the chunk to be written next */
    int threaded;
} pwriter;

/* The bytes of one row at most: month prefix, unit (128), six counts, commas, newline. */
#define PANEL_ROWMAX 256
/* Rows of one chunk at most (a unit has at most 13 200 months): a few MiB of text. */
#define PANEL_CHUNK_ROWS 16384

/* The counts of a known month of a table's panel (c NULL: zero): its one column, the others
 * empty; a total of deaths goes in a column of its own after them. */
static char *table_row(char *o, int tcol, const pcell *c)
{
    for (int t = 0; t < 6; t++) {
        *o++ = ',';
        if (t == tcol) o = put_long(o, c ? c->v[t] : 0);
    }
    if (tcol == HSI_PCOL_DEATHS) {
        *o++ = ',';
        o = put_long(o, c ? c->v[3] : 0);
    }
    *o++ = '\n';
    return o;
}

/* Format the rows of units [u0, u1) into buf; returns the bytes. */
static size_t panel_format(const pwriter *w, size_t u0, size_t u1, char *buf)
{
    static const char zeros[] = ",0,0,0,0,0,0\n", empty[] = ",,,,,,\n";
    const hs_panel *p = w->p;
    int grid = p->o.level == HS_PANEL_GRID;
    size_t next = p->ustart[u0]; /* the cells, in (unit, month) order */
    char *o = buf;
    for (size_t i = u0; i < u1; i++) {
        long u = p->uset[i].unit;
        char unit[128];
        if (grid) {
            long row = (u - 1) / 720, col = (u - 1) % 720;
            /* centroid (docs/methods.md section 5.2): exact in binary, so %.2f prints it exactly */
            snprintf(unit, sizeof unit, "%ld,%ld,%ld,%.2f,%.2f", u, row, col,
                     -90.0 + 0.5 * (double)row + 0.25, -180.0 + 0.5 * (double)col + 0.25);
        } else {
            snprintf(unit, sizeof unit, "%ld,%s", u, p->uset[i].iso3);
        }
        size_t ulen = strlen(unit);
        for (int m = p->dmin; m <= p->dmax; m++) {
            uint32_t key = hsi_panel_key(u, m);
            /* every cell lies in dmin..dmax (each kept event widened the range), so the walk
               meets each one; the skip only guards the cursor */
            while (next < p->ncell && p->cells[next].key < key)
                next++;
            memcpy(o, w->mpre[m - p->dmin], 24); /* 24 bytes, mlen[] of them kept */
            o += w->mlen[m - p->dmin];
            /* bytes of a CSV row, not a C string: the row ends with '\n', not NUL */
            memcpy(o, unit, ulen); // NOLINT(bugprone-not-null-terminated-result)
            o += ulen;
            const pcell *c = NULL;
            if (next < p->ncell && p->cells[next].key == key) c = &p->cells[next++];
            if (m < p->uset[i].c0 || m > p->uset[i].c1 || (c && c->v[0] < 0)) {
                /* outside the unit's coverage, or a month its table does not know: missing,
                 * written empty (never zero) */
                memcpy(o, empty, sizeof empty - 1); // NOLINT(bugprone-not-null-terminated-result)
                o += sizeof empty - 1;
                if (p->tcol == HSI_PCOL_DEATHS) { /* and its deaths_total column */
                    o[-1] = ',';
                    *o++ = '\n';
                }
            } else if (p->tcol != HSI_PCOL_ALL) {
                o = table_row(o, p->tcol, c);
            } else if (c) {
                for (int t = 0; t < 6; t++) {
                    *o++ = ',';
                    o = put_long(o, c->v[t]);
                }
                *o++ = '\n';
            } else {
                memcpy(o, zeros, sizeof zeros - 1); // NOLINT(bugprone-not-null-terminated-result)
                o += sizeof zeros - 1;
            }
        }
    }
    return (size_t)(o - buf);
}

/* Format chunks, each the next nobody has taken, and write each when its turn comes: the
 * threads format at the same time and the stream gets the chunks in order (the thread holding
 * the first unwritten chunk can always go on, so none waits forever). */
static void *panel_write_chunks(void *arg)
{
    pwriter *w = ((void **)arg)[0];
    char *buf = ((void **)arg)[1];
    for (;;) {
        /* a chunk once taken passes the turn on, so nobody waits for one never written */
        if (atomic_load(&w->wst) != HS_OK) return NULL;
        size_t c = atomic_fetch_add(&w->next, 1);
        if (c >= w->nchunk) return NULL;
        size_t u0 = c * w->chunk_units, u1 = u0 + w->chunk_units;
        if (u1 > w->p->nunit) u1 = w->p->nunit;
        size_t len = atomic_load(&w->wst) == HS_OK ? panel_format(w, u0, u1, buf) : 0;
        if (w->threaded) {
            pthread_mutex_lock(&w->mu);
            while (w->turn != c)
                pthread_cond_wait(&w->cv, &w->mu);
            pthread_mutex_unlock(&w->mu);
        }
        if (len && atomic_load(&w->wst) == HS_OK) {
            hs_status st = w->out->write(w->out->ud, buf, len);
            if (st != HS_OK) atomic_store(&w->wst, (int)st);
        }
        if (w->threaded) {
            pthread_mutex_lock(&w->mu);
            w->turn = c + 1;
            pthread_cond_broadcast(&w->cv);
            pthread_mutex_unlock(&w->mu);
        }
    }
}

/*
 * The zero-filled panel as CSV. Units are cut into chunks of at most PANEL_CHUNK_ROWS rows;
 * with threads > 1 (the panel's options) that many threads format chunks, so formatting runs
 * on every core and writing overlaps it: a grid panel has millions of rows, and formatting
 * them on one core after the readers would be a tenth of the whole.
 */
hs_status hs_panel_write_csv(const hs_panel *p, const hs_sink *out, hs_error *err)
{
    hs_status st = hsi_sink_check(out, err);
    if (st != HS_OK) return st;
    char head[160];
    int hlen = snprintf(head, sizeof head, "%s%s",
                        p->o.level == HS_PANEL_GRID ? "month_id,year,month,gid,row,col,lat,lon,"
                                                    : "month_id,year,month,country_id,iso3,",
                        p->tcol == HSI_PCOL_DEATHS ? "events_sb,events_ns,events_os,deaths_sb,"
                                                     "deaths_ns,deaths_os,deaths_total\n"
                                                   : "events_sb,events_ns,events_os,deaths_sb,"
                                                     "deaths_ns,deaths_os\n");
    if ((st = out->write(out->ud, head, (size_t)hlen)) != HS_OK)
        return hsi_err(err, st, NULL, 0, 0, "cannot write the panel");
    size_t nmon = p->dmax >= p->dmin ? (size_t)(p->dmax - p->dmin) + 1 : 1;
    pwriter w = {.p = p, .out = out};
    w.chunk_units = PANEL_CHUNK_ROWS / nmon ? PANEL_CHUNK_ROWS / nmon : 1;
    w.nchunk = (p->nunit + w.chunk_units - 1) / w.chunk_units;
    size_t bufsize = w.chunk_units * nmon * PANEL_ROWMAX;
    size_t nthr = p->o.threads > 1 ? (size_t)p->o.threads : 1;
    if (nthr > PANEL_MAX_THREADS) nthr = PANEL_MAX_THREADS;
    if (nthr > w.nchunk) nthr = w.nchunk ? w.nchunk : 1;
    atomic_init(&w.next, 0);
    atomic_init(&w.wst, HS_OK);
    char(*mpre)[24] = hsi_malloc(p->ctx, nmon * sizeof *mpre);
    unsigned char *mlen = hsi_malloc(p->ctx, nmon);
    char *buf[PANEL_MAX_THREADS] = {NULL};
    if (!mpre || !mlen) st = hsi_err_nomem(err);
    for (size_t k = 0; st == HS_OK && k < nthr; k++)
        if (!(buf[k] = hsi_malloc(p->ctx, bufsize))) st = hsi_err_nomem(err);
    for (int m = p->dmin; st == HS_OK && m <= p->dmax; m++) {
        int y, mon;
        hsi_month_ym(m, &y, &mon);
        char *q = mpre[m - p->dmin];
        q = put_long(q, m);
        *q++ = ',';
        q = put_long(q, y);
        *q++ = ',';
        q = put_long(q, mon);
        *q++ = ',';
        mlen[m - p->dmin] = (unsigned char)(q - mpre[m - p->dmin]);
    }
    w.mpre = (const char(*)[24])mpre;
    w.mlen = mlen;
    void *args[PANEL_MAX_THREADS][2];
    for (size_t k = 0; k < nthr; k++) {
        args[k][0] = &w;
        args[k][1] = buf[k];
    }
    if (st == HS_OK && p->nunit > 0) {
        pthread_t th[PANEL_MAX_THREADS];
        size_t started = 0;
        if (nthr > 1 && pthread_mutex_init(&w.mu, NULL) == 0) {
            if (pthread_cond_init(&w.cv, NULL) == 0) {
                w.threaded = 1;
                /* a thread that does not start leaves its chunks to the others */
                for (size_t k = 1; k < nthr; k++)
                    if (pthread_create(&th[started], NULL, panel_write_chunks, args[k]) == 0)
                        started++;
                panel_write_chunks(args[0]);
                for (size_t k = 0; k < started; k++)
                    pthread_join(th[k], NULL);
                pthread_cond_destroy(&w.cv);
            }
            pthread_mutex_destroy(&w.mu);
        }
        if (!w.threaded) /* one thread: every chunk in turn */
            panel_write_chunks(args[0]);
    }
    for (size_t k = 0; k < nthr; k++)
        hsi_free(p->ctx, buf[k]);
    hsi_free(p->ctx, mpre);
    hsi_free(p->ctx, mlen);
    if (st != HS_OK) return st;
    if ((st = (hs_status)atomic_load(&w.wst)) != HS_OK)
        return hsi_err(err, st, NULL, 0, 0, "cannot write the panel");
    return HS_OK;
}
