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
