/*
 * xlsx_read.c - one sheet of an .xlsx workbook as a table (see xlsx_int.h). The zip part is
 * Debian's libzip and the XML part Debian's expat; what is written here is the small
 * SpreadsheetML mapping (workbook -> relationships -> sheet, shared strings, cell types) and
 * the error messages naming workbook, sheet and cell.
 */
#include "xlsx_int.h"

#include <errno.h>
#include <expat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

/* Excel's own limits: a reference beyond them is a broken workbook, not a bigger sheet. */
#define XL_MAX_ROW 1048576L
#define XL_MAX_COL 16384L
#define XL_CHUNK   65536

/* ---- cell references ------------------------------------------------------------------ */

/* "C7" for row 7, column 3 (buf of 32). */
static void xl_ref(char *buf, long row, long col)
{
    char letters[4];
    int n = 0;
    for (long c = col; c > 0 && n < 3; c = (c - 1) / 26)
        letters[n++] = (char)('A' + (c - 1) % 26);
    int k = 0;
    while (n > 0)
        buf[k++] = letters[--n];
    snprintf(buf + k, (size_t)(32 - k), "%ld", row);
}

/* Parse "C7" (either part may be absent: 0). -1 on a malformed or out-of-range reference. */
static int xl_parse_ref(const char *s, long *row, long *col)
{
    long c = 0, r = 0;
    *row = *col = 0;
    for (; *s >= 'A' && *s <= 'Z'; s++) {
        c = c * 26 + (*s - 'A' + 1);
        if (c > XL_MAX_COL) return -1;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        r = r * 10 + (*s - '0');
        if (r > XL_MAX_ROW) return -1;
    }
    if (*s) return -1;
    *row = r;
    *col = c;
    return 0;
}

void hsi_xlsx_err_cell(hs_error *err, const char *label)
{
    if (!err || !label || err->line <= 0 || strcmp(err->file, label) != 0) return;
    char ref[48];
    if (err->col > 0 && err->col <= XL_MAX_COL)
        xl_ref(ref, err->line, err->col);
    else
        snprintf(ref, sizeof ref, "%ld:%ld", err->line, err->line);
    char file[sizeof err->file];
    snprintf(file, sizeof file, "%s!%s", label, ref);
    memcpy(err->file, file, sizeof file);
    err->line = err->col = 0;
}

int hsi_xlsx_is_book(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n > 5 &&
           (strcasecmp(path + n - 5, ".xlsx") == 0 || strcasecmp(path + n - 5, ".xlsm") == 0);
}

/* ---- the workbook and its XML parts --------------------------------------------------- */

typedef struct xl_cell {
    long row, col;
    size_t off; /* of its NUL-terminated text in the string pool */
} xl_cell;

typedef struct xl_book {
    hs_ctx *ctx;
    zip_t *za;
    const char *name;  /* the workbook, in messages */
    const char *sheet; /* the sheet asked for */
    char label[600];   /* "BOOK:SHEET" */
    const char *part;  /* the XML part being parsed */
    XML_Parser xp;
    hs_status st; /* set by a handler that stops the parse */
    hs_error *err;
    int depth_t; /* inside a text element that counts (<t> not under <rPh>) */
    int in_rph, in_si, in_v, in_is, has_f, has_v;
    hsi_buf text; /* the element text being gathered */
    /* workbook.xml / rels */
    char *rid, *target, *sst_target, *names;
    /* shared strings: offsets into pool */
    size_t *sst;
    size_t nsst, capsst;
    /* the sheet */
    hsi_buf pool;
    xl_cell *cell;
    size_t ncell, capcell;
    long row, col; /* the current row, the last cell's column */
    long c_row, c_col;
    char c_type[16];
} xl_book;

