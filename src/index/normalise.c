/*
 * normalise.c - normalisation of one indicator column (docs/methods.md section 3.1 directions, 3.2
 * methods; COINr 1.1.14 n_* functions). The column arrives in original units; the direction is
 * applied here. Parsing the method and reporting which indicator failed are left to the caller.
 *
 * Methods that use the column's own min, max, mean or ranks work on d*x (d = +1 or -1), as
 * COINr's Normalise multiplies by the direction first. Methods whose parameters are given in
 * original units (goalposts, scaled, distance to target) flip the parameters with the values,
 * which for goalposts and scaled amounts to mapping the upper parameter to 0 and the lower
 * one to 1 (docs/methods.md section 3.2: (x-U)/(L-U) for a negative indicator).
 */
#include "kernels_int.h"

#include <math.h>

static void normalise_fill_nan(double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
}

/* (x-min)/(max-min)*(u-l)+l on the flipped values v; a zero range gives NaN (COINr warns
 * and returns NaN). */
static void normalise_minmax(const double *v, size_t n, double l, double u, double *out)
{
    double mn = hsi_stats_min(v, n), mx = hsi_stats_max(v, n);
    if (!(mx > mn)) {
        normalise_fill_nan(out, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (v[i] - mn) / (mx - mn) * (u - l) + l;
}

static void normalise_zscore(const double *v, size_t n, double m, double s, double *out)
{
    double mu = hsi_stats_mean(v, n), sd = hsi_stats_sd(v, n);
    if (!(sd > 0)) {
        normalise_fill_nan(out, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (v[i] - mu) / sd * s + m;
}

/* Goalposts in original units (docs/methods.md section 3.2; HDI 1.1 with log for income): with t =
 * ln x when log is set, y = (t-L)/(U-L) for direction +1 and (t-U)/(L-U) for -1, clipped to [0, 1]
 * if clip, times scale. */
static hs_status normalise_goalposts(const hsi_norm_spec *sp, int dir, const double *x, size_t n,
                                     double *out, hs_error *err)
{
    double lo = sp->lo, hi = sp->hi;
    if (sp->log) {
        if (!(lo > 0) || !(hi > 0))
            return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                           "log goalposts (%g, %g) must both be > 0", lo, hi);
        lo = log(lo);
        hi = log(hi);
    }
    if (!(hi != lo))
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "goalposts (%g, %g) are equal (expected lower < upper)", sp->lo, sp->hi);
    for (size_t i = 0; i < n; i++) {
        if (sp->log && !isnan(x[i]) && !(x[i] > 0))
            return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                           "value %s in row %zu cannot be log-transformed (expected > 0)",
                           hsi_fmt_double((char[32]){0}, x[i]), i + 1);
    }
    for (size_t i = 0; i < n; i++) {
        double t = sp->log ? log(x[i]) : x[i];
        double y = dir > 0 ? (t - lo) / (hi - lo) : (t - hi) / (lo - hi);
        if (sp->clip && !isnan(y)) y = y > 1 ? 1 : (y < 0 ? 0 : y);
        out[i] = y * sp->scale;
    }
    return HS_OK;
}

/* Rank-based methods on v (higher v, higher rank): rank, percentile rank, Borda. */
static void normalise_ranks(hsi_norm_kind kind, const double *v, size_t n, double *out, size_t *wsz)
{
    hsi_stats_rank(v, n, 0, out, wsz);
    size_t m = hsi_stats_count(v, n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(out[i])) continue;
        if (kind == HSI_NORM_PRANK)
            out[i] = m > 1 ? (out[i] - 1) / (double)(m - 1) : (double)NAN;
        else if (kind == HSI_NORM_BORDA)
            out[i] = out[i] - 1;
    }
}

/* COINr n_dist2targ: 1 - (T-x)/(T-min) = (x-min)/(T-min), on flipped values and target. */
static void normalise_disttarget(const double *v, size_t n, double target, int clip, double *out)
{
    double mn = hsi_stats_min(v, n);
    if (!(target != mn)) {
        normalise_fill_nan(out, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double y = 1 - (target - v[i]) / (target - mn);
        out[i] = clip && y > 1 ? 1 : y;
    }
}

hs_status hsi_normalise(const hsi_norm_spec *spec, int direction, const double *x, size_t n,
                        double *out, double *work, size_t *wsz, hs_error *err)
{
    int dir = direction < 0 ? -1 : 1;
    double *v = work;
    for (size_t i = 0; i < n; i++)
        v[i] = dir * x[i];
    switch (spec->kind) {
    case HSI_NORM_NONE:
        /* COINr's "none" returns the direction-flipped column */
        for (size_t i = 0; i < n; i++)
            out[i] = v[i];
        return HS_OK;
    case HSI_NORM_MINMAX:
        normalise_minmax(v, n, spec->a, spec->b, out);
        return HS_OK;
    case HSI_NORM_ZSCORE:
        normalise_zscore(v, n, spec->a, spec->b, out);
        return HS_OK;
    case HSI_NORM_GOALPOSTS:
        return normalise_goalposts(spec, dir, x, n, out, err);
    case HSI_NORM_RANK:
    case HSI_NORM_PRANK:
    case HSI_NORM_BORDA:
        normalise_ranks(spec->kind, v, n, out, wsz);
        return HS_OK;
    case HSI_NORM_FRACMAX: {
        /* no guard, as COINr's n_fracmax: a maximum of 0 gives +-Inf, and 0/0 NaN (a negative
         * indicator whose smallest raw value is 0 has max x' = -0) */
        double mx = hsi_stats_max(v, n);
        for (size_t i = 0; i < n; i++)
            out[i] = v[i] / mx;
        return HS_OK;
    }
    case HSI_NORM_DISTMAX: {
        double mn = hsi_stats_min(v, n), mx = hsi_stats_max(v, n);
        if (!(mx > mn)) {
            normalise_fill_nan(out, n);
            return HS_OK;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = 1 - (mx - v[i]) / (mx - mn);
        return HS_OK;
    }
    case HSI_NORM_DISTTARGET:
    case HSI_NORM_DIST2REF: /* the caller put the reference unit's value in target */
        normalise_disttarget(v, n, dir * spec->target, spec->clip, out);
        return HS_OK;
    case HSI_NORM_SCALED: {
        /* (x-l)/(u-l)*f, not clipped; direction -1 maps u to 0 and l to f */
        double l = spec->lo, u = spec->hi;
        if (!(u != l))
            return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                           "scaled(l, u, f) needs l != u, got l = u = %g", l);
        for (size_t i = 0; i < n; i++) {
            if (spec->directed) /* COINr's global n_scaled: l and u apply to d*x as they are */
                out[i] = (v[i] - l) / (u - l) * spec->scale;
            else
                out[i] = (dir > 0 ? (x[i] - l) / (u - l) : (x[i] - u) / (l - u)) * spec->scale;
        }
        return HS_OK;
    }
    }
    return hsi_err(err, HS_ERR_INTERNAL, NULL, 0, 0, "unknown normalisation kind %d",
                   (int)spec->kind);
}
