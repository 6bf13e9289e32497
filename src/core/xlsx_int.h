/*
 * xlsx_int.h - one sheet of an .xlsx workbook read as the table the CSV readers take.
 *
 * The zip container is opened with libzip and its XML parts streamed through expat. The
 * first non-empty row of the sheet is the header; every later non-empty row is a data row,
 * as wide as the header. Cell values are kept as the text the workbook stores: shared and
 * inline strings as written, numbers as their stored digits (so strtod reads the same
 * double), booleans as TRUE/FALSE, error values such as #N/A as their text, an empty or
 * absent cell as "" (missing). A formula must carry its cached result.
 *
 * Positions: each row's `line` is its spreadsheet row number and each cell's `col` its
 * column number (A = 1), and `file` is "BOOK:SHEET", so hsi_xlsx_err_cell can turn a
 * "file:line:col" message of the table readers into "BOOK:SHEET!C7".
 */
#ifndef HS_XLSX_INT_H
#define HS_XLSX_INT_H

#include "csv_int.h"

/* The largest workbook file and the largest uncompressed XML part read, in bytes (a zip bomb
 * or a runaway part fails here instead of filling memory). */
#define HSI_XLSX_MAX_BOOK ((size_t)1 << 28)
#define HSI_XLSX_MAX_PART ((size_t)1 << 28)
/* The most cells (data rows x header columns) a sheet may give as a table. */
#define HSI_XLSX_MAX_CELLS ((size_t)1 << 24)

/** 1 if path names a workbook by its extension (.xlsx or .xlsm, any case). */
HS_INTERNAL int hsi_xlsx_is_book(const char *path);

/** Read sheet `sheet` of the workbook at path into out (see above). */
HS_INTERNAL hs_status hsi_xlsx_sheet_read(hs_ctx *ctx, const char *path, const char *sheet,
                                          hsi_csv *out, hs_error *err);
/** The same from the workbook's bytes in memory; name is used in messages. */
HS_INTERNAL hs_status hsi_xlsx_sheet_parse(hs_ctx *ctx, const void *data, size_t len,
                                           const char *name, const char *sheet, hsi_csv *out,
                                           hs_error *err);

/** If err points into the table labelled `label` ("BOOK:SHEET", a table's `file`) by row
 * and column, rewrite its position as "BOOK:SHEET!C7" (or "BOOK:SHEET!7:7" for a whole row). */
HS_INTERNAL void hsi_xlsx_err_cell(hs_error *err, const char *label);

#endif
