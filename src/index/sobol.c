/*
 * sobol.c - Sobol' sensitivity estimators on model outputs already computed (docs/methods.md
 * section 4.2): first-order indices by Saltelli et al. (2010), total-effect indices by Jansen
 * (1999), both scaled by the sample variance of the A and B outputs, as COINr's SA_estimate does.
 * Drawing the sample and running the model are left to the caller.
 */
#include "kernels_int.h"

#include <math.h>

hs_status hs_sobol_estimate(const double *y, size_t n, size_t k, double *si, double *sti,
                            double *vary, hs_error *err)
{
    if (n == 0 || k == 0)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "Sobol' estimates need N >= 1 rows and k >= 1 factors, got N = %zu, "
                       "k = %zu",
                       n, k);
    if (!y || !si || !sti)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "Sobol' estimates: NULL array");
    const double *ya = y, *yb = y + n;
    /* V(Y): sample variance (n-1) of the 2N values yA, yB */
    double mean = hsi_stats_mean(y, 2 * n), ss = 0;
    for (size_t j = 0; j < 2 * n; j++) {
        double d = y[j] - mean;
        ss += d * d;
    }
    double v = ss / (double)(2 * n - 1);
    if (vary) *vary = v;
    if (!(v > 0) || !isfinite(v)) {
        for (size_t i = 0; i < k; i++)
            si[i] = sti[i] = NAN;
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "Sobol' estimates: the variance of the A and B outputs is %g (expected "
                       "a finite value > 0; is the output constant or missing?)",
                       v);
    }
    for (size_t i = 0; i < k; i++) {
        const double *yi = y + (2 + i) * n;
        double s1 = 0, st = 0;
        for (size_t j = 0; j < n; j++) {
            s1 += yb[j] * (yi[j] - ya[j]);
            st += (ya[j] - yi[j]) * (ya[j] - yi[j]);
        }
        si[i] = s1 / (double)n / v; /* mean(yB (yABi - yA)) / V(Y) */
        st /= 2 * (double)n * v;    /* sum((yA - yABi)^2) / (2 N V(Y)) */
        sti[i] = st;
    }
    return HS_OK;
}
