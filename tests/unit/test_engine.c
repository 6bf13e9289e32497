/*
 * test_engine.c - the rules the COINr reference pipelines do not exercise, on small inputs
 * whose results are worked out by hand in the comments: screening that removes units,
 * median-by-group imputation, harmonic means, a different aggregator per level, a custom
 * weight set, percentile ranks, panel data in long shape with latest-value imputation and
 * per-year steps, the wide-year shape, per-indicator treatment overrides, --explain; the
 * number formatter (shortest decimal that reads back) and the UTF-8 check and Latin-1
 * conversion that every text bound for JSON or HTML passes.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/engine_int.h"

static char tmpdir[256];

static void put(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static hs_build *build(const char *pipeline)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, pipeline);
    hs_error err = {0};
    hs_build *b = NULL;
    if (hs_build_run(NULL, path, &b, &err) != HS_OK) {
        char msg[2048];
        hs_error_format(&err, msg, sizeof msg);
        fail_msg("build failed: %s", msg);
    }
    return b;
}

/* value of node `code` for unit `unit` (and time t, or HSI_NO_TIME) in dataset `ds` */
static double val(const hs_build *b, const char *ds, const char *unit, long t, const char *code)
{
    const hsi_dset *d = NULL;
    for (size_t i = 0; i < b->nd; i++)
        if (!strcmp(b->d[i].name, ds)) d = &b->d[i];
    assert_non_null(d);
    long c = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, code));
    assert_true(c >= 0);
    for (size_t r = 0; r < d->nrow; r++)
        if (!strcmp(b->units.code[d->row[r]], unit) && b->units.time[d->row[r]] == t)
            return hsi_col(d, (size_t)c)[r];
    fail_msg("no row %s/%ld in %s", unit, t, ds);
    return NAN;
}

static double rank_of(const hs_build *b, const char *unit, long t, const char *code)
{
    const hsi_dset *d = &b->d[b->nd - 1];
    double *rk = test_calloc(d->nrow * d->ncol, sizeof(double));
    hs_error err;
    assert_int_equal(hsi_rank_dset(NULL, b, d, rk, &err), HS_OK);
    long c = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, code));
    double out = NAN;
    for (size_t r = 0; r < d->nrow; r++)
        if (!strcmp(b->units.code[d->row[r]], unit) && b->units.time[d->row[r]] == t)
            out = rk[(size_t)c * d->nrow + r];
    test_free(rk);
    return out;
}

