/*
 * views.c - the VIEWS 2023/24 prediction challenge's protocol (docs/methods.md section 5.6):
 * state-based deaths per country-month on VIEWS's own country list, windows 2018-2023, each
 * forecast from October of the year before for the twelve months of the year (leads 3-14),
 * and the challenge's benchmarks (zero, last historical with Poisson draws, a global
 * bootstrap of the last 240 months, conflictology), each scored with CRPS, IGN and MIS as
 * the mean over the window's country-months.
 *
 * The tables: the challenge's actuals (2018-2023, ged_sb) and the older release's history
 * (1988-12 .. 2017-12, ged_best_sb). A country-month given in neither is missing: a window
 * that needs it stops with an error naming the country and month, never reads it as zero.
 */
#include "events_int.h"

#include "core/csv_int.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VW_M0          108 /* 1988-12: the history's first month */
#define VW_M1          528 /* 2023-12: the actuals' last month */
#define VW_NM          (VW_M1 - VW_M0 + 1)
#define VW_MAXC        1000   /* VIEWS country ids are below this */
#define VW_BOOT_MONTHS 240    /* the global bootstrap's months */
#define VW_ALPHA       0.1    /* MIS: the central 90 % interval */
#define VW_MAX_SAMPLES 100000 /* members of a sampled ensemble, at most */

enum { VW_HUMSEC, VW_ZERO, VW_LAST, VW_BOOT, VW_CONF, VW_NMODEL };
enum { VW_CRPS, VW_IGN, VW_MIS, VW_NMETRIC };
static const char *const vw_model[VW_NMODEL] = {"humsec", "zero", "last_historical", "bootstrap",
                                                "conflictology"};
static const char *const vw_metric[VW_NMETRIC] = {"crps", "ign", "mis"};

void hs_views_opts_init(hs_views_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->history = "data/views_cm/views_cm_ged_1989_2017.csv";
    o->actuals = "data/views_cm/views_cm_actuals_sb_2018_2023.csv";
    o->seed = 1;
    o->samples = 1000;
    o->threads = 1;
    o->borders = "data/geo/borders.csv";
    o->nbr_form = HS_NBR_SUM;
}

typedef struct vw_data {
    double *y;         /* y[cid * VW_NM + (month - VW_M0)]: deaths, NaN when not given */
    long *line;        /* where each value was given (for a repeat's message) */
    unsigned char *in; /* in[cid]: the country is in the actuals (the challenge's list) */
    char (*iso)[4];    /* iso[cid]: its ISO3 code from the history's isoab, "" when none */
} vw_data;

static double *vw_at(const vw_data *d, long cid, int month)
{
    return &d->y[(size_t)cid * VW_NM + (size_t)(month - VW_M0)];
}

