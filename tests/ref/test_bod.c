/*
 * test_bod.c - benefit-of-the-doubt aggregation (docs/methods.md section 3.5) against
 * linear programmes small enough to solve by hand, written out below, and on the COINr
 * example against properties every BoD score must have.
 *
 * The hand example: two indicators, five units
 *     A = (1, 0.2)   B = (0.5, 0.5)   C = (0.2, 1)   D = (0.4, 0.3)   E = (0.8, NA)
 * Free weights (maximise w1 y1 + w2 y2 subject to every unit's w1 y1 + w2 y2 <= 1, w >= 0):
 *  - A: w = (1, 0) gives 1 and meets B (0.5) and C (0.2): A = 1; C = 1 by symmetry.
 *  - B: the binding units are A and C: w1 + 0.2 w2 = 1 and 0.2 w1 + w2 = 1 give
 *    w1 = w2 = 1/1.2, so B = 0.5 * 2/1.2 = 5/6. The axes give only 0.5.
 *  - D: at the same vertex D = 0.7/1.2 = 7/12; at (1, 0) 0.4 and at (0, 1) 0.3, so 7/12.
 *  - E lacks indicator 2: its benchmark is every unit with indicator 1 (all five), its
 *    programme is max 0.8 w1 with w1 * y_j1 <= 1, so w1 = 1 (A's 1) and E = 0.8. E is left
 *    out of A-D's benchmarks (it has no value of indicator 2).
 * Shares fixed at the nominal ones, bod(1, 1), equal weights: w1 y_c1 = w2 y_c2.
 *  - A: w = (0.2 t, t); the units give A 0.4 t, B 0.6 t, C 1.04 t, D 0.38 t, so t = 1/1.04
 *    and A = 0.4/1.04 = 5/13.
 *  - B: w = (t, t), binding A and C at 1.2 t: B = 1/1.2 = 5/6 (as free).
 *  - D: w = (0.75 t, t): A 0.95 t, B 0.875 t, C 1.15 t, so D = 0.6/1.15 = 12/23.
 * Shares within [0.5, 1.5] times 1/2, bod(0.5, 1.5): A's share of indicator 1 is at most
 * 0.75, i.e. w1 <= 0.75 (w1 + 0.2 w2), i.e. w1 <= 0.6 w2. The objective w1 + 0.2 w2 grows
 * along C's constraint 0.2 w1 + w2 = 1 (as 0.96 w1 + 0.2) until w1 = 0.6 w2: w2 = 1/1.12,
 * w1 = 0.6/1.12, A = 0.8/1.12 = 5/7 (A's own row gives 0.714 and B's 0.714, both <= 1).
 * B's and D's free optima have shares 1/2 and 4/7, inside the bounds: they stay 5/6 and 7/12.
 * Beyond these, random programmes of seven units on three indicators, free and bounded, are
 * checked against the best vertex found by enumerating every one.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/engine_int.h"
#include "tu_build.h"

#define TOL 1e-12

static const double X[] = {1, 0.2, 0.5, 0.5, 0.2, 1, 0.4, 0.3, 0.8, NAN};

static void test_hand_free(void **state)
{
    (void)state;
    hs_bod_opts o;
    hs_bod_opts_init(&o);
    double s[5], w[10];
    hs_error err = {0};
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_OK);
    TU_ASSERT_CLOSE(s[0], 1, TOL, "A");
    TU_ASSERT_CLOSE(s[1], 5.0 / 6, TOL, "B");
    TU_ASSERT_CLOSE(s[2], 1, TOL, "C");
    TU_ASSERT_CLOSE(s[3], 7.0 / 12, TOL, "D");
    TU_ASSERT_CLOSE(s[4], 0.8, TOL, "E (one indicator missing)");
    /* B's and D's weights are the vertex, E's the one it has */
    TU_ASSERT_CLOSE(w[2], 1 / 1.2, TOL, "B w1");
    TU_ASSERT_CLOSE(w[3], 1 / 1.2, TOL, "B w2");
    TU_ASSERT_CLOSE(w[6], 1 / 1.2, TOL, "D w1");
    TU_ASSERT_CLOSE(w[8], 1, TOL, "E w1");
    assert_true(isnan(w[9]));
    /* each score is its weights times its values */
    for (size_t c = 0; c < 4; c++)
        TU_ASSERT_CLOSE(w[2 * c] * X[2 * c] + w[2 * c + 1] * X[2 * c + 1], s[c], TOL, "w.y");
}

