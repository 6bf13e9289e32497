/*
 * xlsx.c - hs_build_write_xlsx: a build as one spreadsheet workbook, one sheet per dataset
 * (Raw, Imputed, ..., Aggregated, named as the CSV files are), a sheet Ranks and a sheet per
 * audit table (hs_build_audit, named and laid out as its audit_*.csv file), through Debian's
 * libxlsxwriter. Values are numbers to the 16 significant digits libxlsxwriter
 * writes (a spreadsheet shows 15; the CSV files keep every bit); a missing value is an empty
 * cell, never 0.
 * The workbook is written to a temporary file beside the path and renamed into place
 * (core/outpath.c), so the path holds an earlier workbook or the whole new one.
 */
#include "write_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

/* The sheet's header: uCode, uName, Time when the data has it, then the column codes. */
static void xl_header(lxw_worksheet *ws, const hs_build *b, const hsi_dset *d, lxw_format *bold)
{
    lxw_col_t c = 0;
    worksheet_write_string(ws, 0, c++, "uCode", bold);
    worksheet_write_string(ws, 0, c++, "uName", bold);
    if (b->units.has_time) worksheet_write_string(ws, 0, c++, "Time", bold);
    for (size_t j = 0; j < d->ncol; j++)
        worksheet_write_string(ws, 0, (lxw_col_t)(c + j), b->meta.node[d->node[j]].code, bold);
    worksheet_freeze_panes(ws, 1, c);
}

/* One sheet: a row per unit(-time) of d, v (column-major like d) in its cells. */
static lxw_error xl_sheet(lxw_workbook *wb, const hs_build *b, const hsi_dset *d, const char *name,
                          const double *v, lxw_format *bold)
{
    lxw_error e = workbook_validate_sheet_name(wb, name);
    if (e) return e;
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    xl_header(ws, b, d, bold);
    lxw_col_t first = b->units.has_time ? 3 : 2;
    for (size_t r = 0; r < d->nrow && !e; r++) {
        size_t u = d->row[r];
        lxw_row_t row = (lxw_row_t)(r + 1);
        e = worksheet_write_string(ws, row, 0, b->units.code[u], NULL);
        if (!e && b->units.name && b->units.name[u])
            e = worksheet_write_string(ws, row, 1, b->units.name[u], NULL);
        if (!e && b->units.has_time)
            e = worksheet_write_number(ws, row, 2, (double)b->units.time[u], NULL);
        for (size_t j = 0; j < d->ncol && !e; j++) {
            double x = v[j * d->nrow + r];
            if (isfinite(x)) e = worksheet_write_number(ws, row, (lxw_col_t)(first + j), x, NULL);
        }
    }
    return e;
}

/* One audit table: its label columns as text, its numbers as numbers (an empty cell for
 * NA), its flags as the CSV's words. */
static lxw_error xl_audit_sheet(lxw_workbook *wb, const hs_audit *a, size_t t, lxw_format *bold)
{
    const char *name = hs_audit_name(a, t);
    lxw_error e = workbook_validate_sheet_name(wb, name);
    if (e) return e;
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    size_t nl = hs_audit_nlabel(a, t), nc = hs_audit_ncol(a, t), nr = hs_audit_nrow(a, t);
    for (size_t k = 0; k < nl && !e; k++)
        e = worksheet_write_string(ws, 0, (lxw_col_t)k, hs_audit_label_name(a, t, k), bold);
    for (size_t c = 0; c < nc && !e; c++)
        e = worksheet_write_string(ws, 0, (lxw_col_t)(nl + c), hs_audit_col(a, t, c), bold);
    if (!e) worksheet_freeze_panes(ws, 1, (lxw_col_t)nl);
    const double *v = hs_audit_values(a, t);
    for (size_t r = 0; r < nr && !e; r++) {
        lxw_row_t row = (lxw_row_t)(r + 1);
        for (size_t k = 0; k < nl && !e; k++)
            e = worksheet_write_string(ws, row, (lxw_col_t)k, hs_audit_label(a, t, k, r), NULL);
        for (size_t c = 0; c < nc && !e; c++) {
            double x = v[c * nr + r];
            lxw_col_t col = (lxw_col_t)(nl + c);
            if (hs_audit_col_kind(a, t, c) == HS_AUDIT_FLAG)
                e = worksheet_write_string(ws, row, col,
                                           x == 1 ? hs_audit_flag_word(a, t, c) : "ok", NULL);
            else if (isfinite(x))
                e = worksheet_write_number(ws, row, col, x, NULL);
        }
    }
    return e;
}

