/*
 * html.c - hs_report_html: one self-contained HTML page from a build folder. The page is a
 * fixed skeleton around four inlined parts: the front end's stylesheet and script (bundled
 * by report/'s npm build, compiled in by report/embed.cmake), the world map and country-code
 * tables (data/geo/, compiled in the same way) and the report's data (html_data.c). It
 * needs no network and no file beside it. Written to a temporary name and renamed, so a
 * failed run leaves an earlier report as it was.
 */
#include "html_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void hsi_html_raw(hsi_buf *b, const char *s, size_t len)
{
    size_t from = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '<') continue;
        const char *rest = s + i + 1;
        size_t left = len - i - 1;
        const char *esc = NULL;
        if ((left >= 7 && !strncasecmp(rest, "/script", 7)) ||
            (left >= 6 && !strncasecmp(rest, "/style", 6)))
            esc = "<\\/";
        else if (left >= 3 && !strncmp(rest, "!--", 3))
            esc = "<\\!";
        if (!esc) continue;
        hsi_buf_add(b, s + from, i - from);
        hsi_buf_puts(b, esc);
        from = i + 2; /* skip "<" and the "/" or "!" just re-emitted */
    }
    hsi_buf_add(b, s + from, len - from);
}

void hsi_html_json_str(hsi_buf *b, const char *s)
{
    hsi_buf_json_str_html(b, s);
}

/* Text for the <title> element: &, < and > escaped. */
static void html_text(hsi_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            hsi_buf_puts(b, "&amp;");
        else if (*s == '<')
            hsi_buf_puts(b, "&lt;");
        else if (*s == '>')
            hsi_buf_puts(b, "&gt;");
        else
            hsi_buf_add(b, s, 1);
    }
}

static void json_block(hsi_buf *b, const char *id, const unsigned char *s, size_t len)
{
    hsi_buf_printf(b, "<script type=\"application/json\" id=\"%s\">", id);
    hsi_html_raw(b, (const char *)s, len);
    hsi_buf_puts(b, "</script>\n");
}

void hs_report_opts_init(hs_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

hs_status hs_report_html(hs_ctx *ctx, const char *build_dir, const hs_report_opts *opts,
                         const char *out_path, hs_report_info *info, hs_error *err)
{
    if (opts && !HSI_OPTS_OK(opts)) return hsi_err_opts(err, "hs_report_opts");
    hsi_buf data, page;
    hsi_buf_init(&data, ctx);
    hsi_buf_init(&page, ctx);
    char *title = NULL;
    size_t nscored = 0;
    /* a path that cannot be written is found before the work (it is checked again, with
       the inputs, when the page is written) */
    hs_status st = hsi_out_file_check(out_path, NULL, 0, err);
    if (st != HS_OK) goto done;
    st = hsi_html_collect(ctx, build_dir, opts, &data, &title, &nscored, err);
    if (st != HS_OK) goto done;
    hsi_buf_puts(&page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<meta name=\"generator\" content=\"humsec " HS_VERSION "\">\n<title>");
    html_text(&page, title);
    hsi_buf_puts(&page, "</title>\n<style>\n");
    hsi_html_raw(&page, (const char *)hsi_asset_report_css, hsi_asset_report_css_len);
    hsi_buf_puts(&page, "</style>\n</head>\n<body>\n<div id=\"app\"></div>\n"
                        "<noscript>This report needs JavaScript to draw its map and "
                        "tables.</noscript>\n");
    json_block(&page, "hs-data", (const unsigned char *)data.s, data.len);
    json_block(&page, "hs-codes", hsi_asset_iso_codes, hsi_asset_iso_codes_len);
    json_block(&page, "hs-names", hsi_asset_iso_names, hsi_asset_iso_names_len);
    json_block(&page, "hs-topo", hsi_asset_topo, hsi_asset_topo_len);
    hsi_buf_puts(&page, "<script>\n");
    hsi_html_raw(&page, (const char *)hsi_asset_report_js, hsi_asset_report_js_len);
    hsi_buf_puts(&page, "</script>\n</body>\n</html>\n");
    if (page.oom || data.oom) {
        st = hsi_err_nomem(err);
        goto done;
    }
    {
        /* the files the page is made from: the report never replaces one of them */
        char *sum = NULL, *agg = NULL;
        hsi_buf p1, p2;
        hsi_buf_init(&p1, ctx);
        hsi_buf_init(&p2, ctx);
        hsi_buf_printf(&p1, "%s/summary.json", build_dir);
        hsi_buf_printf(&p2, "%s/Aggregated.csv", build_dir);
        sum = p1.oom ? NULL : p1.s;
        agg = p2.oom ? NULL : p2.s;
        const char *in[] = {sum, agg, opts ? opts->structure : NULL, opts ? opts->intervals : NULL,
                            opts ? opts->forecasts : NULL};
        st = hsi_out_file_write(ctx, out_path, in, 5, page.s, page.len, err);
        hsi_buf_free(&p1);
        hsi_buf_free(&p2);
    }
    if (st != HS_OK) goto done;
    if (info) {
        info->units_scored = nscored;
        info->bytes = page.len;
    }
done:
    hsi_free(ctx, title);
    hsi_buf_free(&data);
    hsi_buf_free(&page);
    return st;
}
