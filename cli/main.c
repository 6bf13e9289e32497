/*
 * main.c - the humsec command: dispatch to a subcommand, global help and version,
 * error reporting and exit codes. Standard output is checked like any file at the end: a
 * failed write or flush there turns success into exit status 3.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void main_help(void)
{
    puts("usage: humsec [--version] [--help] COMMAND [ARGS]\n"
         "\n"
         "humsec measures human security: it builds composite indices the way the JRC/OECD\n"
         "handbook says (denominate, impute, screen, treat, normalise, aggregate, audit) from\n"
         "files you write, and reproduces published indices (COINr, UNDP HDI, INFORM Risk).\n"
         "\n"
         "commands:\n"
         "  build PIPELINE -o DIR   build an index from a pipeline file; write every dataset,\n"
         "                          ranks, treatment details, audit tables and a JSON summary\n"
         "  trends PIPELINE [-o FILE]\n"
         "                          CAGR and slope of every unit's series of a panel build\n"
         "  weights PIPELINE [-o FILE]\n"
         "                          the weights aggregated with, and each one's effective\n"
         "                          share of the index\n"
         "  run [-o DIR]            the main job: build the shipped indices into out/\n"
         "  hsi-data [-o FILE]      assemble the Human Security Index data from the raw\n"
         "                          sources (country codes to ISO3, per-capita rates)\n"
         "  report DIR -o FILE      a self-contained HTML report (map, ranking, country\n"
         "                          profiles, method and sources) of a build folder\n"
         "  compare A.pipeline B.pipeline [-o DIR]\n"
         "                          rank and score changes per unit and node between two builds\n"
         "  whatif PIPELINE --remove level=N [-o DIR]\n"
         "                          rebuild without each element of a level in turn: how\n"
         "                          far the ranks move\n"
         "  corr PIPELINE [-o DIR]  flag correlations within groups that are too high or too\n"
         "                          low, and indicators that follow a denominator\n"
         "  sensitivity PIPELINE SPEC -o DIR\n"
         "                          uncertainty and Sobol' sensitivity analysis: rank\n"
         "                          intervals and which construction choice matters most\n"
         "  events ingest FILE... --db PATH\n"
         "                          check UCDP GED / ACLED event files and store them\n"
         "  events panel --level country|grid\n"
         "                          zero-filled country-month or grid-month panels (CSV)\n"
         "  warn --db PATH          escalation alerts per unit and month (surprise, CUSUM)\n"
         "  forecast --db PATH      P(>= 25 deaths) and expected ln(deaths+1), 1/3/6 months on\n"
         "  evaluate --db PATH      rolling-origin backtest against no-change and rolling mean\n"
         "  serve --db FILE [--port N]\n"
         "                          serve the indices, events and alerts as a JSON API and\n"
         "                          the dashboard; partners submit data with a token\n"
         "  partner add|list|revoke [NAME] --db FILE\n"
         "                          manage who may submit data to the server\n"
         "  help COMMAND            the help of one command\n"
         "\n"
         "Run 'humsec COMMAND --help' for a command's options. Manual: docs/humsec.1.md;\n"
         "pipeline format: docs/pipeline.md.\n"
         "\n"
         "exit status: 0 success, 1 internal error, 2 usage error, 3 input/output error,\n"
         "4 malformed input file, 5 inconsistent data or structure, 6 invalid pipeline,\n"
         "7 value outside a method's domain, 8 out of memory.");
}

static int main_dispatch(int argc, char **argv)
{
    if (argc < 2) {
        main_help();
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        main_help();
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        puts("humsec " HS_VERSION);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            main_help();
            return CLI_EXIT_OK;
        }
        if (!strcmp(argv[2], "build"))
            cmd_build_help();
        else if (!strcmp(argv[2], "trends"))
            cmd_trends_help();
        else if (!strcmp(argv[2], "weights"))
            cmd_weights_help();
        else if (!strcmp(argv[2], "run"))
            cmd_run_help();
        else if (!strcmp(argv[2], "hsi-data"))
            cmd_hsi_data_help();
        else if (!strcmp(argv[2], "report"))
            cmd_report_help();
        else if (!strcmp(argv[2], "compare"))
            cmd_compare_help();
        else if (!strcmp(argv[2], "whatif"))
            cmd_whatif_help();
        else if (!strcmp(argv[2], "corr"))
            cmd_corr_help();
        else if (!strcmp(argv[2], "sensitivity"))
            cmd_sensitivity_help();
        else if (!strcmp(argv[2], "events"))
            cmd_events_help();
        else if (!strcmp(argv[2], "warn"))
            cmd_warn_help();
        else if (!strcmp(argv[2], "forecast"))
            cmd_forecast_help();
        else if (!strcmp(argv[2], "evaluate"))
            cmd_evaluate_help();
#ifdef HS_HAVE_SERVER
        else if (!strcmp(argv[2], "serve"))
            cmd_serve_help();
#endif
        else if (!strcmp(argv[2], "partner"))
            cmd_partner_help();
        else
            return cli_usage(NULL, "no command '%s'", argv[2]);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "build")) return cmd_build(argc - 1, argv + 1);
    if (!strcmp(cmd, "trends")) return cmd_trends(argc - 1, argv + 1);
    if (!strcmp(cmd, "weights")) return cmd_weights(argc - 1, argv + 1);
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "hsi-data")) return cmd_hsi_data(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "whatif")) return cmd_whatif(argc - 1, argv + 1);
    if (!strcmp(cmd, "corr")) return cmd_corr(argc - 1, argv + 1);
    if (!strcmp(cmd, "sensitivity")) return cmd_sensitivity(argc - 1, argv + 1);
    if (!strcmp(cmd, "events")) return cmd_events(argc - 1, argv + 1);
    if (!strcmp(cmd, "warn")) return cmd_warn(argc - 1, argv + 1);
    if (!strcmp(cmd, "forecast")) return cmd_forecast(argc - 1, argv + 1);
    if (!strcmp(cmd, "evaluate")) return cmd_evaluate(argc - 1, argv + 1);
#ifdef HS_HAVE_SERVER
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 1, argv + 1);
#else
    if (!strcmp(cmd, "serve"))
        return cli_usage(NULL, "this humsec was built without the server (it needs "
                               "libmicrohttpd-dev and libjansson-dev)");
#endif
    if (!strcmp(cmd, "partner")) return cmd_partner(argc - 1, argv + 1);
    return cli_usage(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    hs_global_init();
    int rc = main_dispatch(argc, argv);
    return cli_close_stdout(rc);
}
