/*
 * test_html.c - the HTML report's library side: escaping of what is inlined into <script>,
 * and the page data collected from a small hand-made build folder, against values worked
 * out by hand (effective weights, competition ranks with a tie, the latest year with a
 * score, rank intervals, the PROVENANCE section and the sources table).
 */
#include "testutil.h"
#include "report/html_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_raw_escape(void **state)
{
    (void)state;
    hsi_buf b;
    hsi_buf_init(&b, NULL);
    const char *in = "a</script>b</STYLE c<!-- d</p> <x";
    hsi_html_raw(&b, in, strlen(in));
    hsi_buf_add(&b, "", 1);
    assert_false(b.oom);
    assert_string_equal(b.s, "a<\\/script>b<\\/STYLE c<\\!-- d</p> <x");
    hsi_buf_free(&b);

    hsi_buf_init(&b, NULL);
    hsi_html_json_str(&b, "<b>\"T&C\"\n\\");
    hsi_buf_add(&b, "", 1);
    assert_string_equal(b.s, "\"\\u003cb\\u003e\\\"T\\u0026C\\\"\\n\\\\\"");
    hsi_buf_free(&b);
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[2400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static char *slurp(const char *path)
{
    char *s = NULL;
    size_t n = 0;
    assert_int_equal(hsi_read_file(NULL, path, &s, &n, NULL), HS_OK);
    return s;
}

static void expect(const char *page, const char *needle)
{
    if (!strstr(page, needle)) fail_msg("page lacks %s", needle);
}

static void test_collect(void **state)
{
    (void)state;
    char dir[] = "/tmp/hs_html_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[1100], p[1200];
    snprintf(sub, sizeof sub, "%s/data", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    snprintf(sub, sizeof sub, "%s/data/src", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    snprintf(sub, sizeof sub, "%s/out", dir);
    assert_int_equal(mkdir(sub, 0777), 0);

    /* Weights: a 1 and b 3 under P1, P1 2 and P2 1 under TOP. Effective weights:
     * a = 1/4 * 2/3 = 1/6, b = 3/4 * 2/3 = 1/2, c = 1 * 1/3 = 1/3. */
    put(dir, "structure.csv",
        "Level,iCode,iName,Direction,Weight,Parent,Type\n"
        "1,a,A,1,1,P1,Indicator\n1,b,B,-1,3,P1,Indicator\n"
        "1,c,C,1,1,P2,Indicator\n2,P1,Pillar one,1,2,TOP,Aggregate\n"
        "2,P2,Pillar two,1,1,TOP,Aggregate\n3,TOP,Top index,1,1,,Aggregate\n");
    put(dir, "x.pipeline", "title = Test <index>\nstructure = structure.csv\n");
    put(dir, "sources.csv",
        "source,licence,file\nTest survey,CC0,data/other/y.csv\nFolder,CC0,data/fold/q.csv\n");
    put(dir, "data/src/x.csv", "uCode\n");
    put(dir, "data/PROVENANCE.md",
        "# Data\n\n## `other/y.csv`\nListed in sources.csv.\n\n## `third/z.csv`\nNever shown.\n\n"
        "## `src/x.csv` - the test source\n* Licence: CC0 1.0\n\n"
        "## `other/` and `fold/` - folders\nFolder section.\n");
    /* 2022 has no top score anywhere, so the latest year is 2021; there Y (0.7) ranks 1 and
     * X and Z tie at 0.5, both rank 2 (competition ranks). */
    put(sub, "Aggregated.csv",
        "\"uCode\",\"Time\",\"a\",\"b\",\"c\",\"P1\",\"P2\",\"TOP\"\n"
        "\"X\",2020,0.1,0.2,0.3,0.2,0.3,0.4\n"
        "\"X\",2021,0.2,0.4,0.9,0.3,0.9,0.5\n"
        "\"X\",2022,NA,NA,NA,NA,NA,NA\n"
        "\"Y\",2021,0.8,0.6,0.7,0.7,0.7,0.7\n"
        "\"Y\",2022,NA,NA,NA,NA,NA,NA\n"
        "\"Z\",2021,0.5,0.5,0.5,0.5,0.5,0.5\n");
    put(sub, "ua_ranks.csv",
        "\"uCode\",\"Time\",\"median_rank\",\"q05_rank\",\"q95_rank\"\n"
        "\"Y\",2021,1,1,2\n");
    char summary[4096];
    snprintf(summary, sizeof summary,
             "{\n  \"title\": \"Test \\\"T\\\"\",\n  \"pipeline\": \"%s/x.pipeline\",\n"
             "  \"structure\": \"%s/structure.csv\",\n  \"data\": \"%s/data/src/x.csv\",\n"
             "  \"datasets\": [\"Raw\", \"Aggregated\"],\n  \"index\": \"TOP\",\n"
             "  \"scores\": []\n}\n",
             dir, dir, dir);
    put(sub, "summary.json", summary);

    snprintf(p, sizeof p, "%s/r.html", sub);
    hs_error err = {0};
    hs_report_info info = {0};
    hs_status st = hs_report_html(NULL, sub, NULL, p, &info, &err);
    if (st != HS_OK) fail_msg("hs_report_html: %s", err.msg);
    assert_int_equal(info.units_scored, 3);
    char *page = slurp(p);
    expect(page, "<title>Test \"T\"</title>");
    expect(page, "\"latest\":2021,\"lowerIsBetter\":false");
    expect(page, "{\"code\":\"a\",\"name\":\"A\",\"weight\":0.166667,\"direction\":1,"
                 "\"pillar\":\"P1\"}");
    expect(page, "{\"code\":\"b\",\"name\":\"B\",\"weight\":0.5,\"direction\":-1");
    expect(page, "{\"code\":\"c\",\"name\":\"C\",\"weight\":0.333333,");
    expect(page, "{\"code\":\"P1\",\"name\":\"Pillar one\",\"weight\":0.666667}");
    expect(page, "{\"code\":\"X\",\"score\":0.5,\"rank\":2,\"pillars\":[0.3,0.9],"
                 "\"pillarRanks\":[3,1],\"ind\":[0.2,0.4,0.9],\"series\":[0.4,0.5,null]");
    expect(page, "{\"code\":\"Y\",\"score\":0.7,\"rank\":1,");
    expect(page, "{\"code\":\"Z\",\"score\":0.5,\"rank\":2,");
    expect(page, "\"series\":[null,0.7,null]");
    expect(page, "\"interval\":[1,1,2]}");
    expect(page, "\"intervals\":{\"file\":\"ua_ranks.csv\"");
    expect(page, "\"datasets\":[\"Raw\", \"Aggregated\"]");
    expect(page, "\"head\":[\"source\",\"licence\",\"file\"],\"rows\":[[\"Test survey\",\"CC0\","
                 "\"data/other/y.csv\"],[\"Folder\",\"CC0\",\"data/fold/q.csv\"]]");
    expect(page, "{\"file\":\"src/x.csv\",\"text\":\"## `src/x.csv` - the test source\\n* "
                 "Licence: CC0 1.0\\n\"}");
    expect(page, "{\"file\":\"other/y.csv\",\"text\":\"## `other/y.csv`\\nListed in sources.csv.");
    assert_null(strstr(page, "Never shown"));
    /* a file without its own section gets the one naming its folder as `fold/` */
    expect(page, "{\"file\":\"fold/q.csv\",\"text\":\"## `other/` and `fold/` - folders");
    expect(page, "title = Test \\u003cindex\\u003e");
    free(page);

    /* A lower-is-better top row and a title option; an interval file without its columns. */
    hs_report_opts opts = {.title = "Other", .lower_is_better = 1};
    /* options not set with hs_report_opts_init are refused, naming their type */
    assert_int_equal(hs_report_html(NULL, sub, &opts, p, NULL, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "hs_report_opts_init"));
    hs_report_opts_init(&opts);
    opts.title = "Other";
    opts.lower_is_better = 1;
    assert_int_equal(hs_report_html(NULL, sub, &opts, p, NULL, &err), HS_OK);
    page = slurp(p);
    expect(page, "<title>Other</title>");
    expect(page, "\"lowerIsBetter\":true");
    free(page);
    snprintf(summary, sizeof summary, "%s/Aggregated.csv", sub);
    opts.intervals = summary;
    assert_int_equal(hs_report_html(NULL, sub, &opts, p, NULL, &err), HS_ERR_SCHEMA);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0); /* NOLINT(cert-env33-c): the test's own folder */
}

/* A build folder reported from another current folder: summary.json's relative paths are
 * found from the build folder up; the pipeline's [report] section gives the boundary file
 * (relative to the pipeline) and its weight set changes the effective weights; a value
 * missing in Raw.csv but present after the steps is imputed; levels come from the
 * structure. Values worked out by hand. */
static void test_units_and_keys(void **state)
{
    (void)state;
    char dir[] = "/tmp/hs_html_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[1100], p[1200], here[4096];
    snprintf(sub, sizeof sub, "%s/out", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    snprintf(sub, sizeof sub, "%s/out/b", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    put(dir, "structure.csv",
        "Level,iCode,iName,Direction,Weight,Parent,Type\n"
        "1,a,A,1,1,P1,Indicator\n1,b,B,1,3,P1,Indicator\n"
        "1,c,C,1,1,P2,Indicator\n2,P1,Pillar one,1,2,TOP,Aggregate\n"
        "2,P2,Pillar two,1,1,TOP,Aggregate\n3,TOP,Top index,1,1,,Aggregate\n");
    /* the set gives a weight 3 (b keeps 3): a = 3/6 * 2/3 = 1/3, b = 1/3, c = 1/3 */
    put(dir, "x.pipeline",
        "structure = structure.csv\n[aggregate]\nweights = w\n[weights w]\na = 3\n"
        "[report]\nmap = shapes.geojson\nmap_id = code\n");
    put(dir, "shapes.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}\n");
    put(sub, "Aggregated.csv",
        "\"uCode\",\"uName\",\"a\",\"b\",\"c\",\"P1\",\"P2\",\"TOP\"\n"
        "\"D1\",\"One\",0.5,0.2,0.3,0.3,0.3,0.3\n\"D2\",\"Two\",0.1,0.4,0.9,0.3,0.9,0.5\n");
    put(sub, "Raw.csv",
        "\"uCode\",\"uName\",\"a\",\"b\",\"c\"\n\"D1\",\"One\",NA,2,3\n"
        "\"D2\",\"Two\",1,4,9\n");
    put(sub, "treated_points.csv", "\"uCode\",\"a\",\"b\",\"c\"\n\"D1\",,,\n\"D2\",,\"winhi\",\n");
    put(sub, "summary.json",
        "{\n  \"pipeline\": \"x.pipeline\",\n  \"structure\": "
        "\"structure.csv\",\n  \"index\": \"TOP\",\n  \"scores\": []\n}\n");

    /* hsi_html_resolve: found under a folder above, else as given; absolute as it is */
    char *r = hsi_html_resolve(NULL, sub, "structure.csv");
    snprintf(p, sizeof p, "%s/structure.csv", dir);
    assert_string_equal(r, p);
    free(r);
    r = hsi_html_resolve(NULL, sub, "nowhere/none.csv");
    assert_string_equal(r, "nowhere/none.csv");
    free(r);
    r = hsi_html_resolve(NULL, sub, "/abs/x.csv");
    assert_string_equal(r, "/abs/x.csv");
    free(r);

    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir("/"), 0);
    snprintf(p, sizeof p, "%s/r.html", dir);
    hs_error err = {0};
    hs_status st = hs_report_html(NULL, sub, NULL, p, NULL, &err);
    assert_int_equal(chdir(here), 0);
    if (st != HS_OK) fail_msg("hs_report_html: %s", err.msg);
    char *page = slurp(p);
    expect(page, "{\"code\":\"a\",\"name\":\"A\",\"weight\":0.333333,");
    expect(page, "{\"code\":\"b\",\"name\":\"B\",\"weight\":0.333333,");
    expect(page, "\"name\":\"One\",\"raw\":[null,2,3],\"imputed\":[0],\"treated\":[],"
                 "\"agg\":[0.3,0.3,0.3]");
    expect(page, "\"name\":\"Two\",\"raw\":[1,4,9],\"imputed\":[],\"treated\":[1],");
    expect(page, "\"aggregates\":[{\"code\":\"P1\",\"name\":\"Pillar one\",\"level\":2},"
                 "{\"code\":\"P2\",\"name\":\"Pillar two\",\"level\":2},"
                 "{\"code\":\"TOP\",\"name\":\"Top index\",\"level\":3}]");
    expect(page, "\"map\":{\"file\":\"shapes.geojson\",\"id\":\"code\",\"text\":\"{");
    expect(page, "\"impute\":null,\"weights\":{\"from\":\"set\",\"name\":\"w\"}");
    expect(page, "\"sobol\":null,\"compare\":null,\"whatif\":null");
    expect(page, "\"pipelineFile\":\"x.pipeline\"");
    free(page);

    /* a boundary file that is no GeoJSON object: an error naming it, and no page */
    put(dir, "shapes.geojson", "[1, 2]\n");
    (void)remove(p); /* the page of the run above: a failed run must write none */
    assert_int_equal(chdir("/"), 0);
    st = hs_report_html(NULL, sub, NULL, p, NULL, &err);
    assert_int_equal(chdir(here), 0);
    assert_int_equal(st, HS_ERR_PARSE);
    assert_non_null(strstr(err.msg, "not a GeoJSON FeatureCollection"));
    assert_int_equal(access(p, F_OK), -1);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0); /* NOLINT(cert-env33-c): the test's own folder */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_escape),
        cmocka_unit_test(test_collect),
        cmocka_unit_test(test_units_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
