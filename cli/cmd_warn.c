/* cmd_warn.c - `humsec warn`: escalation alerts per unit and month (docs/methods.md section 5.5).
 */
#include "cli.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_warn_help(void)
{
    puts("usage: humsec warn (--db PATH | FILE... | --table FILE) [--level country|grid]\n"
         "                   [--column NAME] [--covered-from YYYY-MM] [--covered-to YYYY-MM]\n"
         "                   [--from YYYY-MM]\n"
         "                   [--to YYYY-MM] [--measure deaths|events] [--type all|sb|ns|os]\n"
         "                   [--window W] [--guard G] [--alpha A] [--no-bh] [--min-size N]\n"
         "                   [--cusum [--delta D] [--h H | --arl0 N]] [--spread] [-o FILE]\n"
         "                   [--geo DIR] [--quiet]\n"
         "       humsec warn --table FILE --forecast [--threshold P] [--from YYYY-MM]\n"
         "                   [--to YYYY-MM] [--samples M] [--seed S] [--threads N]\n"
         "                   [--score 3] [-o FILE]\n"
         "\n"
         "Raise escalation alerts per unit (country or PRIO-GRID cell) and month. Default\n"
         "method, the Gamma-Poisson predictive surprise: with S the sum over the previous W\n"
         "months and a Gamma(0.5, 1) prior on the monthly rate, this month's value y has a\n"
         "negative-binomial predictive; p = P(Y >= y). Each month's p-values are adjusted\n"
         "across units with Benjamini-Hochberg; an alert needs q < alpha and y >= the minimum\n"
         "size. Its score is -log10 p and its explanation gives y, the baseline and p.\n"
         "With --cusum, a Poisson CUSUM (Lucas 1985) against the window's rate instead.\n"
         "Alerts are written as CSV (month_id, year, month, unit, observed, expected, pvalue,\n"
         "qvalue, score, explanation) and, with --db, stored in the store's alert table.\n"
         "With --forecast (a country-month table), onset alerts that come before the\n"
         "violence: at each origin month, a country below 25 deaths in each of its last 3\n"
         "months is alerted when the forecast's P(>= 25 deaths in at least one of the next\n"
         "3 months) reaches the threshold; an onset when its last 6 months were all below\n"
         "25, else a continuation. CSV: origin, month_id, unit, kind, p_ge25_3m,\n"
         "threshold, last_deaths, outcome.\n");
    puts("options:\n"
         "  --db PATH         read events from the store and store the alerts there\n"
         "  FILE...           or read events straight from GED/ACLED files\n"
         "  --table FILE      or a country-month table (UCDP's iso3 + period shape: deaths\n"
         "                    in total, so --type all; VIEWS's ged_sb: --type sb); it\n"
         "                    covers its first to last month (docs/events.md)\n"
         "  --column NAME     the table's count column (default conflict_fatalities_best,\n"
         "                    or ged_sb / ged_best_sb for VIEWS's shape)\n"
         "  --covered-from, --covered-to YYYY-MM   the months the table covers, when not its\n"
         "                    first to last month: a month outside them is unknown (never\n"
         "                    scored), a row outside them an error; inside, UCDP's shape\n"
         "                    reads a month without a row as zero\n"
         "  --level L         country (default) or grid\n"
         "  --from, --to YYYY-MM   months to score (default: every month with a full window)\n"
         "  --measure M       deaths (best, default) or events\n"
         "  --type T          all (default), sb, ns or os\n"
         "  --window W        baseline months (default 24)\n"
         "  --guard G         months skipped between the window and the month (default 0)\n"
         "  --alpha A         level (default 0.01)\n"
         "  --no-bh           compare raw p-values with alpha (no FDR control)\n"
         "  --min-size N      smallest value that can alert (default 25 countries, 5 cells)\n"
         "  --cusum           Poisson CUSUM; --delta D out-of-control ratio (default 2),\n"
         "                    --h H decision interval in the measure's units (default 5),\n"
         "                    or --arl0 N: h chosen for each baseline rate so that the\n"
         "                    in-control run is N months on average (simulated Poisson\n"
         "                    baseline, docs/methods.md section 5.5; e.g. 60 for one false\n"
         "                    alarm in 5 years)\n"
         "  --spread          spread each event's deaths over the months from its date_start\n"
         "                    to its date_end, by days (default: all in date_start's month)\n"
         "  --forecast        onset alerts from the forecast (with --table); --from and\n"
         "                    --to are then the origins (default the table's last month)\n"
         "  --threshold P     alert at P(>= 25 within 3 months) >= P (default 0.2, the best\n"
         "                    F1 on the global table's origins 2010-2014; docs/warning.md)\n"
         "  --samples M, --seed S, --threads N   the forecast's draws per country and\n"
         "                    month (default 1000), seed (1) and threads (2); the alerts do\n"
         "                    not depend on the threads\n"
         "  -o, --output FILE write the alerts there (default standard output)\n"
         "  --score H[:N]     also score the alerts on standard error: a hit if the measure\n"
         "                    reaches N (default 25) within H months (docs/methods.md\n"
         "                    section 5.5); with --forecast only --score 3: precision,\n"
         "                    recall and median lead of the onsets and continuations whose\n"
         "                    3 months the table covers\n"
         "  --geo DIR         country-code crosswalks (default data/geo)\n"
         "  -q, --quiet       no progress messages\n"
         "  -h, --help        this help\n"
         "\n"
         "Manual: docs/events.md; method and backtest: docs/warning.md.");
}

