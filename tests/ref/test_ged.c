/*
 * test_ged.c - the shipped UCDP GED files (data/ucdp, data/PROVENANCE.md) against themselves,
 * read a second way: with the whole-file CSV reader of core/csv.c (gzip inflated by the test).
 *
 * - country panels: for every country and year of every file, deaths (sum over types) equal
 *   the sum of `best`, and events equal the row count (docs/methods.md section 5.2, dated by
 * date_start, whose year the reader checks against `year`);
 * - grid panels leave out exactly the where_prec >= 6 events and their deaths;
 * - the gid computed from latitude/longitude equals the published priogrid_gid for every
 *   shipped event (docs/methods.md section 5.2 says so for UCDP's files);
 * - the store: ingesting a file twice changes nothing; a file with a bad last row stores
 *   nothing; the panel from the store equals the panel from the files.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

#include "events/events_int.h"
#include "humsec_store.h"

static const char *const files[] = {
    "data/ucdp/ged_car_v23_1.csv", "data/ucdp/samples/ged_global_sample1000_v23_1.csv",
    "data/ucdp/ged_syria_2016-01_2019-11.csv", "data/ucdp/ged_mexico_1989_2023.csv.gz"};
#define NFILES (sizeof files / sizeof files[0])

/* Whole file, gzip inflated, parsed by core/csv.c. */
static void load(const char *rel, hsi_csv *c)
{
    gzFile gz = gzopen(tu_path(rel), "rb");
    assert_non_null(gz);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int got;
    while ((got = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown) free(buf);
            assert_non_null(grown);
            buf = grown;
        }
    }
    gzclose(gz);
    hs_error err;
    if (hsi_csv_parse(NULL, buf, n, rel, c, &err) != HS_OK) fail_msg("%s: %s", rel, err.msg);
    free(buf);
}

static long col(const hsi_csv *c, const char *name)
{
    long j = hsi_csv_find(c, name);
    if (j < 0) fail_msg("no column %s", name);
    return j;
}

/* Per (country, year) sums from the file, compared with the panel's per-year sums. */
static void check_country_totals(const char *rel)
{
    hsi_csv c;
    load(rel, &c);
    long jc = col(&c, "country_id"), jy = col(&c, "year"), jb = col(&c, "best");
    /* reference: dense table country 0..999 x year 1989..2030 */
    enum { NC = 1000, Y0 = 1989, NY = 42 };
    const size_t ncell = (size_t)NC * NY;
    double *ref = calloc(ncell, sizeof *ref), *refn = calloc(ncell, sizeof *refn);
    double *got = calloc(ncell, sizeof *got), *gotn = calloc(ncell, sizeof *gotn);
    for (size_t r = 0; r < c.nrow; r++) {
        long k = strtol(hsi_csv_get(&c, r, (size_t)jc), NULL, 10),
             y = strtol(hsi_csv_get(&c, r, (size_t)jy), NULL, 10);
        assert_true(k >= 0 && k < NC && y >= Y0 && y < Y0 + NY);
        ref[k * NY + (y - Y0)] += strtod(hsi_csv_get(&c, r, (size_t)jb), NULL);
        refn[k * NY + (y - Y0)] += 1;
    }
    hs_panel_opts o;
    hs_panel_opts_init(&o);
    hs_panel *p = NULL;
    hs_error err;
    const char *path = tu_path(rel);
    if (hs_panel_from_files(NULL, &path, 1, NULL, &o, &p, &err) != HS_OK)
        fail_msg("%s: %s", rel, err.msg);
    for (size_t i = 0; i < hs_panel_nunits(p); i++) {
        long k = hs_panel_unit(p, i);
        for (int m = hs_panel_first_month(p); m <= hs_panel_last_month(p); m++) {
            long ev[3], de[3];
            int y, mon;
            hs_panel_get(p, i, m, ev, de);
            hsi_month_ym(m, &y, &mon);
            got[k * NY + (y - Y0)] += (double)(de[0] + de[1] + de[2]);
            gotn[k * NY + (y - Y0)] += (double)(ev[0] + ev[1] + ev[2]);
        }
    }
    size_t cells = 0;
    for (size_t i = 0; i < ncell; i++) {
        if (ref[i] != got[i] || refn[i] != gotn[i])
            fail_msg("%s: country %zu year %zu: panel %g deaths / %g events, file %g / %g", rel,
                     i / NY, Y0 + i % NY, got[i], gotn[i], ref[i], refn[i]);
        cells += refn[i] > 0;
    }
    assert_true(cells > 0);
    hs_panel_free(p);
    free(ref);
    free(refn);
    free(got);
    free(gotn);
    hsi_csv_free(&c);
}

