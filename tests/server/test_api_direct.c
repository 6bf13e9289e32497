/*
 * test_api_direct.c - hs_api_handle called as a function (no sockets): malformed requests
 * the HTTP layer would not pass on, the cache and its ETag, and a store that cannot be read
 * (a table gone), which must give a 500 naming the store and SQLite's message, not an empty
 * answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>

#include "humsec_server.h"
#include "server/server_int.h"

static char path[256];
static hs_store *db;
static hs_api *api;

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/hs_test_api_%ld.db", (long)getpid());
    unlink(path);
    hs_error err = {0};
    if (hs_store_open(NULL, path, &db, &err) != HS_OK) return -1;
    hs_refresh_opts ro;
    hs_refresh_opts_init(&ro);
    ro.root = HS_SOURCE_DIR;
    ro.ua_runs = 0;
    ro.events = 0;
    if (hs_store_refresh(NULL, db, &ro, NULL, &err) != HS_OK) return -1;
    hs_api_opts ao;
    hs_api_opts_init(&ao);
    ao.root = HS_SOURCE_DIR;
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

static int call(const char *method, const char *p, const char *query, const char *inm,
                int too_large, hs_http_response *r)
{
    hs_http_header h[1] = {{"If-None-Match", inm}};
    hs_http_request req = {method, p, query, h, inm ? 1 : 0, NULL, 0, too_large, 0};
    hs_api_handle(api, &req, r);
    return r->status;
}

static void expect_code(hs_http_response *r, const char *code)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                        code);
    json_decref(j);
}

static void test_malformed_requests(void **state)
{
    (void)state;
    hs_http_response r;
    assert_int_equal(call(NULL, "/api/v1/health", NULL, NULL, 0, &r), 400);
    expect_code(&r, "bad_request");
    hs_http_response_free(&r);
    assert_int_equal(call("GET", "api/v1/health", NULL, NULL, 0, &r), 400);
    hs_http_response_free(&r);
    assert_int_equal(call("GET", NULL, NULL, NULL, 0, &r), 400);
    hs_http_response_free(&r);
    assert_int_equal(call("POST", "/api/v1/submissions", "kind=events", NULL, 1, &r), 413);
    expect_code(&r, "payload_too_large");
    hs_http_response_free(&r);
    /* percent-encoding the HTTP layer would have decoded: malformed is a 400 here */
    assert_int_equal(call("GET", "/api/v1/scores", "index=hsi&country=%zz", NULL, 0, &r), 400);
    hs_http_response_free(&r);
    assert_int_equal(call("GET", "/api/v1/scores", "index=h%73i", NULL, 0, &r), 200);
    hs_http_response_free(&r);
}

static void test_cache_and_etag(void **state)
{
    (void)state;
    hs_http_response a, b;
    assert_int_equal(call("GET", "/api/v1/ranks", "year=2020&index=hsi&ignored=1", NULL, 0, &a),
                     200);
    assert_int_equal(call("GET", "/api/v1/ranks", "index=hsi&year=2020", NULL, 0, &b), 200);
    assert_string_equal(a.etag, b.etag);
    assert_int_equal(a.body_len, b.body_len);
    assert_ptr_equal(a.body, b.body); /* the second came from the cache, shared */
    char inm[64];
    snprintf(inm, sizeof inm, "W/%s", a.etag);
    hs_http_response_free(&b);
    assert_int_equal(call("GET", "/api/v1/ranks", "index=hsi&year=2020", inm, 0, &b), 304);
    assert_int_equal(b.body_len, 0);
    hs_http_response_free(&b);
    assert_int_equal(call("GET", "/api/v1/ranks", "index=hsi&year=2020", "\"nope\"", 0, &b), 200);
    hs_http_response_free(&b);
    hs_http_response_free(&a);
}

/* The cache holds at most cache_bytes: a second API over the same store with a cap of 3
 * score lists keeps under it over 19 distinct queries, starting again when full, and still
 * answers from the cache what it holds; a response larger than the cap is not kept. */
static void test_cache_byte_cap(void **state)
{
    (void)state;
    hs_http_response r, r2;
    assert_int_equal(call("GET", "/api/v1/scores", "index=hsi&year=2010", NULL, 0, &r), 200);
    size_t one = r.body_len;
    hs_http_response_free(&r);
    assert_true(one > 1000);
    hs_api_opts ao;
    hs_api_opts_init(&ao);
    ao.root = HS_SOURCE_DIR;
    ao.cache_bytes = 3 * one + 1800;
    hs_api *small = NULL;
    hs_error err = {0};
    assert_int_equal(hs_api_new(NULL, db, &ao, &small, &err), HS_OK);
    size_t peak = 0, drops = 0, last = 0;
    for (int y = 2005; y <= 2023; y++) {
        char q[64];
        snprintf(q, sizeof q, "index=hsi&year=%d", y);
        hs_http_header h[1] = {{"X", "y"}};
        hs_http_request req = {"GET", "/api/v1/scores", q, h, 0, NULL, 0, 0, 0};
        hs_api_handle(small, &req, &r);
        assert_int_equal(r.status, 200);
        hs_api_handle(small, &req, &r2); /* from the cache: the same body, shared */
        assert_ptr_equal(r.body, r2.body);
        hs_http_response_free(&r2);
        hs_http_response_free(&r);
        size_t now = hsi_api_cache_bytes(small);
        assert_true(now > 0);
        assert_true(now <= ao.cache_bytes);
        if (now < last) drops++;
        last = now;
        peak = now > peak ? now : peak;
    }
    assert_true(drops >= 4); /* 19 lists, at most 3 at a time */
    assert_true(peak > 2 * one);
    hs_api_free(small);
    /* a cap smaller than one response: nothing is kept, every answer is still right */
    ao.cache_bytes = one / 2;
    assert_int_equal(hs_api_new(NULL, db, &ao, &small, &err), HS_OK);
    hs_http_request req = {"GET", "/api/v1/scores", "index=hsi&year=2010", NULL, 0, NULL, 0, 0, 0};
    hs_api_handle(small, &req, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, one);
    hs_http_response_free(&r);
    assert_int_equal(hsi_api_cache_bytes(small), 0);
    hs_api_free(small);
}

static void test_unreadable_store(void **state)
{
    (void)state;
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "DROP TABLE rank_interval", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    hs_http_response r;
    assert_int_equal(call("GET", "/api/v1/scores", "index=hsi&year=2019", NULL, 0, &r), 500);
    expect_code(&r, "internal");
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    assert_non_null(strstr(msg, "rank_interval"));
    assert_non_null(strstr(msg, path));
    json_decref(j);
    hs_http_response_free(&r);
    /* what does not need the table still answers */
    assert_int_equal(call("GET", "/api/v1/countries", NULL, NULL, 0, &r), 200);
    hs_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_cache_and_etag),
        cmocka_unit_test(test_cache_byte_cap),
        cmocka_unit_test(test_unreadable_store),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
