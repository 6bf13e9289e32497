/*
 * step_parse.c - reads each step section of a pipeline file (docs/pipeline.md) into the
 * step's parameters: the parse functions of the step table (step_table.c) and the method
 * syntax they share, "name" or "name(a, b, ...)". Parameters follow COINr's names where
 * COINr has one. Every unknown parameter or method is an error that points at its line and
 * column.
 */
#include "steps_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PL_MAXARGS 4

typedef struct pl_method {
    char name[64];
    size_t nargs;
    double args[PL_MAXARGS];
} pl_method;

/* Parse "name" or "name(a, b, ...)". */
static hs_status pl_parse_method(const char *file, const hsi_ini_kv *kv, pl_method *m,
                                 hs_error *err)
{
    memset(m, 0, sizeof *m);
    const char *s = kv->val;
    size_t n = 0;
    while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '-') && n < 63) {
        m->name[n] = (char)tolower((unsigned char)s[n]);
        n++;
    }
    m->name[n] = '\0';
    if (n == 0)
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol,
                       "'%s' needs a method name (e.g. minmax(0, 100))", kv->key);
    const char *p = s + n;
    while (*p == ' ')
        p++;
    if (*p == '\0') return HS_OK;
    if (*p != '(')
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol + (long)(p - s),
                       "unexpected '%c' after method name (expected '(' or end of line)", *p);
    p++;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == ')' && m->nargs == 0) {
            p++;
            break;
        }
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v))
            return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol + (long)(p - s),
                           "expected a number in the parameters of '%s'", m->name);
        if (m->nargs == PL_MAXARGS)
            return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol + (long)(p - s),
                           "too many parameters for '%s'", m->name);
        m->args[m->nargs++] = v;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == ')') {
            p++;
            break;
        }
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol + (long)(p - s),
                       "expected ',' or ')' in the parameters of '%s'", m->name);
    }
    while (*p == ' ')
        p++;
    if (*p)
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol + (long)(p - s),
                       "unexpected text after ')'");
    return HS_OK;
}

static hs_status pl_nargs(const char *file, const hsi_ini_kv *kv, const pl_method *m, size_t lo,
                          size_t hi, hs_error *err)
{
    if (m->nargs < lo || m->nargs > hi) {
        if (lo == hi)
            return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol,
                           "'%s' takes %zu parameter(s), got %zu", m->name, lo, m->nargs);
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol,
                       "'%s' takes %zu to %zu parameters, got %zu", m->name, lo, hi, m->nargs);
    }
    return HS_OK;
}

hs_status hsi_pl_number(const char *file, const hsi_ini_kv *kv, double lo, double hi, double *out,
                        hs_error *err)
{
    double v;
    if (hsi_parse_double(kv->val, &v) != 0 || v < lo || v > hi)
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol,
                       "'%s' is '%s' (expected a number from %g to %g)", kv->key, kv->val, lo, hi);
    *out = v;
    return HS_OK;
}

hs_status hsi_pl_bool(const char *file, const hsi_ini_kv *kv, int *out, hs_error *err)
{
    const char *v = kv->val;
    if (!strcmp(v, "true") || !strcmp(v, "TRUE") || !strcmp(v, "yes") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "FALSE") || !strcmp(v, "no") || !strcmp(v, "0"))
        *out = 0;
    else
        return hsi_err(err, HS_ERR_PIPELINE, file, kv->line, kv->vcol,
                       "'%s' is '%s' (expected true or false)", kv->key, v);
    return HS_OK;
}

hs_status hsi_pl_unused(const char *file, const hsi_ini_sec *s, const char *expected, hs_error *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->kv[i].used)
            return hsi_err(err, HS_ERR_PIPELINE, file, s->kv[i].line, s->kv[i].col,
                           "unknown parameter '%s'%s%s%s (expected one of: %s)", s->kv[i].key,
                           s->kind[0] ? " in [" : " at the top", s->kind[0] ? s->kind : "",
                           s->kind[0] ? "]" : "", expected);
    return HS_OK;
}

/* dist2ref(UNIT) or dist2ref(UNIT, CAP): the reference is a unit code of the data (COINr's
 * n_dist2ref takes a row position, which would change meaning whenever the rows do). */
