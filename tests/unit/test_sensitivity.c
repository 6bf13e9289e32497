/*
 * test_sensitivity.c - the uncertainty/sensitivity runner (src/mc/) against references
 * nobody here wrote:
 *  - the Ishigami function through the real design/evaluation/estimation path converges to
 *    its analytic indices (Ishigami & Homma 1990; docs/methods.md section 4.2: S = (0.3139, 0.4424,
 * 0), ST = (0.5576, 0.4424, 0.2437)) within 0.01 at N = 2^14;
 *  - the estimator applied to COINr's shared Ishigami sample gives COINr's estimates;
 *  - the ASEM analysis with COINr's vignette spec at N = 1000 puts each of COINr's
 *    measured Si/STi inside our 95 % bootstrap interval;
 *  - outputs are byte-identical for 1 and 2 threads;
 *  - a Sobol' design below HS_SA_MIN_N is refused, not estimated;
 *  - progress lines come when due and never when switched off;
 *  - runs for which the index is undefined (prank with a geometric mean) are skipped in a UA,
 *    exactly those whose design point draws that combination, and refused up front in an SA;
 *  - weight sets given whole (`weights = NAME`, handed over in memory) agree run by run with
 *    the exclusion factor they mirror: a zero weight for an indicator of an arithmetic mean
 *    is that indicator left out, reached through a different path of the engine.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc/mc_int.h"

static hs_status ishigami(void *ud, void *ws, const double *u, double *y, hs_error *err)
{
    (void)ud;
    (void)ws;
    (void)err;
    const double pi = 3.14159265358979323846;
    double x1 = -pi + 2 * pi * u[0], x2 = -pi + 2 * pi * u[1], x3 = -pi + 2 * pi * u[2];
    double s2 = sin(x2);
    y[0] = sin(x1) + 7 * s2 * s2 + 0.1 * x3 * x3 * x3 * x3 * sin(x1);
    return HS_OK;
}

static const char *const inames[3] = {"x1", "x2", "x3"};

static void test_ishigami_converges(void **state)
{
    (void)state;
    hs_sa_model m = {3, inames, 1, NULL, NULL, NULL, ishigami};
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    o.type = HS_SA_SA;
    o.n = 1 << 14;
    o.bootstrap = 50;
    o.threads = 2;
    hs_sa *s = NULL;
    hs_error err;
    assert_int_equal(hs_sa_run(NULL, &m, &o, &s, &err), HS_OK);
    assert_int_equal(hs_sa_nruns(s), 5 * (1 << 14));
    hs_sa_index idx[3];
    double vary;
    assert_int_equal(hs_sa_indices(s, 0, idx, &vary, &err), HS_OK);
    const double S[3] = {0.3139, 0.4424, 0.0}, ST[3] = {0.5576, 0.4424, 0.2437};
    for (int i = 0; i < 3; i++) {
        print_message("x%d: Si %.4f (exact %.4f)  STi %.4f (exact %.4f)\n", i + 1, idx[i].si, S[i],
                      idx[i].sti, ST[i]);
        TU_ASSERT_CLOSE(idx[i].si, S[i], 0.01, inames[i]);
        TU_ASSERT_CLOSE(idx[i].sti, ST[i], 0.01, inames[i]);
    }
    TU_ASSERT_CLOSE(vary, 13.8446, 0.01, "V(Y)"); /* relative: 1 % of 13.84 */
    hs_sa_free(s);
}

