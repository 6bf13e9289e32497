/*
 * data.c - the indicator table, in the three shapes users hand over:
 *   wide      COINr iData: one row per unit (and Time), columns uCode, uName, group
 *             columns, Time, denominators, indicators;
 *   long      one row per value: uCode, Time, iCode, Value;
 *   wide-year one row per unit, one column per indicator and year named CODE_YYYY, as UNDP
 *             and the World Bank publish them.
 * Produces the units table (unit-time rows sorted by code then time) and the Raw dataset.
 */
#include "engine_int.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv_int.h"
#include "../core/xlsx_int.h"

typedef struct data_key {
    const char *code;
    const char *name;
    long time;
    size_t src; /* csv row */
} data_key;

static int data_key_cmp(const void *a, const void *b)
{
    const data_key *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c) return c;
    if (x->time != y->time) return x->time < y->time ? -1 : 1;
    return x->src < y->src ? -1 : (x->src > y->src);
}

static int data_is_na(const hsi_data_opts *o, const char *s)
{
    if (*s == '\0') return 1;
    if (o->nna == 0) return strcmp(s, "NA") == 0;
    for (size_t i = 0; i < o->nna; i++)
        if (strcmp(s, o->na[i]) == 0) return 1;
    return 0;
}

static int data_excluded(const hsi_data_opts *o, const char *code)
{
    for (size_t i = 0; i < o->nexclude; i++)
        if (fnmatch(o->exclude[i], code, 0) == 0) return 1;
    return 0;
}

static int data_time_ok(const hsi_data_opts *o, long t)
{
    if (o->time_from != HSI_NO_TIME && t < o->time_from) return 0;
    if (o->time_to != HSI_NO_TIME && t > o->time_to) return 0;
    return 1;
}