static hs_status pl_dist2ref(const char *fn, const hsi_ini_kv *kv, const hsi_units *u,
                             hsi_norm_spec *ns, hs_error *err)
{
    const char *s = kv->val, *p = strchr(s, '(');
    memset(ns, 0, sizeof *ns);
    ns->kind = HSI_NORM_DIST2REF;
    ns->scale = 1;
    if (!p)
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "'dist2ref' needs a reference unit code, e.g. dist2ref(AUT)");
    p++;
    while (*p == ' ')
        p++;
    const char *a = p;
    while (*p && *p != ',' && *p != ')')
        p++;
    const char *z = p;
    while (z > a && z[-1] == ' ')
        z--;
    long ucol = kv->vcol + (long)(a - s);
    if (z == a)
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, ucol,
                       "'dist2ref' needs a reference unit code, e.g. dist2ref(AUT)");
    for (size_t r = 0; r < u->n && !ns->ref; r++)
        if (strlen(u->code[r]) == (size_t)(z - a) && !strncmp(u->code[r], a, (size_t)(z - a)))
            ns->ref = u->code[r];
    if (!ns->ref)
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, ucol,
                       "dist2ref: no unit '%.*s' in the data (expected a uCode)", (int)(z - a), a);
    if (*p == ',') {
        char *end;
        for (p++; *p == ' ';)
            p++;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol + (long)(p - s),
                           "expected 0 or 1 (cap at 1) after the unit of 'dist2ref'");
        ns->clip = v != 0;
        p = end;
        while (*p == ' ')
            p++;
    }
    if (*p != ')' || p[1] != '\0')
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line,
                       kv->vcol + (long)(p - s) + (*p == ')'), /* what follows ')' */
                       "expected 'dist2ref(UNIT)' or 'dist2ref(UNIT, CAP)'");
    return HS_OK;
}

static hs_status pl_norm_method(const char *fn, const hsi_ini_kv *kv, const hsi_meta *m,
                                const hsi_units *u, const hsi_node *nd, hsi_norm_spec *ns,
                                hs_error *err)
{
    if (!strncmp(kv->val, "dist2ref", 8) || !strncmp(kv->val, "n_dist2ref", 10))
        return pl_dist2ref(fn, kv, u, ns, err);
    pl_method pm;
    hs_status st = pl_parse_method(fn, kv, &pm, err);
    if (st) return st;
    memset(ns, 0, sizeof *ns);
    ns->scale = 1;
    const char *n = pm.name;
    if (!strncmp(n, "n_", 2)) n += 2;
    if (!strcmp(n, "minmax")) {
        ns->kind = HSI_NORM_MINMAX;
        if ((st = pl_nargs(fn, kv, &pm, 0, 2, err))) return st;
        if (pm.nargs == 1) return pl_nargs(fn, kv, &pm, 2, 2, err);
        ns->a = pm.nargs ? pm.args[0] : 0;
        ns->b = pm.nargs ? pm.args[1] : 100;
        if (!(ns->b > ns->a))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "minmax range (%g, %g) is empty (expected lower < upper)", ns->a, ns->b);
    } else if (!strcmp(n, "zscore")) {
        ns->kind = HSI_NORM_ZSCORE;
        if ((st = pl_nargs(fn, kv, &pm, 0, 2, err))) return st;
        if (pm.nargs == 1) return pl_nargs(fn, kv, &pm, 2, 2, err);
        ns->a = pm.nargs ? pm.args[0] : 0;
        ns->b = pm.nargs ? pm.args[1] : 1;
        if (!(ns->b > 0))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "zscore sd must be > 0, got %g", ns->b);
    } else if (!strcmp(n, "goalposts")) {
        ns->kind = HSI_NORM_GOALPOSTS;
        if ((st = pl_nargs(fn, kv, &pm, 0, 1, err))) return st;
        if (nd) {
            if (isnan(nd->gp_lo) || isnan(nd->gp_hi))
                return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                               "goalposts for '%s' need goalpost_lower and goalpost_upper in "
                               "the structure file %s (%s %ld)",
                               nd->code, m->file, hsi_lineword(m->book), nd->line);
            if (!(nd->gp_hi > nd->gp_lo))
                return hsi_err(err, HS_ERR_SCHEMA, m->file, nd->line, 0,
                               "goalposts of '%s' are (%g, %g) (expected lower < upper)", nd->code,
                               nd->gp_lo, nd->gp_hi);
            ns->lo = nd->gp_lo;
            ns->hi = nd->gp_hi;
            ns->scale = isnan(nd->gp_scale) ? 1 : nd->gp_scale;
            ns->clip = nd->gp_trunc;
            ns->log = nd->gp_log;
            if (ns->log && !(nd->gp_lo > 0))
                return hsi_err(err, HS_ERR_SCHEMA, m->file, nd->line, 0,
                               "goalpost_log for '%s' needs goalpost_lower > 0", nd->code);
        }
        if (pm.nargs) ns->scale = pm.args[0];
    } else if (!strcmp(n, "rank")) {
        ns->kind = HSI_NORM_RANK;
    } else if (!strcmp(n, "prank")) {
        ns->kind = HSI_NORM_PRANK;
    } else if (!strcmp(n, "borda")) {
        ns->kind = HSI_NORM_BORDA;
    } else if (!strcmp(n, "fracmax")) {
        ns->kind = HSI_NORM_FRACMAX;
    } else if (!strcmp(n, "distmax") || !strcmp(n, "dist2max")) {
        ns->kind = HSI_NORM_DISTMAX;
    } else if (!strcmp(n, "disttarget") || !strcmp(n, "dist2targ")) {
        ns->kind = HSI_NORM_DISTTARGET;
        if ((st = pl_nargs(fn, kv, &pm, 0, 1, err))) return st;
        ns->clip = pm.nargs ? pm.args[0] != 0 : 1;
        if (nd) {
            if (isnan(nd->target))
                return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                               "disttarget for '%s' needs a Target in the structure file %s "
                               "(%s %ld)",
                               nd->code, m->file, hsi_lineword(m->book), nd->line);
            ns->target = nd->target;
        }
    } else if (!strcmp(n, "scaled") || !strcmp(n, "scaled_directed")) {
        ns->kind = HSI_NORM_SCALED;
        ns->directed = !strcmp(n, "scaled_directed");
        if ((st = pl_nargs(fn, kv, &pm, 3, 3, err))) return st;
        ns->lo = pm.args[0];
        ns->hi = pm.args[1];
        ns->scale = pm.args[2];
        if (ns->hi == ns->lo)
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "scaled(l, u, f) needs l != u");
    } else if (!strcmp(n, "none")) {
        ns->kind = HSI_NORM_NONE;
    } else {
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "unknown normalisation '%s' (expected minmax(l, u), zscore(m, s), "
                       "goalposts, rank, prank, borda, fracmax, distmax, disttarget, "
                       "scaled(l, u, f), scaled_directed(l, u, f), dist2ref(UNIT) or none)",
                       pm.name);
    }
    return HS_OK;
}

