/* cmd_hsi_data.c - `humsec hsi-data`: assemble the Human Security Index indicator table from
 * the raw sources (the work is hs_hsi_data_write; docs/hsi.md). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

void cmd_hsi_data_help(void)
{
    puts("usage: humsec hsi-data [-o FILE] [--data DIR] [--unmatched FILE] [--from YEAR]\n"
         "                       [--to YEAR] [--quiet]\n"
         "\n"
         "Assemble the indicator table of the Human Security Index (examples/hsi/) from the\n"
         "raw sources in DIR: map GW, COW and ISO numeric country codes to ISO3 with the\n"
         "shipped crosswalks, compute the per-capita rates, and write one long CSV (uCode,\n"
         "uName, Time, iCode, Value). Codes that match no HDR country are reported on stderr\n"
         "and listed in the unmatched CSV. Running it twice gives the same bytes.\n"
         "\n"
         "options:\n"
         "  -o, --output FILE   the long CSV (default data/hsi/hsi_indicators_long.csv)\n"
         "  --data DIR          folder of the raw sources (default data)\n"
         "  --unmatched FILE    list of unmatched codes (default: hsi_unmatched.csv next to\n"
         "                      the output)\n"
         "  --from YEAR         first year (default 2005)\n"
         "  --to YEAR           last year (default: the latest year with any value)\n"
         "  -q, --quiet         no messages\n"
         "  -h, --help          this help");
}

int cmd_hsi_data(int argc, char **argv)
{
    const char *out = "data/hsi/hsi_indicators_long.csv";
    const char *unmatched = NULL;
    hs_hsi_data_opts o;
    hs_hsi_data_opts_init(&o);
    int quiet = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &out)},
        {CLI_OPT("--data", 0, CLI_STR, &o.data_dir)},
        {CLI_OPT("--unmatched", 0, CLI_STR, &unmatched)},
        {CLI_OPT("--from", 0, CLI_INT, &o.from), .lo = 1000, .hi = 9999, .takes = "a year"},
        {CLI_OPT("--to", 0, CLI_INT, &o.to), .lo = 1000, .hi = 9999, .takes = "a year"},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    int rc = cli_parse("hsi-data", opts, CLI_NOPTS(opts), cmd_hsi_data_help, argc, argv, NULL);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    char mpath[4096];
    if (!unmatched) {
        const char *slash = strrchr(out, '/');
        int dlen = slash ? (int)(slash - out) : 1;
        snprintf(mpath, sizeof mpath, "%.*s/hsi_unmatched.csv", dlen, slash ? out : ".");
        unmatched = mpath;
    }
    o.unmatched = unmatched;
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) return CLI_EXIT_NOMEM;
    hs_error err = {0};
    hs_hsi_data_info info;
    if (hs_hsi_data_write(ctx, &o, out, &info, &err) != HS_OK)
        rc = cli_fail(&err);
    else if (!quiet)
        fprintf(stderr,
                "humsec: %zu values for %zu countries, %d-%d -> %s\n"
                "humsec: %zu source codes matched no HDR country -> %s\n",
                info.values, info.countries, info.from, info.to, out, info.unmatched, unmatched);
    hs_ctx_free(ctx);
    return rc;
}
