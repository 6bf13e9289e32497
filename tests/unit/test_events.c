/*
 * test_events.c - the GED/ACLED row reader (every rejection with its message and position,
 * the warnings), the streaming reader across buffer refills, month_id and PRIO-GRID gid
 * against docs/methods.md section 5.2, the alert p-values against hand-computed negative-binomial
 * tails, Benjamini-Hochberg and the forecast metrics against hand-computed values.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events/events_int.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

static const char ged_head[] =
    "id,year,active_year,type_of_violence,conflict_new_id,conflict_name,dyad_new_id,dyad_name,"
    "side_a_new_id,side_a,side_b_new_id,side_b,number_of_sources,where_prec,where_coordinates,"
    "adm_1,adm_2,latitude,longitude,priogrid_gid,country,country_id,region,event_clarity,"
    "date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,"
    "low\n";

/* A valid row; tests replace one field. Fields: 0 id, 1 year, 3 type, 13 where_prec,
 * 17 latitude, 18 longitude, 19 priogrid_gid, 21 country_id, 24 date_prec, 25 date_start,
 * 26 date_end, 27-30 deaths, 31 best, 32 high, 33 low. */
static const char *const good[34] = {"22810",
                                     "1992",
                                     "0",
                                     "3",
                                     "464",
                                     "\"Government of CAR - Civilians\"",
                                     "931",
                                     "x",
                                     "86",
                                     "\"Gov, CAR\"",
                                     "1",
                                     "Civilians",
                                     "-1",
                                     "1",
                                     "Bangui city",
                                     "Bangui",
                                     "Bangui",
                                     "4.366667",
                                     "18.583333",
                                     "135758",
                                     "Central African Republic",
                                     "482",
                                     "Africa",
                                     "1",
                                     "1",
                                     "1992-08-01",
                                     "1992-08-01",
                                     "0",
                                     "0",
                                     "1",
                                     "2",
                                     "3",
                                     "3",
                                     "3"};

/* Build the header plus one row with field k set to v (k < 0: unchanged). */
static void make_file(char *buf, size_t n, int k, const char *v)
{
    size_t len = (size_t)snprintf(buf, n, "%s", ged_head);
    for (int j = 0; j < 34; j++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", j ? "," : "", j == k ? v : good[j]);
    snprintf(buf + len, n - len, "\n");
}

/* Read every event of an in-memory file; returns the status of the first failure. */
static hs_status read_all(const char *text, size_t *nev, hsi_event *last, hs_error *err)
{
    hsi_evfile f;
    memset(err, 0, sizeof *err);
    hs_status st = hsi_evfile_open_mem(NULL, text, strlen(text), "t.csv", NULL, &f, err);
    if (st != HS_OK) return st;
    *nev = 0;
    for (;;) {
        hsi_event ev;
        int eof = 0;
        st = hsi_evfile_next(&f, &ev, &eof, err);
        if (st != HS_OK || eof) break;
        ++*nev;
        if (last) *last = ev;
    }
    hsi_evfile_close(&f);
    return st;
}

static void test_good_row(void **state)
{
    (void)state;
    char buf[4096];
    make_file(buf, sizeof buf, -1, NULL);
    size_t n = 0;
    hsi_event ev;
    hs_error err;
    assert_int_equal(read_all(buf, &n, &ev, &err), HS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ev.eid, "22810");
    assert_int_equal(ev.type, 3);
    assert_int_equal(ev.country, 482);
    assert_int_equal(ev.best, 3);
    assert_int_equal(ev.gid, 135758);
    assert_int_equal(ev.warn, 0);
    assert_int_equal(ev.y0 * 100 + ev.m0, 199208);
}

/* docs/methods.md section 5.1: every malformed row gets its own message with file:line:col. */
static void test_malformed_rows(void **state)
{
    (void)state;
    struct {
        int field;
        const char *value;
        const char *needle;
    } cases[] = {
        {0, "", "id '' is not a whole number"},
        {0, "12a", "id '12a' is not a whole number"},
        {0, "0", "id 0 is outside"},
        {1, "1993", "year 1993 disagrees with date_start 1992-08-01"},
        {3, "4", "unknown type_of_violence 4"},
        {3, "x", "type_of_violence 'x' is not a whole number"},
        {13, "8", "where_prec 8 is outside 1..7"},
        {13, "0", "where_prec 0 is outside 1..7"},
        {17, "91", "latitude 91 is outside -90..90"},
        {17, "north", "latitude 'north' is not a number"},
        {18, "-180.5", "longitude -180.5 is outside -180..180"},
        {18, "", "longitude '' is not a number"},
        {19, "259201", "priogrid_gid 259201 is outside"},
        {21, "Kenya", "country_id 'Kenya' is not a whole number"},
        {24, "6", "date_prec 6 is outside 1..5"},
        {25, "1992-13-01", "date_start '1992-13-01' is not a valid date"},
        {25, "1992-02-30", "date_start '1992-02-30' is not a valid date"},
        {25, "01/08/1992", "date_start '01/08/1992' is not a valid date"},
        {26, "1992-07-31", "date_end 1992-07-31 is before date_start 1992-08-01"},
        {26, "1992-8-1", "date_end '1992-8-1' is not a valid date"},
        {31, "-3", "best -3 is outside 0..10000000"},
        {31, "3.5", "best '3.5' is not a whole number"},
        {32, "many", "high 'many' is not a whole number"},
        {29, "-1", "deaths_civilians -1 is outside"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[4096];
        make_file(buf, sizeof buf, cases[i].field, cases[i].value);
        size_t n;
        hs_error err;
        hs_status st = read_all(buf, &n, NULL, &err);
        if (st != HS_ERR_PARSE || err.line != 2 || err.col < 1 || strcmp(err.file, "t.csv") != 0 ||
            !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu (field %d = '%s'): status %d, %s:%ld:%ld: %s", i, cases[i].field,
                     cases[i].value, st, err.file, err.line, err.col, err.msg);
    }
}

/* Errors the row reader finds before fields are interpreted, and header errors. */
static void test_structural_errors(void **state)
{
    (void)state;
    char buf[4096];
    size_t n;
    hs_error err;
    struct {
        const char *text;
        long line, col;
        const char *needle;
    } cases[] = {
        {"", 1, 1, "empty file"},
        {"a,b\n1,2\n", 1, 1, "not an event file"},
        {"id,year,type_of_violence\n1,2,3\n", 1, 1, "lacks the column 'country_id'"},
        {"event_id_cnty,event_date\nX1,2020-01-01\n", 1, 1, "lacks the column 'event_type'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_status st = read_all(cases[i].text, &n, NULL, &err);
        if (st != HS_ERR_PARSE || err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: %d %ld:%ld %s", i, st, err.line, err.col, err.msg);
    }
    /* ragged row */
    make_file(buf, sizeof buf, -1, NULL);
    size_t blen = strlen(buf);
    snprintf(buf + blen - 1, sizeof buf - (blen - 1), ",extra\n");
    assert_int_equal(read_all(buf, &n, NULL, &err), HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "row has 35 fields (expected 34"));
    assert_int_equal(err.line, 2);
    /* unterminated quote, quote inside a field, text after a closing quote, NUL byte */
    const char *tails[][2] = {{"\"open\n", "unterminated quoted field"},
                              {"ab\"c\n", "quote inside an unquoted field"},
                              {"\"ab\"c\n", "text after closing quote"},
                              {"a\rb\n", "carriage return not followed"}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, "%s1,%s", ged_head, tails[i][0]);
        assert_int_equal(read_all(buf, &n, NULL, &err), HS_ERR_PARSE);
        if (!strstr(err.msg, tails[i][1]) || err.line != 2)
            fail_msg("tail %zu: %ld:%ld %s", i, err.line, err.col, err.msg);
    }
    char nul[] = "a,b\n1,x\0y\n";
    hsi_rdr *r;
    hsi_rec rec;
    int eof;
    assert_int_equal(hsi_rdr_open_mem(NULL, nul, sizeof nul - 1, "n.csv", &r, &err), HS_OK);
    /* found in the first block, before its first record is handed out */
    assert_int_equal(hsi_rdr_next(r, &rec, &eof, &err), HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "binary content (a NUL byte)"));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 4);
    hsi_rdr_close(r);
}

