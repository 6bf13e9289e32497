/*
 * test_sobol.c - hs_sobol_estimate (docs/methods.md section 4.2) against COINr's SA_estimate on the
 * shared Ishigami sample (data/coinr-asem/sobol_ishigami_sample_N500.csv, N = 500, k = 3, blocks A,
 * B, AB1..AB3 stacked in that order) and its estimates file. Tolerance 1e-12: the README says the
 * formulas reproduce the file to about 1e-15, the rest is summation order.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 500
#define K 3

static void test_ishigami(void **state)
{
    (void)state;
    hsi_csv smp, est;
    tu_csv_load(tu_path("data/coinr-asem/sobol_ishigami_sample_N500.csv"), &smp);
    tu_csv_load(tu_path("data/coinr-asem/sobol_ishigami_estimates_N500.csv"), &est);
    assert_int_equal(smp.nrow, N * (K + 2));
    long jy = hsi_csv_find(&smp, "y"), jr = hsi_csv_find(&smp, "row");
    long jb = hsi_csv_find(&smp, "block");
    assert_true(jy >= 0 && jr >= 0 && jb >= 0);
    static double y[N * (K + 2)];
    static const char *const blocks[] = {"A", "B", "AB1", "AB2", "AB3"};
    for (size_t r = 0; r < smp.nrow; r++) {
        /* the file is in run order: row r+1, block r/N */
        assert_int_equal((long)tu_num(hsi_csv_get(&smp, r, (size_t)jr)), (long)r + 1);
        assert_string_equal(hsi_csv_get(&smp, r, (size_t)jb), blocks[r / N]);
        y[r] = tu_num(hsi_csv_get(&smp, r, (size_t)jy));
    }
    double si[K], sti[K], vary = 0;
    hs_error err = {0};
    assert_int_equal(hs_sobol_estimate(y, N, K, si, sti, &vary, &err), HS_OK);
    for (size_t i = 0; i < K; i++) {
        char var[8], what[64];
        snprintf(var, sizeof var, "V%zu", i + 1);
        size_t r = tu_row(&est, "Variable", var);
        snprintf(what, sizeof what, "S%zu", i + 1);
        TU_ASSERT_CLOSE(si[i], tu_num(hsi_csv_get(&est, r, 1)), 1e-12, what);
        snprintf(what, sizeof what, "ST%zu", i + 1);
        TU_ASSERT_CLOSE(sti[i], tu_num(hsi_csv_get(&est, r, 2)), 1e-12, what);
        TU_ASSERT_CLOSE(vary, tu_num(hsi_csv_get(&est, r, 3)), 1e-12, "VarY");
    }
    /* vary may be NULL */
    assert_int_equal(hs_sobol_estimate(y, N, K, si, sti, NULL, NULL), HS_OK);
    hsi_csv_free(&est);
    hsi_csv_free(&smp);
}

/*
 * Hand case, N = 2, k = 1: yA = 1 3, yB = 2 4, yAB1 = 2 5. V(Y) = var(1 3 2 4) = 5/3;
 * S1 = mean(2*(2-1), 4*(5-3)) / V = 5 / (5/3) = 3; ST1 = ((1-2)^2 + (3-5)^2) / (2*2*V)
 * = 5 / (20/3) = 0.75.
 */
static void test_hand(void **state)
{
    (void)state;
    const double y[] = {1, 3, 2, 4, 2, 5};
    double si, sti, v;
    assert_int_equal(hs_sobol_estimate(y, 2, 1, &si, &sti, &v, NULL), HS_OK);
    TU_ASSERT_CLOSE(v, 5.0 / 3, 1e-15, "VarY");
    TU_ASSERT_CLOSE(si, 3, 1e-15, "S1");
    TU_ASSERT_CLOSE(sti, 0.75, 1e-15, "ST1");
}

static void test_errors(void **state)
{
    (void)state;
    const double y[] = {1, 2, 3, 4, 5, 6};
    double si[2], sti[2];
    hs_error err = {0};
    assert_int_equal(hs_sobol_estimate(y, 0, 1, si, sti, NULL, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "N = 0"));
    memset(&err, 0, sizeof err);
    assert_int_equal(hs_sobol_estimate(y, 2, 0, si, sti, NULL, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "k = 0"));
    assert_int_equal(hs_sobol_estimate(y, 2, 1, si, sti, NULL, NULL), HS_OK);
    /* a constant output has no variance to share out */
    const double c[] = {7, 7, 7, 7, 7, 7};
    assert_int_equal(hs_sobol_estimate(c, 2, 1, si, sti, NULL, &err), HS_ERR_DOMAIN);
    assert_true(isnan(si[0]) && isnan(sti[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ishigami),
        cmocka_unit_test(test_hand),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
