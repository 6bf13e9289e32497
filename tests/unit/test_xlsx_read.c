/* test_xlsx_read.c - the .xlsx sheet reader: each kind of cell as the text the CSV readers
 * take, positions as spreadsheet rows and columns, and every rejection with its message.
 * The workbooks are written here part by part (libzip), so each case is exactly the XML the
 * test states. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "core/xlsx_int.h"
#include "humsec.h"

#define NS   "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define NS_R "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

static const char wb_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook " NS " " NS_R "><sheets>"
    "<sheet name=\"iMeta\" sheetId=\"1\" r:id=\"rId2\"/>"
    "<sheet name=\"iData\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels_xml[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\" Type=\"http://schemas."
    "openxmlformats.org/officeDocument/2006/relationships/worksheet\"/>"
    "<Relationship Id=\"rId2\" Target=\"/xl/worksheets/sheet2.xml\" Type=\"http://schemas."
    "openxmlformats.org/officeDocument/2006/relationships/worksheet\"/>"
    "<Relationship Id=\"rId3\" Target=\"sharedStrings.xml\" Type=\"http://schemas."
    "openxmlformats.org/officeDocument/2006/relationships/sharedStrings\"/></Relationships>";
/* 0 uCode, 1 Value, 2 a rich-text "AUT" with a phonetic run that is not part of the text,
 * 3 "Time", 4 an empty string */
static const char sst_xml[] =
    "<?xml version=\"1.0\"?><sst " NS " count=\"5\" uniqueCount=\"5\">"
    "<si><t>uCode</t></si><si><t>Value</t></si>"
    "<si><r><t>A</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">UT</t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>ignored</t></rPh></si><si><t>Time</t></si><si><t/></si></sst>";

static const char empty_sheet_xml[] = "<worksheet " NS "><sheetData/></worksheet>";

static char book_path[512];

/* Write a workbook with the parts above, `sheet1` as iData's XML (NULL: leave the part out);
 * `wb` replaces workbook.xml when not NULL. */