/* Find the unit row of (code, time) by binary search in the sorted units table. */
static long data_find_row(const hsi_units *u, const char *code, long time)
{
    size_t lo = 0, hi = u->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(u->code[mid], code);
        if (c == 0 && u->time[mid] != time) c = u->time[mid] < time ? -1 : 1;
        if (c == 0) return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static hs_status data_value(const hsi_data_opts *o, const hsi_csv *c, size_t r, size_t j,
                            const char *what, const char *unit, double *out, hs_error *err)
{
    const char *s = hsi_csv_get(c, r, j);
    if (data_is_na(o, s)) {
        *out = NAN;
        return HS_OK;
    }
    if (hsi_parse_double(s, out) != 0)
        return hsi_err(err, HS_ERR_PARSE, c->file, c->line[r], c->col[r * c->ncol + j],
                       "value '%s' of '%s' for unit '%s' is not a number (expected a number "
                       "or a missing-value marker such as NA)",
                       s, what, unit);
    return HS_OK;
}

static hs_status data_time(const hsi_data_opts *o, const hsi_csv *c, size_t r, long jt, long *t,
                           hs_error *err)
{
    if (jt < 0) {
        *t = o->fixed_time;
        return HS_OK;
    }
    const char *s = hsi_csv_get(c, r, (size_t)jt);
    double v;
    if (hsi_parse_double(s, &v) != 0 || v != floor(v) || fabs(v) > 1e9)
        return hsi_err(err, HS_ERR_PARSE, c->file, c->line[r], c->col[r * c->ncol + (size_t)jt],
                       "time '%s' is not a whole number (expected a year such as 2022)", s);
    *t = (long)v;
    return HS_OK;
}

static hs_status data_alloc_units(hs_ctx *ctx, hsi_units *u, size_t n, size_t ngroup, size_t ndenom)
{
    u->n = n;
    u->code = hsi_calloc(ctx, n, sizeof(char *));
    u->name = hsi_calloc(ctx, n, sizeof(char *));
    u->time = hsi_calloc(ctx, n, sizeof(long));
    u->ngroup = ngroup;
    u->group_code = hsi_calloc(ctx, ngroup, sizeof(char *));
    u->group_val = hsi_calloc(ctx, ngroup * n, sizeof(char *));
    u->ndenom = ndenom;
    u->denom_code = hsi_calloc(ctx, ndenom, sizeof(char *));
    u->denom = hsi_calloc(ctx, ndenom * n, sizeof(double));
    if (!u->code || !u->name || !u->time || !u->group_code || !u->group_val || !u->denom_code ||
        !u->denom)
        return HS_ERR_NOMEM;
    for (size_t i = 0; i < ndenom * n; i++)
        u->denom[i] = NAN;
    return HS_OK;
}

/* Line of the first data row of unit `code` (for messages). */
static long data_unit_line(const hsi_csv *c, long ju, const char *code)
{
    for (size_t r = 0; r < c->nrow; r++)
        if (strcmp(hsi_csv_get(c, r, (size_t)ju), code) == 0) return c->line[r];
    return 0;
}

/* Unit names are shown in JSON and HTML, which must be UTF-8: a name that is not is read as
 * Latin-1 and converted (the first few named in warnings, the rest counted). A unit code
 * that is not UTF-8 is an error: codes are keys, and a converted key would match nothing. */
static hs_status data_text_utf8(hs_ctx *ctx, const hsi_csv *c, long ju, hsi_units *u, hs_error *err)
{
    size_t nfixed = 0;
    for (size_t r = 0; r < u->n; r++) {
        if (r > 0 && u->code[r] == u->code[r - 1]) continue;
        if (!hsi_utf8_valid(u->code[r]))
            return hsi_err(err, HS_ERR_SCHEMA, c->file, data_unit_line(c, ju, u->code[r]), 0,
                           "unit code is not UTF-8 text (expected a code in ASCII or UTF-8; "
                           "save the file as UTF-8)");
    }
    for (size_t r = 0; r < u->n; r++) {
        if (!u->name[r] || (r > 0 && u->name[r] == u->name[r - 1])) continue;
        size_t end = r + 1; /* the next rows that share this copy */
        while (end < u->n && u->name[end] == u->name[r])
            end++;
        int fx = hsi_utf8_fix(ctx, &u->name[r]);
        if (fx < 0) return hsi_err_nomem(err);
        if (fx == 0) continue;
        for (size_t q = r + 1; q < end; q++)
            u->name[q] = u->name[r];
        if (++nfixed <= 3)
            hsi_log(ctx, 1, "%s:%ld: uName of '%s' is not UTF-8: read as Latin-1 ('%s')", c->file,
                    data_unit_line(c, ju, u->code[r]), u->code[r], u->name[r]);
    }
    if (nfixed > 3)
        hsi_log(ctx, 1, "%s: %zu more unit names read as Latin-1 (not UTF-8)", c->file, nfixed - 3);
    return HS_OK;
}

/* What data_from_csv works on: the table, where its columns are, and the keys it sorts. */
typedef struct data_load {
    hs_ctx *ctx;
    const hsi_data_opts *o;
    const hsi_meta *m;
    hs_error *err;
    hsi_csv c;
    hsi_shape shape;
    long ju, jn, jt, jcode, jval;
    long *icol;        /* wide: csv column of each indicator */
    long *gcol, *dcol; /* group and denominator columns */
    size_t *gnode, *dnode;
    size_t ng, ndn;
    long *yearcol; /* wide-year: [node * nyear + y] */
    long *years;
    size_t nyear;
    data_key *keys;
    size_t nk;
} data_load;

/* The unit column, a header without repeats, and the columns the shape needs. */
static hs_status data_header(data_load *L)
{
    const hsi_csv *c = &L->c;
    if (L->ju < 0)
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->head_line, 1,
                       "no unit column '%s' in the header (expected it, or set 'unit = COLUMN' "
                       "in the pipeline's [data] section)",
                       L->o->unit_col);
    for (size_t a = 0; a < c->ncol; a++)
        for (size_t b2 = a + 1; b2 < c->ncol; b2++)
            if (strcmp(c->head[a], c->head[b2]) == 0)
                return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->head_line, 0,
                               "column '%s' appears twice in the header (columns %zu and %zu)",
                               c->head[a], a + 1, b2 + 1);
    if (L->shape == HSI_SHAPE_LONG && (L->jcode < 0 || L->jval < 0))
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->head_line, 1,
                       "long-shape data needs columns '%s' and '%s'", L->o->code_col,
                       L->o->value_col);
    return HS_OK;
}

