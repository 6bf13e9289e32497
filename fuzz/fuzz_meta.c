/* fuzz_meta.c - libFuzzer target for the structure (iMeta) reader, from memory: CSV syntax,
 * the column checks, types, levels, weights, denominators, parents, cycles and the order of
 * the aggregates (src/index/meta.c). */
#include <stddef.h>
#include <stdint.h>

#include "index/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (!ctx) return 0;
    hsi_meta m;
    hs_error err;
    if (hsi_meta_parse(ctx, (const char *)data, size, "fuzz.csv", &m, &err) == HS_OK) {
        /* the lookups the later stages make */
        for (size_t i = 0; i < m.n; i++)
            (void)hsi_meta_find(&m, m.node[i].code);
        hsi_meta_free(ctx, &m);
    }
    hs_ctx_free(ctx);
    return 0;
}
