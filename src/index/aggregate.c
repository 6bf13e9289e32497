/*
 * aggregate.c - aggregation of one unit's children into their parent (docs/methods.md section 3.5;
 * COINr 1.1.14 a_amean, a_gmean, a_hmean, a_genmean, a_copeland; INFORM's risk geometric mean
 * and weighted maximum, docs/methods.md section 2.3; the Mazziotta-Pareto index). Missing
 * children are dropped and the remaining weights renormalised; which children and weights
 * belong to which parent is decided by the caller. Copeland compares units with each other,
 * so it works on a whole column of units (hsi_copeland) rather than on one row.
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
        case HSI_AGG_MPI:
        case HSI_AGG_COPELAND:
        case HSI_AGG_BOD:
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
        case HSI_AGG_COPELAND: /* needs every unit: hsi_copeland */
        case HSI_AGG_BOD:      /* and hsi_bod */
            return HS_ERR_INTERNAL;
        case HSI_AGG_MPI:
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
    case HSI_AGG_MPI: {
        /* M + p S cv with S the population (divide by the weight total) deviation and cv =
         * S / M: the penalty S^2 / M grows with the children's imbalance */
        double mu = s / sw, ss = 0;
        for (size_t i = 0; i < k; i++)
            if (!isnan(x[i])) ss += w[i] * (x[i] - mu) * (x[i] - mu);
        double sd = sqrt(ss / sw);
        *out = mu + p * sd * (sd / mu);
        break;
    }
    case HSI_AGG_COPELAND:
    case HSI_AGG_BOD:
        return HS_ERR_INTERNAL;
    }
    return HS_OK;
}

/* Weight sums of the criteria where a beats b (*gt) and ties with it (*eq); NaN adds nothing. */
static void aggregate_pair(const double *a, const double *b, const double *w, size_t k, double *gt,
                           double *eq)
{
    *gt = 0;
    *eq = 0;
    for (size_t j = 0; j < k; j++) {
        if (isnan(a[j]) || isnan(b[j])) continue;
        if (a[j] > b[j])
            *gt += w[j];
        else if (a[j] == b[j])
            *eq += w[j];
    }
}

void hsi_outrank_matrix(const double *x, const double *w, size_t k, size_t n, double *o)
{
    double sw = 0;
    for (size_t j = 0; j < k; j++)
        sw += w[j];
    for (size_t i = 0; i < n; i++) {
        o[i * n + i] = 0;
        for (size_t q = i + 1; q < n; q++) {
            double gt, eq;
            aggregate_pair(x + i * k, x + q * k, w, k, &gt, &eq);
            o[i * n + q] = gt / sw + 0.5 * (eq / sw);
            o[q * n + i] = 1 - o[i * n + q];
        }
    }
}

void hsi_copeland(const double *x, const double *w, size_t k, size_t n, double *score)
{
    double sw = 0;
    for (size_t j = 0; j < k; j++)
        sw += w[j];
    for (size_t i = 0; i < n; i++)
        score[i] = 0;
    /* o_ij > 1/2 <=> 2 gt + eq > total; the lower triangle is 1 - o_ij, so unit q wins
     * exactly when o_iq < 1/2, as in COINr even when NaNs leave o_iq + o_qi != 1 */
    for (size_t i = 0; i < n; i++) {
        for (size_t q = i + 1; q < n; q++) {
            double gt, eq;
            aggregate_pair(x + i * k, x + q * k, w, k, &gt, &eq);
            double d = 2 * gt + eq - sw;
            if (d > 0) {
                score[i] += 1;
                score[q] -= 1;
            } else if (d < 0) {
                score[i] -= 1;
                score[q] += 1;
            }
        }
    }
}
