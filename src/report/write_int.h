/*
 * write_int.h - all-or-nothing output folders: files are written into a new folder beside
 * the target, which replaces the target only when every one of them was written.
 */
#ifndef HS_WRITE_INT_H
#define HS_WRITE_INT_H

#include "../index/engine_int.h"

/* CSV header of a dataset-shaped table: "uCode","uName"[,"Time"],codes... */
HS_INTERNAL void hsi_write_head(hsi_buf *b, const hs_build *bd, const hsi_dset *d);
/* Row key: "CODE","NAME"[,TIME] (NA for a unit without a name) */
HS_INTERNAL void hsi_write_key(hsi_buf *b, const hs_build *bd, size_t urow);

/* results.csv: code, name, score and rank of each aggregate, by index rank (results.c). */
HS_INTERNAL hs_status hsi_write_results(hs_ctx *ctx, const hs_build *b, const double *ranks,
                                        hsi_outset *o, hs_error *err);

HS_INTERNAL hs_status hsi_audit_tables(hs_ctx *ctx, const hs_build *b, hsi_outset *o,
                                       hs_error *err);

#endif
