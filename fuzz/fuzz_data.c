/*
 * fuzz_data.c - libFuzzer target for the indicator table reader (src/index/data.c) in every
 * shape: wide iData (uCode, optional uName/Time, group, denominator and indicator columns),
 * long (uCode, Time, iCode, Value) and wide-year (CODE_YYYY columns).
 *
 * Input: one option byte, then either the data CSV alone (read against a built-in structure
 * with indicators a, b, c, le, a group grp and a denominator den) or a structure CSV, a line
 * "----" and the data CSV. Option byte bits: 0-1 shape (auto, wide, long, wide-year), 2 a
 * fixed time (time = 2020), 3 exclude = Z*, 4 missing markers "NA", ".." and "-", 5 keep only
 * 2019 to 2021. Seeds use printable option bytes ('@' = auto, 'A' wide, 'B' long, 'C' wide-year).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_structure[] = "Level,iCode,iName,Direction,Weight,Parent,Type,Denominator\n"
                                     "1,a,A,1,1,P1,Indicator,den\n"
                                     "1,b,B,-1,1,P1,Indicator,\n"
                                     "1,c,C,1,1,P2,Indicator,\n"
                                     "1,le,Life,1,1,P2,Indicator,\n"
                                     "2,P1,Pillar 1,1,1,Top,Aggregate,\n"
                                     "2,P2,Pillar 2,1,1,Top,Aggregate,\n"
                                     "3,Top,Index,1,1,,Aggregate,\n"
                                     ",grp,Group,,,,Group,\n"
                                     ",den,Denominator,,,,Denominator,\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned opt = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *meta_text = fuzz_structure, *data_text = p;
    size_t meta_len = sizeof fuzz_structure - 1, data_len = (size_t)(end - p);
    for (const char *q = p; q + 6 <= end; q++)
        if (memcmp(q, "\n----\n", 6) == 0) {
            meta_text = p;
            meta_len = (size_t)(q - p);
            data_text = q + 6;
            data_len = (size_t)(end - data_text);
            break;
        }

    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (!ctx) return 0;
    hs_error err;
    hsi_meta m;
    if (hsi_meta_parse(ctx, meta_text, meta_len, "fuzz_structure.csv", &m, &err) != HS_OK) {
        hs_ctx_free(ctx);
        return 0;
    }
    /* the options hold non-const strings (the pipeline reader owns copies) */
    char file[] = "fuzz_data.csv", ucol[] = "uCode", ncol[] = "uName", tcol[] = "Time",
         ccol[] = "iCode", vcol[] = "Value", na0[] = "NA", na1[] = "..", na2[] = "-", ex0[] = "Z*";
    char *na[3] = {na0, na1, na2};
    char *exclude[1] = {ex0};
    hsi_data_opts o;
    memset(&o, 0, sizeof o);
    o.file = file;
    o.shape = (hsi_shape)(opt & 3);
    o.unit_col = ucol;
    o.name_col = ncol;
    o.time_col = tcol;
    o.code_col = ccol;
    o.value_col = vcol;
    o.fixed_time = (opt & 4) ? 2020 : HSI_NO_TIME;
    if (opt & 8) {
        o.nexclude = 1;
        o.exclude = exclude;
    }
    if (opt & 16) {
        o.nna = 3;
        o.na = na;
    }
    o.time_from = (opt & 32) ? 2019 : HSI_NO_TIME;
    o.time_to = (opt & 32) ? 2021 : HSI_NO_TIME;
    o.line = 1;
    hsi_units u;
    hsi_dset raw;
    if (hsi_data_parse(ctx, &o, &m, data_text, data_len, &u, &raw, &err) == HS_OK) {
        hsi_units_free(ctx, &u);
        hsi_dset_free(ctx, &raw);
    }
    hsi_meta_free(ctx, &m);
    hs_ctx_free(ctx);
    return 0;
}