static hs_status pl_agg_method(const char *fn, const hsi_ini_kv *kv, hsi_agg_spec *as,
                               hs_error *err)
{
    pl_method pm;
    hs_status st = pl_parse_method(fn, kv, &pm, err);
    if (st) return st;
    const char *n = pm.name;
    if (!strncmp(n, "a_", 2)) n += 2;
    as->p = 0;
    as->p2 = 0;
    as->dat_thresh = 0;
    if (!strcmp(n, "arithmetic") || !strcmp(n, "amean") || !strcmp(n, "mean"))
        as->kind = HSI_AGG_AMEAN;
    else if (!strcmp(n, "geometric") || !strcmp(n, "gmean"))
        as->kind = HSI_AGG_GMEAN;
    else if (!strcmp(n, "harmonic") || !strcmp(n, "hmean"))
        as->kind = HSI_AGG_HMEAN;
    else if (!strcmp(n, "genmean") || !strcmp(n, "generalised") || !strcmp(n, "generalized")) {
        as->kind = HSI_AGG_GENMEAN;
        if (pm.nargs == 0)
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "'%s' needs its order p, e.g. genmean(0.5) (p = 0 is the geometric "
                           "mean, p = -1 the harmonic)",
                           pm.name);
        if ((st = pl_nargs(fn, kv, &pm, 1, 1, err))) return st;
        as->p = pm.args[0]; /* 0: the kernel takes the limit, the geometric mean */
        return HS_OK;
    } else if (!strcmp(n, "mpi") || !strcmp(n, "ampi")) {
        as->kind = HSI_AGG_MPI;
        if ((st = pl_nargs(fn, kv, &pm, 0, 1, err))) return st;
        as->p = pm.nargs ? pm.args[0] : -1;
        if (as->p != -1 && as->p != 1)
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "%s(%g): the sign must be -1 (penalise unbalance, the default) or 1 "
                           "(indicators where higher is worse)",
                           pm.name, as->p);
        return HS_OK;
    } else if (!strcmp(n, "copeland")) {
        as->kind = HSI_AGG_COPELAND;
    } else if (!strcmp(n, "bod")) {
        /* bod or bod(lower, upper): shares as multiples of the nominal share (bod.c) */
        as->kind = HSI_AGG_BOD;
        as->p2 = INFINITY;
        if ((st = pl_nargs(fn, kv, &pm, 0, 2, err))) return st;
        if (pm.nargs == 1) return pl_nargs(fn, kv, &pm, 2, 2, err);
        if (pm.nargs == 2) {
            as->p = pm.args[0];
            as->p2 = pm.args[1];
        }
        if (!(as->p >= 0 && as->p <= 1 && as->p2 >= 1))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "bod(%g, %g): the share bounds must satisfy 0 <= lower <= 1 <= upper "
                           "(multiples of each child's nominal share; bod(1, 1) fixes them)",
                           as->p, as->p2);
        return HS_OK;
    } else if (!strcmp(n, "rgm")) {
        as->kind = HSI_AGG_RGM;
        if ((st = pl_nargs(fn, kv, &pm, 0, 1, err))) return st;
        as->p = pm.nargs ? pm.args[0] : 11;
        return HS_OK;
    } else if (!strcmp(n, "wmax") || !strcmp(n, "max"))
        as->kind = HSI_AGG_WMAX;
    else
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "unknown aggregation '%s' (expected arithmetic, geometric, harmonic, "
                       "genmean(p), rgm(top), wmax, copeland, mpi(sign) or bod(lower, upper))",
                       pm.name);
    return pl_nargs(fn, kv, &pm, 0, 0, err);
}

/* A treatment: none, winsorise(winmax), log_ct_plus or boxcox(lambda); t keeps the step's
 * limits and fallback, and gets the method and its parameter. */
