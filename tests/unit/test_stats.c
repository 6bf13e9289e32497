/*
 * test_stats.c - the column statistics of src/index/stats.c on small vectors whose values are
 * worked out by hand in the comments (docs/methods.md section 3.3 for G1/G2, the conventions
 * section for competition ranks and type-7 quantiles). NaN entries are sprinkled in to check they
 * are skipped. Tolerance 1e-12: every expected value is exact or a closed form.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

#include "index/kernels_int.h"

#define TOL 1e-12

/* The textbook vector 2 4 4 4 5 5 7 9 with two NaN: mean 5, deviations -3 -1 -1 -1 0 0 2 4,
 * S2 = 32, S3 = 42, S4 = 356, n = 8. */
static const double tv[] = {2, 4, NAN, 4, 4, 5, 5, 7, NAN, 9};
#define TVN (sizeof tv / sizeof tv[0])

static void test_moments(void **state)
{
    (void)state;
    assert_int_equal(hsi_stats_count(tv, TVN), 8);
    TU_ASSERT_CLOSE(hsi_stats_mean(tv, TVN), 5.0, TOL, "mean");
    /* sd = sqrt(32/7) */
    TU_ASSERT_CLOSE(hsi_stats_sd(tv, TVN), 2.1380899352993950, TOL, "sd");
    TU_ASSERT_CLOSE(hsi_stats_min(tv, TVN), 2.0, TOL, "min");
    TU_ASSERT_CLOSE(hsi_stats_max(tv, TVN), 9.0, TOL, "max");
    /* g1 = sqrt(8)*42/32^1.5 = 42/64 = 0.65625; G1 = g1*sqrt(8*7)/6 = 0.8184875533567997 */
    TU_ASSERT_CLOSE(hsi_stats_skew(tv, TVN), 0.65625 * sqrt(56.0) / 6, TOL, "skew closed form");
    TU_ASSERT_CLOSE(hsi_stats_skew(tv, TVN), 0.8184875533567997, TOL, "skew");
    /* r = 8*356/32^2 = 2.78125; G2 = (9*(r-3)+6)*7/(6*5) = 4.03125*7/30 = 0.940625 */
    TU_ASSERT_CLOSE(hsi_stats_kurt(tv, TVN), 0.940625, TOL, "kurt");

    /* too few values, constant column, all missing */
    const double two[] = {1, 2}, three[] = {1, 2, 4}, cst[] = {3, 3, 3, 3, 3};
    const double none[] = {NAN, NAN};
    assert_true(isnan(hsi_stats_skew(two, 2)));
    assert_false(isnan(hsi_stats_skew(three, 3)));
    assert_true(isnan(hsi_stats_kurt(three, 3)));
    assert_true(isnan(hsi_stats_skew(cst, 5)));
    assert_true(isnan(hsi_stats_kurt(cst, 5)));
    assert_true(isnan(hsi_stats_mean(none, 2)));
    assert_true(isnan(hsi_stats_sd(two, 1)));
    assert_true(isnan(hsi_stats_min(none, 2)));
    assert_int_equal(hsi_stats_count(none, 2), 0);
}

static void test_median(void **state)
{
    (void)state;
    double work[TVN];
    /* even count: sorted 2 4 4 4 | 5 5 7 9 -> (4+5)/2 */
    TU_ASSERT_CLOSE(hsi_stats_median(tv, TVN, work), 4.5, TOL, "median even");
    /* odd count: 9 1 NaN 7 3 100 -> sorted 1 3 7 9 100 -> 7 */
    const double odd[] = {9, 1, NAN, 7, 3, 100};
    TU_ASSERT_CLOSE(hsi_stats_median(odd, 6, work), 7.0, TOL, "median odd");
    const double none[] = {NAN};
    assert_true(isnan(hsi_stats_median(none, 1, work)));
}

static void test_rank(void **state)
{
    (void)state;
    const double x[] = {3, 1, NAN, 3, 2};
    double r[5];
    size_t w[5];
    /* descending (rank 1 = highest): 3,3 share 1; 2 is 3rd; 1 is 4th */
    hsi_stats_rank(x, 5, 1, r, w);
    const double dsc[] = {1, 4, NAN, 1, 3};
    for (size_t i = 0; i < 5; i++)
        TU_ASSERT_CLOSE(r[i], dsc[i], 0, "descending rank");
    /* ascending: 1 -> 1, 2 -> 2, 3,3 -> 3 */
    hsi_stats_rank(x, 5, 0, r, w);
    const double asc[] = {3, 1, NAN, 3, 2};
    for (size_t i = 0; i < 5; i++)
        TU_ASSERT_CLOSE(r[i], asc[i], 0, "ascending rank");
}

/* A larger vector with many ties, against the definition: rank = 1 + number of values
 * strictly better. Checks the heapsort on every shape it meets. */
static void test_rank_brute(void **state)
{
    (void)state;
    enum { N = 2000 };
    double *x = malloc(N * sizeof *x), *r = malloc(N * sizeof *r);
    size_t *w = malloc(N * sizeof *w);
    assert_non_null(x);
    assert_non_null(r);
    assert_non_null(w);
    unsigned long s = 12345;
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        x[i] = (s >> 33) % 97 == 0 ? (double)NAN : (double)((s >> 40) % 300);
    }
    for (int desc = 0; desc < 2; desc++) {
        hsi_stats_rank(x, N, desc, r, w);
        for (size_t i = 0; i < N; i++) {
            if (isnan(x[i])) {
                assert_true(isnan(r[i]));
                continue;
            }
            size_t better = 0;
            for (size_t j = 0; j < N; j++)
                better += !isnan(x[j]) && (desc ? x[j] > x[i] : x[j] < x[i]);
            if (r[i] != (double)(better + 1))
                fail_msg("rank of x[%zu] = %g: got %g, expected %zu", i, x[i], r[i], better + 1);
        }
    }
    free(x);
    free(r);
    free(w);
}

static void test_quantile7(void **state)
{
    (void)state;
    const double s[] = {1, 2, 3, 4, 10};
    /* h = (n-1)p: p = 0.9 -> 3.6 -> 4 + 0.6*(10-4) = 7.6; p = 0.05 -> 0.2 -> 1.2
     * (R: quantile(c(1,2,3,4,10), c(0.05, 0.9)) gives 1.2 and 7.6) */
    TU_ASSERT_CLOSE(hsi_stats_quantile7(s, 5, 0.9), 7.6, TOL, "q90");
    TU_ASSERT_CLOSE(hsi_stats_quantile7(s, 5, 0.05), 1.2, TOL, "q05");
    TU_ASSERT_CLOSE(hsi_stats_quantile7(s, 5, 0.5), 3.0, TOL, "q50");
    TU_ASSERT_CLOSE(hsi_stats_quantile7(s, 5, 0.0), 1.0, TOL, "q0");
    TU_ASSERT_CLOSE(hsi_stats_quantile7(s, 5, 1.0), 10.0, TOL, "q100");
    TU_ASSERT_CLOSE(hsi_stats_quantile7(s, 1, 0.3), 1.0, TOL, "single value");
    assert_true(isnan(hsi_stats_quantile7(s, 0, 0.5)));
    assert_true(isnan(hsi_stats_quantile7(s, 5, 1.5)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments),   cmocka_unit_test(test_median),
        cmocka_unit_test(test_rank),      cmocka_unit_test(test_rank_brute),
        cmocka_unit_test(test_quantile7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
