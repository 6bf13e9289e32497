/*
 * test_aggregate.c - aggregation of one row of children (src/index/aggregate.c): the means of
 * docs/methods.md section 3.5 on hand vectors (missing children, weight renormalisation,
 * dat_thresh, domain errors), INFORM's risk geometric mean on the worked example of docs/methods.md
 * section 2.3, and one pillar of COINr pipelines P1 (arithmetic) and P3 (geometric) from
 * data/coinr-asem.
 *
 * Tolerances: hand values 1e-12 (closed forms); COINr files 1e-9 relative (17-digit
 * references, matched by an independent implementation to 2e-15).
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "index/kernels_int.h"

#define HAND 1e-12
#define TOL  1e-9

static double agg(hsi_agg_kind kind, double p, const double *x, const double *w, size_t k,
                  double dat_thresh)
{
    double out = -1;
    size_t bad = 99;
    assert_int_equal(hsi_aggregate_row(kind, p, x, w, k, dat_thresh, &out, &bad), HS_OK);
    return out;
}

static void test_means(void **state)
{
    (void)state;
    /* (1*1 + 3*4)/(1+3) = 3.25: the NaN child's weight 5 is dropped */
    const double xa[] = {1, NAN, 4}, wa[] = {1, 5, 3};
    TU_ASSERT_CLOSE(agg(HSI_AGG_AMEAN, 0, xa, wa, 3, 0), 3.25, HAND, "amean");
    /* exp((1*ln 1 + 2*ln 8)/3) = 8^(2/3) = 4 */
    const double xg[] = {1, NAN, 8}, wg[] = {1, 1, 2};
    TU_ASSERT_CLOSE(agg(HSI_AGG_GMEAN, 0, xg, wg, 3, 0), 4, HAND, "gmean");
    /* 3/(1 + 1/2 + 1/4) = 12/7 */
    const double xh[] = {1, 2, 4}, w1[] = {1, 1, 1};
    TU_ASSERT_CLOSE(agg(HSI_AGG_HMEAN, 0, xh, w1, 3, 0), 12.0 / 7, HAND, "hmean");
    /* order 2: sqrt((9+16)/2) = sqrt(12.5) */
    const double xq[] = {3, 4};
    TU_ASSERT_CLOSE(agg(HSI_AGG_GENMEAN, 2, xq, w1, 2, 0), sqrt(12.5), HAND, "genmean p=2");
    /* order 1 and -1 are the arithmetic and harmonic means; zero is fine for p > 0 */
    TU_ASSERT_CLOSE(agg(HSI_AGG_GENMEAN, 1, xa, wa, 3, 0), 3.25, HAND, "genmean p=1");
    TU_ASSERT_CLOSE(agg(HSI_AGG_GENMEAN, -1, xh, w1, 3, 0), 12.0 / 7, HAND, "genmean p=-1");
    const double xz[] = {0, 4};
    TU_ASSERT_CLOSE(agg(HSI_AGG_GENMEAN, 2, xz, w1, 2, 0), sqrt(8.0), HAND, "genmean with 0");
    /* INFORM Human = max(CHVCI, 0.7 PCR), weights used as given: max(0, 0.7*10) = 7 */
    const double xm[] = {0, 10}, wm[] = {1, 0.7};
    TU_ASSERT_CLOSE(agg(HSI_AGG_WMAX, 0, xm, wm, 2, 0), 7, HAND, "wmax");
    const double xm2[] = {10, 10};
    TU_ASSERT_CLOSE(agg(HSI_AGG_WMAX, 0, xm2, wm, 2, 0), 10, HAND, "wmax, CHVCI present");
}

/* Mazziotta-Pareto (docs/methods.md section 3.5): M + p S cv, S the population deviation. By
 * hand: 100, 110, 120 have M 110, S^2 = 200/3, so S cv = S^2/M = 20/33 and MPI- = 110 - 20/33,
 * MPI+ = 110 + 20/33; weights 2, 1, 1 on 100, 110, 130 give M = 440/4 = 110, S^2 = (2*100 +
 * 0 + 400)/4 = 150, MPI- = 110 - 150/110. A missing child is left out: 100, NaN, 120 is
 * M 110, S 10, MPI- = 110 - 100/110. Equal values give M itself. */
