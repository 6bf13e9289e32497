/* cmd_build.c - `humsec build PIPELINE -o DIR [--xlsx FILE] [--explain UNIT]`. */
#include "cli.h"

#include <stdio.h>

void cmd_build_help(void)
{
    puts("usage: humsec build PIPELINE [-o DIR] [--xlsx FILE] [--explain UNIT[:YEAR]] [--quiet]\n"
         "\n"
         "Build the composite index that PIPELINE describes (docs/pipeline.md) and write its\n"
         "outputs into DIR:\n"
         "  Raw.csv, Denominated.csv, Imputed.csv, Screened.csv, Treated.csv, Normalised.csv,\n"
         "  Aggregated.csv   one per dataset the steps produce, rows = units sorted by uCode\n"
         "                   (then Time), numbers as the shortest decimal that reads back exactly\n"
         "  results.csv      per unit: code, name, score and rank of each aggregate, by rank\n"
         "  ranks.csv        competition ranks of every column of the last dataset, per time\n"
         "  treated_points.csv, treat_details.csv   which points were winsorised or logged\n"
         "  audit_*.csv      statistics, correlations, Cronbach's alpha, PCA\n"
         "  summary.json     what was built, and the top-level scores and ranks\n"
         "DIR is written beside and swapped into place: it holds this build's files only,\n"
         "or, when the build fails, what it held before. DIR must be new, empty or a folder\n"
         "humsec wrote (it has .humsec-build), and may not hold the pipeline, structure or\n"
         "data file (docs/humsec.1.md, OUTPUTS).\n"
         "\n"
         "options:\n"
         "  -o, --output DIR       output folder (-o, --xlsx or --explain is needed)\n"
         "  --xlsx FILE            also the build as one spreadsheet workbook: a sheet per\n"
         "                         dataset (uCode, uName, Time, one column per node; a\n"
         "                         missing value is an empty cell), a sheet Ranks and a\n"
         "                         sheet per audit table (as the audit_*.csv files)\n"
         "  --explain UNIT[:YEAR]  print how UNIT's scores were formed, from the raw values\n"
         "                         through every step to the top of the index\n"
         "  -q, --quiet            no progress messages\n"
         "  -h, --help             this help");
}

int cmd_build(int argc, char **argv)
{
    const char *pipeline = NULL, *outdir = NULL, *explain = NULL, *xlsx = NULL;
    int quiet = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &outdir), .needs = "a folder"},
        {CLI_OPT("--xlsx", 0, CLI_STR, &xlsx), .needs = "a file name"},
        {CLI_OPT("--explain", 0, CLI_STR, &explain), .needs = "a unit code"},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    cli_pos pos = {&pipeline, 1, 0, NULL};
    int rc = cli_parse("build", opts, CLI_NOPTS(opts), cmd_build_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (!pipeline) return cli_usage("build", "no pipeline file given");
    if (!outdir && !explain && !xlsx)
        return cli_usage("build", "no output given (-o DIR, --xlsx FILE or --explain UNIT)");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_build *b = NULL;
    if (hs_build_run(ctx, pipeline, &b, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (outdir) {
        if (hs_build_write(ctx, b, outdir, &err) != HS_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        if (!quiet)
            fprintf(stderr, "humsec: wrote %zu datasets and the audit to %s/\n", hs_build_ndsets(b),
                    outdir);
    }
    if (xlsx) {
        if (hs_build_write_xlsx(ctx, b, xlsx, &err) != HS_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        if (!quiet) fprintf(stderr, "humsec: wrote %s\n", xlsx);
    }
    hs_sink out;
    cli_out_sink(NULL, &out);
    if (explain && hs_build_explain(b, explain, &out, &err) != HS_OK) rc = cli_fail(&err);
done:
    hs_build_free(b);
    hs_ctx_free(ctx);
    return rc;
}
