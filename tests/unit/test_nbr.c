/*
 * test_nbr.c - neighbours at war (src/events/nbr.c): the land-borders table, with every kind
 * of bad file named by file, line and column; the covariates of a hand-made panel of three
 * countries, checked month by month against sums done by hand, unknown months never read as
 * zero; and analogue draws that use them, bit-identical for 1 and 2 threads.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A temporary file holding text; its name into path (64 bytes). */
static void nbr_tmp(char *path, const char *text)
{
    snprintf(path, 64, "/tmp/hs_nbr_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (long)n);
    close(fd);
}

/* Read text as a borders file: its status, err filled. */
static hs_status nbr_read_text(const char *text, hs_error *err, size_t *npairs)
{
    char path[64];
    nbr_tmp(path, text);
    hs_borders *b = NULL;
    hs_status st = hs_borders_read(NULL, path, &b, err);
    if (st == HS_OK) {
        *npairs = hs_borders_count(b);
        hs_borders_free(b);
    } else {
        assert_null(b);
        assert_string_equal(err->file, path);
    }
    unlink(path);
    return st;
}

static void test_borders_file(void **state)
{
    (void)state;
    hs_error err;
    size_t n = 0;
    /* the shipped table: 648 ordered pairs (tools/borders.py, data/PROVENANCE.md) */
    hs_borders *b = NULL;
    assert_int_equal(hs_borders_read(NULL, tu_path("data/geo/borders.csv"), &b, &err), HS_OK);
    assert_int_equal(hs_borders_count(b), 648);
    hs_borders_free(b);
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\r\nAAA,BBB\nBBB,AAA\n", &err, &n), HS_OK);
    assert_int_equal(n, 2);
    /* no neighbour_iso3 column: the header's line */
    assert_int_equal(nbr_read_text("iso3,neighbour\nAAA,BBB\n", &err, &n), HS_ERR_SCHEMA);
    assert_int_equal(err.line, 1);
    /* a code in lower case: line 3, column 5 */
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\nAAA,BBB\nBBB,aaa\n", &err, &n),
                     HS_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 5);
    assert_non_null(strstr(err.msg, "'aaa'"));
    /* too long a code, in the first column */
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\nAAAA,BBB\n", &err, &n), HS_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 1);
    /* an empty code */
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\nAAA,\n", &err, &n), HS_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 5);
    /* a country its own neighbour */
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\nAAA,BBB\nCCC,CCC\n", &err, &n),
                     HS_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 5);
    /* a pair given twice: the second line, naming the first */
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\nAAA,BBB\nCCC,AAA\nAAA,BBB\n", &err, &n),
                     HS_ERR_PARSE);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "line 2"));
    /* a ragged row and an unterminated quote: the CSV reader's own positions */
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\nAAA,BBB,CCC\n", &err, &n), HS_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_true(err.col > 0);
    assert_int_equal(nbr_read_text("iso3,neighbour_iso3\n\"AAA,BBB\n", &err, &n), HS_ERR_PARSE);
    assert_int_equal(err.line, 2);
    /* an empty file, binary bytes, no file */
    assert_int_not_equal(nbr_read_text("", &err, &n), HS_OK);
    char bin[] = "iso3,neighbour_iso3\nAAA,B\x01"
                 "B\n";
    assert_int_equal(nbr_read_text(bin, &err, &n), HS_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 5);
    assert_int_not_equal(hs_borders_read(NULL, "/nonexistent/borders.csv", &b, &err), HS_OK);
    assert_null(b);
}

#define NM 10
/* Three countries: AAA borders BBB and CCC, which do not border each other. AAA is quiet;
 * BBB has a war in months 0-2 and an unknown month 5; CCC is unknown (not yet a state) in
 * months 0-2, then 5 and 100 deaths, then quiet but for 7 deaths in month 7. */
static const char *const nbr_units[3] = {"AAA", "BBB", "CCC"};
static const char nbr_borders[] = "iso3,neighbour_iso3\nAAA,BBB\nAAA,CCC\nBBB,AAA\nCCC,AAA\n"
                                  "CCC,ZZZ\n"; /* ZZZ: not in the panel */

static void nbr_panel(double *y)
{
    const double b[NM] = {10, 20, 30, 0, 0, NAN, 0, 0, 0, 0};
    const double c[NM] = {NAN, NAN, NAN, 5, 100, 0, 0, 7, 0, 0};
    for (int m = 0; m < NM; m++) {
        y[m] = 0;
        y[NM + m] = b[m];
        y[2 * NM + m] = c[m];
    }
}

static double cv(const double *cov, size_t u, size_t s, size_t j)
{
    return cov[(u * NM + s) * HS_NBR_NCOV + j];
}

