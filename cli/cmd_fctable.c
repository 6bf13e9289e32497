/* cmd_fctable.c - `humsec forecast --table FILE -o DIR`: probabilistic forecasts of every
 * country of a country-month table, 1..N months ahead, as draws in VIEWS's layout and their
 * summary (docs/warning.md, docs/events.md). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void fctable_help(void)
{
    puts("usage: humsec forecast --table FILE -o DIR [--column C] [--from YYYY-MM]\n"
         "                       [--to YYYY-MM] [--origin YYYY-MM] [--leads N] [--samples M]\n"
         "                       [--seed S] [--threads N] [--geo DIR] [--quiet]\n"
         "\n"
         "Probabilistic forecasts for every country of a country-month table (UCDP's shape:\n"
         "iso3, period; VIEWS's: country_id, month_id): for each lead of 1..N months after\n"
         "the origin, M integer draws of the month's count, from the analogue model\n"
         "(docs/warning.md): what followed the 100 country-months of the whole table most\n"
         "like the country's last 12, moved to its level, and a share of its own recent\n"
         "months. Seeded; bit-identical for any --threads. In UCDP's shape every country of\n"
         "the crosswalk is a unit, zero in covered months without a row; months outside the\n"
         "coverage are unknown, never zero.\n"
         "\n"
         "Writes DIR/samples.csv (month_id, unit, draw, outcome: VIEWS's layout) and\n"
         "DIR/summary.csv (unit, origin, lead, month, month_id, q05, q25, q50, q75, q95,\n"
         "p_ge1, p_ge25, p_ge1000, mean_ln1p).\n"
         "\n"
         "options:\n"
         "  --table FILE       the country-month table\n"
         "  -o, --output DIR   folder for the two files (created if missing)\n"
         "  --column C         the count (default conflict_fatalities_best; VIEWS: ged_sb)\n"
         "  --from, --to YYYY-MM  the months the table covers (default its first and last)\n"
         "  --origin YYYY-MM   the last month known to the forecast (default the last covered)\n"
         "  --leads N          months ahead, 1..N (default 36)\n"
         "  --samples M        draws per country and month (default 1000)\n"
         "  --seed S           default 1\n"
         "  --threads N        default 2\n"
         "  --no-samples       write summary.csv only\n"
         "  --geo DIR          country-code crosswalks (default data/geo)\n"
         "  -q, --quiet        no progress messages");
}

static int fct_month(const char *s, int *out)
{
    int y, m;
    char tail;
    /* NOLINTNEXTLINE(cert-err34-c): 4 and 2 digits cannot overflow; the count is checked */
    if (sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2 || y < 1900 || y > 2999 || m < 1 || m > 12)
        return -1;
    *out = (y - 1980) * 12 + m;
    return 0;
}

static int fct_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtol(s, &end, 10);
    if (end == s || *end || errno || *v < lo || *v > hi)
        return cli_usage(cmd, "%s takes %ld..%ld, not '%s'", opt, lo, hi, s);
    return CLI_EXIT_OK;
}

/* Write buf to DIR/name whole (hs_file_write). */
static hs_status fct_put(hs_ctx *ctx, const char *dir, const char *name, const char *buf,
                         size_t len, hs_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        snprintf(err->msg, sizeof err->msg, "%s: path too long", dir);
        err->code = HS_ERR_IO;
        return HS_ERR_IO;
    }
    return hs_file_write(ctx, path, buf, len, err);
}