static void test_country_totals(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFILES; f++)
        check_country_totals(files[f]);
}

/* Every shipped event: gid from lat/lon (docs/methods.md section 5.2) = published priogrid_gid. */
static void test_gids(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t f = 0; f < NFILES; f++) {
        hsi_csv c;
        load(files[f], &c);
        long jla = col(&c, "latitude"), jlo = col(&c, "longitude"), jg = col(&c, "priogrid_gid");
        for (size_t r = 0; r < c.nrow; r++) {
            double lat = strtod(hsi_csv_get(&c, r, (size_t)jla), NULL);
            double lon = strtod(hsi_csv_get(&c, r, (size_t)jlo), NULL);
            long pub = strtol(hsi_csv_get(&c, r, (size_t)jg), NULL, 10);
            if (hsi_priogrid_gid(lat, lon) != pub)
                fail_msg("%s row %zu: gid %ld from (%g, %g), published %ld", files[f], r + 1,
                         hsi_priogrid_gid(lat, lon), lat, lon, pub);
            total++;
        }
        hsi_csv_free(&c);
    }
    assert_int_equal(total, 1848 + 1000 + 16566 + 18957);
}

/* Grid panel totals + dropped = all; dropped = the where_prec >= 6 rows. */
static void test_grid_drops(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFILES; f++) {
        hsi_csv c;
        load(files[f], &c);
        long jw = col(&c, "where_prec"), jb = col(&c, "best");
        size_t nimp = 0;
        long dimp = 0, dall = 0;
        for (size_t r = 0; r < c.nrow; r++) {
            long b = strtol(hsi_csv_get(&c, r, (size_t)jb), NULL, 10);
            dall += b;
            if (strtol(hsi_csv_get(&c, r, (size_t)jw), NULL, 10) >= 6) {
                nimp++;
                dimp += b;
            }
        }
        hs_panel_opts o;
        hs_panel_opts_init(&o);
        o.level = HS_PANEL_GRID;
        hs_panel *p = NULL;
        const char *path = tu_path(files[f]);
        assert_int_equal(hs_panel_from_files(NULL, &path, 1, NULL, &o, &p, NULL), HS_OK);
        size_t gi;
        long gd;
        hs_panel_dropped(p, NULL, NULL, &gi, &gd);
        assert_int_equal(gi, nimp);
        assert_int_equal(gd, dimp);
        long sum = 0;
        for (size_t i = 0; i < hs_panel_nunits(p); i++)
            for (int m = hs_panel_first_month(p); m <= hs_panel_last_month(p); m++) {
                long ev[3], de[3];
                hs_panel_get(p, i, m, ev, de);
                sum += de[0] + de[1] + de[2];
            }
        assert_int_equal(sum + dimp, dall);
        hs_panel_free(p);
        hsi_csv_free(&c);
    }
}

/* A fingerprint of the whole store: row counts and content sums of every table. */
static void fingerprint(const char *db, char *out, size_t n)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT (SELECT count(*) FROM event), (SELECT total(best) FROM event),"
                           " (SELECT total(gid * 1.0 + src) FROM event),"
                           " (SELECT group_concat(eid, '') FROM (SELECT eid FROM event ORDER BY"
                           "  dataset, eid LIMIT 50)),"
                           " (SELECT count(*) || '/' || total(rows) || '/' || total(hash) ||"
                           "  group_concat(ingested_at) FROM source)",
                           -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(out, n, "%s|%s|%s|%s|%s", sqlite3_column_text(q, 0), sqlite3_column_text(q, 1),
             sqlite3_column_text(q, 2), sqlite3_column_text(q, 3), sqlite3_column_text(q, 4));
    sqlite3_finalize(q);
    sqlite3_close(h);
}