static void test_hand_bounds(void **state)
{
    (void)state;
    hs_bod_opts o;
    hs_bod_opts_init(&o);
    o.lower = o.upper = 1;
    double s[5], w[10];
    hs_error err = {0};
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_OK);
    TU_ASSERT_CLOSE(s[0], 5.0 / 13, TOL, "A, shares fixed");
    TU_ASSERT_CLOSE(s[1], 5.0 / 6, TOL, "B, shares fixed");
    TU_ASSERT_CLOSE(s[2], 5.0 / 13, TOL, "C, shares fixed");
    TU_ASSERT_CLOSE(s[3], 12.0 / 23, TOL, "D, shares fixed");
    TU_ASSERT_CLOSE(s[4], 0.8, TOL, "E, shares fixed (one child: share 1)");
    for (size_t c = 0; c < 4; c++)
        TU_ASSERT_CLOSE(w[2 * c] * X[2 * c], w[2 * c + 1] * X[2 * c + 1], TOL, "equal shares");

    o.lower = 0.5;
    o.upper = 1.5;
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_OK);
    TU_ASSERT_CLOSE(s[0], 5.0 / 7, TOL, "A, shares within 0.25-0.75");
    TU_ASSERT_CLOSE(w[0], 0.6 / 1.12, TOL, "A w1");
    TU_ASSERT_CLOSE(w[1], 1 / 1.12, TOL, "A w2");
    TU_ASSERT_CLOSE(s[2], 5.0 / 7, TOL, "C, shares within 0.25-0.75");
    TU_ASSERT_CLOSE(s[1], 5.0 / 6, TOL, "B, shares within 0.25-0.75");
    for (size_t c = 0; c < 4; c++) {
        double sh = w[2 * c] * X[2 * c] / s[c];
        assert_true(sh >= 0.25 - 1e-12 && sh <= 0.75 + 1e-12);
    }

    /* unequal nominal weights: 3:1 and bod(1, 1) fix A's shares at 3/4 and 1/4, which is
     * the bound case above (w1 = 0.6 w2): A = 5/7 again */
    const double nw[] = {3, 1};
    o.weights = nw;
    o.lower = o.upper = 1;
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_OK);
    TU_ASSERT_CLOSE(s[0], 5.0 / 7, TOL, "A, shares fixed at 3:1");

    /* refused: bounds that exclude the nominal share, a weight <= 0, a wrong size, x < 0 */
    o.lower = 1.2;
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_ERR_USAGE);
    o.lower = 0;
    const double zw[] = {1, 0};
    o.weights = zw;
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_ERR_USAGE);
    o.weights = NULL;
    const double neg[] = {1, -0.5, 0.5, 0.5}, inf[] = {1, INFINITY, 0.5, 0.5};
    assert_int_equal(hs_bod(NULL, neg, 2, 2, &o, s, w, &err), HS_ERR_DOMAIN);
    assert_int_equal(hs_bod(NULL, inf, 2, 2, &o, s, w, &err), HS_ERR_DOMAIN);
    o.size = 8;
    assert_int_equal(hs_bod(NULL, X, 5, 2, &o, s, w, &err), HS_ERR_USAGE);

    /* values near the ends of the double range are solved, not left to stop the program
     * (the scores do not depend on each indicator's unit: every column is scaled) */
    const double big[] = {1e308, 1e-308, 1e300, 5e-324, 0, 1e308, 1.7e308, 1.7e308};
    hs_bod_opts_init(&o);
    assert_int_equal(hs_bod(NULL, big, 4, 2, &o, s, w, &err), HS_OK);
    TU_ASSERT_CLOSE(s[0], 1 / 1.7, 1e-12, "1e308 against 1.7e308");
    TU_ASSERT_CLOSE(s[2], 1 / 1.7, 1e-12, "the same in the other column");
    TU_ASSERT_CLOSE(s[3], 1, 1e-12, "the largest in both");
    assert_true(s[1] >= 0 && s[1] < 1e-7);
    TU_ASSERT_CLOSE(w[0] * big[0] + w[1] * big[1], s[0], 1e-12, "weights in the data's units");
    o.lower = 0.5;
    o.upper = 2;
    assert_int_equal(hs_bod(NULL, big, 4, 2, &o, s, w, &err), HS_OK);
    TU_ASSERT_CLOSE(s[3], 1, 1e-12, "the largest in both, shares bounded");
}

/* ---- brute force: the optimum of a bounded linear programme is at a vertex, where k of its
 * constraints hold with equality; every choice of k constraints is solved by Gaussian
 * elimination and the best feasible one kept. Independent of GLPK's simplex. */

#define BK 3 /* indicators */
#define BN 7 /* units */
#define BM (BN + 3 * BK)

static int solve3(double a[BK][BK + 1], double *x)
{
    for (int c = 0; c < BK; c++) {
        int p = c;
        for (int r = c + 1; r < BK; r++)
            if (fabs(a[r][c]) > fabs(a[p][c])) p = r;
        if (fabs(a[p][c]) < 1e-12) return -1;
        for (int j = 0; j <= BK; j++) {
            double t = a[c][j];
            a[c][j] = a[p][j];
            a[p][j] = t;
        }
        for (int r = 0; r < BK; r++) {
            if (r == c) continue;
            double f = a[r][c] / a[c][c];
            for (int j = c; j <= BK; j++)
                a[r][j] -= f * a[c][j];
        }
    }
    for (int i = 0; i < BK; i++)
        x[i] = a[i][BK] / a[i][i];
    return 0;
}

