/*
 * metrics.c - forecast scores of docs/methods.md section 5.4 on plain arrays: Brier, AUC-ROC
 * (mid-ranks), average precision (step form, tied scores entering together) and MSE on the log
 * scale. NaN when undefined (no positives or no negatives) or when memory runs out.
 */
#include "events_int.h"

#include <math.h>
#include <stdlib.h>

double hs_metric_brier(const double *p, const int *o, size_t n)
{
    if (n == 0) return NAN;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = p[i] - (o[i] ? 1.0 : 0.0);
        s += d * d;
    }
    return s / (double)n;
}

double hs_metric_mse(const double *yhat, const double *y, size_t n)
{
    if (n == 0) return NAN;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = yhat[i] - log(y[i] + 1.0);
        s += d * d;
    }
    return s / (double)n;
}

typedef struct scored {
    double p;
    int o;
} scored;

static int by_p_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return (x < y) - (x > y);
}

/* Copy and sort by decreasing score; NULL when out of memory. */
static scored *sorted(hs_ctx *ctx, const double *p, const int *o, size_t n)
{
    scored *s = hsi_malloc(ctx, (n ? n : 1) * sizeof *s);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].o = o[i] != 0;
    }
    qsort(s, n, sizeof *s, by_p_desc);
    return s;
}

/* AUC = (sum of positives' mid-ranks - n+(n+1)/2) / (n+ n-), ranks ascending in p. */
double hs_metric_auc_roc(hs_ctx *ctx, const double *p, const int *o, size_t n)
{
    scored *s = sorted(ctx, p, o, n);
    if (!s) return NAN;
    double npos = 0, rsum = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j].p == s[i].p)
            j++;
        /* descending positions i..j-1 are ascending ranks n-j+1 .. n-i: mid-rank */
        double mid = ((double)(n - j + 1) + (double)(n - i)) / 2.0;
        for (size_t k = i; k < j; k++)
            if (s[k].o) {
                npos += 1;
                rsum += mid;
            }
        i = j;
    }
    hsi_free(ctx, s);
    double nneg = (double)n - npos;
    if (npos == 0 || nneg == 0) return NAN;
    return (rsum - npos * (npos + 1) / 2.0) / (npos * nneg);
}

/* AP = sum_k (Rec_k - Rec_{k-1}) Prec_k over distinct thresholds in decreasing p. */
double hs_metric_auc_pr(hs_ctx *ctx, const double *p, const int *o, size_t n)
{
    scored *s = sorted(ctx, p, o, n);
    if (!s) return NAN;
    double npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += s[i].o;
    double ap = 0, tp = 0, prev_rec = 0;
    size_t i = 0;
    while (npos > 0 && i < n) {
        size_t j = i;
        while (j < n && s[j].p == s[i].p) {
            tp += s[j].o;
            j++;
        }
        double rec = tp / npos, prec = tp / (double)j;
        ap += (rec - prev_rec) * prec;
        prev_rec = rec;
        i = j;
    }
    hsi_free(ctx, s);
    return npos > 0 ? ap : (double)NAN;
}

/* ---- scores of a predictive ensemble (docs/methods.md sections 5.4 and 5.6) ------------ */

double hs_metric_crps_ensemble(const double *xs, size_t m, double y)
{
    if (m == 0) return NAN;
    /* E|X - y| - E|X - X'| / 2 over the ensemble's members with weight 1/m each; the double
     * sum over pairs is 2 sum_i (2i - m - 1) x_(i) on the sorted members, O(m) */
    double a = 0.0, b = 0.0;
    for (size_t i = 0; i < m; i++) {
        a += fabs(xs[i] - y);
        b += (2.0 * (double)(i + 1) - (double)m - 1.0) * xs[i];
    }
    return a / (double)m - b / ((double)m * (double)m);
}

/* The 11 bins of the ignorance score, by upper edge. */
static int ign_bin(double v)
{
    static const double edge[10] = {0.5, 2.5, 5.5, 10.5, 25.5, 50.5, 100.5, 250.5, 500.5, 1000.5};
    int b = 0;
    while (b < 10 && v >= edge[b])
        b++;
    return b;
}

double hs_metric_ign(const double *xs, size_t m, double y)
{
    if (m == 0) return NAN;
    int by = ign_bin(y);
    size_t c = 0;
    for (size_t i = 0; i < m; i++)
        c += ign_bin(xs[i]) == by;
    /* one pseudo-count in each of the 11 bins, the open top bin too */
    return -log2(((double)c + 1.0) / ((double)m + 11.0));
}

int hsi_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

uint64_t hsi_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

double hsi_quantile7(const double *xs, size_t m, double p)
{
    double h = (double)(m - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= m) return xs[m - 1];
    return xs[lo] + (h - (double)lo) * (xs[lo + 1] - xs[lo]);
}

double hs_metric_interval_score(const double *xs, size_t m, double y, double alpha)
{
    if (m == 0 || !(alpha > 0 && alpha < 1)) return NAN;
    double l = hsi_quantile7(xs, m, alpha / 2), u = hsi_quantile7(xs, m, 1 - alpha / 2);
    double s = u - l;
    if (y < l) s += 2.0 / alpha * (l - y);
    if (y > u) s += 2.0 / alpha * (y - u);
    return s;
}
