/*
 * humsec.h - the public interface of the humsec library.
 *
 * humsec builds composite indices (the JRC/OECD way: denominate, screen, impute, treat,
 * normalise, aggregate, audit) from an indicator table, an index structure and a pipeline
 * file a user writes. This header is the only one installed; every type is opaque and every
 * fallible call returns an hs_status and fills an optional hs_error.
 *
 * Memory: each constructor has one destructor, and destructors accept NULL. Inputs are
 * borrowed and not kept after return. Strings returned through `const char *` belong to the
 * object they came from and live as long as it does.
 */
#ifndef HUMSEC_H
#define HUMSEC_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_VERSION "0.1.0"

/** Status codes. The CLI maps each to its exit code (docs/humsec.1.md, "EXIT STATUS"). */
typedef enum hs_status {
    HS_OK = 0,
    HS_ERR_NOMEM,    /**< an allocation failed; nothing was written */
    HS_ERR_IO,       /**< a file could not be opened, read or written */
    HS_ERR_PARSE,    /**< a CSV or pipeline file is malformed (file, line, column given) */
    HS_ERR_SCHEMA,   /**< well-formed input that contradicts itself: unknown or duplicate
                          codes, missing parents, cycles, bad weights */
    HS_ERR_PIPELINE, /**< unknown step, method or parameter, or a bad parameter value */
    HS_ERR_DOMAIN,   /**< a method met values it cannot take (geometric mean of a value <= 0) */
    HS_ERR_USAGE,    /**< the caller asked for something that does not exist (unknown unit) */
    HS_ERR_INTERNAL  /**< a bug in humsec: please report it */
} hs_status;

/** Where and why a call failed. `line` and `col` are 1-based, 0 when not applicable. */
typedef struct hs_error {
    hs_status code;
    char file[512];
    long line;
    long col;
    char msg[1024];
} hs_error;

/** Fixed text for a status code (never NULL, static storage). */
const char *hs_strerror(hs_status code);

/** Write "file:line:col: message" (the parts that are known) into buf of size n. */
void hs_error_format(const hs_error *err, char *buf, size_t n);

/* ---------------------------------------------------------------------------------------
 * Context: allocator and options. One per thread of work; never shared mutably.
 */

/** Allocator: realloc semantics (ptr NULL = malloc, size 0 = free, return NULL on failure). */
typedef void *(*hs_alloc_fn)(void *ud, void *ptr, size_t size);

typedef struct hs_ctx hs_ctx;

/** Process-wide set-up (turns GSL's aborting error handler off). Call once from main. */
void hs_global_init(void);

/** New context using `alloc` (NULL = the C library's). Returns NULL if out of memory. */
hs_ctx *hs_ctx_new(hs_alloc_fn alloc, void *ud);
void hs_ctx_free(hs_ctx *ctx);

/** Progress/log sink: level 0 info, 1 warning. msg is valid only during the call. */
typedef void (*hs_log_fn)(void *ud, int level, const char *msg);
void hs_ctx_set_log(hs_ctx *ctx, hs_log_fn fn, void *ud);

/* ---------------------------------------------------------------------------------------
 * Building an index from a pipeline file.
 */

typedef struct hs_build hs_build;

/**
 * Read the pipeline file at `path` (and the data and structure files it names, relative to
 * the pipeline file's folder), run every step and keep every intermediate dataset.
 * On success *out owns the result: free it with hs_build_free. On failure *out is NULL.
 */
hs_status hs_build_run(hs_ctx *ctx, const char *path, hs_build **out, hs_error *err);
void hs_build_free(hs_build *b);

/** Number of datasets kept (Raw first, then one per step, in pipeline order). */
size_t hs_build_ndsets(const hs_build *b);
/** Name of dataset i ("Raw", "Denominated", "Imputed", "Screened", "Treated", ...). */
const char *hs_build_dset_name(const hs_build *b, size_t i);

/**
 * Write every output into directory `dir` (created if missing): one CSV per dataset,
 * ranks.csv, treated_points.csv and treat_details.csv when a Treat step ran, the audit
 * tables and summary.json. Files are written to temporary names and renamed at the end, so
 * either all outputs appear or none does.
 */
hs_status hs_build_write(hs_ctx *ctx, const hs_build *b, const char *dir, hs_error *err);

/** Print how `unit`'s scores were formed, from raw values to the top, as text. */
hs_status hs_build_explain(const hs_build *b, const char *unit, FILE *fp, hs_error *err);

/* ---------------------------------------------------------------------------------------
 * Sobol' sensitivity estimators (METHODS.md section 4.2), on model outputs already computed.
 * y holds N*(k+2) values stacked as A (N), B (N), A_B^(1) (N), ..., A_B^(k) (N).
 * si, sti: k values each (OUT). vary: OUT, may be NULL.
 */
