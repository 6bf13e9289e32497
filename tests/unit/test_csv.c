/* test_csv.c - the CSV reader: accepted shapes and every rejection with its position. */
#include "testutil.h"

#include <string.h>

static hs_status parse(const char *text, hsi_csv *c, hs_error *err)
{
    memset(err, 0, sizeof *err);
    return hsi_csv_parse(NULL, text, strlen(text), "t.csv", c, err);
}

static void test_basic(void **state)
{
    (void)state;
    hsi_csv c;
    hs_error err;
    assert_int_equal(parse("\xEF\xBB\xBF"
                           "a,b\r\n1,\"x,\"\"y\"\"\"\r\n\r\n2,\"multi\nline\"\n",
                           &c, &err),
                     HS_OK);
    assert_int_equal(c.ncol, 2);
    assert_int_equal(c.nrow, 2);
    assert_string_equal(c.head[0], "a");
    assert_string_equal(hsi_csv_get(&c, 0, 1), "x,\"y\"");
    assert_string_equal(hsi_csv_get(&c, 1, 1), "multi\nline");
    assert_int_equal(c.line[1], 4);
    hsi_csv_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    struct {
        const char *text;
        long line, col;
        const char *needle;
    } cases[] = {
        {"", 1, 1, "empty file"},
        {"a,b\n1,2,3\n", 2, 1, "3 fields (expected 2"},
        {"a,b\n1,\"open\n", 2, 3, "unterminated"},
        {"a,b\n1,\"x\"y\n", 2, 6, "after closing quote"},
        {"a,b\n1,x\"y\n", 2, 4, "quote inside"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hsi_csv c;
        hs_error err;
        assert_int_equal(parse(cases[i].text, &c, &err), HS_ERR_PARSE);
        if (err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: got %ld:%ld %s", i, err.line, err.col, err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
