/*
 * panel.c - country-month and PRIO-GRID-month panels (docs/methods.md section 5.2): event counts
 * and best deaths per violence type, zero-filled over every unit seen and every month of the
 * window.
 *
 * Only non-empty unit-months are held, as an array sorted by unit and month, so memory
 * follows the number of distinct unit-months with events, not the number of events or of
 * zero cells; zeros are produced when the panel is read or written. Events are packed into a
 * buffer of 8-byte entries; a full buffer is radix-sorted and merged into the sorted cells in
 * place, summing as it goes. A hash table took a cache and TLB miss per event once a grid panel's
 * cells outgrew the caches (a fifth of its time); sorting and merging touch memory in order.
 * Reading files is streaming (reader.c), so a panel straight from CSV runs in bounded memory.
 */
#include "events_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

/* month_id spans -959 (January 1900) .. 12240 (December 2999): offset and width of the month
 * part of a cell key. Units (GW numbers >= 2, gids >= 1) are never 0, so unit 0 marks an empty
 * slot of the unit set. */
#define PANEL_MOFF 1024
/* Entries of the add buffer: the first, and the most (4 MiB, and as much again to sort). */
#define PANEL_BUF_MIN 4096
#define PANEL_BUF_MAX ((size_t)1 << 19)
/* Deaths one buffer entry can carry (29 bits); more are split over several entries. */
#define PANEL_ENTRY_DEATHS ((1L << 29) - 1)
#define PANEL_MBITS        14

/* 28 bytes: grid panels of millions of cell-months stay below the 256 MB budget. The
 * key packs unit (< 2^18: gids end at 259200, GW numbers at 999) and month in 32 bits; the
 * counts are 32-bit and checked for overflow. */
typedef struct pcell {
    uint32_t key;
    int32_t v[6]; /* events sb, ns, os; deaths sb, ns, os */
} pcell;

typedef struct punit {
    long unit; /* 0 = empty slot */
    char iso3[4];
    int seen;   /* the file being read when the unit last had an event, plus 1 */
    int c0, c1; /* coverage: the months its files cover (0: not set, the panel's range) */
} punit;

struct hs_panel {
    hs_ctx *ctx;
    hs_panel_opts o;
    pcell *cells; /* sorted by key, each key once (after a flush) */
    size_t ccap, ncell;
    /* adds not yet merged: key << 32 | (type - 1) << 30 | events << 29 | deaths */
    uint64_t *buf, *tmp; /* tmp: the radix sort's other half */
    size_t nbuf, bcap;
    size_t *ustart; /* after hsi_panel_end: unit i's cells are [ustart[i], ustart[i + 1]) */
    punit *uset;    /* hash set while building; sorted dense array after hsi_panel_end */
    size_t ucap, nunit;
    int dmin, dmax; /* month range of the events kept */
    /* Coverage (docs/events.md, COVERAGE): a file covers its first to last event month; a
     * unit is covered by the files it has events in. file: the file being read; fmin/fmax:
     * its month range so far, over every event (also those outside --from/--to). */
    int file, fmin, fmax;
    size_t drop_win, drop_imp;
    long deaths_win, deaths_imp;
    /* A panel from a country-month table holds one value: tcol is its column (HSI_PCOL_*;
     * HSI_PCOL_ALL for a panel of events, which holds them all). The others read as missing,
     * and a cell whose v are all -1 is a unit-month the table does not know. */
    int tcol;
};

void hs_panel_opts_init(hs_panel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->level = HS_PANEL_COUNTRY;
}

