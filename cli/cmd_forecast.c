/* cmd_forecast.c - `humsec forecast` and `humsec evaluate` (docs/methods.md sections 5.3-5.4). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fc_common_help[] =
    "  --db PATH         read events from the store\n"
    "  FILE...           or straight from GED/ACLED files\n"
    "  --level L         country (default; threshold 25 deaths) or grid (threshold 1)\n"
    "  --type T          target violence type: sb (default) or all\n"
    "  --threshold N     deaths that count as a positive month\n"
    "  --lambda L        ridge penalty on the standardised features (default: chosen\n"
    "                    on the last 24 months of each training set)\n"
    "  -o, --output FILE write the CSV there (default standard output)\n"
    "  --geo DIR         country-code crosswalks (default data/geo)\n"
    "  -q, --quiet       no progress messages\n"
    "  -h, --help        this help\n";

void cmd_forecast_help(void)
{
    puts("usage: humsec forecast (--db PATH | FILE...) [--level country|grid] [--type sb|all]\n"
         "                       [--threshold N] [--lambda L] [-o FILE]\n"
         "\n"
         "Fit the forecast models on every covered month of the panel and predict, for each\n"
         "unit, 1, 3 and 6 months after its last covered month (missing months are not\n"
         "zero: docs/events.md, COVERAGE): the probability that deaths of the target\n"
         "type reach the threshold (ViEWS: 25 per country-month, 1 per cell-month), and the\n"
         "expected ln(deaths + 1). Models: ridge logistic regression and ridge least squares\n"
         "on lagged features (docs/warning.md). Columns: unit, origin_month_id, lead,\n"
         "target_month_id, p_reach_N, expected_ln1p.\n"
         "With --table FILE -o DIR: probabilistic forecasts of every country of a\n"
         "country-month table, 1-36 months ahead (see 'humsec forecast --table x --help').\n"
         "\n"
         "options:");
    fputs(fc_common_help, stdout);
}

void cmd_evaluate_help(void)
{
    puts("usage: humsec evaluate (--db PATH | FILE...) [--level country|grid] [--type sb|all]\n"
         "                       [--from YYYY-MM] [--to YYYY-MM] [--holdout UNIT]\n"
         "                       [--threshold N] [--lambda L] [-o FILE]\n"
         "\n"
         "Rolling-origin backtest: for each block of 12 origin months from --from to --to,\n"
         "refit the models on targets observed at or before the block's first month, then\n"
         "score leads 1, 3 and 6: Brier, AUC-ROC, AUC-PR and MSE of ln(deaths + 1), next to\n"
         "the 'no change' and rolling 12-month mean baselines. With --holdout UNIT (a\n"
         "Gleditsch-Ward number or gid), that unit is never trained on and is the only one\n"
         "scored. Columns: lead, model, n, positives, brier, auc_roc, auc_pr, mse_log.\n"
         "With --protocol views2023: the VIEWS 2023/24 challenge's windows and benchmarks\n"
         "(see 'humsec evaluate --protocol views2023 --help'). With --table FILE: the\n"
         "rolling backtest of the probabilistic forecasts on a country-month table (see\n"
         "'humsec evaluate --table x --help').\n"
         "\n"
         "options:\n"
         "  --from, --to YYYY-MM  first and last origin scored (default: from 6 years in)\n"
         "  --holdout UNIT        score one unit kept out of training");
    fputs(fc_common_help, stdout);
}

/* The forecasts or the backtest, into the file of -o (written whole) or standard output. */
static hs_status fc_write(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *fo, int evaluate,
                          hs_outfile *of, hs_error *err)
{
    hs_sink out;
    cli_out_sink(of, &out);
    return evaluate ? hs_evaluate_write(ctx, p, fo, &out, err)
                    : hs_forecast_write(ctx, p, fo, &out, err);
}

