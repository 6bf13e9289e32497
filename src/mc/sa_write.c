/*
 * sa_write.c - outputs of an index uncertainty/sensitivity analysis, written whole or not at
 * all (report/write_int.h):
 *   ua_ranks.csv        per unit: nominal, median, mean, 5 % and 95 % rank, score quantiles,
 *                       mean absolute rank shift (type-7 quantiles, METHODS conventions)
 *   sa_indices.csv      per factor: Si and STi with 2.5/97.5 % and 5/95 % bootstrap bounds
 *   sa_convergence.csv  Si and STi from the first N/16, N/8, ..., N rows of the design
 *   runs.csv            every run: block, the factors' u values, mean absolute rank shift
 *   sensitivity.json    the settings and the headline figures
 */
#include "mc_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../report/write_int.h"

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

static void sw_key(hsi_buf *b, const hs_sensitivity *s, size_t i)
{
    hsi_buf_csv_str(b, s->base->units.code[s->unit_row[i]]);
    if (s->base->units.has_time) hsi_buf_printf(b, ",%ld", s->time);
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
    hsi_buf_puts(&b, "\"uCode\"");
    if (s->base->units.has_time) hsi_buf_puts(&b, ",\"Time\"");
    hsi_buf_puts(&b, ",\"nominal_rank\",\"median_rank\",\"mean_rank\",\"q05_rank\",\"q95_rank\","
                     "\"nominal_score\",\"q05_score\",\"median_score\",\"q95_score\","
                     "\"mean_abs_rank_shift\"\n");
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
        m = sw_sorted(sa, nr, 1 + nu + i, col);
        double sc[4] = {s->nom_score[i], hsi_stats_quantile7(col, m, 0.05),
                        hsi_stats_quantile7(col, m, 0.5), hsi_stats_quantile7(col, m, 0.95)};
        for (int q = 0; q < 4; q++) {
            hsi_buf_puts(&b, ",");
            hsi_buf_num(&b, m || q == 0 ? sc[q] : (double)NAN);
        }
        hsi_buf_puts(&b, ",");
        hsi_buf_num(&b, sh);
        hsi_buf_puts(&b, "\n");
    }
    if ((st = hsi_outset_add(&o, "ua_ranks.csv", &b, err))) goto done;

    double vary = NAN;
    if (sa->type == HS_SA_SA) {
        if ((st = hs_sa_indices(sa, sa->n, idx, &vary, err))) goto done;
        b.len = 0;
        hsi_buf_puts(&b, "\"factor\",\"Si\",\"Si_q025\",\"Si_q975\",\"Si_q05\",\"Si_q95\","
                         "\"STi\",\"STi_q025\",\"STi_q975\",\"STi_q05\",\"STi_q95\"\n");
        for (size_t f = 0; f < k; f++) {
            hsi_buf_csv_str(&b, s->spec.f[f].name);
            double v[10] = {idx[f].si,      idx[f].si_lo,  idx[f].si_hi,  idx[f].si_q05,
                            idx[f].si_q95,  idx[f].sti,    idx[f].sti_lo, idx[f].sti_hi,
                            idx[f].sti_q05, idx[f].sti_q95};
            for (int q = 0; q < 10; q++) {
                hsi_buf_puts(&b, ",");
                hsi_buf_num(&b, v[q]);
            }
            hsi_buf_puts(&b, "\n");
        }
        if ((st = hsi_outset_add(&o, "sa_indices.csv", &b, err))) goto done;
        b.len = 0;
        hsi_buf_puts(&b, "\"N\",\"factor\",\"Si\",\"STi\"\n");
        hs_sa_index *ci = hsi_calloc(ctx, k + 1, sizeof *ci);
        if (!ci) {
            st = hsi_err_nomem(err);
            goto done;
        }
        for (size_t div = 16; div >= 1; div /= 2) {
            size_t nuse = sa->n / div;
            if (nuse < 4 && div > 1) continue;
            hs_sa hs = *sa;
            hs.bootstrap = 1; /* point estimates only */
            hs_error e2;
            if (hs_sa_indices(&hs, nuse, ci, NULL, &e2) != HS_OK) continue;
            for (size_t f = 0; f < k; f++) {
                hsi_buf_printf(&b, "%zu,", nuse);
                hsi_buf_csv_str(&b, s->spec.f[f].name);
                hsi_buf_puts(&b, ",");
                hsi_buf_num(&b, ci[f].si);
                hsi_buf_puts(&b, ",");
                hsi_buf_num(&b, ci[f].sti);
                hsi_buf_puts(&b, "\n");
            }
        }
        hsi_free(ctx, ci);
        if ((st = hsi_outset_add(&o, "sa_convergence.csv", &b, err))) goto done;
    }

    b.len = 0;
    hsi_buf_puts(&b, "\"run\",\"block\"");
    for (size_t f = 0; f < k; f++) {
        hsi_buf_puts(&b, ",");
        hsi_buf_csv_str(&b, s->spec.f[f].name);
    }
    hsi_buf_puts(&b, ",\"mean_abs_rank_shift\"\n");
    for (size_t r = 0; r < sa->nruns; r++) {
        hsi_buf_printf(&b, "%zu,", r + 1);
        if (sa->type == HS_SA_UA)
            hsi_buf_puts(&b, "\"MC\"");
        else if (r < sa->n)
            hsi_buf_puts(&b, "\"A\"");
        else if (r < 2 * sa->n)
            hsi_buf_puts(&b, "\"B\"");
        else
            /* NOLINTNEXTLINE(clang-analyzer-core.DivideZero): here r >= 2 n, so n > 0 */
            hsi_buf_printf(&b, "\"AB%zu\"", (r / sa->n) - 1);
        for (size_t f = 0; f < k; f++) {
            hsi_buf_puts(&b, ",");
            hsi_buf_num(&b, sa->x[r * k + f]);
        }
        hsi_buf_puts(&b, ",");
        hsi_buf_num(&b, sa->y[r * sa->ny]);
        hsi_buf_puts(&b, "\n");
    }
    if ((st = hsi_outset_add(&o, "runs.csv", &b, err))) goto done;

    hsi_buf_puts(&j, "{\n  \"humsec_version\": \"" HS_VERSION "\",\n  \"pipeline\": ");
    hsi_buf_json_str(&j, s->pipeline);
    hsi_buf_puts(&j, ",\n  \"spec\": ");
    hsi_buf_json_str(&j, s->spec.file);
    hsi_buf_printf(&j, ",\n  \"type\": \"%s\",\n  \"N\": %zu,\n  \"runs\": %zu,\n  \"seed\": %lu,",
                   sa->type == HS_SA_SA ? "sa" : "ua", sa->n, sa->nruns, sa->seed);
    hsi_buf_printf(&j, "\n  \"sampler\": \"%s\",\n  \"target\": ",
                   s->opts.sampler == HS_SAMPLER_SOBOL ? "sobol" : "random");
    hsi_buf_json_str(&j, s->base->meta.node[s->target].code);
    if (s->time != HSI_NO_TIME) hsi_buf_printf(&j, ",\n  \"time\": %ld", s->time);
    hsi_buf_puts(&j, ",\n  \"output\": \"mean absolute rank shift\",\n  \"factors\": [");
    for (size_t f = 0; f < k; f++) {
        hsi_buf_puts(&j, f ? ",\n    {\"name\": " : "\n    {\"name\": ");
        hsi_buf_json_str(&j, s->spec.f[f].name);
        if (sa->type == HS_SA_SA) {
            hsi_buf_puts(&j, ", \"Si\": ");
            hsi_buf_num(&j, idx[f].si);
            hsi_buf_puts(&j, ", \"Si_ci95\": [");
            hsi_buf_num(&j, idx[f].si_lo);
            hsi_buf_puts(&j, ", ");
            hsi_buf_num(&j, idx[f].si_hi);
            hsi_buf_puts(&j, "], \"STi\": ");
            hsi_buf_num(&j, idx[f].sti);
            hsi_buf_puts(&j, ", \"STi_ci95\": [");
            hsi_buf_num(&j, idx[f].sti_lo);
            hsi_buf_puts(&j, ", ");
            hsi_buf_num(&j, idx[f].sti_hi);
            hsi_buf_puts(&j, "]");
        }
        hsi_buf_puts(&j, "}");
    }
    hsi_buf_puts(&j, "\n  ]");
    if (sa->type == HS_SA_SA) {
        hsi_buf_puts(&j, ",\n  \"VarY\": ");
        hsi_buf_num(&j, vary);
    }
    hsi_buf_puts(&j, "\n}\n");
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