/* Stop the parse with an error (the handler's status is returned by xl_part). */
HS_PRINTF(3, 4)
static void xl_fail(xl_book *b, hs_status code, const char *fmt, ...)
{
    if (b->st) return;
    char msg[sizeof b->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char file[700];
    snprintf(file, sizeof file, "%s:%s", b->name, b->part);
    b->st = hsi_err(b->err, code, file, (long)XML_GetCurrentLineNumber(b->xp),
                    (long)XML_GetCurrentColumnNumber(b->xp) + 1, "%s", msg);
    XML_StopParser(b->xp, XML_FALSE);
}

/* The same for a cell: "BOOK:SHEET!C7: ...". */
static void xl_fail_cell(xl_book *b, long row, long col, const char *what)
{
    if (b->st) return;
    char ref[32], file[700];
    xl_ref(ref, row, col);
    snprintf(file, sizeof file, "%s!%s", b->label, ref);
    b->st = hsi_err(b->err, HS_ERR_PARSE, file, 0, 0, "%s", what);
    XML_StopParser(b->xp, XML_FALSE);
}

static const char *xl_local(const char *name)
{
    const char *p = strrchr(name, '|');
    return p ? p + 1 : name;
}

static const char *xl_attr(const char **atts, const char *local)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(xl_local(atts[i]), local) == 0) return atts[i + 1];
    return NULL;
}

/* A DTD may define entities that expand without bound; no workbook writer emits one. */
static void XMLCALL xl_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal;
    xl_fail(ud, HS_ERR_PARSE, "document type declaration (not allowed in a workbook part)");
}

static void XMLCALL xl_chars(void *ud, const XML_Char *s, int len)
{
    xl_book *b = ud;
    if (b->depth_t > 0 || b->in_v) hsi_buf_add(&b->text, s, (size_t)len);
}

/* Open part `part` (name matched ignoring case, as OPC part names are), stream it through a
 * new parser with the given handlers. *found = 0 and HS_OK when the part is absent. */
static hs_status xl_part(xl_book *b, const char *part, XML_StartElementHandler start,
                         XML_EndElementHandler end, int *found, hs_error *err)
{
    *found = 0;
    zip_int64_t idx = zip_name_locate(b->za, part, ZIP_FL_NOCASE);
    if (idx < 0) return HS_OK;
    *found = 1;
    char file[700];
    snprintf(file, sizeof file, "%s:%s", b->name, part);
    zip_file_t *zf = zip_fopen_index(b->za, (zip_uint64_t)idx, 0);
    if (!zf)
        return hsi_err(err, HS_ERR_PARSE, file, 0, 0, "cannot read this part of the workbook: %s",
                       zip_strerror(b->za));
    XML_Parser xp = XML_ParserCreateNS("UTF-8", '|');
    char *buf = hsi_malloc(b->ctx, XL_CHUNK);
    hs_status st = HS_OK;
    if (!xp || !buf) {
        st = hsi_err_nomem(err);
        goto done;
    }
    b->xp = xp;
    b->part = part;
    b->st = HS_OK;
    b->err = err;
    XML_SetUserData(xp, b);
    XML_SetElementHandler(xp, start, end);
    XML_SetCharacterDataHandler(xp, xl_chars);
    XML_SetStartDoctypeDeclHandler(xp, xl_doctype);
    size_t total = 0;
    for (;;) {
        zip_int64_t got = zip_fread(zf, buf, XL_CHUNK);
        if (got < 0) {
            st = hsi_err(err, HS_ERR_PARSE, file, 0, 0,
                         "damaged workbook: cannot decompress this part (%s)",
                         zip_file_strerror(zf));
            break;
        }
        total += (size_t)got;
        if (total > HSI_XLSX_MAX_PART) {
            st = hsi_err(err, HS_ERR_PARSE, file, 0, 0,
                         "part larger than %zu bytes uncompressed (a damaged workbook, or too "
                         "large to read)",
                         (size_t)HSI_XLSX_MAX_PART);
            break;
        }
        if (XML_Parse(xp, buf, (int)got, got == 0) == XML_STATUS_ERROR) {
            st = b->st ? b->st
                       : hsi_err(err, HS_ERR_PARSE, file, (long)XML_GetCurrentLineNumber(xp),
                                 (long)XML_GetCurrentColumnNumber(xp) + 1, "broken XML: %s",
                                 XML_ErrorString(XML_GetErrorCode(xp)));
            break;
        }
        if (got == 0) break;
    }
done:
    b->xp = NULL;
    if (xp) XML_ParserFree(xp);
    hsi_free(b->ctx, buf);
    (void)zip_fclose(zf); /* read only; a bad CRC already showed as a read error */
    return st;
}

