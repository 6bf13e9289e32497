/*
 * test_coinr_analysis.c - the analysis of builds against COINr 1.1.14's own outputs
 * (data/coinr-asem/refs2/, section 5 of the README that came with them): compare_coins,
 * remove_elements, get_corr_flags and get_denom_corr. The builds are the example coin
 * (examples/asem/p1.pipeline) and the variants in tests/ref/data/coinr2/; every number must
 * equal COINr's within 1e-9 (relative for |x| >= 1, absolute below), and every row of a
 * reference must be found, and no row more.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tu_build.h"

#define REFS  "data/coinr-asem/refs2/"
#define PIPES "tests/ref/data/coinr2/"
#define P1    "examples/asem/p1.pipeline"

/* The rows of c for node `icode`, matched to the reference's rows by uCode: coin.1, coin.2,
   Diff and Abs.diff of the ranks (ranks != 0) or the scores. */
static void check_compare(const hs_compare *c, const char *icode, const char *ref, int ranks)
{
    hsi_csv t;
    tu_csv_load(tu_path(ref), &t);
    size_t seen = 0;
    double maxd = 0;
    for (size_t i = 0; i < hs_compare_nrows(c); i++) {
        const hs_compare_row *r = hs_compare_row_at(c, i);
        if (strcmp(r->icode, icode)) continue;
        seen++;
        size_t row = tu_row(&t, "uCode", r->ucode);
        const double *v = ranks ? r->rank : r->score;
        const double got[4] = {v[0], v[1], v[0] - v[1], fabs(v[0] - v[1])};
        for (size_t q = 0; q < 4; q++) {
            char what[256];
            snprintf(what, sizeof what, "%s %s/%s", ref, r->ucode, t.head[q + 1]);
            double exp = tu_num(hsi_csv_get(&t, row, q + 1));
            TU_ASSERT_CLOSE(got[q], exp, 1e-9, what);
            if (fabs(got[q] - exp) > maxd) maxd = fabs(got[q] - exp);
        }
    }
    assert_int_equal(seen, t.nrow);
    print_message("%-55s max |diff| %.3g\n", ref, maxd);
    hsi_csv_free(&t);
}

/* Every column of dataset `name` of b against a COINr dataset file (uCode + codes). */
static void check_dset(const hs_build *b, const char *name, const char *ref)
{
    const hsi_dset *d = tu_dset(b, name);
    hsi_csv t;
    tu_csv_load(tu_path(ref), &t);
    assert_int_equal(t.nrow, d->nrow);
    for (size_t r = 0; r < t.nrow; r++) {
        long row = tu_unit_row(b, d, hsi_csv_get(&t, r, 0));
        assert_true(row >= 0);
        for (size_t j = 1; j < t.ncol; j++) {
            long node = hsi_meta_find(&b->meta, t.head[j]);
            assert_true(node >= 0);
            long dc = hsi_dset_col(d, (size_t)node);
            assert_true(dc >= 0);
            char what[256];
            snprintf(what, sizeof what, "%s %s/%s", ref, hsi_csv_get(&t, r, 0), t.head[j]);
            TU_ASSERT_CLOSE(hsi_col(d, (size_t)dc)[row], tu_num(hsi_csv_get(&t, r, j)), 1e-9, what);
        }
    }
    hsi_csv_free(&t);
}

static hs_compare *compare_of(const hs_build *a, const hs_build *b)
{
    hs_error err = {0};
    hs_compare *c = NULL;
    if (hs_compare_builds(NULL, a, b, &c, &err) != HS_OK) fail_msg("compare: %s", err.msg);
    return c;
}

/* refs2 5.2: the example coin against minmax(1, 100) with a geometric mean for the index. */
static void test_compare(void **state)
{
    (void)state;
    hs_build *a = tu_build(P1);
    hs_build *b = tu_build(PIPES "compare_variant_gmean_l4.pipeline");
    check_dset(b, "Aggregated", REFS "compare_variant_gmeanL4_Aggregated.csv");
    hs_compare *c = compare_of(a, b);
    /* every node of the 49 + 8 + 2 + 1 for each of the 51 units */
    assert_int_equal(hs_compare_nrows(c), 60 * 51);
    check_compare(c, "Index", REFS "compare_coins_Index_ranks.csv", 1);
    check_compare(c, "Index", REFS "compare_coins_Index_scores.csv", 0);
    /* the order of the builds is the order of the columns: swapped, Diff changes sign */
    hs_compare *sw = compare_of(b, a);
    size_t nmoved = 0;
    for (size_t i = 0; i < hs_compare_nrows(c); i++) {
        const hs_compare_row *r = hs_compare_row_at(c, i), *s = hs_compare_row_at(sw, i);
        assert_string_equal(r->ucode, s->ucode);
        assert_true(r->rank[0] == s->rank[1] && r->score[1] == s->score[0]);
        nmoved += !strcmp(r->icode, "Index") && r->rank[0] != r->rank[1];
    }
    assert_true(nmoved > 0);
    assert_null(hs_compare_row_at(c, hs_compare_nrows(c)));
    hs_compare_free(sw);
    hs_compare_free(c);
    hs_build_free(a);
    hs_build_free(b);
}