static uint64_t mix(uint64_t x)
{
    /* splitmix64 finaliser: consecutive keys spread over the table. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint32_t cell_key(long unit, int month)
{
    return ((uint32_t)unit << PANEL_MBITS) | (uint32_t)(month + PANEL_MOFF);
}

static hs_status overflow_err(hs_error *err)
{
    return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                   "more than 2147483647 events or deaths in one unit and month");
}

hs_status hsi_panel_begin(hs_ctx *ctx, const hs_panel_opts *o, hs_panel **out, hs_error *err)
{
    *out = NULL;
    if (o && !HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_panel_opts");
    hs_panel *p = hsi_calloc(ctx, 1, sizeof *p);
    if (!p) return hsi_err_nomem(err);
    p->ctx = ctx;
    if (o)
        p->o = *o;
    else
        hs_panel_opts_init(&p->o);
    p->ucap = 256;
    p->bcap = PANEL_BUF_MIN;
    p->uset = hsi_calloc(ctx, p->ucap, sizeof *p->uset);
    p->buf = hsi_malloc(ctx, p->bcap * sizeof *p->buf);
    p->tmp = hsi_malloc(ctx, p->bcap * sizeof *p->tmp);
    p->dmin = p->fmin = 1 << 30;
    p->dmax = p->fmax = -(1 << 30);
    p->tcol = HSI_PCOL_ALL;
    if (!p->uset || !p->buf || !p->tmp) {
        hs_panel_free(p);
        return hsi_err_nomem(err);
    }
    *out = p;
    return HS_OK;
}

void hs_panel_free(hs_panel *p)
{
    if (!p) return;
    hsi_free(p->ctx, p->cells);
    hsi_free(p->ctx, p->buf);
    hsi_free(p->ctx, p->tmp);
    hsi_free(p->ctx, p->ustart);
    hsi_free(p->ctx, p->uset);
    hsi_free(p->ctx, p);
}

/* The unit set: open addressing, kept at most half full so that probes stay short. */
static size_t unit_slot(const punit *t, size_t cap, long unit)
{
    size_t i = (size_t)mix((uint64_t)unit) & (cap - 1);
    while (t[i].unit && t[i].unit != unit)
        i = (i + 1) & (cap - 1);
    return i;
}

static int units_grow(hs_panel *p)
{
    size_t nc = p->ucap * 2;
    punit *t = hsi_calloc(p->ctx, nc, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < p->ucap; i++)
        if (p->uset[i].unit) t[unit_slot(t, nc, p->uset[i].unit)] = p->uset[i];
    hsi_free(p->ctx, p->uset);
    p->uset = t;
    p->ucap = nc;
    return 0;
}

/* Sort the n entries of a by key (their top 32 bits): LSD radix in passes of 11, 11 and 10
 * bits, the three counts taken in one read; t is as long as a. Returns where they ended. */
static uint64_t *panel_radix(uint64_t *a, uint64_t *t, size_t n)
{
    static const int shift[3] = {32, 43, 54};
    static const uint64_t mask[3] = {2047, 2047, 1023};
    size_t cnt[3][2048];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = a[i];
        cnt[0][(x >> 32) & 2047]++;
        cnt[1][(x >> 43) & 2047]++;
        cnt[2][x >> 54]++;
    }
    for (int ps = 0; ps < 3; ps++) {
        size_t sum = 0;
        for (size_t d = 0; d <= mask[ps]; d++) {
            size_t c = cnt[ps][d];
            cnt[ps][d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            t[cnt[ps][(a[i] >> shift[ps]) & mask[ps]]++] = a[i];
        uint64_t *x = a;
        a = t;
        t = x;
    }
    return a;
}

/* The key of the sorted entries e[..j) ending at e[j - 1], and their sums (j > 0); moves j
 * back past them. */
static uint32_t entry_sums(const uint64_t *e, size_t *j, long long v[6])
{
    memset(v, 0, 6 * sizeof *v);
    uint32_t key = (uint32_t)(e[*j - 1] >> 32);
    for (; *j > 0 && (uint32_t)(e[*j - 1] >> 32) == key; (*j)--) {
        unsigned lo = (unsigned)e[*j - 1], t = lo >> 30;
        v[t] += (lo >> 29) & 1u;
        v[t + 3] += lo & (unsigned)PANEL_ENTRY_DEATHS;
    }
    return key;
}

/* Whether cell c plus the sums v (c NULL: nothing) still fits 32-bit counts. */
static int sums_fit(const pcell *c, const long long v[6])
{
    for (int t = 0; t < 6; t++)
        if (v[t] + (c ? c->v[t] : 0) > INT32_MAX) return 0;
    return 1;
}

/*
 * Make room for nnew more cells at the end of p's sorted array (capacity grows by half, so
 * the copies of a growing panel stay linear; for a large array realloc remaps its pages).
 */
static hs_status panel_room(hs_panel *p, size_t nnew, hs_error *err)
{
    size_t need = p->ncell + nnew;
    if (need <= p->ccap) return HS_OK;
    size_t cap = p->ccap + p->ccap / 2 > need ? p->ccap + p->ccap / 2 : need;
    pcell *t = hsi_realloc(p->ctx, p->cells, cap * sizeof *t);
    if (!t) return hsi_err_nomem(err);
    p->cells = t;
    p->ccap = cap;
    return HS_OK;
}

/* What merges into a panel's cells, read from its end: another panel's sorted cells (c), or
 * when c is NULL sorted add-buffer entries (e); j items are left. */
typedef struct msrc {
    const uint64_t *e;
    const pcell *c;
    size_t j;
} msrc;

/* The key of the source's last group and its sums; the group is then consumed. */
static uint32_t msrc_prev(msrc *m, long long v[6])
{
    if (!m->c) return entry_sums(m->e, &m->j, v);
    const pcell *x = &m->c[--m->j];
    for (int t = 0; t < 6; t++)
        v[t] = x->v[t];
    return x->key;
}

/*
 * Merge a sorted source of n items into p's sorted cells in place: one pass from the ends
 * counts the keys the cells lack (and checks every sum fits, so nothing fails once cells
 * move); a second, again from the ends backwards, moves each cell up by the number of new keys
 * above it, and the new or summed cells land in the gaps. The array is its only copy: a second
 * array to merge into doubled a grid panel's memory.
 */
static hs_status panel_merge_in(hs_panel *p, msrc src, hs_error *err)
{
    size_t nc = p->ncell, nnew = 0, i = nc;
    for (msrc m = src; m.j > 0;) {
        long long v[6];
        uint32_t key = msrc_prev(&m, v);
        while (i > 0 && p->cells[i - 1].key > key)
            i--;
        const pcell *c = i > 0 && p->cells[i - 1].key == key ? &p->cells[i - 1] : NULL;
        if (!sums_fit(c, v)) return overflow_err(err);
        nnew += !c;
    }
    hs_status st = panel_room(p, nnew, err);
    if (st != HS_OK) return st;
    pcell *c = p->cells;
    size_t o = nc + nnew;
    i = nc;
    for (msrc m = src; m.j > 0;) {
        long long v[6];
        uint32_t key = msrc_prev(&m, v);
        while (i > 0 && c[i - 1].key > key)
            c[--o] = c[--i];
        pcell cell = {.key = key};
        if (i > 0 && c[i - 1].key == key) cell = c[--i];
        for (int t = 0; t < 6; t++)
            cell.v[t] += (int32_t)v[t];
        c[--o] = cell;
    }
    p->ncell = nc + nnew;
    return HS_OK;
}

/* Merge the add buffer into the sorted cells (radix sort, then panel_merge_in). */
static hs_status panel_flush(hs_panel *p, hs_error *err)
{
    if (!p->nbuf) return HS_OK;
    msrc src = {.e = panel_radix(p->buf, p->tmp, p->nbuf), .j = p->nbuf};
    hs_status st = panel_merge_in(p, src, err);
    if (st != HS_OK) return st;
    p->nbuf = 0;
    /* the buffer grows with each flush, so a small panel stays small and a large one
       merges rarely */
    if (p->bcap < PANEL_BUF_MAX) {
        uint64_t *b = hsi_realloc(p->ctx, p->buf, 2 * p->bcap * sizeof *b);
        if (b) p->buf = b;
        uint64_t *x = b ? hsi_realloc(p->ctx, p->tmp, 2 * p->bcap * sizeof *x) : NULL;
        if (x) {
            p->tmp = x;
            p->bcap *= 2;
        }
    }
    return HS_OK;
}

/* Add nev events and deaths of type t (1..3) to unit's cell of month m, inside the window. */
static hs_status panel_cell_add(hs_panel *p, long unit, int m, int t, long nev, long deaths,
                                hs_error *err)
{
    if (m < p->dmin) p->dmin = m;
    if (m > p->dmax) p->dmax = m;
    uint64_t key = (uint64_t)cell_key(unit, m) << 32 | (uint64_t)(t - 1) << 30;
    do {
        if (p->nbuf == p->bcap) {
            hs_status st = panel_flush(p, err);
            if (st != HS_OK) return st;
        }
        long d = deaths > PANEL_ENTRY_DEATHS ? PANEL_ENTRY_DEATHS : deaths;
        p->buf[p->nbuf++] = key | (uint64_t)nev << 29 | (uint64_t)d;
        deaths -= d;
        nev = 0;
    } while (deaths > 0);
    return HS_OK;
}

static int panel_in_window(const hs_panel *p, int m)
{
    return !((p->o.from && m < p->o.from) || (p->o.to && m > p->o.to));
}

/*
 * An event over months m0 < m1 (docs/methods.md section 5.2, optional): best shared out in
 * proportion to the days of [date_start, date_end] in each month, each share rounded down and the
 * deaths left over given one each to the months with the largest remainders (the earlier month on a
 * tie), so the shares add up to best. The event itself counts in its first month.
 */
static hs_status panel_add_spread(hs_panel *p, long unit, const hsi_event *ev, int m0, int m1,
                                  hs_error *err)
{
    size_t n = (size_t)(m1 - m0) + 1;
    long small[2 * 24];
    long *share = n <= 24 ? small : hsi_malloc(p->ctx, 2 * n * sizeof *share);
    if (!share) return hsi_err_nomem(err);
    long *rem = share + n, total = 0, left = ev->best;
    for (size_t i = 0; i < n; i++) {
        int y, mon;
        hsi_month_ym(m0 + (int)i, &y, &mon);
        long days = i + 1 == n ? ev->d1 : hsi_days_in_month(y, mon);
        if (i == 0) days -= ev->d0 - 1;
        share[i] = days; /* days first, shares below */
        total += days;
    }
    for (size_t i = 0; i < n; i++) {
        long long num = (long long)ev->best * share[i];
        share[i] = (long)(num / total);
        rem[i] = (long)(num % total);
        left -= share[i];
    }
    for (; left > 0; left--) { /* fewer than n deaths left: one each, largest remainder first */
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rem[i] > rem[best]) best = i;
        share[best]++;
        rem[best] = -1;
    }
    hs_status st = HS_OK;
    for (size_t i = 0; i < n && st == HS_OK; i++) {
        int m = m0 + (int)i;
        long nev = i == 0;
        if (!panel_in_window(p, m)) {
            p->drop_win += (size_t)nev;
            p->deaths_win += share[i];
        } else if (nev || share[i]) {
            st = panel_cell_add(p, unit, m, ev->type, nev, share[i], err);
        }
    }
    if (share != small) hsi_free(p->ctx, share);
    return st;
}

hs_status hsi_panel_add(hs_panel *p, const hsi_event *ev, hs_error *err)
{
    if (ev->type < 1 || ev->type > 3) return HS_OK;
    long unit = p->o.level == HS_PANEL_GRID ? ev->gid : ev->country;
    if (unit <= 0) return HS_OK;
    if (p->o.level == HS_PANEL_GRID && ev->where_prec >= 6 && !p->o.keep_imprecise) {
        p->drop_imp++;
        p->deaths_imp += ev->best;
        return HS_OK;
    }
    if (unit >= (1L << (32 - PANEL_MBITS)))
        return hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "unit %ld out of range", unit);
    if (2 * (p->nunit + 1) > p->ucap && units_grow(p) != 0) return hsi_err_nomem(err);
    size_t us = unit_slot(p->uset, p->ucap, unit);
    if (!p->uset[us].unit) {
        p->uset[us].unit = unit;
        memcpy(p->uset[us].iso3, ev->iso3, 4);
        p->nunit++;
    }
    p->uset[us].seen = p->file + 1;
    int m = hsi_month_id(ev->y0, ev->m0);
    if (m < p->fmin) p->fmin = m;
    if (m > p->fmax) p->fmax = m;
    if (ev->y1 > 0) {
        int me = hsi_month_id(ev->y1, ev->m1);
        if (me > p->fmax) p->fmax = me;
    }
    if (p->o.spread && ev->y1 > 0) {
        int m1 = hsi_month_id(ev->y1, ev->m1);
        if (m1 > m && ev->d0 >= 1 && ev->d1 >= 1) return panel_add_spread(p, unit, ev, m, m1, err);
    }
    if (!panel_in_window(p, m)) {
        p->drop_win++;
        p->deaths_win += ev->best;
        return HS_OK;
    }
    return panel_cell_add(p, unit, m, ev->type, 1, ev->best, err);
}

