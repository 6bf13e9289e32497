/*
 * weights.c - the weights a build aggregated with, and each node's effective weight: its
 * share of the top score (docs/methods.md section 3.6; COINr get_eff_weights).
 */
#include "engine_int.h"

#include <math.h>
#include <string.h>

void hsi_eff_weights(const hsi_meta *m, const double *w, double *eff)
{
    for (size_t i = 0; i < m->n; i++)
        eff[i] = NAN;
    /* aggregates from the top down: a parent's level is above its children's */
    for (size_t a = m->nagg; a-- > 0;) {
        const hsi_node *pn = &m->node[m->agg[a]];
        if (pn->parent_idx < 0) eff[m->agg[a]] = 1;
        double sw = 0;
        for (size_t k = 0; k < pn->nchild; k++)
            sw += w[pn->child[k]];
        for (size_t k = 0; k < pn->nchild; k++)
            eff[pn->child[k]] = w[pn->child[k]] / sw * eff[m->agg[a]];
    }
}

/* The weights of the last [aggregate] step, or the structure's without one. */
static const double *weights_used(const hs_build *b)
{
    for (size_t i = b->pl.nstep; i-- > 0;)
        if (b->pl.step[i].kind == HSI_STEP_AGGREGATE) return b->pl.step[i].weight;
    return NULL;
}

hs_status hs_build_weights(hs_ctx *ctx, const hs_build *b, hs_weight **out, size_t *n,
                           hs_error *err)
{
    *out = NULL;
    *n = 0;
    const hsi_meta *m = &b->meta;
    const double *used = weights_used(b);
    double *w = hsi_calloc(ctx, m->n + 1, sizeof(double));
    double *eff = hsi_calloc(ctx, m->n + 1, sizeof(double));
    hs_weight *t = hsi_calloc(ctx, m->n + 1, sizeof *t);
    if (!w || !eff || !t) {
        hsi_free_all(ctx, w, eff, t);
        return hsi_err_nomem(err);
    }
    for (size_t i = 0; i < m->n; i++)
        w[i] = used ? used[i] : m->node[i].weight;
    hsi_eff_weights(m, w, eff);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        const hsi_node *nd = &m->node[i];
        if (nd->type != HSI_NODE_INDICATOR && nd->type != HSI_NODE_AGGREGATE) continue;
        t[k++] = (hs_weight){.code = nd->code, .level = nd->level, .weight = w[i], .eff = eff[i]};
    }
    hsi_free(ctx, w);
    hsi_free(ctx, eff);
    *out = t;
    *n = k;
    return HS_OK;
}

void hs_weights_free(hs_ctx *ctx, hs_weight *w)
{
    hsi_free(ctx, w);
}

static void weights_row(hsi_buf *b, const void *row, const void *ud)
{
    const hs_weight *w = row;
    char a[32], e[32];
    (void)ud;
    hsi_buf_csv_str(b, w->code);
    hsi_buf_printf(b, ",%d,%s,%s\n", w->level, hsi_fmt_double(a, w->weight),
                   hsi_fmt_double(e, w->eff));
}

hs_status hs_weights_write_csv(const hs_weight *w, size_t n, const hs_sink *out, hs_error *err)
{
    return hsi_sink_rows(out, "weights", "\"iCode\",\"Level\",\"Weight\",\"EffWeight\"\n", w, n,
                         sizeof *w, weights_row, NULL, err);
}

hs_status hsi_build_write_rows(hs_ctx *ctx, const hs_build *b, const char *path,
                               hsi_rows_csv_fn csv, const void *rows, size_t n, hs_error *err)
{
    const char *in[] = {b->pl.file, b->pl.meta_file, b->pl.data.file};
    hs_outfile *of = NULL;
    hs_status st = hs_outfile_open(ctx, path, in, sizeof in / sizeof in[0], &of, err);
    if (st) return st;
    hs_sink out;
    hs_outfile_sink(of, &out);
    st = csv(rows, n, &out, err);
    hs_status cs = hs_outfile_close(of, st == HS_OK, st == HS_OK ? err : NULL);
    return st ? st : cs;
}

static hs_status weights_csv(const void *rows, size_t n, const hs_sink *out, hs_error *err)
{
    return hs_weights_write_csv(rows, n, out, err);
}

hs_status hs_weights_write_file(hs_ctx *ctx, const hs_build *b, const hs_weight *w, size_t n,
                                const char *path, hs_error *err)
{
    return hsi_build_write_rows(ctx, b, path, weights_csv, w, n, err);
}