int cli_forecast_table(hs_ctx *ctx, const char *table, const hs_cmtable_opts *to,
                       const char *geodir, const hs_analog_opts *ao, int origin, int leads,
                       int with_samples, const char *dir, int quiet)
{
    hs_error err;
    hs_geo *geo = NULL;
    hs_cmtable *t = NULL;
    char *sbuf = NULL, *mbuf = NULL;
    size_t slen = 0, mlen = 0;
    hs_status st = hs_geo_load(ctx, geodir, &geo, &err);
    if (st == HS_OK) st = hs_cmtable_read(ctx, table, geo, to, &t, &err);
    if (st == HS_OK && !quiet)
        fprintf(stderr, "humsec: %s: %zu units; forecasting %d months ahead, %d draws each\n",
                table, hs_cmtable_nunits(t), leads, ao->samples);
    FILE *sf = NULL, *mf = NULL;
    if (st == HS_OK) {
        sf = with_samples ? open_memstream(&sbuf, &slen) : NULL;
        mf = open_memstream(&mbuf, &mlen);
        if ((with_samples && !sf) || !mf) {
            st = HS_ERR_NOMEM;
            snprintf(err.msg, sizeof err.msg, "out of memory");
            err.code = st;
        }
    }
    if (st == HS_OK) st = hs_cmtable_forecast_write(ctx, t, ao, origin, leads, sf, mf, &err);
    if (sf && fclose(sf) != 0 && st == HS_OK) st = HS_ERR_NOMEM;
    if (mf && fclose(mf) != 0 && st == HS_OK) st = HS_ERR_NOMEM;
    int rc = CLI_EXIT_OK;
    if (st == HS_OK) {
        struct stat sb;
        if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0) {
            fprintf(stderr, "humsec: %s: cannot create the folder: %s\n", dir, strerror(errno));
            rc = CLI_EXIT_IO;
        } else {
            st = fct_put(ctx, dir, "summary.csv", mbuf, mlen, &err);
            if (st == HS_OK && with_samples)
                st = fct_put(ctx, dir, "samples.csv", sbuf, slen, &err);
        }
    }
    if (st != HS_OK && rc == CLI_EXIT_OK) rc = cli_fail(&err);
    if (rc == CLI_EXIT_OK && !quiet)
        fprintf(stderr, "humsec: wrote %s/summary.csv%s\n", dir,
                with_samples ? " and samples.csv" : "");
    free(sbuf);
    free(mbuf);
    hs_cmtable_free(t);
    hs_geo_free(geo);
    return rc;
}

int cmd_forecast_table(int argc, char **argv)
{
    const char *cmd = "forecast";
    hs_cmtable_opts to;
    hs_cmtable_opts_init(&to);
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    ao.threads = 2;
    const char *table = NULL, *dir = NULL, *geodir = "data/geo";
    int origin = 0, quiet = 0, with_samples = 1;
    long leads = 36, v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc, rc = CLI_EXIT_OK;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fctable_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--table") && more) {
            table = argv[++i];
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) {
            dir = argv[++i];
        } else if (!strcmp(a, "--column") && more) {
            to.column = argv[++i];
        } else if ((!strcmp(a, "--from") || !strcmp(a, "--to") || !strcmp(a, "--origin")) && more) {
            int *m = !strcmp(a, "--from") ? &to.from : !strcmp(a, "--to") ? &to.to : &origin;
            if (fct_month(argv[++i], m) != 0)
                return cli_usage(cmd, "%s takes a month as YYYY-MM, not '%s'", a, argv[i]);
        } else if (!strcmp(a, "--leads") && more) {
            rc = fct_int(cmd, a, argv[++i], 1, 120, &leads);
        } else if (!strcmp(a, "--samples") && more) {
            rc = fct_int(cmd, a, argv[++i], 1, 100000, &v);
            ao.samples = (int)v;
        } else if (!strcmp(a, "--seed") && more) {
            rc = fct_int(cmd, a, argv[++i], 0, 2147483647L, &v);
            ao.seed = (unsigned long)v;
        } else if (!strcmp(a, "--threads") && more) {
            rc = fct_int(cmd, a, argv[++i], 1, 64, &v);
            ao.threads = (int)v;
        } else if (!strcmp(a, "--no-samples")) {
            with_samples = 0;
        } else if (!strcmp(a, "--geo") && more) {
            geodir = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            return cli_usage(cmd, "unknown option or missing value '%s' (with --table)", a);
        }
        if (rc != CLI_EXIT_OK) return rc;
    }
    if (!table) return cli_usage(cmd, "--table FILE is needed");
    if (!dir) return cli_usage(cmd, "--table needs -o DIR (for samples.csv and summary.csv)");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    int rc = cli_forecast_table(ctx, table, &to, geodir, &ao, origin, (int)leads, with_samples, dir,
                                quiet);
    hs_ctx_free(ctx);
    return rc;
}

static void evtable_help(void)
{
    puts("usage: humsec evaluate --table FILE [--from YYYY-MM] [--to YYYY-MM] [-o FILE]\n"
         "                       [--onsets FILE]\n"
         "                       [--column C] [--samples M] [--seed S] [--threads N]\n"
         "                       [--geo DIR] [--quiet]\n"
         "\n"
         "Rolling-origin backtest of the probabilistic forecasts of 'humsec forecast --table'\n"
         "on a country-month table: for every origin month from --from to --to, the model\n"
         "learns only from the months up to the origin, and leads 1, 3, 6 and 12 are scored\n"
         "against the table: CRPS and Brier at 25 deaths, next to conflictology (the 12 months\n"
         "to the origin), no change and the rolling 12-month mean. Columns: lead, model, n,\n"
         "positives, crps, brier_25 (docs/warning.md).\n"
         "\n"
         "options:\n"
         "  --from, --to YYYY-MM  first and last origin (default six years in .. the month\n"
         "                     before the table's last)\n"
         "  -o, --output FILE  the CSV (default standard output)\n"
         "  --onsets FILE      also the onset alerts: a country below 25 in each of its last\n"
         "                     3 months is alerted when P(>= 25 within 3 months) reaches a\n"
         "                     threshold calibrated on the 5 years before --from; precision,\n"
         "                     recall and median lead for onsets (6 quiet months) and\n"
         "                     continuations, humsec next to conflictology\n"
         "  --column C         the count (default conflict_fatalities_best; VIEWS: ged_sb)\n"
         "  --samples M        draws per country and month (default 1000)\n"
         "  --seed S           default 1\n"
         "  --threads N        default 2 (the scores do not depend on it)\n"
         "  --geo DIR          country-code crosswalks (default data/geo)\n"
         "  -q, --quiet        no progress messages");
}

