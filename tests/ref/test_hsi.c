/*
 * test_hsi.c - the shipped Human Security Index (examples/hsi/, docs/hsi.md):
 *
 *   1. `humsec hsi-data` regenerates the committed indicator table byte for byte;
 *   2. the index builds, and every country-year with enough data is scored;
 *   3. spot checks of single values against the raw files, arithmetic written out;
 *   4. validity: Spearman correlation of the latest HSI with four indices nobody here built
 *      (FSI, GPI, INFORM Risk, HDI) has the expected sign and strength.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/engine_int.h"
#include "tu_build.h"

/* ---- helpers -------------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s", path);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    (void)fclose(fp); /* read only */
    *len = (size_t)n;
    return s;
}

/* Value of node `code` for unit `unit` in year `t` in dataset d (NaN if the row is absent). */
static double val(const hs_build *b, const hsi_dset *d, const char *unit, long t, const char *code)
{
    long node = hsi_meta_find(&b->meta, code);
    assert_true(node >= 0);
    long c = hsi_dset_col(d, (size_t)node);
    assert_true(c >= 0);
    for (size_t r = 0; r < d->nrow; r++) {
        size_t u = d->row[r];
        if (b->units.time[u] == t && !strcmp(b->units.code[u], unit))
            return hsi_col(d, (size_t)c)[r];
    }
    return NAN;
}

static hs_build *build_hsi(void)
{
    hs_error err = {0};
    hs_build *b = NULL;
    if (hs_build_run(NULL, tu_path("examples/hsi/hsi.pipeline"), &b, &err) != HS_OK)
        fail_msg("HSI build failed: %s", err.msg);
    b->quiet = 1;
    return b;
}

/* ---- 1. the data file is reproducible ---------------------------------------------------- */

static void test_regenerate(void **state)
{
    (void)state;
    char out[1024], miss[1024];
    snprintf(out, sizeof out, "%s/hsi_regen_long.csv", HS_BINARY_DIR);
    snprintf(miss, sizeof miss, "%s/hsi_regen_unmatched.csv", HS_BINARY_DIR);
    hs_hsi_data_opts o = {0};
    hs_hsi_data_info info;
    hs_error err = {0};
    /* options not set with hs_hsi_data_opts_init are refused before anything is read */
    assert_int_equal(hs_hsi_data_write(NULL, &o, out, &info, &err), HS_ERR_USAGE);
    assert_non_null(strstr(err.msg, "hs_hsi_data_opts_init"));
    hs_hsi_data_opts_init(&o);
    o.data_dir = tu_path("data");
    o.unmatched = miss;
    if (hs_hsi_data_write(NULL, &o, out, &info, &err) != HS_OK)
        fail_msg("hsi-data failed: %s", err.msg);
    assert_int_equal(info.from, 2005);
    assert_int_equal(info.to, 2023);
    assert_int_equal(info.countries, 195); /* every HDR country has some value */
    const char *pairs[2][2] = {{out, "data/hsi/hsi_indicators_long.csv"},
                               {miss, "data/hsi/hsi_unmatched.csv"}};
    for (int k = 0; k < 2; k++) {
        size_t na, nb;
        char *a = slurp(pairs[k][0], &na), *b = slurp(tu_path(pairs[k][1]), &nb);
        if (na != nb || memcmp(a, b, na))
            fail_msg("%s differs from a fresh 'humsec hsi-data' (run it and commit the result)",
                     pairs[k][1]);
        free(a);
        free(b);
        (void)remove(pairs[k][0]);
    }
}

/* ---- 2. builds; everyone with enough data is scored ------------------------------------ */

