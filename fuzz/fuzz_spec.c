/* fuzz_spec.c - libFuzzer target for the sensitivity SPEC file reader (src/mc/spec.c). */
#include <stddef.h>
#include <stdint.h>

#include "mc/mc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hsi_spec s;
    hs_error err;
    if (hsi_spec_parse(NULL, (const char *)data, size, "fuzz.spec", &s, &err) == HS_OK)
        hsi_spec_free(NULL, &s);
    return 0;
}
