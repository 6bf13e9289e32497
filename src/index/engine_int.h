/*
 * engine_int.h - the index engine's data model: the structure (iMeta), the units table, the
 * datasets each step produces, the parsed pipeline and the build that ties them together.
 *
 * Path of the data: pipeline file (pipeline.c, each step section read through the step
 * table of steps_int.h) -> structure (meta.c) and indicator table (data.c) -> steps in file
 * order (steps.c, calling the kernels in kernels_int.h) -> datasets kept in hs_build ->
 * writers (report/) and explain.
 */
#ifndef HS_ENGINE_INT_H
#define HS_ENGINE_INT_H

#include "kernels_int.h"
#include "../config/ini_int.h"

/* ---- structure --------------------------------------------------------------------- */

typedef enum hsi_node_type {
    HSI_NODE_INDICATOR = 0,
    HSI_NODE_AGGREGATE,
    HSI_NODE_GROUP,
    HSI_NODE_DENOMINATOR,
    HSI_NODE_OTHER
} hsi_node_type;

typedef struct hsi_node {
    char *code, *name;
    hsi_node_type type;
    int level;                     /* 1 = indicator; aggregates > 1; 0 for groups/denominators */
    int direction;                 /* +1 / -1 */
    double weight;                 /* nominal weight within the parent */
    char *parent;                  /* code or NULL */
    long parent_idx;               /* index in meta.nodes or -1 */
    char *denom;                   /* denominator code or NULL */
    long denom_idx;                /* index in units.denom, or -1 */
    double target;                 /* NaN if absent */
    double gp_lo, gp_hi, gp_scale; /* goalpost_lower/upper/scale (NaN if absent) */
    int gp_trunc;                  /* goalpost_trunc2posts (default 1) */
    int gp_log;                    /* goalpost_log (default 0) */
    double vmin, vmax;             /* plausible values (min, max columns; NaN if absent) */
    long line;                     /* line in the structure file */
    size_t nchild;
    size_t *child; /* indices of children in meta.nodes */
} hsi_node;

typedef struct hsi_meta {
    char *file;
    int book; /* read from a workbook's sheet: the nodes' lines are its rows */
    size_t n;
    hsi_node *node;
    size_t nind; /* indicator nodes, in file order */
    size_t *ind;
    size_t nagg; /* aggregate nodes, sorted by level then code */
    size_t *agg;
    int maxlevel;
    size_t ngroup, ndenom;
} hsi_meta;

HS_INTERNAL hs_status hsi_meta_read(hs_ctx *ctx, const char *path, hsi_meta *m, hs_error *err);
/* The same, reading sheet `sheet` (NULL: iMeta) when path is an .xlsx workbook. */
HS_INTERNAL hs_status hsi_meta_read_sheet(hs_ctx *ctx, const char *path, const char *sheet,
                                          hsi_meta *m, hs_error *err);
/* The same from text in memory; `name` is used in messages. */
HS_INTERNAL hs_status hsi_meta_parse(hs_ctx *ctx, const char *text, size_t len, const char *name,
                                     hsi_meta *m, hs_error *err);
HS_INTERNAL void hsi_meta_free(hs_ctx *ctx, hsi_meta *m);
HS_INTERNAL long hsi_meta_find(const hsi_meta *m, const char *code);

/* ---- units and data ------------------------------------------------------------------- */

#define HSI_NO_TIME (-2147483647L - 1)

typedef struct hsi_units {
    size_t n; /* rows = unit-time pairs, sorted by code then time */
    char **code;
    char **name; /* may hold NULLs */
    long *time;  /* HSI_NO_TIME when the data has no time */
    int has_time;
    size_t ngroup;
    char **group_code; /* ngroup */
    char **group_val;  /* ngroup * n, [g*n + r], NULL = NA */
    size_t ndenom;
    char **denom_code; /* ndenom */
    double *denom;     /* ndenom * n */
    size_t ntime;      /* distinct times, ascending */
    long *times;
} hsi_units;

/* A dataset: nrow rows (indices into hsi_units), ncol columns (nodes), column-major. */
typedef struct hsi_dset {
    char *name;
    size_t nrow;
    size_t *row;
    size_t ncol;
    size_t *node;        /* meta node of each column */
    double *v;           /* v[c * nrow + r] */
    unsigned char *flag; /* optional, same shape: treat flags or imputation marks */
} hsi_dset;

static inline double *hsi_col(const hsi_dset *d, size_t c)
{
    return d->v + c * d->nrow;
}

/* Warn (log level 1) about values of d outside their indicators' min..max. */
HS_INTERNAL void hsi_meta_range_warn(hs_ctx *ctx, const hsi_meta *m, const hsi_dset *d);

/* Options of the data section (pipeline.c fills it, data.c reads with it). */
typedef enum hsi_shape {
    HSI_SHAPE_AUTO = 0,
    HSI_SHAPE_WIDE,
    HSI_SHAPE_LONG,
    HSI_SHAPE_WIDEYEAR
} hsi_shape;

