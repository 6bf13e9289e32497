/*
 * test_sensitivity.c - the uncertainty/sensitivity runner (src/mc/) against references
 * nobody here wrote:
 *  - the Ishigami function through the real design/evaluation/estimation path converges to
 *    its analytic indices (Ishigami & Homma 1990; METHODS 4.2: S = (0.3139, 0.4424, 0),
 *    ST = (0.5576, 0.4424, 0.2437)) within 0.01 at N = 2^14;
 *  - the estimator applied to COINr's shared Ishigami sample gives COINr's estimates;
 *  - the ASEM analysis with COINr's vignette spec at N = 1000 puts each of COINr's
 *    measured Si/STi inside our 95 % bootstrap interval;
 *  - outputs are byte-identical for 1 and 2 threads.
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
    const char *files[] = {"ua_ranks.csv", "sa_indices.csv", "sa_convergence.csv", "runs.csv",
                           "sensitivity.json"};
    for (size_t f = 0; f < 5; f++) {
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

int main(void)
{
    hs_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ishigami_converges),
        cmocka_unit_test(test_estimator_matches_coinr),
        cmocka_unit_test(test_asem_agrees_with_coinr),
        cmocka_unit_test(test_threads_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