typedef struct warn_args {
    const char *db, *geo, *output, *table;
    const char **files;
    int nfiles, quiet;
    int score_h;
    double score_n;
    hs_panel_opts po;
    hs_warn_opts wo;
    hs_cmtable_opts to; /* --table: its column and stated coverage */
    int forecast;       /* --forecast: onset alerts from the forecast */
    hs_onset_opts oo;
    hs_analog_opts ao;
    int analog_set; /* --threshold, --samples, --seed or --threads given */
} warn_args;

/* --score H or H:N: whole months, then deaths (strtol/strtod: overflow is an error). */
static int warn_score(const char *cmd, const char *opt, const char *arg, void *dest)
{
    warn_args *a = dest;
    const char *q;
    char *e;
    a->score_n = 25;
    errno = 0;
    long h = strtol(arg, &e, 10);
    int ok = e != arg && errno == 0 && h >= 1 && h <= INT_MAX;
    if (ok && *e == ':') {
        q = e + 1;
        a->score_n = strtod(q, &e);
        ok = e != q && errno == 0;
    }
    ok = ok && *e == '\0';
    a->score_h = ok ? (int)h : 0;
    if (!ok) return cli_usage(cmd, "%s takes H or H:N (months, deaths), not '%s'", opt, arg);
    return CLI_EXIT_OK;
}

