/*
 * optweights.c - optimised weights (docs/methods.md section 3.6; COINr get_opt_weights): the
 * weights of every node of one level such that each node's importance in the top score, its
 * Pearson correlation with the top over the sum of the level's, matches a target share.
 *
 * The objective is COINr's, log(sum_p (t_p - c_p)^2 / k), with the index re-aggregated from
 * the aggregate step's input for each candidate. It is minimised with GSL's Nelder-Mead
 * simplex (nmsimplex2; COINr calls R's optim, Nelder-Mead too) over x with weights x_p^2 /
 * sum x^2, so that no weight turns negative, restarted from its own optimum until a start
 * gains nothing: a simplex that has collapsed onto a ridge starts afresh.
 */
#include "engine_int.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <string.h>

#define OPTW_STARTS 20 /* restarts at most */
#define OPTW_BAD    1e300

typedef struct optw_run {
    const hs_build *b;
    const hsi_step *sp;
    const hsi_dset *in;
    size_t k;
    size_t *node;   /* the level's nodes */
    double *target; /* k shares summing to 1 */
    int squared;
    int negative; /* weights may be < 0 (COINr's search) */
    size_t top;
    double *w;    /* meta.n weights tried */
    double *imp;  /* k importances at the last evaluation */
    double *corr; /* k */
    hs_status st; /* an aggregation error stops the search */
    hs_error *err;
} optw_run;

/* Importances of the level's nodes in `d` (columns complete pairwise); the objective. */
static double optw_measure(optw_run *o, const hsi_dset *d)
{
    const double *top = hsi_col(d, (size_t)hsi_dset_col(d, o->top));
    double sum = 0, gap = 0;
    for (size_t p = 0; p < o->k; p++) {
        long c = hsi_dset_col(d, o->node[p]);
        double r = c < 0 ? (double)NAN : hsi_corr_pearson(hsi_col(d, (size_t)c), top, d->nrow);
        o->corr[p] = r;
        o->imp[p] = o->squared ? r * r : r;
        sum += o->imp[p];
    }
    for (size_t p = 0; p < o->k; p++) {
        o->imp[p] /= sum;
        gap += (o->target[p] - o->imp[p]) * (o->target[p] - o->imp[p]);
    }
    double v = log(gap / (double)o->k);
    return isnan(v) || !(sum != 0) ? OPTW_BAD : v;
}

/* Weights x^2 / sum x^2, or with negative weights allowed COINr's x / sum x. */
static double optw_w(const optw_run *o, const gsl_vector *x, size_t p)
{
    double v = gsl_vector_get(x, p);
    return o->negative ? v : v * v;
}

static void optw_set(optw_run *o, const gsl_vector *x)
{
    double s = 0;
    for (size_t p = 0; p < o->k; p++)
        s += optw_w(o, x, p);
    for (size_t p = 0; p < o->k; p++)
        o->w[o->node[p]] = s != 0 ? optw_w(o, x, p) / s : 0;
}

static double optw_f(const gsl_vector *x, void *params)
{
    optw_run *o = params;
    if (o->st) return OPTW_BAD;
    optw_set(o, x);
    hsi_dset d;
    memset(&d, 0, sizeof d);
    o->st = hsi_aggregate_pass(o->b, o->sp, o->w, o->in, &d, o->err);
    double v = o->st ? OPTW_BAD : optw_measure(o, &d);
    hsi_dset_free(o->b->ctx, &d);
    return v;
}

/* Nelder-Mead from x until the best value gains less than tol (relative) over 50 k steps,
 * or maxiter steps; x gets the best point. A test on the simplex's size alone would not do:
 * scaling the weights of one parent's children changes nothing, so the simplex need not
 * shrink along those directions. */
static int optw_simplex(optw_run *o, gsl_vector *x, double tol, long maxiter, double *fval,
                        long *iter)
{
    gsl_multimin_function fn = {optw_f, o->k, o};
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, o->k);
    gsl_vector *step = gsl_vector_alloc(o->k);
    if (!s || !step) {
        gsl_multimin_fminimizer_free(s);
        gsl_vector_free(step);
        return -1;
    }
    double norm = gsl_blas_dnrm2(x);
    gsl_vector_set_all(step, 0.25 * norm / sqrt((double)o->k));
    int rc = gsl_multimin_fminimizer_set(s, &fn, x, step);
    long window = 50 * (long)o->k;
    double last = HUGE_VAL; /* the minimiser has no value before its first step */
    for (long i = 1; rc == GSL_SUCCESS && i <= maxiter && !o->st; i++) {
        (*iter)++;
        if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS) break;
        if (gsl_multimin_fminimizer_size(s) < 1e-14) break;
        if (i % window) continue;
        double f = gsl_multimin_fminimizer_minimum(s);
        if (!(last - f > tol * (fabs(f) + tol))) break;
        last = f;
    }
    if (rc == GSL_SUCCESS) {
        gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(s));
        *fval = gsl_multimin_fminimizer_minimum(s);
    }
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(step);
    return rc == GSL_SUCCESS ? 0 : -1;
}

