/*
 * test_audit.c - the audit kernels (src/index/audit.c) against COINr 1.1.14 on the ASEM data
 * (data/coinr-asem, README "P1"): get_stats of the raw indicators, the Pearson matrix of the
 * normalised indicators, each indicator against its pillar, Cronbach's alpha and PCA per
 * pillar; and Spearman's rho on a small vector with ties worked out by hand.
 *
 * Tolerance 1e-9 (relative for |x| >= 1): the references carry 17 digits. PCA loadings are
 * compared up to one sign per pillar, as the README says the sign of an eigenvector is
 * arbitrary.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/kernels_int.h"

#define TOL  1e-9
#define MAXN 64
#define MAXK 16

static const char *audit_t_str(const hsi_csv *c, size_t r, const char *col)
{
    long j = hsi_csv_find(c, col);
    if (j < 0) fail_msg("no column %s in %s", col, c->file);
    return hsi_csv_get(c, r, (size_t)j);
}

static double audit_t_num(const hsi_csv *c, size_t r, const char *col)
{
    return tu_num(audit_t_str(c, r, col));
}

/* Column `code` of c into x (file row order). */
static void audit_t_col(const hsi_csv *c, const char *code, double *x)
{
    assert_true(c->nrow <= MAXN);
    for (size_t r = 0; r < c->nrow; r++)
        x[r] = audit_t_num(c, r, code);
}

/* Indicator codes of `pillar` from input_iMeta.csv, in file order. */
static size_t audit_t_children(const hsi_csv *meta, const char *pillar, const char **codes)
{
    size_t k = 0;
    for (size_t m = 0; m < meta->nrow; m++) {
        if (!strcmp(audit_t_str(meta, m, "Parent"), pillar) &&
            !strcmp(audit_t_str(meta, m, "Type"), "Indicator")) {
            assert_true(k < MAXK);
            codes[k++] = audit_t_str(meta, m, "iCode");
        }
    }
    return k;
}

static void audit_t_flag(int got, const char *expected, const char *word, const char *what)
{
    if (strcmp(got ? word : "ok", expected))
        fail_msg("%s: flag %d, expected %s", what, got, expected);
}

/*
 * get_stats(coin, dset = "Raw"): the Raw dataset is the iData indicator columns as they are.
 * What the file shows (and COINr's stats.R says): Frc.Avail = N.Avail / rows; Frc.NonZero,
 * Frc.Unique and Frc.Same divide by N.Avail; N.Same is the count of the most frequent value;
 * the flags are "LOW"/"OUT" when raised, "ok" otherwise.
 */
static void test_stats(void **state)
{
    (void)state;
    hsi_csv data, ref;
    tu_csv_load(tu_path("data/coinr-asem/input_iData.csv"), &data);
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_stats_Raw.csv"), &ref);
    assert_int_equal(ref.nrow, 49);
    hsi_stat_thresh th = {2, 3.5, 0.65, 0.5, 0.5};
    size_t nflag = 0;
    for (size_t r = 0; r < ref.nrow; r++) {
        const char *code = audit_t_str(&ref, r, "iCode");
        double x[MAXN], work[MAXN];
        audit_t_col(&data, code, x);
        hsi_stat_row s;
        hsi_audit_stats(x, data.nrow, &th, &s, work);
        const struct {
            const char *col;
            double got;
        } num[] = {
            {"Min", s.min},
            {"Max", s.max},
            {"Mean", s.mean},
            {"Median", s.median},
            {"Std", s.sd},
            {"Skew", s.skew},
            {"Kurt", s.kurt},
            {"N.Avail", (double)s.n_avail},
            {"N.NonZero", (double)s.n_nonzero},
            {"N.Unique", (double)s.n_unique},
            {"N.Same", (double)s.n_same},
            {"Frc.Avail", s.frc_avail},
            {"Frc.NonZero", s.frc_nonzero},
            {"Frc.Unique", s.frc_unique},
            {"Frc.Same", s.frc_same},
        };
        for (size_t q = 0; q < sizeof num / sizeof num[0]; q++) {
            char what[96];
            snprintf(what, sizeof what, "%s %s", code, num[q].col);
            TU_ASSERT_CLOSE(num[q].got, audit_t_num(&ref, r, num[q].col), TOL, what);
        }
        audit_t_flag(s.flag_avail, audit_t_str(&ref, r, "Flag.Avail"), "LOW", code);
        audit_t_flag(s.flag_nonzero, audit_t_str(&ref, r, "Flag.NonZero"), "LOW", code);
        audit_t_flag(s.flag_unique, audit_t_str(&ref, r, "Flag.Unique"), "LOW", code);
        audit_t_flag(s.flag_skewkurt, audit_t_str(&ref, r, "Flag.SkewKurt"), "OUT", code);
        nflag += s.flag_unique + s.flag_skewkurt;
    }
    assert_true(nflag > 0);
    hsi_csv_free(&ref);
    hsi_csv_free(&data);
}