static const char *write_book(const char *sheet1, const char *wb)
{
    snprintf(book_path, sizeof book_path, "%s/test_xlsx_%ld.xlsx", HS_BINARY_DIR, (long)getpid());
    int ze;
    zip_t *z = zip_open(book_path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                           "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"};
    const char *texts[] = {wb ? wb : wb_xml, rels_xml, sst_xml, sheet1, empty_sheet_xml};
    for (size_t i = 0; i < 5; i++) {
        if (!texts[i]) continue;
        zip_source_t *s = zip_source_buffer(z, texts[i], strlen(texts[i]), 0);
        assert_non_null(s);
        assert_true(zip_file_add(z, names[i], s, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    return book_path;
}

static hs_status read_sheet(const char *sheet1, const char *sheet, hsi_csv *c, hs_error *err)
{
    memset(err, 0, sizeof *err);
    hs_status st = hsi_xlsx_sheet_read(NULL, write_book(sheet1, NULL), sheet, c, err);
    (void)unlink(book_path);
    return st;
}

/* Every kind of cell, a blank row skipped, a short row padded with missing cells, and cell
 * positions as spreadsheet rows and columns. */
static void test_cells(void **state)
{
    (void)state;
    const char *sheet =
        "<worksheet " NS "><sheetData>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>3</v></c>"
        "<c r=\"C2\" t=\"s\"><v>1</v></c><c r=\"D2\" t=\"inlineStr\"><is><t>Flag</t></is></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c><c r=\"B3\"><v>2018</v></c>"
        "<c r=\"C3\"><v>390.79999114746801</v></c><c r=\"D3\" t=\"b\"><v>1</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" s=\"1\"/></row>"
        "<row r=\"5\"><c r=\"A5\" t=\"str\"><f>\"B\"&amp;\"EL\"</f><v>BEL</v></c>"
        "<c><v>1E-3</v></c><c r=\"C5\" t=\"e\"><v>#N/A</v></c><c r=\"D5\" t=\"b\"><v>0</v></c>"
        "</row><row r=\"7\"><c r=\"A7\" t=\"s\"><v>4</v></c><c r=\"B7\"><f>1+1</f><v>2</v></c>"
        "</row><row><c r=\"A8\" t=\"inlineStr\"><is><r><t>CH</t></r><r><t>N</t></r></is></c></row>"
        "</sheetData></worksheet>";
    hsi_csv c;
    hs_error err;
    assert_int_equal(read_sheet(sheet, "iData", &c, &err), HS_OK);
    assert_int_equal(c.ncol, 4);
    assert_int_equal(c.nrow, 4); /* rows 3, 5, 7 and 8; row 4 holds no value */
    char label[600];
    snprintf(label, sizeof label, "%s:iData", book_path);
    assert_string_equal(c.file, label);
    assert_int_equal(c.head_line, 2);
    const char *head[] = {"uCode", "Time", "Value", "Flag"};
    for (size_t j = 0; j < 4; j++)
        assert_string_equal(c.head[j], head[j]);
    /* the stored digits, not a reformatted number; shared "" and A7's empty string missing */
    const char *want[4][4] = {{"AUT", "2018", "390.79999114746801", "TRUE"},
                              {"BEL", "1E-3", "#N/A", "FALSE"},
                              {"", "2", "", ""},
                              {"CHN", "", "", ""}};
    long lines[] = {3, 5, 7, 8};
    for (size_t r = 0; r < 4; r++) {
        assert_int_equal(c.line[r], lines[r]);
        for (size_t j = 0; j < 4; j++) {
            assert_string_equal(hsi_csv_get(&c, r, j), want[r][j]);
            assert_int_equal(c.col[r * 4 + j], (long)j + 1);
        }
    }
    hsi_csv_free(&c);
}

/* Escapes "_xHHHH_" (ECMA-376 Part 1, 22.9.2.19 ST_Xstring) decoded as one character each, in
 * either case of hex; an escaped underscore keeps what follows literal; a UTF-16 pair is one
 * character; NUL, half a pair and a short form are kept as written. */
static void test_escapes(void **state)
{
    (void)state;
#define XL_IS(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text "</t></is></c>"
    const char *sheet = "<worksheet " NS "><sheetData><row r=\"1\">" XL_IS("A1", "uCode")
        XL_IS("B1", "a") XL_IS("C1", "b") XL_IS("D1", "c") XL_IS("E1", "d")
            XL_IS("F1", "e") "</row><row r=\"2\">" XL_IS("A2", "Line_x000A_break")
                XL_IS("B2", "_x005F_x0041_") XL_IS("C2", "_xD83D__xDE00_ and _x00e9__x00C9_")
                    XL_IS("D2", "_x0000_|_xDC00_|_xD800_x") XL_IS("E2", "_x41_ _x004G_ _x0041")
                        XL_IS("F2", "__x0041__") "</row></sheetData></worksheet>";
#undef XL_IS
    hsi_csv c;
    hs_error err;
    assert_int_equal(read_sheet(sheet, "iData", &c, &err), HS_OK);
    assert_int_equal(c.nrow, 1);
    const char *want[] = {"Line\nbreak",
                          "_x0041_",
                          "\xF0\x9F\x98\x80 and \xC3\xA9\xC3\x89",
                          "_x0000_|_xDC00_|_xD800_x",
                          "_x41_ _x004G_ _x0041",
                          "_A_"};
    for (size_t j = 0; j < 6; j++)
        assert_string_equal(hsi_csv_get(&c, 0, j), want[j]);
    hsi_csv_free(&c);
}

/* A message of the table readers at row 7, column 3 of the sheet names the cell. */
static void test_err_cell(void **state)
{
    (void)state;
    hs_error err;
    (void)hsi_err(&err, HS_ERR_PARSE, "b.xlsx:iData", 7, 3, "value 'x' is not a number");
    hsi_xlsx_err_cell(&err, "b.xlsx:iData");
    char buf[256];
    hs_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "b.xlsx:iData!C7: value 'x' is not a number");
    (void)hsi_err(&err, HS_ERR_PARSE, "b.xlsx:iData", 1, 0, "column twice");
    hsi_xlsx_err_cell(&err, "b.xlsx:iData");
    hs_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "b.xlsx:iData!1:1: column twice");
    (void)hsi_err(&err, HS_ERR_PARSE, "b.xlsx:iData", 2, 703, "x");
    hsi_xlsx_err_cell(&err, "b.xlsx:iData");
    assert_string_equal(err.file, "b.xlsx:iData!AAA2");
    /* another file's message is left as it is */
    (void)hsi_err(&err, HS_ERR_PARSE, "p.pipeline", 2, 5, "x");
    hsi_xlsx_err_cell(&err, "b.xlsx:iData");
    hs_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "p.pipeline:2:5: x");
    assert_true(hsi_xlsx_is_book("a/B.XLSX"));
    assert_false(hsi_xlsx_is_book("a.csv"));
    assert_false(hsi_xlsx_is_book(".xlsx"));
}

