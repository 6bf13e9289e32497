/*
 * test_treat.c - outlier treatment (src/index/treat.c) against COINr 1.1.14's Treat with its
 * defaults (winmax 5, |skew| 2, kurtosis 3.5), on the reference pipelines of
 * data/coinr-asem (README "Treat"): P1 treats p1_example_Screened.csv, P3 treats
 * p3_zgeo_Imputed.csv. Treated values, the details table (Pass, Skew, Kurt before and after,
 * nwin) and the treated points must match. The files have no log_CT case, so a hand-made
 * column that winsorisation cannot fix checks the fallback against its formula.
 *
 * Tolerance 1e-9 (relative for |x| >= 1): the references are written with 17 digits and an
 * independent implementation matched them to 2e-15; the skew and kurtosis sums are the only
 * place our summation order differs from R's.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "index/kernels_int.h"

#define TOL  1e-9
#define MAXN 64

static const hsi_treat_spec defaults = {5, 2.0, 3.5, 1, HSI_TREAT_F1_WINSORISE, 0};

static double treat_cell(const hsi_csv *c, size_t r, const char *col)
{
    long j = hsi_csv_find(c, col);
    if (j < 0) fail_msg("no column %s in %s", col, c->file);
    return tu_num(hsi_csv_get(c, r, (size_t)j));
}

static const char *treat_str(const hsi_csv *c, size_t r, const char *col)
{
    long j = hsi_csv_find(c, col);
    if (j < 0) fail_msg("no column %s in %s", col, c->file);
    return hsi_csv_get(c, r, (size_t)j);
}

static int treat_bool(const char *s)
{
    if (!strcmp(s, "TRUE")) return 1;
    if (!strcmp(s, "FALSE")) return 0;
    fail_msg("expected TRUE or FALSE, got '%s'", s);
    return -1;
}

/*
 * Treat every indicator column of `input` and compare with `treated`, `details` and, when
 * given, `points` (rows matched by uCode, columns by indicator code).
 */
static void treat_pipeline(const char *input, const char *treated, const char *details,
                           const char *points)
{
    hsi_csv meta, in, out, det, pts;
    tu_csv_load(tu_path("data/coinr-asem/input_iMeta.csv"), &meta);
    tu_csv_load(tu_path(input), &in);
    tu_csv_load(tu_path(treated), &out);
    tu_csv_load(tu_path(details), &det);
    if (points) tu_csv_load(tu_path(points), &pts);
    size_t n = in.nrow;
    assert_true(n <= MAXN);
    size_t nind = 0, ntreated = 0, npoints = 0;
    for (size_t m = 0; m < meta.nrow; m++) {
        if (strcmp(treat_str(&meta, m, "Type"), "Indicator")) continue;
        const char *code = treat_str(&meta, m, "iCode");
        double x[MAXN], y[MAXN], work[MAXN] = {0};
        unsigned char fl[MAXN];
        hsi_treat_detail d;
        for (size_t r = 0; r < n; r++)
            x[r] = treat_cell(&in, r, code);
        hsi_treat_column(&defaults, x, n, y, fl, &d, work);
        nind++;
        char what[160];

        /* treated values */
        for (size_t r = 0; r < n; r++) {
            const char *u = treat_str(&in, r, "uCode");
            size_t ro = tu_row(&out, "uCode", u);
            snprintf(what, sizeof what, "%s treated value of %s", code, u);
            TU_ASSERT_CLOSE(y[r], treat_cell(&out, ro, code), TOL, what);
        }

        /* details */
        size_t rd = tu_row(&det, "iCode", code);
        snprintf(what, sizeof what, "%s skew before", code);
        TU_ASSERT_CLOSE(d.skew0, treat_cell(&det, rd, "check_SkewKurt0.Skew"), TOL, what);
        snprintf(what, sizeof what, "%s kurt before", code);
        TU_ASSERT_CLOSE(d.kurt0, treat_cell(&det, rd, "check_SkewKurt0.Kurt"), TOL, what);
        if (d.pass0 != treat_bool(treat_str(&det, rd, "check_SkewKurt0.Pass")))
            fail_msg("%s: pass before treatment %d disagrees with the reference", code, d.pass0);
        double nwin = treat_cell(&det, rd, "winsorise.nwin");
        if (isnan(nwin)) {
            /* passed at once: nothing treated, the "after" columns are NA */
            assert_int_equal(d.treated, 0);
            assert_string_equal(treat_str(&det, rd, "check_SkewKurt1.Pass"), "NA");
            for (size_t r = 0; r < n; r++)
                assert_int_equal(fl[r], HSI_TREAT_NONE);
            continue;
        }
        ntreated++;
        assert_int_equal(d.treated, 1);
        assert_int_equal(d.logged, 0);
        if (d.nwin != (int)nwin) fail_msg("%s: nwin %d, expected %g", code, d.nwin, nwin);
        if (d.pass1 != treat_bool(treat_str(&det, rd, "check_SkewKurt1.Pass")))
            fail_msg("%s: pass after treatment %d disagrees with the reference", code, d.pass1);
        snprintf(what, sizeof what, "%s skew after", code);
        TU_ASSERT_CLOSE(d.skew1, treat_cell(&det, rd, "check_SkewKurt1.Skew"), TOL, what);
        snprintf(what, sizeof what, "%s kurt after", code);
        TU_ASSERT_CLOSE(d.kurt1, treat_cell(&det, rd, "check_SkewKurt1.Kurt"), TOL, what);

        /* treated points */
        if (!points) continue;
        for (size_t r = 0; r < n; r++) {
            const char *u = treat_str(&in, r, "uCode");
            const char *e = treat_str(&pts, tu_row(&pts, "uCode", u), code);
            static const char *const names[] = {"", "winhi", "winlo", "log_CT"};
            if (fl[r] > HSI_TREAT_LOGCT || strcmp(names[fl[r]], e))
                fail_msg("%s/%s: flag %d, expected '%s'", code, u, fl[r], e);
            npoints += fl[r] != HSI_TREAT_NONE;
        }
    }
    /* every indicator has a details row, and the treated ones are the ones checked above */
    assert_int_equal(nind, 49);
    assert_int_equal(det.nrow, nind);
    print_message("%s: %zu of %zu indicators treated, %zu points flagged\n", input, ntreated, nind,
                  npoints);
    assert_true(ntreated > 0);
    if (points) hsi_csv_free(&pts);
    hsi_csv_free(&det);
    hsi_csv_free(&out);
    hsi_csv_free(&in);
    hsi_csv_free(&meta);
}