/*
 * The flag rules the ASEM file cannot tell apart, from COINr's stats.R: Flag.NonZero and
 * Flag.Unique compare the counts with the number of ROWS (nzero/n >= t_zero is "ok"), not
 * with N.Avail as Frc.* do; Flag.Avail is LOW when N.Avail/rows < t_avail; N.Same groups
 * values as R's table() does, by their 15-significant-digit text.
 * Column: 0 0 0 1 1 2 NaN NaN NaN NaN (10 rows, 6 present): Frc.NonZero = 3/6 = 0.5 but
 * nzero/n = 0.3 < 0.5 -> LOW; N.Unique = 3, Frc.Unique 0.5, 3/10 < 0.5 -> LOW;
 * availability 0.6 < 0.65 -> LOW; N.Same 3 (the zeros).
 */
static void test_stats_flags(void **state)
{
    (void)state;
    const double x[] = {0, NAN, 0, 1, NAN, 0, 1, NAN, 2, NAN};
    double work[10];
    hsi_stat_thresh th = {2, 3.5, 0.65, 0.5, 0.5};
    hsi_stat_row s;
    hsi_audit_stats(x, 10, &th, &s, work);
    assert_int_equal(s.n_avail, 6);
    assert_int_equal(s.n_nonzero, 3);
    assert_int_equal(s.n_unique, 3);
    assert_int_equal(s.n_same, 3);
    TU_ASSERT_CLOSE(s.frc_avail, 0.6, 1e-15, "Frc.Avail");
    TU_ASSERT_CLOSE(s.frc_nonzero, 0.5, 1e-15, "Frc.NonZero");
    TU_ASSERT_CLOSE(s.frc_unique, 0.5, 1e-15, "Frc.Unique");
    TU_ASSERT_CLOSE(s.frc_same, 0.5, 1e-15, "Frc.Same");
    TU_ASSERT_CLOSE(s.median, 0.5, 1e-15, "Median of 0 0 0 1 1 2");
    assert_int_equal(s.flag_avail, 1);
    assert_int_equal(s.flag_nonzero, 1);
    assert_int_equal(s.flag_unique, 1);
    /* 0.1+0.2 and 0.3 differ as doubles (2 unique values) but print alike to 15 digits,
     * so table() counts them together (N.Same 2) */
    const double y[] = {0.1 + 0.2, 0.3, 5, 7};
    hsi_audit_stats(y, 4, &th, &s, work);
    assert_int_equal(s.n_unique, 4);
    assert_int_equal(s.n_same, 2);
}

/* get_corr(Normalised, Levels = 1, pairwise, no p-value masking): every pair. */
static void test_pearson_matrix(void **state)
{
    (void)state;
    hsi_csv nd, ref;
    tu_csv_load(tu_path("data/coinr-asem/p1_example_Normalised.csv"), &nd);
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_corr_Normalised_L1_pearson.csv"), &ref);
    assert_int_equal(ref.nrow, 49);
    size_t npair = 0;
    for (size_t r = 0; r < ref.nrow; r++) {
        const char *a = hsi_csv_get(&ref, r, 0);
        double x[MAXN];
        audit_t_col(&nd, a, x);
        for (size_t j = 1; j < ref.ncol; j++) {
            double y[MAXN];
            audit_t_col(&nd, ref.head[j], y);
            char what[96];
            snprintf(what, sizeof what, "cor(%s, %s)", a, ref.head[j]);
            TU_ASSERT_CLOSE(hsi_corr_pearson(x, y, nd.nrow), tu_num(hsi_csv_get(&ref, r, j)), TOL,
                            what);
            npair++;
        }
    }
    assert_int_equal(npair, 49 * 49);
    hsi_csv_free(&ref);
    hsi_csv_free(&nd);
}

