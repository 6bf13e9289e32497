/*
 * forecast.c - ViEWS-style forecasts from a panel (docs/methods.md section 5.3) and their honest
 * scoring (docs/methods.md section 5.4): for leads 1, 3 and 6 months, the probability that a unit's
 * deaths of the target type reach the threshold (25 for countries, 1 for cells) and the expected
 * ln(deaths + 1).
 *
 * Model (defensible and small): ridge-regularised logistic regression for the probability and
 * ridge least squares for ln(deaths + 1) (which is what the log-scale MSE scores), on
 * standardised lagged features known at the origin month t: ln(1 + y_t), ln(1 + mean of the
 * last 3 and 12 months), whether y_t reached the threshold, the share of the last 12 months
 * and of all months so far that did, a decay of the time since the last death, other
 * violence types, the rolling-mean baseline as a logit (also the logistic model's offset, so
 * the penalty shrinks towards that baseline), and for cells the spatial lag (the 8
 * neighbouring cells). Newton's method with a Cholesky solve (GSL).
 *
 * The backtest is a rolling origin: one block of 12 origins at a time; the model is refitted
 * on pairs whose target month is at or before the block's first origin, so no training target
 * is a scored month or later. Baselines: "no change" (the origin month) and the rolling
 * 12-month mean.
 */
#include "events_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#define FC_NF   10 /* features including the intercept */
#define FC_HIST 12 /* months of history a feature row needs */
#define FC_OFF  8  /* the feature that is also the logistic model's offset */
static const int fc_leads[] = {1, 3, 6};
#define FC_NLEAD 3

void hs_forecast_opts_init(hs_forecast_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->type = 1;
    o->threshold = -1.0;
    o->lambda = -1.0;
}

/* Dense copy of the panel's target and other-type deaths: y[u * nm + k]. */
typedef struct fc_data {
    size_t nu, nm;
    int m0;
    double *y, *z; /* y is NaN in a month outside the unit's coverage */
    int *k0, *k1;  /* each unit's covered months, as indices: k0[u] .. k1[u] */
    int grid;
    double thr;
} fc_data;

static double y_at(const fc_data *d, size_t u, int k)
{
    return d->y[u * d->nm + (size_t)k];
}

static long find_unit(const hs_panel *p, long unit)
{
    size_t lo = 0, hi = hs_panel_nunits(p);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        long v = hs_panel_unit(p, mid);
        if (v == unit) return (long)mid;
        if (v < unit)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Features of unit u at origin index k (k >= FC_HIST - 1). */
static void features(const fc_data *d, const hs_panel *p, size_t u, int k, double *x)
{
    /* every month read here is covered: rows and origins start FC_HIST - 1 months after the
     * unit's coverage does (fc_row_ok) */
    double yt = y_at(d, u, k), s3 = 0, s12 = 0, hit12 = 0, hitall = 0;
    int last = -1, k0 = d->k0[u];
    for (int j = k0; j <= k; j++)
        hitall += y_at(d, u, j) >= d->thr;
    for (int j = 0; j < FC_HIST; j++) {
        double v = y_at(d, u, k - j);
        if (j < 3) s3 += v;
        s12 += v;
        hit12 += v >= d->thr;
    }
    for (int j = k; j >= k0; j--)
        if (y_at(d, u, j) > 0) {
            last = k - j;
            break;
        }
    x[0] = 1.0;
    x[1] = log1p(yt);
    x[2] = log1p(s3 / 3.0);
    x[3] = log1p(s12 / FC_HIST);
    x[4] = yt >= d->thr;
    x[5] = hit12 / FC_HIST;
    x[6] = last < 0 ? 0.0 : exp(-last / 6.0);
    x[7] = log1p(d->z[u * d->nm + (size_t)k]);
    /* the rolling-mean baseline on the logit scale, smoothed so that 0 and 12 of 12 stay
       finite: with this feature the logistic model contains that baseline as a special case */
    x[8] = log((hit12 + 0.5) / (FC_HIST - hit12 + 0.5));
    x[9] = hitall / (double)(k - k0 + 1); /* the unit's base rate so far, in its coverage */
    if (d->grid) {
        long g = hs_panel_unit(p, u), s = 0;
        for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++) {
                if (!dr && !dc) continue;
                long n = find_unit(p, g + (long)dr * 720 + dc);
                if (n >= 0 && !isnan(y_at(d, (size_t)n, k))) s += (long)y_at(d, (size_t)n, k);
            }
        x[5] = log1p((double)s); /* cells: the share of 12 months is in x[8] already */
    }
}

