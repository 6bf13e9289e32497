/*
 * meta.c - the index structure in COINr's iMeta shape: one row per indicator, aggregate,
 * group column or denominator, with Level, iCode, iName, Direction, Weight, Parent, Type,
 * Denominator and optional per-indicator parameters (Target, goalpost_lower,
 * goalpost_upper, goalpost_scale, goalpost_trunc2posts, goalpost_log).
 *
 * Checks everything that would otherwise surface as a wrong number: duplicate and unknown
 * codes, parents that do not exist or are not aggregates, cycles, levels that do not rise
 * towards the top, negative weights and parents whose children all weigh zero.
 */
#include "engine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv_int.h"
#include "../core/xlsx_int.h"

static int meta_is_na(const char *s)
{
    return s == NULL || *s == '\0' || strcmp(s, "NA") == 0;
}

long hsi_meta_find(const hsi_meta *m, const char *code)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->node[i].code, code) == 0) return (long)i;
    return -1;
}

static hs_status meta_num(const hsi_csv *c, size_t r, long j, const char *what, double *out,
                          int required, hs_error *err)
{
    *out = NAN;
    if (j < 0) return HS_OK;
    const char *s = hsi_csv_get(c, r, (size_t)j);
    if (meta_is_na(s)) {
        if (required)
            return hsi_err(err, HS_ERR_SCHEMA, c->file, c->line[r], c->col[r * c->ncol + (size_t)j],
                           "missing %s (expected a number)", what);
        return HS_OK;
    }
    if (hsi_parse_double(s, out) != 0)
        return hsi_err(err, HS_ERR_PARSE, c->file, c->line[r], c->col[r * c->ncol + (size_t)j],
                       "%s '%s' is not a number", what, s);
    return HS_OK;
}

static int meta_bool(const char *s, int dflt)
{
    if (meta_is_na(s)) return dflt;
    if (!strcmp(s, "TRUE") || !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes")) return 1;
    if (!strcmp(s, "FALSE") || !strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no")) return 0;
    return -1;
}

static int meta_cmp_agg(const void *a, const void *b, const hsi_meta *m)
{
    const hsi_node *x = &m->node[*(const size_t *)a], *y = &m->node[*(const size_t *)b];
    if (x->level != y->level) return x->level < y->level ? -1 : 1;
    return strcmp(x->code, y->code);
}

/* insertion sort: aggregates are few, and qsort has no context argument in C11 */
static void meta_sort_agg(hsi_meta *m)
{
    for (size_t i = 1; i < m->nagg; i++) {
        size_t v = m->agg[i], j = i;
        while (j > 0 && meta_cmp_agg(&m->agg[j - 1], &v, m) > 0) {
            m->agg[j] = m->agg[j - 1];
            j--;
        }
        m->agg[j] = v;
    }
}

/* One index at the top: a second aggregate without a Parent would be a second tree that no
 * output ranks as the index (and that the top-level summary silently leaves out). */
static hs_status meta_check_roots(const hsi_meta *m, const char *path, hs_error *err)
{
    long first = -1;
    for (size_t a = 0; a < m->nagg; a++) {
        const hsi_node *nd = &m->node[m->agg[a]];
        if (nd->parent_idx >= 0) continue;
        if (first < 0) {
            first = (long)m->agg[a];
            continue;
        }
        const hsi_node *f = &m->node[first];
        /* report in file order */
        const hsi_node *x = f->line <= nd->line ? f : nd, *y = f->line <= nd->line ? nd : f;
        return hsi_err(err, HS_ERR_SCHEMA, path, y->line, 0,
                       "two roots in the structure: '%s' (%s:%ld) and '%s' (%s:%ld) have no "
                       "Parent (expected one index at the top: give one of them a Parent, or "
                       "add an aggregate above both)",
                       x->code, path, x->line, y->code, path, y->line);
    }
    return HS_OK;
}

/* Names are shown in JSON and HTML, which must be UTF-8: a name that is not is read as
 * Latin-1 (what spreadsheets on Windows write) and converted, with a warning. Codes are
 * matched against the data's column headers, so converting them would break the match
 * silently: a code that is not UTF-8 is an error. */
static hs_status meta_text_utf8(hs_ctx *ctx, hsi_meta *m, const char *path, hs_error *err)
{
    for (size_t r = 0; r < m->n; r++) {
        hsi_node *nd = &m->node[r];
        if (!hsi_utf8_valid(nd->code))
            return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, 0,
                           "iCode is not UTF-8 text (expected a code in ASCII or UTF-8; save "
                           "the file as UTF-8)");
        int fx = hsi_utf8_fix(ctx, &nd->name);
        if (fx < 0) return hsi_err_nomem(err);
        if (fx > 0)
            hsi_log(ctx, 1, "%s:%ld: iName of '%s' is not UTF-8: read as Latin-1 ('%s')", path,
                    nd->line, nd->code, nd->name);
    }
    return HS_OK;
}

/* The optional `min` and `max` columns: the values an indicator can plausibly take, bounds
 * included. Submissions are checked against them and a build warns about values outside. */
static hs_status meta_ranges(const hsi_csv *c, const char *path, hsi_meta *m, hs_error *err)
{
    long jmin = hsi_csv_find(c, "min"), jmax = hsi_csv_find(c, "max");
    for (size_t r = 0; r < m->n; r++) {
        hsi_node *nd = &m->node[r];
        hs_status st;
        if ((st = meta_num(c, r, jmin, "min", &nd->vmin, 0, err)) ||
            (st = meta_num(c, r, jmax, "max", &nd->vmax, 0, err)))
            return st;
        if (!isnan(nd->vmin) && !isnan(nd->vmax) && nd->vmin > nd->vmax)
            return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], c->col[r * c->ncol + (size_t)jmax],
                           "max of '%s' is %g, below its min %g (expected min <= max)", nd->code,
                           nd->vmax, nd->vmin);
        if ((!isnan(nd->vmin) || !isnan(nd->vmax)) && nd->type != HSI_NODE_INDICATOR)
            return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r],
                           c->col[r * c->ncol + (size_t)(jmin >= 0 ? jmin : jmax)],
                           "'%s' has a min or max but is not an indicator (ranges are for "
                           "the values of indicators)",
                           nd->code);
    }
    return HS_OK;
}