static void test_estimator_matches_coinr(void **state)
{
    (void)state;
    hsi_csv c, e;
    tu_csv_load(tu_path("data/coinr-asem/sobol_ishigami_sample_N500.csv"), &c);
    tu_csv_load(tu_path("data/coinr-asem/sobol_ishigami_estimates_N500.csv"), &e);
    assert_int_equal(c.nrow, 2500);
    hs_sa s;
    memset(&s, 0, sizeof s);
    s.type = HS_SA_SA;
    s.n = 500;
    s.k = 3;
    s.ny = 1;
    s.nruns = 2500;
    s.bootstrap = 10;
    s.seed = 1;
    s.y = test_calloc(2500, sizeof(double));
    long jy = hsi_csv_find(&c, "y");
    for (size_t r = 0; r < 2500; r++)
        s.y[r] = tu_num(hsi_csv_get(&c, r, (size_t)jy));
    hs_sa_index idx[3];
    double vary;
    hs_error err;
    assert_int_equal(hs_sa_indices(&s, 0, idx, &vary, &err), HS_OK);
    for (size_t i = 0; i < 3; i++) {
        /* COINr's SA_estimate: the same sums in a different order, so 1e-12 */
        TU_ASSERT_CLOSE(idx[i].si, tu_num(hsi_csv_get(&e, i, 1)), 1e-12, "Si");
        TU_ASSERT_CLOSE(idx[i].sti, tu_num(hsi_csv_get(&e, i, 2)), 1e-12, "STi");
    }
    TU_ASSERT_CLOSE(vary, tu_num(hsi_csv_get(&e, 0, 3)), 1e-12, "VarY");
    test_free(s.y);
    hsi_csv_free(&c);
    hsi_csv_free(&e);
}

static hs_sensitivity *asem(size_t n, int threads, hs_sa_type type)
{
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    o.type = type;
    o.n = n;
    o.threads = threads;
    o.write_runs = 1;
    hs_sensitivity *s = NULL;
    hs_error err = {0};
    if (hs_sensitivity_run(NULL, tu_path("examples/asem/sa.pipeline"),
                           tu_path("examples/asem/sa.spec"), &o, &s, &err) != HS_OK)
        fail_msg("sensitivity failed: %s", err.msg);
    return s;
}

static void test_asem_agrees_with_coinr(void **state)
{
    (void)state;
    hs_sensitivity *s = asem(1000, 0, HS_SA_SA);
    hs_sa_index idx[4];
    hs_error err;
    assert_int_equal(hs_sa_indices(s->sa, 0, idx, NULL, &err), HS_OK);
    /* COINr 1.1.14 at N = 1000 (figures given with the issue), in the spec's factor order */
    const char *names[4] = {"Winmax", "Normalisation", "Weights", "Aggregation"};
    const double si[4] = {0.03, 0.03, 0.19, 0.63}, sti[4] = {0.05, 0.28, 0.22, 0.68};
    for (int f = 0; f < 4; f++) {
        assert_string_equal(s->spec.f[f].name, names[f]);
        print_message("%-13s Si %.3f [%.3f, %.3f] COINr %.2f   STi %.3f [%.3f, %.3f] COINr "
                      "%.2f\n",
                      names[f], idx[f].si, idx[f].si_lo, idx[f].si_hi, si[f], idx[f].sti,
                      idx[f].sti_lo, idx[f].sti_hi, sti[f]);
        if (!(si[f] >= idx[f].si_lo && si[f] <= idx[f].si_hi))
            fail_msg("%s: COINr Si %.2f outside [%.3f, %.3f]", names[f], si[f], idx[f].si_lo,
                     idx[f].si_hi);
        if (!(sti[f] >= idx[f].sti_lo && sti[f] <= idx[f].sti_hi))
            fail_msg("%s: COINr STi %.2f outside [%.3f, %.3f]", names[f], sti[f], idx[f].sti_lo,
                     idx[f].sti_hi);
    }
    /* the aggregation choice matters most, as in COINr */
    assert_true(idx[3].sti > idx[0].sti && idx[3].sti > idx[1].sti && idx[3].sti > idx[2].sti);
    hs_sensitivity_free(s);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s", path);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long len = ftell(fp);
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    char *b = test_malloc((size_t)len + 1);
    assert_int_equal(fread(b, 1, (size_t)len, fp), (size_t)len);
    (void)fclose(fp); /* read only */
    *n = (size_t)len;
    return b;
}

