/*
 * test_optw.c - optimised weights (docs/methods.md section 3.6) against COINr 1.1.14's
 * get_opt_weights on its example coin (data/coinr-asem/refs2/optw_L2_*.csv, README section
 * 6.2 and quirk 4 of the references' README). Optimisers differ, so the weights need not
 * equal COINr's; what must hold is that the importances we reach are as close to the target
 * as COINr's, or closer: our objective log(mean (t_p - c_p)^2) at most COINr's, which is
 * recomputed here from its own columns (Desired, corr_norm_at_opt) and checked against the
 * value optim returned (optw_L2_optim.csv). Our importances are recomputed from the
 * Aggregated dataset, not taken from the library's report, and the weights and the dataset
 * are checked for sense.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/engine_int.h"
#include "tu_build.h"

#define REFS "data/coinr-asem/refs2/"
#define PIPE "tests/ref/data/optw/"

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++)
        mx += x[i] / (double)n, my += y[i] / (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* COINr's objective from a results file's columns, which must be optim's value. */
static double coinr_objective(const char *file, const char *run, double *maxgap)
{
    hsi_csv c, oc;
    tu_csv_load(tu_path(file), &c);
    tu_csv_load(tu_path(REFS "optw_L2_optim.csv"), &oc);
    double ss = 0;
    *maxgap = 0;
    assert_string_equal(c.head[3], "Desired");
    assert_string_equal(c.head[5], "corr_norm_at_opt");
    assert_int_equal(c.nrow, 8);
    for (size_t r = 0; r < 8; r++) {
        double g = tu_num(hsi_csv_get(&c, r, 3)) - tu_num(hsi_csv_get(&c, r, 5));
        ss += g * g;
        if (fabs(g) > *maxgap) *maxgap = fabs(g);
    }
    double v = log(ss / 8);
    size_t q = tu_row(&oc, "run", run);
    TU_ASSERT_CLOSE(v, tu_num(hsi_csv_get(&oc, q, 3)), 1e-12, "COINr objective recomputed");
    hsi_csv_free(&c);
    hsi_csv_free(&oc);
    return v;
}

/* Our objective from the Aggregated dataset: each pillar's correlation with Index over the
 * sum; the library's report must agree. Also checks the weights and the dataset. */
static double our_objective(const hs_build *b, double *maxgap, int negative)
{
    hs_optw *w = NULL;
    size_t n = 0;
    double value = 0;
    hs_error err = {0};
    assert_int_equal(hs_build_opt_weights(NULL, b, &w, &n, &value, &err), HS_OK);
    assert_int_equal(n, 8);
    const hsi_dset *d = tu_dset(b, "Aggregated");
    const hsi_meta *m = &b->meta;
    const double *top = hsi_col(d, (size_t)hsi_dset_col(d, (size_t)hsi_meta_find(m, "Index")));
    double r[8], sum = 0, sw = 0, ss = 0;
    *maxgap = 0;
    for (size_t p = 0; p < n; p++) {
        long z = hsi_meta_find(m, w[p].code);
        assert_true(z >= 0 && w[p].level == 2);
        r[p] = pearson(hsi_col(d, (size_t)hsi_dset_col(d, (size_t)z)), top, d->nrow);
        sum += r[p];
        sw += w[p].weight;
        if (!negative) assert_true(w[p].weight >= 0);
        TU_ASSERT_CLOSE(w[p].target, 0.125, 1e-15, "equal target");
        TU_ASSERT_CLOSE(w[p].corr, r[p], 1e-12, "reported correlation");
    }
    TU_ASSERT_CLOSE(sw, 1, 1e-12, "weights sum to 1 over the level");
    for (size_t p = 0; p < n; p++) {
        double g = 0.125 - r[p] / sum;
        TU_ASSERT_CLOSE(w[p].importance, r[p] / sum, 1e-12, "reported importance");
        ss += g * g;
        if (fabs(g) > *maxgap) *maxgap = fabs(g);
    }
    double v = log(ss / 8);
    TU_ASSERT_CLOSE(value, v, 1e-9, "reported objective");
    /* the dataset: each sub-index is its pillars' mean with these weights, the index the
     * mean of the two sub-indices, and every unit has them */
    const char *sub[2] = {"Conn", "Sust"};
    for (size_t r0 = 0; r0 < d->nrow; r0++) {
        double s2 = 0;
        for (size_t g = 0; g < 2; g++) {
            const hsi_node *pn = &m->node[hsi_meta_find(m, sub[g])];
            double num = 0, den = 0;
            for (size_t j = 0; j < pn->nchild; j++) {
                double wj = NAN;
                for (size_t p = 0; p < n; p++)
                    if (!strcmp(w[p].code, m->node[pn->child[j]].code)) wj = w[p].weight;
                num += wj * hsi_col(d, (size_t)hsi_dset_col(d, pn->child[j]))[r0];
                den += wj;
            }
            double got = hsi_col(d, (size_t)hsi_dset_col(d, (size_t)(pn - m->node)))[r0];
            TU_ASSERT_CLOSE(got, num / den, 1e-9, sub[g]);
            s2 += got / 2;
        }
        TU_ASSERT_CLOSE(top[r0], s2, 1e-9, "Index");
    }
    hs_optw_free(NULL, w);
    return v;
}

