/*
 * sa_write.c - outputs of an index uncertainty/sensitivity analysis, written whole or not at
 * all (core/outset.c):
 *   ua_ranks.csv        per unit: nominal, median, mean, 5 % and 95 % rank, mean absolute
 *                       rank shift (type-7 quantiles, docs/methods.md sections 0 and 4.3), and the
 *                       score quantiles when every run puts scores on one scale
 *   ua_scores.csv       when the runs use several normalisations: score quantiles per unit
 *                       and normalisation (scores of different scales are never pooled)
 *   sa_indices.csv      per factor: Si and STi with 2.5/97.5 % and 5/95 % bootstrap bounds
 *   sa_convergence.csv  Si and STi from the first N/16, N/8, ..., N rows of the design
 *   runs.csv            on request: every run, block, the factors' u values, rank shift
 *   sensitivity.json    the settings and the headline figures
 */
#include "mc_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
static int sw_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* sorted non-NaN values of column j over runs [0, nr) */
static size_t sw_sorted(const hs_sa *sa, size_t nr, size_t j, double *out)
{
    size_t m = 0;
    for (size_t r = 0; r < nr; r++) {
        double v = sa->y[r * sa->ny + j];
        if (!isnan(v)) out[m++] = v;
    }
    qsort(out, m, sizeof(double), sw_cmp_double);
    return m;
}

hs_status hsi_sensitivity_rank_interval(const hs_sensitivity *s, size_t i, double out[3],
                                        hs_error *err)
{
    const hs_sa *sa = s->sa;
    size_t nr = sa->type == HS_SA_SA ? 2 * sa->n : sa->nruns;
    double *col = hsi_calloc(s->ctx, nr + 1, sizeof(double));
    if (!col) return hsi_err_nomem(err);
    size_t m = sw_sorted(sa, nr, 1 + i, col);
    out[0] = m ? hsi_stats_quantile7(col, m, 0.05) : (double)NAN;
    out[1] = m ? hsi_stats_quantile7(col, m, 0.5) : (double)NAN;
    out[2] = m ? hsi_stats_quantile7(col, m, 0.95) : (double)NAN;
    hsi_free(s->ctx, col);
    return HS_OK;
}

size_t hs_sensitivity_nunits(const hs_sensitivity *s)
{
    return s ? s->nunit : 0;
}

const char *hs_sensitivity_unit(const hs_sensitivity *s, size_t i)
{
    return s && i < s->nunit ? s->base->units.code[s->unit_row[i]] : NULL;
}

double hs_sensitivity_nominal_rank(const hs_sensitivity *s, size_t i)
{
    return s && i < s->nunit ? s->nom_rank[i] : (double)NAN;
}

double hs_sensitivity_nominal_score(const hs_sensitivity *s, size_t i)
{
    return s && i < s->nunit ? s->nom_score[i] : (double)NAN;
}

size_t hs_sensitivity_nruns(const hs_sensitivity *s)
{
    return s ? s->sa->nruns : 0;
}

double hs_sensitivity_run_rank(const hs_sensitivity *s, size_t r, size_t i)
{
    if (!s || r >= s->sa->nruns || i >= s->nunit) return (double)NAN;
    return s->sa->y[r * s->sa->ny + 1 + i];
}

double hs_sensitivity_run_score(const hs_sensitivity *s, size_t r, size_t i)
{
    if (!s || r >= s->sa->nruns || i >= s->nunit) return (double)NAN;
    return s->sa->y[r * s->sa->ny + 1 + s->nunit + i];
}

hs_status hs_sensitivity_rank_interval(const hs_sensitivity *s, size_t i, double out[3],
                                       hs_error *err)
{
    if (!s || i >= s->nunit)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "no unit %zu in the analysis", i);
    return hsi_sensitivity_rank_interval(s, i, out, err);
}

