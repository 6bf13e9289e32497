/*
 * test_coinr2.c - alternative aggregations, normalisations, treatments, panel imputation and
 * trends against COINr 1.1.14's own outputs (data/coinr-asem/refs2/, its README.md gives the
 * R calls). Each pipeline in tests/ref/data/coinr2/ reproduces one R call; every value must
 * equal COINr's within 1e-9 (relative for |x| >= 1, absolute below), NAs, infinities and NaNs
 * included. The largest absolute difference per file is printed, to show how close the
 * match is.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/engine_int.h"
#include "index/panel_int.h"
#include "tu_build.h"

#define REFS  "data/coinr-asem/refs2/"
#define PIPES "tests/ref/data/coinr2/"

/* A reference number: NA and NaN are NaN, Inf and -Inf infinite. */
static double ref_num(const char *s)
{
    if (!strcmp(s, "NaN")) return NAN;
    if (!strcmp(s, "Inf")) return INFINITY;
    if (!strcmp(s, "-Inf")) return -INFINITY;
    return tu_num(s);
}

/* got matches exp within 1e-9; *maxd grows to the absolute difference of finite pairs. */
static void close_or_fail(double got, double exp, const char *what, double *maxd)
{
    if (isinf(exp) || isinf(got)) {
        if (got != exp) fail_msg("%s: got %.17g, expected %.17g", what, got, exp);
        return;
    }
    TU_ASSERT_CLOSE(got, exp, 1e-9, what);
    if (!isnan(exp) && fabs(got - exp) > *maxd) *maxd = fabs(got - exp);
}

/* Every column of a COINr dataset CSV (uCode + codes) against our dataset `name`. */
static void compare(const hs_build *b, const char *name, const char *ref)
{
    const hsi_dset *d = tu_dset(b, name);
    hsi_csv c;
    tu_csv_load(tu_path(ref), &c);
    assert_int_equal(c.nrow, d->nrow);
    assert_int_equal(c.ncol - 1, d->ncol);
    double maxd = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, 0);
        long row = tu_unit_row(b, d, code);
        if (row < 0) fail_msg("%s: unit %s missing from our %s", ref, code, name);
        for (size_t j = 1; j < c.ncol; j++) {
            long node = hsi_meta_find(&b->meta, c.head[j]);
            assert_true(node >= 0);
            long dc = hsi_dset_col(d, (size_t)node);
            if (dc < 0) fail_msg("%s: column %s missing from our %s", ref, c.head[j], name);
            char what[600];
            snprintf(what, sizeof what, "%s %s/%s", ref, code, c.head[j]);
            close_or_fail(hsi_col(d, (size_t)dc)[row], ref_num(hsi_csv_get(&c, r, j)), what, &maxd);
        }
    }
    print_message("%-55s max |diff| %.3g\n", ref, maxd);
    hsi_csv_free(&c);
}

static void run(const char *pipeline, const char *name, const char *ref)
{
    char p[256], r[256];
    snprintf(p, sizeof p, PIPES "%s", pipeline);
    snprintf(r, sizeof r, REFS "%s", ref);
    hs_build *b = tu_build(p);
    compare(b, name, r);
    hs_build_free(b);
}

static void test_genmean(void **state)
{
    (void)state;
    run("agg_genmean.pipeline", "Aggregated", "agg_genmean_p0.5_minmax1_100_Aggregated.csv");
    run("agg_genmean0.pipeline", "Aggregated", "agg_gmean_minmax1_100_Aggregated.csv");
}

static void test_copeland(void **state)
{
    (void)state;
    run("agg_copeland.pipeline", "Aggregated", "agg_copeland_all_levels_Aggregated.csv");
    run("agg_copeland_l4.pipeline", "Aggregated", "agg_amean_copeland_L4_Aggregated.csv");
}

/* The outranking matrix of the given columns of dataset `name` against a COINr matrix, and
 * its count of dominant pairs (o_ij = 1) against outrank_summary.csv's row `srow`. */