/* The search from equal weights (COINr's start); o->w ends with the best weights, o->imp
 * and o->corr with their importances. */
static hs_status optw_search(optw_run *o, double tol, long maxiter, double *value, long *iter)
{
    gsl_vector *x = gsl_vector_alloc(o->k);
    if (!x) return hsi_err_nomem(o->err);
    gsl_vector_set_all(x, o->negative ? 1 / (double)o->k : 1 / sqrt((double)o->k));
    double best = optw_f(x, o);
    *iter = 0;
    for (int r = 0; r < OPTW_STARTS && !o->st; r++) {
        double f = best;
        if (optw_simplex(o, x, tol, maxiter, &f, iter)) {
            gsl_vector_free(x);
            return o->st ? o->st : hsi_err_nomem(o->err);
        }
        int gained = f < best - 1e-9 * fabs(best);
        if (f < best) best = f;
        if (!gained) break;
    }
    /* the importances and weights of the point kept */
    *value = o->st ? (double)NAN : optw_f(x, o);
    gsl_vector_free(x);
    if (!o->st && !(*value < OPTW_BAD))
        return hsi_err(o->err, HS_ERR_DOMAIN, NULL, 0, 0,
                       "the correlations with the top cannot be formed for any weights tried "
                       "(a constant column, fewer than two units, or correlations summing to 0)");
    return o->st;
}

/* The level's nodes and the root; the target shares from t (meta.n, NULL: equal). */
static hs_status optw_prepare(hs_ctx *ctx, const hsi_meta *m, int level, const double *t,
                              optw_run *o, hs_error *err)
{
    long top = -1;
    o->k = 0;
    for (size_t a = 0; a < m->nagg; a++)
        if (m->node[m->agg[a]].parent_idx < 0) {
            if (top >= 0)
                return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0,
                               "optimised weights need a single top aggregate ('%s' and '%s')",
                               m->node[top].code, m->node[m->agg[a]].code);
            top = (long)m->agg[a];
        }
    if (top < 0 || level < 1 || level >= m->node[top].level)
        return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0,
                       "optimised weights: no level %d below the top (expected 1 to %d)", level,
                       top < 0 ? 0 : m->node[top].level - 1);
    o->top = (size_t)top;
    o->node = hsi_calloc(ctx, m->n + 1, sizeof(size_t));
    o->target = hsi_calloc(ctx, m->n + 1, sizeof(double));
    o->imp = hsi_calloc(ctx, m->n + 1, sizeof(double));
    o->corr = hsi_calloc(ctx, m->n + 1, sizeof(double));
    if (!o->node || !o->target || !o->imp || !o->corr) return hsi_err_nomem(err);
    double sum = 0;
    for (size_t i = 0; i < m->n; i++) {
        const hsi_node *nd = &m->node[i];
        if (nd->level != level || nd->parent_idx < 0) continue;
        if (nd->type != HSI_NODE_INDICATOR && nd->type != HSI_NODE_AGGREGATE) continue;
        o->target[o->k] = t ? t[i] : 1;
        if (!(o->target[o->k] >= 0) || !isfinite(o->target[o->k]))
            return hsi_err(err, HS_ERR_USAGE, m->file, nd->line, 0,
                           "optimised weights: the target of '%s' is %g (expected >= 0)", nd->code,
                           o->target[o->k]);
        sum += o->target[o->k];
        o->node[o->k++] = i;
    }
    if (o->k < 2 || !(sum > 0))
        return hsi_err(err, HS_ERR_USAGE, m->file, 0, 0,
                       "optimised weights: level %d needs at least two nodes and a positive "
                       "target",
                       level);
    for (size_t p = 0; p < o->k; p++)
        o->target[p] /= sum;
    return HS_OK;
}

static void optw_run_free(hs_ctx *ctx, optw_run *o)
{
    hsi_free_all(ctx, o->node, o->target, o->imp, o->corr, o->w);
}

/* The whole optimisation; w (meta.n) starts as the step's weights and ends with the level's
 * replaced; rec gets target, importance and correlation per node (meta.n arrays). */
