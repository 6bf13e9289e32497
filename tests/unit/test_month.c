/*
 * test_month.c - the library's one month parser and formatter (hs_month_parse,
 * hs_month_format) against VIEWS's month_id: 1 is January 1980, so January 1990 is 121 and
 * December 2023 is 528 (viewsforecasting.org, definitions; docs/methods.md section 5.2).
 */
#include "testutil.h"

#include <string.h>

#include "humsec.h"

static void test_views_month_ids(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int id;
    } known[] = {{"1980-01", 1}, {"1990-01", 121}, {"2023-12", 528},  {"2024-01", 529},
                 {"1979-12", 0}, {"1979-11", -1},  {"1900-01", -959}, {"2999-12", 12240}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int id = 12345;
        assert_int_equal(hs_month_parse(known[i].s, &id), 0);
        assert_int_equal(id, known[i].id);
        char out[HS_MONTH_LEN];
        hs_month_format(known[i].id, out);
        assert_string_equal(out, known[i].s);
    }
}

/* Exactly YYYY-MM: anything else is refused and leaves the month as it was. */
static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"",         "2023-1",   "2023-13",  "2023-00", "1899-12",
                                      "3000-01",  "2023-011", " 2023-01", "2023/01", "23-01",
                                      "2023-01 ", "202a-01",  "-023-01",  "2023--1", NULL};
    for (size_t i = 0; bad[i]; i++) {
        int id = 77;
        assert_int_equal(hs_month_parse(bad[i], &id), -1);
        assert_int_equal(id, 77);
    }
    int id = 77;
    assert_int_equal(hs_month_parse(NULL, &id), -1);
    /* any month_id fits in HS_MONTH_LEN, written whole */
    char out[HS_MONTH_LEN];
    hs_month_format(2000000000, out);
    assert_string_equal(out, "166668646-08");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views_month_ids),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
