/*
 * warn.c - escalation alerts per unit and month (docs/methods.md section 5.5): the Gamma-Poisson
 * predictive surprise with Benjamini-Hochberg across the units of a month (default), or a Poisson
 * CUSUM. Works on any panel (panel.c); storing the alerts is the store's job.
 *
 * Out of sample by construction: the baseline of month t uses months t-g-W .. t-g-1 only.
 */
#include "events_int.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

void hs_warn_opts_init(hs_warn_opts *o)
{
    *o = (hs_warn_opts){.size = sizeof *o,
                        .method = HS_WARN_SURPRISE,
                        .window = 24,
                        .a0 = 0.5,
                        .b0 = 1.0,
                        .alpha = 0.01,
                        .bh = 1,
                        .min_size = -1.0,
                        .cusum_delta = 2.0,
                        .cusum_h = 5.0};
}

/*
 * P(Y >= y) for the negative-binomial predictive of docs/methods.md section 5.5: r = a0 + S,
 * q = (b0 + W) / (b0 + W + 1). GSL's negative binomial has pdf
 * Gamma(n + k) / (Gamma(k + 1) Gamma(n)) p^n (1 - p)^k, so p = q and n = r, and
 * P(Y >= y) = Q(y - 1) for y >= 1 (gsl_cdf_negative_binomial_Q(k) = P(Y > k)).
 */
double hs_warn_surprise_p(double y, double S, double W, double a0, double b0)
{
    if (y < 1.0) return 1.0;
    double r = a0 + S;
    double q = (b0 + W) / (b0 + W + 1.0);
    return gsl_cdf_negative_binomial_Q((unsigned int)(y - 1.0), q, r);
}

typedef struct pidx {
    double p;
    size_t i;
} pidx;

static int pidx_cmp(const void *a, const void *b)
{
    const pidx *x = a, *y = b;
    if (x->p < y->p) return -1;
    if (x->p > y->p) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Benjamini & Hochberg (1995): q_(i) = min_{j >= i} min(1, n p_(j) / j) over sorted p. */
hs_status hs_bh_adjust(hs_ctx *ctx, const double *p, size_t n, double *q, hs_error *err)
{
    if (n == 0) return HS_OK;
    pidx *s = hsi_malloc(ctx, n * sizeof *s);
    if (!s) return hsi_err_nomem(err);
    for (size_t i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].i = i;
    }
    qsort(s, n, sizeof *s, pidx_cmp);
    double run = 1.0;
    for (size_t k = n; k-- > 0;) {
        double v = s[k].p * (double)n / (double)(k + 1);
        if (v < run) run = v;
        q[s[k].i] = run;
    }
    hsi_free(ctx, s);
    return HS_OK;
}

/* The measure of unit i in month m (events or deaths, one type or all); NaN when the month is
 * outside the unit's coverage (missing, not zero). */
static double measure(const hs_panel *p, size_t i, int m, const hs_warn_opts *o)
{
    long ev[3], de[3], v;
    if (o->type >= 1 && o->type <= 3) {
        if (!hs_panel_get(p, i, m, ev, de)) return NAN;
        size_t t = (size_t)(o->type - 1);
        v = o->measure_events ? ev[t] : de[t];
    } else {
        /* a table's panel may know the total only (UCDP's fatalities), not its types */
        if (!hsi_panel_total(p, i, m, ev, de)) return NAN;
        v = o->measure_events ? ev[0] : de[0];
    }
    return v < 0 ? (double)NAN : (double)v; /* -1: a column the panel does not know */
}

/* Whether the panel holds the measure: a table's panel holds one column (hs_panel_from_cmtable),
 * and alerts on a measure it lacks would be alerts on nothing. */
static int measure_known(const hs_panel *p, const hs_warn_opts *o)
{
    int col = hsi_panel_column(p);
    if (col == HSI_PCOL_ALL) return 1;
    if (o->type >= 1 && o->type <= 3) return col == (o->measure_events ? 0 : 3) + o->type - 1;
    return !o->measure_events && col == HSI_PCOL_DEATHS;
}

/* A growable alert list. */
typedef struct alist {
    hs_ctx *ctx;
    hs_alert *a;
    size_t n, cap;
} alist;