static hs_status optw_do(hs_ctx *ctx, const hs_build *b, const hsi_step *sp, const hsi_dset *in,
                         const hsi_optw *spec, double *w, hsi_optw *rec, hs_error *err)
{
    const hsi_meta *m = &b->meta;
    optw_run o = {.b = b,
                  .sp = sp,
                  .in = in,
                  .squared = spec->squared,
                  .negative = spec->negative,
                  .err = err};
    double *t = NULL;
    if (spec->target) t = spec->target;
    hs_status st = optw_prepare(ctx, m, spec->level, t, &o, err);
    if (!st && !(o.w = hsi_calloc(ctx, m->n + 1, sizeof(double)))) st = hsi_err_nomem(err);
    if (!st) {
        memcpy(o.w, w, m->n * sizeof(double));
        st = optw_search(&o, spec->tol, spec->maxiter, &rec->value, &rec->iter);
    }
    if (!st) {
        memcpy(w, o.w, m->n * sizeof(double));
        for (size_t i = 0; i < m->n; i++)
            rec->target[i] = rec->imp[i] = rec->corr[i] = NAN;
        for (size_t p = 0; p < o.k; p++) {
            rec->target[o.node[p]] = o.target[p];
            rec->imp[o.node[p]] = o.imp[p];
            rec->corr[o.node[p]] = o.corr[p];
        }
    }
    optw_run_free(ctx, &o);
    return st;
}

static hs_status optw_alloc_rec(hs_ctx *ctx, size_t n, hsi_optw *r)
{
    hsi_free(ctx, r->imp);
    hsi_free(ctx, r->corr);
    r->imp = hsi_calloc(ctx, n + 1, sizeof(double));
    r->corr = hsi_calloc(ctx, n + 1, sizeof(double));
    return r->imp && r->corr ? HS_OK : HS_ERR_NOMEM;
}

hs_status hsi_optw_step(hs_build *b, hsi_step *sp, const hsi_dset *in, hs_error *err)
{
    hsi_optw *ow = sp->optw;
    hs_ctx *ctx = b->ctx;
    double *tgt = hsi_calloc(ctx, b->meta.n + 1, sizeof(double));
    if (!tgt || optw_alloc_rec(ctx, b->meta.n, ow)) {
        hsi_free(ctx, tgt);
        return hsi_err_nomem(err);
    }
    /* spec->target (meta.n relative targets, NULL = equal) is read before rec->target is
     * rewritten with the normalised shares */
    hsi_optw rec = *ow;
    rec.target = tgt;
    hs_status st = optw_do(ctx, b, sp, in, ow, sp->weight, &rec, err);
    if (st) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        hsi_free(ctx, tgt);
        return hsi_err(err, st, b->pl.file, sp->line, 0, "weights = optimised(%d): %s", ow->level,
                       msg);
    }
    hsi_free(ctx, ow->target);
    ow->target = tgt;
    ow->value = rec.value;
    ow->iter = rec.iter;
    if (!b->quiet)
        hsi_log(ctx, 0, "optimised weights of level %d: objective %.6g after %ld iterations",
                ow->level, ow->value, ow->iter);
    return HS_OK;
}

void hsi_optw_free(hs_ctx *ctx, hsi_optw *o)
{
    if (!o) return;
    hsi_free_all(ctx, o->target, o->target_set, o->imp, o->corr, o);
}

/* ---- public API -------------------------------------------------------------------------- */

void hs_optw_opts_init(hs_optw_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->level = 2;
    o->tol = 1e-9;
    o->maxiter = 5000;
}

/* The rows of the level's nodes from a record (meta.n arrays) and the weights w. */
static hs_status optw_rows(hs_ctx *ctx, const hsi_meta *m, const hsi_optw *r, const double *w,
                           hs_optw **out, size_t *n, hs_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        k += !isnan(r->target[i]);
    hs_optw *t = hsi_calloc(ctx, k + 1, sizeof *t);
    if (!t) return hsi_err_nomem(err);
    double sw = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!isnan(r->target[i])) sw += w[i];
    k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!isnan(r->target[i]))
            t[k++] = (hs_optw){.code = m->node[i].code,
                               .level = m->node[i].level,
                               .weight = w[i] / sw,
                               .target = r->target[i],
                               .importance = r->imp[i],
                               .corr = r->corr[i]};
    *out = t;
    *n = k;
    return HS_OK;
}

/* The last aggregate step and its input dataset, or NULL. */
static const hsi_step *optw_agg_step(const hs_build *b, const hsi_dset **in)
{
    for (size_t j = b->nd; j-- > 1;) {
        const hsi_step *sp = &b->pl.step[b->d_step[j]];
        if (sp->kind == HSI_STEP_AGGREGATE) {
            *in = &b->d[j - 1];
            return sp;
        }
    }
    return NULL;
}