static void test_coverage(void **state)
{
    (void)state;
    hs_build *b = build_hsi();
    const hsi_dset *imp = tu_dset(b, "Imputed"), *ag = tu_dset(b, "Aggregated");
    const hsi_meta *m = &b->meta;
    /* pillar of each indicator column of the Imputed dataset */
    const char *pillars[3] = {"Fear", "Abuse", "Want"};
    size_t scored = 0, latest = 0, two_pillars = 0;
    long tmax = b->units.times[b->units.ntime - 1];
    assert_int_equal(tmax, 2023);
    for (size_t r = 0; r < imp->nrow; r++) {
        size_t u = imp->row[r];
        size_t have = 0, have_p[3] = {0}, n_p[3] = {0};
        for (size_t c = 0; c < imp->ncol; c++) {
            const hsi_node *nd = &m->node[imp->node[c]];
            int p = -1;
            for (int q = 0; q < 3; q++)
                if (!strcmp(nd->parent, pillars[q])) p = q;
            assert_true(p >= 0);
            n_p[p]++;
            if (!isnan(hsi_col(imp, c)[r])) have++, have_p[p]++;
        }
        /* the pipeline's rules: screen dat_thresh 0.66 of 15 indicators, a pillar needs 60 %
           of its indicators, the index all three pillars (dat_thresh.level.3 = 1) */
        int enough_rows = (double)have / (double)imp->ncol >= 0.66;
        size_t pill = 0;
        for (int q = 0; q < 3; q++)
            pill += (double)have_p[q] / (double)n_p[q] >= 0.6;
        int expect = enough_rows && pill == 3;
        double hsi = val(b, ag, b->units.code[u], b->units.time[u], "HSI");
        if (expect != !isnan(hsi))
            fail_msg("%s %ld: %zu indicators, %zu pillars, HSI %g", b->units.code[u],
                     b->units.time[u], have, pill, hsi);
        scored += expect;
        latest += expect && b->units.time[u] == tmax;
        if (enough_rows && pill == 2) two_pillars++; /* left unscored: docs/hsi.md */
    }
    printf("# %zu country-years scored (%zu in %ld); %zu left unscored with two pillars\n", scored,
           latest, tmax, two_pillars);
    assert_true(two_pillars <= 74);
    /* 2023: 189 of the 195 HDR countries; not scored: Hong Kong and Palestine (not states in
       UCDP, PTS, V-Dem or Fariss), Monaco (no HDR schooling or income), North Korea,
       Liechtenstein and Micronesia (one pillar too thin) - docs/hsi.md */
    assert_int_equal(latest, 189);
    assert_true(scored > (size_t)19 * 180);
    hs_build_free(b);
}

/* ---- 3. spot checks against the raw files ----------------------------------------------- */