/* Read one table: country_id, month_id and the deaths column `col`. */
static hs_status vw_read(hs_ctx *ctx, const char *path, const char *col, int actuals, vw_data *d,
                         hs_error *err)
{
    hsi_csv c;
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st != HS_OK) return st;
    long jc = hsi_csv_find(&c, "country_id"), jm = hsi_csv_find(&c, "month_id"),
         jv = hsi_csv_find(&c, col), ji = hsi_csv_find(&c, "isoab");
    if (jc < 0 || jm < 0 || jv < 0) {
        st = hsi_err(err, HS_ERR_SCHEMA, path, c.head_line, 0,
                     "expected the columns country_id, month_id and %s (a VIEWS country-month "
                     "table)",
                     col);
        hsi_csv_free(&c);
        return st;
    }
    for (size_t r = 0; r < c.nrow && st == HS_OK; r++) {
        long cid = 0, month = 0;
        double v = 0;
        const char *sc = hsi_csv_get(&c, r, (size_t)jc), *sm = hsi_csv_get(&c, r, (size_t)jm),
                   *sv = hsi_csv_get(&c, r, (size_t)jv);
        long line = c.line[r];
        if (hsi_parse_long(sc, &cid) != 0 || cid < 1 || cid >= VW_MAXC)
            st = hsi_err(err, HS_ERR_PARSE, path, line, c.col[r * c.ncol + (size_t)jc],
                         "country_id '%s' is not a VIEWS country id (1..%d)", sc, VW_MAXC - 1);
        else if (hsi_parse_long(sm, &month) != 0 || month < VW_M0 || month > VW_M1)
            st = hsi_err(err, HS_ERR_PARSE, path, line, c.col[r * c.ncol + (size_t)jm],
                         "month_id '%s' is outside %d..%d (1988-12 .. 2023-12)", sm, VW_M0, VW_M1);
        else if (hsi_parse_double(sv, &v) != 0 || !(v >= 0) || v != floor(v) || v > 1e9)
            st = hsi_err(err, HS_ERR_PARSE, path, line, c.col[r * c.ncol + (size_t)jv],
                         "%s '%s' is not a count of deaths (expected an integer >= 0)", col, sv);
        if (st != HS_OK) break;
        double *y = vw_at(d, cid, (int)month);
        long *ln = &d->line[y - d->y];
        if (!isnan(*y)) {
            st = hsi_err(err, HS_ERR_PARSE, path, line, 0,
                         "country %ld, month_id %ld given twice (first on line %ld)", cid, month,
                         *ln);
            break;
        }
        *y = v;
        *ln = line;
        if (actuals) d->in[cid] = 1;
        if (ji >= 0 && !d->iso[cid][0] && strlen(hsi_csv_get(&c, r, (size_t)ji)) == 3)
            memcpy(d->iso[cid], hsi_csv_get(&c, r, (size_t)ji), 4);
    }
    hsi_csv_free(&c);
    return st;
}

/* Score the sorted ensemble xs against y into sums[model][metric]. */
static void vw_score(double sums[VW_NMETRIC], const double *xs, size_t m, double y)
{
    sums[VW_CRPS] += hs_metric_crps_ensemble(xs, m, y);
    sums[VW_IGN] += hs_metric_ign(xs, m, y);
    sums[VW_MIS] += hs_metric_interval_score(xs, m, y, VW_ALPHA);
}

/* The value of country cid in month m, or an error: every month a window reads is given. */
static hs_status vw_need(const hs_views_opts *o, const vw_data *d, long cid, int m, double *v,
                         hs_error *err)
{
    *v = *vw_at(d, cid, m);
    if (!isnan(*v)) return HS_OK;
    int y, mo;
    hsi_month_ym(m, &y, &mo);
    return hsi_err(err, HS_ERR_DOMAIN, m >= 457 ? o->actuals : o->history, 0, 0,
                   "country %ld has no value for %04d-%02d (month_id %d), which the challenge "
                   "needs: a missing month is not read as zero",
                   cid, y, mo, m);
}

/* humsec's forecast of one window: every country with a value, leads 3-14 from October of
 * the year before; fc[(row * 12 + lead - 3) * samples + i], row the country's place among
 * those with a value (rowof[cid]). */
static hs_status vw_humsec(hs_ctx *ctx, const hs_views_opts *o, int year, const double *panel,
                           size_t nrow, const unsigned char *want, const double *cov, double *fc,
                           hs_error *err)
{
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    ao.samples = o->samples;
    ao.seed = o->seed;
    ao.threads = o->threads;
    double cw[HS_NBR_NCOV] = {(o->nbr_form & HS_NBR_SUM) ? o->nbr_weight : 0,
                              (o->nbr_form & HS_NBR_COUNT) ? o->nbr_weight : 0};
    if (cov) {
        ao.cov = cov;
        ao.ncov = HS_NBR_NCOV;
        ao.cov_weights = cw;
    }
    int leads[12];
    for (int k = 0; k < 12; k++)
        leads[k] = 3 + k;
    return hs_analog_forecast(ctx, &ao, panel, nrow, VW_NM, hsi_month_id(year - 1, 10) - VW_M0,
                              leads, 12, want, fc, err);
}

