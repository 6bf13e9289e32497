/*
 * test_alloc_fail.c - allocation-failure injection over the engine's build path: for every
 * N, build ASEM P1 (and the UNDP HDI) with an allocator that fails the Nth allocation. Every
 * failure must end in HS_ERR_NOMEM with no crash and nothing leaked (ASan/LeakSanitizer
 * check the leaks when this runs under the sanitizer build), and the allocator's live-block
 * count must be back to zero after each attempt.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failing_alloc.h"

/* Allocations (the context's included) of one unfailed build. */
static long count_allocations(const char *pipeline)
{
    failing f = {0, 0, 0, 0};
    hs_ctx *ctx = hs_ctx_new(failing_alloc, &f);
    assert_non_null(ctx);
    hs_build *b = NULL;
    hs_error err;
    assert_int_equal(hs_build_run(ctx, tu_path(pipeline), &b, &err), HS_OK);
    hs_build_free(b);
    assert_int_equal(f.live, 1); /* the context itself */
    hs_ctx_free(ctx);
    return f.count;
}

/* Build once without failures to count allocations, then fail each one in turn. Every
 * allocation of the build goes through the context's allocator (the library never calls
 * malloc itself when it has a context), so failing allocations 2..total covers all of them:
 * the test checks that each failing run really reached its Nth allocation and that the
 * sweep reached the unfailed run's count. */
static void sweep(const char *pipeline, long stride, long at_least)
{
    long total = count_allocations(pipeline);
    /* the sequence is deterministic, so allocation N is the same one in every run */
    assert_int_equal(count_allocations(pipeline), total);
    print_message("%s: %ld allocations, failing every %s\n", pipeline, total,
                  stride == 1 ? "one" : "stride-th one");
    /* a floor well below today's count: a counter that stopped counting cannot pass */
    if (total < at_least)
        fail_msg("%s: only %ld allocations counted (expected at least %ld)", pipeline, total,
                 at_least);
    hs_build *b;
    hs_error err;
    long tested = 0, last = 0;
    for (long n = 2; n <= total; n += stride) { /* allocation 1 is the context */
        failing g = {0, n, 0, 0};
        hs_ctx *c2 = hs_ctx_new(failing_alloc, &g);
        assert_non_null(c2);
        b = NULL;
        memset(&err, 0, sizeof err);
        hs_status st = hs_build_run(c2, tu_path(pipeline), &b, &err);
        if (st != HS_ERR_NOMEM)
            fail_msg("%s: allocation %ld failed but the build returned %d (%s)", pipeline, n, st,
                     err.msg);
        if (b) fail_msg("%s: allocation %ld failed but a build was returned", pipeline, n);
        if (g.live != 1)
            fail_msg("%s: allocation %ld failed and %ld block(s) leaked", pipeline, n, g.live - 1);
        if (!g.failed) fail_msg("%s: the build ended before allocation %ld", pipeline, n);
        hs_ctx_free(c2);
        tested++;
        last = n;
    }
    print_message("%s: failed allocations 2..%ld in turn (%ld runs)\n", pipeline, last, tested);
    if (stride == 1 && (last != total || tested != total - 1))
        fail_msg("%s: the sweep stopped at allocation %ld of %ld", pipeline, last, total);
}

static void test_p1_every_allocation(void **state)
{
    (void)state;
    sweep("examples/asem/p1.pipeline", 1, 500);
}

static void test_hdi_every_allocation(void **state)
{
    (void)state;
    sweep("examples/hdi/hdi.pipeline", 1, 600);
}

int main(void)
{
    hs_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p1_every_allocation),
        cmocka_unit_test(test_hdi_every_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