static int warn_parse(int argc, char **argv, warn_args *a)
{
    static const char *const levels[] = {"country", "grid", NULL};
    static const int level_values[] = {HS_PANEL_COUNTRY, HS_PANEL_GRID};
    static const char *const measures[] = {"deaths", "events", NULL};
    static const char *const types[] = {"all", "sb", "ns", "os", NULL};
    int level = a->po.level, cusum = 0;
    const cli_opt opts[] = {
        {CLI_OPT("--db", 0, CLI_STR, &a->db)},
        {CLI_OPT("--geo", 0, CLI_STR, &a->geo)},
        {CLI_OPT("--table", 0, CLI_STR, &a->table)},
        {CLI_OPT("--column", 0, CLI_STR, &a->to.column)},
        {CLI_OPT("--covered-from", 0, CLI_MONTH, &a->to.from)},
        {CLI_OPT("--covered-to", 0, CLI_MONTH, &a->to.to)},
        {CLI_OPT("--output", 'o', CLI_STR, &a->output)},
        {CLI_OPT("--level", 0, CLI_CHOICE, &level), .words = levels, .values = level_values},
        {CLI_OPT("--from", 0, CLI_MONTH, &a->wo.from)},
        {CLI_OPT("--to", 0, CLI_MONTH, &a->wo.to)},
        {CLI_OPT("--measure", 0, CLI_CHOICE, &a->wo.measure_events), .words = measures},
        {CLI_OPT("--type", 0, CLI_CHOICE, &a->wo.type), .words = types},
        {CLI_OPT("--window", 0, CLI_INT, &a->wo.window), .lo = 0, .hi = 600},
        {CLI_OPT("--guard", 0, CLI_INT, &a->wo.guard), .lo = 0, .hi = 600},
        {CLI_OPT("--alpha", 0, CLI_DOUBLE, &a->wo.alpha)},
        {CLI_OPT("--min-size", 0, CLI_DOUBLE, &a->wo.min_size)},
        {CLI_OPT("--delta", 0, CLI_DOUBLE, &a->wo.cusum_delta)},
        {CLI_OPT("--h", 0, CLI_DOUBLE, &a->wo.cusum_h)},
        {CLI_OPT("--arl0", 0, CLI_DOUBLE, &a->wo.cusum_arl0)},
        {CLI_OPT("--score", 0, CLI_FN, a), .fn = warn_score},
        {CLI_OPT("--forecast", 0, CLI_FLAG, &a->forecast)},
        {CLI_OPT("--threshold", 0, CLI_DOUBLE, &a->oo.threshold), .lo = DBL_TRUE_MIN, .hi = 1,
         .takes = "a probability in (0, 1]", .count = &a->analog_set},
        {CLI_OPT("--samples", 0, CLI_INT, &a->ao.samples), .lo = 1, .hi = 100000,
         .count = &a->analog_set},
        {CLI_OPT("--seed", 0, CLI_ULONG, &a->ao.seed), .lo = 0, .hi = 2147483647,
         .count = &a->analog_set},
        {CLI_OPT("--threads", 0, CLI_INT, &a->ao.threads), .lo = 1, .hi = 64,
         .count = &a->analog_set},
        {CLI_OPT("--no-bh", 0, CLI_SET, &a->wo.bh), .set = 0},
        {CLI_OPT("--cusum", 0, CLI_FLAG, &cusum)},
        {CLI_OPT("--spread", 0, CLI_FLAG, &a->po.spread)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &a->quiet)},
    };
    cli_pos pos = {a->files, argc, 0, NULL};
    int rc = cli_parse("warn", opts, CLI_NOPTS(opts), cmd_warn_help, argc, argv, &pos);
    if (rc != CLI_EXIT_OK) return rc;
    a->nfiles = pos.n;
    a->po.level = level;
    if (cusum) a->wo.method = HS_WARN_CUSUM;
    if (!a->db && a->nfiles == 0 && !a->table)
        return cli_usage("warn", "warn needs the store (--db PATH), event files or --table");
    if (!!a->db + !!a->nfiles + !!a->table > 1)
        return cli_usage("warn", "warn takes one of the store, files or --table");
    if (!a->table && (a->to.column || a->to.from || a->to.to))
        return cli_usage("warn", "--column, --covered-from and --covered-to go with --table");
    if (a->to.from && a->to.to && a->to.from > a->to.to)
        return cli_usage("warn", "--covered-from is after --covered-to");
    if (a->forecast && !a->table)
        return cli_usage("warn", "--forecast needs a country-month table (--table FILE)");
    if (!a->forecast && a->analog_set)
        return cli_usage("warn", "--threshold, --samples, --seed and --threads go with --forecast");
    if (a->forecast && a->score_h && (a->score_h != 3 || a->score_n != 25))
        return cli_usage("warn", "with --forecast the alerts are scored over 3 months at 25: "
                                 "--score 3");
    if (a->forecast && a->wo.method == HS_WARN_CUSUM)
        return cli_usage("warn", "--forecast and --cusum are two methods: choose one");
    if (a->table && a->po.level == HS_PANEL_GRID)
        return cli_usage("warn", "a country-month table makes a country panel, not a grid");
    return 0;
}

/* --forecast: the onset alerts of each origin as CSV; with --score 3 how they did. */
static int warn_forecast(hs_ctx *ctx, const warn_args *a, const hs_geo *geo)
{
    hs_error err = {0};
    hs_cmtable *t = NULL;
    hs_onset_row *r = NULL;
    size_t n = 0, nal[2] = {0, 0};
    hs_outfile *of = NULL; /* -o FILE: written beside and renamed into place */
    hs_onset_opts oo = a->oo;
    oo.from = a->wo.from;
    oo.to = a->wo.to;
    hs_status st = hs_cmtable_read(ctx, a->table, geo, &a->to, &t, &err);
    if (st == HS_OK) st = hs_cmtable_onsets(ctx, t, &a->ao, &oo, &r, &n, &err);
    if (st == HS_OK && a->output) st = hs_outfile_open(ctx, a->output, &a->table, 1, &of, &err);
    if (st == HS_OK) {
        hs_sink out;
        cli_out_sink(of, &out);
        st = hs_onsets_write_csv(t, r, n, oo.threshold, &out, &err);
    }
    if (st == HS_OK && a->score_h) {
        static const char *const cls[3] = {"onsets", "continuations", "all"};
        hs_onset_skill sk[3];
        st = hs_onsets_score(ctx, r, n, sk, &err);
        for (int c = 0; st == HS_OK && c < 3; c++)
            fprintf(stderr,
                    "humsec: score (>= 25 within 3 months), %s: %zu alerts, %zu events, %zu hits, "
                    "precision %.3f, recall %.3f, median lead %.1f months\n",
                    cls[c], sk[c].alerts, sk[c].events, sk[c].hits, sk[c].precision, sk[c].recall,
                    sk[c].median_lead);
    }
    int rc = st == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
    for (size_t i = 0; i < n; i++)
        nal[r[i].kind] += (size_t)r[i].alert;
    if (rc == CLI_EXIT_OK && !a->quiet)
        fprintf(stderr, "humsec: %zu onset and %zu continuation alerts at threshold %g\n", nal[0],
                nal[1], oo.threshold);
    if (hs_outfile_close(of, rc == CLI_EXIT_OK, &err) != HS_OK && rc == CLI_EXIT_OK)
        rc = cli_fail(&err);
    hs_onsets_free(ctx, r);
    hs_cmtable_free(t);
    return rc;
}