/* ---- workbook.xml and its relationships ----------------------------------------------- */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xl_book *b = ud;
    if (strcmp(xl_local(name), "sheet") != 0) return;
    const char *nm = xl_attr(atts, "name"), *id = xl_attr(atts, "id");
    if (!nm || !id) return;
    hsi_buf names;
    hsi_buf_init(&names, b->ctx);
    if (b->names) hsi_buf_printf(&names, "%s, ", b->names);
    hsi_buf_puts(&names, nm);
    hsi_free(b->ctx, b->names);
    b->names = names.s;
    if (names.oom) {
        xl_fail(b, HS_ERR_NOMEM, "out of memory");
        return;
    }
    if (strcmp(nm, b->sheet) == 0 && !b->rid && !(b->rid = hsi_strdup(b->ctx, id)))
        xl_fail(b, HS_ERR_NOMEM, "out of memory");
}

static void XMLCALL xl_no_end(void *ud, const XML_Char *name)
{
    (void)ud, (void)name;
}

/* A relationship target, relative to xl/ unless absolute within the package. */
static char *rel_path(hs_ctx *ctx, const char *target)
{
    if (target[0] == '/') return hsi_strdup(ctx, target + 1);
    hsi_buf p;
    hsi_buf_init(&p, ctx);
    hsi_buf_printf(&p, "xl/%s", target);
    return hsi_buf_take(&p);
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xl_book *b = ud;
    if (strcmp(xl_local(name), "Relationship") != 0) return;
    const char *id = xl_attr(atts, "Id"), *tg = xl_attr(atts, "Target"),
               *ty = xl_attr(atts, "Type");
    if (!id || !tg) return;
    size_t tl = ty ? strlen(ty) : 0;
    char **dst = NULL;
    if (b->rid && strcmp(id, b->rid) == 0 && !b->target)
        dst = &b->target;
    else if (tl >= 14 && strcmp(ty + tl - 14, "/sharedStrings") == 0 && !b->sst_target)
        dst = &b->sst_target;
    if (dst && !(*dst = rel_path(b->ctx, tg))) xl_fail(b, HS_ERR_NOMEM, "out of memory");
}

/* ---- shared strings ------------------------------------------------------------------- */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xl_book *b = ud;
    (void)atts;
    const char *l = xl_local(name);
    if (!strcmp(l, "si")) {
        b->in_si = 1;
        b->text.len = 0;
    } else if (!strcmp(l, "rPh")) {
        b->in_rph++;
    } else if (!strcmp(l, "t") && b->in_si && !b->in_rph) {
        b->depth_t++;
    }
}

/* Append the gathered text, NUL-terminated, to the pool; its offset in *off. */
/* The code unit of an escape "_xHHHH_" at s (n bytes left), or -1 when s holds none. */
static long xl_esc_unit(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_') return -1;
    long u = 0;
    for (size_t i = 2; i < 6; i++) {
        int c = (unsigned char)s[i], d = c >= '0' && c <= '9'   ? c - '0'
                                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
        if (d < 0) return -1;
        u = u * 16 + d;
    }
    return u;
}