static void test_store(void **state)
{
    (void)state;
    char db[64];
    snprintf(db, sizeof db, "/tmp/hs_test_ged_%ld.db", (long)getpid());
    unlink(db);
    hs_store *s = NULL;
    hs_error err;
    assert_int_equal(hs_store_open(NULL, db, &s, &err), HS_OK);
    assert_int_equal(hs_store_version(s), 5); /* 5: forecast runs */
    hs_ingest_stats st;
    for (size_t f = 0; f < NFILES; f++)
        if (hs_events_ingest(NULL, s, tu_path(files[f]), NULL, &st, &err) != HS_OK)
            fail_msg("%s", err.msg);
    char before[4096], after[4096];
    fingerprint(db, before, sizeof before);
    /* again: nothing new */
    assert_int_equal(hs_events_ingest(NULL, s, tu_path(files[0]), NULL, &st, &err), HS_OK);
    assert_int_equal(st.inserted, 0);
    assert_int_equal(st.duplicates, 1848);
    fingerprint(db, after, sizeof after);
    assert_string_equal(before, after);
    /* a file whose last row is bad stores nothing */
    char bad[64];
    snprintf(bad, sizeof bad, "/tmp/hs_test_ged_%ld.csv", (long)getpid());
    FILE *fp = fopen(bad, "w");
    assert_non_null(fp);
    fputs("id,year,type_of_violence,country_id,latitude,longitude,where_prec,date_start,"
          "date_end,best\n"
          "900000001,2020,1,482,4.3,18.5,1,2020-01-02,2020-01-02,5\n"
          "900000002,2020,1,482,4.3,18.5,1,2020-01-02,2020-01-02,-5\n",
          fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(hs_events_ingest(NULL, s, bad, NULL, &st, &err), HS_ERR_PARSE);
    assert_int_equal(err.line, 3);
    fingerprint(db, after, sizeof after);
    assert_string_equal(before, after);
    unlink(bad);
    /* the store's panel equals the files' panel for a file with no overlaps (CAR) */
    hs_panel_opts o;
    hs_panel_opts_init(&o);
    o.from = hsi_month_id(1991, 1);
    o.to = hsi_month_id(2022, 12);
    hs_panel *ps = NULL, *pf = NULL;
    const char *car = tu_path(files[0]);
    assert_int_equal(hs_panel_from_store(NULL, s, NULL, &o, &ps, &err), HS_OK);
    assert_int_equal(hs_panel_from_files(NULL, &car, 1, NULL, &o, &pf, &err), HS_OK);
    size_t iu = 0;
    while (iu < hs_panel_nunits(ps) && hs_panel_unit(ps, iu) != 482)
        iu++;
    assert_true(iu < hs_panel_nunits(ps));
    for (int m = o.from; m <= o.to; m++) {
        long e1[3], d1[3], e2[3], d2[3];
        hs_panel_get(ps, iu, m, e1, d1);
        hs_panel_get(pf, 0, m, e2, d2);
        for (int t = 0; t < 3; t++) {
            assert_int_equal(e1[t], e2[t]);
            assert_int_equal(d1[t], d2[t]);
        }
    }
    hs_panel_free(ps);
    hs_panel_free(pf);
    hs_store_close(s);
    unlink(db);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
}

/* Compare two panels cell by cell. */
static void same_panel(const hs_panel *a, const hs_panel *b)
{
    assert_int_equal(hs_panel_nunits(a), hs_panel_nunits(b));
    assert_int_equal(hs_panel_first_month(a), hs_panel_first_month(b));
    assert_int_equal(hs_panel_last_month(a), hs_panel_last_month(b));
    for (size_t i = 0; i < hs_panel_nunits(a); i++) {
        assert_int_equal(hs_panel_unit(a, i), hs_panel_unit(b, i));
        for (int m = hs_panel_first_month(a); m <= hs_panel_last_month(a); m++) {
            long e1[3], d1[3], e2[3], d2[3];
            hs_panel_get(a, i, m, e1, d1);
            hs_panel_get(b, i, m, e2, d2);
            for (int t = 0; t < 3; t++)
                if (e1[t] != e2[t] || d1[t] != d2[t])
                    fail_msg("unit %ld month %d type %d differs", hs_panel_unit(a, i), m, t);
        }
    }
}

/*
 * Large plain files are read by two threads split at a newline near the middle. A 35 MB file
 * (the CAR rows 70 times) must give the same panel with 1 and 2 threads; so must a file whose
 * middle falls inside a quoted field full of newlines (the split is then wrong, and the reader
 * must notice and read the file again with one thread).
 */
static void test_two_threads(void **state)
{
    (void)state;
    hsi_csv c;
    load(files[0], &c);
    char path[64];
    snprintf(path, sizeof path, "/tmp/hs_test_par_%ld.csv", (long)getpid());
    for (int quoted = 0; quoted <= 1; quoted++) {
        /* the data rows as CSV text once, to know the size */
        hsi_buf rows;
        hsi_buf_init(&rows, NULL);
        for (size_t r = 0; r < c.nrow; r++) {
            for (size_t j = 0; j < c.ncol; j++) {
                if (j) hsi_buf_add(&rows, ",", 1);
                hsi_buf_csv_str(&rows, hsi_csv_get(&c, r, j));
            }
            hsi_buf_add(&rows, "\n", 1);
        }
        assert_false(rows.oom);
        const int reps = 70;
        size_t special_len = 40000 * 5 + 200, total = rows.len * (size_t)reps;
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        for (size_t j = 0; j < c.ncol; j++)
            fprintf(fp, "%s%s", j ? "," : "", c.head[j]);
        fputc('\n', fp);
        size_t written = 0;
        int done_special = !quoted;
        for (int k = 0; k < reps; k++) {
            if (!done_special && written >= total / 2) {
                /* row 1 of the file again, with conflict_name made of 40000 lines */
                for (size_t j = 0; j < c.ncol; j++) {
                    if (j) fputc(',', fp);
                    if (!strcmp(c.head[j], "conflict_name")) {
                        fputc('"', fp);
                        for (int l = 0; l < 40000; l++)
                            fputs("abc\n", fp);
                        fputc('"', fp);
                    } else {
                        fputs(hsi_csv_get(&c, 0, j), fp);
                    }
                }
                fputc('\n', fp);
                done_special = 1;
            }
            assert_int_equal(fwrite(rows.s, 1, rows.len, fp), rows.len);
            written += rows.len;
        }
        assert_int_equal(fclose(fp), 0);
        (void)special_len;
        hsi_buf_free(&rows);
        hs_panel_opts o;
        hs_panel_opts_init(&o);
        hs_panel *p1 = NULL, *p2 = NULL;
        const char *pp = path;
        hs_error err;
        o.threads = 1;
        if (hs_panel_from_files(NULL, &pp, 1, NULL, &o, &p1, &err) != HS_OK)
            fail_msg("%s", err.msg);
        o.threads = 2;
        if (hs_panel_from_files(NULL, &pp, 1, NULL, &o, &p2, &err) != HS_OK)
            fail_msg("%s", err.msg);
        same_panel(p1, p2);
        /* the copies repeat the file's events exactly (the long row too: conflict_name is not
           read), so each event counts once, with one thread or two */
        long ev[3], de[3], n = 0;
        for (int m = hs_panel_first_month(p1); m <= hs_panel_last_month(p1); m++) {
            hs_panel_get(p1, 0, m, ev, de);
            n += ev[0] + ev[1] + ev[2];
        }
        assert_int_equal(n, (long)c.nrow);
        hs_panel_free(p1);
        hs_panel_free(p2);
        unlink(path);
    }
    hsi_csv_free(&c);
}

int main(void)
{
    hs_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_country_totals), cmocka_unit_test(test_gids),
        cmocka_unit_test(test_grid_drops),     cmocka_unit_test(test_store),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