static hs_status pl_treat_method(const char *fn, const hsi_ini_kv *kv, hsi_treat_spec *t,
                                 hs_error *err)
{
    pl_method pm;
    hs_status st = pl_parse_method(fn, kv, &pm, err);
    if (st) return st;
    const char *n = pm.name;
    if (!strcmp(n, "none") || !strcmp(n, "off")) {
        if ((st = pl_nargs(fn, kv, &pm, 0, 0, err))) return st;
        t->winmax = 0;
    } else if (!strcmp(n, "winsorise") || !strcmp(n, "winsorize")) {
        if ((st = pl_nargs(fn, kv, &pm, 0, 1, err))) return st;
        if (pm.nargs && !(pm.args[0] >= 0 && pm.args[0] <= 1e6))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "winsorise(%g): the limit must be from 0 to 1000000", pm.args[0]);
        t->f1 = HSI_TREAT_F1_WINSORISE;
        if (pm.nargs) t->winmax = (int)pm.args[0];
    } else if (!strcmp(n, "log_ct_plus")) {
        if ((st = pl_nargs(fn, kv, &pm, 0, 0, err))) return st;
        t->f1 = HSI_TREAT_F1_LOGCTPLUS;
        if (t->winmax <= 0) t->winmax = 5; /* nonzero: the indicator is treated */
    } else if (!strcmp(n, "boxcox")) {
        if (pm.nargs == 0)
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "'boxcox' needs its exponent lambda, e.g. boxcox(0.5) (0 is the log)");
        if ((st = pl_nargs(fn, kv, &pm, 1, 1, err))) return st;
        t->f1 = HSI_TREAT_F1_BOXCOX;
        t->lambda = pm.args[0];
        if (t->winmax <= 0) t->winmax = 5;
    } else {
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "unknown treatment '%s' (expected winsorise(winmax), log_ct_plus, "
                       "boxcox(lambda) or none)",
                       pm.name);
    }
    return HS_OK;
}

static long pl_indicator(const hsi_meta *m, const char *code)
{
    for (size_t k = 0; k < m->nind; k++)
        if (!strcmp(m->node[m->ind[k]].code, code)) return (long)k;
    return -1;
}

/* An `indicator.CODE` key of a section, which sets one indicator's method: marks it used and
 * gives the indicator's position in *k; *k is -1 for any other key. */
static hs_status pl_ind_key(const hsi_step_env *env, hsi_ini_kv *e, long *k, hs_error *err)
{
    *k = -1;
    if (strncmp(e->key, "indicator.", 10)) return HS_OK;
    e->used = 1;
    *k = pl_indicator(env->m, e->key + 10);
    if (*k < 0)
        return hsi_err(err, HS_ERR_PIPELINE, env->file, e->line, e->col,
                       "'%s' is not an indicator of %s", e->key + 10, env->m->file);
    return HS_OK;
}

/* The methods that fill a unit's gaps from its own years (COINr impute_panel): they need a
 * Time column, else every unit has a single row and nothing could be filled. */
static hs_status pl_impute_panel(const char *fn, const hsi_ini_kv *kv, const char *mv,
                                 const hsi_units *u, hsi_step *stp, hs_error *err)
{
    if (!strcmp(mv, "linear"))
        stp->imp = HSI_IMP_LINEAR;
    else if (!strcmp(mv, "constant"))
        stp->imp = HSI_IMP_CONSTANT;
    else
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "unknown imputation '%s' (expected mean, median, mean_group, "
                       "median_group, latest, linear, constant or none)",
                       kv->val);
    if (!u->has_time)
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "imputation '%s' fills a unit's gaps from its other years, but the data "
                       "has no time (expected a Time column, long data or a wide-year table)",
                       kv->val);
    return HS_OK;
}

/* weights = pca(L): the nodes of level L take PCA weights within each parent whose children
 * are all of level L; some parent must be one. */
static hs_status pl_pca_weights(const char *fn, const hsi_ini_kv *kv, const hsi_meta *m,
                                hsi_step *stp, hs_error *err)
{
    char *e = NULL;
    long lv = strncmp(kv->val, "pca(", 4) ? 0 : strtol(kv->val + 4, &e, 10);
    if (!e || e == kv->val + 4 || strcmp(e, ")"))
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "'%s' is not a weight set (expected structure, the NAME of a [weights "
                       "NAME] section, or pca(LEVEL))",
                       kv->val);
    for (size_t a = 0; a < m->nagg && lv >= 1 && lv < m->maxlevel; a++) {
        const hsi_node *pn = &m->node[m->agg[a]];
        int all = 1;
        for (size_t j = 0; j < pn->nchild; j++)
            all &= m->node[pn->child[j]].level == lv;
        if (all) {
            stp->pca_level = (int)lv;
            return HS_OK;
        }
    }
    return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                   "pca(%ld): no aggregate of %s has only children of level %ld (expected a "
                   "level from 1 to %d whose nodes share parents)",
                   lv, m->file, lv, m->maxlevel - 1);
}

/* weights = optimised(L), with opt_target (a weight set's values as relative targets of the
 * level's nodes; default equal), opt_importance (corr, COINr's, or corr2), opt_tol and
 * opt_maxiter (optweights.c). */