static void test_mpi(void **state)
{
    (void)state;
    const double x[] = {100, 110, 120}, w1[] = {1, 1, 1};
    TU_ASSERT_CLOSE(agg(HSI_AGG_MPI, -1, x, w1, 3, 0), 110 - 20.0 / 33, HAND, "MPI-");
    TU_ASSERT_CLOSE(agg(HSI_AGG_MPI, 1, x, w1, 3, 0), 110 + 20.0 / 33, HAND, "MPI+");
    const double xw[] = {100, 110, 130}, w2[] = {2, 1, 1};
    TU_ASSERT_CLOSE(agg(HSI_AGG_MPI, -1, xw, w2, 3, 0), 110 - 150.0 / 110, HAND, "MPI- weighted");
    const double xn[] = {100, NAN, 120};
    TU_ASSERT_CLOSE(agg(HSI_AGG_MPI, -1, xn, w1, 3, 0), 110 - 100.0 / 110, HAND, "MPI- with NA");
    const double xe[] = {104, 104, 104};
    TU_ASSERT_CLOSE(agg(HSI_AGG_MPI, -1, xe, w1, 3, 0), 104, HAND, "MPI of equal values");
    /* AMPI (Mazziotta and Pareto 2016) is the same function on values rescaled to 70-130:
     * 70, 100, 130 give M 100, S^2 = 600, AMPI- = 100 - 600/100 = 94 */
    const double xa[] = {70, 100, 130};
    TU_ASSERT_CLOSE(agg(HSI_AGG_MPI, -1, xa, w1, 3, 0), 94, HAND, "AMPI-");
}

/* Copeland over 4 units and 3 equal-weight criteria. A = (3,3,3), B = (1,2,3): A beats B
 * (2 greater + 1 equal: 2*2 + 1 > 3); C = (3,1,1) vs A loses (0 greater, 1 equal); D = (2,2,2).
 * Pairs: A>B, A>C, A>D; B vs C: B greater on 2 of 3 -> B wins; B vs D: greater 1 (3>2), equal 1
 * (2=2): 2 + 1 = 3, a tie; C vs D: greater 1, less 2 -> D wins. Scores A 3, B 0, C -3, D 0.
 * With weights 1, 1, 2 (total 4) B vs D is 2*2 + 1 = 5 > 4: B wins, so B 1 and D -1. */
static void test_copeland_kernel(void **state)
{
    (void)state;
    const double x[] = {3, 3, 3, 1, 2, 3, 3, 1, 1, 2, 2, 2}, w1[] = {1, 1, 1}, w2[] = {1, 1, 2};
    double sc[4], o[16];
    hsi_copeland(x, w1, 3, 4, sc);
    assert_true(sc[0] == 3 && sc[1] == 0 && sc[2] == -3 && sc[3] == 0);
    hsi_copeland(x, w2, 3, 4, sc);
    assert_true(sc[0] == 3 && sc[1] == 1 && sc[2] == -3 && sc[3] == -1);
    /* o(B, D) = (1 + 1/2)/3 = 0.5; o(D, B) = 1 - 0.5; o(A, B) = (2 + 1/2)/3 */
    hsi_outrank_matrix(x, w1, 3, 4, o);
    TU_ASSERT_CLOSE(o[1 * 4 + 3], 0.5, HAND, "o(B, D)");
    TU_ASSERT_CLOSE(o[3 * 4 + 1], 0.5, HAND, "o(D, B)");
    TU_ASSERT_CLOSE(o[0 * 4 + 1], 2.5 / 3, HAND, "o(A, B)");
    TU_ASSERT_CLOSE(o[1 * 4 + 0], 1 - 2.5 / 3, HAND, "o(B, A)");
    assert_true(o[0] == 0 && o[5] == 0);
}

/* docs/methods.md section 2.3, Afghanistan 2023: Natural from 9.7 7.2 0 0 8.9 7.0 with top 11 is
 * 11 - (1.3*3.8*11*11*2.1*4.0)^(1/6) = 11 - 5021.016^(1/6) = 6.86. Missing children are
 * skipped (docs/methods.md section 2.4). */
static void test_rgm(void **state)
{
    (void)state;
    const double x[] = {9.7, 7.2, 0, 0, 8.9, 7.0}, w[] = {1, 1, 1, 1, 1, 1};
    double g = agg(HSI_AGG_RGM, 11, x, w, 6, 0);
    TU_ASSERT_CLOSE(g, 11 - pow(1.3 * 3.8 * 11 * 11 * 2.1 * 4.0, 1.0 / 6), HAND, "RGM formula");
    TU_ASSERT_CLOSE(round(g * 100) / 100, 6.86, HAND,
                    "RGM, docs/methods.md section 2.3 to 2 decimals");
    const double xn[] = {9.7, NAN}, w2[] = {1, 1};
    TU_ASSERT_CLOSE(agg(HSI_AGG_RGM, 11, xn, w2, 2, 0), 9.7, HAND, "RGM of one child");
}

/* A parent is missing when every child is, or when fewer than dat_thresh of them exist. */
static void test_missing(void **state)
{
    (void)state;
    const double x[] = {1, NAN, NAN, 4}, w[] = {1, 1, 1, 1};
    TU_ASSERT_CLOSE(agg(HSI_AGG_AMEAN, 0, x, w, 4, 0.5), 2.5, HAND, "2 of 4 >= 0.5");
    assert_true(isnan(agg(HSI_AGG_AMEAN, 0, x, w, 4, 0.6)));
    const double none[] = {NAN, NAN};
    for (int kind = HSI_AGG_AMEAN; kind <= HSI_AGG_WMAX; kind++)
        assert_true(isnan(agg((hsi_agg_kind)kind, 2, none, w, 2, 0)));
}

