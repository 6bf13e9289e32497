/*
 * assets_int.h - the front ends' files compiled into the library (web/embed.cmake writes
 * them as byte arrays from web/dist/ and the shipped map and country-code tables): the
 * report's page script and stylesheet, the dashboard the server sends, and the tables both
 * use. Data only, so it sits at the bottom where the report writer and the server can both
 * stand on it. Never installed.
 */
#ifndef HS_ASSETS_INT_H
#define HS_ASSETS_INT_H

#include <stddef.h>

/* An embedded asset: hsi_asset_NAME, NUL-terminated, and hsi_asset_NAME_len, which
 * excludes the NUL. */
#define HSI_ASSET(name)                                                                            \
    extern const unsigned char hsi_asset_##name[];                                                 \
    extern const size_t hsi_asset_##name##_len

HSI_ASSET(report_js);
HSI_ASSET(report_css);
HSI_ASSET(dash_html);
HSI_ASSET(dash_js);
HSI_ASSET(dash_css);
HSI_ASSET(topo);
HSI_ASSET(iso_codes);
HSI_ASSET(iso_names);

#endif
