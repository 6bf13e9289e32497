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

/* The units table and Raw dataset from a parsed CSV; takes over `in` (frees it on every
 * path). */
static hs_status data_from_csv(hs_ctx *ctx, const hsi_data_opts *o, const hsi_meta *m, hsi_csv *in,
                               hsi_units *u, hsi_dset *raw, hs_error *err)
{
    hsi_csv c = *in;
    data_key *keys = NULL;
    long *icol = NULL; /* wide: csv column of each indicator */
    long *gcol = NULL, *dcol = NULL;
    size_t *gnode = NULL, *dnode = NULL;
    long *yearcol = NULL; /* wide-year: [node * nyear + y] */
    long *years = NULL;
    size_t nyear = 0;
    hs_status st = HS_OK;
    hsi_shape shape = o->shape;
    long ju = hsi_csv_find(&c, o->unit_col), jn = hsi_csv_find(&c, o->name_col),
         jt = hsi_csv_find(&c, o->time_col);
    long jcode = hsi_csv_find(&c, o->code_col), jval = hsi_csv_find(&c, o->value_col);
    if (shape == HSI_SHAPE_AUTO)
        shape = (jcode >= 0 && jval >= 0) ? HSI_SHAPE_LONG : HSI_SHAPE_WIDE;
    if (ju < 0) {
        st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 1,
                     "no unit column '%s' in the header (expected it, or set 'unit = COLUMN' "
                     "in the pipeline's [data] section)",
                     o->unit_col);
        goto fail;
    }
    for (size_t a = 0; a < c.ncol; a++)
        for (size_t b2 = a + 1; b2 < c.ncol; b2++)
            if (strcmp(c.head[a], c.head[b2]) == 0) {
                st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 0,
                             "column '%s' appears twice in the header (columns %zu and %zu)",
                             c.head[a], a + 1, b2 + 1);
                goto fail;
            }
    if (shape == HSI_SHAPE_LONG && (jcode < 0 || jval < 0)) {
        st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 1,
                     "long-shape data needs columns '%s' and '%s'", o->code_col, o->value_col);
        goto fail;
    }
    if (o->fixed_time != HSI_NO_TIME) jt = -1;

    /* groups and denominators present as columns (wide shapes) */
    gcol = hsi_calloc(ctx, m->n + 1, sizeof(long));
    dcol = hsi_calloc(ctx, m->n + 1, sizeof(long));
    gnode = hsi_calloc(ctx, m->n + 1, sizeof(size_t));
    dnode = hsi_calloc(ctx, m->n + 1, sizeof(size_t));
    icol = hsi_calloc(ctx, m->nind + 1, sizeof(long));
    if (!gcol || !dcol || !gnode || !dnode || !icol) goto nomem;
    size_t ng = 0, ndn = 0;
    for (size_t i = 0; i < m->n; i++) {
        const hsi_node *nd = &m->node[i];
        long j = hsi_csv_find(&c, nd->code);
        if (nd->type == HSI_NODE_GROUP && j >= 0 && shape != HSI_SHAPE_LONG) {
            gcol[ng] = j;
            gnode[ng++] = i;
        } else if (nd->type == HSI_NODE_DENOMINATOR) {
            if (shape == HSI_SHAPE_WIDE && j < 0) continue;
            dcol[ndn] = j;
            dnode[ndn++] = i;
        }
    }

    /* years of a wide-year table: every NNNN suffix seen on an indicator's columns */
    if (shape == HSI_SHAPE_WIDEYEAR) {
        years = hsi_calloc(ctx, c.ncol + 1, sizeof(long));
        if (!years) goto nomem;
        for (size_t j = 0; j < c.ncol; j++) {
            const char *h = c.head[j];
            size_t hl = strlen(h);
            if (hl < 6 || h[hl - 5] != '_') continue;
            int ok = 1;
            for (size_t q = hl - 4; q < hl; q++)
                ok &= h[q] >= '0' && h[q] <= '9';
            if (!ok) continue;
            int known = 0;
            for (size_t i = 0; i < m->n && !known; i++) {
                const hsi_node *nd = &m->node[i];
                if ((nd->type == HSI_NODE_INDICATOR || nd->type == HSI_NODE_DENOMINATOR) &&
                    strlen(nd->code) == hl - 5 && strncmp(nd->code, h, hl - 5) == 0)
                    known = 1;
            }
            if (!known) continue;
            long y = strtol(h + hl - 4, NULL, 10);
            if (!data_time_ok(o, y)) continue;
            size_t q = 0;
            while (q < nyear && years[q] != y)
                q++;
            if (q == nyear) years[nyear++] = y;
        }
        if (nyear == 0) {
            st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 1,
                         "no column named CODE_YYYY for any indicator of the structure "
                         "(expected e.g. '%s_2022')",
                         m->node[m->ind[0]].code);
            goto fail;
        }
        for (size_t a = 1; a < nyear; a++) { /* sort years */
            long v = years[a];
            size_t b2 = a;
            while (b2 > 0 && years[b2 - 1] > v) {
                years[b2] = years[b2 - 1];
                b2--;
            }
            years[b2] = v;
        }
        yearcol = hsi_calloc(ctx, m->n * nyear + 1, sizeof(long));
        if (!yearcol) goto nomem;
        char hbuf[512];
        for (size_t i = 0; i < m->n; i++)
            for (size_t y = 0; y < nyear; y++) {
                snprintf(hbuf, sizeof hbuf, "%s_%ld", m->node[i].code, years[y]);
                yearcol[i * nyear + y] = hsi_csv_find(&c, hbuf);
            }
    }

    /* indicator columns (wide) */
    if (shape == HSI_SHAPE_WIDE) {
        for (size_t k = 0; k < m->nind; k++) {
            const hsi_node *nd = &m->node[m->ind[k]];
            icol[k] = hsi_csv_find(&c, nd->code);
            if (icol[k] < 0) {
                st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 0,
                             "indicator '%s' (structure file %s, line %ld) has no column in "
                             "the data",
                             nd->code, m->file, nd->line);
                goto fail;
            }
        }
    } else if (shape == HSI_SHAPE_WIDEYEAR) {
        for (size_t k = 0; k < m->nind; k++) {
            int any = 0;
            for (size_t y = 0; y < nyear; y++)
                any |= yearcol[m->ind[k] * nyear + y] >= 0;
            if (!any) {
                st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.head_line, 0,
                             "indicator '%s' (structure file %s, line %ld) has no column "
                             "'%s_YYYY' in the data",
                             m->node[m->ind[k]].code, m->file, m->node[m->ind[k]].line,
                             m->node[m->ind[k]].code);
                goto fail;
            }
        }
    }

    /* keys */
    size_t nkeys_max = (shape == HSI_SHAPE_WIDEYEAR ? nyear : 1) * c.nrow;
    keys = hsi_calloc(ctx, nkeys_max + 1, sizeof *keys);
    if (!keys) goto nomem;
    size_t nk = 0;
    for (size_t r = 0; r < c.nrow; r++) {
        const char *code = hsi_csv_get(&c, r, (size_t)ju);
        if (*code == '\0' || strcmp(code, "NA") == 0) {
            st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.line[r], c.col[r * c.ncol + (size_t)ju],
                         "empty unit code (expected a code such as an ISO3 country code)");
            goto fail;
        }
        if (data_excluded(o, code)) continue;
        const char *name = jn >= 0 ? hsi_csv_get(&c, r, (size_t)jn) : NULL;
        if (shape == HSI_SHAPE_WIDEYEAR) {
            for (size_t y = 0; y < nyear; y++)
                keys[nk++] = (data_key){code, name, years[y], r};
            continue;
        }
        long t = HSI_NO_TIME;
        if ((st = data_time(o, &c, r, jt, &t, err))) goto fail;
        if (t != HSI_NO_TIME && !data_time_ok(o, t)) continue;
        keys[nk++] = (data_key){code, name, t, r};
    }
    if (nk == 0) {
        st = hsi_err(err, HS_ERR_SCHEMA, c.file, 0, 0,
                     c.nrow == 0 ? "no data rows (expected one row per unit): nothing to rank"
                                 : "no data rows left (after excluded units and the time "
                                   "range): nothing to rank");
        goto fail;
    }
    qsort(keys, nk, sizeof *keys, data_key_cmp);
    size_t nu = 0;
    for (size_t k = 0; k < nk; k++) {
        if (k > 0 && strcmp(keys[k].code, keys[k - 1].code) == 0 &&
            keys[k].time == keys[k - 1].time) {
            if (shape != HSI_SHAPE_LONG) {
                if (keys[k].time == HSI_NO_TIME)
                    st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.line[keys[k].src], 0,
                                 "unit '%s' appears twice (also on line %ld; expected one row "
                                 "per unit, or a Time column for panel data)",
                                 keys[k].code, c.line[keys[k - 1].src]);
                else
                    st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.line[keys[k].src], 0,
                                 "unit '%s' at time %ld appears twice (also on line %ld)",
                                 keys[k].code, keys[k].time, c.line[keys[k - 1].src]);
                goto fail;
            }
            continue;
        }
        nu++;
    }
    if (data_alloc_units(ctx, u, nu, ng, ndn)) goto nomem;
    nu = 0;
    for (size_t k = 0; k < nk; k++) {
        if (k > 0 && strcmp(keys[k].code, keys[k - 1].code) == 0 &&
            keys[k].time == keys[k - 1].time)
            continue;
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
        if (!u->code[nu] || (keys[k].name && *keys[k].name && !u->name[nu])) goto nomem;
        if (keys[k].time != HSI_NO_TIME) u->has_time = 1;
        nu++;
    }
    /* distinct times */
    u->times = hsi_calloc(ctx, nu + 1, sizeof(long));
    if (!u->times) goto nomem;
    for (size_t r = 0; r < nu; r++) {
        size_t q = 0;
        while (q < u->ntime && u->times[q] != u->time[r])
            q++;
        if (q == u->ntime) {
            size_t b2 = u->ntime++;
            while (b2 > 0 && u->times[b2 - 1] > u->time[r]) {
                u->times[b2] = u->times[b2 - 1];
                b2--;
            }
            u->times[b2] = u->time[r];
        }
    }
    if ((st = data_text_utf8(ctx, &c, ju, u, err))) goto fail;
    for (size_t g = 0; g < ng; g++)
        if (!(u->group_code[g] = hsi_strdup(ctx, m->node[gnode[g]].code))) goto nomem;
    for (size_t d = 0; d < ndn; d++)
        if (!(u->denom_code[d] = hsi_strdup(ctx, m->node[dnode[d]].code))) goto nomem;

    if (hsi_dset_alloc(ctx, raw, "Raw", nu, m->nind, 0)) goto nomem;
    for (size_t r = 0; r < nu; r++)
        raw->row[r] = r;
    for (size_t k = 0; k < m->nind; k++)
        raw->node[k] = m->ind[k];
    for (size_t i = 0; i < nu * m->nind; i++)
        raw->v[i] = NAN;

    /* values */
    for (size_t k = 0; k < nk; k++) {
        size_t r = keys[k].src;
        long row = data_find_row(u, keys[k].code, keys[k].time);
        if (row < 0) {
            st = hsi_err(err, HS_ERR_INTERNAL, c.file, c.line[r], 0, "unit row not found");
            goto fail;
        }
        size_t ur = (size_t)row;
        for (size_t g = 0; g < ng; g++) {
            const char *s = hsi_csv_get(&c, r, (size_t)gcol[g]);
            char **gv = &u->group_val[g * nu + ur];
            if (data_is_na(o, s) || *gv) continue;
            if (ur > 0 && gv[-1] && strcmp(gv[-1], s) == 0)
                *gv = gv[-1]; /* shared with the previous row, as codes are */
            else if (!(*gv = hsi_strdup(ctx, s)))
                goto nomem;
        }
        if (shape == HSI_SHAPE_WIDE) {
            for (size_t d = 0; d < ndn; d++)
                if ((st = data_value(o, &c, r, (size_t)dcol[d], u->denom_code[d], keys[k].code,
                                     &u->denom[d * nu + ur], err)))
                    goto fail;
            for (size_t q = 0; q < m->nind; q++)
                if ((st = data_value(o, &c, r, (size_t)icol[q], m->node[m->ind[q]].code,
                                     keys[k].code, &raw->v[q * nu + ur], err)))
                    goto fail;
        } else if (shape == HSI_SHAPE_WIDEYEAR) {
            size_t y = 0;
            while (years[y] != keys[k].time)
                y++;
            for (size_t d = 0; d < ndn; d++) {
                long j = yearcol[dnode[d] * nyear + y];
                if (j >= 0 && (st = data_value(o, &c, r, (size_t)j, u->denom_code[d], keys[k].code,
                                               &u->denom[d * nu + ur], err)))
                    goto fail;
            }
            for (size_t q = 0; q < m->nind; q++) {
                long j = yearcol[m->ind[q] * nyear + y];
                if (j >= 0 && (st = data_value(o, &c, r, (size_t)j, m->node[m->ind[q]].code,
                                               keys[k].code, &raw->v[q * nu + ur], err)))
                    goto fail;
            }
        } else { /* long */
            const char *ic = hsi_csv_get(&c, r, (size_t)jcode);
            long nidx = hsi_meta_find(m, ic);
            double *dst = NULL;
            if (nidx >= 0 && m->node[nidx].type == HSI_NODE_INDICATOR) {
                for (size_t q = 0; q < m->nind; q++)
                    if (m->ind[q] == (size_t)nidx) dst = &raw->v[q * nu + ur];
            } else if (nidx >= 0 && m->node[nidx].type == HSI_NODE_DENOMINATOR) {
                for (size_t d = 0; d < ndn; d++)
                    if (dnode[d] == (size_t)nidx) dst = &u->denom[d * nu + ur];
            }
            if (!dst) {
                st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.line[r],
                             c.col[r * c.ncol + (size_t)jcode],
                             "unknown iCode '%s' (expected an Indicator or Denominator of the "
                             "structure file %s)",
                             ic, m->file);
                goto fail;
            }
            if (!isnan(*dst)) {
                st = hsi_err(err, HS_ERR_SCHEMA, c.file, c.line[r], 0,
                             "second value for unit '%s', iCode '%s' at the same time",
                             keys[k].code, ic);
                goto fail;
            }
            if ((st = data_value(o, &c, r, (size_t)jval, ic, keys[k].code, dst, err))) goto fail;
        }
    }
    hsi_free(ctx, keys);
    hsi_free(ctx, icol);
    hsi_free(ctx, gcol);
    hsi_free(ctx, dcol);
    hsi_free(ctx, gnode);
    hsi_free(ctx, dnode);
    hsi_free(ctx, yearcol);
    hsi_free(ctx, years);
    hsi_csv_free(&c);
    return HS_OK;
nomem:
    st = hsi_err_nomem(err);
fail:
    hsi_free(ctx, keys);
    hsi_free(ctx, icol);
    hsi_free(ctx, gcol);
    hsi_free(ctx, dcol);
    hsi_free(ctx, gnode);
    hsi_free(ctx, dnode);
    hsi_free(ctx, yearcol);
    hsi_free(ctx, years);
    hsi_csv_free(&c);
    hsi_units_free(ctx, u);
    hsi_dset_free(ctx, raw);
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
    hsi_free(ctx, u->code);
    hsi_free(ctx, u->name);
    hsi_free(ctx, u->time);
    hsi_free(ctx, u->group_code);
    hsi_free(ctx, u->group_val);
    hsi_free(ctx, u->denom_code);
    hsi_free(ctx, u->denom);
    hsi_free(ctx, u->times);
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
    hsi_free(ctx, d->name);
    hsi_free(ctx, d->row);
    hsi_free(ctx, d->node);
    hsi_free(ctx, d->v);
    hsi_free(ctx, d->flag);
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
