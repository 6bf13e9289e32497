/*
 * index_model.c - the composite index as a model for the uncertainty analysis: each run
 * rebuilds the index with the alternatives the design point selects, and returns the mean
 * absolute rank shift against the nominal ranks (docs/methods.md section 4.1) followed by every
 * unit's rank and score.
 *
 * Speed: only what a run changes is recomputed. Before the runs, every combination of the
 * discrete factors is built once up to the aggregation step (ASEM: 5 winmax x 2
 * normalisations x 2 aggregators = 20 builds); a run then only re-weights and re-aggregates
 * into a per-thread workspace, with no allocation. A factor drawn from a continuous range
 * on a step before aggregation makes every run rebuild all steps (the slow path).
 */
#include "mc_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_rng.h>

typedef struct im_ws {
    double *val; /* meta.n x nunit */
    double *w;   /* meta.n */
    double *x, *cw;
    double *score, *rank;
    size_t *rz;
} im_ws;

static void *im_ws_new(void *ud)
{
    const hs_sensitivity *s = ud;
    size_t nn = s->base->meta.n, nu = s->nunit;
    im_ws *w = hsi_calloc(s->ctx, 1, sizeof *w);
    if (!w) return NULL;
    w->val = hsi_calloc(s->ctx, nn * nu + 1, sizeof(double));
    w->w = hsi_calloc(s->ctx, nn + 1, sizeof(double));
    w->x = hsi_calloc(s->ctx, s->maxchild + 1, sizeof(double));
    w->cw = hsi_calloc(s->ctx, s->maxchild + 1, sizeof(double));
    w->score = hsi_calloc(s->ctx, nu + 1, sizeof(double));
    w->rank = hsi_calloc(s->ctx, nu + 1, sizeof(double));
    w->rz = hsi_calloc(s->ctx, nu + 1, sizeof(size_t));
    if (!w->val || !w->w || !w->x || !w->cw || !w->score || !w->rank || !w->rz) {
        hsi_free_all(s->ctx, w->val, w->w, w->x, w->cw, w->score, w->rank, w->rz, w);
        return NULL;
    }
    return w;
}

static void im_ws_free(void *ud, void *p)
{
    const hs_sensitivity *s = ud;
    im_ws *w = p;
    hsi_free_all(s->ctx, w->val, w->w, w->x, w->cw, w->score, w->rank, w->rz, w);
}

static size_t im_alt(double u, size_t m)
{
    /* alternative floor(u m) of m equally likely ones (docs/methods.md section 4.1) */
    size_t a = (size_t)(u * (double)m);
    return a < m ? a : m - 1;
}

/* Ranks of the scores and the outputs of one run. */
static void im_outputs(const hs_sensitivity *s, im_ws *w, double *y)
{
    size_t nu = s->nunit;
    hsi_stats_rank(w->score, nu, 1, w->rank, w->rz);
    double shift = 0;
    size_t m = 0;
    for (size_t i = 0; i < nu; i++) {
        y[1 + i] = w->rank[i];
        y[1 + nu + i] = w->score[i];
        if (!isnan(w->rank[i]) && !isnan(s->nom_rank[i])) {
            shift += fabs(w->rank[i] - s->nom_rank[i]);
            m++;
        }
    }
    y[0] = m ? shift / (double)m : (double)NAN;
}

/* Apply the weight-noise and exclusion factors of design point u to weights w. */
static void im_weights(const hs_sensitivity *s, const double *u, double *w)
{
    const hsi_meta *m = &s->base->meta;
    for (size_t f = 0; f < s->spec.nfactor; f++) {
        const hsi_factor *fa = &s->spec.f[f];
        if (fa->kind == HSI_FACTOR_WEIGHTS && s->wset && s->wset[f]) {
            /* a set given whole: its weights replace the nominal ones it names */
            const double *g = s->wset[f] + im_alt(u[f], fa->nsets) * m->n;
            for (size_t j = 0; j < m->n; j++)
                if (!isnan(g[j])) w[j] = g[j];
        } else if (fa->kind == HSI_FACTOR_WEIGHTS) {
            const double *mult = s->noise + s->noise_off[f] + im_alt(u[f], fa->nsets) * m->n;
            for (size_t j = 0; j < m->n; j++)
                w[j] *= mult[j];
        } else if (fa->kind == HSI_FACTOR_EXCLUDE) {
            long node = s->excl_node[f * 64 + im_alt(u[f], fa->nalt)];
            if (node >= 0) w[node] = 0;
        }
    }
}

