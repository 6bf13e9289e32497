/*
 * assemble.c - the indicator table of the Human Security Index (docs/hsi.md), assembled from
 * the raw sources exactly as published (data/PROVENANCE.md): read each source, map its
 * country codes to ISO3 (xwalk.c), keep the countries of the HDR file, turn counts into
 * per-capita rates and write one long CSV (uCode, uName, Time, iCode, Value).
 *
 * Only arithmetic that turns a source into the indicator it stands for happens here (sums of
 * violence types, rates per population, the mean of the PTS sources). Every index choice
 * (directions, transforms, gap filling, coverage, weights, normalisation, aggregation) is in
 * examples/hsi/ and is left to the engine.
 */
#include "hsi_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv_int.h"

/* Years held in memory; sources outside are skipped. */
#define ASM_Y0 1990
#define ASM_NY 40

/* Indicators written, in output order (iCode = the structure's codes). */
enum {
    IND_DEATHS,
    IND_HOMICIDE,
    IND_DISPLACED,
    IND_PTS,
    IND_PHYSINT,
    IND_HRPS,
    IND_CIVLIB,
    IND_ROL,
    IND_LE,
    IND_EYS,
    IND_MYS,
    IND_GNIPC,
    IND_UNDERNOURISH,
    IND_U5MR,
    IND_POVERTY,
    NIND,
    /* intermediate slots: counts and denominators */
    X_DEATHS_N = NIND,
    X_UNHCR_N,
    X_IDP_N,
    X_POP_WDI,
    X_POP_HDR,
    X_PTS_SUM,
    X_PTS_N,
    NSLOT
};

static const char *const asm_icode[NIND] = {
    "deaths", "homicide", "displaced", "pts",   "physint",      "hrps", "civlib", "rol",
    "le",     "eys",      "mys",       "gnipc", "undernourish", "u5mr", "poverty"};

typedef enum { MODE_SET, MODE_ADD, MODE_MEAN } asm_mode;

/* One source file: which columns hold the country code, year and values, and where each
 * value goes. With key_col set (long files), value column val_col[0] goes to slot[i] when
 * the row's key equals key_val[i]. */
typedef struct asm_src {
    const char *label, *file;
    hsi_code_sys sys;
    const char *code_col, *alt_code_col; /* alt: used when code_col is missing (COW in PTS) */
    hsi_code_sys alt_sys;
    const char *name_col, *year_col;
    asm_mode mode;
    size_t nval;
    const char *val_col[4];
    int slot[4];
    const char *key_col;
    const char *key_val[4];
} asm_src;

