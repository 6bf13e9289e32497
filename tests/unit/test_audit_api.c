/* test_audit_api.c - a build's audit tables as arrays (hs_build_audit): every table equals
 * the audit_*.csv file hs_build_write writes for the same build cell for cell (labels as
 * text, numbers to the last bit, NA as NaN, flags as their words), for ASEM P1 and for the
 * HDI (a panel: the latest year); and the arrays agree with COINr 1.1.14's own results for
 * P1 (data/coinr-asem: the Pearson matrix of the normalised indicators and Cronbach's alpha
 * per pillar, to 1e-9); and an allocation failing anywhere in hs_build_audit gives
 * HS_ERR_NOMEM, no result and nothing left allocated. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "failing_alloc.h"

/* Column c of table t, row r, as the CSV cell it is written as. */
static void check_cell(const hs_audit *a, size_t t, size_t c, size_t r, const char *cell)
{
    size_t nrow = hs_audit_nrow(a, t);
    double got = hs_audit_values(a, t)[c * nrow + r];
    const char *what = hs_audit_col(a, t, c);
    if (hs_audit_col_kind(a, t, c) == HS_AUDIT_FLAG) {
        assert_true(got == 0 || got == 1);
        const char *word = got == 1 ? hs_audit_flag_word(a, t, c) : "ok";
        if (strcmp(word, cell))
            fail_msg("%s %s row %zu: %s, the CSV %s", hs_audit_name(a, t), what, r, word, cell);
        return;
    }
    double want = tu_num(cell);
    if (!(isnan(got) && isnan(want)) && !hsi_same_bits(got, want))
        fail_msg("%s %s row %zu: %.17g, the CSV %s", hs_audit_name(a, t), what, r, got, cell);
    if (hs_audit_col_kind(a, t, c) == HS_AUDIT_COUNT) assert_true(got == floor(got));
}

static void check_table(const hs_audit *a, size_t t, const char *dir)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s.csv", dir, hs_audit_name(a, t));
    hsi_csv csv;
    tu_csv_load(path, &csv);
    size_t nl = hs_audit_nlabel(a, t), nc = hs_audit_ncol(a, t), nr = hs_audit_nrow(a, t);
    assert_true(nl >= 1 && nl <= 2);
    assert_int_equal(csv.ncol, nl + nc);
    assert_int_equal(csv.nrow, nr);
    for (size_t k = 0; k < nl; k++)
        assert_string_equal(csv.head[k], hs_audit_label_name(a, t, k));
    for (size_t c = 0; c < nc; c++)
        assert_string_equal(csv.head[nl + c], hs_audit_col(a, t, c));
    for (size_t r = 0; r < nr; r++) {
        for (size_t k = 0; k < nl; k++)
            assert_string_equal(hsi_csv_get(&csv, r, k), hs_audit_label(a, t, k, r));
        for (size_t c = 0; c < nc; c++)
            check_cell(a, t, c, r, hsi_csv_get(&csv, r, nl + c));
    }
    hsi_csv_free(&csv);
}

static size_t count_audit_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += !strncmp(e->d_name, "audit_", 6);
    closedir(d);
    return n;
}

static hs_audit *audit_of(const char *pipeline, char *dir, size_t cap, hs_build **bp)
{
    hs_error err;
    if (hs_build_run(NULL, tu_path(pipeline), bp, &err) != HS_OK)
        fail_msg("%s: %s", pipeline, err.msg);
    char tmp[] = "/tmp/hs_audit_XXXXXX";
    assert_non_null(mkdtemp(tmp));
    snprintf(dir, cap, "%s/b", tmp);
    assert_int_equal(hs_build_write(NULL, *bp, dir, &err), HS_OK);
    hs_audit *a = NULL;
    assert_int_equal(hs_build_audit(NULL, *bp, &a, &err), HS_OK);
    return a;
}

static void remove_dir(const char *dir)
{
    char cmd[200];
    /* dir is TMP/b: TMP goes */
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 2), dir);
    assert_int_equal(system(cmd), 0); /* NOLINT(cert-env33-c): the test's own folder */
}

static void check_build(const char *pipeline, size_t ntables)
{
    char dir[96];
    hs_build *b = NULL;
    hs_audit *a = audit_of(pipeline, dir, sizeof dir, &b);
    hs_build_free(b); /* the audit owns what it gives */
    assert_int_equal(hs_audit_ntables(a), ntables);
    assert_int_equal(count_audit_files(dir), ntables);
    for (size_t t = 0; t < hs_audit_ntables(a); t++)
        check_table(a, t, dir);
    /* out of range */
    assert_null(hs_audit_name(a, ntables));
    assert_null(hs_audit_values(a, ntables));
    assert_int_equal(hs_audit_nrow(a, ntables), 0);
    assert_null(hs_audit_label(a, 0, 2, 0));
    assert_null(hs_audit_label(a, 0, 0, hs_audit_nrow(a, 0)));
    assert_null(hs_audit_col(a, 0, hs_audit_ncol(a, 0)));
    hs_audit_free(a);
    hs_audit_free(NULL);
    remove_dir(dir);
}

