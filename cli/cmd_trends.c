/* cmd_trends.c - `humsec trends PIPELINE [--dset NAME] [--window W] [-o FILE]`. */
#include "cli.h"

#include <stdio.h>

void cmd_trends_help(void)
{
    puts("usage: humsec trends PIPELINE [--dset NAME] [--window W] [-o FILE] [--quiet]\n"
         "\n"
         "Build the index that PIPELINE describes (its data must have a time: a Time column,\n"
         "long data or a wide-year table) and write, for every unit and every column of one\n"
         "dataset, how it moved over time (COINr get_trends; docs/methods.md section 3.9):\n"
         "  uCode, iCode   the unit and the indicator or aggregate\n"
         "  CAGR           compound annual growth rate from the first to the last value,\n"
         "                 (last/first)^(1/(t_last - t_first)) - 1; 0 when they are equal\n"
         "  slope          least-squares slope of the values on time, per time unit\n"
         "  Avail          share of the unit's times with a value\n"
         "  t_first, t_latest   the first and last time with a value\n"
         "CAGR and slope are NA with fewer than two values; NaN and Inf are written as\n"
         "computed (a negative ratio under a fractional power, a first value of 0).\n"
         "\n"
         "options:\n"
         "  --dset NAME      the dataset (default Raw; any step's output, e.g. Imputed)\n"
         "  --window W       only each series' W latest times up to its last value\n"
         "                   (NA where the series is shorter); default: every time\n"
         "  -o, --output FILE   write the CSV there (beside and renamed into place);\n"
         "                   default: standard output\n"
         "  -q, --quiet      no progress messages\n"
         "  -h, --help       this help");
}

typedef struct trends_args {
    const char *pipeline, *dset, *output;
    size_t window;
    int quiet;
} trends_args;

int cmd_trends(int argc, char **argv)
{
    trends_args a = {.dset = "Raw"};
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &a.output)},
        {CLI_OPT("--dset", 0, CLI_STR, &a.dset)},
        {CLI_OPT("--window", 0, CLI_SIZE, &a.window), .lo = 2, .hi = 100000,
         .bad = "%s is '%s' (expected a whole number of times from 2 to 100000)"},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &a.quiet)},
    };
    cli_pos pos = {&a.pipeline, 1, 0, NULL};
    int rc = cli_parse("trends", opts, CLI_NOPTS(opts), cmd_trends_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (!a.pipeline) return cli_usage("trends", "no pipeline file given");
    hs_ctx *ctx = cli_ctx(a.quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_build *b = NULL;
    hs_trend *t = NULL;
    size_t n = 0;
    hs_status st = hs_build_run(ctx, a.pipeline, &b, &err);
    if (st == HS_OK) st = hs_build_trends(ctx, b, a.dset, a.window, &t, &n, &err);
    hs_sink so;
    cli_out_sink(NULL, &so);
    if (st == HS_OK)
        st = a.output ? hs_trends_write_file(ctx, b, t, n, a.output, &err)
                      : hs_trends_write_csv(t, n, &so, &err);
    if (st != HS_OK) rc = cli_fail(&err);
    if (rc == CLI_EXIT_OK && !a.quiet)
        fprintf(stderr, "humsec: trends of %zu series of '%s'\n", n, a.dset);
    hs_trends_free(ctx, t);
    hs_build_free(b);
    hs_ctx_free(ctx);
    return rc;
}