static const asm_src asm_sources[] = {
    /* Laid out by hand, a source per group of lines: its file; code, name and year columns and how
     * values combine; value columns, their slots and the key column. */
    /* clang-format off */
    /* UCDP organised violence: state-based + non-state + one-sided, best estimates */
    {"ucdp", "ucdp_cy/organizedviolencecy_v25_1.csv",
     HSI_CODE_GW, "country_id_cy", NULL, 0, "country_cy", "year_cy", MODE_ADD, 3,
     {"sb_total_deaths_best_cy", "ns_total_deaths_best_cy", "os_total_deaths_best_cy"},
     {X_DEATHS_N, X_DEATHS_N, X_DEATHS_N}, NULL, {NULL}},
    {"wdi", "wdi/wdi_long.csv",
     HSI_CODE_ISO3, "iso3", NULL, 0, NULL, "year", MODE_SET, 4,
     {"value"}, {IND_HOMICIDE, IND_UNDERNOURISH, IND_U5MR, X_POP_WDI},
     "indicator", {"VC.IHR.PSRC.P5", "SN.ITK.DEFC.ZS", "SH.DYN.MORT", "SP.POP.TOTL"}},
    {"wdi", "wdi/wdi_long.csv",
     HSI_CODE_ISO3, "iso3", NULL, 0, NULL, "year", MODE_SET, 1,
     {"value"}, {IND_POVERTY}, "indicator", {"SI.POV.DDAY"}},
    /* UNHCR: people forcibly displaced across borders, by origin */
    {"unhcr", "unhcr/unhcr_by_origin_1990_2025.csv",
     HSI_CODE_ISO3, "coo_iso", NULL, 0, "coo_name", "year", MODE_ADD, 3,
     {"refugees", "asylum_seekers", "oip"}, {X_UNHCR_N, X_UNHCR_N, X_UNHCR_N}, NULL, {NULL}},
    /* IDMC: internally displaced by conflict and violence (stock) */
    {"idmc", "unhcr/idmc_conflict_idps_by_country_1990_2025.csv",
     HSI_CODE_ISO3, "coo_iso", NULL, 0, "coo_name", "year", MODE_ADD, 1,
     {"total"}, {X_IDP_N}, NULL, {NULL}},
    {"pts", "pts/PTS-2024.csv",
     HSI_CODE_ISONUM, "UN_Code_N", "COW_Code_N", HSI_CODE_COW, "Country", "Year", MODE_MEAN, 3,
     {"PTS_A", "PTS_H", "PTS_S"}, {X_PTS_SUM, X_PTS_SUM, X_PTS_SUM}, NULL, {NULL}},
    {"vdem", "vdem/vdem_v12_physint_1970_2021.csv",
     HSI_CODE_GW, "gwcode", NULL, 0, NULL, "year", MODE_SET, 1,
     {"v2x_clphy"}, {IND_PHYSINT}, NULL, {NULL}},
    {"hrps", "hrps/HumanRightsProtectionScores_v4.01_amnesty_report_count_v2.csv",
     HSI_CODE_COW, "COW", NULL, 0, "country_name", "YEAR", MODE_SET, 1,
     {"theta_mean"}, {IND_HRPS}, NULL, {NULL}},
    {"freedomhouse", "freedomhouse/fiw_ratings_statuses_1972_2023.csv",
     HSI_CODE_ISO3, "iso3c", NULL, 0, "country", "year", MODE_SET, 1,
     {"civil_liberties"}, {IND_CIVLIB}, NULL, {NULL}},
    {"vdem", "vdem/demspaces_dv_data_1968_on.csv",
     HSI_CODE_GW, "gwcode", NULL, 0, "country_name", "year", MODE_SET, 1,
     {"v2xcl_rol"}, {IND_ROL}, NULL, {NULL}},
    /* clang-format on */
};

/* A source code that matched no HDR country, with the rows and years it covered. */
typedef struct asm_miss {
    char source[16], sys[8], code[24], name[64];
    const char *reason;
    unsigned rows[ASM_NY]; /* source rows per year */
} asm_miss;

typedef struct asm_tab {
    hs_ctx *ctx;
    size_t nc;
    char (*iso)[4]; /* sorted */
    char **name;
    double *v; /* [(c * ASM_NY + y) * NSLOT + slot] */
    long from, to;
    size_t nmiss, capmiss;
    asm_miss *miss;
    size_t dups;
    const char *dir; /* the sources' folder */
} asm_tab;

static double *asm_at(const asm_tab *t, size_t c, long year, int slot)
{
    return &t->v[(c * ASM_NY + (size_t)(year - ASM_Y0)) * NSLOT + (size_t)slot];
}