size_t hs_sensitivity_nfactors(const hs_sensitivity *s)
{
    return s ? s->spec.nfactor : 0;
}

const char *hs_sensitivity_factor(const hs_sensitivity *s, size_t f)
{
    return s && f < s->spec.nfactor ? s->spec.f[f].name : NULL;
}

hs_status hs_sensitivity_sobol(const hs_sensitivity *s, hs_sa_index *idx, hs_error *err)
{
    if (!s || s->sa->type != HS_SA_SA)
        return hsi_err(err, HS_ERR_USAGE, NULL, 0, 0,
                       "Sobol' indices need a Saltelli design (type sa), not an uncertainty "
                       "analysis");
    return hs_sa_indices(s->sa, s->sa->n, idx, NULL, err);
}

static void sw_key(hsi_buf *b, const hs_sensitivity *s, size_t i)
{
    hsi_buf_csv_str(b, s->base->units.code[s->unit_row[i]]);
    hsi_buf_puts(b, ",");
    hsi_buf_csv_str(b, s->base->units.name[s->unit_row[i]]);
    if (s->base->units.has_time) hsi_buf_printf(b, ",%ld", s->time);
}

/* How the runs' scores can be summarised. Ranks are scale-free, scores are not: two
   normalisations (min-max 1..100 and z-scores) put them on different scales, so pooling
   them gives a median that belongs to neither. */
typedef struct sw_scale {
    int omitted;   /* a continuous factor on [normalise]: no score quantiles at all */
    size_t ngroup; /* 1: one scale; more: one group per combination of normalisations */
    size_t nf;     /* discrete factors on [normalise] */
    size_t f[64];  /* their indices */
    size_t stride[64];
} sw_scale;

static void sw_scale_init(const hs_sensitivity *s, sw_scale *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->ngroup = 1;
    for (size_t f = 0; f < s->spec.nfactor; f++) {
        const hsi_factor *fa = &s->spec.f[f];
        if (fa->kind == HSI_FACTOR_RANGE && !strcmp(fa->step, "normalise")) sc->omitted = 1;
        if (fa->kind != HSI_FACTOR_DISCRETE || strcmp(fa->step, "normalise")) continue;
        sc->f[sc->nf] = f;
        sc->stride[sc->nf++] = sc->ngroup;
        sc->ngroup *= fa->nalt;
    }
}

static size_t sw_group(const hs_sensitivity *s, const sw_scale *sc, size_t r)
{
    size_t g = 0;
    for (size_t q = 0; q < sc->nf; q++) {
        const hsi_factor *fa = &s->spec.f[sc->f[q]];
        size_t a = (size_t)(s->sa->x[r * s->sa->k + sc->f[q]] * (double)fa->nalt);
        g += (a < fa->nalt ? a : fa->nalt - 1) * sc->stride[q];
    }
    return g;
}

static void sw_group_label(const hs_sensitivity *s, const sw_scale *sc, size_t g, hsi_buf *b)
{
    hsi_buf l;
    hsi_buf_init(&l, s->ctx);
    for (size_t q = 0; q < sc->nf; q++) {
        const hsi_factor *fa = &s->spec.f[sc->f[q]];
        const char *alt = fa->alt[(g / sc->stride[q]) % fa->nalt];
        if (sc->nf == 1)
            hsi_buf_puts(&l, alt);
        else
            hsi_buf_printf(&l, "%s%s = %s", q ? "; " : "", fa->name, alt);
    }
    hsi_buf_csv_str(b, l.s ? l.s : "");
    hsi_buf_free(&l);
}

/* ua_scores.csv: per unit and normalisation, the score quantiles over the runs drawn with
   that normalisation (runs [0, nr)). */
