/*
 * geo.c - country codes: Gleditsch-Ward (UCDP) and numeric ISO 3166 (ACLED) to ISO3, from
 * the shipped crosswalks (data/PROVENANCE.md): country_code_crosswalk.csv (`gwn`, `iso3n` ->
 * `iso3c`), then gw_cow_special_codes_to_iso3.csv for the GW codes it leaves out (microstates,
 * UCDP's 345/678/816, historical states). Both kinds of code are below 1000, so plain arrays
 * indexed by code replace any hashing.
 */
#include "events_int.h"

#include <stdio.h>
#include <string.h>

#include "core/csv_int.h"

#define GEO_NCODE 1000

struct hs_geo {
    hs_ctx *ctx;
    char gw[GEO_NCODE][4];
    char iso[GEO_NCODE][4];
    short iso_gw[GEO_NCODE]; /* numeric ISO -> GW, -1 none */
};

static const char geo_none[4] = "";

static int code_of(const char *s, long *out)
{
    return hsi_parse_long(s, out) == 0 && *out >= 0 && *out < GEO_NCODE ? 0 : -1;
}

/* A row of country_code_crosswalk.csv: gwn, iso3n, iso3c. */
static void geo_main_row(hs_geo *g, const char *const v[3])
{
    const char *iso3 = v[2];
    if (strlen(iso3) != 3) return;
    long gw = -1, isonum = -1;
    int has_gw = code_of(v[0], &gw) == 0;
    int has_iso = code_of(v[1], &isonum) == 0;
    if (has_gw && !g->gw[gw][0]) memcpy(g->gw[gw], iso3, 4);
    if (has_iso && !g->iso[isonum][0]) {
        memcpy(g->iso[isonum], iso3, 4);
        g->iso_gw[isonum] = (short)(has_gw ? gw : -1);
    }
}

/* A row of gw_cow_special_codes_to_iso3.csv: code_system, code, iso3; only UCDP's GW codes
 * fill gaps. */
static void geo_special_row(hs_geo *g, const char *const v[3])
{
    long gw;
    const char *iso3 = v[2];
    if (strcmp(v[0], "gw_ucdp") != 0 || strlen(iso3) != 3 || code_of(v[1], &gw) != 0) return;
    if (!g->gw[gw][0]) memcpy(g->gw[gw], iso3, 4);
}

/* A crosswalk file, the three columns it is read by and what a row of them does. */
typedef struct geo_file {
    const char *name;
    const char *col[3];
    void (*row)(hs_geo *g, const char *const v[3]);
} geo_file;

static const geo_file geo_files[] = {
    {"country_code_crosswalk.csv", {"gwn", "iso3n", "iso3c"}, geo_main_row},
    {"gw_cow_special_codes_to_iso3.csv", {"code_system", "code", "iso3"}, geo_special_row},
};

static hs_status geo_read(hs_geo *g, const char *dir, const geo_file *f, hs_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, f->name);
    hsi_csv c;
    hs_status st = hsi_csv_read(g->ctx, path, &c, err);
    if (st != HS_OK) return st;
    size_t j[3] = {0};
    for (size_t k = 0; k < 3 && st == HS_OK; k++) {
        long at = hsi_csv_find(&c, f->col[k]);
        if (at < 0)
            st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 0, "no column '%s'", f->col[k]);
        else
            j[k] = (size_t)at;
    }
    for (size_t r = 0; st == HS_OK && r < c.nrow; r++) {
        const char *v[3] = {hsi_csv_get(&c, r, j[0]), hsi_csv_get(&c, r, j[1]),
                            hsi_csv_get(&c, r, j[2])};
        f->row(g, v);
    }
    hsi_csv_free(&c);
    return st;
}

hs_status hs_geo_load(hs_ctx *ctx, const char *dir, hs_geo **out, hs_error *err)
{
    *out = NULL;
    hs_geo *g = hsi_calloc(ctx, 1, sizeof *g);
    if (!g) return hsi_err_nomem(err);
    g->ctx = ctx;
    for (int i = 0; i < GEO_NCODE; i++)
        g->iso_gw[i] = -1;
    hs_status st = HS_OK;
    for (size_t i = 0; st == HS_OK && i < sizeof geo_files / sizeof geo_files[0]; i++)
        st = geo_read(g, dir, &geo_files[i], err);
    if (st != HS_OK) {
        hs_geo_free(g);
        return st;
    }
    *out = g;
    return HS_OK;
}

void hs_geo_free(hs_geo *g)
{
    if (g) hsi_free(g->ctx, g);
}

const char *hsi_geo_gw_iso3(const hs_geo *g, long gw)
{
    return g && gw >= 0 && gw < GEO_NCODE ? g->gw[gw] : geo_none;
}

const char *hsi_geo_isonum_iso3(const hs_geo *g, long isonum)
{
    return g && isonum >= 0 && isonum < GEO_NCODE ? g->iso[isonum] : geo_none;
}

long hsi_geo_isonum_gw(const hs_geo *g, long isonum)
{
    return g && isonum >= 0 && isonum < GEO_NCODE ? g->iso_gw[isonum] : -1;
}

const char *hs_geo_iso3(const hs_geo *g, long gw)
{
    const char *c = g ? hsi_geo_gw_iso3(g, gw) : NULL;
    return c && *c ? c : NULL;
}