static void test_screen_group_harmonic_weights(void **state)
{
    (void)state;
    put("s1.csv", "Level,iCode,Direction,Weight,Parent,Type\n"
                  "1,a,1,1,P1,Indicator\n1,b,1,1,P1,Indicator\n"
                  "1,c,1,1,P2,Indicator\n1,d,-1,1,P2,Indicator\n"
                  "2,P1,1,1,Top,Aggregate\n2,P2,1,1,Top,Aggregate\n3,Top,1,1,,Aggregate\n"
                  ",g,,,,Group\n");
    put("d1.csv", "uCode,g,a,b,c,d\n"
                  "U1,x,1,10,NA,4\nU2,x,2,NA,3,5\nU3,x,4,30,5,NA\nU4,y,NA,NA,NA,1\n"
                  "U5,y,8,40,7,2\n");
    put("p1.pipeline", "structure = s1.csv\n[data]\nfile = d1.csv\n"
                       "[screen]\ndat_thresh = 0.5\n"
                       "[impute]\nmethod = median_group\ngroup = g\n"
                       "[normalise]\nmethod = rank\n"
                       "[weights heavy]\nP1 = 3\n"
                       "[aggregate]\nlevel.2 = harmonic\nlevel.3 = arithmetic\n"
                       "weights = heavy\n");
    hs_build *b = build("p1.pipeline");
    long T = HSI_NO_TIME;
    /* U4 has 1 of 4 indicators (0.25 < 0.5): screened out before imputation */
    assert_int_equal(b->nscreened_out, 1);
    assert_string_equal(b->screened_out[0], "U4");
    /* median within group x (U1, U2, U3): b of U2 = median(10, 30) = 20,
       c of U1 = median(3, 5) = 4, d of U3 = median(4, 5) = 4.5 */
    assert_true(val(b, "Imputed", "U2", T, "b") == 20);
    assert_true(val(b, "Imputed", "U1", T, "c") == 4);
    assert_true(val(b, "Imputed", "U3", T, "d") == 4.5);
    /* ranks (higher x, higher rank; d flipped): a 1,2,3,4  b 1,2,3,4  c 2,1,3,4
       d: -4,-5,-4.5,-2 -> 3,1,2,4.  P1 = harmonic(a,b) = 1,2,3,4;
       P2 = harmonic(c,d): U1 2/(1/2+1/3) = 2.4, U2 2/(1+1) = 1, U3 2.4, U5 4 */
    TU_ASSERT_CLOSE(val(b, "Aggregated", "U1", T, "P2"), 2.4, 1e-12, "P2 U1");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "U2", T, "P2"), 1.0, 1e-12, "P2 U2");
    /* Top = (3 P1 + P2)/4: U1 1.35, U2 1.75, U3 2.85, U5 4 */
    TU_ASSERT_CLOSE(val(b, "Aggregated", "U1", T, "Top"), 1.35, 1e-12, "Top U1");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "U2", T, "Top"), 1.75, 1e-12, "Top U2");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "U3", T, "Top"), 2.85, 1e-12, "Top U3");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "U5", T, "Top"), 4.0, 1e-12, "Top U5");
    assert_true(rank_of(b, "U5", T, "Top") == 1);
    assert_true(rank_of(b, "U1", T, "Top") == 4);
    hs_build_free(b);
}

static void test_panel_long_latest_prank(void **state)
{
    (void)state;
    put("s2.csv", "Level,iCode,Direction,Weight,Parent,Type\n"
                  "1,a,1,1,P,Indicator\n1,b,1,1,P,Indicator\n2,P,1,1,,Aggregate\n");
    put("d2.csv", "uCode,Time,iCode,Value\n"
                  "A,2020,a,1\nA,2021,a,NA\nA,2022,a,NA\n"
                  "B,2020,a,2\nB,2021,a,3\nB,2022,a,4\n"
                  "C,2020,a,3\nC,2021,a,4\n"
                  "A,2020,b,5\nA,2021,b,6\nA,2022,b,7\n"
                  "B,2020,b,2\nB,2021,b,2\nB,2022,b,2\n"
                  "C,2020,b,9\nC,2021,b,8\nC,2022,b,7\n");
    put("p2.pipeline", "structure = s2.csv\n[data]\nfile = d2.csv\nshape = long\n"
                       "[impute]\nmethod = latest\nmax_time = 1\n"
                       "[normalise]\nmethod = prank\n[aggregate]\n");
    hs_build *b = build("p2.pipeline");
    assert_int_equal(b->units.n, 9); /* C 2022 exists through b */
    /* latest, at most 1 year back: A 2021 <- 1 (2020); A 2022 stays NA (2020 is 2 back,
       2021 was itself missing); C 2022 <- 4 (2021) */
    assert_true(val(b, "Imputed", "A", 2021, "a") == 1);
    assert_true(isnan(val(b, "Imputed", "A", 2022, "a")));
    assert_true(val(b, "Imputed", "C", 2022, "a") == 4);
    /* percentile ranks per year. 2022: a: B 4, C 4 (tie, rank 1 each) -> 0, 0;
       b: A 7, B 2, C 7 -> ranks 2, 1, 2 -> 0.5, 0, 0.5.
       P 2022: A 0.5 (b only), B 0, C 0.25; 2020: a 0,.5,1 b .5,0,1 -> A .25 B .25 C 1 */
    TU_ASSERT_CLOSE(val(b, "Aggregated", "A", 2022, "P"), 0.5, 1e-12, "P A 2022");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "B", 2022, "P"), 0.0, 1e-12, "P B 2022");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "C", 2022, "P"), 0.25, 1e-12, "P C 2022");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "A", 2020, "P"), 0.25, 1e-12, "P A 2020");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "C", 2020, "P"), 1.0, 1e-12, "P C 2020");
    /* ranks within each year: 2022 A 1, C 2, B 3; 2020 C 1, A and B tied at 2 */
    assert_true(rank_of(b, "A", 2022, "P") == 1);
    assert_true(rank_of(b, "B", 2022, "P") == 3);
    assert_true(rank_of(b, "A", 2020, "P") == 2);
    assert_true(rank_of(b, "B", 2020, "P") == 2);
    hs_build_free(b);
}

