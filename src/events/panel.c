/*
 * panel.c - country-month and PRIO-GRID-month panels (METHODS 5.2): event counts and best
 * deaths per violence type, zero-filled over every unit seen and every month of the window.
 *
 * Only non-empty unit-months are held (an open-addressing hash keyed by unit and month), so
 * memory follows the number of distinct unit-months with events, not the number of events or
 * of zero cells; zeros are produced when the panel is read or written. Reading files is
 * streaming (reader.c), so a panel straight from CSV runs in bounded memory.
 */
#include "events_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* month_id spans -959 (January 1900) .. 12240 (December 2999): offset and width of the month
 * part of a cell key. Units (GW numbers >= 2, gids >= 1) are never 0, so key 0 marks empty. */
#define PANEL_MOFF 1024
#define PANEL_MBITS 14

typedef struct pcell {
    uint64_t key;
    long v[6]; /* events sb, ns, os; deaths sb, ns, os */
} pcell;

typedef struct punit {
    long unit; /* 0 = empty slot */
    char iso3[4];
} punit;

struct hs_panel {
    hs_ctx *ctx;
    hs_panel_opts o;
    pcell *cells;
    size_t ccap, ncell;
    punit *uset; /* hash set while building; sorted dense array after hsi_panel_end */
    size_t ucap, nunit;
    int dmin, dmax; /* month range of the events kept */
    size_t drop_win, drop_imp;
    long deaths_win, deaths_imp;
};

