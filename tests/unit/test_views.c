/*
 * test_views.c - the ensemble scores (CRPS, IGN, MIS) against hand-computed values, and the
 * VIEWS 2023/24 protocol against the challenge's published benchmark scores (docs/methods.md
 * section 5.6), which nobody here computed: the zero model's CRPS in every window and
 * conflictology's CRPS and MIS in 2020-2023 (the windows whose conditioning months the
 * shipped files share with the challenge's).
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Ensemble {0, 1, 3} against y = 2: E|X - y| = (2 + 1 + 1) / 3 = 4/3; the pairs' sum of
 * |x - x'| over all ordered pairs is 2 (1 + 3 + 2) = 12, halved and divided by 9: 2/3; CRPS
 * 2/3. IGN: y = 2 falls in [0.5, 2.5) with one member (x = 1): p = (1 + 1) / (3 + 11) = 1/7.
 * The 50 % interval: quantiles 0.25 and 0.75 of {0, 1, 3} are 0.5 and 2 (linear), width 1.5;
 * y = 5 lies 3 above it: 1.5 + (2 / 0.5) 3 = 13.5; y = 0 lies 0.5 below: 1.5 + 4 0.5 = 3.5. */
static void test_ensemble_scores(void **state)
{
    (void)state;
    const double xs[] = {0, 1, 3};
    TU_ASSERT_CLOSE(hs_metric_crps_ensemble(xs, 3, 2), 2.0 / 3.0, 1e-15, "CRPS");
    TU_ASSERT_CLOSE(hs_metric_ign(xs, 3, 2), log2(7.0), 1e-15, "IGN");
    TU_ASSERT_CLOSE(hs_metric_interval_score(xs, 3, 2, 0.5), 1.5, 1e-15, "MIS inside");
    TU_ASSERT_CLOSE(hs_metric_interval_score(xs, 3, 5, 0.5), 13.5, 1e-15, "MIS above");
    TU_ASSERT_CLOSE(hs_metric_interval_score(xs, 3, 0, 0.5), 3.5, 1e-15, "MIS below");
    /* a point forecast: CRPS is the absolute error; the open top bin has its pseudo-count */
    const double pt[] = {5000, 5000};
    TU_ASSERT_CLOSE(hs_metric_crps_ensemble(pt, 2, 4000), 1000, 1e-12, "CRPS of a point");
    TU_ASSERT_CLOSE(hs_metric_ign(pt, 2, 2000), -log2(3.0 / 13.0), 1e-15, "IGN top bin");
    TU_ASSERT_CLOSE(hs_metric_ign(pt, 2, 0), -log2(1.0 / 13.0), 1e-15, "IGN empty bin");
    assert_true(isnan(hs_metric_crps_ensemble(xs, 0, 1)));
    assert_true(isnan(hs_metric_interval_score(xs, 3, 1, 0)));
}

static double views_get(const hs_views_score *s, size_t n, const char *model, int window,
                        const char *metric)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].model, model) && s[i].window == window && !strcmp(s[i].metric, metric))
            return s[i].value;
    fail_msg("no score for %s %d %s", model, window, metric);
    return NAN;
}

/* The published scores (docs/methods.md section 5.6), rounded to 3 decimals (MIS to 1). */
static void test_views_published(void **state)
{
    (void)state;
    hs_views_opts o;
    hs_views_opts_init(&o);
    char hist[4096], act[4096];
    snprintf(hist, sizeof hist, "%s", tu_path("data/views_cm/views_cm_ged_1989_2017.csv"));
    snprintf(act, sizeof act, "%s", tu_path("data/views_cm/views_cm_actuals_sb_2018_2023.csv"));
    o.history = hist;
    o.actuals = act;
    o.samples = 200; /* the benchmarks checked here do not sample */
    hs_views_score *s = NULL;
    size_t n = 0;
    hs_error err;
    assert_int_equal(hs_views2023_run(NULL, &o, &s, &n, &err), HS_OK);
    const double zero[6] = {24.130, 23.019, 32.041, 87.339, 120.968, 53.543};
    const double conf[4] = {21.339, 76.849, 123.995, 50.357};
    const double mis[4] = {345.0, 1435.6, 2142.1, 1042.9};
    for (int w = 0; w < 6; w++)
        TU_ASSERT_CLOSE(views_get(s, n, "zero", 2018 + w, "crps"), zero[w], 5e-4, "zero CRPS");
    for (int w = 0; w < 4; w++) {
        TU_ASSERT_CLOSE(views_get(s, n, "conflictology", 2020 + w, "crps"), conf[w], 5e-4,
                        "conflictology CRPS");
        TU_ASSERT_CLOSE(views_get(s, n, "conflictology", 2020 + w, "mis"), mis[w], 0.05,
                        "conflictology MIS");
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s[i].n, 2292); /* 191 countries x 12 months */
    hs_views_free(NULL, s);
}

/* A repeated country-month is an error naming the file and both lines; nothing is scored. */
static void test_views_bad_table(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/hs_test_views_%ld.csv", (long)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("country_id,month_id,ged_sb\n1,457,0\n2,457,3\n1,457,4\n", fp);
    fclose(fp);
    hs_views_opts o;
    hs_views_opts_init(&o);
    char hist[4096];
    snprintf(hist, sizeof hist, "%s", tu_path("data/views_cm/views_cm_ged_1989_2017.csv"));
    o.history = hist;
    o.actuals = path;
    hs_views_score *s = NULL;
    size_t n = 7;
    hs_error err;
    assert_int_equal(hs_views2023_run(NULL, &o, &s, &n, &err), HS_ERR_PARSE);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "given twice (first on line 2)"));
    assert_null(s);
    assert_int_equal(n, 0);
    /* a negative count, at its column */
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("country_id,month_id,ged_sb\n1,457,-5\n", fp);
    fclose(fp);
    assert_int_equal(hs_views2023_run(NULL, &o, &s, &n, &err), HS_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 7);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ensemble_scores),
        cmocka_unit_test(test_views_published),
        cmocka_unit_test(test_views_bad_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