/* One wide remove_elements table: uCode then Nominal and one column per removed pillar, in
   the weight set's order; what: 0 scores, 1 ranks, 2 rank differences. */
static void check_whatif_table(const hs_whatif *w, const char *ref, int what)
{
    hsi_csv t;
    tu_csv_load(tu_path(ref), &t);
    assert_int_equal(t.nrow, hs_whatif_nrows(w));
    assert_int_equal(t.ncol, hs_whatif_nremoved(w) + 2);
    assert_string_equal(t.head[1], "Nominal");
    double maxd = 0;
    for (size_t j = 0; j <= hs_whatif_nremoved(w); j++) {
        if (j > 0) assert_string_equal(t.head[j + 1], hs_whatif_removed(w, j - 1));
        for (size_t r = 0; r < hs_whatif_nrows(w); r++) {
            size_t row = tu_row(&t, "uCode", hs_whatif_unit(w, r));
            double got = what == 0   ? hs_whatif_score(w, j, r)
                         : what == 1 ? hs_whatif_rank(w, j, r)
                                     : hs_whatif_rank(w, 0, r) - hs_whatif_rank(w, j, r);
            double exp = tu_num(hsi_csv_get(&t, row, j + 1));
            char what_s[256];
            snprintf(what_s, sizeof what_s, "%s %s/%s", ref, hs_whatif_unit(w, r), t.head[j + 1]);
            TU_ASSERT_CLOSE(got, exp, 1e-9, what_s);
            if (fabs(got - exp) > maxd) maxd = fabs(got - exp);
        }
    }
    print_message("%-55s max |diff| %.3g\n", ref, maxd);
    hsi_csv_free(&t);
}

/* refs2 5.1: remove_elements(coin, Level = 2, dset = "Aggregated", iCode = "Index"). */
static void test_whatif(void **state)
{
    (void)state;
    hs_build *b = tu_build(P1);
    hs_error err = {0};
    hs_whatif *w = NULL;
    if (hs_whatif_remove(NULL, b, 2, NULL, &w, &err) != HS_OK) fail_msg("whatif: %s", err.msg);
    assert_string_equal(hs_whatif_target(w), "Index");
    assert_int_equal(hs_whatif_nremoved(w), 8);
    check_whatif_table(w, REFS "remove_elements_L2_Index_Scores.csv", 0);
    check_whatif_table(w, REFS "remove_elements_L2_Index_Ranks.csv", 1);
    check_whatif_table(w, REFS "remove_elements_L2_Index_RankDiffs.csv", 2);
    hsi_csv t;
    tu_csv_load(tu_path(REFS "remove_elements_L2_Index_MeanAbsDiff.csv"), &t);
    assert_int_equal(t.nrow, hs_whatif_nremoved(w) + 1);
    for (size_t j = 0; j < t.nrow; j++) {
        const char *code = j ? hs_whatif_removed(w, j - 1) : "Nominal";
        size_t row = tu_row(&t, "iCode", code);
        TU_ASSERT_CLOSE(hs_whatif_mean_abs_diff(w, j), tu_num(hsi_csv_get(&t, row, 1)), 1e-9, code);
    }
    hsi_csv_free(&t);
    /* out of range: NaN, not a neighbour's value */
    assert_true(isnan(hs_whatif_score(w, 9, 0)) && isnan(hs_whatif_rank(w, 0, 51)));
    assert_null(hs_whatif_removed(w, 8));
    hs_whatif_free(w);
    /* a sub-index as the target: only its own pillars move its ranks */
    if (hs_whatif_remove(NULL, b, 2, "Sust", &w, &err) != HS_OK) fail_msg("whatif: %s", err.msg);
    for (size_t j = 1; j <= hs_whatif_nremoved(w); j++) {
        const char *e = hs_whatif_removed(w, j - 1);
        int own = !strcmp(e, "Environ") || !strcmp(e, "Social") || !strcmp(e, "SusEcFin");
        if (own)
            assert_true(hs_whatif_mean_abs_diff(w, j) > 0);
        else
            assert_true(hs_whatif_mean_abs_diff(w, j) == 0);
    }
    hs_whatif_free(w);
    /* the level must lie below the target */
    assert_int_equal(hs_whatif_remove(NULL, b, 4, NULL, &w, &err), HS_ERR_USAGE);
    assert_null(w);
    assert_int_equal(hs_whatif_remove(NULL, b, 3, "Conn", &w, &err), HS_ERR_USAGE);
    assert_int_equal(hs_whatif_remove(NULL, b, 1, "LPI", &w, &err), HS_ERR_USAGE);
    hs_build_free(b);
}