void hsi_meta_range_warn(hs_ctx *ctx, const hsi_meta *m, const hsi_dset *d)
{
    for (size_t c = 0; c < d->ncol; c++) {
        const hsi_node *nd = &m->node[d->node[c]];
        if (isnan(nd->vmin) && isnan(nd->vmax)) continue;
        const double *v = hsi_col(d, c);
        size_t nbad = 0;
        double first = NAN;
        for (size_t r = 0; r < d->nrow; r++) {
            if (isnan(v[r]) ||
                ((isnan(nd->vmin) || v[r] >= nd->vmin) && (isnan(nd->vmax) || v[r] <= nd->vmax)))
                continue;
            if (!nbad++) first = v[r];
        }
        if (nbad)
            hsi_log(ctx, 1,
                    "%zu value(s) of '%s' outside its plausible range %g..%g (%s min and "
                    "max), the first %.17g",
                    nbad, nd->code, nd->vmin, nd->vmax, m->file ? m->file : "structure", first);
    }
}

/* The structure from a parsed CSV; takes over `in` (frees it on every path). */
/* The structure file's columns: the required ones (Level, iCode, Direction, Weight, Parent,
 * Type) and the optional ones (-1 when absent). */
typedef struct meta_cols {
    long level, code, dir, weight, parent, type;
    long name, den, tgt, gl, gu, gs, gt, glog;
} meta_cols;