static int fc_run(int argc, char **argv, int evaluate)
{
    const char *cmd = evaluate ? "evaluate" : "forecast";
    const char *dbpath = NULL, *geodir = NULL, *output = NULL;
    int quiet = 0, nfiles = 0;
    hs_panel_opts po;
    hs_forecast_opts fo;
    hs_panel_opts_init(&po);
    hs_forecast_opts_init(&fo);
    const char **files = calloc((size_t)argc, sizeof *files);
    if (!files) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    static const char *const levels[] = {"country", "grid", NULL};
    static const int level_values[] = {HS_PANEL_COUNTRY, HS_PANEL_GRID};
    static const char *const types[] = {"sb", "all", NULL};
    static const int type_values[] = {1, 0};
    int level = po.level;
    /* the last three are evaluate's own */
    const cli_opt opts[] = {
        {CLI_OPT("--db", 0, CLI_STR, &dbpath)},
        {CLI_OPT("--geo", 0, CLI_STR, &geodir)},
        {CLI_OPT("--output", 'o', CLI_STR, &output)},
        {CLI_OPT("--level", 0, CLI_CHOICE, &level), .words = levels, .values = level_values},
        {CLI_OPT("--type", 0, CLI_CHOICE, &fo.type), .words = types, .values = type_values},
        {CLI_OPT("--threshold", 0, CLI_DOUBLE, &fo.threshold), .lo = 0, .hi = HUGE_VAL},
        {CLI_OPT("--lambda", 0, CLI_DOUBLE, &fo.lambda), .lo = 0, .hi = HUGE_VAL},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
        {CLI_OPT("--from", 0, CLI_MONTH, &fo.test_from)},
        {CLI_OPT("--to", 0, CLI_MONTH, &fo.test_to)},
        {CLI_OPT("--holdout", 0, CLI_LONG, &fo.holdout), .lo = 1, .hi = HUGE_VAL},
    };
    cli_pos pos = {files, argc, 0, NULL};
    int rc = cli_parse(cmd, opts, CLI_NOPTS(opts) - (evaluate ? 0 : 3),
                       evaluate ? cmd_evaluate_help : cmd_forecast_help, argc, argv, &pos);
    if (rc == CLI_HELP) {
        free(files);
        return CLI_EXIT_OK;
    }
    po.level = level;
    nfiles = pos.n;
    if (rc == CLI_EXIT_OK && !dbpath && nfiles == 0)
        rc = cli_usage(cmd, "%s needs the store (--db PATH) or event files", cmd);
    if (rc == CLI_EXIT_OK && dbpath && nfiles)
        rc = cli_usage(cmd, "%s takes the store or files, not both", cmd);
    if (rc != CLI_EXIT_OK) {
        free(files);
        return rc;
    }
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        free(files);
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_geo *geo = NULL;
    hs_store *db = NULL;
    hs_panel *p = NULL;
    hs_outfile *of = NULL; /* -o FILE: written beside and renamed into place */
    hs_status st = cli_geo(ctx, geodir, quiet, &geo, &err);
    if (st == HS_OK && dbpath) st = hs_store_open(ctx, dbpath, &db, &err);
    if (st == HS_OK)
        st = db ? hs_panel_from_store(ctx, db, geo, &po, &p, &err)
                : hs_panel_from_files(ctx, files, (size_t)nfiles, geo, &po, &p, &err);
    if (st != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (output && hs_outfile_open(ctx, output, files, (size_t)nfiles, &of, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (fc_write(ctx, p, &fo, evaluate, of, &err) != HS_OK) rc = cli_fail(&err);
done:
    if (hs_outfile_close(of, rc == CLI_EXIT_OK, &err) != HS_OK && rc == CLI_EXIT_OK)
        rc = cli_fail(&err);
    hs_panel_free(p);
    hs_store_close(db);
    hs_geo_free(geo);
    hs_ctx_free(ctx);
    free(files);
    return rc;
}

int cmd_forecast(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* a country-month table has its own options */
        if (!strcmp(argv[i], "--table")) return cmd_forecast_table(argc, argv);
    return fc_run(argc, argv, 0);
}

int cmd_evaluate(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) { /* the challenge's protocol and tables have their own */
        if (!strcmp(argv[i], "--protocol")) return cmd_views(argc, argv);
        if (!strcmp(argv[i], "--table")) return cmd_evaluate_table(argc, argv);
    }
    return fc_run(argc, argv, 1);
}
