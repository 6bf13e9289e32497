/* cmd_fctable.c - `humsec forecast --table FILE -o DIR`: probabilistic forecasts of every
 * country of a country-month table, 1..N months ahead, as draws in VIEWS's layout and their
 * summary, or a forecast run stored with --db (docs/warning.md, docs/events.md); and
 * `humsec evaluate --table FILE`, their rolling backtest. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fctable_help(void)
{
    puts("usage: humsec forecast --table FILE (-o DIR | --db STORE) [--column C]\n"
         "                       [--from YYYY-MM] [--to YYYY-MM] [--origin YYYY-MM]\n"
         "                       [--leads N] [--samples M] [--seed S] [--threads N]\n"
         "                       [--nbr-weight W [--nbr-form F] [--borders FILE]]\n"
         "                       [--geo DIR] [--quiet]\n"
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
         "With --db STORE the forecast (36 months from the last covered month) is kept in the\n"
         "store as a forecast run, the table's months replace the stored ones, and every\n"
         "stored forecast whose month the table now covers is scored (the online evaluation:\n"
         "GET /api/v1/forecasts/scores of 'humsec serve'). A run the same as the latest (same\n"
         "origin, data and model) is not stored twice.\n"
         "\n"
         "options:\n"
         "  --table FILE       the country-month table\n"
         "  -o, --output DIR   folder for the two files (created if missing)\n"
         "  --db STORE         keep the forecast in the store (created if missing)\n"
         "  --column C         the count (default conflict_fatalities_best; VIEWS: ged_sb)\n"
         "  --from, --to YYYY-MM  the months the table covers (default its first and last)\n"
         "  --origin YYYY-MM   the last month known to the forecast (default the last covered)\n"
         "  --leads N          months ahead, 1..N (default 36)\n"
         "  --samples M        draws per country and month (default 1000)\n"
         "  --seed S           default 1\n"
         "  --threads N        default 2\n"
         "  --no-samples       write summary.csv only\n"
         "  --nbr-weight W     also match on the neighbours' deaths (docs/warning.md, \"Do\n"
         "                     neighbours at war warn?\"), with this weight (default 0: off)\n"
         "  --nbr-form F       sum (ln(1 + their deaths in the last 3 months), the default),\n"
         "                     count (how many had a month of >= 25) or both\n"
         "  --borders FILE     land borders (default data/geo/borders.csv)\n"
         "                     (with -o DIR only: stored forecasts are deaths-only)\n"
         "  --geo DIR          country-code crosswalks (default data/geo)\n"
         "  -q, --quiet        no progress messages");
}

static void evtable_help(void)
{
    puts("usage: humsec evaluate --table FILE [--from YYYY-MM] [--to YYYY-MM] [-o FILE]\n"
         "                       [--onsets FILE] [--hsi PIPELINE [--hsi-weight W]]\n"
         "                       [--nbr-weight W [--nbr-form F] [--borders FILE]]\n"
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
         "  --hsi PIPELINE     also match on the Human Security Index's pillars (the build of\n"
         "                     PIPELINE, e.g. examples/hsi/hsi.pipeline): a country-month's\n"
         "                     Fear, Abuse and Want scores of the year before, on 0..1\n"
         "  --hsi-weight W     their weight in the analogue distance (default 1)\n"
         "  --nbr-weight W     also match on the neighbours' deaths (docs/warning.md, \"Do\n"
         "                     neighbours at war warn?\"), with this weight (default 0: off)\n"
         "  --nbr-form F       sum (ln(1 + their deaths in the last 3 months), the default),\n"
         "                     count (how many had a month of >= 25) or both\n"
         "  --borders FILE     land borders (default data/geo/borders.csv)\n"
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

/* The options of forecast --table and evaluate --table. --from/--to are the table's coverage
 * for forecast, the origins scored for evaluate. */
typedef struct fct_args {
    int evaluate;
    const char *table, *out, *geodir, *onsets, *db, *hsi;
    double hsi_weight;
    cli_nbr nbr;
    hs_cmtable_opts to;
    hs_analog_opts ao;
    int from, last, origin, quiet, with_samples;
    int leads;
} fct_args;