static hs_status meta_columns(const hsi_csv *c, const char *path, meta_cols *k, hs_error *err)
{
    static const char *const req[] = {"Level", "iCode", "Direction", "Weight", "Parent", "Type"};
    *k = (meta_cols){-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    long *dst[] = {&k->level, &k->code, &k->dir, &k->weight, &k->parent, &k->type};
    for (size_t i = 0; i < 6; i++) {
        *dst[i] = hsi_csv_find(c, req[i]);
        if (*dst[i] < 0)
            return hsi_err(err, HS_ERR_SCHEMA, path, c->head_line, 1,
                           "structure file has no '%s' column (expected COINr iMeta columns "
                           "Level, iCode, iName, Direction, Weight, Parent, Type)",
                           req[i]);
    }
    k->name = hsi_csv_find(c, "iName");
    k->den = hsi_csv_find(c, "Denominator");
    k->tgt = hsi_csv_find(c, "Target");
    k->gl = hsi_csv_find(c, "goalpost_lower");
    k->gu = hsi_csv_find(c, "goalpost_upper");
    k->gs = hsi_csv_find(c, "goalpost_scale");
    k->gt = hsi_csv_find(c, "goalpost_trunc2posts");
    k->glog = hsi_csv_find(c, "goalpost_log");
    if (c->nrow == 0)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->head_line, 1,
                       "structure file has no rows (expected one row per indicator)");
    return HS_OK;
}

/* Column of cell (r, j) for messages. */
static long meta_col(const hsi_csv *c, size_t r, long j)
{
    return j >= 0 ? c->col[r * c->ncol + (size_t)j] : 0;
}

/* Row r's code (unique) and name. */
static hs_status meta_row_code(hs_ctx *ctx, const hsi_csv *c, const meta_cols *k, size_t r,
                               const char *path, hsi_meta *m, hs_error *err)
{
    hsi_node *nd = &m->node[r];
    const char *code = hsi_csv_get(c, r, (size_t)k->code);
    long ccol = meta_col(c, r, k->code);
    if (meta_is_na(code))
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], ccol, "empty iCode (expected a code)");
    for (size_t q = 0; q < r; q++)
        if (strcmp(m->node[q].code, code) == 0)
            return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], ccol,
                           "duplicate iCode '%s' (first defined on %s %ld)", code,
                           hsi_lineword(c->book), m->node[q].line);
    nd->code = hsi_strdup(ctx, code);
    const char *nm = k->name >= 0 ? hsi_csv_get(c, r, (size_t)k->name) : NULL;
    nd->name = hsi_strdup(ctx, meta_is_na(nm) ? code : nm);
    return nd->code && nd->name ? HS_OK : hsi_err_nomem(err);
}

/* Row r's Type and, for scored rows, its Level. */
static hs_status meta_row_kind(const hsi_csv *c, const meta_cols *k, size_t r, const char *path,
                               hsi_meta *m, hs_error *err)
{
    static const struct {
        const char *name;
        hsi_node_type type;
    } types[] = {{"Indicator", HSI_NODE_INDICATOR},
                 {"Aggregate", HSI_NODE_AGGREGATE},
                 {"Group", HSI_NODE_GROUP},
                 {"Denominator", HSI_NODE_DENOMINATOR},
                 {"Other", HSI_NODE_OTHER}};
    hsi_node *nd = &m->node[r];
    const char *type = hsi_csv_get(c, r, (size_t)k->type);
    size_t t = 0;
    while (t < 5 && strcmp(type, types[t].name))
        t++;
    if (t == 5)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], meta_col(c, r, k->type),
                       "unknown Type '%s' for '%s' (expected Indicator, Aggregate, Group, "
                       "Denominator or Other)",
                       type, nd->code);
    nd->type = types[t].type;
    int scored = nd->type == HSI_NODE_INDICATOR || nd->type == HSI_NODE_AGGREGATE;
    double v;
    hs_status st = meta_num(c, r, k->level, "Level", &v, scored, err);
    if (st || !scored) return st;
    long lcol = meta_col(c, r, k->level);
    if (v != floor(v) || v < 1 || v > 100)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], lcol,
                       "Level of '%s' is %g (expected a whole number from 1)", nd->code, v);
    nd->level = (int)v;
    if (nd->type == HSI_NODE_INDICATOR && nd->level != 1)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], lcol,
                       "indicator '%s' has Level %d (expected 1)", nd->code, nd->level);
    if (nd->type == HSI_NODE_AGGREGATE && nd->level < 2)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], lcol,
                       "aggregate '%s' has Level %d (expected 2 or more)", nd->code, nd->level);
    if (nd->level > m->maxlevel) m->maxlevel = nd->level;
    return HS_OK;
}