static void test_wide_year_and_override(void **state)
{
    (void)state;
    put("s3.csv", "Level,iCode,Direction,Weight,Parent,Type\n"
                  "1,a,1,1,P,Indicator\n1,b,1,1,P,Indicator\n2,P,1,1,,Aggregate\n");
    /* b is heavily skewed in 2001 (one 1000 among ones) */
    put("d3.csv", "code,a_2000,a_2001,b_2000,b_2001,other_2000\n"
                  "X,1,2,1,1,9\nY,3,4,2,1,9\nZ,5,6,3,1,9\nW,7,8,4,1,9\nV,9,10,5,1,9\n"
                  "Q,11,12,6,1000,9\n");
    put("p3.pipeline", "structure = s3.csv\n[data]\nfile = d3.csv\nshape = wide-year\n"
                       "unit = code\n[treat]\nindicator.b = none\n"
                       "[normalise]\nmethod = minmax(0, 10)\n[aggregate]\nmethod = genmean(2)\n");
    hs_build *b = build("p3.pipeline");
    assert_int_equal(b->units.n, 12);
    assert_int_equal(b->units.ntime, 2);
    /* b untreated (override), so 2001: minmax gives 0 for the ones and 10 for Q */
    assert_true(val(b, "Treated", "Q", 2001, "b") == 1000);
    assert_true(val(b, "Normalised", "Q", 2001, "b") == 10);
    /* Q 2001: a = 10 (max), b = 10 -> genmean(2) = 10; X 2001: a 0, b 0 -> 0;
       Y 2001: a = (4-2)/10*10 = 2, b = 0 -> sqrt((4 + 0)/2) = sqrt(2) */
    TU_ASSERT_CLOSE(val(b, "Aggregated", "Q", 2001, "P"), 10, 1e-12, "P Q");
    TU_ASSERT_CLOSE(val(b, "Aggregated", "Y", 2001, "P"), sqrt(2.0), 1e-12, "P Y");
    for (size_t i = 0; i < b->ntreat; i++)
        assert_true(b->treat[i].ind == 0); /* no record for b */
    /* explain writes the provenance of a unit */
    char path[512];
    hs_error err;
    hs_membuf *m = NULL;
    assert_int_equal(hs_membuf_new(NULL, &m, &err), HS_OK);
    hs_sink out;
    hs_membuf_sink(m, &out);
    assert_int_equal(hs_build_explain(b, "Y:2001", &out, &err), HS_OK);
    assert_int_equal(hs_build_explain(b, "NOPE", &out, &err), HS_ERR_USAGE);
    const char *text = hs_membuf_data(m);
    assert_int_equal(strlen(text), hs_membuf_len(m));
    assert_non_null(strstr(text, "unit Y, time 2001"));
    assert_non_null(strstr(text, "Raw 4 -> Treated 4 -> Normalised 2"));
    hs_membuf_free(m);
    /* all-or-nothing writer */
    snprintf(path, sizeof path, "%s/out", tmpdir);
    assert_int_equal(hs_build_write(NULL, b, path, &err), HS_OK);
    snprintf(path, sizeof path, "%s/out/Aggregated.csv", tmpdir);
    hsi_csv c;
    tu_csv_load(path, &c);
    assert_int_equal(c.nrow, 12);
    assert_string_equal(c.head[1], "uName");
    assert_string_equal(c.head[2], "Time");
    hsi_csv_free(&c);
    hs_build_free(b);
}

