/*
 * results.c - results.csv, the table people read first: one row per unit (per unit and time
 * for panel data) with its code and name, then the score and rank of every aggregate, the
 * index first and then each lower level, rows in the order of the index rank.
 *
 * The other outputs are shaped for machines and for COINr's comparisons (one column per
 * node, rows by code); this one answers "who is where" without a join.
 */
#include "write_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct results_row {
    size_t r;         /* row of the last dataset */
    long time;        /* HSI_NO_TIME without time */
    double rank;      /* index rank, NaN if missing */
    const char *code; /* unit code (ties keep code order) */
} results_row;

/* Latest time first; within a time by index rank, missing last; ties by code. */
static int results_cmp(const void *a, const void *b)
{
    const results_row *x = a, *y = b;
    if (x->time != y->time) return x->time > y->time ? -1 : 1;
    int mx = isnan(x->rank), my = isnan(y->rank);
    if (mx != my) return mx - my;
    if (!mx && x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return strcmp(x->code, y->code);
}

/* Columns of d to show: its aggregates, highest level first and in structure order within a
 * level; a build without aggregation shows every column. Returns the count. */
static size_t results_cols(const hs_build *b, const hsi_dset *d, size_t *cols)
{
    const hsi_meta *m = &b->meta;
    size_t n = 0;
    for (int lev = m->maxlevel; lev >= 2; lev--)
        for (size_t c = 0; c < d->ncol; c++) {
            const hsi_node *nd = &m->node[d->node[c]];
            if (nd->type == HSI_NODE_AGGREGATE && nd->level == lev) cols[n++] = c;
        }
    if (n == 0)
        for (size_t c = 0; c < d->ncol; c++)
            cols[n++] = c;
    return n;
}

hs_status hsi_write_results(hs_ctx *ctx, const hs_build *b, const double *ranks, hsi_outset *o,
                            hs_error *err)
{
    const hsi_dset *d = &b->d[b->nd - 1];
    const hsi_units *u = &b->units;
    size_t *cols = hsi_calloc(ctx, d->ncol + 1, sizeof(size_t));
    results_row *rows = hsi_calloc(ctx, d->nrow + 1, sizeof *rows);
    if (!cols || !rows) {
        hsi_free(ctx, cols);
        hsi_free(ctx, rows);
        return hsi_err_nomem(err);
    }
    size_t nc = results_cols(b, d, cols);
    for (size_t r = 0; r < d->nrow; r++) {
        rows[r].r = r;
        rows[r].time = u->has_time ? u->time[d->row[r]] : HSI_NO_TIME;
        rows[r].rank = ranks[cols[0] * d->nrow + r];
        rows[r].code = u->code[d->row[r]];
    }
    qsort(rows, d->nrow, sizeof *rows, results_cmp);
    hsi_buf buf;
    hsi_buf_init(&buf, ctx);
    hsi_buf_puts(&buf, "\"uCode\",\"uName\"");
    if (u->has_time) hsi_buf_puts(&buf, ",\"Time\"");
    for (size_t k = 0; k < nc; k++) {
        const char *code = b->meta.node[d->node[cols[k]]].code;
        hsi_buf_puts(&buf, ",");
        hsi_buf_csv_str(&buf, code);
        hsi_buf_puts(&buf, ",\"");
        for (const char *p = code; *p; p++)
            hsi_buf_add(&buf, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
        hsi_buf_puts(&buf, "_rank\"");
    }
    hsi_buf_puts(&buf, "\n");
    for (size_t i = 0; i < d->nrow; i++) {
        size_t r = rows[i].r, ur = d->row[r];
        hsi_buf_csv_str(&buf, u->code[ur]);
        hsi_buf_puts(&buf, ",");
        hsi_buf_csv_str(&buf, u->name[ur]);
        if (u->has_time) hsi_buf_printf(&buf, ",%ld", u->time[ur]);
        for (size_t k = 0; k < nc; k++) {
            double rk = ranks[cols[k] * d->nrow + r];
            hsi_buf_puts(&buf, ",");
            hsi_buf_num(&buf, hsi_col(d, cols[k])[r]);
            if (isnan(rk))
                hsi_buf_puts(&buf, ",NA");
            else
                hsi_buf_printf(&buf, ",%.0f", rk);
        }
        hsi_buf_puts(&buf, "\n");
    }
    hs_status st = hsi_outset_add(o, "results.csv", &buf, err);
    hsi_buf_free(&buf);
    hsi_free(ctx, cols);
    hsi_free(ctx, rows);
    return st;
}
