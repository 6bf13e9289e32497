/* test_sink.c - output sinks (include/humsec.h, "Output"): the memory buffer, the file of
 * hs_outfile, sinks that are not set up, and sinks that fail part-way, for each writer that
 * takes one: the writer stops, returns the sink's status and names what it was writing,
 * also when several threads format the panel. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core_int.h"

/* A sink that takes `left` calls and fails the next one with `fail`. */
typedef struct failing {
    int left, calls;
    hs_status fail;
    size_t bytes;
} failing;

static hs_status failing_write(void *ud, const char *buf, size_t len)
{
    failing *f = ud;
    assert_non_null(buf);
    assert_true(len > 0);
    f->calls++;
    if (f->left-- <= 0) return f->fail;
    f->bytes += len;
    return HS_OK;
}

static void test_membuf(void **state)
{
    (void)state;
    hs_membuf *m = NULL;
    hs_error err;
    assert_int_equal(hs_membuf_new(NULL, &m, &err), HS_OK);
    assert_string_equal(hs_membuf_data(m), "");
    assert_int_equal(hs_membuf_len(m), 0);
    hs_sink s;
    hs_membuf_sink(m, &s);
    assert_int_equal(s.size, sizeof s);
    assert_int_equal(s.write(s.ud, "ab", 2), HS_OK);
    assert_int_equal(s.write(s.ud, "c\0d", 3), HS_OK); /* bytes, not strings */
    assert_int_equal(hs_membuf_len(m), 5);
    assert_memory_equal(hs_membuf_data(m), "abc\0d", 6); /* and a NUL after them */
    hs_membuf_free(m);
    hs_membuf_free(NULL);
    assert_string_equal(hs_membuf_data(NULL), "");
}

/* A sink not set with hs_sink_init (another size, no function) or none at all is refused
 * before anything is written. */
static void test_bad_sink(void **state)
{
    (void)state;
    hs_error err;
    hs_alert a = {.unit = 625, .month_id = 500};
    hs_sink none = {0};
    assert_int_equal(hs_alerts_write_csv(&a, 1, HS_PANEL_COUNTRY, NULL, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "hs_sink_init"));
    assert_int_equal(hs_alerts_write_csv(&a, 1, HS_PANEL_COUNTRY, &none, &err), HS_ERR_USAGE);
    failing f = {.left = 100};
    hs_sink s;
    hs_sink_init(&s, failing_write, &f);
    s.size = sizeof s + 8;
    assert_int_equal(hs_alerts_write_csv(&a, 1, HS_PANEL_COUNTRY, &s, &err), HS_ERR_USAGE);
    s.size = sizeof s;
    s.write = NULL;
    assert_int_equal(hs_alerts_write_csv(&a, 1, HS_PANEL_COUNTRY, &s, &err), HS_ERR_USAGE);
    assert_int_equal(f.calls, 0);
}

static hs_panel *grid_panel(int threads)
{
    hs_panel_opts o;
    hs_panel_opts_init(&o);
    o.level = HS_PANEL_GRID;
    o.threads = threads;
    const char *path = tu_path("data/ucdp/ged_car_v23_1.csv");
    hs_panel *p = NULL;
    hs_error err;
    if (hs_panel_from_files(NULL, &path, 1, NULL, &o, &p, &err) != HS_OK)
        fail_msg("panel: %s", err.msg);
    return p;
}

/* The grid panel has many chunks: a sink failing at the header, at the first chunk or later
 * stops every thread (none waits for a turn that never comes) and the status is the sink's. */
static void test_panel_fails(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; threads += 3) {
        hs_panel *p = grid_panel(threads);
        failing all = {.left = 1 << 30};
        hs_sink s;
        hs_sink_init(&s, failing_write, &all);
        hs_error err;
        assert_int_equal(hs_panel_write_csv(p, &s, &err), HS_OK);
        assert_true(all.calls > 4); /* the header and several chunks */
        static const int at[] = {0, 1, 3};
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            failing f = {.left = at[k], .fail = HS_ERR_IO};
            hs_sink_init(&s, failing_write, &f);
            memset(&err, 0, sizeof err);
            assert_int_equal(hs_panel_write_csv(p, &s, &err), HS_ERR_IO);
            assert_string_equal(err.msg, "cannot write the panel");
            assert_int_equal(f.calls, at[k] + 1); /* nothing after the failure */
            assert_true(f.bytes < all.bytes);
        }
        hs_panel_free(p);
    }
}

