/* fuzz_csv.c - libFuzzer target for the strict CSV reader. */
#include <stddef.h>
#include <stdint.h>

#include "core/csv_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hsi_csv c;
    hs_error err;
    if (hsi_csv_parse(NULL, (const char *)data, size, "fuzz.csv", &c, &err) == HS_OK)
        hsi_csv_free(&c);
    return 0;
}