static void test_p1(void **state)
{
    (void)state;
    treat_pipeline("data/coinr-asem/p1_example_Screened.csv",
                   "data/coinr-asem/p1_example_Treated.csv",
                   "data/coinr-asem/p1_example_treat_details.csv",
                   "data/coinr-asem/p1_example_treated_points.csv");
}

static void test_p3(void **state)
{
    (void)state;
    treat_pipeline("data/coinr-asem/p3_zgeo_Imputed.csv", "data/coinr-asem/p3_zgeo_Treated.csv",
                   "data/coinr-asem/p3_zgeo_treat_details.csv", NULL);
}

/*
 * Hand-made heavy tail: 1..20, 300, 400, 500 with a NaN in the middle. Before: G1 = 2.5646,
 * G2 = 5.4778 (fails). One step caps 500 at 400: G1 = 2.4284, G2 = 4.4495 (still fails).
 */
static const double tail[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10,  NAN, 11,
                              12, 13, 14, 15, 16, 17, 18, 19, 20, 300, 400, 500};
#define TAILN (sizeof tail / sizeof tail[0])

/* With winmax = 1 winsorisation stops after that step and fails, so log_CT is applied to the
 * ORIGINAL column: ln(x - 1 + 0.01*(500 - 1)) = ln(x + 3.99), and every present point is
 * flagged log_CT. */
