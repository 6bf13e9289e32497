/*
 * testutil.h - helpers shared by the tests: reading reference CSVs (COINr, UNDP, INFORM)
 * and comparing numbers with a stated tolerance.
 */
#ifndef HS_TESTUTIL_H
#define HS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#ifdef __clang_analyzer__
/* A failed cmocka assertion leaves the test by longjmp, which static analysis cannot see;
 * for the analyser alone, the assertions used as guards end the program instead. */
#include <stdint.h>
#include <stdlib.h>
#undef assert_true
#define assert_true(c) ((c) ? (void)0 : abort())
#undef assert_non_null
#define assert_non_null(c) ((c) ? (void)0 : abort())
#undef assert_int_equal
#define assert_int_equal(a, b) (((uintmax_t)(a) == (uintmax_t)(b)) ? (void)0 : abort())
#endif

#include "humsec.h"
#include "core/csv_int.h"

#include <stdio.h>

/* A sink writing to a stdio stream (the library's writers take sinks, never a FILE *). */
static inline hs_status tu_file_write(void *ud, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) == len ? HS_OK : HS_ERR_IO;
}
static inline hs_sink tu_file_sink(FILE *fp)
{
    hs_sink s;
    hs_sink_init(&s, tu_file_write, fp);
    return s;
}

/* Path of a file in the source tree, e.g. tu_path("data/asem/iData.csv"). Static buffer
 * per call slot (8 slots, rotating): fine for tests. */
const char *tu_path(const char *rel);

/* Read a CSV or fail the test. */
void tu_csv_load(const char *path, hsi_csv *out);

/* Parse a reference cell: "NA" or "" -> NaN, else a double (fails the test otherwise). */
double tu_num(const char *s);

/* Row of a reference CSV whose column `key` equals `value`; fails the test if absent. */
size_t tu_row(const hsi_csv *c, const char *key, const char *value);

/* Equal within tol: relative for |expected| >= 1, absolute below (the rule).
 * Both NaN counts as equal. Returns 1 if close. */
int tu_close(double got, double expected, double tol);

/* Fail the test with a message naming `what` unless tu_close. */
#define TU_ASSERT_CLOSE(got, exp, tol, what)                                                       \
    do {                                                                                           \
        double g_ = (got), e_ = (exp);                                                             \
        if (!tu_close(g_, e_, (tol)))                                                              \
            fail_msg("%s: got %.17g, expected %.17g (tol %g)", (what), g_, e_, (double)(tol));     \
    } while (0)

#endif