static hs_status im_aggregate(const hs_sensitivity *s, im_ws *w, const hsi_step *ag, hs_error *err)
{
    const hsi_meta *m = &s->base->meta;
    size_t nu = s->nunit;
    for (size_t a = 0; a < m->nagg; a++) {
        size_t node = m->agg[a];
        const hsi_node *pn = &m->node[node];
        const hsi_agg_spec *as = &ag->agg_node[node];
        for (size_t k = 0; k < pn->nchild; k++)
            w->cw[k] = w->w[pn->child[k]];
        for (size_t i = 0; i < nu; i++) {
            for (size_t k = 0; k < pn->nchild; k++)
                w->x[k] = w->val[pn->child[k] * nu + i];
            size_t bad = 0;
            double out;
            hs_status st = hsi_aggregate_row(as->kind, as->p, w->x, w->cw, pn->nchild,
                                             as->dat_thresh, &out, &bad);
            if (st && ag->agg_nonpositive_na) {
                out = NAN;
            } else if (st) {
                return hsi_err(err, HS_ERR_DOMAIN, NULL, 0, 0,
                               "%s of '%s' for unit '%s': child '%s' is %.17g (pick "
                               "alternatives that keep values positive, e.g. minmax(1, 100))",
                               hsi_agg_name(as->kind), pn->code,
                               s->base->units.code[s->unit_row[i]], m->node[pn->child[bad]].code,
                               w->x[bad]);
            }
            w->val[node * nu + i] = out;
        }
    }
    return HS_OK;
}

/* A run whose choices leave the index undefined (a geometric mean of a 0, say): in an
   uncertainty analysis it is skipped, its outputs all NaN, and counted afterwards; a
   Sobol' design cannot lose runs, so there it stays an error. */
static hs_status im_skip(const hs_sensitivity *s, hs_status st, double *y)
{
    if (st != HS_ERR_DOMAIN || s->opts.type != HS_SA_UA) return st;
    for (size_t i = 0; i < 1 + 2 * s->nunit; i++)
        y[i] = NAN;
    return HS_OK;
}

static size_t im_combo(const hs_sensitivity *s, const double *u)
{
    size_t c = 0;
    for (size_t f = 0; f < s->spec.nfactor; f++)
        if (s->spec.f[f].kind == HSI_FACTOR_DISCRETE)
            c += im_alt(u[f], s->spec.f[f].nalt) * s->stride[f];
    return c;
}

/* Aggregate combination c with weights w->w (already set) into w->val. */
static hs_status im_aggregate_combo(const hs_sensitivity *s, im_ws *w, size_t c, hs_error *err)
{
    const hsi_dset *pre = &s->pre[s->pre_of[c]];
    const hsi_step *ag = &s->combo_pl[c].step[s->combo_pl[c].nstep - 1];
    size_t nu = s->nunit;
    const long *rm = s->rowmap + s->pre_of[c] * nu;
    for (size_t col = 0; col < pre->ncol; col++) {
        const double *v = hsi_col(pre, col);
        double *dst = w->val + pre->node[col] * nu;
        for (size_t i = 0; i < nu; i++)
            dst[i] = rm[i] >= 0 ? v[rm[i]] : (double)NAN;
    }
    return im_aggregate(s, w, ag, err);
}

/* Fast path: cached pre-aggregation dataset of the run's combination, then re-aggregate. */
static hs_status im_eval_fast(void *ud, void *wsp, const double *u, double *y, hs_error *err)
{
    const hs_sensitivity *s = ud;
    im_ws *w = wsp;
    const hsi_meta *m = &s->base->meta;
    size_t c = im_combo(s, u);
    if (s->combo_bad && s->combo_bad[c]) return im_skip(s, HS_ERR_DOMAIN, y);
    const hsi_step *ag = &s->combo_pl[c].step[s->combo_pl[c].nstep - 1];
    size_t nu = s->nunit;
    memcpy(w->w, ag->weight, m->n * sizeof(double));
    im_weights(s, u, w->w);
    hs_status st = im_aggregate_combo(s, w, c, err);
    if (st) return im_skip(s, st, y);
    memcpy(w->score, w->val + (size_t)s->target * nu, nu * sizeof(double));
    im_outputs(s, w, y);
    return HS_OK;
}

void hsi_sensitivity_combo_label(const hs_sensitivity *s, size_t c, hsi_buf *b)
{
    const hsi_spec *sp = &s->spec;
    int first = 1;
    for (size_t f = 0; f < sp->nfactor; f++)
        if (sp->f[f].kind == HSI_FACTOR_DISCRETE) {
            hsi_buf_printf(b, "%s%s = %s", first ? "" : ", ", sp->f[f].name,
                           sp->f[f].alt[(c / s->stride[f]) % sp->f[f].nalt]);
            first = 0;
        }
}