/* Groups and denominators present as columns (wide shapes). */
static hs_status data_extra_cols(data_load *L)
{
    const hsi_meta *m = L->m;
    L->gcol = hsi_calloc(L->ctx, m->n + 1, sizeof(long));
    L->dcol = hsi_calloc(L->ctx, m->n + 1, sizeof(long));
    L->gnode = hsi_calloc(L->ctx, m->n + 1, sizeof(size_t));
    L->dnode = hsi_calloc(L->ctx, m->n + 1, sizeof(size_t));
    L->icol = hsi_calloc(L->ctx, m->nind + 1, sizeof(long));
    if (!L->gcol || !L->dcol || !L->gnode || !L->dnode || !L->icol) return hsi_err_nomem(L->err);
    for (size_t i = 0; i < m->n; i++) {
        const hsi_node *nd = &m->node[i];
        long j = hsi_csv_find(&L->c, nd->code);
        if (nd->type == HSI_NODE_GROUP && j >= 0 && L->shape != HSI_SHAPE_LONG) {
            L->gcol[L->ng] = j;
            L->gnode[L->ng++] = i;
        } else if (nd->type == HSI_NODE_DENOMINATOR) {
            if (L->shape == HSI_SHAPE_WIDE && j < 0) continue;
            L->dcol[L->ndn] = j;
            L->dnode[L->ndn++] = i;
        }
    }
    return HS_OK;
}

/* The year of a CODE_YYYY header whose CODE is an indicator or denominator, or -1. */
static long data_header_year(const hsi_meta *m, const char *h)
{
    size_t hl = strlen(h);
    if (hl < 6 || h[hl - 5] != '_') return -1;
    for (size_t q = hl - 4; q < hl; q++)
        if (h[q] < '0' || h[q] > '9') return -1;
    for (size_t i = 0; i < m->n; i++) {
        const hsi_node *nd = &m->node[i];
        if ((nd->type == HSI_NODE_INDICATOR || nd->type == HSI_NODE_DENOMINATOR) &&
            strlen(nd->code) == hl - 5 && strncmp(nd->code, h, hl - 5) == 0)
            return strtol(h + hl - 4, NULL, 10);
    }
    return -1;
}

/* Wide-year: the years (every NNNN suffix seen on an indicator's columns, ascending) and the
 * column of each node and year; every indicator needs at least one. */
