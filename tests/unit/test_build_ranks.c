/* test_build_ranks.c - a build's ranks as arrays (hs_build_ranks): the last dataset's ranks
 * equal ranks.csv cell for cell, for one year (ASEM P1) and for many, ranked within each
 * (the HDI); a rank is NaN exactly where the value is missing. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"

static void check_ranks(const char *pipeline)
{
    hs_build *b = NULL;
    hs_error err;
    if (hs_build_run(NULL, tu_path(pipeline), &b, &err) != HS_OK)
        fail_msg("%s: %s", pipeline, err.msg);
    char dir[] = "/tmp/hs_ranks_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[64], path[96];
    snprintf(out, sizeof out, "%s/b", dir);
    assert_int_equal(hs_build_write(NULL, b, out, &err), HS_OK);
    snprintf(path, sizeof path, "%s/ranks.csv", out);
    hsi_csv csv;
    tu_csv_load(path, &csv);
    size_t last = hs_build_ndsets(b) - 1, nrow = hs_build_dset_nrow(b, last),
           ncol = hs_build_dset_ncol(b, last);
    double *rk = malloc(nrow * ncol * sizeof *rk);
    assert_non_null(rk);
    assert_int_equal(hs_build_ranks(b, last, rk, &err), HS_OK);
    assert_int_equal(csv.nrow, nrow);
    assert_true(csv.ncol > ncol);
    size_t key = csv.ncol - ncol; /* uCode, and uName and Time when the data has them */
    const double *v = hs_build_dset_values(b, last);
    for (size_t r = 0; r < nrow; r++) {
        assert_string_equal(csv.cell[r * csv.ncol], hs_build_dset_unit(b, last, r));
        for (size_t c = 0; c < ncol; c++) {
            double want = tu_num(csv.cell[r * csv.ncol + key + c]), got = rk[c * nrow + r];
            if (!tu_close(got, want, 0))
                fail_msg("%s: %s %s: rank %g, ranks.csv %g", pipeline,
                         hs_build_dset_unit(b, last, r), hs_build_dset_col(b, last, c), got, want);
            assert_int_equal(isnan(got) != 0, isnan(v[c * nrow + r]) != 0);
            assert_true(isnan(got) || (got >= 1 && got <= (double)nrow));
        }
    }
    for (size_t c = 0; c < ncol; c++)
        assert_string_equal(csv.head[key + c], hs_build_dset_col(b, last, c));
    /* Raw has ranks too, and the index past the last dataset is refused */
    assert_int_equal(hs_build_ranks(b, 0, rk, &err), HS_OK);
    assert_int_equal(hs_build_ranks(b, last + 1, rk, &err), HS_ERR_USAGE);
    free(rk);
    hsi_csv_free(&csv);
    hs_build_free(b);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0); /* NOLINT(cert-env33-c): the test's own folder */
}

static void test_ranks_p1(void **state)
{
    (void)state;
    check_ranks("examples/asem/p1.pipeline");
}

static void test_ranks_hdi(void **state)
{
    (void)state;
    check_ranks("examples/hdi/hdi.pipeline");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranks_p1),
        cmocka_unit_test(test_ranks_hdi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