static void test_audit_p1_equals_csv(void **state)
{
    (void)state;
    check_build("examples/asem/p1.pipeline", 6);
}

static void test_audit_hdi_equals_csv(void **state)
{
    (void)state;
    check_build("examples/hdi/hdi.pipeline", 6);
}

static size_t table_named(const hs_audit *a, const char *name)
{
    for (size_t t = 0; t < hs_audit_ntables(a); t++)
        if (!strcmp(hs_audit_name(a, t), name)) return t;
    fail_msg("no audit table %s", name);
    return 0;
}

static long row_labelled(const hs_audit *a, size_t t, const char *code)
{
    for (size_t r = 0; r < hs_audit_nrow(a, t); r++)
        if (!strcmp(hs_audit_label(a, t, 0, r), code)) return (long)r;
    return -1;
}

static void test_audit_p1_coinr(void **state)
{
    (void)state;
    char dir[96];
    hs_build *b = NULL;
    hs_audit *a = audit_of("examples/asem/p1.pipeline", dir, sizeof dir, &b);
    hsi_csv ref;
    /* COINr get_corr(dset = "Normalised", Levels = 1): the pairs it has */
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_corr_Normalised_L1_pearson.csv"), &ref);
    size_t t = table_named(a, "audit_corr_Normalised"), nr = hs_audit_nrow(a, t), seen = 0;
    const double *v = hs_audit_values(a, t);
    for (size_t r = 0; r < ref.nrow; r++) {
        long i = row_labelled(a, t, hsi_csv_get(&ref, r, 0));
        assert_true(i >= 0);
        for (size_t c = 1; c < ref.ncol; c++) {
            long j = row_labelled(a, t, ref.head[c]); /* the matrix is square, rows as columns */
            assert_true(j >= 0);
            assert_string_equal(hs_audit_col(a, t, (size_t)j), ref.head[c]);
            TU_ASSERT_CLOSE(v[(size_t)j * nr + (size_t)i], tu_num(hsi_csv_get(&ref, r, c)), 1e-9,
                            ref.head[c]);
            seen++;
        }
    }
    assert_true(seen > 1000);
    hsi_csv_free(&ref);
    /* COINr get_cronbach per pillar of the normalised indicators */
    tu_csv_load(tu_path("data/coinr-asem/p1_audit_cronbach_Normalised_by_pillar.csv"), &ref);
    t = table_named(a, "audit_cronbach");
    for (size_t r = 0; r < ref.nrow; r++) {
        long i = row_labelled(a, t, hsi_csv_get(&ref, r, 0));
        assert_true(i >= 0);
        TU_ASSERT_CLOSE(hs_audit_values(a, t)[i], tu_num(hsi_csv_get(&ref, r, 1)), 1e-9,
                        hsi_csv_get(&ref, r, 0));
    }
    assert_true(ref.nrow >= 8);
    hsi_csv_free(&ref);
    hs_audit_free(a);
    hs_build_free(b);
    remove_dir(dir);
}

static void test_audit_nomem(void **state)
{
    (void)state;
    hs_build *b = NULL;
    hs_error err;
    assert_int_equal(hs_build_run(NULL, tu_path("examples/asem/p1.pipeline"), &b, &err), HS_OK);
    failing f = {0, 0, 0, 0};
    hs_ctx *ctx = hs_ctx_new(failing_alloc, &f);
    assert_non_null(ctx);
    long before = f.count;
    hs_audit *a = NULL;
    assert_int_equal(hs_build_audit(ctx, b, &a, &err), HS_OK);
    hs_audit_free(a);
    long total = f.count - before;
    assert_true(total > 100);
    for (long n = 1; n <= total; n++) {
        f.fail_at = f.count + n;
        f.failed = 0;
        long live = f.live;
        a = (hs_audit *)&f; /* must be set to NULL */
        assert_int_equal(hs_build_audit(ctx, b, &a, &err), HS_ERR_NOMEM);
        assert_null(a);
        assert_true(f.failed);
        assert_int_equal(f.live, live);
    }
    hs_ctx_free(ctx);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_p1_equals_csv),
        cmocka_unit_test(test_audit_hdi_equals_csv),
        cmocka_unit_test(test_audit_p1_coinr),
        cmocka_unit_test(test_audit_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
