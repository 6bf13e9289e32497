/* fuzz_ged.c - libFuzzer target for the GED/ACLED row reader (events/reader.c + ged.c):
 * header recognition, the streaming record splitter and every field check. */
#include <stddef.h>
#include <stdint.h>

#include "events/events_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hsi_evfile f;
    hs_error err;
    if (hsi_evfile_open_mem(NULL, (const char *)data, size, "fuzz.csv", NULL, &f, &err) != HS_OK)
        return 0;
    for (;;) {
        hsi_event ev;
        int eof = 0;
        if (hsi_evfile_next(&f, &ev, &eof, &err) != HS_OK || eof) break;
    }
    hsi_evfile_close(&f);
    return 0;
}