static hs_status data_wideyear_cols(data_load *L)
{
    const hsi_meta *m = L->m;
    const hsi_csv *c = &L->c;
    L->years = hsi_calloc(L->ctx, c->ncol + 1, sizeof(long));
    if (!L->years) return hsi_err_nomem(L->err);
    for (size_t j = 0; j < c->ncol; j++) {
        long y = data_header_year(m, c->head[j]);
        if (y < 0 || !data_time_ok(L->o, y)) continue;
        size_t q = 0;
        while (q < L->nyear && L->years[q] != y)
            q++;
        if (q == L->nyear) L->years[L->nyear++] = y;
    }
    if (L->nyear == 0)
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->head_line, 1,
                       "no column named CODE_YYYY for any indicator of the structure "
                       "(expected e.g. '%s_2022')",
                       m->node[m->ind[0]].code);
    qsort(L->years, L->nyear, sizeof *L->years, hsi_long_cmp); /* distinct: no ties */
    size_t ny = L->nyear;
    L->yearcol = hsi_calloc(L->ctx, m->n * ny + 1, sizeof(long));
    if (!L->yearcol) return hsi_err_nomem(L->err);
    char hbuf[512];
    for (size_t i = 0; i < m->n; i++)
        for (size_t y = 0; y < ny; y++) {
            snprintf(hbuf, sizeof hbuf, "%s_%ld", m->node[i].code, L->years[y]);
            L->yearcol[i * ny + y] = hsi_csv_find(c, hbuf);
        }
    for (size_t k = 0; k < m->nind; k++) {
        const hsi_node *nd = &m->node[m->ind[k]];
        int any = 0;
        for (size_t y = 0; y < ny; y++)
            any |= L->yearcol[m->ind[k] * ny + y] >= 0;
        if (!any)
            return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->head_line, 0,
                           "indicator '%s' (structure file %s, %s %ld) has no column "
                           "'%s_YYYY' in the data",
                           nd->code, m->file, hsi_lineword(m->book), nd->line, nd->code);
    }
    return HS_OK;
}

/* Wide: the column of each indicator. */
static hs_status data_wide_cols(data_load *L)
{
    const hsi_meta *m = L->m;
    for (size_t k = 0; k < m->nind; k++) {
        const hsi_node *nd = &m->node[m->ind[k]];
        L->icol[k] = hsi_csv_find(&L->c, nd->code);
        if (L->icol[k] < 0)
            return hsi_err(L->err, HS_ERR_SCHEMA, L->c.file, L->c.head_line, 0,
                           "indicator '%s' (structure file %s, %s %ld) has no column in "
                           "the data",
                           nd->code, m->file, hsi_lineword(m->book), nd->line);
    }
    return HS_OK;
}

/* One key per kept row (wide-year: per row and year), sorted by code, time and row. */
static hs_status data_keys(data_load *L)
{
    const hsi_csv *c = &L->c;
    size_t nkeys_max = (L->shape == HSI_SHAPE_WIDEYEAR ? L->nyear : 1) * c->nrow;
    L->keys = hsi_calloc(L->ctx, nkeys_max + 1, sizeof *L->keys);
    if (!L->keys) return hsi_err_nomem(L->err);
    for (size_t r = 0; r < c->nrow; r++) {
        const char *code = hsi_csv_get(c, r, (size_t)L->ju);
        if (*code == '\0' || strcmp(code, "NA") == 0)
            return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->line[r],
                           c->col[r * c->ncol + (size_t)L->ju],
                           "empty unit code (expected a code such as an ISO3 country code)");
        if (data_excluded(L->o, code)) continue;
        const char *name = L->jn >= 0 ? hsi_csv_get(c, r, (size_t)L->jn) : NULL;
        if (L->shape == HSI_SHAPE_WIDEYEAR) {
            for (size_t y = 0; y < L->nyear; y++)
                L->keys[L->nk++] = (data_key){code, name, L->years[y], r};
            continue;
        }
        long t = HSI_NO_TIME;
        hs_status st = data_time(L->o, c, r, L->jt, &t, L->err);
        if (st) return st;
        if (t != HSI_NO_TIME && !data_time_ok(L->o, t)) continue;
        L->keys[L->nk++] = (data_key){code, name, t, r};
    }
    if (L->nk == 0)
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, 0, 0,
                       c->nrow == 0 ? "no data rows (expected one row per unit): nothing to rank"
                                    : "no data rows left (after excluded units and the time "
                                      "range): nothing to rank");
    qsort(L->keys, L->nk, sizeof *L->keys, data_key_cmp);
    return HS_OK;
}

static int data_key_same(const data_key *keys, size_t k)
{
    return k > 0 && strcmp(keys[k].code, keys[k - 1].code) == 0 && keys[k].time == keys[k - 1].time;
}

/* How many unit rows the sorted keys make; a repeated unit (and time) is an error except in
 * the long shape, where each row carries one value. */
