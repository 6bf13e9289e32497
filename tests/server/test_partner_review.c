/*
 * test_partner_review.c - partners cannot bend the index: hs_api_handle called as a function
 * on a store with one run, with each way a partner once distorted the published index (a
 * fake country, years 1900 and 2100, homicide +/-1e308, negative deaths, a million rows, an
 * event dated 2999-01, GNI per capita 0, a value for the year after the data). Each is
 * refused with 422 and its reasons, or, for the year after the data, accepted for review and
 * then left out of the run that it would break: in every case the next run completes and
 * the published scores are as they were. Then the review itself (pending submissions are in
 * no run until an administrator accepts them; withdraw; partners cannot review), a run left
 * "running" by a dead process (failed at the next open), and `partner add` with its token
 * going nowhere (the partner is removed again, exit 3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>

#include "humsec_server.h"

static char path[256];
static hs_store *db;
static hs_api *api;
static char tok_p[HS_TOKEN_SIZE], tok_admin[HS_TOKEN_SIZE];

static long q1(const char *sql)
{
    sqlite3 *h = NULL;
    long v = -1;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/hs_test_review_%ld.db", (long)getpid());
    unlink(path);
    hs_error err = {0};
    if (hs_store_open(NULL, path, &db, &err) != HS_OK) return -1;
    if (hs_partner_add(db, "ngo", tok_p, sizeof tok_p, &err) != HS_OK) return -1;
    if (hs_partner_add_role(db, "editor", 1, tok_admin, sizeof tok_admin, &err) != HS_OK) return -1;
    hs_refresh_opts ro;
    hs_refresh_opts_init(&ro);
    ro.root = HS_SOURCE_DIR;
    ro.ua_runs = 0;
    ro.events = 0;
    if (hs_store_refresh(NULL, db, &ro, NULL, &err) != HS_OK) return -1;
    hs_api_opts ao;
    hs_api_opts_init(&ao);
    ao.root = HS_SOURCE_DIR;
    ao.ua_runs = 0;
    ao.run_interval = 0; /* the tests start several runs as one partner */
    return hs_api_new(NULL, db, &ao, &api, &err) == HS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hs_api_free(api);
    hs_store_close(db);
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}

/* A request with a token (may be NULL) and a body; the answer as JSON (status into *st). */
static json_t *req(const char *method, const char *p, const char *query, const char *token,
                   const char *body, size_t len, int *st)
{
    char auth[160];
    snprintf(auth, sizeof auth, "Bearer %s", token ? token : "");
    hs_http_header h[2] = {{"Content-Type", "text/csv"}, {"Authorization", auth}};
    hs_http_request rq = {method, p, query, h, token ? 2 : 1, body, len, 0, 0};
    hs_http_response r;
    hs_api_handle(api, &rq, &r);
    *st = r.status;
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    hs_http_response_free(&r);
    return j;
}

static json_t *submit(const char *kind, const char *body, size_t len, int expect)
{
    int st;
    char query[32];
    snprintf(query, sizeof query, "kind=%s", kind);
    json_t *j = req("POST", "/api/v1/submissions", query, tok_p, body, len, &st);
    if (st != expect) {
        char *s = j ? json_dumps(j, 0) : NULL;
        fail_msg("submission: status %d, expected %d: %.600s", st, expect, s ? s : "");
    }
    assert_non_null(j);
    return j;
}

/* A refused submission: 422 whose first listed reason holds `why`. */
static void refused(const char *kind, const char *body, size_t len, const char *why)
{
    json_t *j = submit(kind, body, len, 422);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_csv");
    const char *msg = json_string_value(
        json_object_get(json_array_get(json_object_get(e, "errors"), 0), "message"));
    assert_non_null(msg);
    if (!strstr(msg, why)) fail_msg("expected '%s' in '%s'", why, msg);
    json_decref(j);
}

static double score(const char *node, const char *unit, int year)
{
    int st;
    char query[128];
    snprintf(query, sizeof query, "index=hsi&country=%s&year=%d&pillar=%s", unit, year, node);
    json_t *j = req("GET", "/api/v1/scores", query, NULL, NULL, 0, &st);
    assert_int_equal(st, 200);
    json_t *s = json_array_get(json_object_get(j, "scores"), 0);
    double v = s ? json_number_value(json_object_get(s, "score")) : (double)NAN;
    json_decref(j);
    return v;
}