static void test_threads_identical(void **state)
{
    (void)state;
    char dir[2][64];
    for (int t = 0; t < 2; t++) {
        snprintf(dir[t], sizeof dir[t], "/tmp/hs_sa_threads_XXXXXX");
        assert_non_null(mkdtemp(dir[t]));
        hs_sensitivity *s = asem(64, t + 1, HS_SA_SA);
        hs_error err;
        assert_int_equal(hs_sensitivity_write(NULL, s, dir[t], &err), HS_OK);
        hs_sensitivity_free(s);
    }
    const char *files[] = {"ua_ranks.csv",       "ua_scores.csv", "sa_indices.csv",
                           "sa_convergence.csv", "runs.csv",      "sensitivity.json"};
    for (size_t f = 0; f < 6; f++) {
        char p0[128], p1[128];
        snprintf(p0, sizeof p0, "%s/%s", dir[0], files[f]);
        snprintf(p1, sizeof p1, "%s/%s", dir[1], files[f]);
        size_t n0, n1;
        char *a = slurp(p0, &n0), *b = slurp(p1, &n1);
        if (n0 != n1 || memcmp(a, b, n0)) fail_msg("%s differs between 1 and 2 threads", files[f]);
        assert_true(n0 > 50);
        test_free(a);
        test_free(b);
        (void)remove(p0);
        (void)remove(p1);
    }
    rmdir(dir[0]);
    rmdir(dir[1]);
}

static void test_sa_minimum_n(void **state)
{
    (void)state;
    hs_sa_model m = {3, inames, 1, NULL, NULL, NULL, ishigami};
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    o.type = HS_SA_SA;
    o.n = 3; /* gave Si = -1.0 before the minimum */
    o.threads = 1;
    hs_sa *s = NULL;
    hs_error err;
    assert_int_equal(hs_sa_run(NULL, &m, &o, &s, &err), HS_ERR_USAGE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "expected at least 32"));
    o.n = HS_SA_MIN_N - 1;
    assert_int_equal(hs_sa_run(NULL, &m, &o, &s, &err), HS_ERR_USAGE);
    o.n = HS_SA_MIN_N;
    assert_int_equal(hs_sa_run(NULL, &m, &o, &s, &err), HS_OK);
    hs_sa_free(s);
    /* a UA is not a Sobol' design: 2 runs stay allowed */
    o.type = HS_SA_UA;
    o.n = 2;
    assert_int_equal(hs_sa_run(NULL, &m, &o, &s, &err), HS_OK);
    hs_sa_free(s);
}

typedef struct lines {
    int n;
    size_t last_done;
    int monotone, bootstrap;
} lines;

static void count_lines(void *ud, int level, const char *msg)
{
    lines *l = ud;
    size_t done, total;
    unsigned pct;
    /* NOLINTNEXTLINE(cert-err34-c): the test's own log lines, in the format just written */
    if (level == 0 && sscanf(msg, "%zu of %zu runs, %u %%", &done, &total, &pct) == 3) {
        l->n++;
        if (done < l->last_done || done > total || pct > 100) l->monotone = 0;
        l->last_done = done;
    } else if (level == 0 && strstr(msg, "bootstrap: ") == msg) {
        l->bootstrap++;
    }
}

static void test_progress_lines(void **state)
{
    (void)state;
    hs_sa_model m = {3, inames, 1, NULL, NULL, NULL, ishigami};
    for (int on = 0; on < 2; on++) {
        lines l = {0, 0, 1, 0};
        hs_ctx *ctx = hs_ctx_new(NULL, NULL);
        assert_non_null(ctx);
        hs_ctx_set_log(ctx, count_lines, &l);
        hs_sa_opts o;
        hs_sa_opts_init(&o);
        o.type = HS_SA_SA;
        o.n = 256;
        o.threads = 2;
        o.bootstrap = 64;
        /* due at every look (no wall-clock threshold in the test), or never */
        o.progress_secs = on ? 1e-9 : -1;
        hs_sa *s = NULL;
        hs_error err;
        assert_int_equal(hs_sa_run(ctx, &m, &o, &s, &err), HS_OK);
        hs_sa_index idx[3];
        assert_int_equal(hs_sa_indices(s, 0, idx, NULL, &err), HS_OK);
        if (on) {
            /* 1280 runs in blocks of 32: a look after each block a thread finishes */
            assert_true(l.n >= 1);
            assert_true(l.monotone);
            assert_true(l.bootstrap >= 1);
        } else {
            assert_int_equal(l.n, 0);
            assert_int_equal(l.bootstrap, 0);
        }
        hs_sa_free(s);
        hs_ctx_free(ctx);
    }
}

/* A SPEC text written to a new temporary file, whose name goes into path. */
static void spec_file(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/hs_sa_spec_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (long)n);
    close(fd);
}

