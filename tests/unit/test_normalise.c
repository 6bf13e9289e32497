/*
 * test_normalise.c - normalisation (src/index/normalise.c) against COINr 1.1.14 outputs in
 * data/coinr-asem (README "Rules", P1 to P3), and the other methods on small vectors worked
 * out by hand, including the HDI goalposts of docs/methods.md section 1.1 with the Norway 2022
 * example of docs/methods.md section 1.2.
 *
 * Tolerances: COINr files 1e-9 (relative for |x| >= 1; 17-digit references, an independent
 * implementation matched them to 2e-15); hand values 1e-12 (exact fractions); docs/methods.md
 * section 1.2 prints six decimals, so 5e-7 there.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "index/kernels_int.h"

#define TOL  1e-9
#define HAND 1e-12
#define MAXN 64

static const char *norm_str(const hsi_csv *c, size_t r, const char *col)
{
    long j = hsi_csv_find(c, col);
    if (j < 0) fail_msg("no column %s in %s", col, c->file);
    return hsi_csv_get(c, r, (size_t)j);
}

/*
 * Normalise every indicator column of `input` with `spec` and the iMeta direction, and
 * compare with `expected` (rows matched by uCode).
 */
static void norm_pipeline(const char *input, const char *expected, const hsi_norm_spec *spec)
{
    hsi_csv meta, in, ex;
    tu_csv_load(tu_path("data/coinr-asem/input_iMeta.csv"), &meta);
    tu_csv_load(tu_path(input), &in);
    tu_csv_load(tu_path(expected), &ex);
    size_t n = in.nrow, nind = 0, nneg = 0, nna = 0;
    assert_true(n <= MAXN);
    for (size_t m = 0; m < meta.nrow; m++) {
        if (strcmp(norm_str(&meta, m, "Type"), "Indicator")) continue;
        const char *code = norm_str(&meta, m, "iCode");
        int dir = (int)tu_num(norm_str(&meta, m, "Direction"));
        double x[MAXN], y[MAXN], work[MAXN];
        size_t wsz[MAXN];
        for (size_t r = 0; r < n; r++) {
            x[r] = tu_num(norm_str(&in, r, code));
            nna += isnan(x[r]);
        }
        hs_error err = {0};
        assert_int_equal(hsi_normalise(spec, dir, x, n, y, work, wsz, &err), HS_OK);
        for (size_t r = 0; r < n; r++) {
            const char *u = norm_str(&in, r, "uCode");
            char what[160];
            snprintf(what, sizeof what, "%s of %s (direction %d)", code, u, dir);
            TU_ASSERT_CLOSE(y[r], tu_num(norm_str(&ex, tu_row(&ex, "uCode", u), code)), TOL, what);
        }
        nind++;
        nneg += dir < 0;
    }
    assert_int_equal(nind, 49);
    assert_true(nneg > 0); /* the direction flip is exercised */
    print_message("%s: 49 columns, %zu with direction -1, %zu missing values\n", input, nneg, nna);
    hsi_csv_free(&ex);
    hsi_csv_free(&in);
    hsi_csv_free(&meta);
}

static void test_p1_minmax(void **state)
{
    (void)state;
    hsi_norm_spec sp = {.kind = HSI_NORM_MINMAX, .a = 0, .b = 100, .scale = 1};
    norm_pipeline("data/coinr-asem/p1_example_Treated.csv",
                  "data/coinr-asem/p1_example_Normalised.csv", &sp);
}

static void test_p2_minmax_with_na(void **state)
{
    (void)state;
    hsi_norm_spec sp = {.kind = HSI_NORM_MINMAX, .a = 0, .b = 100, .scale = 1};
    norm_pipeline("data/coinr-asem/input_iData.csv", "data/coinr-asem/p2_minimal_Normalised.csv",
                  &sp);
}

static void test_p3_zscore(void **state)
{
    (void)state;
    hsi_norm_spec sp = {.kind = HSI_NORM_ZSCORE, .a = 10, .b = 2, .scale = 1};
    norm_pipeline("data/coinr-asem/p3_zgeo_Treated.csv", "data/coinr-asem/p3_zgeo_Normalised.csv",
                  &sp);
}

/* Run one method on x[0..6) and compare with e[0..6). */
static void norm_check(const hsi_norm_spec *sp, int dir, const double *x, const double *e,
                       const char *what)
{
    double y[6], work[6];
    size_t wsz[6];
    hs_error err = {0};
    assert_int_equal(hsi_normalise(sp, dir, x, 6, y, work, wsz, &err), HS_OK);
    for (size_t i = 0; i < 6; i++) {
        char w[96];
        snprintf(w, sizeof w, "%s, element %zu", what, i);
        TU_ASSERT_CLOSE(y[i], e[i], HAND, w);
    }
}

/* x = 3 1 NaN 3 2 5: min 1, max 5, five values. */
static const double hx[] = {3, 1, NAN, 3, 2, 5};