/* Row r's Direction and Weight. */
static hs_status meta_row_dir_weight(const hsi_csv *c, const meta_cols *k, size_t r,
                                     const char *path, hsi_node *nd, hs_error *err)
{
    double v;
    hs_status st = meta_num(c, r, k->dir, "Direction", &v, 0, err);
    if (st) return st;
    if (!isnan(v) && v != 1 && v != -1)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], meta_col(c, r, k->dir),
                       "Direction of '%s' is %g (expected 1 or -1)", nd->code, v);
    nd->direction = isnan(v) ? 1 : (int)v; /* converted only once checked */
    if (nd->type == HSI_NODE_INDICATOR && isnan(v))
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], meta_col(c, r, k->dir),
                       "indicator '%s' has no Direction (expected 1 or -1)", nd->code);
    st = meta_num(c, r, k->weight, "Weight", &v, 0, err);
    if (st) return st;
    nd->weight = isnan(v) ? 1.0 : v;
    if (v < 0)
        return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], meta_col(c, r, k->weight),
                       "Weight of '%s' is %g (expected a number >= 0)", nd->code, v);
    return HS_OK;
}

/* Row r's Parent, Denominator, Target and goalposts. */
static hs_status meta_row_refs(hs_ctx *ctx, const hsi_csv *c, const meta_cols *k, size_t r,
                               const char *path, hsi_node *nd, hs_error *err)
{
    const char *par = hsi_csv_get(c, r, (size_t)k->parent);
    if (!meta_is_na(par) && !(nd->parent = hsi_strdup(ctx, par))) return hsi_err_nomem(err);
    const char *den = k->den >= 0 ? hsi_csv_get(c, r, (size_t)k->den) : NULL;
    if (!meta_is_na(den) && !(nd->denom = hsi_strdup(ctx, den))) return hsi_err_nomem(err);
    hs_status st;
    if ((st = meta_num(c, r, k->tgt, "Target", &nd->target, 0, err)) ||
        (st = meta_num(c, r, k->gl, "goalpost_lower", &nd->gp_lo, 0, err)) ||
        (st = meta_num(c, r, k->gu, "goalpost_upper", &nd->gp_hi, 0, err)) ||
        (st = meta_num(c, r, k->gs, "goalpost_scale", &nd->gp_scale, 0, err)))
        return st;
    const long jb[2] = {k->gt, k->glog};
    int *dst[2] = {&nd->gp_trunc, &nd->gp_log};
    for (int q = 0; q < 2; q++) {
        if (jb[q] < 0) continue;
        int bv = meta_bool(hsi_csv_get(c, r, (size_t)jb[q]), q == 0 ? 1 : 0);
        if (bv < 0)
            return hsi_err(err, HS_ERR_SCHEMA, path, c->line[r], meta_col(c, r, jb[q]),
                           "'%s' is not TRUE or FALSE", hsi_csv_get(c, r, (size_t)jb[q]));
        *dst[q] = bv;
    }
    return HS_OK;
}

/* Every row as a node, counted by type. */
static hs_status meta_rows(hs_ctx *ctx, const hsi_csv *c, const meta_cols *k, const char *path,
                           hsi_meta *m, hs_error *err)
{
    for (size_t r = 0; r < c->nrow; r++) {
        hsi_node *nd = &m->node[r];
        nd->line = c->line[r];
        nd->parent_idx = -1;
        nd->denom_idx = -1;
        nd->gp_trunc = 1;
        hs_status st;
        if ((st = meta_row_code(ctx, c, k, r, path, m, err)) ||
            (st = meta_row_kind(c, k, r, path, m, err)) ||
            (st = meta_row_dir_weight(c, k, r, path, nd, err)) ||
            (st = meta_row_refs(ctx, c, k, r, path, nd, err)))
            return st;
        if (nd->type == HSI_NODE_INDICATOR)
            m->ind[m->nind++] = r;
        else if (nd->type == HSI_NODE_AGGREGATE)
            m->agg[m->nagg++] = r;
        else if (nd->type == HSI_NODE_GROUP)
            m->ngroup++;
        else if (nd->type == HSI_NODE_DENOMINATOR)
            m->ndenom++;
    }
    return HS_OK;
}