/* Parse argv into a; CLI_EXIT_OK to go on, -1 after --help, else an exit status. */
static int fct_parse(int argc, char **argv, int evaluate, fct_args *a)
{
    const char *cmd = evaluate ? "evaluate" : "forecast";
    memset(a, 0, sizeof *a);
    a->evaluate = evaluate;
    a->geodir = "data/geo";
    a->with_samples = 1;
    a->leads = 36;
    a->hsi_weight = 1;
    a->nbr.borders = "data/geo/borders.csv";
    a->nbr.form = HS_NBR_SUM;
    hs_cmtable_opts_init(&a->to);
    hs_analog_opts_init(&a->ao);
    a->ao.threads = 2;
    /* forecast's own options, then those of both, then evaluate's own: each command reads
       its part of the table */
    const cli_opt opts[] = {
        {CLI_OPT("--db", 0, CLI_STR, &a->db)},
        {CLI_OPT("--from", 0, CLI_MONTH, &a->to.from)},
        {CLI_OPT("--to", 0, CLI_MONTH, &a->to.to)},
        {CLI_OPT("--origin", 0, CLI_MONTH, &a->origin)},
        {CLI_OPT("--leads", 0, CLI_INT, &a->leads), .lo = 1, .hi = 120},
        {CLI_OPT("--no-samples", 0, CLI_SET, &a->with_samples), .set = 0},
        /* both */
        {CLI_OPT("--table", 0, CLI_STR, &a->table)},
        {CLI_OPT("--output", 'o', CLI_STR, &a->out)},
        {CLI_OPT("--column", 0, CLI_STR, &a->to.column)},
        {CLI_OPT("--samples", 0, CLI_INT, &a->ao.samples), .lo = 1, .hi = 100000},
        {CLI_OPT("--seed", 0, CLI_ULONG, &a->ao.seed), .lo = 0, .hi = 2147483647},
        {CLI_OPT("--threads", 0, CLI_INT, &a->ao.threads), .lo = 1, .hi = 64},
        CLI_OPTS_NBR(&a->nbr.weight, &a->nbr.form, &a->nbr.borders),
        {CLI_OPT("--geo", 0, CLI_STR, &a->geodir)},
        {CLI_OPT("--quiet", 'q', CLI_FLAG, &a->quiet)},
        /* evaluate */
        {CLI_OPT("--from", 0, CLI_MONTH, &a->from)},
        {CLI_OPT("--to", 0, CLI_MONTH, &a->last)},
        {CLI_OPT("--onsets", 0, CLI_STR, &a->onsets)},
        {CLI_OPT("--hsi", 0, CLI_STR, &a->hsi)},
        {CLI_OPT("--hsi-weight", 0, CLI_DOUBLE, &a->hsi_weight), .lo = 0, .hi = 1e6,
         .takes = "a number from 0 to 1e6"},
    };
    const size_t nfc = 6, nev = 5, n = CLI_NOPTS(opts);
    int rc = cli_parse(cmd, evaluate ? opts + nfc : opts, evaluate ? n - nfc : n - nev,
                       evaluate ? evtable_help : fctable_help, argc, argv, NULL);
    if (rc != CLI_EXIT_OK) return rc;
    if (!a->table) return cli_usage(cmd, "--table FILE is needed");
    if (!evaluate && !a->out && !a->db)
        return cli_usage(cmd, "--table needs -o DIR (for samples.csv and summary.csv) or --db "
                              "STORE");
    if (a->db && (a->origin || a->leads != 36))
        return cli_usage(cmd, "a stored forecast runs 36 months from the last covered month: "
                              "--origin and --leads go with -o DIR only");
    if (a->db && a->nbr.weight > 0)
        return cli_usage(cmd, "a stored forecast is the deaths-only model: --nbr-weight goes "
                              "with -o DIR only");
    return CLI_EXIT_OK;
}

/* The crosswalk and the table, or an error in err. */
static hs_status fct_load(hs_ctx *ctx, const char *table, const hs_cmtable_opts *to,
                          const char *geodir, hs_geo **geo, hs_cmtable **t, hs_error *err)
{
    *t = NULL;
    hs_status st = hs_geo_load(ctx, geodir, geo, err);
    return st == HS_OK ? hs_cmtable_read(ctx, table, *geo, to, t, err) : st;
}

/* A memory stream, or HS_ERR_NOMEM in err. */
/* A buffer in memory and a sink into it: an output is written whole only once it is done. */
static hs_status fct_membuf(hs_ctx *ctx, hs_membuf **m, hs_sink *s, hs_error *err)
{
    hs_status st = hs_membuf_new(ctx, m, err);
    if (st == HS_OK) hs_membuf_sink(*m, s);
    return st;
}

/* The neighbours' covariates of the table's country-months (hs_nbr_covariates): *cov (free)
 * is nunit x nmonth x HS_NBR_NCOV. */