static hs_status data_count_units(const data_load *L, size_t *nu)
{
    const data_key *keys = L->keys;
    const hsi_csv *c = &L->c;
    *nu = 0;
    for (size_t k = 0; k < L->nk; k++) {
        if (!data_key_same(keys, k)) {
            (*nu)++;
            continue;
        }
        if (L->shape == HSI_SHAPE_LONG) continue;
        if (keys[k].time == HSI_NO_TIME)
            return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->line[keys[k].src], 0,
                           "unit '%s' appears twice (also on %s %ld; expected one row "
                           "per unit, or a Time column for panel data)",
                           keys[k].code, hsi_lineword(c->book), c->line[keys[k - 1].src]);
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->line[keys[k].src], 0,
                       "unit '%s' at time %ld appears twice (also on %s %ld)", keys[k].code,
                       keys[k].time, hsi_lineword(c->book), c->line[keys[k - 1].src]);
    }
    return HS_OK;
}

/* The units table: codes, names and times of the unit rows, the distinct times, and the
 * group and denominator codes. */
static hs_status data_units(data_load *L, hsi_units *u)
{
    hs_ctx *ctx = L->ctx;
    const data_key *keys = L->keys;
    size_t nu = 0;
    hs_status st = data_count_units(L, &nu);
    if (st) return st;
    if (data_alloc_units(ctx, u, nu, L->ng, L->ndn)) return hsi_err_nomem(L->err);
    nu = 0;
    for (size_t k = 0; k < L->nk; k++) {
        if (data_key_same(keys, k)) continue;
        /* a unit's rows are adjacent: they share one copy of its code and name (a row's
           string equal to the previous row's is the same pointer; hsi_units_free frees
           each run of equal pointers once) */
        if (nu > 0 && strcmp(u->code[nu - 1], keys[k].code) == 0)
            u->code[nu] = u->code[nu - 1];
        else
            u->code[nu] = hsi_strdup(ctx, keys[k].code);
        if (!keys[k].name || !*keys[k].name)
            u->name[nu] = NULL;
        else if (nu > 0 && u->name[nu - 1] && strcmp(u->name[nu - 1], keys[k].name) == 0)
            u->name[nu] = u->name[nu - 1];
        else
            u->name[nu] = hsi_strdup(ctx, keys[k].name);
        u->time[nu] = keys[k].time;
        if (!u->code[nu] || (keys[k].name && *keys[k].name && !u->name[nu]))
            return hsi_err_nomem(L->err);
        if (keys[k].time != HSI_NO_TIME) u->has_time = 1;
        nu++;
    }
    /* distinct times, ascending */
    u->times = hsi_calloc(ctx, nu + 1, sizeof(long));
    if (!u->times) return hsi_err_nomem(L->err);
    memcpy(u->times, u->time, nu * sizeof(long));
    qsort(u->times, nu, sizeof(long), hsi_long_cmp);
    for (size_t r = 0; r < nu; r++)
        if (u->ntime == 0 || u->times[u->ntime - 1] != u->times[r])
            u->times[u->ntime++] = u->times[r];
    if ((st = data_text_utf8(ctx, &L->c, L->ju, u, L->err))) return st;
    for (size_t g = 0; g < L->ng; g++)
        if (!(u->group_code[g] = hsi_strdup(ctx, L->m->node[L->gnode[g]].code)))
            return hsi_err_nomem(L->err);
    for (size_t d = 0; d < L->ndn; d++)
        if (!(u->denom_code[d] = hsi_strdup(ctx, L->m->node[L->dnode[d]].code)))
            return hsi_err_nomem(L->err);
    return HS_OK;
}