static hs_alert *alist_push(alist *l)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        hs_alert *na = hsi_realloc(l->ctx, l->a, nc * sizeof *na);
        if (!na) return NULL;
        l->a = na;
        l->cap = nc;
    }
    hs_alert *a = &l->a[l->n++];
    memset(a, 0, sizeof *a);
    return a;
}

static const char *measure_name(const hs_warn_opts *o)
{
    static const char *const d[] = {"deaths", "state-based deaths", "non-state deaths",
                                    "one-sided deaths"};
    static const char *const e[] = {"events", "state-based events", "non-state events",
                                    "one-sided events"};
    int t = o->type >= 1 && o->type <= 3 ? o->type : 0;
    return o->measure_events ? e[t] : d[t];
}

/* Prefix sums of the measure per unit: cum[u * (nm + 1) + k] = sum of months m0 .. m0+k-1;
 * for a table's panel, after them, as many of the months missing among those (it can lack a
 * month inside its coverage, and no window may read one as zero). A panel of events lacks
 * none inside coverage, and a grid panel's sums are large enough not to double for nothing. */
static double *prefix_sums(hs_ctx *ctx, const hs_panel *p, const hs_warn_opts *o, size_t nu, int m0,
                           size_t nm)
{
    if (nu && nm + 1 > (size_t)-1 / sizeof(double) / nu) return NULL;
    size_t arrays = hsi_panel_column(p) == HSI_PCOL_ALL ? 1 : 2;
    if (nu && arrays * (nm + 1) > (size_t)-1 / sizeof(double) / nu) return NULL;
    double *cum = hsi_malloc(ctx, arrays * nu * (nm + 1) * sizeof *cum);
    if (!cum) return NULL;
    for (size_t u = 0; u < nu; u++) {
        double *c = cum + u * (nm + 1), *miss = arrays == 2 ? c + nu * (nm + 1) : NULL;
        c[0] = 0.0;
        if (miss) miss[0] = 0.0;
        for (size_t k = 0; k < nm; k++) {
            /* a missing month adds nothing: no window that uses the sums reaches one (each
             * unit is judged only where its window and month are covered) */
            double v = measure(p, u, m0 + (int)k, o);
            c[k + 1] = c[k] + (isnan(v) ? 0.0 : v);
            if (miss) miss[k + 1] = miss[k] + isnan(v);
        }
    }
    return cum;
}

/* Surprise alerts of month t (all units at once, for Benjamini-Hochberg). */
static hs_status surprise_month(hs_ctx *ctx, const hs_panel *p, const hs_warn_opts *o,
                                const double *cum, size_t nu, int m0, size_t nm, int t,
                                double minsz, double *pv, double *qv, size_t *ju, alist *l,
                                hs_error *err)
{
    if (!cum || nu == 0) return HS_OK; /* nothing to judge (the caller checked the memory) */
    size_t k = (size_t)(t - m0);       /* index of month t */
    size_t w0 = k - (size_t)(o->window + o->guard), w1 = k - (size_t)o->guard;
    double W = (double)o->window;
    /* the units whose month t and whole baseline window are covered: the others are not
     * judged, nor counted in the false discovery rate */
    size_t nj = 0;
    for (size_t u = 0; u < nu; u++) {
        int c0, c1;
        hs_panel_coverage(p, u, &c0, &c1);
        if (t > c1 || t - o->window - o->guard < c0) continue;
        const double *c = cum + u * (nm + 1);
        const double *miss = hsi_panel_column(p) == HSI_PCOL_ALL ? NULL : c + nu * (nm + 1);
        if (miss && (miss[k + 1] - miss[k] > 0 || miss[w1] - miss[w0] > 0)) continue;
        double y = c[k + 1] - c[k], S = c[w1] - c[w0];
        ju[nj] = u;
        pv[nj++] = hs_warn_surprise_p(y, S, W, o->a0, o->b0);
    }
    if (o->bh) {
        hs_status st = hs_bh_adjust(ctx, pv, nj, qv, err);
        if (st != HS_OK) return st;
    } else {
        memcpy(qv, pv, nj * sizeof *qv);
    }
    for (size_t j = 0; j < nj; j++) {
        size_t u = ju[j];
        const double *c = cum + u * (nm + 1);
        double y = c[k + 1] - c[k], S = c[w1] - c[w0];
        if (!(qv[j] < o->alpha) || y < minsz) continue;
        hs_alert *a = alist_push(l);
        if (!a) return hsi_err_nomem(err);
        a->unit = hs_panel_unit(p, u);
        a->month_id = t;
        a->observed = y;
        a->expected = (o->a0 + S) / (o->b0 + W);
        a->pvalue = pv[j];
        a->qvalue = qv[j];
        /* p can underflow to 0 for huge jumps; the score is then capped at DBL_MIN's. */
        a->score = -log10(pv[j] > DBL_MIN ? pv[j] : DBL_MIN);
        snprintf(a->explanation, sizeof a->explanation,
                 "%g %s against a baseline of %.3g a month (%g in the previous %d months%s); "
                 "P(Y >= %g) = %.3g%s",
                 y, measure_name(o), a->expected, S, o->window, o->guard ? ", after a guard" : "",
                 y, pv[j], o->bh ? "" : " (no FDR control)");
        if (o->bh) {
            size_t len = strlen(a->explanation);
            snprintf(a->explanation + len, sizeof a->explanation - len, ", BH q = %.3g", qv[j]);
        }
    }
    return HS_OK;
}