/* Aggregate every combination once with the nominal weights, before any run: the domain of
   an aggregation (a geometric mean needs values > 0) does not depend on the weights, so
   this finds every combination for which the index is undefined. */
static hs_status im_check_combos(hs_sensitivity *s, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    s->combo_bad = hsi_calloc(ctx, s->ncombo + 1, 1);
    im_ws *w = im_ws_new(s);
    if (!s->combo_bad || !w) {
        if (w) im_ws_free(s, w);
        return hsi_err_nomem(err);
    }
    for (size_t c = 0; c < s->ncombo; c++) {
        const hsi_step *ag = &s->combo_pl[c].step[s->combo_pl[c].nstep - 1];
        memcpy(w->w, ag->weight, s->base->meta.n * sizeof(double));
        hs_error e = {0};
        hs_status st = im_aggregate_combo(s, w, c, &e);
        if (st == HS_OK) continue;
        if (st != HS_ERR_DOMAIN) {
            im_ws_free(s, w);
            if (err) *err = e;
            return st;
        }
        s->combo_bad[c] = 1;
        if (s->nbad++ == 0) {
            hsi_buf b;
            hsi_buf_init(&b, ctx);
            hsi_sensitivity_combo_label(s, c, &b);
            snprintf(s->bad_first, sizeof s->bad_first, "%.380s (%.380s)", b.s ? b.s : "", e.msg);
            hsi_buf_free(&b);
        }
    }
    im_ws_free(s, w);
    if (s->nbad == 0) return HS_OK;
    if (s->opts.type == HS_SA_SA)
        return hsi_err(err, HS_ERR_DOMAIN, s->spec.file, 0, 0,
                       "the index is undefined for %zu of the %zu combinations of the choices, "
                       "e.g. %s; Sobol' indices need every combination defined: drop one of "
                       "those alternatives (an uncertainty analysis, --type ua, skips such "
                       "runs and counts them)",
                       s->nbad, s->ncombo, s->bad_first);
    hsi_log(ctx, 1,
            "the index is undefined for %zu of the %zu combinations of the choices, e.g. %s: "
            "their runs are skipped and counted",
            s->nbad, s->ncombo, s->bad_first);
    return HS_OK;
}

/* Build the pipeline for the given choices (alt per discrete factor, value per range
   factor; -1 / NaN = as written) and parse its steps. */
static hs_status im_pipeline(const hs_sensitivity *s, hs_ctx *ctx, const size_t *alt,
                             const double *rv, hsi_pipeline *pl, hs_error *err)
{
    hsi_ini ini;
    if (hsi_ini_clone(ctx, &s->ini, &ini)) return hsi_err_nomem(err);
    for (size_t f = 0; f < s->spec.nfactor; f++) {
        const hsi_factor *fa = &s->spec.f[f];
        char buf[64];
        const char *val = NULL;
        if (fa->kind == HSI_FACTOR_DISCRETE)
            val = fa->alt[alt[f]];
        else if (fa->kind == HSI_FACTOR_RANGE) {
            hsi_fmt_double(buf, rv[f]);
            val = buf;
        }
        if (val && hsi_ini_set(&ini, fa->step, fa->key, val)) {
            hsi_ini_free(&ini);
            return hsi_err_nomem(err);
        }
    }
    memset(pl, 0, sizeof *pl);
    hs_status st = hsi_pipeline_steps(ctx, &ini, &s->base->meta, &s->base->units, pl, err);
    hsi_ini_free(&ini);
    return st;
}

/* Run the steps of pl (all, or all but the last) on a private copy of the base build's
   frame; *last receives the final dataset (owned by the caller). */