static void test_hand_methods(void **state)
{
    (void)state;
    hsi_norm_spec sp = {.scale = 1};

    /* ranks, higher x higher rank, ties share the lowest: 1->1 2->2 3,3->3 5->5 */
    sp.kind = HSI_NORM_RANK;
    norm_check(&sp, 1, hx, (const double[]){3, 1, NAN, 3, 2, 5}, "rank");
    /* direction -1 ranks -x: -5->1 -3,-3->2 -2->4 -1->5 */
    norm_check(&sp, -1, hx, (const double[]){2, 5, NAN, 2, 4, 1}, "rank, direction -1");
    /* percentile rank (r-1)/(5-1) */
    sp.kind = HSI_NORM_PRANK;
    norm_check(&sp, 1, hx, (const double[]){0.5, 0, NAN, 0.5, 0.25, 1}, "prank");
    /* Borda r-1 */
    sp.kind = HSI_NORM_BORDA;
    norm_check(&sp, 1, hx, (const double[]){2, 0, NAN, 2, 1, 4}, "borda");
    /* x/max = x/5 */
    sp.kind = HSI_NORM_FRACMAX;
    norm_check(&sp, 1, hx, (const double[]){0.6, 0.2, NAN, 0.6, 0.4, 1}, "fracmax");
    /* 1-(5-x)/(5-1) */
    sp.kind = HSI_NORM_DISTMAX;
    norm_check(&sp, 1, hx, (const double[]){0.5, 0, NAN, 0.5, 0.25, 1}, "distmax");
    /* target 4: (x-1)/(4-1); 5 gives 4/3, capped at 1 when clip */
    sp.kind = HSI_NORM_DISTTARGET;
    sp.target = 4;
    sp.clip = 1;
    norm_check(&sp, 1, hx, (const double[]){2.0 / 3, 0, NAN, 2.0 / 3, 1.0 / 3, 1},
               "disttarget clipped");
    sp.clip = 0;
    norm_check(&sp, 1, hx, (const double[]){2.0 / 3, 0, NAN, 2.0 / 3, 1.0 / 3, 4.0 / 3},
               "disttarget");
    /* direction -1, target 2 in original units: (max-x)/(max-T) = (5-x)/3 */
    sp.target = 2;
    norm_check(&sp, -1, hx, (const double[]){2.0 / 3, 4.0 / 3, NAN, 2.0 / 3, 1, 0},
               "disttarget, direction -1");
    /* scaled(1, 5, 10): (x-1)/4*10; direction -1 maps 5 to 0 and 1 to 10 */
    sp = (hsi_norm_spec){.kind = HSI_NORM_SCALED, .lo = 1, .hi = 5, .scale = 10};
    norm_check(&sp, 1, hx, (const double[]){5, 0, NAN, 5, 2.5, 10}, "scaled");
    norm_check(&sp, -1, hx, (const double[]){5, 10, NAN, 5, 7.5, 0}, "scaled, direction -1");
    /* minmax(0, 100) direction -1: -x in [-5, -1] -> (5-x)/4*100 */
    sp = (hsi_norm_spec){.kind = HSI_NORM_MINMAX, .a = 0, .b = 100, .scale = 1};
    norm_check(&sp, -1, hx, (const double[]){50, 100, NAN, 50, 75, 0}, "minmax, direction -1");
    /* zscore(0, 1) of 2 4 4 4 5 5 7 9 (mean 5, sd sqrt(32/7)): 9 -> 4/sqrt(32/7) */
    sp = (hsi_norm_spec){.kind = HSI_NORM_ZSCORE, .a = 0, .b = 1, .scale = 1};
    const double zx[] = {2, 4, 4, 4, 5, 5, 7, 9};
    double zy[8], zw[8];
    size_t zs[8];
    assert_int_equal(hsi_normalise(&sp, 1, zx, 8, zy, zw, zs, NULL), HS_OK);
    TU_ASSERT_CLOSE(zy[7], 4 / sqrt(32.0 / 7), HAND, "zscore of 9");
    TU_ASSERT_CLOSE(zy[0], -3 / sqrt(32.0 / 7), HAND, "zscore of 2");
    /* "none" returns the direction-flipped column, as COINr does */
    sp.kind = HSI_NORM_NONE;
    norm_check(&sp, -1, hx, (const double[]){-3, -1, NAN, -3, -2, -5}, "none, direction -1");
}

/* A constant column under minmax or distmax is NaN, not an error (COINr warns). */
static void test_constant(void **state)
{
    (void)state;
    const double c[] = {7, 7, NAN, 7, 7, 7};
    const double nan6[] = {NAN, NAN, NAN, NAN, NAN, NAN};
    hsi_norm_spec sp = {.kind = HSI_NORM_MINMAX, .a = 0, .b = 100, .scale = 1};
    norm_check(&sp, 1, c, nan6, "constant minmax");
    sp.kind = HSI_NORM_DISTMAX;
    norm_check(&sp, 1, c, nan6, "constant distmax");
    sp.kind = HSI_NORM_ZSCORE;
    norm_check(&sp, 1, c, nan6, "constant zscore");
}