/* get_corr(Aggregated, Levels = c(1, 2), withparent = TRUE): indicator vs its pillar. */
static void test_corr_parent(void **state)
{
    (void)state;
    hsi_csv ag, ref;
    tu_csv_load(tu_path("data/coinr-asem/p1_example_Aggregated.csv"), &ag);
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_corr_Aggregated_L1_vs_parent.csv"), &ref);
    assert_int_equal(ref.nrow, 49);
    for (size_t r = 0; r < ref.nrow; r++) {
        const char *p = audit_t_str(&ref, r, "Var1"), *c = audit_t_str(&ref, r, "Var2");
        double x[MAXN], y[MAXN];
        audit_t_col(&ag, c, x);
        audit_t_col(&ag, p, y);
        char what[96];
        snprintf(what, sizeof what, "cor(%s, %s)", c, p);
        TU_ASSERT_CLOSE(hsi_corr_pearson(x, y, ag.nrow), audit_t_num(&ref, r, "Correlation"), TOL,
                        what);
    }
    hsi_csv_free(&ref);
    hsi_csv_free(&ag);
}

/* Load the normalised columns of one pillar into buf and point cols at them. */
static size_t audit_t_pillar(const hsi_csv *meta, const hsi_csv *nd, const char *pillar,
                             double *buf, const double **cols, const char **codes)
{
    size_t k = audit_t_children(meta, pillar, codes);
    for (size_t q = 0; q < k; q++) {
        audit_t_col(nd, codes[q], buf + q * MAXN);
        cols[q] = buf + q * MAXN;
    }
    return k;
}

static void test_cronbach(void **state)
{
    (void)state;
    hsi_csv meta, nd, ref;
    tu_csv_load(tu_path("data/coinr-asem/input_iMeta.csv"), &meta);
    tu_csv_load(tu_path("data/coinr-asem/p1_example_Normalised.csv"), &nd);
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_cronbach_Normalised_by_pillar.csv"), &ref);
    assert_int_equal(ref.nrow, 8);
    static double buf[MAXK * MAXN];
    for (size_t r = 0; r < ref.nrow; r++) {
        const char *g = audit_t_str(&ref, r, "Group");
        const double *cols[MAXK];
        const char *codes[MAXK];
        size_t k = audit_t_pillar(&meta, &nd, g, buf, cols, codes);
        char what[96];
        snprintf(what, sizeof what, "Cronbach alpha of %s (%zu columns)", g, k);
        TU_ASSERT_CLOSE(hsi_cronbach(cols, k, nd.nrow), audit_t_num(&ref, r, "Alpha"), TOL, what);
    }
    hsi_csv_free(&ref);
    hsi_csv_free(&nd);
    hsi_csv_free(&meta);
}

/* With missing values the covariances are pairwise-complete and alpha equals
 * k/(k-1) (1 - sum var / sum cov) only when nothing is missing: check that identity on
 * complete data a = 1 2 3 4, b = 2 1 4 3, c = 1 3 2 4: variances 5/3 each, cov(a,b) = 1,
 * cov(a,c) = 4/3, cov(b,c) = 0, so sum C = 5 + 2(7/3) = 29/3, mean off-diagonal 7/9 and
 * alpha = 9 (7/9) / (29/3) = 3/2 (1 - 5/(29/3)) = 21/29. */
static void test_cronbach_hand(void **state)
{
    (void)state;
    const double a[] = {1, 2, 3, 4}, b[] = {2, 1, 4, 3}, c[] = {1, 3, 2, 4};
    const double *cols[] = {a, b, c};
    TU_ASSERT_CLOSE(hsi_cronbach(cols, 3, 4), 21.0 / 29, 1e-14, "alpha of three columns");
    assert_true(isnan(hsi_cronbach(cols, 1, 4)));
}

