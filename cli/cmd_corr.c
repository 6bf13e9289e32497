/* cmd_corr.c - `humsec corr PIPELINE [-o DIR] [--threshold X] [--low] ...`. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A number option's value into *v; the exit status (a usage error is printed). */
static int corr_num(const char *opt, const char *s, double *v)
{
    char *end = NULL;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(x))
        return cli_usage("corr", "%s is '%s' (expected a number)", opt, s);
    *v = x;
    return CLI_EXIT_OK;
}

static int corr_int(const char *opt, const char *s, int *v)
{
    char *end = NULL;
    long x = strtol(s, &end, 10);
    if (end == s || *end != '\0' || x < 1 || x > 100)
        return cli_usage("corr", "%s is '%s' (expected a level, a whole number from 1)", opt, s);
    *v = (int)x;
    return CLI_EXIT_OK;
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

/* Option a with its value v into o (or *outdir); the exit status. */
static int corr_opt(const char *a, const char *v, hs_corr_opts *o, const char **outdir)
{
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
        *outdir = v;
    } else if (!strcmp(a, "--dset")) {
        o->dset = v;
    } else if (!strcmp(a, "--denom-dset")) {
        o->denom_dset = v;
    } else if (!strcmp(a, "--threshold")) {
        return corr_num(a, v, &o->thresh);
    } else if (!strcmp(a, "--denom-threshold")) {
        return corr_num(a, v, &o->denom_thresh);
    } else if (!strcmp(a, "--level")) {
        return corr_int(a, v, &o->level);
    } else {
        return corr_int(a, v, &o->group_level);
    }
    return CLI_EXIT_OK;
}

int cmd_corr(int argc, char **argv)
{
    static const char *const with_value[] = {"-o",           "--output",         "--dset",
                                             "--threshold",  "--level",          "--group-level",
                                             "--denom-dset", "--denom-threshold"};
    const char *pipeline = NULL, *outdir = NULL;
    int quiet = 0, denominators = 0, rc = CLI_EXIT_OK;
    hs_corr_opts o;
    hs_corr_opts_init(&o);
    for (int i = 1; i < argc && rc == CLI_EXIT_OK; i++) {
        const char *a = argv[i];
        int has_val = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++)
            has_val |= !strcmp(a, with_value[k]);
        if (has_val) {
            if (i + 1 >= argc) return cli_usage("corr", "%s needs a value", a);
            rc = corr_opt(a, argv[++i], &o, &outdir);
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cmd_corr_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--low")) {
            o.low = 1;
        } else if (!strcmp(a, "--denominators")) {
            denominators = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("corr", "unknown option '%s'", a);
        } else if (!pipeline) {
            pipeline = a;
        } else {
            return cli_usage("corr", "unexpected argument '%s'", a);
        }
    }
    if (rc != CLI_EXIT_OK) return rc;
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