typedef struct hsi_data_opts {
    char *file; /* resolved path */
    hsi_shape shape;
    char *unit_col, *name_col, *time_col, *code_col, *value_col;
    long fixed_time; /* HSI_NO_TIME unless `time = YYYY` constant given */
    size_t nna;
    char **na; /* missing-value markers */
    size_t nexclude;
    char **exclude;          /* fnmatch patterns of unit codes to drop */
    long time_from, time_to; /* keep only this range (inclusive); HSI_NO_TIME = open */
    long line;               /* line of the data entry in the pipeline (messages) */
    char *sheet;             /* the sheet of an .xlsx data file (NULL: iData) */
} hsi_data_opts;

HS_INTERNAL hs_status hsi_data_read(hs_ctx *ctx, const hsi_data_opts *o, const hsi_meta *m,
                                    hsi_units *u, hsi_dset *raw, hs_error *err);
/* The same from text in memory; o->file is used in messages. */
HS_INTERNAL hs_status hsi_data_parse(hs_ctx *ctx, const hsi_data_opts *o, const hsi_meta *m,
                                     const char *text, size_t len, hsi_units *u, hsi_dset *raw,
                                     hs_error *err);
HS_INTERNAL void hsi_units_free(hs_ctx *ctx, hsi_units *u);
HS_INTERNAL void hsi_dset_free(hs_ctx *ctx, hsi_dset *d);
HS_INTERNAL hs_status hsi_dset_alloc(hs_ctx *ctx, hsi_dset *d, const char *name, size_t nrow,
                                     size_t ncol, int with_flags);
HS_INTERNAL hs_status hsi_dset_copy(hs_ctx *ctx, const hsi_dset *src, hsi_dset *dst,
                                    const char *name, hs_error *err);
HS_INTERNAL long hsi_dset_col(const hsi_dset *d, size_t node);

/* ---- pipeline ------------------------------------------------------------------------- */

/* The kinds of step; each has its entry in the step table (step_table.c), which gives its
 * section name, output, keys, parse and run functions. */
typedef enum hsi_step_kind {
    HSI_STEP_DENOMINATE = 0,
    HSI_STEP_IMPUTE,
    HSI_STEP_SCREEN,
    HSI_STEP_TREAT,
    HSI_STEP_NORMALISE,
    HSI_STEP_AGGREGATE
} hsi_step_kind;

typedef enum hsi_impute_kind {
    HSI_IMP_NONE = 0,
    HSI_IMP_MEAN,
    HSI_IMP_MEDIAN,
    HSI_IMP_MEAN_GROUP,
    HSI_IMP_MEDIAN_GROUP,
    HSI_IMP_LATEST,
    HSI_IMP_LINEAR,  /* panel: between a unit's observed years, ends carried (panel_int.h) */
    HSI_IMP_CONSTANT /* panel: last observation carried forward, first one backward */
} hsi_impute_kind;

typedef struct hsi_agg_spec {
    hsi_agg_kind kind;
    double p;
    double p2;         /* bod: upper share bound (p: the lower one) */
    double dat_thresh; /* minimum share of non-missing children (0 = any one) */
} hsi_agg_spec;

/* weights = optimised(L) (optweights.c): the level-L weights whose importance in the top
 * score matches a target; the record of the optimum is kept for hs_build_opt_weights. */
typedef struct hsi_optw {
    int level;
    int squared;    /* importance r^2 / sum r^2 rather than COINr's r / sum r */
    int negative;   /* weights may turn negative, as in COINr's search */
    double tol;     /* stop when a start gains less than this (relative) */
    long maxiter;   /* per start */
    double *target; /* meta.n: each level-L node's target share (sums to 1), NaN elsewhere */
    char *target_set;
    /* after the build */
    double *imp, *corr; /* meta.n: achieved importance and correlation with the top */
    double value;       /* objective log(mean squared gap) at the optimum */
    long iter;          /* Nelder-Mead iterations, every start */
} hsi_optw;

typedef struct hsi_step {
    hsi_step_kind kind;
    char *out_name; /* dataset name written (COINr's: Denominated, Imputed, ...) */
    long line;
    /* impute */
    hsi_impute_kind imp;
    long group_idx; /* index in units.group_code */
    long max_time;  /* latest: at most this many time points back (0 = no limit) */
    /* screen */
    int screen_na, screen_zeros;
    double dat_thresh, nonzero_thresh;
    /* treat: per indicator (meta.nind entries); winmax 0 = off */
    hsi_treat_spec treat;
    hsi_treat_spec *treat_ind;
    /* normalise: per indicator */
    hsi_norm_spec *norm_ind;
    /* aggregate: per aggregate node (meta.n entries, only aggregates used) */
    hsi_agg_spec *agg_node;
    double agg_dat_thresh;
    int agg_nonpositive_na; /* geometric/harmonic over a value <= 0 gives NA, not an error */
    double *weight;         /* meta.n weights from the chosen weight set */
    int pca_level;          /* > 0: the weights of this level's nodes come from PCA */
    hsi_optw *optw;         /* weights = optimised(L), or NULL */
    char *weight_set;
    /* per time (default) or across all rows (pooled) */
    int pooled;
} hsi_step;