static void outrank(const hs_build *b, const char *name, const char *const *codes, size_t k,
                    const char *ref, size_t srow)
{
    const hsi_dset *d = tu_dset(b, name);
    size_t n = d->nrow;
    double *x = test_calloc(n * k, sizeof(double)), *w = test_calloc(k, sizeof(double));
    double *o = test_calloc(n * n, sizeof(double));
    for (size_t j = 0; j < k; j++) {
        long dc = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, codes[j]));
        assert_true(dc >= 0);
        w[j] = 1;
        for (size_t i = 0; i < n; i++)
            x[i * k + j] = hsi_col(d, (size_t)dc)[i];
    }
    hsi_outrank_matrix(x, w, k, n, o);
    hsi_csv c;
    tu_csv_load(tu_path(ref), &c);
    assert_int_equal(c.nrow, n);
    double maxd = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        long i = tu_unit_row(b, d, hsi_csv_get(&c, r, 0));
        assert_true(i >= 0);
        for (size_t jj = 1; jj < c.ncol; jj++) {
            long q = tu_unit_row(b, d, c.head[jj]);
            assert_true(q >= 0);
            char what[600];
            snprintf(what, sizeof what, "%s %s/%s", ref, hsi_csv_get(&c, r, 0), c.head[jj]);
            close_or_fail(o[(size_t)i * n + (size_t)q], tu_num(hsi_csv_get(&c, r, jj)), what,
                          &maxd);
        }
    }
    size_t dom = 0;
    for (size_t i = 0; i < n * n; i++)
        dom += o[i] == 1;
    print_message("%-55s max |diff| %.3g, %zu dominant pairs\n", ref, maxd, dom);
    hsi_csv_free(&c);
    tu_csv_load(tu_path(REFS "outrank_summary.csv"), &c);
    assert_int_equal(dom, (size_t)tu_num(hsi_csv_get(&c, srow, 1)));
    size_t npairs = n * (n - 1) / 2; /* every unordered pair once: n (n - 1) is even */
    assert_int_equal(npairs, (size_t)tu_num(hsi_csv_get(&c, srow, 2)));
    TU_ASSERT_CLOSE((double)dom / (double)npairs, tu_num(hsi_csv_get(&c, srow, 3)), 1e-15,
                    "fracDominant");
    hsi_csv_free(&c);
    test_free(x);
    test_free(w);
    test_free(o);
}

static void test_outrank(void **state)
{
    (void)state;
    hs_build *b = tu_build("examples/asem/p1.pipeline");
    const hsi_dset *d = tu_dset(b, "Normalised");
    const char **codes = test_calloc(d->ncol, sizeof(char *));
    for (size_t c = 0; c < d->ncol; c++)
        codes[c] = b->meta.node[d->node[c]].code;
    outrank(b, "Normalised", codes, d->ncol, REFS "outrank_matrix_Normalised_L1.csv", 0);
    test_free(codes);
    const char *sub[] = {"Conn", "Sust"};
    outrank(b, "Aggregated", sub, 2, REFS "outrank_matrix_Aggregated_L3.csv", 1);
    hs_build_free(b);
}