static hs_status sw_scores(const hs_sensitivity *s, const sw_scale *sc, size_t nr, double *col,
                           hsi_buf *b, hs_error *err)
{
    const hs_sa *sa = s->sa;
    size_t nu = s->nunit;
    size_t *grp = hsi_calloc(s->ctx, nr + 1, sizeof(size_t));
    if (!grp) return hsi_err_nomem(err);
    for (size_t r = 0; r < nr; r++)
        grp[r] = sw_group(s, sc, r);
    hsi_buf_puts(b, "\"uCode\",\"uName\"");
    if (s->base->units.has_time) hsi_buf_puts(b, ",\"Time\"");
    hsi_buf_puts(b, ",\"normalisation\",\"runs\",\"q05_score\",\"median_score\",\"q95_score\"\n");
    for (size_t i = 0; i < nu; i++)
        for (size_t g = 0; g < sc->ngroup; g++) {
            size_t m = 0;
            for (size_t r = 0; r < nr; r++) {
                double v = sa->y[r * sa->ny + 1 + nu + i];
                if (grp[r] == g && !isnan(v)) col[m++] = v;
            }
            qsort(col, m, sizeof(double), sw_cmp_double);
            sw_key(b, s, i);
            hsi_buf_puts(b, ",");
            sw_group_label(s, sc, g, b);
            hsi_buf_printf(b, ",%zu", m);
            double q[3] = {hsi_stats_quantile7(col, m, 0.05), hsi_stats_quantile7(col, m, 0.5),
                           hsi_stats_quantile7(col, m, 0.95)};
            for (int z = 0; z < 3; z++) {
                hsi_buf_puts(b, ",");
                hsi_buf_num(b, m ? q[z] : (double)NAN);
            }
            hsi_buf_puts(b, "\n");
        }
    hsi_free(s->ctx, grp);
    return HS_OK;
}

/* Sobol' estimates outside [0, 1] are sampling noise: say so (nothing is clamped). */
static void sw_warn_range(const hs_sensitivity *s, const hs_sa_index *idx)
{
    for (size_t f = 0; f < s->spec.nfactor; f++) {
        const char *nm[2] = {"Si", "STi"};
        double v[2] = {idx[f].si, idx[f].sti}, lo[2] = {idx[f].si_lo, idx[f].sti_lo},
               hi[2] = {idx[f].si_hi, idx[f].sti_hi};
        for (int q = 0; q < 2; q++)
            if (v[q] < 0 || v[q] > 1)
                hsi_log(s->ctx, 1,
                        "%s of '%s' is %.3g, outside [0, 1] (95 %% interval %.3g to %.3g): "
                        "sampling noise; a larger --n (now %zu) narrows it",
                        nm[q], s->spec.f[f].name, v[q], lo[q], hi[q], s->sa->n);
    }
}

/* runs.csv: per run its block of the design, its factor values and its output. */
static void sw_runs(hsi_buf *bp, const hs_sensitivity *s)
{
    const hs_sa *sa = s->sa;
    size_t k = s->spec.nfactor;
    hsi_buf_puts(bp, "\"run\",\"block\"");
    for (size_t f = 0; f < k; f++) {
        hsi_buf_puts(bp, ",");
        hsi_buf_csv_str(bp, s->spec.f[f].name);
    }
    hsi_buf_puts(bp, ",\"mean_abs_rank_shift\"\n");
    for (size_t r = 0; r < sa->nruns; r++) {
        hsi_buf_printf(bp, "%zu,", r + 1);
        if (sa->type == HS_SA_UA)
            hsi_buf_puts(bp, "\"MC\"");
        else if (r < sa->n)
            hsi_buf_puts(bp, "\"A\"");
        else if (r < 2 * sa->n)
            hsi_buf_puts(bp, "\"B\"");
        else
            /* NOLINTNEXTLINE(clang-analyzer-core.DivideZero): here r >= 2 n, so n > 0 */
            hsi_buf_printf(bp, "\"AB%zu\"", (r / sa->n) - 1);
        for (size_t f = 0; f < k; f++) {
            hsi_buf_puts(bp, ",");
            hsi_buf_num(bp, sa->x[r * k + f]);
        }
        hsi_buf_puts(bp, ",");
        hsi_buf_num(bp, sa->y[r * sa->ny]);
        hsi_buf_puts(bp, "\n");
    }
}