static void test_warnings(void **state)
{
    (void)state;
    char buf[4096];
    size_t n;
    hsi_event ev;
    hs_error err;
    make_file(buf, sizeof buf, 33, "4"); /* low 4 > best 3 */
    assert_int_equal(read_all(buf, &n, &ev, &err), HS_OK);
    assert_true(ev.warn & HSI_W_RANGE);
    make_file(buf, sizeof buf, 30, "5"); /* deaths sum 6 != best 3 */
    assert_int_equal(read_all(buf, &n, &ev, &err), HS_OK);
    assert_true(ev.warn & HSI_W_SUM);
    make_file(buf, sizeof buf, 19, "135759");
    assert_int_equal(read_all(buf, &n, &ev, &err), HS_OK);
    assert_true(ev.warn & HSI_W_GID);
    char msg[512];
    hsi_ev_warn_text(&ev, HSI_W_GID, msg, sizeof msg);
    assert_non_null(strstr(msg, "priogrid_gid 135759 differs from 135758"));
}

/* Quoted commas, doubled quotes, CRLF, a BOM, the 49-column date-time form. */
static void test_reader_shapes(void **state)
{
    (void)state;
    char buf[8192];
    make_file(buf, sizeof buf, 9, "\"Gov \"\"X\"\", CAR\r\nsecond line\"");
    char crlf[8192] = "\xEF\xBB\xBF";
    size_t k = 3;
    for (const char *p = buf; *p; p++) {
        if (*p == '\n' && p[-1] != '\r') crlf[k++] = '\r';
        crlf[k++] = *p;
    }
    crlf[k] = '\0';
    size_t n;
    hsi_event ev;
    hs_error err;
    assert_int_equal(read_all(crlf, &n, &ev, &err), HS_OK);
    assert_int_equal(n, 1);
    make_file(buf, sizeof buf, 25, "1992-08-01 00:00:00.000");
    assert_int_equal(read_all(buf, &n, &ev, &err), HS_OK);
    assert_int_equal(ev.d0, 1);
}

/* Quoted fields of every length from 0 to 40 with a doubled quote or a newline at every
 * position, so that the closing quote and the newlines fall at each offset of the reader's
 * eight-byte scan: the field reads back unescaped and line numbers stay right. */
static void test_reader_quoted_scan(void **state)
{
    (void)state;
    for (size_t len = 0; len <= 40; len++)
        for (size_t at = 0; at <= len; at++)
            for (int kind = 0; kind < 3; kind++) {
                char text[64], want[64], csv[256];
                size_t t = 0, w = 0, nl = 0;
                for (size_t i = 0; i < len; i++) {
                    char c = (char)('a' + (char)(i % 26));
                    if (i == at && kind == 1) {
                        text[t++] = '"';
                        text[t++] = '"';
                        want[w++] = '"';
                        continue;
                    }
                    if (i == at && kind == 2) {
                        c = '\n';
                        nl++;
                    }
                    if (i % 7 == 3 && kind == 0) c = ','; /* commas inside quotes */
                    text[t++] = c;
                    want[w++] = c;
                }
                text[t] = want[w] = '\0';
                int n = snprintf(csv, sizeof csv, "a,b,c\n1,\"%s\",2\n3,x,4\n", text);
                hsi_rdr *r;
                hsi_rec rec;
                int eof = 0;
                hs_error err;
                assert_int_equal(hsi_rdr_open_mem(NULL, csv, (size_t)n, "q.csv", &r, &err), HS_OK);
                assert_int_equal(hsi_rdr_next(r, &rec, &eof, &err), HS_OK); /* header */
                assert_int_equal(hsi_rdr_next(r, &rec, &eof, &err), HS_OK);
                assert_int_equal(rec.nf, 3);
                if (strcmp(rec.f[1], want) != 0 || strcmp(rec.f[2], "2") != 0)
                    fail_msg("length %zu, at %zu, kind %d: read '%s','%s'", len, at, kind, rec.f[1],
                             rec.f[2]);
                assert_int_equal(rec.line, 2);
                assert_int_equal(hsi_rdr_next(r, &rec, &eof, &err), HS_OK);
                assert_int_equal(rec.line, 3 + (long)nl);
                assert_string_equal(rec.f[0], "3");
                hsi_rdr_close(r);
            }
}

/* A random CSV text: mostly well-formed fields (plain, quoted with commas, doubled quotes,
 * line feeds, carriage returns), LF or CRLF line ends, and now and then a stray quote, a lone
 * CR or a NUL, so that records straddle the 64-byte blocks at every offset and every rule of
 * the block scanner is met both kept and broken. */
static size_t random_csv(char *o, size_t cap, unsigned *seed)
{
    size_t n = 0;
    int rows = 1 + (int)(rand_r(seed) % 12);
    for (int r = 0; r < rows && n + 400 < cap; r++) {
        int nf = 1 + (int)(rand_r(seed) % 9);
        for (int f = 0; f < nf; f++) {
            if (f) o[n++] = ',';
            int kind = (int)(rand_r(seed) % 10), len = (int)(rand_r(seed) % 40);
            if (kind < 6) {
                for (int i = 0; i < len; i++)
                    o[n++] = (char)('a' + rand_r(seed) % 26);
            } else if (kind < 9) {
                o[n++] = '"';
                for (int i = 0; i < len; i++) {
                    int c = (int)(rand_r(seed) % 20);
                    if (c == 0) {
                        o[n++] = '"';
                        o[n++] = '"';
                    } else if (c == 1) {
                        o[n++] = ',';
                    } else if (c == 2 && rand_r(seed) % 4 == 0) {
                        o[n++] = '\n';
                    } else if (c == 3 && rand_r(seed) % 4 == 0) {
                        o[n++] = '\r';
                    } else {
                        o[n++] = (char)('A' + c);
                    }
                }
                o[n++] = '"';
            }
            if (rand_r(seed) % 60 == 0) { /* something out of place */
                static const char junk[] = {'"', '\r', '\0', 'x', '\n'};
                o[n++] = junk[rand_r(seed) % sizeof junk];
            }
        }
        if (rand_r(seed) % 3 == 0) o[n++] = '\r';
        if (r + 1 < rows || rand_r(seed) % 2) o[n++] = '\n';
        if (rand_r(seed) % 15 == 0) o[n++] = '\n'; /* a blank line */
    }
    return n;
}

/* The block scanner against the byte scanner on random texts: the same records, fields,
 * line and column numbers, and the same error at the same place; with and without a set of
 * wanted fields. */