/* significant digits of a %g string (leading and trailing zeros of the mantissa left out) */
static size_t sig_digits(const char *s)
{
    char d[40];
    size_t n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && (n > 0 || *s != '0')) d[n++] = *s;
    while (n > 0 && d[n - 1] == '0')
        n--;
    return n;
}

/* the formatter on hard cases: the strings are what a person would write, and each reads
 * back bit-identical */
static void test_fmt_double(void **state)
{
    (void)state;
    struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},
        {62.9, "62.9"},
        {0.1 + 0.2, "0.30000000000000004"}, /* 17 digits are needed */
        {1.0 / 3, "0.3333333333333333"},    /* 16 */
        {1e-300, "1e-300"},
        {1e23, "1e+23"},
        {5e-324, "4.94065645841247e-324"},    /* subnormal: fewer digits exist than 15 */
        {DBL_MAX, "1.7976931348623157e+308"}, /* %.15g and %.16g overflow to Inf */
        {DBL_MIN, "2.2250738585072014e-308"},
        {-0.0, "-0"},
        {9007199254740993.0, "9007199254740992"}, /* 2^53 + 1 is stored as 2^53 */
        {100, "100"},
        {-45.766247515601016, "-45.766247515601016"},
        {NAN, "NA"},
        {INFINITY, "Inf"},
        {-INFINITY, "-Inf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        const char *got = hsi_fmt_double(buf, cases[i].v);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, got, cases[i].want);
        if (isnan(cases[i].v) || isinf(cases[i].v)) continue;
        double back = strtod(got, NULL);
        assert_true(hsi_same_bits(back, cases[i].v));
    }
    /* many bit patterns (a fixed xorshift walk over all exponents): every one reads back
       bit-identical and never has more digits than %.17g */
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v)) continue;
        char buf[32], ref[40];
        hsi_fmt_double(buf, v);
        snprintf(ref, sizeof ref, "%.17g", v);
        double back = strtod(buf, NULL);
        if (!hsi_same_bits(back, v)) fail_msg("%s does not read back as %s", buf, ref);
        if (sig_digits(buf) > sig_digits(ref)) fail_msg("%s has more digits than %s", buf, ref);
    }
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(hsi_utf8_valid("plain"));
    assert_true(hsi_utf8_valid("C\xc3\xb4te d'Ivoire"));
    assert_true(hsi_utf8_valid("\xf0\x9f\x8c\x8d"));
    assert_false(hsi_utf8_valid("C\xf4te"));          /* Latin-1 o-circumflex */
    assert_false(hsi_utf8_valid("\xc0\xaf"));         /* overlong '/' */
    assert_false(hsi_utf8_valid("\xed\xa0\x80"));     /* surrogate */
    assert_false(hsi_utf8_valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
    assert_false(hsi_utf8_valid("\xe2\x82"));         /* cut short */
    char *s = strdup("plain");
    assert_int_equal(hsi_utf8_fix(NULL, &s), 0);
    assert_string_equal(s, "plain");
    free(s);
    s = strdup("C\xf4te d'Ivoire \xe9t\xe9");
    assert_int_equal(hsi_utf8_fix(NULL, &s), 1);
    assert_string_equal(s, "C\xc3\xb4te d'Ivoire \xc3\xa9t\xc3\xa9");
    assert_true(hsi_utf8_valid(s));
    free(s);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hs_engine_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    /* the test's own folder from mkdtemp */
    return system(cmd) == 0 ? 0 : -1; /* NOLINT(cert-env33-c) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_screen_group_harmonic_weights),
        cmocka_unit_test(test_panel_long_latest_prank),
        cmocka_unit_test(test_wide_year_and_override),
        cmocka_unit_test(test_fmt_double),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