static int asm_cmp_iso(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static long asm_country(const asm_tab *t, const char *iso)
{
    const char *p = bsearch(iso, t->iso, t->nc, sizeof *t->iso, asm_cmp_iso);
    return p ? (long)((size_t)(p - t->iso[0]) / sizeof *t->iso) : -1;
}

static const char *asm_sys_name(hsi_code_sys s)
{
    return s == HSI_CODE_GW       ? "gw"
           : s == HSI_CODE_COW    ? "cow"
           : s == HSI_CODE_ISONUM ? "isonum"
                                  : "iso3";
}

static hs_status asm_note_miss(asm_tab *t, const char *label, hsi_code_sys sys, const char *code,
                               const char *name, long year, const char *reason, hs_error *err)
{
    if (year < t->from || year > t->to) return HS_OK;
    for (size_t i = 0; i < t->nmiss; i++) {
        asm_miss *m = &t->miss[i];
        /* an empty code is told apart by the name the source gives */
        if (!strcmp(m->source, label) && !strcmp(m->code, code) &&
            !strcmp(m->sys, asm_sys_name(sys)) &&
            (strcmp(code, "(empty)") || !strcmp(m->name, name ? name : ""))) {
            m->rows[year - ASM_Y0]++;
            return HS_OK;
        }
    }
    if (t->nmiss == t->capmiss) {
        size_t cap = t->capmiss ? 2 * t->capmiss : 64;
        asm_miss *p = hsi_realloc(t->ctx, t->miss, cap * sizeof *p);
        if (!p) return hsi_err_nomem(err);
        t->miss = p;
        t->capmiss = cap;
    }
    asm_miss *m = &t->miss[t->nmiss++];
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "%s", label);
    snprintf(m->sys, sizeof m->sys, "%s", asm_sys_name(sys));
    snprintf(m->code, sizeof m->code, "%s", code);
    snprintf(m->name, sizeof m->name, "%s", name ? name : "");
    m->reason = reason;
    m->rows[year - ASM_Y0] = 1;
    return HS_OK;
}

/* A value cell: empty, "NA" and ".." are missing (NaN); anything else must be a number. */
static hs_status asm_num(const hsi_csv *c, size_t r, size_t j, double *out, hs_error *err)
{
    const char *s = hsi_csv_get(c, r, j);
    if (!*s || !strcmp(s, "NA") || !strcmp(s, ".."))
        *out = NAN;
    else if (hsi_parse_double(s, out))
        return hsi_err(err, HS_ERR_PARSE, c->file, c->line[r], c->col[r * c->ncol + j],
                       "'%s' is not a number (expected a number, NA or empty)", s);
    return HS_OK;
}

static hs_status asm_need(const hsi_csv *c, const char *name, long *j, hs_error *err)
{
    *j = hsi_csv_find(c, name);
    if (*j < 0)
        return hsi_err(err, HS_ERR_SCHEMA, c->file, c->head_line, 0,
                       "no column '%s' (expected the layout described in data/PROVENANCE.md)",
                       name);
    return HS_OK;
}

/* Put one value into its slot by the source's mode. */
static void asm_put(asm_tab *t, size_t ci, long year, int slot, asm_mode mode, double x)
{
    double *p = asm_at(t, ci, year, slot);
    if (isnan(x)) return;
    if (mode == MODE_SET && !isnan(*p))
        return; /* a long file's second row for the same key: asm_read_source counted it */
    *p = isnan(*p) ? x : *p + x;
    if (mode == MODE_MEAN) {
        double *n = asm_at(t, ci, year, X_PTS_N);
        *n = isnan(*n) ? 1 : *n + 1;
    }
}

