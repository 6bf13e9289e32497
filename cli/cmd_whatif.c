/* cmd_whatif.c - `humsec whatif PIPELINE --remove level=N [--target CODE] [-o DIR]`. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_whatif_help(void)
{
    puts("usage: humsec whatif PIPELINE --remove level=N [--target CODE] [-o DIR] [--quiet]\n"
         "\n"
         "Build PIPELINE, then rebuild it once per element of level N (indicators are level\n"
         "1, pillars 2, ...), each time with that element's weight set to 0, and report how\n"
         "the target's scores and ranks change (COINr remove_elements). A large mean rank\n"
         "change marks an element the ranking leans on. Written into DIR (docs/analysis.md):\n"
         "  whatif_scores.csv          uCode[, Time], Nominal (as built), then one column\n"
         "                             per removed element: the target's score without it\n"
         "  whatif_ranks.csv           the same for the ranks (1 = highest, per year)\n"
         "  whatif_rankdiffs.csv       Nominal rank minus the rank without the element:\n"
         "                             positive when the unit moves up\n"
         "  whatif_mean_abs_diff.csv   iCode, MeanAbsDiff: the mean absolute rank change\n"
         "Without -o, whatif_mean_abs_diff.csv is printed on standard output. DIR is written\n"
         "whole or not at all, as 'humsec build' writes its folder (docs/humsec.1.md).\n"
         "\n"
         "options:\n"
         "  --remove level=N   the level whose elements are removed in turn (required; from\n"
         "                     1 to one below the target's level)\n"
         "  --target CODE      the aggregate whose ranks are reported (default: the index)\n"
         "  -o, --output DIR   output folder\n"
         "  -q, --quiet        no progress messages\n"
         "  -h, --help         this help");
}

/* --remove level=N, N a whole number from 1 to 100, into *(int *)dest. */
static int whatif_level(const char *cmd, const char *opt, const char *s, void *dest)
{
    char *end = NULL;
    long v = strncmp(s, "level=", 6) ? 0 : strtol(s + 6, &end, 10);
    if (!end || end == s + 6 || *end != '\0' || v < 1 || v > 100)
        return cli_usage(cmd, "%s is '%s' (expected level=N, N a whole number, e.g. level=2)", opt,
                         s);
    *(int *)dest = (int)v;
    return CLI_EXIT_OK;
}

static int whatif_run(hs_ctx *ctx, const char *pipeline, int level, const char *target,
                      const char *outdir, int quiet)
{
    hs_sink so;
    cli_out_sink(NULL, &so);
    hs_error err = {0};
    hs_build *b = NULL;
    hs_whatif *w = NULL;
    hs_status st = hs_build_run(ctx, pipeline, &b, &err);
    if (st == HS_OK) st = hs_whatif_remove(ctx, b, level, target, &w, &err);
    if (st == HS_OK && outdir) {
        st = hs_whatif_write(ctx, w, outdir, &err);
        if (st == HS_OK && !quiet)
            fprintf(stderr, "humsec: wrote %s without each of %zu elements to %s/\n",
                    hs_whatif_target(w), hs_whatif_nremoved(w), outdir);
    } else if (st == HS_OK) {
        st = hs_whatif_summary_csv(w, &so, &err);
    }
    int rc = st == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
    hs_whatif_free(w);
    hs_build_free(b);
    return rc;
}

int cmd_whatif(int argc, char **argv)
{
    const char *pipeline = NULL, *outdir = NULL, *target = NULL;
    int quiet = 0, level = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &outdir), .needs = "a folder"},
        {CLI_OPT("--remove", 0, CLI_FN, &level), .needs = "level=N", .fn = whatif_level},
        {CLI_OPT("--target", 0, CLI_STR, &target), .needs = "an aggregate's code"},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {&pipeline, 1, 0, NULL};
    int rc = cli_parse("whatif", opts, CLI_NOPTS(opts), cmd_whatif_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (!pipeline) return cli_usage("whatif", "no pipeline file given");
    if (level == 0) return cli_usage("whatif", "no level given (--remove level=N)");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    rc = whatif_run(ctx, pipeline, level, target, outdir, quiet);
    hs_ctx_free(ctx);
    return rc;
}