static hs_status im_run_steps(const hs_sensitivity *s, hs_ctx *ctx, hsi_pipeline *pl, int skip_last,
                              hsi_dset *last, hs_error *err)
{
    hs_build sh = *s->base;
    sh.ctx = ctx;
    sh.pl = *pl;
    sh.pl.file = s->base->pl.file;
    if (skip_last) sh.pl.nstep--;
    sh.d = hsi_calloc(ctx, 1, sizeof *sh.d);
    if (!sh.d) return hsi_err_nomem(err);
    sh.d[0] = s->base->d[0]; /* borrowed: never freed here */
    sh.nd = 1;
    sh.d_step = NULL;
    sh.treat = NULL;
    sh.ntreat = 0;
    sh.screened_out = NULL;
    sh.nscreened_out = 0;
    sh.quiet = 1;
    hs_status st = hsi_steps_run(&sh, err);
    if (st == HS_OK) {
        if (sh.nd > 1) {
            *last = sh.d[sh.nd - 1];
            sh.nd--;
        } else {
            st = hsi_dset_copy(ctx, &sh.d[0], last, "Raw", err);
        }
    }
    for (size_t i = 1; i < sh.nd; i++)
        hsi_dset_free(ctx, &sh.d[i]);
    hsi_free_all(ctx, sh.d, sh.d_step, sh.treat);
    for (size_t i = 0; i < sh.nscreened_out; i++)
        hsi_free(ctx, sh.screened_out[i]);
    hsi_free(ctx, sh.screened_out);
    return st;
}

/* Slow path: rebuild every step for this run. */
static hs_status im_eval_slow(void *ud, void *wsp, const double *u, double *y, hs_error *err)
{
    const hs_sensitivity *s = ud;
    im_ws *w = wsp;
    hs_ctx *ctx = s->ctx;
    size_t alt[64] = {0};
    double rv[64] = {0};
    for (size_t f = 0; f < s->spec.nfactor; f++) {
        const hsi_factor *fa = &s->spec.f[f];
        alt[f] = fa->kind == HSI_FACTOR_DISCRETE ? im_alt(u[f], fa->nalt) : 0;
        rv[f] = fa->kind == HSI_FACTOR_RANGE ? fa->lo + u[f] * (fa->hi - fa->lo) : (double)NAN;
    }
    hsi_pipeline pl;
    hs_status st = im_pipeline(s, ctx, alt, rv, &pl, err);
    if (st) {
        hsi_pipeline_free(ctx, &pl);
        return st;
    }
    hsi_step *ag = &pl.step[pl.nstep - 1];
    im_weights(s, u, ag->weight);
    hsi_dset last;
    memset(&last, 0, sizeof last);
    st = im_run_steps(s, ctx, &pl, 0, &last, err);
    if (st == HS_OK) {
        long col = hsi_dset_col(&last, (size_t)s->target);
        for (size_t i = 0; i < s->nunit; i++) {
            w->score[i] = NAN;
            for (size_t r = 0; col >= 0 && r < last.nrow; r++)
                if (last.row[r] == s->unit_row[i]) w->score[i] = hsi_col(&last, (size_t)col)[r];
        }
        im_outputs(s, w, y);
    }
    hsi_dset_free(ctx, &last);
    hsi_pipeline_free(ctx, &pl);
    return im_skip(s, st, y);
}

void hs_sensitivity_free(hs_sensitivity *s)
{
    if (!s) return;
    hs_ctx *ctx = s->ctx;
    for (size_t c = 0; s->pre && c < s->npre; c++)
        hsi_dset_free(ctx, &s->pre[c]);
    hsi_free(ctx, s->pre_of);
    for (size_t c = 0; s->combo_pl && c < s->ncombo; c++)
        hsi_pipeline_free(ctx, &s->combo_pl[c]);
    hsi_free_all(ctx, s->pre, s->combo_pl, s->rowmap, s->combo_bad, s->stride, s->excl_node,
                 s->noise, s->noise_off);
    for (size_t f = 0; s->wset && f < s->spec.nfactor; f++)
        hsi_free(ctx, s->wset[f]);
    hsi_free_all(ctx, s->wset, s->unit_row, s->nom_score, s->nom_rank, s->names, s->pipeline);
    hs_sa_free(s->sa);
    hsi_ini_free(&s->ini);
    hsi_spec_free(ctx, &s->spec);
    hs_build_free(s->base);
    hsi_free(ctx, s);
}