static void test_reader_block_scan(void **state)
{
    (void)state;
    static char csv[8192];
    /* by hand: each rule of the block scanner broken once, and kept across a block edge */
    static const char *const fixed[] = {
        "ab\r,cd\n",
        "ab,cd\r\n",
        "ab,cd\rx\n",
        "\"a\"\"b\",c\n",
        "\"a\"x,c\n",
        "a\"b,c\n",
        "\"a\nb\",c\n",
        "\"a\rb\",c\r\n",
        "\"\",\"\"\"\"\n",
        "a,\"b\"\r\n",
        "0123456789012345678901234567890123456789012345678901234567890,\"\"\"\"\n",
        "01234567890123456789012345678901234567890123456789012345678901\"\"\n",
        "0123456789012345678901234567890123456789012345678901234567890,\"a\"\"b\"\n",
        "012345678901234567890123456789012345678901234567890123456789012\r\n",
        "012345678901234567890123456789012345678901234567890123456789012\rx\n"};
    const size_t nfixed = sizeof fixed / sizeof fixed[0];
    unsigned seed = 20261130;
    size_t nrec = 0, nerr = 0;
    /* every block scanner this build and CPU have (SSE2 on any x86-64) against the bytes */
    for (int isa = HSI_SCAN_SSE2; isa <= HSI_SCAN_AVX512; isa++) {
        hsi_rdr *probe;
        hs_error pe;
        assert_int_equal(hsi_rdr_open_mem(NULL, "a\n", 2, "p.csv", &probe, &pe), HS_OK);
        int have = hsi_rdr_set_scanner(probe, isa) == 0;
        hsi_rdr_close(probe);
        if (!have) {
            printf("block scanner %d: not on this CPU or build\n", isa);
            continue;
        }
        for (size_t t = 0; t < nfixed + 10000; t++) {
            size_t len = 0;
            if (t < nfixed) {
                len = strlen(fixed[t]);
                memcpy(csv, fixed[t], len);
            } else if (t == nfixed) { /* 300 fields: the field arrays grow mid-record */
                for (int i = 0; i < 300; i++)
                    len += (size_t)sprintf(csv + len, i ? ",%d" : "%d", i);
                csv[len++] = '\n';
            } else {
                len = random_csv(csv, sizeof csv, &seed);
            }
            int want = (t % 2) != 0;
            const unsigned char wanted[] = {1, 0, 1, 0, 0, 1, 0, 1};
            hsi_rdr *a, *b;
            hs_error ea, eb;
            assert_int_equal(hsi_rdr_open_mem(NULL, csv, len, "r.csv", &a, &ea), HS_OK);
            assert_int_equal(hsi_rdr_open_mem(NULL, csv, len, "r.csv", &b, &eb), HS_OK);
            assert_int_equal(hsi_rdr_set_scanner(a, isa), 0);
            assert_int_equal(hsi_rdr_set_scanner(b, HSI_SCAN_BYTES), 0);
            if (want) {
                assert_int_equal(hsi_rdr_set_wanted(a, wanted, sizeof wanted, &ea), HS_OK);
                assert_int_equal(hsi_rdr_set_wanted(b, wanted, sizeof wanted, &eb), HS_OK);
            }
            for (;;) {
                hsi_rec ra, rb;
                int fa = 0, fb = 0;
                hs_status sa = hsi_rdr_next(a, &ra, &fa, &ea), sb = hsi_rdr_next(b, &rb, &fb, &eb);
                if (sa != sb) fail_msg("text %zu: status %d (blocks) vs %d (bytes)", t, sa, sb);
                if (sa != HS_OK) {
                    assert_string_equal(ea.msg, eb.msg);
                    assert_int_equal(ea.line, eb.line);
                    assert_int_equal(ea.col, eb.col);
                    nerr++;
                    break;
                }
                assert_int_equal(fa, fb);
                if (fa) break;
                nrec++;
                assert_int_equal(ra.nf, rb.nf);
                assert_int_equal(ra.line, rb.line);
                for (size_t k = 0; k < ra.nf; k++) {
                    if (want && (k >= sizeof wanted || !wanted[k])) {
                        assert_string_equal(ra.f[k], "");
                        continue;
                    }
                    if (strcmp(ra.f[k], rb.f[k]) != 0)
                        fail_msg("text %zu, line %ld, field %zu: '%s' (blocks) vs '%s' (bytes)", t,
                                 ra.line, k, ra.f[k], rb.f[k]);
                    assert_int_equal(ra.col[k], rb.col[k]);
                }
            }
            hsi_rdr_close(a);
            hsi_rdr_close(b);
        }
    }
    /* both kinds of text were met often */
    assert_true(nrec > 25000);
    assert_true(nerr > 1000);
}

/* Records crossing the 4 MiB read buffer many times, and a file without a final newline. */
static void test_reader_refill(void **state)
{
    (void)state;
    char row[4096];
    make_file(row, sizeof row, -1, NULL);
    const char *r1 = strchr(row + strlen(ged_head), ','); /* the row after its id */
    size_t rl = strlen(r1), nrow = 20000;
    size_t cap = strlen(ged_head) + nrow * (rl + 8) + 1;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t len = (size_t)sprintf(big, "%s", ged_head);
    for (size_t i = 0; i < nrow; i++) { /* ids 100000.. : the same row would be one event */
        len += (size_t)sprintf(big + len, "%zu", 100000 + i);
        memcpy(big + len, r1, rl);
        len += rl;
    }
    big[len - 1] = '\0'; /* drop the last newline */
    size_t n;
    hs_error err;
    assert_int_equal(read_all(big, &n, NULL, &err), HS_OK);
    assert_int_equal(n, nrow);
    /* across the buffer's refills, with every scanner: the fields asked for are right and
       the others read "" (a record begun by the byte scanner at the end of a buffer and
       finished by the block scanner after the refill must not leave offsets behind) */
    unsigned char want[34] = {0};
    want[0] = want[21] = want[31] = 1; /* id, country_id, best */
    for (int isa = HSI_SCAN_BYTES; isa <= HSI_SCAN_AVX512; isa++) {
        hsi_rdr *r;
        assert_int_equal(hsi_rdr_open_mem(NULL, big, len - 1, "big.csv", &r, &err), HS_OK);
        if (hsi_rdr_set_scanner(r, isa) != 0) {
            hsi_rdr_close(r);
            continue;
        }
        hsi_rec rec;
        int eof = 0;
        assert_int_equal(hsi_rdr_next(r, &rec, &eof, &err), HS_OK); /* header */
        assert_int_equal(hsi_rdr_set_wanted(r, want, sizeof want, &err), HS_OK);
        size_t rows = 0;
        while (hsi_rdr_next(r, &rec, &eof, &err) == HS_OK && !eof) {
            assert_int_equal(rec.nf, 34);
            char id[32];
            snprintf(id, sizeof id, "%zu", 100000 + rows);
            for (size_t k = 0; k < 34; k++) {
                const char *w = k == 0 ? id : want[k] ? good[k] : "";
                if (strcmp(rec.f[k], w) != 0)
                    fail_msg("scanner %d, row %zu, field %zu: '%s', expected '%s'", isa, rows, k,
                             rec.f[k], w);
            }
            rows++;
        }
        assert_int_equal(rows, nrow);
        hsi_rdr_close(r);
    }
    free(big);
}

static void test_acled(void **state)
{
    (void)state;
    const char *text =
        "event_id_cnty,event_date,year,disorder_type,event_type,iso,country,latitude,"
        "longitude,geo_precision,fatalities\n"
        "SYR1,2020-01-31,2020,Political violence,Battles,760,Syria,35.1,36.7,1,12\n"
        "SYR2,15 March 2021,2021,Demonstrations,Protests,760,Syria,35.1,36.7,3,0\n"
        "SYR3,2021-03-16,2021,Political violence,Violence against civilians,760,Syria,35.1,"
        "36.7,3,2\n";
    size_t n;
    hsi_event ev;
    hs_error err;
    assert_int_equal(read_all(text, &n, &ev, &err), HS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ev.type, 3);
    assert_int_equal(ev.where_prec, 4);
    assert_int_equal(ev.isonum, 760);
    const char *bad = "event_id_cnty,event_date,event_type,iso,latitude,longitude,fatalities\n"
                      "X1,2020-01-01,Parades,4,1,1,0\n";
    assert_int_equal(read_all(bad, &n, NULL, &err), HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "unknown ACLED event_type 'Parades'"));
}

