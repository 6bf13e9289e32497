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
 *
 * Output: a writer of a stream of text (hs_panel_write_csv, hs_alerts_write_csv,
 * hs_build_explain) takes an hs_sink, a callback and its user data, and never a FILE *:
 * a program sends the bytes wherever it likes, hs_membuf_sink gathers them in memory and
 * hs_outfile_sink writes them into a file put in place whole. The writer calls the sink
 * with consecutive pieces, in order, from one thread at a time (which may be a worker of
 * the call rather than the caller's thread); a status other than HS_OK from the sink stops
 * it, and it returns that status with a message naming what it was writing.
 *
 * Options: a struct of options with an _init function (hs_sa_opts, hs_panel_opts, ...)
 * starts with `size_t size`, which _init sets; a call refuses options of another size
 * (HS_ERR_USAGE), so a program built against another version of this header fails clearly.
 * Structs handed over as inputs (hs_build_src, hs_weight_sets, ...) carry their size too.
 *
 * Threads, the one set of rules for every call here:
 *  - hs_global_init is called once, before any other call and before threads start.
 *  - An hs_ctx, and every object made with it (a build, an analysis, a panel, a store,
 *    ...), is used by one thread at a time. Calls on different contexts may run at once.
 *  - A finished object is read-only for its accessors (hs_build_dset_*, hs_sensitivity_*,
 *    hs_panel_get, ...): several threads may read it at once while nobody frees it.
 *  - Calls that take a `threads` option start and join their own worker threads before
 *    they return, and their results do not depend on the number of threads. Their workers
 *    call the context's allocator, which must then be thread-safe (the default one is);
 *    progress and log callbacks are called from one thread at a time.
 *  - The library keeps no global mutable state and installs no signal handlers.
 *  - Exceptions are stated where they apply: an hs_api (humsec_server.h) may be called
 *    from several threads at once.
 */
#ifndef HUMSEC_H
#define HUMSEC_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_VERSION       "0.1.0"
#define HS_VERSION_MAJOR 0 /**< the shared library's soname: libhumsec.so.0 */

/** The version of the library in use ("0.1.0"), which may differ from the HS_VERSION a
 *  program was compiled with. */
const char *hs_version(void);

/** Months are counted as VIEWS counts them: month_id = (year - 1980) * 12 + month, so
 *  1980-01 is 1 (docs/methods.md section 5.2). hs_month_parse reads exactly "YYYY-MM" (four
 *  digits, '-', two digits; years 1900-2999) into *month_id and returns 0, or returns -1 and
 *  leaves *month_id alone. hs_month_format writes a month_id as "YYYY-MM" (8 bytes with the
 *  NUL; out must hold HS_MONTH_LEN). */
#define HS_MONTH_LEN 16
int hs_month_parse(const char *s, int *month_id);
void hs_month_format(int month_id, char out[HS_MONTH_LEN]);

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
 * Context: allocator and options (threads: see the rules at the top of this header).
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
 * Output sinks (see "Output" at the top of this header).
 */

/** Take len (> 0) bytes of output, not NUL-terminated and valid only during the call.
 *  Return HS_OK, or an error status that stops the writer. */
typedef hs_status (*hs_write_fn)(void *ud, const char *buf, size_t len);

/** Where a writer's bytes go. `size` must be sizeof(hs_sink): hs_sink_init sets it. */
typedef struct hs_sink {
    size_t size;
    hs_write_fn write;
    void *ud;
} hs_sink;
/** A sink calling write(ud, ...). */
void hs_sink_init(hs_sink *s, hs_write_fn write, void *ud);

/** A buffer in memory that grows as a sink writes to it. */
typedef struct hs_membuf hs_membuf;
/** New empty buffer; free it with hs_membuf_free. */
hs_status hs_membuf_new(hs_ctx *ctx, hs_membuf **out, hs_error *err);
void hs_membuf_free(hs_membuf *m);
/** A sink appending to m (HS_ERR_NOMEM when m cannot grow); m must outlive its use. */
void hs_membuf_sink(hs_membuf *m, hs_sink *out);
/** The bytes written so far, followed by a NUL (owned by m, valid until the next write), and
 *  their number. */
const char *hs_membuf_data(const hs_membuf *m);
size_t hs_membuf_len(const hs_membuf *m);

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

/** The texts of a build, held in memory (no file is read): the pipeline file's text, whose
 *  `structure = NAME` and `[data] file = NAME` then only name the texts in messages, the
 *  structure CSV and the data CSV. `size` must be sizeof(hs_build_src). */
typedef struct hs_build_src {
    size_t size;
    const char *name; /**< the pipeline's name in messages (NULL: "pipeline") */
    const char *pipeline;
    size_t pipeline_len;
    const char *structure;
    size_t structure_len;
    const char *data;
    size_t data_len;
} hs_build_src;
/** hs_build_run on texts in memory: the same steps, checks and messages (file:line:col of
 *  the named texts). The texts are borrowed only during the call. They are CSV: a pipeline
 *  naming an .xlsx workbook is refused (HS_ERR_USAGE). */
hs_status hs_build_run_mem(hs_ctx *ctx, const hs_build_src *src, hs_build **out, hs_error *err);

/** Number of datasets kept (Raw first, then one per step, in pipeline order). */
size_t hs_build_ndsets(const hs_build *b);
/** Name of dataset i ("Raw", "Denominated", "Imputed", "Screened", "Treated", ...). */
const char *hs_build_dset_name(const hs_build *b, size_t i);

/** Dataset i as a table: rows are units (with a time when the data has one) in the order of
 *  the dataset's file (by unit code, then time), columns are structure nodes (indicators,
 *  then aggregates once aggregated). NULL / 0 for an i out of range. */
size_t hs_build_dset_nrow(const hs_build *b, size_t i);
size_t hs_build_dset_ncol(const hs_build *b, size_t i);
/** Unit code and name (NULL when the data has none) of row r. */
const char *hs_build_dset_unit(const hs_build *b, size_t i, size_t r);
const char *hs_build_dset_unit_name(const hs_build *b, size_t i, size_t r);
/** Time of row r, and whether the data has a time column at all (0: time is meaningless). */
long hs_build_dset_time(const hs_build *b, size_t i, size_t r);
int hs_build_has_time(const hs_build *b);
/** Node code of column c. */
const char *hs_build_dset_col(const hs_build *b, size_t i, size_t c);
/** The values, column-major: v[c * nrow + r]; NaN is missing. Owned by the build. */
const double *hs_build_dset_values(const hs_build *b, size_t i);
/** The ranks of dataset i, laid out as its values (rows hs_build_dset_unit, columns
 *  hs_build_dset_col): out[c * nrow + r] gets row r's competition rank in column c among the
 *  rows of its time (1 = the highest value, ties share the best rank), NaN where the value is
 *  missing. The last dataset's ranks are ranks.csv. out holds nrow x ncol values;
 *  HS_ERR_USAGE for an i out of range. */
hs_status hs_build_ranks(const hs_build *b, size_t i, double *out, hs_error *err);

/**
 * Write every output into directory `dir`: one CSV per dataset, ranks.csv,
 * treated_points.csv and treat_details.csv when a Treat step ran, the audit tables and
 * summary.json. The folder is written beside `dir` and renamed into place, so `dir` holds
 * this build's files or is left as it was. `dir` must be new, empty, or a folder humsec
 * wrote (it holds the marker file .humsec-build), which is then replaced whole; a folder
 * holding the pipeline, structure or data file is refused (HS_ERR_IO).
 */
hs_status hs_build_write(hs_ctx *ctx, const hs_build *b, const char *dir, hs_error *err);

/** The build as one spreadsheet workbook at `path` (.xlsx): a sheet per dataset, named as
 *  the CSV files are, with uCode, uName, Time (when the data has it) and one column per node,
 *  and a sheet Ranks (the last dataset's competition ranks per time). Numbers carry 16
 *  significant digits (the CSV files of hs_build_write every bit); missing values are empty
 *  cells. After Ranks, a sheet per audit table (hs_build_audit), named and laid out as its
 *  CSV file, flags as their words. Written beside the path and renamed, like every output file. */
hs_status hs_build_write_xlsx(hs_ctx *ctx, const hs_build *b, const char *path, hs_error *err);

/** The statistical audit of a build (docs/methods.md section 3.7): the tables hs_build_write
 *  writes as audit_*.csv, as arrays. Each table has a name (its file's name without .csv:
 *  "audit_stats_Raw", "audit_corr_Normalised", "audit_cronbach", "audit_pca_weights",
 *  "audit_pca_variance", "audit_corr_parent"; those a build has, in that order), one or two
 *  label columns of codes ("iCode"; "Group"; "Parent" and "iCode"; ...) and numeric columns
 *  whose values are column-major, v[c * nrow + r], NaN where the CSV has NA. For panel data
 *  the tables describe the latest time. The result does not refer to the build; free it
 *  with hs_audit_free. Strings and values belong to the audit. */
typedef struct hs_audit hs_audit;
/** How a numeric column reads: a real number, a whole count (N.Avail, PC, Level), or a flag:
 *  1 when flagged (the CSV's word, hs_audit_flag_word: "LOW", "OUT"), 0 when "ok". */
typedef enum hs_audit_kind { HS_AUDIT_VALUE = 0, HS_AUDIT_COUNT, HS_AUDIT_FLAG } hs_audit_kind;
hs_status hs_build_audit(hs_ctx *ctx, const hs_build *b, hs_audit **out, hs_error *err);
void hs_audit_free(hs_audit *a);
/** Tables t = 0 .. ntables - 1. Out of range: NULL, 0 or HS_AUDIT_VALUE. */
size_t hs_audit_ntables(const hs_audit *a);
const char *hs_audit_name(const hs_audit *a, size_t t);
size_t hs_audit_nrow(const hs_audit *a, size_t t);
/** Label column k of table t: its name and row r's code. */
size_t hs_audit_nlabel(const hs_audit *a, size_t t);
const char *hs_audit_label_name(const hs_audit *a, size_t t, size_t k);
const char *hs_audit_label(const hs_audit *a, size_t t, size_t k, size_t r);
/** Numeric column c: its name (a node code in a correlation matrix), kind and flag word. */
size_t hs_audit_ncol(const hs_audit *a, size_t t);
const char *hs_audit_col(const hs_audit *a, size_t t, size_t c);
hs_audit_kind hs_audit_col_kind(const hs_audit *a, size_t t, size_t c);
const char *hs_audit_flag_word(const hs_audit *a, size_t t, size_t c);
/** nrow x ncol values, column-major. */
const double *hs_audit_values(const hs_audit *a, size_t t);

/** Write how `unit`'s scores were formed, from raw values to the top, as text to `out`. */
hs_status hs_build_explain(const hs_build *b, const char *unit, const hs_sink *out, hs_error *err);

/** Trend of one unit's indicator (or aggregate) over the times of a panel build
 *  (docs/methods.md section 3.9; COINr get_trends). */
typedef struct hs_trend {
    const char *unit; /**< unit code (owned by the build) */
    const char *code; /**< node code (owned by the build) */
    double cagr;      /**< compound annual growth rate, first to last observed value */
    double slope;     /**< least-squares slope per time unit */
    double avail;     /**< share of the unit's times with a value */
    long t_first;     /**< first and last time with a value, when nobs >= 2 */
    long t_latest;
    size_t nobs; /**< values in the unit's series: cagr and slope need 2 */
    size_t nwin; /**< values in the window (all of them without one) */
} hs_trend;
/** Trends of every unit and column of dataset `dset` ("Raw", ...; NULL: Raw) of a build whose data
 *  has a time. window 0 uses every time; W uses each series' W latest times up to its last
 *  value. *out (free with hs_trends_free) gets *n rows, by unit code then column order.
 *  HS_ERR_USAGE for an unknown dataset or a data without time. */
hs_status hs_build_trends(hs_ctx *ctx, const hs_build *b, const char *dset, size_t window,
                          hs_trend **out, size_t *n, hs_error *err);
void hs_trends_free(hs_ctx *ctx, hs_trend *t);
/** The trends as CSV: uCode, iCode, CAGR, slope, Avail, t_first, t_latest (NA where there
 *  is no value, NaN, Inf and -Inf as computed). */
hs_status hs_trends_write_csv(const hs_trend *t, size_t n, const hs_sink *out, hs_error *err);
/** The same CSV as the file `path`, written beside it and renamed into place; path may not
 *  be the build's pipeline, structure or data file (HS_ERR_IO). */
hs_status hs_trends_write_file(hs_ctx *ctx, const hs_build *b, const hs_trend *t, size_t n,
                               const char *path, hs_error *err);

/** A node's weight in the set the build aggregated with (the structure's when it has no
 *  aggregate step) and its effective weight: its share of the top score, the product down
 *  the tree of each weight over its siblings' sum (docs/methods.md section 3.6). */
typedef struct hs_weight {
    const char *code; /**< indicator or aggregate code (owned by the build) */
    int level;
    double weight;
    double eff; /**< 1 for the top */
} hs_weight;
/** Every indicator and aggregate, in structure-file order. Free with hs_weights_free. */
hs_status hs_build_weights(hs_ctx *ctx, const hs_build *b, hs_weight **out, size_t *n,
                           hs_error *err);
void hs_weights_free(hs_ctx *ctx, hs_weight *w);
/** As CSV: iCode, Level, Weight, EffWeight (COINr get_eff_weights' columns). */
hs_status hs_weights_write_csv(const hs_weight *w, size_t n, const hs_sink *out, hs_error *err);
/** The same CSV as the file `path`, as hs_trends_write_file writes. */
hs_status hs_weights_write_file(hs_ctx *ctx, const hs_build *b, const hs_weight *w, size_t n,
                                const char *path, hs_error *err);

/** Benefit-of-the-doubt aggregation (docs/methods.md section 3.5), what `method = bod`
 *  does in a pipeline: each unit's score under the weights that favour it most, found by a
 *  linear programme (GLPK), in [0, 1]. `size` must be sizeof(hs_bod_opts): hs_bod_opts_init
 *  sets it and the defaults (equal nominal weights, free shares, no dat_thresh). */
typedef struct hs_bod_opts {
    size_t size;
    const double *weights; /**< k nominal weights > 0, or NULL for equal ones */
    double lower, upper;   /**< each child's share of a unit's score kept within [lower, upper]
                                times its nominal share (0 <= lower <= 1 <= upper); 0 and
                                INFINITY leave the weights free */
    double dat_thresh;     /**< a unit with fewer than this share of its k values gets NaN */
} hs_bod_opts;
void hs_bod_opts_init(hs_bod_opts *o);
/** Scores of n units with k values each, x row-major (x[c*k + i]); NaN is missing (a unit
 *  lacking one of c's values is left out of c's benchmark, never read as 0). score: n (OUT);
 *  weights: n*k (OUT; NaN where missing) or NULL. HS_ERR_DOMAIN for a value < 0 or infinite. */
hs_status hs_bod(hs_ctx *ctx, const double *x, size_t n, size_t k, const hs_bod_opts *o,
                 double *score, double *weights, hs_error *err);

/** Optimised weights (docs/methods.md section 3.6; COINr get_opt_weights): the weights of
 *  every node of one level whose importance in the top score, each node's Pearson correlation
 *  with the top over the sum of the level's (COINr's measure; squared: r^2 over the sum of
 *  r^2), matches target shares, found by Nelder-Mead (GSL) with weights kept >= 0.
 *  `size` must be sizeof(hs_optw_opts): hs_optw_opts_init sets it and the defaults (level 2,
 *  equal targets, tol 1e-9, maxiter 5000). */
typedef struct hs_optw_opts {
    size_t size;
    int level;      /**< the level whose weights move (1 to the top's - 1) */
    size_t ntarget; /**< 0: equal targets; else codes/target give nodes their
                         relative targets (nodes not named: 1) */
    const char *const *codes;
    const double *target;
    int squared;  /**< 1: importance r^2 / sum r^2 */
    int negative; /**< 1: weights may turn negative, as in COINr's search */
    double tol;   /**< stop when a start gains less than this (relative) over 50 k steps */
    long maxiter; /**< Nelder-Mead steps per start */
} hs_optw_opts;
void hs_optw_opts_init(hs_optw_opts *o);
/** One node of the level: its optimised weight (normalised over the level, as COINr gives
 *  it), its target share and the importance and correlation with the top achieved. */
typedef struct hs_optw {
    const char *code; /**< owned by the build */
    int level;
    double weight, target, importance, corr;
} hs_optw;
/** Optimise the weights of o->level on a finished build: the index is re-aggregated from
 *  the input of its last [aggregate] with that step's methods and other weights; the build
 *  is not changed. *objective (may be NULL) gets log(mean squared gap). Free with
 *  hs_optw_free. */
hs_status hs_opt_weights(hs_ctx *ctx, const hs_build *b, const hs_optw_opts *o, hs_optw **out,
                         size_t *n, double *objective, hs_error *err);
/** The optimum a build with `weights = optimised(L)` aggregated with (HS_ERR_USAGE for
 *  another build). */
hs_status hs_build_opt_weights(hs_ctx *ctx, const hs_build *b, hs_optw **out, size_t *n,
                               double *objective, hs_error *err);
void hs_optw_free(hs_ctx *ctx, hs_optw *w);
/** As CSV: iCode, Level, Weight, Target, Importance, Corr. */
hs_status hs_optw_write_csv(const hs_optw *w, size_t n, const hs_sink *out, hs_error *err);
/** The same CSV as the file `path`, as hs_weights_write_file writes. */
hs_status hs_optw_write_file(hs_ctx *ctx, const hs_build *b, const hs_optw *w, size_t n,
                             const char *path, hs_error *err);

/* ---------------------------------------------------------------------------------------
 * Output files (docs/humsec.1.md, "OUTPUTS"). A path is written only when nothing is there
 * or a regular file is; a device, FIFO, socket, folder or symbolic link is refused
 * (HS_ERR_IO). The file is written under a temporary name beside it and renamed into place,
 * so the path holds the old file or the whole new one.
 */

/** Write len bytes of data as the file `path`. */
hs_status hs_file_write(hs_ctx *ctx, const char *path, const void *data, size_t len, hs_error *err);

/** A file written as a stream: hs_outfile_open, write through hs_outfile_sink, then
 *  hs_outfile_close with keep = 1 to put it in place (every write error is reported there)
 *  or keep = 0 to drop it. The path may be none of `inputs` (NULL when ninputs is 0). */
typedef struct hs_outfile hs_outfile;
hs_status hs_outfile_open(hs_ctx *ctx, const char *path, const char *const *inputs, size_t ninputs,
                          hs_outfile **out, hs_error *err);
/** A sink writing into f (HS_ERR_IO when a write fails); valid until hs_outfile_close. */
void hs_outfile_sink(hs_outfile *f, hs_sink *out);
/** Frees f (NULL is accepted). */
hs_status hs_outfile_close(hs_outfile *f, int keep, hs_error *err);

/** Make `dir` a folder that several outputs go into (humsec run): created if missing; an
 *  existing folder must be empty or one that this call made (marker file .humsec-run), and
 *  may hold none of `inputs` (files or folders, anywhere below it). */
hs_status hs_output_folder(const char *dir, const char *const *inputs, size_t ninputs,
                           hs_error *err);

/* ---------------------------------------------------------------------------------------
 * Sobol' sensitivity estimators (docs/methods.md section 4.2), on model outputs already computed.
 * y holds N*(k+2) values stacked as A (N), B (N), A_B^(1) (N), ..., A_B^(k) (N).
 * si, sti: k values each (OUT). vary: OUT, may be NULL.
 */
hs_status hs_sobol_estimate(const double *y, size_t n, size_t k, double *si, double *sti,
                            double *vary, hs_error *err);

/* ---------------------------------------------------------------------------------------
 * Uncertainty and sensitivity analysis (docs/methods.md section 4; docs/sensitivity.md).
 */

typedef enum hs_sa_type { HS_SA_UA = 0, HS_SA_SA = 1 } hs_sa_type;
/** Smallest base sample for Sobol' estimates (docs/sensitivity.md): below it the bootstrap
 *  resamples too few rows for an interval to mean anything. */
#define HS_SA_MIN_N 32
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
    size_t size;        /**< sizeof(hs_sa_opts): hs_sa_opts_init sets it */
    hs_sa_type type;    /**< UA: N plain Monte Carlo runs; SA: N (k + 2) Saltelli runs */
    size_t n;           /**< base sample size N (UA >= 2, SA >= HS_SA_MIN_N) */
    unsigned long seed; /**< seeds the design, the weight noise and the bootstrap */
    int threads;        /**< worker threads; 0 = all cores */
    hs_sampler sampler; /**< Sobol' quasi-random (default) or pseudo-random points */
    size_t bootstrap;   /**< bootstrap resamples for the Si/STi intervals (default 1000) */
    hs_progress_fn progress;
    void *progress_ud;
    double progress_secs; /**< a progress line in the log (level 0) every this many seconds
                               of runs or bootstrap (0: every 2 s; < 0: none) */
    int write_runs;       /**< hs_sensitivity_write also writes runs.csv (one row per run) */
    int part, nparts;     /**< evaluate only contiguous slice `part` of `nparts` of the runs
                               here (0, 0 or 0, 1 = all); used by the MPI program */
    hs_gather_fn gather;  /**< with nparts > 1: collects the other slices' rows */
    void *gather_ud;
} hs_sa_opts;