/* The neighbour covariates of the panel's rows (*cov, hsi_free), their codes the history's. */
static hs_status vw_nbr(hs_ctx *ctx, const hs_views_opts *o, const vw_data *d, const int *rowof,
                        size_t nrow, const double *panel, double **cov, hs_error *err)
{
    hs_borders *b = NULL;
    hs_status st = hs_borders_read(ctx, o->borders, &b, err);
    const char **units = hsi_calloc(ctx, nrow ? nrow : 1, sizeof *units);
    *cov = hsi_malloc(ctx, (nrow ? nrow : 1) * VW_NM * HS_NBR_NCOV * sizeof **cov);
    if (st == HS_OK && (!units || !*cov)) st = hsi_err_nomem(err);
    if (st == HS_OK) {
        for (long cid = 0; cid < VW_MAXC; cid++)
            if (rowof[cid] >= 0) units[rowof[cid]] = d->iso[cid];
        st = hs_nbr_covariates(ctx, b, units, nrow, panel, VW_NM, *cov, err);
    }
    if (st != HS_OK) {
        hsi_free(ctx, *cov);
        *cov = NULL;
    }
    hsi_free(ctx, units);
    hs_borders_free(b);
    return st;
}

/* One window: every country of the list, its 12 months, each model. */
static hs_status vw_window(const hs_views_opts *o, const vw_data *d, int year, gsl_rng *rng,
                           double *xs, double *pool, const double *fc, const int *rowof,
                           double sums[VW_NMODEL][VW_NMETRIC], size_t *nscored, hs_error *err)
{
    int t0 = hsi_month_id(year - 1, 10), first = hsi_month_id(year, 1);
    size_t m = (size_t)o->samples, npool = 0;
    hs_status st = HS_OK;
    /* the bootstrap's pool: every listed country's values of the 240 months to t0 that are
     * given (a country that did not exist yet has no months, and they are not zeros) */
    for (long cid = 1; cid < VW_MAXC; cid++) {
        if (!d->in[cid]) continue;
        for (int k = t0 - VW_BOOT_MONTHS + 1; k <= t0; k++)
            if (k >= VW_M0 && !isnan(*vw_at(d, cid, k))) pool[npool++] = *vw_at(d, cid, k);
    }
    if (npool == 0)
        return hsi_err(err, HS_ERR_DOMAIN, o->history, 0, 0,
                       "no country has a value in the %d months to %04d-10", VW_BOOT_MONTHS,
                       year - 1);
    for (long cid = 1; cid < VW_MAXC && st == HS_OK; cid++) {
        if (!d->in[cid]) continue;
        double act[12], last, conf[12];
        for (int k = 0; k < 12 && st == HS_OK; k++)
            st = vw_need(o, d, cid, first + k, &act[k], err);
        for (int k = 0; k < 12 && st == HS_OK; k++)
            st = vw_need(o, d, cid, t0 - 11 + k, &conf[k], err);
        if (st == HS_OK) st = vw_need(o, d, cid, t0, &last, err);
        if (st != HS_OK) break;
        qsort(conf, 12, sizeof conf[0], hsi_dbl_cmp);
        /* humsec: its draws for the 12 months */
        for (int k = 0; k < 12; k++) {
            memcpy(xs, &fc[((size_t)rowof[cid] * 12 + (size_t)k) * m], m * sizeof *xs);
            if (isnan(xs[0]))
                return hsi_err(err, HS_ERR_DOMAIN, o->history, 0, 0,
                               "country %ld: no forecast (its 12 months to the origin are not "
                               "all known)",
                               cid);
            qsort(xs, m, sizeof *xs, hsi_dbl_cmp);
            vw_score(sums[VW_HUMSEC], xs, m, act[k]);
        }
        /* zero: every member 0 */
        memset(xs, 0, m * sizeof *xs);
        for (int k = 0; k < 12; k++)
            vw_score(sums[VW_ZERO], xs, m, act[k]);
        /* last historical: Poisson draws of the value at t0, the same for the 12 months */
        for (size_t i = 0; i < m; i++)
            xs[i] = (double)gsl_ran_poisson(rng, last);
        qsort(xs, m, sizeof *xs, hsi_dbl_cmp);
        for (int k = 0; k < 12; k++)
            vw_score(sums[VW_LAST], xs, m, act[k]);
        /* global bootstrap: draws from the pool, the same for the country's 12 months */
        for (size_t i = 0; i < m; i++)
            xs[i] = pool[gsl_rng_uniform_int(rng, npool)];
        qsort(xs, m, sizeof *xs, hsi_dbl_cmp);
        for (int k = 0; k < 12; k++)
            vw_score(sums[VW_BOOT], xs, m, act[k]);
        /* conflictology: the 12 values to t0, weight 1/12 each */
        for (int k = 0; k < 12; k++)
            vw_score(sums[VW_CONF], conf, 12, act[k]);
        *nscored += 12;
    }
    return st;
}