/* docs/methods.md section 5.2: January 1980 = 1, December 2019 = 480, January 2017 = 445; PRIO-GRID
 * cell 1 at the south-west corner, numbering eastward, then northward (720 x 360). */
static void test_month_and_gid(void **state)
{
    (void)state;
    assert_int_equal(hsi_month_id(1980, 1), 1);
    assert_int_equal(hsi_month_id(2019, 12), 480);
    assert_int_equal(hsi_month_id(2017, 1), 445);
    int y, m;
    for (int id = -959; id <= 2000; id++) {
        hsi_month_ym(id, &y, &m);
        assert_int_equal(hsi_month_id(y, m), id);
        assert_true(m >= 1 && m <= 12);
    }
    assert_int_equal(hsi_priogrid_gid(-90, -180), 1);
    assert_int_equal(hsi_priogrid_gid(-90, -179.5), 2);
    assert_int_equal(hsi_priogrid_gid(-89.5, -180), 721);
    assert_int_equal(hsi_priogrid_gid(90, 180), 259200);
    assert_int_equal(hsi_priogrid_gid(0.25, 0.25), 180 * 720 + 360 + 1);
}

/* docs/methods.md section 5.5 by hand: S = 0, W = 24, a0 = 0.5, b0 = 1 gives r = 0.5, q = 25/26 and
 * P(Y >= 1) = 1 - q^r, P(Y >= 2) = 1 - q^r - r q^r (1 - q). A second case sums the pmf
 * Gamma(y + r) / (Gamma(r) y!) q^r (1 - q)^y directly. Tolerance 1e-12: both sides are a
 * few floating-point operations from the same exact value. */
/* The in-control ARL of a Poisson CUSUM with k = 1 and integer threshold H, exactly, by the
 * Markov chain of Brook and Evans (1972): with k = 1 and integer counts C stays an integer,
 * states 0..H-1, P[i][j] = P(max(0, i + Y - 1) = j), ARL = ((I - P)^-1 1)[0]. */
static double exact_arl_k1(double lambda, int H)
{
    gsl_matrix *a = gsl_matrix_alloc((size_t)H, (size_t)H);
    gsl_vector *one = gsl_vector_alloc((size_t)H), *x = gsl_vector_alloc((size_t)H);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)H);
    for (int i = 0; i < H; i++) {
        for (int j = 0; j < H; j++) {
            /* j = 0: Y <= 1 - i; else Y = j + 1 - i */
            double pij = 0;
            if (j == 0)
                pij = 1 - i >= 0 ? gsl_cdf_poisson_P((unsigned)(1 - i), lambda) : 0;
            else if (j + 1 - i >= 0)
                pij = gsl_ran_poisson_pdf((unsigned)(j + 1 - i), lambda);
            gsl_matrix_set(a, (size_t)i, (size_t)j, (i == j) - pij);
        }
        gsl_vector_set(one, (size_t)i, 1);
    }
    int sign = 0;
    gsl_linalg_LU_decomp(a, perm, &sign);
    gsl_linalg_LU_solve(a, perm, one, x);
    double arl = gsl_vector_get(x, 0);
    gsl_matrix_free(a);
    gsl_vector_free(one);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
    return arl;
}

/* CUSUM h from the simulated baseline (docs/methods.md section 5.5) against the exact Markov-chain
 * ARL: with lambda0 = ln 2 and delta = 2, k = 1 exactly, so C is an integer and every h in (H - 1,
 * H] is the same chart: the exact ARL at H must reach about arl0 and at H - 1 fall short. */
static void test_cusum_calibration(void **state)
{
    (void)state;
    hs_error err;
    const double arl0[] = {20, 60, 200};
    for (size_t i = 0; i < 3; i++) {
        double h = 0;
        assert_int_equal(hs_warn_cusum_h(NULL, log(2.0), 2.0, arl0[i], &h, &err), HS_OK);
        int H = (int)ceil(h);
        double at = exact_arl_k1(log(2.0), H), below = exact_arl_k1(log(2.0), H - 1);
        if (!(at >= 0.85 * arl0[i] && below <= 1.15 * arl0[i]))
            fail_msg("arl0 %g: h %g, exact ARL %g at %d and %g at %d", arl0[i], h, at, H, below,
                     H - 1);
        /* deterministic: the same call, the same h */
        double h2 = 0;
        assert_int_equal(hs_warn_cusum_h(NULL, log(2.0), 2.0, arl0[i], &h2, &err), HS_OK);
        assert_true(h2 == h);
    }
    /* longer in-control runs need a higher h */
    double h20 = 0, h200 = 0;
    assert_int_equal(hs_warn_cusum_h(NULL, 5.0, 2.0, 20, &h20, &err), HS_OK);
    assert_int_equal(hs_warn_cusum_h(NULL, 5.0, 2.0, 200, &h200, &err), HS_OK);
    assert_true(h200 > h20);
    assert_int_equal(hs_warn_cusum_h(NULL, 0, 2.0, 60, &h20, &err), HS_ERR_USAGE);
    assert_int_equal(hs_warn_cusum_h(NULL, 1, 1.0, 60, &h20, &err), HS_ERR_USAGE);
    assert_int_equal(hs_warn_cusum_h(NULL, 1, 2.0, 1, &h20, &err), HS_ERR_USAGE);
}

static void test_surprise_p(void **state)
{
    (void)state;
    double q = 25.0 / 26.0, r = 0.5;
    double p0 = pow(q, r), p1 = r * pow(q, r) * (1 - q);
    TU_ASSERT_CLOSE(hs_warn_surprise_p(0, 0, 24, 0.5, 1), 1.0, 0, "y = 0");
    TU_ASSERT_CLOSE(hs_warn_surprise_p(1, 0, 24, 0.5, 1), 1 - p0, 1e-12, "P(Y>=1)");
    TU_ASSERT_CLOSE(hs_warn_surprise_p(2, 0, 24, 0.5, 1), 1 - p0 - p1, 1e-12, "P(Y>=2)");
    /* S = 10 over W = 4: r = 10.5, q = 5/6, mean 2.1; P(Y >= 7) */
    r = 10.5;
    q = 5.0 / 6.0;
    double cdf = 0;
    for (int y = 0; y < 7; y++)
        cdf += exp(lgamma(y + r) - lgamma(r) - lgamma(y + 1.0) + r * log(q) + y * log(1 - q));
    TU_ASSERT_CLOSE(hs_warn_surprise_p(7, 10, 4, 0.5, 1), 1 - cdf, 1e-10, "P(Y>=7)");
    /* the prior keeps an all-zero history from alerting on one death at alpha 0.01 */
    assert_true(hs_warn_surprise_p(1, 0, 24, 0.5, 1) > 0.01);
}

static void test_bh(void **state)
{
    (void)state;
    /* sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.02, 0.04, 0.04 */
    const double p[] = {0.01, 0.04, 0.03, 0.005};
    const double want[] = {0.02, 0.04, 0.04, 0.02};
    double q[4];
    assert_int_equal(hs_bh_adjust(NULL, p, 4, q, NULL), HS_OK);
    for (int i = 0; i < 4; i++)
        TU_ASSERT_CLOSE(q[i], want[i], 1e-15, "BH q");
}