/* Check the factors against the pipeline and structure; set up the combinations. */
/* The analysed aggregate, time slice and units, with their nominal scores and ranks. */
static hs_status im_target(hs_sensitivity *s, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    const hs_build *b = s->base;
    const hsi_meta *m = &b->meta;
    const hsi_spec *sp = &s->spec;
    if (sp->target) {
        s->target = hsi_meta_find(m, sp->target);
        if (s->target < 0 || m->node[s->target].type != HSI_NODE_AGGREGATE)
            return hsi_err(err, HS_ERR_PIPELINE, sp->file, 0, 0,
                           "target '%s' is not an aggregate of %s", sp->target, m->file);
    } else {
        s->target = -1;
        for (size_t a = 0; a < m->nagg; a++)
            if (m->node[m->agg[a]].parent_idx < 0) {
                if (s->target >= 0)
                    return hsi_err(err, HS_ERR_PIPELINE, sp->file, 0, 0,
                                   "the structure has several tops: say which with "
                                   "'target = CODE'");
                s->target = (long)m->agg[a];
            }
    }
    s->time = sp->time != HSI_NO_TIME
                  ? sp->time
                  : (b->units.has_time ? b->units.times[b->units.ntime - 1] : HSI_NO_TIME);
    s->unit_row = hsi_calloc(ctx, b->units.n + 1, sizeof(size_t));
    if (!s->unit_row) return hsi_err_nomem(err);
    for (size_t r = 0; r < b->units.n; r++)
        if (b->units.time[r] == s->time) s->unit_row[s->nunit++] = r;
    if (s->nunit < 2)
        return hsi_err(err, HS_ERR_PIPELINE, sp->file, 0, 0,
                       "fewer than 2 units at time %ld: nothing to rank", s->time);
    /* nominal scores and ranks */
    s->nom_score = hsi_calloc(ctx, s->nunit, sizeof(double));
    s->nom_rank = hsi_calloc(ctx, s->nunit, sizeof(double));
    size_t *rz = hsi_calloc(ctx, s->nunit, sizeof(size_t));
    if (!s->nom_score || !s->nom_rank || !rz) {
        hsi_free(ctx, rz);
        return hsi_err_nomem(err);
    }
    const hsi_dset *fin = &b->d[b->nd - 1];
    long tc = hsi_dset_col(fin, (size_t)s->target);
    for (size_t i = 0; i < s->nunit; i++) {
        s->nom_score[i] = NAN;
        for (size_t r = 0; r < fin->nrow; r++)
            if (fin->row[r] == s->unit_row[i]) s->nom_score[i] = hsi_col(fin, (size_t)tc)[r];
    }
    hsi_stats_rank(s->nom_score, s->nunit, 1, s->nom_rank, rz);
    hsi_free(ctx, rz);
    for (size_t a = 0; a < m->nagg; a++)
        if (m->node[m->agg[a]].nchild > s->maxchild) s->maxchild = m->node[m->agg[a]].nchild;
    return HS_OK;
}

/* Pre-drawn noisy weight sets (like COINr's get_noisy_weights): w (1 + f (2U - 1)). */
static hs_status im_noise(hs_sensitivity *s, size_t nnoise, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    const hsi_meta *m = &s->base->meta;
    const hsi_spec *sp = &s->spec;
    s->noise = hsi_calloc(ctx, nnoise, sizeof(double));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->noise || !rng) {
        if (rng) gsl_rng_free(rng);
        return hsi_err_nomem(err);
    }
    gsl_rng_set(rng, s->opts.seed + 0x5851F42DUL);
    for (size_t f = 0; f < sp->nfactor; f++) {
        const hsi_factor *fa = &sp->f[f];
        if (fa->kind != HSI_FACTOR_WEIGHTS) continue;
        for (size_t set = 0; set < fa->nsets; set++)
            for (size_t j = 0; j < m->n; j++) {
                double nf = m->node[j].level >= 1 ? fa->level_noise[m->node[j].level] : 0;
                double uu = gsl_rng_uniform(rng);
                s->noise[s->noise_off[f] + set * m->n + j] = 1 + nf * (2 * uu - 1);
            }
    }
    gsl_rng_free(rng);
    return HS_OK;
}

/* Each factor checked against the pipeline and the structure: the strides of the discrete
   combinations, the nodes each exclusion leaves out, the offsets of the noisy weight sets. */