/** Default options: UA, N 1000, seed 1, all cores, Sobol' points, 1000 bootstrap resamples.
 *  Every call that takes an hs_sa_opts refuses one whose size is not sizeof(hs_sa_opts). */
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
/** Weight sets given whole, for a SPEC factor `weights = NAME` (docs/sensitivity.md): every
 *  run takes one of the `nsets` sets, each equally likely, as COINr's list of noisy weights.
 *  A set gives the weights of `ncodes` structure nodes (indicators or aggregates); NaN, or a
 *  node not listed, keeps the pipeline's weight. `size` must be sizeof(hs_weight_sets). */
typedef struct hs_weight_sets {
    size_t size;
    const char *name;         /**< matched against the SPEC's `weights = NAME` */
    size_t nsets;             /**< at least 1 */
    size_t ncodes;            /**< node codes per set */
    const char *const *codes; /**< ncodes structure codes */
    const double *w;          /**< nsets x ncodes, set by set: w[set * ncodes + j], >= 0 */
} hs_weight_sets;

/** An analysis held in memory (no file is read): the build's texts, the SPEC's text and the
 *  weight sets its `weights = NAME` factors name. `size` must be sizeof(hs_sensitivity_src).
 *  Everything is borrowed only during hs_sensitivity_run_mem. */
