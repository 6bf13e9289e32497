/*
 * xwalk.c - country codes of the Human Security Index sources to ISO 3166 alpha-3:
 * Gleditsch-Ward (UCDP, V-Dem), Correlates of War (Fariss HRPS, PTS fallback) and ISO numeric
 * (PTS), from the shipped crosswalks (data/PROVENANCE.md, "geo"): country_code_crosswalk.csv
 * (`gwn`, `cown`, `iso3n` -> `iso3c`) first, then gw_cow_special_codes_to_iso3.csv for the
 * codes it leaves out (microstates, UCDP's 345/678/816, historical states). All three code
 * systems are below 1000, so arrays indexed by code replace any hashing. Reading the sources
 * and what to do with an unmapped code are left to assemble.c.
 */
#include "hsi_int.h"

#include <stdio.h>
#include <string.h>

#include "core/csv_int.h"

static int xwalk_code(const char *s, long *out)
{
    return hsi_parse_long(s, out) == 0 && *out >= 0 && *out < HSI_XW_NCODE ? 0 : -1;
}

/* An ISO3 cell: three upper-case letters, else not a code ("NA", empty). */
static int xwalk_iso3(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

static hs_status xwalk_col(const hsi_csv *c, const char *name, long *j, hs_error *err)
{
    *j = hsi_csv_find(c, name);
    if (*j < 0)
        return hsi_err(err, HS_ERR_SCHEMA, c->file, c->head_line, 0,
                       "no column '%s' (expected the crosswalk of data/PROVENANCE.md)", name);
    return HS_OK;
}

static void xwalk_set(char tab[][4], long code, const char *iso)
{
    if (!tab[code][0]) memcpy(tab[code], iso, 4);
}

static hs_status xwalk_main(hsi_xwalk *x, const hsi_csv *c, hs_error *err)
{
    long jiso, jgw, jcow, jnum;
    hs_status st;
    if ((st = xwalk_col(c, "iso3c", &jiso, err)) || (st = xwalk_col(c, "gwn", &jgw, err)) ||
        (st = xwalk_col(c, "cown", &jcow, err)) || (st = xwalk_col(c, "iso3n", &jnum, err)))
        return st;
    for (size_t r = 0; r < c->nrow; r++) {
        const char *iso = hsi_csv_get(c, r, (size_t)jiso);
        if (!xwalk_iso3(iso)) continue;
        long k;
        if (!xwalk_code(hsi_csv_get(c, r, (size_t)jgw), &k)) xwalk_set(x->gw, k, iso);
        if (!xwalk_code(hsi_csv_get(c, r, (size_t)jcow), &k)) xwalk_set(x->cow, k, iso);
        if (!xwalk_code(hsi_csv_get(c, r, (size_t)jnum), &k)) xwalk_set(x->num, k, iso);
    }
    return HS_OK;
}

/* Special codes fill only what the main crosswalk left empty. */
static hs_status xwalk_special(hsi_xwalk *x, const hsi_csv *c, hs_error *err)
{
    long jsys, jcode, jiso;
    hs_status st;
    if ((st = xwalk_col(c, "code_system", &jsys, err)) ||
        (st = xwalk_col(c, "code", &jcode, err)) || (st = xwalk_col(c, "iso3", &jiso, err)))
        return st;
    for (size_t r = 0; r < c->nrow; r++) {
        const char *sys = hsi_csv_get(c, r, (size_t)jsys);
        const char *iso = hsi_csv_get(c, r, (size_t)jiso);
        long k;
        if (!xwalk_iso3(iso) || xwalk_code(hsi_csv_get(c, r, (size_t)jcode), &k))
            return hsi_err(err, HS_ERR_PARSE, c->file, c->line[r], 0,
                           "bad special code row (expected a code below %d and an ISO3 code)",
                           HSI_XW_NCODE);
        if (!strcmp(sys, "gw_ucdp"))
            xwalk_set(x->gw, k, iso);
        else if (!strcmp(sys, "cow"))
            xwalk_set(x->cow, k, iso);
    }
    return HS_OK;
}

hs_status hsi_xwalk_load(hs_ctx *ctx, const char *geo_dir, hsi_xwalk *x, hs_error *err)
{
    memset(x, 0, sizeof *x);
    char path[4096];
    hsi_csv c;
    snprintf(path, sizeof path, "%s/country_code_crosswalk.csv", geo_dir);
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st) return st;
    st = xwalk_main(x, &c, err);
    hsi_csv_free(&c);
    if (st) return st;
    snprintf(path, sizeof path, "%s/gw_cow_special_codes_to_iso3.csv", geo_dir);
    if ((st = hsi_csv_read(ctx, path, &c, err))) return st;
    st = xwalk_special(x, &c, err);
    hsi_csv_free(&c);
    return st;
}

const char *hsi_xwalk_iso3(const hsi_xwalk *x, hsi_code_sys sys, const char *code)
{
    long k;
    if (sys == HSI_CODE_ISO3) return xwalk_iso3(code) ? code : NULL;
    if (xwalk_code(code, &k)) return NULL;
    const char *iso = sys == HSI_CODE_GW ? x->gw[k] : sys == HSI_CODE_COW ? x->cow[k] : x->num[k];
    return iso[0] ? iso : NULL;
}
