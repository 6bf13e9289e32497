/* cmd_weights.c - `humsec weights PIPELINE [-o FILE] [--optimised | --optimise LEVEL]`. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_weights_help(void)
{
    puts("usage: humsec weights PIPELINE [-o FILE] [--optimised | --optimise LEVEL] [--quiet]\n"
         "\n"
         "Build the index that PIPELINE describes and write, for every indicator and aggregate,\n"
         "the weight it was aggregated with (from the weight set [aggregate] names, or the\n"
         "structure) and its effective weight: its share of the top score, each weight over\n"
         "its siblings' sum multiplied down the tree (COINr get_eff_weights; docs/methods.md\n"
         "section 3.6). Columns: iCode, Level, Weight, EffWeight.\n"
         "\n"
         "With --optimised or --optimise, the optimised weights of one level instead (COINr\n"
         "get_opt_weights; docs/methods.md section 3.6): for each node of the level, its weight\n"
         "(normalised over the level), its target importance, the importance achieved (its\n"
         "correlation with the top score over the level's sum) and that correlation. Columns:\n"
         "iCode, Level, Weight, Target, Importance, Corr.\n"
         "\n"
         "options:\n"
         "  -o, --output FILE   write the CSV there (beside and renamed into place);\n"
         "                   default: standard output\n"
         "  --optimised      the optimum the pipeline aggregated with (it must say\n"
         "                   weights = optimised(LEVEL) in [aggregate])\n"
         "  --optimise LEVEL  optimise LEVEL's weights of the built index for equal\n"
         "                   importance, without changing the build (weights >= 0)\n"
         "  -q, --quiet      no progress messages\n"
         "  -h, --help       this help");
}

/* --optimised (level 0: the build's own optimum) or --optimise LEVEL. */
static int cmd_weights_opt(hs_ctx *ctx, const hs_build *b, long level, const char *output,
                           hs_error *err)
{
    hs_optw *w = NULL;
    size_t n = 0;
    hs_status st;
    if (level > 0) {
        hs_optw_opts o;
        hs_optw_opts_init(&o);
        o.level = (int)level;
        st = hs_opt_weights(ctx, b, &o, &w, &n, NULL, err);
    } else {
        st = hs_build_opt_weights(ctx, b, &w, &n, NULL, err);
    }
    hs_sink so;
    cli_out_sink(NULL, &so);
    if (st == HS_OK)
        st = output ? hs_optw_write_file(ctx, b, w, n, output, err)
                    : hs_optw_write_csv(w, n, &so, err);
    hs_optw_free(ctx, w);
    return st == HS_OK ? CLI_EXIT_OK : cli_fail(err);
}

int cmd_weights(int argc, char **argv)
{
    const char *pipeline = NULL, *output = NULL;
    int quiet = 0, optimised = 0;
    long optimise = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            cmd_weights_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
            if (++i >= argc) return cli_usage("weights", "%s needs a file", o);
            output = argv[i];
        } else if (!strcmp(o, "--optimised") || !strcmp(o, "--optimized")) {
            optimised = 1;
        } else if (!strcmp(o, "--optimise") || !strcmp(o, "--optimize")) {
            char *e = NULL;
            if (++i >= argc) return cli_usage("weights", "%s needs a level", o);
            optimise = strtol(argv[i], &e, 10);
            if (*e || e == argv[i] || optimise < 1 || optimise > 100)
                return cli_usage("weights", "%s: '%s' is not a level (expected 1, 2, ...)", o,
                                 argv[i]);
        } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
            quiet = 1;
        } else if (o[0] == '-' && o[1]) {
            return cli_usage("weights", "unknown option '%s'", o);
        } else if (!pipeline) {
            pipeline = o;
        } else {
            return cli_usage("weights", "unexpected argument '%s'", o);
        }
    }
    if (!pipeline) return cli_usage("weights", "no pipeline file given");
    if (optimised && optimise)
        return cli_usage("weights", "--optimised and --optimise exclude each other");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_build *b = NULL;
    hs_weight *w = NULL;
    size_t n = 0;
    int rc = CLI_EXIT_OK;
    hs_status st = hs_build_run(ctx, pipeline, &b, &err);
    if (st == HS_OK && (optimised || optimise)) {
        rc = cmd_weights_opt(ctx, b, optimise, output, &err);
        hs_build_free(b);
        hs_ctx_free(ctx);
        return rc;
    }
    if (st == HS_OK) st = hs_build_weights(ctx, b, &w, &n, &err);
    hs_sink so;
    cli_out_sink(NULL, &so);
    if (st == HS_OK)
        st = output ? hs_weights_write_file(ctx, b, w, n, output, &err)
                    : hs_weights_write_csv(w, n, &so, &err);
    if (st != HS_OK) rc = cli_fail(&err);
    hs_weights_free(ctx, w);
    hs_build_free(b);
    hs_ctx_free(ctx);
    return rc;
}