static hs_status fc_load(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o, fc_data *d,
                         hs_error *err)
{
    memset(d, 0, sizeof *d);
    /* the models read deaths by type and their sum, which a table's panel (one column) lacks;
     * tables have forecasts of their own (hs_cmtable_forecast) */
    if (hsi_panel_column(p) != HSI_PCOL_ALL)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "this forecast needs a panel of events; for a country-month table use "
                       "forecast --table");
    d->nu = hs_panel_nunits(p);
    d->m0 = hs_panel_first_month(p);
    d->nm = d->nu ? (size_t)(hs_panel_last_month(p) - d->m0 + 1) : 0;
    d->grid = hsi_panel_level(p) == HS_PANEL_GRID;
    d->thr = o->threshold >= 0 ? o->threshold : (d->grid ? 1.0 : 25.0);
    d->y = hsi_calloc(ctx, d->nu * d->nm + 1, sizeof *d->y);
    d->z = hsi_calloc(ctx, d->nu * d->nm + 1, sizeof *d->z);
    d->k0 = hsi_calloc(ctx, d->nu + 1, sizeof *d->k0);
    d->k1 = hsi_calloc(ctx, d->nu + 1, sizeof *d->k1);
    if (!d->y || !d->z || !d->k0 || !d->k1) return hsi_err_nomem(err);
    for (size_t u = 0; u < d->nu; u++) {
        int c0, c1;
        hs_panel_coverage(p, u, &c0, &c1);
        d->k0[u] = c0 - d->m0;
        d->k1[u] = c1 - d->m0;
    }
    for (size_t u = 0; u < d->nu; u++)
        for (size_t k = 0; k < d->nm; k++) {
            long ev[3], de[3];
            if (!hs_panel_get(p, u, d->m0 + (int)k, ev, de)) { /* missing, not zero */
                d->y[u * d->nm + k] = NAN;
                d->z[u * d->nm + k] = 0.0;
                continue;
            }
            double all = (double)(de[0] + de[1] + de[2]);
            double y = o->type >= 1 && o->type <= 3 ? (double)de[o->type - 1] : all;
            d->y[u * d->nm + k] = y;
            d->z[u * d->nm + k] = all - y;
        }
    return HS_OK;
}

/* Origin k of unit u with its target k + s: its features' history and the target covered. */
static int fc_row_ok(const fc_data *d, size_t u, int k, int s)
{
    return k - (FC_HIST - 1) >= d->k0[u] && k + s <= d->k1[u];
}

static void fc_free(hs_ctx *ctx, fc_data *d)
{
    hsi_free_all(ctx, d->k0, d->k1, d->y, d->z);
}

/* A fitted pair of models for one lead. */
typedef struct fc_model {
    double mu[FC_NF], sd[FC_NF];
    double bl[FC_NF]; /* logistic */
    double bq[FC_NF]; /* least squares on ln(1 + y) */
} fc_model;

/* Training rows: units u (except `skip`), origins k with k + lead <= kend. */
typedef struct fc_train {
    double *x; /* n x FC_NF, standardised */
    double *o, *t;
    double *off; /* the logistic model's offset: the baseline's logit (FC_OFF of the raw row) */
    int *k;      /* origin index of each row */
    size_t n;
} fc_train;

/* Solve (A) b = r for symmetric positive definite A (FC_NF x FC_NF), in place in b. */
static hs_status spd_solve(double *A, const double *r, double *b, hs_error *err)
{
    gsl_matrix_view Av = gsl_matrix_view_array(A, FC_NF, FC_NF);
    gsl_vector_const_view rv = gsl_vector_const_view_array(r, FC_NF);
    gsl_vector_view bv = gsl_vector_view_array(b, FC_NF);
    if (gsl_linalg_cholesky_decomp1(&Av.matrix) != GSL_SUCCESS ||
        gsl_linalg_cholesky_solve(&Av.matrix, &rv.vector, &bv.vector) != GSL_SUCCESS)
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "forecast model: the normal equations are singular (too few months?)");
    return HS_OK;
}