static void agg_bad(hsi_agg_kind kind, double p, const double *x, size_t k, size_t expect)
{
    const double w[] = {1, 1, 1, 1};
    double out = 0;
    size_t bad = 99;
    assert_int_equal(hsi_aggregate_row(kind, p, x, w, k, 0, &out, &bad), HS_ERR_DOMAIN);
    assert_int_equal(bad, expect);
    assert_true(isnan(out));
}

static void test_domain(void **state)
{
    (void)state;
    agg_bad(HSI_AGG_GMEAN, 0, (const double[]){2, 0, NAN}, 3, 1);
    agg_bad(HSI_AGG_GMEAN, 0, (const double[]){2, NAN, -1}, 3, 2);
    agg_bad(HSI_AGG_HMEAN, 0, (const double[]){1, 0}, 2, 1);
    agg_bad(HSI_AGG_GENMEAN, -1, (const double[]){1, 0}, 2, 1);
    agg_bad(HSI_AGG_GENMEAN, 2, (const double[]){-1, 3}, 2, 0);
    agg_bad(HSI_AGG_RGM, 11, (const double[]){3, 11}, 2, 1);
}

static const char *agg_str(const hsi_csv *c, size_t r, const char *col)
{
    long j = hsi_csv_find(c, col);
    if (j < 0) fail_msg("no column %s in %s", col, c->file);
    return hsi_csv_get(c, r, (size_t)j);
}

/* Aggregate the children of `pillar` (iMeta Parent, iMeta weights) row by row from
 * `normalised` and compare with the pillar column of `aggregated` (rows by uCode). */
static void agg_pillar(const char *normalised, const char *aggregated, const char *pillar,
                       hsi_agg_kind kind)
{
    hsi_csv meta, nd, ag;
    tu_csv_load(tu_path("data/coinr-asem/input_iMeta.csv"), &meta);
    tu_csv_load(tu_path(normalised), &nd);
    tu_csv_load(tu_path(aggregated), &ag);
    const char *child[16];
    double w[16];
    size_t k = 0;
    for (size_t m = 0; m < meta.nrow; m++) {
        if (strcmp(agg_str(&meta, m, "Parent"), pillar)) continue;
        assert_true(k < 16);
        child[k] = agg_str(&meta, m, "iCode");
        w[k++] = tu_num(agg_str(&meta, m, "Weight"));
    }
    assert_true(k >= 2);
    for (size_t r = 0; r < nd.nrow; r++) {
        double x[16], out;
        size_t bad;
        for (size_t q = 0; q < k; q++)
            x[q] = tu_num(agg_str(&nd, r, child[q]));
        assert_int_equal(hsi_aggregate_row(kind, 0, x, w, k, 0, &out, &bad), HS_OK);
        const char *u = agg_str(&nd, r, "uCode");
        char what[128];
        snprintf(what, sizeof what, "%s of %s", pillar, u);
        TU_ASSERT_CLOSE(out, tu_num(agg_str(&ag, tu_row(&ag, "uCode", u), pillar)), TOL, what);
    }
    print_message("%s: %zu children, %zu units\n", pillar, k, nd.nrow);
    hsi_csv_free(&ag);
    hsi_csv_free(&nd);
    hsi_csv_free(&meta);
}

static void test_p1_physical(void **state)
{
    (void)state;
    agg_pillar("data/coinr-asem/p1_example_Normalised.csv",
               "data/coinr-asem/p1_example_Aggregated.csv", "Physical", HSI_AGG_AMEAN);
}

static void test_p2_with_na(void **state)
{
    (void)state;
    /* P2 keeps the raw NAs (22 among Social's children): the renormalised mean */
    agg_pillar("data/coinr-asem/p2_minimal_Normalised.csv",
               "data/coinr-asem/p2_minimal_Aggregated.csv", "Social", HSI_AGG_AMEAN);
}

static void test_p3_gmean(void **state)
{
    (void)state;
    agg_pillar("data/coinr-asem/p3_zgeo_Normalised.csv", "data/coinr-asem/p3_zgeo_Aggregated.csv",
               "Environ", HSI_AGG_GMEAN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_means),           cmocka_unit_test(test_mpi),
        cmocka_unit_test(test_copeland_kernel), cmocka_unit_test(test_rgm),
        cmocka_unit_test(test_missing),         cmocka_unit_test(test_domain),
        cmocka_unit_test(test_p1_physical),     cmocka_unit_test(test_p2_with_na),
        cmocka_unit_test(test_p3_gmean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
