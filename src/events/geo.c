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

static hs_status geo_need(const hsi_csv *c, const char *col, long *j, hs_error *err)
{
    *j = hsi_csv_find(c, col);
    if (*j < 0) return hsi_err(err, HS_ERR_SCHEMA, c->file, c->head_line, 0, "no column '%s'", col);
    return HS_OK;
}

static hs_status geo_main(hs_geo *g, const hsi_csv *c, hs_error *err)
{
    long jg, jn, j3;
    hs_status st = geo_need(c, "gwn", &jg, err);
    if (st == HS_OK) st = geo_need(c, "iso3n", &jn, err);
    if (st == HS_OK) st = geo_need(c, "iso3c", &j3, err);
    if (st != HS_OK) return st;
    for (size_t r = 0; r < c->nrow; r++) {
        const char *iso3 = hsi_csv_get(c, r, (size_t)j3);
        if (strlen(iso3) != 3) continue;
        long gw = -1, isonum = -1;
        int has_gw = code_of(hsi_csv_get(c, r, (size_t)jg), &gw) == 0;
        int has_iso = code_of(hsi_csv_get(c, r, (size_t)jn), &isonum) == 0;
        if (has_gw && !g->gw[gw][0]) memcpy(g->gw[gw], iso3, 4);
        if (has_iso && !g->iso[isonum][0]) {
            memcpy(g->iso[isonum], iso3, 4);
            g->iso_gw[isonum] = (short)(has_gw ? gw : -1);
        }
    }
    return HS_OK;
}

static hs_status geo_special(hs_geo *g, const hsi_csv *c, hs_error *err)
{
    long js, jc, j3;
    hs_status st = geo_need(c, "code_system", &js, err);
    if (st == HS_OK) st = geo_need(c, "code", &jc, err);
    if (st == HS_OK) st = geo_need(c, "iso3", &j3, err);
    if (st != HS_OK) return st;
    for (size_t r = 0; r < c->nrow; r++) {
        long gw;
        const char *iso3 = hsi_csv_get(c, r, (size_t)j3);
        if (strcmp(hsi_csv_get(c, r, (size_t)js), "gw_ucdp") != 0 || strlen(iso3) != 3 ||
            code_of(hsi_csv_get(c, r, (size_t)jc), &gw) != 0)
            continue;
        if (!g->gw[gw][0]) memcpy(g->gw[gw], iso3, 4);
    }
    return HS_OK;
}

hs_status hs_geo_load(hs_ctx *ctx, const char *dir, hs_geo **out, hs_error *err)
{
    *out = NULL;
    hs_geo *g = hsi_calloc(ctx, 1, sizeof *g);
    if (!g) return hsi_err_nomem(err);
    g->ctx = ctx;
    for (int i = 0; i < GEO_NCODE; i++)
        g->iso_gw[i] = -1;
    char path[1024];
    hsi_csv c;
    snprintf(path, sizeof path, "%s/country_code_crosswalk.csv", dir);
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st == HS_OK) {
        st = geo_main(g, &c, err);
        hsi_csv_free(&c);
    }
    if (st == HS_OK) {
        snprintf(path, sizeof path, "%s/gw_cow_special_codes_to_iso3.csv", dir);
        st = hsi_csv_read(ctx, path, &c, err);
        if (st == HS_OK) {
            st = geo_special(g, &c, err);
            hsi_csv_free(&c);
        }
    }
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