static hs_status fit(const fc_train *tr, double lam_l, double lam_q, fc_model *m, hs_error *err)
{
    double A[FC_NF * FC_NF], r[FC_NF], b[FC_NF];
    /* ridge least squares on ln(1 + y) */
    memset(A, 0, sizeof A);
    memset(r, 0, sizeof r);
    /* The offset feature (the baseline's logit) stays out of the least squares: its tails
       make ln(1 + y) extrapolate wildly on a unit unlike the training set. */
    for (size_t i = 0; i < tr->n; i++) {
        const double *x = tr->x + i * FC_NF;
        for (int a = 0; a < FC_NF; a++) {
            if (a == FC_OFF) continue;
            r[a] += x[a] * tr->t[i];
            for (int c = 0; c < FC_NF; c++)
                if (c != FC_OFF) A[a * FC_NF + c] += x[a] * x[c];
        }
    }
    for (int a = 1; a < FC_NF; a++)
        A[a * FC_NF + a] += a == FC_OFF ? 1.0 : lam_q; /* b[FC_OFF] solves to 0 */
    A[0] += 1e-9;                                      /* an all-zero training set still solves */
    hs_status st = spd_solve(A, r, m->bq, err);
    if (st != HS_OK) return st;
    /* ridge logistic regression by Newton's method (convex: 50 steps are plenty) */
    memset(m->bl, 0, sizeof m->bl);
    for (int it = 0; it < 50; it++) {
        memset(A, 0, sizeof A);
        for (int a = 0; a < FC_NF; a++)
            r[a] = a ? -lam_l * m->bl[a] : 0.0;
        for (size_t i = 0; i < tr->n; i++) {
            const double *x = tr->x + i * FC_NF;
            double eta = tr->off[i];
            for (int a = 0; a < FC_NF; a++)
                eta += x[a] * m->bl[a];
            double pr = 1.0 / (1.0 + exp(-eta)), w = pr * (1 - pr);
            for (int a = 0; a < FC_NF; a++) {
                r[a] += x[a] * (tr->o[i] - pr);
                for (int c = 0; c < FC_NF; c++)
                    A[a * FC_NF + c] += w * x[a] * x[c];
            }
        }
        for (int a = 0; a < FC_NF; a++)
            A[a * FC_NF + a] += a ? lam_l : 1e-9;
        st = spd_solve(A, r, b, err);
        if (st != HS_OK) return st;
        double step = 0;
        for (int a = 0; a < FC_NF; a++) {
            m->bl[a] += b[a];
            step += fabs(b[a]);
        }
        if (step < 1e-10) break;
    }
    return HS_OK;
}

static void standardise(const fc_model *m, const double *x, double *xs)
{
    xs[0] = 1.0;
    for (int a = 1; a < FC_NF; a++)
        xs[a] = m->sd[a] > 0 ? (x[a] - m->mu[a]) / m->sd[a] : 0.0;
}

static void predict(const fc_model *m, const double *x, double *p, double *lny)
{
    double xs[FC_NF], eta = x[FC_OFF], q = 0;
    standardise(m, x, xs);
    for (int a = 0; a < FC_NF; a++) {
        eta += xs[a] * m->bl[a];
        q += xs[a] * m->bq[a];
    }
    *p = 1.0 / (1.0 + exp(-eta));
    *lny = q > 0 ? q : 0.0; /* ln(1 + y) >= 0 */
}

/* Ridge penalties tried when none is given, and the validation span: the last FC_VAL months
 * of targets in the training set score each penalty after a fit on the earlier ones, so the
 * choice never sees a month it will be scored on. */
static const double fc_lambdas[] = {0.3, 1, 3, 10, 30, 100, 300, 1000};
#define FC_NLAMBDA 8
#define FC_VAL     24

static void score_rows(const fc_train *tr, const fc_model *m, int k_lo, int s, double *brier,
                       double *mse)
{
    double b = 0, q = 0;
    size_t n = 0;
    for (size_t i = 0; i < tr->n; i++) {
        if (tr->k[i] + s <= k_lo) continue;
        const double *x = tr->x + i * FC_NF;
        double eta = tr->off[i], lin = 0;
        for (int a = 0; a < FC_NF; a++) {
            eta += x[a] * m->bl[a];
            lin += x[a] * m->bq[a];
        }
        double pr = 1.0 / (1.0 + exp(-eta));
        lin = lin > 0 ? lin : 0;
        b += (pr - tr->o[i]) * (pr - tr->o[i]);
        q += (lin - tr->t[i]) * (lin - tr->t[i]);
        n++;
    }
    *brier = n ? b / (double)n : 0;
    *mse = n ? q / (double)n : 0;
}

