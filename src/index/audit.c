/*
 * audit.c - statistical audit kernels (docs/methods.md section 3.6, 3.7): COINr get_stats per
 * column, Pearson and Spearman correlation over pairwise-complete observations, Cronbach's alpha
 * and PCA of a group of columns. Choosing the columns and writing the tables is left to the
 * report module.
 */
#include "kernels_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static int audit_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 1 if a and b print alike with R's as.character (15 significant digits), which is how
 * table() (through factor()) groups doubles. */
static int audit_same_15(double a, double b)
{
    if (a == b) return 1;
    char sa[40], sb[40];
    snprintf(sa, sizeof sa, "%.15g", a);
    snprintf(sb, sizeof sb, "%.15g", b);
    return strcmp(sa, sb) == 0;
}

void hsi_audit_stats(const double *x, size_t n, const hsi_stat_thresh *t, hsi_stat_row *out,
                     double *work)
{
    memset(out, 0, sizeof *out);
    out->min = hsi_stats_min(x, n);
    out->max = hsi_stats_max(x, n);
    out->mean = hsi_stats_mean(x, n);
    out->sd = hsi_stats_sd(x, n);
    out->skew = hsi_stats_skew(x, n);
    out->kurt = hsi_stats_kurt(x, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        work[m++] = x[i];
        out->n_nonzero += x[i] != 0;
    }
    out->n_avail = m;
    qsort(work, m, sizeof *work, audit_cmp_double);
    out->median =
        m == 0 ? (double)NAN : (m % 2 ? work[m / 2] : (work[m / 2 - 1] + work[m / 2]) / 2);
    /* unique(): exact equality; table(): equality of the 15-digit text (both monotone in
     * the sorted order, so equal values are adjacent) */
    size_t run = 0;
    for (size_t i = 0; i < m; i++) {
        out->n_unique += i == 0 || work[i] != work[i - 1];
        run = (i > 0 && audit_same_15(work[i], work[i - 1])) ? run + 1 : 1;
        if (run > out->n_same) out->n_same = run;
    }
    double dn = (double)n, dm = (double)m;
    out->frc_avail = n ? dm / dn : (double)NAN;
    out->frc_nonzero = m ? (double)out->n_nonzero / dm : (double)NAN;
    out->frc_unique = m ? (double)out->n_unique / dm : (double)NAN;
    out->frc_same = m ? (double)out->n_same / dm : (double)NAN;
    /* COINr's flags compare NonZero and Unique counts with the number of ROWS, not with the
     * available values as the Frc.* columns do; written as !(>=) so no data is flagged */
    out->flag_avail = !(n && dm / dn >= t->t_avail);
    out->flag_nonzero = !(n && (double)out->n_nonzero / dn >= t->t_zero);
    out->flag_unique = !(n && (double)out->n_unique / dn >= t->t_unq);
    out->flag_skewkurt = fabs(out->skew) > t->t_skew && out->kurt > t->t_kurt;
}

/* Means over the rows where both x and y are present; returns that count. */
static size_t audit_pair_means(const double *x, const double *y, size_t n, double *mx, double *my)
{
    size_t m = 0;
    double sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        sx += x[i];
        sy += y[i];
        m++;
    }
    *mx = m ? sx / (double)m : (double)NAN;
    *my = m ? sy / (double)m : (double)NAN;
    return m;
}

/* Sample covariance (n-1) over pairwise-complete rows; NaN with fewer than 2. */
static double audit_cov_pair(const double *x, const double *y, size_t n)
{
    double mx, my;
    size_t m = audit_pair_means(x, y, n, &mx, &my);
    if (m < 2) return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) s += (x[i] - mx) * (y[i] - my);
    return s / (double)(m - 1);
}

double hsi_corr_pearson(const double *x, const double *y, size_t n)
{
    double mx, my;
    size_t m = audit_pair_means(x, y, n, &mx, &my);
    if (m < 2) return NAN;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (!(sxx > 0) || !(syy > 0)) return NAN;
    double r = sxy / (sqrt(sxx) * sqrt(syy));
    return r > 1 ? 1 : (r < -1 ? -1 : r);
}

/* Average ranks ("average" ties, as R's cor(method = "spearman")) of v[0..m) into r, using
 * tmp (m doubles) and wsz: the mean of a tie's first and last positions is the ascending
 * competition rank plus m + 1 minus the descending one, halved. */
static void audit_avg_rank(const double *v, size_t m, double *r, double *tmp, size_t *wsz)
{
    hsi_stats_rank(v, m, 0, r, wsz);
    hsi_stats_rank(v, m, 1, tmp, wsz);
    for (size_t i = 0; i < m; i++)
        r[i] = (r[i] + ((double)m + 1 - tmp[i])) / 2;
}