/* ASEM with percentile ranks as an alternative normalisation: the lowest unit of each
   indicator gets 0, which a geometric mean cannot take. */
static const char prank_spec[] = "target = Index\n"
                                 "[factor Normalisation]\n"
                                 "step = normalise\nkey = method\n"
                                 "values = minmax(1, 100) | prank\n"
                                 "[factor Aggregation]\n"
                                 "step = aggregate\nkey = method\n"
                                 "values = arithmetic | geometric\n";

static void test_undefined_combination(void **state)
{
    (void)state;
    char path[64];
    spec_file(path, sizeof path, prank_spec);
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    o.n = 200;
    o.threads = 2;
    hs_sensitivity *s = NULL;
    hs_error err = {0};
    assert_int_equal(
        hs_sensitivity_run(NULL, tu_path("examples/asem/sa.pipeline"), path, &o, &s, &err), HS_OK);
    assert_int_equal(s->nbad, 1);
    /* exactly the runs that draw prank (u >= 1/2) and geometric (u >= 1/2) are skipped */
    size_t expect = 0, nan = 0;
    for (size_t r = 0; r < s->sa->nruns; r++) {
        const double *u = hs_sa_point(s->sa, r);
        int bad = u[0] >= 0.5 && u[1] >= 0.5;
        expect += (size_t)bad;
        int isnan_row = isnan(s->sa->y[r * s->sa->ny]) && isnan(s->sa->y[r * s->sa->ny + 1]);
        nan += (size_t)isnan_row;
        if (bad != isnan_row) fail_msg("run %zu: skipped %d, expected %d", r + 1, isnan_row, bad);
    }
    assert_true(expect > 20 && expect < 80); /* about a quarter of 200 */
    assert_int_equal(s->nskipped, expect);
    assert_int_equal(nan, expect);
    /* the other runs still give every unit a rank interval */
    double iv[3];
    assert_int_equal(hsi_sensitivity_rank_interval(s, 0, iv, &err), HS_OK);
    assert_false(isnan(iv[0]) || isnan(iv[2]));
    hs_sensitivity_free(s);
    /* a Sobol' design cannot lose runs: refused before any run */
    o.type = HS_SA_SA;
    o.n = 64;
    s = NULL;
    assert_int_equal(
        hs_sensitivity_run(NULL, tu_path("examples/asem/sa.pipeline"), path, &o, &s, &err),
        HS_ERR_DOMAIN);
    assert_null(s);
    assert_non_null(strstr(err.msg, "Normalisation = prank, Aggregation = geometric"));
    (void)remove(path);
}

static const char excl_spec[] = "[factor D]\nexclude = none | Goods\n";