/* Append code point u as UTF-8. */
static void xl_put_utf8(hsi_buf *o, unsigned long u)
{
    char e[4];
    size_t n;
    if (u < 0x80) {
        e[0] = (char)u;
        n = 1;
    } else if (u < 0x800) {
        e[0] = (char)(0xC0 | (u >> 6));
        e[1] = (char)(0x80 | (u & 0x3F));
        n = 2;
    } else if (u < 0x10000) {
        e[0] = (char)(0xE0 | (u >> 12));
        e[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        e[2] = (char)(0x80 | (u & 0x3F));
        n = 3;
    } else {
        e[0] = (char)(0xF0 | (u >> 18));
        e[1] = (char)(0x80 | ((u >> 12) & 0x3F));
        e[2] = (char)(0x80 | ((u >> 6) & 0x3F));
        e[3] = (char)(0x80 | (u & 0x3F));
        n = 4;
    }
    hsi_buf_add(o, e, n);
}

/* The text of a string into the pool, its escapes decoded: SpreadsheetML writes a character
 * that XML cannot hold (a control character such as a line break in some writers, or any
 * character a writer chooses) as "_xHHHH_", UTF-16 code units in hex, and a literal "_x" that
 * would read as one with its underscore escaped ("_x005F_"). Read left to right, each escape
 * is one character; a UTF-16 pair of escapes is one character beyond U+FFFF; an escape of NUL
 * or of half a pair is kept as written (a cell cannot hold NUL, nor UTF-8 half a pair). */
static int xl_pool_text(xl_book *b, size_t *off)
{
    *off = b->pool.len;
    const char *s = b->text.s ? b->text.s : "";
    size_t n = b->text.len, i = 0, from = 0;
    while (i < n) {
        long u = s[i] == '_' ? xl_esc_unit(s + i, n - i) : -1;
        size_t len = 7;
        if (u >= 0xD800 && u < 0xDC00) {
            long lo = xl_esc_unit(s + i + 7, n - i - 7);
            u = lo >= 0xDC00 && lo < 0xE000 ? 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00) : -1;
            len = 14;
        } else if (u == 0 || (u >= 0xDC00 && u < 0xE000)) {
            u = -1;
        }
        if (u < 0) {
            i++;
            continue;
        }
        hsi_buf_add(&b->pool, s + from, i - from);
        xl_put_utf8(&b->pool, (unsigned long)u);
        i += len;
        from = i;
    }
    hsi_buf_add(&b->pool, s + from, n - from);
    hsi_buf_add(&b->pool, "", 1);
    return b->pool.oom || b->text.oom ? -1 : 0;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    xl_book *b = ud;
    const char *l = xl_local(name);
    if (!strcmp(l, "rPh") && b->in_rph > 0) {
        b->in_rph--;
    } else if (!strcmp(l, "t") && b->depth_t > 0) {
        b->depth_t--;
    } else if (!strcmp(l, "si") && b->in_si) {
        b->in_si = 0;
        if (b->nsst == b->capsst) {
            size_t cap = b->capsst ? 2 * b->capsst : 256;
            size_t *p = hsi_realloc(b->ctx, b->sst, cap * sizeof *p);
            if (!p) {
                xl_fail(b, HS_ERR_NOMEM, "out of memory");
                return;
            }
            b->sst = p;
            b->capsst = cap;
        }
        if (xl_pool_text(b, &b->sst[b->nsst++])) xl_fail(b, HS_ERR_NOMEM, "out of memory");
    }
}

/* ---- the sheet ------------------------------------------------------------------------ */

static void XMLCALL sh_cell_start(xl_book *b, const XML_Char **atts)
{
    const char *r = xl_attr(atts, "r"), *t = xl_attr(atts, "t");
    long row = b->row, col = b->col + 1;
    if (r && (xl_parse_ref(r, &row, &col) || row == 0 || col == 0)) {
        xl_fail(b, HS_ERR_PARSE, "cell reference '%s' is not a cell such as C7", r);
        return;
    }
    if (row == 0) {
        xl_fail(b, HS_ERR_PARSE, "cell outside a row");
        return;
    }
    if (col > XL_MAX_COL) {
        xl_fail(b, HS_ERR_PARSE, "more than %ld cells in row %ld", XL_MAX_COL, row);
        return;
    }
    b->row = row;
    b->c_row = row;
    b->c_col = b->col = col;
    snprintf(b->c_type, sizeof b->c_type, "%s", t ? t : "n");
    b->has_f = b->has_v = 0;
    b->text.len = 0;
}

static void XMLCALL sh_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xl_book *b = ud;
    const char *l = xl_local(name);
    if (!strcmp(l, "row")) {
        const char *r = xl_attr(atts, "r");
        long row = b->row + 1, col = 0;
        if (r && (xl_parse_ref(r, &row, &col) || col != 0 || row == 0)) {
            xl_fail(b, HS_ERR_PARSE, "row number '%s' is not 1 to %ld", r, XL_MAX_ROW);
            return;
        }
        if (row > XL_MAX_ROW) {
            xl_fail(b, HS_ERR_PARSE, "more than %ld rows", XL_MAX_ROW);
            return;
        }
        b->row = row;
        b->col = 0;
    } else if (!strcmp(l, "c")) {
        sh_cell_start(b, atts);
    } else if (!strcmp(l, "v")) {
        b->in_v = b->has_v = 1;
    } else if (!strcmp(l, "f")) {
        b->has_f = 1;
    } else if (!strcmp(l, "is")) {
        b->in_is = 1;
    } else if (!strcmp(l, "rPh")) {
        b->in_rph++;
    } else if (!strcmp(l, "t") && b->in_is && !b->in_rph) {
        b->depth_t++;
        b->has_v = 1;
    }
}

static int xl_push_cell(xl_book *b, size_t off)
{
    if (b->ncell == b->capcell) {
        size_t cap = b->capcell ? 2 * b->capcell : 1024;
        xl_cell *p = hsi_realloc(b->ctx, b->cell, cap * sizeof *p);
        if (!p) return -1;
        b->cell = p;
        b->capcell = cap;
    }
    b->cell[b->ncell++] = (xl_cell){b->c_row, b->c_col, off};
    return 0;
}