static hs_status asm_read_source(asm_tab *t, const hsi_xwalk *xw, const char *dir, const asm_src *s,
                                 hs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, s->file);
    hsi_csv c;
    hs_status st = hsi_csv_read(t->ctx, path, &c, err);
    if (st) return st;
    long jcode, jyear, jalt = -1, jname = -1, jkey = -1, jval[4];
    unsigned char *seen = NULL;
    if ((st = asm_need(&c, s->code_col, &jcode, err)) ||
        (st = asm_need(&c, s->year_col, &jyear, err)))
        goto done;
    if (s->alt_code_col && (st = asm_need(&c, s->alt_code_col, &jalt, err))) goto done;
    if (s->name_col && (st = asm_need(&c, s->name_col, &jname, err))) goto done;
    if (s->key_col && (st = asm_need(&c, s->key_col, &jkey, err))) goto done;
    size_t ncols = s->key_col ? 1 : s->nval;
    for (size_t k = 0; k < ncols; k++)
        if ((st = asm_need(&c, s->val_col[k], &jval[k], err))) goto done;
    /* rows already seen per country-year (and key): SET and MEAN sources keep the first row
       of a country-year when two codes map to one country; ADD sources (UCDP deaths,
       displacement) sum them, which folds historical states into their successor */
    seen = hsi_calloc(t->ctx, t->nc * ASM_NY * (s->nval + 1), 1);
    if (!seen) {
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t r = 0; r < c.nrow; r++) {
        int slot_of_key = -1;
        size_t key_idx = 0;
        if (s->key_col) {
            const char *key = hsi_csv_get(&c, r, (size_t)jkey);
            for (size_t k = 0; k < s->nval; k++)
                if (!strcmp(key, s->key_val[k])) slot_of_key = s->slot[k], key_idx = k;
            if (slot_of_key < 0) continue;
        }
        long year;
        if (hsi_parse_long(hsi_csv_get(&c, r, (size_t)jyear), &year)) {
            st = hsi_err(err, HS_ERR_PARSE, c.file, c.line[r], c.col[r * c.ncol + (size_t)jyear],
                         "'%s' is not a year", hsi_csv_get(&c, r, (size_t)jyear));
            goto done;
        }
        if (year < ASM_Y0 || year >= ASM_Y0 + ASM_NY) continue;
        double x[4];
        int nx = 0;
        for (size_t k = 0; k < ncols; k++) {
            if ((st = asm_num(&c, r, (size_t)jval[k], &x[k], err))) goto done;
            nx += !isnan(x[k]);
        }
        if (!nx) continue; /* an all-missing row (PTS keeps rows for states that no longer exist) */
        const char *code = hsi_csv_get(&c, r, (size_t)jcode);
        hsi_code_sys sys = s->sys;
        if (jalt >= 0 && (!*code || !strcmp(code, "NA"))) {
            code = hsi_csv_get(&c, r, (size_t)jalt);
            sys = s->alt_sys;
        }
        const char *name = jname >= 0 ? hsi_csv_get(&c, r, (size_t)jname) : NULL;
        const char *iso = hsi_xwalk_iso3(xw, sys, code);
        long ci = iso ? asm_country(t, iso) : -1;
        if (ci < 0) {
            /* WDI aggregates (WLD, AFE, ...) are not countries: no need to report them */
            if (!strcmp(s->label, "wdi")) continue;
            st = asm_note_miss(t, s->label, sys, *code ? code : "(empty)", name, year,
                               iso ? "ISO3 code not in the HDR country list"
                                   : "no ISO3 code in the crosswalks",
                               err);
            if (st) goto done;
            continue;
        }
        if (s->mode != MODE_ADD) {
            unsigned char *sn =
                &seen[((size_t)ci * ASM_NY + (size_t)(year - ASM_Y0)) * (s->nval + 1) + key_idx];
            if (*sn) {
                t->dups += year >= t->from && year <= t->to;
                continue;
            }
            *sn = 1;
        }
        for (size_t k = 0; k < ncols; k++)
            asm_put(t, (size_t)ci, year, s->key_col ? slot_of_key : s->slot[k], s->mode, x[k]);
    }
done:
    hsi_free(t->ctx, seen);
    hsi_csv_free(&c);
    return st;
}

/* The HDR file: the country list (iso3 not starting with ZZ), names, the four HDI inputs and
 * the population (millions) of every year it has. */