double hsi_corr_spearman(const double *x, const double *y, size_t n, double *work, size_t *wsz)
{
    double *xs = work, *ys = work + n, *rx = work + 2 * n, *ry = work + 3 * n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        xs[m] = x[i];
        ys[m] = y[i];
        m++;
    }
    audit_avg_rank(xs, m, rx, ry, wsz);
    audit_avg_rank(ys, m, xs, ry, wsz); /* xs is free once rx holds its ranks */
    return hsi_corr_pearson(rx, xs, m);
}

/* COINr get_cronbach: C = cov(use = "pairwise.complete.obs"); sums skip NA entries;
 * alpha = k^2 * ((sum C - sum diag C) / (k (k-1))) / sum C (docs/methods.md section 3.7). */
double hsi_cronbach(const double *const *cols, size_t k, size_t n)
{
    if (k < 2) return NAN;
    double all = 0, diag = 0;
    for (size_t a = 0; a < k; a++) {
        for (size_t b = a; b < k; b++) {
            double c = audit_cov_pair(cols[a], cols[b], n);
            if (isnan(c)) continue;
            all += a == b ? c : 2 * c;
            if (a == b) diag += c;
        }
    }
    double dk = (double)k;
    double avg = (all - diag) / (dk * (dk - 1));
    return dk * dk * avg / all;
}

hs_status hsi_pca(const double *const *cols, size_t k, size_t n, double *loadings, double *sdev,
                  double *work, hs_error *err)
{
    if (k == 0 || k > INT_MAX / 4)
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0, "PCA needs 1 to %d columns, got %zu",
                       INT_MAX / 4, k);
    double *corr = work;         /* k*k: correlation matrix (the solver destroys it) */
    double *z = work + k * k;    /* k*n: standardised complete rows, column j at z + j*m */
    double *evec = z + k * n;    /* k*k: eigenvectors, one per column */
    double *eval = evec + k * k; /* k eigenvalues, then 4k for the solver */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = 1;
        for (size_t j = 0; j < k && ok; j++)
            ok = !isnan(cols[j][i]);
        m += ok;
    }
    if (m < 2)
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "PCA needs at least 2 rows with every column present, found %zu", m);
    /* centre and scale each column over the complete rows (prcomp(center, scale.)) */
    for (size_t j = 0; j < k; j++) {
        double *zj = z + j * m;
        size_t q = 0;
        for (size_t i = 0; i < n; i++) {
            int ok = 1;
            for (size_t c = 0; c < k && ok; c++)
                ok = !isnan(cols[c][i]);
            if (ok) zj[q++] = cols[j][i];
        }
        double mu = hsi_stats_mean(zj, m), sd = hsi_stats_sd(zj, m);
        if (!(sd > 0))
            return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                           "PCA column %zu is constant over the complete rows (cannot scale "
                           "it to unit variance)",
                           j + 1);
        for (size_t i = 0; i < m; i++)
            zj[i] = (zj[i] - mu) / sd;
    }
    for (size_t a = 0; a < k; a++) {
        for (size_t b = a; b < k; b++) {
            double s = 0;
            for (size_t i = 0; i < m; i++)
                s += z[a * m + i] * z[b * m + i];
            corr[a * k + b] = corr[b * k + a] = s / (double)(m - 1);
        }
    }
    /* GSL's symmetric eigensolver (Householder tridiagonalisation, implicit QL). Its
     * workspace is four k-vectors in a struct gsl_eigen.h declares: pointing them into the
     * caller's scratch keeps the kernel free of allocation, like every kernel here. */
    gsl_matrix_view cm = gsl_matrix_view_array(corr, k, k);
    gsl_matrix_view vm = gsl_matrix_view_array(evec, k, k);
    gsl_vector_view ev = gsl_vector_view_array(eval, k);
    gsl_eigen_symmv_workspace ws = {k, eval + k, eval + 2 * k, eval + 3 * k, eval + 4 * k};
    if (gsl_eigen_symmv(&cm.matrix, &ev.vector, &vm.matrix, &ws))
        return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "eigen decomposition of the correlation matrix did not converge");
    /* descending eigenvalues, each eigenvector moved with its value */
    gsl_eigen_symmv_sort(&ev.vector, &vm.matrix, GSL_EIGEN_SORT_VAL_DESC);
    /* each component's sign chosen so its loadings sum to >= 0 */
    for (size_t c = 0; c < k; c++) {
        double lam = eval[c], sum = 0;
        sdev[c] = sqrt(lam > 0 ? lam : 0);
        for (size_t i = 0; i < k; i++)
            sum += evec[i * k + c];
        double sg = sum < 0 ? -1 : 1;
        for (size_t i = 0; i < k; i++)
            loadings[c * k + i] = sg * evec[i * k + c];
    }
    return HS_OK;
}
