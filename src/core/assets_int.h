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

/* Each asset is NUL-terminated; _len excludes the NUL. */
extern const unsigned char hsi_asset_report_js[];
extern const size_t hsi_asset_report_js_len;
extern const unsigned char hsi_asset_report_css[];
extern const size_t hsi_asset_report_css_len;
extern const unsigned char hsi_asset_dash_html[];
extern const size_t hsi_asset_dash_html_len;
extern const unsigned char hsi_asset_dash_js[];
extern const size_t hsi_asset_dash_js_len;
extern const unsigned char hsi_asset_dash_css[];
extern const size_t hsi_asset_dash_css_len;
extern const unsigned char hsi_asset_topo[];
extern const size_t hsi_asset_topo_len;
extern const unsigned char hsi_asset_iso_codes[];
extern const size_t hsi_asset_iso_codes_len;
extern const unsigned char hsi_asset_iso_names[];
extern const size_t hsi_asset_iso_names_len;

#endif