/* POST /api/v1/runs: it completes; the submissions it used into used (ids, up to 8). */
static size_t run(long *used)
{
    int st;
    json_t *j = req("POST", "/api/v1/runs", NULL, tok_p, NULL, 0, &st);
    if (st != 201) {
        char *s = j ? json_dumps(j, 0) : NULL;
        fail_msg("run: status %d: %.600s", st, s ? s : "");
    }
    json_t *r = json_object_get(j, "run");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "done");
    json_t *subs = json_object_get(r, "submissions");
    size_t n = json_array_size(subs);
    for (size_t i = 0; i < n && i < 8; i++)
        used[i] = (long)json_integer_value(json_array_get(subs, i));
    json_decref(j);
    return n;
}

static json_t *decide(const char *token, long id, const char *what, const char *body, int expect)
{
    char p[64];
    snprintf(p, sizeof p, "/api/v1/submissions/%ld/%s", id, what);
    int st;
    json_t *j = req("POST", p, NULL, token, body, body ? strlen(body) : 0, &st);
    if (st != expect) fail_msg("%s %ld: status %d, expected %d", what, id, st, expect);
    return j;
}

static const char *status_of(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "submission"), "status"));
}

/* Line `k` (0 = header) of a shipped GED file, without its line end. */
static void ged_line(int k, char *out, size_t cap)
{
    FILE *fp = fopen(HS_SOURCE_DIR "/data/ucdp/samples/ged_global_sample1000_v23_1.csv", "rb");
    assert_non_null(fp);
    for (int i = 0; i <= k; i++)
        assert_non_null(fgets(out, (int)cap, fp));
    (void)fclose(fp); /* read only */
    out[strcspn(out, "\r\n")] = 0;
}

/* The first GED event with fields changed: field i (0-based) set to val[i] where not NULL. */
static size_t ged_event(char *out, size_t cap, const char *const *val)
{
    char head[4096], row[4096];
    ged_line(0, head, sizeof head);
    ged_line(1, row, sizeof row);
    size_t n = (size_t)snprintf(out, cap, "%s\n", head);
    char *f = row;
    for (int i = 0; f; i++) {
        char *comma = strchr(f, ',');
        if (comma) *comma = 0;
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "," : "", val[i] ? val[i] : f);
        f = comma ? comma + 1 : NULL;
    }
    n += (size_t)snprintf(out + n, cap - n, "\n");
    return n;
}