hs_status hs_views2023_run(hs_ctx *ctx, const hs_views_opts *o, hs_views_score **out, size_t *n,
                           hs_error *err)
{
    *out = NULL;
    *n = 0;
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_views_opts");
    if (o->threads < 1 || o->threads > 64)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "--threads takes 1..64, not %d", o->threads);
    if (!(o->nbr_weight >= 0 && o->nbr_weight <= 1e6) || o->nbr_form < HS_NBR_SUM ||
        o->nbr_form > HS_NBR_BOTH)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "neighbour covariates: a weight of 0..1e6 and a form of 1..3");
    if (o->samples < 12 || o->samples > VW_MAX_SAMPLES)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "--samples takes 12..%d, not %d",
                       VW_MAX_SAMPLES, o->samples);
    vw_data d;
    size_t ny = (size_t)VW_MAXC * VW_NM;
    d.y = hsi_malloc(ctx, ny * sizeof *d.y);
    d.line = hsi_calloc(ctx, ny, sizeof *d.line);
    d.in = hsi_calloc(ctx, VW_MAXC, 1);
    d.iso = hsi_calloc(ctx, VW_MAXC, sizeof *d.iso);
    double *xs = hsi_malloc(ctx, (size_t)o->samples * sizeof *xs);
    double *pool = hsi_malloc(ctx, (size_t)VW_MAXC * VW_BOOT_MONTHS * sizeof *pool);
    hs_views_score *rows = hsi_calloc(ctx, (size_t)VW_NMODEL * 6 * VW_NMETRIC, sizeof *rows);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    hs_status st = HS_OK;
    if (!d.y || !d.line || !d.in || !d.iso || !xs || !pool || !rows || !rng)
        st = hsi_err_nomem(err);
    if (st == HS_OK) {
        for (size_t i = 0; i < ny; i++)
            d.y[i] = NAN;
        st = vw_read(ctx, o->history, "ged_best_sb", 0, &d, err);
    }
    if (st == HS_OK) st = vw_read(ctx, o->actuals, "ged_sb", 1, &d, err);
    /* the panel humsec's model learns from: every country with a value, in id order */
    size_t nrow = 0;
    int *rowof = hsi_malloc(ctx, VW_MAXC * sizeof *rowof);
    double *panel = NULL, *fc = NULL;
    unsigned char *want = NULL;
    if (st == HS_OK && !rowof) st = hsi_err_nomem(err);
    if (st == HS_OK) {
        for (long cid = 0; cid < VW_MAXC; cid++) {
            rowof[cid] = -1;
            for (int k = 0; k < VW_NM && rowof[cid] < 0; k++)
                if (!isnan(*vw_at(&d, cid, VW_M0 + k))) rowof[cid] = (int)nrow++;
        }
        panel = hsi_malloc(ctx, (nrow ? nrow : 1) * VW_NM * sizeof *panel);
        want = hsi_calloc(ctx, nrow ? nrow : 1, 1);
        fc = hsi_malloc(ctx, (nrow ? nrow : 1) * 12 * (size_t)o->samples * sizeof *fc);
        if (!panel || !want || !fc) st = hsi_err_nomem(err);
    }
    if (st == HS_OK)
        for (long cid = 0; cid < VW_MAXC; cid++)
            if (rowof[cid] >= 0) {
                memcpy(&panel[(size_t)rowof[cid] * VW_NM], vw_at(&d, cid, VW_M0),
                       VW_NM * sizeof *panel);
                want[rowof[cid]] = d.in[cid];
            }
    /* the neighbours' deaths, from the same panel: a window's origin sees only its past */
    double *cov = NULL;
    if (st == HS_OK && o->nbr_weight > 0) st = vw_nbr(ctx, o, &d, rowof, nrow, panel, &cov, err);
    double sums[6][VW_NMODEL][VW_NMETRIC];
    size_t nsc[6] = {0};
    memset(sums, 0, sizeof sums);
    for (int w = 0; w < 6 && st == HS_OK; w++) {
        st = vw_humsec(ctx, o, 2018 + w, panel, nrow, want, cov, fc, err);
        /* a seed per window: a window's draws do not depend on the others */
        gsl_rng_set(rng, o->seed * 1000003UL + 2018UL + (unsigned long)w);
        if (st == HS_OK)
            st = vw_window(o, &d, 2018 + w, rng, xs, pool, fc, rowof, sums[w], &nsc[w], err);
        hsi_log(ctx, 0, "window %d: %zu country-months scored", 2018 + w, nsc[w]);
    }
    if (st == HS_OK) {
        size_t k = 0;
        for (int mo = 0; mo < VW_NMODEL; mo++)
            for (int w = 0; w < 6; w++)
                for (int me = 0; me < VW_NMETRIC; me++) {
                    hs_views_score *r = &rows[k++];
                    snprintf(r->model, sizeof r->model, "%s", vw_model[mo]);
                    snprintf(r->metric, sizeof r->metric, "%s", vw_metric[me]);
                    r->window = 2018 + w;
                    r->n = nsc[w];
                    r->value = nsc[w] ? sums[w][mo][me] / (double)nsc[w] : (double)NAN;
                }
        *out = rows;
        *n = k;
        rows = NULL;
    }
    if (rng) gsl_rng_free(rng);
    hsi_free_all(ctx, cov, fc, want, panel, rowof, rows, pool, xs, d.iso, d.in, d.line, d.y);
    return st;
}

void hs_views_free(hs_ctx *ctx, hs_views_score *s)
{
    hsi_free(ctx, s);
}

static hs_status hs_views_write_csv_fp(const hs_views_score *s, size_t n, FILE *fp, hs_error *err)
{
    fputs("model,window,metric,value\n", fp);
    for (size_t i = 0; i < n; i++) {
        char v[32];
        fprintf(fp, "%s,%d,%s,%s\n", s[i].model, s[i].window, s[i].metric,
                hsi_fmt_double(v, s[i].value));
    }
    if (fflush(fp) != 0 || ferror(fp))
        return hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the scores");
    return HS_OK;
}

hs_status hs_views_write_csv(const hs_views_score *s, size_t n, const hs_sink *out, hs_error *err)
{
    hsi_sinkfile f = {0};
    hs_status st = out ? hsi_sinkfile_open(&f, out, err) : hsi_sink_check(out, err);
    if (st != HS_OK) return st;
    st = hs_views_write_csv_fp(s, n, f.fp, err);
    return hsi_sinkfile_close(&f, st, err, "scores");
}