/* , "NAME": v, "NAME_ci95": [lo, hi] */
static void sw_json_ci(hsi_buf *jp, const char *name, double v, double lo, double hi)
{
    hsi_buf_printf(jp, ", \"%s\": ", name);
    hsi_buf_num(jp, v);
    hsi_buf_printf(jp, ", \"%s_ci95\": [", name);
    hsi_buf_num(jp, lo);
    hsi_buf_puts(jp, ", ");
    hsi_buf_num(jp, hi);
    hsi_buf_puts(jp, "]");
}

/* sensitivity.json: what was analysed, how, and the Sobol' indices of an SA. */
static void sw_json(hsi_buf *jp, const hs_sensitivity *s, const sw_scale *scp, int pooled,
                    const hs_sa_index *idx, double vary)
{
    hs_ctx *ctx = s->ctx;
    const hs_sa *sa = s->sa;
    size_t k = s->spec.nfactor;
    hsi_buf_puts(jp, "{\n  \"humsec_version\": \"" HS_VERSION "\",\n  \"pipeline\": ");
    hsi_buf_json_str(jp, s->pipeline);
    hsi_buf_puts(jp, ",\n  \"spec\": ");
    hsi_buf_json_str(jp, s->spec.file);
    hsi_buf_printf(jp, ",\n  \"type\": \"%s\",\n  \"N\": %zu,\n  \"runs\": %zu,\n  \"seed\": %lu,",
                   sa->type == HS_SA_SA ? "sa" : "ua", sa->n, sa->nruns, sa->seed);
    hsi_buf_printf(jp, "\n  \"sampler\": \"%s\",\n  \"target\": ",
                   s->opts.sampler == HS_SAMPLER_SOBOL ? "sobol" : "random");
    hsi_buf_json_str(jp, s->base->meta.node[s->target].code);
    if (s->time != HSI_NO_TIME) hsi_buf_printf(jp, ",\n  \"time\": %ld", s->time);
    hsi_buf_printf(jp, ",\n  \"skipped_runs\": %zu,\n  \"undefined_combinations\": [", s->nskipped);
    for (size_t c = 0, first = 1; s->combo_bad && c < s->ncombo; c++)
        if (s->combo_bad[c]) {
            hsi_buf b2;
            hsi_buf_init(&b2, ctx);
            hsi_sensitivity_combo_label(s, c, &b2);
            hsi_buf_puts(jp, first ? "" : ", ");
            hsi_buf_json_str(jp, b2.s ? b2.s : "");
            hsi_buf_free(&b2);
            first = 0;
        }
    hsi_buf_puts(jp, "],\n  \"score_quantiles\": ");
    hsi_buf_json_str(jp, scp->omitted ? "omitted: a continuous factor on [normalise] puts every "
                                        "run on its own scale"
                         : pooled     ? "ua_ranks.csv: every run on one scale"
                                      : "ua_scores.csv: per normalisation, never pooled");
    hsi_buf_puts(jp, ",\n  \"output\": \"mean absolute rank shift\",\n  \"factors\": [");
    for (size_t f = 0; f < k; f++) {
        hsi_buf_puts(jp, f ? ",\n    {\"name\": " : "\n    {\"name\": ");
        hsi_buf_json_str(jp, s->spec.f[f].name);
        if (sa->type == HS_SA_SA) {
            sw_json_ci(jp, "Si", idx[f].si, idx[f].si_lo, idx[f].si_hi);
            sw_json_ci(jp, "STi", idx[f].sti, idx[f].sti_lo, idx[f].sti_hi);
        }
        hsi_buf_puts(jp, "}");
    }
    hsi_buf_puts(jp, "\n  ]");
    if (sa->type == HS_SA_SA) {
        hsi_buf_puts(jp, ",\n  \"VarY\": ");
        hsi_buf_num(jp, vary);
    }
    hsi_buf_puts(jp, "\n}\n");
}

