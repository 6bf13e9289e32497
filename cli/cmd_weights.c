/* cmd_weights.c - `humsec weights PIPELINE [-o FILE] [--optimised | --optimise LEVEL]`. */
#include "cli.h"

#include <stdio.h>

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
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &output), .needs = "a file"},
        {CLI_OPT("--optimised", 0, CLI_FLAG, &optimised)},
        {CLI_OPT("--optimized", 0, CLI_FLAG, &optimised)},
        {CLI_OPT("--optimise", 0, CLI_LONG, &optimise), .lo = 1, .hi = 100, .needs = "a level",
         .takes = "a level (1, 2, ...)"},
        {CLI_OPT("--optimize", 0, CLI_LONG, &optimise), .lo = 1, .hi = 100, .needs = "a level",
         .takes = "a level (1, 2, ...)"},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {&pipeline, 1, 0, NULL};
    int rc = cli_parse("weights", opts, CLI_NOPTS(opts), cmd_weights_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
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
