/*
 * core_int.h - what every module shares: the context, allocation through it, error helpers,
 * growable buffers. Never installed.
 */
#ifndef HS_CORE_INT_H
#define HS_CORE_INT_H

#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include "humsec.h"

#if defined(__GNUC__) && !defined(HS_SINGLE_FILE)
#define HS_INTERNAL __attribute__((visibility("hidden")))
#else
#define HS_INTERNAL
#endif

#if defined(__GNUC__)
#define HS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HS_PRINTF(a, b)
#endif

struct hs_ctx {
    hs_alloc_fn alloc;
    void *alloc_ud;
    hs_log_fn log;
    void *log_ud;
};

/* Allocation through the context (ctx may be NULL: the C library is used). All return NULL
 * on failure; hsi_free accepts NULL. */
HS_INTERNAL void *hsi_malloc(hs_ctx *ctx, size_t size);
HS_INTERNAL void *hsi_calloc(hs_ctx *ctx, size_t n, size_t size);
HS_INTERNAL void *hsi_realloc(hs_ctx *ctx, void *p, size_t size);
HS_INTERNAL void hsi_free(hs_ctx *ctx, void *p);
/* hsi_free on each of the n blocks of p (NULL ones are skipped, as hsi_free does). */
HS_INTERNAL void hsi_free_list(hs_ctx *ctx, void *const *p, size_t n);
/* hsi_free on each argument: the blocks a struct owns, freed in one statement. */
#define hsi_free_all(ctx, ...)                                                                     \
    hsi_free_list((ctx), (void *const[]){__VA_ARGS__},                                             \
                  sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))
HS_INTERNAL char *hsi_strdup(hs_ctx *ctx, const char *s);
HS_INTERNAL char *hsi_strndup(hs_ctx *ctx, const char *s, size_t n);

/* Fill err (may be NULL) and return code. file may be NULL; line/col 0 = unknown. */
HS_INTERNAL hs_status hsi_err(hs_error *err, hs_status code, const char *file, long line, long col,
                              const char *fmt, ...) HS_PRINTF(6, 7);
/* Fill err with "out of memory" and return HS_ERR_NOMEM (inline, so callers and static
 * analysis see that it never returns HS_OK). */
HS_INTERNAL void hsi_err_set_nomem(hs_error *err);
static inline hs_status hsi_err_nomem(hs_error *err)
{
    hsi_err_set_nomem(err);
    return HS_ERR_NOMEM;
}

/* Seconds on a monotonic clock (for durations and progress, never for results). */
HS_INTERNAL double hsi_now(void);

/* Logging through the context: level 0 info, 1 warning. */
HS_INTERNAL void hsi_log(const hs_ctx *ctx, int level, const char *fmt, ...) HS_PRINTF(3, 4);

/* Growable byte buffer (for building text). On allocation failure `oom` is set and
 * further appends are ignored, so callers check once at the end. */
typedef struct hsi_buf {
    hs_ctx *ctx;
    char *s;
    size_t len, cap;
    int oom;
} hsi_buf;

HS_INTERNAL void hsi_buf_init(hsi_buf *b, hs_ctx *ctx);
HS_INTERNAL void hsi_buf_free(hsi_buf *b);
/* b's string, now the caller's to free; NULL (b freed) when b ran out of memory. */
HS_INTERNAL char *hsi_buf_take(hsi_buf *b);
HS_INTERNAL void hsi_buf_add(hsi_buf *b, const char *s, size_t n);
HS_INTERNAL void hsi_buf_puts(hsi_buf *b, const char *s);
HS_INTERNAL void hsi_buf_printf(hsi_buf *b, const char *fmt, ...) HS_PRINTF(2, 3);
/* Append a double as hsi_fmt_double writes it. */
HS_INTERNAL void hsi_buf_num(hsi_buf *b, double v);
/* The shortest of %.15g, %.16g and %.17g that strtod reads back bit-identical ("62.9", not
 * "62.899999999999999"); "NA" for NaN, "Inf"/"-Inf" for infinities. Returns buf. */
HS_INTERNAL char *hsi_fmt_double(char buf[32], double v);
/* 1 if a and b are the same double bit for bit (so -0 differs from 0, NaN may equal NaN). */
HS_INTERNAL int hsi_same_bits(double a, double b);
/* qsort comparison of longs, ascending. */
HS_INTERNAL int hsi_long_cmp(const void *a, const void *b);