typedef struct hs_sensitivity_src {
    size_t size;
    const hs_build_src *build;
    const char *spec_name; /**< the SPEC's name in messages (NULL: "spec") */
    const char *spec;
    size_t spec_len;
    const hs_weight_sets *wsets; /**< nwsets tables (NULL when none) */
    size_t nwsets;
} hs_sensitivity_src;
/** hs_sensitivity_run on texts in memory: the same runs, results and messages. */
hs_status hs_sensitivity_run_mem(hs_ctx *ctx, const hs_sensitivity_src *src, const hs_sa_opts *o,
                                 hs_sensitivity **out, hs_error *err);

/** The analysis's results as arrays (what hs_sensitivity_write puts in ua_ranks.csv and
 *  sa_indices.csv). Units are those of the analysed node and time slice. */
size_t hs_sensitivity_nunits(const hs_sensitivity *s);
const char *hs_sensitivity_unit(const hs_sensitivity *s, size_t i);
/** The unit's rank in the build as the pipeline declares it (NaN: not ranked). */
double hs_sensitivity_nominal_rank(const hs_sensitivity *s, size_t i);
/** The 5 %, 50 % and 95 % rank over the runs (type-7 quantiles) into out; NaN when no run
 *  ranked the unit. */
hs_status hs_sensitivity_rank_interval(const hs_sensitivity *s, size_t i, double out[3],
                                       hs_error *err);
