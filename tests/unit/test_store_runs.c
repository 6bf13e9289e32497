/*
 * test_store_runs.c - the store's runs, submissions and partners through the library, with
 * allocation failures injected: a run that fails part-way (any allocation of the builds, the
 * overlay or the writing) leaves the previous run's results served and its own row
 * "failed"; a submission that fails is not stored at all; what was stored before stays.
 * Also: the overlay rules (a submitted value replaces the shipped one, NA removes it, the
 * newest submission wins) seen in the run's scores, and a withdrawn submission left out.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_int.h"

#include "failing_alloc.h"

static long q1(hs_store *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long v = -1;
    if (sqlite3_prepare_v2(hsi_store_db(db), sql, -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static double score_of(hs_store *db, const char *node, const char *unit, long year)
{
    sqlite3_stmt *q = NULL;
    double v = -1;
    assert_int_equal(sqlite3_prepare_v2(hsi_store_db(db),
                                        "SELECT score FROM score WHERE run = (SELECT max(run) "
                                        "FROM run_index) AND idx = 'hsi' AND node = ?1 AND "
                                        "unit = ?2 AND year = ?3",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, node, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, unit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, year);
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_type(q, 0) == SQLITE_NULL ? -2 : sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

static void refresh_opts(hs_refresh_opts *ro)
{
    hs_refresh_opts_init(ro);
    ro->root = HS_SOURCE_DIR;
    ro->ua_runs = 0; /* the analysis has its own tests; here the runs' bookkeeping */
    ro->events = 0;
}