/* What messages call a place in a table: a row of a workbook's sheet (book nonzero), a line
 * of a text file. */
static inline const char *hsi_lineword(int book)
{
    return book ? "row" : "line";
}

/* 1 if s is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
HS_INTERNAL int hsi_utf8_valid(const char *s);
/* Make *s valid UTF-8: unchanged if it is, otherwise read as Latin-1 (ISO 8859-1) and
 * replaced by its UTF-8 form (*s freed through ctx). 0 = was valid, 1 = converted, -1 = out
 * of memory (*s untouched). Every text that reaches JSON or HTML goes through this where
 * it is read, so writers never see other bytes. */
HS_INTERNAL int hsi_utf8_fix(hs_ctx *ctx, char **s);
/* Append s as a CSV field, quoted (RFC 4180), or NA if s is NULL. */
HS_INTERNAL void hsi_buf_csv_str(hsi_buf *b, const char *s);
/* Append s as a JSON string (with quotes). */
HS_INTERNAL void hsi_buf_json_str(hsi_buf *b, const char *s);
/* hsi_buf_json_str that also writes newlines as \n and <, > and & as \u escapes, so that
 * the string can stand inside an HTML <script> element. */
HS_INTERNAL void hsi_buf_json_str_html(hsi_buf *b, const char *s);

/* ---- output sinks (sink.c) ---- */

/* HS_OK if s is a sink set with hs_sink_init; HS_ERR_USAGE otherwise. */
HS_INTERNAL hs_status hsi_sink_check(const hs_sink *s, hs_error *err);
/* Hand b's bytes to s and empty b. HS_ERR_NOMEM when b ran out of memory; a failing sink's
 * status with "cannot write the <what>". Writers append to an hsi_buf and flush it whenever
 * it holds HSI_SINK_CHUNK bytes or more, and at the end. */
#define HSI_SINK_CHUNK 65536
HS_INTERNAL hs_status hsi_sink_flush(const hs_sink *s, hsi_buf *b, hs_error *err, const char *what);
/* Appends the CSV line of one row (an element of the array given to hsi_sink_rows); ud is
 * the writer's own context. A row that is not written appends nothing. */
typedef void (*hsi_row_fn)(hsi_buf *b, const void *row, const void *ud);
/* A CSV table to s: the header line, then row() for each of the n elements of size bytes
 * at rows, flushed as hsi_sink_flush says; what names the table in messages. */
HS_INTERNAL hs_status hsi_sink_rows(const hs_sink *s, const char *what, const char *header,
                                    const void *rows, size_t n, size_t size, hsi_row_fn row,
                                    const void *ud, hs_error *err);
/* A stdio stream over a sink, for the writers whose lines are printed with fprintf: what
 * goes into fp reaches the sink as stdio's buffer fills and at close. A NULL sink gives fp
 * NULL (nothing to write). Close returns st when it is an error, else the sink's failure
 * as "cannot write the <what>". */
typedef struct hsi_sinkfile {
    FILE *fp;
    const hs_sink *s;
    hs_status st;
} hsi_sinkfile;
HS_INTERNAL hs_status hsi_sinkfile_open(hsi_sinkfile *f, const hs_sink *s, hs_error *err);
HS_INTERNAL hs_status hsi_sinkfile_close(hsi_sinkfile *f, hs_status st, hs_error *err,
                                         const char *what);

/* Narrow [*a, *z) past the blanks (spaces, tabs) at both ends: one item of a list value. */
HS_INTERNAL void hsi_trim_blanks(const char **a, const char **z);
/* Parse a whole string as a finite double (leading/trailing blanks allowed). 0 on success. */
HS_INTERNAL int hsi_parse_double(const char *s, double *out);
/* Parse a whole string as a long. 0 on success. */
HS_INTERNAL int hsi_parse_long(const char *s, long *out);

/* Read a whole file into memory (NUL-terminated). */
/* `rel` read as relative to the folder of the file `beside` (absolute paths kept, as is rel
 * when `beside` has no folder). Owned by the caller; NULL when out of memory. */
HS_INTERNAL char *hsi_path_beside(hs_ctx *ctx, const char *beside, const char *rel);