void hs_panel_opts_init(hs_panel_opts *o)
{
    memset(o, 0, sizeof *o);
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

static uint64_t cell_key(long unit, int month)
{
    return ((uint64_t)unit << PANEL_MBITS) | (uint64_t)(month + PANEL_MOFF);
}

hs_status hsi_panel_begin(hs_ctx *ctx, const hs_panel_opts *o, hs_panel **out, hs_error *err)
{
    *out = NULL;
    hs_panel *p = hsi_calloc(ctx, 1, sizeof *p);
    if (!p)
        return hsi_err_nomem(err);
    p->ctx = ctx;
    if (o)
        p->o = *o;
    else
        hs_panel_opts_init(&p->o);
    p->ccap = 1024;
    p->ucap = 256;
    p->cells = hsi_calloc(ctx, p->ccap, sizeof *p->cells);
    p->uset = hsi_calloc(ctx, p->ucap, sizeof *p->uset);
    p->dmin = 1 << 30;
    p->dmax = -(1 << 30);
    if (!p->cells || !p->uset) {
        hs_panel_free(p);
        return hsi_err_nomem(err);
    }
    *out = p;
    return HS_OK;
}

void hs_panel_free(hs_panel *p)
{
    if (!p)
        return;
    hsi_free(p->ctx, p->cells);
    hsi_free(p->ctx, p->uset);
    hsi_free(p->ctx, p);
}

/* Slot of key in the cell table (the empty slot where it would go if absent). */
static size_t cell_slot(const pcell *t, size_t cap, uint64_t key)
{
    size_t i = (size_t)mix(key) & (cap - 1);
    while (t[i].key && t[i].key != key)
        i = (i + 1) & (cap - 1);
    return i;
}

static size_t unit_slot(const punit *t, size_t cap, long unit)
{
    size_t i = (size_t)mix((uint64_t)unit) & (cap - 1);
    while (t[i].unit && t[i].unit != unit)
        i = (i + 1) & (cap - 1);
    return i;
}

/* Keep both tables at most half full: probes stay short. */
static int cells_grow(hs_panel *p)
{
    size_t nc = p->ccap * 2;
    pcell *t = hsi_calloc(p->ctx, nc, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < p->ccap; i++)
        if (p->cells[i].key)
            t[cell_slot(t, nc, p->cells[i].key)] = p->cells[i];
    hsi_free(p->ctx, p->cells);
    p->cells = t;
    p->ccap = nc;
    return 0;
}

static int units_grow(hs_panel *p)
{
    size_t nc = p->ucap * 2;
    punit *t = hsi_calloc(p->ctx, nc, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < p->ucap; i++)
        if (p->uset[i].unit)
            t[unit_slot(t, nc, p->uset[i].unit)] = p->uset[i];
    hsi_free(p->ctx, p->uset);
    p->uset = t;
    p->ucap = nc;
    return 0;
}

hs_status hsi_panel_add(hs_panel *p, const hsi_event *ev)
{
    if (ev->type < 1 || ev->type > 3)
        return HS_OK;
    long unit = p->o.level == HS_PANEL_GRID ? ev->gid : ev->country;
    if (unit <= 0)
        return HS_OK;
    if (p->o.level == HS_PANEL_GRID && ev->where_prec >= 6 && !p->o.keep_imprecise) {
        p->drop_imp++;
        p->deaths_imp += ev->best;
        return HS_OK;
    }
    if (2 * (p->nunit + 1) > p->ucap && units_grow(p) != 0)
        return HS_ERR_NOMEM;
    size_t us = unit_slot(p->uset, p->ucap, unit);
    if (!p->uset[us].unit) {
        p->uset[us].unit = unit;
        memcpy(p->uset[us].iso3, ev->iso3, 4);
        p->nunit++;
    }
    int m = hsi_month_id(ev->y0, ev->m0);
    if ((p->o.from && m < p->o.from) || (p->o.to && m > p->o.to)) {
        p->drop_win++;
        p->deaths_win += ev->best;
        return HS_OK;
    }
    if (m < p->dmin)
        p->dmin = m;
    if (m > p->dmax)
        p->dmax = m;
    if (2 * (p->ncell + 1) > p->ccap && cells_grow(p) != 0)
        return HS_ERR_NOMEM;
    uint64_t key = cell_key(unit, m);
    size_t cs = cell_slot(p->cells, p->ccap, key);
    pcell *c = &p->cells[cs];
    if (!c->key) {
        c->key = key;
        p->ncell++;
    }
    c->v[ev->type - 1] += 1;
    c->v[ev->type + 2] += ev->best;
    return HS_OK;
}

static int unit_cmp(const void *a, const void *b)
{
    long x = ((const punit *)a)->unit, y = ((const punit *)b)->unit;
    return (x > y) - (x < y);
}

hs_status hsi_panel_end(hs_panel *p, const hs_geo *geo, hs_error *err)
{
    /* Compact the unit set to the front and sort it: units are then addressed by index. */
    size_t k = 0;
    for (size_t i = 0; i < p->ucap; i++)
        if (p->uset[i].unit)
            p->uset[k++] = p->uset[i];
    qsort(p->uset, k, sizeof *p->uset, unit_cmp);
    p->nunit = k;
    if (geo && p->o.level == HS_PANEL_COUNTRY)
        for (size_t i = 0; i < k; i++)
            if (!p->uset[i].iso3[0])
                memcpy(p->uset[i].iso3, hsi_geo_gw_iso3(geo, p->uset[i].unit), 4);
    if (p->o.from)
        p->dmin = p->o.from;
    if (p->o.to)
        p->dmax = p->o.to;
    if (p->dmin > p->dmax) {
        if (p->o.from || p->o.to)
            return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                           "empty window: --from is after --to or the data has no events");
        p->dmin = p->dmax = 0; /* no events at all: an empty panel */
        p->nunit = 0;
    }
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

void hs_panel_get(const hs_panel *p, size_t i, int month_id, long events[3], long deaths[3])
{
    size_t s = cell_slot(p->cells, p->ccap, cell_key(p->uset[i].unit, month_id));
    const pcell *c = &p->cells[s];
    for (int t = 0; t < 3; t++) {
        events[t] = c->key ? c->v[t] : 0;
        deaths[t] = c->key ? c->v[t + 3] : 0;
    }
}

void hs_panel_dropped(const hs_panel *p, size_t *out_window, long *deaths_window,
                      size_t *imprecise, long *deaths_imprecise)
{
    if (out_window)
        *out_window = p->drop_win;
    if (deaths_window)
        *deaths_window = p->deaths_win;
    if (imprecise)
        *imprecise = p->drop_imp;
    if (deaths_imprecise)
        *deaths_imprecise = p->deaths_imp;
}

/* Append the decimal digits of v (>= -999999999999). Returns the new end. */
static char *put_long(char *o, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    if (v < 0)
        *o++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *o++ = tmp[--n];
    return o;
}

hs_status hs_panel_write_csv(const hs_panel *p, FILE *fp, hs_error *err)
{
    int grid = p->o.level == HS_PANEL_GRID;
    fputs(grid ? "month_id,year,month,gid,row,col,lat,lon,"
               : "month_id,year,month,country_id,iso3,",
          fp);
    fputs("events_sb,events_ns,events_os,deaths_sb,deaths_ns,deaths_os\n", fp);
    char line[512];
    for (size_t i = 0; i < p->nunit; i++) {
        long u = p->uset[i].unit;
        char unit[128];
        if (grid) {
            long row = (u - 1) / 720, col = (u - 1) % 720;
            /* centroid (METHODS 5.2): exact in binary, so %.2f prints it exactly */
            snprintf(unit, sizeof unit, "%ld,%ld,%ld,%.2f,%.2f", u, row, col,
                     -90.0 + 0.5 * (double)row + 0.25, -180.0 + 0.5 * (double)col + 0.25);
        } else {
            snprintf(unit, sizeof unit, "%ld,%s", u, p->uset[i].iso3);
        }
        size_t ulen = strlen(unit);
        for (int m = p->dmin; m <= p->dmax; m++) {
            long ev[3], de[3];
            hs_panel_get(p, i, m, ev, de);
            int y, mon;
            hsi_month_ym(m, &y, &mon);
            char *o = line;
            o = put_long(o, m);
            *o++ = ',';
            o = put_long(o, y);
            *o++ = ',';
            o = put_long(o, mon);
            *o++ = ',';
            memcpy(o, unit, ulen);
            o += ulen;
            for (int t = 0; t < 3; t++) {
                *o++ = ',';
                o = put_long(o, ev[t]);
            }
            for (int t = 0; t < 3; t++) {
                *o++ = ',';
                o = put_long(o, de[t]);
            }
            *o++ = '\n';
            fwrite(line, 1, (size_t)(o - line), fp);
        }
    }
    if (fflush(fp) != 0 || ferror(fp))
        return hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the panel");
    return HS_OK;
}

hs_status hs_panel_from_files(hs_ctx *ctx, const char *const *paths, size_t npaths,
                              const hs_geo *geo, const hs_panel_opts *o, hs_panel **out,
                              hs_error *err)
{
    *out = NULL;
    hs_panel *p = NULL;
    hs_status st = hsi_panel_begin(ctx, o, &p, err);
    for (size_t k = 0; st == HS_OK && k < npaths; k++) {
        hsi_evfile f;
        st = hsi_evfile_open(ctx, paths[k], geo, &f, err);
        if (st != HS_OK)
            break;
        for (;;) {
            hsi_event ev;
            int eof = 0;
            st = hsi_evfile_next(&f, &ev, &eof, err);
            if (st != HS_OK || eof)
                break;
            st = hsi_panel_add(p, &ev);
            if (st != HS_OK) {
                hsi_err_nomem(err);
                break;
            }
        }
        if (st == HS_OK)
            hsi_evfile_summary(&f);
        hsi_evfile_close(&f);
    }
    if (st == HS_OK)
        st = hsi_panel_end(p, geo, err);
    if (st != HS_OK) {
        hs_panel_free(p);
        return st;
    }
    *out = p;
    return HS_OK;
}