/* docs/methods.md section 5.4 on p = (0.9, 0.8, 0.8, 0.3, 0.1), o = (1, 0, 1, 0, 0):
 * Brier (0.01 + 0.64 + 0.04 + 0.09 + 0.01) / 5 = 0.158;
 * AUC mid-ranks of the positives 5 and 3.5: (8.5 - 3) / 6 = 11/12;
 * AP: threshold 0.9 recall 1/2 precision 1, threshold 0.8 recall 1 precision 2/3: 5/6. */
static void test_metrics(void **state)
{
    (void)state;
    const double p[] = {0.9, 0.8, 0.8, 0.3, 0.1};
    const int o[] = {1, 0, 1, 0, 0};
    TU_ASSERT_CLOSE(hs_metric_brier(p, o, 5), 0.158, 1e-15, "Brier");
    TU_ASSERT_CLOSE(hs_metric_auc_roc(NULL, p, o, 5), 11.0 / 12.0, 1e-15, "AUC-ROC");
    TU_ASSERT_CLOSE(hs_metric_auc_pr(NULL, p, o, 5), 5.0 / 6.0, 1e-15, "AUC-PR");
    const double yhat[] = {0.5, 1.0}, y[] = {0.0, 3.0};
    double l4 = log(4.0);
    TU_ASSERT_CLOSE(hs_metric_mse(yhat, y, 2), (0.25 + (1 - l4) * (1 - l4)) / 2, 1e-15, "MSE");
    const int none[] = {0, 0, 0, 0, 0};
    assert_true(isnan(hs_metric_auc_roc(NULL, p, none, 5)));
}

/* A hand-made series: country 482 with 1 death a month for 24 months (2000-01..2001-12), 60
 * in 2002-01, 30 in 2002-02. The surprise of 2002-01 is P(Y >= 60) with S = 24, W = 24; with a
 * single unit BH changes nothing (q = p). 2002-02 (S = 83) is not surprising at 0.01 only if
 * its p says so: the test takes its p from the same formula. The alert of 2002-01 is a hit
 * (2002-02 reaches 25) with lead 1. */
