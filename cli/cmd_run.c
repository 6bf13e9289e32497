/* cmd_run.c - `humsec run`: the main job on the shipped data. The Human Security Index for
 * every year (build folder, score table, HTML report), then the other shipped examples. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The shipped pipelines the main job builds, relative to the project folder. The first is
 * the Human Security Index: it also gets the score table and the report. */
static const struct {
    const char *name, *pipeline, *what;
} run_jobs[] = {
    {"hsi", "examples/hsi/hsi.pipeline", "Human Security Index, every country and year"},
    {"hdi", "examples/hdi/hdi.pipeline", "UNDP Human Development Index, 1990-2022"},
    {"inform", "examples/inform/inform.pipeline", "INFORM Risk 2023 from its components"},
    {"asem-p1", "examples/asem/p1.pipeline", "ASEM connectivity index (COINr example)"},
};

void cmd_run_help(void)
{
    puts("usage: humsec run [-o DIR] [--db FILE | --no-db] [--quiet]\n"
         "\n"
         "The main job: build the Human Security Index (examples/hsi/) for every country and\n"
         "year into DIR (default out/): the build in DIR/hsi/, scores and ranks per\n"
         "country-year in DIR/hsi_scores.csv and DIR/hsi_scores.json, and the report\n"
         "DIR/report.html; then build the other shipped indices into DIR/<name>/, and\n"
         "forecast every country 1-36 months from the last month of the global UCDP table\n"
         "(data/ucdp_cm) into DIR/forecasts/ (summary.csv, samples.csv, and the onset\n"
         "alerts of that month in onset_alerts.csv). Run it\n"
         "from the project folder (elsewhere it stops with exit status 2). DIR must be new,\n"
         "empty or one that run wrote before (it holds .humsec-run); each build folder in it\n"
         "is replaced whole.\n"
         "\n"
         "The results also go into the store FILE (default DIR/humsec.db, created if\n"
         "missing) as one run: scores and ranks per index, node, country and year, the\n"
         "HSI's rank intervals, the shipped GED events, their panels and alerts, with\n"
         "the accepted partner submissions applied; `humsec serve --db FILE` serves them.\n"
         "\n"
         "options:\n"
         "  -o, --output DIR   output folder (default out)\n"
         "  --db FILE          the store to record the run in (default DIR/humsec.db)\n"
         "  --no-db            write the files only\n"
         "  -q, --quiet        no progress messages\n"
         "  -h, --help         this help");
}

/* The global country-month table the main job forecasts from (data/PROVENANCE.md). */
#define RUN_CM_TABLE "data/ucdp_cm/ucdp_ged251_country_month_1989_2023.csv"