/* The file being read is done: the units it had events in are covered by its months. */
void hsi_panel_source_done(hs_panel *p)
{
    for (size_t i = 0; i < p->ucap; i++) {
        punit *u = &p->uset[i];
        if (!u->unit || u->seen != p->file + 1) continue;
        if (!u->c0 || p->fmin < u->c0) u->c0 = p->fmin;
        if (!u->c1 || p->fmax > u->c1) u->c1 = p->fmax;
    }
    p->file++;
    p->fmin = 1 << 30;
    p->fmax = -(1 << 30);
}

static int unit_cmp(const void *a, const void *b)
{
    long x = ((const punit *)a)->unit, y = ((const punit *)b)->unit;
    return (x > y) - (x < y);
}

hs_status hsi_panel_end(hs_panel *p, const hs_geo *geo, hs_error *err)
{
    hs_status st = panel_flush(p, err);
    if (st != HS_OK) return st;
    hsi_free(p->ctx, p->buf);
    hsi_free(p->ctx, p->tmp);
    p->buf = p->tmp = NULL;
    p->bcap = 0;
    /* Compact the unit set to the front and sort it: units are then addressed by index. */
    size_t k = 0;
    for (size_t i = 0; i < p->ucap; i++)
        if (p->uset[i].unit) p->uset[k++] = p->uset[i];
    qsort(p->uset, k, sizeof *p->uset, unit_cmp);
    p->nunit = k;
    if (geo && p->o.level == HS_PANEL_COUNTRY)
        for (size_t i = 0; i < k; i++)
            if (!p->uset[i].iso3[0])
                memcpy(p->uset[i].iso3, hsi_geo_gw_iso3(geo, p->uset[i].unit), 4);
    if (p->o.from) p->dmin = p->o.from;
    if (p->o.to) p->dmax = p->o.to;
    if (p->dmin > p->dmax) {
        if (p->o.from || p->o.to)
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "empty window: --from is after --to or the data has no events");
        p->dmin = p->dmax = 0; /* no events at all: an empty panel */
        p->nunit = 0;
    }
    /* coverage within the panel's months: --to states the end (the data cover up to it);
     * a unit no file was marked for (a panel from the store) is covered throughout */
    for (size_t i = 0; i < p->nunit; i++) {
        punit *u = &p->uset[i];
        if (!u->c0) {
            u->c0 = p->dmin;
            u->c1 = p->dmax;
        }
        if (p->o.to) u->c1 = p->o.to;
        if (u->c0 < p->dmin) u->c0 = p->dmin;
        if (u->c1 > p->dmax) u->c1 = p->dmax;
    }
    /* each unit's run of cells (every cell's unit is in the set) */
    p->ustart = hsi_malloc(p->ctx, (p->nunit + 1) * sizeof *p->ustart);
    if (!p->ustart) return hsi_err_nomem(err);
    size_t c = 0;
    for (size_t i = 0; i < p->nunit; i++) {
        uint32_t first = cell_key(p->uset[i].unit, 0) & ~((1u << PANEL_MBITS) - 1);
        while (c < p->ncell && p->cells[c].key < first)
            c++;
        p->ustart[i] = c;
    }
    p->ustart[p->nunit] = p->ncell;
    return HS_OK;
}