static hs_status asm_read_hdr(asm_tab *t, const char *dir, hs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/hdr/HDR23-24_Composite_indices_complete_time_series.csv", dir);
    hsi_csv c;
    hs_status st = hsi_csv_read(t->ctx, path, &c, err);
    if (st) return st;
    long jiso, jname;
    if ((st = asm_need(&c, "iso3", &jiso, err)) || (st = asm_need(&c, "country", &jname, err)))
        goto done;
    t->iso = hsi_calloc(t->ctx, c.nrow + 1, sizeof *t->iso);
    t->name = hsi_calloc(t->ctx, c.nrow + 1, sizeof *t->name);
    if (!t->iso || !t->name) {
        st = hsi_err_nomem(err);
        goto done;
    }
    size_t *rowof = hsi_calloc(t->ctx, c.nrow + 1, sizeof *rowof);
    if (!rowof) {
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t r = 0; r < c.nrow; r++) {
        const char *iso = hsi_csv_get(&c, r, (size_t)jiso);
        if (!strncmp(iso, "ZZ", 2)) continue;
        if (strlen(iso) != 3) {
            hsi_free(t->ctx, rowof);
            st = hsi_err(err, HS_ERR_PARSE, c.file, c.line[r], 0, "'%s' is not an ISO3 code", iso);
            goto done;
        }
        memcpy(t->iso[t->nc++], iso, 4);
    }
    qsort(t->iso, t->nc, sizeof *t->iso, asm_cmp_iso);
    for (size_t r = 0; r < c.nrow; r++) {
        long ci = asm_country(t, hsi_csv_get(&c, r, (size_t)jiso));
        if (ci >= 0) rowof[ci] = r;
    }
    t->v = hsi_malloc(t->ctx, t->nc * ASM_NY * NSLOT * sizeof *t->v);
    if (!t->v) {
        hsi_free(t->ctx, rowof);
        st = hsi_err_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < t->nc * ASM_NY * NSLOT; i++)
        t->v[i] = NAN;
    static const char *const pre[5] = {"le", "eys", "mys", "gnipc", "pop_total"};
    static const int slot[5] = {IND_LE, IND_EYS, IND_MYS, IND_GNIPC, X_POP_HDR};
    for (size_t ci = 0; ci < t->nc && !st; ci++) {
        size_t r = rowof[ci];
        if (!(t->name[ci] = hsi_strdup(t->ctx, hsi_csv_get(&c, r, (size_t)jname)))) {
            st = hsi_err_nomem(err);
            break;
        }
        for (long y = ASM_Y0; y < ASM_Y0 + ASM_NY && !st; y++)
            for (int k = 0; k < 5; k++) {
                char col[32];
                snprintf(col, sizeof col, "%s_%ld", pre[k], y);
                long j = hsi_csv_find(&c, col);
                if (j >= 0 && (st = asm_num(&c, r, (size_t)j, asm_at(t, ci, y, slot[k]), err)))
                    break;
            }
    }
    hsi_free(t->ctx, rowof);
done:
    hsi_csv_free(&c);
    return st;
}

/* Rates and means from the counts. Population: WDI SP.POP.TOTL (one consistent series for
 * 2005 on), else the HDR's pop_total (millions). */
static void asm_derive(asm_tab *t)
{
    for (size_t ci = 0; ci < t->nc; ci++)
        for (long y = ASM_Y0; y < ASM_Y0 + ASM_NY; y++) {
            double pop = *asm_at(t, ci, y, X_POP_WDI);
            if (isnan(pop)) pop = *asm_at(t, ci, y, X_POP_HDR) * 1e6;
            double d = *asm_at(t, ci, y, X_DEATHS_N);
            double un = *asm_at(t, ci, y, X_UNHCR_N), idp = *asm_at(t, ci, y, X_IDP_N);
            if (pop > 0) {
                *asm_at(t, ci, y, IND_DEATHS) = d / pop * 1e5;
                /* UNHCR's table lists only origin-asylum pairs with people in them, and IDMC
                   only countries with conflict IDPs: a country absent there has none recorded */
                *asm_at(t, ci, y, IND_DISPLACED) =
                    ((isnan(un) ? 0 : un) + (isnan(idp) ? 0 : idp)) / pop * 1e3;
            }
            double n = *asm_at(t, ci, y, X_PTS_N);
            if (n > 0) *asm_at(t, ci, y, IND_PTS) = *asm_at(t, ci, y, X_PTS_SUM) / n;
        }
}

/* The latest year with data: the last year in which at least half of the HDR countries have
 * a value. A stray early release (two countries' 2024 poverty surveys) does not open a year
 * in which nobody else could be scored. */
static long asm_last_year(const asm_tab *t)
{
    long last = 0;
    for (long y = t->from; y <= t->to; y++) {
        size_t n = 0;
        for (size_t ci = 0; ci < t->nc; ci++) {
            int any = 0;
            for (int k = 0; k < NIND && !any; k++)
                any = !isnan(*asm_at(t, ci, y, k));
            n += (size_t)any;
        }
        if (2 * n >= t->nc) last = y;
    }
    return last;
}