hs_status hs_opt_weights(hs_ctx *ctx, const hs_build *b, const hs_optw_opts *o, hs_optw **out,
                         size_t *n, double *objective, hs_error *err)
{
    *out = NULL;
    *n = 0;
    if (!o || o->size != sizeof *o) return hsi_err_opts(err, "hs_optw_opts");
    if (!(o->tol > 0) || o->maxiter < 1 || (o->ntarget && (!o->codes || !o->target)))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "hs_opt_weights: tol must be > 0, maxiter >= 1, and targets need codes");
    const hsi_meta *m = &b->meta;
    const hsi_dset *in = NULL;
    const hsi_step *sp = optw_agg_step(b, &in);
    if (!sp)
        return hsi_err(err, HS_ERR_USAGE, b->pl.file, 0, 0,
                       "hs_opt_weights: the pipeline has no [aggregate] step");
    hsi_optw spec = {.level = o->level,
                     .squared = o->squared,
                     .negative = o->negative,
                     .tol = o->tol,
                     .maxiter = o->maxiter};
    hsi_optw rec = spec;
    double *w = hsi_calloc(ctx, m->n + 1, sizeof(double));
    double *rel = hsi_calloc(ctx, m->n + 1, sizeof(double));
    rec.target = hsi_calloc(ctx, m->n + 1, sizeof(double));
    hs_status st =
        (!w || !rel || !rec.target || optw_alloc_rec(ctx, m->n, &rec)) ? hsi_err_nomem(err) : HS_OK;
    for (size_t i = 0; !st && i < m->n; i++) {
        w[i] = sp->weight[i];
        rel[i] = 1; /* nodes not named: 1, as equal targets */
    }
    for (size_t q = 0; !st && q < o->ntarget; q++) {
        long z = hsi_meta_find(m, o->codes[q]);
        if (z < 0 || m->node[z].level != o->level)
            st = hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                         "hs_opt_weights: '%s' is not a node of level %d", o->codes[q], o->level);
        else
            rel[z] = o->target[q];
    }
    spec.target = rel;
    if (!st) st = optw_do(ctx, b, sp, in, &spec, w, &rec, err);
    if (!st) st = optw_rows(ctx, m, &rec, w, out, n, err);
    if (!st && objective) *objective = rec.value;
    hsi_free_all(ctx, w, rel, rec.target, rec.imp, rec.corr);
    return st;
}

hs_status hs_build_opt_weights(hs_ctx *ctx, const hs_build *b, hs_optw **out, size_t *n,
                               double *objective, hs_error *err)
{
    *out = NULL;
    *n = 0;
    const hsi_dset *in = NULL;
    const hsi_step *sp = optw_agg_step(b, &in);
    if (!sp || !sp->optw || !sp->optw->imp)
        return hsi_err(err, HS_ERR_USAGE, b->pl.file, 0, 0,
                       "the build did not aggregate with optimised weights (expected weights = "
                       "optimised(LEVEL) in [aggregate])");
    if (objective) *objective = sp->optw->value;
    return optw_rows(ctx, &b->meta, sp->optw, sp->weight, out, n, err);
}

void hs_optw_free(hs_ctx *ctx, hs_optw *w)
{
    hsi_free(ctx, w);
}

static void optw_row(hsi_buf *b, const void *row, const void *ud)
{
    const hs_optw *w = row;
    char a[32], t[32], im[32], c[32];
    (void)ud;
    hsi_buf_csv_str(b, w->code);
    hsi_buf_printf(b, ",%d,%s,%s,%s,%s\n", w->level, hsi_fmt_double(a, w->weight),
                   hsi_fmt_double(t, w->target), hsi_fmt_double(im, w->importance),
                   hsi_fmt_double(c, w->corr));
}

hs_status hs_optw_write_csv(const hs_optw *w, size_t n, const hs_sink *out, hs_error *err)
{
    return hsi_sink_rows(out, "optimised weights",
                         "\"iCode\",\"Level\",\"Weight\",\"Target\",\"Importance\",\"Corr\"\n", w,
                         n, sizeof *w, optw_row, NULL, err);
}

static hs_status optw_csv(const void *rows, size_t n, const hs_sink *out, hs_error *err)
{
    return hs_optw_write_csv(rows, n, out, err);
}

hs_status hs_optw_write_file(hs_ctx *ctx, const hs_build *b, const hs_optw *w, size_t n,
                             const char *path, hs_error *err)
{
    return hsi_build_write_rows(ctx, b, path, optw_csv, w, n, err);
}
