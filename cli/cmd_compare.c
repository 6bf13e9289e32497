/* cmd_compare.c - `humsec compare A.pipeline B.pipeline [-o DIR]`. */
#include "cli.h"

#include <stdio.h>

void cmd_compare_help(void)
{
    puts("usage: humsec compare A.pipeline B.pipeline [-o DIR] [--quiet]\n"
         "\n"
         "Build both pipelines and compare their results unit by unit (COINr compare_coins):\n"
         "for every indicator and aggregate both last datasets hold, each unit's score and\n"
         "rank (1 = highest, ties share the lowest rank, per year for panel data) in A and B.\n"
         "Units are matched by code (and Time); a unit in one build only has NA in the other.\n"
         "Written into DIR (docs/analysis.md):\n"
         "  compare_ranks.csv    iCode, Level, uCode[, Time], coin.1 (A), coin.2 (B),\n"
         "                       Diff = coin.1 - coin.2, Abs.diff; one row per node and unit\n"
         "  compare_scores.csv   the same for the scores\n"
         "  compare_summary.csv  per node: units ranked in both, mean and largest absolute\n"
         "                       rank change, units that moved, mean absolute score change\n"
         "Without -o, the summary is printed on standard output. DIR is written whole or not\n"
         "at all, as 'humsec build' writes its folder (docs/humsec.1.md, OUTPUTS).\n"
         "\n"
         "options:\n"
         "  -o, --output DIR   output folder\n"
         "  -q, --quiet        no progress messages\n"
         "  -h, --help         this help");
}

static int compare_run(hs_ctx *ctx, const char *const pipe[2], const char *outdir, int quiet)
{
    hs_sink so;
    cli_out_sink(NULL, &so);
    hs_error err = {0};
    hs_build *b[2] = {NULL, NULL};
    hs_compare *c = NULL;
    int rc = CLI_EXIT_OK;
    for (int s = 0; s < 2 && rc == CLI_EXIT_OK; s++)
        if (hs_build_run(ctx, pipe[s], &b[s], &err) != HS_OK) rc = cli_fail(&err);
    if (rc == CLI_EXIT_OK && hs_compare_builds(ctx, b[0], b[1], &c, &err) != HS_OK)
        rc = cli_fail(&err);
    if (rc == CLI_EXIT_OK && outdir) {
        if (hs_compare_write(ctx, c, outdir, &err) != HS_OK)
            rc = cli_fail(&err);
        else if (!quiet)
            fprintf(stderr, "humsec: wrote the comparison (%zu rows) to %s/\n", hs_compare_nrows(c),
                    outdir);
    } else if (rc == CLI_EXIT_OK && hs_compare_summary_csv(c, &so, &err) != HS_OK) {
        rc = cli_fail(&err);
    }
    hs_compare_free(c);
    hs_build_free(b[0]);
    hs_build_free(b[1]);
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    const char *pipe[2] = {NULL, NULL}, *outdir = NULL;
    int quiet = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &outdir), .needs = "a folder"},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {pipe, 2, 0, " (expected two pipelines)"};
    int rc = cli_parse("compare", opts, CLI_NOPTS(opts), cmd_compare_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (pos.n < 2) return cli_usage("compare", "two pipeline files are needed (A and B)");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    rc = compare_run(ctx, pipe, outdir, quiet);
    hs_ctx_free(ctx);
    return rc;
}