/* Simulated in-control runs per calibration, and their length in multiples of arl0: a run
 * not alarmed by then counts as that long (for a run length about geometric, the chance
 * of getting there is about e^-10). */
#define CUSUM_RUNS   500
#define CUSUM_LENGTH 10

/* The first t (1-based) with m[t - 1] >= h in the nondecreasing m[0, n), or n. */
static size_t first_reach(const double *m, size_t n, double h)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid] >= h)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < n ? lo + 1 : n;
}

static double mean_run(const double *m, size_t runs, size_t len, double h)
{
    double s = 0;
    for (size_t r = 0; r < runs; r++)
        s += (double)first_reach(m + r * len, len, h);
    return s / (double)runs;
}

/*
 * docs/methods.md section 5.5: "choose h from the desired in-control run length (simulate the
 * Poisson baseline to calibrate)". CUSUM_RUNS runs of Poisson(lambda0) counts through the CUSUM
 * without resets, each kept as its running maximum: the run length for any h is then the
 * first month that maximum reaches h (a binary search), so one simulation serves every h
 * tried. h is the smallest value whose mean run length reaches arl0, by bisection to 1e-6
 * relative. The seed is fixed, so the same arguments always give the same h.
 */
hs_status hs_warn_cusum_h(hs_ctx *ctx, double lambda0, double delta, double arl0, double *h,
                          hs_error *err)
{
    *h = NAN;
    if (!(lambda0 > 0) || !(lambda0 < 1e9) || !(delta > 1) || !(arl0 >= 2) || !(arl0 <= 1200))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "CUSUM calibration needs lambda0 > 0, delta > 1 and an in-control run "
                       "length of 2 to 1200 months");
    size_t len = (size_t)(CUSUM_LENGTH * arl0), runs = CUSUM_RUNS;
    double *m = hsi_malloc(ctx, runs * len * sizeof *m);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!m || !rng) {
        hsi_free(ctx, m);
        if (rng) gsl_rng_free(rng);
        return hsi_err_nomem(err);
    }
    gsl_rng_set(rng, 20261130u);
    double l1 = delta * lambda0, k = (l1 - lambda0) / (log(l1) - log(lambda0)), top = 0;
    for (size_t r = 0; r < runs; r++) {
        double c = 0, mx = 0, *mr = m + r * len;
        for (size_t t = 0; t < len; t++) {
            c += (double)gsl_ran_poisson(rng, lambda0) - k;
            if (c < 0) c = 0;
            if (c > mx) mx = c;
            mr[t] = mx;
        }
        if (mx > top) top = mx;
    }
    gsl_rng_free(rng);
    /* mean_run grows with h: from 1 at h = 0 up to len above every maximum */
    double lo = 0, hi = top * (1 + 1e-9) + 1e-9;
    if (mean_run(m, runs, len, hi) < arl0) {
        hsi_free(ctx, m);
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "CUSUM calibration: no h reaches a run length of %g months", arl0);
    }
    /* to 1e-6 relative, or 1e-9: at rates so low that any h > 0 waits longer than arl0 for
       the first count, h goes to 0 and a relative step alone would never end */
    for (int it = 0; it < 200 && hi - lo > 1e-6 * hi && hi - lo > 1e-9; it++) {
        double mid = 0.5 * (lo + hi);
        if (mean_run(m, runs, len, mid) >= arl0)
            hi = mid;
        else
            lo = mid;
    }
    hsi_free(ctx, m);
    *h = hi;
    return HS_OK;
}