static void test_spot(void **state)
{
    (void)state;
    hs_build *b = build_hsi();
    const hsi_dset *raw = tu_dset(b, "Raw"), *nrm = tu_dset(b, "Normalised"),
                   *ag = tu_dset(b, "Aggregated");
    /* rates are printed to 12 significant digits in the data file */
    const double tol = 1e-9;

    /* Syria 2014, deaths in organised violence per 100 000:
       UCDP OV 25.1, GW 652, 2014: state-based 66071 + non-state 10413 + one-sided 2205
       = 78689 deaths; WDI SP.POP.TOTL 2014 = 20273659;
       78689 / 20273659 * 100000 = 388.13417943 */
    TU_ASSERT_CLOSE(val(b, raw, "SYR", 2014, "deaths"), 78689.0 / 20273659.0 * 1e5, tol,
                    "SYR 2014 deaths");
    /* Syria 2014, forcibly displaced per 1 000: UNHCR by origin refugees 3887490 + asylum
       seekers 79649 + other in need of protection 0, plus IDMC conflict IDPs 7600000
       = 11567139; / 20273659 * 1000 = 570.55014 */
    TU_ASSERT_CLOSE(val(b, raw, "SYR", 2014, "displaced"),
                    (3887490.0 + 79649.0 + 0.0 + 7600000.0) / 20273659.0 * 1e3, tol,
                    "SYR 2014 displaced");
    /* Colombia 2020: (189866 + 70917 + 0 + 4922000) / 50629997 * 1000 = 102.36586 */
    TU_ASSERT_CLOSE(val(b, raw, "COL", 2020, "displaced"),
                    (189866.0 + 70917.0 + 4922000.0) / 50629997.0 * 1e3, tol, "COL 2020 displaced");
    /* Mexico 2015, PTS by ISO numeric 484: Amnesty 5, HRW 3, State 4 -> (5+3+4)/3 = 4;
       Fariss by COW 70: theta_mean -1.33005690213102 (printed to 12 digits);
       V-Dem physical violence by GW 70: 0.524 */
    TU_ASSERT_CLOSE(val(b, raw, "MEX", 2015, "pts"), (5.0 + 3.0 + 4.0) / 3.0, tol, "MEX pts");
    TU_ASSERT_CLOSE(val(b, raw, "MEX", 2015, "hrps"), -1.33005690213102, tol, "MEX hrps");
    TU_ASSERT_CLOSE(val(b, raw, "MEX", 2015, "physint"), 0.524, tol, "MEX physint");
    /* Afghanistan 2005: (1595 + 0 + 116) deaths / 24404567 * 100000 = 7.0109828 */
    TU_ASSERT_CLOSE(val(b, raw, "AFG", 2005, "deaths"), 1711.0 / 24404567.0 * 1e5, tol,
                    "AFG 2005 deaths");

    /* Normalisation of Colombia 2020.
       Life expectancy 74.769 on UNDP's goalposts 20..85, times 100:
       (74.769 - 20) / 65 * 100 = 84.26 */
    TU_ASSERT_CLOSE(val(b, nrm, "COL", 2020, "le"), (74.769 - 20.0) / 65.0 * 100.0, 1e-9,
                    "COL le normalised");
    /* GNI per capita 13219.78107 on log goalposts 100..75000:
       (ln 13219.78107 - ln 100) / (ln 75000 - ln 100) * 100 = 73.78 */
    TU_ASSERT_CLOSE(val(b, nrm, "COL", 2020, "gnipc"),
                    (log(13219.78107) - log(100.0)) / (log(75000.0) - log(100.0)) * 100.0, 1e-9,
                    "COL gnipc normalised");
    /* PTS 3.33333 (Amnesty 3, HRW 4, State 3), direction -1, min-max over all years pooled;
       the pooled range is the full scale 1..5: (5 - 10/3) / (5 - 1) * 100 = 41.667 */
    TU_ASSERT_CLOSE(val(b, raw, "COL", 2020, "pts"), 10.0 / 3.0, tol, "COL pts");
    TU_ASSERT_CLOSE(val(b, nrm, "COL", 2020, "pts"), (5.0 - 10.0 / 3.0) / 4.0 * 100.0, tol,
                    "COL pts normalised");

    /* Aggregation: a pillar is the mean of its normalised indicators, the HSI the mean of
       the three pillars (equal weights). */
    const char *want[7] = {"le", "eys", "mys", "gnipc", "undernourish", "u5mr", "poverty"};
    double s = 0;
    for (int k = 0; k < 7; k++)
        s += val(b, nrm, "COL", 2020, want[k]);
    TU_ASSERT_CLOSE(val(b, ag, "COL", 2020, "Want"), s / 7.0, 1e-12, "COL Want");
    double hsi = (val(b, ag, "COL", 2020, "Fear") + val(b, ag, "COL", 2020, "Abuse") +
                  val(b, ag, "COL", 2020, "Want")) /
                 3.0;
    TU_ASSERT_CLOSE(val(b, ag, "COL", 2020, "HSI"), hsi, 1e-12, "COL HSI");
    hs_build_free(b);
}

/* ---- 4. validity -------------------------------------------------------------------------- */

/* Spearman correlation between the latest HSI and one external index, over the countries
 * both have. ext_code/ext_val: n external values keyed by ISO3. */
static double spearman_with(const hs_build *b, const hsi_dset *ag, long t, const char **codes,
                            const double *ext, size_t n, size_t *npairs)
{
    double *x = calloc(n + 1, sizeof *x), *y = calloc(n + 1, sizeof *y);
    double *work = calloc(4 * n + 4, sizeof *work);
    size_t *wsz = calloc(n + 1, sizeof *wsz);
    assert_true(x && y && work && wsz);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double h = val(b, ag, codes[i], t, "HSI");
        if (isnan(h) || isnan(ext[i])) continue;
        x[m] = h;
        y[m++] = ext[i];
    }
    double rho = hsi_corr_spearman(x, y, m, work, wsz);
    *npairs = m;
    free(x);
    free(y);
    free(work);
    free(wsz);
    return rho;
}

typedef struct ext_tab {
    size_t n;
    const char *code[400];
    double v[400];
} ext_tab;

static void ext_add(ext_tab *e, const char *code, double v)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->code[i], code))
            return; /* long files repeat the total once per sub-indicator */
    assert_true(e->n < 400);
    e->code[e->n] = code;
    e->v[e->n++] = v;
}