static hs_status pl_optw(hs_ctx *ctx, const char *fn, hsi_ini *ini, hsi_ini_sec *s,
                         const hsi_ini_kv *kv, const hsi_meta *m, hsi_step *stp, hs_error *err)
{
    pl_method pm;
    hs_status st = pl_parse_method(fn, kv, &pm, err);
    if (st) return st;
    if ((st = pl_nargs(fn, kv, &pm, 1, 1, err))) return st;
    long lv = (long)pm.args[0];
    if ((double)lv != pm.args[0] || lv < 1 || lv >= m->maxlevel)
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "%s(%g): no such level below the top (expected 1 to %d)", pm.name,
                       pm.args[0], m->maxlevel - 1);
    hsi_optw *o = hsi_calloc(ctx, 1, sizeof *o);
    if (!o) return hsi_err_nomem(err);
    stp->optw = o;
    o->level = (int)lv;
    o->tol = 1e-9;
    o->maxiter = 5000;
    hsi_ini_kv *e;
    double v = 0;
    if ((e = hsi_ini_get(s, "opt_tol")) && (st = hsi_pl_number(fn, e, 1e-15, 1, &o->tol, err)))
        return st;
    if ((e = hsi_ini_get(s, "opt_maxiter"))) {
        if ((st = hsi_pl_number(fn, e, 1, 1e7, &v, err))) return st;
        o->maxiter = (long)v;
    }
    if ((e = hsi_ini_get(s, "opt_negative")) && (st = hsi_pl_bool(fn, e, &o->negative, err)))
        return st;
    if ((e = hsi_ini_get(s, "opt_importance"))) {
        if (!strcmp(e->val, "corr2"))
            o->squared = 1;
        else if (strcmp(e->val, "corr"))
            return hsi_err(err, HS_ERR_PIPELINE, fn, e->line, e->vcol,
                           "'opt_importance' is '%s' (expected corr or corr2)", e->val);
    }
    if (!(e = hsi_ini_get(s, "opt_target"))) return HS_OK;
    hsi_ini_sec *ws = NULL;
    for (size_t q = 1; q < ini->n; q++)
        if (!strcmp(ini->sec[q].kind, "weights") && ini->sec[q].name &&
            !strcmp(ini->sec[q].name, e->val))
            ws = &ini->sec[q];
    if (!ws)
        return hsi_err(err, HS_ERR_PIPELINE, fn, e->line, e->vcol,
                       "no weight set '%s' for opt_target (expected a [weights %s] section "
                       "giving the level's nodes their relative importance)",
                       e->val, e->val);
    if (!(o->target = hsi_calloc(ctx, m->n + 1, sizeof(double))) ||
        !(o->target_set = hsi_strdup(ctx, e->val)))
        return hsi_err_nomem(err);
    for (size_t q = 0; q < m->n; q++)
        o->target[q] = m->node[q].level == lv ? 1 : NAN;
    for (size_t q = 0; q < ws->n; q++) { /* checked already: a code, a number */
        long z = hsi_meta_find(m, ws->kv[q].key);
        if (z >= 0 && m->node[z].level != lv)
            return hsi_err(err, HS_ERR_PIPELINE, fn, ws->kv[q].line, ws->kv[q].col,
                           "opt_target '%s': '%s' is not a node of level %ld", e->val,
                           ws->kv[q].key, lv);
        if (z >= 0) (void)hsi_parse_double(ws->kv[q].val, &o->target[(size_t)z]);
    }
    return HS_OK;
}

hs_status hsi_pl_per(const char *fn, hsi_ini_sec *s, hsi_step *sp, hs_error *err)
{
    hsi_ini_kv *kv = hsi_ini_get(s, "per");
    if (kv) {
        if (!strcmp(kv->val, "time"))
            sp->pooled = 0;
        else if (!strcmp(kv->val, "all"))
            sp->pooled = 1;
        else
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "'per' is '%s' (expected time or all)", kv->val);
    }
    return HS_OK;
}

/* [report]: what `humsec report` draws (docs/report.md). The build only checks the keys;
 * the report reads the values, paths relative to the pipeline's folder. */
hs_status hsi_step_parse_report(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                hs_error *err)
{
    (void)stp;
    static const char *const keys[] = {"map", "map_id", "compare", "whatif", "sensitivity"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        hsi_ini_kv *kv = hsi_ini_get(s, keys[k]);
        if (kv && !*kv->val)
            return hsi_err(err, HS_ERR_PIPELINE, env->file, kv->line, kv->vcol,
                           "'%s' is empty (expected a file or folder)", keys[k]);
    }
    if (hsi_ini_get(s, "map_id") && !hsi_ini_get(s, "map"))
        return hsi_err(err, HS_ERR_PIPELINE, env->file, s->line, s->col,
                       "[report] has 'map_id' but no 'map = FILE.geojson'");
    return HS_OK;
}

/* ---- the parse functions of the step table --------------------------------------------- */