/* The text of the cell just closed, into the pool (an empty cell is left out: missing). */
static void sh_cell_end(xl_book *b)
{
    const char *t = b->c_type;
    int inl = !strcmp(t, "inlineStr");
    /* openpyxl writes a formula's missing result as an empty <v/>; only a text result may be
     * empty */
    if (b->has_f && (!b->has_v || (b->text.len == 0 && strcmp(t, "str") != 0))) {
        xl_fail_cell(b, b->c_row, b->c_col,
                     "formula without a stored result (open and save the workbook in a "
                     "spreadsheet program, or paste the values, so the cell holds its "
                     "value)");
        return;
    }
    if (!b->has_v) return;
    if (b->text.oom) {
        xl_fail(b, HS_ERR_NOMEM, "out of memory");
        return;
    }
    const char *s = b->text.s ? b->text.s : ""; /* hsi_buf keeps its text NUL-terminated */
    size_t off;
    if (!strcmp(t, "s")) {
        long k;
        if (hsi_parse_long(s, &k) || k < 0 || (size_t)k >= b->nsst) {
            char msg[160];
            snprintf(msg, sizeof msg, "shared string %.40s does not exist (the workbook has %zu)",
                     s, b->nsst);
            {
                xl_fail_cell(b, b->c_row, b->c_col, msg);
                return;
            }
        }
        off = b->sst[k];
        if (b->pool.s[off] == '\0') return;
    } else if (!strcmp(t, "b")) {
        if (strcmp(s, "0") && strcmp(s, "1")) {
            xl_fail_cell(b, b->c_row, b->c_col, "boolean cell that is neither 0 nor 1");
            return;
        }
        b->text.len = 0;
        hsi_buf_puts(&b->text, s[0] == '1' ? "TRUE" : "FALSE");
        if (xl_pool_text(b, &off)) {
            xl_fail(b, HS_ERR_NOMEM, "out of memory");
            return;
        }
    } else if (inl || !strcmp(t, "n") || !strcmp(t, "str") || !strcmp(t, "e") || !strcmp(t, "d")) {
        if (b->text.len == 0) return;
        if (xl_pool_text(b, &off)) {
            xl_fail(b, HS_ERR_NOMEM, "out of memory");
            return;
        }
    } else {
        char msg[96];
        snprintf(msg, sizeof msg, "unknown cell type '%.32s'", t);
        {
            xl_fail_cell(b, b->c_row, b->c_col, msg);
            return;
        }
    }
    if (xl_push_cell(b, off)) xl_fail(b, HS_ERR_NOMEM, "out of memory");
}

static void XMLCALL sh_end(void *ud, const XML_Char *name)
{
    xl_book *b = ud;
    const char *l = xl_local(name);
    if (!strcmp(l, "v"))
        b->in_v = 0;
    else if (!strcmp(l, "t") && b->depth_t > 0)
        b->depth_t--;
    else if (!strcmp(l, "rPh") && b->in_rph > 0)
        b->in_rph--;
    else if (!strcmp(l, "is"))
        b->in_is = 0;
    else if (!strcmp(l, "c"))
        sh_cell_end(b);
}

/* ---- the table ------------------------------------------------------------------------ */

static int xl_cell_cmp(const void *x, const void *y)
{
    const xl_cell *a = x, *c = y;
    if (a->row != c->row) return a->row < c->row ? -1 : 1;
    return a->col < c->col ? -1 : (a->col > c->col);
}

