/* fuzz_xlsx.c - libFuzzer target for the .xlsx sheet reader (src/core/xlsx_read.c).
 *
 * An input that starts like a zip ("PK") is a whole workbook: the container, the workbook
 * and relationship parts, shared strings and sheets, read as sheet iData. Any other input is
 * XML for the parts a mutation can hardly reach inside a compressed archive: the bytes up to
 * the first NUL are the sheet and the rest the shared strings, stored (uncompressed) in a
 * minimal workbook built here with libzip, so the cell, row and string handling is fuzzed
 * directly. A sheet that reads is walked whole, and a message is placed on one of its cells. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/xlsx_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char wb_xml[] =
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"iData\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels_xml[] =
    "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\" Type=\"w\"/>"
    "<Relationship Id=\"rId2\" Target=\"sharedStrings.xml\" Type=\"x/sharedStrings\"/>"
    "</Relationships>";

/* A stored-entry workbook of the two parts; its bytes in *out (free with free()). */
static size_t wrap(const uint8_t *data, size_t size, void **out)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t nsheet = nul ? (size_t)(nul - data) : size;
    const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                           "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"};
    const void *parts[] = {wb_xml, rels_xml, data, nul ? nul + 1 : (const void *)""};
    size_t lens[] = {sizeof wb_xml - 1, sizeof rels_xml - 1, nsheet, nul ? size - nsheet - 1 : 0};
    size_t got = 0;
    *out = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!src) return 0;
    zip_source_keep(src); /* read back after zip_close */
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    if (!z) goto done;
    for (size_t i = 0; i < (nul ? 4u : 3u); i++) { /* no NUL: no shared strings part */
        zip_source_t *s = zip_source_buffer(z, parts[i], lens[i], 0);
        zip_int64_t idx = s ? zip_file_add(z, names[i], s, 0) : -1;
        if (idx < 0) {
            zip_source_free(s);
            zip_discard(z);
            goto done;
        }
        (void)zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        goto done;
    }
    zip_stat_t st;
    if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0) goto done;
    *out = malloc(st.size ? st.size : 1);
    if (*out) {
        zip_int64_t n = zip_source_read(src, *out, st.size);
        got = n > 0 ? (size_t)n : 0;
    }
    (void)zip_source_close(src);
done:
    zip_source_free(src);
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (!ctx) return 0;
    void *book = NULL;
    size_t len = size;
    const void *bytes = data;
    if (!(size >= 2 && data[0] == 'P' && data[1] == 'K')) {
        len = wrap(data, size, &book);
        bytes = book;
    }
    hsi_csv c;
    hs_error err;
    if (bytes && hsi_xlsx_sheet_parse(ctx, bytes, len, "fuzz.xlsx", "iData", &c, &err) == HS_OK) {
        char label[sizeof err.file];
        snprintf(label, sizeof label, "%s", c.file);
        size_t total = 0;
        for (size_t j = 0; j < c.ncol; j++)
            total += strlen(c.head[j]);
        for (size_t k = 0; k < c.nrow * c.ncol; k++)
            total += strlen(c.cell[k]) + (size_t)c.col[k];
        (void)total;
        hsi_csv_free(&c);
        (void)hsi_err(&err, HS_ERR_PARSE, label, 3, 2, "x");
        hsi_xlsx_err_cell(&err, label);
    }
    free(book);
    hs_ctx_free(ctx);
    return 0;
}