/* Denominators and parents name rows of the right type. */
static hs_status meta_links(const hsi_csv *c, const meta_cols *k, const char *path, hsi_meta *m,
                            hs_error *err)
{
    for (size_t r = 0; r < m->n; r++) {
        hsi_node *nd = &m->node[r];
        long pcol = meta_col(c, r, k->parent);
        if (nd->denom) {
            long d = hsi_meta_find(m, nd->denom);
            if (d < 0 || m->node[d].type != HSI_NODE_DENOMINATOR)
                return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, meta_col(c, r, k->den),
                               "Denominator '%s' of '%s' is not a row of Type 'Denominator'",
                               nd->denom, nd->code);
        }
        if (!nd->parent) {
            if (nd->type == HSI_NODE_INDICATOR && m->nagg > 0)
                return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, pcol,
                               "indicator '%s' has no Parent (expected the code of an aggregate)",
                               nd->code);
            continue;
        }
        if (nd->type != HSI_NODE_INDICATOR && nd->type != HSI_NODE_AGGREGATE) continue;
        long p = hsi_meta_find(m, nd->parent);
        if (p < 0)
            return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, pcol,
                           "Parent '%s' of '%s' does not exist (expected an iCode of Type "
                           "'Aggregate')",
                           nd->parent, nd->code);
        if (m->node[p].type != HSI_NODE_AGGREGATE)
            return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, pcol,
                           "Parent '%s' of '%s' is not an aggregate (expected Type 'Aggregate')",
                           nd->parent, nd->code);
        nd->parent_idx = p;
    }
    return HS_OK;
}

/* No node is its own ancestor. */
static hs_status meta_no_cycle(hs_ctx *ctx, const char *path, const hsi_meta *m, hs_error *err)
{
    for (size_t r = 0; r < m->n; r++) {
        /* walk up: more than n steps means a cycle */
        long cur = (long)r;
        for (size_t steps = 0; cur >= 0 && steps <= m->n; steps++) {
            cur = m->node[cur].parent_idx;
            if (cur != (long)r) continue;
            hsi_buf b;
            hsi_buf_init(&b, ctx);
            long q = (long)r;
            do {
                hsi_buf_printf(&b, "%s -> ", m->node[q].code);
                q = m->node[q].parent_idx;
            } while (q != (long)r);
            hsi_buf_puts(&b, m->node[r].code);
            hs_status st = hsi_err(err, HS_ERR_SCHEMA, path, m->node[r].line, 0,
                                   "cycle in the structure: %s (expected a tree)",
                                   b.s ? b.s : m->node[r].code);
            hsi_buf_free(&b);
            return st;
        }
    }
    return HS_OK;
}

/* Levels rise towards the root; every aggregate has children, with a positive weight. */
static hs_status meta_children(hs_ctx *ctx, const char *path, hsi_meta *m, hs_error *err)
{
    for (size_t r = 0; r < m->n; r++) {
        const hsi_node *nd = &m->node[r];
        if (nd->parent_idx < 0) continue;
        hsi_node *pn = &m->node[nd->parent_idx];
        if (pn->level <= nd->level)
            return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, 0,
                           "'%s' (Level %d) has Parent '%s' at Level %d (expected a higher level)",
                           nd->code, nd->level, pn->code, pn->level);
        pn->nchild++;
    }
    for (size_t r = 0; r < m->n; r++) {
        hsi_node *nd = &m->node[r];
        if (nd->type != HSI_NODE_AGGREGATE) continue;
        if (nd->nchild == 0)
            return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, 0,
                           "aggregate '%s' has no children (expected rows with Parent '%s')",
                           nd->code, nd->code);
        if (!(nd->child = hsi_calloc(ctx, nd->nchild, sizeof(size_t)))) return hsi_err_nomem(err);
        nd->nchild = 0;
    }
    for (size_t r = 0; r < m->n; r++) {
        const hsi_node *nd = &m->node[r];
        if (nd->parent_idx < 0) continue;
        hsi_node *pn = &m->node[nd->parent_idx];
        pn->child[pn->nchild++] = r;
    }
    for (size_t a = 0; a < m->nagg; a++) {
        const hsi_node *nd = &m->node[m->agg[a]];
        double sw = 0;
        for (size_t k = 0; k < nd->nchild; k++)
            sw += m->node[nd->child[k]].weight;
        if (!(sw > 0))
            return hsi_err(err, HS_ERR_SCHEMA, path, nd->line, 0,
                           "all children of '%s' have weight 0 (expected at least one positive "
                           "weight)",
                           nd->code);
    }
    return HS_OK;
}