/* The pillars do not depend on the pillar weights: they equal COINr's optw_L2_Aggregated. */
static void pillars_as_coinr(const hs_build *b)
{
    hsi_csv c;
    tu_csv_load(tu_path(REFS "optw_L2_Aggregated.csv"), &c);
    const hsi_dset *d = tu_dset(b, "Aggregated");
    assert_int_equal(c.nrow, d->nrow);
    size_t seen = 0;
    for (size_t j = 1; j < c.ncol; j++) {
        long z = hsi_meta_find(&b->meta, c.head[j]);
        assert_true(z >= 0);
        if (b->meta.node[z].level > 2) continue;
        for (size_t r = 0; r < c.nrow; r++) {
            long row = tu_unit_row(b, d, hsi_csv_get(&c, r, 0));
            assert_true(row >= 0);
            TU_ASSERT_CLOSE(hsi_col(d, (size_t)hsi_dset_col(d, (size_t)z))[row],
                            tu_num(hsi_csv_get(&c, r, j)), 1e-9, c.head[j]);
            seen++;
        }
    }
    assert_int_equal(seen, 51 * (49 + 8));
    hsi_csv_free(&c);
}

static void test_default(void **state)
{
    (void)state;
    hs_build *b = tu_build(PIPE "optw_l2.pipeline");
    pillars_as_coinr(b);
    double cg, og;
    double cv = coinr_objective(REFS "optw_L2_results.csv", "default", &cg);
    double ov = our_objective(b, &og, 0);
    print_message("optimised weights, weights >= 0: objective %.6f (COINr default %.6f), "
                  "largest gap %.4f (COINr %.4f)\n",
                  ov, cv, og, cg);
    assert_true(ov <= cv);
    assert_true(og <= cg);
    /* COINr's tight run reaches lower only with negative weights (Physical -0.19): with
     * weights >= 0 about -6.94 is the best there is (many starts agree) */
    assert_true(ov < -6.9);
    hs_build_free(b);
}

static void test_tight(void **state)
{
    (void)state;
    hs_build *b = tu_build(PIPE "optw_l2_negative.pipeline");
    double cg, og;
    double cv = coinr_objective(REFS "optw_L2_tight_results.csv", "tight", &cg);
    double ov = our_objective(b, &og, 1);
    print_message("optimised weights, negative allowed: objective %.6f (COINr tight %.6f), "
                  "largest gap %.5f (COINr %.5f)\n",
                  ov, cv, og, cg);
    assert_true(ov <= cv);
    assert_true(og <= cg);
    hs_build_free(b);
}

/* The library function on a build aggregated with the structure's weights: with equal
 * targets it finds what the pipeline found; with given targets and r^2 it reports them
 * normalised, and its importances are r^2 over their sum; the build is not changed. */
static void test_library(void **state)
{
    (void)state;
    hs_build *pl = tu_build(PIPE "plain_l2.pipeline");
    hs_build *op = tu_build(PIPE "optw_l2.pipeline");
    hs_optw_opts o;
    hs_optw_opts_init(&o);
    hs_optw *w = NULL, *w2 = NULL;
    size_t n = 0, n2 = 0;
    double v = 0, v2 = 0;
    hs_error err = {0};
    assert_int_equal(hs_opt_weights(NULL, pl, &o, &w, &n, &v, &err), HS_OK);
    assert_int_equal(hs_build_opt_weights(NULL, op, &w2, &n2, &v2, &err), HS_OK);
    assert_int_equal(n, n2);
    TU_ASSERT_CLOSE(v, v2, 1e-12, "same optimum as the pipeline's");
    for (size_t p = 0; p < n; p++)
        TU_ASSERT_CLOSE(w[p].weight, w2[p].weight, 1e-12, w[p].code);
    hs_optw_free(NULL, w);
    hs_optw_free(NULL, w2);

    const char *codes[] = {"Environ", "Social", "SusEcFin"};
    const double tgt[] = {2, 2, 2}; /* the Sust pillars twice as important */
    o.ntarget = 3;
    o.codes = codes;
    o.target = tgt;
    o.squared = 1;
    assert_int_equal(hs_opt_weights(NULL, pl, &o, &w, &n, &v, &err), HS_OK);
    double sum2 = 0, ss = 0;
    assert_int_equal(n, 8);
    for (size_t p = 0; p < 8; p++)
        sum2 += w[p].corr * w[p].corr;
    for (size_t p = 0; p < 8; p++) {
        int s = !strcmp(w[p].code, "Environ") || !strcmp(w[p].code, "Social") ||
                !strcmp(w[p].code, "SusEcFin");
        TU_ASSERT_CLOSE(w[p].target, s ? 2.0 / 11 : 1.0 / 11, 1e-15, "given target");
        TU_ASSERT_CLOSE(w[p].importance, w[p].corr * w[p].corr / sum2, 1e-12, "r^2 share");
        ss += (w[p].target - w[p].importance) * (w[p].target - w[p].importance);
    }
    TU_ASSERT_CLOSE(v, log(ss / 8), 1e-9, "objective");
    hs_optw_free(NULL, w);
    /* not an optimised build; a level that is the top; an unknown code */
    assert_int_equal(hs_build_opt_weights(NULL, pl, &w, &n, &v, &err), HS_ERR_USAGE);
    o.level = 4;
    assert_int_equal(hs_opt_weights(NULL, pl, &o, &w, &n, &v, &err), HS_ERR_USAGE);
    o.level = 2;
    codes[0] = "Goods";
    assert_int_equal(hs_opt_weights(NULL, pl, &o, &w, &n, &v, &err), HS_ERR_USAGE);
    hs_build_free(pl);
    hs_build_free(op);
}