static void test_normalise(void **state)
{
    (void)state;
    const char *v[][2] = {
        {"norm_dist2targ_nocap.pipeline", "norm_dist2targ_nocap_Normalised.csv"},
        {"norm_dist2targ_cap.pipeline", "norm_dist2targ_cap_Normalised.csv"},
        {"norm_dist2max.pipeline", "norm_dist2max_Normalised.csv"},
        {"norm_fracmax.pipeline", "norm_fracmax_Normalised.csv"},
        {"norm_borda.pipeline", "norm_borda_Normalised.csv"},
        {"norm_rank.pipeline", "norm_rank_Normalised.csv"},
        {"norm_minmax_1_100.pipeline", "norm_minmax_1_100_Normalised.csv"},
        {"norm_scaled_m5_20_x100.pipeline", "norm_scaled_m5_20_x100_Normalised.csv"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        run(v[i][0], "Normalised", v[i][1]);
}

/* dist2ref(AUT) and dist2ref(AUT, 1): COINr's n_dist2ref with iref = AUT's row, computed here
 * from our Treated set by its formula 1 - (x'_ref - x')/(x'_ref - min x') on the
 * direction-flipped x' (no COINr file: refs2 has none). AUT itself gets exactly 1; where AUT
 * has the lowest x' the distance is undefined and every value NA, as disttarget gives when
 * the target is the minimum (COINr would divide by 0). */
static void test_dist2ref(void **state)
{
    (void)state;
    const char *pipes[] = {PIPES "norm_dist2ref.pipeline", PIPES "norm_dist2ref_cap.pipeline"};
    for (int cap = 0; cap < 2; cap++) {
        hs_build *b = tu_build(pipes[cap]);
        const hsi_dset *t = tu_dset(b, "Treated"), *d = tu_dset(b, "Normalised");
        long ref = tu_unit_row(b, d, "AUT");
        assert_true(ref >= 0 && d->nrow == t->nrow);
        size_t above = 0, nworst = 0;
        for (size_t c = 0; c < d->ncol; c++) {
            int dir = b->meta.node[d->node[c]].direction;
            const double *x = hsi_col(t, c), *y = hsi_col(d, c);
            double mn = INFINITY;
            for (size_t r = 0; r < t->nrow; r++)
                if (dir * x[r] < mn) mn = dir * x[r];
            double xr = dir * x[ref];
            if (xr == mn) { /* AUT is the worst: no distance to it, every value NA */
                for (size_t r = 0; r < d->nrow; r++)
                    assert_true(isnan(y[r]));
                nworst++;
                continue;
            }
            for (size_t r = 0; r < d->nrow; r++) {
                double want = 1 - (xr - dir * x[r]) / (xr - mn);
                above += want > 1;
                if (cap && want > 1) want = 1;
                TU_ASSERT_CLOSE(y[r], want, 1e-12, "dist2ref");
            }
            assert_true(y[ref] == 1);
        }
        assert_true(above > 0); /* units better than AUT: the cap is exercised */
        assert_true(nworst < 5);
        hs_build_free(b);
    }
}

/* refs2 2.8: goalposts from the structure for LPI, CPI, CO2 and NEET (lower, upper, scale,
 * trunc2posts from norm_goalposts_iMeta_goalposts.csv), minmax(0, 100) for the others. The
 * structure file is the shipped iMeta with those four columns added, written to a temporary
 * folder with a pipeline that points at the shipped data. */
static void test_goalposts(void **state)
{
    (void)state;
    char dir[] = "/tmp/humsec_coinr2_XXXXXX";
    assert_non_null(mkdtemp(dir));
    hsi_csv im, gp;
    tu_csv_load(tu_path("data/coinr-asem/input_iMeta.csv"), &im);
    tu_csv_load(tu_path(REFS "norm_goalposts_iMeta_goalposts.csv"), &gp);
    char path[128], pl[128];
    snprintf(path, sizeof path, "%s/iMeta_gp.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t j = 0; j < im.ncol; j++)
        fprintf(f, "%s\"%s\"", j ? "," : "", im.head[j]);
    for (size_t j = 1; j < 5; j++)
        fprintf(f, ",\"%s\"", gp.head[j]);
    fputc('\n', f);
    long jc = hsi_csv_find(&im, "iCode");
    assert_true(jc >= 0);
    size_t hit = 0;
    for (size_t r = 0; r < im.nrow; r++) {
        for (size_t j = 0; j < im.ncol; j++) {
            const char *v = hsi_csv_get(&im, r, j);
            fprintf(f, strcmp(v, "NA") ? "%s\"%s\"" : "%s%s", j ? "," : "", v);
        }
        long g = -1;
        for (size_t q = 0; q < gp.nrow; q++)
            if (!strcmp(hsi_csv_get(&gp, q, 0), hsi_csv_get(&im, r, (size_t)jc))) g = (long)q;
        for (size_t j = 1; j < 5; j++)
            fprintf(f, ",%s", g < 0 ? "NA" : hsi_csv_get(&gp, (size_t)g, j));
        hit += g >= 0;
        fputc('\n', f);
    }
    assert_int_equal(hit, 4);
    assert_int_equal(fclose(f), 0);
    snprintf(pl, sizeof pl, "%s/gp.pipeline", dir);
    f = fopen(pl, "w");
    assert_non_null(f);
    fprintf(f,
            "structure = iMeta_gp.csv\n\n[data]\nfile = %s\n\n[denominate]\n\n"
            "[impute]\nmethod = mean_group\ngroup = EurAsia_group\n\n[screen]\nby = na\n"
            "dat_thresh = 0.9\n\n[treat]\nwinmax = 5\n\n[normalise]\nmethod = minmax(0, 100)\n",
            tu_path("data/coinr-asem/input_iData.csv"));
    for (size_t q = 0; q < gp.nrow; q++)
        fprintf(f, "indicator.%s = goalposts\n", hsi_csv_get(&gp, q, 0));
    assert_int_equal(fclose(f), 0);
    hsi_csv_free(&im);
    hsi_csv_free(&gp);
    hs_error err = {0};
    hs_build *b = NULL;
    if (hs_build_run(NULL, pl, &b, &err) != HS_OK) {
        char msg[2048];
        hs_error_format(&err, msg, sizeof msg);
        fail_msg("build failed: %s", msg);
    }
    compare(b, "Normalised", REFS "norm_goalposts_Normalised.csv");
    hs_build_free(b);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0); /* NOLINT(cert-env33-c): the test's own mkdtemp folder */
}

/* COINr's Dets_Table (iCode, then Pass/Skew/Kurt before, after f1, after f2; NA where a stage
 * did not run) against our treatment records, and its treated points against our flags. */
static void compare_treat(const hs_build *b, const char *details, const char *points)
{
    hsi_csv c;
    tu_csv_load(tu_path(details), &c);
    assert_int_equal(c.nrow, b->ntreat);
    double maxd = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, 0);
        const hsi_treat_rec *t = NULL;
        for (size_t i = 0; i < b->ntreat; i++)
            if (!strcmp(b->meta.node[b->meta.ind[b->treat[i].ind]].code, code)) t = &b->treat[i];
        assert_non_null(t);
        const hsi_treat_detail *d = &t->det;
        int pass[3] = {d->pass0, d->pass1, d->pass2};
        double sk[3] = {d->skew0, d->skew1, d->skew2}, ku[3] = {d->kurt0, d->kurt1, d->kurt2};
        int ran[3] = {1, d->treated, d->logged};
        for (size_t s = 0; s < 3; s++) {
            const char *p = hsi_csv_get(&c, r, 1 + 3 * s);
            char what[600];
            snprintf(what, sizeof what, "%s %s stage %zu", details, code, s);
            if (!strcmp(p, "NA")) {
                if (ran[s]) fail_msg("%s: ran here, not in COINr", what);
                continue;
            }
            if (!ran[s]) fail_msg("%s: ran in COINr, not here", what);
            if (pass[s] != !strcmp(p, "TRUE")) fail_msg("%s: pass differs", what);
            close_or_fail(sk[s], tu_num(hsi_csv_get(&c, r, 2 + 3 * s)), what, &maxd);
            close_or_fail(ku[s], tu_num(hsi_csv_get(&c, r, 3 + 3 * s)), what, &maxd);
        }
    }
    print_message("%-55s max |diff| %.3g\n", details, maxd);
    hsi_csv_free(&c);
    tu_csv_load(tu_path(points), &c);
    const hsi_dset *d = &b->d[b->treat_dset];
    size_t labelled = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        long row = tu_unit_row(b, d, hsi_csv_get(&c, r, 0));
        assert_true(row >= 0);
        for (size_t j = 1; j < c.ncol; j++) {
            long dc = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, c.head[j]));
            assert_true(dc >= 0);
            const char *got = hsi_treat_label(d->flag[(size_t)dc * d->nrow + (size_t)row]);
            const char *want = hsi_csv_get(&c, r, j);
            if (strcmp(got, want))
                fail_msg("%s %s/%s: got '%s', expected '%s'", points, hsi_csv_get(&c, r, 0),
                         c.head[j], got, want);
            labelled += *want != 0;
        }
    }
    assert_true(labelled > 0);
    hsi_csv_free(&c);
}