/** The unit's score of the analysed node in the nominal build (NaN: missing). */
double hs_sensitivity_nominal_score(const hs_sensitivity *s, size_t i);
/** Number of runs, in design order: N for an uncertainty analysis, N (k + 2) for a Saltelli
 *  design, whose first 2N runs (its A and B samples) are the plain Monte Carlo runs the rank
 *  statistics are taken over. */
size_t hs_sensitivity_nruns(const hs_sensitivity *s);
/** Unit i's rank and score in run r (NaN when the run left it unranked, or for an r or i out
 *  of range): COINr's `Ranks` and `Scores` tables, one column per run. */
double hs_sensitivity_run_rank(const hs_sensitivity *s, size_t r, size_t i);
double hs_sensitivity_run_score(const hs_sensitivity *s, size_t r, size_t i);
/** The SPEC's uncertain factors, in the SPEC's order. */
size_t hs_sensitivity_nfactors(const hs_sensitivity *s);
const char *hs_sensitivity_factor(const hs_sensitivity *s, size_t f);
/** Sobol' first-order and total indices of each factor with their bootstrap quantiles into
 *  idx[0 .. nfactors) (a Saltelli design, HS_SA_SA, only: HS_ERR_USAGE otherwise). */
hs_status hs_sensitivity_sobol(const hs_sensitivity *s, hs_sa_index *idx, hs_error *err);
/** Write ua_ranks.csv, ua_scores.csv (when the runs use several normalisations),
 *  sa_indices.csv, sa_convergence.csv, sensitivity.json, and runs.csv if opts.write_runs. */
hs_status hs_sensitivity_write(hs_ctx *ctx, const hs_sensitivity *s, const char *dir,
                               hs_error *err);

/* ---------------------------------------------------------------------------------------
 * Early warning from conflict events (docs/methods.md section 5; docs/events.md, docs/warning.md).
 * BEGIN events section.
 */

/** Country-code crosswalks (Gleditsch-Ward / numeric ISO -> ISO3), read from a folder that
 *  holds country_code_crosswalk.csv and gw_cow_special_codes_to_iso3.csv (data/geo). */
typedef struct hs_geo hs_geo;
hs_status hs_geo_load(hs_ctx *ctx, const char *dir, hs_geo **out, hs_error *err);
void hs_geo_free(hs_geo *g);
/** ISO3 code of Gleditsch-Ward number gw (static storage of g), or NULL when unknown. */
const char *hs_geo_iso3(const hs_geo *g, long gw);

typedef enum hs_panel_level { HS_PANEL_COUNTRY = 0, HS_PANEL_GRID = 1 } hs_panel_level;

typedef struct hs_panel_opts {
    size_t size; /**< sizeof(hs_panel_opts): hs_panel_opts_init sets it, and calls refuse another */
    hs_panel_level level;
    int from, to;       /**< ViEWS month_id window, inclusive; 0 = the data's first/last */
    int keep_imprecise; /**< grid: keep events with where_prec >= 6 (default 0: drop) */
    int spread;         /**< spread best over the months [date_start, date_end] overlaps,
                             by days, largest remainder (docs/methods.md section 5.2; default 0: the month
                             of date_start). Events are counted in their first month. */
    int threads;        /**< from files: read a large plain file with this many threads, and
                             hs_panel_write_csv formats rows with as many (default 1; at most
                             64); the context's allocator must then be thread-safe */
} hs_panel_opts;

/** Defaults: country level, the data's whole range, grid drops where_prec >= 6. */
void hs_panel_opts_init(hs_panel_opts *o);

/** A zero-filled unit x month panel of event counts and best deaths per violence type. */
typedef struct hs_panel hs_panel;

/** Panel straight from event files, streaming (memory grows with the non-empty unit-months,
 *  not with the file). */
hs_status hs_panel_from_files(hs_ctx *ctx, const char *const *paths, size_t npaths,
                              const hs_geo *geo, const hs_panel_opts *o, hs_panel **out,
                              hs_error *err);
/** Panel of a country-month table (hs_cmtable_read; docs/events.md, "Country-month tables"),
 *  country level. Units: UCDP's shape's ISO3 as Gleditsch-Ward numbers through geo (every
 *  country of the crosswalk, zero where the table has no row), VIEWS's country_id as it is.
 *  Every unit is covered over the table's months (narrowed to o's from/to); a VIEWS
 *  unit-month without a row is missing. The table's count column fills one panel column:
 *  conflict_fatalities_best (all organised violence) the deaths in total (hs_panel_get
 *  gives -1 for each type; hs_panel_write_csv adds a column deaths_total), a typed column
 *  (conflict_state_based_events, ged_sb, ...) its own; every other column is missing (-1),
 *  not zero. o may be NULL. */
struct hs_cmtable; /* hs_cmtable, below ("Country-month tables") */
hs_status hs_panel_from_cmtable(hs_ctx *ctx, const struct hs_cmtable *t, const hs_geo *geo,
                                const hs_panel_opts *o, hs_panel **out, hs_error *err);
void hs_panel_free(hs_panel *p);

/** Units (country GW numbers or PRIO-GRID gids, ascending) and the month_id window. */
size_t hs_panel_nunits(const hs_panel *p);
long hs_panel_unit(const hs_panel *p, size_t i);
int hs_panel_first_month(const hs_panel *p);
int hs_panel_last_month(const hs_panel *p);

/** Coverage of unit i: the months its sources cover, first..last (docs/events.md,
 *  COVERAGE). A file covers its first to last event month, or up to --to; a unit is covered
 *  by the files it has events in. Outside it a unit-month is missing, not zero. */
void hs_panel_coverage(const hs_panel *p, size_t i, int *first, int *last);

/** Values of unit i in month_id m: events[3] and deaths[3] by type (sb, ns, os). OUT.
 *  1 when the month is covered; 0 (and every value -1) when it is missing. */
int hs_panel_get(const hs_panel *p, size_t i, int month_id, long events[3], long deaths[3]);

/** What the rules left out: events (and their deaths) outside the window, and for grid
 *  panels events with where_prec >= 6. Any pointer may be NULL. */
void hs_panel_dropped(const hs_panel *p, size_t *out_window, long *deaths_window, size_t *imprecise,
                      long *deaths_imprecise);

/** Write the panel as CSV to `out` (one row per unit and month, units then months
 *  ascending). */
hs_status hs_panel_write_csv(const hs_panel *p, const hs_sink *out, hs_error *err);

/** Escalation alerts (docs/methods.md section 5.5). */
typedef enum hs_warn_method { HS_WARN_SURPRISE = 0, HS_WARN_CUSUM = 1 } hs_warn_method;

typedef struct hs_warn_opts {
    size_t size; /**< sizeof(hs_warn_opts): hs_warn_opts_init sets it, and calls refuse another */
    hs_warn_method method;
    int measure_events; /**< 0: best deaths (default), 1: event counts */
    int type;           /**< 0 all types (default), 1 sb, 2 ns, 3 os */
    int window;         /**< W baseline months (24) */
    int guard;          /**< g months skipped before t (0) */
    double a0, b0;      /**< Gamma prior shape and rate (0.5, 1) */
    double alpha;       /**< level (0.01) */
    int bh;             /**< Benjamini-Hochberg across units per month (1) */
    double min_size;    /**< minimum observed value; < 0 = 25 countries, 5 cells */
    double cusum_delta; /**< CUSUM: lambda1 = delta * lambda0 (2) */
    double cusum_h;     /**< CUSUM decision interval (5) */
    double cusum_arl0;  /**< > 0: h chosen per baseline rate for this in-control average run
                             length in months (hs_warn_cusum_h); 0: cusum_h (default) */
    int from, to;       /**< months scored (month_id); 0 = every month with a full window */
} hs_warn_opts;

void hs_warn_opts_init(hs_warn_opts *o);

typedef struct hs_alert {
    long unit;
    int month_id;
    double observed, expected, pvalue, qvalue, score; /**< score = -log10 p (CUSUM: C_t) */
    char explanation[256];
} hs_alert;

/** Alerts for every unit and month of the panel. *out (free with hs_alerts_free) holds *n
 *  alerts sorted by month then unit. */