/* Every probe: refused (or left out of the run), nothing published changes. */
static void test_probes(void **state)
{
    (void)state;
    double hsi_fra = score("HSI", "FRA", 2023), hsi_afg = score("HSI", "AFG", 2023),
           hom_fra = score("homicide", "FRA", 2023), de_afg = score("deaths", "AFG", 2023);
    assert_true(hsi_fra > 0 && hsi_afg > 0 && hom_fra >= 0 && de_afg >= 0);
    long units = q1("SELECT count(*) FROM unit"), subs0 = q1("SELECT count(*) FROM submission");

    /* a fake country with a value for every indicator */
    static const char *const ind[] = {"deaths", "homicide", "displaced",    "pts",  "physint",
                                      "hrps",   "civlib",   "rol",          "le",   "eys",
                                      "mys",    "gnipc",    "undernourish", "u5mr", "poverty"};
    char body[4096];
    size_t n = (size_t)snprintf(body, sizeof body, "uCode,Time,iCode,Value\n");
    for (size_t i = 0; i < 15; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "ZZZ,2023,%s,1\n", ind[i]);
    refused("indicators", body, n, "uCode 'ZZZ' is not a unit of the index");
    /* years far from the data */
    const char *y1900 = "uCode,Time,iCode,Value\nAFG,1900,le,60\n";
    refused("indicators", y1900, strlen(y1900), "Time 1900 is outside the index's years");
    const char *y2100 = "uCode,Time,iCode,Value\nAFG,2100,le,60\n";
    refused("indicators", y2100, strlen(y2100), "Time 2100 is outside the index's years");
    /* values no indicator can take */
    const char *huge =
        "uCode,Time,iCode,Value\nFRA,2023,homicide,1e308\nDEU,2023,homicide,-1e308\n";
    refused("indicators", huge, strlen(huge), "outside its plausible range 0 to 100000");
    const char *neg = "uCode,Time,iCode,Value\nAFG,2023,deaths,-5\n";
    refused("indicators", neg, strlen(neg), "Value -5 of 'deaths' is outside its plausible range");
    const char *gni = "uCode,Time,iCode,Value\nAFG,2023,gnipc,0\n";
    refused("indicators", gni, strlen(gni), "Value 0 of 'gnipc' is outside its plausible range");
    /* a million rows: refused by size before anything else */
    size_t big = 1000000, len = 0;
    char *mil = malloc(big * 16 + 64);
    assert_non_null(mil);
    len += (size_t)sprintf(mil, "uCode,Time,iCode,Value\n");
    for (size_t i = 0; i < big; i++) {
        static const char row[] = "AFG,2023,le,60\n";
        memcpy(mil + len, row, sizeof row - 1); /* rows one after another, no NUL between */
        len += sizeof row - 1;
    }
    refused("indicators", mil, len, "a submission holds at most 100000");
    free(mil);
    /* events: dated 2999-01, negative deaths, a country of no crosswalk */
    char ev[16384];
    const char *future[40] = {NULL};
    future[1] = "2999";
    future[25] = "2999-01-07";
    future[26] = "2999-01-11";
    n = ged_event(ev, sizeof ev, future);
    refused("events", ev, n, "after today");
    const char *negd[40] = {NULL};
    negd[31] = "-5";
    negd[32] = "-5";
    negd[33] = "-5";
    n = ged_event(ev, sizeof ev, negd);
    refused("events", ev, n, "best");
    const char *nocountry[40] = {NULL};
    nocountry[21] = "999";
    n = ged_event(ev, sizeof ev, nocountry);
    refused("events", ev, n, "is not a country of the crosswalks");
    assert_int_equal(q1("SELECT count(*) FROM submission"), subs0);

    /* the year after the data is allowed, but a single country in it breaks the rank
     * analysis: accepted for review, then left out of the run and rejected with the step's
     * message, and the run completes */
    const char *next = "uCode,Time,iCode,Value\nAFG,2024,le,63.1\n";
    json_t *j = submit("indicators", next, strlen(next), 201);
    assert_string_equal(status_of(j), "pending");
    long id = (long)json_integer_value(json_object_get(json_object_get(j, "submission"), "id"));
    json_decref(j);
    json_decref(decide(tok_admin, id, "accept", NULL, 200));
    long used[8];
    assert_int_equal(run(used), 0);
    int st;
    char p[64];
    snprintf(p, sizeof p, "/api/v1/submissions/%ld", id);
    j = req("GET", p, NULL, tok_admin, NULL, 0, &st);
    assert_int_equal(st, 200);
    json_t *s = json_object_get(j, "submission");
    assert_string_equal(json_string_value(json_object_get(s, "status")), "rejected");
    assert_non_null(
        strstr(json_string_value(json_object_get(s, "reason")), "fewer than 2 units at time 2024"));
    json_decref(j);
    /* the partner sees its submission rejected, and why */
    j = req("GET", p, NULL, tok_p, NULL, 0, &st);
    assert_int_equal(st, 200);
    s = json_object_get(j, "submission");
    assert_string_equal(json_string_value(json_object_get(s, "status")), "rejected");
    assert_non_null(
        strstr(json_string_value(json_object_get(s, "reason")), "fewer than 2 units at time 2024"));
    json_decref(j);
    /* an administrator may still withdraw it; nobody can accept it again */
    j = decide(tok_admin, id, "withdraw", NULL, 200);
    assert_string_equal(status_of(j), "withdrawn");
    json_decref(j);
    j = decide(tok_admin, id, "accept", NULL, 409);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                        "conflict");
    json_decref(j);
    assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = 'submission.reject' AND "
                        "detail LIKE '%fewer than 2 units at time 2024%'"),
                     1);

    /* nothing published changed, and the run after all of them completed */
    assert_int_equal(run(used), 0);
    assert_true(score("HSI", "FRA", 2023) == hsi_fra);
    assert_true(score("HSI", "AFG", 2023) == hsi_afg);
    assert_true(score("homicide", "FRA", 2023) == hom_fra);
    assert_true(score("deaths", "AFG", 2023) == de_afg);
    assert_int_equal(q1("SELECT count(*) FROM unit"), units);
    assert_int_equal(q1("SELECT count(*) FROM score WHERE year > 2023 AND run = (SELECT max(id) "
                        "FROM run)"),
                     0);
    assert_int_equal(q1("SELECT count(*) FROM run WHERE status != 'done'"), 0);
}