hs_status hs_sobol_estimate(const double *y, size_t n, size_t k, double *si, double *sti,
                            double *vary, hs_error *err);

/* ---------------------------------------------------------------------------------------
 * Uncertainty and sensitivity analysis (METHODS.md section 4; docs/sensitivity.md).
 */

typedef enum hs_sa_type { HS_SA_UA = 0, HS_SA_SA = 1 } hs_sa_type;
typedef enum hs_sampler { HS_SAMPLER_SOBOL = 0, HS_SAMPLER_RANDOM = 1 } hs_sampler;

/** Progress: `done` of `total` model runs finished. Called from one thread at a time. */
typedef void (*hs_progress_fn)(void *ud, size_t done, size_t total);

/**
 * Fills the rows of Y that other processes computed (MPI): on entry this process has filled
 * rows [lo, hi) of the nruns x ny matrix y; on return every row must be filled, in run order.
 */
typedef hs_status (*hs_gather_fn)(void *ud, double *y, size_t nruns, size_t ny, size_t lo,
                                  size_t hi, hs_error *err);

typedef struct hs_sa_opts {
    hs_sa_type type;     /**< UA: N plain Monte Carlo runs; SA: N (k + 2) Saltelli runs */
    size_t n;            /**< base sample size N (>= 2) */
    unsigned long seed;  /**< seeds the design, the weight noise and the bootstrap */
    int threads;         /**< worker threads; 0 = all cores */
    hs_sampler sampler;  /**< Sobol' quasi-random (default) or pseudo-random points */
    size_t bootstrap;    /**< bootstrap resamples for the Si/STi intervals (default 1000) */
    hs_progress_fn progress;
    void *progress_ud;
    size_t run_lo, run_hi; /**< evaluate only runs [run_lo, run_hi) here (0, 0 = all) */
    hs_gather_fn gather;   /**< with run_lo/run_hi: collects the other rows */
    void *gather_ud;
} hs_sa_opts;

/** Default options: UA, N 1000, seed 1, all cores, Sobol' points, 1000 bootstrap resamples. */
void hs_sa_opts_init(hs_sa_opts *o);

/**
 * A model for the analysis: k uncertain factors, each u_i in [0, 1), give ny outputs; output
 * 0 is the scalar whose variance is decomposed. eval is called concurrently from several
 * threads, each with its own workspace from ws_new (which may be NULL when eval needs none).
 */
typedef struct hs_sa_model {
    size_t k;
    const char *const *names; /**< k factor names */
    size_t ny;
    void *ud;
    void *(*ws_new)(void *ud);
    void (*ws_free)(void *ud, void *ws);
    hs_status (*eval)(void *ud, void *ws, const double *u, double *y, hs_error *err);
} hs_sa_model;

typedef struct hs_sa hs_sa;

/** Draw the design, run the model on every point (threads), keep all outputs. */
hs_status hs_sa_run(hs_ctx *ctx, const hs_sa_model *m, const hs_sa_opts *o, hs_sa **out,
                    hs_error *err);
void hs_sa_free(hs_sa *s);
/** Number of runs and the nruns x ny output matrix (row = run, in design order). */
size_t hs_sa_nruns(const hs_sa *s);
const double *hs_sa_outputs(const hs_sa *s);
/** The design point (k values in [0,1)) of run i. */
const double *hs_sa_point(const hs_sa *s, size_t i);

/** Sobol' indices of output 0 with bootstrap quantiles (SA only). Arrays of k (OUT). */
typedef struct hs_sa_index {
    double si, sti;
    double si_lo, si_hi, sti_lo, sti_hi; /**< 2.5 % and 97.5 % bootstrap quantiles */
    double si_q05, si_q95, sti_q05, sti_q95;
} hs_sa_index;
hs_status hs_sa_indices(const hs_sa *s, size_t n_use, hs_sa_index *idx, double *vary,
                        hs_error *err);

/** Sensitivity of a composite index: pipeline + SPEC file (docs/sensitivity.md). */
typedef struct hs_sensitivity hs_sensitivity;
hs_status hs_sensitivity_run(hs_ctx *ctx, const char *pipeline, const char *spec,
                             const hs_sa_opts *o, hs_sensitivity **out, hs_error *err);
void hs_sensitivity_free(hs_sensitivity *s);
/** Write ua_ranks.csv, sa_indices.csv, sa_convergence.csv, runs.csv and sensitivity.json. */
hs_status hs_sensitivity_write(hs_ctx *ctx, const hs_sensitivity *s, const char *dir,
                               hs_error *err);

#ifdef __cplusplus
}
#endif
#endif