hs_status hs_warn_run(hs_ctx *ctx, const hs_panel *p, const hs_warn_opts *o, hs_alert **out,
                      size_t *n, hs_error *err);
void hs_alerts_free(hs_ctx *ctx, hs_alert *a);
/** Write the alerts as CSV to `out`. */
hs_status hs_alerts_write_csv(const hs_alert *a, size_t n, hs_panel_level level, const hs_sink *out,
                              hs_error *err);

/** How alerts fared (docs/methods.md section 5.5): hits and false alarms among the alerts that can
 * be judged (H months of data after them), target months caught (an alert in the H months before)
 * or missed, precision, recall and the median months from a hit alert to its target month. */
typedef struct hs_warn_skill {
    size_t hits, false_alarms, caught, missed;
    double precision, recall, median_lead;
} hs_warn_skill;
hs_status hs_warn_score(hs_ctx *ctx, const hs_panel *p, const hs_warn_opts *o, const hs_alert *a,
                        size_t n, int horizon, double target, hs_warn_skill *out, hs_error *err);

/** Negative-binomial predictive surprise p_t = P(Y >= y) given the window sum S over W
 *  months and a Gamma(a0, b0) prior (docs/methods.md section 5.5). */
double hs_warn_surprise_p(double y, double S, double W, double a0, double b0);
/** The CUSUM decision interval h whose in-control average run length is arl0 months for
 *  Poisson counts of mean lambda0 and k = (lambda1 - lambda0) / ln(lambda1 / lambda0),
 *  lambda1 = delta * lambda0 (docs/methods.md section 5.5: calibrated by simulating the Poisson
 * baseline). Deterministic: a fixed seed per call. About 20 ms for arl0 = 60. */
hs_status hs_warn_cusum_h(hs_ctx *ctx, double lambda0, double delta, double arl0, double *h,
                          hs_error *err);
/** Benjamini-Hochberg adjusted p-values (q) of n p-values (q: OUT, n values). */
hs_status hs_bh_adjust(hs_ctx *ctx, const double *p, size_t n, double *q, hs_error *err);

/** Forecast metrics (docs/methods.md section 5.4). */
double hs_metric_brier(const double *p, const int *o, size_t n);
double hs_metric_auc_roc(hs_ctx *ctx, const double *p, const int *o, size_t n);
double hs_metric_auc_pr(hs_ctx *ctx, const double *p, const int *o, size_t n);
double hs_metric_mse(const double *yhat, const double *y, size_t n);

/** Scores of a predictive ensemble xs[0..m) against the outcome y (docs/methods.md sections
 *  5.4 and 5.6). xs must be sorted ascending. NaN for an empty ensemble.
 *  CRPS: every member with weight 1/m (not the "fair" form). IGN (log2): 11 count bins, one
 *  pseudo-count in each (p = (members in y's bin + 1) / (m + 11)). Interval score of the
 *  central 1 - alpha interval, its ends the alpha/2 and 1 - alpha/2 quantiles (type 7). */
double hs_metric_crps_ensemble(const double *xs, size_t m, double y);
double hs_metric_ign(const double *xs, size_t m, double y);
double hs_metric_interval_score(const double *xs, size_t m, double y, double alpha);

/** Probabilistic forecasts of monthly counts by analogues (docs/warning.md, "The
 *  probabilistic model"; docs/methods.md section 5.7): for each unit, draws of its count at
 *  each lead, taken from what followed the K unit-months of the whole panel whose recent
 *  months look most like its own, moved to its level, and a share from its own recent
 *  months. The panel y is nunit x nmonth (row-major), counts >= 0, NaN where not known
 *  (never read as zero). `size` must be sizeof(hs_analog_opts): hs_analog_opts_init sets it. */
typedef struct hs_analog_opts {
    size_t size;
    int k;              /**< analogues (default 100; ties with the K-th are kept too) */
    int match_months;   /**< months compared (12) */
    double match_decay; /**< weight of the month k back: match_decay^k (0.75) */
    int level_months;   /**< months of the level, the mean of ln(1 + y) (3) */
    int own_months;     /**< own months drawn from (24) */
    double own_decay;   /**< their weights, own_decay^k (0.9) */
    double own_share;   /**< share of draws from the own months (0.3) */
    /** Optional covariates (docs/warning.md, "Does the index warn?"): cov[(u * nmonth + s)
     *  * ncov + j], known at month s (NaN: unknown); the distance adds cov_weight times
     *  the sum of squared differences of the covariates known on both sides. NULL: none. */
    const double *cov;
    int ncov;
    double cov_weight;
    /** Per-covariate weights (ncov of them, each >= 0), used instead of cov_weight when not
     *  NULL: so covariates of different scales (the HSI's pillars, the neighbours' deaths)
     *  weigh each their own. A covariate of weight 0 is not read. */
    const double *cov_weights;
    int samples;        /**< draws per unit and lead (1000) */
    unsigned long seed; /**< default 1; the draws are bit-identical for any thread count */
    int threads;        /**< default 1 */
} hs_analog_opts;
void hs_analog_opts_init(hs_analog_opts *o);
/** Forecast from month index `origin` (learning only from outcomes at or before it) for
 *  each lead; out[(u * nlead + h) * samples + i] gets draw i (an integer count) of unit u at
 *  leads[h], or NaN for a unit whose last match_months months are not all known or whose
 *  want[u] is 0 (want may be NULL: every unit). */
hs_status hs_analog_forecast(hs_ctx *ctx, const hs_analog_opts *o, const double *y, size_t nunit,
                             size_t nmonth, int origin, const int *leads, size_t nlead,
                             const unsigned char *want, double *out, hs_error *err);

/** Land borders (data/geo/borders.csv, derived from world-countries; data/PROVENANCE.md):
 *  a CSV with the columns iso3 and neighbour_iso3, one row per ordered pair. A code that is
 *  not three capital letters, a country given as its own neighbour or a pair given twice is
 *  an error with file, line and column. Free with hs_borders_free. */
typedef struct hs_borders hs_borders;
hs_status hs_borders_read(hs_ctx *ctx, const char *path, hs_borders **out, hs_error *err);
void hs_borders_free(hs_borders *b);
/** The ordered pairs held. */
size_t hs_borders_count(const hs_borders *b);

/** Neighbours at war (docs/warning.md, "Do neighbours at war warn?"; docs/methods.md section
 *  5.7): covariates of each country-month from the deaths of its bordering countries in the
 *  HS_NBR_MONTHS months to it (the month itself and the ones before, so known at it). */
#define HS_NBR_NCOV   2  /**< covariates per country-month */
#define HS_NBR_MONTHS 3  /**< the window's months */
#define HS_NBR_WAR    25 /**< a neighbour at war: a month of at least this many deaths */
/** For the panel y (nunit x nmonth, NaN where unknown; unit u's ISO3 code units[u], NULL or
 *  "" when it has none), cov[(u * nmonth + s) * HS_NBR_NCOV + j] gets, for j = 0, ln(1 +
 *  the deaths of u's neighbours in months s - 2 .. s) and for j = 1, how many of them had a
 *  month of >= HS_NBR_WAR deaths then. A neighbour counts when it is a unit of the panel
 *  with a known month in the window; one whose window is only partly known makes both
 *  covariates NaN (unknown, never read as zero), as do a unit without a code and the first
 *  two months. A unit with no neighbour counted gets 0 (an island has no war next door). */
hs_status hs_nbr_covariates(hs_ctx *ctx, const hs_borders *b, const char *const *units,
                            size_t nunit, const double *y, size_t nmonth, double *cov,
                            hs_error *err);
/** Which neighbour covariates enter the analogue distance. */
typedef enum hs_nbr_form {
    HS_NBR_SUM = 1,   /**< ln(1 + the neighbours' deaths) */
    HS_NBR_COUNT = 2, /**< the neighbours at war */
    HS_NBR_BOTH = 3
} hs_nbr_form;

/** Country-month tables (docs/events.md, "Country-month tables"): UCDP's shape (iso3,
 *  period or year + event_month; a country-month without a row is zero within the covered
 *  months, every country of the crosswalk a unit) or VIEWS's (country_id, month_id; a
 *  country-month without a row is unknown). Coverage: the file's first to last month, or
 *  from/to (month_id, 0 = the file's) when stated; a row outside them is an error. */