static hs_status im_factors(hs_sensitivity *s, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    const hsi_meta *m = &s->base->meta;
    const hsi_spec *sp = &s->spec;
    s->stride = hsi_calloc(ctx, sp->nfactor, sizeof(size_t));
    s->excl_node = hsi_calloc(ctx, sp->nfactor * 64, sizeof(long));
    s->noise_off = hsi_calloc(ctx, sp->nfactor, sizeof(size_t));
    s->names = hsi_calloc(ctx, sp->nfactor, sizeof(char *));
    if (!s->stride || !s->excl_node || !s->noise_off || !s->names) return hsi_err_nomem(err);
    s->fast = 1;
    s->ncombo = 1;
    size_t nnoise = 0;
    for (size_t f = 0; f < sp->nfactor; f++) {
        const hsi_factor *fa = &sp->f[f];
        s->names[f] = fa->name;
        if (fa->kind == HSI_FACTOR_DISCRETE || fa->kind == HSI_FACTOR_RANGE) {
            int found = 0;
            for (size_t q = 1; q < s->ini.n; q++)
                found |= !strcmp(s->ini.sec[q].kind, fa->step);
            if (!found)
                return hsi_err(err, HS_ERR_PIPELINE, sp->file, fa->line, 0,
                               "factor '%s': the pipeline has no [%s] step", fa->name, fa->step);
        }
        if (fa->kind == HSI_FACTOR_DISCRETE) {
            s->stride[f] = s->ncombo;
            s->ncombo *= fa->nalt;
            if (s->ncombo > 4096) s->fast = 0;
        } else if (fa->kind == HSI_FACTOR_RANGE) {
            if (strcmp(fa->step, "aggregate"))
                s->fast = 0;
            else
                return hsi_err(err, HS_ERR_PIPELINE, sp->file, fa->line, 0,
                               "factor '%s': a range on [aggregate] is not supported (use "
                               "discrete values)",
                               fa->name);
        } else if (fa->kind == HSI_FACTOR_EXCLUDE) {
            if (fa->nalt > 64)
                return hsi_err(err, HS_ERR_PIPELINE, sp->file, fa->line, 0,
                               "factor '%s': at most 64 alternatives", fa->name);
            for (size_t a = 0; a < fa->nalt; a++) {
                long node = -1;
                if (strcmp(fa->alt[a], "none")) {
                    node = hsi_meta_find(m, fa->alt[a]);
                    if (node < 0 || m->node[node].type != HSI_NODE_INDICATOR)
                        return hsi_err(err, HS_ERR_PIPELINE, sp->file, fa->line, 0,
                                       "factor '%s': '%s' is not an indicator of %s (or "
                                       "'none')",
                                       fa->name, fa->alt[a], m->file);
                }
                s->excl_node[f * 64 + a] = node;
            }
        } else {
            s->noise_off[f] = nnoise;
            nnoise += fa->nsets * m->n;
            for (int lv = 0; lv <= 100; lv++)
                if (fa->level_noise[lv] > 0 && lv > m->maxlevel)
                    return hsi_err(err, HS_ERR_PIPELINE, sp->file, fa->line, 0,
                                   "factor '%s': the index has no level %d", fa->name, lv);
        }
    }
    return nnoise ? im_noise(s, nnoise, err) : HS_OK;
}

/* Copeland scores a unit against every other unit, so it cannot be re-aggregated one unit
   at a time as the fast path does: an analysis where any combination aggregates with it runs
   the whole engine in each run (the slow path). So do PCA weights, derived from every unit's
   aggregates of each run. */
static int im_has_copeland(const hsi_pipeline *pl, const hsi_meta *m)
{
    const hsi_step *ag = &pl->step[pl->nstep - 1];
    if (ag->pca_level > 0 || ag->optw) return 1;
    for (size_t a = 0; a < m->nagg; a++)
        if (ag->agg_node[m->agg[a]].kind == HSI_AGG_COPELAND ||
            ag->agg_node[m->agg[a]].kind == HSI_AGG_BOD)
            return 1;
    return 0;
}

/* Back from the fast path to the slow one: the combinations parsed so far are let go. */
static void im_drop_combos(hs_sensitivity *s)
{
    hs_ctx *ctx = s->ctx;
    for (size_t c = 0; c < s->ncombo; c++)
        hsi_pipeline_free(ctx, &s->combo_pl[c]);
    for (size_t q = 0; q < s->npre; q++)
        hsi_dset_free(ctx, &s->pre[q]);
    hsi_free_all(ctx, s->combo_pl, s->pre_of, s->pre);
    s->combo_pl = NULL;
    s->pre_of = NULL;
    s->pre = NULL;
    s->ncombo = s->npre = 0;
    s->fast = 0;
}

/* Parse the pipeline of every combination of the discrete choices; build each distinct
   dataset entering the aggregation once (factors on [aggregate] itself share it). */