HS_INTERNAL hs_status hsi_read_file(hs_ctx *ctx, const char *path, char **out, size_t *len,
                                    hs_error *err);

/* ---- outputs (outpath.c): where humsec may write, and how (docs/humsec.1.md, OUTPUTS) ---- */

/* The marker file of a folder humsec wrote whole (a build, an analysis), which the next
 * output to that folder replaces whole; and of the folder `humsec run` writes into. */
#define HSI_OUT_MARKER     ".humsec-build"
#define HSI_OUT_RUN_MARKER ".humsec-run"

/* 0 (HS_OK) if `path` may be written as a file: nothing is there, or a regular file that is
 * none of `inputs` (same file, by device and inode). A device, FIFO, socket, folder or
 * symbolic link is refused. inputs may be NULL (ninputs 0); NULL entries are skipped. */
HS_INTERNAL hs_status hsi_out_file_check(const char *path, const char *const *inputs,
                                         size_t ninputs, hs_error *err);

/* A file written to a new temporary file beside its path and renamed into place at commit:
 * the path holds the old file or the whole new one, never a part. */
typedef struct hsi_outfile {
    hs_ctx *ctx;
    char *path, *tmp;
    FILE *fp; /* write here */
} hsi_outfile;
/* Check the path (hsi_out_file_check) and open the temporary file. */
HS_INTERNAL hs_status hsi_outfile_open(hs_ctx *ctx, hsi_outfile *f, const char *path,
                                       const char *const *inputs, size_t ninputs, hs_error *err);
/* Flush and close (every write error is caught here), rename into place; frees f. */
HS_INTERNAL hs_status hsi_outfile_commit(hsi_outfile *f, hs_error *err);
/* Close and remove the temporary file; frees f (any state, also zeroed). */
HS_INTERNAL void hsi_outfile_abort(hsi_outfile *f);
/* The whole of data as the file `path`, in one call (open, write, commit). */
HS_INTERNAL hs_status hsi_out_file_write(hs_ctx *ctx, const char *path, const char *const *inputs,
                                         size_t ninputs, const void *data, size_t len,
                                         hs_error *err);

/* A folder of outputs, written into a new sibling folder `tmp` and swapped into place at
 * commit (with the marker file), so that it holds one run's files or is left as it was.
 * Begin refuses a path that is not a folder, a symbolic link, a folder holding one of
 * `inputs` (anywhere below it), and a non-empty folder without the marker or with anything
 * but regular files in it. */
typedef struct hsi_outdir {
    hs_ctx *ctx;
    char *dir;   /* the final path (resolved when the folder exists) */
    char *shown; /* the path as given, for messages */
    char *tmp;   /* the folder being written: put the files here */
    int exists;
} hsi_outdir;
HS_INTERNAL hs_status hsi_outdir_begin(hs_ctx *ctx, hsi_outdir *o, const char *dir,
                                       const char *const *inputs, size_t ninputs, hs_error *err);
/* Write the marker and put the folder in place; the previous folder's files are removed. */
HS_INTERNAL hs_status hsi_outdir_commit(hsi_outdir *o, hs_error *err);
/* Remove the new folder if not committed; frees o (any state, also zeroed). */
HS_INTERNAL void hsi_outdir_abort(hsi_outdir *o);

/* outset.c: the files of one all-or-nothing output folder. */
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
/* A folder other outputs go into (created if missing, marked with HSI_OUT_RUN_MARKER): it
 * must be new, empty or marked, and hold none of `inputs`. */
HS_INTERNAL hs_status hsi_out_container(const char *dir, const char *const *inputs, size_t ninputs,
                                        hs_error *err);

/* Options whose size is not the library's: a struct from another version of the header, or
 * one not set with its _init function. The error names the type; HS_ERR_USAGE (inline, so
 * static analysis sees that it never returns HS_OK). */
#define HSI_OPTS_OK(o) ((o)->size == sizeof *(o))
static inline hs_status hsi_err_opts(hs_error *err, const char *type)
{
    hsi_err(err, HS_ERR_USAGE, NULL, 0, 0, "the %s given are not sizeof(%s): set them with %s_init",
            type, type, type);
    return HS_ERR_USAGE;
}

#endif