/* Choose the penalties on the training set's last FC_VAL target months (fit on the rest). */
static hs_status choose_lambda(hs_ctx *ctx, const fc_train *tr, int s, int kend, double *lam_l,
                               double *lam_q, hs_error *err)
{
    int k_lo = kend - FC_VAL;
    fc_train fitset = *tr;
    size_t n = 0;
    for (size_t i = 0; i < tr->n; i++)
        n += tr->k[i] + s <= k_lo;
    *lam_l = *lam_q = 1.0;
    if (n < (size_t)4 * FC_NF || n == tr->n)
        return HS_OK; /* too little to split: a middle penalty */
    fitset.n = n;
    fitset.x = hsi_malloc(ctx, n * FC_NF * sizeof *fitset.x);
    fitset.o = hsi_malloc(ctx, n * sizeof *fitset.o);
    fitset.t = hsi_malloc(ctx, n * sizeof *fitset.t);
    fitset.off = hsi_malloc(ctx, n * sizeof *fitset.off);
    hs_status st = HS_OK;
    if (!fitset.x || !fitset.o || !fitset.t || !fitset.off) st = hsi_err_nomem(err);
    for (size_t i = 0, j = 0; st == HS_OK && i < tr->n; i++) {
        if (tr->k[i] + s > k_lo) continue;
        memcpy(fitset.x + j * FC_NF, tr->x + i * FC_NF, FC_NF * sizeof *tr->x);
        fitset.o[j] = tr->o[i];
        fitset.t[j] = tr->t[i];
        fitset.off[j] = tr->off[i];
        j++;
    }
    double best_b = HUGE_VAL, best_q = HUGE_VAL;
    for (int l = 0; st == HS_OK && l < FC_NLAMBDA; l++) {
        fc_model m;
        double b, q;
        st = fit(&fitset, fc_lambdas[l], fc_lambdas[l], &m, err);
        if (st != HS_OK) break;
        score_rows(tr, &m, k_lo, s, &b, &q);
        if (b < best_b) {
            best_b = b;
            *lam_l = fc_lambdas[l];
        }
        if (q < best_q) {
            best_q = q;
            *lam_q = fc_lambdas[l];
        }
    }
    hsi_free_all(ctx, fitset.x, fitset.o, fitset.t, fitset.off);
    return st;
}

/* Build the training rows for lead s, origins k <= kend - s, and fit. */
static hs_status train(hs_ctx *ctx, const fc_data *d, const hs_panel *p, int s, int kend, long skip,
                       double lambda, fc_model *m, hs_error *err)
{
    fc_train tr = {0};
    size_t cap = d->nu * (size_t)(kend > 0 ? kend : 1) + 1;
    tr.x = hsi_malloc(ctx, cap * FC_NF * sizeof *tr.x);
    tr.o = hsi_malloc(ctx, cap * sizeof *tr.o);
    tr.t = hsi_malloc(ctx, cap * sizeof *tr.t);
    tr.k = hsi_malloc(ctx, cap * sizeof *tr.k);
    tr.off = hsi_malloc(ctx, cap * sizeof *tr.off);
    hs_status st = HS_OK;
    if (!tr.x || !tr.o || !tr.t || !tr.k || !tr.off) st = hsi_err_nomem(err);
    for (size_t u = 0; st == HS_OK && u < d->nu; u++) {
        if (skip && hs_panel_unit(p, u) == skip) continue;
        for (int k = FC_HIST - 1; k + s <= kend && tr.n < cap; k++) {
            if (!fc_row_ok(d, u, k, s)) continue;
            features(d, p, u, k, tr.x + tr.n * FC_NF);
            double yt = y_at(d, u, k + s);
            tr.o[tr.n] = yt >= d->thr;
            tr.t[tr.n] = log1p(yt);
            tr.off[tr.n] = tr.x[tr.n * FC_NF + FC_OFF];
            tr.k[tr.n] = k;
            tr.n++;
        }
    }
    if (st == HS_OK && tr.n < (size_t)2 * FC_NF)
        st = hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                     "forecast model: %zu training rows; needs at least %d (more months)", tr.n,
                     2 * FC_NF);
    if (st == HS_OK) {
        for (int a = 1; a < FC_NF; a++) {
            double mu = 0, v = 0;
            for (size_t i = 0; i < tr.n; i++)
                mu += tr.x[i * FC_NF + a];
            mu /= (double)tr.n;
            for (size_t i = 0; i < tr.n; i++)
                v += (tr.x[i * FC_NF + a] - mu) * (tr.x[i * FC_NF + a] - mu);
            m->mu[a] = mu;
            m->sd[a] = sqrt(v / (double)tr.n);
        }
        for (size_t i = 0; i < tr.n; i++) {
            double raw[FC_NF];
            memcpy(raw, tr.x + i * FC_NF, sizeof raw);
            standardise(m, raw, tr.x + i * FC_NF);
        }
        double lam_l = lambda, lam_q = lambda;
        if (lambda < 0) st = choose_lambda(ctx, &tr, s, kend, &lam_l, &lam_q, err);
        if (st == HS_OK) st = fit(&tr, lam_l, lam_q, m, err);
    }
    hsi_free_all(ctx, tr.k, tr.off, tr.x, tr.o, tr.t);
    return st;
}