static hs_status im_combos(hs_sensitivity *s, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    const hsi_spec *sp = &s->spec;
    s->combo_pl = hsi_calloc(ctx, s->ncombo, sizeof *s->combo_pl);
    s->pre_of = hsi_calloc(ctx, s->ncombo, sizeof(size_t));
    s->pre = hsi_calloc(ctx, s->ncombo, sizeof *s->pre);
    long *pre_combo = hsi_calloc(ctx, s->ncombo, sizeof(long)); /* prekey -> its first combo */
    if (!s->combo_pl || !s->pre_of || !s->pre || !pre_combo) {
        hsi_free(ctx, pre_combo);
        return hsi_err_nomem(err);
    }
    for (size_t c = 0; c < s->ncombo; c++)
        pre_combo[c] = -1;
    hs_status st = HS_OK;
    int copeland = 0;
    for (size_t c = 0; c < s->ncombo && st == HS_OK; c++) {
        size_t alt[64] = {0};
        double rv[64] = {0};
        size_t prekey = 0;
        for (size_t f = 0; f < sp->nfactor; f++) {
            alt[f] = sp->f[f].kind == HSI_FACTOR_DISCRETE ? (c / s->stride[f]) % sp->f[f].nalt : 0;
            rv[f] = NAN;
            if (sp->f[f].kind == HSI_FACTOR_DISCRETE && strcmp(sp->f[f].step, "aggregate"))
                prekey += alt[f] * s->stride[f];
        }
        st = im_pipeline(s, ctx, alt, rv, &s->combo_pl[c], err);
        if (st == HS_OK && im_has_copeland(&s->combo_pl[c], &s->base->meta)) {
            copeland = 1;
            break;
        }
        if (st == HS_OK && pre_combo[prekey] < 0) {
            pre_combo[prekey] = (long)s->npre;
            st = im_run_steps(s, ctx, &s->combo_pl[c], 1, &s->pre[s->npre], err);
            if (st == HS_OK) s->npre++;
        }
        if (st) {
            char msg[sizeof err->msg], file[sizeof err->file];
            long line = err ? err->line : 0, col = err ? err->col : 0;
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            snprintf(file, sizeof file, "%s", err ? err->file : "");
            hsi_buf b2;
            hsi_buf_init(&b2, ctx);
            for (size_t f = 0; f < sp->nfactor; f++)
                if (sp->f[f].kind == HSI_FACTOR_DISCRETE)
                    hsi_buf_printf(&b2, "%s%s = %s", b2.len ? ", " : "", sp->f[f].name,
                                   sp->f[f].alt[alt[f]]);
            hsi_err(err, st, file[0] ? file : NULL, line, col, "with %s: %s", b2.s ? b2.s : "",
                    msg);
            hsi_buf_free(&b2);
            break;
        }
        s->pre_of[c] = (size_t)pre_combo[prekey];
    }
    hsi_free(ctx, pre_combo);
    if (st) return st;
    if (copeland) {
        im_drop_combos(s);
        hsi_log(ctx, 0, "Copeland aggregation: every run rebuilds the index whole");
        return HS_OK;
    }
    s->rowmap = hsi_calloc(ctx, s->npre * s->nunit + 1, sizeof(long));
    if (!s->rowmap) return hsi_err_nomem(err);
    for (size_t q = 0; q < s->npre; q++) {
        const hsi_dset *pre = &s->pre[q];
        for (size_t i = 0; i < s->nunit; i++) {
            long r = -1;
            for (size_t z = 0; z < pre->nrow && r < 0; z++)
                if (pre->row[z] == s->unit_row[i]) r = (long)z;
            s->rowmap[q * s->nunit + i] = r;
        }
    }
    hsi_log(ctx, 0,
            "%zu combinations of the discrete choices, %zu distinct builds before "
            "aggregation",
            s->ncombo, s->npre);
    return im_check_combos(s, err);
}

static hs_status im_setup(hs_sensitivity *s, hs_error *err)
{
    const hs_build *b = s->base;
    const hsi_spec *sp = &s->spec;
    if (sp->nfactor > 64)
        return hsi_err(err, HS_ERR_PIPELINE, sp->file, 0, 0, "more than 64 factors");
    const hsi_step *last = &b->pl.step[b->pl.nstep - 1];
    if (last->kind != HSI_STEP_AGGREGATE)
        return hsi_err(err, HS_ERR_PIPELINE, b->pl.file, 0, 0,
                       "the pipeline does not end with [aggregate] (expected an index to "
                       "rank)");
    hs_status st;
    if ((st = im_target(s, err)) || (st = im_factors(s, err))) return st;
    if (!s->fast) {
        s->ncombo = 0;
        return HS_OK;
    }
    return im_combos(s, err);
}