static void test_treat(void **state)
{
    (void)state;
    const char *v[][2] = {{"treat_logctplus.pipeline", "treat_logCTplus"},
                          {"treat_boxcox.pipeline", "treat_boxcox_lambda0.5"}};
    for (size_t i = 0; i < 2; i++) {
        char p[256], r[3][256];
        snprintf(p, sizeof p, PIPES "%s", v[i][0]);
        snprintf(r[0], sizeof r[0], REFS "%s_Treated.csv", v[i][1]);
        snprintf(r[1], sizeof r[1], REFS "%s_treat_details.csv", v[i][1]);
        snprintf(r[2], sizeof r[2], REFS "%s_treated_points.csv", v[i][1]);
        hs_build *b = tu_build(p);
        compare(b, "Treated", r[0]);
        compare_treat(b, r[1], r[2]);
        hs_build_free(b);
    }
}

/* Row of (unit, time) in d, or -1. */
static long panel_row(const hs_build *b, const hsi_dset *d, const char *code, long t)
{
    for (size_t r = 0; r < d->nrow; r++)
        if (!strcmp(b->units.code[d->row[r]], code) && b->units.time[d->row[r]] == t)
            return (long)r;
    return -1;
}

/* A COINr panel dataset (uCode, Time, codes) against our dataset `name`; every cell that was
 * missing in Raw and has a value now must carry the imputation mark, and no other. */