/* max y_c . w subject to rows A w <= b (units, w >= 0, share bounds lo/hi times 1/BK) */
static double brute(const double *y, size_t c, double lo, double hi)
{
    double A[BM][BK], b[BM];
    int m = 0;
    for (int j = 0; j < BN; j++, m++) {
        for (int i = 0; i < BK; i++)
            A[m][i] = y[j * BK + i];
        b[m] = 1;
    }
    for (int i = 0; i < BK; i++, m++) {
        for (int l = 0; l < BK; l++)
            A[m][l] = l == i ? -1 : 0;
        b[m] = 0;
    }
    const double *yc = y + c * BK;
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < BK; i++, m++) { /* lo: f s S - y_i w_i <= 0; hi: y_i w_i - f s S */
            double f = (side ? hi : lo) / BK, sg = side ? 1 : -1;
            for (int l = 0; l < BK; l++)
                A[m][l] = sg * ((l == i ? yc[l] : 0) - f * yc[l]);
            b[m] = 0;
        }
    double best = -1;
    for (int p = 0; p < m; p++)
        for (int q = p + 1; q < m; q++)
            for (int r = q + 1; r < m; r++) {
                int rows[3] = {p, q, r};
                double a[BK][BK + 1], w[BK];
                for (int i = 0; i < BK; i++) {
                    for (int l = 0; l < BK; l++)
                        a[i][l] = A[rows[i]][l];
                    a[i][BK] = b[rows[i]];
                }
                if (solve3(a, w)) continue;
                int ok = 1;
                for (int t = 0; t < m && ok; t++) {
                    double v = 0;
                    for (int l = 0; l < BK; l++)
                        v += A[t][l] * w[l];
                    ok = v <= b[t] + 1e-9;
                }
                double o = 0;
                for (int l = 0; l < BK; l++)
                    o += yc[l] * w[l];
                if (ok && o > best) best = o;
            }
    return best;
}

/* Random positive data (a fixed linear congruential sequence), free and bounded shares. */
static void test_brute_force(void **state)
{
    (void)state;
    unsigned long long z = 12345;
    double y[BN * BK];
    static const double bounds[][2] = {{0, INFINITY}, {0.5, 1.5}, {0.8, 1.2}, {1, 1}, {0, 1.2}};
    for (int rep = 0; rep < 20; rep++) {
        for (int i = 0; i < BN * BK; i++) {
            z = z * 6364136223846793005ULL + 1442695040888963407ULL;
            y[i] = 0.05 + (double)(z >> 11) / 9007199254740992.0 * 100;
        }
        for (size_t t = 0; t < sizeof bounds / sizeof bounds[0]; t++) {
            hs_bod_opts o;
            hs_bod_opts_init(&o);
            o.lower = bounds[t][0];
            o.upper = bounds[t][1];
            double s[BN];
            hs_error err = {0};
            assert_int_equal(hs_bod(NULL, y, BN, BK, &o, s, NULL, &err), HS_OK);
            for (size_t c = 0; c < BN; c++)
                TU_ASSERT_CLOSE(s[c], brute(y, c, o.lower, isinf(o.upper) ? 1e9 : o.upper), 1e-9,
                                "GLPK against vertex enumeration");
        }
    }
}

static const char META[] = "Level,iCode,iName,Direction,Weight,Parent,Type\n"
                           "1,i1,one,1,1,Idx,Indicator\n"
                           "1,i2,two,1,1,Idx,Indicator\n"
                           "2,Idx,index,1,1,,Aggregate\n";
static const char DATA[] = "uCode,i1,i2\nA,1,0.2\nB,0.5,0.5\nC,0.2,1\nD,0.4,0.3\nE,0.8,NA\n"
                           "F,0.1,-0.1\n";

static hs_status mem_build(const char *agg, hs_build **b, hs_error *err)
{
    char pipe[512];
    snprintf(pipe, sizeof pipe, "structure = m.csv\n[data]\nfile = d.csv\n[aggregate]\n%s\n", agg);
    hs_build_src src = {sizeof src, "bod.pipeline",  pipe, strlen(pipe),
                        META,       sizeof META - 1, DATA, sizeof DATA - 1};
    return hs_build_run_mem(NULL, &src, b, err);
}