/* The group values of csv row r into unit row ur (the first one given wins). */
static hs_status data_groups(data_load *L, hsi_units *u, size_t r, size_t ur)
{
    for (size_t g = 0; g < L->ng; g++) {
        const char *s = hsi_csv_get(&L->c, r, (size_t)L->gcol[g]);
        char **gv = &u->group_val[g * u->n + ur];
        if (data_is_na(L->o, s) || *gv) continue;
        if (ur > 0 && gv[-1] && strcmp(gv[-1], s) == 0)
            *gv = gv[-1]; /* shared with the previous row, as codes are */
        else if (!(*gv = hsi_strdup(L->ctx, s)))
            return hsi_err_nomem(L->err);
    }
    return HS_OK;
}

/* Wide and wide-year: the denominators and indicators of key k, from the columns given per
 * denominator (dcols) and per indicator (icols); a column < 0 leaves the value missing. */
static hs_status data_row_values(data_load *L, hsi_units *u, hsi_dset *raw, size_t k, size_t ur,
                                 const long *dcols, const long *icols)
{
    const data_key *key = &L->keys[k];
    size_t nu = u->n;
    hs_status st;
    for (size_t d = 0; d < L->ndn; d++) {
        long j = dcols[d];
        if (j >= 0 && (st = data_value(L->o, &L->c, key->src, (size_t)j, u->denom_code[d],
                                       key->code, &u->denom[d * nu + ur], L->err)))
            return st;
    }
    for (size_t q = 0; q < L->m->nind; q++) {
        long j = icols[q];
        if (j >= 0 &&
            (st = data_value(L->o, &L->c, key->src, (size_t)j, L->m->node[L->m->ind[q]].code,
                             key->code, &raw->v[q * nu + ur], L->err)))
            return st;
    }
    return HS_OK;
}

/* Long: the one value of key k, into the indicator or denominator its iCode names. */
static hs_status data_long_value(data_load *L, hsi_units *u, hsi_dset *raw, size_t k, size_t ur)
{
    const hsi_meta *m = L->m;
    const hsi_csv *c = &L->c;
    size_t r = L->keys[k].src, nu = u->n;
    const char *ic = hsi_csv_get(c, r, (size_t)L->jcode);
    long nidx = hsi_meta_find(m, ic);
    double *dst = NULL;
    if (nidx >= 0 && m->node[nidx].type == HSI_NODE_INDICATOR) {
        for (size_t q = 0; q < m->nind; q++)
            if (m->ind[q] == (size_t)nidx) dst = &raw->v[q * nu + ur];
    } else if (nidx >= 0 && m->node[nidx].type == HSI_NODE_DENOMINATOR) {
        for (size_t d = 0; d < L->ndn; d++)
            if (L->dnode[d] == (size_t)nidx) dst = &u->denom[d * nu + ur];
    }
    if (!dst)
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->line[r],
                       c->col[r * c->ncol + (size_t)L->jcode],
                       "unknown iCode '%s' (expected an Indicator or Denominator of the "
                       "structure file %s)",
                       ic, m->file);
    if (!isnan(*dst))
        return hsi_err(L->err, HS_ERR_SCHEMA, c->file, c->line[r], 0,
                       "second value for unit '%s', iCode '%s' at the same time", L->keys[k].code,
                       ic);
    return data_value(L->o, c, r, (size_t)L->jval, ic, L->keys[k].code, dst, L->err);
}

/* Wide-year: the columns of the year of key k, per denominator (L->dcol) and per indicator
 * (L->icol), which the wide-year shape does not use otherwise. */
static void data_year_cols(data_load *L, size_t k)
{
    size_t y = 0, ny = L->nyear;
    while (L->years[y] != L->keys[k].time)
        y++;
    for (size_t d = 0; d < L->ndn; d++)
        L->dcol[d] = L->yearcol[L->dnode[d] * ny + y];
    for (size_t q = 0; q < L->m->nind; q++)
        L->icol[q] = L->yearcol[L->m->ind[q] * ny + y];
}