static void compare_panel(const hs_build *b, const char *name, const char *ref)
{
    const hsi_dset *d = tu_dset(b, name), *raw = tu_dset(b, "Raw");
    hsi_csv c;
    tu_csv_load(tu_path(ref), &c);
    assert_int_equal(c.nrow, d->nrow);
    assert_int_equal(c.ncol - 2, d->ncol);
    assert_non_null(d->flag);
    double maxd = 0;
    size_t filled = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, 0);
        long row = panel_row(b, d, code, (long)tu_num(hsi_csv_get(&c, r, 1)));
        if (row < 0)
            fail_msg("%s: %s/%s missing from our %s", ref, code, hsi_csv_get(&c, r, 1), name);
        for (size_t j = 2; j < c.ncol; j++) {
            long dc = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, c.head[j]));
            if (dc < 0) fail_msg("%s: column %s missing from our %s", ref, c.head[j], name);
            char what[600];
            snprintf(what, sizeof what, "%s %s/%s/%s", ref, code, hsi_csv_get(&c, r, 1), c.head[j]);
            double got = hsi_col(d, (size_t)dc)[row];
            close_or_fail(got, ref_num(hsi_csv_get(&c, r, j)), what, &maxd);
            int was_na = isnan(hsi_col(raw, (size_t)dc)[row]);
            int mark = d->flag[(size_t)dc * d->nrow + (size_t)row];
            if (mark != (was_na && !isnan(got))) fail_msg("%s: imputation mark %d", what, mark);
            filled += (size_t)mark;
        }
    }
    print_message("%-55s max |diff| %.3g, %zu filled\n", ref, maxd, filled);
    assert_true(filled > 0);
    hsi_csv_free(&c);
}

/* refs2 4.2: impute_panel linear, constant and latest on the gapped panel. For latest, the
 * year each value came from (DataT) names a Raw cell of the same unit holding that value. */