int cmd_warn(int argc, char **argv)
{
    warn_args a;
    memset(&a, 0, sizeof a);
    hs_panel_opts_init(&a.po);
    hs_warn_opts_init(&a.wo);
    hs_cmtable_opts_init(&a.to);
    hs_onset_opts_init(&a.oo);
    hs_analog_opts_init(&a.ao);
    a.ao.threads = 2;
    a.files = calloc((size_t)argc, sizeof *a.files);
    if (!a.files) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    int rc = warn_parse(argc, argv, &a);
    if (rc != 0) {
        free(a.files);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    hs_ctx *ctx = cli_ctx(a.quiet);
    if (!ctx) {
        free(a.files);
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err = {0};
    hs_geo *geo = NULL;
    hs_store *db = NULL;
    hs_panel *p = NULL;
    hs_alert *al = NULL;
    size_t nal = 0;
    hs_outfile *of = NULL; /* -o FILE: written beside and renamed into place */
    hs_status st = cli_geo(ctx, a.geo, a.quiet, &geo, &err);
    if (st == HS_OK && a.forecast) {
        rc = warn_forecast(ctx, &a, geo);
        goto done;
    }
    if (st == HS_OK && a.db) st = hs_store_open(ctx, a.db, &db, &err);
    if (st == HS_OK && a.table) {
        /* the table covers its first to last month unless --covered-from/--covered-to
         * state it; --from/--to remain the months scored */
        hs_cmtable *t = NULL;
        st = hs_cmtable_read(ctx, a.table, geo, &a.to, &t, &err);
        if (st == HS_OK) st = hs_panel_from_cmtable(ctx, t, geo, &a.po, &p, &err);
        hs_cmtable_free(t);
    } else if (st == HS_OK) {
        st = db ? hs_panel_from_store(ctx, db, geo, &a.po, &p, &err)
                : hs_panel_from_files(ctx, a.files, (size_t)a.nfiles, geo, &a.po, &p, &err);
    }
    if (st == HS_OK) st = hs_warn_run(ctx, p, &a.wo, &al, &nal, &err);
    if (st == HS_OK && db) st = hs_store_put_alerts(db, al, nal, a.po.level, &a.wo, &err);
    if (st != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (a.output && hs_outfile_open(ctx, a.output, a.table ? &a.table : a.files,
                                    a.table ? 1 : (size_t)a.nfiles, &of, &err) != HS_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    hs_sink out;
    cli_out_sink(of, &out);
    if (hs_alerts_write_csv(al, nal, a.po.level, &out, &err) != HS_OK) rc = cli_fail(&err);
    if (!a.quiet)
        fprintf(stderr, "humsec: %zu alerts over %zu units%s\n", nal, hs_panel_nunits(p),
                db ? " (stored)" : "");
    if (rc == CLI_EXIT_OK && a.score_h) {
        hs_warn_skill sk;
        if (hs_warn_score(ctx, p, &a.wo, al, nal, a.score_h, a.score_n, &sk, &err) != HS_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        fprintf(stderr,
                "humsec: score (target >= %g within %d months): %zu hits, %zu false alarms, "
                "precision %.3f; %zu target months caught, %zu missed, recall %.3f; median "
                "lead %.1f months\n",
                a.score_n, a.score_h, sk.hits, sk.false_alarms, sk.precision, sk.caught, sk.missed,
                sk.recall, sk.median_lead);
    }
done:
    if (hs_outfile_close(of, rc == CLI_EXIT_OK, &err) != HS_OK && rc == CLI_EXIT_OK)
        rc = cli_fail(&err);
    hs_alerts_free(ctx, al);
    hs_panel_free(p);
    hs_store_close(db);
    hs_geo_free(geo);
    hs_ctx_free(ctx);
    free(a.files);
    return rc;
}