static void test_log_fallback(void **state)
{
    (void)state;
    hsi_treat_spec sp = {1, 2.0, 3.5, 1, HSI_TREAT_F1_WINSORISE, 0};
    double y[TAILN], work[TAILN] = {0};
    unsigned char fl[TAILN];
    hsi_treat_detail d;
    hsi_treat_column(&sp, tail, TAILN, y, fl, &d, work);
    assert_int_equal(d.pass0, 0);
    assert_int_equal(d.treated, 1);
    assert_int_equal(d.nwin, 1);
    assert_int_equal(d.pass1, 0);
    assert_int_equal(d.logged, 1);
    /* the statistics after winsorisation (COINr check_SkewKurt1) describe 1..20,300,400,400 */
    TU_ASSERT_CLOSE(d.skew1, 2.4283806327641604, TOL, "skew after winsorising");
    TU_ASSERT_CLOSE(d.kurt1, 4.449509762230962, TOL, "kurt after winsorising");
    for (size_t i = 0; i < TAILN; i++) {
        if (isnan(tail[i])) {
            assert_true(isnan(y[i]));
            assert_int_equal(fl[i], HSI_TREAT_NONE);
            continue;
        }
        TU_ASSERT_CLOSE(y[i], log(tail[i] - 1 + 0.01 * (500 - 1)), TOL, "log_CT value");
        assert_int_equal(fl[i], HSI_TREAT_LOGCT);
    }
    /* the statistics after log_CT are those of the output */
    TU_ASSERT_CLOSE(d.skew2, hsi_stats_skew(y, TAILN), TOL, "skew after log");
    TU_ASSERT_CLOSE(d.kurt2, hsi_stats_kurt(y, TAILN), TOL, "kurt after log");
    assert_int_equal(d.pass2, hsi_treat_passes(&sp, y, TAILN));
    /* no fallback requested: the (failing) winsorised column is kept */
    sp.log_fallback = 0;
    hsi_treat_column(&sp, tail, TAILN, y, fl, &d, work);
    assert_int_equal(d.logged, 0);
    TU_ASSERT_CLOSE(y[TAILN - 1], 400, 0, "capped at 400");
    assert_int_equal(fl[TAILN - 1], HSI_TREAT_WINHI);
}

/* With the default winmax the same column needs three steps: 500 -> 400; 400,400 -> 300
 * (G1 2.3364, G2 3.8144, fails); 300,300,300 -> 20. nwin is the size of the LATEST set, 3,
 * which is every capped point because capped points tie with the next maximum. */
static void test_winsorise_steps(void **state)
{
    (void)state;
    double y[TAILN], work[TAILN] = {0};
    unsigned char fl[TAILN];
    hsi_treat_detail d;
    hsi_treat_column(&defaults, tail, TAILN, y, fl, &d, work);
    assert_int_equal(d.treated, 1);
    assert_int_equal(d.nwin, 3);
    assert_int_equal(d.pass1, 1);
    assert_int_equal(d.logged, 0);
    for (size_t i = 0; i < TAILN; i++) {
        int capped = tail[i] >= 300;
        TU_ASSERT_CLOSE(y[i], capped ? 20 : tail[i], 0, "winsorised value");
        assert_int_equal(fl[i], capped ? HSI_TREAT_WINHI : HSI_TREAT_NONE);
    }
    /* mirrored column: the same at the low end */
    double neg[TAILN];
    for (size_t i = 0; i < TAILN; i++)
        neg[i] = -tail[i];
    hsi_treat_column(&defaults, neg, TAILN, y, fl, &d, work);
    assert_int_equal(d.nwin, 3);
    TU_ASSERT_CLOSE(d.skew0, -2.564613233232394, TOL, "skew of the mirrored column");
    for (size_t i = 0; i < TAILN; i++)
        assert_int_equal(fl[i], tail[i] >= 300 ? HSI_TREAT_WINLO : HSI_TREAT_NONE);
}

/* A column that passes is copied untouched; a constant column (undefined moments) passes. */
static void test_passing(void **state)
{
    (void)state;
    const double x[] = {1, 5, 2, NAN, 4, 3}, c[] = {2, 2, 2, 2, 2};
    double y[6], work[6] = {0};
    unsigned char fl[6];
    hsi_treat_detail d;
    hsi_treat_column(&defaults, x, 6, y, fl, &d, work);
    assert_int_equal(d.pass0, 1);
    assert_int_equal(d.treated, 0);
    for (size_t i = 0; i < 6; i++) {
        TU_ASSERT_CLOSE(y[i], x[i], 0, "untouched");
        assert_int_equal(fl[i], HSI_TREAT_NONE);
    }
    assert_int_equal(hsi_treat_passes(&defaults, c, 5), 1);
    hsi_treat_column(&defaults, c, 5, y, fl, &d, work);
    assert_int_equal(d.treated, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p1),           cmocka_unit_test(test_p3),
        cmocka_unit_test(test_log_fallback), cmocka_unit_test(test_winsorise_steps),
        cmocka_unit_test(test_passing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