typedef struct hs_cmtable hs_cmtable;
typedef struct hs_cmtable_opts {
    size_t size;        /**< sizeof(hs_cmtable_opts): hs_cmtable_opts_init sets it */
    const char *column; /**< the count; NULL: conflict_fatalities_best, or ged_sb/ged_best_sb */
    int from, to;       /**< stated coverage (month_id), 0 = the file's */
} hs_cmtable_opts;
void hs_cmtable_opts_init(hs_cmtable_opts *o);
/** Read a table; geo (the crosswalk) is needed for UCDP's shape. Free with hs_cmtable_free. */
hs_status hs_cmtable_read(hs_ctx *ctx, const char *path, const hs_geo *geo,
                          const hs_cmtable_opts *o, hs_cmtable **out, hs_error *err);
void hs_cmtable_free(hs_cmtable *t);
size_t hs_cmtable_nunits(const hs_cmtable *t);
const char *hs_cmtable_unit(const hs_cmtable *t, size_t i);
int hs_cmtable_first_month(const hs_cmtable *t);
int hs_cmtable_last_month(const hs_cmtable *t);
/** nunits x (last - first + 1) counts, row-major, NaN where unknown. */
const double *hs_cmtable_values(const hs_cmtable *t);
/** Forecast every unit from `origin` (month_id; 0 = the last covered month) for leads
 *  1..nlead with hs_analog_forecast, and write the draws (samples: month_id, unit, draw,
 *  outcome; VIEWS's layout) and their summary (summary: unit, origin, lead, month,
 *  month_id, q05, q25, q50, q75, q95, p_ge1, p_ge25, p_ge1000, mean_ln1p). Either sink may
 *  be NULL. A unit whose last months are not all known is left out. */
hs_status hs_cmtable_forecast_write(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                                    int origin, int nlead, const hs_sink *samples,
                                    const hs_sink *summary, hs_error *err);

/** One unit's forecast at one lead, summarised from its draws (docs/warning.md). */
typedef struct hs_fc_cell {
    int lead;         /**< 1..nlead; 0: no forecast (the unit's last months not all known) */
    int month_id;     /**< the month forecast */
    double q[5];      /**< quantiles 5, 25, 50, 75, 95 % (type 7), to a tenth of a death */
    double p_ge1;     /**< share of draws >= 1 death */
    double p_ge25;    /**< >= 25 */
    double p_ge1000;  /**< >= 1000 */
    double mean_ln1p; /**< mean of ln(1 + draw) */
} hs_fc_cell;

/** The forecast of every unit of a table from one origin, in memory. */
typedef struct hs_cmforecast {
    int origin;       /**< month_id of the origin (the last month known) */
    int nlead;        /**< leads 1..nlead */
    size_t nunit;     /**< the table's units, in its order (hs_cmtable_unit) */
    size_t samples;   /**< draws per unit and lead */
    hs_fc_cell *cell; /**< nunit x nlead */
    double *draws;    /**< nunit x nlead x samples, in drawing order; NaN: no forecast */
} hs_cmforecast;

/** hs_analog_forecast of every unit of t from `origin` (month_id; 0 = the last covered
 *  month), leads 1..nlead (1..120), with each cell summarised. Free with
 *  hs_cmforecast_free. HS_ERR_DOMAIN when no unit can be forecast. */
hs_status hs_cmtable_forecast(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                              int origin, int nlead, hs_cmforecast **out, hs_error *err);
void hs_cmforecast_free(hs_ctx *ctx, hs_cmforecast *f);
/** Summarise m draws (reordered: sorted ascending on return) into c (lead and month_id
 *  are left to the caller). */
void hs_fc_summarise(double *xs, size_t m, hs_fc_cell *c);
/** P(>= 25 deaths in at least one of the leads 1..months) from the per-lead shares, the
 *  months taken as independent: 1 - prod(1 - p_ge25). NaN when a lead is missing. */
double hs_fc_p25_within(const hs_fc_cell *cells, int months);

/** The terms of the analogue model behind one unit's P(>= 25 within `months` months),
 *  each measured by taking it away and forecasting again (docs/warning.md, "Why a country
 *  is on the watchlist"): the deaths of the last 3 months and of the 9 months before them
 *  set to zero, and the own-history share of the draws set to zero. */
typedef enum hs_fc_term {
    HS_FC_TERM_RECENT = 0,  /**< the last 3 months' deaths */
    HS_FC_TERM_EARLIER = 1, /**< the deaths 4 to 12 months before the origin */
    HS_FC_TERM_OWN = 2,     /**< the draws from the unit's own last months */
    HS_FC_NTERM = 3
} hs_fc_term;
typedef struct hs_fc_explain {
    double p;                    /**< P(>= 25 within months) with every term */
    double contrib[HS_FC_NTERM]; /**< p minus p without the term (may be negative) */
    double deaths[HS_FC_NTERM];  /**< the term's deaths (own: its months at >= 25) */
    double trend;                /**< +1 the last 3 months rising, -1 falling, 0 neither */
} hs_fc_explain;
/** Explain unit u of t at `origin` (0: the last covered month) for the first `months`
 *  leads (1..12) of a forecast of nlead leads made with ao (the same draws as
 *  hs_cmtable_forecast's). HS_ERR_DOMAIN when the unit has no forecast. */
hs_status hs_cmtable_explain(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao, int origin,
                             int nlead, size_t u, int months, hs_fc_explain *out, hs_error *err);

/** Rolling-origin backtest of hs_cmtable_forecast_write's distributions: for each origin
 *  month from..to (month_id; 0 = six years in .. the month before the last), refit from the
 *  months up to the origin and score leads 1, 3, 6 and 12 against the table: CRPS and
 *  Brier at 25 for humsec, conflictology (the 12 months to the origin), no change and the
 *  rolling 12-month mean (as points for CRPS, their share >= 25 for Brier). CSV: lead,
 *  model, n, positives, crps, brier_25.
 *  With onsets (may be NULL): the onset alerts (docs/warning.md): a country below 25 in each
 *  of its last 3 months is alerted when P(>= 25 within 3 months) reaches a threshold
 *  calibrated (best F1) on the 60 origins before `from`; scored on from..to for onsets (6
 *  quiet months to the origin), continuations and all, for humsec and conflictology. CSV:
 *  model, threshold, class, alerts, events, hits, precision, recall, median_lead. */
hs_status hs_cmtable_backtest_write(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                                    int from, int to, const hs_sink *out, const hs_sink *onsets,
                                    hs_error *err);

/** Onset alerts from the forecast (docs/warning.md, "Onset alerts from the forecast"): at
 *  each origin, a unit below 25 deaths in each of its last 3 months is alerted when its
 *  P(>= 25 in at least one of the next 3 months) reaches the threshold (from the draws of
 *  leads 1-3 of hs_analog_forecast, the months taken as independent). The default threshold
 *  is the one with the best F1 over the origins 2010-2014 of the global table. */
#define HS_ONSET_THRESHOLD 0.20
typedef struct hs_onset_opts {
    size_t size;  /**< sizeof(hs_onset_opts): hs_onset_opts_init sets it, calls refuse another */
    int from, to; /**< origins (month_id); 0: the table's last month */
    double threshold; /**< HS_ONSET_THRESHOLD */
} hs_onset_opts;
void hs_onset_opts_init(hs_onset_opts *o);
typedef enum hs_onset_kind {
    HS_ONSET_NEW = 0,         /**< an onset: the 6 months to the origin all known and below 25 */
    HS_ONSET_CONTINUATION = 1 /**< below 25 for 3 months only: war may be pausing */
} hs_onset_kind;
/** One quiet unit at one origin, alerted or not. */
typedef struct hs_onset_row {
    int origin;  /**< month_id of the origin (the last month known) */
    size_t unit; /**< the table's unit (hs_cmtable_unit) */
    hs_onset_kind kind;
    double p;    /**< P(>= 25 within the 3 months after the origin) */
    int alert;   /**< p >= the threshold */
    double last; /**< deaths in the origin month */
    int event;   /**< the month (1-3) 25 was first reached, 0 not reached, -1 not known:
                      the table does not cover the 3 months yet */
} hs_onset_row;
/** Every quiet unit with a forecast at every origin o->from..o->to, by origin then unit. Free
 *  *out with hs_onsets_free. */