/* The Raw dataset (and groups and denominators) from every key's row. */
static hs_status data_values(data_load *L, hsi_units *u, hsi_dset *raw)
{
    const hsi_meta *m = L->m;
    size_t nu = u->n;
    if (hsi_dset_alloc(L->ctx, raw, "Raw", nu, m->nind, 0)) return hsi_err_nomem(L->err);
    for (size_t r = 0; r < nu; r++)
        raw->row[r] = r;
    for (size_t k = 0; k < m->nind; k++)
        raw->node[k] = m->ind[k];
    for (size_t i = 0; i < nu * m->nind; i++)
        raw->v[i] = NAN;
    for (size_t k = 0; k < L->nk; k++) {
        size_t r = L->keys[k].src;
        long row = data_find_row(u, L->keys[k].code, L->keys[k].time);
        if (row < 0)
            return hsi_err(L->err, HS_ERR_INTERNAL, L->c.file, L->c.line[r], 0,
                           "unit row not found");
        size_t ur = (size_t)row;
        hs_status st = data_groups(L, u, r, ur);
        if (st) return st;
        if (L->shape == HSI_SHAPE_LONG) {
            st = data_long_value(L, u, raw, k, ur);
        } else {
            if (L->shape == HSI_SHAPE_WIDEYEAR) data_year_cols(L, k);
            st = data_row_values(L, u, raw, k, ur, L->dcol, L->icol);
        }
        if (st) return st;
    }
    return HS_OK;
}

/* The units table and Raw dataset from a parsed CSV; takes over `in` (frees it on every
 * path). */
static hs_status data_from_csv(hs_ctx *ctx, const hsi_data_opts *o, const hsi_meta *m, hsi_csv *in,
                               hsi_units *u, hsi_dset *raw, hs_error *err)
{
    data_load L = {.ctx = ctx, .o = o, .m = m, .err = err, .c = *in, .shape = o->shape};
    L.ju = hsi_csv_find(&L.c, o->unit_col);
    L.jn = hsi_csv_find(&L.c, o->name_col);
    L.jt = hsi_csv_find(&L.c, o->time_col);
    L.jcode = hsi_csv_find(&L.c, o->code_col);
    L.jval = hsi_csv_find(&L.c, o->value_col);
    if (L.shape == HSI_SHAPE_AUTO)
        L.shape = (L.jcode >= 0 && L.jval >= 0) ? HSI_SHAPE_LONG : HSI_SHAPE_WIDE;
    if (o->fixed_time != HSI_NO_TIME) L.jt = -1;
    hs_status st = data_header(&L);
    if (!st) st = data_extra_cols(&L);
    if (!st && L.shape == HSI_SHAPE_WIDEYEAR) st = data_wideyear_cols(&L);
    if (!st && L.shape == HSI_SHAPE_WIDE) st = data_wide_cols(&L);
    if (!st) st = data_keys(&L);
    if (!st) st = data_units(&L, u);
    if (!st) st = data_values(&L, u, raw);
    hsi_free_all(ctx, L.keys, L.icol, L.gcol, L.dcol, L.gnode, L.dnode, L.yearcol, L.years);
    hsi_csv_free(&L.c);
    if (st) {
        hsi_units_free(ctx, u);
        hsi_dset_free(ctx, raw);
    }
    return st;
}

hs_status hsi_data_read(hs_ctx *ctx, const hsi_data_opts *o, const hsi_meta *m, hsi_units *u,
                        hsi_dset *raw, hs_error *err)
{
    hsi_csv c;
    memset(u, 0, sizeof *u);
    memset(raw, 0, sizeof *raw);
    if (hsi_xlsx_is_book(o->file)) { /* a sheet read as the same table: the same checks */
        hs_status st = hsi_xlsx_sheet_read(ctx, o->file, o->sheet ? o->sheet : "iData", &c, err);
        if (st) return st;
        char label[sizeof err->file];
        snprintf(label, sizeof label, "%s", c.file);
        st = data_from_csv(ctx, o, m, &c, u, raw, err);
        hsi_xlsx_err_cell(err, label);
        return st;
    }
    hs_status st = hsi_csv_read(ctx, o->file, &c, err);
    if (st) return st;
    return data_from_csv(ctx, o, m, &c, u, raw, err);
}

