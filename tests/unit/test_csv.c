/* test_csv.c - the CSV reader: accepted shapes and every rejection with its position. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Whole text files: a NUL byte in the first block (binary content; /dev/zero), gzip bytes and
 * a line over HSI_MAX_LINE are refused with their position; a line of exactly the limit is
 * read. */
static void test_read_text(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/hs_test_text_%ld.csv", (long)getpid());
    char *text = NULL;
    size_t len = 0;
    hs_error err;
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("a,b\n1,2\nx,", fp);
    fputc('\0', fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(hsi_read_text(NULL, path, &text, &len, &err), HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "binary content (a NUL byte)"));
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 3);
    assert_int_equal(hsi_read_text(NULL, "/dev/zero", &text, &len, &err), HS_ERR_PARSE);
    assert_int_equal(err.line, 1);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("\x1f\x8b\x08", fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(hsi_read_text(NULL, path, &text, &len, &err), HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "gzip-compressed"));
    for (size_t extra = 0; extra < 2; extra++) { /* HSI_MAX_LINE bytes, then one more */
        fp = fopen(path, "wb");
        assert_non_null(fp);
        fputs("h\n", fp);
        for (size_t i = 0; i < HSI_MAX_LINE + extra; i++)
            fputc('x', fp);
        fputs("\nz\n", fp);
        assert_int_equal(fclose(fp), 0);
        hs_status st = hsi_read_text(NULL, path, &text, &len, &err);
        if (!extra) {
            assert_int_equal(st, HS_OK);
            assert_int_equal(len, 2 + HSI_MAX_LINE + 3);
            free(text);
        } else {
            assert_int_equal(st, HS_ERR_PARSE);
            assert_int_equal(err.line, 2);
            assert_non_null(strstr(err.msg, "line longer than 1048576 bytes"));
        }
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_read_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
