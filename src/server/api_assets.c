/*
 * api_assets.c - the dashboard's static files, served by the API at "/" and "/assets/...":
 * compiled into the library (report/html_int.h and the generated dashboard sources), each
 * with its type, its caching and an ETag made once.
 */
#include "api_int.h"

#include <string.h>

#include "report/html_int.h"

extern const unsigned char hsi_asset_dash_html[];
extern const size_t hsi_asset_dash_html_len;
extern const unsigned char hsi_asset_dash_js[];
extern const size_t hsi_asset_dash_js_len;
extern const unsigned char hsi_asset_dash_css[];
extern const size_t hsi_asset_dash_css_len;

static void asset_init(hsi_api_asset *as, const char *type, const char *cache,
                       const unsigned char *data, const size_t *len)
{
    as->type = type;
    as->cache = cache;
    as->data = data;
    as->len = len;
    hsi_api_etag(as->etag, 0, (const char *)data, *len);
}

void hsi_api_assets_init(hsi_api_asset as[HSI_NASSETS])
{
    asset_init(&as[HSI_ASSET_HTML], "text/html; charset=utf-8", "no-cache", hsi_asset_dash_html,
               &hsi_asset_dash_html_len);
    asset_init(&as[HSI_ASSET_JS], "text/javascript; charset=utf-8", "public, max-age=300",
               hsi_asset_dash_js, &hsi_asset_dash_js_len);
    asset_init(&as[HSI_ASSET_CSS], "text/css; charset=utf-8", "public, max-age=300",
               hsi_asset_dash_css, &hsi_asset_dash_css_len);
    asset_init(&as[HSI_ASSET_TOPO], HSI_API_JSON, "public, max-age=86400", hsi_asset_topo,
               &hsi_asset_topo_len);
    asset_init(&as[HSI_ASSET_ISO_CODES], HSI_API_JSON, "public, max-age=86400", hsi_asset_iso_codes,
               &hsi_asset_iso_codes_len);
    asset_init(&as[HSI_ASSET_ISO_NAMES], HSI_API_JSON, "public, max-age=86400", hsi_asset_iso_names,
               &hsi_asset_iso_names_len);
}

void hsi_api_get_asset(hs_api *a, const hsi_api_call *c, hs_http_response *r)
{
    const hsi_api_asset *as = &a->assets[c->arg];
    r->status = 200;
    r->content_type = as->type;
    r->cache_control = as->cache;
    r->body = (const char *)as->data;
    r->body_len = *as->len;
    memcpy(r->etag, as->etag, sizeof r->etag);
}