static void test_impute_panel(void **state)
{
    (void)state;
    const char *v[] = {"linear", "constant", "latest"};
    for (size_t i = 0; i < 3; i++) {
        char p[256], r[256];
        snprintf(p, sizeof p, PIPES "panel_impute_%s.pipeline", v[i]);
        snprintf(r, sizeof r, REFS "panel_gaps_impute_%s_Imputed.csv", v[i]);
        hs_build *b = tu_build(p);
        compare_panel(b, "Imputed", r);
        if (i == 2) {
            const hsi_dset *d = tu_dset(b, "Imputed"), *raw = tu_dset(b, "Raw");
            hsi_csv c;
            tu_csv_load(tu_path(REFS "panel_gaps_impute_latest_DataT.csv"), &c);
            assert_int_equal(c.nrow, d->nrow);
            for (size_t q = 0; q < c.nrow; q++)
                for (size_t j = 2; j < c.ncol; j++) {
                    const char *src = hsi_csv_get(&c, q, j), *code = hsi_csv_get(&c, q, 0);
                    long row = panel_row(b, d, code, (long)tu_num(hsi_csv_get(&c, q, 1)));
                    long dc = hsi_dset_col(d, (size_t)hsi_meta_find(&b->meta, c.head[j]));
                    assert_true(row >= 0 && dc >= 0);
                    double got = hsi_col(d, (size_t)dc)[row];
                    if (!strcmp(src, "NA")) {
                        assert_true(isnan(got));
                        continue;
                    }
                    long from = panel_row(b, raw, code, (long)tu_num(src));
                    assert_true(from >= 0);
                    assert_true(hsi_same_bits(got, hsi_col(raw, (size_t)dc)[from]));
                }
            hsi_csv_free(&c);
        }
        hs_build_free(b);
    }
}

/* refs2 5.6: CAGR per (unit, indicator) of the Raw panel, with availability and the first
 * and last observed years. COINr's NA (fewer than two values) must be ours too, and its NaN
 * (a negative ratio under a fractional power) a computed NaN. */
static void test_trends(void **state)
{
    (void)state;
    hs_build *b = tu_build(PIPES "trends_panel.pipeline");
    hs_trend *t = NULL;
    size_t n = 0;
    hs_error err = {0};
    assert_int_equal(hs_build_trends(NULL, b, "Raw", 0, &t, &n, &err), HS_OK);
    hsi_csv c;
    tu_csv_load(tu_path(REFS "trends_CAGR_panel_Raw.csv"), &c);
    assert_int_equal(c.nrow, n);
    double maxd = 0;
    size_t nnan = 0, ninf = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *u = hsi_csv_get(&c, r, 0), *ic = hsi_csv_get(&c, r, 1);
        const hs_trend *x = NULL;
        for (size_t i = 0; i < n && !x; i++)
            if (!strcmp(t[i].unit, u) && !strcmp(t[i].code, ic)) x = &t[i];
        if (!x) print_message("trends: %s/%s missing\n", u, ic);
        assert_non_null(x);
        char what[300];
        snprintf(what, sizeof what, "trends %s/%s", u, ic);
        const char *cg = hsi_csv_get(&c, r, 2);
        if (!strcmp(cg, "NA")) {
            assert_true(x->nobs < 2 && isnan(x->cagr));
        } else {
            assert_true(x->nobs >= 2);
            close_or_fail(x->cagr, ref_num(cg), what, &maxd);
            nnan += isnan(x->cagr) != 0;
            ninf += isinf(x->cagr) != 0;
        }
        close_or_fail(x->avail, tu_num(hsi_csv_get(&c, r, 3)), what, &maxd);
        const char *tf = hsi_csv_get(&c, r, 4), *tl = hsi_csv_get(&c, r, 5);
        if (!strcmp(tf, "NA")) {
            assert_true(x->nobs < 2 && !strcmp(tl, "NA"));
        } else {
            assert_int_equal(x->t_first, (long)tu_num(tf));
            assert_int_equal(x->t_latest, (long)tu_num(tl));
        }
    }
    print_message("%-55s max |diff| %.3g, %zu NaN, %zu Inf\n", "trends_CAGR_panel_Raw.csv", maxd,
                  nnan, ninf);
    assert_int_equal(nnan, 1);
    assert_int_equal(ninf, 71);
    hsi_csv_free(&c);
    hs_trends_free(NULL, t);
    assert_int_equal(hs_build_trends(NULL, b, "Nowhere", 0, &t, &n, &err), HS_ERR_USAGE);
    hs_build_free(b);
}

/* The slope and the window, computed by hand (no COINr file has them): y = 1, NA, 3, 4, 8 in
 * 2018..2022. All points: mean t 2020.25, mean y 4, Sxy = 14, Sxx = 8.75, slope 1.6; CAGR
 * 8^(1/4) - 1. Window 3 (2020..2022): Sxy = 5, Sxx = 2, slope 2.5; CAGR (8/3)^(1/2) - 1.
 * Window 6 reaches before 2018: no value. */
