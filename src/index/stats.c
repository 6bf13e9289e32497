/*
 * stats.c - descriptive statistics of one column with NaN as missing: count, mean, sd,
 * min/max, median, skewness and kurtosis (docs/methods.md section 3.3), competition ranks and
 * type-7 quantiles (docs/methods.md section 0). Everything here is a pure function of its
 * arguments; the caller provides scratch space, nothing is allocated.
 */
#include "kernels_int.h"

#include <math.h>
#include <stdlib.h>

size_t hsi_stats_count(const double *x, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += !isnan(x[i]);
    return m;
}

double hsi_stats_mean(const double *x, size_t n)
{
    size_t m = 0;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(x[i])) {
            s += x[i];
            m++;
        }
    }
    if (m == 0) return NAN;
    s /= (double)m;
    if (!isfinite(s)) return s;
    /* second pass, as R's mean(): add the mean residual to correct rounding of the sum */
    double t = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) t += x[i] - s;
    return s + t / (double)m;
}

double hsi_stats_sd(const double *x, size_t n)
{
    size_t m = hsi_stats_count(x, n);
    if (m < 2) return NAN;
    double mu = hsi_stats_mean(x, n), ss = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(x[i])) {
            double d = x[i] - mu;
            ss += d * d;
        }
    }
    return sqrt(ss / (double)(m - 1));
}

double hsi_stats_min(const double *x, size_t n)
{
    double v = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && (isnan(v) || x[i] < v)) v = x[i];
    return v;
}

double hsi_stats_max(const double *x, size_t n)
{
    double v = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && (isnan(v) || x[i] > v)) v = x[i];
    return v;
}

static int stats_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double hsi_stats_median(const double *x, size_t n, double *work)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) work[m++] = x[i];
    if (m == 0) return NAN;
    qsort(work, m, sizeof *work, stats_cmp_double);
    if (m % 2) return work[m / 2];
    return (work[m / 2 - 1] + work[m / 2]) / 2;
}

/* Sums of powers of the deviations from the mean of the non-NaN values. */
static size_t stats_moments(const double *x, size_t n, double *s2, double *s3, double *s4)
{
    size_t m = hsi_stats_count(x, n);
    double mu = hsi_stats_mean(x, n);
    *s2 = *s3 = *s4 = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        double d = x[i] - mu, d2 = d * d;
        *s2 += d2;
        *s3 += d2 * d;
        *s4 += d2 * d2;
    }
    return m;
}

/* G1 = sqrt(n) S3 / S2^(3/2) * sqrt(n(n-1)) / (n-2) (docs/methods.md section 3.3; e1071 type 2,
 * Excel SKEW) */
double hsi_stats_skew(const double *x, size_t n)
{
    double s2, s3, s4;
    size_t m = stats_moments(x, n, &s2, &s3, &s4);
    if (m < 3 || !(s2 > 0)) return NAN;
    double dn = (double)m;
    double g1 = sqrt(dn) * s3 / pow(s2, 1.5);
    return g1 * sqrt(dn * (dn - 1)) / (dn - 2);
}

/* r = n S4 / S2^2, G2 = ((n+1)(r-3)+6)(n-1)/((n-2)(n-3)) (docs/methods.md section 3.3; Excel KURT)
 */
double hsi_stats_kurt(const double *x, size_t n)
{
    double s2, s3, s4;
    size_t m = stats_moments(x, n, &s2, &s3, &s4);
    if (m < 4 || !(s2 > 0)) return NAN;
    double dn = (double)m;
    double r = dn * s4 / (s2 * s2);
    return ((dn + 1) * (r - 3) + 6) * (dn - 1) / ((dn - 2) * (dn - 3));
}

/* 1 if element a sorts strictly before element b. */
static int stats_before(const double *x, size_t a, size_t b, int descending)
{
    return descending ? x[a] > x[b] : x[a] < x[b];
}

static void stats_sift(const double *x, size_t *idx, size_t root, size_t m, int descending)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= m) return;
        if (child + 1 < m && stats_before(x, idx[child], idx[child + 1], descending)) child++;
        if (!stats_before(x, idx[root], idx[child], descending)) return;
        size_t t = idx[root];
        idx[root] = idx[child];
        idx[child] = t;
        root = child;
    }
}

/* Heapsort of the index array idx[0..m) by x[idx[i]]: O(m log m) in place, because qsort's
 * comparator could only see x through global state. */
static void stats_sort_index(const double *x, size_t *idx, size_t m, int descending)
{
    if (m < 2) return;
    for (size_t i = m / 2; i-- > 0;)
        stats_sift(x, idx, i, m, descending);
    for (size_t end = m - 1; end > 0; end--) {
        size_t t = idx[0];
        idx[0] = idx[end];
        idx[end] = t;
        stats_sift(x, idx, 0, end, descending);
    }
}

void hsi_stats_rank(const double *x, size_t n, int descending, double *rank, size_t *work)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            rank[i] = NAN;
        else
            work[m++] = i;
    }
    stats_sort_index(x, work, m, descending);
    /* competition ranks: a tie gets the position of its first member (1, 2, 2, 4) */
    double r = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || x[work[i]] != x[work[i - 1]]) r = (double)(i + 1);
        rank[work[i]] = r;
    }
}

/* R quantile(type = 7): h = (n-1)p (0-based), interpolated as (1-g) s[j] + g s[j+1] the way
 * R writes it, so results agree with R to the last bit on the same sorted input. */
double hsi_stats_quantile7(const double *s, size_t n, double p)
{
    if (n == 0 || isnan(p) || p < 0 || p > 1) return NAN;
    double h = (double)(n - 1) * p;
    size_t j = (size_t)floor(h);
    if (j >= n - 1) return s[n - 1];
    double g = h - (double)j;
    if (g == 0 || s[j + 1] == s[j]) return s[j];
    return (1 - g) * s[j] + g * s[j + 1];
}
