/*
 * write_int.h - all-or-nothing output: files are written under temporary names in the
 * target folder and renamed into place only when every one of them was written.
 */
#ifndef HS_WRITE_INT_H
#define HS_WRITE_INT_H

#include "../index/engine_int.h"

typedef struct hsi_outset {
    hs_ctx *ctx;
    char *dir;
    size_t n;
    char **tmp;   /* temporary paths */
    char **final; /* final paths */
} hsi_outset;

HS_INTERNAL hs_status hsi_outset_init(hs_ctx *ctx, hsi_outset *o, const char *dir, hs_error *err);
/* Write buf (len bytes) as file `name` of the set (under its temporary name). */
HS_INTERNAL hs_status hsi_outset_add(hsi_outset *o, const char *name, const hsi_buf *buf,
                                     hs_error *err);
/* Rename every temporary file into place. */
HS_INTERNAL hs_status hsi_outset_commit(hsi_outset *o, hs_error *err);
/* Remove temporary files that were not committed and free the set. */
HS_INTERNAL void hsi_outset_free(hsi_outset *o);

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