/* Calibrated h per baseline rate: rates are rounded to a quarter of an octave, 2^(g/4), and
 * each grid point is simulated once per run of hs_warn_run. */
#define CUSUM_GRID_LO (-80) /* 2^-20 */
#define CUSUM_GRID_HI 120   /* 2^30 */
typedef struct cusum_cal {
    hs_ctx *ctx;
    double h[CUSUM_GRID_HI - CUSUM_GRID_LO + 1]; /* NAN: not computed yet */
} cusum_cal;

static hs_status cusum_h_for(cusum_cal *cal, const hs_warn_opts *o, double l0, double *h,
                             hs_error *err)
{
    if (!(o->cusum_arl0 > 0)) {
        *h = o->cusum_h;
        return HS_OK;
    }
    double g = floor(4 * log2(l0) + 0.5);
    if (g < CUSUM_GRID_LO) g = CUSUM_GRID_LO;
    if (g > CUSUM_GRID_HI) g = CUSUM_GRID_HI;
    double *slot = &cal->h[(int)g - CUSUM_GRID_LO];
    if (isnan(*slot)) {
        hs_status st =
            hs_warn_cusum_h(cal->ctx, exp2(g / 4), o->cusum_delta, o->cusum_arl0, slot, err);
        if (st != HS_OK) return st;
    }
    *h = *slot;
    return HS_OK;
}

/* Poisson CUSUM (Lucas 1985) of one unit over months t0..t1; the in-control rate is the
 * baseline window's (with the prior, so it is never 0). miss: the unit's prefix counts of
 * missing months (prefix_sums), NULL for a panel of events. */
static hs_status cusum_unit(const hs_panel *p, const hs_warn_opts *o, cusum_cal *cal,
                            const double *c, const double *miss, size_t u, int m0, int t0, int t1,
                            double minsz, alist *l, hs_error *err)
{
    double C = 0.0, W = (double)o->window;
    for (int t = t0; t <= t1; t++) {
        size_t k = (size_t)(t - m0);
        size_t w0 = k - (size_t)(o->window + o->guard), w1 = k - (size_t)o->guard;
        if (miss && (miss[k + 1] - miss[k] > 0 || miss[w1] - miss[w0] > 0)) {
            C = 0.0; /* a month missing here or in the baseline: start again after it */
            continue;
        }
        double y = c[k + 1] - c[k], S = c[w1] - c[w0];
        double l0 = (o->a0 + S) / (o->b0 + W), l1 = o->cusum_delta * l0;
        double kref = (l1 - l0) / (log(l1) - log(l0));
        C = C + y - kref;
        if (C < 0) C = 0;
        double h = 0;
        hs_status st = cusum_h_for(cal, o, l0, &h, err);
        if (st != HS_OK) return st;
        if (C >= h && y >= minsz) {
            hs_alert *a = alist_push(l);
            if (!a) return hsi_err_nomem(err);
            a->unit = hs_panel_unit(p, u);
            a->month_id = t;
            a->observed = y;
            a->expected = l0;
            a->pvalue = a->qvalue = NAN;
            a->score = C;
            int at = snprintf(a->explanation, sizeof a->explanation,
                              "CUSUM %.3g >= h %.3g: %g %s this month against %.3g a month in the "
                              "previous %d months (k = %.3g, delta %g",
                              C, h, y, measure_name(o), l0, o->window, kref, o->cusum_delta);
            if (at > 0 && (size_t)at < sizeof a->explanation)
                snprintf(a->explanation + at, sizeof a->explanation - (size_t)at,
                         o->cusum_arl0 > 0 ? ", h for an in-control run of %g months)" : ")",
                         o->cusum_arl0);
            C = 0.0;
        }
    }
    return HS_OK;
}

static int alert_cmp(const void *a, const void *b)
{
    const hs_alert *x = a, *y = b;
    if (x->month_id != y->month_id)
        return (x->month_id > y->month_id) - (x->month_id < y->month_id);
    return (x->unit > y->unit) - (x->unit < y->unit);
}