/* sa_indices.csv (Si and STi with their bootstrap intervals) and sa_convergence.csv (the
   point estimates from growing shares of the base sample) of a Saltelli design. */
static hs_status sw_sobol(hsi_outset *o, hsi_buf *bp, const hs_sensitivity *s, hs_sa_index *idx,
                          double *vary, hs_error *err)
{
    hs_ctx *ctx = s->ctx;
    const hs_sa *sa = s->sa;
    size_t k = s->spec.nfactor;
    hs_status st;
    if ((st = hs_sa_indices(sa, sa->n, idx, vary, err))) return st;
    sw_warn_range(s, idx);
    bp->len = 0;
    hsi_buf_puts(bp, "\"factor\",\"Si\",\"Si_q025\",\"Si_q975\",\"Si_q05\",\"Si_q95\","
                     "\"STi\",\"STi_q025\",\"STi_q975\",\"STi_q05\",\"STi_q95\"\n");
    for (size_t f = 0; f < k; f++) {
        hsi_buf_csv_str(bp, s->spec.f[f].name);
        double v[10] = {idx[f].si,  idx[f].si_lo,  idx[f].si_hi,  idx[f].si_q05,  idx[f].si_q95,
                        idx[f].sti, idx[f].sti_lo, idx[f].sti_hi, idx[f].sti_q05, idx[f].sti_q95};
        for (int q = 0; q < 10; q++) {
            hsi_buf_puts(bp, ",");
            hsi_buf_num(bp, v[q]);
        }
        hsi_buf_puts(bp, "\n");
    }
    if ((st = hsi_outset_add(o, "sa_indices.csv", bp, err))) return st;
    bp->len = 0;
    hsi_buf_puts(bp, "\"N\",\"factor\",\"Si\",\"STi\"\n");
    hs_sa_index *ci = hsi_calloc(ctx, k + 1, sizeof *ci);
    if (!ci) return hsi_err_nomem(err);
    for (size_t div = 16; div >= 1; div /= 2) {
        size_t nuse = sa->n / div;
        if (nuse < 4 && div > 1) continue;
        hs_sa hs = *sa;
        hs.bootstrap = 1; /* point estimates only */
        hs_error e2;
        if (hs_sa_indices(&hs, nuse, ci, NULL, &e2) != HS_OK) continue;
        for (size_t f = 0; f < k; f++) {
            hsi_buf_printf(bp, "%zu,", nuse);
            hsi_buf_csv_str(bp, s->spec.f[f].name);
            hsi_buf_puts(bp, ",");
            hsi_buf_num(bp, ci[f].si);
            hsi_buf_puts(bp, ",");
            hsi_buf_num(bp, ci[f].sti);
            hsi_buf_puts(bp, "\n");
        }
    }
    hsi_free(ctx, ci);
    if ((st = hsi_outset_add(o, "sa_convergence.csv", bp, err))) return st;
    return HS_OK;
}