hs_status hsi_step_parse_impute(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    const hsi_units *u = env->u;
    hs_status st;
    hsi_ini_kv *kv = hsi_ini_get(s, "method");
    const char *mv = kv ? kv->val : "mean";
    if (!strncmp(mv, "i_", 2)) mv += 2;
    if (!strcmp(mv, "mean"))
        stp->imp = HSI_IMP_MEAN;
    else if (!strcmp(mv, "median"))
        stp->imp = HSI_IMP_MEDIAN;
    else if (!strcmp(mv, "mean_grp") || !strcmp(mv, "mean_group"))
        stp->imp = HSI_IMP_MEAN_GROUP;
    else if (!strcmp(mv, "median_grp") || !strcmp(mv, "median_group"))
        stp->imp = HSI_IMP_MEDIAN_GROUP;
    else if (!strcmp(mv, "latest"))
        stp->imp = HSI_IMP_LATEST;
    else if (!strcmp(mv, "none"))
        stp->imp = HSI_IMP_NONE;
    else if ((st = pl_impute_panel(fn, kv, mv, u, stp, err)))
        return st;
    stp->group_idx = -1;
    hsi_ini_kv *g = hsi_ini_get(s, "group");
    if (stp->imp == HSI_IMP_MEAN_GROUP || stp->imp == HSI_IMP_MEDIAN_GROUP) {
        if (!g)
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "'%s' needs 'group = COLUMN' (a Group of the structure)", kv->val);
        for (size_t q = 0; q < u->ngroup; q++)
            if (!strcmp(u->group_code[q], g->val)) stp->group_idx = (long)q;
        if (stp->group_idx < 0)
            return hsi_err(err, HS_ERR_PIPELINE, fn, g->line, g->vcol,
                           "group '%s' is not a Group column of the structure and data "
                           "(expected a row of Type 'Group' in %s and a column in the "
                           "data)",
                           g->val, m->file);
    } else if (g) {
        return hsi_err(err, HS_ERR_PIPELINE, fn, g->line, g->col,
                       "'group' applies only to mean_group and median_group");
    }
    hsi_ini_kv *mt = hsi_ini_get(s, "max_time");
    if (mt) {
        double v = 0;
        if ((st = hsi_pl_number(fn, mt, 1, 1e6, &v, err))) return st;
        stp->max_time = (long)v;
    }
    return HS_OK;
}

hs_status hsi_step_parse_screen(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                hs_error *err)
{
    const char *fn = env->file;
    hs_status st;
    stp->screen_na = 1;
    stp->dat_thresh = 0.66;
    stp->nonzero_thresh = 0.5;
    hsi_ini_kv *kv = hsi_ini_get(s, "by");
    if (kv) {
        if (!strcmp(kv->val, "na") || !strcmp(kv->val, "byNA"))
            stp->screen_na = 1, stp->screen_zeros = 0;
        else if (!strcmp(kv->val, "zeros") || !strcmp(kv->val, "byZeros"))
            stp->screen_na = 0, stp->screen_zeros = 1;
        else if (!strcmp(kv->val, "na_zeros") || !strcmp(kv->val, "byNAandZeros"))
            stp->screen_na = 1, stp->screen_zeros = 1;
        else
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "unknown screening '%s' (expected na, zeros or na_zeros)", kv->val);
    }
    if ((kv = hsi_ini_get(s, "dat_thresh")) &&
        (st = hsi_pl_number(fn, kv, 0, 1, &stp->dat_thresh, err)))
        return st;
    if ((kv = hsi_ini_get(s, "nonzero_thresh")) &&
        (st = hsi_pl_number(fn, kv, 0, 1, &stp->nonzero_thresh, err)))
        return st;
    return HS_OK;
}

hs_status hsi_step_parse_treat(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                               hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    hs_status st;
    hsi_treat_spec t = {5, 2.0, 3.5, 1, HSI_TREAT_F1_WINSORISE, 0};
    hsi_ini_kv *kv = hsi_ini_get(s, "method");
    if (kv && (st = pl_treat_method(fn, kv, &t, err))) return st;
    double v = 0;
    if ((kv = hsi_ini_get(s, "winmax"))) {
        if ((st = hsi_pl_number(fn, kv, 0, 1e6, &v, err))) return st;
        t.winmax = (int)v;
    }
    if ((kv = hsi_ini_get(s, "skew_thresh")) &&
        (st = hsi_pl_number(fn, kv, 0, 1e6, &t.skew_thresh, err)))
        return st;
    if ((kv = hsi_ini_get(s, "kurt_thresh")) &&
        (st = hsi_pl_number(fn, kv, -1e6, 1e6, &t.kurt_thresh, err)))
        return st;
    if ((kv = hsi_ini_get(s, "log_fallback")) && (st = hsi_pl_bool(fn, kv, &t.log_fallback, err)))
        return st;
    stp->treat = t;
    stp->treat_ind = hsi_calloc(env->ctx, m->nind + 1, sizeof *stp->treat_ind);
    if (!stp->treat_ind) return hsi_err_nomem(err);
    for (size_t k = 0; k < m->nind; k++)
        stp->treat_ind[k] = t;
    for (size_t q = 0; q < s->n; q++) {
        long k;
        if ((st = pl_ind_key(env, &s->kv[q], &k, err))) return st;
        if (k >= 0 && (st = pl_treat_method(fn, &s->kv[q], &stp->treat_ind[k], err))) return st;
    }
    return HS_OK;
}