static void test_validity(void **state)
{
    (void)state;
    hs_build *b = build_hsi();
    const hsi_dset *ag = tu_dset(b, "Aggregated");
    long t = 2023; /* the latest HSI year */
    hsi_csv fsi, gpi, inf, hdr;
    tu_csv_load(tu_path("data/fsi/fsi_2006_2023_long.csv"), &fsi);
    tu_csv_load(tu_path("data/gpi/gpi_data_overall_scores.csv"), &gpi);
    tu_csv_load(tu_path("data/inform/INFORM_Risk_2023_v065_scores.csv"), &inf);
    tu_csv_load(tu_path("data/hdr/HDR23-24_Composite_indices_complete_time_series.csv"), &hdr);
    static ext_tab e[4];
    memset(e, 0, sizeof e);
    /* FSI 2023 total (0-120, higher = more fragile) */
    long jg = hsi_csv_find(&fsi, "geo"), jt = hsi_csv_find(&fsi, "t"),
         jv = hsi_csv_find(&fsi, "total");
    for (size_t r = 0; r < fsi.nrow; r++)
        if (!strcmp(hsi_csv_get(&fsi, r, (size_t)jt), "2023"))
            ext_add(&e[0], hsi_csv_get(&fsi, r, (size_t)jg),
                    tu_num(hsi_csv_get(&fsi, r, (size_t)jv)));
    /* GPI 2022 edition, the latest in the file (0.000 = not covered) */
    jg = hsi_csv_find(&gpi, "iso3c");
    jv = hsi_csv_find(&gpi, "2022");
    for (size_t r = 0; r < gpi.nrow; r++) {
        double v = tu_num(hsi_csv_get(&gpi, r, (size_t)jv));
        ext_add(&e[1], hsi_csv_get(&gpi, r, (size_t)jg), v > 0 ? v : (double)NAN);
    }
    /* INFORM Risk 2023 (0-10, higher = more risk) */
    jg = hsi_csv_find(&inf, "ISO3");
    jv = hsi_csv_find(&inf, "INFORM RISK");
    for (size_t r = 0; r < inf.nrow; r++)
        ext_add(&e[2], hsi_csv_get(&inf, r, (size_t)jg), tu_num(hsi_csv_get(&inf, r, (size_t)jv)));
    /* HDI 2022, the latest published */
    jg = hsi_csv_find(&hdr, "iso3");
    jv = hsi_csv_find(&hdr, "hdi_2022");
    for (size_t r = 0; r < hdr.nrow; r++)
        if (strncmp(hsi_csv_get(&hdr, r, (size_t)jg), "ZZ", 2))
            ext_add(&e[3], hsi_csv_get(&hdr, r, (size_t)jg),
                    tu_num(hsi_csv_get(&hdr, r, (size_t)jv)));
    /* Thresholds: the expected sign, with a strength set about 0.1 below what was observed
       when the index was first built (-0.91, -0.89, -0.84, +0.78; docs/hsi.md), so a data
       update passes but a broken direction, code mapping or year does not. Why each is
       strong: the FSI scores the same ground (security apparatus, refugees and IDPs, human
       rights, public services); the GPI is about violence and militarisation, two of our three
       pillars; INFORM Risk adds natural hazards that have nothing to do with human security,
       so it is looser; the HDI shares four of our fifteen inputs but knows nothing of fear or
       abuse, so it is the loosest. */
    const char *name[4] = {"FSI 2023", "GPI 2022", "INFORM Risk 2023", "HDI 2022"};
    const double bound[4] = {-0.80, -0.78, -0.72, 0.65};
    const size_t min_pairs[4] = {170, 155, 185, 185};
    for (int k = 0; k < 4; k++) {
        size_t np;
        double rho = spearman_with(b, ag, t, e[k].code, e[k].v, e[k].n, &np);
        printf("# Spearman(HSI 2023, %s) = %.3f over %zu countries (bound %+.2f)\n", name[k], rho,
               np, bound[k]);
        assert_true(np >= min_pairs[k]);
        if (bound[k] < 0 ? !(rho <= bound[k]) : !(rho >= bound[k]))
            fail_msg("Spearman with %s is %.3f (expected %s %.2f)", name[k], rho,
                     bound[k] < 0 ? "<=" : ">=", bound[k]);
    }
    hsi_csv_free(&fsi);
    hsi_csv_free(&gpi);
    hsi_csv_free(&inf);
    hsi_csv_free(&hdr);
    hs_build_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regenerate),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_spot),
        cmocka_unit_test(test_validity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