hs_status hs_sensitivity_write(hs_ctx *ctx, const hs_sensitivity *s, const char *dir, hs_error *err)
{
    const hs_sa *sa = s->sa;
    size_t nu = s->nunit, k = s->spec.nfactor;
    /* rank statistics over the plain Monte Carlo runs: all runs for UA, A and B for SA */
    size_t nr = sa->type == HS_SA_SA ? 2 * sa->n : sa->nruns;
    const char *in[HSI_BUILD_NINPUTS + 1];
    size_t nin = hsi_build_inputs(s->base, in);
    in[nin++] = s->spec.file;
    hsi_outset o;
    hs_status st = hsi_outset_init(ctx, &o, dir, in, nin, err);
    if (st) {
        hsi_outset_free(&o);
        return st;
    }
    hsi_buf b, j;
    hsi_buf_init(&b, ctx);
    hsi_buf_init(&j, ctx);
    double *col = hsi_calloc(ctx, nr + 1, sizeof(double));
    hs_sa_index *idx = hsi_calloc(ctx, k + 1, sizeof *idx);
    if (!col || !idx) {
        st = hsi_err_nomem(err);
        goto done;
    }
    hsi_buf_puts(&b, "\"uCode\",\"uName\"");
    if (s->base->units.has_time) hsi_buf_puts(&b, ",\"Time\"");
    sw_scale sc;
    sw_scale_init(s, &sc);
    int pooled = sc.ngroup == 1 && !sc.omitted; /* score quantiles in ua_ranks.csv */
    hsi_buf_puts(&b, ",\"nominal_rank\",\"median_rank\",\"mean_rank\",\"q05_rank\",\"q95_rank\","
                     "\"nominal_score\"");
    if (pooled) hsi_buf_puts(&b, ",\"q05_score\",\"median_score\",\"q95_score\"");
    hsi_buf_puts(&b, ",\"mean_abs_rank_shift\"\n");
    for (size_t i = 0; i < nu; i++) {
        sw_key(&b, s, i);
        size_t m = sw_sorted(sa, nr, 1 + i, col);
        double mean = 0, shift = 0;
        for (size_t q = 0; q < m; q++) {
            mean += col[q];
            shift += fabs(col[q] - s->nom_rank[i]);
        }
        double rk[5] = {s->nom_rank[i], hsi_stats_quantile7(col, m, 0.5),
                        m ? mean / (double)m : (double)NAN, hsi_stats_quantile7(col, m, 0.05),
                        hsi_stats_quantile7(col, m, 0.95)};
        for (int q = 0; q < 5; q++) {
            hsi_buf_puts(&b, ",");
            hsi_buf_num(&b, m || q == 0 ? rk[q] : (double)NAN);
        }
        double sh = m ? shift / (double)m : (double)NAN;
        m = pooled ? sw_sorted(sa, nr, 1 + nu + i, col) : 0;
        double sq[4] = {s->nom_score[i], hsi_stats_quantile7(col, m, 0.05),
                        hsi_stats_quantile7(col, m, 0.5), hsi_stats_quantile7(col, m, 0.95)};
        for (int q = 0; q < (pooled ? 4 : 1); q++) {
            hsi_buf_puts(&b, ",");
            hsi_buf_num(&b, m || q == 0 ? sq[q] : (double)NAN);
        }
        hsi_buf_puts(&b, ",");
        hsi_buf_num(&b, sh);
        hsi_buf_puts(&b, "\n");
    }
    if ((st = hsi_outset_add(&o, "ua_ranks.csv", &b, err))) goto done;
    if (sc.ngroup > 1 && !sc.omitted) {
        b.len = 0;
        if ((st = sw_scores(s, &sc, nr, col, &b, err))) goto done;
        if ((st = hsi_outset_add(&o, "ua_scores.csv", &b, err))) goto done;
    }

    double vary = NAN;
    if (sa->type == HS_SA_SA && (st = sw_sobol(&o, &b, s, idx, &vary, err))) goto done;

    if (s->opts.write_runs) {
        b.len = 0;
        sw_runs(&b, s);
        if ((st = hsi_outset_add(&o, "runs.csv", &b, err))) goto done;
    }
    sw_json(&j, s, &sc, pooled, idx, vary);
    if ((st = hsi_outset_add(&o, "sensitivity.json", &j, err))) goto done;
    st = hsi_outset_commit(&o, err);
done:
    hsi_free(ctx, col);
    hsi_free(ctx, idx);
    hsi_buf_free(&b);
    hsi_buf_free(&j);
    hsi_outset_free(&o);
    return st;
}
