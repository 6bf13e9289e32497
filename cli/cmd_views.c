/* cmd_views.c - `humsec evaluate --protocol views2023`: the VIEWS 2023/24 challenge's
 * benchmarks on its windows, written as DIR/scores.csv and printed next to the published
 * scores (docs/methods.md section 5.6, docs/warning.md). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void views_help(void)
{
    puts("usage: humsec evaluate --protocol views2023 -o DIR [--history FILE] [--actuals FILE]\n"
         "                       [--seed S] [--samples M] [--threads N] [--quiet]\n"
         "                       [--nbr-weight W [--nbr-form F] [--borders FILE]]\n"
         "\n"
         "The VIEWS 2023/24 prediction challenge on country-months: windows 2018-2023, each\n"
         "forecast from October of the year before for the twelve months of the year (leads\n"
         "3-14), the challenge's 191 countries, state-based deaths. Scores humsec's model\n"
         "(analogues from every country's past, docs/warning.md) and the challenge's\n"
         "benchmarks - zero, last historical (Poisson draws of October's value), a global\n"
         "bootstrap of the last 240 months, conflictology (the 12 months to October) - with\n"
         "CRPS, IGN (11 bins, one pseudo-count each) and MIS (90 % interval), each the mean\n"
         "over the window's country-months. Writes DIR/scores.csv (model,window,metric,value)\n"
         "and prints the table next to the published scores.\n"
         "\n"
         "options:\n"
         "  -o, --output DIR   folder for scores.csv (created if missing)\n"
         "  --history FILE     default data/views_cm/views_cm_ged_1989_2017.csv\n"
         "  --actuals FILE     default data/views_cm/views_cm_actuals_sb_2018_2023.csv\n"
         "  --seed S           seed of the sampled benchmarks (default 1)\n"
         "  --samples M        members of a sampled ensemble (default 1000, as submitted)\n"
         "  --threads N        threads for humsec's model (default 1; same scores for any N)\n"
         "  --nbr-weight W     also match on the neighbours' deaths (docs/warning.md, \"Do\n"
         "                     neighbours at war warn?\"), with this weight (default 0: off)\n"
         "  --nbr-form F       sum (ln(1 + their deaths in the last 3 months), the default),\n"
         "                     count (how many had a month of >= 25) or both\n"
         "  --borders FILE     land borders (default data/geo/borders.csv)\n"
         "  -q, --quiet        no progress and no table");
}

/* The published scores (docs/methods.md section 5.6): official code, final actuals. */
typedef struct views_pub {
    const char *model, *metric;
    double v[6];
} views_pub;
static const views_pub views_published[] = {
    {"zero", "crps", {24.130, 23.019, 32.041, 87.339, 120.968, 53.543}},
    {"last_historical", "crps", {20.173, 9.480, 23.698, 85.605, 131.017, 678.960}},
    {"bootstrap", "crps", {23.577, 22.458, 31.417, 86.626, 120.249, 52.722}},
    {"conflictology", "crps", {14.483, 9.146, 21.339, 76.849, 123.995, 50.357}},
    {"conflictology", "mis", {186.6, 89.1, 345.0, 1435.6, 2142.1, 1042.9}},
};

static const views_pub *views_find(const char *model, const char *metric)
{
    for (size_t i = 0; i < sizeof views_published / sizeof views_published[0]; i++)
        if (!strcmp(views_published[i].model, model) && !strcmp(views_published[i].metric, metric))
            return &views_published[i];
    return NULL;
}

static void views_print(const hs_views_score *s, size_t n)
{
    printf("%-16s %-6s %10s %10s %10s %10s %10s %10s %10s\n", "model", "metric", "2018", "2019",
           "2020", "2021", "2022", "2023", "mean");
    const char *metrics[3] = {"crps", "ign", "mis"};
    const char *models[5] = {"humsec", "zero", "last_historical", "bootstrap", "conflictology"};
    for (int mo = 0; mo < 5; mo++)
        for (int me = 0; me < 3; me++) {
            double v[6], mean = 0;
            int have = 0;
            for (size_t i = 0; i < n; i++)
                if (!strcmp(s[i].model, models[mo]) && !strcmp(s[i].metric, metrics[me]) &&
                    s[i].window >= 2018 && s[i].window <= 2023) {
                    v[s[i].window - 2018] = s[i].value;
                    have++;
                }
            if (have != 6) continue;
            printf("%-16s %-6s", models[mo], metrics[me]);
            for (int w = 0; w < 6; w++) {
                printf(" %10.3f", v[w]);
                mean += v[w] / 6;
            }
            printf(" %10.3f\n", mean);
            const views_pub *p = views_find(models[mo], metrics[me]);
            if (!p) continue;
            mean = 0;
            printf("%-16s %-6s", "  published", "");
            for (int w = 0; w < 6; w++) {
                printf(" %10.3f", p->v[w]);
                mean += p->v[w] / 6;
            }
            printf(" %10.3f\n", mean);
        }
}

int cmd_views(int argc, char **argv)
{
    const char *cmd = "evaluate";
    hs_views_opts o;
    hs_views_opts_init(&o);
    const char *dir = NULL, *protocol = NULL;
    int quiet = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--protocol", 0, CLI_STR, &protocol)},
        {CLI_OPT("--output", 'o', CLI_STR, &dir)},
        {CLI_OPT("--history", 0, CLI_STR, &o.history)},
        {CLI_OPT("--actuals", 0, CLI_STR, &o.actuals)},
        {CLI_OPT("--seed", 0, CLI_ULONG, &o.seed), .lo = 0, .hi = HUGE_VAL},
        {CLI_OPT("--samples", 0, CLI_INT, &o.samples), .lo = 12, .hi = 100000},
        {CLI_OPT("--threads", 0, CLI_INT, &o.threads), .lo = 1, .hi = 64},
        CLI_OPTS_NBR(&o.nbr_weight, &o.nbr_form, &o.borders),
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &quiet)},
    };
    int rc = cli_parse(cmd, opts, CLI_NOPTS(opts), views_help, argc, argv, NULL);
    if (rc != CLI_EXIT_OK) return rc == CLI_HELP ? CLI_EXIT_OK : rc;
    if (!protocol || strcmp(protocol, "views2023"))
        return cli_usage(cmd, "--protocol takes views2023, not '%s'", protocol ? protocol : "");
    if (!dir) return cli_usage(cmd, "--protocol views2023 needs -o DIR (for scores.csv)");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err;
    hs_views_score *s = NULL;
    size_t n = 0;
    hs_status st = hs_views2023_run(ctx, &o, &s, &n, &err);
    hs_membuf *buf = NULL;
    if (st == HS_OK) st = hs_membuf_new(ctx, &buf, &err);
    if (st == HS_OK) {
        hs_sink mf;
        hs_membuf_sink(buf, &mf);
        st = hs_views_write_csv(s, n, &mf, &err);
    }
    if (st == HS_OK)
        rc = cli_put_in_dir(ctx, dir, "scores.csv", hs_membuf_data(buf), hs_membuf_len(buf));
    else
        rc = cli_fail(&err);
    if (rc == CLI_EXIT_OK && !quiet) {
        views_print(s, n);
        fprintf(stderr, "humsec: wrote %s/scores.csv\n", dir);
    }
    hs_membuf_free(buf);
    hs_views_free(ctx, s);
    hs_ctx_free(ctx);
    return rc;
}
