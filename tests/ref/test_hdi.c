/*
 * test_hdi.c - UNDP's Human Development Index rebuilt by the shipped pipeline
 * (examples/hdi/hdi.pipeline) against the published values in the HDR 2023/24 complete
 * time series (data/hdr/; docs/methods.md section 1).
 *
 * Every country-year with all four inputs present and a published HDI must give the
 * published hdi_YYYY when rounded to 3 decimals (5,808 country-years, 1990-2022; UNDP
 * publishes none for Rwanda 1990-1994 although the inputs are in the file), and the
 * competition rank of the 3-decimal HDI in 2022 must equal hdi_rank_2022.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "index/engine_int.h"

static double round3(double v)
{
    return round(v * 1000.0) / 1000.0;
}

static void test_hdi(void **state)
{
    (void)state;
    hs_error err = {0};
    hs_build *b = NULL;
    if (hs_build_run(NULL, tu_path("examples/hdi/hdi.pipeline"), &b, &err) != HS_OK)
        fail_msg("build failed: %s", err.msg);
    const hsi_dset *raw = &b->d[0];
    const hsi_dset *ag = &b->d[b->nd - 1];
    long hcol = hsi_dset_col(ag, (size_t)hsi_meta_find(&b->meta, "HDI"));
    assert_true(hcol >= 0);
    hsi_csv c;
    tu_csv_load(tu_path("data/hdr/HDR23-24_Composite_indices_complete_time_series.csv"), &c);
    long jiso = hsi_csv_find(&c, "iso3");
    size_t complete = 0, matched = 0, unpublished = 0;
    for (size_t r = 0; r < ag->nrow; r++) {
        size_t u = ag->row[r];
        int full = 1;
        for (size_t k = 0; k < raw->ncol; k++)
            full &= !isnan(hsi_col(raw, k)[r]);
        double ours = hsi_col(ag, (size_t)hcol)[r];
        if (!full) {
            assert_true(isnan(ours)); /* dat_thresh = 1: no HDI from partial inputs */
            continue;
        }
        complete++;
        size_t cr = tu_row(&c, "iso3", b->units.code[u]);
        char col[32];
        snprintf(col, sizeof col, "hdi_%ld", b->units.time[u]);
        long j = hsi_csv_find(&c, col);
        assert_true(j >= 0);
        double pub = tu_num(hsi_csv_get(&c, cr, (size_t)j));
        if (isnan(pub)) {
            /* UNDP leaves out Rwanda 1990-1994 (genocide years) although the inputs are
               there; nothing else may be unpublished */
            if (strcmp(b->units.code[u], "RWA") || b->units.time[u] > 1994)
                fail_msg("%s %ld: complete inputs but no published HDI", b->units.code[u],
                         b->units.time[u]);
            unpublished++;
            continue;
        }
        /* the table is printed to 3 decimals: compare after rounding ours the same way */
        if (fabs(round3(ours) - pub) > 1e-9)
            fail_msg("%s %ld: HDI %.6f rounds to %.3f, published %.3f", b->units.code[u],
                     b->units.time[u], ours, round3(ours), pub);
        matched++;
    }
    (void)jiso;
    assert_int_equal(complete, 5813);
    assert_int_equal(unpublished, 5);
    assert_int_equal(matched, 5808);

    /* 2022 ranks: competition rank of the 3-decimal HDI */
    size_t n22 = 0;
    double v[256];
    const char *codes[256];
    for (size_t r = 0; r < ag->nrow; r++) {
        size_t u = ag->row[r];
        if (b->units.time[u] != 2022 || isnan(hsi_col(ag, (size_t)hcol)[r])) continue;
        assert_true(n22 < 256);
        v[n22] = round3(hsi_col(ag, (size_t)hcol)[r]);
        codes[n22++] = b->units.code[u];
    }
    assert_int_equal(n22, 193);
    double rk[256];
    size_t wz[256];
    hsi_stats_rank(v, n22, 1, rk, wz);
    for (size_t i = 0; i < n22; i++) {
        size_t cr = tu_row(&c, "iso3", codes[i]);
        double pub = tu_num(hsi_csv_get(&c, cr, (size_t)hsi_csv_find(&c, "hdi_rank_2022")));
        if (rk[i] != pub) fail_msg("%s: rank %.0f, published %.0f", codes[i], rk[i], pub);
    }
    hsi_csv_free(&c);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hdi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