static hs_status hs_forecast_write_fp(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                                      FILE *fp, hs_error *err)
{
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_forecast_opts");
    fc_data d;
    hs_status st = fc_load(ctx, p, o, &d, err);
    if (st == HS_OK && (int)d.nm < FC_HIST + 6)
        st = hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0, "forecast needs at least %d months",
                     FC_HIST + 6);
    if (st == HS_OK)
        fprintf(fp, "%s,origin_month_id,lead,target_month_id,p_reach_%g,expected_ln1p\n",
                d.grid ? "gid" : "country_id", d.thr);
    int klast = (int)d.nm - 1;
    for (int l = 0; st == HS_OK && l < FC_NLEAD; l++) {
        fc_model m;
        st = train(ctx, &d, p, fc_leads[l], klast, 0, o->lambda, &m, err);
        for (size_t u = 0; st == HS_OK && u < d.nu; u++) {
            /* each unit's origin is its last covered month (a file that ends earlier gives an
             * earlier origin, not months of zeros); too short a coverage: no forecast */
            int ko = d.k1[u];
            if (!fc_row_ok(&d, u, ko, 0)) continue;
            double x[FC_NF], pr, lny;
            features(&d, p, u, ko, x);
            predict(&m, x, &pr, &lny);
            fprintf(fp, "%ld,%d,%d,%d,%.6f,%.6f\n", hs_panel_unit(p, u), d.m0 + ko, fc_leads[l],
                    d.m0 + ko + fc_leads[l], pr, lny);
        }
    }
    fc_free(ctx, &d);
    if (st == HS_OK && (fflush(fp) != 0 || ferror(fp)))
        st = hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the forecasts");
    return st;
}

typedef hs_status (*fc_write_fp_fn)(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                                    FILE *fp, hs_error *err);

/* A table that `write` prints to a stream, sent to a sink; `what` names it in errors. */
static hs_status fc_write_sink(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                               const hs_sink *out, fc_write_fp_fn write, const char *what,
                               hs_error *err)
{
    hsi_sinkfile f = {0};
    hs_status st = out ? hsi_sinkfile_open(&f, out, err) : hsi_sink_check(out, err);
    if (st != HS_OK) return st;
    st = write(ctx, p, o, f.fp, err);
    return hsi_sinkfile_close(&f, st, err, what);
}

hs_status hs_forecast_write(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                            const hs_sink *out, hs_error *err)
{
    return fc_write_sink(ctx, p, o, out, hs_forecast_write_fp, "forecasts", err);
}

/* Scored pairs of one lead: model and both baselines. */
typedef struct fc_scores {
    size_t n, cap;
    double *p[3], *lny[3], *y;
    int *o;
} fc_scores;

static int scores_push(hs_ctx *ctx, fc_scores *s, const double p[3], const double lny[3], double y,
                       int o)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 1024;
        for (int j = 0; j < 3; j++) {
            double *a = hsi_realloc(ctx, s->p[j], nc * sizeof *a);
            if (!a) return -1;
            s->p[j] = a;
            a = hsi_realloc(ctx, s->lny[j], nc * sizeof *a);
            if (!a) return -1;
            s->lny[j] = a;
        }
        double *yy = hsi_realloc(ctx, s->y, nc * sizeof *yy);
        if (!yy) return -1;
        s->y = yy;
        int *oo = hsi_realloc(ctx, s->o, nc * sizeof *oo);
        if (!oo) return -1;
        s->o = oo;
        s->cap = nc;
    }
    for (int j = 0; j < 3; j++) {
        s->p[j][s->n] = p[j];
        s->lny[j][s->n] = lny[j];
    }
    s->y[s->n] = y;
    s->o[s->n] = o;
    s->n++;
    return 0;
}