/* punit.seen is the unit's row of the table while a table's panel is built. */
hs_status hsi_panel_from_table(hs_ctx *ctx, const hs_panel_opts *o, size_t n, const long *unit,
                               const char (*iso3)[4], int m0, int m1, const double *y, int col,
                               hs_panel **out, hs_error *err)
{
    *out = NULL;
    hs_panel_opts po;
    if (o)
        po = *o;
    else
        hs_panel_opts_init(&po);
    po.level = HS_PANEL_COUNTRY;
    /* the panel's months: the table's, narrowed to --from/--to when they are given */
    int lo = po.from && po.from > m0 ? po.from : m0, hi = po.to && po.to < m1 ? po.to : m1;
    if (lo > hi)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "empty window: --from/--to leave none of the table's months");
    hs_panel *p;
    hs_status st = hsi_panel_begin(ctx, &po, &p, err);
    if (st != HS_OK) return st;
    p->tcol = col;
    hsi_free(ctx, p->uset);
    p->uset = hsi_calloc(ctx, n ? n : 1, sizeof *p->uset);
    p->ustart = hsi_malloc(ctx, (n + 1) * sizeof *p->ustart);
    if (!p->uset || !p->ustart) st = hsi_err_nomem(err);
    size_t nm = (size_t)(m1 - m0) + 1, ncell = 0;
    for (size_t i = 0; st == HS_OK && i < n; i++) {
        if (unit[i] <= 0 || unit[i] >= (1L << (32 - PANEL_MBITS)))
            st = hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "unit %ld out of range", unit[i]);
        p->uset[i] = (punit){.unit = unit[i], .seen = (int)i, .c0 = lo, .c1 = hi};
        memcpy(p->uset[i].iso3, iso3[i], 4);
        for (int m = lo; m <= hi; m++) {
            double v = y[i * nm + (size_t)(m - m0)];
            if (v > INT32_MAX) st = overflow_err(err);
            ncell += v != 0.0; /* a NaN too: the month is held as unknown */
        }
    }
    if (st == HS_OK) {
        qsort(p->uset, n, sizeof *p->uset, unit_cmp);
        for (size_t i = 1; i < n && st == HS_OK; i++)
            if (p->uset[i].unit == p->uset[i - 1].unit)
                st = hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "unit %ld twice", p->uset[i].unit);
    }
    if (st == HS_OK && !(p->cells = hsi_calloc(ctx, ncell ? ncell : 1, sizeof *p->cells)))
        st = hsi_err_nomem(err);
    if (st != HS_OK) {
        hs_panel_free(p);
        return st;
    }
    /* units ascending, then months: the cells come out sorted by key */
    p->ncell = p->ccap = ncell;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        p->ustart[i] = k;
        const double *r = y + (size_t)p->uset[i].seen * nm;
        for (int m = lo; m <= hi; m++) {
            double v = r[m - m0];
            if (v == 0.0) continue;
            pcell *c = &p->cells[k++];
            c->key = cell_key(p->uset[i].unit, m);
            for (int t = 0; t < 6; t++)
                c->v[t] = isnan(v) ? -1 : 0;
            /* a total of deaths is held in the deaths_sb slot; hsi_panel_total reads it */
            if (!isnan(v)) c->v[col == HSI_PCOL_DEATHS ? 3 : col] = (int32_t)v;
        }
        p->uset[i].seen = 0;
    }
    p->ustart[n] = k;
    p->nunit = p->ucap = n;
    p->dmin = lo;
    p->dmax = hi;
    *out = p;
    return HS_OK;
}