/* The cells as a table: the first row the header, later rows as wide, "" where empty. */
static hs_status xl_table(xl_book *b, hsi_csv *out, hs_error *err)
{
    hs_ctx *ctx = b->ctx;
    if (b->ncell == 0)
        return hsi_err(err, HS_ERR_PARSE, b->label, 0, 0,
                       "the sheet is empty (expected a header row)");
    qsort(b->cell, b->ncell, sizeof *b->cell, xl_cell_cmp);
    char ref[32], file[700];
    size_t nrow = 0, ncol = 0;
    long hrow = b->cell[0].row;
    for (size_t i = 0; i < b->ncell; i++) {
        const xl_cell *c = &b->cell[i];
        if (i > 0 && c->row == c[-1].row && c->col == c[-1].col) {
            xl_ref(ref, c->row, c->col);
            snprintf(file, sizeof file, "%s!%s", b->label, ref);
            return hsi_err(err, HS_ERR_PARSE, file, 0, 0, "cell given twice in the sheet");
        }
        if (c->row == hrow)
            ncol = (size_t)c->col;
        else if (i == 0 || c->row != c[-1].row)
            nrow++;
        if (c->row != hrow && (size_t)c->col > ncol) {
            xl_ref(ref, c->row, c->col);
            snprintf(file, sizeof file, "%s!%s", b->label, ref);
            char last[32];
            xl_ref(last, hrow, (long)ncol);
            return hsi_err(err, HS_ERR_PARSE, file, 0, 0,
                           "value beyond the header's last column (%s: every column needs a "
                           "name in row %ld)",
                           last, hrow);
        }
    }
    if (nrow > 0 && ncol > HSI_XLSX_MAX_CELLS / nrow)
        return hsi_err(err, HS_ERR_PARSE, b->label, 0, 0,
                       "%zu rows of %zu columns: more than %zu cells", nrow, ncol,
                       (size_t)HSI_XLSX_MAX_CELLS);
    /* the pool gets one more NUL: the text of every empty cell */
    size_t empty = b->pool.len;
    hsi_buf_add(&b->pool, "", 1);
    out->ctx = ctx;
    out->nrow = nrow;
    out->ncol = ncol;
    out->head_line = hrow;
    out->head = hsi_calloc(ctx, ncol + 1, sizeof(char *));
    out->cell = hsi_calloc(ctx, nrow * ncol + 1, sizeof(char *));
    out->line = hsi_calloc(ctx, nrow + 1, sizeof(long));
    out->col = hsi_calloc(ctx, nrow * ncol + 1, sizeof(long));
    out->file = hsi_strdup(ctx, b->label);
    out->book = 1;
    if (b->pool.oom || !out->head || !out->cell || !out->line || !out->col || !out->file)
        return hsi_err_nomem(err);
    char *mem = b->pool.s;
    for (size_t j = 0; j < ncol; j++)
        out->head[j] = mem + empty;
    for (size_t k = 0; k < nrow * ncol; k++) {
        out->cell[k] = mem + empty;
        out->col[k] = (long)(k % ncol) + 1;
    }
    long r = -1;
    for (size_t i = 0; i < b->ncell; i++) {
        const xl_cell *c = &b->cell[i];
        if (c->row == hrow) {
            out->head[c->col - 1] = mem + c->off;
            continue;
        }
        if (r < 0 || c->row != out->line[r]) out->line[++r] = c->row;
        out->cell[(size_t)r * ncol + (size_t)c->col - 1] = mem + c->off;
    }
    out->mem = mem; /* the pool's storage now belongs to the table */
    b->pool.s = NULL;
    b->pool.len = b->pool.cap = 0;
    return HS_OK;
}

/* ---- reading a sheet ------------------------------------------------------------------ */

/* Why the bytes are no workbook, for the message: an old .xls (and any password-protected
 * workbook) is an OLE2 compound file, not a zip. */
static const char *xl_not_zip(const unsigned char *head, size_t n)
{
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (n >= 8 && memcmp(head, ole, 8) == 0)
        return "an Excel 97-2003 .xls file or a password-protected workbook (expected an "
               ".xlsx workbook: save it as Excel Workbook without a password)";
    return "not an .xlsx workbook (not a zip archive; expected a workbook saved as .xlsx)";
}

/* The sheet's part name in b->target, and the shared strings' in b->sst_target. */
static hs_status xl_find_sheet(xl_book *b, hs_error *err)
{
    int found;
    hs_status st = xl_part(b, "xl/workbook.xml", wb_start, xl_no_end, &found, err);
    if (st) return st;
    if (!found)
        return hsi_err(err, HS_ERR_PARSE, b->name, 0, 0,
                       "no xl/workbook.xml (a zip archive, but not an .xlsx workbook)");
    if (!b->rid)
        return hsi_err(err, HS_ERR_SCHEMA, b->name, 0, 0, "no sheet '%s' (the workbook has: %s)",
                       b->sheet, b->names ? b->names : "no sheets");
    st = xl_part(b, "xl/_rels/workbook.xml.rels", rels_start, xl_no_end, &found, err);
    if (st) return st;
    if (!b->target)
        return hsi_err(err, HS_ERR_PARSE, b->name, 0, 0,
                       "sheet '%s' has no part in the workbook (a damaged workbook: "
                       "xl/_rels/workbook.xml.rels does not name it)",
                       b->sheet);
    return HS_OK;
}

