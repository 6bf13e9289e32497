/*
 * panel_int.h - kernels on one unit's time series of one indicator (panel.c): filling its
 * gaps from its own years and measuring its trend. The series is y[0..n) observed at the
 * strictly increasing times t[0..n); NaN is missing. No allocation, no state.
 *
 * Formulas: docs/methods.md sections 3.8 (panel imputation) and 3.9 (trends).
 */
#ifndef HS_PANEL_INT_H
#define HS_PANEL_INT_H

#include <stddef.h>

#include "../core/core_int.h"

/* How the gaps of a series are filled from its observed years. */
typedef enum hsi_fill_kind {
    HSI_FILL_LINEAR = 0, /* straight line between the years around the gap */
    HSI_FILL_CONSTANT    /* the last observed value carried forward */
} hsi_fill_kind;

/**
 * Fill the NaNs of y in place: between two observed years as `kind` says; before the first
 * observed year with the first value, after the last with the last (both kinds). A series
 * with no value stays as it is; one with a single value takes it everywhere. flag[i] is set
 * to 1 where y[i] was filled (flag may be NULL). Returns the number of values filled.
 */
HS_INTERNAL size_t hsi_fill_series(hsi_fill_kind kind, const long *t, double *y, size_t n,
                                   unsigned char *flag);

/* Trend of one series over its window. */
typedef struct hsi_trend {
    double cagr;  /* compound annual growth rate, first to last observed value */
    double slope; /* least-squares slope of y on t, per time unit */
    double avail; /* share of the n points that are observed (whole series) */
    long t_first; /* first and last observed time (whole series), valid when nobs >= 2 */
    long t_latest;
    size_t nobs; /* observed values in the whole series */
    size_t nwin; /* observed values in the window; cagr and slope are NaN below 2 */
} hsi_trend;

/**
 * CAGR and slope of a series. window = 0 uses every point; window = W uses the W points
 * ending at the last observed one, and gives NaN (with nwin = 0) when the series has fewer
 * than W points up to there.
 */
HS_INTERNAL void hsi_series_trend(const long *t, const double *y, size_t n, size_t window,
                                  hsi_trend *out);

#endif