static hs_status fct_nbr_cov(hs_ctx *ctx, const char *borders, const hs_cmtable *t, double **cov,
                             hs_error *err)
{
    *cov = NULL;
    hs_borders *b = NULL;
    hs_status st = hs_borders_read(ctx, borders, &b, err);
    size_t nu = hs_cmtable_nunits(t),
           nm = (size_t)(hs_cmtable_last_month(t) - hs_cmtable_first_month(t)) + 1;
    const char **units = st == HS_OK ? malloc((nu ? nu : 1) * sizeof *units) : NULL;
    double *x = st == HS_OK ? malloc((nu ? nu : 1) * nm * HS_NBR_NCOV * sizeof *x) : NULL;
    if (st == HS_OK && (!units || !x)) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        err->code = st = HS_ERR_NOMEM;
    }
    if (st == HS_OK) {
        for (size_t u = 0; u < nu; u++)
            units[u] = hs_cmtable_unit(t, u);
        st = hs_nbr_covariates(ctx, b, units, nu, hs_cmtable_values(t), nm, x, err);
    }
    free(units);
    hs_borders_free(b);
    if (st == HS_OK)
        *cov = x;
    else
        free(x);
    return st;
}

/* The analogue options with the covariates asked for: the HSI's three pillars (hsi, may be
 * NULL) and the neighbours' (nbr, may be NULL), side by side in *joined (free) with their
 * weights in w. The HSI alone keeps its single weight, so its backtest stays as it was. */
static hs_status fct_covs(const hs_cmtable *t, const double *hsi, double hsi_weight,
                          const double *nbr, const cli_nbr *n, hs_analog_opts *ao,
                          double w[3 + HS_NBR_NCOV], double **joined, hs_error *err)
{
    *joined = NULL;
    if (!nbr) {
        if (hsi) {
            ao->cov = hsi;
            ao->ncov = 3;
            ao->cov_weight = hsi_weight;
        }
        return HS_OK;
    }
    size_t nh = hsi ? 3 : 0, nc = nh + HS_NBR_NCOV,
           n_cm = hs_cmtable_nunits(t) *
                  ((size_t)(hs_cmtable_last_month(t) - hs_cmtable_first_month(t)) + 1);
    double *x = malloc((n_cm ? n_cm : 1) * nc * sizeof *x);
    if (!x) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        err->code = HS_ERR_NOMEM;
        return HS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n_cm; i++) {
        for (size_t k = 0; k < nh; k++)
            x[i * nc + k] = hsi[i * 3 + k];
        for (size_t k = 0; k < HS_NBR_NCOV; k++)
            x[i * nc + nh + k] = nbr[i * HS_NBR_NCOV + k];
    }
    for (size_t k = 0; k < nh; k++)
        w[k] = hsi_weight;
    w[nh] = (n->form & HS_NBR_SUM) ? n->weight : 0;
    w[nh + 1] = (n->form & HS_NBR_COUNT) ? n->weight : 0;
    ao->cov = x;
    ao->ncov = (int)nc;
    ao->cov_weights = w;
    *joined = x;
    return HS_OK;
}

int cli_forecast_table(hs_ctx *ctx, const char *table, const hs_cmtable_opts *to,
                       const char *geodir, const hs_analog_opts *ao_in, const cli_nbr *nbr,
                       int origin, int leads, int with_samples, const char *dir, int quiet)
{
    hs_error err;
    hs_geo *geo = NULL;
    hs_cmtable *t = NULL;
    hs_membuf *sbuf = NULL, *mbuf = NULL;
    hs_sink sf, mf;
    hs_status st = fct_load(ctx, table, to, geodir, &geo, &t, &err);
    hs_analog_opts aov = *ao_in, *ao = &aov;
    double *ncov = NULL, *joined = NULL, w[3 + HS_NBR_NCOV];
    if (st == HS_OK && nbr && nbr->weight > 0) {
        st = fct_nbr_cov(ctx, nbr->borders, t, &ncov, &err);
        if (st == HS_OK) st = fct_covs(t, NULL, 0, ncov, nbr, ao, w, &joined, &err);
    }
    if (st == HS_OK && !quiet)
        fprintf(stderr, "humsec: %s: %zu units; forecasting %d months ahead, %d draws each\n",
                table, hs_cmtable_nunits(t), leads, ao->samples);
    if (st == HS_OK && with_samples) st = fct_membuf(ctx, &sbuf, &sf, &err);
    if (st == HS_OK) st = fct_membuf(ctx, &mbuf, &mf, &err);
    if (st == HS_OK)
        st = hs_cmtable_forecast_write(ctx, t, ao, origin, leads, sbuf ? &sf : NULL, &mf, &err);
    int rc = st == HS_OK ? cli_put_in_dir(ctx, dir, "summary.csv", hs_membuf_data(mbuf),
                                          hs_membuf_len(mbuf))
                         : cli_fail(&err);
    if (rc == CLI_EXIT_OK && with_samples)
        rc = cli_put_in_dir(ctx, dir, "samples.csv", hs_membuf_data(sbuf), hs_membuf_len(sbuf));
    if (rc == CLI_EXIT_OK && !quiet)
        fprintf(stderr, "humsec: wrote %s/summary.csv%s\n", dir,
                with_samples ? " and samples.csv" : "");
    hs_membuf_free(sbuf);
    hs_membuf_free(mbuf);
    free(joined);
    free(ncov);
    hs_cmtable_free(t);
    hs_geo_free(geo);
    return rc;
}