hs_status hs_warn_run(hs_ctx *ctx, const hs_panel *p, const hs_warn_opts *o, hs_alert **out,
                      size_t *n, hs_error *err)
{
    *out = NULL;
    *n = 0;
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_warn_opts");
    if (o->window < 1 || o->guard < 0 || !(o->a0 > 0) || !(o->b0 > 0) || !(o->alpha > 0) ||
        o->alpha >= 1 || !(o->cusum_delta > 1) || !(o->cusum_h > 0) ||
        !(o->cusum_arl0 == 0 || (o->cusum_arl0 >= 2 && o->cusum_arl0 <= 1200)))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "warning options out of range: window >= 1, guard >= 0, a0 > 0, "
                       "b0 > 0, 0 < alpha < 1, delta > 1, h > 0, arl0 0 or 2..1200");
    size_t nu = hs_panel_nunits(p);
    int m0 = hs_panel_first_month(p), m1 = hs_panel_last_month(p);
    size_t nm = nu ? (size_t)(m1 - m0 + 1) : 0;
    int t0 = m0 + o->window + o->guard, t1 = m1;
    if (o->from > t0) t0 = o->from;
    if (o->to && o->to < t1) t1 = o->to;
    /* docs/methods.md section 5.5 defaults: 25 deaths for countries, 5 for cells. */
    double minsz =
        o->min_size >= 0 ? o->min_size : (hsi_panel_level(p) == HS_PANEL_GRID ? 5.0 : 25.0);
    if (!measure_known(p, o))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "the table's panel holds no %s: it has one column (docs/events.md, "
                       "\"Country-month tables\"); choose the type it has",
                       measure_name(o));
    if (nu == 0 || t0 > t1) return HS_OK;
    alist l = {ctx, NULL, 0, 0};
    double *cum = prefix_sums(ctx, p, o, nu, m0, nm);
    double *pv = hsi_malloc(ctx, nu * sizeof *pv), *qv = hsi_malloc(ctx, nu * sizeof *qv);
    size_t *ju = hsi_malloc(ctx, nu * sizeof *ju);
    hs_status st = HS_OK;
    if (!cum || !pv || !qv || !ju) st = hsi_err_nomem(err);
    if (o->method == HS_WARN_CUSUM) {
        cusum_cal *cal = hsi_malloc(ctx, sizeof *cal);
        if (!cal && st == HS_OK) st = hsi_err_nomem(err);
        if (cal) {
            cal->ctx = ctx;
            for (size_t g = 0; g < sizeof cal->h / sizeof cal->h[0]; g++)
                cal->h[g] = NAN;
        }
        for (size_t u = 0; st == HS_OK && u < nu; u++) {
            /* only months whose baseline window and month are covered */
            int c0, c1;
            hs_panel_coverage(p, u, &c0, &c1);
            int a = c0 + o->window + o->guard > t0 ? c0 + o->window + o->guard : t0;
            int b = c1 < t1 ? c1 : t1;
            const double *miss =
                hsi_panel_column(p) == HSI_PCOL_ALL ? NULL : cum + (nu + u) * (nm + 1);
            st = cusum_unit(p, o, cal, cum + u * (nm + 1), miss, u, m0, a, b, minsz, &l, err);
        }
        hsi_free(ctx, cal);
    } else {
        for (int t = t0; st == HS_OK && t <= t1; t++)
            st = surprise_month(ctx, p, o, cum, nu, m0, nm, t, minsz, pv, qv, ju, &l, err);
    }
    hsi_free_all(ctx, cum, pv, qv, ju);
    if (st != HS_OK) {
        hsi_free(ctx, l.a);
        return st;
    }
    if (l.n > 1) qsort(l.a, l.n, sizeof *l.a, alert_cmp); /* l.a may be NULL when empty */
    *out = l.a;
    *n = l.n;
    return HS_OK;
}

void hs_alerts_free(hs_ctx *ctx, hs_alert *a)
{
    hsi_free(ctx, a);
}

