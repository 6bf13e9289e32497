/*
 * test_onset.c - onset alerts from the forecast (hs_cmtable_onsets, hs_onsets_score): which
 * units are quiet, onset or continuation, what their outcome is, and the skill counts, on a
 * small VIEWS-shaped table and on rows whose figures are worked out by hand below.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "humsec.h"

/* Months 400..430 (VIEWS month_id) of five units:
 *   1 quiet all along, 40 deaths at 423          -> onset, 25 at lead 3 from origin 420
 *   2 30 deaths at 416, else 0                   -> continuation (quiet 3 months, not 6)
 *   3 30 deaths at 420 (the origin)              -> not quiet: no row
 *   4 no row at 419 (unknown)                    -> not known to be quiet: no row
 *   5 quiet, 0 up to 430                         -> onset, outcome 0 (below 25)
 * From origin 429 the third month (432) is not covered: outcome -1. */
static hs_cmtable *small_table(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("country_id,month_id,ged_sb\n", fp);
    for (int u = 1; u <= 5; u++)
        for (int m = 400; m <= 430; m++) {
            int v = 0;
            if (u == 1 && m == 423) v = 40;
            if ((u == 2 && m == 416) || (u == 3 && m == 420)) v = 30;
            if (u == 4 && m == 419) continue;
            fprintf(fp, "%d,%d,%d\n", u, m, v);
        }
    assert_int_equal(fclose(fp), 0);
    hs_cmtable_opts o;
    hs_cmtable_opts_init(&o);
    hs_cmtable *t = NULL;
    hs_error err = {0};
    assert_int_equal(hs_cmtable_read(NULL, path, NULL, &o, &t, &err), HS_OK);
    (void)remove(path);
    return t;
}

static const hs_onset_row *find(const hs_onset_row *r, size_t n, const hs_cmtable *t, int origin,
                                const char *unit)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].origin == origin && !strcmp(hs_cmtable_unit(t, r[i].unit), unit)) return &r[i];
    return NULL;
}

static void test_quiet_units(void **state)
{
    (void)state;
    char dir[] = "/tmp/hs_onsetXXXXXX";
    assert_non_null(mkdtemp(dir));
    hs_cmtable *t = small_table(dir);
    rmdir(dir);
    hs_analog_opts ao;
    hs_analog_opts_init(&ao);
    ao.samples = 200;
    hs_onset_opts oo;
    hs_onset_opts_init(&oo);
    oo.from = 420;
    oo.to = 429;
    hs_onset_row *r = NULL;
    size_t n = 0;
    hs_error err = {0};
    assert_int_equal(hs_cmtable_onsets(NULL, t, &ao, &oo, &r, &n, &err), HS_OK);
    const hs_onset_row *a = find(r, n, t, 420, "1"), *b = find(r, n, t, 420, "2");
    const hs_onset_row *e = find(r, n, t, 420, "5"), *late = find(r, n, t, 429, "5");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(e);
    assert_non_null(late);
    assert_null(find(r, n, t, 420, "3"));
    assert_null(find(r, n, t, 420, "4"));
    assert_int_equal(a->kind, HS_ONSET_NEW);
    assert_int_equal(a->event, 3);
    assert_int_equal(b->kind, HS_ONSET_CONTINUATION);
    assert_int_equal(b->event, 0);
    assert_int_equal(e->kind, HS_ONSET_NEW);
    assert_int_equal(e->event, 0);
    assert_int_equal(late->event, -1);
    /* p is a fraction of whole draws: (M^3 - prod(M - n25)) / M^3 */
    for (size_t i = 0; i < n; i++) {
        double x = r[i].p * 200.0 * 200.0 * 200.0;
        assert_true(r[i].p >= 0 && r[i].p <= 1 && fabs(x - round(x)) < 1e-6);
        assert_int_equal(r[i].alert, r[i].p >= HS_ONSET_THRESHOLD);
    }
    /* rows come by origin, then unit */
    for (size_t i = 1; i < n; i++)
        assert_true(r[i - 1].origin < r[i].origin ||
                    (r[i - 1].origin == r[i].origin && r[i - 1].unit < r[i].unit));
    hs_onsets_free(NULL, r);
    /* origins outside the table, a threshold that is not a probability */
    oo.from = 405;
    assert_int_equal(hs_cmtable_onsets(NULL, t, &ao, &oo, &r, &n, &err), HS_ERR_USAGE);
    assert_null(r);
    oo.from = 420;
    oo.threshold = 0;
    assert_int_equal(hs_cmtable_onsets(NULL, t, &ao, &oo, &r, &n, &err), HS_ERR_USAGE);
    hs_cmtable_free(t);
}

/* Six rows, counted by hand:
 *   onsets:        alerted & 25 at lead 2 (hit), alerted & below 25, not alerted & 25 at 1
 *                  -> 2 alerts, 2 events, 1 hit: precision 1/2, recall 1/2, median lead 2
 *   continuations: alerted & 25 at lead 1 (hit), alerted & not yet known (left out),
 *                  not alerted & below 25
 *                  -> 1 alert, 1 event, 1 hit: precision 1, recall 1, median lead 1
 *   all:           3 alerts, 3 events, 2 hits: 2/3, 2/3, median of {2, 1} = 1.5 */
static void test_score_by_hand(void **state)
{
    (void)state;
    const hs_onset_row r[6] = {
        {.kind = HS_ONSET_NEW, .alert = 1, .event = 2},
        {.kind = HS_ONSET_NEW, .alert = 1, .event = 0},
        {.kind = HS_ONSET_NEW, .alert = 0, .event = 1},
        {.kind = HS_ONSET_CONTINUATION, .alert = 1, .event = 1},
        {.kind = HS_ONSET_CONTINUATION, .alert = 1, .event = -1},
        {.kind = HS_ONSET_CONTINUATION, .alert = 0, .event = 0},
    };
    hs_onset_skill s[3];
    hs_error err = {0};
    assert_int_equal(hs_onsets_score(NULL, r, 6, s, &err), HS_OK);
    assert_int_equal(s[0].alerts, 2);
    assert_int_equal(s[0].events, 2);
    assert_int_equal(s[0].hits, 1);
    assert_true(s[0].precision == 0.5 && s[0].recall == 0.5 && s[0].median_lead == 2);
    assert_int_equal(s[1].alerts, 1);
    assert_int_equal(s[1].events, 1);
    assert_int_equal(s[1].hits, 1);
    assert_true(s[1].precision == 1 && s[1].recall == 1 && s[1].median_lead == 1);
    assert_int_equal(s[2].alerts, 3);
    assert_int_equal(s[2].hits, 2);
    assert_true(fabs(s[2].precision - 2.0 / 3) < 1e-15 && s[2].median_lead == 1.5);
    /* nothing alerted: precision and the lead are not defined */
    assert_int_equal(hs_onsets_score(NULL, &r[2], 1, s, &err), HS_OK);
    assert_true(isnan(s[0].precision) && isnan(s[0].median_lead) && s[0].recall == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiet_units),
        cmocka_unit_test(test_score_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