static void scores_free(hs_ctx *ctx, fc_scores *s)
{
    for (int j = 0; j < 3; j++) {
        hsi_free(ctx, s->p[j]);
        hsi_free(ctx, s->lny[j]);
    }
    hsi_free(ctx, s->y);
    hsi_free(ctx, s->o);
}

/* One rolling-origin block: origins kb .. kb + 11, models trained on targets <= kb. */
static hs_status eval_block(hs_ctx *ctx, const fc_data *d, const hs_panel *p,
                            const hs_forecast_opts *o, int kb, int kto, fc_scores *sc,
                            hs_error *err)
{
    for (int l = 0; l < FC_NLEAD; l++) {
        int s = fc_leads[l];
        fc_model m;
        hs_status st = train(ctx, d, p, s, kb, o->holdout, o->lambda, &m, err);
        if (st != HS_OK) return st;
        for (size_t u = 0; u < d->nu; u++) {
            if (o->holdout && hs_panel_unit(p, u) != o->holdout) continue;
            for (int k = kb; k < kb + 12 && k <= kto && k + s < (int)d->nm; k++) {
                if (!fc_row_ok(d, u, k, s)) continue; /* missing months are not scored */
                double x[FC_NF], pr[3], lny[3], mean = 0, hits = 0;
                features(d, p, u, k, x);
                predict(&m, x, &pr[0], &lny[0]);
                double yt = y_at(d, u, k);
                pr[1] = yt >= d->thr;
                lny[1] = log1p(yt);
                for (int j = 0; j < FC_HIST; j++) {
                    mean += y_at(d, u, k - j);
                    hits += y_at(d, u, k - j) >= d->thr;
                }
                pr[2] = hits / FC_HIST;
                lny[2] = log1p(mean / FC_HIST);
                double y = y_at(d, u, k + s);
                if (scores_push(ctx, &sc[l], pr, lny, y, y >= d->thr) != 0)
                    return hsi_err_nomem(err);
            }
        }
    }
    return HS_OK;
}

static hs_status hs_evaluate_write_fp(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                                      FILE *fp, hs_error *err)
{
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_forecast_opts");
    fc_data d;
    fc_scores sc[FC_NLEAD];
    memset(sc, 0, sizeof sc);
    hs_status st = fc_load(ctx, p, o, &d, err);
    int kfrom = o->test_from ? o->test_from - d.m0 : FC_HIST - 1 + 60;
    int kto = o->test_to ? o->test_to - d.m0 : (int)d.nm - 2;
    if (kfrom < FC_HIST - 1 + 24)
        kfrom = FC_HIST - 1 + 24; /* at least two years of training origins */
    if (st == HS_OK && kfrom > kto)
        st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                     "no months to score: the panel is too short for the requested window");
    if (st == HS_OK && o->holdout && find_unit(p, o->holdout) < 0)
        st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "held-out unit %ld is not in the panel",
                     o->holdout);
    for (int kb = kfrom; st == HS_OK && kb <= kto; kb += 12)
        st = eval_block(ctx, &d, p, o, kb, kto, sc, err);
    if (st == HS_OK) {
        static const char *const names[3] = {"model", "no_change", "rolling_mean_12"};
        fprintf(fp, "lead,model,n,positives,brier,auc_roc,auc_pr,mse_log\n");
        for (int l = 0; l < FC_NLEAD; l++) {
            size_t pos = 0;
            for (size_t i = 0; i < sc[l].n; i++)
                pos += (size_t)sc[l].o[i];
            for (int j = 0; j < 3; j++)
                fprintf(fp, "%d,%s,%zu,%zu,%.5f,%.5f,%.5f,%.5f\n", fc_leads[l], names[j], sc[l].n,
                        pos, hs_metric_brier(sc[l].p[j], sc[l].o, sc[l].n),
                        hs_metric_auc_roc(ctx, sc[l].p[j], sc[l].o, sc[l].n),
                        hs_metric_auc_pr(ctx, sc[l].p[j], sc[l].o, sc[l].n),
                        hs_metric_mse(sc[l].lny[j], sc[l].y, sc[l].n));
        }
        if (fflush(fp) != 0 || ferror(fp))
            st = hsi_err(err, HS_ERR_IO, NULL, 0, 0, "cannot write the evaluation");
    }
    for (int l = 0; l < FC_NLEAD; l++)
        scores_free(ctx, &sc[l]);
    fc_free(ctx, &d);
    return st;
}

hs_status hs_evaluate_write(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                            const hs_sink *out, hs_error *err)
{
    return fc_write_sink(ctx, p, o, out, hs_evaluate_write_fp, "backtest", err);
}