static hs_status meta_from_csv(hs_ctx *ctx, hsi_csv *in, const char *path, hsi_meta *m,
                               hs_error *err)
{
    hsi_csv c = *in;
    meta_cols k;
    hs_status st = meta_columns(&c, path, &k, err);
    if (!st) {
        m->file = hsi_strdup(ctx, path);
        m->book = c.book;
        m->node = hsi_calloc(ctx, c.nrow, sizeof *m->node);
        m->ind = hsi_calloc(ctx, c.nrow, sizeof *m->ind);
        m->agg = hsi_calloc(ctx, c.nrow, sizeof *m->agg);
        if (!m->file || !m->node || !m->ind || !m->agg)
            st = hsi_err_nomem(err);
        else
            m->n = c.nrow;
    }
    if (!st) st = meta_rows(ctx, &c, &k, path, m, err);
    if (!st) st = meta_ranges(&c, path, m, err);
    if (!st && m->nind == 0)
        st = hsi_err(err, HS_ERR_SCHEMA, path, 0, 0,
                     "structure has no rows of Type 'Indicator' (expected at least one)");
    if (!st) st = meta_links(&c, &k, path, m, err);
    if (!st) st = meta_no_cycle(ctx, path, m, err);
    if (!st) st = meta_children(ctx, path, m, err);
    if (!st) st = meta_check_roots(m, path, err);
    if (!st) st = meta_text_utf8(ctx, m, path, err);
    hsi_csv_free(&c);
    if (st) {
        hsi_meta_free(ctx, m);
        return st;
    }
    meta_sort_agg(m);
    return HS_OK;
}

hs_status hsi_meta_read(hs_ctx *ctx, const char *path, hsi_meta *m, hs_error *err)
{
    return hsi_meta_read_sheet(ctx, path, NULL, m, err);
}

hs_status hsi_meta_read_sheet(hs_ctx *ctx, const char *path, const char *sheet, hsi_meta *m,
                              hs_error *err)
{
    hsi_csv c;
    memset(m, 0, sizeof *m);
    if (hsi_xlsx_is_book(path)) { /* a sheet read as the same table: the same checks */
        hs_status st = hsi_xlsx_sheet_read(ctx, path, sheet ? sheet : "iMeta", &c, err);
        if (st) return st;
        char label[sizeof err->file];
        snprintf(label, sizeof label, "%s", c.file);
        st = meta_from_csv(ctx, &c, label, m, err);
        hsi_xlsx_err_cell(err, label);
        return st;
    }
    hs_status st = hsi_csv_read(ctx, path, &c, err);
    if (st) return st;
    return meta_from_csv(ctx, &c, path, m, err);
}

hs_status hsi_meta_parse(hs_ctx *ctx, const char *text, size_t len, const char *name, hsi_meta *m,
                         hs_error *err)
{
    hsi_csv c;
    memset(m, 0, sizeof *m);
    hs_status st = hsi_csv_parse(ctx, text, len, name, &c, err);
    if (st) return st;
    return meta_from_csv(ctx, &c, name, m, err);
}

void hsi_meta_free(hs_ctx *ctx, hsi_meta *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        hsi_node *nd = &m->node[i];
        hsi_free_all(ctx, nd->code, nd->name, nd->parent, nd->denom, nd->child);
    }
    hsi_free_all(ctx, m->node, m->ind, m->agg, m->file);
    memset(m, 0, sizeof *m);
}