/* The analysis once the build, the pipeline's sections and the SPEC are in s. */
static hs_status im_analyse(hs_sensitivity *s, const hs_sa_opts *o, const hs_weight_sets *given,
                            size_t ngiven, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    hs_status st;
    if ((st = im_setup(s, err))) return st;
    if ((st = hsi_wsets_load(s, given, ngiven, err))) return st;
    char at[32] = "";
    if (s->time != HSI_NO_TIME) snprintf(at, sizeof at, " at %ld", s->time);
    hsi_log(ctx, 0, "%zu factors, %zu units%s; %s path%s", s->spec.nfactor, s->nunit, at,
            s->fast ? "fast" : "slow",
            s->fast ? " (discrete combinations built once)" : " (every run rebuilds all steps)");
    hs_sa_model m = {s->spec.nfactor,
                     s->names,
                     1 + 2 * s->nunit,
                     s,
                     im_ws_new,
                     im_ws_free,
                     s->fast ? im_eval_fast : im_eval_slow};
    double t0 = hsi_now();
    if ((st = hs_sa_run(ctx, &m, o, &s->sa, err))) return st;
    double secs = hsi_now() - t0;
    for (size_t r = 0; r < s->sa->nruns; r++)
        s->nskipped += isnan(s->sa->y[r * s->sa->ny]) && isnan(s->sa->y[r * s->sa->ny + 1]);
    if (s->nskipped)
        hsi_log(ctx, 1,
                "skipped %zu of %zu runs: the index is undefined for their choices%s%s (the "
                "intervals are over the other runs)",
                s->nskipped, s->sa->nruns, s->nbad ? ", e.g. " : "", s->nbad ? s->bad_first : "");
    if (s->nskipped == s->sa->nruns)
        return hsi_err(err, HS_ERR_DOMAIN, s->spec.file, 0, 0,
                       "every run was skipped: the index is undefined for all the choices drawn");
    /* timing goes to the log only: the output files must not depend on the machine */
    hsi_log(ctx, 0, "%zu model runs in %.3f s: %.0f runs/s, %.1f us per run", s->sa->nruns, secs,
            (double)s->sa->nruns / secs, 1e6 * secs / (double)s->sa->nruns);
    return HS_OK;
}

hs_status hs_sensitivity_run(hs_ctx *ctx, const char *pipeline, const char *spec,
                             const hs_sa_opts *o, hs_sensitivity **out, hs_error *err)
{
    *out = NULL;
    if (!o || o->size != sizeof *o) return hsi_err_opts(err, "hs_sa_opts");
    hs_sensitivity *s = hsi_calloc(ctx, 1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->ctx = ctx;
    s->opts = *o;
    hs_status st;
    if (!(s->pipeline = hsi_strdup(ctx, pipeline))) {
        st = hsi_err_nomem(err);
        goto fail;
    }
    if ((st = hsi_spec_read(ctx, spec, &s->spec, err))) goto fail;
    if ((st = hs_build_run(ctx, pipeline, &s->base, err))) goto fail;
    if ((st = hsi_ini_read(ctx, pipeline, &s->ini, err))) goto fail;
    if ((st = im_analyse(s, o, NULL, 0, err))) goto fail;
    *out = s;
    return HS_OK;
fail:
    hs_sensitivity_free(s);
    return st;
}

hs_status hs_sensitivity_run_mem(hs_ctx *ctx, const hs_sensitivity_src *src, const hs_sa_opts *o,
                                 hs_sensitivity **out, hs_error *err)
{
    *out = NULL;
    if (!o || o->size != sizeof *o) return hsi_err_opts(err, "hs_sa_opts");
    if (!src || src->size != sizeof *src || !src->build || !src->spec ||
        (src->nwsets && !src->wsets))
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "hs_sensitivity_run_mem: the build's texts and the SPEC text are needed "
                       "(and src->size = sizeof(hs_sensitivity_src))");
    hs_sensitivity *s = hsi_calloc(ctx, 1, sizeof *s);
    if (!s) return hsi_err_nomem(err);
    s->ctx = ctx;
    s->opts = *o;
    s->wsets_mem = 1;
    const hs_build_src *b = src->build;
    const char *name = b->name ? b->name : "pipeline";
    hs_status st;
    if (!(s->pipeline = hsi_strdup(ctx, name))) {
        st = hsi_err_nomem(err);
        goto fail;
    }
    if ((st = hsi_spec_parse(ctx, src->spec, src->spec_len,
                             src->spec_name ? src->spec_name : "spec", &s->spec, err)))
        goto fail;
    if ((st = hs_build_run_mem(ctx, b, &s->base, err))) goto fail;
    if ((st = hsi_ini_parse(ctx, b->pipeline, b->pipeline_len, name, &s->ini, err))) goto fail;
    if ((st = im_analyse(s, o, src->wsets, src->nwsets, err))) goto fail;
    *out = s;
    return HS_OK;
fail:
    hs_sensitivity_free(s);
    return st;
}