/* Indicator k's normalisation, as kv gives it. */
static hs_status pl_norm_ind(const hsi_step_env *env, const hsi_ini_kv *kv, size_t k, hsi_step *stp,
                             hs_error *err)
{
    const hsi_meta *m = env->m;
    return pl_norm_method(env->file, kv, m, env->u, &m->node[m->ind[k]], &stp->norm_ind[k], err);
}

hs_status hsi_step_parse_normalise(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                   hs_error *err)
{
    const hsi_meta *m = env->m;
    hs_status st;
    stp->norm_ind = hsi_calloc(env->ctx, m->nind + 1, sizeof *stp->norm_ind);
    if (!stp->norm_ind) return hsi_err_nomem(err);
    hsi_ini_kv *kv = hsi_ini_get(s, "method");
    char dkey[] = "method", dval[] = "minmax(0, 100)";
    hsi_ini_kv dflt = {dkey, dval, s->line, s->col, s->col, 1};
    if (!kv) kv = &dflt;
    for (size_t k = 0; k < m->nind; k++)
        if ((st = pl_norm_ind(env, kv, k, stp, err))) return st;
    for (size_t q = 0; q < s->n; q++) {
        long k;
        if ((st = pl_ind_key(env, &s->kv[q], &k, err))) return st;
        if (k >= 0 && (st = pl_norm_ind(env, &s->kv[q], (size_t)k, stp, err))) return st;
    }
    return HS_OK;
}

/* A key PREFIX.N that sets aggregation level N's own value: marks it used and gives N in *lv
 * (checked against the structure's levels); *lv is 0 for any other key. */
static hs_status pl_level_key(const hsi_step_env *env, hsi_ini_kv *e, const char *prefix, long *lv,
                              hs_error *err)
{
    size_t n = strlen(prefix);
    *lv = 0;
    if (strncmp(e->key, prefix, n)) return HS_OK;
    e->used = 1;
    if (hsi_parse_long(e->key + n, lv) || *lv < 2 || *lv > env->m->maxlevel)
        return hsi_err(err, HS_ERR_PIPELINE, env->file, e->line, e->col,
                       "'%s': no such aggregation level (expected %s2 to %s%d)", e->key, prefix,
                       prefix, env->m->maxlevel);
    return HS_OK;
}

/* The aggregation methods: `method` for every aggregate, then `level.N` for a level's, then
 * `node.CODE` for one node's. */
static hs_status pl_agg_methods(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    hs_status st;
    hsi_agg_spec base = {HSI_AGG_AMEAN, 0, 0, 0};
    hsi_ini_kv *kv = hsi_ini_get(s, "method");
    if (kv && (st = pl_agg_method(fn, kv, &base, err))) return st;
    for (size_t q = 0; q < m->n; q++)
        stp->agg_node[q] = base;
    for (size_t q = 0; q < s->n; q++) { /* levels first, then nodes override */
        hsi_ini_kv *e = &s->kv[q];
        long lv;
        if ((st = pl_level_key(env, e, "level.", &lv, err))) return st;
        if (!lv) continue;
        hsi_agg_spec a;
        if ((st = pl_agg_method(fn, e, &a, err))) return st;
        for (size_t z = 0; z < m->n; z++)
            if (m->node[z].level == lv) stp->agg_node[z] = a;
    }
    for (size_t q = 0; q < s->n; q++) {
        hsi_ini_kv *e = &s->kv[q];
        if (strncmp(e->key, "node.", 5)) continue;
        e->used = 1;
        long z = hsi_meta_find(m, e->key + 5);
        if (z < 0 || m->node[z].type != HSI_NODE_AGGREGATE)
            return hsi_err(err, HS_ERR_PIPELINE, fn, e->line, e->col,
                           "'%s' is not an aggregate of %s", e->key + 5, m->file);
        if ((st = pl_agg_method(fn, e, &stp->agg_node[z], err))) return st;
    }
    return HS_OK;
}

/* weights = NAME: the [weights NAME] section's values over the structure's (its keys were
 * checked before any step: codes of the structure, numbers). */
static hs_status pl_weight_set(const hsi_step_env *env, const hsi_ini_kv *kv, hsi_step *stp,
                               hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    const hsi_ini *ini = env->ini;
    const hsi_ini_sec *ws = NULL;
    for (size_t q = 1; q < ini->n; q++)
        if (!strcmp(ini->sec[q].kind, "weights") && ini->sec[q].name &&
            !strcmp(ini->sec[q].name, kv->val))
            ws = &ini->sec[q];
    if (!ws)
        return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                       "no weight set '%s' (expected a [weights %s] section, or "
                       "'structure')",
                       kv->val, kv->val);
    for (size_t q = 0; q < ws->n; q++) { /* checked above: a code, a number */
        long z = hsi_meta_find(m, ws->kv[q].key);
        if (z >= 0) (void)hsi_parse_double(ws->kv[q].val, &stp->weight[(size_t)z]);
    }
    if (!(stp->weight_set = hsi_strdup(env->ctx, kv->val))) return hsi_err_nomem(err);
    for (size_t a = 0; a < m->nagg; a++) {
        const hsi_node *pn = &m->node[m->agg[a]];
        double sw = 0;
        for (size_t c2 = 0; c2 < pn->nchild; c2++)
            sw += stp->weight[pn->child[c2]];
        if (!(sw > 0))
            return hsi_err(err, HS_ERR_PIPELINE, fn, ws->line, ws->col,
                           "weight set '%s' gives every child of '%s' weight 0 "
                           "(expected at least one positive weight)",
                           kv->val, pn->code);
    }
    return HS_OK;
}

