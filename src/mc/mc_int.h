/*
 * mc_int.h - internals of the uncertainty and sensitivity module (src/mc/): the result of a
 * run (sa.c), the SPEC file (spec.c) and the composite-index model (index_model.c).
 */
#ifndef HS_MC_INT_H
#define HS_MC_INT_H

#include "../index/engine_int.h"

struct hs_sa {
    hs_ctx *ctx;
    hs_sa_type type;
    size_t n, k, ny, nruns;
    unsigned long seed;
    size_t bootstrap;
    double progress_secs; /* seconds between progress lines (< 0: none) */
    double *x;            /* nruns x k design points */
    double *y;            /* nruns x ny outputs */
};

/* ---- SPEC file ---------------------------------------------------------------------- */

typedef enum hsi_factor_kind {
    HSI_FACTOR_DISCRETE = 0, /* a pipeline parameter taking one of m alternatives */
    HSI_FACTOR_RANGE,        /* a numeric pipeline parameter drawn uniformly in [lo, hi] */
    HSI_FACTOR_WEIGHTS,      /* multiplicative noise on the weights of some levels */
    HSI_FACTOR_EXCLUDE       /* leave out one of m indicators (or none) */
} hsi_factor_kind;

typedef struct hsi_factor {
    char *name;
    hsi_factor_kind kind;
    char *step; /* section kind in the pipeline (discrete, range) */
    char *key;
    size_t nalt;
    char **alt;          /* discrete: values; exclude: indicator codes or "none" */
    double lo, hi;       /* range */
    double *level_noise; /* weights: noise factor per level (index = level), 0 = none */
    size_t nsets;        /* weights: pre-drawn noisy weight sets, or the given sets */
    char *wsets;         /* weights given whole: the CSV (relative to the SPEC) or, in
                            memory, the name of the caller's hs_weight_sets; else NULL */
    long wline, wcol;    /* where `weights = ...` stands */
    long line;
} hsi_factor;

typedef struct hsi_spec {
    char *file;
    char *target; /* node whose ranks are analysed (default: the top of the tree) */
    long time;    /* time slice (default: the latest) */
    size_t nfactor;
    hsi_factor *f;
} hsi_spec;

HS_INTERNAL hs_status hsi_spec_read(hs_ctx *ctx, const char *path, hsi_spec *s, hs_error *err);
/* The same from text in memory; path names it in messages. */
HS_INTERNAL hs_status hsi_spec_parse(hs_ctx *ctx, const char *text, size_t len, const char *path,
                                     hsi_spec *s, hs_error *err);
HS_INTERNAL void hsi_spec_free(hs_ctx *ctx, hsi_spec *s);

/* The index model (index_model.c) and its results. */
struct hs_sensitivity {
    hs_ctx *ctx;
    hs_build *base;
    hsi_ini ini;
    hsi_spec spec;
    char *pipeline;
    long target; /* node */
    long time;
    size_t nunit;
    size_t *unit_row; /* unit-table rows of the target time slice */
    double *nom_score, *nom_rank;
    int fast;
    size_t ncombo;
    size_t *stride; /* per factor (discrete only) */
    hsi_pipeline *combo_pl;
    size_t npre;              /* distinct datasets entering the aggregation: combinations of the
                                 discrete factors on steps before [aggregate] */
    size_t *pre_of;           /* per combo: index into pre */
    hsi_dset *pre;            /* per npre: dataset entering the aggregation */
    long *rowmap;             /* per npre x nunit: row in pre, or -1 */
    long *excl_node;          /* per factor x alternative: node to exclude or -1 */
    double *noise;            /* per weights factor: nsets x meta.n multipliers */
    size_t *noise_off;        /* per factor: offset into noise */
    int wsets_mem;            /* `weights = NAME` names the caller's tables, not a CSV */
    double **wset;            /* per factor: given weight sets, nsets x meta.n, NaN where a
                                 set leaves a node's weight nominal; NULL for other factors */
    unsigned char *combo_bad; /* per combo: 1 when the index is undefined for it (found by
                                 aggregating every combination once before the runs) */
    size_t nbad;              /* combinations marked in combo_bad */
    char bad_first[768];      /* the first one's choices and the reason */
    size_t nskipped;          /* runs skipped because the index is undefined for them */
    size_t maxchild;
    const char **names;
    hs_sa *sa;
    hs_sa_opts opts;
};

/* "F1 = a, F2 = b" for the discrete factors of combination c (fast path) into b. */
HS_INTERNAL void hsi_sensitivity_combo_label(const hs_sensitivity *s, size_t c, hsi_buf *b);

/* The weight sets of every `weights = ...` factor (wsets.c): the caller's tables when the
 * analysis runs in memory (s->wsets_mem), else the CSV files the SPEC names, relative to it.
 * Sets each such factor's nsets and s->wset[f]. */
HS_INTERNAL hs_status hsi_wsets_load(hs_sensitivity *s, const hs_weight_sets *given, size_t ngiven,
                                     hs_error *err);

/* The 5 %, 50 % and 95 % rank (type-7 quantiles over the plain Monte Carlo runs) of unit i of
 * the analysed time slice (s->unit_row[i]) into out; NaN when no run ranked it. */
HS_INTERNAL hs_status hsi_sensitivity_rank_interval(const hs_sensitivity *s, size_t i,
                                                    double out[3], hs_error *err);

#endif
