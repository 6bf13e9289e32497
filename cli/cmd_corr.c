/* cmd_corr.c - `humsec corr PIPELINE [-o DIR] [--threshold X] [--low] ...`. */
#include "cli.h"

#include <stdio.h>

void cmd_corr_help(void)
{
    puts("usage: humsec corr PIPELINE [-o DIR] [--dset NAME] [--threshold X] [--low]\n"
         "                   [--level N] [--group-level G] [--denom-dset NAME]\n"
         "                   [--denom-threshold X] [--denominators] [--quiet]\n"
         "\n"
         "Build PIPELINE and flag the correlations an index builder should look at\n"
         "(docs/analysis.md): pairs of indicators (or of aggregates of one level) in the same\n"
         "group that correlate above a threshold, which may count one thing twice, or below\n"
         "one, which may pull against each other (COINr get_corr_flags); and indicators that\n"
         "correlate with a denominator, which may need dividing by it (COINr get_denom_corr).\n"
         "Pearson's r over the units where both have a value; the latest year of panel data.\n"
         "Written into DIR:\n"
         "  corr_flags.csv   Group, Ind1, Ind2, Corr: one row per flagged pair\n"
         "  denom_corr.csv   Ind, Denom, Corr: indicator and denominator with |r| above the\n"
         "                   denominator threshold, by indicator code\n"
         "Without -o, corr_flags.csv (or, with --denominators, denom_corr.csv) is printed on\n"
         "standard output. DIR is written whole or not at all (docs/humsec.1.md, OUTPUTS).\n"
         "\n"
         "options:\n"
         "  --dset NAME            dataset of the pairs (default Normalised, else the last)\n"
         "  --threshold X          flag r > X (default 0.9), from -1 to 1\n"
         "  --low                  flag r < X instead (e.g. --threshold -0.4 --low)\n"
         "  --level N              level of the nodes paired (default 1, the indicators)\n"
         "  --group-level G        pairs share their ancestor of level G (default N + 1)\n"
         "  --denom-dset NAME      dataset of the indicators against the denominators\n"
         "                         (default Raw)\n"
         "  --denom-threshold X    flag |r| > X (default 0.6), from 0 to 1\n"
         "  --denominators         without -o: print denom_corr.csv, not corr_flags.csv\n"
         "  -o, --output DIR       output folder\n"
         "  -q, --quiet            no progress messages\n"
         "  -h, --help             this help");
}

static int corr_run(hs_ctx *ctx, const char *pipeline, const hs_corr_opts *o, const char *outdir,
                    int denominators, int quiet)
{
    hs_sink so;
    cli_out_sink(NULL, &so);
    hs_error err = {0};
    hs_build *b = NULL;
    hs_corr *c = NULL;
    hs_status st = hs_build_run(ctx, pipeline, &b, &err);
    if (st == HS_OK) st = hs_corr_run(ctx, b, o, &c, &err);
    if (st == HS_OK && outdir) {
        st = hs_corr_write(ctx, c, outdir, &err);
        if (st == HS_OK && !quiet)
            fprintf(stderr, "humsec: %zu correlation flags, %zu denominator pairs, in %s/\n",
                    hs_corr_nflags(c), hs_corr_ndenom(c), outdir);
    } else if (st == HS_OK) {
        st = hs_corr_print_csv(c, denominators, &so, &err);
    }
    int rc = st == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
    hs_corr_free(c);
    hs_build_free(b);
    return rc;
}

int cmd_corr(int argc, char **argv)
{
    const char *pipeline = NULL, *outdir = NULL;
    int quiet = 0, denominators = 0;
    hs_corr_opts o;
    hs_corr_opts_init(&o);
    /* the analysis commands' wording of a bad value: "OPT is 'V' (expected ...)" */
    const char *bad_number = "%s is '%s' (expected a number)",
               *bad_level = "%s is '%s' (expected a level, a whole number from 1)";
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &outdir)},
        {CLI_OPT("--dset", 0, CLI_STR, &o.dset)},
        {CLI_OPT("--denom-dset", 0, CLI_STR, &o.denom_dset)},
        {CLI_OPT("--threshold", 0, CLI_DOUBLE, &o.thresh), .bad = bad_number},
        {CLI_OPT("--denom-threshold", 0, CLI_DOUBLE, &o.denom_thresh), .bad = bad_number},
        {CLI_OPT("--level", 0, CLI_INT, &o.level), .lo = 1, .hi = 100, .bad = bad_level},
        {CLI_OPT("--group-level", 0, CLI_INT, &o.group_level), .lo = 1, .hi = 100,
         .bad = bad_level},
        {CLI_OPT("--low", 0, CLI_FLAG, &o.low)},
        {CLI_OPT("--denominators", 0, CLI_FLAG, &denominators)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {&pipeline, 1, 0, NULL};
    int rc = cli_parse("corr", opts, CLI_NOPTS(opts), cmd_corr_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (!pipeline) return cli_usage("corr", "no pipeline file given");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    rc = corr_run(ctx, pipeline, &o, outdir, denominators, quiet);
    hs_ctx_free(ctx);
    return rc;
}
