/* fuzz_ged.c - libFuzzer target for the GED/ACLED row reader (events/reader.c + ged.c):
 * header recognition, the streaming record splitter and every field check; then the same
 * bytes split by the block scanner and by the byte scanner, which must agree on every record,
 * field, line, column and error (abort() otherwise, which libFuzzer reports). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/events_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare_scanners(const char *text, size_t size)
{
    hsi_rdr *a = NULL, *b = NULL;
    hs_error ea, eb;
    if (hsi_rdr_open_mem(NULL, text, size, "fuzz.csv", &a, &ea) != HS_OK ||
        hsi_rdr_open_mem(NULL, text, size, "fuzz.csv", &b, &eb) != HS_OK ||
        hsi_rdr_set_scanner(b, HSI_SCAN_BYTES) != 0) {
        hsi_rdr_close(a);
        hsi_rdr_close(b);
        return;
    }
    for (;;) {
        hsi_rec ra, rb;
        int fa = 0, fb = 0;
        hs_status sa = hsi_rdr_next(a, &ra, &fa, &ea), sb = hsi_rdr_next(b, &rb, &fb, &eb);
        if (sa != sb) abort();
        if (sa != HS_OK) {
            if (strcmp(ea.msg, eb.msg) != 0 || ea.line != eb.line || ea.col != eb.col) abort();
            break;
        }
        if (fa != fb) abort();
        if (fa) break;
        if (ra.nf != rb.nf || ra.line != rb.line) abort();
        for (size_t k = 0; k < ra.nf; k++)
            if (strcmp(ra.f[k], rb.f[k]) != 0 || ra.col[k] != rb.col[k]) abort();
    }
    hsi_rdr_close(a);
    hsi_rdr_close(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hsi_evfile f;
    hs_error err;
    if (hsi_evfile_open_mem(NULL, (const char *)data, size, "fuzz.csv", NULL, &f, &err) == HS_OK) {
        for (;;) {
            hsi_event ev;
            int eof = 0;
            if (hsi_evfile_next(&f, &ev, &eof, &err) != HS_OK || eof) break;
        }
        hsi_evfile_close(&f);
    }
    compare_scanners((const char *)data, size);
    return 0;
}
