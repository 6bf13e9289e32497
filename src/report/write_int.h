/*
 * write_int.h - all-or-nothing output folders: files are written into a new folder beside
 * the target, which replaces the target only when every one of them was written.
 */
#ifndef HS_WRITE_INT_H
#define HS_WRITE_INT_H

#include "../index/engine_int.h"

typedef struct hsi_outset {
    hs_ctx *ctx;
    hsi_outdir d;
} hsi_outset;

/* Start a set of outputs for folder dir (hsi_outdir_begin: the folder's checks, inputs
 * among them). On failure the set is empty; hsi_outset_free may still be called. */
HS_INTERNAL hs_status hsi_outset_init(hs_ctx *ctx, hsi_outset *o, const char *dir,
                                      const char *const *inputs, size_t ninputs, hs_error *err);
/* Write buf (len bytes) as file `name` of the set (in the new folder). A name given twice
 * is an error. */
HS_INTERNAL hs_status hsi_outset_add(hsi_outset *o, const char *name, const hsi_buf *buf,
                                     hs_error *err);
/* Put the folder in place, replacing the previous one whole. */
HS_INTERNAL hs_status hsi_outset_commit(hsi_outset *o, hs_error *err);
/* Remove the new folder if it was not committed and free the set. */
HS_INTERNAL void hsi_outset_free(hsi_outset *o);

/* Writes table `which` of obj (a comparison, a what-if...) into b as CSV. */
typedef void (*hsi_table_fn)(hsi_buf *b, const void *obj, int which);
/* A file of a folder of tables: its name and which table of the object it holds. */
typedef struct hsi_table {
    const char *name;
    int which;
} hsi_table;
/* The nt tables t of obj, written by fn, as one all-or-nothing folder dir. */
HS_INTERNAL hs_status hsi_outset_tables(hs_ctx *ctx, const char *dir, const char *const *inputs,
                                        size_t ninputs, hsi_table_fn fn, const void *obj,
                                        const hsi_table *t, size_t nt, hs_error *err);
/* Table `which` of obj, written by fn, to a sink; `what` names it in errors. */
HS_INTERNAL hs_status hsi_sink_table(hs_ctx *ctx, const hs_sink *out, hsi_table_fn fn,
                                     const void *obj, int which, const char *what, hs_error *err);

/* The input files of a build (pipeline, structure, data): an output folder may hold none. */
#define HSI_BUILD_NINPUTS 3
HS_INTERNAL size_t hsi_build_inputs(const hs_build *b, const char *in[HSI_BUILD_NINPUTS]);

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