/* Pipeline keys: errors point at the key. */
static void test_keys(void **state)
{
    (void)state;
    static const struct {
        const char *agg;
        long line;
    } bad[] = {
        {"weights = optimised(4)", 5},
        {"weights = optimised(1.5)", 5},
        {"opt_tol = 1e-6", 5},
        {"weights = optimised(2)\nopt_target = nosuch", 6},
        {"weights = optimised(2)\nopt_importance = r3", 6},
        {"weights = optimised(2)\nopt_target = t\n[weights t]\nGoods = 2", 8},
    };
    char *meta = NULL, *data = NULL;
    size_t ml = 0, dl = 0;
    FILE *fp = fopen(tu_path("data/coinr-asem/input_iMeta.csv"), "rb");
    assert_non_null(fp);
    meta = malloc(1 << 20);
    ml = fread(meta, 1, 1 << 20, fp);
    (void)fclose(fp);
    fp = fopen(tu_path("data/coinr-asem/input_iData.csv"), "rb");
    assert_non_null(fp);
    data = malloc(1 << 20);
    dl = fread(data, 1, 1 << 20, fp);
    (void)fclose(fp);
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        char pipe[512];
        snprintf(pipe, sizeof pipe, "structure = m.csv\n[data]\nfile = d.csv\n[aggregate]\n%s\n",
                 bad[t].agg);
        hs_build_src src = {sizeof src, "k.pipeline", pipe, strlen(pipe), meta, ml, data, dl};
        hs_build *b = NULL;
        hs_error err = {0};
        assert_int_equal(hs_build_run_mem(NULL, &src, &b, &err), HS_ERR_PIPELINE);
        if (err.line != bad[t].line) fail_msg("%s: line %ld: %s", bad[t].agg, err.line, err.msg);
        assert_null(b);
    }
    free(meta);
    free(data);
}

/* A pillar constant over the units has no correlation with the top: the build stops with a
 * domain error at the [aggregate] line rather than reporting an objective of nothing. */
static void test_unmeasurable(void **state)
{
    (void)state;
    static const char meta[] = "Level,iCode,iName,Direction,Weight,Parent,Type\n"
                               "1,a,A,1,1,P1,Indicator\n1,b,B,1,1,P1,Indicator\n"
                               "1,c,C,1,1,P2,Indicator\n2,P1,P1,1,1,Top,Aggregate\n"
                               "2,P2,P2,1,1,Top,Aggregate\n3,Top,Top,1,1,,Aggregate\n";
    static const char data[] = "uCode,a,b,c\nA,1,2,5\nB,3,1,5\nC,2,4,5\nD,5,3,5\n";
    static const char pipe[] = "structure = m.csv\n[data]\nfile = d.csv\n[aggregate]\n"
                               "weights = optimised(2)\n";
    hs_build_src src = {sizeof src, "u.pipeline",    pipe, sizeof pipe - 1,
                        meta,       sizeof meta - 1, data, sizeof data - 1};
    hs_build *b = NULL;
    hs_error err = {0};
    assert_int_equal(hs_build_run_mem(NULL, &src, &b, &err), HS_ERR_DOMAIN);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "optimised(2)"));
    assert_null(b);
    /* at level 1 the constant indicator c itself has no correlation */
    static const char pipe1[] = "structure = m.csv\n[data]\nfile = d.csv\n[aggregate]\n"
                                "weights = optimised(1)\n";
    src.pipeline = pipe1;
    src.pipeline_len = sizeof pipe1 - 1;
    assert_int_equal(hs_build_run_mem(NULL, &src, &b, &err), HS_ERR_DOMAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),      cmocka_unit_test(test_tight),
        cmocka_unit_test(test_library),      cmocka_unit_test(test_keys),
        cmocka_unit_test(test_unmeasurable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
