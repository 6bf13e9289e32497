/*
 * hsi_int.h - the Human Security Index data assembly (`humsec hsi-data`): country-code
 * crosswalks shared by the source readers. Never installed.
 */
#ifndef HS_HSI_INT_H
#define HS_HSI_INT_H

#include "core/core_int.h"

/* GW, COW and ISO numeric codes are all below this. */
#define HSI_XW_NCODE 1000

typedef enum hsi_code_sys {
    HSI_CODE_ISO3 = 0, /* already ISO3: checked for shape only */
    HSI_CODE_GW,       /* Gleditsch-Ward (UCDP, V-Dem) */
    HSI_CODE_COW,      /* Correlates of War (Fariss HRPS, PTS) */
    HSI_CODE_ISONUM    /* ISO 3166-1 numeric (PTS) */
} hsi_code_sys;

/* code -> ISO3 ("" = unmapped), one table per code system. */
typedef struct hsi_xwalk {
    char gw[HSI_XW_NCODE][4];
    char cow[HSI_XW_NCODE][4];
    char num[HSI_XW_NCODE][4];
} hsi_xwalk;

/** Read country_code_crosswalk.csv and gw_cow_special_codes_to_iso3.csv from geo_dir. */
HS_INTERNAL hs_status hsi_xwalk_load(hs_ctx *ctx, const char *geo_dir, hsi_xwalk *x, hs_error *err);

/** ISO3 of `code` in system `sys`, or NULL when unmapped. The result points into x (or is
 *  `code` itself for HSI_CODE_ISO3). */
HS_INTERNAL const char *hsi_xwalk_iso3(const hsi_xwalk *x, hsi_code_sys sys, const char *code);

#endif
