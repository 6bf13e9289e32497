/*
 * test_step_table.c - the step table (src/index/step_table.c) and the pipeline reader that
 * goes through it: every step kind has one entry with its section name, output and run
 * function; the alias [normalize] and the section [report] (checked, never run) are found;
 * and the messages that list the steps, written out here by hand, come out of the table
 * word for word, with the positions of the offending text.
 */
#include "testutil.h"

#include <string.h>

#include "index/steps_int.h"

static const char structure[] = "iCode,iName,Level,Parent,Direction,Weight,Type\n"
                                "a,A,1,P,1,1,Indicator\n"
                                "b,B,1,P,1,1,Indicator\n"
                                "P,Pillar,2,,1,1,Aggregate\n";

static void test_every_kind_once(void **state)
{
    (void)state;
    static const struct {
        hsi_step_kind kind;
        const char *name, *output;
    } want[] = {{HSI_STEP_DENOMINATE, "denominate", "Denominated"},
                {HSI_STEP_IMPUTE, "impute", "Imputed"},
                {HSI_STEP_SCREEN, "screen", "Screened"},
                {HSI_STEP_TREAT, "treat", "Treated"},
                {HSI_STEP_NORMALISE, "normalise", "Normalised"},
                {HSI_STEP_AGGREGATE, "aggregate", "Aggregated"}};
    size_t n, nstep = 0;
    const hsi_step_def *d = hsi_step_defs(&n);
    for (size_t i = 0; i < n; i++)
        nstep += d[i].run != NULL;
    assert_int_equal(nstep, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const hsi_step_def *e = hsi_step_def_of(want[i].kind);
        assert_int_equal(e->kind, want[i].kind);
        assert_string_equal(e->name, want[i].name);
        assert_string_equal(e->output, want[i].output);
        assert_non_null(e->run);
        assert_true(e == hsi_step_def_find(want[i].name));
    }
    assert_true(hsi_step_def_find("normalize") == hsi_step_def_of(HSI_STEP_NORMALISE));
    const hsi_step_def *r = hsi_step_def_find("report");
    assert_non_null(r);
    assert_null(r->run);
    assert_null(r->output);
    assert_null(hsi_step_def_find("data"));
    assert_null(hsi_step_def_find("weights"));
    assert_null(hsi_step_def_find("smooth"));
}

/* Reads `text` as a pipeline over the structure above; the status of the step sections. */
static hs_status read_steps(const char *text, hsi_pipeline *p, hs_error *err)
{
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    assert_non_null(ctx);
    hsi_ini ini;
    hsi_meta m;
    hsi_units u;
    memset(&ini, 0, sizeof ini);
    memset(&m, 0, sizeof m);
    memset(&u, 0, sizeof u);
    assert_int_equal(hsi_pipeline_parse(ctx, text, strlen(text), "t.pipeline", p, &ini, err),
                     HS_OK);
    assert_int_equal(hsi_meta_parse(ctx, structure, sizeof structure - 1, "s.csv", &m, err), HS_OK);
    hs_status st = hsi_pipeline_steps(ctx, &ini, &m, &u, p, err);
    hsi_ini_free(&ini);
    hsi_meta_free(ctx, &m);
    hsi_pipeline_free(ctx, p);
    hs_ctx_free(ctx);
    return st;
}

static void expect_error(const char *text, long line, long col, const char *msg)
{
    hsi_pipeline p;
    hs_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(read_steps(text, &p, &err), HS_ERR_PIPELINE);
    assert_string_equal(err.file, "t.pipeline");
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
    assert_string_equal(err.msg, msg);
}

static void test_messages(void **state)
{
    (void)state;
    const char *top = "structure = s.csv\n[data]\nfile = d.csv\n";
    char text[512];
    snprintf(text, sizeof text, "%s[normalise]\n[smooth]\n", top);
    expect_error(text, 5, 1,
                 "unknown step [smooth] (expected data, weights, denominate, impute, screen, "
                 "treat, normalise or aggregate)");
    snprintf(text, sizeof text, "%s[report]\nmap = m.geojson\n", top);
    expect_error(text, 0, 0,
                 "no steps (expected at least one of [denominate], [impute], [screen], "
                 "[treat], [normalise], [aggregate])");
    snprintf(text, sizeof text, "%s[report]\n  colour = red\n[normalise]\n", top);
    expect_error(text, 5, 3,
                 "unknown parameter 'colour' in [report] (expected one of: map, map_id, "
                 "compare, whatif, sensitivity)");
    snprintf(text, sizeof text, "%s[normalize]\nby = na\n", top);
    expect_error(text, 5, 1,
                 "unknown parameter 'by' in [normalize] (expected one of: method, "
                 "indicator.CODE, per, output)");
    snprintf(text, sizeof text, "%s[denominate]\n", top);
    expect_error(text, 4, 1, "[denominate] but no indicator has a Denominator in s.csv");
}

/* Steps in file order with the table's outputs, `output` and `per` read for every step,
 * [report] no step. */
static void test_steps_in_order(void **state)
{
    (void)state;
    hs_ctx *ctx = hs_ctx_new(NULL, NULL);
    assert_non_null(ctx);
    const char *text = "structure = s.csv\n[data]\nfile = d.csv\n[report]\nmap = m.geojson\n"
                       "[normalize]\nper = all\n[aggregate]\noutput = Index\n";
    hs_error err;
    hsi_ini ini;
    hsi_meta m;
    hsi_units u;
    hsi_pipeline p;
    memset(&ini, 0, sizeof ini);
    memset(&m, 0, sizeof m);
    memset(&u, 0, sizeof u);
    assert_int_equal(hsi_pipeline_parse(ctx, text, strlen(text), "t.pipeline", &p, &ini, &err),
                     HS_OK);
    assert_int_equal(hsi_meta_parse(ctx, structure, sizeof structure - 1, "s.csv", &m, &err),
                     HS_OK);
    assert_int_equal(hsi_pipeline_steps(ctx, &ini, &m, &u, &p, &err), HS_OK);
    assert_int_equal(p.nstep, 2);
    assert_int_equal(p.step[0].kind, HSI_STEP_NORMALISE);
    assert_string_equal(p.step[0].out_name, "Normalised");
    assert_int_equal(p.step[0].line, 6);
    assert_int_equal(p.step[0].pooled, 1);
    assert_int_equal(p.step[1].kind, HSI_STEP_AGGREGATE);
    assert_string_equal(p.step[1].out_name, "Index");
    assert_int_equal(p.step[1].line, 8);
    assert_int_equal(p.step[1].pooled, 0);
    hsi_ini_free(&ini);
    hsi_meta_free(ctx, &m);
    hsi_pipeline_free(ctx, &p);
    hs_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_once),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_steps_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
