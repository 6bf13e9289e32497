/*
 * aggregate.c - aggregation of one unit's children into their parent (docs/methods.md section 3.5;
 * COINr 1.1.14 a_amean, a_gmean, a_hmean; INFORM's risk geometric mean and weighted maximum,
 * docs/methods.md section 2.3). Missing children are dropped and the remaining weights
 * renormalised; which children and weights belong to which parent is decided by the caller.
 */
#include "kernels_int.h"

#include <math.h>

/* Index of the first available child outside the method's domain, or k if none. */
static size_t aggregate_domain_check(hsi_agg_kind kind, double p, double top, const double *x,
                                     size_t k)
{
    for (size_t i = 0; i < k; i++) {
        if (isnan(x[i])) continue;
        switch (kind) {
        case HSI_AGG_GMEAN:
            if (!(x[i] > 0)) return i;
            break;
        case HSI_AGG_GENMEAN: /* x^p needs x >= 0 for p > 0 and x > 0 for p <= 0 */
            if (p > 0 ? !(x[i] >= 0) : !(x[i] > 0)) return i;
            break;
        case HSI_AGG_HMEAN:
            if (x[i] == 0) return i;
            break;
        case HSI_AGG_RGM:
            if (!(top - x[i] > 0)) return i;
            break;
        case HSI_AGG_AMEAN:
        case HSI_AGG_WMAX:
            break;
        }
    }
    return k;
}

hs_status hsi_aggregate_row(hsi_agg_kind kind, double p, const double *x, const double *w, size_t k,
                            double dat_thresh, double *out, size_t *bad)
{
    /* RGM's "top" (11 in INFORM, so that a 10 does not zero the product) */
    double top = (kind == HSI_AGG_RGM && (p == 0 || isnan(p))) ? 11 : p;
    size_t nav = hsi_stats_count(x, k);
    *out = NAN;
    size_t b = aggregate_domain_check(kind, p, top, x, k);
    if (b < k) {
        if (bad) *bad = b;
        return HS_ERR_DOMAIN;
    }
    if (nav == 0 || (dat_thresh > 0 && (double)nav / (double)k < dat_thresh)) return HS_OK;

    double sw = 0, s = 0, best = NAN;
    for (size_t i = 0; i < k; i++) {
        if (isnan(x[i])) continue;
        sw += w[i];
        switch (kind) {
        case HSI_AGG_AMEAN:
            s += w[i] * x[i];
            break;
        case HSI_AGG_GMEAN:
            s += w[i] * log(x[i]);
            break;
        case HSI_AGG_HMEAN:
            s += w[i] / x[i];
            break;
        case HSI_AGG_GENMEAN:
            s += p == 0 ? w[i] * log(x[i]) : w[i] * pow(x[i], p);
            break;
        case HSI_AGG_RGM:
            s += w[i] * log(top - x[i]);
            break;
        case HSI_AGG_WMAX:
            if (isnan(best) || w[i] * x[i] > best) best = w[i] * x[i];
            break;
        }
    }
    switch (kind) {
    case HSI_AGG_AMEAN:
        *out = s / sw;
        break;
    case HSI_AGG_GMEAN:
        *out = exp(s / sw);
        break;
    case HSI_AGG_HMEAN:
        *out = sw / s;
        break;
    case HSI_AGG_GENMEAN: /* p = 0 is the limit, the geometric mean */
        *out = p == 0 ? exp(s / sw) : pow(s / sw, 1 / p);
        break;
    case HSI_AGG_RGM: /* top - GM_w(top - x) */
        *out = top - exp(s / sw);
        break;
    case HSI_AGG_WMAX: /* weights as given: INFORM Human = max(CHVCI, 0.7 PCR) */
        *out = best;
        break;
    }
    return HS_OK;
}
