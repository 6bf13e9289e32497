/* cmd_report.c - `humsec report BUILD_DIR -o report.html [--structure CSV] [--title T]`. */
#include "cli.h"

#include <stdio.h>

void cmd_report_help(void)
{
    puts("usage: humsec report BUILD_DIR -o FILE.html [--structure CSV] [--intervals CSV]\n"
         "                     [--forecasts SUMMARY.csv] [--title TEXT] [--lower-is-better]\n"
         "                     [--quiet]\n"
         "\n"
         "Write one self-contained HTML page (it opens from disk, no network needed) from a\n"
         "folder that 'humsec build' wrote: a map of the latest year, the ranking table\n"
         "with pillar scores and rank intervals (sortable, searchable), a profile per unit\n"
         "(pillars, what pulls the score down most, trend since the first year), pictures (the\n"
         "framework by effective weight, correlations per level, indicator distributions with\n"
         "treated points; Sobol' indices, rank intervals, compare and what-if charts from the\n"
         "folders the pipeline's [report] section names) and the method and sources with their\n"
         "licences. Units that are not countries get a map only from the boundary file\n"
         "'[report] map = FILE.geojson' names. See docs/report.md.\n"
         "\n"
         "options:\n"
         "  -o, --output FILE    the page to write (required)\n"
         "  --structure CSV      the index structure (default: the file summary.json names)\n"
         "  --intervals CSV      rank intervals (default: ua_ranks.csv or rank_intervals.csv\n"
         "                       in BUILD_DIR if there; 'humsec sensitivity' writes them;\n"
         "                       Sobol' indices are read from sa_indices.csv beside them)\n"
         "  --forecasts CSV      a forecast summary ('humsec forecast --table FILE -o DIR'\n"
         "                       writes DIR/summary.csv): adds the watchlist, a map and a\n"
         "                       table of P(>= 25 deaths in a month within 3, 6, 12 months)\n"
         "  --title TEXT         the page's title (default: the build's title)\n"
         "  --lower-is-better    the index is bad when high (a risk index); also taken from\n"
         "                       Direction = -1 on the structure's top row\n"
         "  -q, --quiet          no progress messages\n"
         "  -h, --help           this help");
}

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL;
    hs_report_opts opts;
    hs_report_opts_init(&opts);
    int quiet = 0;
    const cli_opt table[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &out)},
        {CLI_OPT("--structure", 0, CLI_STR, &opts.structure)},
        {CLI_OPT("--intervals", 0, CLI_STR, &opts.intervals)},
        {CLI_OPT("--title", 0, CLI_STR, &opts.title)},
        {CLI_OPT("--forecasts", 0, CLI_STR, &opts.forecasts)},
        {CLI_OPT("--lower-is-better", 0, CLI_FLAG, &opts.lower_is_better)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {&dir, 1, 0, NULL};
    int rc = cli_parse("report", table, CLI_NOPTS(table), cmd_report_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (!dir) return cli_usage("report", "no build folder given");
    if (!out) return cli_usage("report", "no output file given (-o FILE.html)");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_report_info info = {0};
    if (hs_report_html(ctx, dir, &opts, out, &info, &err) != HS_OK)
        rc = cli_fail(&err);
    else if (!quiet)
        fprintf(stderr, "humsec: wrote %s (%zu units scored, %.1f MB)\n", out, info.units_scored,
                (double)info.bytes / 1e6);
    hs_ctx_free(ctx);
    return rc;
}