/* The panel through memory is the panel through a file, byte for byte, and written whole
 * only when the file is kept. */
static void test_outfile_sink(void **state)
{
    (void)state;
    hs_panel *p = grid_panel(2);
    hs_membuf *m = NULL;
    hs_error err;
    hs_sink s;
    assert_int_equal(hs_membuf_new(NULL, &m, &err), HS_OK);
    hs_membuf_sink(m, &s);
    assert_int_equal(hs_panel_write_csv(p, &s, &err), HS_OK);
    char dir[] = "/tmp/hs_sink_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/panel.csv", dir);
    for (int keep = 0; keep <= 1; keep++) {
        hs_outfile *of = NULL;
        assert_int_equal(hs_outfile_open(NULL, path, NULL, 0, &of, &err), HS_OK);
        hs_outfile_sink(of, &s);
        assert_int_equal(hs_panel_write_csv(p, &s, &err), HS_OK);
        assert_int_equal(hs_outfile_close(of, keep, &err), HS_OK);
        assert_int_equal(access(path, F_OK) == 0, keep);
    }
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(hsi_read_file(NULL, path, &text, &len, &err), HS_OK);
    assert_int_equal(len, hs_membuf_len(m));
    assert_memory_equal(text, hs_membuf_data(m), len);
    assert_true(strncmp(text, "month_id,year,month,gid,", 24) == 0);
    free(text);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
    hs_membuf_free(m);
    hs_panel_free(p);
}

/* Alerts are written in pieces of about HSI_SINK_CHUNK bytes: many alerts take several
 * calls, and a failure at any of them is the sink's status. */
static void test_alerts_fail(void **state)
{
    (void)state;
    enum { N = 4000 };
    hs_alert *a = calloc(N, sizeof *a);
    assert_non_null(a);
    for (size_t i = 0; i < N; i++) {
        a[i].unit = (long)i + 1;
        a[i].month_id = 500;
        a[i].pvalue = 0.001;
        snprintf(a[i].explanation, sizeof a[i].explanation, "a \"quoted\" rise, number %zu", i);
    }
    failing all = {.left = 1 << 30};
    hs_sink s;
    hs_sink_init(&s, failing_write, &all);
    hs_error err;
    assert_int_equal(hs_alerts_write_csv(a, N, HS_PANEL_COUNTRY, &s, &err), HS_OK);
    assert_true(all.calls > 2);
    failing f = {.left = 1, .fail = HS_ERR_NOMEM};
    hs_sink_init(&s, failing_write, &f);
    assert_int_equal(hs_alerts_write_csv(a, N, HS_PANEL_COUNTRY, &s, &err), HS_ERR_NOMEM);
    assert_string_equal(err.msg, "cannot write the alerts");
    assert_int_equal(f.calls, 2);
    /* the quotes of an explanation are doubled */
    hs_membuf *m = NULL;
    assert_int_equal(hs_membuf_new(NULL, &m, &err), HS_OK);
    hs_membuf_sink(m, &s);
    assert_int_equal(hs_alerts_write_csv(a, 1, HS_PANEL_GRID, &s, &err), HS_OK);
    assert_string_equal(hs_membuf_data(m),
                        "month_id,year,month,gid,observed,expected,pvalue,qvalue,score,"
                        "explanation\n500,2021,8,1,0,0,0.001,0,0,\"a \"\"quoted\"\" rise, "
                        "number 0\"\n");
    hs_membuf_free(m);
    free(a);
}

/* The explanation is made whole, then written in one call: a failing sink gets that call. */
static void test_explain_fails(void **state)
{
    (void)state;
    hs_build *b = NULL;
    hs_error err;
    if (hs_build_run(NULL, tu_path("examples/asem/p1.pipeline"), &b, &err) != HS_OK)
        fail_msg("build: %s", err.msg);
    failing f = {.fail = HS_ERR_IO};
    hs_sink s;
    hs_sink_init(&s, failing_write, &f);
    assert_int_equal(hs_build_explain(b, "AUT", &s, &err), HS_ERR_IO);
    assert_string_equal(err.msg, "cannot write the explanation");
    assert_int_equal(f.calls, 1);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_membuf),      cmocka_unit_test(test_bad_sink),
        cmocka_unit_test(test_panel_fails), cmocka_unit_test(test_outfile_sink),
        cmocka_unit_test(test_alerts_fail), cmocka_unit_test(test_explain_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