static void test_trend_window(void **state)
{
    (void)state;
    const long t[] = {2018, 2019, 2020, 2021, 2022};
    const double y[] = {1, NAN, 3, 4, 8};
    hsi_trend tr;
    hsi_series_trend(t, y, 5, 0, &tr);
    TU_ASSERT_CLOSE(tr.slope, 1.6, 1e-12, "slope");
    TU_ASSERT_CLOSE(tr.cagr, 0.681792830507429, 1e-12, "cagr");
    TU_ASSERT_CLOSE(tr.avail, 0.8, 1e-15, "avail");
    assert_true(tr.t_first == 2018 && tr.t_latest == 2022 && tr.nwin == 4);
    hsi_series_trend(t, y, 5, 3, &tr);
    TU_ASSERT_CLOSE(tr.slope, 2.5, 1e-12, "slope, window 3");
    TU_ASSERT_CLOSE(tr.cagr, 0.632993161855452, 1e-12, "cagr, window 3");
    hsi_series_trend(t, y, 5, 6, &tr);
    assert_true(isnan(tr.slope) && isnan(tr.cagr) && tr.nwin == 0);
    /* before the first value its value, linear between 3 and 8 at 2021, the last one after */
    double z[] = {NAN, NAN, 3, NAN, 8};
    unsigned char f[5] = {0};
    assert_int_equal(hsi_fill_series(HSI_FILL_LINEAR, t, z, 5, f), 3);
    assert_true(z[0] == 3 && z[1] == 3 && z[3] == 5.5 && f[0] && !f[2]);
}

/* refs2 5.7: the weights and effective weights of the example coin with a custom weight set.
 * The pipeline's [weights custom] must be eff_weights_custom_changes.csv, so the two files
 * are checked against each other too. */
static void test_eff_weights(void **state)
{
    (void)state;
    hs_build *b = tu_build(PIPES "eff_weights_custom.pipeline");
    hs_weight *w = NULL;
    size_t n = 0;
    hs_error err = {0};
    assert_int_equal(hs_build_weights(NULL, b, &w, &n, &err), HS_OK);
    hsi_csv c, ch;
    tu_csv_load(tu_path(REFS "eff_weights_custom.csv"), &c);
    tu_csv_load(tu_path(REFS "eff_weights_custom_changes.csv"), &ch);
    assert_int_equal(c.nrow, n);
    double maxd = 0, sum1 = 0;
    size_t changed = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, 0);
        const hs_weight *x = NULL;
        for (size_t i = 0; i < n && !x; i++)
            if (!strcmp(w[i].code, code)) x = &w[i];
        if (!x) print_message("eff_weights: %s missing\n", code);
        assert_non_null(x);
        assert_int_equal(x->level, (int)tu_num(hsi_csv_get(&c, r, 1)));
        char what[300];
        snprintf(what, sizeof what, "eff_weights %s", code);
        close_or_fail(x->weight, tu_num(hsi_csv_get(&c, r, 2)), what, &maxd);
        close_or_fail(x->eff, tu_num(hsi_csv_get(&c, r, 3)), what, &maxd);
        for (size_t q = 0; q < ch.nrow; q++)
            if (!strcmp(hsi_csv_get(&ch, q, 0), code)) {
                assert_true(x->weight == tu_num(hsi_csv_get(&ch, q, 1)));
                changed++;
            }
        if (x->level == 1) sum1 += x->eff;
    }
    print_message("%-55s max |diff| %.3g\n", "eff_weights_custom.csv", maxd);
    assert_int_equal(changed, ch.nrow);
    TU_ASSERT_CLOSE(sum1, 1, 1e-12, "level-1 effective weights sum to 1");
    hsi_csv_free(&c);
    hsi_csv_free(&ch);
    hs_weights_free(NULL, w);
    hs_build_free(b);
}