/* `weights`: structure (the default), a weight set, pca(L) or optimised(L); the opt_ keys
 * only with optimised(L). */
static hs_status pl_agg_weights(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    hs_status st;
    for (size_t q = 0; q < m->n; q++)
        stp->weight[q] = m->node[q].weight;
    hsi_ini_kv *kv = hsi_ini_get(s, "weights");
    if (kv && !strncmp(kv->val, "pca", 3)) {
        if ((st = pl_pca_weights(fn, kv, m, stp, err))) return st;
    } else if (kv && (!strncmp(kv->val, "optimised", 9) || !strncmp(kv->val, "optimized", 9))) {
        if ((st = pl_optw(env->ctx, fn, env->ini, s, kv, m, stp, err))) return st;
    } else if (kv && strcmp(kv->val, "structure")) {
        if ((st = pl_weight_set(env, kv, stp, err))) return st;
    }
    const char *okeys[] = {"opt_target", "opt_importance", "opt_tol", "opt_maxiter",
                           "opt_negative"};
    for (size_t q = 0; q < 5 && !stp->optw; q++)
        if ((kv = hsi_ini_get(s, okeys[q])))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->col,
                           "'%s' applies only with weights = optimised(LEVEL)", kv->key);
    return HS_OK;
}

/* `dat_thresh` for every aggregate, then `dat_thresh.level.N` for a level's. */
static hs_status pl_agg_thresh(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                               hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    hs_status st;
    hsi_ini_kv *kv;
    if ((kv = hsi_ini_get(s, "dat_thresh")) &&
        (st = hsi_pl_number(fn, kv, 0, 1, &stp->agg_dat_thresh, err)))
        return st;
    for (size_t q = 0; q < m->n; q++)
        stp->agg_node[q].dat_thresh = stp->agg_dat_thresh;
    for (size_t q = 0; q < s->n; q++) { /* dat_thresh.level.N: one level's own */
        hsi_ini_kv *e = &s->kv[q];
        long lv;
        double v = 0;
        if ((st = pl_level_key(env, e, "dat_thresh.level.", &lv, err))) return st;
        if (!lv) continue;
        if ((st = hsi_pl_number(fn, e, 0, 1, &v, err))) return st;
        for (size_t z = 0; z < m->n; z++)
            if (m->node[z].level == lv) stp->agg_node[z].dat_thresh = v;
    }
    return HS_OK;
}

hs_status hsi_step_parse_aggregate(const hsi_step_env *env, hsi_ini_sec *s, hsi_step *stp,
                                   hs_error *err)
{
    const char *fn = env->file;
    const hsi_meta *m = env->m;
    hs_status st;
    stp->agg_node = hsi_calloc(env->ctx, m->n + 1, sizeof *stp->agg_node);
    stp->weight = hsi_calloc(env->ctx, m->n + 1, sizeof(double));
    if (!stp->agg_node || !stp->weight) return hsi_err_nomem(err);
    if ((st = pl_agg_methods(env, s, stp, err)) || (st = pl_agg_weights(env, s, stp, err)) ||
        (st = pl_agg_thresh(env, s, stp, err)))
        return st;
    hsi_ini_kv *kv = hsi_ini_get(s, "nonpositive");
    if (kv) {
        if (!strcmp(kv->val, "na"))
            stp->agg_nonpositive_na = 1;
        else if (strcmp(kv->val, "error"))
            return hsi_err(err, HS_ERR_PIPELINE, fn, kv->line, kv->vcol,
                           "'nonpositive' is '%s' (expected error or na)", kv->val);
    }
    if (m->nagg == 0)
        return hsi_err(err, HS_ERR_PIPELINE, fn, s->line, s->col,
                       "[aggregate] but the structure has no aggregates (expected rows "
                       "of Type 'Aggregate' in %s)",
                       m->file);
    return HS_OK;
}

hs_status hsi_step_check_denominate(const hsi_step_env *env, const hsi_ini_sec *s, hs_error *err)
{
    const hsi_meta *m = env->m;
    int any = 0;
    for (size_t k = 0; k < m->nind; k++)
        any |= m->node[m->ind[k]].denom != NULL;
    if (!any)
        return hsi_err(err, HS_ERR_PIPELINE, env->file, s->line, s->col,
                       "[denominate] but no indicator has a Denominator in %s", m->file);
    return HS_OK;
}