static void test_nbr_covariates(void **state)
{
    (void)state;
    char path[64];
    nbr_tmp(path, nbr_borders);
    hs_borders *b = NULL;
    hs_error err;
    assert_int_equal(hs_borders_read(NULL, path, &b, &err), HS_OK);
    unlink(path);
    double y[3 * NM], cov[3 * NM * HS_NBR_NCOV];
    nbr_panel(y);
    assert_int_equal(hs_nbr_covariates(NULL, b, nbr_units, 3, y, NM, cov, &err), HS_OK);
    for (size_t u = 0; u < 3; u++) /* the first two months have no full window */
        for (size_t s = 0; s < 2; s++)
            assert_true(isnan(cv(cov, u, s, 0)) && isnan(cv(cov, u, s, 1)));
    /* AAA, month 2: BBB's 10 + 20 + 30, a month >= 25; CCC not yet there, so not counted */
    TU_ASSERT_CLOSE(cv(cov, 0, 2, 0), log(61.0), 1e-15, "AAA month 2");
    assert_true(cv(cov, 0, 2, 1) == 1);
    /* months 3 and 4: CCC's window is partly unknown (months 1-2 and 2): unknown, not the
     * sum of the months that are known */
    for (size_t s = 3; s <= 4; s++)
        assert_true(isnan(cv(cov, 0, s, 0)) && isnan(cv(cov, 0, s, 1)));
    /* months 5-7: BBB's unknown month 5 is in the window. Read as zero it would give
     * ln(1 + 105) in month 5; it gives unknown */
    for (size_t s = 5; s <= 7; s++)
        assert_true(isnan(cv(cov, 0, s, 0)) && isnan(cv(cov, 0, s, 1)));
    /* months 8 and 9: all known; CCC's 7 in month 7, no neighbour at war */
    for (size_t s = 8; s <= 9; s++) {
        TU_ASSERT_CLOSE(cv(cov, 0, s, 0), log(8.0), 1e-15, "AAA months 8-9");
        assert_true(cv(cov, 0, s, 1) == 0);
    }
    /* BBB and CCC have AAA alone (ZZZ is not a unit of the panel): quiet, known */
    for (size_t u = 1; u < 3; u++)
        for (size_t s = 2; s < NM; s++)
            assert_true(cv(cov, u, s, 0) == 0 && cv(cov, u, s, 1) == 0);
    /* CCC without a code: its own covariates are unknown, and it is nobody's neighbour, so
     * AAA's months 3-4 now count BBB alone: 20 + 30 + 0 and 30 + 0 + 0 */
    const char *units2[3] = {"AAA", "BBB", NULL};
    assert_int_equal(hs_nbr_covariates(NULL, b, units2, 3, y, NM, cov, &err), HS_OK);
    TU_ASSERT_CLOSE(cv(cov, 0, 3, 0), log(51.0), 1e-15, "AAA month 3, CCC unknown");
    TU_ASSERT_CLOSE(cv(cov, 0, 4, 0), log(31.0), 1e-15, "AAA month 4, CCC unknown");
    assert_true(cv(cov, 0, 3, 1) == 1 && cv(cov, 0, 4, 1) == 1);
    for (size_t s = 0; s < NM; s++)
        assert_true(isnan(cv(cov, 2, s, 0)));
    /* a country with no land border at all: nothing next door, known */
    const char *units3[3] = {"AAA", "BBB", "QQQ"};
    assert_int_equal(hs_nbr_covariates(NULL, b, units3, 3, y, NM, cov, &err), HS_OK);
    for (size_t s = 2; s < NM; s++)
        assert_true(cv(cov, 2, s, 0) == 0 && cv(cov, 2, s, 1) == 0);
    assert_int_equal(hs_nbr_covariates(NULL, NULL, units3, 3, y, NM, cov, &err), HS_ERR_USAGE);
    hs_borders_free(b);
}

/* The analogue draws with the neighbours' covariates: bit-identical for 1 and 2 threads;
 * weight 0 gives the deaths-only draws; a negative weight is refused. */
static void test_nbr_analog_threads(void **state)
{
    (void)state;
    enum { NU = 3, M = 60, S = 200 };
    char path[64];
    nbr_tmp(path, nbr_borders);
    hs_borders *b = NULL;
    hs_error err;
    assert_int_equal(hs_borders_read(NULL, path, &b, &err), HS_OK);
    unlink(path);
    double y[NU * M], cov[NU * M * HS_NBR_NCOV];
    for (int m = 0; m < M; m++) { /* BBB's wars come before AAA's, CCC's are its own */
        y[m] = (m % 12) >= 9 ? 40 + m : m % 3;
        y[M + m] = (m % 12) >= 6 && (m % 12) < 10 ? 200 : 0;
        y[2 * M + m] = m % 7 == 0 ? 30 : 1;
    }
    assert_int_equal(hs_nbr_covariates(NULL, b, nbr_units, NU, y, M, cov, &err), HS_OK);
    hs_borders_free(b);
    int leads[3] = {1, 2, 6};
    hs_analog_opts o;
    hs_analog_opts_init(&o);
    o.k = 4;
    o.match_months = 6;
    o.own_months = 6;
    o.samples = S;
    double w[HS_NBR_NCOV] = {2, 1};
    o.cov = cov;
    o.ncov = HS_NBR_NCOV;
    o.cov_weights = w;
    static double a[NU * 3 * S], c[NU * 3 * S], d[NU * 3 * S];
    assert_int_equal(hs_analog_forecast(NULL, &o, y, NU, M, 50, leads, 3, NULL, a, &err), HS_OK);
    o.threads = 2;
    assert_int_equal(hs_analog_forecast(NULL, &o, y, NU, M, 50, leads, 3, NULL, c, &err), HS_OK);
    assert_memory_equal(a, c, sizeof a);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        assert_true(a[i] >= 0 && a[i] == floor(a[i]));
    /* weight 0: the deaths-only draws, to the bit */
    w[0] = w[1] = 0;
    assert_int_equal(hs_analog_forecast(NULL, &o, y, NU, M, 50, leads, 3, NULL, c, &err), HS_OK);
    o.cov = NULL;
    o.ncov = 0;
    o.cov_weights = NULL;
    assert_int_equal(hs_analog_forecast(NULL, &o, y, NU, M, 50, leads, 3, NULL, d, &err), HS_OK);
    assert_memory_equal(c, d, sizeof c);
    o.cov = cov;
    o.ncov = HS_NBR_NCOV;
    o.cov_weights = w;
    w[1] = -1;
    assert_int_equal(hs_analog_forecast(NULL, &o, y, NU, M, 50, leads, 3, NULL, c, &err),
                     HS_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_borders_file),
        cmocka_unit_test(test_nbr_covariates),
        cmocka_unit_test(test_nbr_analog_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