static void warn_alert_row(hsi_buf *b, const void *row, const void *ud)
{
    const hs_alert *a = row;
    int y, m;
    char f1[32], f2[32];
    (void)ud;
    hsi_month_ym(a->month_id, &y, &m);
    hsi_buf_printf(b, "%d,%d,%d,%ld,%s,%s,", a->month_id, y, m, a->unit,
                   hsi_fmt_double(f1, a->observed), hsi_fmt_double(f2, a->expected));
    if (isnan(a->pvalue))
        hsi_buf_puts(b, "NA,NA,");
    else
        hsi_buf_printf(b, "%s,%s,", hsi_fmt_double(f1, a->pvalue), hsi_fmt_double(f2, a->qvalue));
    hsi_buf_printf(b, "%s,\"", hsi_fmt_double(f1, a->score));
    for (const char *s = a->explanation; *s; s++) {
        if (*s == '"') hsi_buf_add(b, "\"", 1); /* doubled inside a quoted field */
        hsi_buf_add(b, s, 1);
    }
    hsi_buf_puts(b, "\"\n");
}

hs_status hs_alerts_write_csv(const hs_alert *a, size_t n, hs_panel_level level, const hs_sink *out,
                              hs_error *err)
{
    char header[96];
    snprintf(header, sizeof header,
             "month_id,year,month,%s,observed,expected,pvalue,qvalue,score,explanation\n",
             level == HS_PANEL_GRID ? "gid" : "country_id");
    return hsi_sink_rows(out, "alerts", header, a, n, sizeof *a, warn_alert_row, NULL, err);
}

/*
 * docs/methods.md section 5.5, "scoring alerts honestly": an alert at t is a hit if the measure
 * reaches `target` in one of the months t+1 .. t+H; a target month counts as caught if some alert
 * of its unit fell in the H months before it. Only months inside the panel are looked at, and
 * alerts too close to the panel's end to be judged are left out.
 */
hs_status hs_warn_score(hs_ctx *ctx, const hs_panel *p, const hs_warn_opts *o, const hs_alert *a,
                        size_t n, int horizon, double target, hs_warn_skill *out, hs_error *err)
{
    memset(out, 0, sizeof *out);
    out->median_lead = NAN;
    if (!HSI_OPTS_OK(o)) return hsi_err_opts(err, "hs_warn_opts");
    if (horizon < 1)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "the scoring horizon must be >= 1 month");
    int m1 = hs_panel_last_month(p);
    double *leads = hsi_malloc(ctx, (n ? n : 1) * sizeof *leads);
    if (!leads) return hsi_err_nomem(err);
    size_t nlead = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i].month_id + horizon > m1) continue;
        long u = -1;
        for (size_t k = 0; k < hs_panel_nunits(p); k++)
            if (hs_panel_unit(p, k) == a[i].unit) u = (long)k;
        if (u < 0) continue;
        int c0, c1;
        hs_panel_coverage(p, (size_t)u, &c0, &c1);
        if (a[i].month_id + horizon > c1) continue; /* its horizon is not covered: not judged */
        int first = 0;
        for (int h = 1; h <= horizon && !first; h++)
            if (measure(p, (size_t)u, a[i].month_id + h, o) >= target) first = h;
        if (first) {
            out->hits++;
            leads[nlead++] = first;
        } else {
            out->false_alarms++;
        }
    }
    /* target months after the first month that could be scored (o->from, or a full window
     * after the panel's start) */
    int t0 = o->from ? o->from : hs_panel_first_month(p) + o->window + o->guard;
    int t1 = o->to && o->to < m1 ? o->to : m1;
    for (size_t k = 0; k < hs_panel_nunits(p); k++)
        for (int t = t0 + 1; t <= t1; t++) {
            if (!(measure(p, k, t, o) >= target)) continue; /* NaN: missing, not judged */
            int caught = 0;
            for (size_t i = 0; i < n && !caught; i++)
                caught = a[i].unit == hs_panel_unit(p, k) && a[i].month_id < t &&
                         a[i].month_id >= t - horizon;
            if (caught)
                out->caught++;
            else
                out->missed++;
        }
    size_t judged = out->hits + out->false_alarms;
    out->precision = judged ? (double)out->hits / (double)judged : (double)NAN;
    out->recall = out->caught + out->missed
                      ? (double)out->caught / (double)(out->caught + out->missed)
                      : (double)NAN;
    if (nlead) {
        qsort(leads, nlead, sizeof *leads, hsi_dbl_cmp);
        out->median_lead =
            nlead % 2 ? leads[nlead / 2] : (leads[nlead / 2 - 1] + leads[nlead / 2]) / 2.0;
    }
    hsi_free(ctx, leads);
    return HS_OK;
}