static void test_weight_sets_in_memory(void **state)
{
    (void)state;
    /* the exclusion through files: the reference */
    char path[64];
    spec_file(path, sizeof path, excl_spec);
    hs_sa_opts o;
    hs_sa_opts_init(&o);
    o.n = 64;
    hs_sensitivity *ex = NULL, *ws = NULL;
    hs_error err = {0};
    assert_int_equal(
        hs_sensitivity_run(NULL, tu_path("examples/asem/sa.pipeline"), path, &o, &ex, &err), HS_OK);
    (void)remove(path);

    /* the same choices as weight sets, every text in memory */
    hs_build_src b = {sizeof b, "sa.pipeline", NULL, 0, NULL, 0, NULL, 0};
    char *pipe = slurp(tu_path("examples/asem/sa.pipeline"), &b.pipeline_len);
    char *meta = slurp(tu_path("data/coinr-asem/input_iMeta.csv"), &b.structure_len);
    char *data = slurp(tu_path("data/coinr-asem/input_iData.csv"), &b.data_len);
    b.pipeline = pipe;
    b.structure = meta;
    b.data = data;
    static const char spec[] = "[factor D]\nweights = goods\n";
    const char *codes[] = {"Goods"};
    const double w[] = {1, 0}; /* set 1: nominal; set 2: Goods out */
    hs_weight_sets t = {sizeof t, "goods", 2, 1, codes, w};
    hs_sensitivity_src src = {sizeof src, &b, "sa.spec", spec, sizeof spec - 1, &t, 1};
    assert_int_equal(hs_sensitivity_run_mem(NULL, &src, &o, &ws, &err), HS_OK);
    assert_int_equal(ws->sa->nruns, ex->sa->nruns);
    assert_int_equal(ws->sa->ny, ex->sa->ny);
    size_t moved = 0;
    for (size_t k = 0; k < ex->sa->nruns * ex->sa->ny; k++) {
        assert_true(tu_close(ws->sa->y[k], ex->sa->y[k], 1e-12));
        moved += ex->sa->y[k] != 0;
    }
    assert_true(moved > 0); /* the runs without Goods do move the ranks */
    /* the per-run accessors read the same matrix, and refuse what is out of range */
    size_t nu = hs_sensitivity_nunits(ex);
    assert_int_equal(hs_sensitivity_nruns(ex), 64);
    assert_true(hs_sensitivity_run_rank(ex, 63, nu - 1) == ex->sa->y[63 * ex->sa->ny + nu]);
    assert_true(hs_sensitivity_run_score(ex, 5, 0) == ex->sa->y[5 * ex->sa->ny + 1 + nu]);
    assert_true(isnan(hs_sensitivity_run_rank(ex, 64, 0)));
    assert_true(isnan(hs_sensitivity_run_score(ex, 0, nu)));
    assert_false(isnan(hs_sensitivity_nominal_score(ex, 0)));
    for (size_t i = 0; i < hs_sensitivity_nunits(ex); i++) {
        double a[3], c[3];
        assert_int_equal(hs_sensitivity_rank_interval(ex, i, a, &err), HS_OK);
        assert_int_equal(hs_sensitivity_rank_interval(ws, i, c, &err), HS_OK);
        for (int q = 0; q < 3; q++)
            assert_true(tu_close(c[q], a[q], 1e-12));
    }
    hs_sensitivity_free(ws);

    /* a name the SPEC uses but the caller did not give, and a code outside the structure */
    static const char spec2[] = "[factor D]\nweights = other\n";
    src.spec = spec2;
    src.spec_len = sizeof spec2 - 1;
    ws = NULL;
    assert_int_equal(hs_sensitivity_run_mem(NULL, &src, &o, &ws, &err), HS_ERR_PIPELINE);
    assert_null(ws);
    assert_non_null(strstr(err.msg, "no weight sets named 'other'"));
    assert_string_equal(err.file, "sa.spec");
    assert_int_equal(err.line, 2);
    const char *bad[] = {"Nope"};
    t.codes = bad;
    src.spec = spec;
    src.spec_len = sizeof spec - 1;
    assert_int_equal(hs_sensitivity_run_mem(NULL, &src, &o, &ws, &err), HS_ERR_PIPELINE);
    assert_non_null(strstr(err.msg, "'Nope', which is not a code of the structure"));
    const double neg[] = {1, -0.5};
    t.codes = codes;
    t.w = neg;
    assert_int_equal(hs_sensitivity_run_mem(NULL, &src, &o, &ws, &err), HS_ERR_PIPELINE);
    assert_non_null(strstr(err.msg, "set 2 gives 'Goods' the weight -0.5"));
    src.size = 3; /* an older or garbled struct is refused, not read past */
    assert_int_equal(hs_sensitivity_run_mem(NULL, &src, &o, &ws, &err), HS_ERR_USAGE);
    src.size = sizeof src;
    o.size = sizeof o - 8; /* options from a header older than the library */
    assert_int_equal(hs_sensitivity_run_mem(NULL, &src, &o, &ws, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "sizeof(hs_sa_opts)"));
    assert_non_null(strstr(err.msg, "hs_sa_opts_init"));
    assert_int_equal(hs_sensitivity_run(NULL, "x", "y", &o, &ws, &err), HS_ERR_USAGE);
    assert_null(ws);
    hs_sensitivity_free(ex);
    test_free(pipe);
    test_free(meta);
    test_free(data);
}

int main(void)
{
    hs_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ishigami_converges),
        cmocka_unit_test(test_estimator_matches_coinr),
        cmocka_unit_test(test_asem_agrees_with_coinr),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_sa_minimum_n),
        cmocka_unit_test(test_progress_lines),
        cmocka_unit_test(test_undefined_combination),
        cmocka_unit_test(test_weight_sets_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
