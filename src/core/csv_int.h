/*
 * csv_int.h - strict RFC 4180 CSV reader with positions for error messages.
 *
 * Accepts a UTF-8 byte-order mark, LF or CRLF line ends, quoted fields with "" escapes and
 * newlines inside quotes. Rejects ragged rows, unterminated quotes, text after a closing
 * quote, a quote inside an unquoted field, NUL bytes and an empty file, each with file, line
 * and column. Blank lines are skipped.
 */
#ifndef HS_CSV_INT_H
#define HS_CSV_INT_H

#include "core_int.h"

/* The longest line (record) any text reader accepts, in bytes: far beyond any real row, so a
 * longer one means a binary file, a missing line end or an unbalanced quote, and an endless
 * stream fails after this much instead of filling memory. */
#define HSI_MAX_LINE ((size_t)1 << 20)

typedef struct hsi_csv {
    size_t nrow; /* data rows, header excluded */
    size_t ncol; /* fields per row (= header fields) */
    char **head; /* ncol header names */
    char **cell; /* nrow*ncol, row-major; never NULL */
    long *line;  /* nrow: 1-based line where each data row starts */
    long *col;   /* nrow*ncol: 1-based column (byte) where each cell starts */
    long head_line;
    char *file; /* for messages */
    int book;   /* read from a workbook's sheet: line[] holds its rows */
    hs_ctx *ctx;
    char *mem; /* backing store of all strings */
} hsi_csv;

/** Parse text[0..len) (need not be NUL-terminated). fname is used in messages. */
HS_INTERNAL hs_status hsi_csv_parse(hs_ctx *ctx, const char *text, size_t len, const char *fname,
                                    hsi_csv *out, hs_error *err);
/** Read a whole text file into memory (NUL-terminated): a NUL byte (a binary file; the first
 * 64 KiB are read alone, so a device such as /dev/zero fails at once), gzip-compressed bytes or
 * a line longer than HSI_MAX_LINE are errors with file, line and column. */
HS_INTERNAL hs_status hsi_read_text(hs_ctx *ctx, const char *path, char **out, size_t *len,
                                    hs_error *err);
/** Read and parse a file (hsi_read_text, then hsi_csv_parse). */
HS_INTERNAL hs_status hsi_csv_read(hs_ctx *ctx, const char *path, hsi_csv *out, hs_error *err);
HS_INTERNAL void hsi_csv_free(hsi_csv *c);

/** Index of the header column named `name`, or -1. */
HS_INTERNAL long hsi_csv_find(const hsi_csv *c, const char *name);

static inline const char *hsi_csv_get(const hsi_csv *c, size_t r, size_t j)
{
    return c->cell[r * c->ncol + j];
}

#endif
