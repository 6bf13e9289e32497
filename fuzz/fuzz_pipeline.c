/*
 * fuzz_pipeline.c - libFuzzer target for the pipeline file (src/config/ini.c, then
 * src/index/pipeline.c), from memory: the INI syntax, the top and [data] sections, every
 * step section and its methods, then the steps themselves and --explain, on a built-in
 * structure and indicator table (two times, a group, a denominator, missing values). The
 * pipeline's `structure` and `file` entries are read but not opened, so the input is the
 * pipeline text alone; its [data] options (shape, columns, na, exclude, from/to) apply to
 * the built-in table.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_structure[] = "Level,iCode,iName,Direction,Weight,Parent,Type,Denominator,"
                                     "goalpost_lower,goalpost_upper\n"
                                     "1,a,A,1,1,P1,Indicator,den,0,100\n"
                                     "1,b,B,-1,2,P1,Indicator,,0,10\n"
                                     "1,c,C,1,1,P2,Indicator,,1,1000\n"
                                     "1,d,D,1,0.5,P2,Indicator,,0,1\n"
                                     "2,P1,Pillar 1,1,1,Top,Aggregate,,,\n"
                                     "2,P2,Pillar 2,1,1,Top,Aggregate,,,\n"
                                     "3,Top,Index,1,1,,Aggregate,,,\n"
                                     ",grp,Group,,,,Group,,,\n"
                                     ",den,Denominator,,,,Denominator,,,\n";

static const char fuzz_table[] = "uCode,uName,Time,grp,den,a,b,c,d\n"
                                 "AAA,Aa,2020,x,10,1,2,3,0.5\n"
                                 "AAA,Aa,2021,x,11,2,NA,4,0.6\n"
                                 "BBB,Bb,2020,x,20,0,5,300,0\n"
                                 "BBB,Bb,2021,x,21,3,6,NA,0.1\n"
                                 "CCC,Cc,2020,y,5,-1,7,2,1\n"
                                 "CCC,Cc,2021,y,6,50,8,900,0.9\n"
                                 "DDD,Dd,2020,y,0,4,NA,10,NA\n"
                                 "DDD,Dd,2021,y,1,4,1,11,0.2\n"
                                 "ZZZ,Zz,2020,,1,1000,1,1,1\n"
                                 "ZZZ,Zz,2021,,1,1000,1,1,1\n";

/* The explanation's text is not checked here, only that making it is safe. */
static hs_status fuzz_discard(void *ud, const char *buf, size_t len)
{
    (void)ud;
    (void)buf;
    (void)len;
    return HS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* as every program must (humsec.h): without it GSL aborts where the library reports, e.g.
     * when the optimised weights' simplex cannot contract */
    static int init;
    if (!init) {
        hs_global_init();
        init = 1;
    }
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    if (!ctx) return 0;
    hs_error err;
    hsi_ini ini;
    memset(&ini, 0, sizeof ini);
    hs_build *b = hsi_calloc(ctx, 1, sizeof *b);
    if (!b) goto done;
    b->ctx = ctx;
    b->treat_dset = -1;
    b->quiet = 1;
    if (hsi_pipeline_parse(ctx, (const char *)data, size, "fuzz.pipeline", &b->pl, &ini, &err) ||
        hsi_meta_parse(ctx, fuzz_structure, sizeof fuzz_structure - 1, "fuzz_structure.csv",
                       &b->meta, &err))
        goto done;
    if (!(b->d = hsi_calloc(ctx, 1, sizeof *b->d))) goto done;
    if (hsi_data_parse(ctx, &b->pl.data, &b->meta, fuzz_table, sizeof fuzz_table - 1, &b->units,
                       &b->d[0], &err))
        goto done;
    b->nd = 1;
    if (hsi_pipeline_steps(ctx, &ini, &b->meta, &b->units, &b->pl, &err) || hsi_steps_run(b, &err))
        goto done;
    hs_sink out;
    hs_sink_init(&out, fuzz_discard, NULL);
    hs_build_explain(b, "AAA", &out, &err);
done:
    hsi_ini_free(&ini);
    hs_build_free(b);
    hs_ctx_free(ctx);
    return 0;
}
