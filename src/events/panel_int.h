/*
 * panel_int.h - the panel's representation, shared by the files that build it from events
 * (panel.c), from event files with threads (panel_files.c) and from a country-month table
 * (panel_table.c), read it (panel_get.c) and write it (panel_csv.c). Never installed.
 */
#ifndef HS_PANEL_INT_H
#define HS_PANEL_INT_H

#include "events_int.h"

#include <stdint.h>

/* month_id spans -959 (January 1900) .. 12240 (December 2999): offset and width of the month
 * part of a cell key. Units (GW numbers >= 2, gids >= 1) are never 0, so unit 0 marks an empty
 * slot of the unit set. */
#define PANEL_MOFF  1024
#define PANEL_MBITS 14
/* Threads a panel uses at most, to read and to write. */
#define PANEL_MAX_THREADS 64

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

/* The key of unit's cell of month: unit in the high bits, so keys sort by unit, then month. */
static inline uint32_t hsi_panel_key(long unit, int month)
{
    return ((uint32_t)unit << PANEL_MBITS) | (uint32_t)(month + PANEL_MOFF);
}

/* HS_ERR_DOMAIN: a count that 32 bits cannot hold (inline, so static analysis sees that it
 * never returns HS_OK). */
static inline hs_status hsi_panel_overflow(hs_error *err)
{
    hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
            "more than 2147483647 events or deaths in one unit and month");
    return HS_ERR_DOMAIN;
}

/* qsort order of units by number. */
HS_INTERNAL int hsi_panel_unit_cmp(const void *a, const void *b);
/* Add panel src (still being built) into dst (panel.c); src is left to be freed. */
HS_INTERNAL hs_status hsi_panel_merge(hs_panel *dst, hs_panel *src, hs_error *err);

#endif