hs_panel_level hsi_panel_level(const hs_panel *p)
{
    return p->o.level;
}

size_t hs_panel_nunits(const hs_panel *p)
{
    return p->nunit;
}

long hs_panel_unit(const hs_panel *p, size_t i)
{
    return p->uset[i].unit;
}

int hs_panel_first_month(const hs_panel *p)
{
    return p->dmin;
}

int hs_panel_last_month(const hs_panel *p)
{
    return p->dmax;
}

void hs_panel_coverage(const hs_panel *p, size_t i, int *first, int *last)
{
    *first = p->uset[i].c0;
    *last = p->uset[i].c1;
}

/* Unit i's cell of month_id (NULL: none, a zero month). */
static const pcell *panel_cell(const hs_panel *p, size_t i, int month_id)
{
    /* a binary search over the unit's own cells (at most its months) */
    uint32_t key = cell_key(p->uset[i].unit, month_id);
    size_t lo = p->ustart[i], hi = p->ustart[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cells[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ustart[i + 1] && p->cells[lo].key == key ? &p->cells[lo] : NULL;
}

/* Whether unit i's month_id is known: inside its coverage and not a table's hole. */
static int panel_known(const hs_panel *p, size_t i, int month_id, const pcell *c)
{
    return month_id >= p->uset[i].c0 && month_id <= p->uset[i].c1 && !(c && c->v[0] < 0);
}

int hs_panel_get(const hs_panel *p, size_t i, int month_id, long events[3], long deaths[3])
{
    const pcell *c =
        month_id >= p->uset[i].c0 && month_id <= p->uset[i].c1 ? panel_cell(p, i, month_id) : NULL;
    if (!panel_known(p, i, month_id, c)) {
        for (int t = 0; t < 3; t++) /* missing, never zero */
            events[t] = deaths[t] = -1;
        return 0;
    }
    for (int t = 0; t < 3; t++) {
        events[t] = c ? c->v[t] : 0;
        deaths[t] = c ? c->v[t + 3] : 0;
        /* a table's panel knows one column; the others are missing, not zero */
        if (p->tcol != HSI_PCOL_ALL && p->tcol != t) events[t] = -1;
        if (p->tcol != HSI_PCOL_ALL && p->tcol != t + 3) deaths[t] = -1;
    }
    return 1;
}

int hsi_panel_total(const hs_panel *p, size_t i, int month_id, long *events, long *deaths)
{
    long ev[3], de[3];
    *events = *deaths = -1;
    if (!hs_panel_get(p, i, month_id, ev, de)) return 0;
    if (ev[0] >= 0 && ev[1] >= 0 && ev[2] >= 0) *events = ev[0] + ev[1] + ev[2];
    if (de[0] >= 0 && de[1] >= 0 && de[2] >= 0) *deaths = de[0] + de[1] + de[2];
    if (p->tcol == HSI_PCOL_DEATHS) { /* the total, held in the cells' deaths_sb slot */
        const pcell *c = panel_cell(p, i, month_id);
        *deaths = c ? c->v[3] : 0;
    }
    return 1;
}

int hsi_panel_column(const hs_panel *p)
{
    return p->tcol;
}

void hs_panel_dropped(const hs_panel *p, size_t *out_window, long *deaths_window, size_t *imprecise,
                      long *deaths_imprecise)
{
    if (out_window) *out_window = p->drop_win;
    if (deaths_window) *deaths_window = p->deaths_win;
    if (imprecise) *imprecise = p->drop_imp;
    if (deaths_imprecise) *deaths_imprecise = p->deaths_imp;
}

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
/* Threads a panel uses at most, to read and to write. */
#define PANEL_MAX_THREADS 64

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
            uint32_t key = cell_key(u, m);
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
 * on every core and writing overlaps it: a grid panel has millions of rows and this was a
 * tenth of its time, on one core after the readers.
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

/* Add panel src (still being built) into dst: both buffers merged into their cells, then
 * src's sorted cells into dst's, in place. When dst is still empty, src's arrays are taken over
 * instead of copied (and src is left empty), so merging costs no extra memory. */
static hs_status panel_merge(hs_panel *dst, hs_panel *src, hs_error *err)
{
    hs_status st = panel_flush(dst, err);
    if (st == HS_OK) st = panel_flush(src, err);
    if (st != HS_OK) return st;
    if (dst->ncell == 0 && dst->nunit == 0) {
        pcell *tc = dst->cells;
        punit *tu = dst->uset;
        size_t cc = dst->ccap, uc = dst->ucap;
        dst->cells = src->cells;
        dst->ccap = src->ccap;
        dst->ncell = src->ncell;
        dst->uset = src->uset;
        dst->ucap = src->ucap;
        dst->nunit = src->nunit;
        src->cells = tc;
        src->ccap = cc;
        src->ncell = 0;
        src->uset = tu;
        src->ucap = uc;
        src->nunit = 0;
        for (size_t i = 0; i < dst->ucap; i++) /* the units are now of dst's file */
            if (dst->uset[i].seen) dst->uset[i].seen = dst->file + 1;
    }
    for (size_t i = 0; i < src->ucap; i++) {
        const punit *su = &src->uset[i];
        if (!su->unit) continue;
        if (2 * (dst->nunit + 1) > dst->ucap && units_grow(dst) != 0) return hsi_err_nomem(err);
        size_t us = unit_slot(dst->uset, dst->ucap, su->unit);
        if (!dst->uset[us].unit) {
            dst->uset[us] = *su;
            dst->nunit++;
        }
        if (su->seen) dst->uset[us].seen = dst->file + 1;
    }
    if (src->ncell) {
        msrc m = {.c = src->cells, .j = src->ncell};
        st = panel_merge_in(dst, m, err);
        if (st != HS_OK) return st;
    }
    if (src->dmin < dst->dmin) dst->dmin = src->dmin;
    if (src->dmax > dst->dmax) dst->dmax = src->dmax;
    if (src->fmin < dst->fmin) dst->fmin = src->fmin;
    if (src->fmax > dst->fmax) dst->fmax = src->fmax;
    dst->drop_win += src->drop_win;
    dst->deaths_win += src->deaths_win;
    dst->drop_imp += src->drop_imp;
    dst->deaths_imp += src->deaths_imp;
    return HS_OK;
}

/* Read every event of f into p. */
static hs_status panel_read(hs_panel *p, hsi_evfile *f, hs_error *err)
{
    hsi_rdr_no_hash(f->rdr); /* a panel stores nothing, so it needs no content hash */
    for (;;) {
        hsi_event ev;
        int eof = 0;
        hs_status st = hsi_evfile_next(f, &ev, &eof, err);
        if (st != HS_OK || eof) return st;
        st = hsi_panel_add(p, &ev, err);
        if (st != HS_OK) return st;
    }
}

/* Files smaller than this are read by one thread: starting a second costs more than it saves. */
#define PANEL_PAR_MIN ((off_t)32 << 20)
/* A large file is cut into pieces of about this size, at least PANEL_PIECES_MIN of them; the
 * threads take the next piece whenever they finish one. Two halves, one per thread, left one
 * thread idle for 40-80 ms of a second at the end (the halves take the same time alone, not
 * side by side): now the idle end is a piece of a few milliseconds at most. */
#define PANEL_PIECE      ((uint64_t)32 << 20)
#define PANEL_PIECES_MIN 8

/* The pieces of one file: piece i is bytes [cut[i], cut[i + 1]). */
typedef struct ppieces {
    const uint64_t *cut;
    size_t n;
    atomic_size_t next; /* the next piece nobody has taken */
    uint64_t *lo, *hi;  /* the numeric ids of piece i are in lo[i]..hi[i] */
    unsigned char *any; /* piece i has numeric ids */
    unsigned char *inc; /* the ids of piece i increase */
} ppieces;

typedef struct panel_job {
    hs_panel *p;
    hsi_evfile *f;
    hsi_idset *ids; /* the ids of the pieces this thread read (sorted or a list) */
    ppieces *pc;
    double next_report; /* the main thread's: when its next progress line is due (0: none) */
    hs_status st;
    hs_error err;
} panel_job;

/* Piece i's ids as read by j: their range and whether they increased. */
static void panel_piece_ids(panel_job *j, size_t i)
{
    int inc;
    j->pc->any[i] = hsi_idset_piece_range(j->ids, &j->pc->lo[i], &j->pc->hi[i], &inc) == 0;
    j->pc->inc[i] = (unsigned char)inc;
}

/* Read the pieces not yet taken into j->p through j->f, until none is left or one fails
 * (then the other threads take no more either). */
static hs_status panel_read_pieces(panel_job *j)
{
    ppieces *pc = j->pc;
    for (;;) {
        size_t i = atomic_fetch_add(&pc->next, 1);
        if (i >= pc->n) return HS_OK;
        double now = j->next_report > 0 ? hsi_now() : 0;
        if (j->next_report > 0 && now >= j->next_report) { /* the pieces before i are taken */
            j->next_report = now + HSI_PROGRESS_SECS;
            hsi_log(j->f->ctx, 0, "%s: about %.0f %% read", hsi_rdr_name(j->f->rdr),
                    100.0 * (double)pc->cut[i] / (double)pc->cut[pc->n]);
        }
        hs_status st =
            hsi_evfile_move_range(j->f, pc->cut[i], pc->cut[i + 1] - pc->cut[i], &j->err);
        hsi_idset_piece(j->ids);
        if (st == HS_OK) st = panel_read(j->p, j->f, &j->err);
        if (st == HS_OK) panel_piece_ids(j, i);
        if (st != HS_OK) {
            atomic_store(&pc->next, pc->n);
            return st;
        }
    }
}

static void *panel_worker(void *arg)
{
    panel_job *j = arg;
    j->st = panel_read_pieces(j);
    return NULL;
}

/*
 * Cut a plain file of size bytes into pieces that start at records: cut[0] = 0, cut[n] =
 * size, and each other cut just after the first newline at or after an even share of the
 * file. *n is 0 when the file is gzip, small, or a share has no newline in its first 64 KiB.
 * cut has room for PANEL_PIECES_MIN + size / PANEL_PIECE + 1 entries.
 */
static void panel_cut(const char *path, off_t size, uint64_t *cut, size_t *n)
{
    *n = 0;
    if (size < PANEL_PAR_MIN) return;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    unsigned char head[2] = {0, 0};
    char buf[1 << 16];
    size_t np = (size_t)((uint64_t)size / PANEL_PIECE);
    if (np < PANEL_PIECES_MIN) np = PANEL_PIECES_MIN;
    size_t k = 1;
    cut[0] = 0;
    if (pread(fd, head, 2, 0) == 2 && !(head[0] == 0x1f && head[1] == 0x8b)) {
        for (; k < np; k++) {
            off_t at = (off_t)((uint64_t)size / np * k);
            ssize_t got = pread(fd, buf, sizeof buf, at);
            const char *nl = got > 0 ? memchr(buf, '\n', (size_t)got) : NULL;
            if (!nl) break;
            cut[k] = (uint64_t)at + (uint64_t)(nl - buf) + 1;
            if (cut[k] <= cut[k - 1] || cut[k] >= (uint64_t)size) break;
        }
    }
    close(fd);
    if (k == np) {
        cut[np] = (uint64_t)size;
        *n = np;
    }
}

/*
 * One large plain file with nthr threads: the main thread reads the first piece including
 * the header, then all take the remaining pieces in turn with the same column map, each into
 * its own panel; the panels are merged at the end, in thread order (sums do not depend on
 * it, so neither does the panel). A newline that falls inside a quoted field would make a
 * cut wrong; then the piece before it ends inside that quote and fails, and so does any bad
 * row in any piece: the caller then reads the file again with one thread, which gives the
 * exact message (a piece does not know its absolute line numbers). Returns HS_OK with
 * *done = 0 to ask for that. The pieces' ids are added to the list ids (in increasing order
 * when each piece's increase and are above the piece's before). nshown: the warnings f[0]
 * logged, and whether the summary was.
 */
static hs_status panel_file_par(hs_ctx *ctx, hs_panel *p, const char *path, const hs_geo *geo,
                                const uint64_t *cut, size_t ncut, size_t nthr, hsi_idset *ids,
                                size_t nshown[HSI_W_NWARN + 1], int *done, hs_error *err)
{
    *done = 0;
    ppieces pc = {.cut = cut, .n = ncut};
    atomic_init(&pc.next, 1);
    panel_job *job = hsi_calloc(ctx, nthr, sizeof *job);
    hsi_evfile *f = hsi_calloc(ctx, nthr, sizeof *f);
    pthread_t *th = hsi_calloc(ctx, nthr, sizeof *th);
    pc.lo = hsi_calloc(ctx, ncut, sizeof *pc.lo);
    pc.hi = hsi_calloc(ctx, ncut, sizeof *pc.hi);
    pc.any = hsi_calloc(ctx, ncut, 1);
    pc.inc = hsi_calloc(ctx, ncut, 1);
    size_t nopen = 0, started = 0;
    hs_status st =
        job && f && th && pc.lo && pc.hi && pc.any && pc.inc ? HS_OK : hsi_err_nomem(err);
    for (size_t k = 0; st == HS_OK && k < nthr; k++) {
        job[k].f = &f[k];
        job[k].pc = &pc;
        st = hsi_panel_begin(ctx, &p->o, &job[k].p, err);
        if (st == HS_OK) st = hsi_idset_new(ctx, hsi_idset_kind(ids), &job[k].ids, err);
    }
    /* the first reader takes the header and the first piece; the others start empty (no
       bytes at the second cut) and move to their pieces */
    if (st == HS_OK &&
        hsi_evfile_open_range(ctx, path, geo, NULL, 0, cut[1], &f[0], &job[0].err) == HS_OK)
        nopen = 1;
    while (nopen && nopen < nthr &&
           hsi_evfile_open_range(ctx, path, geo, &f[0].map, cut[1], 0, &f[nopen], &job[0].err) ==
               HS_OK)
        f[nopen++].silent = 1;
    for (size_t k = 0; k < nopen; k++)
        hsi_evfile_use_ids(&f[k], job[k].ids);
    if (st == HS_OK && nopen == nthr) {
        /* a thread that does not start leaves its pieces to the others */
        for (size_t k = 1; k < nthr; k++)
            if (pthread_create(&th[started], NULL, panel_worker, &job[k]) == 0) started++;
        job[0].next_report = hsi_now() + HSI_PROGRESS_SECS;
        job[0].st = panel_read(job[0].p, &f[0], &job[0].err); /* lines counted from 1 */
        if (job[0].st == HS_OK) panel_piece_ids(&job[0], 0);
        if (job[0].st == HS_OK)
            job[0].st = panel_read_pieces(&job[0]);
        else
            atomic_store(&pc.next, pc.n);
        for (size_t k = 0; k < started; k++)
            pthread_join(th[k], NULL);
        size_t bad = 0;
        while (bad < nthr && job[bad].st == HS_OK)
            bad++;
        hs_status sb = bad < nthr ? job[bad].st : HS_OK;
        for (int b = 0; b < HSI_W_NWARN; b++)
            nshown[b] = f[0].nshown[b]; /* what a second read must not log again */
        /* the threads' ids join the list; in increasing order when each piece's are and each
           piece's are above those of the pieces (and files) before it */
        uint64_t last = 0;
        int inc = 1, have = hsi_idset_last(ids, &last, &inc) == 0;
        for (size_t i = 0; sb == HS_OK && i < ncut; i++) {
            if (!pc.inc[i] || (pc.any[i] && have && pc.lo[i] <= last)) inc = 0;
            if (pc.any[i]) {
                last = pc.hi[i];
                have = 1;
            }
        }
        for (size_t k = 0; sb == HS_OK && st == HS_OK && k < nthr; k++)
            st = hsi_idset_take(ids, job[k].ids, last, inc, err);
        if (st == HS_OK && hsi_idset_restart(ids)) {
            *done = 1; /* ids not sorted: the caller reads the files again */
        } else if (st == HS_OK && (sb == HS_ERR_NOMEM || sb == HS_ERR_DOMAIN)) {
            st = hsi_err(err, sb, NULL, 0, 0, "%s", job[bad].err.msg);
        } else if (st == HS_OK && sb == HS_OK) {
            for (size_t k = 1; k < nthr; k++) {
                for (int b = 0; b < HSI_W_NWARN; b++)
                    f[0].nwarn[b] += f[k].nwarn[b];
                f[0].rows += f[k].rows;
            }
            hsi_evfile_summary(&f[0]);
            nshown[HSI_W_NWARN] = 1;
            for (size_t k = 0; st == HS_OK && k < nthr; k++) {
                st = panel_merge(p, job[k].p, err);
                hs_panel_free(job[k].p); /* what p did not take over, before p grows more */
                job[k].p = NULL;
            }
            *done = 1;
        }
    }
    for (size_t k = 0; k < nopen; k++)
        hsi_evfile_close(&f[k]);
    for (size_t k = 0; job && k < nthr; k++) {
        hs_panel_free(job[k].p);
        hsi_idset_free(job[k].ids);
    }
    hsi_free(ctx, pc.lo);
    hsi_free(ctx, pc.hi);
    hsi_free(ctx, pc.any);
    hsi_free(ctx, pc.inc);
    hsi_free(ctx, job);
    hsi_free(ctx, f);
    hsi_free(ctx, th);
    return st;
}

/* One read of the files into a new panel, their ids added to ids (sorted or a list; or a
 * table, when table: then one thread); *out NULL (and HS_OK) when a sorted set met an id that
 * did not increase. nshown[k * (HSI_W_NWARN + 1) + b]: the warnings of kind b of file
 * k logged by an earlier read (not logged again), and at b = HSI_W_NWARN whether its summary
 * was; updated. */
static hs_status panel_files(hs_ctx *ctx, const char *const *paths, size_t npaths,
                             const hs_geo *geo, const hs_panel_opts *o, hsi_idset *ids, int table,
                             size_t *nshown, hs_panel **out, hs_error *err)
{
    *out = NULL;
    hs_panel *p = NULL;
    hs_status st = hsi_panel_begin(ctx, o, &p, err);
    for (size_t k = 0; st == HS_OK && k < npaths && !hsi_idset_restart(ids); k++) {
        int done = 0;
        size_t *shown = nshown + k * (HSI_W_NWARN + 1);
        struct stat sb;
        /* a table of ids (a second read, for the lines of repeated ids) is filled by one
           thread */
        if (p->o.threads > 1 && !table && stat(paths[k], &sb) == 0 && S_ISREG(sb.st_mode) &&
            sb.st_size >= PANEL_PAR_MIN) {
            size_t ncut = 0;
            uint64_t *cut = hsi_malloc(
                ctx, (PANEL_PIECES_MIN + (uint64_t)sb.st_size / PANEL_PIECE + 1) * sizeof *cut);
            if (!cut) st = hsi_err_nomem(err);
            if (cut) panel_cut(paths[k], sb.st_size, cut, &ncut);
            size_t nthr = (size_t)p->o.threads < ncut ? (size_t)p->o.threads : ncut;
            if (nthr > PANEL_MAX_THREADS) nthr = PANEL_MAX_THREADS;
            size_t par_shown[HSI_W_NWARN + 1] = {0};
            if (ncut)
                st = panel_file_par(ctx, p, paths[k], geo, cut, ncut, nthr, ids, par_shown, &done,
                                    err);
            for (int b = 0; b <= HSI_W_NWARN; b++)
                if (par_shown[b] > shown[b]) shown[b] = par_shown[b];
            hsi_free(ctx, cut);
        }
        if (st != HS_OK) continue;
        if (done) {
            hsi_panel_source_done(p);
            continue;
        }
        hsi_evfile f;
        st = hsi_evfile_open(ctx, paths[k], geo, &f, err);
        if (st != HS_OK) break;
        hsi_evfile_use_ids(&f, ids);
        for (int b = 0; b < HSI_W_NWARN; b++)
            f.nmute[b] = shown[b];
        f.mute_summary = (int)shown[HSI_W_NWARN];
        st = panel_read(p, &f, err);
        if (st == HS_OK) hsi_panel_source_done(p);
        if (st == HS_OK && !hsi_idset_restart(ids)) {
            hsi_evfile_summary(&f);
            shown[HSI_W_NWARN] = 1;
        }
        for (int b = 0; b < HSI_W_NWARN; b++)
            if (f.nshown[b] > shown[b]) shown[b] = f.nshown[b];
        hsi_evfile_close(&f);
    }
    if (st == HS_OK && hsi_idset_restart(ids)) {
        hs_panel_free(p);
        return HS_OK;
    }
    if (st == HS_OK) st = hsi_panel_end(p, geo, err);
    if (st != HS_OK) {
        hs_panel_free(p);
        return st;
    }
    *out = p;
    return HS_OK;
}

/*
 * Event ids are checked over all the files. The first read keeps only the last id: files
 * sorted by id are done. At the first id that does not increase the files are read again,
 * listing the ids (8 bytes each), which are then sorted; only when some id is given twice are
 * the files read a third time, with a table of those ids, which counts an exact repeat once
 * or stops at a conflict, naming both lines. Warnings logged by one read are not logged again.
 */
hs_status hs_panel_from_files(hs_ctx *ctx, const char *const *paths, size_t npaths,
                              const hs_geo *geo, const hs_panel_opts *o, hs_panel **out,
                              hs_error *err)
{
    *out = NULL;
    size_t *shown = hsi_calloc(ctx, npaths * (HSI_W_NWARN + 1) + 1, sizeof *shown);
    if (!shown) return hsi_err_nomem(err);
    hsi_idset *ids = NULL, *table = NULL;
    size_t ndup = 0;
    hs_status st = hsi_idset_new(ctx, HSI_IDS_SORTED, &ids, err);
    if (st == HS_OK) st = panel_files(ctx, paths, npaths, geo, o, ids, 0, shown, out, err);
    if (st == HS_OK && !*out) { /* not sorted by id */
        hsi_idset_free(ids);
        ids = NULL;
        st = hsi_idset_new(ctx, HSI_IDS_LIST, &ids, err);
        if (st == HS_OK) st = panel_files(ctx, paths, npaths, geo, o, ids, 0, shown, out, err);
    }
    if (st == HS_OK) st = hsi_idset_dups(ids, &ndup, err);
    if (st == HS_OK && ndup) {
        hs_panel_free(*out);
        *out = NULL;
        st = hsi_idset_new(ctx, HSI_IDS_TABLE, &table, err);
        if (st == HS_OK) {
            hsi_idset_only(table, ids);
            st = panel_files(ctx, paths, npaths, geo, o, table, 1, shown, out, err);
        }
    }
    if (st != HS_OK) {
        hs_panel_free(*out);
        *out = NULL;
    }
    hsi_idset_free(table);
    hsi_idset_free(ids);
    hsi_free(ctx, shown);
    return st;
}