/* refs2 6.1: PCA weights of the pillars within each sub-index, used to re-aggregate. The
 * sign of a group's loadings is arbitrary (COINr's comes from an SVD, ours makes them sum
 * positive), so each group's weights must equal COINr's times one sign, +1 or -1; the
 * aggregated values do not depend on it. The components' deviations are checked too. */
static void test_pca_weights(void **state)
{
    (void)state;
    hs_build *b = tu_build(PIPES "pca_l2.pipeline");
    compare(b, "Aggregated", REFS "pca_L2_Aggregated.csv");
    hs_weight *w = NULL;
    size_t n = 0;
    hs_error err = {0};
    assert_int_equal(hs_build_weights(NULL, b, &w, &n, &err), HS_OK);
    hsi_csv c;
    tu_csv_load(tu_path(REFS "pca_L2_weights.csv"), &c);
    assert_int_equal(c.nrow, n);
    double maxd = 0, sign[2] = {0, 0}; /* per sub-index, from its first pillar */
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, 0);
        const hs_weight *x = NULL;
        for (size_t i = 0; i < n && !x; i++)
            if (!strcmp(w[i].code, code)) x = &w[i];
        if (!x) print_message("pca weights: %s missing\n", code);
        assert_non_null(x);
        double want = tu_num(hsi_csv_get(&c, r, 2));
        if (x->level == 2) {
            const hsi_node *nd = &b->meta.node[hsi_meta_find(&b->meta, code)];
            size_t g = strcmp(b->meta.node[nd->parent_idx].code, "Conn") != 0;
            if (sign[g] == 0) sign[g] = x->weight * want < 0 ? -1 : 1;
            want *= sign[g];
        }
        char what[300];
        snprintf(what, sizeof what, "pca weight %s", code);
        close_or_fail(x->weight, want, what, &maxd);
    }
    print_message("%-55s max |diff| %.3g (signs %+g, %+g)\n", "pca_L2_weights.csv", maxd, sign[0],
                  sign[1]);
    hsi_csv_free(&c);
    hs_weights_free(NULL, w);
    tu_csv_load(tu_path(REFS "pca_L2_variance.csv"), &c);
    const hsi_dset *d = tu_dset(b, "Aggregated");
    const char *groups[] = {"Conn", "Sust"};
    for (size_t g = 0; g < 2; g++) {
        const hsi_node *pn = &b->meta.node[hsi_meta_find(&b->meta, groups[g])];
        size_t k = pn->nchild;
        const double *cols[8];
        double load[64], sdev[8], work[2 * 64 + 8 * 51 + 40], tot = 0;
        assert_true(k <= 8 && d->nrow == 51);
        for (size_t j = 0; j < k; j++)
            cols[j] = hsi_col(d, (size_t)hsi_dset_col(d, pn->child[j]));
        assert_int_equal(hsi_pca(cols, k, d->nrow, load, sdev, work, &err), HS_OK);
        for (size_t j = 0; j < k; j++)
            tot += sdev[j] * sdev[j];
        size_t seen = 0;
        for (size_t r = 0; r < c.nrow; r++) {
            if (strcmp(hsi_csv_get(&c, r, 0), groups[g])) continue;
            size_t pc = (size_t)tu_num(hsi_csv_get(&c, r, 1)) - 1;
            assert_true(pc < k);
            TU_ASSERT_CLOSE(sdev[pc], tu_num(hsi_csv_get(&c, r, 2)), 1e-9, "PCA sdev");
            TU_ASSERT_CLOSE(sdev[pc] * sdev[pc] / tot, tu_num(hsi_csv_get(&c, r, 3)), 1e-9,
                            "PCA var_frac");
            seen++;
        }
        assert_int_equal(seen, k);
    }
    hsi_csv_free(&c);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genmean),     cmocka_unit_test(test_copeland),
        cmocka_unit_test(test_outrank),     cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_treat),       cmocka_unit_test(test_dist2ref),
        cmocka_unit_test(test_goalposts),   cmocka_unit_test(test_impute_panel),
        cmocka_unit_test(test_trends),      cmocka_unit_test(test_trend_window),
        cmocka_unit_test(test_eff_weights), cmocka_unit_test(test_pca_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