int cmd_evaluate_table(int argc, char **argv)
{
    const char *cmd = "evaluate";
    hs_cmtable_opts to;
    hs_cmtable_opts_init(&to);
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    ao.threads = 2;
    const char *table = NULL, *outpath = NULL, *geodir = "data/geo", *onpath = NULL;
    int from = 0, last = 0, quiet = 0;
    long v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc, rc = CLI_EXIT_OK;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            evtable_help();
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--table") && more) {
            table = argv[++i];
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) {
            outpath = argv[++i];
        } else if (!strcmp(a, "--onsets") && more) {
            onpath = argv[++i];
        } else if (!strcmp(a, "--column") && more) {
            to.column = argv[++i];
        } else if ((!strcmp(a, "--from") || !strcmp(a, "--to")) && more) {
            if (fct_month(argv[++i], !strcmp(a, "--from") ? &from : &last) != 0)
                return cli_usage(cmd, "%s takes a month as YYYY-MM, not '%s'", a, argv[i]);
        } else if (!strcmp(a, "--samples") && more) {
            rc = fct_int(cmd, a, argv[++i], 1, 100000, &v);
            ao.samples = (int)v;
        } else if (!strcmp(a, "--seed") && more) {
            rc = fct_int(cmd, a, argv[++i], 0, 2147483647L, &v);
            ao.seed = (unsigned long)v;
        } else if (!strcmp(a, "--threads") && more) {
            rc = fct_int(cmd, a, argv[++i], 1, 64, &v);
            ao.threads = (int)v;
        } else if (!strcmp(a, "--geo") && more) {
            geodir = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            return cli_usage(cmd, "unknown option or missing value '%s' (with --table)", a);
        }
        if (rc != CLI_EXIT_OK) return rc;
    }
    if (!table) return cli_usage(cmd, "--table FILE is needed");
    hs_ctx *ctx = cli_ctx(quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err;
    hs_geo *geo = NULL;
    hs_cmtable *t = NULL;
    char *buf = NULL;
    size_t len = 0;
    hs_status st = hs_geo_load(ctx, geodir, &geo, &err);
    if (st == HS_OK) st = hs_cmtable_read(ctx, table, geo, &to, &t, &err);
    if (st == HS_OK && !quiet)
        fprintf(stderr, "humsec: %s: %zu units; backtest of leads 1, 3, 6, 12 ...\n", table,
                hs_cmtable_nunits(t));
    char *obuf = NULL;
    size_t olen = 0;
    FILE *mf = st == HS_OK ? open_memstream(&buf, &len) : NULL;
    FILE *of = st == HS_OK && onpath ? open_memstream(&obuf, &olen) : NULL;
    if (st == HS_OK && (!mf || (onpath && !of))) {
        st = HS_ERR_NOMEM;
        snprintf(err.msg, sizeof err.msg, "out of memory");
        err.code = st;
    }
    if (st == HS_OK) st = hs_cmtable_backtest_write(ctx, t, &ao, from, last, mf, of, &err);
    if (mf && fclose(mf) != 0 && st == HS_OK) st = HS_ERR_NOMEM;
    if (of && fclose(of) != 0 && st == HS_OK) st = HS_ERR_NOMEM;
    if (st == HS_OK && onpath) st = hs_file_write(ctx, onpath, obuf, olen, &err);
    if (st == HS_OK) {
        if (outpath)
            st = hs_file_write(ctx, outpath, buf, len, &err);
        else if (fwrite(buf, 1, len, stdout) != len)
            st = HS_ERR_IO;
    }
    int rc = st == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
    free(buf);
    free(obuf);
    hs_cmtable_free(t);
    hs_geo_free(geo);
    hs_ctx_free(ctx);
    return rc;
}