/* A sheet per audit table, after the datasets and Ranks. */
static lxw_error xl_audit(hs_ctx *ctx, lxw_workbook *wb, const hs_build *b, lxw_format *bold,
                          hs_error *err, hs_status *st)
{
    hs_audit *a = NULL;
    *st = hs_build_audit(ctx, b, &a, err);
    lxw_error e = LXW_NO_ERROR;
    for (size_t t = 0; !*st && t < hs_audit_ntables(a) && !e; t++)
        e = xl_audit_sheet(wb, a, t, bold);
    hs_audit_free(a);
    return e;
}

static hs_status xl_fail(hs_error *err, const char *path, lxw_error e)
{
    return hsi_err(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? HS_ERR_NOMEM : HS_ERR_IO, path, 0, 0,
                   "cannot write the workbook: %s", lxw_strerror(e));
}

/* Every dataset, then the ranks of the last one, into the workbook. */
static lxw_error xl_sheets(hs_ctx *ctx, lxw_workbook *wb, const hs_build *b, hs_error *err,
                           hs_status *st)
{
    lxw_format *bold = workbook_add_format(wb);
    if (!bold) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    format_set_bold(bold);
    lxw_error e = LXW_NO_ERROR;
    for (size_t i = 0; i < b->nd && !e; i++)
        e = xl_sheet(wb, b, &b->d[i], b->d[i].name, b->d[i].v, bold);
    if (e) return e;
    const hsi_dset *ag = &b->d[b->nd - 1];
    double *rk = hsi_calloc(ctx, ag->nrow * ag->ncol + 1, sizeof *rk);
    if (!rk) return LXW_ERROR_MEMORY_MALLOC_FAILED;
    *st = hsi_rank_dset(ctx, b, ag, rk, err);
    if (!*st) {
        for (size_t k = 0; k < ag->nrow * ag->ncol; k++)
            if (isnan(ag->v[k])) rk[k] = NAN; /* an unscored unit has no rank */
        e = xl_sheet(wb, b, ag, "Ranks", rk, bold);
    }
    hsi_free(ctx, rk);
    if (!*st && !e) e = xl_audit(ctx, wb, b, bold, err, st);
    return e;
}

hs_status hs_build_write_xlsx(hs_ctx *ctx, const hs_build *b, const char *path, hs_error *err)
{
    const char *in[HSI_BUILD_NINPUTS];
    size_t nin = hsi_build_inputs(b, in);
    hsi_outfile f;
    hs_status st = hsi_outfile_open(ctx, &f, path, in, nin, err);
    if (st) return st;
    /* libxlsxwriter writes to a file name of its own: it writes the temporary file that
     * hsi_outfile made (nothing is written through f.fp), which commit then renames. */
    lxw_workbook *wb = workbook_new(f.tmp);
    if (!wb) {
        hsi_outfile_abort(&f);
        return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot start the workbook");
    }
    lxw_error e = xl_sheets(ctx, wb, b, err, &st);
    lxw_error ce = workbook_close(wb); /* frees wb, also after an error */
    if (!st && (e || ce)) st = xl_fail(err, path, e ? e : ce);
    if (st) {
        hsi_outfile_abort(&f);
        return st;
    }
    return hsi_outfile_commit(&f, err);
}