static void tmp_db(char *path, size_t n, const char *tag)
{
    snprintf(path, n, "/tmp/hs_test_store_%s_%ld.db", tag, (long)getpid());
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static long submit(hs_store *db, long partner, const char *csv, hs_status expect)
{
    hsi_sub_errs errs;
    memset(&errs, 0, sizeof errs);
    hs_error err = {0};
    int64_t id = 0;
    char structure[600];
    snprintf(structure, sizeof structure, "%s/examples/hsi/structure.csv", HS_SOURCE_DIR);
    hs_status st = hsi_sub_add(db, partner, "test", "indicators", csv, strlen(csv), structure, NULL,
                               &id, &errs, &err);
    if (st != expect) fail_msg("submission: status %d, expected %d: %s", st, expect, err.msg);
    hsi_sub_errs_free(&errs);
    return (long)id;
}

/* A valid run, then runs failing at allocations spread over the whole run. */
static void test_run_fails_cleanly(void **state)
{
    (void)state;
    char path[256];
    tmp_db(path, sizeof path, "runs");
    failing f = {0};
    hs_ctx *ctx = hs_ctx_new(failing_alloc, &f);
    hs_store *db = NULL;
    hs_error err = {0};
    assert_int_equal(hs_store_open(ctx, path, &db, &err), HS_OK);
    hs_refresh_opts ro;
    refresh_opts(&ro);
    hs_refresh_info info;
    long before = f.count;
    assert_int_equal(hs_store_refresh(ctx, db, &ro, &info, &err), HS_OK);
    long total = f.count - before;
    assert_int_equal(info.run, 1);
    assert_int_equal(info.indices, 4);
    long scores = q1(db, "SELECT count(*) FROM score");
    assert_true(scores > 100000);
    print_message("a run: %ld allocations; failing 6 of them spread over it\n", total);
    for (long k = 1; k <= 6; k++) {
        f.fail_at = f.count + 1 + (total - 1) * k / 7;
        long live = f.live;
        hs_status st = hs_store_refresh(ctx, db, &ro, &info, &err);
        f.fail_at = 0;
        assert_int_equal(st, HS_ERR_NOMEM);
        assert_int_equal(f.live, live); /* nothing leaked */
        /* the run is recorded as failed, the served results are still run 1's */
        assert_int_equal(hs_store_latest_run(db), 1);
        assert_int_equal(q1(db, "SELECT count(*) FROM score"), scores);
        assert_int_equal(q1(db, "SELECT count(*) FROM run WHERE status = 'failed'"), k);
        assert_int_equal(q1(db, "SELECT count(*) FROM run WHERE status = 'running'"), 0);
    }
    hs_store_close(db);
    hs_ctx_free(ctx);
    unlink(path);
}

/* Submissions under allocation failure: each failure stores nothing. */
static void test_submission_fails_cleanly(void **state)
{
    (void)state;
    char path[256], token[HS_TOKEN_SIZE];
    tmp_db(path, sizeof path, "subs");
    failing f = {0};
    hs_ctx *ctx = hs_ctx_new(failing_alloc, &f);
    hs_store *db = NULL;
    hs_error err = {0};
    assert_int_equal(hs_store_open(ctx, path, &db, &err), HS_OK);
    assert_int_equal(hs_partner_add(db, "p", token, sizeof token, &err), HS_OK);
    const char *csv = "uCode,Time,iCode,Value\nAFG,2023,le,70\nAFG,2022,le,69\n";
    /* the first submission also reads the rules the store keeps for the next ones */
    submit(db, 1, csv, HS_OK);
    long start = f.count;
    submit(db, 1, csv, HS_OK);
    long total = f.count - start;
    assert_true(total > 3);
    for (long n = 1; n <= total; n++) {
        f.fail_at = f.count + n;
        long live = f.live;
        submit(db, 1, csv, HS_ERR_NOMEM);
        f.fail_at = 0;
        assert_int_equal(f.live, live);
        assert_int_equal(q1(db, "SELECT count(*) FROM submission"), 2);
        assert_int_equal(q1(db, "SELECT count(*) FROM submission_value"), 4);
    }
    hs_store_close(db);
    hs_ctx_free(ctx);
    unlink(path);
}

/* The overlay as docs/server.md says, seen in the scores of the HSI's indicators. */
static void test_overlay_rules(void **state)
{
    (void)state;
    char path[256], token[HS_TOKEN_SIZE];
    tmp_db(path, sizeof path, "overlay");
    hs_store *db = NULL;
    hs_error err = {0};
    assert_int_equal(hs_store_open(NULL, path, &db, &err), HS_OK);
    assert_int_equal(hs_partner_add(db, "p", token, sizeof token, &err), HS_OK);
    hs_refresh_opts ro;
    refresh_opts(&ro);
    hs_refresh_info info;
    assert_int_equal(hs_store_refresh(NULL, db, &ro, &info, &err), HS_OK);
    /* Norway's life expectancy in 2022 is 83.393 (data/hsi/hsi_indicators_long.csv) */
    double le_nor = score_of(db, "le", "NOR", 2022), le_afg = score_of(db, "le", "AFG", 2022);
    assert_true(le_nor >= 0 && le_afg >= 0 && le_afg < le_nor);
    /* AFG's set to Norway's by the newest of two submissions; a third, newer one that would
     * lower it again is withdrawn */
    long a1 = submit(db, 1, "uCode,Time,iCode,Value\nAFG,2022,le,40\n", HS_OK);
    long a2 = submit(db, 1, "uCode,Time,iCode,Value\nAFG,2022,le,83.393\n", HS_OK);
    long w = submit(db, 1, "uCode,Time,iCode,Value\nAFG,2022,le,20\n", HS_OK);
    /* submissions are pending until an administrator accepts them */
    assert_int_equal(hs_submission_review(db, a1, HS_REVIEW_ACCEPT, "admin", NULL, &err), HS_OK);
    assert_int_equal(hs_submission_review(db, a2, HS_REVIEW_ACCEPT, "admin", NULL, &err), HS_OK);
    int found = 0;
    assert_int_equal(hsi_sub_withdraw(db, 1, "test", w, &found, &err), HS_OK);
    assert_true(found);
    /* the overlay is built in memory: a run with submissions writes no temporary file, so a
     * temporary folder that cannot be written is no reason to fail */
    const char *tmp = getenv("TMPDIR");
    char *saved = tmp ? strdup(tmp) : NULL;
    setenv("TMPDIR", "/nonexistent/humsec-no-tmp", 1);
    hs_status rs = hs_store_refresh(NULL, db, &ro, &info, &err);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    assert_int_equal(rs, HS_OK);
    assert_int_equal(info.submissions, 2);
    /* the same raw value, treated and normalised the same way: the same indicator score
     * (1e-9: both go through identical arithmetic; the bound only allows printing) */
    TU_ASSERT_CLOSE(score_of(db, "le", "AFG", 2022), score_of(db, "le", "NOR", 2022), 1e-9,
                    "AFG le 2022 after the overlay");
    /* Norway's own score is as before */
    TU_ASSERT_CLOSE(score_of(db, "le", "NOR", 2022), le_nor, 1e-12, "NOR le 2022");
    /* the run recorded which submissions it used: the two accepted ones */
    assert_int_equal(q1(db, "SELECT count(*) FROM run_submission WHERE run = 2"), 2);
    hs_store_close(db);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_fails_cleanly),
        cmocka_unit_test(test_submission_fails_cleanly),
        cmocka_unit_test(test_overlay_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