/* HDI goalposts (docs/methods.md section 1.1) on Norway 2022 (docs/methods.md section 1.2):
 * LE 83.393 with 20..85 gives 63.393/65 = 0.975277; GNIpc 69189.76165 with ln, 100..75000 gives
 * ln(691.8976165)/ln(750) = 0.987820. */
static void test_goalposts_hdi(void **state)
{
    (void)state;
    hsi_norm_spec le = {.kind = HSI_NORM_GOALPOSTS, .lo = 20, .hi = 85, .scale = 1, .clip = 1};
    const double lx[] = {83.393, 86.0, 10.0, NAN};
    double y[4], work[4];
    size_t wsz[4];
    assert_int_equal(hsi_normalise(&le, 1, lx, 4, y, work, wsz, NULL), HS_OK);
    TU_ASSERT_CLOSE(y[0], 0.975277, 5e-7, "Norway I_health (docs/methods.md section 1.2)");
    TU_ASSERT_CLOSE(y[0], 63.393 / 65, HAND, "Norway I_health exact");
    TU_ASSERT_CLOSE(y[1], 1, HAND, "LE above the cap");
    TU_ASSERT_CLOSE(y[2], 0, HAND, "LE below the lower goalpost, clipped");
    assert_true(isnan(y[3]));
    le.clip = 0;
    assert_int_equal(hsi_normalise(&le, 1, lx, 4, y, work, wsz, NULL), HS_OK);
    TU_ASSERT_CLOSE(y[1], 66.0 / 65, HAND, "LE above the cap, not clipped");
    TU_ASSERT_CLOSE(y[2], -10.0 / 65, HAND, "LE below, not clipped");

    hsi_norm_spec gni = {
        .kind = HSI_NORM_GOALPOSTS, .lo = 100, .hi = 75000, .scale = 1, .clip = 1, .log = 1};
    const double gx[] = {69189.76165, 80000, 1335.205733};
    assert_int_equal(hsi_normalise(&gni, 1, gx, 3, y, work, wsz, NULL), HS_OK);
    TU_ASSERT_CLOSE(y[0], 0.987820, 5e-7, "Norway I_income (docs/methods.md section 1.2)");
    TU_ASSERT_CLOSE(y[0], log(691.8976165) / log(750), HAND, "Norway I_income exact");
    TU_ASSERT_CLOSE(y[1], 1, HAND, "GNI above the cap");
    /* Afghanistan 2022 (docs/methods.md section 1.2): I_income 0.391487 */
    TU_ASSERT_CLOSE(y[2], 0.391487, 5e-7, "Afghanistan I_income (docs/methods.md section 1.2)");

    /* a value <= 0 cannot be logged */
    const double bad[] = {500, 0};
    hs_error err = {0};
    assert_int_equal(hsi_normalise(&gni, 1, bad, 2, y, work, wsz, &err), HS_ERR_DOMAIN);
    assert_non_null(strstr(err.msg, "row 2"));
}

/* Direction -1 goalposts in original units, lower is better, L = 0, U = 50, scale 10:
 * (x-U)/(L-U)*10, so 10 -> 8, 50 -> 0, 0 -> 10, 60 -> -2 clipped to 0. */
static void test_goalposts_negative(void **state)
{
    (void)state;
    hsi_norm_spec sp = {.kind = HSI_NORM_GOALPOSTS, .lo = 0, .hi = 50, .scale = 10, .clip = 1};
    const double x[] = {10, 50, 0, 60};
    double y[4], work[4];
    size_t wsz[4];
    assert_int_equal(hsi_normalise(&sp, -1, x, 4, y, work, wsz, NULL), HS_OK);
    const double e[] = {8, 0, 10, 0};
    for (size_t i = 0; i < 4; i++)
        TU_ASSERT_CLOSE(y[i], e[i], HAND, "goalposts, direction -1");
    sp.clip = 0;
    assert_int_equal(hsi_normalise(&sp, -1, x, 4, y, work, wsz, NULL), HS_OK);
    TU_ASSERT_CLOSE(y[3], -2, HAND, "goalposts, direction -1, not clipped");
}

/* out may equal x */
static void test_in_place(void **state)
{
    (void)state;
    double x[] = {3, 1, NAN, 3, 2, 5}, work[6];
    size_t wsz[6];
    hsi_norm_spec sp = {.kind = HSI_NORM_PRANK, .scale = 1};
    assert_int_equal(hsi_normalise(&sp, 1, x, 6, x, work, wsz, NULL), HS_OK);
    const double e[] = {0.5, 0, NAN, 0.5, 0.25, 1};
    for (size_t i = 0; i < 6; i++)
        TU_ASSERT_CLOSE(x[i], e[i], HAND, "prank in place");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p1_minmax),          cmocka_unit_test(test_p2_minmax_with_na),
        cmocka_unit_test(test_p3_zscore),          cmocka_unit_test(test_hand_methods),
        cmocka_unit_test(test_constant),           cmocka_unit_test(test_goalposts_hdi),
        cmocka_unit_test(test_goalposts_negative), cmocka_unit_test(test_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