/* Each rejection: the whole formatted message, with the book's name in place of BOOK. */
static void test_errors(void **state)
{
    (void)state;
    static const char *row_a1 = "<worksheet " NS "><sheetData><row r=\"1\">"
                                "<c r=\"A1\" t=\"s\"><v>0</v></c>";
    struct {
        const char *sheet, *tail, *want;
    } cases[] = {
        {"iData", "<c r=\"B1\"><f>SUM(A2:A9)</f></c></row></sheetData></worksheet>",
         "BOOK:iData!B1: formula without a stored result (open and save the workbook in a "
         "spreadsheet program, or paste the values, so the cell holds its value)"},
        {"iData", "<c r=\"B1\"></row></sheetData></worksheet>",
         "BOOK:xl/worksheets/sheet1.xml:1:140: broken XML: mismatched tag"},
        {"Sheet9", "</row></sheetData></worksheet>",
         "BOOK: no sheet 'Sheet9' (the workbook has: iMeta, iData)"},
        {"iMeta", "", "BOOK:iMeta: the sheet is empty (expected a header row)"},
        {"iData", "</row><row r=\"2\"><c r=\"C2\"><v>1</v></c></row></sheetData></worksheet>",
         "BOOK:iData!C2: value beyond the header's last column (A1: every column needs a name "
         "in row 1)"},
        {"iData", "<c r=\"A1\"><v>1</v></c></row></sheetData></worksheet>",
         "BOOK:iData!A1: cell given twice in the sheet"},
        {"iData", "<c r=\"B1\" t=\"s\"><v>9</v></c></row></sheetData></worksheet>",
         "BOOK:iData!B1: shared string 9 does not exist (the workbook has 5)"},
        {"iData", "<c r=\"B1\" t=\"b\"><v>2</v></c></row></sheetData></worksheet>",
         "BOOK:iData!B1: boolean cell that is neither 0 nor 1"},
        {"iData", "<c r=\"XFE1\"><v>2</v></c></row></sheetData></worksheet>",
         "BOOK:xl/worksheets/sheet1.xml:1:128: cell reference 'XFE1' is not a cell such as C7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[1024], want[1024], got[1024];
        snprintf(xml, sizeof xml, "%s%s", row_a1, cases[i].tail);
        hsi_csv c;
        hs_error err;
        hs_status st = read_sheet(xml, cases[i].sheet, &c, &err);
        if (st == HS_OK) fail_msg("case %zu: read", i);
        hs_error_format(&err, got, sizeof got);
        const char *b = strstr(cases[i].want, "BOOK");
        snprintf(want, sizeof want, "%.*s%s%s", (int)(b - cases[i].want), cases[i].want, book_path,
                 b + 4);
        if (strcmp(got, want) != 0) fail_msg("case %zu:\n got  %s\n want %s", i, got, want);
    }
}

/* Files that are no workbook, or a damaged one. */
static void test_not_books(void **state)
{
    (void)state;
    hsi_csv c;
    hs_error err;
    char got[1024];
    static const unsigned char xls[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0};
    struct {
        const void *data;
        size_t len;
        const char *want;
    } cases[] = {
        {"uCode,Time\nAUT,2018\n", 20,
         "m.xlsx: not an .xlsx workbook (not a zip archive; expected a workbook saved as .xlsx)"},
        {xls, sizeof xls,
         "m.xlsx: an Excel 97-2003 .xls file or a password-protected workbook (expected an "
         ".xlsx workbook: save it as Excel Workbook without a password)"},
        {"", 0, "m.xlsx: empty file (expected an .xlsx workbook)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_not_equal(
            hsi_xlsx_sheet_parse(NULL, cases[i].data, cases[i].len, "m.xlsx", "iData", &c, &err),
            HS_OK);
        hs_error_format(&err, got, sizeof got);
        if (strcmp(got, cases[i].want) != 0) fail_msg("case %zu: %s", i, got);
    }
    /* a DTD is refused before any entity can expand */
    const char *dtd = "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaa\">]><workbook/>";
    memset(&err, 0, sizeof err);
    assert_int_equal(hsi_xlsx_sheet_read(NULL, write_book(NULL, dtd), "iData", &c, &err),
                     HS_ERR_PARSE);
    (void)unlink(book_path);
    assert_non_null(strstr(err.msg, "document type declaration"));
    assert_non_null(strstr(err.file, ":xl/workbook.xml"));
    /* the sheet named in the workbook but its part missing */
    memset(&err, 0, sizeof err);
    assert_int_equal(read_sheet(NULL, "iData", &c, &err), HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "sheet 'iData' is missing from the workbook"));
    /* a byte of the first part's compressed data changed: a decompression, checksum or XML
     * error in that part, never a table */
    FILE *fp = fopen(write_book(NULL, NULL), "rb");
    assert_non_null(fp);
    unsigned char raw[4096];
    size_t n = fread(raw, 1, sizeof raw, fp);
    (void)fclose(fp);
    (void)unlink(book_path);
    assert_true(n > 100 && memcmp(raw + 30, "xl/workbook.xml", 15) == 0);
    raw[50] ^= 0x55;
    memset(&err, 0, sizeof err);
    assert_int_equal(hsi_xlsx_sheet_parse(NULL, raw, n, "m.xlsx", "iData", &c, &err), HS_ERR_PARSE);
    assert_string_equal(err.file, "m.xlsx:xl/workbook.xml");
    memset(&err, 0, sizeof err);
    assert_int_equal(hsi_xlsx_sheet_read(NULL, "no-such.xlsx", "iData", &c, &err), HS_ERR_IO);
    hs_error_format(&err, got, sizeof got);
    assert_string_equal(got, "no-such.xlsx: cannot open file: No such file or directory");
}