/* Write b as path; the path may be none of the sources. */
static hs_status asm_write_file(const asm_tab *t, const char *path, const hsi_buf *b, hs_error *err)
{
    enum { NSRC = sizeof asm_sources / sizeof asm_sources[0] };
    char src[NSRC + 1][4096];
    const char *in[NSRC + 1];
    snprintf(src[0], sizeof src[0], "%s/hdr/HDR23-24_Composite_indices_complete_time_series.csv",
             t->dir);
    for (size_t i = 0; i < NSRC; i++)
        snprintf(src[i + 1], sizeof src[i + 1], "%s/%s", t->dir, asm_sources[i].file);
    for (size_t i = 0; i <= NSRC; i++)
        in[i] = src[i];
    return hsi_out_file_write(t->ctx, path, in, NSRC + 1, b->s, b->len, err);
}

static void asm_num_out(hsi_buf *b, double v)
{
    /* 12 significant digits: every source value prints as published, rates keep far more
       precision than their inputs have, and the text is the same on every run */
    hsi_buf_printf(b, "%.12g", v);
}

static hs_status asm_write_long(asm_tab *t, const char *path, hs_hsi_data_info *info, hs_error *err)
{
    hsi_buf b;
    hsi_buf_init(&b, t->ctx);
    hsi_buf_puts(&b, "uCode,uName,Time,iCode,Value\n");
    for (size_t ci = 0; ci < t->nc; ci++) {
        int any = 0;
        for (long y = t->from; y <= t->to; y++)
            for (int k = 0; k < NIND; k++) {
                double v = *asm_at(t, ci, y, k);
                if (isnan(v)) continue;
                hsi_buf_printf(&b, "%s,", t->iso[ci]);
                hsi_buf_csv_str(&b, t->name[ci]);
                hsi_buf_printf(&b, ",%ld,%s,", y, asm_icode[k]);
                asm_num_out(&b, v);
                hsi_buf_puts(&b, "\n");
                info->values++;
                any = 1;
            }
        info->countries += (size_t)any;
    }
    hs_status st = b.oom ? hsi_err_nomem(err) : asm_write_file(t, path, &b, err);
    hsi_buf_free(&b);
    return st;
}

static hs_status asm_write_miss(asm_tab *t, const char *path, hs_error *err)
{
    hsi_buf b;
    hsi_buf_init(&b, t->ctx);
    hsi_buf_puts(&b, "source,code_system,code,name_in_source,rows,first_year,last_year,reason\n");
    for (size_t i = 0; i < t->nmiss; i++) {
        const asm_miss *m = &t->miss[i];
        unsigned long rows = 0;
        long y0 = 0, y1 = 0;
        for (long y = t->from; y <= t->to; y++) {
            unsigned n = m->rows[y - ASM_Y0];
            if (!n) continue;
            rows += n;
            y0 = y0 ? y0 : y;
            y1 = y;
        }
        hsi_buf_printf(&b, "%s,%s,", m->source, m->sys);
        hsi_buf_csv_str(&b, m->code);
        hsi_buf_puts(&b, ",");
        hsi_buf_csv_str(&b, m->name);
        hsi_buf_printf(&b, ",%lu,%ld,%ld,", rows, y0, y1);
        hsi_buf_csv_str(&b, m->reason);
        hsi_buf_puts(&b, "\n");
    }
    hs_status st = b.oom ? hsi_err_nomem(err) : asm_write_file(t, path, &b, err);
    hsi_buf_free(&b);
    return st;
}

/* One warning per source naming the codes that matched nothing (the CSV has the details). */
static void asm_log_miss(const asm_tab *t)
{
    for (size_t i = 0; i < t->nmiss; i++) {
        int first = 1;
        for (size_t q = 0; q < i; q++)
            first &= strcmp(t->miss[q].source, t->miss[i].source) != 0;
        if (!first) continue;
        char list[768] = "";
        size_t n = 0, len = 0;
        for (size_t q = i; q < t->nmiss; q++) {
            const asm_miss *m = &t->miss[q];
            if (strcmp(m->source, t->miss[i].source)) continue;
            n++;
            if (len < sizeof list - 80) {
                int w = snprintf(list + len, sizeof list - len, "%s%s %s%s%s%s", n > 1 ? ", " : "",
                                 m->sys, m->code, m->name[0] ? " (" : "", m->name,
                                 m->name[0] ? ")" : "");
                len += w > 0 ? (size_t)w : 0;
            }
        }
        hsi_log(t->ctx, 1, "%s: %zu code%s matched no HDR country: %s%s", t->miss[i].source, n,
                n == 1 ? "" : "s", list, len >= sizeof list - 80 ? ", ..." : "");
    }
}

