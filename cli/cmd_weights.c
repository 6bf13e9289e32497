/* cmd_weights.c - `humsec weights PIPELINE [-o FILE]`. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

void cmd_weights_help(void)
{
    puts("usage: humsec weights PIPELINE [-o FILE] [--quiet]\n"
         "\n"
         "Build the index that PIPELINE describes and write, for every indicator and aggregate,\n"
         "the weight it was aggregated with (from the weight set [aggregate] names, or the\n"
         "structure) and its effective weight: its share of the top score, each weight over\n"
         "its siblings' sum multiplied down the tree (COINr get_eff_weights; docs/methods.md\n"
         "section 3.6). Columns: iCode, Level, Weight, EffWeight.\n"
         "\n"
         "options:\n"
         "  -o, --output FILE   write the CSV there (beside and renamed into place);\n"
         "                   default: standard output\n"
         "  -q, --quiet      no progress messages\n"
         "  -h, --help       this help");
}

int cmd_weights(int argc, char **argv)
{
    const char *pipeline = NULL, *output = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            cmd_weights_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
            if (++i >= argc) return cli_usage("weights", "%s needs a file", o);
            output = argv[i];
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