/* A build from texts in memory takes CSV: a pipeline naming a workbook is refused with a
 * message that says so, not read as a broken CSV table. */
static void test_mem_refuses_books(void **state)
{
    (void)state;
    static const char meta[] = "Level,iCode,iName,Direction,Weight,Parent,Type\n"
                               "1,i1,one,1,1,Idx,Indicator\n"
                               "2,Idx,index,1,1,,Aggregate\n";
    static const char data[] = "uCode,i1\nA,1\nB,2\n";
    static const char *const pipes[] = {"structure = book.xlsx\n[data]\nfile = d.csv\n",
                                        "structure = m.csv\n[data]\nfile = book.XLSX\n"};
    for (size_t k = 0; k < 2; k++) {
        hs_build_src src = {sizeof src, "mem.pipeline",  pipes[k], strlen(pipes[k]),
                            meta,       sizeof meta - 1, data,     sizeof data - 1};
        hs_build *b = NULL;
        hs_error err = {0};
        assert_int_equal(hs_build_run_mem(NULL, &src, &b, &err), HS_ERR_USAGE);
        assert_null(b);
        assert_string_equal(err.file, "mem.pipeline");
        assert_non_null(strstr(err.msg, k ? "'book.XLSX'" : "'book.xlsx'"));
        assert_non_null(strstr(err.msg, "takes CSV texts"));
    }
    /* the same texts naming CSV files build */
    static const char ok[] = "structure = m.csv\n[data]\nfile = d.csv\n[aggregate]\n";
    hs_build_src src = {sizeof src, "mem.pipeline",  ok,   sizeof ok - 1,
                        meta,       sizeof meta - 1, data, sizeof data - 1};
    hs_build *b = NULL;
    hs_error err = {0};
    assert_int_equal(hs_build_run_mem(NULL, &src, &b, &err), HS_OK);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells),     cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_err_cell),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_not_books), cmocka_unit_test(test_mem_refuses_books),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