/* The same programmes through the pipeline, F's negative value as NA (nonpositive = na). */
static void test_pipeline(void **state)
{
    (void)state;
    static const struct {
        const char *agg;
        double want[5];
    } cases[] = {
        {"method = bod\nnonpositive = na", {1, 5.0 / 6, 1, 7.0 / 12, 0.8}},
        {"method = bod(1, 1)\nnonpositive = na", {5.0 / 13, 5.0 / 6, 5.0 / 13, 12.0 / 23, 0.8}},
        {"level.2 = bod(0.5, 1.5)\nnonpositive = na", {5.0 / 7, 5.0 / 6, 5.0 / 7, 7.0 / 12, 0.8}},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        hs_build *b = NULL;
        hs_error err = {0};
        if (mem_build(cases[t].agg, &b, &err) != HS_OK) fail_msg("%s: %s", cases[t].agg, err.msg);
        const hsi_dset *d = tu_dset(b, "Aggregated");
        long col = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, "Idx"));
        assert_true(col >= 0);
        const char *u[] = {"A", "B", "C", "D", "E", "F"};
        for (size_t c = 0; c < 6; c++) {
            double got = hsi_col(d, (size_t)col)[tu_unit_row(b, d, u[c])];
            if (c == 5)
                assert_true(isnan(got)); /* F: a value < 0, NA */
            else
                TU_ASSERT_CLOSE(got, cases[t].want[c], TOL, cases[t].agg);
        }
        hs_build_free(b);
    }
    /* a value < 0 is an error by default, naming the unit and the child */
    hs_build *b = NULL;
    hs_error err = {0};
    assert_int_equal(mem_build("method = bod", &b, &err), HS_ERR_DOMAIN);
    assert_non_null(strstr(err.msg, "'F'"));
    assert_non_null(strstr(err.msg, "'i2'"));
    /* bounds that exclude the nominal share, and one bound, are refused at their column */
    assert_int_equal(mem_build("method = bod(0.5, 0.9)", &b, &err), HS_ERR_PIPELINE);
    assert_int_equal(err.line, 5);
    assert_int_equal(err.col, 10);
    assert_int_equal(mem_build("method = bod(0.5)", &b, &err), HS_ERR_PIPELINE);
    assert_null(b);
}

/* The COINr example with BoD pillars: in each pillar some unit scores 1, every score lies in
 * [0, 1], is at least what equal weights scaled to the best unit give (a feasible choice of
 * the unit's programme), and bounding the shares can only lower it. */
static void test_asem(void **state)
{
    (void)state;
    hs_build *fr = tu_build("tests/ref/data/bod/bod_l2.pipeline");
    hs_build *bd = tu_build("tests/ref/data/bod/bod_l2_bounded.pipeline");
    const hsi_dset *n = tu_dset(fr, "Normalised"), *a = tu_dset(fr, "Aggregated");
    const hsi_dset *ab = tu_dset(bd, "Aggregated");
    const hsi_meta *m = &fr->meta;
    size_t npill = 0;
    for (size_t g = 0; g < m->nagg; g++) {
        const hsi_node *pn = &m->node[m->agg[g]];
        if (pn->level != 2) continue;
        npill++;
        const double *s = hsi_col(a, (size_t)hsi_dset_col(a, m->agg[g]));
        const double *sb = hsi_col(ab, (size_t)hsi_dset_col(ab, m->agg[g]));
        double *mean = calloc(n->nrow, sizeof(double));
        double best = 0, top = 0;
        for (size_t r = 0; r < n->nrow; r++) {
            double sum = 0;
            size_t cnt = 0;
            for (size_t j = 0; j < pn->nchild; j++) {
                double v = hsi_col(n, (size_t)hsi_dset_col(n, pn->child[j]))[r];
                if (!isnan(v)) sum += v, cnt++;
            }
            mean[r] = sum / (double)pn->nchild;
            /* equal weights are feasible for the units with every child */
            if (cnt == pn->nchild && mean[r] > best) best = mean[r];
        }
        for (size_t r = 0; r < n->nrow; r++) {
            assert_false(isnan(s[r]));
            assert_true(s[r] >= -1e-12 && s[r] <= 1 + 1e-9);
            assert_true(sb[r] <= s[r] + 1e-9);
            if (s[r] > top) top = s[r];
            int full = 1;
            for (size_t j = 0; j < pn->nchild; j++)
                full &= !isnan(hsi_col(n, (size_t)hsi_dset_col(n, pn->child[j]))[r]);
            if (full && mean[r] / best > s[r] + 1e-9)
                fail_msg("%s: BoD %g below equal weights' %g", pn->code, s[r], mean[r] / best);
        }
        TU_ASSERT_CLOSE(top, 1, 1e-9, pn->code);
        free(mean);
    }
    assert_int_equal(npill, 8);
    hs_build_free(fr);
    hs_build_free(bd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_free),   cmocka_unit_test(test_hand_bounds),
        cmocka_unit_test(test_brute_force), cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_asem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