/* Our pairs against a reference table, each pair matched whatever its order (COINr's order
   of Ind1 and Ind2 follows its merges); as many rows as ours. Columns: group (or none), the
   two codes, Corr. */
static void check_pairs(const hs_corr *c, int denom, const char *ref)
{
    hsi_csv t;
    tu_csv_load(tu_path(ref), &t);
    size_t n = denom ? hs_corr_ndenom(c) : hs_corr_nflags(c), k = denom ? 0 : 1;
    assert_int_equal(t.nrow, n);
    double maxd = 0;
    for (size_t i = 0; i < n; i++) {
        const hs_corr_pair *p = denom ? hs_corr_denom_at(c, i) : hs_corr_flag_at(c, i);
        long row = -1;
        for (size_t r = 0; r < t.nrow; r++) {
            const char *a = hsi_csv_get(&t, r, k), *b = hsi_csv_get(&t, r, k + 1);
            int same = (!strcmp(a, p->a) && !strcmp(b, p->b)) ||
                       (!denom && !strcmp(a, p->b) && !strcmp(b, p->a));
            if (same && (denom || !strcmp(hsi_csv_get(&t, r, 0), p->group))) row = (long)r;
        }
        if (row < 0) fail_msg("%s: our pair %s/%s is not in COINr's", ref, p->a, p->b);
        if (denom) assert_null(p->group);
        double exp = tu_num(hsi_csv_get(&t, (size_t)row, k + 2));
        TU_ASSERT_CLOSE(p->r, exp, 1e-9, ref);
        if (fabs(p->r - exp) > maxd) maxd = fabs(p->r - exp);
    }
    print_message("%-55s %zu pairs, max |diff| %.3g\n", ref, n, maxd);
    hsi_csv_free(&t);
}

static hs_corr *corr_of(const hs_build *b, const hs_corr_opts *o)
{
    hs_error err = {0};
    hs_corr *c = NULL;
    if (hs_corr_run(NULL, b, o, &c, &err) != HS_OK) fail_msg("corr: %s", err.msg);
    return c;
}

/* refs2 5.3 and 5.4: get_corr_flags on Normalised (0.9 high, 0.7 high, -0.4 low) and
   get_denom_corr on Raw. */
static void test_corr(void **state)
{
    (void)state;
    hs_build *b = tu_build(P1);
    hs_corr *c = corr_of(b, NULL);
    check_pairs(c, 0, REFS "corr_flags_Normalised_default.csv");
    check_pairs(c, 1, REFS "denom_corr_Raw.csv");
    for (size_t i = 1; i < hs_corr_ndenom(c); i++)
        assert_true(strcmp(hs_corr_denom_at(c, i - 1)->a, hs_corr_denom_at(c, i)->a) <= 0);
    hs_corr_free(c);
    hs_corr_opts o;
    hs_corr_opts_init(&o);
    o.thresh = 0.7;
    c = corr_of(b, &o);
    check_pairs(c, 0, REFS "corr_flags_Normalised_high_0.7.csv");
    assert_null(hs_corr_flag_at(c, hs_corr_nflags(c)));
    hs_corr_free(c);
    o.thresh = -0.4;
    o.low = 1;
    c = corr_of(b, &o);
    check_pairs(c, 0, REFS "corr_flags_Normalised_low_m0.4.csv");
    hs_corr_free(c);
    /* across levels: the pillars grouped by sub-index, from the Aggregated dataset; every
       pair lies within Conn or Sust */
    hs_corr_opts_init(&o);
    o.dset = "Aggregated";
    o.level = 2;
    o.thresh = -1;
    c = corr_of(b, &o);
    assert_int_equal(hs_corr_nflags(c), 10 + 3); /* C(5, 2) + C(3, 2) pairs above -1 */
    hs_corr_free(c);
    /* a level that is not below the group level, a dataset the build lacks, options of
       another size */
    hs_error err = {0};
    o.group_level = 2;
    assert_int_equal(hs_corr_run(NULL, b, &o, &c, &err), HS_ERR_USAGE);
    assert_null(c);
    hs_corr_opts_init(&o);
    o.dset = "Weighted";
    assert_int_equal(hs_corr_run(NULL, b, &o, &c, &err), HS_ERR_USAGE);
    o.dset = NULL;
    o.size = 1;
    assert_int_equal(hs_corr_run(NULL, b, &o, &c, &err), HS_ERR_USAGE);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_whatif),
        cmocka_unit_test(test_corr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