hs_status hsi_data_parse(hs_ctx *ctx, const hsi_data_opts *o, const hsi_meta *m, const char *text,
                         size_t len, hsi_units *u, hsi_dset *raw, hs_error *err)
{
    hsi_csv c;
    memset(u, 0, sizeof *u);
    memset(raw, 0, sizeof *raw);
    hs_status st = hsi_csv_parse(ctx, text, len, o->file, &c, err);
    if (st) return st;
    return data_from_csv(ctx, o, m, &c, u, raw, err);
}

void hsi_units_free(hs_ctx *ctx, hsi_units *u)
{
    if (!u) return;
    /* equal adjacent pointers are one shared copy (see hsi_data_read) */
    for (size_t r = 0; r < u->n; r++) {
        if (u->code && !(r > 0 && u->code[r] == u->code[r - 1])) hsi_free(ctx, u->code[r]);
        if (u->name && !(r > 0 && u->name[r] == u->name[r - 1])) hsi_free(ctx, u->name[r]);
    }
    if (u->group_val)
        for (size_t g = 0; g < u->ngroup; g++)
            for (size_t r = 0; r < u->n; r++) {
                char **gv = &u->group_val[g * u->n + r];
                if (!(r > 0 && *gv == gv[-1])) hsi_free(ctx, *gv);
            }
    if (u->group_code)
        for (size_t g = 0; g < u->ngroup; g++)
            hsi_free(ctx, u->group_code[g]);
    if (u->denom_code)
        for (size_t d = 0; d < u->ndenom; d++)
            hsi_free(ctx, u->denom_code[d]);
    hsi_free_all(ctx, u->code, u->name, u->time, u->group_code, u->group_val, u->denom_code,
                 u->denom, u->times);
    memset(u, 0, sizeof *u);
}

hs_status hsi_dset_alloc(hs_ctx *ctx, hsi_dset *d, const char *name, size_t nrow, size_t ncol,
                         int with_flags)
{
    memset(d, 0, sizeof *d);
    d->name = hsi_strdup(ctx, name);
    d->nrow = nrow;
    d->ncol = ncol;
    d->row = hsi_calloc(ctx, nrow + 1, sizeof(size_t));
    d->node = hsi_calloc(ctx, ncol + 1, sizeof(size_t));
    d->v = hsi_calloc(ctx, nrow * ncol + 1, sizeof(double));
    if (with_flags) d->flag = hsi_calloc(ctx, nrow * ncol + 1, 1);
    if (!d->name || !d->row || !d->node || !d->v || (with_flags && !d->flag)) {
        hsi_dset_free(ctx, d);
        return HS_ERR_NOMEM;
    }
    return HS_OK;
}

void hsi_dset_free(hs_ctx *ctx, hsi_dset *d)
{
    if (!d) return;
    hsi_free_all(ctx, d->name, d->row, d->node, d->v, d->flag);
    memset(d, 0, sizeof *d);
}

hs_status hsi_dset_copy(hs_ctx *ctx, const hsi_dset *src, hsi_dset *dst, const char *name,
                        hs_error *err)
{
    if (hsi_dset_alloc(ctx, dst, name, src->nrow, src->ncol, 0)) return hsi_err_nomem(err);
    memcpy(dst->row, src->row, src->nrow * sizeof(size_t));
    memcpy(dst->node, src->node, src->ncol * sizeof(size_t));
    memcpy(dst->v, src->v, src->nrow * src->ncol * sizeof(double));
    return HS_OK;
}

long hsi_dset_col(const hsi_dset *d, size_t node)
{
    for (size_t c = 0; c < d->ncol; c++)
        if (d->node[c] == node) return (long)c;
    return -1;
}