/* Pending submissions are in no run; an administrator accepts, rejects and withdraws. */
static void test_review(void **state)
{
    (void)state;
    double le0 = score("le", "AFG", 2022), nor = score("le", "NOR", 2022);
    assert_true(le0 < nor);
    const char *csv = "uCode,Time,iCode,Value\nAFG,2022,le,83.393\n"; /* Norway's */
    json_t *j = submit("indicators", csv, strlen(csv), 201);
    long id = (long)json_integer_value(json_object_get(json_object_get(j, "submission"), "id"));
    json_decref(j);
    long used[8];
    assert_int_equal(run(used), 0);
    assert_true(score("le", "AFG", 2022) == le0);

    /* the administrator's list; a partner's token lists its own and cannot decide */
    int st;
    j = req("GET", "/api/v1/submissions", "status=pending", tok_admin, NULL, 0, &st);
    assert_int_equal(st, 200);
    json_t *list = json_object_get(j, "submissions");
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), id);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "partner")),
                        "ngo");
    json_decref(j);
    j = req("GET", "/api/v1/submissions", "status=bogus", tok_admin, NULL, 0, &st);
    assert_int_equal(st, 400);
    json_decref(j);
    json_decref(decide(tok_p, id, "accept", NULL, 403));
    json_decref(decide(NULL, id, "accept", NULL, 401));
    json_decref(decide(tok_admin, 999999, "accept", NULL, 404));
    j = req("GET", "/api/v1/submissions/1/accept", NULL, tok_admin, NULL, 0, &st);
    assert_int_equal(st, 405);
    json_decref(j);

    /* accepted: the next run uses it */
    j = decide(tok_admin, id, "accept", NULL, 200);
    assert_string_equal(status_of(j), "accepted");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "submission"), "decided_by")),
        "editor");
    json_decref(j);
    assert_int_equal(run(used), 1);
    assert_int_equal(used[0], id);
    assert_true(fabs(score("le", "AFG", 2022) - nor) < 1e-9);

    /* withdrawn by the administrator: the next run leaves it out */
    j = decide(tok_admin, id, "withdraw", "{\"why\": \"source not confirmed\"}", 200);
    assert_string_equal(status_of(j), "withdrawn");
    json_decref(j);
    assert_int_equal(run(used), 0);
    assert_true(score("le", "AFG", 2022) == le0);

    /* a rejection needs a reason, and a rejected submission is not accepted later */
    j = submit("indicators", csv, strlen(csv), 201);
    long id2 = (long)json_integer_value(json_object_get(json_object_get(j, "submission"), "id"));
    json_decref(j);
    json_decref(decide(tok_admin, id2, "reject", NULL, 400));
    json_decref(decide(tok_admin, id2, "reject", "[1]", 400));
    j = decide(tok_admin, id2, "reject", "{\"why\": \"implausible jump\"}", 200);
    assert_string_equal(status_of(j), "rejected");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "submission"), "reason")),
        "implausible jump");
    json_decref(j);
    json_decref(decide(tok_admin, id2, "accept", NULL, 409));

    /* every decision is in the audit log, with who made it */
    assert_int_equal(q1("SELECT count(*) FROM audit WHERE actor = 'editor' AND action IN "
                        "('submission.accept', 'submission.withdraw', 'submission.reject')"),
                     3 + 2); /* and the two of test_probes */
}

/* A run left "running" by a process that is gone is failed at the next open. */
static void test_dead_run(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0); /* its pid now belongs to no process (until reused) */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char sql[400];
    snprintf(sql, sizeof sql,
             "INSERT INTO run(status, started_at, pid) VALUES('running', 'x', %ld), "
             "('running', 'x', NULL), ('running', 'x', %ld)",
             (long)child, (long)getpid());
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    hs_store *s2 = NULL;
    hs_error err = {0};
    assert_int_equal(hs_store_open(NULL, path, &s2, &err), HS_OK);
    hs_store_close(s2);
    /* the dead process's and the pid-less one failed; this process's run is in progress */
    assert_int_equal(q1("SELECT count(*) FROM run WHERE status = 'failed' AND message LIKE "
                        "'%process stopped%'"),
                     2);
    assert_int_equal(q1("SELECT count(*) FROM run WHERE status = 'running'"), 1);
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "DELETE FROM run WHERE status = 'running'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
}

/* `partner add NAME > /dev/full`: the token cannot be shown, so the partner is not kept. */
static void test_partner_add_token_lost(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/full", O_WRONLY);
        int null = open("/dev/null", O_WRONLY);
        if (fd < 0 || null < 0 || dup2(fd, 1) < 0 || dup2(null, 2) < 0) _exit(99);
        execl(HS_HUMSEC_EXE, HS_HUMSEC_EXE, "partner", "add", "lost", "--db", path, (char *)NULL);
        _exit(98);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 3);
    assert_int_equal(q1("SELECT count(*) FROM partner WHERE name = 'lost'"), 0);
    assert_int_equal(q1("SELECT count(*) FROM audit WHERE action = 'partner.remove' AND object = "
                        "'lost'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probes),
        cmocka_unit_test(test_review),
        cmocka_unit_test(test_dead_run),
        cmocka_unit_test(test_partner_add_token_lost),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
