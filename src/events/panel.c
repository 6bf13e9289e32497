/*
 * panel.c - country-month and PRIO-GRID-month panels (docs/methods.md section 5.2): event counts
 * and best deaths per violence type, zero-filled over every unit seen and every month of the
 * window. This file builds a panel from events, one at a time; panel_files.c reads event files
 * into it, panel_table.c makes one from a country-month table, panel_get.c reads it and
 * panel_csv.c writes it.
 *
 * Only non-empty unit-months are held, as an array sorted by unit and month, so memory
 * follows the number of distinct unit-months with events, not the number of events or of
 * zero cells; zeros are produced when the panel is read or written. Events are packed into a
 * buffer of 8-byte entries; a full buffer is radix-sorted and merged into the sorted cells in
 * place, summing as it goes. A hash table took a cache and TLB miss per event once a grid panel's
 * cells outgrew the caches (a fifth of its time); sorting and merging touch memory in order.
 */
#include "panel_int.h"

#include <stdlib.h>
#include <string.h>

/* Entries of the add buffer: the first, and the most (4 MiB, and as much again to sort). */
#define PANEL_BUF_MIN 4096
#define PANEL_BUF_MAX ((size_t)1 << 19)
/* Deaths one buffer entry can carry (29 bits); more are split over several entries. */
#define PANEL_ENTRY_DEATHS ((1L << 29) - 1)

void hs_panel_opts_init(hs_panel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->level = HS_PANEL_COUNTRY;
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
    hsi_free_all(p->ctx, p->cells, p->buf, p->tmp, p->ustart, p->uset, p);
}

/* The unit set: open addressing, kept at most half full so that probes stay short. */
static size_t unit_slot(const punit *t, size_t cap, long unit)
{
    size_t i = (size_t)hsi_mix64((uint64_t)unit) & (cap - 1);
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
        if (!sums_fit(c, v)) return hsi_panel_overflow(err);
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
    uint64_t key = (uint64_t)hsi_panel_key(unit, m) << 32 | (uint64_t)(t - 1) << 30;
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

int hsi_panel_unit_cmp(const void *a, const void *b)
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
    qsort(p->uset, k, sizeof *p->uset, hsi_panel_unit_cmp);
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
        uint32_t first = hsi_panel_key(p->uset[i].unit, 0) & ~((1u << PANEL_MBITS) - 1);
        while (c < p->ncell && p->cells[c].key < first)
            c++;
        p->ustart[i] = c;
    }
    p->ustart[p->nunit] = p->ncell;
    return HS_OK;
}

/* Add panel src (still being built) into dst: both buffers merged into their cells, then
 * src's sorted cells into dst's, in place. When dst is still empty, src's arrays are taken over
 * instead of copied (and src is left empty), so merging costs no extra memory. */
hs_status hsi_panel_merge(hs_panel *dst, hs_panel *src, hs_error *err)
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
    if (src->ncell && src->cells) { /* cells is never NULL when it holds any: said for analysers */
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