static void asm_free(asm_tab *t)
{
    if (t->name)
        for (size_t i = 0; i < t->nc; i++)
            hsi_free(t->ctx, t->name[i]);
    hsi_free_all(t->ctx, t->name, t->iso, t->v, t->miss);
}

void hs_hsi_data_opts_init(hs_hsi_data_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

hs_status hs_hsi_data_write(hs_ctx *ctx, const hs_hsi_data_opts *opts, const char *out_path,
                            hs_hsi_data_info *info, hs_error *err)
{
    hs_hsi_data_info dummy;
    if (!info) info = &dummy;
    memset(info, 0, sizeof *info);
    if (opts && !HSI_OPTS_OK(opts)) return hsi_err_opts(err, "hs_hsi_data_opts");
    hs_hsi_data_opts o;
    hs_hsi_data_opts_init(&o);
    if (opts) o = *opts;
    const char *dir = o.data_dir ? o.data_dir : "data";
    long from = o.from ? o.from : 2005, to = o.to ? o.to : ASM_Y0 + ASM_NY - 1;
    if (from < ASM_Y0 || to >= ASM_Y0 + ASM_NY || from > to)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "years %ld to %ld (expected %d <= from <= to <= %d)", from, to, ASM_Y0,
                       ASM_Y0 + ASM_NY - 1);
    /* both outputs' paths checked before the sources are read, so a bad one costs nothing
       and the first is not written when the second cannot be */
    hs_status st = hsi_out_file_check(out_path, NULL, 0, err);
    if (!st && o.unmatched) st = hsi_out_file_check(o.unmatched, NULL, 0, err);
    if (st) return st;
    asm_tab t = {0};
    t.ctx = ctx;
    t.dir = dir;
    t.from = from;
    t.to = to;
    hsi_xwalk *xw = hsi_malloc(ctx, sizeof *xw);
    if (!xw) return hsi_err_nomem(err);
    char geo[4096];
    snprintf(geo, sizeof geo, "%s/geo", dir);
    st = hsi_xwalk_load(ctx, geo, xw, err);
    if (!st) st = asm_read_hdr(&t, dir, err);
    for (size_t i = 0; !st && i < sizeof asm_sources / sizeof asm_sources[0]; i++)
        st = asm_read_source(&t, xw, dir, &asm_sources[i], err);
    if (st) goto done;
    asm_derive(&t);
    if (!o.to) t.to = asm_last_year(&t);
    if (t.to < t.from) {
        st = hsi_err(err, HS_ERR_SCHEMA, NULL, 0, 0, "no values from %ld on", t.from);
        goto done;
    }
    /* drop misses outside the final window (the latest year is known only now) */
    size_t keep = 0;
    for (size_t i = 0; i < t.nmiss; i++) {
        int in = 0;
        for (long y = t.from; y <= t.to; y++)
            in |= t.miss[i].rows[y - ASM_Y0] != 0;
        if (in) t.miss[keep++] = t.miss[i];
    }
    t.nmiss = keep;
    if (t.dups) hsi_log(ctx, 1, "%zu duplicate country-year values (the first was kept)", t.dups);
    asm_log_miss(&t);
    info->from = (int)t.from;
    info->to = (int)t.to;
    info->unmatched = t.nmiss;
    if ((st = asm_write_long(&t, out_path, info, err))) goto done;
    if (o.unmatched) st = asm_write_miss(&t, o.unmatched, err);
done:
    asm_free(&t);
    hsi_free(ctx, xw);
    return st;
}
