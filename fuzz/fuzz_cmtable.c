/*
 * fuzz_cmtable.c - libFuzzer target for the country-month table reader (src/events/cmtable.c)
 * in both shapes, and the analogue forecast of whatever it accepts.
 *
 * Input: one option byte, then the table's CSV. Option byte bits: 0 the crosswalk
 * (data/geo, for UCDP's ISO3 shape) is given, 1 the coverage is stated as 2020-01 .. 2020-06,
 * 2 the count column is "deaths". Seeds use printable option bytes ('A' = crosswalk only).
 */
#include <stddef.h>
#include <stdint.h>

#include "core/csv_int.h"
#include "events/events_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned opt = data[0];
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (!ctx) return 0;
    hs_error err;
    hs_geo *geo = NULL;
    if ((opt & 1) && hs_geo_load(ctx, HS_SOURCE_DIR "/data/geo", &geo, &err) != HS_OK) geo = NULL;
    hsi_csv c;
    if (hsi_csv_parse(ctx, (const char *)data + 1, size - 1, "fuzz.csv", &c, &err) == HS_OK) {
        hs_cmtable_opts o;
        hs_cmtable_opts_init(&o);
        if (opt & 2) {
            o.from = 481;
            o.to = 486;
        }
        if (opt & 4) o.column = "deaths";
        hs_cmtable *t = NULL;
        if (hsi_cmtable_from_csv(ctx, &c, geo, &o, &t, &err) == HS_OK) {
            hs_analog_opts ao;
            hs_analog_opts_init(&ao);
            ao.samples = 5;
            ao.match_months = 2;
            ao.level_months = 1;
            ao.own_months = 3;
            (void)hs_cmtable_forecast_write(ctx, t, &ao, 0, 2, NULL, NULL, &err);
            hs_cmtable_free(t);
        }
        hsi_csv_free(&c);
    }
    hs_geo_free(geo);
    hs_ctx_free(ctx);
    return 0;
}