static hs_status xl_read_sheet(xl_book *b, hsi_csv *out, hs_error *err)
{
    hs_status st = xl_find_sheet(b, err);
    int found = 0;
    if (!st && b->sst_target) st = xl_part(b, b->sst_target, sst_start, sst_end, &found, err);
    if (!st) st = xl_part(b, b->target, sh_start, sh_end, &found, err);
    if (!st && !found)
        st = hsi_err(err, HS_ERR_PARSE, b->name, 0, 0,
                     "sheet '%s' is missing from the workbook (no part %s)", b->sheet, b->target);
    if (!st) st = xl_table(b, out, err);
    return st;
}

/* Open the zip from src (taken over) and read the sheet. */
static hs_status xl_open_read(hs_ctx *ctx, zip_source_t *src, const unsigned char *head,
                              size_t nhead, const char *name, const char *sheet, hsi_csv *out,
                              hs_error *err)
{
    memset(out, 0, sizeof *out);
    if (nhead == 0) { /* libzip reads no bytes as an empty archive */
        zip_source_free(src);
        return hsi_err(err, HS_ERR_PARSE, name, 0, 0, "empty file (expected an .xlsx workbook)");
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        int code = zip_error_code_zip(&ze);
        hs_status st = code == ZIP_ER_NOZIP
                           ? hsi_err(err, HS_ERR_PARSE, name, 0, 0, "%s", xl_not_zip(head, nhead))
                           : hsi_err(err, HS_ERR_PARSE, name, 0, 0,
                                     "damaged workbook (cannot open it as a zip archive: %s)",
                                     zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zip_source_free(src);
        return st;
    }
    zip_error_fini(&ze);
    xl_book b;
    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.za = za;
    b.name = name;
    b.sheet = sheet;
    snprintf(b.label, sizeof b.label, "%s:%s", name, sheet);
    hsi_buf_init(&b.text, ctx);
    hsi_buf_init(&b.pool, ctx);
    hs_status st = xl_read_sheet(&b, out, err);
    zip_discard(za); /* read only: frees the source too */
    hsi_buf_free(&b.text);
    hsi_buf_free(&b.pool);
    hsi_free_all(ctx, b.rid, b.target, b.sst_target, b.names, b.sst, b.cell);
    if (st) hsi_csv_free(out);
    return st;
}

hs_status hsi_xlsx_sheet_parse(hs_ctx *ctx, const void *data, size_t len, const char *name,
                               const char *sheet, hsi_csv *out, hs_error *err)
{
    memset(out, 0, sizeof *out);
    if (!name) name = "<workbook>";
    if (len > HSI_XLSX_MAX_BOOK)
        return hsi_err(err, HS_ERR_PARSE, name, 0, 0, "workbook larger than %zu bytes",
                       (size_t)HSI_XLSX_MAX_BOOK);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(len ? data : "", len, 0, &ze);
    zip_error_fini(&ze);
    if (!src) return hsi_err_nomem(err);
    return xl_open_read(ctx, src, data, len, name, sheet, out, err);
}

hs_status hsi_xlsx_sheet_read(hs_ctx *ctx, const char *path, const char *sheet, hsi_csv *out,
                              hs_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) return hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot open file: %s", strerror(errno));
    struct stat sb;
    unsigned char head[8] = {0};
    size_t nhead = 0;
    hs_status st = HS_OK;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode))
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "not a regular file (expected an .xlsx workbook)");
    else if ((size_t)sb.st_size > HSI_XLSX_MAX_BOOK)
        st = hsi_err(err, HS_ERR_PARSE, path, 0, 0, "workbook larger than %zu bytes",
                     (size_t)HSI_XLSX_MAX_BOOK);
    else
        nhead = fread(head, 1, sizeof head, fp);
    (void)fclose(fp); /* read only */
    if (st) return st;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_file_create(path, 0, -1, &ze);
    if (!src) {
        st = hsi_err(err, HS_ERR_IO, path, 0, 0, "cannot open file: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    zip_error_fini(&ze);
    return xl_open_read(ctx, src, head, nhead, path, sheet, out, err);
}