/* A new file /tmp/hs_test_TAG_PID.csv for writing (its name in path). */
static FILE *tmp_csv(char *path, size_t n, const char *tag)
{
    snprintf(path, n, "/tmp/hs_test_%s_%ld.csv", tag, (long)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    return fp;
}

/* Duplicate ids: an exact repeat counts once (in a file read row by row, and in a panel
 * from files whose ids are not sorted, which reads them again listing the ids, then a third
 * time for the repeated ones), a conflict is an error naming both lines; a panel of files
 * sorted by id gives the same totals. */
static void test_duplicate_ids(void **state)
{
    (void)state;
    const char *head = "id,year,type_of_violence,country_id,latitude,longitude,where_prec,"
                       "date_start,date_end,best\n";
    char text[1024], path[64];
    size_t n;
    hs_error err;
    snprintf(text, sizeof text,
             "%s7,2020,1,482,4.3,18.5,1,2020-01-05,2020-01-05,3\n"
             "5,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,4\n"
             "7,2020,1,482,4.3,18.5,1,2020-01-05,2020-01-05,3\n"
             "9,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,10\n",
             head);
    assert_int_equal(read_all(text, &n, NULL, &err), HS_OK);
    assert_int_equal(n, 3);
    for (int sorted = 0; sorted < 2; sorted++) {
        FILE *fp = tmp_csv(path, sizeof path, "dups");
        if (sorted) /* the same events, ids increasing and none repeated */
            fprintf(fp,
                    "%s5,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,4\n"
                    "7,2020,1,482,4.3,18.5,1,2020-01-05,2020-01-05,3\n"
                    "9,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,10\n",
                    head);
        else
            fputs(text, fp);
        assert_int_equal(fclose(fp), 0);
        const char *pp = path;
        hs_panel *p = NULL;
        assert_int_equal(hs_panel_from_files(NULL, &pp, 1, NULL, NULL, &p, &err), HS_OK);
        long ev[3], de[3];
        hs_panel_get(p, 0, hsi_month_id(2020, 1), ev, de);
        assert_int_equal(ev[0], 1);
        assert_int_equal(de[0], 3);
        hs_panel_get(p, 0, hsi_month_id(2020, 2), ev, de);
        assert_int_equal(ev[0], 2);
        assert_int_equal(de[0], 14);
        hs_panel_free(p);
        unlink(path);
    }
    /* a conflict: same id, other best; both lines named, in the panel too */
    text[strlen(text) - 1] = '\0';
    snprintf(text + strlen(text), sizeof text - strlen(text),
             "\n5,2020,1,482,4.3,18.5,1,2020-02-05,2020-02-05,6\n");
    assert_int_equal(read_all(text, &n, NULL, &err), HS_ERR_PARSE);
    assert_int_equal(err.line, 6);
    assert_non_null(strstr(err.msg, "event id '5' was already given on line 3 with other values"));
    FILE *fp = tmp_csv(path, sizeof path, "dupc");
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
    const char *pp = path;
    hs_panel *p = NULL;
    assert_int_equal(hs_panel_from_files(NULL, &pp, 1, NULL, NULL, &p, &err), HS_ERR_PARSE);
    assert_null(p);
    assert_int_equal(err.line, 6);
    assert_non_null(strstr(err.msg, "already given on line 3"));
    unlink(path);
}

/* --spread (docs/methods.md section 5.2): best shared over the months by days, largest remainder.
 * By hand: 2020-01-20..2020-03-10 is 12 + 29 + 10 = 51 days; 10 deaths give 120/51, 290/51, 100/51
 * = 2 r18, 5 r35, 1 r49; the 2 left go to March (49) and February (35): 2, 6, 2. 7 deaths over
 * 2021-01-31..2021-02-01 (1 + 1 days): 3 r1, 3 r1, the tie to January: 4, 3. A window from
 * 2020-02 drops January's 2 deaths and the event itself (counted in its first month). */
static void test_panel_spread(void **state)
{
    (void)state;
    char path[64];
    FILE *fp = tmp_csv(path, sizeof path, "spread");
    fputs("id,year,type_of_violence,country_id,latitude,longitude,where_prec,date_start,"
          "date_end,best\n"
          "1,2020,1,482,4.3,18.5,1,2020-01-20,2020-03-10,10\n"
          "2,2021,2,482,4.3,18.5,1,2021-01-31,2021-02-01,7\n"
          "3,2020,1,482,4.3,18.5,1,2020-02-03,2020-02-28,5\n",
          fp);
    assert_int_equal(fclose(fp), 0);
    const char *pp = path;
    hs_error err;
    struct {
        int from, spread;
        int month;
        long ev_sb, de_sb, ev_ns, de_ns;
    } want[] = {
        {0, 1, hsi_month_id(2020, 1), 1, 2, 0, 0},
        {0, 1, hsi_month_id(2020, 2), 1, 11, 0, 0},
        {0, 1, hsi_month_id(2020, 3), 0, 2, 0, 0},
        {0, 1, hsi_month_id(2021, 1), 0, 0, 1, 4},
        {0, 1, hsi_month_id(2021, 2), 0, 0, 0, 3},
        {0, 0, hsi_month_id(2020, 1), 1, 10, 0, 0},
        {0, 0, hsi_month_id(2020, 3), 0, 0, 0, 0},
        {0, 0, hsi_month_id(2021, 1), 0, 0, 1, 7},
        {hsi_month_id(2020, 2), 1, hsi_month_id(2020, 2), 1, 11, 0, 0},
        {hsi_month_id(2020, 2), 1, hsi_month_id(2020, 3), 0, 2, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        hs_panel_opts po;
        hs_panel_opts_init(&po);
        po.spread = want[i].spread;
        po.from = want[i].from;
        hs_panel *p = NULL;
        assert_int_equal(hs_panel_from_files(NULL, &pp, 1, NULL, &po, &p, &err), HS_OK);
        assert_int_equal(hs_panel_nunits(p), 1);
        long ev[3], de[3];
        hs_panel_get(p, 0, want[i].month, ev, de);
        if (ev[0] != want[i].ev_sb || de[0] != want[i].de_sb || ev[1] != want[i].ev_ns ||
            de[1] != want[i].de_ns)
            fail_msg("case %zu: events %ld/%ld deaths %ld/%ld", i, ev[0], ev[1], de[0], de[1]);
        if (want[i].from) {
            size_t nw = 0;
            long dw = 0;
            hs_panel_dropped(p, &nw, &dw, NULL, NULL);
            assert_int_equal(nw, 1);
            assert_int_equal(dw, 2);
        }
        hs_panel_free(p);
    }
    unlink(path);
}

static void test_warn_series(void **state)
{
    (void)state;
    char path[64];
    FILE *fp = tmp_csv(path, sizeof path, "warn");
    fputs("id,year,type_of_violence,country_id,latitude,longitude,where_prec,date_start,"
          "date_end,best\n",
          fp);
    int id = 1;
    for (int m = 0; m < 24; m++)
        fprintf(fp, "%d,%d,1,482,4.3,18.5,1,%d-%02d-15,%d-%02d-15,1\n", id++, 2000 + m / 12,
                2000 + m / 12, m % 12 + 1, 2000 + m / 12, m % 12 + 1);
    fprintf(fp, "%d,2002,1,482,4.3,18.5,1,2002-01-10,2002-01-10,60\n", id++);
    fprintf(fp, "%d,2002,1,482,4.3,18.5,1,2002-02-10,2002-02-10,30\n", id++);
    assert_int_equal(fclose(fp), 0);
    hs_panel *p = NULL;
    hs_panel_opts po;
    hs_panel_opts_init(&po);
    const char *pp = path;
    hs_error err;
    assert_int_equal(hs_panel_from_files(NULL, &pp, 1, NULL, &po, &p, &err), HS_OK);
    hs_warn_opts o;
    hs_warn_opts_init(&o);
    hs_alert *a = NULL;
    size_t n = 0;
    /* options not set by their _init (or from another header) are refused, not read */
    hs_warn_opts bad = o;
    bad.size = 0;
    assert_int_equal(hs_warn_run(NULL, p, &bad, &a, &n, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "hs_warn_opts_init"));
    hs_panel *p0 = NULL;
    po.size = sizeof po + 8;
    assert_int_equal(hs_panel_from_files(NULL, &pp, 1, NULL, &po, &p0, &err), HS_ERR_USAGE);
    assert_null(p0);
    assert_int_equal(hs_warn_run(NULL, p, &o, &a, &n, &err), HS_OK);
    double p1 = hs_warn_surprise_p(60, 24, 24, 0.5, 1);
    double p2 = hs_warn_surprise_p(30, 83, 24, 0.5, 1);
    assert_true(p1 < 1e-20);
    assert_int_equal(n, p2 < 0.01 ? 2 : 1);
    assert_int_equal(a[0].month_id, hsi_month_id(2002, 1));
    assert_int_equal(a[0].unit, 482);
    TU_ASSERT_CLOSE(a[0].pvalue, p1, 1e-15, "alert p");
    TU_ASSERT_CLOSE(a[0].qvalue, p1, 1e-15, "alert q (one unit)");
    TU_ASSERT_CLOSE(a[0].score, -log10(p1), 1e-12, "alert score");
    TU_ASSERT_CLOSE(a[0].expected, 24.5 / 25.0, 1e-15, "baseline rate (a0 + S) / (b0 + W)");
    assert_non_null(strstr(a[0].explanation, "60 deaths against a baseline of 0.98 a month"));
    hs_warn_skill sk;
    assert_int_equal(hs_warn_score(NULL, p, &o, a, 1, 1, 25, &sk, &err), HS_OK);
    assert_int_equal(sk.hits, 1);
    assert_int_equal(sk.false_alarms, 0);
    TU_ASSERT_CLOSE(sk.median_lead, 1, 0, "lead");
    assert_int_equal(sk.caught, 1); /* 2002-02 follows the alert */
    assert_int_equal(sk.missed, 0); /* 2002-01 is the first month scored */
    hs_alerts_free(NULL, a);
    hs_panel_free(p);
    unlink(path);
}

/* Allocation-failure injection (STYLE 9): fail the Nth allocation of the reader, the panel,
 * the crosswalks, the alerts and the backtest, for every N until the call succeeds; each
 * failure must be HS_ERR_NOMEM with every block freed. */
#include "failing_alloc.h"

typedef hs_status (*alloc_case)(hs_ctx *ctx, hs_error *err);

static hs_status case_panel(hs_ctx *ctx, hs_error *err)
{
    const char *path = tu_path("data/ucdp/ged_car_v23_1.csv");
    hs_panel_opts o;
    hs_panel_opts_init(&o);
    o.level = HS_PANEL_GRID;
    hs_panel *p = NULL;
    hs_status st = hs_panel_from_files(ctx, &path, 1, NULL, &o, &p, err);
    hs_alert *a = NULL;
    size_t n = 0;
    hs_warn_opts w;
    hs_warn_opts_init(&w);
    if (st == HS_OK) st = hs_warn_run(ctx, p, &w, &a, &n, err);
    hs_alerts_free(ctx, a);
    hs_panel_free(p);
    return st;
}

static hs_status case_geo_eval(hs_ctx *ctx, hs_error *err)
{
    hs_geo *g = NULL;
    hs_status st = hs_geo_load(ctx, tu_path("data/geo"), &g, err);
    const char *path = tu_path("data/ucdp/ged_car_v23_1.csv");
    hs_panel *p = NULL;
    if (st == HS_OK) st = hs_panel_from_files(ctx, &path, 1, g, NULL, &p, err);
    hs_forecast_opts fo;
    hs_forecast_opts_init(&fo);
    fo.lambda = 1; /* fewer fits: the point is the cleanup paths */
    fo.test_from = hsi_month_id(2020, 1);
    FILE *fp = fopen("/dev/null", "w");
    hs_sink out = tu_file_sink(fp);
    if (st == HS_OK) st = hs_evaluate_write(ctx, p, &fo, &out, err);
    (void)fclose(fp); /* /dev/null */
    hs_panel_free(p);
    hs_geo_free(g);
    return st;
}

static void run_alloc_case(alloc_case fn, const char *what)
{
    for (long n = 1;; n++) {
        failing f = {.fail_at = n};
        hs_ctx *ctx = hs_ctx_new(failing_alloc, &f);
        if (!ctx) continue; /* the first allocation is the context's own */
        hs_error err;
        hs_status st = fn(ctx, &err);
        hs_ctx_free(ctx);
        if (f.live != 0) fail_msg("%s: allocation %ld failed: %ld blocks leaked", what, n, f.live);
        if (st == HS_OK) {
            assert_true(n > 3); /* the failure points were reached */
            break;
        }
        if (st != HS_ERR_NOMEM)
            fail_msg("%s: allocation %ld failed: status %d (%s)", what, n, st, err.msg);
        assert_true(n < 100000);
    }
}

static void test_alloc_failures(void **state)
{
    (void)state;
    run_alloc_case(case_panel, "grid panel + alerts");
    run_alloc_case(case_geo_eval, "crosswalks + country panel + backtest");
}

/* Write panel p to a string (caller frees). */
static char *panel_text(const hs_panel *p, size_t *len)
{
    hs_membuf *m = NULL;
    hs_error err;
    assert_int_equal(hs_membuf_new(NULL, &m, &err), HS_OK);
    hs_sink out;
    hs_membuf_sink(m, &out);
    assert_int_equal(hs_panel_write_csv(p, &out, &err), HS_OK);
    *len = hs_membuf_len(m);
    char *buf = malloc(*len + 1);
    assert_non_null(buf);
    memcpy(buf, hs_membuf_data(m), *len + 1);
    hs_membuf_free(m);
    return buf;
}

/* The cell table doubles in place many times (cells moved within it, some past its end last):
 * 400 000 events over random cells and months, then every cell of the panel against a
 * tally kept here in a plain array, with the events and deaths of each type. */
static void test_panel_growth(void **state)
{
    (void)state;
    enum { NU = 2000, NM = 60, NEV = 200000 };
    long *tally = malloc((size_t)NU * NM * 6 * sizeof *tally);
    assert_non_null(tally);
    /* cells spread differently over the table: a cell moved past its end is met in each */
    static const long stride[] = {1, 37, 113};
    for (size_t sv = 0; sv < sizeof stride / sizeof stride[0]; sv++) {
        memset(tally, 0, (size_t)NU * NM * 6 * sizeof *tally);
        hs_panel_opts po;
        hs_panel_opts_init(&po);
        po.level = HS_PANEL_GRID;
        hs_panel *p = NULL;
        hs_error err;
        assert_int_equal(hsi_panel_begin(NULL, &po, &p, &err), HS_OK);
        unsigned seed = 11;
        for (int i = 0; i < NEV; i++) {
            hsi_event ev;
            memset(&ev, 0, sizeof ev);
            int u = (int)(rand_r(&seed) % NU), m = (int)(rand_r(&seed) % NM);
            ev.gid = 1 + stride[sv] * u;
            ev.type = 1 + (int)(rand_r(&seed) % 3);
            ev.where_prec = 1;
            ev.y0 = 2000 + m / 12;
            ev.m0 = 1 + m % 12;
            ev.best = (long)(rand_r(&seed) % 100);
            assert_int_equal(hsi_panel_add(p, &ev, &err), HS_OK);
            long *t = tally + ((size_t)u * NM + (size_t)m) * 6;
            t[ev.type - 1]++;
            t[ev.type + 2] += ev.best;
        }
        assert_int_equal(hsi_panel_end(p, NULL, &err), HS_OK);
        assert_int_equal(hs_panel_nunits(p), NU);
        int m0 = hsi_month_id(2000, 1);
        assert_int_equal(hs_panel_first_month(p), m0);
        assert_int_equal(hs_panel_last_month(p), m0 + NM - 1);
        for (size_t u = 0; u < NU; u++) {
            assert_int_equal(hs_panel_unit(p, u), 1 + stride[sv] * (long)u);
            for (int m = 0; m < NM; m++) {
                long ev[3], de[3];
                hs_panel_get(p, u, m0 + m, ev, de);
                const long *t = tally + (u * NM + (size_t)m) * 6;
                for (int k = 0; k < 3; k++)
                    if (ev[k] != t[k] || de[k] != t[k + 3])
                        fail_msg("stride %ld, unit %zu, month %d, type %d: %ld events, %ld "
                                 "deaths; expected %ld, %ld",
                                 stride[sv], u, m, k + 1, ev[k], de[k], t[k], t[k + 3]);
            }
        }
        hs_panel_free(p);
    }
    free(tally);
    /* deaths past what one buffer entry holds (2^29 - 1) are carried by several, and a
       count past 2^31 - 1 is an error, not a wrap */
    hs_panel_opts po;
    hs_panel_opts_init(&po);
    hs_panel *p = NULL;
    hs_error err;
    assert_int_equal(hsi_panel_begin(NULL, &po, &p, &err), HS_OK);
    hsi_event ev;
    memset(&ev, 0, sizeof ev);
    ev.country = 500;
    ev.type = 3;
    ev.y0 = 2001;
    ev.m0 = 2;
    ev.best = 1500000000L;
    assert_int_equal(hsi_panel_add(p, &ev, &err), HS_OK);
    ev.best = 600000000L;
    assert_int_equal(hsi_panel_add(p, &ev, &err), HS_OK);
    assert_int_equal(hsi_panel_end(p, NULL, &err), HS_OK);
    long e3[3], d3[3];
    hs_panel_get(p, 0, hsi_month_id(2001, 2), e3, d3);
    assert_int_equal(e3[2], 2);
    assert_int_equal(d3[2], 2100000000L);
    hs_panel_free(p);
    assert_int_equal(hsi_panel_begin(NULL, &po, &p, &err), HS_OK);
    for (int i = 0; i < 2; i++) {
        ev.best = 1500000000L;
        assert_int_equal(hsi_panel_add(p, &ev, &err), HS_OK);
    }
    assert_int_equal(hsi_panel_end(p, NULL, &err), HS_ERR_DOMAIN);
    assert_non_null(strstr(err.msg, "more than 2147483647"));
    hs_panel_free(p);
}

/* A seeded GED file of 34 MB, past the two-thread threshold (32 MB: eight pieces of about
 * 4 MB), into path. With quoted_nl, every third row's dyad name holds a line feed; then the
 * last nwarn rows have best above high; then, with bad_tail, a row with month 13. *lines is
 * the file's line count, and the result the sum of best. */
static long write_big_ged(char *path, size_t n, const char *tag, int quoted_nl, int nwarn,
                          int bad_tail, long *lines)
{
    FILE *fp = tmp_csv(path, n, tag);
    fputs(ged_head, fp);
    unsigned seed = 7;
    long total = 0, nline = 1;
    size_t bytes = 0;
    for (int i = 0; bytes < ((size_t)34 << 20) || nwarn > 0; i++) {
        int y = 1990 + (int)(rand_r(&seed) % 30), m = 1 + (int)(rand_r(&seed) % 12);
        double lat = -10.0 + (double)(rand_r(&seed) % 4000) / 100.0;
        double lon = 10.0 + (double)(rand_r(&seed) % 4000) / 100.0;
        int best = (int)(rand_r(&seed) % 50), type = 1 + (int)(rand_r(&seed) % 3);
        int wp = 1 + (int)(rand_r(&seed) % 7), high = best;
        if (bytes >= ((size_t)34 << 20)) { /* the rows after 34 MB: best above high */
            nwarn--;
            best = high + 1;
        }
        int nl = quoted_nl && i % 3 == 0;
        long gid = hsi_priogrid_gid(lat, lon);
        int k = fprintf(fp,
                        "%d,%d,0,%d,1,\"A - B, \"\"x\"\"%s\",1,x,1,\"A, B\",1,B,-1,%d,here,a,b,"
                        "%.2f,%.2f,%ld,Country,%d,Africa,1,1,%d-%02d-05,%d-%02d-06,0,0,%d,0,%d,%d,"
                        "%d\n",
                        i + 1, y, type, nl ? "\nC" : "", wp, lat, lon, gid,
                        400 + (int)(rand_r(&seed) % 20), y, m, y, m, best, best, high, high);
        assert_true(k > 0);
        bytes += (size_t)k;
        nline += 1 + nl;
        total += best;
    }
    if (bad_tail) {
        fputs("9,2000,0,1,1,x,1,x,1,x,1,x,1,1,x,a,b,1.00,1.00,1,C,400,A,1,1,2000-13-01,"
              "2000-13-01,0,0,1,0,1,1,1\n",
              fp);
        nline++;
    }
    assert_int_equal(fclose(fp), 0);
    *lines = nline;
    return total;
}

static void log_keep(void *ud, int level, const char *msg)
{
    (void)level;
    char *buf = ud;
    size_t len = strlen(buf);
    snprintf(buf + len, 8192 - len, "%s\n", msg);
}

/* Past the two-thread threshold: the file is cut into pieces that 2, 3 or 4 threads take in
 * turn, each into its own panel, the panels merged, the rows formatted by as many threads;
 * the same panel as one thread, at both levels, and the deaths add up to the file's. With line
 * feeds in quoted fields some cuts land inside quotes: the pieces before them fail and the
 * file is read again by one thread, with the same result. */
static void test_panel_threads(void **state)
{
    (void)state;
    for (int quoted_nl = 0; quoted_nl < 2; quoted_nl++) {
        char path[64];
        long lines = 0;
        long total = write_big_ged(path, sizeof path, "par", quoted_nl, 0, 0, &lines);
        const char *pp = path;
        hs_error err;
        for (int level = 0; level < 2; level++) {
            char *text[4];
            size_t len[4];
            for (int th = 1; th <= 4; th++) {
                hs_panel_opts po;
                hs_panel_opts_init(&po);
                po.level = level ? HS_PANEL_GRID : HS_PANEL_COUNTRY;
                po.keep_imprecise = 1;
                po.threads = th;
                hs_panel *p = NULL;
                if (hs_panel_from_files(NULL, &pp, 1, NULL, &po, &p, &err) != HS_OK)
                    fail_msg("%s:%ld: %s", err.file, err.line, err.msg);
                text[th - 1] = panel_text(p, &len[th - 1]);
                /* every death is in the panel */
                long sum = 0;
                for (size_t u = 0; u < hs_panel_nunits(p); u++)
                    for (int mm = hs_panel_first_month(p); mm <= hs_panel_last_month(p); mm++) {
                        long ev[3], de[3];
                        hs_panel_get(p, u, mm, ev, de);
                        sum += de[0] + de[1] + de[2];
                    }
                assert_int_equal(sum, total);
                hs_panel_free(p);
            }
            for (int th = 2; th <= 4; th++) {
                assert_int_equal(len[0], len[th - 1]);
                assert_memory_equal(text[0], text[th - 1], len[0]);
            }
            for (int th = 0; th < 4; th++)
                free(text[th]);
        }
        unlink(path);
    }
}

/* Rows in the last piece: their warnings are counted even though only the first piece's
 * are logged one by one with their lines (3 of them: fewer than are ever shown one by one,
 * which the count once left out), and a bad row there stops the panel with its own line. */
static void test_panel_threads_tail(void **state)
{
    (void)state;
    char path[64], logbuf[8192];
    long lines = 0;
    write_big_ged(path, sizeof path, "partail", 0, 3, 0, &lines);
    const char *pp = path;
    hs_error err;
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    assert_non_null(ctx);
    hs_ctx_set_log(ctx, log_keep, logbuf);
    for (int th = 1; th <= 2; th++) {
        logbuf[0] = '\0';
        hs_panel_opts po;
        hs_panel_opts_init(&po);
        po.threads = th;
        hs_panel *p = NULL;
        assert_int_equal(hs_panel_from_files(ctx, &pp, 1, NULL, &po, &p, &err), HS_OK);
        hs_panel_free(p);
        char want[128];
        if (th == 1) /* each logged with its line */
            snprintf(want, sizeof want, "csv:%ld: event", lines);
        else
            snprintf(want, sizeof want, ": 3 rows with best outside low..high\n");
        if (!strstr(logbuf, want))
            fail_msg("%d threads: '%s' not in the log:\n%s", th, want, logbuf);
    }
    /* progress of a long read: a line every interval (here every look, each 65536 rows),
       with the share of the file read; none when switched off */
    for (int on = 0; on < 2; on++) {
        hsi_evfile f;
        logbuf[0] = '\0';
        assert_int_equal(hsi_evfile_open(ctx, path, NULL, &f, &err), HS_OK);
        f.progress_secs = on ? 1e-9 : -1;
        f.next_report = on ? 1e-9 : 0;
        for (;;) {
            hsi_event ev;
            int eof = 0;
            assert_int_equal(hsi_evfile_next(&f, &ev, &eof, &err), HS_OK);
            if (eof) break;
        }
        hsi_evfile_close(&f);
        const char *at = strstr(logbuf, ": 65536 rows read, ");
        if (on) {
            char *end = NULL;
            long pct = at ? strtol(at + strlen(": 65536 rows read, "), &end, 10) : 0;
            if (!at || strncmp(end, " % of the file", 14) != 0 || pct < 5 || pct > 60)
                fail_msg("no progress line for 65536 rows in:\n%s", logbuf);
            assert_non_null(strstr(logbuf, ": 196608 rows read, "));
        } else {
            assert_null(strstr(logbuf, "rows read"));
        }
    }
    unlink(path);
    write_big_ged(path, sizeof path, "partail", 0, 0, 1, &lines);
    hs_panel_opts po;
    hs_panel_opts_init(&po);
    po.threads = 2;
    hs_panel *p = NULL;
    assert_int_not_equal(hs_panel_from_files(ctx, &pp, 1, NULL, &po, &p, &err), HS_OK);
    assert_null(p);
    assert_int_equal(err.line, lines);
    unlink(path);
    hs_ctx_free(ctx);
}

/* The 49-column release format (docs/methods.md section 5.1), from bench/events/gen_ged.c (20 rows,
 * seed 7, kept in the fuzz corpus): Python's csv module reads the same file as 20 rows of 49
 * fields, best summing to 113, the first row id 200000 in country 482, cell 142244, dated
 * 2001-11-29 00:00:00.000. */
static void test_ged49(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(
        hsi_read_file(NULL, tu_path("fuzz/corpus/ged/ged49_generated.csv"), &text, &len, NULL),
        HS_OK);
    hsi_evfile f;
    hs_error err;
    assert_int_equal(hsi_evfile_open_mem(NULL, text, len, "ged49.csv", NULL, &f, &err), HS_OK);
    assert_int_equal(f.map.ncol, 49);
    long n = 0, best = 0;
    for (;;) {
        hsi_event ev;
        int eof = 0;
        assert_int_equal(hsi_evfile_next(&f, &ev, &eof, &err), HS_OK);
        if (eof) break;
        if (n == 0) {
            assert_string_equal(ev.eid, "200000");
            assert_int_equal(ev.country, 482);
            assert_int_equal(ev.gid, 142244);
            assert_int_equal(ev.pub_gid, 142244);
            assert_int_equal(ev.y0 * 10000 + ev.m0 * 100 + ev.d0, 20011129);
        }
        n++;
        best += ev.best;
    }
    assert_int_equal(n, 20);
    assert_int_equal(best, 113);
    hsi_evfile_close(&f);
    hsi_free(NULL, text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_row),
        cmocka_unit_test(test_malformed_rows),
        cmocka_unit_test(test_structural_errors),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_duplicate_ids),
        cmocka_unit_test(test_reader_shapes),
        cmocka_unit_test(test_reader_block_scan),
        cmocka_unit_test(test_reader_quoted_scan),
        cmocka_unit_test(test_reader_refill),
        cmocka_unit_test(test_acled),
        cmocka_unit_test(test_month_and_gid),
        cmocka_unit_test(test_surprise_p),
        cmocka_unit_test(test_cusum_calibration),
        cmocka_unit_test(test_bh),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_panel_spread),
        cmocka_unit_test(test_panel_growth),
        cmocka_unit_test(test_panel_threads),
        cmocka_unit_test(test_panel_threads_tail),
        cmocka_unit_test(test_warn_series),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_ged49),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