hs_status hs_cmtable_onsets(hs_ctx *ctx, const hs_cmtable *t, const hs_analog_opts *ao,
                            const hs_onset_opts *o, hs_onset_row **out, size_t *n, hs_error *err);
void hs_onsets_free(hs_ctx *ctx, hs_onset_row *r);
/** The alerted rows as CSV: origin (YYYY-MM), month_id, unit, kind (onset, continuation),
 *  p_ge25_3m, threshold, last_deaths, outcome ("25 at lead H", "below 25", or empty when
 *  not yet known). */
hs_status hs_onsets_write_csv(const hs_cmtable *t, const hs_onset_row *r, size_t n,
                              double threshold, const hs_sink *out, hs_error *err);
/** How the alerts did where the outcome is known, for onsets ([0]), continuations ([1]) and
 *  both ([2]): events are the rows whose unit reached 25 within 3 months, hits the alerted
 *  ones among them; precision = hits / alerts, recall = hits / events (NaN over 0), the
 *  median of the hits' leads. */
typedef struct hs_onset_skill {
    size_t alerts, events, hits;
    double precision, recall, median_lead;
} hs_onset_skill;
hs_status hs_onsets_score(hs_ctx *ctx, const hs_onset_row *r, size_t n, hs_onset_skill out[3],
                          hs_error *err);

/** The VIEWS 2023/24 prediction challenge (docs/methods.md section 5.6; docs/warning.md):
 *  its windows 2018-2023 (each forecast from October of the year before, leads 3-14), its
 *  191 countries and its benchmarks, scored with CRPS, IGN and MIS. */
typedef struct hs_views_opts {
    size_t size; /**< sizeof(hs_views_opts): hs_views_opts_init sets it, and calls refuse another */
    const char *history; /**< views_cm_ged_1989_2017.csv: country_id, month_id, ged_best_sb */
    const char *actuals; /**< views_cm_actuals_sb_2018_2023.csv: country_id, month_id, ged_sb */
    unsigned long seed;  /**< for the sampled benchmarks (default 1) */
    int samples;         /**< members of a sampled ensemble (default 1000) */
    int threads;         /**< for humsec's model (default 1; the scores do not depend on it) */
    /** Neighbours at war as analogue covariates (hs_nbr_covariates) when nbr_weight > 0:
     *  the land-borders table, the form (hs_nbr_form) and the weight. The countries' ISO3
     *  codes are the history's isoab column. Default: data/geo/borders.csv, HS_NBR_SUM, 0. */
    const char *borders;
    int nbr_form;
    double nbr_weight;
} hs_views_opts;
void hs_views_opts_init(hs_views_opts *o);

typedef struct hs_views_score {
    char model[24]; /**< humsec, zero, last_historical, bootstrap, conflictology */
    int window;     /**< 2018 .. 2023 */
    char metric[8]; /**< crps, ign, mis */
    double value;   /**< mean over the window's country-months */
    size_t n;       /**< country-months scored */
} hs_views_score;

/** Score humsec's model (hs_analog_forecast, default options) and the benchmarks in every
 *  window. *out (free with hs_views_free) gets *n rows, in the
 *  order model, window, metric. Deterministic for a seed. */
hs_status hs_views2023_run(hs_ctx *ctx, const hs_views_opts *o, hs_views_score **out, size_t *n,
                           hs_error *err);
void hs_views_free(hs_ctx *ctx, hs_views_score *s);
/** The rows as CSV: model,window,metric,value,n. */
hs_status hs_views_write_csv(const hs_views_score *s, size_t n, const hs_sink *out, hs_error *err);

/** Forecasts (docs/methods.md section 5.3) and their rolling-origin backtest (5.4);
 * docs/warning.md. */
typedef struct hs_forecast_opts {
    size_t size;      /**< sizeof(hs_forecast_opts): hs_forecast_opts_init sets it, and calls refuse
                         another */
    int type;         /**< target violence type: 1 state-based (default), 0 all */
    double threshold; /**< deaths that make a positive; < 0: 25 countries, 1 cells */
    double lambda;    /**< ridge penalty; < 0 (default): chosen on the training set's
                           last 24 target months from 0.3 .. 100 */
    int test_from, test_to; /**< backtest origins (month_id); 0 = from 6 years in, to the end */
    long holdout;           /**< unit left out of training and the only one scored (0: none) */
} hs_forecast_opts;

void hs_forecast_opts_init(hs_forecast_opts *o);

/** Fit on the whole panel; write per unit and lead (1, 3, 6) the probability of reaching the
 *  threshold and the expected ln(deaths + 1), from the last month, as CSV. */
hs_status hs_forecast_write(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                            const hs_sink *out, hs_error *err);
/** Rolling-origin backtest: Brier, AUC-ROC, AUC-PR and MSE (log scale) per lead for the
 *  model, "no change" and the rolling 12-month mean, as CSV. */
hs_status hs_evaluate_write(hs_ctx *ctx, const hs_panel *p, const hs_forecast_opts *o,
                            const hs_sink *out, hs_error *err);

/* END events section. */

/* ---------------------------------------------------------------------------------------
 * The HTML report (docs/report.md). BEGIN report section.
 */

/** Options of hs_report_html; a NULL pointer or NULL field takes the default. */
typedef struct hs_report_opts {
    size_t size;           /**< sizeof(hs_report_opts): hs_report_opts_init sets it, and
                                hs_report_html refuses another */
    const char *structure; /**< structure CSV; default: the one summary.json names */
    const char *title;     /**< page title; default: the build's title */
    const char *intervals; /**< rank intervals CSV (uCode, q05_rank, median_rank, q95_rank);
                                default: ua_ranks.csv or rank_intervals.csv in the build
                                folder when present, else the page says none were computed */
    int lower_is_better;   /**< the top score is bad when high (a risk index): colours, the
                                profile's "what drives the score" and trends turn round;
                                also set by Direction = -1 on the structure's top row */
    const char *forecasts; /**< a forecast summary (humsec forecast --table -o DIR:
                                DIR/summary.csv): the page gets a watchlist, a map and a
                                table of P(>= 25 deaths in a month within 3 months); NULL:
                                none */
} hs_report_opts;

/** Defaults: every field NULL or 0. */
void hs_report_opts_init(hs_report_opts *o);

/** What hs_report_html wrote. */
typedef struct hs_report_info {
    size_t units_scored; /**< units with a top score in the latest time (table rows) */
    size_t bytes;        /**< size of the page */
} hs_report_info;

/**
 * Write one self-contained HTML page (map, ranking table, country profiles, method and
 * sources; no network needed to open it) to `out_path` from the build folder `build_dir`
 * that hs_build_write filled (summary.json, Aggregated.csv). The page is written under a
 * temporary name and renamed, so a failure leaves an existing file unchanged. `info` (OUT)
 * may be NULL.
 */
hs_status hs_report_html(hs_ctx *ctx, const char *build_dir, const hs_report_opts *opts,
                         const char *out_path, hs_report_info *info, hs_error *err);

/* END report section. */

/* ---------------------------------------------------------------------------------------
 * Human Security Index data (docs/hsi.md). BEGIN hsi section.
 */

/** Options of hs_hsi_data_write; a NULL pointer or zero fields take the defaults. */
typedef struct hs_hsi_data_opts {
    size_t size;           /**< sizeof(hs_hsi_data_opts): hs_hsi_data_opts_init sets it, and
                                hs_hsi_data_write refuses another */
    const char *data_dir;  /**< folder holding the raw sources (hdr/, ucdp_cy/, wdi/, unhcr/,
                                pts/, vdem/, hrps/, freedomhouse/, geo/); default "data" */
    const char *unmatched; /**< CSV of source codes that matched no HDR country; NULL: none */
    int from, to;          /**< years kept; 0: 2005, and the latest year in which at least
                                half of the HDR countries have a value */
} hs_hsi_data_opts;

