/*
 * html.c - hs_report_html: one self-contained HTML page from a build folder. The page is a
 * fixed skeleton around four inlined parts: the front end's stylesheet and script (bundled
 * by report/'s npm build, compiled in by report/embed.cmake), the world map and country-code
 * tables (data/geo/, compiled in the same way) and the report's data (html_data.c). It
 * needs no network and no file beside it. Written to a temporary name and renamed, so a
 * failed run leaves an earlier report as it was.
 */
#include "html_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
    hsi_buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            hsi_buf_add(b, e, 2);
        } else if (*p == '\n') {
            hsi_buf_puts(b, "\\n");
        } else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
            hsi_buf_printf(b, "\\u%04x", *p);
        } else {
            hsi_buf_add(b, (const char *)p, 1);
        }
    }
    hsi_buf_add(b, "\"", 1);
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

static hs_status write_atomic(hs_ctx *ctx, const char *path, const hsi_buf *b, hs_error *err)
{
    hsi_buf tmp;
    hsi_buf_init(&tmp, ctx);
    hsi_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
    if (tmp.oom) {
        hsi_buf_free(&tmp);
        return hsi_err_nomem(err);
    }
    hs_status st = HS_OK;
    FILE *fp = fopen(tmp.s, "wb");
    if (!fp) {
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        goto done;
    }
    int bad = fwrite(b->s, 1, b->len, fp) != b->len;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp.s, path) != 0) {
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "write failed: %s", strerror(errno));
        (void)remove(tmp.s); /* best effort; the first error is reported */
    }
done:
    hsi_buf_free(&tmp);
    return st;
}

hs_status hs_report_html(hs_ctx *ctx, const char *build_dir, const hs_report_opts *opts,
                         const char *out_path, hs_report_info *info, hs_error *err)
{
    hsi_buf data, page;
    hsi_buf_init(&data, ctx);
    hsi_buf_init(&page, ctx);
    char *title = NULL;
    size_t nscored = 0;
    hs_status st = hsi_html_collect(ctx, build_dir, opts, &data, &title, &nscored, err);
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
    if ((st = write_atomic(ctx, out_path, &page, err)) != HS_OK) goto done;
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