/* forecast --table --db: the forecast run into the store. */
static int fct_store(hs_ctx *ctx, const fct_args *a)
{
    hs_error err;
    hs_geo *geo = NULL;
    hs_store *db = NULL;
    hs_store_fc_info info;
    memset(&info, 0, sizeof info);
    hs_status st = hs_geo_load(ctx, a->geodir, &geo, &err);
    if (st == HS_OK && !a->quiet)
        fprintf(stderr, "humsec: %s: forecasting every unit 36 months ahead into %s\n", a->table,
                a->db);
    /* the table is read whole before the store is opened, so that a bad table leaves no
       store behind where there was none */
    hs_cmtable *t = NULL;
    if (st == HS_OK) st = hs_cmtable_read(ctx, a->table, geo, &a->to, &t, &err);
    hs_cmtable_free(t);
    if (st == HS_OK) st = hs_store_open(ctx, a->db, &db, &err);
    if (st == HS_OK) st = hs_store_forecast(ctx, db, a->table, geo, &a->to, &a->ao, &info, &err);
    if (st == HS_OK && !a->quiet) {
        char m[32];
        hs_month_format(info.origin, m);
        if (info.run)
            fprintf(stderr,
                    "humsec: forecast run %ld from %s (%zu units); %zu stored forecasts scored\n",
                    info.run, m, info.units, info.scored);
        else
            fprintf(stderr,
                    "humsec: the latest forecast run already has origin %s and this data; "
                    "%zu stored forecasts scored\n",
                    m, info.scored);
    }
    hs_store_close(db);
    hs_geo_free(geo);
    return st == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
}

