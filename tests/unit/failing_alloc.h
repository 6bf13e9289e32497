/* failing_alloc.h - the allocator of the allocation-failure tests (STYLE 9): counts every
 * allocation, fails the fail_at-th one (1-based; 0 = never) and tracks the blocks still
 * live, so a test can check that each failure freed everything. Pass it to hs_ctx_new with
 * a failing record as its user data. */
#ifndef HS_TEST_FAILING_ALLOC_H
#define HS_TEST_FAILING_ALLOC_H

#include <stdlib.h>

typedef struct failing {
    long count;   /* allocations so far */
    long fail_at; /* fail this one (1-based); 0 = never */
    long live;    /* blocks allocated and not freed */
    int failed;   /* the fail_at-th allocation was reached (and failed) */
} failing;

static void *failing_alloc(void *ud, void *ptr, size_t size)
{
    failing *f = ud;
    if (size == 0) {
        if (ptr) {
            f->live--;
            free(ptr);
        }
        return NULL;
    }
    f->count++;
    if (f->fail_at && f->count == f->fail_at) {
        f->failed = 1;
        return NULL;
    }
    void *p = realloc(ptr, size);
    if (p && !ptr) f->live++;
    return p;
}

#endif