typedef struct hsi_pipeline {
    char *file;
    char *title;
    char *meta_file;
    char *meta_sheet; /* the sheet of an .xlsx structure file (NULL: iMeta) */
    hsi_data_opts data;
    size_t nstep;
    hsi_step *step;
} hsi_pipeline;

/* Parse the pipeline file (pipeline.c); the structure is read by the caller in between
 * (steps refer to nodes): hsi_pipeline_read reads only the top/data sections,
 * hsi_pipeline_steps the rest. */
HS_INTERNAL hs_status hsi_pipeline_read(hs_ctx *ctx, const char *path, hsi_pipeline *p,
                                        hsi_ini *ini, hs_error *err);
/* The same from text in memory; `path` is used in messages and to resolve relative names. */
HS_INTERNAL hs_status hsi_pipeline_parse(hs_ctx *ctx, const char *text, size_t len,
                                         const char *path, hsi_pipeline *p, hsi_ini *ini,
                                         hs_error *err);
HS_INTERNAL hs_status hsi_pipeline_steps(hs_ctx *ctx, hsi_ini *ini, const hsi_meta *m,
                                         const hsi_units *u, hsi_pipeline *p, hs_error *err);
HS_INTERNAL void hsi_pipeline_free(hs_ctx *ctx, hsi_pipeline *p);
/* pipeline_text.c: the text of a pipeline (len bytes, read as ini) with its `[data] file =`
 * line naming the table "with submissions", for messages about an overlaid table. */
HS_INTERNAL hs_status hsi_pipeline_data_renamed(const char *text, size_t len, const hsi_ini *ini,
                                                hsi_buf *o, hs_error *err);
/* The sections after the top one of the pipeline file as
 * [{"step": kind, "name": name, "params": {key: value}}]. */
HS_INTERNAL hs_status hsi_pipeline_steps_json(hs_ctx *ctx, const char *pipeline, hsi_buf *o,
                                              hs_error *err);

/* ---- the build ------------------------------------------------------------------------ */

/* Treatment record of one indicator in one time slice. */
typedef struct hsi_treat_rec {
    size_t ind; /* index into meta.ind */
    long time;
    hsi_treat_detail det;
} hsi_treat_rec;

struct hs_build {
    hs_ctx *ctx;
    hsi_pipeline pl;
    hsi_meta meta;
    hsi_units units;
    size_t nd;
    hsi_dset *d;    /* d[0] = Raw */
    size_t *d_step; /* step index that produced d[i] (d_step[0] unused) */
    size_t ntreat;
    hsi_treat_rec *treat;
    long treat_dset;     /* dataset index holding treat flags, or -1 */
    int quiet;           /* no per-step progress messages (rebuilds inside an analysis) */
    char **screened_out; /* unit codes removed by screening */
    size_t nscreened_out;
};

HS_INTERNAL hs_status hsi_steps_run(hs_build *b, hs_error *err);
/* Effective weight of every node (meta.n, NaN outside the tree) from the weights w (meta.n):
 * 1 at the top, then each child's weight over its siblings' sum times its parent's. */
HS_INTERNAL void hsi_eff_weights(const hsi_meta *m, const double *w, double *eff);
/* Human name of an aggregation method ("geometric mean"). */
HS_INTERNAL const char *hsi_agg_name(hsi_agg_kind k);

/* One aggregation of dataset `in` with the step's methods and the weights `weight`
 * (meta.n) into `out` (steps.c), for the optimiser: values set to NA by `nonpositive = na`
 * are not noted, as the Aggregate step that follows notes them once. */
HS_INTERNAL hs_status hsi_aggregate_pass(const hs_build *b, const hsi_step *sp,
                                         const double *weight, const hsi_dset *in, hsi_dset *out,
                                         hs_error *err);
/* Optimised weights (optweights.c): sets the level's weights in sp->weight and the record in
 * sp->optw from the step's input dataset. */
HS_INTERNAL hs_status hsi_optw_step(hs_build *b, hsi_step *sp, const hsi_dset *in, hs_error *err);
HS_INTERNAL void hsi_optw_free(hs_ctx *ctx, hsi_optw *o);

/* Competition ranks of each column of d within each time slice (rank 1 = highest). */
HS_INTERNAL hs_status hsi_rank_dset(hs_ctx *ctx, const hs_build *b, const hsi_dset *d,
                                    double *ranks, hs_error *err);

/* Write one of a build's tables as the file `path` (beside it, then renamed), refusing the
 * build's own pipeline, structure and data files: csv(rows, n, sink) formats it. */
typedef hs_status (*hsi_rows_csv_fn)(const void *rows, size_t n, const hs_sink *out, hs_error *err);
HS_INTERNAL hs_status hsi_build_write_rows(hs_ctx *ctx, const hs_build *b, const char *path,
                                           hsi_rows_csv_fn csv, const void *rows, size_t n,
                                           hs_error *err);

/* The input files of a build (pipeline, structure, data): an output folder may hold none. */
#define HSI_BUILD_NINPUTS 3
HS_INTERNAL size_t hsi_build_inputs(const hs_build *b, const char *in[HSI_BUILD_NINPUTS]);

#endif