int cmd_forecast_table(int argc, char **argv)
{
    fct_args a;
    int rc = fct_parse(argc, argv, 0, &a);
    if (rc != CLI_EXIT_OK) return rc < 0 ? CLI_EXIT_OK : rc;
    hs_ctx *ctx = cli_ctx(a.quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    if (a.out)
        rc = cli_forecast_table(ctx, a.table, &a.to, a.geodir, &a.ao, &a.nbr, a.origin, a.leads,
                                a.with_samples, a.out, a.quiet);
    if (rc == CLI_EXIT_OK && a.db) rc = fct_store(ctx, &a);
    hs_ctx_free(ctx);
    return rc;
}

/* The HSI's pillars as covariates of the table's country-months (docs/warning.md, "Does the
 * index warn?"): unit u (an ISO3 code) in month s gets the Fear, Abuse and Want scores of the
 * year before s's (the latest published before it), divided by 100; NaN where the HSI has no
 * score. *cov (free) is nunit x nmonth x 3. */
static hs_status fct_hsi_cov(hs_ctx *ctx, const char *pipeline, const hs_cmtable *t, double **cov,
                             hs_error *err)
{
    static const char *const pillars[3] = {"Fear", "Abuse", "Want"};
    hs_build *b = NULL;
    hs_status st = hs_build_run(ctx, pipeline, &b, err);
    if (st) return st;
    size_t d = hs_build_ndsets(b) - 1, nr = hs_build_dset_nrow(b, d), nc = hs_build_dset_ncol(b, d);
    long col[3] = {-1, -1, -1};
    for (size_t c = 0; c < nc; c++)
        for (int k = 0; k < 3; k++)
            if (!strcmp(hs_build_dset_col(b, d, c), pillars[k])) col[k] = (long)c;
    if (col[0] < 0 || col[1] < 0 || col[2] < 0 || !hs_build_has_time(b)) {
        hs_build_free(b);
        snprintf(err->msg, sizeof err->msg,
                 "%s: the build has no yearly Fear, Abuse and Want pillars (the HSI's)", pipeline);
        err->code = HS_ERR_USAGE;
        return HS_ERR_USAGE;
    }
    int m0 = hs_cmtable_first_month(t), m1 = hs_cmtable_last_month(t);
    size_t nu = hs_cmtable_nunits(t), nm = (size_t)(m1 - m0) + 1;
    double *x = malloc(nu * nm * 3 * sizeof *x);
    if (!x) {
        hs_build_free(b);
        snprintf(err->msg, sizeof err->msg, "out of memory");
        err->code = HS_ERR_NOMEM;
        return HS_ERR_NOMEM;
    }
    for (size_t i = 0; i < nu * nm * 3; i++)
        x[i] = NAN;
    const double *v = hs_build_dset_values(b, d);
    for (size_t r = 0; r < nr; r++) {
        const char *code = hs_build_dset_unit(b, d, r);
        size_t u = 0;
        while (u < nu && strcmp(hs_cmtable_unit(t, u), code))
            u++;
        if (u == nu) continue;
        long year = hs_build_dset_time(b, d, r) + 1; /* published the year after */
        for (size_t m = 0; m < nm; m++) {
            int id = m0 + (int)m, y = 1980 + (id - 1) / 12;
            if (id < 1 || y != year) continue;
            for (int k = 0; k < 3; k++)
                x[(u * nm + m) * 3 + (size_t)k] = v[(size_t)col[k] * nr + r] / 100;
        }
    }
    hs_build_free(b);
    *cov = x;
    return HS_OK;
}

int cmd_evaluate_table(int argc, char **argv)
{
    fct_args a;
    int rc = fct_parse(argc, argv, 1, &a);
    if (rc != CLI_EXIT_OK) return rc < 0 ? CLI_EXIT_OK : rc;
    hs_ctx *ctx = cli_ctx(a.quiet);
    if (!ctx) {
        fputs("humsec: out of memory\n", stderr);
        return CLI_EXIT_NOMEM;
    }
    hs_error err;
    hs_geo *geo = NULL;
    hs_cmtable *t = NULL;
    hs_membuf *buf = NULL, *obuf = NULL;
    hs_sink mf, of;
    hs_status st = fct_load(ctx, a.table, &a.to, a.geodir, &geo, &t, &err);
    if (st == HS_OK && !a.quiet)
        fprintf(stderr, "humsec: %s: %zu units; backtest of leads 1, 3, 6, 12 ...\n", a.table,
                hs_cmtable_nunits(t));
    if (st == HS_OK) st = fct_membuf(ctx, &buf, &mf, &err);
    double *cov = NULL, *ncov = NULL, *joined = NULL, w[3 + HS_NBR_NCOV];
    if (st == HS_OK && a.hsi) st = fct_hsi_cov(ctx, a.hsi, t, &cov, &err);
    if (st == HS_OK && a.nbr.weight > 0) st = fct_nbr_cov(ctx, a.nbr.borders, t, &ncov, &err);
    if (st == HS_OK) st = fct_covs(t, cov, a.hsi_weight, ncov, &a.nbr, &a.ao, w, &joined, &err);
    if (st == HS_OK && a.onsets) st = fct_membuf(ctx, &obuf, &of, &err);
    if (st == HS_OK)
        st = hs_cmtable_backtest_write(ctx, t, &a.ao, a.from, a.last, &mf, obuf ? &of : NULL, &err);
    if (st == HS_OK && a.onsets)
        st = hs_file_write(ctx, a.onsets, hs_membuf_data(obuf), hs_membuf_len(obuf), &err);
    if (st == HS_OK) {
        const char *text = hs_membuf_data(buf);
        size_t len = hs_membuf_len(buf);
        if (a.out)
            st = hs_file_write(ctx, a.out, text, len, &err);
        else if (fwrite(text, 1, len, stdout) != len)
            st = HS_ERR_IO;
    }
    rc = st == HS_OK ? CLI_EXIT_OK : cli_fail(&err);
    free(joined);
    free(ncov);
    free(cov);
    hs_membuf_free(buf);
    hs_membuf_free(obuf);
    hs_cmtable_free(t);
    hs_geo_free(geo);
    hs_ctx_free(ctx);
    return rc;
}
