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

#ifdef __cplusplus
}
#endif
#endif