static double run_seconds(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The onset alerts of the latest shipped month (docs/warning.md, "Onset alerts from the
 * forecast") into dir/onset_alerts.csv, beside the forecasts they come from. */
static int run_onset_alerts(hs_ctx *ctx, const char *dir, int quiet)
{
    hs_error err = {0};
    hs_cmtable *t = NULL;
    hs_onset_row *r = NULL;
    size_t n = 0, nal = 0;
    hs_membuf *mb = NULL;
    hs_cmtable_opts to;
    hs_cmtable_opts_init(&to);
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    ao.threads = 2;
    hs_onset_opts oo;
    hs_onset_opts_init(&oo);
    hs_geo *geo = NULL;
    hs_status st = cli_geo(ctx, "data/geo", 1, &geo, &err);
    if (st == HS_OK) st = hs_cmtable_read(ctx, RUN_CM_TABLE, geo, &to, &t, &err);
    if (st == HS_OK) st = hs_cmtable_onsets(ctx, t, &ao, &oo, &r, &n, &err);
    if (st == HS_OK) st = hs_membuf_new(ctx, &mb, &err);
    if (st == HS_OK) {
        hs_sink out;
        hs_membuf_sink(mb, &out);
        st = hs_onsets_write_csv(t, r, n, oo.threshold, &out, &err);
    }
    int rc = st == HS_OK ? cli_put_in_dir(ctx, dir, "onset_alerts.csv", hs_membuf_data(mb),
                                          hs_membuf_len(mb))
                         : cli_fail(&err);
    for (size_t i = 0; i < n; i++)
        nal += (size_t)r[i].alert;
    if (rc == CLI_EXIT_OK && !quiet)
        fprintf(stderr, "humsec:        -> %s/onset_alerts.csv (%zu countries alerted)\n", dir,
                nal);
    hs_membuf_free(mb);
    hs_onsets_free(ctx, r);
    hs_cmtable_free(t);
    hs_geo_free(geo);
    return rc;
}

/* The HSI's extras: the score table and the report, from the build just written to dir. */
static hs_status run_hsi_extras(hs_ctx *ctx, const hs_build *b, const char *outdir, const char *dir,
                                int quiet, hs_error *err)
{
    char csv[4096], json[4096], html[4096];
    snprintf(csv, sizeof csv, "%s/hsi_scores.csv", outdir);
    snprintf(json, sizeof json, "%s/hsi_scores.json", outdir);
    snprintf(html, sizeof html, "%s/report.html", outdir);
    hs_status st = hs_hsi_scores_write(ctx, b, csv, json, err);
    if (st) return st;
    if (!quiet)
        fprintf(stderr, "humsec:        -> %s, %s (scores and ranks per country-year)\n", csv,
                json);
    /* rank intervals of the latest year: an uncertainty analysis over weights, aggregation
       and carry-forward (examples/hsi/ua.spec, docs/sensitivity.md), N = 1000, seed 1 */
    char uadir[4096], uaranks[4200];
    snprintf(uadir, sizeof uadir, "%s/hsi-uncertainty", outdir);
    snprintf(uaranks, sizeof uaranks, "%s/ua_ranks.csv", uadir);
    hs_sa_opts so;
    hs_sa_opts_init(&so);
    hs_sensitivity *sa = NULL;
    st = hs_sensitivity_run(ctx, run_jobs[0].pipeline, "examples/hsi/ua.spec", &so, &sa, err);
    if (st == HS_OK) st = hs_sensitivity_write(ctx, sa, uadir, err);
    hs_sensitivity_free(sa);
    if (st) return st;
    if (!quiet)
        fprintf(stderr, "humsec:        -> %s (90 %% rank intervals, %zu runs)\n", uaranks, so.n);
    hs_report_opts ro;
    hs_report_opts_init(&ro);
    ro.intervals = uaranks;
    /* the watchlist of the global forecasts, written before the builds */
    char fsum[4200];
    snprintf(fsum, sizeof fsum, "%s/forecasts/summary.csv", outdir);
    ro.forecasts = fsum;
    hs_report_info info;
    if ((st = hs_report_html(ctx, dir, &ro, html, &info, err))) return st;
    if (!quiet)
        fprintf(stderr, "humsec:        -> %s (%zu countries scored in the latest year)\n", html,
                info.units_scored);
    return HS_OK;
}

int cmd_run(int argc, char **argv)
{
    const char *outdir = "out";
    const char *dbpath = NULL;
    int quiet = 0, nodb = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--output", 'o', CLI_STR, &outdir), .needs = "a folder"},
        {CLI_OPT("--db", 0, CLI_STR, &dbpath), .needs = "a file"},
        {CLI_OPT("--no-db", 0, CLI_FLAG, &nodb)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    int rc = cli_parse("run", opts, CLI_NOPTS(opts), cmd_run_help, argc, argv, NULL);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    /* everything run reads is relative to the project folder: say so, rather than fail on
       the first missing file */
    struct stat sb;
    if (stat(run_jobs[0].pipeline, &sb) != 0 || stat("data", &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr,
                "humsec: run builds the shipped indices from the project's examples/ and "
                "data/ folders, which are not here\n"
                "humsec: run it from the humsec project folder (the one holding examples/ and "
                "data/): cd PROJECT && humsec run\n");
        return CLI_EXIT_USAGE;
    }
    {
        /* the output folder may hold none of the shipped inputs (-o . would replace them) */
        const char *in[] = {"examples", "data"};
        hs_error err = {0};
        if (hs_output_folder(outdir, in, 2, &err) != HS_OK) return cli_fail(&err);
    }
    /* per-step messages of the engine stay off: one line per job is the progress */
    hs_ctx *ctx = cli_ctx(1);
    if (!ctx) return CLI_EXIT_NOMEM;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    {
        /* the global forecasts from the latest shipped month (docs/warning.md), first: the
           HSI report shows their watchlist */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/forecasts", outdir);
        if (!quiet)
            fprintf(stderr, "humsec: forecasts for every country, 1-36 months from the last "
                            "shipped month ...\n");
        hs_cmtable_opts to;
        hs_cmtable_opts_init(&to);
        hs_analog_opts ao;
        hs_analog_opts_init(&ao);
        ao.threads = 2;
        rc = cli_forecast_table(ctx, RUN_CM_TABLE, &to, "data/geo", &ao, NULL, 0, 36, 1, dir, 1);
        if (rc == CLI_EXIT_OK && !quiet)
            fprintf(stderr, "humsec:        -> %s/ (summary.csv, samples.csv) [%.2f s]\n", dir,
                    run_seconds(&t0));
        if (rc == CLI_EXIT_OK) rc = run_onset_alerts(ctx, dir, quiet);
    }
    size_t njobs = sizeof run_jobs / sizeof run_jobs[0];
    for (size_t j = 0; j < njobs && rc == CLI_EXIT_OK; j++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", outdir, run_jobs[j].name);
        if (!quiet) fprintf(stderr, "humsec: [%zu/%zu] %s ...\n", j + 1, njobs, run_jobs[j].what);
        hs_error err = {0};
        hs_build *b = NULL;
        if (hs_build_run(ctx, run_jobs[j].pipeline, &b, &err) != HS_OK ||
            hs_build_write(ctx, b, dir, &err) != HS_OK) {
            rc = cli_fail(&err);
        } else {
            if (!quiet)
                fprintf(stderr,
                        "humsec:        -> %s/ (Aggregated.csv, ranks.csv, summary.json) "
                        "[%.2f s]\n",
                        dir, run_seconds(&t0));
            if (j == 0 && run_hsi_extras(ctx, b, outdir, dir, quiet, &err) != HS_OK)
                rc = cli_fail(&err);
        }
        hs_build_free(b);
    }
    char def[4200];
    snprintf(def, sizeof def, "%s/humsec.db", outdir);
    if (!dbpath) dbpath = def;
    if (rc == CLI_EXIT_OK && !nodb) rc = cli_store_refresh(ctx, dbpath, quiet);
    hs_ctx_free(ctx);
    if (rc == CLI_EXIT_OK && !quiet)
        fprintf(stderr, "humsec: done in %.2f s; open %s/report.html, results are in %s/\n",
                run_seconds(&t0), outdir, outdir);
    if (rc == CLI_EXIT_OK && !quiet && !nodb)
        fprintf(stderr, "humsec: the store %s holds the run: humsec serve --db %s\n", dbpath,
                dbpath);
    return rc;
}