static void test_pca(void **state)
{
    (void)state;
    hsi_csv meta, nd, wref, vref;
    tu_csv_load(tu_path("data/coinr-asem/input_iMeta.csv"), &meta);
    tu_csv_load(tu_path("data/coinr-asem/p1_example_Normalised.csv"), &nd);
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_pca_weights_L1_by_pillar.csv"), &wref);
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_pca_variance_by_pillar.csv"), &vref);
    static const char *const pillars[] = {"Physical", "ConEcFin", "Political", "Instit",
                                          "P2P",      "Environ",  "Social",    "SusEcFin"};
    static double buf[MAXK * MAXN], work[2 * MAXK * MAXK + MAXK * MAXN + 5 * MAXK];
    size_t nw = 0, nv = 0;
    for (size_t g = 0; g < 8; g++) {
        const double *cols[MAXK];
        const char *codes[MAXK];
        size_t k = audit_t_pillar(&meta, &nd, pillars[g], buf, cols, codes);
        double load[MAXK * MAXK], sdev[MAXK];
        hs_error err = {0};
        assert_int_equal(hsi_pca(cols, k, nd.nrow, load, sdev, work, &err), HS_OK);
        /* first component against the weights, up to one sign for the pillar */
        double dot = 0, ref1[MAXK], sum = 0;
        for (size_t q = 0; q < k; q++) {
            ref1[q] = audit_t_num(&wref, tu_row(&wref, "iCode", codes[q]), "Weight");
            dot += ref1[q] * load[q];
            sum += load[q];
        }
        assert_true(sum >= 0); /* our sign convention */
        double sg = dot < 0 ? -1 : 1;
        for (size_t q = 0; q < k; q++, nw++) {
            char what[96];
            snprintf(what, sizeof what, "PC1 loading of %s in %s", codes[q], pillars[g]);
            TU_ASSERT_CLOSE(sg * load[q], ref1[q], TOL, what);
        }
        /* sdev and share of variance of every component */
        double tot = 0;
        for (size_t q = 0; q < k; q++)
            tot += sdev[q] * sdev[q];
        for (size_t r = 0; r < vref.nrow; r++) {
            if (strcmp(audit_t_str(&vref, r, "Group"), pillars[g])) continue;
            size_t pc = (size_t)audit_t_num(&vref, r, "PC");
            assert_true(pc >= 1 && pc <= k);
            char what[96];
            snprintf(what, sizeof what, "sdev of PC%zu in %s", pc, pillars[g]);
            TU_ASSERT_CLOSE(sdev[pc - 1], audit_t_num(&vref, r, "sdev"), TOL, what);
            snprintf(what, sizeof what, "share of PC%zu in %s", pc, pillars[g]);
            TU_ASSERT_CLOSE(sdev[pc - 1] * sdev[pc - 1] / tot,
                            audit_t_num(&vref, r, "var_explained"), TOL, what);
            nv++;
        }
    }
    assert_int_equal(nw, wref.nrow);
    assert_int_equal(nv, vref.nrow);
    hsi_csv_free(&vref);
    hsi_csv_free(&wref);
    hsi_csv_free(&nd);
    hsi_csv_free(&meta);
}

/* Too few complete rows, and a constant column, are domain errors. */
static void test_pca_errors(void **state)
{
    (void)state;
    const double a[] = {1, NAN, 3}, b[] = {2, 5, NAN}, c[] = {4, 4, 4}, d[] = {1, 2, 3};
    const double *ab[] = {a, b}, *cd[] = {c, d};
    double load[4], sdev[2], work[8 + 6 + 10];
    hs_error err = {0};
    assert_int_equal(hsi_pca(ab, 2, 3, load, sdev, work, &err), HS_ERR_DOMAIN);
    assert_non_null(strstr(err.msg, "found 1"));
    assert_int_equal(hsi_pca(cd, 2, 3, load, sdev, work, &err), HS_ERR_DOMAIN);
}

/*
 * Spearman with ties, pairwise-complete (the last pair is dropped): x = 1 2 2 3 5,
 * y = 2 1 4 4 6. Average ranks rx = 1 2.5 2.5 4 5, ry = 2 1 3.5 3.5 5, both with mean 3.
 * Deviations dx = -2 -0.5 -0.5 1 2, dy = -1 -2 0.5 0.5 2: sxy = 2+1-0.25+0.5+4 = 7.25,
 * sxx = syy = 9.5, rho = 7.25/9.5 = 29/38 = 0.76315789..., which is what R's
 * cor(x, y, method = "spearman") gives.
 */
static void test_spearman(void **state)
{
    (void)state;
    const double x[] = {1, 2, 2, 3, 5, 7}, y[] = {2, 1, 4, 4, 6, NAN};
    double work[4 * 6];
    size_t wsz[6];
    TU_ASSERT_CLOSE(hsi_corr_spearman(x, y, 6, work, wsz), 29.0 / 38, 1e-14, "spearman");
    /* Pearson on the same pairs, by hand: means 2.6 and 3.4, dx = -1.6 -0.6 -0.6 0.4 2.4,
     * dy = -1.4 -2.4 0.6 0.6 2.6: sxy = 9.8, sxx = 9.2, syy = 15.2 */
    TU_ASSERT_CLOSE(hsi_corr_pearson(x, y, 6), 9.8 / sqrt(9.2 * 15.2), 1e-14, "pearson");
    const double c[] = {1, 1, 1, 1, 1, 1};
    assert_true(isnan(hsi_corr_pearson(x, c, 6)));
    assert_true(isnan(hsi_corr_spearman(x, c, 6, work, wsz)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_stats_flags),
        cmocka_unit_test(test_pearson_matrix),
        cmocka_unit_test(test_corr_parent),
        cmocka_unit_test(test_cronbach),
        cmocka_unit_test(test_cronbach_hand),
        cmocka_unit_test(test_pca),
        cmocka_unit_test(test_pca_errors),
        cmocka_unit_test(test_spearman),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