/** Defaults: every field NULL or 0. */
void hs_hsi_data_opts_init(hs_hsi_data_opts *o);

/** What hs_hsi_data_write did. */
typedef struct hs_hsi_data_info {
    size_t countries; /**< HDR countries with at least one value */
    size_t values;    /**< rows of the long file */
    size_t unmatched; /**< distinct (source, code) pairs that matched no HDR country */
    int from, to;     /**< years written */
} hs_hsi_data_info;

/**
 * Read the raw sources of the Human Security Index, map their country codes (GW, COW, ISO
 * numeric) to ISO3, compute the per-capita rates and write the indicator table in long shape
 * (uCode, uName, Time, iCode, Value; sorted, only non-missing values) to `out_path`, under a
 * temporary name renamed at the end. Codes that matched no HDR country are logged as warnings
 * through ctx and listed in opts->unmatched. `info` (OUT) may be NULL.
 */
hs_status hs_hsi_data_write(hs_ctx *ctx, const hs_hsi_data_opts *opts, const char *out_path,
                            hs_hsi_data_info *info, hs_error *err);

/**
 * The main job's score table of a build: per unit and year the top index and the aggregates
 * one level below it (the HSI's pillars), each with its rank within the year (1 = highest),
 * and rank-interval columns left empty with a note until an uncertainty analysis provides
 * them. Writes CSV to csv_path and JSON to json_path (either may be NULL), each under a
 * temporary name renamed at the end.
 */
hs_status hs_hsi_scores_write(hs_ctx *ctx, const hs_build *b, const char *csv_path,
                              const char *json_path, hs_error *err);

/* END hsi section. */

/* ---------------------------------------------------------------------------------------
 * Analysis of builds (docs/analysis.md; formulas in docs/methods.md section 6).
 * BEGIN analysis section.
 */

/** One unit's value of one structure node in two builds (COINr compare_coins). */
typedef struct hs_compare_row {
    const char *icode; /**< the node's code */
    int level;         /**< its level in the first build's structure (1 = indicator) */
    const char *ucode; /**< the unit's code */
    long time;         /**< its time when the builds have one, else 0 */
    double score[2];   /**< the value in each build's last dataset; NaN: missing or absent */
    double rank[2];    /**< competition rank within the time slice (1 = highest); NaN */
} hs_compare_row;
typedef struct hs_compare hs_compare;
/** Compare the last datasets of builds a and b: every node in both, every unit in either
 *  (matched by code and time), scores and ranks side by side. Both builds must have a time
 *  column or neither. The result does not refer to a or b, which may be freed. */
hs_status hs_compare_builds(hs_ctx *ctx, const hs_build *a, const hs_build *b, hs_compare **out,
                            hs_error *err);
void hs_compare_free(hs_compare *c);
/** The rows, node by node (the first build's column order), units by code then time. */
size_t hs_compare_nrows(const hs_compare *c);
const hs_compare_row *hs_compare_row_at(const hs_compare *c, size_t i);
/** Write compare_ranks.csv, compare_scores.csv and compare_summary.csv into the folder dir,
 *  whole or not at all (as hs_build_write; dir may hold neither build's input files). */
hs_status hs_compare_write(hs_ctx *ctx, const hs_compare *c, const char *dir, hs_error *err);
/** compare_summary.csv (one row per node: units compared, mean and largest rank change,
 *  units that moved, mean absolute score change) to fp. */
hs_status hs_compare_summary_csv(const hs_compare *c, const hs_sink *out, hs_error *err);

/** A build taken apart: the target node's scores and ranks with each element of one level
 *  removed in turn (COINr remove_elements). */
typedef struct hs_whatif hs_whatif;
/** Rebuild b once per structure node of `level` (in structure-file order), with that node's
 *  weight set to 0, and keep the scores and ranks of `target` (an aggregate above that
 *  level; NULL: the index). b must end with its aggregation step. */
hs_status hs_whatif_remove(hs_ctx *ctx, const hs_build *b, int level, const char *target,
                           hs_whatif **out, hs_error *err);
void hs_whatif_free(hs_whatif *w);
/** The target's code, and the removed nodes' codes in order. */
const char *hs_whatif_target(const hs_whatif *w);
size_t hs_whatif_nremoved(const hs_whatif *w);
const char *hs_whatif_removed(const hs_whatif *w, size_t j);
/** Rows: the units (and times) of the build's last dataset. */
size_t hs_whatif_nrows(const hs_whatif *w);
const char *hs_whatif_unit(const hs_whatif *w, size_t r);
long hs_whatif_time(const hs_whatif *w, size_t r);
/** Column j = 0 is the build as it is ("Nominal"), j = 1 .. nremoved the build without
 *  removed node j - 1. Score and rank (1 = highest within the time slice) of row r; NaN for
 *  a missing score or a j or r out of range. */
double hs_whatif_score(const hs_whatif *w, size_t j, size_t r);
double hs_whatif_rank(const hs_whatif *w, size_t j, size_t r);
/** Mean over the rows of |rank(Nominal) - rank(column j)| (rows where both are ranked). */
double hs_whatif_mean_abs_diff(const hs_whatif *w, size_t j);
/** Write whatif_scores.csv, whatif_ranks.csv, whatif_rankdiffs.csv and
 *  whatif_mean_abs_diff.csv into the folder dir, whole or not at all. */
hs_status hs_whatif_write(hs_ctx *ctx, const hs_whatif *w, const char *dir, hs_error *err);
/** whatif_mean_abs_diff.csv to fp. */
hs_status hs_whatif_summary_csv(const hs_whatif *w, const hs_sink *out, hs_error *err);

/** Options of hs_corr_run: which correlations are flagged (COINr get_corr_flags and
 *  get_denom_corr; docs/analysis.md). `size` is set by hs_corr_opts_init. */
typedef struct hs_corr_opts {
    size_t size;
    const char *dset;       /**< dataset of the flags (NULL: Normalised, else the last) */
    double thresh;          /**< flag correlations above it (0.9), or below it when low */
    int low;                /**< 0: flag r > thresh; 1: flag r < thresh */
    int level;              /**< level of the nodes correlated with each other (1) */
    int group_level;        /**< pairs must share their ancestor at this level (0: level+1) */
    const char *denom_dset; /**< dataset of the denominator check (NULL: Raw) */
    double denom_thresh;    /**< flag indicator-denominator pairs with |r| > it (0.6) */
} hs_corr_opts;
void hs_corr_opts_init(hs_corr_opts *o);
/** A flagged pair: two nodes of one group (group, a, b), or an indicator and a denominator
 *  (group NULL, a the indicator, b the denominator); r is Pearson's correlation over the
 *  units where both have a value (the latest time slice of panel data). */
typedef struct hs_corr_pair {
    const char *group, *a, *b;
    double r;
} hs_corr_pair;
typedef struct hs_corr hs_corr;
/** The flagged pairs of build b. opts NULL: the defaults. */
hs_status hs_corr_run(hs_ctx *ctx, const hs_build *b, const hs_corr_opts *opts, hs_corr **out,
                      hs_error *err);
void hs_corr_free(hs_corr *c);
/** Pairs of one group above (or below, low) the threshold: by group, then in structure order. */
size_t hs_corr_nflags(const hs_corr *c);
const hs_corr_pair *hs_corr_flag_at(const hs_corr *c, size_t i);
/** Indicator-denominator pairs with |r| above the threshold: by indicator code. */
size_t hs_corr_ndenom(const hs_corr *c);
const hs_corr_pair *hs_corr_denom_at(const hs_corr *c, size_t i);
/** Write corr_flags.csv and denom_corr.csv into the folder dir, whole or not at all. */
hs_status hs_corr_write(hs_ctx *ctx, const hs_corr *c, const char *dir, hs_error *err);
/** corr_flags.csv (denom 0) or denom_corr.csv (denom 1) to fp. */
hs_status hs_corr_print_csv(const hs_corr *c, int denom, const hs_sink *out, hs_error *err);

/* END analysis section. */

/* The event store, its runs and partners: humsec_store.h. The HTTP API and server:
 * humsec_server.h. */

#ifdef __cplusplus
}
#endif
#endif
