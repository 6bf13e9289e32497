/*
 * panel.c - one unit's time series of one indicator: gaps filled from the unit's own years
 * (COINr impute_panel) and its trend (COINr get_trends with CAGR, and a least-squares
 * slope). docs/methods.md sections 3.8 and 3.9.
 */
#include "panel_int.h"

#include <math.h>

/* Index of the first observed value at or after i, or n. */
static size_t panel_next_obs(const double *y, size_t n, size_t i)
{
    while (i < n && isnan(y[i]))
        i++;
    return i;
}

size_t hsi_fill_series(hsi_fill_kind kind, const long *t, double *y, size_t n, unsigned char *flag)
{
    size_t first = panel_next_obs(y, n, 0);
    if (first == n) return 0;
    size_t filled = 0, prev = first;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(y[i])) {
            prev = i;
            continue;
        }
        /* values after i are still the observed ones: filling runs forward */
        size_t next = panel_next_obs(y, n, i + 1);
        double v;
        if (i < first)
            v = y[first];
        else if (next == n || kind == HSI_FILL_CONSTANT)
            v = y[prev];
        else /* the division first, as R's approx does, so results match it bit for bit */
            v = y[prev] +
                (y[next] - y[prev]) * ((double)(t[i] - t[prev]) / (double)(t[next] - t[prev]));
        y[i] = v;
        if (flag) flag[i] = 1;
        filled++;
    }
    return filled;
}

static double panel_cagr(const long *t, const double *y, size_t lo, size_t hi)
{
    size_t a = panel_next_obs(y, hi, lo), b = hi;
    while (b > lo && isnan(y[b - 1]))
        b--;
    b--;
    if (y[b] == y[a]) return 0; /* also 0 to 0, which would be 0/0 */
    return pow(y[b] / y[a], 1.0 / (double)(t[b] - t[a])) - 1;
}

static double panel_slope(const long *t, const double *y, size_t lo, size_t hi)
{
    double mt = 0, my = 0;
    size_t k = 0;
    for (size_t i = lo; i < hi; i++)
        if (!isnan(y[i])) {
            mt += (double)t[i];
            my += y[i];
            k++;
        }
    mt /= (double)k;
    my /= (double)k;
    double sxy = 0, sxx = 0;
    for (size_t i = lo; i < hi; i++)
        if (!isnan(y[i])) {
            sxy += ((double)t[i] - mt) * (y[i] - my);
            sxx += ((double)t[i] - mt) * ((double)t[i] - mt);
        }
    return sxy / sxx;
}

void hsi_series_trend(const long *t, const double *y, size_t n, size_t window, hsi_trend *out)
{
    out->cagr = out->slope = NAN;
    out->avail = n ? 0 : NAN;
    out->t_first = out->t_latest = 0;
    out->nobs = out->nwin = 0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i])) {
            if (out->nobs++ == 0) out->t_first = t[i];
            out->t_latest = t[i];
            last = i;
        }
    if (n) out->avail = (double)out->nobs / (double)n;
    if (out->nobs < 2) return;
    size_t lo = 0, hi = last + 1;
    if (window > 0) {
        if (window > hi) return; /* the window reaches before the series starts */
        lo = hi - window;
    }
    for (size_t i = lo; i < hi; i++)
        out->nwin += !isnan(y[i]);
    if (out->nwin < 2) return;
    out->cagr = panel_cagr(t, y, lo, hi);
    out->slope = panel_slope(t, y, lo, hi);
}
